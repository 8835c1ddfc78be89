//! Bulk endpoints and the job life cycle: queued → working → completed, per-item results,
//! limits, expiry.

use std::time::Duration;

use serde_json::{Value, json};
use zroster::fake::{Knobs, StateFile};

use super::{Fake, fast_knobs, fixture};

fn seed() -> StateFile {
    StateFile::load(&fixture("state.json")).unwrap()
}

#[tokio::test]
async fn create_many_goes_queued_working_completed_and_applies_items_when_processed() {
    let fake = Fake::with(
        Knobs {
            job_items_per_second: 20.0,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let users: Vec<Value> = (0..6)
        .map(|n| json!({"name": format!("bulk{n}"), "email": format!("b{n}@x.com")}))
        .collect();
    let answer = fake
        .post("/api/v2/users/create_many.json", json!({"users": users}))
        .await;
    assert_eq!(answer.status, 200);
    let job = &answer.body["job_status"];
    let keys: Vec<&str> = job
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id", "job_type", "url", "total", "progress", "status", "message", "results"
        ]
    );
    assert_eq!(job["status"], "queued");
    assert_eq!(job["progress"], Value::Null);
    assert_eq!(job["total"], 6);
    assert_eq!(job["job_type"], "Bulk Create User");
    let id = job["id"].as_str().unwrap();
    assert!(id.starts_with("V3-") && id.len() == 35);
    assert_eq!(
        job["url"],
        json!(fake.object_url(&format!("/api/v2/job_statuses/{id}.json")))
    );
    // Nothing exists before the worker gets to it.
    let search = fake
        .get("/api/v2/users/search.json?query=email:b5@x.com")
        .await;
    assert_eq!(search.body["count"], 0);
    let mut saw_working = false;
    let finished = loop {
        let poll = fake.get(&format!("/api/v2/job_statuses/{id}")).await.body["job_status"].clone();
        if poll["status"] == "working" {
            saw_working = true;
            let n = poll["progress"].as_u64().unwrap();
            assert_eq!(poll["message"], json!(format!("Creating User #{n}")));
        }
        if poll["status"] == "completed" {
            break poll;
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    };
    assert!(saw_working);
    assert_eq!(finished["progress"], 6);
    let message = finished["message"].as_str().unwrap();
    assert!(
        message.starts_with("Completed at ") && message.ends_with(" +0000"),
        "{message}"
    );
    let results = finished["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for result in results {
        assert_eq!(
            result.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["id", "status"]
        );
        assert_eq!(result["status"], "Created");
    }
    let search = fake
        .get("/api/v2/users/search.json?query=email:b5@x.com")
        .await;
    assert_eq!(search.body["count"], 1);
}

#[tokio::test]
async fn one_failing_item_never_fails_the_others() {
    let fake = Fake::start().await;
    let users = json!({"users": [
        {"name": "ok1", "email": "ok1@x.com"},
        {"name": "dup", "email": "jane@acme.com"},
        {"name": "ok2"}
    ]});
    let job = fake.post("/api/v2/users/create_many", users).await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["status"], "completed");
    let results = done["results"].as_array().unwrap();
    assert_eq!(results[0]["status"], "Created");
    assert_eq!(
        results[1],
        json!({"index": 1, "error": "UserCreateFailed", "id": null,
               "details": "Email: jane@acme.com is already being used by another user"})
    );
    assert_eq!(results[2]["status"], "Created");
}

#[tokio::test]
async fn create_or_update_many_reports_created_and_updated() {
    let fake = Fake::start().await;
    let job = fake
        .post(
            "/api/v2/users/create_or_update_many.json",
            json!({"users": [{"name": "Jane Updated", "external_id": "emp-1042"}, {"name": "New", "email": "new@x.com"}]}),
        )
        .await;
    let done = fake.wait_job(&job.body).await;
    let results = done["results"].as_array().unwrap();
    // As Zendesk sends them (API.md §12): `{"id", "status", "email"}` in request order.
    assert_eq!(
        results[0],
        json!({"id": 360_000_001_001_u64, "status": "Updated", "email": "jane@acme.com"})
    );
    assert_eq!(results[1]["status"], "Created");
    assert_eq!(results[1]["email"], "new@x.com");
    let jane = fake.get("/api/v2/users/360000001001.json").await;
    assert_eq!(jane.body["user"]["name"], "Jane Updated");
}

