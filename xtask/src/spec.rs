//! The one model of `spec/openapi.yaml` that every generator reads: loading
//! and checking the spec before any generator sees it, its operations
//! ([`LoadedSpec::operations`]), `$ref` resolution ([`LoadedSpec::deref`],
//! [`LoadedSpec::resolve_schema`], [`LoadedSpec::description`]) and the
//! parsed, checked pagination of an operation ([`Pagination`], parsed by
//! [`extensions`], where every vendor extension lives).
//!
//! Every error names the file and, where it can, the line and column and the
//! JSON pointer of the offending node, so a bad edit is found in seconds.
//!
//! A typical walk:
//!
//! ```
//! # fn walk(spec: &xtask::spec::LoadedSpec) {
//! for op in spec.operations() {
//!     println!("{} {} {} at {}", op.id, op.method, op.path, op.pointer);
//!     if let Some(pagination) = op.pagination {
//!         println!("  pages through `{}`", pagination.items.name);
//!     }
//! }
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, StatusCode};
use serde_json::Value;

use crate::{extensions, schema};

/// A spec that parsed and passed our checks, with its source text kept for
/// hashing and for locating nodes in later checks.
pub struct LoadedSpec {
    pub path: PathBuf,
    pub text: String,
    /// The document as plain JSON, for walks that the typed model makes awkward
    /// (vendor extensions, `$ref` targets).
    pub json: Value,
    pub openapi: OpenAPI,
    /// The [`extensions::PAGINATION`] of each operation that has one, by
    /// operationId: parsed and checked, or why it is unusable (see
    /// [`LoadedSpec::check_pagination`]).
    paginations: BTreeMap<String, Result<Pagination, SpecError>>,
}

pub use crate::extensions::{
    MAX_KEY_LENGTH as MAX_KEY_LENGTH_EXTENSION, PAGINATION as PAGINATION_EXTENSION, PageField,
    Pagination,
};

/// One operation of the spec, in the order of the spec's paths and of
/// openapiv3's methods within a path item. Every operation of a loaded spec
/// has a non-empty, unique operationId.
#[derive(Clone)]
pub struct SpecOperation<'a> {
    /// The `operationId`.
    pub id: &'a str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, such as `/v1/orgs/{orgId}`.
    pub path: &'a str,
    /// The JSON pointer of the operation, such as `/paths/~1v1~1orgs/get`.
    pub pointer: String,
    /// The typed operation.
    pub operation: &'a openapiv3::Operation,
    /// The JSON of the operation (vendor extensions included).
    pub json: &'a Value,
    /// The operation's checked pagination, when it is marked
    /// [`extensions::PAGINATION`].
    pub pagination: Option<&'a Pagination>,
}

impl<'a> SpecOperation<'a> {
    /// The resource the operation belongs to, as the official SDKs name it:
    /// its first tag split at `.` (`auto_scribe.studies.external.reports` →
    /// `["auto_scribe", "studies", "external", "reports"]`). Checked at load:
    /// every segment is a snake_case Rust identifier.
    pub fn resource(&self) -> Vec<&'a str> {
        self.operation
            .tags
            .first()
            .map(|tag| tag.split('.').collect())
            .unwrap_or_default()
    }

    /// The operation's verb on its resource: the operationId after the
    /// resource path written with `_` (`auto_scribe_studies_external_reports_create`
    /// → `create`). Checked at load: the operationId starts with that prefix
    /// and the rest is a snake_case Rust identifier.
    pub fn verb(&self) -> &'a str {
        let prefix = self.resource().join("_");
        self.id
            .strip_prefix(prefix.as_str())
            .and_then(|rest| rest.strip_prefix('_'))
            .unwrap_or(self.id)
    }
}

/// Where a parameter goes: its `in`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl Location {
    /// The location of an `in` value (`query`), if it is one.
    pub fn from_key(key: &str) -> Option<Location> {
        [
            Location::Path,
            Location::Query,
            Location::Header,
            Location::Cookie,
        ]
        .into_iter()
        .find(|l| l.as_str() == key)
    }

    /// As the spec writes it: `path`, `query`, `header`, `cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// A parameter of an operation, its `$ref` resolved.
