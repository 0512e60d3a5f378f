//! The check of the spec against the facts of one reference page.
//!
//! Every fact the page states is compared with the spec element it
//! describes. A disagreement is accepted only when the element (or a schema
//! it reaches through `$ref`/`allOf`) carries an [`extensions::REFERENCE`] note for
//! that aspect whose `page` and `spec` values are exactly the two values
//! compared; see [`Note`]. Anything else is an error naming the page line and
//! the spec pointer. Elements only the spec has are information.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::Value;

use super::page::{Field, Page, PageType, RequestExample, Section, View};
use super::validate;
use crate::extensions::{self, MAX_KEY_LENGTH};
use crate::schema::{self, Merge};
use crate::spec::{LoadedSpec, escape_pointer_token, locate_pointer};

/// The vendor extension that records a deliberate deviation from the pages.
pub use crate::extensions::REFERENCE as EXTENSION;

/// One [`EXTENSION`] entry (see [`extensions::ReferenceNote`]).
pub use crate::extensions::ReferenceNote as Note;

/// A disagreement nobody recorded, or a page or SDK fact the spec cannot
/// match.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The page, the SDK facts file, or the spec (for what only the spec
    /// has) where the error is located.
    pub page: PathBuf,
    pub page_line: usize,
    /// The column in `page`, where it is known (SDK facts, the spec).
    pub page_column: Option<usize>,
    /// The JSON pointer of the fact in an SDK facts file.
    pub source: Option<String>,
    /// JSON pointer of the spec element concerned.
    pub pointer: String,
    pub spec_line: Option<usize>,
    pub message: String,
}

/// A recorded deviation that a page fact exercised.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub page: PathBuf,
    pub page_line: usize,
    /// What was compared: `` `limit` (query parameter) ``.
    pub subject: String,
    pub note: Note,
}

/// Something only the spec has, or a note no page exercised.
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    pub page: Option<PathBuf>,
    pub pointer: String,
    pub message: String,
}

/// What checking one page found.
#[derive(Debug, Default)]
pub struct PageReport {
    pub errors: Vec<Finding>,
    pub accepted: Vec<Accepted>,
    pub info: Vec<Info>,
}

/// Every [`EXTENSION`] note in the spec, and the errors of the malformed
/// ones (each entry needs `page`, `spec` and a non-empty `reason`).
pub fn all_notes(spec: &LoadedSpec) -> (Vec<Note>, Vec<Finding>) {
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    collect_notes(spec, &spec.json, String::new(), &mut notes, &mut errors);
    (notes, errors)
}

fn collect_notes(
    spec: &LoadedSpec,
    value: &Value,
    pointer: String,
    notes: &mut Vec<Note>,
    errors: &mut Vec<Finding>,
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape_pointer_token(key));
                if key == EXTENSION {
                    match parse_notes(child, &child_pointer) {
                        Ok(found) => notes.extend(found),
                        Err((at, message)) => errors.push(spec_finding(spec, &at, message)),
                    }
                } else {
                    collect_notes(spec, child, child_pointer, notes, errors);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_notes(spec, item, format!("{pointer}/{i}"), notes, errors);
            }
        }
        _ => {}
    }
}

/// An error about the spec alone (a malformed note): no page line.
fn spec_finding(spec: &LoadedSpec, pointer: &str, message: String) -> Finding {
    Finding {
        page: spec.path.clone(),
        page_line: locate_pointer(&spec.text, pointer).map_or(0, |(l, _)| l),
        page_column: locate_pointer(&spec.text, pointer).map(|(_, c)| c),
        source: None,
        pointer: pointer.to_string(),
        spec_line: locate_pointer(&spec.text, pointer).map(|(l, _)| l),
        message,
    }
}

/// The notes of the [`EXTENSION`] `value` at `pointer`, compared as the
/// check compares (a note recording no difference is malformed).
pub(super) fn parse_notes(value: &Value, pointer: &str) -> Result<Vec<Note>, (String, String)> {
    extensions::parse_reference_notes(value, pointer, same_as, show)
}

