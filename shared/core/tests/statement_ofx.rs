//! OFX and QFX: the SGML of OFX 1.x (unclosed leaves, a header of KEY:VALUE lines, Windows-1252
//! text) and the XML of OFX 2.x give the same transactions; a malformed one is named by its
//! line and the others are read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::statement::{Format, ofx::read};

const SGML: &str = "OFXHEADER:100
DATA:OFXSGML
VERSION:102
CHARSET:1252

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20261207</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>USD
<BANKACCTFROM><BANKID>121000248<ACCTID>123456<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20261101<DTEND>20261130
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261120120000[-5:EST]<TRNAMT>6600.00<FITID>2026112001<NAME>ACME CORP<MEMO>INV-2026-0001</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261121<TRNAMT>-15.00<FITID>2026112102<NAME>AT&T WIRELESS</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>2026112X<TRNAMT>1.00<FITID>BAD</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261122<TRNAMT>480.00<NAME>GLOBEX<MEMO>thanks &amp; regards</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261123<TRNAMT>480.00<FITID>2026112001<NAME>ACME CORP</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>7065.00<DTASOF>20261130</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
";

const XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
  <CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1</TRNUID><CCSTMTRS>
    <CURDEF>EUR</CURDEF>
    <BANKTRANLIST>
      <STMTTRN>
        <TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20261201</DTPOSTED><TRNAMT>1234,56</TRNAMT>
        <FITID>X-1</FITID><PAYEE><NAME>Globex Ltd</NAME></PAYEE><MEMO>Invoice 2026-002</MEMO>
      </STMTTRN>
      <STMTTRN>
        <TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20261202</DTPOSTED><TRNAMT>10.00</TRNAMT>
        <FITID>X-2</FITID><CURRENCY><CURRATE>1.1</CURRATE><CURSYM>GBP</CURSYM></CURRENCY>
      </STMTTRN>
      <STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20261203</DTPOSTED><FITID>X-3</FITID></STMTTRN>
    </BANKTRANLIST>
  </CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>
</OFX>
"#;

#[test]
fn ofx_1_sgml_with_unclosed_leaves() {
    assert_eq!(Format::sniff(SGML.as_bytes()), Format::Ofx);
    // As a bank writes it: Windows-1252, not UTF-8.
    let mut bytes = SGML.replace("GLOBEX", "GLÖBEX").into_bytes();
    let at = bytes.windows(2).position(|w| w == "Ö".as_bytes()).unwrap();
    bytes.splice(at..at + 2, [0xd6]);
    let i = read(&bytes).unwrap();
    let got: Vec<(&str, String, String)> =
        i.transactions.iter().map(|t| (t.id.as_str(), t.date.to_string(), t.amount.amount())).collect();
    assert_eq!(got[0], ("2026112001", "2026-11-20".into(), "6600.00".into()));
    assert_eq!(got[1], ("2026112102", "2026-11-21".into(), "-15.00".into()));
    assert_eq!((got[2].1.as_str(), got[2].2.as_str()), ("2026-11-22", "480.00"));
    assert!(got[2].0.starts_with("sha256:"), "no FITID: a stable hash");
    assert_eq!(i.transactions[0].payer.as_deref(), Some("ACME CORP"));
    assert_eq!(i.transactions[0].reference.as_deref(), Some("INV-2026-0001"));
    assert_eq!(i.transactions[2].payer.as_deref(), Some("GLÖBEX"));
    assert_eq!(i.transactions[2].reference.as_deref(), Some("thanks & regards"));
    assert_eq!(i.transactions[0].amount.currency().code(), "USD");
    assert_eq!(i.transactions[1].payer.as_deref(), Some("AT&T WIRELESS"), "a bare & is kept as written");
    assert_eq!(i.transactions.len(), 3);
    assert_eq!(i.duplicates, 1, "a FITID seen before is the same transaction");
    assert_eq!(i.errors.len(), 1, "{:?}", i.errors);
    assert_eq!(i.errors[0].line, 13);
    assert!(i.errors[0].message.contains("DTPOSTED"), "{:?}", i.errors);
}

#[test]
fn ofx_2_xml_card_statement() {
    assert_eq!(Format::sniff(XML.as_bytes()), Format::Ofx);
    let i = read(XML.as_bytes()).unwrap();
    assert_eq!(i.transactions.len(), 2, "{i:?}");
    let t = &i.transactions[0];
    assert_eq!((t.id.as_str(), t.amount.amount().as_str(), t.amount.currency().code()), ("X-1", "1234.56", "EUR"));
    assert_eq!(t.payer.as_deref(), Some("Globex Ltd"));
    assert_eq!(t.reference.as_deref(), Some("Invoice 2026-002"));
    assert_eq!(i.transactions[1].amount.currency().code(), "GBP", "the transaction's own currency");
    assert_eq!(i.errors.len(), 1);
    assert!(i.errors[0].message.contains("TRNAMT") && i.errors[0].line == 15, "{:?}", i.errors);
    assert!(read(b"Date,Amount\n").unwrap_err().contains("<OFX>"));
}
