//! Printing what the SDK returns: JSON (the default) or a table, and the
//! progress of `--all` on a terminal.
//!
//! Server data never reaches the terminal raw: a name like
//! `"\u{1b}]0;PWNED\u{7}\u{1b}[2J"` would otherwise set the terminal's title,
//! clear its screen or draw fake rows. Table cells and error text show such
//! characters escaped ([`terminal_safe`]); JSON output writes them as `\uXXXX`
//! escapes, so it stays exact JSON ([`json_terminal_safe`]).

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where the generated `execute` hands what an operation returns.
pub trait Sink {
    /// One response: an object, or one page of a paginated operation.
    fn item(&mut self, value: Value);
    /// Every item of every page follows (`--all`).
    fn list_start(&mut self);
    /// One item of a `--all` listing.
    fn list_item(&mut self, value: Value);
    /// The `--all` listing is complete.
    fn list_end(&mut self);
}

/// The output formats of `--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON, as the API returns it (`--all`: one array).
    Json,
    /// Aligned columns, one row per object.
    Table,
}

/// Shows `fetched N <noun>` on stderr while `--all` pages, at most every
/// 100 ms; only constructed when stderr is a terminal.
pub struct Progress<'w> {
    out: &'w mut dyn Write,
    noun: String,
    last: Option<Instant>,
    shown: bool,
}

impl<'w> Progress<'w> {
    /// Progress for items called `noun`, written to `out`.
    pub fn new(out: &'w mut dyn Write, noun: &str) -> Self {
        Progress {
            out,
            noun: noun.to_string(),
            last: None,
            shown: false,
        }
    }

    fn tick(&mut self, count: usize) {
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(Instant::now());
        self.shown = true;
        let _ = write!(self.out, "\rfetched {count} {}…", self.noun);
        let _ = self.out.flush();
    }

    fn done(&mut self, count: usize) {
        if self.shown {
            let _ = writeln!(self.out, "\rfetched {count} {}. ", self.noun);
        }
    }
}

/// The sink of the CLI: formats values onto `out`.
pub struct Printer<'o, 'p> {
    out: &'o mut dyn Write,
    format: Format,
    items_field: Option<&'static str>,
    columns: &'static [&'static str],
    progress: Option<Progress<'p>>,
    rows: Vec<Value>,
    count: usize,
    /// The first write error, if any (a closed pipe, a full disk).
    pub error: Option<std::io::Error>,
    failed: Rc<Cell<bool>>,
}

impl<'o, 'p> Printer<'o, 'p> {
    /// A printer for an operation whose pages keep their items in
    /// `items_field` and whose objects have `columns`.
    pub fn new(
        out: &'o mut dyn Write,
        format: Format,
        items_field: Option<&'static str>,
        columns: &'static [&'static str],
        progress: Option<Progress<'p>>,
    ) -> Self {
        Printer {
            out,
            format,
            items_field,
            columns,
            progress,
            rows: Vec::new(),
            count: 0,
            error: None,
            failed: Rc::new(Cell::new(false)),
        }
    }

    /// Set once a write has failed: then nothing more can be shown, and
    /// fetching more pages is pointless.
    pub fn failed_flag(&self) -> Rc<Cell<bool>> {
        self.failed.clone()
    }

    /// Flushes the output and returns the first write error, if any: a
    /// buffered stdout may only fail (a full disk) when flushed.
    pub fn finish(&mut self) -> Option<std::io::Error> {
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
        self.error.take()
    }

    fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
            self.failed.set(true);
        }
    }

    fn table(&mut self, rows: &[Value]) {
        let text = table(self.columns, rows);
        self.write(&text);
    }
}

impl Sink for Printer<'_, '_> {
    fn item(&mut self, value: Value) {
        match self.format {
            Format::Json => {
                let text = pretty(&value);
                self.write(&format!("{text}\n"));
            }
            Format::Table => {
                let rows = match (self.items_field, &value) {
                    (Some(field), Value::Object(page)) => match page.get(field) {
                        Some(Value::Array(items)) => items.clone(),
                        _ => vec![value.clone()],
                    },
                    _ => vec![value.clone()],
                };
                self.table(&rows);
            }
        }
    }

    fn list_start(&mut self) {
        self.count = 0;
        self.rows.clear();
    }

