//! The coarse user role: `end-user`, `agent`, `admin`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A user's `role`. Values Zendesk may add later are kept as [`Role::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Role {
    /// `end-user`.
    EndUser,
    /// `agent`.
    Agent,
    /// `admin`.
    Admin,
    /// Anything else, as sent.
    Other(String),
}

impl Role {
    /// The wire spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::EndUser => "end-user",
            Self::Agent => "agent",
            Self::Admin => "admin",
            Self::Other(other) => other,
        }
    }
}

impl From<String> for Role {
    fn from(value: String) -> Self {
        match value.as_str() {
            "end-user" => Self::EndUser,
            "agent" => Self::Agent,
            "admin" => Self::Admin,
            _ => Self::Other(value),
        }
    }
}

impl From<Role> for String {
    fn from(role: Role) -> Self {
        role.as_str().to_owned()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
