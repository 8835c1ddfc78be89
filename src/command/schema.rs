//! `zroster schema`: print the roster's JSON Schema.

use std::io::Write;

use crate::roster::schema;

use super::ExitStatus;

pub(super) fn run(out: &mut dyn Write, _err: &mut dyn Write) -> ExitStatus {
    // A closed pipe is not an error: the reader has what it wanted.
    let _ = out.write_all(schema::to_json().as_bytes());
    ExitStatus::Success
}
