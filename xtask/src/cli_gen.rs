//! The glue between progenitor's clap command set and the `avara` CLI,
//! generated from the same spec and appended to `avara-cli/src/generated.rs`.
//!
//! progenitor's CLI code sends requests with `.send()` and reports through
//! synchronous hooks, which cannot reach the SDK's awaited calls or its pager.
//! So the CLI only takes progenitor's argument definitions (`Cli::get_command`)
//! and this module generates the rest, per operation:
//!
//! - `request_<op>(client, matches)`: the builder filled from the parsed
//!   arguments. Its statements are lifted verbatim from progenitor's own
//!   `execute_<op>` (so argument names and types always agree with the
//!   definitions), followed by `KEY=VALUE` arguments for the string maps of
//!   the body that progenitor skips (its arguments are scalars only).
//! - `execute(cmd, ...)`: awaits the builder through the SDK (typed errors,
//!   retries, validation) or, for operations marked `x-avara-pagination`,
//!   pages through `stream()` when asked for every item.
//! - `TAGS` and `OPERATIONS`: the command groups (tags with their
//!   descriptions), positional path parameters, pagination, table columns.

use heck::{ToKebabCase, ToPascalCase, ToSnakeCase};
use openapiv3::{AdditionalProperties, OpenAPI, Operation, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use serde_json::Value;

use crate::spec::LoadedSpec;

struct Op<'a> {
    id: &'a str,
    operation: &'a Operation,
}

/// The type each body builder setter of the generated client converts into,
/// by `(body type, setter)`, as Rust source relative to the crate path.
pub type SetterTypes = std::collections::HashMap<(String, String), String>;

