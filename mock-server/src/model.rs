//! The shape of the generated API table (`generated.rs`): what `cargo xtask
//! codegen` reads from the spec for every operation and resource, and the
//! generic checks the table points at. Nothing here knows the API itself.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Checks a JSON value against a generated type; `Err` says what is wrong and
/// where.
pub(crate) type Check = fn(&Value) -> Result<(), String>;
/// Decodes a JSON value into a generated type and encodes it back: the value
/// as the type sees it (unknown fields refused, `null` for an optional field
/// the same as absent).
pub(crate) type Normalize = fn(Value) -> Result<Value, String>;

/// One operation of the spec.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The operationId.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, with `{name}` for each path parameter.
    pub path: &'static str,
    /// What the mock does for it.
    pub action: Action,
    /// What the mock does for it, in words (from the generator), for
    /// [`crate::operations`].
    pub behaviour: &'static str,
    /// The status of a successful answer.
    pub status: u16,
    /// The path parameters the operation takes.
    pub path_params: &'static [PathParam],
    /// The query parameters the operation takes.
    pub query: &'static [QueryParam],
    /// The JSON request body, if the operation takes one.
    pub body: Option<RequestBody>,
    /// Checks a successful answer's body against its documented type.
    pub response: Option<Check>,
}

/// A path parameter.
#[derive(Debug)]
pub(crate) struct PathParam {
    pub name: &'static str,
    /// The name of its schema, for messages (empty when inline).
    pub schema: &'static str,
    /// Checks the value (as a JSON string) against the parameter's generated
    /// type, when the spec names one: its pattern, length, enum.
    pub check: Option<Check>,
}

/// A query parameter.
#[derive(Debug)]
pub(crate) struct QueryParam {
    pub name: &'static str,
    pub required: bool,
    /// The JSON type its text must parse as (of each item, for a list).
    pub kind: Scalar,
    /// How a list is sent, if the parameter is an array.
    pub list: Option<ListStyle>,
    /// Whether an empty value means `null` (a nullable parameter).
    pub nullable: bool,
    /// The string format of its text (of each item, for a list), which the
    /// mock checks itself.
    pub format: Option<Format>,
    /// Checks the parsed value (each item, for a list) against the
    /// parameter's generated type, when the spec names one.
    pub check: Option<Check>,
}

/// How an array query parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum ListStyle {
    /// One comma-separated value (`explode: false`): `status=a,b`.
    CommaSeparated,
    /// The parameter repeated (`explode: true`, the default): `status=a&status=b`.
    Repeated,
}

/// The JSON type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum Scalar {
    String,
    Integer,
    Number,
    Boolean,
}

/// A JSON request body.
#[derive(Debug)]
pub(crate) struct RequestBody {
    pub required: bool,
    /// Whether the schema is an object (anything else is refused before the
    /// typed decoding, with a plainer message).
    pub object: bool,
    /// The name of its schema, for messages.
    pub schema: &'static str,
    /// The properties its schema lists (what a `PUT` replaces).
    pub properties: &'static [&'static str],
    /// String formats the generated types do not check, by JSON pointer
    /// (`*` for every array item or map value).
    pub formats: &'static [(&'static str, Format)],
    /// The values that may not be `null` where the request gives them, by
    /// JSON pointer (`*` as in `formats`): the generated types read a `null`
    /// optional property as an absent one.
    pub not_null: &'static [&'static str],
    /// Body properties whose JSON type is not that of the item property of
    /// the same name (a user id given for a user reference), with the value,
    /// as a JSON text, that the item property takes when the body gives one.
    pub derived: &'static [(&'static str, &'static str)],
    pub decode: Normalize,
}

/// A string format that the mock checks itself.
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// `local@domain`.
    Email,
    /// An RFC 3339 full-date: `2024-01-31`.
    Date,
    /// An RFC 3339 date-time: `2024-01-31T12:00:00Z`.
    DateTime,
}

