//! `remit reconcile match`: a bank statement matched to invoices, offline, as JSON a script
//! (or the benchmark) reads. The matcher is remit-core's, the same on the server.

use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use remit_client::replica::{BankCredit, CreditAllocation, Replica};
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
    /// Imports a bank statement into this device's replica (a transaction imported before is
    /// left as it is).
    Import {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<Format>,
        #[arg(long)]
        json: bool,
    },
    /// Matches the open credits to the open invoices; automatic matches record their payments.
    Run {
        #[arg(long)]
        json: bool,
    },
    /// The imported credits with the matcher's answers; `--state open|matched|ignored`.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Approves the match proposed for a credit, or with `--all` every suggestion.
    Approve {
        #[arg(required_unless_present = "all")]
        id: Option<String>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Matches a credit to invoices you pick: `--invoice INVOICE_ID=AMOUNT`, repeated.
    Assign {
        id: String,
        #[arg(long = "invoice", required = true)]
        invoices: Vec<String>,
    },
    /// Records a credit that pays no invoice as the customer's credit (an overpayment).
    Credit {
        id: String,
        #[arg(long)]
        customer: String,
    },
    /// Makes an invoice for a credit that pays none (one line of its amount, no tax), issues
    /// it (this device's number block) and pays it with the credit.
    Invoice {
        id: String,
        #[arg(long)]
        customer: String,
        /// The invoice line; default "Payment received DATE".
        #[arg(long)]
        description: Option<String>,
    },
    /// Marks a credit as not a customer's payment.
    Ignore { id: String },
    /// Takes back a match (its payments) or an ignore.
    Undo { id: String },
    /// Unmatched credits, duplicates, over- and short payments, automatic matches undone.
    Report {
        #[arg(long)]
        json: bool,
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

fn core_format(format: Format) -> statement::Format {
    match format {
        Format::Csv => statement::Format::Csv,
        Format::Camt053 => statement::Format::Camt053,
        Format::Mt940 => statement::Format::Mt940,
        Format::Ofx => statement::Format::Ofx,
    }
}

fn import(path: &Path, format: Option<Format>) -> anyhow::Result<Import> {
    let data = read(path)?;
    let format = format.map_or_else(|| statement::Format::sniff(&data), core_format);
    statement::read(&data, format, &statement::csv::Options::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub fn run(command: ReconcileCommand, dir: impl Fn() -> anyhow::Result<PathBuf>) -> anyhow::Result<String> {
    let (invoices, statement, format, output) = match command {
        ReconcileCommand::Match { invoices, statement, format, output } => (invoices, statement, format, output),
        other => return on_replica(&dir()?, other),
    };
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

fn pretty(v: &impl serde::Serialize) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)?)
}

fn line(c: &BankCredit) -> String {
    let what = match (c.state.as_str(), c.decision.as_deref()) {
        ("matched", _) => format!("matched ({})", c.matched_by.as_deref().unwrap_or("")),
        ("ignored", _) => "ignored".into(),
        (_, Some(d)) => format!("{d} {}", c.confidence.unwrap_or(0)),
        _ => "not run".into(),
    };
    let mut paid: Vec<String> = c.allocations.iter().map(|a| format!("{} {}", a.invoice_id, a.amount)).collect();
    if let Some(credit) = &c.credited {
        paid.push(format!("{} {} as {}'s credit", credit.amount, c.currency, credit.customer_name));
    }
    format!(
        "{}  {}  {:>12} {}  {:<24}  {:<18}  {}",
        c.id,
        c.booked_on,
        c.amount,
        c.currency,
        c.payer.as_deref().unwrap_or("-"),
        what,
        paid.join(", ")
    )
}

/// The commands on this device's imported statements.
fn on_replica(dir: &Path, command: ReconcileCommand) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    match command {
        ReconcileCommand::Match { .. } => anyhow::bail!("reconcile match reads no replica"),
        ReconcileCommand::Import { file, format, json } => {
            let data = read(&file)?;
            let done = replica.import_statement(&data, format.map(core_format))?;
            if json {
                return pretty(&done);
            }
            let mut out = format!(
                "{}: {} transactions read ({}), {} new, {} imported before",
                file.display(),
                done.read,
                done.format,
                done.new,
                done.read - done.new
            );
            if done.duplicates > 0 {
                out.push_str(&format!(", {} repeated in the file", done.duplicates));
            }
            for e in &done.errors {
                out.push_str(&format!("\n{}:{}: not read: {}", file.display(), e.line, e.message));
            }
            Ok(out)
        }
        ReconcileCommand::Run { json } => {
            let r = replica.reconcile()?;
            if json {
                return pretty(&r);
            }
            let mut out = format!(
                "{} matched and paid automatically, {} suggested, {} to review",
                r.matched, r.suggested, r.review
            );
            if r.failed > 0 {
                out.push_str(&format!("; {} automatic matches could not be recorded (left for review)", r.failed));
            }
            Ok(out)
        }
        ReconcileCommand::List { state, json } => {
            if let Some(s) = state.as_deref().filter(|s| !["open", "matched", "ignored"].contains(s)) {
                anyhow::bail!("--state {s:?}: open, matched or ignored");
            }
            let credits = replica.bank_credits(state.as_deref())?;
            if json {
                return pretty(&serde_json::json!({ "data": credits }));
            }
            if credits.is_empty() {
                return Ok("No credits.".into());
            }
            Ok(credits.iter().map(line).collect::<Vec<_>>().join("\n"))
        }
        ReconcileCommand::Approve { id: Some(id), .. } => Ok(line(&replica.approve_credit(&id)?)),
        ReconcileCommand::Approve { id: None, .. } => {
            Ok(format!("{} suggestions approved", replica.approve_suggestions()?))
        }
        ReconcileCommand::Assign { id, invoices } => {
            let allocations = invoices
                .iter()
                .map(|a| {
                    let (invoice_id, amount) = a
                        .split_once('=')
                        .ok_or_else(|| anyhow::anyhow!("--invoice {a:?}: INVOICE_ID=AMOUNT, e.g. 0191…=480.00"))?;
                    Ok(CreditAllocation {
                        invoice_id: invoice_id.trim().to_owned(),
                        amount: amount.trim().to_owned(),
                        number: None,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(line(&replica.assign_credit(&id, allocations)?))
        }
        ReconcileCommand::Credit { id, customer } => Ok(line(&replica.credit_customer(&id, &customer)?)),
        ReconcileCommand::Invoice { id, customer, description } => {
            Ok(line(&replica.invoice_for_credit(&id, &customer, description.as_deref())?))
        }
        ReconcileCommand::Ignore { id } => Ok(line(&replica.ignore_credit(&id)?)),
        ReconcileCommand::Undo { id } => Ok(line(&replica.undo_credit(&id)?)),
        ReconcileCommand::Report { json } => {
            let r = replica.reconcile_report()?;
            if json {
                return pretty(&r);
            }
            Ok(format!(
                "unmatched: {}\nduplicates: {}\noverpayments: {}\nshort payments: {}\nautomatic matches: {}, undone: {}, accuracy: {}",
                r.unmatched.len(),
                r.duplicates.join(", "),
                r.overpayments.join(", "),
                r.short_payments.join(", "),
                r.automatic,
                r.automatic_undone,
                r.accuracy.map_or("-".into(), |a| format!("{a} %"))
            ))
        }
    }
}
