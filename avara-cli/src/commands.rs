//! The `avara` command tree: the official SDKs' resource tree. One command
//! per resource segment of the spec (tag `auto_scribe.studies.external` →
//! `avara auto-scribe studies external`), one leaf per operation, its verb
//! (`avara auto-scribe studies external create`), with the arguments
//! progenitor generated for it; plus `completions` and `man`, made from the
//! same tree.

use clap::{Arg, ArgAction, Command};

use std::sync::LazyLock;

use crate::generated::{Cli, OPERATIONS, Operation, RESOURCES, Resource, extra_args};

/// The top-level command that prints shell completions.
pub const COMPLETIONS: &str = "completions";
/// The top-level command that prints or writes the man pages.
pub const MAN: &str = "man";

/// The environment and the exit codes, as `avara --help` lists them. The
/// default base URL is the spec's first server, `avara::DEFAULT_BASE_URL`.
pub static EXIT_CODES_HELP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "\
Environment:
  AVARA_API_KEY   the API key (required unless --api-key is given)
  AVARA_BASE_URL  the API's base URL (default: {})

Exit codes:
  0  success
  1  the output could not be written
  2  usage error: invalid arguments, no API key, a request the SDK refused to send
  3  API error: the API answered with an error status (its message is on stderr)
  4  network error: the API could not be reached, or did not answer in time",
        avara::DEFAULT_BASE_URL
    )
});

/// Splits a description into a one-line summary and the full text.
fn about(text: &str) -> (String, String) {
    let text = text.trim();
    let first = text.split("\n\n").next().unwrap_or_default();
    let summary = first.split_whitespace().collect::<Vec<_>>().join(" ");
    (summary, text.to_string())
}

/// The whole command tree.
pub fn build() -> Command {
    let mut root = Command::new("avara")
        .version(env!("CARGO_PKG_VERSION"))
        .about("The command line of the Avara API")
        .long_about(
            "The command line of the Avara API.\n\n\
             Every command runs through the Rust SDK (`avara::Client`): requests are \
             validated before they are sent, and connection failures, timeouts, 408, \
             409, 429 and 5xx answers are retried. Output is JSON unless `--output \
             table` is given; errors go to stderr.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_help(EXIT_CODES_HELP.as_str())
        .arg(
            Arg::new("api-key")
                .long("api-key")
                .value_name("KEY")
                .global(true)
                .help("The API key [default: $AVARA_API_KEY]"),
        )
        .arg(
            Arg::new("base-url")
                .long("base-url")
                .value_name("URL")
                .global(true)
                .help(format!(
                    "The API's base URL [default: $AVARA_BASE_URL, else {}]",
                    avara::DEFAULT_BASE_URL
                )),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("FORMAT")
                .global(true)
                .value_parser(["json", "table"])
                .default_value("json")
                .help("How to print results"),
        );
    for resource in RESOURCES.iter().filter(|r| r.path.len() == 1) {
        root = root.subcommand(resource_command(resource));
    }
    root.subcommand(completions_command())
        .subcommand(man_command())
}

/// A resource's command: its operations' commands, then its child
/// resources'.
fn resource_command(resource: &Resource) -> Command {
    let (summary, full) = about(resource.description);
    let name = resource.path.last().copied().unwrap_or_default();
    let mut cmd = Command::new(name)
        .about(summary)
        .long_about(full)
        .subcommand_required(true)
        .arg_required_else_help(true);
    for op in OPERATIONS.iter().filter(|op| op.resource == resource.path) {
        cmd = cmd.subcommand(operation_command(op));
    }
    for child in RESOURCES.iter().filter(|child| {
        child.path.len() == resource.path.len() + 1 && child.path.starts_with(resource.path)
    }) {
        cmd = cmd.subcommand(resource_command(child));
    }
    cmd
}

fn completions_command() -> Command {
    Command::new(COMPLETIONS)
        .about("Print the shell completion script of avara")
        .long_about(
            "Print the shell completion script of avara to stdout, covering every \
             resource, operation and argument.\n\n\
             bash: avara completions bash > ~/.local/share/bash-completion/completions/avara\n\
             zsh:  avara completions zsh > \"${fpath[1]}/_avara\"\n\
             fish: avara completions fish > ~/.config/fish/completions/avara.fish\n\
             PowerShell: avara completions powershell | Out-String | Invoke-Expression",
        )
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(clap::value_parser!(clap_complete::Shell))
                .help("The shell to complete for"),
        )
}

