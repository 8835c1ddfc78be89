//! `zroster export`: the live account as a roster, to bootstrap a repository. The one place
//! where live state becomes roster model; its output plans no change when fed back to `zplan`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::roster::model::{Manage, Prune, Settings};
use crate::roster::schema::SCHEMA_PATH;
use crate::roster::{
    CustomRole, Document, Field, Group, Located, Organization, Pos, Profile, Role, User,
};
use crate::state::{LiveState, LiveUser};

/// Which live users an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Agents and admins.
    Agents,
    /// Every user.
    All,
}

impl ExportScope {
    /// The roles whose users are exported (and that the exported roster manages).
    #[must_use]
    pub fn roles(self) -> Vec<Role> {
        match self {
            ExportScope::Agents => vec![Role::Agent, Role::Admin],
            ExportScope::All => Role::ALL.to_vec(),
        }
    }
}

fn located<T>(value: T) -> Located<T> {
    Located::new(value, Pos::default())
}

fn text(value: Option<&str>) -> Field<String> {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) => Field::Value(located(v.to_owned())),
        None => Field::Absent,
    }
}

fn names(values: impl IntoIterator<Item = String>) -> Located<Vec<Located<String>>> {
    let mut values: Vec<String> = values.into_iter().collect();
    values.sort_by_key(|v| v.to_lowercase());
    located(values.into_iter().map(located).collect())
}

/// The live state as a roster document: a `settings` section that manages the exported
/// roles with `prune: report`, the account's custom roles, organizations and groups, and
/// the users in a deterministic order (admins, agents, end-users; by email, then name).
#[must_use]
pub fn to_document(state: &LiveState, scope: ExportScope) -> Document {
    let roles = scope.roles();
    let group_name = |id: u64| {
        state
            .groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.name.clone())
    };
    let organization_name = |id: u64| {
        state
            .organizations
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
    };
    let custom_role_name = |id: u64| {
        state
            .custom_roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
    };

    let mut users: Vec<&LiveUser> = state
        .users
        .values()
        .filter(|u| u.active && roles.contains(&u.role))
        .map(AsRef::as_ref)
        .collect();
    users.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.role),
            a.email.as_deref().map(str::to_lowercase),
            &a.name,
            a.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.role),
                b.email.as_deref().map(str::to_lowercase),
                &b.name,
                b.id,
            ))
    });
    let users = users
        .into_iter()
        .map(|live| {
            let groups: Vec<String> = state
                .group_memberships
                .iter()
                .filter(|m| m.user_id == live.id)
                .filter_map(|m| group_name(m.target_id))
                .collect();
            let organizations: Vec<String> = state
                .organization_memberships
                .iter()
                .flatten()
                .filter(|m| m.user_id == live.id)
                .filter_map(|m| organization_name(m.target_id))
                .collect();
            let profile = Profile {
                role: Some(located(live.role)),
                custom_role: match (live.role, live.custom_role_id.and_then(custom_role_name)) {
                    (Role::Agent, Some(name)) => Field::Value(located(name)),
                    _ => Field::Absent,
                },
                organization: live
                    .organization_id
                    .and_then(organization_name)
                    .map_or(Field::Absent, |n| Field::Value(located(n))),
                organizations: (organizations.len() > 1).then(|| names(organizations)),
                groups: (live.role.is_agent() && !groups.is_empty()).then(|| names(groups)),
                default_group: match live.default_group_id.and_then(group_name) {
                    Some(name) if live.role.is_agent() => Field::Value(located(name)),
                    _ => Field::Absent,
                },
                tags: (!live.tags.is_empty()).then(|| names(live.tags.clone())),
                user_fields: live
                    .user_fields
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), located(v.clone())))
                    .collect(),
                suspended: live.suspended.then(|| located(true)),
                alias: text(live.alias.as_deref()),
                details: text(live.details.as_deref()),
                notes: text(live.notes.as_deref()),
                signature: text(live.signature.as_deref()),
                phone: text(live.phone.as_deref()),
                locale: live.locale.as_deref().map(str::to_owned).map(located),
                time_zone: live.time_zone.as_deref().map(str::to_owned).map(located),
                moderator: live.moderator.then(|| located(true)),
                ticket_restriction: Field::Absent,
                only_private_comments: live.only_private_comments.then(|| located(true)),
                verified: None,
            };
            User {
                name: Some(located(live.name.clone())),
                email: live.email.clone().map(located),
                external_id: live.external_id.clone().map(located),
                profile,
                ..User::default()
            }
        })
        .collect();

    let mut custom_roles: Vec<CustomRole> = state
        .custom_roles
        .iter()
        .filter(|r| r.role_type == Some(0) || r.role_type.is_none())
        .map(|r| CustomRole {
            name: located(r.name.clone()),
            description: text(r.description.as_deref()),
            configuration: r
                .configuration
                .iter()
                .map(|(k, v)| (k.clone(), located(v.clone())))
                .collect::<BTreeMap<_, _>>(),
            ..CustomRole::default()
        })
        .collect();
    custom_roles.sort_by_key(|r| r.name.value.to_lowercase());
    let mut organizations: Vec<Organization> = state
        .organizations
        .iter()
        .map(|o| Organization {
            name: located(o.name.clone()),
            external_id: o.external_id.clone().map(located),
            domain_names: (!o.domain_names.is_empty()).then(|| names(o.domain_names.clone())),
            details: text(o.details.as_deref()),
            notes: text(o.notes.as_deref()),
            tags: (!o.tags.is_empty()).then(|| names(o.tags.clone())),
            ..Organization::default()
        })
        .collect();
    organizations.sort_by_key(|o| o.name.value.to_lowercase());
    let mut groups: Vec<Group> = state
        .groups
        .iter()
        .map(|g| Group {
            name: located(g.name.clone()),
            description: text(g.description.as_deref()),
            ..Group::default()
        })
        .collect();
    groups.sort_by_key(|g| g.name.value.to_lowercase());

    Document {
        version: Some(1),
        settings: Some(Settings {
            manage: Manage {
                roles: roles.into_iter().map(located).collect(),
                tags: Vec::new(),
            },
            prune: Prune::Report,
            ..Settings::default()
        }),
        custom_roles,
        organizations,
        groups,
        users,
        ..Document::default()
    }
}

