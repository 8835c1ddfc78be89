//! Settings of one emulator instance: where it listens, who may log in, and the knobs that
//! shape its behaviour (latency, limits, job speed, plan, fault injection).

use serde::{Deserialize, Serialize};

use super::state_file::{AccountSettings, StateFile};

/// The Zendesk plan the emulated account is on; custom-role writes need Enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Enterprise: custom roles can be created, updated and deleted.
    #[default]
    Enterprise,
    /// Professional: custom roles are read-only (writes answer 403).
    Professional,
}

/// Behaviour knobs, settable by flags and by the state file's `account` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knobs {
    /// Delay added before every API answer, in milliseconds.
    pub latency_ms: u64,
    /// Account-wide requests per wall-clock minute.
    pub rate_limit: u32,
    /// Requests a minute to `PUT /users/{id}` and `create_or_update` for one user.
    pub user_update_rate_limit: u32,
    /// Requests a minute to the incremental export.
    pub incremental_rate_limit: u32,
    /// Length of the rate-limit windows in seconds: 60 like Zendesk (aligned to wall-clock
    /// minutes); tests that must not straddle a window make it long.
    pub rate_limit_window_s: u64,
    /// Bulk job items processed per second (per job); 0 pauses the job worker.
    pub job_items_per_second: f64,
    /// Queued plus running jobs allowed at once; one more answers 429.
    pub max_jobs: usize,
    /// Seconds a job status stays readable after its creation.
    pub job_ttl_s: u64,
    /// Whether `create_many` / `create_or_update_many` of users are allowed (403 otherwise).
    pub bulk_imports: bool,
    /// The account's plan.
    pub plan: Plan,
    /// Share of API requests answered with a 500 or 503.
    pub fault_5xx: f64,
    /// Share of API requests answered with a 429.
    pub fault_429: f64,
    /// Share of API requests whose connection is closed without an answer.
    pub fault_drop: f64,
    /// Share of bulk job items that fail.
    pub fault_item: f64,
    /// Share of bulk jobs that end `failed` half-way.
    pub fault_job_failed: f64,
    /// Share of bulk jobs that end `killed` half-way.
    pub fault_job_killed: f64,
    /// Seed of the fault and id generator.
    pub fault_seed: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            rate_limit: 700,
            user_update_rate_limit: 5,
            incremental_rate_limit: 10,
            rate_limit_window_s: 60,
            job_items_per_second: 50.0,
            max_jobs: 30,
            job_ttl_s: 3600,
            bulk_imports: true,
            plan: Plan::Enterprise,
            fault_5xx: 0.0,
            fault_429: 0.0,
            fault_drop: 0.0,
            fault_item: 0.0,
            fault_job_failed: 0.0,
            fault_job_killed: 0.0,
            fault_seed: 0,
        }
    }
}

impl Knobs {
    /// Overrides every knob that `settings` sets.
    pub fn apply(&mut self, settings: &AccountSettings) {
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(v) = settings.$field.clone() { self.$field = v; } )* };
        }
        take!(
            latency_ms,
            rate_limit,
            user_update_rate_limit,
            incremental_rate_limit,
            rate_limit_window_s,
            job_items_per_second,
            max_jobs,
            job_ttl_s,
            bulk_imports,
            plan,
            fault_5xx,
            fault_429,
            fault_drop,
            fault_item,
            fault_job_failed,
            fault_job_killed,
            fault_seed
        );
    }

    /// The knobs as a fully populated `account` object of the state file.
    #[must_use]
    pub fn to_settings(&self) -> AccountSettings {
        AccountSettings {
            plan: Some(self.plan),
            bulk_imports: Some(self.bulk_imports),
            rate_limit: Some(self.rate_limit),
            user_update_rate_limit: Some(self.user_update_rate_limit),
            incremental_rate_limit: Some(self.incremental_rate_limit),
            rate_limit_window_s: Some(self.rate_limit_window_s),
            latency_ms: Some(self.latency_ms),
            job_items_per_second: Some(self.job_items_per_second),
            max_jobs: Some(self.max_jobs),
            job_ttl_s: Some(self.job_ttl_s),
            fault_5xx: Some(self.fault_5xx),
            fault_429: Some(self.fault_429),
            fault_drop: Some(self.fault_drop),
            fault_item: Some(self.fault_item),
            fault_job_failed: Some(self.fault_job_failed),
            fault_job_killed: Some(self.fault_job_killed),
            fault_seed: Some(self.fault_seed),
        }
    }
}

/// Everything [`Server::start`](super::Server::start) needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Email of the admin that API tokens authenticate as.
    pub email: String,
    /// API token (`Basic {email}/token:{token}`).
    pub token: String,
    /// OAuth access token accepted as `Bearer {oauth_token}`.
    pub oauth_token: String,
    /// Behaviour knobs; the seed's `account` object has already been applied by the caller.
    pub knobs: Knobs,
    /// Initial state.
    pub seed: StateFile,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 0,
            email: "admin@example.com".to_owned(),
            token: "fake-token".to_owned(),
            oauth_token: "fake-oauth-token".to_owned(),
            knobs: Knobs::default(),
            seed: StateFile::default(),
        }
    }
}
