//! The sections of a roster file, each a table of the keys it accepts with the builder of
//! each key's value. These tables are the only lists of keys: a mapping's keys are checked
//! against them (unknown keys, "did you mean") and its values built by them, and a test
//! holds them equal to the JSON Schema generated from the model.

use super::super::model::{
    CustomRole, Document, Field, Group, Located, Manage, OnExpiry, Organization, Policy, Profile,
    Prune, Role, Safety, Settings, Temporary, TicketRestriction, User,
};
use super::super::node::{Node, NodeKind, Pos};
use super::value::whole_number;
use super::{Builder, Key, has_key, key};

/// The top level of a roster file.
pub(super) const DOCUMENT: &[Key<Document>] = &[
    key("version", |b, document, value, key| {
        match (&value.kind, whole_number(&value.kind)) {
            // `1.0` is 1, as it is to JSON and so to an editor checking the schema.
            (_, Some(1)) => document.version = Some(1),
            (NodeKind::Int(_, text) | NodeKind::Float(_, text), Some(_)) => {
                b.error(
                    value.pos,
                    "unsupported-version",
                    format!("roster version `{text}` is not supported"),
                )
                .hints
                .push("this zroster reads `version: 1`".into());
            }
            _ => b.type_error(value, key, "the number 1"),
        }
    }),
    key("settings", |b, document, value, _| {
        document.section_pos.settings = value.pos;
        document.settings = b.settings(value);
    }),
    key("defaults", |b, document, value, _| {
        document.section_pos.defaults = value.pos;
        document.defaults = b.defaults(value);
    }),
    key("custom_roles", |b, document, value, key| {
        document.custom_roles = b.list(value, key, Builder::custom_role);
    }),
    key("organizations", |b, document, value, key| {
        document.organizations = b.list(value, key, Builder::organization);
    }),
    key("groups", |b, document, value, key| {
        document.groups = b.list(value, key, Builder::group);
    }),
    key("users", |b, document, value, key| {
        document.users = b.list(value, key, Builder::user);
    }),
];

/// `settings`.
pub(super) const SETTINGS: &[Key<Settings>] = &[
    key("manage", |b, settings, value, _| {
        if let Some(manage) = b.manage(value) {
            settings.manage = manage;
        }
    }),
    key("prune", |b, settings, value, key| {
        if let Some(prune) = b.enumeration(value, key, PRUNE_VALUES) {
            settings.prune = prune.value;
        }
    }),
    key("ignore", |b, settings, value, key| {
        settings.ignore = b.patterns(value, key);
    }),
    key("protect", |b, settings, value, key| {
        settings.protect = b.patterns(value, key);
    }),
    key("safety", |b, settings, value, _| {
        if let Some(safety) = b.safety(value) {
            settings.safety = safety;
        }
    }),
    key("account", |b, settings, value, key| {
        settings.account = b.subdomains(value, key);
    }),
    key("policy", |b, settings, value, _| {
        if let Some(policy) = b.policy(value) {
            settings.policy = policy;
        }
    }),
    key("on_expiry", |b, settings, value, key| {
        if let Some(on_expiry) = b.enumeration(value, key, ON_EXPIRY_VALUES) {
            settings.on_expiry = on_expiry.value;
        }
    }),
    key("expiry_warning_days", |b, settings, value, key| {
        settings.expiry_warning_days = b.days(value, key);
    }),
    key("remove_expired_after_days", |b, settings, value, key| {
        settings.remove_expired_after_days = b.days(value, key);
    }),
    key("explain_drift", |b, settings, value, key| {
        if let Some(explain) = b.boolean(value, key) {
            settings.explain_drift = explain.value;
        }
    }),
];

/// `settings.policy`.
pub(super) const POLICY: &[Key<Policy>] = &[
    key("agent_emails", |b, policy, value, key| {
        policy.agent_emails = b.pattern_list(value, key);
    }),
    key("admin_emails", |b, policy, value, key| {
        policy.admin_emails = b.pattern_list(value, key);
    }),
    key("max_admins", |b, policy, value, key| {
        policy.max_admins = b.count(value, key, "a whole number, 0 or more");
    }),
    key("max_agents", |b, policy, value, key| {
        policy.max_agents = b.count(value, key, "a whole number, 0 or more");
    }),
    key("require_external_id", |b, policy, value, key| {
        policy.require_external_id = b.boolean(value, key);
    }),
    key("agents_need_group", |b, policy, value, key| {
        policy.agents_need_group = b.boolean(value, key);
    }),
];

