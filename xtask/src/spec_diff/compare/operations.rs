//! Operations: matching old to new, then parameters, request bodies,
//! responses, security, servers and the pagination extension of each pair.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Differ, Dir, Node, resolve, show, show_opt};
use crate::extensions::PAGINATION as PAGINATION_EXTENSION;
use crate::spec::{LoadedSpec, escape_pointer_token};
use crate::spec_diff::Level;

/// An operation of one spec.
struct Operation<'a> {
    id: Option<&'a str>,
    method: &'a str,
    path: &'a str,
    pointer: String,
    value: &'a Value,
    path_item: &'a Value,
    path_pointer: String,
}

impl Operation<'_> {
    fn endpoint(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn label(&self) -> String {
        self.id
            .map(str::to_string)
            .unwrap_or_else(|| self.endpoint())
    }
}

/// The operations of the spec model, in document order; one without an
/// `operationId` (an unchecked side) is named by its method and path.
fn operations_of(spec: &LoadedSpec) -> Vec<Operation<'_>> {
    spec.operations()
        .into_iter()
        .map(|op| {
            let path_pointer = format!("/paths/{}", escape_pointer_token(op.path));
            Operation {
                id: (!op.id.is_empty()).then_some(op.id),
                method: op.method.as_str(),
                path: op.path,
                pointer: op.pointer,
                value: op.json,
                path_item: spec.json.pointer(&path_pointer).unwrap_or(&Value::Null),
                path_pointer,
            }
        })
        .collect()
}

impl<'a> Differ<'a> {
    // ---- operations --------------------------------------------------------

