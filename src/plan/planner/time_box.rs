//! Time-boxed entries (`expires`, `temporary`) at the plan's moment: an expired entry
//! grants nothing, and its user follows `settings.on_expiry` with the reason and the entry's
//! line; a temporary role holds until its date, then the entry's own role (each said in a
//! note under the change); entries whose time box ends within
//! `settings.expiry_warning_days` are listed as expiring soon; and the plan is valid until
//! the first time box that ends after it was made.

use chrono::Duration;

use super::Planner;
use super::user_diff::{live_label, user_label};
use crate::plan::{Action, Change, Ending, Expiring, FieldValue, Kind, MatchKey, UserField};
use crate::roster::model::OnExpiry;
use crate::roster::time_box::{DEFAULT_EXPIRY_WARNING_DAYS, Moment, Standing, rfc3339};
use crate::roster::{Role, User};
use crate::state::LiveUser;

impl Planner<'_> {
    /// Plans what `on_expiry` says for the live user of an expired entry: a downgrade to
    /// end-user, a suspension or a deletion, unless the user is so already.
    pub(super) fn expire(&mut self, user: &User, key: MatchKey, live: &LiveUser, moment: Moment) {
        let on_expiry = self.roster.settings.on_expiry;
        let mut fields = Vec::new();
        let action = match on_expiry {
            OnExpiry::Suspend
                if self.diff(
                    &mut fields,
                    UserField::Suspended,
                    FieldValue::Flag(true),
                    Some(live),
                ) =>
            {
                Action::Suspend
            }
            OnExpiry::Downgrade
                if self.diff(
                    &mut fields,
                    UserField::Role,
                    FieldValue::Role(Role::EndUser),
                    Some(live),
                ) =>
            {
                Action::Downgrade
            }
            // Suspended or an end-user already.
            OnExpiry::Suspend | OnExpiry::Downgrade => return,
            OnExpiry::Delete => Action::Delete,
        };
        let note = format!(
            "expired on {}: the entry grants nothing since, and `on_expiry` is `{}`",
            moment.describe(),
            on_expiry.as_str()
        );
        self.changes.push(Change {
            kind: Kind::User,
            action,
            key,
            label: match &user.name {
                Some(_) => user_label(user),
                None => live_label(live),
            },
            id: Some(live.id),
            target: None,
            target_id: None,
            fields,
            source: Some(self.locate(user.source)),
            blocked: None,
            escalation: None,
            notes: vec![note],
            implies: Vec::new(),
        });
    }

    /// Says under the user change an entry's time box made (from `start` on) why its role
    /// is what it is: a temporary role and when it ends, or a temporary role that ended.
    pub(super) fn note_time_box(
        &mut self,
        start: usize,
        standing: Standing<'_>,
        own: Option<Role>,
    ) {
        let note = match standing {
            Standing::Temporary(temporary) => format!(
                "temporary role `{}` until {}; then {}",
                temporary.role.value.as_str(),
                temporary.until.value.describe(),
                own.map_or_else(
                    || "the role is left as it is".to_owned(),
                    |r| format!("`{}`", r.as_str())
                )
            ),
            Standing::TemporaryEnded(temporary) => format!(
                "the temporary role `{}` ended on {}",
                temporary.role.value.as_str(),
                temporary.until.value.describe()
            ),
            Standing::AsWritten | Standing::Expired(_) => return,
        };
        let changes_role = |c: &Change| {
            c.kind == Kind::User
                && matches!(c.action, Action::Create | Action::Update)
                && c.fields.iter().any(|f| {
                    matches!(
                        f.user_field(),
                        Some(UserField::Role | UserField::CustomRole)
                    )
                })
        };
        if let Some(change) = self.changes[start..].iter_mut().find(|c| changes_role(c)) {
            change.notes.push(note);
        }
    }

    /// The entries whose access or temporary role ends within `expiry_warning_days` of
    /// the plan's moment, soonest first.
    pub(super) fn expiring(&self) -> Vec<Expiring> {
        let settings = &self.roster.settings;
        let days = settings
            .expiry_warning_days
            .as_ref()
            .map_or(DEFAULT_EXPIRY_WARNING_DAYS, |d| d.value);
        let horizon = self.now + Duration::days(i64::from(days));
        let soon = |moment: &Moment| !moment.has_passed(self.now) && moment.ends <= horizon;
        let mut expiring = Vec::new();
        for &user in &self.time_boxed {
            let expires = user.expires.as_deref().filter(|e| soon(&e.value));
            let temporary = user.temporary_role().filter(|t| {
                soon(&t.until.value)
                    && user
                        .expires
                        .as_deref()
                        .is_none_or(|e| e.value.ends > t.until.value.ends)
            });
            if expires.is_none() && temporary.is_none() {
                continue;
            }
            let Some(key) = super::matching::user_key(user) else {
                continue;
            };
            let entry = |ends, role: Option<Role>, moment: &Moment, then: String| Expiring {
                label: user_label(user),
                key: key.clone(),
                source: self.locate(user.source),
                ends,
                role: role.map(|r| r.as_str().to_owned()),
                written: moment.describe(),
                at: rfc3339(moment.ends),
                then,
            };
            if let Some(expires) = expires {
                let then = settings.on_expiry.as_str().to_owned();
                expiring.push(entry(Ending::Access, None, &expires.value, then));
            }
            if let Some(temporary) = temporary {
                let own = user
                    .profile
                    .role
                    .as_ref()
                    .or(self.roster.defaults.role.as_ref())
                    .map_or_else(
                        || "the role left as it is".to_owned(),
                        |r| r.value.as_str().to_owned(),
                    );
                expiring.push(entry(
                    Ending::TemporaryRole,
                    Some(temporary.role.value),
                    &temporary.until.value,
                    own,
                ));
            }
        }
        expiring.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.source.cmp(&b.source)));
        expiring
    }

    /// The first moment after the plan's at which a time box of the roster ends: from then
    /// on the roster grants something else, and `zapply` refuses the plan.
    pub(super) fn valid_until(&self) -> Option<String> {
        self.time_boxed
            .iter()
            .flat_map(|u| u.moments_after(self.now))
            .map(|m| m.ends)
            .min()
            .map(rfc3339)
    }
}
