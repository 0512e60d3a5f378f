//! The `avara-mock` binary itself: `--operations`, and `--examples` with an
//! extra API key that has spaces (as the official Python SDK's tests use).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_avara-mock");

#[test]
fn operations_lists_every_operation_with_its_behaviour() {
    let output = Command::new(BINARY).arg("--operations").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let operations = avara_mock::operations();
    assert_eq!(lines.len(), operations.len());
    for (line, op) in lines.iter().zip(&operations) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields[0], op.id, "{line}");
        assert_eq!(fields[1], format!("{} {}", op.method, op.path), "{line}");
        assert!(!op.behaviour.is_empty(), "{line}");
        assert_eq!(fields[3], op.behaviour, "{line}");
    }
}

/// Kills the server when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn examples_and_a_key_with_spaces_from_the_command_line() {
    let mut child = Command::new(BINARY)
        .args(["--port", "0", "--examples", "--api-key", "My API Key"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("avara-mock listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let study = avara_mock::collections()
        .into_iter()
        .find(|c| c.path == "/v1/autoScribe/studies")
        .and_then(|c| c.example)
        .unwrap();
    let id = study["studyId"].as_str().unwrap();
    let http = avara::http_client_builder().unwrap().build().unwrap();
    let response = http
        .get(format!("{base}/v1/autoScribe/studies/{id}"))
        .bearer_auth("My API Key")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let got: Value = response.json().await.unwrap();
    assert_eq!(got, study);
    let refused = http
        .get(format!("{base}/v1/autoScribe/studies/{id}"))
        .bearer_auth("My API")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    drop(running);
}
