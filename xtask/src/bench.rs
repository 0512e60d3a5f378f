//! `cargo xtask bench`: codegen scaling, client overhead against raw reqwest,
//! pager memory, and (with `--consumer-build`) the cold build of a consumer.
//! Prints a table and rewrites BENCHMARKS.md with the machine, the commands
//! and the figures. Benchmarks print figures; no test asserts a timing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{codegen, spec};

/// Options of `cargo xtask bench`.
#[derive(Debug, Default)]
pub struct Options {
    /// The workspace root to measure and to write BENCHMARKS.md in.
    pub root: PathBuf,
    /// Also time cold builds of two consumer crates (takes minutes).
    pub consumer_build: bool,
    /// Print only; leave BENCHMARKS.md as it is.
    pub no_write: bool,
    /// Skip the rows that time a fresh clone (cold codegen, warm regenerate,
    /// cold and warm test suite), which take minutes.
    pub quick: bool,
}

/// One measured figure against its target.
struct Row {
    benchmark: String,
    figure: String,
    target: String,
    met: Option<bool>,
    /// Why the figure matters to a user, for rows with a target.
    why: &'static str,
}

/// Runs the benchmarks; returns the exit code.
pub fn run(options: &Options) -> i32 {
    match run_inner(options) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("bench: error: {e}");
            1
        }
    }
}

fn run_inner(options: &Options) -> Result<(), String> {
    let root = options.root.clone();
    let mut rows = Vec::new();
    let mut notes = Vec::new();

    if options.quick {
        notes.push(
            "Fresh clone, warm regenerate and the test suite: not measured in this run (`--quick`).".into(),
        );
    } else {
        eprintln!(
            "bench: what a new user waits for (a fresh clone, its own target directory; minutes)"
        );
        fresh_clone(&root, &mut rows, &mut notes)?;
    }

    eprintln!("bench: generated lines per file (the real spec)");
    let spec = spec::load(&root.join(codegen::SPEC)).map_err(|e| e.to_string())?;
    let generated = codegen::generate_from(&spec).map_err(|e| e.to_string())?;
    for file in &generated.files {
        rows.push(Row {
            benchmark: format!("generated lines, `{}`", file.relative_path),
            figure: format!("{}", file.contents.lines().count()),
            target: String::new(),
            met: None,
            why: "",
        });
    }

    eprintln!("bench: codegen scaling (the debug build of xtask, as `cargo xtask codegen` runs)");
    let scaling = codegen_scaling(&root)?;
    let ms = |n: usize| {
        scaling
            .iter()
            .find(|(ops, _)| *ops == n)
            .map(|(_, d)| d.as_secs_f64() * 1e3)
    };
    for (ops, time) in &scaling {
        rows.push(Row {
            benchmark: format!("codegen in memory, {ops} operations"),
            figure: format!("{:.0} ms", time.as_secs_f64() * 1e3),
            target: String::new(),
            met: None,
            why: "",
        });
    }
    if let (Some(a), Some(b)) = (ms(100), ms(1000)) {
        let ratio = b / a;
        rows.push(Row {
            benchmark: "codegen scaling, 100 → 1,000 operations".into(),
            figure: format!("× {ratio:.1}"),
            target: "≤ × 12 (× 10 is linear)".into(),
            met: Some(ratio <= 12.0),
            why: "a spec that grows page by page must not make codegen grow faster than the spec",
        });
    }

    eprintln!("bench: building the harness (cargo build --release -p avara-bench)");
    cargo(
        &root,
        &["build", "--release", "--quiet", "-p", "avara-bench"],
    )?;
    let harness = root.join("target/release/avara-bench");

    eprintln!("bench: client overhead (avara vs hand-written reqwest, interleaved)");
    let overhead = key_values(&run_capture(&harness, &["client-overhead"])?);
    for (op, label) in [("retrieve", "retrieve"), ("list100", "list, pages of 100")] {
        let ratio: f64 = parse(&overhead, &format!("{op}_ratio"))?;
        rows.push(Row {
            benchmark: format!("client throughput vs raw reqwest, {label}"),
            figure: format!(
                "{ratio:.3} ({} vs {} req/s)",
                overhead[&format!("{op}_sdk_rps")],
                overhead[&format!("{op}_raw_rps")]
            ),
            target: "≥ 0.97".into(),
            met: Some(ratio >= 0.97),
            why: "the SDK's hooks (validation, retries, tracing) must cost next to nothing per call",
        });
    }
    notes.push(format!(
        "Client overhead: {} requests per side and operation, in 41 rounds of alternating batches after 200 \
         warm-up requests each, against one in-process avara-mock on 127.0.0.1. The ratio is the median of the \
         rounds' throughput ratios (SDK / raw); the req/s figures are over all rounds.",
        overhead.get("requests_per_side").map(String::as_str).unwrap_or("?")
    ));

    eprintln!("bench: pager memory (100,000 orgs from avara-mock in another process)");
    let pager = pager_memory(&harness, 100_000)?;
    let growth_kib: f64 = parse(&pager, "peak_growth_over_one_page_kib")?;
    rows.push(Row {
        benchmark: "auto-pager, 100,000 orgs: peak RSS growth over one page".into(),
        figure: format!(
            "{:.1} MB (peak {:.1} MB; {} orgs in {} s)",
            growth_kib / 1024.0,
            parse::<f64>(&pager, "peak_end_kib")? / 1024.0,
            pager["orgs_streamed"],
            pager["seconds"]
        ),
        target: "≤ 10 MB".into(),
        met: Some(growth_kib / 1024.0 <= 10.0),
        why: "`stream()` over any number of items holds one page in memory",
    });

    if options.consumer_build {
        eprintln!("bench: consumer build cost (cold builds, minutes)");
        consumer_builds(&root, &mut rows, &mut notes)?;
    } else {
        notes.push(
            "Consumer build cost: not measured in this run; `cargo xtask bench --consumer-build` measures it.".into(),
        );
    }

    let table = render_table(&rows);
    println!("{table}");
    if !options.no_write {
        let report = render_report(&root, &table, &notes, options);
        let path = root.join("BENCHMARKS.md");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, with_measured_block(&existing, &report))
            .map_err(|e| format!("writing BENCHMARKS.md: {e}"))?;
        eprintln!("bench: wrote BENCHMARKS.md");
    }
    Ok(())
}

