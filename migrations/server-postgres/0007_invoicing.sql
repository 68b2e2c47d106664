-- Customers, products and invoices. Each is an Automerge document (`documents`, the source of
-- truth that sync merges); the tables after it are their relational projections, written in the
-- same transaction as the document, and what REST reads and lists come from. Money is integer
-- minor units beside its currency. What happened to an invoice is in `invoice_facts`.

CREATE TABLE documents (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('customer', 'product', 'invoice')),
    bytes      bytea NOT NULL,
    -- Bumped by every write: a writer that read version N commits only if it is still N.
    version    bigint NOT NULL,
    created_by uuid NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
);

CREATE TABLE customers (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    name       text NOT NULL,
    email      text,
    search     text NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    api_json text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX customers_name ON customers (tenant_id, name, id);

CREATE TABLE products (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    name       text NOT NULL,
    sku        text,
    currency   text NOT NULL,
    unit_price text NOT NULL,
    search     text NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    api_json text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX products_name ON products (tenant_id, name, id);

CREATE TABLE invoices (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL,
    number        text,
    customer_id   uuid NOT NULL,
    customer_name text NOT NULL,
    -- The status without the date: "overdue" is applied when read, from due_date and amount_due.
    status        text NOT NULL,
    currency      text NOT NULL,
    issue_date    date NOT NULL,
    due_date      date NOT NULL,
    subtotal      bigint NOT NULL,
    tax           bigint NOT NULL,
    total         bigint NOT NULL,
    -- The total in ten-thousandths of its currency's unit, so amount filters compare across
    -- currencies with different exponents (JPY 0, USD 2, BHD 3).
    total_e4      bigint NOT NULL,
    amount_paid   bigint NOT NULL,
    amount_due    bigint NOT NULL,
    search        text NOT NULL,
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz,
    api_json text NOT NULL,
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
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    invoice_id uuid NOT NULL,
    kind       text NOT NULL,
    body       text NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX invoice_facts_invoice ON invoice_facts (tenant_id, invoice_id, at);

-- Invoice numbers: one counter per series and period (`INV-{YYYY}-{SEQ:4}` counts from 1 each
-- year). The counter moves in the issuing transaction, so a number is never used twice and a
-- failed issue uses none.
CREATE TABLE number_counters (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    series     text NOT NULL,
    period     text NOT NULL,
    next_value bigint NOT NULL CHECK (next_value >= 1),
    PRIMARY KEY (tenant_id, series, period)
);

CREATE TABLE payments (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    customer_id uuid NOT NULL,
    currency    text NOT NULL,
    amount      bigint NOT NULL CHECK (amount > 0),
    -- Received beyond what the invoices owed: the customer's credit.
    unapplied   bigint NOT NULL CHECK (unapplied >= 0),
    refunded    bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    -- Bumped by every change, so two refunds computed from one balance cannot both commit.
    version     bigint NOT NULL DEFAULT 1,
    method      text NOT NULL,
    paid_at     timestamptz NOT NULL,
    reference   text,
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL,
    deleted_at  timestamptz,
    api_json text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX payments_paid_at ON payments (tenant_id, paid_at, id);

CREATE TABLE payment_allocations (
    tenant_id  uuid NOT NULL,
    payment_id uuid NOT NULL,
    invoice_id uuid NOT NULL,
    amount     bigint NOT NULL CHECK (amount > 0),
    PRIMARY KEY (tenant_id, payment_id, invoice_id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX payment_allocations_invoice ON payment_allocations (tenant_id, invoice_id);

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customers
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE products ENABLE ROW LEVEL SECURITY;
ALTER TABLE products FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON products
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invoices
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE invoice_facts ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_facts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invoice_facts
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE number_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE number_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON number_counters
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payments
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
ALTER TABLE payment_allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_allocations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payment_allocations
    USING (tenant_id = remit_current_tenant()) WITH CHECK (tenant_id = remit_current_tenant());
GRANT SELECT, INSERT, UPDATE ON documents, customers, products, invoices, number_counters, payments TO remit_app;
-- Facts are append-only; allocations are only added (a deleted payment keeps its history).
GRANT SELECT, INSERT ON invoice_facts, payment_allocations TO remit_app;
