//! Every rule id spec-diff emits, its level, the oasdiff rule it corresponds
//! to (`checker/rules.go`, `checker/check_*.go`), and, where our level is not
//! oasdiff's, why. Printed by `cargo xtask spec-diff --rules`; the mutation
//! tests check that every change they see is listed here with its level.
//!
//! Our levels: breaking ≈ oasdiff `ERR` (and the `WARN`s we judge
//! breaking), non-breaking and informational ≈ oasdiff `INFO` (or nothing
//! reported). The main reason for a difference is the generated Rust client:
//! a change that keeps the wire but changes a Rust type or name breaks code
//! built on the crate, and typify's types reject values the old schema did
//! not allow.

use super::model::Level;
use crate::extension_name;
use crate::extensions::MAX_KEY_LENGTH;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The stable id, as in [`super::Change::rule`].
    pub id: String,
    /// The level its changes get.
    pub level: Level,
    /// The oasdiff rule id(s) it corresponds to, with oasdiff's level, or
    /// `none` when oasdiff has no such check.
    pub oasdiff: &'static str,
    /// Why the level differs from oasdiff's; empty when it does not.
    pub reason: &'static str,
}

const B: Level = Level::Breaking;
const N: Level = Level::NonBreaking;
const I: Level = Level::Informational;

const RUST_TYPE: &str = "the Rust type or name in the generated client changes, so code built on the crate breaks even when the wire still matches";
const TYPIFY_REJECTS: &str = "the generated types validate responses: a value the old schema rejected makes an old client fail to deserialize";
const NOT_COMPARED: &str = "";

