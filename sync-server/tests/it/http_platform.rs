//! Users, the audit log and HTTP conventions, over HTTP against both stores.

use remit_core::Role;
use remit_server::store::Plan;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::harness::Harness;

/// A tenant with one user per role, on a running server.
pub struct Office {
    _h: Harness,
    pub base: String,
    /// Where the server files the emails it sends (no SMTP relay in these tests).
    pub outbox: std::path::PathBuf,
    keys: Vec<(Role, String)>,
    _server: crate::TestServer,
}

impl Office {
    pub async fn open(h: Harness) -> Office {
        let (_, owner) = h.tenant("office", Plan::Enterprise).await;
        let outbox = std::env::temp_dir().join(format!("remit-outbox-{}", uuid::Uuid::now_v7().simple()));
        let mailer = std::sync::Arc::new(remit_server::mail::Mailer::Folder(outbox.clone()));
        let server =
            crate::start_with(remit_server::AppState { mailer, ..remit_server::AppState::new(h.store.clone()) }).await;
        let base = server.base.clone();
        let mut keys = vec![(Role::Owner, owner.api_key.expose())];
        for role in [Role::Admin, Role::Accountant, Role::Manager, Role::TeamMember, Role::Viewer] {
            let body = json!({ "email": format!("{}@office.example", role.as_str()), "role": role });
            let res = Client::new()
                .post(format!("{base}/v1/users"))
                .bearer_auth(&keys[0].1)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED, "creating {role}");
            let created: Value = res.json().await.unwrap();
            keys.push((role, created["api_key"].as_str().unwrap().to_owned()));
        }
        Office { _h: h, base, outbox, keys, _server: server }
    }

    pub fn store(&self) -> std::sync::Arc<dyn remit_server::store::Store> {
        self._h.store.clone()
    }

    pub fn key(&self, role: Role) -> &str {
        &self.keys.iter().find(|(r, _)| *r == role).unwrap().1
    }

    pub async fn get(&self, role: Role, path: &str) -> reqwest::Response {
        Client::new().get(format!("{}{path}", self.base)).bearer_auth(self.key(role)).send().await.unwrap()
    }
}

pub async fn users_and_audit_access_follow_the_matrix(h: Harness) {
    let office = Office::open(h).await;
    // "Manage users": owner and admin only (spec 6.2). Audit log: owner, admin, viewer (6.4).
    for role in Role::ALL {
        let users = office.get(role, "/v1/users").await.status();
        let manages = matches!(role, Role::Owner | Role::Admin);
        assert_eq!(users == StatusCode::OK, manages, "{role} GET /v1/users gave {users}");
        let audit = office.get(role, "/v1/audit-logs").await.status();
        let audits = matches!(role, Role::Owner | Role::Admin | Role::Viewer);
        assert_eq!(audit == StatusCode::OK, audits, "{role} GET /v1/audit-logs gave {audit}");
    }
    // "Manage settings" (registering API clients): owner and admin. "Manage billing" (handing
    // over the tenant): the owner only, walked with a target that cannot be taken so nothing
    // changes: a 409 means the permission check passed.
    for role in Role::ALL {
        let res = Client::new()
            .post(format!("{}/v1/api-clients", office.base))
            .bearer_auth(office.key(role))
            .json(&json!({"name": format!("{role} client"), "scopes": ["report.view"]}))
            .send()
            .await
            .unwrap();
        let settings = matches!(role, Role::Owner | Role::Admin);
        // An admin or owner lacking nothing gets 201; everyone else 403.
        assert_eq!(res.status() == StatusCode::CREATED, settings, "{role} POST /v1/api-clients gave {}", res.status());
        let me: Value = office.get(role, "/v1/me").await.json().await.unwrap();
        let own_id = me["user"]["id"].as_str().unwrap().to_owned();
        let res = Client::new()
            .post(format!("{}/v1/users/{own_id}/transfer-ownership", office.base))
            .bearer_auth(office.key(role))
            .send()
            .await
            .unwrap();
        let expected = if role == Role::Owner { StatusCode::CONFLICT } else { StatusCode::FORBIDDEN };
        assert_eq!(res.status(), expected, "{role} transfer-ownership");
    }
    let denied = office.get(Role::Manager, "/v1/users").await;
    assert_eq!(denied.headers()["content-type"], "application/problem+json");
    assert_eq!(denied.json::<Value>().await.unwrap()["code"], "forbidden");
    let listed: Value = office.get(Role::Admin, "/v1/users").await.json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 6);
    // Every denial above is on the record.
    let denials: Value =
        office.get(Role::Owner, "/v1/audit-logs?event_type=permission.denied&limit=500").await.json().await.unwrap();
    // Users: accountant, manager, team member, viewer; audit log: accountant, manager, team
    // member; API clients: the same four as users; billing: everyone but the owner; and the
    // manager's second try above.
    assert_eq!(denials["data"].as_array().unwrap().len(), 4 + 3 + 4 + 5 + 1);
    assert!(denials["data"].as_array().unwrap().iter().all(|e| e["status"] == "failure"));
}

