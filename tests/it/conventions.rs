//! CLI conventions a pipeline relies on: problems on standard error and as GitHub
//! annotations whatever the format, a markdown document on standard output even without a
//! plan, `zroster show`, and no prompt with `--no-input` or in CI.

use crate::common::{Sandbox, bin, roster_file, run};

const STATE: &str = r#"{"users": [
  {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"},
  {"id": 11, "name": "Bo Berg", "email": "bo@acme.com", "external_id": "emp-2", "role": "agent"}
], "groups": [{"id": 20, "name": "Support"}]}"#;

/// A conflict (emp-1 is Jane's, the email Bo's) and a group that exists nowhere.
const BROKEN: &str = "users:\n  - { external_id: emp-1, email: bo@acme.com }\n  - { external_id: emp-2, role: agent, groups: [Nowhere] }\n";

#[test]
fn conflicts_and_errors_reach_standard_error_whatever_the_format() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, BROKEN);
    for format in ["human", "markdown", "json"] {
        let (output, stdout) = run(sandbox.zplan().args(["--format", format, &roster]));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {stdout}\n{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "error: {roster}:3:49: group `Nowhere` is neither in the roster nor in the account"
            )) && stderr.contains(&format!(
                "error: {roster}:2:5: update user bo@acme.com: blocked: conflict: external_id `emp-1` belongs to user #10 but email `bo@acme.com` to user #11"
            )),
            "{format}: {stderr}"
        );
        assert!(!stderr.contains("::error"), "{stderr}");
    }
}

#[test]
fn in_github_actions_problems_are_annotations_on_their_roster_lines() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, BROKEN);
    let (output, _) = run(sandbox
        .zplan()
        .env("GITHUB_ACTIONS", "true")
        .args(["--format", "markdown", &roster]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = roster.replace(':', "%3A").replace(',', "%2C");
    assert!(
        stderr.contains(&format!(
            "::error file={file},line=3,col=49,title=zplan%3A error::group `Nowhere` is neither in the roster nor in the account"
        )) && stderr.contains(&format!(
            "::error file={file},line=2,col=5,title=zplan%3A conflict::update user bo@acme.com: blocked: conflict:"
        )),
        "{stderr}"
    );

    // A refusal concerns the whole plan: an annotation without a file.
    let roster = roster_file(
        &dir,
        "settings:\n  manage: { roles: [agent] }\n  prune: delete\n  safety: { max_deletes: 1 }\nusers: []\n",
    );
    let (output, _) = run(sandbox
        .zplan()
        .env("GITHUB_ACTIONS", "true")
        .args(["--format", "json", &roster]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3));
    // The human summary line names the rule.
    let (_, human) = run(sandbox.zplan().arg(&roster));
    assert!(
        human.contains("\nPlan: refused by `max_deletes`; 2 to delete;"),
        "{human}"
    );
    assert!(
        stderr.contains("::error title=zplan%3A refused::refused by `max_deletes`: "),
        "{stderr}"
    );

    // An invalid roster: its diagnostics, for people and as annotations.
    let roster = roster_file(&dir, "users:\n  - { email: a@acme.com, rol: agent }\n");
    let (output, _) = run(sandbox.zplan().env("GITHUB_ACTIONS", "true").arg(&roster));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains(&format!("{roster}:2:"))
            && stderr.contains(&format!("::error file={file},line=2,")),
        "{stderr}"
    );
}

#[test]
fn markdown_without_a_plan_says_why() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(&dir, "users:\n  - { email: jane@acme.com, rol: agent }\n");
    let (output, stdout) =
        run(sandbox
            .zplan()
            .args(["--format", "markdown", "--mask-emails", &roster]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.starts_with("### zplan could not make a plan\n\n```text\n")
            && stdout.contains("unknown key `rol`")
            && stdout.ends_with("```\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("jane@"), "{stdout}");

    // A request that fails: the account cannot be read.
    let roster = roster_file(&dir, "users:\n  - { email: jane@acme.com }\n");
    let (output, stdout) = run(sandbox
        .zplan()
        .env("ZENDESK_API_TOKEN", "wrong")
        .args(["--format", "markdown", &roster]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.starts_with("### zplan could not make a plan")
            && stdout.contains("the credentials were not accepted"),
        "{stdout}"
    );
    assert!(!stdout.contains("wrong"), "{stdout}");

    // A plan shown, then an error (the plan cannot be saved): no second document.
    let (output, stdout) = run(sandbox.zplan().args([
        "--format",
        "markdown",
        "--out",
        "/nonexistent/plan.json",
        &roster,
    ]));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        !stdout.is_empty() && !stdout.contains("could not make a plan"),
        "{stdout}"
    );
}

#[test]
fn show_renders_a_saved_plan_again_in_every_format_and_refuses_an_edited_one() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - { external_id: emp-1, name: Jane Smyth }\n  - { external_id: emp-3, name: Cy New, email: cy@acme.com, role: agent }\n",
    );
    let plan = dir.path().join("plan.json");
    let plan = plan.to_str().unwrap();
    for format in ["human", "markdown", "json"] {
        let (output, planned) = run(sandbox
            .zplan()
            .args(["--format", format, "--out", plan, &roster]));
        assert_eq!(output.status.code(), Some(0), "{planned}");
        sandbox.reset_requests();
        let (output, shown) = run(bin("zroster").args(["show", "--format", format, plan]));
        assert_eq!(output.status.code(), Some(0), "{shown}");
        assert_eq!(shown, planned, "{format}");
        assert_eq!(sandbox.requests()["total"], 0, "show reads no account");
    }
    let saved = std::fs::read_to_string(plan).unwrap();
    let (_, shown) = run(bin("zroster").args(["show", "--format", "json", plan]));
    assert_eq!(shown, saved);

    std::fs::write(plan, saved.replace("Jane Smyth", "Jane Smith")).unwrap();
    let (output, _) = run(bin("zroster").args(["show", plan]));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("its content does not match its `plan_digest`"),
        "{output:?}"
    );
    let (output, _) = run(bin("zroster").args(["show", &roster]));
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn zapply_asks_on_a_terminal_but_never_with_no_input_or_in_ci() {
    let sandbox = Sandbox::start(&serde_json::from_str(STATE).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "users:\n  - { external_id: emp-1, name: Jane Smyth }\n",
    );
    // On a terminal it asks; `n` applies nothing.
    let mut zapply = sandbox.zapply();
    zapply.arg(&roster).env_remove("CI");
    let (code, shown) = crate::common::on_a_terminal(&zapply, "n\n");
    assert!(shown.contains("Apply these 1 changes to"), "{shown}");
    assert!(shown.contains("Not applied."), "exit {code:?}: {shown}");
    assert_eq!(code, Some(1));
    // --no-input, or CI set: no question, nothing applied, exit 1 with the hint.
    for (flag, ci) in [(Some("--no-input"), None), (None, Some("true"))] {
        let mut zapply = sandbox.zapply();
        zapply.args(flag).arg(&roster).env_remove("CI");
        if let Some(ci) = ci {
            zapply.env("CI", ci);
        }
        let (code, shown) = crate::common::on_a_terminal(&zapply, "y\n");
        assert!(!shown.contains("Apply these"), "{shown}");
        assert!(
            shown.contains("not applying without confirmation"),
            "{shown}"
        );
        assert_eq!(code, Some(1), "{shown}");
    }
    assert_eq!(crate::common::writes(&sandbox.requests()), 0);
}
