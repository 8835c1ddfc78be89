//! Reading Zendesk's rate-limit headers and `Retry-After` (header, JSON body or text body).
//!
//! Zendesk has used three spellings: `X-Rate-Limit`/`X-Rate-Limit-Remaining` on every
//! response, `rate-limit`/`rate-limit-remaining`/`rate-limit-reset` (2021–2023) and
//! `ratelimit-limit`/`ratelimit-remaining`/`ratelimit-reset` (2024 on). All are read; when
//! several are present the tightest value wins.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// The account's rate-limit state as one response reported it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per minute.
    pub limit: Option<u32>,
    /// Requests left in the current window.
    pub remaining: Option<u32>,
    /// Seconds until the window resets.
    pub reset_secs: Option<u64>,
}

impl RateLimit {
    /// Reads every known spelling from response headers.
    #[must_use]
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |names: &[&str]| -> Option<u64> {
            names
                .iter()
                .filter_map(|name| {
                    headers
                        .get(*name)?
                        .to_str()
                        .ok()?
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
                .min()
        };
        let to_u32 = |value: u64| u32::try_from(value).unwrap_or(u32::MAX);
        Self {
            limit: number(&["x-rate-limit", "ratelimit-limit", "rate-limit"]).map(to_u32),
            remaining: number(&[
                "x-rate-limit-remaining",
                "ratelimit-remaining",
                "rate-limit-remaining",
            ])
            .map(to_u32),
            reset_secs: number(&["ratelimit-reset", "rate-limit-reset"]),
        }
    }

    /// Whether the response carried any rate-limit header.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some()
    }
}

/// The longest wait read from an answer, only so that any number fits a `Duration`: the
/// transport caps what it honours far lower (at a minute) and says what was asked.
const ASKED_AT_MOST: Duration = Duration::from_secs(1_000_000_000);

/// How long a 429/503 answer asks the client to wait: the `Retry-After` header (integer or
/// fractional seconds, or an HTTP date), else a `retry_after` number in a JSON body (top level
/// or in `errors[]`), else `retry after N` / `Retry-After: N` in a text body.
#[must_use]
pub fn retry_after(headers: &HeaderMap, body: &[u8]) -> Option<Duration> {
    if let Some(value) = headers
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
    {
        if let Some(duration) = parse_seconds(value) {
            return Some(duration);
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value.trim()) {
            let seconds = (date.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
            return Some(Duration::from_secs(u64::try_from(seconds).unwrap_or(0)));
        }
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        return json_retry_after(&json);
    }
    text_retry_after(&String::from_utf8_lossy(body))
}

fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(ASKED_AT_MOST.as_secs_f64())))
}

fn json_retry_after(json: &serde_json::Value) -> Option<Duration> {
    let from = |object: &serde_json::Value| {
        ["retry_after", "retry-after", "Retry-After", "retryAfter"]
            .iter()
            .find_map(|key| {
                let value = object.get(*key)?;
                value
                    .as_f64()
                    .and_then(|n| parse_seconds(&n.to_string()))
                    .or_else(|| parse_seconds(value.as_str()?))
            })
    };
    from(json).or_else(|| json.get("errors")?.as_array()?.iter().find_map(from))
}

fn text_retry_after(text: &str) -> Option<Duration> {
    let lower = text.to_ascii_lowercase();
    for marker in ["retry-after", "retry after", "retry in", "try again in"] {
        let mut rest = &lower[..];
        while let Some(at) = rest.find(marker) {
            let after = rest[at + marker.len()..].trim_start_matches([':', ' ', '=']);
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(seconds) = digits.parse::<u64>() {
                return Some(Duration::from_secs(seconds).min(ASKED_AT_MOST));
            }
            rest = &rest[at + marker.len()..];
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

    use super::{RateLimit, retry_after};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn reads_every_spelling() {
        let old = RateLimit::from_headers(&headers(&[
            ("x-rate-limit", "700"),
            ("x-rate-limit-remaining", "699"),
            ("rate-limit", "700"),
            ("rate-limit-remaining", "698"),
            ("rate-limit-reset", "41"),
        ]));
        assert_eq!(
            old,
            RateLimit {
                limit: Some(700),
                remaining: Some(698),
                reset_secs: Some(41)
            }
        );
        let new = RateLimit::from_headers(&headers(&[
            ("ratelimit-limit", "400"),
            ("ratelimit-remaining", "12"),
            ("ratelimit-reset", "7"),
        ]));
        assert_eq!(
            new,
            RateLimit {
                limit: Some(400),
                remaining: Some(12),
                reset_secs: Some(7)
            }
        );
        let x_only = RateLimit::from_headers(&headers(&[
            ("X-Rate-Limit", "200"),
            ("X-Rate-Limit-Remaining", "3"),
        ]));
        assert_eq!(
            x_only,
            RateLimit {
                limit: Some(200),
                remaining: Some(3),
                reset_secs: None
            }
        );
        let none = RateLimit::from_headers(&headers(&[("x-rate-limit", "many")]));
        assert!(!none.is_known());
    }

    #[test]
    fn retry_after_from_header_json_and_text() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "27")]), b""),
            Some(Duration::from_secs(27))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1.5")]), b""),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[]), br#"{"retry_after": 12}"#),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            retry_after(
                &headers(&[]),
                br#"{"errors":[{"code":"TooManyRequests","retry_after":"4"}]}"#
            ),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            retry_after(
                &headers(&[]),
                b"Rate limit exceeded. Retry after 30 seconds."
            ),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers(&[]), b"Retry-After: 9"),
            Some(Duration::from_secs(9))
        );
        assert_eq!(
            retry_after(
                &headers(&[]),
                b"You have exceeded the rate limit for updating a single unique user. user email:  id:  external_id: "
            ),
            None
        );
        let past = retry_after(
            &headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            b"",
        );
        assert_eq!(past, Some(Duration::ZERO));
    }
}
