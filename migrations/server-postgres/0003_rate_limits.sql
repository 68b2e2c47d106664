-- An operator's override of a tenant's request limit (requests per hour per credential);
-- NULL means the plan's limit.
ALTER TABLE tenants ADD COLUMN rate_limit_per_hour integer CHECK (rate_limit_per_hour IS NULL OR rate_limit_per_hour > 0);
