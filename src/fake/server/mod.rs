//! The HTTP layer: a hyper server on 127.0.0.1 whose one service does, in order, the control
//! endpoints (`/__fake/…`, no auth), latency, routing, auth, rate limits, fault injection,
//! the request itself ([`api::dispatch`]), response headers and request counting.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

mod control;
mod response;
mod ui_change;

use self::control::handle_control;
use self::response::{error_response, json_response, reply_response};
use super::api::{self, ApiRequest, Context, ReadContext};
use super::api_error::ApiError;
use super::clock::Clock;
use super::config::{Config, Knobs};
use super::error::Error;
use super::fault_injector::{Fault, FaultInjector};
use super::job_worker::JobWorker;
use super::page::Query;
use super::pause::Pause;
use super::rate_limiter::{Bucket, RateLimiter};
use super::request_log::{RequestCounts, endpoint_key};
use super::state_file::StateFile;
use super::store::{AccountRules, Store};

/// Everything but the store, behind one lock (taken before the store's when both are).
#[derive(Debug)]
struct Core {
    knobs: Knobs,
    faults: FaultInjector,
    limiter: RateLimiter,
    counts: RequestCounts,
    /// The pause armed by `PUT /__fake/pause`, if any.
    pause: Option<Pause>,
    /// The endpoint whose next request is applied and then left unanswered (`PUT
    /// /__fake/drop`), if any.
    drop_after: Option<String>,
}

