//! zroster keeps a Zendesk account's users and roles in git.
//!
//! The pipeline: [`roster`] loads and validates the YAML files; `state` fetches the live
//! account; `plan` compares the two into a [`Plan`](crate::plan) of changes (pure, no I/O);
//! `render` prints a plan for people and tools, and `apply` executes it with Zendesk's bulk
//! endpoints. `fake` is a local Zendesk emulator used by the tests and the sandbox mode.
//! Library code never prints: it writes to the writers it is given.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![forbid(unsafe_code)]

pub mod apply;
pub mod cli;
pub mod command;
pub mod env_vars;
mod error;
pub mod export;
pub mod fake;
pub mod plan;
mod private_file;
pub mod probe;
pub mod render;
pub mod roster;
pub mod schema;
pub mod state;
pub mod zendesk;

pub use error::Error;
