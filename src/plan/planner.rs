//! `Planner::build`: the pure comparison of a roster with the live state (DESIGN.md §3–§5).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::named::{Named, NamedIds};
use super::normalize::{same_key, same_tags, same_text, tag};
use super::{
    Action, Blocked, Change, Conflict, CustomRoleField, Drift, FORMAT_VERSION, FieldChange,
    FieldName, FieldValue, GroupField, Kind, MatchKey, OrganizationField, Plan, PlanError,
    SourceRef, Summary, Touched, UserField, UserRef,
};
use crate::roster::model::Prune;
use crate::roster::pattern::PatternSet;
use crate::roster::{Field, Located, Profile, Role, Roster, Source, User};
use crate::state::{LiveMembership, LiveState, LiveUser};
use crate::zendesk::limits::{BULK_LIMIT, EXPORT_CHEAPER_ABOVE, EXPORT_PAGE, SHOW_MANY_LIMIT};

/// Builds a [`Plan`] from a roster and the live state. Pure: no I/O.
#[derive(Debug)]
pub struct Planner<'a> {
    roster: &'a Roster,
    state: &'a LiveState,
    ignore: PatternSet,
    protect: PatternSet,
    /// The roster's file names, shared by every place in them.
    files: Vec<std::sync::Arc<str>>,
    /// Live users by lower-case external id and primary email (borrowed when the live
    /// value is lower-case already, as nearly all are).
    by_external_id: HashMap<Cow<'a, str>, u64>,
    by_email: HashMap<Cow<'a, str>, u64>,
    /// Names resolved once: lower-case name → the roster's or the account's object.
    custom_roles: HashMap<String, Resolved>,
    organizations: HashMap<String, Resolved>,
    groups: HashMap<String, Resolved>,
    /// Live names by id, for the "before" side of reference fields.
    custom_role_names: HashMap<u64, String>,
    organization_names: HashMap<u64, String>,
    group_names: HashMap<u64, String>,
    /// Live memberships by user id.
    group_memberships: HashMap<u64, Vec<LiveMembership>>,
    organization_memberships: HashMap<u64, Vec<LiveMembership>>,
    changes: Vec<Change>,
    errors: Vec<PlanError>,
}

/// A name resolved against the roster's sections, then the live account.
#[derive(Debug, Clone)]
struct Resolved {
    /// The name as the roster's section or the live account spells it.
    name: String,
    /// The live id, when the object exists already.
    id: Option<u64>,
}

impl<'a> Planner<'a> {
    /// Compares `roster` with `state`; `roster_digest` identifies the roster files.
    #[must_use]
    pub fn build(roster: &'a Roster, state: &'a LiveState, roster_digest: &str) -> Plan {
        let mut by_external_id = HashMap::with_capacity(state.users.len());
        let mut by_email = HashMap::with_capacity(state.users.len());
        for user in state.users.values().filter(|u| u.active) {
            if let Some(id) = &user.external_id {
                by_external_id.insert(lower(id), user.id);
            }
            if let Some(email) = &user.email {
                by_email.insert(lower(email), user.id);
            }
        }
        let mut group_memberships: HashMap<u64, Vec<LiveMembership>> = HashMap::new();
        for membership in &state.group_memberships {
            group_memberships
                .entry(membership.user_id)
                .or_default()
                .push(*membership);
        }
        let mut organization_memberships: HashMap<u64, Vec<LiveMembership>> = HashMap::new();
        for membership in state.organization_memberships.iter().flatten() {
            organization_memberships
                .entry(membership.user_id)
                .or_default()
                .push(*membership);
        }
        let mut planner = Planner {
            roster,
            state,
            ignore: PatternSet::new(roster.settings.ignore.iter().map(|p| p.value.as_str())),
            protect: PatternSet::new(roster.settings.protect.iter().map(|p| p.value.as_str())),
            files: (0..roster.files.len())
                .map(|file| std::sync::Arc::from(roster.file_name(file as crate::roster::FileId)))
                .collect(),
            by_external_id,
            by_email,
            custom_roles: resolve_custom_roles(roster, state),
            organizations: resolve_organizations(roster, state),
            groups: resolve_groups(roster, state),
            custom_role_names: state
                .custom_roles
                .iter()
                .map(|r| (r.id, r.name.clone()))
                .collect(),
            organization_names: state
                .organizations
                .iter()
                .map(|o| (o.id, o.name.clone()))
                .collect(),
            group_names: state
                .groups
                .iter()
                .map(|g| (g.id, g.name.clone()))
                .collect(),
            group_memberships,
            organization_memberships,
            changes: Vec::new(),
            errors: Vec::new(),
        };
        planner.custom_roles();
        planner.organizations();
        planner.groups();
        let matched = planner.users();
        let drift = planner.prune(&matched);
        planner.protect_users();
        let references = planner.references();
        let Planner {
            mut changes,
            errors,
            ..
        } = planner;
        changes.sort_by_key(Change::phase);
        let refusals = super::safety::refusals(roster, state, &changes, &matched);
        let touched = touched(state, &changes);
        let summary = summarize(state, &changes);
        Plan {
            format_version: FORMAT_VERSION,
            account: state.account.clone(),
            roster_digest: roster_digest.to_owned(),
            authenticated_user: Some(UserRef {
                id: state.me.id,
                email: state.me.email.clone(),
                name: state.me.name.clone(),
            }),
            changes,
            drift,
            refusals,
            errors,
            touched,
            references,
            summary,
            notes: notes(state),
        }
    }

