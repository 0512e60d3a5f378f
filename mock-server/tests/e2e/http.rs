//! The HTTP surface with plain `reqwest`: what the `avara` client would
//! refuse to send, auth variants, routing errors, idempotency and the
//! headers of every response.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::KEY;

/// A server and a plain HTTP client for it.
async fn setup() -> (avara_mock::MockServer, reqwest::Client) {
    (
        avara_mock::spawn().await.unwrap(),
        avara::http_client_builder().unwrap().build().unwrap(),
    )
}

/// The status, `x-request-id` and JSON body of a response, checking that
/// an error response has the spec's `Error` shape.
async fn read(response: reqwest::Response) -> (StatusCode, String, Value) {
    let status = response.status();
    assert!(
        !status.is_server_error(),
        "bad input must never yield a 5XX: {status}"
    );
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every response has an x-request-id")
        .to_string();
    assert!(request_id.starts_with("req_"), "{request_id}");
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let body: Value = if status == StatusCode::NO_CONTENT {
        Value::Null
    } else {
        assert!(is_json, "{status} without a JSON content type");
        response.json().await.expect("the body is JSON")
    };
    if status.is_client_error() {
        assert!(body["message"].is_string(), "{status}: {body}");
        assert!(body["error"].is_string(), "{status}: {body}");
    }
    (status, request_id, body)
}

