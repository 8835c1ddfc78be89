//! The search index behind `users/search?query=` and `/search`: Zendesk indexes users
//! asynchronously, so a change becomes searchable only after a lag (recorded: `users/search`
//! within 1-2 s, `/search` after 16-19 s; documented: "up to a few minutes"). The index keeps,
//! per user, the searchable terms as of each change; a search at time `t` with lag `l` sees
//! each user as it was at `t - l` and answers with the user as it is now (a deleted user the
//! index still matches comes back with `active: false`, as recorded).

use std::collections::HashMap;

/// What a search can match of one user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Terms {
    /// Every email identity, lower-cased.
    pub(crate) emails: Vec<String>,
    /// The name, lower-cased.
    pub(crate) name: String,
    /// The external id, lower-cased.
    pub(crate) external_id: Option<String>,
    /// Tags (empty when the account has user tagging off).
    pub(crate) tags: Vec<String>,
    /// `end-user`, `agent` or `admin`.
    pub(crate) role: String,
}

/// One indexed state of a user: `None` when the user is absent from the index (deleted).
#[derive(Debug, Clone)]
struct Snapshot {
    at_ms: i64,
    terms: Option<Terms>,
}

/// The index: every user's snapshots, oldest first, and which users ever held an address.
#[derive(Debug, Default, Clone)]
pub(crate) struct SearchIndex {
    snapshots: HashMap<u64, Vec<Snapshot>>,
    by_email: HashMap<String, Vec<u64>>,
}

impl SearchIndex {
    /// Records what a user looks like from `at_ms` on (`None`: deleted); a snapshot equal to
    /// the latest is not repeated.
    pub(crate) fn record(&mut self, user_id: u64, at_ms: i64, terms: Option<Terms>) {
        let list = self.snapshots.entry(user_id).or_default();
        if list.last().is_some_and(|s| s.terms == terms) {
            return;
        }
        self.note_emails(user_id, terms.as_ref());
        self.snapshots
            .entry(user_id)
            .or_default()
            .push(Snapshot { at_ms, terms });
    }

    fn note_emails(&mut self, user_id: u64, terms: Option<&Terms>) {
        for email in terms.into_iter().flat_map(|t| &t.emails) {
            let owners = self.by_email.entry(email.clone()).or_default();
            if !owners.contains(&user_id) {
                owners.push(user_id);
            }
        }
    }

    /// Seeds a user as indexed long ago (state-file users are searchable at once).
    pub(crate) fn seed(&mut self, user_id: u64, terms: Option<Terms>) {
        self.note_emails(user_id, terms.as_ref());
        self.snapshots.insert(
            user_id,
            vec![Snapshot {
                at_ms: i64::MIN,
                terms,
            }],
        );
    }

    /// Forgets a user (deleted for good).
    pub(crate) fn forget(&mut self, user_id: u64) {
        self.snapshots.remove(&user_id);
    }

    /// Forgets the snapshots of one user that no search can see any more (older than the
    /// latest one at or before `horizon_ms`), so the index stays one snapshot a user.
    pub(crate) fn compact_user(&mut self, user_id: u64, horizon_ms: i64) {
        if let Some(list) = self.snapshots.get_mut(&user_id) {
            let visible = list.iter().rposition(|s| s.at_ms <= horizon_ms);
            if let Some(keep_from) = visible
                && keep_from > 0
            {
                list.drain(..keep_from);
            }
            if list.len() == 1 && list[0].terms.is_none() {
                self.snapshots.remove(&user_id);
            }
        }
    }

