//! The official SDK's API facts (`spec/reference/avara-<sdk>-<version>.json`),
//! read into a model with the JSON pointer of every fact and located errors.
//!
//! The file is written by the facts extractor (introspection of the official
//! SDK); see its `format` string. The shape read here:
//!
//! ```text
//! { "format": "...", "source": {...}, "query_array_format": "comma",
//!   "operations": [ { "resource", "method", "http_method", "path", "description",
//!       "path_params": [PARAM], "query_params": [PARAM], "body_params": [PARAM] | null,
//!       "response": TYPE, "page": null | {"class", "items_field", "cursor_field",
//!       "has_more_field", "request_cursor_param"} } ],
//!   "models": { "<qualified python name>": {"description", "fields": [FIELD]} },
//!   "webhooks": {"union", "discriminator", "events": [{"type", "model", "answer": TYPE | null}]} }
//! PARAM/FIELD = {"name", "python", "required", "nullable", "type": TYPE, "description", ...}
//! TYPE = {"kind": "string", "format"} | integer | number | boolean | {"kind": "enum", "values"}
//!      | {"kind": "literal", "value"} | {"kind": "array", "items", "items_nullable"}
//!      | {"kind": "map", "values", "values_nullable"} | {"kind": "model", "ref"}
//!      | {"kind": "union", "variants", "discriminator"} | unknown | null
//! ```
//!
//! Keys this reader does not know are ignored (the format may gain some); a
//! key it needs that is missing or of the wrong kind, an unknown `kind`, a
//! `ref` to no model or an operation listed twice is a [`FactsError`] naming
//! the file, the line and column and the JSON pointer.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::spec::escape_pointer_token;

/// The facts files' names: `avara-<sdk>-<version>.json` in the pages'
/// directory.
pub const PREFIX: &str = "avara-";

/// One SDK's facts, read and checked.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The file, as shown in reports (relative to the workspace root).
    pub file: PathBuf,
    pub text: String,
    /// The file's `format` string.
    pub format: String,
    /// The file's `source` (the SDK's name and version, ...), as written.
    pub source: Value,
    /// How the SDK sends an array query parameter: `comma` (`a=x,y`),
    /// `repeat` (`a=x&a=y`), `brackets` (`a[]=x&a[]=y`), `indices`.
    pub query_array_format: String,
    pub operations: Vec<Operation>,
    pub models: BTreeMap<String, Model>,
    pub webhooks: Option<Webhooks>,
    positions: HashMap<String, (usize, usize)>,
}

/// One operation of the SDK.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `/operations/<i>`.
    pub pointer: String,
    /// The SDK's resource path, such as `auto_scribe.studies`.
    pub resource: String,
    /// The SDK's method, such as `create`.
    pub method: String,
    /// Lowercase, as the spec writes it: `post`.
    pub http_method: String,
    pub path: String,
    pub description: Option<String>,
    pub path_params: Vec<Param>,
    pub query_params: Vec<Param>,
    /// `None`: the SDK sends no body.
    pub body_params: Option<Vec<Param>>,
    pub response: Type,
    pub page: Option<PageShape>,
}

impl Operation {
    /// `auto_scribe.studies.create`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.resource, self.method)
    }
}

/// A parameter of an operation or a field of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub pointer: String,
    /// The wire name.
    pub name: String,
    /// The Python name, when the file gives it.
    pub python: Option<String>,
    pub required: bool,
    pub nullable: bool,
    /// Where `nullable` was taken from (`python`, `typescript`), when given.
    pub nullable_source: Option<String>,
    /// Where `required` was taken from, when given.
    pub optional_source: Option<String>,
    pub ty: Type,
    pub description: Option<String>,
}

/// A cursor page the SDK's list method returns.
#[derive(Debug, Clone, PartialEq)]
pub struct PageShape {
    pub pointer: String,
    /// The SDK's page class, such as `SyncCursorStudies`.
    pub class: String,
    pub items_field: String,
    pub cursor_field: String,
    pub has_more_field: String,
    pub request_cursor_param: String,
}

/// A model (a Python class with fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub pointer: String,
    pub description: Option<String>,
    pub fields: Vec<Param>,
}

/// The webhook events the SDK parses.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    pub pointer: String,
    /// The SDK's union type, such as `UnwrapWebhookEvent`.
    pub union: String,
    /// The property whose value names the event: `type`.
    pub discriminator: String,
    pub events: Vec<WebhookEvent>,
}

