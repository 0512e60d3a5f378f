//! `cargo xtask release-check --base REV`: the version bump that the API
//! change since REV requires of the `avara` crate, by Cargo's semver rules,
//! checked against the version in `generated-client/Cargo.toml`; with
//! `--format changelog`, the CHANGELOG.md entry for it. A bumped version
//! needs its `## <version>` entry in CHANGELOG.md.
//!
//! The change is the spec diff of `spec/openapi.yaml` plus the public Rust
//! API of the generated client as checked in on each side (what a release
//! ships: a change of the generator counts too; `codegen --check` keeps the
//! files true to the spec), or, where a side has no generated files, of the
//! client generated from each side's spec by the current generator (see
//! [`crate::spec_diff`]). Hand-written code of the crate is not judged here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::codegen;
use crate::spec_diff::{self, Level, Report, Source};

/// The crate's manifest, relative to the workspace root.
pub const CLIENT_MANIFEST: &str = "generated-client/Cargo.toml";

/// The changelog, relative to the workspace root: a bumped version needs an
/// entry headed `## <version>`.
pub const CHANGELOG: &str = "CHANGELOG.md";

/// How the required bump is decided, for `--help` and the docs.
pub const BUMP_RULES: &str = "a breaking spec change or a removed or changed public Rust item is breaking; \
any other non-breaking spec change or an added Rust item is an addition; documentation, examples and \
vendor extensions need no bump. Below 1.0 a breaking change needs a minor bump (0.1.3 -> 0.2.0) and an \
addition a patch bump; from 1.0, major for breaking, minor for additions.";

/// Output of `release-check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The verdict, for CI logs.
    Text,
    /// A CHANGELOG.md entry for the head's version.
    Changelog,
}

/// Options of `cargo xtask release-check`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workspace root (where git runs).
    pub root: PathBuf,
    /// The released revision to compare with.
    pub base: String,
    /// The candidate revision; `None` for the working tree.
    pub head: Option<String>,
    /// What to print.
    pub format: Format,
}

/// A `MAJOR.MINOR.PATCH` version (a pre-release or build suffix is kept for
/// display and ignored in comparisons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
    /// The version as written.
    pub text: String,
}

impl Version {
    /// Parses `1.2.3`, `0.1.0-alpha.1` or `1.0.0+build`.
    pub fn parse(text: &str) -> Result<Version, String> {
        let core = text.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        let number = |s: &str| s.parse::<u64>().ok().filter(|_| !s.is_empty());
        match parts.as_slice() {
            [a, b, c] => match (number(a), number(b), number(c)) {
                (Some(major), Some(minor), Some(patch)) => Ok(Version {
                    major,
                    minor,
                    patch,
                    text: text.to_string(),
                }),
                _ => Err(format!("`{text}` is not a MAJOR.MINOR.PATCH version")),
            },
            _ => Err(format!("`{text}` is not a MAJOR.MINOR.PATCH version")),
        }
    }

    fn triple(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }

    /// The smallest version that makes a `bump` from this one.
    pub fn bumped(&self, bump: Bump) -> String {
        match bump {
            Bump::None => self.text.clone(),
            Bump::Patch => format!("{}.{}.{}", self.major, self.minor, self.patch + 1),
            Bump::Minor => format!("{}.{}.0", self.major, self.minor + 1),
            Bump::Major => format!("{}.0.0", self.major + 1),
        }
    }
}

/// Which component of the version moved, ordered by size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Unchanged.
    None,
    /// `x.y.Z`.
    Patch,
    /// `x.Y.0`.
    Minor,
    /// `X.0.0`.
    Major,
}

impl Bump {
    /// `none`, `patch`, `minor`, `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// What an API change means for users of the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Nothing a program can observe (documentation, examples, extensions).
    None,
    /// Additions and other compatible changes.
    Addition,
    /// Something existing code may rely on changed or went away.
    Breaking,
}

