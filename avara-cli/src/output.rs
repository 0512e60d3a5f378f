//! Printing what the SDK returns: JSON (the default) or a table, and the
//! progress of `--all` on a terminal.

use std::io::Write;
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
        }
    }

    fn write(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.error = Some(e);
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
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// `orgName` → `ORG_NAME`.
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

/// One cell: strings as they are, `null` as empty, maps as `k=v,k=v`.
fn cell(value: Option<&Value>) -> String {
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
