//! The one reading of what a JSON schema of the spec means, for every tool
//! of xtask: `$ref` resolution with the pointer of what was reached
//! ([`deref_at`]), the schema that says what a value is behind `$ref`s and
//! one-member `allOf`s ([`schema_json`], typed: [`typed`]), the members of
//! a union ([`members`]), whether `null` is accepted ([`nullable`]), and a
//! schema with its `$ref`s and `allOf` parts merged into one view
//! ([`Flat`]).
//!
//! Where two tools read a schema differently on purpose, the difference is
//! a named mode ([`Merge`], [`Nullability`]) rather than a second copy.

use std::collections::BTreeMap;

use openapiv3::{ReferenceOr, Schema, SchemaKind};
use serde_json::Value;

use crate::spec::{LoadedSpec, escape_pointer_token};

/// How deep a walk through `$ref`s and parts goes before it stops (a cycle).
const MAX_DEPTH: usize = 32;

/// Follows `$ref`s from `value`, which is at `pointer`, to a node that is
/// not a reference: the node and its pointer (that of the last component
/// followed, or `pointer` when `value` is no `$ref`). A `$ref` that points
/// at nothing, or a cycle, stops the walk.
pub fn deref_at<'a>(
    spec: &'a LoadedSpec,
    mut value: &'a Value,
    pointer: &str,
) -> (&'a Value, String) {
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

/// [`deref_at`] without the pointer.
pub fn deref<'a>(spec: &'a LoadedSpec, value: &'a Value) -> &'a Value {
    deref_at(spec, value, "").0
}

/// Follows `$ref`s and single-member `allOf`s (how the spec makes a
/// referenced schema nullable) from a JSON schema to the schema that says
/// what a value is.
pub fn schema_json<'a>(spec: &'a LoadedSpec, schema: &'a Value) -> &'a Value {
    chain(spec, schema).last().copied().unwrap_or(schema)
}

/// The schemas met from `schema` through `$ref`s and single-member
/// `allOf`s, each with its `$ref`s followed: the last is [`schema_json`].
/// A reading that stops early (the first `type` said) takes a prefix.
pub fn chain<'a>(spec: &'a LoadedSpec, mut schema: &'a Value) -> Vec<&'a Value> {
    let mut out = Vec::new();
    for _ in 0..64 {
        schema = deref(spec, schema);
        out.push(schema);
        match one_part(schema) {
            Some(part) => schema = part,
            None => break,
        }
    }
    out
}

/// The JSON type a schema gives its values: the first `type` said through
/// `$ref`s and single-member `allOf`s, else `object` for a schema with
/// properties; `None` when it says none.
pub fn json_type<'a>(spec: &'a LoadedSpec, schema: &'a Value) -> Option<&'a str> {
    let chain = chain(spec, schema);
    chain
        .iter()
        .find_map(|s| s.get("type").and_then(Value::as_str))
        .or_else(|| chain.last()?.get("properties").map(|_| "object"))
}

/// The typed form of [`schema_json`]: follows `$ref`s to
/// `#/components/schemas/...` and single-member `allOf`s (also beside a
/// `type: object`) in the typed model.
pub fn typed<'a>(spec: &'a LoadedSpec, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    let mut current = schema;
    for _ in 0..64 {
        match current {
            ReferenceOr::Reference { reference } => current = component(spec, reference)?,
            ReferenceOr::Item(item) => match typed_one_part(item) {
                Some(part) => current = part,
                None => return Some(item),
            },
        }
    }
    None
}

/// [`typed`] for the boxed schemas of properties and items.
pub fn typed_boxed<'a>(
    spec: &'a LoadedSpec,
    schema: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Reference { reference } => typed(spec, component(spec, reference)?),
        ReferenceOr::Item(item) => match typed_one_part(item) {
            Some(part) => typed(spec, part),
            None => Some(item),
        },
    }
}

/// The component schema a `$ref` to `#/components/schemas/...` names.
fn component<'a>(spec: &'a LoadedSpec, reference: &str) -> Option<&'a ReferenceOr<Schema>> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    spec.openapi.components.as_ref()?.schemas.get(name)
}

