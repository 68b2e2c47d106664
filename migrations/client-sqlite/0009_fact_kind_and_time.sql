-- The dashboard reads this month's payments and the latest facts: the kind, time and amount
-- of each fact as columns computed from its body (nothing stored twice), indexed, so neither
-- is a scan of every fact's JSON (the arrival index of 0008 did not bound it: a first sync
-- makes every fact arrive at once). The first index covers the month's sums by currency.
ALTER TABLE facts ADD COLUMN kind TEXT GENERATED ALWAYS AS (json_extract(body, '$.type')) VIRTUAL;
ALTER TABLE facts ADD COLUMN at TEXT GENERATED ALWAYS AS (json_extract(body, '$.at')) VIRTUAL;
ALTER TABLE facts ADD COLUMN paid_amount TEXT GENERATED ALWAYS AS (json_extract(body, '$.amount.amount')) VIRTUAL;
ALTER TABLE facts ADD COLUMN paid_currency TEXT GENERATED ALWAYS AS (json_extract(body, '$.amount.currency')) VIRTUAL;
CREATE INDEX facts_kind_at ON facts (kind, at, state, paid_currency, paid_amount);
CREATE INDEX facts_at ON facts (at DESC);
DROP INDEX facts_created;