pub struct SpecParameter<'a> {
    /// Its index in the operation's `parameters`.
    pub index: usize,
    /// The JSON pointer of the parameter as written (a `$ref` or inline).
    pub pointer: String,
    pub name: &'a str,
    /// Where the parameter goes; `None` for an `in` OpenAPI does not know
    /// (openapiv3 refuses such a document at load).
    pub location: Option<Location>,
    pub required: bool,
    /// The parameter's JSON (resolved), with its `description`, `schema`
    /// and `example`.
    pub json: &'a Value,
}

impl SpecParameter<'_> {
    /// Whether this is an array query parameter sent as one comma-separated
    /// value (`style: form`, the default, with `explode: false`:
    /// `status=a,b`), rather than repeated (`status=a&status=b`).
    pub fn is_comma_separated_array(&self, spec: &LoadedSpec) -> bool {
        let schema = self.json.get("schema").map(|s| spec.deref(s));
        self.location == Some(Location::Query)
            && schema.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("array")
            && self
                .json
                .get("style")
                .and_then(Value::as_str)
                .unwrap_or("form")
                == "form"
            && self.json.get("explode").and_then(Value::as_bool) == Some(false)
    }
}

/// A problem with the spec, located as precisely as we can.
#[derive(Debug, Clone)]
pub struct SpecError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
    /// JSON pointer to the offending node, when known.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(pointer) = &self.pointer {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

impl LoadedSpec {
    /// An error located at `pointer`, with the line found in the source text.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            path: self.path.clone(),
            line_col: locate_pointer(&self.text, pointer),
            pointer: Some(pointer.to_string()),
            message: message.into(),
        }
    }

    /// `file:line:col (at pointer)`, for warnings that name a node.
    pub fn located(&self, pointer: &str) -> String {
        match locate_pointer(&self.text, pointer) {
            Some((line, col)) => format!("{}:{line}:{col} (at {pointer})", self.path.display()),
            None => format!("{} (at {pointer})", self.path.display()),
        }
    }

    /// Resolves a local `$ref` such as `#/components/schemas/Org`.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        reference
            .strip_prefix('#')
            .and_then(|pointer| self.json.pointer(pointer))
    }

    /// Every operation of the spec, with its checked pagination.
    pub fn operations(&self) -> Vec<SpecOperation<'_>> {
        let mut out = Vec::new();
        for (path, item) in &self.openapi.paths.paths {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            for (key, operation) in item.iter() {
                let method = Method::from_key(key).expect("openapiv3 yields only HTTP methods");
                let id = operation.operation_id.as_deref().unwrap_or_default();
                let pointer = operation_pointer(path, method.as_str());
                let json = self.json.pointer(&pointer).unwrap_or(&Value::Null);
                out.push(SpecOperation {
                    id,
                    method,
                    path,
                    pointer,
                    operation,
                    json,
                    pagination: self.paginations.get(id).and_then(|p| p.as_ref().ok()),
                });
            }
        }
        out
    }

    /// Fails with the first operation whose [`extensions::PAGINATION`] is
    /// unusable (see [`Pagination`] for the rules). Generators call this:
    /// [`Self::operations`] leaves such an operation's `pagination` empty,
    /// which is enough for a spec diff but not for code generation.
    pub fn check_pagination(&self) -> Result<(), SpecError> {
        match self.paginations.values().find_map(|p| p.as_ref().err()) {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// Follows `$ref`s and single-member `allOf`s (how the spec makes a
    /// referenced schema nullable) from a JSON schema to the schema that says
    /// what a value is.
    pub fn schema_json<'a>(&'a self, schema: &'a Value) -> &'a Value {
        schema::schema_json(self, schema)
    }

    /// The description of a schema or parameter: its own, else the first
    /// one found behind its `$ref`s and single-member `allOf`s (a property
    /// written as a bare `$ref: OrgName` is described by `OrgName`).
    pub fn description<'a>(&'a self, mut value: &'a Value) -> Option<&'a str> {
        for _ in 0..64 {
            if let Some(text) = value
                .get("description")
                .and_then(Value::as_str)
                .filter(|d| !d.trim().is_empty())
            {
                return Some(text);
            }
            let next = match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => self.resolve_ref(reference),
                None => schema::one_part(value),
            };
            value = next?;
        }
        None
    }

    /// The typed form of [`Self::schema_json`]: follows `$ref`s to
    /// `#/components/schemas/...` and single-member `allOf`s.
    pub fn resolve_schema<'a>(&'a self, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
        schema::typed(self, schema)
    }

    /// The typed response behind a `$ref` to `#/components/responses/...`.
    pub fn resolve_response<'a>(
        &'a self,
        response: &'a ReferenceOr<openapiv3::Response>,
    ) -> Option<&'a openapiv3::Response> {
        match response {
            ReferenceOr::Item(response) => Some(response),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                match self.openapi.components.as_ref()?.responses.get(name)? {
                    ReferenceOr::Item(response) => Some(response),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        }
    }

    /// [`Self::resolve_schema`] for the boxed schemas of properties and items.
    pub fn resolve_boxed_schema<'a>(
        &'a self,
        schema: &'a ReferenceOr<Box<Schema>>,
    ) -> Option<&'a Schema> {
        schema::typed_boxed(self, schema)
    }

    /// Follows `$ref`s from `value` until a node that is not a reference.
    pub fn deref<'a>(&'a self, value: &'a Value) -> &'a Value {
        schema::deref(self, value)
    }

    /// [`Self::deref`] that also follows the JSON pointer: `value` is at
    /// `pointer`, and the node returned is at the pointer returned (that of
    /// the last component followed, or `pointer` when `value` is no `$ref`).
    /// A `$ref` that points at nothing, or a cycle, stops the walk.
    pub fn deref_at<'a>(&'a self, value: &'a Value, pointer: &str) -> (&'a Value, String) {
        schema::deref_at(self, value, pointer)
    }
}

