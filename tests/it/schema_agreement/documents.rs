//! Roster documents for the agreement test, as JSON values (what an editor checks against the
//! schema). Every value is usually a good one and now and then an odd one: a wrong type, a
//! number where text is expected, a blank or malformed value, a percentage spelled oddly, a
//! number out of range; sections now and then hold an unknown key, and users sometimes lack
//! both match keys. Most documents so hold no mistake or one, which is what tells two
//! validators apart: a document broken in five places is rejected by both for any reason.

mod access;

use access::{account, moment, policy, temporary};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// A document: a mapping with some of the top-level sections, or now and then anything.
pub(super) fn document() -> impl Strategy<Value = Value> {
    let sections = section(vec![
        (
            "version",
            0.3,
            either(values(vec![json!(1), json!(1.0)]), odd_version()),
        ),
        ("settings", 0.4, settings()),
        ("defaults", 0.25, defaults()),
        ("custom_roles", 0.25, list_of(custom_role(), 2)),
        ("organizations", 0.25, list_of(organization(), 2)),
        ("groups", 0.25, list_of(group(), 2)),
        ("users", 0.8, list_of(user(), 3)),
    ]);
    prop_oneof![30 => sections, 1 => anything()]
}

/// One key of a section: its name, how often it is written, and its values.
type Key = (&'static str, f64, BoxedStrategy<Value>);

/// A key written about one time in four.
fn some(key: &'static str, value: BoxedStrategy<Value>) -> Key {
    (key, 0.25, value)
}

/// A mapping holding some of `keys`, each with its own values, and now and then a key the
/// section does not know.
fn section(keys: Vec<Key>) -> BoxedStrategy<Value> {
    let fields: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = keys
        .into_iter()
        .map(|(key, probability, value)| {
            prop::option::weighted(probability, value.prop_map(move |v| (key, v))).boxed()
        })
        .collect();
    let unknown = (
        select(vec!["emial", "Email", "role ", "extra", "user", "<<"]),
        scalar(),
    );
    (fields, prop::option::weighted(0.04, unknown))
        .prop_map(|(fields, unknown)| {
            let mut map: Map<String, Value> = fields
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            if let Some((key, value)) = unknown {
                map.insert(key.to_owned(), value);
            }
            Value::Object(map)
        })
        .boxed()
}

/// A good value most of the time, an odd one now and then.
fn either(good: BoxedStrategy<Value>, odd: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![14 => good, 1 => odd].boxed()
}

fn values(values: Vec<Value>) -> BoxedStrategy<Value> {
    select(values).boxed()
}

fn texts(texts: &[&'static str]) -> BoxedStrategy<Value> {
    select(texts.to_vec()).prop_map(Value::from).boxed()
}

/// A section's value: the section, or now and then anything else.
fn mapping(keys: Vec<Key>) -> BoxedStrategy<Value> {
    either(section(keys), anything())
}

fn list_of(item: BoxedStrategy<Value>, most: usize) -> BoxedStrategy<Value> {
    either(
        prop_oneof![
            10 => vec(item, 0..=most).prop_map(Value::Array),
            1 => Just(Value::Null),
        ]
        .boxed(),
        anything(),
    )
}

fn odd_version() -> BoxedStrategy<Value> {
    prop_oneof![
        values(vec![
            json!(2),
            json!(0),
            json!("1"),
            json!(1.5),
            Value::Null
        ]),
        anything(),
    ]
    .boxed()
}

fn settings() -> BoxedStrategy<Value> {
    mapping(vec![
        some("manage", manage()),
        some(
            "prune",
            either(
                texts(&["report", "suspend", "downgrade", "delete"]),
                prop_oneof![texts(&["Report", "remove", ""]), anything()].boxed(),
            ),
        ),
        some("ignore", list_of(pattern(), 2)),
        some("protect", list_of(pattern(), 2)),
        ("safety", 0.5, safety()),
        some("account", account()),
        ("policy", 0.4, policy()),
        some(
            "on_expiry",
            either(
                texts(&["downgrade", "suspend", "delete"]),
                prop_oneof![texts(&["Downgrade", "report", ""]), anything()].boxed(),
            ),
        ),
        some("expiry_warning_days", whole_number()),
        some("remove_expired_after_days", whole_number()),
    ])
}

fn manage() -> BoxedStrategy<Value> {
    mapping(vec![
        some("roles", list_of(role(), 3)),
        some("tags", list_of(tag(), 2)),
    ])
}

fn safety() -> BoxedStrategy<Value> {
    mapping(vec![
        ("max_deletes", 0.5, threshold()),
        ("max_suspends", 0.5, threshold()),
        ("max_role_changes", 0.5, threshold()),
        ("min_admins", 0.5, whole_number()),
    ])
}

/// The keys of a user that `defaults` may set too.
fn profile() -> Vec<Key> {
    let restriction = either(
        prop_oneof![
            4 => texts(&["organization", "groups", "assigned", "requested"]),
            1 => Just(Value::Null),
        ]
        .boxed(),
        prop_oneof![texts(&["Groups", "none", ""]), anything()].boxed(),
    );
    vec![
        some("role", role()),
        some("custom_role", nullable(name())),
        some("organization", nullable(name())),
        some("organizations", list_of(name(), 2)),
        some("groups", list_of(name(), 2)),
        some("default_group", nullable(name())),
        some("tags", list_of(tag(), 3)),
        some("user_fields", user_fields()),
        some("suspended", boolean()),
        some("alias", nullable(text())),
        some("details", nullable(text())),
        some("notes", nullable(text())),
        some("signature", nullable(text())),
        some("phone", nullable(text())),
        some("locale", locale()),
        some("time_zone", name()),
        some("moderator", boolean()),
        some("ticket_restriction", restriction),
        some("only_private_comments", boolean()),
        some("verified", boolean()),
    ]
}

fn defaults() -> BoxedStrategy<Value> {
    let mut keys = profile();
    // Identity and time-box keys do not belong in `defaults`; now and then one is written
    // there.
    keys.push(("external_id", 0.02, name()));
    keys.push(("expires", 0.02, moment()));
    mapping(keys)
}

fn user() -> BoxedStrategy<Value> {
    let mut keys = vec![
        some("name", name()),
        ("email", 0.75, email()),
        ("external_id", 0.4, name()),
        ("expires", 0.15, moment()),
        ("temporary", 0.15, temporary()),
    ];
    keys.extend(profile());
    mapping(keys)
}

fn custom_role() -> BoxedStrategy<Value> {
    let ticket_access = texts(&[
        "all",
        "assigned-only",
        "within-groups",
        "within-groups-and-public-groups",
        "within-organization",
    ]);
    let profile_access = texts(&["edit", "edit-within-org", "full", "readonly"]);
    let odd_access = || prop_oneof![texts(&["everything", "Full", ""]), anything()].boxed();
    let configuration = mapping(vec![
        some("ticket_access", either(ticket_access, odd_access())),
        some(
            "end_user_profile_access",
            either(profile_access, odd_access()),
        ),
        some("chat_access", anything()),
        some("explore_access", anything()),
    ]);
    mapping(vec![
        ("name", 0.95, name()),
        some("description", nullable(text())),
        some("configuration", configuration),
    ])
}

fn organization() -> BoxedStrategy<Value> {
    mapping(vec![
        ("name", 0.95, name()),
        some("external_id", name()),
        some("domain_names", list_of(name(), 2)),
        some("details", nullable(text())),
        some("notes", nullable(text())),
        some("tags", list_of(tag(), 2)),
        some("shared_tickets", boolean()),
        some("shared_comments", boolean()),
    ])
}

fn group() -> BoxedStrategy<Value> {
    mapping(vec![
        ("name", 0.95, name()),
        some("description", nullable(text())),
        some("is_public", boolean()),
    ])
}

fn user_fields() -> BoxedStrategy<Value> {
    let keys = select(vec!["employee_id", "start_date", "1", "", "a b"]);
    let good = btree_map(keys.clone(), scalar(), 0..3)
        .prop_map(|fields| Value::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect()));
    let odd = btree_map(keys, anything(), 1..3)
        .prop_map(|fields| Value::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect()));
    either(good.boxed(), prop_oneof![odd, anything()].boxed())
}

