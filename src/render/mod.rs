//! Renderers: a [`Plan`] for people (human, on a terminal), for pull requests (markdown) and
//! for tools (json). One renderer per format behind one trait; each writes to a
//! `&mut dyn Write`, so tests render into a buffer. Renderers only read the plan.

mod drift;
mod expiring;
mod human;
mod json;
mod markdown;
mod mask;
mod outcome;
mod problems;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

pub use outcome::{outcome_human, outcome_markdown, summary as outcome_summary};
pub use problems::{Problem, ProblemFormat, ProblemKind, error_markdown, problems, write_problems};

use crate::plan::{Action, Change, FieldChange, FieldValue, Kind, MatchKey, Phase, Plan, Summary};

/// The formats a plan can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: grouped by action, `+`/`~`/`-`/`!`, field-level `old → new`.
    Human,
    /// For pull-request comments: a summary table, escalations and blocked changes first,
    /// `<details>` per section, under 65,000 characters.
    Markdown,
    /// The plan itself, as JSON (`schema/plan.schema.json`).
    Json,
}

/// Choices that change how a plan looks, not what it says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the human output (ANSI escapes).
    pub color: bool,
    /// Replace the local part of email addresses with `***` (human and markdown).
    pub mask_emails: bool,
}

/// Writes a plan in one format.
pub trait Renderer {
    /// Renders `plan` to `out`.
    fn render(&self, plan: &Plan, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of a format.
#[must_use]
pub fn renderer(format: Format, options: RenderOptions) -> Box<dyn Renderer> {
    match format {
        Format::Human => Box::new(human::HumanRenderer { options }),
        Format::Markdown => Box::new(markdown::MarkdownRenderer { options }),
        Format::Json => Box::new(json::JsonRenderer),
    }
}

/// What the human and markdown renderers say when there is nothing to show.
const NO_CHANGES: &str = "No changes. Zendesk matches the roster.";

/// Whether the plan has nothing at all to show: no change, refusal, error, drift or entry
/// expiring soon.
fn is_quiet(plan: &Plan) -> bool {
    plan.changes.is_empty()
        && plan.refusals.is_empty()
        && plan.errors.is_empty()
        && plan.drift.is_empty()
        && plan.expiring.is_empty()
}

/// The changes, by action in the order the phases take them ([`Phase::action_order`]:
/// creations first, deletions last), each section in plan order; empty sections are left
/// out. Linear in the number of changes.
fn by_action<'p>(changes: impl Iterator<Item = &'p Change>) -> Vec<(Action, Vec<&'p Change>)> {
    let order = Phase::action_order();
    let mut sections: Vec<(Action, Vec<&Change>)> =
        order.iter().map(|&a| (a, Vec::new())).collect();
    for change in changes {
        let index = order
            .iter()
            .position(|&a| a == change.action)
            .unwrap_or_default();
        sections[index].1.push(change);
    }
    sections.retain(|(_, changes)| !changes.is_empty());
    sections
}

/// The heading of an action's section.
fn section_title(action: Action) -> &'static str {
    match action {
        Action::Create => "Create",
        Action::Update => "Update",
        Action::Unsuspend => "Unsuspend",
        Action::MakePrimary => "Change primary email",
        Action::Add => "Add memberships",
        Action::Remove => "Remove memberships",
        Action::Suspend => "Suspend",
        Action::Downgrade => "Downgrade to end-user",
        Action::Delete => "Delete",
    }
}

/// An action as the verb before a kind: `suspend user`, `add group membership`.
fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Unsuspend => "unsuspend",
        Action::MakePrimary => "make primary",
        Action::Add => "add",
        Action::Remove => "remove",
        Action::Suspend => "suspend",
        Action::Downgrade => "downgrade",
        Action::Delete => "delete",
    }
}

/// A kind as a reader says it.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::CustomRole => "custom role",
        Kind::Organization => "organization",
        Kind::Group => "group",
        Kind::GroupMembership => "group membership",
        Kind::OrganizationMembership => "organization membership",
        Kind::Identity => "identity",
    }
}

