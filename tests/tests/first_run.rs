//! A first run with no server: the company profile entered on the device, and what becomes of
//! it when the device connects (SQLite and PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::pdf::Seller;
use remit_tests::{Db, Server, Standalone};
use serde_json::json;

remit_tests::both_stores!(
    a_profile_entered_offline_names_a_tenant_that_has_none,
    a_tenant_with_a_profile_keeps_it_and_the_typed_one_is_listed,
);

fn profile(name: &str) -> Seller {
    Seller {
        name: format!("  {name} "),
        address: vec!["1 Main St".into(), "  ".into(), "Springfield".into()],
        email: Some("".into()),
        tax_id: Some("GB123".into()),
        ..Default::default()
    }
}

fn a_profile_entered_offline_names_a_tenant_that_has_none(db: Db) {
    let server = Server::start(db);
    let mut alone = Standalone::new();
    // Bad input changes nothing.
    let err = alone.replica.set_company_profile(Seller { name: " ".into(), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("company name is required"), "{err}");
    let long = Seller { name: "x".repeat(256), ..Default::default() };
    assert!(alone.replica.set_company_profile(long).is_err());
    assert!(alone.replica.company_profile().unwrap().is_none(), "nothing kept from refused input");

    let kept = alone.replica.set_company_profile(profile("Field Co")).unwrap();
    assert_eq!((kept.name.as_str(), kept.address.len(), kept.email.clone()), ("Field Co", 2, None));
    assert_eq!(alone.replica.company_profile().unwrap().unwrap(), kept);

    let mut device = alone.connect(&server, &server.owner_key);
    device.sync();
    let company = server.get(&server.owner_key, "/v1/settings/company");
    assert_eq!((company["name"].as_str(), company["tax_id"].as_str()), (Some("Field Co"), Some("GB123")), "{company}");
    assert_eq!(device.replica.company_profile().unwrap().unwrap().name, "Field Co");
    assert!(device.replica.conflicts().unwrap().is_empty());

    // Changed in Settings once connected: the tenant's profile changes with the next sync.
    device.replica.set_company_profile(profile("Field Co Pty Ltd")).unwrap();
    device.sync();
    assert_eq!(server.get(&server.owner_key, "/v1/settings/company")["name"], "Field Co Pty Ltd");
    assert!(device.replica.conflicts().unwrap().is_empty());
}

fn a_tenant_with_a_profile_keeps_it_and_the_typed_one_is_listed(db: Db) {
    let server = Server::start(db);
    server.put(&server.owner_key, "/v1/settings/company", json!({ "name": "Head Office Ltd" }));
    let mut alone = Standalone::new();
    alone.replica.set_company_profile(profile("Field Co")).unwrap();
    let mut device = alone.connect(&server, &server.owner_key);
    device.sync();
    assert_eq!(server.get(&server.owner_key, "/v1/settings/company")["name"], "Head Office Ltd");
    assert_eq!(device.replica.company_profile().unwrap().unwrap().name, "Head Office Ltd");
    let conflicts = device.replica.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0]["kind"], "profile_replaced");
    assert!(conflicts[0]["detail"].as_str().unwrap().contains("Field Co"), "nothing typed is lost unseen");
}
