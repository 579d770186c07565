-- The warehouse's first schema: facts at taxpayer level, the registry, and the ledger of loaded files.
-- Money is DECIMAL(18,2) in 元; codes are VARCHAR so that leading zeros survive.

create sequence if not exists file_id_seq start 1;

-- Every file ever offered to ingest, loaded or refused. A file's data rows carry its file_id.
create table files (
  file_id      integer primary key,
  name         varchar not null,
  sha256       varchar not null,
  feed         varchar not null,
  dataset      varchar not null,
  period       date,
  rows         bigint not null,
  status       varchar not null,       -- loaded | superseded
  loaded_at    timestamp not null
);

create table taxpayers (
  taxpayer_id   varchar not null,
  name          varchar,
  region_code   varchar not null,
  industry_code varchar not null,
  size_code     varchar not null,
  registered_on date,
  status        varchar,
  file_id       integer not null
);

-- Net tax revenue collected into the treasury (入库 after refunds), per taxpayer, month and tax.
create table revenue (
  period        date not null,
  taxpayer_id   varchar not null,
  region_code   varchar not null,
  industry_code varchar not null,
  size_code     varchar not null,
  tax_code      varchar not null,
  amount        decimal(18,2) not null,
  file_id       integer not null
);

-- Relief enjoyed under a preferential policy, per taxpayer, month and policy (one row = one beneficiary).
create table relief (
  period        date not null,
  taxpayer_id   varchar not null,
  region_code   varchar not null,
  industry_code varchar not null,
  size_code     varchar not null,
  policy_code   varchar not null,
  tax_code      varchar,
  amount        decimal(18,2) not null,
  file_id       integer not null
);

-- Seeds loaded, by content hash, so that a seed is reloaded only when it changed.
create table seed_versions (
  seed       varchar primary key,
  sha256     varchar not null,
  rows       bigint not null,
  loaded_at  timestamp not null
);

-- Every run of the CLI that changes something.
create table runs (
  run_id      varchar primary key,
  command     varchar not null,
  started_at  timestamp not null,
  finished_at timestamp,
  status      varchar not null,
  summary     json
);
