//! Matching roster users to live users (DESIGN.md §3): by external id, else by primary
//! email, case-insensitively; keys that point at two users, or an email another user holds
//! as a secondary address, are conflicts that block only that user.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::Planner;
use super::user_diff::{live_label, user_label};
use crate::plan::normalize::same_key;
use crate::plan::{Action, Blocked, Change, Conflict, Kind, MatchKey, PlanError};
use crate::roster::User;
use crate::roster::time_box::Standing;
use crate::state::LiveUser;

impl Planner<'_> {
    /// Plans every roster user; returns the live ids the roster matched. An expired entry
    /// matches its user too (who then follows `on_expiry`, not `prune`); a temporary role
    /// stands in for the entry's own until it ends.
    pub(super) fn users(&mut self) -> BTreeSet<u64> {
        let mut matched = BTreeSet::new();
        let judging_policy = self.roster.settings.policy.is_set();
        let claimed = self.claimed_twice();
        for (index, user) in self.roster.users.iter().enumerate() {
            let ignored = self.ignore.matching(
                user.email.as_ref().map(|e| e.value.as_str()),
                user.external_id.as_ref().map(|e| e.value.as_str()),
            );
            if ignored.is_some() {
                continue;
            }
            if let Some((id, others)) = claimed.get(&index) {
                // Which entry's writes Zendesk keeps would decide the user's access: neither
                // is planned, and the user is not pruned either.
                matched.insert(*id);
                let live = self
                    .state
                    .users
                    .get(id)
                    .map_or_else(|| format!("#{id}"), |live| live_label(live));
                self.errors.push(PlanError {
                    source: self.locate(user.source),
                    message: format!(
                        "{} and the entry at {} both match the live user {live}: one entry a user (neither is planned)",
                        user_label(user),
                        others.join(", ")
                    ),
                });
                continue;
            }
            let Some(key) = user_key(user) else {
                self.errors.push(PlanError {
                    source: self.locate(user.source),
                    message: format!(
                        "{} has neither `external_id` nor `email` to match it by",
                        user_label(user)
                    ),
                });
                continue;
            };
            if user.expires.is_some() || user.temporary.is_some() {
                self.time_boxed.push(user);
            }
            let live_id = match self.live_match(user) {
                LiveMatch::Two(a, b) => {
                    matched.insert(a);
                    matched.insert(b);
                    self.conflict(user, key, a, b);
                    continue;
                }
                LiveMatch::One(id) => Some(id),
                LiveMatch::None => None,
            };
            if let Some(id) = live_id {
                matched.insert(id);
            }
            let live = live_id
                .and_then(|id| self.state.users.get(&id))
                .map(AsRef::as_ref);
            // `ignore` holds for the live user too: an entry keyed otherwise (an external id)
            // must not touch a user whose address the roster leaves alone.
            if let Some(live) = live
                && let Some(pattern) = self
                    .ignore
                    .matching(live.email.as_deref(), live.external_id.as_deref())
            {
                self.errors.push(PlanError {
                    source: self.locate(user.source),
                    message: format!(
                        "{} matches the live user {}, whom the `ignore` pattern `{pattern}` leaves alone: the entry is not planned",
                        user_label(user),
                        live_label(live)
                    ),
                });
                continue;
            }
            let standing = user.standing(self.now);
            if let Standing::Expired(moment) = standing {
                if let Some(live) = live {
                    self.expire(user, key, live, moment);
                }
                continue;
            }
            if let Some(owner) = self.secondary_owner(user, live) {
                // The owner may be whom the entry means: it is not pruned either.
                matched.insert(owner);
                self.secondary_conflict(user, key, live, owner);
                continue;
            }
            let start = self.changes.len();
            if let Standing::Temporary(temporary) = standing {
                self.user(&user.with_temporary_role(temporary), &key, live);
            } else {
                self.user(user, &key, live);
            }
            if !matches!(standing, Standing::AsWritten) {
                let own = user
                    .profile
                    .role
                    .as_ref()
                    .or(self.roster.defaults.role.as_ref())
                    .map(|r| r.value);
                self.note_time_box(start, standing, own);
            }
            // Only a user who is staff now or whom the roster makes staff can be after the
            // plan.
            if judging_policy
                && (live.is_some_and(|l| l.role.is_staff())
                    || user
                        .profile
                        .role
                        .as_ref()
                        .or(self.roster.defaults.role.as_ref())
                        .is_some_and(|r| r.value.is_staff())
                    || user
                        .temporary_role()
                        .is_some_and(|t| t.role.value.is_staff()))
            {
                self.held.push(super::policy::Held {
                    user,
                    live,
                    changes: start..self.changes.len(),
                });
            }
        }
        matched
    }

    /// The live user(s) `user`'s keys find: by external id, else by email.
    fn live_match(&self, user: &User) -> LiveMatch {
        let by_external_id = user
            .external_id
            .as_ref()
            .and_then(|e| self.by_external_id.get(lower(&e.value).as_ref()).copied());
        let by_email = user
            .email
            .as_ref()
            .and_then(|e| self.by_email.get(lower(&e.value).as_ref()).copied());
        match (by_external_id, by_email) {
            (Some(a), Some(b)) if a != b => LiveMatch::Two(a, b),
            (Some(id), _) | (None, Some(id)) => LiveMatch::One(id),
            (None, None) => LiveMatch::None,
        }
    }

    /// The live user each roster entry matches alone (by external id, else by email),
    /// when another entry matches it too: entry (its index) → (live id, the other entries'
    /// places).
    /// One sorted list of (live id, entry), no allocation per entry: a roster of 100,000
    /// users pays a sort.
    fn claimed_twice(&self) -> std::collections::HashMap<usize, (u64, Vec<String>)> {
        let mut claims: Vec<(u64, usize)> = Vec::new();
        for (index, user) in self.roster.users.iter().enumerate() {
            if let LiveMatch::One(id) = self.live_match(user) {
                claims.push((id, index));
            }
        }
        claims.sort_unstable();
        let mut twice = std::collections::HashMap::new();
        for run in claims
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|run| run.len() > 1)
        {
            for &(id, index) in run {
                let others = run
                    .iter()
                    .filter(|&&(_, other)| other != index)
                    .map(|&(_, other)| self.locate(self.roster.users[other].source).to_string())
                    .collect();
                twice.insert(index, (id, others));
            }
        }
        twice
    }

    pub(super) fn conflict(
        &mut self,
        user: &User,
        key: MatchKey,
        by_external_id: u64,
        by_email: u64,
    ) {
        let external_id = user.external_id.as_ref().map_or("", |e| e.value.as_str());
        let email = user.email.as_ref().map_or("", |e| e.value.as_str());
        let label = user_label(user);
        self.changes.push(Change {
            kind: Kind::User,
            action: Action::Update,
            key,
            label,
            id: Some(by_external_id),
            target: None,
            target_id: None,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: Some(Blocked::Conflict(Conflict::TwoUsers {
                external_id: external_id.to_owned(),
                by_external_id,
                email: email.to_owned(),
                by_email,
            })),
            escalation: None,
            notes: Vec::new(),
            implies: Vec::new(),
        });
    }

    /// Another live user holding the roster email as a secondary address, when the plan
    /// would create the user with that email or make it the matched user's primary one
    /// (`create_or_update` would find that other user; adding the identity would fail).
    pub(super) fn secondary_owner(&self, user: &User, live: Option<&LiveUser>) -> Option<u64> {
        let email = &user.email.as_ref()?.value;
        if live.is_some_and(|live| same_key(email, live.email.as_deref())) {
            return None;
        }
        let owner = self.state.secondary_email_owner(email)?;
        (live.map(|l| l.id) != Some(owner.id)).then_some(owner.id)
    }

    pub(super) fn secondary_conflict(
        &mut self,
        user: &User,
        key: MatchKey,
        live: Option<&LiveUser>,
        owner: u64,
    ) {
        let email = user.email.as_ref().map_or("", |e| e.value.as_str());
        let owner_label = self
            .state
            .users
            .get(&owner)
            .map_or_else(|| format!("#{owner}"), |live| live_label(live));
        let action = if live.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        self.changes.push(Change {
            kind: Kind::User,
            action,
            key,
            label: user_label(user),
            id: live.map(|l| l.id),
            target: None,
            target_id: None,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: Some(Blocked::Conflict(Conflict::SecondaryEmail {
                email: email.to_owned(),
                owner,
                owner_label,
            })),
            escalation: None,
            notes: Vec::new(),
            implies: Vec::new(),
        });
    }
}

/// What a roster entry's keys find among the live users.
enum LiveMatch {
    /// Its external id finds one user and its email another: a conflict.
    Two(u64, u64),
    /// One user.
    One(u64),
    /// No one: a user to create.
    None,
}

/// `text` in lower case (as `str::to_lowercase`), borrowed when it is already.
pub(super) fn lower(text: &str) -> Cow<'_, str> {
    let unchanged = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    };
    let is_lower = if text.is_ascii() {
        !text.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        text.chars().all(unchanged)
    };
    if is_lower {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// How a roster user is found: by external id, else by email; `None` without either
/// (which validation refuses).
pub(super) fn user_key(user: &User) -> Option<MatchKey> {
    match (&user.external_id, &user.email) {
        (Some(id), _) => Some(MatchKey::ExternalId(id.value.clone())),
        (None, Some(email)) => Some(MatchKey::Email(email.value.clone())),
        (None, None) => None,
    }
}
