//! The check of the spec against the official SDK's facts ([`super::facts`]).
//!
//! Every SDK operation must be in the spec (by HTTP method and path), with
//! the same parameters (wire name, required-ness, nullability, type, format,
//! enum values; nothing the SDK lacks), the same response at any depth and
//! the same page shape; every webhook event must be in
//! [`extensions::WEBHOOKS`] and in
//! the `WebhookEvent` union's mapping, its schema matching its model and its
//! answer matching the facts' answer.
//!
//! A facts TYPE is compared with a schema (its `$ref`s followed and its
//! `allOf` members merged, as for the pages) by these rules:
//!
//! | facts TYPE                  | schema                                                        |
//! |-----------------------------|---------------------------------------------------------------|
//! | `string` (`format`)         | `type: string`; `format` compared when it is `date-time` or `date` (the only formats Python's types state) or the facts' own |
//! | `integer`, `number`, `boolean` | the same `type`                                            |
//! | `enum` (`values`)           | `enum` with the same values (as a set; a `null` member is ignored), `type` that of the values |
//! | `literal` (`value`)         | a single-value `enum`                                         |
//! | `array` (`items`)           | `type: array`, `items` compared                               |
//! | `map` (`values`)            | `type: object` without `properties`, `additionalProperties` compared (`true` or absent: `unknown` values) |
//! | `model` (`ref`)             | `type: object` with `properties`: every field by wire name (required-ness from `required`, `nullable`, type), and no property the model lacks |
//! | `union` (`variants`)        | `oneOf`/`anyOf`, variants paired by type (objects by their common properties and literal fields) |
//! | `unknown`                   | no `type`, or an object without `properties` or with `additionalProperties: true` |
//! | `null` in a union           | `nullable: true`                                              |
//!
//! A union of literals and enums of one type is read as one enum. Each
//! aspect compared (`type`, `format`, `enum`, `required`, `nullable`,
//! `presence`, `arrayFormat`, the page fields, `discriminator`) may differ
//! only where the element carries an [`extensions::REFERENCE`] note with `sdk`
//! and `spec` values equal to the two compared.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use super::check::{Accepted, EXTENSION, Finding, Flat, Note, parse_notes, same_as, show};
use super::facts::{Facts, Kind, Operation, Param, Type};
use crate::extensions::{self, WEBHOOKS};
use crate::spec::{LoadedSpec, escape_pointer_token, locate_pointer, operation_pointer};
/// The spec's union of webhook events.
pub const WEBHOOK_UNION: &str = "/components/schemas/WebhookEvent";
/// The formats the SDK's types can state.
const SDK_FORMATS: [&str; 2] = ["date-time", "date"];

/// What checking one facts file found.
#[derive(Debug, Default)]
pub struct SdkReport {
    pub errors: Vec<Finding>,
    pub accepted: Vec<Accepted>,
    /// SDK operations found in the spec and compared.
    pub operations: usize,
    /// Webhook events found in the spec and compared.
    pub events: usize,
    /// Parameters and fields compared (each model against each schema once).
    pub fields: usize,
    /// The pointers of the spec operations an SDK operation matched.
    pub covered: Vec<String>,
    /// The [`WEBHOOKS`] event types an SDK event matched.
    pub covered_events: Vec<String>,
    /// Notes with `sdk` that a comparison consulted where the SDK and the
    /// spec agree, with the agreed value, by note pointer.
    pub agreed: BTreeMap<String, Value>,
    /// Notes with `sdk` whose values matched no disagreement (reported).
    pub mismatched: BTreeSet<String>,
}

/// Checks the spec against one SDK's facts.
pub fn check_facts(spec: &LoadedSpec, facts: &Facts) -> SdkReport {
    let mut checker = Checker {
        spec,
        facts,
        report: SdkReport::default(),
        seen: HashSet::new(),
    };
    for op in &facts.operations {
        checker.operation(op);
    }
    checker.webhooks();
    let mut report = checker.report;
    // In the order of the files (facts first, then the spec), by line.
    report
        .errors
        .sort_by_key(|f| (f.page != facts.file, f.page_line, f.page_column));
    report
}

struct Checker<'a> {
    spec: &'a LoadedSpec,
    facts: &'a Facts,
    report: SdkReport,
    /// (model, object schema) pairs compared already.
    seen: HashSet<(String, String)>,
}

/// Where a comparison's error is located: at the SDK fact, or in the spec
/// (for what only the spec has), naming the SDK fact concerned.
#[derive(Clone, Copy)]
enum Place<'s> {
    Facts(&'s str),
    Spec(&'s str),
}

/// One compared element: how messages name it, where its SDK fact is, and
/// the notes that apply to it.
struct At<'s> {
    subject: &'s str,
    place: Place<'s>,
    notes: &'s [Note],
}

/// How a comparison came out.
#[derive(PartialEq)]
enum Outcome {
    Same,
    Accepted,
    Differs,
}

/// Where a parameter or field lives in the spec.
struct Target {
    /// The element whose own notes count (a parameter object, or the
    /// property schema itself).
    carrier: String,
    /// The schema to compare.
    schema: String,
    required: bool,
    /// Where `required` is (or would be) written.
    required_pointer: String,
    subject: String,
}

/// The type in the check's words, for a facts TYPE.
fn sdk_word(kind: &Kind) -> String {
    match kind {
        Kind::String(_) => "string".into(),
        Kind::Integer => "integer".into(),
        Kind::Number => "number".into(),
        Kind::Boolean => "boolean".into(),
        Kind::Enum(values) => values_word(values),
        Kind::Literal(value) => values_word(std::slice::from_ref(value)),
        Kind::Array(_) => "array".into(),
        Kind::Map(_) => "map".into(),
        Kind::Model(_) => "object".into(),
        Kind::Union(..) => "union".into(),
        Kind::Unknown => "unknown".into(),
        Kind::Null => "null".into(),
    }
}

