//! progenitor's typed httpmock extension: the generator, the methods it
//! defines and the rewrite of its array query parameter matchers.

use progenitor::Generator;
use quote::ToTokens;

use crate::spec::LoadedSpec;

/// progenitor's httpmock extension for `spec`, against the client at
/// `crate_path`.
pub fn generate(spec: &LoadedSpec, crate_path: &str) -> Result<syn::File, String> {
    let tokens =
        super::run(|| Generator::new(&super::settings()).httpmock(&spec.openapi, crate_path))?;
    super::parse(tokens)
}

/// The methods of every trait in progenitor's httpmock extension (one per
/// operation), read from the parsed file: prettyplease wraps long
/// signatures, so the text has no fixed shape.
pub fn methods(httpmock: &str) -> std::collections::HashSet<String> {
    fn walk(items: &[syn::Item], out: &mut std::collections::HashSet<String>) {
        for item in items {
            match item {
                syn::Item::Trait(t) => out.extend(t.items.iter().filter_map(|i| match i {
                    syn::TraitItem::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                })),
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        walk(inner, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = std::collections::HashSet::new();
    if let Ok(file) = syn::parse_file(httpmock) {
        walk(&file.items, &mut out);
    }
    out
}

/// Makes progenitor's httpmock matchers of array query parameters compile
/// and match the wire: progenitor writes `query_param(name, value.to_string())`
/// for a `Vec<T>`, which has no `Display`. A comma-separated parameter
/// (`explode: false`) matches the one joined value; a repeated one matches
/// every value.
pub fn array_query_params(spec: &LoadedSpec, httpmock: &mut syn::File) -> Result<(), String> {
    let mut comma_separated = std::collections::HashMap::new();
    for op in spec.operations() {
        for p in op.parameters(spec) {
            let comma = p.is_comma_separated_array(spec);
            if p.location == Some(crate::spec::Location::Query)
                && *comma_separated.entry(p.name).or_insert(comma) != comma
            {
                return Err(format!(
                    "query parameter `{}` is comma-separated in one operation and repeated in another; \
                     the httpmock extension matches it by name",
                    p.name
                ));
            }
        }
    }
    fn rewrite(expr: &mut syn::Expr, comma_separated: &std::collections::HashMap<&str, bool>) {
        let syn::Expr::MethodCall(call) = expr else {
            match expr {
                syn::Expr::Call(c) => c.args.iter_mut().for_each(|a| rewrite(a, comma_separated)),
                syn::Expr::If(i) => {
                    for stmt in &mut i.then_branch.stmts {
                        if let syn::Stmt::Expr(e, _) = stmt {
                            rewrite(e, comma_separated);
                        }
                    }
                    if let Some((_, e)) = &mut i.else_branch {
                        rewrite(e, comma_separated);
                    }
                }
                syn::Expr::Block(b) => {
                    for stmt in &mut b.block.stmts {
                        if let syn::Stmt::Expr(e, _) = stmt {
                            rewrite(e, comma_separated);
                        }
                    }
                }
                _ => {}
            }
            return;
        };
        if call.method == "query_param"
            && let [
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                }),
                syn::Expr::MethodCall(value),
            ] = call.args.iter().collect::<Vec<_>>()[..]
            && value.method == "to_string"
            && let Some(&comma) = comma_separated.get(name.value().as_str())
        {
            let receiver = &call.receiver;
            let value = &value.receiver;
            *expr = if comma {
                syn::parse_quote! {
                    #receiver.query_param(
                        #name,
                        #value.iter().map(|v| v.to_string()).collect::<::std::vec::Vec<_>>().join(","),
                    )
                }
            } else {
                syn::parse_quote! {
                    #value.iter().fold(#receiver, |when, v| when.query_param(#name, v.to_string()))
                }
            };
            return;
        }
        rewrite(&mut call.receiver, comma_separated);
        call.args
            .iter_mut()
            .for_each(|a| rewrite(a, comma_separated));
    }
    // Only the matchers whose value is a `Vec` (the comma map names every
    // query parameter, scalars included).
    fn is_vec_setter(f: &syn::ImplItemFn) -> bool {
        f.sig.to_token_stream().to_string().contains(":: Vec <")
    }
    fn walk(items: &mut [syn::Item], comma_separated: &std::collections::HashMap<&str, bool>) {
        for item in items {
            match item {
                syn::Item::Impl(imp) => {
                    for f in imp.items.iter_mut().filter_map(|i| match i {
                        syn::ImplItem::Fn(f) if is_vec_setter(f) => Some(f),
                        _ => None,
                    }) {
                        for stmt in &mut f.block.stmts {
                            if let syn::Stmt::Expr(e, _) = stmt {
                                rewrite(e, comma_separated);
                            }
                        }
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &mut m.content {
                        walk(inner, comma_separated);
                    }
                }
                _ => {}
            }
        }
    }
    let arrays: std::collections::HashMap<&str, bool> = comma_separated;
    walk(&mut httpmock.items, &arrays);
    Ok(())
}
