//! Seeded fault injection: 5xx answers, 429s, dropped connections, failed job items and
//! failed or killed jobs, at configured rates. The same seed gives the same faults.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::Knobs;
use super::job_status::JobFate;

/// What to do to one API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer normally.
    None,
    /// Answer 429 without effect.
    TooManyRequests,
    /// Answer this 5xx; `applied` says whether the request took effect first.
    ServerError { status: u16, applied: bool },
    /// Close the connection without answering; `applied` as above.
    Drop { applied: bool },
}

/// The seeded random source of faults (and of job ids).
#[derive(Debug)]
pub(crate) struct FaultInjector {
    rng: StdRng,
    /// Mixed into job ids, so that ids never repeat across restarts of the emulator (the
    /// seed alone would repeat them; the faults themselves stay the seed's).
    salt: u64,
}

impl FaultInjector {
    /// A generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            salt: rand::random(),
        }
    }

    fn hit(&mut self, rate: f64) -> bool {
        rate > 0.0 && self.rng.random::<f64>() < rate
    }

    /// Draws the fault for one request.
    pub(crate) fn request(&mut self, knobs: &Knobs) -> Fault {
        if self.hit(knobs.fault_drop) {
            return Fault::Drop {
                applied: self.rng.random(),
            };
        }
        if self.hit(knobs.fault_5xx) {
            let status = if self.rng.random() { 503 } else { 500 };
            return Fault::ServerError {
                status,
                applied: self.rng.random(),
            };
        }
        if self.hit(knobs.fault_429) {
            return Fault::TooManyRequests;
        }
        Fault::None
    }

    /// Draws the fate of a job and which of its `n` items fail.
    pub(crate) fn job(&mut self, knobs: &Knobs, n: usize) -> (JobFate, Vec<bool>) {
        let fate = if self.hit(knobs.fault_job_failed) {
            JobFate::Fail
        } else if self.hit(knobs.fault_job_killed) {
            JobFate::Kill
        } else {
            JobFate::Complete
        };
        let faults = (0..n).map(|_| self.hit(knobs.fault_item)).collect();
        (fate, faults)
    }

    /// A job id like Zendesk's: `V3-` and 32 hex digits.
    pub(crate) fn job_id(&mut self) -> String {
        let a: u64 = self.rng.random::<u64>() ^ self.salt;
        let b: u64 = self.rng.random();
        format!("V3-{a:016x}{b:016x}")
    }
}
