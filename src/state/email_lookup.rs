//! Finding roster users that have only an email: per-email search or the incremental export,
//! whichever the cost model says is cheaper.
//!
//! **Cost model** (API requests, the quantity DESIGN.md §7 minimises):
//! - search: one `users/search?query=email:…` per email → `n` requests;
//! - export: one `users?per_page=1` to count the account's users `U`, then
//!   `ceil(U / 1000)` incremental pages → `1 + ceil(U / 1000)` requests.
//!
//! Either way, the emails then found nowhere as a primary address (users to create, primary
//! emails to change) are checked for being another user's secondary address: the search has
//! already asked, the export has not (it shows primary addresses only), so after the export
//! each of those emails costs one search. The decision does not count these, since their
//! number is known only afterwards; in a roster whose users mostly exist they are few.
//!
//! The search has one more cost the decision does not count either: its index lags behind
//! writes, so when the searches leave emails unmatched (new users, usually) the users changed
//! in the last minutes are read from the export ([`super::RecentUsers`]): one page in an
//! account that changed fewer than 1,000 users in that time, reported as
//! [`EmailLookup::recent_export_pages`]. Like the secondary checks it is not counted: whether
//! it is needed is known only afterwards (a roster whose users all exist needs none). The
//! full export needs no such read: it does not lag.
//!
//! The export is chosen only when it takes fewer requests. With `n ≤ 2` the search always
//! wins (the export needs at least two), so the count is not even asked for. The export's
//! own limit (10 requests a minute) is honoured by spacing its pages 6 s apart; the search
//! runs within the account limit like every other request.

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
    /// Users in the account, when counted.
    pub account_users: Option<u64>,
    /// Requests the search would take.
    pub search_requests: u64,
    /// Requests the export would take (count included), when known.
    pub export_requests: Option<u64>,
    /// Pages of the export of recent changes read after the search, for emails it left
    /// unmatched (the search index lags): 0 when the search matched them all, and with the
    /// export strategy.
    pub recent_export_pages: u64,
}

impl EmailLookup {
    /// Whether the account needs counting before deciding: only when the export could win.
    #[must_use]
    pub fn needs_count(emails: u64) -> bool {
        emails > 2
    }

    /// Decides for `emails` emails in an account of `account_users` users (`None` when not
    /// counted, which means search).
    #[must_use]
    pub fn decide(emails: u64, account_users: Option<u64>) -> Self {
        let export_requests =
            account_users.map(|users| 1 + users.div_ceil(EXPORT_PAGE as u64).max(1));
        let strategy = match export_requests {
            Some(export) if export < emails => EmailStrategy::IncrementalExport,
            _ => EmailStrategy::Search,
        };
        Self {
            strategy,
            emails,
            account_users,
            search_requests: emails,
            export_requests,
            recent_export_pages: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EmailLookup, EmailStrategy};

    #[test]
    fn fewer_requests_wins() {
        assert!(!EmailLookup::needs_count(2));
        assert_eq!(EmailLookup::decide(2, None).strategy, EmailStrategy::Search);
        // 3 emails in a 500-user account: search 3, export 1 + 1 = 2.
        let small = EmailLookup::decide(3, Some(500));
        assert_eq!(small.strategy, EmailStrategy::IncrementalExport);
        assert_eq!(small.export_requests, Some(2));
        // 50 emails in a 100,000-user account: search 50, export 101.
        assert_eq!(
            EmailLookup::decide(50, Some(100_000)).strategy,
            EmailStrategy::Search
        );
        // 200 emails there: export 101 < 200.
        assert_eq!(
            EmailLookup::decide(200, Some(100_000)).strategy,
            EmailStrategy::IncrementalExport
        );
        // A tie goes to the search, whose requests are not held to 10 a minute.
        assert_eq!(
            EmailLookup::decide(101, Some(100_000)).strategy,
            EmailStrategy::Search
        );
        assert_eq!(EmailLookup::decide(5, Some(0)).export_requests, Some(2));
    }
}
