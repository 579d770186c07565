-- The month each taxpayer first enjoyed each policy in a year, at the grain of the relief facts' codes. The beneficiary
-- mart is grouped from this table, so a new month is folded in from that month's facts alone (see
-- queries/marts/030_mart_relief_beneficiaries.sql) instead of from the whole year's facts.
create table relief_first_seen (
  year          integer not null,
  taxpayer_id   varchar not null,
  region_code   varchar not null,
  industry_code varchar not null,
  size_code     varchar not null,
  policy_code   varchar not null,
  first_period  date not null
);

-- The months folded into relief_first_seen: changed months that all come after them extend a year; any other change rebuilds it.
create table relief_first_seen_periods (
  period date not null
);
