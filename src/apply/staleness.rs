//! The saved-plan check (DESIGN.md §6): before applying a saved plan, re-read only the live
//! objects it touches and refuse the whole plan if any changed since it was made, if it was
//! made for another account, if its `format_version` is unknown, or if it is not as `zplan`
//! wrote it (its digest, or a change naming a user the plan did not record). The users read
//! are returned: [`super::guard`] evaluates the safety rules again against them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::plan::{Action, FORMAT_VERSION, FieldValue, Kind, Plan, UserField, safety};
use crate::state::{LiveUser, find_key_holders};
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
    /// A time-boxed entry of the plan's roster ended after the plan was made: the roster
    /// grants something else by now.
    #[error(
        "the plan was made at {made_at}, and a time-boxed entry of its roster (`expires`, `temporary`) ended at {valid_until} since: the roster grants something else by now; make a new plan and review it"
    )]
    TimeBoxEnded {
        /// When the plan was made.
        made_at: String,
        /// The first time box that ended after it.
        valid_until: String,
    },
    /// The plan says it was made later than now: its time boxes were judged at a moment
    /// that has not come (`zplan --now` in the future), so what it grants is not what the
    /// roster grants now.
    #[error(
        "the plan says it was made at {made_at}, later than now ({now}): its time-boxed entries were judged at a moment that has not come; make a new plan without `--now` and review it"
    )]
    MadeLater {
        /// When the plan says it was made.
        made_at: String,
        /// Now, as zapply's clock (or `--now`) says.
        now: String,
    },
    /// Live objects changed since the plan was made.
    #[error("the plan is stale: {} changed since it was made ({}); make a new plan and review it", plural(.changed.len()), .changed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    Stale {
        /// Every changed object.
        changed: Vec<Changed>,
    },
}

impl Refusal {
    /// A saved plan whose content is not what `zplan` sealed.
    #[must_use]
    pub fn unsealed() -> Self {
        Refusal::Edited {
            reason: "its content does not match its `plan_digest`".to_owned(),
        }
    }
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
    /// For a user the plan creates: the key (email or external id) it creates the user
    /// for, which this user holds by now.
    pub holds: Option<String>,
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
            Some(now) if self.holds.is_some() => write!(
                f,
                " (updated at {now}) holds `{}`, which the plan creates a user for",
                self.holds.as_deref().unwrap_or_default()
            ),
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
                holds: None,
            })
        })
        .collect();
    if changed.is_empty() {
        Ok(read)
    } else {
        Err(Refusal::Stale { changed }.into())
    }
}

/// The users a saved plan creates must not exist by now: `create_or_update_many` would
/// overwrite whoever holds a new user's external id or email (primary or secondary) since
/// the plan was made. Their keys are looked up the way the fetch looks up roster users
/// ([`find_key_holders`]: external ids by `show_many`, emails by search or the user export,
/// whichever is cheaper, the recent changes the search does not show yet, then secondary
/// addresses), and a create whose key someone holds makes the plan stale, naming them,
/// unless that user is exactly what the create makes (it is adopted: writing it again
/// changes nothing, as after a run that lost its answer). No
/// creates, no request. The creates of `written` (changes a resumed run's predecessor
/// wrote) are not looked up: they hold their keys themselves. Returns what the lookup read
/// (every admin among them, which the safety re-check needs too) and how many emails it
/// could not check.
pub async fn check_creates(
    plan: &Plan,
    client: &ReadClient,
    written: &BTreeSet<usize>,
) -> Result<Option<(BTreeMap<u64, Box<LiveUser>>, usize)>, CheckError> {
    let text = |change: &crate::plan::Change, field: UserField| {
        change
            .fields
            .iter()
            .find_map(|f| match (f.user_field(), &f.after) {
                (Some(name), FieldValue::Text(value)) if *name == field => Some(value.clone()),
                _ => None,
            })
    };
    let creates: Vec<&crate::plan::Change> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(i, c)| c.blocked.is_none() && !written.contains(i))
        .map(|(_, c)| c)
        .filter(|c| c.kind == Kind::User && c.action == Action::Create)
        .collect();
    if creates.is_empty() {
        return Ok(None);
    }
    let keys: Vec<(Option<String>, Option<String>)> = creates
        .iter()
        .map(|c| (text(c, UserField::ExternalId), text(c, UserField::Email)))
        .collect();
    let holders = find_key_holders(client, keys.clone()).await?;
    let names = super::names::Names::from_references(&plan.references);
    // Active holders by lower-case key, looked up once for every create.
    let mut by_external_id = HashMap::new();
    let mut by_email = HashMap::new();
    for user in holders.users.values().filter(|u| u.active) {
        if let Some(id) = &user.external_id {
            by_external_id.insert(id.to_lowercase(), user.id);
        }
        if let Some(email) = &user.email {
            by_email.insert(email.to_lowercase(), user.id);
        }
    }
    let mut changed = Vec::new();
    for (create, (external_id, email)) in creates.into_iter().zip(keys) {
        let by_external_id = external_id.and_then(|key| {
            let id = *by_external_id.get(&key.to_lowercase())?;
            Some((id, format!("external_id:{key}")))
        });
        let by_email = email.and_then(|key| {
            let lower = key.to_lowercase();
            let id = by_email
                .get(&lower)
                .or_else(|| holders.secondary_emails.get(&lower))
                .copied()?;
            Some((id, format!("email:{key}")))
        });
        if let Some((id, key)) = by_external_id.or(by_email) {
            let user = holders.users.get(&id);
            // A user exactly as the plan creates it (a run that lost its answer made it) is
            // adopted: creating it again writes nothing new.
            if user.is_some_and(|u| {
                super::convergence::diverging(create, Some(u), &names, None).is_empty()
            }) {
                continue;
            }
            changed.push(Changed {
                kind: Kind::User,
                id,
                name: user.and_then(|u| u.email.clone()),
                planned: None,
                now: Some(user.and_then(|u| u.updated_at.clone()).unwrap_or_default()),
                holds: Some(key),
            });
        }
    }
    if changed.is_empty() {
        Ok(Some((holders.users, holders.unchecked)))
    } else {
        Err(Refusal::Stale { changed }.into())
    }
}
