-- The nightly ledger: each run's stages and outputs, the version of every brief edition built, and every delivery.
-- runs (001_init) gets one row per `taxbrief run`: status running → ok | held | failed, summary as JSON.

-- One row per stage of a run: how long it took and what it did.
create table run_stages (
  run_id      varchar not null,
  stage       varchar not null,
  started_at  timestamp not null,
  ms          bigint not null,
  status      varchar not null,       -- ok | failed | skipped
  detail      json
);

-- One row per brief edition a run considered: rendered, up to date, not due, held (with the reason) or failed.
create table run_outputs (
  run_id      varchar not null,
  brief       varchar not null,
  region      varchar not null,       -- '' for a province brief
  period      varchar not null,       -- YYYY-MM
  status      varchar not null,       -- rendered | skipped | held | failed
  reason      varchar,
  version     varchar,
  pdf         varchar,
  pages       integer
);

-- The newest version of each brief edition the nightly run built: the incremental key and where it lies.
create table brief_versions (
  brief       varchar not null,
  region      varchar not null,
  period      varchar not null,
  version     varchar not null,       -- sha256 over code, definition, template, queries, seeds and input files
  parts       json not null,          -- the hash of each part, so a rebuild can say what changed
  issued_dir  varchar not null,       -- issued/<period>/<stem>/<version12>/: pdf, html, manifest, definitions
  built_at    timestamp not null,
  run_id      varchar not null
);

-- Every attempt to deliver a version of a brief to a recipient; status sent is never repeated unless --resend.
create table deliveries (
  run_id        varchar not null,
  recipient_id  varchar not null,
  brief         varchar not null,
  region        varchar not null,
  period        varchar not null,
  version       varchar not null,
  channel       varchar not null,     -- outbox | smtp
  status        varchar not null,     -- sent | failed
  attempts      integer not null,
  error         varchar,
  file          varchar,              -- the recipient's watermarked PDF (archived copy once sent)
  sha256        varchar,
  attempted_at  timestamp not null
);
