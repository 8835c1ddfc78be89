//! Query strings and pagination: cursor pages (`page[size]`, `page[after]`, `page[before]`,
//! `meta` + `links`) and offset pages (`page`, `per_page`, `next_page`/`previous_page`/`count`),
//! with Zendesk's cursor encoding (`{"o":"id","v":…}`, base64).

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::api_error::ApiError;

/// Decoded query-string pairs, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query(pub(crate) Vec<(String, String)>);

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value the way Zendesk's links do.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

impl Query {
    /// Parses a raw query string (without `?`).
    pub(crate) fn parse(raw: &str) -> Self {
        Self(
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (percent_decode(key), percent_decode(value))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Comma-separated values of `key` (`ids=1,2,3`), empty parts dropped.
    pub(crate) fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
    }
}

/// The position of an item in a collection's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortKey {
    /// Ordered by id.
    Id(u64),
    /// Ordered by name case-insensitively, then id (groups); the cursor keeps the name's case.
    NameId(String, u64),
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Self::Id(a), Self::Id(b)) => a.cmp(b),
            (Self::NameId(a, x), Self::NameId(b, y)) => {
                a.to_lowercase().cmp(&b.to_lowercase()).then(x.cmp(y))
            }
            (Self::Id(_), Self::NameId(..)) => std::cmp::Ordering::Less,
            (Self::NameId(..), Self::Id(_)) => std::cmp::Ordering::Greater,
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl SortKey {
    /// The opaque cursor Zendesk would send for this position.
    pub(crate) fn encode(&self) -> String {
        let (order, raw) = match self {
            Self::Id(id) => {
                let mut raw = vec![b'i'];
                raw.extend_from_slice(&id.cast_signed().to_le_bytes());
                ("id", raw)
            }
            Self::NameId(name, id) => {
                let mut raw = vec![b's'];
                raw.extend_from_slice(&(name.chars().count() as u32).to_le_bytes());
                raw.extend_from_slice(name.as_bytes());
                raw.push(b'i');
                raw.extend_from_slice(&id.cast_signed().to_le_bytes());
                ("name,id", raw)
            }
        };
        let inner = json!({"o": order, "v": STANDARD.encode(raw)});
        STANDARD.encode(inner.to_string())
    }

    /// Decodes a cursor made by [`SortKey::encode`].
    pub(crate) fn decode(cursor: &str) -> Option<Self> {
        let inner: Value = serde_json::from_slice(&STANDARD.decode(cursor).ok()?).ok()?;
        let raw = STANDARD.decode(inner.get("v")?.as_str()?).ok()?;
        match inner.get("o")?.as_str()? {
            "id" if raw.len() == 9 && raw[0] == b'i' => Some(Self::Id(
                i64::from_le_bytes(raw[1..9].try_into().ok()?).cast_unsigned(),
            )),
            "name,id" if raw.first() == Some(&b's') && raw.len() >= 14 => {
                let text_end = raw.len() - 9;
                let name = std::str::from_utf8(&raw[5..text_end]).ok()?.to_owned();
                let id = i64::from_le_bytes(raw[text_end + 1..].try_into().ok()?).cast_unsigned();
                Some(Self::NameId(name, id))
            }
            _ => None,
        }
    }
}

/// What page the client asked for.
#[derive(Debug, Clone)]
pub(crate) enum PageRequest {
    /// `page[size]` given: cursor mode.
    Cursor {
        size: usize,
        after: Option<SortKey>,
        before: Option<SortKey>,
    },
    /// Offset mode (the default).
    Offset {
        page: usize,
        per_page: usize,
        per_page_given: bool,
    },
}

fn bad_page(description: &str) -> ApiError {
    ApiError::bad_request("InvalidPaginationParameter", description)
}

impl PageRequest {
    /// Reads the pagination parameters; `default_size` applies to offset mode.
    pub(crate) fn parse(query: &Query, default_size: usize) -> Result<Self, ApiError> {
        let size = query.get("page[size]");
        let after = query.get("page[after]");
        let before = query.get("page[before]");
        if size.is_some() || after.is_some() || before.is_some() {
            let size = match size {
                None => 100,
                Some(text) => text
                    .parse::<usize>()
                    .map_err(|_| bad_page("page[size] must be a number"))?,
            };
            if size == 0 || size > 100 {
                return Err(bad_page("page[size] must be between 1 and 100"));
            }
            let decode = |text: Option<&str>| -> Result<Option<SortKey>, ApiError> {
                text.map(|t| SortKey::decode(t).ok_or_else(|| bad_page("Invalid cursor")))
                    .transpose()
            };
            return Ok(Self::Cursor {
                size,
                after: decode(after)?,
                before: decode(before)?,
            });
        }
        let page = match query.get("page") {
            None => 1,
            Some(text) => text
                .parse::<usize>()
                .map_err(|_| bad_page("page must be a number"))?
                .max(1),
        };
        let per_page_given = query.get("per_page").is_some();
        let per_page = match query.get("per_page") {
            None => default_size,
            Some(text) => text
                .parse::<usize>()
                .map_err(|_| bad_page("per_page must be a number"))?
                .clamp(1, 100),
        };
        if (page - 1).saturating_mul(per_page) >= 10_000 {
            return Err(bad_page(
                "Offset pagination is limited to the first 10000 records; use cursor-based pagination (page[size]) instead",
            ));
        }
        Ok(Self::Offset {
            page,
            per_page,
            per_page_given,
        })
    }
}

