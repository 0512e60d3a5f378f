use std::sync::{Arc, Mutex};

use avara::ErrorKind;
use futures::TryStreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::{client, org_json};

/// Serves `total` orgs in pages of the requested `limit`, with the offset as
/// cursor; records every query string.
struct Pages {
    total: usize,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.seen
            .lock()
            .unwrap()
            .push(request.url.query().unwrap_or("").to_string());
        let param = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let start: usize = param("cursor")
            .map(|c| c.trim_start_matches("off_").parse().unwrap())
            .unwrap_or(0);
        let limit: usize = param("limit").map(|l| l.parse().unwrap()).unwrap_or(20);
        let end = (start + limit).min(self.total);
        let items: Vec<Value> = (start..end).map(org_json).collect();
        let has_more = end < self.total;
        let mut body = json!({"hasMore": has_more, "organizations": items});
        if has_more {
            body["cursor"] = json!(format!("off_{end}"));
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn serve(total: usize) -> (MockServer, Arc<Mutex<Vec<String>>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .and(path("/v1/orgs"))
        .respond_with(Pages {
            total,
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    (server, seen)
}

#[tokio::test]
async fn streams_every_item_across_pages_keeping_the_limit() {
    let (server, seen) = serve(1_050).await;
    let client = client(&server);
    let orgs: Vec<_> = client
        .orgs_list()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(orgs.len(), 1_050);
    for (i, org) in orgs.iter().enumerate() {
        assert_eq!(
            org.user_count, i as i64,
            "in order, none skipped or repeated"
        );
    }
    let queries = seen.lock().unwrap().clone();
    assert_eq!(queries.len(), 11);
    assert!(
        queries.iter().all(|q| q.contains("limit=100")),
        "{queries:?}"
    );
    assert!(!queries[0].contains("cursor"));
    assert!(queries[1].contains("cursor=off_100"));
}

#[tokio::test]
async fn pages_are_fetched_lazily() {
    let (server, seen) = serve(1_000).await;
    let client = client(&server);
    let mut stream = client.orgs_list().limit(100).stream();
    for _ in 0..150 {
        stream.try_next().await.unwrap().unwrap();
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "150 items need two pages, no more"
    );
}

#[tokio::test]
async fn the_page_stream_yields_whole_pages() {
    let (server, _) = serve(250).await;
    let pages: Vec<_> = client(&server)
        .orgs_list()
        .limit(100)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<_> = pages.iter().map(|p| p.organizations.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(!pages[2].has_more);
}

#[tokio::test]
async fn a_callers_cursor_starts_the_stream() {
    let (server, _) = serve(300).await;
    let orgs: Vec<_> = client(&server)
        .orgs_list()
        .cursor("off_250")
        .limit(20)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(orgs.len(), 50);
    assert_eq!(orgs[0].user_count, 250);
}

async fn one_response(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    let server =
        one_response(json!({"hasMore": true, "organizations": [org_json(1)], "cursor": "same"}))
            .await;
    let results: Vec<_> = client(&server).orgs_list().stream().collect_all().await;
    assert_eq!(results.len(), 3, "two items, then the error");
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("\"same\""), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_with_has_more() {
    let server =
        one_response(json!({"hasMore": true, "organizations": [], "cursor": "next"})).await;
    let orgs: Vec<_> = client(&server)
        .orgs_list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(orgs.is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_missing_cursor_ends_the_stream() {
    for body in [
        json!({"hasMore": true, "organizations": [org_json(1)]}),
        json!({"hasMore": true, "organizations": [org_json(1)], "cursor": null}),
        json!({"hasMore": true, "organizations": [org_json(1)], "cursor": ""}),
    ] {
        let server = one_response(body).await;
        let orgs: Vec<_> = client(&server)
            .orgs_list()
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(orgs.len(), 1);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn an_error_mid_stream_is_yielded_then_the_stream_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"hasMore": true, "organizations": [org_json(1)], "cursor": "c1"}),
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "cursor expired"})),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    let results: Vec<_> = client(&server).orgs_list().stream().collect_all().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::NotFound);
}

trait CollectAll: futures::Stream + Sized {
    async fn collect_all(self) -> Vec<Self::Item> {
        futures::StreamExt::collect(self).await
    }
}

impl<S: futures::Stream> CollectAll for S {}

#[tokio::test]
async fn a_cursor_that_comes_back_after_another_is_an_error_not_a_loop() {
    // first page → A, A → B, B → A again: the server sends the pager round.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|request: &Request| {
            let cursor = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned());
            let (item, next) = match cursor.as_deref() {
                None => (1, "A"),
                Some("A") => (2, "B"),
                Some("B") => (3, "A"),
                Some(other) => panic!("unexpected cursor {other}"),
            };
            ResponseTemplate::new(200).set_body_json(
                json!({"hasMore": true, "organizations": [org_json(item)], "cursor": next}),
            )
        })
        .mount(&server)
        .await;
    let results: Vec<_> = client(&server).orgs_list().stream().collect_all().await;
    let counts: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|org| org.user_count))
        .collect();
    assert_eq!(counts, [1, 2, 3], "each page once");
    assert_eq!(results.len(), 4, "three items, then the error");
    let err = results[3].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.to_string().contains("\"A\""), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
