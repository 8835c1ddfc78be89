//! Applying a plan: the last stage of the pipeline. [`Executor`] turns a [`crate::plan::Plan`]
//! into Zendesk writes, phase by phase ([`crate::plan::Phase`], DESIGN.md §8), and maps every
//! item's outcome back to its change in an [`ApplyReport`]; [`staleness`] checks a saved plan
//! against the live account before anything is written.
//!
//! The executor's parts: `run` keeps one run's bookkeeping, the appliers make each
//! kind of change (custom roles, organizations and groups are looked up before and after
//! they are created, so no path duplicates one), request bodies are built in one place,
//! changes whose outcome is unknown are settled by re-reading, `--resume` confirms by
//! reading what an interrupted run's journal says it did before adopting it, the
//! [`Journal`] records every event, and the convergence check re-reads what was written.
//! A run stops early, finishing what it sent, when its client's
//! [`Stop`](crate::zendesk::Stop) is raised (an interrupt) or its journal fails.

mod applier;
mod apply_report;
mod body;
mod convergence;
mod executor;
pub mod guard;
mod item_error;
mod journal;
mod names;
mod resume;
mod run;
mod settle;
pub mod staleness;

pub use apply_report::{ApplyReport, ChangeResult, INTERRUPTED, SCHEMA_PATH, Status, schema_json};
pub use convergence::{Diverged, Divergence, UserRead, UserReads};
pub use executor::Executor;
pub use item_error::ItemError;
pub use journal::{DEFAULT_DIRECTORY, Interrupted, Journal, JournalError, OpenJob};
