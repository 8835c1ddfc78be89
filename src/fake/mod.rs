//! The local Zendesk emulator (`zroster fake`, DESIGN.md §9): a stateful, in-memory Zendesk
//! Support API on loopback that the tests, `--sandbox` and users rehearsing a roster talk to.
//!
//! Three parts stay apart: the HTTP layer ([`Server`], routing, auth, rate limits, faults and
//! request counting), the in-memory [`Store`] (collections and their invariants, pure and
//! synchronous) and the job worker that advances bulk jobs in the background.
//!
//! The routes (`api/`) and the store (`store/`) hold one file per Zendesk resource, mirrored:
//! `api/users.rs` answers `/users` from the `impl Store` block in `store/users.rs`, and so on
//! for identities, organizations, memberships, groups and custom roles. A new resource is a
//! new pair of files, one line in each dispatcher of `api/mod.rs` and its `mod` lines. The
//! model types (`user.rs`, `group.rs`, …) stay here, shared by the routes, the store and the
//! job worker.
//!
//! # Stable interface
//! - `zroster fake [--port N] [--state FILE] [--save FILE] [--email E --token T]` plus the
//!   knobs (`--profile team|growth|professional|enterprise`, `--user-tagging on|off`,
//!   `--multiple-organizations on|off`, `--search-lag-s S`, `--time-zone Z`, `--subdomain S`,
//!   `--bulk-imports on|off`, `--plan …`, `--latency-ms`, `--rate-limit`,
//!   `--job-items-per-second` (0 pauses jobs), `--max-jobs`, `--job-ttl-s`, `--fault-5xx`,
//!   `--fault-429`, `--fault-drop`, `--fault-item`, `--fault-job-failed`,
//!   `--fault-job-killed`, `--fault-seed`). The first stdout line is exactly
//!   `listening on http://127.0.0.1:PORT`; SIGINT/SIGTERM stop it and write `--save`.
//! - Profiles ([`Knobs::for_profile`]): a fresh account of that plan: its rate limit (200,
//!   400, 400, 700 a minute), bulk imports off, user tagging off, one organization a user, a
//!   search index that lags [`DEFAULT_SEARCH_LAG_S`] seconds, the default group "Support"
//!   and, on Enterprise, the predefined roles Advisor, Light Agent, Staff and Team Leader.
//!   The profile comes from `--profile` or the state's `account.profile` (Enterprise when
//!   neither names one); every knob a flag or the state's `account` sets wins over it. Tests
//!   that exercise the emulator's mechanics rather than an account's rules say what they
//!   rely on (bulk imports, tagging, several organizations, no search lag).
//! - The state file ([`StateFile`]): `users`, `identities`, `organizations`,
//!   `organization_memberships`, `groups` (the default group is the one with
//!   `"default": true`), `group_memberships`, `custom_roles` (predefined roles included),
//!   `user_fields` (definitions) in Zendesk's wire shape (missing fields take Zendesk's
//!   defaults, missing ids are assigned; a user's `email` becomes its primary identity,
//!   `organization_id` / `default_group_id` become default memberships) and an optional
//!   `account` object with the knobs ([`AccountSettings`]: `profile`, `user_tagging`,
//!   `multiple_organizations`, `bulk_imports`, `search_lag_s`, `time_zone`, `subdomain`
//!   ([`DEFAULT_SUBDOMAIN`] when none: the objects' `url` fields and `Location` headers
//!   name `https://{subdomain}.zendesk.com` as Zendesk's do, while pagination links name
//!   the address the emulator listens on, as a proxy in front of Zendesk would), `plan`,
//!   `rate_limit`, `user_update_rate_limit`, `incremental_rate_limit`, `rate_limit_window_s`
//!   (60; tests that must not straddle a minute make it long), …). Flags override the file.
//!   A state's agents without a group join the default group; its agents without a role get
//!   the default role.
//! - Knobs out of range (a fault share outside 0-1; a rate limit, rate-limit window or
//!   `max_jobs` of 0; a negative or non-finite job speed or search lag; an empty time zone;
//!   a subdomain that is not lower-case letters, digits and inner hyphens)
//!   are refused by one set of rules ([`check_knob`], [`AccountSettings::check`]): a flag
//!   as a usage error (exit 2), a state file's `account` as an invalid state file (exit 1;
//!   `PUT /__fake/state` answers 400 `InvalidState`), an in-process [`Config`] by
//!   [`Server::start`].
//! - Credentials: Basic `admin@example.com/token:fake-token` or `Bearer fake-oauth-token`;
//!   the configured admin is created when the state lacks it.
//! - Control endpoints (no auth, not counted, not rate limited): `GET /__fake/requests`
//!   (`{"total", "by_endpoint": {"GET /api/v2/users/{id}": n}, "by_status": {"200": n}}`,
//!   a dropped connection counts as status `"dropped"`), `POST /__fake/requests/reset`,
//!   `GET /__fake/state` (state-file format, with `account`), `PUT /__fake/state` (replaces
//!   the state, applies its `account`, answers the new state; 400 `InvalidState` if invalid),
//!   `GET /__fake/clock` and `PUT /__fake/clock` (`{"now": "<RFC 3339>"}` or
//!   `{"advance_s": n}`; the clock never goes back), `PUT /__fake/pause`
//!   (`{"before": "GET /api/v2/group_memberships"}`: the next API request to that endpoint,
//!   named as `/__fake/requests` names it, waits unanswered and uncounted), `GET /__fake/pause`
//!   (`{"before", "waiting"}`: whether a request waits there) and `POST /__fake/pause/release`
//!   (`{"released": true}` when one was waiting; it is then answered from the account as it
//!   is by then). A test uses the pause to write to the account through the API between two
//!   steps of a run, as another integration could; one pause at a time, armed once.
//!   `PUT /__fake/drop` (`{"after": "POST /api/v2/groups"}`): the next API request to that
//!   endpoint takes effect and its connection is then closed unanswered (a lost answer,
//!   counted as `"dropped"`); armed once; `GET /__fake/drop` shows what is armed.
//! - In-process: [`Server::start`] → [`Handle`] (`base_url`, `state`, `requests`,
//!   `update_knobs`, `reset_rate_limits`, `clock`, `shutdown`); without a server,
//!   [`Store::from_state_file`] and [`Store::answer_get`] (a `GET`'s body as the server
//!   sends it, for the planner's unit tests).
//!
//! # Choices where Zendesk's behaviour is not documented (API.md "UNCERTAIN")
//! - `create_or_update` matches `external_id` first, then any email identity.
//! - Duplicate external id: 422 `details.external_id[{"description": "External ID: X has
//!   already been taken", "error": "DuplicateValue"}]`.
//! - `custom_role_id` on a non-agent: 422 `details.custom_role_id` "can only be set for agents";
//!   admins carry a system role id that is not listed in `custom_roles` (but
//!   `GET /custom_roles/{id}` shows it, as recorded).
//! - Bulk imports off: 403 `{"error": "Forbidden", "description": "Bulk user imports are not
//!   enabled for this account"}`; custom roles off Enterprise: 403 likewise, reads as well as
//!   writes (Zendesk documents the whole custom roles API as Enterprise-only; what its reads
//!   answer below is not recorded), but for the admins' system role, which is shown.
//! - Job queue full (`max_jobs` queued or working): 429 `TooManyJobs` with `Retry-After: 10`.
//! - Account limit: 429 `{"error": "APIRateLimitExceeded", …}` with `Retry-After` = seconds to
//!   the next minute; the per-user limit answers the recorded `text/plain` body.
//! - Expired job: 404 `RecordNotFound`. Offset pagination past 10,000 records and
//!   `page[size]` above 100: 400 `InvalidPaginationParameter` (`per_page` above 100 is clamped).
//! - Job messages and types not recorded: users `create_or_update_many` is
//!   `Bulk Create Or Update User` / `Creating User #n`, users `destroy_many` says
//!   `Updating user #n`, memberships `Creating organization membership #n` etc.; failed items
//!   are `{"index", "error": "<Kind><Action>Failed", "id", "details"}` except for
//!   `create_or_update_many`, whose failures are `{"id": <position>, "error", "details",
//!   "status": "Failed"}` with `UserUpdateError` (reported) or `UserCreateError` (chosen);
//!   `failed` / `killed` jobs stop half-way with `Failed at …` / `Killed at …`.
//! - A state-file user's `email` is its primary address even when `identities` lists some
//!   of its addresses, as on a real account, where the primary address is always one of the
//!   user's identities: a listed identity of that address becomes the primary one (keeping
//!   its id), else the email makes one and the listed ones are secondary. An identity
//!   listed `"primary": true` with another address contradicts the `email`: the state is
//!   refused (`invalid state: user N has email … but its identity … is listed as primary`).
//! - A suspended user cannot authenticate: while the configured admin is suspended, its
//!   right credentials are refused like wrong ones, with 401 `{"error": "Couldn't
//!   authenticate you"}` (the OAuth token too, rather than `invalid_token`: the token is
//!   valid, its user may not sign in) and the anonymous user on `/users/me`. What Zendesk
//!   answers a suspended user's token is not recorded (API.md §7.1 lists the 401 for
//!   credentials it cannot authenticate, §7.2 the 403 for an authenticated user lacking a
//!   permission); suspended users cannot sign in, and the 401 grants and tells nothing.
//!   `--sandbox` signs in as the state's first admin that is neither deleted nor suspended.
//! - The anonymous `/users/me` user has the end-user shape with null `id`, `url` and times.
//! - Deleting an already deleted user is 404; groups are deleted for good (not `deleted: true`).
//! - Account realism (API.md §12):
//!   - A user promoted to agent joins the default group like a new agent; an agent created
//!     with a `default_group_id` joins that group only.
//!   - Removing an agent's last group membership: 422 `details.base` "Agents must belong to
//!     at least one group"; deleting the default group: 422; agents a deleted group leaves
//!     groupless join the default group.
//!   - An agent created or promoted without a role gets Staff (the community reports
//!     Contributor for the Admin Center; the API's choice is not documented);
//!     `custom_role_id: null` on an agent where every agent holds a role: 422 (refusing
//!     shows the mistake where ignoring would hide it); a custom role below Enterprise: 422.
//!   - User tagging off: tags are kept, left out of answers, ignored in writes and shown
//!     again when tagging is turned on.
//!   - A `user_fields` key no field defines is not stored (not refused); a value its field's
//!     type refuses is a 422 naming the key; a dropdown value puts its option's value on the
//!     user's tags, like a checkbox's tag (recorded for checkboxes only).
//!   - Without multiple organizations a second membership is a 422 on `organization_id` and
//!     setting `organization_id` moves the user.
//!   - The search index: `users/search?query=` and `/search` see each user as it was
//!     `search_lag_s` ago and answer with the user as it is now (`users/search` leaves
//!     deleted users out, `/search` does not, as recorded); `external_id=` is not indexed.
//!     Several values of one property match any of them (`email:a email:b`); different
//!     properties must all match; a bare word matches the start of a name, address or
//!     external id. The incremental export does not lag; a new primary address (through
//!     `make_primary` or an identity's new value) moves the user's `updated_at` (recorded),
//!     which lists the user there; adding a secondary address alone does not (not
//!     recorded).
//!   - `/deleted_users` lists soft-deleted users in the `DeletedUserObject` shape of the
//!     `OpenAPI` file; its `DELETE` forgets the user for good.

mod api;
mod api_error;
mod clock;
mod config;
mod custom_role;
mod error;
mod fault_injector;
mod group;
mod group_membership;
mod identity;
mod input;
mod invalid_knob;
mod job_status;
mod job_worker;
mod membership;
mod organization;
mod organization_membership;
mod page;
mod pause;
mod rate_limiter;
mod request_log;
mod search_index;
mod server;
mod state_file;
mod store;
mod user;
mod user_field;

pub use api_error::ApiError;
pub use clock::Clock;
pub use config::{Config, DEFAULT_SEARCH_LAG_S, DEFAULT_SUBDOMAIN, Knobs, Plan};
pub use custom_role::CustomRole;
pub use error::Error;
pub use group::Group;
pub use group_membership::GroupMembership;
pub use identity::Identity;
pub use invalid_knob::{InvalidKnob, check_knob, is_subdomain};
pub use job_status::JobStatus;
pub use organization::Organization;
pub use organization_membership::OrganizationMembership;
pub use request_log::RequestCounts;
pub use server::{Handle, Server};
pub use state_file::{AccountSettings, StateFile};
pub use store::Store;
pub use user::{Role, Tags, User};
pub use user_field::{FieldOption, UserField};
