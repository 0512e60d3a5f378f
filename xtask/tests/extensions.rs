//! Every vendor extension's name is written in one module of xtask,
//! `src/extensions.rs`: any other source or test file that spells one is
//! named here with its line.

use std::path::{Path, PathBuf};

/// The texts that name an extension: the prefix of the project's own and
/// the top-level webhooks map. Built here so this file does not contain them.
fn needles() -> [String; 2] {
    [["x", "avara", ""].join("-"), ["x", "webhooks"].join("-")]
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `file:line: text` of every line of `files` (relative to `root`) that
/// contains a needle, except in `allowed`.
fn offences(root: &Path, files: &[PathBuf], allowed: &Path) -> Vec<String> {
    let needles = needles();
    let mut found = Vec::new();
    for file in files {
        if file == allowed {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n.as_str())) {
                let shown = file.strip_prefix(root).unwrap_or(file).display();
                found.push(format!("{shown}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

fn xtask_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root.join("xtask/src"), &mut files);
    // Only the test files themselves: fixtures are data, not modules.
    let tests = root.join("xtask/tests");
    let mut top: Vec<PathBuf> = std::fs::read_dir(&tests)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
        .collect();
    top.sort();
    files.extend(top);
    files
}

#[test]
fn only_the_extensions_module_names_an_extension() {
    let root = xtask::workspace_root();
    let files = xtask_files(&root);
    assert!(
        files.iter().any(|f| f.ends_with("xtask/src/mock_gen.rs"))
            && files
                .iter()
                .any(|f| f.ends_with("xtask/tests/extensions.rs")),
        "the scan sees xtask's sources and tests: {files:?}"
    );
    let found = offences(&root, &files, &root.join("xtask/src/extensions.rs"));
    assert!(
        found.is_empty(),
        "vendor extension names outside xtask/src/extensions.rs (use its constants, \
         or `extension_name!` in `concat!`):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_names_file_and_line_of_a_stray_name() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("xtask/src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(dir.path().join("xtask/tests/fixtures")).unwrap();
    let [own, hooks] = needles();
    std::fs::write(src.join("extensions.rs"), format!("// {own}pagination\n")).unwrap();
    std::fs::write(src.join("other.rs"), format!("fn a() {{}}\n// {hooks}\n")).unwrap();
    std::fs::write(
        dir.path().join("xtask/tests/fixtures/spec.yaml"),
        format!("{own}resource: {{}}\n"),
    )
    .unwrap();
    let files = xtask_files(dir.path());
    let found = offences(dir.path(), &files, &src.join("extensions.rs"));
    assert_eq!(found, vec![format!("xtask/src/other.rs:2: // {hooks}")]);
}