/// Rules that do not depend on the direction of the data.
const FIXED: &[(&str, Level, &str, &str)] = &[
    // document
    ("openapi-version-changed", I, "none", NOT_COMPARED),
    (
        "info-changed",
        I,
        "api-version-* (INFO, with a versioning policy)",
        "",
    ),
    (
        "tags-changed",
        I,
        "api-tag-added, api-tag-removed (INFO)",
        "",
    ),
    (
        "default-security-changed",
        I,
        "api-global-security-* (ERR/INFO)",
        "informational at the top: its effect is reported under each operation that uses it, at that operation's level",
    ),
    (
        "server-removed",
        B,
        "none",
        "oasdiff does not compare servers; a client configured for the removed URL loses its endpoint",
    ),
    ("server-added", N, "none", ""),
    (
        "default-server-changed",
        N,
        "none",
        "the first server is the SDK's DEFAULT_BASE_URL; URLs are compared without a trailing slash and with scheme and host lowercased",
    ),
    (
        "server-variables-changed",
        B,
        "none",
        "oasdiff does not compare servers",
    ),
    (
        "security-scheme-removed",
        B,
        "api-security-component-removed (INFO)",
        "the credentials the client sends may stop being accepted",
    ),
    (
        "security-scheme-changed",
        B,
        "api-security-component-type-changed and kin (INFO)",
        "the client sends credentials the old way",
    ),
    (
        "security-scheme-added",
        I,
        "api-security-component-added (INFO)",
        "",
    ),
    (
        "component-schema-removed",
        B,
        "api-schema-removed (ERR)",
        "",
    ),
    ("component-schema-added", N, "none", ""),
    (
        "extension-changed",
        I,
        "none",
        concat!(
            "vendor extensions are not API; ",
            extension_name!(pagination),
            " has its own rules"
        ),
    ),
    // documentation keywords
    ("description-changed", I, "none (not reported)", ""),
    ("summary-changed", I, "none (not reported)", ""),
    ("title-changed", I, "none (not reported)", ""),
    ("example-changed", I, "none (not reported)", ""),
    ("examples-changed", I, "none (not reported)", ""),
    ("external-docs-changed", I, "none (not reported)", ""),
    ("xml-changed", I, "none (not reported)", ""),
    // operations
    ("operation-added", N, "endpoint-added (INFO)", ""),
    (
        "operation-removed",
        B,
        "api-removed-without-deprecation (ERR)",
        "",
    ),
    (
        "operation-removed-after-deprecation",
        N,
        "api-removed-with-deprecation (INFO)",
        "its Rust method still goes away: --fail-on rust-breaking and the release gate catch that",
    ),
    (
        "operation-id-changed",
        B,
        "api-operation-id-removed (ERR)",
        "",
    ),
    (
        "operation-method-changed",
        B,
        "none (a removal and an addition)",
        "reported once, as one change of the matched operation",
    ),
    (
        "operation-path-changed",
        B,
        "api-path-removed-without-deprecation + endpoint-added",
        "reported once, as one change of the matched operation",
    ),
    (
        "path-parameter-renamed",
        B,
        "none (oasdiff normalizes path parameter names)",
        "the wire is unchanged, but the builder setter is named after the parameter",
    ),
    ("operation-deprecated", I, "endpoint-deprecated (INFO)", ""),
    (
        "operation-reactivated",
        I,
        "endpoint-reactivated (INFO)",
        "",
    ),
    (
        "pagination-added",
        N,
        "none",
        concat!(
            extension_name!(pagination),
            " gives the builder pages() and stream()"
        ),
    ),
    (
        "pagination-removed",
        B,
        "none",
        "the builder loses pages() and stream()",
    ),
    (
        "pagination-changed",
        B,
        "none",
        "the generated pager reads pages by these fields",
    ),
    // parameters
    (
        "request-parameter-removed",
        B,
        "request-parameter-removed (WARN)",
        "its builder setter goes away",
    ),
    (
        "new-required-request-parameter",
        B,
        "new-required-request-parameter (ERR)",
        "",
    ),
    (
        "new-optional-request-parameter",
        N,
        "new-optional-request-parameter (INFO)",
        "",
    ),
    (
        "request-parameter-became-required",
        B,
        "request-parameter-became-required (ERR)",
        "",
    ),
    (
        "request-parameter-became-optional",
        N,
        "request-parameter-became-optional (INFO)",
        "",
    ),
    (
        "request-parameter-serialization-changed",
        B,
        "check_request_parameter_serialization_updated (style, explode)",
        "",
    ),
    (
        "request-parameter-deprecation-changed",
        I,
        "request-parameter-deprecated, request-parameter-reactivated (INFO)",
        "",
    ),
    // bodies, media types, responses
    ("request-body-removed", B, "request-body-removed (ERR)", ""),
    (
        "new-required-request-body",
        B,
        "request-body-added-required (ERR)",
        "",
    ),
    (
        "new-optional-request-body",
        N,
        "request-body-added-optional (INFO)",
        "",
    ),
    (
        "request-body-became-required",
        B,
        "request-body-became-required (ERR)",
        "",
    ),
    (
        "request-body-became-optional",
        N,
        "request-body-became-optional (INFO)",
        "",
    ),
    (
        "request-body-media-type-removed",
        B,
        "request-body-media-type-removed (ERR)",
        "",
    ),
    (
        "request-body-media-type-added",
        N,
        "request-body-media-type-added (INFO)",
        "",
    ),
    (
        "response-media-type-removed",
        B,
        "response-media-type-removed (ERR)",
        "",
    ),
    (
        "response-media-type-added",
        N,
        "response-media-type-added (INFO)",
        "",
    ),
    (
        "response-success-status-removed",
        B,
        "response-success-status-removed (ERR)",
        "",
    ),
    (
        "response-success-status-added",
        B,
        "response-success-status-added (INFO)",
        "a client generated from the old spec reports an undeclared success status as an unexpected response",
    ),
    (
        "response-non-success-status-removed",
        N,
        "response-non-success-status-removed (INFO)",
        "",
    ),
    (
        "response-non-success-status-added",
        N,
        "response-non-success-status-added (INFO)",
        "",
    ),
    (
        "response-links-changed",
        I,
        "none",
        "links do not shape the client",
    ),
    (
        "response-header-removed",
        B,
        "required-response-header-removed (ERR), optional-response-header-removed (WARN)",
        "",
    ),
    (
        "response-header-added",
        N,
        "response-header-added (INFO)",
        "",
    ),
    (
        "response-header-became-optional",
        B,
        "response-header-became-optional (ERR)",
        "",
    ),
    (
        "response-header-became-required",
        N,
        "none (oasdiff reports only the opposite)",
        "",
    ),
    // security of an operation
    (
        "security-added",
        B,
        "api-security-added (INFO)",
        "clients that send no credentials are now rejected",
    ),
    (
        "security-removed",
        N,
        "api-security-removed (ERR)",
        "an operation that needs no credentials still accepts the ones clients send",
    ),
    (
        "security-requirement-removed",
        B,
        "api-security-removed (ERR)",
        "",
    ),
    (
        "security-requirement-added",
        N,
        "api-security-added (INFO)",
        "",
    ),
    // schemas, direction-independent ids
    (
        "request-type-widened",
        N,
        "request-parameter-type-generalized, request-property-type-generalized (INFO)",
        "",
    ),
    (
        "request-property-added-required",
        B,
        "new-required-request-property (ERR)",
        "",
    ),
    (
        "request-property-added",
        N,
        "new-optional-request-property (INFO)",
        "",
    ),
    (
        "request-property-became-required",
        B,
        "request-property-became-required (ERR)",
        "",
    ),
    (
        "request-property-became-optional",
        N,
        "request-property-became-optional (INFO)",
        "",
    ),
    (
        "response-property-added",
        N,
        "response-optional-property-added (INFO)",
        "",
    ),
    (
        "response-property-added-to-closed-schema",
        B,
        "response-optional-property-added (INFO)",
        "the old schema has additionalProperties: false, so the generated type denies unknown fields and an old client fails on the new property",
    ),
    (
        "response-property-became-optional",
        B,
        "response-property-became-optional (ERR)",
        "",
    ),
    (
        "response-property-became-required",
        N,
        "response-property-became-required (INFO)",
        "",
    ),
];

