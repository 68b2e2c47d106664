-- Bank transactions imported for reconciliation (issue 7): one row per booked transaction of
-- the tenant's statements, its id derived from the bank's (so importing a statement again adds
-- nothing). `api_json` is the view the API shows: the transaction, the matcher's answer (the
-- decision, confidence, allocations and reasons), and what was done (the payment recorded for
-- it, by the automatic run or by a person). `version` moves with every change, so two people
-- approving the same credit at once cannot both record a payment.
CREATE TABLE bank_transactions (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    booked_on  TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('open', 'matched', 'ignored')),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    api_json   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX bank_transactions_booked ON bank_transactions (tenant_id, booked_on, id);
CREATE INDEX bank_transactions_state ON bank_transactions (tenant_id, state, booked_on);
