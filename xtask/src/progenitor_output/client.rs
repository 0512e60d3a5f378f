//! progenitor's client: the generator, the facts read from it and the
//! rewrites applied to it before it is written.

use progenitor::Generator;
use quote::{ToTokens, quote};

use super::{doc_of, impl_fns, module_items};
use crate::progenitor_output::names::RustNames;
use crate::spec::LoadedSpec;

/// progenitor's client for `spec` with this SDK's [`settings`](super::settings),
/// untouched, and the number of types its type space holds.
pub fn generate(spec: &LoadedSpec) -> Result<(syn::File, usize), String> {
    let mut generator = Generator::new(&super::settings());
    let tokens = super::run(|| generator.generate_tokens(&spec.openapi))?;
    let types = generator.get_type_space().iter_types().count();
    Ok((super::parse(tokens)?, types))
}

/// Moves the `schemars::JsonSchema` derive that progenitor's CLI needs on
/// every type behind the `avara` crate's `schemars` feature: consumers who
/// do not use the CLI do not build schemars.
pub fn schemars_behind_feature(file: &mut syn::File) {
    derive_behind_feature(&mut file.items, SCHEMARS_DERIVE, SCHEMARS_FEATURE);
}

/// Gives every field of a generated struct that has no doc the description
/// of the schema behind its property's `$ref` (typify documents a property
/// only by its own `description`, so `orgName: {$ref: OrgName}` had none).
pub fn describe_referenced_fields(spec: &LoadedSpec, names: &RustNames, file: &mut syn::File) {
    let Some(schemas) = spec
        .json
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
    else {
        return;
    };
    let Some(types) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, i)| i),
        _ => None,
    }) else {
        return;
    };
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else {
            continue;
        };
        let Some(fields) = names.structs.get(&s.ident.to_string()) else {
            continue;
        };
        // The component schema of this struct: the one whose properties
        // are exactly the struct's JSON names, and if several are, whose
        // description is the struct's doc.
        let same_properties: Vec<&serde_json::Value> = schemas
            .values()
            .filter(|schema| {
                let schema = spec.schema_json(schema);
                schema
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .is_some_and(|p| {
                        p.len() == fields.len() && p.keys().all(|k| fields.contains_key(k))
                    })
            })
            .collect();
        let struct_doc = doc_of(&s.attrs);
        let schema = match same_properties[..] {
            [one] => one,
            _ => match same_properties
                .iter()
                .filter(|schema| spec.description(schema).map(str::trim) == Some(struct_doc.trim()))
                .collect::<Vec<_>>()[..]
            {
                [one] => *one,
                _ => continue,
            },
        };
        let properties = spec
            .schema_json(schema)
            .get("properties")
            .and_then(|p| p.as_object());
        for field in s.fields.iter_mut() {
            let Some(ident) = &field.ident else { continue };
            if field.attrs.iter().any(|a| a.path().is_ident("doc")) {
                continue;
            }
            let ident = ident.to_string();
            let Some(property) = fields
                .iter()
                .find(|(_, f)| f.ident == ident)
                .and_then(|(json, _)| properties.and_then(|p| p.get(json)))
            else {
                continue;
            };
            if let Some(description) = spec.description(property) {
                let doc = description.to_string();
                field.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
            }
        }
    }
}

/// Gives the setters of the generated builders the doc of what they set:
/// a `types::builder::<Type>` setter the doc of its field, an operation
/// builder's parameter setter the description of the parameter (or of the
/// schema behind its `$ref`).
pub fn describe_setters(spec: &LoadedSpec, names: &RustNames, file: &mut syn::File) {
    let field_docs: std::collections::HashMap<(String, String), Vec<syn::Attribute>> =
        module_items(&mut file.items, "types")
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s),
                _ => None,
            })
            .flat_map(|s| {
                s.fields.iter().filter_map(move |f| {
                    let docs: Vec<syn::Attribute> = f
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("doc"))
                        .map(|a| syn::parse_quote!(#a))
                        .collect();
                    let ident = f.ident.as_ref()?.to_string();
                    (!docs.is_empty()).then(|| ((s.ident.to_string(), ident), docs))
                })
            })
            .collect();
    let types = module_items(&mut file.items, "types");
    for item in module_items(types, "builder").iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(path) = &*imp.self_ty else {
            continue;
        };
        let Some(ty) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for f in impl_fns(imp) {
            if let Some(docs) = field_docs.get(&(ty.clone(), f.sig.ident.to_string())) {
                f.attrs
                    .splice(0..0, docs.iter().map(|a| syn::parse_quote!(#a)));
            }
        }
    }
    let mut parameter_docs = std::collections::HashMap::new();
    for op in spec.operations() {
        let Ok(op_names) = names.operation(op.id) else {
            continue;
        };
        for param in op.parameters(spec) {
            let description = spec
                .description(param.json)
                .or_else(|| param.json.get("schema").and_then(|s| spec.description(s)));
            if let (Some(setter), Some(description)) =
                (op_names.parameters.get(param.name), description)
            {
                parameter_docs.insert(
                    (op_names.builder.clone(), setter.clone()),
                    description.to_string(),
                );
            }
        }
    }
    for item in module_items(&mut file.items, "builder").iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(path) = &*imp.self_ty else {
            continue;
        };
        let Some(builder) = path.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for f in impl_fns(imp) {
            if let Some(doc) = parameter_docs.get(&(builder.clone(), f.sig.ident.to_string())) {
                f.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
            }
        }
    }
}

/// The derive that progenitor's CLI needs on every type, and the feature of
/// the `avara` crate that turns it on: consumers who do not use the CLI do not
/// build schemars.
const SCHEMARS_DERIVE: &str = "schemars :: JsonSchema";
const SCHEMARS_FEATURE: &str = "schemars";

/// Moves `derive` out of every `#[derive(...)]` in `items` (recursively) into
/// `#[cfg_attr(feature = "<feature>", derive(<derive>))]`.
fn derive_behind_feature(items: &mut [syn::Item], derive: &str, feature: &str) {
    use syn::punctuated::Punctuated;
    for item in items {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    derive_behind_feature(inner, derive, feature);
                }
                continue;
            }
            _ => continue,
        };
        let mut moved = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) =
                attr.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| quote!(#p).to_string() != derive)
                .collect();
            if kept.len() != paths.len() {
                moved = true;
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if moved {
            let path: syn::Path = syn::parse_str(derive).expect("a derive path");
            attrs.push(syn::parse_quote!(#[cfg_attr(feature = #feature, derive(#path))]));
        }
    }
}

/// The type each body builder setter of the generated client converts into,
/// by `(body type, setter)`, as Rust source relative to the crate path.
pub type SetterTypes = std::collections::HashMap<(String, String), String>;

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
