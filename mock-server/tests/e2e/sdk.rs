//! Every operation through the `avara` client, and the errors it maps.

use std::collections::HashMap;

use avara::ErrorKind;
use avara::types::{Metadata, OrgCreateParams};
use futures::TryStreamExt;

use crate::{client, client_with, create, is_org_id};

#[tokio::test]
async fn create_then_retrieve_and_list_return_the_same_org() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let metadata: Metadata = HashMap::from([
        ("department".to_string(), "radiology".parse().unwrap()),
        ("region".to_string(), "northeast".parse().unwrap()),
    ])
    .into();
    let org = client
        .orgs_create()
        .body(
            OrgCreateParams::builder()
                .org_name("City Medical Center")
                .metadata(Some(metadata.clone())),
        )
        .await
        .unwrap();

    assert!(is_org_id(&org.org_id), "{}", org.org_id.as_str());
    assert_eq!(org.org_name.as_str(), "City Medical Center");
    assert!(org.is_active);
    assert_eq!(org.user_count, 0);
    assert!(org.created_at.is_some());
    assert_eq!(org.created_at, org.updated_at);
    assert_eq!(org.created_by_user_id, None);
    assert!(org.created_by_api_key_id.is_some());
    assert_eq!(org.metadata, Some(metadata));

    let same = client
        .orgs_retrieve()
        .org_id(org.org_id.clone())
        .await
        .unwrap();
    assert_eq!(same, org);

    let page = client.orgs_list().limit(10).await.unwrap();
    assert!(!page.has_more);
    assert_eq!(page.cursor, None);
    assert_eq!(page.organizations, vec![org]);
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);
}

#[tokio::test]
async fn the_creating_key_id_is_stable_per_key() {
    let server = avara_mock::spawn().await.unwrap();
    let a = client(&server);
    let b = client_with(&server, "sk_test_other", |b| b);
    let a1 = create(&a, "a1").await;
    let a2 = create(&a, "a2").await;
    let b1 = create(&b, "b1").await;
    assert_eq!(a1.created_by_api_key_id, a2.created_by_api_key_id);
    assert_ne!(a1.created_by_api_key_id, b1.created_by_api_key_id);
    assert_ne!(a1.org_id, a2.org_id);

    // The id is a keyed hash under a secret of each server, so the same key
    // gives another id elsewhere and cannot be checked offline.
    let other = avara_mock::spawn().await.unwrap();
    let elsewhere = create(&client(&other), "a elsewhere").await;
    assert!(elsewhere.created_by_api_key_id.is_some());
    assert_ne!(elsewhere.created_by_api_key_id, a1.created_by_api_key_id);
}

#[tokio::test]
async fn retrieving_an_unknown_org_is_not_found() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let error = client
        .orgs_retrieve()
        .org_id("org_0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(error.attempts(), 1, "a 404 is not retried");
    assert!(error.request_id().is_some_and(|id| id.starts_with("req_")));
    let body = error.body().expect("the error body decodes");
    assert!(body.message.as_deref().unwrap().contains("orgId"));
    assert_eq!(body.error.as_deref(), Some("not_found"));
}

#[tokio::test]
async fn an_unknown_key_is_an_authentication_error_and_extra_keys_work() {
    let server = avara_mock::spawn_with(avara_mock::Config {
        api_keys: vec!["custom-key".into()],
        ..Default::default()
    })
    .await
    .unwrap();
    for key in ["sk_live_123", "sk_test_", "custom-key-2"] {
        let error = client_with(&server, key, |b| b)
            .orgs_list()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Authentication, "{key}: {error}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
        assert!(error.body().and_then(|b| b.message.as_ref()).is_some());
    }
    let page = client_with(&server, "custom-key", |b| b)
        .orgs_list()
        .await
        .unwrap();
    assert!(page.organizations.is_empty());
    assert!(!page.has_more);
}

#[tokio::test]
async fn list_defaults_to_twenty_and_pages_walk_everything_in_creation_order() {
    let server = avara_mock::spawn().await.unwrap();
    let client = client(&server);
    let mut created = Vec::new();
    for i in 0..45 {
        created.push(create(&client, &format!("org {i}")).await.org_id);
    }

    let first = client.orgs_list().await.unwrap();
    assert_eq!(first.organizations.len(), avara_mock::DEFAULT_LIMIT);
    assert!(first.has_more);
    assert!(first.cursor.is_some());

    let pages: Vec<_> = client
        .orgs_list()
        .limit(10)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages
            .iter()
            .map(|p| p.organizations.len())
            .collect::<Vec<_>>(),
        [10, 10, 10, 10, 5]
    );
    let last = pages.last().unwrap();
    assert!(!last.has_more);
    assert_eq!(last.cursor, None);
    assert!(pages[..4].iter().all(|p| p.has_more && p.cursor.is_some()));

    let streamed: Vec<_> = client
        .orgs_list()
        .limit(100)
        .stream()
        .map_ok(|org| org.org_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, created);

    // A page that ends exactly at the last org says there is no more.
    let exact = client.orgs_list().limit(45).await.unwrap();
    assert!(!exact.has_more);
    assert_eq!(exact.cursor, None);
}

#[tokio::test]
async fn a_client_side_invalid_request_is_never_sent() {
    let server = avara_mock::spawn().await.unwrap();
    let error = client(&server).orgs_list().limit(101u32).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{error}");
    assert_eq!(error.attempts(), 0);
}
