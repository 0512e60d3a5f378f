//! The recursive schema walk: `$ref`s and `allOf` flattened, then type,
//! bounds, enums, properties, `additionalProperties`, items and alternatives
//! compared in the direction the data flows.

use std::collections::BTreeSet;

use heck::ToKebabCase;
use serde_json::Value;

use super::{DOC_KEYWORDS, Differ, Dir, Node, show, show_opt};
use crate::extensions::MAX_KEY_LENGTH;
use crate::schema::{self, Merge, Nullability};
use crate::spec::LoadedSpec;
use crate::spec_diff::Level;

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
    MAX_KEY_LENGTH,
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

/// A schema with `$ref`s and `allOf` flattened by the strict merge
/// ([`Merge::Strict`]: of two bounds the stricter holds, keywords beside a
/// `$ref` override it), with whether it declares `null` acceptable.
struct Flat<'a> {
    view: schema::Flat<'a>,
    nullable: bool,
}

impl<'a> std::ops::Deref for Flat<'a> {
    type Target = schema::Flat<'a>;

    fn deref(&self) -> &schema::Flat<'a> {
        &self.view
    }
}

impl<'a> Flat<'a> {
    fn new(spec: &'a LoadedSpec, value: &'a Value, pointer: &str) -> Flat<'a> {
        Flat {
            view: schema::Flat::new(spec, value, pointer, Merge::Strict),
            nullable: schema::nullable(spec, value, Nullability::Declared).unwrap_or(false),
        }
    }

    fn nullable(&self) -> bool {
        self.nullable
    }

    /// Whether the schema reads or writes the property as data in `dir`:
    /// `readOnly` properties are not request data, `writeOnly` ones not
    /// response data.
    fn flows(spec: &LoadedSpec, schema: &Value, dir: Dir) -> bool {
        let flag = |key: &str| {
            spec.deref(schema)
                .get(key)
                .or_else(|| schema.get(key))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        match dir {
            Dir::Request => !flag("readOnly"),
            Dir::Response => !flag("writeOnly"),
        }
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

impl Differ<'_> {
    // ---- schemas -----------------------------------------------------------

    /// Compares two schemas met in `dir`; `path` names the property within
    /// `subject` (`organizations[].userCount`), empty at the top.
    pub(super) fn schema(
        &mut self,
        dir: Dir,
        subject: &str,
        path: &str,
        old: Node<'_>,
        new: Node<'_>,
    ) {
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

        // Type and format change the Rust type in either direction, except
        // that an integer that becomes a number in a request is a widening
        // (every integer a client sends is still a number); its format goes
        // with it.
        let widened = dir == Dir::Request
            && o.get("type") == Some(&Value::from("integer"))
            && n.get("type") == Some(&Value::from("number"));
        if widened {
            self.emit(
                Level::NonBreaking,
                &n.at("type"),
                "request-type-widened",
                format!(
                    "{what}: `type` widened from integer{} to number{} ({})",
                    o.get("format")
                        .map(|f| format!(" ({})", show(f)))
                        .unwrap_or_default(),
                    n.get("format")
                        .map(|f| format!(" ({})", show(f)))
                        .unwrap_or_default(),
                    dir.why_loosened()
                ),
            );
        }
        for k in ["type", "format"] {
            if widened || o.get(k) == n.get(k) {
                continue;
            }
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
            let (pairs, removed, added) = pair_alternatives(&a, &b);
            for (i, j) in pairs {
                self.schema(
                    dir,
                    subject,
                    path,
                    Node {
                        value: &a[i],
                        pointer: &format!("{ap}/{i}"),
                    },
                    Node {
                        value: &b[j],
                        pointer: &format!("{bp}/{j}"),
                    },
                );
            }
            for j in added {
                self.emit(
                    dir.loosened(),
                    &format!("{bp}/{j}"),
                    &format!("{d}-{}-alternative-added", k.to_kebab_case()),
                    format!(
                        "{what}: alternative {} added to `{k}` ({})",
                        alternative_name(&b[j], j),
                        dir.why_loosened()
                    ),
                );
            }
            for i in removed {
                self.emit(
                    dir.tightened(),
                    &format!("{ap}/{i}"),
                    &format!("{d}-{}-alternative-removed", k.to_kebab_case()),
                    format!(
                        "{what}: alternative {} removed from `{k}` ({})",
                        alternative_name(&a[i], i),
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
            } else if k == "readOnly" || k == "writeOnly" {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    &format!("{d}-{}-changed", k.to_kebab_case()),
                    format!(
                        "{what}: `{k}` changed from {} to {}; it decides whether the property is request or response data",
                        show_opt(o.get(k)),
                        show_opt(n.get(k))
                    ),
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
            (MAX_KEY_LENGTH, true),
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
                &format!(
                    "{d}-multiple-of-{}",
                    if tight { "restricted" } else { "relaxed" }
                ),
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
        let values = |f: &Flat<'_>| f.enum_values();
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
        let (old_spec, new_spec) = (self.old, self.new);
        for (name, (value, pointer)) in &o.properties {
            if !n.properties.contains_key(name) && Flat::flows(old_spec, value, dir) {
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
            let flows_now = Flat::flows(new_spec, value, dir);
            let Some((old_value, old_pointer)) = o.properties.get(name) else {
                if !flows_now {
                    continue;
                }
                let required = n.required.contains(name);
                let closed = matches!(extra(o), Extra::Closed);
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
                    (Dir::Response, _) if closed => (
                        Level::Breaking,
                        "response-property-added-to-closed-schema",
                        "the old schema has `additionalProperties: false`, so its generated type denies unknown fields and fails on the new property",
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
            if !flows_now && !Flat::flows(old_spec, old_value, dir) {
                continue;
            }
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

/// Pairs the alternatives of two `oneOf`/`anyOf` lists the way oasdiff
/// does: by `$ref` first, then by equal content; what is left is paired by
/// position when both sides have as many left, otherwise reported as added
/// and removed. Returns (pairs, removed old indexes, added new indexes).
fn pair_alternatives(
    old: &[Value],
    new: &[Value],
) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut pairs = Vec::new();
    let mut old_left: Vec<usize> = (0..old.len()).collect();
    let mut new_left: Vec<usize> = (0..new.len()).collect();
    fn reference(v: &Value) -> Option<&str> {
        v.get("$ref").and_then(Value::as_str)
    }
    fn same_ref(a: &Value, b: &Value) -> bool {
        reference(a).is_some() && reference(a) == reference(b)
    }
    fn same_content(a: &Value, b: &Value) -> bool {
        a == b
    }
    type Matcher = fn(&Value, &Value) -> bool;
    let matchers: [Matcher; 2] = [same_ref, same_content];
    for same in matchers {
        let mut i = 0;
        while i < old_left.len() {
            let o = old_left[i];
            if let Some(pos) = new_left.iter().position(|&j| same(&old[o], &new[j])) {
                pairs.push((o, new_left.remove(pos)));
                old_left.remove(i);
            } else {
                i += 1;
            }
        }
    }
    if old_left.len() == new_left.len() {
        pairs.extend(old_left.drain(..).zip(new_left.drain(..)));
    }
    pairs.sort_by_key(|&(_, j)| j);
    (pairs, old_left, new_left)
}

/// `` `Org` `` for a `$ref`, `#2` for an inline alternative.
fn alternative_name(value: &Value, index: usize) -> String {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => format!("`{}`", reference.rsplit('/').next().unwrap_or(reference)),
        None => format!("#{index}"),
    }
}
