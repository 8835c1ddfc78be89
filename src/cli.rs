//! Command-line definitions (clap). Only this module knows about clap; [`crate::command`]
//! receives the parsed arguments and turns them into settings for the library.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keep a Zendesk account's users and roles in git.
#[derive(Debug, Parser)]
#[command(name = "zroster", version, about, long_about = None, max_term_width = 100)]
pub struct ZrosterCli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `zroster` subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum Command {
    /// Check roster files offline: syntax, keys, values and cross-file rules. No network.
    Validate(ValidateArgs),
    /// Print a JSON Schema: of a roster file (`schema/roster.schema.json`), a saved plan
    /// (`schema/plan.schema.json`), an apply report (`schema/report.schema.json`) or a
    /// probe report (`schema/probe.schema.json`).
    Schema(SchemaArgs),
    /// Show what applying the roster would change in Zendesk (the same as `zplan`).
    Plan(PlanArgs),
    /// Make Zendesk match a saved plan or a roster (the same as `zapply`).
    Apply(ApplyArgs),
    /// Write the live account as a roster, to start a repository from.
    Export(ExportArgs),
    /// Show a saved plan (`zplan --out`) again, in any format; reads nothing else.
    Show(ShowArgs),
    /// Print a shell's completion script for one of the binaries.
    Completions(CompletionsArgs),
    /// Write the manual pages of `zroster`, its subcommands, `zplan` and `zapply` into a
    /// directory (`zroster.1`, `zroster-validate.1`, …, `zplan.1`, `zapply.1`).
    Man(ManArgs),
    /// Run the local Zendesk emulator on 127.0.0.1 until SIGINT or SIGTERM.
    Fake(FakeArgs),
    /// Check zroster's assumptions on a real (sandbox) account with a few small, reversible
    /// experiments on users, organizations and groups of its own; report what holds and what
    /// differs.
    Probe(ProbeArgs),
}

/// Arguments of `zroster probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The account and how to reach it (as for `zplan`).
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Confirm that the probe may create (and then remove) users, organizations and a group of
    /// its own on the account.
    #[arg(long)]
    pub yes_this_writes: bool,
    /// Never ask a question; without `--yes-this-writes` nothing is written.
    #[arg(long)]
    pub no_input: bool,
    /// Domain of the addresses the probe creates.
    #[arg(long, value_name = "DOMAIN", default_value = "example.com")]
    pub domain: String,
    /// Write the report as JSON (`schema/probe.schema.json`) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the exchanges, normalized as in `zendesk/recorded/`, into this directory.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// The journal of the run [default: `zroster-probe-<random>.journal` here].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Remove what the run of this journal left (after an interrupted or killed run).
    #[arg(long, value_name = "JOURNAL", conflicts_with_all = ["report", "record", "journal"])]
    pub cleanup: Option<PathBuf>,
}

