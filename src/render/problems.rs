//! What keeps a plan from being applied as the roster asks, for the job log: the refusals,
//! the errors and the changes blocked by an error of the roster (a conflict, an account
//! rule), one line each on standard error, whatever format the plan itself is written in.
//! In a GitHub Actions job they are workflow commands, so each becomes an annotation on its
//! roster line in the pull request.

use std::io::{self, Write};

use super::{kind_name, verb};
use crate::plan::{Blocked, Plan, SourceRef};
use crate::roster::diagnostic::{escape_data, escape_property};

/// One refusal, error or blocked change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem<'p> {
    /// The roster line it concerns; none for a refusal of the whole plan (a safety limit).
    pub source: Option<&'p SourceRef>,
    /// What it is.
    pub kind: ProblemKind,
    /// What is wrong, in the words of the plan.
    pub message: String,
}

/// What a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A safety rule refuses the whole plan.
    Refused,
    /// A reference that resolves nowhere.
    Error,
    /// A change blocked by a conflict between the roster and the account.
    Conflict,
    /// A change blocked by an account rule the roster breaks.
    AccountRule,
}

impl ProblemKind {
    /// How an annotation's title names it.
    fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Refused => "refused",
            ProblemKind::Error => "error",
            ProblemKind::Conflict => "conflict",
            ProblemKind::AccountRule => "account rule",
        }
    }
}

/// How to write the problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemFormat {
    /// `error: roster/people.yaml:3:5: …` lines.
    Human,
    /// `::error file=…,line=…,col=…,title=…::…` workflow commands of GitHub Actions.
    Github,
}

/// The plan's problems: refusals first, then errors, then the blocked changes, in plan
/// order.
#[must_use]
pub fn problems(plan: &Plan) -> Vec<Problem<'_>> {
    let refusals = plan.refusals.iter().map(|refusal| Problem {
        source: refusal.source.as_ref(),
        kind: ProblemKind::Refused,
        message: format!("refused by `{}`: {}", refusal.rule, refusal.message),
    });
    let errors = plan.errors.iter().map(|error| Problem {
        source: Some(&error.source),
        kind: ProblemKind::Error,
        message: error.message.clone(),
    });
    let blocked = plan.changes.iter().filter_map(|change| {
        let reason = change.blocked.as_ref().filter(|b| b.is_error())?;
        let kind = match reason {
            Blocked::Conflict(_) => ProblemKind::Conflict,
            _ => ProblemKind::AccountRule,
        };
        let mut message = format!(
            "{} {} {}",
            verb(change.action),
            kind_name(change.kind),
            change.label
        );
        if let Some(target) = &change.target {
            message.push_str(" → ");
            message.push_str(target);
        }
        message.push_str(": blocked: ");
        message.push_str(&reason.to_string());
        Some(Problem {
            source: change.source.as_ref(),
            kind,
            message,
        })
    });
    refusals.chain(errors).chain(blocked).collect()
}

/// Writes each problem on its own line.
pub fn write_problems(
    out: &mut dyn Write,
    problems: &[Problem<'_>],
    format: ProblemFormat,
) -> io::Result<()> {
    for problem in problems {
        match format {
            ProblemFormat::Human => match problem.source {
                Some(source) => writeln!(out, "error: {source}: {}", problem.message)?,
                None => writeln!(out, "error: {}", problem.message)?,
            },
            ProblemFormat::Github => {
                out.write_all(b"::error ")?;
                if let Some(source) = problem.source {
                    write!(
                        out,
                        "file={},line={},col={},",
                        escape_property(&source.file),
                        source.line,
                        source.column
                    )?;
                }
                writeln!(
                    out,
                    "title={}::{}",
                    escape_property(&format!("zplan: {}", problem.kind.as_str())),
                    escape_data(&problem.message)
                )?;
            }
        }
    }
    Ok(())
}

/// A markdown document for when there is no plan to show: `### zplan could not make a
/// plan` and the error as the binary prints it, in a code block (emails masked when
/// `mask`), so that a pull-request comment made of the output still says why.
pub fn error_markdown(
    tool: &str,
    error: &crate::Error,
    mask: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut printed = Vec::new();
    error.write(&mut printed)?;
    let mut text = String::from_utf8_lossy(&printed).into_owned();
    if mask {
        text = super::mask::mask_emails(&text).into_owned();
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // A fence longer than any run of backticks in the text, which cannot close it early.
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest.max(2) + 1);
    write!(
        out,
        "### {tool} could not make a plan\n\n{fence}text\n{text}{fence}\n"
    )
}
