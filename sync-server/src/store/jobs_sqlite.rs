//! Scheduled jobs on SQLite.

use chrono::{DateTime, Duration, Utc};
use remit_core::TenantId;
use sqlx::{Row, SqlitePool};

use super::jobs::{CLAIM_SECONDS, Claimed, JobRecord, sqlite_time};
use super::parse_stored_time as time;
use crate::error::{Result, db_error};

pub async fn schedule(pool: &SqlitePool, tenant: TenantId, kind: &str, due_at: Option<DateTime<Utc>>) -> Result<()> {
    match due_at {
        Some(due) => sqlx::query(
            "INSERT INTO scheduled_jobs (tenant_id, kind, due_at) VALUES (?, ?, ?)
             ON CONFLICT (tenant_id, kind) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(tenant.to_string())
        .bind(kind)
        .bind(sqlite_time(due))
        .execute(pool)
        .await
        .map_err(db_error)?,
        None => sqlx::query("DELETE FROM scheduled_jobs WHERE tenant_id = ? AND kind = ?")
            .bind(tenant.to_string())
            .bind(kind)
            .execute(pool)
            .await
            .map_err(db_error)?,
    };
    Ok(())
}

pub async fn claim(pool: &SqlitePool, now: DateTime<Utc>, limit: i64) -> Result<Vec<Claimed>> {
    let rows = sqlx::query(
        "UPDATE scheduled_jobs SET claimed_until = ?1
         WHERE rowid IN (SELECT rowid FROM scheduled_jobs
                         WHERE due_at <= ?2 AND (claimed_until IS NULL OR claimed_until < ?2)
                         ORDER BY due_at LIMIT ?3)
         RETURNING tenant_id, kind",
    )
    .bind(sqlite_time(now + Duration::seconds(CLAIM_SECONDS)))
    .bind(sqlite_time(now))
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|r| Ok(Claimed { tenant: TenantId::parse(r.get::<&str, _>(0))?, kind: r.get::<String, _>(1) }))
        .collect()
}

pub async fn finish(
    pool: &SqlitePool,
    tenant: TenantId,
    kind: &str,
    ran_at: DateTime<Utc>,
    next_due: DateTime<Utc>,
    result: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_jobs SET due_at = ?, claimed_until = NULL, last_run_at = ?, last_result = ?
         WHERE tenant_id = ? AND kind = ?",
    )
    .bind(sqlite_time(next_due))
    .bind(sqlite_time(ran_at))
    .bind(result)
    .bind(tenant.to_string())
    .bind(kind)
    .execute(pool)
    .await
    .map_err(db_error)?;
    Ok(())
}

pub async fn job(pool: &SqlitePool, tenant: TenantId, kind: &str) -> Result<Option<JobRecord>> {
    let row =
        sqlx::query("SELECT due_at, last_run_at, last_result FROM scheduled_jobs WHERE tenant_id = ? AND kind = ?")
            .bind(tenant.to_string())
            .bind(kind)
            .fetch_optional(pool)
            .await
            .map_err(db_error)?;
    row.map(|r| {
        Ok(JobRecord {
            due_at: time(r.get::<&str, _>(0))?,
            last_run_at: r.get::<Option<&str>, _>(1).map(time).transpose()?,
            last_result: r.get(2),
        })
    })
    .transpose()
}