    /// The ids of every custom role, organization and group the changes name.
    fn references(&self) -> super::References {
        let mut references = super::References::default();
        let note = |map: &mut std::collections::BTreeMap<String, Option<u64>>,
                    resolved: &HashMap<String, Resolved>,
                    name: &str| {
            if let Some(r) = resolved.get(&name.to_lowercase()) {
                map.insert(r.name.clone(), r.id);
            }
        };
        for change in &self.changes {
            match change.kind {
                Kind::CustomRole => note(
                    &mut references.custom_roles,
                    &self.custom_roles,
                    &change.label,
                ),
                Kind::Organization => note(
                    &mut references.organizations,
                    &self.organizations,
                    &change.label,
                ),
                Kind::Group => note(&mut references.groups, &self.groups, &change.label),
                Kind::GroupMembership => {
                    if let Some(target) = &change.target {
                        note(&mut references.groups, &self.groups, target);
                    }
                }
                Kind::OrganizationMembership => {
                    if let Some(target) = &change.target {
                        note(&mut references.organizations, &self.organizations, target);
                    }
                }
                Kind::User | Kind::Identity => {}
            }
            for field in &change.fields {
                let (Some(field_name), FieldValue::Text(name)) = (field.user_field(), &field.after)
                else {
                    continue;
                };
                match field_name {
                    UserField::CustomRole => {
                        note(&mut references.custom_roles, &self.custom_roles, name);
                    }
                    UserField::Organization => {
                        note(&mut references.organizations, &self.organizations, name);
                    }
                    UserField::DefaultGroup => note(&mut references.groups, &self.groups, name),
                    _ => {}
                }
            }
        }
        references
    }

    fn locate(&self, source: Source) -> SourceRef {
        SourceRef {
            file: self.files.get(source.file as usize).map_or_else(
                || std::sync::Arc::from(self.roster.file_name(source.file)),
                std::sync::Arc::clone,
            ),
            line: source.pos.line,
            column: source.pos.column,
        }
    }

    fn locate_at(&self, source: Source, pos: crate::roster::Pos) -> SourceRef {
        self.locate(Source {
            file: source.file,
            pos,
        })
    }

