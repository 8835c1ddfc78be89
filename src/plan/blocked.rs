//! [`Blocked`]: why a change is kept in the plan but not applied. A plan's JSON writes the
//! reason as the sentence people read; reading a saved plan turns the sentence back into
//! the reason (the one place it is parsed).

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a change is not applied. The rest of the plan still applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The user matches a `protect` pattern (DESIGN.md §5).
    Protected {
        /// The pattern, as the roster writes it.
        pattern: String,
    },
    /// The change would demote, suspend or delete the user the plan is made as.
    AuthenticatedUser,
    /// The change would change the primary email of the user the plan is made as (the
    /// address its credentials name).
    AuthenticatedUserEmail,
    /// The roster entry's keys point at users that cannot all be it (DESIGN.md §3).
    Conflict(Conflict),
    /// A roster value the account cannot take (`groups` on an end-user, `tags` without
    /// user tagging, …): an error in the roster that blocks only the user concerned.
    AccountRule {
        /// Which rule.
        rule: AccountRule,
        /// What is wrong, naming the value.
        message: String,
        /// What to do about it.
        hint: String,
    },
    /// A custom role on an account without custom roles (they need Zendesk Enterprise).
    NoCustomRoles,
    /// A private group made public, which Zendesk does not do.
    PrivateGroup,
}

/// Roster keys that point at more than one live user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// The external id is one user's, the email another's.
    TwoUsers {
        /// The roster's external id.
        external_id: String,
        /// The user holding it.
        by_external_id: u64,
        /// The roster's email.
        email: String,
        /// The user holding it as the primary email.
        by_email: u64,
    },
    /// The email is another user's secondary address.
    SecondaryEmail {
        /// The roster's email.
        email: String,
        /// The user holding it.
        owner: u64,
        /// That user, as the plan names users (`Bo Berg <bo@acme.com>`).
        owner_label: String,
    },
}

/// A rule of the account that a roster value breaks. Each blocks the user concerned, with
/// the roster line and a hint, and makes `--detailed-exitcode` fail like a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountRule {
    /// `groups` on a user who will be an end-user.
    GroupsOnEndUser,
    /// `tags` on an account that has user tagging turned off.
    TagsWithoutUserTagging,
    /// A `user_fields` key the account does not define.
    UndefinedUserField,
    /// `custom_role` on an account without custom roles.
    CustomRoleWithoutCustomRoles,
    /// A `user_fields` value of the wrong type for its field.
    UserFieldValue,
    /// `custom_role: null` for an agent on an account where every agent holds a role.
    AgentWithoutRole,
    /// A second organization on an account that allows one a user.
    SecondOrganization,
    /// `groups: []` for an agent on an account where every agent belongs to a group.
    AgentWithoutGroup,
}

impl AccountRule {
    /// Every rule.
    pub const ALL: [AccountRule; 8] = [
        AccountRule::GroupsOnEndUser,
        AccountRule::TagsWithoutUserTagging,
        AccountRule::UndefinedUserField,
        AccountRule::CustomRoleWithoutCustomRoles,
        AccountRule::UserFieldValue,
        AccountRule::AgentWithoutRole,
        AccountRule::SecondOrganization,
        AccountRule::AgentWithoutGroup,
    ];

    /// The rule's name, as written in a plan.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRule::GroupsOnEndUser => "groups_on_end_user",
            AccountRule::TagsWithoutUserTagging => "tags_without_user_tagging",
            AccountRule::UndefinedUserField => "undefined_user_field",
            AccountRule::CustomRoleWithoutCustomRoles => "custom_role_without_custom_roles",
            AccountRule::UserFieldValue => "user_field_value",
            AccountRule::AgentWithoutRole => "agent_without_role",
            AccountRule::SecondOrganization => "second_organization",
            AccountRule::AgentWithoutGroup => "agent_without_group",
        }
    }
}

impl Blocked {
    /// Whether the block is an error in the roster (a conflict, an account rule), which
    /// makes `plan --detailed-exitcode` exit with 1; protection and the account's limits
    /// are not.
    #[must_use]
    pub fn is_error(&self) -> bool {
        match self {
            Blocked::Conflict(_) | Blocked::AccountRule { .. } => true,
            Blocked::Protected { .. }
            | Blocked::AuthenticatedUser
            | Blocked::AuthenticatedUserEmail
            | Blocked::NoCustomRoles
            | Blocked::PrivateGroup => false,
        }
    }
}

const AUTHENTICATED_USER: &str = "the authenticated user is never demoted, suspended or deleted";
const AUTHENTICATED_USER_EMAIL: &str =
    "the authenticated user's primary email is never changed (its credentials name it)";
