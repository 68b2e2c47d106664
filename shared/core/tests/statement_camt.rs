//! ISO 20022 CAMT.053: booked entries with the bank's reference, structured and unstructured
//! remittance, a batch booking split per payment, a reversal, pending entries left out, a
//! malformed entry named by its line with the others still read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::statement::{Format, camt::read};

const STATEMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-12-07T08:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">1234.56</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-12-01</Dt></BookgDt>
        <ValDt><Dt>2026-12-02</Dt></ValDt>
        <AcctSvcrRef>BANK-0001</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>E2E-77</EndToEndId></Refs>
          <RltdPties><Dbtr><Pty><Nm>Müller &amp; Söhne GmbH</Nm></Pty></Dbtr></RltdPties>
          <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">49.99</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><DtTm>2026-12-02T10:00:00</DtTm></BookgDt>
        <AcctSvcrRef>BANK-0002</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <RltdPties><Cdtr><Nm>Telekom</Nm></Cdtr></RltdPties>
          <RmtInf><Ustrd>Rechnung 12/2026</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">12,34</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <BookgDt><Dt>2026-12-03</Dt></BookgDt>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">700.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-12-04</Dt></BookgDt>
        <AcctSvcrRef>BATCH-9</AcctSvcrRef>
        <NtryDtls>
          <TxDtls>
            <Amt Ccy="EUR">200.00</Amt>
            <RltdPties><Dbtr><Nm>Globex Ltd</Nm></Dbtr></RltdPties>
            <RmtInf><Ustrd>INV-2026-0002</Ustrd><Ustrd>thanks</Ustrd></RmtInf>
          </TxDtls>
          <TxDtls>
            <Refs><AcctSvcrRef>BATCH-9-B</AcctSvcrRef></Refs>
            <Amt Ccy="EUR">500.00</Amt>
            <RltdPties><Dbtr><Nm>Initech</Nm></Dbtr></RltdPties>
          </TxDtls>
        </NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">80.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <RvslInd>true</RvslInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-12-05</Dt></BookgDt>
        <AddtlNtryInf>Storno Lastschrift</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">999.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>PDNG</Cd></Sts>
        <BookgDt><Dt>2026-12-06</Dt></BookgDt>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"#;

#[test]
fn booked_entries_with_their_parties_and_references() {
    assert_eq!(Format::sniff(STATEMENT.as_bytes()), Format::Camt053);
    let i = read(STATEMENT.as_bytes()).unwrap();
    let got: Vec<(&str, String, String)> =
        i.transactions.iter().map(|t| (t.id.as_str(), t.date.to_string(), t.amount.amount())).collect();
    assert_eq!(
        got[..4],
        [
            ("BANK-0001", "2026-12-01".into(), "1234.56".into()),
            ("BANK-0002", "2026-12-02".into(), "-49.99".into()),
            ("BATCH-9/1", "2026-12-04".into(), "200.00".into()),
            ("BATCH-9-B", "2026-12-04".into(), "500.00".into()),
        ]
    );
    let first = &i.transactions[0];
    assert_eq!(first.payer.as_deref(), Some("Müller & Söhne GmbH"));
    assert_eq!(first.reference.as_deref(), Some("RF18539007547034"), "the structured reference wins");
    assert_eq!(first.amount.currency().code(), "EUR");
    assert_eq!(i.transactions[1].payer.as_deref(), Some("Telekom"), "a debit's party is the creditor");
    assert_eq!(i.transactions[2].reference.as_deref(), Some("INV-2026-0002 thanks"));
    assert_eq!(i.transactions[2].payer.as_deref(), Some("Globex Ltd"));
    let reversal = &i.transactions[4];
    assert_eq!(reversal.amount.amount(), "80.00", "a reversed debit brings the money back");
    assert!(reversal.id.starts_with("sha256:"), "no bank reference: a stable hash");
    assert_eq!(i.transactions.len(), 5, "the pending entry is not booked: {got:?}");
    assert_eq!(i.errors.len(), 1, "{:?}", i.errors);
    assert_eq!(i.errors[0].line, 32, "{:?}", i.errors);
    assert!(i.errors[0].message.contains("12,34"), "{:?}", i.errors);
    assert_eq!(read(STATEMENT.as_bytes()).unwrap(), i, "the same file gives the same ids");
}

#[test]
fn broken_files_are_refused_or_read_up_to_the_break() {
    let err = read(b"<Document><Other/></Document>").unwrap_err();
    assert!(err.contains("BkToCstmrStmt"), "{err}");
    let cut = &STATEMENT[..STATEMENT.find("<Ntry>\n        <Amt Ccy=\"EUR\">700.00").unwrap() + 40];
    let i = read(cut.as_bytes()).unwrap();
    assert_eq!(i.transactions.len(), 2, "the entries before the break are read: {i:?}");
    assert!(i.errors.iter().any(|e| e.message.contains("never closed")), "{:?}", i.errors);
    let missing = STATEMENT.replacen("<CdtDbtInd>CRDT</CdtDbtInd>", "", 1);
    let i = read(missing.as_bytes()).unwrap();
    assert!(i.errors.iter().any(|e| e.line == 8 && e.message.contains("CdtDbtInd")), "{:?}", i.errors);
    let entity = STATEMENT.replace("&amp;", "&nbsp;");
    let i = read(entity.as_bytes()).unwrap();
    assert_eq!(i.errors.len(), 2, "an unknown entity is not guessed at: {:?}", i.errors);
    assert!(i.transactions.iter().all(|t| t.id != "BANK-0001"), "its entry is not read half");
    assert_eq!(i.transactions.len(), 4, "the others are");
}
