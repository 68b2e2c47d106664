//! The offline replica through the `remit` binary, as a script would use it with no server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use remit_client::replica::Replica;
use serde_json::Value;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("remit-{name}-{}", uuid::Uuid::now_v7().simple()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `remit --data-dir DIR ARGS`: (success, stdout, stderr).
fn remit(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_remit")).arg("--data-dir").arg(dir).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let (ok, out, err) = remit(dir, args);
    assert!(ok, "remit {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("remit {args:?} printed no JSON ({e}): {out}"))
}

fn customer(dir: &Path) -> String {
    let c = json(dir, &["customer", "create", "--name", "ACME Corporation", "--email", "billing@acme.com", "--json"]);
    c["id"].as_str().unwrap().to_owned()
}

#[test]
fn drafts_are_created_edited_listed_and_shown_offline() {
    let dir = fresh_dir("offline");
    let (ok, _, err) = remit(&dir, &["invoice", "list"]);
    assert!(!ok && err.contains("init") && err.contains("[not_initialized]"), "{err}");
    let init = json(&dir, &["init", "--json"]);
    assert_eq!(init["created"], true);
    let again = json(&dir, &["init", "--json"]);
    assert_eq!((again["created"].clone(), again["device"].clone()), (Value::Bool(false), init["device"].clone()));

    let cust = customer(&dir);
    let inv = json(
        &dir,
        &[
            "invoice",
            "create",
            "--customer",
            &cust,
            "--currency",
            "USD",
            "--line",
            "Web Development|40|150.00|10",
            "--json",
        ],
    );
    assert_eq!(
        (&inv["subtotal"], &inv["tax"], &inv["total"], &inv["amount_due"], &inv["status"]),
        (&"6000.00".into(), &"600.00".into(), &"6600.00".into(), &"6600.00".into(), &"draft".into())
    );
    assert_eq!(inv["customer"]["name"], "ACME Corporation");
    assert_eq!(inv["links"]["self"], format!("/v1/invoices/{}", inv["id"].as_str().unwrap()));
    let id = inv["id"].as_str().unwrap();

    let edited = json(&dir, &["invoice", "edit", id, "--line", "Hosting|1|99.99|10", "--notes", "Thank you", "--json"]);
    assert_eq!(edited["line_items"].as_array().unwrap().len(), 2);
    assert_eq!(edited["total"], "6709.99");
    let trimmed = json(&dir, &["invoice", "edit", id, "--remove-line", "1", "--json"]);
    assert_eq!(trimmed["line_items"][0]["description"], "Hosting");
    assert_eq!(trimmed["notes"], "Thank you");
    // The first line kept its id through the edit: edits merge line by line on sync.
    assert_eq!(trimmed["line_items"][0]["id"], edited["line_items"][1]["id"]);

    let shown = json(&dir, &["invoice", "show", id, "--json"]);
    assert_eq!(shown, trimmed);
    let list = json(&dir, &["invoice", "list", "--search", "acme", "--json"]);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(json(&dir, &["invoice", "list", "--status", "paid", "--json"])["data"], Value::Array(vec![]));
    let (ok, human, _) = remit(&dir, &["invoice", "show", id]);
    assert!(ok && human.contains("Total 109.99 USD") && human.contains("1. Hosting"), "{human}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let dir = fresh_dir("refusals");
    json(&dir, &["init", "--json"]);
    let cust = customer(&dir);
    let id = json(
        &dir,
        &["invoice", "create", "--customer", &cust, "--currency", "EUR", "--line", "A|2|10|20", "--json"],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = json(&dir, &["invoice", "show", id.as_str(), "--json"]);
    let refusals: [(&[&str], &str); 7] = [
        (&["invoice", "create", "--customer", &cust, "--currency", "EUR", "--line", "x|1|abc|10"], "not a decimal"),
        (&["invoice", "create", "--customer", &cust, "--currency", "EUR", "--line", "x|1|10"], "DESCRIPTION|QUANTITY"),
        (&["invoice", "create", "--customer", &cust, "--currency", "XXQ", "--line", "x|1|1|0"], "[unknown_currency]"),
        (&["invoice", "create", "--customer", "nope", "--currency", "EUR"], "[not_found]"),
        (&["invoice", "create", "--customer", &cust, "--line", "x|1|1|0"], "currency is required"),
        (&["invoice", "edit", &id, "--remove-line", "2"], "lines 1 to 1"),
        (&["payment", "record", "--invoice", &id, "--amount", "5.00", "--method", "cash"], "[invoice_not_issued]"),
    ];
    for (args, expected) in refusals {
        let (ok, out, err) = remit(&dir, args);
        assert!(!ok && out.is_empty() && err.contains(expected), "remit {args:?}: {err}");
    }
    let (ok, _, err) = remit(&dir, &["payment", "record", "--invoice", &id, "--amount", "5", "--method", "card"]);
    assert!(!ok && err.contains("gateway"), "{err}");
    assert_eq!(json(&dir, &["invoice", "show", id.as_str(), "--json"]), before, "the draft is untouched");
    assert_eq!(json(&dir, &["invoice", "list", "--json"])["data"].as_array().unwrap().len(), 1, "nothing half-made");
    assert_eq!(json(&dir, &["conflicts", "--json"])["data"], Value::Array(vec![]));
    // A replica that has never connected numbers its own invoices (its standalone series).
    let (ok, _, err) = remit(&dir, &["invoice", "issue", id.as_str()]);
    assert!(ok, "{err}");
    let issued = json(&dir, &["invoice", "show", id.as_str(), "--json"]);
    let year = chrono::Utc::now().date_naive().format("%Y");
    assert_eq!(
        (issued["number"].as_str(), issued["status"].as_str()),
        (Some(format!("INV-{year}-0001").as_str()), Some("issued"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Cheap randomness for kill timings: the low bits of a fresh UUIDv7's random part.
fn jitter(max_micros: u64) -> Duration {
    let bytes = uuid::Uuid::now_v7().into_bytes();
    let n = u64::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]]);
    Duration::from_micros(n % max_micros)
}

/// SIGKILL at random moments of many writes: the file stays sound and every write the CLI
/// acknowledged (exit 0) is there.
#[test]
fn killed_writers_never_corrupt_or_lose_acknowledged_edits() {
    let dir = fresh_dir("crash");
    json(&dir, &["init", "--json"]);
    let cust = customer(&dir);
    let create = |round: usize| {
        let line = format!("Round {round}|1|{round}.50|10");
        Command::new(env!("CARGO_BIN_EXE_remit"))
            .arg("--data-dir")
            .arg(&dir)
            .args(["invoice", "create", "--customer", &cust, "--currency", "USD", "--line", &line, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Kills land anywhere in a write's run, however slow this machine is now: the window is
    // twice the slowest of three writes left to finish (a fixed one was all "too early" on a
    // loaded CI machine).
    let mut window = Duration::from_millis(5);
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let t = std::time::Instant::now();
        let out = create(round).wait_with_output().unwrap();
        assert!(out.status.success(), "an unkilled write succeeds");
        window = window.max(t.elapsed() * 2);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        acknowledged.push(v["id"].as_str().unwrap().to_owned());
    }
    let window = u64::try_from(window.as_micros()).unwrap();
    let mut killed = 0;
    for round in 3..63 {
        let mut child = create(round);
        std::thread::sleep(jitter(window));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            acknowledged.push(v["id"].as_str().unwrap().to_owned());
        }
    }
    let replica = Replica::open(&dir).unwrap();
    assert_eq!(replica.integrity_check().unwrap(), "ok");
    for id in &acknowledged {
        let v = replica.invoice(id).unwrap_or_else(|e| panic!("acknowledged invoice {id} lost: {e}"));
        assert_eq!(v["id"], id.as_str());
    }
    eprintln!("{} acknowledged, {killed} killed mid-way (kills within {window} µs)", acknowledged.len());
    assert!(killed > 0 && acknowledged.len() > 3, "the timings exercised both outcomes");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sync_needs_a_login_and_a_failed_login_keeps_nothing() {
    let dir = fresh_dir("login");
    json(&dir, &["init", "--json"]);
    let (ok, _, err) = remit(&dir, &["sync"]);
    assert!(!ok && err.contains("[not_logged_in]"), "{err}");
    let (ok, _, err) =
        remit(&dir, &["login", "--server", "http://127.0.0.1:1", "--api-key", "rk_nothing", "--token-store", "file"]);
    assert!(!ok && err.contains("[offline]"), "{err}");
    assert!(!dir.join("credentials.json").exists(), "no credential kept from a failed login");
    let (ok, _, err) = remit(&dir, &["login", "--server", "ftp://example.com", "--api-key", "rk_nothing"]);
    assert!(!ok && err.contains("[invalid_request]"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn products_are_kept_offline_and_bad_prices_refused() {
    let dir = fresh_dir("products");
    json(&dir, &["init", "--json"]);
    let made = json(
        &dir,
        &[
            "product",
            "create",
            "--name",
            "Consulting hour",
            "--price",
            "150.00",
            "--currency",
            "USD",
            "--tax-rate",
            "10",
            "--json",
        ],
    );
    let id = made["id"].as_str().unwrap();
    assert_eq!((made["unit_price"].as_str(), made["tax_rate"].as_str()), (Some("150.00"), Some("10")));
    let edited = json(&dir, &["product", "edit", id, "--price", "175.00", "--json"]);
    assert_eq!(edited["unit_price"], "175.00");
    for bad in [
        vec!["product", "create", "--name", "X", "--price", "1.2.3", "--currency", "USD"],
        vec!["product", "create", "--name", "X", "--price", "1.00", "--currency", "XXX"],
        vec!["product", "create", "--name", " ", "--price", "1.00", "--currency", "USD"],
        vec!["product", "create", "--name", "X", "--price", "-1.00", "--currency", "USD"],
        vec!["product", "edit", "not-an-id", "--price", "1.00"],
    ] {
        let (ok, _, err) = remit(&dir, &bad);
        assert!(!ok && err.contains('['), "{bad:?}: {err}");
    }
    let list = json(&dir, &["product", "list", "--search", "consult", "--json"]);
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "nothing of the refused ones was kept: {list}");
    assert_eq!(list["data"][0]["unit_price"], "175.00");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_invoice_is_rendered_as_pdf_offline() {
    let dir = fresh_dir("pdf");
    json(&dir, &["init", "--json"]);
    let c = customer(&dir);
    let inv = json(
        &dir,
        &["invoice", "create", "--customer", &c, "--currency", "USD", "--line", "Work|2|50.00|10", "--json"],
    );
    let id = inv["id"].as_str().unwrap();
    let out = dir.join("pdfs");
    let (ok, _, err) = remit(&dir, &["invoice", "pdf", id, "--out-dir", out.to_str().unwrap()]);
    assert!(!ok && err.contains("remit sync") && err.contains("--seller"), "no profile yet: {err}");
    let seller = dir.join("seller.json");
    std::fs::write(&seller, r#"{"name": "Field Co", "address": ["1 Main St"]}"#).unwrap();
    let (ok, printed, err) =
        remit(&dir, &["invoice", "pdf", id, "--out-dir", out.to_str().unwrap(), "--seller", seller.to_str().unwrap()]);
    assert!(ok, "{err}");
    let path = printed.trim().strip_prefix("wrote ").unwrap();
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 1000, "{path}");
    std::fs::write(&seller, "not json").unwrap();
    let (ok, _, err) =
        remit(&dir, &["invoice", "pdf", id, "--out-dir", out.to_str().unwrap(), "--seller", seller.to_str().unwrap()]);
    assert!(!ok && err.contains("not JSON"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// An edit continues from the copy this replica kept loaded only while the stored bytes are
/// the ones it saved: the app and the CLI (two handles on one replica) never undo each other.
#[test]
fn edits_from_two_handles_on_one_replica_are_all_kept() {
    use remit_client::replica::{InvoiceEdit, NewCustomer, NewInvoice};
    let dir = fresh_dir("two-handles");
    let (mut app, _) = Replica::init(&dir).unwrap();
    let mut cli = Replica::open(&dir).unwrap();
    let customer = app
        .create_customer(NewCustomer { name: "ACME".into(), currency: Some("USD".into()), ..Default::default() })
        .unwrap();
    let input = NewInvoice {
        customer_id: customer["id"].as_str().unwrap().to_owned(),
        lines: vec!["Design|1|100.00|0".parse().unwrap()],
        ..Default::default()
    };
    let id = app.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
    let notes = |n: &str| InvoiceEdit { notes: Some(n.into()), ..Default::default() };
    app.edit_invoice(&id, notes("first")).unwrap();
    // The CLI adds a line while the app holds its loaded copy.
    let line = InvoiceEdit { add: vec!["Hosting|1|20.00|0".parse().unwrap()], ..Default::default() };
    cli.edit_invoice(&id, line).unwrap();
    let after = app.edit_invoice(&id, notes("second")).unwrap();
    assert_eq!(after["notes"], "second");
    assert_eq!(after["line_items"].as_array().unwrap().len(), 2, "the CLI's line is kept: {after}");
    assert_eq!(after["total"], "120.00");
    // A refused edit keeps nothing loaded that was not stored.
    let bad = InvoiceEdit { remove: vec![9], ..Default::default() };
    assert!(app.edit_invoice(&id, bad).is_err());
    let shown = cli.edit_invoice(&id, notes("third")).unwrap();
    assert_eq!((shown["notes"].as_str(), shown["total"].as_str()), (Some("third"), Some("120.00")));
    assert_eq!(app.edit_invoice(&id, notes("fourth")).unwrap()["line_items"].as_array().unwrap().len(), 2);
    assert_eq!(app.invoice(&id).unwrap()["notes"], "fourth");
}

/// The replica's commits never checkpoint (that made about one save in a hundred wait, the sync
/// benchmark's tail): a thread does, shortly after. So writes reach the database file with no
/// checkpoint asked for, and closing the replica still leaves the single file it always did.
#[test]
fn writes_are_checkpointed_in_the_background_and_closing_leaves_one_file() {
    use remit_client::replica::NewCustomer;
    let dir = fresh_dir("checkpoint");
    let (mut replica, _) = Replica::init(&dir).unwrap();
    let file = dir.join("remit.db");
    let size = || std::fs::metadata(&file).unwrap().len();
    // The migrations are checkpointed too: measure once the file has settled.
    let mut before = size();
    loop {
        std::thread::sleep(Duration::from_millis(500));
        if size() == before {
            break;
        }
        before = size();
    }
    for n in 0..300 {
        let name = format!("Customer {n} with a name long enough to fill pages {}", "x".repeat(200));
        replica.create_customer(NewCustomer { name, currency: Some("USD".into()), ..Default::default() }).unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while size() == before {
        assert!(std::time::Instant::now() < deadline, "300 customers never reached the database file");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(dir.join("remit.db-wal").exists(), "the WAL is in use while the replica is open");
    drop(replica);
    assert!(!dir.join("remit.db-wal").exists(), "closing the replica leaves its WAL behind");
    let replica = Replica::open(&dir).unwrap();
    assert_eq!(replica.customers(None).unwrap().len(), 300);
    assert_eq!(replica.integrity_check().unwrap(), "ok");
}
