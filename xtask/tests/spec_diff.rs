//! `cargo xtask spec-diff`: a table of spec mutations with their expected
//! classification, the Rust view, the output formats and the exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::codegen::SPEC;
use xtask::spec;
use xtask::spec_diff::{self, Change, Level, Report};

fn real_spec() -> String {
    std::fs::read_to_string(xtask::workspace_root().join(SPEC)).unwrap()
}

/// Applies `(from, to)` replacements in order, each of which must match.
fn mutate(text: &str, edits: &[(&str, &str)], case: &str) -> String {
    let mut text = text.to_string();
    for (from, to) in edits {
        assert!(
            text.contains(from),
            "case `{case}`: the replacement of {from:?} did not happen (the spec changed?)"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

fn load(name: &str, text: String) -> spec::LoadedSpec {
    spec::parse(Path::new(name), text)
        .unwrap_or_else(|e| panic!("the mutated spec `{name}` does not load: {e}"))
}

fn changes(base: &[(&str, &str)], head: &[(&str, &str)], case: &str) -> Vec<Change> {
    let base_text = mutate(&real_spec(), base, case);
    let head_text = mutate(&base_text, head, case);
    let old = load("old.yaml", base_text);
    let new = load("new.yaml", head_text);
    spec_diff::diff_specs(&old, &new)
}

const LIMIT_PARAM: &str = "        - name: limit\n          in: query\n          required: false";
const LIMIT_BOUNDS: &str = "            minimum: 1\n            maximum: 100\n";
const CURSOR_SCHEMA: &str = "          description: Base64 encoded cursor from previous response\n          schema:\n            type: string\n";
const CREATE_PARAMS_PROPS: &str =
    "      required: [orgName]\n      additionalProperties: false\n      properties:\n";
const ORG_IS_ACTIVE: &str = "        isActive:\n          type: boolean\n";
const USER_COUNT: &str = "        userCount:\n          type: integer\n          format: int64\n          minimum: 0\n          description: Number of users currently in this organization.\n          x-avara-reference:\n            type:\n              page: number\n              spec: integer\n              reason: \"`number` in the HTTP view, `int` in the Python view: an integer.\"\n            format:\n              page: null\n              spec: int64\n              reason: >-\n                The reference gives no width (`int` in Python is unbounded); a\n                count of users fits in 64 bits.\n";
const RETRIEVE_OP: &str = "  /v1/orgs/{orgId}:\n    get:\n";

/// One mutation: edits applied to the real spec for the base, then more for
/// the head; the rules that must be reported at the given levels, and the
/// highest level of the whole diff (`None`: no change at all).
struct Case {
    name: &'static str,
    base: &'static [(&'static str, &'static str)],
    head: &'static [(&'static str, &'static str)],
    expect: &'static [(&'static str, Level)],
    highest: Option<Level>,
    /// Rules that must not be reported.
    absent: &'static [&'static str],
}

