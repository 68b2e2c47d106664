//! `/v1/sync/*` (docs/sync-protocol.md): handlers over `crate::sync`.

use axum::Json;
use axum::extract::ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::audit::RequestContext;
use crate::extract::{ApiJson, ApiQuery};
use crate::problem::Problem;
use crate::store::Principal;
use crate::sync::push::{PushRequest, PushResult};
use crate::sync::{self, ChangesPage, DeviceInput, DeviceView};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the last pull whose changes the device saved; empty: from the start.
    #[param(max_length = 100, pattern = "^([0-9]+:[0-9a-fA-F-]{36}(:[01]{3})?)?$")]
    cursor: Option<String>,
    /// Most changes in this page (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// Seconds to hold the request when nothing has changed yet (0–60, default 0).
    #[param(minimum = 0, maximum = 60)]
    wait: Option<u64>,
}

#[utoipa::path(put, path = "/v1/sync/devices/{id}", tag = "sync", security(("api_key" = [])), request_body = DeviceInput,
    params(("id" = String, Path, description = "the device's own id (a UUID it made once)")),
    responses(
        (status = 200, body = DeviceView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the id belongs to another user's device"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeviceInput>,
) -> Result<Json<DeviceView>, Problem> {
    let id = crate::invoicing::parse_id(&id, "device")?;
    Ok(Json(sync::register(&state, &principal, id, body).await?))
}

#[utoipa::path(get, path = "/v1/sync/changes", tag = "sync", security(("api_key" = [])), params(ChangesQuery,
        ("Remit-Device" = String, Header, description = "the registered device's id")),
    responses(
        (status = 200, body = ChangesPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "a malformed query"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn changes(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, Problem> {
    sync::device(&state, &principal, &headers).await?;
    let page = sync::pull(&state, &principal, q.cursor.as_deref(), q.limit.unwrap_or(200), q.wait.unwrap_or(0)).await?;
    Ok(Json(page))
}

#[utoipa::path(post, path = "/v1/sync/push", tag = "sync", security(("api_key" = [])), request_body = PushRequest,
    params(("Remit-Device" = String, Header, description = "the registered device's id")),
    responses(
        (status = 200, body = PushResult, description = "each item accepted or rejected with a reason"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn push(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PushRequest>,
) -> Result<Json<PushResult>, Problem> {
    let device = sync::device(&state, &principal, &headers).await?;
    Ok(Json(sync::push::push(&state, &principal, &ctx, device, body).await?))
}

#[derive(Debug, Deserialize)]
pub struct LiveQuery {
    cursor: Option<String>,
    /// `true`: the device takes later versions as changes only (docs/sync-protocol.md).
    #[serde(default)]
    changes: bool,
}

/// The live channel as a WebSocket (docs/sync-protocol.md). Not in the OpenAPI document, which
/// describes request and response, not sockets.
pub async fn live(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LiveQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, Problem> {
    sync::device(&state, &principal, &headers).await?;
    let after = sync::resume(&principal, q.cursor.as_deref())?;
    let upgrade = upgrade.map_err(|e| {
        Problem::new(axum::http::StatusCode::BAD_REQUEST, "websocket_required", format!("open a WebSocket here: {e}"))
    })?;
    // Small buffers: a connected device mostly waits, and a thousand of them should cost
    // little memory; a large page is written through regardless of the buffer.
    // The device sends nothing but control frames: a message over 4 KB ends the socket.
    let upgrade =
        upgrade.read_buffer_size(4096).write_buffer_size(16 * 1024).max_message_size(4096).max_frame_size(4096);
    Ok(upgrade.on_upgrade(move |socket| sync::live::serve(socket, state, principal, after, q.changes)))
}
