//! What each action of the generated table does to the store: REST
//! conventions over JSON items, generic over the resources the spec defines.

use std::io::Write as _;

use serde_json::{Map, Value};

use crate::api::{ApiError, KeyIds};
use crate::model::{
    Action, Assign, Find, IdPiece, LastCursor, Operation, Page, Projection, Reply, Resource,
    ServerValue, SetValue, Source,
};
use crate::store::{self, DEFAULT_LIMIT, Scope, Store};

/// A decoded, validated request.
pub(crate) struct Input<'a> {
    /// Path parameters by name, percent-decoded.
    pub path: &'a [(String, String)],
    /// The operation's query parameters that were given.
    pub query: &'a [(String, String)],
    /// The JSON body as sent.
    pub raw_body: Option<&'a Value>,
    /// The JSON body as its generated type reads it.
    pub body: Option<&'a Value>,
    pub api_key: &'a str,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Vec<u8>>,
}

/// Answers `op` for `input`. A refused request changes nothing.
pub(crate) fn execute(
    store: &mut Store,
    key_ids: &KeyIds,
    op: &Operation,
    input: &Input<'_>,
) -> Result<Answer, ApiError> {
    let answer = |reply: &Reply, item: &Value| Answer {
        status: op.status,
        body: match reply {
            Reply::Item(None) => Some(serde_json::to_vec(item).unwrap_or_default()),
            Reply::Item(Some(projection)) => {
                Some(serde_json::to_vec(&project(item, projection)).unwrap_or_default())
            }
            Reply::Example(body) => body.map(|text| text.as_bytes().to_vec()),
        },
    };
    match &op.action {
        Action::Create {
            resource,
            set,
            reply,
        } => {
            let scope = scope_of(store, *resource, input.path)?;
            let given = input.body.and_then(Value::as_object);
            let (id, item) = new_item(
                store,
                key_ids,
                *resource,
                &scope,
                given,
                Some(input.api_key),
                set,
                derived_of(op),
            )
            .map_err(ApiError::bad_request)?;
            let answer = answer(reply, &item);
            store.insert(scope, id, item);
            Ok(answer)
        }
        Action::List {
            resource,
            page,
            item,
        } => {
            let scope = scope_of(store, *resource, input.path)?;
            list(store, &scope, op, page, item.as_ref(), input.query)
        }
        Action::Retrieve {
            resource,
            find,
            reply,
        } => {
            let (scope, id) = locate(store, *resource, find, input)?;
            Ok(answer(
                reply,
                store.get(&scope, &id).unwrap_or(&Value::Null),
            ))
        }
        Action::Update {
            resource,
            find,
            reply,
        } => {
            let (scope, id) = locate(store, *resource, find, input)?;
            let mut item = store.get(&scope, &id).cloned().unwrap_or(Value::Null);
            merge(
                &store.resources[*resource],
                derived_of(op),
                &mut item,
                input,
            )?;
            let answer = answer(reply, &item);
            store.replace(&scope, &id, item);
            Ok(answer)
        }
        Action::Replace {
            resource,
            find,
            reply,
        } => {
            let (scope, id) = locate(store, *resource, find, input)?;
            let mut item = store.get(&scope, &id).cloned().unwrap_or(Value::Null);
            replace(&store.resources[*resource], op, &mut item, input)?;
            let answer = answer(reply, &item);
            store.replace(&scope, &id, item);
            Ok(answer)
        }
        Action::Delete {
            resource,
            find,
            reply,
        } => {
            let (scope, id) = locate(store, *resource, find, input)?;
            let removed = store.remove(&scope, &id).unwrap_or(Value::Null);
            Ok(answer(reply, &removed))
        }
        Action::Set {
            resource,
            find,
            set,
            reply,
        } => {
            let (scope, id) = locate(store, *resource, find, input)?;
            let spec = &store.resources[*resource];
            let mut changed = store
                .get(&scope, &id)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            assign(&mut changed, set);
            let mut item = Value::Null;
            finish(spec, &mut item, changed)?;
            let answer = answer(reply, &item);
            store.replace(&scope, &id, item);
            Ok(answer)
        }
        Action::Add {
            resource,
            find,
            members,
            reply,
        }
        | Action::Remove {
            resource,
            find,
            members,
            reply,
        } => {
            let adding = matches!(op.action, Action::Add { .. });
            let (scope, id) = locate(store, *resource, find, input)?;
            let member = value_of(members.member, input)
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .ok_or_else(|| {
                    ApiError::bad_request(format!("{} is required", members.member.describe()))
                })?;
            let mut item = store.get(&scope, &id).cloned().unwrap_or(Value::Null);
            let changed = store.change_members(&scope, &id, members.set, &member, adding);
            if changed && let Some(count) = members.count {
                let spec = &store.resources[*resource];
                let mut fields = item.as_object().cloned().unwrap_or_default();
                let now = fields.get(count).and_then(Value::as_i64).unwrap_or(0);
                let next = if adding { now + 1 } else { (now - 1).max(0) };
                fields.insert(count.to_string(), Value::from(next));
                if let Err(e) = finish(spec, &mut item, fields) {
                    // Undo: the count would break the item.
                    store.change_members(&scope, &id, members.set, &member, !adding);
                    return Err(e);
                }
                store.replace(&scope, &id, item.clone());
            }
            Ok(answer(reply, &item))
        }
        Action::Example { body } => Ok(Answer {
            status: op.status,
            body: body.map(|text| text.as_bytes().to_vec()),
        }),
    }
}

