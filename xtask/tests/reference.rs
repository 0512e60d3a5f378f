//! `cargo xtask reference`: the parser of both views, the check of the spec
//! against the pages (on today's pages and on altered copies, each error
//! asserted exactly), the JSON-example validator, and `--draft` (a fragment
//! that generates the same client as today's spec).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use xtask::codegen::{self, SPEC};
use xtask::extension_name;
use xtask::reference::check::{self, Finding};
use xtask::reference::page::{self, PageError, PageType, Section, View};
use xtask::reference::{self as reference, draft, validate};
use xtask::spec::{self, LoadedSpec, locate_pointer};

fn root() -> PathBuf {
    xtask::workspace_root()
}

fn real_spec() -> LoadedSpec {
    spec::load(&root().join(SPEC)).expect("the real spec loads")
}

const PAGES: [&str; 4] = [
    "orgs-create.python.txt",
    "orgs-list.http.txt",
    "orgs-list.python.txt",
    "orgs-retrieve.http.txt",
];

fn page_path(name: &str) -> PathBuf {
    Path::new(reference::PAGES_DIR).join(name)
}

fn page_text(name: &str) -> String {
    std::fs::read_to_string(root().join(page_path(name))).unwrap()
}

fn parse(name: &str, text: &str) -> Result<page::Page, PageError> {
    page::parse(&page_path(name), text)
}

/// The page with its 1-based `line` replaced by `new` (which may span lines).
fn with_line(text: &str, line: usize, old: &str, new: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[line - 1], old, "line {line} of the page changed");
    lines[line - 1] = new;
    lines.join("\n")
}

/// The errors of checking the real spec against one (altered) page, as
/// (page line, spec pointer, message); each error's spec line is the one
/// `locate_pointer` finds for its pointer.
fn errors_of(name: &str, text: &str) -> Vec<(usize, String, String)> {
    let spec = real_spec();
    let page = parse(name, text).expect("the altered page parses");
    let report = reference::check_parsed(&spec, &[page], false);
    report
        .errors
        .iter()
        .map(
            |Finding {
                 page,
                 page_line,
                 pointer,
                 spec_line,
                 message,
                 page_column,
                 source,
             }| {
                assert_eq!(page, &page_path(name));
                assert_eq!((page_column, source), (&None, &None));
                assert_eq!(
                    *spec_line,
                    locate_pointer(&spec.text, pointer).map(|(l, _)| l)
                );
                (*page_line, pointer.clone(), message.clone())
            },
        )
        .collect()
}

fn error(line: usize, pointer: &str, message: &str) -> (usize, String, String) {
    (line, pointer.to_string(), message.to_string())
}

#[test]
fn todays_spec_agrees_with_every_page_and_every_note_is_exercised() {
    let spec = real_spec();
    let pages: Vec<PathBuf> = PAGES.iter().map(|p| root().join(page_path(p))).collect();
    assert_eq!(reference::default_pages(&root()).unwrap(), pages);
    let report = reference::check(&spec, &pages, &root(), true).unwrap();
    let rendered = report.render(&spec, &root());
    assert!(report.errors.is_empty(), "{rendered}");

    // Every note about the pages (`page:`) matched a disagreement on some
    // page, and every accepted disagreement came from such a note; the
    // `sdk:` notes are the SDK facts check's.
    let (notes, malformed) = check::all_notes(&spec);
    assert!(malformed.is_empty(), "{malformed:?}");
    let mut exercised: Vec<&str> = report
        .accepted
        .iter()
        .map(|a| a.note.pointer.as_str())
        .collect();
    exercised.sort();
    exercised.dedup();
    let mut all: Vec<&str> = notes
        .iter()
        .filter(|n| n.page.is_some())
        .map(|n| n.pointer.as_str())
        .collect();
    all.sort();
    assert_eq!(exercised, all);

    // Content: the number-to-integer decision on `limit`, with its reason.
    let limit = report
        .accepted
        .iter()
        .find(|a| a.subject == "`limit` (query parameter)" && a.note.aspect == "type")
        .expect("the limit type deviation is accepted");
    assert_eq!(limit.note.page, Some(Value::from("number")));
    assert_eq!(limit.note.sdk, None);
    assert_eq!(limit.note.spec, Value::from("integer"));
    assert!(
        limit.note.reason.contains("integral"),
        "{}",
        limit.note.reason
    );
    assert!(
        rendered.contains("`limit` (query parameter): type: page number, spec integer"),
        "{rendered}"
    );
    assert!(
        rendered.contains("reason: Both views of the reference type this as a number"),
        "{rendered}"
    );

    // Only the spec has the error responses (the `Error` schema) and the 201.
    let info: Vec<&str> = report.info.iter().map(|i| i.pointer.as_str()).collect();
    assert!(
        info.contains(&"/paths/~1v1~1orgs/post/responses/201"),
        "{info:?}"
    );
    assert!(
        info.contains(&"/paths/~1v1~1orgs~1{orgId}/get/responses/4XX"),
        "{info:?}"
    );
    assert!(rendered.contains("(schema `Error`)"), "{rendered}");
}

/// The errors of checking an altered copy of the spec against every page.
fn spec_errors(old: &str, new: &str) -> Vec<(usize, String, String)> {
    let real = real_spec();
    assert_eq!(
        real.text.matches(old).count(),
        1,
        "`{old}` once in the spec"
    );
    let spec = spec::parse(&real.path, real.text.replacen(old, new, 1)).unwrap();
    let pages = reference::default_pages(&root()).unwrap();
    let report = reference::check(&spec, &pages, &root(), true).unwrap();
    report
        .errors
        .iter()
        .map(|f| (f.page_line, f.pointer.clone(), f.message.clone()))
        .collect()
}

#[test]
fn a_note_that_no_page_needs_or_that_is_malformed_is_an_error() {
    // `limit` becomes a number as the pages say: its type note is stale.
    let pointer = concat!(
        "/paths/~1v1~1orgs/get/parameters/1/schema/",
        extension_name!(reference),
        "/type"
    );
    let spec_line = locate_pointer(&real_spec().text, pointer).unwrap().0;
    assert_eq!(
        spec_errors(
            "Number of results to return (1-100).\n          # The reference documents no default, so none is given here.\n          schema:\n            type: integer\n",
            "Number of results to return (1-100).\n          # The reference documents no default, so none is given here.\n          schema:\n            type: number\n",
        ),
        vec![(
            spec_line,
            pointer.to_string(),
            concat!("the ", extension_name!(reference), " note on `type` (page number, spec integer) matches no disagreement on any page; remove it or correct it").to_string()
        )]
    );

    // A note without its reason.
    let pointer = concat!(
        "/components/schemas/MetadataValue/",
        extension_name!(reference),
        "/maxLength"
    );
    let errors = spec_errors(
        concat!(
            "      ",
            extension_name!(reference),
            ":\n        maxLength:\n          page: null\n          spec: 1000\n          reason: >-\n            Stated in the description of the returned organization's metadata\n            (\"values up to 1000 chars\"), not as a constraint line.\n"
        ),
        concat!(
            "      ",
            extension_name!(reference),
            ":\n        maxLength:\n          page: null\n          spec: 1000\n"
        ),
    );
    assert_eq!(errors[0].1, pointer);
    assert_eq!(
        errors[0].2,
        concat!(
            "`",
            extension_name!(reference),
            ".maxLength` needs a `reason`"
        )
    );
    // Without a valid note, the disagreement it covered is an error again.
    assert!(
        errors.iter().any(|(line, p, m)| *line == 29
            && p == "/components/schemas/MetadataValue/maxLength"
            && m == "the values of `metadata` (returned field): maxLength: the page says nothing, the spec says `1000`"),
        "{errors:#?}"
    );
}

