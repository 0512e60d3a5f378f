//! `cargo xtask spec-diff`: a semantic diff of two versions of
//! `spec/openapi.yaml`, each change classified for clients, together with the
//! change to the public Rust API of the generated client.
//!
//! ```text
//! cargo xtask spec-diff [--base REV] [--head REV] [--format text|markdown|json] [--fail-on breaking|any]
//! cargo xtask spec-diff [options] OLD.yaml NEW.yaml
//! ```
//!
//! The base defaults to `HEAD` and the head to the working tree, so that the
//! report shows uncommitted spec edits. A revision is read with
//! `git show REV:spec/openapi.yaml` in the workspace root. Both sides are
//! loaded and checked by [`crate::spec::parse`] and generated in memory by
//! [`crate::codegen::generate_from`].
//!
//! # What is compared
//!
//! Not the text: `$ref`s are resolved and single- or multi-part `allOf`s
//! flattened, so reordering keys, reformatting and moving a schema into a
//! component change nothing. Operations are matched by operationId first,
//! then by method and path, so a renamed operationId is reported as
//! `operation-id-changed` rather than as a removal and an addition. Under
//! each matched operation the parameters (matched by `in` and `name`, path
//! item parameters included), the request body, the responses (by status
//! code, then media type) and every schema under them are walked
//! recursively; then the effective security requirement, the operation's own
//! servers and the `x-avara-pagination` extension. Globally: the servers,
//! the security schemes, component schemas added or removed, and edits of
//! `info`, `tags` and the default security (informational; the default
//! security's effect is reported under each operation that uses it).
//!
//! # Levels
//!
//! * **breaking**: a client built on the old spec may fail. Removed
//!   operations, parameters, properties, media types, success responses and
//!   security alternatives; new required parameters, bodies and request
//!   properties; operationId, method or path changed; any `type` or `format`
//!   change (it changes the Rust type); a changed `pattern`; a changed
//!   pagination extension; request values narrowed (bound tightened or added,
//!   enum value removed, nullable removed, `additionalProperties` closed, a
//!   parameter or property made required, a default changed); response values
//!   widened (bound loosened or removed, enum value added, made nullable,
//!   a required property made optional, a new success status code — which a
//!   client generated from the old spec reports as unexpected).
//! * **non-breaking**: additions and the reverse directions of the above
//!   (request values widened, response values narrowed), new optional
//!   parameters and properties, new response properties, removed error
//!   responses, other schema keywords (`readOnly`, `not`, ...).
//! * **informational**: edits of descriptions, summaries, titles, examples,
//!   tags, `info`, deprecation flags and unknown vendor extensions.
//!
//! A schema used by both a request and a response (e.g. a component shared by
//! a request body and a response body) is judged once in each direction.
//!
//! # Pointers
//!
//! Every change names a JSON pointer into the spec. Inside a schema reached
//! through a `$ref` it is the pointer of the component (e.g.
//! `/components/schemas/Org/properties/userCount/minimum`), otherwise the
//! pointer under the operation (e.g.
//! `/paths/~1v1~1orgs/get/parameters/1/schema/maximum`). A keyword merged in
//! through `allOf` points at the schema that declares it. The pointer is into
//! the new spec, except for something that only the old spec has (a removal),
//! which points into the old spec. Required-ness changes point at the
//! property.
//!
//! # Rust view
//!
//! Both sides are generated in memory and the generated code is parsed with
//! syn; every public item (type, field, enum variant, function, method and
//! builder setter, constant, trait impl with its associated types) is keyed
//! by its path and compared by its normalized signature (see
//! [`rust_api::RustItem`]).
//!
//! # JSON output
//!
//! `--format json` prints one object, stable for scripts:
//!
//! ```text
//! {
//!   "base": "HEAD:spec/openapi.yaml",          // where the old spec came from
//!   "head": "/path/to/workspace/spec/openapi.yaml", // where the new one came from
//!   "summary": { "breaking": 1, "non_breaking": 0, "informational": 0 },
//!   "changes": [
//!     {
//!       "level": "breaking",                  // "breaking" | "non-breaking" | "informational"
//!       "operation": "orgs_list",             // operationId, or "(global)"
//!       "endpoint": "GET /v1/orgs",           // null for "(global)"
//!       "pointer": "/paths/~1v1~1orgs/get/parameters/1/schema/maximum",
//!       "rule": "request-maximum-decreased",  // stable kebab-case rule id
//!       "message": "query parameter `limit`: `maximum` decreased (...)"
//!     }
//!   ],
//!   "rust": {
//!     "added":   [ { "item": "types::Org.region", "signature": "pub region: Option<String>" } ],
//!     "removed": [ { "item": "...", "signature": "..." } ],
//!     "changed": [ { "item": "...", "before": "...", "after": "..." } ]
//!   }
//! }
//! ```
//!
//! # Exit codes
//!
//! 0 when no change meets `--fail-on` (or none is given); 1 when one does
//! (`breaking`: a breaking change; `any`: a breaking or non-breaking change,
//! informational ones never count); 2 on a usage error, a spec that cannot be
//! read or checked, or a generator failure, with a located message.

