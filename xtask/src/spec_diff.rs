//! `cargo xtask spec-diff`: a semantic diff of two versions of
//! `spec/openapi.yaml`, each change classified for clients, together with the
//! change to the public Rust API of the generated client.
//!
//! ```text
//! cargo xtask spec-diff [--base REV] [--head REV] [--format text|markdown|json]
//!                       [--fail-on breaking|any|rust-breaking]... [OLD.yaml NEW.yaml]
//! cargo xtask spec-diff --rules
//! ```
//!
//! The base defaults to `HEAD` and the head to the working tree, so that the
//! report shows uncommitted spec edits. A revision is read with
//! `git show --end-of-options REV:spec/openapi.yaml` in the workspace root; a
//! revision starting with `-` is refused. Both sides are loaded and checked
//! by [`crate::spec::parse`] and generated in memory by
//! [`crate::codegen::generate_from`].
//!
//! The spec-level diff needs no generation: when a side fails the spec checks
//! or does not generate, the report still lists every spec change and says,
//! with the located error, why the Rust view is missing.
//!
//! The code is split by concern: [`model`] (changes, levels, the report),
//! `render` (text, markdown, JSON), [`mod@load`] (files, revisions), `compare`
//! (the rules, one file per seam: document, operations, schemas) and
//! [`rules`] (the table of every rule id, printed by `--rules`).
//!
//! # What is compared
//!
//! Not the text: `$ref`s are resolved (keywords written beside a `$ref`,
//! such as `nullable: true`, override the target's) and `allOf` parts
//! intersected (the stricter bound holds, `enum`s keep their common values),
//! so reordering keys, reformatting and moving a schema into a component
//! change nothing. Operations are matched by operationId first, then by
//! method and path, so a renamed operationId is reported as
//! `operation-id-changed` rather than as a removal and an addition; a path
//! that only renames a path parameter is one `path-parameter-renamed`. Under
//! each matched operation the parameters (matched by `in` and `name`, path
//! item parameters included), the request body, the responses (by status
//! code, then headers and media type) and every schema under them are walked
//! recursively, `oneOf`/`anyOf` alternatives paired by `$ref`, then content,
//! and `readOnly`/`writeOnly` properties left out of the direction they do
//! not flow in; then the effective security requirement, the operation's own
//! servers and the [`extensions::PAGINATION`](crate::extensions::PAGINATION) extension. Globally: the servers
//! (URLs compared without a trailing slash), the security schemes, component
//! schemas added or removed, and edits of `info`, `tags` and the default
//! security (informational; the default security's effect is reported under
//! each operation that uses it).
//!
//! # Levels
//!
//! Every rule, its level, its oasdiff counterpart and, where the level
//! differs from oasdiff's, the reason: `cargo xtask spec-diff --rules`
//! ([`rules::rules`]). In short:
//!
//! * **breaking**: a client built on the old spec may fail. Removed
//!   operations, parameters, properties, media types, success responses and
//!   security alternatives; new required parameters, bodies and request
//!   properties; operationId, method or path changed; a path parameter
//!   renamed (its builder setter is); any `type` or `format` change (it
//!   changes the Rust type) except an integer that becomes a number in a
//!   request; a changed `pattern`; a changed
//!   pagination extension; request values narrowed (bound tightened or added,
//!   enum value removed, nullable removed, `additionalProperties` closed, a
//!   parameter or property made required, a default changed); response values
//!   widened (bound loosened or removed, enum value added, made nullable,
//!   a required property made optional, a new success status code — which a
//!   client generated from the old spec reports as unexpected — or a new
//!   property in an `additionalProperties: false` schema, whose generated
//!   type denies unknown fields); a response header removed or made optional.
//! * **non-breaking**: additions and the reverse directions of the above
//!   (request values widened, response values narrowed), new optional
//!   parameters and properties, new response properties, removed error
//!   responses, the removal of an operation that was deprecated (its Rust
//!   method still goes: see `rust-breaking`), other schema keywords
//!   (`readOnly`, `not`, ...).
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
//!     "changed": [ { "item": "...", "before": "...", "after": "..." } ],
//!     "compared": true                         // false when a side did not generate
//!   },
//!   "problems": [                              // why the Rust view is missing, if it is
//!     { "side": "head", "message": "the head does not generate: spec/openapi.yaml:..." }
//!   ]
//! }
//! ```
//!
//! # Exit codes
//!
//! 0 when no change meets `--fail-on` (or none is given); 1 when one does
//! (`breaking`: a breaking change; `any`: a breaking or non-breaking change,
//! informational ones never count; `rust-breaking`: a removed or changed
//! public item of the generated crate, or a side that does not generate);
//! 2 on a usage error or a side that cannot be read or is not an OpenAPI
//! document, with a located message. A side that fails the spec checks or
//! does not generate is not an exit-2 error: the report says so.

pub mod load;
pub mod model;
mod render;
pub mod rules;
pub mod rust_api;

mod compare;

use std::path::PathBuf;

pub use load::{Source, check_revision, load};
pub use model::{
    Change, FailOn, Format, GLOBAL, Level, LoadedSide, Problem, Report, Side, Summary, diff_specs,
};
pub use rust_api::{RustChange, RustDiff, RustItem};

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
    /// What makes the task exit 1 (any of them).
    pub fail_on: Vec<FailOn>,
}

/// Builds the report of `options`: the error is a side that cannot be read.
pub fn report(options: &Options) -> Result<Report, crate::spec::SpecError> {
    let old = load(&options.root, &options.base)?;
    let new = load(&options.root, &options.head)?;
    Ok(Report::from_sides(&old, &new))
}

/// Runs `spec-diff`, printing the report; returns the process exit code.
pub fn run(options: &Options) -> i32 {
    match report(options) {
        Ok(report) => {
            print!("{}", report.render(options.format));
            let failed: Vec<&str> = options
                .fail_on
                .iter()
                .filter(|f| report.fails(**f))
                .map(|f| f.as_str())
                .collect();
            if failed.is_empty() {
                0
            } else {
                eprintln!("spec-diff: --fail-on {} met", failed.join(", "));
                1
            }
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("spec-diff: no report.");
            2
        }
    }
}
