//! The human renderer: a plan for someone at a terminal. Refusals and errors first, then
//! privilege escalations, then the changes grouped by action (`+` create, `~` change,
//! `-` delete, `!` blocked) with field-level `old → new` and line diffs for multi-line
//! text, then drift and a one-line summary.

use std::fmt::{self, Write as _};
use std::io::{self, Write};

use similar::{ChangeTag, TextDiff};

use super::mask::mask_emails;
use super::{
    NO_CHANGES, RenderOptions, Renderer, by_action, drift, is_membership, is_multiline, is_quiet,
    kind_name, section_title, shown_key, summary_sentence,
};
use crate::plan::{Action, Change, FieldChange, Plan};

/// Lines of unchanged text shown around each change in a line diff.
const DIFF_CONTEXT: usize = 3;

/// Writes a plan for people: coloured with ANSI escapes when `options.color`, never
/// otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HumanRenderer {
    /// Colour and masking.
    pub(crate) options: RenderOptions,
}

impl Renderer for HumanRenderer {
    fn render(&self, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
        // Built in memory and written once: one write to a slow terminal or pipe, and
        // masking sees whole lines.
        let mut text = String::new();
        Human {
            color: self.options.color,
            out: &mut text,
        }
        .plan(plan)
        .map_err(io::Error::other)?;
        if self.options.mask_emails {
            out.write_all(mask_emails(&text).as_bytes())
        } else {
            out.write_all(text.as_bytes())
        }
    }
}

/// An ANSI style.
#[derive(Debug, Clone, Copy)]
enum Style {
    /// Section headings.
    Bold,
    /// `+` and added lines.
    Green,
    /// `~`.
    Yellow,
    /// `-` and removed lines.
    Red,
    /// `!`, `Refused`, `error:` and `blocked:`.
    BoldRed,
    /// `note:`.
    Dim,
}

impl Style {
    /// The SGR parameters of the style.
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Red => "31",
            Style::BoldRed => "1;31",
            Style::Dim => "2",
        }
    }
}

/// One rendering in progress.
struct Human<'o> {
    /// Whether to write ANSI escapes.
    color: bool,
    /// The text so far.
    out: &'o mut String,
}

