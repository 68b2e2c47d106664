//! The invoice list's pages: the status as shown (overdue included), search, sort, paging and
//! counting, all agreeing with the full invoice views.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use chrono::{Duration, Utc};
use remit_client::replica::{InvoiceFilter, InvoiceSort, NewCustomer, NewInvoice, Replica};

fn filter(status: Option<&str>, search: Option<&str>) -> InvoiceFilter {
    InvoiceFilter { status: status.map(Into::into), search: search.map(Into::into) }
}

#[test]
fn pages_filter_sort_and_count_as_the_views_say() {
    let dir = std::env::temp_dir().join(format!("remit-list-{}", uuid::Uuid::now_v7().simple()));
    let (mut r, _) = Replica::init(&dir).unwrap();
    let mut customer = |name: &str| {
        let c = NewCustomer { name: name.into(), currency: Some("USD".into()), ..Default::default() };
        r.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let (acme, globex) = (customer("ACME Corporation"), customer("Globex Ltd"));
    let today = Utc::now().date_naive();
    let mut make = |customer: &str, price: &str, days_ago: i64| {
        let input = NewInvoice {
            customer_id: customer.into(),
            issue_date: Some(today - Duration::days(days_ago)),
            due_date: Some(today - Duration::days(days_ago) + Duration::days(10)),
            lines: vec![format!("Work|1|{price}|0").parse().unwrap()],
            ..Default::default()
        };
        r.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let overdue = make(&acme, "100.00", 40);
    let paid = make(&acme, "250.00", 40);
    let open = make(&globex, "75.50", 1);
    let draft = make(&globex, "1000.00", 40);
    for id in [&overdue, &paid, &open] {
        r.issue_invoice(id).unwrap();
    }
    r.record_payment(&paid, "250.00", "cash").unwrap();

    let all = r.invoice_page(&filter(None, None), InvoiceSort::Newest, 0, 100).unwrap();
    assert_eq!(all.matching, 4);
    for row in &all.rows {
        let view = r.invoice(&row.id).unwrap();
        let shown = (view["status"].as_str(), view["total"].as_str(), view["amount_due"].as_str());
        assert_eq!(shown, (Some(row.status.as_str()), Some(row.total.as_str()), Some(row.amount_due.as_str())));
    }
    let status_of = |id: &str| all.rows.iter().find(|x| x.id == id).unwrap().status.clone();
    assert_eq!(
        [status_of(&overdue), status_of(&paid), status_of(&open), status_of(&draft)],
        ["overdue", "paid", "issued", "draft"].map(String::from),
        "a draft past its due date is not overdue; money owed past it is"
    );

    let only = r.invoice_page(&filter(Some("overdue"), None), InvoiceSort::Newest, 0, 100).unwrap();
    assert_eq!((only.matching, only.rows[0].id.as_str()), (1, overdue.as_str()));
    let globex_rows = r.invoice_page(&filter(None, Some("  GLOBEX ")), InvoiceSort::TotalDesc, 0, 100).unwrap();
    let totals: Vec<_> = globex_rows.rows.iter().map(|x| x.total.as_str()).collect();
    assert_eq!(totals, ["1000.00", "75.50"], "search is case-insensitive; sorted by total, largest first");
    let none = r.invoice_page(&filter(Some("paid"), Some("globex")), InvoiceSort::Newest, 0, 100).unwrap();
    assert_eq!((none.matching, none.rows.len()), (0, 0));

    // Pages of 2: the same rows as one page, in the same order, and the same count.
    let by_due: Vec<_> = (0..2)
        .flat_map(|p| r.invoice_page(&filter(None, None), InvoiceSort::DueDesc, p * 2, 2).unwrap().rows)
        .map(|x| x.id)
        .collect();
    let at_once: Vec<_> = r
        .invoice_page(&filter(None, None), InvoiceSort::DueDesc, 0, 4)
        .unwrap()
        .rows
        .into_iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(by_due, at_once);
    assert_eq!(at_once[0], draft, "the largest amount due first");

    for bad in [0, remit_client::replica::MAX_PAGE + 1] {
        let err = r.invoice_page(&filter(None, None), InvoiceSort::Newest, 0, bad).unwrap_err();
        assert_eq!(err.code(), "invalid_request", "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
