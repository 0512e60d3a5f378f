//! A parser of the Avara reference pages kept in `spec/reference/`: the HTTP
//! view (`get/v1/orgs`, `name: optional type` lines, a curl example) and the
//! Python view (`orgs.list(...) -> ...`, `Optional[...]`, a call example),
//! turned into structured facts with the page line of each.
//!
//! The pages are plain text copied from the rendered reference, so the
//! grammar is line based:
//!
//! ```text
//! [Skip to content / Get started]          navigation, ignored
//! TITLE
//! [resource.method(Params**kwargs) -> Ret]  Python view only
//! [get]/v1/path/{param}                     method may be missing
//! DESCRIPTION...
//! SECTION                                   "Query Parameters", "Returns", ...
//!   [class Name:  DESCRIPTION]              Python view, in Returns
//!   name: TYPE                              a field
//!   DESCRIPTION...
//!   minimum1 | maximum100 | minLength1 | formatuuid | ...
//! TITLE                                     the example block
//! curl ... | Python code
//! { JSON }   [Returns Examples]   { JSON }
//! ```
//!
//! Anything else is an error naming the page line and what was expected.

use std::fmt;
use std::path::{Path, PathBuf};

use heck::ToLowerCamelCase;
use serde_json::Value;

/// Which rendering of the reference a page is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Http,
    Python,
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            View::Http => "HTTP",
            View::Python => "Python",
        })
    }
}

/// A value and the 1-based page line it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    pub line: usize,
    pub value: T,
}

/// Where a parameter goes. The Python view does not say; the check decides
/// from the method and the path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Path,
    Query,
    Body,
    /// Python's "Parameters": path, query or body, by the operation.
    Parameters,
    Returns,
}

/// A field's type as the page writes it, normalised to JSON Schema words.
#[derive(Clone, Debug, PartialEq)]
pub enum PageType {
    String,
    Number,
    Integer,
    Boolean,
    /// An object whose fields follow on the page (`object { a, b, 6 more }`).
    Object,
    /// `map[string]` / `Dict[str, str]`.
    Map(Box<PageType>),
    /// `array of T` / `List[T]`.
    Array(Box<PageType>),
}

impl PageType {
    /// The type as compared with the spec: `string`, `map[string]`, ...
    pub fn describe(&self) -> String {
        match self {
            PageType::String => "string".into(),
            PageType::Number => "number".into(),
            PageType::Integer => "integer".into(),
            PageType::Boolean => "boolean".into(),
            PageType::Object => "object".into(),
            PageType::Map(value) => format!("map[{}]", value.describe()),
            PageType::Array(item) => format!("array of {}", item.describe()),
        }
    }

    /// The JSON Schema `type` keyword of this type.
    pub fn json_type(&self) -> &'static str {
        match self {
            PageType::String => "string",
            PageType::Number => "number",
            PageType::Integer => "integer",
            PageType::Boolean => "boolean",
            PageType::Object | PageType::Map(_) => "object",
            PageType::Array(_) => "array",
        }
    }
}

/// A constraint line under a field: `minimum1`, `formatuuid`, ...
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub line: usize,
    /// The JSON Schema keyword: `minimum`, `maximum`, `minLength`,
    /// `maxLength`, `minItems`, `maxItems`, `format`.
    pub keyword: String,
    pub value: Value,
}

/// One documented parameter or body/response field.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub line: usize,
    /// The name as the page writes it (`org_name` in the Python view).
    pub name: String,
    /// The wire name (`orgName`): the Python view's snake case in camel case.
    pub wire_name: String,
    /// HTTP view: `optional` (may be absent). Python view: `Optional[...]`
    /// (may be absent or `null`).
    pub optional: bool,
    pub ty: PageType,
    /// A format the type itself implies (Python's `datetime`).
    pub implied_format: Option<String>,
    pub description: String,
    pub constraints: Vec<Constraint>,
    /// The fields of an object or of an array's object items.
    pub children: Vec<Field>,
}

