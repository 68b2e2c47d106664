-- Number blocks leased to devices so they can issue invoices offline (docs/sync-protocol.md,
-- "Number leases"). A lease takes `first_seq..=last_seq` from the tenant's counter in the
-- transaction that creates it, so no other device or online issue can ever take those numbers.
-- Every change to a lease (a use, a renewal, its closing) moves `version` from the one read,
-- so a use and the closing of its lease can never both commit.
CREATE TABLE number_leases (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL,
    device_id    uuid NOT NULL,
    user_id      uuid NOT NULL,
    series       text NOT NULL,
    pattern      text NOT NULL,
    period       text NOT NULL,
    first_seq    bigint NOT NULL CHECK (first_seq >= 1),
    last_seq     bigint NOT NULL CHECK (last_seq >= first_seq),
    leased_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    closed_at    timestamptz,
    close_reason text,
    version      bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);
CREATE INDEX number_leases_open ON number_leases (tenant_id, device_id) WHERE closed_at IS NULL;

-- The numbers of a lease used by an accepted offline issue, one row per number (`id` is the
-- issued fact's id).
CREATE TABLE number_lease_uses (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    lease_id   uuid NOT NULL,
    seq        bigint NOT NULL,
    invoice_id uuid NOT NULL,
    used_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, lease_id, seq),
    FOREIGN KEY (tenant_id, lease_id) REFERENCES number_leases (tenant_id, id)
);

-- Explained gaps: numbers taken from the series that no invoice will ever carry, and why
-- (the lease expired or was returned with numbers unused; an offline issue was refused).
CREATE TABLE number_gaps (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    lease_id    uuid NOT NULL,
    series      text NOT NULL,
    period      text NOT NULL,
    first_seq   bigint NOT NULL,
    last_seq    bigint NOT NULL CHECK (last_seq >= first_seq),
    first_number text NOT NULL,
    last_number text NOT NULL,
    reason      text NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, lease_id) REFERENCES number_leases (tenant_id, id)
);
CREATE INDEX number_gaps_lease ON number_gaps (tenant_id, lease_id);

ALTER TABLE number_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON number_leases
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE number_lease_uses ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_lease_uses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON number_lease_uses
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE number_gaps ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_gaps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON number_gaps
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON number_leases, number_lease_uses, number_gaps TO remit_app;
