//! A pass over typify's types (in progenitor's client code) that makes them
//! read well and survive the API's growth, generic over the spec:
//!
//! - **Readable variants.** typify names a variant after its wire value in
//!   UpperCamelCase (`Radiation Oncologist` → `RadiationOncologist`,
//!   `Pathologists' Assistant` → `PathologistsAssistant`,
//!   `clinical_context.enrichment_requested` →
//!   `ClinicalContextEnrichmentRequested`), which reads well and is kept.
//!   A value that starts with a digit gets typify's `X` in front (`1x1` →
//!   `X1x1`); such a variant is renamed with the last word of its enum's name
//!   instead (`ViewerLayout::Layout1x1`), unless that name is taken. The wire
//!   value stays the variant's `#[serde(rename)]`, and `Display`/`FromStr`
//!   follow the rename.
//! - **Open enums.** A string enum of two or more values gets a last
//!   `#[serde(untagged)] Unknown(String)` variant, so that a value the server
//!   adds later decodes instead of failing the whole response (`Display`
//!   writes it back as it came; `FromStr`/`TryFrom<&str>` stay strict, they
//!   are how a user names a value; the enum loses `Copy`). A one-value enum
//!   is a constant that tells the members of a union apart (a webhook
//!   event's `type`) and stays closed. Each unit enum gets `VALUES`, its wire
//!   values in the spec's order.
//! - **Requests stay strict.** `ENUM_CHECKS` lists, for every operation, each
//!   parameter and body place whose schema is a string enum, with its
//!   values; `avara::validate` refuses a request that carries any other
//!   value (an `Unknown` built or decoded by the user) before it is sent,
//!   and avara-mock refuses it with a 400.
//! - **Unions by shape.** The members of an untagged union (a `oneOf` or
//!   `anyOf` of object `$ref`s without a discriminator) are tried in order:
//!   each must refuse what a later one accepts (a required property the
//!   later one does not declare, or a one-value enum it does not allow).
//!   Members in the wrong order are reordered; members no order tells apart
//!   fail codegen.
//! - **Absent or null.** An optional (not `required`) `nullable` property of
//!   a request body (at any depth) becomes an `avara::Nullable<T>` field:
//!   absent (not sent), `Null` (sent as `null`) or a value. Its setter takes
//!   what converts to `T`, or a `Nullable<T>` (see `ergonomics.rs`).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};
use serde_json::Value;

use crate::progenitor_output::names::{RustNames, module_mut, serde_rename, type_ident};
use crate::progenitor_output::{copy_type, first_type_argument};
use crate::spec::{LoadedSpec, Location, escape_pointer_token};

/// What the pass changed, for tests and the codegen summary.
#[derive(Debug, Default)]
pub struct Report {
    /// `Enum::Old` → `New`.
    pub renamed: Vec<(String, String, String)>,
    /// Enums that got an `Unknown` variant.
    pub opened: Vec<String>,
    /// Unions whose members were reordered.
    pub reordered: Vec<String>,
    /// `Struct.field` made `Nullable`.
    pub nullable: Vec<String>,
    /// Rows of `ENUM_CHECKS`.
    pub enum_checks: usize,
}

/// Runs the pass over progenitor's client `file` (before `ergonomics`).
pub fn apply(spec: &LoadedSpec, names: &RustNames, file: &mut syn::File) -> Result<Report, String> {
    let mut report = Report::default();
    let renames = variant_renames(file);
    for (ty, map) in &renames {
        for (old, new) in map {
            report.renamed.push((ty.clone(), old.clone(), new.clone()));
        }
    }
    rename_variants(&mut file.items, &renames)?;
    let types =
        module_mut(&mut file.items, "types").ok_or("progenitor's output has no `types` module")?;
    let enums = unit_enums(types);
    report.opened = open_enums(types)?;
    report.reordered = order_unions(spec, types)?;
    let facts = request_facts(spec, names);
    report.nullable = nullable_fields(types, &facts.nullable)?;
    let table = enum_checks(&facts.enums, &enums);
    report.enum_checks = facts.enums.len();
    file.items.push(table);
    Ok(report)
}

// ---------------------------------------------------------------- variants

/// The wire value of a unit variant: its `#[serde(rename)]`, else its name.
fn wire_value(variant: &syn::Variant) -> String {
    serde_rename(&variant.attrs).unwrap_or_else(|| variant.ident.to_string())
}

fn is_unit_enum(e: &syn::ItemEnum) -> bool {
    !e.variants.is_empty()
        && e.variants
            .iter()
            .all(|v| matches!(v.fields, syn::Fields::Unit))
}

/// The last word of an UpperCamelCase name (`ViewerLayout` → `Layout`).
fn last_word(name: &str) -> &str {
    let start = name
        .char_indices()
        .rfind(|(_, c)| c.is_ascii_uppercase())
        .map(|(i, _)| i)
        .unwrap_or(0);
    &name[start..]
}

