//! The commands over the device's replica: human output by default, `--json` for the API's
//! shapes. Scripts depend on these names and flags; keep them stable.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use remit_client::credentials::TokenStore;
use remit_client::remote::Remote;
use remit_client::replica::{InvoiceEdit, InvoiceFilter, LineArg, NewCustomer, NewInvoice, Replica, SyncReport};
use serde_json::Value;

#[derive(Subcommand)]
pub enum CustomerCommand {
    /// Adds a customer.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// ISO 4217 code new invoices for this customer start in.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Deletes a customer (not while they owe money); their invoices keep them as they were.
    Delete { id: String },
    /// Lists customers by name.
    List {
        /// Matches name or email.
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum InvoiceCommand {
    /// Creates a draft.
    Create {
        #[arg(long)]
        customer: String,
        /// Default: the customer's currency.
        #[arg(long)]
        currency: Option<String>,
        /// YYYY-MM-DD; default: today plus the customer's payment terms (30 days).
        #[arg(long)]
        due_date: Option<NaiveDate>,
        /// `DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE`, e.g. "Web Development|40|150.00|10"; repeatable.
        #[arg(long = "line")]
        lines: Vec<LineArg>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Changes a draft: `--line` adds a line, `--remove-line N` removes line N (1 = first).
    Edit {
        id: String,
        /// New notes; an empty string clears them.
        #[arg(long)]
        notes: Option<String>,
        #[arg(long = "line")]
        lines: Vec<LineArg>,
        #[arg(long = "remove-line")]
        remove: Vec<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Lists invoices, newest first.
    List {
        /// As shown: draft, sent, partially_paid, overdue, ...
        #[arg(long)]
        status: Option<String>,
        /// Matches number, customer name or notes.
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Shows one invoice with its lines, totals and payments.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Issues a draft: assigns the next number and freezes it.
    Issue { id: String },
    /// Deletes a draft (issued invoices are voided, never deleted); the server follows at the
    /// next sync.
    Delete { id: String },
    /// Renders the invoice as a PDF, offline, as the server would (file named by its number).
    Pdf {
        id: String,
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        /// The seller block as JSON (name, address lines, email, tax_id, ...); default: the
        /// company profile kept by the last `remit sync`.
        #[arg(long)]
        seller: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum PaymentCommand {
    /// Records money received for an issued invoice; queued until the server accepts it.
    Record {
        #[arg(long)]
        invoice: String,
        /// In the invoice's currency, e.g. 100.00.
        #[arg(long)]
        amount: String,
        /// cash, check or bank_transfer.
        #[arg(long)]
        method: String,
        #[arg(long)]
        json: bool,
    },
}

/// The data directory: the flag, `REMIT_DATA_DIR`, or the platform's data folder.
pub fn data_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Ok(PathBuf::from(x).join("remit"));
    }
    let home = std::env::var_os("HOME").context("no --data-dir given and HOME is not set")?;
    Ok(PathBuf::from(home).join(".local/share/remit"))
}

fn pretty(v: &impl serde::Serialize) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(v)?)
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

pub fn init(dir: &Path, json: bool) -> anyhow::Result<String> {
    let (replica, created) = Replica::init(dir)?;
    let device = replica.device();
    if json {
        return pretty(&serde_json::json!({ "data_dir": dir, "created": created, "device": device }));
    }
    Ok(if created {
        format!("Initialized a Remit replica in {} (device {})", dir.display(), device.device_id)
    } else {
        format!("{} already holds a Remit replica (device {})", dir.display(), device.device_id)
    })
}

pub fn customer(dir: &Path, command: CustomerCommand) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    match command {
        CustomerCommand::Create { name, email, currency, json } => {
            let c = replica.create_customer(NewCustomer { name, email, currency, payment_terms_days: None })?;
            if json { pretty(&c) } else { Ok(format!("Created customer {} ({})", s(&c, "name"), s(&c, "id"))) }
        }
        CustomerCommand::Delete { id } => {
            replica.delete_customer(&id)?;
            Ok(format!("Deleted customer {id}"))
        }
        CustomerCommand::List { search, json } => {
            let list = replica.customers(search.as_deref())?;
            if json {
                return pretty(&serde_json::json!({ "data": list, "next_cursor": null }));
            }
            if list.is_empty() {
                return Ok("No customers.".into());
            }
            Ok(list
                .iter()
                .map(|c| format!("{}  {}  {}", s(c, "id"), s(c, "name"), s(c, "email")))
                .collect::<Vec<_>>()
                .join("\n"))
        }
    }
}

/// One invoice for a person: header, lines, totals, payments.
fn describe(v: &Value) -> String {
    let cur = s(v, "currency");
    let mut out = vec![
        format!("{}  {}  [{}]", v["number"].as_str().unwrap_or("(draft)"), s(v, "id"), s(v, "status")),
        format!("Customer: {}", s(&v["customer"], "name")),
        format!("Date {}  Due {}", s(v, "issue_date"), s(v, "due_date")),
    ];
    for (i, l) in v["line_items"].as_array().into_iter().flatten().enumerate() {
        out.push(format!(
            "  {}. {}  {} x {}  tax {}%  = {} {cur}",
            i + 1,
            s(l, "description"),
            s(l, "quantity"),
            s(l, "unit_price"),
            s(l, "tax_rate"),
            s(l, "amount")
        ));
    }
    out.push(format!("Subtotal {} {cur}  Tax {} {cur}  Total {} {cur}", s(v, "subtotal"), s(v, "tax"), s(v, "total")));
    out.push(format!("Paid {} {cur}  Due {} {cur}", s(v, "amount_paid"), s(v, "amount_due")));
    if let Some(notes) = v["notes"].as_str() {
        out.push(format!("Notes: {notes}"));
    }
    out.join("\n")
}

fn one_line(v: &Value) -> String {
    format!(
        "{:<16} {}  {:<24} {:>12} {}  due {}  {}",
        v["number"].as_str().unwrap_or("(draft)"),
        s(v, "id"),
        s(&v["customer"], "name"),
        s(v, "total"),
        s(v, "currency"),
        s(v, "due_date"),
        s(v, "status")
    )
}

pub fn invoice(dir: &Path, command: InvoiceCommand) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    let (v, json) = match command {
        InvoiceCommand::Create { customer, currency, due_date, lines, notes, json } => {
            let input = NewInvoice { customer_id: customer, currency, issue_date: None, due_date, lines, notes };
            (replica.create_invoice(input)?, json)
        }
        InvoiceCommand::Edit { id, notes, lines, remove, json } => {
            (replica.edit_invoice(&id, InvoiceEdit { notes, add: lines, remove })?, json)
        }
        InvoiceCommand::Show { id, json } => (replica.invoice(&id)?, json),
        InvoiceCommand::Issue { id } => (issue(dir, &mut replica, &id)?, false),
        InvoiceCommand::Delete { id } => {
            replica.delete_invoice(&id)?;
            return Ok(format!("Deleted draft {id}"));
        }
        InvoiceCommand::Pdf { id, out_dir, seller } => return pdf(&replica, &id, &out_dir, seller.as_deref()),
        InvoiceCommand::List { status, search, json } => {
            let list = replica.invoices(&InvoiceFilter { status, search })?;
            if json {
                return pretty(&serde_json::json!({ "data": list, "next_cursor": null }));
            }
            if list.is_empty() {
                return Ok("No invoices.".into());
            }
            return Ok(list.iter().map(one_line).collect::<Vec<_>>().join("\n"));
        }
    };
    if json { pretty(&v) } else { Ok(describe(&v)) }
}

pub fn payment(dir: &Path, command: PaymentCommand) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    let PaymentCommand::Record { invoice, amount, method, json } = command;
    let v = replica.record_payment(&invoice, &amount, &method)?;
    if json {
        return pretty(&v);
    }
    Ok(format!(
        "Recorded {amount} {} by {method} on {}; queued for the server.\nAmount due now {} {} [{}]",
        s(&v, "currency"),
        v["number"].as_str().unwrap_or(s(&v, "id")),
        s(&v, "amount_due"),
        s(&v, "currency"),
        s(&v, "status")
    ))
}

pub fn conflicts(dir: &Path, json: bool) -> anyhow::Result<String> {
    let replica = Replica::open(dir)?;
    let list = replica.conflicts()?;
    if json {
        return pretty(&serde_json::json!({ "data": list }));
    }
    if list.is_empty() {
        return Ok("No conflicts.".into());
    }
    Ok(list
        .iter()
        .map(|c| format!("{}  {}  {}", s(c, "created_at"), s(c, "kind"), s(c, "detail")))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The server connection of a logged-in replica. A session renews itself when it expires,
/// and the renewed tokens are kept where the old ones were.
fn remote(dir: &Path, replica: &Replica) -> anyhow::Result<Remote> {
    Ok(remit_client::session::remote(dir, replica)?)
}

/// Issuing takes the next number of the series: from this device's leased block when it holds
/// one (offline too; pushed at once when the server is reachable), else from the server (the
/// draft is pushed, issued there, and pulled back).
fn issue(dir: &Path, replica: &mut Replica, id: &str) -> anyhow::Result<Value> {
    Ok(remit_client::session::issue(dir, replica, id)?)
}

/// How `remit login` proves who it is.
pub use remit_client::session::Secret;

fn pdf(replica: &Replica, id: &str, out_dir: &Path, seller: Option<&Path>) -> anyhow::Result<String> {
    let view = replica.invoice(id)?;
    let seller: Value = match seller {
        Some(path) => serde_json::from_str(
            &std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
        )
        .with_context(|| format!("{}: not JSON", path.display()))?,
        None => replica.seller()?.context(
            "this device has no company profile yet: run `remit sync` once online, or give --seller FILE \
             (JSON: name, address lines, email, tax_id, payment_instructions)",
        )?,
    };
    let input = serde_json::json!({ "data": [view], "seller": seller }).to_string();
    let outcome = remit_client::pdf::render_batch(&input, out_dir)?;
    if let Some((_, why)) = outcome.failed.first() {
        anyhow::bail!("invoice {id} was not rendered: {why}");
    }
    Ok(outcome.written.iter().map(|p| format!("wrote {}", p.display())).collect::<Vec<_>>().join("\n"))
}

pub struct Login {
    pub server: String,
    pub secret: Secret,
    pub token_store: TokenStore,
    pub device_name: Option<String>,
    pub json: bool,
}

pub fn login(dir: &Path, l: Login) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    let device_name = l.device_name.unwrap_or_else(|| {
        std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "remit CLI".into())
    });
    let server = l.server.clone();
    let login =
        remit_client::session::Login { server: l.server, secret: l.secret, token_store: l.token_store, device_name };
    let device = remit_client::session::login(dir, &mut replica, login)?;
    if l.json {
        return pretty(&serde_json::json!({ "server": server, "device": device }));
    }
    Ok(format!(
        "Logged in to {} as user {} of tenant {}; this device ({}) is registered. Run `remit sync`.",
        server, device.user_id, device.tenant_id, device.device_id
    ))
}

fn report_line(r: &SyncReport) -> String {
    format!(
        "pulled {} changes ({} bytes), pushed {} documents, {} offline issues and {} payments, {} rejected, {} amendment drafts",
        r.pulled, r.pulled_bytes, r.pushed_documents, r.pushed_issues, r.pushed_facts, r.rejected, r.amendments
    )
}

/// One sync, or with `watch` a live loop: local changes are pushed within a second, and the
/// server's arrive over the live channel (a WebSocket; a held pull where there is none).
pub fn sync(dir: &Path, watch: bool, json: bool) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    let remote = remote(dir, &replica)?;
    if !watch {
        let r = replica.sync_once(&remote, 0)?;
        if json {
            return pretty(&r);
        }
        let block = match replica.lease()? {
            Some(l) => format!(
                "Offline issuing: numbers {} to {} of {} leased to this device (next {}, expires {}).",
                l.first, l.last, l.period, l.next, l.expires_at
            ),
            None => {
                "Offline issuing: off (no number block leased to this device); issuing waits for the server.".into()
            }
        };
        return Ok(format!("Synced: {}\n{block}", report_line(&r)));
    }
    let say = |r: &SyncReport| -> anyhow::Result<()> {
        if *r == SyncReport::default() {
        } else if json {
            println!("{}", serde_json::to_string(r)?);
        } else {
            println!("{} synced: {}", chrono::Utc::now().format("%H:%M:%S"), report_line(r));
        }
        Ok(())
    };
    loop {
        // Offline or refused: say so, and try again shortly.
        if let Err(e) = watch_once(&mut replica, &remote, &say) {
            eprintln!("remit: sync failed, retrying in 5 s: {e}");
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
    }
}

/// Syncs, then follows the live channel until it closes (the server closes it every few
/// minutes so the credential is checked again) or fails.
fn watch_once(
    replica: &mut Replica,
    remote: &Remote,
    say: &dyn Fn(&SyncReport) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    say(&replica.sync_once(remote, 0)?)?;
    let Some(mut live) = remote.live(&replica.cursor()?)? else {
        loop {
            say(&replica.sync_once(remote, 25)?)?;
        }
    };
    loop {
        say(&replica.push_pending(remote)?)?;
        if let Some(page) = live.next(std::time::Duration::from_secs(1))? {
            let mut report = SyncReport::default();
            replica.apply_live(&page, remote, &mut report)?;
            if report.amendments > 0 {
                // Edits concurrent with an issue became drafts: send them now.
                let pushed = replica.push_pending(remote)?;
                report.pushed_documents += pushed.pushed_documents;
            }
            say(&report)?;
        }
    }
}
