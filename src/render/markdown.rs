//! The markdown renderer: a plan as a pull-request comment. A heading with the account,
//! refusals and errors in a callout, a summary table, privilege escalations and blocked
//! changes, then one collapsed `<details>` section per action and the drift. The whole
//! comment stays under [`MAX_CHARS`]: when the plan is longer, each section keeps its first
//! entries and says how many it leaves out.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use similar::{ChangeTag, TextDiff};

use super::mask::mask_emails;
use super::{
    NO_CHANGES, RenderOptions, Renderer, drift as drift_lines, is_membership, is_multiline,
    is_quiet, kind_name, plural, shown_key, verb,
};
use crate::plan::{Action, Change, Drift, Expiring, FieldChange, Plan, PlanError, Refusal};

mod budget;
mod sections;

use budget::{FOOTER_RESERVE, NOTE_RESERVE, Section, allot, write_sections};
use sections::sections;

/// The most characters a rendering has. GitHub refuses comments over 65,536.
pub(crate) const MAX_CHARS: usize = 65_000;

/// The longest value, label or message shown whole; longer ones are cut with `…`.
const MAX_TEXT_CHARS: usize = 300;

/// The most lines of a line diff; the rest are counted.
const MAX_DIFF_LINES: usize = 40;

/// Lines of unchanged text shown around each change in a line diff.
const DIFF_CONTEXT: usize = 2;

/// Writes a plan as GitHub-flavoured markdown, masking email addresses when
/// `options.mask_emails`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MarkdownRenderer {
    /// Masking (colour does not apply).
    pub(crate) options: RenderOptions,
}

impl Renderer for MarkdownRenderer {
    fn render(&self, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
        let text = Markdown {
            mask: self.options.mask_emails,
            attributions: attributions(plan),
            explained: plan.drift_explanation.is_some(),
            plan,
        }
        .plan(plan);
        out.write_all(text.as_bytes())
    }
}