/// Variant renames by enum, then old name → new name.
pub type Renames = BTreeMap<String, BTreeMap<String, String>>;

/// The renames of the variants typify prefixed with `X` (a wire value
/// starting with a digit) in each unit enum of progenitor's client `file`,
/// for it and for the code generated against it (the CLI).
pub fn variant_renames(file: &syn::File) -> Renames {
    let types = crate::progenitor_output::names::module(&file.items, "types").unwrap_or(&[]);
    let mut renames = BTreeMap::new();
    for item in types {
        let syn::Item::Enum(e) = item else { continue };
        if !is_unit_enum(e) {
            continue;
        }
        let prefix = last_word(&e.ident.to_string()).to_string();
        let taken: BTreeSet<String> = e.variants.iter().map(|v| v.ident.to_string()).collect();
        let mut map = BTreeMap::new();
        for variant in &e.variants {
            let ident = variant.ident.to_string();
            let value = wire_value(variant);
            let Some(rest) = ident.strip_prefix('X') else {
                continue;
            };
            if !value.starts_with(|c: char| c.is_ascii_digit()) || !rest.starts_with(&value[..1]) {
                continue;
            }
            let new = format!("{prefix}{rest}");
            if prefix.is_empty() || taken.contains(&new) {
                continue;
            }
            map.insert(ident, new);
        }
        if !map.is_empty() {
            renames.insert(e.ident.to_string(), map);
        }
    }
    renames
}

/// Applies `renames` to the enums' definitions among `items`, to every
/// `Enum::Old` path, and to every `Self::Old` inside an `impl` of the enum.
pub fn rename_variants(items: &mut [syn::Item], renames: &Renames) -> Result<(), String> {
    if renames.is_empty() {
        return Ok(());
    }
    for item in items.iter_mut() {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    rename_variants(inner, renames)?;
                }
            }
            syn::Item::Enum(e) => {
                if let Some(map) = renames.get(&e.ident.to_string()) {
                    for variant in e.variants.iter_mut() {
                        if let Some(new) = map.get(&variant.ident.to_string()) {
                            variant.ident = format_ident!("{new}");
                        }
                    }
                }
            }
            syn::Item::Struct(_) | syn::Item::Use(_) => {}
            _ => {
                let self_ty = match item {
                    syn::Item::Impl(imp) => match &*imp.self_ty {
                        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                        _ => None,
                    },
                    _ => None,
                };
                let self_map = self_ty.as_deref().and_then(|t| renames.get(t));
                let tokens = item.to_token_stream();
                let (tokens, changed) = rename_tokens(tokens, renames, self_map);
                if changed {
                    *item = syn::parse2(tokens).map_err(|e| {
                        format!("an item with a renamed variant does not parse: {e}")
                    })?;
                }
            }
        }
    }
    Ok(())
}

fn rename_tokens(
    tokens: TokenStream,
    renames: &Renames,
    self_map: Option<&BTreeMap<String, String>>,
) -> (TokenStream, bool) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut changed = false;
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => {
                let (inner, c) = rename_tokens(group.stream(), renames, self_map);
                changed |= c;
                let mut new = proc_macro2::Group::new(group.delimiter(), inner);
                new.set_span(group.span());
                out.push(TokenTree::Group(new));
            }
            TokenTree::Ident(ident) if i >= 3 => {
                let colons = matches!((&trees[i - 1], &trees[i - 2]),
                    (TokenTree::Punct(a), TokenTree::Punct(b)) if a.as_char() == ':' && b.as_char() == ':');
                let map = match &trees[i - 3] {
                    TokenTree::Ident(owner) if colons && owner == "Self" => self_map,
                    TokenTree::Ident(owner) if colons => renames.get(&owner.to_string()),
                    _ => None,
                };
                match map.and_then(|m| m.get(&ident.to_string())) {
                    Some(new) => {
                        out.push(TokenTree::Ident(proc_macro2::Ident::new(new, ident.span())));
                        changed = true;
                    }
                    None => out.push(tree.clone()),
                }
            }
            other => out.push(other.clone()),
        }
    }
    (out.into_iter().collect(), changed)
}

// ---------------------------------------------------------------- open enums

/// The unit enums of `types` by name, with their wire values.
fn unit_enums(types: &[syn::Item]) -> BTreeMap<String, Vec<String>> {
    types
        .iter()
        .filter_map(|item| match item {
            syn::Item::Enum(e) if is_unit_enum(e) => Some((
                e.ident.to_string(),
                e.variants.iter().map(wire_value).collect(),
            )),
            _ => None,
        })
        .collect()
}