/// Generates the glue; `cli` is progenitor's CLI output, `setters` the
/// client's body builder setter types (see [`setter_types`]).
pub fn generate(
    spec: &LoadedSpec,
    cli: &syn::File,
    setters: &SetterTypes,
) -> Result<TokenStream, String> {
    let openapi = &spec.openapi;
    let mut ops = Vec::new();
    for (_, item) in &openapi.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let id = operation
                .operation_id
                .as_deref()
                .ok_or("an operation has no operationId")?;
            ops.push(Op { id, operation });
        }
    }

    let tags = openapi.tags.iter().map(|tag| {
        let name = &tag.name;
        let description = tag.description.as_deref().unwrap_or_default().trim();
        quote! { Tag { name: #name, description: #description } }
    });

    let mut operations = Vec::new();
    let mut request_fns = Vec::new();
    let mut extra_arms = Vec::new();
    let mut execute_arms = Vec::new();
    for op in &ops {
        let id = op.id;
        let variant = format_ident!("{}", id.to_pascal_case());
        let request_fn = format_ident!("request_{}", id.to_snake_case());
        let method = format_ident!("{}", id.to_snake_case());
        let builder_ty = format_ident!("{}", id.to_pascal_case());
        let tag = op
            .operation
            .tags
            .first()
            .ok_or_else(|| format!("operation `{id}` has no tag"))?;
        let positional = op.operation.parameters.iter().filter_map(|p| match p {
            ReferenceOr::Item(openapiv3::Parameter::Path { parameter_data, .. }) => {
                Some(parameter_data.name.to_kebab_case())
            }
            _ => None,
        });
        let items_field = op
            .operation
            .extensions
            .get("x-avara-pagination")
            .and_then(|p| p.get("itemsField"))
            .and_then(Value::as_str);
        let cursor_arg = op
            .operation
            .extensions
            .get("x-avara-pagination")
            .and_then(|p| p.get("requestCursorParam"))
            .and_then(Value::as_str)
            .map(|name| name.to_kebab_case());
        let pagination = match (items_field, cursor_arg) {
            (Some(field), Some(cursor)) => {
                quote! { Some(Pagination { items_field: #field, cursor_arg: #cursor }) }
            }
            _ => quote! { None },
        };
        let columns = columns(openapi, op.operation, items_field);
        operations.push(quote! {
            Operation {
                command: CliCommand::#variant,
                operation_id: #id,
                tag: #tag,
                positional: &[#(#positional),*],
                pagination: #pagination,
                columns: &[#(#columns),*],
            }
        });

        let consumers = progenitor_consumers(cli, id)?;
        let maps = body_maps(openapi, op.operation, setters)?;
        let map_args = maps.iter().map(|m| {
            let name = &m.arg;
            let help = &m.help;
            quote! {
                ::clap::Arg::new(#name)
                    .long(#name)
                    .value_name("KEY=VALUE")
                    .value_parser(parse_key_value)
                    .action(::clap::ArgAction::Append)
                    .help(#help)
            }
        });
        extra_arms.push(quote! { CliCommand::#variant => vec![#(#map_args),*], });
        let map_consumers = maps.iter().map(|m| {
            let name = &m.arg;
            let setter = &m.setter;
            let ty = &m.ty;
            let context = format!("invalid --{name}");
            quote! {
                if let Some(pairs) = matches.get_many::<(String, String)>(#name) {
                    let value: #ty = serde_json::from_value(key_values_json(pairs))
                        .context(#context)?;
                    request = request.body_map(move |body| body.#setter(value));
                }
            }
        });
        request_fns.push(quote! {
            /// The request of this operation, filled from parsed arguments.
            pub fn #request_fn<'a>(
                client: &'a Client,
                matches: &::clap::ArgMatches,
            ) -> anyhow::Result<builder::#builder_ty<'a>> {
                let mut request = client.#method();
                #(#consumers)*
                #(#map_consumers)*
                Ok(request)
            }
        });
        let run = if items_field.is_some() {
            quote! {
                if all {
                    sink.list_start();
                    let mut items = request.stream();
                    while let Some(item) = futures::TryStreamExt::try_next(&mut items)
                        .await
                        .map_err(ExecError::Api)?
                    {
                        sink.list_item(serde_json::to_value(&item).map_err(ExecError::Encode)?);
                    }
                    sink.list_end();
                } else {
                    let value = request.await.map_err(ExecError::Api)?;
                    sink.item(serde_json::to_value(&value).map_err(ExecError::Encode)?);
                }
            }
        } else {
            quote! {
                let _ = all;
                let value = request.await.map_err(ExecError::Api)?;
                sink.item(serde_json::to_value(&value).map_err(ExecError::Encode)?);
            }
        };
        execute_arms.push(quote! {
            CliCommand::#variant => {
                let request = #request_fn(client, matches).map_err(ExecError::Args)?;
                #run
            }
        });
    }

    Ok(quote! {
        /// A tag of the spec: a command group of the CLI.
        pub struct Tag {
            /// The tag's name, the group's command name.
            pub name: &'static str,
            /// The tag's description.
            pub description: &'static str,
        }

        /// How a paginated operation returns its items.
        pub struct Pagination {
            /// The field of a page that holds its items.
            pub items_field: &'static str,
            /// The argument that carries the request cursor.
            pub cursor_arg: &'static str,
        }

        /// What the CLI needs to know of an operation beyond its arguments.
        pub struct Operation {
            /// progenitor's command of the operation.
            pub command: CliCommand,
            /// The operation's `operationId`.
            pub operation_id: &'static str,
            /// The operation's first tag.
            pub tag: &'static str,
            /// The path parameters, in order: positional arguments.
            pub positional: &'static [&'static str],
            /// `Some` for operations marked `x-avara-pagination`.
            pub pagination: Option<Pagination>,
            /// The properties of the returned object (or of a page's items),
            /// in the spec's order: the columns of a table.
            pub columns: &'static [&'static str],
        }

        /// The spec's tags.
        pub const TAGS: &[Tag] = &[#(#tags),*];

        /// Every operation of the spec.
        pub const OPERATIONS: &[Operation] = &[#(#operations),*];

        /// Arguments progenitor does not generate: `KEY=VALUE` pairs for the
        /// string maps of a request body.
        pub fn extra_args(cmd: CliCommand) -> Vec<::clap::Arg> {
            match cmd {
                #(#extra_arms)*
            }
        }

        #(#request_fns)*

        /// Runs `cmd` through the SDK and hands what it returns to `sink`;
        /// with `all`, a paginated operation yields every item of every page.
        pub async fn execute(
            cmd: CliCommand,
            client: &Client,
            matches: &::clap::ArgMatches,
            all: bool,
            sink: &mut dyn Sink,
        ) -> Result<(), ExecError> {
            match cmd {
                #(#execute_arms)*
            }
            Ok(())
        }
    })
}

/// The statements of progenitor's `execute_<op>` that fill the request from
/// the argument matches: those between `let mut request = ...;` and the call
/// of the `CliConfig` hook.
fn progenitor_consumers(cli: &syn::File, id: &str) -> Result<Vec<TokenStream>, String> {
    let wanted = format!("execute_{id}");
    let function = cli
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .flat_map(|imp| imp.items.iter())
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == wanted => Some(f),
            _ => None,
        })
        .ok_or_else(|| format!("progenitor's CLI has no `{wanted}`"))?;
    let stmts = &function.block.stmts;
    let first = stmts
        .first()
        .map(|s| s.to_token_stream().to_string())
        .unwrap_or_default();
    if !first.starts_with("let mut request = self . client .") {
        return Err(format!(
            "`{wanted}` does not start with the request: {first}"
        ));
    }
    let mut out = Vec::new();
    for stmt in &stmts[1..] {
        let tokens = stmt.to_token_stream();
        let text = tokens.to_string();
        if text.contains("self . config") {
            return Ok(out);
        }
        if text.contains("self") {
            return Err(format!("`{wanted}` fills the request with `self`: {text}"));
        }
        out.push(tokens);
    }
    Err(format!("`{wanted}` calls no `CliConfig` hook"))
}

/// A string map of a request body, as a repeatable `--name KEY=VALUE`.
struct MapArg {
    arg: String,
    help: String,
    setter: syn::Ident,
    ty: TokenStream,
}

fn body_maps(
    openapi: &OpenAPI,
    op: &Operation,
    setters: &SetterTypes,
) -> Result<Vec<MapArg>, String> {
    let Some(ReferenceOr::Item(body)) = &op.request_body else {
        return Ok(Vec::new());
    };
    let Some(schema) = body
        .content
        .get("application/json")
        .and_then(|m| m.schema.as_ref())
    else {
        return Ok(Vec::new());
    };
    let ReferenceOr::Reference { reference } = schema else {
        return Ok(Vec::new());
    };
    let type_name = reference
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_pascal_case();
    let Some(Schema {
        schema_kind: SchemaKind::Type(Type::Object(object)),
        ..
    }) = resolve(openapi, schema)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, property) in &object.properties {
        let property = unbox(property);
        let Some(resolved) = resolve(openapi, &property) else {
            continue;
        };
        let is_string_map = match &resolved.schema_kind {
            SchemaKind::Type(Type::Object(map)) => match &map.additional_properties {
                Some(AdditionalProperties::Schema(values)) => matches!(
                    resolve(openapi, values),
                    Some(Schema {
                        schema_kind: SchemaKind::Type(Type::String(_)),
                        ..
                    })
                ),
                _ => false,
            },
            _ => false,
        };
        if !is_string_map {
            continue;
        }
        let setter = format_ident!("{}", name.to_snake_case());
        let ty = setters
            .get(&(type_name.clone(), setter.to_string()))
            .ok_or_else(|| format!("the client has no `types::builder::{type_name}::{setter}`"))?;
        let ty: TokenStream = syn::parse_str::<syn::Type>(ty)
            .map(|ty| ty.to_token_stream())
            .map_err(|e| format!("setter type `{ty}`: {e}"))?;
        let description = property_description(openapi, &property, resolved);
        let first_paragraph = description.split("\n\n").next().unwrap_or_default();
        let help = format!(
            "{} Repeat for several pairs.",
            first_paragraph
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        )
        .trim()
        .to_string();
        out.push(MapArg {
            arg: name.to_kebab_case(),
            help,
            setter,
            ty,
        });
    }
    Ok(out)
}

fn property_description(
    openapi: &OpenAPI,
    property: &ReferenceOr<Schema>,
    resolved: &Schema,
) -> String {
    match property {
        ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
        ReferenceOr::Reference { .. } => None,
    }
    .or_else(|| resolved.schema_data.description.clone())
    .or_else(|| resolve(openapi, property).and_then(|s| s.schema_data.description.clone()))
    .unwrap_or_default()
}

/// The type that every `types::builder::<Body>::<setter>` of the generated
/// client converts into (the `T: TryInto<Type>` bound progenitor writes),
/// with `super::` made relative to the crate path.
pub fn setter_types(client: &syn::File) -> SetterTypes {
    fn module<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
        items.iter().find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| &i[..]),
            _ => None,
        })
    }
    let mut out = SetterTypes::new();
    let Some(builder) = module(&client.items, "types").and_then(|types| module(types, "builder"))
    else {
        return out;
    };
    for imp in builder.iter().filter_map(|item| match item {
        syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
        _ => None,
    }) {
        let body = imp.self_ty.to_token_stream().to_string();
        for function in imp.items.iter().filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        }) {
            let Some(syn::WherePredicate::Type(bound)) = function
                .sig
                .generics
                .where_clause
                .as_ref()
                .and_then(|w| w.predicates.first())
            else {
                continue;
            };
            let Some(syn::TypeParamBound::Trait(tr)) = bound.bounds.first() else {
                continue;
            };
            let Some(syn::PathArguments::AngleBracketed(args)) =
                tr.path.segments.last().map(|last| &last.arguments)
            else {
                continue;
            };
            let Some(syn::GenericArgument::Type(ty)) = args.args.first() else {
                continue;
            };
            let text = ty
                .to_token_stream()
                .to_string()
                .replace("super ::", "types ::");
            out.insert((body.clone(), function.sig.ident.to_string()), text);
        }
    }
    out
}

/// A property schema as a reference-or-item, unboxed.
fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(item) => ReferenceOr::Item((**item).clone()),
    }
}

