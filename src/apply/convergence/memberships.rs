//! The memberships part of the convergence check: after applying, the group and organization
//! memberships of the users whose memberships the run changed are read back, and every
//! membership change that does not hold is reported: a membership added that is not there,
//! one removed that is. The memberships Zendesk makes by itself and the roster keeps (a new
//! or promoted agent's default group, recorded on its change as [`crate::plan::Implied`])
//! are held to the same rule as adds. A membership is the pair (user id, group or
//! organization id), the identity the executor wrote it by.
//!
//! Each kind is read only when the run changed memberships of that kind (creating or
//! promoting an agent into the default group counts), the cheaper way for
//! the numbers at hand ([`MembershipReads`]): the account-wide listing when it takes fewer
//! pages than there are users to read, one read a user otherwise. The account's size comes
//! from the plan ([`AccountMemberships`]: what the fetch listed), plus the memberships the run
//! added. Both kinds are read side by side.

use std::collections::{BTreeSet, HashMap};

use futures_util::future::join_all;
use serde::Serialize;

use super::{Diverged, Divergence};
use crate::apply::applier::{MembershipTable, UserMemberships};
use crate::plan::{AccountMemberships, Action, Change, FieldValue, Kind};
use crate::state::{MembershipRead, MembershipReads};
use crate::zendesk::ReadClient;

/// A membership the run changed, with the ids it was made with: a membership change, or a
/// membership a user's change implies ([`crate::plan::Implied`]: a new agent's default group,
/// an add Zendesk makes).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Applied<'p> {
    /// The change applied; its key, label and roster line name the membership.
    pub(crate) change: &'p Change,
    /// `group_membership` or `organization_membership`.
    pub(crate) kind: Kind,
    /// `add` (the membership should be there) or `remove` (it should not).
    pub(crate) action: Action,
    /// The group or organization, by name.
    pub(crate) target_name: Option<&'p str>,
    /// The user (a new user's id, learned when it was created).
    pub(crate) user: u64,
    /// The group or organization.
    pub(crate) target: u64,
}

impl<'p> Applied<'p> {
    /// A membership change, made for `user` in `target`.
    pub(crate) fn change(change: &'p Change, user: u64, target: u64) -> Self {
        Self {
            change,
            kind: change.kind,
            action: change.action,
            target_name: change.target.as_deref(),
            user,
            target,
        }
    }
}

/// How one kind of memberships was read back, for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct MembershipsRead {
    /// `group_membership` or `organization_membership`.
    pub(crate) kind: Kind,
    /// The decision and the numbers behind it.
    #[serde(flatten)]
    pub(crate) decision: MembershipReads,
    /// Requests the reads took (retries included).
    pub(crate) requests: u64,
}

/// Whether a membership change holds, given whether the user is a member now: an add holds
/// when the membership is there, a removal when it is not. The settling of unknown outcomes
/// uses the same rule.
pub(crate) fn holds(action: Action, member: bool) -> bool {
    member == (action == Action::Add)
}

/// How a membership shows in a divergence.
fn shown(member: bool) -> FieldValue {
    FieldValue::Text(if member { "member" } else { "not a member" }.to_owned())
}

