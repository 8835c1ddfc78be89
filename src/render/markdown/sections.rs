//! The comment's layout: its sections in order (heading, the callout of refusals and
//! errors, the summary table, escalations, blocked changes, one collapsed section per
//! action, expiring entries, drift), each with the entries it lists, before
//! [`budget`](super::budget) decides how many of each fit.

use std::fmt::Write as _;

use super::Entry;
use super::budget::{PRIORITY_WEIGHT, Section};
use crate::plan::Plan;
use crate::render::{api_cost, by_action, count, drift as drift_lines, section_title};

/// The comment's parts in order, entries not yet rendered.
pub(super) fn sections(plan: &Plan, heading: String) -> Vec<Section<'_>> {
    let mut sections = Vec::new();
    let mut head = Section::new(heading, Vec::new(), "");
    head.always = true;
    sections.push(head);

    let problems: Vec<Entry> = plan
        .refusals
        .iter()
        .map(Entry::Refusal)
        .chain(plan.errors.iter().map(Entry::Error))
        .collect();
    let mut callout = Section::new(
        "> [!CAUTION]\n> **This plan cannot be applied as it is.**\n>\n".to_owned(),
        problems,
        "\n",
    );
    callout.note_prefix = "> - ";
    callout.weight = PRIORITY_WEIGHT;
    sections.push(callout);

    let mut summary = Section::new(summary_table(plan), Vec::new(), "");
    summary.always = true;
    sections.push(summary);

    // What the pull request asks for: every change but those that revert drift, which
    // have a section of their own.
    let asked = || {
        plan.changes
            .iter()
            .enumerate()
            .filter(|(i, _)| !drift_lines::reverts(plan, *i))
            .map(|(_, c)| c)
    };
    let escalations: Vec<Entry> = asked()
        .filter(|c| c.escalation.is_some())
        .map(Entry::Escalation)
        .collect();
    sections.push(priority(
        "Privilege escalations",
        "These changes grant more access than the users have now.",
        escalations,
        false,
    ));
    let blocked = listed(plan.changes.iter().filter(|c| c.blocked.is_some()));
    sections.push(priority(
        "Blocked",
        "These changes are not applied.",
        blocked,
        true,
    ));
    let expiring = plan
        .expiring
        .iter()
        .map(|entry| Entry::Expiring(entry, &plan.made_at))
        .collect();
    sections.push(priority(
        "Expiring soon",
        "Time-boxed access of the roster that ends shortly (`expires`, `temporary`); the \
         first plan after it makes the change.",
        expiring,
        false,
    ));
    let reverting = listed(
        plan.changes
            .iter()
            .enumerate()
            .filter(|(i, _)| drift_lines::reverts(plan, *i))
            .map(|(_, change)| change),
    );
    sections.push(priority(
        "Reverts drift",
        "Changed in Zendesk outside the roster, by the people the audit log names; the \
         roster is unchanged, so the plan puts them back.",
        reverting,
        true,
    ));

    for (action, changes) in by_action(asked().filter(|c| c.blocked.is_none())) {
        let mut section = Section::new(
            format!(
                "<details><summary>{} ({})</summary>\n\n",
                section_title(action),
                count(changes.len())
            ),
            changes
                .into_iter()
                .map(|change| Entry::Change {
                    change,
                    with_action: false,
                })
                .collect(),
            "\n</details>\n\n",
        );
        section.lists_changes = true;
        sections.push(section);
    }

    let mut drift = Section::new(
        format!(
            "<details><summary>Not in the roster ({})</summary>\n\nIn scope but not \
             listed; `prune: report` leaves them as they are.\n\n{}",
            count(plan.drift.len()),
            if plan.drift_explanation.is_some() {
                "| User | Role | Audit log |\n|---|---|---|\n"
            } else {
                "| User | Role |\n|---|---|\n"
            }
        ),
        plan.drift.iter().map(Entry::Drift).collect(),
        "\n</details>\n\n",
    );
    drift.note_prefix = "\n";
    sections.push(drift);
    sections
}

/// The summary table: counts, seats and API cost; rows that would say 0 are left out.
fn summary_table(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut rows = Vec::new();
    for (n, what) in [
        (s.create, "To create"),
        (s.update, "To update"),
        (s.suspend, "To suspend"),
        (s.downgrade, "To downgrade"),
        (s.delete, "To delete"),
        (s.blocked, "Blocked"),
        (plan.drift.len(), "Not in the roster"),
        (plan.expiring.len(), "Expiring soon"),
        (plan.errors.len(), "Errors"),
    ] {
        if n > 0 {
            rows.push((what, count(n)));
        }
    }
    if s.seat_delta != 0 {
        let sign = if s.seat_delta > 0 { "+" } else { "-" };
        rows.push((
            "Agent seats",
            format!("{sign}{}", count(s.seat_delta.unsigned_abs() as usize)),
        ));
    }
    if s.requests > 0 {
        rows.push(("API cost", api_cost(s)));
    }
    if let Some(drift) = drift_lines::summary_part(plan) {
        rows.push(("Drift", drift));
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut table = String::from("| Plan | |\n|---|---:|\n");
    for (what, value) in rows {
        let _ = writeln!(table, "| {what} | {value} |");
    }
    table.push('\n');
    table
}

/// A section shown before the collapsed ones, whatever the budget leaves of the rest:
/// `### {title} (n)`, `lead`, and its entries (changes, when `lists_changes`).
fn priority<'p>(
    title: &str,
    lead: &str,
    entries: Vec<Entry<'p>>,
    lists_changes: bool,
) -> Section<'p> {
    let open = format!("### {title} ({})\n\n{lead}\n\n", count(entries.len()));
    let mut section = Section::new(open, entries, "\n");
    section.lists_changes = lists_changes;
    section.weight = PRIORITY_WEIGHT;
    section
}

/// `changes` as entries that name their action.
fn listed<'p>(changes: impl Iterator<Item = &'p crate::plan::Change>) -> Vec<Entry<'p>> {
    changes
        .map(|change| Entry::Change {
            change,
            with_action: true,
        })
        .collect()
}
