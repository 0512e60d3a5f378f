//! `cargo xtask reference`: checks `spec/openapi.yaml` against the reference
//! pages it was transcribed from (`spec/reference/`), and drafts a spec
//! fragment for a page not transcribed yet (`--draft PAGE.txt`).
//!
//! - [`page`] parses both views of a page into facts with page lines.
//! - [`mod@check`] compares the spec with those facts; deliberate deviations are
//!   data, the `x-avara-reference` notes in the spec.
//! - [`facts`] reads the official SDK's API facts (`avara-<sdk>-<version>.json`).
//! - [`validate`] checks the pages' JSON examples against the spec's schemas.
//! - [`draft`] writes a fragment in the spec's style from a page.

pub mod check;
pub mod draft;
pub mod facts;
pub mod page;
pub mod validate;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use check::{Accepted, Finding, Info, Note};

use crate::spec::{self, LoadedSpec, locate_pointer};

/// Where the pages live, relative to the workspace root.
pub const PAGES_DIR: &str = "spec/reference";

/// What `cargo xtask reference` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The workspace root; pages and the spec are shown relative to it.
    pub root: PathBuf,
    pub spec: PathBuf,
    /// The pages to check; empty means every `*.txt` in `spec/reference/`.
    pub pages: Vec<PathBuf>,
    /// Print a spec fragment for this page instead of checking.
    pub draft: Option<PathBuf>,
}

impl Options {
    /// The defaults: the workspace's spec and every page.
    pub fn new(root: PathBuf) -> Options {
        Options {
            spec: root.join(crate::codegen::SPEC),
            root,
            pages: Vec::new(),
            draft: None,
        }
    }
}

/// Everything a run found, over all the pages checked.
#[derive(Debug, Default)]
pub struct Report {
    pub pages: Vec<PathBuf>,
    pub errors: Vec<Finding>,
    pub accepted: Vec<Accepted>,
    pub info: Vec<Info>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.errors.is_empty()
    }

    /// The report as the command prints it: errors first, then each accepted
    /// deviation once with its reason and the page lines that exercised it,
    /// then what only the spec has.
    pub fn render(&self, spec: &LoadedSpec, root: &Path) -> String {
        let spec_path = shown(&spec.path, root);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "cargo xtask reference: {} against {} page(s)",
            spec_path.display(),
            self.pages.len()
        );
        for error in &self.errors {
            let _ = writeln!(out, "{error}");
        }
        let mut by_note: BTreeMap<&str, NoteUse<'_>> = BTreeMap::new();
        for accepted in &self.accepted {
            let entry = by_note
                .entry(accepted.note.pointer.as_str())
                .or_insert_with(|| NoteUse {
                    note: &accepted.note,
                    pages: Vec::new(),
                    subjects: Vec::new(),
                });
            let at = format!("{}:{}", accepted.page.display(), accepted.page_line);
            if !entry.pages.contains(&at) {
                entry.pages.push(at);
            }
            if !entry.subjects.contains(&accepted.subject.as_str()) {
                entry.subjects.push(&accepted.subject);
            }
        }
        let _ = writeln!(out, "\naccepted deviations ({}):", by_note.len());
        let mut notes: Vec<_> = by_note
            .values()
            .map(|used| {
                let line = locate_pointer(&spec.text, &used.note.pointer).map_or(0, |(l, _)| l);
                (line, used.note, &used.pages, &used.subjects)
            })
            .collect();
        notes.sort_by_key(|(line, ..)| *line);
        for (line, note, pages, subjects) in notes {
            let _ = writeln!(
                out,
                "  {}:{line} {}: {}: page {}, spec {}\n    reason: {}\n    seen at: {}",
                spec_path.display(),
                subjects.join(", "),
                note.aspect,
                show_value(&note.page),
                show_value(&note.spec),
                note.reason,
                pages.join(", ")
            );
        }
        let mut info: Vec<String> = self
            .info
            .iter()
            .map(|i| format!("  {} ({})", i.message, i.pointer))
            .collect();
        info.sort();
        info.dedup();
        let _ = writeln!(out, "\nonly in the spec ({}):", info.len());
        for line in info {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(
            out,
            "\n{}: {} error(s), {} deviation(s) accepted",
            if self.passed() { "ok" } else { "FAILED" },
            self.errors.len(),
            by_note.len()
        );
        out
    }
}

