//! The experiments: each reads the account's settings or writes only the probe's own users,
//! organizations and groups, and settles one assumption of zroster and its emulator
//! (API.md §12), into a [`Finding`] and, where the emulator has a knob for it, into
//! [`ProbedAccount`]. Waits are bounded ([`SEARCH_POLLS_S`], the job polls).

use reqwest::Method;
use serde_json::{Value, json};

use super::exchange::{Exchanger, Reply};
use super::journal::{Entry, Journal, Kind};
use super::report::{Finding, ProbedAccount, Verdict};
use super::{Experiment, ProbeError};
use crate::fake::{
    CustomRoleNull, DEFAULT_SEARCH_LAG_S, LastGroupMembership, MatchKey, OrganizationIdChange,
    Plan, TagsWithoutTagging, UndefinedUserField, UsersSearchCap, VerifiedWrite,
};

/// Polls of a bulk job's status at most.
const JOB_POLLS: u32 = 10;

/// When `users/search` is asked for a new user, in seconds after its creation: the bounded
/// wait of the search-lag experiment (11 requests at most, a minute at most).
pub(crate) const SEARCH_POLLS_S: [f64; 11] =
    [0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 45.0, 60.0];

/// A run of the experiments: what it learned so far.
pub(crate) struct Run<'a> {
    pub(crate) x: &'a Exchanger,
    pub(crate) journal: &'a mut Journal,
    pub(crate) prefix: String,
    pub(crate) domain: String,
    pub(crate) findings: Vec<Finding>,
    pub(crate) settled: ProbedAccount,
    default_group: Option<u64>,
    roles: Vec<(u64, String)>,
    user_fields: Vec<String>,
    next: u32,
    /// The promoted agent, once made.
    agent: Option<u64>,
    /// The user the search-lag experiment made (an end user the later experiments reuse).
    searched: Option<u64>,
    /// That user's address.
    searched_email: Option<String>,
    /// Whether that user was verified when the search found it.
    searched_verified: Option<bool>,
    /// Test only: a `zroster fake` whose clock the bounded waits move instead of sleeping.
    pub(crate) fake_clock: Option<String>,
}

fn finding(
    experiment: Experiment,
    verdict: Verdict,
    observed: String,
    meaning: impl Into<String>,
) -> Finding {
    Finding {
        experiment: experiment.name().to_owned(),
        assumption: experiment.assumption().to_owned(),
        verdict,
        observed,
        meaning: meaning.into(),
    }
}

