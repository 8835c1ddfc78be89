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
use crate::fake::{CustomRoleNull, MatchKey, Plan, UndefinedUserField};

mod objects;
mod search;

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
        // Every account has one, made with the account as `Support`: the emulator's too.
        let fresh = crate::fake::DEFAULT_GROUP_NAME;
        let as_fresh = self
            .settled
            .default_group
            .as_ref()
            .is_some_and(|n| n.eq_ignore_ascii_case(fresh));
        self.findings.push(finding(
            Experiment::DefaultGroup,
            if as_fresh { Verdict::Holds } else { Verdict::Differs },
            match &self.settled.default_group {
                Some(name) if as_fresh => format!("the default group is `{name}`"),
                Some(name) => format!("the default group is `{name}`, not `{fresh}` as on a fresh account"),
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
            // Until the job ends it may still create its user: a cleanup after an interrupt
            // waits for it (the journal says which jobs are open).
            self.journal.write(&Entry::Job { id: job.to_owned() })?;
            let mut last = reply.clone();
            for _ in 0..JOB_POLLS {
                last = self.get(&format!("job_statuses/{job}")).await?;
                if super::cleanup::job_ended(&last) {
                    self.journal
                        .write(&Entry::JobEnded { id: job.to_owned() })?;
                    break;
                }
                if !last.ok() {
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
            // Only a user the job created is the probe's to remove (`Updated` would be a user
            // of the account, which the probe's unique keys rule out, and never touches).
            for id in results
                .iter()
                .filter(|r| r["status"].as_str() == Some("Created"))
                .filter_map(|r| r["id"].as_u64())
            {
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
}
