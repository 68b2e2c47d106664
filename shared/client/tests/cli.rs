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

#[test]
fn pdf_renders_one_file_per_invoice_named_by_number() {
    let dir = std::env::temp_dir().join(format!("remit-pdf-{}", std::process::id()));
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/pdf/sample-invoices.json");
    let (ok, out, err) = remit(&["pdf", "--input", samples, "--out-dir", dir.to_str().unwrap()], "");
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    for name in ["INV-2025-0001.pdf", "INV-2025-0002.pdf"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{name}");
    }
    let long = std::fs::read(dir.join("INV-2025-0002.pdf")).unwrap();
    assert!(long.len() > std::fs::read(dir.join("INV-2025-0001.pdf")).unwrap().len(), "120 lines make a longer PDF");

    // A bad invoice is reported by position; the good one is still written; exit is non-zero.
    let input = std::fs::read_to_string(samples).unwrap();
    let mut batch: serde_json::Value = serde_json::from_str(&input).unwrap();
    batch["data"][1]["total"] = serde_json::json!("12.345");
    let bad_dir = dir.join("bad");
    let path = dir.join("bad.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    let (ok, _, err) = remit(&["pdf", "--input", path.to_str().unwrap(), "--out-dir", bad_dir.to_str().unwrap()], "");
    assert!(!ok);
    assert!(err.contains("data[1]") && err.contains("total"), "{err}");
    assert!(bad_dir.join("INV-2025-0001.pdf").exists());
    assert!(!bad_dir.join("INV-2025-0002.pdf").exists());
    let (ok, _, err) = remit(&["pdf", "--input", "/nonexistent.json", "--out-dir", bad_dir.to_str().unwrap()], "");
    assert!(!ok && err.contains("cannot read"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
