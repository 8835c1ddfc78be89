//! The appliers: one per kind of change, behind one trait. The executor picks them by
//! [`Phase`](crate::plan::Phase); each makes its changes with the fewest requests Zendesk
//! allows and records every outcome in the [`Run`]. The run is shared with appliers running
//! beside it (users created while others are updated), so an applier borrows it only
//! between its requests, never across one. The named objects come first, alone, and take
//! the run as their own ([`NamedObjects`]).

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

use std::cell::RefCell;

use super::run::Run;
use crate::plan::Change;
use crate::zendesk::WriteClient;

/// Makes one kind of change.
pub(super) trait Applier {
    /// Whether this applier makes `change`.
    fn takes(&self, change: &Change) -> bool;

    /// Makes the changes `items` (indices in the plan, in plan order, all still to make)
    /// and records every outcome in `run`, which it never holds across a request.
    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, items: Vec<usize>);
}
