//! Builds the roster model of one file from its located YAML tree, reporting every mistake
//! of the file (unknown keys, wrong types, bad values, duplicate keys) instead of stopping at
//! the first.

use std::collections::BTreeMap;

use super::diagnostic::Diagnostic;
use super::model::{
    CustomRole, Document, Field, FileId, Group, Located, Manage, Organization, Percent, Profile,
    Prune, Role, Safety, Settings, Source, Threshold, TicketRestriction, User,
};
use super::node::{Node, NodeKind, Pos};
use super::suggest::closest;

const DOCUMENT_KEYS: &[&str] = &[
    "version",
    "settings",
    "defaults",
    "custom_roles",
    "organizations",
    "groups",
    "users",
];
const SETTINGS_KEYS: &[&str] = &["manage", "prune", "ignore", "protect", "safety"];
const MANAGE_KEYS: &[&str] = &["roles", "tags"];
const SAFETY_KEYS: &[&str] = &[
    "max_deletes",
    "max_suspends",
    "max_role_changes",
    "min_admins",
];
const PROFILE_KEYS: &[&str] = &[
    "role",
    "custom_role",
    "organization",
    "organizations",
    "groups",
    "default_group",
    "tags",
    "user_fields",
    "suspended",
    "alias",
    "details",
    "notes",
    "signature",
    "phone",
    "locale",
    "time_zone",
    "moderator",
    "ticket_restriction",
    "only_private_comments",
    "verified",
];
const USER_IDENTITY_KEYS: &[&str] = &["name", "email", "external_id"];
const CUSTOM_ROLE_KEYS: &[&str] = &["name", "description", "configuration"];
const ORGANIZATION_KEYS: &[&str] = &[
    "name",
    "external_id",
    "domain_names",
    "details",
    "notes",
    "tags",
    "shared_tickets",
    "shared_comments",
];
const GROUP_KEYS: &[&str] = &["name", "description", "is_public"];
const PRUNE_VALUES: &[(&str, Prune)] = &[
    ("report", Prune::Report),
    ("suspend", Prune::Suspend),
    ("downgrade", Prune::Downgrade),
    ("delete", Prune::Delete),
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

/// Builds the model of one file and collects its diagnostics.
pub(crate) struct Builder<'a> {
    file: &'a str,
    file_id: FileId,
    /// Everything found wrong so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(file: &'a str, file_id: FileId) -> Self {
        Self {
            file,
            file_id,
            diagnostics: Vec::new(),
        }
    }

    fn error(&mut self, pos: Pos, code: &'static str, message: String) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(self.file, pos, code, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn type_error(&mut self, node: &Node, key: &str, expected: &str) {
        let found = describe(node);
        self.error(
            node.pos,
            "invalid-type",
            format!("`{key}` must be {expected}, found {found}"),
        );
    }

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
        let Some(entries) = self.mapping(root, "roster file", DOCUMENT_KEYS) else {
            return document;
        };
        for (key, value) in entries {
            match key {
                "version" => match value.kind {
                    NodeKind::Int(1) => document.version = Some(1),
                    NodeKind::Int(n) => {
                        self.error(
                            value.pos,
                            "unsupported-version",
                            format!("roster version `{n}` is not supported"),
                        )
                        .hints
                        .push("this zroster reads `version: 1`".into());
                    }
                    _ => self.type_error(value, "version", "the number 1"),
                },
                "settings" => {
                    document.section_pos.settings = value.pos;
                    document.settings = self.settings(value);
                }
                "defaults" => {
                    document.section_pos.defaults = value.pos;
                    document.defaults = self.defaults(value);
                }
                "custom_roles" => {
                    document.custom_roles = self.list(value, "custom_roles", Self::custom_role);
                }
                "organizations" => {
                    document.organizations = self.list(value, "organizations", Self::organization);
                }
                "groups" => document.groups = self.list(value, "groups", Self::group),
                "users" => document.users = self.list(value, "users", Self::user),
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        document
    }

    /// The entries of a mapping with known keys, first occurrence of each. Reports a node
    /// that is not a mapping, non-text keys, duplicate keys and unknown keys.
    fn mapping<'n>(
        &mut self,
        node: &'n mut Node,
        what: &str,
        known: &[&'static str],
    ) -> Option<Vec<(&'static str, &'n mut Node)>> {
        self.mapping_with(node, what, &[known])
    }

    fn mapping_with<'n>(
        &mut self,
        node: &'n mut Node,
        what: &str,
        known: &[&[&'static str]],
    ) -> Option<Vec<(&'static str, &'n mut Node)>> {
        if !matches!(node.kind, NodeKind::Map(_)) {
            let found = describe(node);
            self.error(
                node.pos,
                "invalid-type",
                format!("{what} must be a mapping of keys to values, found {found}"),
            );
            return None;
        }
        let NodeKind::Map(entries) = &mut node.kind else {
            unreachable!("checked above");
        };
        let mut seen: BTreeMap<&str, Pos> = BTreeMap::new();
        let mut result = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let key: &Node = key;
            let Some(name) = key.as_str() else {
                let found = describe(key);
                self.error(
                    key.pos,
                    "invalid-key",
                    format!("keys of {what} must be text, found {found}"),
                );
                continue;
            };
            if let Some(first) = seen.get(name) {
                let line = first.line;
                self.error(
                    key.pos,
                    "duplicate-key",
                    format!("duplicate key `{name}` in {what} (first written on line {line})"),
                )
                .hints
                .push("YAML keeps only one value per key: remove one of them".into());
                continue;
            }
            seen.insert(name, key.pos);
            if let Some(known_name) = known.iter().flat_map(|k| k.iter()).find(|k| **k == name) {
                result.push((*known_name, value));
            } else {
                let suggestion = closest(name, known.iter().flat_map(|k| k.iter().copied()));
                let diagnostic = self.error(
                    key.pos,
                    "unknown-key",
                    format!("unknown key `{name}` in {what}"),
                );
                match suggestion {
                    Some(s) => diagnostic.hints.push(format!("did you mean `{s}`?")),
                    None => diagnostic.hints.push(format!(
                        "the keys of {what} are {}",
                        known
                            .iter()
                            .flat_map(|k| k.iter())
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
        }
        Some(result)
    }

    fn list<T>(
        &mut self,
        node: &mut Node,
        key: &str,
        mut item: impl FnMut(&mut Self, &mut Node) -> Option<T>,
    ) -> Vec<T> {
        match &mut node.kind {
            NodeKind::Seq(items) => {
                // Each item's subtree is dropped once built, so the tree shrinks as the model
                // grows instead of both being whole at once.
                let items = std::mem::take(items);
                let mut built = Vec::with_capacity(items.len());
                built.extend(items.into_iter().filter_map(|mut i| item(self, &mut i)));
                return built;
            }
            NodeKind::Null => return Vec::new(),
            _ => {}
        }
        self.type_error(node, key, "a list");
        Vec::new()
    }

    fn string(&mut self, node: &mut Node, key: &str) -> Option<Located<String>> {
        let pos = node.pos;
        if let NodeKind::Str(s) = &mut node.kind {
            // Each value is read once: the model takes the text, no copy.
            return Some(Located::new(std::mem::take(s), pos));
        }
        // A number written without quotes where text is expected (an employee id, a phone
        // number) means the text of that number.
        if let NodeKind::Int(n) = node.kind {
            return Some(Located::new(n.to_string(), pos));
        }
        self.type_error(node, key, "text");
        None
    }

    fn non_empty_string(&mut self, node: &mut Node, key: &str) -> Option<Located<String>> {
        let value = self.string(node, key)?;
        if value.value.trim().is_empty() {
            self.error(
                node.pos,
                "empty-value",
                format!("`{key}` must not be empty"),
            );
            return None;
        }
        Some(value)
    }

    fn nullable_string(&mut self, node: &mut Node, key: &str) -> Field<String> {
        if matches!(node.kind, NodeKind::Null) {
            return Field::Null(node.pos);
        }
        self.string(node, key).map_or(Field::Absent, Field::Value)
    }

    fn boolean(&mut self, node: &mut Node, key: &str) -> Option<Located<bool>> {
        if let NodeKind::Bool(b) = node.kind {
            return Some(Located::new(b, node.pos));
        }
        let found = describe(node);
        let diagnostic = self.error(
            node.pos,
            "invalid-type",
            format!("`{key}` must be `true` or `false`, found {found}"),
        );
        if let Some(text) = node.as_str() {
            let lowered = text.to_lowercase();
            if lowered == "true" || lowered == "false" {
                diagnostic.hints.push(format!(
                    "remove the quotes: `\"{text}\"` is text, `{lowered}` is a boolean"
                ));
            } else if ["yes", "no", "on", "off", "y", "n"].contains(&lowered.as_str()) {
                diagnostic.hints.push(format!(
                    "YAML 1.2 spells booleans `true` and `false`; `{text}` is text"
                ));
            }
        }
        None
    }

    fn enumeration<T: Copy>(
        &mut self,
        node: &mut Node,
        key: &str,
        values: &[(&str, T)],
    ) -> Option<Located<T>> {
        let text = if let NodeKind::Str(s) = &node.kind {
            s.as_str()
        } else {
            let expected = format!("one of {}", quoted(values.iter().map(|(n, _)| *n)));
            self.type_error(node, key, &expected);
            return None;
        };
        if let Some((_, value)) = values.iter().find(|(name, _)| *name == text) {
            return Some(Located::new(*value, node.pos));
        }
        let suggestion = closest(text, values.iter().map(|(n, _)| *n));
        let expected = quoted(values.iter().map(|(n, _)| *n));
        let diagnostic = self.error(
            node.pos,
            "invalid-value",
            format!("invalid {key} `{text}`; expected one of {expected}"),
        );
        if let Some(s) = suggestion {
            diagnostic.hints.push(format!("did you mean `{s}`?"));
        }
        None
    }

    fn string_list(&mut self, node: &mut Node, key: &str) -> Option<Located<Vec<Located<String>>>> {
        self.checked_list(node, key, |b, item| b.non_empty_string(item, key))
    }

    /// A list of tags: like other lists, plus Zendesk's rules for a tag; duplicates compare
    /// case-insensitively because Zendesk stores tags in lower case.
    fn tag_list(&mut self, node: &mut Node) -> Option<Located<Vec<Located<String>>>> {
        if let NodeKind::Str(text) = &node.kind {
            let items = text
                .split([' ', ','])
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            self.type_error(node, "tags", "a list");
            self.diagnostics
                .last_mut()
                .expect("just pushed")
                .hints
                .push(format!("write `tags: [{items}]`"));
            return None;
        }
        self.checked_list(node, "tags", Self::tag)
    }

    fn checked_list(
        &mut self,
        node: &mut Node,
        key: &str,
        mut item_of: impl FnMut(&mut Self, &mut Node) -> Option<Located<String>>,
    ) -> Option<Located<Vec<Located<String>>>> {
        let pos = node.pos;
        if let NodeKind::Seq(items) = &mut node.kind {
            let mut values = Vec::with_capacity(items.len());
            let mut seen: BTreeMap<String, Pos> = BTreeMap::new();
            for item in items {
                let item_pos = item.pos;
                let Some(value) = item_of(self, item) else {
                    continue;
                };
                let folded = value.value.to_lowercase();
                if let Some(first) = seen.get(&folded) {
                    let line = first.line;
                    self.error(
                        item_pos,
                        "duplicate-item",
                        format!(
                            "`{}` is listed twice in `{key}` (first on line {line})",
                            value.value
                        ),
                    );
                    continue;
                }
                seen.insert(folded, item_pos);
                values.push(value);
            }
            return Some(Located::new(values, pos));
        }
        match &node.kind {
            // `null` clears every membership: the same as an empty list.
            NodeKind::Null => Some(Located::new(Vec::new(), node.pos)),
            // A single name where a list is expected is a common slip worth a precise hint.
            NodeKind::Str(s) => {
                self.type_error(node, key, "a list");
                self.diagnostics
                    .last_mut()
                    .expect("just pushed")
                    .hints
                    .push(format!("write `{key}: [{s}]`"));
                None
            }
            _ => {
                self.type_error(node, key, "a list");
                None
            }
        }
    }

    fn settings(&mut self, node: &mut Node) -> Option<Settings> {
        let entries = self.mapping(node, "`settings`", SETTINGS_KEYS)?;
        let mut settings = Settings::default();
        for (key, value) in entries {
            match key {
                "manage" => {
                    if let Some(manage) = self.manage(value) {
                        settings.manage = manage;
                    }
                }
                "prune" => {
                    if let Some(prune) = self.enumeration(value, "prune", PRUNE_VALUES) {
                        settings.prune = prune.value;
                    }
                }
                "ignore" => settings.ignore = self.patterns(value, "ignore"),
                "protect" => settings.protect = self.patterns(value, "protect"),
                "safety" => {
                    if let Some(safety) = self.safety(value) {
                        settings.safety = safety;
                    }
                }
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        Some(settings)
    }

    fn manage(&mut self, node: &mut Node) -> Option<Manage> {
        let entries = self.mapping(node, "`settings.manage`", MANAGE_KEYS)?;
        let mut manage = Manage::default();
        for (key, value) in entries {
            match key {
                "roles" => {
                    let roles = self.list(value, "roles", |b, item| {
                        b.enumeration(item, "role", ROLE_VALUES)
                    });
                    for (i, role) in roles.iter().enumerate() {
                        if roles[..i].iter().any(|r| r.value == role.value) {
                            self.error(
                                role.pos,
                                "duplicate-item",
                                format!("`{}` is listed twice in `roles`", role.value.as_str()),
                            );
                        }
                    }
                    manage.roles = roles;
                }
                "tags" => {
                    manage.tags = self.tag_list(value).map(|t| t.value).unwrap_or_default();
                }
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        Some(manage)
    }

    fn patterns(&mut self, node: &mut Node, key: &str) -> Vec<Located<String>> {
        self.list(node, key, |b, item| b.string(item, key))
    }

    fn safety(&mut self, node: &mut Node) -> Option<Safety> {
        let entries = self.mapping(node, "`settings.safety`", SAFETY_KEYS)?;
        let mut safety = Safety::default();
        for (key, value) in entries {
            match key {
                "max_deletes" => safety.max_deletes = self.threshold(value, key),
                "max_suspends" => safety.max_suspends = self.threshold(value, key),
                "max_role_changes" => safety.max_role_changes = self.threshold(value, key),
                "min_admins" => match value.kind {
                    NodeKind::Int(n) if n >= 0 => {
                        safety.min_admins = Some(Located::new(
                            u32::try_from(n).unwrap_or(u32::MAX),
                            value.pos,
                        ));
                    }
                    _ => self.type_error(value, key, "a whole number, 0 or more"),
                },
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        Some(safety)
    }

    fn threshold(&mut self, node: &mut Node, key: &str) -> Option<Located<Threshold>> {
        match &node.kind {
            NodeKind::Int(n) if *n >= 0 => Some(Located::new(
                Threshold::Count(u32::try_from(*n).unwrap_or(u32::MAX)),
                node.pos,
            )),
            NodeKind::Str(text) if text.trim_end().ends_with('%') => {
                let number = text.trim_end().trim_end_matches('%').trim();
                match number.parse::<f64>() {
                    Ok(p) if p.is_nan() => {
                        self.type_error(
                            node,
                            key,
                            "a number of users or a percentage like \"10%\"",
                        );
                        None
                    }
                    Ok(p) if (0.0..=100.0).contains(&p) => {
                        Some(Located::new(Threshold::Percent(Percent(p)), node.pos))
                    }
                    Ok(_) => {
                        self.error(
                            node.pos,
                            "percentage-out-of-range",
                            format!("`{key}` of `{text}` is out of range"),
                        )
                        .hints
                        .push("a percentage is between 0% and 100% of the in-scope users".into());
                        None
                    }
                    Err(_) => {
                        self.type_error(
                            node,
                            key,
                            "a number of users or a percentage like \"10%\"",
                        );
                        None
                    }
                }
            }
            _ => {
                self.type_error(node, key, "a number of users or a percentage like \"10%\"");
                None
            }
        }
    }

    fn tag(&mut self, node: &mut Node) -> Option<Located<String>> {
        let tag = self.non_empty_string(node, "tags")?;
        if tag.value.chars().any(|c| c.is_whitespace() || c == ',') {
            self.error(
                node.pos,
                "invalid-tag",
                format!("tag `{}` contains a space or comma", tag.value),
            )
            .hints
            .push(
                "Zendesk splits tags at spaces and commas; use `_` or `-` instead, or several tags"
                    .into(),
            );
            return None;
        }
        Some(tag)
    }

    fn defaults(&mut self, node: &mut Node) -> Option<Profile> {
        let entries = self.mapping_with(node, "`defaults`", &[PROFILE_KEYS, USER_IDENTITY_KEYS])?;
        let mut profile = Profile::default();
        for (key, value) in entries {
            if USER_IDENTITY_KEYS.contains(&key) {
                self.error(
                    value.pos,
                    "invalid-default",
                    format!("`{key}` cannot have a default"),
                )
                .hints
                .push(format!("`{key}` identifies one user: set it on each user"));
                continue;
            }
            self.profile_field(&mut profile, key, value);
        }
        Some(profile)
    }

    pub(crate) fn user(&mut self, node: &mut Node) -> Option<User> {
        let mut user = User {
            source: self.source(node),
            ..User::default()
        };
        let entries = self.mapping_with(node, "a user", &[USER_IDENTITY_KEYS, PROFILE_KEYS])?;
        for (key, value) in entries {
            match key {
                "name" => user.name = self.non_empty_string(value, key),
                "email" => user.email = self.non_empty_string(value, key),
                "external_id" => user.external_id = self.non_empty_string(value, key),
                _ => self.profile_field(&mut user.profile, key, value),
            }
        }
        Some(user)
    }

    fn profile_field(&mut self, profile: &mut Profile, key: &str, value: &mut Node) {
        match key {
            "role" => profile.role = self.enumeration(value, "role", ROLE_VALUES),
            "custom_role" => profile.custom_role = self.nullable_name(value, key),
            "organization" => profile.organization = self.nullable_name(value, key),
            "organizations" => profile.organizations = self.string_list(value, key),
            "groups" => profile.groups = self.string_list(value, key),
            "default_group" => profile.default_group = self.nullable_name(value, key),
            "tags" => profile.tags = self.tag_list(value),
            "user_fields" => profile.user_fields = self.user_fields(value),
            "suspended" => profile.suspended = self.boolean(value, key),
            "alias" => profile.alias = self.nullable_string(value, key),
            "details" => profile.details = self.nullable_string(value, key),
            "notes" => profile.notes = self.nullable_string(value, key),
            "signature" => profile.signature = self.nullable_string(value, key),
            "phone" => profile.phone = self.nullable_string(value, key),
            "locale" => profile.locale = self.locale(value),
            "time_zone" => profile.time_zone = self.non_empty_string(value, key),
            "moderator" => profile.moderator = self.boolean(value, key),
            "ticket_restriction" => {
                profile.ticket_restriction = if matches!(value.kind, NodeKind::Null) {
                    Field::Null(value.pos)
                } else {
                    self.enumeration(value, "ticket_restriction", TICKET_RESTRICTION_VALUES)
                        .map_or(Field::Absent, Field::Value)
                };
            }
            "only_private_comments" => profile.only_private_comments = self.boolean(value, key),
            "verified" => profile.verified = self.boolean(value, key),
            _ => unreachable!("mapping() returns known keys only"),
        }
    }

    fn nullable_name(&mut self, node: &mut Node, key: &str) -> Field<String> {
        if matches!(node.kind, NodeKind::Null) {
            return Field::Null(node.pos);
        }
        self.non_empty_string(node, key)
            .map_or(Field::Absent, Field::Value)
    }

    fn locale(&mut self, node: &mut Node) -> Option<Located<String>> {
        let locale = self.non_empty_string(node, "locale")?;
        let mut parts = locale.value.split('-');
        let language_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(language_ok && rest_ok) {
            self.error(
                node.pos,
                "invalid-locale",
                format!("`{}` is not a locale", locale.value),
            )
            .hints
            .push("write a locale such as `en-US`, `de` or `pt-BR`".into());
            return None;
        }
        Some(locale)
    }

    fn user_fields(&mut self, node: &mut Node) -> BTreeMap<String, Located<serde_json::Value>> {
        let mut fields = BTreeMap::new();
        let NodeKind::Map(entries) = &node.kind else {
            self.type_error(node, "user_fields", "a mapping of field keys to values");
            return fields;
        };
        for (key, value) in entries {
            let Some(name) = key.as_str() else {
                let found = describe(key);
                self.error(
                    key.pos,
                    "invalid-key",
                    format!("user field keys must be text, found {found}"),
                );
                continue;
            };
            if fields.contains_key(name) {
                self.error(
                    key.pos,
                    "duplicate-key",
                    format!("duplicate key `{name}` in `user_fields`"),
                );
                continue;
            }
            let json = match &value.kind {
                NodeKind::Null => serde_json::Value::Null,
                NodeKind::Bool(b) => serde_json::Value::Bool(*b),
                NodeKind::Int(n) => serde_json::Value::from(*n),
                NodeKind::Float(f) => serde_json::Number::from_f64(*f)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                NodeKind::Str(s) => serde_json::Value::String(s.clone()),
                NodeKind::Seq(_) | NodeKind::Map(_) => {
                    self.type_error(
                        value,
                        &format!("user_fields.{name}"),
                        "text, a number, `true`/`false` or null",
                    );
                    continue;
                }
            };
            fields.insert(name.to_owned(), Located::new(json, value.pos));
        }
        fields
    }

    fn custom_role(&mut self, node: &mut Node) -> Option<CustomRole> {
        let mut role = CustomRole {
            source: self.source(node),
            ..CustomRole::default()
        };
        let entries = self.mapping(node, "a custom role", CUSTOM_ROLE_KEYS)?;
        let mut name = None;
        for (key, value) in entries {
            match key {
                "name" => name = self.non_empty_string(value, key),
                "description" => role.description = self.nullable_string(value, key),
                "configuration" => role.configuration = self.configuration(value),
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        role.name = self.required_name(node, name, "custom role")?;
        Some(role)
    }

    fn configuration(&mut self, node: &mut Node) -> BTreeMap<String, Located<serde_json::Value>> {
        let mut configuration = BTreeMap::new();
        let NodeKind::Map(entries) = &node.kind else {
            self.type_error(node, "configuration", "a mapping of permissions to values");
            return configuration;
        };
        for (key, value) in entries {
            let Some(name) = key.as_str() else {
                self.type_error(key, "configuration keys", "text");
                continue;
            };
            let json = node_to_json(value);
            if let Some(allowed) = permission_values(name) {
                let ok = json.as_str().is_some_and(|s| allowed.contains(&s));
                if !ok {
                    let found = describe(value);
                    let suggestion = json
                        .as_str()
                        .and_then(|s| closest(s, allowed.iter().copied()));
                    let diagnostic = self.error(
                        value.pos,
                        "invalid-value",
                        format!(
                            "invalid `{name}` {found}; expected one of {}",
                            quoted(allowed.iter().copied())
                        ),
                    );
                    if let Some(s) = suggestion {
                        diagnostic.hints.push(format!("did you mean `{s}`?"));
                    }
                    continue;
                }
            }
            configuration.insert(name.to_owned(), Located::new(json, value.pos));
        }
        configuration
    }

    fn organization(&mut self, node: &mut Node) -> Option<Organization> {
        let mut organization = Organization {
            source: self.source(node),
            ..Organization::default()
        };
        let entries = self.mapping(node, "an organization", ORGANIZATION_KEYS)?;
        let mut name = None;
        for (key, value) in entries {
            match key {
                "name" => name = self.non_empty_string(value, key),
                "external_id" => organization.external_id = self.non_empty_string(value, key),
                "domain_names" => organization.domain_names = self.string_list(value, key),
                "details" => organization.details = self.nullable_string(value, key),
                "notes" => organization.notes = self.nullable_string(value, key),
                "tags" => organization.tags = self.tag_list(value),
                "shared_tickets" => organization.shared_tickets = self.boolean(value, key),
                "shared_comments" => organization.shared_comments = self.boolean(value, key),
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        organization.name = self.required_name(node, name, "organization")?;
        Some(organization)
    }

    fn group(&mut self, node: &mut Node) -> Option<Group> {
        let mut group = Group {
            source: self.source(node),
            ..Group::default()
        };
        let entries = self.mapping(node, "a group", GROUP_KEYS)?;
        let mut name = None;
        for (key, value) in entries {
            match key {
                "name" => name = self.non_empty_string(value, key),
                "description" => group.description = self.nullable_string(value, key),
                "is_public" => group.is_public = self.boolean(value, key),
                _ => unreachable!("mapping() returns known keys only"),
            }
        }
        group.name = self.required_name(node, name, "group")?;
        Some(group)
    }

    fn required_name(
        &mut self,
        node: &mut Node,
        name: Option<Located<String>>,
        what: &str,
    ) -> Option<Located<String>> {
        if name.is_none() && !has_key(node, "name") {
            self.error(node.pos, "missing-name", format!("{what} has no `name`"))
                .hints
                .push(format!(
                    "every {what} needs a `name`: users refer to it by that name"
                ));
        }
        name
    }

    fn source(&self, node: &Node) -> Source {
        Source {
            file: self.file_id,
            pos: node.pos,
        }
    }
}

/// The allowed values of the custom-role permissions whose values API.md lists; other
/// permissions are passed to Zendesk as written.
fn permission_values(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "ticket_access" => Some(&[
            "all",
            "assigned-only",
            "within-groups",
            "within-groups-and-public-groups",
            "within-organization",
        ]),
        "end_user_profile_access" => Some(&["edit", "edit-within-org", "full", "readonly"]),
        _ => None,
    }
}

fn node_to_json(node: &Node) -> serde_json::Value {
    match &node.kind {
        NodeKind::Null => serde_json::Value::Null,
        NodeKind::Bool(b) => serde_json::Value::Bool(*b),
        NodeKind::Int(n) => serde_json::Value::from(*n),
        NodeKind::Float(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        NodeKind::Str(s) => serde_json::Value::String(s.clone()),
        NodeKind::Seq(items) => items.iter().map(node_to_json).collect(),
        NodeKind::Map(entries) => entries
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), node_to_json(v))))
            .collect(),
    }
}

/// Whether a mapping node writes `key` (even with a value that was rejected).
fn has_key(node: &Node, key: &str) -> bool {
    matches!(&node.kind, NodeKind::Map(entries) if entries.iter().any(|(k, _)| k.as_str() == Some(key)))
}

/// The node as an error message names it: its type, and its text when short.
fn describe(node: &Node) -> String {
    match &node.kind {
        NodeKind::Str(s) if s.chars().count() <= 40 => format!("text `{s}`"),
        NodeKind::Int(n) => format!("the number `{n}`"),
        NodeKind::Float(f) => format!("the number `{f}`"),
        NodeKind::Bool(b) => format!("`{b}`"),
        other => other.type_name().to_owned(),
    }
}

fn quoted<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
