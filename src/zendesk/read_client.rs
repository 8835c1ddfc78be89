//! The read-only client: every GET the planner needs, and nothing that writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::{StreamExt as _, TryStreamExt as _, stream};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::limits::{PAGE_SIZE_PARAM, SHOW_MANY_LIMIT};
use super::pager::PageStyle;
use super::transport::{Repeat, Transport};
use super::wire::{
    AccountSettings, CustomRole, Group, GroupMembership, Identity, JobStatus, Me, Organization,
    OrganizationMembership, Page, Role, User, UserField, parse_object,
};
use super::{ConnectionSettings, Observer, Pager, RequestStats, Silent, ZendeskError};

/// Who the credentials belong to, from the startup probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthenticatedUser {
    /// User id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Primary email.
    pub email: Option<String>,
    /// `agent` or `admin`.
    pub role: Role,
    /// The account's subdomain as Zendesk names it: the host of the user's `url`
    /// (`https://{subdomain}.zendesk.com/…`); `None` when the answer names none.
    pub account: Option<String>,
}

/// A client that can only read. Cheap to clone; clones share pacing and counters.
#[derive(Debug, Clone)]
pub struct ReadClient {
    pub(crate) transport: Arc<Transport>,
}

impl ReadClient {
    /// A client for `settings` that reports nothing. No request is made yet.
    pub fn connect(settings: ConnectionSettings) -> Result<Self, ZendeskError> {
        Self::with_observer(settings, Arc::new(Silent))
    }

    /// A client that reports progress and retries to `observer`.
    pub fn with_observer(
        settings: ConnectionSettings,
        observer: Arc<dyn Observer>,
    ) -> Result<Self, ZendeskError> {
        Ok(Self {
            transport: Arc::new(Transport::new(settings, observer)?),
        })
    }

    /// The settings in use.
    #[must_use]
    pub fn settings(&self) -> &ConnectionSettings {
        self.transport.settings()
    }

    /// Requests, retries and waits so far, of this client and all its clones.
    #[must_use]
    pub fn stats(&self) -> RequestStats {
        self.transport.stats()
    }

    /// The account's per-minute rate limit as the last answer reported it.
    #[must_use]
    pub fn rate_limit(&self) -> Option<u32> {
        self.transport.rate_limit()
    }

    /// Number of users in the account (all roles, deleted ones excluded), from the `count` of
    /// an offset page of one user: one request.
    pub async fn count_users(&self) -> Result<u64, ZendeskError> {
        self.count_users_by_roles(&[]).await
    }

    /// Number of users with any of `roles` (every user when empty), deleted ones excluded,
    /// suspended ones included, from the `count` of an offset page of one user
    /// (`users?role[]=agent&role[]=admin&per_page=1`): one request.
    pub async fn count_users_by_roles(&self, roles: &[Role]) -> Result<u64, ZendeskError> {
        let mut query: Vec<(&str, &str)> =
            roles.iter().map(|role| ("role[]", role.as_str())).collect();
        query.push(("per_page", "1"));
        let url = self.transport.url("users", &query);
        let endpoint = self.transport.endpoint(&Method::GET, &url);
        let answer = self
            .transport
            .send(Method::GET, url, None, Repeat::Safe)
            .await?;
        let page = self.transport.decode(&endpoint, &answer, |body| {
            Page::<User>::from_json(body, "users")
        })?;
        page.count.ok_or_else(|| ZendeskError::UnexpectedShape {
            endpoint,
            reason: "an offset page without `count`".to_owned(),
        })
    }

    /// The startup probe, `GET /users/me`: who the credentials belong to. Zendesk's anonymous
    /// answer (200 with no id) becomes [`ZendeskError::Anonymous`], an end user
    /// [`ZendeskError::InsufficientRole`].
    pub async fn me(&self) -> Result<AuthenticatedUser, ZendeskError> {
        self.read_me()
            .await
            .map_err(|error| self.transport.scrub(error))
    }

