//! The plan: what applying the roster would change, as data. `Planner::build` compares the
//! roster with the live state (pure, no I/O); renderers read a [`Plan`], the executor
//! applies one, and `--out` saves one as JSON (`"format_version": 3`).

pub mod binding;
mod blocked;
mod change;
mod comparison;
pub(crate) mod drift_explainer;
mod drift_explanation;
mod expiring;
mod field;
mod field_value;
mod match_key;
mod named;
pub(crate) mod normalize;
mod phase;
mod planner;
pub(crate) mod policy;
pub(crate) mod safety;
mod seats;
mod source_ref;

#[cfg(test)]
mod idempotence;
#[cfg(test)]
pub(crate) mod tests;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use blocked::{AccountRule, Blocked, Conflict};
pub use change::{Action, Change, FieldChange, Implied, Kind};
pub use drift_explainer::DriftExplainer;
pub use drift_explanation::{
    Attribution, AuditRef, ChangeAttribution, DriftExplanation, Origin, UserAttribution,
};
pub use expiring::{Ending, Expiring};
pub use field::{CustomRoleField, FieldName, GroupField, OrganizationField, UserField};
pub use field_value::FieldValue;
pub use match_key::MatchKey;
pub use named::Named;
pub(crate) use named::NamedIds;
pub use phase::Phase;
pub use planner::Planner;
pub use policy::PolicySettings;
pub use safety::{Facts, Limit, SafetySettings};
pub use source_ref::{FileLine, SourceRef};

/// The version of the plan's JSON form written by this zroster. Version 2 added the
/// safety settings and the plan's own digest, which `zapply` needs to check a saved plan.
/// Version 3 added what `zapply` checks of the access guardrails: the account's subdomain
/// as Zendesk named it (`subdomain`), the roster's account binding and policy (in
/// `safety`), when the plan was made and until when its time boxes hold (`made_at`,
/// `valid_until`). A zapply of version 2 would ignore them and apply a plan it cannot
/// check, so the version changes; this zapply refuses plans of any other version.
pub const FORMAT_VERSION: u32 = 3;

/// Where the checked-in plan schema lives, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/plan.schema.json";

/// The JSON Schema of a saved plan, pretty-printed with a trailing newline.
#[must_use]
pub fn schema_json() -> String {
    crate::schema::generate::<Plan>(SCHEMA_PATH)
}

/// What applying the roster would change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "zroster plan")]
pub struct Plan {
    /// The version of this JSON form; `3`.
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub format_version: u32,
    /// The account the plan was made for (its base URL).
    pub account: String,
    /// The account's subdomain: the one Zendesk named in its answer to `users/me` (the
    /// `url` of the user, `https://{subdomain}.zendesk.com/…`), else the base URL's; `null`
    /// when neither named one. `zapply` refuses the plan on an account named otherwise.
    pub subdomain: Option<String>,
    /// When the plan was made (RFC 3339, UTC): the clock, or `--now`. Time-boxed entries
    /// (`expires`, `temporary`) were judged at this moment.
    pub made_at: String,
    /// The first moment after `made_at` at which a time-boxed entry of the roster ends:
    /// from then on the roster grants something else than the plan assumed, and `zapply`
    /// refuses it. `null` when no time box ends after the plan.
    pub valid_until: Option<String>,
    /// SHA-256 of the roster files the plan was made from.
    pub roster_digest: String,
    /// Who the plan was made as; never demoted, suspended or deleted by it.
    pub authenticated_user: Option<UserRef>,
    /// Every change, in the order they apply.
    pub changes: Vec<Change>,
    /// In-scope live users the roster does not list, when `prune: report`.
    pub drift: Vec<Drift>,
    /// Roster entries whose access or temporary role ends within
    /// `settings.expiry_warning_days` (7 unless set), soonest first.
    pub expiring: Vec<Expiring>,
    /// Reasons the plan as a whole is refused (safety limits, `min_admins`, the policy).
    pub refusals: Vec<Refusal>,
    /// References that resolve nowhere; a plan with errors cannot be applied.
    pub errors: Vec<PlanError>,
    /// Every live object a change touches, with the `updated_at` seen when planning; a
    /// saved plan is refused if any of them changed since.
    pub touched: Vec<Touched>,
    /// The ids of the custom roles, organizations and groups the changes name; `null` for
    /// those the plan creates (the executor learns their ids when it creates them).
    pub references: References,
    /// How many memberships the whole account held when planning: after applying, the
    /// convergence check reads memberships back the cheaper way for these numbers.
    #[serde(default)]
    pub account_memberships: AccountMemberships,
    /// Counts, seats and API cost.
    pub summary: Summary,
    /// What the plan could not check and the reviewer should know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The roster's safety settings the plan was made with: `zapply` evaluates them again
    /// against the account as it is at apply time.
    pub safety: SafetySettings,
    /// Who made the drift the plan reverts, when and through what, from the account's audit
    /// log (`zplan --explain-drift`). Not needed by `zapply`: plans without it read as
    /// before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_explanation: Option<DriftExplanation>,
    /// SHA-256 of this plan's JSON with this field empty (`sha256:…`): `zapply` refuses a
    /// saved plan whose content does not match it (edited or corrupted since `zplan` wrote
    /// it). Empty in a plan that was never saved.
    #[serde(default)]
    pub plan_digest: String,
}

impl Plan {
    /// Whether the plan changes nothing (drift and notes aside).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether any change is blocked or the plan has conflicts.
    #[must_use]
    pub fn has_blocked(&self) -> bool {
        self.changes.iter().any(|c| c.blocked.is_some())
    }