/// The typed part of an `allOf` of exactly one member (openapiv3 reads an
/// `allOf` beside `type: object` as `Any`).
fn typed_one_part(schema: &Schema) -> Option<&ReferenceOr<Schema>> {
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => Some(&all_of[0]),
        SchemaKind::Any(any) if any.all_of.len() == 1 => Some(&any.all_of[0]),
        _ => None,
    }
}

/// The part of an `allOf` of exactly one member.
pub fn one_part(schema: &Value) -> Option<&Value> {
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .filter(|parts| parts.len() == 1)
        .map(|parts| &parts[0])
}

/// The members of a union: the `oneOf`, else the `anyOf`, of `schema`
/// (which is at `pointer`), each with its pointer; none when it is no union
/// (an empty list is none).
pub fn members<'a>(schema: &'a Value, pointer: &str) -> Vec<(&'a Value, String)> {
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = schema
            .get(key)
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty())
        {
            return list
                .iter()
                .enumerate()
                .map(|(i, member)| (member, format!("{pointer}/{key}/{i}")))
                .collect();
        }
    }
    Vec::new()
}

/// How [`nullable`] reads a schema that does not say `nullable` itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nullability {
    /// What the schema declares (spec-diff, which reports a change of it):
    /// the nearest `nullable` on the way through `$ref`s wins; else an
    /// `allOf` accepts `null` only when every part that says anything does,
    /// and a `type` beside the parts says "not null". `None`: nothing is
    /// said.
    Declared,
    /// Whether a `null` value passes (avara-mock, which refuses the ones
    /// that do not): `nullable: true` here or on any schema it is made of by
    /// `$ref`, `allOf`, `oneOf` or `anyOf`, or a schema that constrains
    /// nothing (any value). Never `None`.
    Accepted,
}

/// Whether `schema` lets a value be `null`, read as `mode` says.
pub fn nullable(spec: &LoadedSpec, schema: &Value, mode: Nullability) -> Option<bool> {
    match mode {
        Nullability::Declared => declared_null(spec, schema, 0),
        Nullability::Accepted => Some(accepts_null(spec, schema, 0)),
    }
}

fn declared_null(spec: &LoadedSpec, value: &Value, depth: usize) -> Option<bool> {
    let map = value.as_object()?;
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(nullable) = map.get("nullable").and_then(Value::as_bool) {
        return Some(nullable);
    }
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        return spec
            .resolve_ref(reference)
            .and_then(|target| declared_null(spec, target, depth + 1));
    }
    let own = map.get("type").map(|_| false);
    let parts = map
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|part| declared_null(spec, part, depth + 1));
    own.into_iter()
        .chain(parts)
        .fold(None, |acc, n| Some(acc.unwrap_or(true) && n))
}

fn accepts_null(spec: &LoadedSpec, schema: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let schema = deref(spec, schema);
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    let mut constrained = false;
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            constrained = true;
            if parts.iter().any(|p| accepts_null(spec, p, depth + 1)) {
                return true;
            }
        }
    }
    let Some(object) = schema.as_object() else {
        return true;
    };
    !(constrained
        || [
            "type",
            "properties",
            "items",
            "enum",
            "additionalProperties",
        ]
        .iter()
        .any(|k| object.contains_key(*k)))
}

/// How [`Flat`] merges what it meets through `$ref`s and `allOf` parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// The parts of an `allOf` are intersected: of two bounds the stricter
    /// one holds, flags such as `exclusiveMinimum` hold when any part sets
    /// them, a closed `additionalProperties` closes the whole, `enum`s keep
    /// only their common values ([`Flat::enum_values`]) and `required`
    /// lists are joined; a part's documentation keywords are its own.
    /// Keywords written beside a `$ref` (most often `nullable: true`)
    /// override the referenced schema's. Used where a change of meaning is
    /// judged (spec-diff).
    Strict,
    /// Each keyword and property as first met in a walk of every schema
    /// object's keys in order (a `$ref` or `allOf` followed where its key
    /// comes, so what a `$ref` points at comes before keywords beside it).
    /// Used where a schema is compared with a source's statement of it and
    /// a note found anywhere on the way applies (`cargo xtask reference`):
    /// its findings and accepted notes are pinned by tests, so its order is
    /// kept rather than the stricter reading.
    FirstMet,
}

