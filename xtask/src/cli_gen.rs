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

use crate::resource_tree::{ResourceTree, path_parameters};
use crate::rust_names::{OperationNames, RustNames};
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

/// The type each body builder setter of the generated client converts into,
/// by `(body type, setter)`, as Rust source relative to the crate path.
pub type SetterTypes = std::collections::HashMap<(String, String), String>;

/// Generates the glue; `cli` is progenitor's CLI output, `setters` the
/// client's body builder setter types (see [`setter_types`]) and `names` the
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
        let variant = cli_command(cli, id)?;
        let request_fn = format_ident!("request_{}", op_names.method);
        let method = format_ident!("{}", op_names.method);
        let builder_ty = format_ident!("{}", op_names.builder);
        let resource = op.resource().into_iter().map(command_name);
        let verb = command_name(op.verb());
        let positional = path_parameters(spec, op)
            .iter()
            .map(|p| cli_argument(cli, op_names, p.name))
            .collect::<Result<Vec<_>, _>>()?;
        let items_field = op.pagination.map(|p| p.items.name.as_str());
        let pagination = match op.pagination {
            Some(pagination) => {
                let field = &pagination.items.name;
                let cursor = cli_argument(cli, op_names, &pagination.request_cursor_param)?;
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

        let consumers = json_body_first(progenitor_consumers(cli, &op_names.method)?)?;
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

/// Puts the `--json-body` statement first, rewritten to a bounded read.
///
/// progenitor applies `--json-body` after the field flags and replaces the
/// whole body with the file (unbounded `read_to_string`), so the file
/// silently wins over `--org-name` while `--metadata` (applied after) wins
/// over the file. The CLI's documented rule (`avara-cli/src/json_body.rs`) is
/// that the file is the starting body and every field flag replaces its
/// field: so the file goes first, and every field setter (progenitor's and
/// ours, all `body_map`) follows.
fn json_body_first(consumers: Vec<TokenStream>) -> Result<Vec<TokenStream>, String> {
    let (json_body, mut fields): (Vec<_>, Vec<_>) = consumers
        .into_iter()
        .partition(|stmt| stmt.to_string().contains("\"json-body\""));
    let body_ty = match json_body.as_slice() {
        [] => return Ok(fields),
        [stmt] => json_body_type(stmt)?,
        _ => return Err("progenitor reads `--json-body` in more than one statement".into()),
    };
    fields.insert(
        0,
        quote! {
            if let Some(path) = matches.get_one::<std::path::PathBuf>("json-body") {
                request = request.body(crate::json_body::read::<#body_ty>(path)?);
            }
        },
    );
    Ok(fields)
}

/// The body type progenitor parses `--json-body` into: the `T` of its
/// `serde_json::from_str::<T>`.
fn json_body_type(stmt: &TokenStream) -> Result<syn::Type, String> {
    let text = stmt.to_string();
    let marker = "serde_json :: from_str :: <";
    let start = text
        .find(marker)
        .map(|i| i + marker.len())
        .ok_or_else(|| format!("progenitor's `--json-body` statement parses no type: {text}"))?;
    let mut depth = 0usize;
    for (i, c) in text[start..].char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => {
                let ty = &text[start..start + i];
                return syn::parse_str(ty).map_err(|e| format!("`--json-body` type `{ty}`: {e}"));
            }
            '>' => depth -= 1,
            _ => {}
        }
    }
    Err(format!(
        "progenitor's `--json-body` type is not closed: {text}"
    ))
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

/// progenitor's `CliCommand` variant of operation `id`, read from its
/// `CliCommand::operation_id` (`CliCommand::OrgsList => "orgs_list"`).
fn cli_command(cli: &syn::File, id: &str) -> Result<syn::Ident, String> {
    command_arms(cli)
        .find(|(arm_id, _)| arm_id == id)
        .map(|(_, command)| command)
        .ok_or_else(|| format!("progenitor's CLI has no `CliCommand` for `{id}`"))
}

/// The operation ids that progenitor's CLI (formatted text) has a command for.
pub fn operation_ids(cli: &str) -> std::collections::HashSet<String> {
    syn::parse_file(cli)
        .map(|file| command_arms(&file).map(|(id, _)| id).collect())
        .unwrap_or_default()
}

/// Each `(operation id, CliCommand variant)` of `CliCommand::operation_id`.
fn command_arms(cli: &syn::File) -> impl Iterator<Item = (String, syn::Ident)> + '_ {
    cli.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .flat_map(|imp| imp.items.iter())
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "operation_id" => Some(f),
            _ => None,
        })
        .filter_map(|f| match f.block.stmts.first() {
            Some(syn::Stmt::Expr(syn::Expr::Match(m), _)) => Some(m),
            _ => None,
        })
        .flat_map(|m| m.arms.iter())
        .filter_map(|arm| {
            let body = match &*arm.body {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => s.value(),
                syn::Expr::Block(b) => match b.block.stmts.as_slice() {
                    [
                        syn::Stmt::Expr(
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(s),
                                ..
                            }),
                            None,
                        ),
                    ] => s.value(),
                    _ => return None,
                },
                _ => return None,
            };
            let syn::Pat::Path(path) = &arm.pat else {
                return None;
            };
            Some((body, path.path.segments.last()?.ident.clone()))
        })
}

