//! Time-boxed access: a user entry's `expires` (after it, the entry grants nothing and the
//! user follows `settings.on_expiry`) and `temporary` (a role held until a moment, then the
//! entry's own). The model types, the rules `validate` checks across the roster, and the
//! warnings that depend on the clock (entries long expired, to be removed).
//!
//! A moment is a date, meaning the end of that day in UTC (`2026-12-31` grants access
//! through the last second of that day), or an RFC 3339 time (`2026-12-05T17:00:00+01:00`).

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use super::diagnostic::Diagnostic;
use super::model::{Field, Located, Role};
use super::schema::{Name, TimeMoment};
use super::{Roster, User};

/// When something ends: the first instant it no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Moment {
    /// The first instant past the moment, in UTC: midnight after the day for a date.
    pub ends: DateTime<Utc>,
    /// Whether it was written as a date (the end of that day, UTC).
    pub date: bool,
}

impl Moment {
    /// Reads a date (`2026-12-31`) or an RFC 3339 time (`2026-12-05T17:00:00Z`: `T`, seconds,
    /// an optional fraction, then `Z` or an offset such as `+01:00`); `None` for anything
    /// else. Exactly what [`MOMENT_PATTERN`] matches, the schema's pattern.
    #[must_use]
    pub fn parse(text: &str) -> Option<Moment> {
        static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
        let pattern = PATTERN.get_or_init(|| regex::Regex::new(&moment_pattern()).expect("valid"));
        if !pattern.is_match(text) {
            return None;
        }
        if text.len() == 10 {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            return Some(Moment {
                ends: date.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc(),
                date: true,
            });
        }
        let time = DateTime::parse_from_rfc3339(text).ok()?;
        Some(Moment {
            ends: time.with_timezone(&Utc),
            date: false,
        })
    }

    /// Whether the moment has passed at `now`.
    #[must_use]
    pub fn has_passed(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends
    }

    /// The moment as people read it: the date for a date, else the time in UTC
    /// (`2026-12-05T16:00:00Z`).
    #[must_use]
    pub fn describe(&self) -> String {
        if self.date {
            (self.ends - chrono::Duration::days(1))
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        } else {
            rfc3339(self.ends)
        }
    }
}

/// `time` as RFC 3339 in UTC, to the second: `2026-12-05T16:00:00Z`.
#[must_use]
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Serialize for Moment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.describe())
    }
}

/// The regular expression of a moment, for the schema and the builder alike: a date of the
/// calendar (each month's days, February 29 in leap years only), optionally followed by
/// `T`, a time of day to the second, an optional fraction and `Z` or an offset.
#[must_use]
pub fn moment_pattern() -> String {
    let leap_year = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)";
    let date = format!(
        "(?:[0-9]{{4}}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|{leap_year}-02-29)"
    );
    let hour = "(?:[01][0-9]|2[0-3])";
    let time = format!("T{hour}:[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?(?:Z|[+-]{hour}:[0-5][0-9])");
    format!("^{date}(?:{time})?$")
}

/// What happens to a user whose entry has expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnExpiry {
    /// Make the user an end-user: frees the agent seat and removes the group memberships.
    #[default]
    Downgrade,
    /// Suspend the user.
    Suspend,
    /// Delete the user (Zendesk's soft delete).
    Delete,
}

impl OnExpiry {
    /// The value as the roster spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OnExpiry::Downgrade => "downgrade",
            OnExpiry::Suspend => "suspend",
            OnExpiry::Delete => "delete",
        }
    }
}

/// A role held until a moment; afterwards the entry's own `role` and `custom_role` apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    // A custom role goes with `role: agent` only.
    extend(
        "if" = { "properties": { "role": { "not": { "const": "agent" } } }, "required": ["role"] },
        "then" = { "properties": { "custom_role": { "type": "null" } } }
    )
)]
pub struct Temporary {
    /// The role held until `until`: `end-user`, `agent` or `admin`.
    #[schemars(with = "Role")]
    pub role: Located<Role>,
    /// The custom agent role held until `until`, by name; only with `role: agent`. Left out,
    /// an agent keeps the entry's own `custom_role`.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Name>")]
    pub custom_role: Field<String>,
    /// When the temporary role ends: a date (the end of that day, UTC) or an RFC 3339 time.
    #[schemars(with = "TimeMoment")]
    pub until: Located<Moment>,
}

/// The time-boxed parts of a user entry, as they stand at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing<'u> {
    /// Nothing time-boxed, or nothing that has ended: the entry as written.
    AsWritten,
    /// The temporary role holds.
    Temporary(&'u Temporary),
    /// The temporary role has ended; the entry's own role holds.
    TemporaryEnded(&'u Temporary),
    /// The entry has expired: it grants nothing.
    Expired(Moment),
}

impl User {
    /// What the entry grants at `now`.
    #[must_use]
    pub fn standing(&self, now: DateTime<Utc>) -> Standing<'_> {
        if let Some(expires) = &self.expires
            && expires.value.has_passed(now)
        {
            return Standing::Expired(expires.value);
        }
        match self.temporary_role() {
            Some(temporary) if temporary.until.value.has_passed(now) => {
                Standing::TemporaryEnded(temporary)
            }
            Some(temporary) => Standing::Temporary(temporary),
            None => Standing::AsWritten,
        }
    }

    /// The entry's `temporary`, when written.
    #[must_use]
    pub fn temporary_role(&self) -> Option<&Temporary> {
        self.temporary.as_deref().map(|t| &t.value)
    }

    /// The entry as it stands while its temporary role holds: the temporary role, and its
    /// custom role (or the entry's own, for an agent; none for another role).
    #[must_use]
    pub fn with_temporary_role(&self, temporary: &Temporary) -> User {
        let mut user = self.clone();
        user.profile.role = Some(temporary.role.clone());
        user.profile.custom_role = match (&temporary.custom_role, temporary.role.value) {
            (Field::Absent, Role::Agent) => self.profile.custom_role.clone(),
            (Field::Absent, _) => Field::Absent,
            (written, _) => written.clone(),
        };
        user
    }

    /// The moments after `now` at which what the entry grants changes.
    pub fn moments_after(&self, now: DateTime<Utc>) -> impl Iterator<Item = Moment> + '_ {
        let expires = self.expires.as_ref().map(|e| e.value);
        let until = self.temporary_role().map(|t| t.until.value);
        expires
            .into_iter()
            .chain(until)
            .filter(move |m| !m.has_passed(now))
    }
}

