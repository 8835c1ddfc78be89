//! A group in the recorded key order (`zenpy__group-create-single.json`).

use serde::{Deserialize, Serialize};

/// A Zendesk group of agents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §4.3
pub struct Group {
    pub url: String,
    pub id: u64,
    pub is_public: bool,
    pub name: String,
    pub description: String,
    pub default: bool,
    pub deleted: bool,
    pub created_at: String,
    pub updated_at: String,
}