    pub(super) fn operations(&mut self) {
        let old_ops = operations_of(self.old);
        let new_ops = operations_of(self.new);
        let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
        let mut used_old = vec![false; old_ops.len()];
        let mut matched_new = vec![None; new_ops.len()];
        for (j, n) in new_ops.iter().enumerate() {
            if let Some(id) = n.id
                && let Some(i) = old_ops.iter().position(|o| o.id == Some(id))
                && !used_old[i]
            {
                used_old[i] = true;
                matched_new[j] = Some(i);
            }
        }
        for (j, n) in new_ops.iter().enumerate() {
            if matched_new[j].is_some() {
                continue;
            }
            if let Some(i) = old_ops
                .iter()
                .enumerate()
                .position(|(i, o)| !used_old[i] && o.method == n.method && o.path == n.path)
            {
                used_old[i] = true;
                matched_new[j] = Some(i);
            }
        }
        for (j, i) in matched_new.iter().enumerate() {
            pairs.push((*i, Some(j)));
        }
        for (i, used) in used_old.iter().enumerate() {
            if !used {
                pairs.push((Some(i), None));
            }
        }
        for pair in pairs {
            match pair {
                (Some(i), Some(j)) => self.operation(&old_ops[i], &new_ops[j]),
                (None, Some(j)) => {
                    let op = &new_ops[j];
                    self.operation = op.label();
                    self.endpoint = Some(op.endpoint());
                    self.emit(
                        Level::NonBreaking,
                        &op.pointer,
                        "operation-added",
                        format!("operation `{}` added ({})", op.label(), op.endpoint()),
                    );
                }
                (Some(i), None) => {
                    let op = &old_ops[i];
                    self.operation = op.label();
                    self.endpoint = Some(op.endpoint());
                    if deprecated(op.value) {
                        self.emit(
                            Level::NonBreaking,
                            &op.pointer,
                            "operation-removed-after-deprecation",
                            format!(
                                "deprecated operation `{}` removed ({}); clients were warned, but its client method goes too",
                                op.label(),
                                op.endpoint()
                            ),
                        );
                    } else {
                        self.emit(
                            Level::Breaking,
                            &op.pointer,
                            "operation-removed",
                            format!(
                                "operation `{}` removed ({}); its client method goes too",
                                op.label(),
                                op.endpoint()
                            ),
                        );
                    }
                }
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        self.operation = new.label();
        self.endpoint = Some(new.endpoint());
        if old.id != new.id {
            self.emit(
                Level::Breaking,
                &format!("{}/operationId", new.pointer),
                "operation-id-changed",
                format!(
                    "operationId changed from `{}` to `{}`; the client method and its builder are renamed",
                    old.id.unwrap_or("(none)"),
                    new.id.unwrap_or("(none)")
                ),
            );
        }
        if old.method != new.method {
            self.emit(
                Level::Breaking,
                &new.pointer,
                "operation-method-changed",
                format!(
                    "method changed from {} to {}",
                    old.method.to_uppercase(),
                    new.method.to_uppercase()
                ),
            );
        }
        // A path whose only change is the name of a path parameter is the
        // same URL: the rename is reported once, under the parameters.
        if path_template(old.path).0 != path_template(new.path).0 {
            self.emit(
                Level::Breaking,
                &new.pointer,
                "operation-path-changed",
                format!("path changed from `{}` to `{}`", old.path, new.path),
            );
        }
        let (o, n) = (
            Node {
                value: old.value,
                pointer: &old.pointer,
            },
            Node {
                value: new.value,
                pointer: &new.pointer,
            },
        );
        self.docs(o, n, "operation");
        if old.value.get("tags") != new.value.get("tags") {
            self.emit(
                Level::Informational,
                &format!("{}/tags", new.pointer),
                "tags-changed",
                "operation tags edited (tags do not shape the client)".into(),
            );
        }
        if deprecated(old.value) != deprecated(new.value) {
            self.emit(
                Level::Informational,
                &format!("{}/deprecated", new.pointer),
                if deprecated(new.value) {
                    "operation-deprecated"
                } else {
                    "operation-reactivated"
                },
                format!(
                    "operation {}",
                    if deprecated(new.value) {
                        "deprecated"
                    } else {
                        "no longer deprecated"
                    }
                ),
            );
        }
        self.parameters(old, new);
        self.request_body(o, n);
        self.responses(o, n);
        self.operation_security(old, new);
        self.operation_servers(old, new);
        self.pagination(o, n);
        for key in extension_keys(old.value, new.value) {
            if key == PAGINATION_EXTENSION {
                continue;
            }
            self.emit(
                Level::Informational,
                &format!("{}/{}", new.pointer, escape_pointer_token(&key)),
                "extension-changed",
                format!("vendor extension `{key}` edited"),
            );
        }
    }

    fn parameters(&mut self, old: &Operation<'a>, new: &Operation<'a>) {
        let collect = |spec: &'a LoadedSpec, op: &Operation<'a>| {
            let mut out: BTreeMap<(String, String), (&'a Value, String)> = BTreeMap::new();
            let mut order = Vec::new();
            for (owner, owner_pointer) in [
                (op.path_item, op.path_pointer.as_str()),
                (op.value, op.pointer.as_str()),
            ] {
                for (i, param) in owner
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let (param, pointer) =
                        resolve(spec, param, &format!("{owner_pointer}/parameters/{i}"));
                    let key = (
                        param
                            .get("in")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        param
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    );
                    if out.insert(key.clone(), (param, pointer)).is_none() {
                        order.push(key);
                    }
                }
            }
            (out, order)
        };
        let (mut old_params, _) = collect(self.old, old);
        let (new_params, new_order) = collect(self.new, new);
        // Path parameters renamed in the template are matched by position.
        let (old_template, old_names) = path_template(old.path);
        let (new_template, new_names) = path_template(new.path);
        if old_template == new_template {
            for (was, now) in old_names.iter().zip(&new_names).filter(|(a, b)| a != b) {
                let (old_key, new_key) = (
                    ("path".to_string(), was.clone()),
                    ("path".to_string(), now.clone()),
                );
                if new_params.contains_key(&old_key) || old_params.contains_key(&new_key) {
                    continue;
                }
                let Some(entry) = old_params.remove(&old_key) else {
                    continue;
                };
                let pointer = new_params
                    .get(&new_key)
                    .map(|(_, p)| format!("{p}/name"))
                    .unwrap_or_else(|| new.pointer.clone());
                self.emit(
                    Level::Breaking,
                    &pointer,
                    "path-parameter-renamed",
                    format!(
                        "path parameter `{was}` renamed to `{now}`; the URL is the same, but the builder setter is renamed"
                    ),
                );
                old_params.insert(new_key, entry);
            }
        }
        let required = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
        for (key, (param, pointer)) in &old_params {
            if !new_params.contains_key(key) {
                self.emit(
                    Level::Breaking,
                    pointer,
                    "request-parameter-removed",
                    format!(
                        "{} parameter `{}` removed; its builder setter goes too",
                        key.0, key.1
                    ),
                );
                let _ = param;
            }
        }
        for key in &new_order {
            let (param, pointer) = &new_params[key];
            let subject = format!("{} parameter `{}`", key.0, key.1);
            let Some((old_param, old_pointer)) = old_params.get(key) else {
                if required(param) {
                    self.emit(
                        Level::Breaking,
                        pointer,
                        "new-required-request-parameter",
                        format!("new required {subject}; existing calls do not send it"),
                    );
                } else {
                    self.emit(
                        Level::NonBreaking,
                        pointer,
                        "new-optional-request-parameter",
                        format!("new optional {subject}"),
                    );
                }
                continue;
            };
            match (required(old_param), required(param)) {
                (false, true) => self.emit(
                    Level::Breaking,
                    &format!("{pointer}/required"),
                    "request-parameter-became-required",
                    format!("{subject} became required"),
                ),
                (true, false) => self.emit(
                    Level::NonBreaking,
                    &format!("{pointer}/required"),
                    "request-parameter-became-optional",
                    format!("{subject} became optional"),
                ),
                _ => {}
            }
            let (o, n) = (
                Node {
                    value: old_param,
                    pointer: old_pointer,
                },
                Node {
                    value: param,
                    pointer,
                },
            );
            self.docs(o, n, &subject);
            for key in [
                "style",
                "explode",
                "allowEmptyValue",
                "allowReserved",
                "content",
            ] {
                if old_param.get(key) != param.get(key) {
                    self.emit(
                        Level::Breaking,
                        &format!("{pointer}/{key}"),
                        "request-parameter-serialization-changed",
                        format!(
                            "{subject}: `{key}` changed from {} to {}, which changes how it is sent",
                            show_opt(old_param.get(key)),
                            show_opt(param.get(key))
                        ),
                    );
                }
            }
            let deprecated = |v: &Value| {
                v.get("deprecated")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            };
            if deprecated(old_param) != deprecated(param) {
                self.emit(
                    Level::Informational,
                    &format!("{pointer}/deprecated"),
                    "request-parameter-deprecation-changed",
                    format!("{subject}: `deprecated` changed"),
                );
            }
            if let (Some(a), Some(b)) = (old_param.get("schema"), param.get("schema")) {
                self.schema(
                    Dir::Request,
                    &subject,
                    "",
                    Node {
                        value: a,
                        pointer: &format!("{old_pointer}/schema"),
                    },
                    Node {
                        value: b,
                        pointer: &format!("{pointer}/schema"),
                    },
                );
            }
        }
    }

    fn request_body(&mut self, op_old: Node<'_>, op_new: Node<'_>) {
        fn body<'s>(spec: &'s LoadedSpec, op: Node<'s>) -> Option<(&'s Value, String)> {
            op.value
                .get("requestBody")
                .map(|b| resolve(spec, b, &format!("{}/requestBody", op.pointer)))
        }
        let required = |b: &Value| b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let old_body = body(self.old, op_old);
        let new_body = body(self.new, op_new);
        match (old_body, new_body) {
            (None, None) => {}
            (Some((_, pointer)), None) => self.emit(
                Level::Breaking,
                &pointer,
                "request-body-removed",
                "request body removed; the builder's `body` setter goes too".into(),
            ),
            (None, Some((b, pointer))) => {
                if required(b) {
                    self.emit(
                        Level::Breaking,
                        &pointer,
                        "new-required-request-body",
                        "new required request body; existing calls do not send it".into(),
                    );
                } else {
                    self.emit(
                        Level::NonBreaking,
                        &pointer,
                        "new-optional-request-body",
                        "new optional request body".into(),
                    );
                }
            }
            (Some((a, ap)), Some((b, bp))) => {
                match (required(a), required(b)) {
                    (false, true) => self.emit(
                        Level::Breaking,
                        &format!("{bp}/required"),
                        "request-body-became-required",
                        "request body became required".into(),
                    ),
                    (true, false) => self.emit(
                        Level::NonBreaking,
                        &format!("{bp}/required"),
                        "request-body-became-optional",
                        "request body became optional".into(),
                    ),
                    _ => {}
                }
                let (o, n) = (
                    Node {
                        value: a,
                        pointer: &ap,
                    },
                    Node {
                        value: b,
                        pointer: &bp,
                    },
                );
                self.docs(o, n, "request body");
                self.content(Dir::Request, "request body", o, n);
            }
        }
    }

    /// The media types of a body and their schemas.
    fn content(&mut self, dir: Dir, subject: &str, old: Node<'_>, new: Node<'_>) {
        let empty = serde_json::Map::new();
        let media = |node: Node<'_>| {
            node.value
                .get("content")
                .and_then(Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (om, nm) = (media(old), media(new));
        let rule = |what: &str| match dir {
            Dir::Request => format!("request-body-media-type-{what}"),
            Dir::Response => format!("response-media-type-{what}"),
        };
        for name in om.keys().filter(|k| !nm.contains_key(*k)) {
            self.emit(
                Level::Breaking,
                &format!("{}/content/{}", old.pointer, escape_pointer_token(name)),
                &rule("removed"),
                format!("{subject}: media type `{name}` removed"),
            );
        }
        for name in nm.keys().filter(|k| !om.contains_key(*k)) {
            self.emit(
                Level::NonBreaking,
                &format!("{}/content/{}", new.pointer, escape_pointer_token(name)),
                &rule("added"),
                format!("{subject}: media type `{name}` added"),
            );
        }
        for name in nm.keys().filter(|k| om.contains_key(*k)) {
            let token = escape_pointer_token(name);
            let (Some(a), Some(b)) = (
                old.value.get("content").and_then(|c| c.get(name)),
                new.value.get("content").and_then(|c| c.get(name)),
            ) else {
                continue;
            };
            let ap = format!("{}/content/{token}", old.pointer);
            let bp = format!("{}/content/{token}", new.pointer);
            let media_subject = if name == "application/json" {
                subject.to_string()
            } else {
                format!("{subject} ({name})")
            };
            self.docs(
                Node {
                    value: a,
                    pointer: &ap,
                },
                Node {
                    value: b,
                    pointer: &bp,
                },
                &media_subject,
            );
            match (a.get("schema"), b.get("schema")) {
                (Some(sa), Some(sb)) => self.schema(
                    dir,
                    &media_subject,
                    "",
                    Node {
                        value: sa,
                        pointer: &format!("{ap}/schema"),
                    },
                    Node {
                        value: sb,
                        pointer: &format!("{bp}/schema"),
                    },
                ),
                (None, None) => {}
                _ => self.emit(
                    Level::Breaking,
                    &format!("{bp}/schema"),
                    &format!("{}-schema-changed", dir.name()),
                    format!("{media_subject}: schema added or removed"),
                ),
            }
        }
    }

    fn responses(&mut self, op_old: Node<'_>, op_new: Node<'_>) {
        let empty = serde_json::Map::new();
        let (om, nm) = (
            op_old
                .value
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
            op_new
                .value
                .get("responses")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
        );
        let success = |code: &str| code.starts_with('2');
        for code in om.keys().filter(|k| !nm.contains_key(*k)) {
            let pointer = format!("{}/responses/{code}", op_old.pointer);
            if success(code) {
                self.emit(
                    Level::Breaking,
                    &pointer,
                    "response-success-status-removed",
                    format!("success response `{code}` removed"),
                );
            } else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    "response-non-success-status-removed",
                    format!("error response `{code}` removed"),
                );
            }
        }
        for code in nm.keys().filter(|k| !om.contains_key(*k)) {
            let pointer = format!("{}/responses/{code}", op_new.pointer);
            if success(code) {
                self.emit(
                    Level::Breaking,
                    &pointer,
                    "response-success-status-added",
                    format!(
                        "success response `{code}` added; a client generated from the old spec reports it as an unexpected response"
                    ),
                );
            } else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    "response-non-success-status-added",
                    format!("error response `{code}` added"),
                );
            }
        }
        for (code, b) in nm {
            let Some(a) = om.get(code) else { continue };
            let (a, ap) = resolve(self.old, a, &format!("{}/responses/{code}", op_old.pointer));
            let (b, bp) = resolve(self.new, b, &format!("{}/responses/{code}", op_new.pointer));
            let subject = format!("response {code}");
            let (o, n) = (
                Node {
                    value: a,
                    pointer: &ap,
                },
                Node {
                    value: b,
                    pointer: &bp,
                },
            );
            self.docs(o, n, &subject);
            if a.get("links") != b.get("links") {
                self.emit(
                    Level::Informational,
                    &format!("{bp}/links"),
                    "response-links-changed",
                    format!("{subject}: `links` edited (links do not shape the client)"),
                );
            }
            self.response_headers(&subject, o, n);
            self.content(Dir::Response, &subject, o, n);
        }
    }

    /// The headers of a matched response, by case-insensitive name.
    fn response_headers(&mut self, subject: &str, old: Node<'_>, new: Node<'_>) {
        let headers = |node: Node<'_>| -> BTreeMap<String, (String, Value)> {
            node.value
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, header)| (name.to_ascii_lowercase(), (name.clone(), header.clone())))
                .collect()
        };
        let (om, nm) = (headers(old), headers(new));
        let at = |node: Node<'_>, name: &str| {
            format!("{}/headers/{}", node.pointer, escape_pointer_token(name))
        };
        for (key, (name, _)) in &om {
            if !nm.contains_key(key) {
                self.emit(
                    Level::Breaking,
                    &at(old, name),
                    "response-header-removed",
                    format!(
                        "{subject}: header `{name}` removed; clients that read it no longer get it"
                    ),
                );
            }
        }
        let required = |h: &Value| h.get("required").and_then(Value::as_bool).unwrap_or(false);
        for (key, (name, header)) in &nm {
            let pointer = at(new, name);
            let Some((old_name, old_header)) = om.get(key) else {
                self.emit(
                    Level::NonBreaking,
                    &pointer,
                    "response-header-added",
                    format!("{subject}: header `{name}` added"),
                );
                continue;
            };
            let (a, ap) = resolve(self.old, old_header, &at(old, old_name));
            let (b, bp) = resolve(self.new, header, &pointer);
            let (a, b) = (a.clone(), b.clone());
            let header_subject = format!("{subject}, header `{name}`");
            match (required(&a), required(&b)) {
                (true, false) => self.emit(
                    Level::Breaking,
                    &format!("{bp}/required"),
                    "response-header-became-optional",
                    format!(
                        "{header_subject}: no longer always sent; clients can no longer rely on it"
                    ),
                ),
                (false, true) => self.emit(
                    Level::NonBreaking,
                    &format!("{bp}/required"),
                    "response-header-became-required",
                    format!("{header_subject}: now always sent"),
                ),
                _ => {}
            }
            let (o, n) = (
                Node {
                    value: &a,
                    pointer: &ap,
                },
                Node {
                    value: &b,
                    pointer: &bp,
                },
            );
            self.docs(o, n, &header_subject);
            if let (Some(sa), Some(sb)) = (a.get("schema"), b.get("schema")) {
                self.schema(
                    Dir::Response,
                    &header_subject,
                    "",
                    Node {
                        value: sa,
                        pointer: &format!("{ap}/schema"),
                    },
                    Node {
                        value: sb,
                        pointer: &format!("{bp}/schema"),
                    },
                );
            }
        }
    }

    fn operation_security(&mut self, old: &Operation<'_>, new: &Operation<'_>) {
        type Requirement = BTreeMap<String, Vec<String>>;
        let effective =
            |spec: &LoadedSpec, op: &Operation<'_>| -> (BTreeSet<Requirement>, String) {
                let (list, pointer) = match op.value.get("security") {
                    Some(list) => (Some(list), format!("{}/security", op.pointer)),
                    None => (spec.json.get("security"), "/security".to_string()),
                };
                let set = list
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|req| {
                        req.as_object()
                            .into_iter()
                            .flatten()
                            .map(|(name, scopes)| {
                                let mut scopes: Vec<String> =
                                    scopes.as_array().into_iter().flatten().map(show).collect();
                                scopes.sort();
                                (name.clone(), scopes)
                            })
                            .collect()
                    })
                    .collect();
                (set, pointer)
            };
        let (a, _) = effective(self.old, old);
        let (b, pointer) = effective(self.new, new);
        if a == b {
            return;
        }
        let describe = |r: &Requirement| {
            if r.is_empty() {
                "no authentication".to_string()
            } else {
                r.keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            }
        };
        let open = |s: &BTreeSet<Requirement>| s.is_empty() || s.iter().any(BTreeMap::is_empty);
        if open(&b) && !open(&a) {
            self.emit(
                Level::NonBreaking,
                &pointer,
                "security-removed",
                "the operation no longer requires authentication".into(),
            );
            return;
        }
        if open(&a) && !open(&b) {
            self.emit(
                Level::Breaking,
                &pointer,
                "security-added",
                "the operation now requires authentication".into(),
            );
            return;
        }
        for r in a.difference(&b) {
            self.emit(
                Level::Breaking,
                &pointer,
                "security-requirement-removed",
                format!("security alternative {} removed", describe(r)),
            );
        }
        for r in b.difference(&a) {
            self.emit(
                Level::NonBreaking,
                &pointer,
                "security-requirement-added",
                format!("security alternative {} added", describe(r)),
            );
        }
    }

    fn operation_servers(&mut self, old: &Operation<'_>, new: &Operation<'_>) {
        let own = |op: &Operation<'_>| -> Option<(Value, String)> {
            if let Some(s) = op.value.get("servers") {
                return Some((s.clone(), format!("{}/servers", op.pointer)));
            }
            op.path_item
                .get("servers")
                .map(|s| (s.clone(), format!("{}/servers", op.path_pointer)))
        };
        let (a, b) = (own(old), own(new));
        if a.is_none() && b.is_none() {
            return;
        }
        let (av, ap) = a.unwrap_or_else(|| {
            (
                self.old.json.get("servers").cloned().unwrap_or(Value::Null),
                "/servers".into(),
            )
        });
        let (bv, bp) = b.unwrap_or_else(|| {
            (
                self.new.json.get("servers").cloned().unwrap_or(Value::Null),
                "/servers".into(),
            )
        });
        self.servers(
            Node {
                value: &av,
                pointer: &ap,
            },
            Node {
                value: &bv,
                pointer: &bp,
            },
        );
    }

    fn pagination(&mut self, old: Node<'_>, new: Node<'_>) {
        let at = |node: Node<'_>| format!("{}/{PAGINATION_EXTENSION}", node.pointer);
        match (
            old.value.get(PAGINATION_EXTENSION),
            new.value.get(PAGINATION_EXTENSION),
        ) {
            (None, None) => {}
            (Some(_), None) => self.emit(
                Level::Breaking,
                &at(old),
                "pagination-removed",
                format!(
                    "`{PAGINATION_EXTENSION}` removed; the builder loses `pages()` and `stream()`"
                ),
            ),
            (None, Some(_)) => self.emit(
                Level::NonBreaking,
                &at(new),
                "pagination-added",
                format!(
                    "`{PAGINATION_EXTENSION}` added; the builder gains `pages()` and `stream()`"
                ),
            ),
            (Some(a), Some(b)) => {
                let keys: BTreeSet<&String> = a
                    .as_object()
                    .into_iter()
                    .chain(b.as_object())
                    .flat_map(|m| m.keys())
                    .collect();
                for key in keys {
                    if a.get(key) != b.get(key) {
                        self.emit(
                            Level::Breaking,
                            &format!("{}/{}", at(new), escape_pointer_token(key)),
                            "pagination-changed",
                            format!(
                                "`{PAGINATION_EXTENSION}.{key}` changed from {} to {}; pages are read differently",
                                show_opt(a.get(key)),
                                show_opt(b.get(key))
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// Vendor extension keys present on either object whose values differ.
fn extension_keys(old: &Value, new: &Value) -> Vec<String> {
    let keys: BTreeSet<&String> = old
        .as_object()
        .into_iter()
        .chain(new.as_object())
        .flat_map(|m| m.keys())
        .filter(|k| k.starts_with("x-"))
        .collect();
    keys.into_iter()
        .filter(|k| old.get(k.as_str()) != new.get(k.as_str()))
        .cloned()
        .collect()
}

/// Whether an operation or parameter is marked `deprecated: true`.
fn deprecated(value: &Value) -> bool {
    value
        .get("deprecated")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// A path with its parameter names blanked (`/v1/orgs/{}`), and the names in
/// order.
fn path_template(path: &str) -> (String, Vec<String>) {
    let mut template = String::new();
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        template.push_str(&rest[..=open]);
        template.push('}');
        names.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    template.push_str(rest);
    (template, names)
}
