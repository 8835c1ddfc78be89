//! The Zendesk HTTP client: the layer between the pipeline and Zendesk's REST API.
//!
//! `state` reads the live account through a [`ReadClient`]; `apply` writes through a
//! [`WriteClient`]. The planner only ever holds a `ReadClient`, which has no write methods.
//! Both share one [`Transport`](transport) per account: authentication, pacing within a share
//! of the rate limit, retries with backoff within a deadline, request counting
//! ([`RequestStats`]) and typed errors ([`ZendeskError`]). [`wire`] holds Zendesk's JSON.

mod backoff;
mod bulk_job;
mod bulk_outcome;
mod connection_settings;
mod error;
mod observer;
mod pacer;
mod pager;
mod rate_limit;
mod read_client;
mod request_stats;
mod secret;
mod transport;
pub mod wire;
mod write_client;

pub use backoff::Backoff;
pub use bulk_outcome::{BulkOutcome, ItemOutcome};
pub use connection_settings::{ACCOUNT_JOB_LIMIT, Auth, ConnectionSettings, parse_base_url};
pub use error::{FieldError, ZendeskError};
pub use observer::{ClientEvent, Observer, Silent};
pub use pacer::Pacer;
pub use pager::Pager;
pub use rate_limit::{RateLimit, retry_after};
pub use read_client::{AuthenticatedUser, ReadClient};
pub use request_stats::{RequestStats, endpoint_key};
pub use secret::Secret;
pub use write_client::WriteClient;
