-- Customers, products and invoices. Each is an Automerge document (`documents`, the source of
-- truth that sync merges); the tables after it are their relational projections, written in the
-- same transaction as the document, and what REST reads and lists come from. Money is integer
-- minor units beside its currency. What happened to an invoice is in `invoice_facts`.

CREATE TABLE documents (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('customer', 'product', 'invoice')),
    bytes      BLOB NOT NULL,
    -- Bumped by every write: a writer that read version N commits only if it is still N.
    version    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

CREATE TABLE customers (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    email      TEXT,
    search     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    api_json TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX customers_name ON customers (tenant_id, name, id);

CREATE TABLE products (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    sku        TEXT,
    currency   TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    search     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    api_json TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX products_name ON products (tenant_id, name, id);

CREATE TABLE invoices (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,
    number        TEXT,
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    -- The status without the date: "overdue" is applied when read, from due_date and amount_due.
    status        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    issue_date    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    subtotal      INTEGER NOT NULL,
    tax           INTEGER NOT NULL,
    total         INTEGER NOT NULL,
    -- The total in ten-thousandths of its currency's unit, so amount filters compare across
    -- currencies with different exponents (JPY 0, USD 2, BHD 3).
    total_e4      INTEGER NOT NULL,
    amount_paid   INTEGER NOT NULL,
    amount_due    INTEGER NOT NULL,
    search        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT,
    api_json TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, id) REFERENCES documents (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
-- The default list order, carrying the columns lists filter on, so rows that do not match are
-- passed over in the index without reading their (large) row.
CREATE INDEX invoices_created ON invoices (tenant_id, created_at, id, status, issue_date, due_date, amount_due, deleted_at);
CREATE INDEX invoices_status ON invoices (tenant_id, status, due_date);
CREATE INDEX invoices_customer ON invoices (tenant_id, customer_id, created_at);
CREATE INDEX invoices_issue_date ON invoices (tenant_id, issue_date, id);
CREATE INDEX invoices_due_date ON invoices (tenant_id, due_date, id);
CREATE INDEX invoices_total ON invoices (tenant_id, total_e4, id);

-- Append-only, idempotent by id (a device may send the same fact twice).
CREATE TABLE invoice_facts (
    tenant_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX invoice_facts_invoice ON invoice_facts (tenant_id, invoice_id, at);

-- Invoice numbers: one counter per series and period (`INV-{YYYY}-{SEQ:4}` counts from 1 each
-- year). The counter moves in the issuing transaction, so a number is never used twice and a
-- failed issue uses none.
CREATE TABLE number_counters (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    series     TEXT NOT NULL,
    period     TEXT NOT NULL,
    next_value INTEGER NOT NULL CHECK (next_value >= 1),
    PRIMARY KEY (tenant_id, series, period)
);

CREATE TABLE payments (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    -- Received beyond what the invoices owed: the customer's credit.
    unapplied   INTEGER NOT NULL CHECK (unapplied >= 0),
    refunded    INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    -- Bumped by every change, so two refunds computed from one balance cannot both commit.
    version     INTEGER NOT NULL DEFAULT 1,
    method      TEXT NOT NULL,
    paid_at     TEXT NOT NULL,
    reference   TEXT,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT,
    api_json TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX payments_paid_at ON payments (tenant_id, paid_at, id);

CREATE TABLE payment_allocations (
    tenant_id  TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    invoice_id TEXT NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount > 0),
    PRIMARY KEY (tenant_id, payment_id, invoice_id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX payment_allocations_invoice ON payment_allocations (tenant_id, invoice_id);
