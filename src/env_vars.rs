//! Every environment variable zroster reads, in one place.
//!
//! Library code reads the environment only through these names, so that the README's list
//! and the code cannot drift apart.

/// Base URL of the Zendesk account (`https://acme.zendesk.com`); overrides
/// [`ZENDESK_SUBDOMAIN`]. Points zroster at the emulator or a proxy.
pub const ZENDESK_URL: &str = "ZENDESK_URL";
/// Subdomain of the Zendesk account: `acme` for `https://acme.zendesk.com`.
pub const ZENDESK_SUBDOMAIN: &str = "ZENDESK_SUBDOMAIN";
/// Email address of the user an API token belongs to.
pub const ZENDESK_EMAIL: &str = "ZENDESK_EMAIL";
/// API token (Basic authentication as `{email}/token:{token}`).
pub const ZENDESK_API_TOKEN: &str = "ZENDESK_API_TOKEN";
/// OAuth access token (Bearer authentication); used instead of an API token when set.
pub const ZENDESK_OAUTH_TOKEN: &str = "ZENDESK_OAUTH_TOKEN";
/// Disables colours in human output when set to any non-empty value (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// The terminal's type: `dumb` gets no colour, progress bar or spinner.
pub const TERM: &str = "TERM";
/// Set to a value other than `0`: colours even where standard output is not a terminal
/// (`--color auto` only; `NO_COLOR` still wins). See <https://bixense.com/clicolors/>.
pub const CLICOLOR_FORCE: &str = "CLICOLOR_FORCE";
/// Set by CI services (GitHub Actions, GitLab CI, most others): `zapply` never asks for
/// confirmation, as with `--no-input`. Unset, empty, `false` or `0` means not in CI.
pub const CI: &str = "CI";
/// Set to `true` by GitHub Actions: plan problems and roster errors are also written as
/// workflow commands, which annotate the roster lines of the pull request.
pub const GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";
/// Test only: when set to `1`, retry and pacing delays are skipped so tests stay fast.
pub const ZROSTER_TEST_NO_DELAY: &str = "ZROSTER_TEST_NO_DELAY";
/// Test only: the base URL of a `zroster fake` whose clock `zroster probe` moves forward
/// (`PUT /__fake/clock`) instead of sleeping in its bounded waits, so that tests of a
/// lagging search index take no time.
pub const ZROSTER_TEST_PROBE_FAKE_CLOCK: &str = "ZROSTER_TEST_PROBE_FAKE_CLOCK";
/// Test only: directory of recorded Zendesk exchanges that fidelity tests compare against
/// (CI sets it to `../shared/zendesk/recorded`); tests that need it are skipped without it.
pub const ZROSTER_RECORDED_DIR: &str = "ZROSTER_RECORDED_DIR";
