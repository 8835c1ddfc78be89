//! `zroster probe`: learns how a real account behaves where zroster's knowledge is a
//! documented assumption or a choice (API.md §12 "UNCERTAIN"), with a bounded, journaled,
//! self-cleaning run of small experiments on users, organizations and groups of its own
//! (and a bounded wait for the search index), and reports each assumption
//! as holding, differing or undecided ([`ProbeReport`]), which `zroster fake
//! --account-report` turns into the emulator's knobs.
//!
//! Safety: every object it creates is a user, organization or group named (users also
//! addressed and keyed) under a fresh `zroster-probe-<random>` prefix; it writes to nothing
//! else. Each creation is journaled before it is asked for ([`journal`]); [`cleanup`]
//! deletes them (users then for good) and reads them back. Requests are held to a budget
//! ([`REQUEST_BUDGET`]).

mod cleanup;
mod exchange;
mod experiments;
pub mod journal;
mod record;
pub mod report;

use std::path::PathBuf;
use std::sync::Arc;

pub use cleanup::cleanup;
pub use report::{Finding, ProbeReport, ProbedAccount, SCHEMA_PATH, Verdict, schema_json};

use crate::zendesk::{ConnectionSettings, Observer, ZendeskError};
use exchange::Exchanger;
use experiments::Run;

/// The requests the experiments may send at most.
pub const EXPERIMENT_BUDGET: u32 = 80;
/// The requests kept for the cleanup and its check, on top of the experiments'.
pub const CLEANUP_BUDGET: u32 = 50;
/// Every request of a run at most.
pub const REQUEST_BUDGET: u32 = EXPERIMENT_BUDGET + CLEANUP_BUDGET;

/// Why a probe stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A request failed (the connection, the deadline, the credentials).
    #[error(transparent)]
    Zendesk(#[from] ZendeskError),
    /// The journal could not be written or read.
    #[error("cannot write or read the probe journal `{path}`")]
    Journal {
        /// The journal.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file given to `--cleanup` is no probe journal.
    #[error("`{path}` is not a probe journal")]
    NotAJournal {
        /// The file.
        path: String,
    },
    /// The journal is of another account than the one connected to.
    #[error("the journal is of `{journal}`, not of `{connected}`")]
    OtherAccount {
        /// The journal's account.
        journal: String,
        /// The connected account.
        connected: String,
    },
    /// The request budget is spent.
    #[error("the probe's budget of {budget} requests is spent")]
    Budget {
        /// The budget.
        budget: u32,
    },
    /// An experiment failed: the run stopped there, and the cleanup ran.
    #[error("{error}; the probe stopped there, and its cleanup {cleanup}")]
    Stopped {
        /// What stopped the experiments.
        error: Box<ProbeError>,
        /// What the cleanup did, for people.
        cleanup: String,
    },
    /// The credentials are not an admin's: the experiments need an admin.
    #[error("the probe needs an admin's credentials")]
    NotAdmin,
    /// Run from a script without `--yes-this-writes`, or the question was not answered yes.
    #[error(
        "not probing without confirmation: pass `--yes-this-writes` to let the probe create and remove its own users"
    )]
    NotConfirmed,
    /// The report given to `zroster fake --account-report` cannot be read.
    #[error("cannot read the probe report `{path}`: {reason}")]
    ReadReport {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// The experiments, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Experiment {
    /// The plan, from `GET /custom_roles`.
    Plan,
    /// The account's rate limit, from the headers.
    RateLimit,
    /// `settings.user.tagging`.
    UserTagging,
    /// `settings.user.multiple_organizations`.
    MultipleOrganizations,
    /// The default group.
    DefaultGroup,
    /// `create_or_update_many` of one user.
    BulkImports,
    /// A promoted end user and the default group.
    PromotedAgentJoinsDefaultGroup,
    /// The role an agent without one gets.
    NewAgentRole,
    /// `custom_role_id: null` on an agent.
    CustomRoleNull,
    /// A `user_fields` key no field defines.
    UndefinedUserField,
    /// `create_or_update` with keys of two users.
    CreateOrUpdatePrefers,
    /// How long `users/search` takes to find a new user.
    SearchLag,
    /// How far `users/search` pages.
    UsersSearchCap,
    /// `organization_id` set to another organization, one organization a user.
    OrganizationIdChange,
    /// A write of `tags` while user tagging is off.
    TagsWithoutTagging,
    /// `verified: true` written to an existing user.
    VerifiedWrite,
    /// An agent's last group membership removed.
    LastGroupMembership,
}