#[tokio::test]
async fn update_many_in_both_forms_and_destroy_many() {
    let fake = Fake::start().await;
    // Bulk form: the same change to several users.
    let job = fake
        .put(
            "/api/v2/users/update_many.json?ids=360000001002,360000001003",
            json!({"user": {"notes": "bulk"}}),
        )
        .await;
    assert_eq!(job.body["job_status"]["job_type"], "Bulk Update User");
    let done = fake.wait_job(&job.body).await;
    assert_eq!(
        done["results"][0],
        json!({"id": 360_000_001_002_u64, "action": "update", "status": "Updated", "success": true})
    );
    assert_eq!(
        fake.get("/api/v2/users/360000001003").await.body["user"]["notes"],
        "bulk"
    );
    // External ids form.
    let job = fake
        .put(
            "/api/v2/users/update_many?external_ids=cust-7",
            json!({"user": {"notes": "ext"}}),
        )
        .await;
    fake.wait_job(&job.body).await;
    assert_eq!(
        fake.get("/api/v2/users/360000001003").await.body["user"]["notes"],
        "ext"
    );
    // Batch form, one item unknown.
    let job = fake
        .put("/api/v2/users/update_many", json!({"users": [{"id": 360_000_001_002_u64, "name": "Robert"}, {"id": 1, "name": "x"}]}))
        .await;
    let done = fake.wait_job(&job.body).await;
    assert_eq!(done["results"][0]["status"], "Updated");
    assert_eq!(
        done["results"][1],
        json!({"index": 1, "error": "UserUpdateFailed", "id": 1, "details": "Not found"})
    );
    // destroy_many: reported as "Bulk Update User", as recorded.
    let job = fake
        .delete("/api/v2/users/destroy_many.json?ids=360000001002,360000001003")
        .await;
    assert_eq!(job.body["job_status"]["job_type"], "Bulk Update User");
    let done = fake.wait_job(&job.body).await;
    assert_eq!(
        done["results"][1],
        json!({"id": 360_000_001_003_u64, "action": "delete", "status": "Deleted", "success": true})
    );
    assert_eq!(
        fake.get("/api/v2/users/360000001003").await.body["user"]["active"],
        false
    );
}

#[tokio::test]
async fn too_many_values_wording_differs_between_users_and_organizations() {
    let fake = Fake::start().await;
    let users: Vec<Value> = (0..101).map(|n| json!({"name": format!("u{n}")})).collect();
    let answer = fake
        .post("/api/v2/users/create_many.json", json!({"users": users}))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        json!({"error": "TooManyValues", "description": "Maximum 100 users may be created per call"})
    );
    let orgs: Vec<Value> = (0..101).map(|n| json!({"name": format!("o{n}")})).collect();
    let answer = fake
        .post(
            "/api/v2/organizations/create_many.json",
            json!({"organizations": orgs}),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        json!({"error": "TooManyValues", "description": "Parameter  cannot specify more than 100 values", "max_count": 100})
    );
}

#[tokio::test]
async fn bulk_imports_off_forbids_create_many() {
    let fake = Fake::with(
        Knobs {
            bulk_imports: false,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    for path in [
        "/api/v2/users/create_many.json",
        "/api/v2/users/create_or_update_many.json",
    ] {
        let answer = fake.post(path, json!({"users": [{"name": "x"}]})).await;
        assert_eq!(answer.status, 403);
        assert_eq!(answer.body["error"], "Forbidden");
    }
    // update_many is not an import.
    let answer = fake
        .put(
            "/api/v2/users/update_many?ids=360000001002",
            json!({"user": {"notes": "n"}}),
        )
        .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn the_job_queue_is_limited() {
    let fake = Fake::with(
        Knobs {
            job_items_per_second: 0.5,
            max_jobs: 2,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(
            fake.post(
                "/api/v2/users/create_many",
                json!({"users": [{"name": "a"}, {"name": "b"}]})
            )
            .await
            .status,
            200
        );
    }
    let answer = fake
        .post(
            "/api/v2/users/create_many",
            json!({"users": [{"name": "c"}]}),
        )
        .await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.body["error"], "TooManyJobs");
    assert!(answer.header("retry-after").unwrap().parse::<u64>().is_ok());
}

#[tokio::test]
async fn jobs_expire_and_can_be_listed_and_shown_together() {
    let fake = Fake::with(
        Knobs {
            job_ttl_s: 1,
            ..fast_knobs()
        },
        seed(),
    )
    .await;
    let a = fake
        .post(
            "/api/v2/users/create_many",
            json!({"users": [{"name": "a"}]}),
        )
        .await;
    let b = fake
        .post(
            "/api/v2/organizations/create_many",
            json!({"organizations": [{"name": "New Org"}]}),
        )
        .await;
    let (a, b) = (
        a.body["job_status"]["id"].as_str().unwrap().to_owned(),
        b.body["job_status"]["id"].as_str().unwrap().to_owned(),
    );
    let many = fake
        .get(&format!("/api/v2/job_statuses/show_many.json?ids={a},{b}"))
        .await;
    assert_eq!(many.body["job_statuses"].as_array().unwrap().len(), 2);
    let list = fake.get("/api/v2/job_statuses.json").await;
    assert_eq!(list.body["job_statuses"].as_array().unwrap().len(), 2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let gone = fake.get(&format!("/api/v2/job_statuses/{a}.json")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["error"], "RecordNotFound");
}
