//! Fetching the live state (DESIGN.md §7). It reads through a [`ReadClient`] only, with the
//! fewest requests the rate limit allows and never one request per user:
//!
//! 1. `GET /users/me` (who is applying; never demoted);
//! 2. users in scope by role, `GET /users?role[]=…`, 100 a page by cursor; users in scope by
//!    tag, `users/search?query=tags:…`;
//! 3. roster users not found that way by external id, `users/show_many?external_ids=`, 100 a
//!    request;
//! 4. roster emails still not seen, by search or by the incremental export, whichever the cost
//!    model in [`EmailLookup`] says takes fewer requests, counting everything each way costs:
//!    the secondary-address searches that follow the export, the page of recent changes that
//!    follows the search, and what each leaves of the export's window to a convergence check
//!    after the fetch ([`StateQuery::converge_after`]). The search names up to 100 emails a
//!    query, between two canaries that prove the answer complete ([`super::email_search`]);
//!    without canaries, or once an answer lacks them, one email a query. The search reads
//!    an index that lags behind writes by up to a few minutes (API.md §12): a user created
//!    or given its address moments ago, by another tool or by an interrupted zapply, is not
//!    found. So when the searches leave emails unmatched, the users changed in the last
//!    [`SEARCH_LAG_WINDOW_S`](crate::zendesk::limits::SEARCH_LAG_WINDOW_S) are read from the
//!    incremental export, which does not lag ([`RecentUsers`]): one page (1,000 users) in an
//!    account that changed fewer in that time, further pages only while an email is still
//!    unmatched and the export goes on, at most a minute's allowance of the export (10
//!    pages); past that the plan notes the emails not checked. After the full export (from
//!    0) nothing lags and nothing more is read;
//! 5. roster emails that no live user has as its primary address (users to create, primary
//!    emails to change) may still be another user's *secondary* address, a conflict
//!    (DESIGN.md §3): they are searched (step 4's answers reused where they prove enough),
//!    and every other user a search returns has its identities read
//!    ([`SecondaryCheck`], `secondary.rs`). Roster users matched by their primary email,
//!    the usual case, cost nothing here. A secondary address added in the last minutes is
//!    seen by neither read (the search lags, the export shows primary addresses only): that
//!    conflict goes unnoticed, and applying the create updates that user
//!    (`create_or_update_many` matches any of a user's addresses);
//! 6. custom roles, groups, organizations (full listings, 100 a page), and the group and
//!    organization memberships when the roster manages them (full listings, filtered to the
//!    users in play; how many the account holds is kept, for the plan to say how the
//!    convergence check will read them back, [`super::MembershipReads`]); the account's rules: its settings (`GET /account/settings`: user
//!    tagging, multiple organizations) and user fields (`GET /user_fields`), one request
//!    each, and its default group (from the groups listing).
//!
//! Step 6 runs concurrently with steps 2–5, so latency is paid once, not per stage.

use std::collections::{BTreeMap, BTreeSet};

use super::Probe;
use super::email_search::{self, Canaries};
use super::secondary::{self, SecondaryCheck};
use super::{
    AccountRules, AccountUsers, EmailLookup, EmailStrategy, FetchCost, Interner, LiveCustomRole,
    LiveGroup, LiveMembership, LiveOrganization, LiveState, LiveUser, RecentUsers, StateQuery,
};
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

/// Steps 2 to 6 of the fetch (see the module documentation), after step 1
/// ([`super::probe`], which [`super::fetch`] makes first).
pub async fn fetch_after(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
    probe: Probe,
) -> Result<LiveState, ZendeskError> {
    let Probe { me, before } = probe;
    let users_and_lookup = fetch_users(client, query, progress);
    let account = fetch_account(client, query, progress);
    let (
        FoundUsers {
            users,
            email_lookup,
            secondary_emails,
            secondary_check,
            recent_emails_unchecked,
        },
        account,
    ) = tokio::try_join!(users_and_lookup, account)?;
    let Account {
        custom_roles,
        custom_roles_available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        rules,
    } = account;
    // The account-wide numbers are kept: they decide how memberships are read back after
    // applying (`MembershipReads`).
    let group_memberships_total = group_memberships.as_ref().map(|l| l.len() as u64);
    let organization_memberships_total = organization_memberships.as_ref().map(|l| l.len() as u64);
    let in_play = |membership: &LiveMembership| users.contains_key(&membership.user_id);
    let group_memberships = group_memberships
        .map(|list| list.into_iter().filter(in_play).collect())
        .unwrap_or_default();
    let organization_memberships =
        organization_memberships.map(|list| list.into_iter().filter(in_play).collect());
    Ok(LiveState {
        account: client.settings().base_url.to_string(),
        me,
        users,
        secondary_emails,
        secondary_emails_unchecked: unchecked(secondary_check.as_ref()),
        recent_emails_unchecked,
        custom_roles,
        custom_roles_available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        group_memberships_total,
        organization_memberships_total,
        rules,
        agent_seats: None,
        cost: FetchCost {
            stats: client.stats().since(&before),
            email_lookup,
            secondary_check,
        },
    })
}

