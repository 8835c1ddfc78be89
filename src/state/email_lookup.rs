//! Finding roster users that have only an email: user searches or the incremental export,
//! whichever the cost model says is cheaper.
//!
//! **Cost model** (API requests, the quantity DESIGN.md §7 minimises). Each way is charged
//! everything it will cost, as far as the fetch can tell before choosing
//! ([`EmailLookup::decide`]):
//!
//! - **search:** `users/search?query=email:…`, several emails a query when the fetch has
//!   canaries to prove the answer complete ([`super::email_search`]), one an email otherwise
//!   → `q` requests for the `q` queries the emails make. Their answers also settle the
//!   secondary-address check of the emails they leave unmatched ([`super::SecondaryCheck`]
//!   reuses them). The search index lags behind writes, so when the searches leave emails
//!   unmatched the users changed in the last minutes are read from the export
//!   ([`super::RecentUsers`]): one page more.
//! - **export:** one `users?per_page=1` to count the account's users `U`, then
//!   `ceil(U / 1000)` incremental pages → `1 + ceil(U / 1000)` requests. The export shows
//!   primary addresses only, so every email it does not find is then searched for another
//!   user's secondary address: as many queries again, in proportion, unless they are more
//!   than the check searches at most ([`super::SECONDARY_SEARCHES_AT_MOST`]), when none is
//!   searched and the plan says the emails were not checked (a mass onboarding without
//!   canaries: 1,200 new emails, one query each, cost the export's count and page, not
//!   1,200 searches).
//!
//! Which emails stay unmatched is known only afterwards, but some are known before: the
//! fetch has read `R` of the account's `U` users already (the users in scope, the roster's
//! external ids), and none of them has one of these emails as its primary address, so at
//! most `U − R` of the `e` emails can be found at all. The other `e − (U − R)` are
//! **certainly new** (users to create or primary emails to change), and the model charges
//! both ways for them: the search's page of recent changes, the export's secondary searches.
//!
//! **A convergence check after the fetch** (`zapply`, [`super::StateQuery::converge_after`])
//! reads back the users written, at least the certainly new ones (`n`): `ceil(n / 1000)`
//! export pages when the export's window (10 requests a minute) has room for them, above
//! 1,000 users, else `ceil(n / 100)` `users/show_many` ([`check_requests`]). The export's
//! window is shared: the pages the fetch reads in it are pages the check cannot, so each way
//! is charged the check it leaves: after the search's page of recent changes the window
//! usually has room, after the export of a 10,000-user account it has none.
//!
//! The export is chosen only when it costs fewer requests; a tie goes to the search, whose
//! requests are not held to 10 a minute. With `q ≤ 2` the search always wins (the export
//! needs at least two), so the count is not even asked for. The export's own limit is
//! honoured by spacing its pages 6 s apart; the search runs within the account limit like
//! every other request.
//!
//! A batched answer without its canaries is not trusted: its emails, and those of any
//! other such answer, are looked up again as if the fetch had no canaries (one search each,
//! or the export when that is cheaper), and [`EmailLookup::unbatched`] says so.

use serde::Serialize;

use super::SECONDARY_SEARCHES_AT_MOST;

use crate::zendesk::limits::{
    EXPORT_CHEAPER_ABOVE, EXPORT_PAGE, EXPORT_PER_WINDOW, SHOW_MANY_LIMIT,
};

/// How email-only roster users were looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStrategy {
    /// User searches, batched where the fetch has canaries.
    Search,
    /// The incremental user export of the whole account.
    IncrementalExport,
}

/// What the choice knows of the account: how many users it holds, and how many of them
/// the fetch has read already (none of which has one of the emails as its primary address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountUsers {
    /// Users in the account (`users?per_page=1`'s count: deleted ones excluded).
    pub users: u64,
    /// Of them, the active users the fetch has read so far.
    pub read: u64,
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
    /// Emails no user of the account can hold as its primary address (more than the users
    /// the fetch had not read): certainly new users or primary-email changes.
    pub certainly_new: u64,
    /// Whether a convergence check will read the written users back after this fetch.
    pub converge_after: bool,
    /// Requests the searches take: one a query.
    pub search_requests: u64,
    /// Requests the export would take (count included), when known.
    pub export_requests: Option<u64>,
    /// Everything the search way costs, as far as known before: the searches, the page of
    /// recent changes when some email is certainly new, and the convergence check after.
    pub search_cost: u64,
    /// Everything the export way would cost, when known: the count and the pages, the
    /// secondary-address searches of the certainly new emails, and the convergence check
    /// after.
    pub export_cost: Option<u64>,
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

