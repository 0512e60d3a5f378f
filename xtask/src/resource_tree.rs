//! The resource tree of the spec, as the official SDKs arrange the API:
//! every operation is a verb ([`SpecOperation::verb`]) of its resource
//! ([`SpecOperation::resource`]: its first tag split at `.`), and resources
//! nest (`auto_scribe` → `studies` → `external` → `reports`). The client's
//! resource structs and the CLI's command groups are both built from it.

use std::collections::BTreeMap;

use crate::spec::{LoadedSpec, Location, SpecError, SpecOperation, SpecParameter};

/// One resource: a node of the tree.
pub struct Resource<'s> {
    /// Its path, such as `["express", "users"]`.
    pub path: Vec<&'s str>,
    /// The spec's tag of this name, when it lists one (a node such as
    /// `auto_scribe` may exist only as the parent of others).
    pub tag: Option<&'s openapiv3::Tag>,
    /// The names of its child resources, in tree order.
    pub children: Vec<&'s str>,
    /// Its operations, in the spec's order.
    pub operations: Vec<SpecOperation<'s>>,
}

impl Resource<'_> {
    /// The `.`-joined path, as the tag writes it: `express.users`.
    pub fn name(&self) -> String {
        self.path.join(".")
    }

    /// The tag's description, trimmed, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.tag
            .and_then(|t| t.description.as_deref())
            .map(str::trim)
            .filter(|d| !d.is_empty())
    }
}

/// Every resource of the spec, parents before their children, in the order
/// of the spec's tags and then of its operations.
pub struct ResourceTree<'s> {
    pub nodes: Vec<Resource<'s>>,
}

impl<'s> ResourceTree<'s> {
    /// Builds the tree and checks it: no verb of a resource has the name of
    /// one of its child resources (one name cannot be both a call and a
    /// group). The error is located at the operationId.
    pub fn build(spec: &'s LoadedSpec) -> Result<ResourceTree<'s>, SpecError> {
        let ops = spec.operations();
        let used: std::collections::BTreeSet<Vec<&str>> =
            ops.iter().map(|op| op.resource()).collect();
        let listed = spec
            .openapi
            .tags
            .iter()
            .map(|tag| tag.name.split('.').collect::<Vec<_>>())
            .filter(|path| used.contains(path));
        let mut nodes: Vec<Resource<'s>> = Vec::new();
        let mut index: BTreeMap<Vec<&'s str>, usize> = BTreeMap::new();
        for path in listed.chain(ops.iter().map(|op| op.resource())) {
            for depth in 1..=path.len() {
                let prefix = &path[..depth];
                if index.contains_key(prefix) {
                    continue;
                }
                let name = prefix.join(".");
                index.insert(prefix.to_vec(), nodes.len());
                nodes.push(Resource {
                    path: prefix.to_vec(),
                    tag: spec.openapi.tags.iter().find(|t| t.name == name),
                    children: Vec::new(),
                    operations: Vec::new(),
                });
                if depth > 1 {
                    let parent = index[&path[..depth - 1]];
                    nodes[parent].children.push(path[depth - 1]);
                }
            }
        }
        for op in ops {
            let node = index[&op.resource()];
            nodes[node].operations.push(op);
        }
        for node in &nodes {
            for op in &node.operations {
                if node.children.contains(&op.verb()) {
                    return Err(spec.error_at(
                        &format!("{}/operationId", op.pointer),
                        format!(
                            "the verb `{verb}` of `{}` has the name of the child resource `{}.{verb}`; `{verb}` cannot be both a call and a resource",
                            op.id,
                            node.name(),
                            verb = op.verb(),
                        ),
                    ));
                }
            }
        }
        Ok(ResourceTree { nodes })
    }

    /// The resource at `path`.
    pub fn get(&self, path: &[&str]) -> Option<&Resource<'s>> {
        self.nodes.iter().find(|n| n.path == path)
    }

    /// The resources at the top of the tree.
    pub fn top(&self) -> impl Iterator<Item = &Resource<'s>> {
        self.nodes.iter().filter(|n| n.path.len() == 1)
    }
}

/// The path parameters of an operation in the order of its path template:
/// the order of a verb's arguments and of a command's positionals.
pub fn path_parameters<'s>(spec: &'s LoadedSpec, op: &SpecOperation<'s>) -> Vec<SpecParameter<'s>> {
    let mut params: Vec<SpecParameter<'s>> = op
        .parameters(spec)
        .into_iter()
        .filter(|p| p.location == Some(Location::Path))
        .collect();
    params.sort_by_key(|p| op.path.find(&format!("{{{}}}", p.name)));
    params
}
