//! The command tree: every operation of the spec at `avara <resource...>
//! <verb>` (from the command table, which xtask's tests tie to the spec),
//! help on every node, `--all` on every paginated operation, shell
//! completions and man pages made from the same tree.

use serde_json::Value;

use super::Api;

/// `avara args...` in memory: exit code, stdout, stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = avara_cli::run(
        std::iter::once("avara").chain(args.iter().copied()),
        &mut stdout,
        &mut stderr,
    );
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// The paths of the leaf commands under `cmd`.
fn leaves(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    if !cmd.has_subcommands() {
        out.push(path);
        return;
    }
    for sub in cmd.get_subcommands() {
        let mut path = path.clone();
        path.push(sub.get_name().to_string());
        leaves(sub, path, out);
    }
}

/// The names listed under `Commands:` in a help text.
fn listed_commands(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn every_operation_is_reachable_at_its_resource_path_with_help() {
    let ops = avara_cli::operation_commands();
    assert!(!ops.is_empty());

    // The tree's leaves are exactly the operations, plus the two built-ins.
    let mut found = Vec::new();
    leaves(&avara_cli::command(), Vec::new(), &mut found);
    found.sort();
    let mut expected: Vec<Vec<String>> = ops
        .iter()
        .map(|op| op.path.iter().map(|s| s.to_string()).collect())
        .chain([vec!["completions".into()], vec!["man".into()]])
        .collect();
    expected.sort();
    assert_eq!(found, expected);

    for op in &ops {
        let id = op.operation_id;
        assert!(op.path.len() >= 2, "{id}: a resource and a verb");
        for segment in &op.path {
            assert!(
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id}: `{segment}` is no kebab-case command name"
            );
        }
        // The operationId is the resource path and verb in snake_case.
        assert_eq!(op.path.join("_").replace('-', "_"), id);

        let mut args = op.path.clone();
        args.push("--help");
        let (code, help, stderr) = run(&args);
        assert_eq!(code, 0, "{id}: {stderr}");
        let usage = help
            .lines()
            .find(|l| l.starts_with("Usage: "))
            .unwrap_or_else(|| panic!("{id}: no usage in {help}"));
        let prefix = format!("Usage: avara {} [OPTIONS]", op.path.join(" "));
        assert!(usage.starts_with(&prefix), "{id}: {usage}");
        // Path parameters are positional, in path order.
        let positional: Vec<String> = op
            .positional
            .iter()
            .map(|p| format!("<{}>", p.to_uppercase().replace('-', "_")))
            .collect();
        // What is left of the usage line: required flags with their
        // values, then the positional arguments.
        let mut rest = Vec::new();
        let mut tokens = usage[prefix.len()..].split_whitespace();
        while let Some(token) = tokens.next() {
            match token.starts_with("--") {
                true => {
                    tokens.next();
                }
                false => rest.push(token),
            }
        }
        assert_eq!(rest, positional, "{id}: {usage}");

        // Every resource node above it has help and lists the next step.
        for depth in 1..op.path.len() {
            let mut args = op.path[..depth].to_vec();
            args.push("--help");
            let (code, help, stderr) = run(&args);
            assert_eq!(code, 0, "{args:?}: {stderr}");
            assert!(
                listed_commands(&help).iter().any(|c| c == op.path[depth]),
                "{args:?} does not list `{}`: {help}",
                op.path[depth]
            );
        }
    }
}

