//! The semantic comparison of two specs: operations matched by operationId
//! (then by method and path), and everything under them walked with `$ref`s
//! resolved, each difference classified for clients.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToKebabCase;
use serde_json::Value;

use super::{Change, GLOBAL, Level};
use crate::sdk::PAGINATION_EXTENSION;
use crate::spec::{LoadedSpec, escape_pointer_token};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords whose edits never change what goes over the wire.
const DOC_KEYWORDS: [&str; 7] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "xml",
];

/// Schema keywords with a dedicated rule below; any other keyword that differs
/// is reported by the fallback rule.
const HANDLED_SCHEMA_KEYWORDS: [&str; 25] = [
    "type",
    "format",
    "nullable",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "x-avara-max-key-length",
    "multipleOf",
    "uniqueItems",
    "pattern",
    "enum",
    "default",
    "additionalProperties",
    "items",
    "oneOf",
    "anyOf",
    "properties",
    "required",
];

/// Which way data flows through a schema, which decides whether narrowing it
/// breaks clients (requests) or widening it does (responses).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::Request => "request",
            Dir::Response => "response",
        }
    }

    /// The level of a change that accepts fewer values than before.
    fn tightened(self) -> Level {
        match self {
            Dir::Request => Level::Breaking,
            Dir::Response => Level::NonBreaking,
        }
    }

    /// The level of a change that accepts more values than before.
    fn loosened(self) -> Level {
        match self {
            Dir::Request => Level::NonBreaking,
            Dir::Response => Level::Breaking,
        }
    }

    fn why_tightened(self) -> &'static str {
        match self {
            Dir::Request => "narrower in a request: values clients send today may be rejected",
            Dir::Response => "narrower in a response: clients still accept every value",
        }
    }

    fn why_loosened(self) -> &'static str {
        match self {
            Dir::Request => "wider in a request: everything clients send today stays valid",
            Dir::Response => {
                "wider in a response: the client's types may reject values the server now sends"
            }
        }
    }
}

/// One side of a comparison: a node and the JSON pointer it was found at.
#[derive(Clone, Copy)]
struct Node<'a> {
    value: &'a Value,
    pointer: &'a str,
}

/// Compares `old` with `new`; changes come grouped by operation, `(global)`
/// first, then operations in the new spec's order, then removed ones. A node
/// reached twice within one operation (a component shared by its `200` and
/// `201` responses) is reported once per rule.
pub(super) fn diff(old: &LoadedSpec, new: &LoadedSpec) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
        operation: GLOBAL.to_string(),
        endpoint: None,
        stack: Vec::new(),
    };
    differ.global();
    differ.operations();
    let mut seen = BTreeSet::new();
    differ.changes.retain(|c| {
        seen.insert((
            c.operation.clone(),
            c.pointer.clone(),
            c.rule.clone(),
            c.level,
        ))
    });
    differ.changes
}

struct Differ<'a> {
    old: &'a LoadedSpec,
    new: &'a LoadedSpec,
    changes: Vec<Change>,
    operation: String,
    endpoint: Option<String>,
    /// Pairs of schema pointers being compared, to stop on recursive schemas.
    stack: Vec<(String, String)>,
}

/// An operation of one spec.
struct Operation<'a> {
    id: Option<&'a str>,
    method: &'static str,
    path: &'a str,
    pointer: String,
    value: &'a Value,
    path_item: &'a Value,
    path_pointer: String,
}

impl Operation<'_> {
    fn endpoint(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn label(&self) -> String {
        self.id
            .map(str::to_string)
            .unwrap_or_else(|| self.endpoint())
    }
}

fn operations_of(spec: &LoadedSpec) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in spec
        .json
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let path_pointer = format!("/paths/{}", escape_pointer_token(path));
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push(Operation {
                    id: op.get("operationId").and_then(Value::as_str),
                    method,
                    path,
                    pointer: format!("{path_pointer}/{method}"),
                    value: op,
                    path_item: item,
                    path_pointer: path_pointer.clone(),
                });
            }
        }
    }
    out
}

/// Follows `$ref`s, returning the target and its pointer (the component's).
fn resolve<'a>(spec: &'a LoadedSpec, value: &'a Value, pointer: &str) -> (&'a Value, String) {
    let mut value = value;
    let mut pointer = pointer.to_string();
    for _ in 0..64 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match spec.resolve_ref(reference) {
                Some(target) => {
                    pointer = reference.trim_start_matches('#').to_string();
                    value = target;
                }
                None => break,
            },
            None => break,
        }
    }
    (value, pointer)
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn show_opt(value: Option<&Value>) -> String {
    value.map(show).unwrap_or_else(|| "(none)".to_string())
}

/// A schema with `$ref`s and `allOf` flattened: each keyword with the pointer
/// of the schema object that declares it.
struct Flat<'a> {
    pointer: String,
    keywords: BTreeMap<&'a str, (&'a Value, String)>,
    properties: BTreeMap<&'a str, (&'a Value, String)>,
    required: BTreeSet<&'a str>,
}

