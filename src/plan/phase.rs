//! [`Phase`]: the order of application of DESIGN.md §8, stated once. The planner sorts a
//! plan's changes by it, the executor runs one handler per phase, and the renderers list
//! their sections in the order the phases take the actions.

use super::{Action, Change, Kind};

/// A step of applying a plan. Named objects first (users refer to them), then users, their
/// memberships, and what lowers access last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Custom roles are created and updated.
    CustomRoles,
    /// Organizations are created and updated.
    Organizations,
    /// Groups are created and updated.
    Groups,
    /// Users are created.
    UserCreates,
    /// Users are updated and unsuspended, and primary emails changed.
    UserUpdates,
    /// Memberships are added and removed.
    Memberships,
    /// Users are suspended and downgraded to end-users.
    SuspensionsAndDowngrades,
    /// Users are deleted.
    Deletes,
}

impl Phase {
    /// Every phase, in the order they apply.
    pub const ALL: [Phase; 8] = [
        Phase::CustomRoles,
        Phase::Organizations,
        Phase::Groups,
        Phase::UserCreates,
        Phase::UserUpdates,
        Phase::Memberships,
        Phase::SuspensionsAndDowngrades,
        Phase::Deletes,
    ];

    /// The phase of a change of `kind` doing `action`; `None` for pairs no plan holds (a
    /// group is never suspended), which reading a saved plan refuses.
    #[must_use]
    pub fn of(kind: Kind, action: Action) -> Option<Phase> {
        Some(match (kind, action) {
            (Kind::CustomRole, Action::Create | Action::Update) => Phase::CustomRoles,
            (Kind::Organization, Action::Create | Action::Update) => Phase::Organizations,
            (Kind::Group, Action::Create | Action::Update) => Phase::Groups,
            (Kind::User, Action::Create) => Phase::UserCreates,
            (Kind::User, Action::Update | Action::Unsuspend)
            | (Kind::Identity, Action::MakePrimary) => Phase::UserUpdates,
            (
                Kind::GroupMembership | Kind::OrganizationMembership,
                Action::Add | Action::Remove,
            ) => Phase::Memberships,
            (Kind::User, Action::Suspend | Action::Downgrade) => Phase::SuspensionsAndDowngrades,
            (Kind::User, Action::Delete) => Phase::Deletes,
            _ => return None,
        })
    }

    /// The actions of this phase's changes, in the order the renderers list them.
    #[must_use]
    pub fn actions(self) -> &'static [Action] {
        match self {
            Phase::CustomRoles | Phase::Organizations | Phase::Groups => {
                &[Action::Create, Action::Update]
            }
            Phase::UserCreates => &[Action::Create],
            Phase::UserUpdates => &[Action::Update, Action::Unsuspend, Action::MakePrimary],
            Phase::Memberships => &[Action::Add, Action::Remove],
            Phase::SuspensionsAndDowngrades => &[Action::Suspend, Action::Downgrade],
            Phase::Deletes => &[Action::Delete],
        }
    }

    /// Every action, in the order the phases first take it: how renderers order their
    /// per-action sections.
    #[must_use]
    pub fn action_order() -> Vec<Action> {
        let mut order: Vec<Action> = Vec::new();
        for action in Phase::ALL.iter().flat_map(|phase| phase.actions()) {
            if !order.contains(action) {
                order.push(*action);
            }
        }
        order
    }
}

impl Change {
    /// When the change applies; `None` for a kind and action no plan pairs.
    #[must_use]
    pub fn phase(&self) -> Option<Phase> {
        Phase::of(self.kind, self.action)
    }
}

#[cfg(test)]
mod tests {
    use super::Phase;
    use crate::plan::Action;

    #[test]
    fn the_sections_follow_the_phases() {
        assert_eq!(
            Phase::action_order(),
            [
                Action::Create,
                Action::Update,
                Action::Unsuspend,
                Action::MakePrimary,
                Action::Add,
                Action::Remove,
                Action::Suspend,
                Action::Downgrade,
                Action::Delete,
            ]
        );
    }

    #[test]
    fn every_phase_takes_the_actions_of_its_changes() {
        use crate::plan::Kind;
        let kinds = [
            Kind::User,
            Kind::CustomRole,
            Kind::Organization,
            Kind::Group,
            Kind::GroupMembership,
            Kind::OrganizationMembership,
            Kind::Identity,
        ];
        for kind in kinds {
            for action in Phase::action_order() {
                if let Some(phase) = Phase::of(kind, action) {
                    assert!(phase.actions().contains(&action), "{kind:?} {action:?}");
                }
            }
        }
    }
}
