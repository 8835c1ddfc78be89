//! Taking the run's credentials back out of text that came from elsewhere: an error body
//! that echoes the request's headers, a `Location`, a cursor, a connection error.
//!
//! [`Secret`](super::Secret) keeps zroster itself from printing a token; a server can still
//! send it back. Every [`ZendeskError`](super::ZendeskError) the transport hands out passes
//! through [`Scrubber::scrub`] (see `Transport::scrub`), and error bodies are scrubbed whole
//! before a snippet of them is cut (so no truncated token survives at the cut).
//!
//! Each credential is looked for in every encoding it may come back in:
//! - the raw token, and the raw Basic pair `{email}/token:{token}`;
//! - the base64 of the pair (what the `Authorization: Basic` header carries) and of the
//!   token alone, each in the standard and URL-safe alphabets, padded and not;
//! - any of those with any of its characters percent-encoded (`%2F` or `%2f`, as in a URL
//!   or a form, over-encoded or not), and with `/` escaped as `\/`, as some JSON encoders
//!   write it.
//!
//! `Bearer {token}` is covered by the raw token. All of it is one regular expression,
//! built once per client. A needle shorter than [`Scrubber::MIN_NEEDLE`] characters is not
//! looked for: replacing every `t` of a message because a test token is `t` would make
//! errors unreadable, and no real credential is that short (Zendesk API tokens have 40
//! characters, OAuth tokens 64).

use std::fmt::{self, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use regex::Regex;

use super::Auth;

/// What a credential is replaced with.
pub(crate) const REDACTED: &str = "<redacted>";

/// The encodings of one run's credentials, to replace in any text shown to people.
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    /// Every needle in every encoding, longest needle first; `None` when there is none.
    pattern: Option<Regex>,
    needles: usize,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The pattern is the secret in other clothes: only the number of needles shows.
        f.debug_struct("Scrubber")
            .field("needles", &self.needles)
            .finish_non_exhaustive()
    }
}

impl Scrubber {
    /// The shortest needle looked for.
    pub(crate) const MIN_NEEDLE: usize = 8;

    /// A scrubber for `auth`'s credentials.
    pub(crate) fn for_auth(auth: &Auth) -> Self {
        let mut plain = Vec::new();
        match auth {
            Auth::ApiToken { email, token } => {
                plain.push(token.expose().to_owned());
                plain.push(format!("{email}/token:{}", token.expose()));
            }
            Auth::OAuth { token } => plain.push(token.expose().to_owned()),
        }
        let mut needles = Vec::new();
        for text in plain {
            for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                needles.push(engine.encode(&text));
            }
            needles.push(text);
        }
        needles.retain(|needle| needle.chars().count() >= Self::MIN_NEEDLE);
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        let alternatives: Vec<String> = needles
            .iter()
            .map(|needle| needle.chars().map(char_pattern).collect())
            .collect();
        let pattern = (!alternatives.is_empty())
            .then(|| Regex::new(&alternatives.join("|")))
            .and_then(Result::ok);
        Self {
            pattern,
            needles: needles.len(),
        }
    }

    /// `text` with every needle replaced by `<redacted>`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(text, REDACTED).into_owned(),
            None => text.to_owned(),
        }
    }

    /// Scrubs `text` in place.
    pub(crate) fn scrub_in_place(&self, text: &mut String) {
        if self
            .pattern
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(text))
        {
            *text = self.scrub(text);
        }
    }

    /// A body, scrubbed as text (bytes that are not UTF-8 become `�`: the body is only
    /// read for an error message from here on).
    pub(crate) fn scrub_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        let text = String::from_utf8_lossy(&body);
        if self
            .pattern
            .as_ref()
            .is_some_and(|pattern| pattern.is_match(&text))
        {
            self.scrub(&text).into_bytes()
        } else {
            body
        }
    }
}