/// Builds one page of `key` from items sorted by their [`SortKey`] as JSON text; only the
/// items on the page are serialised, straight from their types (no `Value` in between, which
/// keeps 100-user pages cheap).
///
/// `url` is the collection URL with `.json` (`http://127.0.0.1:1/api/v2/users.json`), `extra`
/// the non-pagination query pairs to repeat in links.
pub(crate) fn render_page<T: serde::Serialize>(
    key: &str,
    items: impl Iterator<Item = (SortKey, T)>,
    request: &PageRequest,
    url: &str,
    extra: &[(String, String)],
) -> Vec<u8> {
    let mut body = Map::new();
    let mut listed: Vec<T> = Vec::new();
    let extra_query = extra.iter().fold(String::new(), |mut query, (k, v)| {
        let _ = write!(query, "{}={}&", percent_encode(k), percent_encode(v));
        query
    });
    match request {
        PageRequest::Cursor {
            size,
            after,
            before,
        } => {
            let (page, has_more): (Vec<(SortKey, T)>, bool) = if let Some(before) = before {
                let mut earlier: Vec<_> = items.take_while(|(k, _)| k < before).collect();
                let has_more = earlier.len() > *size;
                let start = earlier.len().saturating_sub(*size);
                (earlier.drain(start..).collect(), has_more)
            } else {
                let mut later: Vec<_> = items
                    .filter(|(k, _)| after.as_ref().is_none_or(|a| k > a))
                    .take(size + 1)
                    .collect();
                let has_more = later.len() > *size;
                later.truncate(*size);
                (later, has_more)
            };
            let first = page.first().map(|(k, _)| k.encode());
            let last = page.last().map(|(k, _)| k.encode());
            listed = page.into_iter().map(|(_, v)| v).collect();
            let link = |dir: &str, cursor: Option<&String>| {
                cursor.map_or(Value::Null, |c| {
                    Value::String(format!(
                        "{url}?{extra_query}page%5B{dir}%5D={}&page%5Bsize%5D={size}",
                        percent_encode(c)
                    ))
                })
            };
            let links = json!({"prev": link("before", first.as_ref()), "next": link("after", last.as_ref())});
            body.insert(
                "meta".into(),
                json!({"has_more": has_more, "after_cursor": last, "before_cursor": first}),
            );
            body.insert("links".into(), links);
        }
        PageRequest::Offset {
            page,
            per_page,
            per_page_given,
        } => {
            let start = (page - 1) * per_page;
            let mut count = 0;
            for (_, item) in items {
                if count >= start && count < start + per_page {
                    listed.push(item);
                }
                count += 1;
            }
            let per = if *per_page_given {
                format!("&per_page={per_page}")
            } else {
                String::new()
            };
            let link = |n: usize| Value::String(format!("{url}?{extra_query}page={n}{per}"));
            body.insert(
                "next_page".into(),
                if start + per_page < count {
                    link(page + 1)
                } else {
                    Value::Null
                },
            );
            body.insert(
                "previous_page".into(),
                if *page > 1 {
                    link(page - 1)
                } else {
                    Value::Null
                },
            );
            body.insert("count".into(), json!(count));
        }
    }
    // `{"<key>": [items…], <the rest in order>}`
    let mut out = Vec::with_capacity(256 + listed.len() * 1024);
    out.push(b'{');
    let _ = serde_json::to_writer(&mut out, key);
    out.push(b':');
    let _ = serde_json::to_writer(&mut out, &listed);
    for (name, value) in &body {
        out.push(b',');
        let _ = serde_json::to_writer(&mut out, name);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
    }
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cursor_matches_recorded_encoding() {
        // zenpy__group-memberships-pagination.json: membership 6130855204506.
        assert_eq!(
            SortKey::Id(6_130_855_204_506).encode(),
            "eyJvIjoiaWQiLCJ2IjoiYVpwV2NuT1RCUUFBIn0="
        );
        assert_eq!(
            SortKey::decode("eyJvIjoiaWQiLCJ2IjoiYVpwV2NuT1RCUUFBIn0="),
            Some(SortKey::Id(6_130_855_204_506))
        );
    }

    #[test]
    fn name_cursor_round_trips() {
        let key = SortKey::NameId("testgroup0".into(), 42);
        assert_eq!(SortKey::decode(&key.encode()), Some(key));
    }

    #[test]
    fn query_decodes_brackets_and_plus() {
        let q = Query::parse("page%5Bsize%5D=2&query=a+b%40c.com&role[]=agent&role[]=admin");
        assert_eq!(q.get("page[size]"), Some("2"));
        assert_eq!(q.get("query"), Some("a b@c.com"));
        assert_eq!(q.all("role[]"), vec!["agent", "admin"]);
    }

    #[test]
    fn offset_past_ten_thousand_records_is_refused() {
        let q = Query::parse("page=101&per_page=100");
        assert!(PageRequest::parse(&q, 100).is_err());
        let q = Query::parse("page=100&per_page=100");
        assert!(PageRequest::parse(&q, 100).is_ok());
        let q = Query::parse("page=18446744073709551615&per_page=100");
        assert!(PageRequest::parse(&q, 100).is_err());
    }
}