/// Days after which `validate` asks to remove an expired entry, when the roster does not
/// say (`settings.remove_expired_after_days`).
pub const DEFAULT_REMOVE_EXPIRED_AFTER_DAYS: u32 = 30;

/// Days before an entry's access or temporary role ends that the plan lists it as expiring
/// soon, when the roster does not say (`settings.expiry_warning_days`).
pub const DEFAULT_EXPIRY_WARNING_DAYS: u32 = 7;

/// The rules of time-boxed entries that span files: a temporary role needs a role to
/// return to (the entry's or `defaults`'), and a temporary custom role goes with a
/// temporary `role: agent` (checked by the builder) as the entry's own does.
#[must_use]
pub fn check(roster: &Roster) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for user in &roster.users {
        let Some(temporary) = user.temporary_role() else {
            continue;
        };
        let role = user.profile.role.as_ref().or(roster.defaults.role.as_ref());
        if role.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    roster.file_name(user.source.file),
                    temporary.role.pos,
                    "temporary-needs-role",
                    format!(
                        "{} has a temporary role `{}` but no `role` to return to after {}",
                        label(user),
                        temporary.role.value.as_str(),
                        temporary.until.value.describe()
                    ),
                )
                .hint("write the user's own `role` beside `temporary` (or in `defaults`): zroster sets it when the temporary role ends".to_owned()),
            );
        }
    }
    diagnostics
}

/// Warnings that depend on the clock: entries that expired, and temporary roles that ended,
/// more than `settings.remove_expired_after_days` before `now`, which can be removed.
#[must_use]
pub fn warnings(roster: &Roster, now: DateTime<Utc>) -> Vec<Diagnostic> {
    let days = roster
        .settings
        .remove_expired_after_days
        .as_ref()
        .map_or(DEFAULT_REMOVE_EXPIRED_AFTER_DAYS, |d| d.value);
    let limit = now - chrono::Duration::days(i64::from(days));
    let ago = |moment: &Moment| (now - moment.ends).num_days();
    let mut diagnostics = Vec::new();
    for user in &roster.users {
        let file = roster.file_name(user.source.file);
        if let Some(expires) = &user.expires
            && expires.value.ends < limit
        {
            diagnostics.push(
                Diagnostic::warning(
                    file,
                    expires.pos,
                    "expired-entry",
                    format!(
                        "{} expired on {}, {} days ago",
                        label(user),
                        expires.value.describe(),
                        ago(&expires.value)
                    ),
                )
                .hint(format!(
                    "remove the entry: it grants nothing since, and the user follows `on_expiry` (warned after {days} days: `settings.remove_expired_after_days`)"
                )),
            );
        } else if let Some(temporary) = user.temporary_role()
            && temporary.until.value.ends < limit
        {
            diagnostics.push(
                Diagnostic::warning(
                    file,
                    temporary.until.pos,
                    "expired-entry",
                    format!(
                        "the temporary role `{}` of {} ended on {}, {} days ago",
                        temporary.role.value.as_str(),
                        label(user),
                        temporary.until.value.describe(),
                        ago(&temporary.until.value)
                    ),
                )
                .hint(format!(
                    "remove `temporary`: the entry's own role holds since (warned after {days} days: `settings.remove_expired_after_days`)"
                )),
            );
        }
    }
    diagnostics
}

/// The user as messages name it.
fn label(user: &User) -> String {
    match (&user.email, &user.external_id, &user.name) {
        (Some(email), _, _) => format!("`{}`", email.value),
        (None, Some(id), _) => format!("`{}`", id.value),
        (None, None, Some(name)) => format!("`{}`", name.value),
        (None, None, None) => "the user".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::Moment;

    #[test]
    fn a_date_ends_at_the_end_of_its_day_in_utc_and_a_time_when_it_says() {
        let date = Moment::parse("2026-12-31").unwrap();
        assert!(Moment::parse("2000-02-29").is_some());
        assert!(Moment::parse("1900-02-29").is_none());
        assert_eq!(date.ends.to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert_eq!(date.describe(), "2026-12-31");
        let time = Moment::parse("2026-12-05T17:00:00+01:00").unwrap();
        assert_eq!(time.describe(), "2026-12-05T16:00:00Z");
        assert!(!time.has_passed("2026-12-05T15:59:59Z".parse().unwrap()));
        assert!(time.has_passed("2026-12-05T16:00:00Z".parse().unwrap()));
        assert!(Moment::parse("2024-02-29").is_some());
        assert!(Moment::parse("2026-12-05T17:00:00.250Z").is_some());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-5",
            "2026-12-32",
            "31.12.2026",
            "2026-12-05 17:00:00Z",
            "2026-12-05t17:00:00Z",
            "2026-12-05T17:00Z",
            "2026-12-05T17:00:00",
            "2026-12-05T24:00:00Z",
            "2026-12-05T17:00:00+1:00",
            "tomorrow",
            "",
        ] {
            assert!(Moment::parse(bad).is_none(), "{bad}");
        }
    }
}
