//! A custom agent role (Enterprise), shaped like zenpy's sample plus `team_member_count`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A custom agent role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §3
pub struct CustomRole {
    pub id: u64,
    pub name: String,
    pub description: Option<String>,
    pub role_type: u8,
    pub team_member_count: u64,
    pub created_at: String,
    pub updated_at: String,
    pub configuration: Map<String, Value>,
}
