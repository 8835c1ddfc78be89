//! Interrupts of `zapply` while it applies, and of `zroster probe` (SIGINT, SIGTERM; Ctrl-C
//! elsewhere). For zapply, the first
//! stops the run gracefully, through its client's [`Stop`]: the requests and jobs in flight
//! are finished and read, nothing more is started, the journal and `--report` are written
//! and what was and was not done is printed; the exit code is 130. A second interrupt
//! abandons the run at once (the journal, written line by line, holds what it did).
//!
//! Listening replaces the signals' default action (ending the process), so it starts only
//! when applying does: an interrupt while planning or checking still ends the process at
//! once, before anything is written.

use std::io::Write as _;

use crate::zendesk::Stop;

/// Listens for interrupts.
pub(super) struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    /// Starts listening; from now on an interrupt no longer ends the process by itself.
    pub(super) fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next interrupt (a signal that arrived since the last one counts).
    pub(super) async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }

    /// Resolves when the run must be abandoned: at the second interrupt. The first raises
    /// `stop` and says so on standard error.
    pub(super) async fn abandon(&mut self, stop: &Stop) {
        self.next().await;
        stop.raise();
        let _ = writeln!(
            std::io::stderr().lock(),
            "interrupted: finishing the requests in flight and starting nothing more; interrupt again to stop at once"
        );
        self.next().await;
    }
}
