//! Removing what a probe created: the bulk jobs it left open are waited for (they may still
//! create a user); every user its journal lists (and any user it announced whose creation's
//! answer never came, found by its external id) is deleted, then deleted for good; then its
//! organizations and groups (found by name when an answer never came) are deleted; each is
//! read back to check that none is left.
//!
//! Nothing that is not the probe's is touched: every object is read before it is removed,
//! and only one whose name, external id or email is under the run's prefix is removed (a
//! journal edited by hand, or of another run, removes nothing else). The cleanup is best
//! effort: whatever happens to one object (a failed request, a spent budget, a journal that
//! cannot be written), the others are still tried, and what could not be done is reported
//! ([`Cleanup::problems`]) rather than stopping the rest.

use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;

use super::exchange::{Exchanger, Reply};
use super::journal::{self, Entry, Journal, Kind, Left};
use super::report::Cleanup;
use super::{CLEANUP_BUDGET, ProbeError};
use crate::zendesk::{ConnectionSettings, Observer};

/// Polls of an open bulk job before its users are looked for, a second apart.
const JOB_POLLS: u32 = 10;

/// `zroster probe --cleanup JOURNAL`: removes what the run of that journal left, on the
/// account it names (refused on another).
pub async fn cleanup(
    connection: ConnectionSettings,
    observer: Arc<dyn Observer>,
    path: &std::path::Path,
) -> Result<Cleanup, ProbeError> {
    let left = journal::read(path)?;
    let x = Exchanger::new(connection, observer, CLEANUP_BUDGET)?;
    if x.account().trim_end_matches('/') != left.account.trim_end_matches('/') {
        return Err(ProbeError::OtherAccount {
            journal: left.account,
            connected: x.account(),
        });
    }
    x.begin("cleanup");
    let mut journal = Journal::append(path)?;
    Ok(remove(&x, &mut journal, &left).await)
}

/// Whether a `job_statuses/{id}` answer says the job ended: completed, failed or killed,
/// or no longer readable.
pub(crate) fn job_ended(reply: &Reply) -> bool {
    reply.status == 404
        || matches!(
            reply
                .body
                .pointer("/job_status/status")
                .and_then(Value::as_str),
            Some("completed" | "failed" | "killed")
        )
}

/// Removes the users, organizations and groups `left` names, then checks that none is
/// readable.
pub(crate) async fn remove(x: &Exchanger, journal: &mut Journal, left: &Left) -> Cleanup {
    let mut sweep = Sweep {
        x,
        journal,
        left,
        cleanup: Cleanup::default(),
    };
    sweep.wait_for_jobs().await;
    sweep.users().await;
    sweep.organizations().await;
    sweep.groups().await;
    sweep.cleanup
}

/// One cleanup under way: what it removed, found left and could not do.
struct Sweep<'a> {
    x: &'a Exchanger,
    journal: &'a mut Journal,
    left: &'a Left,
    cleanup: Cleanup,
}

