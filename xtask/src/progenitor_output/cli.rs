//! progenitor's clap command set: the generator, the facts the CLI glue
//! reads from it (the command of an operation, the argument of a parameter,
//! the statements that fill a request) and the rewrites applied to it
//! (array arguments, argument help, its own execution pruned).

use proc_macro2::TokenStream;
use progenitor::Generator;
use quote::{ToTokens, quote};

use crate::progenitor_output::first_type_argument;
use crate::progenitor_output::names::{OperationNames, RustNames};
use crate::spec::LoadedSpec;

/// progenitor's CLI for `spec`, against the client re-exported at
/// `crate_path`.
pub fn generate(spec: &LoadedSpec, crate_path: &str) -> Result<syn::File, String> {
    let tokens = super::run(|| Generator::new(&super::settings()).cli(&spec.openapi, crate_path))?;
    super::parse(tokens)
}

/// The statements that fill the request of operation `method` (the
/// client's method name) from the argument matches, as progenitor wrote
/// them in its `execute_<method>`, with `--json-body` read first and
/// bounded (see `json_body_first`).
pub fn request_statements(cli: &syn::File, method: &str) -> Result<Vec<TokenStream>, String> {
    json_body_first(progenitor_consumers(cli, method)?)
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

/// progenitor's `CliCommand` variant of operation `id`, read from its
/// `CliCommand::operation_id` (`CliCommand::OrgsList => "orgs_list"`).
pub fn command_variant(cli: &syn::File, id: &str) -> Result<syn::Ident, String> {
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
pub fn argument(cli: &syn::File, op_names: &OperationNames, name: &str) -> Result<String, String> {
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

/// Removes what progenitor's CLI generates for running commands itself
/// (`Cli::new`, `Cli::execute*` and the `CliConfig` trait of hooks they
/// call): the `avara` CLI runs every command through the SDK (the glue's
/// `execute`), so only the command definitions stay, on a plain `Cli`.
/// Call after [`crate::cli_gen::generate`], which lifts the argument
/// handling out of progenitor's `execute_<op>` functions.
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
/// Call before [`crate::cli_gen::generate`], which reuses progenitor's
/// argument handling.
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
    first_type_argument(last)
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
