//! Counts of what a client sent, so commands can report API cost and retries.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// Requests, retries and waits of one client (and every clone of it) so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequestStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests that were repeats of an earlier failed attempt.
    pub retries: u64,
    /// Requests by endpoint (`GET /api/v2/users`; ids as `{id}`, no `.json`, no query), the
    /// same normalisation as the emulator's `/__fake/requests`.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Answers by HTTP status; connection failures are not in it.
    pub by_status: BTreeMap<u16, u64>,
    /// Attempts that failed without an HTTP answer (refused, reset, timed out).
    pub connection_errors: u64,
    /// Time spent waiting for the rate limit (pacing, the incremental export's spacing and
    /// `Retry-After`), summed over requests.
    pub rate_limit_wait: Duration,
    /// Bulk jobs submitted.
    pub jobs_submitted: u64,
    /// Time bulk operations spent waiting for their jobs (the sleeps between polls and the
    /// polls themselves), summed over operations.
    pub job_wait: Duration,
}

impl RequestStats {
    /// What happened after `earlier` (a snapshot of the same client's stats).
    #[must_use]
    pub fn since(&self, earlier: &RequestStats) -> RequestStats {
        RequestStats {
            requests: self.requests - earlier.requests,
            retries: self.retries - earlier.retries,
            by_endpoint: minus(&self.by_endpoint, &earlier.by_endpoint),
            by_status: minus(&self.by_status, &earlier.by_status),
            connection_errors: self.connection_errors - earlier.connection_errors,
            rate_limit_wait: self.rate_limit_wait.saturating_sub(earlier.rate_limit_wait),
            jobs_submitted: self.jobs_submitted - earlier.jobs_submitted,
            job_wait: self.job_wait.saturating_sub(earlier.job_wait),
        }
    }

    /// Requests to one endpoint.
    #[must_use]
    pub fn count(&self, endpoint: &str) -> u64 {
        self.by_endpoint.get(endpoint).copied().unwrap_or(0)
    }
}

/// `now - then` per key, keeping only keys that grew.
fn minus<K: Ord + Clone>(now: &BTreeMap<K, u64>, then: &BTreeMap<K, u64>) -> BTreeMap<K, u64> {
    now.iter()
        .filter_map(|(key, n)| {
            let delta = n - then.get(key).copied().unwrap_or(0);
            (delta > 0).then(|| (key.clone(), delta))
        })
        .collect()
}

/// Normalises a method and path the way the emulator counts them: numeric segments and job
/// ids become `{id}`, a `.json` suffix is dropped.
#[must_use]
pub fn endpoint_key(method: &str, path: &str) -> String {
    let path = path.strip_suffix(".json").unwrap_or(path);
    let mut out = String::with_capacity(path.len() + method.len() + 1);
    out.push_str(method);
    out.push(' ');
    let mut previous = "";
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let is_id = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        let is_job_id = previous == "job_statuses" && segment != "show_many" && !segment.is_empty();
        out.push_str(if is_id || is_job_id { "{id}" } else { segment });
        previous = segment;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::endpoint_key;

    #[test]
    fn endpoint_keys_match_the_emulator() {
        assert_eq!(endpoint_key("GET", "/api/v2/users"), "GET /api/v2/users");
        assert_eq!(
            endpoint_key("GET", "/api/v2/users.json"),
            "GET /api/v2/users"
        );
        assert_eq!(
            endpoint_key("PUT", "/api/v2/users/12/identities/34/make_primary"),
            "PUT /api/v2/users/{id}/identities/{id}/make_primary"
        );
        assert_eq!(
            endpoint_key("GET", "/api/v2/job_statuses/V3-abc.json"),
            "GET /api/v2/job_statuses/{id}"
        );
        assert_eq!(
            endpoint_key("GET", "/api/v2/job_statuses/show_many"),
            "GET /api/v2/job_statuses/show_many"
        );
        assert_eq!(
            endpoint_key("GET", "/api/v2/users/show_many"),
            "GET /api/v2/users/show_many"
        );
    }
}