/// Rules emitted once per direction as `request-…` and `response-…`:
/// (suffix, level in a request, level in a response, oasdiff, reason).
const DIRECTED: &[(&str, Level, Level, &str, &str)] = &[
    (
        "type-changed",
        B,
        B,
        "request-*-type-changed, response-*-type-changed (ERR)",
        "",
    ),
    (
        "format-changed",
        B,
        B,
        "request-*-type-changed, response-*-type-changed (ERR; INFO for some narrowings)",
        RUST_TYPE,
    ),
    (
        "became-nullable",
        N,
        B,
        "request-property-became-nullable (INFO), response-property-became-nullable (ERR)",
        "",
    ),
    (
        "became-not-nullable",
        B,
        N,
        "request-property-became-not-nullable (ERR), response-property-became-not-nullable (INFO)",
        "",
    ),
    (
        "pattern-added",
        B,
        N,
        "request-*-pattern-added (ERR), response-property-pattern-added (INFO)",
        "",
    ),
    (
        "pattern-removed",
        N,
        B,
        "request-*-pattern-removed (INFO), response-property-pattern-removed (INFO)",
        TYPIFY_REJECTS,
    ),
    (
        "pattern-changed",
        B,
        B,
        "request-*-pattern-changed (WARN), response-property-pattern-changed (INFO)",
        "neither pattern is known to contain the other; typify enforces patterns on both sides",
    ),
    (
        "enum-added",
        B,
        N,
        "request-*-became-enum (ERR); responses: none",
        "",
    ),
    (
        "enum-removed",
        N,
        B,
        "request-*-became-not-enum (INFO); responses: none",
        "the generated Rust enum becomes a string type",
    ),
    (
        "enum-value-removed",
        B,
        N,
        "request-*-enum-value-removed (ERR), response-*-enum-value-removed (INFO)",
        "",
    ),
    (
        "enum-value-added",
        N,
        B,
        "request-*-enum-value-added (INFO), response-*-enum-value-added (WARN)",
        "the generated Rust enum cannot hold the new value",
    ),
    (
        "default-changed",
        B,
        I,
        "request-*-default-value-changed (ERR/WARN), response-*-default-value-changed (INFO)",
        "",
    ),
    (
        "property-removed",
        B,
        B,
        "request-property-removed (WARN), response-*-property-removed (WARN/ERR)",
        "its Rust field and builder setter go away",
    ),
    (
        "additional-properties-restricted",
        B,
        N,
        "none",
        "oasdiff does not compare additionalProperties",
    ),
    (
        "additional-properties-widened",
        N,
        B,
        "none",
        "oasdiff does not compare additionalProperties; a closed type denies unknown fields",
    ),
    ("items-changed", B, B, "request-*-type-changed (ERR)", ""),
    (
        "one-of-alternative-added",
        N,
        B,
        "request-*-one-of-added (INFO), response-*-one-of-added (ERR)",
        "",
    ),
    (
        "one-of-alternative-removed",
        B,
        N,
        "request-*-one-of-removed (ERR), response-*-one-of-removed (INFO)",
        "",
    ),
    (
        "any-of-alternative-added",
        N,
        B,
        "request-*-any-of-added (INFO), response-*-any-of-added (ERR)",
        "",
    ),
    (
        "any-of-alternative-removed",
        B,
        N,
        "request-*-any-of-removed (ERR), response-*-any-of-removed (INFO)",
        "",
    ),
    (
        "read-only-changed",
        N,
        N,
        "request-*-property-became-read-only, response-*-property-became-read-only (INFO)",
        "readOnly/writeOnly decide whether a property is request or response data, which the property rules honour",
    ),
    (
        "write-only-changed",
        N,
        N,
        "request-*-property-became-write-only, response-*-property-became-write-only (INFO)",
        "readOnly/writeOnly decide whether a property is request or response data, which the property rules honour",
    ),
    (
        "schema-changed",
        B,
        B,
        "request-body-media-type-schema-*, response-media-type-schema-* (ERR)",
        "",
    ),
    (
        "schema-keyword-changed",
        N,
        N,
        "none",
        "any other keyword edit is shown rather than dropped",
    ),
    (
        "exclusive-minimum-set",
        B,
        N,
        "request-*-exclusive-min-* (ERR)",
        "",
    ),
    (
        "exclusive-minimum-unset",
        N,
        B,
        "request-*-exclusive-min-* (INFO); responses: none",
        TYPIFY_REJECTS,
    ),
    (
        "exclusive-maximum-set",
        B,
        N,
        "request-*-exclusive-max-* (ERR)",
        "",
    ),
    (
        "exclusive-maximum-unset",
        N,
        B,
        "request-*-exclusive-max-* (INFO); responses: none",
        TYPIFY_REJECTS,
    ),
    ("unique-items-set", B, N, "none", ""),
    ("unique-items-unset", N, B, "none", ""),
    ("multiple-of-restricted", B, N, "none", ""),
    ("multiple-of-relaxed", N, B, "none", ""),
];

