//! `--record DIR`: the probe's exchanges, one file per experiment, in the normalized format
//! of `zendesk/recorded/` (INDEX.md): the account's host rewritten to
//! `example.zendesk.com`, no request headers (so no credentials), only the kept response
//! headers, `authenticity_token` redacted, the admin's name and address and the probe's
//! domain replaced by neutral ones, and every other personal field of a user that is not
//! the probe's own (phone, signature, notes, details, alias, photo, tags, user-field values)
//! replaced by `<redacted>`, keeping its type, so the shapes stay those of Zendesk.

use serde_json::{Map, Value, json};

use super::exchange::Exchange;
use super::report::ProbeReport;

/// The recordings of `exchanges`: `(file name, content)`, one per experiment.
pub(crate) fn recordings(exchanges: &[Exchange], report: &ProbeReport) -> Vec<(String, Value)> {
    let mut replacements: Vec<(String, String)> = Vec::new();
    let account = report.account.trim_end_matches('/').to_owned();
    replacements.push((account, "https://example.zendesk.com".to_owned()));
    if let Some(me) = exchanges
        .iter()
        .find(|e| e.path.ends_with("/users/me") || e.path.ends_with("/users/me.json"))
    {
        for (key, neutral) in [("email", "admin-one@example.com"), ("name", "ADMIN ONE")] {
            if let Some(value) = me
                .body
                .pointer(&format!("/user/{key}"))
                .and_then(Value::as_str)
                && !value.is_empty()
            {
                replacements.push((value.to_owned(), neutral.to_owned()));
            }
        }
    }
    let domain = exchanges
        .iter()
        .find_map(|e| {
            e.request
                .as_ref()
                .and_then(|r| r.pointer("/user/email").and_then(Value::as_str))
                .and_then(|email| email.split_once('@').map(|(_, d)| d.to_owned()))
        })
        .filter(|d| d != "example.com");
    if let Some(domain) = domain {
        replacements.push((format!("@{domain}"), "@example.com".to_owned()));
    }
    let mut files: Vec<(String, Vec<Value>)> = Vec::new();
    for e in exchanges {
        let mut request_body = e.request.clone().unwrap_or(Value::Null);
        let mut body = e.body.clone();
        let mut redacted = Vec::new();
        redact_people(&mut body, &report.prefix, &mut redacted);
        normalize(&mut request_body, &replacements, &mut redacted);
        normalize(&mut body, &replacements, &mut redacted);
        let mut headers = e.headers.clone();
        for value in headers.values_mut() {
            normalize(value, &replacements, &mut redacted);
        }
        let mut exchange = json!({
            "request": {"method": e.method, "path": e.path, "query": e.query, "body": request_body},
            "response": {"status": e.status, "headers": headers, "body": body},
            "recorded_at": e.at,
        });
        if !redacted.is_empty() {
            exchange["redacted"] = json!(redacted);
        }
        match files.iter_mut().find(|(name, _)| *name == e.experiment) {
            Some((_, list)) => list.push(exchange),
            None => files.push((e.experiment.clone(), vec![exchange])),
        }
    }
    files
        .into_iter()
        .map(|(experiment, exchanges)| {
            let content = json!({
                "source": {"repo": "zroster probe", "path": experiment, "kind": "recorded",
                           "tool": concat!("zroster ", env!("CARGO_PKG_VERSION"))},
                "exchanges": exchanges,
                "notes": [format!("Recorded by `zroster probe` (objects under the prefix `{}`); normalized as INDEX.md says: host, admin and domain rewritten, no request headers.", report.prefix)],
            });
            (format!("zroster-probe__{experiment}.json"), content)
        })
        .collect()
}

/// The fields of a user that describe a person, beyond the name and address (which are
/// replaced by neutral ones).
const PERSONAL: [&str; 10] = [
    "phone",
    "shared_phone_number",
    "signature",
    "details",
    "notes",
    "alias",
    "photo",
    "remote_photo_url",
    "tags",
    "user_fields",
];

/// Redacts the personal fields of every user in `value` that is not the probe's own (its
/// name, external id or email under `prefix`): a string becomes `<redacted>`, a list or an
/// object keeps its keys and has its values redacted, so the shape stays.
fn redact_people(value: &mut Value, prefix: &str, redacted: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for item in items {
                redact_people(item, prefix, redacted);
            }
        }
        Value::Object(map) => {
            let a_user = map.contains_key("role") && map.contains_key("email");
            let mine = ["name", "external_id", "email"].iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.starts_with(prefix))
            });
            if a_user && !mine {
                for key in PERSONAL {
                    if let Some(field) = map.get_mut(key)
                        && !field.is_null()
                    {
                        redact_values(field);
                        if !redacted.iter().any(|r| r == key) {
                            redacted.push(key.to_owned());
                        }
                    }
                }
            }
            for item in map.values_mut() {
                redact_people(item, prefix, redacted);
            }
        }
        _ => {}
    }
}

/// Every string of `value` replaced by `<redacted>` and every number by 0; keys, booleans
/// and nulls kept, so each value keeps its type.
fn redact_values(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(redact_values),
        Value::Object(map) => map.values_mut().for_each(redact_values),
        Value::String(text) => "<redacted>".clone_into(text),
        Value::Number(_) => *value = Value::from(0),
        Value::Null | Value::Bool(_) => {}
    }
}

/// Rewrites every string of `value` and redacts `authenticity_token`.
fn normalize(value: &mut Value, replacements: &[(String, String)], redacted: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            for (from, to) in replacements {
                if text.contains(from.as_str()) {
                    *text = text.replace(from.as_str(), to);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                normalize(item, replacements, redacted);
            }
        }
        Value::Object(map) => normalize_map(map, replacements, redacted),
        _ => {}
    }
}

fn normalize_map(
    map: &mut Map<String, Value>,
    replacements: &[(String, String)],
    redacted: &mut Vec<String>,
) {
    for (key, value) in map.iter_mut() {
        if key == "authenticity_token" {
            *value = Value::String("<redacted>".into());
            if !redacted.iter().any(|r| r == key) {
                redacted.push(key.clone());
            }
        } else {
            normalize(value, replacements, redacted);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_personal_fields_of_users_not_the_probes_are_redacted_keeping_their_types() {
        let mut body = json!({"users": [
            {"id": 1, "role": "admin", "name": "Ada", "email": "ada@acme.com", "phone": "+1 555",
             "signature": null, "tags": ["vip"], "alias": "A", "verified": true,
             "user_fields": {"employee_id": 1042, "team": "support", "remote": false}},
            {"id": 2, "role": "end-user", "name": "zroster-probe-1-1", "email": "zroster-probe-1-1@example.com",
             "external_id": "zroster-probe-1-1", "tags": ["kept"], "phone": "kept"}
        ]});
        let mut redacted = Vec::new();
        super::redact_people(&mut body, "zroster-probe-1", &mut redacted);
        assert_eq!(
            body["users"][0],
            json!({"id": 1, "role": "admin", "name": "Ada", "email": "ada@acme.com",
                   "phone": "<redacted>", "signature": null, "tags": ["<redacted>"],
                   "alias": "<redacted>", "verified": true,
                   "user_fields": {"employee_id": 0, "team": "<redacted>", "remote": false}}),
            "the name and address are replaced by neutral ones elsewhere"
        );
        assert_eq!(
            body["users"][1]["tags"],
            json!(["kept"]),
            "the probe's own user is as answered"
        );
        assert_eq!(body["users"][1]["phone"], "kept");
        assert_eq!(redacted, ["phone", "alias", "tags", "user_fields"]);
    }
}
