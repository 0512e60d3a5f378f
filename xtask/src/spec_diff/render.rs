//! The report in text, markdown and JSON.

use std::fmt::Write as _;

use serde_json::json;

use super::model::{Change, Format, Report};
use super::rust_api::RustItem;

impl Report {
    /// The changes grouped by operation, in report order.
    fn groups(&self) -> Vec<(&str, Option<&str>, Vec<&Change>)> {
        let mut groups: Vec<(&str, Option<&str>, Vec<&Change>)> = Vec::new();
        for change in &self.changes {
            match groups.iter_mut().find(|(op, _, _)| *op == change.operation) {
                Some((_, _, list)) => list.push(change),
                None => groups.push((&change.operation, change.endpoint.as_deref(), vec![change])),
            }
        }
        groups
    }

    /// Plain text.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "spec-diff: {}", self.summary());
        let _ = writeln!(out, "  base: {}", self.base);
        let _ = writeln!(out, "  head: {}", self.head);
        for (operation, endpoint, changes) in self.groups() {
            out.push('\n');
            match endpoint {
                Some(endpoint) => {
                    let _ = writeln!(out, "{operation} ({endpoint})");
                }
                None => {
                    let _ = writeln!(out, "{operation}");
                }
            }
            for change in changes {
                let _ = writeln!(
                    out,
                    "  {:<13} {}  {}\n                {}",
                    change.level.as_str(),
                    change.rule,
                    change.pointer,
                    change.message
                );
            }
        }
        out.push('\n');
        if !self.problems.is_empty() {
            let _ = writeln!(out, "Rust API of the generated client: not compared");
            for problem in &self.problems {
                let _ = writeln!(out, "  {}", problem.message);
            }
            return out;
        }
        let _ = writeln!(
            out,
            "Rust API of the generated client: {} added, {} removed, {} changed",
            self.rust.added.len(),
            self.rust.removed.len(),
            self.rust.changed.len()
        );
        for item in &self.rust.removed {
            let _ = writeln!(out, "  - {}\n      {}", item.item, item.signature);
        }
        for item in &self.rust.added {
            let _ = writeln!(out, "  + {}\n      {}", item.item, item.signature);
        }
        for change in &self.rust.changed {
            let _ = writeln!(
                out,
                "  ~ {}\n      before: {}\n      after:  {}",
                change.item, change.before, change.after
            );
        }
        out
    }

    /// Markdown: a heading, the summary, a section per operation, then the
    /// Rust API section.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Spec diff\n");
        let _ = writeln!(out, "**{}**\n", self.summary());
        let _ = writeln!(out, "Base `{}`, head `{}`.", self.base, self.head);
        for (operation, endpoint, changes) in self.groups() {
            match endpoint {
                Some(endpoint) => {
                    let _ = writeln!(out, "\n## `{operation}` (`{endpoint}`)\n");
                }
                None => {
                    let _ = writeln!(out, "\n## {operation}\n");
                }
            }
            for change in changes {
                let _ = writeln!(
                    out,
                    "- **{}** `{}` at `{}`: {}",
                    change.level.as_str(),
                    change.rule,
                    change.pointer,
                    change.message
                );
            }
        }
        let _ = writeln!(out, "\n## Rust API\n");
        if !self.problems.is_empty() {
            let _ = writeln!(out, "Not compared:\n");
            for problem in &self.problems {
                let _ = writeln!(out, "- {}", problem.message);
            }
            return out;
        }
        if self.rust.is_empty() {
            let _ = writeln!(out, "No public item of the generated client changed.");
        }
        for item in &self.rust.removed {
            let _ = writeln!(out, "- removed `{}`: `{}`", item.item, item.signature);
        }
        for item in &self.rust.added {
            let _ = writeln!(out, "- added `{}`: `{}`", item.item, item.signature);
        }
        for change in &self.rust.changed {
            let _ = writeln!(
                out,
                "- changed `{}`: `{}` → `{}`",
                change.item, change.before, change.after
            );
        }
        out
    }

    /// The JSON document described in the module docs.
    pub fn to_json(&self) -> serde_json::Value {
        let summary = self.summary();
        let items = |list: &[RustItem]| -> Vec<serde_json::Value> {
            list.iter()
                .map(|i| json!({ "item": i.item, "signature": i.signature }))
                .collect()
        };
        json!({
            "base": self.base,
            "head": self.head,
            "summary": {
                "breaking": summary.breaking,
                "non_breaking": summary.non_breaking,
                "informational": summary.informational,
            },
            "changes": self.changes.iter().map(|c| json!({
                "level": c.level.as_str(),
                "operation": c.operation,
                "endpoint": c.endpoint,
                "pointer": c.pointer,
                "rule": c.rule,
                "message": c.message,
            })).collect::<Vec<_>>(),
            "rust": {
                "added": items(&self.rust.added),
                "removed": items(&self.rust.removed),
                "changed": self.rust.changed.iter().map(|c| json!({
                    "item": c.item, "before": c.before, "after": c.after,
                })).collect::<Vec<_>>(),
                "compared": self.problems.is_empty(),
            },
            "problems": self.problems.iter().map(|p| json!({
                "side": p.side.as_str(),
                "message": p.message,
            })).collect::<Vec<_>>(),
        })
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.to_text(),
            Format::Markdown => self.to_markdown(),
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&self.to_json())
                    .expect("a JSON value always serializes");
                text.push('\n');
                text
            }
        }
    }
}
