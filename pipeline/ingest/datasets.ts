/** A column of a canonical dataset: its warehouse type and, for codes, the seed it must be found in. */
export interface DatasetColumn {
  name: string;
  /** period: a month (or a year for basis year); year: an integer year; basis: year | month | ytd. */
  type: 'varchar' | 'period' | 'year' | 'basis' | 'date' | 'money';
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
  /** How a newer file restates older data of the same feed: per period, or the whole table (a snapshot). */
  replaces: 'period' | 'all';
  /** The period bases a feed of this dataset may deliver. */
  bases: ('year' | 'month' | 'ytd')[];
  /** Sane bounds of one amount in 元: outside them a row is an error (a unit mistake, a typo). */
  bounds: { min: number; max: number };
}

const region = { name: 'region_code', type: 'varchar', required: true, references: 'regions.code' } as const;
const industry = { name: 'industry_code', type: 'varchar', required: true, references: 'industries.code' } as const;
const size = { name: 'size_code', type: 'varchar', required: true, references: 'taxpayer_sizes.code' } as const;
const taxpayer = { name: 'taxpayer_id', type: 'varchar', required: true } as const;
const period = { name: 'period', type: 'period', required: true } as const;
const amount = { name: 'amount', type: 'money', required: true } as const;
// One taxpayer's tax of one month: beyond ±1,000 亿元 it is a unit or typing mistake.
const taxpayerBounds = { min: -1e11, max: 1e11 };

/** The canonical datasets, by name. */
export const datasets: Record<string, Dataset> = {
  revenue: {
    table: 'revenue',
    columns: [period, taxpayer, region, industry, size, { name: 'tax_code', type: 'varchar', required: true, references: 'tax_types.code' }, amount],
    key: ['period', 'taxpayer_id', 'tax_code'],
    replaces: 'period',
    bases: ['month'],
    bounds: taxpayerBounds,
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
    bases: ['month'],
    bounds: { min: 0, max: 1e11 },
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
    bases: [],
    bounds: taxpayerBounds,
  },
  fiscal: {
    table: 'fiscal',
    columns: [
      period,
      { name: 'basis', type: 'basis', required: true },
      { name: 'region_code', type: 'varchar', required: true, references: 'fiscal_regions.code' },
      { name: 'item_code', type: 'varchar', required: true, references: 'fiscal_items.code' },
      amount,
    ],
    key: ['period', 'basis', 'region_code', 'item_code'],
    replaces: 'period',
    bases: ['year', 'month', 'ytd'],
    // The nation's yearly revenue is ~2×10^13 元; a figure beyond 10^15 is a unit mistake.
    bounds: { min: -1e15, max: 1e15 },
  },
  budget_targets: {
    table: 'budget_targets',
    columns: [
      { name: 'year', type: 'year', required: true },
      region,
      // No tax code: the target for all taxes together.
      { name: 'tax_code', type: 'varchar', required: false, references: 'tax_types.code' },
      amount,
    ],
    key: ['year', 'region_code', 'tax_code'],
    replaces: 'period',
    bases: ['year'],
    bounds: { min: 0, max: 1e15 },
  },
};
