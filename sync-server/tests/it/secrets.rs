//! Tenants' secrets at rest (`remit_server::secrets`) against the real stores: sealed under the
//! server's own key, a value still opens after the operator sets `REMIT_SECRETS_KEY` (and is
//! then sealed under it), and never opens under another operator key or for another tenant.

use std::sync::Arc;

use remit_core::TenantId;
use remit_server::AppState;
use remit_server::secrets::{PREFIX, open, seal};

use crate::harness::Harness;

both_stores!(a_sealed_secret_survives_the_operator_setting_a_key);

fn with_key(state: &AppState, key: [u8; 32]) -> AppState {
    AppState { sealing_key: Arc::new(tokio::sync::OnceCell::new_with(Some(key.to_vec()))), ..state.clone() }
}

async fn a_sealed_secret_survives_the_operator_setting_a_key(h: Harness) {
    let own = AppState::new(h.store.clone());
    let tenant = TenantId::from_uuid(uuid::Uuid::now_v7());
    let purpose = "bank_feed.access_token";
    let before = seal(&own, tenant, purpose, "access-sandbox-1").await.unwrap();
    assert!(before.starts_with(PREFIX) && !before.contains("access-sandbox"), "{before}");
    assert_eq!(open(&own, tenant, purpose, &before).await.unwrap(), "access-sandbox-1");
    let other_tenant = TenantId::from_uuid(uuid::Uuid::now_v7());
    assert!(open(&own, other_tenant, purpose, &before).await.is_err(), "bound to its tenant");

    // The operator sets a key: what was sealed before still opens; what is sealed now needs it.
    let keyed = with_key(&own, [42; 32]);
    assert_eq!(open(&keyed, tenant, purpose, &before).await.unwrap(), "access-sandbox-1");
    let after = seal(&keyed, tenant, purpose, "access-sandbox-1").await.unwrap();
    assert_eq!(open(&keyed, tenant, purpose, &after).await.unwrap(), "access-sandbox-1");
    assert!(open(&own, tenant, purpose, &after).await.is_err(), "the database's own key does not open it");
    let wrong = with_key(&own, [7; 32]);
    assert!(open(&wrong, tenant, purpose, &after).await.is_err(), "nor another operator key");
    // A value from before sealing is read as it is (sealed at its next write).
    assert_eq!(open(&keyed, tenant, purpose, "access-plain").await.unwrap(), "access-plain");
}