/// One thing a section lists.
#[derive(Debug, Clone, Copy)]
enum Entry<'p> {
    /// A safety rule that refuses the plan.
    Refusal(&'p Refusal),
    /// A reference that resolves nowhere.
    Error(&'p PlanError),
    /// A change that grants privileges, in one line.
    Escalation(&'p Change),
    /// A change with its fields; `with_action` where the section mixes actions.
    Change {
        change: &'p Change,
        with_action: bool,
    },
    /// A user the roster does not list, as a table row.
    Drift(&'p Drift),
    /// An entry whose access or temporary role ends soon, with the plan's moment.
    Expiring(&'p Expiring, &'p str),
}

/// Renders markdown; every piece of text from the plan goes through [`Markdown::plain`],
/// [`Markdown::code`] or [`Markdown::message`], which mask and escape it.
struct Markdown<'p> {
    /// Whether to mask email addresses.
    mask: bool,
    /// The audit-log lines of each change that has some (`--explain-drift`).
    attributions: std::collections::HashMap<*const Change, Vec<String>>,
    /// Whether the plan explains its drift.
    explained: bool,
    /// The plan rendered.
    plan: &'p Plan,
}

/// The audit-log lines of each change that has some, by the change's address.
fn attributions(plan: &Plan) -> std::collections::HashMap<*const Change, Vec<String>> {
    if plan.drift_explanation.is_none() {
        return std::collections::HashMap::new();
    }
    plan.changes
        .iter()
        .enumerate()
        .map(|(i, c)| (std::ptr::from_ref(c), drift_lines::lines(plan, i)))
        .filter(|(_, lines)| !lines.is_empty())
        .collect()
}

impl Markdown<'_> {
    /// The whole comment.
    fn plan(&self, plan: &Plan) -> String {
        let mut heading = String::from("## Zendesk plan for ");
        self.code(&plan.account, &mut heading);
        heading.push_str("\n\n");
        if is_quiet(plan) {
            return format!("{heading}{NO_CHANGES}\n");
        }
        if let Some(me) = &plan.authenticated_user {
            heading.push_str("Planned as ");
            match &me.email {
                Some(email) => self.plain(&format!("{} <{email}>", me.name), &mut heading),
                None => self.plain(&me.name, &mut heading),
            }
            heading.push_str(".\n\n");
        }
        for note in &plan.notes {
            heading.push_str("> **Note:** ");
            self.message(note, &mut heading);
            heading.push_str("\n\n");
        }
        let mut sections = sections(plan, heading);
        let fixed: usize = sections
            .iter()
            .filter(|s| s.is_shown())
            .map(|s| {
                s.open.chars().count()
                    + s.close.chars().count()
                    + if s.entries.is_empty() {
                        0
                    } else {
                        NOTE_RESERVE
                    }
            })
            .sum();
        let budget = MAX_CHARS.saturating_sub(fixed + FOOTER_RESERVE);
        for section in &mut sections {
            self.measure(section, budget);
        }
        allot(&mut sections, budget);
        write_sections(&sections)
    }

    /// Renders a section's entries while they fit `budget` in all.
    fn measure(&self, section: &mut Section, budget: usize) {
        let mut used = 0;
        for entry in &section.entries {
            let mut text = String::new();
            self.entry(*entry, &mut text);
            let size = text.chars().count();
            if used + size > budget {
                break;
            }
            used += size;
            section.rendered.push(text);
            section.sizes.push(size);
        }
    }

    /// One entry, ending with a line break.
    fn entry(&self, entry: Entry, out: &mut String) {
        match entry {
            Entry::Refusal(refusal) => {
                out.push_str("> - **Refused** by ");
                self.code(&refusal.rule, out);
                if let Some(source) = &refusal.source {
                    out.push_str(" at ");
                    self.code(&source.file_line().to_string(), out);
                }
                out.push_str(": ");
                self.message(&refusal.message, out);
                out.push_str(if refusal.overridable {
                    ". `--allow-mass-changes` overrides this.\n"
                } else {
                    ". `--allow-mass-changes` cannot override this.\n"
                });
            }
            Entry::Error(error) => {
                out.push_str("> - **Error** at ");
                self.code(&error.source.to_string(), out);
                out.push_str(": ");
                self.message(&error.message, out);
                out.push('\n');
            }
            Entry::Escalation(change) => {
                out.push_str("- ");
                self.headline(change, false, out);
                out.push_str(": ");
                self.message(change.escalation.as_deref().unwrap_or_default(), out);
                out.push('\n');
            }
            Entry::Change {
                change,
                with_action,
            } => self.change(change, with_action, out),
            Entry::Expiring(entry, made_at) => {
                out.push_str("- **user** ");
                self.plain(&entry.label, out);
                if entry.key.kind() == "external_id" {
                    out.push_str(" · ");
                    self.code(&entry.key.to_string(), out);
                }
                out.push_str(" · ");
                self.code(&entry.source.file_line().to_string(), out);
                out.push_str(": ");
                self.message(&super::expiring::sentence(entry, made_at), out);
                out.push('\n');
            }
            Entry::Drift(drift) => {
                out.push_str("| ");
                let user = &drift.user;
                match &user.email {
                    Some(email) => self.plain(&format!("{} <{email}>", user.name), out),
                    None => self.plain(&format!("{} (#{})", user.name, user.id), out),
                }
                out.push_str(" | ");
                self.plain(&drift.role, out);
                if self.explained {
                    out.push_str(" | ");
                    let line = drift_lines::user_line(self.plan, drift.user.id);
                    self.plain(line.as_deref().unwrap_or_default(), out);
                }
                out.push_str(" |\n");
            }
        }
    }

    /// ``**user** Jane Smith <jane@acme.com> · `external_id:emp-1` · `roster.yaml:3` ``.
    fn headline(&self, change: &Change, with_action: bool, out: &mut String) {
        out.push_str("**");
        if with_action {
            out.push_str(verb(change.action));
            out.push(' ');
        }
        out.push_str(kind_name(change.kind));
        out.push_str("** ");
        self.plain(&change.label, out);
        if is_membership(change) {
            out.push_str(" → ");
            self.plain(change.target.as_deref().unwrap_or_default(), out);
        } else if let Some(key) = shown_key(change) {
            out.push_str(" · ");
            self.code(&key.to_string(), out);
        }
        out.push_str(" · ");
        match &change.source {
            Some(source) => self.code(&source.file_line().to_string(), out),
            None => out.push_str("not in the roster"),
        }
    }

    /// A change as a list item, its fields as nested items.
    fn change(&self, change: &Change, with_action: bool, out: &mut String) {
        out.push_str("- ");
        self.headline(change, with_action, out);
        out.push('\n');
        if let Some(reason) = &change.blocked {
            out.push_str("  - **blocked**: ");
            self.message(&reason.to_string(), out);
            out.push('\n');
        }
        for field in &change.fields {
            out.push_str("  - ");
            self.code(&field.field.to_string(), out);
            out.push(':');
            if is_multiline(field) && self.line_diff(field, out) {
                continue;
            }
            out.push(' ');
            if change.action != Action::Create {
                self.code(&field.before.to_string(), out);
                out.push_str(" → ");
            }
            self.code(&field.after.to_string(), out);
            out.push('\n');
        }
        for note in &change.notes {
            out.push_str("  - *note*: ");
            self.message(note, out);
            out.push('\n');
        }
        if let Some(escalation) = change
            .escalation
            .as_ref()
            .filter(|_| drift_lines::reverts_change(self.plan, change))
        {
            out.push_str("  - *escalation*: ");
            self.message(escalation, out);
            out.push('\n');
        }
        for line in self
            .attributions
            .get(&std::ptr::from_ref(change))
            .into_iter()
            .flatten()
        {
            out.push_str("  - *audit log*: ");
            self.message(line, out);
            out.push('\n');
        }
    }

    /// A multi-line text field as a fenced `diff` block inside the field's list item;
    /// false, writing nothing, when the texts differ in no line.
    fn line_diff(&self, field: &FieldChange, out: &mut String) -> bool {
        let before = field.before.as_text().unwrap_or_default();
        let after = field.after.as_text().unwrap_or_default();
        let diff = TextDiff::from_lines(before, after);
        let groups = diff.grouped_ops(DIFF_CONTEXT);
        if groups.is_empty() {
            return false;
        }
        let mut lines = Vec::new();
        for (i, group) in groups.iter().enumerate() {
            if i > 0 {
                lines.push(Cow::Borrowed("  ⋮"));
            }
            for op in group {
                for line in diff.iter_changes(op) {
                    let sign = match line.tag() {
                        ChangeTag::Equal => ' ',
                        ChangeTag::Delete => '-',
                        ChangeTag::Insert => '+',
                    };
                    let text = self.mask(line.value().trim_end_matches(['\n', '\r']));
                    lines.push(Cow::Owned(format!("{sign} {}", truncate(&text))));
                }
            }
        }
        let hidden = lines.len().saturating_sub(MAX_DIFF_LINES);
        lines.truncate(MAX_DIFF_LINES);
        if hidden > 0 {
            lines.push(Cow::Owned(format!("… {} more", plural(hidden, "line"))));
        }
        let fence = "`".repeat(3.max(longest_run(lines.iter().map(AsRef::as_ref), '`') + 1));
        let _ = writeln!(out, "\n    {fence}diff");
        for line in &lines {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out, "    {fence}");
        true
    }

    /// `text` with its email addresses masked when asked to.
    fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.mask {
            mask_emails(text)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// `text` as literal text in a paragraph, list item or table cell: HTML and markdown
    /// punctuation escaped, line breaks as spaces, GitHub's `#123` links defused.
    fn plain(&self, text: &str, out: &mut String) {
        plain(&self.mask(text), out);
    }

    /// `text` as an inline code span, with enough backticks around it to hold any it
    /// contains. Not for table cells, where `|` would need escaping.
    fn code(&self, text: &str, out: &mut String) {
        let masked = self.mask(text);
        let text = truncate(&masked);
        let text = if text.contains(['\n', '\r']) {
            Cow::Owned(text.replace(['\n', '\r'], " "))
        } else {
            text
        };
        if text.is_empty() {
            out.push_str("` `");
            return;
        }
        let fence = "`".repeat(longest_run([text.as_ref()].into_iter(), '`') + 1);
        let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
            " "
        } else {
            ""
        };
        let _ = write!(out, "{fence}{pad}{text}{pad}{fence}");
    }

    /// A message in the house style, where names are in backticks: the backticked parts as
    /// code spans, the rest as plain text.
    fn message(&self, text: &str, out: &mut String) {
        let parts: Vec<&str> = text.split('`').collect();
        if parts.len().is_multiple_of(2) {
            // An unpaired backtick: all of it is plain text.
            self.plain(text, out);
            return;
        }
        for (i, part) in parts.into_iter().enumerate() {
            if i % 2 == 1 {
                self.code(part, out);
            } else {
                self.plain(part, out);
            }
        }
    }
}

/// `text` (long text shortened) as literal text in a paragraph, list item or table cell:
/// HTML and markdown punctuation escaped, line breaks as spaces, GitHub's `#123` links
/// defused.
pub(super) fn plain(text: &str, out: &mut String) {
    for c in truncate(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// `text` cut to [`MAX_TEXT_CHARS`] characters, with `…` when cut.
fn truncate(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_TEXT_CHARS {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// The longest run of `c` in any of `texts`.
fn longest_run<'t>(texts: impl Iterator<Item = &'t str>, c: char) -> usize {
    let mut longest = 0;
    for text in texts {
        let mut run = 0;
        for ch in text.chars() {
            if ch == c {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
    }
    longest
}