/// The aspects a note may concern: the facts the check compares. The
/// pages' checks compare the first nineteen; the SDK's check compares
/// `required`, `nullable`, `type`, `format` and the ones after `pattern`'s
/// bound, see [`super::sdk`].
pub use crate::extensions::REFERENCE_ASPECTS as ASPECTS;

/// The bounds compared between a page's constraint lines and the spec.
const BOUNDS: [&str; 10] = [
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "pattern",
    MAX_KEY_LENGTH,
];

/// A schema with its `$ref`s followed and its `allOf` members merged as
/// [`Merge::FirstMet`]: each keyword with the pointer it was found at, and
/// every note met on the way.
#[derive(Debug, Default)]
pub(super) struct Flat {
    pub(super) keywords: BTreeMap<String, (Value, String)>,
    /// `properties` of every object met, by name, with their pointers.
    pub(super) properties: BTreeMap<String, String>,
    pub(super) properties_pointer: Option<String>,
    pub(super) required: Vec<String>,
    pub(super) notes: Vec<Note>,
    /// The first schema met that is more than a `$ref`: where a keyword the
    /// spec lacks would be written.
    pub(super) home: Option<String>,
}

impl Flat {
    /// The schema at `pointer` read as [`Merge::FirstMet`], with the notes
    /// of every schema object met on the way.
    pub(super) fn of(spec: &LoadedSpec, pointer: &str) -> Flat {
        let view = schema::Flat::at_pointer(spec, pointer, Merge::FirstMet);
        let mut notes = Vec::new();
        for (node, at) in &view.met {
            if let Some(extension) = node.get(EXTENSION)
                && let Ok(found) = parse_notes(extension, &format!("{at}/{EXTENSION}"))
            {
                notes.extend(found);
            }
        }
        Flat {
            keywords: view
                .keywords
                .iter()
                .map(|(key, (value, _))| {
                    let at = view.at(key);
                    (key.to_string(), ((*value).clone(), at))
                })
                .collect(),
            properties: view
                .properties
                .iter()
                .map(|(name, (_, at))| (name.to_string(), at.clone()))
                .collect(),
            properties_pointer: view.properties_pointer.clone(),
            required: view.required.iter().map(|name| name.to_string()).collect(),
            notes,
            home: view.home.clone(),
        }
    }

    pub(super) fn get(&self, keyword: &str) -> Option<&Value> {
        self.keywords.get(keyword).map(|(v, _)| v)
    }

    pub(super) fn pointer_of(&self, keyword: &str) -> Option<&str> {
        self.keywords.get(keyword).map(|(_, p)| p.as_str())
    }

    /// Where `keyword` is, or would be written.
    pub(super) fn place_of(&self, keyword: &str, fallback: &str) -> String {
        self.pointer_of(keyword)
            .or(self.home.as_deref())
            .unwrap_or(fallback)
            .to_string()
    }

    pub(super) fn nullable(&self) -> bool {
        self.get("nullable") == Some(&Value::Bool(true))
    }

    /// The type in the page's words: `string`, `map[string]`, `array of object`.
    fn describe_type(&self, spec: &LoadedSpec) -> String {
        let ty = self.get("type").and_then(Value::as_str).unwrap_or("any");
        match ty {
            "object" if self.properties.is_empty() => {
                match self.keywords.get("additionalProperties") {
                    Some((Value::Object(_), at)) => {
                        format!("map[{}]", Flat::of(spec, at).describe_type(spec))
                    }
                    _ => "object".into(),
                }
            }
            "array" => match self.pointer_of("items") {
                Some(at) => format!("array of {}", Flat::of(spec, at).describe_type(spec)),
                None => "array".into(),
            },
            other => other.into(),
        }
    }
}

/// Equal as the check compares `aspect`: [`same`], and enum values as sets.
pub(super) fn same_as(aspect: &str, a: &Value, b: &Value) -> bool {
    if aspect == "enum"
        && let (Value::Array(x), Value::Array(y)) = (a, b)
    {
        let sorted = |values: &Vec<Value>| {
            let mut shown: Vec<String> = values.iter().map(Value::to_string).collect();
            shown.sort();
            shown.dedup();
            shown
        };
        return sorted(x) == sorted(y);
    }
    same(a, b)
}