/// The impact of a report: its highest spec level, raised to breaking by a
/// removed or changed public Rust item.
pub fn impact(report: &Report) -> Impact {
    let rust_breaking = !report.rust.removed.is_empty() || !report.rust.changed.is_empty();
    let highest = report.changes.iter().map(|c| c.level).max();
    if rust_breaking || highest == Some(Level::Breaking) {
        Impact::Breaking
    } else if highest == Some(Level::NonBreaking) || !report.rust.added.is_empty() {
        Impact::Addition
    } else {
        Impact::None
    }
}

/// The bump Cargo's semver rules require from `from` for `impact`.
pub fn required_bump(from: &Version, impact: Impact) -> Bump {
    match (impact, from.major) {
        (Impact::None, _) => Bump::None,
        (Impact::Breaking, 0) => Bump::Minor,
        (Impact::Breaking, _) => Bump::Major,
        (Impact::Addition, 0) => Bump::Patch,
        (Impact::Addition, _) => Bump::Minor,
    }
}

/// The bump from `old` to `new`; an error when the version went backwards.
pub fn actual_bump(old: &Version, new: &Version) -> Result<Bump, String> {
    let (a, b) = (old.triple(), new.triple());
    if b < a {
        return Err(format!(
            "the version went backwards, from {} to {}",
            old.text, new.text
        ));
    }
    Ok(if b.0 > a.0 {
        Bump::Major
    } else if b.1 > a.1 {
        Bump::Minor
    } else if b.2 > a.2 {
        Bump::Patch
    } else {
        Bump::None
    })
}

/// The `[package]` version of `manifest`, following `version.workspace =
/// true` to `[workspace.package]` of `workspace_manifest`.
pub fn package_version(manifest: &str, workspace_manifest: &str) -> Result<String, String> {
    let value =
        table_value(manifest, "package", "version").ok_or("no `version` in its [package] table")?;
    if value == "workspace" {
        return table_value(workspace_manifest, "workspace.package", "version")
            .ok_or_else(|| {
                "the version is inherited (`version.workspace = true`) but the workspace manifest has no [workspace.package] version".to_string()
            });
    }
    Ok(value)
}

/// The string value of `key` in `[table]`, or `workspace` when the key is
/// inherited (`key.workspace = true` or `key = { workspace = true }`).
fn table_value(manifest: &str, table: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in manifest.lines() {
        let line = line.split(" #").next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_string();
            continue;
        }
        if current != table {
            continue;
        }
        let Some((lhs, rhs)) = line.split_once('=') else {
            continue;
        };
        let (lhs, rhs) = (lhs.trim(), rhs.trim());
        if lhs == format!("{key}.workspace") && rhs == "true" {
            return Some("workspace".into());
        }
        if lhs == key {
            if rhs.starts_with('{') && rhs.replace(' ', "").contains("workspace=true") {
                return Some("workspace".into());
            }
            return Some(rhs.trim_matches('"').to_string());
        }
    }
    None
}

/// A file at `rev` (`None`: the working tree).
fn read_at(root: &Path, rev: Option<&str>, path: &str) -> Result<String, String> {
    match rev {
        Some(rev) => spec_diff::load::git_show(root, rev, path),
        None => {
            std::fs::read_to_string(root.join(path)).map_err(|e| format!("cannot read {path}: {e}"))
        }
    }
}

/// The generated files that make the client crate's public API.
const CLIENT_FILES: [&str; 2] = [codegen::CLIENT_GENERATED, codegen::CLIENT_SDK_GENERATED];

