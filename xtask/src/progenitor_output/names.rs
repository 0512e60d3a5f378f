//! The Rust names progenitor (and typify, inside it) gave to the spec's
//! operations, parameters, types and properties, read back from the client
//! it generated, so that our glue never re-derives a name with a copy of
//! their rules (a property named `type`, `for` or `match` becomes whatever
//! typify made of it, `r#type` or `type_`, and the glue follows).
//!
//! Everything is kept as text so that it can cross threads (token streams
//! are not `Send`); [`RustNames::tokens`] turns a name back into tokens.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};

use crate::progenitor_output::{copy_type, first_type_argument};
use quote::ToTokens;

/// The names of one operation in the generated client.
#[derive(Clone, Debug, Default)]
pub struct OperationNames {
    /// The method of `Client` that starts the operation (`orgs_list`).
    pub method: String,
    /// The builder type in `builder::` (`OrgsList`).
    pub builder: String,
    /// The success type of `send()`, relative to the crate (`types::Org`,
    /// or `()`).
    pub success: String,
    /// The error body type of `send()` (`types::Error`, or `()`).
    pub error: String,
    /// The body type in `types::` set with `.body(...)`, if any.
    pub body: Option<String>,
    /// The builder's setter of each query and path parameter, by the
    /// parameter's name in the spec.
    pub parameters: BTreeMap<String, String>,
    /// The type each of those setters converts its value into (the `T` of
    /// `V: TryInto<T>`: `types::OrgId`, `::std::num::NonZeroU32`), by the
    /// parameter's name in the spec.
    pub parameter_types: BTreeMap<String, String>,
}

/// One field of a generated struct.
#[derive(Clone, Debug)]
pub struct FieldNames {
    /// The field (and its builder setter) as written, `org_name`.
    pub ident: String,
    /// The field's type, relative to the crate (`types::OrgName`).
    pub ty: String,
}

/// The names read from the generated client.
#[derive(Clone, Debug, Default)]
pub struct RustNames {
    /// By operationId.
    pub operations: BTreeMap<String, OperationNames>,
    /// The fields of each struct in `types::`, by struct name and then by
    /// the property's JSON name.
    pub structs: BTreeMap<String, BTreeMap<String, FieldNames>>,
    /// The variants of each enum in `types::` whose variants each wrap one
    /// type (a `oneOf`/`anyOf` union): `(variant, wrapped type)` by enum name.
    pub unions: BTreeMap<String, Vec<(String, String)>>,
}

impl RustNames {
    /// Reads the names from progenitor's client file.
    pub fn read(client: &syn::File) -> RustNames {
        let mut names = RustNames::default();
        let types = module(&client.items, "types").unwrap_or(&[]);
        let type_names = type_names(types);
        for item in types {
            match item {
                syn::Item::Struct(s) => {
                    names
                        .structs
                        .insert(s.ident.to_string(), struct_fields(s, &type_names));
                }
                syn::Item::Enum(e) => {
                    if let Some(variants) = union_variants(e) {
                        names.unions.insert(e.ident.to_string(), variants);
                    }
                }
                _ => {}
            }
        }

        // `impl Client { pub fn orgs_list(&self) -> builder::OrgsList<'_> }`
        let mut methods = BTreeMap::new();
        for imp in impls(&client.items).filter(|imp| type_ident(&imp.self_ty) == "Client") {
            for f in fns(imp) {
                if let syn::ReturnType::Type(_, ty) = &f.sig.output {
                    methods.insert(type_ident(ty), f.sig.ident.to_string());
                }
            }
        }
        for imp in impls(module(&client.items, "builder").unwrap_or(&[])) {
            let builder = type_ident(&imp.self_ty);
            let Some(send) = fns(imp).find(|f| f.sig.ident == "send") else {
                continue;
            };
            let body_tokens = send.block.to_token_stream();
            let Some(id) = operation_id(&body_tokens) else {
                continue;
            };
            let (success, error) = send_types(&send.sig.output);
            let body = fns(imp)
                .find(|f| f.sig.ident == "body")
                .and_then(|f| first_bound_type(&f.sig.generics))
                .map(|ty| type_ident(&ty));
            let path_template = send
                .attrs
                .iter()
                .filter_map(doc_text)
                .find_map(|doc| doc.split('`').nth(3).map(str::to_string))
                .unwrap_or_default();
            let parameters = parameter_setters(&body_tokens, &path_template);
            let parameter_types = parameters
                .iter()
                .filter_map(|(name, setter)| {
                    let setter = fns(imp).find(|f| f.sig.ident == setter)?;
                    let ty = first_bound_type(&setter.sig.generics)?;
                    Some((
                        name.clone(),
                        ty.to_token_stream().to_string().replace(' ', ""),
                    ))
                })
                .collect();
            names.operations.insert(
                id,
                OperationNames {
                    method: methods.get(&builder).cloned().unwrap_or_default(),
                    builder,
                    success,
                    error,
                    body,
                    parameters,
                    parameter_types,
                },
            );
        }
        names
    }

