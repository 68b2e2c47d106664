//! `remit`: Remit's engine from a terminal, for scripts and headless machines.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use remit_core::Currency;

mod local;
mod products;
mod reconcile;

#[derive(Parser)]
#[command(name = "remit", version, about = "Remit, offline-first invoicing, from the command line")]
struct Cli {
    /// Where this device's replica lives (default: $XDG_DATA_HOME/remit or ~/.local/share/remit).
    #[arg(long, global = true, env = "REMIT_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates this device's replica in the data directory (or reports the one already there).
    Init {
        #[arg(long)]
        json: bool,
    },
    /// Customers on this device.
    #[command(subcommand)]
    Customer(local::CustomerCommand),
    /// The item library on this device (pushed by those who manage settings).
    #[command(subcommand)]
    Product(products::ProductCommand),
    /// Invoices on this device: drafts are created and edited offline.
    #[command(subcommand)]
    Invoice(local::InvoiceCommand),
    /// Payments received outside a gateway, queued for the server.
    #[command(subcommand)]
    Payment(local::PaymentCommand),
    /// Connects this replica to a server account and registers the device: with an API key,
    /// or with email and password (the password read from standard input, never an argument).
    Login {
        #[arg(long)]
        server: String,
        #[arg(long, conflicts_with_all = ["email", "password_stdin"])]
        api_key: Option<String>,
        #[arg(long, requires = "password_stdin")]
        email: Option<String>,
        /// Reads the password from the first line of standard input.
        #[arg(long, requires = "email")]
        password_stdin: bool,
        /// The tenant (organisation) id to sign in to with --email; also `REMIT_TENANT`.
        #[arg(long, env = "REMIT_TENANT")]
        tenant: Option<String>,
        /// keyring (the default) or file (for headless machines: a file readable by you only).
        #[arg(long, default_value = "keyring", env = "REMIT_TOKEN_STORE")]
        token_store: remit_client::credentials::TokenStore,
        /// How the device is listed on the server (default: the host name).
        #[arg(long)]
        device_name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Exchanges changes with the server: push, then pull. `--watch` keeps syncing live.
    Sync {
        #[arg(long)]
        watch: bool,
        #[arg(long)]
        json: bool,
    },
    /// What needs a person: edits moved to amendment drafts, facts the server rejected.
    Conflicts {
        #[arg(long)]
        json: bool,
    },
    /// Totals of invoice lines (subtotal, discount, tax by rate, total) as JSON.
    /// Reads a JSON request from FILE, or from standard input when FILE is `-` or absent.
    Quote { file: Option<String> },
    /// The ISO 4217 currencies Remit accepts, with their decimals.
    Currencies,
    /// Bank statements matched to invoices (offline; the matcher the server runs too).
    #[command(subcommand)]
    Reconcile(reconcile::ReconcileCommand),
    /// One PDF per invoice of INPUT (`{"data": [invoice, ...], "seller": {...}}`, invoices in
    /// the API's shape), named by invoice number, into DIR.
    Pdf {
        #[arg(long)]
        input: String,
        #[arg(long)]
        out_dir: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.data_dir, cli.command) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            let code = err.downcast_ref::<remit_client::Error>().map_or("error", |e| e.code());
            eprintln!("remit: {err:#} [{code}]");
            ExitCode::FAILURE
        }
    }
}

fn run(data_dir: Option<std::path::PathBuf>, command: Command) -> anyhow::Result<String> {
    let dir = || local::data_dir(data_dir.clone());
    match command {
        Command::Init { json } => local::init(&dir()?, json),
        Command::Customer(c) => local::customer(&dir()?, c),
        Command::Product(c) => products::product(&dir()?, c),
        Command::Invoice(c) => local::invoice(&dir()?, c),
        Command::Payment(c) => local::payment(&dir()?, c),
        Command::Conflicts { json } => local::conflicts(&dir()?, json),
        Command::Login { server, api_key, email, password_stdin, tenant, token_store, device_name, json } => {
            let secret = match (api_key, email) {
                (Some(key), _) => local::Secret::ApiKey(key),
                (None, Some(email)) if password_stdin => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    let password = line.trim_end_matches(['\r', '\n']).to_owned();
                    let tenant = tenant.ok_or_else(|| {
                        anyhow::anyhow!(
                            "--email needs --tenant TENANT_ID (or REMIT_TENANT): the organisation to sign in to"
                        )
                    })?;
                    local::Secret::Password { tenant, email, password }
                }
                _ => anyhow::bail!("give --api-key KEY, or --email E --password-stdin (with --tenant)"),
            };
            local::login(&dir()?, local::Login { server, secret, token_store, device_name, json })
        }
        Command::Sync { watch, json } => local::sync(&dir()?, watch, json),
        Command::Reconcile(c) => reconcile::run(c, dir),
        Command::Quote { file } => {
            let input = match file.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s)?;
                    s
                }
                Some(path) => std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?,
            };
            let totals = remit_client::quote::quote_json(&input)?;
            Ok(serde_json::to_string_pretty(&totals)?)
        }
        Command::Pdf { input, out_dir } => {
            let text = std::fs::read_to_string(&input).map_err(|e| anyhow::anyhow!("cannot read {input}: {e}"))?;
            let outcome = remit_client::pdf::render_batch(&text, &out_dir)?;
            let mut report: Vec<String> = outcome.written.iter().map(|p| format!("wrote {}", p.display())).collect();
            for (i, why) in &outcome.failed {
                report.push(format!("data[{i}]: not rendered: {why}"));
            }
            if !outcome.failed.is_empty() {
                anyhow::bail!(
                    "{}\n{} of {} invoices not rendered",
                    report.join("\n"),
                    outcome.failed.len(),
                    outcome.failed.len() + outcome.written.len()
                );
            }
            Ok(report.join("\n"))
        }
        Command::Currencies => {
            let rows: Vec<String> =
                Currency::all().map(|c| format!("{}\t{}\t{}", c.code(), c.exponent(), c.name())).collect();
            Ok(rows.join("\n"))
        }
    }
}
