//! Fetching and normalising the live state (DESIGN.md §7): the pipeline's second stage,
//! between `roster` and `plan`. It reads through a [`ReadClient`] only, with the fewest
//! requests the rate limit allows and never one request per user:
//!
//! 1. `GET /users/me` (who is applying; never demoted);
//! 2. users in scope by role, `GET /users?role[]=…`, 100 a page by cursor; users in scope by
//!    tag, `users/search?query=tags:…`;
//! 3. roster users not found that way by external id, `users/show_many?external_ids=`, 100 a
//!    request;
//! 4. roster emails still not seen, by search or by the incremental export, whichever the cost
//!    model in [`EmailLookup`] says takes fewer requests;
//! 5. custom roles, groups, organizations (full listings, 100 a page), group memberships and,
//!    when the roster manages them, organization memberships (full listings, filtered to the
//!    users in play).
//!
//! Step 5 runs concurrently with steps 2–4, so latency is paid once, not per stage.

mod email_lookup;
mod live;
mod live_state;
mod state_query;

use std::collections::{BTreeMap, BTreeSet};

use futures_util::{StreamExt as _, TryStreamExt as _, stream};

pub use email_lookup::{EXPORT_PAGE, EmailLookup, EmailStrategy};
pub use live::{LiveCustomRole, LiveGroup, LiveMembership, LiveOrganization, LiveUser};
pub use live_state::{FetchCost, LiveState};
pub use state_query::StateQuery;

use crate::roster::Role;
use crate::zendesk::wire::{self, User};
use crate::zendesk::{Pager, ReadClient, ZendeskError};

/// A stage of the fetch, reported with the number of items it has so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The authentication probe.
    Me,
    /// Users in scope by role or tag.
    ScopeUsers,
    /// Roster users by external id.
    ExternalIds,
    /// Roster users by email.
    Emails(EmailStrategy),
    /// Custom roles, groups and organizations.
    Account,
    /// Memberships.
    Memberships,
}

/// Receives fetch progress: a progress bar on a terminal, log lines elsewhere.
pub trait Progress: Send + Sync {
    /// Called at the start of a stage and after every page.
    fn on_stage(&self, stage: Stage, items: usize);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn on_stage(&self, _stage: Stage, _items: usize) {}
}

/// Fetches the live state the roster needs; see the module documentation for the steps.
pub async fn fetch(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
) -> Result<LiveState, ZendeskError> {
    let before = client.stats();
    progress.on_stage(Stage::Me, 0);
    let me = client.me().await?;
    let users_and_lookup = fetch_users(client, query, progress);
    let account = fetch_account(client, query.organization_memberships, progress);
    let ((users, email_lookup), account) = tokio::try_join!(users_and_lookup, account)?;
    let (
        custom_roles,
        custom_roles_available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
    ) = account;
    let in_play = |membership: &LiveMembership| users.contains_key(&membership.user_id);
    let group_memberships = group_memberships.into_iter().filter(in_play).collect();
    let organization_memberships =
        organization_memberships.map(|list| list.into_iter().filter(in_play).collect());
    Ok(LiveState {
        account: client.settings().base_url.to_string(),
        me,
        users,
        custom_roles,
        custom_roles_available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        cost: FetchCost {
            stats: client.stats().since(&before),
            email_lookup,
        },
    })
}

type Users = BTreeMap<u64, LiveUser>;

/// Steps 2–4: users in scope, then roster users by external id, then by email.
async fn fetch_users(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
) -> Result<(Users, Option<EmailLookup>), ZendeskError> {
    let mut users = Users::new();
    progress.on_stage(Stage::ScopeUsers, 0);
    if !query.manage_roles.is_empty() {
        let roles: Vec<wire::Role> = query
            .manage_roles
            .iter()
            .map(|role| wire::Role::from(role.as_str().to_owned()))
            .collect();
        drain(
            client.users_by_roles(&roles),
            &mut users,
            Stage::ScopeUsers,
            progress,
        )
        .await?;
    }
    // Every admin is fetched, in scope or not: `min_admins` counts the admins a plan leaves.
    // Accounts have few admins, so this is one request in almost every account.
    if !query.manage_roles.contains(&Role::Admin) {
        drain(
            client.users_by_roles(&[wire::Role::Admin]),
            &mut users,
            Stage::ScopeUsers,
            progress,
        )
        .await?;
    }
    for tag in &query.manage_tags {
        drain(
            client.search_users(&format!("tags:{tag}")),
            &mut users,
            Stage::ScopeUsers,
            progress,
        )
        .await?;
    }

    let known: BTreeSet<String> = users
        .values()
        .filter_map(|user| user.external_id.as_deref().map(str::to_lowercase))
        .collect();
    let missing: BTreeSet<String> = query
        .users
        .iter()
        .filter_map(|(external_id, _)| external_id.as_deref().map(str::to_lowercase))
        .filter(|external_id| !known.contains(external_id))
        .collect();
    if !missing.is_empty() {
        progress.on_stage(Stage::ExternalIds, 0);
        let missing: Vec<String> = missing.into_iter().collect();
        add(&mut users, client.users_by_external_ids(&missing).await?);
        progress.on_stage(Stage::ExternalIds, missing.len());
    }

    let seen: BTreeSet<String> = users
        .values()
        .filter(|user| user.active)
        .filter_map(|user| user.email.as_deref().map(str::to_lowercase))
        .collect();
    let emails: BTreeSet<String> = query
        .users
        .iter()
        .filter_map(|(_, email)| email.as_deref().map(str::to_lowercase))
        .filter(|email| !seen.contains(email))
        .collect();
    if emails.is_empty() {
        return Ok((users, None));
    }
    let count = emails.len() as u64;
    let account_users = if EmailLookup::needs_count(count) {
        Some(client.count_users().await?)
    } else {
        None
    };
    let lookup = EmailLookup::decide(count, account_users);
    progress.on_stage(Stage::Emails(lookup.strategy), 0);
    let found = match lookup.strategy {
        EmailStrategy::Search => search_emails(client, &emails).await?,
        EmailStrategy::IncrementalExport => {
            let mut all = Users::new();
            drain(
                client.incremental_users(0),
                &mut all,
                Stage::Emails(lookup.strategy),
                progress,
            )
            .await?;
            all.into_values().map(|user| (user.id, user)).collect()
        }
    };
    for (id, user) in found {
        let wanted = user.active
            && user
                .email
                .as_deref()
                .is_some_and(|email| emails.contains(&email.to_lowercase()));
        if wanted {
            users.entry(id).or_insert(user);
        }
    }
    progress.on_stage(Stage::Emails(lookup.strategy), users.len());
    Ok((users, Some(lookup)))
}

