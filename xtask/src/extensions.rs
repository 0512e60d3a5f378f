//! The spec's vendor extensions, in one place: their names and their
//! parsing into types. No other module of xtask spells an extension's name;
//! they use the constants here (`tests/extensions.rs` checks it).
//!
//! - [`PAGINATION`] on a list operation: its cursor protocol ([`Pagination`]).
//! - [`MAX_KEY_LENGTH`] on a map schema: the bound of its keys
//!   ([`max_key_length`]).
//! - [`RESOURCE`] on an operation: its behaviour in avara-mock
//!   ([`ResourceExtension`], [`Action`]).
//! - [`REFERENCE`] on an operation, parameter or schema: the recorded
//!   deviations from the reference pages and SDK ([`ReferenceNote`]).
//! - [`WEBHOOK_EVENT`] on a tag: the union of every webhook event
//!   ([`WebhookEventMarker`]).
//! - [`WEBHOOKS`] at the top level: the webhook events, as 3.1's `webhooks`
//!   ([`Webhook`]).
//!
//! `Spec`-level checks live with the extension: a malformed extension is a
//! [`SpecError`] located at the field at fault.

use std::fmt;

use serde_json::Value;

use crate::spec::{
    LoadedSpec, Location, SpecError, SpecOperation, escape_pointer_token, response_json_schema,
};

/// The name of a vendor extension as a string literal, for `concat!` where
/// a constant cannot go (constant tables, test fixtures):
/// `concat!(xtask::extension_name!(pagination), ":")`. The names are
/// `prefix`, `pagination`, `max_key_length`, `resource`, `reference`,
/// `webhook_event` and `webhooks`; the constants of
/// [`extensions`](crate::extensions) are made from it.
#[macro_export]
macro_rules! extension_name {
    (prefix) => {
        "x-avara-"
    };
    (pagination) => {
        "x-avara-pagination"
    };
    (max_key_length) => {
        "x-avara-max-key-length"
    };
    (resource) => {
        "x-avara-resource"
    };
    (reference) => {
        "x-avara-reference"
    };
    (webhook_event) => {
        "x-avara-webhook-event"
    };
    (webhooks) => {
        "x-webhooks"
    };
}

/// The prefix of this project's own extensions.
pub const PREFIX: &str = extension_name!(prefix);
/// Marks a cursor-paginated list operation; see [`Pagination`] for its
/// fields and the checks it passes at load.
pub const PAGINATION: &str = extension_name!(pagination);
/// Bounds the length of a map's keys (OpenAPI 3.0 cannot); checked by the
/// SDK before a request is sent. See [`max_key_length`].
pub const MAX_KEY_LENGTH: &str = extension_name!(max_key_length);
/// States an operation's behaviour in avara-mock; see [`ResourceExtension`].
pub const RESOURCE: &str = extension_name!(resource);
/// Records a deliberate deviation from the reference pages or the SDK; see
/// [`ReferenceNote`].
pub const REFERENCE: &str = extension_name!(reference);
/// On a tag: references the union of every webhook event (no operation
/// takes it); see [`WebhookEventMarker`].
pub const WEBHOOK_EVENT: &str = extension_name!(webhook_event);
/// The top-level map of webhook events (3.1's `webhooks`); see [`Webhook`].
pub const WEBHOOKS: &str = extension_name!(webhooks);

// ---------------------------------------------------------------------------
// x-avara-pagination

/// The parsed [`PAGINATION`] extension of an operation, checked at load (a
/// failure is reported by [`LoadedSpec::check_pagination`]): `style` is
/// `cursor`; `requestCursorParam` names an optional query parameter of the
/// operation; the `200` JSON response's schema has `itemsField` (a required,
/// non-nullable array of a `$ref`'d schema), `nextCursorField` (a string)
/// and `hasMoreField` (a boolean).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pagination {
    /// The pointer of the extension.
    pub pointer: String,
    /// The query parameter that carries the cursor of the page to fetch.
    pub request_cursor_param: String,
    /// The page's array of items.
    pub items: PageField,
    /// The page's cursor of the next page.
    pub next_cursor: PageField,
    /// The page's "another page follows" flag.
    pub has_more: PageField,
    /// The `$ref` of the items' schema, such as `#/components/schemas/Org`.
    pub item_schema_ref: String,
    /// The `$ref` of the page's schema, when the response names it by one.
    pub page_schema_ref: Option<String>,
}

