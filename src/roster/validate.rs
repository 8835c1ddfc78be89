//! Cross-entry checks of a merged roster, run offline by `zroster validate` and before every
//! plan: match keys, email syntax, look-alike addresses, duplicates across files,
//! role-dependent attributes, references, and patterns that can never match.

use std::collections::HashMap;

use super::Roster;
use super::diagnostic::Diagnostic;
use super::model::{Field, Located, Role, Source, TicketRestriction};
use super::node::Pos;
use super::pattern::{glob_error, why_unmatchable};
use super::script::{Mix, mixed};
use super::suggest::closest;

/// Every problem of the roster that no single entry shows on its own.
#[must_use]
pub fn check(roster: &Roster) -> Vec<Diagnostic> {
    let mut checker = Checker {
        roster,
        diagnostics: Vec::new(),
    };
    checker.names();
    checker.users();
    checker.patterns();
    checker.diagnostics.extend(super::time_box::check(roster));
    checker.diagnostics
}

struct Checker<'a> {
    roster: &'a Roster,
    diagnostics: Vec<Diagnostic>,
}

/// The first place a case-insensitive key was seen.
type Seen<'a> = HashMap<String, (Source, &'a str)>;

impl<'a> Checker<'a> {
    fn error(
        &mut self,
        source: Source,
        pos: Pos,
        code: &'static str,
        message: String,
    ) -> &mut Diagnostic {
        let _ = source;
        let file = self.roster.file_name(source.file);
        self.diagnostics
            .push(Diagnostic::error(file, pos, code, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Warns about an address whose local part or a domain label mixes scripts: it reads
    /// like another address (`bоss@acme.com` with a Cyrillic `о`).
    fn look_alike(&mut self, source: Source, email: &Located<String>) {
        let Some((local, domain)) = email.value.rsplit_once('@') else {
            return;
        };
        let found = mixed(local)
            .map(|mix| ("the part before the `@`".to_owned(), mix))
            .or_else(|| {
                domain.split('.').find_map(|label| {
                    mixed(label).map(|mix| (format!("the domain label `{label}`"), mix))
                })
            });
        let Some((
            place,
            Mix {
                scripts,
                odd,
                letters,
            },
        )) = found
        else {
            return;
        };
        let names: Vec<&str> = scripts.iter().map(|s| s.name()).collect();
        let (last, rest) = names.split_last().expect("a mix has two scripts or more");
        let letters: Vec<String> = letters
            .iter()
            .map(|c| format!("`{c}` (U+{:04X})", u32::from(*c)))
            .collect();
        let file = self.roster.file_name(source.file);
        self.diagnostics.push(
            Diagnostic::warning(
                file,
                email.pos,
                "mixed-script-email",
                format!(
                    "`{}` mixes {} and {last} letters in {place}: it may be a look-alike of another address",
                    email.value,
                    rest.join(", "),
                ),
            )
            .hint(format!(
                "the {} letters are {}; retype the address if it should have none",
                odd.name(),
                letters.join(", ")
            )),
        );
    }

    fn note(&mut self, source: Source, pos: Pos, message: String) {
        let file = self.roster.file_name(source.file);
        self.diagnostics.push(Diagnostic::note(
            file,
            pos,
            "resolved-at-plan-time",
            message,
        ));
    }

    /// Reports `value` when an earlier entry used the same key (case-insensitively).
    fn unique(
        &mut self,
        seen: &mut Seen<'a>,
        source: Source,
        value: &'a Located<String>,
        code: &'static str,
        what: &str,
    ) {
        match seen.get(&value.value.to_lowercase()) {
            Some((first, first_text)) => {
                let place = self.roster.locate(Source {
                    file: first.file,
                    pos: first.pos,
                });
                let same_case = *first_text == value.value;
                let diagnostic = self.error(
                    source,
                    value.pos,
                    code,
                    format!("{what} `{}` is also used at {place}", value.value),
                );
                if !same_case {
                    diagnostic.hints.push(format!(
                        "Zendesk compares {what}s case-insensitively, so `{first_text}` and `{}` are the same",
                        value.value
                    ));
                }
            }
            None => {
                seen.insert(
                    value.value.to_lowercase(),
                    (
                        Source {
                            file: source.file,
                            pos: value.pos,
                        },
                        value.value.as_str(),
                    ),
                );
            }
        }
    }

    fn names(&mut self) {
        let roster = self.roster;
        let mut seen = Seen::new();
        for role in &roster.custom_roles {
            self.unique(
                &mut seen,
                role.source,
                &role.name,
                "duplicate-name",
                "custom role name",
            );
        }
        let mut seen = Seen::new();
        let mut external_ids = Seen::new();
        for organization in &roster.organizations {
            self.unique(
                &mut seen,
                organization.source,
                &organization.name,
                "duplicate-name",
                "organization name",
            );
            if let Some(external_id) = &organization.external_id {
                self.unique(
                    &mut external_ids,
                    organization.source,
                    external_id,
                    "duplicate-external-id",
                    "organization external_id",
                );
            }
        }
        let mut seen = Seen::new();
        for group in &roster.groups {
            self.unique(
                &mut seen,
                group.source,
                &group.name,
                "duplicate-name",
                "group name",
            );
        }
    }

    fn users(&mut self) {
        let roster = self.roster;
        let defaults = &roster.defaults;
        let mut emails = Seen::new();
        let mut external_ids = Seen::new();
        for user in &roster.users {
            let source = user.source;
            if user.email.is_none() && user.external_id.is_none() {
                let who = user
                    .name
                    .as_ref()
                    .map_or_else(|| "user".to_owned(), |n| format!("user `{}`", n.value));
                self.error(
                    source,
                    source.pos,
                    "missing-match-key",
                    format!("{who} has neither `email` nor `external_id`"),
                )
                .hints
                .push("add `email` or `external_id`: zroster finds the live user by them".into());
            }
            if let Some(email) = &user.email {
                if let Some(reason) = email_problem(&email.value) {
                    self.error(
                        source,
                        email.pos,
                        "invalid-email",
                        format!("`{}` is not an email address: {reason}", email.value),
                    );
                } else {
                    self.look_alike(source, email);
                    self.unique(&mut emails, source, email, "duplicate-email", "email");
                }
            }
            if let Some(external_id) = &user.external_id {
                self.unique(
                    &mut external_ids,
                    source,
                    external_id,
                    "duplicate-external-id",
                    "external_id",
                );
            }

            let profile = &user.profile;
            let role = profile.role.as_ref().or(defaults.role.as_ref());
            let who = user_label(user);
            if let Field::Value(custom_role) = profile.custom_role.or(&defaults.custom_role)
                && role.map(|r| r.value) != Some(Role::Agent)
            {
                let found = role.map_or("no role".to_owned(), |r| {
                    format!("role `{}`", r.value.as_str())
                });
                let pos = custom_role.pos;
                let diagnostic = self.error(
                    source,
                    pos,
                    "custom-role-needs-agent",
                    format!("{who} has custom role `{}` but {found}", custom_role.value),
                );
                diagnostic.hints.push(
                    "custom roles apply to agents only: add `role: agent`, or remove `custom_role`"
                        .into(),
                );
            }
            let groups = profile.groups.as_ref().or(defaults.groups.as_ref());
            if let (Some(groups), Some(role)) = (groups, role)
                && role.value == Role::EndUser
                && !groups.value.is_empty()
            {
                self.error(
                    source,
                    groups.pos,
                    "groups-on-end-user",
                    format!("{who} is an end-user but has `groups`"),
                )
                .hints
                .push(
                    "only agents and admins belong to groups: change `role`, or remove `groups`"
                        .into(),
                );
            }
            if let (Field::Value(restriction), Some(role)) = (
                profile.ticket_restriction.or(&defaults.ticket_restriction),
                role,
            ) && role.value == Role::EndUser
                && matches!(
                    restriction.value,
                    TicketRestriction::Groups | TicketRestriction::Assigned
                )
            {
                // Zendesk accepts the value and stores `requested` (API.md §1.13): the roster
                // would never converge.
                self.error(
                    source,
                    restriction.pos,
                    "ticket-restriction-on-end-user",
                    format!(
                        "{who} is an end-user but has `ticket_restriction: {}`",
                        restriction.value.as_str()
                    ),
                )
                .hints
                .push(
                    "end users can see the tickets they `requested` or their `organization`'s; Zendesk would store `requested`"
                        .into(),
                );
            }
            if let (Field::Value(default_group), Some(groups)) =
                (profile.default_group.or(&defaults.default_group), groups)
            {
                self.member_of(source, default_group, groups, "default_group", "groups");
            }
            let organizations = profile
                .organizations
                .as_ref()
                .or(defaults.organizations.as_ref());
            if let (Field::Value(organization), Some(organizations)) = (
                profile.organization.or(&defaults.organization),
                organizations,
            ) {
                self.member_of(
                    source,
                    organization,
                    organizations,
                    "organization",
                    "organizations",
                );
            }
            self.references(source, profile);
        }
        if let Some(source) = roster.defaults_source {
            self.references(source, &roster.defaults);
        }
    }

    /// Reports `item` when it is not one of `list` (names compare case-insensitively).
    fn member_of(
        &mut self,
        source: Source,
        item: &Located<String>,
        list: &Located<Vec<Located<String>>>,
        item_key: &str,
        list_key: &str,
    ) {
        let folded = item.value.to_lowercase();
        if list.value.iter().any(|g| g.value.to_lowercase() == folded) {
            return;
        }
        let suggestion = closest(&item.value, list.value.iter().map(|g| g.value.as_str()));
        let diagnostic = self.error(
            source,
            item.pos,
            "not-a-member",
            format!(
                "`{item_key}` `{}` is not one of the user's `{list_key}`",
                item.value
            ),
        );
        match suggestion {
            Some(s) => diagnostic.hints.push(format!("did you mean `{s}`?")),
            None => diagnostic
                .hints
                .push(format!("add `{}` to `{list_key}`", item.value)),
        }
    }

    /// Notes every reference to a name the roster does not define: it is looked up in the
    /// live account at plan time.
    fn references(&mut self, source: Source, profile: &super::Profile) {
        let roster = self.roster;
        if let Field::Value(role) = &profile.custom_role
            && !defined(
                roster.custom_roles.iter().map(|r| r.name.value.as_str()),
                &role.value,
            )
        {
            self.note(source, role.pos, format!("custom role `{}` is not in `custom_roles`; it is resolved against the live account at plan time", role.value));
        }
        let organization_names = || roster.organizations.iter().map(|o| o.name.value.as_str());
        let mut organizations: Vec<&Located<String>> = Vec::new();
        if let Field::Value(o) = &profile.organization {
            organizations.push(o);
        }
        if let Some(list) = &profile.organizations {
            organizations.extend(list.value.iter());
        }
        for organization in organizations {
            if !defined(organization_names(), &organization.value) {
                self.note(source, organization.pos, format!("organization `{}` is not in `organizations`; it is resolved against the live account at plan time", organization.value));
            }
        }
        let group_names = || roster.groups.iter().map(|g| g.name.value.as_str());
        let mut groups: Vec<&Located<String>> = Vec::new();
        if let Field::Value(g) = &profile.default_group {
            groups.push(g);
        }
        if let Some(list) = &profile.groups {
            groups.extend(list.value.iter());
        }
        for group in groups {
            if !defined(group_names(), &group.value) {
                self.note(source, group.pos, format!("group `{}` is not in `groups`; it is resolved against the live account at plan time", group.value));
            }
        }
    }

    fn patterns(&mut self) {
        let roster = self.roster;
        let Some(source) = roster.settings_source else {
            return;
        };
        let policy = &roster.settings.policy;
        let listed = |list: &'a Option<Located<Vec<Located<String>>>>| {
            list.as_ref().map_or(&[][..], |l| l.value.as_slice())
        };
        for (key, patterns) in [
            ("ignore", roster.settings.ignore.as_slice()),
            ("protect", roster.settings.protect.as_slice()),
            ("policy.agent_emails", listed(&policy.agent_emails)),
            ("policy.admin_emails", listed(&policy.admin_emails)),
        ] {
            for pattern in patterns {
                if let Some(reason) = why_unmatchable(&pattern.value) {
                    self.error(
                        source,
                        pattern.pos,
                        "unmatchable-pattern",
                        format!("`{key}` pattern `{}` can never match: {reason}", pattern.value),
                    )
                    .hints
                    .push("patterns match email addresses, e.g. `*@example.com`; prefix `external_id:` to match external ids".into());
                } else if let Some(reason) = glob_error(&pattern.value) {
                    // Checked apart from the shape: the schema checks a pattern's shape, not
                    // its glob syntax.
                    self.error(
                        source,
                        pattern.pos,
                        "invalid-pattern",
                        format!("`{key}` pattern `{}` is not a valid glob: {reason}", pattern.value),
                    )
                    .hints
                    .push("`*` matches any run of characters, `?` one, `[a-z]` one of a set and `{a,b}` either; `\\` makes the next character literal".into());
                }
            }
        }
    }
}

/// Whether `name` is one of `names`, case-insensitively.
fn defined<'n>(mut names: impl Iterator<Item = &'n str>, name: &str) -> bool {
    let folded = name.to_lowercase();
    names.any(|n| n.to_lowercase() == folded)
}

fn user_label(user: &super::User) -> String {
    match (&user.email, &user.external_id, &user.name) {
        (Some(email), _, _) => format!("`{}`", email.value),
        (None, Some(external_id), _) => format!("`{}`", external_id.value),
        (None, None, Some(name)) => format!("`{}`", name.value),
        (None, None, None) => "the user".into(),
    }
}

/// Why `email` is not an address Zendesk would accept, if it is not.
#[must_use]
pub fn email_problem(email: &str) -> Option<&'static str> {
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains a space");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Some("it has no `@`");
    };
    if local.is_empty() {
        return Some("nothing stands before the `@`");
    }
    if local.contains('@') {
        return Some("it has more than one `@`");
    }
    if local.chars().count() > 64 {
        return Some("the part before the `@` is longer than 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("the part before the `@` has a misplaced dot");
    }
    if domain.is_empty() {
        return Some("nothing stands after the `@`");
    }
    if !domain.contains('.') {
        return Some("the domain has no dot");
    }
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if !labels_ok {
        return Some("the domain is malformed");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::email_problem;

    #[test]
    fn emails_are_checked_like_zendesk_would() {
        for good in ["jane@acme.com", "j.smith+tag@sub.acme.co.uk", "x@bücher.de"] {
            assert_eq!(email_problem(good), None, "{good}");
        }
        for bad in [
            "badmail",
            "@acme.com",
            "jane@",
            "jane@acme",
            "ja ne@acme.com",
            "a@b@c.com",
            "jane@acme..com",
            ".jane@acme.com",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
