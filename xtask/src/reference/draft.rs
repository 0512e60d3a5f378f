//! `cargo xtask reference --draft PAGE.txt`: a spec fragment (the path item
//! and its component schemas, in the style of `spec/openapi.yaml`) written
//! from a page that is not transcribed yet. It is printed for review, never
//! written into the spec: every choice the page leaves open is said in a YAML
//! comment of the fragment.
//!
//! What a page alone cannot say comes from the spec when there is one: the
//! cursor-page fields ([`extensions::PAGINATION`] of an existing list operation)
//! and the shared error response.

use std::fmt::Write as _;

use heck::ToUpperCamelCase;
use serde_json::Value;

use super::page::{Field, Page, PageType, RequestExample, Section, View};
use crate::extensions;
use crate::spec::LoadedSpec;

/// The cursor protocol an existing list operation records.
struct Pagination {
    operation: String,
    request_cursor_param: String,
    next_cursor_field: String,
    has_more_field: String,
    /// The schemas of the next-cursor and has-more fields, as written there.
    next_cursor_schema: Value,
    has_more_schema: Value,
    next_cursor_required: bool,
    has_more_required: bool,
}

/// The cursor protocol of the spec's list operation at `page_path` when
/// there is one (a page drafted again), otherwise of its first list
/// operation.
fn pagination_of(spec: &LoadedSpec, page_path: &str) -> Option<Pagination> {
    let paths = spec.json.get("paths")?.as_object()?;
    let same_path = paths.get_key_value(page_path).into_iter();
    for (path, item) in same_path.chain(paths.iter()) {
        for (method, op) in item.as_object()? {
            let Some(extension) = op.get(extensions::PAGINATION) else {
                continue;
            };
            let field = |k: &str| extension.get(k).and_then(Value::as_str).map(str::to_string);
            let response = op.pointer("/responses/200")?;
            let response = spec.deref(response);
            let schema = spec.deref(response.pointer("/content/application~1json/schema")?);
            let properties = schema.get("properties")?;
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let next = field("nextCursorField")?;
            let has_more = field("hasMoreField")?;
            let _ = (path, method);
            return Some(Pagination {
                operation: op.get("operationId").and_then(Value::as_str)?.to_string(),
                request_cursor_param: field("requestCursorParam")?,
                next_cursor_schema: strip_description(properties.get(&next)?),
                has_more_schema: strip_description(properties.get(&has_more)?),
                next_cursor_required: required.contains(&next.as_str()),
                has_more_required: required.contains(&has_more.as_str()),
                next_cursor_field: next,
                has_more_field: has_more,
            });
        }
    }
    None
}

fn strip_description(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(map) = schema.as_object_mut() {
        map.retain(|k, _| !k.starts_with("x-") && k != "description");
    }
    schema
}

/// An emitter of block-style YAML lines.
#[derive(Default)]
struct Yaml {
    out: String,
}

impl Yaml {
    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{:indent$}{text}", "");
    }

    fn comment(&mut self, indent: usize, text: &str) {
        for line in wrap(text, 78 - indent) {
            self.line(indent, &format!("# {line}"));
        }
    }

    /// `key: value` with the value quoted as YAML needs it.
    fn scalar(&mut self, indent: usize, key: &str, value: &Value) {
        self.line(indent, &format!("{key}: {}", yaml_scalar(value)));
    }

    /// A description: inline when short, else a wrapped `|` block.
    fn text(&mut self, indent: usize, key: &str, text: &str) {
        if text.len() + key.len() + indent + 2 <= 80 {
            self.scalar(indent, key, &Value::String(text.to_string()));
        } else {
            self.line(indent, &format!("{key}: |"));
            for line in wrap(text, 78 - indent) {
                self.line(indent + 2, &line);
            }
        }
    }

    /// Any JSON value as block YAML under `key`.
    fn value(&mut self, indent: usize, key: &str, value: &Value) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.line(indent, &format!("{key}:"));
                for (k, v) in map {
                    self.value(indent + 2, &yaml_key(k), v);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                self.line(indent, &format!("{key}:"));
                for item in items {
                    let mut nested = Yaml::default();
                    nested.value(0, "x", item);
                    // `x: a` / `x:\n  k: v` → `- a` / `-\n  k: v` rewritten inline.
                    let text = nested.out;
                    if let Some(rest) = text.strip_prefix("x: ") {
                        self.line(indent + 2, &format!("- {}", rest.trim_end()));
                    } else {
                        let mut lines = text.lines().skip(1);
                        if let Some(first) = lines.next() {
                            self.line(indent + 2, &format!("- {}", first.trim_start()));
                        }
                        for line in lines {
                            self.line(indent + 2, line);
                        }
                    }
                }
            }
            other => self.scalar(indent, key, other),
        }
    }
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => value.to_string(),
        _ => serde_yaml::to_string(value)
            .map(|s| s.trim_end().to_string())
            .unwrap_or_else(|_| value.to_string()),
    }
}

