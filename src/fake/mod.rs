//! The local Zendesk emulator (`zroster fake`, DESIGN.md §9): a stateful, in-memory Zendesk
//! Support API on loopback that the tests, `--sandbox` and users rehearsing a roster talk to.
//!
//! Three parts stay apart: the HTTP layer ([`Server`], routing, auth, rate limits, faults and
//! request counting), the in-memory [`Store`] (collections and their invariants, pure and
//! synchronous) and the job worker that advances bulk jobs in the background.

mod api;
mod api_error;
mod config;
mod custom_role;
mod error;
mod fault_injector;
mod group;
mod group_membership;
mod identity;
mod input;
mod job_status;
mod job_worker;
mod organization;
mod organization_membership;
mod page;
mod rate_limiter;
mod request_log;
mod server;
mod state_file;
mod store;
mod user;

pub use api_error::ApiError;
pub use config::{Config, Knobs, Plan};
pub use custom_role::CustomRole;
pub use error::Error;
pub use group::Group;
pub use group_membership::GroupMembership;
pub use identity::Identity;
pub use job_status::JobStatus;
pub use organization::Organization;
pub use organization_membership::OrganizationMembership;
pub use request_log::RequestCounts;
pub use server::{Handle, Server};
pub use state_file::{AccountSettings, StateFile};
pub use store::Store;
pub use user::{Role, User};