/// Reads back the memberships of the users of `applied` and returns every change that does
/// not hold, in the order given. A user whose memberships could not be read is reported as
/// such rather than guessed about.
pub(crate) async fn check(
    client: &ReadClient,
    applied: &[Applied<'_>],
    account: &AccountMemberships,
) -> (Vec<Divergence>, Vec<MembershipsRead>) {
    let kinds = [Kind::OrganizationMembership, Kind::GroupMembership];
    let reads = kinds.map(|kind| read_kind(client, kind, applied, account));
    let mut live: HashMap<Kind, HashMap<u64, UserMemberships>> = HashMap::new();
    let mut done = Vec::new();
    for (kind, read) in kinds.into_iter().zip(join_all(reads).await) {
        if let Some((memberships, read)) = read {
            live.insert(kind, memberships);
            done.push(read);
        }
    }
    let divergences = applied
        .iter()
        .filter_map(|a| diverging(a, live.get(&a.kind).and_then(|l| l.get(&a.user))))
        .collect();
    (divergences, done)
}

/// Reads the memberships of `kind` of the users `applied` changed; `None` when it changed
/// none of that kind.
async fn read_kind(
    client: &ReadClient,
    kind: Kind,
    applied: &[Applied<'_>],
    account: &AccountMemberships,
) -> Option<(HashMap<u64, UserMemberships>, MembershipsRead)> {
    let table = MembershipTable::of_kind(kind)?;
    let of_kind = || applied.iter().filter(|a| a.kind == kind);
    let users: BTreeSet<u64> = of_kind().map(|a| a.user).collect();
    if users.is_empty() {
        return None;
    }
    let added = of_kind().filter(|a| a.change.action == Action::Add).count() as u64;
    let total = account.of(kind).map(|total| total + added);
    let decision = MembershipReads::decide(users.len() as u64, total);
    let before = client.stats();
    let memberships = match decision.read {
        MembershipRead::Listing => table.of_account(client, &users).await,
        MembershipRead::PerUser => table.of_users(client, &users).await,
    };
    let stats = client.stats().since(&before);
    let requests = table
        .read_endpoints()
        .iter()
        .map(|endpoint| stats.count(endpoint))
        .sum();
    let read = MembershipsRead {
        kind,
        decision,
        requests,
    };
    Some((memberships, read))
}

/// The divergence of one applied change, given the user's memberships as read back (`None`:
/// not read).
fn diverging(applied: &Applied<'_>, read: Option<&UserMemberships>) -> Option<Divergence> {
    let change = applied.change;
    let field = match applied.kind {
        Kind::GroupMembership => Diverged::Groups,
        Kind::OrganizationMembership => Diverged::Organizations,
        _ => return None,
    };
    let live = match read {
        Some(Ok(memberships)) => {
            let member = memberships.contains_key(&applied.target);
            if holds(applied.action, member) {
                return None;
            }
            shown(member)
        }
        Some(Err(reason)) => FieldValue::Text(format!("not re-read: {reason}")),
        None => FieldValue::Text("not re-read".to_owned()),
    };
    Some(Divergence {
        key: change.key.clone(),
        label: change.label.clone(),
        source: change.source.clone(),
        field,
        target: applied.target_name.map(str::to_owned),
        planned: shown(applied.action == Action::Add),
        live,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{Applied, diverging, holds};
    use crate::apply::Diverged;
    use crate::apply::body::tests::change;
    use crate::plan::{Action, FieldValue, Kind};

    fn membership(kind: Kind, action: Action) -> crate::plan::Change {
        let mut change = change(&[]);
        change.kind = kind;
        change.action = action;
        change.target = Some("Sales".to_owned());
        change
    }

    #[test]
    fn an_add_holds_when_the_membership_is_there_and_a_removal_when_it_is_not() {
        assert!(holds(Action::Add, true));
        assert!(!holds(Action::Add, false));
        assert!(holds(Action::Remove, false));
        assert!(!holds(Action::Remove, true));
    }

    #[test]
    fn a_membership_that_does_not_hold_is_reported_with_its_target() {
        let add = membership(Kind::GroupMembership, Action::Add);
        let remove = membership(Kind::OrganizationMembership, Action::Remove);
        let of = |change| Applied::change(change, 5, 21);
        let member: Result<HashMap<u64, u64>, String> = Ok(HashMap::from([(21, 900)]));
        let none: Result<HashMap<u64, u64>, String> = Ok(HashMap::new());
        assert_eq!(diverging(&of(&add), Some(&member)), None);
        assert_eq!(diverging(&of(&remove), Some(&none)), None);
        let missing = diverging(&of(&add), Some(&none)).unwrap();
        assert_eq!(missing.field, Diverged::Groups);
        assert_eq!(missing.target.as_deref(), Some("Sales"));
        assert_eq!(missing.planned, FieldValue::Text("member".to_owned()));
        assert_eq!(missing.live, FieldValue::Text("not a member".to_owned()));
        assert_eq!(missing.source, add.source);
        let still = diverging(&of(&remove), Some(&member)).unwrap();
        assert_eq!(still.field, Diverged::Organizations);
        assert_eq!(still.planned, FieldValue::Text("not a member".to_owned()));
        assert_eq!(still.live, FieldValue::Text("member".to_owned()));
        let failed: Result<HashMap<u64, u64>, String> = Err("HTTP 500".to_owned());
        assert_eq!(
            diverging(&of(&add), Some(&failed)).unwrap().live,
            FieldValue::Text("not re-read: HTTP 500".to_owned())
        );
    }
}
