//! What a comparison produces: classified changes, the Rust view, and the
//! report that holds both.

use crate::codegen;
use crate::spec::LoadedSpec;

use super::compare;
use super::rust_api::{self, RustDiff};

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
    /// A stable kebab-case rule id, e.g. `request-maximum-decreased`; every
    /// id is listed by `cargo xtask spec-diff --rules`.
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

/// Which side of the comparison something is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The old spec.
    Base,
    /// The new spec.
    Head,
}

impl Side {
    /// `base` or `head`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Head => "head",
        }
    }
}

/// One side, read and parsed as OpenAPI. `problem` is set when it does not
/// pass the spec checks; such a side is still diffed at the spec level but
/// not generated.
pub struct LoadedSide {
    /// The parsed spec.
    pub spec: LoadedSpec,
    /// The located spec-check error, when the checks failed.
    pub check_error: Option<String>,
}

impl From<LoadedSpec> for LoadedSide {
    fn from(spec: LoadedSpec) -> LoadedSide {
        LoadedSide {
            spec,
            check_error: None,
        }
    }
}

/// Why the Rust view of one side is missing from a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The side that could not be generated.
    pub side: Side,
    /// A sentence with the located error, e.g. `the head does not generate:
    /// spec/openapi.yaml:12:5: error: ...`.
    pub message: String,
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
    /// The public API change of the generated client; empty when a side
    /// could not be generated (see `problems`).
    pub rust: RustDiff,
    /// Sides whose Rust view could not be built. The spec-level changes are
    /// complete regardless.
    pub problems: Vec<Problem>,
}

/// What makes `spec-diff` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any breaking change of the wire contract.
    Breaking,
    /// Any breaking or non-breaking change (informational ones never count).
    Any,
    /// Any removed or changed public item of the generated crate, or a side
    /// whose Rust view could not be built (a break cannot be ruled out).
    RustBreaking,
}

impl FailOn {
    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Breaking => "breaking",
            FailOn::Any => "any",
            FailOn::RustBreaking => "rust-breaking",
        }
    }
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

impl Report {
    /// Compares two specs that passed the checks, generating both in memory
    /// for the Rust view. A generation failure does not stop the report: it
    /// is recorded in [`Report::problems`].
    pub fn build(old: &LoadedSpec, new: &LoadedSpec) -> Report {
        let generate = |spec: &LoadedSpec, side: Side| {
            codegen::generate_from(spec).map_err(|e| Problem {
                side,
                message: format!("the {} does not generate: {e}", side.as_str()),
            })
        };
        let (old_code, new_code) = (generate(old, Side::Base), generate(new, Side::Head));
        let mut problems = Vec::new();
        let rust = match (old_code, new_code) {
            (Ok(a), Ok(b)) => match rust_api::diff(&a, &b) {
                Ok(rust) => rust,
                Err(e) => {
                    problems.push(Problem {
                        side: Side::Head,
                        message: format!("the generated code cannot be read back: {e}"),
                    });
                    RustDiff::default()
                }
            },
            (a, b) => {
                problems.extend(a.err());
                problems.extend(b.err());
                RustDiff::default()
            }
        };
        Report {
            base: old.path.display().to_string(),
            head: new.path.display().to_string(),
            changes: diff_specs(old, new),
            rust,
            problems,
        }
    }

    /// Compares two sides, either of which may have failed the spec checks:
    /// such a side is diffed at the spec level only, and the located check
    /// error is recorded in [`Report::problems`].
    pub fn from_sides(old: &LoadedSide, new: &LoadedSide) -> Report {
        if old.check_error.is_none() && new.check_error.is_none() {
            return Report::build(&old.spec, &new.spec);
        }
        let mut problems = Vec::new();
        for (side, loaded) in [(Side::Base, old), (Side::Head, new)] {
            if let Some(error) = &loaded.check_error {
                problems.push(Problem {
                    side,
                    message: format!(
                        "the {} does not pass the spec checks, so it is not generated: {error}",
                        side.as_str()
                    ),
                });
            }
        }
        Report {
            base: old.spec.path.display().to_string(),
            head: new.spec.path.display().to_string(),
            changes: diff_specs(&old.spec, &new.spec),
            rust: RustDiff::default(),
            problems,
        }
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

    /// Whether the public API of the generated crate lost or changed an item,
    /// or could not be compared at all.
    pub fn rust_breaking(&self) -> bool {
        !self.problems.is_empty() || !self.rust.removed.is_empty() || !self.rust.changed.is_empty()
    }

    /// Whether a change meets `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        let summary = self.summary();
        match fail_on {
            FailOn::Breaking => summary.breaking > 0,
            FailOn::Any => summary.breaking + summary.non_breaking > 0,
            FailOn::RustBreaking => self.rust_breaking(),
        }
    }
}
