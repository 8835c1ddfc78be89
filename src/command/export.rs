//! `zroster export`: fetch the live account and write it as a roster.

use std::io::Write;

use super::ExitStatus;
use super::connect::fetch;
use crate::Error;
use crate::cli::{ExportArgs, ExportScopeArg};
use crate::export::{self, ExportScope};
use crate::state::StateQuery;

pub(super) fn run(
    args: &ExportArgs,
    out: &mut dyn Write,
    _err: &mut dyn Write,
) -> Result<ExitStatus, Error> {
    let scope = match args.scope {
        ExportScopeArg::Agents => ExportScope::Agents,
        ExportScopeArg::All => ExportScope::All,
    };
    let query = StateQuery {
        manage_roles: scope.roles(),
        manage_tags: Vec::new(),
        users: Vec::new(),
        organization_memberships: true,
        group_memberships: true,
        converge_after: false,
    };
    let runtime = super::runtime()?;
    let live = runtime.block_on(fetch(args.sandbox.as_deref(), &args.connection, &query))?;
    let document = export::to_document(&live, scope);
    let cwd = std::env::current_dir().unwrap_or_default();
    let schema = export::schema_link(args.schema.as_deref(), args.out.as_deref(), &cwd);
    let yaml = export::to_yaml(&document, &schema)?;
    match &args.out {
        Some(path) => {
            crate::private_file::write(path, yaml.as_bytes()).map_err(|source| Error::Write {
                path: path.display().to_string(),
                source,
            })?;
        }
        None => super::write_out(out, yaml.as_bytes())?,
    }
    Ok(ExitStatus::Success)
}