fn nullable(value: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![5 => value, 1 => Just(Value::Null)].boxed()
}

fn role() -> BoxedStrategy<Value> {
    either(
        texts(&["end-user", "agent", "admin"]),
        prop_oneof![texts(&["Agent", "end_user", "owner"]), anything()].boxed(),
    )
}

fn boolean() -> BoxedStrategy<Value> {
    either(
        any::<bool>().prop_map(Value::Bool).boxed(),
        prop_oneof![texts(&["true", "yes", "False"]), anything()].boxed(),
    )
}

/// Text where any text goes, numbers included.
fn text() -> BoxedStrategy<Value> {
    either(
        prop_oneof![3 => string(), 1 => number()].boxed(),
        anything(),
    )
}

/// A name, an id or a time zone: text that must not be blank.
fn name() -> BoxedStrategy<Value> {
    either(
        prop_oneof![
            4 => texts(&["Jane Smith", "Support", "emp-1042", "0042", "Europe/Berlin", "\u{dc}n\u{ef}c\u{f8}d\u{e9}"]),
            2 => string(),
            2 => number(),
        ]
        .boxed(),
        prop_oneof![texts(&["", " ", "\u{a0}", "\u{85}", "\u{feff}", "\u{3000}"]), anything()].boxed(),
    )
}

