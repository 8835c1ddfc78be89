//! Settings of one emulator instance: where it listens, who may log in, and the knobs that
//! shape its behaviour (latency, limits, job speed, plan, fault injection).

use serde::{Deserialize, Serialize};

use super::choices::{
    CustomRoleNull, LastGroupMembership, MatchKey, OrganizationIdChange, TagsWithoutTagging,
    UndefinedUserField, UsersSearchCap, VerifiedWrite,
};
use super::state_file::{AccountSettings, StateFile};

/// The Zendesk plan the emulated account is on; custom-role writes need Enterprise. As a
/// profile (`--profile`, `account.profile`) it also gives the defaults of a fresh account of
/// that plan ([`Knobs::for_profile`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// Suite Team: 200 requests a minute, no custom roles.
    Team,
    /// Suite Growth: 400 requests a minute, no custom roles.
    Growth,
    /// Suite Professional: 400 requests a minute, no custom roles (their API answers 403).
    Professional,
    /// Suite Enterprise: 700 requests a minute; custom roles, with the predefined ones, and
    /// every agent holds one.
    #[default]
    Enterprise,
}

impl Plan {
    /// Whether the plan has custom agent roles (Enterprise and up).
    #[must_use]
    pub fn has_custom_roles(self) -> bool {
        self == Plan::Enterprise
    }

    /// The account-wide requests a minute of the plan (API.md §6.1).
    #[must_use]
    pub fn rate_limit(self) -> u32 {
        match self {
            Plan::Team => 200,
            Plan::Growth | Plan::Professional => 400,
            Plan::Enterprise => 700,
        }
    }
}

/// Behaviour knobs, settable by flags and by the state file's `account` object.
// Each bool is an independent switch of Zendesk's (an account setting or a choice), named
// as the state file's `account` names it; a state machine would not fit them.
#[allow(clippy::struct_excessive_bools)]
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
    /// The plan whose fresh-account defaults the knobs started from, as a state file's
    /// `account.profile` names it.
    pub profile: Option<Plan>,
    /// Whether users carry tags (`settings.user.tagging`); off, `tags` is absent from user
    /// answers, ignored in writes and `tags:` searches find nothing.
    pub user_tagging: bool,
    /// Whether a user can belong to several organizations (`settings.user.multiple_organizations`);
    /// off, a second membership is refused and setting `organization_id` moves the user.
    pub multiple_organizations: bool,
    /// Seconds before a change of a user is visible to `users/search?query=` and `/search`
    /// (the search index lags; `users/search?external_id=` does not).
    pub search_lag_s: f64,
    /// The account's time zone, which new users get (recorded accounts differ: `America/New_York`,
    /// `Arizona`, `Osaka`).
    pub time_zone: String,
    /// The account's subdomain (`acme` for `acme.zendesk.com`): the objects' `url` fields and
    /// `Location` headers name `https://{subdomain}.zendesk.com`, as Zendesk's do, whatever
    /// address the emulator listens on.
    pub subdomain: String,
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
    /// The name of the account's default group, made when the account is (a state that
    /// marks a group `default` keeps its own); a fresh account's is `Support`.
    pub default_group: String,
    /// Whether a user promoted to agent joins the default group like a new agent
    /// (UNCERTAIN; default true).
    pub promoted_agent_joins_default_group: bool,
    /// The role an agent created or promoted without one gets where every agent holds a role
    /// (UNCERTAIN; default `Staff`).
    pub new_agent_role: String,
    /// What `custom_role_id: null` on an agent does where every agent holds a role
    /// (UNCERTAIN; default refuse).
    pub custom_role_null: CustomRoleNull,
    /// What a `user_fields` key no field defines does (UNCERTAIN; default ignore).
    pub undefined_user_field: UndefinedUserField,
    /// Which key `create_or_update` matches first (UNCERTAIN; default `external_id`).
    pub create_or_update_prefers: MatchKey,
    /// What another `organization_id` does to a user of one organization without multiple
    /// organizations (UNCERTAIN; default move).
    pub organization_id_change: OrganizationIdChange,
    /// What removing an agent's last group membership does (UNCERTAIN; default refuse).
    pub last_group_membership: LastGroupMembership,
    /// What a write of `tags` does while user tagging is off (UNCERTAIN; default ignore).
    pub tags_without_tagging: TagsWithoutTagging,
    /// What `verified: true` does to an existing user (UNCERTAIN; default apply).
    pub verified_write: VerifiedWrite,
    /// How far `users/search?query=` pages (UNCERTAIN; default 10,000 records).
    pub users_search_cap: UsersSearchCap,
}

