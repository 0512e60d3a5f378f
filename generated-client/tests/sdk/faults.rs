//! The fault matrix: every way a server can fail that the SDK must survive,
//! each row with its outcome and its number of attempts. Driven by
//! avara-mock's fault injection, wiremock, and a raw TCP server where neither
//! can produce the fault. Every client here allows 2 retries (3 attempts).

use std::time::{Duration, Instant};

use avara::ErrorKind;
use avara::types::OrgCreateParams;
use avara_mock::Fault;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::raw::{Answer, RawServer, cut_in_half, response};
use crate::{API_KEY, Arrivals, org_id, org_json};

const ATTEMPTS: u32 = 3;

fn client_for(url: &str) -> avara::Client {
    avara::Client::builder()
        .api_key(API_KEY)
        .base_url(url)
        .max_retries(ATTEMPTS - 1)
        .retry_delays(Duration::from_millis(1), Duration::from_millis(5))
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap()
}

async fn retrieve(url: &str) -> Result<avara::types::Org, avara::Error> {
    client_for(url).orgs_retrieve().org_id(org_id(1)).await
}

/// A wiremock server answering GETs with `first` once, then 200 with an org.
async fn once_then_ok(first: ResponseTemplate) -> (MockServer, Arrivals) {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(method("GET"))
        .respond_with(arrivals.answering(first))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(arrivals.answering(ResponseTemplate::new(200).set_body_json(org_json(1))))
        .with_priority(2)
        .mount(&server)
        .await;
    (server, arrivals)
}

