//! Example values synthesized from a schema, for the generated doc examples
//! of inputs the spec gives no `example` for (the way Prism and Stainless
//! fill in mock data): the schema's `example` or `default`, else the first
//! `enum` value, else a value of its `format` (`date-time`, `date`, `uuid`,
//! `email`, `uri`, ...), else a string matching its `pattern`, else a value
//! of its `type` within its bounds (`allOf` parts merged, the first of a
//! `oneOf` or `anyOf`). [`pattern_pieces`] is the one reading of patterns:
//! avara-mock draws fresh ids from the same pieces.
//!
//! A pattern beyond the small regex subset handled here (literals, classes,
//! counts, groups, alternatives, `^`/`$` anchors) gives a plain string and a
//! lint warning, never a failure.

use regex_syntax::hir::{Class, Hir, HirKind, Look};
use serde_json::{Value, json};

use crate::schema;
use crate::spec::LoadedSpec;

/// A synthesized value, with a warning when it may not satisfy the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthesized {
    pub value: Value,
    pub warning: Option<String>,
}

/// A value for `schema` (which may be a `$ref`), preferring what the spec
/// itself says.
pub fn synthesize(spec: &LoadedSpec, schema: &Value) -> Synthesized {
    synthesize_at(spec, schema, 0)
}

fn ok(value: Value) -> Synthesized {
    Synthesized {
        value,
        warning: None,
    }
}

fn synthesize_at(spec: &LoadedSpec, written: &Value, depth: usize) -> Synthesized {
    if let Some(example) = written.get("example").or_else(|| written.get("default")) {
        return ok(example.clone());
    }
    let schema = spec.schema_json(written);
    if let Some(example) = schema.get("example").or_else(|| schema.get("default")) {
        return ok(example.clone());
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| values.iter().find(|v| !v.is_null()))
    {
        return ok(first.clone());
    }
    if depth < 8 {
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = serde_json::Map::new();
            let mut warning = None;
            for part in parts {
                let part = synthesize_at(spec, part, depth + 1);
                warning = warning.or(part.warning);
                if let Value::Object(fields) = part.value {
                    merged.extend(fields);
                }
            }
            return Synthesized {
                value: Value::Object(merged),
                warning,
            };
        }
        if let Some((first, _)) = schema::members(schema, "").into_iter().next() {
            return synthesize_at(spec, first, depth + 1);
        }
    }
    let get = |key: &str| schema.get(key);
    match get("type").and_then(Value::as_str) {
        Some("string") => string(schema),
        Some("integer") => ok(json!(integer(schema))),
        Some("number") => ok(number(schema)),
        Some("boolean") => ok(json!(true)),
        Some("array") if depth < 8 => {
            let count = get("minItems").and_then(Value::as_u64).unwrap_or(1).max(1);
            let item = get("items")
                .map(|items| synthesize_at(spec, items, depth + 1))
                .unwrap_or_else(|| ok(json!("string")));
            Synthesized {
                value: Value::Array(vec![item.value; count as usize]),
                warning: item.warning,
            }
        }
        Some("object") | None if depth < 8 => {
            let mut object = serde_json::Map::new();
            let mut warning = None;
            let required = get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let property = get("properties")
                    .and_then(|p| p.get(name))
                    .unwrap_or(&Value::Null);
                let value = synthesize_at(spec, property, depth + 1);
                warning = warning.or(value.warning);
                object.insert(name.to_string(), value.value);
            }
            Synthesized {
                value: Value::Object(object),
                warning,
            }
        }
        _ => ok(json!("string")),
    }
}

