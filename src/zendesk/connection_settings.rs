//! Where and how to reach Zendesk: base URL, credentials, timeouts, pacing and job limits.
//!
//! Filled from the environment here ([`ConnectionSettings::from_environment`]); the CLI's
//! flags will override single fields before the settings go into a client.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::limits::ACCOUNT_JOB_LIMIT;
use super::scrubber::REDACTED;
use super::{Secret, ZendeskError};
use crate::env_vars;

/// How zroster authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// An API token: Basic authentication as `{email}/token:{token}`.
    ApiToken {
        /// Email address of the token's user.
        email: String,
        /// The API token.
        token: Secret,
    },
    /// An OAuth access token: `Authorization: Bearer {token}`.
    OAuth {
        /// The access token.
        token: Secret,
    },
}

impl Auth {
    /// The variables a person should check when these credentials are refused.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::ApiToken { .. } => {
                "`ZENDESK_EMAIL` and `ZENDESK_API_TOKEN` (or `--email`/`--api-token`)"
            }
            Self::OAuth { .. } => "`ZENDESK_OAUTH_TOKEN` (or `--oauth-token`)",
        }
    }
}

/// Everything a client needs to reach one Zendesk account.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// Base URL of the account, without `/api/v2` (`https://acme.zendesk.com`).
    pub base_url: Url,
    /// Credentials.
    pub auth: Auth,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one request, from sending to the end of the body.
    pub request_timeout: Duration,
    /// Share of the account's per-minute rate limit this run may use, in
    /// `[MIN_RATE_LIMIT_SHARE, 1]`.
    pub rate_limit_share: f64,
    /// Longest time one logical request may take with all its retries and waits; after it the
    /// request fails with what was tried.
    pub deadline: Duration,
    /// Attempts of one request at most (the first one included), within the deadline.
    pub max_attempts: u32,
    /// Bulk jobs queued or running at once, at most the run's share of
    /// [`ACCOUNT_JOB_LIMIT`] ([`ConnectionSettings::effective_max_jobs`]).
    pub max_jobs: usize,
    /// Read requests (`show_many` batches) in flight at once.
    pub concurrency: usize,
    /// The largest response body read, in bytes; a larger one is an error and is not read to
    /// its end.
    pub max_body: usize,
    /// Test only: skip every retry, pacing and polling sleep ([`env_vars::ZROSTER_TEST_NO_DELAY`]).
    pub no_delay: bool,
}

