//! The roster schema and zroster accept the same documents, so an editor never flags what
//! `zroster validate` accepts, nor passes what it rejects.
//!
//! Documents are generated as JSON values (what an editor checks against the schema), written
//! as YAML (JSON is YAML 1.2's flow style) and read by zroster. The schema's verdict and
//! zroster's must be the same, except for the rules listed in [`NOT_IN_THE_SCHEMA`].
//!
//! YAML-only matters never reach the schema, which sees the document after YAML is read:
//! duplicate keys, keys that are not text, tabs, anchors and merge keys, several documents in
//! a file, and how a plain scalar is read (zroster keeps `0042` as the text `0042`; an
//! editor reading YAML 1.2 sees the number 42). They are tested with the loader.

mod documents;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};
use serde_json::Value;
use zroster::roster::{Severity, load_texts};

use crate::common::root;

/// The rules of zroster that the schema cannot express, by diagnostic code, with the reason.
/// A document broken only by these is valid for the schema and rejected by zroster.
const NOT_IN_THE_SCHEMA: &[(&str, &str)] = &[
    (
        "duplicate-email",
        "an email used twice: a rule across users and files",
    ),
    (
        "duplicate-external-id",
        "an external id used twice: a rule across users and files",
    ),
    (
        "duplicate-name",
        "a custom role, organization or group name used twice: a rule across entries and files",
    ),
    (
        "duplicate-item",
        "a name or tag listed twice in one list, compared case-insensitively (`uniqueItems` compares exactly)",
    ),
    ("duplicate-section", "`settings` or `defaults` in two files"),
    (
        "custom-role-needs-agent",
        "the user's role may come from `defaults` in another file",
    ),
    (
        "groups-on-end-user",
        "the user's role may come from `defaults` in another file",
    ),
    (
        "ticket-restriction-on-end-user",
        "the user's role may come from `defaults` in another file",
    ),
    (
        "not-a-member",
        "`default_group` and `organization` against the user's lists, which may come from `defaults`",
    ),
    (
        "temporary-needs-role",
        "the role a temporary role returns to may come from `defaults` in another file",
    ),
    (
        "invalid-pattern",
        "the glob syntax of an `ignore`/`protect` pattern (an unclosed `[` or `{`, a bad range); the schema checks its shape",
    ),
];

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let text =
            std::fs::read_to_string(root().join(zroster::roster::schema::SCHEMA_PATH)).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    })
}

/// What the schema and zroster say about one document.
struct Verdicts {
    yaml: String,
    /// The schema's complaints; none when it accepts the document.
    schema: Vec<String>,
    /// zroster's errors, those of [`NOT_IN_THE_SCHEMA`] aside.
    tool: Vec<String>,
    /// zroster's errors of [`NOT_IN_THE_SCHEMA`].
    excluded: Vec<String>,
}

impl Verdicts {
    fn of_yaml(yaml: String, json: &Value) -> Self {
        let schema = validator()
            .iter_errors(json)
            .map(|e| format!("{e} at `{}`", e.instance_path()))
            .collect();
        let loaded = load_texts(&[("roster.yaml", &yaml)]);
        let (excluded, tool): (Vec<_>, Vec<_>) = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .partition(|d| NOT_IN_THE_SCHEMA.iter().any(|(code, _)| *code == d.code));
        let describe = |d: &zroster::roster::Diagnostic| {
            format!("{}:{} {}: {}", d.line, d.column, d.code, d.message)
        };
        Self {
            yaml,
            schema,
            tool: tool.into_iter().map(describe).collect(),
            excluded: excluded.into_iter().map(describe).collect(),
        }
    }

    fn of(document: &Value) -> Self {
        Self::of_yaml(to_yaml(document), document)
    }

    fn agree(&self) -> bool {
        self.schema.is_empty() == self.tool.is_empty()
    }

    fn accepted(&self) -> bool {
        self.agree() && self.tool.is_empty()
    }
}

impl std::fmt::Display for Verdicts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "document:\n{}", self.yaml)?;
        writeln!(f, "schema: {:#?}", self.schema)?;
        writeln!(f, "zroster: {:#?}", self.tool)?;
        write!(f, "zroster, not in the schema: {:#?}", self.excluded)
    }
}

/// The document as YAML: JSON's syntax, which YAML 1.2 reads as flow style, with every
/// character outside printable ASCII escaped (YAML forbids some raw, such as C1 controls).
fn to_yaml(value: &Value) -> String {
    fn string(text: &str, out: &mut String) {
        out.push('"');
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                c if u32::from(c) <= 0xFFFF => {
                    let _ = write!(out, "\\u{:04X}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\U{:08X}", u32::from(c));
                }
            }
        }
        out.push('"');
    }
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::String(text) => string(text, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(entries) => {
                out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    string(key, out);
                    out.push_str(": ");
                    write(item, out);
                }
                out.push('}');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out.push('\n');
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        // Beside the other seeds of the repository, not below `tests/`.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/it/schema_agreement.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_schema_and_zroster_accept_the_same_documents(document in documents::document()) {
        let verdicts = Verdicts::of(&document);
        prop_assert!(verdicts.agree(), "{verdicts}");
    }
}