type Users = BTreeMap<u64, Box<LiveUser>>;

/// Who holds some keys now: the users found by `keys` (`(external_id, email)` pairs) the way
/// the fetch finds roster users, and every admin of the account.
#[derive(Debug, Default)]
pub struct KeyHolders {
    /// The users found, every admin included.
    pub users: BTreeMap<u64, Box<LiveUser>>,
    /// Lower-case emails of `keys` that a user holds as a secondary address, with its id.
    pub secondary_emails: BTreeMap<String, u64>,
    /// Emails that could not be checked for secondary owners or recent changes (too many
    /// to search one by one, or an export too long to read).
    pub unchecked: usize,
}

/// Steps 2–5 of the fetch for `keys` alone, no scope: what `zapply` reads, before creating
/// the users of a saved plan, to learn whether someone holds their keys by now.
pub async fn find_key_holders(
    client: &ReadClient,
    keys: Vec<(Option<String>, Option<String>)>,
) -> Result<KeyHolders, ZendeskError> {
    let query = StateQuery {
        manage_roles: Vec::new(),
        manage_tags: Vec::new(),
        users: keys,
        organization_memberships: false,
        group_memberships: false,
        // The users of the saved plan are created, and read back, right after.
        converge_after: true,
    };
    let found = fetch_users(client, &query, &NoProgress).await?;
    Ok(KeyHolders {
        users: found.users,
        secondary_emails: found.secondary_emails,
        unchecked: unchecked(found.secondary_check.as_ref()) + found.recent_emails_unchecked,
    })
}

/// Emails the secondary-address check left unchecked.
fn unchecked(check: Option<&SecondaryCheck>) -> usize {
    check.map_or(0, |check| {
        usize::try_from(check.unchecked).unwrap_or(usize::MAX)
    })
}

/// What steps 2–5 found.
struct FoundUsers {
    users: Users,
    email_lookup: Option<EmailLookup>,
    /// Lower-case roster email → the live user holding it as a secondary address.
    secondary_emails: BTreeMap<String, u64>,
    /// What checking for those owners did; `None` when every roster email is a primary
    /// address.
    secondary_check: Option<SecondaryCheck>,
    /// Emails not checked against the users changed in the last minutes (the export of
    /// that time was too long or not readable).
    recent_emails_unchecked: usize,
}

