//! Diagnostics: what `validate` (and the loader) found wrong, with `file:line:column`, and the
//! three ways of printing them (human, JSON, GitHub workflow commands).

use std::collections::BTreeSet;
use std::io::{self, Write};

use serde::Serialize;

use super::node::Pos;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The roster cannot be used.
    Error,
    /// Worth a look; the roster can still be used.
    Warning,
    /// For information only (shown with `--verbose`).
    Note,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding about a roster, pointing at the place it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file as the user named it (or as found below a directory they named).
    pub file: String,
    /// 1-based line; 0 when the finding concerns the whole file.
    pub line: u32,
    /// 1-based column; 0 when the finding concerns the whole file.
    pub column: u32,
    /// How bad it is.
    pub severity: Severity,
    /// A stable, kebab-case identifier of the rule, for tools and for `--format json`.
    pub code: &'static str,
    /// What is wrong, lowercase, the offending thing in backticks.
    pub message: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

impl Diagnostic {
    /// An error at `pos` of `file`.
    pub(crate) fn error(file: &str, pos: Pos, code: &'static str, message: String) -> Self {
        Self {
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
            severity: Severity::Error,
            code,
            message,
            hints: Vec::new(),
        }
    }

    /// A warning at `pos` of `file`: worth a look, but the roster can be used.
    pub(crate) fn warning(file: &str, pos: Pos, code: &'static str, message: String) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, pos, code, message)
        }
    }

    /// A note at `pos` of `file`.
    pub(crate) fn note(file: &str, pos: Pos, code: &'static str, message: String) -> Self {
        Self {
            severity: Severity::Note,
            ..Self::error(file, pos, code, message)
        }
    }

    /// Adds a hint line.
    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Adds a hint when there is one.
    #[must_use]
    pub(crate) fn maybe_hint(self, hint: Option<String>) -> Self {
        match hint {
            Some(hint) => self.hint(hint),
            None => self,
        }
    }

    fn location(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// Sorts diagnostics by file, line and column (then severity and message), the order in
/// which every format prints them.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.severity, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.severity, &b.message))
    });
}

/// Writes `path:line:col: error: message` lines with `hint:` lines, then a closing count
/// such as `3 errors in 2 files`. Notes are printed only when `verbose` is set.
pub fn write_human(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    verbose: bool,
    color: bool,
) -> io::Result<()> {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    for diagnostic in diagnostics {
        if diagnostic.severity == Severity::Note && !verbose {
            continue;
        }
        let label = match diagnostic.severity {
            Severity::Error => paint("1;31", "error"),
            Severity::Warning => paint("1;33", "warning"),
            Severity::Note => paint("1;36", "note"),
        };
        writeln!(
            out,
            "{}: {label}: {}",
            paint("1", &diagnostic.location()),
            diagnostic.message
        )?;
        for hint in &diagnostic.hints {
            writeln!(out, "  {}: {hint}", paint("1;32", "hint"))?;
        }
    }
    writeln!(out, "{}", summary(diagnostics))
}

/// The closing line: `3 errors in 2 files`, `1 error and 2 warnings in 1 file`, or
/// `no errors` when there is nothing worse than a note.
#[must_use]
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let count = |severity| {
        diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let files: BTreeSet<&str> = diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| d.file.as_str())
        .collect();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (errors, warnings) {
        (0, 0) => "no errors".to_owned(),
        (e, 0) => format!("{} in {}", plural(e, "error"), plural(files.len(), "file")),
        (0, w) => format!(
            "{} in {}",
            plural(w, "warning"),
            plural(files.len(), "file")
        ),
        (e, w) => format!(
            "{} and {} in {}",
            plural(e, "error"),
            plural(w, "warning"),
            plural(files.len(), "file")
        ),
    }
}

/// Writes the diagnostics as one JSON array (notes included), pretty-printed.
pub fn write_json(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diagnostics)?;
    writeln!(out)
}

/// Writes GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`), which
/// annotate the lines of a pull request. Notes are left out.
pub fn write_github(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => continue,
        };
        let mut message = diagnostic.message.clone();
        for hint in &diagnostic.hints {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        write!(
            out,
            "::{command} file={}",
            escape_property(&diagnostic.file)
        )?;
        if diagnostic.line > 0 {
            write!(out, ",line={},col={}", diagnostic.line, diagnostic.column)?;
        }
        writeln!(
            out,
            ",title={}::{}",
            escape_property(&format!("zroster {}", diagnostic.code)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Escapes a workflow command's message as the GitHub runner expects.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value as the GitHub runner expects.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl Severity {
    /// The word printed for this severity.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        self.label()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Diagnostic> {
        vec![
            Diagnostic::error(
                "roster/b.yaml",
                Pos { line: 3, column: 5 },
                "unknown-key",
                "unknown key `emial`".into(),
            )
            .hint("did you mean `email`?"),
            Diagnostic::error(
                "roster/a.yaml",
                Pos {
                    line: 10,
                    column: 1,
                },
                "invalid-value",
                "bad, value: 50%".into(),
            ),
            Diagnostic::note(
                "roster/a.yaml",
                Pos { line: 2, column: 1 },
                "resolved-at-plan-time",
                "group `Billing` is resolved at plan time".into(),
            ),
        ]
    }

    #[test]
    fn human_output_is_sorted_with_hints_and_a_count() {
        let mut diagnostics = sample();
        sort(&mut diagnostics);
        let mut out = Vec::new();
        write_human(&mut out, &diagnostics, false, false).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        roster/a.yaml:10:1: error: bad, value: 50%
        roster/b.yaml:3:5: error: unknown key `emial`
          hint: did you mean `email`?
        2 errors in 2 files
        ");
        let mut out = Vec::new();
        write_human(&mut out, &diagnostics, true, false).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .contains("a.yaml:2:1: note: group")
        );
    }

    #[test]
    fn github_commands_escape_their_properties_and_data() {
        let mut out = Vec::new();
        write_github(&mut out, &sample()).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap(), @r"
        ::error file=roster/b.yaml,line=3,col=5,title=zroster unknown-key::unknown key `emial`%0Ahint: did you mean `email`?
        ::error file=roster/a.yaml,line=10,col=1,title=zroster invalid-value::bad, value: 50%25
        ");
    }

    #[test]
    fn summary_counts_errors_warnings_and_files() {
        assert_eq!(summary(&[]), "no errors");
        let mut d = sample();
        assert_eq!(summary(&d), "2 errors in 2 files");
        d[0].severity = Severity::Warning;
        assert_eq!(summary(&d), "1 error and 1 warning in 2 files");
        d.truncate(1);
        assert_eq!(summary(&d), "1 warning in 1 file");
    }
}
