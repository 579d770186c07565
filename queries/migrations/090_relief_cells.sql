-- relief_first_seen keeps each combination of the relief facts' codes as a number (relief_cells): writing four code
-- strings per first-seen row cost five times writing one integer (3.6 M rows at tenth scale: 12 s against 2.3 s), and
-- the beneficiary mart groups integers. The table is rebuilt by the next mart refresh (its definition changed).
create table relief_cells (
  cell          integer not null,   -- one per region, industry, size and policy
  home          integer not null,   -- one per region, industry and size: a taxpayer whose rows share one home is in one cell of every grouping by place, section or size
  region_code   varchar not null,
  industry_code varchar not null,
  size_code     varchar not null,
  policy_code   varchar not null
);

drop table relief_first_seen;
create table relief_first_seen (
  year          integer not null,
  taxpayer_id   varchar not null,
  cell          integer not null,   -- relief_cells.cell
  first_period  date not null
);
delete from relief_first_seen_periods;
