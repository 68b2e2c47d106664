-- The local replica on a device (remit-client). Applied in order by `Replica::open`, which
-- records the last one applied in `PRAGMA user_version`.

-- Who this device is. Until `remit login` the tenant and user are local placeholders.
CREATE TABLE device (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id  TEXT NOT NULL,
    tenant_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    server_url TEXT,
    created_at TEXT NOT NULL
);

-- One Automerge document per customer, product and invoice: what people edit offline.
-- `dirty` marks local changes the server has not acknowledged yet.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('customer', 'product', 'invoice')),
    bytes      BLOB NOT NULL,
    dirty      INTEGER NOT NULL DEFAULT 1 CHECK (dirty IN (0, 1)),
    updated_at TEXT NOT NULL
);

-- Projections for lists and search, rebuilt from the documents and facts on every change,
-- in the same transaction. `json` is the API's shape of the record.
CREATE TABLE customers (
    id         TEXT PRIMARY KEY REFERENCES documents (id),
    name       TEXT NOT NULL,
    email      TEXT,
    search     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    json       TEXT NOT NULL
);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);

CREATE TABLE invoices (
    id            TEXT PRIMARY KEY REFERENCES documents (id),
    number        TEXT,
    customer_id   TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    status        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    issue_date    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    total_minor   INTEGER NOT NULL,
    due_minor     INTEGER NOT NULL,
    search        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    json          TEXT NOT NULL
);
CREATE INDEX invoices_created ON invoices (created_at DESC, id);
CREATE INDEX invoices_customer ON invoices (customer_id);

-- Facts about invoices: those the server sent (`accepted`), and those made on this device,
-- which wait in the outbox (`queued`) until the server accepts or rejects them with a reason.
CREATE TABLE facts (
    id         TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL,
    body       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('queued', 'accepted', 'rejected')),
    reason     TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX facts_invoice ON facts (invoice_id, created_at);
CREATE INDEX facts_outbox ON facts (state, created_at) WHERE state = 'queued';

-- Where each sync stream stopped (the server's change feed sequence, and so on).
CREATE TABLE sync_cursors (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- What needs a person: edits concurrent with an issue moved to an amendment draft, facts the
-- server rejected. Nothing is dropped silently; it is listed here until resolved.
CREATE TABLE conflicts (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    document_id TEXT,
    detail      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    resolved_at TEXT
);