/// Numeric bounds: (keyword rule name, is an upper bound, oasdiff's name).
const BOUNDS: &[(&str, bool, &str)] = &[
    ("minimum", false, "min"),
    ("maximum", true, "max"),
    ("min-length", false, "min-length"),
    ("max-length", true, "max-length"),
    ("min-items", false, "min-items"),
    ("max-items", true, "max-items"),
    ("min-properties", false, ""),
    ("max-properties", true, ""),
    (MAX_KEY_LENGTH, true, ""),
];

/// Every rule, in a stable order: fixed ones, then per direction.
pub fn rules() -> Vec<Rule> {
    let mut out: Vec<Rule> = FIXED
        .iter()
        .map(|(id, level, oasdiff, reason)| Rule {
            id: id.to_string(),
            level: *level,
            oasdiff,
            reason,
        })
        .collect();
    for (suffix, request, response, oasdiff, reason) in DIRECTED {
        for (dir, level) in [("request", request), ("response", response)] {
            out.push(Rule {
                id: format!("{dir}-{suffix}"),
                level: *level,
                oasdiff,
                reason,
            });
        }
    }
    for (keyword, upper, oasdiff_name) in BOUNDS {
        for (change, raises) in [
            ("added", true),
            ("removed", false),
            ("increased", !upper),
            ("decreased", *upper),
        ] {
            // Whether the change narrows the accepted values.
            let tight = raises;
            for dir in ["request", "response"] {
                let level = match (dir, tight) {
                    ("request", true) | ("response", false) => B,
                    _ => N,
                };
                let oasdiff: &'static str = if oasdiff_name.is_empty() {
                    "none"
                } else {
                    bound_oasdiff(dir, oasdiff_name, change)
                };
                let reason = if oasdiff_name.is_empty() {
                    "oasdiff does not check this bound"
                } else if dir == "response" && level == B {
                    TYPIFY_REJECTS
                } else {
                    ""
                };
                out.push(Rule {
                    id: format!("{dir}-{keyword}-{change}"),
                    level,
                    oasdiff,
                    reason,
                });
            }
        }
    }
    out
}

/// oasdiff's id family for a bound change (leaked once per distinct id; the
/// table is small and built on demand).
fn bound_oasdiff(dir: &str, name: &str, change: &str) -> &'static str {
    let verb = match change {
        "added" => "set",
        "removed" => "removed",
        other => other,
    };
    let text = if dir == "request" {
        format!(
            "request-{{parameter,property,body}}-{name}-{verb} (ERR when narrowing, INFO otherwise)"
        )
    } else {
        format!("response-{{property,body}}-{name}-{verb} (INFO; ERR only for some widenings)")
    };
    Box::leak(text.into_boxed_str())
}

/// The rule with this id.
pub fn find(id: &str) -> Option<Rule> {
    rules().into_iter().find(|r| r.id == id)
}

/// The table printed by `--rules`.
pub fn render_table() -> String {
    let rules = rules();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = format!(
        "{:<width$}  {:<13}  oasdiff / why the level differs\n",
        "rule", "level"
    );
    for rule in &rules {
        out.push_str(&format!(
            "{:<width$}  {:<13}  {}\n",
            rule.id,
            rule.level.as_str(),
            rule.oasdiff
        ));
        if !rule.reason.is_empty() {
            out.push_str(&format!(
                "{:<width$}  {:<13}  why: {}\n",
                "", "", rule.reason
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let rules = rules();
        let mut seen = std::collections::BTreeSet::new();
        for rule in &rules {
            assert!(seen.insert(rule.id.clone()), "duplicate rule {}", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.id
            );
        }
        assert_eq!(find("request-maximum-decreased").unwrap().level, B);
        assert_eq!(find("response-maximum-decreased").unwrap().level, N);
        assert_eq!(find("response-minimum-removed").unwrap().level, B);
        assert_eq!(find("request-max-length-added").unwrap().level, B);
    }
}
