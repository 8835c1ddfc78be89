//! Recorded ids mapped to the emulator's: learned from created objects, job ids and job results,
//! and used to rewrite the paths, queries and bodies of later requests.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::seed::COLLECTIONS;

/// Recorded id → emulator id, learned from created objects, job ids and job results.
#[derive(Default)]
pub(super) struct Ids(HashMap<String, String>);

impl Ids {
    pub(super) fn learn(&mut self, recorded: &Value, actual: &Value) {
        let mut pair = |r: &Value, a: &Value| {
            let (r, a) = (
                r.to_string().trim_matches('"').to_owned(),
                a.to_string().trim_matches('"').to_owned(),
            );
            if r != "null" && a != "null" {
                self.0.entry(r).or_insert(a);
            }
        };
        for (single, _, _) in COLLECTIONS {
            if let (Some(r), Some(a)) = (
                recorded.pointer(&format!("/{single}/id")),
                actual.pointer(&format!("/{single}/id")),
            ) {
                pair(r, a);
            }
        }
        if let (Some(r), Some(a)) = (
            recorded.get("identities").and_then(Value::as_array),
            actual.get("identities").and_then(Value::as_array),
        ) {
            for r in r {
                if let Some(a) = a.iter().find(|a| a["value"] == r["value"]) {
                    pair(&r["id"], &a["id"]);
                }
            }
        }
        if let (Some(r), Some(a)) = (
            recorded.pointer("/job_status/id"),
            actual.pointer("/job_status/id"),
        ) {
            pair(r, a);
        }
        if let (Some(r), Some(a)) = (
            recorded
                .pointer("/job_status/results")
                .and_then(Value::as_array),
            actual
                .pointer("/job_status/results")
                .and_then(Value::as_array),
        ) {
            for (r, a) in r.iter().zip(a) {
                if let (Some(r), Some(a)) = (r.get("id"), a.get("id")) {
                    pair(r, a);
                }
            }
        }
    }

    /// Rewrites every id token of `text` (digits, or `V3-…`).
    pub(super) fn rewrite(&self, text: &str) -> String {
        let mut out = String::new();
        let mut token = String::new();
        let flush = |token: &mut String, out: &mut String| {
            out.push_str(
                self.0
                    .get(token.as_str())
                    .map_or(token.as_str(), String::as_str),
            );
            token.clear();
        };
        for c in text.chars() {
            if c.is_ascii_alphanumeric() || c == '-' {
                token.push(c);
            } else {
                flush(&mut token, &mut out);
                out.push(c);
            }
        }
        flush(&mut token, &mut out);
        out
    }

    /// Rewrites the id inside a cursor (`page[after]=…`): base64 of `{"o", "v"}` whose `v`
    /// ends with the item's id as i64 little-endian.
    pub(super) fn rewrite_cursors(&self, query: &str) -> String {
        use base64::Engine as _;
        use base64::engine::general_purpose::STANDARD;
        let rewrite = |cursor: &str| -> Option<String> {
            let mut inner: Value = serde_json::from_slice(&STANDARD.decode(cursor).ok()?).ok()?;
            let mut raw = STANDARD.decode(inner["v"].as_str()?).ok()?;
            let at = raw.len().checked_sub(8)?;
            let id = i64::from_le_bytes(raw[at..].try_into().ok()?).to_string();
            let mapped: i64 = self.0.get(&id)?.parse().ok()?;
            raw[at..].copy_from_slice(&mapped.to_le_bytes());
            inner["v"] = json!(STANDARD.encode(raw));
            Some(STANDARD.encode(inner.to_string()))
        };
        query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) if key.starts_with("page%5B") && key != "page%5Bsize%5D" => {
                    let cursor = value.replace("%3D", "=");
                    rewrite(&cursor).map_or_else(
                        || pair.to_owned(),
                        |c| format!("{key}={}", c.replace('=', "%3D")),
                    )
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    pub(super) fn rewrite_json(&self, value: &Value) -> Value {
        match value {
            Value::Number(n) => self
                .0
                .get(&n.to_string())
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(value.clone(), |v| json!(v)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.rewrite_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.rewrite_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}