/// The name of the fallback variant of an enum whose variants are `taken`.
fn unknown_variant(taken: &BTreeSet<String>) -> syn::Ident {
    ["Unknown", "UnknownValue", "UnknownToThisSdk"]
        .into_iter()
        .find(|name| !taken.contains(*name))
        .map(|name| format_ident!("{name}"))
        .expect("an enum of these three variant names is not a spec's")
}

/// Gives every unit enum `VALUES`, and every one of two or more values an
/// untagged `Unknown(String)` (and a `Display` that writes it); returns the
/// opened enums.
fn open_enums(types: &mut Vec<syn::Item>) -> Result<Vec<String>, String> {
    let mut opened = Vec::new();
    // The items to write after each enum, by its name.
    let mut extra: BTreeMap<String, Vec<syn::Item>> = BTreeMap::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        if !is_unit_enum(e) {
            continue;
        }
        let name = e.ident.clone();
        let values: Vec<String> = e.variants.iter().map(wire_value).collect();
        let after = extra.entry(name.to_string()).or_default();
        after.push(syn::parse_quote! {
            impl #name {
                /// Every value of the spec, on the wire, in the spec's order.
                pub const VALUES: &'static [&'static str] = &[#(#values),*];
            }
        });
        if values.len() < 2 {
            continue;
        }
        let taken = e.variants.iter().map(|v| v.ident.to_string()).collect();
        let unknown = unknown_variant(&taken);
        let arms: Vec<TokenStream> = e
            .variants
            .iter()
            .map(|v| {
                let ident = &v.ident;
                let value = wire_value(v);
                quote! { Self::#ident => f.write_str(#value), }
            })
            .collect();
        for attr in e.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let paths = attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .map_err(|e| format!("enum `{name}`: a derive does not parse: {e}"))?;
            let kept = paths.iter().filter(|p| !p.is_ident("Copy"));
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        e.variants.push(syn::parse_quote! {
            /// A value this version of the SDK does not know (the API added
            /// it later), as it came. Decoded, never sent: a request that
            /// carries one is refused before it is sent.
            #[serde(untagged)]
            #unknown(::std::string::String)
        });
        // Replaces typify's `Display`, which matches on `*self`.
        after.push(syn::parse_quote! {
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        #(#arms)*
                        Self::#unknown(value) => f.write_str(value),
                    }
                }
            }
        });
        opened.push(name.to_string());
    }
    let old = std::mem::take(types);
    for item in old {
        let name = match &item {
            syn::Item::Impl(imp) if is_display(imp) && opened.contains(&self_name(imp)) => {
                continue;
            }
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        };
        types.push(item);
        if let Some(after) = name.and_then(|n| extra.remove(&n)) {
            types.extend(after);
        }
    }
    Ok(opened)
}

fn is_display(imp: &syn::ItemImpl) -> bool {
    imp.trait_
        .as_ref()
        .and_then(|(_, path, _)| path.segments.last())
        .is_some_and(|s| s.ident == "Display")
}

fn self_name(imp: &syn::ItemImpl) -> String {
    type_ident(&imp.self_ty)
}

// ---------------------------------------------------------------- unions

/// What an object schema says about the bodies it accepts.
struct Shape {
    properties: BTreeSet<String>,
    required: BTreeSet<String>,
    closed: bool,
    /// The one value of each property whose schema is a one-value enum.
    constants: BTreeMap<String, String>,
    /// The values each enum property allows.
    enums: BTreeMap<String, BTreeSet<String>>,
}

fn shape(spec: &LoadedSpec, schema: &Value) -> Shape {
    let s = spec.schema_json(schema);
    let mut shape = Shape {
        properties: BTreeSet::new(),
        required: BTreeSet::new(),
        closed: s.get("additionalProperties") == Some(&Value::Bool(false)),
        constants: BTreeMap::new(),
        enums: BTreeMap::new(),
    };
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            shape.properties.insert(name.clone());
            if let Some(values) = string_enum(spec.schema_json(prop)) {
                if let [one] = values.as_slice() {
                    shape.constants.insert(name.clone(), one.clone());
                }
                shape
                    .enums
                    .insert(name.clone(), values.into_iter().collect());
            }
        }
    }
    if let Some(required) = s.get("required").and_then(Value::as_array) {
        shape.required.extend(
            required
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string),
        );
    }
    shape
}

/// Whether every body that `later` accepts is refused by `earlier`, so that
/// trying `earlier` first never takes a `later`.
fn refuses(earlier: &Shape, later: &Shape) -> bool {
    earlier
        .required
        .iter()
        .any(|r| !later.properties.contains(r))
        || (earlier.closed
            && later
                .required
                .iter()
                .any(|r| !earlier.properties.contains(r)))
        || earlier.constants.iter().any(|(name, value)| {
            later.required.contains(name)
                && later
                    .enums
                    .get(name)
                    .is_some_and(|allowed| !allowed.contains(value))
        })
}