/// Whether a change is to a membership, shown as `user → group`.
fn is_membership(change: &Change) -> bool {
    matches!(
        change.kind,
        Kind::GroupMembership | Kind::OrganizationMembership
    )
}

/// The match key, unless the label already says it (`email:jane@acme.com` for
/// `Jane Smith <jane@acme.com>`, `external_id:emp-1` for `Jane Smith (emp-1)`,
/// `name:Billing` for `Billing`).
fn shown_key(change: &Change) -> Option<&MatchKey> {
    let key = &change.key;
    let value = key.value();
    let value = value.as_ref();
    let label = change.label.as_str();
    let enclosed = |open: char, close: char| {
        label
            .strip_suffix(close)
            .and_then(|l| l.strip_suffix(value))
            .is_some_and(|l| l.ends_with(open))
    };
    let redundant = label == value || enclosed('<', '>') || enclosed('(', ')');
    (!redundant).then_some(key)
}

/// Whether a field's change reads best as a line diff: text on both sides (or none), with
/// a line break on at least one.
fn is_multiline(field: &FieldChange) -> bool {
    let text = |v: &FieldValue| matches!(v, FieldValue::Null | FieldValue::Text(_));
    let breaks = |v: &FieldValue| v.as_text().is_some_and(|s| s.contains('\n'));
    text(&field.before) && text(&field.after) && (breaks(&field.before) || breaks(&field.after))
}

/// A count with thousands separators: `12,345`.
pub(crate) fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `n thing` or `n things`, with thousands separators.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    format!("{} {thing}{}", count(n), if n == 1 { "" } else { "s" })
}

/// The plan's summary as one sentence without the `Plan: ` prefix: `3 to create, 2 blocked;
/// +2 agent seats; about 4 requests in 3 bulk jobs`, after the rules that refuse it
/// (``refused by `max_deletes`; …``). Zero parts are left out.
fn summary_sentence(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut counts = Vec::new();
    for (n, what) in [
        (s.create, "to create"),
        (s.update, "to update"),
        (s.suspend, "to suspend"),
        (s.downgrade, "to downgrade"),
        (s.delete, "to delete"),
        (s.blocked, "blocked"),
        (plan.drift.len(), "not in the roster"),
        (plan.expiring.len(), "expiring soon"),
    ] {
        if n > 0 {
            counts.push(format!("{} {what}", count(n)));
        }
    }
    if !plan.errors.is_empty() {
        counts.push(plural(plan.errors.len(), "error"));
    }
    let mut parts = Vec::new();
    if !plan.refusals.is_empty() {
        let rules: Vec<String> = plan
            .refusals
            .iter()
            .map(|r| format!("`{}`", r.rule))
            .collect();
        parts.push(format!("refused by {}", rules.join(" and ")));
    }
    parts.push(if counts.is_empty() {
        "no changes".to_owned()
    } else {
        counts.join(", ")
    });
    if s.seat_delta != 0 {
        let seats = s.seat_delta.unsigned_abs() as usize;
        let sign = if s.seat_delta > 0 { '+' } else { '-' };
        parts.push(format!("{sign}{}", plural(seats, "agent seat")));
    }
    if s.requests > 0 {
        parts.push(api_cost(s));
    }
    parts.extend(drift::summary_part(plan));
    parts.join("; ")
}

/// `about 4 requests in 3 bulk jobs`, or `about 2 requests` when no bulk job is needed;
/// with users to create, what they cost when the account has bulk imports off:
/// `about 5 requests in 3 bulk jobs (253 without bulk imports)`.
fn api_cost(summary: &Summary) -> String {
    let mut cost = format!("about {}", plural(summary.requests, "request"));
    if summary.jobs > 0 {
        cost.push_str(" in ");
        cost.push_str(&plural(summary.jobs, "bulk job"));
    }
    if summary.requests_without_bulk_imports > summary.requests {
        let _ = std::fmt::Write::write_fmt(
            &mut cost,
            format_args!(
                " ({} without bulk imports)",
                count(summary.requests_without_bulk_imports)
            ),
        );
    }
    cost
}