    /// The names of operation `id`, or an error naming what is missing.
    pub fn operation(&self, id: &str) -> Result<&OperationNames, String> {
        self.operations
            .get(id)
            .filter(|op| !op.method.is_empty())
            .ok_or_else(|| format!("the generated client has no operation `{id}`"))
    }

    /// The field of struct `ty` (a name in `types::`, with or without the
    /// `types::` prefix) for JSON property `property`.
    pub fn field(&self, ty: &str, property: &str) -> Result<&FieldNames, String> {
        let ty = ty.trim_start_matches("types::");
        self.structs
            .get(ty)
            .and_then(|fields| fields.get(property))
            .ok_or_else(|| {
                format!("the generated type `types::{ty}` has no field for property `{property}`")
            })
    }

    /// A name or type as tokens.
    pub fn tokens(text: &str) -> TokenStream {
        syn::parse_str::<syn::Type>(text)
            .map(|ty| ty.to_token_stream())
            .unwrap_or_else(|_| text.parse().unwrap_or_default())
    }
}

/// `(variant, wrapped type)` of an enum whose every variant wraps exactly one
/// type, as typify writes a union: `Item(ReportPdfItem)`.
fn union_variants(e: &syn::ItemEnum) -> Option<Vec<(String, String)>> {
    e.variants
        .iter()
        .map(|v| match &v.fields {
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                Some((v.ident.to_string(), type_ident(&fields.unnamed[0].ty)))
            }
            _ => None,
        })
        .collect()
}

/// The names of the structs, enums and type aliases among `items` (the
/// generated `types` module).
pub(crate) fn type_names(items: &[syn::Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Type(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The items of the inline module `name` among `items`, to change them.
pub(crate) fn module_mut<'a>(
    items: &'a mut [syn::Item],
    name: &str,
) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The items of the inline module `name` among `items`.
pub(crate) fn module<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| &i[..]),
        _ => None,
    })
}

fn impls(items: &[syn::Item]) -> impl Iterator<Item = &syn::ItemImpl> {
    items.iter().filter_map(|item| match item {
        syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
        _ => None,
    })
}

fn fns(imp: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> {
    imp.items.iter().filter_map(|item| match item {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// The last path segment's identifier of a type (`builder::OrgsList<'_>` →
/// `OrgsList`).
pub(crate) fn type_ident(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The text of one `#[doc = "..."]` attribute.
pub(crate) fn doc_text(attr: &syn::Attribute) -> Option<String> {
    match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// The `rename` of an item's `#[serde(...)]` attributes, if one is given.
pub(crate) fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let mut rename = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        if rename.is_some() {
            return rename;
        }
    }
    None
}

/// The JSON name of a field: its `#[serde(rename = "...")]`, else its name.
fn json_name(field: &syn::Field, ident: &str) -> String {
    serde_rename(&field.attrs).unwrap_or_else(|| ident.trim_start_matches("r#").to_string())
}

fn struct_fields(
    s: &syn::ItemStruct,
    type_names: &BTreeSet<String>,
) -> BTreeMap<String, FieldNames> {
    let mut out = BTreeMap::new();
    for field in &s.fields {
        let Some(ident) = &field.ident else {
            continue;
        };
        let ident = ident.to_string();
        out.insert(
            json_name(field, &ident),
            FieldNames {
                ty: crate_relative(&field.ty, type_names),
                ident,
            },
        );
    }
    out
}

/// A type of the `types` module written relative to the crate: every path
/// whose first segment is a generated type gets `types::` in front.
fn crate_relative(ty: &syn::Type, type_names: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut previous = String::new();
    for text in texts(ty.to_token_stream()) {
        let word = |t: &str| t.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '\'');
        if word(&previous) && word(&text) {
            out.push(' ');
        }
        if previous != ":" && type_names.contains(&text) {
            out.push_str("types::");
        }
        out.push_str(&text);
        previous = text;
    }
    syn::parse_str::<syn::Type>(&out)
        .map(|ty| ty.to_token_stream().to_string().replace(' ', ""))
        .unwrap_or(out)
}

/// The text of every token of a stream, with groups opened into their
/// delimiters and contents.
fn texts(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    for tree in tokens {
        match tree {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                if !open.is_empty() {
                    out.push(open.to_string());
                }
                out.extend(texts(group.stream()));
                if !close.is_empty() {
                    out.push(close.to_string());
                }
            }
            other => out.push(other.to_string()),
        }
    }
    out
}

/// The `operation_id: "..."` of the `OperationInfo` built in `send`.
fn operation_id(tokens: &TokenStream) -> Option<String> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "operation_id" => {
                if let (Some(TokenTree::Punct(p)), Some(TokenTree::Literal(lit))) =
                    (trees.get(i + 1), trees.get(i + 2))
                    && p.as_char() == ':'
                    && let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&lit.to_string())
                {
                    return Some(s.value());
                }
            }
            TokenTree::Group(group) => {
                if let Some(id) = operation_id(&group.stream()) {
                    return Some(id);
                }
            }
            _ => {}
        }
    }
    None
}