/// Keywords whose stricter value is the larger one, and the smaller one.
const LOWER_BOUNDS: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];
const UPPER_BOUNDS: [&str; 5] = [
    "maximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    crate::extensions::MAX_KEY_LENGTH,
];

/// Keywords that document rather than constrain: their edits never change
/// what goes over the wire.
pub const DOC_KEYWORDS: [&str; 7] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "xml",
];

/// A schema with its `$ref`s followed and its `allOf` parts merged, as
/// [`Merge`] says: each keyword with the pointer of the schema object that
/// declares it.
#[derive(Debug)]
pub struct Flat<'a> {
    /// The pointer of the schema, its `$ref`s followed.
    pub pointer: String,
    pub keywords: BTreeMap<&'a str, (&'a Value, String)>,
    /// The `properties` of every object met, by name, with their pointers.
    pub properties: BTreeMap<&'a str, (&'a Value, String)>,
    /// The first `properties` met.
    pub properties_pointer: Option<String>,
    /// The `required` names met, in order (a name may repeat).
    pub required: Vec<&'a str>,
    /// Every `enum` met, for the intersection.
    pub enums: Vec<&'a Value>,
    /// The first schema object met that is more than a `$ref`: where a
    /// keyword the schema lacks would be written.
    pub home: Option<String>,
    /// Every schema object met, with its pointer, in the order met.
    pub met: Vec<(&'a Value, String)>,
}

