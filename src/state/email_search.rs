//! Searching users by many addresses at once: `users/search?query=email:a email:b …`, one
//! request for up to [`SEARCH_BATCH_EMAILS`] addresses instead of one each.
//!
//! **What a batched query means is UNCERTAIN.** Zendesk's search reference documents
//! `property:value` and that different properties narrow a search together; it does not say
//! what several values of one property do. In practice they are alternatives: clients in
//! the wild list `status:open status:pending` (one ticket has one status, so anything but
//! OR would find nothing) and one says so in a comment ("listing the same field twice =
//! OR"). The emulator answers that way (`src/fake/mod.rs`). The fetch does not rely on it:
//!
//! - **Canaries.** Every batched query starts and ends with the primary address of a user
//!   the fetch has already read ([`Canaries`]: two users, not changed for
//!   [`SEARCH_LAG_WINDOW_S`], so the lagging index holds their addresses). An answer with
//!   both shows the terms read as alternatives from the first to the last, and is trusted.
//!   An answer missing either is not: an AND of the terms finds neither (an address
//!   belongs to one user), a search that kept only the first or the last value of a
//!   property, or that cut a long query, misses one. Its emails are then looked up as before batching (the caller's
//!   fallback), and batching stops for the rest of the fetch.
//! - **Extra users are harmless, missing ones are not.** A batched answer holds every user
//!   with any of the addresses, the canaries, and whatever a partial match adds: callers
//!   count a user as found by its primary address only on an exact match, and read the
//!   identities of every other user before calling it another address's owner.
//! - **Length.** A query names at most [`SEARCH_BATCH_EMAILS`] addresses and its `query`
//!   value stays within [`SEARCH_QUERY_BYTES_AT_MOST`] bytes as sent (some 90 addresses of
//!   30 characters): Zendesk documents no limit on a URL, many servers and proxies refuse a
//!   request line over 8 KiB, and `show_many` of 100 external ids of 36 characters (UUIDs)
//!   sends as much. An answer with more than a page of users (100) costs a page more, which
//!   two shorter queries would cost too.
//! - A single address, and an address holding white space or a double quote (which the
//!   query syntax would read as two terms or a phrase), is searched alone, as
//!   `email:ADDRESS`: one term has only one reading.

use std::collections::BTreeSet;

use futures_util::{StreamExt as _, TryStreamExt as _, stream};

use super::LiveUser;
use crate::zendesk::limits::SEARCH_LAG_WINDOW_S;
use crate::zendesk::wire::User;
use crate::zendesk::{ReadClient, ZendeskError};

/// Addresses one batched query names at most, the canaries apart.
pub const SEARCH_BATCH_EMAILS: usize = 100;

/// The longest `query` value of a batched search, in bytes as sent (percent-encoded), the
/// canaries included: under half of the 8 KiB request line common servers accept.
pub const SEARCH_QUERY_BYTES_AT_MOST: usize = 4_000;

/// The two users whose primary addresses open and close every batched query, as proof that
/// its answer is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Canaries {
    first: (u64, String),
    last: (u64, String),
}

impl Canaries {
    /// The two users of `users` with the lowest ids that are active, not suspended, have a
    /// primary address that can be searched and were last changed more than
    /// [`SEARCH_LAG_WINDOW_S`] before `now` (Unix seconds): the index shows them as they
    /// are. `None` when there are not two.
    pub(super) fn pick<'u>(
        users: impl IntoIterator<Item = &'u LiveUser>,
        now: i64,
    ) -> Option<Self> {
        let mut eligible = users.into_iter().filter_map(|user| {
            let settled = user
                .updated_at
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
                .is_some_and(|at| at.timestamp() < now - SEARCH_LAG_WINDOW_S);
            let email = user.email.as_deref().filter(|email| plain(email))?;
            (user.active && !user.suspended && settled).then(|| (user.id, email.to_lowercase()))
        });
        let first = eligible.next()?;
        let last = eligible.find(|(id, email)| *id != first.0 && *email != first.1)?;
        Some(Self { first, last })
    }

    /// Whether `hits` hold both canaries: the answer of a batched query is complete.
    fn complete(&self, hits: &[User]) -> bool {
        [self.first.0, self.last.0]
            .iter()
            .all(|id| hits.iter().any(|hit| hit.id == *id && hit.active))
    }

    /// The ids of the canary users.
    #[cfg(test)]
    fn ids(&self) -> [u64; 2] {
        [self.first.0, self.last.0]
    }
}

/// Whether `email` can stand in a batch: no white space or double quote, which the query
/// syntax would read as two terms or a phrase.
fn plain(email: &str) -> bool {
    !email.chars().any(|c| c.is_whitespace() || c == '"')
}