/// The setter of each argument that progenitor's `execute_<method>` reads
/// (`matches.get_one::<T>("org-id")` then `request.org_id(...)` or
/// `body.org_name(...)`), as `(argument, setter, on the body)`.
fn cli_setters(cli: &syn::File, method: &str) -> Result<Vec<(String, String, bool)>, String> {
    let mut out = Vec::new();
    for stmt in progenitor_consumers(cli, method)? {
        let texts: Vec<String> = stmt.into_iter().flat_map(flatten_texts).collect();
        let Some(get) = texts.iter().position(|t| t == "get_one") else {
            continue;
        };
        let Some(arg) = texts[get..]
            .iter()
            .find_map(|t| match syn::parse_str::<syn::Lit>(t) {
                Ok(syn::Lit::Str(s)) => Some(s.value()),
                _ => None,
            })
        else {
            continue;
        };
        let setter = texts.windows(3).find_map(|w| {
            (matches!(w[0].as_str(), "request" | "body") && w[1] == "." && w[2] != "body_map")
                .then(|| (w[2].clone(), w[0] == "body"))
        });
        if let Some((setter, on_body)) = setter {
            out.push((arg, setter, on_body));
        }
    }
    Ok(out)
}

fn flatten_texts(tree: proc_macro2::TokenTree) -> Vec<String> {
    match tree {
        proc_macro2::TokenTree::Group(group) => {
            group.stream().into_iter().flat_map(flatten_texts).collect()
        }
        other => vec![other.to_string()],
    }
}

/// The CLI argument of the operation's parameter `name`, as progenitor
/// named it.
fn cli_argument(cli: &syn::File, op_names: &OperationNames, name: &str) -> Result<String, String> {
    let method = &op_names.method;
    let setter = op_names
        .parameters
        .get(name)
        .ok_or_else(|| format!("the client's builder `{method}` has no setter for `{name}`"))?;
    cli_setters(cli, method)?
        .into_iter()
        .find(|(_, s, on_body)| s == setter && !on_body)
        .map(|(arg, _, _)| arg)
        .ok_or_else(|| format!("progenitor's CLI of `{method}` has no argument for `{name}`"))
}

/// Gives every argument of progenitor's commands that has no help the
/// description of what it sets, falling back to the schema behind a
/// `$ref` (a property written `orgName: {$ref: OrgName}` is described by
/// `OrgName`). Call before [`prune_execution`].
pub fn describe_arguments(
    spec: &LoadedSpec,
    names: &RustNames,
    cli: &mut syn::File,
) -> Result<(), String> {
    let mut helps = Vec::new();
    for op in spec.operations() {
        let op_names = names.operation(op.id)?;
        let params = op.parameters(spec);
        let body = op.json_body(spec);
        let body_schema = body.as_ref().map(|b| spec.schema_json(b.schema));
        for (arg, setter, on_body) in cli_setters(cli, &op_names.method)? {
            let described = if on_body {
                let json_name = op_names.body.as_ref().and_then(|body_type| {
                    names
                        .structs
                        .get(body_type)?
                        .iter()
                        .find(|(_, f)| f.ident == setter)
                        .map(|(json, _)| json.clone())
                });
                json_name
                    .and_then(|json| body_schema?.get("properties")?.get(&json))
                    .and_then(|property| spec.description(property))
            } else {
                op_names
                    .parameters
                    .iter()
                    .find(|(_, s)| **s == setter)
                    .and_then(|(name, _)| params.iter().find(|p| p.name == name))
                    .and_then(|p| {
                        spec.description(p.json)
                            .or_else(|| p.json.get("schema").and_then(|s| spec.description(s)))
                    })
            };
            if let Some(text) = described {
                helps.push((
                    format!("cli_{}", op_names.method),
                    arg,
                    text.trim().to_string(),
                ));
            }
        }
    }
    for item in &mut cli.items {
        let syn::Item::Impl(imp) = item else {
            continue;
        };
        for f in imp.items.iter_mut().filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        }) {
            let name = f.sig.ident.to_string();
            for (_, arg, help) in helps.iter().filter(|(cmd, _, _)| *cmd == name) {
                for stmt in &mut f.block.stmts {
                    if let syn::Stmt::Expr(expr, _) = stmt {
                        add_help(expr, arg, help);
                    }
                }
            }
        }
    }
    Ok(())
}

