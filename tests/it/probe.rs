//! `zroster probe` against the emulator: its report reproduces the emulator's settings and
//! choices (and `fake --account-report` turns them back into the same knobs), it stays
//! within its budget, leaves the account as it found it (after a SIGKILL too, with
//! `--cleanup`), and each experiment says "differs" when a knob makes the emulator behave
//! the other way.

use serde_json::{Value, json};
use zroster::fake::{
    AccountSettings, CustomRoleNull, Knobs, LastGroupMembership, MatchKey, OrganizationIdChange,
    Plan, TagsWithoutTagging, UndefinedUserField, UsersSearchCap, VerifiedWrite,
};
use zroster::probe::{ProbeReport, REQUEST_BUDGET, Verdict};

use crate::common::Sandbox;

/// A change to the emulator's knobs.
type Tune = fn(&mut Knobs);

/// Runs a probe with `--report` and `--record`; returns the report.
fn probe(sandbox: &Sandbox) -> ProbeReport {
    let report = sandbox.work_dir().join("report.json");
    let _ = std::fs::remove_file(&report);
    let output = sandbox
        .zroster()
        .args([
            "probe",
            "--yes-this-writes",
            "--record",
            "recorded",
            "--report",
        ])
        .arg(&report)
        .env("ZROSTER_TEST_PROBE_FAKE_CLOCK", sandbox.url())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains("fake-token") && !stderr.contains("fake-token"));
    serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap()
}

fn sandbox(profile: &str, tune: impl FnOnce(&mut Knobs)) -> Sandbox {
    Sandbox::start_with(
        &json!({"account": {"profile": profile}}),
        "fake-token",
        |k| {
            k.job_items_per_second = 1000.0;
            k.search_lag_s = 0.0;
            tune(k);
        },
    )
}

/// When the probe searches for its new user, in seconds after creating it.
fn probe_polls() -> Vec<f64> {
    vec![0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 45.0, 60.0]
}

/// The knobs a report settles, as `zroster fake --account-report` resolves them.
fn knobs_of(report: &ProbeReport) -> Knobs {
    Knobs::resolve_with_report(
        None,
        &report.to_account_settings(),
        &AccountSettings::default(),
    )
}

fn verdict(report: &ProbeReport, experiment: &str) -> Verdict {
    report
        .findings
        .iter()
        .find(|f| f.experiment == experiment)
        .unwrap_or_else(|| panic!("no finding `{experiment}`: {report:#?}"))
        .verdict
}

/// Probes an emulator with `knobs` and checks the round trip, the budget and the cleanup.
fn round_trip(profile: &str, tune: impl FnOnce(&mut Knobs)) -> ProbeReport {
    round_trip_recorded(profile, tune).0
}

/// [`round_trip`], with the names of the files `--record` wrote.
fn round_trip_recorded(profile: &str, tune: impl FnOnce(&mut Knobs)) -> (ProbeReport, Vec<String>) {
    let sandbox = sandbox(profile, tune);
    let knobs = Knobs::resolve(
        sandbox.handle().state().account.as_ref(),
        &AccountSettings::default(),
    );
    let before = sandbox.state();
    let report = probe(&sandbox);
    assert_eq!(
        sandbox.state(),
        before,
        "the probe left the account changed"
    );
    assert!(report.cleanup.left.is_empty());
    let sent = sandbox.handle().requests().total;
    assert!(sent <= u64::from(REQUEST_BUDGET), "{sent} requests");
    assert_eq!(u64::from(report.requests), sent);
    let back = knobs_of(&report);
    assert_eq!(back.plan.has_custom_roles(), knobs.plan.has_custom_roles());
    assert_eq!(back.rate_limit, knobs.rate_limit);
    assert_eq!(back.bulk_imports, knobs.bulk_imports);
    assert_eq!(back.user_tagging, knobs.user_tagging);
    assert_eq!(back.multiple_organizations, knobs.multiple_organizations);
    assert_eq!(back.default_group, knobs.default_group);
    assert_eq!(
        back.promoted_agent_joins_default_group,
        knobs.promoted_agent_joins_default_group
    );
    assert_eq!(back.undefined_user_field, knobs.undefined_user_field);
    assert_eq!(
        back.create_or_update_prefers,
        knobs.create_or_update_prefers
    );
    assert_eq!(back.organization_id_change, knobs.organization_id_change);
    assert_eq!(back.last_group_membership, knobs.last_group_membership);
    assert_eq!(back.tags_without_tagging, knobs.tags_without_tagging);
    assert_eq!(back.verified_write, knobs.verified_write);
    assert_eq!(back.users_search_cap, knobs.users_search_cap);
    // The lag is measured at the polls' times: the first poll at or after the knob's lag.
    let lag = report
        .account_settings
        .search_lag_s
        .expect("search lag measured");
    let next = probe_polls()
        .into_iter()
        .find(|at| *at >= knobs.search_lag_s)
        .unwrap();
    assert!(
        (lag - next).abs() < 1e-9,
        "lag {lag}, knob {}",
        knobs.search_lag_s
    );
    assert!((back.search_lag_s - lag).abs() < 1e-9);
    if knobs.plan.has_custom_roles() {
        assert_eq!(back.new_agent_role, knobs.new_agent_role);
        assert_eq!(back.custom_role_null, knobs.custom_role_null);
    }
    let mut names = Vec::new();
    for file in std::fs::read_dir(sandbox.work_dir().join("recorded")).unwrap() {
        let path = file.unwrap().path();
        names.push(path.file_name().unwrap().to_string_lossy().into_owned());
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("fake-token") && !text.contains("127.0.0.1"));
        let recording: Value = serde_json::from_str(&text).unwrap();
        assert!(
            recording["exchanges"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        );
    }
    names.sort();
    (report, names)
}

