//! `cargo xtask spec-diff`: a table of spec mutations, each with the exact
//! set of (rule, level, pointer) it must produce, the Rust view, the output
//! formats, the exit codes, the command line's guards, and the README's
//! sample report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xtask::codegen::SPEC;
use xtask::extension_name;
use xtask::spec;
use xtask::spec_diff::{self, Change, Level, Report};

/// The frozen copy of the spec the mutations are written against.
const FIXTURE: &str = "xtask/tests/fixtures/spec-diff/openapi.yaml";

fn manifest_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn real_spec() -> String {
    std::fs::read_to_string(manifest_root().join(FIXTURE)).unwrap()
}

/// `(from, to)` text replacements.
type Edits = &'static [(&'static str, &'static str)];

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
const USER_COUNT: &str = "        userCount:\n          type: integer\n          format: int64\n          minimum: 0\n          description: |\n            Number of users currently in this organization.\n\n            `number` in the HTTP view, `int` in the Python view: an integer.\n";
const RETRIEVE_OP: &str = "  /v1/orgs/{orgId}:\n    get:\n";
const METADATA_ALLOF_END: &str =
    "            - $ref: \"#/components/schemas/Metadata\"\n    OrgListPage:";
const SERVERS: &str =
    "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n";
const PAGINATION: &str = concat!(
    "      ",
    extension_name!(pagination),
    ":\n        style: cursor\n        requestCursorParam: cursor\n        itemsField: organizations\n        nextCursorField: cursor\n        hasMoreField: hasMore\n"
);
const CREATE_BODY: &str = "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n            example:\n              orgName: City Medical Center - Radiology Department\n";
const RETRIEVE_5XX: &str =
    "        5XX:\n          $ref: \"#/components/responses/Error\"\ncomponents:";
const RETRIEVE_SECURITY: &str =
    "      security:\n        - bearerAuth: []\n      parameters:\n        - name: orgId\n";
const OPEN_RETRIEVE: &str = "      security: []\n      parameters:\n        - name: orgId\n";
const ORG_CONTACT_LINES: &str = "        isActive:\n          type: boolean\n";
const ORG_REQUIRED: &str = "      required:\n        - createdAt\n";
const CURSOR_ENUM: &str = "          description: Base64 encoded cursor from previous response\n          schema:\n            type: string\n            enum: [a, b, c]\n";
const ORG_STATUS: &str = "        status:\n          type: string\n          enum: [active, suspended]\n        isActive:\n          type: boolean\n";
const ORG_ONE_OF: &str = "        owner:\n          oneOf:\n            - $ref: \"#/components/schemas/OrgId\"\n            - type: integer\n        isActive:\n          type: boolean\n";
const ORG_RESPONSE: &str = "    Org:\n      description: The organization.\n";
const ORG_HEADER_LINES: &str = "      headers:\n        X-Request-Id:\n          required: true\n          schema:\n            type: string\n            minLength: 8\n";
const ORG_RESPONSE_HEADER: &str = "    Org:\n      description: The organization.\n      headers:\n        X-Request-Id:\n          required: true\n          schema:\n            type: string\n            minLength: 8\n";

/// One mutation: edits applied to the fixture for the base, then more for
/// the head, and the exact set of (rule, level, pointer) the diff must hold:
/// nothing missing, nothing else.
struct Case {
    name: &'static str,
    base: &'static [(&'static str, &'static str)],
    head: &'static [(&'static str, &'static str)],
    expect: &'static [(&'static str, Level, &'static str)],
}

const B: Level = Level::Breaking;
const N: Level = Level::NonBreaking;
const I: Level = Level::Informational;

