//! `settings.policy`: who may hold privileged access, as rules a plan must keep (evaluated
//! by [`crate::plan::policy`] at plan time and again at apply time). The model type; its doc
//! comments are the schema's descriptions.

use schemars::JsonSchema;
use serde::Serialize;

use super::model::Located;
use super::schema::{AddressPattern, Count};

/// Rules on privileged access. A plan that breaks one is refused as a whole, each offending
/// roster line named; `--allow-mass-changes` does not lift them.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Policy {
    /// Address patterns (as `protect` writes them, without `external_id:`) one of which
    /// every address of every agent and admin must match: every roster user the plan makes
    /// or keeps an agent or admin (an admin is an agent too). `[]` allows no agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<AddressPattern>>")]
    pub agent_emails: Option<Located<Vec<Located<String>>>>,
    /// Address patterns one of which every address of every admin must match: every roster
    /// user the plan makes or keeps an admin. `[]` allows no admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<AddressPattern>>")]
    pub admin_emails: Option<Located<Vec<Located<String>>>>,
    /// Most admins the account may have after the plan (suspended ones included), users
    /// the roster does not list included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Count")]
    pub max_admins: Option<Located<u32>>,
    /// The agent-seat budget: most agents and admins the account may have after the plan
    /// (suspended ones included), users the roster does not list included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Count")]
    pub max_agents: Option<Located<u32>>,
    /// Every agent and admin of the roster has an `external_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub require_external_id: Option<Located<bool>>,
    /// Every agent of the roster lists at least one group (`groups`, its own or from
    /// `defaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub agents_need_group: Option<Located<bool>>,
}

impl Policy {
    /// Whether any rule is set.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.agent_emails.is_some()
            || self.admin_emails.is_some()
            || self.max_admins.is_some()
            || self.max_agents.is_some()
            || self.require_external_id.as_ref().is_some_and(|r| r.value)
            || self.agents_need_group.as_ref().is_some_and(|r| r.value)
    }
}