    fn custom_roles(&mut self) {
        for role in &self.roster.custom_roles {
            let live = self
                .state
                .custom_roles
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&role.name.value));
            let mut fields = Vec::new();
            let field = |field, before, after| FieldChange {
                field: FieldName::CustomRole(field),
                before,
                after,
            };
            if let Some(description) = text_field(&role.description) {
                let before = live.and_then(|l| l.description.as_deref());
                if live.is_none() || !same_text(description, before) {
                    fields.push(field(
                        CustomRoleField::Description,
                        FieldValue::text(before),
                        FieldValue::text(description),
                    ));
                }
            }
            for (key, value) in &role.configuration {
                let before = live.and_then(|l| l.configuration.get(key));
                if live.is_none() || before != Some(&value.value) {
                    fields.push(field(
                        CustomRoleField::Configuration(key.clone()),
                        FieldValue::json(before.cloned().unwrap_or(Value::Null)),
                        FieldValue::json(value.value.clone()),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            CustomRoleField::Name,
                            FieldValue::Null,
                            FieldValue::Text(role.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            let blocked = (!self.state.custom_roles_available).then_some(Blocked::NoCustomRoles);
            self.changes.push(Change {
                kind: Kind::CustomRole,
                action,
                key: MatchKey::Name(role.name.value.clone()),
                label: role.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(role.source)),
                blocked,
                escalation: None,
            });
        }
    }

    fn organizations(&mut self) {
        for organization in &self.roster.organizations {
            // The live organization the roster's entry names (by external id, else by name).
            let live_id = self
                .organization(&organization.name.value)
                .and_then(|r| r.id);
            let live = live_id.and_then(|id| self.state.organizations.iter().find(|o| o.id == id));
            let field = |field, before, after| FieldChange {
                field: FieldName::Organization(field),
                before,
                after,
            };
            let mut fields = Vec::new();
            if let Some(live) = live
                && live.name != organization.name.value
            {
                fields.push(field(
                    OrganizationField::Name,
                    FieldValue::Text(live.name.clone()),
                    FieldValue::Text(organization.name.value.clone()),
                ));
            }
            if let Some(external_id) = &organization.external_id {
                let before = live.and_then(|l| l.external_id.as_deref());
                if live.is_none() || !same_key(&external_id.value, before) {
                    fields.push(field(
                        OrganizationField::ExternalId,
                        FieldValue::text(before),
                        FieldValue::Text(external_id.value.clone()),
                    ));
                }
            }
            if let Some(domains) = &organization.domain_names {
                let want: Vec<String> = domains
                    .value
                    .iter()
                    .map(|d| d.value.to_lowercase())
                    .collect();
                let have: Vec<String> = live
                    .map(|l| l.domain_names.iter().map(|d| d.to_lowercase()).collect())
                    .unwrap_or_default();
                if live.is_none() || sorted(&want) != sorted(&have) {
                    fields.push(field(
                        OrganizationField::DomainNames,
                        FieldValue::List(have),
                        FieldValue::List(want),
                    ));
                }
            }
            for (name, roster_value, live_value) in [
                (
                    OrganizationField::Details,
                    &organization.details,
                    live.and_then(|l| l.details.as_deref()),
                ),
                (
                    OrganizationField::Notes,
                    &organization.notes,
                    live.and_then(|l| l.notes.as_deref()),
                ),
            ] {
                if let Some(value) = text_field(roster_value)
                    && ((live.is_none() && value.is_some())
                        || (live.is_some() && !same_text(value, live_value)))
                {
                    fields.push(field(
                        name,
                        FieldValue::text(live_value),
                        FieldValue::text(value),
                    ));
                }
            }
            if let Some(tags) = &organization.tags {
                let want: Vec<String> = tags.value.iter().map(|t| tag(&t.value)).collect();
                let have = live.map(|l| l.tags.clone()).unwrap_or_default();
                if !same_tags(&want, &have) {
                    fields.push(field(
                        OrganizationField::Tags,
                        FieldValue::List(have),
                        FieldValue::List(sorted(&want)),
                    ));
                }
            }
            for (name, roster_value, live_value) in [
                (
                    OrganizationField::SharedTickets,
                    &organization.shared_tickets,
                    live.map(|l| l.shared_tickets),
                ),
                (
                    OrganizationField::SharedComments,
                    &organization.shared_comments,
                    live.map(|l| l.shared_comments),
                ),
            ] {
                if let Some(value) = roster_value
                    && live_value != Some(value.value)
                {
                    fields.push(field(
                        name,
                        FieldValue::flag(live_value),
                        FieldValue::Flag(value.value),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            OrganizationField::Name,
                            FieldValue::Null,
                            FieldValue::Text(organization.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            let key = organization.external_id.as_ref().map_or_else(
                || MatchKey::Name(organization.name.value.clone()),
                |e| MatchKey::ExternalId(e.value.clone()),
            );
            self.changes.push(Change {
                kind: Kind::Organization,
                action,
                key,
                label: organization.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(organization.source)),
                blocked: None,
                escalation: None,
            });
        }
    }

    fn groups(&mut self) {
        for group in &self.roster.groups {
            let live = self
                .state
                .groups
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(&group.name.value));
            let field = |field, before, after| FieldChange {
                field: FieldName::Group(field),
                before,
                after,
            };
            let mut fields = Vec::new();
            if let Some(description) = text_field(&group.description) {
                let before = live.and_then(|l| l.description.as_deref());
                if (live.is_none() && description.is_some())
                    || (live.is_some() && !same_text(description, before))
                {
                    fields.push(field(
                        GroupField::Description,
                        FieldValue::text(before),
                        FieldValue::text(description),
                    ));
                }
            }
            let mut blocked = None;
            if let Some(is_public) = &group.is_public {
                let before = live.and_then(|l| l.is_public);
                if before != Some(is_public.value) && (live.is_none() || before.is_some()) {
                    if live.is_some() && is_public.value {
                        blocked = Some(Blocked::PrivateGroup);
                    }
                    fields.push(field(
                        GroupField::IsPublic,
                        FieldValue::flag(before),
                        FieldValue::Flag(is_public.value),
                    ));
                }
            }
            let (action, id) = match live {
                None => {
                    fields.insert(
                        0,
                        field(
                            GroupField::Name,
                            FieldValue::Null,
                            FieldValue::Text(group.name.value.clone()),
                        ),
                    );
                    (Action::Create, None)
                }
                Some(_) if fields.is_empty() => continue,
                Some(live) => (Action::Update, Some(live.id)),
            };
            self.changes.push(Change {
                kind: Kind::Group,
                action,
                key: MatchKey::Name(group.name.value.clone()),
                label: group.name.value.clone(),
                id,
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(group.source)),
                blocked,
                escalation: None,
            });
        }
    }

    fn custom_role(&self, name: &str) -> Option<Resolved> {
        self.custom_roles.get(&name.to_lowercase()).cloned()
    }

    fn organization(&self, name: &str) -> Option<Resolved> {
        self.organizations.get(&name.to_lowercase()).cloned()
    }

    fn group(&self, name: &str) -> Option<Resolved> {
        self.groups.get(&name.to_lowercase()).cloned()
    }

    fn resolve(
        &mut self,
        what: &str,
        source: Source,
        name: &Located<String>,
        lookup: fn(&Self, &str) -> Option<Resolved>,
    ) -> Option<Resolved> {
        let resolved = lookup(self, &name.value);
        if resolved.is_none() {
            let place = self.locate_at(source, name.pos);
            self.errors.push(PlanError {
                source: place,
                message: format!(
                    "{what} `{}` is neither in the roster nor in the account",
                    name.value
                ),
            });
        }
        resolved
    }

    fn organization_name(&self, id: Option<u64>) -> FieldValue {
        name_of(&self.organization_names, id)
    }

    fn group_name(&self, id: Option<u64>) -> FieldValue {
        name_of(&self.group_names, id)
    }

    /// Plans every roster user; returns the live ids the roster matched.
    fn users(&mut self) -> BTreeSet<u64> {
        let mut matched = BTreeSet::new();
        for user in &self.roster.users {
            let ignored = self.ignore.matching(
                user.email.as_ref().map(|e| e.value.as_str()),
                user.external_id.as_ref().map(|e| e.value.as_str()),
            );
            if ignored.is_some() {
                continue;
            }
            let Some(key) = user_key(user) else {
                self.errors.push(PlanError {
                    source: self.locate(user.source),
                    message: format!(
                        "{} has neither `external_id` nor `email` to match it by",
                        user_label(user)
                    ),
                });
                continue;
            };
            let by_external_id = user
                .external_id
                .as_ref()
                .and_then(|e| self.by_external_id.get(lower(&e.value).as_ref()).copied());
            let by_email = user
                .email
                .as_ref()
                .and_then(|e| self.by_email.get(lower(&e.value).as_ref()).copied());
            let live_id = match (by_external_id, by_email) {
                (Some(a), Some(b)) if a != b => {
                    matched.insert(a);
                    matched.insert(b);
                    self.conflict(user, key, a, b);
                    continue;
                }
                (Some(id), _) | (None, Some(id)) => Some(id),
                (None, None) => None,
            };
            if let Some(id) = live_id {
                matched.insert(id);
            }
            let live = live_id
                .and_then(|id| self.state.users.get(&id))
                .map(AsRef::as_ref);
            if let Some(owner) = self.secondary_owner(user, live) {
                // The owner may be whom the entry means: it is not pruned either.
                matched.insert(owner);
                self.secondary_conflict(user, key, live, owner);
                continue;
            }
            self.user(user, &key, live);
        }
        matched
    }

    fn conflict(&mut self, user: &User, key: MatchKey, by_external_id: u64, by_email: u64) {
        let external_id = user.external_id.as_ref().map_or("", |e| e.value.as_str());
        let email = user.email.as_ref().map_or("", |e| e.value.as_str());
        let label = user_label(user);
        self.changes.push(Change {
            kind: Kind::User,
            action: Action::Update,
            key,
            label,
            id: Some(by_external_id),
            target: None,
            target_id: None,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: Some(Blocked::Conflict(Conflict::TwoUsers {
                external_id: external_id.to_owned(),
                by_external_id,
                email: email.to_owned(),
                by_email,
            })),
            escalation: None,
        });
    }

    /// Another live user holding the roster email as a secondary address, when the plan
    /// would create the user with that email or make it the matched user's primary one
    /// (`create_or_update` would find that other user; adding the identity would fail).
    fn secondary_owner(&self, user: &User, live: Option<&LiveUser>) -> Option<u64> {
        let email = &user.email.as_ref()?.value;
        if live.is_some_and(|live| same_key(email, live.email.as_deref())) {
            return None;
        }
        let owner = self.state.secondary_email_owner(email)?;
        (live.map(|l| l.id) != Some(owner.id)).then_some(owner.id)
    }

    fn secondary_conflict(
        &mut self,
        user: &User,
        key: MatchKey,
        live: Option<&LiveUser>,
        owner: u64,
    ) {
        let email = user.email.as_ref().map_or("", |e| e.value.as_str());
        let owner_label = self
            .state
            .users
            .get(&owner)
            .map_or_else(|| format!("#{owner}"), |live| live_label(live));
        let action = if live.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        self.changes.push(Change {
            kind: Kind::User,
            action,
            key,
            label: user_label(user),
            id: live.map(|l| l.id),
            target: None,
            target_id: None,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: Some(Blocked::Conflict(Conflict::SecondaryEmail {
                email: email.to_owned(),
                owner,
                owner_label,
            })),
            escalation: None,
        });
    }

    /// Plans `field` when `live` does not hold `want` ([`UserField::holds`]); returns
    /// whether it did.
    fn diff(
        &self,
        fields: &mut Vec<FieldChange>,
        field: UserField,
        want: FieldValue,
        live: Option<&LiveUser>,
    ) -> bool {
        if field.holds(&want, live, self) {
            return false;
        }
        let before = field.live_value(live, self);
        fields.push(FieldChange::user(field, before, want));
        true
    }

    fn user(&mut self, user: &User, key: &MatchKey, live: Option<&LiveUser>) {
        let defaults = &self.roster.defaults;
        let profile = &user.profile;
        let source = user.source;
        let mut fields: Vec<FieldChange> = Vec::new();
        let mut escalation = None;
        // A roster entry with only a key reads better with the live user's name and email.
        let label = match (live, &user.name) {
            (Some(live), None) => live_label(live),
            _ => user_label(user),
        };

        if let Some(name) = &user.name {
            let name = FieldValue::Text(name.value.clone());
            self.diff(&mut fields, UserField::Name, name, live);
        } else if live.is_none() {
            self.errors.push(PlanError {
                source: self.locate(source),
                message: format!(
                    "{label} does not exist in Zendesk and has no `name` to create it with"
                ),
            });
            return;
        }
        if let Some(email) = &user.email
            && live.is_none()
        {
            let email = FieldValue::Text(email.value.clone());
            self.diff(&mut fields, UserField::Email, email, live);
        }
        if let Some(external_id) = &user.external_id {
            let external_id = FieldValue::Text(external_id.value.clone());
            self.diff(&mut fields, UserField::ExternalId, external_id, live);
        }
        let role = profile.role.as_ref().or(defaults.role.as_ref());
        if let Some(role) = role.map(|r| r.value)
            && self.diff(&mut fields, UserField::Role, FieldValue::Role(role), live)
        {
            let live_role = live.map(|l| l.role);
            if role > live_role.unwrap_or(Role::EndUser) {
                escalation = Some(match live_role {
                    Some(from) => format!("{} → {}", from.as_str(), role.as_str()),
                    None => format!("new {}", role.as_str()),
                });
            }
        }
        for (field, what, roster_value, lookup) in [
            (
                UserField::CustomRole,
                "custom role",
                profile.custom_role.or(&defaults.custom_role),
                Self::custom_role as fn(&Self, &str) -> Option<Resolved>,
            ),
            (
                UserField::Organization,
                "organization",
                profile.organization.or(&defaults.organization),
                Self::organization,
            ),
            (
                UserField::DefaultGroup,
                "group",
                profile.default_group.or(&defaults.default_group),
                Self::group,
            ),
        ] {
            let want = match roster_value {
                Field::Absent => continue,
                Field::Null(_) => FieldValue::Null,
                Field::Value(name) => match self.resolve(what, source, name, lookup) {
                    Some(resolved) => FieldValue::Text(resolved.name),
                    None => continue,
                },
            };
            let before = field.live_value(live, self);
            let is_custom_role = field == UserField::CustomRole;
            if self.diff(&mut fields, field, want.clone(), live)
                && is_custom_role
                && live.is_some()
                && escalation.is_none()
                && let FieldValue::Text(name) = &want
            {
                escalation = Some(format!(
                    "custom role {} → {name}",
                    before.as_text().unwrap_or("none"),
                ));
            }
        }
        if let Some(tags) = profile.tags.as_ref().or(defaults.tags.as_ref()) {
            let want: Vec<String> = tags.value.iter().map(|t| tag(&t.value)).collect();
            self.diff(
                &mut fields,
                UserField::Tags,
                FieldValue::List(sorted(&want)),
                live,
            );
        }
        let mut user_fields: BTreeMap<&str, &Located<Value>> = defaults
            .user_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        user_fields.extend(profile.user_fields.iter().map(|(k, v)| (k.as_str(), v)));
        for (key, value) in user_fields {
            let field = UserField::Custom(key.to_owned());
            self.diff(
                &mut fields,
                field,
                FieldValue::json(value.value.clone()),
                live,
            );
        }
        self.text_fields(profile, live, &mut fields);
        self.flag_fields(profile, live, &mut fields);

        let suspended = profile
            .suspended
            .as_ref()
            .or(defaults.suspended.as_ref())
            .map(|s| s.value);
        let suspend_action = match (live, suspended) {
            (Some(_), Some(suspend))
                if !UserField::Suspended.holds(&FieldValue::Flag(suspend), live, self) =>
            {
                Some(if suspend {
                    Action::Suspend
                } else {
                    Action::Unsuspend
                })
            }
            (None, Some(true)) => {
                self.diff(
                    &mut fields,
                    UserField::Suspended,
                    FieldValue::Flag(true),
                    live,
                );
                None
            }
            _ => None,
        };

        let change = |action, mut fields: Vec<FieldChange>, escalation| {
            // A pushed-to list holds room for four fields; most changes have one or two, and
            // a plan can hold 100,000 of them.
            fields.shrink_to_fit();
            Change {
                kind: Kind::User,
                action,
                key: key.clone(),
                label: label.clone(),
                id: live.map(|l| l.id),
                target: None,
                target_id: None,
                fields,
                source: Some(self.locate(source)),
                blocked: None,
                escalation,
            }
        };
        let mut new_changes = Vec::new();
        match live {
            None => new_changes.push(change(Action::Create, fields, escalation)),
            Some(_) if !fields.is_empty() => {
                new_changes.push(change(Action::Update, fields, escalation));
            }
            Some(_) => {}
        }
        if let Some(action) = suspend_action {
            let mut suspension = Vec::new();
            let suspend = FieldValue::Flag(action == Action::Suspend);
            self.diff(&mut suspension, UserField::Suspended, suspend, live);
            new_changes.push(change(action, suspension, None));
        }
        if let (Some(_), Some(email)) = (live, &user.email) {
            let mut primary = Vec::new();
            let email = FieldValue::Text(email.value.clone());
            if self.diff(&mut primary, UserField::Email, email, live) {
                let mut identity = change(Action::MakePrimary, primary, None);
                identity.kind = Kind::Identity;
                new_changes.push(identity);
            }
        }
        self.changes.extend(new_changes);
        self.memberships(user, key, live);
    }

    /// The text fields, `locale`, `time_zone` and `ticket_restriction`.
    fn text_fields(
        &self,
        profile: &Profile,
        live: Option<&LiveUser>,
        fields: &mut Vec<FieldChange>,
    ) {
        let defaults = &self.roster.defaults;
        for (field, roster_value) in [
            (UserField::Alias, profile.alias.or(&defaults.alias)),
            (UserField::Details, profile.details.or(&defaults.details)),
            (UserField::Notes, profile.notes.or(&defaults.notes)),
            (
                UserField::Signature,
                profile.signature.or(&defaults.signature),
            ),
            (UserField::Phone, profile.phone.or(&defaults.phone)),
        ] {
            if let Some(value) = text_field(roster_value) {
                self.diff(fields, field, FieldValue::text(value), live);
            }
        }
        if let Some(locale) = profile.locale.as_ref().or(defaults.locale.as_ref()) {
            let locale = FieldValue::Text(locale.value.clone());
            self.diff(fields, UserField::Locale, locale, live);
        }
        if let Some(zone) = profile.time_zone.as_ref().or(defaults.time_zone.as_ref()) {
            let zone = FieldValue::Text(zone.value.clone());
            self.diff(fields, UserField::TimeZone, zone, live);
        }
        let restriction = match profile.ticket_restriction.or(&defaults.ticket_restriction) {
            Field::Absent => return,
            Field::Null(_) => FieldValue::Null,
            Field::Value(value) => FieldValue::Text(value.value.as_str().to_owned()),
        };
        self.diff(fields, UserField::TicketRestriction, restriction, live);
    }

    /// `moderator`, `only_private_comments` and `verified`.
    fn flag_fields(
        &self,
        profile: &Profile,
        live: Option<&LiveUser>,
        fields: &mut Vec<FieldChange>,
    ) {
        let defaults = &self.roster.defaults;
        for (field, roster_value) in [
            (
                UserField::Moderator,
                profile.moderator.as_ref().or(defaults.moderator.as_ref()),
            ),
            (
                UserField::OnlyPrivateComments,
                profile
                    .only_private_comments
                    .as_ref()
                    .or(defaults.only_private_comments.as_ref()),
            ),
            (
                UserField::Verified,
                profile.verified.as_ref().or(defaults.verified.as_ref()),
            ),
        ] {
            if let Some(value) = roster_value {
                self.diff(fields, field, FieldValue::Flag(value.value), live);
            }
        }
    }

    /// Exact-set memberships: adds and removes to reach the roster's `groups` and
    /// `organizations`.
    fn memberships(&mut self, user: &User, key: &MatchKey, live: Option<&LiveUser>) {
        let defaults = &self.roster.defaults;
        if let Some(groups) = user.profile.groups.as_ref().or(defaults.groups.as_ref()) {
            self.exact_set(Kind::GroupMembership, user, key, live, &groups.value);
        }
        let organizations = user.profile.organizations.as_ref();
        if let Some(organizations) = organizations.or(defaults.organizations.as_ref()) {
            self.exact_set(
                Kind::OrganizationMembership,
                user,
                key,
                live,
                &organizations.value,
            );
        }
    }

    /// Adds and removes memberships of one kind until the user belongs to exactly `names`.
    fn exact_set(
        &mut self,
        kind: Kind,
        user: &User,
        key: &MatchKey,
        live: Option<&LiveUser>,
        names: &[Located<String>],
    ) {
        let (what, lookup, memberships): (_, fn(&Self, &str) -> Option<Resolved>, _) =
            if kind == Kind::GroupMembership {
                ("group", Self::group, &self.group_memberships)
            } else {
                (
                    "organization",
                    Self::organization,
                    &self.organization_memberships,
                )
            };
        let have: Vec<LiveMembership> = live
            .and_then(|l| memberships.get(&l.id).cloned())
            .unwrap_or_default();
        // Zendesk itself makes a new user's membership of the default organization and
        // default group given at creation: no change of its own.
        let defaults = &self.roster.defaults;
        let implied = match (live, kind) {
            (Some(_), _) => None,
            (None, Kind::GroupMembership) => user
                .profile
                .default_group
                .or(&defaults.default_group)
                .value(),
            (None, _) => user.profile.organization.or(&defaults.organization).value(),
        }
        .map(|name| name.to_lowercase());
        let mut wanted_ids = BTreeSet::new();
        for name in names {
            let Some(resolved) = self.resolve(what, user.source, name, lookup) else {
                continue;
            };
            if implied.as_deref() == Some(resolved.name.to_lowercase().as_str()) {
                continue;
            }
            if let Some(id) = resolved.id {
                wanted_ids.insert(id);
                if have.iter().any(|m| m.target_id == id) {
                    continue;
                }
            }
            self.membership(
                kind,
                Action::Add,
                (user, key),
                live,
                resolved.name,
                resolved.id,
            );
        }
        for membership in have.iter().filter(|m| !wanted_ids.contains(&m.target_id)) {
            let target = Some(membership.target_id);
            let name = if kind == Kind::GroupMembership {
                self.group_name(target)
            } else {
                self.organization_name(target)
            };
            let name = name.as_text().unwrap_or_default().to_owned();
            self.membership(kind, Action::Remove, (user, key), live, name, target);
        }
    }

    fn membership(
        &mut self,
        kind: Kind,
        action: Action,
        (user, key): (&User, &MatchKey),
        live: Option<&LiveUser>,
        target: String,
        target_id: Option<u64>,
    ) {
        // A roster entry with only a key reads better with the live user's name and email.
        let label = match (live, &user.name) {
            (Some(live), None) => live_label(live),
            _ => user_label(user),
        };
        self.changes.push(Change {
            kind,
            action,
            key: key.clone(),
            label,
            id: live.map(|l| l.id),
            target: Some(target),
            target_id,
            fields: Vec::new(),
            source: Some(self.locate(user.source)),
            blocked: None,
            escalation: None,
        });
    }

    /// In-scope live users that no roster entry matched: drift, or the prune action.
    fn prune(&mut self, matched: &BTreeSet<u64>) -> Vec<Drift> {
        let mut drift = Vec::new();
        let settings = &self.roster.settings;
        let prune = settings.prune;
        for live in self.state.users.values() {
            if !live.active || matched.contains(&live.id) || !self.in_scope(live) {
                continue;
            }
            let user_ref = live_ref(live);
            let (action, fields) = match prune {
                Prune::Report => {
                    drift.push(Drift {
                        user: user_ref,
                        role: live.role.as_str().to_owned(),
                    });
                    continue;
                }
                Prune::Suspend if live.suspended => continue,
                Prune::Suspend => (
                    Action::Suspend,
                    vec![FieldChange::user(
                        UserField::Suspended,
                        FieldValue::Flag(false),
                        FieldValue::Flag(true),
                    )],
                ),
                Prune::Downgrade if live.role == Role::EndUser => continue,
                Prune::Downgrade => (
                    Action::Downgrade,
                    vec![FieldChange::user(
                        UserField::Role,
                        FieldValue::Role(live.role),
                        FieldValue::Role(Role::EndUser),
                    )],
                ),
                Prune::Delete => (Action::Delete, Vec::new()),
            };
            self.changes.push(Change {
                kind: Kind::User,
                action,
                key: live_key(live),
                label: live_label(live),
                id: Some(live.id),
                target: None,
                target_id: None,
                fields,
                source: None,
                blocked: None,
                escalation: None,
            });
        }
        drift
    }

    /// Whether a live user is in the roster's scope (DESIGN.md §4).
    fn in_scope(&self, live: &LiveUser) -> bool {
        let manage = &self.roster.settings.manage;
        let by_role = manage.roles.iter().any(|r| r.value == live.role);
        let by_tag = manage.tags.iter().any(|t| {
            live.tags
                .iter()
                .any(|have| have.eq_ignore_ascii_case(&t.value))
        });
        (by_role || by_tag)
            && self
                .ignore
                .matching(live.email.as_deref(), live.external_id.as_deref())
                .is_none()
    }

    /// Blocks changes to protected users, and demotions, suspensions and deletions of the
    /// authenticated user (DESIGN.md §5). The rest of the plan still applies.
    fn protect_users(&mut self) {
        let me = self.state.me.id;
        for change in &mut self.changes {
            let Some(id) = change.id else { continue };
            if !matches!(
                change.kind,
                Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership
            ) || change.blocked.is_some()
            {
                continue;
            }
            let Some(live) = self.state.users.get(&id) else {
                continue;
            };
            if let Some(pattern) = self
                .protect
                .matching(live.email.as_deref(), live.external_id.as_deref())
            {
                change.blocked = Some(Blocked::Protected {
                    pattern: pattern.to_owned(),
                });
                continue;
            }
            if id == me && lowers_access(change, live) {
                change.blocked = Some(Blocked::AuthenticatedUser);
            }
        }
    }
}

/// The roster's and the account's names, for the user diff's reference fields.
impl NamedIds for Planner<'_> {
    fn id(&self, kind: Named, name: &str) -> Option<u64> {
        let resolved = match kind {
            Named::CustomRole => &self.custom_roles,
            Named::Organization => &self.organizations,
            Named::Group => &self.groups,
        };
        resolved.get(&name.to_lowercase()).and_then(|r| r.id)
    }

    fn show(&self, kind: Named, id: u64) -> FieldValue {
        let names = match kind {
            Named::CustomRole => &self.custom_role_names,
            Named::Organization => &self.organization_names,
            Named::Group => &self.group_names,
        };
        name_of(names, Some(id))
    }
}

/// `text` in lower case (as `str::to_lowercase`), borrowed when it is already.
fn lower(text: &str) -> Cow<'_, str> {
    let unchanged = |c: char| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    };
    let is_lower = if text.is_ascii() {
        !text.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        text.chars().all(unchanged)
    };
    if is_lower {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.to_lowercase())
    }
}

