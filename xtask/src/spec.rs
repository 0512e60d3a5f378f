//! Loading and checking `spec/openapi.yaml` before any generator sees it.
//!
//! Every error names the file and, where it can, the line and column and the
//! JSON pointer of the offending node, so a bad edit is found in seconds.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr, StatusCode};
use serde_json::Value;

/// A spec that parsed and passed our checks, with its source text kept for
/// hashing and for locating nodes in later checks.
pub struct LoadedSpec {
    pub path: PathBuf,
    pub text: String,
    /// The document as plain JSON, for walks that the typed model makes awkward
    /// (vendor extensions, `$ref` targets).
    pub json: Value,
    pub openapi: OpenAPI,
}

/// A problem with the spec, located as precisely as we can.
#[derive(Debug)]
pub struct SpecError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
    /// JSON pointer to the offending node, when known.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(pointer) = &self.pointer {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

impl LoadedSpec {
    /// An error located at `pointer`, with the line found in the source text.
    pub fn error_at(&self, pointer: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            path: self.path.clone(),
            line_col: locate_pointer(&self.text, pointer),
            pointer: Some(pointer.to_string()),
            message: message.into(),
        }
    }

    /// Resolves a local `$ref` such as `#/components/schemas/Org`.
    pub fn resolve_ref(&self, reference: &str) -> Option<&Value> {
        reference
            .strip_prefix('#')
            .and_then(|pointer| self.json.pointer(pointer))
    }

    /// Follows `$ref`s from `value` until a node that is not a reference.
    pub fn deref<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..64 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => match self.resolve_ref(reference) {
                    Some(target) => value = target,
                    None => return value,
                },
                None => return value,
            }
        }
        value
    }
}

/// Reads, parses and checks the spec at `path`.
pub fn load(path: &Path) -> Result<LoadedSpec, SpecError> {
    let plain = |message: String| SpecError {
        path: path.to_path_buf(),
        line_col: None,
        pointer: None,
        message,
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| plain(format!("cannot read the spec: {e}")))?;
    parse(path, text)
}

/// Parses and checks spec `text`, reporting errors against `path`.
pub fn parse(path: &Path, text: String) -> Result<LoadedSpec, SpecError> {
    let yaml_error = |e: serde_yaml::Error, what: &str| SpecError {
        path: path.to_path_buf(),
        line_col: e.location().map(|l| (l.line(), l.column())),
        pointer: None,
        message: format!("{what}: {e}"),
    };
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| yaml_error(e, "not valid YAML"))?;
    if !yaml.is_mapping() {
        return Err(SpecError {
            path: path.to_path_buf(),
            line_col: Some((1, 1)),
            pointer: Some(String::new()),
            message:
                "the document must be a mapping (an OpenAPI object), found a scalar or a sequence"
                    .into(),
        });
    }
    let json: Value = serde_yaml::from_value(yaml).map_err(|e| SpecError {
        path: path.to_path_buf(),
        line_col: None,
        pointer: None,
        message: format!("the document cannot be represented as JSON: {e}"),
    })?;

    let pre = PreCheck {
        path,
        text: &text,
        json: &json,
    };
    pre.check_version()?;

    let openapi: OpenAPI = serde_yaml::from_str(&text)
        .map_err(|e| yaml_error(e, "not a valid OpenAPI 3.0 document"))?;
    let spec = LoadedSpec {
        path: path.to_path_buf(),
        text,
        json,
        openapi,
    };
    check_refs(&spec)?;
    check_operations(&spec)?;
    Ok(spec)
}

struct PreCheck<'a> {
    path: &'a Path,
    text: &'a str,
    json: &'a Value,
}

impl PreCheck<'_> {
    fn check_version(&self) -> Result<(), SpecError> {
        let error = |message: String| SpecError {
            path: self.path.to_path_buf(),
            line_col: locate_pointer(self.text, "/openapi"),
            pointer: Some("/openapi".into()),
            message,
        };
        match self.json.get("openapi") {
            None => Err(SpecError {
                line_col: Some((1, 1)),
                ..error("missing the `openapi` version field; expected `openapi: 3.0.x`".into())
            }),
            Some(Value::String(v)) if is_openapi_30(v) => Ok(()),
            Some(Value::String(v)) => Err(error(format!(
                "unsupported OpenAPI version `{v}`: progenitor accepts only 3.0.x"
            ))),
            Some(other) => Err(error(format!(
                "the `openapi` field must be a string such as \"3.0.3\", found {other}"
            ))),
        }
    }
}