/// The change of the client's public Rust API between the generated files
/// as checked in at `base` and at `head` (the working tree when `None`):
/// what a release ships, so a change of the generator (a derive dropped, a
/// field's type changed) counts as much as a change of the spec. `None`
/// when a side has no generated files (then the spec diff's view, the
/// client generated from each side's spec by the current generator, is
/// used).
fn shipped_rust_diff(
    root: &Path,
    base: &str,
    head: Option<&str>,
) -> Result<Option<spec_diff::rust_api::RustDiff>, String> {
    let side = |rev: Option<&str>| -> Option<codegen::Generated> {
        let files = CLIENT_FILES
            .iter()
            .map(|path| {
                read_at(root, rev, path)
                    .ok()
                    .map(|contents| codegen::GeneratedFile {
                        relative_path: path,
                        contents,
                    })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(codegen::Generated {
            files,
            operations: 0,
            types: 0,
            warnings: Vec::new(),
            mock: Default::default(),
        })
    };
    match (side(Some(base)), side(head)) {
        (Some(old), Some(new)) => spec_diff::rust_api::diff(&old, &new).map(Some),
        _ => Ok(None),
    }
}

/// Whether `changelog` has an entry headed `## <version>` (or `## [<version>]`).
pub fn has_entry(changelog: &str, version: &str) -> bool {
    changelog.lines().any(|line| {
        let Some(heading) = line.strip_prefix("## ") else {
            return false;
        };
        let name = heading
            .trim_start_matches('[')
            .split([']', ' '])
            .next()
            .unwrap_or("");
        name == version
    })
}

/// The crate's version at `rev` (`None`: the working tree).
fn crate_version(root: &Path, rev: Option<&str>) -> Result<Version, String> {
    let read = |path: &str| read_at(root, rev, path);
    let where_ = rev.unwrap_or("the working tree");
    let manifest = read(CLIENT_MANIFEST)?;
    let workspace = read("Cargo.toml")?;
    let text = package_version(&manifest, &workspace)
        .map_err(|e| format!("{CLIENT_MANIFEST} at {where_}: {e}"))?;
    Version::parse(&text).map_err(|e| format!("{CLIENT_MANIFEST} at {where_}: {e}"))
}

/// The outcome of the check.
pub struct Verdict {
    /// The report the verdict is drawn from.
    pub report: Report,
    /// The base's version.
    pub old: Version,
    /// The head's version.
    pub new: Version,
    /// What the change means.
    pub impact: Impact,
    /// The bump it requires.
    pub required: Bump,
    /// The bump that was made, or why it is invalid.
    pub actual: Result<Bump, String>,
    /// Whether CHANGELOG.md has an entry for the head's version (checked
    /// only when the version moved).
    pub changelog_entry: bool,
}

impl Verdict {
    /// Whether the head's version satisfies the change.
    pub fn passes(&self) -> bool {
        matches!(self.actual, Ok(actual) if actual >= self.required) && self.changelog_entry
    }
}

/// Compares and decides.
pub fn check(options: &Options) -> Result<Verdict, String> {
    let diff = spec_diff::Options {
        root: options.root.clone(),
        base: Source::Rev(options.base.clone()),
        head: options
            .head
            .clone()
            .map(Source::Rev)
            .unwrap_or(Source::WorkingTree),
        format: spec_diff::Format::Text,
        fail_on: Vec::new(),
    };
    let mut report = spec_diff::report(&diff).map_err(|e| e.to_string())?;
    if let Some(shipped) = shipped_rust_diff(&options.root, &options.base, options.head.as_deref())?
    {
        report.rust = shipped;
    }
    let old = crate_version(&options.root, Some(&options.base))?;
    let new = crate_version(&options.root, options.head.as_deref())?;
    let impact = impact(&report);
    let required = required_bump(&old, impact);
    let actual = actual_bump(&old, &new);
    let changelog_entry = match actual {
        Ok(Bump::None) | Err(_) => true,
        Ok(_) => read_at(&options.root, options.head.as_deref(), CHANGELOG)
            .map(|text| has_entry(&text, &new.text))
            .unwrap_or(false),
    };
    Ok(Verdict {
        report,
        old,
        new,
        impact,
        required,
        actual,
        changelog_entry,
    })
}

/// The verdict for CI logs.
pub fn render_text(verdict: &Verdict, options: &Options) -> String {
    let mut out = String::new();
    let head = options.head.as_deref().unwrap_or("the working tree");
    let report = &verdict.report;
    let _ = writeln!(
        out,
        "release-check: avara {} ({}) -> {} ({head})",
        verdict.old.text, options.base, verdict.new.text
    );
    let _ = writeln!(
        out,
        "  spec: {}; Rust API: {} added, {} removed, {} changed",
        report.summary(),
        report.rust.added.len(),
        report.rust.removed.len(),
        report.rust.changed.len()
    );
    for problem in &report.problems {
        let _ = writeln!(
            out,
            "  note: {} (the bump is judged on the spec alone)",
            problem.message
        );
    }
    let impact = match verdict.impact {
        Impact::None => "none (documentation only, or nothing)",
        Impact::Addition => "additions and compatible changes",
        Impact::Breaking => "breaking",
    };
    let _ = writeln!(out, "  impact: {impact}");
    if verdict.required == Bump::None {
        let _ = writeln!(out, "  required: no bump");
    } else {
        let _ = writeln!(
            out,
            "  required: {} bump (at least {})",
            verdict.required.as_str(),
            verdict.old.bumped(verdict.required)
        );
    }
    match &verdict.actual {
        Ok(Bump::None) => {
            let _ = writeln!(out, "  made: no bump");
        }
        Ok(actual) => {
            let _ = writeln!(out, "  made: {} bump", actual.as_str());
        }
        Err(e) => {
            let _ = writeln!(out, "  made: {e}");
        }
    }
    if !verdict.changelog_entry {
        let _ = writeln!(
            out,
            "  changelog: {CHANGELOG} has no `## {}` entry",
            verdict.new.text
        );
    }
    if verdict.passes() {
        let _ = writeln!(out, "release-check: ok");
    } else if matches!(verdict.actual, Ok(actual) if actual >= verdict.required) {
        let _ = writeln!(
            out,
            "release-check: FAILED: add the entry that `cargo xtask release-check --base {} --format changelog` prints to {CHANGELOG}",
            options.base
        );
    } else {
        let _ = writeln!(
            out,
            "release-check: FAILED: set the crate's version (the workspace version in Cargo.toml when {CLIENT_MANIFEST} inherits it) to at least {} and add the entry that `cargo xtask release-check --base {} --format changelog` prints to CHANGELOG.md",
            verdict.old.bumped(verdict.required),
            options.base
        );
    }
    out
}

/// A CHANGELOG.md entry: the head's version, breaking changes first (spec,
/// then the Rust items removed or changed), then additions.
pub fn render_changelog(verdict: &Verdict) -> String {
    let report = &verdict.report;
    let mut out = String::new();
    let _ = writeln!(out, "## {}\n", verdict.new.text);
    let line = |c: &spec_diff::Change| {
        let place = match &c.endpoint {
            Some(endpoint) => format!("`{}` (`{endpoint}`)", c.operation),
            None => "API".to_string(),
        };
        format!("- {place}: {} (`{}`)\n", c.message, c.rule)
    };
    let breaking: Vec<_> = report
        .changes
        .iter()
        .filter(|c| c.level == Level::Breaking)
        .collect();
    let rust_breaking = !report.rust.removed.is_empty() || !report.rust.changed.is_empty();
    if !breaking.is_empty() || rust_breaking {
        out.push_str("### Breaking changes\n\n");
        for change in breaking {
            out.push_str(&line(change));
        }
        for item in &report.rust.removed {
            let _ = writeln!(out, "- Rust: removed `{}`", item.item);
        }
        for item in &report.rust.changed {
            let _ = writeln!(
                out,
                "- Rust: changed `{}`: `{}` → `{}`",
                item.item, item.before, item.after
            );
        }
        out.push('\n');
    }
    let additions: Vec<_> = report
        .changes
        .iter()
        .filter(|c| c.level == Level::NonBreaking)
        .collect();
    if !additions.is_empty() || !report.rust.added.is_empty() {
        out.push_str("### Added and other compatible changes\n\n");
        for change in additions {
            out.push_str(&line(change));
        }
        for item in &report.rust.added {
            let _ = writeln!(out, "- Rust: added `{}`", item.item);
        }
        out.push('\n');
    }
    if verdict.impact == Impact::None {
        out.push_str("No change to the API or to the generated crate's public items.\n\n");
    }
    for problem in &report.problems {
        let _ = writeln!(out, "Note: {}.\n", problem.message);
    }
    out
}

/// Runs `release-check`; returns the exit code.
pub fn run(options: &Options) -> i32 {
    let verdict = match check(options) {
        Ok(verdict) => verdict,
        Err(e) => {
            eprintln!("release-check: error: {e}");
            return 2;
        }
    };
    match options.format {
        Format::Text => print!("{}", render_text(&verdict, options)),
        Format::Changelog => print!("{}", render_changelog(&verdict)),
    }
    if verdict.passes() { 0 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn cargo_semver_bumps() {
        assert_eq!(required_bump(&v("0.1.0"), Impact::Breaking), Bump::Minor);
        assert_eq!(required_bump(&v("0.1.0"), Impact::Addition), Bump::Patch);
        assert_eq!(required_bump(&v("0.1.0"), Impact::None), Bump::None);
        assert_eq!(required_bump(&v("1.2.3"), Impact::Breaking), Bump::Major);
        assert_eq!(required_bump(&v("1.2.3"), Impact::Addition), Bump::Minor);
        assert_eq!(v("0.1.3").bumped(Bump::Minor), "0.2.0");
        assert_eq!(v("1.2.3").bumped(Bump::Major), "2.0.0");

        assert_eq!(actual_bump(&v("0.1.0"), &v("0.2.0")), Ok(Bump::Minor));
        assert_eq!(actual_bump(&v("0.1.0"), &v("0.1.1")), Ok(Bump::Patch));
        assert_eq!(actual_bump(&v("0.1.9"), &v("1.0.0")), Ok(Bump::Major));
        assert_eq!(actual_bump(&v("0.1.0"), &v("0.1.0-rc.1")), Ok(Bump::None));
        assert!(actual_bump(&v("0.2.0"), &v("0.1.5")).is_err());
        assert!(Version::parse("1.2").is_err());
        assert!(Version::parse("1.x.3").is_err());
    }

    #[test]
    fn changelog_entries_are_found_by_their_heading() {
        let log = "# Changelog\n\n## [0.2.0] - 2026-11-23\n\n## 0.1.0\n";
        assert!(has_entry(log, "0.2.0"));
        assert!(has_entry(log, "0.1.0"));
        assert!(!has_entry(log, "0.1.1"));
        assert!(!has_entry("### 0.3.0\n- 0.3.0\n", "0.3.0"));
    }

    #[test]
    fn inherited_versions_are_read_from_the_workspace() {
        let workspace = "[workspace]\nmembers = []\n\n[workspace.package]\nedition = \"2024\"\nversion = \"0.3.1\"\n";
        let inherited = "[package]\nname = \"avara\"\nversion.workspace = true\n";
        assert_eq!(package_version(inherited, workspace).unwrap(), "0.3.1");
        let inline = "[package]\nname = \"avara\"\nversion = { workspace = true }\n";
        assert_eq!(package_version(inline, workspace).unwrap(), "0.3.1");
        let own = "[package]\nname = \"avara\"\nversion = \"2.0.0\" # pinned\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(package_version(own, workspace).unwrap(), "2.0.0");
        assert!(package_version(inherited, "[workspace]\n").is_err());
        assert!(package_version("[package]\nname = \"x\"\n", workspace).is_err());
    }
}
