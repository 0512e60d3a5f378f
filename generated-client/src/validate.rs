//! Checks of the spec's constraints that the generated types do not enforce
//! (number bounds, object and array sizes, map key lengths), run on the
//! finished request before it is sent. The constraints themselves are
//! generated from the spec into `generated_sdk::CONSTRAINTS`; the values of
//! every enum place of a request into [`ENUM_CHECKS`] (a generated enum also
//! decodes a value the server added later, as its `Unknown` variant, which
//! a request must not carry).

use std::fmt;

use serde_json::Value;

pub use crate::generated::ENUM_CHECKS;
pub use crate::generated_sdk::CONSTRAINTS;

/// Where a constrained value sits in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A query parameter.
    Query,
    /// A path parameter.
    Path,
    /// A header parameter.
    Header,
    /// The JSON request body.
    Body,
}

/// One rule of the spec.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    /// `minimum` (with `exclusiveMinimum`) of a number.
    Minimum {
        /// The bound.
        value: f64,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// `maximum` (with `exclusiveMaximum`) of a number.
    Maximum {
        /// The bound.
        value: f64,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// `multipleOf` of a number.
    MultipleOf(f64),
    /// `minItems` of an array.
    MinItems(u64),
    /// `maxItems` of an array.
    MaxItems(u64),
    /// `uniqueItems: true` of an array.
    UniqueItems,
    /// `minProperties` of an object.
    MinProperties(u64),
    /// `maxProperties` of an object.
    MaxProperties(u64),
    /// `x-avara-max-key-length`: the longest key of a map, in characters.
    MaxKeyLength(u64),
}

/// A rule of the spec applied to one place of one operation's request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constraint {
    /// The operationId it applies to.
    pub operation: &'static str,
    /// Where the value sits.
    pub location: Location,
    /// The parameter name, or for the body a JSON pointer in which `*`
    /// stands for every array item or map value.
    pub target: &'static str,
    /// The rule.
    pub check: Check,
}

/// A place of one operation's request whose schema is a string enum: only
/// the spec's values may be sent there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnumCheck {
    /// The operationId it applies to.
    pub operation: &'static str,
    /// Where the value sits.
    pub location: Location,
    /// The parameter name, or for the body a JSON pointer in which `*`
    /// stands for every array item or map value.
    pub target: &'static str,
    /// An array query parameter sent as one comma-separated value: each
    /// item is checked.
    pub comma_separated: bool,
    /// The generated enum of the place (`ClinicRole`), or empty when the
    /// place has no type of its own.
    pub type_name: &'static str,
    /// The values the spec allows.
    pub values: &'static [&'static str],
}

impl EnumCheck {
    fn check(&self, value: &str) -> Result<(), String> {
        if self.values.contains(&value) {
            return Ok(());
        }
        const SHOWN: usize = 8;
        let mut allowed: Vec<String> = self
            .values
            .iter()
            .take(SHOWN)
            .map(|v| format!("{v:?}"))
            .collect();
        if self.values.len() > SHOWN {
            allowed.push(format!("… ({} in all)", self.values.len()));
        }
        let of = if self.type_name.is_empty() {
            String::new()
        } else {
            format!(" of `{}`", self.type_name)
        };
        Err(format!(
            "is {value:?}, which is not a value{of} the API accepts: {}",
            allowed.join(", ")
        ))
    }
}

/// A request that breaks a constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The operationId of the refused request.
    pub operation: &'static str,
    /// Where: `query parameter limit`, `body /metadata`, …
    pub place: String,
    /// What is wrong with the value there.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.place, self.problem)
    }
}

/// The parts of a request that constraints apply to, already decoded.
///
/// The SDK builds one from each outgoing request; a server (such as
/// `avara-mock`) can build one from an incoming request and check it with
/// [`check`], so that both sides enforce the same generated rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestParts {
    /// Query pairs, percent-decoded, in order.
    pub query: Vec<(String, String)>,
    /// Headers with a text value.
    pub headers: Vec<(String, String)>,
    /// Path parameters by name, percent-decoded.
    pub path_params: Vec<(String, String)>,
    /// The JSON body, if there is one and it parsed.
    pub body: Option<Value>,
}

