-- Restatements keep what they replace: a fact row superseded by a later file of the same feed is
-- marked with that file's id instead of being deleted, so that an earlier brief can be reproduced.
-- Every mart, check and query reads current rows only (superseded_by is null).

alter table revenue add column superseded_by integer;
alter table relief add column superseded_by integer;
alter table taxpayers add column superseded_by integer;

-- Which files a restatement replaced, for the ledger (both hashes stay in files), and each file's
-- size: a file of a known name and size is hashed before loading (probably a duplicate), any other
-- while it loads.
alter table files add column restates varchar;
alter table files add column bytes bigint;