fn parse<T: std::str::FromStr>(values: &BTreeMap<String, String>, key: &str) -> Result<T, String> {
    values
        .get(key)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("the harness printed no `{key}`"))
}

fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("cargo {} failed ({status})", args.join(" ")))
}

fn run_capture(program: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Starts a seeded avara-mock in one process and streams it from another, so
/// that the pager's memory is measured alone.
fn pager_memory(harness: &Path, orgs: usize) -> Result<BTreeMap<String, String>, String> {
    let mut server = Command::new(harness)
        .args(["serve-seeded", "--orgs", &orgs.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting the seeded server: {e}"))?;
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().expect("piped stdout"))
        .read_line(&mut first_line)
        .map_err(|e| format!("reading the server's address: {e}"))?;
    let url = first_line
        .trim()
        .rsplit(' ')
        .next()
        .filter(|u| u.starts_with("http://"))
        .ok_or_else(|| {
            format!(
                "the seeded server printed `{}`, not its URL",
                first_line.trim()
            )
        })?
        .to_string();
    let result = run_capture(
        harness,
        &[
            "pager-memory",
            "--base-url",
            &url,
            "--expect",
            &orgs.to_string(),
        ],
    );
    drop(server.stdin.take());
    let _ = server.wait();
    Ok(key_values(&result?))
}

/// Times spec loading plus generation for the real spec and synthetic specs
/// of 10, 100 and 1,000 operations built from its shapes.
fn codegen_scaling(root: &Path) -> Result<Vec<(usize, Duration)>, String> {
    let real_path = root.join(codegen::SPEC);
    let real_text = std::fs::read_to_string(&real_path).map_err(|e| e.to_string())?;
    let real = spec::parse(&real_path, real_text.clone()).map_err(|e| e.to_string())?;
    let mut out = vec![(
        real.openapi.operations().count(),
        time_generation(&real_path, &real_text, 5)?,
    )];
    for target in [10, 100, 1000] {
        let text = synthetic_spec(&real.json, target)?;
        let ops = spec::parse(Path::new("synthetic.yaml"), text.clone())
            .map_err(|e| e.to_string())?
            .openapi
            .operations()
            .count();
        let runs = if target >= 1000 { 2 } else { 5 };
        out.push((
            ops,
            time_generation(Path::new("synthetic.yaml"), &text, runs)?,
        ));
    }
    Ok(out)
}

/// The fastest of `runs` full runs: parse and check the spec, run progenitor
/// and the SDK generator, format the output.
fn time_generation(path: &Path, text: &str, runs: usize) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let spec = spec::parse(path, text.to_string()).map_err(|e| e.to_string())?;
        let generated = codegen::generate_from(&spec).map_err(|e| e.to_string())?;
        std::hint::black_box(&generated.files);
        best = best.min(started.elapsed());
    }
    Ok(best)
}

