-- The language of a brief edition in the nightly ledger: an English edition is its own version, delivery and output.
-- Rows written before this migration are Chinese editions.
alter table brief_versions add column lang varchar default 'zh';
alter table run_outputs add column lang varchar default 'zh';
alter table deliveries add column lang varchar default 'zh';