/// Checks `parts` against every constraint the spec gives `operation` that
/// the generated types do not enforce themselves.
pub fn check(operation: &str, parts: &RequestParts) -> Result<(), Violation> {
    for c in CONSTRAINTS.iter().filter(|c| c.operation == operation) {
        each_value(parts, c.location, c.target, |value| match value {
            Found::Text(text) => check_scalar(c.check, text),
            Found::Json(json) => check_value(c.check, json),
        })
        .map_err(|(place, problem)| Violation {
            operation: c.operation,
            place,
            problem,
        })?;
    }
    for c in ENUM_CHECKS.iter().filter(|c| c.operation == operation) {
        each_value(parts, c.location, c.target, |value| match value {
            Found::Text(text) if c.comma_separated => text
                .split(',')
                .filter(|item| !item.is_empty())
                .try_for_each(|item| c.check(item)),
            Found::Text(text) => c.check(text),
            Found::Json(json) => json.as_str().map_or(Ok(()), |text| c.check(text)),
        })
        .map_err(|(place, problem)| Violation {
            operation: c.operation,
            place,
            problem,
        })?;
    }
    Ok(())
}

/// A value of a request that a check reads: a parameter's or header's text,
/// or a node of the JSON body.
enum Found<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// Runs `check` on every value of `parts` at `location` and `target` (a
/// parameter or header name, or a body pointer with `*`), and names the
/// place of the first it refuses: `(place, problem)`.
fn each_value(
    parts: &RequestParts,
    location: Location,
    target: &str,
    mut check: impl FnMut(Found<'_>) -> Result<(), String>,
) -> Result<(), (String, String)> {
    let named = |pairs: &[(String, String)]| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(target))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (values, place) = match location {
        Location::Query => (named(&parts.query), "query parameter"),
        Location::Header => (named(&parts.headers), "header"),
        Location::Path => (named(&parts.path_params), "path parameter"),
        Location::Body => {
            let Some(body) = &parts.body else {
                return Ok(());
            };
            let mut found = Vec::new();
            select(body, target, String::new(), &mut found);
            for (pointer, value) in found {
                let at = if pointer.is_empty() { "/" } else { &pointer };
                check(Found::Json(value)).map_err(|p| (format!("body `{at}`"), p))?;
            }
            return Ok(());
        }
    };
    for value in &values {
        check(Found::Text(value)).map_err(|p| (format!("{place} `{target}`"), p))?;
    }
    Ok(())
}

/// The parts of an outgoing request that its operation's constraints need,
/// or `None` when the operation has no constraint to check.
pub(crate) fn request_parts(
    operation: &str,
    path_template: &str,
    request: &reqwest::Request,
) -> Option<RequestParts> {
    let mut needs = [false; 4];
    for c in CONSTRAINTS.iter().filter(|c| c.operation == operation) {
        needs[c.location as usize] = true;
    }
    for c in ENUM_CHECKS.iter().filter(|c| c.operation == operation) {
        needs[c.location as usize] = true;
    }
    if !needs.contains(&true) {
        return None;
    }
    let url = request.url();
    let mut parts = RequestParts::default();
    if needs[Location::Query as usize] {
        parts.query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    }
    if needs[Location::Path as usize] {
        parts.path_params = path_params(path_template, url.path());
    }
    if needs[Location::Header as usize] {
        parts.headers = request
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_string())))
            .collect();
    }
    if needs[Location::Body as usize] {
        parts.body = request
            .body()
            .and_then(|b| b.as_bytes())
            .and_then(|b| serde_json::from_slice(b).ok());
    }
    Some(parts)
}

