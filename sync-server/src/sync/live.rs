//! `GET /v1/sync/live`: the live channel as a WebSocket. After the upgrade the server sends a
//! text message with a `ChangesPage` whenever the tenant's feed moves past the device's
//! cursor (and at once for what it missed), advancing the cursor as it sends. The device only
//! reads; it pushes over `POST /v1/sync/push`. The socket is closed after `LIFETIME` so that a
//! long-lived connection re-authenticates (a revoked key stops receiving within that time).

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use uuid::Uuid;

use super::{committed_page_text, read_page_text};
use crate::AppState;
use crate::store::Principal;
use crate::store::feed::{CommittedPage, LIVE_PAGE};

pub const LIFETIME: Duration = Duration::from_secs(300);
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// `deltas`: the device asked for later versions as changes only (`?changes=true`).
pub async fn serve(mut socket: WebSocket, state: AppState, principal: Principal, mut after: (i64, Uuid), deltas: bool) {
    let mut events = state.store.feed_signal().subscribe();
    let deadline = tokio::time::Instant::now() + LIFETIME;
    // What this socket delivered of each document (a fingerprint of its bytes): the next
    // version of one goes as only its changes from that (`read_page_text`).
    let mut sent = std::collections::HashMap::new();
    // What the commit that woke this socket added, read once for every socket that had the
    // feed up to where it ended before (`store::feed::announce`); others read for themselves.
    let mut handed: Option<std::sync::Arc<CommittedPage>> = None;
    loop {
        let read = match handed.take().filter(|p| p.after == after) {
            Some(page) => committed_page_text(&state, &principal, &page, &mut sent, deltas).await,
            None => read_page_text(&state, &principal, after, LIVE_PAGE, &mut sent, deltas).await,
        };
        let (text, next_cursor, more) = match read {
            Ok(page) => page,
            Err(problem) => {
                tracing::warn!(code = problem.code, "sync live: reading the feed failed; closing");
                return;
            }
        };
        if let Ok((next, _)) = super::parse_cursor(Some(&next_cursor))
            && next != after
        {
            after = next;
            // A device that stops reading is let go rather than holding its page forever.
            let sent = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text))).await;
            if !matches!(sent, Ok(Ok(()))) {
                return;
            }
        }
        if more {
            continue;
        }
        // Until this tenant's feed moves, the device goes, or the lifetime ends.
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(Some(moved)) if moved.tenant == principal.tenant_id => {
                        handed = moved.page;
                        break;
                    }
                    Ok(None) => break,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                message = socket.recv() => match message {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                },
                () = tokio::time::sleep_until(deadline) => {
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
            }
        }
    }
}