mod compare;
pub mod rust_api;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::codegen::{self, CodegenError};
use crate::spec::{self, LoadedSpec, SpecError};

pub use rust_api::{RustChange, RustDiff, RustItem};

/// The operation name under which changes outside any operation are listed.
pub const GLOBAL: &str = "(global)";

/// How a change affects clients of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No effect on the wire: documentation and examples.
    Informational,
    /// A compatible change: existing clients keep working.
    NonBreaking,
    /// Existing clients may fail.
    Breaking,
}

impl Level {
    /// The name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::NonBreaking => "non-breaking",
            Level::Breaking => "breaking",
        }
    }
}

/// One semantic change of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How it affects clients.
    pub level: Level,
    /// The operationId it belongs to (the new one if it changed), or
    /// [`GLOBAL`].
    pub operation: String,
    /// `METHOD /path` of the operation; `None` for global changes.
    pub endpoint: Option<String>,
    /// JSON pointer of the changed node (see the module docs).
    pub pointer: String,
    /// A stable kebab-case rule id, e.g. `request-maximum-decreased`.
    pub rule: String,
    /// A sentence for humans.
    pub message: String,
}

/// Counts of changes per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Breaking changes.
    pub breaking: usize,
    /// Non-breaking changes.
    pub non_breaking: usize,
    /// Informational changes.
    pub informational: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} breaking, {} non-breaking, {} informational",
            self.breaking, self.non_breaking, self.informational
        )
    }
}

/// The semantic changes from `old` to `new`, grouped by operation (global
/// changes first), without the Rust view. Cheap: nothing is generated.
pub fn diff_specs(old: &LoadedSpec, new: &LoadedSpec) -> Vec<Change> {
    compare::diff(old, new)
}

/// The whole report: the spec changes and the Rust API change.
#[derive(Debug, Clone)]
pub struct Report {
    /// Where the old spec came from.
    pub base: String,
    /// Where the new spec came from.
    pub head: String,
    /// The spec changes, grouped by operation.
    pub changes: Vec<Change>,
    /// The public API change of the generated client.
    pub rust: RustDiff,
}

/// What makes `spec-diff` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any breaking change.
    Breaking,
    /// Any breaking or non-breaking change (informational ones never count).
    Any,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text for terminals (the default).
    Text,
    /// Markdown, e.g. for a pull-request comment.
    Markdown,
    /// JSON for scripts (see the module docs for its fields).
    Json,
}

/// A failure that makes `spec-diff` exit 2.
#[derive(Debug)]
pub enum DiffError {
    /// A spec could not be read or did not pass the checks.
    Spec(SpecError),
    /// Generating the client from one side failed.
    Codegen(CodegenError),
    /// The generated code could not be read back.
    RustApi(String),
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiffError::Spec(e) => e.fmt(f),
            DiffError::Codegen(e) => e.fmt(f),
            DiffError::RustApi(e) => write!(f, "error: {e}"),
        }
    }
}

impl std::error::Error for DiffError {}

impl Report {
    /// Compares two loaded specs, generating both in memory for the Rust view.
    pub fn build(old: &LoadedSpec, new: &LoadedSpec) -> Result<Report, DiffError> {
        let old_code = codegen::generate_from(old).map_err(DiffError::Codegen)?;
        let new_code = codegen::generate_from(new).map_err(DiffError::Codegen)?;
        let rust = rust_api::diff(&old_code, &new_code).map_err(DiffError::RustApi)?;
        Ok(Report {
            base: old.path.display().to_string(),
            head: new.path.display().to_string(),
            changes: diff_specs(old, new),
            rust,
        })
    }

