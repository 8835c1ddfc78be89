//! `zroster schema`: print the JSON Schema of a roster, a saved plan or an apply report.

use std::io::Write;

use crate::cli::{SchemaArgs, SchemaKind};
use crate::roster::schema;

use super::ExitStatus;
use crate::Error;

pub(super) fn run(
    args: &SchemaArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let text = match args.kind {
        SchemaKind::Roster => schema::to_json(),
        SchemaKind::Plan => crate::plan::schema_json(),
        SchemaKind::Report => crate::apply::schema_json(),
        SchemaKind::Probe => crate::probe::schema_json(),
    };
    super::write_out(out, text.as_bytes())?;
    Ok(ExitStatus::Success)
}