/// The body properties of `op` whose item property takes another value (see
/// [`crate::model::RequestBody::derived`]).
fn derived_of(op: &Operation) -> &'static [(&'static str, &'static str)] {
    op.body.as_ref().map_or(&[], |body| body.derived)
}

/// The value an item property takes for the body's `value` of it: the
/// value itself, or the one `derived` gives when the item property has
/// another JSON type.
fn held(derived: &[(&str, &str)], name: &str, value: &Value) -> Value {
    match derived.iter().find(|(n, _)| *n == name) {
        Some((_, json)) => serde_json::from_str(json).unwrap_or(Value::Null),
        None => value.clone(),
    }
}

/// `item` as another schema (see [`Projection`]).
fn project(item: &Value, projection: &Projection) -> Value {
    let mut out = Map::new();
    for name in projection.properties {
        if let Some(value) = item.get(*name) {
            out.insert((*name).to_string(), value.clone());
        }
    }
    for (name, json) in projection.fill {
        if !out.contains_key(*name) {
            out.insert(
                (*name).to_string(),
                serde_json::from_str(json).unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(out)
}

/// Gives `item` the fixed values of `set`.
fn assign(item: &mut Map<String, Value>, set: &[Assign]) {
    let now = chrono::Utc::now();
    for Assign { field, value } in set {
        let value = match value {
            SetValue::Json(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            SetValue::Now => {
                Value::String(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            SetValue::Today => Value::String(now.date_naive().to_string()),
        };
        item.insert((*field).to_string(), value);
    }
}

/// The value of the request at `source`, if the request gives one (`null`
/// counts as none).
fn value_of(source: Source, input: &Input<'_>) -> Option<Value> {
    let named = |pairs: &[(String, String)], name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone()))
    };
    match source {
        Source::Path(name) => named(input.path, name),
        Source::Query(name) => named(input.query, name),
        Source::Body(name) => input
            .body
            .and_then(|b| b.get(name))
            .filter(|v| !v.is_null())
            .cloned(),
    }
}

/// Whether an item's property holds the request's value: equal, or equal as
/// text when the request's value is a text (path and query parameters).
fn holds(property: Option<&Value>, given: &Value) -> bool {
    match (property, given) {
        (Some(p), g) if p == g => true,
        (Some(p), Value::String(text)) if !p.is_string() && !p.is_null() => {
            serde_json::from_str::<Value>(text).is_ok_and(|v| v == *p)
        }
        _ => false,
    }
}

/// The item an action addresses: its collection and id, if it exists.
fn locate(
    store: &Store,
    resource: usize,
    find: &Find,
    input: &Input<'_>,
) -> Result<(Scope, String), ApiError> {
    let keys = match find {
        Find::Path => return item_of(store, resource, input.path),
        Find::Match(keys) => keys,
    };
    let scope = scope_of(store, resource, input.path)?;
    let spec = &store.resources[resource];
    // The first key the request gives finds the item; the others are not
    // compared (a request may give several ways to name the same item).
    let Some((key, value)) = keys
        .iter()
        .find_map(|key| value_of(key.from, input).map(|v| (key, v)))
    else {
        // Schema-valid, but it names nothing: no item matches it.
        let names: Vec<String> = keys.iter().map(|k| k.from.describe()).collect();
        return Err(ApiError::not_found(format!(
            "the request names no `{}`, so none is found: it is found by {}",
            spec.name,
            names.join(" or ")
        )));
    };
    let found = store
        .items(&scope)
        .find(|item| holds(item.get(key.field), &value));
    match found
        .and_then(|item| item.get(spec.id_field))
        .and_then(Value::as_str)
    {
        Some(id) => Ok((scope, id.to_string())),
        None => {
            let text = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
            Err(ApiError::not_found(format!(
                "no {} with {} `{text}`",
                spec.name, key.field
            )))
        }
    }
}

/// The collection a request addresses, after checking that every item it
/// is nested in exists.
fn scope_of(store: &Store, resource: usize, path: &[(String, String)]) -> Result<Scope, ApiError> {
    let spec = &store.resources[resource];
    let mut ids = Vec::with_capacity(spec.scope_params.len());
    for name in spec.scope_params {
        let value = path
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ApiError::not_found(format!("path parameter `{name}` is missing")))?;
        ids.push(value);
    }
    let scope = (resource, ids);
    check_parents(store, &scope).map_err(ApiError::not_found)?;
    Ok(scope)
}

/// Checks that the items `scope` is nested in exist, innermost first.
fn check_parents(store: &Store, scope: &Scope) -> Result<(), String> {
    let (resource, ids) = scope;
    let Some(parent) = &store.resources[*resource].parent else {
        return Ok(());
    };
    let Some((id, outer)) = ids.split_last() else {
        return Ok(());
    };
    let parent_scope = (parent.resource, outer.to_vec());
    check_parents(store, &parent_scope)?;
    if store.contains(&parent_scope, id) {
        Ok(())
    } else {
        Err(missing(&store.resources[parent.resource], id))
    }
}

fn missing(resource: &Resource, id: &str) -> String {
    format!("no {} with {} `{id}`", resource.name, resource.id_param)
}

/// The item a request addresses: its collection and id, if it exists.
fn item_of(
    store: &Store,
    resource: usize,
    path: &[(String, String)],
) -> Result<(Scope, String), ApiError> {
    let scope = scope_of(store, resource, path)?;
    let spec = &store.resources[resource];
    let id = path
        .iter()
        .find(|(k, _)| k == spec.id_param)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if store.contains(&scope, &id) {
        Ok((scope, id))
    } else {
        Err(ApiError::not_found(missing(spec, &id)))
    }
}

/// A new item of `resource` in `scope`: the server's values for every
/// property `given` leaves out, then `given` (a `derived` property taking
/// its derived value). Checked against the item type.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_item(
    store: &Store,
    key_ids: &KeyIds,
    resource: usize,
    scope: &Scope,
    given: Option<&Map<String, Value>>,
    api_key: Option<&str>,
    set: &[Assign],
    derived: &[(&str, &str)],
) -> Result<(String, Value), String> {
    let spec = &store.resources[resource];
    let mut item = Map::new();
    let now = chrono::Utc::now();
    for field in spec.fields {
        // A given value stands, and so does a given `null` of a required
        // nullable property (a documented example's `cancelledAt: null`).
        let kept_null = |v: &Value| v.is_null() && spec.nullable_required.contains(&field.name);
        if given.is_some_and(|g| {
            g.get(field.name)
                .is_some_and(|v| !v.is_null() || kept_null(v))
        }) {
            continue;
        }
        let value = match &field.value {
            ServerValue::Id(pieces) => loop {
                let id = fresh_id(pieces);
                if !store.contains(scope, &id) {
                    break Value::String(id);
                }
            },
            ServerValue::ParentId => match scope.1.last() {
                Some(id) => Value::String(id.clone()),
                None => continue,
            },
            ServerValue::Now => {
                Value::String(now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
            ServerValue::Today => Value::String(now.date_naive().to_string()),
            ServerValue::RandomUuid => Value::String(uuid::Uuid::new_v4().to_string()),
            ServerValue::ApiKeyId => match api_key {
                Some(key) => Value::String(key_ids.id(key).to_string()),
                None => continue,
            },
            ServerValue::Json(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        };
        item.insert(field.name.to_string(), value);
    }
    for (name, value) in given.into_iter().flatten() {
        let kept_null = value.is_null() && spec.nullable_required.contains(&name.as_str());
        if (value.is_null() && !kept_null) || !is_property(spec, name) {
            continue;
        }
        item.insert(name.clone(), held(derived, name, value));
    }
    assign(&mut item, set);
    let id = match item.get(spec.id_field) {
        Some(Value::String(id)) => id.clone(),
        _ => return Err(format!("`{}` must be a string id", spec.id_field)),
    };
    if store.contains(scope, &id) {
        return Err(format!(
            "a `{}` with {} `{id}` already exists",
            spec.name, spec.id_param
        ));
    }
    let item = Value::Object(item);
    (spec.check)(&item).map_err(|e| format!("the new `{}` would be invalid: {e}", spec.name))?;
    Ok((id, item))
}

fn is_property(spec: &Resource, name: &str) -> bool {
    spec.properties.is_empty() || spec.properties.contains(&name)
}

/// A fresh id in the shape of `pieces`.
fn fresh_id(pieces: &[IdPiece]) -> String {
    let mut id = String::new();
    for piece in pieces {
        match piece {
            IdPiece::Literal(text) => id.push_str(text),
            IdPiece::Random { alphabet, count } => {
                let chars: Vec<char> = alphabet.chars().collect();
                for _ in 0..*count {
                    id.push(chars[fastrand::usize(..chars.len())]);
                }
            }
        }
    }
    id
}

/// `PATCH`: the body's properties replace the item's (a `derived` property
/// taking its derived value); `null` (where the body's schema allows it)
/// clears an optional property, nulls a required nullable one and leaves a
/// required one that is not nullable as it is. The result must still be a
/// valid item, or nothing changes.
fn merge(
    spec: &Resource,
    derived: &[(&str, &str)],
    item: &mut Value,
    input: &Input<'_>,
) -> Result<(), ApiError> {
    let mut merged = item.as_object().cloned().unwrap_or_default();
    for (name, value) in input
        .raw_body
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if !value.is_null() {
            continue;
        }
        if spec.clearable.contains(&name.as_str()) {
            merged.remove(name);
        } else if spec.nullable_required.contains(&name.as_str()) {
            merged.insert(name.clone(), Value::Null);
        }
        // A required property that is not nullable cannot be cleared: the
        // `null` the update body allows leaves it as it is.
    }
    for (name, value) in input.body.and_then(Value::as_object).into_iter().flatten() {
        if !value.is_null() && is_property(spec, name) && name != spec.id_field {
            merged.insert(name.clone(), held(derived, name, value));
        }
    }
    finish(spec, item, merged)
}

/// `PUT`: every property the body can set takes the body's value, or goes
/// if the body leaves it out; the server's own properties stay.
fn replace(
    spec: &Resource,
    op: &Operation,
    item: &mut Value,
    input: &Input<'_>,
) -> Result<(), ApiError> {
    let mut replaced = item.as_object().cloned().unwrap_or_default();
    if let Some(body) = &op.body {
        for name in body.properties {
            if *name != spec.id_field {
                replaced.remove(*name);
            }
        }
    }
    for (name, value) in input.body.and_then(Value::as_object).into_iter().flatten() {
        if !value.is_null() && is_property(spec, name) && name != spec.id_field {
            replaced.insert(name.clone(), held(derived_of(op), name, value));
        }
    }
    finish(spec, item, replaced)
}

/// Puts `changed` into `item` if it is a valid item.
fn finish(spec: &Resource, item: &mut Value, changed: Map<String, Value>) -> Result<(), ApiError> {
    let changed = Value::Object(changed);
    (spec.check)(&changed).map_err(|e| {
        ApiError::bad_request(format!(
            "the change would make an invalid `{}`: {e}",
            spec.name
        ))
    })?;
    *item = changed;
    Ok(())
}

/// One page of a collection, in creation order, in the page shape of the
/// operation's pagination extension.
fn list(
    store: &Store,
    scope: &Scope,
    op: &Operation,
    page: &Page,
    projection: Option<&Projection>,
    query: &[(String, String)],
) -> Result<Answer, ApiError> {
    let given = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let limit = match page.limit_param.and_then(given) {
        None => page
            .max_limit
            .map_or(DEFAULT_LIMIT, |max| DEFAULT_LIMIT.min(max)),
        Some(text) => text.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter `{}` must be a positive integer, not `{text}`",
                page.limit_param.unwrap_or_default()
            ))
        })?,
    };
    // An empty cursor is schema-valid (the spec can only say "a string") and
    // names no position, so it means the same as none: the first page.
    let after = match given(page.cursor_param).filter(|c| !c.is_empty()) {
        None => 0,
        Some(text) => store::decode_cursor(text).map_err(|why| {
            ApiError::bad_request(format!(
                "query parameter `{}` {why}: pass back the `{}` of the previous page unchanged",
                page.cursor_param, page.next_cursor_field
            ))
        })?,
    };
    let found = store.page(scope, after, limit);
    let mut body = Vec::with_capacity(256 * found.items.len() + 64);
    body.push(b'{');
    write_key(&mut body, page.items_field);
    body.push(b'[');
    for (i, item) in found.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let _ = match projection {
            None => serde_json::to_writer(&mut body, item),
            Some(projection) => serde_json::to_writer(&mut body, &project(item, projection)),
        };
    }
    body.extend_from_slice(b"],");
    write_key(&mut body, page.has_more_field);
    body.extend_from_slice(if found.next.is_some() {
        b"true"
    } else {
        b"false"
    });
    match (found.next, page.last_cursor) {
        (Some(seq), _) => {
            body.push(b',');
            write_key(&mut body, page.next_cursor_field);
            let _ = serde_json::to_writer(&mut body, &store::encode_cursor(seq));
        }
        (None, LastCursor::Null) => {
            body.push(b',');
            write_key(&mut body, page.next_cursor_field);
            body.extend_from_slice(b"null");
        }
        (None, LastCursor::Omit) => {}
    }
    for (name, json) in page.extra {
        body.push(b',');
        write_key(&mut body, name);
        let _ = body.write_all(json.as_bytes());
    }
    body.push(b'}');
    Ok(Answer {
        status: op.status,
        body: Some(body),
    })
}

