//! Integration tests of the local Zendesk emulator over real HTTP on loopback.

mod account;
mod audit_logs;
mod auth;
mod clients;
mod command;
mod control;
mod fidelity;
mod jobs;
mod limits;
mod resources;
mod subdomain;
mod users;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use zroster::fake::{Config, Handle, Knobs, Server, StateFile};

/// A running emulator and an authenticated client.
pub(crate) struct Fake {
    pub(crate) handle: Handle,
    pub(crate) client: reqwest::Client,
}

/// An answer: status, headers and parsed body (`Value::Null` when empty or not JSON).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/zendesk")
        .join(name)
}

pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// Fast jobs, so tests never wait long, on an Enterprise account that has what the
/// mechanics under test use (bulk imports, user tagging, several organizations a user, a
/// search index that keeps up); tests of the account's own rules start from a profile.
pub(crate) fn fast_knobs() -> Knobs {
    Knobs {
        job_items_per_second: 2000.0,
        bulk_imports: true,
        user_tagging: true,
        multiple_organizations: true,
        search_lag_s: 0.0,
        ..Knobs::default()
    }
}

impl Fake {
    /// An emulator seeded from `tests/fixtures/zendesk/state.json`.
    pub(crate) async fn start() -> Self {
        Self::with(
            fast_knobs(),
            StateFile::load(&fixture("state.json")).expect("fixture"),
        )
        .await
    }

    pub(crate) async fn with(knobs: Knobs, seed: StateFile) -> Self {
        let handle = Server::start(Config {
            knobs,
            seed,
            ..Config::default()
        })
        .await
        .expect("start");
        Self {
            handle,
            client: client(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    /// An object's URL as the emulator names it in `url` and `Location`: on the account's
    /// own host, `https://{subdomain}.zendesk.com`.
    pub(crate) fn object_url(&self, path: &str) -> String {
        let account = self.handle.state().account.unwrap_or_default();
        let subdomain = account.subdomain.unwrap_or_default();
        format!("https://{subdomain}.zendesk.com{path}")
    }

    pub(crate) async fn send(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let request = self
            .client
            .request(method.parse().expect("method"), self.url(path))
            .basic_auth("admin@example.com/token", Some("fake-token"));
        self.send_request(request, body).await
    }

    pub(crate) async fn send_request(
        &self,
        request: reqwest::RequestBuilder,
        body: Option<Value>,
    ) -> Answer {
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(body)).await
    }

    pub(crate) async fn put(&self, path: &str, body: Value) -> Answer {
        self.send("PUT", path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None).await
    }

    /// Polls a job until it is no longer queued or working.
    pub(crate) async fn wait_job(&self, job: &Value) -> Value {
        let id = job["job_status"]["id"].as_str().expect("job id").to_owned();
        for _ in 0..400 {
            let answer = self.get(&format!("/api/v2/job_statuses/{id}.json")).await;
            let status = answer.body["job_status"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if status != "queued" && status != "working" {
                return answer.body["job_status"].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job {id} did not finish");
    }
}

/// Sleeps past the end of the current wall-clock minute if fewer than `margin` seconds are
/// left in it, so a test of a per-minute window is not split by the window's reset.
pub(crate) async fn avoid_minute_boundary(margin: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock");
    let left = 60 - now.as_secs() % 60;
    if left <= margin {
        tokio::time::sleep(Duration::from_secs(left) + Duration::from_millis(200)).await;
    }
}