    async fn read_me(&self) -> Result<AuthenticatedUser, ZendeskError> {
        let me: Me = self.get_object("users/me", &[], "user").await?;
        let Some(id) = me.id else {
            return Err(ZendeskError::Anonymous {
                base_url: self.settings().base_url.to_string(),
                hint: self.settings().auth.hint(),
            });
        };
        let role = me.role.unwrap_or(Role::EndUser);
        let name = me.name.unwrap_or_default();
        if !matches!(role, Role::Agent | Role::Admin) {
            let who = me.email.clone().unwrap_or_else(|| name.clone());
            return Err(ZendeskError::InsufficientRole {
                who,
                role: role.to_string(),
            });
        }
        Ok(AuthenticatedUser {
            id,
            name,
            email: me.email,
            role,
            account: me.url.as_deref().and_then(super::subdomain_of),
        })
    }

    /// Users with any of `roles`, 100 a page by cursor (`GET /users?role[]=…`).
    #[must_use]
    pub fn users_by_roles(&self, roles: &[Role]) -> Pager<User> {
        let mut query: Vec<(&str, &str)> =
            roles.iter().map(|role| ("role[]", role.as_str())).collect();
        query.push(("page[size]", PAGE_SIZE_PARAM));
        self.pager("users", &query, "users", PageStyle::Cursor)
    }

    /// Every user, 100 a page by cursor.
    #[must_use]
    pub fn users(&self) -> Pager<User> {
        self.pager(
            "users",
            &[("page[size]", PAGE_SIZE_PARAM)],
            "users",
            PageStyle::Cursor,
        )
    }

    /// One user by id (`GET /users/{id}`); [`ZendeskError::NotFound`] when there is none.
    pub async fn user(&self, id: u64) -> Result<User, ZendeskError> {
        self.get_object(&format!("users/{id}"), &[], "user").await
    }

    /// Users by id, 100 per `show_many` request, several requests in flight. Unknown ids are
    /// simply absent; deleted users are included (`include_deleted`) so callers can tell.
    pub async fn users_by_ids(&self, ids: &[u64]) -> Result<Vec<User>, ZendeskError> {
        self.show_many("users/show_many", "ids", &join_ids(ids), "users")
            .await
    }

    /// Users by external id, 100 per `show_many` request. External ids holding a comma cannot
    /// go into that list; each of those is looked up with `users/search?external_id=`.
    pub async fn users_by_external_ids(
        &self,
        external_ids: &[String],
    ) -> Result<Vec<User>, ZendeskError> {
        let mut users = Vec::new();
        self.each_user_by_external_ids(external_ids, |page| users.extend(page))
            .await?;
        Ok(users)
    }

    /// [`ReadClient::users_by_external_ids`], handing each answer's users to `each` as it
    /// arrives (in request order), so that a caller converting them never holds them all.
    pub async fn each_user_by_external_ids(
        &self,
        external_ids: &[String],
        mut each: impl FnMut(Vec<User>),
    ) -> Result<(), ZendeskError> {
        let (plain, with_comma): (Vec<&String>, Vec<&String>) =
            external_ids.iter().partition(|id| !id.contains(','));
        let plain: Vec<String> = plain.into_iter().cloned().collect();
        self.each_show_many(
            "users/show_many",
            "external_ids",
            &plain,
            "users",
            &mut each,
        )
        .await?;
        for external_id in with_comma {
            let found = self.pager::<User>(
                "users/search",
                &[("external_id", external_id)],
                "users",
                PageStyle::Offset,
            );
            each(found.collect_all().await?);
        }
        Ok(())
    }

    /// User search (`GET /users/search?query=`), offset pages of 100, at most 10,000 results.
    #[must_use]
    pub fn search_users(&self, query: &str) -> Pager<User> {
        self.pager(
            "users/search",
            &[("query", query), ("per_page", PAGE_SIZE_PARAM)],
            "users",
            PageStyle::Offset,
        )
    }