    /// Like [`find`](Self::find), among the users that ever held one of `emails`.
    pub(crate) fn find_by_email(
        &self,
        emails: &[&str],
        as_of_ms: i64,
        matches: impl Fn(&Terms) -> bool,
    ) -> Vec<u64> {
        let mut ids: Vec<u64> = emails
            .iter()
            .filter_map(|e| self.by_email.get(*e))
            .flatten()
            .copied()
            .filter(|id| self.visible(*id, as_of_ms).is_some_and(&matches))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn visible(&self, user_id: u64, as_of_ms: i64) -> Option<&Terms> {
        let list = self.snapshots.get(&user_id)?;
        list.iter()
            .rev()
            .find(|s| s.at_ms <= as_of_ms)?
            .terms
            .as_ref()
    }

    /// The users whose terms, as the index saw them at `as_of_ms`, satisfy `matches`, by id.
    pub(crate) fn find(&self, as_of_ms: i64, matches: impl Fn(&Terms) -> bool) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .snapshots
            .iter()
            .filter_map(|(id, list)| {
                let seen = list.iter().rev().find(|s| s.at_ms <= as_of_ms)?;
                seen.terms.as_ref().filter(|t| matches(t)).map(|_| *id)
            })
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// One condition of a query: `email:x`, `tags:x`, `role:x`, `external_id:x`, `name:x`,
/// `type:user`, a time comparison (`created_at>=2023-09-14T00:39:54Z`, `updated>2024-01-01`)
/// or a bare word (matched against emails, name and external id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    /// `type:user` (other types match nothing among users).
    Type(String),
    /// A property and its value, lower-cased.
    Property(String, String),
    /// `created` / `updated` compared with a moment: the field (`created_at` or
    /// `updated_at`), the operator (`>`, `>=`, `<`, `<=`) and the moment as written.
    Time(&'static str, &'static str, String),
    /// A bare word, lower-cased.
    Word(String),
}

/// Reads `created_at>=…`, `updated<…` and friends.
fn time_condition(text: &str) -> Option<Condition> {
    for (key, field) in [
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("created", "created_at"),
        ("updated", "updated_at"),
    ] {
        let Some(rest) = text.strip_prefix(key) else {
            continue;
        };
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        for op in [">=", "<=", ">", "<"] {
            if let Some(value) = rest.strip_prefix(op) {
                return Some(Condition::Time(field, op, value.to_uppercase()));
            }
        }
    }
    None
}

/// Whether `timestamp` (an RFC 3339 time Zendesk wrote) satisfies a time condition; a date
/// compares with the start of that day.
#[must_use]
pub(crate) fn time_satisfies(timestamp: &str, op: &str, value: &str) -> bool {
    let moment = |text: &str| -> Option<i64> {
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
            return Some(t.timestamp());
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
    };
    let (Some(at), Some(bound)) = (moment(timestamp), moment(value)) else {
        return false;
    };
    match op {
        ">" => at > bound,
        ">=" => at >= bound,
        "<" => at < bound,
        _ => at <= bound,
    }
}

/// Parses Zendesk's query syntax as far as users need it: whitespace-separated conditions
/// (double quotes keep spaces), `key:value`. Conditions on different properties must all
/// hold; several values of one property match any of them (`email:a email:b`).
#[must_use]
pub(crate) fn parse_query(query: &str) -> Vec<Condition> {
    let mut conditions = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut flush = |word: &mut String| {
        let text = word.trim().trim_matches('"').to_lowercase();
        word.clear();
        if text.is_empty() {
            return;
        }
        if let Some(condition) = time_condition(&text) {
            conditions.push(condition);
            return;
        }
        match text.split_once(':') {
            Some(("type", value)) => conditions.push(Condition::Type(value.to_owned())),
            Some((key, value)) if !key.is_empty() && !key.contains('@') => {
                conditions.push(Condition::Property(
                    key.to_owned(),
                    value.trim_matches('"').to_owned(),
                ));
            }
            _ => conditions.push(Condition::Word(text)),
        }
    };
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => flush(&mut current),
            c => current.push(c),
        }
    }
    flush(&mut current);
    conditions
}

