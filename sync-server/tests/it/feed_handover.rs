//! A commit hands the live sockets what it added to the feed (`store::feed::announce`), so
//! that they need not each wake to read it. The page must be exactly what a device's own read
//! from where the feed ended before the commit returns; when the store cannot know where that
//! was (another writer's commit came in between), no page is handed and devices read.

use std::sync::Arc;
use std::time::Duration;

use remit_core::{TenantId, UserId};
use remit_server::store::Plan;
use remit_server::store::feed::{CommittedPage, FeedRow, LIVE_PAGE, Moved};
use remit_server::store::records::{Commit, Write};
use tokio::sync::broadcast::Receiver;
use uuid::Uuid;

use crate::harness::Harness;

/// A feed row as compared here: everything a device is sent.
type Row = (i64, Uuid, String, Vec<u8>, UserId, bool, Option<String>);

fn rows(rows: &[FeedRow]) -> Vec<Row> {
    rows.iter()
        .map(|r| (r.seq, r.id, r.kind.clone(), r.bytes.clone(), r.created_by, r.deleted, r.view.clone()))
        .collect()
}

/// Where the feed ends now (its last row), read from the database.
async fn end(h: &Harness, tenant: TenantId) -> (i64, Uuid) {
    let all = h.store.feed(tenant, (0, Uuid::nil()), 10_000).await.unwrap();
    all.last().map(|r| (r.seq, r.id)).expect("the feed has rows")
}

async fn commit(h: &Harness, tenant: TenantId, writes: Vec<Write>) {
    h.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit: Vec::new() }))).await.unwrap();
}

fn new_doc(id: Uuid, owner: UserId, text: &str) -> Write {
    Write::Document { id, kind: "customer", bytes: text.as_bytes().to_vec(), expected: None, created_by: owner }
}

/// The page the tenant's next move carries (`None`: it carried none).
async fn next_move(rx: &mut Receiver<Option<Moved>>, tenant: TenantId) -> Option<Arc<CommittedPage>> {
    loop {
        let moved = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("the commit woke us").unwrap();
        if let Some(m) = moved.filter(|m| m.tenant == tenant) {
            return m.page;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_hands_over_exactly_what_a_read_from_the_previous_end_returns() {
    let h = Harness::sqlite().await;
    let (tenant, owner) = h.tenant("handover", Plan::Professional).await;
    let (tenant, owner) = (tenant.id, owner.user_id);
    let mut rx = h.store.feed_signal().subscribe();
    let [x, y, z, w, v] = [(); 5].map(|()| Uuid::now_v7());

    commit(&h, tenant, vec![new_doc(x, owner, "x1")]).await;
    assert!(next_move(&mut rx, tenant).await.is_none(), "the first commit here: the end before it is unknown");

    let steps: Vec<(&str, Vec<Write>)> = vec![
        ("a new document", vec![new_doc(y, owner, "y1")]),
        // The end before is x's row at the previous sequence, which this commit moves on.
        (
            "the same document again",
            vec![Write::Document {
                id: x,
                kind: "customer",
                bytes: b"x2".to_vec(),
                expected: Some(1),
                created_by: owner,
            }],
        ),
        ("two documents at once", vec![new_doc(z, owner, "z1"), new_doc(w, owner, "w1")]),
        ("a touch", vec![Write::Touch { id: y, expected: 1 }]),
    ];
    for (what, writes) in steps {
        let before = end(&h, tenant).await;
        commit(&h, tenant, writes).await;
        let page = next_move(&mut rx, tenant).await.unwrap_or_else(|| panic!("{what}: a page was handed"));
        assert_eq!(page.after, before, "{what}: read from where the feed ended");
        let read = h.store.feed(tenant, page.after, LIVE_PAGE).await.unwrap();
        assert_eq!(rows(&page.rows), rows(&read), "{what}: what a device's read returns");
        assert!(!page.rows.is_empty(), "{what}");
        let invoices: Vec<Uuid> = read.iter().filter(|r| r.kind == "invoice").map(|r| r.id).collect();
        assert_eq!(page.facts, h.store.facts_of(tenant, &invoices).await.unwrap(), "{what}");
    }

    // Another writer takes a sequence (another process on the file, or another node): the
    // next commit here cannot know where the feed ended before it, and hands nothing.
    h.raw("UPDATE feed_heads SET seq = seq + 1").await.unwrap();
    commit(&h, tenant, vec![new_doc(v, owner, "v1")]).await;
    assert!(next_move(&mut rx, tenant).await.is_none(), "a sequence this node did not take came between");
    let before = end(&h, tenant).await;
    commit(&h, tenant, vec![Write::Touch { id: v, expected: 1 }]).await;
    let page = next_move(&mut rx, tenant).await.expect("known again after a commit of its own");
    assert_eq!(page.after, before);
    assert_eq!(rows(&page.rows), rows(&h.store.feed(tenant, before, LIVE_PAGE).await.unwrap()));
}
