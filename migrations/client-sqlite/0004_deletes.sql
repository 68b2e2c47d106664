-- Deletes: a document deleted here waits (`deleted = 1`, `dirty = 1`) until the server accepts
-- the delete; one deleted on the server is kept deleted here (`dirty = 0`). A deleted document
-- has no projection row, so lists, lookups and edits no longer see it.
ALTER TABLE documents ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1));
