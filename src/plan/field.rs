//! The fields a plan changes, one enum per kind of object: [`UserField`],
//! [`CustomRoleField`], [`OrganizationField`], [`GroupField`], joined in [`FieldName`]. A
//! plan's JSON writes each by the roster's name (`custom_role`, `user_fields.code`).

use std::fmt;

use serde::{Serialize, Serializer};

use super::Kind;
use super::field_value::Shape;

/// A field of the object a change concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldName {
    /// A user's field (users, their identities and memberships).
    User(UserField),
    /// A custom role's field.
    CustomRole(CustomRoleField),
    /// An organization's field.
    Organization(OrganizationField),
    /// A group's field.
    Group(GroupField),
}

/// A user field the roster manages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UserField {
    /// `name`.
    Name,
    /// `email`, the primary email.
    Email,
    /// `external_id`.
    ExternalId,
    /// `role`.
    Role,
    /// `custom_role`, by name.
    CustomRole,
    /// `organization`, the default organization, by name.
    Organization,
    /// `default_group`, by name.
    DefaultGroup,
    /// `tags`, as a set.
    Tags,
    /// A custom user field, `user_fields.<key>`.
    Custom(String),
    /// `alias`.
    Alias,
    /// `details`.
    Details,
    /// `notes`.
    Notes,
    /// `signature`.
    Signature,
    /// `phone`.
    Phone,
    /// `locale`.
    Locale,
    /// `time_zone`.
    TimeZone,
    /// `ticket_restriction`.
    TicketRestriction,
    /// `moderator`.
    Moderator,
    /// `only_private_comments`.
    OnlyPrivateComments,
    /// `verified`.
    Verified,
    /// `suspended`.
    Suspended,
}

/// A custom role field the roster manages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CustomRoleField {
    /// `name`.
    Name,
    /// `description`.
    Description,
    /// A permission, `configuration.<key>`.
    Configuration(String),
}

/// An organization field the roster manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrganizationField {
    /// `name`.
    Name,
    /// `external_id`.
    ExternalId,
    /// `domain_names`, as a set.
    DomainNames,
    /// `details`.
    Details,
    /// `notes`.
    Notes,
    /// `tags`, as a set.
    Tags,
    /// `shared_tickets`.
    SharedTickets,
    /// `shared_comments`.
    SharedComments,
}

/// A group field the roster manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupField {
    /// `name`.
    Name,
    /// `description`.
    Description,
    /// `is_public`.
    IsPublic,
}

/// The prefix of custom user fields.
const USER_FIELDS: &str = "user_fields.";
/// The prefix of custom-role permissions.
const CONFIGURATION: &str = "configuration.";

impl UserField {
    /// Every user field of fixed name (custom user fields aside), in the order the planner
    /// lists them.
    pub const FIXED: [UserField; 20] = [
        UserField::Name,
        UserField::Email,
        UserField::ExternalId,
        UserField::Role,
        UserField::CustomRole,
        UserField::Organization,
        UserField::DefaultGroup,
        UserField::Tags,
        UserField::Alias,
        UserField::Details,
        UserField::Notes,
        UserField::Signature,
        UserField::Phone,
        UserField::Locale,
        UserField::TimeZone,
        UserField::TicketRestriction,
        UserField::Moderator,
        UserField::OnlyPrivateComments,
        UserField::Verified,
        UserField::Suspended,
    ];

    /// The roster's (and Zendesk's) name of a field of fixed name; `None` for custom user
    /// fields, named `user_fields.<key>`.
    #[must_use]
    pub fn fixed_name(&self) -> Option<&'static str> {
        self.name().ok()
    }

    /// The field's fixed name, or the key of a custom user field.
    fn name(&self) -> Result<&'static str, &str> {
        Ok(match self {
            UserField::Name => "name",
            UserField::Email => "email",
            UserField::ExternalId => "external_id",
            UserField::Role => "role",
            UserField::CustomRole => "custom_role",
            UserField::Organization => "organization",
            UserField::DefaultGroup => "default_group",
            UserField::Tags => "tags",
            UserField::Custom(key) => return Err(key),
            UserField::Alias => "alias",
            UserField::Details => "details",
            UserField::Notes => "notes",
            UserField::Signature => "signature",
            UserField::Phone => "phone",
            UserField::Locale => "locale",
            UserField::TimeZone => "time_zone",
            UserField::TicketRestriction => "ticket_restriction",
            UserField::Moderator => "moderator",
            UserField::OnlyPrivateComments => "only_private_comments",
            UserField::Verified => "verified",
            UserField::Suspended => "suspended",
        })
    }

    /// What the field's values are.
    pub(crate) fn shape(&self) -> Shape {
        match self {
            UserField::Name
            | UserField::Email
            | UserField::ExternalId
            | UserField::CustomRole
            | UserField::Organization
            | UserField::DefaultGroup
            | UserField::Alias
            | UserField::Details
            | UserField::Notes
            | UserField::Signature
            | UserField::Phone
            | UserField::Locale
            | UserField::TimeZone
            | UserField::TicketRestriction => Shape::Text,
            UserField::Role => Shape::Role,
            UserField::Tags => Shape::List,
            UserField::Custom(_) => Shape::Json,
            UserField::Moderator
            | UserField::OnlyPrivateComments
            | UserField::Verified
            | UserField::Suspended => Shape::Flag,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        if let Some(key) = name.strip_prefix(USER_FIELDS) {
            return Some(UserField::Custom(key.to_owned()));
        }
        UserField::FIXED
            .into_iter()
            .find(|field| field.fixed_name() == Some(name))
    }
}

