//! Integration tests: the real binaries and the library's public API, one module per feature.

mod apply;
mod cli;
mod client;
mod common;
mod convergence;
mod examples;
mod fake;
mod file_modes;
mod hostile;
mod interrupt;
mod journal;
mod named;
mod output;
mod overlap;
mod pipeline;
mod plan;
mod saved_plans;
mod scenarios;
mod schema;
mod terminal;
mod validate;