/// One webhook event.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    pub pointer: String,
    /// The event type, such as `report.delivered`.
    pub event_type: String,
    /// The key of the event's model in `models`.
    pub model: String,
    /// What the receiver answers, when a source says.
    pub answer: Option<Type>,
    pub answer_source: Option<String>,
}

/// A TYPE of the facts, with its pointer.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    pub pointer: String,
    pub kind: Kind,
    /// The value may be `null`: an array's items or a map's values whose
    /// parent says `items_nullable`/`values_nullable`. (A field's and a
    /// parameter's nullability is [`Param::nullable`].)
    pub nullable: bool,
}

/// The kinds of TYPE.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `format`: `date-time`, `date`, or none.
    String(Option<String>),
    Integer,
    Number,
    Boolean,
    Enum(Vec<Value>),
    Literal(Value),
    Array(Box<Type>),
    Map(Box<Type>),
    /// The key of a model in `models`.
    Model(String),
    /// The variants, and the wire name of the property that tells them
    /// apart, when the SDK declares one.
    Union(Vec<Type>, Option<String>),
    Unknown,
    /// `None` (a union's `null` member).
    Null,
}

/// The kinds a TYPE may have, as the file writes them.
pub const KINDS: [&str; 12] = [
    "string", "integer", "number", "boolean", "enum", "literal", "array", "map", "model", "union",
    "unknown", "null",
];

/// A facts file that cannot be read or does not have the shape above.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsError {
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub line_col: Option<(usize, usize)>,
    /// The JSON pointer of the offending value, when known.
    pub pointer: Option<String>,
    pub message: String,
}

impl fmt::Display for FactsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.line_col {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(pointer) = &self.pointer {
            write!(
                f,
                " (at {})",
                if pointer.is_empty() { "/" } else { pointer }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for FactsError {}

impl Facts {
    /// The 1-based line and column of the value at `pointer` (of its key, for
    /// an object member), or of its nearest ancestor the file has.
    pub fn locate(&self, pointer: &str) -> (usize, usize) {
        let mut at = pointer;
        loop {
            if let Some(found) = self.positions.get(at) {
                return *found;
            }
            match at.rsplit_once('/') {
                Some((parent, _)) => at = parent,
                None => return (1, 1),
            }
        }
    }

    /// The operation at `method` and `path`, if the SDK has it.
    pub fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|op| op.http_method == method && op.path == path)
    }
}

/// Every facts file (`avara-*.json`) in the pages' directory, sorted; none is
/// fine.
pub fn default_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = root.join(super::PAGES_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| is_facts_file(p))
        .collect();
    files.sort();
    Ok(files)
}

/// Whether `path` is named like a facts file: `avara-<sdk>-<version>.json`.
pub fn is_facts_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".json"))
}

/// Reads and checks the facts file at `path`, shown as `shown` in errors.
pub fn load(path: &Path, shown: &Path) -> Result<Facts, FactsError> {
    let text = std::fs::read_to_string(path).map_err(|e| FactsError {
        file: shown.to_path_buf(),
        line_col: None,
        pointer: None,
        message: format!("cannot read the SDK facts: {e}"),
    })?;
    parse(shown, text)
}

