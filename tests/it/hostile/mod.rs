//! A hostile server: canned answers on chosen paths (redirects, huge `Retry-After`s,
//! cursors that never end, bodies without end, error bodies that echo the credentials) in
//! front of the project's emulator, which answers everything else. The real `zplan` and
//! `zapply` are pointed at it: nothing it says may make them send anything elsewhere, wait
//! past their deadline, page forever, read without limit or print a credential.

mod bodies;
mod pages;
mod redirects;
mod secrets;
mod settings;
mod sideloads;
mod waits;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

/// One request the hostile server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// `GET`, `POST`, …
    pub(crate) method: String,
    /// The path without a trailing `.json`.
    pub(crate) path: String,
    /// The raw query, or empty.
    pub(crate) query: String,
    /// The request headers.
    pub(crate) headers: HeaderMap,
}

/// A canned answer: given the request and how often this rule answered before, an answer,
/// or `None` to leave the request to the next rule (in the end, to the emulator).
type Answer = dyn Fn(&Seen, usize) -> Option<Response> + Send + Sync;

/// A rule for one method and path.
pub(crate) struct Rule {
    method: &'static str,
    path: &'static str,
    answer: Box<Answer>,
    answered: AtomicUsize,
}

/// A rule answering `method path` (path as the emulator counts it, `/api/v2/users/me`).
pub(crate) fn on(
    method: &'static str,
    path: &'static str,
    answer: impl Fn(&Seen, usize) -> Option<Response> + Send + Sync + 'static,
) -> Rule {
    Rule {
        method,
        path,
        answer: Box::new(answer),
        answered: AtomicUsize::new(0),
    }
}

struct Shared {
    rules: Vec<Rule>,
    upstream: Option<String>,
    seen: Mutex<Vec<Seen>>,
    client: reqwest::Client,
}

/// The hostile server, on its own runtime so that the tests can run the binaries.
pub(crate) struct Hostile {
    runtime: Option<tokio::runtime::Runtime>,
    url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Hostile {
    /// A server answering with `rules` and forwarding everything else to `upstream` (an
    /// emulator's URL), or answering 404 without one.
    pub(crate) fn start(upstream: Option<String>, rules: Vec<Rule>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let shared = Arc::new(Shared {
            rules,
            upstream,
            seen: Mutex::new(Vec::new()),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        runtime.spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            runtime: Some(runtime),
            url,
            shared,
            stop: Some(stop),
        }
    }

    /// A server that answers nothing (404) and only counts: the host a redirect points at.
    pub(crate) fn bystander() -> Self {
        Self::start(None, Vec::new())
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Runs `future` (a library client's calls) on the server's runtime.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.as_ref().unwrap().block_on(future)
    }

    /// Every request received, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// Requests received for `method path`.
    pub(crate) fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|seen| seen.method == method && seen.path == path)
            .count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Streams still being sent (an endless body) end with the runtime.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path();
    let seen = Seen {
        method: parts.method.to_string(),
        path: path.strip_suffix(".json").unwrap_or(path).to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts.headers.clone(),
    };
    shared.seen.lock().unwrap().push(seen.clone());
    for rule in &shared.rules {
        if rule.method == seen.method && rule.path == seen.path {
            let before = rule.answered.load(Ordering::SeqCst);
            if let Some(answer) = (rule.answer)(&seen, before) {
                rule.answered.fetch_add(1, Ordering::SeqCst);
                return answer;
            }
        }
    }
    let Some(upstream) = &shared.upstream else {
        return status(StatusCode::NOT_FOUND, "{\"error\":\"InvalidEndpoint\"}");
    };
    let target = format!(
        "{upstream}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut forward = shared.client.request(parts.method.clone(), target);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let Ok(answer) = forward.body(body).send().await else {
        return status(StatusCode::BAD_GATEWAY, "{\"error\":\"upstream\"}");
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "transfer-encoding" && name != "content-length" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    response.body(Body::from(bytes)).unwrap()
}

/// An answer with `status` and a JSON body.
pub(crate) fn status(status: StatusCode, body: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// `200` with `value` as JSON.
pub(crate) fn json(value: &Value) -> Response {
    status(StatusCode::OK, &value.to_string())
}

/// A redirect with `status` to `location`.
pub(crate) fn redirect(code: u16, location: &str) -> Response {
    let mut response = status(StatusCode::from_u16(code).unwrap(), "{}");
    response
        .headers_mut()
        .insert("location", HeaderValue::from_str(location).unwrap());
    response
}

/// A small roster of one agent, which the emulator's state does not hold: zapply creates
/// her with `create_or_update_many`.
pub(crate) fn roster(dir: &tempfile::TempDir) -> String {
    crate::common::roster_file(
        dir,
        "settings:\n  manage: { roles: [agent] }\nusers:\n  - { name: Jane Smith, email: jane@acme.com, external_id: emp-1, role: agent }\n",
    )
}

/// The standard error of a run.
pub(crate) fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