impl Field {
    /// The page's `format`, from a constraint line or implied by the type.
    pub fn format(&self) -> Option<(usize, String)> {
        self.constraints
            .iter()
            .find(|c| c.keyword == "format")
            .and_then(|c| c.value.as_str().map(|f| (c.line, f.to_string())))
            .or_else(|| self.implied_format.clone().map(|f| (self.line, f)))
    }
}

/// The Python view's signature line: `orgs.list(OrgListParams**kwargs) ->
/// SyncCursorOrganizations[OrgListResponse]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    pub line: usize,
    /// `orgs` (dots of a nested resource become underscores).
    pub resource: String,
    pub method: String,
    /// `OrgCreateParams`, when the call takes keyword arguments.
    pub params_class: Option<String>,
    /// The class of the returned object (the items' class for a page).
    pub returns_class: String,
    /// For a cursor page (`SyncCursorOrganizations[...]`): the page class and
    /// the wire name of its items field (`organizations`).
    pub cursor_page: Option<(String, String)>,
}

/// The Returns section.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Returns {
    pub line: usize,
    /// Python view: `class OrgCreateResponse:` and the text under it.
    pub class: Option<Located<String>>,
    pub description: String,
    pub fields: Vec<Field>,
}

/// A keyword argument of the Python call example: `org_name="..."`.
#[derive(Clone, Debug, PartialEq)]
pub struct Kwarg {
    pub line: usize,
    pub name: String,
    pub wire_name: String,
    pub value: Value,
}

/// The request example: a curl command or a Python call.
#[derive(Clone, Debug, PartialEq)]
pub enum RequestExample {
    Curl {
        line: usize,
        /// `-X`, or `POST` with `-d`, else `GET`, as curl does.
        method: String,
        url: String,
        /// Whether the method came from `-X`/`-d` rather than curl's default.
        explicit_method: bool,
    },
    Python {
        line: usize,
        /// `orgs.create` as called: `client.orgs.create(` → `orgs`, `create`.
        resource: String,
        method: String,
        kwargs: Vec<Kwarg>,
    },
}

/// Everything a page states.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub file: PathBuf,
    pub view: View,
    pub title: Located<String>,
    pub signature: Option<Signature>,
    /// `None` when the page shows only the path.
    pub method: Option<Located<String>>,
    pub path: Located<String>,
    pub description: Located<String>,
    /// Parameters by section, in page order.
    pub params: Vec<(Section, Field)>,
    pub returns: Returns,
    pub request_example: Option<RequestExample>,
    /// The JSON response examples, each with its first line.
    pub json_examples: Vec<Located<Value>>,
}

/// A page the parser does not understand.
#[derive(Debug, Clone, PartialEq)]
pub struct PageError {
    pub file: PathBuf,
    pub line: usize,
    /// What the parser expected there.
    pub message: String,
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        // Line 0: the page as a whole (it could not be read).
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        write!(f, ": error: {}", self.message)
    }
}

impl std::error::Error for PageError {}

const NAVIGATION: [&str; 2] = ["Skip to content", "Get started"];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
const CONSTRAINT_KEYWORDS: [&str; 6] = [
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
];

/// Reads and parses the page at `path`; errors are reported against `shown`
/// (the path as the user should see it).
pub fn load(path: &Path, shown: &Path) -> Result<Page, PageError> {
    let text = std::fs::read_to_string(path).map_err(|e| PageError {
        file: shown.to_path_buf(),
        line: 0,
        message: format!("cannot read the page: {e}"),
    })?;
    parse(shown, &text)
}

/// Parses the text of one page.
pub fn parse(file: &Path, text: &str) -> Result<Page, PageError> {
    Parser {
        file,
        lines: text.lines().map(str::trim_end).collect(),
        at: 0,
    }
    .page()
}

