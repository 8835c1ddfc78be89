//! Rate limits (account, per user, incremental) and seeded fault injection.

use serde_json::json;
use zroster::fake::{Knobs, StateFile};

use super::{Fake, avoid_minute_boundary, client, fast_knobs, fixture};

fn seed() -> StateFile {
    StateFile::load(&fixture("state.json")).unwrap()
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers_and_the_429_has_retry_after() {
    avoid_minute_boundary(3).await;
    let fake = Fake::with(
        Knobs {
            rate_limit: 3,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let first = fake.get("/api/v2/users/me.json").await;
    assert_eq!(first.header("x-rate-limit"), Some("3"));
    assert_eq!(first.header("x-rate-limit-remaining"), Some("2"));
    assert_eq!(first.header("ratelimit-limit"), Some("3"));
    assert_eq!(first.header("ratelimit-remaining"), Some("2"));
    let reset: u64 = first.header("ratelimit-reset").unwrap().parse().unwrap();
    assert!((1..=60).contains(&reset));
    fake.get("/api/v2/users.json").await;
    assert_eq!(
        fake.get("/api/v2/groups.json")
            .await
            .header("ratelimit-remaining"),
        Some("0")
    );
    let limited = fake.get("/api/v2/groups.json").await;
    assert_eq!(limited.status, 429);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(limited.body["error"], "APIRateLimitExceeded");
    // Control endpoints are outside the budget.
    let counts = fake.handle.requests();
    assert_eq!(counts.by_status.get("429"), Some(&1));
}

#[tokio::test]
async fn the_sixth_update_of_one_user_in_a_minute_is_a_plain_text_429() {
    avoid_minute_boundary(5).await;
    let fake = Fake::start().await;
    for n in 0..5 {
        let answer = fake
            .put(
                "/api/v2/users/360000001003.json",
                json!({"user": {"notes": format!("n{n}")}}),
            )
            .await;
        assert_eq!(answer.status, 200);
    }
    let limited = fake
        .put(
            "/api/v2/users/360000001003.json",
            json!({"user": {"notes": "six"}}),
        )
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(
        limited.text,
        "You have exceeded the rate limit for updating a single unique user. user email:  id:  external_id: "
    );
    // Another user is not affected, and the limited update had no effect.
    assert_eq!(
        fake.put(
            "/api/v2/users/360000001002.json",
            json!({"user": {"notes": "x"}})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        fake.get("/api/v2/users/360000001003.json").await.body["user"]["notes"],
        "n4"
    );
    // create_or_update of the same user shares the budget.
    let answer = fake
        .post(
            "/api/v2/users/create_or_update.json",
            json!({"user": {"name": "C", "external_id": "cust-7"}}),
        )
        .await;
    assert_eq!(answer.status, 429);
}

#[tokio::test]
async fn incremental_export_allows_ten_requests_a_minute() {
    avoid_minute_boundary(5).await;
    let fake = Fake::start().await;
    for _ in 0..10 {
        assert_eq!(
            fake.get("/api/v2/incremental/users/cursor.json?start_time=0")
                .await
                .status,
            200
        );
    }
    let limited = fake
        .get("/api/v2/incremental/users/cursor.json?start_time=0")
        .await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn injected_429s_have_no_effect() {
    let fake = Fake::with(
        Knobs {
            fault_429: 1.0,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let answer = fake
        .post("/api/v2/users.json", json!({"user": {"name": "never"}}))
        .await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("retry-after"), Some("1"));
    let state = fake.handle.state();
    assert!(state.users.iter().all(|u| u["name"] != "never"));
}

#[tokio::test]
async fn injected_5xx_either_took_full_effect_or_none() {
    let fake = Fake::with(
        Knobs {
            fault_5xx: 1.0,
            fault_seed: 7,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let answer = fake
            .post(
                "/api/v2/users.json",
                json!({"user": {"name": format!("five{n}"), "email": format!("f{n}@x.com")}}),
            )
            .await;
        statuses.push(answer.status);
        assert!(answer.status == 500 || answer.status == 503);
        if answer.status == 503 {
            assert_eq!(answer.header("retry-after"), Some("1"));
        }
    }
    assert!(statuses.contains(&500) && statuses.contains(&503));
    let state = fake.handle.state();
    let applied = state
        .users
        .iter()
        .filter(|u| u["name"].as_str().unwrap().starts_with("five"))
        .count();
    assert!(applied > 0 && applied < 12, "applied {applied} of 12");
    // Every applied create is whole: the user has its email identity.
    for user in state
        .users
        .iter()
        .filter(|u| u["name"].as_str().unwrap().starts_with("five"))
    {
        assert!(user["email"].is_string());
        assert!(state.identities.iter().any(|i| i["user_id"] == user["id"]));
    }
}

#[tokio::test]
async fn injected_drops_close_the_connection_without_an_answer() {
    let fake = Fake::with(
        Knobs {
            fault_drop: 1.0,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let error = client()
        .get(fake.url("/api/v2/users.json"))
        .basic_auth("admin@example.com/token", Some("fake-token"))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(!error.is_timeout());
    assert_eq!(fake.handle.requests().by_status.get("dropped"), Some(&1));
}

#[tokio::test]
async fn faults_are_reproducible_with_the_same_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let fake = Fake::with(
            Knobs {
                fault_5xx: 0.5,
                fault_seed: 42,
                ..fast_knobs()
            },
            seed(),
        )
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(fake.get("/api/v2/groups.json").await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&200) && runs[0].iter().any(|s| *s >= 500));
}

#[tokio::test]
async fn item_faults_fail_single_items_and_job_faults_fail_or_kill_jobs() {
    let fake = Fake::with(
        Knobs {
            fault_item: 1.0,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let job = fake
        .post(
            "/api/v2/users/create_many",
            json!({"users": [{"name": "a"}, {"name": "b"}]}),
        )
        .await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["results"][1]["index"], 1);
    assert_eq!(done["results"][1]["error"], "UserCreateFailed");
    assert!(fake.handle.state().users.iter().all(|u| u["name"] != "a"));

    for (knobs, status, word) in [
        (
            Knobs {
                fault_job_failed: 1.0,
                ..fast_knobs()
            },
            "failed",
            "Failed at ",
        ),
        (
            Knobs {
                fault_job_killed: 1.0,
                ..fast_knobs()
            },
            "killed",
            "Killed at ",
        ),
    ] {
        let fake = Fake::with(knobs, seed()).await;
        let users: Vec<_> = (0..4).map(|n| json!({"name": format!("j{n}")})).collect();
        let job = fake
            .post("/api/v2/users/create_many", json!({"users": users}))
            .await;
        let done = fake.wait_job(&job.body).await;
        assert_eq!(done["status"], status);
        assert!(done["message"].as_str().unwrap().starts_with(word));
        assert_eq!(done["results"].as_array().unwrap().len(), 2);
        let created = fake
            .handle
            .state()
            .users
            .iter()
            .filter(|u| u["name"].as_str().unwrap().starts_with('j'))
            .count();
        assert_eq!(created, 2);
    }
}

#[tokio::test]
async fn latency_delays_answers() {
    let fake = Fake::with(
        Knobs {
            latency_ms: 150,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let start = std::time::Instant::now();
    fake.get("/api/v2/groups.json").await;
    assert!(start.elapsed() >= std::time::Duration::from_millis(150));
}

#[tokio::test]
async fn creating_many_different_users_is_not_limited_per_user() {
    avoid_minute_boundary(3).await;
    let fake = Fake::start().await;
    for n in 0..8 {
        let answer = fake
            .post(
                "/api/v2/users/create_or_update.json",
                json!({"user": {"name": format!("n{n}"), "email": format!("n{n}@x.com")}}),
            )
            .await;
        assert_eq!(answer.status, 201, "user {n}");
    }
}