/// The live name of an id as a plan shows it: the name, `#id` when unknown, `null` for none.
fn name_of(names: &HashMap<u64, String>, id: Option<u64>) -> FieldValue {
    id.map_or(FieldValue::Null, |id| {
        FieldValue::Text(
            names
                .get(&id)
                .map_or_else(|| format!("#{id}"), Clone::clone),
        )
    })
}

/// Names of one kind: the account's, overridden by the roster's section (which keeps the
/// live id of the object it names, or none when the plan creates it).
fn resolve_names<'a>(
    live: impl Iterator<Item = (&'a str, u64)>,
    roster: impl Iterator<Item = &'a str>,
) -> HashMap<String, Resolved> {
    let mut resolved: HashMap<String, Resolved> = live
        .map(|(name, id)| {
            let name = name.to_owned();
            (name.to_lowercase(), Resolved { name, id: Some(id) })
        })
        .collect();
    for name in roster {
        let key = name.to_lowercase();
        let id = resolved.get(&key).and_then(|r| r.id);
        resolved.insert(
            key,
            Resolved {
                name: name.to_owned(),
                id,
            },
        );
    }
    resolved
}

/// Custom role names: the roster's section first, then the account's.
fn resolve_custom_roles(roster: &Roster, state: &LiveState) -> HashMap<String, Resolved> {
    resolve_names(
        state.custom_roles.iter().map(|r| (r.name.as_str(), r.id)),
        roster.custom_roles.iter().map(|r| r.name.value.as_str()),
    )
}