struct Parser<'a> {
    file: &'a Path,
    lines: Vec<&'a str>,
    /// Index of the next line to read.
    at: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, line: usize, message: impl Into<String>) -> PageError {
        PageError {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    /// The next line (skipping blank ones) and its 1-based number.
    fn peek(&self) -> Option<(usize, &'a str)> {
        (self.at..self.lines.len())
            .find(|&i| !self.lines[i].trim().is_empty())
            .map(|i| (i + 1, self.lines[i]))
    }

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let found = self.peek();
        if let Some((line, _)) = found {
            self.at = line;
        }
        found
    }

    fn expect(&mut self, what: &str) -> Result<(usize, &'a str), PageError> {
        let end = self.lines.len().max(1);
        self.next()
            .ok_or_else(|| self.error(end, format!("the page ends where {what} was expected")))
    }

    fn page(mut self) -> Result<Page, PageError> {
        while let Some((_, line)) = self.peek() {
            if NAVIGATION.contains(&line.trim()) {
                self.next();
            } else {
                break;
            }
        }
        let (title_line, title) = self.expect("the page title")?;
        let title = Located {
            line: title_line,
            value: title.trim().to_string(),
        };

        let (line, text) = self.expect("the method and path line (`get/v1/orgs`)")?;
        let (signature, (line, text)) = match parse_signature(line, text) {
            Some(signature) => (
                Some(signature),
                self.expect("the method and path line (`get/v1/orgs`)")?,
            ),
            None => (None, (line, text)),
        };
        let view = if signature.is_some() {
            View::Python
        } else {
            View::Http
        };
        let (method, path) = parse_method_path(text).ok_or_else(|| {
            self.error(
                line,
                format!(
                    "expected the method and path (`get/v1/orgs`) or the path alone (`/v1/orgs/{{orgId}}`){}, found `{}`",
                    if view == View::Http {
                        ", or a Python signature (`orgs.list(...) -> ...`)"
                    } else {
                        ""
                    },
                    text.trim()
                ),
            )
        })?;
        let method = method.map(|m| Located {
            line,
            value: m.to_string(),
        });
        let path = Located {
            line,
            value: path.to_string(),
        };

        let description_line = self.peek().map_or(line, |(l, _)| l);
        let description = self.text_until(
            |l| section_header(l).is_some() || looks_like_section(l) || field_line(l).is_some(),
            &title.value,
        );
        if description.is_empty() {
            return Err(self.error(
                description_line,
                "expected the operation's description after the method and path",
            ));
        }
        let description = Located {
            line: description_line,
            value: description,
        };

        let mut params = Vec::new();
        let mut returns = None;
        loop {
            let Some((line, text)) = self.peek() else {
                return Err(self.error(
                    self.lines.len(),
                    format!(
                        "the page ends before its example block (a line repeating the title `{}`)",
                        title.value
                    ),
                ));
            };
            if text.trim() == title.value {
                self.next();
                break;
            }
            if looks_like_section(text) && section_header(text).is_none() {
                return Err(self.error(
                    line,
                    format!(
                        "unknown section `{}`; expected `Path Parameters`, `Query Parameters`, `Body Parameters`, `Parameters` or `Returns`",
                        text.trim()
                    ),
                ));
            }
            let Some(section) = section_header(text) else {
                return Err(self.error(
                    line,
                    format!(
                        "expected a section (`Path Parameters`, `Query Parameters`, `Body Parameters`, `Parameters`, `Returns`) or the example block repeating the title, found `{}`",
                        text.trim()
                    ),
                ));
            };
            self.next();
            if section == Section::Returns {
                if returns.is_some() {
                    return Err(self.error(line, "a second `Returns` section"));
                }
                returns = Some(self.returns(line, view, &title.value)?);
            } else {
                if returns.is_some() {
                    return Err(self.error(
                        line,
                        "a parameters section after `Returns`; expected the example block",
                    ));
                }
                let fields = self.fields(view, &title.value)?;
                if fields.is_empty() {
                    return Err(self.error(line + 1, "expected a field (`name: type`)"));
                }
                params.extend(fields.into_iter().map(|f| (section, f)));
            }
        }
        let returns = returns.ok_or_else(|| {
            self.error(
                title.line,
                "the page has no `Returns` section before its example block",
            )
        })?;

        let (request_example, json_examples) = self.examples(view)?;
        Ok(Page {
            file: self.file.to_path_buf(),
            view,
            title,
            signature,
            method,
            path,
            description,
            params,
            returns,
            request_example,
            json_examples,
        })
    }

    /// Joins the lines up to one that `stop` accepts, a field line, or the
    /// title, into one paragraph.
    fn text_until(&mut self, stop: impl Fn(&str) -> bool, title: &str) -> String {
        let mut words = Vec::new();
        while let Some((_, text)) = self.peek() {
            if stop(text) || text.trim() == title {
                break;
            }
            words.push(text.trim().to_string());
            self.next();
        }
        words.join(" ")
    }

    fn returns(&mut self, header: usize, view: View, title: &str) -> Result<Returns, PageError> {
        let mut returns = Returns {
            line: header,
            ..Returns::default()
        };
        if let Some((line, text)) = self.peek()
            && let Some(class) = text
                .trim()
                .strip_prefix("class ")
                .and_then(|c| c.strip_suffix(':'))
        {
            if view == View::Http {
                return Err(self.error(
                    line,
                    "a Python `class` line in a page without a Python signature",
                ));
            }
            self.next();
            returns.class = Some(Located {
                line,
                value: class.to_string(),
            });
            returns.description = self.text_until(|l| field_line(l).is_some(), title);
        } else if view == View::Python {
            let (line, text) = self.expect("`class Name:`")?;
            return Err(self.error(
                line,
                format!(
                    "expected `class Name:` opening the Python view's Returns, found `{}`",
                    text.trim()
                ),
            ));
        }
        returns.fields = self.fields(view, title)?;
        if returns.fields.is_empty() {
            return Err(self.error(header + 1, "expected a returned field (`name: type`)"));
        }
        Ok(returns)
    }

    /// Fields until a section header or the title line.
    fn fields(&mut self, view: View, title: &str) -> Result<Vec<Field>, PageError> {
        let mut fields = Vec::new();
        while let Some((_, text)) = self.peek() {
            if section_header(text).is_some() || looks_like_section(text) || text.trim() == title {
                break;
            }
            fields.push(self.field(view, title)?);
        }
        Ok(fields)
    }

    fn field(&mut self, view: View, title: &str) -> Result<Field, PageError> {
        let (line, text) = self.expect("a field")?;
        let Some((name, type_text)) = field_line(text) else {
            return Err(self.error(
                line,
                format!("expected a field (`name: type`), found `{}`", text.trim()),
            ));
        };
        let parsed = match view {
            View::Http => parse_http_type(type_text),
            View::Python => parse_python_type(type_text),
        }
        .map_err(|expected| self.error(line, format!("field `{name}`: {expected}")))?;
        let mut field = Field {
            line,
            name: name.to_string(),
            wire_name: match view {
                View::Http => name.to_string(),
                View::Python => name.to_lower_camel_case(),
            },
            optional: parsed.optional,
            ty: parsed.ty,
            implied_format: parsed.implied_format,
            description: String::new(),
            constraints: Vec::new(),
            children: Vec::new(),
        };
        // Description lines, then constraint lines, in any order the
        // rendering produces; both end at the next field.
        let mut description = Vec::new();
        while let Some((cline, ctext)) = self.peek() {
            if field_line(ctext).is_some()
                || section_header(ctext).is_some()
                || looks_like_section(ctext)
                || ctext.trim() == title
            {
                break;
            }
            self.next();
            match parse_constraint(ctext.trim()) {
                Some(Ok((keyword, value))) => field.constraints.push(Constraint {
                    line: cline,
                    keyword,
                    value,
                }),
                Some(Err(expected)) => return Err(self.error(cline, expected)),
                None => {
                    if !field.constraints.is_empty() {
                        return Err(self.error(
                            cline,
                            format!(
                                "expected a constraint line (`minimum1`, `maxLength100`, `formatuuid`) or the next field after the constraints of `{name}`, found `{}`",
                                ctext.trim()
                            ),
                        ));
                    }
                    description.push(ctext.trim().to_string());
                }
            }
        }
        field.description = description.join(" ");
        if let Some(children) = parsed.children {
            let (listed, more) = children;
            let count = listed.len() + more;
            for i in 0..count {
                let child =
                    match self.peek() {
                        Some((_, t)) if field_line(t).is_some() => self.field(view, title)?,
                        other => {
                            let at = other.map_or(self.lines.len(), |(l, _)| l);
                            return Err(self.error(
                            at,
                            format!(
                                "`{name}` announces {count} fields of its items ({}{}), found {i}",
                                listed.join(", "),
                                if more > 0 { format!(", {more} more") } else { String::new() }
                            ),
                        ));
                        }
                    };
                if let Some(expected) = listed.get(i)
                    && *expected != child.name
                {
                    return Err(self.error(
                        child.line,
                        format!(
                            "`{name}` lists `{expected}` as its item field number {}, found `{}`",
                            i + 1,
                            child.name
                        ),
                    ));
                }
                field.children.push(child);
            }
        }
        Ok(field)
    }

    /// The example block after the repeated title: a request example, then
    /// JSON response examples (the second one after `Returns Examples`).
    fn examples(
        &mut self,
        view: View,
    ) -> Result<(Option<RequestExample>, Vec<Located<Value>>), PageError> {
        let mut code: Vec<(usize, &str)> = Vec::new();
        while let Some((line, text)) = self.peek() {
            if text.starts_with('{') || text.starts_with('[') {
                break;
            }
            code.push((line, text));
            self.next();
        }
        let request = match view {
            View::Http => self.curl(&code)?,
            View::Python => self.python_call(&code)?,
        };
        let mut examples = Vec::new();
        while let Some((line, text)) = self.peek() {
            if text.trim() == "Returns Examples" {
                self.next();
                continue;
            }
            if !(text.starts_with('{') || text.starts_with('[')) {
                return Err(self.error(
                    line,
                    format!(
                        "expected a JSON example or `Returns Examples`, found `{}`",
                        text.trim()
                    ),
                ));
            }
            examples.push(self.json_block()?);
        }
        if examples.is_empty() {
            let end = self.lines.len();
            return Err(self.error(
                end,
                "expected a JSON response example at the end of the page",
            ));
        }
        Ok((request, examples))
    }

    /// One JSON value spanning the lines from the next one on.
    fn json_block(&mut self) -> Result<Located<Value>, PageError> {
        let start = self.at;
        let first_line = self.peek().map_or(start + 1, |(l, _)| l);
        let mut depth = 0i64;
        let mut in_string = false;
        let mut escaped = false;
        let mut end = None;
        'lines: for i in (first_line - 1)..self.lines.len() {
            for c in self.lines[i].chars() {
                if in_string {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match c {
                    '"' => in_string = true,
                    '{' | '[' => depth += 1,
                    '}' | ']' => depth -= 1,
                    _ => {}
                }
            }
            if depth == 0 {
                end = Some(i);
                break 'lines;
            }
        }
        let Some(end) = end else {
            return Err(self.error(first_line, "a JSON example whose brackets never close"));
        };
        let text = self.lines[first_line - 1..=end].join("\n");
        let value = serde_json::from_str(&text).map_err(|e| {
            self.error(
                first_line + e.line() - 1,
                format!("the JSON example starting on line {first_line} is not valid JSON: {e}"),
            )
        })?;
        self.at = end + 1;
        Ok(Located {
            line: first_line,
            value,
        })
    }

    fn curl(&self, code: &[(usize, &str)]) -> Result<Option<RequestExample>, PageError> {
        let Some(&(line, _)) = code.first() else {
            return Ok(None);
        };
        let joined: String = code
            .iter()
            .map(|(_, t)| t.trim().trim_end_matches('\\').trim())
            .collect::<Vec<_>>()
            .join(" ");
        let mut words = shell_words(&joined).into_iter();
        if words.next().as_deref() != Some("curl") {
            return Err(self.error(
                line,
                format!(
                    "expected a curl example after the repeated title, found `{}`",
                    code[0].1.trim()
                ),
            ));
        }
        let mut url = None;
        let mut method = None;
        let mut has_data = false;
        while let Some(word) = words.next() {
            match word.as_str() {
                "-X" | "--request" => method = words.next(),
                "-H" | "--header" => {
                    words.next();
                }
                "-d" | "--data" | "--data-raw" | "--json" => {
                    words.next();
                    has_data = true;
                }
                w if w.starts_with("http://") || w.starts_with("https://") => {
                    url = Some(w.to_string())
                }
                other => {
                    return Err(self.error(
                        line,
                        format!(
                            "the curl example has an option this parser does not know: `{other}`"
                        ),
                    ));
                }
            }
        }
        let url = url.ok_or_else(|| self.error(line, "the curl example has no URL"))?;
        let explicit_method = method.is_some() || has_data;
        let method = method
            .map(|m| m.to_lowercase())
            .unwrap_or_else(|| if has_data { "post" } else { "get" }.to_string());
        Ok(Some(RequestExample::Curl {
            line,
            method,
            url,
            explicit_method,
        }))
    }

    fn python_call(&self, code: &[(usize, &str)]) -> Result<Option<RequestExample>, PageError> {
        // The call on the `client` the example built: `x = client.a.b(`.
        let Some(start) = code.iter().position(|(_, t)| {
            t.split_once("= client.")
                .is_some_and(|(_, call)| call.contains('('))
        }) else {
            let line = code.first().map_or(self.at, |(l, _)| *l);
            return Err(self.error(
                line,
                "expected a Python example calling `client.<resource>.<method>(...)`",
            ));
        };
        let (line, text) = code[start];
        let call = text.split_once("= client.").map_or("", |(_, c)| c);
        let (target, rest) = call.split_once('(').unwrap_or((call, ""));
        let (resource, method) = target.rsplit_once('.').ok_or_else(|| {
            self.error(
                line,
                format!(
                    "expected `client.<resource>.<method>(`, found `{}`",
                    text.trim()
                ),
            )
        })?;
        let mut kwargs = Vec::new();
        let mut closed = rest.trim_start().starts_with(')');
        let mut index = start + 1;
        while !closed {
            let Some(&(kline, ktext)) = code.get(index) else {
                return Err(self.error(line, "the Python call example is never closed by `)`"));
            };
            index += 1;
            let ktext = ktext.trim();
            if ktext.starts_with(')') {
                closed = true;
                continue;
            }
            let Some((name, value)) = ktext.trim_end_matches(',').split_once('=') else {
                return Err(self.error(
                    kline,
                    format!("expected a keyword argument `name=value,`, found `{ktext}`"),
                ));
            };
            let value = python_literal(value.trim()).ok_or_else(|| {
                self.error(
                    kline,
                    format!(
                        "expected a Python literal (a string, number, True, False or None) for `{}`, found `{}`",
                        name.trim(),
                        value.trim()
                    ),
                )
            })?;
            kwargs.push(Kwarg {
                line: kline,
                name: name.trim().to_string(),
                wire_name: name.trim().to_lower_camel_case(),
                value,
            });
        }
        Ok(Some(RequestExample::Python {
            line,
            resource: resource.replace('.', "_"),
            method: method.to_string(),
            kwargs,
        }))
    }
}