/// Bytes of `text` as a form-encoded query value (`+` for a space, `%XX` for each byte
/// that is not alphanumeric or one of `*-._`).
fn encoded_len(text: &str) -> usize {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"*-._ ".contains(&b) {
                1
            } else {
                3
            }
        })
        .sum()
}

/// The queries that look up `emails`: batches of [`SEARCH_BATCH_EMAILS`] at most, within
/// [`SEARCH_QUERY_BYTES_AT_MOST`] with the canaries, when there are canaries; otherwise, and
/// for addresses that cannot stand in a batch, one query an email. Each query is the list of
/// emails it names.
pub(super) fn queries(emails: &BTreeSet<String>, canaries: Option<&Canaries>) -> Vec<Vec<String>> {
    let Some(canaries) = canaries else {
        return emails.iter().map(|email| vec![email.clone()]).collect();
    };
    let term = |email: &str| encoded_len(&format!("email:{email}"));
    let frame = term(&canaries.first.1) + 1 + term(&canaries.last.1);
    let mut queries: Vec<Vec<String>> = Vec::new();
    let mut batch: Vec<String> = Vec::new();
    let mut bytes = frame;
    for email in emails {
        if !plain(email) {
            queries.push(vec![email.clone()]);
            continue;
        }
        let cost = term(email) + 1;
        if !batch.is_empty()
            && (batch.len() == SEARCH_BATCH_EMAILS || bytes + cost > SEARCH_QUERY_BYTES_AT_MOST)
        {
            queries.push(std::mem::take(&mut batch));
            bytes = frame;
        }
        batch.push(email.clone());
        bytes += cost;
    }
    if !batch.is_empty() {
        queries.push(batch);
    }
    queries
}

