-- Bank transactions imported for reconciliation (issue 7): one row per booked transaction of
-- the tenant's statements, its id derived from the bank's (so importing a statement again adds
-- nothing). `api_json` is the view the API shows: the transaction, the matcher's answer (the
-- decision, confidence, allocations and reasons), and what was done (the payment recorded for
-- it, by the automatic run or by a person). `version` moves with every change, so two people
-- approving the same credit at once cannot both record a payment.
CREATE TABLE bank_transactions (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    booked_on  date NOT NULL,
    amount     bigint NOT NULL,
    currency   text NOT NULL,
    state      text NOT NULL CHECK (state IN ('open', 'matched', 'ignored')),
    version    bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    deleted_at timestamptz,
    api_json   text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX bank_transactions_booked ON bank_transactions (tenant_id, booked_on, id);
CREATE INDEX bank_transactions_state ON bank_transactions (tenant_id, state, booked_on);

ALTER TABLE bank_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE bank_transactions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bank_transactions
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON bank_transactions TO remit_app;
