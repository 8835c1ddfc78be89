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
//!   `"default": true`, else the one named by the knob `default_group`, "Support", made
//!   when the state lacks it: every account has one), `group_memberships`, `custom_roles` (predefined roles included),
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
//!   `max_jobs` of 0; a negative or non-finite job speed or search lag; an empty time zone,
//!   default group or new agents' role; a subdomain that is not lower-case letters, digits and inner hyphens)
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
//! - `POST /__fake/ui_change` (`{"actor": "<email>", "method": "PUT", "path":
//!   "/api/v2/users/1", "body": {...}, "ip_address": "203.0.113.7", "at": "<RFC 3339>"}`):
//!   a change made by hand in the web interface by that active agent or admin, checked like
//!   the API write it names and answered with that write's status and body; the audit log
//!   records it as theirs, from that IP address (default `198.51.100.1`), at `at` (not
//!   after the clock; default now). Bulk endpoints are refused (400 `InvalidUiChange`): the
//!   web interface makes no jobs. `GET /__fake/audit_logs` lists every audit entry, oldest
//!   first, with `via` (`api` or `web`).
//! - In-process: [`Server::start`] → [`Handle`] (`base_url`, `state`, `requests`,
//!   `update_knobs`, `reset_rate_limits`, `clock`, `shutdown`); without a server,
//!   [`Store::from_state_file`] and [`Store::answer_get`] (a `GET`'s body as the server
//!   sends it, for the planner's unit tests).
//!
//! # Choices where Zendesk's behaviour is not documented (API.md "UNCERTAIN")
//! The choices marked *(knob `name`)* can be turned the other way by that knob of the state
//! file's `account` (and by `zroster fake --account-report REPORT`, which sets every knob a
//! `zroster probe` report settled); the default is the choice described.
//! - `create_or_update` matches `external_id` first, then any email identity
//!   *(knob `create_or_update_prefers`: `external_id` | `email`)*.
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
//! - `users/search?query=` pages up to 10,000 records like any offset listing, not 1,000
//!   like `/search` (API.md §12 cannot tell which applies) *(knob `users_search_cap`:
//!   `ten_thousand` | `one_thousand`, a 400 `QueryError` past 1,000 as `/search` answers)*.
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
//! - `--sandbox` is a rehearsal, not a rate-limited account: unless the state's `account`
//!   sets `rate_limit`, `user_update_rate_limit` or `incremental_rate_limit`, it lifts all
//!   three (`u32::MAX` a minute, which the rate-limit headers say), and `zplan` says how
//!   long the real account would take instead (`src/command/connect.rs`).
//! - `users/show_many?ids=…&include=identities` sideloads the users' identities: beside
//!   `users`, a top-level `identities` list of every identity of the active users answered
//!   (each with its `user_id`), the shape of Zendesk's side-loading (`include`, API.md
//!   §1.1). Zendesk's API reference does not list `identities` among the users' sideloads;
//!   a Zendesk answer in its community forum gives this very request for "users' identities
//!   in bulk" (UNCERTAIN). zroster does not rely on it: an answer without the key is read
//!   again one user at a time (`ReadClient::identities_of`). Other `include` values, and
//!   `include` on the other user endpoints, are ignored.
//! - The anonymous `/users/me` user has the end-user shape with null `id`, `url` and times.
//! - Deleting an already deleted user is 404; groups are deleted for good (not `deleted: true`).
//! - `verified: true` written to an existing user verifies it *(knob `verified_write`:
//!   `apply` | `ignore`, accepted without effect: Zendesk documents `verified` as "any of the
//!   user's identities is verified", API.md §12)*.
//! - Account realism (API.md §12):
//!   - A user promoted to agent joins the default group like a new agent
//!     *(knob `promoted_agent_joins_default_group`: `true` | `false`)*; an agent created
//!     with a `default_group_id` joins that group only.
//!   - Removing an agent's last group membership: 422 `details.base` "Agents must belong to
//!     at least one group" *(knob `last_group_membership`: `refuse` | `allow`, the agent
//!     belongs to no group afterwards)*; deleting the default group: 422; agents a deleted group leaves
//!     groupless join the default group.
//!   - An agent created or promoted without a role gets Staff (the community reports
//!     Contributor for the Admin Center; the API's choice is not documented)
//!     *(knob `new_agent_role`: the name of a role; one the account lacks gives the first
//!     role of type 0)*; `custom_role_id: null` on an agent where every agent holds a role:
//!     422 (refusing shows the mistake where ignoring would hide it)
//!     *(knob `custom_role_null`: `refuse` | `ignore`, the agent keeps its role | `clear`,
//!     the agent holds none)*; a custom role below Enterprise: 422.
//!   - User tagging off: tags are kept, left out of answers, ignored in writes and shown
//!     again when tagging is turned on *(knob `tags_without_tagging`: `ignore` | `refuse`,
//!     a write naming `tags` is a 422 on `tags`)*.
//!   - A `user_fields` key no field defines is not stored (not refused)
//!     *(knob `undefined_user_field`: `ignore` | `refuse`, a 422 naming the key)*; a value its field's
//!     type refuses is a 422 naming the key; a dropdown value puts its option's value on the
//!     user's tags, like a checkbox's tag (recorded for checkboxes only).
//!   - Without multiple organizations a second membership is a 422 on `organization_id` and
//!     setting `organization_id` moves the user *(knob `organization_id_change`: `move` |
//!     `refuse`, a 422 on `organization_id` while the user has another organization)*.
//!   - The search index: `users/search?query=` and `/search` see each user as it was
//!     `search_lag_s` ago *(knob `search_lag_s`; `zroster probe` measures how long
//!     `users/search` takes to find a new user)* and answer with the user as it is now
//!     (`users/search` leaves deleted users out, `/search` does not, as recorded);
//!     `external_id=` is not indexed.
//!     Several values of one property match any of them (`email:a email:b` finds the users
//!     holding either address, as a primary or another identity); different properties
//!     must all match; a bare word matches the start of a name, address or external id.
//!     Zendesk's search reference documents `property:value` and that properties narrow
//!     a search together, not what repeating a property does (UNCERTAIN): clients in the
//!     wild send `status:open status:pending` for open *or* pending tickets, which any
//!     other reading would answer with nothing, and one says "listing the same field twice
//!     = OR". The emulator takes that reading; no length limit on a query is documented and
//!     the emulator sets none. The fetch relies on neither: each batched query is framed by
//!     two known users' addresses and its answer is trusted only if both come back
//!     (`src/state/email_search.rs`). The incremental export does not lag; a new primary address (through
//!     `make_primary` or an identity's new value) moves the user's `updated_at` (recorded),
//!     which lists the user there; adding a secondary address alone does not (not
//!     recorded).
//!   - The audit log (`GET /audit_logs`, `GET /audit_logs/{id}`; API.md has no recording:
//!     the shapes are the `AuditLogObject` and `AuditLogsResponseExample` of the `OpenAPI`
//!     file, the rules the developer docs' "Audit Logs" page and help center 4408828001434):
//!     kept for good ("saved indefinitely", documented: no retention is emulated); below
//!     Enterprise ("only available on the Enterprise plan") 403 `Forbidden`, as the custom
//!     roles answer (the status Zendesk sends is not documented). Logged: each change an API
//!     request or a staged web-UI change makes to an existing user, one entry per attribute it
//!     alters (what Zendesk alters by itself with it included: a demotion's default group)
//!     (`<Label> changed from <old> to <new>`, as the documented example `Role changed from
//!     Administrator to End User`; an agent's role is named by its custom role, an empty
//!     value is `(empty)`; the wording of any attribute but the role is not documented), its
//!     group and organization memberships (`Added to group Support` / `Removed from group
//!     Support`, `source_type: user` with the user's id: the help center lists "Agent added
//!     or deleted from group" among user changes; whether Zendesk logs them on the user or
//!     on another source type is not documented), a primary-email change and a deletion
//!     (`destroy`, `User deleted`). Not logged: creating a user (help center: "updates to
//!     existing users only; activities related to creating new users are not captured")
//!     and what a state file seeds. An API request's actor is the configured admin, from
//!     `127.0.0.1`. The interface a change came through is no field of Zendesk's
//!     `AuditLogObject`, so answers leave it out (`GET /__fake/audit_logs` shows it).
//!     Newest first unless asked otherwise (`sort=created_at` with cursors, `sort_order=asc`
//!     with offsets; the documented defaults are `-created_at` and `desc`); other sort keys,
//!     `filter[source_id]` without `filter[source_type]` and `filter[created_at]` given other
//!     than twice are 400 `InvalidParameter` (refused rather than ignored; documented as
//!     required, the answer is not); `filter[created_at]` bounds are RFC 3339 times, both
//!     inclusive (`filter[created_at][]` is read too). No limit of its own: the account's
//!     rate limit applies (none is documented). `action_label` is `Updated`, `Created`,
//!     `Deleted`, `Exported` or `Signed in`, the help center's activity types (the
//!     documented example leaves the field out).
//!   - `/deleted_users` lists soft-deleted users in the `DeletedUserObject` shape of the
//!     `OpenAPI` file; its `DELETE` forgets the user for good.

mod api;
mod api_error;
mod audit_log;
mod choices;
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
pub use choices::{
    CustomRoleNull, LastGroupMembership, MatchKey, OrganizationIdChange, TagsWithoutTagging,
    UndefinedUserField, UsersSearchCap, VerifiedWrite,
};
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

/// The role an agent made without one gets by default (`new_agent_role`).
pub const DEFAULT_AGENT_ROLE_NAME: &str = store::DEFAULT_AGENT_ROLE;

/// The name of a fresh account's default group (`default_group`).
pub const DEFAULT_GROUP_NAME: &str = store::DEFAULT_GROUP;
