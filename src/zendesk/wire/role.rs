//! The coarse user role: `end-user`, `agent`, `admin`.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A user's `role`. Values Zendesk may add later are kept as [`Role::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
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

impl Role {
    fn from_str_ref(value: &str) -> Self {
        match value {
            "end-user" => Self::EndUser,
            "agent" => Self::Agent,
            "admin" => Self::Admin,
            _ => Self::Other(value.to_owned()),
        }
    }
}

/// Reads the role from a borrowed string: the three known roles allocate nothing (a
/// 100,000-user fetch reads 100,000 roles).
impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RoleVisitor;

        impl Visitor<'_> for RoleVisitor {
            type Value = Role;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Role, E> {
                Ok(Role::from_str_ref(value))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Role, E> {
                Ok(Role::from(value))
            }
        }

        deserializer.deserialize_str(RoleVisitor)
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
