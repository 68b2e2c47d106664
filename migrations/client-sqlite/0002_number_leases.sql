-- The block of invoice numbers the server leased to this device, to issue offline with
-- (docs/sync-protocol.md, "Number leases"). At most one row: a new lease replaces it. `next`
-- moves in the transaction that issues, so a number is never used twice on this device.
CREATE TABLE number_lease (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    id         TEXT NOT NULL,
    series     TEXT NOT NULL,
    pattern    TEXT NOT NULL,
    period     TEXT NOT NULL,
    first      INTEGER NOT NULL,
    last       INTEGER NOT NULL,
    next       INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL
);

-- An `issued` fact made offline names its lease and the document heads it issued, which the
-- server checks; such facts are pushed as issues, before payments.
ALTER TABLE facts ADD COLUMN lease_id TEXT;
ALTER TABLE facts ADD COLUMN heads TEXT;
