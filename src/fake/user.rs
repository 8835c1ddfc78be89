//! The user record in Zendesk's wire shape: field order and defaults as recorded
//! (`zendesk/API.md` §1.13, `zenpy__user-create-single.json`, `zenpy__users-me.json`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user's coarse role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// A customer.
    #[serde(rename = "end-user")]
    EndUser,
    /// An agent (takes a seat).
    #[serde(rename = "agent")]
    Agent,
    /// An administrator.
    #[serde(rename = "admin")]
    Admin,
}

impl Role {
    /// Parses `end-user`, `agent` or `admin`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "end-user" => Some(Self::EndUser),
            "agent" => Some(Self::Agent),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EndUser => "end-user",
            Self::Agent => "agent",
            Self::Admin => "admin",
        }
    }

    /// Agents and admins are staff.
    #[must_use]
    pub fn is_staff(self) -> bool {
        self != Self::EndUser
    }
}

/// A user's tags, left out of every answer while the account has user tagging off (the
/// `OpenAPI` file: "only present if your account has user tagging enabled"). They are kept
/// meanwhile and show again when tagging is turned back on (UNCERTAIN).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// The tags, in the order Zendesk keeps them.
    pub list: Vec<String>,
    /// Whether answers leave them out.
    pub hidden: bool,
}

impl Tags {
    /// Whether answers leave the tags out (`skip_serializing_if`).
    #[must_use]
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }
}

impl std::ops::Deref for Tags {
    type Target = Vec<String>;
    fn deref(&self) -> &Vec<String> {
        &self.list
    }
}

impl std::ops::DerefMut for Tags {
    fn deref_mut(&mut self) -> &mut Vec<String> {
        &mut self.list
    }
}

impl Serialize for Tags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self {
            list: Vec::deserialize(deserializer)?,
            hidden: false,
        })
    }
}

/// A Zendesk user, serialized in the recorded key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // the fields are Zendesk's, documented in API.md §1.13
#[allow(clippy::struct_excessive_bools)] // Zendesk's wire shape has that many flags
pub struct User {
    pub id: u64,
    pub url: String,
    pub name: String,
    pub email: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub time_zone: String,
    pub iana_time_zone: String,
    pub phone: Option<String>,
    pub shared_phone_number: Option<bool>,
    pub photo: Option<Value>,
    pub locale_id: u64,
    pub locale: String,
    pub organization_id: Option<u64>,
    pub role: Role,
    pub verified: bool,
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_hidden")]
    pub tags: Tags,
    pub alias: Option<String>,
    pub active: bool,
    pub shared: bool,
    pub shared_agent: bool,
    pub last_login_at: Option<String>,
    pub two_factor_auth_enabled: Option<bool>,
    pub signature: Option<String>,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub role_type: Option<u8>,
    pub custom_role_id: Option<u64>,
    pub moderator: bool,
    pub ticket_restriction: Option<String>,
    pub only_private_comments: bool,
    pub restricted_agent: bool,
    pub suspended: bool,
    pub default_group_id: Option<u64>,
    pub report_csv: bool,
    pub user_fields: Map<String, Value>,
}

impl User {
    /// A new end-user with Zendesk's defaults.
    #[must_use]
    pub fn new(id: u64, url: String, name: String, now: &str) -> Self {
        Self {
            id,
            url,
            name,
            email: None,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            time_zone: "America/New_York".to_owned(),
            iana_time_zone: "America/New_York".to_owned(),
            phone: None,
            shared_phone_number: None,
            photo: None,
            locale_id: 1,
            locale: "en-US".to_owned(),
            organization_id: None,
            role: Role::EndUser,
            verified: false,
            external_id: None,
            tags: Tags::default(),
            alias: None,
            active: true,
            shared: false,
            shared_agent: false,
            last_login_at: None,
            // false in the 2021 and 2023 recordings (null in the 2024 ones).
            two_factor_auth_enabled: Some(false),
            signature: None,
            details: None,
            notes: None,
            role_type: None,
            custom_role_id: None,
            moderator: false,
            ticket_restriction: Some("requested".to_owned()),
            only_private_comments: false,
            restricted_agent: true,
            suspended: false,
            default_group_id: None,
            report_csv: false,
            user_fields: Map::new(),
        }
    }

