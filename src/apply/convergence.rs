//! The convergence check of DESIGN.md §8: after applying, re-read the users that were
//! written and report every planned field that does not hold its planned value (Zendesk
//! normalised it, or something else changed it since).
//!
//! Reading costs requests, so the check picks the cheaper of two ways for the numbers at
//! hand (the same reasoning as the fetch's email-lookup cost model):
//!
//! - `users/show_many?ids=`: 100 users a request, `ceil(n / 100)` requests;
//! - the incremental user export from just before the run: 1,000 users a page, every user
//!   updated since, so at least `ceil(n / 1000)` pages, but more when the account is busy,
//!   and Zendesk allows only 10 such requests a minute.
//!
//! Below [`EXPORT_CHEAPER_ABOVE`] users `show_many` is always as cheap; above it the export is
//! read within a page budget (half what `show_many` would take, at most the 10 pages a
//! minute Zendesk allows), and every user it did not return (budget spent, a replica
//! lagging behind, an account that refuses the export) is read with `show_many` instead.
//!
//! The export's window is shared with the fetch: when the fetch read it within the last
//! minute, the check waits for free pages rather than spend requests of the account's
//! limit, which other integrations share (DESIGN.md §8). Requests are the scarcer resource;
//! the wait is logged like any other rate-limit wait. The check therefore
//! never costs more than `show_many` alone would, and never trusts a user's absence from the
//! export.
//!
//! Memberships and the custom roles, organizations and groups are confirmed by their own
//! results (Zendesk answers with the object it stored); the re-read covers user fields,
//! primary emails, suspensions, role changes and deletions.

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::plan::{Action, Change, FieldValue, Kind, MatchKey, SourceRef, UserField, normalize};
use crate::zendesk::ReadClient;
use crate::zendesk::limits::{
    EXPORT_CHEAPER_ABOVE, EXPORT_MIN_AGE_S, EXPORT_PER_WINDOW, SHOW_MANY_LIMIT,
};
use crate::zendesk::wire::User;

/// A planned value that does not hold after applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Divergence {
    /// The match key of the change (`external_id:emp-1`).
    #[schemars(with = "String")]
    pub key: MatchKey,
    /// A readable name.
    pub label: String,
    /// The roster entry (`file:line:column`); none for pruned users.
    #[schemars(with = "Option<String>")]
    pub source: Option<SourceRef>,
    /// The field, as the plan names it (`role`, `user_fields.code`); `user` when the user
    /// itself is missing or was not deleted.
    pub field: String,
    /// What the plan set.
    pub planned: Value,
    /// What Zendesk holds now (`null` when the user could not be found).
    pub live: Value,
}

/// Ids of the custom roles, organizations and groups by lowercased name, for turning
/// planned names into the ids a user holds.
pub(crate) trait NameIds {
    /// The id of `name` of `kind`, if known.
    fn id_of(&mut self, kind: Kind, name: &str) -> Option<u64>;
}

/// How the users were read, for the report.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reads {
    pub(crate) incremental_pages: u64,
    pub(crate) show_many_requests: u64,
}