impl<'a> Flat<'a> {
    fn new(spec: &'a LoadedSpec, value: &'a Value, pointer: &str) -> Flat<'a> {
        let mut flat = Flat {
            pointer: String::new(),
            keywords: BTreeMap::new(),
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
        };
        flat.absorb(spec, value, pointer, 0);
        flat
    }

    fn absorb(&mut self, spec: &'a LoadedSpec, value: &'a Value, pointer: &str, depth: usize) {
        let (value, pointer) = resolve(spec, value, pointer);
        if depth == 0 {
            self.pointer = pointer.clone();
        }
        let Some(map) = value.as_object() else {
            return;
        };
        if depth < 16
            && let Some(parts) = map.get("allOf").and_then(Value::as_array)
        {
            for (i, part) in parts.iter().enumerate() {
                self.absorb(spec, part, &format!("{pointer}/allOf/{i}"), depth + 1);
            }
        }
        for (key, child) in map {
            match key.as_str() {
                "allOf" | "$ref" => {}
                "properties" => {
                    for (name, schema) in child.as_object().into_iter().flatten() {
                        let at = format!("{pointer}/properties/{}", escape_pointer_token(name));
                        self.properties.insert(name, (schema, at));
                    }
                }
                "required" => {
                    self.required.extend(
                        child
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str),
                    );
                }
                // The description of a wrapper applies to the wrapper only.
                _ if depth > 0 && DOC_KEYWORDS.contains(&key.as_str()) => {}
                _ => {
                    self.keywords.insert(key, (child, pointer.clone()));
                }
            }
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.keywords.get(key).map(|(v, _)| *v)
    }

    /// The pointer of `key`, or of the schema when it does not declare it.
    fn at(&self, key: &str) -> String {
        match self.keywords.get(key) {
            Some((_, owner)) => format!("{owner}/{}", escape_pointer_token(key)),
            None => format!("{}/{}", self.pointer, escape_pointer_token(key)),
        }
    }

    fn nullable(&self) -> bool {
        self.get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// What a schema says about properties it does not list.
enum Extra<'a> {
    Open,
    Closed,
    Schema(&'a Value, String),
}

fn extra<'a>(flat: &Flat<'a>) -> Extra<'a> {
    match flat.get("additionalProperties") {
        None | Some(Value::Bool(true)) => Extra::Open,
        Some(Value::Bool(false)) => Extra::Closed,
        Some(Value::Object(map)) if map.is_empty() => Extra::Open,
        Some(schema) => Extra::Schema(schema, flat.at("additionalProperties")),
    }
}

impl<'a> Differ<'a> {
    fn emit(&mut self, level: Level, pointer: &str, rule: &str, message: String) {
        self.changes.push(Change {
            level,
            operation: self.operation.clone(),
            endpoint: self.endpoint.clone(),
            pointer: pointer.to_string(),
            rule: rule.to_string(),
            message,
        });
    }

    /// Documentation keywords of two objects, reported as informational.
    fn docs(&mut self, old: Node<'_>, new: Node<'_>, subject: &str) {
        for key in DOC_KEYWORDS {
            let (a, b) = (old.value.get(key), new.value.get(key));
            if a != b {
                let pointer = if b.is_some() {
                    new.pointer
                } else {
                    old.pointer
                };
                self.emit(
                    Level::Informational,
                    &format!("{pointer}/{key}"),
                    &format!("{}-changed", key.to_kebab_case()),
                    format!("{subject}: `{key}` edited"),
                );
            }
        }
    }

    // ---- global ------------------------------------------------------------

    fn global(&mut self) {
        let (old, new) = (&self.old.json, &self.new.json);
        if old.get("openapi") != new.get("openapi") {
            self.emit(
                Level::Informational,
                "/openapi",
                "openapi-version-changed",
                format!(
                    "OpenAPI version changed from {} to {}",
                    show_opt(old.get("openapi")),
                    show_opt(new.get("openapi"))
                ),
            );
        }
        let null = Value::Null;
        let (oi, ni) = (
            old.get("info").unwrap_or(&null),
            new.get("info").unwrap_or(&null),
        );
        for key in [
            "title",
            "version",
            "description",
            "contact",
            "license",
            "termsOfService",
        ] {
            if oi.get(key) != ni.get(key) {
                self.emit(
                    Level::Informational,
                    &format!("/info/{key}"),
                    "info-changed",
                    format!("`info.{key}` edited"),
                );
            }
        }
        if old.get("tags") != new.get("tags") {
            self.emit(
                Level::Informational,
                "/tags",
                "tags-changed",
                "the tag list was edited (tags do not shape the client)".into(),
            );
        }
        if old.get("security") != new.get("security") {
            self.emit(
                Level::Informational,
                "/security",
                "default-security-changed",
                "the default security requirement changed; its effect is reported under each operation that uses it".into(),
            );
        }
        self.servers(
            Node {
                value: old.get("servers").unwrap_or(&null),
                pointer: "/servers",
            },
            Node {
                value: new.get("servers").unwrap_or(&null),
                pointer: "/servers",
            },
        );
        self.security_schemes();
        self.component_schemas();
    }

