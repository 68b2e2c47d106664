//! The store's contract, run against SQLite and PostgreSQL alike.

use remit_core::{Email, Role, TenantId};
use remit_server::audit::{self, AuditActor, AuditEvent, RequestContext};
use remit_server::credentials::Token;
use remit_server::error::Error;
use remit_server::store::{NewTenant, NewUser, Plan};

use crate::harness::Harness;

fn user(email: &str, role: Role) -> NewUser {
    NewUser { email: Email::parse(email).unwrap(), role, password_hash: None }
}

async fn verify(h: &Harness, tenant: TenantId) -> audit::Verification {
    let chain = h.store.audit_chain(tenant).await.unwrap();
    audit::verify(&chain.entries, chain.head)
}

pub async fn provisioning_creates_tenant_owner_key_and_audit(h: Harness) {
    let (tenant, owner) = h.tenant("acme", Plan::Starter).await;
    let stored = h.store.tenant(tenant.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.name.as_str(), stored.subdomain.as_deref(), stored.plan),
        ("acme Ltd", Some("acme"), Plan::Starter)
    );
    assert_eq!((stored.max_users, stored.max_invoices), (Some(3), Some(100)));
    let trial = stored.trial_ends_at.unwrap() - stored.created_at;
    assert_eq!(trial.num_days(), 14, "a 14-day trial");
    let principal = h.store.authenticate(&owner.api_key).await.unwrap().unwrap();
    assert_eq!((principal.tenant_id, principal.user_id, principal.role), (tenant.id, owner.user_id, Role::Owner));
    let chain = h.store.audit_chain(tenant.id).await.unwrap();
    let events: Vec<_> = chain.entries.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(events, ["tenant.created", "user.created"]);
    assert!(!chain.entries[1].metadata.contains(&owner.api_key.expose()), "the key itself is never logged");
    assert!(verify(&h, tenant.id).await.valid);
}

