//! `cargo xtask release-check`: the bump a spec change requires, checked
//! against the crate's (inherited) version in a scratch git repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::extension_name;

fn manifest_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const FIXTURE: &str = "xtask/tests/fixtures/spec-diff/openapi.yaml";

/// A git repository with the files release-check reads: a workspace manifest
/// whose `[workspace.package]` holds the version, the crate's manifest that
/// inherits it, and the spec; one commit.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(version: &str) -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.set_version(version);
        std::fs::create_dir_all(repo.path().join("generated-client")).unwrap();
        std::fs::write(
            repo.path().join("generated-client/Cargo.toml"),
            "[package]\nname = \"avara\"\nedition.workspace = true\nversion.workspace = true\n",
        )
        .unwrap();
        std::fs::write(
            repo.path().join("CHANGELOG.md"),
            format!("# Changelog\n\n## {version}\n"),
        )
        .unwrap();
        std::fs::create_dir_all(repo.path().join("spec")).unwrap();
        repo.write_spec(&std::fs::read_to_string(manifest_root().join(FIXTURE)).unwrap());
        repo.git(&["init", "-q"]);
        repo.commit("release");
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn set_version(&self, version: &str) {
        std::fs::write(
            self.path().join("Cargo.toml"),
            format!("[workspace]\nmembers = [\"generated-client\"]\n\n[workspace.package]\nedition = \"2024\"\nversion = \"{version}\"\n"),
        )
        .unwrap();
    }

    /// Puts `entry` above the newest entry, as a maintainer would.
    fn add_changelog_entry(&self, entry: &str) {
        let path = self.path().join("CHANGELOG.md");
        let log = std::fs::read_to_string(&path).unwrap();
        let at = log.find("\n## ").map(|i| i + 1).unwrap_or(log.len());
        std::fs::write(&path, format!("{}{entry}{}", &log[..at], &log[at..])).unwrap();
    }

    fn spec(&self) -> String {
        std::fs::read_to_string(self.path().join("spec/openapi.yaml")).unwrap()
    }

    fn write_spec(&self, text: &str) {
        std::fs::write(self.path().join("spec/openapi.yaml"), text).unwrap();
    }

    fn edit_spec(&self, from: &str, to: &str) {
        let spec = self.spec();
        assert!(spec.contains(from), "{from:?} is not in the fixture");
        self.write_spec(&spec.replacen(from, to, 1));
    }

    fn release_check(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("release-check")
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const LIMIT_MAX: &str = "            maximum: 100\n";

#[test]
fn a_breaking_spec_change_without_a_bump_fails() {
    let repo = Repo::new("0.1.0");
    // Narrower at the top, wider at the bottom (which changes the setter's
    // Rust type from NonZeroU32 to i32).
    repo.edit_spec(
        "            minimum: 1\n            maximum: 100\n",
        "            minimum: 0\n            maximum: 50\n",
    );

    let unbumped = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(unbumped.status.code(), Some(1), "{}", stdout(&unbumped));
    let text = stdout(&unbumped);
    assert!(text.contains("impact: breaking"), "{text}");
    assert!(
        text.contains("required: minor bump (at least 0.2.0)"),
        "{text}"
    );
    assert!(text.contains("release-check: FAILED"), "{text}");

    repo.set_version("0.1.1");
    let patch = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(
        patch.status.code(),
        Some(1),
        "a patch bump is not enough below 1.0"
    );

    repo.set_version("0.2.0");
    let no_entry = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(no_entry.status.code(), Some(1), "{}", stdout(&no_entry));
    assert!(
        stdout(&no_entry).contains("CHANGELOG.md has no `## 0.2.0` entry"),
        "{}",
        stdout(&no_entry)
    );

    let changelog = repo.release_check(&["--base", "HEAD", "--format", "changelog"]);
    let entry = stdout(&changelog);
    repo.add_changelog_entry(&entry);
    let minor = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(minor.status.code(), Some(0), "{}", stdout(&minor));

    assert!(
        entry.starts_with("## 0.2.0\n\n### Breaking changes\n\n"),
        "{entry}"
    );
    assert!(
        entry.contains(
            "- `orgs_list` (`GET /v1/orgs`): query parameter `limit`: `maximum` decreased"
        ),
        "{entry}"
    );
    assert!(entry.contains("(`request-maximum-decreased`)"), "{entry}");
    assert!(
        entry.contains("- Rust: changed `builder::OrgsList::limit`"),
        "{entry}"
    );
    let additions = entry
        .find("### Added and other compatible changes")
        .unwrap_or_else(|| panic!("{entry}"));
    assert!(
        entry.find("### Breaking changes").unwrap() < additions,
        "breaking changes come first: {entry}"
    );
    assert!(
        entry[additions..].contains("(`request-minimum-decreased`)"),
        "{entry}"
    );

    // Committed, the same check runs between two revisions.
    repo.commit("limit 50, 0.2.0");
    let revisions = repo.release_check(&["--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(revisions.status.code(), Some(0), "{}", stdout(&revisions));
}

#[test]
fn from_1_0_a_breaking_change_needs_a_major_bump_and_an_addition_a_minor_one() {
    let repo = Repo::new("1.4.2");
    repo.edit_spec(LIMIT_MAX, "            maximum: 50\n");
    repo.set_version("1.5.0");
    let minor = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(minor.status.code(), Some(1), "{}", stdout(&minor));
    assert!(stdout(&minor).contains("required: major bump (at least 2.0.0)"));
    repo.set_version("2.0.0");
    repo.add_changelog_entry("## 2.0.0\n\n- limit's maximum lowered to 50\n\n");
    assert_eq!(
        repo.release_check(&["--base", "HEAD"]).status.code(),
        Some(0)
    );

    let repo = Repo::new("1.4.2");
    repo.edit_spec(LIMIT_MAX, "            maximum: 200\n");
    let none = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(none.status.code(), Some(1), "{}", stdout(&none));
    assert!(stdout(&none).contains("required: minor bump (at least 1.5.0)"));
    repo.set_version("1.5.0");
    repo.add_changelog_entry("## 1.5.0\n\n- limit's maximum raised to 200\n\n");
    assert_eq!(
        repo.release_check(&["--base", "HEAD"]).status.code(),
        Some(0)
    );
}

/// What other branches do to the spec at merge time (a vendor extension
/// added, descriptions moved into the reference-note extension) is no API change and
/// needs no bump.
#[test]
fn descriptions_and_extensions_need_no_bump() {
    let repo = Repo::new("0.1.0");
    repo.edit_spec(
        "      summary: List organizations with pagination\n      description: |\n",
        concat!(
            "      summary: List organizations with pagination\n      ",
            extension_name!(reference),
            ":\n        page: orgs/list\n      description: |\n        Moved.\n"
        ),
    );
    repo.edit_spec(
        "      description: Name of the organization\n",
        concat!(
            "      ",
            extension_name!(reference),
            ":\n        description: Name of the organization\n"
        ),
    );
    repo.edit_spec(
        "    Metadata:\n      type: object\n",
        concat!(
            "    Metadata:\n      type: object\n      ",
            extension_name!(prefix),
            "example-source: reference\n"
        ),
    );
    let output = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("required: no bump"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_version_that_goes_backwards_fails() {
    let repo = Repo::new("0.3.0");
    repo.set_version("0.2.9");
    let output = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("went backwards"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_unknown_revision_exits_2_with_the_reason() {
    let repo = Repo::new("0.1.0");
    let output = repo.release_check(&["--base", "no-such-rev"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-rev"), "{stderr}");
}

/// The generated client as checked in is what a release ships: a change of
/// the generator that breaks its public API (here `Copy` dropped from an
/// enum that gained a variant, with the spec unchanged) needs the bump too.
#[test]
fn a_generator_change_to_the_checked_in_client_needs_its_bump() {
    let repo = Repo::new("0.4.2");
    let write = |path: &str, text: &str| {
        let path = repo.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        xtask::codegen::CLIENT_GENERATED,
        "pub mod types {\n    #[derive(Clone, Copy, Debug)]\n    pub enum Role {\n        Admin,\n    }\n}\n",
    );
    write(
        xtask::codegen::CLIENT_SDK_GENERATED,
        "pub const DEFAULT_BASE_URL: &str = \"x\";\n",
    );
    repo.commit("release 0.4.2 with its generated client");
    write(
        xtask::codegen::CLIENT_GENERATED,
        "pub mod types {\n    #[derive(Clone, Debug)]\n    pub enum Role {\n        Admin,\n        Unknown(String),\n    }\n}\n",
    );

    let output = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("spec: 0 breaking, 0 non-breaking"), "{text}");
    assert!(
        text.contains("required: minor bump (at least 0.5.0)"),
        "{text}"
    );

    repo.set_version("0.5.0");
    repo.add_changelog_entry("## 0.5.0\n\nEnums are open.\n\n");
    let output = repo.release_check(&["--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}
