//! Retries under injected faults: the result is still exactly the emulator's state.

use std::collections::BTreeSet;

use zroster::fake::Knobs;
use zroster::zendesk::wire::Role;

use super::{emulator, reader, simple, traffic};

#[tokio::test]
async fn a_full_listing_survives_5xx_429_and_dropped_connections() {
    let knobs = Knobs {
        fault_5xx: 0.1,
        fault_429: 0.05,
        fault_drop: 0.02,
        fault_seed: 7,
        ..simple()
    };
    let handle = emulator(1_500, 700, knobs).await;
    let client = reader(&handle);
    let listed = client
        .users_by_roles(&[Role::Agent, Role::Admin])
        .collect_all()
        .await
        .unwrap();
    let by_id = client
        .users_by_ids(&(0..700).map(|i| 50001 + i).collect::<Vec<_>>())
        .await
        .unwrap();

    let expected: BTreeSet<u64> = handle
        .state()
        .users
        .iter()
        .filter(|user| matches!(user["role"].as_str(), Some("agent" | "admin")))
        .filter_map(|user| user["id"].as_u64())
        .collect();
    let got: Vec<u64> = listed.iter().map(|user| user.id).collect();
    assert_eq!(got.len(), expected.len(), "no user twice, none missing");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(by_id.len(), 700);

    let stats = client.stats();
    let seen = traffic(&handle).await;
    assert!(stats.retries > 0, "faults were retried: {stats:?}");
    assert_eq!(
        stats.requests,
        seen["total"].as_u64().unwrap(),
        "every attempt reached the emulator"
    );
    assert_eq!(
        stats.requests - stats.retries,
        16 + 7,
        "16 list pages and 7 show_many batches"
    );
    let faulted: u64 = ["500", "503", "429", "dropped"]
        .iter()
        .filter_map(|s| seen["by_status"][s].as_u64())
        .sum();
    assert_eq!(stats.retries, faulted, "one retry per injected fault");
}