/// The requests a convergence check takes to read `users` written users back when the
/// fetch has read `export_pages_spent` pages of the export in the same window: the export
/// (1,000 users a page) when it may take it (above [`EXPORT_CHEAPER_ABOVE`] users) and the
/// window has room for its pages, `users/show_many` (100 a request) otherwise. The check
/// itself chooses by time ([`crate::apply`]'s `UserReads`), and may wait for the window
/// instead; in requests, this is what spending the window costs it.
#[must_use]
pub fn check_requests(users: u64, export_pages_spent: u64) -> u64 {
    let pages = users.div_ceil(EXPORT_PAGE as u64);
    let room = export_pages_spent + pages <= EXPORT_PER_WINDOW as u64;
    if users > EXPORT_CHEAPER_ABOVE as u64 && room {
        pages
    } else {
        users.div_ceil(SHOW_MANY_LIMIT as u64)
    }
}

impl EmailLookup {
    /// Whether the account needs counting before deciding: only when the export could win
    /// against `queries` searches.
    #[must_use]
    pub fn needs_count(queries: u64) -> bool {
        queries > 2
    }

    /// Decides for `emails` emails that `queries` searches would look up (`batched` when a
    /// query may name several) in `account` (`None` when not counted, which means search),
    /// with a convergence check after the fetch or not (`converge_after`), by the cost model
    /// of the module documentation.
    #[must_use]
    pub fn decide(
        emails: u64,
        queries: u64,
        batched: bool,
        account: Option<AccountUsers>,
        converge_after: bool,
    ) -> Self {
        let certainly_new = account.map_or(0, |account| {
            emails.saturating_sub(account.users.saturating_sub(account.read))
        });
        let check = |export_pages_spent: u64| {
            if converge_after && certainly_new > 0 {
                check_requests(certainly_new, export_pages_spent)
            } else {
                0
            }
        };
        let recent_pages = u64::from(certainly_new > 0);
        let search_cost = queries + recent_pages + check(recent_pages);
        let export_pages = account.map(|a| a.users.div_ceil(EXPORT_PAGE as u64).max(1));
        let export_requests = export_pages.map(|pages| 1 + pages);
        // The secondary-address searches of the emails the export cannot find: as many
        // queries as those emails make, in proportion; none beyond what the check searches at
        // most, where it checks none of them and the plan says so (a mass onboarding without
        // canaries).
        let secondary = (queries * certainly_new).div_ceil(emails.max(1));
        let secondary = if secondary <= SECONDARY_SEARCHES_AT_MOST as u64 {
            secondary
        } else {
            0
        };
        let export_cost = export_pages.map(|pages| 1 + pages + secondary + check(pages));
        let strategy = match export_cost {
            Some(export) if export < search_cost => EmailStrategy::IncrementalExport,
            _ => EmailStrategy::Search,
        };
        Self {
            strategy,
            emails,
            batched,
            account_users: account.map(|a| a.users),
            certainly_new,
            converge_after,
            search_requests: queries,
            export_requests,
            search_cost,
            export_cost,
            recent_export_pages: 0,
            requests: 0,
            unbatched: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AccountUsers, EmailLookup, EmailStrategy, check_requests};

    /// An account of `users` users of which the fetch has read `read`.
    fn account(users: u64, read: u64) -> AccountUsers {
        AccountUsers { users, read }
    }

    #[test]
    fn fewer_requests_wins() {
        // Nothing read yet: every email may be in the account, none is certainly new.
        let one_each = |n: u64, users: Option<u64>| {
            EmailLookup::decide(n, n, false, users.map(|u| account(u, 0)), false)
        };
        assert!(!EmailLookup::needs_count(2));
        assert_eq!(one_each(2, None).strategy, EmailStrategy::Search);
        // 3 emails in a 500-user account: search 3, export 1 + 1 = 2.
        let small = one_each(3, Some(500));
        assert_eq!(small.strategy, EmailStrategy::IncrementalExport);
        assert_eq!(small.export_requests, Some(2));
        assert_eq!((small.search_cost, small.export_cost), (3, Some(2)));
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
        let batched = EmailLookup::decide(200, 5, true, Some(account(100_000, 0)), false);
        assert_eq!(batched.strategy, EmailStrategy::Search);
        assert_eq!((batched.search_requests, batched.emails), (5, 200));
        assert_eq!(
            EmailLookup::decide(200, 5, true, Some(account(2_000, 0)), false).strategy,
            EmailStrategy::IncrementalExport
        );
    }

    #[test]
    fn the_check_after_reads_the_export_only_when_its_window_has_room() {
        // 500 users: `show_many` (5) whatever the window.
        assert_eq!(check_requests(500, 0), 5);
        assert_eq!(check_requests(500, 10), 5);
        // 2,000: two pages after one of recent changes, 20 `show_many` after ten pages.
        assert_eq!(check_requests(2_000, 1), 2);
        assert_eq!(check_requests(2_000, 9), 20);
        assert_eq!(check_requests(9_000, 1), 9);
        assert_eq!(check_requests(10_000, 1), 100);
    }

    /// The apply benchmark's account at 10,000 roster users: 9,001 users, every one read
    /// (the agents in scope and the admin), and the roster's `new` emails in batches of 100.
    fn new_emails(new: u64, converge_after: bool) -> EmailLookup {
        EmailLookup::decide(
            new,
            new.div_ceil(100),
            true,
            Some(account(9_001, 9_001)),
            converge_after,
        )
    }

    #[test]
    fn fifty_new_emails_are_searched() {
        // One query: the account is not even counted.
        assert!(!EmailLookup::needs_count(1));
        for converge_after in [false, true] {
            let lookup = EmailLookup::decide(50, 1, true, None, converge_after);
            assert_eq!(lookup.strategy, EmailStrategy::Search);
            // Counted, the search still wins: 1 query and a page of recent changes (and one
            // `show_many` after) against the count, 10 pages and the secondary search.
            let counted = new_emails(50, converge_after);
            assert_eq!(counted.strategy, EmailStrategy::Search);
            let check = u64::from(converge_after);
            assert_eq!(
                (counted.search_cost, counted.export_cost),
                (2 + check, Some(12 + check))
            );
        }
    }

    #[test]
    fn two_thousand_new_emails_are_searched_since_the_export_would_search_them_again() {
        // The export alone (11) is cheaper than 20 searches, but finds none of the 2,000
        // (every user of the account is read already): 20 secondary searches follow it.
        let plan = new_emails(2_000, false);
        assert_eq!(plan.certainly_new, 2_000);
        assert_eq!(plan.export_requests, Some(11));
        assert_eq!((plan.search_cost, plan.export_cost), (21, Some(31)));
        assert_eq!(plan.strategy, EmailStrategy::Search);
        // With a check after: the search leaves it the export (2 pages), the export of the
        // whole account leaves it 20 `show_many`.
        let apply = new_emails(2_000, true);
        assert_eq!((apply.search_cost, apply.export_cost), (23, Some(51)));
        assert_eq!(apply.strategy, EmailStrategy::Search);
    }

    #[test]
    fn twenty_thousand_new_emails_take_the_export_unless_the_check_after_needs_its_window() {
        // 40,000 users, 29,000 read: of the 20,000 emails at most 11,000 can be found, so
        // 9,000 are certainly new.
        let decide = |converge_after| {
            EmailLookup::decide(
                20_000,
                200,
                true,
                Some(account(40_000, 29_000)),
                converge_after,
            )
        };
        let plan = decide(false);
        assert_eq!(plan.certainly_new, 9_000);
        // Search 200 + a page of recent changes; export 1 + 40 pages + 90 secondary searches.
        assert_eq!((plan.search_cost, plan.export_cost), (201, Some(131)));
        assert_eq!(plan.strategy, EmailStrategy::IncrementalExport);
        // A check of the 9,000 after: 9 pages after the search's one, 90 `show_many` after
        // the export's 40.
        let apply = decide(true);
        assert_eq!((apply.search_cost, apply.export_cost), (210, Some(221)));
        assert_eq!(apply.strategy, EmailStrategy::Search);
        // In an account read whole, no email can be found by the export, and its 200
        // secondary searches are more than the check makes: it checks none (the plan says
        // so), and the export's 31 requests win, as before this model.
        let read_whole = |converge_after| {
            EmailLookup::decide(
                20_000,
                200,
                true,
                Some(account(30_000, 30_000)),
                converge_after,
            )
        };
        assert_eq!(read_whole(false).export_cost, Some(31));
        assert_eq!(read_whole(false).strategy, EmailStrategy::IncrementalExport);
    }

    #[test]
    fn a_mass_onboarding_without_canaries_takes_the_export_and_leaves_the_check() {
        // 1,200 new agents in an account of one admin, no canaries: 1,200 searches, or the
        // count and a page (and no secondary search: too many).
        for converge_after in [false, true] {
            let lookup =
                EmailLookup::decide(1_200, 1_200, false, Some(account(1, 1)), converge_after);
            assert_eq!(lookup.strategy, EmailStrategy::IncrementalExport);
            let check = if converge_after { 2 } else { 0 };
            assert_eq!(
                (lookup.search_cost, lookup.export_cost),
                (1_201 + check, Some(2 + check))
            );
        }
    }
}