/// Parses and checks facts `text`, reporting errors against `file`.
pub fn parse(file: &Path, text: String) -> Result<Facts, FactsError> {
    let json: Value = serde_json::from_str(&text).map_err(|e| FactsError {
        file: file.to_path_buf(),
        line_col: Some((e.line(), e.column())),
        pointer: None,
        message: format!("not valid JSON: {e}"),
    })?;
    let mut positions = HashMap::new();
    Scanner {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        column: 1,
    }
    .value(String::new(), &mut positions);
    let reader = Reader {
        file,
        positions: &positions,
    };
    let root = reader.object(&json, "")?;
    let format = reader.string(root, "", "format")?.to_string();
    let source = root.get("source").cloned().unwrap_or(Value::Null);
    let query_array_format = reader.string(root, "", "query_array_format")?.to_string();

    let mut operations: Vec<Operation> = Vec::new();
    for (i, op) in reader.array(root, "", "operations")?.iter().enumerate() {
        let operation = reader.operation(op, &format!("/operations/{i}"))?;
        if let Some(first) = operations
            .iter()
            .find(|o| o.http_method == operation.http_method && o.path == operation.path)
        {
            return Err(reader.error(
                &operation.pointer,
                format!(
                    "`{}` and `{}` are both {} {}; an operation is listed once",
                    first.name(),
                    operation.name(),
                    operation.http_method.to_uppercase(),
                    operation.path
                ),
            ));
        }
        operations.push(operation);
    }

    let mut models = BTreeMap::new();
    let models_json = reader.object(reader.member(root, "", "models")?, "/models")?;
    for (key, model) in models_json {
        let pointer = format!("/models/{}", escape_pointer_token(key));
        let object = reader.object(model, &pointer)?;
        let mut fields = Vec::new();
        for (i, field) in reader.array(object, &pointer, "fields")?.iter().enumerate() {
            fields.push(reader.param(field, &format!("{pointer}/fields/{i}"))?);
        }
        models.insert(
            key.clone(),
            Model {
                description: reader.optional_string(object, &pointer, "description")?,
                pointer,
                fields,
            },
        );
    }

    let webhooks = match root.get("webhooks") {
        None | Some(Value::Null) => None,
        Some(value) => Some(reader.webhooks(value)?),
    };

    let facts = Facts {
        file: file.to_path_buf(),
        text: text.clone(),
        format,
        source,
        query_array_format,
        operations,
        models,
        webhooks,
        positions: positions.clone(),
    };
    // Every model a TYPE or an event names is in `models`.
    let mut refs = Vec::new();
    for op in &facts.operations {
        for param in op
            .path_params
            .iter()
            .chain(&op.query_params)
            .chain(op.body_params.iter().flatten())
        {
            collect_refs(&param.ty, &mut refs);
        }
        collect_refs(&op.response, &mut refs);
    }
    for model in facts.models.values() {
        for field in &model.fields {
            collect_refs(&field.ty, &mut refs);
        }
    }
    for event in facts.webhooks.iter().flat_map(|w| &w.events) {
        refs.push((format!("{}/model", event.pointer), event.model.clone()));
        if let Some(answer) = &event.answer {
            collect_refs(answer, &mut refs);
        }
    }
    if let Some((pointer, key)) = refs
        .into_iter()
        .find(|(_, key)| !facts.models.contains_key(key))
    {
        return Err(reader.error(&pointer, format!("the model `{key}` is not in `models`")));
    }
    Ok(facts)
}

