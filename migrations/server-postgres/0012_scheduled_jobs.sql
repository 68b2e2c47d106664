-- Work the server does on a schedule (issue 7: each tenant's daily reconciliation run), due at
-- `due_at`. A node takes a due job by moving `claimed_until` forward in one UPDATE, so with many
-- nodes one runs it; a node that dies while running lets the claim lapse and another takes it.
-- Not under row-level security: the runner reads across tenants, and the table holds nothing
-- of a tenant's but when its jobs are due and how the last run went.
CREATE TABLE scheduled_jobs (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    kind          text NOT NULL,
    due_at        timestamptz NOT NULL,
    claimed_until timestamptz,
    last_run_at   timestamptz,
    last_result   text,
    PRIMARY KEY (tenant_id, kind)
);
CREATE INDEX scheduled_jobs_due ON scheduled_jobs (due_at);
-- DELETE: turning the schedule off removes the job (it is no record of anything).
GRANT SELECT, INSERT, UPDATE, DELETE ON scheduled_jobs TO remit_app;
