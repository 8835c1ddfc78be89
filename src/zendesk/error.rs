//! The errors of the Zendesk client layer: settings, transport, HTTP statuses and bodies.
//!
//! Messages never contain credentials: the settings keep tokens in [`Secret`](super::Secret),
//! request URLs never carry them, and every error the transport hands out has been through
//! [`ZendeskError::scrubbed`], which takes out what a server echoed back (see
//! [`Scrubber`]).

use std::fmt::Write as _;
use std::time::Duration;

use super::error_body::{field_errors, message_of, snippet};
use super::scrubber::Scrubber;

/// A mebibyte, for the body limit's message.
const MIB: usize = 1024 * 1024;

/// One field error of a 422 `RecordInvalid` answer (`details.<field>[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field the error is about (`email`, `name`, `base`).
    pub field: String,
    /// Zendesk's text, e.g. ``Email: x is not properly formatted``.
    pub description: String,
    /// The machine code (`DuplicateValue`) when Zendesk sends one; often absent.
    pub error: Option<String>,
}

/// What went wrong talking to Zendesk.
#[derive(Debug, thiserror::Error)]
pub enum ZendeskError {
    /// Neither a base URL nor a subdomain was given.
    #[error(
        "no Zendesk account given; set `ZENDESK_SUBDOMAIN` (e.g. `acme` for `https://acme.zendesk.com`) or `ZENDESK_URL`"
    )]
    MissingAccount,
    /// No usable credentials were given.
    #[error(
        "no Zendesk credentials given; set `ZENDESK_EMAIL` and `ZENDESK_API_TOKEN`, or `ZENDESK_OAUTH_TOKEN`"
    )]
    MissingCredentials,
    /// An API token was given without the email address of its user.
    #[error(
        "`ZENDESK_API_TOKEN` is set but `ZENDESK_EMAIL` is not; set it to the email address of the token's user"
    )]
    MissingEmail,
    /// The base URL does not parse or has the wrong form.
    #[error("invalid Zendesk URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A plain-HTTP URL that does not point at a loopback address.
    #[error(
        "refusing plain `http://` for `{url}`: only loopback addresses (127.0.0.0/8, ::1, localhost) may be reached without TLS; use `https://`"
    )]
    InsecureUrl {
        /// The URL as given.
        url: String,
    },
    /// A numeric setting is out of range.
    #[error("invalid setting `{name}` = `{value}`: {reason}")]
    InvalidSetting {
        /// The setting's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        reason: &'static str,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("could not set up the HTTP client")]
    Client(#[source] reqwest::Error),
    /// Zendesk answered 401.
    #[error(
        "Zendesk did not accept the credentials for `{endpoint}` (401: {message}); check {hint}"
    )]
    Authentication {
        /// Method and path, e.g. `GET /api/v2/users/me`.
        endpoint: String,
        /// Zendesk's message.
        message: String,
        /// Which variables or flags to check.
        hint: &'static str,
    },
    /// `GET /users/me` answered with the anonymous user: the credentials were ignored.
    #[error(
        "Zendesk answered `GET /api/v2/users/me` at `{base_url}` as an anonymous user, so the credentials were not accepted; check {hint}, and that API token access is enabled in the Admin Center"
    )]
    Anonymous {
        /// The account's base URL.
        base_url: String,
        /// Which variables or flags to check.
        hint: &'static str,
    },
    /// The credentials work but belong to an end user, who cannot manage users.
    #[error(
        "the credentials belong to `{who}`, whose role is `{role}`; zroster needs an agent or admin (an admin to write): use that user's API token"
    )]
    InsufficientRole {
        /// Email (or name) of the authenticated user.
        who: String,
        /// Their role.
        role: String,
    },
    /// The authenticated user may not use the endpoint (403).
    #[error(
        "Zendesk refused `{endpoint}` (403 Forbidden: {message}); the authenticated user needs the admin role, or the account lacks the feature"
    )]
    Forbidden {
        /// Method and path.
        endpoint: String,
        /// Zendesk's message.
        message: String,
    },
    /// The object or route does not exist (404).
    #[error(
        "`{endpoint}` was not found (404: {message}); check the account URL and that the object still exists"
    )]
    NotFound {
        /// Method and path.
        endpoint: String,
        /// Zendesk's message.
        message: String,
    },
    /// Zendesk refused the data (422 `RecordInvalid`).
    #[error("Zendesk rejected the data sent to `{endpoint}` (422 {error}: {description}){}", render_details(.details))]
    Invalid {
        /// Method and path.
        endpoint: String,
        /// Zendesk's error code (`RecordInvalid`).
        error: String,
        /// Zendesk's description.
        description: String,
        /// The per-field errors.
        details: Vec<FieldError>,
    },
    /// Any other refusal (400, 405, 413, …) that retrying cannot fix.
    #[error("Zendesk refused `{endpoint}` ({status}: {message})")]
    Rejected {
        /// Method and path.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// Zendesk's message, or the start of the body.
        message: String,
    },
    /// The body was expected to be JSON but is not.
    #[error(
        "`{endpoint}` answered {status} with a body that is not JSON (content type `{content_type}`): `{snippet}`; is the URL a Zendesk account?"
    )]
    NotJson {
        /// Method and path.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, or `none`.
        content_type: String,
        /// The start of the body.
        snippet: String,
    },
    /// The body is JSON but not of the expected shape.
    #[error("`{endpoint}` answered with JSON of an unexpected shape: {reason}")]
    UnexpectedShape {
        /// Method and path.
        endpoint: String,
        /// What did not fit.
        reason: String,
    },
    /// Retryable failures went on until the deadline.
    #[error(
        "`{endpoint}` failed {attempts} times in {}s (last: {last}); Zendesk may be overloaded: try again later or raise the deadline", elapsed.as_secs()
    )]
    RetriesExhausted {
        /// Method and path.
        endpoint: String,
        /// How many attempts were made.
        attempts: u32,
        /// The last failure (status or connection error).
        last: String,
        /// Time spent on all attempts and waits.
        elapsed: Duration,
    },
    /// A request that is not safe to repeat may or may not have taken effect.
    #[error(
        "the outcome of `{endpoint}` is unknown ({reason}); it was not repeated because repeating it could duplicate data: re-read the affected objects"
    )]
    OutcomeUnknown {
        /// Method and path.
        endpoint: String,
        /// What happened.
        reason: String,
    },
    /// A wait the request needed (a `Retry-After`, the rate limit, a backoff) would pass its
    /// deadline: it stops instead of sleeping.
    #[error(
        "`{endpoint}` gave up after {} s: waiting {} s more for {waiting_for} would pass the deadline of {} s; try again later or raise `--deadline`",
        elapsed.as_secs(), wait.as_secs(), deadline.as_secs()
    )]
    DeadlineExceeded {
        /// Method and path.
        endpoint: String,
        /// What the request would wait for.
        waiting_for: String,
        /// The wait that was not made.
        wait: Duration,
        /// Time spent on the request so far.
        elapsed: Duration,
        /// The deadline of one request.
        deadline: Duration,
    },
    /// A paginated listing returned a cursor (or next-page URL) it had returned before.
    #[error(
        "the pagination of `{endpoint}` went in a circle (cursor `{cursor}` came back after it was followed); is the URL a Zendesk account?"
    )]
    PaginationStuck {
        /// Method and path.
        endpoint: String,
        /// The repeated cursor.
        cursor: String,
    },
    /// A paginated listing went on for more pages than any real listing has.
    #[error(
        "the listing `{endpoint}` was stopped after {pages} pages: {reason}; is the URL a Zendesk account?"
    )]
    PaginationRunaway {
        /// Method and path.
        endpoint: String,
        /// Pages read.
        pages: u64,
        /// Which bound it passed.
        reason: String,
    },
    /// The server answered with a redirect (3xx). No redirect is followed: the request and
    /// its credentials go to the configured account only.
    #[error(
        "`{endpoint}` answered {status} with a redirect to `{location}`; zroster follows no redirects, so nothing was sent there: check `ZENDESK_URL` / `ZENDESK_SUBDOMAIN` (or `--url` / `--subdomain`)"
    )]
    Redirected {
        /// Method and path.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The `Location` header (without user info, scrubbed, shortened), or why none shows.
        location: String,
    },
    /// An answer's body is larger than any Zendesk answer; it was not read to its end.
    #[error(
        "`{endpoint}` answered {status} with a body of more than {} MiB, larger than any Zendesk answer; it was not read: is the URL a Zendesk account?",
        limit / MIB
    )]
    BodyTooLarge {
        /// Method and path.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },
}

