//! The roster model: what the YAML says, with the location of every value a later stage may
//! complain about. Its doc comments are the descriptions of the JSON Schema
//! (`schema/roster.schema.json`), so they are written for the people who edit rosters.
//!
//! A field that is absent from the YAML is not managed; `null` clears it. [`Field`] keeps
//! the two apart.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

use super::node::Pos;
pub use super::policy::Policy;
use super::schema::{
    Configuration, Count, Email, Locale, Name, Pattern, Percentage, Subdomains, Tag, Text,
    TimeMoment, UserFieldValue,
};
pub use super::time_box::{Moment, OnExpiry, Temporary};

/// Index of a file in [`Roster::files`](super::Roster::files).
pub type FileId = u32;

/// Where a roster entry was written: a file and a position in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Source {
    /// The file, an index into the roster's file list.
    pub file: FileId,
    /// The line and column of the entry.
    pub pos: Pos,
}

/// A value with the position it was written at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written, in the file of the entry it belongs to.
    pub pos: Pos,
}

impl<T> Located<T> {
    /// A value at a position.
    pub fn new(value: T, pos: Pos) -> Self {
        Self { value, pos }
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// A managed attribute: not written (unmanaged), `null` (clear it), or a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// Not written: zroster leaves the live value alone.
    #[default]
    Absent,
    /// Written as `null`: zroster clears the live value.
    Null(Pos),
    /// Written with a value.
    Value(Located<T>),
}

impl<T> Field<T> {
    /// Whether the field was not written at all.
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, if one was written.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(&v.value),
            _ => None,
        }
    }

    /// Where the field was written, if it was.
    pub fn pos(&self) -> Option<Pos> {
        match self {
            Field::Absent => None,
            Field::Null(pos) => Some(*pos),
            Field::Value(v) => Some(v.pos),
        }
    }

    /// This field if written, else `fallback` (used to apply `defaults`).
    #[must_use]
    pub fn or<'a>(&'a self, fallback: &'a Field<T>) -> &'a Field<T> {
        if self.is_absent() { fallback } else { self }
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Absent | Field::Null(_) => serializer.serialize_none(),
            Field::Value(v) => v.value.serialize(serializer),
        }
    }
}

impl<T: JsonSchema> JsonSchema for Field<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({ "anyOf": [generator.subschema_for::<T>(), { "type": "null" }] })
    }
}

/// One roster file. A roster is one such file or a directory of them; `settings` and
/// `defaults` may appear in one file only, the lists of all files are joined.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(title = "zroster roster file", deny_unknown_fields)]
pub struct Document {
    /// The roster format version. Only `1` exists; when left out, `1` is assumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "u32", range(min = 1, max = 1))]
    pub version: Option<u32>,
    /// Which live users this roster owns, what happens to the ones it does not list, and the
    /// safety limits of a plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Settings")]
    pub settings: Option<Settings>,
    /// Attributes applied to every user that does not set them itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Profile")]
    pub defaults: Option<Profile>,
    /// Custom agent roles managed by this roster (Zendesk Enterprise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<CustomRole>>")]
    pub custom_roles: Vec<CustomRole>,
    /// Organizations managed by this roster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Organization>>")]
    pub organizations: Vec<Organization>,
    /// Groups managed by this roster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Group>>")]
    pub groups: Vec<Group>,
    /// The users. Each needs a match key: `external_id`, `email`, or both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<User>>")]
    pub users: Vec<User>,
    /// Where `settings` and `defaults` were written, for messages about them.
    #[serde(skip)]
    #[schemars(skip)]
    pub section_pos: SectionPos,
}

/// Where the one-per-roster sections of a file were written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SectionPos {
    /// The `settings` section.
    pub settings: Pos,
    /// The `defaults` section.
    pub defaults: Pos,
}

/// The roster's scope, prune policy and safety limits.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Settings {
    /// Which live users this roster owns (its scope). A live user is in scope when its role
    /// is listed in `roles` or it carries one of `tags`, and no `ignore` pattern matches it.
    #[serde(default)]
    pub manage: Manage,
    /// What happens to in-scope live users that the roster does not list.
    #[serde(default)]
    pub prune: Prune,
    /// Users matching any of these patterns are never touched and never reported.
    /// A pattern is matched case-insensitively against the email address; `*` matches any
    /// run of characters and `?` one character. Prefix a pattern with `external_id:` to match
    /// external ids instead, e.g. `external_id:svc-*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Pattern>>")]
    pub ignore: Vec<Located<String>>,
    /// Users matching any of these patterns (same syntax as `ignore`) are never changed: a
    /// planned change to them is shown as blocked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Pattern>>")]
    pub protect: Vec<Located<String>>,
    /// Limits that refuse a plan which changes too much at once.
    #[serde(default)]
    pub safety: Safety,
    /// The Zendesk account this roster is for, by subdomain (`acme` for
    /// `acme.zendesk.com`), or a list of them. `zplan` and `zapply` refuse to read or write
    /// any other account, naming both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Subdomains")]
    pub account: Vec<Located<String>>,
    /// Rules on who may hold privileged access; a plan that breaks one is refused.
    #[serde(default)]
    pub policy: Policy,
    /// What happens to a user whose entry has expired (`expires` has passed).
    #[serde(default)]
    pub on_expiry: OnExpiry,
    /// Days before an entry's `expires` or temporary role ends that the plan lists it under
    /// "Expiring soon". When left out, 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Count")]
    pub expiry_warning_days: Option<Located<u32>>,
    /// Days after an entry expired (or its temporary role ended) that `zroster validate`
    /// warns it can be removed. When left out, 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Count")]
    pub remove_expired_after_days: Option<Located<u32>>,
    /// Whether `zplan` reads the account's audit log (Zendesk Enterprise) to say who made
    /// the drift it reverts, when and through what, as `zplan --explain-drift` does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explain_drift: bool,
}