impl Format {
    /// Why `text` is not of this format, if it is not.
    pub(crate) fn check(self, text: &str) -> Result<(), String> {
        match self {
            Format::Email => match text.split_once('@') {
                Some((local, domain))
                    if !local.is_empty()
                        && !domain.is_empty()
                        && !text.contains(char::is_whitespace) =>
                {
                    Ok(())
                }
                _ => Err(format!("`{text}` is not an email address")),
            },
            Format::Date => {
                let shaped = text.len() == 10
                    && text.char_indices().all(|(i, c)| match i {
                        4 | 7 => c == '-',
                        _ => c.is_ascii_digit(),
                    });
                if shaped && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
                    Ok(())
                } else {
                    Err(format!("`{text}` is not a date (YYYY-MM-DD)"))
                }
            }
            Format::DateTime => chrono::DateTime::parse_from_rfc3339(text)
                .map(|_| ())
                .map_err(|_| format!("`{text}` is not an RFC 3339 date-time")),
        }
    }
}

/// The values at `pointer` in `value`, where `*` stands for every array item
/// or map value, with their concrete pointers.
pub(crate) fn select<'a>(
    value: &'a Value,
    pointer: &str,
    at: String,
    out: &mut Vec<(String, &'a Value)>,
) {
    let Some(rest) = pointer.strip_prefix('/') else {
        out.push((at, value));
        return;
    };
    let (token, tail) = rest.split_once('/').map_or((rest, ""), |(t, r)| (t, r));
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!("/{tail}")
    };
    match (token, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                select(item, &tail, format!("{at}/{i}"), out);
            }
        }
        ("*", Value::Object(map)) => {
            for (key, item) in map {
                select(item, &tail, format!("{at}/{key}"), out);
            }
        }
        (name, Value::Object(map)) => {
            let name = name.replace("~1", "/").replace("~0", "~");
            if let Some(item) = map.get(&name) {
                select(item, &tail, format!("{at}/{}", name), out);
            }
        }
        _ => {}
    }
}

/// What the mock does for an operation: a REST convention on a resource, a
/// behaviour its `x-avara-resource` states, or the documented example.
#[derive(Debug)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum Action {
    /// Stores a new item (`POST` on a collection): the body's properties,
    /// the server's values, then `set`.
    Create {
        resource: usize,
        set: &'static [Assign],
        reply: Reply,
    },
    /// One page of a collection's items in creation order (`GET` on a
    /// collection), each shown as the page's item schema.
    List {
        resource: usize,
        page: Page,
        item: Option<Projection>,
    },
    /// Answers an item (`GET` on an item).
    Retrieve {
        resource: usize,
        find: Find,
        reply: Reply,
    },
    /// Merges the body into an item (`PATCH`; `null` clears a field).
    Update {
        resource: usize,
        find: Find,
        reply: Reply,
    },
    /// Replaces the fields the body can set (`PUT`).
    Replace {
        resource: usize,
        find: Find,
        reply: Reply,
    },
    /// Removes an item (`DELETE` on an item).
    Delete {
        resource: usize,
        find: Find,
        reply: Reply,
    },
    /// Sets fixed values on an item (a state change such as deactivate);
    /// with none, only finds it (404 when there is none).
    Set {
        resource: usize,
        find: Find,
        set: &'static [Assign],
        reply: Reply,
    },
    /// Makes a key a member of a set held by an item (add a user to a
    /// customer); a member already in it stays, once.
    Add {
        resource: usize,
        find: Find,
        members: Members,
        reply: Reply,
    },
    /// Takes a key out of a set held by an item; a key not in it changes
    /// nothing.
    Remove {
        resource: usize,
        find: Find,
        members: Members,
        reply: Reply,
    },
    /// Answers this JSON text (or no body), changing nothing.
    Example { body: Option<&'static str> },
}

/// How an action finds its item.
#[derive(Debug)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum Find {
    /// By the path: the collection's scope parameters and the resource's id
    /// parameter (an item path, or a path below one).
    Path,
    /// By item properties taken from the request: the first key (in this
    /// order) whose value the request gives finds the item; a request that
    /// gives none names no item (a 404).
    Match(&'static [Key]),
}