fn parse_signature(line: usize, text: &str) -> Option<Signature> {
    let (call, returns) = text.trim().split_once(") -> ")?;
    let (target, args) = call.split_once('(')?;
    let (resource, method) = target.rsplit_once('.')?;
    let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !resource.split('.').all(ident) || !ident(method) {
        return None;
    }
    let params_class = args
        .strip_suffix("**kwargs")
        .filter(|c| ident(c))
        .map(str::to_string);
    let (returns_class, cursor_page) = match returns.split_once('[') {
        Some((page, inner)) => {
            let inner = inner.strip_suffix(']')?;
            let items = page.strip_prefix("SyncCursor")?;
            (
                inner.to_string(),
                Some((page.to_string(), items.to_lower_camel_case())),
            )
        }
        None => (returns.to_string(), None),
    };
    if !ident(&returns_class) {
        return None;
    }
    Some(Signature {
        line,
        resource: resource.replace('.', "_"),
        method: method.to_string(),
        params_class,
        returns_class,
        cursor_page,
    })
}

/// `get/v1/orgs` → (`get`, `/v1/orgs`); `/v1/orgs/{orgId}` → (None, path).
fn parse_method_path(text: &str) -> Option<(Option<&str>, &str)> {
    let text = text.trim();
    let valid =
        |path: &str| path.starts_with('/') && !path.contains(char::is_whitespace) && path.len() > 1;
    if valid(text) {
        return Some((None, text));
    }
    let slash = text.find('/')?;
    let (method, path) = text.split_at(slash);
    (METHODS.contains(&method) && valid(path)).then_some((Some(method), path))
}