/// The HTTP method of an operation. `Display` writes it as HTTP does
/// (`GET`); [`Method::as_str`] as the spec's path item key (`get`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// Every method, in openapiv3's order within a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The method of a path item key (`get`), if it is one.
    pub fn from_key(key: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == key)
    }

    /// The path item key: `get`, `post`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// As HTTP writes it: `GET`, `POST`, ...
    pub fn as_http(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_http())
    }
}

/// The JSON pointer of the operation at `path` and `method`.
pub fn operation_pointer(path: &str, method: &str) -> String {
    format!("/paths/{}/{method}", escape_pointer_token(path))
}

impl<'a> SpecOperation<'a> {
    /// The operation's parameters, `$ref`s resolved.
    pub fn parameters(&self, spec: &'a LoadedSpec) -> Vec<SpecParameter<'a>> {
        let list = self.json.get("parameters").and_then(Value::as_array);
        list.into_iter()
            .flatten()
            .enumerate()
            .map(|(index, written)| {
                let json = spec.deref(written);
                let text = |key: &str| json.get(key).and_then(Value::as_str).unwrap_or_default();
                SpecParameter {
                    index,
                    pointer: format!("{}/parameters/{index}", self.pointer),
                    name: text("name"),
                    location: Location::from_key(text("in")),
                    required: json.get("required").and_then(Value::as_bool) == Some(true),
                    json,
                }
            })
            .collect()
    }

    /// The JSON request body, `$ref` resolved: its pointer, the schema as
    /// written (often a `$ref`) and the media type's example.
    pub fn json_body(&self, spec: &'a LoadedSpec) -> Option<JsonBody<'a>> {
        let body = spec.deref(self.json.get("requestBody")?);
        let media = body.pointer("/content/application~1json")?;
        Some(JsonBody {
            pointer: format!("{}/requestBody", self.pointer),
            schema: media.get("schema")?,
            example: media_example(spec, media),
        })
    }

    /// The property names of the JSON request body's object schema, in the
    /// spec's order (the JSON model sorts keys; the typed one keeps order).
    pub fn json_body_properties(&self, spec: &'a LoadedSpec) -> Vec<&'a str> {
        let body = match &self.operation.request_body {
            Some(ReferenceOr::Item(body)) => Some(body),
            Some(ReferenceOr::Reference { reference }) => reference
                .strip_prefix("#/components/requestBodies/")
                .and_then(|name| spec.openapi.components.as_ref()?.request_bodies.get(name))
                .and_then(|body| match body {
                    ReferenceOr::Item(body) => Some(body),
                    ReferenceOr::Reference { .. } => None,
                }),
            None => None,
        };
        let schema = body
            .and_then(|b| b.content.get("application/json"))
            .and_then(|m| m.schema.as_ref())
            .and_then(|s| spec.resolve_schema(s));
        match schema.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(openapiv3::Type::Object(object))) => {
                object.properties.keys().map(String::as_str).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The operation's responses by status code (as written: `200`, `4XX`,
    /// `default`), `$ref`s resolved, with their pointers.
    pub fn responses(&self, spec: &'a LoadedSpec) -> Vec<(&'a str, String, &'a Value)> {
        let responses = self.json.get("responses").and_then(Value::as_object);
        responses
            .into_iter()
            .flatten()
            .map(|(code, response)| {
                (
                    code.as_str(),
                    format!("{}/responses/{}", self.pointer, escape_pointer_token(code)),
                    spec.deref(response),
                )
            })
            .collect()
    }
}

/// The JSON request body of an operation.
pub struct JsonBody<'a> {
    /// The pointer of the operation's `requestBody`.
    pub pointer: String,
    /// The body's schema as written (often a `$ref`).
    pub schema: &'a Value,
    /// The media type's `example`, else the `value` of the first of its
    /// `examples`, when it has one.
    pub example: Option<&'a Value>,
}

/// The example of a media type (a request body's or a response's
/// `content.application/json`): its `example`, else the `value` of the
/// first of its `examples`.
pub fn media_example<'a>(spec: &'a LoadedSpec, media: &'a Value) -> Option<&'a Value> {
    media.get("example").or_else(|| {
        let examples = media.get("examples")?.as_object()?;
        let (_, first) = examples.iter().next()?;
        spec.deref(first).get("value")
    })
}

/// The JSON schema of a response (`content.application/json.schema`), as
/// written.
pub fn response_json_schema(response: &Value) -> Option<&Value> {
    response.pointer("/content/application~1json/schema")
}

/// Reads, parses and checks the spec at `path`.
pub fn load(path: &Path) -> Result<LoadedSpec, SpecError> {
    let plain = |message: String| SpecError {
        path: path.to_path_buf(),
        line_col: None,
        pointer: None,
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| plain(format!("cannot read the spec: {e}")))?;
    parse(path, text)
}

/// Parses and checks spec `text`, reporting errors against `path`.
pub fn parse(path: &Path, text: String) -> Result<LoadedSpec, SpecError> {
    let yaml_error = |e: serde_yaml::Error, what: &str| SpecError {
        path: path.to_path_buf(),
        line_col: e.location().map(|l| (l.line(), l.column())),
        pointer: None,
        message: format!("{what}: {e}"),
    };
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| yaml_error(e, "not valid YAML"))?;
    if !yaml.is_mapping() {
        return Err(SpecError {
            path: path.to_path_buf(),
            line_col: Some((1, 1)),
            pointer: Some(String::new()),
            message:
                "the document must be a mapping (an OpenAPI object), found a scalar or a sequence"
                    .into(),
        });
    }
    let json: Value = serde_yaml::from_value(yaml).map_err(|e| SpecError {
        path: path.to_path_buf(),
        line_col: None,
        pointer: None,
        message: format!("the document cannot be represented as JSON: {e}"),
    })?;

    let pre = PreCheck {
        path,
        text: &text,
        json: &json,
    };
    pre.check_version()?;

    let openapi: OpenAPI = serde_yaml::from_str(&text)
        .map_err(|e| yaml_error(e, "not a valid OpenAPI 3.0 document"))?;
    let spec = LoadedSpec {
        path: path.to_path_buf(),
        text,
        json,
        openapi,
        paginations: BTreeMap::new(),
    };
    check_refs(&spec)?;
    check_operations(&spec)?;
    Ok(spec.with_paginations())
}

impl LoadedSpec {
    /// A document that parsed as OpenAPI 3.0 but was not (or did not pass)
    /// checked, for tools that must still read such a side (spec-diff).
    /// Pagination is parsed where it can be, as for a checked spec.
    pub fn unchecked(path: PathBuf, text: String, json: Value, openapi: OpenAPI) -> LoadedSpec {
        LoadedSpec {
            path,
            text,
            json,
            openapi,
            paginations: BTreeMap::new(),
        }
        .with_paginations()
    }

    fn with_paginations(mut self) -> LoadedSpec {
        let mut paginations = BTreeMap::new();
        for op in self.operations() {
            if let Some(pagination) = extensions::parse_pagination(&self, &op).transpose() {
                paginations.insert(op.id.to_string(), pagination);
            }
        }
        self.paginations = paginations;
        self
    }
}

struct PreCheck<'a> {
    path: &'a Path,
    text: &'a str,
    json: &'a Value,
}

impl PreCheck<'_> {
    fn check_version(&self) -> Result<(), SpecError> {
        let error = |message: String| SpecError {
            path: self.path.to_path_buf(),
            line_col: locate_pointer(self.text, "/openapi"),
            pointer: Some("/openapi".into()),
            message,
        };
        match self.json.get("openapi") {
            None => Err(SpecError {
                line_col: Some((1, 1)),
                ..error("missing the `openapi` version field; expected `openapi: 3.0.x`".into())
            }),
            Some(Value::String(v)) if is_openapi_30(v) => Ok(()),
            Some(Value::String(v)) => Err(error(format!(
                "unsupported OpenAPI version `{v}`: progenitor accepts only 3.0.x"
            ))),
            Some(other) => Err(error(format!(
                "the `openapi` field must be a string such as \"3.0.3\", found {other}"
            ))),
        }
    }
}