/// `settings.manage`.
pub(super) const MANAGE: &[Key<Manage>] = &[
    key("roles", |b, manage, value, key| {
        let roles = b.list(value, key, |b, item| {
            b.enumeration(item, "role", ROLE_VALUES)
        });
        for (i, role) in roles.iter().enumerate() {
            if roles[..i].iter().any(|r| r.value == role.value) {
                b.error(
                    role.pos,
                    "duplicate-item",
                    format!("`{}` is listed twice in `roles`", role.value.as_str()),
                );
            }
        }
        manage.roles = roles;
    }),
    key("tags", |b, manage, value, _| {
        manage.tags = b.tag_list(value).map(|t| t.value).unwrap_or_default();
    }),
];

/// `settings.safety`.
pub(super) const SAFETY: &[Key<Safety>] = &[
    key("max_deletes", |b, safety, value, key| {
        safety.max_deletes = b.threshold(value, key);
    }),
    key("max_suspends", |b, safety, value, key| {
        safety.max_suspends = b.threshold(value, key);
    }),
    key("max_role_changes", |b, safety, value, key| {
        safety.max_role_changes = b.threshold(value, key);
    }),
    key("min_admins", |b, safety, value, key| {
        safety.min_admins = b.count(value, key, "a whole number, 0 or more");
    }),
];

/// The keys that identify one user: a user's own, never a default.
pub(super) const IDENTITY: &[Key<User>] = &[
    key("name", |b, user, value, key| {
        user.name = b.non_empty_string(value, key);
    }),
    key("email", |b, user, value, key| {
        // Blanks around an address (a quoted value pasted with a space) are not part of it;
        // blanks inside it are still an error of `validate`.
        user.email = b.non_empty_string(value, key).map(|mut email| {
            let trimmed = email.value.trim();
            if trimmed.len() != email.value.len() {
                email.value = trimmed.to_owned();
            }
            email
        });
    }),
    key("external_id", |b, user, value, key| {
        user.external_id = b.non_empty_string(value, key);
    }),
];

/// The time-boxed keys of a user: one user's own, never a default.
pub(super) const TIME_BOX: &[Key<User>] = &[
    key("expires", |b, user, value, key| {
        user.expires = b.moment(value, key).map(Box::new);
    }),
    key("temporary", |b, user, value, _| {
        user.temporary = b.temporary(value).map(Box::new);
    }),
];

/// A user's `temporary`: the keys it accepts; `role` and `until` are required.
pub(super) const TEMPORARY: &[Key<PartialTemporary>] = &[
    key("role", |b, temporary, value, key| {
        temporary.role = b.enumeration(value, key, ROLE_VALUES);
    }),
    key("custom_role", |b, temporary, value, key| {
        temporary.custom_role = b.nullable_name(value, key);
    }),
    key("until", |b, temporary, value, key| {
        temporary.until = b.moment(value, key);
    }),
];

/// A `temporary` as written, before its required keys are checked.
#[derive(Default)]
pub(super) struct PartialTemporary {
    role: Option<Located<Role>>,
    custom_role: Field<String>,
    until: Option<Located<super::super::model::Moment>>,
}

/// The managed attributes of a user, written on a user or in `defaults`.
pub(super) const PROFILE: &[Key<User>] = &[
    key("role", |b, user, value, key| {
        user.profile.role = b.enumeration(value, key, ROLE_VALUES);
    }),
    key("custom_role", |b, user, value, key| {
        user.profile.custom_role = b.nullable_name(value, key);
    }),
    key("organization", |b, user, value, key| {
        user.profile.organization = b.nullable_name(value, key);
    }),
    key("organizations", |b, user, value, key| {
        user.profile.organizations = b.string_list(value, key);
    }),
    key("groups", |b, user, value, key| {
        user.profile.groups = b.string_list(value, key);
    }),
    key("default_group", |b, user, value, key| {
        user.profile.default_group = b.nullable_name(value, key);
    }),
    key("tags", |b, user, value, _| {
        user.profile.tags = b.tag_list(value);
    }),
    key("user_fields", |b, user, value, _| {
        user.profile.user_fields = b.user_fields(value);
    }),
    key("suspended", |b, user, value, key| {
        user.profile.suspended = b.boolean(value, key);
    }),
    key("alias", |b, user, value, key| {
        user.profile.alias = b.nullable_string(value, key);
    }),
    key("details", |b, user, value, key| {
        user.profile.details = b.nullable_string(value, key);
    }),
    key("notes", |b, user, value, key| {
        user.profile.notes = b.nullable_string(value, key);
    }),
    key("signature", |b, user, value, key| {
        user.profile.signature = b.nullable_string(value, key);
    }),
    key("phone", |b, user, value, key| {
        user.profile.phone = b.nullable_string(value, key);
    }),
    key("locale", |b, user, value, _| {
        user.profile.locale = b.locale(value);
    }),
    key("time_zone", |b, user, value, key| {
        user.profile.time_zone = b.non_empty_string(value, key);
    }),
    key("moderator", |b, user, value, key| {
        user.profile.moderator = b.boolean(value, key);
    }),
    key("ticket_restriction", |b, user, value, key| {
        user.profile.ticket_restriction = if matches!(value.kind, NodeKind::Null) {
            Field::Null(value.pos)
        } else {
            b.enumeration(value, key, TICKET_RESTRICTION_VALUES)
                .map_or(Field::Absent, Field::Value)
        };
    }),
    key("only_private_comments", |b, user, value, key| {
        user.profile.only_private_comments = b.boolean(value, key);
    }),
    key("verified", |b, user, value, key| {
        user.profile.verified = b.boolean(value, key);
    }),
];

