//! Integration tests: the real binaries and the library's public API, one module per feature.

mod apply;
mod cli;
mod client;
mod common;
mod conventions;
mod convergence;
mod examples;
mod explain_drift;
mod export;
mod fake;
mod file_modes;
mod hostile;
mod interrupt;
mod journal;
mod named;
mod output;
mod overlap;
mod pipelines;
mod plan;
mod probe;
mod saved_plans;
mod scenarios;
mod schema;
mod schema_agreement;
mod terminal;
mod validate;
