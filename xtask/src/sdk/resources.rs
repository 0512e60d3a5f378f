//! The client's resource tree, named as the official SDKs name it:
//! `client.express().users().add(id)`. Each operation's resource path and
//! verb come from the spec ([`SpecOperation::resource`] and
//! [`SpecOperation::verb`]: its first tag and its operationId); a resource
//! is a struct borrowing the client, with one accessor per child resource
//! and one method per verb that starts the operation's builder with the path
//! parameters set from its arguments.

use std::collections::BTreeMap;

use heck::ToPascalCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::progenitor_output::names::{OperationNames, RustNames};
use crate::resource_tree::{Resource, ResourceTree, path_parameters};
use crate::spec::{LoadedSpec, SpecError, SpecOperation};

/// How a caller reaches a resource: `client.express().users()`.
pub fn accessor_chain(resource: &Resource<'_>) -> String {
    let mut chain = String::from("client");
    for segment in &resource.path {
        chain.push_str(&format!(".{segment}()"));
    }
    chain
}

/// Checks what the Rust names add to the tree's own rules: no two resources
/// make the same type name, and no top resource has the name of an
/// operation's flat method on the client.
pub fn check(spec: &LoadedSpec, tree: &ResourceTree<'_>) -> Result<(), SpecError> {
    let mut type_names: BTreeMap<String, String> = BTreeMap::new();
    for node in &tree.nodes {
        if let Some(other) = type_names.insert(type_name(&node.path), node.name()) {
            let op = tree
                .nodes
                .iter()
                .filter(|n| n.path.starts_with(&node.path))
                .find_map(|n| n.operations.first());
            let pointer = op.map(|op| format!("{}/tags/0", op.pointer));
            return Err(spec.error_at(
                pointer.as_deref().unwrap_or("/tags"),
                format!(
                    "the resources `{other}` and `{}` would both be the type `resources::{}`; rename one",
                    node.name(),
                    type_name(&node.path)
                ),
            ));
        }
    }
    let operations = spec.operations();
    for top in tree.top() {
        if let Some(op) = operations.iter().find(|op| op.id == top.path[0]) {
            return Err(spec.error_at(
                &format!("{}/operationId", op.pointer),
                format!(
                    "operationId `{}` gives the client a method of the same name as the resource `{}`",
                    op.id, top.path[0]
                ),
            ));
        }
    }
    Ok(())
}

/// The struct of a resource in `resources::`: `["express", "users"]` →
/// `ExpressUsers`.
pub fn type_name(path: &[&str]) -> String {
    path.join("_").to_pascal_case()
}

/// The `Client` accessors and the `resources` module.
pub fn generate(
    spec: &LoadedSpec,
    tree: &ResourceTree<'_>,
    names: &RustNames,
    verb_docs: &BTreeMap<String, Vec<String>>,
) -> Result<TokenStream, SpecError> {
    let about = |node: &Resource<'_>| -> Vec<String> {
        let chain = accessor_chain(node);
        match node.description() {
            Some(text) => {
                let mut lines = text.trim_end().lines();
                let mut doc = vec![format!(" `{chain}`: {}", lines.next().unwrap_or_default())];
                doc.extend(lines.map(|l| format!(" {l}")));
                doc
            }
            None => vec![format!(
                " `{chain}`: the resources under `{}`.",
                node.name()
            )],
        }
    };

    let mut accessors = Vec::new();
    for top in tree.top() {
        let method = format_ident!("{}", top.path[0]);
        let ty = format_ident!("{}", type_name(&top.path));
        let doc = about(top);
        accessors.push(quote! {
            #(#[doc = #doc])*
            pub fn #method(&self) -> resources::#ty<'_> {
                resources::#ty { client: self }
            }
        });
    }

    let mut structs = Vec::new();
    for node in &tree.nodes {
        let ty = format_ident!("{}", type_name(&node.path));
        let mut doc = about(node);
        if !node.operations.is_empty() {
            doc.push(String::new());
            doc.push(" | Method | Request |".into());
            doc.push(" |---|---|".into());
            for op in &node.operations {
                doc.push(format!(
                    " | [`{verb}`](Self::{verb}) | `{} {}` |",
                    op.method,
                    op.path,
                    verb = op.verb()
                ));
            }
        }
        if !node.children.is_empty() {
            doc.push(String::new());
            let list: Vec<String> = node
                .children
                .iter()
                .map(|c| format!("[`{c}()`](Self::{c})"))
                .collect();
            doc.push(format!(" Resources under it: {}.", list.join(", ")));
        }

        let mut methods = Vec::new();
        for child in &node.children {
            let mut path = node.path.clone();
            path.push(child);
            let child_node = tree.get(&path).expect("every child is a node of the tree");
            let child_ty = format_ident!("{}", type_name(&child_node.path));
            let method = format_ident!("{}", child);
            let child_doc = about(child_node);
            methods.push(quote! {
                #(#[doc = #child_doc])*
                pub fn #method(&self) -> #child_ty<'a> {
                    #child_ty { client: self.client }
                }
            });
        }
        for op in &node.operations {
            let op_names = names
                .operation(op.id)
                .map_err(|e| spec.error_at(&op.pointer, e))?;
            let doc = verb_docs.get(op.id).cloned().unwrap_or_default();
            methods.push(verb(spec, op, op_names, &doc)?);
        }
        structs.push(quote! {
            #(#[doc = #doc])*
            #[derive(Clone, Copy, Debug)]
            pub struct #ty<'a> {
                pub(crate) client: &'a crate::Client,
            }
            impl<'a> #ty<'a> {
                #(#methods)*
            }
        });
    }

    Ok(quote! {
        use crate::generated::Client;

        /// The API's resources, as the official SDKs name them.
        impl Client {
            #(#accessors)*
        }

        /// The API's resources, as the official SDKs name them: reached from
        /// the client (`client.express().users()`), each with a method per
        /// operation that returns the operation's builder, its path
        /// parameters taken as arguments. Await the builder to send it.
        pub mod resources {
            use crate::generated::builder;
            #[allow(unused_imports)]
            use crate::generated::types;

            #(#structs)*
        }
    })
}

