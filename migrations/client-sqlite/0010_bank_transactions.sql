-- Bank statements imported on this device for reconciliation (issue 7): one row per booked
-- transaction, keyed by the bank's id (or the statement reader's stable hash), so importing a
-- statement again adds nothing. The matcher's last answer is kept with it, and what a person
-- or the automatic run did: the payments recorded for it (their fact ids), so undo can take
-- exactly those back.
CREATE TABLE bank_transactions (
    id           TEXT PRIMARY KEY,
    booked_on    TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    payer        TEXT,
    reference    TEXT,
    description  TEXT,
    imported_at  TEXT NOT NULL,
    -- open: waiting for a decision; matched: payments recorded; ignored: not a payment.
    state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'matched', 'ignored')),
    -- The matcher's answer (auto, suggest, review), its confidence, allocations and reasons.
    decision     TEXT,
    confidence   INTEGER,
    proposal     TEXT,
    -- Who matched it: 'auto' or 'person'; the facts of the payments recorded (JSON array).
    matched_by   TEXT,
    payments     TEXT,
    -- Automatic decisions taken back: the accuracy report counts them; an undone transaction
    -- is never matched automatically again.
    undone       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bank_transactions_state ON bank_transactions (state, booked_on);
