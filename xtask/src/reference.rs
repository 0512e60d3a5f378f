//! `cargo xtask reference`: checks `spec/openapi.yaml` against the reference
//! pages it was transcribed from and the official SDK's API facts
//! (`spec/reference/*.txt` and `spec/reference/avara-<sdk>-<version>.json`),
//! and drafts a spec fragment for a page not transcribed yet
//! (`--draft PAGE.txt`).
//!
//! - [`page`] parses both views of a page into facts with page lines.
//! - [`mod@check`] compares the spec with those facts; deliberate deviations are
//!   data, the [`extensions::REFERENCE`](crate::extensions::REFERENCE) notes in the spec.
//! - [`facts`] reads an SDK facts file, [`sdk`] compares the spec with it
//!   (notes with `sdk:`).
//! - [`validate`] checks the pages' JSON examples against the spec's schemas.
//! - [`draft`] writes a fragment in the spec's style from a page.
//!
//! A full run (no sources named) also requires every operation and webhook
//! event of the spec to be documented by a page or an SDK, and every note to
//! be exercised by the source it names.

pub mod check;
pub mod draft;
pub mod facts;
pub mod page;
pub mod sdk;
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
    /// The pages (`*.txt`) and SDK facts files (`avara-*.json`) to check;
    /// empty means every one in `spec/reference/`.
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

/// Everything a run found, over all the pages and SDK facts checked.
#[derive(Debug, Default)]
pub struct Report {
    pub pages: Vec<PathBuf>,
    /// The SDK facts files checked.
    pub facts: Vec<PathBuf>,
    pub errors: Vec<Finding>,
    pub accepted: Vec<Accepted>,
    pub info: Vec<Info>,
    /// SDK operations, webhook events and fields compared with the spec.
    pub sdk_operations: usize,
    pub sdk_events: usize,
    pub sdk_fields: usize,
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
        let _ = write!(
            out,
            "cargo xtask reference: {} against {} page(s)",
            spec_path.display(),
            self.pages.len()
        );
        if self.facts.is_empty() {
            let _ = writeln!(out);
        } else {
            let files: Vec<String> = self.facts.iter().map(|f| f.display().to_string()).collect();
            let _ = writeln!(out, " and the SDK facts {}", files.join(", "));
        }
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
                "  {}:{line} {}: {}: {}\n    reason: {}\n    seen at: {}",
                spec_path.display(),
                subjects.join(", "),
                note.aspect,
                note_values(note),
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
        let _ = write!(
            out,
            "\n{}: {} error(s), {} deviation(s) accepted",
            if self.passed() { "ok" } else { "FAILED" },
            self.errors.len(),
            by_note.len()
        );
        if self.facts.is_empty() {
            let _ = writeln!(out);
        } else {
            let _ = writeln!(
                out,
                "; SDK: {} operation(s), {} webhook event(s), {} field(s) compared",
                self.sdk_operations, self.sdk_events, self.sdk_fields
            );
        }
        out
    }
}

/// One note as the report lists it: the page lines and subjects it accepted.
struct NoteUse<'a> {
    note: &'a Note,
    pages: Vec<String>,
    subjects: Vec<&'a str>,
}

/// A note's values as the report shows them: `page X, sdk Y, spec Z`.
fn note_values(note: &Note) -> String {
    let mut parts = Vec::new();
    if let Some(page) = &note.page {
        parts.push(format!("page {}", show_value(page)));
    }
    if let Some(sdk) = &note.sdk {
        parts.push(format!("sdk {}", show_value(sdk)));
    }
    parts.push(format!("spec {}", show_value(&note.spec)));
    parts.join(", ")
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
    check_sources(spec, pages, &[], Completeness::pages(all_pages))
}

/// Which sources a run saw all of, and so which "nothing shows this" errors
/// it can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completeness {
    /// Every page: a note with `page` that no page exercised is an error.
    pub pages: bool,
    /// Every SDK facts file (and every page): a note with `sdk` that no SDK
    /// fact exercised is an error, and so is an operation or a webhook event
    /// of the spec that no page and no SDK documents.
    pub sources: bool,
}

impl Completeness {
    /// Only the pages were checked (all of them, or not).
    pub fn pages(all_pages: bool) -> Completeness {
        Completeness {
            pages: all_pages,
            sources: false,
        }
    }

    /// Every page and every facts file was checked.
    pub fn all() -> Completeness {
        Completeness {
            pages: true,
            sources: true,
        }
    }
}

