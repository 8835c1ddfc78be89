//! The privileged-access policy at plan time ([`crate::plan::policy`]): every roster user
//! the plan makes or keeps an agent or admin is judged, those it leaves alone as the account
//! holds them, the others by what their changes make of them; then the account's totals
//! after the plan. Nothing is collected or judged when the roster sets no policy, and a
//! user costs no allocation unless a rule refuses it.

use std::ops::Range;

use super::Planner;
use super::user_diff::{live_label, user_label};
use crate::plan::policy::{
    Holder, PatternSets, PolicySettings, holder_after, judge_address, judge_totals, refusal,
    totals_delta,
};
use crate::plan::{Action, Change, Kind, Refusal, SourceRef};
use crate::roster::{Role, Source, User};
use crate::state::LiveUser;

/// A roster user whose access after the plan the policy judges: its entry, the live user
/// it matched, and the planner's changes of it (indexes into the changes, which keep their
/// places until the policy is judged).
#[derive(Debug)]
pub(super) struct Held<'a> {
    pub(super) user: &'a User,
    pub(super) live: Option<&'a LiveUser>,
    pub(super) changes: Range<usize>,
}

impl Planner<'_> {
    /// The policy's refusals of the plan the planner has built, before its changes are put
    /// in their final order; in the order [`crate::plan::Plan::judge_policy`] gives them
    /// again at apply time: the roster's own rules and the users no applicable change names,
    /// then the users the changes create or change, then the totals.
    pub(super) fn policy_refusals(&self, settings: &PolicySettings) -> Vec<Refusal> {
        if !settings.is_set() {
            return Vec::new();
        }
        let state = self.state;
        let mut compiled = PatternSets::default();
        let (mut kept, mut judged) = (Vec::new(), Vec::new());
        for held in &self.held {
            let live = held.live;
            let mine = self.changes[held.changes.clone()]
                .iter()
                .filter(|c| c.blocked.is_none() && names_the_user(c));
            let changed = mine.clone().next().is_some();
            let after = if changed {
                holder_after(&mine, live)
            } else {
                live.filter(|l| l.role.is_staff()).map(|l| Holder {
                    label: "",
                    source: None,
                    role: l.role,
                    email: l.email.as_deref(),
                    kept_email: None,
                    secondary: &[],
                    external_id: l.external_id.as_deref(),
                })
            };
            let Some(holder) = after else {
                continue;
            };
            // Names and places are made only for a refusal.
            let label = || match (live, &held.user.name) {
                (Some(live), None) => live_label(live),
                _ => user_label(held.user),
            };
            let source = || self.locate(held.user.source);
            let what = if holder.role == Role::Admin {
                "an admin"
            } else {
                "an agent"
            };
            if settings.require_external_id && held.user.external_id.is_none() {
                kept.push(refusal(
                    "policy.require_external_id",
                    Some(&source()),
                    format!(
                        "{} would be {what}, and the entry has no `external_id`, which `policy.require_external_id` requires",
                        label()
                    ),
                ));
            }
            if settings.agents_need_group
                && holder.role == Role::Agent
                && !self.lists_group(held.user)
            {
                kept.push(refusal(
                    "policy.agents_need_group",
                    Some(&source()),
                    format!(
                        "{} would be an agent, and the entry lists no `groups` (nor do `defaults`), which `policy.agents_need_group` requires",
                        label()
                    ),
                ));
            }
            if judge_address(settings, &holder, &mut compiled).is_some() {
                let (label, source) = (label(), source());
                let holder = Holder {
                    label: &label,
                    source: Some(&source),
                    ..holder
                };
                let refused = judge_address(settings, &holder, &mut compiled);
                // A user the changes name is judged again at apply time, the others not.
                if changed {
                    judged.extend(refused);
                } else {
                    kept.extend(refused);
                }
            }
        }
        let policy = &self.roster.settings.policy;
        let at = [&policy.max_admins, &policy.max_agents].map(|limit| {
            let (limit, file) = (limit.as_ref()?, self.roster.settings_source?);
            Some(self.locate(Source {
                file: file.file,
                pos: limit.pos,
            }))
        });
        let at: [Option<&SourceRef>; 2] = [at[0].as_ref(), at[1].as_ref()];
        // The live users' counts from the walk `prune` made; the seats counted apart, when
        // the fetch did not list every agent.
        let totals = match state.agent_seats {
            Some(seats) => (self.live_totals.0, i64::try_from(seats).unwrap_or(i64::MAX)),
            None => self.live_totals,
        };
        let delta = if settings.max_admins.is_some() || settings.max_agents.is_some() {
            totals_delta(&state.users, &self.changes)
        } else {
            (0, 0)
        };
        kept.extend(judged);
        kept.extend(judge_totals(settings, totals, delta, at));
        kept
    }

    /// Whether the entry lists a group (its own `groups`, or `defaults`').
    fn lists_group(&self, user: &User) -> bool {
        user.profile
            .groups
            .as_ref()
            .or(self.roster.defaults.groups.as_ref())
            .is_some_and(|groups| !groups.value.is_empty())
    }
}

/// Whether a change is one of those that make what a user is after the plan: its fields,
/// its primary address, its downgrade or deletion (memberships are not).
fn names_the_user(change: &Change) -> bool {
    matches!(
        (change.kind, change.action),
        (
            Kind::User,
            Action::Create | Action::Update | Action::Downgrade | Action::Delete
        ) | (Kind::Identity, Action::MakePrimary)
    )
}