/// An item property matched against a value of the request.
#[derive(Debug)]
pub(crate) struct Key {
    pub field: &'static str,
    pub from: Source,
}

/// A value of the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum Source {
    Path(&'static str),
    Query(&'static str),
    /// A top-level property of the JSON body.
    Body(&'static str),
}

impl Source {
    /// `path `x``, for messages.
    pub(crate) fn describe(self) -> String {
        match self {
            Source::Path(name) => format!("path parameter `{name}`"),
            Source::Query(name) => format!("query parameter `{name}`"),
            Source::Body(name) => format!("body property `{name}`"),
        }
    }
}

/// A set of keys held by each item of a resource.
#[derive(Debug)]
pub(crate) struct Members {
    /// The set's name (the path of its operations): an item holds one set
    /// per name.
    pub set: &'static str,
    /// The request value that is the member.
    pub member: Source,
    /// The integer item property that counts the members, if any: one more
    /// or one less on each change.
    pub count: Option<&'static str>,
}

/// What a successful action answers.
#[derive(Debug)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum Reply {
    /// The item (as it is after the action), shown as another schema when
    /// the answer's schema is not the item's.
    Item(Option<Projection>),
    /// This JSON text, or no body.
    Example(Option<&'static str>),
}

/// An item shown as another schema: the properties that schema lists, and
/// values for the required ones the item lacks.
#[derive(Debug)]
pub(crate) struct Projection {
    pub properties: &'static [&'static str],
    /// Required properties with the value they take when the item has none,
    /// as JSON texts.
    pub fill: &'static [(&'static str, &'static str)],
}

/// A fixed value an action gives an item property.
#[derive(Debug)]
pub(crate) struct Assign {
    pub field: &'static str,
    pub value: SetValue,
}

/// The value of an [`Assign`].
#[derive(Debug)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum SetValue {
    /// A JSON text.
    Json(&'static str),
    /// The current time (`date-time`).
    Now,
    /// The current date (`date`).
    Today,
}

/// How a list operation pages, from its pagination extension.
#[derive(Debug)]
pub(crate) struct Page {
    /// The query parameter that carries the cursor.
    pub cursor_param: &'static str,
    /// The integer query parameter that bounds the page size, if any.
    pub limit_param: Option<&'static str>,
    /// The limit parameter's maximum, which bounds the default page size.
    pub max_limit: Option<usize>,
    pub items_field: &'static str,
    pub next_cursor_field: &'static str,
    pub has_more_field: &'static str,
    /// What the next-cursor field holds on the last page.
    pub last_cursor: LastCursor,
    /// Other required fields of the page, as JSON texts.
    pub extra: &'static [(&'static str, &'static str)],
}

/// The next-cursor field of the last page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum LastCursor {
    /// Left out.
    Omit,
    /// `null`.
    Null,
}

/// A collection of items that the spec reads and writes by REST convention.
#[derive(Debug)]
pub(crate) struct Resource {
    /// The item schema's name, for messages.
    pub name: &'static str,
    /// The collection's path template.
    pub collection: &'static str,
    /// The path parameters of the collection, outermost first: the ids of
    /// the items it is nested in.
    pub scope_params: &'static [&'static str],
    /// The path parameter that names an item.
    pub id_param: &'static str,
    /// The item property that holds its id.
    pub id_field: &'static str,
    /// The resource this one is nested in, if any.
    pub parent: Option<Parent>,
    /// Values the server sets for properties a request does not give.
    pub fields: &'static [Field],
    /// Properties that a `null` in an update clears (the optional ones:
    /// the update body may allow `null` where the item does not).
    pub clearable: &'static [&'static str],
    /// Required properties that may be `null`.
    pub nullable_required: &'static [&'static str],
    /// Every property of the item, when its schema lists them.
    pub properties: &'static [&'static str],
    /// Checks a stored item against the item type.
    pub check: Check,
    /// The item schema's documented example, as a JSON text (loaded by
    /// `--examples`).
    pub example: Option<&'static str>,
}