/// A property of a page schema named by the pagination extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageField {
    /// The property's JSON name.
    pub name: String,
    /// Listed in the page schema's `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
}

impl PageField {
    /// Required and not nullable: always present with a value.
    pub fn always_present(&self) -> bool {
        self.required && !self.nullable
    }
}

/// The pointer of the [`PAGINATION`] extension of the operation at
/// `op_pointer`.
pub fn pagination_pointer(op_pointer: &str) -> String {
    format!("{op_pointer}/{PAGINATION}")
}

/// Parses and checks an operation's [`PAGINATION`], if it has one.
pub fn parse_pagination(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
) -> Result<Option<Pagination>, SpecError> {
    let Some(extension) = op.json.get(PAGINATION) else {
        return Ok(None);
    };
    let ext_pointer = pagination_pointer(&op.pointer);
    if !extension.is_object() {
        return Err(spec.error_at(&ext_pointer, format!("`{PAGINATION}` must be a mapping")));
    }
    let field = |name: &str| -> Result<String, SpecError> {
        extension
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                spec.error_at(
                    &ext_pointer,
                    format!("`{PAGINATION}` needs a string field `{name}`"),
                )
            })
    };
    match extension.get("style").and_then(Value::as_str) {
        Some("cursor") => {}
        other => {
            return Err(spec.error_at(
                &format!("{ext_pointer}/style"),
                format!("`{PAGINATION}.style` must be `cursor`, found {other:?}"),
            ));
        }
    }
    let request_cursor_param = field("requestCursorParam")?;
    let items_field = field("itemsField")?;
    let next_cursor_field = field("nextCursorField")?;
    let has_more_field = field("hasMoreField")?;

    // The request cursor must be an optional query parameter.
    let params = op.parameters(spec);
    let Some(cursor) = params
        .iter()
        .find(|p| p.location == Some(Location::Query) && p.name == request_cursor_param)
    else {
        return Err(spec.error_at(
            &format!("{ext_pointer}/requestCursorParam"),
            format!(
                "`requestCursorParam: {request_cursor_param}` names no query parameter of `{}`",
                op.id
            ),
        ));
    };
    if cursor.required {
        return Err(spec.error_at(
            &format!("{ext_pointer}/requestCursorParam"),
            format!(
                "the cursor parameter `{request_cursor_param}` must be optional: the first page is fetched without it"
            ),
        ));
    }

    // The page schema: the operation's 200 JSON response.
    let page_written = op
        .json
        .pointer("/responses/200")
        .map(|r| spec.deref(r))
        .and_then(response_json_schema)
        .ok_or_else(|| {
            spec.error_at(
                &ext_pointer,
                format!("`{}` needs a `200` JSON response to paginate", op.id),
            )
        })?;
    let page_schema_ref = page_written
        .get("$ref")
        .and_then(Value::as_str)
        .map(str::to_string);
    let page_schema = spec.schema_json(page_written);
    let required: Vec<&str> = page_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let property = |ext_field: &str, name: &str, expected: &str| -> Result<PageField, SpecError> {
        let schema = page_schema
            .get("properties")
            .and_then(|p| p.get(name))
            .map(|s| spec.schema_json(s))
            .ok_or_else(|| {
                spec.error_at(
                    &format!("{ext_pointer}/{ext_field}"),
                    format!(
                        "`{ext_field}: {name}` names no property of the `{}` page schema",
                        op.id
                    ),
                )
            })?;
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or("");
        if ty != expected {
            return Err(spec.error_at(
                &format!("{ext_pointer}/{ext_field}"),
                format!(
                    "`{ext_field}: {name}` must be a property of type `{expected}`, found `{ty}`"
                ),
            ));
        }
        let written = page_schema
            .get("properties")
            .and_then(|p| p.get(name))
            .unwrap_or(&Value::Null);
        let nullable = [written, schema]
            .iter()
            .any(|s| s.get("nullable").and_then(Value::as_bool) == Some(true));
        Ok(PageField {
            name: name.to_string(),
            required: required.contains(&name),
            nullable,
        })
    };
    let items = property("itemsField", &items_field, "array")?;
    let item_schema_ref = page_schema
        .pointer(&format!(
            "/properties/{}",
            escape_pointer_token(&items_field)
        ))
        .map(|s| spec.schema_json(s))
        .and_then(|s| s.pointer("/items/$ref"))
        .and_then(Value::as_str)
        .filter(|r| r.starts_with("#/components/schemas/"))
        .ok_or_else(|| {
            spec.error_at(
                &format!("{ext_pointer}/itemsField"),
                format!(
                    "the items of `{items_field}` must be a `$ref` to `#/components/schemas/...`"
                ),
            )
        })?
        .to_string();
    if !items.always_present() {
        return Err(spec.error_at(
            &format!("{ext_pointer}/itemsField"),
            format!("the items property `{items_field}` must be required and not nullable"),
        ));
    }
    let next_cursor = property("nextCursorField", &next_cursor_field, "string")?;
    let has_more = property("hasMoreField", &has_more_field, "boolean")?;
    Ok(Some(Pagination {
        pointer: ext_pointer,
        request_cursor_param,
        items,
        next_cursor,
        has_more,
        item_schema_ref,
        page_schema_ref,
    }))
}

