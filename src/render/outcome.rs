//! What an apply did, for people: plain lines (a terminal, a log) or markdown (a pipeline's
//! job summary, `$GITHUB_STEP_SUMMARY`). Failures, unresolved changes and fields and
//! memberships that did not converge each name the roster entry and Zendesk's reason.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use super::markdown::plain;
use super::{count, kind_name, plural, verb};
use crate::apply::{ApplyReport, ChangeResult, Divergence, Status, UserRead, UserReads};
use crate::plan::SourceRef;

/// Rows of a markdown table beyond which the rest is counted, not listed: a job summary is
/// read by a person, and GitHub caps it at 1 MiB.
const MAX_ROWS: usize = 200;

/// The outcome as lines: one per change that did not apply, one per field or membership
/// that did not converge, then the summary line.
pub fn outcome_human(report: &ApplyReport, out: &mut dyn Write) -> io::Result<()> {
    if report.fell_back_to_single_requests {
        writeln!(
            out,
            "note: the account has bulk imports disabled; single requests were used instead"
        )?;
    }
    for result in unsuccessful(report) {
        let word = if result.status == Status::Failed {
            "failed"
        } else {
            "unresolved"
        };
        let target = result
            .target
            .as_deref()
            .map(|t| format!(" → {t}"))
            .unwrap_or_default();
        writeln!(
            out,
            "{word}: {} {} {}{target} ({}, {}): {}: {}",
            verb(result.action),
            kind_name(result.kind),
            result.label,
            &pruned_or(result.source.as_ref()),
            result.key,
            result.error.as_deref().unwrap_or("Error"),
            result.details.as_deref().unwrap_or(""),
        )?;
    }
    if let Some(why) = &report.stopped {
        writeln!(
            out,
            "stopped ({why}): {} not started; the requests sent were finished",
            plural(report.count(Status::NotStarted), "change")
        )?;
    }
    if let Some(line) = read_back(report) {
        writeln!(out, "{line}")?;
    }
    for divergence in &report.diverged {
        writeln!(
            out,
            "did not converge: {} ({}, {}): {}: planned {}, Zendesk has {}",
            divergence.label,
            &pruned_or(divergence.source.as_ref()),
            divergence.key,
            diverged_what(divergence),
            divergence.planned,
            divergence.live,
        )?;
    }
    writeln!(out, "{}", summary(report))
}

/// The outcome as markdown: a heading with the summary, a table of counts, then tables of
/// failed and unresolved changes and of fields and memberships that did not converge.
pub fn outcome_markdown(report: &ApplyReport, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::new();
    let mark = if report.is_success() { "✅" } else { "❌" };
    let _ = writeln!(text, "## {mark} zapply\n");
    plain(&summary(report), &mut text);
    text.push_str("\n\n| Outcome | Changes |\n|---|--:|\n");
    for (status, word) in [
        (Status::Applied, "applied"),
        (Status::Failed, "failed"),
        (Status::Unresolved, "unresolved"),
        (Status::Blocked, "blocked (not attempted)"),
        (Status::NotStarted, "not started (the run stopped)"),
    ] {
        let _ = writeln!(text, "| {word} | {} |", count(report.count(status)));
    }
    let (fields, memberships) = diverged_counts(report);
    let _ = writeln!(text, "| fields that did not converge | {} |", count(fields));
    let _ = writeln!(
        text,
        "| memberships that did not converge | {} |",
        count(memberships)
    );
    text.push_str("\nAccount: ");
    plain(&report.account, &mut text);
    text.push('\n');
    if report.fell_back_to_single_requests {
        text.push_str(
            "\n> **Note:** the account has bulk imports disabled; single requests were used instead.\n",
        );
    }
    if let Some(line) = read_back(report) {
        text.push_str("\n> ");
        plain(&line, &mut text);
        text.push('\n');
    }
    if let Some(why) = &report.stopped {
        text.push_str("\n> **Stopped** (");
        plain(why, &mut text);
        text.push_str(
            "): the requests sent were finished, nothing more was started; the convergence check was skipped.\n",
        );
    }
    let failures: Vec<&ChangeResult> = unsuccessful(report).collect();
    if !failures.is_empty() {
        text.push_str(
            "\n### Not applied\n\n| Outcome | Change | Roster | Key | Error | Zendesk's reason |\n|---|---|---|---|---|---|\n",
        );
        for result in failures.iter().take(MAX_ROWS) {
            let word = if result.status == Status::Failed {
                "failed"
            } else {
                "unresolved"
            };
            let mut change = format!(
                "{} {} {}",
                verb(result.action),
                kind_name(result.kind),
                result.label
            );
            if let Some(target) = &result.target {
                let _ = write!(change, " → {target}");
            }
            row(
                &mut text,
                &[
                    word,
                    &change,
                    &pruned_or(result.source.as_ref()),
                    &result.key.to_string(),
                    result.error.as_deref().unwrap_or("Error"),
                    result.details.as_deref().unwrap_or(""),
                ],
            );
        }
        more(&mut text, failures.len());
    }
    if !report.diverged.is_empty() {
        text.push_str(
            "\n### Did not converge\n\n| User | Roster | Key | Field | Planned | Zendesk has |\n|---|---|---|---|---|---|\n",
        );
        for divergence in report.diverged.iter().take(MAX_ROWS) {
            row(
                &mut text,
                &[
                    &divergence.label,
                    &pruned_or(divergence.source.as_ref()),
                    &divergence.key.to_string(),
                    &diverged_what(divergence),
                    &divergence.planned.to_string(),
                    &divergence.live.to_string(),
                ],
            );
        }
        more(&mut text, report.diverged.len());
    }
    out.write_all(text.as_bytes())
}