pub async fn bad_tenant_input_is_refused_and_nothing_is_written(h: Harness) {
    let (first, _) = h.tenant("taken", Plan::Professional).await;
    let before = (h.count("tenants").await, h.count("users").await, h.count("audit_log").await);
    let again = NewTenant { name: "Other".into(), subdomain: Some("taken".into()), plan: Plan::Starter };
    let err = h
        .store
        .create_tenant(again, user("o@other.example", Role::Owner), &RequestContext::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    let padded = format!("name{}", "\u{c}".repeat(300));
    for (name, sub) in [("", None), ("Fine", Some("Not_Valid")), ("Fine", Some("-edge")), (padded.as_str(), None)] {
        let bad = NewTenant { name: name.into(), subdomain: sub.map(Into::into), plan: Plan::Starter };
        let err =
            h.store.create_tenant(bad, user("o@x.example", Role::Owner), &RequestContext::default()).await.unwrap_err();
        assert!(matches!(err, Error::BadRequest(_)), "{name:?} {sub:?}: {err}");
    }
    let after = (h.count("tenants").await, h.count("users").await, h.count("audit_log").await);
    assert_eq!(before, after, "a refused tenant leaves no row behind");
    assert!(verify(&h, first.id).await.valid);
}

pub async fn users_are_limited_by_plan_and_unique_by_email(h: Harness) {
    let (tenant, _) = h.tenant("small", Plan::Starter).await;
    let by = AuditActor::system("test");
    let ctx = RequestContext::default();
    h.store.create_user(tenant.id, user("a@small.example", Role::Accountant), &by, &ctx).await.unwrap();
    let err = h.store.create_user(tenant.id, user("a@small.example", Role::Viewer), &by, &ctx).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    h.store.create_user(tenant.id, user("b@small.example", Role::Viewer), &by, &ctx).await.unwrap();
    let users = h.count("users").await;
    let err = h.store.create_user(tenant.id, user("c@small.example", Role::Viewer), &by, &ctx).await.unwrap_err();
    assert!(matches!(err, Error::PlanLimit(_)), "the starter plan has 3 users: {err}");
    assert_eq!(h.count("users").await, users, "nothing half-written");
    // A removed user no longer counts against the plan.
    let b = h.store.create_user(tenant.id, user("b2@small.example", Role::Viewer), &by, &ctx).await;
    assert!(matches!(b, Err(Error::PlanLimit(_))));
    let listed = h.store.users(tenant.id).await.unwrap();
    let accountant = listed.iter().find(|u| u.role == Role::Accountant).unwrap().id;
    h.store.remove_user(tenant.id, accountant, &by, &ctx).await.unwrap();
    h.store.create_user(tenant.id, user("c@small.example", Role::Viewer), &by, &ctx).await.unwrap();
    assert_eq!(h.store.audit_chain(tenant.id).await.unwrap().entries.len(), 6, "provisioning, 3 users, 1 removal");
    let missing = TenantId::from_uuid(uuid::Uuid::now_v7());
    assert!(matches!(
        h.store.create_user(missing, user("x@y.example", Role::Viewer), &by, &ctx).await,
        Err(Error::NotFound(_))
    ));
}

pub async fn concurrent_invitations_never_exceed_the_plan(h: Harness) {
    let (tenant, _) = h.tenant("race", Plan::Starter).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move {
            let by = AuditActor::system("test");
            store
                .create_user(
                    tenant.id,
                    user(&format!("u{i}@race.example"), Role::Viewer),
                    &by,
                    &RequestContext::default(),
                )
                .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(Error::PlanLimit(_)) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 2, "the owner and two more: the starter plan's three users");
    assert_eq!(h.count("users").await, 3);
}

pub async fn only_issued_keys_authenticate(h: Harness) {
    let (tenant, owner) = h.tenant("keys", Plan::Enterprise).await;
    let (other, other_owner) = h.tenant("other", Plan::Enterprise).await;
    assert_eq!(h.store.authenticate(&owner.api_key).await.unwrap().unwrap().tenant_id, tenant.id);
    assert_eq!(h.store.authenticate(&other_owner.api_key).await.unwrap().unwrap().tenant_id, other.id);
    let guessed = Token::generate(tenant.id).unwrap();
    assert_eq!(h.store.authenticate(&guessed).await.unwrap(), None);
    // Another tenant's secret under this tenant's id is not a key of either.
    let swapped = Token::parse(
        &other_owner
            .api_key
            .expose()
            .replace(&other.id.as_uuid().simple().to_string(), &tenant.id.as_uuid().simple().to_string()),
    )
    .unwrap();
    assert_eq!(h.store.authenticate(&swapped).await.unwrap(), None);
    let unknown_tenant = Token::generate(TenantId::from_uuid(uuid::Uuid::now_v7())).unwrap();
    assert_eq!(h.store.authenticate(&unknown_tenant).await.unwrap(), None);
}

pub async fn concurrent_writers_never_fork_the_chain(h: Harness) {
    let (tenant, _) = h.tenant("busy", Plan::Enterprise).await;
    let (quiet, _) = h.tenant("quiet", Plan::Enterprise).await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let store = h.store.clone();
        tasks.push(tokio::spawn(async move {
            let event = AuditEvent::new("invoice.viewed", AuditActor::system("test"), "view").resource("invoice", i);
            store.record(tenant.id, event).await
        }));
    }
    // Verifying while others append never reports a break that is not there.
    for _ in 0..10 {
        let v = verify(&h, tenant.id).await;
        assert!(v.valid, "verify during appends: {v:?}");
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let v = verify(&h, tenant.id).await;
    assert!(v.valid, "{v:?}");
    assert_eq!(v.entries, 34);
    assert_eq!(verify(&h, quiet.id).await.entries, 2, "another tenant's chain is untouched");
}

pub async fn tampering_with_stored_entries_is_detected(h: Harness) {
    let (tenant, _) = h.tenant("audited", Plan::Enterprise).await;
    for i in 0..3 {
        let event = AuditEvent::new("invoice.updated", AuditActor::system("test"), "update").resource("invoice", i);
        h.store.record(tenant.id, event).await.unwrap();
    }
    // The store refuses to change history...
    let edit = format!("UPDATE audit_log SET status = 'failure' WHERE seq = 3 AND tenant_id = '{}'", tenant.id);
    assert!(h.raw(&edit).await.is_err(), "audit entries cannot be updated");
    assert!(h.raw("DELETE FROM audit_log").await.is_err(), "audit entries cannot be deleted");
    // ...and if someone with the keys to the database does it anyway, the chain shows where.
    let disable = match h.db {
        crate::harness::Db::Sqlite { .. } => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        crate::harness::Db::Postgres { .. } => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;",
    };
    h.raw(disable).await.unwrap();
    h.raw(&edit).await.unwrap();
    let v = verify(&h, tenant.id).await;
    assert_eq!(v.first_broken.map(|b| b.seq), Some(3));
    h.raw(&format!("UPDATE audit_log SET status = 'success' WHERE seq = 3 AND tenant_id = '{}'", tenant.id))
        .await
        .unwrap();
    assert!(verify(&h, tenant.id).await.valid, "restored");
    h.raw(&format!("DELETE FROM audit_log WHERE seq = 5 AND tenant_id = '{}'", tenant.id)).await.unwrap();
    assert!(!verify(&h, tenant.id).await.valid, "a deleted newest entry is missed by no one");
}

both_stores!(
    provisioning_creates_tenant_owner_key_and_audit,
    concurrent_invitations_never_exceed_the_plan,
    bad_tenant_input_is_refused_and_nothing_is_written,
    users_are_limited_by_plan_and_unique_by_email,
    only_issued_keys_authenticate,
    concurrent_writers_never_fork_the_chain,
    tampering_with_stored_entries_is_detected,
);
