//! The semantic comparison of two specs: operations matched by operationId
//! (then by method and path), and everything under them walked with `$ref`s
//! resolved, each difference classified for clients.
//!
//! One file per seam: [`document`] (servers, security schemes, components,
//! `info`), [`operations`] (matching, parameters, bodies, responses,
//! security, pagination) and [`schemas`] (the recursive schema walk). Every
//! rule id a file emits is listed, with its level and its oasdiff
//! counterpart, in [`super::rules`].

mod document;
mod operations;
mod schemas;

use std::collections::BTreeSet;

use heck::ToKebabCase;
use serde_json::Value;

use super::{Change, GLOBAL, Level};
use crate::schema::DOC_KEYWORDS;
use crate::spec::LoadedSpec;

/// Which way data flows through a schema, which decides whether narrowing it
/// breaks clients (requests) or widening it does (responses).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Request,
    Response,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::Request => "request",
            Dir::Response => "response",
        }
    }

    /// The level of a change that accepts fewer values than before.
    fn tightened(self) -> Level {
        match self {
            Dir::Request => Level::Breaking,
            Dir::Response => Level::NonBreaking,
        }
    }

    /// The level of a change that accepts more values than before.
    fn loosened(self) -> Level {
        match self {
            Dir::Request => Level::NonBreaking,
            Dir::Response => Level::Breaking,
        }
    }

    fn why_tightened(self) -> &'static str {
        match self {
            Dir::Request => "narrower in a request: values clients send today may be rejected",
            Dir::Response => "narrower in a response: clients still accept every value",
        }
    }

    fn why_loosened(self) -> &'static str {
        match self {
            Dir::Request => "wider in a request: everything clients send today stays valid",
            Dir::Response => {
                "wider in a response: the client's types may reject values the server now sends"
            }
        }
    }
}

/// One side of a comparison: a node and the JSON pointer it was found at.
#[derive(Clone, Copy)]
struct Node<'a> {
    value: &'a Value,
    pointer: &'a str,
}

/// Compares `old` with `new`; changes come grouped by operation, `(global)`
/// first, then operations in the new spec's order, then removed ones. A node
/// reached twice within one operation (a component shared by its `200` and
/// `201` responses) is reported once per rule.
pub(super) fn diff(old: &LoadedSpec, new: &LoadedSpec) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
        operation: GLOBAL.to_string(),
        endpoint: None,
        stack: Vec::new(),
    };
    differ.global();
    differ.operations();
    let mut seen = BTreeSet::new();
    differ.changes.retain(|c| {
        seen.insert((
            c.operation.clone(),
            c.pointer.clone(),
            c.rule.clone(),
            c.level,
        ))
    });
    differ.changes
}

struct Differ<'a> {
    old: &'a LoadedSpec,
    new: &'a LoadedSpec,
    changes: Vec<Change>,
    operation: String,
    endpoint: Option<String>,
    /// Pairs of schema pointers being compared, to stop on recursive schemas.
    stack: Vec<(String, String)>,
}

/// Follows `$ref`s, returning the target and its pointer (the component's).
fn resolve<'a>(spec: &'a LoadedSpec, value: &'a Value, pointer: &str) -> (&'a Value, String) {
    crate::schema::deref_at(spec, value, pointer)
}
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn show_opt(value: Option<&Value>) -> String {
    value.map(show).unwrap_or_else(|| "(none)".to_string())
}

impl<'a> Differ<'a> {
    fn emit(&mut self, level: Level, pointer: &str, rule: &str, message: String) {
        self.changes.push(Change {
            level,
            operation: self.operation.clone(),
            endpoint: self.endpoint.clone(),
            pointer: pointer.to_string(),
            rule: rule.to_string(),
            message,
        });
    }

    /// Documentation keywords of two objects, reported as informational.
    fn docs(&mut self, old: Node<'_>, new: Node<'_>, subject: &str) {
        for key in DOC_KEYWORDS {
            let (a, b) = (old.value.get(key), new.value.get(key));
            if a != b {
                let pointer = if b.is_some() {
                    new.pointer
                } else {
                    old.pointer
                };
                self.emit(
                    Level::Informational,
                    &format!("{pointer}/{key}"),
                    &format!("{}-changed", key.to_kebab_case()),
                    format!("{subject}: `{key}` edited"),
                );
            }
        }
    }
}
