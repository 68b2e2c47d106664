//! `remit reconcile match` as a script runs it: the documented CSV header read with no
//! options, one result per credit in the documented shape, bad lines reported by number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn remit(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_remit")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_statement_is_matched_to_invoices_and_written_as_documented() {
    let dir = std::env::temp_dir().join(format!("remit-reconcile-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let invoice = |id: &str, number: &str, name: &str, due: &str| {
        json!({"id": id, "number": number, "status": "issued", "customer": {"id": format!("c-{name}"), "name": name},
               "currency": "USD", "total": due, "amount_due": due, "issue_date": "2026-11-01", "due_date": "2026-12-01"})
    };
    let invoices = json!({"data": [
        invoice("i1", "INV-2026-0001", "ACME Corporation", "6600.00"),
        invoice("i2", "INV-2026-0002", "Globex Ltd", "480.00"),
    ]});
    let invoices = write(&dir, "invoices.json", &invoices.to_string());
    let statement = write(
        &dir,
        "statement.csv",
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
         T1,2026-11-20,6600.00,USD,ACME Corp,INV-2026-0001,\n\
         T2,2026-11-21,-15.00,USD,Bank,,Fee\n\
         T3,2026-11-22,480.00,USD,Globex,,\n\
         T4,2026-11-3x,10.00,USD,Someone,,\n",
    );
    let output = dir.join("matches.json").display().to_string();
    let (ok, out, err) =
        remit(&["reconcile", "match", "--invoices", &invoices, "--statement", &statement, "--output", &output]);
    assert!(ok, "{err}");
    assert!(out.contains("2 credits") && out.contains("1 automatic") && out.contains(":5: not read"), "{out}");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let results = m["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "one per credit, the debit and the unreadable line left out: {m}");
    assert_eq!(results[0]["transaction_id"], "T1");
    assert_eq!(results[0]["decision"], "auto");
    assert!(results[0]["confidence"].as_u64().unwrap() >= 95);
    assert_eq!(results[0]["allocations"], json!([{"invoice_id": "i1", "amount": "6600.00"}]));
    assert!(results[0]["reasons"].as_array().unwrap().iter().all(Value::is_string));
    assert_eq!(results[1]["decision"], "suggest", "{m}");

    let camt = write(
        &dir,
        "statement.xml",
        r#"<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="USD">6600.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt>
<AcctSvcrRef>C1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>ACME Corp</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>INV-2026-0001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"#,
    );
    let (ok, out, err) =
        remit(&["reconcile", "match", "--invoices", &invoices, "--statement", &camt, "--output", &output]);
    assert!(ok && out.contains("1 credits") && out.contains("1 automatic"), "the format is found: {out}{err}");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert_eq!(m["results"][0]["transaction_id"], "C1");
    let ofx = write(
        &dir,
        "statement.qfx",
        "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKTRANLIST>\n\
         <STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261122<TRNAMT>480.00<FITID>O1<NAME>Globex<MEMO>INV-2026-0002</STMTTRN>\n\
         </BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n",
    );
    let (ok, out, err) =
        remit(&["reconcile", "match", "--invoices", &invoices, "--statement", &ofx, "--output", &output]);
    assert!(ok && out.contains("1 credits") && out.contains("1 automatic"), "{out}{err}");
    let (ok, _, err) = remit(&[
        "reconcile",
        "match",
        "--invoices",
        &invoices,
        "--statement",
        &statement,
        "--format",
        "camt053",
        "--output",
        &output,
    ]);
    assert!(!ok && err.contains("not a CAMT.053 statement"), "a format given is not second-guessed: {err}");
    let mt940 = write(
        &dir,
        "statement.sta",
        ":20:S\n:60F:C261101USD0,00\n:61:261120C480,00NTRFINV-2026-0002//B1\n:86:Globex Ltd\n-\n",
    );
    let (ok, out, err) =
        remit(&["reconcile", "match", "--invoices", &invoices, "--statement", &mt940, "--output", &output]);
    assert!(ok && out.contains("1 credits") && out.contains("1 automatic"), "{out}{err}");
    let (ok, _, err) =
        remit(&["reconcile", "match", "--invoices", &statement, "--statement", &statement, "--output", &output]);
    assert!(!ok && err.contains("not {\"data\""), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