fn section_header(text: &str) -> Option<Section> {
    let text = text.trim();
    let text = text.strip_suffix("Expand Collapse").unwrap_or(text).trim();
    Some(match text {
        "Path Parameters" => Section::Path,
        "Query Parameters" => Section::Query,
        "Body Parameters" => Section::Body,
        "Parameters" => Section::Parameters,
        "Returns" => Section::Returns,
        _ => return None,
    })
}

/// A line shaped like a section header: `... Parameters`, `...Expand Collapse`.
fn looks_like_section(text: &str) -> bool {
    let text = text.trim();
    text.ends_with("Expand Collapse") || text.ends_with(" Parameters") || text == "Parameters"
}

/// `name: type` with an identifier name.
fn field_line(text: &str) -> Option<(&str, &str)> {
    let (name, ty) = text.trim().split_once(": ")?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !ty.trim().is_empty())
    .then_some((name, ty.trim()))
}

struct ParsedType {
    optional: bool,
    ty: PageType,
    implied_format: Option<String>,
    /// `object { a, b, 6 more }`: the listed names and how many more follow.
    children: Option<(Vec<String>, usize)>,
}

const HTTP_TYPES: &str = "`string`, `number`, `integer`, `boolean`, `map[T]`, `array of T` or `object { ... }`, optionally after `optional`";

