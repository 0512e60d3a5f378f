//! The `avara` binary at its edges: server data with terminal control
//! characters, `--json-body` beside field flags and with unbounded files,
//! and output that cannot be written (a full device, a closed pipe).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::Api;

/// Terminal title, clear screen, a fake row, an 8-bit CSI (U+009B), DEL and
/// a right-to-left override: what a hostile organization name may hold.
const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\r\nFAKE ROW\u{9b}2J\u{7f}\u{202e}gpj.exe";

/// `avara args...` against `base_url`, as a command to run.
pub(crate) fn avara(args: &[&str], base_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_avara"));
    cmd.args(args)
        .env("AVARA_API_KEY", "sk_test_cli")
        .env("AVARA_BASE_URL", base_url);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The characters of `text` a terminal could act on, other than the line
/// feeds that end lines.
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            c != '\n'
                && (c.is_control()
                    || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        })
        .collect()
}

#[test]
fn table_output_escapes_control_characters_in_server_data() {
    let api = Api::start();
    api.create(HOSTILE);
    for args in [
        &["orgs", "list", "-o", "table"][..],
        &["orgs", "list", "--all", "-o", "table"][..],
    ] {
        let out = run(api.command(args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(
            terminal_controls(&out.stdout),
            Vec::<char>::new(),
            "{args:?}: {:?}",
            out.stdout
        );
        assert_eq!(
            out.stdout.lines().count(),
            2,
            "a header and one row: {:?}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains(r"\u{1b}]0;PWNED\u{7}\u{1b}[2J\r\nFAKE ROW\u{9b}2J\u{7f}\u{202e}gpj.exe"),
            "{:?}",
            out.stdout
        );
    }
}

#[test]
fn json_output_is_exact_json_without_raw_control_characters() {
    let api = Api::start();
    api.create(HOSTILE);
    let page = run(api.command(&["orgs", "list"]));
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert_eq!(
        terminal_controls(&page.stdout),
        Vec::<char>::new(),
        "{:?}",
        page.stdout
    );
    let page: Value = serde_json::from_str(&page.stdout).unwrap();
    assert_eq!(page["organizations"][0]["orgName"], HOSTILE);

    let all = run(api.command(&["orgs", "list", "--all"]));
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(
        terminal_controls(&all.stdout),
        Vec::<char>::new(),
        "{:?}",
        all.stdout
    );
    let all: Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(all[0]["orgName"], HOSTILE);
    assert_eq!(all[0], page["organizations"][0]);
}

/// A server that answers every request with `status` and `body`.
fn canned_server(status: &str, body: Value) -> String {
    let status = status.to_string();
    scripted_server(move |_| (status.clone(), body.clone()))
}

/// A server that answers its `n`th request (from 0) with `answer(n)`.
fn scripted_server(answer: impl Fn(usize) -> (String, Value) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut request_body = vec![0; length];
            let _ = reader.read_exact(&mut request_body);
            let (status, body) = answer(n);
            let body = body.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nx-request-id: req_edges\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn error_text_on_stderr_escapes_control_characters() {
    let url = canned_server(
        "404 Not Found",
        json!({"message": HOSTILE, "error": "not_found"}),
    );
    let out = run(avara(
        &["orgs", "retrieve", "org_0123456789abcdef0123456789abcdef"],
        &url,
    ));
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(
        terminal_controls(&out.stderr),
        Vec::<char>::new(),
        "{:?}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert!(out.stderr.contains(r"\u{1b}]0;PWNED"), "{:?}", out.stderr);

    // Arguments echoed by a usage error are escaped too.
    let usage = run(avara(&["orgs", "list", "--limit", "\u{1b}[2J"], &url));
    assert_eq!(usage.code, 2);
    assert_eq!(
        terminal_controls(&usage.stderr),
        Vec::<char>::new(),
        "{:?}",
        usage.stderr
    );
    assert!(usage.stderr.contains(r"\u{1b}[2J"), "{:?}", usage.stderr);
}

fn body_file(dir: &tempfile::TempDir, body: &Value) -> String {
    let path = dir.path().join("body.json");
    std::fs::write(&path, body.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn field_flags_replace_the_fields_of_the_json_body_file() {
    let api = Api::start();
    let dir = tempfile::tempdir().unwrap();
    let file = body_file(
        &dir,
        &json!({"orgName": "From the file", "metadata": {"a": "b", "kept": "no"}}),
    );
    let created = |args: &[&str]| -> Value {
        let out = run(api.command(args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    };

    let both = created(&[
        "orgs",
        "create",
        "--json-body",
        &file,
        "--org-name",
        "X",
        "--metadata",
        "c=d",
    ]);
    assert_eq!(both["orgName"], "X");
    assert_eq!(both["metadata"], json!({"c": "d"}));

    let name_only = created(&["orgs", "create", "--json-body", &file, "--org-name", "Y"]);
    assert_eq!(name_only["orgName"], "Y");
    assert_eq!(name_only["metadata"], json!({"a": "b", "kept": "no"}));

    let metadata_only = created(&["orgs", "create", "--json-body", &file, "--metadata", "e=f"]);
    assert_eq!(metadata_only["orgName"], "From the file");
    assert_eq!(metadata_only["metadata"], json!({"e": "f"}));

    let file_only = created(&["orgs", "create", "--json-body", &file]);
    assert_eq!(file_only["orgName"], "From the file");
    assert_eq!(file_only["metadata"], json!({"a": "b", "kept": "no"}));

    // The rule is the one `--help` states.
    let help = run(api.command(&["orgs", "create", "--help"]));
    assert!(
        help.stdout
            .contains("Field flags given beside it replace those fields"),
        "{}",
        help.stdout
    );
}

#[test]
fn json_body_reads_are_bounded_and_errors_name_the_file() {
    let api = Api::start();
    let started = std::time::Instant::now();
    let zero = run(api.command(&["orgs", "create", "--json-body", "/dev/zero"]));
    assert_eq!(zero.code, 2, "{}", zero.stderr);
    assert_eq!(
        zero.stderr,
        "error: --json-body /dev/zero: larger than 1048576 bytes (1 MiB), the limit of a request body file\n"
    );
    // Not a timing assertion on speed: an unbounded read never returns.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let padding = " ".repeat(1024 * 1024);
    std::fs::write(&big, format!("{{\"orgName\": \"Big\"}}{padding}")).unwrap();
    let big = big.to_str().unwrap();
    let out = run(api.command(&["orgs", "create", "--json-body", big]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(&format!("--json-body {big}: larger than")),
        "{}",
        out.stderr
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"orgName\": \n  oops}").unwrap();
    let bad = bad.to_str().unwrap();
    let out = run(api.command(&["orgs", "create", "--json-body", bad]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with(&format!(
            "error: --json-body {bad}: not a valid request body: "
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("line 2 column 3"), "{}", out.stderr);

    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let out = run(api.command(&["orgs", "create", "--json-body", missing]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with(&format!("error: cannot read --json-body {missing}: ")),
        "{}",
        out.stderr
    );
}

#[test]
fn output_that_cannot_be_written_exits_1() {
    let api = Api::start();
    api.create("Full");
    for args in [
        &["orgs", "list"][..],
        &["orgs", "list", "--all", "-o", "table"][..],
    ] {
        let mut cmd = api.command(args);
        cmd.stdout(std::fs::File::create("/dev/full").unwrap());
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot write the output: No space left on device"),
            "{stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_exits_0() {
    let api = Api::start();
    // Far more output than a pipe buffers (64 KiB), so avara is still
    // writing when the reader goes away.
    for i in 0..400 {
        api.create(&format!("Organization number {i:03} with a longish name"));
    }
    for args in [
        &["orgs", "list", "--all"][..],
        &["orgs", "list", "--all", "-o", "table"][..],
    ] {
        // `avara orgs list --all | head -c1`
        let mut child = api
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_closed_pipe_stops_the_listing() {
    // An endless listing: every page has more. Only a stop on the closed
    // pipe ends `avara orgs list --all | head -c1`.
    let api = Api::start();
    api.create("Endless");
    let page = run(api.command(&["orgs", "list"]));
    let org: Value =
        serde_json::from_str::<Value>(&page.stdout).unwrap()["organizations"][0].clone();
    let url = scripted_server(move |n| {
        let organizations: Vec<Value> = (0..100)
            .map(|i| {
                let mut org = org.clone();
                org["orgId"] = json!(format!("org_{:032x}", n * 100 + i));
                org
            })
            .collect();
        (
            "200 OK".to_string(),
            json!({"organizations": organizations, "hasMore": true, "cursor": format!("page{n}")}),
        )
    });
    let mut child = avara(&["orgs", "list", "--all"], &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        status.map(|s| s.code()),
        Some(Some(0)),
        "avara must stop paging once its output is closed"
    );
}
