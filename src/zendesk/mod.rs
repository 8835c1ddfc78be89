//! The Zendesk HTTP client: the layer between the pipeline and Zendesk's REST API.
//!
//! `state` reads the live account through a [`ReadClient`]; `apply` writes through a
//! [`WriteClient`]. The planner only ever holds a `ReadClient`, which has no write methods.
//! Both share one transport per account: authentication, pacing within a share of the rate
//! limit, retries with backoff within a deadline, request counting ([`RequestStats`]) and
//! typed errors ([`ZendeskError`]). [`wire`] holds Zendesk's JSON.
//!
//! # Connection
//! [`ConnectionSettings::from_environment`] reads `ZENDESK_URL` (or `ZENDESK_SUBDOMAIN`),
//! `ZENDESK_EMAIL` + `ZENDESK_API_TOKEN` (Basic `{email}/token:{token}`) or
//! `ZENDESK_OAUTH_TOKEN` (Bearer). Plain `http://` is refused except for loopback addresses.
//! Every request sends `User-Agent: zroster/<version>` and `Accept: application/json`.
//!
//! # Rate limits and retries
//! - **Pacing** ([`Pacer`]): at most `rate_limit_share` (default 0.5) of the account's
//!   per-minute limit in any 61 s window, and never below the reserve left for other
//!   integrations according to `X-Rate-Limit-Remaining` / `ratelimit-remaining`.
//! - **429**: every request waits `Retry-After` (header, JSON or text body; 10 s when absent;
//!   at most 60 s, a longer one is capped and the retry's reason says so), then the request
//!   is repeated. Safe for every method: Zendesk did not act on it.
//! - **5xx, 409, connection errors**: repeated with exponential backoff and full jitter
//!   (0.5 s doubling to 30 s; 503 honours `Retry-After`) for GET, PUT, DELETE,
//!   `create_or_update(_many)`, `update_many`, `destroy_many` and the membership bulk
//!   endpoints. A non-idempotent POST (`create_many`, `POST /users`, identity, group,
//!   organization and custom-role creation) is repeated only after a 429 or when the
//!   connection was never made; otherwise it fails with [`ZendeskError::OutcomeUnknown`] and
//!   the caller re-reads.
//! - **Deadline**: a request gives up after `max_attempts` (default 10), with
//!   [`ZendeskError::RetriesExhausted`] naming the attempts and the last failure; and every
//!   wait it would make (a retry's backoff or `Retry-After`, the pacer's, an incremental
//!   export slot) is checked first: one that would pass `deadline` (default 300 s) ends it
//!   with [`ZendeskError::DeadlineExceeded`] instead of sleeping.
//!
//! # What a server cannot make it do
//! Follow a redirect, send anything to another host, wait past the deadline, read a body
//! over 64 MiB, page forever, or print the credentials it echoes back: see `transport`,
//! `page_trail` and `scrubber`.
//! - `ZROSTER_TEST_NO_DELAY=1` turns every retry and pacing sleep off (tests).

mod account;
mod answer;
mod audit_logs;
mod backoff;
mod bulk_job;
mod bulk_outcome;
mod connection_settings;
mod error;
mod error_body;
mod job_board;
pub mod limits;
mod observer;
mod pacer;
mod page_trail;
mod pager;
mod rate_limit;
mod read_client;
mod request_stats;
mod scrubber;
mod secret;
mod stop;
mod transport;
pub mod wire;
mod write_client;

pub use account::{AccountNames, is_subdomain, subdomain_of};
pub use backoff::Backoff;
pub use bulk_outcome::{BulkOutcome, ItemOutcome};
pub use connection_settings::{Auth, ConnectionSettings, parse_base_url};
pub use error::{FieldError, ZendeskError};
pub use limits::ACCOUNT_JOB_LIMIT;
pub use observer::{ClientEvent, Observer, Silent};
pub use pacer::Pacer;
pub use pager::Pager;
pub use rate_limit::{RateLimit, retry_after};
pub use read_client::{AuthenticatedUser, ReadClient};
pub use request_stats::{RequestStats, endpoint_key};
pub use secret::Secret;
pub use stop::Stop;
/// For `zroster probe`, which sends requests of its own and reads every answer.
pub(crate) use transport::Transport;
pub use write_client::WriteClient;
