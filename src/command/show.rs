//! `zroster show PLAN`: a saved plan rendered again, in any format (Terraform's `show`), so
//! that a pipeline can write the plan once with `zplan --out` and show it as markdown for
//! the pull request and as text for the job log. Reads only the file: no account, no
//! roster.

use std::io::Write;

use super::ExitStatus;
use crate::Error;
use crate::apply::staleness::Refusal;
use crate::cli::ShowArgs;

pub(super) fn run(
    args: &ShowArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let mut plan = super::apply::read_plan(&args.plan)?
        .map_err(|found| Error::from(Refusal::FormatVersion { found }))?;
    // What is shown is what zapply would apply: an edited plan is refused here as there.
    if !plan.is_sealed() {
        return Err(Refusal::unsealed().into());
    }
    super::plan::render_plan(&plan, args.format, args.color, args.mask_emails, out)?;
    Ok(ExitStatus::Success)
}
