//! The account's agent seats (its agents and admins), for `policy.max_agents`. The fetch
//! lists every admin always, and every agent when the roster manages the agent role; when it
//! does not, the number is read apart: one request, `users?role[]=agent&role[]=admin&
//! per_page=1`, whose `count` is exact (unlike `users/count`, which Zendesk refreshes now
//! and then).

use crate::roster::{Role, Roster};
use crate::zendesk::{ReadClient, ZendeskError, wire};

/// The account's agents and admins (suspended ones included, deleted ones not): one
/// request.
pub async fn count_agent_seats(client: &ReadClient) -> Result<u64, ZendeskError> {
    client
        .count_users_by_roles(&[wire::Role::Agent, wire::Role::Admin])
        .await
}

/// Whether planning `roster` needs the account's agent seats counted apart from the fetch:
/// its policy caps them, and the fetch does not list every agent (the roster does not manage
/// the agent role).
#[must_use]
pub fn needs_seat_count(roster: &Roster) -> bool {
    roster.settings.policy.max_agents.is_some()
        && !roster
            .settings
            .manage
            .roles
            .iter()
            .any(|role| role.value == Role::Agent)
}
