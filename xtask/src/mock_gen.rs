//! The table that drives `avara-mock`, generated from the spec into
//! `mock-server/src/generated.rs`: every operation with what the mock does
//! for it (a REST convention on a resource, an action the spec states, or
//! the documented example), its path and query parameters and body with the
//! generated types that check them, the type of its answer, and every
//! resource with the values the server sets and its documented example.
//!
//! Behaviour follows REST convention by method and path (see
//! `mock-server/src/lib.rs`); the [`extensions::RESOURCE`] extension of an
//! operation makes it explicit where convention is not enough (its fields:
//! [`extensions::ResourceExtension`]).
//!
//! What an action answers follows from the response schema: the item, the
//! item shown as the answer's schema when that schema's required properties
//! are all item properties (a summary), or else the documented example.
//!
//! Bodies are checked beyond their generated types, which read a `null`
//! optional property as an absent one: every property, array item and map
//! value whose schema is not nullable (no `nullable: true` on it or on what
//! it is made of by `$ref`, `allOf`, `oneOf`, `anyOf`; a schema that
//! constrains nothing takes any value) is listed by JSON pointer, and a
//! `null` there is a 400 naming it. In an update, a `null` the body allows
//! clears an optional item property, nulls a required nullable one and
//! leaves a required one that is not nullable as it is.
//!
//! A create, update or replace body property whose JSON type (`type`,
//! through `$ref`s and single `allOf`s) is not that of the item property of
//! the same name (a user id given for a `UserReference`) cannot be stored
//! as given: the item property takes one derived value instead, the
//! resource example's value of it, else the property's example, else one
//! made from the item property's schema. The mock does not invent the
//! reference the real service would look up; it shows the documented one.
//!
//! A query parameter's `format: date` or `date-time` is checked, and an
//! empty comma-separated list parameter is the empty list.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::example::{self, PatternPiece};
use crate::extensions::{self, Action, PAGINATION, Place, RESOURCE, RequestValue};
use crate::progenitor_output::names::{OperationNames, RustNames};
use crate::schema::{self, Nullability};
use crate::spec::{
    LoadedSpec, Location, Method, Pagination, SpecError, SpecOperation, escape_pointer_token,
    media_example, response_json_schema,
};

/// A resource found in the spec.
struct ResourceFacts {
    name: String,
    collection: String,
    /// The item path (`{collection}/{id}`), if the spec has one.
    item_path: Option<String>,
    scope_params: Vec<String>,
    id_param: String,
    id_field: String,
    parent: Option<usize>,
    /// The pointer of the item schema, for errors.
    schema_pointer: String,
    /// The generated type of an item, crate-relative (`types::Org`).
    ty: String,
}

/// What the mock does, told when the table is generated: one line that
/// counts the behaviours, and one warning per operation that answers its
/// documented example (located at the operation).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub summary: String,
    pub fallbacks: Vec<String>,
}

