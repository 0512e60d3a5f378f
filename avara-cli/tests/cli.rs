//! The `avara` binary against the in-process mock API (`avara-mock`), with
//! its outputs snapshotted (ids, timestamps, uuids and request ids redacted).

// One test binary for the CLI: each links the whole stack.
#[path = "cli/edges.rs"]
mod edges;
#[path = "cli/tree.rs"]
mod tree;

use std::process::{Command, Output};

use avara::types::OrgCreateParams;

/// A mock API on a runtime of its own, for as long as the test runs.
struct Api {
    runtime: tokio::runtime::Runtime,
    server: avara_mock::MockServer,
}

impl Api {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(avara_mock::spawn()).unwrap();
        Api { runtime, server }
    }

    fn url(&self) -> String {
        self.server.base_url()
    }

    /// Creates one organization named `name` through the SDK.
    fn create(&self, name: &str) {
        let client = avara::Client::builder()
            .api_key("sk_test_cli")
            .base_url(self.url())
            .build()
            .unwrap();
        self.runtime
            .block_on(async {
                client
                    .orgs_create()
                    .body(OrgCreateParams::builder().org_name(name))
                    .await
            })
            .unwrap();
    }

    /// Creates `n` organizations through the SDK.
    fn create_orgs(&self, n: usize) {
        for i in 0..n {
            self.create(&format!("Org {i:02}"));
        }
    }

    /// `avara args...` as a command to run, with AVARA_API_KEY and
    /// AVARA_BASE_URL set to this API (for tests that need its pipes).
    fn command(&self, args: &[&str]) -> Command {
        edges::avara(args, &self.url())
    }

    /// `avara args...` with AVARA_API_KEY and AVARA_BASE_URL set to this API.
    fn avara(&self, args: &[&str]) -> Run {
        run(
            args,
            &[
                ("AVARA_API_KEY", "sk_test_cli"),
                ("AVARA_BASE_URL", &self.url()),
            ],
        )
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_avara"));
    cmd.args(args)
        .env_remove("AVARA_API_KEY")
        .env_remove("AVARA_BASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        code: status.code().expect("exited"),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// Redacts what changes from run to run, and collapses table padding (whose
/// width follows the redacted values).
fn normalize(text: &str) -> String {
    let rules = [
        (r"org_[0-9a-f]{32}", "org_[id]"),
        (
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})",
            "[timestamp]",
        ),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"req_[0-9A-Za-z]+", "[request-id]"),
        (r"127\.0\.0\.1:[0-9]+", "127.0.0.1:[port]"),
        (r"  +", "  "),
    ];
    let mut text = text.to_string();
    for (pattern, replacement) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}

fn snapshot(run: &Run) -> String {
    format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        run.code,
        normalize(&run.stdout),
        normalize(&run.stderr)
    )
}

#[test]
fn help_lists_groups_exit_codes_and_environment() {
    let help = run(&["--help"], &[]);
    assert_eq!(help.code, 0);
    insta::assert_snapshot!("help", snapshot(&help));
    insta::assert_snapshot!("help_orgs", snapshot(&run(&["orgs", "--help"], &[])));
    insta::assert_snapshot!(
        "help_orgs_create",
        snapshot(&run(&["orgs", "create", "--help"], &[]))
    );
    insta::assert_snapshot!(
        "help_orgs_list_short",
        snapshot(&run(&["orgs", "list", "-h"], &[]))
    );
    insta::assert_snapshot!(
        "help_orgs_retrieve",
        snapshot(&run(&["orgs", "retrieve", "--help"], &[]))
    );
}

