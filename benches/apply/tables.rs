//! The apply benchmark's tables: every run against its minimum and floor, the baseline
//! beside it, the targets' verdicts, and the detail of the largest runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use zroster::apply::{Status, UserRead};
use zroster::state::EmailStrategy;

use crate::scenario::RATE_LIMIT;
use crate::{Baseline, Run};

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

pub(crate) fn write_table(out: &mut String, runs: &[Run], baselines: &BTreeMap<usize, Baseline>) {
    writeln!(
        out,
        "| users | bulk imports | approach | requests (polls aside) | minimum (within one export window) | × minimum (× within) | job polls | wall time | floor (requests; jobs) | × floor | 429s | peak memory |"
    )
    .unwrap();
    writeln!(
        out,
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    .unwrap();
    let mut verdicts = String::new();
    for run in runs {
        let s = run.scenario;
        let (by_requests, by_jobs) = s.floor();
        let floor = s.floor_max();
        let minimum = s.minimum();
        let windowed = s.minimum_within_a_window();
        writeln!(
            out,
            "| {} | {} | zapply | {} | {minimum} ({windowed}) | {:.2}× ({:.2}×) | {} | {} | {} ({}; {}) | {:.2}× | {} | {:.0} MiB |",
            s.roster,
            s.setting(),
            run.requests(),
            run.requests() as f64 / minimum as f64,
            run.requests() as f64 / windowed as f64,
            run.report.job_polls,
            secs(run.wall()),
            secs(floor),
            secs(by_requests),
            secs(by_jobs),
            run.wall().as_secs_f64() / floor.as_secs_f64(),
            run.throttled(),
            run.peak_mib,
        )
        .unwrap();
        let failed = run.report.count(Status::Failed) + run.report.count(Status::Unresolved);
        if failed > 0 || !run.report.diverged.is_empty() {
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: {failed} failed or unresolved, {} diverged",
                s.roster,
                s.setting(),
                run.report.diverged.len()
            )
            .unwrap();
        }
        if let Some(base) = baselines.get(&s.roster) {
            let wall = base.outcome.wall;
            writeln!(
                out,
                "| {} | {} | one request per user | {} | | | | {} | {} | {:.2}× | {} | {:.0} MiB |",
                s.roster,
                s.setting(),
                base.requests,
                secs(wall),
                secs(floor),
                wall.as_secs_f64() / floor.as_secs_f64(),
                base.throttled,
                base.peak_mib,
            )
            .unwrap();
            let faster = wall.as_secs_f64() / run.wall().as_secs_f64();
            let fewer = base.requests as f64 / run.all_requests() as f64;
            let (wall_target, requests_target) = if s.bulk_imports {
                (faster >= 20.0, fewer >= 30.0)
            } else {
                (faster >= 1.0, fewer >= 3.0)
            };
            // What the minimum itself allows: a run that plans reads the account first, which
            // the per-user baseline (it writes blind) does not.
            let at_most = base.requests as f64 / (minimum as u64 + run.report.job_polls) as f64;
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: the per-user baseline took {faster:.1}× zapply's wall time ({}) and made {fewer:.1}× its requests, job polls included ({}; the minimum and these polls allow at most {at_most:.1}×); {} failed",
                s.roster,
                s.setting(),
                if s.bulk_imports { "target ≥ 20×" } else { "target ≥ 1×, never slower" }.to_owned()
                    + ": " + pass(wall_target),
                if s.bulk_imports { "target ≥ 30×" } else { "target ≥ 3×" }.to_owned()
                    + ": " + pass(requests_target),
                base.outcome.failed,
            )
            .unwrap();
        } else if s.roster >= 10_000 {
            let computed = Duration::from_secs_f64(s.roster as f64 * 60.0 / f64::from(RATE_LIMIT));
            writeln!(
                out,
                "| {} | {} | one request per user, **computed** (requests / limit) | {} | | | | {} | {} | {:.2}× | | |",
                s.roster,
                s.setting(),
                s.roster,
                secs(computed),
                secs(floor),
                computed.as_secs_f64() / floor.as_secs_f64(),
            )
            .unwrap();
            let ratio = run.requests() as f64 / minimum as f64;
            let windowed = run.requests() as f64 / windowed as f64;
            writeln!(
                verdicts,
                "- {} users, bulk imports {}: wall {:.2}× floor (target ≤ 1.5×: {}); requests {:.2}× the minimum ignoring the export's window (target ≤ 1.10×: {}), {windowed:.2}× the minimum within one window ({}); {} 429s (target 0: {}); computed baseline / zapply: wall {:.0}×, requests {:.0}× (polls included)",
                s.roster,
                s.setting(),
                run.wall().as_secs_f64() / floor.as_secs_f64(),
                pass(run.wall() <= floor.mul_f64(1.5)),
                ratio,
                pass(ratio <= 1.10),
                pass(windowed <= 1.10),
                run.throttled(),
                pass(run.throttled() == 0),
                computed.as_secs_f64() / run.wall().as_secs_f64(),
                s.roster as f64 / run.all_requests() as f64,
            )
            .unwrap();
        }
    }
    writeln!(out, "\n{verdicts}").unwrap();
}

