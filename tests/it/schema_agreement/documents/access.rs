//! The access guardrails' keys for the agreement test's documents: `settings.account`,
//! `settings.policy`, and the time boxes of users (`expires`, `temporary`).

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};

use super::{
    anything, boolean, either, list_of, mapping, name, nullable, pattern, role, some, texts,
    values, whole_number,
};

/// `settings.account`: a subdomain or a list of them.
pub(super) fn account() -> BoxedStrategy<Value> {
    let good = || texts(&["acme", "ACME", "acme-eu", "a1", "1234"]);
    either(
        prop_oneof![
            3 => good(),
            2 => vec(good(), 1..=2).prop_map(Value::Array),
        ]
        .boxed(),
        prop_oneof![
            texts(&[
                "acme.zendesk.com",
                "-acme",
                "acme-",
                "",
                "ac me",
                "https://acme.zendesk.com",
                "\u{e4}cme"
            ]),
            values(vec![
                json!([]),
                json!(["acme", "acme."]),
                json!(42),
                Value::Null
            ]),
            "[a-z0-9.-]{0,5}".prop_map(Value::String),
            anything(),
        ]
        .boxed(),
    )
}

pub(super) fn policy() -> BoxedStrategy<Value> {
    mapping(vec![
        some("agent_emails", list_of(pattern(), 2)),
        some("admin_emails", list_of(pattern(), 2)),
        some("max_admins", whole_number()),
        some("max_agents", whole_number()),
        some("require_external_id", boolean()),
        some("agents_need_group", boolean()),
    ])
}

/// A moment of `expires` or `temporary.until`: a date or an RFC 3339 time.
pub(super) fn moment() -> BoxedStrategy<Value> {
    either(
        texts(&[
            "2026-12-31",
            "2024-02-29",
            "2000-02-29",
            "2026-12-05T17:00:00Z",
            "2026-12-05T17:00:00+01:00",
            "2026-12-05T17:00:00.5-03:30",
            "0000-01-01",
        ]),
        prop_oneof![
            texts(&[
                "2026-02-29",
                "1900-02-29",
                "2026-13-01",
                "2026-04-31",
                "2026-1-5",
                "2026-12-05 17:00:00Z",
                "2026-12-05t17:00:00Z",
                "2026-12-05T17:00Z",
                "2026-12-05T17:00:00",
                "2026-12-05T24:00:00Z",
                "2026-12-05T17:00:60Z",
                "2026-12-05T17:00:00+1:00",
                "2026-12-05T17:00:00.Z",
                "tomorrow",
                "",
            ]),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:]{8}[Z+0-9:.-]{0,6})?".prop_map(Value::String),
            values(vec![json!(20_261_231), json!(2026)]),
            anything(),
        ]
        .boxed(),
    )
}

/// A user's `temporary`: a role until a moment.
pub(super) fn temporary() -> BoxedStrategy<Value> {
    mapping(vec![
        ("role", 0.9, role()),
        ("until", 0.9, moment()),
        some("custom_role", nullable(name())),
    ])
}
