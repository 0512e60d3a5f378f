//! The code that knows the shape of progenitor's output lives in one module
//! of xtask, `src/progenitor_output/`: no other source file runs progenitor,
//! walks a syn tree or matches generated code as token text. Any that does is
//! named here with its line.
//!
//! What characterizes that code (and what this scan looks for): naming the
//! `progenitor` crate, matching syn's items, impl or trait members,
//! statements, expressions or patterns, and turning tokens into text to
//! search them. Passing a `syn::File` along, parsing a type or formatting
//! tokens is not reading progenitor's output and is not flagged.

use std::path::{Path, PathBuf};

/// Whether `line` names the `progenitor` crate, a syn node that code
/// matches on (an item, impl or trait member, statement, expression or
/// pattern, or one of their variants' types: `ItemImpl`, `ExprLit`), or
/// turns tokens into text.
fn matches_progenitor_shape(line: &str) -> bool {
    let crate_path = ["progenitor", ""].join("::");
    let token_text = [".to_token_stream()", "to_string()"].join(".");
    if line.contains(&crate_path) || line.contains(&token_text) {
        return true;
    }
    let syn_path = ["syn", ""].join("::");
    line.match_indices(&syn_path).any(|(at, _)| {
        let ident: String = line[at + syn_path.len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        ["Item", "ImplItem", "TraitItem", "Stmt", "Expr"]
            .iter()
            .any(|family| ident.starts_with(family))
            || (ident.starts_with("Pat") && !ident.starts_with("Path"))
    })
}

/// Files outside the module that may match syn trees, and why. Each must
/// still match (an entry that no longer does is stale and fails the test).
const ALLOWED: &[(&str, &str)] = &[
    (
        "xtask/src/spec_diff/rust_api.rs",
        "the public Rust API of the generated crate, read generically (any crate's items), \
         not progenitor's shape",
    ),
    (
        "xtask/src/sdk/resources.rs",
        "its tests read the `resources` module that sdk/resources.rs itself generates",
    ),
];

const MODULE: &str = "xtask/src/progenitor_output";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
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

/// `file:line: text` of every line of `file` that contains a needle.
fn hits(root: &Path, file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let shown = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    text.lines()
        .enumerate()
        .filter(|(_, line)| matches_progenitor_shape(line))
        .map(|(i, line)| format!("{shown}:{}: {}", i + 1, line.trim()))
        .collect()
}

#[test]
fn the_needles_tell_matching_from_passing_along() {
    for line in [
        "use progenitor::Generator;",
        "syn::Item::Impl(imp) => {}",
        "for f in imp.items.iter_mut().filter_map(|i| match i { syn::ImplItem::Fn(f) => Some(f) })",
        "syn::Expr::Lit(syn::ExprLit { lit, .. })",
        "let syn::Pat::Path(path) = &arm.pat else { return None };",
        "let text = ty.to_token_stream().to_string();",
    ] {
        assert!(matches_progenitor_shape(line), "{line}");
    }
    for line in [
        "use progenitor_client::ClientInfo;",
        "pub fn generate(spec: &LoadedSpec, cli: &syn::File) {}",
        "syn::PathArguments::AngleBracketed(args) => {}",
        "let ty: TokenStream = syn::parse_str::<syn::Type>(ty)",
    ] {
        assert!(!matches_progenitor_shape(line), "{line}");
    }
}

#[test]
fn only_the_progenitor_output_module_matches_progenitors_output() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("xtask/src"), &mut files);
    let module = root.join(MODULE);
    let allowed = |file: &Path| ALLOWED.iter().any(|(path, _)| root.join(path) == file);
    let offences: Vec<String> = files
        .iter()
        .filter(|file| !file.starts_with(&module) && !allowed(file))
        .flat_map(|file| hits(&root, file))
        .collect();
    assert!(
        offences.is_empty(),
        "code outside {MODULE}/ matches progenitor's output; move it into the module \
         and call it for the fact or rewrite it gives:\n{}",
        offences.join("\n")
    );
}

#[test]
fn every_allowed_exception_still_matches() {
    let root = root();
    for (path, why) in ALLOWED {
        let file = root.join(path);
        assert!(
            file.is_file(),
            "{path} is allowed ({why}) but no longer exists: drop its entry"
        );
        assert!(
            !hits(&root, &file).is_empty(),
            "{path} is allowed ({why}) but matches nothing any more: drop its entry"
        );
    }
}

/// The needles find the module's own reading and rewriting, in each of its
/// files: the scan looks for what such code is made of.
#[test]
fn the_scan_finds_the_modules_own_matching() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join(MODULE), &mut files);
    for name in ["mod.rs", "client.rs", "httpmock.rs", "cli.rs"] {
        let file = root.join(MODULE).join(name);
        assert!(files.contains(&file), "{} is missing", file.display());
        assert!(
            !hits(&root, &file).is_empty(),
            "the scan finds nothing in {}",
            file.display()
        );
    }
}
