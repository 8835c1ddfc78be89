//! A user identity (an email address) in the recorded wire shape (`grouparoo` #41/#42).

use serde::{Deserialize, Serialize};

/// A user identity; the emulator keeps email identities only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // Zendesk's fields, API.md §1.12
pub struct Identity {
    pub url: String,
    pub id: u64,
    pub user_id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub verified: bool,
    pub primary: bool,
    pub created_at: String,
    pub updated_at: String,
    pub undeliverable_count: u64,
    pub deliverable_state: String,
    /// When the identity last stopped being primary (a store-wide sequence number; 0 never):
    /// Zendesk lists a user's identities primary first, then the ones most recently primary,
    /// then the others by id (recorded, `grouparoo__users-export-record-2021-10.json`, exchanges 72 and 73).
    #[serde(skip)]
    pub demoted: u64,
}
