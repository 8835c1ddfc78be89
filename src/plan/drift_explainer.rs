//! [`DriftExplainer`]: matches audit entries, newest first, to what a plan wants explained
//! (each field of a change to an existing user, each membership it adds or removes, each
//! user it prunes or reports), keeping the first (latest) entry for each. Pure: the caller
//! pages the audit log into it and stops when [`DriftExplainer::is_done`].

use std::collections::HashMap;

use super::drift_explanation::{
    Attribution, AuditRef, ChangeAttribution, DriftExplanation, Origin, UserAttribution,
};
use super::{Action, Kind, Plan};
use crate::zendesk::wire::AuditLog;

/// What an audit entry must say to be about a wanted value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// A line `<Label> changed from …` (Zendesk's documented wording of a role change).
    Label(String),
    /// A line `Added to group <name>` or `Removed from group <name>` (or `organization`).
    /// A membership change the other way than the plan's: a plan that adds a membership
    /// reverts its removal (`removed from`), one that removes it its addition (`added to`).
    Membership {
        kind: &'static str,
        name: String,
        undone: &'static str,
    },
    /// An entry about the user's role or tags (what brings a user into scope); failing
    /// that, the latest entry of any kind about the user.
    Scope,
    /// A field Zendesk's audit log does not record.
    Unrecorded,
}

impl Matcher {
    fn matches(&self, entry: &AuditLog) -> bool {
        // The first line only: an entry describes one attribute (`Notes changed from … to
        // …`), and a value written into a field may hold lines that read like another
        // field's. An entry about several is not recognised: unexplained, never misread.
        let lines = || {
            entry
                .change_description
                .as_deref()
                .unwrap_or_default()
                .lines()
                .take(1)
                .map(str::trim)
        };
        match self {
            Matcher::Scope => lines().any(|l| {
                let l = l.to_lowercase();
                l.starts_with("role changed") || l.starts_with("tags changed")
            }),
            Matcher::Unrecorded => false,
            Matcher::Label(label) => {
                let prefix = format!("{} changed", label.to_lowercase());
                lines().any(|l| l.to_lowercase().starts_with(&prefix))
            }
            Matcher::Membership { kind, name, undone } => {
                let wanted = format!("{undone} {kind} {}", name.to_lowercase());
                lines().any(|l| l.to_lowercase() == wanted)
            }
        }
    }
}

/// The label an audit entry names a roster field by (`role` → `Role`); `None` for a field
/// the audit log does not record (`verified`).
fn label(field: &str) -> Option<String> {
    if let Some(key) = field.strip_prefix("user_fields.") {
        return Some(format!("User field {key}"));
    }
    Some(
        match field {
            "role" | "custom_role" => "Role",
            "name" => "Name",
            "email" => "Email",
            "external_id" => "External ID",
            "organization" => "Organization",
            "default_group" => "Default group",
            "tags" => "Tags",
            "alias" => "Alias",
            "details" => "Details",
            "notes" => "Notes",
            "signature" => "Signature",
            "phone" => "Phone",
            "locale" => "Language",
            "time_zone" => "Time zone",
            "ticket_restriction" => "Ticket access",
            "moderator" => "Moderator",
            "only_private_comments" => "Only private comments",
            "suspended" => "Suspended",
            _ => return None,
        }
        .to_owned(),
    )
}

/// Where a found entry goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Change { index: usize, field: Option<String> },
    User(u64),
}

#[derive(Debug)]
struct Want {
    slot: Slot,
    matcher: Matcher,
    found: Option<AuditLog>,
    /// For [`Matcher::Scope`]: the latest entry of any kind, used when none is about the
    /// role or tags.
    fallback: Option<AuditLog>,
}

/// The values a plan wants explained, by user id, and the entries found for them.
#[derive(Debug, Default)]
pub struct DriftExplainer {
    /// The user zroster signs in as: its entries are zroster's own.
    me: Option<u64>,
    wanted: HashMap<u64, Vec<Want>>,
    /// Wanted values with no entry yet (unrecorded fields never get one).
    open: usize,
}