/// A spec of exactly `operations` operations: copies of the real spec's
/// paths under `/g{k}`, each copy with its own renamed schemas, responses
/// and operationIds.
pub fn synthetic_spec(real: &Value, operations: usize) -> Result<String, String> {
    let per_copy = real
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .map(|item| {
                    item.as_object()
                        .map_or(0, |m| m.keys().filter(|k| is_method(k)).count())
                })
                .sum::<usize>()
        })
        .filter(|n| *n > 0)
        .ok_or("the spec has no operations")?;
    let copies = operations.div_ceil(per_copy);
    // Every copy keeps the one shared error schema (and its response), as the
    // SDK generator requires; everything else is copied under a new name.
    let shared = error_refs(real);
    let schema_names: Vec<String> = names(real, "/components/schemas")
        .into_iter()
        .filter(|n| !shared.contains(&format!("#/components/schemas/{n}")))
        .collect();
    let response_names: Vec<String> = names(real, "/components/responses")
        .into_iter()
        .filter(|n| !shared.contains(&format!("#/components/responses/{n}")))
        .collect();

    let mut out = real.clone();
    let mut paths = serde_json::Map::new();
    let mut schemas = serde_json::Map::new();
    let mut responses = serde_json::Map::new();
    let mut remaining = operations;
    for k in 0..copies {
        let partial = remaining < per_copy;
        let mut text = serde_json::to_string(real).map_err(|e| e.to_string())?;
        for name in &schema_names {
            text = text.replace(
                &format!("\"#/components/schemas/{name}\""),
                &format!("\"#/components/schemas/{name}G{k}\""),
            );
        }
        for name in &response_names {
            text = text.replace(
                &format!("\"#/components/responses/{name}\""),
                &format!("\"#/components/responses/{name}G{k}\""),
            );
        }
        let copy: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        for (name, schema) in copy
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let renamed = if schema_names.contains(name) {
                format!("{name}G{k}")
            } else {
                name.clone()
            };
            schemas.insert(renamed, schema.clone());
        }
        for (name, response) in copy
            .pointer("/components/responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let renamed = if response_names.contains(name) {
                format!("{name}G{k}")
            } else {
                name.clone()
            };
            responses.insert(renamed, response.clone());
        }
        for (path, item) in copy
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut item = item.clone();
            if let Some(map) = item.as_object_mut() {
                map.retain(|method, op| {
                    if !is_method(method) {
                        return true;
                    }
                    if remaining == 0 {
                        return false;
                    }
                    remaining -= 1;
                    if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                        let id = format!("g{k}_{id}");
                        op["operationId"] = Value::String(id);
                    }
                    // The operationId is its first tag's resource path and a
                    // verb (checked at load): the copy's path starts `g{k}`.
                    if let Some(tag) = op.pointer("/tags/0").and_then(Value::as_str) {
                        op["tags"][0] = Value::String(format!("g{k}.{tag}"));
                    }
                    // The mock's resource is named by its item schema, as
                    // text rather than a `$ref`. A partial copy may lack the
                    // paths that make a resource, so there the mock goes by
                    // convention alone.
                    if partial {
                        if let Some(op) = op.as_object_mut() {
                            op.remove(crate::extensions::RESOURCE);
                        }
                    } else if let Some(Value::String(resource)) = op
                        .get_mut(crate::extensions::RESOURCE)
                        .and_then(|e| e.get_mut("resource"))
                        && schema_names.contains(resource)
                    {
                        *resource = format!("{resource}G{k}");
                    }
                    if let Some(responses) = op.get_mut("responses") {
                        drop_links(responses);
                    }
                    true
                });
                if map.keys().any(|m| is_method(m)) {
                    paths.insert(format!("/g{k}{path}"), item);
                }
            }
        }
    }
    for response in responses.values_mut() {
        drop_links(response);
    }
    // What lies outside paths and components (tags' extensions, the
    // webhooks) refers to the first copy's schemas.
    out["paths"] = Value::Object(Default::default());
    out["components"]["schemas"] = Value::Object(Default::default());
    out["components"]["responses"] = Value::Object(Default::default());
    let mut text = serde_json::to_string(&out).map_err(|e| e.to_string())?;
    for name in &schema_names {
        text = text.replace(
            &format!("\"#/components/schemas/{name}\""),
            &format!("\"#/components/schemas/{name}G0\""),
        );
    }
    for name in &response_names {
        text = text.replace(
            &format!("\"#/components/responses/{name}\""),
            &format!("\"#/components/responses/{name}G0\""),
        );
    }
    let mut out: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    out["paths"] = Value::Object(paths);
    out["components"]["schemas"] = Value::Object(schemas);
    out["components"]["responses"] = Value::Object(responses);
    serde_yaml::to_string(&out).map_err(|e| e.to_string())
}