/// Organization names: the roster's section first (matched to the account by external id,
/// else by name), then the account's.
fn resolve_organizations(roster: &Roster, state: &LiveState) -> HashMap<String, Resolved> {
    let mut resolved: HashMap<String, Resolved> = state
        .organizations
        .iter()
        .map(|o| {
            (
                o.name.to_lowercase(),
                Resolved {
                    name: o.name.clone(),
                    id: Some(o.id),
                },
            )
        })
        .collect();
    let by_external_id: HashMap<String, u64> = state
        .organizations
        .iter()
        .filter_map(|o| Some((o.external_id.as_ref()?.to_lowercase(), o.id)))
        .collect();
    for organization in &roster.organizations {
        let key = organization.name.value.to_lowercase();
        let id = organization
            .external_id
            .as_ref()
            .and_then(|e| by_external_id.get(&e.value.to_lowercase()).copied())
            .or_else(|| resolved.get(&key).and_then(|r| r.id));
        resolved.insert(
            key,
            Resolved {
                name: organization.name.value.clone(),
                id,
            },
        );
    }
    resolved
}

/// Group names: the roster's section first, then the account's.
fn resolve_groups(roster: &Roster, state: &LiveState) -> HashMap<String, Resolved> {
    resolve_names(
        state.groups.iter().map(|g| (g.name.as_str(), g.id)),
        roster.groups.iter().map(|g| g.name.value.as_str()),
    )
}

