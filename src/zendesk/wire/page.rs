//! One page of a listing, in any of Zendesk's three pagination styles, and single-object
//! envelopes (`{"user": …}`).
//!
//! The collection key differs per endpoint (`users`, `groups`, `results`), so pages are
//! parsed with a key given at run time and without building a `serde_json::Value` first:
//! a 100,000-user fetch parses each user once.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::null_default;

/// Cursor-pagination metadata (`meta`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorMeta {
    /// Whether another page follows. The only reliable end marker: `links.next` stays set
    /// on the last page.
    #[serde(default, deserialize_with = "null_default")]
    pub has_more: bool,
    /// Cursor for `page[after]`.
    #[serde(default)]
    pub after_cursor: Option<String>,
    /// Cursor for `page[before]`.
    #[serde(default)]
    pub before_cursor: Option<String>,
}

/// One page of items with whatever pagination fields the answer carried.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items under the collection key (`null` reads as none).
    pub items: Vec<T>,
    /// Cursor pagination (`page[size]`).
    pub meta: Option<CursorMeta>,
    /// Offset pagination: URL of the next page.
    pub next_page: Option<String>,
    /// Offset pagination: total count.
    pub count: Option<u64>,
    /// Incremental export: whether everything up to now was returned.
    pub end_of_stream: Option<bool>,
    /// Incremental export: cursor of the next page.
    pub after_cursor: Option<String>,
}

impl<T: DeserializeOwned> Page<T> {
    /// Parses a page whose items sit under `key`.
    pub fn from_json(bytes: &[u8], key: &str) -> Result<Self, serde_json::Error> {
        parse(
            bytes,
            PageSeed {
                key,
                marker: PhantomData,
            },
        )
    }
}

