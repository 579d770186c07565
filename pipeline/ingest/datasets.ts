/** A column of a canonical dataset: its warehouse type and, for codes, the seed it must be found in. */
export interface DatasetColumn {
  name: string;
  type: 'varchar' | 'period' | 'date' | 'money';
  required: boolean;
  /** `table.column` of a seed that must contain the value. */
  references?: string;
}

/** A canonical dataset that feeds load into: the warehouse table, its columns and its key. */
export interface Dataset {
  table: string;
  columns: DatasetColumn[];
  /** Columns that identify a row; a duplicate key in one file is an error. */
  key: string[];
  /** How a newer file replaces older data of the same feed: per period, or the whole table (a snapshot). */
  replaces: 'period' | 'all';
}

const region = { name: 'region_code', type: 'varchar', required: true, references: 'regions.code' } as const;
const industry = { name: 'industry_code', type: 'varchar', required: true, references: 'industries.code' } as const;
const size = { name: 'size_code', type: 'varchar', required: true, references: 'taxpayer_sizes.code' } as const;
const taxpayer = { name: 'taxpayer_id', type: 'varchar', required: true } as const;
const period = { name: 'period', type: 'period', required: true } as const;
const amount = { name: 'amount', type: 'money', required: true } as const;

/** The canonical datasets, by name. */
export const datasets: Record<string, Dataset> = {
  revenue: {
    table: 'revenue',
    columns: [period, taxpayer, region, industry, size, { name: 'tax_code', type: 'varchar', required: true, references: 'tax_types.code' }, amount],
    key: ['period', 'taxpayer_id', 'tax_code'],
    replaces: 'period',
  },
  relief: {
    table: 'relief',
    columns: [
      period, taxpayer, region, industry, size,
      { name: 'policy_code', type: 'varchar', required: true, references: 'relief_policies.code' },
      { name: 'tax_code', type: 'varchar', required: false, references: 'tax_types.code' },
      amount,
    ],
    key: ['period', 'taxpayer_id', 'policy_code'],
    replaces: 'period',
  },
  taxpayers: {
    table: 'taxpayers',
    columns: [
      taxpayer,
      { name: 'name', type: 'varchar', required: false },
      region, industry, size,
      { name: 'registered_on', type: 'date', required: false },
      { name: 'status', type: 'varchar', required: false },
    ],
    key: ['taxpayer_id'],
    replaces: 'all',
  },
};