fn yaml_key(key: &str) -> String {
    let plain = yaml_scalar(&Value::String(key.to_string()));
    if plain.starts_with('\'')
        || plain.starts_with('"')
        || key.starts_with(|c: char| c.is_ascii_digit())
    {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        plain
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// A component schema to emit, in order.
struct Component {
    name: String,
    description: String,
    fields: Vec<Field>,
    /// The view's reading of `optional` for these fields.
    view: View,
    /// Fields the page does not show but the convention adds (cursor pages).
    extra: Vec<(String, Value, bool)>,
    comment: Option<String>,
}

/// The draft fragment for `page`, using `context` (the current spec) for the
/// conventions a page cannot state.
pub fn draft(page: &Page, context: Option<&LoadedSpec>) -> Result<String, String> {
    let error =
        |line: usize, message: String| format!("{}:{line}: error: {message}", page.file.display());
    let path = &page.path.value;
    let (method, method_reason) = match (&page.method, &page.request_example) {
        (Some(method), _) => (method.value.clone(), None),
        (
            None,
            Some(RequestExample::Curl {
                method,
                explicit_method,
                ..
            }),
        ) => (
            method.clone(),
            Some(format!(
                "The page states no method; {} is what its curl example sends{}.",
                method.to_uppercase(),
                if *explicit_method {
                    ""
                } else {
                    " (no -X and no data)"
                }
            )),
        ),
        (None, _) => {
            return Err(error(
                page.path.line,
                "the page states no method and has no curl example to infer it from".into(),
            ));
        }
    };
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .filter(|s| {
            !(s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit()) && s.len() > 1)
        })
        .collect();
    let resources: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|s| !s.starts_with('{'))
        .collect();
    let Some(tag) = resources.first().copied() else {
        return Err(error(
            page.path.line,
            format!("the path `{path}` names no resource"),
        ));
    };
    let item = segments.last().is_some_and(|s| s.starts_with('{'));
    let operation_id = match &page.signature {
        Some(signature) => format!("{}_{}", signature.resource, signature.method),
        None => {
            let action = match (method.as_str(), item) {
                ("get", false) => "list",
                ("get", true) => "retrieve",
                ("post", false) => "create",
                ("put" | "patch", true) => "update",
                ("delete", true) => "delete",
                _ => {
                    return Err(error(
                        page.path.line,
                        format!(
                            "cannot name the operation `{} {path}` from the HTTP view; draft it from the Python view, which gives the method name",
                            method.to_uppercase()
                        ),
                    ));
                }
            };
            format!("{}_{action}", resources.join("_"))
        }
    };
    let type_prefix = operation_id.to_upper_camel_case();
    let pagination = context.and_then(|spec| pagination_of(spec, path));

    // Where each parameter goes.
    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    let mut body_fields = Vec::new();
    for (section, field) in &page.params {
        let location = match section {
            Section::Path => "path",
            Section::Query => "query",
            Section::Body => "body",
            Section::Returns => unreachable!("returned fields are not parameters"),
            Section::Parameters => {
                if path.contains(&format!("{{{}}}", field.wire_name)) {
                    "path"
                } else if ["get", "delete", "head"].contains(&method.as_str()) {
                    "query"
                } else {
                    "body"
                }
            }
        };
        match location {
            "path" => path_params.push(field),
            "query" => query_params.push(field),
            _ => body_fields.push(field.clone()),
        }
    }
    for param in &path_params {
        if !path.contains(&format!("{{{}}}", param.wire_name)) {
            return Err(error(
                param.line,
                format!(
                    "path parameter `{}` is not in the path `{path}`",
                    param.wire_name
                ),
            ));
        }
    }

    let mut components = Vec::new();
    let body_name = page
        .signature
        .as_ref()
        .and_then(|s| s.params_class.clone())
        .unwrap_or_else(|| format!("{type_prefix}Params"));
    if !body_fields.is_empty() {
        components.push(Component {
            name: body_name.clone(),
            description: format!("The body of a `{operation_id}` request."),
            fields: body_fields,
            view: page.view,
            extra: Vec::new(),
            comment: None,
        });
    }

    // The returned object, and for a Python cursor page its wrapper.
    let returns_name = page
        .returns
        .class
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| format!("{type_prefix}Response"));
    let mut response_name = returns_name.clone();
    let mut op_pagination = None;
    let cursor_page = page.signature.as_ref().and_then(|s| s.cursor_page.clone());
    if let Some((page_class, items_field)) = &cursor_page {
        response_name = format!("{returns_name}Page");
        let items = Field {
            line: page.returns.line,
            name: items_field.clone(),
            wire_name: items_field.clone(),
            optional: false,
            ty: PageType::Array(Box::new(PageType::Object)),
            implied_format: None,
            description: format!("The items of this page ({page_class})."),
            constraints: Vec::new(),
            children: Vec::new(),
        };
        let (extra, comment) = match &pagination {
            Some(p) => {
                op_pagination = Some((p, items_field.clone()));
                (
                    vec![
                        (
                            p.has_more_field.clone(),
                            p.has_more_schema.clone(),
                            p.has_more_required,
                        ),
                        (
                            p.next_cursor_field.clone(),
                            p.next_cursor_schema.clone(),
                            p.next_cursor_required,
                        ),
                    ],
                    format!(
                        "The Python view shows only the items of its `{page_class}` page; `{}` and `{}` follow the {} of `{}` in the spec. Check them against the HTTP view.",
                        p.has_more_field,
                        p.next_cursor_field,
                        extensions::PAGINATION,
                        p.operation
                    ),
                )
            }
            None => (
                Vec::new(),
                format!(
                    "The Python view shows only the items of its `{page_class}` page; the page's other fields are not known from it."
                ),
            ),
        };
        components.push(Component {
            name: response_name.clone(),
            description: format!("One page of `{operation_id}`."),
            fields: vec![items],
            view: View::Http,
            extra,
            comment: Some(comment),
        });
    } else if let Some(p) = &pagination {
        // An HTTP list page that follows the spec's cursor convention.
        let names: Vec<&str> = page
            .returns
            .fields
            .iter()
            .map(|f| f.wire_name.as_str())
            .collect();
        let arrays: Vec<&Field> = page
            .returns
            .fields
            .iter()
            .filter(|f| matches!(f.ty, PageType::Array(_)))
            .collect();
        if let [items] = arrays.as_slice()
            && names.contains(&p.has_more_field.as_str())
            && names.contains(&p.next_cursor_field.as_str())
            && query_params
                .iter()
                .any(|q| q.wire_name == p.request_cursor_param)
        {
            op_pagination = Some((p, items.wire_name.clone()));
        }
    }
    components.push(Component {
        name: returns_name.clone(),
        description: page.returns.description.clone(),
        fields: page.returns.fields.clone(),
        view: page.view,
        extra: Vec::new(),
        comment: None,
    });

    let example = page.json_examples.first().map(|e| e.value.clone());
    let mut y = Yaml::default();
    y.comment(0, &format!(
        "Drafted by `cargo xtask reference --draft` from {}. A starting point: review every line against the page, then move it into spec/openapi.yaml (with {} notes for any deliberate deviation).",
        page.file.display(),
        extensions::REFERENCE
    ));
    y.line(0, "paths:");
    y.line(2, &format!("{path}:"));
    y.line(4, &format!("{method}:"));
    y.line(6, &format!("tags: [{tag}]"));
    y.line(6, &format!("operationId: {operation_id}"));
    y.text(6, "summary", &page.title.value);
    y.text(6, "description", &page.description.value);
    // A method the page does not state is a decision: recorded as a note.
    if let Some(reason) = &method_reason {
        y.line(6, &format!("{}:", extensions::REFERENCE));
        y.line(8, "method:");
        y.line(10, "page: null");
        y.line(10, &format!("spec: {method}"));
        y.text(10, "reason", reason);
    }
    if let Some((p, items)) = &op_pagination {
        y.line(6, &format!("{}:", extensions::PAGINATION));
        y.line(8, "style: cursor");
        y.line(
            8,
            &format!("requestCursorParam: {}", p.request_cursor_param),
        );
        y.line(8, &format!("itemsField: {items}"));
        y.line(8, &format!("nextCursorField: {}", p.next_cursor_field));
        y.line(8, &format!("hasMoreField: {}", p.has_more_field));
    }
    if !path_params.is_empty() || !query_params.is_empty() {
        y.line(6, "parameters:");
        for (location, field) in path_params
            .iter()
            .map(|f| ("path", *f))
            .chain(query_params.iter().map(|f| ("query", *f)))
        {
            y.line(8, &format!("- name: {}", field.wire_name));
            y.line(10, &format!("in: {location}"));
            let required = location == "path" || !field.optional;
            y.line(10, &format!("required: {required}"));
            if !field.description.is_empty() {
                y.text(10, "description", &field.description);
            }
            if required
                && let Some(value) = example.as_ref().and_then(|e| find_key(e, &field.wire_name))
            {
                y.comment(10, "Example taken from the page's response example.");
                y.scalar(10, "example", &value);
            }
            y.line(10, "schema:");
            let item_name = format!("{type_prefix}{}", field.wire_name.to_upper_camel_case());
            schema_keywords(&mut y, 12, field, false, &item_name);
        }
    }
    if page.params.iter().any(|(s, _)| *s == Section::Body)
        || components.iter().any(|c| c.name == body_name)
    {
        y.line(6, "requestBody:");
        y.line(8, "required: true");
        y.line(8, "content:");
        y.line(10, "application/json:");
        y.line(12, "schema:");
        y.line(14, &format!("$ref: \"#/components/schemas/{body_name}\""));
        if let Some(RequestExample::Python { kwargs, .. }) = &page.request_example
            && !kwargs.is_empty()
        {
            let body: serde_json::Map<String, Value> = kwargs
                .iter()
                .map(|k| (k.wire_name.clone(), k.value.clone()))
                .collect();
            y.value(12, "example", &Value::Object(body));
        }
    }
    y.line(6, "responses:");
    y.comment(8, "The page states no status code: 200 is assumed.");
    y.line(8, "\"200\":");
    let response_description = if page.returns.description.is_empty() {
        format!("The result of `{operation_id}`.")
    } else {
        page.returns.description.clone()
    };
    y.text(10, "description", &response_description);
    y.line(10, "content:");
    y.line(12, "application/json:");
    y.line(14, "schema:");
    y.line(
        16,
        &format!("$ref: \"#/components/schemas/{response_name}\""),
    );
    if let Some(example) = &example {
        y.value(14, "example", example);
    }
    if context.is_some_and(|c| c.json.pointer("/components/responses/Error").is_some()) {
        y.comment(
            8,
            "The page documents no error body: the spec's shared Error response.",
        );
        y.line(8, "4XX:");
        y.line(10, "$ref: \"#/components/responses/Error\"");
        y.line(8, "5XX:");
        y.line(10, "$ref: \"#/components/responses/Error\"");
    }

    y.line(0, "components:");
    y.line(2, "schemas:");
    let mut nested = Vec::new();
    while let Some(component) = (!components.is_empty()).then(|| components.remove(0)) {
        emit_component(&mut y, &component, &mut nested);
        components.append(&mut nested);
    }
    Ok(y.out)
}