impl Default for Knobs {
    /// A fresh Enterprise account ([`Knobs::for_profile`]), with the emulator's own defaults
    /// for what is not the account's: no latency, jobs at 50 items a second, no faults.
    fn default() -> Self {
        Self::for_profile(Plan::Enterprise)
    }
}

impl Knobs {
    /// The knobs of no particular account: what [`Knobs::for_profile`] starts from.
    fn base() -> Self {
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
            profile: None,
            user_tagging: true,
            multiple_organizations: true,
            search_lag_s: 0.0,
            time_zone: "America/New_York".to_owned(),
            subdomain: DEFAULT_SUBDOMAIN.to_owned(),
            fault_5xx: 0.0,
            fault_429: 0.0,
            fault_drop: 0.0,
            fault_item: 0.0,
            fault_job_failed: 0.0,
            fault_job_killed: 0.0,
            fault_seed: 0,
            default_group: super::store::DEFAULT_GROUP.to_owned(),
            promoted_agent_joins_default_group: true,
            new_agent_role: super::store::DEFAULT_AGENT_ROLE.to_owned(),
            custom_role_null: CustomRoleNull::Refuse,
            undefined_user_field: UndefinedUserField::Ignore,
            create_or_update_prefers: MatchKey::ExternalId,
            organization_id_change: OrganizationIdChange::Move,
            last_group_membership: LastGroupMembership::Refuse,
            tags_without_tagging: TagsWithoutTagging::Ignore,
            verified_write: VerifiedWrite::Apply,
            users_search_cap: UsersSearchCap::TenThousand,
        }
    }
}

impl Knobs {
    /// The knobs of a fresh account of `plan`: its rate limit, bulk imports off (Zendesk
    /// enables them on request), user tagging off, one organization a user, a search index
    /// that lags a few seconds.
    #[must_use]
    pub fn for_profile(plan: Plan) -> Self {
        Self {
            rate_limit: plan.rate_limit(),
            bulk_imports: false,
            plan,
            profile: Some(plan),
            user_tagging: false,
            multiple_organizations: false,
            search_lag_s: DEFAULT_SEARCH_LAG_S,
            ..Self::base()
        }
    }

    /// The knobs of an account described by a state file's `account` and by flags: the
    /// profile the flags or the state name (Enterprise when neither does), then every knob
    /// the state sets, then every knob the flags set.
    #[must_use]
    pub fn resolve(state: Option<&AccountSettings>, flags: &AccountSettings) -> Self {
        let profile = flags
            .profile
            .or_else(|| state.and_then(|s| s.profile))
            .unwrap_or_default();
        let mut knobs = Self::for_profile(profile);
        if let Some(state) = state {
            knobs.apply(state);
        }
        knobs.apply(flags);
        knobs
    }

    /// [`Knobs::resolve`] with the account a `zroster probe` report describes between the
    /// state and the flags: the profile of the flags, else the report's, else the state's;
    /// then the state's knobs, the report's and the flags'.
    #[must_use]
    pub fn resolve_with_report(
        state: Option<&AccountSettings>,
        report: &AccountSettings,
        flags: &AccountSettings,
    ) -> Self {
        let profile = flags
            .profile
            .or(report.profile)
            .or_else(|| state.and_then(|s| s.profile))
            .unwrap_or_default();
        let mut knobs = Self::for_profile(profile);
        if let Some(state) = state {
            knobs.apply(state);
        }
        knobs.apply(report);
        knobs.apply(flags);
        knobs
    }

    /// The knobs after a new state file replaces the account (`PUT /__fake/state`): a profile
    /// it names resets the account's own settings to that profile's, then every knob it sets
    /// applies; latency, job speed and faults stay.
    #[must_use]
    pub fn replaced_by(&self, account: Option<&AccountSettings>) -> Self {
        let mut knobs = self.clone();
        if let Some(profile) = account.and_then(|a| a.profile) {
            let fresh = Self::for_profile(profile);
            knobs.plan = fresh.plan;
            knobs.profile = fresh.profile;
            knobs.rate_limit = fresh.rate_limit;
            knobs.bulk_imports = fresh.bulk_imports;
            knobs.user_tagging = fresh.user_tagging;
            knobs.multiple_organizations = fresh.multiple_organizations;
            knobs.search_lag_s = fresh.search_lag_s;
        }
        if let Some(account) = account {
            knobs.apply(account);
        }
        knobs
    }