pub async fn creating_users_checks_input_and_roles(h: Harness) {
    let office = Office::open(h).await;
    let post = |body: Value| {
        Client::new().post(format!("{}/v1/users", office.base)).bearer_auth(office.key(Role::Admin)).json(&body).send()
    };
    let res = post(json!({"email": "second-owner@office.example", "role": "owner"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_role");
    let res = post(json!({"email": "not an email", "role": "viewer"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post(json!({"email": "x@office.example", "role": "emperor"})).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_request");
    let res = post(json!({"email": "viewer@office.example", "role": "viewer"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "the email is taken");
    let res = Client::new()
        .post(format!("{}/v1/users", office.base))
        .bearer_auth(office.key(Role::Admin))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "malformed_json");
    let res = post(json!({"email": "nul\u{0}@office.example", "role": "viewer"})).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_text");
    let listed: Value = office.get(Role::Owner, "/v1/users").await.json().await.unwrap();
    assert_eq!(listed["data"].as_array().unwrap().len(), 6, "no refused request added a user");
}

pub async fn the_audit_log_filters_pages_exports_and_verifies(h: Harness) {
    let office = Office::open(h).await;
    // Provisioning (tenant and owner) and five users created so far.
    let page1: Value = office.get(Role::Viewer, "/v1/audit-logs?limit=3").await.json().await.unwrap();
    let seqs = |p: &Value| p["data"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(seqs(&page1), [1, 2, 3]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2: Value =
        office.get(Role::Viewer, &format!("/v1/audit-logs?limit=3&cursor={cursor}")).await.json().await.unwrap();
    assert_eq!(seqs(&page2), [4, 5, 6]);
    let filtered: Value =
        office.get(Role::Viewer, "/v1/audit-logs?event_type=user.created&q=ACCOUNTANT").await.json().await.unwrap();
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1, "text search is case-insensitive");
    let wildcard: Value = office.get(Role::Viewer, "/v1/audit-logs?q=%25").await.json().await.unwrap();
    assert_eq!(wildcard["data"].as_array().unwrap().len(), 0, "a % in the search is text, not a wildcard");
    let future: Value =
        office.get(Role::Viewer, "/v1/audit-logs?from=2999-01-01T00:00:00Z").await.json().await.unwrap();
    assert!(future["data"].as_array().unwrap().is_empty());
    for bad in [
        "/v1/audit-logs?limit=0",
        "/v1/audit-logs?cursor=abc",
        "/v1/audit-logs?from=yesterday",
        "/v1/audit-logs?q=a%00b",
    ] {
        let res = office.get(Role::Viewer, bad).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }

    let csv = office.get(Role::Admin, "/v1/audit-logs/export?format=csv&event_type=user.created").await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("tenant_id,seq,event_type"));
    assert_eq!(lines.len(), 1 + 6, "a header, the owner and the five users created");
    let json: Value = office.get(Role::Admin, "/v1/audit-logs/export?format=json").await.json().await.unwrap();
    assert!(json.as_array().unwrap().len() >= 8);
    assert_eq!(
        office.get(Role::Admin, "/v1/audit-logs/export?format=xml").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let verify: Value = office.get(Role::Viewer, "/v1/audit-logs/verify").await.json().await.unwrap();
    assert_eq!(verify["valid"], true);
    assert!(verify["entries"].as_i64().unwrap() >= 9, "exports are audited too: {verify}");
}

pub async fn conventions_request_ids_and_problem_json(h: Harness) {
    let office = Office::open(h).await;
    let res =
        Client::new().get(format!("{}/v1/me", office.base)).header("x-request-id", "req-abc123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "req-abc123", "the client's request id is echoed");
    let res = office.get(Role::Owner, "/v1/me").await;
    assert_eq!(res.headers()["x-request-id"].to_str().unwrap().len(), 36, "a request id is made when none came");
    let res = office.get(Role::Owner, "/v1/no-such-thing").await;
    assert_eq!(
        (res.status(), res.headers()["content-type"].to_str().unwrap()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
    let res = Client::new().delete(format!("{}/v1/me", office.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "method_not_allowed");
    // The request id reaches the audit entry of what the request did.
    let res = Client::new()
        .post(format!("{}/v1/users", office.base))
        .bearer_auth(office.key(Role::Owner))
        .header("x-request-id", "req-create-ann")
        .header("user-agent", "remit-tests")
        .json(&json!({"email": "ann@office.example", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let entries: Value = office.get(Role::Owner, "/v1/audit-logs?q=ann%40office").await.json().await.unwrap();
    let entry = &entries["data"][0];
    assert_eq!(
        (entry["request_id"].as_str(), entry["user_agent"].as_str()),
        (Some("req-create-ann"), Some("remit-tests"))
    );
    assert_eq!(entry["ip_address"], "127.0.0.1");
    assert_eq!(entry["actor_type"], "user");
}

pub async fn removing_members_and_transferring_ownership(h: Harness) {
    let office = Office::open(h).await;
    let client = Client::new();
    let users: Value = office.get(Role::Owner, "/v1/users").await.json().await.unwrap();
    let id_of = |role: &str| {
        users["data"].as_array().unwrap().iter().find(|u| u["role"] == role).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let delete = |role: Role, id: String| {
        client.delete(format!("{}/v1/users/{id}", office.base)).bearer_auth(office.key(role).to_owned()).send()
    };
    assert_eq!(delete(Role::Manager, id_of("viewer")).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(delete(Role::Admin, id_of("owner")).await.unwrap().status(), StatusCode::CONFLICT, "the owner stays");
    assert_eq!(delete(Role::Admin, id_of("admin")).await.unwrap().status(), StatusCode::CONFLICT, "not yourself");
    assert_eq!(delete(Role::Admin, uuid::Uuid::now_v7().to_string()).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(delete(Role::Admin, "not-a-uuid".into()).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(office.get(Role::Viewer, "/v1/me").await.status(), StatusCode::OK);
    assert_eq!(delete(Role::Admin, id_of("viewer")).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(
        office.get(Role::Viewer, "/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "their key stopped working"
    );
    assert_eq!(delete(Role::Admin, id_of("viewer")).await.unwrap().status(), StatusCode::NOT_FOUND, "already removed");
    let after: Value = office.get(Role::Owner, "/v1/users").await.json().await.unwrap();
    let viewer = after["data"].as_array().unwrap().iter().find(|u| u["role"] == "viewer").unwrap();
    assert_eq!(viewer["status"], "disabled", "kept for the record, disabled");

    let transfer = |role: Role, id: String| {
        client
            .post(format!("{}/v1/users/{id}/transfer-ownership", office.base))
            .bearer_auth(office.key(role).to_owned())
            .send()
    };
    assert_eq!(transfer(Role::Admin, id_of("admin")).await.unwrap().status(), StatusCode::FORBIDDEN, "only the owner");
    assert_eq!(
        transfer(Role::Owner, id_of("viewer")).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "not to a removed user"
    );
    assert_eq!(transfer(Role::Owner, id_of("owner")).await.unwrap().status(), StatusCode::CONFLICT);
    assert_eq!(transfer(Role::Owner, id_of("accountant")).await.unwrap().status(), StatusCode::NO_CONTENT);
    let old_owner: Value = office.get(Role::Owner, "/v1/me").await.json().await.unwrap();
    assert_eq!(old_owner["role"], "admin");
    let new_owner: Value = office.get(Role::Accountant, "/v1/me").await.json().await.unwrap();
    assert_eq!(new_owner["role"], "owner");
    let owners = office.get(Role::Accountant, "/v1/users").await.json::<Value>().await.unwrap()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "owner")
        .count();
    assert_eq!(owners, 1, "exactly one owner");
    let events: Value =
        office.get(Role::Accountant, "/v1/audit-logs?event_type=ownership.transferred").await.json().await.unwrap();
    assert_eq!(events["data"].as_array().unwrap().len(), 1);
    let removed: Value =
        office.get(Role::Accountant, "/v1/audit-logs?event_type=user.removed").await.json().await.unwrap();
    assert_eq!(removed["data"][0]["changes"], r#"{"status":{"new":"disabled","old":"active"}}"#);
}

pub async fn api_keys_are_listed_by_prefix_and_revocable(h: Harness) {
    let office = Office::open(h).await;
    let client = Client::new();
    let created = client
        .post(format!("{}/v1/api-keys", office.base))
        .bearer_auth(office.key(Role::Manager))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let second = created["api_key"].as_str().unwrap().to_owned();
    assert_eq!(office.get(Role::Manager, "/v1/me").await.status(), StatusCode::OK);
    let mine: Value = office.get(Role::Manager, "/v1/api-keys").await.json().await.unwrap();
    let keys = mine["data"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "the first key and the new one");
    assert!(!mine.to_string().contains(&second), "lists show prefixes, never keys");
    assert!(keys.iter().all(|k| k["prefix"].as_str().unwrap().starts_with("rk_")));

    let revoke = |role: Role, id: &str| {
        client.delete(format!("{}/v1/api-keys/{id}", office.base)).bearer_auth(office.key(role).to_owned()).send()
    };
    let id = created["id"].as_str().unwrap();
    assert_eq!(revoke(Role::Viewer, id).await.unwrap().status(), StatusCode::NOT_FOUND, "not the viewer's key");
    assert_eq!(revoke(Role::Manager, id).await.unwrap().status(), StatusCode::NO_CONTENT);
    let res = client.get(format!("{}/v1/me", office.base)).bearer_auth(&second).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a revoked key stops at once");
    assert_eq!(revoke(Role::Manager, id).await.unwrap().status(), StatusCode::NOT_FOUND, "already revoked");
    assert_eq!(revoke(Role::Manager, "nope").await.unwrap().status(), StatusCode::NOT_FOUND);
    // An administrator may revoke anyone's key.
    let viewer_keys: Value = office.get(Role::Viewer, "/v1/api-keys").await.json().await.unwrap();
    let viewer_key = viewer_keys["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(revoke(Role::Admin, &viewer_key).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(office.get(Role::Viewer, "/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let events: Value = office.get(Role::Owner, "/v1/audit-logs?resource_type=api_key").await.json().await.unwrap();
    let kinds: Vec<&str> =
        events["data"].as_array().unwrap().iter().map(|e| e["event_type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["api_key.created", "api_key.revoked", "api_key.revoked"]);
}

pub async fn oauth_clients_get_scoped_jwt_access_tokens(h: Harness) {
    let office = Office::open(h).await;
    let client = Client::new();
    let register = |role: Role, body: Value| {
        client
            .post(format!("{}/v1/api-clients", office.base))
            .bearer_auth(office.key(role).to_owned())
            .json(&body)
            .send()
    };
    assert_eq!(register(Role::Viewer, json!({"name": "x"})).await.unwrap().status(), StatusCode::FORBIDDEN);
    let too_much = register(Role::Admin, json!({"name": "x", "scopes": ["billing.manage"]})).await.unwrap();
    assert_eq!(too_much.status(), StatusCode::UNPROCESSABLE_ENTITY, "an admin cannot give what they do not have");
    let res =
        register(Role::Admin, json!({"name": "CRM sync", "scopes": ["audit.read", "user.manage"]})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let registered: Value = res.json().await.unwrap();
    let (id, secret) = (
        registered["client_id"].as_str().unwrap().to_owned(),
        registered["client_secret"].as_str().unwrap().to_owned(),
    );

    let token = |form: Vec<(&str, &str)>| client.post(format!("{}/oauth/token", office.base)).form(&form).send();
    let res = token(vec![("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let issued: Value = res.json().await.unwrap();
    assert_eq!((issued["token_type"].as_str(), issued["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    let jwt = issued["access_token"].as_str().unwrap().to_owned();
    assert_eq!(jwt.matches('.').count(), 2, "a JWT");
    let get = |path: &str, bearer: String| client.get(format!("{}{path}", office.base)).bearer_auth(bearer).send();
    let me: Value = get("/v1/me", jwt.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "admin", "acting for its creator");
    assert_eq!(me["permissions"], json!(["audit.read", "user.manage"]));
    assert_eq!(get("/v1/users", jwt.clone()).await.unwrap().status(), StatusCode::OK);
    let minted = client.post(format!("{}/v1/api-keys", office.base)).bearer_auth(&jwt).send().await.unwrap();
    assert_eq!(minted.status(), StatusCode::FORBIDDEN, "a client cannot make itself a broader key");

    let narrow = token(vec![
        ("grant_type", "client_credentials"),
        ("client_id", &id),
        ("client_secret", &secret),
        ("scope", "audit.read"),
    ]);
    let narrow: Value = narrow.await.unwrap().json().await.unwrap();
    let narrow_jwt = narrow["access_token"].as_str().unwrap().to_owned();
    assert_eq!(get("/v1/audit-logs", narrow_jwt.clone()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        get("/v1/users", narrow_jwt.clone()).await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "outside the token's scope"
    );
    // A scope narrower than the creator's role is accepted, and narrows what the client may do.
    let own = register(Role::Admin, json!({"name": "own reader", "scopes": ["invoice.read.own"]})).await.unwrap();
    assert_eq!(own.status(), StatusCode::CREATED);
    let long = register(Role::Admin, json!({"name": format!("x{}", " ".repeat(300))})).await.unwrap();
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY, "too long as sent, even if short once trimmed");
    let unknown = register(Role::Admin, json!({"name": "x", "scopes": ["invoice.fly"]})).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let basic = client
        .post(format!("{}/oauth/token", office.base))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::OK, "HTTP Basic for the client works too");
    let error =
        |res: reqwest::Response| async move { (res.status(), res.json::<Value>().await.unwrap()["error"].clone()) };
    let wrong =
        token(vec![("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", "nope")]).await.unwrap();
    assert_eq!(error(wrong).await, (StatusCode::UNAUTHORIZED, json!("invalid_client")));
    let grant = token(vec![("grant_type", "password"), ("client_id", &id), ("client_secret", &secret)]).await.unwrap();
    assert_eq!(error(grant).await, (StatusCode::BAD_REQUEST, json!("unsupported_grant_type")));
    let scope = token(vec![
        ("grant_type", "client_credentials"),
        ("client_id", &id),
        ("client_secret", &secret),
        ("scope", "billing.manage audit.read"),
    ]);
    let partial: Value = scope.await.unwrap().json().await.unwrap();
    assert_eq!(partial["scope"], "audit.read", "what the client lacks is left out, and the answer says so");

    // Revoking a client stops its secret and the tokens it already holds.
    let clients: Value = office.get(Role::Owner, "/v1/api-clients?fields=id,name").await.json().await.unwrap();
    assert_eq!(clients["data"][0], json!({"id": id, "name": "CRM sync"}), "listed without its secret");
    let own_id = registered_id(&office, "own reader").await;
    let delete = |role: Role, id: String| {
        client.delete(format!("{}/v1/api-clients/{id}", office.base)).bearer_auth(office.key(role).to_owned()).send()
    };
    assert_eq!(delete(Role::Viewer, own_id.clone()).await.unwrap().status(), StatusCode::FORBIDDEN);
    let own_token = token(vec![("grant_type", "client_credentials"), ("client_id", &own_id), ("client_secret", "x")]);
    assert_eq!(own_token.await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(delete(Role::Owner, own_id.clone()).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(delete(Role::Owner, own_id.clone()).await.unwrap().status(), StatusCode::NOT_FOUND, "already revoked");
    let elsewhere = format!("rc_{}_{}", "0".repeat(32), &own_id[36..]);
    assert_eq!(delete(Role::Owner, elsewhere).await.unwrap().status(), StatusCode::NOT_FOUND, "another tenant's id");
    let listed: Value = office.get(Role::Owner, "/v1/api-clients?sort=-revoked_at").await.json().await.unwrap();
    assert_eq!(listed["data"][0]["id"], json!(own_id), "revoked clients stay listed, with the time");
    assert!(listed["data"][0]["revoked_at"].is_string());
    assert!(listed["data"][0].get("client_secret").is_none());

    let mut forged = jwt.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert_eq!(get("/v1/me", forged).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // The client acts for its creator: when the creator goes, so does the client.
    let users: Value = office.get(Role::Owner, "/v1/users").await.json().await.unwrap();
    let admin_id = users["data"].as_array().unwrap().iter().find(|u| u["role"] == "admin").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = client
        .delete(format!("{}/v1/users/{admin_id}", office.base))
        .bearer_auth(office.key(Role::Owner))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(get("/v1/me", jwt).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let after = token(vec![("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)])
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

async fn registered_id(office: &Office, name: &str) -> String {
    let clients: Value = office.get(Role::Owner, "/v1/api-clients").await.json().await.unwrap();
    clients["data"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

pub async fn revoking_a_client_stops_its_live_token(h: Harness) {
    let office = Office::open(h).await;
    let client = Client::new();
    let registered: Value = client
        .post(format!("{}/v1/api-clients", office.base))
        .bearer_auth(office.key(Role::Owner))
        .json(&json!({"name": "Zapier"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = registered["client_id"].as_str().unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", registered["client_secret"].as_str().unwrap()),
    ];
    let issued: Value =
        client.post(format!("{}/oauth/token", office.base)).form(&form).send().await.unwrap().json().await.unwrap();
    let jwt = issued["access_token"].as_str().unwrap();
    let me = || client.get(format!("{}/v1/me", office.base)).bearer_auth(jwt).send();
    assert_eq!(me().await.unwrap().status(), StatusCode::OK);
    let res = client
        .delete(format!("{}/v1/api-clients/{id}", office.base))
        .bearer_auth(office.key(Role::Admin))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "an admin revokes the owner's client");
    assert_eq!(me().await.unwrap().status(), StatusCode::UNAUTHORIZED, "the hour-long token stops at once");
    let again = client.post(format!("{}/oauth/token", office.base)).form(&form).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    let events: Value = office
        .get(Role::Owner, "/v1/audit-logs?resource_type=api_client&sort=-seq&fields=event_type,actor_id")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["data"][0]["event_type"], "api_client.revoked");
    assert_eq!(events["data"][0].as_object().unwrap().len(), 2, "only the asked fields");
}

/// `limit`, `cursor`, `sort`, `fields` and `links` behave the same on every list.
pub async fn lists_sort_page_and_trim_fields(h: Harness) {
    let office = Office::open(h).await;
    // Six users; by email descending, two per page, following `links.next` to the end.
    let mut emails = Vec::new();
    let mut next = Some("/v1/users?sort=-email&limit=2&fields=email".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page: Value = office.get(Role::Owner, &path).await.json().await.unwrap();
        for u in page["data"].as_array().unwrap() {
            assert_eq!(u.as_object().unwrap().keys().collect::<Vec<_>>(), ["email"]);
            emails.push(u["email"].as_str().unwrap().to_owned());
        }
        assert_eq!(page["next_cursor"].is_string(), page["links"]["next"].is_string());
        next = page["links"]["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(pages, 3);
    let mut sorted = emails.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(emails, sorted, "every user once, in order");
    assert_eq!(emails.len(), 6);
    // The audit log newest first: sequence numbers fall, and the cursor continues downwards.
    let first: Value = office.get(Role::Owner, "/v1/audit-logs?sort=-seq&limit=3").await.json().await.unwrap();
    let seqs: Vec<i64> = first["data"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = office
        .get(Role::Owner, &format!("/v1/audit-logs?sort=-seq&limit=3&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(second["data"][0]["seq"].as_i64().unwrap() < seqs[2]);
    // Bad list queries are named, everywhere.
    for (path, code) in [
        ("/v1/users?sort=password", "invalid_sort"),
        ("/v1/api-keys?fields=id,api_key", "invalid_fields"),
        ("/v1/api-clients?limit=501", "invalid_query"),
        ("/v1/audit-logs?sort=created_at", "invalid_sort"),
        ("/v1/users?cursor=-5", "invalid_cursor"),
    ] {
        let res = office.get(Role::Owner, path).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], code, "{path}");
    }
}

both_stores!(
    revoking_a_client_stops_its_live_token,
    lists_sort_page_and_trim_fields,
    oauth_clients_get_scoped_jwt_access_tokens,
    api_keys_are_listed_by_prefix_and_revocable,
    removing_members_and_transferring_ownership,
    users_and_audit_access_follow_the_matrix,
    creating_users_checks_input_and_roles,
    the_audit_log_filters_pages_exports_and_verifies,
    conventions_request_ids_and_problem_json,
);