impl Experiment {
    /// Every experiment.
    pub const ALL: [Experiment; 17] = [
        Experiment::Plan,
        Experiment::RateLimit,
        Experiment::UserTagging,
        Experiment::MultipleOrganizations,
        Experiment::DefaultGroup,
        Experiment::BulkImports,
        Experiment::PromotedAgentJoinsDefaultGroup,
        Experiment::NewAgentRole,
        Experiment::CustomRoleNull,
        Experiment::UndefinedUserField,
        Experiment::CreateOrUpdatePrefers,
        Experiment::SearchLag,
        Experiment::UsersSearchCap,
        Experiment::OrganizationIdChange,
        Experiment::TagsWithoutTagging,
        Experiment::VerifiedWrite,
        Experiment::LastGroupMembership,
    ];

    /// Its name in the report (the knob's, where the emulator has one).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Experiment::Plan => "plan",
            Experiment::RateLimit => "rate_limit",
            Experiment::UserTagging => "user_tagging",
            Experiment::MultipleOrganizations => "multiple_organizations",
            Experiment::DefaultGroup => "default_group",
            Experiment::BulkImports => "bulk_imports",
            Experiment::PromotedAgentJoinsDefaultGroup => "promoted_agent_joins_default_group",
            Experiment::NewAgentRole => "new_agent_role",
            Experiment::CustomRoleNull => "custom_role_null",
            Experiment::UndefinedUserField => "undefined_user_field",
            Experiment::CreateOrUpdatePrefers => "create_or_update_prefers",
            Experiment::SearchLag => "search_lag_s",
            Experiment::UsersSearchCap => "users_search_cap",
            Experiment::OrganizationIdChange => "organization_id_change",
            Experiment::TagsWithoutTagging => "tags_without_tagging",
            Experiment::VerifiedWrite => "verified_write",
            Experiment::LastGroupMembership => "last_group_membership",
        }
    }

    /// What zroster and its emulator assume.
    #[must_use]
    pub fn assumption(self) -> &'static str {
        match self {
            Experiment::Plan => "Enterprise: custom roles exist and every agent holds one",
            Experiment::RateLimit => {
                "the plan's documented limit (700 a minute on Enterprise, 400 on Growth and Professional, 200 on Team)"
            }
            Experiment::UserTagging => "user tagging is off (a fresh account)",
            Experiment::MultipleOrganizations => "one organization a user (a fresh account)",
            Experiment::DefaultGroup => "the account has a default group",
            Experiment::BulkImports => {
                "bulk user imports are off (Zendesk enables them on request)"
            }
            Experiment::PromotedAgentJoinsDefaultGroup => {
                "an end user made an agent joins the default group, like a new agent"
            }
            Experiment::NewAgentRole => "an agent made without a role gets `Staff`",
            Experiment::CustomRoleNull => "`custom_role_id: null` on an agent is refused (422)",
            Experiment::UndefinedUserField => {
                "a `user_fields` key no field defines is ignored, not refused"
            }
            Experiment::CreateOrUpdatePrefers => {
                "`create_or_update` matches by external id before email"
            }
            Experiment::SearchLag => {
                "`users/search` finds a new user within 3 s (the emulator's lag; zplan reads users changed in the last 15 minutes from the export)"
            }
            Experiment::UsersSearchCap => {
                "`users/search` pages up to 10,000 records like any offset listing, not 1,000 like `/search`"
            }
            Experiment::OrganizationIdChange => {
                "with one organization a user, setting another `organization_id` moves the user"
            }
            Experiment::TagsWithoutTagging => {
                "with user tagging off, written `tags` are ignored (not refused) and answers leave them out"
            }
            Experiment::VerifiedWrite => "`verified: true` verifies an existing user",
            Experiment::LastGroupMembership => {
                "removing an agent's last group membership is refused (422)"
            }
        }
    }

    /// What it writes, for the plan printed before the run.
    #[must_use]
    pub fn writes(self) -> &'static str {
        match self {
            Experiment::Plan
            | Experiment::RateLimit
            | Experiment::UserTagging
            | Experiment::MultipleOrganizations
            | Experiment::DefaultGroup => "reads only",
            Experiment::BulkImports => {
                "one end user through `create_or_update_many` (when allowed)"
            }
            Experiment::PromotedAgentJoinsDefaultGroup => {
                "one end user, made an agent (takes an agent seat until the cleanup)"
            }
            Experiment::NewAgentRole => "reads that agent (Enterprise)",
            Experiment::CustomRoleNull => "sets that agent's `custom_role_id` to null (Enterprise)",
            Experiment::UndefinedUserField => "writes an undefined `user_fields` key to that agent",
            Experiment::CreateOrUpdatePrefers => {
                "two end users, then one `create_or_update` naming both"
            }
            Experiment::SearchLag => "one end user, then up to 11 `users/search` within a minute",
            Experiment::UsersSearchCap => {
                "reads only: two searches for that user's address, past 1,000 and 10,000 results"
            }
            Experiment::OrganizationIdChange => {
                "two organizations, set in turn as that user's `organization_id` (one organization a user)"
            }
            Experiment::TagsWithoutTagging => "writes a tag to that user (user tagging off)",
            Experiment::VerifiedWrite => "writes `verified: true` to that user",
            Experiment::LastGroupMembership => {
                "one group, one agent in it only (an agent seat until the cleanup), then removes that membership"
            }
        }
    }
}

