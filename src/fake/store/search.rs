//! The store's side of the search index ([`SearchIndex`]): every change of a user is
//! recorded with the clock's time, and searches read the index as it was one lag ago.

use super::Store;
use crate::fake::search_index::{Condition, SearchIndex, Terms, satisfies};

/// How long a superseded snapshot is kept: longer than any lag a test or an account sets.
const KEEP_MS: i64 = 3_600_000;

impl Store {
    /// What a search can match of user `id` now; `None` when deleted.
    fn search_terms(&self, id: u64) -> Option<Terms> {
        let user = self.users.get(&id).filter(|u| u.active)?;
        Some(Terms {
            emails: self.emails_of(id).map(str::to_lowercase).collect(),
            name: user.name.to_lowercase(),
            external_id: user.external_id.as_deref().map(str::to_lowercase),
            tags: if self.rules.user_tagging {
                user.tags.iter().map(|t| t.to_lowercase()).collect()
            } else {
                Vec::new()
            },
            role: user.role.as_str().to_owned(),
        })
    }

    /// Records user `id` as it is now (after a change).
    pub(super) fn reindex(&mut self, id: u64) {
        let terms = self.search_terms(id);
        let now = self.clock.now().timestamp_millis();
        self.search.record(id, now, terms);
        self.search.compact_user(id, now - KEEP_MS);
    }

    /// Indexes every user as of long ago (a seeded account is searchable at once).
    pub(super) fn reindex_all_seeded(&mut self) {
        self.search = SearchIndex::default();
        let ids: Vec<u64> = self.users.keys().copied().collect();
        for id in ids {
            let terms = self.search_terms(id);
            self.search.seed(id, terms);
        }
    }

    /// The users a query finds with the index `lag_s` behind the clock, by id.
    pub(crate) fn search_users(&self, conditions: &[Condition], lag_s: f64) -> Vec<u64> {
        let as_of = self.clock.now().timestamp_millis() - (lag_s * 1000.0) as i64;
        let exact: Vec<&str> = conditions
            .iter()
            .filter_map(|c| match c {
                Condition::Property(key, value) if key == "email" => Some(value.as_str()),
                _ => None,
            })
            .collect();
        if exact.is_empty() {
            self.search.find(as_of, |t| satisfies(t, conditions))
        } else {
            self.search
                .find_by_email(&exact, as_of, |t| satisfies(t, conditions))
        }
    }
}
