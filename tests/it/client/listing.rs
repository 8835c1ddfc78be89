//! Listing and looking up users at the least request cost.

use std::collections::BTreeSet;

use zroster::zendesk::wire::Role;

use super::{count, emulator, emulator_without_ids, reader, reset, simple, traffic};

#[tokio::test]
async fn agents_are_listed_in_ceil_n_over_100_requests() {
    // 298 agents plus the emulator's admin: 299 users in scope, 3 pages.
    let handle = emulator(298, 40, simple()).await;
    let client = reader(&handle);
    let me = client.me().await.unwrap();
    assert_eq!(me.email.as_deref(), Some("admin@example.com"));
    assert_eq!(me.role, Role::Admin);
    reset(&handle).await;
    let users = client
        .users_by_roles(&[Role::Agent, Role::Admin])
        .collect_all()
        .await
        .unwrap();
    assert_eq!(users.len(), 299);
    assert!(
        users
            .iter()
            .all(|user| matches!(user.role, Role::Agent | Role::Admin))
    );
    let ids: BTreeSet<u64> = users.iter().map(|user| user.id).collect();
    assert_eq!(ids.len(), 299, "no user twice");
    assert_eq!(count(&handle, "GET /api/v2/users").await, 3);
    assert_eq!(traffic(&handle).await["total"], 3);
    assert_eq!(client.stats().count("GET /api/v2/users"), 3);
}

#[tokio::test]
async fn pages_are_fetched_only_when_asked_for() {
    let handle = emulator(250, 0, simple()).await;
    let client = reader(&handle);
    let mut pager = client.users_by_roles(&[Role::Agent]);
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.len(), 100);
    assert!(pager.has_next());
    assert_eq!(
        count(&handle, "GET /api/v2/users").await,
        1,
        "page 2 never fetched"
    );
}

#[tokio::test]
async fn show_many_goes_in_batches_of_100() {
    let handle = emulator(10, 250, simple()).await;
    let client = reader(&handle);
    let ids: Vec<u64> = (0..250).map(|i| 50001 + i).collect();
    let by_id = client.users_by_ids(&ids).await.unwrap();
    assert_eq!(by_id.len(), 250);
    assert_eq!(count(&handle, "GET /api/v2/users/show_many").await, 3);
    reset(&handle).await;
    let mut external_ids: Vec<String> = (0..201).map(|i| format!("cust-{i}")).collect();
    external_ids.push("nobody-has-this".to_owned());
    let by_external = client.users_by_external_ids(&external_ids).await.unwrap();
    assert_eq!(
        by_external.len(),
        201,
        "unknown external ids are simply absent"
    );
    assert_eq!(count(&handle, "GET /api/v2/users/show_many").await, 3);
    assert_eq!(traffic(&handle).await["total"], 3);
}

#[tokio::test]
async fn search_offset_pages_and_incremental_export() {
    let handle = emulator(5, 130, simple()).await;
    let client = reader(&handle);
    let found = client
        .search_users("customer12@example.com")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(found.iter().map(|u| u.id).collect::<Vec<_>>(), vec![50013]);
    let everyone = client
        .search_users("role:end-user")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(everyone.len(), 130);
    assert_eq!(
        count(&handle, "GET /api/v2/users/search").await,
        3,
        "one, then two offset pages"
    );

    let mut export = client.incremental_users(0);
    let mut exported = Vec::new();
    while let Some(page) = export.next_page().await.unwrap() {
        exported.extend(page);
    }
    // 5 agents, 130 end users, the admin.
    assert_eq!(exported.len(), 136);
    assert!(export.last_cursor().is_some(), "the resume point is kept");
    assert_eq!(
        count(&handle, "GET /api/v2/incremental/users/cursor").await,
        export.pages_fetched()
    );
}

#[tokio::test]
async fn recent_users_read_the_export_only_while_an_email_is_missing() {
    use zroster::state::RecentUsers;
    // 2,500 end users seeded a moment ago: three export pages, in id order.
    let handle = emulator(0, 2_500, simple()).await;
    let client = reader(&handle);
    let emails =
        |list: &[&str]| -> BTreeSet<String> { list.iter().map(|e| (*e).to_owned()).collect() };
    // Found on the first page: the read stops there.
    reset(&handle).await;
    let recent = RecentUsers::find(&client, &emails(&["customer5@example.com"]))
        .await
        .unwrap();
    assert_eq!(
        recent.users.iter().map(|u| u.id).collect::<Vec<_>>(),
        [50006]
    );
    assert_eq!((recent.pages, recent.complete), (1, true));
    // On the last page: every page is read, once.
    let recent = RecentUsers::find(
        &client,
        &emails(&["customer5@example.com", "customer2400@example.com"]),
    )
    .await
    .unwrap();
    assert_eq!(recent.users.len(), 2);
    assert_eq!((recent.pages, recent.complete), (3, true));
    // Nobody's: read to the export's end, and complete all the same.
    let recent = RecentUsers::find(&client, &emails(&["nobody@example.com"]))
        .await
        .unwrap();
    assert!(recent.users.is_empty());
    assert_eq!((recent.pages, recent.complete), (3, true));
    // No email: nothing read.
    let recent = RecentUsers::find(&client, &BTreeSet::new()).await.unwrap();
    assert_eq!(recent.pages, 0);
    assert_eq!(
        count(&handle, "GET /api/v2/incremental/users/cursor").await,
        7
    );
    // A budget smaller than the export says it stopped short.
    let mut pages = 0;
    let complete = client
        .each_incremental_users(0, 2, |_| {
            pages += 1;
            true
        })
        .await
        .unwrap();
    assert_eq!((pages, complete), (2, false));
}