#[test]
fn the_http_view_parses_into_facts() {
    let page = parse("orgs-list.http.txt", &page_text("orgs-list.http.txt")).unwrap();
    assert_eq!(page.view, View::Http);
    assert_eq!(page.title.value, "List organizations with pagination");
    let method = page.method.as_ref().unwrap();
    assert_eq!((method.line, method.value.as_str()), (6, "get"));
    assert_eq!(page.path.value, "/v1/orgs");
    let params: Vec<(Section, &str, usize, bool, PageType)> = page
        .params
        .iter()
        .map(|(s, f)| (*s, f.name.as_str(), f.line, f.optional, f.ty.clone()))
        .collect();
    assert_eq!(
        params,
        vec![
            (Section::Query, "cursor", 11, true, PageType::String),
            (Section::Query, "limit", 15, true, PageType::Number),
        ]
    );
    let limit = &page.params[1].1;
    assert_eq!(limit.description, "Number of results to return (1-100)");
    let bounds: Vec<(usize, &str, Value)> = limit
        .constraints
        .iter()
        .map(|c| (c.line, c.keyword.as_str(), c.value.clone()))
        .collect();
    assert_eq!(
        bounds,
        vec![
            (19, "minimum", Value::from(1)),
            (20, "maximum", Value::from(100))
        ]
    );

    let returned: Vec<&str> = page
        .returns
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(returned, ["hasMore", "organizations", "cursor"]);
    let organizations = &page.returns.fields[1];
    assert_eq!(
        organizations.ty,
        PageType::Array(Box::new(PageType::Object))
    );
    assert_eq!(organizations.children.len(), 9);
    let created = &organizations.children[0];
    assert_eq!(
        (created.name.as_str(), created.optional),
        ("createdAt", false)
    );
    assert_eq!(created.format(), Some((28, "date-time".to_string())));
    let metadata = &organizations.children[8];
    assert_eq!(metadata.ty, PageType::Map(Box::new(PageType::String)));
    assert!(metadata.optional);

    let lines: Vec<usize> = page.json_examples.iter().map(|e| e.line).collect();
    assert_eq!(lines, [69, 90]);
    assert_eq!(
        page.json_examples[0].value["organizations"][0]["userCount"],
        15
    );
    assert!(matches!(
        &page.request_example,
        Some(page::RequestExample::Curl { line: 67, method, explicit_method: false, .. }) if method == "get"
    ));

    // The retrieve page shows the path without a method.
    let retrieve = parse(
        "orgs-retrieve.http.txt",
        &page_text("orgs-retrieve.http.txt"),
    )
    .unwrap();
    assert_eq!(retrieve.method, None);
    assert_eq!(
        (retrieve.path.line, retrieve.path.value.as_str()),
        (2, "/v1/orgs/{orgId}")
    );
    assert_eq!(retrieve.params[0].0, Section::Path);
}

#[test]
fn the_python_view_parses_into_facts() {
    let page = parse(
        "orgs-create.python.txt",
        &page_text("orgs-create.python.txt"),
    )
    .unwrap();
    assert_eq!(page.view, View::Python);
    let signature = page.signature.as_ref().unwrap();
    assert_eq!(
        (
            signature.resource.as_str(),
            signature.method.as_str(),
            signature.params_class.as_deref(),
            signature.returns_class.as_str()
        ),
        (
            "orgs",
            "create",
            Some("OrgCreateParams"),
            "OrgCreateResponse"
        )
    );
    assert_eq!(signature.cursor_page, None);
    let params: Vec<(Section, &str, &str, bool)> = page
        .params
        .iter()
        .map(|(s, f)| (*s, f.name.as_str(), f.wire_name.as_str(), f.optional))
        .collect();
    assert_eq!(
        params,
        vec![
            (Section::Parameters, "org_name", "orgName", false),
            (Section::Parameters, "metadata", "metadata", true),
        ]
    );
    let created = &page.returns.fields[0];
    assert_eq!(
        (created.wire_name.as_str(), created.optional, &created.ty),
        ("createdAt", true, &PageType::String)
    );
    assert_eq!(created.format(), Some((30, "date-time".to_string())));
    let user_count = page
        .returns
        .fields
        .iter()
        .find(|f| f.name == "user_count")
        .unwrap();
    assert_eq!(user_count.ty, PageType::Integer);
    match &page.request_example {
        Some(page::RequestExample::Python {
            line,
            resource,
            method,
            kwargs,
        }) => {
            assert_eq!(
                (*line, resource.as_str(), method.as_str()),
                (74, "orgs", "create")
            );
            assert_eq!(kwargs.len(), 1);
            assert_eq!(
                (kwargs[0].line, kwargs[0].wire_name.as_str()),
                (75, "orgName")
            );
            assert_eq!(
                kwargs[0].value,
                Value::from("City Medical Center - Radiology Department")
            );
        }
        other => panic!("expected a Python call example, got {other:?}"),
    }

    let list = parse("orgs-list.python.txt", &page_text("orgs-list.python.txt")).unwrap();
    let signature = list.signature.unwrap();
    assert_eq!(
        signature.cursor_page,
        Some((
            "SyncCursorOrganizations".to_string(),
            "organizations".to_string()
        ))
    );
    assert_eq!(list.params[1].1.ty, PageType::Number, "`float` is a number");
}

#[test]
fn a_field_added_to_a_page_is_an_error_at_its_line() {
    let text = with_line(
        &page_text("orgs-retrieve.http.txt"),
        23,
        "minimum0",
        "minimum0\narchivedAt: optional string\nWhen the organization was archived\nformatdate-time",
    );
    assert_eq!(
        errors_of("orgs-retrieve.http.txt", &text),
        vec![error(
            24,
            "/components/schemas/Org/properties",
            "returned field `archivedAt`: the spec's response schema has no property `archivedAt`"
        )]
    );

    // A query parameter the spec lacks.
    let text = with_line(
        &page_text("orgs-list.http.txt"),
        14,
        "",
        "\nname: optional string\n\nFilter by name\n",
    );
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            15,
            "/paths/~1v1~1orgs/get",
            "query parameter `name`: the spec's operation has no query parameter `name`"
        )]
    );
}

#[test]
fn a_changed_bound_is_an_error_at_the_constraint_line() {
    let text = with_line(
        &page_text("orgs-list.http.txt"),
        20,
        "maximum100",
        "maximum50",
    );
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            20,
            "/paths/~1v1~1orgs/get/parameters/1/schema/maximum",
            "`limit` (query parameter): maximum: the page says `50`, the spec says `100`"
        )]
    );

    // A bound the page adds and the spec lacks.
    let text = with_line(
        &page_text("orgs-create.python.txt"),
        16,
        "minLength1",
        "minLength1\nmaxLength200",
    );
    assert_eq!(
        errors_of("orgs-create.python.txt", &text),
        vec![error(
            17,
            "/components/schemas/OrgName",
            "`orgName` (body field): maxLength: the page says `200`, the spec says nothing"
        )]
    );
}

