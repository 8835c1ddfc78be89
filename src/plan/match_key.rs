//! [`MatchKey`]: how a change finds its object in Zendesk, written `external_id:emp-1`,
//! `email:jane@acme.com`, `name:Billing` or `id:42` in a plan's JSON.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a change's object is found: by the roster's keys for users, by name or external id
/// for named objects, by id for live users the roster does not list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKey {
    /// A user's or an organization's external id.
    ExternalId(String),
    /// A user's primary email.
    Email(String),
    /// A custom role's, organization's or group's name.
    Name(String),
    /// A live user with neither external id nor email.
    Id(u64),
}

impl MatchKey {
    /// What the key is called in its written form: `external_id`, `email`, `name`, `id`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            MatchKey::ExternalId(_) => "external_id",
            MatchKey::Email(_) => "email",
            MatchKey::Name(_) => "name",
            MatchKey::Id(_) => "id",
        }
    }

    /// The key's value: `emp-1`, `jane@acme.com`, `Billing`, `42`.
    #[must_use]
    pub fn value(&self) -> Cow<'_, str> {
        match self {
            MatchKey::ExternalId(value) | MatchKey::Email(value) | MatchKey::Name(value) => {
                Cow::Borrowed(value)
            }
            MatchKey::Id(id) => Cow::Owned(id.to_string()),
        }
    }

    /// The key with its value in lower case: keys compare case-insensitively.
    #[must_use]
    pub fn to_lowercase(&self) -> MatchKey {
        match self {
            MatchKey::ExternalId(value) => MatchKey::ExternalId(value.to_lowercase()),
            MatchKey::Email(value) => MatchKey::Email(value.to_lowercase()),
            MatchKey::Name(value) => MatchKey::Name(value.to_lowercase()),
            MatchKey::Id(id) => MatchKey::Id(*id),
        }
    }

    /// Reads the written form back (a saved plan).
    fn parse(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!("`{text}` is not a match key (`external_id:…`, `email:…`, `name:…`, `id:…`)")
        };
        let (kind, value) = text.split_once(':').ok_or_else(invalid)?;
        let value = value.to_owned();
        match kind {
            "external_id" => Ok(MatchKey::ExternalId(value)),
            "email" => Ok(MatchKey::Email(value)),
            "name" => Ok(MatchKey::Name(value)),
            "id" => value.parse().map(MatchKey::Id).map_err(|_| invalid()),
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatchKey::ExternalId(value) | MatchKey::Email(value) | MatchKey::Name(value) => {
                write!(f, "{}:{value}", self.kind())
            }
            MatchKey::Id(id) => write!(f, "id:{id}"),
        }
    }
}

impl Serialize for MatchKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MatchKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::MatchKey;

    #[test]
    fn every_key_reads_back_as_written() {
        for key in [
            MatchKey::ExternalId("emp:1".to_owned()),
            MatchKey::Email("jane@acme.com".to_owned()),
            MatchKey::Name("Tier 1".to_owned()),
            MatchKey::Id(42),
        ] {
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(
                serde_json::from_str::<MatchKey>(&json).unwrap(),
                key,
                "{json}"
            );
        }
        assert_eq!(MatchKey::Email("a@b".to_owned()).to_string(), "email:a@b");
        assert!(serde_json::from_str::<MatchKey>("\"phone:1\"").is_err());
        assert!(serde_json::from_str::<MatchKey>("\"\"").is_err());
    }
}
