//! Concurrent creates, and pagination while creates go on.

use std::collections::HashSet;

use avara::types::OrgId;
use futures::{StreamExt, TryStreamExt};

use crate::{client, create};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_creates_give_two_hundred_orgs() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let client = client.clone();
        tasks.spawn(async move { create(&client, &format!("concurrent {i}")).await.org_id });
    }
    let ids: HashSet<OrgId> = tasks.join_all().await.into_iter().collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(server.count("/v1/orgs").unwrap(), 200);
    let listed: HashSet<OrgId> = client
        .orgs_list()
        .limit(100)
        .stream()
        .map_ok(|org| org.org_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_neither_skips_nor_repeats_while_creates_run() {
    const EXISTING: usize = 1_000;
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let existing: HashSet<OrgId> = futures::stream::iter(0..EXISTING)
        .map(|i| {
            let client = client.clone();
            async move { create(&client, &format!("existing {i}")).await.org_id }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(existing.len(), EXISTING);

    // Creates run in the background for the whole listing...
    let background = {
        let client = client.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                create(&client, &format!("background {i}")).await;
            }
        })
    };
    // ...and between pages, for sure, whatever the scheduling.
    let mut pages = client.orgs_list().limit(37).pages();
    let mut seen = Vec::new();
    let mut between = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        seen.extend(page.organizations.into_iter().map(|org| org.org_id));
        for _ in 0..3 {
            create(&client, &format!("between {between}")).await;
            between += 1;
        }
    }
    background.await.unwrap();

    let distinct: HashSet<&OrgId> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "an org was listed twice");
    let missing = existing.iter().filter(|id| !distinct.contains(id)).count();
    assert_eq!(
        missing, 0,
        "orgs that existed before the listing were skipped"
    );
    // The pre-existing orgs come first, in one run: creation order.
    assert!(seen[..EXISTING].iter().all(|id| existing.contains(id)));
    assert!(
        between >= EXISTING / 37 * 3,
        "the listing took {} pages",
        between / 3
    );
    assert_eq!(server.count("/v1/orgs").unwrap(), EXISTING + 300 + between);
}