impl DriftExplainer {
    /// What `plan` wants explained.
    #[must_use]
    pub fn new(plan: &Plan) -> Self {
        let mut explainer = Self {
            me: plan.authenticated_user.as_ref().map(|u| u.id),
            ..Self::default()
        };
        for (index, change) in plan.changes.iter().enumerate() {
            let Some(user) = change.id else { continue };
            let slot = |field: Option<String>| Slot::Change { index, field };
            match (change.kind, change.action) {
                (Kind::User, _) if change.source.is_none() => {
                    explainer.want(user, slot(None), Matcher::Scope);
                }
                (
                    Kind::User,
                    Action::Update | Action::Suspend | Action::Unsuspend | Action::Downgrade,
                )
                | (Kind::Identity, _) => {
                    for field in &change.fields {
                        let name = field.field.to_string();
                        let matcher = label(&name).map_or(Matcher::Unrecorded, Matcher::Label);
                        explainer.want(user, slot(Some(name)), matcher);
                    }
                }
                (Kind::GroupMembership | Kind::OrganizationMembership, _) => {
                    let Some(name) = change.target.clone() else {
                        continue;
                    };
                    let (kind, field) = if change.kind == Kind::GroupMembership {
                        ("group", "groups")
                    } else {
                        ("organization", "organizations")
                    };
                    explainer.want(
                        user,
                        slot(Some(field.to_owned())),
                        Matcher::Membership {
                            kind,
                            name,
                            undone: if change.action == Action::Add {
                                "removed from"
                            } else {
                                "added to"
                            },
                        },
                    );
                }
                _ => {}
            }
        }
        for drift in &plan.drift {
            explainer.want(drift.user.id, Slot::User(drift.user.id), Matcher::Scope);
        }
        explainer
    }

    fn want(&mut self, user: u64, slot: Slot, matcher: Matcher) {
        if matcher != Matcher::Unrecorded {
            self.open += 1;
        }
        self.wanted.entry(user).or_default().push(Want {
            slot,
            matcher,
            found: None,
            fallback: None,
        });
    }

    /// Whether the plan wants nothing explained (then the audit log is not read).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// Whether every value the audit log can explain has its entry.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.open == 0
    }

    /// Reads one entry; entries come newest first, so the first match of each value is its
    /// latest change.
    pub fn read(&mut self, entry: &AuditLog) {
        if entry.source_type.as_deref() != Some("user") {
            return;
        }
        let Some(wants) = entry.source_id.and_then(|id| self.wanted.get_mut(&id)) else {
            return;
        };
        for want in wants.iter_mut().filter(|w| w.found.is_none()) {
            if want.matcher.matches(entry) {
                want.found = Some(entry.clone());
                self.open -= 1;
            } else if want.matcher == Matcher::Scope && want.fallback.is_none() {
                want.fallback = Some(entry.clone());
            }
        }
    }

    /// The explanation: `read` (window, budget, requests, what stopped the reading) with
    /// each wanted value's attribution, in the plan's order.
    #[must_use]
    pub fn finish(self, mut read: DriftExplanation) -> DriftExplanation {
        let mut wants: Vec<Want> = self.wanted.into_values().flatten().collect();
        wants.sort_by_key(|w| match &w.slot {
            Slot::Change { index, .. } => (0, *index as u64),
            Slot::User(id) => (1, *id),
        });
        for want in wants {
            // A fallback (the latest entry about the user, whatever it changed) says who and
            // when, not what: its words may quote a field the plan does not show (a phone).
            let found = want.found.clone().or_else(|| {
                want.fallback.clone().map(|mut entry| {
                    entry.change_description = None;
                    entry
                })
            });
            let attribution = match found {
                Some(entry) => {
                    let own = entry.actor_id.is_some()
                        && entry.actor_id.and_then(|id| u64::try_from(id).ok()) == self.me;
                    Attribution {
                        origin: if own { Origin::Zroster } else { Origin::Drift },
                        entry: Some(AuditRef {
                            id: entry.id,
                            actor_id: entry.actor_id,
                            actor_name: entry.actor_name,
                            created_at: entry.created_at,
                            ip_address: entry.ip_address,
                            // The log records no interface, and zroster's user may also
                            // work by hand.
                            interface: "unrecorded".to_owned(),
                            change_description: entry.change_description,
                        }),
                        reason: None,
                    }
                }
                None => Attribution {
                    origin: Origin::Unexplained,
                    entry: None,
                    reason: Some(unexplained(&want, &read)),
                },
            };
            match want.slot {
                Slot::Change { index, field } => read.changes.push(ChangeAttribution {
                    change: index,
                    field,
                    attribution,
                }),
                Slot::User(user_id) => read.unlisted.push(UserAttribution {
                    user_id,
                    attribution,
                }),
            }
        }
        read
    }
}

