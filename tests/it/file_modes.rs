//! Files holding personal data are the owner's alone: a saved plan, a journal (and its
//! directory), a report and an export are mode 0600 (directories 0700), also when they
//! replace a file that others could read.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use serde_json::json;

use crate::apply::{sandbox, stderr};
use crate::common::{assert_code, bin, roster_file, run};

/// The permission bits of `path`.
pub(crate) fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn plans_journals_reports_and_exports_are_readable_by_their_owner_alone() {
    let sandbox = sandbox(&json!({"users": [
        {"id": 10, "name": "Jane Smith", "email": "jane@acme.com", "external_id": "emp-1", "role": "agent"}
    ]}));
    let dir = tempfile::tempdir().unwrap();
    let roster = roster_file(
        &dir,
        "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Jane Doe, email: jane@acme.com, external_id: emp-1, role: agent }\n",
    );
    // An earlier plan that anyone could read is replaced, not kept readable.
    let saved = dir.path().join("plan.json");
    std::fs::write(&saved, "{}").unwrap();
    std::fs::set_permissions(&saved, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (output, stdout) = run(sandbox.zplan().arg("--out").arg(&saved).arg(&roster));
    assert_code(&output, &stdout, 0);
    let report = dir.path().join("report.json");
    let (output, stdout) = run(sandbox.zapply().arg("--report").arg(&report).arg(&saved));
    assert_code(&output, &stdout, 0);
    let journals = sandbox.work_dir().join(".zroster/journal");
    let journal = std::fs::read_dir(&journals)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let exported = dir.path().join("export.yaml");
    let output = bin("zroster")
        .args([
            "export",
            "--sandbox",
            "examples/acme/zendesk-state.json",
            "--out",
        ])
        .arg(&exported)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    for file in [&saved, &report, &journal, &exported] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    for directory in [&journals, &sandbox.work_dir().join(".zroster")] {
        assert_eq!(mode(directory), 0o700, "{}", directory.display());
    }
}
