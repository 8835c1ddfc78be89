//! `ignore` and `protect` patterns: globs matched case-insensitively against a user's email,
//! or against its external id when prefixed with `external_id:`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// The prefix that makes a pattern match external ids instead of emails.
pub const EXTERNAL_ID_PREFIX: &str = "external_id:";

/// Why a pattern can never match, going by its shape; its glob syntax is [`glob_error`]'s.
pub(crate) fn why_unmatchable(pattern: &str) -> Option<String> {
    if let Some(rest) = pattern.strip_prefix(EXTERNAL_ID_PREFIX) {
        return if rest.is_empty() {
            Some("it has nothing after `external_id:`".into())
        } else {
            None
        };
    }
    if pattern.is_empty() {
        return Some("it is empty".into());
    }
    if pattern.chars().any(char::is_whitespace) {
        return Some("email addresses contain no spaces".into());
    }
    let has_wildcard = pattern.contains(['*', '?']);
    let ats = pattern.matches('@').count();
    if ats > 1 {
        return Some("an email address has one `@`".into());
    }
    if ats == 0 && !pattern.contains('*') {
        return Some("it has no `@` and no `*`, so no email address fits it".into());
    }
    if ats == 1 {
        let (local, domain) = pattern.split_once('@').expect("one @");
        if local.is_empty() {
            return Some("nothing stands before the `@`".into());
        }
        if domain.is_empty() {
            return Some("nothing stands after the `@`".into());
        }
        if !has_wildcard && !domain.contains('.') && domain != "localhost" {
            return Some(format!("the domain `{domain}` has no dot"));
        }
    }
    None
}

/// Why a pattern is not a glob (an unclosed `[` or `{`, a bad range), for emails and external
/// ids alike; a pattern that does not compile would be left out of the set, silently.
pub(crate) fn glob_error(pattern: &str) -> Option<String> {
    let glob = pattern.strip_prefix(EXTERNAL_ID_PREFIX).unwrap_or(pattern);
    compile(glob).err()
}

fn compile(pattern: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map_err(|e| e.kind().to_string().to_lowercase())
}

/// A compiled list of patterns.
#[derive(Debug, Clone)]
pub struct PatternSet {
    emails: GlobSet,
    external_ids: GlobSet,
    /// The patterns as written, for messages, in the order of the two sets' indexes.
    email_texts: Vec<String>,
    external_id_texts: Vec<String>,
}

impl PatternSet {
    /// Compiles the patterns, skipping those that cannot compile (validation reports them).
    #[must_use]
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut emails = GlobSetBuilder::new();
        let mut external_ids = GlobSetBuilder::new();
        let (mut email_texts, mut external_id_texts) = (Vec::new(), Vec::new());
        for pattern in patterns {
            if let Some(rest) = pattern.strip_prefix(EXTERNAL_ID_PREFIX) {
                if let Ok(glob) = compile(rest) {
                    external_ids.add(glob);
                    external_id_texts.push(pattern.to_owned());
                }
            } else if let Ok(glob) = compile(pattern) {
                emails.add(glob);
                email_texts.push(pattern.to_owned());
            }
        }
        Self {
            emails: emails.build().unwrap_or_else(|_| GlobSet::empty()),
            external_ids: external_ids.build().unwrap_or_else(|_| GlobSet::empty()),
            email_texts,
            external_id_texts,
        }
    }

    /// The first pattern matching a user with this email and external id.
    #[must_use]
    pub fn matching(&self, email: Option<&str>, external_id: Option<&str>) -> Option<&str> {
        if let Some(email) = email
            && let Some(i) = self.emails.matches(email).first()
        {
            return Some(&self.email_texts[*i]);
        }
        if let Some(external_id) = external_id
            && let Some(i) = self.external_ids.matches(external_id).first()
        {
            return Some(&self.external_id_texts[*i]);
        }
        None
    }

    /// Whether any pattern matches a user with this email and external id (no allocation).
    #[must_use]
    pub fn is_match(&self, email: Option<&str>, external_id: Option<&str>) -> bool {
        email.is_some_and(|email| self.emails.is_match(email))
            || external_id.is_some_and(|id| self.external_ids.is_match(id))
    }

    /// Whether no pattern was given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.email_texts.is_empty() && self.external_id_texts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_emails_case_insensitively() {
        let set = PatternSet::new([
            "*@support.zendesk.com",
            "bot-*@acme.com",
            "external_id:svc-*",
        ]);
        assert_eq!(
            set.matching(Some("X@Support.Zendesk.com"), None),
            Some("*@support.zendesk.com")
        );
        assert_eq!(
            set.matching(Some("bot-7@acme.com"), None),
            Some("bot-*@acme.com")
        );
        assert_eq!(
            set.matching(Some("jane@acme.com"), Some("svc-1")),
            Some("external_id:svc-*")
        );
        assert_eq!(set.matching(Some("jane@acme.com"), Some("emp-1")), None);
    }

    #[test]
    fn unmatchable_patterns_are_explained() {
        for bad in [
            "",
            "ops team",
            "a@b@c.com",
            "owner",
            "@acme.com",
            "jane@",
            "jane@acme",
            "external_id:",
        ] {
            assert!(
                why_unmatchable(bad).is_some(),
                "{bad:?} should be unmatchable"
            );
        }
        for good in [
            "*@acme.com",
            "owner@acme.com",
            "*bot*",
            "external_id:svc-*",
            "a?@x.io",
        ] {
            assert_eq!(why_unmatchable(good), None, "{good:?} should be fine");
        }
    }

    #[test]
    fn glob_errors_are_found_for_emails_and_external_ids() {
        for bad in [
            "bot-[0-9@acme.com",
            "{a,b@acme.com",
            "external_id:[svc",
            "a*\\",
        ] {
            assert!(glob_error(bad).is_some(), "{bad:?} should not compile");
            assert_eq!(why_unmatchable(bad), None, "{bad:?} has a fine shape");
        }
        for good in ["*@acme.com", "external_id:svc-[0-9]*", "{a,b}@acme.com"] {
            assert_eq!(glob_error(good), None, "{good:?} should compile");
        }
    }
}