/// Whether a change demotes, suspends or deletes the user.
pub(crate) fn lowers_access(change: &Change, live: &LiveUser) -> bool {
    match change.action {
        Action::Suspend | Action::Downgrade | Action::Delete => true,
        Action::Update => change.fields.iter().any(|f| {
            matches!(
                (&f.field, &f.after),
                (FieldName::User(UserField::Role), FieldValue::Role(after)) if *after < live.role
            )
        }),
        _ => false,
    }
}

/// The value a text field asks for: `None` when unmanaged, `Some(None)` to clear it.
#[allow(clippy::option_option)] // the three states of a `Field`, borrowed
fn text_field(field: &Field<String>) -> Option<Option<&str>> {
    match field {
        Field::Absent => None,
        Field::Null(_) => Some(None),
        Field::Value(v) => Some(Some(v.value.as_str())),
    }
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values
}

/// How a roster user is found: by external id, else by email; `None` without either
/// (which validation refuses).
fn user_key(user: &User) -> Option<MatchKey> {
    match (&user.external_id, &user.email) {
        (Some(id), _) => Some(MatchKey::ExternalId(id.value.clone())),
        (None, Some(email)) => Some(MatchKey::Email(email.value.clone())),
        (None, None) => None,
    }
}

fn user_label(user: &User) -> String {
    let name = user.name.as_ref().map(|n| n.value.as_str());
    let email = user.email.as_ref().map(|e| e.value.as_str());
    let external_id = user.external_id.as_ref().map(|e| e.value.as_str());
    match (name, email, external_id) {
        (Some(name), Some(email), _) => format!("{name} <{email}>"),
        (Some(name), None, Some(id)) => format!("{name} ({id})"),
        (None, Some(email), _) => email.to_owned(),
        (None, None, Some(id)) => id.to_owned(),
        (Some(name), None, None) => name.to_owned(),
        (None, None, None) => "user".to_owned(),
    }
}