impl CustomRoleField {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "name" => Some(CustomRoleField::Name),
            "description" => Some(CustomRoleField::Description),
            _ => name
                .strip_prefix(CONFIGURATION)
                .map(|key| CustomRoleField::Configuration(key.to_owned())),
        }
    }

    fn shape(&self) -> Shape {
        match self {
            CustomRoleField::Name | CustomRoleField::Description => Shape::Text,
            CustomRoleField::Configuration(_) => Shape::Json,
        }
    }
}

impl OrganizationField {
    const ALL: [OrganizationField; 8] = [
        OrganizationField::Name,
        OrganizationField::ExternalId,
        OrganizationField::DomainNames,
        OrganizationField::Details,
        OrganizationField::Notes,
        OrganizationField::Tags,
        OrganizationField::SharedTickets,
        OrganizationField::SharedComments,
    ];

    /// The roster's (and Zendesk's) name of the field.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationField::Name => "name",
            OrganizationField::ExternalId => "external_id",
            OrganizationField::DomainNames => "domain_names",
            OrganizationField::Details => "details",
            OrganizationField::Notes => "notes",
            OrganizationField::Tags => "tags",
            OrganizationField::SharedTickets => "shared_tickets",
            OrganizationField::SharedComments => "shared_comments",
        }
    }

    fn shape(self) -> Shape {
        match self {
            OrganizationField::Name
            | OrganizationField::ExternalId
            | OrganizationField::Details
            | OrganizationField::Notes => Shape::Text,
            OrganizationField::DomainNames | OrganizationField::Tags => Shape::List,
            OrganizationField::SharedTickets | OrganizationField::SharedComments => Shape::Flag,
        }
    }
}

impl GroupField {
    const ALL: [GroupField; 3] = [
        GroupField::Name,
        GroupField::Description,
        GroupField::IsPublic,
    ];

    /// The roster's (and Zendesk's) name of the field.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GroupField::Name => "name",
            GroupField::Description => "description",
            GroupField::IsPublic => "is_public",
        }
    }

    fn shape(self) -> Shape {
        match self {
            GroupField::Name | GroupField::Description => Shape::Text,
            GroupField::IsPublic => Shape::Flag,
        }
    }
}

impl FieldName {
    /// Reads the written name of a field of a change of `kind` back (a saved plan).
    pub(crate) fn parse(kind: Kind, name: &str) -> Result<Self, String> {
        let field = match kind {
            Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => {
                UserField::parse(name).map(FieldName::User)
            }
            Kind::CustomRole => CustomRoleField::parse(name).map(FieldName::CustomRole),
            Kind::Organization => OrganizationField::ALL
                .into_iter()
                .find(|f| f.as_str() == name)
                .map(FieldName::Organization),
            Kind::Group => GroupField::ALL
                .into_iter()
                .find(|f| f.as_str() == name)
                .map(FieldName::Group),
        };
        field.ok_or_else(|| {
            format!("`{name}` is not a field zroster changes on this kind of object")
        })
    }

    /// What the field's values are.
    pub(crate) fn shape(&self) -> Shape {
        match self {
            FieldName::User(field) => field.shape(),
            FieldName::CustomRole(field) => field.shape(),
            FieldName::Organization(field) => field.shape(),
            FieldName::Group(field) => field.shape(),
        }
    }
}

impl fmt::Display for UserField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Ok(name) => f.write_str(name),
            Err(key) => write!(f, "{USER_FIELDS}{key}"),
        }
    }
}

impl fmt::Display for CustomRoleField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CustomRoleField::Name => f.write_str("name"),
            CustomRoleField::Description => f.write_str("description"),
            CustomRoleField::Configuration(key) => write!(f, "{CONFIGURATION}{key}"),
        }
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldName::User(field) => field.fmt(f),
            FieldName::CustomRole(field) => field.fmt(f),
            FieldName::Organization(field) => f.write_str(field.as_str()),
            FieldName::Group(field) => f.write_str(field.as_str()),
        }
    }
}

impl Serialize for FieldName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{CustomRoleField, FieldName, GroupField, OrganizationField, UserField};
    use crate::plan::Kind;

    #[test]
    fn every_field_reads_back_as_written() {
        let mut fields: Vec<(Kind, FieldName)> = UserField::FIXED
            .into_iter()
            .chain([UserField::Custom("start.date".to_owned())])
            .map(|f| (Kind::User, FieldName::User(f)))
            .collect();
        fields.extend(
            [
                CustomRoleField::Name,
                CustomRoleField::Description,
                CustomRoleField::Configuration("ticket_access".to_owned()),
            ]
            .map(|f| (Kind::CustomRole, FieldName::CustomRole(f))),
        );
        fields.extend(
            OrganizationField::ALL.map(|f| (Kind::Organization, FieldName::Organization(f))),
        );
        fields.extend(GroupField::ALL.map(|f| (Kind::Group, FieldName::Group(f))));
        for (kind, field) in fields {
            let written = field.to_string();
            assert_eq!(FieldName::parse(kind, &written), Ok(field), "{written}");
        }
        assert_eq!(
            UserField::Custom("code".to_owned()).to_string(),
            "user_fields.code"
        );
        assert!(FieldName::parse(Kind::Group, "role").is_err());
    }
}
