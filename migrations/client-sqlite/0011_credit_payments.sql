-- Payments received on this device that pay no invoice (issue 7): all of the amount is the
-- customer's credit, such as a bank credit recorded as an overpayment from the review queue, or
-- the part of a matched bank credit beyond what its invoices owed. Queued for the server like
-- facts; taking one back the server has queues its void.
CREATE TABLE credit_payments (
    id           TEXT PRIMARY KEY,            -- the payment's id, kept by the server
    customer_id  TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL,
    paid_at      TEXT NOT NULL,
    reference    TEXT,
    -- queued, accepted, rejected (reason says why), void_queued, voided.
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'accepted', 'rejected', 'void_queued', 'voided')),
    reason       TEXT,
    -- The bank transaction this payment is for: the server sends its receipt.
    receipt      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX credit_payments_state ON credit_payments (state, created_at);

-- A queued payment fact of a matched bank transaction names it: the server thanks the customer
-- once that payment is recorded.
ALTER TABLE facts ADD COLUMN receipt TEXT;
