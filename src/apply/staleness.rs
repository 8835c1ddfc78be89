//! The saved-plan check (DESIGN.md §6): before applying a saved plan, re-read only the live
//! objects it touches and refuse the whole plan if any changed since it was made, if it was
//! made for another account, if its `format_version` is unknown, or if it is not as `zplan`
//! wrote it (its digest, or a change naming a user the plan did not record). The users read
//! are returned: [`super::guard`] evaluates the safety rules again against them.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::plan::{FORMAT_VERSION, Kind, Plan, safety};
use crate::zendesk::wire::User;
use crate::zendesk::{ReadClient, ZendeskError};

/// Why a saved plan is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The plan was written by another version of zroster.
    #[error(
        "the plan has `format_version` {found}, this zapply reads {FORMAT_VERSION}; make a new plan with this version's `zplan --out`"
    )]
    FormatVersion {
        /// The plan's version.
        found: u32,
    },
    /// The plan was made for another account.
    #[error(
        "the plan was made for `{planned}`, not `{connected}`; connect to the plan's account or make a new plan"
    )]
    Account {
        /// The plan's account.
        planned: String,
        /// The connection's account.
        connected: String,
    },
    /// The plan's content does not match its digest, or it contradicts itself: it was edited
    /// or corrupted since `zplan` wrote it.
    #[error(
        "the plan was edited or corrupted since zplan wrote it ({reason}); make a new plan with `zplan --out` and review it"
    )]
    Edited {
        /// What does not match.
        reason: String,
    },
    /// The roster given with `--roster` is not the one the plan was made from.
    #[error(
        "the plan was made from roster `{planned}`, and `--roster` is `{given}`; make a new plan from this roster"
    )]
    OtherRoster {
        /// The plan's roster digest.
        planned: String,
        /// The given roster's digest.
        given: String,
    },
    /// Live objects changed since the plan was made.
    #[error("the plan is stale: {} changed since it was made ({}); make a new plan and review it", plural(.changed.len()), .changed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Stale {
        /// Every changed object.
        changed: Vec<Changed>,
    },
}

/// A touched object that changed since planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// What kind of object.
    pub kind: Kind,
    /// Its id.
    pub id: u64,
    /// A readable name, when it still exists.
    pub name: Option<String>,
    /// `updated_at` when planning.
    pub planned: Option<String>,
    /// `updated_at` now; `None` when it is gone.
    pub now: Option<String>,
    /// Whether the object did not exist when planning: the plan creates it, and someone
    /// else did meanwhile.
    pub created: bool,
}

impl std::fmt::Display for Changed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::CustomRole => "custom role",
            Kind::Organization => "organization",
            Kind::Group => "group",
            _ => "user",
        };
        write!(f, "{kind} {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " `{name}`")?;
        }
        match &self.now {
            Some(now) if self.created => write!(f, " was created at {now}, after the plan"),
            Some(now) => write!(
                f,
                " updated at {now} (planned at {})",
                self.planned.as_deref().unwrap_or("unknown")
            ),
            None => write!(f, " is gone"),
        }
    }
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 object".to_owned()
    } else {
        format!("{n} objects")
    }
}

/// What went wrong checking a saved plan.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The plan is refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The live objects could not be read.
    #[error("cannot re-read the objects the plan touches")]
    Zendesk(#[from] ZendeskError),
}

/// Checks `plan` against the account `client` reaches: version, account, that every user an
/// unblocked change names is one the plan touches, then every touched object's `updated_at`
/// (users by `show_many`, 100 a request), but for the `exempt` ones (written by the run a
/// resumed run continues). Returns the touched users as read, exempt ones included.
pub async fn check(
    plan: &Plan,
    client: &ReadClient,
    exempt: &BTreeSet<(Kind, u64)>,
) -> Result<Vec<User>, CheckError> {
    if plan.format_version != FORMAT_VERSION {
        return Err(Refusal::FormatVersion {
            found: plan.format_version,
        }
        .into());
    }
    let connected = client.settings().base_url.as_str().trim_end_matches('/');
    if plan.account.trim_end_matches('/') != connected {
        return Err(Refusal::Account {
            planned: plan.account.clone(),
            connected: connected.to_owned(),
        }
        .into());
    }
    let touched: HashSet<(Kind, u64)> = plan.touched.iter().map(|t| (t.kind, t.id)).collect();
    // Blocked changes are not applied, so the plan does not record their users.
    if let Some(change) = plan
        .applicable()
        .find(|c| safety::user_of(c).is_some_and(|id| !touched.contains(&(Kind::User, id))))
    {
        return Err(Refusal::Edited {
            reason: format!(
                "a change names user {} that the plan does not record as touched",
                change.id.unwrap_or_default()
            ),
        }
        .into());
    }
    let mut live: HashMap<(Kind, u64), (String, Option<String>, bool)> = HashMap::new();
    let mut read = Vec::new();
    let ids = |kind| -> Vec<u64> {
        plan.touched
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.id)
            .collect()
    };
    let users = ids(Kind::User);
    if !users.is_empty() {
        for user in client.users_by_ids(&users).await? {
            let name = user.email.clone().unwrap_or(user.name.clone());
            live.insert(
                (Kind::User, user.id),
                (name, user.updated_at.clone(), user.active),
            );
            read.push(user);
        }
    }
    let organizations = ids(Kind::Organization);
    if !organizations.is_empty() {
        for o in client.organizations_by_ids(&organizations).await? {
            live.insert((Kind::Organization, o.id), (o.name, o.updated_at, true));
        }
    }
    if !ids(Kind::Group).is_empty() {
        for g in client.groups().collect_all().await? {
            live.insert((Kind::Group, g.id), (g.name, g.updated_at, !g.deleted));
        }
    }
    if !ids(Kind::CustomRole).is_empty() {
        for r in client.custom_roles().await? {
            live.insert((Kind::CustomRole, r.id), (r.name, r.updated_at, true));
        }
    }
    let changed: Vec<Changed> = plan
        .touched
        .iter()
        .filter(|t| !exempt.contains(&(t.kind, t.id)))
        .filter_map(|t| {
            let now = live.get(&(t.kind, t.id));
            let same = now.is_some_and(|(_, at, alive)| *alive && *at == t.updated_at);
            (!same).then(|| Changed {
                kind: t.kind,
                id: t.id,
                name: now.map(|(name, ..)| name.clone()),
                planned: t.updated_at.clone(),
                now: now
                    .filter(|(_, _, alive)| *alive)
                    .map(|(_, at, _)| at.clone().unwrap_or_default()),
                created: false,
            })
        })
        .collect();
    if changed.is_empty() {
        Ok(read)
    } else {
        Err(Refusal::Stale { changed }.into())
    }
}