fn emit_component(y: &mut Yaml, component: &Component, nested: &mut Vec<Component>) {
    y.line(4, &format!("{}:", component.name));
    if let Some(comment) = &component.comment {
        y.comment(6, comment);
    }
    if component.view == View::Python && component.fields.iter().any(|f| f.optional) {
        y.comment(
            6,
            "`Optional[...]` in the Python view means absent or `null`: drafted as optional only. A field the HTTP view lists without `optional` is required and nullable.",
        );
    }
    y.line(6, "type: object");
    if !component.description.is_empty() {
        y.text(6, "description", &component.description);
    }
    let required: Vec<String> = component
        .fields
        .iter()
        .filter(|f| !f.optional)
        .map(|f| f.wire_name.clone())
        .chain(component.extra.iter().filter(|e| e.2).map(|e| e.0.clone()))
        .collect();
    if !required.is_empty() {
        y.line(6, &format!("required: [{}]", required.join(", ")));
    }
    y.line(6, "properties:");
    for field in &component.fields {
        y.line(8, &format!("{}:", yaml_key(&field.wire_name)));
        let item_name = format!(
            "{}{}Item",
            component.name,
            field.wire_name.to_upper_camel_case()
        );
        if field.ty == PageType::Object {
            nested.push(Component {
                name: item_name.clone(),
                description: field.description.clone(),
                fields: field.children.clone(),
                view: component.view,
                extra: Vec::new(),
                comment: None,
            });
            y.line(10, &format!("$ref: \"#/components/schemas/{item_name}\""));
            continue;
        }
        if matches!(&field.ty, PageType::Array(item) if **item == PageType::Object) {
            if !field.children.is_empty() {
                nested.push(Component {
                    name: item_name.clone(),
                    description: String::new(),
                    fields: field.children.clone(),
                    view: component.view,
                    extra: Vec::new(),
                    comment: None,
                });
            } else if component.comment.is_some() {
                // A cursor page's items: the returned class, emitted next.
                let returned = component
                    .name
                    .strip_suffix("Page")
                    .unwrap_or(&component.name);
                y.line(10, "type: array");
                y.text(10, "description", &field.description);
                y.line(10, "items:");
                y.line(12, &format!("$ref: \"#/components/schemas/{returned}\""));
                continue;
            }
        }
        schema_keywords(y, 10, field, true, &item_name);
    }
    for (name, schema, _) in &component.extra {
        y.value(8, &yaml_key(name), schema);
    }
}