fn write_key(out: &mut Vec<u8>, key: &str) {
    let _ = serde_json::to_writer(&mut *out, key);
    out.push(b':');
}

/// The collection at a concrete path such as `/a/x1/b`: the resource whose
/// collection template it matches, and the ids it is nested in.
pub(crate) fn collection_at(store: &Store, path: &str) -> Result<Scope, String> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for (index, resource) in store.resources.iter().enumerate() {
        let template: Vec<&str> = resource.collection.split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut ids = Vec::new();
        let matched = template.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') && t.ends_with('}') {
                ids.push((*s).to_string());
                !s.is_empty()
            } else {
                t == s
            }
        });
        if matched {
            let scope = (index, ids);
            check_parents(store, &scope)?;
            return Ok(scope);
        }
    }
    let known: Vec<&str> = store.resources.iter().map(|r| r.collection).collect();
    Err(format!(
        "`{path}` is no collection of the spec; collections: {}",
        known.join(", ")
    ))
}

/// Adds `items` to the collection at `path`, each completed with the
/// server's values (an item may bring its own id) and checked. All or
/// nothing: on an error, nothing is added.
pub(crate) fn seed(
    store: &mut Store,
    key_ids: &KeyIds,
    path: &str,
    items: Vec<Value>,
) -> Result<Vec<Value>, String> {
    let scope = collection_at(store, path)?;
    let mut made = Vec::with_capacity(items.len());
    let mut ids = std::collections::HashSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let Value::Object(given) = item else {
            return Err(format!("{path}[{index}]: an item must be a JSON object"));
        };
        let (id, item) = new_item(
            store,
            key_ids,
            scope.0,
            &scope,
            Some(&given),
            None,
            &[],
            &[],
        )
        .map_err(|e| format!("{path}[{index}]: {e}"))?;
        if !ids.insert(id.clone()) {
            return Err(format!("{path}[{index}]: id `{id}` is seeded twice"));
        }
        made.push((id, item));
    }
    let mut out = Vec::with_capacity(made.len());
    for (id, item) in made {
        out.push(item.clone());
        store.insert(scope.clone(), id, item);
    }
    Ok(out)
}
