//! What the desktop's invoice editor, detail and payments screen ask of the replica: whole
//! drafts saved with discounts and terms, edits that keep line ids, bad fields named with the
//! stored draft untouched, the facts' timeline, the payments list and the tax-rate presets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::replica::{Draft, DraftDiscount, DraftLine, NewCustomer, NewProduct, Replica, TaxRate};

fn replica(name: &str) -> Replica {
    let dir = std::env::temp_dir().join(format!("remit-{name}-{}", uuid::Uuid::now_v7().simple()));
    Replica::init(&dir).unwrap().0
}

fn customer(r: &mut Replica) -> String {
    let c = NewCustomer { name: "ACME Corporation".into(), currency: Some("USD".into()), ..Default::default() };
    r.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned()
}

fn line(description: &str, quantity: &str, price: &str, rate: &str) -> DraftLine {
    DraftLine {
        description: description.into(),
        quantity: quantity.into(),
        unit_price: price.into(),
        tax_rate: rate.into(),
        ..Default::default()
    }
}

fn percent(value: &str) -> Option<DraftDiscount> {
    Some(DraftDiscount { kind: "percent".into(), value: value.into() })
}

#[test]
fn a_whole_draft_is_saved_with_discounts_terms_and_product_lines_then_edited_line_by_line() {
    let mut r = replica("editor");
    let acme = customer(&mut r);
    let product = NewProduct {
        name: "Hosting".into(),
        unit_price: "20.00".into(),
        currency: "USD".into(),
        tax_rate: Some("10".into()),
        ..Default::default()
    };
    let hosting = r.create_product(product).unwrap()["id"].as_str().unwrap().to_owned();
    let mut from_product = line("Hosting", "12", "20.00", "10");
    from_product.product_id = Some(hosting.clone());
    let mut draft = Draft {
        customer_id: acme.clone(),
        due_date: Some("2026-12-31".parse().unwrap()),
        lines: vec![line("Web Development", "40", "150.00", "10"), from_product],
        discount: percent("10"),
        terms: Some("  Net 30; 2% late fee per month  ".into()),
        po_number: Some("PO-77".into()),
        ..Default::default()
    };
    draft.lines[0].discount = Some(DraftDiscount { kind: "amount".into(), value: "100.00".into() });
    let saved = r.save_draft(None, &draft).unwrap();
    let id = saved["id"].as_str().unwrap().to_owned();
    // (6000 - 100 + 240) = 6140, 10 % off the invoice = 5526, tax 10 % = 552.60.
    assert_eq!(saved["subtotal"], "6140.00", "{saved}");
    assert_eq!(saved["discount_total"], "614.00", "{saved}");
    assert_eq!(saved["total"], "6078.60", "{saved}");
    assert_eq!(
        (saved["terms"].as_str(), saved["po_number"].as_str()),
        (Some("Net 30; 2% late fee per month"), Some("PO-77"))
    );
    assert_eq!(saved["due_date"], "2026-12-31");
    assert_eq!(saved["line_items"][1]["product_id"], hosting.as_str());

    // Editing: the lines come back with their ids; one is changed, one removed, one added.
    let ids: Vec<String> =
        saved["line_items"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect();
    let mut kept = line("Web Development", "50", "150.00", "10");
    kept.id = Some(ids[0].clone());
    draft.lines = vec![kept, line("Design", "1", "500", "0")];
    draft.discount = None;
    let edited = r.save_draft(Some(&id), &draft).unwrap();
    assert_eq!(edited["line_items"].as_array().unwrap().len(), 2);
    assert_eq!(edited["line_items"][0]["id"], ids[0].as_str(), "the edited line keeps its id");
    assert_ne!(edited["line_items"][1]["id"], ids[1].as_str());
    assert_eq!(edited["total"], "8750.00", "7500 * 1.1 + 500, the discounts dropped: {edited}");
    assert_eq!(r.invoice(&id).unwrap()["total"], "8750.00", "what is stored is what was shown");
}

#[test]
fn a_bad_field_is_named_and_the_stored_draft_stays_as_it_was() {
    let mut r = replica("editor-bad");
    let acme = customer(&mut r);
    let draft =
        Draft { customer_id: acme.clone(), lines: vec![line("Work", "1", "100.00", "10")], ..Default::default() };
    let id = r.save_draft(None, &draft).unwrap()["id"].as_str().unwrap().to_owned();
    let before = r.invoice(&id).unwrap();
    let cases = [
        (line("Work", "1", "1,50", "10"), None, "line_items[1].unit_price"),
        (line("Work", "-1", "1.50", "10"), None, "line_items[1].quantity"),
        (line("Work", "1", "1.50", "150"), None, "line_items[1].tax_rate"),
        (
            line("Work", "1", "1.50", "0"),
            Some(DraftDiscount { kind: "half".into(), value: "5".into() }),
            "discount.kind",
        ),
        (line("Work", "1", "1.50", "0"), percent("abc"), "discount.value"),
        (line("Work", "1", "1.50", "0"), percent("120"), "discount"),
    ];
    for (bad, discount, field) in cases {
        let mut edit = draft.clone();
        edit.lines.push(bad);
        edit.discount = discount;
        let err = r.save_draft(Some(&id), &edit).unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert_eq!(r.invoice(&id).unwrap(), before, "a refused save changes nothing");
    }
    let mut early = draft.clone();
    (early.issue_date, early.due_date) = (Some("2026-12-10".parse().unwrap()), Some("2026-12-01".parse().unwrap()));
    assert!(r.save_draft(Some(&id), &early).unwrap_err().to_string().contains("due_date"));
    let mut unknown_product = draft.clone();
    unknown_product.lines[0].product_id = Some(uuid::Uuid::now_v7().to_string());
    assert!(r.save_draft(None, &unknown_product).unwrap_err().to_string().contains("line_items[0].product_id"));
    let no_customer = Draft { customer_id: uuid::Uuid::now_v7().to_string(), ..draft.clone() };
    assert_eq!(r.save_draft(None, &no_customer).unwrap_err().code(), "not_found");
    assert_eq!(r.invoices(&Default::default()).unwrap().len(), 1, "no half-made invoice");
    // Issued, it is frozen.
    r.issue_invoice(&id).unwrap();
    assert_eq!(r.save_draft(Some(&id), &draft).unwrap_err().code(), "invoice_not_editable");
}

#[test]
fn the_timeline_and_the_payments_list_come_from_the_facts() {
    let mut r = replica("timeline");
    let acme = customer(&mut r);
    let draft = Draft { customer_id: acme, lines: vec![line("Work", "1", "100.00", "0")], ..Default::default() };
    let id = r.save_draft(None, &draft).unwrap()["id"].as_str().unwrap().to_owned();
    assert!(r.timeline(&id).unwrap().is_empty(), "a draft has no facts yet");
    let other = r.save_draft(None, &draft).unwrap()["id"].as_str().unwrap().to_owned();
    for i in [&id, &other] {
        r.issue_invoice(i).unwrap();
    }
    r.record_payment(&id, "30.00", "cash").unwrap();
    r.record_payment(&other, "100.00", "check").unwrap();
    r.record_payment(&id, "20.00", "bank_transfer").unwrap();
    let t = r.timeline(&id).unwrap();
    let kinds: Vec<&str> = t.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["issued", "payment_recorded", "payment_recorded"]);
    assert!(t[0].detail.as_deref().unwrap().ends_with("-0001"), "{t:?}");
    assert_eq!(
        (t[1].amount.as_deref(), t[1].detail.as_deref(), t[1].state.as_str()),
        (Some("30.00"), Some("cash"), "queued")
    );
    assert_eq!(r.timeline("not-an-id").unwrap_err().code(), "not_found");

    let page = r.payments_page(0, 2).unwrap();
    assert_eq!(page.total, 3);
    let got: Vec<(&str, &str)> = page.rows.iter().map(|p| (p.amount.as_str(), p.method.as_str())).collect();
    assert_eq!(got, [("20.00", "bank_transfer"), ("100.00", "check")], "newest first");
    let rest = r.payments_page(2, 2).unwrap();
    assert_eq!((rest.rows.len(), rest.rows[0].amount.as_str()), (1, "30.00"));
    assert_eq!(rest.rows[0].customer_name, "ACME Corporation");
}

#[test]
fn tax_rate_presets_are_checked_as_a_whole() {
    let mut r = replica("rates");
    assert!(r.tax_rates().unwrap().is_empty());
    let rate = |name: &str, rate: &str| TaxRate { name: name.into(), rate: rate.into() };
    let saved = r.set_tax_rates(vec![rate(" GST ", "10.00"), rate("Reduced", "7.5"), rate("Zero", "0")]).unwrap();
    assert_eq!(saved, [rate("GST", "10"), rate("Reduced", "7.5"), rate("Zero", "0")]);
    for (bad, says) in [
        (vec![rate("GST", "10"), rate("gst", "5")], "listed twice"),
        (vec![rate("", "10")], "name"),
        (vec![rate("Odd", "101")], "0 to 100"),
        (vec![rate("Odd", "ten")], "decimal"),
    ] {
        let err = r.set_tax_rates(bad).unwrap_err();
        assert!(err.to_string().contains(says), "{says}: {err}");
        assert_eq!(r.tax_rates().unwrap(), saved, "the stored list is kept");
    }
}
