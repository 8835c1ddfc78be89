//! Plan-wide safety rules (DESIGN.md §5): `min_admins` and the `max_*` thresholds. A plan
//! that breaks one is refused as a whole; the refusal says which rule and by how much.

use std::collections::BTreeSet;

use super::{Action, Change, FieldName, FieldValue, Kind, Refusal, UserField};
use crate::roster::model::Threshold;
use crate::roster::{Located, Role, Roster};
use crate::state::LiveState;

/// Admins an account must keep when the roster does not say (`min_admins`).
pub(crate) const DEFAULT_MIN_ADMINS: u32 = 1;

/// Every rule the plan breaks.
pub(crate) fn refusals(
    roster: &Roster,
    state: &LiveState,
    changes: &[Change],
    matched: &BTreeSet<u64>,
) -> Vec<Refusal> {
    let applied: Vec<&Change> = changes.iter().filter(|c| c.blocked.is_none()).collect();
    let safety = &roster.settings.safety;
    let in_scope = in_scope_count(roster, state, matched);
    let mut refusals = Vec::new();

    let count = |action: Action| {
        applied
            .iter()
            .filter(|c| c.kind == Kind::User && c.action == action)
            .count()
    };
    let role_changes: BTreeSet<u64> = applied
        .iter()
        .filter(|c| c.kind == Kind::User && c.id.is_some())
        .filter(|c| {
            c.action == Action::Downgrade
                || c.fields.iter().any(|f| {
                    matches!(
                        f.user_field(),
                        Some(UserField::Role | UserField::CustomRole)
                    )
                })
        })
        .filter_map(|c| c.id)
        .collect();
    for (rule, limit, planned, verb) in [
        (
            "max_deletes",
            &safety.max_deletes,
            count(Action::Delete),
            "deletes",
        ),
        (
            "max_suspends",
            &safety.max_suspends,
            count(Action::Suspend),
            "suspends",
        ),
        (
            "max_role_changes",
            &safety.max_role_changes,
            role_changes.len(),
            "changes the role of",
        ),
    ] {
        if let Some(limit) = limit
            && let Some(refusal) = threshold(rule, limit, planned, in_scope, verb)
        {
            refusals.push(refusal);
        }
    }

    let min_admins = safety
        .min_admins
        .as_ref()
        .map_or(DEFAULT_MIN_ADMINS, |m| m.value);
    let admins_after = admins_after(state, &applied);
    if admins_after < min_admins as usize {
        refusals.push(Refusal {
            rule: "min_admins".into(),
            message: format!(
                "the plan leaves {admins_after} admin{} and `min_admins` is {min_admins}",
                if admins_after == 1 { "" } else { "s" }
            ),
            overridable: false,
        });
    }
    refusals
}

fn threshold(
    rule: &str,
    limit: &Located<Threshold>,
    planned: usize,
    in_scope: usize,
    verb: &str,
) -> Option<Refusal> {
    let (allowed, written) = match limit.value {
        Threshold::Count(n) => (n as usize, String::new()),
        Threshold::Percent(p) => (
            {
                // Percentages round down: "10%" of 15 users allows 1, never 2. Both factors are
                // non-negative (validation keeps percentages within 0..=100).
                #[allow(clippy::cast_sign_loss)]
                let allowed = ((in_scope as f64) * p.0 / 100.0).floor() as usize;
                allowed
            },
            format!(" ({}% of {in_scope} in-scope users)", p.0),
        ),
    };
    (planned > allowed).then(|| Refusal {
        rule: rule.to_owned(),
        message: format!(
            "the plan {verb} {planned} user{}; `{rule}` allows {allowed}{written}, {} over",
            if planned == 1 { "" } else { "s" },
            planned - allowed
        ),
        overridable: true,
    })
}

/// In-scope live users: the base of percentage thresholds.
fn in_scope_count(roster: &Roster, state: &LiveState, matched: &BTreeSet<u64>) -> usize {
    let manage = &roster.settings.manage;
    state
        .users
        .values()
        .filter(|u| u.active)
        .filter(|u| {
            matched.contains(&u.id)
                || manage.roles.iter().any(|r| r.value == u.role)
                || manage.tags.iter().any(|t| {
                    u.tags
                        .iter()
                        .any(|have| have.eq_ignore_ascii_case(&t.value))
                })
        })
        .count()
}

/// Active, unsuspended admins once the plan is applied.
fn admins_after(state: &LiveState, applied: &[&Change]) -> usize {
    let mut admins: BTreeSet<u64> = state
        .users
        .values()
        .filter(|u| u.active && !u.suspended && u.role == Role::Admin)
        .map(|u| u.id)
        .collect();
    let mut created = 0;
    for change in applied.iter().filter(|c| c.kind == Kind::User) {
        let role_after = change
            .fields
            .iter()
            .find_map(|f| match (&f.field, &f.after) {
                (FieldName::User(UserField::Role), FieldValue::Role(role)) => Some(*role),
                _ => None,
            });
        match (change.action, change.id) {
            (Action::Create, _) => {
                let suspended = change.fields.iter().any(|f| {
                    f.field == FieldName::User(UserField::Suspended)
                        && f.after == FieldValue::Flag(true)
                });
                if role_after == Some(Role::Admin) && !suspended {
                    created += 1;
                }
            }
            (Action::Delete | Action::Suspend | Action::Downgrade, Some(id)) => {
                admins.remove(&id);
            }
            (Action::Unsuspend, Some(id))
                if state.users.get(&id).is_some_and(|u| u.role == Role::Admin) =>
            {
                admins.insert(id);
            }
            (Action::Update, Some(id)) => match role_after {
                Some(Role::Admin) => {
                    admins.insert(id);
                }
                Some(_) => {
                    admins.remove(&id);
                }
                None => {}
            },
            _ => {}
        }
    }
    admins.len() + created
}
