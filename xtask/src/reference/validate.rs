//! A validator for the JSON Schema subset the spec uses, so that every JSON
//! example on a reference page can be checked against the spec's schema of
//! the response it illustrates.
//!
//! Keywords: `$ref`, `type`, `format` (`date-time`, `date`, `uuid`, `int32`,
//! `int64`), `nullable`, `enum`, `required`, `properties`,
//! `additionalProperties`, `minProperties`/`maxProperties`,
//! [`extensions::MAX_KEY_LENGTH`](crate::extensions::MAX_KEY_LENGTH), `minimum`/`maximum` (and the 3.0 boolean
//! `exclusiveMinimum`/`exclusiveMaximum`), `minLength`/`maxLength`,
//! `pattern`, `items`, `minItems`/`maxItems`, `allOf`. A schema using a
//! validation keyword outside this subset is reported, never passed silently.

use serde_json::Value;

use crate::extensions::MAX_KEY_LENGTH;
use crate::spec::{LoadedSpec, escape_pointer_token};

/// One way an instance fails its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer into the instance ("" for the root).
    pub instance: String,
    /// JSON pointer of the schema keyword that failed, in the spec.
    pub schema: String,
    pub message: String,
}

/// Keywords that carry no validation: they are skipped.
const ANNOTATIONS: [&str; 9] = [
    "description",
    "example",
    "title",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
    "default",
    "discriminator",
];

/// Validates `instance` against the schema at `schema_pointer` in the spec.
pub fn validate(spec: &LoadedSpec, schema_pointer: &str, instance: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    Validator { spec }.check(schema_pointer, instance, "", &mut out, 0);
    out
}

struct Validator<'a> {
    spec: &'a LoadedSpec,
}