/// Follows `$ref`s and single-member `allOf`s to the schema that says what
/// a value is.
fn resolve<'a>(openapi: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    let mut current = schema;
    for _ in 0..32 {
        match current {
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/schemas/")?;
                current = openapi.components.as_ref()?.schemas.get(name)?;
            }
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::AllOf { all_of },
                ..
            }) if all_of.len() == 1 => current = &all_of[0],
            // `type: object` beside a one-member `allOf` (how the spec makes
            // a referenced schema nullable).
            ReferenceOr::Item(Schema {
                schema_kind: SchemaKind::Any(any),
                ..
            }) if any.all_of.len() == 1 => current = &any.all_of[0],
            ReferenceOr::Item(item) => return Some(item),
        }
    }
    None
}

fn resolve_owned<'a>(
    openapi: &'a OpenAPI,
    schema: &'a ReferenceOr<Box<Schema>>,
) -> Option<&'a Schema> {
    match schema {
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            resolve(openapi, openapi.components.as_ref()?.schemas.get(name)?)
        }
        ReferenceOr::Item(item) => match &item.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => resolve(openapi, &all_of[0]),
            _ => Some(item),
        },
    }
}

/// The property names of the first success response's object (or of a
/// page's items), in the spec's order.
fn columns(openapi: &OpenAPI, op: &Operation, items_field: Option<&str>) -> Vec<String> {
    let response = op
        .responses
        .responses
        .iter()
        .filter(|(code, _)| code.to_string().starts_with('2'))
        .find_map(|(_, response)| match response {
            ReferenceOr::Item(r) => Some(r),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                match openapi.components.as_ref()?.responses.get(name)? {
                    ReferenceOr::Item(r) => Some(r),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        });
    let Some(schema) = response
        .and_then(|r| r.content.get("application/json"))
        .and_then(|m| m.schema.as_ref())
        .and_then(|s| resolve(openapi, s))
    else {
        return Vec::new();
    };
    let as_object = |schema: &Schema| match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => Some(object.clone()),
        _ => None,
    };
    let Some(mut object) = as_object(schema) else {
        return Vec::new();
    };
    if let Some(field) = items_field {
        let items = object
            .properties
            .get(field)
            .and_then(|p| resolve_owned(openapi, p));
        let item = match items.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Array(array))) => {
                array.items.as_ref().and_then(|i| resolve_owned(openapi, i))
            }
            _ => None,
        };
        match item.and_then(as_object) {
            Some(inner) => object = inner,
            None => return Vec::new(),
        }
    }
    object.properties.keys().cloned().collect()
}