/// The path parameters of `path`, matched segment by segment against
/// `template` (`/v1/orgs/{orgId}`), percent-decoded.
pub fn path_params(template: &str, path: &str) -> Vec<(String, String)> {
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, v)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            Some((name.to_string(), percent_decode(v)))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = [bytes[i + 1], bytes[i + 2]];
            let hex = std::str::from_utf8(&hex).expect("ASCII hex digits");
            out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every node matched by `pattern` (`*` matches every array item or map
/// value), with its concrete pointer.
fn select<'v>(value: &'v Value, pattern: &str, at: String, out: &mut Vec<(String, &'v Value)>) {
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    if pattern.is_empty() {
        out.push((at, value));
        return;
    }
    let (head, rest) = pattern.split_once('/').unwrap_or((pattern, ""));
    match (head, value) {
        ("*", Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                select(item, rest, format!("{at}/{i}"), out);
            }
        }
        ("*", Value::Object(map)) => {
            for (key, item) in map {
                select(
                    item,
                    rest,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        (key, Value::Object(map)) => {
            let key = key.replace("~1", "/").replace("~0", "~");
            if let Some(item) = map.get(&key) {
                select(item, rest, format!("{at}/{head}"), out);
            }
        }
        _ => {}
    }
}

fn check_scalar(check: Check, text: &str) -> Result<(), String> {
    match text.parse::<f64>() {
        Ok(n) => check_value(check, &Value::from(n)),
        Err(_) => Ok(()),
    }
}

fn check_value(check: Check, value: &Value) -> Result<(), String> {
    match (check, value) {
        (
            Check::Minimum {
                value: min,
                exclusive,
            },
            Value::Number(n),
        ) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if n < min || (exclusive && n == min) {
                let bound = if exclusive {
                    "greater than"
                } else {
                    "at least"
                };
                return Err(format!("is {}; it must be {bound} {min}", fmt_number(n)));
            }
        }
        (
            Check::Maximum {
                value: max,
                exclusive,
            },
            Value::Number(n),
        ) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if n > max || (exclusive && n == max) {
                let bound = if exclusive { "less than" } else { "at most" };
                return Err(format!("is {}; it must be {bound} {max}", fmt_number(n)));
            }
        }
        (Check::MultipleOf(m), Value::Number(n)) => {
            let n = n.as_f64().unwrap_or(f64::NAN);
            if m != 0.0 && (n / m).fract().abs() > 1e-9 {
                return Err(format!(
                    "is {}; it must be a multiple of {m}",
                    fmt_number(n)
                ));
            }
        }
        (Check::MinItems(min), Value::Array(items)) if (items.len() as u64) < min => {
            return Err(format!(
                "has {} items; at least {min} are required",
                items.len()
            ));
        }
        (Check::MaxItems(max), Value::Array(items)) if items.len() as u64 > max => {
            return Err(format!(
                "has {} items; at most {max} are allowed",
                items.len()
            ));
        }
        (Check::UniqueItems, Value::Array(items)) => {
            for (i, a) in items.iter().enumerate() {
                if items[..i].contains(a) {
                    return Err(format!("repeats item {i}; items must be unique"));
                }
            }
        }
        (Check::MinProperties(min), Value::Object(map)) if (map.len() as u64) < min => {
            return Err(format!(
                "has {} entries; at least {min} are required",
                map.len()
            ));
        }
        (Check::MaxProperties(max), Value::Object(map)) if map.len() as u64 > max => {
            return Err(format!(
                "has {} entries; at most {max} are allowed",
                map.len()
            ));
        }
        (Check::MaxKeyLength(max), Value::Object(map)) => {
            if let Some(key) = map.keys().find(|k| k.chars().count() as u64 > max) {
                let shown: String = key.chars().take(20).collect();
                return Err(format!(
                    "has a key of {} characters (\"{shown}…\"); keys may be at most {max} characters",
                    key.chars().count()
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn select_expands_wildcards() {
        let v = json!({"a": {"x": [1, 2], "y": [3]}});
        let mut out = Vec::new();
        select(&v, "/a/*/*", String::new(), &mut out);
        let pointers: Vec<_> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pointers, ["/a/x/0", "/a/x/1", "/a/y/0"]);
    }

    #[test]
    fn checks_report_the_value_and_the_bound() {
        assert_eq!(
            check_value(
                Check::Maximum {
                    value: 100.0,
                    exclusive: false
                },
                &json!(101)
            ),
            Err("is 101; it must be at most 100".into())
        );
        assert!(
            check_value(
                Check::Maximum {
                    value: 100.0,
                    exclusive: false
                },
                &json!(100)
            )
            .is_ok()
        );
        assert!(
            check_value(
                Check::Minimum {
                    value: 1.0,
                    exclusive: true
                },
                &json!(1)
            )
            .is_err()
        );
        assert!(check_value(Check::MaxProperties(1), &json!({"a": "1", "b": "2"})).is_err());
        assert!(check_value(Check::MaxKeyLength(3), &json!({"abcd": "1"})).is_err());
        assert!(check_value(Check::MaxKeyLength(3), &json!({"äöü": "1"})).is_ok());
        assert!(check_value(Check::UniqueItems, &json!([1, 2, 1])).is_err());
        assert!(check_value(Check::MultipleOf(0.5), &json!(1.5)).is_ok());
        // A value of another type (e.g. null metadata) is not this check's business.
        assert!(check_value(Check::MaxProperties(1), &Value::Null).is_ok());
    }

    #[test]
    fn path_params_are_found_by_template() {
        assert_eq!(
            path_params("/v1/orgs/{orgId}", "/v1/orgs/org%5Fx"),
            [("orgId".to_string(), "org_x".to_string())]
        );
        assert!(path_params("/v1/orgs", "/v1/orgs").is_empty());
    }
}
