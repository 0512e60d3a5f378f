//! `cargo xtask <task>`: the command line. Each task is a clap subcommand
//! with its own `--help`; the work is done by the library module of the
//! same name, which returns the exit code.
//!
//! Adding a task: write `fn my_task() -> Command` (its arguments and help)
//! and `fn run_my_task(args: &ArgMatches, root: PathBuf) -> i32` (build the
//! module's `Options` and call its `run`), then add one `Task` line to
//! [`TASKS`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};

use xtask::{bench, codegen, growth_check, reference, release, spec_diff};

/// A subcommand: how to declare it and how to run it in a workspace root.
struct Task {
    command: fn() -> Command,
    run: fn(&ArgMatches, PathBuf) -> i32,
}

const TASKS: &[Task] = &[
    Task {
        command: codegen_command,
        run: run_codegen,
    },
    Task {
        command: spec_diff_command,
        run: run_spec_diff,
    },
    Task {
        command: release_check_command,
        run: run_release_check,
    },
    Task {
        command: reference_command,
        run: run_reference,
    },
    Task {
        command: growth_check_command,
        run: run_growth_check,
    },
    Task {
        command: bench_command,
        run: run_bench,
    },
];

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the task ran and its check failed (see each task's --help)
  2  usage error, or input that cannot be read (a located message on stderr)";

fn main() -> ExitCode {
    let mut app = Command::new("xtask")
        .bin_name("cargo xtask")
        .about("The Avara workspace's build tasks. Acts on the workspace that contains the current directory.")
        .subcommand_required(true)
        .disable_help_subcommand(false)
        .after_help(format!("{}\n\n{EXIT_CODES}", synopses()));
    for task in TASKS {
        app = app.subcommand((task.command)());
    }
    let matches = match app.try_get_matches() {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let (name, args) = matches.subcommand().expect("a subcommand is required");
    let task = TASKS
        .iter()
        .find(|t| (t.command)().get_name() == name)
        .expect("clap only accepts declared subcommands");
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let root = match xtask::find_workspace_root(&cwd) {
        Ok(root) => root,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    ExitCode::from((task.run)(args, root).clamp(0, 255) as u8)
}

/// One line per task: its usage, for the top-level help.
fn synopses() -> String {
    let mut out = String::from("Tasks:");
    for task in TASKS {
        let command = (task.command)();
        let usage = command
            .get_overridden_usage()
            .map(|u| u.to_string())
            .unwrap_or_else(|| command.get_name().to_string());
        for line in usage.lines().map(str::trim_start) {
            let indent = if line.starts_with("cargo xtask") {
                "  "
            } else {
                "      "
            };
            out.push_str(&format!("\n{indent}{line}"));
        }
    }
    out
}

fn flag(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .action(ArgAction::SetTrue)
        .help(help)
}

/// A git revision option: taken as a value even when it starts with `-`, so
/// that the check refuses it with a clear message instead of clap or git
/// reading it as an option.
fn revision(name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("REV")
        .allow_hyphen_values(true)
        .value_parser(|rev: &str| spec_diff::check_revision(rev).map(|()| rev.to_string()))
        .help(help)
}

fn codegen_command() -> Command {
    Command::new("codegen")
        .about("Regenerate the client, mocks and CLI from spec/openapi.yaml")
        .override_usage("cargo xtask codegen [--check] [--spec PATH] [--root DIR]")
        .arg(flag(
            "check",
            "Write nothing; exit 1 with a diff if the checked-in generated files are stale",
        ))
        .arg(
            Arg::new("spec")
                .long("spec")
                .value_name("PATH")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Read this spec instead of <root>/spec/openapi.yaml"),
        )
        .arg(
            Arg::new("root")
                .long("root")
                .value_name("DIR")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Write under this workspace root instead of the current one"),
        )
        .after_help(
            "Exit codes:\n  0  written, or fresh with --check\n  1  --check found stale files (a diff on stderr), or a file could not be written\n  2  usage error, or the spec does not load or generate (a located message)",
        )
}

fn run_codegen(args: &ArgMatches, root: PathBuf) -> i32 {
    let root = args.get_one::<PathBuf>("root").cloned().unwrap_or(root);
    let spec = args
        .get_one::<PathBuf>("spec")
        .cloned()
        .unwrap_or_else(|| root.join(codegen::SPEC));
    codegen::run(&codegen::Options {
        root,
        spec,
        check: args.get_flag("check"),
    })
}

fn spec_diff_command() -> Command {
    Command::new("spec-diff")
        .about("Semantic diff of two versions of the spec, classified for clients, with the change to the generated Rust API")
        .override_usage(
            "cargo xtask spec-diff [--base REV] [--head REV] [--format text|markdown|json]\n                              [--fail-on breaking|any|rust-breaking]... [OLD.yaml NEW.yaml]\n       cargo xtask spec-diff --rules",
        )
        .arg(revision("base", "The old spec: spec/openapi.yaml at this git revision [default: HEAD]"))
        .arg(revision("head", "The new spec: spec/openapi.yaml at this git revision [default: the working tree]"))
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .value_parser(["text", "markdown", "md", "json"])
                .default_value("text")
                .help("Output format"),
        )
        .arg(
            Arg::new("fail-on")
                .long("fail-on")
                .value_name("LEVEL")
                .value_parser(["breaking", "any", "rust-breaking"])
                .action(ArgAction::Append)
                .help("Exit 1 when a change meets LEVEL (repeatable): breaking (the wire), any (breaking or non-breaking), rust-breaking (a removed or changed public item of the generated crate)"),
        )
        .arg(flag("rules", "Print every rule id with its level, its oasdiff counterpart and why the level differs, then exit").conflicts_with_all(["base", "head", "files", "fail-on"]))
        .arg(
            Arg::new("files")
                .value_names(["OLD.yaml", "NEW.yaml"])
                .num_args(2)
                .value_parser(clap::value_parser!(PathBuf))
                .conflicts_with_all(["base", "head"])
                .help("Compare two spec files instead of git revisions"),
        )
        .after_help(
            "The spec-level diff is printed even when a side fails the spec checks or does not generate; the report then says why the Rust view is missing.\n\nExit codes:\n  0  no change meets --fail-on (or none given)\n  1  a change meets --fail-on\n  2  usage error, or a side cannot be read or is not an OpenAPI document",
        )
}

fn run_spec_diff(args: &ArgMatches, root: PathBuf) -> i32 {
    if args.get_flag("rules") {
        print!("{}", spec_diff::rules::render_table());
        return 0;
    }
    let format = match args.get_one::<String>("format").map(String::as_str) {
        Some("markdown" | "md") => spec_diff::Format::Markdown,
        Some("json") => spec_diff::Format::Json,
        _ => spec_diff::Format::Text,
    };
    let fail_on = args
        .get_many::<String>("fail-on")
        .into_iter()
        .flatten()
        .map(|level| match level.as_str() {
            "breaking" => spec_diff::FailOn::Breaking,
            "any" => spec_diff::FailOn::Any,
            _ => spec_diff::FailOn::RustBreaking,
        })
        .collect();
    let (base, head) = match args.get_many::<PathBuf>("files") {
        Some(files) => {
            let files: Vec<PathBuf> = files.cloned().collect();
            (
                spec_diff::Source::File(files[0].clone()),
                spec_diff::Source::File(files[1].clone()),
            )
        }
        None => (
            spec_diff::Source::Rev(
                args.get_one::<String>("base")
                    .cloned()
                    .unwrap_or_else(|| "HEAD".into()),
            ),
            args.get_one::<String>("head")
                .cloned()
                .map(spec_diff::Source::Rev)
                .unwrap_or(spec_diff::Source::WorkingTree),
        ),
    };
    spec_diff::run(&spec_diff::Options {
        root,
        base,
        head,
        format,
        fail_on,
    })
}

fn release_check_command() -> Command {
    Command::new("release-check")
        .about("Fail when the avara crate's version was not bumped as far as the API change since REV requires (Cargo's semver rules)")
        .override_usage("cargo xtask release-check --base REV [--head REV] [--format text|changelog]")
        .arg(revision("base", "The release to compare with (e.g. HEAD~1 or a tag)").required(true))
        .arg(revision("head", "The candidate [default: the working tree]"))
        .arg(
            Arg::new("format")
                .long("format")
                .value_name("FORMAT")
                .value_parser(["text", "changelog"])
                .default_value("text")
                .help("text: the verdict; changelog: a CHANGELOG.md entry for the head's version"),
        )
        .after_help(format!(
            "The required bump: {}\n\nExit codes:\n  0  the version was bumped far enough (or nothing in the API changed)\n  1  the version was not bumped far enough, went backwards, or has no CHANGELOG.md entry\n  2  usage error, or a side cannot be read",
            release::BUMP_RULES
        ))
}

fn run_release_check(args: &ArgMatches, root: PathBuf) -> i32 {
    let format = match args.get_one::<String>("format").map(String::as_str) {
        Some("changelog") => release::Format::Changelog,
        _ => release::Format::Text,
    };
    release::run(&release::Options {
        root,
        base: args
            .get_one::<String>("base")
            .cloned()
            .expect("--base is required"),
        head: args.get_one::<String>("head").cloned(),
        format,
    })
}

fn reference_command() -> Command {
    Command::new("reference")
        .about("Check the spec against the reference pages and the official SDK's API facts, or draft a spec fragment for a new page")
        .long_about(format!(
            "Check the spec against the reference pages it was transcribed from and the official SDK's API \
             facts (default: every page *.txt and every facts file avara-<sdk>-<version>.json in \
             spec/reference/). Errors name the page line, or the facts file's line:column and JSON pointer, \
             and the spec pointer; deviations recorded in {} notes (page: for a page, sdk: for \
             the SDK facts) are listed with their reasons. The default run also requires every operation and \
             webhook event of the spec to be documented by a page or an SDK, and every note to be needed. \
             With --draft, print a spec fragment for an untranscribed page instead (never written into the spec).",
            xtask::extensions::REFERENCE
        ))
        .override_usage(
            "cargo xtask reference [--spec PATH] [PAGES.txt... FACTS.json...]\n       cargo xtask reference [--spec PATH] --draft PAGE.txt",
        )
        .arg(
            Arg::new("spec")
                .long("spec")
                .value_name("PATH")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Check this spec instead of <root>/spec/openapi.yaml"),
        )
        .arg(
            Arg::new("draft")
                .long("draft")
                .value_name("PAGE.txt")
                .value_parser(clap::value_parser!(PathBuf))
                .conflicts_with("pages")
                .help("Print a spec fragment for this page; check nothing"),
        )
        .arg(
            Arg::new("pages")
                .value_name("PAGES")
                .num_args(0..)
                .value_parser(clap::value_parser!(PathBuf))
                .help("The pages (*.txt) and SDK facts files (*.json) to check (default: every one in spec/reference/)"),
        )
        .after_help(
            "Exit codes:\n  0  the spec agrees with the pages and the SDK facts (or the draft was printed)\n  1  a disagreement (each located on the page or in the facts file, and in the spec)\n  2  usage error, or a page, an SDK facts file or the spec cannot be read or parsed",
        )
}

fn run_reference(args: &ArgMatches, root: PathBuf) -> i32 {
    let mut options = reference::Options::new(root);
    if let Some(spec) = args.get_one::<PathBuf>("spec") {
        options.spec = spec.clone();
    }
    options.pages = args
        .get_many::<PathBuf>("pages")
        .map(|pages| pages.cloned().collect())
        .unwrap_or_default();
    options.draft = args.get_one::<PathBuf>("draft").cloned();
    reference::run(&options)
}

fn growth_check_command() -> Command {
    Command::new("growth-check")
        .about("Prove that a new reference page flows through: merge the next-pages fixture into a scratch copy of the workspace, regenerate, build, and drive every operation through the SDK, the CLI and avara-mock (plus schemathesis)")
        .override_usage("cargo xtask growth-check [--keep] [--skip-schemathesis] [--root DIR]")
        .arg(flag("keep", "Keep the scratch directory and print where it is"))
        .arg(flag(
            "skip-schemathesis",
            "Skip schemathesis (a quick local run; CI never skips it)",
        ))
        .arg(
            Arg::new("root")
                .long("root")
                .value_name("DIR")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Copy this workspace instead of the current one"),
        )
        .after_help(
            "Exit codes:\n  0  every step passed\n  1  a step failed (named on stderr)\n  2  usage error",
        )
}

fn run_growth_check(args: &ArgMatches, root: PathBuf) -> i32 {
    growth_check::run(&growth_check::Options {
        root: args.get_one::<PathBuf>("root").cloned().unwrap_or(root),
        keep: args.get_flag("keep"),
        skip_schemathesis: args.get_flag("skip-schemathesis"),
    })
}

fn bench_command() -> Command {
    Command::new("bench")
        .about("What a new user waits for on a fresh clone (cold codegen, warm regenerate, cold and warm test suite), codegen scaling, client overhead against raw reqwest and pager memory; prints a table and rewrites BENCHMARKS.md")
        .override_usage("cargo xtask bench [--quick] [--consumer-build] [--no-write]")
        .arg(flag("quick", "Skip the fresh-clone rows (cold codegen, warm regenerate, cold and warm test suite), which take minutes"))
        .arg(flag("consumer-build", "Also time cold builds of two consumer crates (minutes)"))
        .arg(flag("no-write", "Print only; leave BENCHMARKS.md as it is"))
        .after_help("Exit codes:\n  0  measured\n  1  a benchmark failed to run\n  2  usage error")
}

fn run_bench(args: &ArgMatches, root: PathBuf) -> i32 {
    bench::run(&bench::Options {
        root,
        consumer_build: args.get_flag("consumer-build"),
        no_write: args.get_flag("no-write"),
        quick: args.get_flag("quick"),
    })
}
