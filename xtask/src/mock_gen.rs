//! The table that drives `avara-mock`, generated from the spec into
//! `mock-server/src/generated.rs`: every operation with what the mock does
//! for it (a REST convention on a resource, or the documented example), its
//! query parameters and body with the generated types that check them, the
//! type of its answer, and every resource with the values the server sets.
//!
//! Behaviour follows REST convention by method and path (see
//! `mock-server/src/lib.rs`); the `x-avara-resource` extension of an
//! operation makes it explicit where convention is not enough:
//!
//! ```yaml
//! x-avara-resource:
//!   action: create          # create | list | retrieve | update | replace | delete | example
//!   idField: orgId          # the item property that holds the id in the path
//!   limitParam: limit       # the query parameter that bounds a page
//!   serverFields:           # properties the server sets, and how
//!     createdByApiKeyId: api-key-id   # api-key-id | now | today | uuid
//! ```

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::example::{self, PatternPiece};
use crate::rust_names::{OperationNames, RustNames};
use crate::spec::{
    LoadedSpec, PAGINATION_EXTENSION, Pagination, SpecError, SpecOperation, escape_pointer_token,
    media_example, response_json_schema,
};

/// The vendor extension that states an operation's resource behaviour.
pub const RESOURCE_EXTENSION: &str = "x-avara-resource";

const ACTIONS: [&str; 7] = [
    "create", "list", "retrieve", "update", "replace", "delete", "example",
];
const SERVER_VALUES: [&str; 4] = ["api-key-id", "now", "today", "uuid"];

/// A resource found in the spec.
struct ResourceFacts {
    name: String,
    collection: String,
    scope_params: Vec<String>,
    id_param: String,
    id_field: String,
    parent: Option<usize>,
    /// The pointer of the item schema, for errors.
    schema_pointer: String,
    /// The generated type of an item, crate-relative (`types::Org`).
    ty: String,
}