/// Re-reads the users of the applied `changes` (pairs of change and the user id it wrote)
/// and returns every field that did not converge. A user that cannot be read is reported
/// as such rather than guessed about.
pub(crate) async fn check(
    client: &ReadClient,
    changes: &[(&Change, u64)],
    names: &mut dyn NameIds,
    run_started: i64,
) -> (Vec<Divergence>, Reads) {
    let wanted: HashSet<u64> = changes.iter().map(|(_, id)| *id).collect();
    let mut reads = Reads::default();
    let mut found: HashMap<u64, User> = HashMap::new();
    if wanted.len() > EXPORT_CHEAPER_ABOVE {
        let show_many = wanted.len().div_ceil(SHOW_MANY_LIMIT);
        let budget = (show_many / 2).min(EXPORT_PER_WINDOW);
        let now = chrono::Utc::now().timestamp();
        let start = run_started.min(now - EXPORT_MIN_AGE_S);
        let mut pager = client.incremental_users(start);
        while reads.incremental_pages < budget as u64 {
            let Ok(Some(page)) = pager.next_page().await else {
                break;
            };
            reads.incremental_pages += 1;
            // Later pages hold later versions: keep the last one seen.
            found.extend(
                page.into_iter()
                    .filter(|u| wanted.contains(&u.id))
                    .map(|u| (u.id, u)),
            );
            if !pager.has_next() {
                break;
            }
        }
    }
    let missing: Vec<u64> = {
        let mut ids: Vec<u64> = wanted
            .iter()
            .copied()
            .filter(|id| !found.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids
    };
    let mut read_error = None;
    if !missing.is_empty() {
        let before = client.stats().requests;
        match client.users_by_ids(&missing).await {
            Ok(users) => found.extend(users.into_iter().map(|u| (u.id, u))),
            Err(error) => read_error = Some(error.to_string()),
        }
        reads.show_many_requests = client.stats().requests - before;
    }
    let mut divergences = Vec::new();
    for &(change, id) in changes {
        let user = found.get(&id);
        divergences.extend(diverging(change, user, names, read_error.as_deref()));
    }
    (divergences, reads)
}

/// The fields of `change` that `user` (re-read; `None` when not found) does not hold.
pub(crate) fn diverging(
    change: &Change,
    user: Option<&User>,
    names: &mut dyn NameIds,
    read_error: Option<&str>,
) -> Vec<Divergence> {
    let divergence = |field: &str, planned: Value, live: Value| Divergence {
        key: change.key.clone(),
        label: change.label.clone(),
        source: change.source.clone(),
        field: field.to_owned(),
        planned,
        live,
    };
    let user = match (change.action, user) {
        (Action::Delete, None) => return Vec::new(),
        (Action::Delete, Some(user)) if !user.active => return Vec::new(),
        (Action::Delete, Some(_)) => {
            return vec![divergence("user", "deleted".into(), "active".into())];
        }
        (_, None) => {
            let live = match read_error {
                Some(reason) => format!("not re-read: {reason}"),
                None => "not found".to_owned(),
            };
            return vec![divergence("user", "present".into(), live.into())];
        }
        (_, Some(user)) if !user.active => {
            return vec![divergence("user", "present".into(), "deleted".into())];
        }
        (_, Some(user)) => user,
    };
    let Ok(wire) = serde_json::to_value(user) else {
        return vec![divergence("user", "present".into(), "unreadable".into())];
    };
    change
        .fields
        .iter()
        .filter_map(|field| {
            let field_name = field.field.to_string();
            let after = field.after.to_json();
            let user_field = field.user_field()?;
            let reference = match user_field {
                UserField::CustomRole => Some(("custom_role_id", Kind::CustomRole)),
                UserField::Organization => Some(("organization_id", Kind::Organization)),
                UserField::DefaultGroup => Some(("default_group_id", Kind::Group)),
                _ => None,
            };
            if let Some((wire_key, kind)) = reference {
                let want = match &field.after {
                    FieldValue::Text(name) => names.id_of(kind, name).map(Value::from),
                    _ => Some(Value::Null),
                };
                let have = &wire[wire_key];
                return match want {
                    Some(want) if *have == want => None,
                    _ => Some(divergence(&field_name, after, have.clone())),
                };
            }
            let (key, have) = match user_field {
                UserField::Custom(inner) => {
                    ("user_fields", wire["user_fields"].get(inner).cloned())
                }
                other => {
                    let key = other.fixed_name().unwrap_or_default();
                    (key, wire.get(key).cloned())
                }
            };
            let have = have.unwrap_or(Value::Null);
            (!holds(key, &after, &have, &wire)).then(|| divergence(&field_name, after, have))
        })
        .collect()
}

/// Whether the live value `have` of wire field `key` is the planned `want`, with the
/// planner's allowances for Zendesk's normalisations (case, time-zone and locale spellings,
/// empty text, custom-field types).
pub(crate) fn holds(key: &str, want: &Value, have: &Value, wire: &Value) -> bool {
    match (key, want) {
        ("tags", Value::Array(want)) => {
            let text = |v: &[Value]| -> Vec<String> {
                v.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            };
            let have = have.as_array().map_or(&[][..], Vec::as_slice);
            normalize::same_tags(&text(want), &text(have))
        }
        ("time_zone", Value::String(want)) => {
            normalize::same_time_zone(want, have.as_str(), wire["iana_time_zone"].as_str())
        }
        ("locale", Value::String(want)) => normalize::same_locale(want, have.as_str()),
        ("email" | "external_id", Value::String(want)) => normalize::same_key(want, have.as_str()),
        ("user_fields", _) => normalize::same_field_value(want, Some(have)),
        (_, Value::String(_) | Value::Null) if have.is_string() || have.is_null() => {
            normalize::same_text(want.as_str(), have.as_str())
        }
        _ => have == want,
    }
}
