//! The saved-plan check (DESIGN.md §6): before applying a saved plan, re-read only the live
//! objects it touches and refuse the whole plan if any changed since it was made, if it was
//! made for another account, or if its `format_version` is unknown.

use std::collections::HashMap;

use crate::plan::{FORMAT_VERSION, Kind, Plan};
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

/// Checks `plan` against the account `client` reaches: version, account, then every touched
/// object's `updated_at` (users by `show_many`, 100 a request).
pub async fn check(plan: &Plan, client: &ReadClient) -> Result<(), CheckError> {
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
    let mut live: HashMap<(Kind, u64), (String, Option<String>, bool)> = HashMap::new();
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
            live.insert((Kind::User, user.id), (name, user.updated_at, user.active));
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
            })
        })
        .collect();
    if changed.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Stale { changed }.into())
    }
}
