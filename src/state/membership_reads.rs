//! Reading back the memberships of some users, of one kind (group or organization): the
//! account-wide listing or one read a user, whichever the cost model says is cheaper. The
//! convergence check after applying reads memberships this way; the plan's cost estimate
//! counts them the same way.
//!
//! **Cost model** (API requests, the quantity DESIGN.md §7 minimises), for `n` users in an
//! account of `M` memberships of the kind:
//! - the listing (`group_memberships`, `organization_memberships`, 100 a page by cursor, as the
//!   fetch reads them): `max(1, ceil(M / 100))` requests, whoever the users are;
//! - per user (`users/{id}/group_memberships`, `users/{id}/organization_memberships`): `n`
//!   requests, one more for every further 100 memberships a user holds, which only a user
//!   in more than 100 groups or organizations does, so the model counts one a user.
//!
//! The listing is chosen only when it takes fewer requests; on a tie the per-user reads win
//! (they run side by side, and the listing grows with the account). When `M` is not known
//! (a plan saved by an earlier zroster), per-user reads are chosen: their cost is known.

use serde::Serialize;

use crate::zendesk::limits::PAGE_SIZE;

/// How memberships are read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRead {
    /// The account-wide listing, filtered to the users.
    Listing,
    /// One read of each user's memberships.
    PerUser,
}

/// The decision and the numbers behind it, reported so people (and tests) can check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MembershipReads {
    /// The way taken.
    pub read: MembershipRead,
    /// Users whose memberships are read.
    pub users: u64,
    /// Memberships of the kind in the whole account, when known.
    pub account_memberships: Option<u64>,
    /// Requests the listing would take, when the account's memberships are known.
    pub listing_requests: Option<u64>,
    /// Requests the per-user reads would take.
    pub per_user_requests: u64,
}

impl MembershipReads {
    /// Decides for the memberships of `users` users in an account holding
    /// `account_memberships` of the kind (`None`: unknown, which means per user).
    #[must_use]
    pub fn decide(users: u64, account_memberships: Option<u64>) -> Self {
        let listing_requests =
            account_memberships.map(|total| total.div_ceil(PAGE_SIZE as u64).max(1));
        let read = match listing_requests {
            Some(listing) if listing < users => MembershipRead::Listing,
            _ => MembershipRead::PerUser,
        };
        Self {
            read,
            users,
            account_memberships,
            listing_requests,
            per_user_requests: users,
        }
    }

    /// The requests the way taken is expected to cost.
    #[must_use]
    pub fn requests(&self) -> u64 {
        match (self.read, self.listing_requests) {
            (MembershipRead::Listing, Some(listing)) => listing,
            _ => self.per_user_requests,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MembershipRead, MembershipReads};

    #[test]
    fn fewer_requests_wins() {
        // 3 users in an account of 250 memberships: 3 pages against 3 reads, a tie.
        let tie = MembershipReads::decide(3, Some(250));
        assert_eq!(tie.read, MembershipRead::PerUser);
        assert_eq!((tie.listing_requests, tie.requests()), (Some(3), 3));
        // 4 users there: 3 pages.
        let listing = MembershipReads::decide(4, Some(250));
        assert_eq!(listing.read, MembershipRead::Listing);
        assert_eq!(listing.requests(), 3);
        // One user always costs one request; an empty account one page.
        assert_eq!(
            MembershipReads::decide(1, Some(0)).read,
            MembershipRead::PerUser
        );
        assert_eq!(MembershipReads::decide(2, Some(0)).requests(), 1);
        // 500 users in an account of 100,000 memberships: 1,000 pages against 500 reads.
        let many = MembershipReads::decide(500, Some(100_000));
        assert_eq!(many.read, MembershipRead::PerUser);
        assert_eq!(many.requests(), 500);
        // 1,001 users there: the listing's 1,000 pages.
        assert_eq!(
            MembershipReads::decide(1_001, Some(100_000)).read,
            MembershipRead::Listing
        );
        // An account of 100 memberships is one page; 101 are two.
        assert_eq!(
            MembershipReads::decide(2, Some(100)).listing_requests,
            Some(1)
        );
        assert_eq!(
            MembershipReads::decide(2, Some(101)).read,
            MembershipRead::PerUser
        );
        // Unknown size: per user, whatever the number.
        let unknown = MembershipReads::decide(5_000, None);
        assert_eq!(unknown.read, MembershipRead::PerUser);
        assert_eq!(unknown.requests(), 5_000);
    }
}
