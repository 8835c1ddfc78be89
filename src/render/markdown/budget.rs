//! The markdown renderer's budget: a comment is a list of sections, fixed text around
//! entries; when the whole would pass [`MAX_CHARS`](super::MAX_CHARS), each section keeps
//! a prefix of its entries, shared out by weight, and says how many it leaves out.

use std::fmt::Write as _;

use super::Entry;
use crate::render::count;

/// Characters kept free below [`MAX_CHARS`](super::MAX_CHARS) for the note that says what is left out.
pub(super) const FOOTER_RESERVE: usize = 300;

/// Characters kept free per section for its `… and 12,345 more not shown` line.
pub(super) const NOTE_RESERVE: usize = 80;

/// The budget weight of refusals and errors, escalations and blocked changes; other
/// sections weigh 1.
pub(super) const PRIORITY_WEIGHT: usize = 3;

/// A part of the comment: fixed text around a list of entries, some of which may be left
/// out to stay under [`MAX_CHARS`](super::MAX_CHARS).
pub(super) struct Section<'p> {
    /// Text before the entries.
    pub(super) open: String,
    /// Everything the section lists.
    pub(super) entries: Vec<Entry<'p>>,
    /// Text after the entries.
    pub(super) close: String,
    /// What starts the `… and N more not shown` line: a list item, or a blank line after a
    /// table.
    pub(super) note_prefix: &'static str,
    /// Whether entries left out count as changes in the closing note.
    pub(super) lists_changes: bool,
    /// Whether the section is shown when it has no entries.
    pub(super) always: bool,
    /// Its claim on the budget relative to other sections: refusals and errors,
    /// escalations and blocked changes matter more than the long tail of routine changes.
    pub(super) weight: usize,
    /// Entries rendered so far, in order, no more than fit the whole budget.
    pub(super) rendered: Vec<String>,
    /// Their lengths in characters.
    pub(super) sizes: Vec<usize>,
    /// How many of the rendered entries are shown.
    pub(super) shown: usize,
}

impl<'p> Section<'p> {
    /// A section of weight 1 listing its entries as list items.
    pub(super) fn new(open: String, entries: Vec<Entry<'p>>, close: &str) -> Self {
        Section {
            open,
            entries,
            close: close.to_owned(),
            note_prefix: "- ",
            lists_changes: false,
            always: false,
            weight: 1,
            rendered: Vec::new(),
            sizes: Vec::new(),
            shown: 0,
        }
    }

    /// Whether the section is part of the comment.
    pub(super) fn is_shown(&self) -> bool {
        self.always || !self.entries.is_empty()
    }
}

/// Decides how many rendered entries each section shows so that all of them fit `budget`:
/// sections that fit their share (by weight) are shown whole, and what they leave over is
/// shared among the larger ones (weighted max-min fairness), so a long section never
/// crowds out a short one. Each section keeps a prefix of its entries.
pub(super) fn allot(sections: &mut [Section], budget: usize) {
    let totals: Vec<usize> = sections
        .iter()
        .map(|s| {
            if s.rendered.len() < s.entries.len() {
                usize::MAX
            } else {
                s.sizes.iter().sum()
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..sections.len())
        .filter(|&i| !sections[i].entries.is_empty())
        .collect();
    order.sort_by_key(|&i| totals[i] / sections[i].weight);
    let mut remaining = budget;
    let mut weights: usize = order.iter().map(|&i| sections[i].weight).sum();
    for i in order {
        let share = remaining * sections[i].weight / weights;
        let mut used = 0;
        let mut shown = 0;
        for size in &sections[i].sizes {
            if used + size > share {
                break;
            }
            used += size;
            shown += 1;
        }
        sections[i].shown = shown;
        remaining -= used;
        weights -= sections[i].weight;
    }
}

/// The comment: each shown section with its allotted entries, notes for what is left
/// out.
pub(super) fn write_sections(sections: &[Section]) -> String {
    let mut out = String::new();
    let mut hidden_changes = 0;
    let mut hidden_other = 0;
    for section in sections.iter().filter(|s| s.is_shown()) {
        out.push_str(&section.open);
        for text in &section.rendered[..section.shown] {
            out.push_str(text);
        }
        let hidden = section.entries.len() - section.shown;
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{}… and {} more not shown",
                section.note_prefix,
                count(hidden)
            );
            if section.lists_changes {
                hidden_changes += hidden;
            } else {
                hidden_other += hidden;
            }
        }
        out.push_str(&section.close);
    }
    if hidden_changes > 0 {
        let _ = writeln!(
            out,
            "… and {} more {} not shown; run `zplan` locally or see the JSON plan \
             (`--format json`).",
            count(hidden_changes),
            if hidden_changes == 1 {
                "change"
            } else {
                "changes"
            }
        );
    } else if hidden_other > 0 {
        out.push_str(
            "Some entries are not shown; run `zplan` locally or see the JSON plan \
             (`--format json`).\n",
        );
    }
    out
}
