//! The roster.
#![allow(missing_docs)]
pub mod node;

