//! Reading the values of a roster file: text, booleans, enumerations, lists of names and
//! tags, limits, locales, custom user fields and custom-role permissions. Each reader
//! reports a value of the wrong type or form and returns nothing for it.

use std::collections::BTreeMap;

use super::super::model::{Field, Located, Percent, Threshold};
use super::super::node::{Node, NodeKind, Pos};
use super::super::suggest::closest;
use super::{Builder, describe, quoted};

impl Builder<'_> {
    pub(super) fn string(&mut self, node: &mut Node, key: &str) -> Option<Located<String>> {
        let pos = node.pos;
        if let NodeKind::Str(s) = &mut node.kind {
            // Each value is read once: the model takes the text, no copy.
            return Some(Located::new(std::mem::take(s), pos));
        }
        // A number written without quotes where text is expected (an employee id, a phone
        // number) is the text as written: `0042`, `+4930123456` and `555.1234` stay so.
        // `.inf` and `.nan` are no numbers to JSON, so the schema cannot take them as text.
        match &mut node.kind {
            NodeKind::Int(_, text) => return Some(Located::new(std::mem::take(text).into(), pos)),
            NodeKind::Float(value, text) if value.is_finite() => {
                return Some(Located::new(std::mem::take(text).into(), pos));
            }
            _ => {}
        }
        self.type_error(node, key, "text");
        if let NodeKind::Float(_, text) = &node.kind {
            self.diagnostics
                .last_mut()
                .expect("just pushed")
                .hints
                .push(format!(
                    "`{text}` is no number JSON can hold; write `\"{text}\"` for the text"
                ));
        }
        None
    }

    /// A count (of users, admins, days): a whole number from 0 to `u32::MAX`. `5.0` is 5, as it is to JSON
    /// and so to an editor checking the schema.
    pub(super) fn count(
        &mut self,
        node: &mut Node,
        key: &str,
        expected: &str,
    ) -> Option<Located<u32>> {
        match whole_number(&node.kind) {
            Some(n) if n > i128::from(u32::MAX) => {
                let found = describe(node);
                self.error(
                    node.pos,
                    "number-out-of-range",
                    format!("`{key}` of {found} is out of range"),
                )
                .hints
                .push(format!("`{key}` is at most {}", u32::MAX));
            }
            Some(n) if n >= 0 => {
                return u32::try_from(n).ok().map(|n| Located::new(n, node.pos));
            }
            _ => self.type_error(node, key, expected),
        }
        None
    }

    pub(super) fn non_empty_string(
        &mut self,
        node: &mut Node,
        key: &str,
    ) -> Option<Located<String>> {
        let value = self.string(node, key)?;
        if value.value.trim().is_empty() {
            self.error(
                node.pos,
                "empty-value",
                format!("`{key}` must not be empty"),
            );
            return None;
        }
        Some(value)
    }

    pub(super) fn nullable_string(&mut self, node: &mut Node, key: &str) -> Field<String> {
        if matches!(node.kind, NodeKind::Null) {
            return Field::Null(node.pos);
        }
        self.string(node, key).map_or(Field::Absent, Field::Value)
    }

    pub(super) fn boolean(&mut self, node: &mut Node, key: &str) -> Option<Located<bool>> {
        if let NodeKind::Bool(b) = node.kind {
            return Some(Located::new(b, node.pos));
        }
        let found = describe(node);
        let diagnostic = self.error(
            node.pos,
            "invalid-type",
            format!("`{key}` must be `true` or `false`, found {found}"),
        );
        if let Some(text) = node.as_str() {
            let lowered = text.to_lowercase();
            if lowered == "true" || lowered == "false" {
                diagnostic.hints.push(format!(
                    "remove the quotes: `\"{text}\"` is text, `{lowered}` is a boolean"
                ));
            } else if ["yes", "no", "on", "off", "y", "n"].contains(&lowered.as_str()) {
                diagnostic.hints.push(format!(
                    "YAML 1.2 spells booleans `true` and `false`; `{text}` is text"
                ));
            }
        }
        None
    }

    pub(super) fn enumeration<T: Copy>(
        &mut self,
        node: &mut Node,
        key: &str,
        values: &[(&str, T)],
    ) -> Option<Located<T>> {
        let text = if let NodeKind::Str(s) = &node.kind {
            s.as_str()
        } else {
            let expected = format!("one of {}", quoted(values.iter().map(|(n, _)| *n)));
            self.type_error(node, key, &expected);
            return None;
        };
        if let Some((_, value)) = values.iter().find(|(name, _)| *name == text) {
            return Some(Located::new(*value, node.pos));
        }
        let suggestion = closest(text, values.iter().map(|(n, _)| *n));
        let expected = quoted(values.iter().map(|(n, _)| *n));
        let diagnostic = self.error(
            node.pos,
            "invalid-value",
            format!("invalid {key} `{text}`; expected one of {expected}"),
        );
        if let Some(s) = suggestion {
            diagnostic.hints.push(format!("did you mean `{s}`?"));
        }
        None
    }

    pub(super) fn string_list(
        &mut self,
        node: &mut Node,
        key: &str,
    ) -> Option<Located<Vec<Located<String>>>> {
        self.checked_list(node, key, |b, item| b.non_empty_string(item, key))
    }

    /// A list of tags: like other lists, plus Zendesk's rules for a tag; duplicates compare
    /// case-insensitively because Zendesk stores tags in lower case.
    pub(super) fn tag_list(&mut self, node: &mut Node) -> Option<Located<Vec<Located<String>>>> {
        if let NodeKind::Str(text) = &node.kind {
            let items = text
                .split([' ', ','])
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            self.type_error(node, "tags", "a list");
            self.diagnostics
                .last_mut()
                .expect("just pushed")
                .hints
                .push(format!("write `tags: [{items}]`"));
            return None;
        }
        self.checked_list(node, "tags", Self::tag)
    }

    fn checked_list(
        &mut self,
        node: &mut Node,
        key: &str,
        mut item_of: impl FnMut(&mut Self, &mut Node) -> Option<Located<String>>,
    ) -> Option<Located<Vec<Located<String>>>> {
        let pos = node.pos;
        if let NodeKind::Seq(items) = &mut node.kind {
            let mut values = Vec::with_capacity(items.len());
            let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
            for item in items {
                let item_pos = item.pos;
                let Some(value) = item_of(self, item) else {
                    continue;
                };
                let folded = value.value.to_lowercase();
                if let Some(first) = seen.get(&folded) {
                    let line = first.line;
                    self.error(
                        item_pos,
                        "duplicate-item",
                        format!(
                            "`{}` is listed twice in `{key}` (first on line {line})",
                            value.value
                        ),
                    );
                    continue;
                }
                seen.insert(folded, item_pos);
                values.push(value);
            }
            return Some(Located::new(values, pos));
        }
        match &node.kind {
            // `null` clears every membership: the same as an empty list.
            NodeKind::Null => Some(Located::new(Vec::new(), node.pos)),
            // A single name where a list is expected is a common slip worth a precise hint.
            NodeKind::Str(s) => {
                self.type_error(node, key, "a list");
                self.diagnostics
                    .last_mut()
                    .expect("just pushed")
                    .hints
                    .push(format!("write `{key}: [{s}]`"));
                None
            }
            _ => {
                self.type_error(node, key, "a list");
                None
            }
        }
    }

    pub(super) fn threshold(&mut self, node: &mut Node, key: &str) -> Option<Located<Threshold>> {
        const EXPECTED: &str = "a number of users or a percentage like \"10%\"";
        if whole_number(&node.kind).is_some() {
            let count = self.count(node, key, EXPECTED)?;
            return Some(Located::new(Threshold::Count(count.value), count.pos));
        }
        let percentage = node.as_str().and_then(percentage);
        match percentage {
            Some(p) if p <= 100.0 => Some(Located::new(Threshold::Percent(Percent(p)), node.pos)),
            Some(_) => {
                let text = node.as_str().unwrap_or_default();
                self.error(
                    node.pos,
                    "percentage-out-of-range",
                    format!("`{key}` of `{text}` is out of range"),
                )
                .hints
                .push("a percentage is between 0% and 100% of the in-scope users".into());
                None
            }
            None => {
                self.type_error(node, key, EXPECTED);
                if node.as_str().is_some_and(|text| text.contains('%')) {
                    self.diagnostics
                        .last_mut()
                        .expect("just pushed")
                        .hints
                        .push("write a percentage as digits, an optional fraction and `%`: `10%`, `2.5%`, `20 %`".into());
                }
                None
            }
        }
    }

    fn tag(&mut self, node: &mut Node) -> Option<Located<String>> {
        let tag = self.non_empty_string(node, "tags")?;
        if tag.value.chars().any(|c| c.is_whitespace() || c == ',') {
            self.error(
                node.pos,
                "invalid-tag",
                format!("tag `{}` contains a space or comma", tag.value),
            )
            .hints
            .push(
                "Zendesk splits tags at spaces and commas; use `_` or `-` instead, or several tags"
                    .into(),
            );
            return None;
        }
        Some(tag)
    }

    pub(super) fn nullable_name(&mut self, node: &mut Node, key: &str) -> Field<String> {
        if matches!(node.kind, NodeKind::Null) {
            return Field::Null(node.pos);
        }
        self.non_empty_string(node, key)
            .map_or(Field::Absent, Field::Value)
    }

    pub(super) fn locale(&mut self, node: &mut Node) -> Option<Located<String>> {
        let locale = self.non_empty_string(node, "locale")?;
        let mut parts = locale.value.split('-');
        let language_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(language_ok && rest_ok) {
            self.error(
                node.pos,
                "invalid-locale",
                format!("`{}` is not a locale", locale.value),
            )
            .hints
            .push("write a locale such as `en-US`, `de` or `pt-BR`".into());
            return None;
        }
        Some(locale)
    }

    pub(super) fn user_fields(
        &mut self,
        node: &mut Node,
    ) -> BTreeMap<String, Located<serde_json::Value>> {
        let mut fields = BTreeMap::new();
        let NodeKind::Map(entries) = &node.kind else {
            self.type_error(node, "user_fields", "a mapping of field keys to values");
            return fields;
        };
        for (key, value) in entries {
            let Some(name) = key.as_str() else {
                let found = describe(key);
                self.error(
                    key.pos,
                    "invalid-key",
                    format!("user field keys must be text, found {found}"),
                );
                continue;
            };
            if fields.contains_key(name) {
                self.error(
                    key.pos,
                    "duplicate-key",
                    format!("duplicate key `{name}` in `user_fields`"),
                );
                continue;
            }
            let json = match &value.kind {
                NodeKind::Seq(_) | NodeKind::Map(_) => None,
                _ => to_json(value).ok(),
            };
            let Some(json) = json else {
                self.type_error(
                    value,
                    &format!("user_fields.{name}"),
                    "text, a number, `true`/`false` or null",
                );
                continue;
            };
            fields.insert(name.to_owned(), Located::new(json, value.pos));
        }
        fields
    }

    pub(super) fn configuration(
        &mut self,
        node: &mut Node,
    ) -> BTreeMap<String, Located<serde_json::Value>> {
        let mut configuration = BTreeMap::new();
        let NodeKind::Map(entries) = &node.kind else {
            self.type_error(node, "configuration", "a mapping of permissions to values");
            return configuration;
        };
        for (key, value) in entries {
            let Some(name) = key.as_str() else {
                self.type_error(key, "configuration keys", "text");
                continue;
            };
            let json = match to_json(value) {
                Ok(json) => json,
                Err(bad) => {
                    let found = describe(bad);
                    self.error(
                        bad.pos,
                        "invalid-value",
                        format!("`configuration.{name}` holds {found}, which JSON cannot carry to Zendesk"),
                    );
                    continue;
                }
            };
            if let Some((_, allowed)) = PERMISSIONS
                .iter()
                .find(|(permission, _)| *permission == name)
            {
                let ok = json.as_str().is_some_and(|s| allowed.contains(&s));
                if !ok {
                    let found = describe(value);
                    let suggestion = json
                        .as_str()
                        .and_then(|s| closest(s, allowed.iter().copied()));
                    let diagnostic = self.error(
                        value.pos,
                        "invalid-value",
                        format!(
                            "invalid `{name}` {found}; expected one of {}",
                            quoted(allowed.iter().copied())
                        ),
                    );
                    if let Some(s) = suggestion {
                        diagnostic.hints.push(format!("did you mean `{s}`?"));
                    }
                    continue;
                }
            }
            configuration.insert(name.to_owned(), Located::new(json, value.pos));
        }
        configuration
    }
}

