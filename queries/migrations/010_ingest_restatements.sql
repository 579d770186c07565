-- Restatements keep what they replace: a fact row superseded by a later file of the same feed is
-- marked with that file's id instead of being deleted, so that an earlier brief can be reproduced.
-- Every mart, check and query reads current rows only (superseded_by is null).

alter table revenue add column superseded_by integer;
alter table relief add column superseded_by integer;
alter table taxpayers add column superseded_by integer;

-- Which file a restatement replaced, for the ledger (both hashes stay in files).
alter table files add column restates varchar;
