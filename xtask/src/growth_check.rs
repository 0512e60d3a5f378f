//! `cargo xtask growth-check`: proves that the workspace follows the spec as
//! it grows. It copies the workspace (its git-tracked files, as they are in
//! the working tree) to a scratch directory, merges the "next pages" fixture
//! (`spec/fixtures/next-pages.overlay.yaml`) into the scratch spec, runs
//! `cargo xtask codegen` there, builds, runs avara-mock's tests (whose
//! structure checks iterate over the spec's operations), starts `avara-mock`
//! with the fixture's seed, drives every operation through the SDK and the CLI (the
//! driver `xtask/growth/driver.rs`), and runs schemathesis against the mock
//! with the merged spec. Nothing outside the scratch directory is written,
//! except build artifacts in the shared target directory (the scratch crates
//! get a version of their own, so they never overwrite the caller's; the
//! binaries the build copies to `target/debug/` are the fixture's until the
//! caller's next cargo build puts its own back).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::codegen::SPEC;

/// The fixture merged into the scratch spec.
pub const OVERLAY: &str = "spec/fixtures/next-pages.overlay.yaml";
/// The program that drives every fixture operation through the SDK and the
/// CLI; it compiles only against the merged spec.
pub const DRIVER: &str = "xtask/growth/driver.rs";
/// The items the mock is seeded with (the read-only resources).
pub const SEED: &str = "xtask/growth/seed.json";
/// Where the driver goes in the scratch workspace.
const DRIVER_EXAMPLE: &str = "generated-client/examples/growth_driver.rs";
/// The API key the driver and schemathesis use.
const API_KEY: &str = "sk_test_growth";
/// How long the driver may run.
const DRIVER_TIMEOUT: Duration = Duration::from_secs(300);

/// Options of `cargo xtask growth-check`.
pub struct Options {
    /// The workspace to copy.
    pub root: PathBuf,
    /// Keep the scratch directory (and print where it is).
    pub keep: bool,
    /// Skip schemathesis (for a quick local run; CI never skips it).
    pub skip_schemathesis: bool,
}

/// Runs the check; returns the process exit code (0 passed, 1 failed).
pub fn run(options: &Options) -> i32 {
    let started = Instant::now();
    let scratch = match tempfile::Builder::new().prefix("avara-growth-").tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            eprintln!("growth-check: cannot make a scratch directory: {e}");
            return 1;
        }
    };
    let result = check(options, scratch.path());
    // The scratch build shares the target directory and put its own
    // binaries in target/debug/; a build of this workspace (a no-op when
    // fresh) puts this workspace's back.
    let result = result.and_then(|()| restore_binaries(&options.root));
    if options.keep {
        let kept = scratch.keep();
        eprintln!(
            "growth-check: the scratch workspace is kept at {}",
            kept.display()
        );
    }
    match result {
        Ok(()) => {
            println!(
                "growth-check: passed in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            0
        }
        Err(e) => {
            eprintln!("growth-check: FAILED: {e}");
            1
        }
    }
}

/// Builds `root` as the README's test command does (`cargo test --workspace
/// --no-run`), which links its own binaries into target/debug/ again.
fn restore_binaries(root: &Path) -> Result<(), String> {
    step("put this workspace's binaries back in target/debug/");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace", "--no-run", "--quiet"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`cargo test --workspace --no-run` failed ({status})"
        ))
    }
}

fn step(what: &str) {
    println!("\n=== growth-check: {what}");
}

fn check(options: &Options, scratch: &Path) -> Result<(), String> {
    let root = &options.root;
    step(&format!("copy the workspace to {}", scratch.display()));
    let copied = copy_tracked(root, scratch)?;
    println!("{copied} tracked files copied");

    step(&format!("merge {OVERLAY} into the scratch {SPEC}"));
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).map_err(|e| format!("cannot read {rel}: {e}"))
    };
    let merged = crate::overlay::apply(&read(SPEC)?, &read(OVERLAY)?)?;
    write(&scratch.join(SPEC), &merged)?;
    write(&scratch.join(DRIVER_EXAMPLE), &read(DRIVER)?)?;

    // The caller's target directory is shared, so registry dependencies are
    // built once. Cargo names a workspace crate's artifacts by its name,
    // version and path relative to the workspace, which the scratch copy
    // shares: without a version of its own, its builds would overwrite the
    // caller's artifacts, and each side would take the other's as fresh.
    let manifest = scratch.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("Cargo.toml: {e}"))?;
    let renamed = own_version(&text)?;
    write(&manifest, &renamed)?;
    // The caller's target directory: registry dependencies are built once.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    let cargo = |args: &[&str]| -> Result<(), String> {
        println!("$ cargo {}", args.join(" "));
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .current_dir(scratch)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`cargo {}` failed ({status})", args.join(" ")))
        }
    };

    step("cargo xtask codegen on the merged spec (no example added)");
    cargo(&["xtask", "codegen"])?;
    step("spec-diff of the merged spec against the real one (information)");
    let _ = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["xtask", "spec-diff"])
        .arg(root.join(SPEC))
        .arg(scratch.join(SPEC))
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", &target)
        .status();

    step("build the mock, the CLI and the driver");
    cargo(&[
        "build",
        "-p",
        "avara-mock",
        "-p",
        "avara-cli",
        "-p",
        "avara",
        "--bin",
        "avara-mock",
        "--bin",
        "avara",
        "--example",
        "growth_driver",
    ])?;
    let bin = target.join("debug");

    step(
        "avara-mock's own tests on the merged spec (structure checks iterate over its operations)",
    );
    cargo(&["test", "-p", "avara-mock"])?;

    step("start avara-mock with the seed");
    let mut mock = Command::new(bin.join("avara-mock"))
        .args(["--port", "0", "--seed"])
        .arg(root.join(SEED))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start avara-mock: {e}"))?;
    let result = with_mock(options, scratch, &bin, &mut mock);
    let _ = mock.kill();
    let _ = mock.wait();
    result
}