impl<'a> Flat<'a> {
    /// The merged view of `value`, which is at `pointer`.
    pub fn new(spec: &'a LoadedSpec, value: &'a Value, pointer: &str, merge: Merge) -> Flat<'a> {
        let mut flat = Flat {
            pointer: deref_at(spec, value, pointer).1,
            keywords: BTreeMap::new(),
            properties: BTreeMap::new(),
            properties_pointer: None,
            required: Vec::new(),
            enums: Vec::new(),
            home: None,
            met: Vec::new(),
        };
        match merge {
            Merge::Strict => flat.absorb(spec, value, pointer, 0, false),
            Merge::FirstMet => flat.first_met(spec, value, pointer, 0),
        }
        flat
    }

    /// The merged view of the node at `pointer` in the spec (nothing when
    /// there is none).
    pub fn at_pointer(spec: &'a LoadedSpec, pointer: &str, merge: Merge) -> Flat<'a> {
        Flat::new(
            spec,
            spec.json.pointer(pointer).unwrap_or(&Value::Null),
            pointer,
            merge,
        )
    }

    /// Records a schema object met; `false` when the walk stops here.
    fn meet(&mut self, value: &'a Value, pointer: &str, depth: usize) -> bool {
        let Some(map) = value.as_object() else {
            return false;
        };
        if depth > MAX_DEPTH {
            return false;
        }
        if self.home.is_none() && !map.contains_key("$ref") {
            self.home = Some(pointer.to_string());
        }
        self.met.push((value, pointer.to_string()));
        true
    }

    fn first_met(&mut self, spec: &'a LoadedSpec, value: &'a Value, pointer: &str, depth: usize) {
        if !self.meet(value, pointer, depth) {
            return;
        }
        let Some(map) = value.as_object() else {
            return;
        };
        for (key, child) in map {
            let at = format!("{pointer}/{}", escape_pointer_token(key));
            match key.as_str() {
                "$ref" => {
                    if let Some(target) = child.as_str().and_then(|r| r.strip_prefix('#'))
                        && let Some(node) = spec.json.pointer(target)
                    {
                        self.first_met(spec, node, target, depth + 1);
                    }
                }
                "allOf" => {
                    for (i, part) in child.as_array().into_iter().flatten().enumerate() {
                        self.first_met(spec, part, &format!("{at}/{i}"), depth + 1);
                    }
                }
                "properties" => {
                    self.properties_pointer.get_or_insert(at.clone());
                    for (name, schema) in child.as_object().into_iter().flatten() {
                        self.properties.entry(name).or_insert_with(|| {
                            (schema, format!("{at}/{}", escape_pointer_token(name)))
                        });
                    }
                }
                "required" => self.required.extend(
                    child
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                ),
                _ => {
                    if key == "enum" {
                        self.enums.push(child);
                    }
                    self.keywords
                        .entry(key)
                        .or_insert_with(|| (child, pointer.to_string()));
                }
            }
        }
    }

    /// `in_part`: inside an `allOf` part, whose documentation is its own.
    fn absorb(
        &mut self,
        spec: &'a LoadedSpec,
        value: &'a Value,
        pointer: &str,
        depth: usize,
        in_part: bool,
    ) {
        if !self.meet(value, pointer, depth) {
            return;
        }
        let Some(map) = value.as_object() else {
            return;
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            if let Some(target) = spec.resolve_ref(reference) {
                let target_pointer = reference.trim_start_matches('#').to_string();
                self.absorb(spec, target, &target_pointer, depth + 1, in_part);
            }
            // Siblings of a `$ref` override what it points at.
            for (key, child) in map {
                if key != "$ref" {
                    self.keyword(key, child, pointer, true, false);
                }
            }
            return;
        }
        if let Some(parts) = map.get("allOf").and_then(Value::as_array) {
            for (i, part) in parts.iter().enumerate() {
                self.absorb(spec, part, &format!("{pointer}/allOf/{i}"), depth + 1, true);
            }
        }
        for (key, child) in map {
            self.keyword(key, child, pointer, false, in_part);
        }
    }

    fn keyword(
        &mut self,
        key: &'a str,
        child: &'a Value,
        pointer: &str,
        overrides: bool,
        in_part: bool,
    ) {
        match key {
            "allOf" | "$ref" => {}
            "properties" => {
                let at = format!("{pointer}/properties");
                self.properties_pointer.get_or_insert(at.clone());
                for (name, schema) in child.as_object().into_iter().flatten() {
                    let at = format!("{at}/{}", escape_pointer_token(name));
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
            "enum" => {
                if overrides {
                    self.enums.clear();
                }
                self.enums.push(child);
                self.keywords.insert(key, (child, pointer.to_string()));
            }
            // The description of an `allOf` part is the part's own.
            _ if in_part && DOC_KEYWORDS.contains(&key) => {}
            _ => {
                let keep_old = !overrides
                    && self
                        .keywords
                        .get(key)
                        .is_some_and(|(old, _)| stricter_or_equal(key, old, child));
                if !keep_old {
                    self.keywords.insert(key, (child, pointer.to_string()));
                }
            }
        }
    }

    /// The value of `keyword`.
    pub fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.keywords.get(keyword).map(|(v, _)| *v)
    }

    /// The pointer of `keyword` itself, when some schema met declares it.
    pub fn pointer_of(&self, keyword: &str) -> Option<String> {
        self.keywords
            .get(keyword)
            .map(|(_, owner)| format!("{owner}/{}", escape_pointer_token(keyword)))
    }

    /// The pointer of `keyword`, or where it would be in the schema when no
    /// schema met declares it.
    pub fn at(&self, keyword: &str) -> String {
        self.pointer_of(keyword)
            .unwrap_or_else(|| format!("{}/{}", self.pointer, escape_pointer_token(keyword)))
    }

    /// Whether a name is listed in a `required` met.
    pub fn is_required(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    /// The values every `enum` met allows, in the order of the first one.
    pub fn enum_values(&self) -> Option<Vec<Value>> {
        let (first, rest) = self.enums.split_first()?;
        let values = first.as_array()?;
        Some(
            values
                .iter()
                .filter(|v| {
                    rest.iter()
                        .all(|other| other.as_array().is_some_and(|o| o.contains(v)))
                })
                .cloned()
                .collect(),
        )
    }
}

/// Of an existing keyword value met in one `allOf` part and a new one from
/// another, whether the existing one is at least as strict (so it stays).
fn stricter_or_equal(key: &str, old: &Value, new: &Value) -> bool {
    if LOWER_BOUNDS.contains(&key) {
        return matches!((old.as_f64(), new.as_f64()), (Some(a), Some(b)) if a >= b);
    }
    if UPPER_BOUNDS.contains(&key) {
        return matches!((old.as_f64(), new.as_f64()), (Some(a), Some(b)) if a <= b);
    }
    match key {
        "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" => old == &Value::Bool(true),
        "additionalProperties" => old == &Value::Bool(false),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(components: &str) -> LoadedSpec {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /v1/things:\n    get:\n      tags: [things]\n      operationId: things_list\n      responses:\n        '200': {{description: ok}}\ncomponents:\n  schemas:\n{components}"
        );
        crate::spec::parse(std::path::Path::new("spec.yaml"), text).unwrap()
    }

    const SCHEMAS: &str = "    Name:\n      type: string\n      maxLength: 10\n      description: A name.\n    Short:\n      allOf:\n        - $ref: '#/components/schemas/Name'\n        - maxLength: 5\n          minLength: 1\n          description: Shorter.\n      maxLength: 8\n    MaybeName:\n      nullable: true\n      allOf:\n        - $ref: '#/components/schemas/Name'\n    Either:\n      oneOf:\n        - $ref: '#/components/schemas/Name'\n        - type: integer\n    Any: {}\n";

    #[test]
    fn refs_resolve_with_their_pointer() {
        let spec = spec(SCHEMAS);
        let node = serde_json::json!({"$ref": "#/components/schemas/Name"});
        let (target, pointer) = deref_at(&spec, &node, "/x");
        assert_eq!(pointer, "/components/schemas/Name");
        assert_eq!(target["maxLength"], 10);
        let plain = serde_json::json!({"type": "string"});
        assert_eq!(deref_at(&spec, &plain, "/x").1, "/x");
        let maybe = &spec.json["components"]["schemas"]["MaybeName"];
        assert_eq!(schema_json(&spec, maybe)["maxLength"], 10);
    }

    #[test]
    fn the_strict_merge_keeps_the_stricter_bound_and_the_first_met_the_first() {
        let spec = spec(SCHEMAS);
        let strict = Flat::at_pointer(&spec, "/components/schemas/Short", Merge::Strict);
        assert_eq!(strict.get("maxLength"), Some(&Value::from(5)));
        assert_eq!(
            strict.at("maxLength"),
            "/components/schemas/Short/allOf/1/maxLength"
        );
        assert_eq!(strict.get("minLength"), Some(&Value::from(1)));
        // A part's description is its own.
        assert_eq!(strict.get("description"), None);
        let first = Flat::at_pointer(&spec, "/components/schemas/Short", Merge::FirstMet);
        // `allOf` sorts before `maxLength`: the referenced bound is met first.
        assert_eq!(first.get("maxLength"), Some(&Value::from(10)));
        assert_eq!(first.get("description"), Some(&Value::from("A name.")));
        assert_eq!(
            first.pointer_of("maxLength").as_deref(),
            Some("/components/schemas/Name/maxLength")
        );
        assert_eq!(first.home.as_deref(), Some("/components/schemas/Short"));
        assert_eq!(first.met.len(), 4);
    }

    #[test]
    fn nullability_has_two_readings() {
        let spec = spec(SCHEMAS);
        let at = |name: &str| &spec.json["components"]["schemas"][name];
        assert_eq!(
            nullable(&spec, at("MaybeName"), Nullability::Declared),
            Some(true)
        );
        assert_eq!(
            nullable(&spec, at("Name"), Nullability::Declared),
            Some(false)
        );
        assert_eq!(nullable(&spec, at("Any"), Nullability::Declared), None);
        assert_eq!(
            nullable(&spec, at("Any"), Nullability::Accepted),
            Some(true)
        );
        assert_eq!(
            nullable(&spec, at("Either"), Nullability::Accepted),
            Some(false)
        );
        assert_eq!(
            nullable(&spec, at("MaybeName"), Nullability::Accepted),
            Some(true)
        );
    }

    #[test]
    fn union_members_carry_their_pointers() {
        let spec = spec(SCHEMAS);
        let either = &spec.json["components"]["schemas"]["Either"];
        let found = members(either, "/components/schemas/Either");
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].1, "/components/schemas/Either/oneOf/1");
        assert!(members(&spec.json["components"]["schemas"]["Name"], "/n").is_empty());
    }
}