fn parse_http_type(text: &str) -> Result<ParsedType, String> {
    let (optional, rest) = match text.strip_prefix("optional ") {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let mut children = None;
    let ty = http_type(rest, &mut children)
        .ok_or_else(|| format!("expected a type ({HTTP_TYPES}), found `{text}`"))?;
    Ok(ParsedType {
        optional,
        ty,
        implied_format: None,
        children,
    })
}

fn http_type(text: &str, children: &mut Option<(Vec<String>, usize)>) -> Option<PageType> {
    Some(match text {
        "string" => PageType::String,
        "number" => PageType::Number,
        "integer" => PageType::Integer,
        "boolean" => PageType::Boolean,
        _ => {
            if let Some(inner) = text.strip_prefix("map[").and_then(|t| t.strip_suffix(']')) {
                PageType::Map(Box::new(http_type(inner, &mut None)?))
            } else if let Some(inner) = text.strip_prefix("array of ") {
                PageType::Array(Box::new(http_type(inner.trim(), children)?))
            } else if let Some(inner) = text
                .strip_prefix("object {")
                .and_then(|t| t.strip_suffix('}'))
            {
                let mut names = Vec::new();
                let mut more = 0;
                for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    if let Some(count) = part.strip_suffix(" more") {
                        more = count.parse().ok()?;
                    } else if field_line(&format!("{part}: x")).is_some() {
                        names.push(part.to_string());
                    } else {
                        return None;
                    }
                }
                *children = Some((names, more));
                PageType::Object
            } else {
                return None;
            }
        }
    })
}