#[test]
fn on_a_default_account_every_assumption_holds_and_the_account_is_left_as_it_was() {
    let (report, recorded) = round_trip_recorded("enterprise", |_| {});
    for finding in &report.findings {
        assert_eq!(finding.verdict, Verdict::Holds, "{finding:#?}");
    }
    let experiments: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.experiment.as_str())
        .collect();
    assert_eq!(experiments.len(), zroster::probe::Experiment::ALL.len());
    // Every experiment that writes or searches is recorded under its name.
    for name in [
        "settings",
        "bulk_imports",
        "promotion",
        "undefined_user_field",
        "create_or_update_prefers",
        "search_lag_s",
        "users_search_cap",
        "organization_id_change",
        "tags_without_tagging",
        "verified_write",
        "last_group_membership",
        "cleanup",
    ] {
        let file = format!("zroster-probe__{name}.json");
        assert!(recorded.contains(&file), "{file} not in {recorded:?}");
    }
}

#[test]
fn every_profile_round_trips() {
    for profile in ["team", "growth", "professional"] {
        let report = round_trip(profile, |_| {});
        assert_eq!(verdict(&report, "plan"), Verdict::Differs);
        let plan = report.account_settings.plan.unwrap();
        assert_eq!(plan == Plan::Team, profile == "team");
    }
}

#[test]
fn the_account_settings_that_differ_are_reported() {
    let report = round_trip("growth", |k| {
        k.bulk_imports = true;
        k.user_tagging = true;
        k.multiple_organizations = true;
        k.rate_limit = 250;
    });
    for experiment in [
        "bulk_imports",
        "user_tagging",
        "multiple_organizations",
        "rate_limit",
    ] {
        assert_eq!(
            verdict(&report, experiment),
            Verdict::Differs,
            "{experiment}"
        );
    }
}

#[test]
fn each_uncertain_choice_turned_the_other_way_is_reported_as_differing() {
    let cases: [(&str, Tune); 13] = [
        ("default_group", |k| {
            k.default_group = "Tier 1".into();
        }),
        ("promoted_agent_joins_default_group", |k| {
            k.promoted_agent_joins_default_group = false;
        }),
        ("new_agent_role", |k| {
            k.new_agent_role = "Light Agent".into();
        }),
        ("custom_role_null", |k| {
            k.custom_role_null = CustomRoleNull::Ignore;
        }),
        ("custom_role_null", |k| {
            k.custom_role_null = CustomRoleNull::Clear;
        }),
        ("undefined_user_field", |k| {
            k.undefined_user_field = UndefinedUserField::Refuse;
        }),
        ("create_or_update_prefers", |k| {
            k.create_or_update_prefers = MatchKey::Email;
        }),
        // The probe's waits move the emulator's clock: 20 s of lag take no time.
        ("search_lag_s", |k| {
            k.search_lag_s = 20.0;
        }),
        ("organization_id_change", |k| {
            k.organization_id_change = OrganizationIdChange::Refuse;
        }),
        ("last_group_membership", |k| {
            k.last_group_membership = LastGroupMembership::Allow;
        }),
        ("tags_without_tagging", |k| {
            k.tags_without_tagging = TagsWithoutTagging::Refuse;
        }),
        ("users_search_cap", |k| {
            k.users_search_cap = UsersSearchCap::OneThousand;
        }),
        ("verified_write", |k| {
            k.verified_write = VerifiedWrite::Ignore;
        }),
    ];
    for (experiment, tune) in cases {
        let report = round_trip("enterprise", tune);
        assert_eq!(
            verdict(&report, experiment),
            Verdict::Differs,
            "{experiment}: {report:#?}"
        );
    }
}