/// One `users/search?query=email:…` per email, several in flight.
async fn search_emails(
    client: &ReadClient,
    emails: &BTreeSet<String>,
) -> Result<Users, ZendeskError> {
    let searches = emails
        .iter()
        .map(|email| client.search_users(&format!("email:{email}")).collect_all());
    let pages: Vec<Vec<User>> = stream::iter(searches)
        .buffered(client.settings().concurrency)
        .try_collect()
        .await?;
    Ok(pages
        .into_iter()
        .flatten()
        .map(|user| (user.id, LiveUser::from(user)))
        .collect())
}

async fn drain(
    pager: Pager<User>,
    users: &mut Users,
    stage: Stage,
    progress: &dyn Progress,
) -> Result<(), ZendeskError> {
    // Every page is read: ask for the next while this one is decoded.
    let mut pager = pager.prefetching();
    while let Some(page) = pager.next_page().await? {
        add(users, page);
        progress.on_stage(stage, users.len());
    }
    Ok(())
}

fn add(users: &mut Users, page: Vec<User>) {
    for user in page {
        users.insert(user.id, LiveUser::from(user));
    }
}

type Account = (
    Vec<LiveCustomRole>,
    bool,
    Vec<LiveOrganization>,
    Vec<LiveGroup>,
    Vec<LiveMembership>,
    Option<Vec<LiveMembership>>,
);

/// Step 5: custom roles (absent on non-Enterprise plans: 403/404), groups, organizations,
/// memberships, all at once.
async fn fetch_account(
    client: &ReadClient,
    organization_memberships: bool,
    progress: &dyn Progress,
) -> Result<Account, ZendeskError> {
    progress.on_stage(Stage::Account, 0);
    let roles = async {
        match client.custom_roles().await {
            Ok(roles) => Ok((roles.into_iter().map(LiveCustomRole::from).collect(), true)),
            Err(ZendeskError::Forbidden { .. } | ZendeskError::NotFound { .. }) => {
                Ok((Vec::new(), false))
            }
            Err(error) => Err(error),
        }
    };
    let organizations = async {
        let list = client.organizations().collect_all().await?;
        Ok::<_, ZendeskError>(
            list.into_iter()
                .map(LiveOrganization::from)
                .collect::<Vec<_>>(),
        )
    };
    let groups = async {
        let list = client.groups().collect_all().await?;
        Ok::<_, ZendeskError>(
            list.into_iter()
                .filter(|group| !group.deleted)
                .map(LiveGroup::from)
                .collect::<Vec<_>>(),
        )
    };
    let group_memberships = async {
        progress.on_stage(Stage::Memberships, 0);
        let list = client.group_memberships().collect_all().await?;
        Ok::<_, ZendeskError>(
            list.into_iter()
                .map(LiveMembership::from)
                .collect::<Vec<_>>(),
        )
    };
    let organization_memberships = async {
        if !organization_memberships {
            return Ok::<_, ZendeskError>(None);
        }
        let list = client.organization_memberships().collect_all().await?;
        Ok(Some(
            list.into_iter()
                .map(LiveMembership::from)
                .collect::<Vec<_>>(),
        ))
    };
    let (
        (custom_roles, available),
        organizations,
        groups,
        group_memberships,
        organization_memberships,
    ) = tokio::try_join!(
        roles,
        organizations,
        groups,
        group_memberships,
        organization_memberships
    )?;
    Ok((
        custom_roles,
        available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
    ))
}
