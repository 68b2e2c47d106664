//! `remit-server`: parses the command line and runs the server library or an admin task.
//! Scripts depend on the admin commands' exact names and JSON output: keep them stable.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use remit_core::{Email, Role, TenantId};
use remit_server::audit::{AuditActor, RequestContext};
use remit_server::config::{Config, DEFAULT_DATABASE_URL, DEFAULT_LISTEN};
use remit_server::credentials::hash_password;
use remit_server::store::{self, NewTenant, NewUser, Plan};
use serde_json::json;

#[derive(Parser)]
#[command(name = "remit-server", version, about = "Remit's multi-tenant sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (migrating the database first).
    Serve {
        /// `sqlite:PATH` (default: an embedded file under ./remit-data/) or `postgres://...`.
        #[arg(long, env = "REMIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
        database_url: String,
        /// Address to listen on.
        #[arg(long, env = "REMIT_LISTEN", default_value = DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// SHA-256 of the platform operator's token (from `admin operator-token`); enables
        /// `POST /v1/tenants`.
        #[arg(long, env = "REMIT_OPERATOR_TOKEN_SHA256")]
        operator_token_sha256: Option<String>,
        /// SMTP relay for invoice emails: `smtp://user:pass@host:587` or `smtps://host:465`.
        /// Without one, emails are written as .eml files into --outbox.
        #[arg(long, env = "REMIT_SMTP_URL")]
        smtp_url: Option<String>,
        /// Folder for emails when there is no SMTP relay.
        #[arg(long, env = "REMIT_OUTBOX", default_value = remit_server::mail::DEFAULT_OUTBOX)]
        outbox: std::path::PathBuf,
        /// Sender of invoice emails.
        #[arg(long, env = "REMIT_MAIL_FROM", default_value = remit_server::config::DEFAULT_MAIL_FROM)]
        mail_from: String,
    },
    /// Operator tasks on the database.
    Admin {
        #[command(subcommand)]
        task: Admin,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Provision a tenant with its owner; prints {"tenant_id", "owner": {"user_id", "email", "api_key"}}.
    CreateTenant {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["starter", "professional", "enterprise"])]
        plan: String,
        #[arg(long)]
        subdomain: Option<String>,
        /// The owner's e-mail (default: owner@<subdomain or tenant>.invalid, to change later).
        #[arg(long)]
        owner_email: Option<String>,
        #[arg(long, env = "REMIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Add a user to a tenant; prints {"user_id", "api_key"}.
    CreateUser {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["owner", "admin", "accountant", "manager", "team_member", "viewer"])]
        role: String,
        /// Read a password from standard input (for `POST /v1/auth/login`).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, env = "REMIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Override a tenant's request limit (per credential per hour), or go back to the plan's.
    SetRateLimit {
        #[arg(long)]
        tenant: String,
        /// Requests per hour; omit with --plan-default.
        #[arg(long, conflicts_with = "plan_default", required_unless_present = "plan_default")]
        requests_per_hour: Option<u32>,
        #[arg(long)]
        plan_default: bool,
        #[arg(long, env = "REMIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
        database_url: String,
    },
    /// Make a platform-operator token; prints {"token", "sha256"}: give the server the sha256.
    OperatorToken,
    /// Check a tenant's audit chain; exits 1 when it is broken.
    VerifyAudit {
        #[arg(long)]
        tenant: String,
        #[arg(long, env = "REMIT_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("REMIT_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    match run(Cli::parse().command).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("remit-server: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { database_url, listen, operator_token_sha256, smtp_url, outbox, mail_from } => {
            if let Some(hash) = &operator_token_sha256
                && !remit_server::config::valid_token_hash(hash)
            {
                anyhow::bail!("--operator-token-sha256 must be 64 lower-case hex digits");
            }
            remit_server::run(Config { listen, database_url, operator_token_sha256, smtp_url, outbox, mail_from })
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { task } => admin(task).await,
    }
}

async fn admin(task: Admin) -> anyhow::Result<ExitCode> {
    let ctx = RequestContext { user_agent: Some("remit-server admin".into()), ..Default::default() };
    match task {
        Admin::CreateTenant { name, plan, subdomain, owner_email, database_url } => {
            let store = store::open(&database_url).await?;
            let label = subdomain.clone().unwrap_or_else(|| "tenant".into());
            let email = Email::parse(&owner_email.unwrap_or_else(|| format!("owner@{label}.invalid")))?;
            let owner = NewUser { email, role: Role::Owner, password_hash: None };
            let (tenant, created) =
                store.create_tenant(NewTenant { name, subdomain, plan: Plan::parse(&plan)? }, owner, &ctx).await?;
            print_json(&json!({
                "tenant_id": tenant.id,
                "owner": { "user_id": created.user_id, "email": created.email, "api_key": created.api_key.expose() },
            }));
            Ok(ExitCode::SUCCESS)
        }
        Admin::CreateUser { tenant, email, role, password_stdin, database_url } => {
            let password_hash = if password_stdin {
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                Some(hash_password(password.trim_end_matches(['\r', '\n']))?)
            } else {
                None
            };
            let store = store::open(&database_url).await?;
            let user = NewUser { email: Email::parse(&email)?, role: role.parse()?, password_hash };
            let created =
                store.create_user(TenantId::parse(&tenant)?, user, &AuditActor::system("admin-cli"), &ctx).await?;
            print_json(&json!({ "user_id": created.user_id, "api_key": created.api_key.expose() }));
            Ok(ExitCode::SUCCESS)
        }
        Admin::SetRateLimit { tenant, requests_per_hour, plan_default: _, database_url } => {
            if requests_per_hour == Some(0) {
                anyhow::bail!("--requests-per-hour must be at least 1");
            }
            let store = store::open(&database_url).await?;
            let limit = requests_per_hour.map(i64::from);
            store.set_rate_limit(TenantId::parse(&tenant)?, limit).await?;
            print_json(&json!({ "tenant_id": tenant, "requests_per_hour": limit }));
            Ok(ExitCode::SUCCESS)
        }
        Admin::OperatorToken => {
            let token = remit_server::credentials::random_secret()?;
            let sha256 = remit_server::credentials::sha256_hex(&token);
            print_json(&json!({ "token": token, "sha256": sha256 }));
            Ok(ExitCode::SUCCESS)
        }
        Admin::VerifyAudit { tenant, database_url } => {
            let store = store::open(&database_url).await?;
            let chain = store.audit_chain(TenantId::parse(&tenant)?).await?;
            let verification = remit_server::audit::verify(&chain.entries, chain.head);
            print_json(&serde_json::to_value(&verification)?);
            Ok(if verification.valid { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

fn print_json(value: &serde_json::Value) {
    println!("{value}");
}