async fn post(
    http: &reqwest::Client,
    server: &avara_mock::MockServer,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, String, Value) {
    let response = http
        .post(format!("{}/v1/orgs", server.base_url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    read(response).await
}

#[tokio::test]
async fn auth_failures_are_401_with_an_error_body() {
    let (server, http) = setup().await;
    let url = format!("{}/v1/orgs", server.base_url());
    let cases: Vec<(&str, Option<&[u8]>)> = vec![
        ("no header", None),
        ("basic scheme", Some(b"Basic dXNlcjpwYXNz")),
        ("no scheme", Some(b"sk_test_abc")),
        ("empty bearer", Some(b"Bearer ")),
        ("prefix only", Some(b"Bearer sk_test_")),
        ("live key", Some(b"Bearer sk_live_abc")),
        ("not ascii", Some(b"Bearer sk_test_\xff\xfe")),
    ];
    for (case, header) in cases {
        let mut request = http.get(&url);
        if let Some(value) = header {
            request = request.header(
                "authorization",
                reqwest::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let (status, _, body) = read(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {body}");
        assert_eq!(body["error"], "unauthorized", "{case}");
    }
    // Two Authorization headers are refused too.
    let response = http
        .get(&url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::UNAUTHORIZED);
    // The scheme is case-insensitive.
    let response = http
        .get(&url)
        .header("authorization", format!("bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::OK);
    // Auth is checked before anything else: a bad body without a key is 401.
    let response = http.post(&url).body("not json").send().await.unwrap();
    assert_eq!(read(response).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.count("/v1/orgs").unwrap(), 0);
}

#[tokio::test]
async fn invalid_create_bodies_are_400_naming_the_problem() {
    let (server, http) = setup().await;
    let many_pairs: serde_json::Map<String, Value> =
        (0..51).map(|i| (format!("k{i}"), json!("v"))).collect();
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "body is required"),
        ("not json".into(), "not valid JSON"),
        ("{\"orgName\": \"a\"".into(), "not valid JSON"),
        ("[]".into(), "must be a JSON object"),
        ("\"orgName\"".into(), "must be a JSON object"),
        ("null".into(), "must be a JSON object"),
        ("{}".into(), "missing field `orgName`"),
        (json!({"orgName": ""}).to_string(), "orgName"),
        (json!({"orgName": 5}).to_string(), "`orgName`: invalid type"),
        (
            json!({"orgName": null}).to_string(),
            "`orgName` cannot be null",
        ),
        (
            json!({"orgName": "a", "extra": 1}).to_string(),
            "unknown field `extra`",
        ),
        (
            json!({"orgName": "a", "metadata": []}).to_string(),
            "`metadata`: invalid type",
        ),
        (
            json!({"orgName": "a", "metadata": "x"}).to_string(),
            "`metadata`: invalid type",
        ),
        (
            json!({"orgName": "a", "metadata": many_pairs}).to_string(),
            "`/metadata` has 51 entries; at most 50",
        ),
        (
            json!({"orgName": "a", "metadata": {"k".repeat(101): "v"}}).to_string(),
            "`/metadata` has a key of 101 characters",
        ),
        (
            json!({"orgName": "a", "metadata": {"k": "é".repeat(1001)}}).to_string(),
            "`metadata.k`: longer than 1000 characters",
        ),
        (
            json!({"orgName": "a", "metadata": {"k": 1}}).to_string(),
            "`metadata.k`: invalid type",
        ),
        (
            json!({"orgName": "a", "metadata": {"k": null}}).to_string(),
            "request body `/metadata/k`: `k` cannot be null",
        ),
    ];
    for (body, expected) in cases {
        let (status, _, error) = post(&http, &server, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains(expected),
            "{body}: `{message}` lacks `{expected}`"
        );
    }
    assert_eq!(server.count("/v1/orgs").unwrap(), 0);
}

#[tokio::test]
async fn limits_are_counted_in_chars_and_reached_exactly() {
    let (server, http) = setup().await;
    let pairs: serde_json::Map<String, Value> = (0..50)
        .map(|i| (format!("{i:0>100}"), json!("é".repeat(1000))))
        .collect();
    let body = json!({"orgName": "ü", "metadata": pairs});
    let (status, _, org) = post(&http, &server, body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["metadata"].as_object().unwrap().len(), 50);
    // `null` metadata is the same as none.
    let (status, _, org) = post(&http, &server, r#"{"orgName":"b","metadata":null}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(org.get("metadata").is_none());
    assert_eq!(server.count("/v1/orgs").unwrap(), 2);
}

#[tokio::test]
async fn random_bodies_never_yield_a_server_error() {
    let (server, http) = setup().await;
    let mut rng = fastrand::Rng::with_seed(7);
    let fragments = [
        "{",
        "}",
        "\"orgName\"",
        ":",
        "\"x\"",
        ",",
        "[",
        "]",
        "null",
        "1e999",
        "\"metadata\"",
        "\\u0000",
        "\u{ff}",
    ];
    for _ in 0..150 {
        let body: String = (0..rng.usize(0..12))
            .map(|_| fragments[rng.usize(..fragments.len())])
            .collect();
        let (status, _, _) = post(&http, &server, body.clone()).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::CREATED,
            "{body:?}: {status}"
        );
    }
    let bytes: Vec<u8> = (0..64).map(|_| rng.u8(..)).collect();
    assert_eq!(post(&http, &server, bytes).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn invalid_list_queries_are_400_naming_the_parameter() {
    let (server, http) = setup().await;
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=5&limit=6", "limit"),
        ("cursor=%25%25%25", "cursor"),
        ("cursor=bm90LWEtY3Vyc29y", "cursor"),
        ("cursor=c2VxOmFiYw", "cursor"),
    ];
    for (query, field) in cases {
        let response = http
            .get(format!("{}/v1/orgs?{query}", server.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(field), "{query}: {message}");
    }
    // Boundaries, an empty cursor (the same as none) and unknown parameters are fine.
    for query in ["limit=1", "limit=100", "limit=%2050", "cursor=", "other=1"] {
        let response = http
            .get(format!("{}/v1/orgs?{query}", server.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(read(response).await.0, StatusCode::OK, "{query}");
    }
}

#[tokio::test]
async fn unknown_orgs_and_routes_are_404() {
    let (server, http) = setup().await;
    let base = server.base_url();
    let (status, _, created) = post(&http, &server, r#"{"orgName":"x"}"#).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["orgId"].as_str().unwrap().to_string();

    for path in [
        "/v1/orgs/org_0123456789abcdef0123456789abcdef".to_string(),
        "/v1/orgs/not-an-id".to_string(),
        format!("/v1/orgs/{}", id.to_uppercase()),
        "/v1/orgs/%ff".to_string(),
    ] {
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let response = http
        .get(format!("{base}/v1/orgs/{id}"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.2["orgId"], id.as_str());

    for path in ["/", "/v1", "/v2/orgs", "/v1/orgs/", "/v1/orgs/a/b"] {
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(response).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["error"], "not_found");
    }

    // Wrong methods: every_operation_refuses_bad_input_with_the_error_body,
    // over the spec's operations.
}

#[tokio::test]
async fn every_response_has_its_own_request_id() {
    let (server, http) = setup().await;
    let mut ids = HashSet::new();
    for path in ["/v1/orgs", "/v1/orgs", "/nope", "/v1/orgs/x"] {
        let response = http
            .get(format!("{}{path}", server.base_url()))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap();
        ids.insert(read(response).await.1);
    }
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn idempotency_keys_replay_or_refuse() {
    let (server, http) = setup().await;
    let send = |key: &'static str, api_key: &'static str, body: &'static str| {
        http.post(format!("{}/v1/orgs", server.base_url()))
            .bearer_auth(api_key)
            .header("idempotency-key", key)
            .body(body)
            .send()
    };
    let first = send("k1", KEY, r#"{"orgName":"a","metadata":{"x":"1"}}"#)
        .await
        .unwrap();
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let (status, _, first) = read(first).await;
    assert_eq!(status, StatusCode::CREATED);

    // The same body, written differently, replays the same org.
    let again = send("k1", KEY, r#"{ "metadata": {"x": "1"}, "orgName": "a" }"#)
        .await
        .unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let (status, _, again) = read(again).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again, first);
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);

    // A different body under the same key is refused.
    let (status, _, error) = read(send("k1", KEY, r#"{"orgName":"b"}"#).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(server.count("/v1/orgs").unwrap(), 1);

    // Keys are per API key; a new key creates.
    let (status, _, other) = read(
        send("k1", "sk_test_someone_else", r#"{"orgName":"b"}"#)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(other["orgId"], first["orgId"]);
    assert_eq!(
        read(send("k2", KEY, r#"{"orgName":"b"}"#).await.unwrap())
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(server.count("/v1/orgs").unwrap(), 3);

    // An invalid body under a key is a 400 and is not remembered.
    assert_eq!(
        read(send("k3", KEY, r#"{"orgName":""}"#).await.unwrap())
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        read(send("k3", KEY, r#"{"orgName":"c"}"#).await.unwrap())
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(server.count("/v1/orgs").unwrap(), 4);
}

#[tokio::test]
async fn the_fault_control_route_and_header_are_validated() {
    let (server, http) = setup().await;
    let base = server.base_url();
    let arm = |body: &'static str| {
        http.post(format!("{base}/_mock/faults"))
            .bearer_auth(KEY)
            .body(body)
            .send()
    };
    for bad in [
        r#"{"fault":"boom"}"#,
        r#"{"count":1}"#,
        r#"{"fault":"drop","count":-1}"#,
        "x",
    ] {
        assert_eq!(
            read(arm(bad).await.unwrap()).await.0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(
        read(arm(r#"{"fault":"unavailable","count":3}"#).await.unwrap())
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(server.pending_faults(), 3);
    let response = http
        .delete(format!("{base}/_mock/faults"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::NO_CONTENT);
    assert_eq!(server.pending_faults(), 0);

    let response = http
        .get(format!("{base}/v1/orgs"))
        .bearer_auth(KEY)
        .header(avara_mock::FAULT_HEADER, "explode")
        .send()
        .await
        .unwrap();
    let (status, _, body) = read(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(avara_mock::FAULT_HEADER)
    );
}

/// `path` with every `{param}` replaced by `value`.
fn fill(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn every_operation_refuses_bad_input_with_the_error_body() {
    let (server, http) = setup().await;
    let base = server.base_url();
    let operations = avara_mock::operations();
    assert!(!operations.is_empty());
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for op in &operations {
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
        // An id no one was given: pattern-shaped or not, it names nothing.
        let path = fill(op.path, "unknown_0123456789abcdef");
        let url = format!("{base}{path}");

        // Without a key: 401, whatever else is wrong.
        let response = http
            .request(method.clone(), &url)
            .body("{")
            .send()
            .await
            .unwrap();
        let (status, _, body) = read(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}: {body}", op.id);

        // A method the path does not serve: 405 naming it, with `Allow`.
        let served: Vec<&str> = operations
            .iter()
            .filter(|o| o.path == op.path)
            .map(|o| o.method)
            .collect();
        for other in methods.iter().filter(|m| !served.contains(m)) {
            let response = http
                .request(reqwest::Method::from_bytes(other.as_bytes()).unwrap(), &url)
                .bearer_auth(KEY)
                .send()
                .await
                .unwrap();
            assert!(response.headers().contains_key("allow"), "{other} {path}");
            let (status, _, body) = read(response).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{other} {path}: {body}"
            );
            assert_eq!(body["error"], "method_not_allowed");
            assert!(body["message"].as_str().unwrap().contains(other), "{body}");
        }

        // Malformed JSON on an operation with a body: 400 naming it.
        if op.takes_body {
            let response = http
                .request(method.clone(), &url)
                .bearer_auth(KEY)
                .body("{\"unterminated")
                .send()
                .await
                .unwrap();
            let (status, _, body) = read(response).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {body}", op.id);
            assert!(
                body["message"].as_str().unwrap().contains("not valid JSON"),
                "{body}"
            );
        }

        // An unknown item or parent: 404 naming the parameter.
        if op.path.contains('{') {
            let body = if op.takes_body { "{}" } else { "" };
            let response = http
                .request(method.clone(), &url)
                .bearer_auth(KEY)
                .body(body)
                .send()
                .await
                .unwrap();
            let (status, _, error) = read(response).await;
            // An empty body may be refused before the lookup.
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{} {path}: {status} {error}",
                op.id
            );
            if status == StatusCode::NOT_FOUND {
                assert!(
                    error["message"]
                        .as_str()
                        .unwrap()
                        .contains("unknown_0123456789abcdef"),
                    "{error}"
                );
            }
        }
    }
    // Nothing was created by any of it.
    let collections = avara_mock::collections();
    assert!(!collections.is_empty());
    for collection in collections.iter().filter(|c| !c.path.contains('{')) {
        assert_eq!(server.count(collection.path), Ok(0), "{}", collection.path);
    }
}

#[tokio::test]
async fn authentication_comes_before_the_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (server, _) = setup().await;
    // Headers that promise a large body that never comes: the answer must
    // not wait for it.
    let mut socket = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let path = avara_mock::operations()
        .into_iter()
        .find(|op| op.takes_body)
        .map(|op| op.path)
        .unwrap();
    socket
        .write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n\
                 content-length: 100000\r\nauthorization: Bearer sk_live_nope\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), socket.read(&mut answer))
        .await
        .expect("the 401 must come without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("invalid API key"), "{answer}");

    // An oversized body without a key is refused as unauthenticated, not as
    // too large: it was never read.
    let http = avara::http_client_builder().unwrap().build().unwrap();
    let response = http
        .post(format!("{}{path}", server.base_url()))
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn fault_control_needs_the_key() {
    let (server, http) = setup().await;
    let url = format!("{}/_mock/faults", server.base_url());
    let response = http
        .post(&url)
        .body(r#"{"fault":"unavailable","count":5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::UNAUTHORIZED);
    let response = http
        .delete(&url)
        .bearer_auth("sk_live_x")
        .send()
        .await
        .unwrap();
    assert_eq!(read(response).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(server.pending_faults(), 0);
}
