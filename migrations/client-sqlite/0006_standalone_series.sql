-- A device that has never connected to a server numbers the invoices it issues itself, from
-- the default series (docs/sync-protocol.md, "Standalone numbering"): one counter per period,
-- moved in the issuing transaction. On its first sync the server adopts those numbers (or
-- refuses those its own series already handed out). Such `issued` facts have heads and no
-- lease id.
CREATE TABLE standalone_counters (
    period TEXT PRIMARY KEY,
    next   INTEGER NOT NULL CHECK (next >= 1)
);