#[test]
fn a_removed_optional_is_an_error_naming_required() {
    let text = with_line(
        &page_text("orgs-list.http.txt"),
        11,
        "cursor: optional string",
        "cursor: string",
    );
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            11,
            "/paths/~1v1~1orgs/get/parameters/0/required",
            "`cursor` (query parameter): required: the page says `true`, the spec says `false`"
        )]
    );

    // Python: `Optional[...]` removed from a field the spec lets be null.
    let text = with_line(
        &page_text("orgs-create.python.txt"),
        59,
        "created_by_user_id: Optional[str]",
        "created_by_user_id: str",
    );
    assert_eq!(
        errors_of("orgs-create.python.txt", &text),
        vec![
            error(
                59,
                "/components/schemas/Org/required",
                "`createdByUserId` (returned field): required: the page says `true`, the spec says `false`"
            ),
            error(
                59,
                concat!(
                    "/components/schemas/Org/properties/createdByUserId/",
                    extension_name!(reference),
                    "/nullable"
                ),
                concat!(
                    "`createdByUserId` (returned field): nullable: the page says `false`, the spec says `true`; the ",
                    extension_name!(reference),
                    " note at /components/schemas/Org/properties/createdByUserId/",
                    extension_name!(reference),
                    "/nullable records page nothing, spec `true`"
                )
            ),
        ]
    );
}

#[test]
fn a_changed_type_is_an_error_and_a_note_accepts_only_its_own_values() {
    let text = with_line(
        &page_text("orgs-retrieve.http.txt"),
        11,
        "isActive: boolean",
        "isActive: string",
    );
    assert_eq!(
        errors_of("orgs-retrieve.http.txt", &text),
        vec![error(
            11,
            "/components/schemas/Org/properties/isActive/type",
            "`isActive` (returned field): type: the page says `string`, the spec says `boolean`"
        )]
    );

    // `limit` has a note for number → integer; string → integer is not it.
    let text = with_line(
        &page_text("orgs-list.http.txt"),
        15,
        "limit: optional number",
        "limit: optional string",
    );
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            15,
            concat!(
                "/paths/~1v1~1orgs/get/parameters/1/schema/",
                extension_name!(reference),
                "/type"
            ),
            concat!(
                "`limit` (query parameter): type: the page says `string`, the spec says `integer`; the ",
                extension_name!(reference),
                " note at /paths/~1v1~1orgs/get/parameters/1/schema/",
                extension_name!(reference),
                "/type records page `number`, spec `integer`"
            )
        )]
    );

    // Python: `Optional[bool]` on a required field means nullable.
    let text = with_line(
        &page_text("orgs-create.python.txt"),
        31,
        "is_active: bool",
        "is_active: Optional[bool]",
    );
    assert_eq!(
        errors_of("orgs-create.python.txt", &text),
        vec![error(
            31,
            "/components/schemas/Org/properties/isActive",
            "`isActive` (returned field): nullable: the page says `true`, the spec says `false`"
        )]
    );

    // A changed format.
    let text = with_line(
        &page_text("orgs-list.python.txt"),
        59,
        "formatuuid",
        "formatdate-time",
    );
    assert_eq!(
        errors_of("orgs-list.python.txt", &text),
        vec![error(
            59,
            "/components/schemas/Org/properties/createdByApiKeyId/format",
            "`createdByApiKeyId` (returned field): format: the page says `date-time`, the spec says `uuid`"
        )]
    );
}

#[test]
fn every_json_example_and_call_example_is_validated_against_the_spec() {
    let text = with_line(
        &page_text("orgs-retrieve.http.txt"),
        40,
        "\"userCount\": 15,",
        "\"userCount\": -1,",
    );
    assert_eq!(
        errors_of("orgs-retrieve.http.txt", &text),
        vec![error(
            34,
            "/components/schemas/Org/properties/userCount/minimum",
            "the JSON example at `/userCount` does not validate against the response schema: -1 is outside the minimum 0"
        )]
    );

    let text = with_line(
        &page_text("orgs-list.http.txt"),
        75,
        "      \"orgId\": \"org_1234567890abcdef1234567890abcdef\",",
        "      \"orgId\": \"org_XYZ\",",
    );
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            69,
            "/components/schemas/OrgId/pattern",
            "the JSON example at `/organizations/0/orgId` does not validate against the response schema: \"org_XYZ\" does not match the pattern `^org_[0-9a-f]{32}$`"
        )]
    );

    let text = with_line(
        &page_text("orgs-create.python.txt"),
        75,
        "    org_name=\"City Medical Center - Radiology Department\",",
        "    org_name=\"\",",
    );
    assert_eq!(
        errors_of("orgs-create.python.txt", &text),
        vec![error(
            75,
            "/components/schemas/OrgName/minLength",
            "the call example's `org_name=\"\"` does not validate against `orgName` (body field): a string of 0 characters breaks minLength 1"
        )]
    );
}

#[test]
fn the_validator_covers_the_spec_subset() {
    let spec = real_spec();
    let org = "/components/schemas/Org";
    let valid: Value = serde_json::from_str(
        r#"{"createdAt": null, "isActive": true, "orgId": "org_1234567890abcdef1234567890abcdef",
            "orgName": "x", "updatedAt": "2024-03-15T14:20:00Z", "userCount": 0, "metadata": null}"#,
    )
    .unwrap();
    assert_eq!(validate::validate(&spec, org, &valid), vec![]);
    let mut invalid = valid.clone();
    invalid["createdAt"] = Value::from("yesterday");
    invalid["userCount"] = Value::from(1.5);
    invalid.as_object_mut().unwrap().remove("orgName");
    invalid["createdByApiKeyId"] = Value::from("not-a-uuid");
    let big: serde_json::Map<String, Value> = (0..51)
        .map(|i| (format!("k{i}"), Value::from("v")))
        .collect();
    invalid["metadata"] = Value::Object(big);
    let mut found: Vec<(String, String)> = validate::validate(&spec, org, &invalid)
        .into_iter()
        .map(|v| (v.instance, v.schema))
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("".to_string(), format!("{org}/required")),
            (
                "/createdAt".to_string(),
                format!("{org}/properties/createdAt/format")
            ),
            (
                "/createdByApiKeyId".to_string(),
                format!("{org}/properties/createdByApiKeyId/format")
            ),
            (
                "/metadata".to_string(),
                "/components/schemas/Metadata/maxProperties".to_string()
            ),
            (
                "/userCount".to_string(),
                format!("{org}/properties/userCount/type")
            ),
        ]
    );
    // additionalProperties: false on the create body, maxLength on map values.
    let body: Value =
        serde_json::json!({"orgName": "x", "extra": 1, "metadata": {"k": "v".repeat(1001)}});
    let mut found: Vec<(String, String)> =
        validate::validate(&spec, "/components/schemas/OrgCreateParams", &body)
            .into_iter()
            .map(|v| (v.instance, v.schema))
            .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "/extra".to_string(),
                "/components/schemas/OrgCreateParams/additionalProperties".to_string()
            ),
            (
                "/metadata/k".to_string(),
                "/components/schemas/MetadataValue/maxLength".to_string()
            ),
        ]
    );
}

