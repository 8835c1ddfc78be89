//! The privileged-access policy at plan time ([`crate::plan::policy`]): every roster user
//! the plan makes or keeps an agent or admin is judged, the users it leaves alone as the
//! account holds them, the others by what their changes make of them; then the account's
//! totals after the plan. Nothing is collected or judged when the roster sets no policy.

use std::collections::HashMap;

use super::Planner;
use super::user_diff::{live_label, user_label};
use crate::plan::policy::{
    Holder, PatternSets, PolicySettings, UserKey, judge_address, judge_changes, refusal, totals_now,
};
use crate::plan::{MatchKey, Refusal, SourceRef};
use crate::roster::{Role, Source, User};

/// A roster user whose access after the plan the policy judges: its entry, the live user
/// it matched and the key the plan creates it by.
#[derive(Debug)]
pub(super) struct Held<'a> {
    pub(super) user: &'a User,
    pub(super) live: Option<u64>,
    pub(super) key: MatchKey,
}

impl Planner<'_> {
    /// The policy's refusals of the plan the planner has built (its changes not yet in
    /// their final order, which no rule depends on).
    pub(super) fn policy_refusals(&self, settings: &PolicySettings) -> Vec<Refusal> {
        if !settings.is_set() {
            return Vec::new();
        }
        let state = self.state;
        let changed = crate::plan::policy::changes_by_user(&self.changes);
        let by_user: HashMap<UserKey<'_>, usize> = changed
            .iter()
            .enumerate()
            .filter_map(|(i, mine)| Some((UserKey::of(mine.first()?), i)))
            .collect();
        let mut sets = PatternSets::default();
        let mut roster_rules = Vec::new();
        for held in &self.held {
            let key = held.live.map_or(UserKey::Key(&held.key), UserKey::Id);
            let live = held
                .live
                .and_then(|id| state.users.get(&id))
                .map(AsRef::as_ref);
            let source = self.locate(held.user.source);
            let label = match (live, &held.user.name) {
                (Some(live), None) => live_label(live),
                _ => user_label(held.user),
            };
            let (role, unchanged) = match by_user.get(&key) {
                Some(&i) => match crate::plan::policy::holder_after(&changed[i], &state.users) {
                    Some(holder) => (holder.role, false),
                    None => continue,
                },
                None => match live {
                    Some(live) if live.role.is_staff() => (live.role, true),
                    _ => continue,
                },
            };
            let what = if role == Role::Admin {
                "an admin"
            } else {
                "an agent"
            };
            if settings.require_external_id && held.user.external_id.is_none() {
                roster_rules.push(refusal(
                    "policy.require_external_id",
                    Some(&source),
                    format!("{label} would be {what}, and the entry has no `external_id`, which `policy.require_external_id` requires"),
                ));
            }
            if settings.agents_need_group && role == Role::Agent && !self.lists_group(held.user) {
                roster_rules.push(refusal(
                    "policy.agents_need_group",
                    Some(&source),
                    format!("{label} would be an agent, and the entry lists no `groups` (nor do `defaults`), which `policy.agents_need_group` requires"),
                ));
            }
            // The users the plan changes are judged with the changes, below.
            if let (true, Some(live)) = (unchanged, live) {
                let holder = Holder {
                    label: &label,
                    source: Some(&source),
                    role,
                    email: live.email.as_deref(),
                    external_id: live.external_id.as_deref(),
                };
                roster_rules.extend(judge_address(settings, &holder, &mut sets));
            }
        }
        let totals = totals_now(&state.users, state.agent_seats);
        let policy = &self.roster.settings.policy;
        let at = [&policy.max_admins, &policy.max_agents].map(|limit| {
            let (limit, file) = (limit.as_ref()?, self.roster.settings_source?);
            Some(self.locate(Source {
                file: file.file,
                pos: limit.pos,
            }))
        });
        let at: [Option<&SourceRef>; 2] = [at[0].as_ref(), at[1].as_ref()];
        judge_changes(
            settings,
            &self.changes,
            &state.users,
            totals,
            &roster_rules,
            at,
        )
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