/// The steps that need the running mock.
fn with_mock(
    options: &Options,
    scratch: &Path,
    bin: &Path,
    mock: &mut Child,
) -> Result<(), String> {
    let url = listening_url(mock)?;
    println!("avara-mock listening on {url}");

    step("drive every operation through the SDK and the CLI");
    let seed = std::fs::read_to_string(options.root.join(SEED))
        .map_err(|e| format!("cannot read {SEED}: {e}"))?;
    let mut driver = Command::new(bin.join("examples").join("growth_driver"))
        .env("AVARA_BASE_URL", &url)
        .env("AVARA_API_KEY", API_KEY)
        .env("AVARA_CLI", bin.join("avara"))
        .env("GROWTH_SEED", seed)
        .spawn()
        .map_err(|e| format!("cannot start the driver: {e}"))?;
    let status = wait_with_timeout(&mut driver, DRIVER_TIMEOUT)?;
    if !status.success() {
        return Err(format!("the driver failed ({status})"));
    }

    if options.skip_schemathesis {
        println!("(schemathesis skipped: --skip-schemathesis)");
        return Ok(());
    }
    step("schemathesis against avara-mock with the merged spec: all phases, all checks");
    let schemathesis = schemathesis(&options.root)?;
    let conformance = scratch.join("conformance");
    let status = Command::new(schemathesis)
        .arg("run")
        .arg(scratch.join(SPEC))
        .args(["--url", &url])
        .args(["--header", &format!("Authorization: Bearer {API_KEY}")])
        .args(["--mode", "all", "--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", "50", "--seed", "20261123", "--no-color"])
        .current_dir(&conformance)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", &conformance)
        .status()
        .map_err(|e| format!("cannot run schemathesis: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("schemathesis found failures ({status})"))
    }
}

/// The pinned schemathesis of `conformance/` (installed into its venv as
/// `conformance/run.sh` does, if it is not there yet).
fn schemathesis(root: &Path) -> Result<PathBuf, String> {
    let conformance = root.join("conformance");
    let exe = conformance.join(".venv/bin/schemathesis");
    if exe.exists() {
        return Ok(exe);
    }
    println!("installing the pinned schemathesis into conformance/.venv");
    let run = |program: &Path, args: &[&str]| -> Result<(), String> {
        let status = Command::new(program)
            .args(args)
            .current_dir(&conformance)
            .status()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("`{} {}` failed", program.display(), args.join(" ")))
    };
    run(Path::new("python3"), &["-m", "venv", ".venv"])?;
    run(
        &conformance.join(".venv/bin/pip"),
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            "requirements.txt",
        ],
    )?;
    Ok(exe)
}

/// Reads the mock's stdout until it names its URL.
fn listening_url(mock: &mut Child) -> Result<String, String> {
    let stdout = mock.stdout.take().ok_or("the mock has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.map_err(|e| format!("cannot read the mock's output: {e}"))?;
        if let Some(url) = line.strip_prefix("avara-mock listening on ") {
            let url = url.trim().to_string();
            // Keep draining its output so it never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(url);
        }
    }
    Err("avara-mock exited before it listened".into())
}

fn wait_with_timeout(
    child: &mut Child,
    timeout: Duration,
) -> Result<std::process::ExitStatus, String> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("timed out after {} s", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Copies every file git tracks under `root` (as it is in the working tree)
/// to `to`; returns how many.
fn copy_tracked(root: &Path, to: &Path) -> Result<usize, String> {
    let output = Command::new("git")
        .args(["ls-files", "-z", "--cached"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`git ls-files` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut copied = 0;
    for rel in output.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let rel = std::str::from_utf8(rel).map_err(|_| "a tracked path is not UTF-8")?;
        let from = root.join(rel);
        if !from.is_file() {
            // Deleted in the working tree.
            continue;
        }
        let dest = to.join(rel);
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::copy(&from, &dest).map_err(|e| format!("cannot copy {rel}: {e}"))?;
        copied += 1;
    }
    Ok(copied)
}

/// The scratch workspace's manifest, with a pre-release version of its
/// own in `[workspace.package]`.
fn own_version(manifest: &str) -> Result<String, String> {
    let mut in_package = false;
    let mut done = false;
    let mut out = String::with_capacity(manifest.len() + 16);
    for line in manifest.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_package = trimmed == "[workspace.package]";
        }
        match trimmed.strip_prefix("version = \"") {
            Some(rest) if in_package && !done => {
                let version = rest.trim_end_matches('"');
                out.push_str(&format!("version = \"{version}-growth-check\"\n"));
                done = true;
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if done {
        Ok(out)
    } else {
        Err("the workspace Cargo.toml has no `version = \"...\"` in [workspace.package]".into())
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_version_is_its_own() {
        let manifest = "[package]\nversion = \"9.0.0\"\n[workspace.package]\nedition = \"2024\"\nversion = \"0.1.0\"\n[x]\nversion = \"1\"\n";
        let renamed = own_version(manifest).unwrap();
        assert_eq!(
            renamed,
            "[package]\nversion = \"9.0.0\"\n[workspace.package]\nedition = \"2024\"\nversion = \"0.1.0-growth-check\"\n[x]\nversion = \"1\"\n"
        );
        assert!(own_version("[package]\nversion = \"1\"\n").is_err());
    }
}
