//! The server as a device sees it: the sync endpoints of docs/sync-protocol.md over HTTP.
//! Blocking on purpose: the replica is a SQLite file used from one thread at a time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

pub const PROTOCOL_VERSION: &str = "1";

/// One changed document from the feed (`GET /v1/sync/changes`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Change {
    pub kind: String,
    pub id: String,
    /// The whole Automerge document, base64; empty when `changes` carries the version.
    #[serde(default)]
    pub document: String,
    /// Live channel: only the Automerge changes from the version this socket sent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    #[serde(default)]
    pub facts: Vec<Value>,
    /// Deleted on the server: the device removes it.
    #[serde(default)]
    pub deleted: bool,
    /// An invoice's view as the server built it (API shape, before `overdue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    pub next_cursor: String,
    pub more: bool,
    /// Bytes of the message as received (not part of the message).
    #[serde(skip)]
    pub received_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushDocument {
    pub kind: String,
    pub id: String,
    /// The whole document, or only `changes` the server lacks (one of the two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PushRequest {
    pub documents: Vec<PushDocument>,
    pub deletes: Vec<PushDelete>,
    pub issues: Vec<PushIssue>,
    pub facts: Vec<Value>,
    /// Payments of no invoice (all of it the customer's credit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<PushPayment>,
    /// Ids of such payments taken back.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub voids: Vec<String>,
    /// Receipts of bank credits matched here, for the server to send.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<PushReceipt>,
}

/// A payment received on the device that pays no invoice.
#[derive(Debug, Clone, Serialize)]
pub struct PushPayment {
    pub id: String,
    pub customer_id: String,
    pub amount: String,
    pub currency: String,
    pub method: String,
    pub paid_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A bank credit matched on the device: the customer is thanked once its payments (facts and
/// payments of the same push) are recorded; the server tells what arrived from those.
#[derive(Debug, Clone, Serialize)]
pub struct PushReceipt {
    pub id: String,
    pub facts: Vec<String>,
    pub payments: Vec<String>,
}

/// A document deleted on the device.
#[derive(Debug, Clone, Serialize)]
pub struct PushDelete {
    pub kind: String,
    pub id: String,
}

/// An invoice issued offline with a number of the device's lease.
#[derive(Debug, Clone, Serialize)]
pub struct PushIssue {
    /// None for a number of the device's standalone series (it had never connected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_id: Option<String>,
    pub fact: Value,
    pub heads: Vec<String>,
}

/// A block of invoice numbers leased to this device (`POST /v1/sync/leases`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Lease {
    pub id: String,
    pub series: String,
    pub pattern: String,
    pub period: String,
    pub first: u64,
    pub last: u64,
    pub next: u64,
    pub expires_at: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PushResult {
    pub documents: Vec<Outcome>,
    #[serde(default)]
    pub deletes: Vec<Outcome>,
    #[serde(default)]
    pub issues: Vec<Outcome>,
    pub facts: Vec<Outcome>,
    #[serde(default)]
    pub payments: Vec<Outcome>,
    #[serde(default)]
    pub voids: Vec<Outcome>,
    #[serde(default)]
    pub receipts: Vec<Outcome>,
}

/// Who a credential belongs to (`GET /v1/me`, the parts a device needs).
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub user: IdOnly,
    pub tenant: IdOnly,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IdOnly {
    pub id: String,
}

/// A session from `POST /v1/auth/login` (email and password) or `/v1/auth/refresh`.
#[derive(Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

/// Called with the new tokens after a refresh, to keep them (the old refresh token is spent).
pub type KeepTokens = Arc<dyn Fn(&Tokens) -> Result<()> + Send + Sync>;

/// The bearer token, and for a session what renews it.
#[derive(Clone)]
struct Auth {
    token: String,
    refresh: Option<(String, KeepTokens)>,
}

/// A connection to one server, as one device of one user.
#[derive(Clone)]
pub struct Remote {
    base: String,
    auth: Arc<Mutex<Auth>>,
    device: String,
    http: reqwest::blocking::Client,
}

// The token is a secret: never in a log.
impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("base", &self.base).field("device", &self.device).finish_non_exhaustive()
    }
}

fn problem(res: reqwest::blocking::Response) -> Error {
    let status = res.status().as_u16();
    let problem: Value = res.json().unwrap_or(Value::Null);
    Error::Server {
        status,
        code: problem["code"].as_str().unwrap_or("http_error").to_owned(),
        detail: problem["detail"].as_str().unwrap_or("the server refused the request").to_owned(),
    }
}