/// Checks `spec` against pages and SDK facts already read.
pub fn check_sources(
    spec: &LoadedSpec,
    pages: &[page::Page],
    facts: &[facts::Facts],
    complete: Completeness,
) -> Report {
    let (notes, mut errors) = check::all_notes(spec);
    let mut report = Report::default();
    for page in pages {
        report.pages.push(page.file.clone());
        let found = check::check_page(spec, page);
        report.errors.extend(found.errors);
        report.accepted.extend(found.accepted);
        report.info.extend(found.info);
    }
    let page_accepted: Vec<String> = report
        .accepted
        .iter()
        .map(|a| a.note.pointer.clone())
        .collect();
    let mut sdk_accepted = Vec::new();
    let mut agreed = BTreeMap::new();
    let mut mismatched = std::collections::BTreeSet::new();
    let mut covered = sdk::page_operations(spec, pages);
    let mut covered_events = Vec::new();
    for facts in facts {
        report.facts.push(facts.file.clone());
        let found = sdk::check_facts(spec, facts);
        report.errors.extend(found.errors);
        sdk_accepted.extend(found.accepted.iter().map(|a| a.note.pointer.clone()));
        report.accepted.extend(found.accepted);
        report.sdk_operations += found.operations;
        report.sdk_events += found.events;
        report.sdk_fields += found.fields;
        covered.extend(found.covered);
        covered_events.extend(found.covered_events);
        agreed.extend(found.agreed);
        mismatched.extend(found.mismatched);
    }
    let note_error = |note: &Note, message: String| {
        let at = locate_pointer(&spec.text, &note.pointer);
        Finding {
            page: spec.path.clone(),
            page_line: at.map_or(0, |(l, _)| l),
            page_column: at.map(|(_, c)| c),
            source: None,
            pointer: note.pointer.clone(),
            spec_line: at.map(|(l, _)| l),
            message,
        }
    };
    if complete.pages {
        for note in notes.iter().filter(|n| n.page.is_some()) {
            if !page_accepted.contains(&note.pointer) {
                errors.push(note_error(
                    note,
                    format!(
                        "the {} note on `{}` (page {}, spec {}) matches no disagreement on any page; remove it or correct it",
                        check::EXTENSION,
                        note.aspect,
                        show_value(note.page.as_ref().unwrap_or(&serde_json::Value::Null)),
                        show_value(&note.spec)
                    ),
                ));
            }
        }
    }
    if complete.sources {
        for note in notes.iter().filter(|n| n.sdk.is_some()) {
            if sdk_accepted.contains(&note.pointer) || mismatched.contains(&note.pointer) {
                continue;
            }
            let what = format!(
                "the {} note on `{}` (sdk {}, spec {})",
                check::EXTENSION,
                note.aspect,
                show_value(note.sdk.as_ref().unwrap_or(&serde_json::Value::Null)),
                show_value(&note.spec)
            );
            let message = match agreed.get(&note.pointer) {
                Some(value) => format!(
                    "{what} is not needed: the SDK and the spec agree here (both {}); remove it",
                    show_value(value)
                ),
                None if facts.is_empty() => {
                    format!("{what} concerns the SDK, but no SDK facts file was checked")
                }
                None => format!(
                    "{what} is on an element no SDK fact reaches (the SDK does not cover it); remove it or move it"
                ),
            };
            errors.push(note_error(note, message));
        }
        for op in spec.operations() {
            if !covered.contains(&op.pointer) {
                let at = locate_pointer(&spec.text, &op.pointer);
                errors.push(Finding {
                    page: spec.path.clone(),
                    page_line: at.map_or(0, |(l, _)| l),
                    page_column: at.map(|(_, c)| c),
                    source: None,
                    pointer: op.pointer.clone(),
                    spec_line: at.map(|(l, _)| l),
                    message: format!(
                        "operation `{}` ({} {}) is documented by no reference page and no SDK operation",
                        op.id,
                        op.method,
                        op.path
                    ),
                });
            }
        }
        for event in crate::extensions::webhook_event_types(&spec.json) {
            if !covered_events.iter().any(|e| e == event) {
                let pointer = crate::extensions::webhook_pointer(event);
                let at = locate_pointer(&spec.text, &pointer);
                errors.push(Finding {
                    page: spec.path.clone(),
                    page_line: at.map_or(0, |(l, _)| l),
                    page_column: at.map(|(_, c)| c),
                    source: None,
                    pointer,
                    spec_line: at.map(|(l, _)| l),
                    message: format!(
                        "webhook event `{event}` is documented by no SDK's webhook events"
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
/// page, SDK facts or usage error).
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
    let all = options.pages.is_empty();
    let (page_files, facts_files) = if all {
        match (
            default_pages(&options.root),
            facts::default_files(&options.root),
        ) {
            (Ok(pages), Ok(facts)) => (pages, facts),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    } else {
        options
            .pages
            .iter()
            .cloned()
            .partition(|p| p.extension().is_none_or(|e| e != "json"))
    };
    let mut pages = Vec::new();
    for path in &page_files {
        match page::load(path, &shown(path, &options.root)) {
            Ok(page) => pages.push(page),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    }
    let mut facts = Vec::new();
    for path in &facts_files {
        match facts::load(path, &shown(path, &options.root)) {
            Ok(loaded) => facts.push(loaded),
            Err(e) => {
                eprintln!("{e}");
                return 2;
            }
        }
    }
    let complete = if all {
        Completeness::all()
    } else {
        Completeness::pages(false)
    };
    let report = check_sources(&spec, &pages, &facts, complete);
    let text = report.render(&spec, &options.root);
    if report.passed() {
        print!("{text}");
        0
    } else {
        eprint!("{text}");
        1
    }
}
