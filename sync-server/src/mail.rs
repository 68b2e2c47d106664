//! Outgoing email. With `REMIT_SMTP_URL` (`smtp://user:pass@host:587` uses STARTTLS when the
//! server offers it, `smtps://host:465` implicit TLS; `?tls=required` insists) messages go to
//! that relay; without one they are written as `.eml` files into the outbox folder (under the
//! data directory by default), so a machine with no mail set up loses nothing and a person can
//! open what would have been sent.

use std::path::{Path, PathBuf};

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub enum Mailer {
    /// Each message becomes `<folder>/<time>-<id>.eml`.
    Folder(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// The default outbox: beside the embedded database.
pub const DEFAULT_OUTBOX: &str = "./remit-data/outbox";

impl Mailer {
    pub fn from_config(smtp_url: Option<&str>, outbox: &Path) -> Result<Self> {
        match smtp_url {
            None => Ok(Mailer::Folder(outbox.to_path_buf())),
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| Error::Config(format!("REMIT_SMTP_URL: {e}"))),
        }
    }

    /// Sends (or files) one message; returns where it went, for the audit log.
    pub async fn send(&self, message: Message) -> Result<String> {
        match self {
            Mailer::Folder(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(Error::Io)?;
                let name = format!("{}-{}.eml", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"), uuid::Uuid::now_v7());
                let path = dir.join(&name);
                // Written whole, then renamed: a reader never sees half a message.
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, message.formatted()).await.map_err(Error::Io)?;
                tokio::fs::rename(&tmp, &path).await.map_err(Error::Io)?;
                Ok(path.display().to_string())
            }
            Mailer::Smtp(transport) => {
                transport.send(message).await.map_err(|e| Error::Mail(e.to_string()))?;
                Ok("smtp".into())
            }
        }
    }
}

/// A plain-text email.
pub fn plain(from: &str, to: &str, subject: &str, body: String) -> Result<Message> {
    let from: Mailbox = from.parse().map_err(|e| Error::Config(format!("mail sender {from:?}: {e}")))?;
    let to: Mailbox = to.parse().map_err(|e| Error::BadRequest(format!("recipient {to:?}: {e}")))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .singlepart(SinglePart::plain(body))
        .map_err(|e| Error::Internal(format!("building the email: {e}")))
}

/// An email with a text body and one PDF attached.
pub fn with_pdf(from: &str, to: &str, subject: &str, body: String, pdf: Vec<u8>, filename: &str) -> Result<Message> {
    let from: Mailbox = from.parse().map_err(|e| Error::Config(format!("mail sender {from:?}: {e}")))?;
    let to: Mailbox = to.parse().map_err(|e| Error::BadRequest(format!("recipient {to:?}: {e}")))?;
    let pdf_type = ContentType::parse("application/pdf").map_err(|e| Error::Internal(e.to_string()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body))
                .singlepart(Attachment::new(filename.to_owned()).body(pdf, pdf_type)),
        )
        .map_err(|e| Error::Internal(format!("building the email: {e}")))
}
