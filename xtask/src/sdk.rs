//! The SDK glue that progenitor does not generate, written with quote from the
//! same spec: the resource tree ([`resources`]), typed calls (`IntoFuture` on
//! every operation builder), cursor pagination for operations with a
//! [`Pagination`], the table of spec constraints that the runtime checks
//! before a request is sent, and the per-operation facts the runtime needs
//! (method, path template).

pub mod resources;

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::example;
use crate::extensions;
use crate::progenitor_output::names::{OperationNames, RustNames};
use crate::resource_tree::{ResourceTree, path_parameters};
use crate::spec::{
    LoadedSpec, Location, Pagination, SpecError, SpecOperation, escape_pointer_token,
    response_json_schema,
};

/// What the SDK generator produced: the code, and lint warnings (such as a
/// doc example value it could not synthesize to match its schema).
pub struct SdkOutput {
    pub tokens: TokenStream,
    pub warnings: Vec<String>,
}

/// Generates the SDK glue from the spec and the Rust names progenitor gave
/// to its operations and types (read from the client it generated).
pub fn generate(spec: &LoadedSpec, names: &RustNames) -> Result<SdkOutput, SpecError> {
    let operations = spec.operations();
    check_success_types(spec, &operations)?;
    let error_type = shared_error_type(spec, &operations, names)?;
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

    let tree = ResourceTree::build(spec)?;
    resources::check(spec, &tree)?;
    let mut calls = Vec::new();
    let mut infos = Vec::new();
    let mut pagers = Vec::new();
    let mut constraints = Vec::new();
    let mut warnings = Vec::new();
    let mut verb_docs = BTreeMap::new();
    for op in &operations {
        let op_names = operation_names(spec, op, names)?;
        let builder = format_ident!("{}", op_names.builder);
        let output = RustNames::tokens(&op_names.success);
        infos.push(operation_facts(spec, op));
        let doc = call_doc(spec, op, op_names, names, &output, &mut warnings)?;
        calls.push(typed_call(op, &builder, &output));
        if let Some(pagination) = op.pagination {
            pagers.push(pager(
                spec, op, pagination, op_names, names, &builder, &doc.head,
            )?);
        }
        verb_docs.insert(op.id.to_string(), doc.lines);
        constraints.extend(operation_constraints(spec, op));
    }
    let resource_tree = resources::generate(spec, &tree, names, &verb_docs)?;
    let webhook_events = webhook_events(spec, names)?;

    let tokens = quote! {
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

        #resource_tree
        #webhook_events
        #(#calls)*
        #(#pagers)*
    };
    Ok(SdkOutput { tokens, warnings })
}

fn operation_names<'n>(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    names: &'n RustNames,
) -> Result<&'n OperationNames, SpecError> {
    names
        .operation(op.id)
        .map_err(|e| spec.error_at(&op.pointer, e))
}