/// The `$ref`s of the error (4XX/5XX) responses and of their schemas.
fn error_refs(spec: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for item in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, i)| i)
    {
        for (_, op) in item
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(m, _)| is_method(m))
        {
            for (code, response) in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if !(code.starts_with('4') || code.starts_with('5')) {
                    continue;
                }
                let mut response = response;
                if let Some(r) = response.get("$ref").and_then(Value::as_str) {
                    out.push(r.to_string());
                    response = r
                        .strip_prefix('#')
                        .and_then(|p| spec.pointer(p))
                        .unwrap_or(response);
                }
                if let Some(r) = response
                    .pointer("/content/application~1json/schema/$ref")
                    .and_then(Value::as_str)
                {
                    out.push(r.to_string());
                }
            }
        }
    }
    out
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn names(spec: &Value, pointer: &str) -> Vec<String> {
    spec.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Links play no part in generation; synthetic specs drop them rather than
/// keep operationIds that may name operations left out.
fn drop_links(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("links");
            map.values_mut().for_each(drop_links);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_links),
        _ => {}
    }
}

/// What a new user waits for: a fresh clone of the committed HEAD with its
/// own target directory, where the README's first command (`cargo xtask
/// codegen`) runs cold, then again after a one-line spec edit (cargo's build
/// check included), then the README's test command runs cold.
fn fresh_clone(root: &Path, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("avara-fresh-clone-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let clone = dir.join("clone");
    let target = dir.join("target");
    let git = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root)
        .arg(&clone)
        .status()
        .map_err(|e| format!("git clone: {e}"))?;
    if !git.success() {
        return Err(format!("git clone {} failed ({git})", root.display()));
    }
    let result = (|| {
        // Downloads are not what is timed: fetch first.
        timed_cargo(&clone, &target, &["fetch", "--quiet"])?;
        let cold = timed_cargo(&clone, &target, &["xtask", "codegen"])?;
        rows.push(Row {
            benchmark: "fresh clone → `cargo xtask codegen` (cold build included)".into(),
            figure: format!("{:.0} s", cold.as_secs_f64()),
            target: "≤ 60 s".into(),
            met: Some(cold.as_secs_f64() <= 60.0),
            why: "the README's first command: a newcomer's first wait",
        });

        let spec_path = clone.join(codegen::SPEC);
        let text = std::fs::read_to_string(&spec_path).map_err(|e| e.to_string())?;
        let edited = one_line_edit(&text)?;
        std::fs::write(&spec_path, edited).map_err(|e| e.to_string())?;
        let regenerate = timed_cargo(&clone, &target, &["xtask", "codegen"])?;
        rows.push(Row {
            benchmark: "warm `cargo xtask codegen` after a one-line spec edit (cargo's build check included)".into(),
            figure: format!("{:.2} s", regenerate.as_secs_f64()),
            target: "≤ 1 s".into(),
            met: Some(regenerate.as_secs_f64() <= 1.0),
            why: "the edit → regenerate → review loop of every spec change",
        });
        let rebuild = timed_cargo(&clone, &target, &["build", "--quiet", "-p", "avara"])?;
        rows.push(Row {
            benchmark: "then `cargo build -p avara` on the regenerated client".into(),
            figure: format!("{:.1} s", rebuild.as_secs_f64()),
            target: String::new(),
            met: None,
            why: "",
        });
        // Back to the committed spec, so the test suite's drift gate passes.
        std::fs::write(&spec_path, &text).map_err(|e| e.to_string())?;
        timed_cargo(&clone, &target, &["xtask", "codegen"])?;

        let tests = timed_cargo(&clone, &target, &["test", "--workspace", "--quiet"])?;
        rows.push(Row {
            benchmark:
                "then `cargo test --workspace`, cold (builds every test target and runs them)"
                    .into(),
            figure: format!("{:.0} s", tests.as_secs_f64()),
            target: "≤ 240 s".into(),
            met: Some(tests.as_secs_f64() <= 240.0),
            why: "the README's second command, and most of a CI run",
        });
        let warm_tests = timed_cargo(&clone, &target, &["test", "--workspace", "--quiet"])?;
        rows.push(Row {
            benchmark: "`cargo test --workspace` again, warm (nothing to build)".into(),
            figure: format!("{:.0} s", warm_tests.as_secs_f64()),
            target: "≤ 120 s".into(),
            met: Some(warm_tests.as_secs_f64() <= 120.0),
            why: "every rerun of the suite while working: the tests themselves, not the build",
        });
        notes.push(
            "Fresh clone: `git clone` of the committed HEAD into a temporary directory with its own \
             `CARGO_TARGET_DIR`, after `cargo fetch` (downloads are not timed; the registry cache is shared). \
             The one-line edit changes an operation's `summary`, which changes generated docs but no type."
                .into(),
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs cargo in `dir` with its own target directory and returns the wall
/// time; cargo's output is not shown.
fn timed_cargo(dir: &Path, target: &Path, args: &[&str]) -> Result<Duration, String> {
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("cargo {}: {e}", args.join(" ")))?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        return Err(format!(
            "cargo {} failed in {} ({}):\n{}",
            args.join(" "),
            dir.display(),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(elapsed)
}

/// `text` with the first operation `summary` changed: a one-line spec edit
/// that changes generated documentation.
fn one_line_edit(text: &str) -> Result<String, String> {
    let mut done = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if !done && line.trim_start().starts_with("summary: ") {
                done = true;
                format!("{line} (edited)")
            } else {
                line.to_string()
            }
        })
        .collect();
    if !done {
        return Err("the spec has no `summary:` line to edit".into());
    }
    Ok(lines.join("\n") + "\n")
}

/// Cold builds of a consumer of `avara` and of a plain progenitor client's
/// dependencies, each in its own target directory.
fn consumer_builds(
    root: &Path,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("avara-consumer-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let client = root.join("generated-client");
    let avara = write_consumer(
        &dir,
        "avara-consumer",
        &format!("avara = {{ path = {:?} }}\n", client.display().to_string()),
        "fn main() {\n    let client = avara::Client::builder().api_key(\"sk_test_x\").build();\n    println!(\"{}\", client.is_ok());\n}\n",
    )?;
    let spec = spec::load(&root.join(codegen::SPEC)).map_err(|e| e.to_string())?;
    let plain = codegen::plain_progenitor_client(&spec).map_err(|e| e.to_string())?;
    let plain_lines = plain.lines().count();
    let plain_consumer = write_consumer(
        &dir,
        "plain-progenitor-consumer",
        "progenitor-client = \"=0.15.1\"\n\
         reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\"] }\n\
         serde = { version = \"1\", features = [\"derive\"] }\n\
         serde_json = \"1\"\n\
         serde_urlencoded = \"0.7\"\n\
         bytes = \"1\"\n\
         futures-core = \"0.3\"\n\
         chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\", \"clock\"] }\n\
         uuid = { version = \"1\", features = [\"serde\"] }\n\
         regress = \"0.12\"\n",
        "#[allow(warnings)]\nmod generated;\n\nuse progenitor_client::ClientInfo;\n\nfn main() {\n    let client = generated::Client::new(\"http://127.0.0.1:1\");\n    println!(\"{}\", client.baseurl());\n}\n",
    )?;
    std::fs::write(plain_consumer.join("src/generated.rs"), &plain).map_err(|e| e.to_string())?;
    let baseline = write_consumer(
        &dir,
        "progenitor-consumer",
        "progenitor-client = \"=0.15.1\"\n\
         reqwest = { version = \"0.13\", features = [\"json\", \"query\", \"stream\"] }\n\
         serde = { version = \"1\", features = [\"derive\"] }\n\
         serde_json = \"1\"\n\
         chrono = { version = \"0.4\", features = [\"serde\"] }\n\
         uuid = { version = \"1\", features = [\"serde\"] }\n\
         regress = \"0.12\"\n",
        "fn main() {\n    let client = reqwest::Client::new();\n    println!(\"{:?}\", client);\n}\n",
    )?;
    // The lock file pins the same versions the workspace uses.
    std::fs::copy(root.join("Cargo.lock"), avara.join("Cargo.lock")).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), baseline.join("Cargo.lock"))
        .map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), plain_consumer.join("Cargo.lock"))
        .map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for (name, crate_dir) in [
        ("avara consumer", &avara),
        ("progenitor-client + reqwest defaults", &baseline),
        ("progenitor's plain client for the spec", &plain_consumer),
    ] {
        // Fetch first so that downloads are not timed.
        cargo(crate_dir, &["fetch", "--quiet"])?;
        let started = Instant::now();
        cargo(crate_dir, &["build", "--quiet", "--offline"])?;
        let elapsed = started.elapsed();
        let tree = Command::new("cargo")
            .args([
                "tree",
                "--offline",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--no-dedupe",
            ])
            .current_dir(crate_dir)
            .output()
            .map_err(|e| e.to_string())?;
        let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        crates.sort();
        crates.dedup();
        let aws_lc = crates.iter().any(|c| c.starts_with("aws-lc-sys "));
        results.push((name, elapsed, crates.len() - 1, aws_lc));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (_, ours, our_deps, our_aws) = results[0];
    let (_, base, base_deps, base_aws) = results[1];
    let (_, plain_time, plain_deps, _) = results[2];
    let ratio = ours.as_secs_f64() / base.as_secs_f64();
    rows.push(Row {
        benchmark: "cold `cargo build` of a consumer of avara".into(),
        figure: format!("{:.1} s, {our_deps} dependencies", ours.as_secs_f64()),
        target: String::new(),
        met: None,
        why: "",
    });
    rows.push(Row {
        benchmark: "cold `cargo build` of progenitor-client + reqwest (default features)".into(),
        figure: format!("{:.1} s, {base_deps} dependencies", base.as_secs_f64()),
        target: String::new(),
        met: None,
        why: "",
    });
    rows.push(Row {
        benchmark: "consumer build time, avara / baseline".into(),
        figure: format!("× {ratio:.2}"),
        target: "≤ × 0.6".into(),
        met: Some(ratio <= 0.6),
        why: "every consumer of the crate pays this build once per clean checkout",
    });
    rows.push(Row {
        benchmark: "cold `cargo build` of a consumer of progenitor's plain client for the same spec".into(),
        figure: format!(
            "{:.1} s, {plain_deps} dependencies, {plain_lines} generated lines",
            plain_time.as_secs_f64()
        ),
        target: String::new(),
        met: None,
        why: "",
    });
    rows.push(Row {
        benchmark: "consumer build time, avara / progenitor's plain client".into(),
        figure: format!("× {:.2}", ours.as_secs_f64() / plain_time.as_secs_f64()),
        target: String::new(),
        met: None,
        why: "what the SDK's runtime, glue and checks cost a consumer over progenitor alone (one run)",
    });
    notes.push(format!(
        "Consumer builds: each crate built cold (`cargo build`, dev profile) in its own target directory after \
         `cargo fetch`, with the workspace's Cargo.lock. aws-lc-sys in the avara consumer: {our_aws}; in the baseline: {base_aws}."
    ));
    Ok(())
}

fn write_consumer(dir: &Path, name: &str, deps: &str, main: &str) -> Result<PathBuf, String> {
    let crate_dir = dir.join(name);
    std::fs::create_dir_all(crate_dir.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(
        crate_dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}\n[workspace]\n"),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(crate_dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    Ok(crate_dir)
}

fn render_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| benchmark | figure | target | met | why it matters |\n| --- | --- | --- | --- | --- |\n",
    );
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {met} | {} |",
            row.benchmark, row.figure, row.target, row.why
        );
    }
    out
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "?".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cores} cores ({model}), {memory} memory; {}; {}",
        command_output("rustc", &["--version"]),
        command_output("uname", &["-sr"])
    )
}

