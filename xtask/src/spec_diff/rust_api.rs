//! The public API of the generated client crate, read from the generated
//! source with syn: every public type, field, enum variant, function, method,
//! constant and trait impl, keyed by its path and given a normalized one-line
//! signature, so that two generations can be compared item by item.

use std::collections::BTreeMap;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::punctuated::Punctuated;

use crate::codegen::{self, Generated};

/// One public item: its path (`types::Org.user_count` for a field,
/// `builder::OrgsList::limit` for a method, `impl TryFrom<&str> for
/// types::OrgId` for a trait impl) and its normalized signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustItem {
    /// The item's path within the generated code.
    pub item: String,
    /// Its signature, with doc comments, attributes other than derives,
    /// bodies and `mut` bindings left out, and `std` paths shortened.
    pub signature: String,
}

/// An item present on both sides whose signature changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustChange {
    /// The item's path.
    pub item: String,
    /// The old signature.
    pub before: String,
    /// The new signature.
    pub after: String,
}

/// The public items that were added, removed or changed between two
/// generations of the client, each list sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RustDiff {
    /// Items only the new generation has.
    pub added: Vec<RustItem>,
    /// Items only the old generation has.
    pub removed: Vec<RustItem>,
    /// Items whose signature differs.
    pub changed: Vec<RustChange>,
}

impl RustDiff {
    /// True when the public API is the same on both sides.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The directory of the generated client crate, e.g. `generated-client/`.
fn client_dir() -> &'static str {
    let path = codegen::CLIENT_GENERATED;
    path.find("/src/").map(|i| &path[..=i]).unwrap_or(path)
}

/// The public API of the generated client crate (the generated files under
/// its directory; other generated crates are not part of this view), by item
/// path.
pub fn public_api(generated: &Generated) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for file in generated
        .files
        .iter()
        .filter(|f| f.relative_path.starts_with(client_dir()))
    {
        let parsed: syn::File = syn::parse_file(&file.contents).map_err(|e| {
            format!(
                "{}: the generated code does not parse: {e}",
                file.relative_path
            )
        })?;
        collect(&parsed.items, &[], &mut out);
    }
    Ok(out)
}

