//! SWIFT MT940 statements: credits and debits with their references, structured and free
//! `:86:` details, a malformed `:61:` named by its line with the rest still read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::statement::mt940::read;

const STATEMENT: &str = "\
:20:STMT-2026-12-07
:25:DE89370400440532013000
:28C:00042/001
:60F:C261130EUR1000,00
:61:2612011201C1234,56NTRFRE 2026-0042//BANKREF001
:86:166?00GUTSCHRIFT?20RE 2026-0042 Danke?21fuer den Auftrag?32MUELLER GMBH
:61:261202D49,99NDDTNONREF//BANKREF002
:86:Lastschrift Telekom Rechnung 12/2026
:61:261303C12,00NTRFBROKEN
:86:this belongs to no good line
:61:261204C500,NTRFINV-2026-0001
:62F:C261204EUR2697,57
-
";

#[test]
fn transactions_with_their_references_and_details() {
    let i = read(STATEMENT.as_bytes()).unwrap();
    let got: Vec<(&str, String, String)> =
        i.transactions.iter().map(|t| (t.id.as_str(), t.date.to_string(), t.amount.amount())).collect();
    assert_eq!(got[0], ("BANKREF001", "2026-12-01".into(), "1234.56".into()));
    assert_eq!(got[1], ("BANKREF002", "2026-12-02".into(), "-49.99".into()));
    assert_eq!((got[2].1.as_str(), got[2].2.as_str()), ("2026-12-04", "500.00"));
    assert_eq!(i.transactions[2].id, "INV-2026-0001", "no bank reference: the customer's stands in");
    let first = &i.transactions[0];
    assert_eq!(first.payer.as_deref(), Some("MUELLER GMBH"));
    assert_eq!(first.reference.as_deref(), Some("RE 2026-0042 Dankefuer den Auftrag"));
    assert_eq!(i.transactions[1].reference.as_deref(), Some("Lastschrift Telekom Rechnung 12/2026"));
    assert_eq!(i.transactions[0].amount.currency().code(), "EUR");
    assert_eq!(i.errors.len(), 1, "{:?}", i.errors);
    assert_eq!(i.errors[0].line, 9, "{:?}", i.errors);
}

#[test]
fn what_is_not_mt940_is_refused_whole() {
    assert!(read(b"Date,Amount\n2026-12-01,1.00\n").unwrap_err().contains("not an MT940"));
    let no_currency = ":20:X\n:61:2612011201C1,00NTRFA//B\n";
    let i = read(no_currency.as_bytes()).unwrap();
    assert!(i.transactions.is_empty() && i.errors[0].message.contains("no currency"), "{:?}", i.errors);
}

#[test]
fn any_bytes_give_an_answer_never_a_panic() {
    for garbage in [
        ":60F:C261130EUR1000,00\n:61:261201C€€€€\n",
        ":60F:C261130EUR1000,00\n:61:261201é€1,00NTRFX\n",
        ":60F:C261130EUR1000,00\n:61:261201Cé1,00NTRFX\n:86:1?2é?32ä\n",
        ":60F:\n:61:\n:86:\n",
        ":61:€\n:60F:C2611€",
    ] {
        let _ = read(garbage.as_bytes());
    }
    let i = read(":60F:C261130EUR1000,00\n:61:261201C1,00NTRFX\n:86:166?2é?32ä\n".as_bytes()).unwrap();
    assert_eq!(i.transactions.len(), 1);
}