// ---------------------------------------------------------------------------
// x-avara-max-key-length

/// The [`MAX_KEY_LENGTH`] of a schema object (as written on it, not behind
/// a `$ref`): the most characters a key of the map may have, when it is a
/// non-negative integer.
pub fn max_key_length(schema: &Value) -> Option<u64> {
    schema.get(MAX_KEY_LENGTH).and_then(Value::as_u64)
}

// ---------------------------------------------------------------------------
// x-avara-resource

/// What an operation does in avara-mock: a REST convention on a resource,
/// an action the [`RESOURCE`] extension states, or answering its documented
/// example.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Create,
    List,
    Retrieve,
    Update,
    Replace,
    Delete,
    Set,
    Add,
    Remove,
    Example,
}

impl Action {
    /// Every action, in the order the extension's documentation and the
    /// codegen summary list them.
    pub const ALL: [Action; 10] = [
        Action::Create,
        Action::List,
        Action::Retrieve,
        Action::Update,
        Action::Replace,
        Action::Delete,
        Action::Set,
        Action::Add,
        Action::Remove,
        Action::Example,
    ];

    /// The action as the extension writes it (`create`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::List => "list",
            Action::Retrieve => "retrieve",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Set => "set",
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Example => "example",
        }
    }

    /// The action written `text`, if it is one.
    pub fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of the [`RESOURCE`] extension.
pub const RESOURCE_FIELDS: [&str; 9] = [
    "action",
    "resource",
    "find",
    "set",
    "member",
    "count",
    "idField",
    "limitParam",
    "serverFields",
];
/// How the server may set a property (`serverFields`).
pub const SERVER_VALUES: [&str; 4] = ["api-key-id", "now", "today", "uuid"];

/// Where a value of the request sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Body,
}

/// A value of the request, named in the extension as `body.<property>`,
/// `path.<param>` or `query.<param>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestValue {
    pub place: Place,
    pub name: String,
}

impl fmt::Display for RequestValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.place {
            Place::Path => "path",
            Place::Query => "query",
            Place::Body => "body",
        };
        write!(f, "{place}.{}", self.name)
    }
}

/// What the [`RESOURCE`] extension of an operation states, each field
/// checked on its own (the fields that need the resource are checked by
/// `mock_gen`). Written:
///
/// ```yaml
/// x-avara-resource:
///   action: set             # create | list | retrieve | update | replace | delete
///                           # | set | add | remove | example
///   resource: Study         # the resource acted on, by its item schema's name
///                           # (default: the one whose collection or item path
///                           # the operation's path is, or lies under)
///   find:                   # how the item is found when the path names none:
///     studyId: body.studyId # item property: body.<property> | path.<param>
///                           # | query.<param>; the first of them (in this order)
///                           # that the request gives finds the item, the
///                           # others are not compared; none given: a 404
///   set:                    # create, set: values the item's properties take:
///     isCancelled: true     # a JSON value of the property's type, or
///     cancelledAt: now      # now (a date-time) or today (a date)
///   member: body.userId     # add, remove: the request value that joins or
///                           # leaves the item's member set (one set per path)
///   count: userCount        # add, remove: the integer property that counts them
///   idField: orgId          # the item property that holds the id in the path
///   limitParam: limit       # the query parameter that bounds a page
///   serverFields:           # properties the server sets, and how
///     createdByApiKeyId: api-key-id   # api-key-id | now | today | uuid
/// ```
///
/// `set` with no values only finds the item (a 404 when there is none).
#[derive(Default)]
pub struct ResourceExtension {
    /// The pointer of the extension.
    pub pointer: String,
    /// The fields written, whatever their values.
    pub written: Vec<String>,
    pub action: Option<Action>,
    pub resource: Option<String>,
    pub find: Vec<(String, RequestValue)>,
    pub set: Vec<(String, Value)>,
    pub member: Option<RequestValue>,
    pub count: Option<String>,
    pub id_field: Option<String>,
    pub limit_param: Option<String>,
    pub server_fields: Vec<(String, String)>,
}