const BLOCK_BEGIN: &str = "<!-- measured: written by cargo xtask bench -->";
const BLOCK_END: &str = "<!-- end of measured -->";

/// `existing` with its measured block replaced by `report`; the text around
/// the block (the analysis of missed targets) is written by hand and kept.
fn with_measured_block(existing: &str, report: &str) -> String {
    let block = format!("{BLOCK_BEGIN}\n{report}{BLOCK_END}\n");
    match (existing.find(BLOCK_BEGIN), existing.find(BLOCK_END)) {
        (Some(begin), Some(end)) if begin < end => {
            let rest = existing[end + BLOCK_END.len()..].trim_start_matches('\n');
            let gap = if rest.is_empty() { "" } else { "\n" };
            format!("{}{block}{gap}{rest}", &existing[..begin])
        }
        _ => format!("# Benchmarks\n\n{block}"),
    }
}

fn render_report(root: &Path, table: &str, notes: &[String], options: &Options) -> String {
    let command = if options.consumer_build {
        "cargo xtask bench --consumer-build"
    } else {
        "cargo xtask bench"
    };
    let commit = command_output(
        "git",
        &[
            "-C",
            &root.display().to_string(),
            "rev-parse",
            "--short",
            "HEAD",
        ],
    );
    let mut out = format!(
        "Written by `{command}` (commit {commit}); rerun it to refresh this file. Benchmarks print figures;\n\
         no test asserts a timing.\n\n\
         Machine: {}\n\n{table}\n",
        machine()
    );
    out.push_str("How each figure is measured:\n\n");
    out.push_str(
        "- Codegen in memory: the fastest of several full runs (parse and check the spec, progenitor, the SDK \
         generator, prettyplease) in the dev-profile build of xtask that `cargo xtask codegen` uses, with no \
         optimization overrides. Synthetic specs copy the real spec's paths under `/g{k}` with their own \
         renamed schemas, responses and operationIds.\n",
    );
    for note in notes {
        let _ = writeln!(out, "- {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_measured_block_is_replaced_and_the_analysis_kept() {
        let first = with_measured_block("", "figures 1\n");
        assert!(first.starts_with("# Benchmarks\n") && first.contains("figures 1"));
        let edited = first.replace(BLOCK_END, &format!("{BLOCK_END}\n\n## Analysis\nby hand\n"));
        let second = with_measured_block(&edited, "figures 2\n");
        assert!(
            second.contains("figures 2") && !second.contains("figures 1"),
            "{second}"
        );
        assert!(
            second.trim_end().ends_with("## Analysis\nby hand"),
            "{second}"
        );
    }

    #[test]
    fn the_one_line_edit_changes_exactly_one_summary() {
        let text = "a: 1\n  summary: First\n  summary: Second\n";
        let edited = one_line_edit(text).unwrap();
        assert_eq!(
            edited,
            "a: 1\n  summary: First (edited)\n  summary: Second\n"
        );
        assert!(one_line_edit("a: 1\n").is_err());
    }

    #[test]
    fn synthetic_specs_have_the_asked_number_of_operations_and_generate() {
        let root = crate::workspace_root();
        let path = root.join(codegen::SPEC);
        let real = spec::parse(&path, std::fs::read_to_string(&path).unwrap()).unwrap();
        // Beyond one copy of the real spec, so that every operation is in
        // a copy, and a partial copy that cuts through resources.
        let per_copy = real.openapi.operations().count();
        for operations in [1, 10, per_copy / 2, per_copy + 1] {
            let text = synthetic_spec(&real.json, operations).unwrap();
            let parsed =
                spec::parse(Path::new("synthetic.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.openapi.operations().count(), operations);
            codegen::generate_from(&parsed).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
