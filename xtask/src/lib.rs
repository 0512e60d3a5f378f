//! The workspace's build tasks: `cargo xtask codegen [--check]`, `spec-diff`,
//! `release-check` and `bench`.
//!
//! A library as well as a binary so that tests can run the generators in
//! memory on temporary specs.

pub mod bench;
pub mod cli_gen;
pub mod codegen;
pub mod example;
pub mod extensions;
pub mod growth_check;
pub mod mock_gen;
pub mod overlay;
pub mod progenitor_output;
pub mod reference;
pub mod release;
pub mod resource_tree;
pub mod schema;
pub mod sdk;
pub mod spec;
pub mod spec_diff;

use std::path::{Path, PathBuf};

/// The workspace root of the current directory: the nearest directory at or
/// above it whose `Cargo.toml` declares `[workspace]`.
///
/// Found at run time, never from where xtask was compiled: with a target
/// directory shared by several checkouts, cargo reuses an xtask binary built
/// in another checkout, which must still act on the checkout it runs in.
///
/// # Panics
///
/// When the current directory is not inside a Cargo workspace; the binary
/// checks [`find_workspace_root`] first and exits 2 with the message.
pub fn workspace_root() -> PathBuf {
    let cwd = std::env::current_dir().expect("the current directory is readable");
    find_workspace_root(&cwd).unwrap_or_else(|e| panic!("{e}"))
}

/// The nearest directory at or above `start` whose `Cargo.toml` has a
/// `[workspace]` table.
pub fn find_workspace_root(start: &Path) -> Result<PathBuf, String> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if declares_workspace(&text) {
            return Ok(dir.to_path_buf());
        }
    }
    Err(format!(
        "error: {} is not inside a Cargo workspace (no Cargo.toml with `[workspace]` at or above it); run xtask from the checkout it should act on",
        start.display()
    ))
}

/// Whether a manifest declares a workspace: a `[workspace]` or
/// `[workspace.*]` table header.
fn declares_workspace(manifest: &str) -> bool {
    manifest.lines().any(|line| {
        let line = line.trim();
        line == "[workspace]" || (line.starts_with("[workspace.") && line.ends_with(']'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_workspace_manifest_wins() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path();
        std::fs::write(outer.join("Cargo.toml"), "[workspace]\nmembers = [\"a\"]\n").unwrap();
        std::fs::create_dir_all(outer.join("a/src")).unwrap();
        std::fs::write(outer.join("a/Cargo.toml"), "[package]\nname = \"a\"\n").unwrap();
        assert_eq!(find_workspace_root(&outer.join("a/src")).unwrap(), outer);

        let inner = outer.join("nested");
        std::fs::create_dir_all(inner.join("x")).unwrap();
        std::fs::write(
            inner.join("Cargo.toml"),
            "# a second workspace\n[workspace.package]\nversion = \"1.0.0\"\n",
        )
        .unwrap();
        assert_eq!(find_workspace_root(&inner.join("x")).unwrap(), inner);
    }

    #[test]
    fn outside_a_workspace_is_an_error_naming_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let error = find_workspace_root(dir.path()).unwrap_err();
        assert!(error.contains(&dir.path().display().to_string()), "{error}");
        assert!(error.contains("not inside a Cargo workspace"), "{error}");
    }
}
