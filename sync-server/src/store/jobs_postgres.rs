//! Scheduled jobs on PostgreSQL (a table without row-level security: the runner reads across
//! tenants; see migration 0012).

use chrono::{DateTime, Duration, Utc};
use remit_core::TenantId;
use sqlx::{PgPool, Row};

use super::jobs::{CLAIM_SECONDS, Claimed, JobRecord};
use crate::error::{Result, db_error};

pub async fn schedule(pool: &PgPool, tenant: TenantId, kind: &str, due_at: Option<DateTime<Utc>>) -> Result<()> {
    match due_at {
        Some(due) => sqlx::query(
            "INSERT INTO scheduled_jobs (tenant_id, kind, due_at) VALUES ($1, $2, $3)
             ON CONFLICT (tenant_id, kind) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(tenant.as_uuid())
        .bind(kind)
        .bind(due)
        .execute(pool)
        .await
        .map_err(db_error)?,
        None => sqlx::query("DELETE FROM scheduled_jobs WHERE tenant_id = $1 AND kind = $2")
            .bind(tenant.as_uuid())
            .bind(kind)
            .execute(pool)
            .await
            .map_err(db_error)?,
    };
    Ok(())
}

pub async fn claim(pool: &PgPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<Claimed>> {
    // SKIP LOCKED: two nodes claiming at once take different jobs rather than waiting.
    let rows = sqlx::query(
        "UPDATE scheduled_jobs SET claimed_until = $1
         WHERE (tenant_id, kind) IN (SELECT tenant_id, kind FROM scheduled_jobs
                                    WHERE due_at <= $2 AND (claimed_until IS NULL OR claimed_until < $2)
                                    ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING tenant_id, kind",
    )
    .bind(now + Duration::seconds(CLAIM_SECONDS))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|r| Claimed { tenant: TenantId::from_uuid(r.get::<uuid::Uuid, _>(0)), kind: r.get::<String, _>(1) })
        .collect())
}

pub async fn finish(
    pool: &PgPool,
    tenant: TenantId,
    kind: &str,
    ran_at: DateTime<Utc>,
    next_due: DateTime<Utc>,
    result: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_jobs SET due_at = $1, claimed_until = NULL, last_run_at = $2, last_result = $3
         WHERE tenant_id = $4 AND kind = $5",
    )
    .bind(next_due)
    .bind(ran_at)
    .bind(result)
    .bind(tenant.as_uuid())
    .bind(kind)
    .execute(pool)
    .await
    .map_err(db_error)?;
    Ok(())
}

pub async fn job(pool: &PgPool, tenant: TenantId, kind: &str) -> Result<Option<JobRecord>> {
    let row =
        sqlx::query("SELECT due_at, last_run_at, last_result FROM scheduled_jobs WHERE tenant_id = $1 AND kind = $2")
            .bind(tenant.as_uuid())
            .bind(kind)
            .fetch_optional(pool)
            .await
            .map_err(db_error)?;
    Ok(row.map(|r| JobRecord { due_at: r.get(0), last_run_at: r.get(1), last_result: r.get(2) }))
}