/// A wiremock server answering every GET with `template`.
async fn always(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn http_date_in(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

// ---- 429 and the server's requested delay -------------------------------

/// A 429 whose requested wait the SDK honours: success on the second
/// attempt, which arrives no sooner than `at_least` after the first.
async fn honoured_429(header: &'static str, value: String, at_least: Duration) {
    let (server, arrivals) =
        once_then_ok(ResponseTemplate::new(429).insert_header(header, value.as_str())).await;
    let org = retrieve(&server.uri()).await.unwrap();
    assert_eq!(org.org_id.as_str(), org_id(1));
    let gaps = arrivals.gaps();
    assert_eq!(gaps.len(), 1, "{header}: {value}: two attempts");
    assert!(
        gaps[0] >= at_least && gaps[0] < Duration::from_secs(10),
        "{header}: {value}: waited {:?}",
        gaps[0]
    );
}

#[tokio::test]
async fn row_429_retry_after_seconds() {
    honoured_429("retry-after", "1".into(), Duration::from_millis(950)).await;
}

#[tokio::test]
async fn row_429_retry_after_http_date() {
    // Whole seconds: a date 2 s ahead is between 1 and 2 s away.
    honoured_429("retry-after", http_date_in(2), Duration::from_millis(900)).await;
}

#[tokio::test]
async fn row_429_retry_after_ms() {
    honoured_429("retry-after-ms", "300".into(), Duration::from_millis(290)).await;
}

/// A 429 whose requested wait is unusable: the SDK's own backoff (1-5 ms)
/// instead, and success on the second attempt.
async fn backoff_429(header: &'static str, value: &str) {
    let (server, arrivals) =
        once_then_ok(ResponseTemplate::new(429).insert_header(header, value)).await;
    retrieve(&server.uri()).await.unwrap();
    let gaps = arrivals.gaps();
    assert_eq!(gaps.len(), 1, "{header}: {value}: two attempts");
    assert!(
        gaps[0] < Duration::from_secs(1),
        "{header}: {value}: {gaps:?}"
    );
}

#[tokio::test]
async fn row_429_retry_after_negative() {
    backoff_429("retry-after", "-5").await;
    backoff_429("retry-after-ms", "-5000").await;
}

#[tokio::test]
async fn row_429_retry_after_garbage() {
    for garbage in ["soon", "NaN", "inf", "1e", "Sun, 32 Foo 2024"] {
        backoff_429("retry-after", garbage).await;
        backoff_429("retry-after-ms", garbage).await;
    }
}

/// A 429 that asks for more than 60 s: not retried, the wait reported.
async fn over_the_cap_429(header: &'static str, value: &str, asked: Duration) {
    let server = always(ResponseTemplate::new(429).insert_header(header, value)).await;
    let err = retrieve(&server.uri()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit, "{header}: {value}");
    assert_eq!(err.attempts(), 1, "{header}: {value}");
    assert_eq!(err.retry_after(), Some(asked), "{header}: {value}");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn row_429_retry_after_huge() {
    // Finite, but too large for a Duration: no panic, no retry.
    over_the_cap_429("retry-after-ms", "1e23", Duration::MAX).await;
    over_the_cap_429("retry-after", "1e300", Duration::MAX).await;
}

#[tokio::test]
async fn row_429_retry_after_above_the_cap() {
    over_the_cap_429("retry-after", "61", Duration::from_secs(61)).await;
    over_the_cap_429("retry-after-ms", "3600000", Duration::from_secs(3600)).await;
}

// ---- 5xx with a JSON and with an HTML body ------------------------------

#[tokio::test]
async fn row_5xx_with_json_and_html_bodies() {
    for status in [500u16, 502, 503, 504] {
        let json_body = json!({"message": format!("{status} from upstream"), "error": "upstream"});
        let html_body = format!("<html><body><h1>{status} Server Error</h1></body></html>");
        let cases = [
            ResponseTemplate::new(status).set_body_json(&json_body),
            ResponseTemplate::new(status)
                .insert_header("content-type", "text/html")
                .set_body_string(html_body.clone()),
        ];
        for (n, template) in cases.into_iter().enumerate() {
            let server = always(template.insert_header("x-request-id", "req_5xx")).await;
            let err = retrieve(&server.uri()).await.unwrap_err();
            let case = format!("{status} {}", ["json", "html"][n]);
            assert_eq!(err.kind(), ErrorKind::InternalServer, "{case}");
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{case}");
            assert_eq!(err.attempts(), ATTEMPTS, "{case}");
            assert_eq!(request_count(&server).await, ATTEMPTS as usize, "{case}");
            assert_eq!(err.request_id(), Some("req_5xx"), "{case}");
            if n == 0 {
                let body = err.body().expect("the JSON error body is decoded");
                assert_eq!(
                    body.message.as_deref(),
                    Some(format!("{status} from upstream").as_str())
                );
            } else {
                assert!(err.body().is_none(), "{case}");
                assert_eq!(err.raw_body(), Some(html_body.as_str()), "{case}");
            }

            // Once, then a success: retried and recovered.
            let (server, arrivals) = once_then_ok(ResponseTemplate::new(status)).await;
            retrieve(&server.uri()).await.unwrap();
            assert_eq!(arrivals.gaps().len(), 1, "{case}: two attempts");
        }
    }
}

// ---- The connection ------------------------------------------------------

#[tokio::test]
async fn row_reset_before_the_headers() {
    // Every attempt: the connection closes without a byte of response.
    let server = RawServer::start(|_| Answer::Close).await;
    let err = retrieve(&server.url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), ATTEMPTS);
    assert_eq!(server.requests(), ATTEMPTS as usize);
    assert_eq!(err.status(), None);
    assert_eq!(err.request_id(), None);

    // The first attempt only: recovered on the second.
    let ok = response("200 OK", &[], org_json(1).to_string().as_bytes());
    let server = RawServer::start(move |n| {
        if n == 0 {
            Answer::Close
        } else {
            Answer::Send(ok.clone())
        }
    })
    .await;
    retrieve(&server.url).await.unwrap();
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn row_reset_mid_body() {
    let body = org_json(1).to_string().into_bytes();
    // Every attempt cut off: the last attempt's status and request id are kept.
    let cut = body.clone();
    let server = RawServer::start(move |n| {
        Answer::Send(cut_in_half(&cut, &format!("req_attempt_{}", n + 1)))
    })
    .await;
    let err = retrieve(&server.url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), ATTEMPTS);
    assert_eq!(server.requests(), ATTEMPTS as usize);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(err.request_id(), Some("req_attempt_3"));
    assert!(err.message().contains("body"), "{err}");

    // The first attempt cut off: the GET succeeds on the next attempt.
    let ok = response("200 OK", &[], &body);
    let server = RawServer::start(move |n| {
        if n == 0 {
            Answer::Send(cut_in_half(&body, "req_cut"))
        } else {
            Answer::Send(ok.clone())
        }
    })
    .await;
    let org = retrieve(&server.url).await.unwrap();
    assert_eq!(org.org_id.as_str(), org_id(1));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn row_hang_past_the_timeout() {
    // Before the headers: the server accepts the request and says nothing.
    let server = RawServer::start(|_| Answer::SendThenHang(Vec::new())).await;
    let started = Instant::now();
    let err = retrieve(&server.url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), ATTEMPTS);
    assert_eq!(server.requests(), ATTEMPTS as usize);
    assert_eq!(err.status(), None);
    // Functional bound, not a benchmark: three 0.8 s attempts, not a 30 s hang.
    assert!(started.elapsed() < Duration::from_secs(20));

    // After the headers and half the body: the timeout covers the body too,
    // and the attempt's status and request id are kept.
    let body = org_json(1).to_string().into_bytes();
    let server =
        RawServer::start(move |_| Answer::SendThenHang(cut_in_half(&body, "req_stalled"))).await;
    let err = retrieve(&server.url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.attempts(), ATTEMPTS);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(err.request_id(), Some("req_stalled"));
}

// ---- Bodies that arrive whole but wrong ----------------------------------

/// A 200 answered by wiremock with this body: never retried.
async fn bad_200(template: ResponseTemplate) -> avara::Error {
    let server = always(template).await;
    let err = retrieve(&server.uri()).await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{err}");
    assert_eq!(request_count(&server).await, 1);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert!(!err.is_retryable());
    err
}

#[tokio::test]
async fn row_truncated_json() {
    let err = bad_200(
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(r#"{"createdAt": "2024-01-15T09:00:00Z", "isActive": tr"#),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.raw_body().unwrap().contains("isActive"));
}

#[tokio::test]
async fn row_empty_200() {
    let err =
        bad_200(ResponseTemplate::new(200).insert_header("content-type", "application/json")).await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_eq!(err.raw_body(), Some(""));
}

#[tokio::test]
async fn row_200_not_matching_the_schema() {
    let mut org = org_json(1);
    org["orgId"] = json!("not-an-org-id");
    let err = bad_200(ResponseTemplate::new(200).set_body_json(&org)).await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert!(err.raw_body().unwrap().contains("not-an-org-id"));
    assert!(err.message().contains("does not decode"), "{err}");
}

#[tokio::test]
async fn row_200_with_the_wrong_content_type() {
    let err = bad_200(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html>maintenance</html>"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    assert_eq!(err.raw_body(), Some("<html>maintenance</html>"));
}

#[tokio::test]
async fn row_redirect() {
    // Not followed: a followed 302/303 turns a POST into a GET.
    for status in [301u16, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).insert_header("location", "/v1/elsewhere"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).insert_header("location", "/v1/elsewhere"))
            .mount(&server)
            .await;
        let client = client_for(&server.uri());
        let err = client.orgs_retrieve().org_id(org_id(1)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OtherStatus, "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.attempts(), 1);
        let err = client
            .orgs_create()
            .body(OrgCreateParams::builder().org_name("x"))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.attempts(), 1);
        let paths: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.url.path().to_string())
            .collect();
        assert_eq!(paths.len(), 2, "{status}: {paths:?}");
        assert!(paths.iter().all(|p| p != "/v1/elsewhere"), "{paths:?}");
    }
}

// ---- avara-mock's faults, end to end -------------------------------------

fn mock_client(server: &avara_mock::MockServer) -> avara::Client {
    client_for(&server.base_url())
}

fn create_params(name: &str) -> OrgCreateParams {
    OrgCreateParams::builder()
        .org_name(name)
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn a_create_retried_after_a_lost_response_leaves_exactly_one_organization() {
    let server = avara_mock::spawn().await.unwrap();
    server.inject(Fault::DropConnection, 1);
    let client = mock_client(&server);
    let org = client
        .orgs_create()
        .body(create_params("Radiology"))
        .await
        .unwrap();
    assert_eq!(server.pending_faults(), 0, "the first attempt was dropped");
    assert_eq!(
        server.count("/v1/orgs").unwrap(),
        1,
        "the retry did not create a second"
    );
    let listed = client.orgs_list().await.unwrap();
    assert_eq!(listed.organizations.len(), 1);
    assert_eq!(listed.organizations[0].org_id, org.org_id);
}

#[tokio::test]
async fn a_body_truncated_by_the_mock_is_retried() {
    let server = avara_mock::spawn().await.unwrap();
    let client = mock_client(&server);
    let org = client
        .orgs_create()
        .body(create_params("Radiology"))
        .await
        .unwrap();
    server.inject(Fault::TruncatedBody, 1);
    let same = client
        .orgs_retrieve()
        .org_id(org.org_id.clone())
        .await
        .unwrap();
    assert_eq!(same, org);
    assert_eq!(server.pending_faults(), 0);

    // A create whose 201 body is cut off: retried with its key, one org.
    server.inject(Fault::TruncatedBody, 1);
    let second = client
        .orgs_create()
        .body(create_params("Cardiology"))
        .await
        .unwrap();
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.count("/v1/orgs").unwrap(), 2);
    assert_eq!(second.org_name.as_str(), "Cardiology");

    // Every attempt cut off: a typed error after all attempts.
    server.inject(Fault::TruncatedBody, ATTEMPTS as usize);
    let err = client.orgs_retrieve().org_id(org.org_id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), ATTEMPTS);
    assert!(err.request_id().is_some_and(|id| id.starts_with("req_")));
}

#[tokio::test]
async fn the_mocks_rate_limit_unavailable_and_delay_faults() {
    let server = avara_mock::spawn().await.unwrap();
    let client = mock_client(&server);
    server.inject(Fault::Unavailable, ATTEMPTS as usize);
    let err = client.orgs_list().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InternalServer);
    assert_eq!(err.attempts(), ATTEMPTS);

    server.inject(
        Fault::RateLimit {
            retry_after_secs: 1,
        },
        1,
    );
    let started = Instant::now();
    client.orgs_list().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(server.pending_faults(), 0);

    // Longer than the 0.8 s attempt timeout, once: retried.
    server.inject(Fault::Delay(Duration::from_millis(2_000)), 1);
    client.orgs_list().await.unwrap();
    assert_eq!(server.pending_faults(), 0);
}