fn tag() -> BoxedStrategy<Value> {
    either(
        prop_oneof![
            3 => texts(&["emea", "vip", "VIP", "zroster", "tier-1"]),
            1 => "[a-z0-9_\u{e9}\u{43e}-]{1,5}".prop_map(Value::String),
            1 => number(),
        ]
        .boxed(),
        prop_oneof![
            texts(&["a,b", "a b", "tier\u{a0}1", "", "x\u{85}"]),
            string(),
            anything()
        ]
        .boxed(),
    )
}

fn locale() -> BoxedStrategy<Value> {
    either(
        texts(&["en-US", "de", "pt-BR", "zh-Hant-TW", "EN-us", "de-DE-1996"]),
        prop_oneof![
            texts(&[
                "en_US",
                "e",
                "en-",
                "english",
                "123",
                "de-DE-1996x123",
                " de",
                "d\u{e9}"
            ]),
            string(),
            anything(),
        ]
        .boxed(),
    )
}

fn email() -> BoxedStrategy<Value> {
    let good = (
        "[a-z]{1,4}(\\.[a-z0-9+]{1,3})?",
        texts(&[
            "acme.com",
            "b\u{fc}cher.de",
            "sub.acme.co.uk",
            "ac-me.io",
            "\u{663}\u{664}.com",
        ]),
    )
        .prop_map(|(local, domain)| Value::String(format!("{local}@{}", domain.as_str().unwrap())));
    let local = select(vec![
        "jane".to_owned(),
        ".jane".to_owned(),
        "jane.".to_owned(),
        "ja..ne".to_owned(),
        String::new(),
        "ja ne".to_owned(),
        "b\u{43e}ss".to_owned(),
        "x\u{1}y".to_owned(),
        "x\u{7f}y".to_owned(),
        "a@b".to_owned(),
        "x".repeat(64),
        "\u{e9}".repeat(64),
        "x".repeat(65),
    ]);
    let domain = select(vec![
        "acme.com",
        "acme",
        "-acme.com",
        "acme-.com",
        "acme..com",
        "\u{216b}.com",
        "a\u{301}.com",
        "a_b.com",
        "",
        ".com",
        "acme.com.",
        "localhost",
        "\u{bd}.com",
    ]);
    let blank = select(vec![
        "", "", "", " ", "\u{a0}", "\t", "\u{feff}", "\u{85}", "\u{3000}",
    ]);
    let odd = (
        blank.clone(),
        local,
        select(vec!["@", "@", "", "@@"]),
        domain,
        blank,
    )
        .prop_map(|(before, local, at, domain, after)| {
            Value::String(format!("{before}{local}{at}{domain}{after}"))
        });
    either(
        good.boxed(),
        prop_oneof![6 => odd, 1 => string(), 1 => number(), 1 => anything()].boxed(),
    )
}