/// Steps 2–5: users in scope, then roster users by external id, then by email (with the
/// users changed too recently for the search), then the owners of roster emails held as
/// secondary addresses.
async fn fetch_users(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
) -> Result<FoundUsers, ZendeskError> {
    let mut users = Users::new();
    let mut interner = Interner::default();
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
            &mut interner,
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
            &mut interner,
            Stage::ScopeUsers,
            progress,
        )
        .await?;
    }
    for tag in &query.manage_tags {
        drain(
            client.search_users(&format!("tags:{tag}")),
            &mut users,
            &mut interner,
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
        // Each answer is converted as it arrives: the wire users are never all held at once.
        client
            .each_user_by_external_ids(&missing, |page| add(&mut users, page, &mut interner))
            .await?;
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
        return Ok(FoundUsers {
            users,
            email_lookup: None,
            secondary_emails: BTreeMap::new(),
            secondary_check: None,
            recent_emails_unchecked: 0,
        });
    }
    // Two users read so far, settled in the search index, prove a batched answer complete.
    let mut canaries = Canaries::pick(
        users.values().map(AsRef::as_ref),
        chrono::Utc::now().timestamp(),
    );
    let queries = email_search::queries(&emails, canaries.as_ref());
    let batched = queries.iter().any(|q| q.len() > 1);
    let (count, query_count) = (emails.len() as u64, queries.len() as u64);
    // Users the fetch has read: none holds one of `emails` as its primary address, so the
    // export could find at most the account's other users.
    let read = users.values().filter(|user| user.active).count() as u64;
    let mut account = None;
    let mut counted = 0;
    if EmailLookup::needs_count(query_count) {
        let users = client.count_users().await?;
        account = Some(AccountUsers { users, read });
        counted = 1;
    }
    let converge_after = query.converge_after;
    let mut lookup = EmailLookup::decide(count, query_count, batched, account, converge_after);
    lookup.requests = counted;
    progress.on_stage(Stage::Emails(lookup.strategy), 0);
    let mut searched = Vec::new();
    let mut export = lookup.strategy == EmailStrategy::IncrementalExport;
    if !export {
        let found = email_search::search(client, queries, canaries.as_ref()).await?;
        lookup.requests += found.requests;
        searched = found.answers;
        if !found.untrusted.is_empty() {
            // A batched answer without its canaries: no batch is trusted any more, and its
            // emails are looked up as without canaries.
            canaries = None;
            let n = found.untrusted.len() as u64;
            lookup.unbatched = n;
            if account.is_none() && EmailLookup::needs_count(n) {
                account = Some(AccountUsers {
                    users: client.count_users().await?,
                    read,
                });
                lookup.requests += 1;
                lookup.account_users = account.map(|a| a.users);
            }
            let again = EmailLookup::decide(n, n, false, account, converge_after);
            if again.strategy == EmailStrategy::IncrementalExport {
                export = true;
                lookup.strategy = again.strategy;
                lookup.export_requests = again.export_requests;
                lookup.export_cost = again.export_cost;
            } else {
                let singles = email_search::queries(&found.untrusted, None);
                let found = email_search::search(client, singles, None).await?;
                lookup.requests += found.requests;
                searched.extend(found.answers);
            }
        }
        for user in searched.iter().flat_map(|(_, hits)| hits) {
            add_if_primary(&mut users, user, &emails, &mut interner);
        }
    }
    let mut recent_unchecked = 0;
    if export {
        // The whole account passes by; only the roster's users are kept, page by page.
        let mut pager = client.incremental_users(0).prefetching();
        while let Some(page) = pager.next_page().await? {
            for user in &page {
                add_if_primary(&mut users, user, &emails, &mut interner);
            }
            progress.on_stage(Stage::Emails(lookup.strategy), users.len());
        }
        lookup.requests += pager.pages_fetched();
    } else {
        // The search index lags: the users changed in the last minutes are read where it
        // does not (a token that may not read the export leaves them unchecked).
        let unfound = unmatched(&users, &emails);
        if !unfound.is_empty() {
            progress.on_stage(Stage::Emails(EmailStrategy::IncrementalExport), users.len());
            let complete = match allowed(RecentUsers::find(client, &unfound).await)? {
                Some(recent) => {
                    lookup.recent_export_pages = recent.pages;
                    for user in &recent.users {
                        add_if_primary(&mut users, user, &emails, &mut interner);
                    }
                    recent.complete
                }
                None => false,
            };
            if !complete {
                recent_unchecked = unmatched(&users, &unfound).len();
            }
        }
    }
    progress.on_stage(Stage::Emails(lookup.strategy), users.len());

    // Step 5: emails no live user has as its primary address.
    let unowned = unmatched(&users, &emails);
    let (secondary_emails, secondary_check) = if unowned.is_empty() {
        (BTreeMap::new(), None)
    } else {
        let found = secondary::check(
            client,
            &unowned,
            searched,
            canaries.as_ref(),
            &mut users,
            &mut interner,
        )
        .await?;
        (found.owners, Some(found.check))
    };
    Ok(FoundUsers {
        users,
        email_lookup: Some(lookup),
        secondary_emails,
        secondary_check,
        recent_emails_unchecked: recent_unchecked,
    })
}

/// The `emails` that no active user of `users` has as its primary address.
fn unmatched(users: &Users, emails: &BTreeSet<String>) -> BTreeSet<String> {
    let primaries: BTreeSet<String> = users
        .values()
        .filter(|user| user.active)
        .filter_map(|user| user.email.as_deref().map(str::to_lowercase))
        .collect();
    emails
        .iter()
        .filter(|email| !primaries.contains(*email))
        .cloned()
        .collect()
}

