//! The server as a device sees it: the sync endpoints of docs/sync-protocol.md over HTTP.
//! Blocking on purpose: the replica is a SQLite file used from one thread at a time.

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
    /// The whole Automerge document, base64.
    pub document: String,
    #[serde(default)]
    pub facts: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    pub next_cursor: String,
    pub more: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushDocument {
    pub kind: String,
    pub id: String,
    pub document: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PushRequest {
    pub documents: Vec<PushDocument>,
    pub facts: Vec<Value>,
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
    pub facts: Vec<Outcome>,
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

/// A connection to one server, as one device of one user.
#[derive(Debug, Clone)]
pub struct Remote {
    base: String,
    token: String,
    device: String,
    http: reqwest::blocking::Client,
}

fn network(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}

impl Remote {
    pub fn new(base: &str, token: &str, device: &str) -> Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::BadArgument(format!("--server {base:?}: give a URL such as https://remit.example.com")));
        }
        // Longer than the longest server-side wait of a pull, so a live pull is never cut short.
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(90))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(network)?;
        Ok(Remote { base, token: token.to_owned(), device: device.to_owned(), http })
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<reqwest::blocking::Response> {
        let res = req
            .bearer_auth(&self.token)
            .header("Remit-Device", &self.device)
            .header("Remit-Sync-Version", PROTOCOL_VERSION)
            .send()
            .map_err(network)?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status().as_u16();
        let problem: Value = res.json().unwrap_or(Value::Null);
        Err(Error::Server {
            status,
            code: problem["code"].as_str().unwrap_or("http_error").to_owned(),
            detail: problem["detail"].as_str().unwrap_or("the server refused the request").to_owned(),
        })
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
        self.send(self.http.get(url).query(&query))?.json().map_err(network)
    }

    pub fn push(&self, request: &PushRequest) -> Result<PushResult> {
        let url = format!("{}/v1/sync/push", self.base);
        self.send(self.http.post(url).json(request))?.json().map_err(network)
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
        let url = format!("ws://{rest}/v1/sync/live?cursor={cursor}");
        let mut request = url.into_client_request().map_err(|e| Error::Network(e.to_string()))?;
        let headers = request.headers_mut();
        for (name, value) in [
            ("authorization", format!("Bearer {}", self.token)),
            ("remit-device", self.device.clone()),
            ("remit-sync-version", PROTOCOL_VERSION.to_owned()),
        ] {
            let value = value.parse().map_err(|_| Error::BadArgument(format!("{name}: not a valid header value")))?;
            headers.insert(name, value);
        }
        let (socket, _) = tungstenite::connect(request).map_err(|e| Error::Network(e.to_string()))?;
        Ok(Some(Live { socket }))
    }

    /// `POST /v1/invoices/{id}/issue`: the server numbers the invoice in its own transaction.
    pub fn issue(&self, invoice: &str) -> Result<Value> {
        let url = format!("{}/v1/invoices/{invoice}/issue", self.base);
        self.send(self.http.post(url))?.json().map_err(network)
    }
}

/// An open live channel: pages of changes as the server sends them.
#[derive(Debug)]
pub struct Live {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
}

impl Live {
    /// The next page, or `None` when nothing came within `timeout` (the socket stays usable).
    pub fn next(&mut self, timeout: Duration) -> Result<Option<ChangesPage>> {
        if let tungstenite::stream::MaybeTlsStream::Plain(stream) = self.socket.get_mut() {
            stream.set_read_timeout(Some(timeout)).map_err(|e| Error::Network(e.to_string()))?;
        }
        loop {
            match self.socket.read() {
                Ok(tungstenite::Message::Text(text)) => {
                    return serde_json::from_str(&text).map(Some).map_err(|e| Error::Network(e.to_string()));
                }
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