/// A character as it may come back: itself, percent-encoded (either case of hex), and `/`
/// also as `\/`.
fn char_pattern(c: char) -> String {
    let mut buffer = [0; 4];
    let encoded = c
        .encode_utf8(&mut buffer)
        .bytes()
        .fold(String::new(), |mut out, byte| {
            let _ = write!(out, "%{byte:02x}");
            out
        });
    let mut alternatives = vec![regex::escape(&c.to_string()), format!("(?i:{encoded})")];
    if c == '/' {
        alternatives.push(regex::escape("\\/"));
    }
    format!("(?:{})", alternatives.join("|"))
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    use super::Scrubber;
    use crate::zendesk::{Auth, Secret};

    const TOKEN: &str = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv";

    fn api_token() -> Scrubber {
        Scrubber::for_auth(&Auth::ApiToken {
            email: "ops+bot@acme.com".to_owned(),
            token: Secret::new(TOKEN),
        })
    }

    /// `text` with every byte that `keep` refuses as `%XX`, in upper- or lower-case hex.
    fn percent_encode(text: &str, upper: bool, keep: fn(u8) -> bool) -> String {
        text.bytes().fold(String::new(), |mut out, byte| {
            if keep(byte) {
                out.push(char::from(byte));
            } else if upper {
                let _ = write!(out, "%{byte:02X}");
            } else {
                let _ = write!(out, "%{byte:02x}");
            }
            out
        })
    }

    /// RFC 3986's unreserved set.
    fn unreserved(byte: u8) -> bool {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
    }

    #[test]
    fn every_encoding_of_the_basic_pair_is_scrubbed() {
        let scrubber = api_token();
        let pair = format!("ops+bot@acme.com/token:{TOKEN}");
        let standard = STANDARD.encode(&pair);
        let cases = [
            format!("token {TOKEN} echoed"),
            format!("authorization: Basic {standard}"),
            format!(
                "{{\"headers\":{{\"Authorization\":\"Basic {}\"}}}}",
                standard.replace('/', "\\/")
            ),
            format!("Basic {}", URL_SAFE_NO_PAD.encode(&pair)),
            format!("Basic {}", STANDARD.encode(&pair).trim_end_matches('=')),
            format!(
                "Location: https://x/?auth={}",
                percent_encode(&standard, true, unreserved)
            ),
            format!("?auth={}", percent_encode(&standard, false, unreserved)),
            format!("?pair={}", percent_encode(&pair, true, unreserved)),
            format!("token alone in base64: {}", STANDARD.encode(TOKEN)),
            // Over-encoded: every character as `%XX`.
            percent_encode(TOKEN, false, |_| false),
        ];
        for case in cases {
            let out = scrubber.scrub(&case);
            assert!(out.contains("<redacted>"), "{case} → {out}");
            assert!(!out.contains(TOKEN), "{out}");
            assert!(!out.contains(&standard[..40]), "{out}");
        }
        assert_eq!(scrubber.scrub("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn bearer_tokens_and_bytes_are_scrubbed() {
        let scrubber = Scrubber::for_auth(&Auth::OAuth {
            token: Secret::new("oauth-9f8e7d6c5b4a"),
        });
        assert_eq!(
            scrubber.scrub("authorization: Bearer oauth-9f8e7d6c5b4a"),
            "authorization: Bearer <redacted>"
        );
        let body = b"{\"echo\":\"Bearer oauth-9f8e7d6c5b4a\"}".to_vec();
        assert_eq!(
            scrubber.scrub_bytes(body),
            b"{\"echo\":\"Bearer <redacted>\"}".to_vec()
        );
        let mut text = "x oauth-9f8e7d6c5b4a".to_owned();
        scrubber.scrub_in_place(&mut text);
        assert_eq!(text, "x <redacted>");
    }

    #[test]
    fn short_needles_are_left_alone_and_the_debug_form_shows_none() {
        let scrubber = Scrubber::for_auth(&Auth::ApiToken {
            email: "a@b.c".to_owned(),
            token: Secret::new("t"),
        });
        // The raw one-letter token is not looked for; the pair's base64 still is.
        assert_eq!(scrubber.scrub("retry the request"), "retry the request");
        let encoded = STANDARD.encode("a@b.c/token:t");
        assert_eq!(scrubber.scrub(&encoded), "<redacted>");
        let debug = format!("{:?}", api_token());
        assert!(
            !debug.contains(TOKEN) && debug.starts_with("Scrubber"),
            "{debug}"
        );
    }
}