/// The runtime's facts of one operation.
fn operation_facts(spec: &LoadedSpec, op: &SpecOperation<'_>) -> TokenStream {
    let id = op.id;
    let method = op.method.as_http();
    let path = op.path;
    let comma_separated = op
        .parameters(spec)
        .into_iter()
        .filter(|p| p.is_comma_separated_array(spec))
        .map(|p| p.name);
    quote! {
        crate::runtime::OperationFacts {
            id: #id,
            method: #method,
            path: #path,
            comma_separated_query: &[#(#comma_separated),*],
        },
    }
}

/// `IntoFuture` on an operation's builder: the typed call.
fn typed_call(op: &SpecOperation<'_>, builder: &syn::Ident, output: &TokenStream) -> TokenStream {
    let id = op.id;
    let verb = op.verb();
    let resource = resources::type_name(&op.resource());
    let doc = [
        format!(
            " Sends `{} {}` and resolves to the typed body, or an [`avara::Error`](crate::Error): \
             [`{}.{verb}()`](crate::resources::{resource}::{verb}), awaited.",
            op.method,
            op.path,
            op.resource().join("."),
        ),
        String::new(),
        " Awaiting the builder validates the request against the spec, then sends it with the client's auth, retries and timeout.".to_string(),
    ];
    quote! {
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
    }
}

/// An input value for a doc example: the spec's `example` if it gives one,
/// else one synthesized from the schema (a lint warning when that value
/// may not satisfy it).
fn example_value(
    spec: &LoadedSpec,
    given: Option<&Value>,
    schema: Option<&Value>,
    // Locating a node scans the spec text: only done for a warning.
    what: impl FnOnce() -> String,
    warnings: &mut Vec<String>,
) -> Value {
    if let Some(value) = given {
        return value.clone();
    }
    let synthesized = example::synthesize(spec, schema.unwrap_or(&Value::Null));
    if let Some(warning) = synthesized.warning {
        warnings.push(format!("{}: {warning}", what()));
    }
    synthesized.value
}

/// The doc of an operation's typed call: what it sends, what it returns, and
/// an example that sets its required inputs (the spec's `example` values,
/// else values synthesized from their schemas).
fn call_doc(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    op_names: &OperationNames,
    names: &RustNames,
    output: &TokenStream,
    warnings: &mut Vec<String>,
) -> Result<CallDoc, SpecError> {
    let method = op.method;
    let summary = op.operation.summary.as_deref().unwrap_or(op.id);
    let output = output.to_string().replace(' ', "");
    let path_parameters: Vec<&str> = path_parameters(spec, op).iter().map(|p| p.name).collect();
    let mut arguments = vec![String::new(); path_parameters.len()];
    let mut setters = Vec::new();
    for param in op.parameters(spec).iter().filter(|p| p.required) {
        let setter = op_names.parameters.get(param.name).ok_or_else(|| {
            spec.error_at(
                &param.pointer,
                format!(
                    "the generated builder `{}` has no setter for the parameter `{}`",
                    op_names.builder, param.name
                ),
            )
        })?;
        let schema = param.json.get("schema");
        let given = param
            .json
            .get("example")
            .or_else(|| schema.map(|s| spec.deref(s)).and_then(|s| s.get("example")));
        let what = || {
            format!(
                "{} (parameter `{}`)",
                spec.located(&param.pointer),
                param.name
            )
        };
        let value = example_value(spec, given, schema, what, warnings);
        let literal = match op_names.parameter_types.get(param.name) {
            Some(ty) => typed_literal(&value, ty),
            None => rust_literal(&value),
        };
        match path_parameters.iter().position(|p| *p == param.name) {
            Some(position) if param.location == Some(Location::Path) => {
                arguments[position] = literal
            }
            _ => setters.push(format!("    .{setter}({literal})")),
        }
    }
    if let (Some(body), Some(body_type)) = (op.json_body(spec), &op_names.body) {
        let schema = spec.schema_json(body.schema);
        let mut fields = String::new();
        let required = schema.get("required").and_then(Value::as_array);
        for prop in required.into_iter().flatten().filter_map(Value::as_str) {
            let field = names
                .field(body_type, prop)
                .map_err(|e| spec.error_at(&body.pointer, e))?;
            let prop_schema = schema.get("properties").and_then(|p| p.get(prop));
            let given = body.example.and_then(|e| e.get(prop));
            let what = || format!("{} (body property `{prop}`)", spec.located(&body.pointer));
            let value = example_value(spec, given, prop_schema, what, warnings);
            fields.push_str(&format!(
                ".{}({})",
                field.ident,
                typed_literal(&value, &field.ty)
            ));
        }
        setters.push(format!(
            "    .body(avara::types::{body_type}::builder(){fields})"
        ));
    }
    let mut head = String::from("client");
    for segment in op.resource() {
        head.push_str(&format!(".{segment}()"));
    }
    head.push_str(&format!(".{}({})", op.verb(), arguments.join(", ")));
    let mut lines = vec![
        format!(
            " {summary}: sends `{method} {}` and resolves to `{output}`, or an [`avara::Error`](crate::Error).",
            op.path
        ),
        String::new(),
    ];
    if let Some(description) = op.operation.description.as_deref() {
        lines.extend(description.trim_end().lines().map(|l| format!(" {l}")));
        lines.push(String::new());
    }
    if !path_parameters.is_empty() {
        lines.push(" Path parameters are the arguments (anything the parameter's type converts from; a value it refuses is an [`InvalidRequest`](crate::ErrorKind::InvalidRequest) error before anything is sent); the rest are the returned builder's setters.".to_string());
        lines.push(String::new());
    }
    lines.extend([
        " Awaiting the builder validates the request against the spec, then sends it with the client's auth, retries and timeout.".to_string(),
        String::new(),
        " ```no_run".to_string(),
        " # async fn example(client: &avara::Client) -> Result<(), avara::Error> {".to_string(),
        format!(" let response = {head}"),
    ]);
    lines.extend(setters.iter().map(|s| format!(" {s}")));
    lines.push("     .await?;".to_string());
    lines.push(" # Ok(()) }".to_string());
    lines.push(" ```".to_string());
    Ok(CallDoc { lines, head })
}

/// The doc of a verb, and how its example starts the call
/// (`client.express().retrieve("cus_...")`).
struct CallDoc {
    lines: Vec<String>,
    head: String,
}

/// A doc example argument of type `ty` (crate-relative, `types::Study`): a
/// scalar as a literal, an object or array built from its JSON, which reads
/// alike for a struct, a map or a list.
fn typed_literal(value: &Value, ty: &str) -> String {
    match value {
        Value::Object(_) | Value::Array(_) => {
            let ty = if ty.starts_with("types::") {
                format!("avara::{ty}")
            } else {
                ty.to_string()
            };
            format!(
                "serde_json::from_value::<{}>(serde_json::json!({value})).expect(\"the example matches its type\")",
                ty.replace(' ', "")
            )
        }
        _ => rust_literal(value),
    }
}

fn rust_literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{:?}", other.to_string()),
    }
}

