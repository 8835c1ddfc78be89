//! What a probe found: each assumption with its verdict, the account's settings and choices
//! as the emulator's knobs, and what the cleanup left. Written for people
//! ([`ProbeReport::write_human`]) and as JSON (`--report`, `schema/probe.schema.json`);
//! `zroster fake --account-report` reads it back ([`ProbeReport::to_account_settings`]).

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fake::{
    AccountSettings, CustomRoleNull, LastGroupMembership, MatchKey, OrganizationIdChange, Plan,
    TagsWithoutTagging, UndefinedUserField, UsersSearchCap, VerifiedWrite,
};

/// Where the report's schema is checked in.
pub const SCHEMA_PATH: &str = "schema/probe.schema.json";

/// The JSON Schema of a probe report.
#[must_use]
pub fn schema_json() -> String {
    crate::schema::generate::<ProbeReport>(SCHEMA_PATH)
}

/// A probe report (`zroster probe --report FILE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeReport {
    /// The report's format: 2 (1 had no organizations or groups in `cleanup`, and fewer
    /// experiments; it reads the same).
    pub format_version: u32,
    /// The account probed (its base URL).
    pub account: String,
    /// The prefix of every name, email and external id the probe created.
    pub prefix: String,
    /// Requests sent, the cleanup's included.
    pub requests: u32,
    /// The most requests the run could send.
    pub budget: u32,
    /// One finding per assumption, in the order the experiments ran.
    pub findings: Vec<Finding>,
    /// What the findings settled, as the knobs of `zroster fake` (absent: not settled).
    pub account_settings: ProbedAccount,
    /// What the cleanup did.
    pub cleanup: Cleanup,
}

/// One assumption and what the account did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The experiment's name (also its knob's, where it has one).
    pub experiment: String,
    /// What zroster and its emulator assume.
    pub assumption: String,
    /// Whether the account agrees.
    pub verdict: Verdict,
    /// What the account did.
    pub observed: String,
    /// What that means for `zplan` and `zapply` on this account.
    pub meaning: String,
}

/// Whether an assumption holds on the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The account did what zroster assumes.
    Holds,
    /// The account did something else (`observed` says what).
    Differs,
    /// The experiment could not decide (`observed` says why).
    CouldNotTell,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Differs => "differs",
            Verdict::CouldNotTell => "could not tell",
        }
    }
}

/// The account's settings and choices the probe settled, named as the emulator's knobs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // each field is the `zroster fake` knob of the same name
pub struct ProbedAccount {
    /// The plan: Enterprise when custom roles answer, else by the rate limit (Growth and
    /// Professional both allow 400 a minute; Growth is reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_tagging: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multiple_organizations: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_imports: Option<bool>,
    /// The name of the account's default group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promoted_agent_joins_default_group: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_agent_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_role_null: Option<CustomRoleNull>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined_user_field: Option<UndefinedUserField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_or_update_prefers: Option<MatchKey>,
    /// Seconds `users/search` took to find a new user, as the first poll that found it
    /// (an upper bound at the resolution of the polls), or the bounded wait when none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_lag_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id_change: Option<OrganizationIdChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_group_membership: Option<LastGroupMembership>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags_without_tagging: Option<TagsWithoutTagging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_write: Option<VerifiedWrite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users_search_cap: Option<UsersSearchCap>,
}

