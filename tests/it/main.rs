//! Integration tests: the real binaries and the library's public API, one module per feature.

mod apply;
mod cli;
mod client;
mod common;
mod conventions;
mod convergence;
mod examples;
mod export;
mod fake;
mod file_modes;
mod guard;
mod hostile;
mod interrupt;
mod journal;
mod named;
mod output;
mod pipelines;
mod plan;
mod saved_plans;
mod scenarios;
mod schema;
mod schema_agreement;
mod terminal;
mod validate;