    /// Overrides every knob that `settings` sets.
    pub fn apply(&mut self, settings: &AccountSettings) {
        macro_rules! take {
            ($($field:ident),*) => { $( if let Some(v) = settings.$field.clone() { self.$field = v; } )* };
        }
        if let Some(profile) = settings.profile {
            self.profile = Some(profile);
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
            user_tagging,
            multiple_organizations,
            search_lag_s,
            time_zone,
            subdomain,
            fault_5xx,
            fault_429,
            fault_drop,
            fault_item,
            fault_job_failed,
            fault_job_killed,
            fault_seed,
            default_group,
            promoted_agent_joins_default_group,
            new_agent_role,
            custom_role_null,
            undefined_user_field,
            create_or_update_prefers,
            organization_id_change,
            last_group_membership,
            tags_without_tagging,
            verified_write,
            users_search_cap
        );
    }

    /// The knobs as a fully populated `account` object of the state file.
    #[must_use]
    pub fn to_settings(&self) -> AccountSettings {
        AccountSettings {
            profile: self.profile,
            plan: Some(self.plan),
            bulk_imports: Some(self.bulk_imports),
            user_tagging: Some(self.user_tagging),
            multiple_organizations: Some(self.multiple_organizations),
            search_lag_s: Some(self.search_lag_s),
            time_zone: Some(self.time_zone.clone()),
            subdomain: Some(self.subdomain.clone()),
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
            default_group: Some(self.default_group.clone()),
            promoted_agent_joins_default_group: Some(self.promoted_agent_joins_default_group),
            new_agent_role: Some(self.new_agent_role.clone()),
            custom_role_null: Some(self.custom_role_null),
            undefined_user_field: Some(self.undefined_user_field),
            create_or_update_prefers: Some(self.create_or_update_prefers),
            organization_id_change: Some(self.organization_id_change),
            last_group_membership: Some(self.last_group_membership),
            tags_without_tagging: Some(self.tags_without_tagging),
            verified_write: Some(self.verified_write),
            users_search_cap: Some(self.users_search_cap),
        }
    }
}

/// The subdomain of an account whose state names none: Zendesk's own example account
/// (`https://example.zendesk.com`, as the recorded answers show it).
pub const DEFAULT_SUBDOMAIN: &str = "example";

/// Seconds the search index lags in a fresh account of any profile: the recordings show
/// `users/search` reflecting changes within 1-2 s and `/search` within 16-19 s; Zendesk
/// documents "up to a few minutes".
pub const DEFAULT_SEARCH_LAG_S: f64 = 3.0;

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

#[cfg(test)]
mod tests {
    use super::{
        AccountSettings, CustomRoleNull, Knobs, LastGroupMembership, MatchKey,
        OrganizationIdChange, Plan, TagsWithoutTagging, UndefinedUserField, UsersSearchCap,
        VerifiedWrite,
    };

    /// Every knob an `account` object sets reaches the knobs and is written back: the
    /// literal names every field (no `..`), so a knob added to the state file must be added
    /// here, and then a knob `apply` forgets fails.
    #[test]
    fn every_knob_an_account_object_sets_is_applied_and_saved() {
        let settings = AccountSettings {
            profile: Some(Plan::Team),
            plan: Some(Plan::Growth),
            user_tagging: Some(true),
            multiple_organizations: Some(true),
            search_lag_s: Some(9.5),
            time_zone: Some("Europe/Berlin".into()),
            subdomain: Some("acme".into()),
            bulk_imports: Some(true),
            rate_limit: Some(123),
            user_update_rate_limit: Some(7),
            incremental_rate_limit: Some(11),
            rate_limit_window_s: Some(61),
            latency_ms: Some(5),
            job_items_per_second: Some(12.5),
            max_jobs: Some(3),
            job_ttl_s: Some(99),
            fault_5xx: Some(0.1),
            fault_429: Some(0.2),
            fault_drop: Some(0.3),
            fault_item: Some(0.4),
            fault_job_failed: Some(0.5),
            fault_job_killed: Some(0.6),
            fault_seed: Some(42),
            default_group: Some("Tier 1".into()),
            promoted_agent_joins_default_group: Some(false),
            new_agent_role: Some("Light Agent".into()),
            custom_role_null: Some(CustomRoleNull::Clear),
            undefined_user_field: Some(UndefinedUserField::Refuse),
            create_or_update_prefers: Some(MatchKey::Email),
            organization_id_change: Some(OrganizationIdChange::Refuse),
            last_group_membership: Some(LastGroupMembership::Allow),
            tags_without_tagging: Some(TagsWithoutTagging::Refuse),
            verified_write: Some(VerifiedWrite::Ignore),
            users_search_cap: Some(UsersSearchCap::OneThousand),
        };
        assert_eq!(
            settings.check(str::to_owned).map_err(|e| e.to_string()),
            Ok(())
        );
        let mut knobs = Knobs::default();
        knobs.apply(&settings);
        assert_eq!(knobs.to_settings(), settings);
        assert_eq!(
            Knobs::resolve(Some(&settings), &AccountSettings::default()),
            knobs
        );
    }
}