/// The schema keywords of one field: of a property when `is_property`, else
/// of a parameter, whose description sits on the parameter.
fn schema_keywords(y: &mut Yaml, indent: usize, field: &Field, is_property: bool, item_name: &str) {
    type_keywords(y, indent, &field.ty, item_name);
    if let Some((_, format)) = field.format() {
        y.line(indent, &format!("format: {format}"));
    }
    for constraint in &field.constraints {
        if constraint.keyword != "format" {
            y.scalar(indent, &constraint.keyword, &constraint.value);
        }
    }
    if is_property && !field.description.is_empty() {
        y.text(indent, "description", &field.description);
    }
}

fn type_keywords(y: &mut Yaml, indent: usize, ty: &PageType, item_name: &str) {
    match ty {
        PageType::Map(value) => {
            y.line(indent, "type: object");
            y.line(indent, "additionalProperties:");
            type_keywords(y, indent + 2, value, item_name);
        }
        PageType::Array(item) => {
            y.line(indent, "type: array");
            y.line(indent, "items:");
            if **item == PageType::Object {
                y.line(
                    indent + 2,
                    &format!("$ref: \"#/components/schemas/{item_name}\""),
                );
            } else {
                type_keywords(y, indent + 2, item, item_name);
            }
        }
        other => y.line(indent, &format!("type: {}", other.json_type())),
    }
}

/// The first value of `key` anywhere in `value` (depth first).
fn find_key(value: &Value, key: &str) -> Option<Value> {
    match value {
        Value::Object(map) => map
            .get(key)
            .cloned()
            .or_else(|| map.values().find_map(|v| find_key(v, key))),
        Value::Array(items) => items.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}