/// The roster's scope.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Manage {
    /// Every live user with one of these roles is in scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Role>>")]
    pub roles: Vec<Located<Role>>,
    /// Every live user carrying one of these tags is in scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Option<Vec<Tag>>")]
    pub tags: Vec<Located<String>>,
}

/// What happens to in-scope live users that the roster does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Prune {
    /// List them in the plan as drift; change nothing.
    #[default]
    Report,
    /// Suspend them.
    Suspend,
    /// Make them end-users: frees their agent seats and removes their group memberships.
    Downgrade,
    /// Delete them (Zendesk's soft delete).
    Delete,
}

/// Limits that refuse a plan which changes too much at once. A limit is a number of users
/// or a percentage of the in-scope users (`"10%"`). `--allow-mass-changes` overrides the
/// `max_*` limits, never `min_admins`.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Safety {
    /// Most users a plan may delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Threshold")]
    pub max_deletes: Option<Located<Threshold>>,
    /// Most users a plan may suspend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Threshold")]
    pub max_suspends: Option<Located<Threshold>>,
    /// Most users whose role or custom role a plan may change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Threshold")]
    pub max_role_changes: Option<Located<Threshold>>,
    /// Fewest admins the account may have after the plan. A plan leaving fewer is refused.
    /// When left out, 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Count")]
    pub min_admins: Option<Located<u32>>,
}

/// A limit: a number of users, or a percentage of the in-scope users.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Threshold {
    /// At most this many users.
    Count(#[schemars(with = "Count")] u32),
    /// At most this share of the in-scope users, written as `"10%"` (0 to 100).
    Percent(#[schemars(with = "Percentage")] Percent),
}

/// A percentage between 0 and 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percent(pub f64);

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{}%", self.0))
    }
}

/// A user's role in Zendesk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A customer: no agent seat.
    EndUser,
    /// An agent: takes an agent seat.
    Agent,
    /// An administrator: takes an agent seat and can change the account.
    Admin,
}

impl Role {
    /// Every role, in the order of privilege.
    pub const ALL: [Role; 3] = [Role::EndUser, Role::Agent, Role::Admin];

    /// The role as Zendesk and the roster spell it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::EndUser => "end-user",
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// Agents and admins: staff, who take an agent seat and belong to groups.
    #[must_use]
    pub fn is_staff(self) -> bool {
        self != Role::EndUser
    }

    /// The role for its spelling, exactly as Zendesk spells it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Whether the role takes an agent seat.
    #[must_use]
    pub fn is_agent(self) -> bool {
        self != Role::EndUser
    }
}

/// Which tickets an agent or end-user can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TicketRestriction {
    /// Tickets of the user's organization.
    Organization,
    /// Tickets of the user's groups.
    Groups,
    /// Tickets assigned to the user.
    Assigned,
    /// Tickets the user requested.
    Requested,
}

impl TicketRestriction {
    /// Every value.
    pub const ALL: [TicketRestriction; 4] = [
        TicketRestriction::Organization,
        TicketRestriction::Groups,
        TicketRestriction::Assigned,
        TicketRestriction::Requested,
    ];

    /// The value as Zendesk spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TicketRestriction::Organization => "organization",
            TicketRestriction::Groups => "groups",
            TicketRestriction::Assigned => "assigned",
            TicketRestriction::Requested => "requested",
        }
    }
}

/// A value of a custom user field: text, number, checkbox or `null` (clear it).
pub type FieldValue = serde_json::Value;

