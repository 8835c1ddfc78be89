//! Zendesk's API limits, stated once: page sizes, bulk sizes, the incremental export's pace
//! and start, the search index's lag and the job queue. The client obeys them; `state`,
//! `plan` and `apply` count requests with them (the fetch's email lookup, the plan's cost
//! estimate, the convergence check's choice of reads) and read around the lag (the fetch,
//! settling). See `zendesk/API.md` beside DESIGN.md.

use std::time::Duration;

/// Items per cursor or offset page, Zendesk's maximum (`page[size]`, `per_page`).
pub const PAGE_SIZE: usize = 100;

/// [`PAGE_SIZE`] as the query parameter's text.
pub(crate) const PAGE_SIZE_PARAM: &str = "100";

/// Ids or external ids per `show_many` request (users, organizations, job statuses).
pub const SHOW_MANY_LIMIT: usize = 100;

/// Items per bulk job (`create_many`, `create_or_update_many`, `update_many`,
/// `destroy_many`); more is a 400 `TooManyValues`.
pub const BULK_LIMIT: usize = 100;

/// Users per page of the incremental user export.
pub const EXPORT_PAGE: usize = 1_000;

/// Incremental-export requests Zendesk allows in [`EXPORT_WINDOW`].
pub const EXPORT_PER_WINDOW: usize = 10;

/// Zendesk's window for the incremental export is a minute; a second more absorbs the
/// difference between when a request leaves and when Zendesk counts it.
pub const EXPORT_WINDOW: Duration = Duration::from_secs(61);

/// How far in the past the incremental export's `start_time` must be, in seconds (a minute,
/// and a second for the clocks).
pub const EXPORT_MIN_AGE_S: i64 = 61;

/// The incremental export's `start_time` for what changed since `since` (Unix seconds):
/// `since`, or [`EXPORT_MIN_AGE_S`] before `now` when `since` is more recent than Zendesk
/// accepts.
#[must_use]
pub fn export_start(since: i64, now: i64) -> i64 {
    since.min(now - EXPORT_MIN_AGE_S)
}

/// How far back, in seconds, the incremental user export is read for users that the user
/// search may not show yet. Search reads an index that lags behind writes: "It can take up
/// to a few minutes for new tickets, users, and other resources to be indexed for search"
/// (Zendesk's developer docs, API.md §12). The export reads the users themselves and does
/// not lag. Fifteen minutes is a few minutes with a wide margin: a user changed before then
/// is in the index.
pub const SEARCH_LAG_WINDOW_S: i64 = 15 * 60;

/// Above this many users, reading them through the incremental export ([`EXPORT_PAGE`] a
/// page) may take fewer requests than `show_many` ([`SHOW_MANY_LIMIT`] a request); below it,
/// `show_many` is always as cheap.
pub const EXPORT_CHEAPER_ABOVE: usize = EXPORT_PAGE;

/// The largest number of bulk jobs Zendesk lets an account have queued or running at once.
///
/// UNCERTAIN (API.md §2.4: "30" comes from a generated secondary source); `max_jobs` is
/// clamped to it so zroster never asks for more than the account allows.
pub const ACCOUNT_JOB_LIMIT: usize = 30;

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_size_parameter_says_the_page_size() {
        assert_eq!(super::PAGE_SIZE_PARAM, super::PAGE_SIZE.to_string());
    }

    #[test]
    fn an_export_starts_at_least_a_minute_ago() {
        let now = 1_000_000;
        assert_eq!(super::export_start(now - 600, now), now - 600);
        assert_eq!(super::export_start(now - 10, now), now - 61);
        assert_eq!(super::export_start(now, now), now - super::EXPORT_MIN_AGE_S);
    }
}