    fn list_item(&mut self, value: Value) {
        self.count += 1;
        match self.format {
            Format::Json => {
                let indented = pretty(&value).replace('\n', "\n  ");
                let lead = if self.count == 1 { "[\n  " } else { ",\n  " };
                self.write(&format!("{lead}{indented}"));
            }
            Format::Table => self.rows.push(value),
        }
        let count = self.count;
        if let Some(progress) = &mut self.progress {
            progress.tick(count);
        }
    }

    fn list_end(&mut self) {
        if let Some(progress) = &mut self.progress {
            progress.done(self.count);
        }
        match self.format {
            Format::Json if self.count == 0 => self.write("[]\n"),
            Format::Json => self.write("\n]\n"),
            Format::Table => {
                let rows = std::mem::take(&mut self.rows);
                self.table(&rows);
            }
        }
    }
}

fn pretty(value: &Value) -> String {
    json_terminal_safe(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()))
}

/// Whether a terminal may act on `c` instead of showing it: the C0 controls,
/// DEL, the C1 controls (which some terminals honour in UTF-8, such as U+009B
/// as CSI), the bidirectional embeddings, overrides, isolates and marks
/// (which reorder what is shown), and the Unicode line and paragraph
/// separators.
pub fn is_unsafe_for_terminal(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

/// `text` with every character a terminal could act on written as a Rust
/// escape (`\n`, `\r`, `\t`, `\u{1b}`), except line feeds when
/// `keep_newlines` (for multi-line text of our own, such as clap's usage).
pub fn terminal_safe(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_for_terminal(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Serialized JSON with the characters a terminal could act on that
/// serde_json leaves raw (DEL, C1, bidi controls, separators: JSON requires
/// escaping only U+0000 to U+001F) written as `\uXXXX`. They can only occur
/// inside strings, so the result is the same JSON value.
pub fn json_terminal_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // Outside strings JSON has only ASCII whitespace, which is kept.
        if is_unsafe_for_terminal(c) && !matches!(c, '\n' | '\r' | '\t') {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON field name as a column header: `someField` → `SOME_FIELD`.
fn header(column: &str) -> String {
    let mut out = String::new();
    for (i, c) in column.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// One cell: strings as they are (escaped for the terminal), `null` as
/// empty, maps as `k=v,k=v`.
fn cell(value: Option<&Value>) -> String {
    terminal_safe(&raw_cell(value), false)
}

fn raw_cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// Aligned columns (the spec's properties of the objects), one row each.
pub fn table(columns: &[&str], rows: &[Value]) -> String {
    let columns: Vec<&str> = if columns.is_empty() {
        rows.first()
            .and_then(Value::as_object)
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    } else {
        columns.to_vec()
    };
    let mut grid = vec![columns.iter().map(|c| header(c)).collect::<Vec<_>>()];
    for row in rows {
        grid.push(columns.iter().map(|c| cell(row.get(*c))).collect());
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| grid.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in grid {
        let mut line = String::new();
        for (i, text) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(text);
            line.extend(std::iter::repeat_n(' ', widths[i] - text.chars().count()));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character a terminal could act on, and some it could not.
    fn every_unsafe_char() -> String {
        (0u32..=0x2070)
            .filter_map(char::from_u32)
            .filter(|&c| is_unsafe_for_terminal(c))
            .chain("plain é 漢字 \\ \"".chars())
            .collect()
    }

    #[test]
    fn json_escapes_keep_the_exact_value() {
        let value = serde_json::json!({ every_unsafe_char(): [every_unsafe_char()] });
        let text = pretty(&value);
        assert!(
            !text.chars().any(|c| c != '\n' && is_unsafe_for_terminal(c)),
            "{text:?}"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }

    #[test]
    fn terminal_text_shows_every_unsafe_char_escaped() {
        let text = terminal_safe(&every_unsafe_char(), false);
        assert!(!text.chars().any(is_unsafe_for_terminal), "{text:?}");
        assert!(text.starts_with(r"\u{0}\u{1}"), "{text:?}");
        assert!(text.contains(r"\t\n\u{b}\u{c}\r\u{e}"), "{text:?}");
        assert!(text.contains(r"\u{1b}\u{1c}"), "{text:?}");
        assert!(text.contains(r"\u{7f}\u{80}"), "{text:?}");
        assert!(text.contains(r"\u{202e}\u{2066}"), "{text:?}");
        assert!(text.ends_with("plain é 漢字 \\ \""), "{text:?}");
        assert_eq!(terminal_safe("a\nb\u{1b}", true), "a\nb\\u{1b}");
    }
}