    /// Sets `role` and the fields Zendesk derives from it. `admin_role_id` is the system
    /// role admins carry; `custom_role` is the agent's custom role (`id`, `role_type`).
    pub fn set_role(&mut self, role: Role, admin_role_id: u64, custom_role: Option<(u64, u8)>) {
        self.role = role;
        match role {
            Role::EndUser => {
                self.role_type = None;
                self.custom_role_id = None;
                self.moderator = false;
                self.ticket_restriction = Some("requested".to_owned());
                self.restricted_agent = true;
                self.report_csv = false;
                self.default_group_id = None;
            }
            Role::Agent => {
                self.custom_role_id = custom_role.map(|(id, _)| id);
                self.role_type = custom_role.map(|(_, role_type)| role_type);
                self.ticket_restriction = None;
                self.restricted_agent = false;
            }
            Role::Admin => {
                self.role_type = Some(4);
                self.custom_role_id = Some(admin_role_id);
                self.moderator = true;
                self.ticket_restriction = None;
                self.restricted_agent = false;
                self.report_csv = true;
                self.two_factor_auth_enabled = None;
            }
        }
    }

    /// The JSON object of this user.
    #[must_use]
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The object `/users/me` answers: the user plus `authenticity_token` after `verified`.
    #[must_use]
    pub fn to_me_json(&self) -> Value {
        let Value::Object(map) = self.to_json() else {
            return Value::Null;
        };
        let mut out = Map::new();
        for (key, value) in map {
            let after_verified = key == "verified";
            out.insert(key, value);
            if after_verified {
                out.insert(
                    "authenticity_token".into(),
                    Value::String(format!("fake-authenticity-{}", self.id)),
                );
            }
        }
        Value::Object(out)
    }

    /// The anonymous user `/users/me` answers without valid credentials. Only `name` is
    /// recorded; the other fields follow the end-user shape with null ids (a documented choice).
    #[must_use]
    pub fn anonymous_json() -> Value {
        let mut user = Self::new(0, String::new(), "Anonymous user".to_owned(), "");
        user.two_factor_auth_enabled = None;
        let Value::Object(mut map) = user.to_json() else {
            return Value::Null;
        };
        for key in ["id", "url", "created_at", "updated_at"] {
            map.insert(key.into(), Value::Null);
        }
        map.insert("active".into(), Value::Bool(false));
        Value::Object(map)
    }

    /// Maps Rails time zone names Zendesk shows to their IANA names; IANA names map to themselves.
    #[must_use]
    pub fn iana_for(time_zone: &str) -> String {
        const NAMES: &[(&str, &str)] = &[
            ("Eastern Time (US & Canada)", "America/New_York"),
            ("Central Time (US & Canada)", "America/Chicago"),
            ("Mountain Time (US & Canada)", "America/Denver"),
            ("Pacific Time (US & Canada)", "America/Los_Angeles"),
            ("Arizona", "America/Phoenix"),
            ("London", "Europe/London"),
            ("Berlin", "Europe/Berlin"),
            ("Paris", "Europe/Paris"),
            ("Amsterdam", "Europe/Amsterdam"),
            ("Copenhagen", "Europe/Copenhagen"),
            ("Osaka", "Asia/Tokyo"),
            ("Tokyo", "Asia/Tokyo"),
            ("UTC", "Etc/UTC"),
        ];
        NAMES
            .iter()
            .find(|(rails, _)| rails.eq_ignore_ascii_case(time_zone))
            .map_or_else(|| time_zone.to_owned(), |(_, iana)| (*iana).to_owned())
    }
}