const PYTHON_TYPES: &str = "`str`, `int`, `float`, `bool`, `datetime`, `date`, `Dict[str, T]` or `List[T]`, optionally inside `Optional[...]`";

fn parse_python_type(text: &str) -> Result<ParsedType, String> {
    let (optional, rest) = match text
        .strip_prefix("Optional[")
        .and_then(|t| t.strip_suffix(']'))
    {
        Some(inner) => (true, inner.trim()),
        None => (false, text),
    };
    let mut implied_format = None;
    let ty = python_type(rest, &mut implied_format)
        .ok_or_else(|| format!("expected a type ({PYTHON_TYPES}), found `{text}`"))?;
    Ok(ParsedType {
        optional,
        ty,
        implied_format,
        children: None,
    })
}

fn python_type(text: &str, format: &mut Option<String>) -> Option<PageType> {
    Some(match text {
        "str" => PageType::String,
        "int" => PageType::Integer,
        "float" => PageType::Number,
        "bool" => PageType::Boolean,
        "datetime" => {
            *format = Some("date-time".into());
            PageType::String
        }
        "date" => {
            *format = Some("date".into());
            PageType::String
        }
        _ => {
            if let Some(inner) = text
                .strip_prefix("Dict[str, ")
                .and_then(|t| t.strip_suffix(']'))
            {
                PageType::Map(Box::new(python_type(inner.trim(), &mut None)?))
            } else if let Some(inner) = text.strip_prefix("List[").and_then(|t| t.strip_suffix(']'))
            {
                PageType::Array(Box::new(python_type(inner.trim(), &mut None)?))
            } else {
                return None;
            }
        }
    })
}