#[test]
fn a_page_in_an_unknown_shape_fails_at_its_line_with_what_was_expected() {
    let cases: [(&str, usize, &str, &str, usize, &str); 5] = [
        (
            "orgs-list.http.txt",
            10,
            "Query ParametersExpand Collapse",
            "Header ParametersExpand Collapse",
            10,
            "unknown section `Header ParametersExpand Collapse`; expected `Path Parameters`, `Query Parameters`, `Body Parameters`, `Parameters` or `Returns`",
        ),
        (
            "orgs-list.http.txt",
            15,
            "limit: optional number",
            "limit: optional decimal",
            15,
            "field `limit`: expected a type (`string`, `number`, `integer`, `boolean`, `map[T]`, `array of T` or `object { ... }`, optionally after `optional`), found `optional decimal`",
        ),
        (
            "orgs-list.http.txt",
            6,
            "get/v1/orgs",
            "fetch /v1/orgs",
            6,
            "expected the method and path (`get/v1/orgs`) or the path alone (`/v1/orgs/{orgId}`), or a Python signature (`orgs.list(...) -> ...`), found `fetch /v1/orgs`",
        ),
        (
            "orgs-create.python.txt",
            22,
            "class OrgCreateResponse:",
            "OrgCreateResponse",
            22,
            "expected `class Name:` opening the Python view's Returns, found `OrgCreateResponse`",
        ),
        (
            "orgs-retrieve.http.txt",
            23,
            "minimum0",
            "minimum0\nmaximum",
            24,
            "expected a constraint line (`minimum1`, `maxLength100`, `formatuuid`) or the next field after the constraints of `userCount`, found `maximum`",
        ),
    ];
    for (name, line, old, new, error_line, message) in cases {
        let text = with_line(&page_text(name), line, old, new);
        assert_eq!(
            parse(name, &text),
            Err(PageError {
                file: page_path(name),
                line: error_line,
                message: message.to_string()
            }),
            "{name}: {old} -> {new}"
        );
    }
    // The item fields `organizations` announces must follow in its order.
    let text = page_text("orgs-list.http.txt").replace(
        "{ createdAt, isActive, orgId, 6 more }",
        "{ createdAt, orgId, isActive, 6 more }",
    );
    assert_eq!(
        parse("orgs-list.http.txt", &text),
        Err(PageError {
            file: page_path("orgs-list.http.txt"),
            line: 29,
            message: "`organizations` lists `orgId` as its item field number 2, found `isActive`"
                .into()
        })
    );
    // Announcing fewer leaves the rest at the top level, which the check
    // then reports against the page object.
    let text = page_text("orgs-list.http.txt").replace("6 more }", "5 more }");
    assert_eq!(
        errors_of("orgs-list.http.txt", &text),
        vec![error(
            61,
            "/components/schemas/OrgListPage/properties",
            "returned field `metadata`: the spec's response schema has no property `metadata`"
        )]
    );
}