/// What the cleanup removed and what it found left.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cleanup {
    /// Users the probe created and removed.
    pub removed: u32,
    /// Organizations the probe created and removed.
    #[serde(default)]
    pub removed_organizations: u32,
    /// Groups the probe created and removed.
    #[serde(default)]
    pub removed_groups: u32,
    /// Ids of the probe's users still readable afterwards.
    pub left: Vec<u64>,
    /// Ids of the probe's organizations still readable afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_organizations: Vec<u64>,
    /// Ids of the probe's groups still readable (and not deleted) afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_groups: Vec<u64>,
    /// What the cleanup could not do or check (a request that failed, an object of the
    /// journal that is not the probe's, a bulk job still running): it went on with the
    /// rest; the account may still hold what these name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Cleanup {
    /// Whether none of the probe's objects is left: the account is as before.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.left.is_empty()
            && self.left_organizations.is_empty()
            && self.left_groups.is_empty()
            && self.problems.is_empty()
    }

    /// What the cleanup did, for people: `removed 8 users, 2 organizations and 1 group;
    /// none of the probe's objects is left`, else what is still readable and what could
    /// not be done.
    #[must_use]
    pub fn summary(&self) -> String {
        let mut text = format!("removed {}", self.removed_summary());
        if self.is_complete() {
            text.push_str("; none of the probe's objects is left");
            return text;
        }
        let left = self.left_summary();
        if !left.is_empty() {
            text.push_str("; still readable: ");
            text.push_str(&left);
        }
        for problem in &self.problems {
            text.push_str("; could not: ");
            text.push_str(problem);
        }
        text
    }

    /// [`Cleanup::summary`], with the command that tries again when something is left.
    #[must_use]
    pub fn summary_with_retry(&self, journal: &std::path::Path) -> String {
        let mut text = self.summary();
        if !self.is_complete() {
            text.push_str("; `zroster probe --cleanup ");
            text.push_str(&journal.display().to_string());
            text.push_str("` tries again");
        }
        text
    }

    /// What it removed, for people: `8 users, 2 organizations and 1 group`.
    #[must_use]
    pub fn removed_summary(&self) -> String {
        let plural =
            |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {} and {}",
            plural(self.removed, "user", "users"),
            plural(self.removed_organizations, "organization", "organizations"),
            plural(self.removed_groups, "group", "groups"),
        )
    }

    /// What is left, for people: `users 7, 8; groups 9`.
    #[must_use]
    pub fn left_summary(&self) -> String {
        let ids = |ids: &[u64]| {
            ids.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        [
            ("users", &self.left),
            ("organizations", &self.left_organizations),
            ("groups", &self.left_groups),
        ]
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(what, list)| format!("{what} {}", ids(list)))
        .collect::<Vec<_>>()
        .join("; ")
    }
}

impl ProbeReport {
    /// The emulator's `account` object that makes it behave like the probed account: the
    /// plan as the profile, then every setting and choice the report settled.
    #[must_use]
    pub fn to_account_settings(&self) -> AccountSettings {
        // Taken apart whole: a reading added to the report cannot be left out here.
        let ProbedAccount {
            plan,
            rate_limit,
            user_tagging,
            multiple_organizations,
            bulk_imports,
            default_group,
            promoted_agent_joins_default_group,
            new_agent_role,
            custom_role_null,
            undefined_user_field,
            create_or_update_prefers,
            search_lag_s,
            organization_id_change,
            last_group_membership,
            tags_without_tagging,
            verified_write,
            users_search_cap,
        } = self.account_settings.clone();
        AccountSettings {
            profile: plan,
            plan,
            rate_limit,
            user_tagging,
            multiple_organizations,
            bulk_imports,
            default_group,
            promoted_agent_joins_default_group,
            new_agent_role,
            custom_role_null,
            undefined_user_field,
            create_or_update_prefers,
            search_lag_s,
            organization_id_change,
            last_group_membership,
            tags_without_tagging,
            verified_write,
            users_search_cap,
            ..AccountSettings::default()
        }
    }

    /// Reads a report written by `--report`.
    pub fn load(path: &std::path::Path) -> Result<Self, super::ProbeError> {
        let failed = |reason: String| super::ProbeError::ReadReport {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| failed(e.to_string()))
    }

    /// The report for people: one block per finding, then the cleanup.
    pub fn write_human(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "Probe of {} ({}): {} requests of a budget of {}",
            self.account, self.prefix, self.requests, self.budget
        )?;
        for f in &self.findings {
            writeln!(out)?;
            writeln!(out, "{:<15}{}", f.verdict.label(), f.experiment)?;
            writeln!(out, "  assumed:  {}", f.assumption)?;
            writeln!(out, "  observed: {}", f.observed)?;
            writeln!(out, "  meaning:  {}", f.meaning)?;
        }
        writeln!(out)?;
        let differs = self
            .findings
            .iter()
            .filter(|f| f.verdict == Verdict::Differs)
            .count();
        let unknown = self
            .findings
            .iter()
            .filter(|f| f.verdict == Verdict::CouldNotTell)
            .count();
        writeln!(
            out,
            "{} assumptions: {} hold, {differs} differ, {unknown} could not be told",
            self.findings.len(),
            self.findings.len() - differs - unknown,
        )?;
        writeln!(out, "Cleanup: {}", self.cleanup.summary())
    }
}