/// In a method chain, appends `.help(help)` to `::clap::Arg::new(arg)...`
/// when that chain sets no help.
fn add_help(expr: &mut syn::Expr, arg: &str, help: &str) {
    if is_arg_chain(expr, arg) {
        if !chain_has_method(expr, "help") {
            let inner = std::mem::replace(expr, syn::Expr::Verbatim(TokenStream::new()));
            *expr = syn::parse_quote!(#inner.help(#help));
        }
        return;
    }
    let syn::Expr::MethodCall(call) = expr else {
        return;
    };
    add_help(&mut call.receiver, arg, help);
    for a in call.args.iter_mut() {
        add_help(a, arg, help);
    }
}

/// Whether the chain starts with `::clap::Arg::new("<arg>")`.
fn is_arg_chain(expr: &syn::Expr, arg: &str) -> bool {
    match expr {
        syn::Expr::MethodCall(call) => is_arg_chain(&call.receiver, arg),
        syn::Expr::Call(call) => {
            let callee = call.func.to_token_stream().to_string().replace(' ', "");
            callee.ends_with("Arg::new")
                && call.args.first().is_some_and(|a| {
                    matches!(a, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) if s.value() == arg)
                })
        }
        _ => false,
    }
}

fn chain_has_method(expr: &syn::Expr, method: &str) -> bool {
    match expr {
        syn::Expr::MethodCall(call) => {
            call.method == method || chain_has_method(&call.receiver, method)
        }
        _ => false,
    }
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
                *imp.self_ty = syn::parse_quote!(Cli);
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

/// Makes progenitor's array arguments usable: it parses an array query
/// parameter as one `Vec<T>` value (`value_parser!(Vec<T>)`, which clap
/// cannot build, so the CLI did not compile) and reads it back with
/// `get_one::<Vec<T>>`. The argument becomes repeatable and comma-separated
/// (`--status a --status b` or `--status a,b`), each value parsed as `T`, and
/// is read back with `get_many::<T>` into the `Vec<T>` the setter takes.
/// Call before [`generate`], which reuses progenitor's argument handling.
pub fn repeatable_array_arguments(cli: &mut syn::File) {
    for imp in cli.items.iter_mut().filter_map(|item| match item {
        syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
        _ => None,
    }) {
        for f in imp.items.iter_mut().filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        }) {
            for stmt in &mut f.block.stmts {
                match stmt {
                    syn::Stmt::Expr(expr, _) => repeatable_in(expr),
                    syn::Stmt::Local(local) => {
                        if let Some(init) = &mut local.init {
                            repeatable_in(&mut init.expr);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The element type `T` of `Vec<T>` (`::std::vec::Vec<T>` or `Vec<T>`).
fn vec_element(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
            syn::GenericArgument::Type(element) if args.args.len() == 1 => Some(element),
            _ => None,
        },
        _ => None,
    }
}

fn repeatable_in(expr: &mut syn::Expr) {
    match expr {
        syn::Expr::MethodCall(call) => {
            repeatable_in(&mut call.receiver);
            for arg in &mut call.args {
                repeatable_in(arg);
            }
            if call.method == "value_parser"
                && let Some(syn::Expr::Macro(m)) = call.args.first()
                && m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "value_parser")
                && let Ok(ty) = m.mac.parse_body::<syn::Type>()
                && let Some(element) = vec_element(&ty)
            {
                let receiver = &call.receiver;
                *expr = syn::parse_quote! {
                    #receiver
                        .value_parser(::clap::value_parser!(#element))
                        .action(::clap::ArgAction::Append)
                        .value_delimiter(',')
                };
            } else if call.method == "get_one"
                && let Some(turbofish) = &call.turbofish
                && let Some(syn::GenericArgument::Type(ty)) = turbofish.args.first()
                && let Some(element) = vec_element(ty)
            {
                let receiver = &call.receiver;
                let args = &call.args;
                *expr = syn::parse_quote! {
                    #receiver
                        .get_many::<#element>(#args)
                        .map(|values| values.cloned().collect::<::std::vec::Vec<_>>())
                };
            }
        }
        syn::Expr::If(i) => {
            repeatable_in(&mut i.cond);
            for stmt in &mut i.then_branch.stmts {
                if let syn::Stmt::Expr(e, _) = stmt {
                    repeatable_in(e);
                }
            }
        }
        syn::Expr::Let(l) => repeatable_in(&mut l.expr),
        syn::Expr::Paren(p) => repeatable_in(&mut p.expr),
        _ => {}
    }
}
