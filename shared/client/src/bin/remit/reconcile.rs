//! `remit reconcile match`: a bank statement matched to invoices, offline, as JSON a script
//! (or the benchmark) reads. The matcher is remit-core's, the same on the server.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use remit_core::reconcile::{Decision, InvoiceInput, MatchResult, match_all};
use remit_core::statement::{self, Import};

#[derive(Subcommand)]
pub enum ReconcileCommand {
    /// Matches every credit of STATEMENT to the invoices of INVOICES (`{"data": [invoice,
    /// ...]}` in the API's shape) and writes `{"results": [...]}` to OUTPUT.
    Match {
        #[arg(long)]
        invoices: PathBuf,
        #[arg(long)]
        statement: PathBuf,
        /// Default: what the file's content shows (a CAMT.053 document, an OFX header, MT940
        /// fields), else csv.
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[arg(long)]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Camt053,
    Mt940,
    Ofx,
}

#[derive(serde::Deserialize)]
struct Invoices {
    data: Vec<InvoiceInput>,
}

#[derive(serde::Serialize)]
struct Output<'a> {
    results: &'a [MatchResult],
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

fn import(path: &Path, format: Option<Format>) -> anyhow::Result<Import> {
    let data = read(path)?;
    let format = match format {
        Some(Format::Csv) => statement::Format::Csv,
        Some(Format::Camt053) => statement::Format::Camt053,
        Some(Format::Mt940) => statement::Format::Mt940,
        Some(Format::Ofx) => statement::Format::Ofx,
        None => statement::Format::sniff(&data),
    };
    statement::read(&data, format, &statement::csv::Options::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn run(command: ReconcileCommand) -> anyhow::Result<String> {
    let ReconcileCommand::Match { invoices, statement, format, output } = command;
    let book: Invoices = serde_json::from_slice(&read(&invoices)?)
        .map_err(|e| anyhow::anyhow!("{}: not {{\"data\": [invoice, ...]}}: {e}", invoices.display()))?;
    let imported = import(&statement, format)?;
    let results =
        match_all(&book.data, &imported.transactions).map_err(|e| anyhow::anyhow!("{}: {e}", invoices.display()))?;
    let json = serde_json::to_string_pretty(&Output { results: &results })?;
    std::fs::write(&output, json).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", output.display()))?;
    let count = |d: Decision| results.iter().filter(|r| r.decision == d).count();
    let mut report = format!(
        "{} credits matched against {} invoices: {} automatic, {} suggested, {} to review; written to {}",
        results.len(),
        book.data.len(),
        count(Decision::Auto),
        count(Decision::Suggest),
        count(Decision::Review),
        output.display()
    );
    if imported.duplicates > 0 {
        report.push_str(&format!("\n{} duplicate transactions left out", imported.duplicates));
    }
    for e in &imported.errors {
        report.push_str(&format!("\n{}:{}: not read: {}", statement.display(), e.line, e.message));
    }
    Ok(report)
}
