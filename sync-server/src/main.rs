//! `remit-server`: parses the command line and runs the server library.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};
use remit_server::config::{Config, DEFAULT_LISTEN};

#[derive(Parser)]
#[command(name = "remit-server", version, about = "Remit's multi-tenant sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "REMIT_LISTEN", default_value = DEFAULT_LISTEN)]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("REMIT_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    match Cli::parse().command {
        Command::Serve { listen } => remit_server::run(Config { listen }).await?,
    }
    Ok(())
}