fn render_details(details: &[FieldError]) -> String {
    let mut out = String::new();
    for detail in details {
        let _ = write!(out, "; `{}`: {}", detail.field, detail.description);
        if let Some(code) = &detail.error {
            let _ = write!(out, " ({code})");
        }
    }
    out
}

impl ZendeskError {
    /// The typed error for a non-success HTTP answer: `status` and `body` as received, `hint`
    /// naming the credentials to check on 401. Bodies that are not JSON keep their start
    /// (one line) as the message.
    #[must_use]
    pub fn from_response(endpoint: &str, status: u16, body: &[u8], hint: &'static str) -> Self {
        let json = serde_json::from_slice::<serde_json::Value>(body).ok();
        let message = json.as_ref().and_then(message_of).unwrap_or_else(|| {
            let text = snippet(body);
            if text.is_empty() {
                reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|code| code.canonical_reason())
                    .unwrap_or("no details")
                    .to_owned()
            } else {
                text
            }
        });
        let endpoint = endpoint.to_owned();
        match (status, json) {
            (401, _) => Self::Authentication {
                endpoint,
                message,
                hint,
            },
            (403, _) => Self::Forbidden { endpoint, message },
            (404, _) => Self::NotFound { endpoint, message },
            (422, Some(json)) if json.is_object() => Self::Invalid {
                endpoint,
                error: json
                    .get("error")
                    .and_then(|e| e.as_str())
                    .unwrap_or("RecordInvalid")
                    .to_owned(),
                description: json
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("")
                    .to_owned(),
                details: field_errors(json.get("details")),
            },
            (status, _) => Self::Rejected {
                endpoint,
                status,
                message,
            },
        }
    }

    /// This error with every encoding of the credentials `scrubber` knows replaced by
    /// `<redacted>`, in every text it carries (what a server sent back included).
    #[must_use]
    pub(crate) fn scrubbed(mut self, scrubber: &Scrubber) -> Self {
        let scrub = |text: &mut String| scrubber.scrub_in_place(text);
        match &mut self {
            Self::MissingAccount
            | Self::MissingCredentials
            | Self::MissingEmail
            | Self::Client(_) => {}
            Self::InvalidUrl { url, reason } => {
                scrub(url);
                scrub(reason);
            }
            Self::InsecureUrl { url }
            | Self::Anonymous { base_url: url, .. }
            | Self::InvalidSetting { value: url, .. }
            | Self::BodyTooLarge { endpoint: url, .. } => scrub(url),
            Self::InsufficientRole {
                who: first,
                role: second,
            }
            | Self::Authentication {
                endpoint: first,
                message: second,
                ..
            }
            | Self::Forbidden {
                endpoint: first,
                message: second,
            }
            | Self::NotFound {
                endpoint: first,
                message: second,
            }
            | Self::Rejected {
                endpoint: first,
                message: second,
                ..
            }
            | Self::UnexpectedShape {
                endpoint: first,
                reason: second,
            }
            | Self::OutcomeUnknown {
                endpoint: first,
                reason: second,
            }
            | Self::RetriesExhausted {
                endpoint: first,
                last: second,
                ..
            }
            | Self::DeadlineExceeded {
                endpoint: first,
                waiting_for: second,
                ..
            }
            | Self::PaginationStuck {
                endpoint: first,
                cursor: second,
            }
            | Self::PaginationRunaway {
                endpoint: first,
                reason: second,
                ..
            }
            | Self::Redirected {
                endpoint: first,
                location: second,
                ..
            } => {
                scrub(first);
                scrub(second);
            }
            Self::Invalid {
                endpoint,
                error,
                description,
                details,
            } => {
                for text in [endpoint, error, description] {
                    scrub(text);
                }
                for detail in details {
                    scrub(&mut detail.field);
                    scrub(&mut detail.description);
                    if let Some(code) = &mut detail.error {
                        scrub(code);
                    }
                }
            }
            Self::NotJson {
                endpoint,
                content_type,
                snippet,
                ..
            } => {
                for text in [endpoint, content_type, snippet] {
                    scrub(text);
                }
            }
        }
        self
    }

    /// Whether Zendesk refused a bulk import because the account has them disabled
    /// (403 on `create_many` / `create_or_update_many`); callers then fall back to single requests.
    #[must_use]
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Forbidden { .. })
    }

    /// Whether the error means "this may or may not have happened": the caller must re-read.
    #[must_use]
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. })
    }
}
