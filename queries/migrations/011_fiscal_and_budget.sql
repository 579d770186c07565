-- Published fiscal statistics (NBS tables, provincial budget statements) and the budget targets
-- the tax bureau is measured against. Amounts in 元 as DECIMAL(18,2), whatever unit the source used.

-- One published figure: an item (政府收支分类科目, seeds/fiscal_items.csv) of a region for a period.
-- basis says what the period means: year (the calendar year), month (that month alone) or
-- ytd (January to that month, cumulative, as official monthly releases are published).
create table fiscal (
  period        date not null,          -- first day of the year (basis year) or of the month
  basis         varchar not null,       -- year | month | ytd
  region_code   varchar not null,       -- seeds/fiscal_regions.csv
  item_code     varchar not null,       -- seeds/fiscal_items.csv
  amount        decimal(18,2) not null, -- 元
  file_id       integer not null,
  superseded_by integer
);

-- A revenue target of the year's budget (预算目标): per region, per tax, or for all taxes (tax_code null).
create table budget_targets (
  year          integer not null,
  region_code   varchar not null,
  tax_code      varchar,
  amount        decimal(18,2) not null, -- 元
  file_id       integer not null,
  superseded_by integer
);