fn collect_refs(ty: &Type, out: &mut Vec<(String, String)>) {
    match &ty.kind {
        Kind::Model(key) => out.push((format!("{}/ref", ty.pointer), key.clone())),
        Kind::Array(inner) | Kind::Map(inner) => collect_refs(inner, out),
        Kind::Union(variants, _) => variants.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Reads the JSON model, with errors located through `positions`.
struct Reader<'a> {
    file: &'a Path,
    positions: &'a HashMap<String, (usize, usize)>,
}

impl Reader<'_> {
    fn error(&self, pointer: &str, message: impl Into<String>) -> FactsError {
        let mut at = pointer;
        let line_col = loop {
            if let Some(found) = self.positions.get(at) {
                break Some(*found);
            }
            match at.rsplit_once('/') {
                Some((parent, _)) => at = parent,
                None => break None,
            }
        };
        FactsError {
            file: self.file.to_path_buf(),
            line_col,
            pointer: Some(pointer.to_string()),
            message: message.into(),
        }
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        pointer: &str,
    ) -> Result<&'v Map<String, Value>, FactsError> {
        value.as_object().ok_or_else(|| {
            self.error(
                pointer,
                format!("expected an object, found {}", kind_of(value)),
            )
        })
    }

    fn member<'v>(
        &self,
        object: &'v Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<&'v Value, FactsError> {
        object
            .get(key)
            .ok_or_else(|| self.error(pointer, format!("missing `{key}`")))
    }

    fn string<'v>(
        &self,
        object: &'v Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<&'v str, FactsError> {
        let value = self.member(object, pointer, key)?;
        value.as_str().ok_or_else(|| {
            self.error(
                &format!("{pointer}/{}", escape_pointer_token(key)),
                format!("`{key}` must be a string, found {}", kind_of(value)),
            )
        })
    }

    fn optional_string(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<Option<String>, FactsError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.error(
                &format!("{pointer}/{}", escape_pointer_token(key)),
                format!("`{key}` must be a string or null, found {}", kind_of(other)),
            )),
        }
    }

    fn boolean(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<bool, FactsError> {
        let value = self.member(object, pointer, key)?;
        value.as_bool().ok_or_else(|| {
            self.error(
                &format!("{pointer}/{}", escape_pointer_token(key)),
                format!("`{key}` must be true or false, found {}", kind_of(value)),
            )
        })
    }

    fn array<'v>(
        &self,
        object: &'v Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<&'v Vec<Value>, FactsError> {
        let value = self.member(object, pointer, key)?;
        value.as_array().ok_or_else(|| {
            self.error(
                &format!("{pointer}/{}", escape_pointer_token(key)),
                format!("`{key}` must be an array, found {}", kind_of(value)),
            )
        })
    }

    fn params(
        &self,
        object: &Map<String, Value>,
        pointer: &str,
        key: &str,
    ) -> Result<Vec<Param>, FactsError> {
        let at = format!("{pointer}/{key}");
        self.array(object, pointer, key)?
            .iter()
            .enumerate()
            .map(|(i, p)| self.param(p, &format!("{at}/{i}")))
            .collect()
    }

    fn operation(&self, value: &Value, pointer: &str) -> Result<Operation, FactsError> {
        let op = self.object(value, pointer)?;
        let http_method = self
            .string(op, pointer, "http_method")?
            .to_ascii_lowercase();
        let path = self.string(op, pointer, "path")?.to_string();
        if !path.starts_with('/') {
            return Err(self.error(
                &format!("{pointer}/path"),
                format!("`path` must start with `/`, found `{path}`"),
            ));
        }
        let body_params = match self.member(op, pointer, "body_params")? {
            Value::Null => None,
            _ => Some(self.params(op, pointer, "body_params")?),
        };
        let page = match op.get("page") {
            None | Some(Value::Null) => None,
            Some(page) => {
                let at = format!("{pointer}/page");
                let object = self.object(page, &at)?;
                Some(PageShape {
                    class: self.string(object, &at, "class")?.to_string(),
                    items_field: self.string(object, &at, "items_field")?.to_string(),
                    cursor_field: self.string(object, &at, "cursor_field")?.to_string(),
                    has_more_field: self.string(object, &at, "has_more_field")?.to_string(),
                    request_cursor_param: self
                        .string(object, &at, "request_cursor_param")?
                        .to_string(),
                    pointer: at,
                })
            }
        };
        Ok(Operation {
            pointer: pointer.to_string(),
            resource: self.string(op, pointer, "resource")?.to_string(),
            method: self.string(op, pointer, "method")?.to_string(),
            http_method,
            path,
            description: self.optional_string(op, pointer, "description")?,
            path_params: self.params(op, pointer, "path_params")?,
            query_params: self.params(op, pointer, "query_params")?,
            body_params,
            response: self.ty(
                self.member(op, pointer, "response")?,
                &format!("{pointer}/response"),
            )?,
            page,
        })
    }

    fn param(&self, value: &Value, pointer: &str) -> Result<Param, FactsError> {
        let param = self.object(value, pointer)?;
        Ok(Param {
            pointer: pointer.to_string(),
            name: self.string(param, pointer, "name")?.to_string(),
            python: self.optional_string(param, pointer, "python")?,
            required: self.boolean(param, pointer, "required")?,
            nullable: self.boolean(param, pointer, "nullable")?,
            nullable_source: self.optional_string(param, pointer, "nullable_source")?,
            optional_source: self.optional_string(param, pointer, "optional_source")?,
            ty: self.ty(
                self.member(param, pointer, "type")?,
                &format!("{pointer}/type"),
            )?,
            description: self.optional_string(param, pointer, "description")?,
        })
    }

    fn ty(&self, value: &Value, pointer: &str) -> Result<Type, FactsError> {
        let object = self.object(value, pointer)?;
        let kind = self.string(object, pointer, "kind")?;
        let inner = |key: &str, nullable_key: &str| -> Result<Box<Type>, FactsError> {
            let mut inner = self.ty(
                self.member(object, pointer, key)?,
                &format!("{pointer}/{key}"),
            )?;
            inner.nullable = match object.get(nullable_key) {
                None | Some(Value::Null) => false,
                Some(_) => self.boolean(object, pointer, nullable_key)?,
            };
            Ok(Box::new(inner))
        };
        let kind = match kind {
            "string" => Kind::String(self.optional_string(object, pointer, "format")?),
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "enum" => {
                let values = self.array(object, pointer, "values")?;
                if values.is_empty() {
                    return Err(self.error(&format!("{pointer}/values"), "an enum needs values"));
                }
                Kind::Enum(values.clone())
            }
            "literal" => Kind::Literal(self.member(object, pointer, "value")?.clone()),
            "array" => Kind::Array(inner("items", "items_nullable")?),
            "map" => Kind::Map(inner("values", "values_nullable")?),
            "model" => Kind::Model(self.string(object, pointer, "ref")?.to_string()),
            "union" => {
                let at = format!("{pointer}/variants");
                let variants = self
                    .array(object, pointer, "variants")?
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.ty(v, &format!("{at}/{i}")))
                    .collect::<Result<Vec<_>, _>>()?;
                if variants.is_empty() {
                    return Err(self.error(&at, "a union needs variants"));
                }
                Kind::Union(
                    variants,
                    self.optional_string(object, pointer, "discriminator")?,
                )
            }
            "unknown" => Kind::Unknown,
            "null" => Kind::Null,
            other => {
                return Err(self.error(
                    &format!("{pointer}/kind"),
                    format!(
                        "unknown kind `{other}`; expected one of {}",
                        KINDS.join(", ")
                    ),
                ));
            }
        };
        Ok(Type {
            pointer: pointer.to_string(),
            kind,
            nullable: false,
        })
    }

    fn webhooks(&self, value: &Value) -> Result<Webhooks, FactsError> {
        let pointer = "/webhooks";
        let object = self.object(value, pointer)?;
        let mut events: Vec<WebhookEvent> = Vec::new();
        for (i, event) in self.array(object, pointer, "events")?.iter().enumerate() {
            let at = format!("{pointer}/events/{i}");
            let e = self.object(event, &at)?;
            let event_type = self.string(e, &at, "type")?.to_string();
            if events.iter().any(|other| other.event_type == event_type) {
                return Err(self.error(
                    &format!("{at}/type"),
                    format!("the event type `{event_type}` is listed twice"),
                ));
            }
            let answer = match e.get("answer") {
                None | Some(Value::Null) => None,
                Some(answer) => Some(self.ty(answer, &format!("{at}/answer"))?),
            };
            events.push(WebhookEvent {
                model: self.string(e, &at, "model")?.to_string(),
                answer,
                answer_source: self.optional_string(e, &at, "answer_source")?,
                event_type,
                pointer: at,
            });
        }
        Ok(Webhooks {
            pointer: pointer.to_string(),
            union: self.string(object, pointer, "union")?.to_string(),
            discriminator: self.string(object, pointer, "discriminator")?.to_string(),
            events,
        })
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Records the line and column of every value of a JSON text (already
/// known to be valid) by its JSON pointer: an object member at its key, an
/// array item or the root at its first character.
struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    column: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) {
        if let Some(b) = self.peek() {
            self.at += 1;
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if b & 0xC0 != 0x80 {
                // Columns count characters: continuation bytes add none.
                self.column += 1;
            }
        }
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }

    fn value(&mut self, pointer: String, out: &mut HashMap<String, (usize, usize)>) {
        self.skip_space();
        out.entry(pointer.clone())
            .or_insert((self.line, self.column));
        match self.peek() {
            Some(b'{') => {
                self.bump();
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b'}') | None => {
                            self.bump();
                            return;
                        }
                        Some(b',') => self.bump(),
                        Some(b'"') => {
                            let position = (self.line, self.column);
                            let key = self.string();
                            let child = format!("{pointer}/{}", escape_pointer_token(&key));
                            out.insert(child.clone(), position);
                            self.skip_space();
                            if self.peek() == Some(b':') {
                                self.bump();
                            }
                            self.value(child, out);
                        }
                        Some(_) => self.bump(),
                    }
                }
            }
            Some(b'[') => {
                self.bump();
                let mut index = 0;
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b']') | None => {
                            self.bump();
                            return;
                        }
                        Some(b',') => self.bump(),
                        Some(_) => {
                            self.value(format!("{pointer}/{index}"), out);
                            index += 1;
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            _ => {
                while let Some(b) = self.peek() {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.bump();
                }
            }
        }
    }

    /// Reads a string starting at its opening quote; returns its text.
    fn string(&mut self) -> String {
        let start = self.at;
        self.bump();
        while let Some(b) = self.peek() {
            match b {
                b'\\' => {
                    self.bump();
                    self.bump();
                }
                b'"' => {
                    self.bump();
                    break;
                }
                _ => self.bump(),
            }
        }
        let raw = std::str::from_utf8(&self.bytes[start..self.at]).unwrap_or("\"\"");
        serde_json::from_str(raw).unwrap_or_default()
    }
}
