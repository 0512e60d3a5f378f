//! Reading the two sides: a file, the working tree's spec, or the spec at a
//! git revision, parsed leniently so that a side failing the spec checks is
//! still compared at the spec level.

use std::path::{Path, PathBuf};
use std::process::Command;

use openapiv3::OpenAPI;
use serde_json::Value;

use super::model::LoadedSide;
use crate::codegen;
use crate::spec::{self, LoadedSpec, SpecError};

/// Where one side of the comparison comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `spec/openapi.yaml` at a git revision.
    Rev(String),
    /// `spec/openapi.yaml` in the working tree.
    WorkingTree,
    /// A spec file anywhere.
    File(PathBuf),
}

/// Refuses a revision that git could read as an option (`--output=FILE`,
/// `-x`) or that is not a single plain argument. Revisions are also passed
/// after `--end-of-options`, so this is the first of two guards.
pub fn check_revision(rev: &str) -> Result<(), String> {
    if rev.is_empty() {
        return Err("a git revision cannot be empty".into());
    }
    if rev.starts_with('-') {
        return Err(format!(
            "revision `{rev}` starts with `-`, which git would read as an option; name a commit, branch or tag"
        ));
    }
    if let Some(c) = rev.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "revision {rev:?} contains {c:?}; a git revision has no whitespace or control characters"
        ));
    }
    Ok(())
}

/// The text of `path` (relative to the workspace root) at git revision `rev`,
/// read with `git show --end-of-options REV:PATH` in `root`.
pub fn git_show(root: &Path, rev: &str, path: &str) -> Result<String, String> {
    check_revision(rev)?;
    let output = Command::new("git")
        .args(["show", "--end-of-options"])
        .arg(format!("{rev}:{path}"))
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cannot read `{path}` at revision `{rev}`: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("`{path}` at `{rev}` is not valid UTF-8"))
}

/// Reads and checks the spec of one side; the error when it cannot be read,
/// is not YAML or is not an OpenAPI document at all.
pub fn load(root: &Path, source: &Source) -> Result<LoadedSide, SpecError> {
    let (label, text) = match source {
        Source::File(path) => (path.clone(), read(path)?),
        Source::WorkingTree => {
            let path = root.join(codegen::SPEC);
            (path.clone(), read(&path)?)
        }
        Source::Rev(rev) => {
            let label = PathBuf::from(format!("{rev}:{}", codegen::SPEC));
            let text = git_show(root, rev, codegen::SPEC).map_err(|message| SpecError {
                path: label.clone(),
                line_col: None,
                pointer: None,
                message,
            })?;
            (label, text)
        }
    };
    parse_side(&label, text)
}

fn read(path: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(path).map_err(|e| SpecError {
        path: path.to_path_buf(),
        line_col: None,
        pointer: None,
        message: format!("cannot read the spec: {e}"),
    })
}

/// Parses a side: checked when it passes [`spec::parse`], otherwise kept
/// with its check error as long as it still parses as an OpenAPI document.
pub fn parse_side(label: &Path, text: String) -> Result<LoadedSide, SpecError> {
    match spec::parse(label, text.clone()) {
        Ok(spec) => Ok(spec.into()),
        Err(check_error) => match parse_unchecked(label, text) {
            Some(spec) => Ok(LoadedSide {
                spec,
                check_error: Some(check_error.to_string()),
            }),
            None => Err(check_error),
        },
    }
}

/// The document without the project's checks: YAML, a mapping, and an
/// OpenAPI 3.0 object by the typed model.
fn parse_unchecked(label: &Path, text: String) -> Option<LoadedSpec> {
    let json: Value = serde_yaml::from_str(&text).ok()?;
    if !json.is_object() || json.get("paths").is_none() {
        return None;
    }
    let openapi: OpenAPI = serde_json::from_value(json.clone()).ok()?;
    Some(LoadedSpec::unchecked(
        label.to_path_buf(),
        text,
        json,
        openapi,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        for rev in ["-x", "--output=/tmp/x", "-", "--end-of-options", ""] {
            assert!(check_revision(rev).is_err(), "{rev:?} was accepted");
        }
        for rev in ["a b", "HEAD\n--output=x"] {
            assert!(check_revision(rev).is_err(), "{rev:?} was accepted");
        }
        for rev in ["HEAD", "HEAD~1", "main", "v1.0.0", "abc123", "origin/main^"] {
            assert!(check_revision(rev).is_ok(), "{rev:?} was refused");
        }
    }
}
