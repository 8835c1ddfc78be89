//! How a change moves the account's agent seats, one rule for the plan's summary and for
//! `policy.max_agents` at plan and apply time.
//!
//! A seat is an admin's or an agent's, suspended or not, but not a light agent's or a
//! contributor's ([`LiveUser::takes_seat`]). What a change makes of a user is read from the
//! change alone, without the role types of the account's custom roles, and so leans to a
//! seat where it cannot tell: a user the plan makes an agent takes one (even with a light
//! agent's role), and an agent whose custom role changes takes one after. The count can be
//! higher than Zendesk's, never lower, so a seat budget is never exceeded unseen.

use super::{Action, Change, FieldName, Kind, UserField, policy::role_field};
use crate::roster::Role;
use crate::state::LiveUser;

/// How `change` moves the seats of the user `live` (as the account holds it): -1, 0 or +1.
#[must_use]
pub(crate) fn seat_move(change: &Change, live: Option<&LiveUser>) -> i64 {
    if change.kind != Kind::User {
        return 0;
    }
    let before = live.is_some_and(LiveUser::takes_seat);
    let role = role_field(change);
    let custom_role_changes = || {
        change
            .fields
            .iter()
            .any(|f| f.field == FieldName::User(UserField::CustomRole))
    };
    let after = match change.action {
        Action::Create => role.is_some_and(Role::is_staff),
        Action::Update => match role {
            Some(role) => role.is_staff(),
            None if custom_role_changes() => {
                before || live.is_some_and(|u| u.active && u.role == Role::Agent)
            }
            None => before,
        },
        Action::Downgrade | Action::Delete => false,
        _ => before,
    };
    i64::from(after) - i64::from(before)
}
