//! Telling a listing that ends from one that does not: the cursors (or next-page URLs) a
//! [`Pager`](super::Pager) has followed, how many pages it read, and its run of empty pages.
//!
//! A listing stops with an error, rather than page forever, when
//! - a cursor or next-page URL comes back that it followed before, however long ago (a
//!   server alternating two cursors is caught as surely as one repeating the last);
//! - it passes the pages its own `count` allows: an offset page says how many items the
//!   listing holds, and a listing may take at most twice the pages that needs, plus two (for
//!   items added while it is read);
//! - it passes [`PageTrail::MAX_PAGES`] pages in any case (100,000 pages: ten million users
//!   at 100 a page, or a hundred million in the export's pages of 1,000; at the default
//!   rate-limit share of a 700-a-minute account that is some five hours of reading);
//! - [`PageTrail::MAX_EMPTY_RUN`] pages in a row hold nothing yet say more follow.
//!
//! Cursors are kept as 64-bit hashes, so a long listing costs 8 bytes a page.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};

/// Why a listing was stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The next cursor (or URL) was followed before.
    Repeated,
    /// More pages than allowed; the text says which bound.
    TooManyPages(String),
}

/// What a pager has followed so far.
#[derive(Debug)]
pub(crate) struct PageTrail {
    seen: HashSet<u64>,
    pages: u64,
    /// The pages allowed, and the reason to give when they are passed.
    allowed: (u64, String),
    empty_run: u32,
}

impl Default for PageTrail {
    fn default() -> Self {
        Self {
            seen: HashSet::new(),
            pages: 0,
            allowed: (
                Self::MAX_PAGES,
                format!(
                    "more than any listing has (at most {} pages)",
                    Self::MAX_PAGES
                ),
            ),
            empty_run: 0,
        }
    }
}

impl PageTrail {
    /// The most pages any listing may take.
    pub(crate) const MAX_PAGES: u64 = 100_000;
    /// The most pages in a row that hold nothing and yet say more follow.
    pub(crate) const MAX_EMPTY_RUN: u32 = 10;

    /// A trail whose listing starts at `first` (the first page's URL), so that a link back
    /// to it is a repeat too.
    pub(crate) fn starting_at(first: &str) -> Self {
        let mut trail = Self::default();
        trail.seen.insert(hash(first));
        trail
    }

    /// Notes a page read with `items` items, the listing's `count` when the page gives one,
    /// and `next`, the cursor or URL of the page after it (`None` at the end). Fails when
    /// following `next` would repeat an earlier page or pass a bound.
    pub(crate) fn follow(
        &mut self,
        items: usize,
        count: Option<u64>,
        next: Option<&str>,
    ) -> Result<(), Stop> {
        self.pages += 1;
        if let (Some(count), 1) = (count, self.pages) {
            let per_page = (items as u64).max(1);
            let needed = count.div_ceil(per_page);
            let allowed = needed.saturating_mul(2).saturating_add(2);
            if allowed < self.allowed.0 {
                self.allowed = (
                    allowed,
                    format!("more than its `count` of {count} allows (at most {allowed} pages)"),
                );
            }
        }
        let Some(next) = next else {
            return Ok(());
        };
        if !self.seen.insert(hash(next)) {
            return Err(Stop::Repeated);
        }
        self.empty_run = if items == 0 { self.empty_run + 1 } else { 0 };
        if self.empty_run >= Self::MAX_EMPTY_RUN {
            return Err(Stop::TooManyPages(format!(
                "{} pages in a row held nothing yet each said more would follow",
                self.empty_run
            )));
        }
        if self.pages >= self.allowed.0 {
            return Err(Stop::TooManyPages(self.allowed.1.clone()));
        }
        Ok(())
    }

    /// Pages noted so far.
    pub(crate) fn pages(&self) -> u64 {
        self.pages
    }
}

fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::{PageTrail, Stop};

    #[test]
    fn a_cursor_followed_before_is_a_repeat_however_long_ago() {
        let mut trail = PageTrail::default();
        trail.follow(100, None, Some("a")).unwrap();
        trail.follow(100, None, Some("b")).unwrap();
        assert_eq!(trail.follow(100, None, Some("a")), Err(Stop::Repeated));
        let mut trail = PageTrail::default();
        trail.follow(100, None, Some("a")).unwrap();
        assert_eq!(trail.follow(100, None, Some("a")), Err(Stop::Repeated));
        // A link back to the first page.
        let mut trail = PageTrail::starting_at("https://x/api/v2/users?page=1");
        assert_eq!(
            trail.follow(100, None, Some("https://x/api/v2/users?page=1")),
            Err(Stop::Repeated)
        );
        // The last page names no next one: nothing to follow, nothing to refuse.
        let mut trail = PageTrail::default();
        trail.follow(100, None, Some("a")).unwrap();
        trail.follow(3, None, None).unwrap();
        assert_eq!(trail.pages(), 2);
    }

    #[test]
    fn an_offset_listing_stops_past_the_pages_its_count_allows() {
        let mut trail = PageTrail::default();
        // 250 items at 100 a page: 3 pages needed, 8 allowed.
        for page in 0..7 {
            trail
                .follow(100, Some(250), Some(&format!("page={}", page + 2)))
                .unwrap();
        }
        let Err(Stop::TooManyPages(reason)) = trail.follow(100, Some(250), Some("page=9")) else {
            panic!("not stopped");
        };
        assert!(reason.contains("`count` of 250"), "{reason}");
        // A later page cannot raise the bound.
        // 100 items: 1 page needed, 4 allowed.
        let mut trail = PageTrail::default();
        trail.follow(100, Some(100), Some("p2")).unwrap();
        trail.follow(100, Some(1_000_000), Some("p3")).unwrap();
        trail.follow(100, Some(1_000_000), Some("p4")).unwrap();
        assert!(trail.follow(100, Some(1_000_000), Some("p5")).is_err());
    }

    #[test]
    fn always_new_cursors_stop_at_the_hard_cap_or_after_a_run_of_empty_pages() {
        let mut trail = PageTrail::default();
        let mut stopped = None;
        for page in 0..=PageTrail::MAX_PAGES {
            if let Err(stop) = trail.follow(100, None, Some(&page.to_string())) {
                stopped = Some((page, stop));
                break;
            }
        }
        let (page, stop) = stopped.expect("stopped");
        assert_eq!(page + 1, PageTrail::MAX_PAGES);
        assert!(matches!(stop, Stop::TooManyPages(reason) if reason.contains("100000 pages")));

        let mut trail = PageTrail::default();
        for page in 1..PageTrail::MAX_EMPTY_RUN {
            trail.follow(0, None, Some(&page.to_string())).unwrap();
        }
        assert!(matches!(
            trail.follow(0, None, Some("last")),
            Err(Stop::TooManyPages(reason)) if reason.contains("held nothing")
        ));
        // A page with items in between starts the run again.
        let mut trail = PageTrail::default();
        for page in 0..30 {
            let items = usize::from(page % 5 == 0);
            trail.follow(items, None, Some(&page.to_string())).unwrap();
        }
    }
}
