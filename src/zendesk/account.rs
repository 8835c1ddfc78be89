//! Which Zendesk account a connection reaches. Two things can name it: the base URL, when
//! it is `https://{subdomain}.zendesk.com`, and Zendesk itself, whose answers carry the
//! account's own URL in every object's `url` (`https://{subdomain}.zendesk.com/api/v2/…`,
//! whatever host the request went to: a proxy, a host-mapped domain). zroster reads the
//! latter from `users/me`, the first request it makes anyway.

use serde::Serialize;

/// The subdomain of a URL on `{subdomain}.zendesk.com` (`https://acme.zendesk.com/api/v2/
/// users/1.json` → `acme`), lower-case; `None` for any other host, and for hosts below a
/// subdomain (`x.acme.zendesk.com`).
#[must_use]
pub fn subdomain_of(url: &str) -> Option<String> {
    let host = reqwest::Url::parse(url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    let subdomain = host.strip_suffix(".zendesk.com")?;
    is_subdomain(subdomain).then(|| subdomain.to_owned())
}

/// Whether `text` is a subdomain: 1 to 63 letters, digits and hyphens, neither first nor
/// last a hyphen. Compared case-insensitively, as host names are.
#[must_use]
pub fn is_subdomain(text: &str) -> bool {
    (1..=63).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// What names the account a connection reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountNames {
    /// The subdomain Zendesk named in its answer to `users/me` (the user's `url`).
    pub by_zendesk: Option<String>,
    /// The subdomain of the base URL, when it is on `zendesk.com`.
    pub by_url: Option<String>,
}

impl AccountNames {
    /// The names of the account reached with `base_url` whose `users/me` named
    /// `by_zendesk`.
    #[must_use]
    pub fn new(by_zendesk: Option<String>, base_url: &str) -> Self {
        Self {
            by_zendesk,
            by_url: subdomain_of(base_url),
        }
    }

    /// The account's subdomain: Zendesk's name for it, else the base URL's; `None` when
    /// neither names one.
    #[must_use]
    pub fn subdomain(&self) -> Option<&str> {
        self.by_zendesk.as_deref().or(self.by_url.as_deref())
    }

    /// Every name given, each once: Zendesk's first.
    #[must_use]
    pub fn all(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.by_zendesk.iter().map(String::as_str).collect();
        if let Some(by_url) = self.by_url.as_deref()
            && !names.contains(&by_url)
        {
            names.push(by_url);
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::{AccountNames, subdomain_of};

    #[test]
    fn only_a_zendesk_com_host_names_a_subdomain() {
        for (url, subdomain) in [
            ("https://acme.zendesk.com", Some("acme")),
            ("https://ACME.zendesk.com/api/v2/users/1.json", Some("acme")),
            ("https://acme-eu.zendesk.com:443/", Some("acme-eu")),
            ("https://support.acme.com", None),
            ("http://127.0.0.1:8080", None),
            ("https://x.acme.zendesk.com", None),
            ("https://zendesk.com", None),
            ("https://acme.zendesk.com.evil.io", None),
            ("not a url", None),
        ] {
            assert_eq!(subdomain_of(url).as_deref(), subdomain, "{url}");
        }
    }

    #[test]
    fn zendesk_s_name_comes_first_and_names_are_not_repeated() {
        let both = AccountNames::new(Some("acme".into()), "https://globex.zendesk.com");
        assert_eq!(both.subdomain(), Some("acme"));
        assert_eq!(both.all(), ["acme", "globex"]);
        let same = AccountNames::new(Some("acme".into()), "https://acme.zendesk.com");
        assert_eq!(same.all(), ["acme"]);
        let proxy = AccountNames::new(None, "http://127.0.0.1:1");
        assert_eq!(proxy.subdomain(), None);
        assert!(proxy.all().is_empty());
        let url_only = AccountNames::new(None, "https://acme.zendesk.com/");
        assert_eq!(url_only.subdomain(), Some("acme"));
    }
}
