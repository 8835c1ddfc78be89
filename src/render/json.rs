//! The json renderer: the plan itself, pretty-printed, as `--out` saves it.

use std::io::{self, Write};

use super::Renderer;
use crate::plan::Plan;

/// Writes the plan as pretty-printed JSON with a trailing newline.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonRenderer;

impl Renderer for JsonRenderer {
    fn render(&self, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, plan)?;
        writeln!(out)
    }
}