#[test]
fn the_command_exits_0_on_todays_pages_and_1_naming_the_line_on_an_altered_copy() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("reference")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("ok: 0 error(s)"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let altered = dir.path().join("orgs-list.http.txt");
    std::fs::write(
        &altered,
        with_line(
            &page_text("orgs-list.http.txt"),
            20,
            "maximum100",
            "maximum50",
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("reference")
        .arg(&altered)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected_line = locate_pointer(
        &real_spec().text,
        "/paths/~1v1~1orgs/get/parameters/1/schema/maximum",
    )
    .unwrap()
    .0;
    assert!(
        stderr.contains(&format!(
            "{}:20: error: `limit` (query parameter): maximum: the page says `50`, the spec says `100` (spec line {expected_line} /paths/~1v1~1orgs/get/parameters/1/schema/maximum)",
            altered.display()
        )),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["reference", "--draft"])
        .arg(root().join(page_path("orgs-retrieve.http.txt")))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = parse(
        "orgs-retrieve.http.txt",
        &page_text("orgs-retrieve.http.txt"),
    )
    .unwrap();
    let expected = draft::draft(&page, Some(&real_spec())).unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

/// What a generated client exposes of one operation, by names only (a draft
/// names its types differently): method, path, builder parameters, and the
/// property names of the body and response types (and of their array items).
#[derive(Debug, PartialEq, Default)]
struct OperationShape {
    method: String,
    path: String,
    params: Vec<String>,
    body: Vec<String>,
    response: Vec<String>,
}

fn type_string(ty: &syn::Type) -> String {
    quote::quote!(#ty).to_string().replace(' ', "")
}

/// The client's operations, read back from progenitor's generated code.
fn client_shape(generated: &codegen::Generated) -> BTreeMap<String, OperationShape> {
    let text = &generated
        .files
        .iter()
        .find(|f| f.relative_path == codegen::CLIENT_GENERATED)
        .unwrap()
        .contents;
    let file = syn::parse_file(text).unwrap();
    let module = |name: &str| -> &[syn::Item] {
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == name => {
                    m.content.as_ref().map(|(_, items)| items.as_slice())
                }
                _ => None,
            })
            .unwrap_or_default()
    };
    let mut types: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for item in module("types") {
        if let syn::Item::Struct(s) = item {
            let fields = s
                .fields
                .iter()
                .filter_map(|f| {
                    f.ident
                        .as_ref()
                        .map(|i| (i.to_string(), type_string(&f.ty)))
                })
                .collect();
            types.insert(s.ident.to_string(), fields);
        }
    }
    let fields_of = |ty: &str| -> Vec<String> {
        let mut names = Vec::new();
        for (name, field_type) in types.get(ty).into_iter().flatten() {
            names.push(name.clone());
            // The items of an array property.
            if let Some(item) = field_type
                .strip_prefix("::std::vec::Vec<")
                .and_then(|t| t.strip_suffix('>'))
            {
                for (child, _) in types.get(item).into_iter().flatten() {
                    names.push(format!("{name}[].{child}"));
                }
            }
        }
        names.sort();
        names
    };
    let mut builders: BTreeMap<String, OperationShape> = BTreeMap::new();
    for item in module("builder") {
        match item {
            syn::Item::Struct(s) => {
                let mut params = Vec::new();
                let mut body = Vec::new();
                for field in &s.fields {
                    let name = field.ident.as_ref().unwrap().to_string();
                    let ty = type_string(&field.ty);
                    if name == "client" {
                        continue;
                    } else if name == "body" {
                        let inner = ty
                            .split("types::builder::")
                            .nth(1)
                            .unwrap()
                            .split(',')
                            .next()
                            .unwrap();
                        body = fields_of(inner);
                    } else {
                        params.push(name);
                    }
                }
                params.sort();
                let shape = builders.entry(s.ident.to_string()).or_default();
                shape.params = params;
                shape.body = body;
            }
            syn::Item::Impl(imp) => {
                let syn::Type::Path(self_ty) = &*imp.self_ty else {
                    continue;
                };
                let name = self_ty.path.segments.last().unwrap().ident.to_string();
                for item in &imp.items {
                    if let syn::ImplItem::Fn(f) = item
                        && f.sig.ident == "send"
                        && let syn::ReturnType::Type(_, ty) = &f.sig.output
                    {
                        let ty = type_string(ty);
                        let response = ty
                            .split("ResponseValue<types::")
                            .nth(1)
                            .unwrap()
                            .split('>')
                            .next()
                            .unwrap();
                        builders.entry(name.clone()).or_default().response = fields_of(response);
                    }
                }
            }
            _ => {}
        }
    }
    let mut operations = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            let ty = type_string(ty);
            let Some(builder) = ty
                .strip_prefix("builder::")
                .and_then(|t| t.strip_suffix("<'_>"))
            else {
                continue;
            };
            let doc: String = f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .map(|a| quote::quote!(#a).to_string())
                .collect();
            let sends = doc
                .split("Sends a `")
                .nth(1)
                .expect("progenitor documents the request");
            let method = sends.split('`').next().unwrap().to_lowercase();
            let path = sends
                .split("request to `")
                .nth(1)
                .unwrap()
                .split('`')
                .next()
                .unwrap()
                .to_string();
            let shape = builders.remove(builder).expect("a builder per operation");
            operations.insert(
                f.sig.ident.to_string(),
                OperationShape {
                    method,
                    path,
                    ..shape
                },
            );
        }
    }
    operations
}

/// An empty spec: what a fragment needs around it (info, servers, the
/// security scheme, the shared error response and schema), from today's spec.
fn empty_spec(real: &LoadedSpec) -> String {
    let json = &real.json;
    let base = serde_json::json!({
        "openapi": json["openapi"],
        "info": {"title": json["info"]["title"], "version": json["info"]["version"]},
        "servers": json["servers"],
        "security": json["security"],
        "paths": {},
        "components": {
            "securitySchemes": json["components"]["securitySchemes"],
            "responses": {"Error": json["components"]["responses"]["Error"]},
            "schemas": {"Error": json["components"]["schemas"]["Error"]},
        },
    });
    serde_yaml::to_string(&base).unwrap()
}

#[test]
fn a_draft_of_each_page_generates_the_same_operations_and_fields_as_todays_spec() {
    let real = real_spec();
    // Today's spec has more than the pages (the whole API from the SDK);
    // each page's operation is compared with its namesake.
    let today = client_shape(&codegen::generate_from(&real).expect("today's spec generates"));
    for name in PAGES {
        let page = parse(name, &page_text(name)).unwrap();
        let fragment = draft::draft(&page, Some(&real)).unwrap();
        assert!(
            fragment.starts_with("# Drafted by `cargo xtask reference --draft`"),
            "{fragment}"
        );
        let merged = xtask::overlay::apply(&empty_spec(&real), &fragment)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{fragment}"));
        let drafted = spec::parse(Path::new("draft.yaml"), merged)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{fragment}"));
        let generated =
            codegen::generate_from(&drafted).unwrap_or_else(|e| panic!("{name}: {e}\n{fragment}"));
        let shape = client_shape(&generated);
        assert_eq!(shape.len(), 1, "{name}: one operation per page");
        let (id, operation) = shape.into_iter().next().unwrap();
        assert_eq!(
            Some(&operation),
            today.get(&id),
            "{name}: operation `{id}`\n{fragment}"
        );

        // The draft agrees with its own page; the one decision it takes (a
        // method the page does not state) is recorded as a note and used.
        let report = reference::check_parsed(&drafted, std::slice::from_ref(&page), true);
        assert!(
            report.errors.is_empty(),
            "{name}: {:#?}\n{fragment}",
            report.errors
        );
        let aspects: Vec<&str> = report
            .accepted
            .iter()
            .map(|a| a.note.aspect.as_str())
            .collect();
        let expected: &[&str] = if page.method.is_none() {
            &["method"]
        } else {
            &[]
        };
        assert_eq!(aspects, expected, "{name}");
    }
    // The draft never touches the spec.
    assert_eq!(
        std::fs::read_to_string(root().join(SPEC)).unwrap(),
        real.text
    );
}

/// The fragment with each wrapped YAML comment joined into one line.
fn unwrap_comments(fragment: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in fragment.lines() {
        let comment = line.trim_start().strip_prefix("# ");
        match (comment, lines.last_mut()) {
            (Some(text), Some(previous)) if previous.trim_start().starts_with("# ") => {
                previous.push(' ');
                previous.push_str(text);
            }
            _ => lines.push(line.to_string()),
        }
    }
    lines.join("\n")
}

#[test]
fn a_draft_says_what_the_page_left_open() {
    let real = real_spec();
    let page = parse(
        "orgs-retrieve.http.txt",
        &page_text("orgs-retrieve.http.txt"),
    )
    .unwrap();
    let fragment = unwrap_comments(&draft::draft(&page, Some(&real)).unwrap());
    assert!(
        fragment.contains(concat!(
            extension_name!(reference),
            ":\n        method:\n          page: null\n          spec: get\n"
        )),
        "{fragment}"
    );
    assert!(
        fragment.contains("The page states no method; GET is what its curl example sends"),
        "{fragment}"
    );
    assert!(
        fragment.contains("operationId: orgs_retrieve"),
        "{fragment}"
    );
    assert!(
        fragment.contains("# The page states no status code: 200 is assumed."),
        "{fragment}"
    );

    let page = parse("orgs-list.python.txt", &page_text("orgs-list.python.txt")).unwrap();
    let fragment = unwrap_comments(&draft::draft(&page, Some(&real)).unwrap());
    assert!(
        fragment.contains(concat!(
            "`hasMore` and `cursor` follow the ",
            extension_name!(pagination),
            " of `orgs_list`"
        )),
        "{fragment}"
    );
    // Without a spec to take the cursor convention from, only the items.
    let alone = unwrap_comments(&draft::draft(&page, None).unwrap());
    let schemas = alone.split("\ncomponents:").nth(1).unwrap();
    assert!(!schemas.contains("hasMore"), "{alone}");
    assert!(schemas.contains("required: [organizations]"), "{alone}");
    assert!(
        alone.contains("the page's other fields are not known from it"),
        "{alone}"
    );
}

// ---------------------------------------------------------------------------
// The check against the official SDK's facts, on an INVENTED fixture
// (`tests/fixtures/reference-sdk/`: a tiny spec and a tiny facts file of a
// made-up widgets API, not Avara fact), altered one fact at a time.

const SDK_FIXTURE_DIR: &str = "tests/fixtures/reference-sdk";
const FIXTURE_FACTS: &str = "avara-fixture-0.0.0.json";
const FIXTURE_SPEC: &str = "openapi.yaml";

fn sdk_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(SDK_FIXTURE_DIR)
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_facts() -> Value {
    serde_json::from_str(&sdk_fixture(FIXTURE_FACTS)).unwrap()
}

/// The facts as the fixture file writes them (serde_json's pretty form, keys
/// sorted), so that an altered copy keeps the fixture's line numbers up to
/// the alteration.
fn facts_text(facts: &Value) -> String {
    serde_json::to_string_pretty(facts).unwrap() + "\n"
}

fn fixture_spec_text() -> String {
    sdk_fixture(FIXTURE_SPEC)
}

/// `text` with `old` (which must occur once) replaced by `new`.
fn replaced(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "`{old}` once");
    text.replacen(old, new, 1)
}

/// A full run (every source seen) of the spec text against the facts.
fn sdk_report(spec_text: &str, facts: &Value) -> reference::Report {
    let spec =
        spec::parse(Path::new(FIXTURE_SPEC), spec_text.to_string()).expect("the spec parses");
    let facts = xtask::reference::facts::parse(Path::new(FIXTURE_FACTS), facts_text(facts))
        .expect("the facts parse");
    reference::check_sources(&spec, &[], &[facts], reference::Completeness::all())
}

/// An error as these tests compare it: `file:line:column`, the facts pointer,
/// the spec pointer, the message. The spec line of each is the one
/// `locate_pointer` finds for its pointer.
type Located = (String, Option<String>, String, String);

fn sdk_errors(spec_text: &str, facts: &Value) -> Vec<Located> {
    let report = sdk_report(spec_text, facts);
    report
        .errors
        .iter()
        .map(|f| {
            assert_eq!(
                f.spec_line,
                locate_pointer(spec_text, &f.pointer).map(|(l, _)| l),
                "{f}"
            );
            (
                format!(
                    "{}:{}:{}",
                    f.page.display(),
                    f.page_line,
                    f.page_column.unwrap_or(0)
                ),
                f.source.clone(),
                f.pointer.clone(),
                f.message.clone(),
            )
        })
        .collect()
}

/// The errors of the fixture spec against the fixture facts altered by `edit`.
fn facts_errors(edit: impl FnOnce(&mut Value)) -> Vec<Located> {
    let mut facts = fixture_facts();
    edit(&mut facts);
    sdk_errors(&fixture_spec_text(), &facts)
}

fn located(at: &str, source: Option<&str>, pointer: &str, message: &str) -> Located {
    (
        at.to_string(),
        source.map(str::to_string),
        pointer.to_string(),
        message.to_string(),
    )
}

fn set(facts: &mut Value, pointer: &str, value: Value) {
    *facts
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in the fixture facts")) = value;
}

#[test]
fn the_sdk_fixture_agrees_with_its_spec_and_its_note_is_accepted() {
    // The fixture is in serde_json's pretty form, so the altered copies
    // below keep its lines.
    let facts = fixture_facts();
    assert_eq!(facts_text(&facts), sdk_fixture(FIXTURE_FACTS));
    assert!(
        facts["format"]
            .as_str()
            .unwrap()
            .starts_with("INVENTED TEST FIXTURE")
    );

    let spec_text = fixture_spec_text();
    let report = sdk_report(&spec_text, &facts);
    let spec = spec::parse(Path::new(FIXTURE_SPEC), spec_text.clone()).unwrap();
    let rendered = report.render(&spec, Path::new(""));
    assert!(report.errors.is_empty(), "{rendered}");
    assert_eq!(
        (report.sdk_operations, report.sdk_events, report.sdk_fields),
        (3, 2, 25)
    );
    let [accepted] = report.accepted.as_slice() else {
        panic!("one accepted note: {rendered}");
    };
    assert_eq!(accepted.subject, "`widgets.list`: query parameter `limit`");
    assert_eq!(
        (accepted.page.as_path(), accepted.page_line),
        (Path::new(FIXTURE_FACTS), 394)
    );
    assert_eq!(accepted.note.aspect, "type");
    assert_eq!(
        (&accepted.note.page, &accepted.note.sdk, &accepted.note.spec),
        (&None, &Some(Value::from("number")), &Value::from("integer"))
    );
    assert_eq!(
        rendered,
        "cargo xtask reference: openapi.yaml against 0 page(s) and the SDK facts avara-fixture-0.0.0.json\n\
         \n\
         accepted deviations (1):\n\
         \x20 openapi.yaml:140 `widgets.list`: query parameter `limit`: type: sdk number, spec integer\n\
         \x20   reason: The SDK types the page size as a float; a count is integral.\n\
         \x20   seen at: avara-fixture-0.0.0.json:394\n\
         \n\
         only in the spec (0):\n\
         \n\
         ok: 0 error(s), 1 deviation(s) accepted; SDK: 3 operation(s), 2 webhook event(s), 25 field(s) compared\n"
    );
}

#[test]
fn each_alteration_of_the_facts_gives_its_own_located_error() {
    let widget = "/models/widget.Widget/fields";
    // A missing operation: the SDK has one the spec lacks.
    assert_eq!(
        facts_errors(|f| {
            let mut op = f["operations"][2].clone();
            op["method"] = "delete".into();
            op["http_method"] = "delete".into();
            f["operations"].as_array_mut().unwrap().push(op);
        }),
        vec![located(
            "avara-fixture-0.0.0.json:454:5",
            Some("/operations/3"),
            "/paths/~1v1~1widgets~1{widgetId}",
            "`widgets.delete`: the SDK's operation DELETE /v1/widgets/{widgetId} is not in the spec (it has GET at that path)"
        )]
    );
    // The spec has an operation no source documents.
    assert_eq!(
        facts_errors(|f| {
            f["operations"].as_array_mut().unwrap().remove(2);
        }),
        vec![located(
            "openapi.yaml:72:5",
            None,
            "/paths/~1v1~1widgets~1{widgetId}/get",
            "operation `widgets_retrieve` (GET /v1/widgets/{widgetId}) is documented by no reference page and no SDK operation"
        )]
    );
    // A renamed field: the SDK's is not in the spec, the spec's not in the SDK.
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/1/name"), "title".into())),
        vec![
            located(
                "avara-fixture-0.0.0.json:134:11",
                Some("/models/widget.Widget/fields/1/name"),
                "/components/schemas/Widget/properties",
                "model `widget.Widget`: field `title`: not in the spec's schema"
            ),
            located(
                "openapi.yaml:166:9",
                Some("/models/widget.Widget/fields"),
                "/components/schemas/Widget/properties/name",
                "model `widget.Widget`: field `name`: presence: the SDK says `false` (the SDK's model has no such field), the spec says `true`"
            ),
        ]
    );
    // Required flipped.
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/0/required"), false.into())),
        vec![located(
            "avara-fixture-0.0.0.json:126:11",
            Some("/models/widget.Widget/fields/0/required"),
            "/components/schemas/Widget/required",
            "model `widget.Widget`: field `widgetId`: required: the SDK says `false`, the spec says `true`"
        )]
    );
    // Nullable flipped, on a field behind `allOf`, and on one whose fact is
    // the TypeScript SDK's.
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/4/nullable"), false.into())),
        vec![located(
            "avara-fixture-0.0.0.json:177:11",
            Some("/models/widget.Widget/fields/4/nullable"),
            "/components/schemas/Widget/properties/owner/nullable",
            "model `widget.Widget`: field `owner`: nullable: the SDK says `false`, the spec says `true`"
        )]
    );
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/3/nullable"), false.into())),
        vec![located(
            "avara-fixture-0.0.0.json:164:11",
            Some("/models/widget.Widget/fields/3/nullable"),
            "/components/schemas/Widget/properties/createdAt/nullable",
            "model `widget.Widget`: field `createdAt`: nullable: the SDK says `false` (from the typescript SDK), the spec says `true`"
        )]
    );
    // A type changed, inside an array.
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/5/type/items/kind"), "integer".into())),
        vec![located(
            "avara-fixture-0.0.0.json:196:13",
            Some("/models/widget.Widget/fields/5/type/items"),
            "/components/schemas/Widget/properties/tags/items/type",
            "model `widget.Widget`: field `tags` items: type: the SDK says `integer`, the spec says `string`"
        )]
    );
    // A format changed.
    assert_eq!(
        facts_errors(|f| set(f, &format!("{widget}/3/type/format"), "date".into())),
        vec![located(
            "avara-fixture-0.0.0.json:170:13",
            Some("/models/widget.Widget/fields/3/type/format"),
            "/components/schemas/Widget/properties/createdAt/format",
            "model `widget.Widget`: field `createdAt`: format: the SDK says `date`, the spec says `date-time`"
        )]
    );
    // An enum value added (behind the `$ref` to `WidgetKind`).
    assert_eq!(
        facts_errors(|f| f
            .pointer_mut(&format!("{widget}/2/type/values"))
            .unwrap()
            .as_array_mut()
            .unwrap()
            .push("triangle".into())),
        vec![located(
            "avara-fixture-0.0.0.json:155:13",
            Some("/models/widget.Widget/fields/2/type/values"),
            "/components/schemas/WidgetKind/enum",
            r#"model `widget.Widget`: field `kind`: enum: the SDK says `["round","square","triangle"]`, the spec says `["round","square"]` (only the SDK has `triangle`)"#
        )]
    );
    // A union variant the spec's `oneOf` lacks.
    assert_eq!(
        facts_errors(|f| f
            .pointer_mut(&format!("{widget}/6/type/variants"))
            .unwrap()
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"kind": "string", "format": null}))),
        vec![located(
            "avara-fixture-0.0.0.json:224:15",
            Some("/models/widget.Widget/fields/6/type/variants/2"),
            "/components/schemas/Widget/properties/shape/oneOf",
            "model `widget.Widget`: field `shape`: the SDK's union variant 3 of 3 (a `string`) has no counterpart in the spec's `oneOf`/`anyOf`"
        )]
    );
    // A page field renamed.
    assert_eq!(
        facts_errors(|f| set(f, "/operations/1/page/items_field", "items".into())),
        vec![located(
            "avara-fixture-0.0.0.json:367:9",
            Some("/operations/1/page/items_field"),
            concat!(
                "/paths/~1v1~1widgets/get/",
                extension_name!(pagination),
                "/itemsField"
            ),
            "`widgets.list`: the page `SyncCursorWidgets`: itemsField: the SDK says `items`, the spec says `widgets`"
        )]
    );
    // The query array format changed.
    assert_eq!(
        facts_errors(|f| set(f, "/query_array_format", "repeat".into())),
        vec![located(
            "avara-fixture-0.0.0.json:398:9",
            Some("/operations/1/query_params/2"),
            "/paths/~1v1~1widgets/get/parameters/2/explode",
            "`widgets.list`: query parameter `kinds`: arrayFormat: the SDK says `repeat` (the SDK's query_array_format), the spec says `comma`"
        )]
    );
    // A webhook event added: in neither the spec's webhooks nor the union's mapping.
    assert_eq!(
        facts_errors(|f| {
            let mut event = f["webhooks"]["events"][1].clone();
            event["type"] = "widget.updated".into();
            f["webhooks"]["events"].as_array_mut().unwrap().push(event);
        }),
        vec![
            located(
                "avara-fixture-0.0.0.json:481:9",
                Some("/webhooks/events/2/type"),
                concat!("/", extension_name!(webhooks)),
                concat!(
                    "webhook event `widget.updated`: not in the spec's `",
                    extension_name!(webhooks),
                    "`"
                )
            ),
            located(
                "avara-fixture-0.0.0.json:481:9",
                Some("/webhooks/events/2/type"),
                "/components/schemas/WebhookEvent/discriminator/mapping",
                "webhook event `widget.updated`: not in the `WebhookEvent` union's discriminator mapping"
            ),
        ]
    );
    // A webhook event removed: the spec's is documented by no SDK.
    let errors = facts_errors(|f| {
        f["webhooks"]["events"].as_array_mut().unwrap().pop();
    });
    assert_eq!(
        errors,
        vec![
            located(
                "openapi.yaml:104:3",
                None,
                concat!("/", extension_name!(webhooks), "/widget.deleted"),
                "webhook event `widget.deleted` is documented by no SDK's webhook events"
            ),
            located(
                "openapi.yaml:258:11",
                Some("/webhooks/events"),
                "/components/schemas/WebhookEvent/discriminator/mapping/widget.deleted",
                "webhook event `widget.deleted` is in the `WebhookEvent` union's mapping but the SDK has no such event"
            ),
        ]
    );
    // The receiver's answer changed (a TypeScript model).
    assert_eq!(
        facts_errors(|f| set(
            f,
            "/models/typescript:webhooks.WidgetCreatedResponse/fields/0/type/kind",
            "integer".into()
        )),
        vec![located(
            "avara-fixture-0.0.0.json:109:11",
            Some("/models/typescript:webhooks.WidgetCreatedResponse/fields/0/type"),
            "/components/schemas/WidgetCreatedAnswer/properties/accepted/type",
            "model `typescript:webhooks.WidgetCreatedResponse`: field `accepted`: type: the SDK says `integer`, the spec says `boolean`"
        )]
    );
}