/// Arguments of `zroster validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Roster files or directories (every `*.yaml` / `*.yml` below a directory).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
    /// Also list the references that are resolved against the live account at plan time.
    #[arg(short, long)]
    pub verbose: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Warn about entries expired long before this moment instead of the clock's: an RFC 3339 time, or a date (its start, 00:00 UTC). For reproducible plans
    /// and rehearsals.
    #[arg(long, value_name = "TIME", value_parser = moment)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// Arguments of `zroster show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A saved plan (`zplan --out`).
    #[arg(value_name = "PLAN_FILE")]
    pub plan: PathBuf,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Show email addresses as `***@domain` (human and markdown).
    #[arg(long)]
    pub mask_emails: bool,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Arguments of `zroster completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// The binary to complete.
    #[arg(long = "bin", value_enum, default_value_t = Binary::Zroster)]
    pub binary: Binary,
}

/// The binaries zroster installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Binary {
    /// `zroster`.
    Zroster,
    /// `zplan`.
    Zplan,
    /// `zapply`.
    Zapply,
}

impl Binary {
    /// Every binary.
    pub const ALL: [Binary; 3] = [Binary::Zroster, Binary::Zplan, Binary::Zapply];

    /// The clap definition of the binary's command line.
    #[must_use]
    pub fn command(self) -> clap::Command {
        use clap::CommandFactory;
        match self {
            Binary::Zroster => ZrosterCli::command(),
            Binary::Zplan => ZplanCli::command(),
            Binary::Zapply => ZapplyCli::command(),
        }
    }
}

/// Arguments of `zroster man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write the pages into (made if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Arguments of `zroster schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum, default_value_t = SchemaKind::Roster)]
    pub kind: SchemaKind,
}

/// The schemas zroster publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// A roster file.
    Roster,
    /// A saved plan (`zplan --out`).
    Plan,
    /// An apply report (`zapply --report`).
    Report,
    /// A probe report (`zroster probe --report`).
    Probe,
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// `path:line:col: error: message` lines with hints, for people.
    Human,
    /// A JSON array of diagnostics, for tools.
    Json,
    /// `::error file=…,line=…,col=…::message` workflow commands that annotate a GitHub pull request.
    Github,
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Arguments of `zroster fake`. Knobs not given keep the value of the state file's `account`
/// object, or the default.
#[derive(Debug, Args)]
pub struct FakeArgs {
    /// Behave like the account a `zroster probe --report` describes: its plan, settings and
    /// every choice the report settled (other flags win over it).
    #[arg(long, value_name = "REPORT")]
    pub account_report: Option<PathBuf>,
    /// TCP port on 127.0.0.1; 0 picks a free port. The first stdout line is
    /// `listening on http://127.0.0.1:PORT`.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Seed the account from this state file (JSON: `users`, `identities`, `organizations`,
    /// `organization_memberships`, `groups`, `group_memberships`, `custom_roles`,
    /// `user_fields`, `account`).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Write the state to this file when stopped by SIGINT or SIGTERM.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Email of the admin that API tokens authenticate as (created if the state lacks it).
    #[arg(long, default_value = "admin@example.com")]
    pub email: String,
    /// API token: requests authenticate with Basic `{email}/token:{token}`.
    #[arg(long, default_value = "fake-token")]
    pub token: String,
    /// OAuth access token accepted as `Authorization: Bearer {token}`.
    #[arg(long, default_value = "fake-oauth-token")]
    pub oauth_token: String,
    /// Delay added before every API answer, in milliseconds [default: 0].
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Account-wide API requests per minute [default: 700].
    #[arg(long, value_name = "N", value_parser = knob::<u32>("rate_limit"))]
    pub rate_limit: Option<u32>,
    /// Bulk job items processed per second; 0 pauses jobs [default: 50].
    #[arg(long, value_name = "N", value_parser = knob::<f64>("job_items_per_second"))]
    pub job_items_per_second: Option<f64>,
    /// Queued plus running jobs allowed at once; one more answers 429 [default: 30].
    #[arg(long, value_name = "N", value_parser = knob::<usize>("max_jobs"))]
    pub max_jobs: Option<usize>,
    /// Seconds a job status stays readable after creation [default: 3600].
    #[arg(long, value_name = "SECONDS")]
    pub job_ttl_s: Option<u64>,
    /// Whether users `create_many` / `create_or_update_many` are allowed [default: off, as on
    /// a fresh account of any profile].
    #[arg(long, value_enum)]
    pub bulk_imports: Option<OnOff>,
    /// The account's plan; custom-role writes need enterprise [default: enterprise].
    #[arg(long, value_enum)]
    pub plan: Option<FakePlan>,
    /// Start from a fresh account of this plan: its rate limit, default group ("Support"),
    /// predefined roles on enterprise, bulk imports, user tagging and multiple organizations
    /// off, a lagging search index. Knobs given as flags or in the state file win.
    #[arg(long, value_enum)]
    pub profile: Option<FakePlan>,
    /// Whether users carry tags (the account's user tagging setting).
    #[arg(long, value_enum)]
    pub user_tagging: Option<OnOff>,
    /// Whether a user can belong to several organizations.
    #[arg(long, value_enum)]
    pub multiple_organizations: Option<OnOff>,
    /// Seconds a change of a user takes to reach `users/search?query=` and `/search`.
    #[arg(long, value_name = "SECONDS", value_parser = knob::<f64>("search_lag_s"))]
    pub search_lag_s: Option<f64>,
    /// The account's time zone, which new users get [default: `America/New_York`].
    #[arg(long, value_name = "ZONE", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub time_zone: Option<String>,
    /// The account's subdomain, which the `url` of every object names
    /// (`https://{subdomain}.zendesk.com/api/v2/…`) [default: example].
    #[arg(long, value_name = "NAME", value_parser = subdomain)]
    pub subdomain: Option<String>,
    /// Share (0-1) of API requests answered with a 500 or 503.
    #[arg(long = "fault-5xx", value_name = "RATE", value_parser = knob::<f64>("fault_5xx"))]
    pub fault_5xx: Option<f64>,
    /// Share (0-1) of API requests answered with a 429.
    #[arg(long = "fault-429", value_name = "RATE", value_parser = knob::<f64>("fault_429"))]
    pub fault_429: Option<f64>,
    /// Share (0-1) of API requests whose connection is closed without an answer.
    #[arg(long, value_name = "RATE", value_parser = knob::<f64>("fault_drop"))]
    pub fault_drop: Option<f64>,
    /// Share (0-1) of bulk job items that fail.
    #[arg(long, value_name = "RATE", value_parser = knob::<f64>("fault_item"))]
    pub fault_item: Option<f64>,
    /// Share (0-1) of bulk jobs that end `failed` half-way.
    #[arg(long, value_name = "RATE", value_parser = knob::<f64>("fault_job_failed"))]
    pub fault_job_failed: Option<f64>,
    /// Share (0-1) of bulk jobs that end `killed` half-way.
    #[arg(long, value_name = "RATE", value_parser = knob::<f64>("fault_job_killed"))]
    pub fault_job_killed: Option<f64>,
    /// Seed of the fault generator; the same seed gives the same faults [default: 0].
    #[arg(long, value_name = "N")]
    pub fault_seed: Option<u64>,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// The plan of the emulated account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FakePlan {
    /// Suite Team: 200 requests a minute, no custom roles.
    Team,
    /// Suite Growth: 400 requests a minute, no custom roles.
    Growth,
    /// Suite Professional: 400 requests a minute, custom-role writes answer 403.
    Professional,
    /// Suite Enterprise: 700 requests a minute, custom roles; every agent holds one.
    Enterprise,
}

