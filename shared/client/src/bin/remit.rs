//! `remit`: Remit's engine from a terminal, for scripts and headless machines.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use remit_core::Currency;

#[derive(Parser)]
#[command(name = "remit", version, about = "Remit, offline-first invoicing, from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Totals of invoice lines (subtotal, discount, tax by rate, total) as JSON.
    /// Reads a JSON request from FILE, or from standard input when FILE is `-` or absent.
    Quote { file: Option<String> },
    /// The ISO 4217 currencies Remit accepts, with their decimals.
    Currencies,
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
    match run(cli.command) {
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

fn run(command: Command) -> anyhow::Result<String> {
    match command {
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