fn short(reply: &Reply) -> String {
    let message = reply
        .body
        .get("description")
        .or_else(|| reply.body.get("error"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{} {message}", reply.status).trim().to_owned()
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        x: &'a Exchanger,
        journal: &'a mut Journal,
        prefix: &str,
        domain: &str,
    ) -> Self {
        Self {
            x,
            journal,
            prefix: prefix.to_owned(),
            domain: domain.to_owned(),
            findings: Vec::new(),
            settled: ProbedAccount::default(),
            default_group: None,
            roles: Vec::new(),
            user_fields: Vec::new(),
            next: 0,
            agent: None,
            searched: None,
            searched_email: None,
            searched_verified: None,
            fake_clock: None,
        }
    }

    async fn get(&self, path: &str) -> Result<Reply, ProbeError> {
        self.x.send(Method::GET, path, &[], None).await
    }

    /// A new user of the probe's own: name, address and external id under the prefix,
    /// journaled before it is asked for.
    async fn create_user(&mut self, role: &str) -> Result<Option<u64>, ProbeError> {
        self.create_user_with(role, json!({})).await
    }

    /// [`Run::create_user`] with more fields (`extra`, an object) in the body.
    async fn create_user_with(
        &mut self,
        role: &str,
        extra: Value,
    ) -> Result<Option<u64>, ProbeError> {
        self.next += 1;
        let tag = format!("{}-{}", self.prefix, self.next);
        self.journal.write(&Entry::Creating {
            external_id: tag.clone(),
        })?;
        let mut body = json!({"user": {"name": tag, "email": format!("{tag}@{}", self.domain),
            "external_id": tag, "role": role, "skip_verify_email": true}});
        if let (Some(user), Some(extra)) = (body["user"].as_object_mut(), extra.as_object()) {
            user.extend(extra.clone());
        }
        let reply = self.x.send(Method::POST, "users", &[], Some(body)).await?;
        let id = reply.body.pointer("/user/id").and_then(Value::as_u64);
        if let Some(id) = id {
            self.journal.write(&Entry::Created {
                id,
                kind: Kind::User,
            })?;
        }
        Ok(id)
    }

    fn external_id(&self, n: u32) -> String {
        format!("{}-{n}", self.prefix)
    }

    /// The account's settings: plan and custom roles, rate limit, user tagging, several
    /// organizations, the default group, the user fields.
    pub(crate) async fn settings(&mut self) -> Result<(), ProbeError> {
        let me = self.get("users/me").await?;
        if me.body.pointer("/user/role").and_then(Value::as_str) != Some("admin") {
            return Err(ProbeError::NotAdmin);
        }
        let roles = self.get("custom_roles").await?;
        let enterprise = roles.ok();
        if enterprise {
            for role in roles.body["custom_roles"].as_array().into_iter().flatten() {
                if let (Some(id), Some(name)) = (role["id"].as_u64(), role["name"].as_str()) {
                    self.roles.push((id, name.to_owned()));
                }
            }
        }
        let limit = me.rate.limit.or(roles.rate.limit);
        let plan = if enterprise {
            Plan::Enterprise
        } else if limit.is_some_and(|l| l <= Plan::Team.rate_limit()) {
            Plan::Team
        } else {
            Plan::Growth
        };
        self.settled.plan = Some(plan);
        self.findings.push(finding(
            Experiment::Plan,
            if enterprise { Verdict::Holds } else { Verdict::Differs },
            if enterprise {
                format!("`GET /custom_roles` listed {} roles", self.roles.len())
            } else {
                format!("`GET /custom_roles` answered {}: the plan is below Enterprise ({plan:?} by its rate limit; Growth and Professional cannot be told apart)", short(&roles))
            },
            if enterprise {
                "custom roles can be managed, and every agent holds one"
            } else {
                "a roster's `custom_roles` and `custom_role` cannot be applied on this account"
            },
        ));
        self.settled.rate_limit = limit;
        self.findings.push(match limit {
            Some(l) => finding(
                Experiment::RateLimit,
                if l == plan.rate_limit() {
                    Verdict::Holds
                } else {
                    Verdict::Differs
                },
                format!(
                    "{l} requests a minute (headers `{}`)",
                    me.rate_headers.unwrap_or("?")
                ),
                format!(
                    "zplan and zapply pace themselves to their `--rate-limit-share` of {l} a minute"
                ),
            ),
            None => finding(
                Experiment::RateLimit,
                Verdict::CouldNotTell,
                "no rate-limit header in the answers".into(),
                "zapply paces by the plan's documented limit and by 429s",
            ),
        });
        let account = self.get("account/settings").await?;
        let user = account
            .body
            .pointer("/settings/user")
            .cloned()
            .unwrap_or_default();
        for (experiment, key) in [
            (Experiment::UserTagging, "tagging"),
            (Experiment::MultipleOrganizations, "multiple_organizations"),
        ] {
            let on = user.get(key).and_then(Value::as_bool);
            if experiment == Experiment::UserTagging {
                self.settled.user_tagging = on;
            } else {
                self.settled.multiple_organizations = on;
            }
            self.findings.push(match on {
                Some(on) => finding(
                    experiment,
                    if on { Verdict::Differs } else { Verdict::Holds },
                    format!("`settings.user.{key}` is {}", if on { "on" } else { "off" }),
                    match (experiment, on) {
                        (Experiment::UserTagging, true) => {
                            "a roster's `tags` are applied and `manage.tags` selects users"
                        }
                        (Experiment::UserTagging, false) => {
                            "Zendesk ignores written `tags`: a roster's `tags` never converge"
                        }
                        (_, true) => "a user can hold several organizations (`organizations:`)",
                        (_, false) => {
                            "a user holds one organization; setting another moves the user"
                        }
                    },
                ),
                None => finding(
                    experiment,
                    Verdict::CouldNotTell,
                    format!("`GET /account/settings` answered {}", short(&account)),
                    "zroster keeps its assumption",
                ),
            });
        }
        let groups = self.get("groups").await?;
        let default = groups.body["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|g| g["default"].as_bool() == Some(true));
        self.default_group = default.and_then(|g| g["id"].as_u64());
        self.settled.default_group = default.and_then(|g| g["name"].as_str()).map(str::to_owned);
        self.findings.push(finding(
            Experiment::DefaultGroup,
            if default.is_some() { Verdict::Holds } else { Verdict::Differs },
            match &self.settled.default_group {
                Some(name) => format!("the default group is `{name}`"),
                None => format!("no group is the default (`GET /groups` answered {})", groups.status),
            },
            "new agents join the default group: a roster's `groups` of an agent should name it or expect its removal",
        ));
        let fields = self.get("user_fields").await?;
        self.user_fields = fields.body["user_fields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["key"].as_str().map(str::to_owned))
            .collect();
        Ok(())
    }

    /// Bulk imports: one `create_or_update_many` of one new user, its job polled to the end.
    pub(crate) async fn bulk_imports(&mut self) -> Result<(), ProbeError> {
        self.next += 1;
        let tag = self.external_id(self.next);
        self.journal.write(&Entry::Creating {
            external_id: tag.clone(),
        })?;
        let body = json!({"users": [{"name": tag, "email": format!("{tag}@{}", self.domain), "external_id": tag, "skip_verify_email": true}]});
        let reply = self
            .x
            .send(Method::POST, "users/create_or_update_many", &[], Some(body))
            .await?;
        let (verdict, observed, on) = if reply.status == 403 {
            (
                Verdict::Holds,
                format!("`create_or_update_many` answered {}", short(&reply)),
                Some(false),
            )
        } else if let Some(job) = reply.body.pointer("/job_status/id").and_then(Value::as_str) {
            let mut last = reply.clone();
            for _ in 0..JOB_POLLS {
                last = self.get(&format!("job_statuses/{job}")).await?;
                let status = last
                    .body
                    .pointer("/job_status/status")
                    .and_then(Value::as_str);
                if matches!(status, Some("completed" | "failed" | "killed")) || !last.ok() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            let results = last
                .body
                .pointer("/job_status/results")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for id in results.iter().filter_map(|r| r["id"].as_u64()) {
                self.journal.write(&Entry::Created {
                    id,
                    kind: Kind::User,
                })?;
            }
            let keys: Vec<String> = results
                .first()
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            (
                Verdict::Differs,
                format!(
                    "`create_or_update_many` was accepted (a job; its result item has the keys {})",
                    keys.join(", ")
                ),
                Some(true),
            )
        } else {
            (
                Verdict::CouldNotTell,
                format!("`create_or_update_many` answered {}", short(&reply)),
                None,
            )
        };
        self.settled.bulk_imports = on;
        self.findings.push(finding(Experiment::BulkImports, verdict, observed, match on {
            Some(true) => "zapply creates users with `create_or_update_many`, 100 a request",
            Some(false) => "zapply creates users one request each (bulk imports are off): slower, same result",
            None => "zapply tries the bulk endpoint and falls back to single requests on 403",
        }));
        Ok(())
    }

    /// A user promoted to agent: does it join the default group, which role does it get,
    /// and what does `custom_role_id: null` do to it.
    pub(crate) async fn promotion(&mut self) -> Result<(), ProbeError> {
        let Some(id) = self.create_user("end-user").await? else {
            return Ok(());
        };
        let promoted = self
            .x
            .send(
                Method::PUT,
                &format!("users/{id}"),
                &[],
                Some(json!({"user": {"role": "agent"}})),
            )
            .await?;
        if !promoted.ok() {
            let observed = format!(
                "promoting the probe's user to agent answered {}",
                short(&promoted)
            );
            for e in [
                Experiment::PromotedAgentJoinsDefaultGroup,
                Experiment::NewAgentRole,
                Experiment::CustomRoleNull,
            ] {
                self.findings.push(finding(
                    e,
                    Verdict::CouldNotTell,
                    observed.clone(),
                    "zroster keeps its assumption",
                ));
            }
            return Ok(());
        }
        self.agent = Some(id);
        let memberships = self.get(&format!("users/{id}/group_memberships")).await?;
        let groups: Vec<u64> = memberships.body["group_memberships"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["group_id"].as_u64())
            .collect();
        self.findings.push(match self.default_group {
            Some(default) => {
                let joined = groups.contains(&default);
                self.settled.promoted_agent_joins_default_group = Some(joined);
                finding(
                    Experiment::PromotedAgentJoinsDefaultGroup,
                    if joined { Verdict::Holds } else { Verdict::Differs },
                    if joined { "the promoted agent joined the default group".into() } else { format!("the promoted agent is in {} groups, not the default one", groups.len()) },
                    if joined { "an end user a roster makes an agent gains the default group: list it in `groups` or zplan plans its removal" } else { "an end user a roster makes an agent has no group unless `groups` names one" },
                )
            }
            None => finding(Experiment::PromotedAgentJoinsDefaultGroup, Verdict::CouldNotTell, "the account has no default group".into(), "zroster keeps its assumption"),
        });
        let role_id = promoted
            .body
            .pointer("/user/custom_role_id")
            .and_then(Value::as_u64);
        if self.roles.is_empty() {
            return Ok(());
        }
        let role = role_id
            .and_then(|r| self.roles.iter().find(|(i, _)| *i == r))
            .map(|(_, n)| n.clone());
        self.settled.new_agent_role.clone_from(&role);
        self.findings.push(finding(
            Experiment::NewAgentRole,
            if role.as_deref() == Some(crate::fake::DEFAULT_AGENT_ROLE_NAME) { Verdict::Holds } else { Verdict::Differs },
            match &role { Some(r) => format!("the agent got the role `{r}`"), None => format!("the agent holds role id {role_id:?}, not a listed role") },
            "an agent a roster makes without `custom_role` gets this role; zplan shows it as the live role afterwards",
        ));
        let cleared = self
            .x
            .send(
                Method::PUT,
                &format!("users/{id}"),
                &[],
                Some(json!({"user": {"custom_role_id": null}})),
            )
            .await?;
        let (choice, observed) = if cleared.status == 422 {
            (
                Some(CustomRoleNull::Refuse),
                format!("refused: {}", short(&cleared)),
            )
        } else if cleared.ok() {
            match cleared.body.pointer("/user/custom_role_id") {
                Some(Value::Null) => (
                    Some(CustomRoleNull::Clear),
                    "accepted; the agent holds no role".to_owned(),
                ),
                Some(_) => (
                    Some(CustomRoleNull::Ignore),
                    "accepted; the agent kept its role".to_owned(),
                ),
                None => (
                    None,
                    "accepted; the answer shows no `custom_role_id`".to_owned(),
                ),
            }
        } else {
            (None, format!("answered {}", short(&cleared)))
        };
        self.settled.custom_role_null = choice;
        self.findings.push(finding(
            Experiment::CustomRoleNull,
            match choice {
                Some(CustomRoleNull::Refuse) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            observed,
            match choice {
                Some(CustomRoleNull::Refuse) => {
                    "`custom_role: null` in a roster fails that user's update with Zendesk's reason"
                }
                Some(CustomRoleNull::Ignore) => {
                    "`custom_role: null` in a roster never converges: Zendesk keeps the role"
                }
                Some(CustomRoleNull::Clear) => {
                    "`custom_role: null` in a roster leaves the agent without a role"
                }
                None => "zroster keeps its assumption",
            },
        ));
        Ok(())
    }

    /// A `user_fields` key no field defines, written to the probe's user.
    pub(crate) async fn undefined_user_field(&mut self) -> Result<(), ProbeError> {
        let id = match self.agent {
            Some(id) => Some(id),
            None => self.create_user("end-user").await?,
        };
        let Some(id) = id else { return Ok(()) };
        let mut key = self.prefix.replace('-', "_");
        while self.user_fields.contains(&key) {
            key.push('x');
        }
        let reply = self
            .x
            .send(
                Method::PUT,
                &format!("users/{id}"),
                &[],
                Some(json!({"user": {"user_fields": {key.clone(): "x"}}})),
            )
            .await?;
        let stored = reply
            .body
            .pointer("/user/user_fields")
            .and_then(|f| f.get(&key))
            .is_some();
        let (choice, observed) = if reply.status == 422 {
            (
                Some(UndefinedUserField::Refuse),
                format!("refused: {}", short(&reply)),
            )
        } else if reply.ok() && !stored {
            (
                Some(UndefinedUserField::Ignore),
                "accepted and not stored".to_owned(),
            )
        } else {
            (
                None,
                format!(
                    "answered {}{}",
                    short(&reply),
                    if stored { ", and stored the key" } else { "" }
                ),
            )
        };
        self.settled.undefined_user_field = choice;
        self.findings.push(finding(
            Experiment::UndefinedUserField,
            match choice { Some(UndefinedUserField::Ignore) => Verdict::Holds, Some(_) => Verdict::Differs, None => Verdict::CouldNotTell },
            observed,
            match choice {
                Some(UndefinedUserField::Refuse) => "a roster's `user_fields` key the account does not define fails that user's update",
                _ => "a roster's `user_fields` key the account does not define is dropped silently and never converges",
            },
        ));
        Ok(())
    }

    /// `create_or_update` with one user's external id and another user's address.
    pub(crate) async fn create_or_update_prefers(&mut self) -> Result<(), ProbeError> {
        let Some(first) = self.create_user("end-user").await? else {
            return Ok(());
        };
        let first_ext = self.external_id(self.next);
        let Some(second) = self.create_user("end-user").await? else {
            return Ok(());
        };
        let second_email = format!("{}@{}", self.external_id(self.next), self.domain);
        let body = json!({"user": {"name": format!("{}-match", self.prefix), "external_id": first_ext, "email": second_email, "skip_verify_email": true}});
        let reply = self
            .x
            .send(Method::POST, "users/create_or_update", &[], Some(body))
            .await?;
        let answered = reply.body.pointer("/user/id").and_then(Value::as_u64);
        if let Some(id) = answered.filter(|id| *id != first && *id != second) {
            self.journal.write(&Entry::Created {
                id,
                kind: Kind::User,
            })?;
        }
        let details = reply.body.get("details");
        let (choice, observed) = match answered {
            Some(id) if id == first => (
                Some(MatchKey::ExternalId),
                "updated the user of the external id".to_owned(),
            ),
            Some(id) if id == second => (
                Some(MatchKey::Email),
                "updated the user of the address".to_owned(),
            ),
            Some(_) => (None, "created a third user".to_owned()),
            None if details.and_then(|d| d.get("email")).is_some() => (
                Some(MatchKey::ExternalId),
                "refused the address as another user's: it matched the user of the external id"
                    .to_owned(),
            ),
            None if details.and_then(|d| d.get("external_id")).is_some() => (
                Some(MatchKey::Email),
                "refused the external id as another user's: it matched the user of the address"
                    .to_owned(),
            ),
            None => (None, format!("answered {}", short(&reply))),
        };
        self.settled.create_or_update_prefers = choice;
        self.findings.push(finding(
            Experiment::CreateOrUpdatePrefers,
            match choice { Some(MatchKey::ExternalId) => Verdict::Holds, Some(_) => Verdict::Differs, None => Verdict::CouldNotTell },
            observed,
            match choice {
                Some(MatchKey::Email) => "a roster user whose external id and email point at two live users is matched by email by zapply's creates: zplan shows it as a conflict, keep it so",
                _ => "zapply's creates match as zplan does: by external id first",
            },
        ));
        Ok(())
    }

    /// Waits `seconds`: sleeps, or (test only) moves the emulator's clock forward.
    async fn wait(&self, seconds: f64, advanced: &mut f64) -> Result<(), ProbeError> {
        if seconds <= 0.0 {
            return Ok(());
        }
        match &self.fake_clock {
            Some(base) => {
                let url = format!("{}/__fake/clock", base.trim_end_matches('/'));
                let moved = reqwest::Client::new()
                    .put(url)
                    .json(&json!({"advance_s": seconds}))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status);
                if moved.is_ok() {
                    *advanced += seconds;
                } else {
                    tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await;
                }
            }
            None => tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await,
        }
        Ok(())
    }

    /// Search lag: a new end user, then `users/search?query=email:…` at the times of
    /// [`SEARCH_POLLS_S`] until it answers with the user or the last poll passes.
    pub(crate) async fn search_lag(&mut self) -> Result<(), ProbeError> {
        let Some(id) = self.create_user("end-user").await? else {
            self.findings.push(finding(
                Experiment::SearchLag,
                Verdict::CouldNotTell,
                "the probe could not create its user".into(),
                "zroster keeps its assumption",
            ));
            return Ok(());
        };
        self.searched = Some(id);
        let email = format!("{}@{}", self.external_id(self.next), self.domain);
        let query = format!("email:{email}");
        self.searched_email = Some(email);
        let start = std::time::Instant::now();
        let mut advanced = 0.0;
        let mut polls = 0;
        let mut found_at = None;
        let mut failed = None;
        let mut before = 0.0;
        for target in SEARCH_POLLS_S {
            let elapsed = start.elapsed().as_secs_f64() + advanced;
            if polls > 0 && elapsed > target {
                // Passed while a slow answer came: the next target is the next poll.
                continue;
            }
            self.wait(target - elapsed, &mut advanced).await?;
            polls += 1;
            let reply = self
                .x
                .send(
                    Method::GET,
                    "users/search",
                    &[("query", query.as_str())],
                    None,
                )
                .await?;
            if !reply.ok() {
                failed = Some(short(&reply));
                break;
            }
            let hit = reply.body["users"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|u| u["id"].as_u64() == Some(id));
            if let Some(hit) = hit {
                self.searched_verified = hit["verified"].as_bool();
                found_at = Some(target);
                break;
            }
            before = target;
        }
        let bound = SEARCH_POLLS_S[SEARCH_POLLS_S.len() - 1];
        let (verdict, observed, lag) = match (found_at, failed) {
            (_, Some(answer)) => (
                Verdict::CouldNotTell,
                format!("`users/search` answered {answer}"),
                None,
            ),
            (Some(at), None) if at == 0.0 => (
                Verdict::Holds,
                format!("`users/search` found the new user at once ({polls} search)"),
                Some(at),
            ),
            (Some(at), None) => (
                if at <= DEFAULT_SEARCH_LAG_S {
                    Verdict::Holds
                } else {
                    Verdict::Differs
                },
                format!(
                    "`users/search` found the new user after {at} s, not after {before} s ({polls} searches)"
                ),
                Some(at),
            ),
            (None, None) => (
                Verdict::Differs,
                format!(
                    "`users/search` had not found the new user after {bound} s ({polls} searches)"
                ),
                Some(bound),
            ),
        };
        self.settled.search_lag_s = lag;
        self.findings.push(finding(
            Experiment::SearchLag,
            verdict,
            observed,
            match lag {
                Some(l) if l <= DEFAULT_SEARCH_LAG_S => format!(
                    "zplan's email searches see users made seconds before; it reads users changed in the last {} minutes from the export all the same",
                    crate::zendesk::limits::SEARCH_LAG_WINDOW_S / 60
                ),
                Some(_) => format!(
                    "a plan made right after zapply may not find the users it created by searching, and reads them from the export of the last {} minutes instead; `zroster fake --account-report` rehearses with this lag",
                    crate::zendesk::limits::SEARCH_LAG_WINDOW_S / 60
                ),
                None => "zroster keeps its assumption".to_owned(),
            },
        ));
        Ok(())
    }

    /// An organization or a group of the probe's own, journaled before it is asked for.
    async fn create_named(
        &mut self,
        kind: Kind,
        suffix: &str,
        mut body: Value,
    ) -> Result<Option<u64>, ProbeError> {
        let (collection, root) = match kind {
            Kind::Organization => ("organizations", "organization"),
            Kind::Group => ("groups", "group"),
            Kind::User => ("users", "user"),
        };
        let name = format!("{}-{suffix}", self.prefix);
        self.journal.write(&Entry::CreatingNamed {
            kind,
            name: name.clone(),
        })?;
        body["name"] = json!(name);
        let reply = self
            .x
            .send(Method::POST, collection, &[], Some(json!({ root: body })))
            .await?;
        let id = reply
            .body
            .pointer(&format!("/{root}/id"))
            .and_then(Value::as_u64);
        if let Some(id) = id {
            self.journal.write(&Entry::Created { id, kind })?;
        }
        Ok(id)
    }

    /// `organization_id` set to another organization on an account with one organization a
    /// user: two organizations of the probe's own, the search-lag user set to each in turn.
    pub(crate) async fn organization_id_change(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::OrganizationIdChange;
        if self.settled.multiple_organizations != Some(false) {
            self.findings.push(finding(
                experiment,
                Verdict::CouldNotTell,
                "not tried: the account allows several organizations a user (or did not say)".into(),
                "zroster keeps its assumption; with several organizations `organization_id` names the default one",
            ));
            return Ok(());
        }
        let Some(user) = self.searched else {
            return Ok(());
        };
        let mut orgs = Vec::new();
        for suffix in ["org-a", "org-b"] {
            if let Some(id) = self
                .create_named(Kind::Organization, suffix, json!({}))
                .await?
            {
                orgs.push(id);
            }
        }
        let [first, second] = orgs[..] else {
            self.findings.push(finding(
                experiment,
                Verdict::CouldNotTell,
                "the probe could not create its two organizations".into(),
                "zroster keeps its assumption",
            ));
            return Ok(());
        };
        let mut last = None;
        for org in [first, second] {
            last = Some(
                self.x
                    .send(
                        Method::PUT,
                        &format!("users/{user}"),
                        &[],
                        Some(json!({"user": {"organization_id": org}})),
                    )
                    .await?,
            );
        }
        let moved = last.expect("two writes");
        let memberships = self
            .get(&format!("users/{user}/organization_memberships"))
            .await?;
        let held: Vec<u64> = memberships.body["organization_memberships"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["organization_id"].as_u64())
            .collect();
        let (choice, observed) = if moved.status == 422 && held == [first] {
            (
                Some(OrganizationIdChange::Refuse),
                format!("refused: {}; the user kept its organization", short(&moved)),
            )
        } else if moved.ok() && held == [second] {
            (
                Some(OrganizationIdChange::Move),
                "accepted; the user left its organization for the new one".to_owned(),
            )
        } else {
            (
                None,
                format!(
                    "answered {}; the user holds {} of the probe's organizations",
                    short(&moved),
                    held.iter().filter(|o| orgs.contains(o)).count()
                ),
            )
        };
        self.settled.organization_id_change = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(OrganizationIdChange::Move) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            observed,
            match choice {
                Some(OrganizationIdChange::Refuse) => {
                    "a roster that moves a user to another organization fails that user's update: zapply must remove the old membership first"
                }
                Some(OrganizationIdChange::Move) => {
                    "a roster that moves a user to another organization takes one update"
                }
                None => "zroster keeps its assumption",
            },
        ));
        Ok(())
    }

    /// A write of `tags` while user tagging is off, to the search-lag user.
    pub(crate) async fn tags_without_tagging(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::TagsWithoutTagging;
        if self.settled.user_tagging != Some(false) {
            self.findings.push(finding(
                experiment,
                Verdict::CouldNotTell,
                "not tried: user tagging is on (or the account did not say); the probe does not turn it off".into(),
                "with tagging on, a roster's `tags` apply",
            ));
            return Ok(());
        }
        let Some(user) = self.searched else {
            return Ok(());
        };
        let tag = self.prefix.clone();
        let reply = self
            .x
            .send(
                Method::PUT,
                &format!("users/{user}"),
                &[],
                Some(json!({"user": {"tags": [tag]}})),
            )
            .await?;
        let shown = reply.body.pointer("/user/tags").and_then(Value::as_array);
        let (choice, observed) = if reply.status == 422 {
            (
                Some(TagsWithoutTagging::Refuse),
                format!("refused: {}", short(&reply)),
            )
        } else if reply.ok() && shown.is_none() {
            (
                Some(TagsWithoutTagging::Ignore),
                "accepted; the answer shows no `tags`".to_owned(),
            )
        } else {
            (
                None,
                format!(
                    "answered {}{}",
                    short(&reply),
                    match shown {
                        Some(tags) if tags.iter().any(|t| t.as_str() == Some(tag.as_str())) =>
                            ", and shows the tag written",
                        Some(_) => ", and shows `tags` without the tag written",
                        None => "",
                    }
                ),
            )
        };
        self.settled.tags_without_tagging = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(TagsWithoutTagging::Ignore) => Verdict::Holds,
                Some(_) | None => Verdict::Differs,
            },
            observed,
            match choice {
                Some(TagsWithoutTagging::Refuse) => {
                    "a roster's `tags` fail that user's update while user tagging is off"
                }
                Some(TagsWithoutTagging::Ignore) => {
                    "a roster's `tags` are dropped silently and never converge while user tagging is off"
                }
                None => "zplan's reading of `tags` may not match this account: report it",
            },
        ));
        Ok(())
    }

    /// An agent of the probe's own in a group of the probe's own only, then that
    /// membership removed.
    pub(crate) async fn last_group_membership(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::LastGroupMembership;
        let could_not = |observed: String| {
            finding(
                experiment,
                Verdict::CouldNotTell,
                observed,
                "zroster keeps its assumption",
            )
        };
        let Some(group) = self.create_named(Kind::Group, "group", json!({})).await? else {
            self.findings
                .push(could_not("the probe could not create its group".into()));
            return Ok(());
        };
        let Some(agent) = self
            .create_user_with("agent", json!({"default_group_id": group}))
            .await?
        else {
            self.findings
                .push(could_not("the probe could not create its agent".into()));
            return Ok(());
        };
        let memberships = self
            .get(&format!("users/{agent}/group_memberships"))
            .await?;
        let list: Vec<(u64, u64)> = memberships.body["group_memberships"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m["id"].as_u64()?, m["group_id"].as_u64()?)))
            .collect();
        let Some(&(membership, _)) = list.iter().find(|(_, g)| *g == group) else {
            self.findings.push(could_not(format!(
                "the agent made with the probe's group as its default group is in {} other groups and not in it",
                list.len()
            )));
            return Ok(());
        };
        // An account that also put the agent in its default group: the agent's other
        // memberships go first (the agent's own, not the group's), so that the probe's is
        // its last.
        for &(other, _) in list.iter().filter(|(_, g)| *g != group) {
            let left = self
                .x
                .send(
                    Method::DELETE,
                    &format!("group_memberships/{other}"),
                    &[],
                    None,
                )
                .await?;
            if !left.ok() {
                self.findings.push(could_not(format!(
                    "the agent is in {} groups, and removing it from one besides the probe's answered {}",
                    list.len(),
                    short(&left)
                )));
                return Ok(());
            }
        }
        let removed = self
            .x
            .send(
                Method::DELETE,
                &format!("group_memberships/{membership}"),
                &[],
                None,
            )
            .await?;
        let choice = if removed.status == 422 {
            Some(LastGroupMembership::Refuse)
        } else if removed.ok() {
            Some(LastGroupMembership::Allow)
        } else {
            None
        };
        self.settled.last_group_membership = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(LastGroupMembership::Refuse) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            match choice {
                Some(LastGroupMembership::Refuse) => format!("refused: {}", short(&removed)),
                Some(LastGroupMembership::Allow) => {
                    "accepted; the agent belongs to no group".to_owned()
                }
                None => format!("answered {}", short(&removed)),
            },
            match choice {
                Some(LastGroupMembership::Refuse) => {
                    "zapply adds an agent's new groups before it removes the old ones, and a roster that leaves an agent without a group fails that removal"
                }
                Some(LastGroupMembership::Allow) => {
                    "a roster may leave an agent without a group, and Zendesk does not stop it"
                }
                None => "zroster keeps its assumption",
            },
        ));
        Ok(())
    }

    /// `verified: true` written to the search-lag user, an unverified end user.
    pub(crate) async fn verified_write(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::VerifiedWrite;
        let Some(user) = self.searched else {
            return Ok(());
        };
        let before = match self.searched_verified {
            Some(verified) => Some(verified),
            None => self
                .get(&format!("users/{user}"))
                .await?
                .body
                .pointer("/user/verified")
                .and_then(Value::as_bool),
        };
        if before != Some(false) {
            self.findings.push(finding(
                experiment,
                Verdict::CouldNotTell,
                "the probe's new user was not shown unverified".into(),
                "zroster keeps its assumption",
            ));
            return Ok(());
        }
        let reply = self
            .x
            .send(
                Method::PUT,
                &format!("users/{user}"),
                &[],
                Some(json!({"user": {"verified": true}})),
            )
            .await?;
        let after = reply
            .body
            .pointer("/user/verified")
            .and_then(Value::as_bool);
        let choice = match (reply.ok(), after) {
            (true, Some(true)) => Some(VerifiedWrite::Apply),
            (true, Some(false)) => Some(VerifiedWrite::Ignore),
            _ => None,
        };
        self.settled.verified_write = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(VerifiedWrite::Apply) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            match choice {
                Some(VerifiedWrite::Apply) => "accepted; the user is verified".to_owned(),
                Some(VerifiedWrite::Ignore) => "accepted; the user is still unverified".to_owned(),
                None => format!("answered {}", short(&reply)),
            },
            match choice {
                Some(VerifiedWrite::Ignore) => {
                    "a roster's `verified: true` on an existing user never converges: Zendesk keeps `verified` as the user's identities say"
                }
                Some(VerifiedWrite::Apply) => {
                    "a roster's `verified: true` verifies an existing user in one update"
                }
                None => "zroster keeps its assumption",
            },
        ));
        Ok(())
    }

    /// How far `users/search` pages: a search for the search-lag user's address (its own
    /// user or none, never another's) asked for the page past 1,000 results, then past
    /// 10,000.
    pub(crate) async fn users_search_cap(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::UsersSearchCap;
        let email = self
            .searched_email
            .clone()
            .unwrap_or_else(|| format!("{}-search@{}", self.prefix, self.domain));
        let query = format!("email:{email}");
        let mut refused_at = None;
        let mut last = None;
        for (page, offset) in [("11", 1_000), ("101", 10_000)] {
            let reply = self
                .x
                .send(
                    Method::GET,
                    "users/search",
                    &[
                        ("query", query.as_str()),
                        ("page", page),
                        ("per_page", "100"),
                    ],
                    None,
                )
                .await?;
            let refused = (400..500).contains(&reply.status) && reply.status != 429;
            let answered = reply.ok();
            last = Some(reply);
            if refused {
                refused_at = Some(offset);
                break;
            }
            if !answered {
                break;
            }
        }
        let last = last.expect("one search at least");
        let choice = match refused_at {
            Some(1_000) => Some(UsersSearchCap::OneThousand),
            Some(_) => Some(UsersSearchCap::TenThousand),
            None => None,
        };
        self.settled.users_search_cap = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(UsersSearchCap::TenThousand) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            match refused_at {
                Some(offset) => format!(
                    "the page past {offset} results was refused: {}",
                    short(&last)
                ),
                None => format!(
                    "the pages past 1,000 and 10,000 results were not refused (last: {})",
                    short(&last)
                ),
            },
            match choice {
                Some(UsersSearchCap::OneThousand) => {
                    "a user search pages no further than 1,000 results; zplan's email searches find a few users each, far below it"
                }
                _ => "zplan's email searches find a few users each, far below either cap",
            },
        ));
        Ok(())
    }
}
