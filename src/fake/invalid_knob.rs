//! The values each knob can take, checked by one rule for every way a knob is set: the
//! flags of `zroster fake` (through [`check_knob`], so a bad flag is a usage error), a state
//! file's `account` (`--state`, `--sandbox`, `PUT /__fake/state`) and an in-process
//! [`Config`](super::Config) ([`AccountSettings::check`]).

use super::state_file::AccountSettings;

/// A knob set to a value it cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value `{value}` for `{knob}`: it must be {rule}")]
pub struct InvalidKnob {
    /// The knob as the message names it (`--fault-5xx`, `account.fault_5xx`).
    pub knob: String,
    /// The value given.
    pub value: String,
    /// What the value must be.
    pub rule: &'static str,
}

/// Whether a value is one a knob can take, and what such values are, as a message says.
type Rule = (fn(f64) -> bool, &'static str);

/// The values a numeric knob can take, by its key; `None` for a knob that takes any.
fn rule(knob: &str) -> Option<Rule> {
    let share: fn(f64) -> bool = |v| (0.0..=1.0).contains(&v);
    let positive: fn(f64) -> bool = |v| v >= 1.0;
    let not_negative: fn(f64) -> bool = |v| v.is_finite() && v >= 0.0;
    Some(match knob {
        "fault_5xx" | "fault_429" | "fault_drop" | "fault_item" | "fault_job_failed"
        | "fault_job_killed" => (share, "a share between 0 and 1"),
        "rate_limit" | "user_update_rate_limit" | "incremental_rate_limit" => {
            (positive, "at least 1 request a minute")
        }
        "rate_limit_window_s" => (positive, "at least 1 second"),
        "max_jobs" => (positive, "at least 1 job"),
        "job_items_per_second" => (not_negative, "0 (jobs paused) or more"),
        "search_lag_s" => (not_negative, "0 seconds or more"),
        _ => return None,
    })
}

/// Checks one numeric knob, by its key (`fault_5xx`): what it must be, when `value` is not
/// that. The command line's parsers of the knob flags call it too.
pub fn check_knob(knob: &str, value: f64) -> Result<(), &'static str> {
    match rule(knob) {
        Some((allows, what)) if !allows(value) => Err(what),
        _ => Ok(()),
    }
}

impl AccountSettings {
    /// Checks every knob that is set against the values it can take; `name` gives the name
    /// of a knob (its key, such as `fault_5xx`) as the message shows it.
    pub fn check(&self, name: impl Fn(&str) -> String) -> Result<(), InvalidKnob> {
        // Counts far below 2^52: exact as `f64`.
        let count = |v: Option<u64>| v.map(|v| v as f64);
        let numbers = [
            ("fault_5xx", self.fault_5xx),
            ("fault_429", self.fault_429),
            ("fault_drop", self.fault_drop),
            ("fault_item", self.fault_item),
            ("fault_job_failed", self.fault_job_failed),
            ("fault_job_killed", self.fault_job_killed),
            ("rate_limit", self.rate_limit.map(f64::from)),
            (
                "user_update_rate_limit",
                self.user_update_rate_limit.map(f64::from),
            ),
            (
                "incremental_rate_limit",
                self.incremental_rate_limit.map(f64::from),
            ),
            ("rate_limit_window_s", count(self.rate_limit_window_s)),
            ("max_jobs", count(self.max_jobs.map(|n| n as u64))),
            ("job_items_per_second", self.job_items_per_second),
            ("search_lag_s", self.search_lag_s),
        ];
        for (knob, value) in numbers {
            if let Some(value) = value
                && let Err(rule) = check_knob(knob, value)
            {
                return Err(InvalidKnob {
                    knob: name(knob),
                    value: value.to_string(),
                    rule,
                });
            }
        }
        let names = [
            (
                "time_zone",
                &self.time_zone,
                "a time zone name, such as `Europe/Berlin`",
            ),
            ("default_group", &self.default_group, "a group name"),
            ("new_agent_role", &self.new_agent_role, "a role name"),
        ];
        for (knob, value, rule) in names {
            if let Some(value) = value.as_ref().filter(|v| v.trim().is_empty()) {
                return Err(InvalidKnob {
                    knob: name(knob),
                    value: value.clone(),
                    rule,
                });
            }
        }
        if let Some(subdomain) = self.subdomain.as_ref().filter(|s| !is_subdomain(s)) {
            return Err(InvalidKnob {
                knob: name("subdomain"),
                value: subdomain.clone(),
                rule: "a subdomain: lower-case letters, digits and inner hyphens, such as `acme`",
            });
        }
        Ok(())
    }
}

/// Whether `text` is a Zendesk subdomain: 1 to 63 lower-case letters, digits and hyphens,
/// neither first nor last a hyphen.
#[must_use]
pub fn is_subdomain(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::AccountSettings;

    fn check(settings: &AccountSettings) -> Result<(), String> {
        settings
            .check(|knob| format!("account.{knob}"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn knobs_out_of_their_range_are_refused_with_the_rule() {
        let cases = [
            (
                AccountSettings {
                    fault_5xx: Some(5.0),
                    ..AccountSettings::default()
                },
                "invalid value `5` for `account.fault_5xx`: it must be a share between 0 and 1",
            ),
            (
                AccountSettings {
                    fault_item: Some(-0.1),
                    ..AccountSettings::default()
                },
                "invalid value `-0.1` for `account.fault_item`: it must be a share between 0 and 1",
            ),
            (
                AccountSettings {
                    rate_limit: Some(0),
                    ..AccountSettings::default()
                },
                "invalid value `0` for `account.rate_limit`: it must be at least 1 request a minute",
            ),
            (
                AccountSettings {
                    max_jobs: Some(0),
                    ..AccountSettings::default()
                },
                "invalid value `0` for `account.max_jobs`: it must be at least 1 job",
            ),
            (
                AccountSettings {
                    rate_limit_window_s: Some(0),
                    ..AccountSettings::default()
                },
                "invalid value `0` for `account.rate_limit_window_s`: it must be at least 1 second",
            ),
            (
                AccountSettings {
                    job_items_per_second: Some(f64::NAN),
                    ..AccountSettings::default()
                },
                "invalid value `NaN` for `account.job_items_per_second`: it must be 0 (jobs paused) or more",
            ),
            (
                AccountSettings {
                    default_group: Some(" ".into()),
                    ..AccountSettings::default()
                },
                "invalid value ` ` for `account.default_group`: it must be a group name",
            ),
            (
                AccountSettings {
                    new_agent_role: Some(String::new()),
                    ..AccountSettings::default()
                },
                "invalid value `` for `account.new_agent_role`: it must be a role name",
            ),
        ];
        for (settings, message) in cases {
            assert_eq!(check(&settings), Err(message.to_owned()));
        }
    }

    #[test]
    fn every_default_and_every_profile_passes() {
        assert_eq!(check(&AccountSettings::default()), Ok(()));
        for plan in [
            super::super::Plan::Team,
            super::super::Plan::Growth,
            super::super::Plan::Professional,
            super::super::Plan::Enterprise,
        ] {
            let knobs = super::super::Knobs::for_profile(plan);
            assert_eq!(check(&knobs.to_settings()), Ok(()));
        }
        let paused = AccountSettings {
            job_items_per_second: Some(0.0),
            fault_drop: Some(1.0),
            job_ttl_s: Some(0),
            ..AccountSettings::default()
        };
        assert_eq!(check(&paused), Ok(()));
    }
}