impl Page<IgnoredAny> {
    /// The pagination fields of a page whose items sit under `key`, the items neither built
    /// nor, in the usual case, even read. For finding the next cursor before the page is
    /// decoded: the same `meta` as [`Page::from_json`] reads, but the rest of the body is not
    /// checked (the full decode does that).
    ///
    /// Zendesk puts `meta` after the items, so it is first looked for at the end of the body
    /// ([`trailing_meta`]); a body where that does not work is skimmed from the start.
    pub(crate) fn skim(bytes: &[u8], key: &str) -> Result<Self, serde_json::Error> {
        if let Some(page) = trailing_meta(bytes) {
            return Ok(page);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let page = PageSeed {
            key,
            marker: PhantomData,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(page)
    }
}

impl<T> Page<T> {
    /// Cursor style: the cursor of the next page, `None` when `meta.has_more` is false.
    #[must_use]
    pub fn next_cursor(&self) -> Option<&str> {
        let meta = self.meta.as_ref()?;
        if meta.has_more {
            meta.after_cursor.as_deref()
        } else {
            None
        }
    }

    /// Offset style: the URL of the next page.
    #[must_use]
    pub fn next_offset_url(&self) -> Option<&str> {
        self.next_page.as_deref().filter(|url| !url.is_empty())
    }

    /// Incremental style: the cursor of the next page, `None` once `end_of_stream` is true.
    #[must_use]
    pub fn next_incremental_cursor(&self) -> Option<&str> {
        if self.end_of_stream == Some(true) {
            return None;
        }
        self.after_cursor
            .as_deref()
            .or_else(|| self.meta.as_ref()?.after_cursor.as_deref())
    }
}

/// The top-level `meta` of a compact JSON object, read from its end: the last `"meta":`
/// that starts a key (after `,` or `{`: those two bytes cannot stand before an unescaped
/// quote inside a string), its value, and then nothing but the end of the object or more
/// members and the end of the object. That rest parses only if the value closed at the top
/// level, so a `meta` nested anywhere deeper is never taken; and a repeated top-level `meta`
/// reads as its last one, as in [`Page::from_json`]. Gives a page with that `meta` and
/// nothing else, or `None` when the body is not of that shape (pretty-printed, no `meta`,
/// `meta` before the items): the caller reads it all.
fn trailing_meta(bytes: &[u8]) -> Option<Page<IgnoredAny>> {
    const KEY: &[u8] = b"\"meta\":";
    let at = bytes.windows(KEY.len()).rposition(|window| window == KEY)?;
    if !matches!(bytes.get(at.checked_sub(1)?), Some(b',' | b'{')) {
        return None;
    }
    let value = &bytes[at + KEY.len()..];
    let mut stream = serde_json::Deserializer::from_slice(value).into_iter::<Option<CursorMeta>>();
    let meta = stream.next()?.ok()?;
    let rest = value.get(stream.byte_offset()..)?.trim_ascii();
    match rest.split_first()? {
        (b'}', []) => {}
        (b',', members) => {
            let mut object = Vec::with_capacity(members.len() + 1);
            object.push(b'{');
            object.extend_from_slice(members);
            serde_json::from_slice::<IgnoredAny>(&object).ok()?;
        }
        _ => return None,
    }
    Some(Page {
        items: Vec::new(),
        meta,
        next_page: None,
        count: None,
        end_of_stream: None,
        after_cursor: None,
    })
}

struct PageSeed<'k, T> {
    key: &'k str,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = Page<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageSeed<'_, T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` list", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        let mut page = Page {
            items: Vec::new(),
            meta: None,
            next_page: None,
            count: None,
            end_of_stream: None,
            after_cursor: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == self.key {
                items = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
                continue;
            }
            match key.as_str() {
                "meta" => page.meta = map.next_value()?,
                "next_page" => page.next_page = map.next_value()?,
                "count" => {
                    page.count = map
                        .next_value::<Option<serde_json::Number>>()?
                        .and_then(|n| n.as_u64());
                }
                "end_of_stream" => page.end_of_stream = map.next_value()?,
                "after_cursor" => page.after_cursor = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        page.items =
            items.ok_or_else(|| de::Error::custom(format_args!("missing field `{}`", self.key)))?;
        Ok(page)
    }
}

/// Parses a single-object envelope: the object under `key` (`{"user": {...}}`).
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8], key: &str) -> Result<T, serde_json::Error> {
    parse(
        bytes,
        ObjectSeed {
            key,
            marker: PhantomData,
        },
    )
}

/// Parses a whole body with `seed`. The body's UTF-8 is checked once up front, so that the
/// parser need not check every string on its own (a quarter of the time of a page of users);
/// a body that is not UTF-8 is parsed as bytes, which reports the same error as before.
fn parse<S, V>(bytes: &[u8], seed: S) -> Result<V, serde_json::Error>
where
    S: for<'de> DeserializeSeed<'de, Value = V>,
{
    fn run<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de>>(
        mut deserializer: serde_json::Deserializer<R>,
        seed: S,
    ) -> Result<S::Value, serde_json::Error> {
        let value = seed.deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(value)
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => run(serde_json::Deserializer::from_str(text), seed),
        Err(_) => run(serde_json::Deserializer::from_slice(bytes), seed),
    }
}

struct ObjectSeed<'k, T> {
    key: &'k str,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjectSeed<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectSeed<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with a `{}` object", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.key && found.is_none() {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        found.ok_or_else(|| de::Error::custom(format_args!("missing field `{}`", self.key)))
    }
}

#[cfg(test)]
mod tests {
    use serde::de::IgnoredAny;

    use super::{CursorMeta, Page, parse_object};
    use crate::zendesk::wire::{Group, Role, User};

    #[test]
    fn skimming_reads_the_same_meta_as_parsing() {
        let bodies: [&[u8]; 10] = [
            br#"{"users":[{"id":1,"meta":{"has_more":true,"after_cursor":"no"}}],"meta":{"has_more":true,"after_cursor":"c2","before_cursor":"c1"},"links":{"prev":"p","next":"n"}}"#,
            br#"{"users":[],"meta":{"has_more":false,"after_cursor":"c2"}}"#,
            br#"{"users":[],"meta":null}"#,
            br#"{"meta":{"has_more":true,"after_cursor":"first"},"users":[{"id":1,"user_fields":{"meta":{"has_more":true,"after_cursor":"nested"}}}]}"#,
            br#"{"users":[],"meta":{"has_more":true,"after_cursor":"top"},"links":{"meta":{"has_more":true,"after_cursor":"deeper"}}}"#,
            br#"{"users":[],"x\"meta":{"has_more":true,"after_cursor":"key with a quote"}}"#,
            br#"{"users":[],"meta":{"has_more":true,"after_cursor":"one"},"meta":{"has_more":true,"after_cursor":"two"}}"#,
            br#"{"users":[], "meta": {"has_more": true, "after_cursor": "spaced"}}"#,
            br#"{"users":[],"meta":{"has_more":true,"after_cursor":"a"},"links":{"next":"n"}}]"#,
            br#"{"users":[{"id":1}],"note":"a,\"meta\":{\"has_more\":true}"}"#,
        ];
        for body in bodies {
            let skimmed = Page::skim(body, "users").ok().map(|page| page.meta);
            let parsed = Page::<IgnoredAny>::from_json(body, "users")
                .ok()
                .map(|page| page.meta);
            if parsed.is_some() {
                assert_eq!(skimmed, parsed, "{}", String::from_utf8_lossy(body));
            }
        }
        assert_eq!(
            super::trailing_meta(bodies[0]).and_then(|page| page.meta),
            Some(CursorMeta {
                has_more: true,
                after_cursor: Some("c2".to_owned()),
                before_cursor: Some("c1".to_owned()),
            })
        );
        assert!(super::trailing_meta(bodies[4]).is_none());
    }

    #[test]
    fn text_and_bytes_parse_alike() {
        let page: Page<User> = Page::from_json(
            br#"{"users":[{"id":1,"name":"J\u00fcrgen \"J\"","role":"light-agent"},{"id":2,"role":"admin"}]}"#,
            "users",
        )
        .unwrap();
        assert_eq!(page.items[0].name, "J\u{fc}rgen \"J\"");
        assert_eq!(page.items[0].role, Role::Other("light-agent".to_owned()));
        assert_eq!(page.items[1].role, Role::Admin);
        // Not UTF-8: parsed as bytes, with the error serde_json gives for bytes.
        let error = Page::<User>::from_json(b"{\"users\":[{\"id\":1,\"name\":\"\xff\"}]}", "users")
            .unwrap_err();
        assert!(error.to_string().contains("invalid unicode"), "{error}");
        let error =
            Page::<User>::from_json(br#"{"users":[{"id":1,"role":5}]}"#, "users").unwrap_err();
        assert!(error.to_string().contains("expected a string"), "{error}");
    }

    #[test]
    fn cursor_page_stops_on_has_more_not_links_next() {
        let last: Page<Group> = Page::from_json(
            br#"{"groups":[{"id":1,"name":"A"}],"meta":{"has_more":false,"after_cursor":"xyz","before_cursor":"abc"},
                "links":{"prev":"p","next":"https://example.zendesk.com/api/v2/groups.json?page%5Bafter%5D=xyz"}}"#,
            "groups",
        )
        .unwrap();
        assert_eq!(last.items.len(), 1);
        assert_eq!(last.next_cursor(), None);
        let more: Page<Group> = Page::from_json(
            br#"{"groups":[],"meta":{"has_more":true,"after_cursor":"c2"}}"#,
            "groups",
        )
        .unwrap();
        assert_eq!(more.next_cursor(), Some("c2"));
    }

    #[test]
    fn offset_page_follows_next_page() {
        let page: Page<Group> = Page::from_json(
            br#"{"groups":[],"next_page":"https://example.zendesk.com/api/v2/groups.json?page=2","previous_page":null,"count":120}"#,
            "groups",
        )
        .unwrap();
        assert_eq!(
            page.next_offset_url(),
            Some("https://example.zendesk.com/api/v2/groups.json?page=2")
        );
        assert_eq!(page.count, Some(120));
        let last: Page<Group> = Page::from_json(
            br#"{"groups":[],"next_page":null,"previous_page":"x","count":120}"#,
            "groups",
        )
        .unwrap();
        assert_eq!(last.next_offset_url(), None);
    }

    #[test]
    fn incremental_page_stops_on_end_of_stream() {
        let page: Page<User> = Page::from_json(
            br#"{"users":[{"id":5,"name":"A","active":false,"permanently_deleted":false}],"after_url":"u","before_url":null,
                "after_cursor":"MTY5|","before_cursor":null,"end_of_stream":false}"#,
            "users",
        )
        .unwrap();
        assert_eq!(page.next_incremental_cursor(), Some("MTY5|"));
        assert!(!page.items[0].active);
        let end: Page<User> = Page::from_json(
            br#"{"users":[],"after_cursor":"MTZ8","end_of_stream":true}"#,
            "users",
        )
        .unwrap();
        assert_eq!(end.next_incremental_cursor(), None);
    }

    #[test]
    fn missing_key_and_null_list() {
        let error = Page::<User>::from_json(br#"{"groups":[]}"#, "users").unwrap_err();
        assert!(
            error.to_string().contains("missing field `users`"),
            "{error}"
        );
        let null: Page<User> = Page::from_json(br#"{"users":null}"#, "users").unwrap();
        assert!(null.items.is_empty());
        let user: User = parse_object(
            br#"{"user":{"id":1,"name":"A","tags":null,"role":"agent"}}"#,
            "user",
        )
        .unwrap();
        assert!(user.tags.is_empty());
        assert!(parse_object::<User>(br#"{"error":"x"}"#, "user").is_err());
    }
}
