//! Applying a plan: the last stage of the pipeline. [`Executor`] turns a [`crate::plan::Plan`]
//! into Zendesk writes in the order of DESIGN.md §8 and maps every item's outcome back to its
//! change in an [`ApplyReport`]; [`staleness`] checks a saved plan against the live account
//! before anything is written.

mod apply_report;
mod convergence;
mod executor;
mod journal;
pub mod staleness;

pub use apply_report::{ApplyReport, ChangeResult, SCHEMA_PATH, Status, schema_json};
pub use convergence::{Diverged, Divergence};
pub use executor::Executor;
pub use journal::{Interrupted, Journal, JournalError, OpenJob};