/// Checks (and where needed reorders) the variants of each untagged enum
/// typify made of a `oneOf`/`anyOf` of object `$ref`s without a
/// discriminator; returns the reordered enums.
fn order_unions(spec: &LoadedSpec, types: &mut [syn::Item]) -> Result<Vec<String>, String> {
    let Some(schemas) = spec
        .json
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(Vec::new());
    };
    let mut reordered = Vec::new();
    for item in types.iter_mut() {
        let syn::Item::Enum(e) = item else { continue };
        let name = e.ident.to_string();
        let Some(schema) = schemas.get(&name) else {
            continue;
        };
        if schema.get("discriminator").is_some() {
            continue;
        }
        let Some(members) = schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        // Each member a `$ref` to an object schema, by its component name.
        let mut by_name = BTreeMap::new();
        for member in members {
            let Some(target) = member
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                by_name.clear();
                break;
            };
            let resolved = spec.schema_json(member);
            if resolved.get("properties").is_none() {
                by_name.clear();
                break;
            }
            by_name.insert(target.to_string(), shape(spec, member));
        }
        if by_name.is_empty() {
            continue;
        }
        // The variants, each by the member type it wraps.
        let mut variants: Vec<(String, syn::Variant)> = Vec::new();
        for variant in &e.variants {
            let syn::Fields::Unnamed(fields) = &variant.fields else {
                variants.clear();
                break;
            };
            let ty = fields
                .unnamed
                .first()
                .map(|f| type_ident(&f.ty))
                .unwrap_or_default();
            if !by_name.contains_key(&ty) {
                variants.clear();
                break;
            }
            variants.push((
                ty,
                syn::parse2(variant.to_token_stream()).expect("reparses"),
            ));
        }
        if variants.is_empty() {
            continue;
        }
        let order = union_order(
            &name,
            &variants.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
            &by_name,
        )?;
        let current: Vec<String> = variants.iter().map(|(t, _)| t.clone()).collect();
        if order != current {
            let mut by_ty: BTreeMap<String, syn::Variant> = variants.into_iter().collect();
            e.variants = order
                .iter()
                .map(|t| by_ty.remove(t).expect("every member once"))
                .collect();
            reordered.push(name);
        }
    }
    Ok(reordered)
}

/// An order of `members` in which each refuses every later one, the
/// current order kept where it already does; an error naming the union and
/// two members no order tells apart.
fn union_order(
    union: &str,
    members: &[String],
    shapes: &BTreeMap<String, Shape>,
) -> Result<Vec<String>, String> {
    let mut left: Vec<String> = members.to_vec();
    let mut order = Vec::new();
    while !left.is_empty() {
        // The first member (in the current order) that refuses all others left.
        let next = left.iter().position(|a| {
            left.iter()
                .filter(|b| *b != a)
                .all(|b| refuses(&shapes[a], &shapes[b]))
        });
        match next {
            Some(i) => order.push(left.remove(i)),
            None => {
                let (a, b) = left
                    .iter()
                    .flat_map(|a| left.iter().map(move |b| (a, b)))
                    .find(|(a, b)| a != b && !refuses(&shapes[*a], &shapes[*b]))
                    .expect("some pair fails");
                return Err(format!(
                    "union `{union}` has no discriminator and its members cannot be told apart \
                     by shape: a `{b}` also decodes as a `{a}` (give `{a}` a required property \
                     `{b}` does not declare, or the union a discriminator)"
                ));
            }
        }
    }
    Ok(order)
}

// ---------------------------------------------------------------- requests

fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    let strings: Vec<String> = values
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!strings.is_empty()).then_some(strings)
}

/// One place of one operation's request whose schema is a string enum.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct EnumUse {
    operation: String,
    /// `Query`, `Path`, `Header` or `Body` (`avara::validate::Location`).
    location: &'static str,
    /// The parameter's name, or the body pointer (`*` for every item).
    target: String,
    /// An array parameter sent as one comma-separated value.
    comma_separated: bool,
    /// The generated enum of the place, when the names say which.
    rust_type: Option<String>,
    values: Vec<String>,
}

#[derive(Default)]
struct RequestFacts {
    /// `(struct, JSON property)` of optional nullable body properties.
    nullable: BTreeSet<(String, String)>,
    enums: BTreeSet<EnumUse>,
}

