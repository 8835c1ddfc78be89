//! The live state: the pipeline's second stage, between `roster` and `plan`. [`fetch`]
//! reads what the roster needs from the account through a read-only client (`fetch.rs`,
//! DESIGN.md §7) and normalises it into the types the planner compares ([`LiveState`],
//! [`LiveUser`], …), converted from the wire types in `live.rs` and nowhere else. How
//! memberships are best read back after applying is decided here too ([`MembershipReads`]).

mod account_rules;
mod addresses;
mod email_lookup;
mod email_search;
mod fetch;
mod live;
mod live_state;
mod membership_reads;
mod probe;
mod recent_users;
mod seats;
mod secondary;
mod state_query;

pub use account_rules::{AccountRules, FieldLookup, LiveUserField, UserFieldKind};
pub use addresses::{ADDRESS_READS_AT_MOST, Addresses, read_addresses};
pub use email_lookup::{AccountUsers, EmailLookup, EmailStrategy, check_requests};
pub use email_search::{SEARCH_BATCH_EMAILS, SEARCH_QUERY_BYTES_AT_MOST};
pub use fetch::{KeyHolders, NoProgress, Progress, Stage, fetch_after, find_key_holders};
pub use live::{Interner, LiveCustomRole, LiveGroup, LiveMembership, LiveOrganization, LiveUser};
pub use live_state::{FetchCost, LiveState};
pub use membership_reads::{MembershipRead, MembershipReads};
pub use probe::{Probe, fetch, probe};
pub use recent_users::{RECENT_PAGES_AT_MOST, RecentUsers};
pub use seats::{count_agent_seats, needs_seat_count};
pub use secondary::{SECONDARY_SEARCHES_AT_MOST, SecondaryCheck};
pub use state_query::StateQuery;
