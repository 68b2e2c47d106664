//! No float type appears in any Rust source of the workspace: money, tax and totals included.
//! Where a float is ever truly needed (a metrics histogram, say), list the file here with the
//! reason, rather than weakening the scan.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !matches!(name, "target" | "node_modules" | ".git" | "gen") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Finds `f32`/`f64` as whole words (so `buf64` or `0xf64a` in an id do not count).
fn float_words(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut hits = Vec::new();
    for needle in ["f32", "f64"] {
        for (i, _) in text.match_indices(needle) {
            let before_ok = i == 0 || !word(bytes[i - 1]);
            let after_ok = i + 3 >= bytes.len() || !word(bytes[i + 3]);
            if before_ok && after_ok {
                hits.push(text[..i].lines().count().max(1));
            }
        }
    }
    hits
}

#[test]
fn the_scanner_finds_floats() {
    assert_eq!(float_words("let x: f64 = 1.0;").len(), 1);
    assert_eq!(float_words("fn a(v: Vec<f32>) {}").len(), 1);
    assert!(float_words("let buf64 = 0; let id = \"0xf64a\";").is_empty());
}

#[test]
fn no_float_anywhere_in_the_workspace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in ["shared", "sync-server", "src-tauri", "tests"] {
        if root.join(dir).exists() {
            rust_files(&root.join(dir), &mut files);
        }
    }
    // This file names the float types to find them. The PDF layout's unit conversions hand
    // printpdf the f32 coordinates and colours its API takes; layout itself is integer
    // micrometres and no amount passes there (amounts reach the PDF as decimal strings).
    const EXCEPTIONS: [&str; 2] = ["tests/tests/no_floats.rs", "shared/core/src/pdf/units.rs"];
    files.retain(|f| !EXCEPTIONS.iter().any(|e| f.ends_with(e)));
    let core_money = root.join("shared/core/src/money.rs");
    assert!(
        files.contains(&core_money),
        "scanned {} files without remit-core's money.rs: is the path right?",
        files.len()
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in float_words(&text) {
            found.push(format!("{}:{line}", file.display()));
        }
    }
    assert!(found.is_empty(), "floats in money code: {found:?}");
}
