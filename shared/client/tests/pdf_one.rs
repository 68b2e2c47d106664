//! One invoice of the replica as a PDF (the desktop's "Download PDF"): the company profile is
//! its seller; without one it says where to enter it and writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::{NewCustomer, NewInvoice, Replica};
use remit_core::pdf::Seller;

#[test]
fn an_issued_invoice_renders_with_the_profile_as_seller() {
    let dir = std::env::temp_dir().join(format!("remit-pdf-{}", uuid::Uuid::now_v7().simple()));
    let out = dir.join("downloads");
    let (mut r, _) = Replica::init(&dir).unwrap();
    let c = NewCustomer { name: "ACME".into(), currency: Some("USD".into()), ..Default::default() };
    let customer = r.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned();
    let input =
        NewInvoice { customer_id: customer, lines: vec!["Work|2|50.00|10".parse().unwrap()], ..Default::default() };
    let id = r.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned();
    let number = r.issue_invoice(&id).unwrap()["number"].as_str().unwrap().to_owned();

    let err = remit_client::pdf::render_one(&r, &id, &out).unwrap_err();
    assert!(err.to_string().contains("company profile"), "{err}");
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "nothing written");

    r.set_company_profile(Seller { name: "Field Co".into(), ..Default::default() }).unwrap();
    let path = remit_client::pdf::render_one(&r, &id, &out).unwrap();
    assert_eq!(path, out.join(format!("{number}.pdf")));
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 1000, "{} bytes", bytes.len());
    let _ = std::fs::remove_dir_all(&dir);
}
