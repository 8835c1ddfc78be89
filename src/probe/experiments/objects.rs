//! Experiments on organizations and groups of the probe's own, and on the writes Zendesk
//! may ignore or refuse: `organization_id`, tags without user tagging, `verified`, an
//! agent's last group.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::journal::{Entry, Kind};
use super::super::report::Verdict;
use super::super::{Experiment, ProbeError};
use super::{Run, finding, short};
use crate::fake::{LastGroupMembership, OrganizationIdChange, TagsWithoutTagging, VerifiedWrite};

impl Run<'_> {
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
        // The agent's own memberships only: the probe removes no one else's.
        let list: Vec<(u64, u64)> = memberships.body["group_memberships"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["user_id"].as_u64() == Some(agent))
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
}
