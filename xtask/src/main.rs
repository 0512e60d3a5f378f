use std::path::PathBuf;
use std::process::ExitCode;

use xtask::codegen;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  codegen [--check] [--spec PATH] [--root DIR]
      Regenerate the client from spec/openapi.yaml. With --check, write
      nothing and exit 1 with a diff if the checked-in files are stale.
      --spec reads another spec; --root writes under another workspace root.
  spec-diff [--base REV] [--head REV] [--format text|markdown|json]
            [--fail-on breaking|any] [OLD.yaml NEW.yaml]
      Semantic diff of spec/openapi.yaml (default: HEAD against the working
      tree, or two files), each change classified for clients, plus the
      change to the generated client's public Rust API. Exits 1 when a change
      meets --fail-on, 2 on a usage or spec error.
  bench [--consumer-build] [--no-write]
      Codegen scaling, client overhead against raw reqwest and pager memory
      (plus, with --consumer-build, cold consumer builds; minutes). Prints a
      table and rewrites BENCHMARKS.md unless --no-write.
  growth-check [--keep] [--skip-schemathesis]
      Copy the workspace to a scratch directory, merge the next-pages fixture
      (spec/fixtures/next-pages.overlay.yaml) into its spec, regenerate,
      build, and drive every operation through the SDK, the CLI, avara-mock
      and schemathesis. Exits 1 on any failure.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => match parse_codegen(&args[1..]) {
            Ok(options) => ExitCode::from(codegen::run(&options) as u8),
            Err(message) => usage_error(&message),
        },
        Some("spec-diff") => match xtask::spec_diff::parse_args(&args[1..]) {
            Ok(options) => ExitCode::from(xtask::spec_diff::run(&options) as u8),
            Err(message) => usage_error(&message),
        },
        Some("bench") => match xtask::bench::parse_args(&args[1..]) {
            Ok(options) => ExitCode::from(xtask::bench::run(&options) as u8),
            Err(message) => usage_error(&message),
        },
        Some("growth-check") => match xtask::growth_check::parse_args(&args[1..]) {
            Ok(options) => ExitCode::from(xtask::growth_check::run(&options) as u8),
            Err(message) => usage_error(&message),
        },
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown task `{other}`")),
        None => usage_error("no task given"),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

fn parse_codegen(args: &[String]) -> Result<codegen::Options, String> {
    let root = xtask::workspace_root();
    let mut options = codegen::Options {
        spec: root.join(codegen::SPEC),
        root,
        check: false,
    };
    let mut spec = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--check" => options.check = true,
            "--spec" => spec = Some(PathBuf::from(iter.next().ok_or("--spec needs a path")?)),
            "--root" => {
                options.root = PathBuf::from(iter.next().ok_or("--root needs a directory")?)
            }
            other => return Err(format!("unknown codegen option `{other}`")),
        }
    }
    options.spec = spec.unwrap_or_else(|| options.root.join(codegen::SPEC));
    Ok(options)
}