/// Removes what progenitor's CLI generates for running commands itself
/// (`Cli::new`, `Cli::execute*` and the `CliConfig` trait of hooks they
/// call): the `avara` CLI runs every command through the SDK (the glue's
/// `execute`), so only the command definitions stay, on a plain `Cli`.
/// Call after [`generate`], which lifts the argument handling out of
/// progenitor's `execute_<op>` functions.
pub fn prune_execution(cli: &mut syn::File) -> Result<(), String> {
    let mut found_struct = false;
    cli.items
        .retain(|item| !matches!(item, syn::Item::Trait(t) if t.ident == "CliConfig"));
    for item in &mut cli.items {
        match item {
            syn::Item::Struct(s) if s.ident == "Cli" => {
                found_struct = true;
                *s = syn::parse_quote! {
                    /// progenitor's command definitions, one per operation.
                    pub struct Cli;
                };
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_cli(&imp.self_ty) => {
                imp.generics = syn::Generics::default();
                imp.self_ty = Box::new(syn::parse_quote!(Cli));
                imp.items.retain(|item| match item {
                    syn::ImplItem::Fn(f) => {
                        let name = f.sig.ident.to_string();
                        name == "get_command" || name.starts_with("cli_")
                    }
                    _ => true,
                });
            }
            _ => {}
        }
    }
    if !found_struct {
        return Err("progenitor's CLI has no `Cli` struct".into());
    }
    let text = cli.to_token_stream().to_string();
    if text.contains("CliConfig") || text.contains("execute_") {
        return Err("progenitor's CLI still names `CliConfig` or `execute_*` after pruning".into());
    }
    Ok(())
}

fn is_cli(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Cli"))
}