/// The SDK needs one success type per operation: every 2XX response's JSON
/// schema is the same (the same `$ref`, or the same inline schema), or none
/// has a body.
fn check_success_types(
    spec: &LoadedSpec,
    operations: &[SpecOperation<'_>],
) -> Result<(), SpecError> {
    for op in operations {
        let mut first: Option<Option<&Value>> = None;
        for (code, pointer, response) in op.responses(spec) {
            if !code.starts_with('2') {
                continue;
            }
            let schema = response_json_schema(response);
            match first {
                None => first = Some(schema),
                Some(first) if first != schema => {
                    return Err(spec.error_at(
                        &pointer,
                        format!("operation `{}` has 2XX responses of different types; the SDK needs one success type", op.id),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// The one error body type that every error response shares (checked in the
/// spec), as progenitor named it.
fn shared_error_type(
    spec: &LoadedSpec,
    operations: &[SpecOperation<'_>],
    names: &RustNames,
) -> Result<TokenStream, SpecError> {
    let mut shared: Option<(&str, String)> = None;
    for op in operations {
        for (code, pointer, response) in op.responses(spec) {
            if code.starts_with('2') || code == "default" {
                continue;
            }
            let reference = response_json_schema(response)
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    spec.error_at(
                        &pointer,
                        "error responses must share one schema given by `$ref` to `#/components/schemas/...`",
                    )
                })?;
            match &shared {
                None => shared = Some((reference, pointer)),
                Some((first, first_pointer)) if *first != reference => {
                    return Err(spec.error_at(
                        &pointer,
                        format!("error schema `{reference}` differs from `{first}` at {first_pointer}; all error responses must share one schema"),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    let error = match shared {
        None => "()",
        Some(_) => operations
            .iter()
            .filter_map(|op| names.operations.get(op.id))
            .map(|n| n.error.as_str())
            .find(|e| *e != "()")
            .unwrap_or("()"),
    };
    Ok(RustNames::tokens(error))
}

/// `pages()` and `stream()` on the builder of a paginated operation.
fn pager(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    pg: &Pagination,
    op_names: &OperationNames,
    names: &RustNames,
    builder: &syn::Ident,
    call_head: &str,
) -> Result<TokenStream, SpecError> {
    let located = |e: String| spec.error_at(&pg.pointer, e);
    let page_type = RustNames::tokens(&op_names.success);
    let page = op_names.success.as_str();
    let field = |property: &str| -> Result<syn::Ident, SpecError> {
        let field = names.field(page, property).map_err(located)?;
        Ok(format_ident!("{}", field.ident))
    };
    let items = field(&pg.items.name)?;
    let next = field(&pg.next_cursor.name)?;
    let more = field(&pg.has_more.name)?;
    let item_type = vec_item(&names.field(page, &pg.items.name).map_err(located)?.ty)
        .ok_or_else(|| located(format!("the page field `{}` is not a `Vec`", pg.items.name)))?;
    let set_cursor = op_names
        .parameters
        .get(&pg.request_cursor_param)
        .map(|s| format_ident!("{s}"))
        .ok_or_else(|| {
            located(format!(
                "the builder `{}` has no setter for `{}`",
                op_names.builder, pg.request_cursor_param
            ))
        })?;
    let next_cursor = if pg.next_cursor.always_present() {
        quote!(::std::option::Option::Some(page.#next.clone()))
    } else {
        quote!(page.#next.clone())
    };
    let has_more = if pg.has_more.always_present() {
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
            pg.request_cursor_param, pg.next_cursor.name, pg.has_more.name
        ),
    ];
    let doc_items = [
        format!(
            " Every item of every page of `{id}` (the `{}` of each page), fetching the next page only when \
             the current one is used up, so at most one page is held in memory. See [`Self::pages`] for \
             when it ends.",
            pg.items.name
        ),
        String::new(),
        " ```no_run".to_string(),
        " # async fn example(client: &avara::Client) -> Result<(), avara::Error> {".to_string(),
        " use futures::TryStreamExt;".to_string(),
        format!(" let mut items = {call_head}.stream();"),
        " while let Some(item) = items.try_next().await? {".to_string(),
        "     // ...".to_string(),
        " }".to_string(),
        " # Ok(()) }".to_string(),
        " ```".to_string(),
    ];
    Ok(quote! {
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
            pub fn stream(self) -> crate::pagination::ItemStream<'a, #item_type> {
                crate::pagination::items(self.pages(), |page: #page_type| page.#items)
            }
        }
    })
}

/// The `T` of a field type `::std::vec::Vec<T>`.
fn vec_item(ty: &str) -> Option<TokenStream> {
    let item = syn::parse_str::<syn::Type>(crate::progenitor_output::vec_element(ty)?).ok()?;
    Some(quote!(#item))
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
fn operation_constraints(spec: &LoadedSpec, op: &SpecOperation<'_>) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for param in op.parameters(spec) {
        let Some(schema) = param.json.get("schema") else {
            continue;
        };
        let location = match param.location {
            Some(Location::Query) => quote!(crate::validate::Location::Query),
            Some(Location::Path) => quote!(crate::validate::Location::Path),
            Some(Location::Header) => quote!(crate::validate::Location::Header),
            _ => continue,
        };
        let mut checks = Vec::new();
        schema_checks(spec, spec.deref(schema), "", &mut checks, 0);
        for (pointer, check) in checks {
            debug_assert!(pointer.is_empty());
            out.push(constraint(op.id, location.clone(), param.name, check));
        }
    }
    if let Some(body) = op.json_body(spec) {
        let mut checks = Vec::new();
        schema_checks(spec, spec.deref(body.schema), "", &mut checks, 0);
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
            if let Some(n) = extensions::max_key_length(schema).map(Literal::u64_suffixed) {
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

/// The webhook events the `webhooks` module parses: for each event type of
/// the spec's webhooks, its event type on the wire, the type it parses into
/// and the variant of the events' union that wraps that type.
fn webhook_events(spec: &LoadedSpec, names: &RustNames) -> Result<TokenStream, SpecError> {
    let marker = extensions::webhook_event_marker(spec)?;
    let hooks = extensions::webhooks(spec)?;
    let Some(marker) = marker else {
        if !hooks.is_empty() {
            return Err(spec.error_at(
                &extensions::webhooks_pointer(),
                format!(
                    "no tag names the union of these webhook events (`{}`: {{$ref: ...}}); the SDK's `webhooks` module parses into it",
                    extensions::WEBHOOK_EVENT
                ),
            ));
        }
        return Ok(quote! {
            /// The spec describes no webhook events: nothing parses into this.
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub enum WebhookEvent {}

            pub(crate) static WEBHOOK_EVENTS: &[crate::webhooks::EventKind] = &[];

            pub(crate) fn webhook_event_type(event: &WebhookEvent) -> &'static str {
                match *event {}
            }
        });
    };
    let union = marker.reference.trim_start_matches("#/components/schemas/");
    let variants = names.unions.get(union).ok_or_else(|| {
        spec.error_at(
            &marker.pointer,
            format!(
                "the generated client has no union `types::{union}` (from `{}`)",
                marker.reference
            ),
        )
    })?;
    let union_ident = format_ident!("{union}");
    let mut kinds = Vec::new();
    let mut arms = Vec::new();
    for hook in &hooks {
        let event_type = hook.event_type;
        let pointer = format!(
            "{}/requestBody/content/application~1json/schema",
            hook.post_pointer()
        );
        let schema = spec
            .json
            .pointer(&pointer)
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .map(|r| r.trim_start_matches("#/components/schemas/"))
            .ok_or_else(|| {
                spec.error_at(&pointer, "an event's body must be a `$ref` to its schema")
            })?;
        let variant = variants
            .iter()
            .find(|(_, wrapped)| wrapped == schema)
            .map(|(variant, _)| format_ident!("{variant}"))
            .ok_or_else(|| {
                spec.error_at(
                    &pointer,
                    format!("`{schema}` is not a member of the webhook events' union `{union}`"),
                )
            })?;
        let ty = format_ident!("{schema}");
        kinds.push(quote! {
            crate::webhooks::EventKind {
                event_type: #event_type,
                parse: crate::webhooks::parse_event::<types::#ty>,
            },
        });
        arms.push(quote!(types::#union_ident::#variant(_) => #event_type,));
    }
    if hooks.len() != variants.len() {
        return Err(spec.error_at(
            &extensions::webhooks_pointer(),
            format!(
                "the union `{union}` has {} members and the webhooks {} event types; every event needs both",
                variants.len(),
                hooks.len()
            ),
        ));
    }
    Ok(quote! {
        /// The union of every webhook event.
        pub type WebhookEvent = types::#union_ident;

        /// Every webhook event type of the spec, and how to parse its body.
        pub(crate) static WEBHOOK_EVENTS: &[crate::webhooks::EventKind] = &[#(#kinds)*];

        /// The event type on the wire of a webhook event.
        pub(crate) fn webhook_event_type(event: &WebhookEvent) -> &'static str {
            match event {
                #(#arms)*
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn real_text() -> String {
        std::fs::read_to_string(crate::workspace_root().join(crate::codegen::SPEC)).unwrap()
    }

    fn webhook_table(text: String) -> Result<String, SpecError> {
        let spec =
            crate::spec::parse(Path::new("spec.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
        let (client, _) = crate::progenitor_output::client::generate(&spec).unwrap();
        let names = RustNames::read(&client);
        webhook_events(&spec, &names).map(|t| t.to_string().replace(' ', ""))
    }

    #[test]
    fn every_webhook_event_type_parses_into_its_member_of_the_union() {
        let table = webhook_table(real_text()).unwrap();
        assert!(
            table.contains(r#"event_type:"report.delivered",parse:crate::webhooks::parse_event::<types::ReportDeliveredEvent>"#),
            "{table}"
        );
        assert!(
            table.contains(r#"types::WebhookEvent::ReportDeliveredEvent(_)=>"report.delivered""#),
            "{table}"
        );
    }

    #[test]
    fn a_spec_without_webhooks_has_no_events() {
        let mut spec: serde_json::Value = serde_yaml::from_str(&real_text()).unwrap();
        let object = spec.as_object_mut().unwrap();
        object.remove(extensions::WEBHOOKS);
        for tag in object["tags"].as_array_mut().unwrap() {
            tag.as_object_mut()
                .unwrap()
                .remove(extensions::WEBHOOK_EVENT);
        }
        let table = webhook_table(serde_yaml::to_string(&spec).unwrap()).unwrap();
        assert!(table.contains("pubenumWebhookEvent{}"), "{table}");
        assert!(
            table.contains("WEBHOOK_EVENTS:&[crate::webhooks::EventKind]=&[];"),
            "{table}"
        );
    }

    #[test]
    fn an_event_missing_from_the_union_is_a_located_error() {
        let text = real_text().replacen(
            "        - $ref: \"#/components/schemas/ReportDeliveredEvent\"\n",
            "",
            1,
        );
        let error = webhook_table(text).unwrap_err().to_string();
        assert!(
            error.contains(
                "`ReportDeliveredEvent` is not a member of the webhook events' union `WebhookEvent`"
            ),
            "{error}"
        );
        assert!(
            error.contains("report.delivered/post/requestBody"),
            "{error}"
        );
    }
}