/// Why a wanted value has no entry.
fn unexplained(want: &Want, read: &DriftExplanation) -> String {
    if want.matcher == Matcher::Unrecorded {
        let field = match &want.slot {
            Slot::Change {
                field: Some(field), ..
            } => field.as_str(),
            _ => "it",
        };
        return format!("Zendesk's audit log does not record `{field}`");
    }
    if let Some(why) = &read.unavailable {
        return format!("the audit log could not be read ({why})");
    }
    if let Some(oldest) = &read.read_back_to {
        return format!(
            "no entry recognised among the {} newest, read back to {oldest} within the budget of {} requests",
            read.entries_read, read.budget
        );
    }
    let what = match &want.slot {
        Slot::User(_) | Slot::Change { field: None, .. } => {
            "no entry recognised about the user (Zendesk does not log the creation of users)"
        }
        // Recognised: an entry worded otherwise, or about a group renamed since, is not.
        Slot::Change { .. } => "no entry recognised about it",
    };
    format!("{what} since {}", read.since)
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::DriftExplainer;
    use crate::plan::tests::{plan_with, state_from};
    use crate::plan::{DriftExplanation, Origin, Plan};
    use crate::zendesk::wire::AuditLog;

    /// Omar Haddad, an admin who changes things by hand.
    const OMAR: i64 = 7;

    fn entry(id: u64, actor: i64, at: &str, user: u64, description: &str) -> AuditLog {
        serde_json::from_value(json!({
            "id": id, "action": "update", "actor_id": actor,
            "actor_name": if actor == OMAR { "Omar Haddad" } else { "Ada Admin" },
            "change_description": description, "created_at": at,
            "ip_address": if actor == OMAR { "203.0.113.7" } else { "127.0.0.1" },
            "source_id": user, "source_type": "user", "source_label": "x"
        }))
        .unwrap()
    }

    /// A plan whose account drifted: Jane made admin and taken out of Support by Omar in
    /// the web interface, Sales added by zroster itself, Bob's notes changed before the
    /// window, Olaf (not in the roster) made an agent by Omar.
    pub(crate) fn drifted_plan() -> Plan {
        let roster = "settings: { manage: { roles: [agent] } }\nusers:\n  - { external_id: emp-1, email: jane@acme.com, name: Jane Smith, role: agent, groups: [Support] }\n  - { external_id: emp-2, email: bob@acme.com, name: Bob Agent, role: agent, notes: new }\n";
        let state = state_from(&json!({
            "users": [
                {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "admin", "active": true},
                {"id": 11, "name": "Bob Agent", "email": "bob@acme.com", "external_id": "emp-2", "role": "agent", "notes": "old", "active": true},
                {"id": 12, "name": "Olaf Brandt", "email": "olaf@acme.com", "role": "agent", "active": true},
                {"id": 7, "name": "Omar Haddad", "email": "omar@acme.com", "role": "admin", "active": true}
            ],
            "groups": [{"id": 20, "name": "Support", "default": true}, {"id": 21, "name": "Sales"}],
            "group_memberships": [
                {"id": 900, "user_id": 10, "group_id": 21},
                {"id": 901, "user_id": 11, "group_id": 20},
                {"id": 902, "user_id": 12, "group_id": 20},
                {"id": 903, "user_id": 7, "group_id": 20}
            ]
        }));
        plan_with(roster, &state)
    }

    /// The entries the drifted account's audit log lists, newest first.
    pub(crate) fn newest_first() -> Vec<AuditLog> {
        vec![
            entry(
                6,
                OMAR,
                "2026-10-30T09:00:00Z",
                12,
                "Role changed from End User to Agent",
            ),
            entry(
                5,
                OMAR,
                "2026-10-29T16:20:00Z",
                10,
                "Removed from group Support",
            ),
            entry(
                4,
                OMAR,
                "2026-10-29T16:19:00Z",
                10,
                "Role changed from Agent to Administrator",
            ),
            entry(3, 1, "2026-10-01T08:00:00Z", 10, "Added to group Sales"),
            entry(
                2,
                1,
                "2026-10-01T08:00:00Z",
                10,
                "Role changed from End User to Agent",
            ),
        ]
    }

    /// Explains `plan` with `entries`, as one page read within a budget of 10.
    pub(crate) fn explained(mut plan: Plan, entries: &[AuditLog]) -> Plan {
        let mut explainer = DriftExplainer::new(&plan);
        for e in entries {
            explainer.read(e);
        }
        let read = DriftExplanation {
            since: "2026-08-03T12:00:00Z".into(),
            until: "2026-11-01T12:00:00Z".into(),
            budget: 10,
            requests: 1,
            entries_read: entries.len(),
            ..DriftExplanation::default()
        };
        plan.summary.explain_drift_requests = Some(1);
        plan.drift_explanation = Some(explainer.finish(read));
        plan
    }

    fn origins(plan: &Plan) -> Vec<String> {
        let explanation = plan.drift_explanation.as_ref().unwrap();
        let mut lines: Vec<String> = explanation
            .changes
            .iter()
            .map(|a| {
                let change = &plan.changes[a.change];
                format!(
                    "{:?} {:?} {} {}: {:?} {}",
                    change.kind,
                    change.action,
                    change.label,
                    a.field.as_deref().unwrap_or("-"),
                    a.attribution.origin,
                    a.attribution.entry.as_ref().map_or(0, |e| e.id)
                )
            })
            .collect();
        lines.extend(explanation.unlisted.iter().map(|u| {
            format!(
                "unlisted {}: {:?} {}",
                u.user_id,
                u.attribution.origin,
                u.attribution.entry.as_ref().map_or(0, |e| e.id)
            )
        }));
        lines
    }

    /// Each value gets its latest entry: another admin's is drift, zroster's own user's is
    /// the roster's change, none is unexplained; the unlisted user gets its latest entry.
    #[test]
    fn each_value_gets_its_latest_entry_and_whose_it_is() {
        let plan = explained(drifted_plan(), &newest_first());
        assert_eq!(
            origins(&plan),
            [
                "User Update Jane Smith <jane@acme.com> role: Drift 4",
                "User Update Bob Agent <bob@acme.com> notes: Unexplained 0",
                "GroupMembership Add Jane Smith <jane@acme.com> groups: Drift 5",
                "GroupMembership Remove Jane Smith <jane@acme.com> groups: Zroster 3",
                "unlisted 12: Drift 6",
            ]
        );
        let explanation = plan.drift_explanation.as_ref().unwrap();
        assert_eq!(plan.reverted_drift(), 2);
        let bob = &explanation.changes[1].attribution;
        assert_eq!(
            bob.reason.as_deref(),
            Some("no entry recognised about it since 2026-08-03T12:00:00Z")
        );
    }

    /// A membership the plan adds is explained only by its removal, one it removes only by
    /// its addition; and only an entry's first line is read, so a value holding a line that
    /// reads like another field's cannot stand in for that field's entry.
    #[test]
    fn entries_the_other_way_or_forged_in_a_value_explain_nothing() {
        let entries = [
            // Jane was added to Support (not removed): it cannot explain the plan adding her.
            entry(
                5,
                OMAR,
                "2026-10-29T16:20:00Z",
                10,
                "Added to group Support",
            ),
            // Zroster wrote notes with a line that reads like a role change.
            entry(
                4,
                1,
                "2026-10-29T16:19:00Z",
                10,
                "Notes changed from a to b\nRole changed from Administrator to Agent",
            ),
            // Sales was removed (not added): it cannot explain the plan removing her.
            entry(
                3,
                OMAR,
                "2026-10-01T08:00:00Z",
                10,
                "Removed from group Sales",
            ),
        ];
        let plan = explained(drifted_plan(), &entries);
        let lines = origins(&plan);
        assert!(
            lines
                .contains(&"User Update Jane Smith <jane@acme.com> role: Unexplained 0".to_owned())
                && lines.contains(
                    &"GroupMembership Add Jane Smith <jane@acme.com> groups: Unexplained 0"
                        .to_owned()
                )
                && lines.contains(
                    &"GroupMembership Remove Jane Smith <jane@acme.com> groups: Unexplained 0"
                        .to_owned()
                ),
            "{lines:#?}"
        );
    }

    /// Once every value has its entry the explainer is done: the caller reads no more pages.
    #[test]
    fn done_once_every_value_has_its_entry() {
        let plan = drifted_plan();
        let mut explainer = DriftExplainer::new(&plan);
        assert!(!explainer.is_empty());
        for e in newest_first() {
            explainer.read(&e);
        }
        assert!(!explainer.is_done(), "Bob's notes have no entry yet");
        explainer.read(&entry(
            1,
            OMAR,
            "2026-09-01T00:00:00Z",
            11,
            "Notes changed from new to old",
        ));
        assert!(explainer.is_done());
    }

    /// A plan with nothing to explain reads nothing; an entry of another source type or
    /// user explains nothing.
    #[test]
    fn unrelated_entries_explain_nothing() {
        let plan = drifted_plan();
        let mut explainer = DriftExplainer::new(&plan);
        let mut other = entry(
            9,
            OMAR,
            "2026-10-30T09:00:00Z",
            10,
            "Role changed from Agent to Administrator",
        );
        other.source_type = Some("group".into());
        explainer.read(&other);
        explainer.read(&entry(
            8,
            OMAR,
            "2026-10-30T09:00:00Z",
            99,
            "Role changed from Agent to Administrator",
        ));
        let finished = explainer.finish(DriftExplanation::default());
        assert!(
            finished
                .changes
                .iter()
                .all(|a| a.attribution.origin == Origin::Unexplained)
        );
        let empty = plan_with("users: []\n", &state_from(&json!({"users": []})));
        assert!(DriftExplainer::new(&empty).is_empty());
    }
}
