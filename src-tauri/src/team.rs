//! Settings that live on the sync server: the tenant's users and roles, and whether devices
//! may number invoices offline. Reached through the REST API with this device's session, so
//! the server's role checks apply (a member without the permission is told so, `forbidden`).

use remit_client::remote::Lease;
use remit_client::session;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::State;
use ts_rs::TS;

use crate::CommandError;
use crate::engine::Engine;

/// How invoices are numbered, as this device knows it.
#[derive(Debug, Serialize, TS)]
pub struct Numbering {
    /// The series' pattern (`INV-{YYYY}-{SEQ:4}`): one series per tenant for now.
    pub pattern: String,
    /// This device's block of numbers for issuing offline, if it holds one.
    pub lease: Option<Lease>,
}

#[tauri::command]
pub fn numbering(engine: State<'_, Engine>) -> Result<Numbering, CommandError> {
    let lease = engine.with(|r| r.lease())?;
    Ok(Numbering { pattern: remit_core::numbering::DEFAULT_PATTERN.to_owned(), lease })
}

/// The tenant's offline-numbering policy (`GET`/`PUT /v1/settings/number-leases`).
#[derive(Debug, Serialize, Deserialize, TS)]
pub struct LeasePolicy {
    pub enabled: bool,
    pub block_size: u64,
    pub lifetime_days: i64,
}

#[tauri::command]
pub async fn lease_policy(engine: State<'_, Engine>) -> Result<Value, CommandError> {
    engine.network(|dir, r| session::remote(dir, r)?.get_json("/v1/settings/number-leases")).await
}

#[tauri::command]
pub async fn set_lease_policy(engine: State<'_, Engine>, policy: LeasePolicy) -> Result<Value, CommandError> {
    let body = serde_json::to_value(&policy)
        .map_err(|e| CommandError { code: "invalid_request".into(), message: e.to_string() })?;
    engine.network(move |dir, r| session::remote(dir, r)?.put_json("/v1/settings/number-leases", &body)).await
}

/// The tenant's members and their roles (the API's page: `{data: [...]}`).
#[tauri::command]
pub async fn users(engine: State<'_, Engine>) -> Result<Value, CommandError> {
    engine.network(|dir, r| session::remote(dir, r)?.get_json("/v1/users?limit=100")).await
}

/// Adds a member with a role; the answer holds their first API key, shown once.
#[derive(Debug, Deserialize, TS)]
pub struct NewMember {
    pub email: String,
    pub role: String,
}

#[tauri::command]
pub async fn add_user(engine: State<'_, Engine>, member: NewMember) -> Result<Value, CommandError> {
    let body = serde_json::json!({ "email": member.email.trim(), "role": member.role });
    engine.network(move |dir, r| session::remote(dir, r)?.post_json("/v1/users", &body)).await
}