/// Generates the mock's table (the body of `mock-server/src/generated.rs`),
/// adding a lint warning for what the mock can only approximate.
pub fn generate(
    spec: &LoadedSpec,
    names: &RustNames,
    warnings: &mut Vec<String>,
) -> Result<TokenStream, SpecError> {
    spec.check_pagination()?;
    let ops = spec.operations();
    let resources = resources(spec, names, &ops)?;
    let mut resource_tokens = Vec::new();
    for resource in &resources {
        resource_tokens.push(resource_table(spec, &ops, &resources, resource, warnings)?);
    }
    let mut op_tokens = Vec::new();
    for op in &ops {
        op_tokens.push(operation_table(spec, names, op, &resources)?);
    }
    let error = error_shape(spec, names, &ops)?;
    let doc_rows: Vec<String> = ops
        .iter()
        .map(|op| {
            let action = action_of(spec, op, &resources)
                .map(|(a, _)| a)
                .unwrap_or("example");
            format!(
                " | `{}` | `{} {}` | {action} |",
                op.id,
                op.method.to_uppercase(),
                op.path
            )
        })
        .collect();
    Ok(quote! {
        //! The operations and resources of the spec, as `avara-mock` serves them.
        //!
        //! | operation | route | behaviour |
        //! | --------- | ----- | --------- |
        #(#![doc = #doc_rows])*

        use crate::model::{
            Action, ErrorShape, Field, Format, IdPiece, LastCursor, Operation, Page, Parent, QueryParam,
            RequestBody, Resource, Scalar, ServerValue, conforms, normalize,
        };

        /// Every resource: a collection read and written by REST convention.
        pub(crate) static RESOURCES: &[Resource] = &[#(#resource_tokens),*];

        /// Every operation of the spec.
        pub(crate) static OPERATIONS: &[Operation] = &[#(#op_tokens),*];

        /// The spec's error body.
        pub(crate) static ERROR: ErrorShape = #error;
    })
}

/// The segments of a path template.
fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// The parameter name of a `{name}` segment.
fn param_of(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// The `x-avara-resource` extension of an operation, checked.
fn extension<'a>(
    spec: &LoadedSpec,
    op: &SpecOperation<'a>,
) -> Result<Option<&'a Value>, SpecError> {
    let Some(ext) = op.json.get(RESOURCE_EXTENSION) else {
        return Ok(None);
    };
    let at = format!("{}/{RESOURCE_EXTENSION}", op.pointer);
    let Some(map) = ext.as_object() else {
        return Err(spec.error_at(&at, format!("`{RESOURCE_EXTENSION}` must be a mapping")));
    };
    for (key, value) in map {
        let ok = match key.as_str() {
            "action" => value.as_str().is_some_and(|a| ACTIONS.contains(&a)),
            "idField" | "limitParam" => value.is_string(),
            "serverFields" => value.as_object().is_some_and(|fields| {
                fields
                    .values()
                    .all(|v| v.as_str().is_some_and(|v| SERVER_VALUES.contains(&v)))
            }),
            _ => {
                return Err(spec.error_at(
                    &format!("{at}/{}", escape_pointer_token(key)),
                    format!(
                        "unknown `{RESOURCE_EXTENSION}` field `{key}`; expected action, idField, limitParam or serverFields"
                    ),
                ));
            }
        };
        if !ok {
            return Err(spec.error_at(
                &format!("{at}/{}", escape_pointer_token(key)),
                format!(
                    "`{RESOURCE_EXTENSION}.{key}` is invalid: action is one of {}, idField and limitParam are strings, serverFields maps property names to one of {}",
                    ACTIONS.join(", "),
                    SERVER_VALUES.join(", ")
                ),
            ));
        }
    }
    Ok(Some(ext))
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
    ref_name(schema).or_else(|| {
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .filter(|l| l.len() == 1)
            .and_then(|l| ref_name(&l[0]))
    })
}

/// Finds the resources: every collection path (ending in a literal segment)
/// with an item path (`{collection}/{id}`) beside it and an item schema, its
/// parent being the resource whose item path it sits under.
fn resources(
    spec: &LoadedSpec,
    names: &RustNames,
    ops: &[SpecOperation<'_>],
) -> Result<Vec<ResourceFacts>, SpecError> {
    let paths: BTreeSet<&str> = ops.iter().map(|op| op.path).collect();
    let mut found: Vec<ResourceFacts> = Vec::new();
    for item_path in &paths {
        let segs = segments(item_path);
        let Some((last, rest)) = segs.split_last() else {
            continue;
        };
        let Some(id_param) = param_of(last) else {
            continue;
        };
        if rest.last().is_none_or(|s| param_of(s).is_some()) {
            continue;
        }
        let collection = format!("/{}", rest.join("/"));
        let at =
            |method: &str, path: &str| ops.iter().find(|op| op.method == method && op.path == path);
        let item_schema = [
            at("get", item_path),
            at("post", &collection),
            at("patch", item_path),
        ]
        .into_iter()
        .flatten()
        .find_map(|op| success_schema_name(spec, op).map(|name| (name, op)));
        let Some((name, named_by)) = item_schema else {
            continue;
        };
        let ty = operation_names(spec, names, named_by)?.success.clone();
        let schema_pointer = format!("/components/schemas/{}", escape_pointer_token(name));
        let schema = spec
            .json
            .pointer(&schema_pointer)
            .map(|s| spec.deref(s))
            .unwrap_or(&Value::Null);
        // The id property: named by the extension, or like the path
        // parameter, or of the same schema as the path parameter.
        let mut named = None;
        for op in ops
            .iter()
            .filter(|op| op.path == *item_path || op.path == collection)
        {
            if let Some(field) = extension(spec, op)?
                .and_then(|e| e.get("idField"))
                .and_then(Value::as_str)
            {
                named = Some(field.to_string());
            }
        }
        let param_ref = ops
            .iter()
            .filter(|op| op.path == *item_path)
            .flat_map(|op| op.parameters(spec))
            .find(|p| p.name == id_param)
            .and_then(|p| p.json.get("schema"))
            .and_then(ref_name);
        let props = properties(schema);
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
            return Err(spec.error_at(
                &schema_pointer,
                format!(
                    "avara-mock cannot tell which property of `{name}` holds the `{id_param}` of `{item_path}`; \
                     name it with `{RESOURCE_EXTENSION}: {{idField: ...}}` on one of its operations"
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
            scope_params: rest
                .iter()
                .filter_map(|s| param_of(s))
                .map(str::to_string)
                .collect(),
            collection,
            id_param: id_param.to_string(),
            id_field,
            parent: None,
            schema_pointer,
            ty,
        });
    }
    // Parents: a nested collection sits under the item path of another
    // resource; one that does not is left to the documented examples.
    let item_paths: Vec<String> = found
        .iter()
        .map(|r| format!("{}/{{{}}}", r.collection, r.id_param))
        .collect();
    let mut keep = vec![true; found.len()];
    for (i, resource) in found.iter_mut().enumerate() {
        if resource.scope_params.is_empty() {
            continue;
        }
        let segs = segments(&resource.collection);
        let last_param = segs.iter().rposition(|s| param_of(s).is_some());
        let prefix = last_param.map(|p| format!("/{}", segs[..=p].join("/")));
        match prefix.and_then(|p| item_paths.iter().position(|ip| *ip == p)) {
            Some(parent) => resource.parent = Some(parent),
            None => keep[i] = false,
        }
    }
    if keep.iter().all(|k| *k) {
        return Ok(found);
    }
    // Dropping resources shifts indices: find the parents again.
    let kept: Vec<ResourceFacts> = found
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect();
    let names: Vec<String> = kept
        .iter()
        .map(|r| format!("{}/{{{}}}", r.collection, r.id_param))
        .collect();
    Ok(kept
        .into_iter()
        .map(|mut r| {
            if let Some(old) = r.parent {
                r.parent = names.iter().position(|n| *n == item_paths[old]);
            }
            r
        })
        .collect())
}

/// The resource and action of an operation, by its extension or by REST
/// convention; `None` for the documented example.
fn action_of(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    resources: &[ResourceFacts],
) -> Result<(&'static str, Option<usize>), SpecError> {
    let on_collection = resources.iter().position(|r| r.collection == op.path);
    let on_item = resources
        .iter()
        .position(|r| format!("{}/{{{}}}", r.collection, r.id_param) == op.path);
    let stated = extension(spec, op)?
        .and_then(|e| e.get("action"))
        .and_then(Value::as_str);
    let by_convention = match (op.method, on_collection, on_item) {
        ("post", Some(_), _) => "create",
        // A list whose items are not the resource's item schema (a summary
        // of it) cannot be served from the stored items.
        ("get", Some(r), _)
            if op.pagination.is_some_and(|p| {
                p.item_schema_ref
                    == format!(
                        "#/components/schemas/{}",
                        escape_pointer_token(&resources[r].name)
                    )
            }) =>
        {
            "list"
        }
        ("get", _, Some(_)) => "retrieve",
        ("patch", _, Some(_)) => "update",
        ("put", _, Some(_)) => "replace",
        ("delete", _, Some(_)) => "delete",
        _ => "example",
    };
    let action = ACTIONS
        .into_iter()
        .find(|a| Some(*a) == stated)
        .unwrap_or(by_convention);
    let resource = match action {
        "create" | "list" => on_collection,
        "example" => None,
        _ => on_item,
    };
    if action != "example" && resource.is_none() {
        return Err(spec.error_at(
            &format!("{}/{RESOURCE_EXTENSION}/action", op.pointer),
            format!(
                "`{}` cannot `{action}`: `{}` is not the {} path of a resource (a collection with an item path beside it)",
                op.id,
                op.path,
                if matches!(action, "create" | "list") { "collection" } else { "item" }
            ),
        ));
    }
    Ok((action, resource))
}

/// The status of an operation's successful answer: the conventional one
/// when documented, else the lowest documented.
fn success_status(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    action: &str,
) -> Option<(u16, String)> {
    let codes = success_codes(spec, op);
    let preferred = match action {
        "create" => 201,
        "delete" => 204,
        _ => 200,
    };
    codes
        .iter()
        .find(|(n, _)| *n == preferred)
        .or_else(|| codes.first())
        .cloned()
}

fn operation_table(
    spec: &LoadedSpec,
    names: &RustNames,
    op: &SpecOperation<'_>,
    resources: &[ResourceFacts],
) -> Result<TokenStream, SpecError> {
    let (action, resource) = action_of(spec, op, resources)?;
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
    let resource_index = resource.unwrap_or_default();
    let action_tokens = match action {
        "create" => quote!(Action::Create { resource: #resource_index }),
        "list" => {
            let page = page(spec, op, &resources[resource_index], response_schema)?;
            quote!(Action::List { resource: #resource_index, page: #page })
        }
        "retrieve" => quote!(Action::Retrieve { resource: #resource_index }),
        "update" => quote!(Action::Update { resource: #resource_index }),
        "replace" => quote!(Action::Replace { resource: #resource_index }),
        "delete" => quote!(Action::Delete { resource: #resource_index }),
        _ => match response_schema {
            Some(schema) => {
                let example = example_body(spec, op, &code, schema);
                let text = example.to_string();
                quote!(Action::Example { body: Some(#text) })
            }
            None => quote!(Action::Example { body: None }),
        },
    };
    let mut query = Vec::new();
    for param in op.parameters(spec) {
        if param.location != "query" {
            continue;
        }
        let name = param.name;
        let required = param.required;
        let schema = param.json.get("schema").unwrap_or(&Value::Null);
        let kind = match spec.schema_json(schema).get("type").and_then(Value::as_str) {
            Some("integer") => quote!(Scalar::Integer),
            Some("number") => quote!(Scalar::Number),
            Some("boolean") => quote!(Scalar::Boolean),
            _ => quote!(Scalar::String),
        };
        let check = match (ref_name(schema), op_names.parameter_types.get(name)) {
            (Some(_), Some(ty)) => conforms_check(ty),
            _ => quote!(None),
        };
        query.push(quote! {
            QueryParam { name: #name, required: #required, kind: #kind, check: #check }
        });
    }
    let body = match op.json.get("requestBody").map(|b| spec.deref(b)) {
        None => quote!(None),
        Some(body) => {
            let schema = body.pointer("/content/application~1json/schema");
            let Some(name) = schema.and_then(ref_name) else {
                return Err(spec.error_at(
                    &format!("{}/requestBody", op.pointer),
                    format!(
                        "avara-mock needs the JSON request body of `{}` to be a `$ref` to `#/components/schemas/...`",
                        op.id
                    ),
                ));
            };
            let resolved = spec.deref(schema.unwrap_or(&Value::Null));
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
            let ty = RustNames::tokens(ty);
            let mut formats = Vec::new();
            string_formats(spec, resolved, "", &mut formats, 0);
            let formats = formats.iter().map(|(pointer, format)| match format {
                StringFormat::Email => quote!((#pointer, Format::Email)),
            });
            quote! {
                Some(RequestBody {
                    required: #required,
                    object: #object,
                    schema: #name,
                    properties: &[#(#props),*],
                    formats: &[#(#formats),*],
                    decode: normalize::<avara::types::#ty>,
                })
            }
        }
    };
    let id = &op.id;
    let method = op.method.to_uppercase();
    let path = op.path;
    Ok(quote! {
        Operation {
            id: #id,
            method: #method,
            path: #path,
            action: #action_tokens,
            status: #status,
            query: &[#(#query),*],
            body: #body,
            response: #response,
        }
    })
}

/// A string format the generated types leave unchecked.
enum StringFormat {
    Email,
}

/// Walks a schema and collects the pointers of strings whose `format` the
/// generated types do not check (`*` for every array item or map value).
fn string_formats(
    spec: &LoadedSpec,
    schema: &Value,
    pointer: &str,
    out: &mut Vec<(String, StringFormat)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let schema = spec.deref(schema);
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        string_formats(spec, part, pointer, out, depth + 1);
    }
    if schema.get("format").and_then(Value::as_str) == Some("email") {
        out.push((pointer.to_string(), StringFormat::Email));
    }
    for (name, prop) in properties(schema) {
        let child = format!("{pointer}/{}", escape_pointer_token(name));
        string_formats(spec, prop, &child, out, depth + 1);
    }
    if let Some(items) = schema.get("items") {
        string_formats(spec, items, &format!("{pointer}/*"), out, depth + 1);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        string_formats(spec, values, &format!("{pointer}/*"), out, depth + 1);
    }
}

/// The page shape of a list operation, from its checked pagination.
fn page(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    resource: &ResourceFacts,
    page_schema: Option<&Value>,
) -> Result<TokenStream, SpecError> {
    let pagination: &Pagination = op.pagination.ok_or_else(|| {
        spec.error_at(
            &op.pointer,
            format!("`{}` lists, so it needs `{PAGINATION_EXTENSION}`", op.id),
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
    let resource_ref = format!(
        "#/components/schemas/{}",
        escape_pointer_token(&resource.name)
    );
    if pagination.item_schema_ref != resource_ref {
        return Err(spec.error_at(
            &format!("{ext_pointer}/itemsField"),
            format!(
                "the items of `{}` must be `$ref`s to `{}`, the items of `{}`",
                op.id, resource.name, resource.collection
            ),
        ));
    }
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
    let stated_limit = op
        .json
        .pointer(&format!("/{RESOURCE_EXTENSION}/limitParam"))
        .and_then(Value::as_str);
    let integer_params: Vec<&Value> = op
        .parameters(spec)
        .into_iter()
        .filter(|p| p.location == "query" && p.name != cursor_param)
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
                &format!("{}/{RESOURCE_EXTENSION}/limitParam", op.pointer),
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
                    "`{}` has several integer query parameters; name the page size with `{RESOURCE_EXTENSION}: {{limitParam: ...}}`",
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
    let item_path = format!("{}/{{{}}}", resource.collection, resource.id_param);
    // Server fields the extension states, on any operation of the resource.
    let mut stated: BTreeMap<String, (String, String)> = BTreeMap::new();
    for op in ops
        .iter()
        .filter(|op| op.path == resource.collection || op.path == item_path)
    {
        if let Some(fields) = extension(spec, op)?
            .and_then(|e| e.get("serverFields"))
            .and_then(Value::as_object)
        {
            for (name, how) in fields {
                let pointer = format!(
                    "{}/{RESOURCE_EXTENSION}/serverFields/{}",
                    op.pointer,
                    escape_pointer_token(name)
                );
                stated.insert(
                    name.clone(),
                    (how.as_str().unwrap_or_default().to_string(), pointer),
                );
            }
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
        if nullable {
            if is_required {
                nullable_required.push(name.as_str());
            } else {
                clearable.push(name.as_str());
            }
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
        crate::overlay::apply(&real_text(), &overlay).unwrap()
    }

    fn load(text: String) -> LoadedSpec {
        crate::spec::parse(Path::new("spec.yaml"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The Rust names of the client progenitor generates for `spec`.
    fn client_names(spec: &LoadedSpec) -> RustNames {
        let settings = crate::codegen::progenitor_settings();
        let tokens = progenitor::Generator::new(&settings)
            .generate_tokens(&spec.openapi)
            .unwrap();
        RustNames::read(&syn::parse2(tokens).unwrap())
    }

    fn table(spec: &LoadedSpec) -> Result<String, SpecError> {
        generate(spec, &client_names(spec), &mut Vec::new()).map(|tokens| tokens.to_string())
    }

    fn actions(spec: &LoadedSpec) -> BTreeMap<String, (&'static str, Option<String>)> {
        let ops = spec.operations();
        let found = resources(spec, &client_names(spec), &ops).unwrap();
        ops.iter()
            .map(|op| {
                let (action, resource) = action_of(spec, op, &found).unwrap();
                (
                    op.id.to_string(),
                    (action, resource.map(|r| found[r].name.clone())),
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
                    ACTIONS.into_iter().find(|a| *a == action).unwrap(),
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
            table.contains("QueryParam { name : \"sibling\" , required : false , kind : Scalar :: String , check : Some (conforms :: < avara :: types :: OrgId >) }"),
            "{table}"
        );
    }

    #[test]
    fn an_id_pattern_beyond_the_reader_is_a_located_warning() {
        let text = real_text().replacen("^org_[0-9a-f]{32}$", "^org_\\\\b[0-9a-f]{32}$", 1);
        assert_ne!(text, real_text());
        let spec = load(text);
        let mut warnings = Vec::new();
        let table = generate(&spec, &client_names(&spec), &mut warnings)
            .unwrap()
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
            let text =
                real_text().replace(anchor, &format!("{anchor}      x-avara-resource: {ext}\n"));
            assert_ne!(text, real_text());
            let spec = load(text);
            table(&spec).map(|_| ()).unwrap_err()
        };
        let error = with("{action: bogus}");
        assert_eq!(
            error.pointer.as_deref(),
            Some("/paths/~1v1~1orgs~1{orgId}/get/x-avara-resource/action")
        );
        assert!(error.message.contains("create, list"), "{}", error.message);
        let error = with("{colour: red}");
        assert!(
            error
                .message
                .contains("unknown `x-avara-resource` field `colour`"),
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
}
