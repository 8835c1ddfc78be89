//! Finding roster users that have only an email: user searches or the incremental export,
//! whichever the cost model says is cheaper.
//!
//! **Cost model** (API requests, the quantity DESIGN.md §7 minimises):
//! - search: `users/search?query=email:…`, several emails a query when the fetch has
//!   canaries to prove the answer complete ([`super::email_search`]), one an email otherwise
//!   → `q` requests for the `q` queries the emails make;
//! - export: one `users?per_page=1` to count the account's users `U`, then
//!   `ceil(U / 1000)` incremental pages → `1 + ceil(U / 1000)` requests.
//!
//! Either way, the emails then found nowhere as a primary address (users to create, primary
//! emails to change) are checked for being another user's secondary address
//! ([`super::SecondaryCheck`]): after the search, with its answers where they prove enough
//! and one more batch otherwise; after the export (which shows primary addresses only),
//! with searches of their own. The decision does not count these, since their number is
//! known only afterwards; in a roster whose users mostly exist they are few.
//!
//! The search has one more cost the decision does not count either: its index lags behind
//! writes, so when the searches leave emails unmatched (new users, usually) the users changed
//! in the last minutes are read from the export ([`super::RecentUsers`]): one page in an
//! account that changed fewer than 1,000 users in that time, reported as
//! [`EmailLookup::recent_export_pages`]. Like the secondary checks it is not counted: whether
//! it is needed is known only afterwards (a roster whose users all exist needs none). The
//! full export needs no such read: it does not lag.
//!
//! The export is chosen only when it takes fewer requests. With `q ≤ 2` the search always
//! wins (the export needs at least two), so the count is not even asked for. The export's
//! own limit (10 requests a minute) is honoured by spacing its pages 6 s apart; the search
//! runs within the account limit like every other request.
//!
//! A batched answer without its canaries is not trusted: its emails, and those of any
//! other such answer, are looked up again as if the fetch had no canaries (one search each,
//! or the export when that is cheaper), and [`EmailLookup::unbatched`] says so.

use serde::Serialize;

use crate::zendesk::limits::EXPORT_PAGE;

/// How email-only roster users were looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStrategy {
    /// One user search per email.
    Search,
    /// The incremental user export of the whole account.
    IncrementalExport,
}

/// The decision and the numbers behind it, reported so people (and tests) can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EmailLookup {
    /// The strategy taken.
    pub strategy: EmailStrategy,
    /// Emails that still had to be found.
    pub emails: u64,
    /// Whether the searches could name several emails a query (the fetch had canaries).
    pub batched: bool,
    /// Users in the account, when counted.
    pub account_users: Option<u64>,
    /// Requests the search would take: one a query.
    pub search_requests: u64,
    /// Requests the export would take (count included), when known.
    pub export_requests: Option<u64>,
    /// Pages of the export of recent changes read after the search, for emails it left
    /// unmatched (the search index lags): 0 when the search matched them all, and with the
    /// export strategy.
    pub recent_export_pages: u64,
    /// Requests the lookup made: searches or the count and the export, the pages of
    /// recent changes apart.
    pub requests: u64,
    /// Emails of batched searches whose answer lacked a canary, looked up again one at a
    /// time or through the export: 0 when every batched answer was complete.
    pub unbatched: u64,
}

impl EmailLookup {
    /// Whether the account needs counting before deciding: only when the export could win
    /// against `queries` searches.
    #[must_use]
    pub fn needs_count(queries: u64) -> bool {
        queries > 2
    }

    /// Decides for `emails` emails that `queries` searches would look up (`batched` when a
    /// query may name several) in an account of `account_users` users (`None` when not
    /// counted, which means search).
    #[must_use]
    pub fn decide(emails: u64, queries: u64, batched: bool, account_users: Option<u64>) -> Self {
        let export_requests =
            account_users.map(|users| 1 + users.div_ceil(EXPORT_PAGE as u64).max(1));
        let strategy = match export_requests {
            Some(export) if export < queries => EmailStrategy::IncrementalExport,
            _ => EmailStrategy::Search,
        };
        Self {
            strategy,
            emails,
            batched,
            account_users,
            search_requests: queries,
            export_requests,
            recent_export_pages: 0,
            requests: 0,
            unbatched: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EmailLookup, EmailStrategy};

    #[test]
    fn fewer_requests_wins() {
        let one_each = |n: u64, users| EmailLookup::decide(n, n, false, users);
        assert!(!EmailLookup::needs_count(2));
        assert_eq!(one_each(2, None).strategy, EmailStrategy::Search);
        // 3 emails in a 500-user account: search 3, export 1 + 1 = 2.
        let small = one_each(3, Some(500));
        assert_eq!(small.strategy, EmailStrategy::IncrementalExport);
        assert_eq!(small.export_requests, Some(2));
        // 50 emails in a 100,000-user account: search 50, export 101.
        assert_eq!(one_each(50, Some(100_000)).strategy, EmailStrategy::Search);
        // 200 emails there: export 101 < 200.
        assert_eq!(
            one_each(200, Some(100_000)).strategy,
            EmailStrategy::IncrementalExport
        );
        // A tie goes to the search, whose requests are not held to 10 a minute.
        assert_eq!(one_each(101, Some(100_000)).strategy, EmailStrategy::Search);
        assert_eq!(one_each(5, Some(0)).export_requests, Some(2));
        // Batched, the queries count: 200 emails in 5 queries beat the export of 100,000
        // users (101), not that of 2,000 (3).
        let batched = EmailLookup::decide(200, 5, true, Some(100_000));
        assert_eq!(batched.strategy, EmailStrategy::Search);
        assert_eq!((batched.search_requests, batched.emails), (5, 200));
        assert_eq!(
            EmailLookup::decide(200, 5, true, Some(2_000)).strategy,
            EmailStrategy::IncrementalExport
        );
    }
}
