//! The `remit` binary as a script would call it.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is a failed test")]

use std::io::Write;
use std::process::{Command, Stdio};

fn remit(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn quote_prints_the_totals_as_json() {
    let input = r#"{"currency":"USD","line_items":[{"description":"Web Development","quantity":"40","unit_price":"150.00","tax_rate":"10"}]}"#;
    let (ok, out, err) = remit(&["quote"], input);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["total"]["amount"], "6600.00");
    assert_eq!(json["tax_breakdown"][0]["rate"], "10");
}

#[test]
fn quote_fails_with_a_clear_message_and_code() {
    let (ok, out, err) = remit(
        &["quote", "-"],
        r#"{"currency":"JPY","line_items":[{"description":"x","quantity":"1","unit_price":"1","tax_rate":"150"}]}"#,
    );
    assert!(!ok);
    assert!(out.is_empty());
    assert!(err.contains("line_items[0].tax_rate") && err.contains("[validation_failed]"), "{err}");
    let (ok, _, err) = remit(&["quote", "/nonexistent/file.json"], "");
    assert!(!ok && err.contains("cannot read"), "{err}");
}

#[test]
fn currencies_lists_exponents() {
    let (ok, out, _) = remit(&["currencies"], "");
    assert!(ok);
    assert!(out.lines().any(|l| l.starts_with("JPY\t0\t")));
    assert!(out.lines().any(|l| l.starts_with("BHD\t3\t")));
}
