//! `zplan` / `zroster plan`: load the roster, fetch the live state through a read-only
//! client, build the plan, render it, and optionally save it as JSON.

use std::io::{IsTerminal, Write};

use super::ExitStatus;
use super::connect::fetch_and_plan;
use crate::Error;
use crate::cli::{ColorChoice, PlanArgs, PlanFormat};
use crate::plan::Plan;
use crate::render::{self, Format, RenderOptions};
use crate::roster;

pub(super) fn run(
    args: &PlanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let mut watched = Watched {
        inner: out,
        wrote: false,
    };
    let result = plan(args, &mut watched, err);
    let out = watched.inner;
    // A pull-request comment is made of the markdown output whatever happened: without a
    // plan, it says why (the error is on standard error too, as always).
    if let (Err(error), PlanFormat::Markdown, false) = (&result, args.format, watched.wrote) {
        super::written(render::error_markdown(
            "zplan",
            error,
            args.mask_emails,
            out,
        ))?;
    }
    result
}

/// Standard output, noting whether anything was written to it.
struct Watched<'o> {
    inner: &'o mut dyn Write,
    wrote: bool,
}

impl Write for Watched<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.wrote |= !buf.is_empty();
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn plan(args: &PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<ExitStatus, Error> {
    // A plan given back to zplan (`zplan plan.json`, Terraform's habit) says what it is
    // instead of failing as a roster; known by its content, since JSON is YAML too.
    if let [path] = args.paths.as_slice()
        && super::apply::looks_like_a_plan(path)
    {
        return Err(Error::PlanNotRoster {
            path: path.display().to_string(),
        });
    }
    let loaded = roster::load(&args.paths);
    if loaded.has_errors() {
        return Err(Error::InvalidRoster(loaded.diagnostics));
    }
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(roster::time_box::warnings(&loaded.roster, now));
    roster::diagnostic::sort(&mut diagnostics);
    warn(&diagnostics, args, err)?;
    let runtime = super::runtime()?;
    let explain = (args.explain_drift || loaded.roster.settings.explain_drift).then_some(
        super::explain_drift::ExplainDrift {
            budget: args.explain_drift_budget as usize,
            days: args.explain_drift_days,
        },
    );
    let mut plan = runtime.block_on(fetch_and_plan(
        args.sandbox.as_deref(),
        &args.connection,
        &loaded.roster,
        now,
        explain,
        err,
    ))?;
    // Sealed only where the plan is written as JSON (`--out`, `--format json`, both plans
    // `zapply` takes): hashing a large plan is not free, and the other formats never show it.
    if args.out.is_some() || matches!(args.format, PlanFormat::Json) {
        plan.seal();
    }
    let shown = render_plan(&plan, args.format, args.color, args.mask_emails, out)?;
    super::report_problems(&render::problems(&plan), shown, err)?;
    if let Some(path) = &args.out {
        save(&plan, path)?;
    }
    Ok(exit_status(&plan, args.detailed_exitcode))
}

/// Writes the plan to standard output (`out`) in `format`; says whether that shows its
/// problems to someone at a terminal (the human format on one).
pub(super) fn render_plan(
    plan: &Plan,
    format: PlanFormat,
    color: ColorChoice,
    mask_emails: bool,
    out: &mut dyn Write,
) -> Result<bool, Error> {
    let terminal = std::io::stdout().is_terminal();
    let options = RenderOptions {
        color: super::use_color(color, terminal),
        mask_emails,
    };
    let format = match format {
        PlanFormat::Human => Format::Human,
        PlanFormat::Markdown => Format::Markdown,
        PlanFormat::Json => Format::Json,
    };
    let rendered = render::renderer(format, options).render(plan, out);
    super::written(rendered.and_then(|()| out.flush()))?;
    Ok(format == Format::Human && terminal)
}

/// Prints the roster's warnings (look-alike addresses) on standard error, as `validate`
/// prints them, before planning: they do not stop the plan.
fn warn(
    diagnostics: &[roster::Diagnostic],
    args: &PlanArgs,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let warnings: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.severity == roster::Severity::Warning)
        .cloned()
        .collect();
    if warnings.is_empty() {
        return Ok(());
    }
    let color = super::use_color(args.color, std::io::stderr().is_terminal());
    super::written(roster::diagnostic::write_human(
        err, &warnings, false, color,
    ))
}

/// The exit code of DESIGN.md §1 for a plan.
pub(crate) fn exit_status(plan: &Plan, detailed: bool) -> ExitStatus {
    if !plan.errors.is_empty() {
        ExitStatus::Failure
    } else if !plan.refusals.is_empty() {
        ExitStatus::Refused
    } else if plan.has_roster_errors() {
        ExitStatus::Failure
    } else if detailed && plan.applicable().next().is_some() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

fn save(plan: &Plan, path: &std::path::Path) -> Result<(), Error> {
    let write = || -> std::io::Result<()> {
        let mut file = std::io::BufWriter::new(crate::private_file::create(path)?);
        serde_json::to_writer_pretty(&mut file, plan)?;
        writeln!(file)?;
        file.flush()
    };
    write().map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })
}
