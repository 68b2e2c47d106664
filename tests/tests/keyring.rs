//! `remit login` with email and password against a real server, the session kept in the real
//! OS keyring (Secret Service): no token on disk, syncs work, and an expired access token is
//! renewed with the refresh token and the new pair kept.
//!
//! Needs a Secret Service, so it is `#[ignore]`d in a plain `cargo test`; scripts/test runs it
//! under `dbus-run-session` with an unlocked gnome-keyring.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use remit_core::{Email, Role};
use remit_server::audit::{AuditActor, RequestContext};
use remit_server::store::NewUser;
use remit_tests::{Db, Server};

fn remit_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().join("remit")
}

fn remit(dir: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(remit_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
#[ignore = "needs a Secret Service: scripts/test runs it under dbus-run-session with gnome-keyring"]
fn an_email_login_keeps_its_session_in_the_os_keyring_and_renews_it() {
    let server = Server::start(Db::Sqlite);
    let hash = remit_server::credentials::hash_password("correct horse battery").unwrap();
    let user =
        NewUser { email: Email::parse("sam@e2e.example").unwrap(), role: Role::Admin, password_hash: Some(hash) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(server.store.create_user(server.tenant, user, &AuditActor::system("e2e"), &RequestContext::default()))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("remit-keyring-{}", uuid::Uuid::now_v7().simple()));
    assert!(remit(&dir, &["init"], "").0);
    let tenant = server.tenant.to_string();
    let login = |password: &str| {
        remit(
            &dir,
            &["login", "--server", &server.base, "--email", "sam@e2e.example", "--password-stdin", "--tenant", &tenant],
            &format!("{password}\n"),
        )
    };

    let (ok, out) = login("wrong password");
    assert!(!ok && out.contains("[invalid_credentials]"), "{out}");
    assert!(!dir.join("credentials.json").exists(), "a refused login keeps nothing");

    let (ok, out) = login("correct horse battery");
    assert!(ok, "{out}");
    let file = std::fs::read_to_string(dir.join("credentials.json")).unwrap();
    assert!(file.contains("keyring_entry") && !file.contains("token"), "no secret on disk: {file}");
    let (ok, out) = remit(&dir, &["sync"], "");
    assert!(ok, "{out}");

    // The access token expires: the next sync renews it with the refresh token.
    server.sql("UPDATE sessions SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE revoked_at IS NULL");
    let (ok, out) = remit(&dir, &["sync"], "");
    assert!(ok, "renewed, not signed out: {out}");
    // Had the renewed pair not been kept, this would send the expired token again and the
    // spent refresh token (refreshing revokes the old session): refused.
    let (ok, out) = remit(&dir, &["sync"], "");
    assert!(ok, "the renewed pair was kept: {out}");
    assert_eq!(std::fs::read_to_string(dir.join("credentials.json")).unwrap(), file, "still the same keyring entry");
    let _ = std::fs::remove_dir_all(&dir);
}