/// The custom-role permissions whose values API.md lists, with those values; other
/// permissions are passed to Zendesk as written.
pub(crate) const PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "ticket_access",
        &[
            "all",
            "assigned-only",
            "within-groups",
            "within-groups-and-public-groups",
            "within-organization",
        ],
    ),
    (
        "end_user_profile_access",
        &["edit", "edit-within-org", "full", "readonly"],
    ),
];

/// The value of a number that is whole (`5`, `5.0`, `1e3`), which a limit or a version may
/// be; `None` for anything else, fractions and `.inf` included. Beyond `i128`, the nearest
/// `i128`: out of every range zroster has.
pub(super) fn whole_number(kind: &NodeKind) -> Option<i128> {
    match kind {
        NodeKind::Int(n, _) => Some(i128::from(*n)),
        NodeKind::Float(f, _) if f.is_finite() && f.fract() == 0.0 => Some(*f as i128),
        _ => None,
    }
}

/// The number of a percentage written as digits, an optional fraction, an optional space and
/// `%`: `10%`, `2.5%`, `20 %`. Other spellings (`.5%`, `+5%`, `1e1%`, `5%%`, ` 5%`) are not
/// percentages; the schema's `Percentage` pattern says the same.
fn percentage(text: &str) -> Option<f64> {
    let number = text.strip_suffix('%')?;
    let number = number.strip_suffix(' ').unwrap_or(number);
    let (whole, fraction) = number
        .split_once('.')
        .map_or((number, None), |(w, f)| (w, Some(f)));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return None;
    }
    number.parse().ok()
}