    fn servers(&mut self, old: Node<'_>, new: Node<'_>) {
        let urls = |node: Node<'_>| -> Vec<(String, usize)> {
            node.value
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, s)| Some((s.get("url")?.as_str()?.to_string(), i)))
                .collect()
        };
        let (o, n) = (urls(old), urls(new));
        for (url, i) in &o {
            if !n.iter().any(|(u, _)| u == url) {
                self.emit(
                    Level::Breaking,
                    &format!("{}/{i}/url", old.pointer),
                    "server-removed",
                    format!(
                        "server `{url}` removed; clients configured for it lose their endpoint"
                    ),
                );
            }
        }
        for (url, i) in &n {
            if !o.iter().any(|(u, _)| u == url) {
                self.emit(
                    Level::NonBreaking,
                    &format!("{}/{i}/url", new.pointer),
                    "server-added",
                    format!("server `{url}` added"),
                );
            }
        }
        if let (Some((a, _)), Some((b, _))) = (o.first(), n.first())
            && a != b
            && n.iter().any(|(u, _)| u == a)
        {
            self.emit(
                Level::NonBreaking,
                &format!("{}/0/url", new.pointer),
                "default-server-changed",
                format!(
                    "the first server (the SDK's `DEFAULT_BASE_URL`) changed from `{a}` to `{b}`"
                ),
            );
        }
        for (url, i) in &n {
            if let Some((_, j)) = o.iter().find(|(u, _)| u == url) {
                let (a, b) = (&old.value[*j], &new.value[*i]);
                if a.get("description") != b.get("description") {
                    self.emit(
                        Level::Informational,
                        &format!("{}/{i}/description", new.pointer),
                        "description-changed",
                        format!("server `{url}`: `description` edited"),
                    );
                }
                if a.get("variables") != b.get("variables") {
                    self.emit(
                        Level::Breaking,
                        &format!("{}/{i}/variables", new.pointer),
                        "server-variables-changed",
                        format!("server `{url}`: its variables changed"),
                    );
                }
            }
        }
    }

    fn security_schemes(&mut self) {
        let pointer = "/components/securitySchemes";
        let (old, new) = (
            object_at(&self.old.json, pointer),
            object_at(&self.new.json, pointer),
        );
        for (name, scheme) in old {
            let at = format!("{pointer}/{}", escape_pointer_token(name));
            match new.get(name) {
                None => self.emit(
                    Level::Breaking,
                    &at,
                    "security-scheme-removed",
                    format!("security scheme `{name}` removed"),
                ),
                Some(other) => {
                    let strip = |v: &Value| {
                        let mut v = v.clone();
                        if let Some(map) = v.as_object_mut() {
                            map.remove("description");
                        }
                        v
                    };
                    if strip(scheme) != strip(other) {
                        self.emit(
                            Level::Breaking,
                            &at,
                            "security-scheme-changed",
                            format!("security scheme `{name}` changed how credentials are sent"),
                        );
                    }
                    if scheme.get("description") != other.get("description") {
                        self.emit(
                            Level::Informational,
                            &format!("{at}/description"),
                            "description-changed",
                            format!("security scheme `{name}`: `description` edited"),
                        );
                    }
                }
            }
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                Level::Informational,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "security-scheme-added",
                format!("security scheme `{name}` added; operations that require it are reported on their own"),
            );
        }
    }

    fn component_schemas(&mut self) {
        let pointer = "/components/schemas";
        let (old, new) = (
            object_at(&self.old.json, pointer),
            object_at(&self.new.json, pointer),
        );
        for name in old.keys().filter(|n| !new.contains_key(*n)) {
            self.emit(
                Level::Breaking,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "component-schema-removed",
                format!("component schema `{name}` removed, and with it its generated Rust type"),
            );
        }
        for name in new.keys().filter(|n| !old.contains_key(*n)) {
            self.emit(
                Level::NonBreaking,
                &format!("{pointer}/{}", escape_pointer_token(name)),
                "component-schema-added",
                format!("component schema `{name}` added (a new generated Rust type)"),
            );
        }
    }

    // ---- operations --------------------------------------------------------

    fn operations(&mut self) {
        let old_ops = operations_of(self.old);
        let new_ops = operations_of(self.new);
        let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
        let mut used_old = vec![false; old_ops.len()];
        let mut matched_new = vec![None; new_ops.len()];
        for (j, n) in new_ops.iter().enumerate() {
            if let Some(id) = n.id
                && let Some(i) = old_ops.iter().position(|o| o.id == Some(id))
                && !used_old[i]
            {
                used_old[i] = true;
                matched_new[j] = Some(i);
            }
        }
        for (j, n) in new_ops.iter().enumerate() {
            if matched_new[j].is_some() {
                continue;
            }
            if let Some(i) = old_ops
                .iter()
                .enumerate()
                .position(|(i, o)| !used_old[i] && o.method == n.method && o.path == n.path)
            {
                used_old[i] = true;
                matched_new[j] = Some(i);
            }
        }
        for (j, i) in matched_new.iter().enumerate() {
            pairs.push((*i, Some(j)));
        }
        for (i, used) in used_old.iter().enumerate() {
            if !used {
                pairs.push((Some(i), None));
            }
        }
        for pair in pairs {
            match pair {
                (Some(i), Some(j)) => self.operation(&old_ops[i], &new_ops[j]),
                (None, Some(j)) => {
                    let op = &new_ops[j];
                    self.operation = op.label();
                    self.endpoint = Some(op.endpoint());
                    self.emit(
                        Level::NonBreaking,
                        &op.pointer,
                        "operation-added",
                        format!("operation `{}` added ({})", op.label(), op.endpoint()),
                    );
                }
                (Some(i), None) => {
                    let op = &old_ops[i];
                    self.operation = op.label();
                    self.endpoint = Some(op.endpoint());
                    self.emit(
                        Level::Breaking,
                        &op.pointer,
                        "operation-removed",
                        format!(
                            "operation `{}` removed ({}); its client method goes too",
                            op.label(),
                            op.endpoint()
                        ),
                    );
                }
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        self.operation = new.label();
        self.endpoint = Some(new.endpoint());
        if old.id != new.id {
            self.emit(
                Level::Breaking,
                &format!("{}/operationId", new.pointer),
                "operation-id-changed",
                format!(
                    "operationId changed from `{}` to `{}`; the client method and its builder are renamed",
                    old.id.unwrap_or("(none)"),
                    new.id.unwrap_or("(none)")
                ),
            );
        }
        if old.method != new.method {
            self.emit(
                Level::Breaking,
                &new.pointer,
                "operation-method-changed",
                format!(
                    "method changed from {} to {}",
                    old.method.to_uppercase(),
                    new.method.to_uppercase()
                ),
            );
        }
        if old.path != new.path {
            self.emit(
                Level::Breaking,
                &new.pointer,
                "operation-path-changed",
                format!("path changed from `{}` to `{}`", old.path, new.path),
            );
        }
        let (o, n) = (
            Node {
                value: old.value,
                pointer: &old.pointer,
            },
            Node {
                value: new.value,
                pointer: &new.pointer,
            },
        );
        self.docs(o, n, "operation");
        if old.value.get("tags") != new.value.get("tags") {
            self.emit(
                Level::Informational,
                &format!("{}/tags", new.pointer),
                "tags-changed",
                "operation tags edited (tags do not shape the client)".into(),
            );
        }
        let deprecated = |v: &Value| {
            v.get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        if deprecated(old.value) != deprecated(new.value) {
            self.emit(
                Level::Informational,
                &format!("{}/deprecated", new.pointer),
                if deprecated(new.value) {
                    "operation-deprecated"
                } else {
                    "operation-reactivated"
                },
                format!(
                    "operation {}",
                    if deprecated(new.value) {
                        "deprecated"
                    } else {
                        "no longer deprecated"
                    }
                ),
            );
        }
        self.parameters(old, new);
        self.request_body(o, n);
        self.responses(o, n);
        self.operation_security(old, new);
        self.operation_servers(old, new);
        self.pagination(o, n);
        for key in extension_keys(old.value, new.value) {
            if key == PAGINATION_EXTENSION {
                continue;
            }
            self.emit(
                Level::Informational,
                &format!("{}/{}", new.pointer, escape_pointer_token(&key)),
                "extension-changed",
                format!("vendor extension `{key}` edited"),
            );
        }
    }

    fn parameters(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let collect = |spec: &'a LoadedSpec, op: &Operation<'a>| {
            let mut out: BTreeMap<(String, String), (&'a Value, String)> = BTreeMap::new();
            let mut order = Vec::new();
            for (owner, owner_pointer) in [
                (op.path_item, op.path_pointer.as_str()),
                (op.value, op.pointer.as_str()),
            ] {
                for (i, param) in owner
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let (param, pointer) =
                        resolve(spec, param, &format!("{owner_pointer}/parameters/{i}"));
                    let key = (
                        param
                            .get("in")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        param
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    );
                    if out.insert(key.clone(), (param, pointer)).is_none() {
                        order.push(key);
                    }
                }
            }
            (out, order)
        };
        let (old_params, _) = collect(self.old, old);
        let (new_params, new_order) = collect(self.new, new);
        let required = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
        for (key, (param, pointer)) in &old_params {
            if !new_params.contains_key(key) {
                self.emit(
                    Level::Breaking,
                    pointer,
                    "request-parameter-removed",
                    format!(
                        "{} parameter `{}` removed; its builder setter goes too",
                        key.0, key.1
                    ),
                );
                let _ = param;
            }
        }
        for key in &new_order {
            let (param, pointer) = &new_params[key];
            let subject = format!("{} parameter `{}`", key.0, key.1);
            let Some((old_param, old_pointer)) = old_params.get(key) else {
                if required(param) {
                    self.emit(
                        Level::Breaking,
                        pointer,
                        "new-required-request-parameter",
                        format!("new required {subject}; existing calls do not send it"),
                    );
                } else {
                    self.emit(
                        Level::NonBreaking,
                        pointer,
                        "new-optional-request-parameter",
                        format!("new optional {subject}"),
                    );
                }
                continue;
            };
            match (required(old_param), required(param)) {
                (false, true) => self.emit(
                    Level::Breaking,
                    &format!("{pointer}/required"),
                    "request-parameter-became-required",
                    format!("{subject} became required"),
                ),
                (true, false) => self.emit(
                    Level::NonBreaking,
                    &format!("{pointer}/required"),
                    "request-parameter-became-optional",
                    format!("{subject} became optional"),
                ),
                _ => {}
            }
            let (o, n) = (
                Node {
                    value: old_param,
                    pointer: old_pointer,
                },
                Node {
                    value: param,
                    pointer,
                },
            );
            self.docs(o, n, &subject);
            for key in [
                "style",
                "explode",
                "allowEmptyValue",
                "allowReserved",
                "content",
            ] {
                if old_param.get(key) != param.get(key) {
                    self.emit(
                        Level::Breaking,
                        &format!("{pointer}/{key}"),
                        "request-parameter-serialization-changed",
                        format!(
                            "{subject}: `{key}` changed from {} to {}, which changes how it is sent",
                            show_opt(old_param.get(key)),
                            show_opt(param.get(key))
                        ),
                    );
                }
            }
            let deprecated = |v: &Value| {
                v.get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if deprecated(old_param) != deprecated(param) {
                self.emit(
                    Level::Informational,
                    &format!("{pointer}/deprecated"),
                    "request-parameter-deprecation-changed",
                    format!("{subject}: `deprecated` changed"),
                );
            }
            if let (Some(a), Some(b)) = (old_param.get("schema"), param.get("schema")) {
                self.schema(
                    Dir::Request,
                    &subject,
                    "",
                    Node {
                        value: a,
                        pointer: &format!("{old_pointer}/schema"),
                    },
                    Node {
                        value: b,
                        pointer: &format!("{pointer}/schema"),
                    },
                );
            }
        }
    }

    fn request_body(&mut self, op_old: Node<'_>, op_new: Node<'_>) {
        fn body<'s>(spec: &'s LoadedSpec, op: Node<'s>) -> Option<(&'s Value, String)> {
            op.value
                .get("requestBody")
                .map(|b| resolve(spec, b, &format!("{}/requestBody", op.pointer)))
        }
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let old_body = body(self.old, op_old);
        let new_body = body(self.new, op_new);
        match (old_body, new_body) {
            (None, None) => {}
            (Some((_, pointer)), None) => self.emit(
                Level::Breaking,
                &pointer,
                "request-body-removed",
                "request body removed; the builder's `body` setter goes too".into(),
            ),
            (None, Some((b, pointer))) => {
                if required(b) {
                    self.emit(
                        Level::Breaking,
                        &pointer,
                        "new-required-request-body",
                        "new required request body; existing calls do not send it".into(),
                    );
                } else {
                    self.emit(
                        Level::NonBreaking,
                        &pointer,
                        "new-optional-request-body",
                        "new optional request body".into(),
                    );
                }
            }
            (Some((a, ap)), Some((b, bp))) => {
                match (required(a), required(b)) {
                    (false, true) => self.emit(
                        Level::Breaking,
                        &format!("{bp}/required"),
                        "request-body-became-required",
                        "request body became required".into(),
                    ),
                    (true, false) => self.emit(
                        Level::NonBreaking,
                        &format!("{bp}/required"),
                        "request-body-became-optional",
                        "request body became optional".into(),
                    ),
                    _ => {}
                }
                let (o, n) = (
                    Node {
                        value: a,
                        pointer: &ap,
                    },
                    Node {
                        value: b,
                        pointer: &bp,
                    },
                );
                self.docs(o, n, "request body");
                self.content(Dir::Request, "request body", o, n);
            }
        }
    }

    /// The media types of a body and their schemas.
    fn content(&mut self, dir: Dir, subject: &str, old: Node<'_>, new: Node<'_>) {
        let empty = serde_json::Map::new();
        let media = |node: Node<'_>| {
            node.value
                .get("content")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (om, nm) = (media(old), media(new));
        let rule = |what: &str| match dir {
            Dir::Request => format!("request-body-media-type-{what}"),
            Dir::Response => format!("response-media-type-{what}"),
        };
        for name in om.keys().filter(|k| !nm.contains_key(*k)) {
            self.emit(
                Level::Breaking,
                &format!("{}/content/{}", old.pointer, escape_pointer_token(name)),
                &rule("removed"),
                format!("{subject}: media type `{name}` removed"),
            );
        }
        for name in nm.keys().filter(|k| !om.contains_key(*k)) {
            self.emit(
                Level::NonBreaking,
                &format!("{}/content/{}", new.pointer, escape_pointer_token(name)),
                &rule("added"),
                format!("{subject}: media type `{name}` added"),
            );
        }
        for name in nm.keys().filter(|k| om.contains_key(*k)) {
            let token = escape_pointer_token(name);
            let (Some(a), Some(b)) = (
                old.value.get("content").and_then(|c| c.get(name)),
                new.value.get("content").and_then(|c| c.get(name)),
            ) else {
                continue;
            };
            let ap = format!("{}/content/{token}", old.pointer);
            let bp = format!("{}/content/{token}", new.pointer);
            let media_subject = if name == "application/json" {
                subject.to_string()
            } else {
                format!("{subject} ({name})")
            };
            self.docs(
                Node {
                    value: a,
                    pointer: &ap,
                },
                Node {
                    value: b,
                    pointer: &bp,
                },
                &media_subject,
            );
            match (a.get("schema"), b.get("schema")) {
                (Some(sa), Some(sb)) => self.schema(
                    dir,
                    &media_subject,
                    "",
                    Node {
                        value: sa,
                        pointer: &format!("{ap}/schema"),
                    },
                    Node {
                        value: sb,
                        pointer: &format!("{bp}/schema"),
                    },
                ),
                (None, None) => {}
                _ => self.emit(
                    Level::Breaking,
                    &format!("{bp}/schema"),
                    &format!("{}-schema-changed", dir.name()),
                    format!("{media_subject}: schema added or removed"),
                ),
            }
        }
    }

    fn responses(&mut self, op_old: Node<'_>, op_new: Node<'_>) {
        let empty = serde_json::Map::new();
        let (om, nm) = (
            op_old
                .value
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
            op_new
                .value
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
        );
        let success = |code: &str| code.starts_with('2');
        for code in om.keys().filter(|k| !nm.contains_key(*k)) {
            let pointer = format!("{}/responses/{code}", op_old.pointer);
            if success(code) {
                self.emit(
                    Level::Breaking,
                    &pointer,
                    "response-success-status-removed",
                    format!("success response `{code}` removed"),
                );
            } else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    "response-non-success-status-removed",
                    format!("error response `{code}` removed"),
                );
            }
        }
        for code in nm.keys().filter(|k| !om.contains_key(*k)) {
            let pointer = format!("{}/responses/{code}", op_new.pointer);
            if success(code) {
                self.emit(
                    Level::Breaking,
                    &pointer,
                    "response-success-status-added",
                    format!(
                        "success response `{code}` added; a client generated from the old spec reports it as an unexpected response"
                    ),
                );
            } else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    "response-non-success-status-added",
                    format!("error response `{code}` added"),
                );
            }
        }
        for (code, b) in nm {
            let Some(a) = om.get(code) else { continue };
            let (a, ap) = resolve(self.old, a, &format!("{}/responses/{code}", op_old.pointer));
            let (b, bp) = resolve(self.new, b, &format!("{}/responses/{code}", op_new.pointer));
            let subject = format!("response {code}");
            let (o, n) = (
                Node {
                    value: a,
                    pointer: &ap,
                },
                Node {
                    value: b,
                    pointer: &bp,
                },
            );
            self.docs(o, n, &subject);
            if a.get("links") != b.get("links") {
                self.emit(
                    Level::Informational,
                    &format!("{bp}/links"),
                    "response-links-changed",
                    format!("{subject}: `links` edited (links do not shape the client)"),
                );
            }
            self.content(Dir::Response, &subject, o, n);
        }
    }

    fn operation_security(&mut self, old: &Operation<'_>, new: &Operation<'_>) {
        type Requirement = BTreeMap<String, Vec<String>>;
        let effective =
            |spec: &LoadedSpec, op: &Operation<'_>| -> (BTreeSet<Requirement>, String) {
                let (list, pointer) = match op.value.get("security") {
                    Some(list) => (Some(list), format!("{}/security", op.pointer)),
                    None => (spec.json.get("security"), "/security".to_string()),
                };
                let set = list
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|req| {
                        req.as_object()
                            .into_iter()
                            .flatten()
                            .map(|(name, scopes)| {
                                let mut scopes: Vec<String> =
                                    scopes.as_array().into_iter().flatten().map(show).collect();
                                scopes.sort();
                                (name.clone(), scopes)
                            })
                            .collect()
                    })
                    .collect();
                (set, pointer)
            };
        let (a, _) = effective(self.old, old);
        let (b, pointer) = effective(self.new, new);
        if a == b {
            return;
        }
        let describe = |r: &Requirement| {
            if r.is_empty() {
                "no authentication".to_string()
            } else {
                r.keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            }
        };
        let open = |s: &BTreeSet<Requirement>| s.is_empty() || s.iter().any(BTreeMap::is_empty);
        if open(&b) && !open(&a) {
            self.emit(
                Level::NonBreaking,
                &pointer,
                "security-removed",
                "the operation no longer requires authentication".into(),
            );
            return;
        }
        if open(&a) && !open(&b) {
            self.emit(
                Level::Breaking,
                &pointer,
                "security-added",
                "the operation now requires authentication".into(),
            );
            return;
        }
        for r in a.difference(&b) {
            self.emit(
                Level::Breaking,
                &pointer,
                "security-requirement-removed",
                format!("security alternative {} removed", describe(r)),
            );
        }
        for r in b.difference(&a) {
            self.emit(
                Level::NonBreaking,
                &pointer,
                "security-requirement-added",
                format!("security alternative {} added", describe(r)),
            );
        }
    }

    fn operation_servers(&mut self, old: &Operation<'_>, new: &Operation<'_>) {
        let own = |op: &Operation<'_>| -> Option<(Value, String)> {
            if let Some(s) = op.value.get("servers") {
                return Some((s.clone(), format!("{}/servers", op.pointer)));
            }
            op.path_item
                .get("servers")
                .map(|s| (s.clone(), format!("{}/servers", op.path_pointer)))
        };
        let (a, b) = (own(old), own(new));
        if a.is_none() && b.is_none() {
            return;
        }
        let (av, ap) = a.unwrap_or_else(|| {
            (
                self.old.json.get("servers").cloned().unwrap_or(Value::Null),
                "/servers".into(),
            )
        });
        let (bv, bp) = b.unwrap_or_else(|| {
            (
                self.new.json.get("servers").cloned().unwrap_or(Value::Null),
                "/servers".into(),
            )
        });
        self.servers(
            Node {
                value: &av,
                pointer: &ap,
            },
            Node {
                value: &bv,
                pointer: &bp,
            },
        );
    }

    fn pagination(&mut self, old: Node<'_>, new: Node<'_>) {
        let at = |node: Node<'_>| format!("{}/{PAGINATION_EXTENSION}", node.pointer);
        match (
            old.value.get(PAGINATION_EXTENSION),
            new.value.get(PAGINATION_EXTENSION),
        ) {
            (None, None) => {}
            (Some(_), None) => self.emit(
                Level::Breaking,
                &at(old),
                "pagination-removed",
                format!(
                    "`{PAGINATION_EXTENSION}` removed; the builder loses `pages()` and `stream()`"
                ),
            ),
            (None, Some(_)) => self.emit(
                Level::NonBreaking,
                &at(new),
                "pagination-added",
                format!(
                    "`{PAGINATION_EXTENSION}` added; the builder gains `pages()` and `stream()`"
                ),
            ),
            (Some(a), Some(b)) => {
                let keys: BTreeSet<&String> = a
                    .as_object()
                    .into_iter()
                    .chain(b.as_object())
                    .flat_map(|m| m.keys())
                    .collect();
                for key in keys {
                    if a.get(key) != b.get(key) {
                        self.emit(
                            Level::Breaking,
                            &format!("{}/{}", at(new), escape_pointer_token(key)),
                            "pagination-changed",
                            format!(
                                "`{PAGINATION_EXTENSION}.{key}` changed from {} to {}; pages are read differently",
                                show_opt(a.get(key)),
                                show_opt(b.get(key))
                            ),
                        );
                    }
                }
            }
        }
    }

    // ---- schemas -----------------------------------------------------------

    /// Compares two schemas met in `dir`; `path` names the property within
    /// `subject` (`organizations[].userCount`), empty at the top.
    fn schema(&mut self, dir: Dir, subject: &str, path: &str, old: Node<'_>, new: Node<'_>) {
        let o = Flat::new(self.old, old.value, old.pointer);
        let n = Flat::new(self.new, new.value, new.pointer);
        let key = (o.pointer.clone(), n.pointer.clone());
        if self.stack.contains(&key) || self.stack.len() > 32 {
            return;
        }
        self.stack.push(key);
        let what = if path.is_empty() {
            subject.to_string()
        } else {
            format!("{subject}, property `{path}`")
        };
        let d = dir.name();

        // Documentation.
        for k in DOC_KEYWORDS {
            if o.get(k) != n.get(k) {
                let pointer = if n.get(k).is_some() { n.at(k) } else { o.at(k) };
                self.emit(
                    Level::Informational,
                    &pointer,
                    &format!("{}-changed", k.to_kebab_case()),
                    format!("{what}: `{k}` edited"),
                );
            }
        }

        // Type and format change the Rust type in either direction.
        for k in ["type", "format"] {
            if o.get(k) != n.get(k) {
                let pointer = if n.get(k).is_some() { n.at(k) } else { o.at(k) };
                self.emit(
                    Level::Breaking,
                    &pointer,
                    &format!("{d}-{k}-changed"),
                    format!(
                        "{what}: `{k}` changed from {} to {}",
                        show_opt(o.get(k)),
                        show_opt(n.get(k))
                    ),
                );
            }
        }

        match (o.nullable(), n.nullable()) {
            (false, true) => self.emit(
                dir.loosened(),
                &n.at("nullable"),
                &format!("{d}-became-nullable"),
                format!("{what}: became nullable ({})", dir.why_loosened()),
            ),
            (true, false) => self.emit(
                dir.tightened(),
                &o.at("nullable"),
                &format!("{d}-became-not-nullable"),
                format!("{what}: no longer nullable ({})", dir.why_tightened()),
            ),
            _ => {}
        }

        self.bounds(dir, &what, &o, &n);

        match (o.get("pattern"), n.get("pattern")) {
            (None, Some(p)) => self.emit(
                dir.tightened(),
                &n.at("pattern"),
                &format!("{d}-pattern-added"),
                format!("{what}: pattern `{}` added ({})", show(p), dir.why_tightened()),
            ),
            (Some(p), None) => self.emit(
                dir.loosened(),
                &o.at("pattern"),
                &format!("{d}-pattern-removed"),
                format!("{what}: pattern `{}` removed ({})", show(p), dir.why_loosened()),
            ),
            (Some(a), Some(b)) if a != b => self.emit(
                Level::Breaking,
                &n.at("pattern"),
                &format!("{d}-pattern-changed"),
                format!(
                    "{what}: pattern changed from `{}` to `{}`; neither is known to contain the other",
                    show(a),
                    show(b)
                ),
            ),
            _ => {}
        }

        self.enums(dir, &what, &o, &n);

        if o.get("default") != n.get("default") {
            let pointer = if n.get("default").is_some() {
                n.at("default")
            } else {
                o.at("default")
            };
            let level = match dir {
                Dir::Request => Level::Breaking,
                Dir::Response => Level::Informational,
            };
            self.emit(
                level,
                &pointer,
                &format!("{d}-default-changed"),
                format!(
                    "{what}: default changed from {} to {}",
                    show_opt(o.get("default")),
                    show_opt(n.get("default"))
                ),
            );
        }

        self.properties(dir, subject, path, &what, &o, &n);
        self.additional_properties(dir, subject, path, &what, &o, &n);

        match (o.get("items"), n.get("items")) {
            (Some(a), Some(b)) => {
                let (ap, bp) = (o.at("items"), n.at("items"));
                self.schema(
                    dir,
                    subject,
                    &format!("{path}[]"),
                    Node {
                        value: a,
                        pointer: &ap,
                    },
                    Node {
                        value: b,
                        pointer: &bp,
                    },
                );
            }
            (None, None) => {}
            _ => self.emit(
                Level::Breaking,
                &if n.get("items").is_some() {
                    n.at("items")
                } else {
                    o.at("items")
                },
                &format!("{d}-items-changed"),
                format!("{what}: `items` added or removed"),
            ),
        }

        for k in ["oneOf", "anyOf"] {
            let list = |f: &Flat<'_>| {
                f.get(k)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let (a, b) = (list(&o), list(&n));
            let (ap, bp) = (o.at(k), n.at(k));
            for i in 0..a.len().min(b.len()) {
                self.schema(
                    dir,
                    subject,
                    path,
                    Node {
                        value: &a[i],
                        pointer: &format!("{ap}/{i}"),
                    },
                    Node {
                        value: &b[i],
                        pointer: &format!("{bp}/{i}"),
                    },
                );
            }
            if b.len() > a.len() {
                self.emit(
                    dir.loosened(),
                    &bp,
                    &format!("{d}-{}-alternative-added", k.to_kebab_case()),
                    format!(
                        "{what}: {} alternative(s) added to `{k}` ({})",
                        b.len() - a.len(),
                        dir.why_loosened()
                    ),
                );
            } else if a.len() > b.len() {
                self.emit(
                    dir.tightened(),
                    &ap,
                    &format!("{d}-{}-alternative-removed", k.to_kebab_case()),
                    format!(
                        "{what}: {} alternative(s) removed from `{k}` ({})",
                        a.len() - b.len(),
                        dir.why_tightened()
                    ),
                );
            }
        }

        // Everything else: vendor extensions are informational, other
        // keywords are reported so that no semantic edit goes unseen.
        let keys: BTreeSet<&str> = o
            .keywords
            .keys()
            .chain(n.keywords.keys())
            .copied()
            .collect();
        for k in keys {
            if HANDLED_SCHEMA_KEYWORDS.contains(&k) || DOC_KEYWORDS.contains(&k) {
                continue;
            }
            if o.get(k) == n.get(k) {
                continue;
            }
            let pointer = if n.get(k).is_some() { n.at(k) } else { o.at(k) };
            if k.starts_with("x-") {
                self.emit(
                    Level::Informational,
                    &pointer,
                    "extension-changed",
                    format!("{what}: vendor extension `{k}` edited"),
                );
            } else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    &format!("{d}-schema-keyword-changed"),
                    format!(
                        "{what}: `{k}` changed from {} to {}",
                        show_opt(o.get(k)),
                        show_opt(n.get(k))
                    ),
                );
            }
        }
        self.stack.pop();
    }

    fn bounds(&mut self, dir: Dir, what: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let d = dir.name();
        // (keyword, true for an upper bound)
        const BOUNDS: [(&str, bool); 9] = [
            ("minimum", false),
            ("maximum", true),
            ("minLength", false),
            ("maxLength", true),
            ("minItems", false),
            ("maxItems", true),
            ("minProperties", false),
            ("maxProperties", true),
            ("x-avara-max-key-length", true),
        ];
        for (k, upper) in BOUNDS {
            let num = |f: &Flat<'_>| f.get(k).and_then(Value::as_f64);
            let rule = k.to_kebab_case();
            let (tight, change, pointer) = match (num(o), num(n)) {
                (None, Some(_)) => (true, "added".to_string(), n.at(k)),
                (Some(_), None) => (false, "removed".to_string(), o.at(k)),
                (Some(a), Some(b)) if a != b => {
                    let tight = if upper { b < a } else { b > a };
                    let verb = if b < a { "decreased" } else { "increased" };
                    (tight, verb.to_string(), n.at(k))
                }
                _ => continue,
            };
            let detail = format!(
                "{what}: `{k}` {change} (from {} to {}; {})",
                show_opt(o.get(k)),
                show_opt(n.get(k)),
                if tight {
                    dir.why_tightened()
                } else {
                    dir.why_loosened()
                }
            );
            let level = if tight {
                dir.tightened()
            } else {
                dir.loosened()
            };
            self.emit(level, &pointer, &format!("{d}-{rule}-{change}"), detail);
        }
        for k in ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"] {
            let flag = |f: &Flat<'_>| f.get(k).and_then(Value::as_bool).unwrap_or(false);
            let rule = k.to_kebab_case();
            match (flag(o), flag(n)) {
                (false, true) => self.emit(
                    dir.tightened(),
                    &n.at(k),
                    &format!("{d}-{rule}-set"),
                    format!("{what}: `{k}` set ({})", dir.why_tightened()),
                ),
                (true, false) => self.emit(
                    dir.loosened(),
                    &o.at(k),
                    &format!("{d}-{rule}-unset"),
                    format!("{what}: `{k}` unset ({})", dir.why_loosened()),
                ),
                _ => {}
            }
        }
        let multiple = |f: &Flat<'_>| f.get("multipleOf").and_then(Value::as_f64);
        let tight = match (multiple(o), multiple(n)) {
            (None, Some(_)) => Some(true),
            (Some(_), None) => Some(false),
            // Loosened only when every old multiple is still a multiple.
            (Some(a), Some(b)) if a != b => Some((a / b).fract() != 0.0),
            _ => None,
        };
        if let Some(tight) = tight {
            self.emit(
                if tight {
                    dir.tightened()
                } else {
                    dir.loosened()
                },
                &if n.get("multipleOf").is_some() {
                    n.at("multipleOf")
                } else {
                    o.at("multipleOf")
                },
                &format!("{d}-multiple-of-changed"),
                format!(
                    "{what}: `multipleOf` changed from {} to {} ({})",
                    show_opt(o.get("multipleOf")),
                    show_opt(n.get("multipleOf")),
                    if tight {
                        dir.why_tightened()
                    } else {
                        dir.why_loosened()
                    }
                ),
            );
        }
    }

    fn enums(&mut self, dir: Dir, what: &str, o: &Flat<'_>, n: &Flat<'_>) {
        let d = dir.name();
        let values = |f: &Flat<'_>| f.get("enum").and_then(Value::as_array).cloned();
        match (values(o), values(n)) {
            (None, Some(_)) => self.emit(
                dir.tightened(),
                &n.at("enum"),
                &format!("{d}-enum-added"),
                format!("{what}: restricted to an `enum` ({})", dir.why_tightened()),
            ),
            (Some(_), None) => self.emit(
                dir.loosened(),
                &o.at("enum"),
                &format!("{d}-enum-removed"),
                format!(
                    "{what}: `enum` restriction removed ({})",
                    dir.why_loosened()
                ),
            ),
            (Some(a), Some(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.emit(
                        dir.tightened(),
                        &o.at("enum"),
                        &format!("{d}-enum-value-removed"),
                        format!(
                            "{what}: enum value `{}` removed ({})",
                            show(v),
                            dir.why_tightened()
                        ),
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.emit(
                        dir.loosened(),
                        &n.at("enum"),
                        &format!("{d}-enum-value-added"),
                        format!(
                            "{what}: enum value `{}` added ({})",
                            show(v),
                            dir.why_loosened()
                        ),
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn properties(
        &mut self,
        dir: Dir,
        subject: &str,
        path: &str,
        what: &str,
        o: &Flat<'_>,
        n: &Flat<'_>,
    ) {
        let d = dir.name();
        let child = |name: &str| {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}.{name}")
            }
        };
        for (name, (_, pointer)) in &o.properties {
            if !n.properties.contains_key(name) {
                let required = if o.required.contains(name) {
                    "required "
                } else {
                    ""
                };
                self.emit(
                    Level::Breaking,
                    pointer,
                    &format!("{d}-property-removed"),
                    format!(
                        "{what}: {required}property `{}` removed; its Rust field and builder setter go too",
                        child(name)
                    ),
                );
            }
        }
        for (name, (value, pointer)) in &n.properties {
            let Some((old_value, old_pointer)) = o.properties.get(name) else {
                let required = n.required.contains(name);
                let (level, rule, message) = match (dir, required) {
                    (Dir::Request, true) => (
                        Level::Breaking,
                        "request-property-added-required",
                        "new required property; existing requests do not send it",
                    ),
                    (Dir::Request, false) => (
                        Level::NonBreaking,
                        "request-property-added",
                        "new optional property",
                    ),
                    (Dir::Response, _) => (
                        Level::NonBreaking,
                        "response-property-added",
                        "new property",
                    ),
                };
                self.emit(
                    level,
                    pointer,
                    rule,
                    format!("{what}: {message} `{}`", child(name)),
                );
                continue;
            };
            match (o.required.contains(name), n.required.contains(name), dir) {
                (false, true, Dir::Request) => self.emit(
                    Level::Breaking,
                    pointer,
                    "request-property-became-required",
                    format!("{what}: property `{}` became required", child(name)),
                ),
                (true, false, Dir::Request) => self.emit(
                    Level::NonBreaking,
                    pointer,
                    "request-property-became-optional",
                    format!("{what}: property `{}` became optional", child(name)),
                ),
                (true, false, Dir::Response) => self.emit(
                    Level::Breaking,
                    pointer,
                    "response-property-became-optional",
                    format!(
                        "{what}: required property `{}` became optional; clients can no longer rely on it",
                        child(name)
                    ),
                ),
                (false, true, Dir::Response) => self.emit(
                    Level::NonBreaking,
                    pointer,
                    "response-property-became-required",
                    format!("{what}: property `{}` became required", child(name)),
                ),
                _ => {}
            }
            self.schema(
                dir,
                subject,
                &child(name),
                Node {
                    value: old_value,
                    pointer: old_pointer,
                },
                Node { value, pointer },
            );
        }
    }

    fn additional_properties(
        &mut self,
        dir: Dir,
        subject: &str,
        path: &str,
        what: &str,
        o: &Flat<'_>,
        n: &Flat<'_>,
    ) {
        let d = dir.name();
        let at = if n.get("additionalProperties").is_some() {
            n.at("additionalProperties")
        } else {
            o.at("additionalProperties")
        };
        let tight = match (extra(o), extra(n)) {
            (Extra::Schema(a, ap), Extra::Schema(b, bp)) => {
                self.schema(
                    dir,
                    subject,
                    &format!("{path}.*"),
                    Node {
                        value: a,
                        pointer: &ap,
                    },
                    Node {
                        value: b,
                        pointer: &bp,
                    },
                );
                return;
            }
            (Extra::Open, Extra::Open) | (Extra::Closed, Extra::Closed) => return,
            (Extra::Open, _) | (Extra::Schema(..), Extra::Closed) => true,
            (Extra::Closed, _) | (Extra::Schema(..), Extra::Open) => false,
        };
        let show_ap = |f: &Flat<'_>| match f.get("additionalProperties") {
            None => "(none)".to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(_) => "a schema".to_string(),
        };
        if tight {
            self.emit(
                dir.tightened(),
                &at,
                &format!("{d}-additional-properties-restricted"),
                format!(
                    "{what}: `additionalProperties` changed from {} to {} ({})",
                    show_ap(o),
                    show_ap(n),
                    dir.why_tightened()
                ),
            );
        } else {
            self.emit(
                dir.loosened(),
                &at,
                &format!("{d}-additional-properties-widened"),
                format!(
                    "{what}: `additionalProperties` changed from {} to {} ({})",
                    show_ap(o),
                    show_ap(n),
                    dir.why_loosened()
                ),
            );
        }
    }
}

/// Vendor extension keys present on either object whose values differ.
fn extension_keys(old: &Value, new: &Value) -> Vec<String> {
    let keys: BTreeSet<&String> = old
        .as_object()
        .into_iter()
        .chain(new.as_object())
        .flat_map(|m| m.keys())
        .filter(|k| k.starts_with("x-"))
        .collect();
    keys.into_iter()
        .filter(|k| old.get(k.as_str()) != new.get(k.as_str()))
        .cloned()
        .collect()
}

/// The object at `pointer` in `doc`, or an empty one.
fn object_at<'a>(doc: &'a Value, pointer: &str) -> &'a serde_json::Map<String, Value> {
    static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
    doc.pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
}