fn is_openapi_30(version: &str) -> bool {
    let mut parts = version.split('.');
    parts.next() == Some("3")
        && parts.next() == Some("0")
        && parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// Every `$ref` must be local and point at an existing node.
fn check_refs(spec: &LoadedSpec) -> Result<(), SpecError> {
    let mut refs = Vec::new();
    collect_refs(&spec.json, String::new(), &mut refs);
    for (pointer, reference) in refs {
        if !reference.starts_with("#/") {
            return Err(spec.error_at(
                &pointer,
                format!("`$ref: {reference}` is not a local reference (`#/...`); only local references are supported"),
            ));
        }
        if spec.resolve_ref(&reference).is_none() {
            return Err(spec.error_at(
                &pointer,
                format!("`$ref: {reference}` points at nothing in this document"),
            ));
        }
    }
    Ok(())
}

fn collect_refs(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape_pointer_token(key));
                if key == "$ref" {
                    if let Value::String(r) = child {
                        out.push((child_pointer, r.clone()));
                    }
                } else {
                    collect_refs(child, child_pointer, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The rules progenitor needs and our SDK relies on, per operation.
fn check_operations(spec: &LoadedSpec) -> Result<(), SpecError> {
    let mut seen: HashMap<String, String> = HashMap::new();
    if spec.openapi.paths.paths.is_empty() {
        return Err(spec.error_at("/paths", "the spec defines no operations"));
    }
    // openapiv3 silently drops a `paths` key that does not start with `/`
    // (it reads it as an extension), so check the document itself.
    let path_keys = spec.json.get("paths").and_then(Value::as_object);
    for path in path_keys.into_iter().flatten().map(|(k, _)| k) {
        if !path.starts_with('/') && !path.starts_with("x-") {
            return Err(spec.error_at(
                &format!("/paths/{}", escape_pointer_token(path)),
                format!("path `{path}` does not start with `/`; every path is appended to the server URL and must begin with `/`"),
            ));
        }
    }
    for (path, item) in &spec.openapi.paths.paths {
        if let ReferenceOr::Reference { .. } = item {
            return Err(spec.error_at(
                &format!("/paths/{}", escape_pointer_token(path)),
                "path items given by `$ref` are not supported; write the operations inline",
            ));
        }
    }
    let mut rust_names: HashMap<String, (String, String)> = HashMap::new();
    for SpecOperation {
        id,
        method,
        path,
        pointer: op_pointer,
        operation: op,
        ..
    } in spec.operations()
    {
        let Some(id) = Some(id).filter(|id| !id.trim().is_empty()) else {
            return Err(spec.error_at(
                    &op_pointer,
                    format!(
                        "`{method} {path}` has no operationId; every operation needs one (the SDK's method names come from it)",
                    ),
                ));
        };
        let id_pointer = format!("{op_pointer}/operationId");
        for (what, name) in [
            ("method", id.to_snake_case()),
            ("builder", id.to_pascal_case()),
        ] {
            if let Err(why) = check_rust_identifier(&name) {
                return Err(spec.error_at(
                        &id_pointer,
                        format!("operationId `{id}` gives the {what} name `{name}`, which {why}; rename the operation"),
                    ));
            }
            if let Some((other, _)) = rust_names
                .insert(
                    format!("{what} {name}"),
                    (id.to_string(), id_pointer.clone()),
                )
                .filter(|(other, _)| other != id)
            {
                return Err(spec.error_at(
                    &id_pointer,
                    format!("operationIds `{other}` and `{id}` give the same {what} name `{name}`"),
                ));
            }
        }
        if let Some(first) = seen.insert(id.to_string(), op_pointer.clone()) {
            return Err(spec.error_at(
                &format!("{op_pointer}/operationId"),
                format!("duplicate operationId `{id}`: already used at {first}"),
            ));
        }
        if op.tags.is_empty() {
            return Err(spec.error_at(
                &op_pointer,
                format!("operation `{id}` has no tag; every operation must be tagged"),
            ));
        }
        check_resource_and_verb(spec, id, &op.tags[0], &op_pointer)?;
        let has_success = op.responses.responses.keys().any(|code| match code {
            StatusCode::Code(c) => (200..300).contains(c),
            StatusCode::Range(r) => *r == 2,
        });
        if op.responses.default.is_some() && has_success {
            return Err(spec.error_at(
                    &format!("{op_pointer}/responses/default"),
                    format!(
                        "operation `{id}` has a `default` response beside a 2XX one, which progenitor cannot generate; declare `4XX`/`5XX` with the shared error schema instead"
                    ),
                ));
        }
        if !has_success {
            return Err(spec.error_at(
                &format!("{op_pointer}/responses"),
                format!("operation `{id}` declares no 2XX response"),
            ));
        }
    }
    Ok(())
}

/// The first tag of an operation is its resource path (`express.users`) and
/// its operationId that path with `_` followed by the verb (`express_users_add`):
/// the client's resource tree and the CLI's command tree are built from them.
fn check_resource_and_verb(
    spec: &LoadedSpec,
    id: &str,
    tag: &str,
    op_pointer: &str,
) -> Result<(), SpecError> {
    let tag_pointer = format!("{op_pointer}/tags/0");
    for segment in tag.split('.') {
        let snake = segment.to_snake_case();
        if segment != snake || check_rust_identifier(segment).is_err() {
            return Err(spec.error_at(
                &tag_pointer,
                format!(
                    "the first tag `{tag}` of `{id}` is its resource path: `.`-separated snake_case names such as `auto_scribe.studies`, and `{segment}` is not one"
                ),
            ));
        }
    }
    let prefix = format!("{}_", tag.replace('.', "_"));
    let verb = id.strip_prefix(&prefix).unwrap_or_default();
    if verb.is_empty() || verb != verb.to_snake_case() || check_rust_identifier(verb).is_err() {
        return Err(spec.error_at(
            &format!("{op_pointer}/operationId"),
            format!(
                "operationId `{id}` must be its resource path `{tag}` written `{prefix}` followed by a snake_case verb (such as `{prefix}create`)"
            ),
        ));
    }
    Ok(())
}

/// Whether `name` can be a Rust identifier as written (no raw `r#`): a
/// letter or `_` then letters, digits and `_`, not `_` alone, not a keyword.
pub fn check_rust_identifier(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => return Err("is empty"),
        Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
            return Err("does not start with a letter or `_`");
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err("has a character other than ASCII letters, digits and `_`");
    }
    // syn refuses every strict and reserved keyword and `_`; `gen` is
    // reserved since edition 2024.
    if name == "gen" || syn::parse_str::<syn::Ident>(name).is_err() {
        return Err("is a Rust keyword or `_`");
    }
    Ok(())
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Finds the 1-based line and column of the node at `pointer` in block-style
/// YAML `text`, by following the keys down through deeper indentation. Best
/// effort: returns the deepest node it could find, or `None` for the root.
pub fn locate_pointer(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(unescape_pointer_token)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    let mut start = 0;
    let mut parent_indent: isize = -1;
    for token in tokens {
        let mut hit = None;
        let mut sequence_index = 0usize;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = (line.len() - trimmed.len()) as isize;
            if indent <= parent_indent && i > start {
                break;
            }
            if let Ok(index) = token.parse::<usize>()
                && trimmed.starts_with("- ")
            {
                if sequence_index == index {
                    hit = Some((i, indent as usize + 2));
                    break;
                }
                sequence_index += 1;
                continue;
            }
            let key = trimmed
                .trim_start_matches("- ")
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .trim_matches('\'');
            if key == token && trimmed.contains(':') {
                let column = line.len() - trimmed.trim_start_matches("- ").len();
                hit = Some((i, column));
                break;
            }
        }
        match hit {
            Some((line, column)) => {
                found = Some((line + 1, column + 1));
                start = line + 1;
                parent_indent = column as isize;
                if start > lines.len() {
                    break;
                }
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_and_sequence_items() {
        let text = "openapi: 3.0.3\npaths:\n  /v1/x:\n    get:\n      operationId: a\n      tags:\n        - one\n        - two\n";
        assert_eq!(locate_pointer(text, "/openapi"), Some((1, 1)));
        assert_eq!(
            locate_pointer(text, "/paths/~1v1~1x/get/operationId"),
            Some((5, 7))
        );
        assert_eq!(
            locate_pointer(text, "/paths/~1v1~1x/get/tags/1"),
            Some((8, 11))
        );
        assert_eq!(locate_pointer(text, ""), None);
    }

    #[test]
    fn rust_identifiers_are_checked() {
        assert!(check_rust_identifier("orgs_list").is_ok());
        assert!(check_rust_identifier("OrgsList").is_ok());
        assert!(check_rust_identifier("_private").is_ok());
        assert!(check_rust_identifier("").is_err());
        assert!(check_rust_identifier("_").is_err());
        assert!(check_rust_identifier("123abc").is_err());
        assert!(check_rust_identifier("a-b").is_err());
        for keyword in [
            "self", "Self", "type", "match", "for", "async", "gen", "try",
        ] {
            assert_eq!(
                check_rust_identifier(keyword),
                Err("is a Rust keyword or `_`"),
                "{keyword}"
            );
        }
    }

    #[test]
    fn accepts_only_openapi_30() {
        assert!(is_openapi_30("3.0.3"));
        assert!(is_openapi_30("3.0.0"));
        assert!(!is_openapi_30("3.1.0"));
        assert!(!is_openapi_30("3.0"));
        assert!(!is_openapi_30("2.0"));
    }
}
