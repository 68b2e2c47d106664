//! Invoice PDFs and sending, over HTTP: the outbox folder, a local SMTP relay (a minimal one
//! in this file: no mail server runs here), and the failures.

use std::sync::{Arc, Mutex};

use remit_core::Role;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::harness::Harness;
use crate::http_platform::Office;

async fn draft(office: &Office, email: Option<&str>) -> String {
    let (_, c) = office
        .post(Role::Owner, "/v1/customers", json!({"name": "ACME Corporation", "email": email, "currency": "USD"}))
        .await;
    let body = json!({"customer_id": c["id"], "issue_date": "2025-01-15", "due_date": "2025-02-14",
        "line_items": [{"description": "Web Development", "quantity": "40", "unit_price": "150.00", "tax_rate": "10"}]});
    let (status, inv) = office.post(Role::Owner, "/v1/invoices", body).await;
    assert_eq!(status, StatusCode::CREATED);
    inv["id"].as_str().unwrap().to_owned()
}

fn emails(office: &Office) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(&office.outbox) else { return Vec::new() };
    let mut files: Vec<_> =
        dir.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "eml")).collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

pub async fn the_pdf_endpoint_serves_the_invoice(h: Harness) {
    let office = Office::open(h).await;
    let id = draft(&office, Some("billing@acme.com")).await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/invoices/{id}/pdf", office.base))
        .bearer_auth(office.key(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains(&format!("draft-{id}.pdf")));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 5_000);
    let (status, _) = office.json(Role::TeamMember, &format!("/v1/invoices/{id}/pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone else's invoice, to a team member");
}

pub async fn sending_issues_emails_the_pdf_and_records_it(h: Harness) {
    let office = Office::open(h).await;
    let id = draft(&office, Some("billing@acme.com")).await;
    let (status, denied) = office.post(Role::Accountant, &format!("/v1/invoices/{id}/send"), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{denied}");
    assert!(emails(&office).is_empty());
    let (status, sent) = office
        .post(Role::Manager, &format!("/v1/invoices/{id}/send"), json!({"message": "Thanks for your business."}))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["number"], "INV-2025-0001", "a draft is issued first");
    assert_eq!(sent["status"], "overdue", "sent, and long past its due date");
    let mail = emails(&office);
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: billing@acme.com"));
    assert!(mail[0].contains("Subject: Invoice INV-2025-0001 from"));
    assert!(mail[0].contains("Thanks for your business."));
    assert!(mail[0].contains("$6,600.00"), "the amount due, formatted");
    assert!(mail[0].contains("application/pdf") && mail[0].contains("INV-2025-0001.pdf"));
    assert!(mail[0].contains(&format!("/portal/invoices/{id}")), "the portal link");
    let (_, audit) = office.json(Role::Owner, "/v1/audit-logs?event_type=invoice.sent").await;
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);
}

pub async fn sending_needs_a_recipient_and_a_live_invoice(h: Harness) {
    let office = Office::open(h).await;
    let id = draft(&office, None).await;
    let (status, err) = office.post(Role::Owner, &format!("/v1/invoices/{id}/send"), json!({})).await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("no_recipient")));
    let (_, still) = office.json(Role::Owner, &format!("/v1/invoices/{id}")).await;
    assert!(still["number"].is_null(), "nothing was issued");
    let (status, err) =
        office.post(Role::Owner, &format!("/v1/invoices/{id}/send"), json!({"to": "not an email"})).await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_field")));
    let (status, _) = office.post(Role::Owner, &format!("/v1/invoices/{id}/send"), json!({"to": "ap@acme.com"})).await;
    assert_eq!(status, StatusCode::OK);
    office.post(Role::Owner, &format!("/v1/invoices/{id}/void"), json!({})).await;
    let (status, err) =
        office.post(Role::Owner, &format!("/v1/invoices/{id}/send"), json!({"to": "ap@acme.com"})).await;
    assert_eq!((status, &err["code"]), (StatusCode::CONFLICT, &json!("invoice_voided")));
    assert_eq!(emails(&office).len(), 1);
}

/// A one-message SMTP relay: accepts everything and keeps what it was sent.
async fn relay(accept: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 fake ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        let mut data = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    keep.lock().unwrap().push(std::mem::take(&mut data));
                    write.write_all(if accept { b"250 queued\r\n" } else { b"554 rejected\r\n" }).await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 fake\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (url, got)
}