/// The parser of `--now`: an RFC 3339 time, or a date meaning its start (00:00 UTC).
fn moment(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
        .ok_or_else(|| {
            "it must be an RFC 3339 time (`2026-12-01T09:00:00Z`) or a date (`2026-12-01`)"
                .to_owned()
        })
}

/// The parser of `zroster fake --subdomain`: the rule that checks a state file's
/// `account.subdomain` too.
fn subdomain(text: &str) -> Result<String, String> {
    if crate::fake::is_subdomain(text) {
        Ok(text.to_owned())
    } else {
        Err(
            "it must be a subdomain: lower-case letters, digits and inner hyphens, such as `acme`"
                .to_owned(),
        )
    }
}

/// The parser of the flag of a numeric emulator knob, by the knob's key (`fault_5xx`): a
/// number of the flag's type, in the range that [`fake::check_knob`](crate::fake::check_knob)
/// gives, the rule that checks a state file's `account` too.
fn knob<T>(key: &'static str) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr,
{
    move |text: &str| {
        let not_a_number = || format!("`{text}` is not a number this flag takes");
        let value = text.parse::<T>().map_err(|_| not_a_number())?;
        let number: f64 = text.parse().map_err(|_| not_a_number())?;
        crate::fake::check_knob(key, number).map_err(|rule| format!("it must be {rule}"))?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::ZrosterCli;

    #[test]
    fn cli_definitions_are_consistent() {
        ZrosterCli::command().debug_assert();
        super::ZplanCli::command().debug_assert();
        super::ZapplyCli::command().debug_assert();
    }
}

/// Parses the command line like clap's `parse`, except for the exit code of a usage error:
/// 1, as for any other error, never 2, which `zplan --detailed-exitcode` gives to a plan with
/// changes. `--help` and `--version` print and exit 0.
///
/// # Errors
/// The exit code to end with, once clap has printed what it had to say.
pub fn parse<T: clap::Parser>() -> Result<T, std::process::ExitCode> {
    T::try_parse().map_err(|error| {
        let _ = error.print();
        std::process::ExitCode::from(u8::from(error.use_stderr()))
    })
}

/// zplan's exit codes, at the end of its `--help`.
const ZPLAN_EXIT_CODES: &str = "Exit codes:
  0  a plan; with --detailed-exitcode: a plan with nothing to apply
  1  an error: a usage error, an invalid roster, a failed request, a reference that resolves
     nowhere, a conflict or an account rule a roster user breaks
  2  with --detailed-exitcode: a plan with changes to apply
  3  refused: a safety threshold (max_*), min_admins, the policy (policy.*), or an account
     the roster is not bound to (settings.account)";

/// zapply's exit codes, at the end of its `--help`.
const ZAPPLY_EXIT_CODES: &str = "Exit codes:
  0  applied, or nothing to apply
  1  an error: a usage error, an invalid roster, a failed request, an item that failed or
     was left unresolved, a field or membership that did not converge, a change not made
     for a conflict or an account rule a roster user breaks
  3  refused: a stale, edited, expired (valid_until), future-dated or other roster's saved
     plan, a safety threshold (max_*), min_admins, the policy (policy.*), or an account the
     roster is not bound to or the saved plan was not made for
  130  interrupted (SIGINT, SIGTERM): what was sent was finished and the report written";

/// Show what applying the roster would change in Zendesk; never writes to Zendesk.
#[derive(Debug, Parser)]
#[command(name = "zplan", version, long_about = None, max_term_width = 100, after_help = ZPLAN_EXIT_CODES)]
pub struct ZplanCli {
    /// The plan's arguments.
    #[command(flatten)]
    pub args: PlanArgs,
}

/// Arguments of `zplan` / `zroster plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Roster files or directories (every `*.yaml` / `*.yml` below a directory).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
    /// Also save the plan as JSON, for `zapply PLAN_FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 2 when the plan has changes to apply, 0 when it has none (errors and conflicts
    /// exit 1 with or without it).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Show email addresses as `***@domain` (markdown output, for public pull requests).
    #[arg(long)]
    pub mask_emails: bool,
    /// Plan against a local emulator seeded from this state file instead of a real account.
    #[arg(long, value_name = "STATE_FILE")]
    pub sandbox: Option<PathBuf>,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Judge time-boxed entries (`expires`, `temporary`) as of this moment instead of the
    /// clock's: an RFC 3339 time, or a date (its start, 00:00 UTC). For reproducible plans
    /// and rehearsals.
    #[arg(long, value_name = "TIME", value_parser = moment)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Say who made the drift the plan reverts (and the unlisted users), when and from
    /// where, from the account's audit log (Zendesk Enterprise); `settings.explain_drift:
    /// true` in the roster makes it the default.
    #[arg(long)]
    pub explain_drift: bool,
    /// The most audit-log requests (100 entries each, newest first) `--explain-drift` makes.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub explain_drift_budget: u32,
    /// How many days back `--explain-drift` reads the audit log.
    #[arg(long, value_name = "DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub explain_drift_days: u32,
    /// Where and how to reach Zendesk.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `zroster export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which users to write.
    #[arg(long, value_enum, default_value_t = ExportScopeArg::Agents)]
    pub scope: ExportScopeArg,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where the roster file's `$schema` comment points: a URL, or a path, written relative
    /// to the exported file so that editors find it from there. By default
    /// `schema/roster.schema.json` when that file is here, else the schema published for
    /// this release.
    #[arg(long, value_name = "PATH_OR_URL")]
    pub schema: Option<String>,
    /// Export from a local emulator seeded from this state file instead of a real account.
    #[arg(long, value_name = "STATE_FILE")]
    pub sandbox: Option<PathBuf>,
    /// Where and how to reach Zendesk.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Which users `zroster export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportScopeArg {
    /// Agents and admins.
    Agents,
    /// Every user, end-users included.
    All,
}

/// Connection flags; each overrides its environment variable.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Base URL of the account, e.g. `https://acme.zendesk.com` [env: `ZENDESK_URL`].
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Subdomain of the account: `acme` for `https://acme.zendesk.com` [env: `ZENDESK_SUBDOMAIN`].
    #[arg(long, value_name = "NAME")]
    pub subdomain: Option<String>,
    /// Email of the API token's user [env: `ZENDESK_EMAIL`].
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// API token [env: `ZENDESK_API_TOKEN`]. Prefer the variable: a flag shows in process lists.
    #[arg(long, value_name = "TOKEN")]
    pub api_token: Option<String>,
    /// OAuth access token, used instead of an API token [env: `ZENDESK_OAUTH_TOKEN`]. Prefer
    /// the variable: a flag shows in process lists.
    #[arg(long, value_name = "TOKEN")]
    pub oauth_token: Option<String>,
    /// Share of the account's per-minute rate limit this run may use, from 0.05 to 1.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub rate_limit_share: f64,
    /// Log each request on standard error: its endpoint, status, time and the rate-limit
    /// headers (`-v`); also its query, waits for the rate limit and job progress (`-vv`).
    /// Never a credential.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Longest time, in seconds, one request may take with all its retries and waits
    /// (`Retry-After`, the rate limit, backoff); a wait that would pass it is an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub deadline: u64,
}

