//! The admin commands scripts depend on: exact names, JSON output, exit codes.

use std::process::Command;

fn admin(db: &str, args: &[&str]) -> (bool, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_remit-server"))
        .arg("admin")
        .args(args)
        .args(["--database-url", db])
        .env("REMIT_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (out.status.success(), json, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn create_tenant_create_user_and_verify_audit() {
    let dir = std::env::temp_dir().join(format!("remit-cli-{}", uuid::Uuid::now_v7().simple()));
    let db = format!("sqlite:{}", dir.join("remit.db").display());
    let (ok, t, err) =
        admin(&db, &["create-tenant", "--name", "ACME Corp", "--plan", "starter", "--subdomain", "acme"]);
    assert!(ok, "{err}");
    let tenant = t["tenant_id"].as_str().unwrap();
    assert!(t["owner"]["user_id"].is_string() && t["owner"]["email"].is_string());
    assert!(t["owner"]["api_key"].as_str().unwrap().starts_with("rk_"));

    let (ok, u, err) =
        admin(&db, &["create-user", "--tenant", tenant, "--email", "ann@acme.com", "--role", "accountant"]);
    assert!(ok, "{err}");
    assert!(u["user_id"].is_string() && u["api_key"].as_str().unwrap().starts_with("rk_"));
    let (ok, _, err) = admin(&db, &["create-user", "--tenant", tenant, "--email", "ann@acme.com", "--role", "viewer"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = admin(&db, &["create-user", "--tenant", tenant, "--email", "not-an-email", "--role", "viewer"]);
    assert!(!ok && err.contains("email"), "{err}");

    let (ok, r, err) = admin(&db, &["set-rate-limit", "--tenant", tenant, "--requests-per-hour", "50000"]);
    assert!(ok, "{err}");
    assert_eq!(r["requests_per_hour"], 50000);
    let (ok, _, _) = admin(&db, &["set-rate-limit", "--tenant", tenant, "--requests-per-hour", "0"]);
    assert!(!ok, "a limit of zero is refused");
    let (ok, r, _) = admin(&db, &["set-rate-limit", "--tenant", tenant, "--plan-default"]);
    assert!(ok && r["requests_per_hour"].is_null());

    let (ok, v, _) = admin(&db, &["verify-audit", "--tenant", tenant]);
    assert!(ok);
    // Tenant, owner, ann, and the two rate-limit changes.
    assert_eq!(v, serde_json::json!({"valid": true, "entries": 5}));

    // Break the chain behind the server's back: verify-audit must fail and say where.
    let file = dir.join("remit.db");
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_log_no_update'); c.execute(\"UPDATE audit_log SET actor_name='someone else' WHERE seq=2\"); c.commit()"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let (ok, v, _) = admin(&db, &["verify-audit", "--tenant", tenant]);
    assert!(!ok, "a broken chain exits non-zero");
    assert_eq!(v["valid"], false);
    assert_eq!(v["first_broken"]["seq"], 2);
    let _ = std::fs::remove_dir_all(dir);
}