/// Equal as the check compares: numbers by value, prose by [`normalize`].
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => normalize(x) == normalize(y),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

pub(super) fn show(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

/// Collapses whitespace and drops a final period, for comparing prose.
fn normalize(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches('.').to_string()
}

struct Checker<'a> {
    spec: &'a LoadedSpec,
    page: &'a Page,
    report: PageReport,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.page.display(), self.page_line)?;
        if let Some(column) = self.page_column {
            write!(f, ":{column}")?;
        }
        write!(f, ": error: {} (", self.message)?;
        if let Some(source) = &self.source {
            write!(f, "facts {}; ", display_pointer(source))?;
        }
        write!(f, "spec")?;
        if let Some(line) = self.spec_line {
            write!(f, " line {line}")?;
        }
        write!(f, " {})", display_pointer(&self.pointer))
    }
}

pub(super) fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

/// Checks the spec against one page.
pub fn check_page(spec: &LoadedSpec, page: &Page) -> PageReport {
    let mut checker = Checker {
        spec,
        page,
        report: PageReport::default(),
    };
    checker.run();
    checker.report
}

/// Where a page field lives in the spec.
struct Target {
    /// The element that carries notes and `required` (a parameter object or
    /// a property schema).
    pointer: String,
    /// The schema to compare.
    schema: String,
    required: bool,
    /// How the error messages name it: `` `limit` (query parameter) ``.
    subject: String,
}