/// Where the `# yaml-language-server: $schema=` line of an exported roster points, for a
/// roster written to `out` (standard output when `None`) from the directory `cwd`:
///
/// - a URL given with `--schema` is written as given;
/// - a path given with `--schema`, or else `schema/roster.schema.json` when that file exists
///   in `cwd`, is written relative to the directory of `out` (of `cwd` for standard
///   output), because editors resolve it from the roster file;
/// - with neither, the schema published for this release ([`crate::schema::id`]).
#[must_use]
pub fn schema_link(schema: Option<&str>, out: Option<&Path>, cwd: &Path) -> String {
    let target = match schema {
        Some(given) if given.contains("://") => return given.to_owned(),
        Some(given) => cwd.join(given),
        None => {
            let local = cwd.join(SCHEMA_PATH);
            if !local.is_file() {
                return crate::schema::id(SCHEMA_PATH);
            }
            local
        }
    };
    let from = match out {
        Some(out) => cwd
            .join(out)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        None => cwd.to_path_buf(),
    };
    let (from, target) = (resolved(&from), resolved(&target));
    relative(&from, &target).unwrap_or_else(|| slashed(&target))
}

/// The path with links resolved as far as it exists (the file itself may not, yet), and `.`
/// and `..` taken away.
fn resolved(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(real, |path, part| path.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return normalized(path),
        }
    }
}

