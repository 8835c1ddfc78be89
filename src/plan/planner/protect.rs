//! Protection (DESIGN.md §5): changes to protected users, and demotions, suspensions and
//! deletions of the authenticated user, stay in the plan, blocked.

use super::Planner;
use crate::plan::{Action, Blocked, Change, FieldName, FieldValue, Kind, UserField};
use crate::state::LiveUser;

impl Planner<'_> {
    /// Blocks changes to protected users, and demotions, suspensions and deletions of the
    /// authenticated user (DESIGN.md §5). The rest of the plan still applies.
    pub(super) fn protect_users(&mut self) {
        let me = self.state.me.id;
        for change in &mut self.changes {
            let Some(id) = change.id else { continue };
            if !matches!(
                change.kind,
                Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership
            ) || change.blocked.is_some()
            {
                continue;
            }
            let Some(live) = self.state.users.get(&id) else {
                continue;
            };
            if let Some(pattern) = self
                .protect
                .matching(live.email.as_deref(), live.external_id.as_deref())
            {
                change.blocked = Some(Blocked::Protected {
                    pattern: pattern.to_owned(),
                });
                continue;
            }
            if id == me && lowers_access(change, live) {
                change.blocked = Some(Blocked::AuthenticatedUser);
            }
        }
    }
}

/// Whether a change demotes, suspends or deletes the user.
pub(crate) fn lowers_access(change: &Change, live: &LiveUser) -> bool {
    match change.action {
        Action::Suspend | Action::Downgrade | Action::Delete => true,
        Action::Update => change.fields.iter().any(|f| {
            matches!(
                (&f.field, &f.after),
                (FieldName::User(UserField::Role), FieldValue::Role(after)) if *after < live.role
            )
        }),
        _ => false,
    }
}
