//! Everything that knows the shape of progenitor's output: the settings it
//! runs with, its three generators (client, typed httpmock, clap CLI), the
//! facts read back from what they generate (the CLI's command of an
//! operation, the setters of a builder, the methods of the httpmock
//! extension) and the named rewrites applied to it (docs on fields, setters
//! and arguments; schemars behind a feature; array query parameters in the
//! httpmock matchers and the CLI; progenitor's own CLI execution pruned).
//!
//! No other module of xtask matches progenitor's tokens or text: the glue
//! (`sdk.rs`, `cli_gen.rs`, `mock_gen.rs`) is generated from the spec and
//! from the facts these functions return (`tests/progenitor_output.rs`
//! scans the rest of `xtask/src` for syn-tree walks and token-text
//! matching).
//!
//! - `client.rs`: the client (`generated-client/src/generated.rs`);
//! - `httpmock.rs`: the typed httpmock extension;
//! - `cli.rs`: the clap command set.

pub mod cli;
pub mod client;
pub mod ergonomics;
pub mod httpmock;
pub mod names;
pub mod types;

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::spec::LoadedSpec;

/// The progenitor settings of this SDK: builder interface, and hooks that the
/// hand-written runtime must implement (auth, retries, validation).
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { crate::ClientConfig })
        .with_derive("PartialEq")
        // progenitor's CLI bounds every printed type by `schemars::JsonSchema`.
        .with_derive("schemars::JsonSchema");
    settings
}

/// progenitor's own client for `spec` with its default settings and none of
/// this workspace's glue, formatted.
pub fn plain_client(spec: &LoadedSpec) -> Result<String, String> {
    let tokens =
        run(|| Generator::new(&GenerationSettings::default()).generate_tokens(&spec.openapi))?;
    parse(tokens).map(|file| prettyplease::unparse(&file))
}

/// The element type `T` of a list type as the generated client spells it
/// (`::std::vec::Vec<T>`, or `Vec<T>`), in the text `RustNames` gives
/// types in; `None` for any other type.
pub fn vec_element(ty: &str) -> Option<&str> {
    ty.strip_prefix("::std::vec::Vec<")
        .or_else(|| ty.strip_prefix("Vec<"))
        .and_then(|t| t.strip_suffix('>'))
}

/// The first type argument of a path segment written with angle brackets:
/// `T` of `Option<T>`, `Vec<T>` or `TryInto<T>`.
pub(crate) fn first_type_argument(segment: &syn::PathSegment) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

/// A copy of a type (syn is built without its `Clone` impls).
pub(crate) fn copy_type(ty: &syn::Type) -> syn::Type {
    syn::parse2(quote::ToTokens::to_token_stream(ty)).expect("a printed type parses back")
}

/// Runs one progenitor generator, turning its panics and errors into messages.
fn run(
    f: impl FnOnce() -> Result<proc_macro2::TokenStream, progenitor::Error>,
) -> Result<proc_macro2::TokenStream, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|panic| panic_message(&panic))?
        .map_err(|e| e.to_string())
}

/// The message of a panic of progenitor (in one of its generators or on a
/// generator thread).
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("progenitor panicked: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("progenitor panicked: {s}")
    } else {
        "progenitor panicked".into()
    }
}

fn parse(tokens: proc_macro2::TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))
}

/// The items of the inline module `name` among `items` (empty if none).
fn module_items<'a>(items: &'a mut [syn::Item], name: &str) -> &'a mut [syn::Item] {
    match crate::progenitor_output::names::module_mut(items, name) {
        Some(items) => items,
        None => &mut [],
    }
}

fn impl_fns(imp: &mut syn::ItemImpl) -> impl Iterator<Item = &mut syn::ImplItemFn> {
    imp.items.iter_mut().filter_map(|item| match item {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// The text of an item's `#[doc]` attributes, joined by lines.
fn doc_of(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter_map(crate::progenitor_output::names::doc_text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::vec_element;

    #[test]
    fn a_list_type_gives_its_element() {
        assert_eq!(
            vec_element("::std::vec::Vec<types::Study>"),
            Some("types::Study")
        );
        assert_eq!(
            vec_element("Vec<::std::vec::Vec<i64>>"),
            Some("::std::vec::Vec<i64>")
        );
        assert_eq!(vec_element("::std::option::Option<types::Study>"), None);
        assert_eq!(vec_element("types::StudyList"), None);
    }
}