fn cases() -> Vec<Case> {
    const ORG_CONTACT: &str = "        isActive:\n          type: boolean\n";
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
            expect: &[("component-schema-added", N, "/components/schemas/Cursor")],
        },
        Case {
            name: "parameter description edited",
            base: &[],
            head: &[(
                "description: Base64 encoded cursor from previous response",
                "description: The cursor of the previous page",
            )],
            expect: &[(
                "description-changed",
                I,
                "/paths/~1v1~1orgs/get/parameters/0/description",
            )],
        },
        Case {
            name: "operation summary edited",
            base: &[],
            head: &[(
                "summary: List organizations with pagination",
                "summary: List organizations",
            )],
            expect: &[("summary-changed", I, "/paths/~1v1~1orgs/get/summary")],
        },
        Case {
            name: "description moved into a vendor extension (not an API change)",
            base: &[],
            head: &[(
                "      summary: List organizations with pagination\n      description: |\n        Retrieves a paginated list of organizations. Returns up to 100\n        organizations per request.\n",
                concat!(
                    "      summary: List organizations with pagination\n      ",
                    extension_name!(reference),
                    ":\n        text: |\n          Retrieves a paginated list of organizations. Returns up to 100\n          organizations per request.\n      description: |\n"
                ),
            )],
            expect: &[
                (
                    "description-changed",
                    I,
                    "/paths/~1v1~1orgs/get/description",
                ),
                (
                    "extension-changed",
                    I,
                    concat!("/paths/~1v1~1orgs/get/", extension_name!(reference)),
                ),
            ],
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
            expect: &[
                (
                    "description-changed",
                    I,
                    "/components/schemas/OrgName/description",
                ),
                ("example-changed", I, "/components/schemas/OrgName/example"),
            ],
        },
        Case {
            name: "request bound tightened: limit maximum 100 -> 50",
            base: &[],
            head: &[("            maximum: 100\n", "            maximum: 50\n")],
            expect: &[(
                "request-maximum-decreased",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/schema/maximum",
            )],
        },
        Case {
            name: "request bound loosened: limit maximum 100 -> 200",
            base: &[],
            head: &[("            maximum: 100\n", "            maximum: 200\n")],
            expect: &[(
                "request-maximum-increased",
                N,
                "/paths/~1v1~1orgs/get/parameters/1/schema/maximum",
            )],
        },
        Case {
            name: "request bound removed: limit minimum",
            base: &[],
            head: &[(LIMIT_BOUNDS, "            maximum: 100\n")],
            expect: &[(
                "request-minimum-removed",
                N,
                "/paths/~1v1~1orgs/get/parameters/1/schema/minimum",
            )],
        },
        Case {
            name: "response bound loosened: userCount minimum removed",
            base: &[],
            head: &[(
                "          format: int64\n          minimum: 0\n",
                "          format: int64\n",
            )],
            expect: &[(
                "response-minimum-removed",
                B,
                "/components/schemas/Org/properties/userCount/minimum",
            )],
        },
        Case {
            name: "response bound tightened: userCount minimum 0 -> 1",
            base: &[],
            head: &[(
                "          format: int64\n          minimum: 0\n",
                "          format: int64\n          minimum: 1\n",
            )],
            expect: &[(
                "response-minimum-increased",
                N,
                "/components/schemas/Org/properties/userCount/minimum",
            )],
        },
        Case {
            name: "shared schema tightened: MetadataValue maxLength 1000 -> 500 (request and response)",
            base: &[],
            head: &[("      maxLength: 1000\n", "      maxLength: 500\n")],
            expect: &[
                (
                    "request-max-length-decreased",
                    B,
                    "/components/schemas/MetadataValue/maxLength",
                ),
                (
                    "response-max-length-decreased",
                    N,
                    "/components/schemas/MetadataValue/maxLength",
                ),
            ],
        },
        Case {
            name: "string bound added: OrgName maxLength 200 (request and response)",
            base: &[],
            head: &[(
                "      minLength: 1\n",
                "      minLength: 1\n      maxLength: 200\n",
            )],
            expect: &[
                (
                    "request-max-length-added",
                    B,
                    "/components/schemas/OrgName/maxLength",
                ),
                (
                    "response-max-length-added",
                    N,
                    "/components/schemas/OrgName/maxLength",
                ),
            ],
        },
        Case {
            name: "map bound tightened: Metadata maxProperties 50 -> 20",
            base: &[],
            head: &[("      maxProperties: 50\n", "      maxProperties: 20\n")],
            expect: &[
                (
                    "request-max-properties-decreased",
                    B,
                    "/components/schemas/Metadata/maxProperties",
                ),
                (
                    "response-max-properties-decreased",
                    N,
                    "/components/schemas/Metadata/maxProperties",
                ),
            ],
        },
        Case {
            name: concat!(
                "map key bound loosened: ",
                extension_name!(max_key_length),
                " 100 -> 200"
            ),
            base: &[],
            head: &[(
                concat!("      ", extension_name!(max_key_length), ": 100\n"),
                concat!("      ", extension_name!(max_key_length), ": 200\n"),
            )],
            expect: &[
                (
                    concat!("request-", extension_name!(max_key_length), "-increased"),
                    N,
                    concat!(
                        "/components/schemas/Metadata/",
                        extension_name!(max_key_length)
                    ),
                ),
                (
                    concat!("response-", extension_name!(max_key_length), "-increased"),
                    B,
                    concat!(
                        "/components/schemas/Metadata/",
                        extension_name!(max_key_length)
                    ),
                ),
            ],
        },
        Case {
            name: "multi-part allOf: the stricter bound of the parts holds",
            base: &[(
                METADATA_ALLOF_END,
                "            - $ref: \"#/components/schemas/Metadata\"\n            - maxProperties: 80\n    OrgListPage:",
            )],
            head: &[(
                "            - maxProperties: 80\n",
                "            - maxProperties: 60\n",
            )],
            expect: &[],
        },
        Case {
            name: "multi-part allOf: a part that becomes the stricter one",
            base: &[(
                METADATA_ALLOF_END,
                "            - $ref: \"#/components/schemas/Metadata\"\n            - maxProperties: 80\n    OrgListPage:",
            )],
            head: &[(
                "            - maxProperties: 80\n",
                "            - maxProperties: 20\n",
            )],
            expect: &[(
                "response-max-properties-decreased",
                N,
                "/components/schemas/Org/properties/metadata/allOf/1/maxProperties",
            )],
        },
        Case {
            name: "operation removed",
            base: &[],
            head: &[(RETRIEVE_OP, "  /v1/orgs/{orgId}:\n    x-removed:\n")],
            expect: &[("operation-removed", B, "/paths/~1v1~1orgs~1{orgId}/get")],
        },
        Case {
            name: "deprecated operation removed",
            base: &[(
                "      operationId: orgs_retrieve\n",
                "      operationId: orgs_retrieve\n      deprecated: true\n",
            )],
            head: &[(RETRIEVE_OP, "  /v1/orgs/{orgId}:\n    x-removed:\n")],
            expect: &[(
                "operation-removed-after-deprecation",
                N,
                "/paths/~1v1~1orgs~1{orgId}/get",
            )],
        },
        Case {
            name: "operation deprecated",
            base: &[],
            head: &[(
                "      operationId: orgs_retrieve\n",
                "      operationId: orgs_retrieve\n      deprecated: true\n",
            )],
            expect: &[(
                "operation-deprecated",
                I,
                "/paths/~1v1~1orgs~1{orgId}/get/deprecated",
            )],
        },
        Case {
            name: "operation added",
            base: &[],
            head: &[(
                RETRIEVE_OP,
                "  /v1/orgs/{orgId}:\n    delete:\n      tags: [orgs]\n      operationId: orgs_delete\n      parameters:\n        - name: orgId\n          in: path\n          required: true\n          schema:\n            $ref: \"#/components/schemas/OrgId\"\n      responses:\n        \"204\":\n          description: Deleted.\n    get:\n",
            )],
            expect: &[("operation-added", N, "/paths/~1v1~1orgs~1{orgId}/delete")],
        },
        Case {
            name: "operationId changed",
            base: &[],
            head: &[("operationId: orgs_list", "operationId: orgs_index")],
            expect: &[(
                "operation-id-changed",
                B,
                "/paths/~1v1~1orgs/get/operationId",
            )],
        },
        Case {
            name: "path changed",
            base: &[],
            head: &[("  /v1/orgs/{orgId}:\n", "  /v1/organizations/{orgId}:\n")],
            expect: &[(
                "operation-path-changed",
                B,
                "/paths/~1v1~1organizations~1{orgId}/get",
            )],
        },
        Case {
            name: "path parameter renamed: one change, not three",
            base: &[],
            head: &[
                ("  /v1/orgs/{orgId}:\n", "  /v1/orgs/{id}:\n"),
                (
                    "        - name: orgId\n          in: path\n",
                    "        - name: id\n          in: path\n",
                ),
            ],
            expect: &[(
                "path-parameter-renamed",
                B,
                "/paths/~1v1~1orgs~1{id}/get/parameters/0/name",
            )],
        },
        Case {
            name: "method changed",
            base: &[],
            head: &[(RETRIEVE_OP, "  /v1/orgs/{orgId}:\n    post:\n")],
            expect: &[(
                "operation-method-changed",
                B,
                "/paths/~1v1~1orgs~1{orgId}/post",
            )],
        },
        Case {
            name: "new required query parameter",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: region\n          in: query\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n          required: false",
            )],
            expect: &[(
                "new-required-request-parameter",
                B,
                "/paths/~1v1~1orgs/get/parameters/1",
            )],
        },
        Case {
            name: "new optional query parameter",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: region\n          in: query\n          schema:\n            type: string\n        - name: limit\n          in: query\n          required: false",
            )],
            expect: &[(
                "new-optional-request-parameter",
                N,
                "/paths/~1v1~1orgs/get/parameters/1",
            )],
        },
        Case {
            name: "query parameter removed",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit2\n          in: query\n          required: false",
            )],
            expect: &[
                (
                    "request-parameter-removed",
                    B,
                    "/paths/~1v1~1orgs/get/parameters/1",
                ),
                (
                    "new-optional-request-parameter",
                    N,
                    "/paths/~1v1~1orgs/get/parameters/1",
                ),
            ],
        },
        Case {
            name: "query parameter became required",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          required: true",
            )],
            expect: &[(
                "request-parameter-became-required",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/required",
            )],
        },
        Case {
            name: "query parameter serialization changed",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          explode: false\n          required: false",
            )],
            expect: &[(
                "request-parameter-serialization-changed",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/explode",
            )],
        },
        Case {
            name: "request type widened: limit integer -> number (oasdiff: a widening)",
            base: &[],
            head: &[(
                "            type: integer\n            format: int32\n",
                "            type: number\n            format: int32\n",
            )],
            expect: &[(
                "request-type-widened",
                N,
                "/paths/~1v1~1orgs/get/parameters/1/schema/type",
            )],
        },
        Case {
            name: "request type changed: limit integer -> string",
            base: &[],
            head: &[(
                "            type: integer\n            format: int32\n            minimum: 1\n            maximum: 100\n",
                "            type: string\n            format: int32\n            minimum: 1\n            maximum: 100\n",
            )],
            expect: &[(
                "request-type-changed",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/schema/type",
            )],
        },
        Case {
            name: "response type changed: userCount integer -> number",
            base: &[],
            head: &[(
                "        userCount:\n          type: integer\n",
                "        userCount:\n          type: number\n",
            )],
            expect: &[(
                "response-type-changed",
                B,
                "/components/schemas/Org/properties/userCount/type",
            )],
        },
        Case {
            name: "request format changed: limit int32 -> int64",
            base: &[],
            head: &[("            format: int32\n", "            format: int64\n")],
            expect: &[(
                "request-format-changed",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/schema/format",
            )],
        },
        Case {
            name: "path parameter pattern changed (request and response)",
            base: &[],
            head: &[(
                "      pattern: \"^org_[0-9a-f]{32}$\"\n",
                "      pattern: \"^org_[0-9a-fA-F]{32}$\"\n",
            )],
            expect: &[
                (
                    "request-pattern-changed",
                    B,
                    "/components/schemas/OrgId/pattern",
                ),
                (
                    "response-pattern-changed",
                    B,
                    "/components/schemas/OrgId/pattern",
                ),
            ],
        },
        Case {
            name: "pattern removed (request and response)",
            base: &[],
            head: &[("      pattern: \"^org_[0-9a-f]{32}$\"\n", "")],
            expect: &[
                (
                    "request-pattern-removed",
                    N,
                    "/components/schemas/OrgId/pattern",
                ),
                (
                    "response-pattern-removed",
                    B,
                    "/components/schemas/OrgId/pattern",
                ),
            ],
        },
        Case {
            name: "new required request property",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName, region]\n      additionalProperties: false\n      properties:\n        region:\n          type: string\n",
            )],
            expect: &[(
                "request-property-added-required",
                B,
                "/components/schemas/OrgCreateParams/properties/region",
            )],
        },
        Case {
            name: "new optional request property",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName]\n      additionalProperties: false\n      properties:\n        region:\n          type: string\n",
            )],
            expect: &[(
                "request-property-added",
                N,
                "/components/schemas/OrgCreateParams/properties/region",
            )],
        },
        Case {
            name: "new required readOnly property in a request body: not request data",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName, orgId]\n      additionalProperties: false\n      properties:\n        orgId:\n          type: string\n          readOnly: true\n",
            )],
            expect: &[],
        },
        Case {
            name: "new writeOnly property in a response: not response data",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        secret:\n          type: string\n          writeOnly: true\n        isActive:\n          type: boolean\n",
            )],
            expect: &[],
        },
        Case {
            name: "response property made readOnly",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        isActive:\n          type: boolean\n          readOnly: true\n",
            )],
            expect: &[(
                "response-read-only-changed",
                N,
                "/components/schemas/Org/properties/isActive/readOnly",
            )],
        },
        Case {
            name: "request property no longer nullable",
            base: &[],
            head: &[(
                "means the same as omitting it.\n          type: object\n          nullable: true\n",
                "means the same as omitting it.\n          type: object\n",
            )],
            expect: &[(
                "request-became-not-nullable",
                B,
                "/components/schemas/OrgCreateParams/properties/metadata/nullable",
            )],
        },
        Case {
            name: "nullable beside a $ref is kept",
            base: &[],
            head: &[(
                "        orgName:\n          $ref: \"#/components/schemas/OrgName\"\n        updatedAt:",
                "        orgName:\n          $ref: \"#/components/schemas/OrgName\"\n          nullable: true\n        updatedAt:",
            )],
            expect: &[(
                "response-became-nullable",
                B,
                "/components/schemas/Org/properties/orgName/nullable",
            )],
        },
        Case {
            name: "request body closed schema opened (additionalProperties false removed)",
            base: &[],
            head: &[("      additionalProperties: false\n", "")],
            expect: &[(
                "request-additional-properties-widened",
                N,
                "/components/schemas/OrgCreateParams/additionalProperties",
            )],
        },
        Case {
            name: "request body became optional",
            base: &[],
            head: &[(
                "      requestBody:\n        required: true\n",
                "      requestBody:\n        required: false\n",
            )],
            expect: &[(
                "request-body-became-optional",
                N,
                "/paths/~1v1~1orgs/post/requestBody/required",
            )],
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
                (
                    "response-property-removed",
                    B,
                    "/components/schemas/Org/properties/userCount",
                ),
                (
                    "response-property-added",
                    N,
                    "/components/schemas/Org/properties/userCountRenamed",
                ),
            ],
        },
        Case {
            name: "required response property made optional",
            base: &[],
            head: &[(
                "        - updatedAt\n        - userCount\n",
                "        - updatedAt\n",
            )],
            expect: &[(
                "response-property-became-optional",
                B,
                "/components/schemas/Org/properties/userCount",
            )],
        },
        Case {
            name: "response property made nullable",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        isActive:\n          type: boolean\n          nullable: true\n",
            )],
            expect: &[(
                "response-became-nullable",
                B,
                "/components/schemas/Org/properties/isActive/nullable",
            )],
        },
        Case {
            name: "response type changed: isActive boolean -> string",
            base: &[],
            head: &[(ORG_IS_ACTIVE, "        isActive:\n          type: string\n")],
            expect: &[(
                "response-type-changed",
                B,
                "/components/schemas/Org/properties/isActive/type",
            )],
        },
        Case {
            name: "new response property",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        region:\n          type: string\n        isActive:\n          type: boolean\n",
            )],
            expect: &[(
                "response-property-added",
                N,
                "/components/schemas/Org/properties/region",
            )],
        },
        Case {
            name: "new response property in a closed schema (the generated type denies unknown fields)",
            base: &[(
                ORG_REQUIRED,
                "      additionalProperties: false\n      required:\n        - createdAt\n",
            )],
            head: &[(
                ORG_IS_ACTIVE,
                "        region:\n          type: string\n        isActive:\n          type: boolean\n",
            )],
            expect: &[(
                "response-property-added-to-closed-schema",
                B,
                "/components/schemas/Org/properties/region",
            )],
        },
        Case {
            name: "enum value removed from a request",
            base: &[(CURSOR_SCHEMA, CURSOR_ENUM)],
            head: &[(
                "            enum: [a, b, c]\n",
                "            enum: [a, b]\n",
            )],
            expect: &[(
                "request-enum-value-removed",
                B,
                "/paths/~1v1~1orgs/get/parameters/0/schema/enum",
            )],
        },
        Case {
            name: "enum value added to a request",
            base: &[(CURSOR_SCHEMA, CURSOR_ENUM)],
            head: &[(
                "            enum: [a, b, c]\n",
                "            enum: [a, b, c, d]\n",
            )],
            expect: &[(
                "request-enum-value-added",
                N,
                "/paths/~1v1~1orgs/get/parameters/0/schema/enum",
            )],
        },
        Case {
            name: "enum value added to a response",
            base: &[(ORG_IS_ACTIVE, ORG_STATUS)],
            head: &[(
                "          enum: [active, suspended]\n",
                "          enum: [active, suspended, deleted]\n",
            )],
            expect: &[(
                "response-enum-value-added",
                B,
                "/components/schemas/Org/properties/status/enum",
            )],
        },
        Case {
            name: "enum value removed from a response",
            base: &[(ORG_IS_ACTIVE, ORG_STATUS)],
            head: &[(
                "          enum: [active, suspended]\n",
                "          enum: [active]\n",
            )],
            expect: &[(
                "response-enum-value-removed",
                N,
                "/components/schemas/Org/properties/status/enum",
            )],
        },
        Case {
            name: "oneOf alternatives reordered: matched by $ref and content, no change",
            base: &[(ORG_CONTACT, ORG_ONE_OF)],
            head: &[(
                "            - $ref: \"#/components/schemas/OrgId\"\n            - type: integer\n",
                "            - type: integer\n            - $ref: \"#/components/schemas/OrgId\"\n",
            )],
            expect: &[],
        },
        Case {
            name: "oneOf reordered and an alternative removed",
            base: &[(ORG_CONTACT, ORG_ONE_OF)],
            head: &[(
                "            - $ref: \"#/components/schemas/OrgId\"\n            - type: integer\n",
                "            - type: integer\n",
            )],
            expect: &[(
                "response-one-of-alternative-removed",
                N,
                "/components/schemas/Org/properties/owner/oneOf/0",
            )],
        },
        Case {
            name: "success status code removed",
            base: &[],
            head: &[(
                "        \"201\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "",
            )],
            expect: &[(
                "response-success-status-removed",
                B,
                "/paths/~1v1~1orgs/post/responses/201",
            )],
        },
        Case {
            name: "response header removed",
            base: &[(ORG_RESPONSE, ORG_RESPONSE_HEADER)],
            head: &[(ORG_HEADER_LINES, "")],
            expect: &[(
                "response-header-removed",
                B,
                "/components/responses/Org/headers/X-Request-Id",
            )],
        },
        Case {
            name: "response header added",
            base: &[],
            head: &[(ORG_RESPONSE, ORG_RESPONSE_HEADER)],
            expect: &[(
                "response-header-added",
                N,
                "/components/responses/Org/headers/X-Request-Id",
            )],
        },
        Case {
            name: "response header became optional",
            base: &[(ORG_RESPONSE, ORG_RESPONSE_HEADER)],
            head: &[(
                "          required: true\n          schema:\n            type: string\n            minLength: 8\n",
                "          required: false\n          schema:\n            type: string\n            minLength: 8\n",
            )],
            expect: &[(
                "response-header-became-optional",
                B,
                "/components/responses/Org/headers/X-Request-Id/required",
            )],
        },
        Case {
            name: "response header schema loosened",
            base: &[(ORG_RESPONSE, ORG_RESPONSE_HEADER)],
            head: &[("            minLength: 8\n", "")],
            expect: &[(
                "response-min-length-removed",
                B,
                "/components/responses/Org/headers/X-Request-Id/schema/minLength",
            )],
        },
        Case {
            name: "response media type replaced",
            base: &[],
            head: &[(
                "                cursor: $response.body#/cursor\n          content:\n            application/json:\n",
                "                cursor: $response.body#/cursor\n          content:\n            application/vnd.avara+json:\n",
            )],
            expect: &[
                (
                    "response-media-type-removed",
                    B,
                    "/paths/~1v1~1orgs/get/responses/200/content/application~1json",
                ),
                (
                    "response-media-type-added",
                    N,
                    "/paths/~1v1~1orgs/get/responses/200/content/application~1vnd.avara+json",
                ),
            ],
        },
        Case {
            name: "security requirement replaced",
            base: &[],
            head: &[
                (
                    concat!(
                        "      security:\n        - bearerAuth: []\n      ",
                        extension_name!(pagination),
                        ":"
                    ),
                    concat!(
                        "      security:\n        - apiKey: []\n      ",
                        extension_name!(pagination),
                        ":"
                    ),
                ),
                (
                    "  securitySchemes:\n",
                    "  securitySchemes:\n    apiKey:\n      type: apiKey\n      in: header\n      name: X-Api-Key\n",
                ),
            ],
            expect: &[
                (
                    "security-requirement-removed",
                    B,
                    "/paths/~1v1~1orgs/get/security",
                ),
                (
                    "security-requirement-added",
                    N,
                    "/paths/~1v1~1orgs/get/security",
                ),
                (
                    "security-scheme-added",
                    I,
                    "/components/securitySchemes/apiKey",
                ),
            ],
        },
        Case {
            name: "server replaced",
            base: &[],
            head: &[(
                "  - url: https://api.avarasoftware.com\n",
                "  - url: https://api.avara.example\n",
            )],
            expect: &[
                ("server-removed", B, "/servers/0/url"),
                ("server-added", N, "/servers/0/url"),
            ],
        },
        Case {
            name: "server URL with a trailing slash and another case: the same server",
            base: &[],
            head: &[(
                "  - url: https://api.avarasoftware.com\n",
                "  - url: HTTPS://API.avarasoftware.com/\n",
            )],
            expect: &[],
        },
        Case {
            name: "pagination items field changed",
            base: &[],
            head: &[(
                "        itemsField: organizations\n",
                "        itemsField: orgs\n",
            )],
            expect: &[(
                "pagination-changed",
                B,
                concat!(
                    "/paths/~1v1~1orgs/get/",
                    extension_name!(pagination),
                    "/itemsField"
                ),
            )],
        },
        Case {
            name: "pagination removed",
            base: &[],
            head: &[(
                concat!(
                    "      ",
                    extension_name!(pagination),
                    ":\n        style: cursor\n        requestCursorParam: cursor\n        itemsField: organizations\n        nextCursorField: cursor\n        hasMoreField: hasMore\n"
                ),
                "",
            )],
            expect: &[(
                "pagination-removed",
                B,
                concat!("/paths/~1v1~1orgs/get/", extension_name!(pagination)),
            )],
        },
        Case {
            name: "response link edited",
            base: &[],
            head: &[(
                "              description: The next page, while `hasMore` is true.\n",
                "              description: The following page.\n",
            )],
            expect: &[(
                "response-links-changed",
                I,
                "/paths/~1v1~1orgs/get/responses/200/links",
            )],
        },
        // ---- document ------------------------------------------------------
        Case {
            name: "OpenAPI version edited",
            base: &[],
            head: &[("openapi: 3.0.3\n", "openapi: 3.0.2\n")],
            expect: &[("openapi-version-changed", I, "/openapi")],
        },
        Case {
            name: "tag list edited",
            base: &[],
            head: &[(
                "tags:\n  - name: orgs\n",
                "tags:\n  - name: orgs\n    x-display: Organizations\n",
            )],
            expect: &[("tags-changed", I, "/tags")],
        },
        Case {
            name: "default security edited (its effect is reported per operation)",
            base: &[],
            head: &[(
                "security:\n  - bearerAuth: []\ntags:",
                "security:\n  - bearerAuth: []\n  - {}\ntags:",
            )],
            expect: &[("default-security-changed", I, "/security")],
        },
        Case {
            name: "default server changed",
            base: &[(
                SERVERS,
                "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n  - url: https://eu.avarasoftware.com\n",
            )],
            head: &[(
                "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n  - url: https://eu.avarasoftware.com\n",
                "servers:\n  - url: https://eu.avarasoftware.com\n  - url: https://api.avarasoftware.com\n    description: Production\n",
            )],
            expect: &[("default-server-changed", N, "/servers/0/url")],
        },
        Case {
            name: "server variables changed",
            base: &[],
            head: &[(
                SERVERS,
                "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n    variables:\n      region:\n        default: us\n",
            )],
            expect: &[("server-variables-changed", B, "/servers/0/variables")],
        },
        Case {
            name: "security scheme removed",
            base: &[(
                "  securitySchemes:\n",
                "  securitySchemes:\n    apiKey:\n      type: apiKey\n      in: header\n      name: X-Api-Key\n",
            )],
            head: &[(
                "    apiKey:\n      type: apiKey\n      in: header\n      name: X-Api-Key\n",
                "",
            )],
            expect: &[(
                "security-scheme-removed",
                B,
                "/components/securitySchemes/apiKey",
            )],
        },
        Case {
            name: "security scheme changed",
            base: &[],
            head: &[("      scheme: bearer\n", "      scheme: basic\n")],
            expect: &[(
                "security-scheme-changed",
                B,
                "/components/securitySchemes/bearerAuth",
            )],
        },
        Case {
            name: "component schema removed",
            base: &[(
                "  schemas:\n",
                "  schemas:\n    Unused:\n      type: string\n",
            )],
            head: &[("    Unused:\n      type: string\n", "")],
            expect: &[("component-schema-removed", B, "/components/schemas/Unused")],
        },
        Case {
            name: "documentation keywords: title, externalDocs, xml",
            base: &[],
            head: &[
                (
                    "    OrgName:\n      type: string\n",
                    "    OrgName:\n      title: Organization name\n      xml:\n        name: name\n      type: string\n",
                ),
                (
                    "      operationId: orgs_retrieve\n",
                    "      operationId: orgs_retrieve\n      externalDocs:\n        url: https://docs.example/orgs\n",
                ),
            ],
            expect: &[
                ("title-changed", I, "/components/schemas/OrgName/title"),
                ("xml-changed", I, "/components/schemas/OrgName/xml"),
                (
                    "external-docs-changed",
                    I,
                    "/paths/~1v1~1orgs~1{orgId}/get/externalDocs",
                ),
            ],
        },
        Case {
            name: "media type examples edited",
            base: &[],
            head: &[(
                "            example:\n              orgName: City Medical Center - Radiology Department\n",
                "            examples:\n              short:\n                value:\n                  orgName: Acme\n",
            )],
            expect: &[
                (
                    "example-changed",
                    I,
                    "/paths/~1v1~1orgs/post/requestBody/content/application~1json/example",
                ),
                (
                    "examples-changed",
                    I,
                    "/paths/~1v1~1orgs/post/requestBody/content/application~1json/examples",
                ),
            ],
        },
        // ---- operations ----------------------------------------------------
        Case {
            name: "operation no longer deprecated",
            base: &[(
                "      operationId: orgs_retrieve\n",
                "      operationId: orgs_retrieve\n      deprecated: true\n",
            )],
            head: &[(
                "      operationId: orgs_retrieve\n      deprecated: true\n",
                "      operationId: orgs_retrieve\n",
            )],
            expect: &[(
                "operation-reactivated",
                I,
                "/paths/~1v1~1orgs~1{orgId}/get/deprecated",
            )],
        },
        Case {
            name: "pagination added",
            base: &[(PAGINATION, "")],
            head: &[(
                "      parameters:\n        - name: cursor\n",
                concat!(
                    "      ",
                    extension_name!(pagination),
                    ":\n        style: cursor\n        requestCursorParam: cursor\n        itemsField: organizations\n        nextCursorField: cursor\n        hasMoreField: hasMore\n      parameters:\n        - name: cursor\n"
                ),
            )],
            expect: &[(
                "pagination-added",
                N,
                concat!("/paths/~1v1~1orgs/get/", extension_name!(pagination)),
            )],
        },
        Case {
            name: "query parameter became optional",
            base: &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          required: true",
            )],
            head: &[(
                "        - name: limit\n          in: query\n          required: true",
                LIMIT_PARAM,
            )],
            expect: &[(
                "request-parameter-became-optional",
                N,
                "/paths/~1v1~1orgs/get/parameters/1/required",
            )],
        },
        Case {
            name: "query parameter deprecated",
            base: &[],
            head: &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          deprecated: true\n          required: false",
            )],
            expect: &[(
                "request-parameter-deprecation-changed",
                I,
                "/paths/~1v1~1orgs/get/parameters/1/deprecated",
            )],
        },
        Case {
            name: "request body removed",
            base: &[],
            head: &[(CREATE_BODY, "")],
            expect: &[(
                "request-body-removed",
                B,
                "/paths/~1v1~1orgs/post/requestBody",
            )],
        },
        Case {
            name: "new required request body",
            base: &[(CREATE_BODY, "")],
            head: &[(
                "      responses:\n        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n      responses:\n        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
            )],
            expect: &[(
                "new-required-request-body",
                B,
                "/paths/~1v1~1orgs/post/requestBody",
            )],
        },
        Case {
            name: "new optional request body",
            base: &[(CREATE_BODY, "")],
            head: &[(
                "      responses:\n        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "      requestBody:\n        content:\n          application/json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n      responses:\n        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
            )],
            expect: &[(
                "new-optional-request-body",
                N,
                "/paths/~1v1~1orgs/post/requestBody",
            )],
        },
        Case {
            name: "request body became required",
            base: &[(
                "      requestBody:\n        required: true\n",
                "      requestBody:\n        required: false\n",
            )],
            head: &[(
                "      requestBody:\n        required: false\n",
                "      requestBody:\n        required: true\n",
            )],
            expect: &[(
                "request-body-became-required",
                B,
                "/paths/~1v1~1orgs/post/requestBody/required",
            )],
        },
        Case {
            name: "request media type replaced",
            base: &[],
            head: &[(
                "        content:\n          application/json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n",
                "        content:\n          application/merge-patch+json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n",
            )],
            expect: &[
                (
                    "request-body-media-type-removed",
                    B,
                    "/paths/~1v1~1orgs/post/requestBody/content/application~1json",
                ),
                (
                    "request-body-media-type-added",
                    N,
                    "/paths/~1v1~1orgs/post/requestBody/content/application~1merge-patch+json",
                ),
            ],
        },
        Case {
            name: "request media type loses its schema",
            base: &[],
            head: &[(
                "          application/json:\n            schema:\n              $ref: \"#/components/schemas/OrgCreateParams\"\n            example:\n",
                "          application/json:\n            example:\n",
            )],
            expect: &[(
                "request-schema-changed",
                B,
                "/paths/~1v1~1orgs/post/requestBody/content/application~1json/schema",
            )],
        },
        Case {
            name: "success status code added",
            base: &[(
                "        \"201\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "",
            )],
            head: &[(
                "        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
                "        \"200\":\n          $ref: \"#/components/responses/OrgCreated\"\n        \"201\":\n          $ref: \"#/components/responses/OrgCreated\"\n",
            )],
            expect: &[(
                "response-success-status-added",
                B,
                "/paths/~1v1~1orgs/post/responses/201",
            )],
        },
        Case {
            name: "error status replaced",
            base: &[],
            head: &[(
                RETRIEVE_5XX,
                "        \"503\":\n          $ref: \"#/components/responses/Error\"\ncomponents:",
            )],
            expect: &[
                (
                    "response-non-success-status-removed",
                    N,
                    "/paths/~1v1~1orgs~1{orgId}/get/responses/5XX",
                ),
                (
                    "response-non-success-status-added",
                    N,
                    "/paths/~1v1~1orgs~1{orgId}/get/responses/503",
                ),
            ],
        },
        Case {
            name: "response header became required",
            base: &[
                (ORG_RESPONSE, ORG_RESPONSE_HEADER),
                (
                    "          required: true\n          schema:\n            type: string\n            minLength: 8\n",
                    "          schema:\n            type: string\n            minLength: 8\n",
                ),
            ],
            head: &[(
                "          schema:\n            type: string\n            minLength: 8\n",
                "          required: true\n          schema:\n            type: string\n            minLength: 8\n",
            )],
            expect: &[(
                "response-header-became-required",
                N,
                "/components/responses/Org/headers/X-Request-Id/required",
            )],
        },
        Case {
            name: "security added to an open operation",
            base: &[(RETRIEVE_SECURITY, OPEN_RETRIEVE)],
            head: &[(OPEN_RETRIEVE, RETRIEVE_SECURITY)],
            expect: &[(
                "security-added",
                B,
                "/paths/~1v1~1orgs~1{orgId}/get/security",
            )],
        },
        Case {
            name: "security removed from an operation",
            base: &[],
            head: &[(RETRIEVE_SECURITY, OPEN_RETRIEVE)],
            expect: &[(
                "security-removed",
                N,
                "/paths/~1v1~1orgs~1{orgId}/get/security",
            )],
        },
        // ---- schemas -------------------------------------------------------
        Case {
            name: "request property became required",
            base: &[],
            head: &[(
                CREATE_PARAMS_PROPS,
                "      required: [orgName, metadata]\n      additionalProperties: false\n      properties:\n",
            )],
            expect: &[(
                "request-property-became-required",
                B,
                "/components/schemas/OrgCreateParams/properties/metadata",
            )],
        },
        Case {
            name: "response property became required",
            base: &[],
            head: &[(
                "        - userCount\n      example:",
                "        - userCount\n        - metadata\n      example:",
            )],
            expect: &[(
                "response-property-became-required",
                N,
                "/components/schemas/Org/properties/metadata",
            )],
        },
        Case {
            name: "pattern added to a request parameter",
            base: &[],
            head: &[(
                CURSOR_SCHEMA,
                "          description: Base64 encoded cursor from previous response\n          schema:\n            type: string\n            pattern: \"^[A-Za-z0-9+/=]+$\"\n",
            )],
            expect: &[(
                "request-pattern-added",
                B,
                "/paths/~1v1~1orgs/get/parameters/0/schema/pattern",
            )],
        },
        Case {
            name: "request parameter restricted to an enum",
            base: &[],
            head: &[(CURSOR_SCHEMA, CURSOR_ENUM)],
            expect: &[(
                "request-enum-added",
                B,
                "/paths/~1v1~1orgs/get/parameters/0/schema/enum",
            )],
        },
        Case {
            name: "response enum restriction removed",
            base: &[(ORG_IS_ACTIVE, ORG_STATUS)],
            head: &[("          enum: [active, suspended]\n", "")],
            expect: &[(
                "response-enum-removed",
                B,
                "/components/schemas/Org/properties/status/enum",
            )],
        },
        Case {
            name: "request default changed",
            base: &[],
            head: &[(
                LIMIT_BOUNDS,
                "            minimum: 1\n            maximum: 100\n            default: 20\n",
            )],
            expect: &[(
                "request-default-changed",
                B,
                "/paths/~1v1~1orgs/get/parameters/1/schema/default",
            )],
        },
        Case {
            name: "response default changed",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        isActive:\n          type: boolean\n          default: true\n",
            )],
            expect: &[(
                "response-default-changed",
                I,
                "/components/schemas/Org/properties/isActive/default",
            )],
        },
        Case {
            name: "response schema closed (additionalProperties false added)",
            base: &[],
            head: &[(
                ORG_REQUIRED,
                "      additionalProperties: false\n      required:\n        - createdAt\n",
            )],
            expect: &[(
                "response-additional-properties-restricted",
                N,
                "/components/schemas/Org/additionalProperties",
            )],
        },
        Case {
            name: "array items removed",
            base: &[],
            head: &[(
                "          items:\n            $ref: \"#/components/schemas/Org\"\n",
                "",
            )],
            expect: &[(
                "response-items-changed",
                B,
                "/components/schemas/OrgListPage/properties/organizations/items",
            )],
        },
        Case {
            name: "oneOf alternative added to a response",
            base: &[(ORG_CONTACT_LINES, ORG_ONE_OF)],
            head: &[(
                "            - type: integer\n",
                "            - type: integer\n            - type: boolean\n",
            )],
            expect: &[(
                "response-one-of-alternative-added",
                B,
                "/components/schemas/Org/properties/owner/oneOf/2",
            )],
        },
        Case {
            name: "anyOf alternatives added and removed in a request",
            base: &[(
                CURSOR_SCHEMA,
                "          description: Base64 encoded cursor from previous response\n          schema:\n            anyOf:\n              - type: string\n              - type: integer\n",
            )],
            head: &[(
                "              - type: string\n              - type: integer\n",
                "              - type: string\n              - type: boolean\n              - type: number\n",
            )],
            expect: &[
                (
                    "request-any-of-alternative-removed",
                    B,
                    "/paths/~1v1~1orgs/get/parameters/0/schema/anyOf/1",
                ),
                (
                    "request-any-of-alternative-added",
                    N,
                    "/paths/~1v1~1orgs/get/parameters/0/schema/anyOf/1",
                ),
                (
                    "request-any-of-alternative-added",
                    N,
                    "/paths/~1v1~1orgs/get/parameters/0/schema/anyOf/2",
                ),
            ],
        },
        Case {
            name: "request property made writeOnly",
            base: &[],
            head: &[(
                "        orgName:\n          $ref: \"#/components/schemas/OrgName\"\n        metadata:\n          description: |\n            Custom key-value metadata for the organization. Maximum 50 pairs.\n",
                "        orgName:\n          $ref: \"#/components/schemas/OrgName\"\n          writeOnly: true\n        metadata:\n          description: |\n            Custom key-value metadata for the organization. Maximum 50 pairs.\n",
            )],
            expect: &[(
                "request-write-only-changed",
                N,
                "/components/schemas/OrgCreateParams/properties/orgName/writeOnly",
            )],
        },
        Case {
            name: "other schema keyword edited",
            base: &[],
            head: &[(
                ORG_IS_ACTIVE,
                "        isActive:\n          type: boolean\n          not:\n            enum: [false]\n",
            )],
            expect: &[(
                "response-schema-keyword-changed",
                N,
                "/components/schemas/Org/properties/isActive/not",
            )],
        },
        Case {
            name: "info version edited",
            base: &[],
            head: &[("  version: \"1.0.0\"\n", "  version: \"1.1.0\"\n")],
            expect: &[("info-changed", I, "/info/version")],
        },
    ]
}

