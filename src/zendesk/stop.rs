//! [`Stop`]: the signal that a run must start no new write. Raised (an interrupt, a journal
//! that can no longer be written), it keeps bulk operations from submitting their next job
//! or single request; what was sent is still waited for and read.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether writes may still be started. Clones share one flag.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// From now on, no new write is started.
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Stop::raise`] was called.
    #[must_use]
    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