/// The `query` text of a query: `email:ADDRESS` alone, or the batch between the canaries.
fn text(emails: &[String], canaries: Option<&Canaries>) -> String {
    let terms = |list: &mut dyn Iterator<Item = &str>| {
        list.map(|email| format!("email:{email}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (emails, canaries) {
        ([email], _) => format!("email:{email}"),
        (batch, Some(canaries)) => terms(
            &mut std::iter::once(canaries.first.1.as_str())
                .chain(batch.iter().map(String::as_str))
                .chain(std::iter::once(canaries.last.1.as_str())),
        ),
        (batch, None) => terms(&mut batch.iter().map(String::as_str)),
    }
}

/// What a round of searches found.
#[derive(Debug, Default)]
pub(super) struct Searched {
    /// Each query whose answer is complete: the emails it named and every user it found.
    pub(super) answers: Vec<(Vec<String>, Vec<User>)>,
    /// The emails of batched queries whose answer lacked a canary: not looked up.
    pub(super) untrusted: BTreeSet<String>,
    /// Requests made (one a page of answers).
    pub(super) requests: u64,
}

/// Runs `queries` (from [`queries`]), several in flight. A batched query needs `canaries`;
/// its answer counts only if it holds both.
pub(super) async fn search(
    client: &ReadClient,
    queries: Vec<Vec<String>>,
    canaries: Option<&Canaries>,
) -> Result<Searched, ZendeskError> {
    let runs = queries.into_iter().map(|emails| async move {
        let mut pager = client.search_users(&text(&emails, canaries));
        let mut hits = Vec::new();
        while let Some(page) = pager.next_page().await? {
            hits.extend(page);
        }
        Ok::<_, ZendeskError>((emails, hits, pager.pages_fetched()))
    });
    let answers: Vec<_> = stream::iter(runs)
        .buffered(client.settings().concurrency)
        .try_collect()
        .await?;
    let mut searched = Searched::default();
    for (emails, hits, pages) in answers {
        searched.requests += pages;
        let trusted = emails.len() == 1 || canaries.is_some_and(|c| c.complete(&hits));
        if trusted {
            searched.answers.push((emails, hits));
        } else {
            searched.untrusted.extend(emails);
        }
    }
    Ok(searched)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::{
        Canaries, SEARCH_BATCH_EMAILS, SEARCH_QUERY_BYTES_AT_MOST, encoded_len, queries, text,
    };
    use crate::state::LiveUser;
    use crate::zendesk::wire::User;

    fn user(id: u64, email: &str, updated_at: &str) -> LiveUser {
        let wire: User = serde_json::from_value(serde_json::json!({
            "id": id, "name": "U", "email": email, "role": "agent", "active": true,
            "updated_at": updated_at,
        }))
        .unwrap();
        LiveUser::from(wire)
    }

    fn hit(id: u64, active: bool) -> User {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": "U", "email": "x@acme.com", "role": "end-user", "active": active,
        }))
        .unwrap()
    }

    const NOW: i64 = 1_800_000_000; // 2027-01-15T08:00:00Z

    fn canaries() -> Canaries {
        Canaries::pick(
            &[
                user(1, "Ann@Acme.com", "2026-01-01T00:00:00Z"),
                user(2, "bo@acme.com", "2026-01-01T00:00:00Z"),
            ],
            NOW,
        )
        .unwrap()
    }

    #[test]
    fn canaries_are_two_settled_active_users_with_searchable_addresses() {
        let old = "2026-01-01T00:00:00Z";
        // 14 minutes before NOW: the index may not show it yet.
        let recent = "2027-01-15T07:46:00Z";
        let mut suspended = user(3, "cy@acme.com", old);
        suspended.suspended = true;
        let mut deleted = user(4, "di@acme.com", old);
        deleted.active = false;
        let users = [
            user(1, "recent@acme.com", recent),
            user(2, "with space@acme.com", old),
            suspended,
            deleted,
            user(5, "Eve@Acme.com", old),
            user(6, "fay@acme.com", "not a time"),
            user(7, "gus@acme.com", old),
        ];
        let picked = Canaries::pick(&users, NOW).unwrap();
        assert_eq!(picked.ids(), [5, 7]);
        assert_eq!(picked.first.1, "eve@acme.com");
        assert_eq!(
            Canaries::pick(&users[..6], NOW),
            None,
            "only one is eligible"
        );
    }

    #[test]
    fn an_answer_is_complete_only_with_both_canaries_active() {
        let c = canaries();
        assert!(c.complete(&[hit(9, true), hit(2, true), hit(1, true)]));
        assert!(
            !c.complete(&[hit(1, true), hit(9, true)]),
            "the last one missing"
        );
        assert!(!c.complete(&[hit(2, true)]), "the first one missing");
        assert!(!c.complete(&[hit(1, true), hit(2, false)]));
        assert!(!c.complete(&[]), "an AND of the terms finds nobody");
    }

    #[test]
    fn batches_are_framed_by_the_canaries_and_bounded() {
        let c = canaries();
        let emails: BTreeSet<String> = (0..120).map(|i| format!("new{i:03}@acme.com")).collect();
        let batched = queries(&emails, Some(&c));
        assert!(batched.iter().all(|q| q.len() <= SEARCH_BATCH_EMAILS));
        assert_eq!(batched.concat(), emails.iter().cloned().collect::<Vec<_>>());
        for query in &batched {
            let sent = text(query, Some(&c));
            assert!(encoded_len(&sent) <= SEARCH_QUERY_BYTES_AT_MOST, "{sent}");
            assert!(sent.starts_with("email:ann@acme.com email:new"), "{sent}");
            assert!(sent.ends_with(" email:bo@acme.com"), "{sent}");
        }
        // 120 short addresses (26 bytes each): 100, then 20.
        assert_eq!(batched.iter().map(Vec::len).collect::<Vec<_>>(), [100, 20]);
        // 120 of 33 characters (44 bytes each as sent): the byte budget cuts at 89.
        let usual: BTreeSet<String> = (0..120)
            .map(|i| format!("firstname.lastname{i:03}@company.com"))
            .collect();
        assert_eq!(
            queries(&usual, Some(&c))
                .iter()
                .map(Vec::len)
                .collect::<Vec<_>>(),
            [89, 31]
        );
        assert_eq!(
            text(&["one@acme.com".to_owned()], Some(&c)),
            "email:one@acme.com",
            "one address needs no canary"
        );
    }

    #[test]
    fn long_addresses_make_shorter_batches_and_odd_ones_go_alone() {
        let c = canaries();
        let long = "x".repeat(200);
        let mut emails: BTreeSet<String> =
            (0..20).map(|i| format!("{long}{i:02}@acme.com")).collect();
        emails.insert("two words@acme.com".to_owned());
        emails.insert("\"quoted\"@acme.com".to_owned());
        let batched = queries(&emails, Some(&c));
        for query in &batched {
            assert!(encoded_len(&text(query, Some(&c))) <= SEARCH_QUERY_BYTES_AT_MOST);
        }
        assert!(batched.contains(&vec!["two words@acme.com".to_owned()]));
        assert!(batched.contains(&vec!["\"quoted\"@acme.com".to_owned()]));
        assert_eq!(batched.iter().map(Vec::len).sum::<usize>(), 22);
        assert!(batched.len() >= 4, "{}", batched.len());
        // Without canaries every email is a query of its own.
        assert_eq!(queries(&emails, None).len(), 22);
    }

    #[test]
    fn encoded_length_counts_what_the_url_carries() {
        assert_eq!(encoded_len("email:a+b@x.com"), 21);
        for text in [
            "email:a+b@x.com e",
            "email:Łukasz@x.pl",
            "email:o'neil*_-.~@x.com",
        ] {
            assert_eq!(encoded_len(text), url_encoded(text), "{text}");
        }
    }

    fn url_encoded(text: &str) -> usize {
        let mut url = reqwest::Url::parse("http://x/").unwrap();
        url.query_pairs_mut().append_pair("query", text);
        url.query().unwrap().len() - "query=".len()
    }
}