/// Output format of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// For people: `+`/`~`/`-`, field-level `old → new`, a summary line.
    Human,
    /// For pull-request comments: a summary table and `<details>` per section.
    Markdown,
    /// The plan as JSON (`schema/plan.schema.json`).
    Json,
}

/// Output format of `zapply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// Lines for people: each change that did not apply, then a summary line.
    Human,
    /// Markdown for a pipeline's job summary (`$GITHUB_STEP_SUMMARY`): counts, then tables
    /// of what did not apply or converge.
    Markdown,
}

/// `zapply`: make Zendesk match the roster.
#[derive(Debug, Parser)]
#[command(name = "zapply", version, long_about = None, max_term_width = 100, after_help = ZAPPLY_EXIT_CODES)]
pub struct ZapplyCli {
    /// The apply's arguments.
    #[command(flatten)]
    pub args: ApplyArgs,
}

/// Arguments of `zapply` / `zroster apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A saved plan (one `*.json` file from `zplan --out`), applied exactly after checking
    /// that nothing it touches changed; or roster files or directories, planned and applied.
    #[arg(required = true, value_name = "PLAN_FILE | PATH")]
    pub paths: Vec<PathBuf>,
    /// Apply a roster's plan without asking (required when standard input is not a terminal,
    /// with `--no-input`, or when `CI` is set).
    #[arg(long)]
    pub auto_approve: bool,
    /// Never ask a question, even on a terminal: without `--auto-approve`, a roster's plan
    /// is shown and not applied (exit 1). Implied when the `CI` variable is set, as CI
    /// services set it, so a job that allocates a terminal cannot hang at a prompt.
    #[arg(long)]
    pub no_input: bool,
    /// Apply even when the plan exceeds a safety limit (`max_deletes`, `max_suspends`,
    /// `max_role_changes`); `min_admins` still holds.
    #[arg(long)]
    pub allow_mass_changes: bool,
    /// Write the outcome of every change as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write one JSON line per event (jobs submitted and finished, each item's result) to
    /// this file, which must not exist yet [default:
    /// `.zroster/journal/<UTC time>-<random>.jsonl`].
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Continue a run that was interrupted, from its journal: wait for the jobs it left
    /// open and read their results first; with the same saved plan, apply only what that
    /// run did not (what the journal says it applied is confirmed by reading the account
    /// first); with a roster, plan afresh once those jobs are done.
    #[arg(long, value_name = "JOURNAL")]
    pub resume: Option<PathBuf>,
    /// With a saved plan: the roster files or directories it was made from. Its digest must
    /// be the plan's, and its safety settings (`protect`, `min_admins`, `max_*`) are the ones
    /// enforced, whatever the plan file says (repeat for several paths).
    #[arg(long, value_name = "PATH")]
    pub roster: Vec<PathBuf>,
    /// Plan and apply a roster against a local emulator seeded from this state file instead
    /// of a real account (a saved plan names its account, so it is refused there).
    #[arg(long, value_name = "STATE_FILE")]
    pub sandbox: Option<PathBuf>,
    /// How to print the plan (of a roster) and the outcome: for people, or markdown for a
    /// pipeline's job summary.
    #[arg(long, value_enum, default_value_t = ApplyFormat::Human)]
    pub format: ApplyFormat,
    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Judge time-boxed entries (`expires`, `temporary`) and a saved plan's `valid_until` as
    /// of this moment instead of the clock's: an RFC 3339 time, or a date (its start, 00:00
    /// UTC). For rehearsals and tests: against the emulator only (`--sandbox`, or a
    /// `ZENDESK_URL` on loopback).
    #[arg(long, value_name = "TIME", value_parser = moment)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Where and how to reach Zendesk.
    #[command(flatten)]
    pub connection: ConnectionArgs,
}
