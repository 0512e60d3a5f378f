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
//!   retries, validation) or, for operations with a cursor protocol, pages
//!   through `stream()` when asked for every item.
//! - `RESOURCES` and `OPERATIONS`: the command tree. Each operation is
//!   `avara <resource segments> <verb>`, from the spec's resource path
//!   ([`SpecOperation::resource`]) and verb ([`SpecOperation::verb`]) in
//!   kebab-case; each resource node is described by its tag (or, without a
//!   tag of its own, by a generated line). Plus the positional path
//!   parameters (in path order), pagination and table columns.
//!   [`check_command_tree`] refuses a spec whose tree cannot be a clap
//!   command tree (a verb named like a child resource, a built-in name).

use heck::ToKebabCase;
use openapiv3::{Operation, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

use crate::progenitor_output::names::{OperationNames, RustNames};
use crate::progenitor_output::{self, client::SetterTypes};
use crate::resource_tree::{ResourceTree, path_parameters};
use crate::spec::{LoadedSpec, SpecError, SpecOperation};

/// The commands the `avara` CLI defines beside the resources (its top-level
/// `completions` and `man`, clap's `help` at every level): a resource or
/// verb of the spec may not take these names.
pub const RESERVED_TOP_LEVEL: &[&str] = &["completions", "man", "help"];
/// The command clap adds to every command with subcommands.
pub const RESERVED_EVERYWHERE: &[&str] = &["help"];

/// The command name of a spec name (a resource segment or a verb).
fn command_name(name: &str) -> String {
    name.to_kebab_case()
}

/// Checks that the operations make a command tree: under every resource
/// node, each verb and child resource has a command name of its own, and
/// none takes a name of the CLI's own commands. An error is located at the
/// operation whose verb or tag takes the name.
pub fn check_command_tree(spec: &LoadedSpec) -> Result<(), SpecError> {
    let tree = ResourceTree::build(spec)?;
    let ops = spec.operations();
    for op in &ops {
        let resource = op.resource();
        let verb = command_name(op.verb());
        let verb_pointer = format!("{}/operationId", op.pointer);
        let tag_pointer = format!("{}/tags/0", op.pointer);
        // A verb sits under its resource, never at the top.
        if RESERVED_EVERYWHERE.contains(&verb.as_str()) {
            return Err(spec.error_at(
                &verb_pointer,
                format!(
                    "the verb `{}` of operation `{}` is the CLI's own `{verb}` command",
                    op.verb(),
                    op.id
                ),
            ));
        }
        for (depth, segment) in resource.iter().enumerate() {
            let name = command_name(segment);
            let reserved = if depth == 0 {
                RESERVED_TOP_LEVEL
            } else {
                RESERVED_EVERYWHERE
            };
            if reserved.contains(&name.as_str()) {
                return Err(spec.error_at(
                    &tag_pointer,
                    format!(
                        "the resource `{}` (tag of operation `{}`) is named like the CLI's own `{name}` command",
                        resource[..=depth].join("."),
                        op.id
                    ),
                ));
            }
        }
    }
    // Distinct snake_case names could share a kebab-case command name.
    for node in &tree.nodes {
        let path = &node.path;
        let parent = &path[..path.len() - 1];
        let name = command_name(path[path.len() - 1]);
        let twin = tree.nodes.iter().map(|n| &n.path).find(|other| {
            *other != path
                && other.len() == path.len()
                && other.starts_with(parent)
                && command_name(other[other.len() - 1]) == name
        });
        if let Some(other) = twin {
            let op = ops
                .iter()
                .find(|op| op.resource().starts_with(path))
                .expect("every node comes from an operation");
            return Err(spec.error_at(
                &format!("{}/tags/0", op.pointer),
                format!(
                    "the resources `{}` and `{}` have the same command name `{name}`",
                    path.join("."),
                    other.join(".")
                ),
            ));
        }
    }
    Ok(())
}

/// Generates the glue; `cli` is progenitor's CLI output, `setters` the
/// client's body builder setter types (see [`setter_types`](progenitor_output::client::setter_types)) and `names` the
/// client's names of operations and fields.
pub fn generate(
    spec: &LoadedSpec,
    cli: &syn::File,
    setters: &SetterTypes,
    names: &RustNames,
) -> Result<TokenStream, String> {
    let ops = spec.operations();

    let tree = ResourceTree::build(spec).map_err(|e| e.to_string())?;
    let resources = tree.nodes.iter().map(|node| {
        let tag_name = node.name();
        let commands = node.path.iter().map(|s| command_name(s));
        let description = node
            .description()
            .map(str::to_string)
            .unwrap_or_else(|| format!("Operations under {tag_name}"));
        quote! {
            Resource { path: &[#(#commands),*], tag: #tag_name, description: #description }
        }
    });
    let mut operations = Vec::new();
    let mut request_fns = Vec::new();
    let mut extra_arms = Vec::new();
    let mut execute_arms = Vec::new();
    for op in &ops {
        let id = op.id;
        let op_names = names.operation(id)?;
        let variant = progenitor_output::cli::command_variant(cli, id)?;
        let request_fn = format_ident!("request_{}", op_names.method);
        let method = format_ident!("{}", op_names.method);
        let builder_ty = format_ident!("{}", op_names.builder);
        let resource = op.resource().into_iter().map(command_name);
        let verb = command_name(op.verb());
        let positional = path_parameters(spec, op)
            .iter()
            .map(|p| progenitor_output::cli::argument(cli, op_names, p.name))
            .collect::<Result<Vec<_>, _>>()?;
        let items_field = op.pagination.map(|p| p.items.name.as_str());
        let pagination = match op.pagination {
            Some(pagination) => {
                let field = &pagination.items.name;
                let cursor = progenitor_output::cli::argument(
                    cli,
                    op_names,
                    &pagination.request_cursor_param,
                )?;
                quote! { Some(Pagination { items_field: #field, cursor_arg: #cursor }) }
            }
            None => quote! { None },
        };
        let columns = columns(spec, op.operation, items_field);
        operations.push(quote! {
            Operation {
                command: CliCommand::#variant,
                operation_id: #id,
                resource: &[#(#resource),*],
                verb: #verb,
                positional: &[#(#positional),*],
                pagination: #pagination,
                columns: &[#(#columns),*],
            }
        });

        let consumers = progenitor_output::cli::request_statements(cli, &op_names.method)?;
        let maps = body_maps(spec, op, op_names, names, setters)?;
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

    let reserved = RESERVED_TOP_LEVEL;
    Ok(quote! {
        /// A resource of the spec: a command group of the CLI, holding the
        /// commands of its operations and of its child resources.
        pub struct Resource {
            /// The command names from the top: `["auto-scribe", "studies"]`.
            pub path: &'static [&'static str],
            /// The resource as the spec's tags name it: `auto_scribe.studies`.
            pub tag: &'static str,
            /// Its tag's description, or a generated line for a resource
            /// that has no tag of its own.
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
            /// The command names of its resource: `["auto-scribe", "studies"]`.
            pub resource: &'static [&'static str],
            /// The command name of its verb on that resource: `create`.
            pub verb: &'static str,
            /// The path parameters, in path order: positional arguments.
            pub positional: &'static [&'static str],
            /// `Some` for operations that page with a cursor (the spec's
            /// pagination extension).
            pub pagination: Option<Pagination>,
            /// The properties of the returned object (or of a page's items),
            /// in the spec's order: the columns of a table.
            pub columns: &'static [&'static str],
        }

        /// Every resource node, parents before their children.
        pub const RESOURCES: &[Resource] = &[#(#resources),*];

        /// The names of the CLI's own top-level commands, which no resource
        /// takes (checked by codegen).
        pub const RESERVED_TOP_LEVEL: &[&str] = &[#(#reserved),*];

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

/// A string map of a request body, as a repeatable `--name KEY=VALUE`.
struct MapArg {
    arg: String,
    help: String,
    setter: syn::Ident,
    ty: TokenStream,
}

fn body_maps(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    op_names: &OperationNames,
    names: &RustNames,
    setters: &SetterTypes,
) -> Result<Vec<MapArg>, String> {
    let (Some(body), Some(type_name)) = (op.json_body(spec), &op_names.body) else {
        return Ok(Vec::new());
    };
    let schema = spec.schema_json(body.schema);
    let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for name in op.json_body_properties(spec) {
        let Some(property) = properties.get(name) else {
            continue;
        };
        let resolved = spec.schema_json(property);
        let is_string_map = resolved.get("type").and_then(|t| t.as_str()) == Some("object")
            && resolved
                .get("additionalProperties")
                .filter(|a| a.is_object())
                .map(|values| spec.schema_json(values))
                .and_then(|values| values.get("type"))
                .and_then(|t| t.as_str())
                == Some("string");
        if !is_string_map {
            continue;
        }
        let field = names.field(type_name, name)?;
        let setter = format_ident!("{}", field.ident);
        let ty = setters
            .get(&(type_name.clone(), setter.to_string()))
            .ok_or_else(|| format!("the client has no `types::builder::{type_name}::{setter}`"))?;
        let ty: TokenStream = syn::parse_str::<syn::Type>(ty)
            .map(|ty| ty.to_token_stream())
            .map_err(|e| format!("setter type `{ty}`: {e}"))?;
        let description = spec.description(property).unwrap_or_default();
        let help = format!("{} Repeat for several pairs.", one_line(description))
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

/// The first paragraph of a description, on one line.
fn one_line(description: &str) -> String {
    let first_paragraph = description.split("\n\n").next().unwrap_or_default();
    first_paragraph
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The property names of the first success response's object (or of a
/// page's items), in the spec's order.
fn columns(spec: &LoadedSpec, op: &Operation, items_field: Option<&str>) -> Vec<String> {
    let response = op
        .responses
        .responses
        .iter()
        .filter(|(code, _)| code.to_string().starts_with('2'))
        .find_map(|(_, response)| spec.resolve_response(response));
    let Some(schema) = response
        .and_then(|r| r.content.get("application/json"))
        .and_then(|m| m.schema.as_ref())
        .and_then(|s| spec.resolve_schema(s))
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
            .and_then(|p| spec.resolve_boxed_schema(p));
        let item = match items.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::Array(array))) => array
                .items
                .as_ref()
                .and_then(|i| spec.resolve_boxed_schema(i)),
            _ => None,
        };
        match item.and_then(as_object) {
            Some(inner) => object = inner,
            None => return Vec::new(),
        }
    }
    object.properties.keys().cloned().collect()
}