/// Compares the public API of two generations.
pub fn diff(old: &Generated, new: &Generated) -> Result<RustDiff, String> {
    let (old, new) = (public_api(old)?, public_api(new)?);
    let mut diff = RustDiff::default();
    for (item, signature) in &old {
        match new.get(item) {
            None => diff.removed.push(RustItem {
                item: item.clone(),
                signature: signature.clone(),
            }),
            Some(after) if after != signature => diff.changed.push(RustChange {
                item: item.clone(),
                before: signature.clone(),
                after: after.clone(),
            }),
            Some(_) => {}
        }
    }
    for (item, signature) in &new {
        if !old.contains_key(item) {
            diff.added.push(RustItem {
                item: item.clone(),
                signature: signature.clone(),
            });
        }
    }
    Ok(diff)
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn join(module: &[String], name: &str) -> String {
    let mut parts = module.to_vec();
    parts.push(name.to_string());
    parts.join("::")
}

fn collect(items: &[syn::Item], module: &[String], out: &mut BTreeMap<String, String>) {
    for item in items {
        match item {
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                if let Some((_, content)) = &m.content {
                    let mut inner = module.to_vec();
                    inner.push(m.ident.to_string());
                    collect(content, &inner, out);
                }
            }
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                let path = join(module, &s.ident.to_string());
                let generics = &s.generics;
                let ident = &s.ident;
                let shape = match &s.fields {
                    syn::Fields::Named(named) => {
                        for field in &named.named {
                            if !is_pub(&field.vis) {
                                continue;
                            }
                            let Some(name) = &field.ident else { continue };
                            let ty = &field.ty;
                            out.insert(format!("{path}.{name}"), render(quote!(pub #name: #ty)));
                        }
                        String::new()
                    }
                    syn::Fields::Unnamed(fields) => {
                        let parts: Vec<String> = fields
                            .unnamed
                            .iter()
                            .map(|f| {
                                if is_pub(&f.vis) {
                                    let ty = &f.ty;
                                    render(quote!(pub #ty))
                                } else {
                                    "_".to_string()
                                }
                            })
                            .collect();
                        format!("({})", parts.join(", "))
                    }
                    syn::Fields::Unit => String::new(),
                };
                let head = render(quote!(pub struct #ident #generics));
                out.insert(path, format!("{}{head}{shape}", derives(&s.attrs)));
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                let path = join(module, &e.ident.to_string());
                let ident = &e.ident;
                let generics = &e.generics;
                for variant in &e.variants {
                    let name = &variant.ident;
                    let fields = &variant.fields;
                    out.insert(format!("{path}::{name}"), render(quote!(#name #fields)));
                }
                let head = render(quote!(pub enum #ident #generics));
                out.insert(path, format!("{}{head}", derives(&e.attrs)));
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                let (ident, generics, ty) = (&t.ident, &t.generics, &t.ty);
                out.insert(
                    join(module, &ident.to_string()),
                    render(quote!(pub type #ident #generics = #ty;)),
                );
            }
            syn::Item::Const(c) if is_pub(&c.vis) => {
                let (ident, ty, expr) = (&c.ident, &c.ty, &c.expr);
                out.insert(
                    join(module, &ident.to_string()),
                    render(quote!(pub const #ident: #ty = #expr;)),
                );
            }
            syn::Item::Static(s) if is_pub(&s.vis) => {
                let (ident, ty) = (&s.ident, &s.ty);
                out.insert(
                    join(module, &ident.to_string()),
                    render(quote!(pub static #ident: #ty)),
                );
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                out.insert(join(module, &f.sig.ident.to_string()), signature(&f.sig));
            }
            syn::Item::Impl(imp) => collect_impl(imp, module, out),
            _ => {}
        }
    }
}

fn collect_impl(imp: &syn::ItemImpl, module: &[String], out: &mut BTreeMap<String, String>) {
    let self_ty = qualify(module, &imp.self_ty);
    match &imp.trait_ {
        None => {
            for item in &imp.items {
                if let syn::ImplItem::Fn(f) = item
                    && is_pub(&f.vis)
                {
                    out.insert(format!("{self_ty}::{}", f.sig.ident), signature(&f.sig));
                }
            }
        }
        Some((negative, path, _)) => {
            let bang = if negative.is_some() { "!" } else { "" };
            let trait_path = render(path.to_token_stream());
            let key = format!("impl {bang}{trait_path} for {self_ty}");
            let mut assoc: Vec<String> = imp
                .items
                .iter()
                .filter_map(|item| match item {
                    syn::ImplItem::Type(t) => {
                        let (ident, ty) = (&t.ident, &t.ty);
                        Some(render(quote!(type #ident = #ty;)))
                    }
                    syn::ImplItem::Const(c) => {
                        let (ident, ty) = (&c.ident, &c.ty);
                        Some(render(quote!(const #ident: #ty;)))
                    }
                    _ => None,
                })
                .collect();
            assoc.sort();
            let generics = &imp.generics;
            let where_clause = &generics.where_clause;
            let mut signature = render(quote!(impl #generics #where_clause));
            signature.push_str(&format!(
                " {bang}{trait_path} for {}",
                render(imp.self_ty.to_token_stream())
            ));
            if !assoc.is_empty() {
                signature.push_str(&format!(" {{ {} }}", assoc.join(" ")));
            }
            out.insert(key, signature);
        }
    }
}

/// The derives of an item, sorted, as one `#[derive(...)] ` prefix.
fn derives(attrs: &[syn::Attribute]) -> String {
    let mut names: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .filter_map(|a| {
            a.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .map(|p| render(p.to_token_stream()))
        .collect();
    if names.is_empty() {
        return String::new();
    }
    names.sort();
    format!("#[derive({})] ", names.join(", "))
}

/// A function signature without attributes or `mut` bindings.
fn signature(sig: &syn::Signature) -> String {
    let inputs: Vec<String> = sig
        .inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Receiver(r) if r.reference.is_none() && r.colon_token.is_none() => {
                "self".to_string()
            }
            syn::FnArg::Receiver(r) if r.reference.is_none() => {
                let ty = &r.ty;
                render(quote!(self: #ty))
            }
            syn::FnArg::Receiver(r) => {
                let (reference, mutability) = (&r.reference, &r.mutability);
                let (and, lifetime) = reference
                    .as_ref()
                    .map(|(and, lifetime)| (Some(and), lifetime.as_ref()))
                    .unwrap_or((None, None));
                render(quote!(#and #lifetime #mutability self))
            }
            syn::FnArg::Typed(t) => {
                let ty = &t.ty;
                match t.pat.as_ref() {
                    syn::Pat::Ident(p) => {
                        let ident = &p.ident;
                        render(quote!(#ident: #ty))
                    }
                    other => render(quote!(#other: #ty)),
                }
            }
        })
        .collect();
    let (constness, asyncness, unsafety) = (&sig.constness, &sig.asyncness, &sig.unsafety);
    let (ident, generics, output) = (&sig.ident, &sig.generics, &sig.output);
    let where_clause = &generics.where_clause;
    let head = render(quote!(pub #constness #asyncness #unsafety fn #ident #generics));
    let tail = render(quote!(#output #where_clause));
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(" {tail}")
    };
    format!("{head}({}){tail}", inputs.join(", "))
}

/// The path of an impl's self type, relative to the generated file's root:
/// `super::` resolved against `module`, generics dropped.
fn qualify(module: &[String], ty: &syn::Type) -> String {
    let syn::Type::Path(type_path) = ty else {
        return render(ty.to_token_stream());
    };
    if type_path.qself.is_some() || type_path.path.leading_colon.is_some() {
        return render(ty.to_token_stream());
    }
    let segments: Vec<String> = type_path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let first = segments.first().map(String::as_str);
    if matches!(first, Some("std" | "core" | "alloc")) {
        return render(ty.to_token_stream());
    }
    let mut base = module.to_vec();
    let mut rest = segments.as_slice();
    while let Some((head, tail)) = rest.split_first() {
        match head.as_str() {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => break,
        }
        rest = tail;
    }
    // A path that names a top-level module of the generated code is absolute.
    if let Some(head) = rest.first()
        && matches!(head.as_str(), "types" | "builder")
        && base.is_empty()
    {
        return rest.join("::");
    }
    base.extend(rest.iter().cloned());
    base.join("::")
}

/// Renders tokens on one line with Rust-like spacing, `std`/`core`/`alloc`
/// paths shortened to their last segment and leading `::` dropped.
pub(crate) fn render(tokens: TokenStream) -> String {
    let mut pieces: Vec<String> = Vec::new();
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        let prev_is_angle =
            i > 0 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '>');
        // A path: `::`? ident (`::` ident)*.
        let leading = is_path_sep(&tokens, i) && !prev_is_angle;
        let first = if leading { i + 2 } else { i };
        if let Some(TokenTree::Ident(_)) = tokens.get(first)
            && (leading || matches!(&tokens[i], TokenTree::Ident(_)))
        {
            let mut segments = Vec::new();
            let mut j = first;
            while let Some(TokenTree::Ident(ident)) = tokens.get(j) {
                segments.push(ident.to_string());
                if is_path_sep(&tokens, j + 1)
                    && matches!(tokens.get(j + 3), Some(TokenTree::Ident(_)))
                {
                    j += 3;
                } else {
                    j += 1;
                    break;
                }
            }
            let std_path =
                segments.len() > 1 && matches!(segments[0].as_str(), "std" | "core" | "alloc");
            pieces.push(if std_path {
                segments.last().cloned().unwrap_or_default()
            } else {
                segments.join("::")
            });
            i = j;
            continue;
        }
        match &tokens[i] {
            TokenTree::Group(group) => {
                let inner = render(group.stream());
                pieces.push(match group.delimiter() {
                    Delimiter::Parenthesis => format!("({inner})"),
                    Delimiter::Bracket => format!("[{inner}]"),
                    Delimiter::Brace => format!("{{ {inner} }}"),
                    Delimiter::None => inner,
                });
                i += 1;
            }
            TokenTree::Punct(p) => {
                // Glue joint punctuation (`::`, `->`, `=>`) into one piece.
                let mut text = p.as_char().to_string();
                let mut spacing = p.spacing();
                i += 1;
                while spacing == Spacing::Joint
                    && p.as_char() != '\''
                    && let Some(TokenTree::Punct(next)) = tokens.get(i)
                {
                    text.push(next.as_char());
                    spacing = next.spacing();
                    i += 1;
                }
                pieces.push(text);
            }
            other => {
                pieces.push(other.to_string());
                i += 1;
            }
        }
    }
    let mut out = String::new();
    for piece in &pieces {
        if let Some(prev) = out.chars().last()
            && needs_space(&out, prev, piece)
        {
            out.push(' ');
        }
        out.push_str(piece);
    }
    // Trailing commas of where clauses and argument lists are not API.
    out.trim_end_matches(',')
        .replace(",)", ")")
        .replace(",>", ">")
}

fn is_path_sep(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn needs_space(out: &str, prev: char, next: &str) -> bool {
    if out.ends_with("::") || matches!(prev, '<' | '(' | '[' | '&' | '\'' | '#' | '!') {
        return false;
    }
    let first = next.chars().next().unwrap_or(' ');
    let prev_word = prev.is_alphanumeric() || prev == '_' || prev == '>';
    match first {
        '>' | ',' | ';' | ')' | ']' | '.' | '?' => false,
        ':' => false,
        '<' => matches!(prev, '=' | ','),
        '(' | '[' => !prev_word,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths_and_spacing() {
        let ty: syn::Type =
            syn::parse_str("::std::option::Option<::chrono::DateTime<::chrono::offset::Utc>>")
                .unwrap();
        assert_eq!(
            render(ty.to_token_stream()),
            "Option<chrono::DateTime<chrono::offset::Utc>>"
        );
        let sig: syn::Signature = syn::parse_str(
            "fn limit<V>(mut self, value: V) -> Self where V: std::convert::TryInto<::std::num::NonZeroU32>",
        )
        .unwrap();
        assert_eq!(
            signature(&sig),
            "pub fn limit<V>(self, value: V) -> Self where V: TryInto<NonZeroU32>"
        );
    }

    #[test]
    fn qualifies_impl_targets() {
        let ty: syn::Type = syn::parse_str("super::OrgListPage").unwrap();
        assert_eq!(
            qualify(&["types".into(), "builder".into()], &ty),
            "types::OrgListPage"
        );
        let ty: syn::Type = syn::parse_str("builder::OrgsList<'a>").unwrap();
        assert_eq!(qualify(&[], &ty), "builder::OrgsList");
        let ty: syn::Type = syn::parse_str("OrgsList<'a>").unwrap();
        assert_eq!(qualify(&["builder".into()], &ty), "builder::OrgsList");
    }
}