/// The success and error types of `send`'s
/// `Result<ResponseValue<T>, Error<E>>`.
fn send_types(output: &syn::ReturnType) -> (String, String) {
    let syn::ReturnType::Type(_, ty) = output else {
        return ("()".into(), "()".into());
    };
    let args = generic_args(ty);
    let inner = |ty: Option<&syn::Type>| {
        ty.and_then(|t| generic_args(t).into_iter().next())
            .map(|t| t.to_token_stream().to_string().replace(' ', ""))
            .unwrap_or_else(|| "()".into())
    };
    (inner(args.first()), inner(args.get(1)))
}

fn generic_args(ty: &syn::Type) -> Vec<syn::Type> {
    let syn::Type::Path(p) = ty else {
        return Vec::new();
    };
    match p.path.segments.last().map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(args)) => args
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => syn::parse2(t.to_token_stream()).ok(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The `T` of the first `V: TryInto<T>` bound of a setter.
fn first_bound_type(generics: &syn::Generics) -> Option<syn::Type> {
    let syn::WherePredicate::Type(bound) = generics.where_clause.as_ref()?.predicates.first()?
    else {
        return None;
    };
    let syn::TypeParamBound::Trait(tr) = bound.bounds.first()? else {
        return None;
    };
    first_type_argument(tr.path.segments.last()?).map(copy_type)
}

/// The setters of an operation's parameters, read from how `send` uses
/// them: `QueryParam::new("name", &ident)` for query parameters,
/// `header_map.append("name", ...)` for header parameters, and the
/// `encode_path(&ident.to_string())` arguments of the URL's `format!`, in
/// the order of the path template's `{name}`s, for path parameters.
fn parameter_setters(send: &TokenStream, path_template: &str) -> BTreeMap<String, String> {
    let trees = texts(send.clone());
    let text = |i: usize| trees.get(i).cloned().unwrap_or_default();
    let mut out = BTreeMap::new();
    let mut path_idents = Vec::new();
    for i in 0..trees.len() {
        if text(i) == "QueryParam"
            && text(i + 3) == "new"
            && text(i + 4) == "("
            && let Ok(syn::Lit::Str(name)) = syn::parse_str::<syn::Lit>(&text(i + 5))
            && text(i + 6) == ","
            && text(i + 7) == "&"
        {
            out.insert(name.value(), text(i + 8));
        }
        // `header_map.append("X-Name", ident.to_string()...)`, or for an
        // optional header `if let Some(value) = ident { header_map.append(
        // "X-Name", value...) }`.
        if text(i) == "append"
            && text(i + 1) == "("
            && let Ok(syn::Lit::Str(name)) = syn::parse_str::<syn::Lit>(&text(i + 2))
            && text(i + 3) == ","
        {
            let ident = match text(i + 4) {
                value if value == "value" => (0..i)
                    .rev()
                    .find(|&j| text(j) == "Some" && text(j + 2) == "value" && text(j + 4) == "=")
                    .map(|j| text(j + 5)),
                ident => Some(ident),
            };
            if let Some(ident) = ident {
                out.insert(name.value(), ident);
            }
        }
        if text(i) == "encode_path" && text(i + 1) == "(" && text(i + 2) == "&" {
            path_idents.push(text(i + 3));
        }
    }
    let path_params = path_template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split('}').next());
    for (name, ident) in path_params.zip(path_idents) {
        out.insert(name.to_string(), ident);
    }
    out
}
