use serde_json::{Value, json};

use super::diverging;
use crate::apply::body::tests::change;
use crate::apply::names::Names;
use crate::plan::Change;
use crate::state::LiveUser;
use crate::zendesk::wire::User;

fn fields_hold(change: &Change, user: &User, names: &Names) -> bool {
    let user = LiveUser::from(user.clone());
    diverging(change, Some(&user), names, None).is_empty()
}

#[test]
fn fields_hold_compares_tags_as_sets_and_nested_fields() {
    let user: User = serde_json::from_value(json!({
        "id": 5, "name": "Nine", "external_id": "emp-9", "tags": ["b", "a"],
        "user_fields": {"code": "x1"}
    }))
    .unwrap();
    let mut names = Names::default();
    let holds = change(&[
        ("tags", json!(["a", "b"])),
        ("user_fields.code", json!("x1")),
    ]);
    assert!(fields_hold(&holds, &user, &names));
    let differs = change(&[("name", json!("Ten"))]);
    assert!(!fields_hold(&differs, &user, &names));
    let zoned: User = serde_json::from_value(json!({
        "id": 5, "external_id": "EMP-9", "time_zone": "Berlin",
        "iana_time_zone": "Europe/Berlin", "locale": "en-US",
        "alias": null, "organization_id": 30
    }))
    .unwrap();
    names.organizations.insert("acme".to_owned(), Some(30));
    let normalised = change(&[
        ("time_zone", json!("Europe/Berlin")),
        ("locale", json!("en_US")),
        ("alias", json!("")),
        ("organization", json!("Acme")),
    ]);
    assert!(fields_hold(&normalised, &zoned, &names));
    let other_org = change(&[("organization", Value::Null)]);
    assert!(!fields_hold(&other_org, &zoned, &names));
}
