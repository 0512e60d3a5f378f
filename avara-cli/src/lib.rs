//! `avara`, the command line of the Avara API, as a library: [`run`] is the
//! whole program, so that tests can drive it in memory.
//!
//! The commands come from `spec/openapi.yaml`: `cargo xtask codegen` writes
//! progenitor's clap definitions of every operation, plus glue that fills the
//! SDK's request builders from the parsed arguments, into `generated.rs`.
//! Commands follow the official SDKs' resource tree: the resource path of
//! an operation's tag, then its verb, in kebab-case (tag
//! `auto_scribe.studies.external.reports`, verb `create` → `avara
//! auto-scribe studies external reports create`); path parameters are
//! positional. Every operation runs through [`avara::Client`], so the SDK's
//! validation, retries and errors apply. `avara completions SHELL` and
//! `avara man` are made from the same [`command`]. The README shows a
//! session.

#![warn(missing_docs)]

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

mod commands;
mod json_body;
mod output;
mod sdk;

#[rustfmt::skip]
#[allow(clippy::all, rustdoc::all, missing_docs, unused_imports, unused_variables, dead_code)]
mod generated;

pub use commands::EXIT_CODES_HELP;

/// Success.
pub const EXIT_OK: i32 = 0;
/// The output could not be written.
pub const EXIT_OUTPUT: i32 = 1;
/// Invalid arguments, no API key, or a request the SDK refused to send.
pub const EXIT_USAGE: i32 = 2;
/// The API answered with an error.
pub const EXIT_API: i32 = 3;
/// The API could not be reached or did not answer in time.
pub const EXIT_NETWORK: i32 = 4;

/// Runs `avara` with `args` (the first is the program name), reading
/// `AVARA_API_KEY` and `AVARA_BASE_URL` from the environment, and returns the
/// exit code. Results go to `stdout`; errors, and the progress of `--all`
/// when the process's stderr is a terminal, go to `stderr`.
pub fn run<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match commands::build().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            let text = e.render().to_string();
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = stdout.write_all(text.as_bytes());
                    EXIT_OK
                }
                _ => {
                    // clap quotes the arguments, which may hold anything.
                    let _ = stderr.write_all(output::terminal_safe(&text, true).as_bytes());
                    EXIT_USAGE
                }
            };
        }
    };
    let mut path = Vec::new();
    let mut op_matches = &matches;
    while let Some((name, sub)) = op_matches.subcommand() {
        path.push(name);
        op_matches = sub;
    }
    match path.as_slice() {
        [commands::COMPLETIONS] => return completions(op_matches, stdout, stderr),
        [commands::MAN] => return man(op_matches, stdout, stderr),
        _ => {}
    }
    let op = commands::find(&path).expect("every leaf command is an operation");

    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let api_key = op_matches
        .get_one::<String>("api-key")
        .cloned()
        .or_else(|| env(avara::API_KEY_ENV));
    let Some(api_key) = api_key else {
        let _ = writeln!(
            stderr,
            "error: no API key: set {} or pass --api-key",
            avara::API_KEY_ENV
        );
        return EXIT_USAGE;
    };
    let base_url = op_matches
        .get_one::<String>("base-url")
        .cloned()
        .or_else(|| env(avara::BASE_URL_ENV));
    let mut builder = avara::Client::builder().api_key(api_key);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            error_line(stderr, &format!("{e}"));
            return EXIT_USAGE;
        }
    };

    let format = match op_matches.get_one::<String>("output").map(String::as_str) {
        Some("table") => output::Format::Table,
        _ => output::Format::Json,
    };
    let all = op_matches.try_get_one::<bool>("all").ok().flatten() == Some(&true);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            error_line(stderr, &format!("cannot start the runtime: {e}"));
            return EXIT_OUTPUT;
        }
    };

    let show_progress = all && std::io::stderr().is_terminal();
    let mut progress_out = Vec::new();
    let (result, write_error) = {
        let progress =
            show_progress.then(|| output::Progress::new(&mut progress_out, path[path.len() - 2]));
        let mut printer = output::Printer::new(
            stdout,
            format,
            op.pagination.as_ref().map(|p| p.items_field),
            op.columns,
            progress,
        );
        let failed = printer.failed_flag();
        let execute = generated::execute(op.command, &client, op_matches, all, &mut printer);
        // Set only while `execute` is polled, and checked right after.
        let write_failed = futures::future::poll_fn(|_| match failed.get() {
            true => std::task::Poll::Ready(()),
            false => std::task::Poll::Pending,
        });
        let result = runtime.block_on(async {
            match futures::future::select(std::pin::pin!(execute), std::pin::pin!(write_failed))
                .await
            {
                futures::future::Either::Left((result, _)) => result,
                // The output is gone (`| head`, a full disk): fetch no more
                // pages; the write error decides the exit code.
                futures::future::Either::Right(((), _)) => Ok(()),
            }
        });
        (result, printer.finish())
    };
    let _ = stderr.write_all(&progress_out);

    match result {
        Ok(()) => match write_error {
            None => EXIT_OK,
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Some(e) => {
                error_line(stderr, &format!("cannot write the output: {e}"));
                EXIT_OUTPUT
            }
        },
        Err(sdk::ExecError::Args(e)) => {
            error_line(stderr, &format!("{e:#}"));
            EXIT_USAGE
        }
        Err(sdk::ExecError::Encode(e)) => {
            error_line(stderr, &format!("cannot encode the response: {e}"));
            EXIT_OUTPUT
        }
        Err(sdk::ExecError::Api(e)) => {
            error_line(stderr, &e.to_string());
            exit_code(&e)
        }
    }
}