/// Adds a search hit whose primary address is one of the roster's emails.
fn add_if_primary(
    users: &mut Users,
    user: &User,
    emails: &BTreeSet<String>,
    interner: &mut Interner,
) {
    let wanted = user.active
        && user
            .email
            .as_deref()
            .is_some_and(|email| emails.contains(&email.to_lowercase()));
    if wanted {
        users
            .entry(user.id)
            .or_insert_with(|| Box::new(LiveUser::from_wire(user.clone(), interner)));
    }
}

async fn drain(
    pager: Pager<User>,
    users: &mut Users,
    interner: &mut Interner,
    stage: Stage,
    progress: &dyn Progress,
) -> Result<(), ZendeskError> {
    // Every page is read: ask for the next while this one is decoded.
    let mut pager = pager.prefetching();
    while let Some(page) = pager.next_page().await? {
        add(users, page, interner);
        progress.on_stage(stage, users.len());
    }
    Ok(())
}

fn add(users: &mut Users, page: Vec<User>, interner: &mut Interner) {
    for user in page {
        users.insert(user.id, Box::new(LiveUser::from_wire(user, interner)));
    }
}

/// What step 6 reads of the account.
struct Account {
    custom_roles: Vec<LiveCustomRole>,
    custom_roles_available: bool,
    organizations: Vec<LiveOrganization>,
    groups: Vec<LiveGroup>,
    group_memberships: Option<Vec<LiveMembership>>,
    organization_memberships: Option<Vec<LiveMembership>>,
    rules: AccountRules,
}

/// A read some accounts or tokens do not allow (403, 404): `None`, and the plan says what it
/// could not check.
fn allowed<T>(read: Result<T, ZendeskError>) -> Result<Option<T>, ZendeskError> {
    match read {
        Ok(value) => Ok(Some(value)),
        Err(ZendeskError::Forbidden { .. } | ZendeskError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Step 5: custom roles, groups, organizations, memberships, all at once.
///
/// Custom roles exist on Enterprise only, and Zendesk does not document what listing them
/// answers below it (the emulator answers 403; a 404 or an empty list are read the same). An Enterprise
/// account always lists its predefined roles (Staff, Team Leader, Advisor, Light Agent), so
/// an empty list is read as an account without custom roles too: the planner then blocks
/// `custom_role` at plan time instead of planning role writes that would be refused.
async fn fetch_account(
    client: &ReadClient,
    query: &StateQuery,
    progress: &dyn Progress,
) -> Result<Account, ZendeskError> {
    progress.on_stage(Stage::Account, 0);
    let roles = async {
        match client.custom_roles().await {
            Ok(roles) => {
                let available = !roles.is_empty();
                Ok((
                    roles.into_iter().map(LiveCustomRole::from).collect(),
                    available,
                ))
            }
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
        if !query.group_memberships {
            return Ok::<_, ZendeskError>(None);
        }
        progress.on_stage(Stage::Memberships, 0);
        let list = client.group_memberships().collect_all().await?;
        Ok(Some(
            list.into_iter()
                .map(LiveMembership::from)
                .collect::<Vec<_>>(),
        ))
    };
    let organization_memberships = async {
        if !query.organization_memberships {
            return Ok::<_, ZendeskError>(None);
        }
        let list = client.organization_memberships().collect_all().await?;
        Ok(Some(
            list.into_iter()
                .map(LiveMembership::from)
                .collect::<Vec<_>>(),
        ))
    };
    // Boxed: seven reads side by side would otherwise make every caller's future hold all
    // their state inline (clippy's large_futures).
    let settings = Box::pin(async { allowed(client.account_settings().await) });
    let user_fields = Box::pin(async { allowed(client.user_fields().await) });
    let (
        (custom_roles, custom_roles_available),
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        settings,
        user_fields,
    ) = tokio::try_join!(
        roles,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        settings,
        user_fields
    )?;
    let default_group = groups.iter().find(|g| g.default).map(|g| g.id);
    Ok(Account {
        custom_roles,
        custom_roles_available,
        organizations,
        groups,
        group_memberships,
        organization_memberships,
        rules: AccountRules::read(settings.as_ref(), user_fields, default_group),
    })
}