fn live_key(live: &LiveUser) -> MatchKey {
    match (&live.external_id, &live.email) {
        (Some(id), _) => MatchKey::ExternalId(id.clone()),
        (None, Some(email)) => MatchKey::Email(email.clone()),
        (None, None) => MatchKey::Id(live.id),
    }
}

fn live_label(live: &LiveUser) -> String {
    match &live.email {
        Some(email) => format!("{} <{email}>", live.name),
        None => format!("{} (#{})", live.name, live.id),
    }
}

fn live_ref(live: &LiveUser) -> UserRef {
    UserRef {
        id: live.id,
        email: live.email.clone(),
        name: live.name.clone(),
    }
}

/// Every live object a change touches, with the `updated_at` seen when planning.
fn touched(state: &LiveState, changes: &[Change]) -> Vec<Touched> {
    // A sorted list, not a set: a B-tree filled in order would be half empty.
    let mut touched = Vec::new();
    for change in changes.iter().filter(|c| c.blocked.is_none()) {
        let Some(id) = change.id else { continue };
        let (kind, updated_at) = match change.kind {
            Kind::User | Kind::Identity | Kind::GroupMembership | Kind::OrganizationMembership => (
                Kind::User,
                state.users.get(&id).and_then(|u| u.updated_at.clone()),
            ),
            Kind::CustomRole => (
                Kind::CustomRole,
                state
                    .custom_roles
                    .iter()
                    .find(|r| r.id == id)
                    .and_then(|r| r.updated_at.clone()),
            ),
            Kind::Organization => (
                Kind::Organization,
                state
                    .organizations
                    .iter()
                    .find(|o| o.id == id)
                    .and_then(|o| o.updated_at.clone()),
            ),
            Kind::Group => (
                Kind::Group,
                state
                    .groups
                    .iter()
                    .find(|g| g.id == id)
                    .and_then(|g| g.updated_at.clone()),
            ),
        };
        touched.push(Touched {
            kind,
            id,
            updated_at,
        });
    }
    touched.sort_unstable();
    touched.dedup();
    touched.shrink_to_fit();
    touched
}