#[test]
fn without_confirmation_nothing_is_sent() {
    let sandbox = sandbox("enterprise", |_| {});
    let output = sandbox
        .zroster()
        .args(["probe", "--no-input"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--yes-this-writes"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("at most 130 requests"));
    assert_eq!(sandbox.handle().requests().total, 0);
}

#[cfg(unix)]
#[test]
fn after_a_sigkill_cleanup_from_the_journal_restores_the_account() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox("enterprise", |k| k.latency_ms = 150);
    let before = sandbox.state();
    let journal = sandbox.work_dir().join("probe.journal");
    let mut child = sandbox
        .zroster()
        .args(["probe", "--yes-this-writes", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&journal).is_ok_and(|t| t.matches("\"created\"").count() >= 2) {
        assert!(std::time::Instant::now() < deadline, "no user created");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_ne!(sandbox.state(), before);
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(!text.contains("fake-token"));
    assert_eq!(
        std::fs::metadata(&journal).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let output = sandbox
        .zroster()
        .args(["probe", "--cleanup"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(sandbox.state(), before);
}

#[test]
fn checked_in_probe_schema_is_current() {
    let on_disk =
        std::fs::read_to_string(crate::common::root().join(zroster::probe::SCHEMA_PATH)).unwrap();
    assert!(
        on_disk == zroster::probe::schema_json(),
        "schema/probe.schema.json is out of date; regenerate it with:\n    cargo run --bin zroster -- schema probe > schema/probe.schema.json"
    );
}

/// A `zroster fake` process (the real binary) and the address it listens on.
struct FakeProcess {
    child: std::process::Child,
    url: String,
}

impl FakeProcess {
    fn spawn(args: &[&std::ffi::OsStr]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zroster"))
            .arg("fake")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("no listening line: {line:?}"))
            .to_owned();
        Self { child, url }
    }

    fn state(&self) -> Value {
        let url = format!("{}/__fake/state", self.url);
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::get(url).await.unwrap().json().await.unwrap()
        })
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn fake_account_report_through_the_binary_behaves_like_the_probed_account() {
    // An account that differs from the emulator's defaults in every choice the probe settles.
    let report = round_trip("enterprise", |k| {
        k.bulk_imports = true;
        k.rate_limit = 650;
        k.search_lag_s = 8.0;
        k.default_group = "Tier 1".into();
        k.promoted_agent_joins_default_group = false;
        k.new_agent_role = "Light Agent".into();
        k.custom_role_null = CustomRoleNull::Clear;
        k.undefined_user_field = UndefinedUserField::Refuse;
        k.create_or_update_prefers = MatchKey::Email;
        k.organization_id_change = OrganizationIdChange::Refuse;
        k.last_group_membership = LastGroupMembership::Allow;
        k.tags_without_tagging = TagsWithoutTagging::Refuse;
        k.verified_write = VerifiedWrite::Ignore;
        k.users_search_cap = UsersSearchCap::OneThousand;
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    let fake = FakeProcess::spawn(&[
        "--port".as_ref(),
        "0".as_ref(),
        "--account-report".as_ref(),
        path.as_os_str(),
    ]);
    let account: AccountSettings = serde_json::from_value(fake.state()["account"].clone()).unwrap();
    assert_eq!(account, knobs_of(&report).to_settings());
    // Probed in turn, the emulator the binary runs settles what the report settled.
    let again = dir.path().join("again.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zroster"))
        .args(["probe", "--yes-this-writes", "--report"])
        .arg(&again)
        .arg("--journal")
        .arg(dir.path().join("probe.journal"))
        .env("ZENDESK_URL", &fake.url)
        .env("ZENDESK_EMAIL", "admin@example.com")
        .env("ZENDESK_API_TOKEN", "fake-token")
        .env("ZROSTER_TEST_NO_DELAY", "1")
        .env("ZROSTER_TEST_PROBE_FAKE_CLOCK", &fake.url)
        .env_remove("ZENDESK_SUBDOMAIN")
        .env_remove("ZENDESK_OAUTH_TOKEN")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let again: ProbeReport =
        serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    assert_eq!(again.account_settings, report.account_settings);
}

#[cfg(unix)]
#[test]
fn after_a_sigint_or_a_sigterm_the_probe_removes_what_it_created() {
    for signal in ["-INT", "-TERM"] {
        interrupted_by(signal);
    }
}

/// A probe sent `signal` once it has created two objects.
fn interrupted_by(signal: &str) {
    let sandbox = sandbox("enterprise", |k| k.latency_ms = 150);
    let before = sandbox.state();
    let journal = sandbox.work_dir().join("probe.journal");
    let child = sandbox
        .zroster()
        .args(["probe", "--yes-this-writes", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(&journal).is_ok_and(|t| t.matches("\"created\"").count() >= 2) {
        assert!(std::time::Instant::now() < deadline, "no user created");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let signalled = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{signal}: {stdout}\n{stderr}"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stdout.contains("none of the probe's objects is left"),
        "{stdout}"
    );
    assert_eq!(sandbox.state(), before);
    // The journal says so too: a `--cleanup` after it has nothing left to remove.
    let output = sandbox
        .zroster()
        .args(["probe", "--cleanup"])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("Removed 0 users"));
    assert_eq!(sandbox.state(), before);
}

#[test]
fn an_object_whose_creation_was_never_answered_is_found_by_its_name_and_removed() {
    for endpoint in [
        "POST /api/v2/organizations",
        "POST /api/v2/groups",
        "POST /api/v2/users",
    ] {
        let sandbox = sandbox("enterprise", |_| {});
        let before = sandbox.state();
        sandbox.drop_answer_after(endpoint);
        let output = sandbox
            .zroster()
            .args(["probe", "--yes-this-writes", "--journal", "probe.journal"])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{endpoint}: {stdout}\n{stderr}"
        );
        assert!(stderr.contains("connection"), "{endpoint}: {stderr}");
        // The error says what the cleanup did after it.
        assert!(
            stderr.contains("the probe stopped there, and its cleanup removed")
                && stderr.contains("none of the probe's objects is left"),
            "{endpoint}: {stderr}"
        );
        assert_eq!(sandbox.state(), before, "{endpoint}: the account changed");
        let journal = std::fs::read_to_string(sandbox.work_dir().join("probe.journal")).unwrap();
        assert!(journal.contains("\"removed\""), "{endpoint}: {journal}");
    }
}

#[test]
fn a_search_index_slower_than_the_bounded_wait_is_reported_at_the_bound() {
    let sandbox = sandbox("enterprise", |k| k.search_lag_s = 90.0);
    let before = sandbox.state();
    let report = probe(&sandbox);
    assert_eq!(sandbox.state(), before);
    let finding = report
        .findings
        .iter()
        .find(|f| f.experiment == "search_lag_s")
        .unwrap();
    assert_eq!(finding.verdict, Verdict::Differs);
    assert!(
        finding
            .observed
            .contains("had not found the new user after 60 s"),
        "{finding:#?}"
    );
    assert_eq!(report.account_settings.search_lag_s, Some(60.0));
    assert!(report.requests <= REQUEST_BUDGET);
}

/// A journal of the sandbox's account, as a run with `prefix` would start it, then `lines`.
fn hand_journal(sandbox: &Sandbox, prefix: &str, lines: &[Value]) -> std::path::PathBuf {
    let path = sandbox.work_dir().join(format!("{prefix}.journal"));
    let mut text = json!({"started": {"account": format!("{}/", sandbox.url().trim_end_matches('/')), "prefix": prefix}}).to_string();
    for line in lines {
        text.push('\n');
        text.push_str(&line.to_string());
    }
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

fn cleanup(sandbox: &Sandbox, journal: &std::path::Path) -> (Option<i32>, String) {
    let output = sandbox
        .zroster()
        .args(["probe", "--cleanup"])
        .arg(journal)
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), shown)
}

/// The ids `GET /deleted_users` lists: users deleted and not yet deleted for good.
fn deleted_for_now(sandbox: &Sandbox) -> Vec<u64> {
    sandbox.api_get("deleted_users")["deleted_users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_u64())
        .collect()
}

#[test]
fn the_cleanup_removes_only_the_probes_own_users_including_one_left_deleted() {
    let sandbox = sandbox("enterprise", |_| {});
    let prefix = "zroster-probe-0000abcd";
    // A user of the account, named by a journal edited by hand.
    let theirs = sandbox.api_post(
        "users",
        &json!({"user": {"name": "Their User", "email": "their@acme.com"}}),
    )["user"]["id"]
        .as_u64()
        .unwrap();
    let probe_user = |n: u32| {
        let tag = format!("{prefix}-{n}");
        let user = json!({"user": {"name": tag, "external_id": tag, "email": format!("{tag}@example.com"), "skip_verify_email": true}});
        (
            tag,
            sandbox.api_post("users", &user)["user"]["id"]
                .as_u64()
                .unwrap(),
        )
    };
    // The probe's user deleted by a cleanup that stopped before deleting it for good.
    let (first, kept) = probe_user(1);
    sandbox.api_delete(&format!("users/{kept}"));
    assert!(deleted_for_now(&sandbox).contains(&kept));
    // The probe's user whose creation was never answered: the journal has its external id.
    let (second, lost) = probe_user(2);
    let journal = hand_journal(
        &sandbox,
        prefix,
        &[
            json!({"creating": {"external_id": first}}),
            json!({"created": {"id": kept}}),
            json!({"creating": {"external_id": second}}),
            json!({"created": {"id": theirs}}),
        ],
    );
    let (code, shown) = cleanup(&sandbox, &journal);
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("Removed 2 users,"), "{shown}");
    assert!(
        shown.contains(&format!("user {theirs} of the journal is not the probe's")),
        "{shown}"
    );
    assert!(shown.contains("--cleanup"), "{shown}");
    assert_eq!(
        sandbox.api_get(&format!("users/{theirs}"))["user"]["active"],
        true,
        "the account's user is untouched"
    );
    let deleted = deleted_for_now(&sandbox);
    assert!(
        !deleted.contains(&kept) && !deleted.contains(&lost),
        "the probe's users are deleted for good: {deleted:?}"
    );
    // The user found by its external id was journaled before it was deleted: a cleanup
    // stopped half-way still knows it.
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(
        text.contains(&format!("{{\"created\":{{\"id\":{lost}}}}}")),
        "{text}"
    );
}

#[test]
fn the_cleanup_waits_for_an_open_bulk_job_and_says_when_it_has_not_ended() {
    let sandbox = sandbox("enterprise", |k| {
        k.bulk_imports = true;
        k.job_items_per_second = 0.0;
    });
    let before = sandbox.state();
    let prefix = "zroster-probe-0000abce";
    let tag = format!("{prefix}-1");
    let job = sandbox.api_post(
        "users/create_or_update_many",
        &json!({"users": [{"name": tag, "external_id": tag, "email": format!("{tag}@example.com"), "skip_verify_email": true}]}),
    )["job_status"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let journal = hand_journal(
        &sandbox,
        prefix,
        &[
            json!({"creating": {"external_id": tag}}),
            json!({"job": {"id": job}}),
        ],
    );
    // The job is paused: it may still create the user, so the cleanup cannot say it is done.
    let (code, shown) = cleanup(&sandbox, &journal);
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains(&format!("the bulk job {job} had not ended")),
        "{shown}"
    );
    // Once the job has made the user, the cleanup removes it.
    sandbox
        .handle()
        .update_knobs(|k| k.job_items_per_second = 1000.0);
    let (code, shown) = cleanup(&sandbox, &journal);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("Removed 1 user,"), "{shown}");
    let without_knobs = |mut state: Value| {
        state.as_object_mut().unwrap().remove("account");
        state
    };
    assert_eq!(without_knobs(sandbox.state()), without_knobs(before));
}

#[test]
fn a_cleanup_whose_requests_fail_tries_everything_and_says_what_is_left() {
    let sandbox = sandbox("enterprise", |_| {});
    let prefix = "zroster-probe-0000abcf";
    let tag = format!("{prefix}-1");
    let user = sandbox.api_post(
        "users",
        &json!({"user": {"name": tag, "external_id": tag, "skip_verify_email": true}}),
    )["user"]["id"]
        .as_u64()
        .unwrap();
    let group = sandbox.api_post(
        "groups",
        &json!({"group": {"name": format!("{prefix}-group")}}),
    )["group"]["id"]
        .as_u64()
        .unwrap();
    let journal = hand_journal(
        &sandbox,
        prefix,
        &[
            json!({"created": {"id": user}}),
            json!({"created": {"id": group, "kind": "group"}}),
        ],
    );
    sandbox.handle().update_knobs(|k| k.fault_5xx = 1.0);
    let (code, shown) = cleanup(&sandbox, &journal);
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("Removed 0 users"), "{shown}");
    // The users could not be read, and the group was still tried after them.
    assert!(
        shown.contains("could not: GET users/show_many answered 5"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("GET groups/{group} answered 5")),
        "{shown}"
    );
    assert!(shown.contains("tries again"), "{shown}");
    // Once Zendesk answers again, the same journal finishes the job.
    sandbox.handle().update_knobs(|k| k.fault_5xx = 0.0);
    let (code, shown) = cleanup(&sandbox, &journal);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("Removed 1 user, 0 organizations and 1 group"),
        "{shown}"
    );
}
