//! `-v` / `-vv`: a line on standard error for each request, for whoever needs to see what
//! zroster asks of Zendesk (a support case, a proxy that misbehaves, the rate limit). It
//! shows the method, the path, the status, the time and the rate-limit headers; never a
//! header that carries credentials, and the path only as the client's scrubber left it.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use crate::render::count;
use crate::zendesk::{ClientEvent, Observer, RateLimit};

/// Writes request lines to standard error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLog {
    /// 1 (`-v`): each answer by endpoint (`GET /api/v2/users/{id}`), retries. 2 (`-vv`):
    /// each answer by its path and query, waits for the rate limit, job progress.
    level: u8,
}

impl RequestLog {
    /// A log at `level` (`-v` counted); none at 0.
    pub(crate) fn new(level: u8) -> Option<Self> {
        (level > 0).then_some(Self { level })
    }

    /// The line for an event, or none at this level.
    fn line(self, event: &ClientEvent<'_>) -> Option<String> {
        match event {
            ClientEvent::Response {
                endpoint,
                status,
                elapsed,
                target,
                rate,
            } => {
                let shown = if self.level >= 2 {
                    let method = endpoint.split_once(' ').map_or("", |(method, _)| method);
                    format!("{method} {target}")
                } else {
                    (*endpoint).to_owned()
                };
                Some(format!(
                    "http: {shown} → {status} in {}{}",
                    seconds(*elapsed),
                    rate_text(rate)
                ))
            }
            ClientEvent::Retry {
                endpoint,
                attempt,
                reason,
                wait,
            } => Some(format!(
                "http: retrying {endpoint} in {} (attempt {attempt} failed: {reason})",
                seconds(*wait)
            )),
            ClientEvent::Fallback { endpoint, requests } => Some(format!(
                "http: {endpoint} is refused (bulk imports disabled): {} single requests instead",
                count(*requests)
            )),
            ClientEvent::Paced { wait } if self.level >= 2 => Some(format!(
                "http: waiting {} for the rate limit",
                seconds(*wait)
            )),
            ClientEvent::JobProgress {
                id,
                progress,
                total,
            } if self.level >= 2 => Some(format!("http: job {id}: {progress} of {total} items")),
            _ => None,
        }
    }
}

/// `0.123 s`.
fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

/// `; rate limit 650 of 700 left, resets in 42 s`, as far as the headers said.
fn rate_text(rate: &RateLimit) -> String {
    let mut text = String::new();
    match (rate.remaining, rate.limit) {
        (Some(remaining), Some(limit)) => {
            text = format!("; rate limit {remaining} of {limit} left");
        }
        (Some(remaining), None) => text = format!("; rate limit {remaining} left"),
        (None, Some(limit)) => text = format!("; rate limit {limit}"),
        (None, None) => {}
    }
    if let Some(reset) = rate.reset_secs {
        let _ = write!(text, ", resets in {reset} s");
    }
    text
}

impl Observer for RequestLog {
    fn on_event(&self, event: &ClientEvent<'_>) {
        if let Some(line) = self.line(event) {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RequestLog;
    use crate::zendesk::{ClientEvent, RateLimit};

    #[test]
    fn a_line_per_answer_with_the_rate_limit_and_the_query_only_at_level_two() {
        let event = ClientEvent::Response {
            endpoint: "GET /api/v2/users/show_many",
            status: 200,
            elapsed: Duration::from_millis(42),
            target: "/api/v2/users/show_many?ids=1,2",
            rate: RateLimit {
                limit: Some(700),
                remaining: Some(650),
                reset_secs: Some(12),
            },
        };
        let one = RequestLog::new(1).unwrap();
        assert_eq!(
            one.line(&event).unwrap(),
            "http: GET /api/v2/users/show_many → 200 in 0.042 s; rate limit 650 of 700 left, resets in 12 s"
        );
        let two = RequestLog::new(2).unwrap();
        assert!(
            two.line(&event)
                .unwrap()
                .starts_with("http: GET /api/v2/users/show_many?ids=1,2 → 200")
        );
        let paced = ClientEvent::Paced {
            wait: Duration::from_secs(1),
        };
        assert_eq!(one.line(&paced), None);
        assert!(two.line(&paced).is_some());
        assert!(RequestLog::new(0).is_none());
    }
}
