//! The SDK glue that progenitor does not generate, written with quote from the
//! same spec: typed calls (`IntoFuture` on every operation builder), cursor
//! pagination for operations marked `x-avara-pagination`, the table of spec
//! constraints that the runtime checks before a request is sent, and the
//! per-operation facts the runtime needs (method, path template).

use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::{Operation, ReferenceOr};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::spec::{LoadedSpec, SpecError, escape_pointer_token};

/// The vendor extension that marks a cursor-paginated list operation.
pub const PAGINATION_EXTENSION: &str = "x-avara-pagination";
/// The vendor extension that bounds the length of a map's keys.
pub const MAX_KEY_LENGTH_EXTENSION: &str = "x-avara-max-key-length";

/// An operation as the SDK layer sees it.
struct OperationFacts<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
    pointer: String,
    operation: &'a Operation,
}

pub fn generate(spec: &LoadedSpec) -> Result<TokenStream, SpecError> {
    let operations = operations(spec);
    let error_type = shared_error_type(spec, &operations)?;
    let base_url = spec
        .openapi
        .servers
        .first()
        .map(|s| s.url.trim_end_matches('/').to_string())
        .ok_or_else(|| {
            spec.error_at(
                "/servers",
                "the spec names no server; the SDK's default base URL comes from `servers[0].url`",
            )
        })?;

    let mut calls = Vec::new();
    let mut infos = Vec::new();
    let mut pagers = Vec::new();
    let mut constraints = Vec::new();
    for op in &operations {
        let builder = format_ident!("{}", op.id.to_pascal_case());
        let output = success_type(spec, op)?;
        let id = op.id;
        let method = op.method.to_uppercase();
        let path = op.path;
        infos.push(quote! {
            crate::runtime::OperationFacts { id: #id, method: #method, path: #path },
        });
        let doc = call_doc(spec, op, &output)?;
        calls.push(quote! {
            #(#[doc = #doc])*
            impl<'a> ::std::future::IntoFuture for builder::#builder<'a> {
                type Output = ::std::result::Result<#output, crate::Error>;
                type IntoFuture = crate::runtime::CallFuture<'a, #output>;
                fn into_future(self) -> Self::IntoFuture {
                    crate::runtime::call(#id, self.send())
                }
            }
            impl<'a> builder::#builder<'a> {
                /// This call with [`RequestOptions`](crate::RequestOptions)
                /// (timeout, retries, deadline, idempotency key, extra headers
                /// and query parameters) over the client's settings; await the
                /// result like the builder itself.
                pub fn with_options(
                    self,
                    options: crate::RequestOptions,
                ) -> crate::WithOptions<Self> {
                    crate::WithOptions::new(self, options)
                }
            }
        });
        if let Some(pager) = pagination(spec, op, &builder, &output)? {
            pagers.push(pager);
        }
        constraints.extend(operation_constraints(spec, op));
    }

    Ok(quote! {
        use crate::generated::{builder, types};

        /// The base URL of the spec's first server, used when none is configured.
        pub const DEFAULT_BASE_URL: &str = #base_url;

        /// The body type of every documented error response.
        pub type ApiErrorBody = #error_type;

        /// Method and path template of every operation, by operationId.
        pub(crate) static OPERATIONS: &[crate::runtime::OperationFacts] = &[#(#infos)*];

        /// The spec's constraints that the generated types do not enforce,
        /// checked by the runtime before a request is sent.
        pub static CONSTRAINTS: &[crate::validate::Constraint] = &[#(#constraints)*];

        #(#calls)*
        #(#pagers)*
    })
}

/// The doc of an operation's typed call: what it sends, what it returns, and
/// an example built from the spec's `example` values of its required inputs.
fn call_doc(
    spec: &LoadedSpec,
    op: &OperationFacts<'_>,
    output: &TokenStream,
) -> Result<Vec<String>, SpecError> {
    let method = op.method.to_uppercase();
    let summary = op.operation.summary.as_deref().unwrap_or(op.id);
    let output = output.to_string().replace(' ', "");
    let mut setters = Vec::new();
    let params = op.parameters(spec);
    for (i, param) in params.iter().enumerate() {
        let param = spec.deref(param);
        if !param
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            continue;
        }
        let name = param
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let example = param
            .get("example")
            .or_else(|| param.get("schema").map(|s| spec.deref(s)).and_then(|s| s.get("example")))
            .ok_or_else(|| {
                spec.error_at(
                    &format!("{}/parameters/{i}", op.pointer),
                    format!("required parameter `{name}` needs an `example` (on it or its schema) for the generated doc example"),
                )
            })?;
        setters.push(format!(
            "    .{}({})",
            field_name(name),
            rust_literal(example)
        ));
    }
    if let Some(body) = spec
        .json
        .pointer(&format!("{}/requestBody", op.pointer))
        .map(|b| spec.deref(b))
        && let Some(reference) = body
            .pointer("/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
        && let Some(name) = reference.strip_prefix("#/components/schemas/")
    {
        let schema = spec.deref(
            body.pointer("/content/application~1json/schema")
                .unwrap_or(&Value::Null),
        );
        let example = body.pointer("/content/application~1json/example");
        let mut fields = String::new();
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(prop) = required.as_str() else {
                continue;
            };
            let value = example.and_then(|e| e.get(prop)).ok_or_else(|| {
                spec.error_at(
                    &format!("{}/requestBody", op.pointer),
                    format!("the request body needs an `example` with the required property `{prop}` for the generated doc example"),
                )
            })?;
            fields.push_str(&format!(".{}({})", field_name(prop), rust_literal(value)));
        }
        setters.push(format!(
            "    .body(avara::types::{}::builder(){fields})",
            type_name(name)
        ));
    }
    let mut lines = vec![
        format!(" {summary}: sends `{method} {}` and resolves to `{output}`, or an [`avara::Error`](crate::Error).", op.path),
        String::new(),
        " Awaiting the builder validates the request against the spec, then sends it with the client's auth, retries and timeout.".to_string(),
        String::new(),
        " ```no_run".to_string(),
        " # async fn example(client: &avara::Client) -> Result<(), avara::Error> {".to_string(),
        format!(" let response = client.{}()", field_name(op.id)),
    ];
    lines.extend(setters.iter().map(|s| format!(" {s}")));
    lines.push("     .await?;".to_string());
    lines.push(" # Ok(()) }".to_string());
    lines.push(" ```".to_string());
    Ok(lines)
}

fn rust_literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{:?}", other.to_string()),
    }
}

fn operations(spec: &LoadedSpec) -> Vec<OperationFacts<'_>> {
    let mut out = Vec::new();
    for (path, item) in &spec.openapi.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, operation) in item.iter() {
            out.push(OperationFacts {
                id: operation.operation_id.as_deref().unwrap_or_default(),
                method,
                path,
                pointer: format!("/paths/{}/{method}", escape_pointer_token(path)),
                operation,
            });
        }
    }
    out
}