/// `minimum1` → (`minimum`, 1); `formatuuid` → (`format`, "uuid"). `None`
/// when the line is not a constraint; an error when it starts like one but
/// its value does not parse.
fn parse_constraint(text: &str) -> Option<Result<(String, Value), String>> {
    if let Some(format) = text.strip_prefix("format") {
        let valid = !format.is_empty()
            && format
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        return valid.then(|| Ok(("format".to_string(), Value::String(format.to_string()))));
    }
    for keyword in CONSTRAINT_KEYWORDS {
        if let Some(number) = text.strip_prefix(keyword) {
            if number.is_empty() || number.contains(' ') {
                return None;
            }
            return Some(
                serde_json::from_str::<serde_json::Number>(number)
                    .map(|n| (keyword.to_string(), Value::Number(n)))
                    .map_err(|_| format!("expected a number after `{keyword}`, found `{number}`")),
            );
        }
    }
    None
}

/// Splits a command line on spaces, honouring double and single quotes.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    let mut started = false;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            (_, c) => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

fn python_literal(text: &str) -> Option<Value> {
    match text {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::Null),
        _ => {}
    }
    if let Some(inner) = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .or_else(|| text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')))
    {
        return Some(Value::String(inner.to_string()));
    }
    serde_json::from_str::<serde_json::Number>(text)
        .ok()
        .map(Value::Number)
}
