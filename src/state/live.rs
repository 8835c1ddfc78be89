//! The normalised live objects: what the planner compares with the roster. Converted from the
//! wire types here and nowhere else.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::roster::Role;
use crate::zendesk::wire;

/// A live user, normalised: tags sorted and unique, `null`s resolved.
#[allow(clippy::struct_excessive_bools)] // one flag per Zendesk user flag the roster manages
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveUser {
    /// Zendesk id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Primary email.
    pub email: Option<String>,
    /// External id.
    pub external_id: Option<String>,
    /// Role (Zendesk knows no other; an unknown spelling reads as end-user).
    pub role: Role,
    /// Refinement of the role (4 admin, 0 custom agent, …).
    pub role_type: Option<u8>,
    /// Custom role (admins on newer accounts carry the system role's id).
    pub custom_role_id: Option<u64>,
    /// Default organization.
    pub organization_id: Option<u64>,
    /// Default group.
    pub default_group_id: Option<u64>,
    /// Tags, sorted and unique.
    pub tags: Vec<String>,
    /// Custom user fields.
    pub user_fields: BTreeMap<String, serde_json::Value>,
    /// Suspended.
    pub suspended: bool,
    /// False for deleted users (which never match).
    pub active: bool,
    /// Alias.
    pub alias: Option<String>,
    /// Details.
    pub details: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Signature.
    pub signature: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Locale.
    pub locale: Option<Arc<str>>,
    /// Time zone (Rails-style name, as the roster writes it).
    pub time_zone: Option<Arc<str>>,
    /// The same time zone by its IANA name (`Europe/Berlin`), which the roster may write too.
    pub iana_time_zone: Option<Arc<str>>,
    /// Moderator.
    pub moderator: bool,
    /// Ticket restriction.
    pub ticket_restriction: Option<Arc<str>>,
    /// Only private comments.
    pub only_private_comments: bool,
    /// Verified.
    pub verified: bool,
    /// Ticket-sharing user (cannot be updated).
    pub shared: bool,
    /// Last change, for the staleness check of a saved plan.
    pub updated_at: Option<String>,
}

/// Shares the values that repeat across an account's users (a locale, a time zone, a ticket
/// restriction), so that 100,000 users hold a few strings rather than 400,000.
#[derive(Debug, Default)]
pub struct Interner {
    seen: HashSet<Arc<str>>,
}

impl Interner {
    /// The shared copy of `text`.
    pub fn intern(&mut self, text: String) -> Arc<str> {
        if let Some(shared) = self.seen.get(text.as_str()) {
            return Arc::clone(shared);
        }
        let shared: Arc<str> = Arc::from(text);
        self.seen.insert(Arc::clone(&shared));
        shared
    }
}

impl From<wire::User> for LiveUser {
    fn from(user: wire::User) -> Self {
        Self::from_wire(user, &mut Interner::default())
    }
}

impl LiveUser {
    /// Whether the user holds an agent seat: admins and agents, suspended ones included,
    /// but not light agents and contributors (`role_type` 1 and 3), whom Zendesk does not
    /// count (help center 4408846314266). A deleted user holds none.
    #[must_use]
    pub fn takes_seat(&self) -> bool {
        self.active
            && match self.role {
                Role::Admin => true,
                Role::Agent => !matches!(self.role_type, Some(1 | 3)),
                Role::EndUser => false,
            }
    }

