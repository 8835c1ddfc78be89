//! [`Named`]: the objects users refer to by name (custom roles, organizations, groups), and
//! [`NamedIds`], how their names relate to the ids Zendesk holds.

use super::{FieldValue, Kind};

/// A kind of object a roster names: what a user's `custom_role`, `organization` and
/// `default_group`, and a membership's target, refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Named {
    /// A custom role.
    CustomRole,
    /// An organization.
    Organization,
    /// A group.
    Group,
}

impl Named {
    /// Every kind of named object, in the order they apply.
    pub const ALL: [Named; 3] = [Named::CustomRole, Named::Organization, Named::Group];

    /// The kind of the changes that create and update objects of this kind.
    #[must_use]
    pub fn kind(self) -> Kind {
        match self {
            Named::CustomRole => Kind::CustomRole,
            Named::Organization => Kind::Organization,
            Named::Group => Kind::Group,
        }
    }
}

impl Kind {
    /// The kind of named object a change of this kind creates or updates; `None` for users,
    /// identities and memberships.
    #[must_use]
    pub fn named(self) -> Option<Named> {
        match self {
            Kind::CustomRole => Some(Named::CustomRole),
            Kind::Organization => Some(Named::Organization),
            Kind::Group => Some(Named::Group),
            Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => {
                None
            }
        }
    }

    /// The kind of named object a membership of this kind is in; `None` for the rest.
    #[must_use]
    pub fn target(self) -> Option<Named> {
        match self {
            Kind::GroupMembership => Some(Named::Group),
            Kind::OrganizationMembership => Some(Named::Organization),
            Kind::User | Kind::Identity | Kind::CustomRole | Kind::Organization | Kind::Group => {
                None
            }
        }
    }
}

/// Names and ids of named objects, for the reference fields of users, which the plan writes
/// by name and Zendesk holds by id. The planner answers from the roster and the live
/// state; the executor from the plan's references and the objects it created.
pub(crate) trait NamedIds {
    /// The live id of the object of `kind` named `name` (case-insensitively); `None` when it
    /// does not exist (yet).
    fn id(&self, kind: Named, name: &str) -> Option<u64>;

    /// How the live object `id` of `kind` is shown as a user's value.
    fn show(&self, kind: Named, id: u64) -> FieldValue;
}