/// The attributes of a user that zroster manages, shared by users and `defaults`. Every one
/// of them is managed only when written; `null` clears it.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Profile {
    /// `end-user`, `agent` or `admin`. Agents and admins take an agent seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Role")]
    pub role: Option<Located<Role>>,
    /// Custom agent role, by name (Enterprise). Only with `role: agent`. `null` removes it.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Name>")]
    pub custom_role: Field<String>,
    /// The default organization, by name. When `organizations` is also given it must be
    /// one of them. `null` removes the default organization.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Name>")]
    pub organization: Field<String>,
    /// Every organization the user belongs to, by name: exactly this set (memberships are
    /// added and removed to match). Leave out to leave memberships alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Field<Vec<Name>>")]
    pub organizations: Option<Located<Vec<Located<String>>>>,
    /// Every group the agent belongs to, by name: exactly this set. Agents and admins only.
    /// Leave out to leave memberships alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Field<Vec<Name>>")]
    pub groups: Option<Located<Vec<Located<String>>>>,
    /// The agent's default group, by name; must be one of `groups` when those are given.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Name>")]
    pub default_group: Field<String>,
    /// Tags on the user: exactly this set. Zendesk stores tags in lower case, without spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Field<Vec<Tag>>")]
    pub tags: Option<Located<Vec<Located<String>>>>,
    /// Custom user fields by key. Only the keys written are managed; `null` clears one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, UserFieldValue>")]
    pub user_fields: BTreeMap<String, Located<FieldValue>>,
    /// Whether the user is suspended (cannot sign in or submit requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub suspended: Option<Located<bool>>,
    /// The name shown to end-users instead of the agent's real name.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub alias: Field<String>,
    /// Details about the user, such as an address.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub details: Field<String>,
    /// Notes about the user, visible to agents.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub notes: Field<String>,
    /// The agent's signature, appended to their comments.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub signature: Field<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub phone: Field<String>,
    /// Language, as a locale such as `en-US` or `de`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Locale")]
    pub locale: Option<Located<String>>,
    /// Time zone: an IANA name such as `Europe/Berlin`, or Zendesk's name such as `Berlin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Name")]
    pub time_zone: Option<Located<String>>,
    /// Whether the user can moderate Help Center community content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub moderator: Option<Located<bool>>,
    /// Which tickets the user can see: `organization`, `groups`, `assigned`, `requested`,
    /// or `null` for no restriction (admins, unrestricted agents).
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub ticket_restriction: Field<TicketRestriction>,
    /// Whether the agent can add only private comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub only_private_comments: Option<Located<bool>>,
    /// Whether the user's identity is verified (no verification email is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub verified: Option<Located<bool>>,
}

/// A user of the roster. Each needs a match key: `email`, `external_id`, or both.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    // Each choice names its key under `properties` too, as strict validators (`ajv
    // --strict`) want a required key defined beside the requirement.
    extend("anyOf" = [
        { "properties": { "email": true }, "required": ["email"] },
        { "properties": { "external_id": true }, "required": ["external_id"] }
    ])
)]
pub struct User {
    /// Where the entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Source,
    /// Full name. Required to create a user; leave out to keep the live name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Name")]
    pub name: Option<Located<String>>,
    /// Primary email address; a match key. Unique in the roster, case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Email")]
    pub email: Option<Located<String>>,
    /// The id of the user in your own systems; the preferred match key. Unique in the
    /// roster, case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Name")]
    pub external_id: Option<Located<String>>,
    /// When the entry stops granting anything: a date (the end of that day, UTC) or an
    /// RFC 3339 time. Afterwards the user follows `settings.on_expiry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "TimeMoment")]
    pub expires: Option<Box<Located<Moment>>>,
    /// A role held until a moment (`{role: admin, until: 2026-12-05}`, optionally with a
    /// `custom_role`); afterwards the entry's own `role` and `custom_role` apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Temporary")]
    pub temporary: Option<Box<Located<Temporary>>>,
    /// The managed attributes.
    #[serde(flatten)]
    pub profile: Profile,
}

/// A custom agent role (Zendesk Enterprise), matched by name.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CustomRole {
    /// Where the entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Source,
    /// The role's name; how users refer to it. Unique, case-insensitively.
    #[schemars(with = "Name")]
    pub name: Located<String>,
    /// What the role is for.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub description: Field<String>,
    /// Permissions, e.g. `ticket_access: within-groups`. Only the keys written are managed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "Configuration")]
    pub configuration: BTreeMap<String, Located<serde_json::Value>>,
}

/// An organization, matched by `external_id` when given, else by name.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Organization {
    /// Where the entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Source,
    /// The organization's name; how users refer to it. Unique, case-insensitively.
    #[schemars(with = "Name")]
    pub name: Located<String>,
    /// The id of the organization in your own systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Name")]
    pub external_id: Option<Located<String>>,
    /// Email domains whose new users join this organization: exactly this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Field<Vec<Name>>")]
    pub domain_names: Option<Located<Vec<Located<String>>>>,
    /// Details, such as an address.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub details: Field<String>,
    /// Notes, visible to agents.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub notes: Field<String>,
    /// Tags on the organization: exactly this set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Field<Vec<Tag>>")]
    pub tags: Option<Located<Vec<Located<String>>>>,
    /// Whether members can see each other's tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub shared_tickets: Option<Located<bool>>,
    /// Whether members can comment on each other's tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub shared_comments: Option<Located<bool>>,
}

/// A group of agents, matched by name.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Group {
    /// Where the entry starts.
    #[serde(skip)]
    #[schemars(skip)]
    pub source: Source,
    /// The group's name; how users refer to it. Unique, case-insensitively.
    #[schemars(with = "Name")]
    pub name: Located<String>,
    /// What the group does.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    #[schemars(with = "Field<Text>")]
    pub description: Field<String>,
    /// Whether the group is public. Zendesk cannot make a private group public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "bool")]
    pub is_public: Option<Located<bool>>,
}
