//! The xtask command line: `--help` on every task, revisions that git could
//! read as options, and a binary built in one checkout acting on another.
//! And the `avara` CLI's command tree as codegen writes it: the resource
//! path and verb of every operation, and the trees it refuses (fixtures in
//! `tests/fixtures/cli/`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manifest_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The task names listed under `Commands:` in the top-level help.
fn tasks() -> Vec<String> {
    let help = xtask_in(&manifest_root(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .expect("the help lists the commands");
    commands
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_task_has_help_with_its_exit_codes() {
    let tasks = tasks();
    for expected in ["codegen", "spec-diff", "release-check", "bench"] {
        assert!(tasks.iter().any(|t| t == expected), "{expected}: {tasks:?}");
    }
    for task in &tasks {
        let output = xtask_in(&manifest_root(), &[task, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{task} --help");
        let help = text(&output.stdout);
        assert!(help.contains("Usage:"), "{task}: {help}");
        assert!(help.contains("Exit codes:"), "{task}: {help}");
    }
    let top = text(&xtask_in(&manifest_root(), &["--help"]).stdout);
    assert!(top.contains("Exit codes:"), "{top}");
}

#[test]
fn usage_errors_exit_2_and_name_the_argument() {
    for (args, needle) in [
        (&["codegen", "--frobnicate"][..], "--frobnicate"),
        (&["spec-diff", "--fail-on", "sometimes"][..], "sometimes"),
        (&["spec-diff", "only-one.yaml"][..], "OLD.yaml NEW.yaml"),
        (&["release-check"][..], "--base"),
        (&["no-such-task"][..], "no-such-task"),
    ] {
        let output = xtask_in(&manifest_root(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(needle),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

/// `--base`/`--head` never reach git as options: `--output=FILE` would make
/// `git show` write a file.
#[test]
fn revisions_that_look_like_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("written-by-git");
    let output_option = format!("--output={}", target.display());
    let equals_form = format!("--base={output_option}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["spec-diff", "--base", "-x"],
        vec!["spec-diff", "--head", &output_option],
        vec!["spec-diff", "--base", "HEAD", "--head", &output_option],
        vec!["spec-diff", &equals_form],
        vec!["spec-diff", "--base", "-p", "--head", "HEAD"],
        vec!["release-check", "--base", &output_option],
        vec!["release-check", "--base", "HEAD", "--head", "--output"],
    ];
    for args in cases {
        let output = xtask_in(&manifest_root(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stdout)
        );
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("starts with `-`") || stderr.contains("a value is required"),
            "{args:?}: {stderr}"
        );
        assert!(
            !target.exists(),
            "{args:?} made git write {}",
            target.display()
        );
    }
    // The library refuses them too, before any git command runs.
    assert!(
        xtask::spec_diff::load(
            &manifest_root(),
            &xtask::spec_diff::Source::Rev(output_option.clone())
        )
        .is_err()
    );
    assert!(!target.exists());
}

/// Copies what `codegen` reads and writes into `dir`: a workspace manifest,
/// the spec and the generated files.
fn make_checkout(dir: &Path) {
    let root = manifest_root();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"3\"\n",
    )
    .unwrap();
    for rel in [
        xtask::codegen::SPEC,
        xtask::codegen::CLIENT_GENERATED,
        xtask::codegen::CLIENT_SDK_GENERATED,
        xtask::codegen::HTTPMOCK_GENERATED,
        xtask::codegen::CLI_GENERATED,
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(rel), &to).unwrap();
    }
}

fn snapshot(root: &Path) -> Vec<(String, Vec<u8>)> {
    [
        xtask::codegen::SPEC,
        xtask::codegen::CLIENT_GENERATED,
        xtask::codegen::CLIENT_SDK_GENERATED,
        xtask::codegen::HTTPMOCK_GENERATED,
        xtask::codegen::CLI_GENERATED,
    ]
    .iter()
    .map(|rel| (rel.to_string(), std::fs::read(root.join(rel)).unwrap()))
    .collect()
}

/// The binary built here (as with a target directory shared by several
/// checkouts) run inside another checkout reads and writes that checkout
/// only, from its root or any directory below it.
#[test]
fn a_binary_built_elsewhere_acts_on_the_checkout_it_runs_in() {
    let this_checkout = snapshot(&manifest_root());
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path();
    make_checkout(other);

    // A description edit regenerates doc comments: the other checkout's
    // generated client goes stale, and `--check` there says so.
    let spec_path = other.join(xtask::codegen::SPEC);
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    let marker = "Regenerated in the second checkout only.";
    let edited = spec.replacen(
        "summary: Retrieve an organization by ID",
        &format!("summary: Retrieve an organization by ID. {marker}"),
        1,
    );
    assert_ne!(spec, edited, "the fixture edit did not apply");
    std::fs::write(&spec_path, edited).unwrap();

    let check = xtask_in(other, &["codegen", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let stderr = text(&check.stderr);
    assert!(
        stderr.contains(
            &other
                .join(xtask::codegen::CLIENT_GENERATED)
                .display()
                .to_string()
        ),
        "--check read another checkout: {stderr}"
    );

    let subdir = other.join("spec");
    let write = xtask_in(&subdir, &["codegen"]);
    assert_eq!(write.status.code(), Some(0), "{}", text(&write.stderr));
    let generated = std::fs::read_to_string(other.join(xtask::codegen::CLIENT_SDK_GENERATED))
        .unwrap()
        + &std::fs::read_to_string(other.join(xtask::codegen::CLIENT_GENERATED)).unwrap();
    assert!(
        generated.contains(marker),
        "the second checkout was not regenerated"
    );
    assert_eq!(
        xtask_in(other, &["codegen", "--check"]).status.code(),
        Some(0)
    );

    assert!(
        snapshot(&manifest_root()) == this_checkout,
        "running in the second checkout changed this one"
    );
}

#[test]
fn outside_any_workspace_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = xtask_in(dir.path(), &["codegen", "--check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("not inside a Cargo workspace"),
        "{}",
        text(&output.stderr)
    );
}

/// A fixture spec of `xtask/tests/fixtures/cli/`.
fn cli_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cli")
        .join(name)
}

/// The 1-based line of `text` that is `line` once trimmed.
fn line_of(text: &str, line: &str) -> usize {
    text.lines()
        .position(|l| l.trim() == line)
        .unwrap_or_else(|| panic!("no line `{line}`"))
        + 1
}

/// The generated `avara` CLI file of the spec at `path`, whitespace removed.
fn cli_table(path: &Path) -> String {
    let generated = xtask::codegen::generate(path).unwrap_or_else(|e| panic!("{e}"));
    generated
        .files
        .iter()
        .find(|f| f.relative_path == xtask::codegen::CLI_GENERATED)
        .unwrap()
        .contents
        .split_whitespace()
        .collect()
}

/// Each operation's command is its resource path and verb, in kebab-case,
/// from the spec: checked for every operation of the real spec, and on a
/// fixture whose path parameters are listed out of path order.
#[test]
fn the_cli_command_table_follows_the_spec_resource_tree() {
    let spec_path = manifest_root().join(xtask::codegen::SPEC);
    let spec = xtask::spec::load(&spec_path).unwrap();
    let table = cli_table(&spec_path);
    let kebab = |s: &str| s.replace('_', "-");
    for op in spec.operations() {
        let resource: Vec<String> = op
            .resource()
            .iter()
            .map(|s| format!("\"{}\"", kebab(s)))
            .collect();
        let expected = format!(
            "operation_id:\"{}\",resource:&[{}],verb:\"{}\",",
            op.id,
            resource.join(","),
            kebab(op.verb())
        );
        assert!(table.contains(&expected), "{expected}");
    }
    // Every tag of an operation describes its resource node.
    for tag in &spec.openapi.tags {
        let Some(description) = &tag.description else {
            continue;
        };
        let path: Vec<String> = tag
            .name
            .split('.')
            .map(|s| format!("\"{}\"", kebab(s)))
            .collect();
        let node = format!("Resource{{path:&[{}],tag:\"{}\",", path.join(","), tag.name);
        if spec
            .operations()
            .iter()
            .any(|op| op.resource().join(".") == tag.name)
        {
            assert!(table.contains(&node), "{node}");
            let first_words: String = description.split_whitespace().take(3).collect();
            assert!(
                table[table.find(&node).unwrap()..]
                    .starts_with(&format!("{node}description:\"{first_words}")),
                "{}",
                tag.name
            );
        }
    }

    let fixture = cli_table(&cli_fixture("tree.yaml"));
    for expected in [
        "Resource{path:&[\"widgets\"],tag:\"widgets\",description:\"Inventedwidgets(fixture).\",}",
        "Resource{path:&[\"widgets\",\"parts\"],tag:\"widgets.parts\",description:\"Inventedpartsofawidget(fixture).\",}",
        "operation_id:\"widgets_parts_retrieve\",resource:&[\"widgets\",\"parts\"],verb:\"retrieve\",positional:&[\"widget-id\",\"part-id\"],",
        "operation_id:\"widgets_list\",resource:&[\"widgets\"],verb:\"list\",positional:&[],",
    ] {
        assert!(fixture.contains(expected), "{expected}");
    }
}

/// A resource without a tag of its own gets a generated description.
#[test]
fn an_untagged_resource_node_gets_a_generated_description() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.yaml");
    let text = std::fs::read_to_string(cli_fixture("tree.yaml")).unwrap();
    let without_parent = text.replace(
        "  - name: widgets\n    description: Invented widgets (fixture).\n",
        "",
    );
    let moved = without_parent
        .replace("tags: [widgets]", "tags: [widgets.parts]")
        .replace(
            "operationId: widgets_list",
            "operationId: widgets_parts_list",
        );
    assert_ne!(moved, text);
    std::fs::write(&path, moved).unwrap();
    let table = cli_table(&path);
    assert!(
        table.contains(
            "Resource{path:&[\"widgets\"],tag:\"widgets\",description:\"Operationsunderwidgets\",}"
        ),
        "{table}"
    );
}

/// A verb named like a child resource of the same resource is an error
/// located at the operation, naming both.
#[test]
fn a_verb_named_like_a_child_resource_is_a_located_codegen_error() {
    let path = cli_fixture("verb-collision.yaml");
    let spec_text = std::fs::read_to_string(&path).unwrap();
    let error = match xtask::codegen::generate(&path) {
        Ok(_) => panic!("the collision generated"),
        Err(e) => e.to_string(),
    };
    let line = line_of(&spec_text, "operationId: widgets_parts");
    assert!(
        error.starts_with(&format!("{}:{line}:", path.display())),
        "{error}"
    );
    for needle in [
        "the verb `parts` of `widgets_parts`",
        "the child resource `widgets.parts`",
        "cannot be both a call and a resource",
        "(at /paths/~1widgets~1{widgetId}~1parts/post/operationId)",
    ] {
        assert!(error.contains(needle), "{needle}: {error}");
    }

    // The command line reports it with exit code 2 and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    make_checkout(dir.path());
    let before = snapshot(dir.path());
    std::fs::write(dir.path().join(xtask::codegen::SPEC), &spec_text).unwrap();
    let output = xtask_in(dir.path(), &["codegen"]);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        text(&output.stderr).contains("child resource `widgets.parts`"),
        "{}",
        text(&output.stderr)
    );
    let after = snapshot(dir.path());
    assert_eq!(before[1..], after[1..], "generated files were written");
}

/// Resources and verbs may not take the names of the CLI's own commands.
#[test]
fn names_of_the_clis_own_commands_are_codegen_errors() {
    let text = std::fs::read_to_string(cli_fixture("tree.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.yaml");
    let cases = [
        (
            text.replace("operationId: widgets_list", "operationId: widgets_help"),
            "operationId: widgets_help",
            "the verb `help` of operation `widgets_help`",
        ),
        (
            text.replace("widgets", "man"),
            "tags: [man]",
            "the resource `man` (tag of operation `man_list`)",
        ),
        (
            text.replace("widgets", "completions"),
            "tags: [completions]",
            "the resource `completions`",
        ),
    ];
    for (spec, line, needle) in cases {
        std::fs::write(&path, &spec).unwrap();
        let error = match xtask::codegen::generate(&path) {
            Ok(_) => panic!("{needle}: generated"),
            Err(e) => e.to_string(),
        };
        let line = line_of(&spec, line);
        assert!(
            error.starts_with(&format!("{}:{line}:", path.display())),
            "{error}"
        );
        assert!(error.contains(needle), "{needle}: {error}");
    }
}