/// `Applied 2,031 changes in 14 jobs (87 requests, 12 job polls) in 41.2 s; 2 failed`.
#[must_use]
pub fn summary(report: &ApplyReport) -> String {
    let applied = report.count(Status::Applied);
    let mut line = format!(
        "Applied {} in {} ({}, {}) in {:.1} s",
        plural(applied, "change"),
        plural(report.jobs, "job"),
        plural(to_usize(report.requests), "request"),
        plural(to_usize(report.job_polls), "job poll"),
        Duration::from_millis(report.elapsed_ms).as_secs_f64(),
    );
    for (status, word) in [
        (Status::Failed, "failed"),
        (Status::Unresolved, "unresolved"),
        (Status::Blocked, "blocked"),
        (Status::NotStarted, "not started"),
    ] {
        let n = report.count(status);
        if n > 0 {
            let _ = write!(line, "; {} {word}", count(n));
        }
    }
    let diverged: Vec<String> = match diverged_counts(report) {
        (0, 0) => Vec::new(),
        (fields, 0) => vec![plural(fields, "field")],
        (0, memberships) => vec![plural(memberships, "membership")],
        (fields, memberships) => vec![plural(fields, "field"), plural(memberships, "membership")],
    };
    if !diverged.is_empty() {
        let _ = write!(line, "; {} did not converge", diverged.join(" and "));
    }
    line
}

/// How the convergence check read the users back, when it had a choice (more users than
/// `show_many` reads as cheaply as the export): which way, and what the other would have
/// cost.
fn read_back(report: &ApplyReport) -> Option<String> {
    let reads = report.read_back.filter(UserReads::had_a_choice)?;
    let seconds = |ms: u64| Duration::from_millis(ms).as_secs_f64();
    let show_many = plural(
        to_usize(reads.show_many_requests),
        "`users/show_many` request",
    );
    let pages = plural(to_usize(reads.export_pages), "page");
    Some(match reads.read {
        UserRead::IncrementalExport => format!(
            "convergence check: read the {} users written back from the incremental export ({pages} or more, after {:.1} s waiting for its window) rather than with {show_many}",
            count(reads.users),
            seconds(reads.export_wait_ms),
        ),
        UserRead::ShowMany => {
            let more = reads.show_many_requests.saturating_sub(reads.export_pages);
            format!(
                "convergence check: read the {} users written back with {show_many} rather than wait {:.1} s for the incremental export's window ({pages}): the {} more take {:.1} s of this run's share of the rate limit",
                count(reads.users),
                seconds(reads.export_wait_ms),
                plural(to_usize(more), "request"),
                seconds(reads.request_ms * more),
            )
        }
    })
}

/// Fields (users included) and memberships that did not converge.
fn diverged_counts(report: &ApplyReport) -> (usize, usize) {
    let memberships = report.diverged.iter().filter(|d| d.is_membership()).count();
    (report.diverged.len() - memberships, memberships)
}

fn unsuccessful(report: &ApplyReport) -> impl Iterator<Item = &ChangeResult> {
    report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed | Status::Unresolved))
}

fn row(text: &mut String, cells: &[&str]) {
    text.push('|');
    for cell in cells {
        text.push(' ');
        plain(cell, text);
        text.push_str(" |");
    }
    text.push('\n');
}

