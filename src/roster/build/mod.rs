//! Builds the roster model of one file from its located YAML tree, reporting every mistake
//! of the file (unknown keys, wrong types, bad values, duplicate keys) instead of stopping at
//! the first.
//!
//! Each section of a file (the top level, `settings`, a user, a group, …) is a table of its
//! keys in [`section`], each key with the function that builds its value into the model: the
//! table is the one list of the keys a section accepts, so an accepted key always has a
//! builder. The values themselves (text, booleans, enumerations, lists, …) are read by
//! [`value`].

mod access;
mod section;
mod value;

pub(crate) use value::PERMISSIONS;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::diagnostic::Diagnostic;
use super::model::{FileId, Source};
use super::node::{Node, NodeKind, Pos};
use super::suggest::closest;

/// Builds the model of one file and collects its diagnostics.
pub(crate) struct Builder<'a> {
    file: &'a str,
    file_id: FileId,
    /// Everything found wrong so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// One key of a section: its name as written in YAML, and how its value is built into the
/// section's model `T`.
struct Key<T> {
    name: &'static str,
    build: fn(&mut Builder<'_>, &mut T, &mut Node, &'static str),
}

/// A key of a section (see [`Key`]).
const fn key<T>(
    name: &'static str,
    build: fn(&mut Builder<'_>, &mut T, &mut Node, &'static str),
) -> Key<T> {
    Key { name, build }
}

impl<'a> Builder<'a> {
    pub(crate) fn new(file: &'a str, file_id: FileId) -> Self {
        Self {
            file,
            file_id,
            diagnostics: Vec::new(),
        }
    }

    fn error(&mut self, pos: Pos, code: &'static str, message: String) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(self.file, pos, code, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn type_error(&mut self, node: &Node, key: &str, expected: &str) {
        let found = describe(node);
        self.error(
            node.pos,
            "invalid-type",
            format!("`{key}` must be {expected}, found {found}"),
        );
    }

    /// Builds a mapping into `model` with the keys of `tables`: every known key's value by
    /// its key's builder, in the order written. `None` when the node is not a mapping.
    fn section<T>(
        &mut self,
        node: &mut Node,
        what: &str,
        tables: &[&'static [Key<T>]],
        model: &mut T,
    ) -> Option<()> {
        for (key, value) in self.entries(node, what, tables)? {
            (key.build)(self, model, value, key.name);
        }
        Some(())
    }

    /// The entries of a mapping whose keys are in `tables`, first occurrence of each, with
    /// the key each is written under. Reports a node that is not a mapping, non-text keys,
    /// duplicate keys and unknown keys (with the closest known key, or the list of them).
    fn entries<'n, T>(
        &mut self,
        node: &'n mut Node,
        what: &str,
        tables: &[&'static [Key<T>]],
    ) -> Option<Vec<(&'static Key<T>, &'n mut Node)>> {
        let known = || tables.iter().flat_map(|table| table.iter());
        let pos = node.pos;
        let found = match &node.kind {
            NodeKind::Map(_) => String::new(),
            _ => describe(node),
        };
        let NodeKind::Map(entries) = &mut node.kind else {
            self.error(
                pos,
                "invalid-type",
                format!("{what} must be a mapping of keys to values, found {found}"),
            );
            return None;
        };
        let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut result = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let key: &Node = key;
            let Some(name) = key.as_str() else {
                let found = describe(key);
                self.error(
                    key.pos,
                    "invalid-key",
                    format!("keys of {what} must be text, found {found}"),
                );
                continue;
            };
            if let Some(first) = seen.get(name) {
                let line = first.line;
                self.error(
                    key.pos,
                    "duplicate-key",
                    format!("duplicate key `{name}` in {what} (first written on line {line})"),
                )
                .hints
                .push("YAML keeps only one value per key: remove one of them".into());
                continue;
            }
            seen.insert(name, key.pos);
            if let Some(known_key) = known().find(|k| k.name == name) {
                result.push((known_key, value));
            } else {
                let suggestion = closest(name, known().map(|k| k.name));
                let diagnostic = self.error(
                    key.pos,
                    "unknown-key",
                    format!("unknown key `{name}` in {what}"),
                );
                match suggestion {
                    Some(s) => diagnostic.hints.push(format!("did you mean `{s}`?")),
                    None => diagnostic.hints.push(format!(
                        "the keys of {what} are {}",
                        quoted(known().map(|k| k.name))
                    )),
                }
            }
        }
        Some(result)
    }

    fn list<T>(
        &mut self,
        node: &mut Node,
        key: &str,
        mut item: impl FnMut(&mut Self, &mut Node) -> Option<T>,
    ) -> Vec<T> {
        match &mut node.kind {
            NodeKind::Seq(items) => {
                // Each item's subtree is dropped once built, so the tree shrinks as the model
                // grows instead of both being whole at once.
                let items = std::mem::take(items);
                let mut built = Vec::with_capacity(items.len());
                built.extend(items.into_iter().filter_map(|mut i| item(self, &mut i)));
                return built;
            }
            NodeKind::Null => return Vec::new(),
            _ => {}
        }
        self.type_error(node, key, "a list");
        Vec::new()
    }

    /// Reports an entry of a named section (custom role, organization, group) without a
    /// `name`; a `name` written with a bad value was reported already.
    fn require_name(&mut self, node: &Node, name: &str, what: &str) -> Option<()> {
        if !name.is_empty() {
            return Some(());
        }
        if !has_key(node, "name") {
            self.error(node.pos, "missing-name", format!("{what} has no `name`"))
                .hints
                .push(format!(
                    "every {what} needs a `name`: users refer to it by that name"
                ));
        }
        None
    }

    fn source(&self, node: &Node) -> Source {
        Source {
            file: self.file_id,
            pos: node.pos,
        }
    }
}

/// Whether a mapping node writes `key` (even with a value that was rejected).
fn has_key(node: &Node, key: &str) -> bool {
    matches!(&node.kind, NodeKind::Map(entries) if entries.iter().any(|(k, _)| k.as_str() == Some(key)))
}

/// The node as an error message names it: its type, and its text when short.
fn describe(node: &Node) -> String {
    match &node.kind {
        NodeKind::Str(s) if s.chars().count() <= 40 => format!("text `{s}`"),
        NodeKind::Int(_, text) | NodeKind::Float(_, text) => format!("the number `{text}`"),
        NodeKind::Bool(b) => format!("`{b}`"),
        other => other.type_name().to_owned(),
    }
}

fn quoted<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