fn string(schema: &Value) -> Synthesized {
    let format = schema.get("format").and_then(Value::as_str);
    let by_format = match format {
        Some("date-time") => Some("2024-01-15T09:00:00Z"),
        Some("date") => Some("2024-01-15"),
        Some("time") => Some("09:00:00"),
        Some("uuid") => Some("123e4567-e89b-42d3-a456-426614174000"),
        Some("email") => Some("user@example.com"),
        Some("uri") | Some("url") => Some("https://example.com"),
        Some("hostname") => Some("example.com"),
        Some("ipv4") => Some("192.0.2.1"),
        Some("ipv6") => Some("2001:db8::1"),
        _ => None,
    };
    if let Some(value) = by_format {
        return ok(json!(value));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        return match string_matching(pattern) {
            Ok(value) => ok(json!(value)),
            Err(why) => Synthesized {
                value: json!(bounded("string", schema)),
                warning: Some(format!(
                    "cannot synthesize a string matching the pattern `{pattern}` ({why}); add an `example`"
                )),
            },
        };
    }
    ok(json!(bounded("string", schema)))
}

/// `base`, padded or cut to the schema's `minLength`/`maxLength`.
fn bounded(base: &str, schema: &Value) -> String {
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    let mut value: String = base.to_string();
    while value.chars().count() < min {
        value.push('x');
    }
    if let Some(max) = max {
        value = value.chars().take(max).collect();
    }
    value
}

fn integer(schema: &Value) -> i64 {
    let exclusive = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    let minimum = schema.get("minimum").and_then(Value::as_f64);
    let maximum = schema.get("maximum").and_then(Value::as_f64);
    match (minimum, maximum) {
        (Some(min), _) => {
            let min = min.ceil() as i64;
            if exclusive("exclusiveMinimum") {
                min + 1
            } else {
                min
            }
        }
        (None, Some(max)) if max < 1.0 => {
            let max = max.floor() as i64;
            if exclusive("exclusiveMaximum") {
                max - 1
            } else {
                max
            }
        }
        _ => 1,
    }
}

fn number(schema: &Value) -> Value {
    let minimum = schema.get("minimum").and_then(Value::as_f64);
    let maximum = schema.get("maximum").and_then(Value::as_f64);
    let exclusive = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
    let value = match (minimum, maximum) {
        (Some(min), Some(max)) => (min + max) / 2.0,
        (Some(min), None) if exclusive("exclusiveMinimum") => min + 1.0,
        (Some(min), None) => min,
        (None, Some(max)) if max < 1.0 => max - 1.0,
        _ => 1.0,
    };
    json!(value)
}

/// A string that the regular expression `pattern` matches, for the subset
/// of regexes that specs use: each repeat at its minimum, each class as its
/// tidiest member.
pub fn string_matching(pattern: &str) -> Result<String, String> {
    let mut out = String::new();
    for piece in pattern_pieces(pattern)? {
        match piece {
            PatternPiece::Literal(text) => out.push_str(&text),
            PatternPiece::Class { alphabet, min, .. } => {
                let member = PREFERRED
                    .chars()
                    .find(|c| alphabet.contains(*c))
                    .or_else(|| alphabet.chars().next())
                    .ok_or("a class with no printable ASCII member")?;
                out.extend(std::iter::repeat_n(member, min as usize));
            }
        }
    }
    Ok(out)
}

/// A run of the strings a pattern matches: fixed text, or characters
/// drawn from a class (its printable ASCII members) `min` to `max` times
/// (`None`: unbounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternPiece {
    Literal(String),
    Class {
        alphabet: String,
        min: u32,
        max: Option<u32>,
    },
}

/// The pieces that strings matching `pattern` are made of, for the subset
/// of regexes that specs use: literals, classes, repeats, groups, the first
/// of alternatives, and `^`/`$` anchors. A repeat of anything but a class
/// is written out at its minimum.
pub fn pattern_pieces(pattern: &str) -> Result<Vec<PatternPiece>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| {
            format!(
                "not a regex this generator reads: {}",
                e.to_string().lines().last().unwrap_or_default().trim()
            )
        })?;
    let mut out = Vec::new();
    pieces(&hir, &mut out)?;
    Ok(out)
}

/// Characters tried first when a class is met, so that values look tidy.
const PREFERRED: &str = "a0Abcdefxyz123456789_-.";

