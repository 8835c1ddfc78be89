//! Every response body of the recorded Zendesk exchanges (`$ZROSTER_RECORDED_DIR`) and of the
//! client's own fixtures parses into the wire types, and every error answer becomes the typed
//! error of its status.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;
use zroster::env_vars;
use zroster::zendesk::ZendeskError;
use zroster::zendesk::wire::{
    AccountSettings, CustomRole, Group, GroupMembership, Identity, JobResult, JobResultOutcome,
    JobStatus, Me, Organization, OrganizationMembership, Page, User, UserField, parse_object,
};

/// What the walk parsed: shape tags seen, how many bodies, and which paths mapped to nothing.
#[derive(Debug, Default)]
struct Walk {
    tags: BTreeSet<String>,
    parsed: usize,
    errors: usize,
    unmapped: BTreeSet<String>,
    failures: Vec<String>,
}

fn page<T: DeserializeOwned>(bytes: &[u8], key: &str, walk: &mut Walk) -> Result<Vec<T>, String> {
    let page = Page::<T>::from_json(bytes, key).map_err(|e| e.to_string())?;
    walk.tags.insert(format!("page:{key}"));
    if page.meta.is_some() {
        walk.tags.insert(format!("cursor:{key}"));
    }
    if page.next_page.is_some() || page.count.is_some() {
        walk.tags.insert(format!("offset:{key}"));
    }
    if page.end_of_stream.is_some() {
        walk.tags.insert(format!("incremental:{key}"));
    }
    Ok(page.items)
}

/// A single-object envelope, or the bare object for `sample` files.
fn object<T: DeserializeOwned>(
    bytes: &[u8],
    key: &str,
    bare: bool,
    walk: &mut Walk,
) -> Result<T, String> {
    let result = parse_object::<T>(bytes, key).or_else(|e| {
        if bare {
            serde_json::from_slice(bytes)
        } else {
            Err(e)
        }
    });
    walk.tags.insert(format!("object:{key}"));
    result.map_err(|e| e.to_string())
}

fn job_tags(statuses: &[JobStatus], walk: &mut Walk) {
    for status in statuses {
        walk.tags
            .insert(format!("job:{:?}", status.status).to_lowercase());
        for result in &status.results {
            let tag = match result.outcome() {
                JobResultOutcome::Created { .. } if result.index.is_some() => "created-with-index",
                JobResultOutcome::Created { .. } => "created",
                JobResultOutcome::Updated { .. } => "updated",
                JobResultOutcome::Deleted { .. } => "deleted",
                JobResultOutcome::Done { .. } => "index-only",
                JobResultOutcome::Failed { .. } if result.success == Some(false) => {
                    "failed-success-false"
                }
                JobResultOutcome::Failed { .. } => "failed-without-action",
            };
            walk.tags.insert(format!("result:{tag}"));
        }
    }
}

