//! Every example roster validates, every `yaml` block of README.md is a valid roster, and
//! README's excerpt of the sandbox plan is what zplan prints.

use crate::common::{bin, root};

#[test]
fn every_example_validates() {
    for example in ["examples/minimal.yaml", "examples/acme/roster"] {
        let output = bin("zroster").args(["validate", example]).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{example}:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn the_acme_example_has_at_least_25_users_over_its_five_files() {
    let loaded = zroster::roster::load(&[root().join("examples/acme/roster")]);
    assert!(!loaded.has_errors());
    assert!(
        loaded.roster.users.len() >= 25,
        "{} users",
        loaded.roster.users.len()
    );
    assert_eq!(loaded.roster.files.len(), 5);
    assert!(
        !loaded.roster.settings.ignore.is_empty() && !loaded.roster.settings.protect.is_empty()
    );
}

#[test]
fn every_example_file_starts_with_the_schema_comment() {
    for file in crate::common::roster_examples() {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} lacks the schema comment",
            file.display()
        );
        let target = text
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# yaml-language-server: $schema=");
        assert!(
            file.parent().unwrap().join(target).exists(),
            "{}: `{target}` does not exist",
            file.display()
        );
    }
}

#[test]
fn every_yaml_block_of_the_readme_is_a_valid_roster() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(!blocks.is_empty(), "README.md has no yaml blocks");
    for (i, block) in blocks.iter().enumerate() {
        let name = format!("README.md yaml block {}", i + 1);
        let loaded = zroster::roster::load_texts(&[(&name, block)]);
        let errors: Vec<_> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == zroster::roster::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}:\n{block}\n{errors:#?}");
    }
}

/// README's excerpt of the main job's output: each line it shows (other than `…`) is a line
/// zplan prints, in the same order, so a roster line number or a summary cannot go stale.
#[test]
fn the_readmes_sandbox_plan_excerpt_is_what_zplan_prints() {
    let command = "$ zplan --sandbox examples/acme/zendesk-state.json examples/acme/roster";
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let excerpt: Vec<&str> = readme
        .lines()
        .skip_while(|line| *line != command)
        .skip(1)
        .take_while(|line| *line != "```")
        .filter(|line| !line.trim().is_empty() && line.trim() != "…")
        .collect();
    assert!(
        excerpt.len() > 10,
        "README.md has no excerpt after `{command}`"
    );
    let output = bin("zplan")
        .args(command.split(' ').skip(2))
        .env_remove("ZENDESK_SUBDOMAIN")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    let mut lines = printed.lines();
    for shown in excerpt {
        assert!(
            lines.any(|line| line == shown),
            "README.md shows a line zplan does not print (or not in this order):\n{shown}\n\nzplan printed:\n{printed}"
        );
    }
}