    /// Normalises a wire user, sharing repeated values through `interner`.
    pub fn from_wire(user: wire::User, interner: &mut Interner) -> Self {
        let mut tags = user.tags;
        tags.sort();
        tags.dedup();
        Self {
            id: user.id,
            name: user.name,
            email: user.email,
            external_id: user.external_id,
            role: Role::from_name(user.role.as_str()).unwrap_or(Role::EndUser),
            role_type: user.role_type,
            custom_role_id: user.custom_role_id,
            organization_id: user.organization_id,
            default_group_id: user.default_group_id,
            tags,
            user_fields: user.user_fields.into_iter().collect(),
            suspended: user.suspended,
            active: user.active,
            alias: user.alias,
            details: user.details,
            notes: user.notes,
            signature: user.signature,
            phone: user.phone,
            locale: user.locale.map(|t| interner.intern(t)),
            time_zone: user.time_zone.map(|t| interner.intern(t)),
            iana_time_zone: user.iana_time_zone.map(|t| interner.intern(t)),
            moderator: user.moderator,
            ticket_restriction: user.ticket_restriction.map(|t| interner.intern(t)),
            only_private_comments: user.only_private_comments,
            verified: user.verified,
            shared: user.shared,
            updated_at: user.updated_at,
        }
    }
}

/// A live custom role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveCustomRole {
    /// Zendesk id.
    pub id: u64,
    /// Name (matched case-insensitively).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// 0 custom agent, 4 admin, …
    pub role_type: Option<u8>,
    /// Permission keys.
    pub configuration: BTreeMap<String, serde_json::Value>,
    /// Last change.
    pub updated_at: Option<String>,
}

impl From<wire::CustomRole> for LiveCustomRole {
    fn from(role: wire::CustomRole) -> Self {
        Self {
            id: role.id,
            name: role.name,
            description: role.description,
            role_type: role.role_type,
            configuration: role.configuration.into_iter().collect(),
            updated_at: role.updated_at,
        }
    }
}

/// A live organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveOrganization {
    /// Zendesk id.
    pub id: u64,
    /// Name (unique, matched case-insensitively).
    pub name: String,
    /// External id.
    pub external_id: Option<String>,
    /// Domains, sorted.
    pub domain_names: Vec<String>,
    /// Details.
    pub details: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tags, sorted and unique.
    pub tags: Vec<String>,
    /// Shared tickets.
    pub shared_tickets: bool,
    /// Shared comments.
    pub shared_comments: bool,
    /// Last change.
    pub updated_at: Option<String>,
}

impl From<wire::Organization> for LiveOrganization {
    fn from(organization: wire::Organization) -> Self {
        let mut domain_names = organization.domain_names;
        domain_names.sort();
        let mut tags = organization.tags;
        tags.sort();
        tags.dedup();
        Self {
            id: organization.id,
            name: organization.name,
            external_id: organization.external_id,
            domain_names,
            details: organization.details,
            notes: organization.notes,
            tags,
            shared_tickets: organization.shared_tickets,
            shared_comments: organization.shared_comments,
            updated_at: organization.updated_at,
        }
    }
}

/// A live group (deleted groups are left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveGroup {
    /// Zendesk id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Description (`""` reads as none).
    pub description: Option<String>,
    /// Public or private.
    pub is_public: Option<bool>,
    /// The account's default group.
    pub default: bool,
    /// Last change.
    pub updated_at: Option<String>,
}

impl From<wire::Group> for LiveGroup {
    fn from(group: wire::Group) -> Self {
        Self {
            id: group.id,
            name: group.name,
            description: group.description.filter(|d| !d.is_empty()),
            is_public: group.is_public,
            default: group.default,
            updated_at: group.updated_at,
        }
    }
}

/// A user's membership in a group or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LiveMembership {
    /// Membership id (what `destroy_many` takes).
    pub id: u64,
    /// The member.
    pub user_id: u64,
    /// The group or organization.
    pub target_id: u64,
    /// Whether it is the user's default one.
    pub default: bool,
}

impl From<wire::GroupMembership> for LiveMembership {
    fn from(membership: wire::GroupMembership) -> Self {
        Self {
            id: membership.id,
            user_id: membership.user_id,
            target_id: membership.group_id,
            default: membership.default,
        }
    }
}

impl From<wire::OrganizationMembership> for LiveMembership {
    fn from(membership: wire::OrganizationMembership) -> Self {
        Self {
            id: membership.id,
            user_id: membership.user_id,
            target_id: membership.organization_id,
            default: membership.default,
        }
    }
}