/// The JSON type of enum values: `string`, `integer`, `number`, `boolean`,
/// or `mixed`.
fn values_word(values: &[Value]) -> String {
    let words: BTreeSet<&str> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| match v {
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            _ => "mixed",
        })
        .collect();
    match words.len() {
        0 => "null".into(),
        1 => words.into_iter().next().unwrap_or("mixed").into(),
        _ if words.iter().all(|w| ["integer", "number"].contains(w)) => "number".into(),
        _ => "mixed".into(),
    }
}

/// The enum values a facts TYPE allows, if it is an enum or a literal.
fn sdk_enum(kind: &Kind) -> Option<Vec<Value>> {
    match kind {
        Kind::Enum(values) => Some(values.clone()),
        Kind::Literal(value) => Some(vec![value.clone()]),
        _ => None,
    }
}

/// A union without its `null` members (and whether it had one), one left
/// member unwrapped, a union of literals and enums of one type read as one
/// enum.
fn normalize(ty: &Type) -> (Type, bool) {
    let Kind::Union(variants, discriminator) = &ty.kind else {
        return (ty.clone(), ty.nullable || matches!(ty.kind, Kind::Null));
    };
    let nullable = ty.nullable || variants.iter().any(|v| v.kind == Kind::Null);
    let rest: Vec<Type> = variants
        .iter()
        .filter(|v| v.kind != Kind::Null)
        .cloned()
        .collect();
    if let [only] = rest.as_slice() {
        let (only, also) = normalize(only);
        return (only, nullable || also);
    }
    let values: Option<Vec<Value>> = rest
        .iter()
        .map(|v| sdk_enum(&v.kind))
        .collect::<Option<Vec<_>>>()
        .map(|lists| lists.into_iter().flatten().collect());
    if let Some(values) = values
        && values_word(&values) != "mixed"
    {
        return (
            Type {
                pointer: ty.pointer.clone(),
                kind: Kind::Enum(values),
                nullable,
            },
            nullable,
        );
    }
    (
        Type {
            pointer: ty.pointer.clone(),
            kind: Kind::Union(rest, discriminator.clone()),
            nullable,
        },
        nullable,
    )
}

/// The members of a schema's `oneOf` (else `anyOf`): their pointers.
fn union_members(flat: &Flat) -> Option<Vec<String>> {
    ["oneOf", "anyOf"].iter().find_map(|keyword| {
        let members = flat.get(keyword)?.as_array()?;
        let at = flat.pointer_of(keyword)?;
        Some((0..members.len()).map(|i| format!("{at}/{i}")).collect())
    })
}

/// `additionalProperties` of a flattened schema: `None` when absent, else
/// whether it is `true`/`{}` (free) and its pointer when it is a schema.
fn additional(flat: &Flat) -> Option<(bool, Option<String>)> {
    let value = flat.get("additionalProperties")?;
    let free = value == &Value::Bool(true) || value.as_object().is_some_and(|m| m.is_empty());
    let schema = value
        .is_object()
        .then(|| flat.pointer_of("additionalProperties").map(str::to_string))
        .flatten();
    Some((free, schema))
}

/// The type in the check's words, for a flattened schema, read as the SDK's
/// word `sdk` where the schema allows several readings (an object without
/// properties is a map, a model without fields or unknown).
fn spec_word(flat: &Flat, sdk: &str) -> String {
    if union_members(flat).is_some() {
        return "union".into();
    }
    let ty = flat.get("type").and_then(Value::as_str);
    let ap = additional(flat);
    let no_properties = flat.properties.is_empty();
    match ty {
        Some("object") | None if !no_properties => "object".into(),
        Some("object") => match ap {
            Some((false, Some(_))) => "map".into(),
            Some((true, _)) | None if ["map", "unknown", "object"].contains(&sdk) => sdk.into(),
            Some((true, _)) => "map".into(),
            _ => "object".into(),
        },
        Some(other) => other.into(),
        None => {
            if let Some(Value::Array(values)) = flat.get("enum") {
                values_word(values)
            } else if flat.get("items").is_some() {
                "array".into()
            } else if let Some((false, Some(_))) = ap {
                "map".into()
            } else {
                "unknown".into()
            }
        }
    }
}

/// Whether two parameter names are the same: exactly, except for a path
/// parameter, whose name is never sent (the facts derive it from the
/// Python name), compared without case.
fn same_name(location: &str, a: &str, b: &str) -> bool {
    a == b || (location == "path" && a.eq_ignore_ascii_case(b))
}

/// Whether two path templates are the same, their parameters' names
/// compared without case (a path parameter's name is never sent).
pub fn same_path(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.split('/').zip(b.split('/')).all(|(x, y)| {
            x == y || (x.starts_with('{') && y.starts_with('{') && x.eq_ignore_ascii_case(y))
        })
}

/// Where a property's `required` is written: its parent's `required`.
fn required_pointer(property: &str) -> String {
    property
        .rsplit_once("/properties/")
        .map_or(property.to_string(), |(parent, _)| {
            format!("{parent}/required")
        })
}

fn hint(source: &Option<String>) -> String {
    match source.as_deref() {
        Some(source) if source != "python" => format!(" (from the {source} SDK)"),
        _ => String::new(),
    }
}