/// `.` and `..` taken away without looking at the file system.
fn normalized(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(clean.components().next_back(), Some(Component::Normal(_))) =>
            {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// `target` as seen from the directory `from` (both without `.` and `..`), with `/` between
/// the parts, as editors take it on every system; `None` when the two share no root (two
/// drives).
fn relative(from: &Path, target: &Path) -> Option<String> {
    let from: Vec<Component> = from.components().collect();
    let target: Vec<Component> = target.components().collect();
    let shared = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    if shared == 0 && !(from.is_empty() || target.is_empty()) {
        return None;
    }
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), from.len() - shared)
        .chain(
            target[shared..]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    Some(parts.join("/"))
}

fn slashed(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The document as YAML, with the schema comment on top so editors validate it.
pub fn to_yaml(document: &Document, schema: &str) -> Result<String, serde_saphyr::ser::Error> {
    let body = serde_saphyr::to_string(document)?;
    Ok(format!(
        "# yaml-language-server: $schema={schema}\n# Exported from Zendesk by zroster.\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(cwd: &Path, schema: Option<&str>, out: Option<&str>) -> String {
        schema_link(schema, out.map(Path::new), cwd)
    }

    #[test]
    fn the_local_schema_is_named_from_where_the_roster_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        std::fs::create_dir_all(cwd.join("roster/team")).unwrap();
        std::fs::create_dir_all(cwd.join("schema")).unwrap();
        std::fs::write(cwd.join(SCHEMA_PATH), "{}").unwrap();
        for (out, expected) in [
            (None, "schema/roster.schema.json"),
            (Some("x.yaml"), "schema/roster.schema.json"),
            (Some("roster/x.yaml"), "../schema/roster.schema.json"),
            (
                Some("roster/team/x.yaml"),
                "../../schema/roster.schema.json",
            ),
            (
                Some("./roster/../roster/team/x.yaml"),
                "../../schema/roster.schema.json",
            ),
            (Some("schema/x.yaml"), "roster.schema.json"),
        ] {
            assert_eq!(link(cwd, None, out), expected, "{out:?}");
        }
        // Written elsewhere: the link still leads from the file to the schema.
        let elsewhere = tempfile::tempdir().unwrap();
        let out = elsewhere.path().join("x.yaml");
        let written = link(cwd, None, out.to_str());
        assert!(written.starts_with("../"), "{written}");
        assert_eq!(
            std::fs::canonicalize(elsewhere.path().join(&written)).unwrap(),
            std::fs::canonicalize(cwd.join(SCHEMA_PATH)).unwrap()
        );
    }

    #[test]
    fn a_given_path_is_named_from_the_roster_and_a_given_url_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path();
        std::fs::create_dir_all(cwd.join("roster")).unwrap();
        // The file need not exist yet: the path is what was asked for.
        assert_eq!(
            link(cwd, Some("vendor/zroster.json"), Some("roster/x.yaml")),
            "../vendor/zroster.json"
        );
        assert_eq!(
            link(cwd, Some("vendor/zroster.json"), None),
            "vendor/zroster.json"
        );
        let url = "https://example.com/roster.schema.json";
        assert_eq!(link(cwd, Some(url), Some("roster/x.yaml")), url);
    }

    #[test]
    fn without_a_local_schema_the_published_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let published = crate::schema::id(SCHEMA_PATH);
        assert_eq!(link(dir.path(), None, Some("x.yaml")), published);
        assert_eq!(link(dir.path(), None, None), published);
    }

    #[test]
    fn paths_are_relative_by_their_parts() {
        let relative = |from: &str, to: &str| relative(Path::new(from), Path::new(to));
        assert_eq!(
            relative("/a/b", "/a/c/d.json").as_deref(),
            Some("../c/d.json")
        );
        assert_eq!(relative("/a", "/a/d.json").as_deref(), Some("d.json"));
        assert_eq!(relative("/", "/d.json").as_deref(), Some("d.json"));
        assert_eq!(relative("a", "b/d.json"), None);
        assert_eq!(normalized(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