pub async fn an_smtp_relay_gets_the_message_and_a_refusal_is_a_502(h: Harness) {
    let office = Office::open(h).await;
    let id = draft(&office, Some("billing@acme.com")).await;
    let (url, got) = relay(true).await;
    let mailer = Arc::new(remit_server::mail::Mailer::from_config(Some(&url), &office.outbox).unwrap());
    let state = remit_server::AppState { mailer, ..remit_server::AppState::new(office.store()) };
    let server = crate::start_with(state).await;
    let res = reqwest::Client::new()
        .post(format!("{}/v1/invoices/{id}/send", server.base))
        .bearer_auth(office.key(Role::Owner))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let messages = got.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Subject: Invoice INV-2025-0001"));

    let second = draft(&office, Some("billing@acme.com")).await;
    let (url, _) = relay(false).await;
    let mailer = Arc::new(remit_server::mail::Mailer::from_config(Some(&url), &office.outbox).unwrap());
    let state = remit_server::AppState { mailer, ..remit_server::AppState::new(office.store()) };
    let server = crate::start_with(state).await;
    let res = reqwest::Client::new()
        .post(format!("{}/v1/invoices/{second}/send", server.base))
        .bearer_auth(office.key(Role::Owner))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    let (_, inv) = office.json(Role::Owner, &format!("/v1/invoices/{second}")).await;
    assert_eq!(inv["number"], "INV-2025-0002", "issued before sending");
    let (_, audit) =
        office.json(Role::Owner, &format!("/v1/audit-logs?event_type=invoice.sent&resource_id={second}")).await;
    assert!(audit["data"].as_array().unwrap().is_empty(), "not recorded as sent");
}

/// A 1×1 PNG.
const LOGO: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

pub async fn the_company_profile_brands_pdfs_and_emails(h: Harness) {
    let office = Office::open(h).await;
    let id = draft(&office, Some("billing@acme.com")).await;
    let plain = office.json(Role::Owner, &format!("/v1/invoices/{id}/pdf")).await;
    assert_eq!(plain.0, StatusCode::OK);
    let profile = json!({"name": "Northwind Studio Pty Ltd", "address": ["1 Harbour Street", "Sydney NSW 2000"],
        "tax_id": "ABN 51 824 753 556", "payment_instructions": "BSB 062-000, account 1234 5678", "logo_png_base64": LOGO});
    let (status, _) =
        office.send(Role::Accountant, reqwest::Method::PUT, "/v1/settings/company", Some(profile.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "settings are for owner and admin");
    let mut bad = profile.clone();
    bad["logo_png_base64"] = json!("aGVsbG8=");
    let (status, err) = office.send(Role::Admin, reqwest::Method::PUT, "/v1/settings/company", Some(bad)).await;
    assert_eq!((status, &err["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_field")), "not a PNG: {err}");
    let (status, saved) =
        office.send(Role::Admin, reqwest::Method::PUT, "/v1/settings/company", Some(profile.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = office.json(Role::Viewer, "/v1/settings/company").await;
    for (field, value) in profile.as_object().unwrap() {
        assert_eq!(&read[field], value, "{field}");
    }
    assert!(read["phone"].is_null(), "what was not given stays empty");
    // The PDF now carries the address, instructions and logo; the email is from the company.
    let res = reqwest::Client::new()
        .get(format!("{}/v1/invoices/{id}/pdf", office.base))
        .bearer_auth(office.key(Role::Owner))
        .send()
        .await
        .unwrap();
    let branded = res.bytes().await.unwrap();
    assert!(branded.windows(8).any(|w| w == b"/XObject"), "the logo is embedded");
    let (status, _) = office.post(Role::Owner, &format!("/v1/invoices/{id}/send"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(emails(&office)[0].contains("Subject: Invoice INV-2025-0001 from Northwind Studio Pty Ltd"));
    let (_, audit) = office.json(Role::Owner, "/v1/audit-logs?event_type=settings.company_updated").await;
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);
}

both_stores!(
    the_company_profile_brands_pdfs_and_emails,
    the_pdf_endpoint_serves_the_invoice,
    sending_issues_emails_the_pdf_and_records_it,
    sending_needs_a_recipient_and_a_live_invoice,
    an_smtp_relay_gets_the_message_and_a_refusal_is_a_502,
);