fn push_literal(out: &mut Vec<PatternPiece>, text: &str) {
    match out.last_mut() {
        Some(PatternPiece::Literal(last)) => last.push_str(text),
        _ => out.push(PatternPiece::Literal(text.to_string())),
    }
}

fn pieces(hir: &Hir, out: &mut Vec<PatternPiece>) -> Result<(), String> {
    match hir.kind() {
        HirKind::Empty => Ok(()),
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0)
                .map_err(|_| "a literal that is not UTF-8".to_string())?;
            push_literal(out, text);
            Ok(())
        }
        HirKind::Class(class) => {
            out.push(PatternPiece::Class {
                alphabet: alphabet(class)?,
                min: 1,
                max: Some(1),
            });
            Ok(())
        }
        HirKind::Look(look) => match look {
            Look::Start
            | Look::End
            | Look::StartLF
            | Look::EndLF
            | Look::StartCRLF
            | Look::EndCRLF => Ok(()),
            other => Err(format!("the assertion {other:?}")),
        },
        HirKind::Repetition(repetition) => match repetition.sub.kind() {
            HirKind::Class(class) => {
                out.push(PatternPiece::Class {
                    alphabet: alphabet(class)?,
                    min: repetition.min.min(1024),
                    max: repetition.max,
                });
                Ok(())
            }
            _ => {
                for _ in 0..repetition.min.min(1024) {
                    pieces(&repetition.sub, out)?;
                }
                Ok(())
            }
        },
        HirKind::Capture(capture) => pieces(&capture.sub, out),
        HirKind::Concat(parts) => parts.iter().try_for_each(|part| pieces(part, out)),
        HirKind::Alternation(alternatives) => {
            pieces(alternatives.first().ok_or("an empty alternation")?, out)
        }
    }
}

/// The printable ASCII members of a class, in order.
fn alphabet(class: &Class) -> Result<String, String> {
    let contains = |c: char| match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => {
            c.is_ascii()
                && b.ranges()
                    .iter()
                    .any(|r| r.start() <= c as u8 && c as u8 <= r.end())
        }
    };
    let members: String = (b'!'..=b'~')
        .map(char::from)
        .filter(|c| contains(*c))
        .collect();
    if members.is_empty() {
        return Err("a class with no printable ASCII member".into());
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_match_the_patterns_of_specs() {
        for pattern in [
            "^org_[0-9a-f]{32}$",
            "^usr_[0-9a-f]{32}$",
            "^[A-Z]{2,3}-\\d{4}$",
            "^(ab|cd)+x?$",
            "[^0-9]{3}",
            "^\\w+@\\w+\\.com$",
            "^v[1-9][0-9]*$",
        ] {
            let value = string_matching(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            let regex = regex::Regex::new(pattern).unwrap();
            assert!(regex.is_match(&value), "{value:?} does not match {pattern}");
        }
        assert_eq!(
            string_matching("^org_[0-9a-f]{32}$").unwrap(),
            format!("org_{}", "a".repeat(32))
        );
    }

    #[test]
    fn id_patterns_become_pieces() {
        let class = |alphabet: &str, min, max| PatternPiece::Class {
            alphabet: alphabet.into(),
            min,
            max,
        };
        assert_eq!(
            pattern_pieces("^org_[0-9a-f]{32}$").unwrap(),
            [
                PatternPiece::Literal("org_".into()),
                class("0123456789abcdef", 32, Some(32))
            ]
        );
        assert_eq!(
            pattern_pieces(r"^a\-b\d{2,4}(xy)?z+[0-9a-f]+$").unwrap(),
            [
                PatternPiece::Literal("a-b".into()),
                class("0123456789", 2, Some(4)),
                PatternPiece::Literal("z".into()),
                class("0123456789abcdef", 1, None)
            ]
        );
    }

    #[test]
    fn patterns_beyond_the_subset_are_errors_not_panics() {
        assert!(string_matching("\\bword\\b").is_err());
        assert!(string_matching("(?<=a)b").is_err());
        assert!(string_matching("[").is_err());
    }
}