impl Checker<'_> {
    fn error(&mut self, page_line: usize, pointer: &str, message: impl Into<String>) {
        self.report.errors.push(Finding {
            page: self.page.file.clone(),
            page_line,
            page_column: None,
            source: None,
            pointer: pointer.to_string(),
            spec_line: locate_pointer(&self.spec.text, pointer).map(|(l, _)| l),
            message: message.into(),
        });
    }

    fn info(&mut self, pointer: &str, message: impl Into<String>) {
        self.report.info.push(Info {
            page: Some(self.page.file.clone()),
            pointer: pointer.to_string(),
            message: message.into(),
        });
    }

    /// Compares one aspect; a difference is accepted only by a matching note.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        subject: &str,
        aspect: &str,
        page_line: usize,
        page_value: Value,
        spec_value: Value,
        pointer: &str,
        notes: &[Note],
    ) {
        if same(&page_value, &spec_value) {
            return;
        }
        let note = notes
            .iter()
            .find(|n| n.aspect == aspect && n.page.is_some());
        match note {
            Some(note)
                if note.page.as_ref().is_some_and(|p| same(p, &page_value))
                    && same(&note.spec, &spec_value) =>
            {
                self.report.accepted.push(Accepted {
                    page: self.page.file.clone(),
                    page_line,
                    subject: subject.to_string(),
                    note: note.clone(),
                });
            }
            Some(note) => {
                let note_pointer = note.pointer.clone();
                let message = format!(
                    "{subject}: {aspect}: the page says {}, the spec says {}; the {EXTENSION} note at {note_pointer} records page {}, spec {}",
                    show(&page_value),
                    show(&spec_value),
                    show(note.page.as_ref().unwrap_or(&Value::Null)),
                    show(&note.spec)
                );
                self.error(page_line, &note_pointer, message);
            }
            None => {
                let message = format!(
                    "{subject}: {aspect}: the page says {}, the spec says {}",
                    show(&page_value),
                    show(&spec_value)
                );
                self.error(page_line, pointer, message);
            }
        }
    }

    fn run(&mut self) {
        let page = self.page;
        let path = &page.path.value;
        let path_pointer = format!("/paths/{}", escape_pointer_token(path));
        let Some(item) = self.spec.json.pointer(&path_pointer) else {
            self.error(
                page.path.line,
                "/paths",
                format!("the spec has no path `{path}`"),
            );
            return;
        };
        let methods: Vec<String> = item
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter(|k| {
                [
                    "get", "put", "post", "delete", "options", "head", "patch", "trace",
                ]
                .contains(&k.as_str())
            })
            .cloned()
            .collect();
        let method = match &page.method {
            Some(method) => {
                if !methods.contains(&method.value) {
                    self.error(
                        method.line,
                        &path_pointer,
                        format!(
                            "the spec has no `{}` operation at `{path}` (it has: {})",
                            method.value.to_uppercase(),
                            methods.join(", ")
                        ),
                    );
                    return;
                }
                method.value.clone()
            }
            None => {
                let [only] = methods.as_slice() else {
                    self.error(
                        page.path.line,
                        &path_pointer,
                        format!(
                            "the page states no method and the spec has {} operations at `{path}`; cannot tell which one the page documents",
                            methods.len()
                        ),
                    );
                    return;
                };
                let op_pointer = format!("{path_pointer}/{only}");
                let notes = Flat::of(self.spec, &op_pointer).notes;
                let id = item
                    .pointer(&format!("/{only}/operationId"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                self.compare(
                    &format!("operation `{id}`"),
                    "method",
                    page.path.line,
                    Value::Null,
                    Value::String(only.clone()),
                    &op_pointer,
                    &notes,
                );
                only.clone()
            }
        };
        let op_pointer = format!("{path_pointer}/{method}");
        self.operation(&op_pointer, &method);
    }

    fn operation(&mut self, op_pointer: &str, method: &str) {
        let page = self.page;
        let op = self
            .spec
            .json
            .pointer(op_pointer)
            .cloned()
            .unwrap_or_default();
        let notes = Flat::of(self.spec, op_pointer).notes;
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let subject = format!("operation `{id}`");

        if let Some(signature) = &page.signature {
            self.compare(
                &subject,
                "operationId",
                signature.line,
                Value::String(format!("{}_{}", signature.resource, signature.method)),
                Value::String(id.clone()),
                &format!("{op_pointer}/operationId"),
                &notes,
            );
        }
        self.compare(
            &subject,
            "summary",
            page.title.line,
            Value::String(page.title.value.clone()),
            op.get("summary").cloned().unwrap_or(Value::Null),
            &format!("{op_pointer}/summary"),
            &notes,
        );
        self.compare(
            &subject,
            "description",
            page.description.line,
            Value::String(normalize(&page.description.value)),
            op.get("description")
                .and_then(Value::as_str)
                .map_or(Value::Null, |d| Value::String(normalize(d))),
            &format!("{op_pointer}/description"),
            &notes,
        );

        // Success statuses: the pages state none; one 2XX is the plain
        // reading, several are a decision.
        let responses: Vec<String> = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.keys())
            .cloned()
            .collect();
        let success: Vec<String> = responses
            .iter()
            .filter(|code| code.starts_with('2'))
            .cloned()
            .collect();
        if success.len() > 1 {
            self.compare(
                &subject,
                "status",
                page.returns.line,
                Value::Null,
                Value::Array(success.iter().cloned().map(Value::String).collect()),
                &format!("{op_pointer}/responses"),
                &notes,
            );
        }
        for code in &responses {
            if success.first() != Some(code) {
                let schema = self
                    .response_schema(&format!(
                        "{op_pointer}/responses/{}",
                        escape_pointer_token(code)
                    ))
                    .and_then(|p| self.spec.json.pointer(&p).cloned())
                    .and_then(|s| s.get("$ref").and_then(Value::as_str).map(str::to_string))
                    .map(|r| format!(" (schema `{}`)", r.rsplit('/').next().unwrap_or_default()))
                    .unwrap_or_default();
                let what = if code.starts_with('2') {
                    format!("an alternative success status the page does not state{schema}")
                } else {
                    format!("an error response; the page documents no error body{schema}")
                };
                self.info(
                    &format!("{op_pointer}/responses/{}", escape_pointer_token(code)),
                    format!("{subject}: response `{code}` is only in the spec: {what}"),
                );
            }
        }

        if let Some(RequestExample::Curl {
            line,
            method: curl_method,
            url,
            explicit_method,
        }) = &page.request_example
        {
            self.curl(
                *line,
                curl_method,
                *explicit_method,
                url,
                method,
                op_pointer,
                &subject,
            );
        }

        let body_schema = self.body_schema(op_pointer);
        let mut seen_params = Vec::new();
        for (section, field) in &page.params {
            let Some(target) =
                self.locate_param(op_pointer, method, *section, field, body_schema.as_deref())
            else {
                continue;
            };
            seen_params.push(target.pointer.clone());
            self.field(field, &target);
        }
        if let Some(RequestExample::Python {
            line,
            resource,
            method: call,
            kwargs,
        }) = &page.request_example
        {
            if let Some(signature) = &page.signature
                && (resource != &signature.resource || call != &signature.method)
            {
                self.error(
                    *line,
                    op_pointer,
                    format!(
                        "the call example calls `{resource}.{call}` but the signature documents `{}.{}`",
                        signature.resource, signature.method
                    ),
                );
            }
            for kwarg in kwargs {
                let field = Field {
                    line: kwarg.line,
                    name: kwarg.name.clone(),
                    wire_name: kwarg.wire_name.clone(),
                    optional: true,
                    ty: PageType::String,
                    implied_format: None,
                    description: String::new(),
                    constraints: Vec::new(),
                    children: Vec::new(),
                };
                if let Some(target) = self.locate_param(
                    op_pointer,
                    method,
                    Section::Parameters,
                    &field,
                    body_schema.as_deref(),
                ) {
                    for violation in validate::validate(self.spec, &target.schema, &kwarg.value) {
                        self.error(
                            kwarg.line,
                            &violation.schema,
                            format!(
                                "the call example's `{}={}` does not validate against {}: {}",
                                kwarg.name, kwarg.value, target.subject, violation.message
                            ),
                        );
                    }
                }
            }
        }
        self.spec_only_params(op_pointer, &seen_params, &subject);

        let Some(success_code) = success.first() else {
            return;
        };
        let response_schemas: Vec<String> = success
            .iter()
            .filter_map(|code| {
                self.response_schema(&format!(
                    "{op_pointer}/responses/{}",
                    escape_pointer_token(code)
                ))
            })
            .collect();
        let Some(schema) = self.response_schema(&format!(
            "{op_pointer}/responses/{}",
            escape_pointer_token(success_code)
        )) else {
            self.error(
                page.returns.line,
                &format!("{op_pointer}/responses/{success_code}"),
                format!("{subject}: the page documents a returned object but the spec's `{success_code}` response has no application/json schema"),
            );
            return;
        };
        self.returns(&schema, &subject);

        for example in &page.json_examples {
            let mut checked = Vec::new();
            for schema in &response_schemas {
                let target = Flat::of(self.spec, schema);
                let key = target
                    .properties_pointer
                    .clone()
                    .unwrap_or_else(|| schema.clone());
                if checked.contains(&key) {
                    continue;
                }
                checked.push(key);
                for violation in validate::validate(self.spec, schema, &example.value) {
                    self.error(
                        example.line,
                        &violation.schema,
                        format!(
                            "the JSON example at {} does not validate against the response schema: {}",
                            if violation.instance.is_empty() { "its root".to_string() } else { format!("`{}`", violation.instance) },
                            violation.message
                        ),
                    );
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn curl(
        &mut self,
        line: usize,
        curl_method: &str,
        explicit: bool,
        url: &str,
        method: &str,
        op_pointer: &str,
        subject: &str,
    ) {
        if curl_method != method {
            let how = if explicit {
                ""
            } else {
                " (curl's default: no -X and no data)"
            };
            self.error(
                line,
                op_pointer,
                format!(
                    "{subject}: the curl example sends {}{how}, the spec's operation is {}",
                    curl_method.to_uppercase(),
                    method.to_uppercase()
                ),
            );
        }
        let servers: Vec<String> = self
            .spec
            .json
            .pointer("/servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("url").and_then(Value::as_str))
            .map(|s| s.trim_end_matches('/').to_string())
            .collect();
        let Some(rest) = servers.iter().find_map(|s| url.strip_prefix(s.as_str())) else {
            self.error(
                line,
                "/servers",
                format!(
                    "the curl example's URL `{url}` is on none of the spec's servers ({})",
                    servers.join(", ")
                ),
            );
            return;
        };
        let path = &self.page.path.value;
        let matches = rest.split('/').count() == path.split('/').count()
            && rest
                .split('/')
                .zip(path.split('/'))
                .all(|(sent, template)| {
                    sent == template
                        || (template.starts_with('{')
                            && (sent.starts_with('$') || sent.starts_with('{')))
                });
        if !matches {
            self.error(
                line,
                op_pointer,
                format!("the curl example's path `{rest}` does not match the page's path `{path}`"),
            );
        }
    }

    fn body_schema(&self, op_pointer: &str) -> Option<String> {
        let body = self
            .spec
            .json
            .pointer(&format!("{op_pointer}/requestBody"))?;
        let base = match body.get("$ref").and_then(Value::as_str) {
            Some(r) => r.strip_prefix('#')?.to_string(),
            None => format!("{op_pointer}/requestBody"),
        };
        let pointer = format!("{base}/content/application~1json/schema");
        self.spec.json.pointer(&pointer).map(|_| pointer)
    }

    fn response_schema(&self, response_pointer: &str) -> Option<String> {
        let response = self.spec.json.pointer(response_pointer)?;
        let base = match response.get("$ref").and_then(Value::as_str) {
            Some(r) => r.strip_prefix('#')?.to_string(),
            None => response_pointer.to_string(),
        };
        let pointer = format!("{base}/content/application~1json/schema");
        self.spec.json.pointer(&pointer).map(|_| pointer)
    }

    /// The spec's parameters of the operation (and its path item), with the
    /// pointer of each, `$ref`s followed.
    fn spec_params(&self, op_pointer: &str) -> Vec<(String, Value)> {
        let item_pointer = op_pointer
            .rsplit_once('/')
            .map_or("", |(p, _)| p)
            .to_string();
        let mut params = Vec::new();
        for owner in [op_pointer.to_string(), item_pointer] {
            let list = format!("{owner}/parameters");
            for i in 0..self
                .spec
                .json
                .pointer(&list)
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
            {
                let mut pointer = format!("{list}/{i}");
                let mut value = self
                    .spec
                    .json
                    .pointer(&pointer)
                    .cloned()
                    .unwrap_or_default();
                if let Some(target) = value
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix('#'))
                {
                    pointer = target.to_string();
                    value = self
                        .spec
                        .json
                        .pointer(&pointer)
                        .cloned()
                        .unwrap_or_default();
                }
                params.push((pointer, value));
            }
        }
        params
    }

    fn locate_param(
        &mut self,
        op_pointer: &str,
        method: &str,
        section: Section,
        field: &Field,
        body_schema: Option<&str>,
    ) -> Option<Target> {
        let name = &field.wire_name;
        let location = match section {
            Section::Path => "path",
            Section::Query => "query",
            Section::Body => "body",
            Section::Returns => unreachable!("returned fields are not parameters"),
            Section::Parameters => {
                if self.page.path.value.contains(&format!("{{{name}}}")) {
                    "path"
                } else if ["get", "delete", "head"].contains(&method) {
                    "query"
                } else {
                    "body"
                }
            }
        };
        if location == "body" {
            let Some(schema) = body_schema else {
                self.error(
                    field.line,
                    op_pointer,
                    format!("body field `{name}`: the spec's operation has no application/json request body"),
                );
                return None;
            };
            let flat = Flat::of(self.spec, schema);
            let Some(pointer) = flat.properties.get(name).cloned() else {
                let at = flat
                    .properties_pointer
                    .clone()
                    .unwrap_or_else(|| schema.to_string());
                self.error(
                    field.line,
                    &at,
                    format!(
                        "body field `{name}`: the spec's request body has no property `{name}`"
                    ),
                );
                return None;
            };
            return Some(Target {
                schema: pointer.clone(),
                pointer,
                required: flat.required.contains(name),
                subject: format!("`{name}` (body field)"),
            });
        }
        let params = self.spec_params(op_pointer);
        let found = params.iter().find(|(_, p)| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(location)
        });
        let Some((pointer, param)) = found else {
            let elsewhere = params
                .iter()
                .find(|(_, p)| p.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|(_, p)| p.get("in").and_then(Value::as_str))
                .map(|i| format!(" (it has a {i} parameter of that name)"))
                .unwrap_or_default();
            self.error(
                field.line,
                op_pointer,
                format!("{location} parameter `{name}`: the spec's operation has no {location} parameter `{name}`{elsewhere}"),
            );
            return None;
        };
        Some(Target {
            schema: format!("{pointer}/schema"),
            pointer: pointer.clone(),
            required: param.get("required") == Some(&Value::Bool(true)),
            subject: format!("`{name}` ({location} parameter)"),
        })
    }

    fn spec_only_params(&mut self, op_pointer: &str, seen: &[String], subject: &str) {
        for (pointer, param) in self.spec_params(op_pointer) {
            if !seen.contains(&pointer) {
                let name = param
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                self.info(
                    &pointer,
                    format!("{subject}: parameter `{name}` is only in the spec"),
                );
            }
        }
        if let Some(schema) = self.body_schema(op_pointer) {
            let flat = Flat::of(self.spec, &schema);
            let page_fields: Vec<&str> = self
                .page
                .params
                .iter()
                .map(|(_, f)| f.wire_name.as_str())
                .collect();
            let missing: Vec<(String, String)> = flat
                .properties
                .iter()
                .filter(|(name, _)| !page_fields.contains(&name.as_str()))
                .map(|(n, p)| (n.clone(), p.clone()))
                .collect();
            for (name, pointer) in missing {
                self.info(
                    &pointer,
                    format!("{subject}: body property `{name}` is only in the spec"),
                );
            }
        }
    }

    fn returns(&mut self, schema: &str, subject: &str) {
        let page = self.page;
        let mut object = schema.to_string();
        if let Some(signature) = &page.signature
            && let Some((page_class, items)) = &signature.cursor_page
        {
            let flat = Flat::of(self.spec, schema);
            let items_schema = flat
                .properties
                .get(items)
                .map(|p| Flat::of(self.spec, p))
                .and_then(|f| f.pointer_of("items").map(str::to_string));
            let Some(items_schema) = items_schema else {
                let at = flat
                    .properties_pointer
                    .clone()
                    .unwrap_or_else(|| schema.to_string());
                self.error(
                    signature.line,
                    &at,
                    format!("{subject}: the page returns a `{page_class}` whose items field is `{items}`, but the spec's response has no array property `{items}`"),
                );
                return;
            };
            for (name, pointer) in &flat.properties {
                if name != items {
                    self.info(pointer, format!("{subject}: `{name}` of the `{page_class}` page is only in the spec (the Python view shows the items)"));
                }
            }
            object = items_schema;
        }
        self.object(&page.returns.fields, &object, "", subject);
    }

    /// Compares the page's fields with the properties of the object schema.
    fn object(&mut self, fields: &[Field], schema: &str, prefix: &str, subject: &str) {
        let flat = Flat::of(self.spec, schema);
        let at = flat
            .properties_pointer
            .clone()
            .unwrap_or_else(|| schema.to_string());
        for field in fields {
            let name = &field.wire_name;
            let Some(pointer) = flat.properties.get(name).cloned() else {
                self.error(
                    field.line,
                    &at,
                    format!("returned field `{prefix}{name}`: the spec's response schema has no property `{name}`"),
                );
                continue;
            };
            let target = Target {
                schema: pointer.clone(),
                pointer,
                required: flat.required.contains(name),
                subject: format!("`{prefix}{name}` (returned field)"),
            };
            self.field(field, &target);
        }
        let page_names: Vec<&str> = fields.iter().map(|f| f.wire_name.as_str()).collect();
        for (name, pointer) in &flat.properties {
            if !page_names.contains(&name.as_str()) {
                self.info(
                    pointer,
                    format!("{subject}: returned property `{prefix}{name}` is only in the spec"),
                );
            }
        }
    }

    fn field(&mut self, field: &Field, target: &Target) {
        let view = self.page.view;
        let mut flat = Flat::of(self.spec, &target.schema);
        if target.pointer != target.schema {
            // A parameter's own notes count too.
            if let Some(Value::Object(param)) = self.spec.json.pointer(&target.pointer)
                && let Some(extension) = param.get(EXTENSION)
                && let Ok(notes) =
                    parse_notes(extension, &format!("{}/{EXTENSION}", target.pointer))
            {
                flat.notes.extend(notes);
            }
        }
        let subject = target.subject.as_str();
        let required_pointer = if target.pointer == target.schema {
            // A property: `required` lives on the parent object.
            target
                .pointer
                .rsplit_once("/properties/")
                .map_or(target.pointer.clone(), |(p, _)| format!("{p}/required"))
        } else {
            format!("{}/required", target.pointer)
        };

        // Presence and nullability, by the view's conventions.
        let page_required = match (view, field.optional) {
            (View::Http, optional) => Value::Bool(!optional),
            (View::Python, false) => Value::Bool(true),
            (View::Python, true) => Value::Null,
        };
        if !page_required.is_null() {
            self.compare(
                subject,
                "required",
                field.line,
                page_required,
                Value::Bool(target.required),
                &required_pointer,
                &flat.notes,
            );
        }
        let page_nullable = match (view, field.optional) {
            (View::Python, false) => Value::Bool(false),
            (View::Python, true) if target.required => Value::Bool(true),
            _ => Value::Null,
        };
        let spec_nullable = flat.nullable();
        let nullable_pointer = flat.place_of("nullable", &target.schema);
        if !page_nullable.is_null() || spec_nullable {
            self.compare(
                subject,
                "nullable",
                field.line,
                page_nullable,
                Value::Bool(spec_nullable),
                &nullable_pointer,
                &flat.notes,
            );
        }

        self.compare(
            subject,
            "type",
            field.line,
            Value::String(field.ty.describe()),
            Value::String(flat.describe_type(self.spec)),
            &flat.place_of("type", &target.schema),
            &flat.notes,
        );
        let (format_line, page_format) = match field.format() {
            Some((line, format)) => (line, Value::String(format)),
            None => (field.line, Value::Null),
        };
        self.compare(
            subject,
            "format",
            format_line,
            page_format,
            flat.get("format").cloned().unwrap_or(Value::Null),
            &flat.place_of("format", &target.schema),
            &flat.notes,
        );
        self.bounds(field, &flat, subject, &target.schema);

        match &field.ty {
            PageType::Map(_) => {
                if let Some(values) = flat.pointer_of("additionalProperties").map(str::to_string)
                    && self
                        .spec
                        .json
                        .pointer(&values)
                        .is_some_and(Value::is_object)
                {
                    let value_flat = Flat::of(self.spec, &values);
                    let value_field = Field {
                        constraints: Vec::new(),
                        ..field.clone()
                    };
                    self.bounds(
                        &value_field,
                        &value_flat,
                        &format!("the values of {subject}"),
                        &values,
                    );
                }
            }
            PageType::Array(item) if **item == PageType::Object => {
                if let Some(items) = flat.pointer_of("items").map(str::to_string) {
                    let prefix = format!("{}[].", field.wire_name);
                    self.object(&field.children, &items, &prefix, "returned");
                }
            }
            PageType::Object => self.object(
                &field.children,
                &target.schema,
                &format!("{}.", field.wire_name),
                "returned",
            ),
            _ => {}
        }
    }

    fn bounds(&mut self, field: &Field, flat: &Flat, subject: &str, schema: &str) {
        for keyword in BOUNDS {
            let page = field.constraints.iter().find(|c| c.keyword == keyword);
            let spec_value = flat.get(keyword).cloned().unwrap_or(Value::Null);
            let pointer = flat.place_of(keyword, schema);
            self.compare(
                subject,
                keyword,
                page.map_or(field.line, |c| c.line),
                page.map_or(Value::Null, |c| c.value.clone()),
                spec_value,
                &pointer,
                &flat.notes,
            );
        }
    }
}