    /// Whether a change is blocked by an error of the roster (a conflict, an account rule):
    /// what the roster asks and cannot be made, which fails `zplan` and `zapply` (exit 1).
    #[must_use]
    pub fn has_roster_errors(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.blocked.as_ref().is_some_and(Blocked::is_error))
    }

    /// The changes that will be applied: not blocked.
    pub fn applicable(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.blocked.is_none())
    }

    /// Sets [`Plan::plan_digest`] to the digest of the plan's content, before it is saved.
    pub fn seal(&mut self) {
        self.plan_digest = String::new();
        self.plan_digest = self.content_digest();
    }

    /// Whether [`Plan::plan_digest`] is the digest of the plan's content: the plan is as
    /// `zplan` wrote it.
    #[must_use]
    pub fn is_sealed(&mut self) -> bool {
        let written = std::mem::take(&mut self.plan_digest);
        let content = self.content_digest();
        self.plan_digest = written;
        !self.plan_digest.is_empty() && self.plan_digest == content
    }

    /// `sha256:` and the hex SHA-256 of the plan's compact JSON, hashed as it is written.
    fn content_digest(&self) -> String {
        format!("sha256:{}", self.digest())
    }

    /// What names this plan in an apply journal: its [`Plan::plan_digest`] when it was
    /// saved (the content as `zplan` wrote it, which the safety re-check at apply time does
    /// not change), else [`Plan::digest`].
    #[must_use]
    pub fn journal_name(&self) -> String {
        if self.plan_digest.is_empty() {
            self.digest()
        } else {
            self.plan_digest.clone()
        }
    }

    /// SHA-256 (hex) of the plan's JSON: names this exact plan in an apply journal, so that
    /// `--resume` continues the plan it was started with and no other.
    #[must_use]
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        use std::fmt::Write as _;
        /// Hashes what is written to it: the plan is never held as text.
        struct Hashing(sha2::Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(sha2::Sha256::new());
        // Serialising a plan to a writer that cannot fail does not fail.
        let _ = serde_json::to_writer(&mut hashing, self);
        hashing
            .0
            .finalize()
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })
    }
}

/// A user as a plan names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserRef {
    /// Zendesk id.
    pub id: u64,
    /// Primary email.
    pub email: Option<String>,
    /// Name.
    pub name: String,
}

/// An in-scope live user the roster does not list, reported under `prune: report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Drift {
    /// The user.
    pub user: UserRef,
    /// The user's role.
    pub role: String,
}

/// Why the plan as a whole is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Refusal {
    /// The rule: `max_deletes`, `max_suspends`, `max_role_changes`, `min_admins`, or one of
    /// the policy's (`policy.admin_emails`, `policy.max_agents`, …).
    pub rule: String,
    /// What is wrong and by how much.
    pub message: String,
    /// Whether `--allow-mass-changes` overrides it (`min_admins` and the policy cannot be
    /// overridden).
    pub overridable: bool,
    /// The roster line it concerns (`file:line:column`): the offending user's entry or the
    /// setting; none for a rule of the whole plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub source: Option<SourceRef>,
}

/// A problem that keeps the plan from being applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanError {
    /// Where (`file:line:column`).
    #[schemars(with = "String")]
    pub source: SourceRef,
    /// What is wrong.
    pub message: String,
}

/// A live object a change touches, as it was when planning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Touched {
    /// What kind of object.
    pub kind: Kind,
    /// Its id.
    pub id: u64,
    /// Its `updated_at` when planning.
    pub updated_at: Option<String>,
}

/// Names used by the changes, with their live ids (`null`: created by this plan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct References {
    /// Custom roles by name.
    pub custom_roles: std::collections::BTreeMap<String, Option<u64>>,
    /// Organizations by name.
    pub organizations: std::collections::BTreeMap<String, Option<u64>>,
    /// Groups by name.
    pub groups: std::collections::BTreeMap<String, Option<u64>>,
}

/// Memberships of the whole account, as the fetch listed them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AccountMemberships {
    /// Group memberships; `null` when unknown (a plan saved by an earlier zroster).
    pub group_memberships: Option<u64>,
    /// Organization memberships; `null` when not listed (the roster manages none).
    pub organization_memberships: Option<u64>,
}

impl AccountMemberships {
    /// The account's memberships of `kind` (a membership kind; `None` for the others).
    #[must_use]
    pub fn of(&self, kind: Kind) -> Option<u64> {
        match kind {
            Kind::GroupMembership => self.group_memberships,
            Kind::OrganizationMembership => self.organization_memberships,
            _ => None,
        }
    }
}

/// Counts, seats and API cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Changes that create something.
    pub create: usize,
    /// Changes that update something (memberships and identities included).
    pub update: usize,
    /// Users suspended.
    pub suspend: usize,
    /// Users downgraded to end-user.
    pub downgrade: usize,
    /// Users deleted.
    pub delete: usize,
    /// Changes that are blocked.
    pub blocked: usize,
    /// Agent seats the plan takes (positive) or frees (negative).
    pub seat_delta: i64,
    /// Estimated API requests to apply the plan: the bulk jobs, single requests for custom
    /// roles, organizations, groups and primary emails, the reads before and after creating
    /// custom roles, organizations and groups that keep them from being duplicated, a read
    /// of each user's memberships before removing any, and the convergence re-read of the
    /// users written and of the memberships changed (job polls not counted).
    pub requests: usize,
    /// Estimated bulk jobs to apply the plan.
    pub jobs: usize,
    /// Estimated API requests when the account has bulk user imports off (Zendesk's default,
    /// which no readable setting shows): every user created with a request of its own
    /// instead of 100 a job. Equal to `requests` when nothing is created.
    #[serde(default)]
    pub requests_without_bulk_imports: usize,
    /// Requests made to read the audit log when planning (`--explain-drift`): not part of
    /// applying the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain_drift_requests: Option<usize>,
}
