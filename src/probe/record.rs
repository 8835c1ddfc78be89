//! `--record DIR`: the probe's exchanges, one file per experiment, in the normalized format
//! of `zendesk/recorded/` (INDEX.md): the account's host rewritten to
//! `example.zendesk.com`, no request headers (so no credentials), only the kept response
//! headers, `authenticity_token` redacted, the admin's name and address and the probe's
//! domain replaced by neutral ones.

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
