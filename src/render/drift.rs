//! What every renderer shows of a plan's drift explanation (`zplan --explain-drift`): which
//! changes revert drift, and the words for an attribution and for the summary.

use super::plural;
use crate::plan::{ChangeAttribution, Origin, Plan};

/// Whether change number `index` reverts drift ([`Plan::reverts_drift`]): shown apart from
/// what the pull request itself asks for.
pub(super) fn reverts(plan: &Plan, index: usize) -> bool {
    plan.reverts_drift(index)
}

/// Whether `change` (one of the plan's own) reverts drift.
pub(super) fn reverts_change(plan: &Plan, change: &crate::plan::Change) -> bool {
    plan.drift_explanation.as_ref().is_some_and(|_| {
        plan.changes
            .iter()
            .position(|c| std::ptr::eq(c, change))
            .is_some_and(|i| reverts(plan, i))
    })
}

/// The attributions of change number `index` worth a line: all of a change that reverts
/// drift; of the others, the fields someone else changed and those the audit log could not
/// explain (zroster's own are left out: they are what a pull request changes).
pub(super) fn lines(plan: &Plan, index: usize) -> Vec<String> {
    let Some(explanation) = &plan.drift_explanation else {
        return Vec::new();
    };
    let reverting = reverts(plan, index);
    explanation
        .of_change(index)
        .filter(|a| reverting || a.attribution.origin != Origin::Zroster)
        .map(line)
        .collect()
}

/// `role: changed by Omar Haddad (#12) on …`.
fn line(attribution: &ChangeAttribution) -> String {
    match &attribution.field {
        Some(field) => format!("{field}: {}", attribution.attribution.describe()),
        None => attribution.attribution.describe(),
    }
}

/// What the audit log says of unlisted user `id`, when drift was explained.
pub(super) fn user_line(plan: &Plan, id: u64) -> Option<String> {
    plan.drift_explanation
        .as_ref()
        .and_then(|e| e.of_user(id))
        .map(crate::plan::Attribution::describe)
}

/// `2 changes revert drift; audit log read with 1 request (budget 10)`, or why it could
/// not be read.
pub(super) fn summary_part(plan: &Plan) -> Option<String> {
    let explanation = plan.drift_explanation.as_ref()?;
    let mut part = String::new();
    let reverted = plan.reverted_drift();
    if reverted > 0 {
        part = format!("{} drift; ", plural_verb(reverted));
    }
    let read = match &explanation.unavailable {
        Some(why) => format!("audit log unavailable ({why})"),
        None => format!(
            "audit log read with {} (budget {})",
            plural(explanation.requests, "request"),
            explanation.budget
        ),
    };
    part.push_str(&read);
    Some(part)
}

/// `1 change reverts`, `2 changes revert`.
fn plural_verb(n: usize) -> String {
    if n == 1 {
        "1 change reverts".to_owned()
    } else {
        format!("{} revert", plural(n, "change"))
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::Plan;
    use crate::plan::drift_explainer::tests::{drifted_plan, explained, newest_first};
    use crate::render::{Format, RenderOptions, renderer};

    fn render(plan: &Plan, format: Format) -> String {
        let mut out = Vec::new();
        renderer(format, RenderOptions::default())
            .render(plan, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The changes that revert drift stand apart from what the roster asks, each with who
    /// made the drift, when, through what and from where; the roster's own change with
    /// zroster's entry and the unexplained one stay with the roster's changes, the latter
    /// saying why; the unlisted user says who made it an agent.
    #[test]
    fn explained_drift_in_every_format() {
        let plan = explained(drifted_plan(), &newest_first());
        insta::assert_snapshot!("drift_explained_human", render(&plan, Format::Human));
        insta::assert_snapshot!("drift_explained_markdown", render(&plan, Format::Markdown));
        insta::assert_snapshot!("drift_explained_json", render(&plan, Format::Json));
    }

    /// An account whose audit log cannot be read says so, in the summary and under each
    /// value.
    #[test]
    fn an_unreadable_audit_log_says_so() {
        let mut plan = explained(drifted_plan(), &[]);
        let explanation = plan.drift_explanation.as_mut().unwrap();
        explanation.unavailable = Some("403 Forbidden: Enterprise only".into());
        let human = render(&plan, Format::Human);
        assert!(
            human.contains("audit log unavailable (403 Forbidden: Enterprise only)"),
            "{human}"
        );
        assert!(!human.contains("Reverts drift"), "{human}");
    }

    /// Without `--explain-drift` the rendering is the plan's as before.
    #[test]
    fn without_an_explanation_nothing_changes() {
        let plain = drifted_plan();
        let human = render(&plain, Format::Human);
        assert!(!human.contains("audit log"), "{human}");
        assert!(!render(&plain, Format::Json).contains("drift_explanation"));
    }
}