impl Human<'_> {
    /// Writes `text` in `style` when colouring.
    fn paint(&mut self, style: Style, text: &str) -> fmt::Result {
        if self.color {
            write!(self.out, "\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            self.out.push_str(text);
            Ok(())
        }
    }

    /// The whole plan, or the one "no changes" line.
    fn plan(&mut self, plan: &Plan) -> fmt::Result {
        if is_quiet(plan) {
            return writeln!(self.out, "{NO_CHANGES}");
        }
        let mut gap = false;
        for refusal in &plan.refusals {
            self.paint(Style::BoldRed, "Refused")?;
            let overridable = if refusal.overridable {
                "`--allow-mass-changes` overrides this"
            } else {
                "`--allow-mass-changes` cannot override this"
            };
            write!(self.out, " by `{}`: ", refusal.rule)?;
            if let Some(source) = &refusal.source {
                write!(self.out, "{}: ", source.file_line())?;
            }
            writeln!(self.out, "{} ({overridable})", refusal.message)?;
            gap = true;
        }
        for error in &plan.errors {
            self.paint(Style::BoldRed, "error:")?;
            writeln!(self.out, " {}: {}", error.source, error.message)?;
            gap = true;
        }
        for note in &plan.notes {
            self.paint(Style::Bold, "note:")?;
            writeln!(self.out, " {note}")?;
            gap = true;
        }

        // What the pull request asks for: every change but those that revert drift, which
        // follow in a section of their own.
        let asked: Vec<(usize, &Change)> = plan
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| !drift::reverts(plan, *i))
            .collect();
        let escalations: Vec<&Change> = asked
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| c.escalation.is_some())
            .collect();
        if !escalations.is_empty() {
            self.heading(&mut gap, "Privilege escalations")?;
            for change in escalations {
                self.headline(change)?;
                writeln!(
                    self.out,
                    ": {}",
                    change.escalation.as_deref().unwrap_or_default()
                )?;
            }
        }

        let explained = plan.drift_explanation.is_some();
        // Each change's place in the plan, for its attributions (only when explained).
        let positions: std::collections::HashMap<*const Change, usize> = if explained {
            asked
                .iter()
                .map(|(i, c)| (std::ptr::from_ref(*c), *i))
                .collect()
        } else {
            std::collections::HashMap::new()
        };
        let index = |change: &Change| {
            positions
                .get(&std::ptr::from_ref(change))
                .copied()
                .unwrap_or_default()
        };
        for (action, changes) in by_action(asked.iter().map(|(_, c)| *c)) {
            self.heading(&mut gap, section_title(action))?;
            for change in changes {
                self.change(change)?;
                if explained {
                    self.attributions(&drift::lines(plan, index(change)))?;
                }
            }
        }

        let reverting: Vec<(usize, &Change)> = plan
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| drift::reverts(plan, *i))
            .collect();
        if !reverting.is_empty() {
            self.heading(
                &mut gap,
                "Reverts drift (changed in Zendesk outside the roster; the roster is unchanged)",
            )?;
            for (i, change) in reverting {
                self.change(change)?;
                if let Some(escalation) = &change.escalation {
                    writeln!(self.out, "      escalation: {escalation}")?;
                }
                self.attributions(&drift::lines(plan, i))?;
            }
        }

        if !plan.expiring.is_empty() {
            self.heading(&mut gap, "Expiring soon")?;
            for entry in &plan.expiring {
                write!(self.out, "  * user: {}", entry.label)?;
                if entry.key.kind() == "external_id" {
                    write!(self.out, " [{}]", entry.key)?;
                }
                write!(self.out, " ({})", entry.source.file_line())?;
                let sentence = super::expiring::sentence(entry, &plan.made_at);
                writeln!(self.out, ": {}", sentence.replace('`', ""))?;
            }
        }

        if !plan.drift.is_empty() {
            self.heading(
                &mut gap,
                "Not in the roster (prune: report), left as they are",
            )?;
            for drift in &plan.drift {
                let user = &drift.user;
                match &user.email {
                    Some(email) => write!(self.out, "  ? {} <{email}>", user.name)?,
                    None => write!(self.out, "  ? {} (#{})", user.name, user.id)?,
                }
                writeln!(self.out, ", {}", drift.role)?;
                if let Some(line) = drift::user_line(plan, user.id) {
                    self.attributions(&[line])?;
                }
            }
        }

        if gap {
            self.out.push('\n');
        }
        writeln!(self.out, "Plan: {}.", summary_sentence(plan))
    }

    /// `      audit log: role: changed by …`, one line each.
    fn attributions(&mut self, lines: &[String]) -> fmt::Result {
        for line in lines {
            self.out.push_str("      ");
            self.paint(Style::Dim, "audit log:")?;
            writeln!(self.out, " {line}")?;
        }
        Ok(())
    }

    /// A section heading, after a blank line when something came before.
    fn heading(&mut self, gap: &mut bool, title: &str) -> fmt::Result {
        if *gap {
            self.out.push('\n');
        }
        *gap = true;
        self.paint(Style::Bold, title)?;
        self.out.push_str(":\n");
        Ok(())
    }

    /// `  + user: Jane Smith <jane@acme.com> [external_id:emp-1] (roster.yaml:3)`, without
    /// the line break.
    fn headline(&mut self, change: &Change) -> fmt::Result {
        let (symbol, style) = if change.blocked.is_some() {
            ("!", Style::BoldRed)
        } else {
            match change.action.symbol() {
                "+" => ("+", Style::Green),
                "-" => ("-", Style::Red),
                other => (other, Style::Yellow),
            }
        };
        self.out.push_str("  ");
        self.paint(style, symbol)?;
        write!(self.out, " {}: {}", kind_name(change.kind), change.label)?;
        if is_membership(change) {
            write!(
                self.out,
                " → {}",
                change.target.as_deref().unwrap_or_default()
            )?;
        } else if let Some(key) = shown_key(change) {
            write!(self.out, " [{key}]")?;
        }
        match &change.source {
            Some(source) => write!(self.out, " ({})", source.file_line()),
            None => self.out.write_str(" (not in the roster)"),
        }
    }

    /// A change: its headline, why it is blocked, and its fields.
    fn change(&mut self, change: &Change) -> fmt::Result {
        self.headline(change)?;
        self.out.push('\n');
        if let Some(reason) = &change.blocked {
            self.out.push_str("      ");
            self.paint(Style::BoldRed, "blocked:")?;
            writeln!(self.out, " {reason}; not applied")?;
        }
        for field in &change.fields {
            self.field(change.action, field)?;
        }
        for note in &change.notes {
            self.out.push_str("      ");
            self.paint(Style::Dim, "note:")?;
            writeln!(self.out, " {note}")?;
        }
        Ok(())
    }

    /// `      name: "Old" → "New"`, only the new value for a creation, or a line diff.
    fn field(&mut self, action: Action, field: &FieldChange) -> fmt::Result {
        if is_multiline(field) && self.line_diff(field)? {
            return Ok(());
        }
        if action == Action::Create {
            writeln!(self.out, "      {}: {}", field.field, field.after)
        } else {
            writeln!(
                self.out,
                "      {}: {} → {}",
                field.field, field.before, field.after
            )
        }
    }

    /// A multi-line text field as `-`/`+` lines with a little context; false when the two
    /// texts differ in no line (left to the one-line form).
    fn line_diff(&mut self, field: &FieldChange) -> Result<bool, fmt::Error> {
        let before = field.before.as_text().unwrap_or_default();
        let after = field.after.as_text().unwrap_or_default();
        let diff = TextDiff::from_lines(before, after);
        let groups = diff.grouped_ops(DIFF_CONTEXT);
        if groups.is_empty() {
            return Ok(false);
        }
        writeln!(self.out, "      {}:", field.field)?;
        for (i, group) in groups.iter().enumerate() {
            if i > 0 {
                self.out.push_str("        ⋮\n");
            }
            for op in group {
                for line in diff.iter_changes(op) {
                    let text = line.value().trim_end_matches(['\n', '\r']);
                    self.out.push_str("        ");
                    match line.tag() {
                        ChangeTag::Equal => write!(self.out, "  {text}")?,
                        ChangeTag::Delete => self.paint(Style::Red, &format!("- {text}"))?,
                        ChangeTag::Insert => self.paint(Style::Green, &format!("+ {text}"))?,
                    }
                    self.out.push('\n');
                }
            }
        }
        Ok(true)
    }
}
