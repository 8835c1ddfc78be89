//! `zroster export`: fetch the live account and write it as a roster.

use std::io::Write;

use super::plan::{PlanFailure, fetch};
use super::{ExitStatus, report};
use crate::cli::{ExportArgs, ExportScopeArg};
use crate::export::{self, ExportScope};
use crate::state::StateQuery;

pub(super) fn run(args: &ExportArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let scope = match args.scope {
        ExportScopeArg::Agents => ExportScope::Agents,
        ExportScopeArg::All => ExportScope::All,
    };
    let query = StateQuery {
        manage_roles: scope.roles(),
        manage_tags: Vec::new(),
        users: Vec::new(),
        organization_memberships: true,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(err, &error),
    };
    let live = match runtime.block_on(fetch(args.sandbox.as_deref(), &args.connection, &query)) {
        Ok(live) => live,
        Err(error) => return report(err, &error),
    };
    let document = export::to_document(&live, scope);
    let yaml = match export::to_yaml(&document, &args.schema) {
        Ok(yaml) => yaml,
        Err(error) => return report(err, &error),
    };
    match &args.out {
        Some(path) => {
            if let Err(source) = std::fs::write(path, yaml) {
                let error = PlanFailure::Write {
                    path: path.display().to_string(),
                    source,
                };
                return report(err, &error);
            }
        }
        None => {
            let _ = out.write_all(yaml.as_bytes());
        }
    }
    ExitStatus::Success
}