const NO_CUSTOM_ROLES: &str = "the account has no custom roles (they need Zendesk Enterprise)";
const PRIVATE_GROUP: &str = "Zendesk cannot make a private group public";

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocked::Protected { pattern } => write!(f, "protected by `{pattern}`"),
            Blocked::AuthenticatedUser => f.write_str(AUTHENTICATED_USER),
            Blocked::AuthenticatedUserEmail => f.write_str(AUTHENTICATED_USER_EMAIL),
            Blocked::Conflict(Conflict::TwoUsers {
                external_id,
                by_external_id,
                email,
                by_email,
            }) => write!(
                f,
                "conflict: external_id `{external_id}` belongs to user #{by_external_id} but email `{email}` to user #{by_email}"
            ),
            Blocked::Conflict(Conflict::SecondaryEmail {
                email,
                owner,
                owner_label,
            }) => write!(
                f,
                "conflict: email `{email}` is a secondary email of user #{owner} ({owner_label})"
            ),
            Blocked::AccountRule {
                rule,
                message,
                hint,
            } => write!(f, "{message} (`{}`); hint: {hint}", rule.as_str()),
            Blocked::NoCustomRoles => f.write_str(NO_CUSTOM_ROLES),
            Blocked::PrivateGroup => f.write_str(PRIVATE_GROUP),
        }
    }
}

impl Blocked {
    /// Reads the written form back (a saved plan).
    fn parse(text: &str) -> Option<Self> {
        match text {
            AUTHENTICATED_USER => return Some(Blocked::AuthenticatedUser),
            AUTHENTICATED_USER_EMAIL => return Some(Blocked::AuthenticatedUserEmail),
            NO_CUSTOM_ROLES => return Some(Blocked::NoCustomRoles),
            PRIVATE_GROUP => return Some(Blocked::PrivateGroup),
            _ => {}
        }
        if let Some(pattern) = text
            .strip_prefix("protected by `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return Some(Blocked::Protected {
                pattern: pattern.to_owned(),
            });
        }
        if let Some(rest) = text.strip_prefix("conflict: external_id `") {
            let (rest, by_email) = rest.rsplit_once("` to user #")?;
            let (rest, email) = rest.rsplit_once(" but email `")?;
            let (external_id, by_external_id) = rest.rsplit_once("` belongs to user #")?;
            return Some(Blocked::Conflict(Conflict::TwoUsers {
                external_id: external_id.to_owned(),
                by_external_id: by_external_id.parse().ok()?,
                email: email.to_owned(),
                by_email: by_email.parse().ok()?,
            }));
        }
        if let Some(rest) = text.strip_prefix("conflict: email `") {
            let (email, rest) = rest.split_once("` is a secondary email of user #")?;
            let (owner, label) = rest.split_once(" (")?;
            return Some(Blocked::Conflict(Conflict::SecondaryEmail {
                email: email.to_owned(),
                owner: owner.parse().ok()?,
                owner_label: label.strip_suffix(')')?.to_owned(),
            }));
        }
        let (rest, hint) = text.rsplit_once("; hint: ")?;
        let (message, rule) = rest.strip_suffix("`)")?.rsplit_once(" (`")?;
        let rule = AccountRule::ALL.into_iter().find(|r| r.as_str() == rule)?;
        Some(Blocked::AccountRule {
            rule,
            message: message.to_owned(),
            hint: hint.to_owned(),
        })
    }
}

impl Serialize for Blocked {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Blocked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<str>::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a reason zroster blocks a change for"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{AccountRule, Blocked, Conflict};

    #[test]
    fn every_reason_reads_back_as_written() {
        let mut reasons = vec![
            Blocked::Protected {
                pattern: "*@acme.com".to_owned(),
            },
            Blocked::AuthenticatedUser,
            Blocked::AuthenticatedUserEmail,
            Blocked::Conflict(Conflict::TwoUsers {
                external_id: "emp-1".to_owned(),
                by_external_id: 10,
                email: "omar@acme.com".to_owned(),
                by_email: 11,
            }),
            Blocked::Conflict(Conflict::SecondaryEmail {
                email: "Bo.Berg@acme.com".to_owned(),
                owner: 11,
                owner_label: "Bo Berg (x) <bo@acme.com>".to_owned(),
            }),
            Blocked::NoCustomRoles,
            Blocked::PrivateGroup,
        ];
        reasons.extend(AccountRule::ALL.map(|rule| Blocked::AccountRule {
            rule,
            message: "`groups` on `eve@acme.com`, who will be an end-user".to_owned(),
            hint: "remove `groups` (end-users belong to no group)".to_owned(),
        }));
        for reason in reasons {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(
                serde_json::from_str::<Blocked>(&json).unwrap(),
                reason,
                "{json}"
            );
        }
        assert!(serde_json::from_str::<Blocked>("\"because\"").is_err());
    }

    #[test]
    fn conflicts_and_account_rules_are_errors_and_protection_is_not() {
        let conflict = Blocked::Conflict(Conflict::SecondaryEmail {
            email: "a@b".to_owned(),
            owner: 1,
            owner_label: "A".to_owned(),
        });
        assert!(conflict.is_error());
        assert!(!Blocked::AuthenticatedUser.is_error());
        assert!(
            !Blocked::Protected {
                pattern: "x".to_owned()
            }
            .is_error()
        );
    }
}