#[derive(Debug)]
struct Shared {
    core: Mutex<Core>,
    /// Read-locked by `GET`s, so they run in parallel; written by everything else.
    store: RwLock<Store>,
    /// The emulator's clock, shared with the store.
    clock: Arc<Clock>,
    base_url: String,
    email: String,
    token: String,
    oauth_token: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Core> {
        self.core
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Starts emulator instances.
#[derive(Debug)]
pub struct Server;

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The connection is closed without an answer (fault injection).
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

impl Server {
    /// Binds 127.0.0.1:`config.port`, seeds the state and serves in the background.
    pub async fn start(config: Config) -> Result<Handle, Error> {
        config.knobs.to_settings().check(str::to_owned)?;
        let listener = TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|source| Error::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            port: config.port,
            source,
        })?;
        let base_url = format!("http://127.0.0.1:{}", addr.port());
        let clock = Arc::new(Clock::default());
        let store = Store::from_state_file(
            &base_url,
            config.seed,
            &config.email,
            &config.knobs,
            Arc::clone(&clock),
        )?;
        let shared = Arc::new(Shared {
            store: RwLock::new(store),
            clock,
            core: Mutex::new(Core {
                faults: FaultInjector::new(config.knobs.fault_seed),
                knobs: config.knobs,
                limiter: RateLimiter::default(),
                counts: RequestCounts::default(),
                pause: None,
                drop_after: None,
            }),
            base_url,
            email: config.email,
            token: config.token,
            oauth_token: config.oauth_token,
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Ok(Handle {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl Handle {
    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the state in the state-file format, with the current knobs as `account`.
    #[must_use]
    pub fn state(&self) -> StateFile {
        let core = self.shared.lock();
        let store = self.shared.read();
        let mut state = store.to_state_file();
        state.account = Some(core.knobs.to_settings());
        state
    }

    /// Changes knobs while the server runs (a new `fault_seed` restarts the fault sequence;
    /// the account settings take effect for the next request).
    pub fn update_knobs(&self, change: impl FnOnce(&mut Knobs)) {
        let mut core = self.shared.lock();
        let seed = core.knobs.fault_seed;
        change(&mut core.knobs);
        if core.knobs.fault_seed != seed {
            core.faults = FaultInjector::new(core.knobs.fault_seed);
        }
        let mut store = self.shared.write();
        let tagging = core.knobs.user_tagging;
        let tagging_changed = store.rules.user_tagging != tagging;
        store.rules = AccountRules::of(&core.knobs);
        if tagging_changed {
            store.set_user_tagging(tagging);
        }
    }

    /// The emulator's clock: tests move it forward instead of sleeping.
    #[must_use]
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Forgets every rate-limit count, as if the next minute had begun (tests that replay a
    /// 429 and its retry use it instead of waiting).
    pub fn reset_rate_limits(&self) {
        self.shared.lock().limiter = RateLimiter::default();
    }

    /// The request counts (as `GET /__fake/requests`).
    #[must_use]
    pub fn requests(&self) -> RequestCounts {
        self.shared.lock().counts.clone()
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    let worker_shared = Arc::clone(&shared);
    connections.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let (rate, ttl) = {
                let core = worker_shared.lock();
                (
                    core.knobs.job_items_per_second,
                    Duration::from_secs(core.knobs.job_ttl_s),
                )
            };
            JobWorker::advance(&mut worker_shared.write(), Instant::now(), rate, ttl);
        }
    });
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
                    let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Whether the `Authorization` header holds the configured admin's credentials (an API
/// token or the OAuth token).
fn authenticate(shared: &Shared, header: Option<&str>) -> bool {
    let Some(header) = header else { return false };
    if let Some(token) = header.strip_prefix("Bearer ") {
        return token.trim() == shared.oauth_token;
    }
    let Some(encoded) = header.strip_prefix("Basic ") else {
        return false;
    };
    let Some(decoded) = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return false;
    };
    let Some((user, secret)) = decoded.split_once(':') else {
        return false;
    };
    user.strip_suffix("/token")
        .is_some_and(|email| email.eq_ignore_ascii_case(&shared.email))
        && secret == shared.token
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().unwrap_or_default().to_owned();
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = axum::body::to_bytes(Body::new(request.into_body()), 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    if let Some(control) = path.strip_prefix("/__fake/") {
        return Ok(handle_control(&shared, &method, control, &body));
    }
    let endpoint = endpoint_key(&method, &path);
    let paused = shared
        .lock()
        .pause
        .as_mut()
        .and_then(|pause| pause.stop(&endpoint));
    if let Some(release) = paused {
        release.notified().await;
    }
    let latency = shared.lock().knobs.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let outcome = handle_api(
        &shared,
        method,
        &path,
        &raw_query,
        authorization.as_deref(),
        &body,
    );
    let mut core = shared.lock();
    if let Some(response) = outcome {
        core.counts.record(endpoint, response.status().as_str());
        Ok(response)
    } else {
        core.counts.record(endpoint, "dropped");
        Err(DropConnection)
    }
}

/// Answers one API request; `None` means: drop the connection.
fn handle_api(
    shared: &Shared,
    method: String,
    path: &str,
    raw_query: &str,
    authorization: Option<&str>,
    body: &Bytes,
) -> Option<Response<Body>> {
    let trimmed = path.strip_suffix(".json").unwrap_or(path);
    let segments: Vec<String> = match trimmed.strip_prefix("/api/v2/") {
        Some(rest) => rest.split('/').map(str::to_owned).collect(),
        None => return Some(error_response(&ApiError::invalid_endpoint())),
    };
    let mut guard = shared.lock();
    let core = &mut *guard;
    let now = u64::try_from(shared.clock.unix()).unwrap_or_default();
    let limit = core.knobs.rate_limit;
    // A suspended user cannot sign in (API.md has no recording of its token's answer): its
    // right credentials are refused like wrong ones, with the 401 that says nothing more.
    let credentials = authenticate(shared, authorization);
    let suspended = credentials && shared.read().is_suspended(&shared.email);
    let authenticated = credentials && !suspended;
    let is_me = method == "GET" && segments == ["users", "me"];
    let window = core.knobs.rate_limit_window_s;
    let account = core.limiter.draw(Bucket::Account, limit, now, window);
    let headers = |mut response: Response<Body>, remaining: u32, reset: u64| {
        let h = response.headers_mut();
        h.insert("x-rate-limit", HeaderValue::from(limit));
        h.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
        h.insert("ratelimit-limit", HeaderValue::from(limit));
        h.insert("ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("ratelimit-reset", HeaderValue::from(reset));
        response
    };
    if !authenticated {
        let bearer = authorization.is_some_and(|h| h.starts_with("Bearer "));
        let response = if is_me && !bearer {
            json_response(200, &json!({"user": super::user::User::anonymous_json()}))
        } else if bearer && !suspended {
            // An OAuth token Zendesk does not know: its `invalid_token` answer.
            error_response(&ApiError::invalid_token())
        } else {
            error_response(&ApiError::unauthorized())
        };
        return Some(headers(response, account.remaining, account.reset));
    }
    if !account.allowed {
        return Some(headers(
            error_response(&ApiError::rate_limited(account.reset)),
            0,
            account.reset,
        ));
    }
    let body_json = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => Some(v),
            Err(_) if method == "GET" || method == "DELETE" => None,
            Err(_) => {
                let error =
                    ApiError::bad_request("InvalidJSON", "The request body is not valid JSON");
                return Some(headers(
                    error_response(&error),
                    account.remaining,
                    account.reset,
                ));
            }
        }
    };
    let query = Query::parse(raw_query);
    // Endpoint-specific limits.
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let special = match (method.as_str(), seg.as_slice()) {
        ("PUT", ["users", id]) if id.bytes().all(|b| b.is_ascii_digit()) => Some((
            Bucket::UserUpdate(format!("id:{id}")),
            core.knobs.user_update_rate_limit,
            true,
        )),
        ("POST", ["users", "create_or_update"]) => {
            // The budget is per unique user: the matched user, else the new user's keys.
            let user = body_json
                .as_ref()
                .and_then(|b| b.get("user"))
                .and_then(Value::as_object);
            let field = |k: &str| {
                user.and_then(|u| u.get(k))
                    .map(|v| v.to_string().to_lowercase())
                    .unwrap_or_default()
            };
            let key = user.and_then(|u| shared.read().match_user(u)).map_or_else(
                || format!("new:{}|{}", field("external_id"), field("email")),
                |id| format!("id:{id}"),
            );
            Some((
                Bucket::UserUpdate(key),
                core.knobs.user_update_rate_limit,
                true,
            ))
        }
        ("GET", ["incremental", ..]) => Some((
            Bucket::Incremental,
            core.knobs.incremental_rate_limit,
            false,
        )),
        _ => None,
    };
    if let Some((bucket, bucket_limit, per_user)) = special {
        let draw = core.limiter.draw(bucket, bucket_limit, now, window);
        if !draw.allowed {
            let error = if per_user {
                ApiError::user_update_limited(draw.reset)
            } else {
                ApiError::rate_limited(draw.reset)
            };
            return Some(headers(
                error_response(&error),
                account.remaining,
                account.reset,
            ));
        }
    }
    let mut fault = core.faults.request(&core.knobs);
    if core
        .drop_after
        .as_deref()
        .is_some_and(|after| after == endpoint_key(&method, path))
    {
        // The armed drop: the request takes effect, its answer is lost.
        core.drop_after = None;
        fault = Fault::Drop { applied: true };
    }
    let applies = match fault {
        Fault::None => true,
        Fault::TooManyRequests => false,
        Fault::ServerError { applied, .. } | Fault::Drop { applied } => applied,
    };
    let request = ApiRequest {
        method,
        segments,
        query,
        body: body_json,
    };
    let mut outcome = None;
    if applies && request.method == "GET" {
        // Reads share the store: the account lock is released first.
        let knobs = core.knobs.clone();
        drop(guard);
        let store = shared.read();
        let ctx = ReadContext {
            knobs: &knobs,
            me: store.user_by_email(&shared.email),
        };
        outcome = Some(api::dispatch_get(&store, &ctx, &request));
    } else {
        if applies {
            let mut store = shared.write();
            let mut ctx = Context {
                knobs: &core.knobs,
                faults: &mut core.faults,
            };
            outcome = Some(api::dispatch(&mut store, &mut ctx, &request));
            // `PUT /account/settings` changes the account's switches.
            core.knobs.user_tagging = store.rules.user_tagging;
            core.knobs.multiple_organizations = store.rules.multiple_organizations;
        }
        drop(guard);
    }
    // The answer is serialised without holding a lock.
    let response = match fault {
        Fault::None => match outcome? {
            Ok(reply) => reply_response(reply),
            Err(error) => error_response(&error),
        },
        Fault::TooManyRequests => error_response(&ApiError::rate_limited(1)),
        Fault::ServerError { status, .. } => error_response(&ApiError::server_error(status)),
        Fault::Drop { .. } => return None,
    };
    Some(headers(response, account.remaining, account.reset))
}