/// A user: the identity keys, the time-boxed keys, then the managed attributes.
pub(super) const USER: &[&[Key<User>]] = &[IDENTITY, TIME_BOX, PROFILE];

/// `defaults`: the managed attributes. The identity and time-boxed keys are known there too,
/// so that writing one says why it does not belong rather than that it is unknown.
pub(super) const DEFAULTS: &[&[Key<User>]] = &[PROFILE, IDENTITY, TIME_BOX];

/// A custom role.
pub(super) const CUSTOM_ROLE: &[Key<CustomRole>] = &[
    key("name", |b, role, value, key| {
        if let Some(name) = b.non_empty_string(value, key) {
            role.name = name;
        }
    }),
    key("description", |b, role, value, key| {
        role.description = b.nullable_string(value, key);
    }),
    key("configuration", |b, role, value, _| {
        role.configuration = b.configuration(value);
    }),
];

/// An organization.
pub(super) const ORGANIZATION: &[Key<Organization>] = &[
    key("name", |b, organization, value, key| {
        if let Some(name) = b.non_empty_string(value, key) {
            organization.name = name;
        }
    }),
    key("external_id", |b, organization, value, key| {
        organization.external_id = b.non_empty_string(value, key);
    }),
    key("domain_names", |b, organization, value, key| {
        organization.domain_names = b.string_list(value, key);
    }),
    key("details", |b, organization, value, key| {
        organization.details = b.nullable_string(value, key);
    }),
    key("notes", |b, organization, value, key| {
        organization.notes = b.nullable_string(value, key);
    }),
    key("tags", |b, organization, value, _| {
        organization.tags = b.tag_list(value);
    }),
    key("shared_tickets", |b, organization, value, key| {
        organization.shared_tickets = b.boolean(value, key);
    }),
    key("shared_comments", |b, organization, value, key| {
        organization.shared_comments = b.boolean(value, key);
    }),
];

/// A group.
pub(super) const GROUP: &[Key<Group>] = &[
    key("name", |b, group, value, key| {
        if let Some(name) = b.non_empty_string(value, key) {
            group.name = name;
        }
    }),
    key("description", |b, group, value, key| {
        group.description = b.nullable_string(value, key);
    }),
    key("is_public", |b, group, value, key| {
        group.is_public = b.boolean(value, key);
    }),
];

const PRUNE_VALUES: &[(&str, Prune)] = &[
    ("report", Prune::Report),
    ("suspend", Prune::Suspend),
    ("downgrade", Prune::Downgrade),
    ("delete", Prune::Delete),
];
const ON_EXPIRY_VALUES: &[(&str, OnExpiry)] = &[
    ("downgrade", OnExpiry::Downgrade),
    ("suspend", OnExpiry::Suspend),
    ("delete", OnExpiry::Delete),
];
const ROLE_VALUES: &[(&str, Role)] = &[
    ("end-user", Role::EndUser),
    ("agent", Role::Agent),
    ("admin", Role::Admin),
];
const TICKET_RESTRICTION_VALUES: &[(&str, TicketRestriction)] = &[
    ("organization", TicketRestriction::Organization),
    ("groups", TicketRestriction::Groups),
    ("assigned", TicketRestriction::Assigned),
    ("requested", TicketRestriction::Requested),
];

