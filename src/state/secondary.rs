//! Step 5 of the fetch: the roster emails that no live user has as its primary address
//! (users to create, primary emails to change) may still be another user's *secondary*
//! address, a conflict (DESIGN.md §3). Each is searched for such an owner
//! ([`super::email_search`]: batched where the fetch has canaries), and every active user a
//! search returns, but for one found by its primary address, has its identities read (which
//! only a conflict, a partial match or a canary produces; 100 users a request, sideloaded on
//! `users/show_many`, [`ReadClient::identities_of`]): only an email identity with exactly a
//! searched address makes it that address's owner.
//!
//! A search of step 4 is reused when it proves enough: an answer for one email, or a
//! batch none of whose users holds one of the batch's *other* addresses as its primary one
//! (such a user may hold one of the unowned addresses too, which only its identities, or a
//! new search without its address, would tell). The rest is searched again, at most
//! [`SECONDARY_SEARCHES_AT_MOST`] queries; beyond that (a mass onboarding without canaries,
//! say) the emails are not checked, and the plan says so.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::email_search::{self, Canaries};
use super::{Interner, LiveUser};
use crate::zendesk::wire::User;
use crate::zendesk::{ReadClient, ZendeskError};

/// The most searches the secondary-address check makes beyond the searches of step 4 it
/// reuses; above this many the emails are not checked, and the plan says so.
pub const SECONDARY_SEARCHES_AT_MOST: usize = 100;

/// What the secondary-address check did and cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SecondaryCheck {
    /// Roster emails no live user has as its primary address.
    pub emails: u64,
    /// Of them, those not checked (too many to search).
    pub unchecked: u64,
    /// Searches made for the check (step 4's reused ones not counted).
    pub searches: u64,
    /// Users whose identities were read.
    pub identity_reads: u64,
    /// Requests those reads took.
    pub identity_requests: u64,
}

impl SecondaryCheck {
    /// Requests the check made.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.searches + self.identity_requests
    }
}

/// What the check found: each unowned email held as a secondary address, with its owner.
pub(super) struct Owners {
    pub(super) owners: BTreeMap<String, u64>,
    pub(super) check: SecondaryCheck,
}

/// Checks `unowned` (lower-case) for secondary owners, reusing `searched` (step 4's
/// complete answers) where they prove enough; the owners join `users`.
pub(super) async fn check(
    client: &ReadClient,
    unowned: &BTreeSet<String>,
    searched: Vec<(Vec<String>, Vec<User>)>,
    canaries: Option<&Canaries>,
    users: &mut BTreeMap<u64, Box<LiveUser>>,
    interner: &mut Interner,
) -> Result<Owners, ZendeskError> {
    let mut check = SecondaryCheck {
        emails: unowned.len() as u64,
        ..SecondaryCheck::default()
    };
    let mut answers: Vec<(Vec<String>, Vec<User>)> = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for (emails, hits) in searched {
        if reusable(&emails, &hits, unowned) {
            covered.extend(emails.iter().filter(|e| unowned.contains(*e)).cloned());
            answers.push((emails, hits));
        }
    }
    let rest: BTreeSet<String> = unowned.difference(&covered).cloned().collect();
    let queries = email_search::queries(&rest, canaries);
    if queries.len() > SECONDARY_SEARCHES_AT_MOST {
        check.unchecked = rest.len() as u64;
    } else if !queries.is_empty() {
        let budget = SECONDARY_SEARCHES_AT_MOST - queries.len();
        let searched = email_search::search(client, queries, canaries).await?;
        check.searches += searched.requests;
        answers.extend(searched.answers);
        // A batched answer that lacked a canary: those emails one at a time, within the
        // budget.
        if searched.untrusted.len() > budget {
            check.unchecked = searched.untrusted.len() as u64;
        } else if !searched.untrusted.is_empty() {
            let singles = email_search::queries(&searched.untrusted, None);
            let again = email_search::search(client, singles, None).await?;
            check.searches += again.requests;
            answers.extend(again.answers);
        }
    }
    let (owners, reads, requests) = owners(client, answers, unowned, users, interner).await?;
    check.identity_reads = reads;
    check.identity_requests = requests;
    Ok(Owners { owners, check })
}