/// Whether `terms` satisfy `conditions` (see [`parse_query`]); an empty query matches nothing.
#[must_use]
pub(crate) fn satisfies(terms: &Terms, conditions: &[Condition]) -> bool {
    if conditions.is_empty() {
        return false;
    }
    let mut by_key: HashMap<&str, Vec<&str>> = HashMap::new();
    for condition in conditions {
        match condition {
            Condition::Type(t) if t != "user" => return false,
            // Compared with the user itself, after the index found it.
            Condition::Type(_) | Condition::Time(..) => {}
            Condition::Property(key, value) => by_key.entry(key).or_default().push(value),
            // A bare word matches a word of the name, an address or the external id, or the
            // start of one ("a prefix of a longer word", Zendesk's search reference).
            Condition::Word(word) => {
                let hit = terms.emails.iter().any(|e| e.starts_with(word.as_str()))
                    || terms
                        .external_id
                        .as_deref()
                        .is_some_and(|e| e.starts_with(word.as_str()))
                    || terms
                        .name
                        .split_whitespace()
                        .any(|w| w.starts_with(word.as_str()))
                    || terms.name.starts_with(word.as_str());
                if !hit {
                    return false;
                }
            }
        }
    }
    by_key.iter().all(|(key, values)| {
        values.iter().any(|value| match *key {
            "email" => terms.emails.iter().any(|e| e == value),
            "tags" | "tag" => terms.tags.iter().any(|t| t == value),
            "role" => terms.role == *value,
            "external_id" => terms.external_id.as_deref() == Some(*value),
            "name" => terms.name == *value || terms.name.split_whitespace().any(|w| w == *value),
            _ => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(email: &str) -> Terms {
        Terms {
            emails: vec![email.to_owned()],
            name: "jane smith".to_owned(),
            external_id: Some("emp-1".to_owned()),
            tags: vec!["vip".to_owned()],
            role: "agent".to_owned(),
        }
    }

    #[test]
    fn a_search_sees_each_user_as_it_was_one_lag_ago() {
        let mut index = SearchIndex::default();
        index.record(1, 1_000, Some(terms("a@x.com")));
        index.record(1, 5_000, Some(terms("b@x.com")));
        index.record(1, 9_000, None);
        let find = |at, email: &str| {
            let conditions = parse_query(&format!("email:{email}"));
            index.find(at, |t| satisfies(t, &conditions))
        };
        assert!(find(500, "a@x.com").is_empty());
        assert_eq!(find(1_000, "a@x.com"), [1]);
        assert!(find(4_999, "b@x.com").is_empty());
        assert_eq!(find(5_000, "b@x.com"), [1]);
        assert!(find(9_000, "b@x.com").is_empty());
        assert_eq!(index.find_by_email(&["b@x.com"], 5_000, |_| true), [1]);
        index.compact_user(1, 9_000);
        assert!(index.snapshots.is_empty());
    }

    #[test]
    fn queries_combine_properties_with_and_and_values_with_or() {
        let t = terms("jane@acme.com");
        let q = |text: &str| satisfies(&t, &parse_query(text));
        assert!(q("jane@acme.com"));
        assert!(q("type:user email:jane@acme.com"));
        assert!(q("email:other@acme.com email:jane@acme.com"));
        assert!(q("tags:vip role:agent"));
        assert!(!q("tags:vip role:admin"));
        assert!(!q("type:ticket email:jane@acme.com"));
        assert!(q("external_id:EMP-1"));
        assert!(q("name:\"Jane Smith\""));
        assert!(!q(""));
        assert_eq!(
            parse_query("created_at>=2023-09-14T00:39:54Z type:user"),
            [
                Condition::Time("created_at", ">=", "2023-09-14T00:39:54Z".into()),
                Condition::Type("user".into())
            ]
        );
        assert!(time_satisfies(
            "2023-09-15T00:00:00Z",
            ">=",
            "2023-09-14T00:39:54Z"
        ));
        assert!(!time_satisfies("2023-09-13T00:00:00Z", ">", "2023-09-14"));
    }
}