#[test]
fn mutation_table_is_classified_exactly() {
    let cases = cases();
    assert!(
        cases.len() >= 60,
        "the table needs a mutation per rule family"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let found = changes(case.base, case.head, case.name);
        let found_set: BTreeSet<(String, Level, String)> = found
            .iter()
            .map(|c| (c.rule.clone(), c.level, c.pointer.clone()))
            .collect();
        let expected: BTreeSet<(String, Level, String)> = case
            .expect
            .iter()
            .map(|(rule, level, pointer)| (rule.to_string(), *level, pointer.to_string()))
            .collect();
        if found_set != expected {
            let show = |set: &BTreeSet<(String, Level, String)>| {
                set.iter()
                    .map(|(r, l, p)| format!("    ({r:?}, {}, {p:?})", l.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            failures.push(format!(
                "{}:\n  missing:\n{}\n  unexpected:\n{}",
                case.name,
                show(&expected.difference(&found_set).cloned().collect()),
                show(&found_set.difference(&expected).cloned().collect()),
            ));
        }
        // Every change is a rule of the table, at the table's level.
        for change in &found {
            match spec_diff::rules::find(&change.rule) {
                Some(rule) if rule.level == change.level => {}
                Some(rule) => failures.push(format!(
                    "{}: `{}` reported at {} but listed at {}",
                    case.name,
                    change.rule,
                    change.level.as_str(),
                    rule.level.as_str()
                )),
                None => failures.push(format!(
                    "{}: `{}` is missing from the rule table",
                    case.name, change.rule
                )),
            }
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
    let report = Report::build(&load("old.yaml", base), &load("new.yaml", new_text));
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    report
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
    assert!(
        stderr(&usage).contains("invalid value 'xml' for '--format"),
        "{}",
        stderr(&usage)
    );

    let one_file = xtask(&["spec-diff", &old]);
    assert_eq!(one_file.status.code(), Some(2));
}

/// A head that passes the spec checks but does not generate still gets the
/// whole spec-level report; the Rust view says why it is missing, and only
/// `--fail-on rust-breaking` fails on it.
#[test]
fn head_that_does_not_generate_still_reports() {
    let base = real_spec();
    // The SDK layer needs `servers[0]`; the spec checks alone do not.
    let no_servers = mutate(
        &base,
        &[
            (
                "servers:\n  - url: https://api.avarasoftware.com\n    description: Production\n",
                "",
            ),
            ("            maximum: 100\n", "            maximum: 50\n"),
        ],
        "servers",
    );
    let files = Files::new(&base, &no_servers);
    let (old, new) = (files.path("old.yaml"), files.path("new.yaml"));
    let output = xtask(&["spec-diff", &old, &new]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with("spec-diff: 2 breaking, 0 non-breaking, 0 informational\n"),
        "{text}"
    );
    assert!(text.contains("server-removed"), "{text}");
    assert!(text.contains("request-maximum-decreased"), "{text}");
    assert!(
        text.contains(
            "Rust API of the generated client: not compared\n  the head does not generate: "
        ),
        "{text}"
    );
    assert!(text.contains("servers"), "{text}");

    let gated = xtask(&["spec-diff", "--fail-on", "rust-breaking", &old, &new]);
    assert_eq!(gated.status.code(), Some(1), "{}", stdout(&gated));
    let json = xtask(&["spec-diff", "--format", "json", &old, &new]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["rust"]["compared"], false);
    assert_eq!(value["problems"][0]["side"], "head");
}

/// The issue's cases: a head that fails the spec checks (here: a required
/// parameter without an example, an operation without a tag) is still
/// diffed at the spec level, with the located check error in the report.
#[test]
fn head_that_fails_the_spec_checks_still_reports() {
    let base = real_spec();
    let untagged = mutate(
        &base,
        &[
            (
                "      tags: [orgs]\n      operationId: orgs_list",
                "      operationId: orgs_list",
            ),
            (
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          required: true",
            ),
        ],
        "untagged",
    );
    let files = Files::new(&base, &untagged);
    let output = xtask(&[
        "spec-diff",
        &files.path("old.yaml"),
        &files.path("new.yaml"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("request-parameter-became-required"), "{text}");
    let problem = text
        .lines()
        .find(|l| l.contains("the head does not pass the spec checks"))
        .unwrap_or_else(|| panic!("no located check error: {text}"));
    assert!(problem.contains("new.yaml:"), "{problem}");
    assert!(problem.contains("(at /paths/~1v1~1orgs/get)"), "{problem}");
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
    let tree_text = std::fs::read_to_string(root.join(SPEC)).unwrap();
    if head_text == tree_text {
        assert!(
            text.starts_with("spec-diff: 0 breaking, 0 non-breaking, 0 informational\n"),
            "{text}"
        );
    } else {
        // Someone is editing the spec: the task must agree with the library.
        let expected = spec_diff::diff_specs(&load("HEAD", head_text), &load("tree", tree_text));
        let report = Report {
            base: String::new(),
            head: String::new(),
            changes: expected,
            rust: Default::default(),
            problems: Vec::new(),
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

/// A change that keeps the wire but breaks the crate (a property re-pointed
/// to a different, identical component): `--fail-on breaking` passes,
/// `--fail-on rust-breaking` fails and names the changed item.
#[test]
fn fail_on_rust_breaking_sees_what_the_wire_does_not() {
    let base = real_spec();
    let repointed = mutate(
        &base,
        &[
            (
                "        orgName:\n          $ref: \"#/components/schemas/OrgName\"\n        updatedAt:",
                "        orgName:\n          $ref: \"#/components/schemas/OrgTitle\"\n        updatedAt:",
            ),
            (
                "    MetadataValue:\n",
                "    OrgTitle:\n      type: string\n      minLength: 1\n    MetadataValue:\n",
            ),
        ],
        "repointed",
    );
    let files = Files::new(&base, &repointed);
    let (old, new) = (files.path("old.yaml"), files.path("new.yaml"));
    let wire = xtask(&["spec-diff", "--fail-on", "breaking", &old, &new]);
    assert_eq!(wire.status.code(), Some(0), "{}", stdout(&wire));
    let rust = xtask(&[
        "spec-diff",
        "--fail-on",
        "breaking",
        "--fail-on",
        "rust-breaking",
        &old,
        &new,
    ]);
    assert_eq!(rust.status.code(), Some(1), "{}", stdout(&rust));
    let text = stdout(&rust);
    assert!(text.contains("~ types::Org.org_name"), "{text}");
    assert!(
        stderr(&rust).contains("--fail-on rust-breaking met"),
        "{}",
        stderr(&rust)
    );
}

#[test]
fn rules_flag_prints_every_rule() {
    let output = xtask(&["spec-diff", "--rules"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    for rule in spec_diff::rules::rules() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(rule.id.as_str()))
            .unwrap_or_else(|| panic!("`{}` is not printed", rule.id));
        assert!(line.contains(rule.level.as_str()), "{line}");
    }
    assert!(text.contains("why: "), "reasons are printed");
}

const SAMPLE_BEGIN: &str = "<!-- spec-diff sample: begin -->\n";
const SAMPLE_END: &str = "<!-- spec-diff sample: end -->";

/// The README's sample report is the output of the command it shows, run on
/// the two committed fixtures. `XTASK_BLESS=1` rewrites the block.
#[test]
fn readme_sample_report_is_current() {
    let root = manifest_root();
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme
        .find(SAMPLE_BEGIN)
        .expect("README has the sample markers")
        + SAMPLE_BEGIN.len();
    let end = start
        + readme[start..]
            .find(SAMPLE_END)
            .expect("README has the end marker");
    let block = &readme[start..end];
    let command = block
        .lines()
        .find_map(|l| l.strip_prefix("$ cargo xtask "))
        .expect("the block starts with the command it shows");
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args[0], "spec-diff", "{command}");
    assert!(
        args[1..]
            .iter()
            .all(|a| a.starts_with("--") || a.starts_with("xtask/tests/fixtures/")),
        "the sample reads committed fixtures only: {command}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(&args)
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let expected = format!("```text\n$ cargo xtask {command}\n{}```\n", stdout(&output));
    if block != expected {
        if std::env::var_os("XTASK_BLESS").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(&readme_path, updated).unwrap();
        } else {
            panic!(
                "the README's spec-diff sample is stale; run `XTASK_BLESS=1 cargo test -p xtask --test spec_diff readme` and commit.\n--- README\n{block}\n--- expected\n{expected}"
            );
        }
    }
}

/// The issue's three cases that used to end in "spec-diff: no report": each
/// head passes the spec checks but does not generate (a required input
/// without an example). The report lists the spec change, and the Rust view
/// names the located generator error.
#[test]
fn the_issues_generation_stopping_changes_generate_and_are_reported() {
    // These three changes once stopped code generation (no `example` for a
    // required input), so spec-diff reported nothing. Doc examples now
    // synthesize such values: each is reported, both sides generate. A head
    // that really does not generate is covered by the no-servers test.
    type Mutation = (&'static str, Edits, &'static str);
    let cases: [Mutation; 3] = [
        (
            "limit made required",
            &[(
                LIMIT_PARAM,
                "        - name: limit\n          in: query\n          required: true",
            )],
            "request-parameter-became-required",
        ),
        (
            "new required query parameter",
            &[(
                LIMIT_PARAM,
                "        - name: region\n          in: query\n          required: true\n          schema:\n            type: string\n        - name: limit\n          in: query\n          required: false",
            )],
            "new-required-request-parameter",
        ),
        (
            "metadata made required",
            &[(
                "      required: [orgName]\n      additionalProperties: false\n",
                "      required: [orgName, metadata]\n      additionalProperties: false\n",
            )],
            "request-property-became-required",
        ),
    ];
    for (name, edits, rule) in cases {
        let base = real_spec();
        let head = mutate(&base, edits, name);
        let report = Report::build(&load("old.yaml", base), &load("new.yaml", head));
        assert!(
            report.changes.iter().any(|c| c.rule == rule),
            "{name}: {:?}",
            report.changes
        );
        // No problem: both sides generated, so the Rust view was computed.
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
        assert!(report.to_text().contains(rule));
    }
}

/// Which rules of the table the mutation table exercises. Every rule that
/// does not depend on the direction has a case; direction-dependent families
/// have a case in at least one direction.
#[test]
fn the_mutation_table_covers_the_rule_table() {
    let mut seen = BTreeSet::new();
    for case in cases() {
        for (rule, _, _) in case.expect {
            seen.insert(rule.to_string());
        }
    }
    for case in bound_cases() {
        seen.insert(case.rule);
    }
    let family = |id: &str| {
        id.strip_prefix("request-")
            .or_else(|| id.strip_prefix("response-"))
            .unwrap_or(id)
            .to_string()
    };
    let seen_families: BTreeSet<String> = seen.iter().map(|r| family(r)).collect();
    let uncovered: Vec<String> = spec_diff::rules::rules()
        .into_iter()
        .map(|r| r.id)
        .filter(|id| !seen.contains(id) && !seen_families.contains(&family(id)))
        .collect();
    assert!(
        uncovered.is_empty(),
        "rules without a mutation case: {uncovered:#?}"
    );
}

/// A generated mutation of one bound or flag in one direction.
struct BoundCase {
    base: String,
    head: String,
    rule: String,
    level: Level,
    pointer: String,
}

/// Every bound keyword, flag and `multipleOf`, each change, in a request (the
/// `cursor` query parameter) and a response (`OrgListPage.cursor`). The
/// expected level is restated here: narrowing breaks requests, widening
/// breaks responses.
fn bound_cases() -> Vec<BoundCase> {
    const REQUEST_AT: &str = "          schema:\n            type: string\n";
    const RESPONSE_AT: &str = "        cursor:\n          type: string\n          nullable: true\n";
    // (keyword, rule name, is a lower bound)
    let bounds = [
        ("minimum", "minimum", true),
        ("maximum", "maximum", false),
        ("minLength", "min-length", true),
        ("maxLength", "max-length", false),
        ("minItems", "min-items", true),
        ("maxItems", "max-items", false),
        ("minProperties", "min-properties", true),
        ("maxProperties", "max-properties", false),
        (
            concat!(extension_name!(max_key_length)),
            concat!(extension_name!(max_key_length)),
            false,
        ),
    ];
    // (change, old value, new value, narrows for a lower bound, for an upper)
    let numeric = [
        ("added", None, Some("5"), true, true),
        ("removed", Some("5"), None, false, false),
        ("increased", Some("5"), Some("10"), true, false),
        ("decreased", Some("10"), Some("5"), false, true),
    ];
    // (keyword, rule without its direction, old value, new value, narrows)
    type BoundEdit = (
        String,
        String,
        Option<&'static str>,
        Option<&'static str>,
        bool,
    );
    let mut edits: Vec<BoundEdit> = Vec::new();
    for (keyword, rule, lower) in bounds {
        for (change, old, new, narrows_lower, narrows_upper) in numeric {
            let narrows = if lower { narrows_lower } else { narrows_upper };
            edits.push((
                keyword.to_string(),
                format!("{rule}-{change}"),
                old,
                new,
                narrows,
            ));
        }
    }
    for (keyword, rule) in [
        ("exclusiveMinimum", "exclusive-minimum"),
        ("exclusiveMaximum", "exclusive-maximum"),
        ("uniqueItems", "unique-items"),
    ] {
        edits.push((
            keyword.into(),
            format!("{rule}-set"),
            None,
            Some("true"),
            true,
        ));
        edits.push((
            keyword.into(),
            format!("{rule}-unset"),
            Some("true"),
            None,
            false,
        ));
    }
    edits.push((
        "multipleOf".into(),
        "multiple-of-restricted".into(),
        Some("2"),
        Some("4"),
        true,
    ));
    edits.push((
        "multipleOf".into(),
        "multiple-of-relaxed".into(),
        Some("4"),
        Some("2"),
        false,
    ));

    let fixture = real_spec();
    let mut out = Vec::new();
    for (keyword, rule, old, new, narrows) in edits {
        for (dir, at, indent, pointer) in [
            (
                "request",
                REQUEST_AT,
                "            ",
                "/paths/~1v1~1orgs/get/parameters/0/schema",
            ),
            (
                "response",
                RESPONSE_AT,
                "          ",
                "/components/schemas/OrgListPage/properties/cursor",
            ),
        ] {
            assert!(fixture.contains(at), "{at:?} is not in the fixture");
            let with = |value: Option<&str>| match value {
                Some(v) => fixture.replacen(at, &format!("{at}{indent}{keyword}: {v}\n"), 1),
                None => fixture.clone(),
            };
            let breaks = (dir == "request") == narrows;
            out.push(BoundCase {
                base: with(old),
                head: with(new),
                rule: format!("{dir}-{rule}"),
                level: if breaks {
                    Level::Breaking
                } else {
                    Level::NonBreaking
                },
                pointer: format!("{pointer}/{keyword}"),
            });
        }
    }
    out
}

#[test]
fn every_bound_and_flag_is_classified_in_both_directions() {
    let cases = bound_cases();
    assert_eq!(cases.len(), (9 * 4 + 3 * 2 + 2) * 2);
    let mut failures = Vec::new();
    for case in &cases {
        let found = spec_diff::diff_specs(
            &load("old.yaml", case.base.clone()),
            &load("new.yaml", case.head.clone()),
        );
        let found: Vec<(String, Level, String)> = found
            .into_iter()
            .map(|c| (c.rule, c.level, c.pointer))
            .collect();
        let expected = vec![(case.rule.clone(), case.level, case.pointer.clone())];
        if found != expected {
            failures.push(format!(
                "{}: expected {expected:?}, found {found:?}",
                case.rule
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