/// Whether a complete answer of step 4 for `emails` settles which users may hold its
/// `unowned` ones: it names some, and none of its active users has one of its other
/// addresses as its primary one.
fn reusable(emails: &[String], hits: &[User], unowned: &BTreeSet<String>) -> bool {
    let owned: BTreeSet<&String> = emails.iter().filter(|e| !unowned.contains(*e)).collect();
    emails.iter().any(|e| unowned.contains(e))
        && !hits.iter().any(|hit| {
            hit.active
                && hit
                    .email
                    .as_deref()
                    .is_some_and(|primary| owned.contains(&primary.to_lowercase()))
        })
}

/// The candidates of `answers` (active users whose primary address is none of the
/// addresses their query named), their identities read, and the unowned emails each holds;
/// also the number of users whose identities were read, and the requests that took.
async fn owners(
    client: &ReadClient,
    answers: Vec<(Vec<String>, Vec<User>)>,
    unowned: &BTreeSet<String>,
    users: &mut BTreeMap<u64, Box<LiveUser>>,
    interner: &mut Interner,
) -> Result<(BTreeMap<String, u64>, u64, u64), ZendeskError> {
    let mut candidates: BTreeMap<u64, (User, BTreeSet<String>)> = BTreeMap::new();
    for (emails, hits) in answers {
        let wanted: Vec<&String> = emails.iter().filter(|e| unowned.contains(*e)).collect();
        for hit in hits {
            let named = hit
                .email
                .as_deref()
                .is_some_and(|primary| emails.iter().any(|e| primary.eq_ignore_ascii_case(e)));
            if hit.active && !named && !wanted.is_empty() {
                candidates
                    .entry(hit.id)
                    .or_insert_with(|| (hit, BTreeSet::new()))
                    .1
                    .extend(wanted.iter().map(|e| (*e).clone()));
            }
        }
    }
    let reads = candidates.len() as u64;
    let ids: Vec<u64> = candidates.keys().copied().collect();
    let (mut identities, requests) = client.identities_of(&ids).await?;
    let read = candidates.into_values().map(|(user, emails)| {
        let held = identities.remove(&user.id).unwrap_or_default();
        (user, emails, held)
    });
    let mut owners = BTreeMap::new();
    for (user, emails, identities) in read {
        let owned: Vec<String> = emails
            .into_iter()
            .filter(|email| {
                identities.iter().any(|identity| {
                    identity.kind == "email" && identity.value.eq_ignore_ascii_case(email)
                })
            })
            .collect();
        if owned.is_empty() {
            continue;
        }
        for email in owned {
            owners.insert(email, user.id);
        }
        users
            .entry(user.id)
            .or_insert_with(|| Box::new(LiveUser::from_wire(user, interner)));
    }
    Ok((owners, reads, requests))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::reusable;
    use crate::zendesk::wire::User;

    fn hit(email: &str, active: bool) -> User {
        serde_json::from_value(serde_json::json!({
            "id": 1, "name": "U", "email": email, "role": "end-user", "active": active,
        }))
        .unwrap()
    }

    #[test]
    fn a_batch_is_reused_only_when_no_user_of_it_owns_another_of_its_addresses() {
        let unowned: BTreeSet<String> = ["new@acme.com".to_owned()].into();
        let batch = vec!["old@acme.com".to_owned(), "new@acme.com".to_owned()];
        // `old@` is someone's primary address: that user may hold `new@` too.
        assert!(!reusable(&batch, &[hit("Old@acme.com", true)], &unowned));
        // A deleted user holds nothing; a canary or a secondary owner is read anyway.
        assert!(reusable(&batch, &[hit("old@acme.com", false)], &unowned));
        assert!(reusable(&batch, &[hit("canary@acme.com", true)], &unowned));
        // Nothing unowned in it: nothing to reuse.
        assert!(!reusable(&["old@acme.com".to_owned()], &[], &unowned));
        assert!(reusable(&["new@acme.com".to_owned()], &[], &unowned));
    }
}