#[test]
fn create_then_retrieve_then_list() {
    let api = Api::start();
    let created = api.avara(&[
        "orgs",
        "create",
        "--org-name",
        "City Medical Center - Radiology",
        "--metadata",
        "department=radiology",
        "--metadata",
        "region=northeast",
    ]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    insta::assert_snapshot!("create", snapshot(&created));
    let org: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let id = org["orgId"].as_str().unwrap();

    let retrieved = api.avara(&["orgs", "retrieve", id]);
    assert_eq!(retrieved.code, 0, "{}", retrieved.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&retrieved.stdout).unwrap(),
        org
    );
    insta::assert_snapshot!(
        "retrieve_table",
        snapshot(&api.avara(&["orgs", "retrieve", id, "--output", "table"]))
    );

    api.create_orgs(2);
    let page = api.avara(&["orgs", "list", "--limit", "2"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    insta::assert_snapshot!("list_page", snapshot(&page));
    insta::assert_snapshot!(
        "list_table",
        snapshot(&api.avara(&["orgs", "list", "-o", "table"]))
    );
}

#[test]
fn all_pages_through_every_org() {
    let api = Api::start();
    api.create_orgs(45);

    let all = api.avara(&["orgs", "list", "--all", "--limit", "10"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    let orgs: Vec<serde_json::Value> = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(orgs.len(), 45);
    let mut ids: Vec<&str> = orgs.iter().map(|o| o["orgId"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 45, "no org twice");
    assert_eq!(all.stderr, "", "no progress unless stderr is a terminal");

    let table = api.avara(&["orgs", "list", "--all", "--limit", "10", "-o", "table"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_eq!(table.stdout.lines().count(), 46, "a header and 45 rows");

    // Without --all, one page of the default size.
    let page = api.avara(&["orgs", "list"]);
    let page: serde_json::Value = serde_json::from_str(&page.stdout).unwrap();
    assert_eq!(page["organizations"].as_array().unwrap().len(), 20);
    assert_eq!(page["hasMore"], true);

    let empty = Api::start().avara(&["orgs", "list", "--all"]);
    assert_eq!((empty.code, empty.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn usage_errors_exit_2() {
    let api = Api::start();
    let cases: &[(&str, &[&str])] = &[
        ("bad_org_id", &["orgs", "retrieve", "org_nope"]),
        ("missing_org_name", &["orgs", "create"]),
        (
            "bad_metadata",
            &["orgs", "create", "--org-name", "x", "--metadata", "novalue"],
        ),
        ("unknown_command", &["orgs", "delete"]),
        ("limit_zero", &["orgs", "list", "--limit", "0"]),
        ("limit_over_max", &["orgs", "list", "--limit", "101"]),
        (
            "all_with_cursor",
            &["orgs", "list", "--all", "--cursor", "abc"],
        ),
        ("no_command", &[]),
    ];
    for (name, args) in cases {
        let out = api.avara(args);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{name}");
        insta::assert_snapshot!(format!("usage_{name}"), snapshot(&out));
    }
}

#[test]
fn missing_api_key_exits_2() {
    let out = run(
        &["orgs", "list"],
        &[("AVARA_BASE_URL", "http://127.0.0.1:9")],
    );
    assert_eq!(out.code, 2);
    insta::assert_snapshot!("missing_api_key", snapshot(&out));
}

#[test]
fn flags_override_the_environment() {
    let api = Api::start();
    let url = api.url();
    let out = run(
        &[
            "orgs",
            "list",
            "--api-key",
            "sk_test_flag",
            "--base-url",
            &url,
        ],
        &[
            ("AVARA_API_KEY", "sk_live_wrong"),
            ("AVARA_BASE_URL", "http://127.0.0.1:9"),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn api_errors_exit_3_with_the_api_message() {
    let api = Api::start();
    let missing = api.avara(&["orgs", "retrieve", "org_0123456789abcdef0123456789abcdef"]);
    assert_eq!(missing.code, 3);
    assert!(missing.stderr.contains("404"), "{}", missing.stderr);
    insta::assert_snapshot!("api_not_found", snapshot(&missing));

    let url = api.url();
    let unauthorized = run(
        &["orgs", "list"],
        &[("AVARA_API_KEY", "sk_live_nope"), ("AVARA_BASE_URL", &url)],
    );
    assert_eq!(unauthorized.code, 3);
    insta::assert_snapshot!("api_unauthorized", snapshot(&unauthorized));
}

#[test]
fn network_errors_exit_4() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = run(
        &["orgs", "list"],
        &[("AVARA_API_KEY", "sk_test_cli"), ("AVARA_BASE_URL", &url)],
    );
    assert_eq!(out.code, 4, "{}", out.stderr);
    insta::assert_snapshot!("network_unreachable", snapshot(&out));
}