/// The generated type a Rust type string names last (`Option<types::A>` → `A`).
fn last_type_name(ty: &str) -> Option<String> {
    let ty = ty.replace(' ', "");
    let at = ty.rfind("types::")? + "types::".len();
    let name: String = ty[at..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn request_facts(spec: &LoadedSpec, names: &RustNames) -> RequestFacts {
    let mut facts = RequestFacts::default();
    for op in spec.operations() {
        let op_names = names.operation(op.id).ok();
        for param in op.parameters(spec) {
            let location = match param.location {
                Some(Location::Query) => "Query",
                Some(Location::Path) => "Path",
                Some(Location::Header) => "Header",
                _ => continue,
            };
            let Some(schema) = param.json.get("schema") else {
                continue;
            };
            // An array parameter's items, each its own value on the wire
            // (comma-separated in one, or one per repeated parameter).
            let schema = spec.schema_json(schema);
            let (schema, comma_separated) = match schema.get("items") {
                Some(items) if schema.get("type") == Some(&Value::from("array")) => (
                    spec.schema_json(items),
                    param.is_comma_separated_array(spec),
                ),
                _ => (schema, false),
            };
            if let Some(values) = string_enum(schema) {
                facts.enums.insert(EnumUse {
                    operation: op.id.to_string(),
                    location,
                    target: param.name.to_string(),
                    comma_separated,
                    rust_type: op_names
                        .and_then(|o| o.parameter_types.get(param.name))
                        .and_then(|t| last_type_name(t)),
                    values,
                });
            }
        }
        if let Some(body) = op.json_body(spec) {
            let root = op_names
                .and_then(|o| o.body.as_deref())
                .map(|b| b.trim_start_matches("types::").to_string());
            let mut walk = BodyWalk {
                spec,
                names,
                operation: op.id,
                facts: &mut facts,
            };
            walk.visit(body.schema, root.as_deref(), "", 0);
        }
    }
    facts
}

struct BodyWalk<'a> {
    spec: &'a LoadedSpec,
    names: &'a RustNames,
    operation: &'a str,
    facts: &'a mut RequestFacts,
}

impl BodyWalk<'_> {
    /// `node` is the schema at body `pointer`, of generated type `rust`.
    fn visit(&mut self, node: &Value, rust: Option<&str>, pointer: &str, depth: usize) {
        // Deep enough for any real body; a recursive schema stops here.
        if depth > 24 {
            return;
        }
        let s = self.spec.schema_json(node);
        if let Some(values) = string_enum(s) {
            self.facts.enums.insert(EnumUse {
                operation: self.operation.to_string(),
                location: "Body",
                target: if pointer.is_empty() {
                    "/".into()
                } else {
                    pointer.into()
                },
                comma_separated: false,
                rust_type: rust.map(str::to_string),
                values,
            });
            return;
        }
        if let Some(all_of) = s.get("allOf").and_then(Value::as_array) {
            for member in all_of {
                self.visit(member, rust, pointer, depth + 1);
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            let required: BTreeSet<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (name, prop) in props {
                let field = rust.and_then(|r| self.names.field(r, name).ok());
                let nullable = [prop, self.spec.deref(prop), self.spec.schema_json(prop)]
                    .iter()
                    .any(|n| n.get("nullable") == Some(&Value::Bool(true)));
                if nullable
                    && !required.contains(name.as_str())
                    && let (Some(r), Some(_)) = (rust, field)
                {
                    self.facts.nullable.insert((r.to_string(), name.clone()));
                }
                let child = field.and_then(|f| last_type_name(&f.ty));
                let at = format!("{pointer}/{}", escape_pointer_token(name));
                self.visit(prop, child.as_deref(), &at, depth + 1);
            }
        }
        if let Some(items) = s.get("items") {
            self.visit(items, rust, &format!("{pointer}/*"), depth + 1);
        }
        if let Some(values) = s.get("additionalProperties").filter(|v| v.is_object()) {
            self.visit(values, rust, &format!("{pointer}/*"), depth + 1);
        }
    }
}

/// `avara::validate`'s table of the enum places of every request.
fn enum_checks(uses: &BTreeSet<EnumUse>, enums: &BTreeMap<String, Vec<String>>) -> syn::Item {
    let rows = uses.iter().map(|u| {
        let operation = &u.operation;
        let location = format_ident!("{}", u.location);
        let target = &u.target;
        let comma_separated = u.comma_separated;
        // The generated enum's `VALUES` when it is this place's type and
        // has exactly the spec's values, else the values written out.
        let known = u
            .rust_type
            .as_ref()
            .filter(|t| enums.get(*t) == Some(&u.values));
        let (type_name, values) = match known {
            Some(ty) => {
                let ident = format_ident!("{ty}");
                (ty.clone(), quote! { self::types::#ident::VALUES })
            }
            None => {
                let values = &u.values;
                (String::new(), quote! { &[#(#values),*] })
            }
        };
        quote! {
            crate::validate::EnumCheck {
                operation: #operation,
                location: crate::validate::Location::#location,
                target: #target,
                comma_separated: #comma_separated,
                type_name: #type_name,
                values: #values,
            },
        }
    });
    syn::parse_quote! {
        /// Every place of a request whose schema is a string enum, with the
        /// values it allows (generated by `xtask/src/progenitor_output/types.rs`).
        pub const ENUM_CHECKS: &[crate::validate::EnumCheck] = &[#(#rows)*];
    }
}

// ---------------------------------------------------------------- nullable

/// Makes each `(struct, property)` of `fields` a `crate::Nullable<T>` in
/// `types`, its builder and its setter; returns `Struct.field` of each.
fn nullable_fields(
    types: &mut [syn::Item],
    fields: &BTreeSet<(String, String)>,
) -> Result<Vec<String>, String> {
    let mut by_struct: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, p) in fields {
        by_struct.entry(s).or_default().push(p);
    }
    let mut done = Vec::new();
    // The field idents, found in `types` by JSON name, for the builder.
    let mut idents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let Some(props) = by_struct.get(s.ident.to_string().as_str()) else {
            continue;
        };
        for field in s.fields.iter_mut() {
            let Some(ident) = field.ident.clone() else {
                continue;
            };
            let (rename, json) = serde_name(field, &ident.to_string());
            if !props.contains(&json.as_str()) {
                continue;
            }
            let Some(inner) = option_inner(&field.ty) else {
                return Err(format!(
                    "`{}.{ident}` is optional and nullable but typify made it `{}`, not an `Option`",
                    s.ident,
                    field.ty.to_token_stream()
                ));
            };
            field.ty = syn::parse_quote!(crate::Nullable<#inner>);
            field.attrs.retain(|a| !a.path().is_ident("serde"));
            field.attrs.push(match rename {
                Some(rename) => syn::parse_quote!(#[serde(
                    rename = #rename,
                    default,
                    skip_serializing_if = "crate::Nullable::is_absent"
                )]),
                None => syn::parse_quote!(#[serde(
                    default,
                    skip_serializing_if = "crate::Nullable::is_absent"
                )]),
            });
            idents
                .entry(s.ident.to_string())
                .or_default()
                .push(ident.to_string());
            done.push(format!("{}.{ident}", s.ident));
        }
    }
    let Some(builder) = module_mut(types, "builder") else {
        return Ok(done);
    };
    for item in builder.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                let Some(wanted) = idents.get(&s.ident.to_string()) else {
                    continue;
                };
                for field in s.fields.iter_mut() {
                    if field
                        .ident
                        .as_ref()
                        .is_some_and(|i| wanted.contains(&i.to_string()))
                    {
                        nullable_in_first_argument(&mut field.ty)?;
                    }
                }
            }
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                let Some(wanted) = idents.get(&self_name(imp)) else {
                    continue;
                };
                for member in imp.items.iter_mut() {
                    let syn::ImplItem::Fn(setter) = member else {
                        continue;
                    };
                    if !wanted.contains(&setter.sig.ident.to_string()) {
                        continue;
                    }
                    let bound = setter
                        .sig
                        .generics
                        .where_clause
                        .as_mut()
                        .and_then(|w| w.predicates.first_mut());
                    let Some(syn::WherePredicate::Type(bound)) = bound else {
                        return Err(format!("setter `{}` has no bound", setter.sig.ident));
                    };
                    let Some(syn::TypeParamBound::Trait(t)) = bound.bounds.first_mut() else {
                        return Err(format!("setter `{}` has no trait bound", setter.sig.ident));
                    };
                    let last = t.path.segments.last_mut().expect("a path");
                    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
                        return Err(format!("setter `{}`: no `TryInto<_>`", setter.sig.ident));
                    };
                    let Some(syn::GenericArgument::Type(ty)) = args.args.first_mut() else {
                        return Err(format!("setter `{}`: no `TryInto<_>`", setter.sig.ident));
                    };
                    let Some(inner) = option_inner(ty) else {
                        return Err(format!(
                            "setter `{}` takes `{}`, not an `Option`",
                            setter.sig.ident,
                            ty.to_token_stream()
                        ));
                    };
                    *ty = syn::parse_quote!(crate::Nullable<#inner>);
                }
            }
            _ => {}
        }
    }
    Ok(done)
}