#[test]
fn an_sdk_note_is_accepted_exactly_and_is_an_error_when_unneeded_wrong_or_unreached() {
    let limit_type = "/operations/1/query_params/1/type/kind";
    let note = concat!(
        "/components/schemas/Limit/",
        extension_name!(reference),
        "/type"
    );
    // The SDK now agrees with the spec: the note is not needed.
    assert_eq!(
        facts_errors(|f| set(f, limit_type, "integer".into())),
        vec![located(
            "openapi.yaml:140:9",
            None,
            note,
            concat!(
                "the ",
                extension_name!(reference),
                " note on `type` (sdk number, spec integer) is not needed: the SDK and the spec agree here (both integer); remove it"
            )
        )]
    );
    // The SDK says something else than the note records.
    assert_eq!(
        facts_errors(|f| set(f, limit_type, "boolean".into())),
        vec![located(
            "avara-fixture-0.0.0.json:394:11",
            Some("/operations/1/query_params/1/type"),
            note,
            concat!(
                "`widgets.list`: query parameter `limit`: type: the SDK says `boolean`, the spec says `integer`; the ",
                extension_name!(reference),
                " note at /components/schemas/Limit/",
                extension_name!(reference),
                "/type records sdk `number`, spec `integer`"
            )
        )]
    );
    // Without the note, the difference is an error at the SDK's fact.
    let without_note = replaced(
        &fixture_spec_text(),
        concat!(
            "      ",
            extension_name!(reference),
            ":\n        type:\n          sdk: number\n          spec: integer\n          reason: The SDK types the page size as a float; a count is integral.\n"
        ),
        "",
    );
    assert_eq!(
        sdk_errors(&without_note, &fixture_facts()),
        vec![located(
            "avara-fixture-0.0.0.json:394:11",
            Some("/operations/1/query_params/1/type"),
            "/components/schemas/Limit/type",
            "`widgets.list`: query parameter `limit`: type: the SDK says `number`, the spec says `integer`"
        )]
    );
    // A note on an element no SDK fact reaches (the error body).
    let unreached = replaced(
        &fixture_spec_text(),
        "        message:\n          type: string\n",
        concat!(
            "        message:\n          type: string\n          ",
            extension_name!(reference),
            ":\n            nullable:\n              sdk: true\n              spec: false\n              reason: Invented.\n"
        ),
    );
    assert_eq!(
        sdk_errors(&unreached, &fixture_facts()),
        vec![located(
            "openapi.yaml:265:13",
            None,
            concat!(
                "/components/schemas/Error/properties/message/",
                extension_name!(reference),
                "/nullable"
            ),
            concat!(
                "the ",
                extension_name!(reference),
                " note on `nullable` (sdk true, spec false) is on an element no SDK fact reaches (the SDK does not cover it); remove it or move it"
            )
        )]
    );
    // A note whose two values are the same records nothing.
    let same = replaced(
        &fixture_spec_text(),
        "          sdk: number\n",
        "          sdk: integer\n",
    );
    let errors = sdk_errors(&same, &fixture_facts());
    assert_eq!(
        errors[0],
        located(
            "openapi.yaml:140:9",
            None,
            note,
            concat!(
                "`",
                extension_name!(reference),
                ".type` records no difference: `sdk` and `spec` are both `integer`"
            )
        )
    );
    // A property only the spec has, accepted by a `presence` note.
    let nickname = replaced(
        &fixture_spec_text(),
        "        email:\n          type: string\n          format: email\n",
        concat!(
            "        email:\n          type: string\n          format: email\n        nickname:\n          type: string\n          ",
            extension_name!(reference),
            ":\n            presence:\n              sdk: false\n              spec: true\n              reason: Invented.\n"
        ),
    );
    let report = sdk_report(&nickname, &fixture_facts());
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    let accepted: Vec<(&str, &str)> = report
        .accepted
        .iter()
        .map(|a| (a.subject.as_str(), a.note.aspect.as_str()))
        .collect();
    assert_eq!(
        accepted,
        [
            ("model `owner.Owner`: field `nickname`", "presence"),
            ("`widgets.list`: query parameter `limit`", "type"),
        ]
    );
}