    /// The incremental user export from `start_time` (Unix seconds, at least a minute ago):
    /// 1000 users a page, updated order, deleted users included; ends on `end_of_stream`.
    /// Zendesk allows 10 such requests a minute.
    #[must_use]
    pub fn incremental_users(&self, start_time: i64) -> Pager<User> {
        let start = start_time.to_string();
        self.pager(
            "incremental/users/cursor",
            &[("start_time", &start)],
            "users",
            PageStyle::Incremental,
        )
    }

    /// [`ReadClient::incremental_users`] page by page, at most `max_pages` of them: each
    /// page's users go to `each`, which answers whether it needs more. Returns `true` when
    /// the read stopped because nothing more was needed (`each` said so, or the export
    /// ended), `false` when `max_pages` stopped it first.
    pub async fn each_incremental_users(
        &self,
        start_time: i64,
        max_pages: usize,
        mut each: impl FnMut(Vec<User>) -> bool,
    ) -> Result<bool, ZendeskError> {
        let mut pager = self.incremental_users(start_time);
        for _ in 0..max_pages {
            let Some(page) = pager.next_page().await? else {
                return Ok(true);
            };
            if !each(page) || !pager.has_next() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// All custom roles (one request; Enterprise plans, 403/404 elsewhere).
    pub async fn custom_roles(&self) -> Result<Vec<CustomRole>, ZendeskError> {
        self.pager("custom_roles", &[], "custom_roles", PageStyle::Offset)
            .collect_all()
            .await
    }

    /// The account's settings (one request); zroster reads the user switches.
    pub async fn account_settings(&self) -> Result<AccountSettings, ZendeskError> {
        self.get_object("account/settings", &[], "settings").await
    }

    /// The account's custom user field definitions (offset pages of 100; one request for
    /// nearly every account).
    pub async fn user_fields(&self) -> Result<Vec<UserField>, ZendeskError> {
        self.pager("user_fields", &[], "user_fields", PageStyle::Offset)
            .collect_all()
            .await
    }

    /// All groups, 100 a page by cursor.
    #[must_use]
    pub fn groups(&self) -> Pager<Group> {
        self.pager(
            "groups",
            &[("page[size]", PAGE_SIZE_PARAM)],
            "groups",
            PageStyle::Cursor,
        )
    }

    /// All organizations, 100 a page by cursor.
    #[must_use]
    pub fn organizations(&self) -> Pager<Organization> {
        self.pager(
            "organizations",
            &[("page[size]", PAGE_SIZE_PARAM)],
            "organizations",
            PageStyle::Cursor,
        )
    }

    /// Organizations by id, 100 per `show_many` request.
    pub async fn organizations_by_ids(
        &self,
        ids: &[u64],
    ) -> Result<Vec<Organization>, ZendeskError> {
        self.show_many(
            "organizations/show_many",
            "ids",
            &join_ids(ids),
            "organizations",
        )
        .await
    }

    /// Organizations by external id, 100 per `show_many` request.
    pub async fn organizations_by_external_ids(
        &self,
        external_ids: &[String],
    ) -> Result<Vec<Organization>, ZendeskError> {
        self.show_many(
            "organizations/show_many",
            "external_ids",
            external_ids,
            "organizations",
        )
        .await
    }

    /// Organizations whose name is exactly `name` (case-insensitive), `organizations/search?name=`.
    pub async fn search_organizations_by_name(
        &self,
        name: &str,
    ) -> Result<Vec<Organization>, ZendeskError> {
        self.pager(
            "organizations/search",
            &[("name", name)],
            "organizations",
            PageStyle::Offset,
        )
        .collect_all()
        .await
    }

    /// Every organization membership of the account, 100 a page by cursor.
    #[must_use]
    pub fn organization_memberships(&self) -> Pager<OrganizationMembership> {
        let query = [("page[size]", PAGE_SIZE_PARAM)];
        self.pager(
            "organization_memberships",
            &query,
            "organization_memberships",
            PageStyle::Cursor,
        )
    }

    /// One user's organization memberships.
    #[must_use]
    pub fn user_organization_memberships(&self, user_id: u64) -> Pager<OrganizationMembership> {
        let path = format!("users/{user_id}/organization_memberships");
        self.pager(
            &path,
            &[("page[size]", PAGE_SIZE_PARAM)],
            "organization_memberships",
            PageStyle::Cursor,
        )
    }

    /// Every group membership of the account, 100 a page by cursor.
    #[must_use]
    pub fn group_memberships(&self) -> Pager<GroupMembership> {
        self.pager(
            "group_memberships",
            &[("page[size]", PAGE_SIZE_PARAM)],
            "group_memberships",
            PageStyle::Cursor,
        )
    }

    /// One user's group memberships.
    #[must_use]
    pub fn user_group_memberships(&self, user_id: u64) -> Pager<GroupMembership> {
        let path = format!("users/{user_id}/group_memberships");
        self.pager(
            &path,
            &[("page[size]", PAGE_SIZE_PARAM)],
            "group_memberships",
            PageStyle::Cursor,
        )
    }

    /// One user's identities (email addresses, phone numbers, …).
    #[must_use]
    pub fn identities(&self, user_id: u64) -> Pager<Identity> {
        let path = format!("users/{user_id}/identities");
        self.pager(
            &path,
            &[("page[size]", PAGE_SIZE_PARAM)],
            "identities",
            PageStyle::Cursor,
        )
    }

    /// The identities of users by id, with as few requests as Zendesk allows:
    /// `users/show_many?ids=…&include=identities`, 100 users a request, several in flight,
    /// the identities sideloaded beside the users. Zendesk's API reference does not list that
    /// sideload, and a Zendesk answer in its community forum gives the request (UNCERTAIN,
    /// `src/fake/mod.rs`); so an answer without an `identities` list, or with an identity
    /// that names no user, is not trusted, and its users are read one at a time
    /// ([`ReadClient::identities`]). Unknown and deleted users are absent from the map; a
    /// user without identities maps to an empty list. Also returns the requests made (the
    /// client's counters would count other reads in flight too).
    pub async fn identities_of(
        &self,
        ids: &[u64],
    ) -> Result<(BTreeMap<u64, Vec<Identity>>, u64), ZendeskError> {
        let chunks: Vec<String> = ids
            .chunks(SHOW_MANY_LIMIT)
            .map(|chunk| join_ids(chunk).join(","))
            .collect();
        let requests = chunks.iter().map(|joined| {
            let url = self.transport.url(
                "users/show_many",
                &[("ids", joined), ("include", "identities")],
            );
            async move {
                let endpoint = self.transport.endpoint(&Method::GET, &url);
                let answer = self
                    .transport
                    .send(Method::GET, url, None, Repeat::Safe)
                    .await?;
                let sideloaded: Sideloaded = self
                    .transport
                    .decode(&endpoint, &answer, |body| serde_json::from_slice(body))?;
                self.sideloaded_identities(sideloaded).await
            }
        });
        let answers: Vec<(BTreeMap<u64, Vec<Identity>>, u64)> = stream::iter(requests)
            .buffered(self.settings().concurrency)
            .try_collect()
            .await?;
        let mut all = BTreeMap::new();
        let mut requests = 0;
        for (by_user, made) in answers {
            all.extend(by_user);
            requests += made;
        }
        Ok((all, requests))
    }

    /// Each user's identities from one `include=identities` answer, or read one user at a
    /// time when the answer did not sideload them; with the requests made (the answer's
    /// included).
    async fn sideloaded_identities(
        &self,
        answer: Sideloaded,
    ) -> Result<(BTreeMap<u64, Vec<Identity>>, u64), ZendeskError> {
        let mut by_user: BTreeMap<u64, Vec<Identity>> = answer
            .users
            .iter()
            .map(|user| (user.id, Vec::new()))
            .collect();
        let trusted = answer.identities.filter(|list| {
            list.iter()
                .all(|i| i.user_id.is_some_and(|id| by_user.contains_key(&id)))
        });
        let mut requests = 1;
        if let Some(identities) = trusted {
            for identity in identities {
                if let Some(list) = identity.user_id.and_then(|id| by_user.get_mut(&id)) {
                    list.push(identity);
                }
            }
        } else {
            for (id, list) in &mut by_user {
                let mut pager = self.identities(*id);
                while let Some(page) = pager.next_page().await? {
                    list.extend(page);
                }
                requests += pager.pages_fetched();
            }
        }
        Ok((by_user, requests))
    }

    /// Job statuses by id (`job_statuses/show_many`, 100 ids a request). Expired jobs are
    /// absent from the answer.
    pub async fn job_statuses(&self, ids: &[String]) -> Result<Vec<JobStatus>, ZendeskError> {
        self.show_many("job_statuses/show_many", "ids", ids, "job_statuses")
            .await
    }

    /// One job status; `Ok(None)` when Zendesk no longer knows it (404: expired or vanished).
    pub async fn job_status(&self, id: &str) -> Result<Option<JobStatus>, ZendeskError> {
        match self
            .get_object(&format!("job_statuses/{id}"), &[], "job_status")
            .await
        {
            Ok(status) => Ok(Some(status)),
            Err(ZendeskError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub(crate) fn pager<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &'static str,
        style: PageStyle,
    ) -> Pager<T> {
        Pager::new(
            Arc::clone(&self.transport),
            self.transport.url(path, query),
            key,
            style,
        )
    }

    pub(crate) async fn get_object<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        key: &str,
    ) -> Result<T, ZendeskError> {
        let url = self.transport.url(path, query);
        let endpoint = self.transport.endpoint(&Method::GET, &url);
        let answer = self
            .transport
            .send(Method::GET, url, None, Repeat::Safe)
            .await?;
        self.transport
            .decode(&endpoint, &answer, |body| parse_object(body, key))
    }

    /// `GET {path}?{param}=a,b,c` in chunks of 100, `concurrency` requests in flight, results
    /// in request order.
    async fn show_many<T: DeserializeOwned>(
        &self,
        path: &str,
        param: &str,
        values: &[String],
        key: &'static str,
    ) -> Result<Vec<T>, ZendeskError> {
        let mut all = Vec::new();
        self.each_show_many(path, param, values, key, |page| all.extend(page))
            .await?;
        Ok(all)
    }

    /// `show_many` requests of 100 values, several in flight; each answer's items go to
    /// `each` in request order.
    async fn each_show_many<T: DeserializeOwned>(
        &self,
        path: &str,
        param: &str,
        values: &[String],
        key: &'static str,
        mut each: impl FnMut(Vec<T>),
    ) -> Result<(), ZendeskError> {
        let include_deleted = path == "users/show_many";
        let requests = values.chunks(SHOW_MANY_LIMIT).map(|chunk| {
            let joined = chunk.join(",");
            let mut query = vec![(param, joined.as_str())];
            if include_deleted {
                query.push(("include_deleted", "true"));
            }
            let url = self.transport.url(path, &query);
            let transport = Arc::clone(&self.transport);
            async move {
                let endpoint = transport.endpoint(&Method::GET, &url);
                let answer = transport.send(Method::GET, url, None, Repeat::Safe).await?;
                transport
                    .decode(&endpoint, &answer, |body| Page::<T>::from_json(body, key))
                    .map(|page| page.items)
            }
        });
        let mut pages = stream::iter(requests).buffered(self.settings().concurrency);
        while let Some(page) = pages.next().await {
            each(page?);
        }
        Ok(())
    }
}

/// A `users/show_many?include=identities` answer: the users' ids, and the identities when
/// the answer holds them.
#[derive(Deserialize)]
struct Sideloaded {
    users: Vec<UserId>,
    #[serde(default)]
    identities: Option<Vec<Identity>>,
}

/// A user of a [`Sideloaded`] answer: its id is all that is read.
#[derive(Deserialize)]
struct UserId {
    id: u64,
}

fn join_ids(ids: &[u64]) -> Vec<String> {
    ids.iter().map(u64::to_string).collect()
}
