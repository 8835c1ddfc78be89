//! `--mask-emails`: the local part of every email address becomes `***`, so a plan posted
//! where many can read it (a pull-request comment) names domains but not people.

use std::borrow::Cow;

/// `text` with the local part of every email address replaced by `***`:
/// `Jane <jane.smith@acme.com>` becomes `Jane <***@acme.com>`. One pass; text without an
/// `@` is returned as is. Masking twice changes nothing more.
pub(crate) fn mask_emails(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[..copied]` is in `out` already.
    let mut copied = 0;
    let mut from = 0;
    while let Some(offset) = text[from..].find('@') {
        let at = from + offset;
        let mut start = at;
        while start > copied && is_local(bytes[start - 1]) {
            start -= 1;
        }
        let domain = domain_len(&bytes[at + 1..]);
        if start < at && domain > 0 {
            out.push_str(&text[copied..start]);
            out.push_str("***@");
            out.push_str(&text[at + 1..at + 1 + domain]);
            copied = at + 1 + domain;
            from = copied;
        } else {
            from = at + 1;
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether a byte can be part of an address's local part. Deliberately narrower than
/// RFC 5322 (no quotes, backticks or slashes), so `` `jane@acme.com` `` keeps its backticks.
fn is_local(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// The length of the domain at the start of `bytes`: dot-separated labels of letters,
/// digits and hyphens, at least two of them; 0 when there is none. A sentence's full stop
/// after the address is not part of it.
fn domain_len(bytes: &[u8]) -> usize {
    let mut len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    while len > 0 && matches!(bytes[len - 1], b'.' | b'-') {
        len -= 1;
    }
    let domain = &bytes[..len];
    let valid = domain.first().is_some_and(u8::is_ascii_alphanumeric)
        && domain.contains(&b'.')
        && !domain.windows(2).any(|w| w == b"..");
    if valid { len } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::mask_emails;

    #[test]
    fn masks_the_local_part_and_keeps_everything_else() {
        for (text, masked) in [
            ("no address here", "no address here"),
            (
                "Jane Smith <jane.smith@acme.com>",
                "Jane Smith <***@acme.com>",
            ),
            ("email:jane@acme.com", "email:***@acme.com"),
            (
                "protected by `bo@acme.com`.",
                "protected by `***@acme.com`.",
            ),
            (
                "a@b.co, c+d@mail.acme.co.uk",
                "***@b.co, ***@mail.acme.co.uk",
            ),
            ("\"j@x.io\" → \"k@x.io\"", "\"***@x.io\" → \"***@x.io\""),
            (
                "@handle and x@localhost and @acme.com",
                "@handle and x@localhost and @acme.com",
            ),
            ("ends with jane@acme.com.", "ends with ***@acme.com."),
            ("Zoë <zoe@acme.com>", "Zoë <***@acme.com>"),
        ] {
            assert_eq!(mask_emails(text), masked, "{text}");
            assert_eq!(mask_emails(masked), masked, "masking twice: {masked}");
        }
    }
}
