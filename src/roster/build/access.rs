//! Reading the values of the access settings and time boxes: the account's subdomains,
//! policy patterns, numbers of days, and moments (`expires`, `temporary.until`).

use super::super::model::{Located, Moment};
use super::super::node::{Node, NodeKind};
use super::{Builder, describe};

impl Builder<'_> {
    /// `settings.account`: a subdomain or a non-empty list of them, compared
    /// case-insensitively (kept lower-case). A subdomain is text; a number is refused, as
    /// no account of Zendesk is named by one written without quotes.
    pub(super) fn subdomains(&mut self, node: &mut Node, key: &str) -> Vec<Located<String>> {
        let pos = node.pos;
        let items: Vec<&mut Node> = match &mut node.kind {
            NodeKind::Seq(items) if !items.is_empty() => items.iter_mut().collect(),
            NodeKind::Seq(_) => {
                self.error(pos, "invalid-value", format!("`{key}` names no account"))
                    .hints
                    .push("name the account's subdomain, `account: acme`, or leave `account` out to bind the roster to none".into());
                return Vec::new();
            }
            _ => vec![node],
        };
        let mut subdomains: Vec<Located<String>> = Vec::new();
        for item in items {
            let Some(text) = item.as_str() else {
                let found = describe(item);
                self.error(
                    item.pos,
                    "invalid-type",
                    format!("`{key}` must be a subdomain or a list of subdomains, found {found}"),
                )
                .hints
                .push("write the subdomain as text: `account: acme` for `acme.zendesk.com`".into());
                continue;
            };
            if !crate::zendesk::is_subdomain(text) {
                let hint = match crate::zendesk::subdomain_of(&format!("https://{text}"))
                    .or_else(|| crate::zendesk::subdomain_of(text))
                {
                    Some(subdomain) => format!("write the subdomain only: `{subdomain}`"),
                    None => "a subdomain is letters, digits and inner hyphens, at most 63: `acme` for `acme.zendesk.com`".to_owned(),
                };
                self.error(
                    item.pos,
                    "invalid-subdomain",
                    format!("`{text}` is not a Zendesk subdomain"),
                )
                .hints
                .push(hint);
                continue;
            }
            let lower = text.to_ascii_lowercase();
            if subdomains.iter().any(|s| s.value == lower) {
                self.error(
                    item.pos,
                    "duplicate-item",
                    format!("`{text}` is listed twice in `{key}`"),
                );
                continue;
            }
            subdomains.push(Located::new(lower, item.pos));
        }
        subdomains
    }

    /// A list of patterns of `settings.policy`: written (a list, or `null` for none) or not.
    pub(super) fn pattern_list(
        &mut self,
        node: &mut Node,
        key: &str,
    ) -> Option<Located<Vec<Located<String>>>> {
        let pos = node.pos;
        if !matches!(node.kind, NodeKind::Seq(_) | NodeKind::Null) {
            self.type_error(node, key, "a list of patterns");
            return None;
        }
        let patterns = self.list(node, key, |b, item| b.string_pattern(item, key));
        Some(Located::new(patterns, pos))
    }

    /// One pattern: text (a number cannot match an address and is refused, as in `ignore`),
    /// an address pattern: an external id is whatever the roster writes, so `external_id:`
    /// patterns would let any entry through.
    fn string_pattern(&mut self, node: &mut Node, key: &str) -> Option<Located<String>> {
        let pattern = self.string(node, key)?;
        if pattern
            .value
            .starts_with(crate::roster::pattern::EXTERNAL_ID_PREFIX)
        {
            self.error(
                pattern.pos,
                "invalid-value",
                format!(
                    "`{}` is an external id pattern: `{key}` takes address patterns only (the policy judges the addresses users hold; an external id is whatever the roster writes)",
                    pattern.value
                ),
            );
            return None;
        }
        Some(pattern)
    }

    /// A number of days: a whole number from 0 to `u32::MAX`.
    pub(super) fn days(&mut self, node: &mut Node, key: &str) -> Option<Located<u32>> {
        self.count(node, key, "a whole number of days, 0 or more")
    }

    /// A moment: a date (`2026-12-31`, the end of that day in UTC) or an RFC 3339 time.
    pub(super) fn moment(&mut self, node: &mut Node, key: &str) -> Option<Located<Moment>> {
        const EXPECTED: &str =
            "a date `YYYY-MM-DD` or an RFC 3339 time such as `2026-12-05T17:00:00Z`";
        let Some(text) = node.as_str() else {
            self.type_error(node, key, EXPECTED);
            return None;
        };
        if let Some(moment) = Moment::parse(text) {
            return Some(Located::new(moment, node.pos));
        }
        let text = text.to_owned();
        // A time without its zone is the commonest slip: say so.
        let zoneless = text.len() >= 19
            && text.as_bytes().get(10) == Some(&b'T')
            && Moment::parse(&format!("{text}Z")).is_some();
        let hint = if zoneless {
            format!("a time needs its zone: `{text}Z` for UTC, or an offset such as `{text}+01:00`")
        } else {
            format!("write {EXPECTED}; a date means the end of that day in UTC")
        };
        self.error(
            node.pos,
            "invalid-date",
            format!("`{key}` of `{text}` is not a date or time"),
        )
        .hints
        .push(hint);
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_s_subdomain_pattern_is_the_client_s_rule() {
        let pattern = regex::Regex::new(crate::roster::schema::SUBDOMAIN_PATTERN).unwrap();
        for text in [
            "acme", "ACME", "a", "acme-eu", "1234", "-acme", "acme-", "ac me", "acme.io", "",
            "a--b", "ä",
        ] {
            assert_eq!(
                pattern.is_match(text),
                crate::zendesk::is_subdomain(text),
                "{text}"
            );
        }
        let long = "a".repeat(63);
        assert!(pattern.is_match(&long) && crate::zendesk::is_subdomain(&long));
        let too_long = "a".repeat(64);
        assert!(!pattern.is_match(&too_long) && !crate::zendesk::is_subdomain(&too_long));
    }
}