fn is_openapi_30(version: &str) -> bool {
    let mut parts = version.split('.');
    parts.next() == Some("3")
        && parts.next() == Some("0")
        && parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// Every `$ref` must be local and point at an existing node.
fn check_refs(spec: &LoadedSpec) -> Result<(), SpecError> {
    let mut refs = Vec::new();
    collect_refs(&spec.json, String::new(), &mut refs);
    for (pointer, reference) in refs {
        if !reference.starts_with("#/") {
            return Err(spec.error_at(
                &pointer,
                format!("`$ref: {reference}` is not a local reference (`#/...`); only local references are supported"),
            ));
        }
        if spec.resolve_ref(&reference).is_none() {
            return Err(spec.error_at(
                &pointer,
                format!("`$ref: {reference}` points at nothing in this document"),
            ));
        }
    }
    Ok(())
}

fn collect_refs(value: &Value, pointer: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", escape_pointer_token(key));
                if key == "$ref" {
                    if let Value::String(r) = child {
                        out.push((child_pointer, r.clone()));
                    }
                } else {
                    collect_refs(child, child_pointer, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_refs(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The rules progenitor needs and our SDK relies on, per operation.
fn check_operations(spec: &LoadedSpec) -> Result<(), SpecError> {
    let mut seen: HashMap<String, String> = HashMap::new();
    if spec.openapi.paths.paths.is_empty() {
        return Err(spec.error_at("/paths", "the spec defines no operations"));
    }
    for (path, item) in &spec.openapi.paths.paths {
        let path_pointer = format!("/paths/{}", escape_pointer_token(path));
        let ReferenceOr::Item(item) = item else {
            return Err(spec.error_at(
                &path_pointer,
                "path items given by `$ref` are not supported; write the operations inline",
            ));
        };
        for (method, op) in item.iter() {
            let op_pointer = format!("{path_pointer}/{method}");
            let Some(id) = op
                .operation_id
                .as_deref()
                .filter(|id| !id.trim().is_empty())
            else {
                return Err(spec.error_at(
                    &op_pointer,
                    format!(
                        "`{} {path}` has no operationId; every operation needs one (the SDK's method names come from it)",
                        method.to_uppercase()
                    ),
                ));
            };
            if let Some(first) = seen.insert(id.to_string(), op_pointer.clone()) {
                return Err(spec.error_at(
                    &format!("{op_pointer}/operationId"),
                    format!("duplicate operationId `{id}`: already used at {first}"),
                ));
            }
            if op.tags.is_empty() {
                return Err(spec.error_at(
                    &op_pointer,
                    format!("operation `{id}` has no tag; every operation must be tagged"),
                ));
            }
            let has_success = op.responses.responses.keys().any(|code| match code {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            });
            if op.responses.default.is_some() && has_success {
                return Err(spec.error_at(
                    &format!("{op_pointer}/responses/default"),
                    format!(
                        "operation `{id}` has a `default` response beside a 2XX one, which progenitor cannot generate; declare `4XX`/`5XX` with the shared error schema instead"
                    ),
                ));
            }
            if !has_success {
                return Err(spec.error_at(
                    &format!("{op_pointer}/responses"),
                    format!("operation `{id}` declares no 2XX response"),
                ));
            }
        }
    }
    Ok(())
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Finds the 1-based line and column of the node at `pointer` in block-style
/// YAML `text`, by following the keys down through deeper indentation. Best
/// effort: returns the deepest node it could find, or `None` for the root.
pub fn locate_pointer(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(unescape_pointer_token)
        .collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    let mut start = 0;
    let mut parent_indent: isize = -1;
    for token in tokens {
        let mut hit = None;
        let mut sequence_index = 0usize;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = (line.len() - trimmed.len()) as isize;
            if indent <= parent_indent && i > start {
                break;
            }
            if let Ok(index) = token.parse::<usize>()
                && trimmed.starts_with("- ")
            {
                if sequence_index == index {
                    hit = Some((i, indent as usize + 2));
                    break;
                }
                sequence_index += 1;
                continue;
            }
            let key = trimmed
                .trim_start_matches("- ")
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
                .trim_matches('\'');
            if key == token && trimmed.contains(':') {
                let column = line.len() - trimmed.trim_start_matches("- ").len();
                hit = Some((i, column));
                break;
            }
        }
        match hit {
            Some((line, column)) => {
                found = Some((line + 1, column + 1));
                start = line + 1;
                parent_indent = column as isize;
                if start > lines.len() {
                    break;
                }
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_and_sequence_items() {
        let text = "openapi: 3.0.3\npaths:\n  /v1/x:\n    get:\n      operationId: a\n      tags:\n        - one\n        - two\n";
        assert_eq!(locate_pointer(text, "/openapi"), Some((1, 1)));
        assert_eq!(
            locate_pointer(text, "/paths/~1v1~1x/get/operationId"),
            Some((5, 7))
        );
        assert_eq!(
            locate_pointer(text, "/paths/~1v1~1x/get/tags/1"),
            Some((8, 11))
        );
        assert_eq!(locate_pointer(text, ""), None);
    }

    #[test]
    fn accepts_only_openapi_30() {
        assert!(is_openapi_30("3.0.3"));
        assert!(is_openapi_30("3.0.0"));
        assert!(!is_openapi_30("3.1.0"));
        assert!(!is_openapi_30("3.0"));
        assert!(!is_openapi_30("2.0"));
    }
}