    /// The number of changes per level.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.level {
                Level::Breaking => summary.breaking += 1,
                Level::NonBreaking => summary.non_breaking += 1,
                Level::Informational => summary.informational += 1,
            }
        }
        summary
    }

    /// Whether a change meets `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        let summary = self.summary();
        match fail_on {
            FailOn::Breaking => summary.breaking > 0,
            FailOn::Any => summary.breaking + summary.non_breaking > 0,
        }
    }

    /// The changes grouped by operation, in report order.
    fn groups(&self) -> Vec<(&str, Option<&str>, Vec<&Change>)> {
        let mut groups: Vec<(&str, Option<&str>, Vec<&Change>)> = Vec::new();
        for change in &self.changes {
            match groups.iter_mut().find(|(op, _, _)| *op == change.operation) {
                Some((_, _, list)) => list.push(change),
                None => groups.push((&change.operation, change.endpoint.as_deref(), vec![change])),
            }
        }
        groups
    }

    /// Plain text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "spec-diff: {}", self.summary());
        let _ = writeln!(out, "  base: {}", self.base);
        let _ = writeln!(out, "  head: {}", self.head);
        for (operation, endpoint, changes) in self.groups() {
            out.push('\n');
            match endpoint {
                Some(endpoint) => {
                    let _ = writeln!(out, "{operation} ({endpoint})");
                }
                None => {
                    let _ = writeln!(out, "{operation}");
                }
            }
            for change in changes {
                let _ = writeln!(
                    out,
                    "  {:<13} {}  {}\n                {}",
                    change.level.as_str(),
                    change.rule,
                    change.pointer,
                    change.message
                );
            }
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "Rust API of the generated client: {} added, {} removed, {} changed",
            self.rust.added.len(),
            self.rust.removed.len(),
            self.rust.changed.len()
        );
        for item in &self.rust.removed {
            let _ = writeln!(out, "  - {}\n      {}", item.item, item.signature);
        }
        for item in &self.rust.added {
            let _ = writeln!(out, "  + {}\n      {}", item.item, item.signature);
        }
        for change in &self.rust.changed {
            let _ = writeln!(
                out,
                "  ~ {}\n      before: {}\n      after:  {}",
                change.item, change.before, change.after
            );
        }
        out
    }

    /// Markdown: a heading, the summary, a section per operation, then the
    /// Rust API section.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Spec diff\n");
        let _ = writeln!(out, "**{}**\n", self.summary());
        let _ = writeln!(out, "Base `{}`, head `{}`.", self.base, self.head);
        for (operation, endpoint, changes) in self.groups() {
            match endpoint {
                Some(endpoint) => {
                    let _ = writeln!(out, "\n## `{operation}` (`{endpoint}`)\n");
                }
                None => {
                    let _ = writeln!(out, "\n## {operation}\n");
                }
            }
            for change in changes {
                let _ = writeln!(
                    out,
                    "- **{}** `{}` at `{}`: {}",
                    change.level.as_str(),
                    change.rule,
                    change.pointer,
                    change.message
                );
            }
        }
        let _ = writeln!(out, "\n## Rust API\n");
        if self.rust.is_empty() {
            let _ = writeln!(out, "No public item of the generated client changed.");
        }
        for item in &self.rust.removed {
            let _ = writeln!(out, "- removed `{}`: `{}`", item.item, item.signature);
        }
        for item in &self.rust.added {
            let _ = writeln!(out, "- added `{}`: `{}`", item.item, item.signature);
        }
        for change in &self.rust.changed {
            let _ = writeln!(
                out,
                "- changed `{}`: `{}` → `{}`",
                change.item, change.before, change.after
            );
        }
        out
    }

    /// The JSON document described in the module docs.
    pub fn to_json(&self) -> serde_json::Value {
        let summary = self.summary();
        let items = |list: &[RustItem]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|i| json!({ "item": i.item, "signature": i.signature }))
                .collect()
        };
        json!({
            "base": self.base,
            "head": self.head,
            "summary": {
                "breaking": summary.breaking,
                "non_breaking": summary.non_breaking,
                "informational": summary.informational,
            },
            "changes": self.changes.iter().map(|c| json!({
                "level": c.level.as_str(),
                "operation": c.operation,
                "endpoint": c.endpoint,
                "pointer": c.pointer,
                "rule": c.rule,
                "message": c.message,
            })).collect::<Vec<_>>(),
            "rust": {
                "added": items(&self.rust.added),
                "removed": items(&self.rust.removed),
                "changed": self.rust.changed.iter().map(|c| json!({
                    "item": c.item, "before": c.before, "after": c.after,
                })).collect::<Vec<_>>(),
            },
        })
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.to_text(),
            Format::Markdown => self.to_markdown(),
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&self.to_json())
                    .expect("a JSON value always serializes");
                text.push('\n');
                text
            }
        }
    }
}

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