/// The method of one verb: the operation's builder with its path parameters
/// set from the arguments, accepting what the builder's setters accept.
fn verb(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    op_names: &OperationNames,
    doc: &[String],
) -> Result<TokenStream, SpecError> {
    let method = format_ident!("{}", op.verb());
    let start = format_ident!("{}", op_names.method);
    let builder = format_ident!("{}", op_names.builder);
    let mut generics = Vec::new();
    let mut args = Vec::new();
    let mut bounds = Vec::new();
    let mut setters = Vec::new();
    for (i, param) in path_parameters(spec, op).iter().enumerate() {
        let name = param.name;
        let (Some(setter), Some(ty)) = (
            op_names.parameters.get(name),
            op_names.parameter_types.get(name),
        ) else {
            return Err(spec.error_at(
                &op.pointer,
                format!(
                    "the generated builder `{}` has no setter for the path parameter `{name}`",
                    op_names.builder
                ),
            ));
        };
        let generic = format_ident!("P{i}");
        let arg = format_ident!("{setter}");
        let ty = RustNames::tokens(ty);
        bounds.push(quote! {
            #generic: ::std::convert::TryInto<#ty>,
            <#generic as ::std::convert::TryInto<#ty>>::Error: ::std::fmt::Display,
        });
        setters.push(quote!(.#arg(#arg)));
        args.push(quote!(#arg: #generic));
        generics.push(generic);
    }
    Ok(quote! {
        #(#[doc = #doc])*
        pub fn #method<#(#generics),*>(&self, #(#args),*) -> builder::#builder<'a>
        where
            #(#bounds)*
        {
            self.client.#start()#(#setters)*
        }
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use heck::ToSnakeCase;
    use quote::ToTokens;

    use super::*;
    use crate::spec::parse;

    fn real_text() -> String {
        std::fs::read_to_string(crate::workspace_root().join(crate::codegen::SPEC)).unwrap()
    }

    fn load(text: String) -> LoadedSpec {
        parse(Path::new("spec.yaml"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn generated(spec: &LoadedSpec) -> syn::File {
        let (client, _) = crate::progenitor_output::client::generate(spec).unwrap();
        let names = RustNames::read(&client);
        let tree = ResourceTree::build(spec).unwrap();
        syn::parse2(generate(spec, &tree, &names, &BTreeMap::new()).unwrap()).unwrap()
    }

    /// `(struct, method) → the body of the method` of the `resources` module.
    fn methods(file: &syn::File) -> BTreeMap<(String, String), String> {
        let module = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == "resources" => m.content.as_ref(),
                _ => None,
            })
            .expect("a `resources` module");
        let mut out = BTreeMap::new();
        for item in &module.1 {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let syn::Type::Path(ty) = &*block.self_ty else {
                continue;
            };
            let ty = ty.path.segments.last().unwrap().ident.to_string();
            for member in &block.items {
                if let syn::ImplItem::Fn(f) = member {
                    let body = f.block.to_token_stream().to_string().replace(' ', "");
                    out.insert((ty.clone(), f.sig.ident.to_string()), body);
                }
            }
        }
        out
    }

    #[test]
    fn every_operation_is_the_verb_of_its_resource_and_sets_its_path_parameters() {
        let spec = load(real_text());
        let methods = methods(&generated(&spec));
        for op in spec.operations() {
            let key = (type_name(&op.resource()), op.verb().to_string());
            let body = methods
                .get(&key)
                .unwrap_or_else(|| panic!("`{}` is not `{key:?}`", op.id));
            assert!(
                body.starts_with(&format!("{{self.client.{}()", op.id)),
                "{}: {body}",
                op.id
            );
            for param in path_parameters(&spec, &op) {
                assert!(
                    body.contains(&format!("({})", param.name.to_snake_case())),
                    "{}: {body}",
                    op.id
                );
            }
        }
        // Every resource on the way is reachable from its parent.
        assert!(methods.contains_key(&("AutoScribeStudies".into(), "external".into())));
        assert!(methods.contains_key(&("AutoScribeStudiesExternal".into(), "reports".into())));
        assert!(methods.contains_key(&("ExpressUsers".into(), "add".into())));
    }

    #[test]
    fn a_verb_named_like_a_child_resource_is_a_located_error() {
        let text = real_text().replacen(
            "operationId: express_deactivate",
            "operationId: express_users",
            1,
        );
        let spec = load(text);
        let error = ResourceTree::build(&spec)
            .err()
            .expect("a verb and a child both named `users`");
        assert!(
            error.to_string().contains("the verb `users` of `express_users` has the name of the child resource `express.users`"),
            "{error}"
        );
        assert!(
            error.to_string().contains("~1deactivate/post/operationId"),
            "{error}"
        );
    }

    #[test]
    fn two_resources_making_one_type_name_is_a_located_error() {
        // `express_users_add` stays valid: resource `express_users`, verb `add`.
        let text = real_text().replacen("tags: [express.users]", "tags: [express_users]", 1);
        let spec = load(text);
        let tree = ResourceTree::build(&spec).unwrap();
        let error = check(&spec, &tree).expect_err("`express.users` and `express_users`");
        assert!(
            error
                .to_string()
                .contains("would both be the type `resources::ExpressUsers`"),
            "{error}"
        );
    }
}