fn more(text: &mut String, total: usize) {
    if total > MAX_ROWS {
        let _ = writeln!(
            text,
            "\n…and {} more; the full list is in the report (`--report`).",
            count(total - MAX_ROWS)
        );
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// What did not converge: the field (`role`), or for a membership the roster's key and the
/// group or organization (`groups → Tier 2`), as failed membership changes show it.
fn diverged_what(divergence: &Divergence) -> String {
    match &divergence.target {
        Some(target) => format!("{} → {target}", divergence.field),
        None => divergence.field.to_string(),
    }
}

/// The roster entry of a result, or `pruned` for users the roster does not list.
fn pruned_or(source: Option<&SourceRef>) -> String {
    source.map_or_else(|| "pruned".to_owned(), ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::{outcome_human, outcome_markdown};
    use crate::apply::{ApplyReport, ChangeResult, Diverged, Divergence, Status};
    use crate::plan::tests::source;
    use crate::plan::{Action, FieldValue, Kind, MatchKey, UserField};

    fn result(status: Status, action: Action, key: MatchKey, label: &str) -> ChangeResult {
        ChangeResult {
            kind: Kind::User,
            action,
            key,
            label: label.to_owned(),
            target: None,
            source: Some(source("roster/agents.yaml", 12, 5)),
            id: Some(7),
            status,
            error: None,
            details: None,
        }
    }

    fn report() -> ApplyReport {
        let mut failed = result(
            Status::Failed,
            Action::Create,
            MatchKey::Email("ann@acme.com".to_owned()),
            "Ann | Ops <ann@acme.com>",
        );
        failed.error = Some("RecordInvalid".to_owned());
        failed.details =
            Some("Email: ann@acme.com is already being used by another user".to_owned());
        let mut lost = result(
            Status::Unresolved,
            Action::Add,
            MatchKey::ExternalId("emp-4".to_owned()),
            "Dee Doe",
        );
        lost.kind = Kind::GroupMembership;
        lost.target = Some("Tier 2".to_owned());
        lost.error = Some("OutcomeUnknown".to_owned());
        lost.details =
            Some("job `j1` expired or vanished before it reported its results".to_owned());
        let mut results = vec![failed, lost];
        results.extend((0..2030).map(|i| {
            result(
                Status::Applied,
                Action::Update,
                MatchKey::ExternalId(format!("emp-{i}")),
                "U",
            )
        }));
        ApplyReport {
            account: "https://acme.zendesk.com".to_owned(),
            results,
            jobs: 21,
            requests: 87,
            job_polls: 12,
            fell_back_to_single_requests: false,
            stopped: None,
            diverged: vec![
                Divergence {
                    key: MatchKey::Email("eve@acme.com".to_owned()),
                    label: "Eve End <eve@acme.com>".to_owned(),
                    source: Some(source("roster/end-users.yaml", 3, 5)),
                    field: Diverged::Field(UserField::TicketRestriction),
                    target: None,
                    planned: FieldValue::Text("assigned".to_owned()),
                    live: FieldValue::Text("requested".to_owned()),
                },
                Divergence {
                    key: MatchKey::ExternalId("emp-4".to_owned()),
                    label: "Dee Doe".to_owned(),
                    source: Some(source("roster/agents.yaml", 20, 5)),
                    field: Diverged::Groups,
                    target: Some("Tier 2".to_owned()),
                    planned: FieldValue::Text("member".to_owned()),
                    live: FieldValue::Text("not a member".to_owned()),
                },
            ],
            read_back: None,
            elapsed_ms: 41_230,
        }
    }

    #[test]
    fn the_convergence_check_says_how_it_read_the_users_back_when_it_had_a_choice() {
        use crate::apply::{UserRead, UserReads};
        let reads = |read, users| UserReads {
            read,
            users,
            show_many_requests: (users as u64).div_ceil(100),
            export_pages: (users as u64).div_ceil(1000),
            export_wait_ms: 53_100,
            request_ms: 85,
        };
        let lines = |read_back| {
            let mut out = Vec::new();
            outcome_human(
                &ApplyReport {
                    read_back,
                    ..report()
                },
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert!(
            lines(Some(reads(UserRead::ShowMany, 7_000))).contains(
                "convergence check: read the 7,000 users written back with 70 `users/show_many` requests rather than wait 53.1 s for the incremental export's window (7 pages): the 63 requests more take 5.4 s of this run's share of the rate limit\n"
            )
        );
        assert!(
            lines(Some(reads(UserRead::IncrementalExport, 7_000))).contains(
                "convergence check: read the 7,000 users written back from the incremental export (7 pages or more, after 53.1 s waiting for its window) rather than with 70 `users/show_many` requests\n"
            )
        );
        // With 1,000 users or fewer `show_many` is as cheap: there was no choice to tell.
        assert!(!lines(Some(reads(UserRead::ShowMany, 1_000))).contains("convergence check"));
        assert!(!lines(None).contains("convergence check"));
    }

    #[test]
    fn human_outcome_lists_what_did_not_apply_then_the_summary() {
        let mut out = Vec::new();
        outcome_human(&report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn markdown_outcome_has_counts_and_tables_with_escaped_cells() {
        let mut out = Vec::new();
        outcome_markdown(&report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn long_tables_are_cut_and_say_how_many_more() {
        let mut many = report();
        for result in &mut many.results {
            result.status = Status::Failed;
        }
        let mut out = Vec::new();
        outcome_markdown(&many, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.matches("\n| failed |").count(), 1 + super::MAX_ROWS);
        assert!(
            text.contains("…and 1,832 more; the full list is in the report (`--report`)."),
            "{text}"
        );
    }

    #[test]
    fn a_clean_run_is_one_line_and_a_tick() {
        let clean = ApplyReport {
            results: vec![result(
                Status::Applied,
                Action::Create,
                MatchKey::Email("a@b.c".to_owned()),
                "A",
            )],
            diverged: Vec::new(),
            ..report()
        };
        let mut out = Vec::new();
        outcome_human(&clean, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "Applied 1 change in 21 jobs (87 requests, 12 job polls) in 41.2 s\n"
        );
        let mut out = Vec::new();
        outcome_markdown(&clean, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("## ✅ zapply\n"), "{text}");
        assert!(!text.contains("### "), "{text}");
    }
}