/// Parses one successful body by its request; `Ok(false)` when no wire type maps to it.
fn parse_success(
    method: &str,
    segments: &[&str],
    bytes: &[u8],
    bare: bool,
    walk: &mut Walk,
) -> Result<bool, String> {
    let bulk = |s: &&str| {
        matches!(
            *s,
            "create_many" | "update_many" | "destroy_many" | "create_or_update_many"
        )
    };
    match (method, segments) {
        (_, [.., last]) if bulk(last) => job_tags(
            &[object::<JobStatus>(bytes, "job_status", false, walk)?],
            walk,
        ),
        ("GET", ["job_statuses", "show_many"]) => {
            let statuses = page::<JobStatus>(bytes, "job_statuses", walk)?;
            job_tags(&statuses, walk);
        }
        ("GET", ["job_statuses", _]) => {
            let json: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
            if bare && json.get("action").is_some() {
                serde_json::from_value::<JobResult>(json).map_err(|e| e.to_string())?;
                walk.tags.insert("object:job_result".to_owned());
            } else {
                job_tags(
                    &[object::<JobStatus>(bytes, "job_status", bare, walk)?],
                    walk,
                );
            }
        }
        ("GET", ["users", "me"]) => {
            let me = object::<Me>(bytes, "user", false, walk)?;
            walk.tags.insert(
                if me.is_anonymous() {
                    "me:anonymous"
                } else {
                    "me:user"
                }
                .to_owned(),
            );
        }
        (
            "GET",
            ["users" | "groups" | "organizations", _, "users"]
            | ["users"]
            | ["users", "search" | "show_many"]
            | ["incremental", "users"]
            | ["incremental", "users", "cursor"],
        ) => {
            let users = page::<User>(bytes, "users", walk)?;
            if users.iter().any(|u| u.permanently_deleted.is_some()) {
                walk.tags.insert("user:permanently_deleted".to_owned());
            }
        }
        ("GET", ["search"] | ["search", "export"]) => drop(page::<User>(bytes, "results", walk)?),
        ("GET", ["users", _, "identities"])
        | ("PUT", ["users", _, "identities", _, "make_primary"]) => {
            drop(page::<Identity>(bytes, "identities", walk)?);
        }
        ("POST", ["users", _, "identities"]) => {
            drop(object::<Identity>(bytes, "identity", bare, walk)?);
        }
        (_, ["users"] | ["users", _]) => {
            drop(object::<User>(bytes, "user", bare, walk)?);
        }
        ("GET", ["organizations"] | ["organizations", "show_many" | "search"]) => {
            drop(page::<Organization>(bytes, "organizations", walk)?);
        }
        (_, ["organizations"] | ["organizations", _]) => {
            drop(object::<Organization>(bytes, "organization", bare, walk)?);
        }
        (
            "GET",
            ["organization_memberships"]
            | ["users" | "organizations", _, "organization_memberships"],
        ) => {
            let memberships =
                page::<OrganizationMembership>(bytes, "organization_memberships", walk)?;
            if memberships.iter().any(|m| !m.default) {
                walk.tags.insert("membership:non-default".to_owned());
            }
        }
        (
            _,
            ["organization_memberships"]
            | ["organization_memberships", _]
            | ["users", _, "organizations", _, "make_default"],
        ) => {
            drop(object::<OrganizationMembership>(
                bytes,
                "organization_membership",
                bare,
                walk,
            )?);
        }
        ("GET", ["groups"] | ["users", _, "groups"]) => drop(page::<Group>(bytes, "groups", walk)?),
        (_, ["groups"] | ["groups", _]) => drop(object::<Group>(bytes, "group", bare, walk)?),
        (
            "GET",
            ["group_memberships"]
            | ["users", _, "group_memberships"]
            | ["groups", _, "memberships"],
        ) => {
            drop(page::<GroupMembership>(bytes, "group_memberships", walk)?);
        }
        (_, ["group_memberships"] | ["group_memberships", _]) => {
            drop(object::<GroupMembership>(
                bytes,
                "group_membership",
                bare,
                walk,
            )?);
        }
        ("GET", ["custom_roles"]) => drop(page::<CustomRole>(bytes, "custom_roles", walk)?),
        ("GET", ["user_fields"]) => {
            let fields = page::<UserField>(bytes, "user_fields", walk)?;
            if fields.iter().any(|f| f.tag.is_some()) {
                walk.tags.insert("user_field:checkbox-tag".to_owned());
            }
            if fields.iter().any(|f| !f.custom_field_options.is_empty()) {
                walk.tags.insert("user_field:dropdown-options".to_owned());
            }
        }
        (_, ["user_fields"] | ["user_fields", _]) => {
            drop(object::<UserField>(bytes, "user_field", bare, walk)?);
        }
        ("GET", ["account", "settings"]) => {
            let settings = object::<AccountSettings>(bytes, "settings", bare, walk)?;
            walk.tags.insert(format!(
                "settings:tagging-{}:multiple-organizations-{}",
                settings.user_tagging(),
                settings.multiple_organizations()
            ));
        }
        (_, ["custom_roles"] | ["custom_roles", _]) => {
            drop(object::<CustomRole>(bytes, "custom_role", bare, walk)?);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// An error answer must become the typed error of its status, with a message.
fn check_error(
    method: &str,
    path: &str,
    status: u16,
    bytes: &[u8],
    walk: &mut Walk,
) -> Result<(), String> {
    let error = ZendeskError::from_response(
        &format!("{method} {path}"),
        status,
        bytes,
        "`ZENDESK_API_TOKEN`",
    );
    let fits = match (status, &error) {
        (401, ZendeskError::Authentication { .. })
        | (403, ZendeskError::Forbidden { .. })
        | (404, ZendeskError::NotFound { .. })
        | (422, ZendeskError::Invalid { .. }) => true,
        (
            _,
            ZendeskError::Rejected {
                status: got,
                message,
                ..
            },
        ) => *got == status && !message.is_empty(),
        _ => false,
    };
    walk.tags.insert(format!("error:{status}"));
    if let ZendeskError::Invalid { details, .. } = &error {
        walk.tags.insert(format!(
            "error:422:{}",
            if details.iter().any(|d| d.error.is_some()) {
                "with-code"
            } else {
                "without-code"
            }
        ));
    }
    if fits {
        Ok(())
    } else {
        Err(format!("status {status} became {error:?}"))
    }
}

fn walk_dir(dir: &Path) -> Walk {
    let mut walk = Walk::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read `{}`: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no JSON files in `{}`", dir.display());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let recording: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let bare = recording["source"]["kind"] == "sample";
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for (index, exchange) in recording["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            let method = exchange["request"]["method"].as_str().unwrap();
            let path = exchange["request"]["path"].as_str().unwrap();
            let status = exchange["response"]["status"].as_u64().unwrap() as u16;
            let bytes = match &exchange["response"]["body"] {
                Value::Null => continue,
                Value::String(text) => text.as_bytes().to_vec(),
                body => serde_json::to_vec(body).unwrap(),
            };
            let trimmed = path.strip_prefix("/api/v2/").unwrap_or(path);
            let trimmed = trimmed.strip_suffix(".json").unwrap_or(trimmed);
            let segments: Vec<&str> = trimmed.split('/').collect();
            let outcome = if status >= 400 {
                walk.errors += 1;
                check_error(method, path, status, &bytes, &mut walk)
            } else {
                match parse_success(method, &segments, &bytes, bare, &mut walk) {
                    Ok(true) => {
                        walk.parsed += 1;
                        Ok(())
                    }
                    Ok(false) => {
                        walk.unmapped.insert(format!("{method} {path}"));
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            };
            if let Err(reason) = outcome {
                walk.failures.push(format!(
                    "{name} [{index}] {method} {path} {status}: {reason}"
                ));
            }
        }
    }
    walk
}

#[test]
fn own_fixtures_cover_every_shape() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zendesk/client");
    let walk = walk_dir(&dir);
    assert!(walk.failures.is_empty(), "{:#?}", walk.failures);
    assert!(walk.unmapped.is_empty(), "{:?}", walk.unmapped);
    let expected = [
        "cursor:users",
        "offset:users",
        "incremental:users",
        "user:permanently_deleted",
        "object:user",
        "me:user",
        "me:anonymous",
        "page:identities",
        "object:identity",
        "cursor:organizations",
        "offset:organizations",
        "object:organization",
        "cursor:organization_memberships",
        "membership:non-default",
        "object:organization_membership",
        "cursor:groups",
        "object:group",
        "cursor:group_memberships",
        "offset:group_memberships",
        "object:group_membership",
        "page:custom_roles",
        "object:custom_role",
        "page:job_statuses",
        "job:queued",
        "job:working",
        "job:completed",
        "job:failed",
        "job:killed",
        "result:created",
        "result:index-only",
        "result:updated",
        "result:deleted",
        "result:failed-without-action",
        "result:failed-success-false",
        "error:400",
        "error:401",
        "error:403",
        "error:404",
        "error:409",
        "error:422:with-code",
        "error:422:without-code",
        "error:429",
        "error:503",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|tag| !walk.tags.contains(*tag))
        .collect();
    assert!(
        missing.is_empty(),
        "fixtures lack {missing:?}; seen {:?}",
        walk.tags
    );
}

#[test]
fn every_recorded_body_parses() {
    let Some(dir) = std::env::var_os(env_vars::ZROSTER_RECORDED_DIR) else {
        println!(
            "skipped: `{}` is not set (CI sets it to ../shared/zendesk/recorded)",
            env_vars::ZROSTER_RECORDED_DIR
        );
        return;
    };
    let walk = walk_dir(Path::new(&dir));
    assert!(walk.failures.is_empty(), "{:#?}", walk.failures);
    for tag in [
        "user_field:checkbox-tag",
        "user_field:dropdown-options",
        "object:user_field",
        "settings:tagging-true:multiple-organizations-false",
    ] {
        assert!(walk.tags.contains(tag), "no recording gave {tag}");
    }
    // Only `GET /users/{id}/related` has no wire type (zroster never calls it).
    assert!(
        walk.unmapped
            .iter()
            .all(|path| path.ends_with("/related.json")),
        "{:?}",
        walk.unmapped
    );
    assert!(walk.parsed >= 400, "only {} bodies parsed", walk.parsed);
    assert!(
        walk.errors >= 30,
        "only {} error bodies checked",
        walk.errors
    );
    println!(
        "{} success bodies and {} error bodies parsed; shapes: {:?}",
        walk.parsed, walk.errors, walk.tags
    );
}
