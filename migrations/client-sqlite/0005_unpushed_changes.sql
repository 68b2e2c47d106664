-- The Automerge changes of a document the server lacks, as `save_after` writes them: what a
-- push sends instead of the whole document (docs/sync-protocol.md, "Push"). Empty: the server
-- has everything. NULL: not known (a new document, a merge, an older replica): the push
-- sends the whole document.
ALTER TABLE documents ADD COLUMN unpushed BLOB;