fn client() -> Result<reqwest::blocking::Client> {
    // Longer than the longest server-side wait of a pull, so a live pull is never cut short.
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(90))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(network)
}

/// The server URL without its trailing slash; refused unless `http://` or `https://`.
pub fn base_url(base: &str) -> Result<String> {
    let base = base.trim_end_matches('/').to_owned();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::BadArgument(format!("--server {base:?}: give a URL such as https://remit.example.com")));
    }
    Ok(base)
}

/// Signs in with email and password (`POST /v1/auth/login`); the password is sent once and
/// never kept.
pub fn sign_in(base: &str, tenant: &str, email: &str, password: &str) -> Result<Tokens> {
    let base = base_url(base)?;
    let body = serde_json::json!({ "tenant_id": tenant, "email": email, "password": password });
    let res = client()?.post(format!("{base}/v1/auth/login")).json(&body).send().map_err(network)?;
    if !res.status().is_success() {
        return Err(problem(res));
    }
    res.json().map_err(network)
}

fn network(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}

impl Remote {
    /// With a bearer token that does not expire on its own (an API key).
    pub fn new(base: &str, token: &str, device: &str) -> Result<Self> {
        let auth = Auth { token: token.to_owned(), refresh: None };
        Ok(Remote {
            base: base_url(base)?,
            auth: Arc::new(Mutex::new(auth)),
            device: device.to_owned(),
            http: client()?,
        })
    }

    /// With a session: when the access token has expired, the refresh token renews it once and
    /// the request is sent again; `keep` stores the new pair.
    pub fn with_session(base: &str, tokens: &Tokens, device: &str, keep: KeepTokens) -> Result<Self> {
        let remote = Remote::new(base, &tokens.access_token, device)?;
        remote.lock().refresh = Some((tokens.refresh_token.clone(), keep));
        Ok(remote)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Auth> {
        self.auth.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn token(&self) -> String {
        self.lock().token.clone()
    }

    fn send_once(&self, req: reqwest::blocking::RequestBuilder) -> Result<reqwest::blocking::Response> {
        req.bearer_auth(self.token())
            .header("Remit-Device", &self.device)
            .header("Remit-Sync-Version", PROTOCOL_VERSION)
            .send()
            .map_err(network)
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<reqwest::blocking::Response> {
        let again = req.try_clone();
        let mut res = self.send_once(req)?;
        if res.status() == reqwest::StatusCode::UNAUTHORIZED
            && let Some(again) = again
            && self.renew()?
        {
            res = self.send_once(again)?;
        }
        if res.status().is_success() { Ok(res) } else { Err(problem(res)) }
    }

    /// Renews an expired session; false when this is not a session.
    fn renew(&self) -> Result<bool> {
        let Some((refresh, keep)) = self.lock().refresh.clone() else { return Ok(false) };
        let url = format!("{}/v1/auth/refresh", self.base);
        let res = self.http.post(url).json(&serde_json::json!({ "refresh_token": refresh })).send().map_err(network)?;
        if !res.status().is_success() {
            return Err(match problem(res) {
                Error::Server { status: 401, .. } => Error::Credentials(
                    "the session ended (signed out, or unused for too long): run `remit login` again".into(),
                ),
                other => other,
            });
        }
        let tokens: Tokens = res.json().map_err(network)?;
        // Kept before use: the old refresh token is spent, so losing these would sign us out.
        keep(&tokens)?;
        let mut auth = self.lock();
        auth.token = tokens.access_token;
        auth.refresh = Some((tokens.refresh_token, keep));
        Ok(true)
    }

    pub fn me(&self) -> Result<Me> {
        self.send(self.http.get(format!("{}/v1/me", self.base)))?.json().map_err(network)
    }

    pub fn register_device(&self, name: &str) -> Result<()> {
        let url = format!("{}/v1/sync/devices/{}", self.base, self.device);
        self.send(self.http.put(url).json(&serde_json::json!({ "name": name })))?;
        Ok(())
    }

    /// Changes after `cursor`; `wait` holds the request up to that many seconds for one.
    pub fn changes(&self, cursor: &str, limit: u32, wait: u64) -> Result<ChangesPage> {
        let url = format!("{}/v1/sync/changes", self.base);
        let query = [("cursor", cursor.to_owned()), ("limit", limit.to_string()), ("wait", wait.to_string())];
        let body = self.send(self.http.get(url).query(&query))?.bytes().map_err(network)?;
        let mut page: ChangesPage = serde_json::from_slice(&body).map_err(|e| Error::Network(e.to_string()))?;
        page.received_bytes = body.len();
        Ok(page)
    }

    pub fn push(&self, request: &PushRequest) -> Result<PushResult> {
        let url = format!("{}/v1/sync/push", self.base);
        self.send(self.http.post(url).json(request))?.json().map_err(network)
    }

    /// `PUT` of a JSON body to an API resource, answered with JSON (`path` starts with `/v1/`).
    pub fn put_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))?.json().map_err(network)
    }

