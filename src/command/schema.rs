//! `zroster schema`: print the JSON Schema of a roster, a saved plan or an apply report.

use std::io::Write;

use crate::cli::{SchemaArgs, SchemaKind};
use crate::roster::schema;

use super::ExitStatus;

pub(super) fn run(args: &SchemaArgs, out: &mut dyn Write, _err: &mut dyn Write) -> ExitStatus {
    let text = match args.kind {
        SchemaKind::Roster => schema::to_json(),
        SchemaKind::Plan => crate::plan::schema_json(),
        SchemaKind::Report => crate::apply::schema_json(),
    };
    // A closed pipe is not an error: the reader has what it wanted.
    let _ = out.write_all(text.as_bytes());
    ExitStatus::Success
}