/// The `rename` of a field's serde attribute and its JSON name.
fn serde_name(field: &syn::Field, ident: &str) -> (Option<String>, String) {
    match serde_rename(&field.attrs) {
        Some(rename) => (Some(rename.clone()), rename),
        None => (None, ident.trim_start_matches("r#").to_string()),
    }
}

/// `T` of `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    first_type_argument(last).map(copy_type)
}

/// `Result<Option<T>, E>` → `Result<crate::Nullable<T>, E>` (a builder field).
fn nullable_in_first_argument(ty: &mut syn::Type) -> Result<(), String> {
    let text = ty.to_token_stream().to_string();
    let syn::Type::Path(p) = ty else {
        return Err(format!("builder field of type `{text}`"));
    };
    let last = p.path.segments.last_mut().expect("a path");
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return Err(format!("builder field of type `{text}`"));
    };
    let Some(syn::GenericArgument::Type(first)) = args.args.first_mut() else {
        return Err(format!("builder field of type `{text}`"));
    };
    let inner = option_inner(first).ok_or_else(|| format!("builder field of type `{text}`"))?;
    *first = syn::parse_quote!(crate::Nullable<#inner>);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(tokens: impl ToTokens) -> String {
        tokens.to_token_stream().to_string()
    }

    /// A `types` module as typify writes it, with a use of a variant
    /// outside the enum's impls.
    fn sample() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, PartialEq)]
                pub enum GridLayout {
                    #[serde(rename = "1x1")]
                    X1x1,
                    #[serde(rename = "2x2")]
                    X2x2,
                    #[serde(rename = "Xylophone")]
                    Xylophone,
                }
                impl ::std::fmt::Display for GridLayout {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::X1x1 => f.write_str("1x1"),
                            Self::X2x2 => f.write_str("2x2"),
                            Self::Xylophone => f.write_str("Xylophone"),
                        }
                    }
                }
                impl ::std::str::FromStr for GridLayout {
                    type Err = &'static str;
                    fn from_str(value: &str) -> ::std::result::Result<Self, &'static str> {
                        match value {
                            "1x1" => Ok(Self::X1x1),
                            "2x2" => Ok(Self::X2x2),
                            "Xylophone" => Ok(Self::Xylophone),
                            _ => Err("invalid value"),
                        }
                    }
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, PartialEq)]
                pub enum EventType {
                    #[serde(rename = "thing.happened")]
                    ThingHappened,
                }
                pub mod builder {
                    impl ::std::default::Default for Screen {
                        fn default() -> Self {
                            Self { layout: Ok(super::GridLayout::X2x2) }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn digit_variants_take_their_enums_last_word_everywhere() {
        let mut file = sample();
        let renames = variant_renames(&file);
        assert_eq!(
            renames["GridLayout"],
            BTreeMap::from([
                ("X1x1".to_string(), "Layout1x1".to_string()),
                ("X2x2".to_string(), "Layout2x2".to_string()),
            ])
        );
        rename_variants(&mut file.items, &renames).unwrap();
        let text = normalized(&file);
        assert!(!text.contains("X1x1") && !text.contains("X2x2"), "{text}");
        for renamed in [
            "Layout1x1 ,",
            "Self :: Layout1x1 => f . write_str (\"1x1\")",
            "Ok (Self :: Layout2x2)",
            "super :: GridLayout :: Layout2x2",
        ] {
            assert!(text.contains(renamed), "{renamed} in {text}");
        }
        // A name that merely starts with X is typify's own spelling.
        assert!(text.contains("Self :: Xylophone =>"));
    }

    #[test]
    fn enums_of_two_values_or_more_open_and_one_value_enums_stay_closed() {
        let mut file = sample();
        let types = module_mut(&mut file.items, "types").unwrap();
        let opened = open_enums(types).unwrap();
        assert_eq!(opened, ["GridLayout"]);
        let text = normalized(&file);
        assert!(
            text.contains("# [serde (untagged)] Unknown (:: std :: string :: String)"),
            "{text}"
        );
        assert_eq!(
            text.matches("Unknown (").count(),
            2,
            "variant + Display arm"
        );
        assert!(text.contains("Self :: Unknown (value) => f . write_str (value)"));
        assert!(!text.contains("match * self"), "typify's Display is gone");
        // `Copy` goes with the `String`; the closed enum keeps it.
        assert_eq!(text.matches("Copy").count(), 1, "{text}");
        assert!(text.contains("Clone , Copy , Debug , PartialEq)] pub enum EventType"));
        // Every unit enum has its values; `FromStr` is untouched (strict).
        assert!(text.contains(
            "pub const VALUES : & 'static [& 'static str] = & [\"1x1\" , \"2x2\" , \"Xylophone\"]"
        ));
        assert!(text.contains("= & [\"thing.happened\"]"));
        assert!(text.contains("_ => Err (\"invalid value\")"));
    }

    #[test]
    fn the_cli_follows_the_renames_of_the_clients_variants() {
        // A fixture: the real spec with a query enum whose values start
        // with digits, which the CLI offers as an argument's values.
        let root = crate::workspace_root();
        let text = std::fs::read_to_string(root.join(crate::codegen::SPEC))
            .unwrap()
            .replace(
                "enum: [all, expired, not-expired]\n      example: not-expired",
                "enum: [1d, 7d, all]\n      example: 7d",
            );
        let spec = crate::spec::parse(std::path::Path::new("fixture.yaml"), text).unwrap();
        let generated = crate::codegen::generate_from(&spec).unwrap();
        let file = |path: &str| {
            &generated
                .files
                .iter()
                .find(|f| f.relative_path == path)
                .unwrap()
                .contents
        };
        let client = file(crate::codegen::CLIENT_GENERATED);
        let cli = file(crate::codegen::CLI_GENERATED);
        assert!(client.contains("Filter7d"), "the client renames");
        assert!(
            cli.contains("types::InvitationExpiredFilter::Filter7d"),
            "the CLI names the renamed variant"
        );
        assert!(!cli.contains("X7d") && !client.contains("X7d"));
    }

    fn object(required: &[&str], properties: &[&str]) -> Shape {
        Shape {
            properties: properties.iter().map(|p| p.to_string()).collect(),
            required: required.iter().map(|p| p.to_string()).collect(),
            closed: false,
            constants: BTreeMap::new(),
            enums: BTreeMap::new(),
        }
    }

    #[test]
    fn union_members_are_ordered_so_that_none_takes_a_later_ones_body() {
        // `Item` requires only what `List` also has: a list body (with
        // extra fields tolerated) would decode as an item if it came first.
        let shapes = BTreeMap::from([
            (
                "Item".to_string(),
                object(&["studyId"], &["studyId", "url"]),
            ),
            (
                "List".to_string(),
                object(&["studyId", "reports"], &["studyId", "reports"]),
            ),
        ]);
        let members = ["Item".to_string(), "List".to_string()];
        assert_eq!(
            union_order("Answer", &members, &shapes).unwrap(),
            ["List", "Item"]
        );
        let reversed = ["List".to_string(), "Item".to_string()];
        assert_eq!(
            union_order("Answer", &reversed, &shapes).unwrap(),
            ["List", "Item"]
        );
    }

    #[test]
    fn union_members_no_order_tells_apart_fail_naming_them() {
        let shapes = BTreeMap::from([
            ("A".to_string(), object(&["id"], &["id", "a"])),
            ("B".to_string(), object(&["id"], &["id", "b"])),
        ]);
        let error =
            union_order("Either", &["A".to_string(), "B".to_string()], &shapes).unwrap_err();
        assert!(error.contains("union `Either`"), "{error}");
        assert!(error.contains("`B` also decodes as a `A`"), "{error}");
        // A one-value enum (an event's `type`) tells them apart.
        let mut a = object(&["id", "type"], &["id", "type"]);
        let mut b = object(&["id", "type"], &["id", "type"]);
        a.constants.insert("type".into(), "a.happened".into());
        a.enums
            .insert("type".into(), BTreeSet::from(["a.happened".into()]));
        b.constants.insert("type".into(), "b.happened".into());
        b.enums
            .insert("type".into(), BTreeSet::from(["b.happened".into()]));
        let shapes = BTreeMap::from([("A".to_string(), a), ("B".to_string(), b)]);
        assert_eq!(
            union_order("Event", &["A".to_string(), "B".to_string()], &shapes).unwrap(),
            ["A", "B"]
        );
    }

    #[test]
    fn the_real_client_has_nullable_update_fields_open_enums_and_enum_checks() {
        let root = crate::workspace_root();
        let spec = crate::spec::load(&root.join("spec/openapi.yaml")).unwrap();
        let generated = crate::codegen::generate_from(&spec).unwrap();
        let client = &generated
            .files
            .iter()
            .find(|f| f.relative_path == crate::codegen::CLIENT_GENERATED)
            .unwrap()
            .contents;
        let file = syn::parse_file(client).unwrap();
        let types = crate::progenitor_output::names::module(&file.items, "types").unwrap();
        let field = |ty: &str, name: &str| -> String {
            types
                .iter()
                .find_map(|item| match item {
                    syn::Item::Struct(s) if s.ident == ty => s
                        .fields
                        .iter()
                        .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
                        .map(|f| f.ty.to_token_stream().to_string().replace(' ', "")),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{ty}.{name}"))
        };
        // Optional and nullable in an update body: Nullable; not nullable:
        // still an Option; in an answer: still an Option.
        assert_eq!(
            field("AutoScribeUserUpdateParams", "clinic_role"),
            "crate::Nullable<ClinicRole>"
        );
        assert_eq!(
            field("AutoScribeUserUpdateParams", "first_name"),
            "::std::option::Option<::std::string::String>"
        );
        assert_eq!(
            field("AutoScribeUser", "middle_name"),
            "::std::option::Option<::std::string::String>"
        );
        assert!(client.contains(
            "impl<W> crate::fields::IntoField<crate::Nullable<super::ClinicRole>> for W"
        ));
        assert!(client.contains("Layout1x1"));
        assert!(!client.contains("X1x1"));
        // The union's members in an order that cannot mistake one for another.
        let text = client.replace([' ', '\n'], "");
        assert!(
            text.contains("pubenumReportPdfResponse{Item(ReportPdfItem),List(ReportPdfList),}")
        );
        assert!(
            text.contains(
                "operation:\"auto_scribe_users_update\",location:crate::validate::Location::Body,\
                 target:\"/clinicRole\",comma_separated:false,type_name:\"ClinicRole\",\
                 values:self::types::ClinicRole::VALUES"
            ),
            "the update's clinicRole is checked"
        );
    }
}