/// The node as JSON; `Err` with the part JSON cannot hold: `.inf`, `.nan`, a key that is not
/// text.
fn to_json(node: &Node) -> Result<serde_json::Value, &Node> {
    Ok(match &node.kind {
        NodeKind::Null => serde_json::Value::Null,
        NodeKind::Bool(b) => serde_json::Value::Bool(*b),
        NodeKind::Int(n, _) => serde_json::Value::from(*n),
        NodeKind::Float(f, _) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or(node)?,
        NodeKind::Str(s) => serde_json::Value::String(s.clone()),
        NodeKind::Seq(items) => items.iter().map(to_json).collect::<Result<_, _>>()?,
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| Ok((k.as_str().ok_or(k)?.to_owned(), to_json(v)?)))
            .collect::<Result<_, _>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::percentage;

    #[test]
    fn percentages_are_digits_a_fraction_a_space_and_a_percent_sign() {
        for (text, value) in [
            ("10%", 10.0),
            ("2.5%", 2.5),
            ("20 %", 20.0),
            ("005%", 5.0),
            ("100.0%", 100.0),
            ("150%", 150.0),
        ] {
            assert_eq!(percentage(text), Some(value), "{text}");
        }
        for text in [
            "10", ".5%", "5.%", "+5%", "-0%", "1e1%", "5%%", " 5%", "10% ", "20  %", "%", "ten%",
            "inf%", "NaN%",
        ] {
            assert_eq!(percentage(text), None, "{text}");
        }
    }
}