#[test]
fn a_malformed_facts_file_is_an_error_naming_the_file_line_and_pointer() {
    let malformed = |edit: &dyn Fn(&mut Value)| {
        let mut facts = fixture_facts();
        edit(&mut facts);
        xtask::reference::facts::parse(Path::new(FIXTURE_FACTS), facts_text(&facts))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        malformed(&|f| set(f, "/operations/0/body_params/0/required", "yes".into())),
        "avara-fixture-0.0.0.json:305:11: error: `required` must be true or false, found a string (at /operations/0/body_params/0/required)"
    );
    assert_eq!(
        malformed(&|f| set(f, "/models/owner.Owner/fields/1/type/kind", "text".into())),
        "avara-fixture-0.0.0.json:30:13: error: unknown kind `text`; expected one of string, integer, number, boolean, enum, literal, array, map, model, union, unknown, null (at /models/owner.Owner/fields/1/type/kind)"
    );
    assert_eq!(
        malformed(&|f| set(f, "/operations/2/response/ref", "widget.Gadget".into())),
        "avara-fixture-0.0.0.json:451:9: error: the model `widget.Gadget` is not in `models` (at /operations/2/response/ref)"
    );
    assert_eq!(
        malformed(&|f| {
            f["operations"][0].as_object_mut().unwrap().remove("path");
        }),
        "avara-fixture-0.0.0.json:296:5: error: missing `path` (at /operations/0)"
    );
    let error = xtask::reference::facts::parse(
        Path::new(FIXTURE_FACTS),
        sdk_fixture(FIXTURE_FACTS).replacen("\"comma\"", "comma", 1),
    )
    .unwrap_err();
    assert_eq!(error.line_col.map(|(l, _)| l), Some(455));
    assert!(error.to_string().contains("not valid JSON"), "{error}");
}