// ---- Arbitrary header values, end to end ---------------------------------

/// A header value the server could send (any bytes HTTP allows in one), or a
/// value shaped like what the header expects.
fn arbitrary_value(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(0..6) {
        0 => rng.i64(..).to_string().into_bytes(),
        1 => format!("{:e}", f64::from_bits(rng.u64(..))).into_bytes(),
        2 => ["true", "false", " TRUE ", "0", "1e23", "-1", "NaN"][rng.usize(0..7)]
            .as_bytes()
            .to_vec(),
        3 => http_date_in(rng.i64(-1_000_000..1_000_000)).into_bytes(),
        _ => {
            let len = rng.usize(1..30);
            std::iter::repeat_with(|| {
                loop {
                    let b = rng.u8(..);
                    if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 {
                        break b;
                    }
                }
            })
            .take(len)
            .collect()
        }
    }
}

#[tokio::test]
async fn arbitrary_retry_and_request_id_headers_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0xa7a4a_f0017);
    let statuses = [
        "200 OK",
        "429 Too Many Requests",
        "503 Service Unavailable",
        "400 Bad Request",
    ];
    for case in 0..60 {
        let status = statuses[rng.usize(0..statuses.len())];
        let mut headers: Vec<(&str, Vec<u8>)> = Vec::new();
        for name in [
            "retry-after",
            "retry-after-ms",
            "x-should-retry",
            "x-request-id",
        ] {
            if rng.u8(0..3) > 0 {
                headers.push((name, arbitrary_value(&mut rng)));
            }
        }
        let body = if status.starts_with("200") {
            org_json(1).to_string()
        } else {
            json!({"message": "no"}).to_string()
        };
        let header_refs: Vec<(&str, &[u8])> =
            headers.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        let answer = response(status, &header_refs, body.as_bytes());
        let server = RawServer::start(move |_| Answer::Send(answer.clone())).await;
        // The deadline bounds any wait the headers ask for (at most 60 s).
        let result = client_for(&server.url)
            .orgs_retrieve()
            .org_id(org_id(1))
            .with_options(avara::RequestOptions::new().deadline(Duration::from_millis(300)))
            .await;
        let what = format!("case {case}: {status} {headers:?}");
        let requests = server.requests();
        assert!(
            (1..=ATTEMPTS as usize).contains(&requests),
            "{what}: {requests}"
        );
        match result {
            Ok(org) => {
                assert!(status.starts_with("200"), "{what}");
                assert_eq!(requests, 1, "{what}: a 200 is never retried");
                assert_eq!(org.org_id.as_str(), org_id(1));
            }
            Err(err) => {
                assert_eq!(err.attempts() as usize, requests, "{what}");
                let sent_id = headers
                    .iter()
                    .find(|(n, _)| *n == "x-request-id")
                    .and_then(|(_, v)| std::str::from_utf8(v).ok())
                    .map(str::trim);
                if let Some(id) = err.request_id() {
                    assert_eq!(Some(id.trim()), sent_id, "{what}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_transport_failure_never_reports_an_earlier_attempts_request_id() {
    // Attempt 1: a 503 with a request id. Attempt 2: the connection closes.
    let unavailable = response(
        "503 Service Unavailable",
        &[("x-request-id", b"req_first")],
        b"{}",
    );
    let server = RawServer::start(move |n| {
        if n == 0 {
            Answer::Send(unavailable.clone())
        } else {
            Answer::Close
        }
    })
    .await;
    let err = avara::Client::builder()
        .api_key(API_KEY)
        .base_url(&server.url)
        .max_retries(1)
        .retry_delays(Duration::from_millis(1), Duration::from_millis(1))
        .build()
        .unwrap()
        .orgs_retrieve()
        .org_id(org_id(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.status(), None);
    assert_eq!(err.request_id(), None, "req_first belongs to attempt 1");
}

#[tokio::test]
async fn every_mock_fault_header_value_end_to_end() {
    // The fault header goes with every attempt, so each call allows none.
    let server = avara_mock::spawn().await.unwrap();
    let client = mock_client(&server);
    let org = client
        .orgs_create()
        .body(create_params("Radiology"))
        .await
        .unwrap();
    let faulted = |spec: &str| {
        avara::RequestOptions::new()
            .header(avara_mock::FAULT_HEADER, spec)
            .max_retries(0)
    };

    let err = client
        .orgs_list()
        .with_options(faulted("rate-limit"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit, "{err}");

    let err = client
        .orgs_list()
        .with_options(faulted("rate-limit=120"))
        .with_options(avara::RequestOptions::new().max_retries(2))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimit, "{err}");
    assert_eq!(err.attempts(), 1, "120 s is above the cap: not retried");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));

    let err = client
        .orgs_list()
        .with_options(faulted("unavailable"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));

    let err = client
        .orgs_create()
        .body(create_params("Dropped"))
        .with_options(faulted("drop"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.status(), None);
    assert_eq!(
        server.count("/v1/orgs").unwrap(),
        2,
        "the dropped create was applied"
    );

    let err = client
        .orgs_retrieve()
        .org_id(org.org_id.clone())
        .with_options(faulted("truncate"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));

    let started = Instant::now();
    let same = client
        .orgs_retrieve()
        .org_id(org.org_id.clone())
        .with_options(faulted("delay=300"))
        .await
        .unwrap();
    assert_eq!(same, org);
    assert!(started.elapsed() >= Duration::from_millis(290));
}
