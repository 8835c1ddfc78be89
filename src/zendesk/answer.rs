//! One HTTP answer as the transport holds it: read with a size limit, and described for
//! error messages (status and message, a redirect's `Location`, a body that is not JSON).

use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{StatusCode, Url};

use super::ZendeskError;
use super::error_body::{message_of, snippet};
use super::scrubber::Scrubber;

/// An answer: its status, headers and whole body.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// Reads `response`'s body chunk by chunk, never past `limit` bytes: a larger body
    /// (announced by its `Content-Length`, or found while reading) is
    /// [`ZendeskError::BodyTooLarge`] and is not read further, so memory stays bounded. The
    /// inner error is a connection failure while reading, which is retried like one.
    pub(crate) async fn read(
        endpoint: &str,
        mut response: reqwest::Response,
        limit: usize,
    ) -> Result<Result<Self, reqwest::Error>, ZendeskError> {
        let status = response.status();
        let headers = response.headers().clone();
        let too_large = || ZendeskError::BodyTooLarge {
            endpoint: endpoint.to_owned(),
            status: status.as_u16(),
            limit,
        };
        let announced = response.content_length().unwrap_or(0);
        if announced > limit as u64 {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced as usize);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => {
                    return Ok(Ok(Self {
                        status,
                        headers,
                        body,
                    }));
                }
                Err(error) => return Ok(Err(error)),
            }
        }
    }

    /// `429 Too Many Requests (APIRateLimitExceeded: …)`: status and what the body says.
    pub(crate) fn describe(&self) -> String {
        let reason = self.status.canonical_reason().unwrap_or("");
        let json = serde_json::from_slice::<serde_json::Value>(&self.body).ok();
        let message = json
            .as_ref()
            .and_then(message_of)
            .unwrap_or_else(|| snippet(&self.body));
        if message.is_empty() {
            format!("{} {reason}", self.status.as_u16())
        } else {
            format!("{} {reason} ({message})", self.status.as_u16())
        }
    }

    /// The `Location` of a redirect as it may be shown: resolved against `url` (the
    /// request's), without user info, scrubbed, on one line of at most 200 characters.
    pub(crate) fn location(&self, url: &Url, scrubber: &Scrubber) -> String {
        let Some(value) = self.headers.get(LOCATION) else {
            return "(no `Location` given)".to_owned();
        };
        let raw = String::from_utf8_lossy(value.as_bytes());
        let shown = match url.join(raw.trim()) {
            Ok(mut target) => {
                // User info in a redirect is nobody's business in an error message.
                let _ = target.set_username("");
                let _ = target.set_password(None);
                target.to_string()
            }
            Err(_) => raw.into_owned(),
        };
        // Scrubbed before it is cut, so no part of a credential survives at the cut.
        snippet(scrubber.scrub(&shown).as_bytes())
    }

    /// The error of a body that should have been JSON and is not, with a snippet of it cut
    /// after scrubbing.
    pub(crate) fn not_json(&self, endpoint: &str, scrubber: &Scrubber) -> ZendeskError {
        ZendeskError::NotJson {
            endpoint: endpoint.to_owned(),
            status: self.status.as_u16(),
            content_type: self
                .headers
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("none")
                .to_owned(),
            snippet: snippet(&scrubber.scrub_bytes(self.body.clone())),
        }
    }
}
