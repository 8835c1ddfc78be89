//! Shared helpers of the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use zroster::fake::{Config, Handle, Server, StateFile};

/// The repository root (where Cargo.toml is).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command running one of the crate's binaries from the repository root, with colours
/// off, so that relative paths in its output are stable.
pub(crate) fn bin(name: &str) -> Command {
    let mut command = Command::new(insta_cmd::get_cargo_bin(name));
    command
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS");
    command
}

/// Every `*.yaml` / `*.yml` file below `dir`, sorted.
pub(crate) fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every roster file of `examples/` (the CI pipeline examples under `examples/github` and
/// `examples/gitlab` are not rosters).
pub(crate) fn roster_examples() -> Vec<PathBuf> {
    let pipelines = [
        root().join("examples/github"),
        root().join("examples/gitlab"),
    ];
    yaml_files(&root().join("examples"))
        .into_iter()
        .filter(|path| !pipelines.iter().any(|dir| path.starts_with(dir)))
        .collect()
}

/// An emulator running on its own runtime while the test runs the binary.
pub(crate) struct Sandbox {
    runtime: tokio::runtime::Runtime,
    handle: Option<Handle>,
    /// The working directory of `zapply` (its default journal goes below it).
    work: tempfile::TempDir,
    /// Whom the binaries authenticate as.
    email: String,
}

impl Sandbox {
    pub(crate) fn start(state: &Value) -> Self {
        Self::start_with_token(state, "fake-token")
    }

    pub(crate) fn start_with_token(state: &Value, token: &str) -> Self {
        Self::start_with(state, token, |_| {})
    }

    /// An emulator whose knobs `tune` changes (job speed, faults).
    ///
    /// Tests of zapply's mechanics (bulk jobs, interruptions, faults) call [`mechanics`] in
    /// `tune`; tests of the account's rules leave the account as its state describes it.
    pub(crate) fn start_with(
        state: &Value,
        token: &str,
        tune: impl FnOnce(&mut zroster::fake::Knobs),
    ) -> Self {
        Self::start_as(state, "admin@example.com", token, tune)
    }

    /// An emulator the binaries reach as `email` (a user of `state`, or one the emulator
    /// makes).
    pub(crate) fn start_as(
        state: &Value,
        email: &str,
        token: &str,
        tune: impl FnOnce(&mut zroster::fake::Knobs),
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let seed: StateFile = serde_json::from_value(state.clone()).unwrap();
        // The account the state describes (an Enterprise account unless its `account` says
        // otherwise), as `zroster fake --state` makes it.
        let mut knobs = zroster::fake::Knobs::resolve(
            seed.account.as_ref(),
            &zroster::fake::AccountSettings::default(),
        );
        tune(&mut knobs);
        let handle = runtime
            .block_on(Server::start(Config {
                seed,
                email: email.to_owned(),
                token: token.to_owned(),
                knobs,
                ..Config::default()
            }))
            .unwrap();
        Self {
            runtime,
            handle: Some(handle),
            work: tempfile::tempdir().unwrap(),
            email: email.to_owned(),
        }
    }

    pub(crate) fn from_file(path: &str) -> Self {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        Self::start(&serde_json::from_str(&text).unwrap())
    }

    pub(crate) fn url(&self) -> String {
        self.handle.as_ref().unwrap().base_url().to_owned()
    }

    pub(crate) fn zplan(&self) -> Command {
        self.command("zplan")
    }

    fn command(&self, name: &str) -> Command {
        let mut command = bin(name);
        command
            .env("ZENDESK_URL", self.url())
            .env("ZENDESK_EMAIL", &self.email)
            .env("ZENDESK_API_TOKEN", "fake-token")
            .env("ZROSTER_TEST_NO_DELAY", "1")
            .env_remove("ZENDESK_SUBDOMAIN")
            .env_remove("ZENDESK_OAUTH_TOKEN");
        command
    }

    /// `zroster` pointed at the emulator, run in [`Sandbox::work_dir`].
    pub(crate) fn zroster(&self) -> Command {
        let mut command = self.command("zroster");
        command.current_dir(self.work.path());
        command
    }

    /// `zapply` pointed at the emulator, run in [`Sandbox::work_dir`].
    pub(crate) fn zapply(&self) -> Command {
        let mut command = self.command("zapply");
        command.current_dir(self.work.path());
        command
    }

    /// Where `zapply` runs.
    pub(crate) fn work_dir(&self) -> &Path {
        self.work.path()
    }

    /// The handle of the running emulator (knobs, state).
    pub(crate) fn handle(&self) -> &Handle {
        self.handle.as_ref().unwrap()
    }

    /// The emulator's state (`GET /__fake/state`).
    pub(crate) fn state(&self) -> Value {
        self.send(reqwest::Method::GET, "__fake/state", false, None)
    }

    /// Replaces the emulator's state (`PUT /__fake/state`).
    pub(crate) fn put_state(&self, state: &Value) {
        self.send(reqwest::Method::PUT, "__fake/state", false, Some(state));
    }

    /// A `GET` of the emulator's API as the admin: the answer's body.
    pub(crate) fn api_get(&self, path: &str) -> Value {
        self.api(reqwest::Method::GET, path, None)
    }

    /// A `PUT` to the emulator's API as the admin, like another integration would send.
    pub(crate) fn api_put(&self, path: &str, body: &Value) -> Value {
        self.api(reqwest::Method::PUT, path, Some(body))
    }

    /// A `POST` to the emulator's API as the admin, like another integration would send:
    /// the answer's body.
    pub(crate) fn api_post(&self, path: &str, body: &Value) -> Value {
        self.api(reqwest::Method::POST, path, Some(body))
    }

    /// A `DELETE` of the emulator's API as the admin, like another integration would send.
    pub(crate) fn api_delete(&self, path: &str) {
        self.api(reqwest::Method::DELETE, path, None);
    }

    fn api(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        self.send(method, &format!("api/v2/{path}"), true, body)
    }

    /// Sends one request to the emulator (`path` below its root; as the admin when `admin`)
    /// and returns the answer's body (`null` when it is none); fails on an unsuccessful
    /// status, showing the body.
    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        admin: bool,
        body: Option<&Value>,
    ) -> Value {
        let url = format!("{}/{path}", self.url());
        self.runtime.block_on(async {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut request = reqwest::Client::new().request(method, url);
            if admin {
                request = request.basic_auth("admin@example.com/token", Some("fake-token"));
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let answer = request.send().await.unwrap();
            let status = answer.status();
            let text = answer.text().await.unwrap();
            assert!(status.is_success(), "{status}: {text}");
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// Sends one control request (`/__fake/{path}`) and returns its answer.
    fn control(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        self.send(method, &format!("__fake/{path}"), false, body)
    }

    /// Stages a change made by hand in the web interface (`POST /__fake/ui_change`): the
    /// answer of the API write it names.
    pub(crate) fn ui_change(&self, change: &Value) -> Value {
        self.control(reqwest::Method::POST, "ui_change", Some(change))
    }

    /// Holds the next API request to `endpoint` (`GET /api/v2/group_memberships`, as
    /// [`Sandbox::requests`] names it) until [`Sandbox::release`]: a test writes to the account
    /// meanwhile, between two steps of a run.
    pub(crate) fn pause_before(&self, endpoint: &str) {
        let body = serde_json::json!({ "before": endpoint });
        self.control(reqwest::Method::PUT, "pause", Some(&body));
    }

    /// Waits until a request is held at the pause; fails after a minute.
    pub(crate) fn wait_for_pause(&self) {
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(60) {
            if self.control(reqwest::Method::GET, "pause", None)["waiting"] == true {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("no request reached the pause");
    }

    /// Lets the request held at the pause go on.
    pub(crate) fn release(&self) {
        let released = self.control(reqwest::Method::POST, "pause/release", None);
        assert_eq!(released["released"], true);
    }

    /// Loses the answer of the next API request to `endpoint` (`POST /api/v2/groups`): it
    /// takes effect, and its connection is closed unanswered.
    pub(crate) fn drop_answer_after(&self, endpoint: &str) {
        let body = serde_json::json!({ "after": endpoint });
        self.control(reqwest::Method::PUT, "drop", Some(&body));
    }

    /// The emulator's request counters.
    pub(crate) fn requests(&self) -> Value {
        self.control(reqwest::Method::GET, "requests", None)
    }

    pub(crate) fn reset_requests(&self) {
        self.control(reqwest::Method::POST, "requests/reset", None);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

pub(crate) fn writes(requests: &Value) -> u64 {
    requests["by_endpoint"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(endpoint, _)| !endpoint.starts_with("GET "))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum()
}

/// How long a binary may run in a test before it is taken for hung and killed.
const HUNG_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `command` to the end with its output captured, like [`Command::output`], but kills
/// it and fails the test if it runs longer than [`HUNG_AFTER`]: a hang (a deadlock, say)
/// fails CI instead of stalling it.
pub(crate) fn run(command: &mut Command) -> (Output, String) {
    run_for(command, HUNG_AFTER)
}

/// [`run`], taking the binary for hung after `limit`.
pub(crate) fn run_for(command: &mut Command, limit: std::time::Duration) -> (Output, String) {
    use std::io::Read as _;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} hung for {} s; killed.\nstderr:\n{}",
                limit.as_secs(),
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let output = Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    (output, text)
}

/// Fails with the binary's output unless it exited with `code`.
pub(crate) fn assert_code(output: &Output, stdout: &str, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The saved plan at `path`, edited by `edit` and written back; with `reseal`, its digest is
/// recomputed as `zplan` computes it (what a tamperer who read the source would do).
pub(crate) fn edit_saved_plan(path: &str, reseal: bool, edit: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut value);
    let text = if reseal {
        let mut plan: zroster::plan::Plan = serde_json::from_value(value).unwrap();
        plan.seal();
        serde_json::to_string_pretty(&plan).unwrap()
    } else {
        value.to_string()
    };
    std::fs::write(path, text).unwrap();
}

pub(crate) fn roster_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("roster.yaml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The account settings zapply's mechanics tests rely on: bulk imports (which Zendesk
/// support turns on), user tagging, several organizations a user, a search index that keeps
/// up. Everything else stays a fresh Enterprise account's (its default group, its roles).
pub(crate) fn mechanics(knobs: &mut zroster::fake::Knobs) {
    knobs.bulk_imports = true;
    knobs.user_tagging = true;
    knobs.multiple_organizations = true;
    knobs.search_lag_s = 0.0;
}

/// `command` run on a terminal (`script` gives it a pseudo-terminal) with `input` typed, for
/// at most 60 seconds; its exit code and what the terminal showed.
pub(crate) fn on_a_terminal(command: &std::process::Command, input: &str) -> (Option<i32>, String) {
    use std::fmt::Write as _;
    use std::io::Write as _;
    // `script` runs the line with `$SHELL -c`, `/bin/sh` when SHELL is unset (as on CI). dash
    // (`/bin/sh` here) forks for it rather than exec, and `timeout` then moves into a process group of its own that is not the
    // terminal's foreground: the program's read of the answer stops it (SIGTTIN) until the
    // timeout. `exec` and `--foreground` keep the program in the terminal's foreground on
    // every shell.
    let quote = |text: &str| format!("'{}'", text.replace('\'', "'\\''"));
    let mut line = format!(
        "exec timeout --foreground 60 {}",
        quote(&command.get_program().to_string_lossy())
    );
    for arg in command.get_args() {
        let _ = write!(line, " {}", quote(&arg.to_string_lossy()));
    }
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &line, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    if let Some(dir) = command.get_current_dir() {
        script.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => script.env(key, value),
            None => script.env_remove(key),
        };
    }
    // The same shell on every machine: the one that forks (see above).
    script.env("SHELL", "/bin/sh");
    let mut child = script.spawn().unwrap();
    // The input stays open until the program has ended: `script` answers the end of its input
    // by ending the session, which could cut the program's last lines.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    let mut shown = Vec::new();
    std::io::Read::read_to_end(&mut child.stdout.take().unwrap(), &mut shown).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    (status.code(), String::from_utf8_lossy(&shown).into_owned())
}