#[test]
fn the_command_checks_named_facts_files_and_exits_1_or_2_with_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join(FIXTURE_SPEC);
    std::fs::write(&spec_path, fixture_spec_text()).unwrap();
    let facts_path = dir.path().join(FIXTURE_FACTS);
    let run = |facts: &Value| {
        std::fs::write(&facts_path, facts_text(facts)).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["reference", "--spec"])
            .arg(&spec_path)
            .arg(&facts_path)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(&fixture_facts());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("ok: 0 error(s), 1 deviation(s) accepted; SDK: 3 operation(s)"),
        "{stdout}"
    );

    let mut facts = fixture_facts();
    set(
        &mut facts,
        "/models/widget.Widget/fields/0/required",
        false.into(),
    );
    let (code, _, stderr) = run(&facts);
    assert_eq!(code, Some(1), "{stderr}");
    let spec_line = locate_pointer(&fixture_spec_text(), "/components/schemas/Widget/required")
        .unwrap()
        .0;
    assert!(
        stderr.contains(&format!(
            "{}:126:11: error: model `widget.Widget`: field `widgetId`: required: the SDK says `false`, the spec says `true` (facts /models/widget.Widget/fields/0/required; spec line {spec_line} /components/schemas/Widget/required)",
            facts_path.display()
        )),
        "{stderr}"
    );

    set(&mut facts, "/query_array_format", 3.into());
    let (code, _, stderr) = run(&facts);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: `query_array_format` must be a string, found a number (at /query_array_format)"
        ),
        "{stderr}"
    );
}

/// The workspace's own facts files (once they are committed) against the
/// workspace's spec and pages: the full run `cargo xtask reference` makes.
#[test]
fn the_workspace_spec_agrees_with_every_sdk_facts_file() {
    let root = root();
    let files = xtask::reference::facts::default_files(&root).unwrap();
    if files.is_empty() {
        eprintln!(
            "no SDK facts file in {}; nothing to check",
            reference::PAGES_DIR
        );
        return;
    }
    let spec = real_spec();
    let pages: Vec<page::Page> = reference::default_pages(&root)
        .unwrap()
        .iter()
        .map(|p| page::load(p, &reference::shown(p, &root)).unwrap())
        .collect();
    let facts: Vec<_> = files
        .iter()
        .map(|f| {
            xtask::reference::facts::load(f, &reference::shown(f, &root))
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    let report = reference::check_sources(&spec, &pages, &facts, reference::Completeness::all());
    let rendered = report.render(&spec, &root);
    assert!(report.passed(), "{rendered}");
    let operations: usize = facts.iter().map(|f| f.operations.len()).sum();
    let events: usize = facts
        .iter()
        .map(|f| f.webhooks.as_ref().map_or(0, |w| w.events.len()))
        .sum();
    assert_eq!(
        (report.sdk_operations, report.sdk_events),
        (operations, events)
    );
}

#[test]
fn the_path_items_parameters_count_as_the_operations() {
    let spec_text = replaced(
        &fixture_spec_text(),
        "  /v1/widgets/{widgetId}:\n    get:\n      tags: [widgets]\n      operationId: widgets_retrieve\n      summary: Retrieve a widget\n      parameters:\n        - name: widgetId\n          in: path\n          required: true\n          schema:\n            type: string\n",
        "  /v1/widgets/{widgetId}:\n    parameters:\n      - name: widgetId\n        in: path\n        required: true\n        schema:\n          type: string\n    get:\n      tags: [widgets]\n      operationId: widgets_retrieve\n      summary: Retrieve a widget\n",
    );
    assert_eq!(sdk_errors(&spec_text, &fixture_facts()), vec![]);
    let mut facts = fixture_facts();
    set(
        &mut facts,
        "/operations/2/path_params/0/type/kind",
        "integer".into(),
    );
    assert_eq!(
        sdk_errors(&spec_text, &facts),
        vec![located(
            "avara-fixture-0.0.0.json:441:11",
            Some("/operations/2/path_params/0/type"),
            "/paths/~1v1~1widgets~1{widgetId}/parameters/0/schema/type",
            "`widgets.retrieve`: path parameter `widgetId`: type: the SDK says `integer`, the spec says `string`"
        )]
    );
}