#[test]
fn help_is_grouped_by_resource() {
    // Top level: the top resources, not the tags' dotted names.
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let top = listed_commands(&help);
    let mut roots: Vec<String> = Vec::new();
    for op in avara_cli::operation_commands() {
        if !roots.iter().any(|r| r == op.path[0]) {
            roots.push(op.path[0].to_string());
        }
    }
    for root in &roots {
        assert!(top.contains(root), "{root}: {top:?}");
    }
    assert!(
        top.iter().all(|c| !c.contains('.') && !c.contains('_')),
        "{top:?}"
    );
    assert_eq!(
        top.len(),
        roots.len() + 3,
        "resources, completions, man, help: {top:?}"
    );

    // A node with verbs and child resources lists both; its about is its
    // tag's description.
    let (code, studies, _) = run(&["auto-scribe", "studies", "--help"]);
    assert_eq!(code, 0);
    let listed = listed_commands(&studies);
    assert!(listed.iter().any(|c| c == "create"), "{listed:?}");
    assert!(listed.iter().any(|c| c == "external"), "{listed:?}");
    assert!(
        studies.starts_with("Studies in the AutoScribe system"),
        "{studies}"
    );
    // A node without a tag of its own gets a generated about.
    let (_, auto_scribe, _) = run(&["auto-scribe", "--help"]);
    assert!(
        auto_scribe.starts_with("Operations under auto_scribe\n"),
        "{auto_scribe}"
    );
    // The dotted tag names are no commands any more.
    let (code, _, stderr) = run(&["auto_scribe.studies", "list"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("auto_scribe.studies"), "{stderr}");
}

#[test]
fn express_users_add_takes_the_customer_id_positionally() {
    let api = Api::start();
    let (code, help, _) = run(&["express", "users", "add", "--help"]);
    assert_eq!(code, 0);
    assert!(
        help.contains("Usage: avara express users add [OPTIONS] <EXPRESS_CUSTOMER_ID>"),
        "{help}"
    );
    assert!(help.contains("--user-id <user-id>"), "{help}");

    let created = api.avara(&["express", "create", "--express-customer-name", "Acme"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let customer: Value = serde_json::from_str(&created.stdout).unwrap();
    let id = customer["expressCustomerId"].as_str().unwrap();
    assert_eq!(customer["userCount"], 0);

    let user = "usr_0123456789abcdef0123456789abcdef";
    let added = api.avara(&["express", "users", "add", id, "--user-id", user]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let added: Value = serde_json::from_str(&added.stdout).unwrap();
    assert_eq!(added["success"], true, "{added}");
    let after = api.avara(&["express", "retrieve", id]);
    let after: Value = serde_json::from_str(&after.stdout).unwrap();
    assert_eq!(after["userCount"], 1, "{after}");

    // Validated through the SDK's rules, naming the argument.
    let bad = api.avara(&["express", "users", "add", id, "--user-id", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--user-id"), "{}", bad.stderr);
    let missing_id = api.avara(&["express", "users", "add", "--user-id", user]);
    assert_eq!(missing_id.code, 2);
    assert!(
        missing_id.stderr.contains("<EXPRESS_CUSTOMER_ID>"),
        "{}",
        missing_id.stderr
    );
}

#[test]
fn a_nested_auto_scribe_operation_runs_four_resources_deep() {
    let api = Api::start();
    api.server.load_examples().unwrap();
    let path = ["auto-scribe", "studies", "external", "reports", "list"];
    let listed = api.avara(&path);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let page: Value = serde_json::from_str(&listed.stdout).unwrap();
    let reports = avara_cli::operation_commands()
        .into_iter()
        .find(|op| op.path == path)
        .unwrap()
        .items_field
        .unwrap();
    let items = page[reports].as_array().unwrap();
    assert!(!items.is_empty(), "{page}");
    assert!(items[0]["externalReportId"].is_string(), "{page}");

    let table = api.avara(&[&path[..], &["-o", "table"]].concat());
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("CREATED_AT"), "{}", table.stdout);

    let create = api.avara(&[
        "auto-scribe",
        "studies",
        "external",
        "reports",
        "create",
        "--study-id",
        "not-a-study",
    ]);
    assert_eq!(create.code, 2);
    assert!(create.stderr.contains("--study-id"), "{}", create.stderr);
}

/// Every operation with a cursor takes `--all`, which pages through every
/// item and conflicts with the cursor argument; no other operation does.
#[test]
fn every_paginated_operation_takes_all() {
    let api = Api::start();
    api.server.load_examples().unwrap();
    let ops = avara_cli::operation_commands();
    let paginated: Vec<_> = ops.iter().filter(|op| op.items_field.is_some()).collect();
    assert!(!paginated.is_empty());
    for op in &ops {
        let (code, help, _) = run(&[&op.path[..], &["--help"]].concat());
        assert_eq!(code, 0);
        assert_eq!(
            help.contains("--all"),
            op.items_field.is_some(),
            "{}: {help}",
            op.operation_id
        );
    }
    let mut items_seen = 0;
    for op in paginated {
        let id = op.operation_id;
        let field = op.items_field.unwrap();
        let page = api.avara(&op.path);
        assert_eq!(page.code, 0, "{id}: {}", page.stderr);
        let page: Value = serde_json::from_str(&page.stdout).unwrap();
        let first = page[field]
            .as_array()
            .unwrap_or_else(|| panic!("{id}: no `{field}` in {page}"));

        let all = api.avara(&[&op.path[..], &["--all"]].concat());
        assert_eq!(all.code, 0, "{id}: {}", all.stderr);
        let all: Value = serde_json::from_str(&all.stdout).unwrap();
        let all = all
            .as_array()
            .unwrap_or_else(|| panic!("{id}: --all is no array: {all}"));
        assert!(all.starts_with(first), "{id}: {all:?} vs {first:?}");
        items_seen += all.len();

        let cursor = op.cursor_arg.unwrap();
        let flag = format!("--{cursor}");
        let both = api.avara(&[&op.path[..], &["--all", &flag, "abc"]].concat());
        assert_eq!(both.code, 2, "{id}");
        assert!(
            both.stderr.contains("--all") && both.stderr.contains(&flag),
            "{id}: {}",
            both.stderr
        );
    }
    assert!(items_seen > 0, "the examples fill at least one list");
}

#[test]
fn completions_cover_the_nested_commands_in_every_shell() {
    let ops = avara_cli::operation_commands();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, script, stderr) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(!script.trim().is_empty(), "{shell}");
        for op in &ops {
            let path = &op.path;
            let needle = match shell {
                "bash" => format!(
                    "cmd=\"avara__subcmd__{}\"",
                    path.join("__subcmd__").replace('-', "__subcmd__")
                ),
                // A function per resource node, offering its commands.
                "zsh" => format!(
                    "_avara__subcmd__{}_commands() {{",
                    path[..path.len() - 1].join("__subcmd__")
                ),
                "powershell" => format!("'avara;{}'", path.join(";")),
                // clap_complete's fish script completes two levels below a
                // top-level command.
                "fish" => {
                    let depth = path.len().min(3);
                    format!(
                        "__fish_seen_subcommand_from {}\" -f -a \"{}\"",
                        path[depth - 2],
                        path[depth - 1]
                    )
                }
                _ => unreachable!(),
            };
            assert!(
                script.contains(&needle),
                "{shell} lacks `{needle}` for {}",
                op.operation_id
            );
        }
    }
    let (code, _, stderr) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("tcsh"), "{stderr}");
}

#[test]
fn the_man_page_lists_the_resources_and_one_page_per_command_can_be_written() {
    let (code, page, stderr) = run(&["man"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(page.contains(".TH avara 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    let ops = avara_cli::operation_commands();
    for op in &ops {
        let root = format!("avara\\-{}(1)", op.path[0].replace('-', "\\-"));
        assert!(page.contains(&root), "{root}: {page}");
    }

    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let (code, listing, stderr) = run(&["man", "--out-dir", dir_arg]);
    assert_eq!(code, 0, "{stderr}");
    for op in &ops {
        let name = format!("avara-{}.1", op.path.join("-"));
        let file = dir.path().join(&name);
        assert!(
            listing.lines().any(|l| l == file.to_str().unwrap()),
            "{name}: {listing}"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let synopsis = format!("\\fBavara {}\\fR", op.path.join(" ").replace('-', "\\-"));
        assert!(text.contains(&synopsis), "{name}: {text}");
        // One page per resource node above it, too.
        for depth in 1..op.path.len() {
            let node = dir
                .path()
                .join(format!("avara-{}.1", op.path[..depth].join("-")));
            assert!(node.is_file(), "{}", node.display());
        }
    }

    let missing = dir.path().join("missing");
    let (code, _, stderr) = run(&["man", "--out-dir", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an existing directory"), "{stderr}");
}