impl ResourceExtension {
    /// The pointer of one field of the extension.
    pub fn at(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, escape_pointer_token(key))
    }

    /// Whether the extension writes field `key`.
    pub fn states(&self, key: &str) -> bool {
        self.written.iter().any(|k| k == key)
    }
}

/// The pointer of the [`RESOURCE`] extension of the operation at
/// `op_pointer`.
pub fn resource_pointer(op_pointer: &str) -> String {
    format!("{op_pointer}/{RESOURCE}")
}

/// The [`RESOURCE`] extension of an operation, read and checked (empty when
/// the operation has none).
pub fn resource(spec: &LoadedSpec, op: &SpecOperation<'_>) -> Result<ResourceExtension, SpecError> {
    let mut out = ResourceExtension {
        pointer: resource_pointer(&op.pointer),
        ..ResourceExtension::default()
    };
    let Some(ext) = op.json.get(RESOURCE) else {
        return Ok(out);
    };
    let Some(map) = ext.as_object() else {
        return Err(spec.error_at(&out.pointer, format!("`{RESOURCE}` must be a mapping")));
    };
    let invalid = |out: &ResourceExtension, key: &str, what: &str| {
        spec.error_at(
            &out.at(key),
            format!("`{RESOURCE}.{key}` is invalid: {what}"),
        )
    };
    for (key, value) in map {
        out.written.push(key.clone());
        match key.as_str() {
            "action" => {
                out.action = Some(value.as_str().and_then(Action::parse).ok_or_else(|| {
                    let all: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                    invalid(&out, key, &format!("it is one of {}", all.join(", ")))
                })?);
            }
            "resource" | "count" | "idField" | "limitParam" => {
                let text = value
                    .as_str()
                    .ok_or_else(|| invalid(&out, key, "it is a string"))?
                    .to_string();
                match key.as_str() {
                    "resource" => out.resource = Some(text),
                    "count" => out.count = Some(text),
                    "idField" => out.id_field = Some(text),
                    _ => out.limit_param = Some(text),
                }
            }
            "find" => {
                let fields = value.as_object().filter(|f| !f.is_empty()).ok_or_else(|| {
                    invalid(
                        &out,
                        key,
                        "it maps item properties to request values (body.<property>, path.<param> or query.<param>)",
                    )
                })?;
                let mut find = Vec::new();
                for (field, from) in fields {
                    let pointer = format!("{}/{}", out.at(key), escape_pointer_token(field));
                    find.push((field.clone(), request_value(spec, op, from, &pointer)?));
                }
                out.find = find;
            }
            "set" => {
                let fields = value.as_object().ok_or_else(|| {
                    invalid(&out, key, "it maps item properties to the values they take")
                })?;
                out.set = fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            }
            "member" => out.member = Some(request_value(spec, op, value, &out.at(key))?),
            "serverFields" => {
                let fields = value
                    .as_object()
                    .filter(|fields| {
                        fields
                            .values()
                            .all(|v| v.as_str().is_some_and(|v| SERVER_VALUES.contains(&v)))
                    })
                    .ok_or_else(|| {
                        invalid(
                            &out,
                            key,
                            &format!(
                                "it maps property names to one of {}",
                                SERVER_VALUES.join(", ")
                            ),
                        )
                    })?;
                out.server_fields = fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect();
            }
            _ => {
                return Err(spec.error_at(
                    &out.at(key),
                    format!(
                        "unknown `{RESOURCE}` field `{key}`; expected one of {}",
                        RESOURCE_FIELDS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// A request value named in the extension (`body.userId`), which the
/// operation must take.
fn request_value(
    spec: &LoadedSpec,
    op: &SpecOperation<'_>,
    value: &Value,
    pointer: &str,
) -> Result<RequestValue, SpecError> {
    let parsed = value
        .as_str()
        .and_then(|text| text.split_once('.'))
        .and_then(|(place, name)| {
            let place = match place {
                "path" => Place::Path,
                "query" => Place::Query,
                "body" => Place::Body,
                _ => return None,
            };
            Some(RequestValue {
                place,
                name: name.to_string(),
            })
        });
    let Some(found) = parsed else {
        return Err(spec.error_at(
            pointer,
            format!(
                "`{value}` is no request value: write body.<property>, path.<param> or query.<param>"
            ),
        ));
    };
    let exists = match found.place {
        Place::Body => op.json_body_properties(spec).contains(&found.name.as_str()),
        Place::Path | Place::Query => {
            let location = if found.place == Place::Path {
                Location::Path
            } else {
                Location::Query
            };
            op.parameters(spec)
                .iter()
                .any(|p| p.name == found.name && p.location == Some(location))
        }
    };
    if !exists {
        return Err(spec.error_at(pointer, format!("`{}` takes no `{found}`", op.id)));
    }
    Ok(found)
}

// ---------------------------------------------------------------------------
// x-avara-reference

/// One [`REFERENCE`] entry: `aspect: {page, sdk, spec, reason}`, with
/// `page` or `sdk` or both.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceNote {
    /// The pointer of the entry in the spec (`.../<extension>/type`).
    pub pointer: String,
    pub aspect: String,
    /// What the page says (`null` when the page does not state it); `None`
    /// when the note does not concern the pages.
    pub page: Option<Value>,
    /// What the official SDK's facts say; `None` when the note does not
    /// concern the SDK.
    pub sdk: Option<Value>,
    /// What the spec says instead.
    pub spec: Value,
    pub reason: String,
}

/// The aspects a note may concern: the facts the check compares. The
/// pages' checks compare the first nineteen; the SDK's check compares
/// `required`, `nullable`, `type`, `format` and the ones after `pattern`'s
/// bound, see `reference::sdk`.
pub const REFERENCE_ASPECTS: [&str; 27] = [
    "method",
    "operationId",
    "summary",
    "description",
    "status",
    "required",
    "nullable",
    "type",
    "format",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "pattern",
    MAX_KEY_LENGTH,
    "enum",
    "presence",
    "arrayFormat",
    "requestCursorParam",
    "itemsField",
    "nextCursorField",
    "hasMoreField",
    "discriminator",
];

/// Parses the [`REFERENCE`] extension `value` found at `pointer` into its
/// notes, or the first malformed entry as `(pointer, message)`. `same_as`
/// compares an `sdk` value with the `spec` value as the check does (a note
/// that records no difference is refused); `show` writes a value in a
/// message.
pub fn parse_reference_notes(
    value: &Value,
    pointer: &str,
    same_as: impl Fn(&str, &Value, &Value) -> bool,
    show: impl Fn(&Value) -> String,
) -> Result<Vec<ReferenceNote>, (String, String)> {
    let map = value.as_object().ok_or_else(|| {
        (
            pointer.to_string(),
            format!("`{REFERENCE}` must map each aspect to {{page, sdk, spec, reason}}"),
        )
    })?;
    let mut notes = Vec::new();
    for (aspect, entry) in map {
        let at = format!("{pointer}/{}", escape_pointer_token(aspect));
        if !REFERENCE_ASPECTS.contains(&aspect.as_str()) {
            return Err((
                at,
                format!(
                    "`{REFERENCE}` aspect `{aspect}` is unknown; expected one of {}",
                    REFERENCE_ASPECTS.join(", ")
                ),
            ));
        }
        let entry = entry.as_object().ok_or_else(|| {
            (
                at.clone(),
                format!("`{REFERENCE}.{aspect}` must be a mapping {{page, sdk, spec, reason}}"),
            )
        })?;
        for key in entry.keys() {
            if !["page", "sdk", "spec", "reason"].contains(&key.as_str()) {
                return Err((
                    at.clone(),
                    format!(
                        "`{REFERENCE}.{aspect}` has the unknown key `{key}`; expected page, sdk, spec, reason"
                    ),
                ));
            }
        }
        let reason = entry
            .get("reason")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                (
                    at.clone(),
                    format!("`{REFERENCE}.{aspect}` needs a `reason`"),
                )
            })?;
        let (page, sdk) = (entry.get("page"), entry.get("sdk"));
        let (Some(spec), true) = (entry.get("spec"), page.is_some() || sdk.is_some()) else {
            return Err((
                at,
                format!(
                    "`{REFERENCE}.{aspect}` needs `spec` and `page` (null when the page is silent) or `sdk` (what the SDK facts say), or both"
                ),
            ));
        };
        if let Some(sdk) = sdk
            && same_as(aspect, sdk, spec)
        {
            return Err((
                at,
                format!(
                    "`{REFERENCE}.{aspect}` records no difference: `sdk` and `spec` are both {}",
                    show(spec)
                ),
            ));
        }
        notes.push(ReferenceNote {
            pointer: at,
            aspect: aspect.clone(),
            page: page.cloned(),
            sdk: sdk.cloned(),
            spec: spec.clone(),
            reason: reason.split_whitespace().collect::<Vec<_>>().join(" "),
        });
    }
    Ok(notes)
}

// ---------------------------------------------------------------------------
// x-avara-webhook-event

/// The [`WEBHOOK_EVENT`] marker of a tag: the `$ref` of the union of every
/// webhook event, which no operation takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEventMarker {
    /// The pointer of the marker (`/tags/<i>/<extension>`).
    pub pointer: String,
    /// The union's `$ref`, such as `#/components/schemas/WebhookEvent`.
    pub reference: String,
}

/// The [`WEBHOOK_EVENT`] marker of the spec's tags, if one has it; an error
/// located at a marker that is no local `$ref`.
pub fn webhook_event_marker(spec: &LoadedSpec) -> Result<Option<WebhookEventMarker>, SpecError> {
    let tags = spec.json.get("tags").and_then(Value::as_array);
    for (i, tag) in tags.into_iter().flatten().enumerate() {
        let Some(marker) = tag.get(WEBHOOK_EVENT) else {
            continue;
        };
        let pointer = format!("/tags/{i}/{WEBHOOK_EVENT}");
        let Some(reference) = marker.get("$ref").and_then(Value::as_str) else {
            return Err(spec.error_at(
                &pointer,
                format!("`{WEBHOOK_EVENT}` must be a `$ref` to the union of the webhook events"),
            ));
        };
        return Ok(Some(WebhookEventMarker {
            pointer,
            reference: reference.to_string(),
        }));
    }
    Ok(None)
}

// ---------------------------------------------------------------------------
// x-webhooks

/// One event of [`WEBHOOKS`]: its type (the key) and the path item that
/// sends it.
pub struct Webhook<'a> {
    /// The event type, such as `study.access_requested`.
    pub event_type: &'a str,
    /// The pointer of the event (`/<extension>/<type>`).
    pub pointer: String,
    /// The event's path item (its `post` sends the event).
    pub item: &'a Value,
}

impl<'a> Webhook<'a> {
    /// The pointer of the event's `post`.
    pub fn post_pointer(&self) -> String {
        format!("{}/post", self.pointer)
    }

    /// The event's `post`, if written.
    pub fn post(&self) -> Option<&'a Value> {
        self.item.get("post")
    }
}

/// The pointer of the spec's [`WEBHOOKS`].
pub fn webhooks_pointer() -> String {
    format!("/{WEBHOOKS}")
}

/// The pointer of event `event_type` under [`WEBHOOKS`].
pub fn webhook_pointer(event_type: &str) -> String {
    format!("/{WEBHOOKS}/{}", escape_pointer_token(event_type))
}

/// The spec's [`WEBHOOKS`] as written (any JSON), if it has any.
pub fn webhooks_json(spec: &Value) -> Option<&Value> {
    spec.get(WEBHOOKS)
}

/// The event types of the spec's [`WEBHOOKS`], in its order; none when it
/// has no such map.
pub fn webhook_event_types(spec: &Value) -> Vec<&str> {
    webhooks_json(spec)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|hooks| hooks.keys().map(String::as_str))
        .collect()
}