/// Options of `cargo xtask spec-diff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The workspace root: where git runs and the working-tree spec lives.
    pub root: PathBuf,
    /// The old spec.
    pub base: Source,
    /// The new spec.
    pub head: Source,
    /// The output format.
    pub format: Format,
    /// What makes the task exit 1.
    pub fail_on: Option<FailOn>,
}

/// Parses the arguments after `spec-diff`.
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut base = None;
    let mut head = None;
    let mut format = Format::Text;
    let mut fail_on = None;
    let mut files = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |what: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match arg.as_str() {
            "--base" => base = Some(value("a git revision")?),
            "--head" => head = Some(value("a git revision")?),
            "--format" => {
                format = match value("a format")?.as_str() {
                    "text" => Format::Text,
                    "markdown" | "md" => Format::Markdown,
                    "json" => Format::Json,
                    other => {
                        return Err(format!(
                            "unknown format `{other}`; expected text, markdown or json"
                        ));
                    }
                }
            }
            "--fail-on" => {
                fail_on = Some(match value("breaking or any")?.as_str() {
                    "breaking" => FailOn::Breaking,
                    "any" => FailOn::Any,
                    other => {
                        return Err(format!(
                            "unknown --fail-on level `{other}`; expected breaking or any"
                        ));
                    }
                })
            }
            other if other.starts_with('-') && other != "-" => {
                return Err(format!("unknown spec-diff option `{other}`"));
            }
            file => files.push(PathBuf::from(file)),
        }
    }
    let (base, head) = match files.len() {
        0 => (
            Source::Rev(base.unwrap_or_else(|| "HEAD".into())),
            head.map(Source::Rev).unwrap_or(Source::WorkingTree),
        ),
        2 if base.is_none() && head.is_none() => {
            let new = files.pop().expect("two files");
            let old = files.pop().expect("two files");
            (Source::File(old), Source::File(new))
        }
        2 => return Err("give either --base/--head or two spec files, not both".into()),
        n => return Err(format!("spec-diff takes two spec files (OLD NEW), got {n}")),
    };
    Ok(Options {
        root: crate::workspace_root(),
        base,
        head,
        format,
        fail_on,
    })
}

/// Reads and checks the spec of one side.
pub fn load(root: &Path, source: &Source) -> Result<LoadedSpec, SpecError> {
    match source {
        Source::File(path) => spec::load(path),
        Source::WorkingTree => spec::load(&root.join(codegen::SPEC)),
        Source::Rev(rev) => {
            let label = PathBuf::from(format!("{rev}:{}", codegen::SPEC));
            let error = |message: String| SpecError {
                path: label.clone(),
                line_col: None,
                pointer: None,
                message,
            };
            let output = Command::new("git")
                .arg("show")
                .arg(format!("{rev}:{}", codegen::SPEC))
                .current_dir(root)
                .output()
                .map_err(|e| error(format!("cannot run git: {e}")))?;
            if !output.status.success() {
                return Err(error(format!(
                    "cannot read the spec at revision `{rev}`: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            let text = String::from_utf8(output.stdout)
                .map_err(|_| error("the spec is not valid UTF-8".into()))?;
            spec::parse(&label, text)
        }
    }
}

/// Runs `spec-diff`, printing the report; returns the process exit code.
pub fn run(options: &Options) -> i32 {
    let report = load(&options.root, &options.base)
        .and_then(|old| Ok((old, load(&options.root, &options.head)?)))
        .map_err(DiffError::Spec)
        .and_then(|(old, new)| Report::build(&old, &new));
    match report {
        Ok(report) => {
            print!("{}", report.render(options.format));
            match options.fail_on {
                Some(fail_on) if report.fails(fail_on) => 1,
                _ => 0,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("spec-diff: no report.");
            2
        }
    }
}