impl Sweep<'_> {
    fn problem(&mut self, what: String) {
        self.cleanup.problems.push(what);
    }

    /// Sends a request; a failure to send is a problem, and no answer.
    async fn send(&mut self, method: Method, path: &str, query: &[(&str, &str)]) -> Option<Reply> {
        match self.x.send(method.clone(), path, query, None).await {
            Ok(reply) => Some(reply),
            Err(e) => {
                self.problem(format!("{method} {path}: {e}"));
                None
            }
        }
    }

    /// Sends a DELETE; an answer other than a success or a 404 (gone already) is a problem.
    async fn delete(&mut self, path: &str) -> bool {
        match self.send(Method::DELETE, path, &[]).await {
            Some(reply) if reply.ok() || reply.status == 404 => true,
            Some(reply) => {
                let what = format!("DELETE {path} answered {}", reply.status);
                self.problem(what);
                false
            }
            None => false,
        }
    }

    /// Journals an object as gone; a journal that cannot be written is a problem (the
    /// object is gone all the same: a later cleanup finds it so).
    fn removed(&mut self, id: u64, kind: Kind) {
        match kind {
            Kind::User => self.cleanup.removed += 1,
            Kind::Organization => self.cleanup.removed_organizations += 1,
            Kind::Group => self.cleanup.removed_groups += 1,
        }
        if let Err(e) = self.journal.write(&Entry::Removed { id, kind }) {
            self.problem(e.to_string());
        }
    }

    /// Whether an object's name, external id or email is under the run's prefix.
    fn is_mine(&self, object: &Value) -> bool {
        ["name", "external_id", "email"].iter().any(|key| {
            object[*key]
                .as_str()
                .is_some_and(|v| v.starts_with(&self.left.prefix))
        })
    }

    /// Waits for the bulk jobs the run left open: until one ends, it may still create a
    /// user, which the look-up by external id below would miss.
    async fn wait_for_jobs(&mut self) {
        let left = self.left;
        for job in &left.jobs {
            let path = format!("job_statuses/{job}");
            let mut ended = false;
            for poll in 0..JOB_POLLS {
                if poll > 0 && !self.x.no_delay() {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                match self.send(Method::GET, &path, &[]).await {
                    Some(reply) if job_ended(&reply) => {
                        ended = true;
                        break;
                    }
                    Some(_) => {}
                    None => break,
                }
            }
            if ended {
                if let Err(e) = self.journal.write(&Entry::JobEnded { id: job.clone() }) {
                    self.problem(e.to_string());
                }
            } else {
                self.problem(format!(
                    "the bulk job {job} had not ended after {JOB_POLLS} polls: it may still create a user; run the cleanup again once it has"
                ));
            }
        }
    }

    /// The users `users/show_many` finds by `key` (deleted ones included with
    /// `include_deleted`), or none when it could not be read.
    async fn show_many(
        &mut self,
        key: &str,
        values: &[String],
        deleted: bool,
    ) -> Option<Vec<Value>> {
        let extra: &[(&str, &str)] = if deleted {
            &[("include_deleted", "true")]
        } else {
            &[]
        };
        self.read_many("users", key, values, extra).await
    }

    /// `GET {collection}/show_many?{key}={values}` and its list, or none when it could not
    /// be read (a problem); no request for no values.
    async fn read_many(
        &mut self,
        collection: &str,
        key: &str,
        values: &[String],
        extra: &[(&str, &str)],
    ) -> Option<Vec<Value>> {
        if values.is_empty() {
            return Some(Vec::new());
        }
        let joined = values.join(",");
        let mut query = vec![(key, joined.as_str())];
        query.extend_from_slice(extra);
        let path = format!("{collection}/show_many");
        let reply = self.send(Method::GET, &path, &query).await?;
        if !reply.ok() {
            self.problem(format!("GET {path} answered {}", reply.status));
            return None;
        }
        Some(
            reply.body[collection]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        )
    }

    /// Deletes the probe's users, then deletes them for good, and checks that none is left:
    /// neither active (`users/show_many`) nor deleted and kept (`deleted_users/{id}`).
    async fn users(&mut self) {
        let left = self.left;
        let mut ids = left.ids.clone();
        // Users whose creation was never answered: found by the external id announced.
        if let Some(found) = self
            .show_many("external_ids", &left.external_ids, true)
            .await
        {
            for user in found {
                if let Some(id) = user["id"].as_u64()
                    && self.is_mine(&user)
                    && !ids.contains(&id)
                {
                    // Journaled first: a cleanup stopped after the soft delete still knows it.
                    if let Err(e) = self.journal.write(&Entry::Created {
                        id,
                        kind: Kind::User,
                    }) {
                        self.problem(e.to_string());
                    }
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            return;
        }
        let strings: Vec<String> = ids.iter().map(u64::to_string).collect();
        let Some(read) = self.show_many("ids", &strings, true).await else {
            self.problem("the probe's users could not be read: none was removed".into());
            self.cleanup.left = ids;
            return;
        };
        let mut targets = Vec::new();
        for &id in &ids {
            let user = read.iter().find(|u| u["id"].as_u64() == Some(id));
            // Not readable even among the deleted: deleted for good already, or only
            // `deleted_users` shows it; read there before anything is sent.
            let user = match user {
                Some(user) => Some(user.clone()),
                None => match self
                    .send(Method::GET, &format!("deleted_users/{id}"), &[])
                    .await
                {
                    Some(reply) if reply.status == 404 => {
                        self.removed(id, Kind::User);
                        continue;
                    }
                    Some(reply) if reply.ok() => Some(reply.body["deleted_user"].clone()),
                    _ => None,
                },
            };
            match user {
                Some(user) if self.is_mine(&user) => targets.push(id),
                Some(_) => self.problem(format!(
                    "user {id} of the journal is not the probe's (neither its name, external id nor email is under `{}`): left alone",
                    self.left.prefix
                )),
                None => {
                    self.problem(format!("user {id} could not be read: left alone"));
                    self.cleanup.left.push(id);
                }
            }
        }
        for &id in &targets {
            self.delete(&format!("users/{id}")).await;
            self.delete(&format!("deleted_users/{id}")).await;
        }
        let strings: Vec<String> = targets.iter().map(u64::to_string).collect();
        let active = self.show_many("ids", &strings, false).await;
        for &id in &targets {
            let is_active = active
                .as_ref()
                .is_none_or(|users| users.iter().any(|u| u["id"].as_u64() == Some(id)));
            if is_active {
                self.cleanup.left.push(id);
                continue;
            }
            match self
                .send(Method::GET, &format!("deleted_users/{id}"), &[])
                .await
            {
                Some(reply) if reply.status == 404 => self.removed(id, Kind::User),
                Some(reply) if reply.ok() => self.cleanup.left.push(id),
                Some(reply) => {
                    let what = format!("GET deleted_users/{id} answered {}", reply.status);
                    self.problem(what);
                    self.cleanup.left.push(id);
                }
                None => self.cleanup.left.push(id),
            }
        }
        self.cleanup.left.sort_unstable();
        self.cleanup.left.dedup();
    }

    /// Deletes the probe's organizations (found by name where the creation's answer never
    /// came) and checks that none is readable.
    async fn organizations(&mut self) {
        let left = self.left;
        let mut ids = left.organizations.clone();
        for name in left.unanswered(Kind::Organization) {
            let Some(found) = self
                .send(Method::GET, "organizations/search", &[("name", name)])
                .await
            else {
                continue;
            };
            for org in found.body["organizations"].as_array().into_iter().flatten() {
                if org["name"].as_str() == Some(name)
                    && let Some(id) = org["id"].as_u64()
                    && !ids.contains(&id)
                {
                    ids.push(id);
                }
            }
        }
        if ids.is_empty() {
            return;
        }
        let read = self.organizations_readable(&ids).await;
        let Some(read) = read else {
            self.problem("the probe's organizations could not be read: none was removed".into());
            self.cleanup.left_organizations = ids;
            return;
        };
        let mut targets = Vec::new();
        for &id in &ids {
            match read.iter().find(|o| o["id"].as_u64() == Some(id)) {
                None => self.removed(id, Kind::Organization),
                Some(org) if self.is_mine(org) => targets.push(id),
                Some(_) => self.problem(format!(
                    "organization {id} of the journal is not the probe's (its name is not under `{}`): left alone",
                    self.left.prefix
                )),
            }
        }
        for &id in &targets {
            self.delete(&format!("organizations/{id}")).await;
        }
        let still = self.organizations_readable(&targets).await;
        for &id in &targets {
            let readable = still
                .as_ref()
                .is_none_or(|orgs| orgs.iter().any(|o| o["id"].as_u64() == Some(id)));
            if readable {
                self.cleanup.left_organizations.push(id);
            } else {
                self.removed(id, Kind::Organization);
            }
        }
    }

    /// The organizations of `ids` that are readable, or none when they could not be read.
    async fn organizations_readable(&mut self, ids: &[u64]) -> Option<Vec<Value>> {
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        self.read_many("organizations", "ids", &ids, &[]).await
    }

    /// Deletes the probe's groups (found by name, through every page of groups, where the
    /// creation's answer never came) and checks that none is readable and not deleted.
    async fn groups(&mut self) {
        let left = self.left;
        let mut ids = left.groups.clone();
        let mut unanswered = left.unanswered(Kind::Group);
        let mut page = 1u32;
        while !unanswered.is_empty() {
            let number = page.to_string();
            let Some(reply) = self
                .send(
                    Method::GET,
                    "groups",
                    &[("per_page", "100"), ("page", number.as_str())],
                )
                .await
            else {
                break;
            };
            let groups = reply.body["groups"].as_array().cloned().unwrap_or_default();
            for group in &groups {
                if let (Some(name), Some(id)) = (group["name"].as_str(), group["id"].as_u64())
                    && unanswered.contains(&name)
                    && group["deleted"].as_bool() != Some(true)
                {
                    unanswered.retain(|n| *n != name);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            if !reply.ok() || reply.body["next_page"].is_null() || groups.is_empty() {
                break;
            }
            page += 1;
        }
        for id in ids {
            let path = format!("groups/{id}");
            let group = match self.send(Method::GET, &path, &[]).await {
                Some(reply) if reply.status == 404 => None,
                Some(reply) if reply.ok() => Some(reply.body["group"].clone()),
                Some(reply) => {
                    self.problem(format!("GET {path} answered {}", reply.status));
                    self.cleanup.left_groups.push(id);
                    continue;
                }
                None => {
                    self.cleanup.left_groups.push(id);
                    continue;
                }
            };
            match group {
                None => self.removed(id, Kind::Group),
                Some(group) if group["deleted"].as_bool() == Some(true) => {
                    self.removed(id, Kind::Group);
                }
                Some(group) if !self.is_mine(&group) => self.problem(format!(
                    "group {id} of the journal is not the probe's (its name is not under `{}`): left alone",
                    self.left.prefix
                )),
                Some(_) => {
                    self.delete(&path).await;
                    match self.send(Method::GET, &path, &[]).await {
                        Some(reply)
                            if reply.status == 404
                                || reply.body.pointer("/group/deleted")
                                    == Some(&Value::Bool(true)) =>
                        {
                            self.removed(id, Kind::Group);
                        }
                        _ => self.cleanup.left_groups.push(id),
                    }
                }
            }
        }
    }
}