/// How a run is made.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// The prefix of everything it creates.
    pub prefix: String,
    /// The domain of the addresses it creates.
    pub domain: String,
    /// The journal to write.
    pub journal: PathBuf,
    /// Test only: the base URL of a `zroster fake` whose clock the bounded waits move
    /// forward instead of sleeping ([`crate::env_vars::ZROSTER_TEST_PROBE_FAKE_CLOCK`]).
    pub fake_clock: Option<String>,
}

impl ProbeSettings {
    /// A fresh `zroster-probe-<random>` prefix.
    #[must_use]
    pub fn new_prefix() -> String {
        format!("zroster-probe-{:08x}", rand::random::<u32>())
    }
}

/// What a run produced: the report and the exchanges for `--record`.
#[derive(Debug)]
pub struct Outcome {
    /// The report.
    pub report: ProbeReport,
    /// The recordings, one per experiment, in the format of `zendesk/recorded/`.
    pub recordings: Vec<(String, serde_json::Value)>,
}

/// Runs every experiment, then the cleanup (which also runs when an experiment fails, and
/// whose failure wins over the experiment's), and reports.
pub async fn run(
    connection: ConnectionSettings,
    observer: Arc<dyn Observer>,
    settings: &ProbeSettings,
) -> Result<Outcome, ProbeError> {
    let mut x = Exchanger::new(connection, observer, EXPERIMENT_BUDGET)?;
    let account = x.account();
    let mut journal = journal::Journal::create(&settings.journal, &account, &settings.prefix)?;
    let mut run = Run::new(&x, &mut journal, &settings.prefix, &settings.domain);
    run.fake_clock.clone_from(&settings.fake_clock);
    let experimented = async {
        x_begin(&run, "settings");
        run.settings().await?;
        x_begin(&run, "bulk_imports");
        run.bulk_imports().await?;
        x_begin(&run, "promotion");
        run.promotion().await?;
        x_begin(&run, "undefined_user_field");
        run.undefined_user_field().await?;
        x_begin(&run, "create_or_update_prefers");
        run.create_or_update_prefers().await?;
        x_begin(&run, "search_lag_s");
        run.search_lag().await?;
        x_begin(&run, "users_search_cap");
        run.users_search_cap().await?;
        x_begin(&run, "organization_id_change");
        run.organization_id_change().await?;
        x_begin(&run, "tags_without_tagging");
        run.tags_without_tagging().await?;
        x_begin(&run, "verified_write");
        run.verified_write().await?;
        x_begin(&run, "last_group_membership");
        run.last_group_membership().await
    }
    .await;
    let (findings, settled) = (run.findings, run.settled);
    x.allow(CLEANUP_BUDGET);
    x.begin("cleanup");
    let left = journal::read(&settings.journal)?;
    let cleaned = cleanup::remove(&x, &mut journal, &left).await;
    if let Err(error) = experimented {
        return Err(ProbeError::Stopped {
            error: Box::new(error),
            cleanup: cleaned.summary_with_retry(&settings.journal),
        });
    }
    let report = ProbeReport {
        format_version: 2,
        account,
        prefix: settings.prefix.clone(),
        requests: x.sent(),
        budget: REQUEST_BUDGET,
        findings,
        account_settings: settled,
        cleanup: cleaned,
    };
    let recordings = record::recordings(&x.exchanges(), &report);
    Ok(Outcome { report, recordings })
}

fn x_begin(run: &Run<'_>, experiment: &str) {
    run.x.begin(experiment);
}