pub(crate) fn write_detail(out: &mut String, run: &Run) {
    let s = run.scenario;
    let writes = run
        .apply_writes
        .iter()
        .map(|(endpoint, n)| format!("{n} `{endpoint}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let rereads = run.report.requests - run.apply_writes.values().sum::<u64>();
    writeln!(
        out,
        "### {} users, bulk imports {}: {} in the account ({} to update), {} new, {} unmanaged\n",
        s.roster,
        s.setting(),
        s.existing,
        s.changed,
        s.new_users(),
        s.unmanaged
    )
    .unwrap();
    writeln!(out, "| measure | value |\n|---|---|").unwrap();
    writeln!(
        out,
        "| requests, job polls aside | {} = fetch {} + apply {} ({writes}; {rereads} reads: the convergence check and any settling) |",
        run.requests(),
        run.fetch_requests,
        run.report.requests
    )
    .unwrap();
    writeln!(
        out,
        "| minimum | {} = fetch {} + writes {} + convergence check {}, ignoring the export's window; {} within one window (10 export pages) |",
        s.minimum(),
        s.fetch_minimum(),
        s.writes_minimum(),
        s.check_minimum(),
        s.minimum_within_a_window()
    )
    .unwrap();
    if let Some(lookup) = run.lookup {
        let how = match lookup.strategy {
            EmailStrategy::Search => "searched",
            EmailStrategy::IncrementalExport => "found through the export",
        };
        writeln!(
            out,
            "| fetch's email lookup | {} emails {how} ({} certainly new): {} requests; the searches were to cost {}, the export {} (each with what follows it{}) |",
            lookup.emails,
            lookup.certainly_new,
            lookup.requests + lookup.recent_export_pages,
            lookup.search_cost,
            lookup
                .export_cost
                .map_or_else(|| "n/a (not counted)".to_owned(), |n| n.to_string()),
            if lookup.converge_after {
                ", the convergence check included"
            } else {
                ""
            },
        )
        .unwrap();
    }
    writeln!(
        out,
        "| job polls | {} `job_statuses/show_many` for {} jobs |",
        run.report.job_polls, run.report.jobs
    )
    .unwrap();
    if let Some(reads) = run.report.read_back {
        let how = match reads.read {
            UserRead::ShowMany => "`users/show_many`",
            UserRead::IncrementalExport => "the incremental export",
        };
        writeln!(
            out,
            "| convergence check | {} users read back with {how}: {} `show_many` requests, or {} export pages after a {:.1} s wait for the export's window; a request costs {} ms at the run's share |",
            reads.users,
            reads.show_many_requests,
            reads.export_pages,
            reads.export_wait_ms as f64 / 1000.0,
            reads.request_ms
        )
        .unwrap();
    }
    writeln!(
        out,
        "| wall time | {} = load and fetch {} + plan and render {:.2} s + apply {} |",
        secs(run.wall()),
        secs(run.fetch_wall),
        run.plan_wall.as_secs_f64(),
        secs(run.apply_wall)
    )
    .unwrap();
    writeln!(
        out,
        "| jobs in flight (wall time with a job on the board) | {} |",
        secs(run.job_wait)
    )
    .unwrap();
    writeln!(
        out,
        "| waiting on the limit (pacing, `Retry-After`) | {} |",
        secs(run.limit_wait)
    )
    .unwrap();
    writeln!(
        out,
        "| results | {} applied, {} failed, {} unresolved, {} diverged |",
        run.report.count(Status::Applied),
        run.report.count(Status::Failed),
        run.report.count(Status::Unresolved),
        run.report.diverged.len()
    )
    .unwrap();
    writeln!(
        out,
        "| emulator's count of all requests | {} (client: {}) |\n",
        run.emulator.total,
        run.all_requests()
    )
    .unwrap();
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}
