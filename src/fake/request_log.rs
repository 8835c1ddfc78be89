//! Counts of API requests per normalised endpoint and per status, served by
//! `GET /__fake/requests` (a stable interface, DESIGN.md §9).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The request counts: `{"total", "by_endpoint", "by_status"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    /// All API requests since the start or the last reset.
    pub total: u64,
    /// Per `METHOD /api/v2/path` with ids as `{id}`, `.json` dropped, no query.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Per status code (`"200"`); a dropped connection counts as `"dropped"`.
    pub by_status: BTreeMap<String, u64>,
}

fn is_id(segment: &str) -> bool {
    (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
        || segment.starts_with("V3-")
        || (segment.len() == 32 && segment.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `GET /api/v2/users/12.json` → `GET /api/v2/users/{id}`.
#[must_use]
pub(crate) fn endpoint_key(method: &str, path: &str) -> String {
    let path = path.strip_suffix(".json").unwrap_or(path);
    let normalised: Vec<&str> = path
        .split('/')
        .map(|s| if is_id(s) { "{id}" } else { s })
        .collect();
    format!("{method} {}", normalised.join("/"))
}

impl RequestCounts {
    /// Counts one request.
    pub fn record(&mut self, endpoint: String, status: &str) {
        self.total += 1;
        *self.by_endpoint.entry(endpoint).or_insert(0) += 1;
        *self.by_status.entry(status.to_owned()).or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_suffix_are_normalised() {
        assert_eq!(
            endpoint_key("PUT", "/api/v2/users/123/identities/456/make_primary.json"),
            "PUT /api/v2/users/{id}/identities/{id}/make_primary"
        );
        assert_eq!(
            endpoint_key("GET", "/api/v2/job_statuses/V3-abc.json"),
            "GET /api/v2/job_statuses/{id}"
        );
        assert_eq!(endpoint_key("GET", "/api/v2/users"), "GET /api/v2/users");
    }
}