fn man_command() -> Command {
    Command::new(MAN)
        .about("Print the man page of avara (roff), or write one per command")
        .long_about(
            "Print the man page of avara, in roff, to stdout: `avara man | man -l -`.\n\n\
             With --out-dir, write one page per command instead: avara.1, and \
             avara-<resource...>.1 and avara-<resource...>-<verb>.1 for every resource and \
             operation; print the paths written.",
        )
        .arg(
            Arg::new("out-dir")
                .long("out-dir")
                .value_name("DIR")
                .value_parser(clap::value_parser!(std::path::PathBuf))
                .help("Write one page per command into DIR (an existing directory)"),
        )
}

fn has_arg(cmd: &Command, name: &str) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == name)
}

/// progenitor's definition of an operation's command, adapted: path
/// parameters become positional, `-h` shows the first paragraph of each
/// help text and `--help` all of it, and paginated operations get `--all`.
fn operation_command(op: &Operation) -> Command {
    let mut cmd = Cli::get_command(op.command)
        .name(op.verb)
        .args(extra_args(op.command));
    let about_text = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let (summary, full) = about(&about_text);
    cmd = cmd.about(summary).long_about(full);

    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |arg| {
            let help = arg.get_help().map(|h| h.to_string());
            match help {
                Some(help) if help.trim().contains("\n\n") => {
                    let (short, long) = about(&help);
                    arg.help(short).long_help(long)
                }
                _ => arg,
            }
        });
    }
    for (index, name) in op.positional.iter().enumerate() {
        let value_name = name.to_uppercase().replace('-', "_");
        cmd = cmd.mut_arg(*name, |arg| {
            arg.long(None).index(index + 1).value_name(value_name)
        });
    }
    if has_arg(&cmd, "json-body") {
        cmd = cmd.mut_arg("json-body", |arg| {
            arg.help(crate::json_body::HELP)
                .long_help(crate::json_body::LONG_HELP)
        });
    }
    if has_arg(&cmd, "json-body-template") {
        // progenitor generates it without help or effect.
        cmd = cmd.mut_arg("json-body-template", |arg| arg.hide(true));
    }
    if let Some(pagination) = &op.pagination {
        let mut all = Arg::new("all")
            .long("all")
            .action(ArgAction::SetTrue)
            .help(format!(
                "Fetch every page and print every item of `{}` (the other arguments apply to every page)",
                pagination.items_field
            ));
        if has_arg(&cmd, pagination.cursor_arg) {
            all = all.conflicts_with(pagination.cursor_arg);
        }
        cmd = cmd.arg(all);
    }
    cmd
}

/// The operation behind `avara <path...>`: its resource's command names,
/// then its verb.
pub fn find(path: &[&str]) -> Option<&'static Operation> {
    let (verb, resource) = path.split_last()?;
    OPERATIONS
        .iter()
        .find(|op| op.resource == resource && op.verb == *verb)
}

/// Makes sure that every operation has a command of its own.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_command() {
        build().debug_assert();
        for op in OPERATIONS {
            let path: Vec<&str> = op.resource.iter().copied().chain([op.verb]).collect();
            assert_eq!(
                find(&path).map(|found| found.operation_id),
                Some(op.operation_id)
            );
        }
        assert_eq!(
            crate::generated::CliCommand::iter().count(),
            OPERATIONS.len()
        );
    }

    /// Every visible argument of every operation's command has help text,
    /// including those whose property is a bare `$ref` (described by the
    /// schema it references).
    #[test]
    fn every_argument_of_every_operation_has_help() {
        for op in OPERATIONS {
            let cmd = operation_command(op);
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(
                    !help.trim().is_empty(),
                    "`{}` of `{}` has no help",
                    arg.get_id(),
                    op.operation_id
                );
            }
        }
    }

    #[test]
    fn the_help_names_the_spec_base_url() {
        assert!(EXIT_CODES_HELP.contains(avara::DEFAULT_BASE_URL));
    }
}
