//! Errors that keep the emulator from starting or from loading or saving a state file.

use std::path::PathBuf;

/// Why the emulator could not start, load or save.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be opened.
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        /// The requested port.
        port: u16,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A state file could not be read or written.
    #[error("cannot access state file `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A state file is not valid JSON of the expected shape.
    #[error("state file `{path}` is not valid: {message}")]
    Parse {
        /// The file (or `<request>` for `PUT /__fake/state`).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A knob is set to a value it cannot take (a flag, or an in-process [`Config`]'s knobs).
    ///
    /// [`Config`]: super::Config
    #[error(transparent)]
    Knob(#[from] super::InvalidKnob),
    /// A state object breaks an invariant (duplicate email, unknown reference, …).
    #[error("invalid state: {0}")]
    State(String),
}