#[tokio::test]
async fn groups_organizations_roles_and_memberships_are_listed() {
    let handle = emulator(3, 0, simple()).await;
    let writer = super::writer(&handle);
    let mut group = serde_json::Map::new();
    group.insert("name".into(), "Billing".into());
    let billing = writer.create_group(&group).await.unwrap();
    let mut org = serde_json::Map::new();
    org.insert("name".into(), "Acme".into());
    org.insert("external_id".into(), "org-acme".into());
    let acme = writer.create_organization(&org).await.unwrap();
    writer
        .create_group_membership(1001, billing.id)
        .await
        .unwrap();
    writer
        .create_organization_membership(1001, acme.id)
        .await
        .unwrap();
    let mut role = serde_json::Map::new();
    role.insert("name".into(), "Tier 1".into());
    role.insert(
        "configuration".into(),
        serde_json::json!({"ticket_access": "within-groups"}),
    );
    let tier1 = writer.create_custom_role(&role).await.unwrap();

    let client = reader(&handle);
    let groups = client.groups().collect_all().await.unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g.id == billing.id && g.name == "Billing")
    );
    let orgs = client.organizations().collect_all().await.unwrap();
    assert!(orgs.iter().any(|o| o.id == acme.id));
    assert_eq!(
        client
            .organizations_by_external_ids(&["org-acme".to_owned()])
            .await
            .unwrap()[0]
            .id,
        acme.id
    );
    assert_eq!(
        client.organizations_by_ids(&[acme.id]).await.unwrap().len(),
        1
    );
    assert_eq!(
        client.search_organizations_by_name("acme").await.unwrap()[0].id,
        acme.id
    );
    let roles = client.custom_roles().await.unwrap();
    assert!(roles.iter().any(|r| r.id == tier1.id && r.name == "Tier 1"));
    let group_members = client.group_memberships().collect_all().await.unwrap();
    assert!(
        group_members
            .iter()
            .any(|m| m.user_id == 1001 && m.group_id == billing.id)
    );
    let user_groups = client
        .user_group_memberships(1001)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(
        user_groups.len(),
        group_members.iter().filter(|m| m.user_id == 1001).count()
    );
    let org_members = client
        .organization_memberships()
        .collect_all()
        .await
        .unwrap();
    assert!(
        org_members
            .iter()
            .any(|m| m.user_id == 1001 && m.organization_id == acme.id)
    );
    assert_eq!(
        client
            .user_organization_memberships(1001)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    let identities = client.identities(1001).collect_all().await.unwrap();
    assert_eq!(identities[0].value, "agent0@example.com");
    assert!(identities[0].primary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefetching_pager_makes_the_same_requests_and_stops_asking_when_dropped() {
    let handle = emulator_without_ids(2_999, 0, simple()).await;
    let client = reader(&handle);
    reset(&handle).await;
    let users = client
        .users_by_roles(&[Role::Agent, Role::Admin])
        .prefetching()
        .collect_all()
        .await
        .unwrap();
    let ids: BTreeSet<u64> = users.iter().map(|user| user.id).collect();
    assert_eq!((users.len(), ids.len()), (3_000, 3_000), "every user once");
    assert_eq!(
        count(&handle, "GET /api/v2/users").await,
        30,
        "no page asked for twice or past the end"
    );

    // Reading one page and dropping the pager: the look-ahead stops, with at most its queue
    // of 8 answers and one request in flight asked for in advance (of 30 pages).
    reset(&handle).await;
    let mut pager = client
        .users_by_roles(&[Role::Agent, Role::Admin])
        .prefetching();
    assert_eq!(pager.next_page().await.unwrap().unwrap().len(), 100);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    drop(pager);
    let asked = count(&handle, "GET /api/v2/users").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        count(&handle, "GET /api/v2/users").await,
        asked,
        "nothing after the drop"
    );
    assert!(asked <= 1 + 8 + 1, "{asked} pages asked for");
}