/// An `ignore`/`protect` pattern.
fn pattern() -> BoxedStrategy<Value> {
    either(
        texts(&[
            "*@acme.com",
            "bot-*@acme.com",
            "owner@acme.com",
            "owner@localhost",
            "o?ner@acme",
            "external_id:svc-*",
            "*",
        ]),
        prop_oneof![
            texts(&[
                "owner@acme",
                "external_id:",
                "external_id:[x",
                "acme.com",
                "a@b@c.com",
                "@acme.com",
                "jane@",
                "* @acme.com",
                "",
                "[a@b.com",
                "{a,b}@c.com",
                "a\\",
                "External_ID:x",
                "a@b.c\u{a0}",
                "*\u{85}",
            ]),
            "[a-c@.*?\\[\\]{}, :_\\\\]{0,7}".prop_map(Value::String),
            anything(),
        ]
        .boxed(),
    )
}

/// A `max_*` limit: a number of users or a percentage.
fn threshold() -> BoxedStrategy<Value> {
    either(
        prop_oneof![
            (0u32..1000).prop_map(Value::from),
            texts(&[
                "10%", "20 %", "100%", "100.0%", "0%", "005%", "2.5%", "99.99%", "0.0%"
            ]),
        ]
        .boxed(),
        prop_oneof![
            texts(&[
                "100.5%",
                "150%",
                ".5%",
                "5.%",
                "-0%",
                "5%%",
                " 5%",
                "10% ",
                "abc",
                "5",
                "1e1%",
                "20  %",
                "%",
                "+5%",
                "101%",
                "100.01%",
                "1000%",
                "10\u{a0}%",
            ]),
            "[0-9.% +e-]{1,6}".prop_map(Value::String),
            whole_number(),
            anything(),
        ]
        .boxed(),
    )
}

fn whole_number() -> BoxedStrategy<Value> {
    either(
        values(vec![
            json!(0),
            json!(2),
            json!(20),
            json!(5.0),
            json!(4_294_967_295_u64),
            json!(-0.0),
        ]),
        prop_oneof![
            values(vec![
                json!(-1),
                json!(5.5),
                json!(4_294_967_296_u64),
                json!(1e10),
                json!("2"),
                json!(i64::MIN),
            ]),
            anything(),
        ]
        .boxed(),
    )
}

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (-3i64..100_000).prop_map(Value::from),
        1 => values(vec![json!(1.5), json!(5_551_234), json!(0.25), json!(1e21), json!(-7), json!(u64::MAX)]),
    ]
    .boxed()
}

/// Text from an alphabet with the characters that matter: blanks of several kinds, `@`,
/// dots, commas, `%`, letters and digits of other scripts, a control character.
fn string() -> BoxedStrategy<Value> {
    "[a-z0-9@.,% \\-_*\t\u{1}\u{a0}\u{85}\u{2028}\u{3000}\u{feff}\u{e9}\u{43e}\u{663}]{0,6}"
        .prop_map(Value::String)
        .boxed()
}

fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        string(),
    ]
    .boxed()
}

/// Any value: a scalar, or a small list or mapping of scalars.
fn anything() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => scalar(),
        1 => vec(scalar(), 0..3).prop_map(Value::Array),
        1 => btree_map("[a-z]{1,3}", scalar(), 0..3)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}
