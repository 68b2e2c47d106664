//! The `remit` CLI killed with SIGKILL at random moments of syncing (and of the edits between),
//! many times: the replica stays sound, and once a sync completes, every edit the CLI
//! acknowledged is on the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use remit_client::credentials::{self, Credential, TokenStore};
use remit_client::replica::NewCustomer;
use remit_tests::{Db, Device, Server};

/// The `remit` binary `cargo test` built beside this test (target/<profile>/remit).
fn remit_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|deps| deps.parent()).unwrap().join("remit");
    assert!(bin.is_file(), "{} is missing: build the workspace (cargo test --workspace builds it)", bin.display());
    bin
}

fn jitter(max_micros: u64) -> Duration {
    let b = uuid::Uuid::now_v7().into_bytes();
    Duration::from_micros(u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]) % max_micros)
}

fn killed_syncs_lose_nothing_acknowledged(db: Db) {
    let server = Server::start(db);
    let mut device = Device::new(&server, &server.owner_key);
    let dir = device.dir().to_owned();
    credentials::save(
        &dir,
        TokenStore::File,
        &Credential { server: server.base.clone(), token: server.owner_key.clone(), refresh_token: None },
    )
    .unwrap();
    let customer = device.replica.create_customer(NewCustomer {
        name: "ACME".into(),
        currency: Some("USD".into()),
        ..Default::default()
    });
    let customer = customer.unwrap()["id"].as_str().unwrap().to_owned();
    let bin = remit_bin();
    let run = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.arg("--data-dir").arg(&dir).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c
    };
    let mut acknowledged = Vec::new();
    let mut killed = 0;
    for round in 0..25 {
        // An edit, acknowledged or not, and then a sync cut short at a random moment.
        let line = format!("Round {round}|1|{round}.25|10");
        let mut create =
            run(&["invoice", "create", "--customer", &customer, "--line", &line, "--json"]).spawn().unwrap();
        std::thread::sleep(jitter(50_000));
        if create.try_wait().unwrap().is_none() {
            create.kill().unwrap();
        }
        let out = create.wait_with_output().unwrap();
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            acknowledged.push(v["id"].as_str().unwrap().to_owned());
        }
        let mut sync = run(&["sync"]).spawn().unwrap();
        std::thread::sleep(jitter(60_000));
        if sync.try_wait().unwrap().is_none() {
            sync.kill().unwrap();
            killed += 1;
        }
        sync.wait().unwrap();
    }
    assert!(killed > 0, "some syncs were cut short");
    assert_eq!(device.replica.integrity_check().unwrap(), "ok");
    // A sync that runs to the end delivers everything acknowledged.
    let (ok, err) = {
        let out = run(&["sync"]).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    assert!(ok, "{err}");
    for id in &acknowledged {
        let view = server.get(&server.owner_key, &format!("/v1/invoices/{id}"));
        assert_eq!(view["id"], id.as_str(), "acknowledged invoice {id} reached the server: {view}");
        assert_eq!(device.replica.invoice(id).unwrap(), view, "device and server agree on {id}");
    }
    eprintln!("{} acknowledged edits, {killed} syncs killed", acknowledged.len());
}

#[test]
fn sqlite_killed_syncs_lose_nothing_acknowledged() {
    killed_syncs_lose_nothing_acknowledged(Db::Sqlite);
}

#[test]
fn postgres_killed_syncs_lose_nothing_acknowledged() {
    killed_syncs_lose_nothing_acknowledged(Db::Postgres);
}
