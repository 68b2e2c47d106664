//! `remit pdf`: one PDF per invoice of an API-shaped export (`{"data": [invoice, ...],
//! "seller": {...}}`), named by invoice number, rendered with remit-core exactly as the server
//! renders them. Each file is written whole and then renamed, so a failed run leaves no
//! half-written PDF; invoices that cannot be rendered are reported with their position and the
//! others are still written.

use std::path::{Path, PathBuf};

use remit_core::pdf::{self, PdfInvoice, Seller};
use serde::Deserialize;

use crate::error::{Error, Result};

#[derive(Debug, Deserialize)]
pub struct Batch {
    pub data: Vec<serde_json::Value>,
    pub seller: Seller,
}

/// What a run produced.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcome {
    pub written: Vec<PathBuf>,
    /// `(index in data, reason)` for each invoice that was not rendered.
    pub failed: Vec<(usize, String)>,
}

pub fn render_batch(input: &str, out_dir: &Path) -> Result<Outcome> {
    let batch: Batch = serde_json::from_str(input).map_err(|source| Error::Request { what: "PDF input", source })?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::Io { path: out_dir.to_path_buf(), source: e })?;
    let mut outcome = Outcome::default();
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, value) in batch.data.into_iter().enumerate() {
        let rendered = serde_json::from_value::<PdfInvoice>(value).map_err(|e| e.to_string()).and_then(|inv| {
            pdf::render(&inv, &batch.seller).map(|bytes| (inv.file_name(), bytes)).map_err(|e| e.to_string())
        });
        match rendered {
            Ok((mut name, bytes)) => {
                // Two invoices with one number (two drafts) must not overwrite each other.
                if !used.insert(name.clone()) {
                    name = format!("{}-{i}.pdf", name.trim_end_matches(".pdf"));
                    used.insert(name.clone());
                }
                let path = out_dir.join(&name);
                let tmp = out_dir.join(format!(".{name}.tmp"));
                std::fs::write(&tmp, &bytes)
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| Error::Io { path: path.clone(), source: e })?;
                outcome.written.push(path);
            }
            Err(reason) => outcome.failed.push((i, reason)),
        }
    }
    Ok(outcome)
}

/// One invoice of the replica as a PDF in `out_dir`, with the company profile as its seller
/// (the desktop's "Download PDF"). Returns the file written.
pub fn render_one(replica: &crate::replica::Replica, id: &str, out_dir: &Path) -> Result<PathBuf> {
    let view = replica.invoice(id)?;
    let seller = replica.seller()?.ok_or_else(|| {
        Error::BadArgument("there is no company profile yet: enter it in Settings (it is the seller on the PDF)".into())
    })?;
    let input = serde_json::json!({ "data": [view], "seller": seller }).to_string();
    let outcome = render_batch(&input, out_dir)?;
    if let Some((_, why)) = outcome.failed.first() {
        return Err(Error::BadArgument(format!("invoice {id} was not rendered: {why}")));
    }
    outcome.written.into_iter().next().ok_or_else(|| Error::Store(format!("invoice {id}: no PDF was written")))
}