    /// `POST` of a JSON body to an API resource, answered with JSON (`path` starts with `/v1/`).
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))?.json().map_err(network)
    }

    /// Any API resource, as JSON (`path` starts with `/v1/`).
    pub fn get_json(&self, path: &str) -> Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)))?.json().map_err(network)
    }

    /// The live channel (`GET /v1/sync/live`, a WebSocket) from `cursor`. Plain `http://`
    /// servers only for now: over HTTPS the caller keeps using `changes` with `wait`.
    pub fn live(&self, cursor: &str) -> Result<Option<Live>> {
        use tungstenite::client::IntoClientRequest;
        let Some(rest) = self.base.strip_prefix("http://") else { return Ok(None) };
        // `changes=true`: later versions of a document come as only their changes, which
        // `Replica::apply_live` adds (or answers with a pull).
        let url = format!("ws://{rest}/v1/sync/live?cursor={cursor}&changes=true");
        let mut request = url.into_client_request().map_err(|e| Error::Network(e.to_string()))?;
        let headers = request.headers_mut();
        for (name, value) in [
            ("authorization", format!("Bearer {}", self.token())),
            ("remit-device", self.device.clone()),
            ("remit-sync-version", PROTOCOL_VERSION.to_owned()),
        ] {
            let value = value.parse().map_err(|_| Error::BadArgument(format!("{name}: not a valid header value")))?;
            headers.insert(name, value);
        }
        // tungstenite zeroes its read buffer before every read: its default of 128 KiB cost
        // more than reading a live edit's message (~2 KB). A bigger page takes more reads.
        let config = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(LIVE_READ_BUFFER);
        let (socket, _) = tungstenite::client::connect_with_config(request, Some(config), 3)
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(Some(Live { socket }))
    }

    /// Renews the lease this device holds (`held`: its id and next number) or takes a new
    /// one; `None` when the tenant does not let devices issue offline.
    pub fn lease(&self, date: &str, held: Option<(&str, u64)>) -> Result<Option<Lease>> {
        let url = format!("{}/v1/sync/leases", self.base);
        let body = serde_json::json!({
            "date": date,
            "held": held.map(|(id, next)| serde_json::json!({ "lease_id": id, "next": next })),
        });
        match self.send(self.http.post(url).json(&body)) {
            Ok(res) => res.json().map(Some).map_err(network),
            Err(Error::Server { code, .. }) if code == "number_leases_disabled" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST /v1/invoices/{id}/issue`: the server numbers the invoice in its own transaction.
    pub fn issue(&self, invoice: &str) -> Result<Value> {
        let url = format!("{}/v1/invoices/{invoice}/issue", self.base);
        self.send(self.http.post(url))?.json().map_err(network)
    }
}

/// The live socket's read size (see `Remote::live`).
const LIVE_READ_BUFFER: usize = 8 * 1024;

/// An open live channel: pages of changes as the server sends them.
#[derive(Debug)]
pub struct Live {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
}

impl Live {
    /// The next page, or `None` when nothing came within `timeout` (the socket stays usable).
    pub fn next(&mut self, timeout: Duration) -> Result<Option<ChangesPage>> {
        let Some(text) = self.next_text(timeout)? else { return Ok(None) };
        let mut page: ChangesPage = serde_json::from_str(&text).map_err(|e| Error::Network(e.to_string()))?;
        page.received_bytes = text.len();
        Ok(Some(page))
    }

    /// The next page as the JSON text received, unread (to relay or count it).
    pub fn next_text(&mut self, timeout: Duration) -> Result<Option<String>> {
        if let tungstenite::stream::MaybeTlsStream::Plain(stream) = self.socket.get_mut() {
            stream.set_read_timeout(Some(timeout)).map_err(|e| Error::Network(e.to_string()))?;
        }
        loop {
            match self.socket.read() {
                Ok(tungstenite::Message::Text(text)) => return Ok(Some(text.as_str().to_owned())),
                Ok(tungstenite::Message::Close(_)) => {
                    return Err(Error::Network("the server closed the live channel".into()));
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    return Ok(None);
                }
                Err(e) => return Err(Error::Network(e.to_string())),
            }
        }
    }
}
