//! The write path and projection reads on SQLite: ids and times are text (times in the fixed
//! micro-second RFC 3339 form, so their text order is their time order), dates `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, Utc};
use remit_core::{InvoiceNumber, TenantId, UserId};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::records::{self, Binder, Kind, NumberRequest, Sql, StoredDoc, Table, ViewQuery, ViewRow, Write};
use crate::error::{Error, Result, db_error};

impl Binder for Sqlite {
    const ILIKE: &'static str = " LIKE ";

    fn bind(qb: &mut QueryBuilder<Self>, value: Sql) {
        match value {
            Sql::Text(s) => qb.push_bind(s),
            Sql::OptText(s) => qb.push_bind(s),
            Sql::Int(i) => qb.push_bind(i),
            Sql::Uuid(u) => qb.push_bind(u.to_string()),
            Sql::Date(d) => qb.push_bind(d.format("%Y-%m-%d").to_string()),
            Sql::Time(t) => qb.push_bind(super::audit_time(t)),
            Sql::OptTime(t) => qb.push_bind(t.map(super::audit_time)),
        };
    }
}

fn tenant_sql(tenant: TenantId) -> Sql {
    Sql::Uuid(*tenant.as_uuid())
}

fn conflict() -> Error {
    Error::Stale
}

pub(super) async fn next_number(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    req: &NumberRequest,
) -> Result<InvoiceNumber> {
    let period = req.pattern.period(req.date);
    let count = i64::try_from(req.count)
        .ok()
        .filter(|c| (1..=i64::try_from(remit_core::numbering::MAX_BLOCK).unwrap_or(1)).contains(c))
        .ok_or_else(|| Error::Internal(format!("cannot take {} numbers at once", req.count)))?;
    sqlx::query(
        "INSERT INTO number_counters (tenant_id, series, period, next_value) VALUES (?, ?, ?, 1) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(&req.series)
    .bind(&period)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE number_counters SET next_value = next_value + ? WHERE tenant_id = ? AND series = ? AND period = ?
         RETURNING next_value - ?",
    )
    .bind(count)
    .bind(tenant.to_string())
    .bind(&req.series)
    .bind(&period)
    .bind(count)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let seq = u64::try_from(seq).map_err(|_| Error::Internal("negative invoice counter".into()))?;
    Ok(req.pattern.format(req.date, seq)?)
}

pub(super) async fn apply(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    write: Write,
    now: DateTime<Utc>,
    feed: i64,
) -> Result<()> {
    match write {
        Write::Document { id, kind, bytes, expected: None, created_by } => {
            sqlx::query(
                "INSERT INTO documents (tenant_id, id, kind, bytes, version, created_by, updated_at, feed_seq)
                 VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            )
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(kind)
            .bind(bytes)
            .bind(created_by.to_string())
            .bind(super::audit_time(now))
            .bind(feed)
            .execute(&mut *conn)
            .await
            .map_err(crate::error::stale_if_unique)?;
        }
        Write::Document { id, bytes, expected: Some(version), .. } => {
            let done = sqlx::query(
                "UPDATE documents SET bytes = ?, version = version + 1, updated_at = ?, feed_seq = ?
                 WHERE tenant_id = ? AND id = ? AND version = ?",
            )
            .bind(bytes)
            .bind(super::audit_time(now))
            .bind(feed)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(version)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Touch { id, expected } => {
            let done = sqlx::query(
                "UPDATE documents SET version = version + 1, updated_at = ?, feed_seq = ?
                 WHERE tenant_id = ? AND id = ? AND version = ?",
            )
            .bind(super::audit_time(now))
            .bind(feed)
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Guard { table, id, expected } => {
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ?",
                table.name()
            )))
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(expected)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Upsert { table, id, mut columns } => {
            columns.insert(0, ("id", Sql::Uuid(id)));
            let clause = records::upsert_clause(&columns);
            records::insert::<Sqlite>(tenant_sql(tenant), table, &columns, &clause)
                .build()
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        Write::InsertOnce { table, columns } => {
            records::insert::<Sqlite>(tenant_sql(tenant), table, &columns, "ON CONFLICT DO NOTHING")
                .build()
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        Write::ClaimNumber { series, period, seq, printed } => {
            sqlx::query(
                "INSERT INTO number_counters (tenant_id, series, period, next_value) VALUES (?, ?, ?, 1)
                 ON CONFLICT DO NOTHING",
            )
            .bind(tenant.to_string())
            .bind(&series)
            .bind(&period)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            let done = sqlx::query(
                "UPDATE number_counters SET next_value = ? + 1
                 WHERE tenant_id = ? AND series = ? AND period = ? AND next_value = ?",
            )
            .bind(seq)
            .bind(tenant.to_string())
            .bind(&series)
            .bind(&period)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(records::number_taken(&printed));
            }
        }
    }
    Ok(())
}

fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::try_parse(s).map_err(|e| Error::Internal(format!("bad stored id {s:?}: {e}")))
}

pub(super) async fn document(pool: &SqlitePool, tenant: TenantId, kind: &str, id: Uuid) -> Result<Option<StoredDoc>> {
    let row =
        sqlx::query("SELECT bytes, version, created_by FROM documents WHERE tenant_id = ? AND id = ? AND kind = ?")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(kind)
            .fetch_optional(pool)
            .await
            .map_err(db_error)?;
    row.map(|r| Ok(StoredDoc { bytes: r.get(0), version: r.get(1), created_by: UserId::parse(r.get::<&str, _>(2))? }))
        .transpose()
}

pub(super) async fn facts(pool: &SqlitePool, tenant: TenantId, invoice: Uuid) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT body FROM invoice_facts WHERE tenant_id = ? AND invoice_id = ? ORDER BY at, id")
        .bind(tenant.to_string())
        .bind(invoice.to_string())
        .fetch_all(pool)
        .await
        .map_err(db_error)
}

pub(super) async fn view(pool: &SqlitePool, tenant: TenantId, table: Table, id: Uuid) -> Result<Option<String>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT api_json FROM {} WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL",
        table.name()
    )))
    .bind(tenant.to_string())
    .bind(id.to_string())
    .fetch_optional(pool)
    .await
    .map_err(db_error)
}

pub(super) async fn views(pool: &SqlitePool, tenant: TenantId, q: &ViewQuery) -> Result<Vec<ViewRow>> {
    let rows =
        records::view_query::<Sqlite>(tenant_sql(tenant), q, q.sort).build().fetch_all(pool).await.map_err(db_error)?;
    rows.iter()
        .map(|r| {
            let key = match q.sort_kind {
                Kind::Text => Sql::Text(r.get(2)),
                Kind::Int => Sql::Int(r.get(2)),
                Kind::Date => {
                    let s: &str = r.get(2);
                    Sql::Date(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|e| Error::Internal(format!("bad stored date {s:?}: {e}")))?,
                    )
                }
                Kind::Time => Sql::Time(super::parse_stored_time(r.get(2))?),
            };
            Ok(ViewRow { id: parse_uuid(r.get(0))?, view: r.get(1), key })
        })
        .collect()
}
