-- Number blocks leased to devices so they can issue invoices offline (docs/sync-protocol.md,
-- "Number leases"). A lease takes `first_seq..=last_seq` from the tenant's counter in the
-- transaction that creates it, so no other device or online issue can ever take those numbers.
-- Every change to a lease (a use, a renewal, its closing) moves `version` from the one read,
-- so a use and the closing of its lease can never both commit.
CREATE TABLE number_leases (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    id           TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    series       TEXT NOT NULL,
    pattern      TEXT NOT NULL,
    period       TEXT NOT NULL,
    first_seq    INTEGER NOT NULL CHECK (first_seq >= 1),
    last_seq     INTEGER NOT NULL CHECK (last_seq >= first_seq),
    leased_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    closed_at    TEXT,
    close_reason TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);
CREATE INDEX number_leases_open ON number_leases (tenant_id, device_id) WHERE closed_at IS NULL;

-- The numbers of a lease used by an accepted offline issue, one row per number (`id` is the
-- issued fact's id).
CREATE TABLE number_lease_uses (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    lease_id   TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    invoice_id TEXT NOT NULL,
    used_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, lease_id, seq),
    FOREIGN KEY (tenant_id, lease_id) REFERENCES number_leases (tenant_id, id)
);

-- Explained gaps: numbers taken from the series that no invoice will ever carry, and why
-- (the lease expired or was returned with numbers unused; an offline issue was refused).
CREATE TABLE number_gaps (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    lease_id    TEXT NOT NULL,
    series      TEXT NOT NULL,
    period      TEXT NOT NULL,
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL CHECK (last_seq >= first_seq),
    first_number TEXT NOT NULL,
    last_number TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, lease_id) REFERENCES number_leases (tenant_id, id)
);
CREATE INDEX number_gaps_lease ON number_gaps (tenant_id, lease_id);
