-- The dashboard reads the latest facts and this month's payments: by the time each reached
-- this replica (a fact never reaches it before it happened, so this bounds the scan; the
-- fact's own time still decides what counts).
CREATE INDEX facts_created ON facts (created_at DESC);