impl OperationFacts<'_> {
    /// The operation's parameters as JSON (each possibly a `$ref`).
    fn parameters(&self, spec: &LoadedSpec) -> Vec<Value> {
        spec.json
            .pointer(&format!("{}/parameters", self.pointer))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// The Rust name typify gives a component schema.
fn type_name(schema_name: &str) -> syn::Ident {
    let cleaned: String = schema_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format_ident!("{}", cleaned.to_pascal_case())
}

/// The Rust name typify gives a property.
fn field_name(property: &str) -> syn::Ident {
    let snake = property
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_snake_case();
    match snake.as_str() {
        "type" | "ref" | "match" | "async" | "await" | "fn" | "mod" | "use" | "impl" | "self"
        | "crate" | "super" | "enum" | "struct" | "loop" | "move" | "where" => {
            format_ident!("{}_", snake)
        }
        _ => format_ident!("{}", snake),
    }
}

/// The `$ref` name behind a response's JSON schema, following response refs.
fn response_schema_name<'a>(
    spec: &'a LoadedSpec,
    response: &'a Value,
) -> Result<Option<&'a str>, ()> {
    let response = spec.deref(response);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    let Some(schema) = content
        .get("application/json")
        .and_then(|m| m.get("schema"))
    else {
        return Ok(None);
    };
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => Ok(r.strip_prefix("#/components/schemas/")),
        None => Err(()),
    }
}