/// One note as the report lists it: the page lines and subjects it accepted.
struct NoteUse<'a> {
    note: &'a Note,
    pages: Vec<String>,
    subjects: Vec<&'a str>,
}

fn show_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "silent".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `path` relative to `root` when it is inside it.
pub fn shown(path: &Path, root: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Every page in `spec/reference/`, sorted.
pub fn default_pages(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join(PAGES_DIR);
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    pages.sort();
    if pages.is_empty() {
        return Err(format!("no pages (*.txt) in {}", dir.display()));
    }
    Ok(pages)
}

/// Checks `spec` against the pages at `pages` (read from disk, shown
/// relative to `root`). With `all_pages`, a note that no page exercised is an
/// error: it records a deviation that no longer exists.
pub fn check(
    spec: &LoadedSpec,
    pages: &[PathBuf],
    root: &Path,
    all_pages: bool,
) -> Result<Report, page::PageError> {
    let mut parsed = Vec::new();
    for path in pages {
        parsed.push(page::load(path, &shown(path, root))?);
    }
    Ok(check_parsed(spec, &parsed, all_pages))
}

/// [`check()`] over pages already parsed.
pub fn check_parsed(spec: &LoadedSpec, pages: &[page::Page], all_pages: bool) -> Report {
    let (notes, mut errors) = check::all_notes(spec);
    let mut report = Report::default();
    for page in pages {
        report.pages.push(page.file.clone());
        let found = check::check_page(spec, page);
        report.errors.extend(found.errors);
        report.accepted.extend(found.accepted);
        report.info.extend(found.info);
    }
    if all_pages {
        for note in &notes {
            if !report
                .accepted
                .iter()
                .any(|a| a.note.pointer == note.pointer)
            {
                let line = locate_pointer(&spec.text, &note.pointer).map(|(l, _)| l);
                errors.push(Finding {
                    page: spec.path.clone(),
                    page_line: line.unwrap_or(0),
                    pointer: note.pointer.clone(),
                    spec_line: line,
                    message: format!(
                        "the {} note on `{}` (page {}, spec {}) matches no disagreement on any page; remove it or correct it",
                        check::EXTENSION,
                        note.aspect,
                        show_value(&note.page),
                        show_value(&note.spec)
                    ),
                });
            }
        }
    }
    errors.extend(std::mem::take(&mut report.errors));
    report.errors = errors;
    report
}

/// Runs the command; returns the exit code (0 ok, 1 disagreements, 2 a spec,
/// page or usage error).
pub fn run(options: &Options) -> i32 {
    if let Some(draft_page) = &options.draft {
        let shown_page = shown(draft_page, &options.root);
        let page = match page::load(draft_page, &shown_page) {
            Ok(page) => page,
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        };
        // The spec gives the conventions a page alone cannot (the cursor
        // page's fields); a draft works without it.
        let context = match spec::load(&options.spec) {
            Ok(spec) => Some(spec),
            Err(e) => {
                eprintln!("note: drafting without the spec's conventions: {e}");
                None
            }
        };
        match draft::draft(&page, context.as_ref()) {
            Ok(fragment) => {
                print!("{fragment}");
                return 0;
            }
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    }
    let spec = match spec::load(&options.spec) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let all_pages = options.pages.is_empty();
    let pages = if all_pages {
        match default_pages(&options.root) {
            Ok(pages) => pages,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    } else {
        options.pages.clone()
    };
    match check(&spec, &pages, &options.root, all_pages) {
        Ok(report) => {
            let text = report.render(&spec, &options.root);
            if report.passed() {
                print!("{text}");
                0
            } else {
                eprint!("{text}");
                1
            }
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}
