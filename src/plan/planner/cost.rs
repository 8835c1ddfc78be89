//! The plan's summary: counts, the agent-seat delta, and the API cost of applying it
//! (requests and bulk jobs).

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::{Action, Change, Kind, MatchKey, Summary};
use crate::state::{LiveState, MembershipReads};
use crate::zendesk::limits::{
    BULK_LIMIT, EXPORT_CHEAPER_ABOVE, EXPORT_PAGE, PAGE_SIZE, SHOW_MANY_LIMIT,
};

/// The bulk endpoint that creates users, the one bulk imports gate.
const CREATE_USERS: &str = "users/create_or_update_many";

/// Counts, the agent-seat delta and the estimated API cost.
pub(super) fn summarize(state: &LiveState, changes: &[Change]) -> Summary {
    let mut summary = Summary::default();
    let mut bulk: BTreeMap<&str, usize> = BTreeMap::new();
    // Users whose memberships of a kind are read before removing (the executor needs the
    // membership ids), and users written (re-read by the convergence check).
    let mut removals: BTreeSet<(bool, &MatchKey)> = BTreeSet::new();
    let mut written: BTreeSet<&MatchKey> = BTreeSet::new();
    // Users whose memberships of a kind change, and the memberships added, for the
    // convergence check's reads of memberships.
    let mut membership_users: BTreeSet<(bool, &MatchKey)> = BTreeSet::new();
    let mut membership_adds = [0_u64; 2];
    let mut named_creates: Vec<&Change> = Vec::new();
    for change in changes {
        if change.blocked.is_some() {
            summary.blocked += 1;
            continue;
        }
        match change.action {
            Action::Create => summary.create += 1,
            Action::Suspend => summary.suspend += 1,
            Action::Downgrade => summary.downgrade += 1,
            Action::Delete => summary.delete += 1,
            _ => summary.update += 1,
        }
        summary.seat_delta += seat_change(state, change);
        match (change.kind, change.action) {
            (Kind::User | Kind::Identity, _) => {
                written.insert(&change.key);
                // A new agent's default group is read back like a membership added.
                for implied in &change.implies {
                    let groups = implied.kind == Kind::GroupMembership;
                    membership_users.insert((groups, &change.key));
                    membership_adds[usize::from(groups)] += 1;
                }
            }
            (kind @ (Kind::GroupMembership | Kind::OrganizationMembership), action) => {
                let groups = kind == Kind::GroupMembership;
                membership_users.insert((groups, &change.key));
                if action == Action::Remove {
                    removals.insert((groups, &change.key));
                } else {
                    membership_adds[usize::from(groups)] += 1;
                }
            }
            _ => {}
        }
        let endpoint = match (change.kind, change.action) {
            (Kind::User, Action::Create) => Some(CREATE_USERS),
            (Kind::User, Action::Delete) => Some("users/destroy_many"),
            (Kind::User, _) => Some("users/update_many"),
            (Kind::GroupMembership, Action::Add) => Some("group_memberships/create_many"),
            (Kind::GroupMembership, _) => Some("group_memberships/destroy_many"),
            (Kind::OrganizationMembership, Action::Add) => {
                Some("organization_memberships/create_many")
            }
            (Kind::OrganizationMembership, _) => Some("organization_memberships/destroy_many"),
            (Kind::Identity, _) => {
                summary.requests += 2; // create the identity, make it primary
                None
            }
            (Kind::CustomRole | Kind::Organization | Kind::Group, action) => {
                summary.requests += 1;
                if action == Action::Create {
                    named_creates.push(change);
                }
                None
            }
        };
        if let Some(endpoint) = endpoint {
            *bulk.entry(endpoint).or_default() += 1;
        }
    }
    summary.requests += guard_reads(state, &named_creates);
    for items in bulk.values() {
        let jobs = items.div_ceil(BULK_LIMIT);
        summary.jobs += jobs;
        summary.requests += jobs;
    }
    // Without bulk imports each user create is a `create_or_update` request of its own.
    let creates = bulk.get(CREATE_USERS).copied().unwrap_or(0);
    summary.requests += removals.len();
    // The convergence check: `show_many` (100 a request), or above 1,000 users the
    // incremental export (1,000 a page) when the account is quiet.
    summary.requests += if written.len() > EXPORT_CHEAPER_ABOVE {
        written.len().div_ceil(EXPORT_PAGE)
    } else {
        written.len().div_ceil(SHOW_MANY_LIMIT)
    };
    // Then the memberships of the users whose memberships changed, per kind: the account's
    // listing or one read a user, whichever is fewer.
    for (groups, total) in [
        (false, state.organization_memberships_total),
        (true, state.group_memberships_total),
    ] {
        let users = membership_users
            .iter()
            .filter(|(g, _)| *g == groups)
            .count() as u64;
        if users > 0 {
            let total = total.map(|t| t + membership_adds[usize::from(groups)]);
            let reads = MembershipReads::decide(users, total).requests();
            summary.requests += usize::try_from(reads).unwrap_or(usize::MAX);
        }
    }
    summary.requests_without_bulk_imports =
        summary.requests - creates.div_ceil(BULK_LIMIT) + creates;
    summary
}

/// The reads around the creates of custom roles, organizations and groups, which keep
/// them from being duplicated (see `apply`'s named-objects applier): per kind with a
/// create, the listing before the creates and after them (custom roles: one request;
/// groups: one a hundred groups), or for organizations a search by name before each create
/// without an external id (with one, `create_or_update` needs none) and after each.
fn guard_reads(state: &LiveState, creates: &[&Change]) -> usize {
    let of = |kind| creates.iter().filter(move |c| c.kind == kind);
    let mut reads = 0;
    if of(Kind::CustomRole).next().is_some() {
        reads += 2;
    }
    if of(Kind::Group).next().is_some() {
        let groups = state.groups.len() + of(Kind::Group).count();
        reads += 2 * groups.div_ceil(PAGE_SIZE).max(1);
    }
    for organization in of(Kind::Organization) {
        reads += if matches!(organization.key, MatchKey::ExternalId(_)) {
            1
        } else {
            2
        };
    }
    reads
}

/// Agent seats a change takes (+1) or frees (−1).
pub(super) fn seat_change(state: &LiveState, change: &Change) -> i64 {
    let live = change.id.and_then(|id| state.users.get(&id));
    crate::plan::seats::seat_move(change, live.map(AsRef::as_ref))
}