/// Counts, the agent-seat delta and the estimated API cost.
fn summarize(state: &LiveState, changes: &[Change]) -> Summary {
    let mut summary = Summary::default();
    let mut bulk: BTreeMap<&str, usize> = BTreeMap::new();
    // Users whose memberships of a kind are read before removing (the executor needs the
    // membership ids), and users written (re-read by the convergence check).
    let mut removals: BTreeSet<(bool, &MatchKey)> = BTreeSet::new();
    let mut written: BTreeSet<&MatchKey> = BTreeSet::new();
    for change in changes {
        if change.blocked.is_some() {
            summary.blocked += 1;
            continue;
        }
        match change.action {
            Action::Create => summary.create += 1,
            Action::Suspend => summary.suspend += 1,
            Action::Downgrade => summary.downgrade += 1,
            Action::Delete => summary.delete += 1,
            _ => summary.update += 1,
        }
        summary.seat_delta += seat_change(state, change);
        match (change.kind, change.action) {
            (Kind::User | Kind::Identity, _) => {
                written.insert(&change.key);
            }
            (kind @ (Kind::GroupMembership | Kind::OrganizationMembership), Action::Remove) => {
                removals.insert((kind == Kind::GroupMembership, &change.key));
            }
            _ => {}
        }
        let endpoint = match (change.kind, change.action) {
            (Kind::User, Action::Create) => Some("users/create_or_update_many"),
            (Kind::User, Action::Delete) => Some("users/destroy_many"),
            (Kind::User, _) => Some("users/update_many"),
            (Kind::GroupMembership, Action::Add) => Some("group_memberships/create_many"),
            (Kind::GroupMembership, _) => Some("group_memberships/destroy_many"),
            (Kind::OrganizationMembership, Action::Add) => {
                Some("organization_memberships/create_many")
            }
            (Kind::OrganizationMembership, _) => Some("organization_memberships/destroy_many"),
            (Kind::Identity, _) => {
                summary.requests += 2; // create the identity, make it primary
                None
            }
            (Kind::CustomRole | Kind::Organization | Kind::Group, _) => {
                summary.requests += 1;
                None
            }
        };
        if let Some(endpoint) = endpoint {
            *bulk.entry(endpoint).or_default() += 1;
        }
    }
    for items in bulk.values() {
        let jobs = items.div_ceil(BULK_LIMIT);
        summary.jobs += jobs;
        summary.requests += jobs;
    }
    summary.requests += removals.len();
    // The convergence check: `show_many` (100 a request), or above 1,000 users the
    // incremental export (1,000 a page) when the account is quiet.
    summary.requests += if written.len() > EXPORT_CHEAPER_ABOVE {
        written.len().div_ceil(EXPORT_PAGE)
    } else {
        written.len().div_ceil(SHOW_MANY_LIMIT)
    };
    summary
}

/// Agent seats a change takes (+1) or frees (−1).
fn seat_change(state: &LiveState, change: &Change) -> i64 {
    if change.kind != Kind::User {
        return 0;
    }
    let is_agent = |value: &FieldValue| matches!(value, FieldValue::Role(role) if role.is_agent());
    let live_is_agent = || {
        change
            .id
            .and_then(|id| state.users.get(&id))
            .is_some_and(|u| u.role.is_agent())
    };
    match change.action {
        Action::Downgrade => -1,
        Action::Delete if live_is_agent() => -1,
        Action::Create | Action::Update => {
            let Some(role_change) = change
                .fields
                .iter()
                .find(|f| f.field == FieldName::User(UserField::Role))
            else {
                return 0;
            };
            let before = is_agent(&role_change.before);
            let after = is_agent(&role_change.after);
            i64::from(after) - i64::from(before)
        }
        _ => 0,
    }
}

/// What the fetch could not check: roster emails no live user has as its primary address,
/// too many to search one by one for a secondary owner.
fn notes(state: &LiveState) -> Vec<String> {
    let n = state.secondary_emails_unchecked;
    if n == 0 {
        return Vec::new();
    }
    vec![format!(
        "{n} roster emails that no Zendesk user has as its primary address were not checked against other users' secondary addresses (that takes one search each, more than {}); if one is another user's, applying updates that user instead of creating a new one",
        crate::state::SECONDARY_SEARCHES_AT_MOST
    )]
}
