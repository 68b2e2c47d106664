-- Work the server does on a schedule (issue 7: each tenant's daily reconciliation run), due at
-- `due_at`. A node takes a due job by moving `claimed_until` forward in one UPDATE, so with many
-- nodes one runs it; a node that dies while running lets the claim lapse and another takes it.
-- The runner reads across tenants, and the table holds nothing of a tenant's but when its jobs
-- are due and how the last run went.
CREATE TABLE scheduled_jobs (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    kind          TEXT NOT NULL,
    -- RFC 3339 UTC with microseconds: compared as text, in time order.
    due_at        TEXT NOT NULL,
    claimed_until TEXT,
    last_run_at   TEXT,
    last_result   TEXT,
    PRIMARY KEY (tenant_id, kind)
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (due_at);