/// The resource a nested collection belongs to.
#[derive(Debug)]
pub(crate) struct Parent {
    pub resource: usize,
}

/// A property the server sets.
#[derive(Debug)]
pub(crate) struct Field {
    pub name: &'static str,
    pub value: ServerValue,
}

/// How the server makes a property's value.
#[derive(Debug)]
// Which variants the generated table uses depends on the spec.
#[allow(dead_code)]
pub(crate) enum ServerValue {
    /// A fresh id in the shape of the id schema's pattern.
    Id(&'static [IdPiece]),
    /// The id of the parent item.
    ParentId,
    /// The current time (`date-time`).
    Now,
    /// The current date (`date`).
    Today,
    /// A fresh random UUID.
    RandomUuid,
    /// A UUID derived from the caller's API key with a per-server secret
    /// key, so that it is stable per key and reveals nothing about it.
    ApiKeyId,
    /// A fixed JSON value (a default, an example or one made from the schema).
    Json(&'static str),
}

/// One part of a generated id.
#[derive(Debug)]
pub(crate) enum IdPiece {
    Literal(&'static str),
    Random {
        alphabet: &'static str,
        count: usize,
    },
}

/// A webhook event of the spec (under `x-webhooks`), which
/// `POST /_mock/webhooks/{eventType}` sends.
#[derive(Debug)]
pub(crate) struct Event {
    /// The event type, the key under `x-webhooks`.
    pub event_type: &'static str,
    /// The event's schema.
    pub schema: &'static str,
    /// The documented example of the event, as JSON text.
    pub example: &'static str,
    /// Checks an event against its type.
    pub check: Option<Check>,
    /// The schema of the receiver's answer (its `200` response).
    pub answer_schema: &'static str,
    /// Checks an answer against its type.
    pub answer_check: Option<Check>,
}

/// The spec's error body: which of its properties carry the message and the
/// error code.
#[derive(Debug)]
pub(crate) struct ErrorShape {
    pub message_field: &'static str,
    pub code_field: Option<&'static str>,
    /// Other required properties, as JSON texts.
    pub extra: &'static [(&'static str, &'static str)],
    pub check: Option<Check>,
}

/// Checks `value` against `T`: it must decode into `T`, and `T` must encode
/// back to the same value (apart from `null`s and empty lists and maps,
/// which `T` may leave out), so a property `T` does not know is refused too.
pub(crate) fn conforms<T: DeserializeOwned + Serialize>(value: &Value) -> Result<(), String> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(located)?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let (mut expected, mut found) = (value.clone(), back);
    drop_nulls(&mut expected);
    drop_nulls(&mut found);
    if same(&expected, &found) {
        Ok(())
    } else {
        Err(format!(
            "does not survive a round trip through its type: sent {expected}, the type reads {found}"
        ))
    }
}

/// Decodes `value` into `T` and encodes it back (see [`Normalize`]).
pub(crate) fn normalize<T: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let typed: T = serde_path_to_error::deserialize(&value).map_err(located)?;
    let mut back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    no_array_read_as_object(&value, &back, "")?;
    if let Value::Object(properties) = &mut back {
        properties.values_mut().for_each(drop_cleared);
    }
    Ok(back)
}

/// Leaves out the `null`s inside a body property's value (at any depth
/// below the top level, where the actions read `null` from the raw body):
/// an optional nullable property of a body type is an `avara::Nullable`,
/// which encodes its `null`, and a `null` there clears the property of the
/// object the value replaces. (The spec's bodies have no required nullable
/// property below the top level, whose `null` this would also leave out.)
fn drop_cleared(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_cleared);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_cleared),
        _ => {}
    }
}

