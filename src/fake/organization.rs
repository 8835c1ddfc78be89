//! An organization in the recorded key order (`zenpy__organization-create-single.json`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A Zendesk organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.1
pub struct Organization {
    pub url: String,
    pub id: u64,
    pub name: String,
    pub shared_tickets: bool,
    pub shared_comments: bool,
    pub external_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub domain_names: Vec<String>,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub group_id: Option<u64>,
    pub tags: Vec<String>,
    pub organization_fields: Map<String, Value>,
}