/// The documents of a fixed sample, sorted by verdict, for `.ci/run` to check with ajv too:
/// a validator in another language, with ECMAScript regular expressions.
#[test]
fn a_fixed_sample_agrees_and_is_kept_for_ajv() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("schema-agreement");
    let _ = std::fs::remove_dir_all(&dir);
    for verdict in ["accepted", "rejected"] {
        std::fs::create_dir_all(dir.join(verdict)).unwrap();
    }
    let mut runner = TestRunner::deterministic();
    let strategy = documents::document();
    let mut counts = [0usize; 2];
    for case in 0..600 {
        let document = strategy.new_tree(&mut runner).unwrap().current();
        let verdicts = Verdicts::of(&document);
        assert!(verdicts.agree(), "case {case}: {verdicts}");
        let verdict = usize::from(!verdicts.accepted());
        counts[verdict] += 1;
        let file = dir
            .join(["accepted", "rejected"][verdict])
            .join(format!("{case:03}.json"));
        std::fs::write(file, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    }
    // The sample holds both kinds in numbers: a generator that only ever broke documents (or
    // never did) would test little.
    assert!(counts.iter().all(|&n| n >= 100), "{counts:?}");
}

/// The documents that told editors and zroster apart before they were made to agree, written
/// as people write them (block style, numbers without quotes).
#[test]
fn the_known_disagreements_are_settled() {
    for (yaml, accepted) in [
        ("users:\n  - external_id: 1042\n", true),
        ("users:\n  - external_id: 0042\n", true),
        (
            "users:\n  - email: jane@acme.com\n    phone: 5551234\n",
            true,
        ),
        (
            "users:\n  - email: jane@acme.com\n    phone: +4930123456\n",
            true,
        ),
        (
            "users:\n  - email: jane@acme.com\n    phone: 555.1234\n",
            true,
        ),
        ("settings:\n  safety:\n    max_suspends: 20 %\n", true),
        (
            "settings:\n  safety:\n    max_deletes: 10%\n    max_role_changes: 2.5%\n",
            true,
        ),
        ("settings:\n  safety:\n    max_deletes: 5%%\n", false),
        ("settings:\n  safety:\n    max_deletes: .5%\n", false),
        ("settings:\n  safety:\n    min_admins: 4294967296\n", false),
        ("users:\n  - name: Jane Smith\n", false),
        ("users:\n  - email: jane@acme.com\n    name: \"\"\n", false),
        (
            "users:\n  - email: jane@acme.com\n    user_fields: { a: [1] }\n",
            false,
        ),
        ("users:\n  - email: x@bücher.de\n", true),
        ("users:\n  - email: \"jane@acme\"\n", false),
        ("version:\n", false),
        ("users:\n", true),
        ("settings:\n  ignore:\n", true),
        ("settings:\n", false),
        (
            "custom_roles:\n  - name: Tier 1\n    configuration: { ticket_access: everything }\n",
            false,
        ),
        ("settings:\n  account: acme\n", true),
        ("settings:\n  account: [acme, acme-sandbox]\n", true),
        ("settings:\n  account: acme.zendesk.com\n", false),
        ("settings:\n  account: 1234\n", false),
        (
            "settings:\n  policy:\n    admin_emails: [\"*@acme.com\"]\n    max_agents: 25\n",
            true,
        ),
        (
            "users:\n  - email: a@acme.com\n    expires: 2026-12-31\n",
            true,
        ),
        (
            "users:\n  - email: a@acme.com\n    expires: 2026-02-29\n",
            false,
        ),
        (
            "users:\n  - email: a@acme.com\n    role: agent\n    temporary: {role: admin, until: 2026-12-05T17:00:00+01:00}\n",
            true,
        ),
        (
            "users:\n  - email: a@acme.com\n    role: agent\n    temporary: {role: admin, custom_role: Tier 1, until: 2026-12-05}\n",
            false,
        ),
        (
            "users:\n  - email: a@acme.com\n    role: agent\n    temporary: {role: admin}\n",
            false,
        ),
    ] {
        let json: Value = serde_saphyr::from_str(yaml).unwrap();
        let verdicts = Verdicts::of_yaml(yaml.to_owned(), &json);
        assert!(verdicts.agree(), "{verdicts}");
        assert_eq!(verdicts.accepted(), accepted, "{verdicts}");
    }
}

#[test]
fn every_exclusion_is_a_rule_zroster_has() {
    let sources = [
        "src/roster/validate.rs",
        "src/roster/build/value.rs",
        "src/roster/mod.rs",
        "src/roster/time_box.rs",
    ]
    .map(|path| std::fs::read_to_string(root().join(path)).unwrap())
    .join("\n");
    for (code, reason) in NOT_IN_THE_SCHEMA {
        assert!(sources.contains(&format!("\"{code}\"")), "{code}: {reason}");
    }
}