/// serde decodes a struct from a JSON array too (its fields in order, the
/// missing ones defaulted: every field of an update body whose fields are
/// all `Nullable`), so `[null]` would pass for an object: refuse an array
/// wherever the type read an object.
fn no_array_read_as_object(sent: &Value, read: &Value, at: &str) -> Result<(), String> {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Err(format!(
            "request body `{}`: an array where an object is expected",
            if at.is_empty() { "/" } else { at }
        )),
        (Value::Object(sent), Value::Object(read)) => sent.iter().try_for_each(|(key, value)| {
            let at = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
            match read.get(key) {
                Some(back) => no_array_read_as_object(value, back, &at),
                None => Ok(()),
            }
        }),
        (Value::Array(sent), Value::Array(read)) => {
            sent.iter()
                .zip(read)
                .enumerate()
                .try_for_each(|(i, (value, back))| {
                    no_array_read_as_object(value, back, &format!("{at}/{i}"))
                })
        }
        _ => Ok(()),
    }
}

/// A decoding error, prefixed with the place it happened.
fn located(error: serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = error.path().to_string();
    if path == "." {
        format!("request body: {}", error.inner())
    } else {
        format!("`{path}`: {}", error.inner())
    }
}

/// Whether two values are equal, numbers by their value (`165` is `165.0`,
/// as a type with a float field reads it).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Leaves out the properties a generated type may leave out when it encodes
/// them: `null`s, and empty lists and maps (which it skips as it skips an
/// absent one).
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(drop_nulls);
            map.retain(|_, v| match v {
                Value::Null => false,
                Value::Array(items) => !items.is_empty(),
                Value::Object(fields) => !fields.is_empty(),
                _ => true,
            });
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Serialize)]
    struct Item {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    #[test]
    fn formats_are_checked_where_the_pointer_selects() {
        let body = json!({"a": {"x": "u@example.com", "y": "nope"}, "b": ["v@w", "bad"]});
        let mut found = Vec::new();
        select(&body, "/a/*", String::new(), &mut found);
        select(&body, "/b/*", String::new(), &mut found);
        let bad: Vec<String> = found
            .into_iter()
            .filter(|(_, v)| Format::Email.check(v.as_str().unwrap()).is_err())
            .map(|(at, _)| at)
            .collect();
        assert_eq!(bad, ["/a/y", "/b/1"]);
        assert!(Format::Email.check("a b@c").is_err());
        assert!(Format::Email.check("@c").is_err());
    }

    #[test]
    fn dates_and_date_times_are_checked() {
        assert_eq!(Format::Date.check("2024-02-29"), Ok(()));
        assert_eq!(Format::Date.check("0465-07-17"), Ok(()));
        for bad in [
            "",
            "2023-02-29",
            "2024-1-01",
            "+2024-01-01",
            "12024-01-01",
            "2024-01-01T00:00:00Z",
        ] {
            assert!(Format::Date.check(bad).is_err(), "{bad}");
        }
        assert_eq!(Format::DateTime.check("2024-01-31T12:00:00Z"), Ok(()));
        assert!(Format::DateTime.check("2024-01-31").is_err());
    }

    #[test]
    fn conformance_refuses_wrong_types_and_unknown_fields() {
        assert_eq!(conforms::<Item>(&json!({"name": "a"})), Ok(()));
        assert_eq!(
            conforms::<Item>(&json!({"name": "a", "note": null})),
            Ok(())
        );
        let wrong = conforms::<Item>(&json!({"name": 1})).unwrap_err();
        assert!(wrong.contains("`name`"), "{wrong}");
        let unknown = conforms::<Item>(&json!({"name": "a", "extra": 1})).unwrap_err();
        assert!(unknown.contains("extra"), "{unknown}");
    }

    #[derive(Deserialize, Serialize)]
    struct Notes {
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<String>,
    }

    #[test]
    fn an_empty_list_its_type_skips_conforms() {
        assert_eq!(conforms::<Notes>(&json!({"notes": []})), Ok(()));
        assert!(conforms::<Notes>(&json!({"notes": [1]})).is_err());
    }

    #[derive(Deserialize, Serialize)]
    struct Height {
        value: f64,
    }

    #[test]
    fn an_integer_conforms_to_a_float_field() {
        assert_eq!(conforms::<Height>(&json!({"value": 165})), Ok(()));
        assert!(conforms::<Height>(&json!({"value": "165"})).is_err());
    }
}