/// Every event of the spec's [`WEBHOOKS`]; none when it has none, an error
/// when it is no map.
pub fn webhooks(spec: &LoadedSpec) -> Result<Vec<Webhook<'_>>, SpecError> {
    let Some(hooks) = webhooks_json(&spec.json) else {
        return Ok(Vec::new());
    };
    let Some(hooks) = hooks.as_object() else {
        return Err(spec.error_at(&webhooks_pointer(), "must be a map of event types"));
    };
    Ok(hooks
        .iter()
        .map(|(event_type, item)| Webhook {
            event_type,
            pointer: webhook_pointer(event_type),
            item,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real() -> LoadedSpec {
        crate::spec::load(&crate::workspace_root().join("spec/openapi.yaml")).unwrap()
    }

    #[test]
    fn the_names_and_the_macro_agree() {
        for name in [
            PAGINATION,
            MAX_KEY_LENGTH,
            RESOURCE,
            REFERENCE,
            WEBHOOK_EVENT,
        ] {
            assert!(name.starts_with(PREFIX), "{name}");
        }
        assert_eq!(
            concat!(extension_name!(pagination), "!"),
            format!("{PAGINATION}!")
        );
        assert_eq!(WEBHOOKS.strip_prefix("x-"), Some("webhooks"));
    }

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
            assert_eq!(action.to_string(), action.as_str());
        }
        assert_eq!(Action::parse("bogus"), None);
    }

    #[test]
    fn max_key_length_reads_a_count_only() {
        let schema = |v: Value| serde_json::json!({ MAX_KEY_LENGTH: v });
        assert_eq!(max_key_length(&schema(Value::from(100))), Some(100));
        assert_eq!(max_key_length(&schema(Value::from(-1))), None);
        assert_eq!(max_key_length(&schema(Value::from("100"))), None);
        assert_eq!(max_key_length(&serde_json::json!({})), None);
    }

    #[test]
    fn the_real_spec_marks_its_webhook_union_and_lists_its_events() {
        let spec = real();
        let marker = webhook_event_marker(&spec).unwrap().expect("a marker");
        assert!(spec.resolve_ref(&marker.reference).is_some(), "{marker:?}");
        assert!(spec.json.pointer(&marker.pointer).is_some(), "{marker:?}");
        let events = webhooks(&spec).unwrap();
        assert!(!events.is_empty());
        assert_eq!(
            events.iter().map(|e| e.event_type).collect::<Vec<_>>(),
            webhook_event_types(&spec.json)
        );
        for event in &events {
            assert!(event.post().is_some(), "{}", event.event_type);
            assert_eq!(spec.json.pointer(&event.post_pointer()), event.post());
        }
    }

    #[test]
    fn a_webhook_marker_without_a_ref_is_a_located_error() {
        let text =
            std::fs::read_to_string(crate::workspace_root().join("spec/openapi.yaml")).unwrap();
        let anchor = format!("    {WEBHOOK_EVENT}:\n");
        let at = text.find(&anchor).expect("the marker") + anchor.len();
        let end = at + text[at..].find('\n').unwrap() + 1;
        let broken = format!("{}      type: object\n{}", &text[..at], &text[end..]);
        let spec = crate::spec::parse(std::path::Path::new("spec.yaml"), broken).unwrap();
        let error = webhook_event_marker(&spec).unwrap_err();
        assert!(error.pointer.as_deref().unwrap().ends_with(WEBHOOK_EVENT));
        assert!(error.line_col.is_some(), "{error}");
    }

    #[test]
    fn reference_notes_parse_with_their_pointers() {
        let value = serde_json::json!({
            "type": {"page": null, "spec": "integer", "reason": "  A   count. "}
        });
        let notes =
            parse_reference_notes(&value, "/x", |_, a, b| a == b, |v| v.to_string()).unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].pointer, "/x/type");
        assert_eq!(notes[0].page, Some(Value::Null));
        assert_eq!(notes[0].reason, "A count.");
        let bad = serde_json::json!({"colour": {}});
        let (at, message) =
            parse_reference_notes(&bad, "/x", |_, a, b| a == b, |v| v.to_string()).unwrap_err();
        assert_eq!(at, "/x/colour");
        assert!(message.contains("unknown"), "{message}");
    }
}