impl ConnectionSettings {
    /// Whether the account is on this machine (`localhost`, 127.0.0.0/8, `::1`): the
    /// emulator, never Zendesk.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.base_url)
    }

    /// Default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default request timeout.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default share of the rate limit.
    pub const DEFAULT_RATE_LIMIT_SHARE: f64 = 0.5;
    /// The smallest share of the rate limit accepted: a twentieth, 10 requests a minute on
    /// the smallest plan (200). Below it a run crawls for hours without saying why.
    pub const MIN_RATE_LIMIT_SHARE: f64 = 0.05;
    /// Default retry deadline per request.
    pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);
    /// Default number of attempts per request.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
    /// Default number of bulk jobs in flight: as many as the account allows, within the
    /// run's share ([`ConnectionSettings::effective_max_jobs`]).
    pub const DEFAULT_MAX_JOBS: usize = ACCOUNT_JOB_LIMIT;
    /// Default number of read requests in flight.
    pub const DEFAULT_CONCURRENCY: usize = 4;
    /// Default largest response body: 64 MiB. The largest real answer is a page of 1,000
    /// users of the incremental export, a few MB even with many fields and tags; a body ten
    /// times that size is not Zendesk's.
    pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

    /// Settings for `base_url` and `auth` with every other field at its default.
    pub fn new(base_url: &str, auth: Auth) -> Result<Self, ZendeskError> {
        let settings = Self {
            base_url: parse_base_url(base_url)?,
            auth,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            rate_limit_share: Self::DEFAULT_RATE_LIMIT_SHARE,
            deadline: Self::DEFAULT_DEADLINE,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            max_jobs: Self::DEFAULT_MAX_JOBS,
            concurrency: Self::DEFAULT_CONCURRENCY,
            max_body: Self::DEFAULT_MAX_BODY,
            no_delay: false,
        };
        Ok(settings)
    }

    /// Settings from environment variables, read through `lookup` (pass
    /// `|name| std::env::var(name).ok()`; tests pass a map). Empty values count as unset.
    /// An OAuth token wins over an API token.
    ///
    /// Every value is trimmed of surrounding whitespace first: a token or an email read from
    /// a file with `$(cat token)` or pasted with its line break works as it was meant.
    pub fn from_environment(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ZendeskError> {
        let get = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let base_url = match (get(env_vars::ZENDESK_URL), get(env_vars::ZENDESK_SUBDOMAIN)) {
            (Some(url), _) => url,
            (None, Some(subdomain)) => subdomain_url(&subdomain)?,
            (None, None) => return Err(ZendeskError::MissingAccount),
        };
        let auth = match (
            get(env_vars::ZENDESK_OAUTH_TOKEN),
            get(env_vars::ZENDESK_EMAIL),
            get(env_vars::ZENDESK_API_TOKEN),
        ) {
            (Some(token), _, _) => Auth::OAuth {
                token: Secret::new(token),
            },
            (None, Some(email), Some(token)) => Auth::ApiToken {
                email,
                token: Secret::new(token),
            },
            (None, None, Some(_)) => return Err(ZendeskError::MissingEmail),
            (None, _, None) => return Err(ZendeskError::MissingCredentials),
        };
        let mut settings = Self::new(&base_url, auth)?;
        settings.no_delay = get(env_vars::ZROSTER_TEST_NO_DELAY).as_deref() == Some("1");
        Ok(settings)
    }

    /// Checks the numeric settings and the URL; clients call it before connecting.
    pub fn validate(&self) -> Result<(), ZendeskError> {
        check_scheme(&self.base_url)?;
        if !(Self::MIN_RATE_LIMIT_SHARE..=1.0).contains(&self.rate_limit_share) {
            return Err(ZendeskError::InvalidSetting {
                name: "rate-limit-share",
                value: self.rate_limit_share.to_string(),
                reason: "must be from 0.05 (a twentieth of the account's limit) to 1 (all of it)",
            });
        }
        if self.max_jobs == 0 {
            return Err(ZendeskError::InvalidSetting {
                name: "max-jobs",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        if self.max_attempts == 0 {
            return Err(ZendeskError::InvalidSetting {
                name: "max-attempts",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        if self.concurrency == 0 {
            return Err(ZendeskError::InvalidSetting {
                name: "concurrency",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        Ok(())
    }

    /// Bulk jobs in flight: `max_jobs`, never above the run's share of
    /// [`ACCOUNT_JOB_LIMIT`] (the share of the rate limit, so that other integrations keep
    /// the rest of the account's job queue as they keep the rest of its requests; at least
    /// one).
    #[must_use]
    pub fn effective_max_jobs(&self) -> usize {
        // The share is within (0, 1]: the product is within 0..=ACCOUNT_JOB_LIMIT.
        #[allow(clippy::cast_sign_loss)]
        let share = (ACCOUNT_JOB_LIMIT as f64 * self.rate_limit_share).floor() as usize;
        self.max_jobs.clamp(1, share.clamp(1, ACCOUNT_JOB_LIMIT))
    }
}

/// `https://{subdomain}.zendesk.com`, refusing anything that is not a host label. A refused
/// value is not shown: it may be a token put in the wrong variable.
fn subdomain_url(subdomain: &str) -> Result<String, ZendeskError> {
    let valid = (1..=63).contains(&subdomain.len())
        && subdomain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !subdomain.starts_with('-')
        && !subdomain.ends_with('-');
    if !valid {
        return Err(ZendeskError::InvalidUrl {
            url: REDACTED.to_owned(),
            reason: "`ZENDESK_SUBDOMAIN` takes the subdomain only (`acme`: letters, digits and hyphens, at most 63); the value is not shown, in case it is a token; put a full URL in `ZENDESK_URL`"
                .to_owned(),
        });
    }
    Ok(format!("https://{subdomain}.zendesk.com"))
}

/// Parses and checks a base URL: `https`, or `http` to a loopback address only; no
/// credentials, query or fragment. No error shows the URL's user info, query or fragment
/// (a `?token=` is a credential), and a value that does not parse as a URL is not shown at
/// all: it may be a token put in the wrong variable.
pub fn parse_base_url(raw: &str) -> Result<Url, ZendeskError> {
    let url = Url::parse(raw.trim()).map_err(|error| ZendeskError::InvalidUrl {
        url: REDACTED.to_owned(),
        reason: format!("{error} (a value that is not a URL is not shown, in case it is a token)"),
    })?;
    let invalid = |reason: &str| ZendeskError::InvalidUrl {
        url: shown(&url),
        reason: reason.to_owned(),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL; use `ZENDESK_EMAIL`/`ZENDESK_API_TOKEN`",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the base URL takes no query or fragment; put credentials in `ZENDESK_API_TOKEN` or `ZENDESK_OAUTH_TOKEN`",
        ));
    }
    if url.host().is_none() {
        return Err(invalid("the URL has no host"));
    }
    check_scheme(&url)?;
    Ok(url)
}

/// A URL as errors show it: user info, query and fragment replaced by `<redacted>`.
fn shown(url: &Url) -> String {
    let mut shown = url.clone();
    let had_user = !url.username().is_empty() || url.password().is_some();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    let mut text = shown.to_string();
    if had_user && let Some(at) = text.find("://") {
        text.insert_str(at + 3, &format!("{REDACTED}@"));
    }
    if url.query().is_some() {
        text.push('?');
        text.push_str(REDACTED);
    }
    if url.fragment().is_some() {
        text.push('#');
        text.push_str(REDACTED);
    }
    text
}

fn check_scheme(url: &Url) -> Result<(), ZendeskError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ZendeskError::InsecureUrl { url: shown(url) }),
        other => Err(ZendeskError::InvalidUrl {
            url: shown(url),
            reason: format!("unsupported scheme `{other}`; use `https://`"),
        }),
    }
}

/// Whether the URL's host is `localhost`, in 127.0.0.0/8 or `::1`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{Auth, ConnectionSettings, parse_base_url};
    use crate::zendesk::ZendeskError;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn http_is_refused_except_loopback() {
        for ok in [
            "https://acme.zendesk.com",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:3000",
            "http://[::1]:9000",
            "https://proxy.internal/zendesk",
        ] {
            assert!(parse_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://acme.zendesk.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.evil.com",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(ZendeskError::InsecureUrl { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_base_url("ftp://x"),
            Err(ZendeskError::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_base_url("not a url"),
            Err(ZendeskError::InvalidUrl { .. })
        ));
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        let error = parse_base_url("https://me:hunter2@acme.zendesk.com").unwrap_err();
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn environment_subdomain_and_api_token() {
        let settings = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_SUBDOMAIN", "acme"),
            ("ZENDESK_EMAIL", "ops@acme.com"),
            ("ZENDESK_API_TOKEN", "tok-123"),
        ]))
        .unwrap();
        assert_eq!(settings.base_url.as_str(), "https://acme.zendesk.com/");
        assert!(
            matches!(&settings.auth, Auth::ApiToken { email, token } if email == "ops@acme.com" && token.expose() == "tok-123")
        );
        assert!(!settings.no_delay);
    }

    #[test]
    fn environment_url_wins_and_oauth_wins() {
        let settings = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_URL", "http://127.0.0.1:9"),
            ("ZENDESK_SUBDOMAIN", "acme"),
            ("ZENDESK_OAUTH_TOKEN", "oauth-xyz"),
            ("ZENDESK_API_TOKEN", "tok"),
            ("ZROSTER_TEST_NO_DELAY", "1"),
        ]))
        .unwrap();
        assert_eq!(settings.base_url.as_str(), "http://127.0.0.1:9/");
        assert!(matches!(settings.auth, Auth::OAuth { .. }));
        assert!(settings.no_delay);
    }

    #[test]
    fn environment_errors_name_the_variables() {
        let missing = ConnectionSettings::from_environment(env(&[])).unwrap_err();
        assert!(missing.to_string().contains("`ZENDESK_SUBDOMAIN`"));
        let no_creds = ConnectionSettings::from_environment(env(&[("ZENDESK_SUBDOMAIN", "acme")]))
            .unwrap_err();
        assert!(no_creds.to_string().contains("`ZENDESK_API_TOKEN`"));
        let no_email = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_SUBDOMAIN", "acme"),
            ("ZENDESK_API_TOKEN", "t"),
        ]))
        .unwrap_err();
        assert!(matches!(no_email, ZendeskError::MissingEmail));
        let bad_sub = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_SUBDOMAIN", "acme.zendesk.com/x"),
            ("ZENDESK_OAUTH_TOKEN", "t"),
        ]))
        .unwrap_err();
        assert!(matches!(bad_sub, ZendeskError::InvalidUrl { .. }));
    }

    #[test]
    fn a_token_in_the_url_or_the_subdomain_is_never_echoed() {
        for raw in [
            "https://acme.zendesk.com/?token=s3cr3t-t0ken",
            "https://acme.zendesk.com/#s3cr3t-t0ken",
            "https://me:s3cr3t-t0ken@acme.zendesk.com",
            "https://me%40x.com%2Ftoken:s3cr3t-t0ken@acme.zendesk.com",
            "s3cr3t-t0ken",
            "acme s3cr3t-t0ken",
            "http://10.0.0.1/?token=s3cr3t-t0ken",
        ] {
            let error = parse_base_url(raw).unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("s3cr3t"), "{raw}: {shown}");
        }
        let error = parse_base_url("https://acme.zendesk.com/?token=s3cr3t-t0ken").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid Zendesk URL `https://acme.zendesk.com/?<redacted>`: the base URL takes no query or fragment; put credentials in `ZENDESK_API_TOKEN` or `ZENDESK_OAUTH_TOKEN`"
        );
        for subdomain in [
            "acme?token=s3cr3t-t0ken",
            "acme/token:s3cr3t-t0ken",
            "-s3cr3t-t0ken",
        ] {
            let error = ConnectionSettings::from_environment(env(&[
                ("ZENDESK_SUBDOMAIN", subdomain),
                ("ZENDESK_OAUTH_TOKEN", "t"),
            ]))
            .unwrap_err();
            assert!(!format!("{error} {error:?}").contains("s3cr3t"), "{error}");
            assert!(error.to_string().contains("`ZENDESK_SUBDOMAIN`"), "{error}");
        }
    }

    #[test]
    fn values_are_trimmed_of_whitespace_and_line_breaks() {
        let settings = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_URL", " https://acme.zendesk.com\n"),
            ("ZENDESK_EMAIL", "ops@acme.com\n"),
            ("ZENDESK_API_TOKEN", "\ttok-123\r\n"),
        ]))
        .unwrap();
        assert!(
            matches!(&settings.auth, Auth::ApiToken { email, token } if email == "ops@acme.com" && token.expose() == "tok-123")
        );
        let settings = ConnectionSettings::from_environment(env(&[
            ("ZENDESK_SUBDOMAIN", "acme\n"),
            ("ZENDESK_OAUTH_TOKEN", "oauth-xyz\n"),
        ]))
        .unwrap();
        assert_eq!(settings.base_url.as_str(), "https://acme.zendesk.com/");
        assert!(matches!(&settings.auth, Auth::OAuth { token } if token.expose() == "oauth-xyz"));
    }

    #[test]
    fn the_rate_limit_share_is_from_a_twentieth_to_all() {
        let mut settings = ConnectionSettings::new(
            "https://acme.zendesk.com",
            Auth::OAuth {
                token: crate::zendesk::Secret::new("t"),
            },
        )
        .unwrap();
        for ok in [0.05, 0.5, 1.0] {
            settings.rate_limit_share = ok;
            settings.validate().unwrap();
        }
        for bad in [1e-9, 0.01, 0.049, 0.0, -1.0, 1.01, f64::NAN, f64::INFINITY] {
            settings.rate_limit_share = bad;
            let error = settings.validate().unwrap_err();
            assert!(
                error.to_string().contains("must be from 0.05"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn validate_checks_ranges_and_clamps_jobs() {
        let mut settings = ConnectionSettings::new(
            "https://acme.zendesk.com",
            Auth::OAuth {
                token: crate::zendesk::Secret::new("t"),
            },
        )
        .unwrap();
        settings.validate().unwrap();
        settings.max_jobs = 500;
        // The default share, half the rate limit: half the account's job queue.
        assert_eq!(settings.effective_max_jobs(), super::ACCOUNT_JOB_LIMIT / 2);
        settings.rate_limit_share = 1.0;
        assert_eq!(settings.effective_max_jobs(), super::ACCOUNT_JOB_LIMIT);
        settings.max_jobs = 8;
        assert_eq!(settings.effective_max_jobs(), 8);
        settings.rate_limit_share = ConnectionSettings::MIN_RATE_LIMIT_SHARE;
        assert_eq!(settings.effective_max_jobs(), 1);
        settings.rate_limit_share = 1.5;
        assert!(settings.validate().is_err());
        settings.rate_limit_share = 0.0;
        assert!(settings.validate().is_err());
    }
}