impl Checker<'_> {
    fn finding(&self, place: Place<'_>, pointer: &str, message: String) -> Finding {
        let spec_at = locate_pointer(&self.spec.text, pointer);
        match place {
            Place::Facts(source) => {
                let (line, column) = self.facts.locate(source);
                Finding {
                    page: self.facts.file.clone(),
                    page_line: line,
                    page_column: Some(column),
                    source: Some(source.to_string()),
                    pointer: pointer.to_string(),
                    spec_line: spec_at.map(|(l, _)| l),
                    message,
                }
            }
            Place::Spec(source) => Finding {
                page: self.spec.path.clone(),
                page_line: spec_at.map_or(0, |(l, _)| l),
                page_column: spec_at.map(|(_, c)| c),
                source: Some(source.to_string()),
                pointer: pointer.to_string(),
                spec_line: spec_at.map(|(l, _)| l),
                message,
            },
        }
    }

    fn error(&mut self, place: Place<'_>, pointer: &str, message: impl Into<String>) {
        let finding = self.finding(place, pointer, message.into());
        self.report.errors.push(finding);
    }

    /// Compares one aspect; a difference is accepted only by a note whose
    /// `sdk` and `spec` are the two values. `said` follows the SDK's value in
    /// messages (where the fact came from).
    fn compare(
        &mut self,
        at: &At<'_>,
        aspect: &str,
        sdk: Value,
        spec: Value,
        pointer: &str,
        said: &str,
    ) -> Outcome {
        let note = at
            .notes
            .iter()
            .find(|n| n.aspect == aspect && n.sdk.is_some());
        if same_as(aspect, &sdk, &spec) {
            if let Some(note) = note {
                self.report
                    .agreed
                    .entry(note.pointer.clone())
                    .or_insert(spec);
            }
            return Outcome::Same;
        }
        let detail = enum_detail(aspect, &sdk, &spec);
        let subject = at.subject;
        match note {
            Some(note)
                if note.sdk.as_ref().is_some_and(|v| same_as(aspect, v, &sdk))
                    && same_as(aspect, &note.spec, &spec) =>
            {
                let source = match at.place {
                    Place::Facts(source) | Place::Spec(source) => source,
                };
                self.report.accepted.push(Accepted {
                    page: self.facts.file.clone(),
                    page_line: self.facts.locate(source).0,
                    subject: subject.to_string(),
                    note: note.clone(),
                });
                Outcome::Accepted
            }
            Some(note) => {
                let message = format!(
                    "{subject}: {aspect}: the SDK says {}{said}, the spec says {}{detail}; the {EXTENSION} note at {} records sdk {}, spec {}",
                    show(&sdk),
                    show(&spec),
                    note.pointer,
                    show(note.sdk.as_ref().unwrap_or(&Value::Null)),
                    show(&note.spec)
                );
                let note_pointer = note.pointer.clone();
                self.report.mismatched.insert(note_pointer.clone());
                self.error(at.place, &note_pointer, message);
                Outcome::Differs
            }
            None => {
                let message = format!(
                    "{subject}: {aspect}: the SDK says {}{said}, the spec says {}{detail}",
                    show(&sdk),
                    show(&spec)
                );
                self.error(at.place, pointer, message);
                Outcome::Differs
            }
        }
    }

    fn operation(&mut self, op: &Operation) {
        let name = op.name();
        let subject = format!("`{name}`");
        let found = self
            .spec
            .operations()
            .into_iter()
            .find(|o| o.method.as_str() == op.http_method && same_path(o.path, &op.path))
            .map(|o| (o.pointer.clone(), o.json.clone()));
        let Some((op_pointer, op_json)) = found else {
            let path_pointer = format!("/paths/{}", escape_pointer_token(&op.path));
            let (pointer, has) = match self.spec.json.pointer(&path_pointer) {
                Some(item) => {
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
                        .map(|m| m.to_uppercase())
                        .collect();
                    (
                        path_pointer,
                        format!(" (it has {} at that path)", methods.join(", ")),
                    )
                }
                None => ("/paths".to_string(), String::new()),
            };
            self.error(
                Place::Facts(&op.pointer),
                &pointer,
                format!(
                    "{subject}: the SDK's operation {} {} is not in the spec{has}",
                    op.http_method.to_uppercase(),
                    op.path
                ),
            );
            return;
        };
        self.report.operations += 1;
        self.report.covered.push(op_pointer.clone());

        self.parameters(op, &op_pointer, &op_json, &subject);
        self.body(op, &op_pointer, &op_json, &subject);
        self.response(op, &op_pointer, &op_json, &subject);
    }

    /// The spec's parameters of an operation (and of its path item): the
    /// pointer of each (its `$ref` followed) and its JSON.
    fn spec_params(&self, op_pointer: &str, op_json: &Value) -> Vec<(String, Value)> {
        let key = |p: &Value| {
            (
                p.get("name").cloned().unwrap_or_default(),
                p.get("in").cloned().unwrap_or_default(),
            )
        };
        let read = |owner: &str, list: Option<&Value>| -> Vec<(String, Value)> {
            list.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, written)| {
                    let (json, pointer) = self
                        .spec
                        .deref_at(written, &format!("{owner}/parameters/{i}"));
                    (pointer, json.clone())
                })
                .collect()
        };
        let mut params = read(op_pointer, op_json.get("parameters"));
        // The path item's parameters, unless the operation overrides them.
        let item_pointer = op_pointer.rsplit_once('/').map_or("", |(p, _)| p);
        let item = self.spec.json.pointer(item_pointer);
        for (pointer, json) in read(item_pointer, item.and_then(|i| i.get("parameters"))) {
            if !params.iter().any(|(_, p)| key(p) == key(&json)) {
                params.push((pointer, json));
            }
        }
        params
    }

    fn parameters(&mut self, op: &Operation, op_pointer: &str, op_json: &Value, subject: &str) {
        let params = self.spec_params(op_pointer, op_json);
        let text = |p: &Value, key: &str| {
            p.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut matched = Vec::new();
        for (location, list) in [("path", &op.path_params), ("query", &op.query_params)] {
            for param in list {
                let found = params.iter().find(|(_, p)| {
                    same_name(location, &text(p, "name"), &param.name) && text(p, "in") == location
                });
                let Some((pointer, json)) = found else {
                    let elsewhere = params
                        .iter()
                        .find(|(_, p)| same_name(location, &text(p, "name"), &param.name))
                        .map(|(_, p)| {
                            format!(" (it has a {} parameter of that name)", text(p, "in"))
                        })
                        .unwrap_or_default();
                    self.error(
                        Place::Facts(&format!("{}/name", param.pointer)),
                        op_pointer,
                        format!(
                            "{subject}: {location} parameter `{}`: the spec's operation has no {location} parameter `{}`{elsewhere}",
                            param.name, param.name
                        ),
                    );
                    continue;
                };
                matched.push(pointer.clone());
                let target = Target {
                    carrier: pointer.clone(),
                    schema: format!("{pointer}/schema"),
                    required: json.get("required") == Some(&Value::Bool(true)),
                    required_pointer: format!("{pointer}/required"),
                    subject: format!("{subject}: {location} parameter `{}`", param.name),
                };
                self.field(param, &target);
                if location == "query" && matches!(normalize(&param.ty).0.kind, Kind::Array(_)) {
                    self.array_format(param, pointer, json, &target.subject);
                }
            }
        }
        for (pointer, json) in &params {
            if !matched.contains(pointer) {
                let notes = Flat::of(self.spec, pointer).notes;
                let what = format!(
                    "{subject}: {} parameter `{}`",
                    text(json, "in"),
                    text(json, "name")
                );
                self.presence(
                    &what,
                    &op.pointer,
                    pointer,
                    &notes,
                    "the SDK's operation has none",
                );
            }
        }
    }

    /// An element only the spec has: an error unless a `presence` note
    /// (sdk false, spec true) accepts it.
    fn presence(&mut self, subject: &str, source: &str, pointer: &str, notes: &[Note], why: &str) {
        let at = At {
            subject,
            place: Place::Spec(source),
            notes,
        };
        let said = format!(" ({why})");
        self.compare(
            &at,
            "presence",
            Value::Bool(false),
            Value::Bool(true),
            pointer,
            &said,
        );
    }

    /// How an array query parameter is sent: the facts' `query_array_format`
    /// against the parameter's `style`/`explode`.
    fn array_format(&mut self, param: &Param, pointer: &str, json: &Value, subject: &str) {
        let style = json.get("style").and_then(Value::as_str).unwrap_or("form");
        let explode = json
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        let spec_format = match (style, explode) {
            ("form", false) => "comma",
            ("form", true) => "repeat",
            ("deepObject", _) => "brackets",
            ("spaceDelimited", _) => "space",
            ("pipeDelimited", _) => "pipe",
            (other, _) => other,
        };
        let mut notes = Flat::of(self.spec, pointer).notes;
        notes.extend(Flat::of(self.spec, &format!("{pointer}/schema")).notes);
        let written = if json.get("explode").is_some() {
            format!("{pointer}/explode")
        } else if json.get("style").is_some() {
            format!("{pointer}/style")
        } else {
            pointer.to_string()
        };
        let at = At {
            subject,
            place: Place::Facts(&param.pointer),
            notes: &notes,
        };
        self.compare(
            &at,
            "arrayFormat",
            Value::from(self.facts.query_array_format.clone()),
            Value::from(spec_format),
            &written,
            " (the SDK's query_array_format)",
        );
    }

    fn body(&mut self, op: &Operation, op_pointer: &str, op_json: &Value, subject: &str) {
        let schema = op_json.get("requestBody").and_then(|written| {
            let (body, pointer) = self
                .spec
                .deref_at(written, &format!("{op_pointer}/requestBody"));
            body.pointer("/content/application~1json/schema")
                .map(|_| format!("{pointer}/content/application~1json/schema"))
        });
        let source = format!("{}/body_params", op.pointer);
        match (&op.body_params, schema) {
            (None, None) => {}
            (Some(params), None) => {
                if !params.is_empty() {
                    self.error(
                        Place::Facts(&source),
                        op_pointer,
                        format!("{subject}: the SDK sends a body (`{}`); the spec's operation has no application/json request body", params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("`, `")),
                    );
                }
            }
            (None, Some(schema)) => {
                let notes = Flat::of(self.spec, &format!("{op_pointer}/requestBody")).notes;
                self.presence(
                    &format!("{subject}: the request body"),
                    &op.pointer,
                    &schema,
                    &notes,
                    "the SDK sends no body",
                );
            }
            (Some(params), Some(schema)) => {
                let flat = Flat::of(self.spec, &schema);
                let at = flat
                    .properties_pointer
                    .clone()
                    .unwrap_or_else(|| flat.home.clone().unwrap_or(schema.clone()));
                self.fields(
                    params,
                    &flat,
                    &at,
                    &source,
                    &|name| format!("{subject}: body parameter `{name}`"),
                    "the SDK's body has no such parameter",
                );
            }
        }
    }

    /// Compares the SDK's `params` with the properties of an object schema
    /// (`flat`, whose properties are at `at`): each by name, and nothing
    /// more in the spec.
    fn fields(
        &mut self,
        params: &[Param],
        flat: &Flat,
        at: &str,
        source: &str,
        subject: &dyn Fn(&str) -> String,
        why: &str,
    ) {
        for param in params {
            let Some(property) = flat.properties.get(&param.name) else {
                self.error(
                    Place::Facts(&format!("{}/name", param.pointer)),
                    at,
                    format!("{}: not in the spec's schema", subject(&param.name)),
                );
                continue;
            };
            let target = Target {
                carrier: property.clone(),
                schema: property.clone(),
                required: flat.required.contains(&param.name),
                required_pointer: required_pointer(property),
                subject: subject(&param.name),
            };
            self.field(param, &target);
        }
        for (name, property) in &flat.properties {
            if !params.iter().any(|p| &p.name == name) {
                let notes = Flat::of(self.spec, property).notes;
                self.presence(&subject(name), source, property, &notes, why);
            }
        }
    }

    fn field(&mut self, param: &Param, target: &Target) {
        self.report.fields += 1;
        let mut notes = Flat::of(self.spec, &target.schema).notes;
        let carrier_notes = if target.carrier != target.schema {
            self.spec
                .json
                .pointer(&target.carrier)
                .and_then(|c| c.get(EXTENSION))
                .and_then(|e| parse_notes(e, &format!("{}/{EXTENSION}", target.carrier)).ok())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        notes.extend(carrier_notes.iter().cloned());
        let flat = Flat::of(self.spec, &target.schema);
        let required_source = format!("{}/required", param.pointer);
        let at = At {
            subject: &target.subject,
            place: Place::Facts(&required_source),
            notes: &notes,
        };
        self.compare(
            &at,
            "required",
            Value::Bool(param.required),
            Value::Bool(target.required),
            &target.required_pointer,
            &hint(&param.optional_source),
        );
        let nullable_source = format!("{}/nullable", param.pointer);
        let at = At {
            place: Place::Facts(&nullable_source),
            ..at
        };
        self.compare(
            &at,
            "nullable",
            Value::Bool(param.nullable),
            Value::Bool(flat.nullable()),
            &flat.place_of("nullable", &target.schema),
            &hint(&param.nullable_source),
        );
        self.ty(
            &param.ty,
            &target.schema,
            &target.subject,
            &carrier_notes,
            false,
        );
    }

    /// Compares a facts TYPE with the schema at `schema`. With `nested`, the
    /// TYPE's own nullability (a `null` member) is compared too; a field's is
    /// compared by [`Self::field`].
    fn ty(&mut self, ty: &Type, schema: &str, subject: &str, extra_notes: &[Note], nested: bool) {
        let flat = Flat::of(self.spec, schema);
        let mut notes = flat.notes.clone();
        notes.extend(extra_notes.iter().cloned());
        let (ty, null_member) = normalize(ty);
        let at = At {
            subject,
            place: Place::Facts(&ty.pointer),
            notes: &notes,
        };
        if nested {
            self.compare(
                &at,
                "nullable",
                Value::Bool(null_member),
                Value::Bool(flat.nullable()),
                &flat.place_of("nullable", schema),
                "",
            );
        }
        let sdk = sdk_word(&ty.kind);
        let spec = spec_word(&flat, &sdk);
        if self.compare(
            &at,
            "type",
            Value::from(sdk.clone()),
            Value::from(spec),
            &flat.place_of("type", schema),
            "",
        ) != Outcome::Same
        {
            return;
        }
        match &ty.kind {
            Kind::String(_)
            | Kind::Integer
            | Kind::Number
            | Kind::Boolean
            | Kind::Enum(_)
            | Kind::Literal(_) => {
                let sdk_values = sdk_enum(&ty.kind).map_or(Value::Null, Value::Array);
                let spec_values = match flat.get("enum") {
                    Some(Value::Array(values)) => {
                        Value::Array(values.iter().filter(|v| !v.is_null()).cloned().collect())
                    }
                    _ => Value::Null,
                };
                let values_source = match &ty.kind {
                    Kind::Enum(_) => format!("{}/values", ty.pointer),
                    Kind::Literal(_) => format!("{}/value", ty.pointer),
                    _ => ty.pointer.clone(),
                };
                let at = At {
                    place: Place::Facts(&values_source),
                    ..at
                };
                self.compare(
                    &at,
                    "enum",
                    sdk_values,
                    spec_values,
                    &flat.place_of("enum", schema),
                    "",
                );
                if sdk == "string" {
                    let sdk_format = match &ty.kind {
                        Kind::String(format) => format.clone(),
                        _ => None,
                    };
                    let spec_format = flat
                        .get("format")
                        .and_then(Value::as_str)
                        .filter(|f| SDK_FORMATS.contains(f) || Some(*f) == sdk_format.as_deref())
                        .map(str::to_string);
                    let format_source = format!("{}/format", ty.pointer);
                    let at = At {
                        place: Place::Facts(&format_source),
                        ..at
                    };
                    self.compare(
                        &at,
                        "format",
                        sdk_format.map_or(Value::Null, Value::from),
                        spec_format.map_or(Value::Null, Value::from),
                        &flat.place_of("format", schema),
                        "",
                    );
                }
            }
            Kind::Array(items) => match flat.pointer_of("items").map(str::to_string) {
                Some(items_schema) => {
                    self.ty(items, &items_schema, &format!("{subject} items"), &[], true)
                }
                None => self.error(
                    Place::Facts(&items.pointer),
                    &flat.place_of("items", schema),
                    format!("{subject}: the spec's array has no `items`"),
                ),
            },
            Kind::Map(values) => match additional(&flat) {
                Some((false, Some(values_schema))) => self.ty(
                    values,
                    &values_schema,
                    &format!("{subject} values"),
                    &[],
                    true,
                ),
                _ => {
                    let (values, _) = normalize(values);
                    let at = At {
                        subject: &format!("{subject} values"),
                        place: Place::Facts(&values.pointer),
                        notes: &notes,
                    };
                    self.compare(
                        &at,
                        "type",
                        Value::from(sdk_word(&values.kind)),
                        Value::from("unknown"),
                        &flat.place_of("additionalProperties", schema),
                        "",
                    );
                }
            },
            Kind::Model(key) => self.model(key, &ty.pointer, &flat, schema),
            Kind::Union(variants, discriminator) => {
                let spec_discriminator = flat
                    .get("discriminator")
                    .and_then(|d| d.get("propertyName"))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.compare(
                    &at,
                    "discriminator",
                    discriminator.clone().map_or(Value::Null, Value::from),
                    spec_discriminator,
                    &flat.place_of("discriminator", schema),
                    "",
                );
                self.union(variants, &flat, schema, subject)
            }
            Kind::Unknown | Kind::Null => {}
        }
    }

    fn model(&mut self, key: &str, source: &str, flat: &Flat, schema: &str) {
        let identity = flat
            .properties_pointer
            .clone()
            .or_else(|| flat.home.clone())
            .unwrap_or_else(|| schema.to_string());
        if !self.seen.insert((key.to_string(), identity.clone())) {
            return;
        }
        let Some(model) = self.facts.models.get(key) else {
            self.error(
                Place::Facts(source),
                schema,
                format!("the model `{key}` is not in the facts' `models`"),
            );
            return;
        };
        let fields = model.fields.clone();
        let pointer = format!("{}/fields", model.pointer);
        self.fields(
            &fields,
            flat,
            &identity,
            &pointer,
            &|name| format!("model `{key}`: field `{name}`"),
            "the SDK's model has no such field",
        );
    }

    fn union(&mut self, variants: &[Type], flat: &Flat, schema: &str, subject: &str) {
        let members = union_members(flat).unwrap_or_default();
        let sdk: Vec<(Type, String)> = variants
            .iter()
            .map(|v| {
                let (v, _) = normalize(v);
                let word = sdk_word(&v.kind);
                (v, word)
            })
            .collect();
        let spec: Vec<Flat> = members
            .iter()
            .map(|member| Flat::of(self.spec, member))
            .collect();
        let mut candidates = Vec::new();
        for (i, (variant, word)) in sdk.iter().enumerate() {
            for (j, member_flat) in spec.iter().enumerate() {
                let member_word = spec_word(member_flat, word);
                if &member_word != word {
                    continue;
                }
                let score = match &variant.kind {
                    Kind::Model(key) => self.likeness(key, member_flat),
                    _ => 0,
                } - (i as i64 - j as i64).abs();
                candidates.push((score, i, j));
            }
        }
        candidates.sort_by_key(|&(score, i, j)| (std::cmp::Reverse(score), i, j));
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (_, i, j) in candidates {
            if !pairs.iter().any(|&(a, b)| a == i || b == j) {
                pairs.push((i, j));
            }
        }
        pairs.sort();
        let count = sdk.len();
        for (i, (variant, word)) in sdk.iter().enumerate() {
            match pairs.iter().find(|(a, _)| *a == i) {
                Some(&(_, j)) => self.ty(
                    variant,
                    &members[j],
                    &format!("{subject} variant {} of {count}", i + 1),
                    &[],
                    false,
                ),
                None => {
                    let what = match &variant.kind {
                        Kind::Model(key) => format!("the model `{key}`"),
                        _ => format!("a `{word}`"),
                    };
                    self.error(
                        Place::Facts(&variant.pointer),
                        &flat.place_of("oneOf", schema),
                        format!(
                            "{subject}: the SDK's union variant {} of {count} ({what}) has no counterpart in the spec's `oneOf`/`anyOf`",
                            i + 1
                        ),
                    );
                }
            }
        }
        let source = variants.first().map_or(String::new(), |v| {
            v.pointer
                .rsplit_once('/')
                .map_or(v.pointer.clone(), |(parent, _)| parent.to_string())
        });
        for (j, member) in members.iter().enumerate() {
            if !pairs.iter().any(|&(_, b)| b == j) {
                let notes = spec[j].notes.clone();
                self.presence(
                    &format!("{subject}: the spec's union member {}", j + 1),
                    &source,
                    member,
                    &notes,
                    "the SDK's union has no such variant",
                );
            }
        }
    }

    /// How alike a model and an object schema are: shared property names,
    /// and much more for a literal field (a discriminator) of the same value.
    fn likeness(&self, key: &str, flat: &Flat) -> i64 {
        let Some(model) = self.facts.models.get(key) else {
            return 0;
        };
        let mut score = 0;
        for field in &model.fields {
            let Some(property) = flat.properties.get(&field.name) else {
                score -= 1;
                continue;
            };
            score += 2;
            if let Some(values) = sdk_enum(&normalize(&field.ty).0.kind)
                && let [value] = values.as_slice()
            {
                let property = Flat::of(self.spec, property);
                if property.get("enum") == Some(&Value::Array(vec![value.clone()])) {
                    score += 1000;
                }
            }
        }
        score
            - flat
                .properties
                .keys()
                .filter(|name| !model.fields.iter().any(|f| &f.name == *name))
                .count() as i64
    }

    fn response(&mut self, op: &Operation, op_pointer: &str, op_json: &Value, subject: &str) {
        let schema = op_json
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .find(|(code, _)| code.starts_with('2'))
            .and_then(|(code, written)| {
                let (response, pointer) = self.spec.deref_at(
                    written,
                    &format!("{op_pointer}/responses/{}", escape_pointer_token(code)),
                );
                response
                    .pointer("/content/application~1json/schema")
                    .map(|_| format!("{pointer}/content/application~1json/schema"))
            });
        let pagination_pointer = extensions::pagination_pointer(op_pointer);
        let pagination = self.spec.json.pointer(&pagination_pointer).cloned();
        let Some(schema) = schema else {
            if op.response.kind != Kind::Null {
                self.error(
                    Place::Facts(&op.response.pointer),
                    &format!("{op_pointer}/responses"),
                    format!(
                        "{subject}: the SDK returns a `{}`; the spec's success response has no application/json schema",
                        sdk_word(&op.response.kind)
                    ),
                );
            }
            return;
        };
        match (&op.page, pagination) {
            (None, None) => self.ty(
                &op.response,
                &schema,
                &format!("{subject}: the response"),
                &[],
                true,
            ),
            (Some(page), None) => self.error(
                Place::Facts(&page.pointer),
                op_pointer,
                format!(
                    "{subject}: the SDK returns the cursor page `{}` over `{}`; the spec's operation has no {}",
                    page.class,
                    page.items_field,
                    extensions::PAGINATION
                ),
            ),
            (None, Some(_)) => {
                let notes = Flat::of(self.spec, op_pointer).notes;
                self.presence(
                    &format!("{subject}: pagination"),
                    &op.response.pointer,
                    &pagination_pointer,
                    &notes,
                    "the SDK returns no page",
                );
                self.ty(
                    &op.response,
                    &schema,
                    &format!("{subject}: the response"),
                    &[],
                    true,
                );
            }
            (Some(page), Some(extension)) => {
                let notes = Flat::of(self.spec, op_pointer).notes;
                let mut spec_fields = Vec::new();
                for (aspect, key, sdk_value) in [
                    (
                        "requestCursorParam",
                        "request_cursor_param",
                        &page.request_cursor_param,
                    ),
                    ("itemsField", "items_field", &page.items_field),
                    ("nextCursorField", "cursor_field", &page.cursor_field),
                    ("hasMoreField", "has_more_field", &page.has_more_field),
                ] {
                    let spec_value = extension.get(aspect).cloned().unwrap_or(Value::Null);
                    spec_fields.push(spec_value.as_str().unwrap_or_default().to_string());
                    let source = format!("{}/{key}", page.pointer);
                    let at = At {
                        subject: &format!("{subject}: the page `{}`", page.class),
                        place: Place::Facts(&source),
                        notes: &notes,
                    };
                    self.compare(
                        &at,
                        aspect,
                        Value::from(sdk_value.clone()),
                        spec_value,
                        &format!("{pagination_pointer}/{aspect}"),
                        "",
                    );
                }
                let flat = Flat::of(self.spec, &schema);
                for (name, property) in &flat.properties {
                    if !spec_fields[1..].contains(name) {
                        let notes = Flat::of(self.spec, property).notes;
                        self.presence(
                            &format!("{subject}: the page `{}`'s field `{name}`", page.class),
                            &page.pointer,
                            property,
                            &notes,
                            "the SDK's page has items, cursor and hasMore only",
                        );
                    }
                }
                let items = flat
                    .properties
                    .get(&spec_fields[1])
                    .and_then(|p| Flat::of(self.spec, p).pointer_of("items").map(str::to_string));
                match items {
                    Some(items) => self.ty(
                        &op.response,
                        &items,
                        &format!("{subject}: the page's items"),
                        &[],
                        true,
                    ),
                    None => self.error(
                        Place::Facts(&page.pointer),
                        &schema,
                        format!(
                            "{subject}: the spec's page has no array property `{}` of items",
                            spec_fields[1]
                        ),
                    ),
                }
            }
        }
    }

    fn webhooks(&mut self) {
        let Some(webhooks) = &self.facts.webhooks else {
            return;
        };
        let hooks_pointer = extensions::webhooks_pointer();
        let mut event_schemas: BTreeMap<String, Option<String>> = BTreeMap::new();
        for event in &webhooks.events {
            let t = &event.event_type;
            let subject = format!("webhook event `{t}`");
            let item = extensions::webhook_pointer(t);
            if self.spec.json.pointer(&item).is_none() {
                let at = if extensions::webhooks_json(&self.spec.json).is_some() {
                    hooks_pointer.clone()
                } else {
                    String::new()
                };
                let none = if at.is_empty() {
                    " (the spec has none)"
                } else {
                    ""
                };
                self.error(
                    Place::Facts(&format!("{}/type", event.pointer)),
                    &at,
                    format!("{subject}: not in the spec's `{WEBHOOKS}`{none}"),
                );
                continue;
            }
            self.report.events += 1;
            self.report.covered_events.push(t.clone());
            let post = format!("{item}/post");
            let body = self
                .spec
                .json
                .pointer(&format!("{post}/requestBody"))
                .map(|b| self.spec.deref_at(b, &format!("{post}/requestBody")));
            let schema = body.and_then(|(b, p)| {
                b.pointer("/content/application~1json/schema")
                    .map(|_| format!("{p}/content/application~1json/schema"))
            });
            let Some(schema) = schema else {
                self.error(
                    Place::Facts(&format!("{}/model", event.pointer)),
                    &post,
                    format!("{subject}: the spec's `post` has no application/json request body (the event)"),
                );
                continue;
            };
            event_schemas.insert(
                t.clone(),
                self.spec
                    .json
                    .pointer(&schema)
                    .and_then(|s| s.get("$ref"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            );
            let model = Type {
                pointer: format!("{}/model", event.pointer),
                kind: Kind::Model(event.model.clone()),
                nullable: false,
            };
            self.ty(&model, &schema, &subject, &[], false);
            if let Some(answer) = &event.answer {
                let response = self
                    .spec
                    .json
                    .pointer(&format!("{post}/responses/200"))
                    .map(|r| self.spec.deref_at(r, &format!("{post}/responses/200")));
                let answer_schema = response.and_then(|(r, p)| {
                    r.pointer("/content/application~1json/schema")
                        .map(|_| format!("{p}/content/application~1json/schema"))
                });
                let said = hint(&event.answer_source);
                match answer_schema {
                    Some(answer_schema) => self.ty(
                        answer,
                        &answer_schema,
                        &format!("{subject}: the receiver's answer{said}"),
                        &[],
                        true,
                    ),
                    None => self.error(
                        Place::Facts(&answer.pointer),
                        &format!("{post}/responses"),
                        format!("{subject}: the SDK documents the receiver's answer{said}; the spec's `post` has no `200` application/json answer"),
                    ),
                }
            }
        }
        self.webhook_union(&event_schemas);
    }

    /// The `WebhookEvent` union: its discriminator, its mapping (every SDK
    /// event type, to the schema [`WEBHOOKS`] sends) and its members.
    fn webhook_union(&mut self, event_schemas: &BTreeMap<String, Option<String>>) {
        let Some(webhooks) = &self.facts.webhooks else {
            return;
        };
        let Some(union) = self.spec.json.pointer(WEBHOOK_UNION).cloned() else {
            self.error(
                Place::Facts(&webhooks.pointer),
                "/components/schemas",
                format!(
                    "the SDK's webhook union `{}`: the spec has no `WebhookEvent` schema",
                    webhooks.union
                ),
            );
            return;
        };
        let subject = "the `WebhookEvent` union".to_string();
        let notes = Flat::of(self.spec, WEBHOOK_UNION).notes;
        let discriminator = format!("{WEBHOOK_UNION}/discriminator");
        let source = format!("{}/discriminator", webhooks.pointer);
        let at = At {
            subject: &subject,
            place: Place::Facts(&source),
            notes: &notes,
        };
        let spec_property = union
            .pointer("/discriminator/propertyName")
            .cloned()
            .unwrap_or(Value::Null);
        let written = if spec_property.is_null() {
            WEBHOOK_UNION.to_string()
        } else {
            format!("{discriminator}/propertyName")
        };
        self.compare(
            &at,
            "discriminator",
            Value::from(webhooks.discriminator.clone()),
            spec_property,
            &written,
            "",
        );
        let mapping = union
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mapping_pointer = format!("{discriminator}/mapping");
        let members: Vec<String> = union
            .get("oneOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("$ref").and_then(Value::as_str).map(str::to_string))
            .collect();
        for event in &webhooks.events {
            let t = &event.event_type;
            let source = format!("{}/type", event.pointer);
            let Some(target) = mapping.get(t).and_then(Value::as_str) else {
                let at = if union.pointer("/discriminator/mapping").is_some() {
                    mapping_pointer.clone()
                } else {
                    WEBHOOK_UNION.to_string()
                };
                self.error(
                    Place::Facts(&source),
                    &at,
                    format!("webhook event `{t}`: not in {subject}'s discriminator mapping"),
                );
                continue;
            };
            let at = format!("{mapping_pointer}/{}", escape_pointer_token(t));
            if let Some(Some(sent)) = event_schemas.get(t)
                && sent != target
            {
                self.error(
                    Place::Spec(&source),
                    &at,
                    format!("webhook event `{t}`: {subject} maps it to `{target}` but `{WEBHOOKS}` sends `{sent}`"),
                );
            }
            if !members.iter().any(|m| m == target) {
                self.error(
                    Place::Spec(&source),
                    &at,
                    format!("webhook event `{t}`: {subject} maps it to `{target}`, which is not one of its `oneOf` members"),
                );
            }
        }
        let events_source = format!("{}/events", webhooks.pointer);
        for (t, target) in &mapping {
            if !webhooks.events.iter().any(|e| &e.event_type == t) {
                self.error(
                    Place::Spec(&events_source),
                    &format!("{mapping_pointer}/{}", escape_pointer_token(t)),
                    format!("webhook event `{t}` is in {subject}'s mapping but the SDK has no such event"),
                );
            }
            let _ = target;
        }
        for (j, member) in members.iter().enumerate() {
            if !mapping.values().any(|v| v.as_str() == Some(member)) {
                self.error(
                    Place::Spec(&events_source),
                    &format!("{WEBHOOK_UNION}/oneOf/{j}"),
                    format!("{subject}'s member `{member}` is the target of no event type in its mapping"),
                );
            }
        }
    }
}

/// What differs between two enum value lists, for a message.
fn enum_detail(aspect: &str, sdk: &Value, spec: &Value) -> String {
    let (Some(sdk), Some(spec)) = (sdk.as_array(), spec.as_array()) else {
        return String::new();
    };
    if aspect != "enum" {
        return String::new();
    }
    let only = |a: &Vec<Value>, b: &Vec<Value>| -> Vec<String> {
        a.iter().filter(|v| !b.contains(v)).map(show).collect()
    };
    let mut parts = Vec::new();
    let sdk_only = only(sdk, spec);
    if !sdk_only.is_empty() {
        parts.push(format!("only the SDK has {}", sdk_only.join(", ")));
    }
    let spec_only = only(spec, sdk);
    if !spec_only.is_empty() {
        parts.push(format!("only the spec has {}", spec_only.join(", ")));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// The spec operations of `pages` (method and path; a page without a
/// method documents the only operation at its path).
pub fn page_operations(spec: &LoadedSpec, pages: &[super::page::Page]) -> Vec<String> {
    let mut out = Vec::new();
    for page in pages {
        let path = &page.path.value;
        match &page.method {
            Some(method) => out.push(operation_pointer(path, &method.value)),
            None => {
                let ops: Vec<String> = spec
                    .operations()
                    .into_iter()
                    .filter(|o| o.path == path)
                    .map(|o| o.pointer.clone())
                    .collect();
                if let [only] = ops.as_slice() {
                    out.push(only.clone());
                }
            }
        }
    }
    out
}
