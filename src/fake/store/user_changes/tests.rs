//! The user changes' rules, and each UNCERTAIN choice both ways.

use serde_json::json;

use crate::fake::api_error::ApiError;
use crate::fake::group_membership::GroupMembership;
use crate::fake::store::Store;
use crate::fake::store::fixtures::{obj, store};

#[test]
fn email_is_unique_case_insensitively() {
    let mut s = store();
    s.create_user(&obj(json!({"name": "A", "email": "a@x.com"})))
        .unwrap();
    let err = s
        .create_user(&obj(json!({"name": "B", "email": "A@X.com"})))
        .unwrap_err();
    assert_eq!(err.status, 422);
    assert_eq!(
        err.detail_text(),
        "Email: A@X.com is already being used by another user"
    );
}

#[test]
fn downgrade_removes_group_memberships() {
    let mut s = store();
    let g = s.create_group(&obj(json!({"name": "G"}))).unwrap();
    let id = s
        .create_user(&obj(
            json!({"name": "A", "role": "agent", "default_group_id": g}),
        ))
        .unwrap();
    assert_eq!(s.user(id).unwrap().default_group_id, Some(g));
    s.update_user(id, &obj(json!({"role": "end-user"})))
        .unwrap();
    assert!(s.group_memberships.values().all(|m| m.user_id != id));
    assert_eq!(s.user(id).unwrap().default_group_id, None);
}

#[test]
fn custom_role_only_on_agents() {
    let mut s = store();
    let r = s
        .create_custom_role(&obj(json!({"name": "Tier 1"})))
        .unwrap();
    let err = s
        .create_user(&obj(json!({"name": "A", "custom_role_id": r})))
        .unwrap_err();
    assert_eq!(err.status, 422);
    let id = s
        .create_user(&obj(
            json!({"name": "A", "role": "agent", "custom_role_id": r}),
        ))
        .unwrap();
    assert_eq!(s.user(id).unwrap().role_type, Some(0));
}

/// A store of a fresh Enterprise account (tagging off, one organization a user) with
/// the UNCERTAIN choices the probe pins turned the other way.
fn store_the_other_way() -> crate::fake::store::Store {
    use crate::fake::{
        Knobs, LastGroupMembership, OrganizationIdChange, TagsWithoutTagging, VerifiedWrite,
    };
    crate::fake::store::Store::from_state_file(
        "http://127.0.0.1:1",
        crate::fake::StateFile::default(),
        "admin@example.com",
        &Knobs {
            organization_id_change: OrganizationIdChange::Refuse,
            last_group_membership: LastGroupMembership::Allow,
            tags_without_tagging: TagsWithoutTagging::Refuse,
            verified_write: VerifiedWrite::Ignore,
            ..Knobs::default()
        },
        std::sync::Arc::default(),
    )
    .unwrap()
}

/// The four UNCERTAIN choices tried on `s`, as the probe tries them: a user moved from
/// one organization to another, a tag written, `verified: true` written, and an agent's
/// only group membership removed.
struct Tried {
    /// The organizations, in the order the user is set to them.
    organizations: [u64; 2],
    /// The answer to setting the second organization, and the user's organization after.
    moved: Result<(), ApiError>,
    organization_after: Option<u64>,
    /// The answer to writing a tag.
    tagged: Result<(), ApiError>,
    /// The user's `verified` after writing `verified: true` (accepted either way).
    verified_after: bool,
    /// The answer to removing the agent's only group membership, and whether it still
    /// belongs to a group.
    ungrouped: Result<(), ApiError>,
    agent_still_grouped: bool,
}

fn try_the_choices(s: &mut Store) -> Tried {
    let a = s.create_organization(&obj(json!({"name": "A"}))).unwrap();
    let b = s.create_organization(&obj(json!({"name": "B"}))).unwrap();
    let id = s
        .create_user(&obj(json!({"name": "U", "organization_id": a})))
        .unwrap();
    let moved = s.update_user(id, &obj(json!({"organization_id": b})));
    let organization_after = s.user(id).unwrap().organization_id;
    let tagged = s.update_user(id, &obj(json!({"tags": ["x"]})));
    s.update_user(id, &obj(json!({"verified": true}))).unwrap();
    let verified_after = s.user(id).unwrap().verified;
    let group = s.create_group(&obj(json!({"name": "G"}))).unwrap();
    let agent = s
        .create_user(&obj(
            json!({"name": "Ag", "role": "agent", "default_group_id": group}),
        ))
        .unwrap();
    let membership = s
        .group_memberships
        .values()
        .find(|m| m.user_id == agent)
        .unwrap()
        .id;
    let ungrouped = s.delete_membership::<GroupMembership>(membership);
    let agent_still_grouped = s.group_memberships.values().any(|m| m.user_id == agent);
    Tried {
        organizations: [a, b],
        moved,
        organization_after,
        tagged,
        verified_after,
        ungrouped,
        agent_still_grouped,
    }
}

#[test]
fn the_knobs_turn_the_uncertain_choices_the_other_way() {
    let tried = try_the_choices(&mut store_the_other_way());
    let err = tried.moved.unwrap_err();
    assert_eq!(err.status, 422);
    assert_eq!(tried.organization_after, Some(tried.organizations[0]));
    let err = tried.tagged.unwrap_err();
    assert_eq!(err.status, 422);
    assert!(err.detail_text().contains("Tags"), "{}", err.detail_text());
    assert!(!tried.verified_after);
    tried.ungrouped.unwrap();
    assert!(!tried.agent_still_grouped);
}

#[test]
fn by_default_the_uncertain_choices_are_the_documented_ones() {
    let mut s = crate::fake::store::fixtures::profile_store(crate::fake::Plan::Enterprise);
    let tried = try_the_choices(&mut s);
    tried.moved.unwrap();
    assert_eq!(tried.organization_after, Some(tried.organizations[1]));
    tried.tagged.unwrap();
    assert!(tried.verified_after);
    assert_eq!(tried.ungrouped.unwrap_err().status, 422);
    assert!(tried.agent_still_grouped);
}
