//! The appliers: one per kind of change, behind one trait. The executor picks them by
//! [`Phase`](crate::plan::Phase); each makes its changes with the fewest requests Zendesk
//! allows and records every outcome in the [`Run`].

mod live_objects;
mod memberships;
mod named_objects;
mod primary_emails;
mod users;

pub(super) use live_objects::LiveObjects;
pub(super) use memberships::{
    GROUP_MEMBERSHIPS, MembershipAdds, MembershipRemoves, MembershipTable,
    ORGANIZATION_MEMBERSHIPS, UserMemberships,
};
pub(super) use named_objects::NamedObjects;
pub(super) use primary_emails::PrimaryEmails;
pub(super) use users::{UserCreates, UserDeletes, UserUpdates};

use super::run::Run;
use crate::plan::Change;
use crate::zendesk::WriteClient;

/// Makes one kind of change.
pub(super) trait Applier {
    /// Whether this applier makes `change`.
    fn takes(&self, change: &Change) -> bool;

    /// Makes the changes `items` (indices in the plan, in plan order, all still to make)
    /// and records every outcome in `run`.
    async fn apply(&self, client: &WriteClient, run: &mut Run<'_>, items: Vec<usize>);
}