impl Builder<'_> {
    /// The document of a whole file.
    pub(crate) fn document(&mut self, root: &mut Node) -> Document {
        let mut document = Document::default();
        if matches!(root.kind, NodeKind::Null) {
            self.error(
                Pos::default(),
                "empty-file",
                "file holds no roster: it is empty or only comments".into(),
            )
            .hints
            .push("write at least `users:` with one user, or remove the file".into());
            return document;
        }
        self.section(root, "roster file", &[DOCUMENT], &mut document);
        document
    }

    fn settings(&mut self, node: &mut Node) -> Option<Settings> {
        let mut settings = Settings::default();
        self.section(node, "`settings`", &[SETTINGS], &mut settings)?;
        Some(settings)
    }

    fn manage(&mut self, node: &mut Node) -> Option<Manage> {
        let mut manage = Manage::default();
        self.section(node, "`settings.manage`", &[MANAGE], &mut manage)?;
        Some(manage)
    }

    fn safety(&mut self, node: &mut Node) -> Option<Safety> {
        let mut safety = Safety::default();
        self.section(node, "`settings.safety`", &[SAFETY], &mut safety)?;
        Some(safety)
    }

    fn policy(&mut self, node: &mut Node) -> Option<Policy> {
        let mut policy = Policy::default();
        self.section(node, "`settings.policy`", &[POLICY], &mut policy)?;
        Some(policy)
    }

    /// A user's `temporary`: `role` and `until` required, a custom role with `role: agent`
    /// only.
    fn temporary(&mut self, node: &mut Node) -> Option<Located<Temporary>> {
        let mut partial = PartialTemporary::default();
        self.section(node, "`temporary`", &[TEMPORARY], &mut partial)?;
        for (name, written) in [
            ("role", has_key(node, "role")),
            ("until", has_key(node, "until")),
        ] {
            if !written {
                self.error(
                    node.pos,
                    "missing-key",
                    format!("`temporary` has no `{name}`"),
                )
                .hints
                .push("write `temporary: {role: admin, until: 2026-12-31}`: the role, and when it ends".into());
            }
        }
        let (role, until) = (partial.role?, partial.until?);
        if let Field::Value(custom_role) = &partial.custom_role
            && role.value != Role::Agent
        {
            self.error(
                custom_role.pos,
                "temporary-custom-role-needs-agent",
                format!(
                    "`temporary` has custom role `{}` but role `{}`",
                    custom_role.value,
                    role.value.as_str()
                ),
            )
            .hints
            .push("custom roles apply to agents only: make the temporary role `agent`, or remove its `custom_role`".into());
            return None;
        }
        Some(Located::new(
            Temporary {
                role,
                custom_role: partial.custom_role,
                until,
            },
            node.pos,
        ))
    }

    fn patterns(&mut self, node: &mut Node, key: &str) -> Vec<Located<String>> {
        self.list(node, key, |b, item| b.string(item, key))
    }

    fn defaults(&mut self, node: &mut Node) -> Option<Profile> {
        // Built like a user, of whom only the managed attributes are kept.
        let mut defaults = User::default();
        for (key, value) in self.entries(node, "`defaults`", DEFAULTS)? {
            let name = key.name;
            let why = if IDENTITY.iter().any(|identity| identity.name == name) {
                Some("identifies one user")
            } else if TIME_BOX.iter().any(|time_box| time_box.name == name) {
                Some("time-boxes one user's access")
            } else {
                None
            };
            if let Some(why) = why {
                self.error(
                    value.pos,
                    "invalid-default",
                    format!("`{name}` cannot have a default"),
                )
                .hints
                .push(format!("`{name}` {why}: set it on each user"));
                continue;
            }
            (key.build)(self, &mut defaults, value, key.name);
        }
        Some(defaults.profile)
    }

    pub(crate) fn user(&mut self, node: &mut Node) -> Option<User> {
        let mut user = User {
            source: self.source(node),
            ..User::default()
        };
        self.section(node, "a user", USER, &mut user)?;
        Some(user)
    }

    fn custom_role(&mut self, node: &mut Node) -> Option<CustomRole> {
        let mut role = CustomRole {
            source: self.source(node),
            ..CustomRole::default()
        };
        self.section(node, "a custom role", &[CUSTOM_ROLE], &mut role)?;
        self.require_name(node, &role.name.value, "custom role")?;
        Some(role)
    }

    fn organization(&mut self, node: &mut Node) -> Option<Organization> {
        let mut organization = Organization {
            source: self.source(node),
            ..Organization::default()
        };
        self.section(node, "an organization", &[ORGANIZATION], &mut organization)?;
        self.require_name(node, &organization.name.value, "organization")?;
        Some(organization)
    }

    fn group(&mut self, node: &mut Node) -> Option<Group> {
        let mut group = Group {
            source: self.source(node),
            ..Group::default()
        };
        self.section(node, "a group", &[GROUP], &mut group)?;
        self.require_name(node, &group.name.value, "group")?;
        Some(group)
    }
}
