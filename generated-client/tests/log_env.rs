//! `AVARA_LOG`: the SDK's own tracing output on stderr when the program has
//! no subscriber. Stderr and the global subscriber belong to the process, so
//! each scenario runs this test binary again as a child (the `child` test,
//! which does nothing unless `AVARA_LOG_TEST_CHILD` names a scenario) and
//! reads what it printed.

use std::process::Command;
use std::time::Duration;

const CHILD: &str = "AVARA_LOG_TEST_CHILD";

/// Runs in the child: one call that is retried once (a 503, then a page).
#[test]
fn child() {
    let Ok(scenario) = std::env::var(CHILD) else {
        return;
    };
    if scenario == "app-subscriber" {
        // The program's own subscriber, on stdout: the SDK must report to it.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::stdout)
            .init();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "organizations": [], "hasMore": false
            })))
            .with_priority(2)
            .mount(&server)
            .await;
        let client = avara::Client::builder()
            .api_key("sk_test_LOGSECRET_1")
            .base_url(server.uri())
            .retry_delays(Duration::from_millis(1), Duration::from_millis(1))
            .build()
            .unwrap();
        client.orgs_list().await.unwrap();
    });
}

/// The child's stdout and stderr for `scenario` with `AVARA_LOG=level`.
fn run(scenario: &str, level: Option<&str>) -> (String, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario);
    match level {
        Some(level) => command.env(avara::LOG_ENV, level),
        None => command.env_remove(avara::LOG_ENV),
    };
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn avara_log_debug_prints_the_sdks_events_and_only_the_sdks() {
    let (_, stderr) = run("plain", Some("debug"));
    assert!(stderr.contains("avara.request"), "{stderr}");
    assert!(
        stderr.contains("operation=\"orgs_list\"") || stderr.contains("operation=orgs_list"),
        "{stderr}"
    );
    assert!(stderr.contains("sending the request"), "{stderr}");
    assert!(
        stderr.contains("retrying after a retryable status"),
        "{stderr}"
    );
    assert!(
        stderr.contains("DEBUG") && stderr.contains("INFO"),
        "{stderr}"
    );
    // Nothing of other crates (hyper, reqwest), and never the key.
    for line in stderr
        .lines()
        .filter(|l| l.contains("DEBUG") || l.contains("INFO"))
    {
        assert!(line.contains("avara"), "not the SDK's: {line}");
    }
    assert!(!stderr.contains("LOGSECRET"), "{stderr}");
}

#[test]
fn avara_log_levels_filter() {
    let (_, info) = run("plain", Some("info"));
    assert!(info.contains("retrying after a retryable status"), "{info}");
    assert!(!info.contains("sending the request"), "{info}");

    // Nothing the SDK says on this call is a warning.
    for level in [Some("warn"), Some("off"), Some("loud"), None] {
        let (_, stderr) = run("plain", level);
        assert!(!stderr.contains("avara"), "AVARA_LOG={level:?}: {stderr}");
    }
}

#[test]
fn a_program_with_its_own_subscriber_gets_the_events_instead() {
    let (stdout, stderr) = run("app-subscriber", Some("debug"));
    assert!(stdout.contains("sending the request"), "{stdout}");
    assert!(!stderr.contains("avara"), "{stderr}");
}
