//! Comparing one recorded answer with the emulator's: key sets, types, array lengths and every
//! value except ids, timestamps, urls and cursors (whose values name one account's objects
//! and moments), which are compared by type only.

use std::collections::BTreeSet;

use serde_json::Value;

/// The JSON type of a value, as differences name it.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Keys whose values are ids, timestamps, urls or cursors: compared by type only.
fn opaque(key: &str) -> bool {
    key == "id"
        || key.ends_with("_id")
        || key.ends_with("_ids")
        || key.ends_with("_at")
        || key.ends_with("_time")
        || key == "url"
        || key.ends_with("_url")
        || key == "next_page"
        || key == "previous_page"
        || key == "prev"
        || key == "next"
        || key.ends_with("_cursor")
        || key == "authenticity_token"
}

/// `Completed at 2023-09-18 23:30:22 +0000` and `Creating User #53` compare with their
/// digits folded, so the moment and the item number do not count.
fn folded(key: &str) -> bool {
    key == "message"
}

/// `Creating User #53` and `Creating User #7` compare equal; so do two timestamps.
pub(super) fn digits_as_n(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('N') {
                out.push('N');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares `recorded` with `actual` under `path`, adding each difference to `out`.
/// `truncated_from` is the original length of the one list the recording cut to 3 items.
pub(super) fn compare(
    path: &str,
    recorded: &Value,
    actual: &Value,
    truncated_from: Option<usize>,
    out: &mut BTreeSet<String>,
) {
    match (recorded, actual) {
        (Value::Object(r), Value::Object(a)) => {
            for k in r.keys().filter(|k| !a.contains_key(*k)) {
                out.insert(format!("missing key {path}.{k}"));
            }
            for k in a.keys().filter(|k| !r.contains_key(*k)) {
                out.insert(format!("extra key {path}.{k}"));
            }
            for (k, rv) in r {
                let Some(av) = a.get(k) else { continue };
                let here = format!("{path}.{k}");
                if opaque(k) {
                    if kind(rv) != kind(av) {
                        out.insert(format!(
                            "type {here}: recorded {} emulator {}",
                            kind(rv),
                            kind(av)
                        ));
                    }
                } else if folded(k)
                    && let (Some(rs), Some(as_)) = (rv.as_str(), av.as_str())
                {
                    if digits_as_n(rs) != digits_as_n(as_) {
                        out.insert(format!("value {here}: recorded {rv} emulator {av}"));
                    }
                } else {
                    compare(&here, rv, av, truncated_from, out);
                }
            }
        }
        // Tags are a set: Zendesk answers a user's PUT with one order and the next GET with
        // another (`grouparoo__users-export-profile-2020-08.json` [39]-[40]).
        (Value::Array(r), Value::Array(a)) if path.rsplit('.').next() == Some("tags") => {
            let sorted = |items: &[Value]| {
                let mut items: Vec<String> = items.iter().map(Value::to_string).collect();
                items.sort();
                items
            };
            if sorted(r) != sorted(a) {
                out.insert(format!(
                    "value {path}: recorded {recorded} emulator {actual}"
                ));
            }
        }
        (Value::Array(r), Value::Array(a)) => {
            // A list the recording cut keeps its first 3 items and its original length.
            let expected = match truncated_from {
                Some(n) if r.len() == 3 && n > 3 => n,
                _ => r.len(),
            };
            if expected != a.len() {
                out.insert(format!(
                    "length {path}: recorded {expected} emulator {}",
                    a.len()
                ));
            }
            for (rv, av) in r.iter().zip(a) {
                compare(&format!("{path}[]"), rv, av, truncated_from, out);
            }
        }
        _ if kind(recorded) != kind(actual) => {
            out.insert(format!(
                "type {path}: recorded {} emulator {}",
                kind(recorded),
                kind(actual)
            ));
        }
        _ if recorded != actual => {
            out.insert(format!(
                "value {path}: recorded {recorded} emulator {actual}"
            ));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[allow(clippy::needless_pass_by_value)] // keeps the json! call sites short
    fn diff(recorded: Value, actual: Value, truncated_from: Option<usize>) -> Vec<String> {
        let mut out = BTreeSet::new();
        compare("$", &recorded, &actual, truncated_from, &mut out);
        out.into_iter().collect()
    }

    #[test]
    fn values_lengths_and_keys_count_ids_and_times_do_not() {
        assert_eq!(
            diff(
                json!({"user": {"id": 1, "name": "A", "updated_at": "2020-01-01T00:00:00Z", "photos": ["x"], "tags": ["a", "b"]}}),
                json!({"user": {"id": 2, "name": "B", "updated_at": "2026-01-01T00:00:00Z", "photos": ["x", "y"], "tags": ["b", "a"], "extra": 1}}),
                None
            ),
            [
                "extra key $.user.extra",
                "length $.user.photos: recorded 1 emulator 2",
                "value $.user.name: recorded \"A\" emulator \"B\"",
            ]
        );
        assert_eq!(
            diff(json!({"user_id": 1}), json!({"user_id": null}), None),
            ["type $.user_id: recorded number emulator null"]
        );
        assert!(
            diff(
                json!({"message": "Completed at 2023-09-18 23:30:22 +0000"}),
                json!({"message": "Completed at 2026-11-29 10:00:01 +0000"}),
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn a_truncated_list_compares_its_original_length_and_first_items() {
        let recorded = json!({"users": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
        let actual = json!({"users": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]});
        assert!(diff(recorded.clone(), actual.clone(), Some(4)).is_empty());
        assert_eq!(
            diff(recorded, actual, Some(5)),
            ["length $.users: recorded 5 emulator 4"]
        );
    }
}