impl Validator<'_> {
    fn check(
        &self,
        pointer: &str,
        instance: &Value,
        at: &str,
        out: &mut Vec<Violation>,
        depth: usize,
    ) {
        macro_rules! fail {
            ($keyword:expr, $message:expr) => {
                out.push(Violation {
                    instance: at.to_string(),
                    schema: format!("{pointer}/{}", escape_pointer_token($keyword)),
                    message: $message,
                })
            };
        }
        if depth > 64 {
            fail!(
                "$ref",
                "the schema nests more than 64 levels (a `$ref` cycle?)".into()
            );
            return;
        }
        let Some(schema) = self.spec.json.pointer(pointer) else {
            fail!("", format!("no schema at `{pointer}`"));
            return;
        };
        let Some(map) = schema.as_object() else {
            fail!("", "the schema is not an object".into());
            return;
        };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            match reference.strip_prefix('#') {
                Some(target) => self.check(target, instance, at, out, depth + 1),
                None => fail!("$ref", format!("`{reference}` is not a local reference")),
            }
            return;
        }
        if instance.is_null() && map.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        // The type first: when it fails, the other keywords would only repeat it.
        if let Some(expected) = map.get("type") {
            let expected = expected.as_str().unwrap_or_default();
            if !has_type(instance, expected) {
                let null = if instance.is_null() {
                    " (and the schema is not nullable)"
                } else {
                    ""
                };
                fail!(
                    "type",
                    format!("expected {expected}, found {}{null}", kind(instance))
                );
                return;
            }
        }
        for (keyword, value) in map {
            if ANNOTATIONS.contains(&keyword.as_str())
                || keyword == "type"
                || keyword == "nullable"
                || (keyword.starts_with("x-") && keyword != MAX_KEY_LENGTH)
            {
                continue;
            }
            match keyword.as_str() {
                "format" => {
                    if let Some(message) =
                        check_format(value.as_str().unwrap_or_default(), instance)
                    {
                        fail!(keyword, message);
                    }
                }
                "enum" => {
                    let allowed = value.as_array().cloned().unwrap_or_default();
                    if !allowed.contains(instance) {
                        fail!(keyword, format!("{instance} is not one of {value}"));
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(n), Some(bound)) = (instance.as_f64(), value.as_f64()) {
                        let exclusive = map.get(if keyword == "minimum" {
                            "exclusiveMinimum"
                        } else {
                            "exclusiveMaximum"
                        }) == Some(&Value::Bool(true));
                        let ok = match (keyword.as_str(), exclusive) {
                            ("minimum", false) => n >= bound,
                            ("minimum", true) => n > bound,
                            (_, false) => n <= bound,
                            (_, true) => n < bound,
                        };
                        if !ok {
                            fail!(
                                keyword,
                                format!(
                                    "{instance} is outside the {keyword} {value}{}",
                                    if exclusive { " (exclusive)" } else { "" }
                                )
                            );
                        }
                    }
                }
                "exclusiveMinimum" | "exclusiveMaximum" => {}
                "minLength" | "maxLength" => {
                    if let (Some(s), Some(bound)) = (instance.as_str(), value.as_u64()) {
                        let length = s.chars().count() as u64;
                        if (keyword == "minLength" && length < bound)
                            || (keyword == "maxLength" && length > bound)
                        {
                            fail!(
                                keyword,
                                format!("a string of {length} characters breaks {keyword} {bound}")
                            );
                        }
                    }
                }
                "pattern" => {
                    if let Some(s) = instance.as_str() {
                        match regex::Regex::new(value.as_str().unwrap_or_default()) {
                            Ok(re) if re.is_match(s) => {}
                            Ok(_) => fail!(
                                keyword,
                                format!(
                                    "\"{s}\" does not match the pattern `{}`",
                                    value.as_str().unwrap_or_default()
                                )
                            ),
                            Err(e) => {
                                fail!(keyword, format!("the spec's pattern does not compile: {e}"))
                            }
                        }
                    }
                }
                "required" => {
                    if let Some(object) = instance.as_object() {
                        for name in value
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                        {
                            if !object.contains_key(name) {
                                fail!(
                                    keyword,
                                    format!("the required property `{name}` is missing")
                                );
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(object) = instance.as_object() {
                        for (name, child) in object {
                            if value.get(name).is_some() {
                                self.check(
                                    &format!("{pointer}/properties/{}", escape_pointer_token(name)),
                                    child,
                                    &format!("{at}/{}", escape_pointer_token(name)),
                                    out,
                                    depth + 1,
                                );
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(object) = instance.as_object() {
                        let declared = map.get("properties");
                        for (name, child) in object {
                            if declared.and_then(|d| d.get(name)).is_some() {
                                continue;
                            }
                            let child_at = format!("{at}/{}", escape_pointer_token(name));
                            match value {
                                Value::Bool(false) => out.push(Violation {
                                    instance: child_at,
                                    schema: format!("{pointer}/additionalProperties"),
                                    message: format!("the property `{name}` is not allowed (additionalProperties: false)"),
                                }),
                                Value::Bool(true) => {}
                                _ => self.check(&format!("{pointer}/additionalProperties"), child, &child_at, out, depth + 1),
                            }
                        }
                    }
                }
                "minProperties" | "maxProperties" => {
                    if let (Some(object), Some(bound)) = (instance.as_object(), value.as_u64()) {
                        let count = object.len() as u64;
                        if (keyword == "minProperties" && count < bound)
                            || (keyword == "maxProperties" && count > bound)
                        {
                            fail!(
                                keyword,
                                format!("an object of {count} properties breaks {keyword} {bound}")
                            );
                        }
                    }
                }
                MAX_KEY_LENGTH => {
                    if let (Some(object), Some(bound)) = (instance.as_object(), value.as_u64()) {
                        for key in object.keys() {
                            if key.chars().count() as u64 > bound {
                                fail!(
                                    keyword,
                                    format!("the key `{key}` is longer than {bound} characters")
                                );
                            }
                        }
                    }
                }
                "items" => {
                    if let Some(items) = instance.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.check(
                                &format!("{pointer}/items"),
                                item,
                                &format!("{at}/{i}"),
                                out,
                                depth + 1,
                            );
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Some(items), Some(bound)) = (instance.as_array(), value.as_u64()) {
                        let count = items.len() as u64;
                        if (keyword == "minItems" && count < bound)
                            || (keyword == "maxItems" && count > bound)
                        {
                            fail!(
                                keyword,
                                format!("an array of {count} items breaks {keyword} {bound}")
                            );
                        }
                    }
                }
                "allOf" => {
                    for i in 0..value.as_array().map_or(0, Vec::len) {
                        self.check(
                            &format!("{pointer}/allOf/{i}"),
                            instance,
                            at,
                            out,
                            depth + 1,
                        );
                    }
                }
                other => fail!(
                    other,
                    format!("the validator does not support the keyword `{other}`")
                ),
            }
        }
    }
}

fn has_type(instance: &Value, expected: &str) -> bool {
    match expected {
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "number" => instance.is_number(),
        "integer" => {
            instance.is_i64()
                || instance.is_u64()
                || instance.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

fn kind(instance: &Value) -> String {
    match instance {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `None` when `instance` satisfies `format` (or is not of the format's type).
fn check_format(format: &str, instance: &Value) -> Option<String> {
    let text = instance.as_str();
    let ok = match format {
        "date-time" => text.map(is_date_time),
        "date" => text.map(|t| t.len() == 10 && is_date(t)),
        "uuid" => text.map(is_uuid),
        "int32" => instance
            .as_i64()
            .map(|n| i32::try_from(n).is_ok())
            .or_else(|| instance.as_u64().map(|_| false)),
        "int64" => instance.is_number().then(|| instance.is_i64()),
        // Formats without a rule are annotations.
        _ => None,
    };
    match ok {
        Some(false) => Some(format!("{instance} is not a valid {format}")),
        _ => None,
    }
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (1..=12).contains(&text[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&text[8..10].parse::<u8>().unwrap_or(0))
}

/// RFC 3339 `date-time`: `2024-01-15T09:00:00Z`, fractions and offsets allowed.
fn is_date_time(text: &str) -> bool {
    let re = regex::Regex::new(
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
    )
    .expect("a valid regex");
    is_date(text) && re.is_match(text)
}

fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_date_time("2024-01-15T09:00:00Z"));
        assert!(is_date_time("2024-01-15T09:00:00.123+02:00"));
        assert!(!is_date_time("2024-01-15 09:00:00"));
        assert!(!is_date_time("2024-13-15T09:00:00Z"));
        assert!(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!is_uuid("550e8400e29b41d4a716446655440000"));
        assert!(check_format("int32", &Value::from(3_000_000_000u64)).is_some());
        assert_eq!(check_format("int32", &Value::from(-5)), None);
    }
}