/// The clap command tree that [`run`] parses with: every resource and
/// operation of the spec, plus `completions` and `man`.
pub fn command() -> clap::Command {
    commands::build()
}

/// An operation of the spec as `avara` runs it.
#[derive(Debug, Clone)]
pub struct OperationCommand {
    /// The operation's `operationId`.
    pub operation_id: &'static str,
    /// Its command names: the resource segments, then the verb
    /// (`["auto-scribe", "studies", "create"]`).
    pub path: Vec<&'static str>,
    /// The ids of its positional arguments (the path parameters, in path
    /// order).
    pub positional: &'static [&'static str],
    /// For an operation that pages with a cursor (and so takes `--all`):
    /// the field of a page that holds its items.
    pub items_field: Option<&'static str>,
    /// For an operation that pages with a cursor: the argument that carries
    /// the request cursor (which `--all` conflicts with).
    pub cursor_arg: Option<&'static str>,
}

/// Every operation of the spec, with the command that runs it.
pub fn operation_commands() -> Vec<OperationCommand> {
    generated::OPERATIONS
        .iter()
        .map(|op| OperationCommand {
            operation_id: op.operation_id,
            path: op.resource.iter().copied().chain([op.verb]).collect(),
            positional: op.positional,
            items_field: op.pagination.as_ref().map(|p| p.items_field),
            cursor_arg: op.pagination.as_ref().map(|p| p.cursor_arg),
        })
        .collect()
}

/// `avara completions SHELL`: the completion script of [`command`].
fn completions(matches: &clap::ArgMatches, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let shell = *matches
        .get_one::<clap_complete::Shell>("shell")
        .expect("the shell is required");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), "avara", &mut script);
    write_out(stdout, stderr, &script)
}

/// `avara man [--out-dir DIR]`: the man page of [`command`] on stdout, or
/// one page per command written into DIR.
fn man(matches: &clap::ArgMatches, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let Some(dir) = matches.get_one::<std::path::PathBuf>("out-dir") else {
        let mut page = Vec::new();
        return match man_page(command().disable_help_subcommand(true)).render(&mut page) {
            Ok(()) => write_out(stdout, stderr, &page),
            Err(e) => {
                error_line(stderr, &format!("cannot render the man page: {e}"));
                EXIT_OUTPUT
            }
        };
    };
    if !dir.is_dir() {
        error_line(
            stderr,
            &format!("--out-dir {}: not an existing directory", dir.display()),
        );
        return EXIT_USAGE;
    }
    match man_pages(command(), dir) {
        Ok(paths) => {
            let listing: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
            write_out(stdout, stderr, listing.as_bytes())
        }
        Err(e) => {
            error_line(
                stderr,
                &format!("cannot write the man pages into {}: {e}", dir.display()),
            );
            EXIT_OUTPUT
        }
    }
}

/// Writes the page of `cmd` and of each of its subcommands (clap's `help`
/// aside) into `dir`, as clap_mangen's `generate_to` does, returning the
/// paths written.
fn man_pages(
    cmd: clap::Command,
    dir: &std::path::Path,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    fn each(
        cmd: clap::Command,
        dir: &std::path::Path,
        out: &mut Vec<std::path::PathBuf>,
    ) -> std::io::Result<()> {
        out.push(man_page(cmd.clone()).generate_to(dir)?);
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            each(sub, dir, out)?;
        }
        Ok(())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    // Sets each subcommand's display name (`avara-auto-scribe-studies`).
    cmd.build();
    let mut out = Vec::new();
    each(cmd, dir, &mut out)?;
    Ok(out)
}

/// The page of `cmd`, its source naming the program and its version (a
/// subcommand has no version of its own).
fn man_page(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("avara {}", env!("CARGO_PKG_VERSION")))
}

/// Writes `bytes` to stdout; a closed pipe is a success, as for results.
fn write_out(stdout: &mut dyn Write, stderr: &mut dyn Write, bytes: &[u8]) -> i32 {
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            error_line(stderr, &format!("cannot write the output: {e}"));
            EXIT_OUTPUT
        }
    }
}

/// Writes `error: <message>` on one line, with what a terminal could act on
/// (an API's message is server data) escaped.
fn error_line(stderr: &mut dyn Write, message: &str) {
    let _ = writeln!(stderr, "error: {}", output::terminal_safe(message, false));
}

/// The exit code of an SDK error.
pub fn exit_code(error: &avara::Error) -> i32 {
    use avara::ErrorKind;
    match error.kind() {
        ErrorKind::Connection | ErrorKind::Timeout => EXIT_NETWORK,
        ErrorKind::InvalidRequest | ErrorKind::Configuration => EXIT_USAGE,
        _ => EXIT_API,
    }
}