/// Generates the mock's table (the body of `mock-server/src/generated.rs`),
/// adding a lint warning for what the mock can only approximate, and the
/// [`Report`] that `cargo xtask codegen` prints: the summary line, then each
/// example fallback (apart from the lint warnings, which a spec without any
/// is expected to have none of).
pub fn generate_reporting(
    spec: &LoadedSpec,
    names: &RustNames,
    warnings: &mut Vec<String>,
) -> Result<(TokenStream, Report), SpecError> {
    spec.check_pagination()?;
    let ops = spec.operations();
    let resources = resources(spec, names, &ops)?;
    let mut resource_tokens = Vec::new();
    for resource in &resources {
        resource_tokens.push(resource_table(spec, &ops, &resources, resource, warnings)?);
    }
    let mut op_tokens = Vec::new();
    let mut doc_rows = Vec::new();
    let mut counts: BTreeMap<Action, usize> = BTreeMap::new();
    let mut fallbacks = Vec::new();
    for op in &ops {
        let behaviour = behaviour_of(spec, op, &resources)?;
        let (tokens, text) = operation_table(spec, names, op, &resources, &behaviour)?;
        op_tokens.push(tokens);
        *counts.entry(behaviour.action).or_default() += 1;
        if behaviour.action == Action::Example {
            fallbacks.push(format!(
                "{}: avara-mock answers `{}` with its documented example ({})",
                spec.located(&op.pointer),
                op.id,
                behaviour.why
            ));
        }
        doc_rows.push(format!(
            " | `{}` | `{} {}` | {} |",
            op.id,
            op.method,
            op.path,
            text.replace('|', "\\|")
        ));
    }
    let report = Report {
        summary: summary(&counts, ops.len(), resources.len()),
        fallbacks,
    };
    let error = error_shape(spec, names, &ops)?;
    let events = event_table(spec, names)?;
    let tokens = quote! {
        //! The operations and resources of the spec, as `avara-mock` serves them.
        //!
        //! | operation | route | behaviour |
        //! | --------- | ----- | --------- |
        #(#![doc = #doc_rows])*

        use crate::model::{
            Action, Assign, ErrorShape, Event, Field, Find, Format, IdPiece, Key, LastCursor, ListStyle,
            Members, Operation, Page, Parent, PathParam, Projection, QueryParam, Reply,
            RequestBody, Resource, Scalar, ServerValue, SetValue, Source, conforms, normalize,
        };

        /// Every resource: a collection read and written by REST convention.
        pub(crate) static RESOURCES: &[Resource] = &[#(#resource_tokens),*];

        /// Every operation of the spec.
        pub(crate) static OPERATIONS: &[Operation] = &[#(#op_tokens),*];

        /// The spec's error body.
        pub(crate) static ERROR: ErrorShape = #error;

        /// Every webhook event of the spec, by event type.
        pub(crate) static EVENTS: &[Event] = &[#(#events),*];
    };
    Ok((tokens, report))
}

/// The webhook events under the spec's [`extensions::WEBHOOKS`], by event type:
/// for each event type, its documented example (the request body's
/// `example`) and checks of its event and answer types (the schemas of the
/// request body and of the `200` response).
fn event_table(spec: &LoadedSpec, names: &RustNames) -> Result<Vec<TokenStream>, SpecError> {
    let mut events = Vec::new();
    for webhook in extensions::webhooks(spec)? {
        let event_type = webhook.event_type;
        let pointer = webhook.post_pointer();
        let Some(post) = webhook.post() else {
            return Err(spec.error_at(&pointer, "an event is sent with `post`, which is missing"));
        };
        let body = spec.deref(post.get("requestBody").unwrap_or(&Value::Null));
        let media = body.pointer("/content/application~1json");
        let Some(event_schema) = media.and_then(|m| m.get("schema")).and_then(ref_name) else {
            return Err(spec.error_at(
                &pointer,
                "the request body must be application/json with a `$ref` to the event's schema",
            ));
        };
        let Some(example) = media.and_then(|m| m.get("example")) else {
            return Err(spec.error_at(&pointer, "the request body documents no `example`"));
        };
        let answer = post
            .pointer("/responses/200")
            .map(|r| spec.deref(r))
            .and_then(|r| r.pointer("/content/application~1json/schema"))
            .and_then(ref_name);
        let Some(answer_schema) = answer else {
            return Err(spec.error_at(
                &pointer,
                "the `200` response must be application/json with a `$ref` to the answer's schema",
            ));
        };
        for schema in [event_schema, answer_schema] {
            if !names.structs.contains_key(schema) {
                return Err(spec.error_at(
                    &pointer,
                    format!("the generated client has no type `types::{schema}`"),
                ));
            }
        }
        let example = example.to_string();
        let event_check = conforms_check(&format!("types::{event_schema}"));
        let answer_check = conforms_check(&format!("types::{answer_schema}"));
        events.push(quote! {
            Event {
                event_type: #event_type,
                schema: #event_schema,
                example: #example,
                check: #event_check,
                answer_schema: #answer_schema,
                answer_check: #answer_check,
            }
        });
    }
    Ok(events)
}

/// One line saying what the mock does, by action: `avara-mock: 66
/// operations on 9 resources: 9 create, …; 10 answer their documented
/// example`.
fn summary(counts: &BTreeMap<Action, usize>, operations: usize, resources: usize) -> String {
    let stateful: Vec<String> = Action::ALL
        .iter()
        .filter(|a| **a != Action::Example)
        .filter_map(|a| counts.get(a).map(|n| format!("{n} {a}")))
        .collect();
    let examples = counts.get(&Action::Example).copied().unwrap_or(0);
    format!(
        "avara-mock: {operations} operations on {resources} resources: {}; {examples} answer their documented example",
        if stateful.is_empty() {
            "none stateful".to_string()
        } else {
            stateful.join(", ")
        }
    )
}

/// The segments of a path template.
fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// The parameter name of a `{name}` segment.
fn param_of(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

impl RequestValue {
    fn tokens(&self) -> TokenStream {
        let name = &self.name;
        match self.place {
            Place::Path => quote!(Source::Path(#name)),
            Place::Query => quote!(Source::Query(#name)),
            Place::Body => quote!(Source::Body(#name)),
        }
    }
}

/// The name of the component schema a `$ref` node points at.
fn ref_name(node: &Value) -> Option<&str> {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// The names progenitor gave operation `op`, or an error located at it.
fn operation_names<'a>(
    spec: &LoadedSpec,
    names: &'a RustNames,
    op: &SpecOperation<'_>,
) -> Result<&'a OperationNames, SpecError> {
    names
        .operation(op.id)
        .map_err(|message| spec.error_at(&op.pointer, message))
}

/// A `conforms::<avara::types::...>` check for a crate-relative type read
/// from the generated client; `None` for a type outside `types::` (`()`, a
/// standard library type).
fn conforms_check(ty: &str) -> TokenStream {
    if !ty.starts_with("types::") {
        return quote!(None);
    }
    let ty = RustNames::tokens(ty);
    quote!(Some(conforms::<avara::#ty>))
}

/// The success statuses an operation documents, lowest first (`2XX` as 200).
fn success_codes(spec: &LoadedSpec, op: &SpecOperation<'_>) -> Vec<(u16, String)> {
    let mut codes: Vec<(u16, String)> = op
        .responses(spec)
        .into_iter()
        .filter_map(|(code, _, _)| {
            let number = if code.eq_ignore_ascii_case("2XX") {
                200
            } else {
                code.parse::<u16>().ok()?
            };
            (200..300)
                .contains(&number)
                .then(|| (number, code.to_string()))
        })
        .collect();
    codes.sort();
    codes
}

/// The JSON schema of a response (following `$ref`s), if it has one.
fn response_schema<'a>(
    spec: &'a LoadedSpec,
    op: &SpecOperation<'a>,
    code: &str,
) -> Option<&'a Value> {
    op.responses(spec)
        .into_iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|(_, _, response)| response_json_schema(response))
}

/// The component schema name of an operation's success answer.
fn success_schema_name<'a>(spec: &'a LoadedSpec, op: &SpecOperation<'a>) -> Option<&'a str> {
    success_codes(spec, op)
        .iter()
        .find_map(|(_, code)| response_schema(spec, op, code).and_then(ref_name))
}

fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn is_nullable(schema: &Value) -> bool {
    schema.get("nullable").and_then(Value::as_bool) == Some(true)
}

/// The `$ref` name of a property schema, through `allOf: [one]`.
fn property_ref(schema: &Value) -> Option<&str> {
    ref_name(schema).or_else(|| schema::one_part(schema).and_then(ref_name))
}

/// Finds the resources: every collection path (ending in a literal segment)
/// that some operation creates in or reads, with an item path
/// (`{collection}/{id}`) beside it and an item schema, or without one when
/// the collection is created in and listed with the same item schema. A
/// nested collection's parent is the resource whose item path it sits under.
fn resources(
    spec: &LoadedSpec,
    names: &RustNames,
    ops: &[SpecOperation<'_>],
) -> Result<Vec<ResourceFacts>, SpecError> {
    let paths: BTreeSet<&str> = ops.iter().map(|op| op.path).collect();
    let at =
        |method: Method, path: &str| ops.iter().find(|op| op.method == method && op.path == path);
    let mut found: Vec<ResourceFacts> = Vec::new();
    for collection in &paths {
        let segs = segments(collection);
        if segs.last().is_none_or(|s| param_of(s).is_some()) {
            continue;
        }
        let (create, read) = (at(Method::Post, collection), at(Method::Get, collection));
        if create.is_none() && read.is_none() {
            // A path below an item path (`by-uid/{uid}`) is no collection.
            continue;
        }
        let item = paths.iter().find_map(|p| {
            let s = segments(p);
            if s.len() != segs.len() + 1 || s[..segs.len()] != segs[..] {
                return None;
            }
            param_of(s[segs.len()]).map(|id| (*p, id))
        });
        let (name, named_by) = match item {
            Some((item_path, _)) => {
                let item_schema = [
                    at(Method::Get, item_path),
                    create,
                    at(Method::Patch, item_path),
                ]
                .into_iter()
                .flatten()
                .find_map(|op| success_schema_name(spec, op).map(|name| (name, op)));
                match item_schema {
                    Some(found) => found,
                    None => continue,
                }
            }
            None => {
                let (Some(create), Some(read)) = (create, read) else {
                    continue;
                };
                let Some(name) = success_schema_name(spec, create) else {
                    continue;
                };
                let listed = read.pagination.is_some_and(|p| {
                    p.item_schema_ref
                        == format!("#/components/schemas/{}", escape_pointer_token(name))
                });
                if !listed {
                    continue;
                }
                (name, create)
            }
        };
        let item_path = item.map(|(p, _)| p.to_string());
        let ty = operation_names(spec, names, named_by)?.success.clone();
        let schema_pointer = format!("/components/schemas/{}", escape_pointer_token(name));
        let schema = spec
            .json
            .pointer(&schema_pointer)
            .map(|s| spec.deref(s))
            .unwrap_or(&Value::Null);
        // The id property: named by the extension, or like the path
        // parameter, or of the same schema as the path parameter (without an
        // item path: `{schema}Id` or `id`).
        let mut named = None;
        for op in ops
            .iter()
            .filter(|op| Some(op.path) == item_path.as_deref() || op.path == *collection)
        {
            if let Some(field) = extensions::resource(spec, op)?.id_field {
                named = Some(field);
            }
        }
        let props = properties(schema);
        let id_param = match item {
            Some((_, id_param)) => id_param.to_string(),
            None => {
                let mut chars = name.chars();
                let camel: String = chars
                    .next()
                    .map(|c| c.to_lowercase().chain(chars).collect())
                    .unwrap_or_default();
                let guess = [format!("{camel}Id"), "id".to_string()]
                    .into_iter()
                    .find(|g| props.iter().any(|(n, _)| *n == g));
                named.clone().or(guess).unwrap_or_default()
            }
        };
        let param_ref = ops
            .iter()
            .filter(|op| Some(op.path) == item_path.as_deref())
            .flat_map(|op| op.parameters(spec))
            .find(|p| p.name == id_param)
            .and_then(|p| p.json.get("schema"))
            .and_then(ref_name);
        let id_field = named
            .or_else(|| {
                props
                    .iter()
                    .find(|(n, _)| n.as_str() == id_param)
                    .map(|(n, _)| n.to_string())
            })
            .or_else(|| {
                props
                    .iter()
                    .find(|(_, s)| param_ref.is_some() && property_ref(s) == param_ref)
                    .map(|(n, _)| n.to_string())
            });
        let Some(id_field) = id_field else {
            let holder = match &item_path {
                Some(item_path) => format!("the `{id_param}` of `{item_path}`"),
                None => format!("the id of the items of `{collection}`"),
            };
            return Err(spec.error_at(
                &schema_pointer,
                format!(
                    "avara-mock cannot tell which property of `{name}` holds {holder}; \
                     name it with `{RESOURCE}: {{idField: ...}}` on one of its operations"
                ),
            ));
        };
        if !props.is_empty() && !props.iter().any(|(n, _)| **n == id_field) {
            return Err(spec.error_at(
                &schema_pointer,
                format!("`idField: {id_field}` names no property of `{name}`"),
            ));
        }
        found.push(ResourceFacts {
            name: name.to_string(),
            scope_params: segs
                .iter()
                .filter_map(|s| param_of(s))
                .map(str::to_string)
                .collect(),
            collection: collection.to_string(),
            item_path,
            id_param: if item.is_some() {
                id_param
            } else {
                id_field.clone()
            },
            id_field,
            parent: None,
            schema_pointer,
            ty,
        });
    }
    // Parents: a nested collection sits under the item path of another
    // resource; one that does not is left to the documented examples.
    let parent_of = |found: &[ResourceFacts], resource: &ResourceFacts| {
        let segs = segments(&resource.collection);
        let last_param = segs.iter().rposition(|s| param_of(s).is_some())?;
        let prefix = format!("/{}", segs[..=last_param].join("/"));
        found
            .iter()
            .position(|r| r.item_path.as_deref() == Some(prefix.as_str()))
    };
    let keep: Vec<bool> = found
        .iter()
        .map(|r| r.scope_params.is_empty() || parent_of(&found, r).is_some())
        .collect();
    let mut kept: Vec<ResourceFacts> = found
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    let parents: Vec<Option<usize>> = kept
        .iter()
        .map(|r| {
            if r.scope_params.is_empty() {
                None
            } else {
                parent_of(&kept, r)
            }
        })
        .collect();
    for (resource, parent) in kept.iter_mut().zip(parents) {
        resource.parent = parent;
    }
    Ok(kept)
}

/// How an action finds its item.
enum FindPlan {
    /// By the ids in the path.
    Path,
    /// By item properties matched against request values.
    Match(Vec<(String, RequestValue)>),
}

/// A value an action gives a property.
enum SetPlan {
    Now,
    Today,
    Json(String),
}

/// What the mock does for one operation.
struct Behaviour {
    action: Action,
    resource: Option<usize>,
    find: FindPlan,
    set: Vec<(String, SetPlan)>,
    member: Option<RequestValue>,
    count: Option<String>,
    /// Why it answers the documented example, for the codegen warning.
    why: String,
}

/// The item schema of a resource.
fn item_schema<'a>(spec: &'a LoadedSpec, resource: &ResourceFacts) -> &'a Value {
    spec.json
        .pointer(&resource.schema_pointer)
        .map(|s| spec.deref(s))
        .unwrap_or(&Value::Null)
}

/// The properties of a summary schema, and the JSON texts of its required
/// properties that an item may lack.
type Projected = (Vec<String>, Vec<(String, String)>);

/// An item of `resource` shown as another schema: its properties and values
/// for the required ones an item may lack, if every required property of
/// the schema is an item property (the schema is a summary of the item).
fn projection(spec: &LoadedSpec, schema: &Value, resource: &ResourceFacts) -> Option<Projected> {
    let schema = spec.deref(schema);
    let props = properties(schema);
    if props.is_empty() {
        return None;
    }
    let item = item_schema(spec, resource);
    let item_props: BTreeSet<&str> = properties(item).iter().map(|(n, _)| n.as_str()).collect();
    let item_required = required(item);
    let answer_required = required(schema);
    if !answer_required.iter().all(|n| item_props.contains(n)) {
        return None;
    }
    let fill = props
        .iter()
        .filter(|(n, _)| {
            answer_required.contains(n.as_str()) && !item_required.contains(n.as_str())
        })
        .map(|(n, s)| (n.to_string(), synthesize(spec, s).to_string()))
        .collect();
    Some((props.iter().map(|(n, _)| n.to_string()).collect(), fill))
}

/// Whether a list's items can be served from a resource's stored items: they
/// are its items, or a summary of them.
fn listable(spec: &LoadedSpec, pagination: &Pagination, resource: &ResourceFacts) -> bool {
    let own = format!(
        "#/components/schemas/{}",
        escape_pointer_token(&resource.name)
    );
    pagination.item_schema_ref == own
        || spec
            .resolve_ref(&pagination.item_schema_ref)
            .is_some_and(|schema| projection(spec, schema, resource).is_some())
}

/// Whether `value` is a value of the property schema `schema` (its type,
/// `null` when nullable, one of its `enum`).
fn fits(spec: &LoadedSpec, schema: &Value, value: &Value) -> bool {
    let resolved = spec.schema_json(schema);
    if value.is_null() {
        return is_nullable(schema) || is_nullable(resolved);
    }
    if let Some(values) = resolved.get("enum").and_then(Value::as_array) {
        return values.contains(value);
    }
    let digits = |text: &str, shape: &str| {
        text.len() >= shape.len()
            && text.chars().zip(shape.chars()).all(|(c, s)| match s {
                '9' => c.is_ascii_digit(),
                _ => c == s,
            })
    };
    match (
        resolved.get("format").and_then(Value::as_str),
        value.as_str(),
    ) {
        // The shape of an RFC 3339 time or date (`now` and `today` aside).
        (Some("date-time"), Some(text)) => return digits(text, "9999-99-99T99:99:99"),
        (Some("date"), Some(text)) => return text.len() == 10 && digits(text, "9999-99-99"),
        _ => {}
    }
    match resolved.get("type").and_then(Value::as_str) {
        Some("boolean") => value.is_boolean(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("string") => value.is_string(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    }
}

/// What the mock does for an operation: by its extension, else by REST
/// convention, else its documented example. A stated behaviour that cannot
/// apply is an error located at the extension's field.
fn behaviour_of(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    resources: &[ResourceFacts],
) -> Result<Behaviour, SpecError> {
    let stated = extensions::resource(spec, op)?;
    let on_collection = resources.iter().position(|r| r.collection == op.path);
    let on_item = resources
        .iter()
        .position(|r| r.item_path.as_deref() == Some(op.path));
    let longest_below = |path_of: &dyn Fn(&ResourceFacts) -> Option<String>| {
        resources
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                path_of(r)
                    .filter(|p| op.path.starts_with(&format!("{p}/")))
                    .map(|p| (p.len(), i))
            })
            .max()
            .map(|(_, i)| i)
    };
    let below_item = longest_below(&|r| r.item_path.clone());
    let below_collection = longest_below(&|r| Some(r.collection.clone()));
    let by_convention = match (op.method, on_collection, on_item) {
        (Method::Post, Some(_), _) => Action::Create,
        (Method::Get, Some(r), _)
            if op
                .pagination
                .is_some_and(|p| listable(spec, p, &resources[r])) =>
        {
            Action::List
        }
        (Method::Get, _, Some(_)) => Action::Retrieve,
        (Method::Patch, _, Some(_)) => Action::Update,
        (Method::Put, _, Some(_)) => Action::Replace,
        (Method::Delete, _, Some(_)) => Action::Delete,
        _ => Action::Example,
    };
    let action = stated.action.unwrap_or(by_convention);
    let resource = match &stated.resource {
        Some(name) => {
            let matching: Vec<usize> = (0..resources.len())
                .filter(|i| resources[*i].name == *name)
                .collect();
            match matching.as_slice() {
                [one] => Some(*one),
                [] => {
                    let known: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
                    return Err(spec.error_at(
                        &stated.at("resource"),
                        format!(
                            "`{name}` is the item schema of no resource; the resources are {}",
                            known.join(", ")
                        ),
                    ));
                }
                _ => {
                    return Err(spec.error_at(
                        &stated.at("resource"),
                        format!(
                            "several collections hold `{name}` items; avara-mock cannot tell which"
                        ),
                    ));
                }
            }
        }
        None => match action {
            Action::Create | Action::List => on_collection,
            Action::Example => None,
            _ => on_item.or(below_item).or(if stated.find.is_empty() {
                None
            } else {
                below_collection
            }),
        },
    };
    let example = |why: String| Behaviour {
        action: Action::Example,
        resource: None,
        find: FindPlan::Path,
        set: Vec::new(),
        member: None,
        count: None,
        why,
    };
    if action == Action::Example {
        for key in ["resource", "find", "set", "member", "count"] {
            if stated.states(key) {
                return Err(spec.error_at(
                    &stated.at(key),
                    format!("`{key}` goes with an action on a resource, not `example`"),
                ));
            }
        }
        let why = if stated.action.is_some() {
            format!("its `{RESOURCE}` says so")
        } else if op.method == Method::Get && on_collection.is_some() {
            "its list is not paginated or its items are no summary of the resource's".to_string()
        } else {
            format!("no resource has this path and no `{RESOURCE}` says what it does")
        };
        return Ok(example(why));
    }
    let Some(index) = resource else {
        let pointer = if stated.action.is_some() {
            stated.at("action")
        } else {
            stated.pointer.clone()
        };
        let (kind, hint) = if matches!(action, Action::Create | Action::List) {
            ("collection", "; name the resource with `resource`")
        } else {
            (
                "item",
                "; for an operation beside or below a collection, say how to find the item with `find`",
            )
        };
        return Err(spec.error_at(
            &pointer,
            format!(
                "`{}` cannot `{action}`: `{}` is not the {kind} path of a resource (a collection with an item path beside it){hint}",
                op.id, op.path
            ),
        ));
    };
    let r = &resources[index];
    let schema = item_schema(spec, r);
    let property = |name: &str, pointer: &str| {
        properties(schema)
            .into_iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, s)| s)
            .ok_or_else(|| {
                spec.error_at(pointer, format!("`{name}` is no property of `{}`", r.name))
            })
    };
    // The resource's scope (the ids of the items it is nested in) must be
    // in the path.
    let path_params: BTreeSet<&str> = segments(op.path).into_iter().filter_map(param_of).collect();
    if let Some(missing) = r
        .scope_params
        .iter()
        .find(|p| !path_params.contains(p.as_str()))
    {
        return Err(spec.error_at(
            &stated.pointer,
            format!(
                "`{}` cannot `{action}` a `{}`: its path has no `{{{missing}}}` naming the item the collection `{}` is nested in",
                op.id, r.name, r.collection
            ),
        ));
    }
    let on_one_item = !matches!(action, Action::Create | Action::List);
    let mut find = FindPlan::Path;
    if !stated.find.is_empty() {
        if !on_one_item {
            return Err(spec.error_at(
                &stated.at("find"),
                format!("`find` goes with an action on one item, not `{action}`"),
            ));
        }
        for (field, _) in &stated.find {
            property(
                field,
                &format!("{}/{}", stated.at("find"), escape_pointer_token(field)),
            )?;
        }
        find = FindPlan::Match(stated.find.clone());
    } else if on_one_item {
        let named = r
            .item_path
            .as_deref()
            .is_some_and(|ip| op.path == ip || op.path.starts_with(&format!("{ip}/")));
        if !named {
            return Err(spec.error_at(
                &stated.pointer,
                format!(
                    "`{}` cannot `{action}` a `{}`: its path names no item (it is not `{}` or below it); say how to find the item with `find`",
                    op.id,
                    r.name,
                    r.item_path.as_deref().unwrap_or("an item path")
                ),
            ));
        }
    }
    let mut set = Vec::new();
    if !stated.set.is_empty() && !matches!(action, Action::Create | Action::Set) {
        return Err(spec.error_at(
            &stated.at("set"),
            format!("`set` goes with `action: create` or `action: set`, not `{action}`"),
        ));
    }
    for (field, value) in &stated.set {
        let pointer = format!("{}/{}", stated.at("set"), escape_pointer_token(field));
        let prop = property(field, &pointer)?;
        let format = spec.schema_json(prop).get("format").and_then(Value::as_str);
        let plan = match (value.as_str(), format) {
            (Some("now"), Some("date-time")) => SetPlan::Now,
            (Some("today"), Some("date")) => SetPlan::Today,
            _ if fits(spec, prop, value) => SetPlan::Json(value.to_string()),
            _ => {
                return Err(spec.error_at(
                    &pointer,
                    format!(
                        "`{value}` is no value of `{}.{field}`{}",
                        r.name,
                        match format {
                            Some("date-time") => " (write `now` for the current time)",
                            Some("date") => " (write `today` for the current date)",
                            _ => "",
                        }
                    ),
                ));
            }
        };
        set.push((field.clone(), plan));
    }
    let members = matches!(action, Action::Add | Action::Remove);
    for (key, given) in [
        ("member", stated.member.is_some()),
        ("count", stated.count.is_some()),
    ] {
        if given && !members {
            return Err(spec.error_at(
                &stated.at(key),
                format!("`{key}` goes with `action: add` or `action: remove`, not `{action}`"),
            ));
        }
    }
    if members && stated.member.is_none() {
        return Err(spec.error_at(
            &stated.pointer,
            format!(
                "`action: {action}` needs `member`: the request value that joins or leaves the set"
            ),
        ));
    }
    if let Some(count) = &stated.count {
        let prop = property(count, &stated.at("count"))?;
        if spec.schema_json(prop).get("type").and_then(Value::as_str) != Some("integer") {
            return Err(spec.error_at(
                &stated.at("count"),
                format!(
                    "`count: {count}` must name an integer property of `{}`",
                    r.name
                ),
            ));
        }
    }
    Ok(Behaviour {
        action,
        resource: Some(index),
        find,
        set,
        member: stated.member,
        count: stated.count,
        why: String::new(),
    })
}

/// The status of an operation's successful answer: the conventional one
/// when documented, else the lowest documented.
fn success_status(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    action: Action,
) -> Option<(u16, String)> {
    let codes = success_codes(spec, op);
    let preferred = match action {
        Action::Create => 201,
        Action::Delete => 204,
        _ => 200,
    };
    codes
        .iter()
        .find(|(n, _)| *n == preferred)
        .or_else(|| codes.first())
        .cloned()
}

/// What an action answers: the item, the item as the answer's schema, or
/// the documented example (or no body).
enum ReplyPlan {
    Item,
    Projection {
        schema: String,
        properties: Vec<String>,
        fill: Vec<(String, String)>,
    },
    Example(Option<String>),
}

impl ReplyPlan {
    fn tokens(&self) -> TokenStream {
        match self {
            ReplyPlan::Item => quote!(Reply::Item(None)),
            ReplyPlan::Projection {
                properties, fill, ..
            } => {
                let projection = projection_tokens(properties, fill);
                quote!(Reply::Item(Some(#projection)))
            }
            ReplyPlan::Example(Some(text)) => quote!(Reply::Example(Some(#text))),
            ReplyPlan::Example(None) => quote!(Reply::Example(None)),
        }
    }

    fn describe(&self) -> String {
        match self {
            ReplyPlan::Item => "answers the item".to_string(),
            ReplyPlan::Projection { schema, .. } => format!("answers the item as `{schema}`"),
            ReplyPlan::Example(Some(_)) => "answers the documented example".to_string(),
            ReplyPlan::Example(None) => "answers no body".to_string(),
        }
    }
}

fn projection_tokens(properties: &[String], fill: &[(String, String)]) -> TokenStream {
    let fill = fill.iter().map(|(n, v)| quote!((#n, #v)));
    quote!(Projection { properties: &[#(#properties),*], fill: &[#(#fill),*] })
}

/// What an action on `resource` answers, from the response schema.
fn reply_of(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    code: &str,
    resource: &ResourceFacts,
) -> ReplyPlan {
    let Some(schema) = response_schema(spec, op, code) else {
        return ReplyPlan::Example(None);
    };
    let name = ref_name(schema).unwrap_or("(inline)");
    if name == resource.name {
        return ReplyPlan::Item;
    }
    match projection(spec, schema, resource) {
        Some((properties, fill)) => ReplyPlan::Projection {
            schema: name.to_string(),
            properties,
            fill,
        },
        None => ReplyPlan::Example(Some(example_body(spec, op, code, schema).to_string())),
    }
}

/// The row of an operation in the table, and what the mock does for it in
/// words.
fn operation_table(
    spec: &LoadedSpec,
    names: &RustNames,
    op: &SpecOperation<'_>,
    resources: &[ResourceFacts],
    behaviour: &Behaviour,
) -> Result<(TokenStream, String), SpecError> {
    let action = behaviour.action;
    let Some((status, code)) = success_status(spec, op, action) else {
        return Err(spec.error_at(
            &format!("{}/responses", op.pointer),
            format!("operation `{}` declares no 2XX response", op.id),
        ));
    };
    let response_schema = response_schema(spec, op, &code);
    let op_names = operation_names(spec, names, op)?;
    let response = match response_schema.and_then(ref_name) {
        Some(_) => conforms_check(&op_names.success),
        None => quote!(None),
    };
    let resource_index = behaviour.resource.unwrap_or_default();
    let find = match &behaviour.find {
        FindPlan::Path => quote!(Find::Path),
        FindPlan::Match(keys) => {
            let keys = keys.iter().map(|(field, from)| {
                let from = from.tokens();
                quote!(Key { field: #field, from: #from })
            });
            quote!(Find::Match(&[#(#keys),*]))
        }
    };
    let set = behaviour.set.iter().map(|(field, value)| {
        let value = match value {
            SetPlan::Now => quote!(SetValue::Now),
            SetPlan::Today => quote!(SetValue::Today),
            SetPlan::Json(text) => quote!(SetValue::Json(#text)),
        };
        quote!(Assign { field: #field, value: #value })
    });
    let set = quote!(&[#(#set),*]);
    let mut text = String::new();
    let action_tokens = match behaviour.resource.map(|r| &resources[r]) {
        None => {
            let body = match response_schema {
                Some(schema) => {
                    let example = example_body(spec, op, &code, schema).to_string();
                    quote!(Some(#example))
                }
                None => quote!(None),
            };
            text.push_str(if response_schema.is_some() {
                "answers the documented example"
            } else {
                "answers no body"
            });
            quote!(Action::Example { body: #body })
        }
        Some(r) if action == Action::List => {
            let pagination = op.pagination;
            let own = format!("#/components/schemas/{}", escape_pointer_token(&r.name));
            let item = match pagination.filter(|p| p.item_schema_ref != own) {
                Some(p) => {
                    let schema = spec.resolve_ref(&p.item_schema_ref).unwrap_or(&Value::Null);
                    let Some((properties, fill)) = projection(spec, schema, r) else {
                        return Err(spec.error_at(
                            &format!("{}/itemsField", p.pointer),
                            format!(
                                "the items of `{}` must be `$ref`s to `{}` or to a summary of it (whose required properties are all `{}` properties)",
                                op.id, r.name, r.name
                            ),
                        ));
                    };
                    let projection = projection_tokens(&properties, &fill);
                    text = format!(
                        "list `{}` of `{}` as `{}`",
                        r.name,
                        r.collection,
                        p.item_schema_ref.rsplit('/').next().unwrap_or_default()
                    );
                    quote!(Some(#projection))
                }
                None => {
                    text = format!("list `{}` of `{}`", r.name, r.collection);
                    quote!(None)
                }
            };
            let page = page(spec, op, response_schema)?;
            quote!(Action::List { resource: #resource_index, page: #page, item: #item })
        }
        Some(r) => {
            let reply = reply_of(spec, op, &code, r);
            let reply_tokens = reply.tokens();
            let found = match &behaviour.find {
                FindPlan::Path => String::new(),
                FindPlan::Match(keys) => {
                    let keys: Vec<String> = keys
                        .iter()
                        .map(|(f, from)| format!("{f} = {from}"))
                        .collect();
                    format!(" where {} (the first given)", keys.join(" or "))
                }
            };
            let assigned: Vec<String> = behaviour
                .set
                .iter()
                .map(|(f, v)| {
                    let v = match v {
                        SetPlan::Now => "now",
                        SetPlan::Today => "today",
                        SetPlan::Json(text) => text,
                    };
                    format!("{f} = {v}")
                })
                .collect();
            let what = match action {
                Action::Create if assigned.is_empty() => {
                    format!("create `{}` in `{}`", r.name, r.collection)
                }
                Action::Create => format!(
                    "create `{}` in `{}` with {}",
                    r.name,
                    r.collection,
                    assigned.join(", ")
                ),
                Action::Set if assigned.is_empty() => format!("find `{}`{found}", r.name),
                Action::Set => format!("set {} on `{}`{found}", assigned.join(", "), r.name),
                Action::Add | Action::Remove => {
                    let member = behaviour
                        .member
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_default();
                    let count = behaviour
                        .count
                        .as_ref()
                        .map(|c| format!(", counted in `{c}`"))
                        .unwrap_or_default();
                    format!(
                        "{action} {member} {} the `{}` set of `{}`{found}{count}",
                        if action == Action::Add { "to" } else { "from" },
                        op.path,
                        r.name
                    )
                }
                _ => format!("{action} `{}`{found}", r.name),
            };
            text = format!("{what}, {}", reply.describe());
            match action {
                Action::Create => {
                    quote!(Action::Create { resource: #resource_index, set: #set, reply: #reply_tokens })
                }
                Action::Retrieve => {
                    quote!(Action::Retrieve { resource: #resource_index, find: #find, reply: #reply_tokens })
                }
                Action::Update => {
                    quote!(Action::Update { resource: #resource_index, find: #find, reply: #reply_tokens })
                }
                Action::Replace => {
                    quote!(Action::Replace { resource: #resource_index, find: #find, reply: #reply_tokens })
                }
                Action::Delete => {
                    quote!(Action::Delete { resource: #resource_index, find: #find, reply: #reply_tokens })
                }
                Action::Set => {
                    quote!(Action::Set { resource: #resource_index, find: #find, set: #set, reply: #reply_tokens })
                }
                _ => {
                    let path = op.path;
                    let member = behaviour
                        .member
                        .as_ref()
                        .map(RequestValue::tokens)
                        .unwrap_or_default();
                    let count = match &behaviour.count {
                        Some(c) => quote!(Some(#c)),
                        None => quote!(None),
                    };
                    let members = quote!(Members { set: #path, member: #member, count: #count });
                    if action == Action::Add {
                        quote!(Action::Add { resource: #resource_index, find: #find, members: #members, reply: #reply_tokens })
                    } else {
                        quote!(Action::Remove { resource: #resource_index, find: #find, members: #members, reply: #reply_tokens })
                    }
                }
            }
        }
    };
    let mut path_params = Vec::new();
    let mut query = Vec::new();
    for param in op.parameters(spec) {
        let name = param.name;
        let schema = param.json.get("schema").unwrap_or(&Value::Null);
        let resolved = spec.schema_json(schema);
        if param.location == Some(Location::Path) {
            let schema_name = ref_name(schema).unwrap_or_default();
            let check = match (ref_name(schema), op_names.parameter_types.get(name)) {
                (Some(_), Some(ty)) => conforms_check(ty),
                _ => quote!(None),
            };
            path_params.push(quote! {
                PathParam { name: #name, schema: #schema_name, check: #check }
            });
            continue;
        }
        if param.location != Some(Location::Query) {
            continue;
        }
        let required = param.required;
        let is_array = resolved.get("type").and_then(Value::as_str) == Some("array");
        let item_schema = if is_array {
            resolved.get("items").unwrap_or(&Value::Null)
        } else {
            schema
        };
        let kind = match spec
            .schema_json(item_schema)
            .get("type")
            .and_then(Value::as_str)
        {
            Some("integer") => quote!(Scalar::Integer),
            Some("number") => quote!(Scalar::Number),
            Some("boolean") => quote!(Scalar::Boolean),
            _ => quote!(Scalar::String),
        };
        let list = if !is_array {
            quote!(None)
        } else if param.is_comma_separated_array(spec) {
            quote!(Some(ListStyle::CommaSeparated))
        } else {
            quote!(Some(ListStyle::Repeated))
        };
        let nullable = is_nullable(schema) || is_nullable(resolved);
        let ty = op_names.parameter_types.get(name).map(|ty| {
            if is_array {
                crate::progenitor_output::vec_element(ty).unwrap_or(ty)
            } else {
                ty.as_str()
            }
        });
        let check = match (ref_name(item_schema), ty) {
            (Some(_), Some(ty)) => conforms_check(ty),
            _ => quote!(None),
        };
        let format = match spec
            .schema_json(item_schema)
            .get("format")
            .and_then(Value::as_str)
        {
            Some("date") => quote!(Some(Format::Date)),
            Some("date-time") => quote!(Some(Format::DateTime)),
            Some("email") => quote!(Some(Format::Email)),
            _ => quote!(None),
        };
        query.push(quote! {
            QueryParam { name: #name, required: #required, kind: #kind, list: #list, nullable: #nullable, format: #format, check: #check }
        });
    }
    let body = match op.json.get("requestBody").map(|b| spec.deref(b)) {
        None => quote!(None),
        Some(body) => {
            let Some(schema) = body.pointer("/content/application~1json/schema") else {
                return Err(spec.error_at(
                    &format!("{}/requestBody", op.pointer),
                    format!(
                        "avara-mock serves JSON request bodies only; `{}` has no `application/json` schema",
                        op.id
                    ),
                ));
            };
            let resolved = spec.deref(schema);
            let required = body.get("required").and_then(Value::as_bool) == Some(true);
            let object = resolved.get("type").and_then(Value::as_str) == Some("object");
            let props: Vec<&str> = properties(resolved)
                .iter()
                .map(|(n, _)| n.as_str())
                .collect();
            let Some(ty) = &op_names.body else {
                return Err(spec.error_at(
                    &format!("{}/requestBody", op.pointer),
                    format!("the generated client has no body type for `{}`", op.id),
                ));
            };
            // A body written inline has no schema name: the type progenitor
            // named for it stands in (`ExpressUsersAddBody`).
            let name =
                ref_name(schema).unwrap_or_else(|| ty.rsplit("::").next().unwrap_or(ty.as_str()));
            let ty = RustNames::tokens(ty);
            let formats = string_formats(spec, resolved);
            let formats = formats.iter().map(|(pointer, format)| match format {
                StringFormat::Email => quote!((#pointer, Format::Email)),
            });
            let not_null = not_null_pointers(spec, resolved);
            let derived: Vec<TokenStream> = match behaviour.resource.map(|r| &resources[r]) {
                Some(r) if matches!(action, Action::Create | Action::Update | Action::Replace) => {
                    derived_properties(spec, resolved, r)
                        .iter()
                        .map(|(name, json)| quote!((#name, #json)))
                        .collect()
                }
                _ => Vec::new(),
            };
            quote! {
                Some(RequestBody {
                    required: #required,
                    object: #object,
                    schema: #name,
                    properties: &[#(#props),*],
                    formats: &[#(#formats),*],
                    not_null: &[#(#not_null),*],
                    derived: &[#(#derived),*],
                    decode: normalize::<avara::types::#ty>,
                })
            }
        }
    };
    let id = &op.id;
    let method = op.method.as_http();
    let path = op.path;
    let behaviour_text = &text;
    Ok((
        quote! {
            Operation {
                id: #id,
                method: #method,
                path: #path,
                action: #action_tokens,
                behaviour: #behaviour_text,
                status: #status,
                path_params: &[#(#path_params),*],
                query: &[#(#query),*],
                body: #body,
                response: #response,
            }
        },
        text,
    ))
}

/// A string format the generated types leave unchecked.
enum StringFormat {
    Email,
}

/// Walks a body schema and calls `visit(pointer, schema, reached)` for each
/// schema in it (resolved), with `*` in the pointer for every array item or
/// map value. `reached` is the schema as written where the value is reached
/// (a property, an item, a map value); it is `None` for the body itself and
/// for the parts of an `allOf`, which describe the same value.
fn walk_body<'a>(
    spec: &'a LoadedSpec,
    schema: &'a Value,
    pointer: &str,
    reached: Option<&'a Value>,
    depth: usize,
    visit: &mut impl FnMut(&str, &'a Value, Option<&'a Value>),
) {
    if depth > 32 {
        return;
    }
    let schema = spec.deref(schema);
    visit(pointer, schema, reached);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk_body(spec, part, pointer, None, depth + 1, visit);
    }
    let mut children: Vec<(String, &Value)> = properties(schema)
        .into_iter()
        .map(|(name, prop)| (format!("{pointer}/{}", escape_pointer_token(name)), prop))
        .collect();
    if let Some(items) = schema.get("items") {
        children.push((format!("{pointer}/*"), items));
    }
    if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        children.push((format!("{pointer}/*"), values));
    }
    for (child, sub) in children {
        walk_body(spec, sub, &child, Some(sub), depth + 1, visit);
    }
}

/// The pointers of strings in a body whose `format` the generated types do
/// not check (`*` for every array item or map value).
fn string_formats(spec: &LoadedSpec, schema: &Value) -> Vec<(String, StringFormat)> {
    let mut out = Vec::new();
    walk_body(spec, schema, "", None, 0, &mut |pointer, schema, _| {
        if schema.get("format").and_then(Value::as_str) == Some("email") {
            out.push((pointer.to_string(), StringFormat::Email));
        }
    });
    out
}

/// The pointers of the values of a body that may not be `null` (`*` for
/// every array item or map value): every property, item and map value whose
/// schema is not nullable. The generated types read a `null` optional
/// property as an absent one, so the mock refuses these itself.
fn not_null_pointers(spec: &LoadedSpec, schema: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    walk_body(spec, schema, "", None, 0, &mut |pointer, _, reached| {
        if let Some(reached) = reached
            && !accepts_null(spec, reached)
            && !out.iter().any(|p| p == pointer)
        {
            out.push(pointer.to_string());
        }
    });
    out
}

/// Whether `schema` lets a value be `null`, as avara-mock reads it
/// ([`Nullability::Accepted`]: `nullable: true` on it or on a schema it is
/// made of, or a schema that constrains nothing).
fn accepts_null(spec: &LoadedSpec, schema: &Value) -> bool {
    schema::nullable(spec, schema, Nullability::Accepted) == Some(true)
}

/// The body properties of a create, update or replace whose JSON type is not
/// that of the item property of the same name (a user id given for a user
/// reference), with the value the item property takes when the body gives
/// one: the resource example's value of it, else the property's example,
/// else one made from the item property's schema.
fn derived_properties(
    spec: &LoadedSpec,
    body: &Value,
    resource: &ResourceFacts,
) -> Vec<(String, String)> {
    let item = item_schema(spec, resource);
    let item_props = properties(item);
    let mut out = Vec::new();
    for (name, prop) in properties(body) {
        let Some((_, item_prop)) = item_props.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        match (
            schema::json_type(spec, prop),
            schema::json_type(spec, item_prop),
        ) {
            (Some(given), Some(held)) if given != held => {}
            _ => continue,
        }
        let value = item
            .get("example")
            .and_then(|e| e.get(name.as_str()))
            .filter(|v| !v.is_null())
            .or_else(|| item_prop.get("example"))
            .or_else(|| spec.schema_json(item_prop).get("example"))
            .cloned()
            .unwrap_or_else(|| synthesize(spec, item_prop));
        out.push((name.clone(), value.to_string()));
    }
    out
}

/// The page shape of a list operation, from its checked pagination.
fn page(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    page_schema: Option<&Value>,
) -> Result<TokenStream, SpecError> {
    let pagination: &Pagination = op.pagination.ok_or_else(|| {
        spec.error_at(
            &op.pointer,
            format!("`{}` lists, so it needs `{PAGINATION}`", op.id),
        )
    })?;
    let ext_pointer = &pagination.pointer;
    let cursor_param = &pagination.request_cursor_param;
    let items_field = &pagination.items.name;
    let next_cursor_field = &pagination.next_cursor.name;
    let has_more_field = &pagination.has_more.name;
    let schema = page_schema.map(|s| spec.deref(s)).ok_or_else(|| {
        spec.error_at(
            ext_pointer,
            format!("`{}` needs a JSON success response to list into", op.id),
        )
    })?;
    let required = required(schema);
    let last_cursor = if !pagination.next_cursor.required {
        quote!(LastCursor::Omit)
    } else if pagination.next_cursor.nullable {
        quote!(LastCursor::Null)
    } else {
        return Err(spec.error_at(
            &format!("{ext_pointer}/nextCursorField"),
            format!(
                "avara-mock cannot end `{}`: `{next_cursor_field}` is required and not nullable, so the last page has no way to carry no cursor",
                op.id
            ),
        ));
    };
    let mut extra = Vec::new();
    for (name, prop) in properties(schema) {
        if required.contains(name.as_str())
            && ![items_field, next_cursor_field, has_more_field].contains(&name)
        {
            let text = synthesize(spec, prop).to_string();
            extra.push(quote!((#name, #text)));
        }
    }
    let stated_limit = extensions::resource(spec, op)?.limit_param;
    let stated_limit = stated_limit.as_deref();
    let integer_params: Vec<&Value> = op
        .parameters(spec)
        .into_iter()
        .filter(|p| p.location == Some(Location::Query) && p.name != cursor_param)
        .filter(|p| match stated_limit {
            Some(name) => p.name == name,
            None => {
                let schema = spec.schema_json(p.json.get("schema").unwrap_or(&Value::Null));
                schema.get("type").and_then(Value::as_str) == Some("integer")
            }
        })
        .map(|p| p.json)
        .collect();
    let (limit_param, max_limit) = match integer_params.as_slice() {
        [] if stated_limit.is_some() => {
            return Err(spec.error_at(
                &format!("{}/limitParam", extensions::resource_pointer(&op.pointer)),
                format!("`limitParam` names no query parameter of `{}`", op.id),
            ));
        }
        [] => (quote!(None), quote!(None)),
        [param] => {
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let max = spec
                .schema_json(param.get("schema").unwrap_or(&Value::Null))
                .get("maximum")
                .and_then(Value::as_u64)
                .map(|m| m as usize);
            let max = match max {
                Some(m) => quote!(Some(#m)),
                None => quote!(None),
            };
            (quote!(Some(#name)), max)
        }
        _ => {
            return Err(spec.error_at(
                &op.pointer,
                format!(
                    "`{}` has several integer query parameters; name the page size with `{RESOURCE}: {{limitParam: ...}}`",
                    op.id
                ),
            ));
        }
    };
    Ok(quote! {
        Page {
            cursor_param: #cursor_param,
            limit_param: #limit_param,
            max_limit: #max_limit,
            items_field: #items_field,
            next_cursor_field: #next_cursor_field,
            has_more_field: #has_more_field,
            last_cursor: #last_cursor,
            extra: &[#(#extra),*],
        }
    })
}

fn resource_table(
    spec: &LoadedSpec,
    ops: &[SpecOperation<'_>],
    resources: &[ResourceFacts],
    resource: &ResourceFacts,
    warnings: &mut Vec<String>,
) -> Result<TokenStream, SpecError> {
    let schema = spec
        .json
        .pointer(&resource.schema_pointer)
        .map(|s| spec.deref(s))
        .unwrap_or(&Value::Null);
    let required_props = required(schema);
    // Server fields the extension states, on any operation of the resource.
    let mut stated: BTreeMap<String, (String, String)> = BTreeMap::new();
    for op in ops.iter().filter(|op| {
        op.path == resource.collection || Some(op.path) == resource.item_path.as_deref()
    }) {
        let ext = extensions::resource(spec, op)?;
        for (name, how) in &ext.server_fields {
            let pointer = format!("{}/{}", ext.at("serverFields"), escape_pointer_token(name));
            stated.insert(name.clone(), (how.clone(), pointer));
        }
    }
    let props = properties(schema);
    for (name, (_, pointer)) in &stated {
        if !props.iter().any(|(n, _)| *n == name) {
            return Err(spec.error_at(
                pointer,
                format!("`{name}` is no property of `{}`", resource.name),
            ));
        }
    }
    let parent_id_param = resource.parent.map(|p| resources[p].id_param.as_str());
    let mut fields = Vec::new();
    let mut clearable = Vec::new();
    let mut nullable_required = Vec::new();
    for (name, prop) in &props {
        let is_required = required_props.contains(name.as_str());
        let resolved = spec.schema_json(prop);
        let nullable = is_nullable(spec.deref(prop)) || is_nullable(resolved);
        if !is_required {
            clearable.push(name.as_str());
        } else if nullable {
            nullable_required.push(name.as_str());
        }
        let value = if **name == resource.id_field {
            let pointer = format!(
                "{}/properties/{}",
                resource.schema_pointer,
                escape_pointer_token(name)
            );
            Some(id_value(spec, resolved, &pointer, warnings))
        } else if Some(name.as_str()) == parent_id_param {
            Some(quote!(ServerValue::ParentId))
        } else if let Some((how, _)) = stated.get(name.as_str()) {
            Some(match how.as_str() {
                "api-key-id" => quote!(ServerValue::ApiKeyId),
                "now" => quote!(ServerValue::Now),
                "today" => quote!(ServerValue::Today),
                _ => quote!(ServerValue::RandomUuid),
            })
        } else if let Some(default) = prop.get("default").or_else(|| resolved.get("default")) {
            let text = default.to_string();
            Some(quote!(ServerValue::Json(#text)))
        } else if is_required {
            Some(match resolved.get("format").and_then(Value::as_str) {
                Some("date-time") => quote!(ServerValue::Now),
                Some("date") => quote!(ServerValue::Today),
                Some("uuid") => quote!(ServerValue::RandomUuid),
                _ => {
                    // A required nullable property the client cannot set
                    // starts out `null`, unless it has its own example; a
                    // required array with no lower bound starts out empty.
                    let empty_array = resolved.get("type").and_then(Value::as_str) == Some("array")
                        && resolved
                            .get("minItems")
                            .and_then(Value::as_u64)
                            .unwrap_or(0)
                            == 0;
                    let value = if let Some(example) = prop.get("example") {
                        example.clone()
                    } else if nullable {
                        Value::Null
                    } else if let Some(example) = resolved.get("example") {
                        example.clone()
                    } else if empty_array {
                        Value::Array(Vec::new())
                    } else {
                        synthesize(spec, prop)
                    };
                    let text = value.to_string();
                    quote!(ServerValue::Json(#text))
                }
            })
        } else {
            None
        };
        if let Some(value) = value {
            fields.push(quote!(Field { name: #name, value: #value }));
        }
    }
    let name = &resource.name;
    let collection = &resource.collection;
    let scope_params = &resource.scope_params;
    let id_param = &resource.id_param;
    let id_field = &resource.id_field;
    let parent = match resource.parent {
        Some(index) => quote!(Some(Parent { resource: #index })),
        None => quote!(None),
    };
    let prop_names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
    let ty = RustNames::tokens(&resource.ty);
    let example = match schema.get("example") {
        Some(example) => {
            let text = example.to_string();
            quote!(Some(#text))
        }
        None => quote!(None),
    };
    Ok(quote! {
        Resource {
            name: #name,
            collection: #collection,
            scope_params: &[#(#scope_params),*],
            id_param: #id_param,
            id_field: #id_field,
            parent: #parent,
            fields: &[#(#fields),*],
            clearable: &[#(#clearable),*],
            nullable_required: &[#(#nullable_required),*],
            properties: &[#(#prop_names),*],
            check: conforms::<avara::#ty>,
            example: #example,
        }
    })
}

/// How the server makes ids: from the id schema's pattern, or a UUID, or
/// 32 hex digits (with a warning when a pattern is beyond the subset that
/// [`example::pattern_pieces`] reads).
fn id_value(
    spec: &LoadedSpec,
    schema: &Value,
    pointer: &str,
    warnings: &mut Vec<String>,
) -> TokenStream {
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        match example::pattern_pieces(pattern) {
            Ok(pieces) => {
                let pieces = pieces.iter().map(|piece| match piece {
                    PatternPiece::Literal(text) => quote!(IdPiece::Literal(#text)),
                    PatternPiece::Class { alphabet, min, max } => {
                        let count = random_id_length(*min, *max);
                        quote!(IdPiece::Random { alphabet: #alphabet, count: #count })
                    }
                });
                return quote!(ServerValue::Id(&[#(#pieces),*]));
            }
            Err(why) => warnings.push(format!(
                "{}: avara-mock cannot make ids matching `{pattern}` ({why}); it makes 32 hex \
                 digits instead, which the pattern may refuse",
                spec.located(pointer)
            )),
        }
    } else if schema.get("format").and_then(Value::as_str) == Some("uuid") {
        return quote!(ServerValue::RandomUuid);
    }
    let alphabet = "0123456789abcdef";
    let count = 32usize;
    quote!(ServerValue::Id(&[IdPiece::Random { alphabet: #alphabet, count: #count }]))
}

/// How many random characters a fresh id draws for a class repeated `min`
/// to `max` times: the exact count when fixed, else at least one, and 16
/// for an open repeat (`+`, `*`), so that ids rarely collide.
fn random_id_length(min: u32, max: Option<u32>) -> usize {
    let count = match max {
        Some(max) if max == min => min,
        Some(max) => min.max(1).min(max),
        None => min.max(16),
    };
    count as usize
}

/// A value valid against `schema`, for examples and server-set properties
/// the spec gives no value for (see [`example::synthesize`]).
fn synthesize(spec: &LoadedSpec, schema: &Value) -> Value {
    example::synthesize(spec, schema).value
}

/// The documented example of an operation's answer: on the response's media
/// type, or its schema, or made from the schema.
fn example_body(spec: &LoadedSpec, op: &SpecOperation<'_>, code: &str, schema: &Value) -> Value {
    op.responses(spec)
        .into_iter()
        .find(|(c, _, _)| *c == code)
        .and_then(|(_, _, response)| response.pointer("/content/application~1json"))
        .and_then(|media| media_example(spec, media))
        .cloned()
        .unwrap_or_else(|| synthesize(spec, schema))
}

/// The spec's error body: the shared schema of the 4XX/5XX answers, and
/// which of its string properties carry the message and the code.
fn error_shape(
    spec: &LoadedSpec,
    names: &RustNames,
    ops: &[SpecOperation<'_>],
) -> Result<TokenStream, SpecError> {
    let found = ops.iter().find_map(|op| {
        let responses = op.json.get("responses")?.as_object()?;
        responses.iter().find_map(|(code, response)| {
            if code.starts_with('2') || code == "default" {
                return None;
            }
            let schema = spec
                .deref(response)
                .pointer("/content/application~1json/schema")?;
            Some((op, code.clone(), schema))
        })
    });
    let Some((op, code, schema)) = found else {
        return Err(spec.error_at(
            "/paths",
            "avara-mock needs an error response (4XX or 5XX) with a JSON schema to answer errors with",
        ));
    };
    let resolved = spec.deref(schema);
    let strings: Vec<&str> = properties(resolved)
        .into_iter()
        .filter(|(_, s)| spec.schema_json(s).get("type").and_then(Value::as_str) == Some("string"))
        .map(|(n, _)| n.as_str())
        .collect();
    let message_field = ["message", "detail", "error_description", "description"]
        .into_iter()
        .find(|n| strings.contains(n))
        .or_else(|| strings.first().copied())
        .ok_or_else(|| {
            spec.error_at(
                &format!("{}/responses/{}", op.pointer, escape_pointer_token(&code)),
                "avara-mock needs a string property in the error schema to put the message in",
            )
        })?;
    let code_field = ["error", "code", "type"]
        .into_iter()
        .find(|n| strings.contains(n) && *n != message_field);
    let code_field = match code_field {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    let required = required(resolved);
    let extra: Vec<TokenStream> = properties(resolved)
        .into_iter()
        .filter(|(n, _)| required.contains(n.as_str()) && n.as_str() != message_field)
        .map(|(n, s)| {
            let text = synthesize(spec, s).to_string();
            quote!((#n, #text))
        })
        .collect();
    let check = match ref_name(schema) {
        Some(_) => conforms_check(&operation_names(spec, names, op)?.error),
        None => quote!(None),
    };
    Ok(quote! {
        ErrorShape {
            message_field: #message_field,
            code_field: #code_field,
            extra: &[#(#extra),*],
            check: #check,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn root() -> std::path::PathBuf {
        crate::workspace_root()
    }

    fn real_text() -> String {
        std::fs::read_to_string(root().join(crate::codegen::SPEC)).unwrap()
    }

    /// The real spec with the next-pages fixture merged in.
    fn merged_text() -> String {
        let overlay =
            std::fs::read_to_string(root().join("spec/fixtures/next-pages.overlay.yaml")).unwrap();
        crate::overlay::apply(&real_text(), &overlay).unwrap_or_else(|e| panic!("{e}"))
    }

    fn load(text: String) -> LoadedSpec {
        crate::spec::parse(Path::new("spec.yaml"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The Rust names of the client progenitor generates for `spec`.
    fn client_names(spec: &LoadedSpec) -> RustNames {
        let (client, _) = crate::progenitor_output::client::generate(spec).unwrap();
        RustNames::read(&client)
    }

    fn table(spec: &LoadedSpec) -> Result<String, SpecError> {
        generate_reporting(spec, &client_names(spec), &mut Vec::new())
            .map(|(tokens, _)| tokens.to_string())
    }

    fn actions(spec: &LoadedSpec) -> BTreeMap<String, (&'static str, Option<String>)> {
        let ops = spec.operations();
        let found = resources(spec, &client_names(spec), &ops).unwrap();
        ops.iter()
            .map(|op| {
                let behaviour = behaviour_of(spec, op, &found).unwrap();
                (
                    op.id.to_string(),
                    (
                        behaviour.action.as_str(),
                        behaviour.resource.map(|r| found[r].name.clone()),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn every_operation_gets_an_action_and_a_row_in_the_table() {
        for text in [real_text(), merged_text()] {
            let spec = load(text);
            let table = table(&spec).unwrap();
            let ops = spec.operations();
            assert!(!ops.is_empty());
            for op in &ops {
                assert!(
                    table.contains(&format!("id : \"{}\"", op.id)),
                    "{} is missing from the mock table",
                    op.id
                );
            }
            assert_eq!(actions(&spec).len(), ops.len());
        }
    }

    #[test]
    fn the_fixture_follows_rest_conventions() {
        let spec = load(merged_text());
        let found = actions(&spec);
        let expect = |id: &str, action: &str, resource: Option<&str>| {
            assert_eq!(
                found[id],
                (
                    Action::parse(action).unwrap().as_str(),
                    resource.map(str::to_string)
                ),
                "{id}"
            );
        };
        expect("orgs_create", "create", Some("Org"));
        expect("orgs_list", "list", Some("Org"));
        expect("orgs_retrieve", "retrieve", Some("Org"));
        expect("orgs_update", "update", Some("Org"));
        expect("orgs_delete", "delete", Some("Org"));
        expect("users_create", "create", Some("User"));
        expect("users_list", "list", Some("User"));
        expect("users_retrieve", "retrieve", Some("User"));
        expect("studies_list", "list", Some("Study"));
        expect("studies_retrieve", "retrieve", Some("Study"));

        let ops = spec.operations();
        let found = resources(&spec, &client_names(&spec), &ops).unwrap();
        let users = found.iter().find(|r| r.name == "User").unwrap();
        assert_eq!(users.collection, "/v1/orgs/{orgId}/users");
        assert_eq!(users.scope_params, ["orgId"]);
        assert_eq!(
            (users.id_param.as_str(), users.id_field.as_str()),
            ("userId", "userId")
        );
        assert_eq!(found[users.parent.unwrap()].name, "Org");

        // The users list pages with its own field names, bounded by its own maximum.
        let table = table(&spec).unwrap();
        for piece in [
            "cursor_param : \"after\"",
            "limit_param : Some (\"pageSize\")",
            "max_limit : Some (50usize)",
            "items_field : \"data\"",
            "next_cursor_field : \"nextAfter\"",
            "has_more_field : \"moreAvailable\"",
        ] {
            assert!(table.contains(piece), "{piece}");
        }
        // Server-set values: the parent's id, a `date-time` now, a required
        // nullable `null`, a `date` today, a required array made from its schema.
        for piece in [
            "name : \"orgId\" , value : ServerValue :: ParentId",
            "name : \"createdAt\" , value : ServerValue :: Now",
            "name : \"invitedBy\" , value : ServerValue :: Json (\"null\")",
            "name : \"studyDate\" , value : ServerValue :: Today",
            "name : \"series\" , value : ServerValue :: Json (\"[]\")",
            "name : \"createdByApiKeyId\" , value : ServerValue :: ApiKeyId",
            "(\"/email\" , Format :: Email)",
            // Types named as progenitor named them in the client.
            "check : conforms :: < avara :: types :: User >",
            "decode : normalize :: < avara :: types :: UserCreateParams >",
            "response : Some (conforms :: < avara :: types :: UserPage >)",
        ] {
            assert!(table.contains(piece), "{piece}");
        }
    }

    #[test]
    fn an_operation_that_fits_no_convention_answers_an_example_of_its_schema() {
        let text = merged_text().replace(
            "paths:\n",
            "paths:\n  /v1/orgs/{orgId}/archive:\n    post:\n      tags: [orgs]\n      operationId: orgs_archive\n      parameters:\n        - name: orgId\n          in: path\n          required: true\n          schema:\n            $ref: \"#/components/schemas/OrgId\"\n      responses:\n        \"200\":\n          description: x\n          content:\n            application/json:\n              schema:\n                $ref: \"#/components/schemas/User\"\n",
        );
        let spec = load(text);
        assert_eq!(actions(&spec)["orgs_archive"].0, "example");
        let user = spec.json.pointer("/components/schemas/User").unwrap();
        let example = synthesize(&spec, user);
        assert!(
            example["userId"]
                .as_str()
                .is_some_and(|id| id.len() == 36 && id.starts_with("usr_")),
            "{example}"
        );
        assert_eq!(example["role"], "admin");
        assert!(example["email"].as_str().unwrap().contains('@'));
        assert!(
            example["createdAt"]
                .as_str()
                .is_some_and(|at| at.len() == 20 && at.contains('T') && at.ends_with('Z')),
            "{example}"
        );
        // The documented example the mock answers is that synthesized value.
        let table = table(&spec).unwrap();
        let text = example.to_string();
        assert!(
            table.contains(&format!("Action :: Example {{ body : Some ({text:?}) }}")),
            "{text}"
        );
    }

    #[test]
    fn a_query_parameter_of_a_named_schema_is_checked_with_the_client_type() {
        let anchor = "          description: \"Unique organization identifier. Format: org_{32-hex-chars}\"\n          schema:\n            $ref: \"#/components/schemas/OrgId\"\n";
        let text = real_text().replacen(
            anchor,
            &format!("{anchor}        - name: sibling\n          in: query\n          schema:\n            $ref: \"#/components/schemas/OrgId\"\n"),
            1,
        );
        assert_ne!(text, real_text());
        let table = table(&load(text)).unwrap();
        assert!(
            table.contains("QueryParam { name : \"sibling\" , required : false , kind : Scalar :: String , list : None , nullable : false , format : None , check : Some (conforms :: < avara :: types :: OrgId >) }"),
            "{table}"
        );
    }

    /// The row of operation `id` in `table` (up to the next operation).
    fn row<'a>(table: &'a str, id: &str) -> &'a str {
        let start = table
            .find(&format!("id : \"{id}\""))
            .unwrap_or_else(|| panic!("{id}"));
        let rest = &table[start..];
        &rest[..rest[1..]
            .find("Operation {")
            .map_or(rest.len(), |end| end + 1)]
    }

    #[test]
    fn a_body_refuses_null_wherever_its_schema_is_not_nullable() {
        let spec = load(real_text());
        let table = table(&spec).unwrap();
        // Top level, map values, array items and their properties.
        assert!(
            row(&table, "express_create").contains(
                "not_null : & [\"/expressCustomerName\" , \"/metadata\" , \"/metadata/*\"]"
            ),
            "{}",
            row(&table, "express_create")
        );
        let create = row(&table, "auto_scribe_studies_create");
        for pointer in [
            "\"/technologistNotes/*\"",
            "\"/priorReports/*/reportText\"",
            "\"/assignedTo\"",
        ] {
            assert!(create.contains(pointer), "{pointer}: {create}");
        }
        // What the schema lets be null is not listed.
        assert!(!create.contains("\"/clinicalHistory\""), "{create}");
        let update = row(&table, "viewer_studies_update");
        assert!(!update.contains("\"/metadata\" ,"), "{update}");
        assert!(!update.contains("\"/assignedTo\""), "{update}");

        let schema = |yaml: &str| -> Value { serde_yaml::from_str(yaml).unwrap() };
        for (yaml, nullable) in [
            ("{type: string}", false),
            ("{type: string, nullable: true}", true),
            ("{}", true),
            ("{description: anything}", true),
            ("{$ref: '#/components/schemas/OrgId'}", false),
            (
                "{nullable: true, allOf: [{$ref: '#/components/schemas/Metadata'}]}",
                true,
            ),
            ("{allOf: [{$ref: '#/components/schemas/Metadata'}]}", false),
            (
                "{oneOf: [{type: string}, {type: integer, nullable: true}]}",
                true,
            ),
            ("{anyOf: [{type: string}, {type: integer}]}", false),
        ] {
            assert_eq!(accepts_null(&spec, &schema(yaml)), nullable, "{yaml}");
        }
    }

    #[test]
    fn a_body_property_of_another_type_than_the_items_is_derived_from_its_example() {
        let spec = load(real_text());
        let table = table(&spec).unwrap();
        // A user id in the bodies, a `UserReference` in the item: the item
        // takes the documented study's reference.
        let example =
            spec.json["components"]["schemas"]["ViewerStudy"]["example"]["assignedTo"].to_string();
        let derived = format!(
            "derived : & [(\"assignedTo\" , {})]",
            proc_macro2::Literal::string(&example)
        );
        for id in [
            "viewer_studies_create",
            "viewer_studies_update",
            "auto_scribe_studies_create",
            "auto_scribe_studies_update",
        ] {
            assert!(
                row(&table, id).contains(&derived),
                "{id}: {}",
                row(&table, id)
            );
        }
        // Same types (a metadata object in both), or no resource: none.
        for id in [
            "express_create",
            "orgs_create",
            "viewer_ephemeral_sessions_create",
        ] {
            assert!(row(&table, id).contains("derived : & []"), "{id}");
        }
    }

    #[test]
    fn every_optional_item_property_is_clearable_and_date_queries_are_checked() {
        let spec = load(real_text());
        let table = table(&spec).unwrap();
        // `metadata` is optional and not nullable in the customer: an update
        // `null` (which its body allows) clears it.
        assert!(
            table.contains("name : \"ExpressCustomer\"")
                && table.contains(
                    "clearable : & [\"createdByApiKeyId\" , \"createdByUserId\" , \"metadata\"]"
                ),
            "{table}"
        );
        let list = row(&table, "auto_scribe_users_invitations_list");
        assert!(
            list.contains("QueryParam { name : \"startDate\" , required : false , kind : Scalar :: String , list : None , nullable : false , format : Some (Format :: Date)"),
            "{list}"
        );
    }

    #[test]
    fn an_id_pattern_beyond_the_reader_is_a_located_warning() {
        let text = real_text().replacen("^org_[0-9a-f]{32}$", "^org_\\\\b[0-9a-f]{32}$", 1);
        assert_ne!(text, real_text());
        let spec = load(text);
        let mut warnings = Vec::new();
        let table = generate_reporting(&spec, &client_names(&spec), &mut warnings)
            .unwrap()
            .0
            .to_string();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("avara-mock cannot make ids matching")
                    && w.contains("(at /components/schemas/Org/properties/orgId)")),
            "{warnings:?}"
        );
        assert!(
            table.contains(
                "IdPiece :: Random { alphabet : \"0123456789abcdef\" , count : 32usize }"
            )
        );
    }

    #[test]
    fn the_resource_extension_is_checked_with_located_errors() {
        let anchor = "      tags: [orgs]\n      operationId: orgs_retrieve\n";
        let with = |ext: &str| {
            let text = real_text().replace(anchor, &format!("{anchor}      {RESOURCE}: {ext}\n"));
            assert_ne!(text, real_text());
            let spec = load(text);
            table(&spec).map(|_| ()).unwrap_err()
        };
        let error = with("{action: bogus}");
        assert_eq!(
            error.pointer.as_deref(),
            Some(format!("/paths/~1v1~1orgs~1{{orgId}}/get/{RESOURCE}/action").as_str())
        );
        assert!(error.message.contains("create, list"), "{}", error.message);
        let error = with("{colour: red}");
        assert!(
            error
                .message
                .contains(&format!("unknown `{RESOURCE}` field `colour`")),
            "{}",
            error.message
        );
        let error = with("{action: create}");
        assert!(
            error.message.contains("not the collection path"),
            "{}",
            error.message
        );
        let error = with("{idField: nope}");
        assert!(
            error
                .message
                .contains("`idField: nope` names no property of `Org`"),
            "{}",
            error.message
        );
        assert!(error.line_col.is_some());
        let error = with("{serverFields: {nope: api-key-id}}");
        assert!(
            error.message.contains("`nope` is no property of `Org`"),
            "{}",
            error.message
        );
    }

    /// The real spec with [`RESOURCE`]`: {ext}` on operation `id`, in
    /// place of the one it has, if any.
    fn annotated(id: &str, ext: &str) -> String {
        let text = real_text();
        let anchor = format!("      operationId: {id}\n");
        let at = text.find(&anchor).unwrap_or_else(|| panic!("{id}")) + anchor.len();
        let rest = &text[at..];
        let old = if rest.starts_with(&format!("      {RESOURCE}:")) {
            rest.find('\n').unwrap() + 1
        } else {
            0
        };
        format!("{}      {RESOURCE}: {ext}\n{}", &text[..at], &rest[old..])
    }

    fn behaviours(spec: &LoadedSpec) -> BTreeMap<String, Behaviour> {
        let ops = spec.operations();
        let found = resources(spec, &client_names(spec), &ops).unwrap();
        ops.iter()
            .map(|op| (op.id.to_string(), behaviour_of(spec, op, &found).unwrap()))
            .collect()
    }

    #[test]
    fn stated_actions_find_set_and_count_as_the_extension_says() {
        let spec = load(real_text());
        let ops = spec.operations();
        let found = resources(&spec, &client_names(&spec), &ops).unwrap();
        let all = behaviours(&spec);
        let name = |b: &Behaviour| b.resource.map(|r| found[r].name.as_str());

        // A POST below an item path sets fixed values on the item it names.
        let deactivate = &all["express_deactivate"];
        assert_eq!(
            (deactivate.action.as_str(), name(deactivate)),
            ("set", Some("ExpressCustomer"))
        );
        assert!(matches!(deactivate.find, FindPlan::Path));
        assert!(matches!(
            deactivate.set.as_slice(),
            [(field, SetPlan::Json(value))] if field == "isActive" && value == "false"
        ));
        // A POST beside the collection finds its item by body properties,
        // and `now` of a date-time is the current time.
        let cancel = &all["auto_scribe_studies_cancel"];
        assert_eq!(
            (cancel.action.as_str(), name(cancel)),
            ("set", Some("AutoScribeStudy"))
        );
        let FindPlan::Match(keys) = &cancel.find else {
            panic!("cancel finds by the body");
        };
        assert!(keys.contains(&(
            "studyId".to_string(),
            RequestValue {
                place: Place::Body,
                name: "studyId".to_string()
            }
        )));
        assert!(
            cancel
                .set
                .iter()
                .any(|(f, v)| f == "cancelledAt" && matches!(v, SetPlan::Now))
        );
        // A member joins a set, counted; a DELETE with a body takes it out.
        for (id, action) in [
            ("express_users_add", "add"),
            ("express_users_remove", "remove"),
        ] {
            let b = &all[id];
            assert_eq!(
                (b.action.as_str(), name(b)),
                (action, Some("ExpressCustomer")),
                "{id}"
            );
            assert_eq!(b.member.as_ref().unwrap().to_string(), "body.userId");
            assert_eq!(b.count.as_deref(), Some("userCount"));
        }
        // A create into another path's collection, named by its item schema.
        let external = &all["auto_scribe_studies_external_create"];
        assert_eq!(
            (external.action.as_str(), name(external)),
            ("create", Some("AutoScribeStudy"))
        );
        // A path below the collection with no item path of its own is no
        // resource; its GET retrieves by the path parameter.
        assert!(!found.iter().any(|r| r.collection.contains("by-uid")));
        let by_uid = &all["auto_scribe_studies_retrieve_by_uid"];
        assert_eq!(by_uid.action.as_str(), "retrieve");
        assert!(matches!(&by_uid.find, FindPlan::Match(k) if k[0].1.place == Place::Path));

        // The table and the behaviour texts say the same.
        let table = table(&spec).unwrap();
        for piece in [
            "Action :: Set { resource : ",
            "find : Find :: Match (& [Key { field : \"studyId\" , from : Source :: Body (\"studyId\") }",
            "Assign { field : \"cancelledAt\" , value : SetValue :: Now }",
            "members : Members { set : \"/v1/express/{expressCustomerId}/users\" , member : Source :: Body (\"userId\") , count : Some (\"userCount\") }",
            "PathParam { name : \"expressCustomerId\" , schema : \"ExpressCustomerId\" , check : Some (conforms :: < avara :: types :: ExpressCustomerId >) }",
            "set isActive = false on `ExpressCustomer`, answers the item",
        ] {
            assert!(table.contains(piece), "{piece}");
        }
    }

    #[test]
    fn a_collection_with_create_and_list_but_no_item_path_is_a_resource() {
        let text = real_text();
        let start = text.find("\n  /v1/express:\n").unwrap() + 1;
        let end = text.find("\n  /v1/express/{expressCustomerId}:\n").unwrap() + 1;
        let copy = text[start..end]
            .replacen("  /v1/express:\n", "  /v1/express-copies:\n", 1)
            .replace(
                "operationId: express_create\n",
                "operationId: copies_create\n",
            )
            .replace("operationId: express_list\n", "operationId: copies_list\n")
            .replace("tags: [express]\n", "tags: [copies]\n");
        let text = text.replacen("paths:\n", &format!("paths:\n{copy}"), 1);
        let spec = load(text);
        let ops = spec.operations();
        let found = resources(&spec, &client_names(&spec), &ops).unwrap();
        let copies = found
            .iter()
            .find(|r| r.collection == "/v1/express-copies")
            .expect("a resource");
        assert_eq!(copies.item_path, None);
        assert_eq!(copies.name, "ExpressCustomer");
        assert_eq!(
            (copies.id_param.as_str(), copies.id_field.as_str()),
            ("expressCustomerId", "expressCustomerId")
        );
        let all = actions(&spec);
        for (id, action) in [("copies_create", "create"), ("copies_list", "list")] {
            assert_eq!(
                all[id],
                (
                    Action::parse(action).unwrap().as_str(),
                    Some("ExpressCustomer".to_string())
                ),
                "{id}"
            );
        }
        assert!(
            table(&spec)
                .unwrap()
                .contains("collection : \"/v1/express-copies\"")
        );
    }

    #[test]
    fn bad_annotations_are_located_errors() {
        let error = |id: &str, ext: &str| {
            let spec = load(annotated(id, ext));
            let error = table(&spec).map(|_| ()).unwrap_err();
            assert!(error.line_col.is_some(), "{ext}: {error}");
            (
                error.pointer.clone().unwrap_or_default(),
                error.message.clone(),
            )
        };
        let at = |path: &str| {
            format!(
                "{}/{RESOURCE}",
                crate::spec::operation_pointer(path, "post")
            )
        };
        let deactivate = &at("/v1/express/{expressCustomerId}/deactivate");
        let users = &at("/v1/express/{expressCustomerId}/users");
        let cancel = &at("/v1/autoScribe/studies/cancel");
        let cases: &[(&str, &str, String, &str)] = &[
            (
                "express_deactivate",
                "{action: set, set: {isActive: maybe}}",
                format!("{deactivate}/set/isActive"),
                "`\"maybe\"` is no value of `ExpressCustomer.isActive`",
            ),
            (
                "express_deactivate",
                "{action: set, set: {updatedAt: yesterday}}",
                format!("{deactivate}/set/updatedAt"),
                "write `now` for the current time",
            ),
            (
                "express_deactivate",
                "{action: set, set: {colour: red}}",
                format!("{deactivate}/set/colour"),
                "`colour` is no property of `ExpressCustomer`",
            ),
            (
                "express_deactivate",
                "{action: retrieve, set: {isActive: false}}",
                format!("{deactivate}/set"),
                "`set` goes with `action: create` or `action: set`",
            ),
            (
                "express_users_add",
                "{action: add}",
                users.to_string(),
                "`action: add` needs `member`",
            ),
            (
                "express_users_add",
                "{action: add, member: body.nope}",
                format!("{users}/member"),
                "`express_users_add` takes no `body.nope`",
            ),
            (
                "express_users_add",
                "{action: add, member: userId}",
                format!("{users}/member"),
                "is no request value: write body.<property>",
            ),
            (
                "express_users_add",
                "{action: add, member: body.userId, count: expressCustomerName}",
                format!("{users}/count"),
                "must name an integer property of `ExpressCustomer`",
            ),
            (
                "express_users_add",
                "{action: set, member: body.userId}",
                format!("{users}/member"),
                "`member` goes with `action: add` or `action: remove`",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, set: {isCancelled: true}}",
                format!("{cancel}/action"),
                "is not the item path of a resource (a collection with an item path beside it); for an operation beside or below a collection, say how to find the item with `find`",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, resource: AutoScribeStudy, set: {isCancelled: true}}",
                cancel.to_string(),
                "its path names no item (it is not `/v1/autoScribe/studies/{studyId}` or below it); say how to find the item with `find`",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, find: {nope: body.studyId}}",
                format!("{cancel}/find/nope"),
                "`nope` is no property of `AutoScribeStudy`",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, resource: Nope, find: {studyId: body.studyId}}",
                format!("{cancel}/resource"),
                "`Nope` is the item schema of no resource",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: example, find: {studyId: body.studyId}}",
                format!("{cancel}/find"),
                "goes with an action on a resource, not `example`",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, find: studyId}",
                format!("{cancel}/find"),
                "it maps item properties to request values",
            ),
            (
                "auto_scribe_studies_cancel",
                "{action: set, find: {studyId: body.studyId}, when: later}",
                format!("{cancel}/when"),
                "field `when`; expected one of action, resource, find",
            ),
        ];
        for (id, ext, pointer, message) in cases {
            let (at, said) = std::panic::catch_unwind(|| error(id, ext))
                .unwrap_or_else(|_| panic!("{id}: {ext} must be refused"));
            assert_eq!(&at, pointer, "{ext}: {said}");
            assert!(said.contains(message), "{ext}: {said}");
        }
    }

    #[test]
    fn every_example_fallback_is_one_located_warning() {
        let spec = load(real_text());
        let (_, report) = generate_reporting(&spec, &client_names(&spec), &mut Vec::new()).unwrap();
        let warnings = report.fallbacks;
        let fallbacks: Vec<&String> = behaviours(&spec)
            .into_iter()
            .filter(|(_, b)| b.action == Action::Example)
            .map(|(id, _)| id)
            .collect::<Vec<_>>()
            .iter()
            .map(|id| {
                warnings
                    .iter()
                    .find(|w| w.contains(&format!("`{id}` with its documented example")))
                    .unwrap_or_else(|| panic!("{id}: {warnings:?}"))
            })
            .collect();
        let examples = warnings
            .iter()
            .filter(|w| w.contains("with its documented example"))
            .count();
        assert_eq!(fallbacks.len(), examples);
        assert!(fallbacks.iter().all(|w| w.contains("(at /paths/")));
        let mut counts = BTreeMap::new();
        for b in behaviours(&spec).values() {
            *counts.entry(b.action).or_insert(0) += 1;
        }
        let line = summary(&counts, spec.operations().len(), 3);
        assert!(
            line.starts_with(&format!(
                "avara-mock: {} operations on 3 resources: ",
                spec.operations().len()
            )),
            "{line}"
        );
        assert!(
            line.ends_with(&format!("; {examples} answer their documented example")),
            "{line}"
        );
        let counted = line.split_once("resources: ").unwrap().1;
        assert!(report.summary.ends_with(counted), "{}", report.summary);
    }

    #[test]
    fn the_event_table_follows_the_spec() {
        let real = load(real_text());
        let generated = table(&real).unwrap();
        let hooks = real.json[extensions::WEBHOOKS].as_object().unwrap();
        assert!(!hooks.is_empty());
        for event_type in hooks.keys() {
            assert!(
                generated.contains(&format!("event_type : {event_type:?}")),
                "{event_type}"
            );
        }
        // An event added to a copy of the spec appears, with its example and
        // the checks of its types.
        let added = format!(
            "{}:
  test.added_event:
    post:
      requestBody:
        content:
          application/json:
            schema:
              $ref: \"#/components/schemas/ReportDeliveredEvent\"
            example:
              type: test.added_event
              marker: added-example
      responses:
        \"200\":
          description: the answer
          content:
            application/json:
              schema:
                $ref: \"#/components/schemas/ReportDeliveredResponse\"
",
            extensions::WEBHOOKS
        );
        let hooks_key = format!("{}:\n", extensions::WEBHOOKS);
        let copy = load(real_text().replacen(&hooks_key, &added, 1));
        let generated = table(&copy).unwrap();
        let row = generated
            .split("Event {")
            .find(|row| row.contains("event_type : \"test.added_event\""))
            .unwrap_or_else(|| panic!("no row for the added event in {generated}"));
        assert!(row.contains("added-example"), "{row}");
        assert!(
            row.contains("conforms :: < avara :: types :: ReportDeliveredEvent >"),
            "{row}"
        );
        assert!(
            row.contains("conforms :: < avara :: types :: ReportDeliveredResponse >"),
            "{row}"
        );
        // An event whose answer is no schema of the spec is a located error.
        let broken = real_text().replacen(
            &hooks_key,
            &added.replace(
                "$ref: \"#/components/schemas/ReportDeliveredResponse\"",
                "type: object",
            ),
            1,
        );
        let error = table_error(load(broken));
        assert!(error.contains("test.added_event"), "{error}");
    }

    fn table_error(spec: LoadedSpec) -> String {
        match table(&spec) {
            Ok(_) => panic!("the table must be refused"),
            Err(e) => e.to_string(),
        }
    }
}