const B: Level = Level::Breaking;
const N: Level = Level::NonBreaking;
const I: Level = Level::Informational;

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "reformatting: flow sequences, quoting, blank lines and comments",
            base: &[],
            head: &[
                (
                    "      required: [orgName]\n",
                    "      required:\n        - \"orgName\"\n",
                ),
                (
                    "      tags: [orgs]\n      operationId: orgs_list",
                    "      tags:\n        - orgs\n\n      # listing\n      operationId: 'orgs_list'",
                ),
                ("            maximum: 100\n", "            maximum: 100.0\n"),
            ],
            expect: &[],
            highest: None,
            absent: &[],
        },
        Case {
            name: "key reordering",
            base: &[],
            head: &[
                (
                    LIMIT_BOUNDS,
                    "            maximum: 100\n            minimum: 1\n",
                ),
                (
                    "      tags: [orgs]\n      operationId: orgs_create\n",
                    "      operationId: orgs_create\n      tags: [orgs]\n",
                ),
                (
                    "      pattern: \"^org_[0-9a-f]{32}$\"\n      example: org_",
                    "      example: org_",
                ),
                (
                    "    OrgId:\n      type: string\n",
                    "    OrgId:\n      pattern: \"^org_[0-9a-f]{32}$\"\n      type: string\n",
                ),
            ],
            expect: &[],
            highest: None,
            absent: &[],
        },
        Case {
            name: "moving an inline schema into a component",
            base: &[],
            head: &[
                (
                    CURSOR_SCHEMA,
                    "          description: Base64 encoded cursor from previous response\n          schema:\n            $ref: \"#/components/schemas/Cursor\"\n",
                ),
                (
                    "  schemas:\n",
                    "  schemas:\n    Cursor:\n      type: string\n",
                ),
            ],
            expect: &[("component-schema-added", N)],
            highest: Some(N),
            absent: &["request-type-changed"],
        },
        Case {
            name: "parameter description edited",
            base: &[],
            head: &[(
                "description: Base64 encoded cursor from previous response",
                "description: The cursor of the previous page",
            )],
            expect: &[("description-changed", I)],
            highest: Some(I),
            absent: &[],
        },
        Case {
            name: "operation summary edited",
            base: &[],
            head: &[(
                "summary: List organizations with pagination",
                "summary: List organizations",
            )],
            expect: &[("summary-changed", I)],
            highest: Some(I),
            absent: &[],
        },
        Case {
            name: "schema description and example edited",
            base: &[],
            head: &[
                (
                    "      description: Name of the organization\n",
                    "      description: The organization's name\n",
                ),
                (
                    "      example: City Medical Center - Radiology Department\n    Metadata:",
                    "      example: Acme\n    Metadata:",
                ),
            ],
            expect: &[("description-changed", I), ("example-changed", I)],
            highest: Some(I),
            absent: &[],
        },
        Case {
            name: "request bound tightened: limit maximum 100 -> 50",
            base: &[],
            head: &[("            maximum: 100\n", "            maximum: 50\n")],
            expect: &[("request-maximum-decreased", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "request bound loosened: limit maximum 100 -> 200",
            base: &[],
            head: &[("            maximum: 100\n", "            maximum: 200\n")],
            expect: &[("request-maximum-increased", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "response bound loosened: userCount minimum removed",
            base: &[],
            head: &[(
                "          format: int64\n          minimum: 0\n",
                "          format: int64\n",
            )],
            expect: &[("response-minimum-removed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "response bound tightened: userCount minimum 0 -> 1",
            base: &[],
            head: &[(
                "          format: int64\n          minimum: 0\n",
                "          format: int64\n          minimum: 1\n",
            )],
            expect: &[("response-minimum-increased", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "shared schema tightened: MetadataValue maxLength 1000 -> 500 (request and response)",
            base: &[],
            head: &[("      maxLength: 1000\n", "      maxLength: 500\n")],
            expect: &[
                ("request-max-length-decreased", B),
                ("response-max-length-decreased", N),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "map bound tightened: Metadata maxProperties 50 -> 20",
            base: &[],
            head: &[("      maxProperties: 50\n", "      maxProperties: 20\n")],
            expect: &[
                ("request-max-properties-decreased", B),
                ("response-max-properties-decreased", N),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "map key bound loosened: x-avara-max-key-length 100 -> 200",
            base: &[],
            head: &[(
                "      x-avara-max-key-length: 100\n",
                "      x-avara-max-key-length: 200\n",
            )],
            expect: &[
                ("request-x-avara-max-key-length-increased", N),
                ("response-x-avara-max-key-length-increased", B),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "operation removed",
            base: &[],
            head: &[(RETRIEVE_OP, "  /v1/orgs/{orgId}:\n    x-removed:\n")],
            expect: &[("operation-removed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "operation added",
            base: &[],
            head: &[(
                RETRIEVE_OP,
                "  /v1/orgs/{orgId}:\n    delete:\n      tags: [orgs]\n      operationId: orgs_delete\n      parameters:\n        - name: orgId\n          in: path\n          required: true\n          schema:\n            $ref: \"#/components/schemas/OrgId\"\n      responses:\n        \"204\":\n          description: Deleted.\n    get:\n",
            )],
            expect: &[("operation-added", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "operationId changed",
            base: &[],
            head: &[("operationId: orgs_list", "operationId: orgs_index")],
            expect: &[("operation-id-changed", B)],
            highest: Some(B),
            absent: &["operation-removed", "operation-added"],
        },
        Case {
            name: "path changed",
            base: &[],
            head: &[("  /v1/orgs/{orgId}:\n", "  /v1/organizations/{orgId}:\n")],
            expect: &[("operation-path-changed", B)],
            highest: Some(B),
            absent: &["operation-removed", "operation-added"],
        },
        Case {
            name: "method changed",
            base: &[],
            head: &[(RETRIEVE_OP, "  /v1/orgs/{orgId}:\n    post:\n")],
            expect: &[("operation-method-changed", B)],
            highest: Some(B),
            absent: &["operation-removed"],
        },
        Case {
            name: "new required query parameter",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: region\n          in: query\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n          required: false",
            )],
            expect: &[("new-required-request-parameter", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "new optional query parameter",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: region\n          in: query\n          schema:\n            type: string\n        - name: limit\n          in: query\n          required: false",
            )],
            expect: &[("new-optional-request-parameter", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "query parameter removed",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit2\n          in: query\n          required: false",
            )],
            expect: &[
                ("request-parameter-removed", B),
                ("new-optional-request-parameter", N),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "query parameter became required",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          required: true",
            )],
            expect: &[("request-parameter-became-required", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "request type changed: limit integer -> number",
            base: &[],
            head: &[(
                "            type: integer\n            format: int32\n",
                "            type: number\n            format: int32\n",
            )],
            expect: &[("request-type-changed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "request format changed: limit int32 -> int64",
            base: &[],
            head: &[("            format: int32\n", "            format: int64\n")],
            expect: &[("request-format-changed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "path parameter pattern changed (request and response)",
            base: &[],
            head: &[(
                "      pattern: \"^org_[0-9a-f]{32}$\"\n",
                "      pattern: \"^org_[0-9a-fA-F]{32}$\"\n",
            )],
            expect: &[
                ("request-pattern-changed", B),
                ("response-pattern-changed", B),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "new required request property",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName, region]\n      additionalProperties: false\n      properties:\n        region:\n          type: string\n",
            )],
            expect: &[("request-property-added-required", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "new optional request property",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName]\n      additionalProperties: false\n      properties:\n        region:\n          type: string\n",
            )],
            expect: &[("request-property-added", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "request property no longer nullable",
            base: &[],
            head: &[(
                "values up to 1000 chars.\n          type: object\n          nullable: true\n",
                "values up to 1000 chars.\n          type: object\n",
            )],
            expect: &[("request-became-not-nullable", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "request body closed schema opened (additionalProperties false removed)",
            base: &[],
            head: &[("      additionalProperties: false\n", "")],
            expect: &[("request-additional-properties-widened", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "request body became optional",
            base: &[],
            head: &[(
                "      requestBody:\n        required: true\n",
                "      requestBody:\n        required: false\n",
            )],
            expect: &[("request-body-became-optional", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "required response property removed",
            base: &[],
            head: &[
                (
                    "        - updatedAt\n        - userCount\n",
                    "        - updatedAt\n",
                ),
                (
                    "        userCount:\n          type: integer\n          format: int64\n          minimum: 0\n",
                    "        userCountRenamed:\n          type: integer\n          format: int64\n          minimum: 0\n",
                ),
            ],
            expect: &[
                ("response-property-removed", B),
                ("response-property-added", N),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "required response property made optional",
            base: &[],
            head: &[(
                "        - updatedAt\n        - userCount\n",
                "        - updatedAt\n",
            )],
            expect: &[("response-property-became-optional", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "response property made nullable",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        isActive:\n          type: boolean\n          nullable: true\n",
            )],
            expect: &[("response-became-nullable", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "response type changed: isActive boolean -> string",
            base: &[],
            head: &[(ORG_IS_ACTIVE, "        isActive:\n          type: string\n")],
            expect: &[("response-type-changed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "new response property",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        region:\n          type: string\n        isActive:\n          type: boolean\n",
            )],
            expect: &[("response-property-added", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "enum value removed from a request",
            base: &[(
                CURSOR_SCHEMA,
                "          description: Base64 encoded cursor from previous response\n          schema:\n            type: string\n            enum: [a, b, c]\n",
            )],
            head: &[(
                "            enum: [a, b, c]\n",
                "            enum: [a, b]\n",
            )],
            expect: &[("request-enum-value-removed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "enum value added to a request",
            base: &[(
                CURSOR_SCHEMA,
                "          description: Base64 encoded cursor from previous response\n          schema:\n            type: string\n            enum: [a, b, c]\n",
            )],
            head: &[(
                "            enum: [a, b, c]\n",
                "            enum: [a, b, c, d]\n",
            )],
            expect: &[("request-enum-value-added", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "enum value added to a response",
            base: &[(
                ORG_IS_ACTIVE,
                "        status:\n          type: string\n          enum: [active, suspended]\n        isActive:\n          type: boolean\n",
            )],
            head: &[(
                "          enum: [active, suspended]\n",
                "          enum: [active, suspended, deleted]\n",
            )],
            expect: &[("response-enum-value-added", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "enum value removed from a response",
            base: &[(
                ORG_IS_ACTIVE,
                "        status:\n          type: string\n          enum: [active, suspended]\n        isActive:\n          type: boolean\n",
            )],
            head: &[(
                "          enum: [active, suspended]\n",
                "          enum: [active]\n",
            )],
            expect: &[("response-enum-value-removed", N)],
            highest: Some(N),
            absent: &[],
        },
        Case {
            name: "success status code removed",
            base: &[],
            head: &[(
                "        \"201\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "",
            )],
            expect: &[("response-success-status-removed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "response media type replaced",
            base: &[],
            head: &[(
                "                cursor: $response.body#/cursor\n          content:\n            application/json:\n",
                "                cursor: $response.body#/cursor\n          content:\n            application/vnd.avara+json:\n",
            )],
            expect: &[
                ("response-media-type-removed", B),
                ("response-media-type-added", N),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "security requirement replaced",
            base: &[],
            head: &[
                (
                    "      security:\n        - bearerAuth: []\n      x-avara-pagination:",
                    "      security:\n        - apiKey: []\n      x-avara-pagination:",
                ),
                (
                    "  securitySchemes:\n",
                    "  securitySchemes:\n    apiKey:\n      type: apiKey\n      in: header\n      name: X-Api-Key\n",
                ),
            ],
            expect: &[
                ("security-requirement-removed", B),
                ("security-requirement-added", N),
                ("security-scheme-added", I),
            ],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "server replaced",
            base: &[],
            head: &[(
                "  - url: https://api.avarasoftware.com\n",
                "  - url: https://api.avara.example\n",
            )],
            expect: &[("server-removed", B), ("server-added", N)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "pagination items field changed",
            base: &[],
            head: &[(
                "        itemsField: organizations\n",
                "        itemsField: orgs\n",
            )],
            expect: &[("pagination-changed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "pagination removed",
            base: &[],
            head: &[(
                "      x-avara-pagination:\n        style: cursor\n        requestCursorParam: cursor\n        itemsField: organizations\n        nextCursorField: cursor\n        hasMoreField: hasMore\n",
                "",
            )],
            expect: &[("pagination-removed", B)],
            highest: Some(B),
            absent: &[],
        },
        Case {
            name: "response link edited",
            base: &[],
            head: &[(
                "              description: The next page, while `hasMore` is true.\n",
                "              description: The following page.\n",
            )],
            expect: &[("response-links-changed", I)],
            highest: Some(I),
            absent: &[],
        },
        Case {
            name: "info version edited",
            base: &[],
            head: &[("  version: \"1.0.0\"\n", "  version: \"1.1.0\"\n")],
            expect: &[("info-changed", I)],
            highest: Some(I),
            absent: &[],
        },
    ]
}

#[test]
fn mutation_table_is_classified() {
    let cases = cases();
    assert!(cases.len() >= 25, "the table needs at least 25 mutations");
    let mut failures = Vec::new();
    for case in &cases {
        let found = changes(case.base, case.head, case.name);
        let listing = found
            .iter()
            .map(|c| {
                format!(
                    "    {} {} {} ({})",
                    c.level.as_str(),
                    c.rule,
                    c.pointer,
                    c.operation
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        for (rule, level) in case.expect {
            if !found.iter().any(|c| c.rule == *rule && c.level == *level) {
                failures.push(format!(
                    "{}: expected `{rule}` at level {}; found:\n{listing}",
                    case.name,
                    level.as_str()
                ));
            }
        }
        for rule in case.absent {
            if found.iter().any(|c| c.rule == *rule) {
                failures.push(format!(
                    "{}: `{rule}` must not be reported; found:\n{listing}",
                    case.name
                ));
            }
        }
        let highest = found.iter().map(|c| c.level).max();
        if highest != case.highest {
            failures.push(format!(
                "{}: highest level {:?}, expected {:?}; found:\n{listing}",
                case.name, highest, case.highest
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn pointers_name_the_operation_or_the_component() {
    let found = changes(
        &[],
        &[("            maximum: 100\n", "            maximum: 50\n")],
        "limit",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].operation, "orgs_list");
    assert_eq!(found[0].endpoint.as_deref(), Some("GET /v1/orgs"));
    assert_eq!(
        found[0].pointer,
        "/paths/~1v1~1orgs/get/parameters/1/schema/maximum"
    );

    let found = changes(
        &[],
        &[(
            "          format: int64\n          minimum: 0\n",
            "          format: int64\n          minimum: 1\n",
        )],
        "userCount",
    );
    assert!(!found.is_empty());
    for change in &found {
        assert_eq!(
            change.pointer,
            "/components/schemas/Org/properties/userCount/minimum"
        );
    }
    let operations: Vec<&str> = found.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(operations, ["orgs_list", "orgs_create", "orgs_retrieve"]);

    let found = changes(
        &[],
        &[(
            "  - url: https://api.avarasoftware.com\n",
            "  - url: https://x.example\n",
        )],
        "server",
    );
    assert!(
        found
            .iter()
            .all(|c| c.operation == spec_diff::GLOBAL && c.endpoint.is_none())
    );
}

fn report(head: &[(&str, &str)]) -> Report {
    let base = real_spec();
    let new_text = mutate(&base, head, "report");
    Report::build(&load("old.yaml", base), &load("new.yaml", new_text))
        .expect("both sides generate")
}

#[test]
fn rust_view_lists_removed_field_and_changed_setter() {
    let report = report(&[
        (
            "        - updatedAt\n        - userCount\n",
            "        - updatedAt\n",
        ),
        (USER_COUNT, ""),
        (
            "            minimum: 1\n            maximum: 100\n",
            "            minimum: 0\n            maximum: 100\n",
        ),
    ]);
    let removed: Vec<&str> = report
        .rust
        .removed
        .iter()
        .map(|i| i.item.as_str())
        .collect();
    assert!(removed.contains(&"types::Org.user_count"), "{removed:?}");
    assert!(
        removed.contains(&"types::builder::Org::user_count"),
        "{removed:?}"
    );
    let field = report
        .rust
        .removed
        .iter()
        .find(|i| i.item == "types::Org.user_count")
        .unwrap();
    assert_eq!(field.signature, "pub user_count: i64");
    let limit = report
        .rust
        .changed
        .iter()
        .find(|c| c.item == "builder::OrgsList::limit")
        .unwrap_or_else(|| panic!("limit setter unchanged: {:?}", report.rust.changed));
    assert!(
        limit.before.contains("TryInto<NonZeroU32>"),
        "{}",
        limit.before
    );
    assert!(limit.after.contains("TryInto<i32>"), "{}", limit.after);
    assert!(report.summary().breaking > 0);

    let text = report.to_text();
    assert!(text.contains("- types::Org.user_count"), "{text}");
    let markdown = report.to_markdown();
    assert!(markdown.starts_with("# Spec diff\n"), "{markdown}");
    assert!(
        markdown.contains("## `orgs_list` (`GET /v1/orgs`)"),
        "{markdown}"
    );
    assert!(markdown.contains("\n## Rust API\n"), "{markdown}");
    assert!(
        markdown.contains("- removed `types::Org.user_count`: `pub user_count: i64`"),
        "{markdown}"
    );
}

#[test]
fn json_output_has_the_documented_fields() {
    let report = report(&[("            maximum: 100\n", "            maximum: 50\n")]);
    let text = report.render(spec_diff::Format::Json);
    let json: serde_json::Value = serde_json::from_str(&text).expect("json output parses");
    assert_eq!(json["summary"]["breaking"], 1);
    assert_eq!(json["summary"]["non_breaking"], 0);
    assert_eq!(json["summary"]["informational"], 0);
    let change = &json["changes"][0];
    assert_eq!(change["level"], "breaking");
    assert_eq!(change["operation"], "orgs_list");
    assert_eq!(change["endpoint"], "GET /v1/orgs");
    assert_eq!(
        change["pointer"],
        "/paths/~1v1~1orgs/get/parameters/1/schema/maximum"
    );
    assert_eq!(change["rule"], "request-maximum-decreased");
    assert!(change["message"].as_str().unwrap().contains("limit"));
    for key in ["added", "removed", "changed"] {
        assert!(json["rust"][key].is_array(), "rust.{key}");
    }
    assert!(json["base"].is_string() && json["head"].is_string());
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new(old: &str, new: &str) -> Files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.yaml"), old).unwrap();
        std::fs::write(dir.path().join("new.yaml"), new).unwrap();
        Files { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

#[test]
fn exit_codes_with_two_files() {
    let base = real_spec();
    let tightened = mutate(
        &base,
        &[("            maximum: 100\n", "            maximum: 50\n")],
        "exit",
    );
    let files = Files::new(&base, &tightened);
    let (old, new) = (files.path("old.yaml"), files.path("new.yaml"));

    let plain = xtask(&["spec-diff", &old, &new]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let text = stdout(&plain);
    assert!(
        text.starts_with("spec-diff: 1 breaking, 0 non-breaking, 0 informational\n"),
        "{text}"
    );
    assert!(
        text.contains("/paths/~1v1~1orgs/get/parameters/1/schema/maximum"),
        "{text}"
    );

    let gated = xtask(&["spec-diff", "--fail-on", "breaking", &old, &new]);
    assert_eq!(gated.status.code(), Some(1), "{}", stderr(&gated));

    let same = xtask(&["spec-diff", "--fail-on", "any", &old, &old]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(stdout(&same).contains("0 breaking, 0 non-breaking, 0 informational"));

    let json = xtask(&["spec-diff", "--format", "json", &old, &new]);
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("json parses");
    assert_eq!(value["summary"]["breaking"], 1);

    let missing = xtask(&["spec-diff", &old, &files.path("missing.yaml")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("missing.yaml: error: cannot read the spec"),
        "{}",
        stderr(&missing)
    );

    std::fs::write(files.path("bad.yaml"), "openapi: 3.0.3\npaths: [\n").unwrap();
    let bad = xtask(&["spec-diff", &old, &files.path("bad.yaml")]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(
        message.contains("bad.yaml:") && message.contains("error: not valid YAML"),
        "{message}"
    );

    let usage = xtask(&["spec-diff", "--format", "xml", &old, &new]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("unknown format `xml`"));

    let one_file = xtask(&["spec-diff", &old]);
    assert_eq!(one_file.status.code(), Some(2));
}

#[test]
fn generator_failure_exits_2() {
    let base = real_spec();
    // The SDK layer needs `servers[0]`; the spec checks alone do not.
    let no_servers = mutate(
        &base,
        &[(
            "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n",
            "",
        )],
        "servers",
    );
    let files = Files::new(&base, &no_servers);
    let output = xtask(&[
        "spec-diff",
        &files.path("old.yaml"),
        &files.path("new.yaml"),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(stderr(&output).contains("servers"), "{}", stderr(&output));
}

#[test]
fn base_head_against_the_working_tree() {
    let root: PathBuf = xtask::workspace_root();
    let head = Command::new("git")
        .args(["show", &format!("HEAD:{SPEC}")])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(head.status.success(), "git show failed: {}", stderr(&head));
    let output = xtask(&["spec-diff", "--base", "HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let head_text = String::from_utf8(head.stdout).unwrap();
    if head_text == real_spec() {
        assert!(
            text.starts_with("spec-diff: 0 breaking, 0 non-breaking, 0 informational\n"),
            "{text}"
        );
    } else {
        // Someone is editing the spec: the task must agree with the library.
        let expected = spec_diff::diff_specs(&load("HEAD", head_text), &load("tree", real_spec()));
        let report = Report {
            base: String::new(),
            head: String::new(),
            changes: expected,
            rust: Default::default(),
        };
        assert!(
            text.starts_with(&format!("spec-diff: {}\n", report.summary())),
            "{text}"
        );
    }

    let bad_rev = xtask(&["spec-diff", "--base", "no-such-revision-xyz"]);
    assert_eq!(bad_rev.status.code(), Some(2));
    assert!(
        stderr(&bad_rev).contains("no-such-revision-xyz:spec/openapi.yaml: error"),
        "{}",
        stderr(&bad_rev)
    );
}
