//! The safety rules again, at apply time (DESIGN.md §5, §6): a saved plan's `blocked`
//! reasons and `refusals` are what the account looked like to `zplan`, and a file can be
//! edited. Before applying one, `zapply` evaluates the rules again with the settings the
//! plan records (or the roster's, with `--roster`) against the account as it reads it now:
//!
//! - the authenticated user, from `users/me` (1 request): never demoted, suspended or
//!   deleted, its primary email never changed, whoever the plan says it was made as;
//! - the users the changes name, as the staleness check has just read them (no request of
//!   its own);
//! - every admin of the account, for `min_admins` (`users?role[]=admin`, 100 a page, which
//!   the check of the plan's creates has read already when there are any): only active,
//!   unsuspended admins count;
//! - the secondary addresses of the users whose access a change lowers or whose role it
//!   changes, when `protect` names addresses ([`crate::state::read_addresses`]: 100 users a
//!   request, at most [`crate::state::ADDRESS_READS_AT_MOST`] users);
//! - the account's agents and admins, when `policy.max_agents` is set
//!   ([`crate::state::count_agent_seats`]: one request).
//!
//! The authenticated user comes from the account check that precedes everything else a
//! saved plan's apply reads ([`crate::plan::binding`]), which reads `users/me` for it.
//!
//! A change the rules forbid is blocked (and reported as not applied); a rule the plan as a
//! whole breaks is a refusal, as at plan time.

use std::collections::BTreeMap;

use crate::plan::{Facts, Plan};
use crate::state::{Addresses, Interner, LiveUser, read_addresses};
use crate::zendesk::wire::{Role, User};
use crate::zendesk::{AuthenticatedUser, ReadClient, ZendeskError};

/// What evaluating the rules found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rechecked {
    /// Changes blocked now that the plan did not block, by index.
    pub blocked: Vec<usize>,
    /// The secondary addresses read for `protect`, the users left unread and the requests.
    pub addresses: Addresses,
}

/// Evaluates the plan's safety rules against the account: `me` is the authenticated user as
/// just read, `users` the users the plan touches as just read; `admins`, when given, holds
/// every admin of the account as just read (the check of the plan's creates reads them), or
/// they are listed. Sets the plan's refusals afresh and blocks what the rules forbid.
pub async fn recheck(
    plan: &mut Plan,
    client: &ReadClient,
    me: &AuthenticatedUser,
    users: Vec<User>,
    admins: Option<BTreeMap<u64, Box<LiveUser>>>,
) -> Result<Rechecked, ZendeskError> {
    let mut interner = Interner::default();
    let mut live = if let Some(admins) = admins {
        admins
    } else {
        let mut live: BTreeMap<u64, Box<LiveUser>> = BTreeMap::new();
        for user in client.users_by_roles(&[Role::Admin]).collect_all().await? {
            live.insert(user.id, Box::new(LiveUser::from_wire(user, &mut interner)));
        }
        live
    };
    for user in users {
        live.insert(user.id, Box::new(LiveUser::from_wire(user, &mut interner)));
    }
    let agent_seats = if plan.safety.policy.max_agents.is_some() {
        Some(crate::state::count_agent_seats(client).await?)
    } else {
        None
    };
    enforce(plan, client, me.id, &live, agent_seats).await
}

/// Reads the secondary addresses `protect` must see (none when it names no address) and
/// evaluates the safety rules with the plan's settings against `users` (the users the
/// changes name and every admin), the authenticated user `me` and the account's agent
/// seats (`None`: `users` holds every agent). `zplan` calls it with the state it fetched,
/// `zapply` ([`recheck`]) with the account as it reads it again.
pub async fn enforce(
    plan: &mut Plan,
    client: &ReadClient,
    me: u64,
    users: &BTreeMap<u64, Box<LiveUser>>,
    agent_seats: Option<u64>,
) -> Result<Rechecked, ZendeskError> {
    let wanted = plan.users_needing_addresses(users);
    let addresses = if wanted.is_empty() {
        Addresses::default()
    } else {
        read_addresses(client, &wanted).await?
    };
    let blocked = plan.enforce_safety(&Facts {
        me,
        users,
        addresses: &addresses.by_user,
        agent_seats,
    });
    Ok(Rechecked { blocked, addresses })
}
