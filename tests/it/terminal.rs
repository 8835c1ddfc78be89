//! What a person at a terminal sees, and what governs it: colours (`--color`, `NO_COLOR`,
//! `CLICOLOR_FORCE`, `TERM=dumb`), the apply progress bar, and `-v` request lines.

use std::fmt::Write as _;

use crate::common::{Sandbox, on_a_terminal, roster_file, run};

const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"}
]}"#;

const RENAME: &str = "users:\n  - { external_id: emp-1, name: Jane Smyth }\n";

/// An SGR colour sequence of the human plan (`+`, `~`, headings).
fn coloured(text: &str) -> bool {
    ["\x1b[1m", "\x1b[33m", "\x1b[32m"]
        .iter()
        .any(|code| text.contains(code))
}

#[test]
fn colours_follow_the_flag_no_color_clicolor_force_and_term() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, RENAME);
    let piped = |flags: &[&str], env: &[(&str, &str)]| {
        let mut zplan = sandbox.zplan();
        zplan
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .args(flags)
            .arg(&roster);
        for (key, value) in env {
            zplan.env(key, value);
        }
        let (output, stdout) = run(&mut zplan);
        assert_eq!(output.status.code(), Some(0), "{stdout}");
        coloured(&stdout)
    };
    // Piped: no colour unless asked for.
    assert!(!piped(&[], &[]));
    assert!(piped(&["--color", "always"], &[]));
    assert!(piped(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!piped(&[], &[("CLICOLOR_FORCE", "0")]));
    assert!(!piped(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!piped(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));

    // On a terminal: colour, except for TERM=dumb, NO_COLOR and --color never.
    let terminal = |flags: &[&str], env: &[(&str, &str)]| {
        let mut zplan = sandbox.zplan();
        zplan
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env("TERM", "xterm-256color")
            .args(flags)
            .arg(&roster);
        for (key, value) in env {
            zplan.env(key, value);
        }
        let (code, shown) = on_a_terminal(&zplan, "");
        assert_eq!(code, Some(0), "{shown}");
        coloured(&shown)
    };
    assert!(terminal(&[], &[]));
    assert!(!terminal(&[], &[("TERM", "dumb")]));
    assert!(!terminal(&[], &[("NO_COLOR", "1")]));
    assert!(!terminal(&["--color", "never"], &[]));
}

/// A roster of `n` new agents.
fn new_agents(n: usize) -> String {
    let mut text = String::from("users:\n");
    for i in 0..n {
        let _ = writeln!(
            text,
            "  - {{ name: Agent {i}, email: agent{i}@acme.com, role: agent }}"
        );
    }
    text
}

#[test]
fn the_apply_bar_counts_with_thousands_separators_shows_the_time_left_and_obeys_color() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, &new_agents(1_200));
    for (flags, colour) in [(&[][..], true), (&["--color", "never"][..], false)] {
        // Jobs take about three seconds, so that the bar is drawn while they run.
        let sandbox = Sandbox::start_with(&serde_json::json!({}), "fake-token", |knobs| {
            knobs.job_items_per_second = 400.0;
            knobs.bulk_imports = true;
        });
        let mut zapply = sandbox.zapply();
        zapply
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .args(["--auto-approve"])
            .args(flags)
            .arg(&roster);
        let (code, shown) = on_a_terminal(&zapply, "");
        assert_eq!(code, Some(0), "{shown}");
        assert!(shown.contains("/1,200 changes"), "{shown}");
        assert!(shown.contains(" left"), "{shown}");
        // The bar's cyan and blue.
        let bar_coloured = shown.contains("\x1b[36m") || shown.contains("\x1b[34m");
        assert_eq!(bar_coloured, colour, "{flags:?}: {shown}");
    }
}

#[test]
fn verbose_logs_each_request_and_very_verbose_its_query_never_the_token() {
    let sandbox = Sandbox::start_with_token(&serde_json::from_str(STATE).unwrap(), "s3cr3t-t0ken");
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, RENAME);
    let quiet = run(sandbox
        .zplan()
        .env("ZENDESK_API_TOKEN", "s3cr3t-t0ken")
        .arg(&roster))
    .0;
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("http: "));

    sandbox.reset_requests();
    let (output, _) = run(sandbox
        .zplan()
        .env("ZENDESK_API_TOKEN", "s3cr3t-t0ken")
        .args(["-v", &roster]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("http: ")).collect();
    let total = sandbox.requests()["total"].as_u64().unwrap();
    assert_eq!(lines.len() as u64, total, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("http: GET /api/v2/users/me → 200 in ")
                && l.contains("; rate limit ")
                && l.contains(" left")),
        "{stderr}"
    );
    assert!(!stderr.contains('?'), "-v shows no query: {stderr}");

    let (output, _) = run(sandbox
        .zplan()
        .env("ZENDESK_API_TOKEN", "s3cr3t-t0ken")
        .args(["-vv", &roster]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("http: GET /api/v2/") && l.contains('?')),
        "{stderr}"
    );
    for secret in ["s3cr3t-t0ken", "Authorization", "Basic "] {
        assert!(!stderr.contains(secret), "{secret}: {stderr}");
    }
}