fn success_type(spec: &LoadedSpec, op: &OperationFacts<'_>) -> Result<TokenStream, SpecError> {
    let responses = spec.json.pointer(&format!("{}/responses", op.pointer));
    let mut names = Vec::new();
    for (code, response) in responses.and_then(Value::as_object).into_iter().flatten() {
        if !code.starts_with('2') {
            continue;
        }
        let pointer = format!("{}/responses/{code}", op.pointer);
        match response_schema_name(spec, response) {
            Ok(name) => names.push((name, pointer)),
            Err(()) => {
                return Err(spec.error_at(
                    &pointer,
                    "the SDK needs a success response whose schema is a `$ref` to `#/components/schemas/...`",
                ));
            }
        }
    }
    let Some((first, _)) = names.first() else {
        return Err(spec.error_at(&op.pointer, "no 2XX response"));
    };
    if let Some((_, pointer)) = names.iter().find(|(n, _)| n != first) {
        return Err(spec.error_at(
            pointer,
            format!("operation `{}` has 2XX responses of different types; the SDK needs one success type", op.id),
        ));
    }
    Ok(match first {
        Some(name) => {
            let ident = type_name(name);
            quote!(types::#ident)
        }
        None => quote!(()),
    })
}

fn shared_error_type(
    spec: &LoadedSpec,
    operations: &[OperationFacts<'_>],
) -> Result<TokenStream, SpecError> {
    let mut shared: Option<(&str, String)> = None;
    for op in operations {
        let responses = spec.json.pointer(&format!("{}/responses", op.pointer));
        for (code, response) in responses.and_then(Value::as_object).into_iter().flatten() {
            if code.starts_with('2') || code == "default" {
                continue;
            }
            let pointer = format!("{}/responses/{code}", op.pointer);
            let name = match response_schema_name(spec, response) {
                Ok(Some(name)) => name,
                _ => {
                    return Err(spec.error_at(
                        &pointer,
                        "error responses must share one schema given by `$ref` to `#/components/schemas/...`",
                    ));
                }
            };
            match &shared {
                None => shared = Some((name, pointer)),
                Some((first, first_pointer)) if *first != name => {
                    return Err(spec.error_at(
                        &pointer,
                        format!("error schema `{name}` differs from `{first}` at {first_pointer}; all error responses must share one schema"),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    match shared {
        Some((name, _)) => {
            let ident = type_name(name);
            Ok(quote!(types::#ident))
        }
        None => Ok(quote!(())),
    }
}

/// The parsed `x-avara-pagination` extension of one operation.
struct PaginationSpec {
    request_cursor_param: String,
    items_field: String,
    next_cursor_field: String,
    has_more_field: String,
}

fn pagination(
    spec: &LoadedSpec,
    op: &OperationFacts<'_>,
    builder: &syn::Ident,
    page_type: &TokenStream,
) -> Result<Option<TokenStream>, SpecError> {
    let Some(extension) = op.operation.extensions.get(PAGINATION_EXTENSION) else {
        return Ok(None);
    };
    let ext_pointer = format!("{}/{PAGINATION_EXTENSION}", op.pointer);
    let field = |name: &str| -> Result<String, SpecError> {
        extension
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                spec.error_at(
                    &ext_pointer,
                    format!("`{PAGINATION_EXTENSION}` needs a string field `{name}`"),
                )
            })
    };
    match extension.get("style").and_then(Value::as_str) {
        Some("cursor") => {}
        other => {
            return Err(spec.error_at(
                &format!("{ext_pointer}/style"),
                format!("`{PAGINATION_EXTENSION}.style` must be `cursor`, found {other:?}"),
            ));
        }
    }
    let pg = PaginationSpec {
        request_cursor_param: field("requestCursorParam")?,
        items_field: field("itemsField")?,
        next_cursor_field: field("nextCursorField")?,
        has_more_field: field("hasMoreField")?,
    };

    // The request cursor must be a string query parameter of this operation.
    let cursor_param = op.operation.parameters.iter().find_map(|p| {
        let p = match p {
            ReferenceOr::Item(p) => p,
            ReferenceOr::Reference { .. } => return None,
        };
        match p {
            openapiv3::Parameter::Query { parameter_data, .. }
                if parameter_data.name == pg.request_cursor_param =>
            {
                Some(parameter_data)
            }
            _ => None,
        }
    });
    let Some(cursor_param) = cursor_param else {
        return Err(spec.error_at(
            &format!("{ext_pointer}/requestCursorParam"),
            format!(
                "`requestCursorParam: {}` names no query parameter of `{}`",
                pg.request_cursor_param, op.id
            ),
        ));
    };
    if cursor_param.required {
        return Err(spec.error_at(
            &format!("{ext_pointer}/requestCursorParam"),
            format!(
                "the cursor parameter `{}` must be optional: the first page is fetched without it",
                pg.request_cursor_param
            ),
        ));
    }

    // The page schema: the operation's 200 response.
    let page_pointer = format!("{}/responses/200", op.pointer);
    let page_schema = spec
        .json
        .pointer(&page_pointer)
        .map(|r| spec.deref(r))
        .and_then(|r| r.pointer("/content/application~1json/schema"))
        .map(|s| spec.deref(s))
        .ok_or_else(|| {
            spec.error_at(
                &ext_pointer,
                format!("`{}` needs a `200` JSON response to paginate", op.id),
            )
        })?;
    let required: Vec<&str> = page_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let property =
        |ext_field: &str, name: &str, expected: &str| -> Result<(bool, bool), SpecError> {
            let schema = page_schema
                .get("properties")
                .and_then(|p| p.get(name))
                .map(|s| spec.deref(s))
                .ok_or_else(|| {
                    spec.error_at(
                        &format!("{ext_pointer}/{ext_field}"),
                        format!(
                            "`{ext_field}: {name}` names no property of the `{}` page schema",
                            op.id
                        ),
                    )
                })?;
            let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
            if ty != expected {
                return Err(spec.error_at(
                &format!("{ext_pointer}/{ext_field}"),
                format!(
                    "`{ext_field}: {name}` must be a property of type `{expected}`, found `{ty}`"
                ),
            ));
            }
            let nullable = schema
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Ok((required.contains(&name), nullable))
        };
    let (items_required, items_nullable) = property("itemsField", &pg.items_field, "array")?;
    let item_type = page_schema
        .pointer(&format!(
            "/properties/{}",
            escape_pointer_token(&pg.items_field)
        ))
        .map(|s| spec.deref(s))
        .and_then(|s| s.pointer("/items/$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(type_name)
        .ok_or_else(|| {
            spec.error_at(
                &format!("{ext_pointer}/itemsField"),
                format!(
                    "the items of `{}` must be a `$ref` to `#/components/schemas/...`",
                    pg.items_field
                ),
            )
        })?;
    if !items_required || items_nullable {
        return Err(spec.error_at(
            &format!("{ext_pointer}/itemsField"),
            format!(
                "the items property `{}` must be required and not nullable",
                pg.items_field
            ),
        ));
    }
    let (cursor_required, cursor_nullable) =
        property("nextCursorField", &pg.next_cursor_field, "string")?;
    let (more_required, more_nullable) = property("hasMoreField", &pg.has_more_field, "boolean")?;

    let items = field_name(&pg.items_field);
    let next = field_name(&pg.next_cursor_field);
    let more = field_name(&pg.has_more_field);
    let set_cursor = field_name(&pg.request_cursor_param);
    let next_cursor = if cursor_required && !cursor_nullable {
        quote!(::std::option::Option::Some(page.#next.clone()))
    } else {
        quote!(page.#next.clone())
    };
    let has_more = if more_required && !more_nullable {
        quote!(page.#more)
    } else {
        quote!(page.#more.unwrap_or(false))
    };
    let id = op.id;
    let doc_pages = [
        format!(" Every page of `{id}`, fetched one at a time as the stream is polled."),
        String::new(),
        format!(
            " The first request keeps the parameters set on this builder; each later one sends the same \
             parameters with `{}` set to the previous page's `{}`. The stream ends after a page whose `{}` \
             is false, an empty page, or a page without a cursor; a cursor that the server repeats ends it \
             with an error instead of looping.",
            pg.request_cursor_param, pg.next_cursor_field, pg.has_more_field
        ),
    ];
    let doc_items = [
        format!(
            " Every item of every page of `{id}` (the `{}` of each page), fetching the next page only when \
             the current one is used up, so at most one page is held in memory. See [`Self::pages`] for \
             when it ends.",
            pg.items_field
        ),
        String::new(),
        " ```no_run".to_string(),
        " # async fn example(client: &avara::Client) -> Result<(), avara::Error> {".to_string(),
        " use futures::TryStreamExt;".to_string(),
        format!(" let mut items = client.{}().stream();", field_name(id)),
        " while let Some(item) = items.try_next().await? {".to_string(),
        "     // ...".to_string(),
        " }".to_string(),
        " # Ok(()) }".to_string(),
        " ```".to_string(),
    ];
    Ok(Some(quote! {
        impl<'a> builder::#builder<'a> {
            #(#[doc = #doc_pages])*
            pub fn pages(self) -> crate::pagination::PageStream<'a, #page_type> {
                crate::pagination::cursor_pages(
                    #id,
                    move |cursor: ::std::option::Option<::std::string::String>| {
                        let request = match cursor {
                            ::std::option::Option::Some(cursor) => self.clone().#set_cursor(cursor),
                            ::std::option::Option::None => self.clone(),
                        };
                        ::std::future::IntoFuture::into_future(request)
                    },
                    |page: &#page_type| crate::pagination::PageInfo {
                        has_more: #has_more,
                        next_cursor: #next_cursor,
                        len: page.#items.len(),
                    },
                )
            }

            #(#[doc = #doc_items])*
            pub fn stream(self) -> crate::pagination::ItemStream<'a, types::#item_type> {
                crate::pagination::items(self.pages(), |page: #page_type| page.#items)
            }
        }
    }))
}

/// One constraint, as tokens of `crate::validate::Constraint`.
fn constraint(
    operation: &str,
    location: TokenStream,
    pointer: &str,
    check: TokenStream,
) -> TokenStream {
    quote! {
        crate::validate::Constraint {
            operation: #operation,
            location: #location,
            target: #pointer,
            check: #check,
        },
    }
}

/// The constraints of an operation's parameters and JSON body that the
/// generated types leave unchecked: number bounds, object and array sizes,
/// and the key length of maps.
fn operation_constraints(spec: &LoadedSpec, op: &OperationFacts<'_>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let params = op.parameters(spec);
    for param in &params {
        let param = spec.deref(param);
        let (Some(name), Some(location), Some(schema)) = (
            param.get("name").and_then(Value::as_str),
            param.get("in").and_then(Value::as_str),
            param.get("schema"),
        ) else {
            continue;
        };
        let location = match location {
            "query" => quote!(crate::validate::Location::Query),
            "path" => quote!(crate::validate::Location::Path),
            "header" => quote!(crate::validate::Location::Header),
            _ => continue,
        };
        let mut checks = Vec::new();
        schema_checks(spec, spec.deref(schema), "", &mut checks, 0);
        for (pointer, check) in checks {
            debug_assert!(pointer.is_empty());
            out.push(constraint(op.id, location.clone(), name, check));
        }
    }
    if let Some(schema) = spec
        .json
        .pointer(&format!("{}/requestBody", op.pointer))
        .map(|b| spec.deref(b))
        .and_then(|b| b.pointer("/content/application~1json/schema"))
    {
        let mut checks = Vec::new();
        schema_checks(spec, spec.deref(schema), "", &mut checks, 0);
        for (pointer, check) in checks {
            out.push(constraint(
                op.id,
                quote!(crate::validate::Location::Body),
                &pointer,
                check,
            ));
        }
    }
    out
}

fn number(value: &Value) -> Option<Literal> {
    value.as_f64().map(Literal::f64_suffixed)
}

fn count(value: &Value) -> Option<Literal> {
    value.as_u64().map(Literal::u64_suffixed)
}

/// Walks a schema and collects `(pointer, check)` pairs. `*` in a pointer
/// stands for every array item or map value.
fn schema_checks(
    spec: &LoadedSpec,
    schema: &Value,
    pointer: &str,
    out: &mut Vec<(String, TokenStream)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let schema = spec.deref(schema);
    for sub in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = schema.get(sub).and_then(Value::as_array)
            && sub == "allOf"
        {
            for s in list {
                schema_checks(spec, s, pointer, out, depth + 1);
            }
        }
    }
    let get = |k: &str| schema.get(k);
    match get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => {
            let exclusive_min = get("exclusiveMinimum")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let exclusive_max = get("exclusiveMaximum")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let Some(min) = get("minimum").and_then(number) {
                out.push((pointer.into(), quote!(crate::validate::Check::Minimum { value: #min, exclusive: #exclusive_min })));
            }
            if let Some(max) = get("maximum").and_then(number) {
                out.push((pointer.into(), quote!(crate::validate::Check::Maximum { value: #max, exclusive: #exclusive_max })));
            }
            if let Some(m) = get("multipleOf").and_then(number) {
                out.push((
                    pointer.into(),
                    quote!(crate::validate::Check::MultipleOf(#m)),
                ));
            }
        }
        Some("array") => {
            if let Some(n) = get("minItems").and_then(count) {
                out.push((pointer.into(), quote!(crate::validate::Check::MinItems(#n))));
            }
            if let Some(n) = get("maxItems").and_then(count) {
                out.push((pointer.into(), quote!(crate::validate::Check::MaxItems(#n))));
            }
            if get("uniqueItems").and_then(Value::as_bool) == Some(true) {
                out.push((pointer.into(), quote!(crate::validate::Check::UniqueItems)));
            }
            if let Some(items) = get("items") {
                schema_checks(spec, items, &format!("{pointer}/*"), out, depth + 1);
            }
        }
        Some("object") | None => {
            if let Some(n) = get("minProperties").and_then(count) {
                out.push((
                    pointer.into(),
                    quote!(crate::validate::Check::MinProperties(#n)),
                ));
            }
            if let Some(n) = get("maxProperties").and_then(count) {
                out.push((
                    pointer.into(),
                    quote!(crate::validate::Check::MaxProperties(#n)),
                ));
            }
            if let Some(n) = get(MAX_KEY_LENGTH_EXTENSION).and_then(count) {
                out.push((
                    pointer.into(),
                    quote!(crate::validate::Check::MaxKeyLength(#n)),
                ));
            }
            if let Some(props) = get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    schema_checks(
                        spec,
                        prop,
                        &format!("{pointer}/{}", escape_pointer_token(name)),
                        out,
                        depth + 1,
                    );
                }
            }
            if let Some(additional) = get("additionalProperties").filter(|a| a.is_object()) {
                schema_checks(spec, additional, &format!("{pointer}/*"), out, depth + 1);
            }
        }
        _ => {}
    }
}
