-- The item library on the device: products created and edited offline (by those who manage
-- settings) and pulled from the server, projected for lists and search. Product documents
-- pulled before this table existed are projected when the replica is opened.
CREATE TABLE products (
    id         TEXT PRIMARY KEY REFERENCES documents (id),
    name       TEXT NOT NULL,
    sku        TEXT,
    currency   TEXT NOT NULL,
    search     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    json       TEXT NOT NULL
);
CREATE INDEX products_name ON products (name COLLATE NOCASE);
