//! Settings read from the environment and the flags: a token or an email with its line
//! break still works, and a rate-limit share that would make a run crawl is refused.

use serde_json::json;

use super::{roster, stderr};
use crate::common::{Sandbox, assert_code, mechanics, run};

#[test]
fn a_token_and_an_email_with_their_line_breaks_are_trimmed() {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", mechanics);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(&dir);
    let (output, stdout) = run(sandbox
        .zplan()
        .env("ZENDESK_API_TOKEN", "fake-token\n")
        .env("ZENDESK_EMAIL", " admin@example.com\r\n")
        .arg(&roster));
    assert_code(&output, &stdout, 0);
    let (output, stdout) = run(sandbox
        .zplan()
        .env_remove("ZENDESK_API_TOKEN")
        .args([
            "--api-token",
            "\tfake-token\n",
            "--url",
            &format!("{}\n", sandbox.url()),
        ])
        .arg(&roster));
    assert_code(&output, &stdout, 0);
}

#[test]
fn a_rate_limit_share_outside_a_twentieth_to_all_is_refused() {
    let sandbox = Sandbox::start_with(&json!({}), "fake-token", mechanics);
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(&dir);
    for share in ["1e-9", "0.01", "1.5", "NaN"] {
        let (output, stdout) = run(sandbox.zplan().args(["--rate-limit-share", share, &roster]));
        assert_code(&output, &stdout, 1);
        let err = stderr(&output);
        assert!(
            err.starts_with("error: invalid setting `rate-limit-share` = `"),
            "{share}: {err}"
        );
        assert!(err.contains("must be from 0.05"), "{share}: {err}");
    }
    for share in ["0.05", "1"] {
        let (output, stdout) = run(sandbox.zplan().args(["--rate-limit-share", share, &roster]));
        assert_code(&output, &stdout, 0);
    }
}
