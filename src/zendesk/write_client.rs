//! The client that writes: everything [`ReadClient`] does plus creates, updates, deletes and
//! bulk jobs (in `bulk`). Only `apply` holds one; the planner gets
//! [`WriteClient::read_only`].

use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

mod bulk;

use super::job_board::JobBoard;
use super::transport::Repeat;
use super::wire::{
    CustomRole, Fields, Group, GroupMembership, Identity, Organization, OrganizationMembership,
    User, parse_object,
};
use super::{ConnectionSettings, Observer, ReadClient, Silent, Stop, ZendeskError};

/// A client that can read and write. Dereferences to [`ReadClient`] for the reads.
#[derive(Debug, Clone)]
pub struct WriteClient {
    read: ReadClient,
    /// Bulk endpoints the account refused with 403 (bulk imports off): later calls to them
    /// go straight to single requests. Shared by clones, so it lasts the run.
    refused_bulk: Arc<Mutex<BTreeSet<String>>>,
    /// Raised, no further job or single request of a bulk operation is sent. Shared by
    /// clones.
    stop: Stop,
    /// The jobs in flight and their slots, shared by clones: bulk operations running side
    /// by side never have more than `max_jobs` jobs queued or running together, and are
    /// polled together.
    board: Arc<JobBoard>,
    /// The bulk operation this handle writes for, as [`ClientEvent::JobSubmitted`] names it
    /// (0: untagged); see [`WriteClient::for_operation`].
    ///
    /// [`ClientEvent::JobSubmitted`]: super::ClientEvent::JobSubmitted
    operation: u64,
}

impl Deref for WriteClient {
    type Target = ReadClient;

    fn deref(&self) -> &ReadClient {
        &self.read
    }
}

impl WriteClient {
    /// A writing client for `settings` that reports nothing. No request is made yet.
    pub fn connect(settings: ConnectionSettings) -> Result<Self, ZendeskError> {
        Self::with_observer(settings, Arc::new(Silent))
    }

    /// A writing client that reports progress, retries and fallbacks to `observer`.
    pub fn with_observer(
        settings: ConnectionSettings,
        observer: Arc<dyn Observer>,
    ) -> Result<Self, ZendeskError> {
        let board = Arc::new(JobBoard::new(settings.effective_max_jobs()));
        Ok(Self {
            read: ReadClient::with_observer(settings, observer)?,
            refused_bulk: Arc::default(),
            stop: Stop::default(),
            board,
            operation: 0,
        })
    }

    /// A handle on the same client (shared pacing, counters, job slots and stop) whose bulk
    /// jobs are reported as submitted for `operation`
    /// ([`ClientEvent::JobSubmitted`](super::ClientEvent::JobSubmitted)): bulk operations
    /// that run side by side tell their jobs apart by it (the apply journal maps each job
    /// back to the changes of its operation).
    #[must_use]
    pub fn for_operation(&self, operation: u64) -> Self {
        Self {
            operation,
            ..self.clone()
        }
    }

    /// Remembers that the account refuses the bulk endpoint `endpoint` (`POST
    /// /api/v2/users/create_or_update_many`), as an earlier run learned: calls to it use
    /// single requests from the start.
    pub fn remember_bulk_refused(&self, endpoint: &str) {
        self.refused().insert(endpoint.to_owned());
    }

    /// The bulk endpoints the account refused during this run (or was known to refuse).
    #[must_use]
    pub fn bulk_refused(&self) -> Vec<String> {
        self.refused().iter().cloned().collect()
    }

    fn refused(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        // A panic elsewhere cannot leave the set half-written: use it as it is.
        self.refused_bulk
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stop of this client's writes: raised, bulk operations send no further job or
    /// single request (their items are
    /// [`ItemOutcome::NotSubmitted`](super::ItemOutcome::NotSubmitted)); the writers check it
    /// before their own single requests.
    #[must_use]
    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    /// A read-only handle on the same connection (shared pacing and counters).
    #[must_use]
    pub fn read_only(&self) -> ReadClient {
        self.read.clone()
    }

    // ---- single requests -------------------------------------------------------------

    /// `POST /users`: creates one user. Not repeated after a lost answer
    /// ([`ZendeskError::OutcomeUnknown`]); prefer [`WriteClient::create_or_update_user`].
    pub async fn create_user(&self, user: &Fields) -> Result<User, ZendeskError> {
        self.post_object("users", "user", user).await
    }

    /// `POST /users/create_or_update`: matched by external id or email, so repeating it
    /// cannot duplicate the user.
    pub async fn create_or_update_user(&self, user: &Fields) -> Result<User, ZendeskError> {
        let path = "users/create_or_update";
        self.write(Method::POST, path, "user", user, Repeat::Safe)
            .await
    }

    /// `PUT /users/{id}`. Note: an `email` here adds a secondary identity; change the primary
    /// address with [`WriteClient::create_identity`] and [`WriteClient::make_identity_primary`].
    pub async fn update_user(&self, id: u64, fields: &Fields) -> Result<User, ZendeskError> {
        self.put_object(&format!("users/{id}"), "user", fields)
            .await
    }

    /// `POST /users/{id}/identities` with an email address. Not repeated after a lost answer.
    pub async fn create_identity(
        &self,
        user_id: u64,
        email: &str,
    ) -> Result<Identity, ZendeskError> {
        let identity = json!({ "type": "email", "value": email, "skip_verify_email": true });
        self.post_object(
            &format!("users/{user_id}/identities"),
            "identity",
            &identity,
        )
        .await
    }

    /// `PUT /users/{id}/identities/{identity_id}/make_primary`; returns the user's identities.
    pub async fn make_identity_primary(
        &self,
        user_id: u64,
        identity_id: u64,
    ) -> Result<Vec<Identity>, ZendeskError> {
        let url = self.transport.url(
            &format!("users/{user_id}/identities/{identity_id}/make_primary"),
            &[],
        );
        let endpoint = self.transport.endpoint(&Method::PUT, &url);
        let answer = self
            .transport
            .send(Method::PUT, url, Some(&json!({})), Repeat::Safe)
            .await?;
        self.transport
            .decode(&endpoint, &answer, |body| {
                super::wire::Page::<Identity>::from_json(body, "identities")
            })
            .map(|page| page.items)
    }

    /// `POST /custom_roles`. Not repeated after a lost answer.
    pub async fn create_custom_role(&self, role: &Fields) -> Result<CustomRole, ZendeskError> {
        self.post_object("custom_roles", "custom_role", role).await
    }

    /// `PUT /custom_roles/{id}`.
    pub async fn update_custom_role(
        &self,
        id: u64,
        role: &Fields,
    ) -> Result<CustomRole, ZendeskError> {
        self.put_object(&format!("custom_roles/{id}"), "custom_role", role)
            .await
    }

    /// `POST /organizations`. Not repeated after a lost answer.
    pub async fn create_organization(
        &self,
        organization: &Fields,
    ) -> Result<Organization, ZendeskError> {
        self.post_object("organizations", "organization", organization)
            .await
    }

    /// `POST /organizations/create_or_update`: matched by `id` or `external_id` (never by
    /// name), updated when found, created otherwise; so repeating it cannot duplicate the
    /// organization. Returns the organization and whether it was created (201) rather than
    /// updated (200).
    pub async fn create_or_update_organization(
        &self,
        organization: &Fields,
    ) -> Result<(Organization, bool), ZendeskError> {
        let key = "organization";
        let body = json!({ key: organization });
        let url = self.transport.url("organizations/create_or_update", &[]);
        let endpoint = self.transport.endpoint(&Method::POST, &url);
        let answer = self
            .transport
            .send(Method::POST, url, Some(&body), Repeat::Safe)
            .await?;
        let created = answer.status == reqwest::StatusCode::CREATED;
        self.transport
            .decode(&endpoint, &answer, |body| parse_object(body, key))
            .map(|organization| (organization, created))
    }

    /// `DELETE /organizations/{id}`.
    pub async fn delete_organization(&self, id: u64) -> Result<(), ZendeskError> {
        self.delete(&format!("organizations/{id}")).await
    }

    /// `DELETE /groups/{id}`.
    pub async fn delete_group(&self, id: u64) -> Result<(), ZendeskError> {
        self.delete(&format!("groups/{id}")).await
    }

    /// `DELETE /custom_roles/{id}`.
    pub async fn delete_custom_role(&self, id: u64) -> Result<(), ZendeskError> {
        self.delete(&format!("custom_roles/{id}")).await
    }

    /// `PUT /organizations/{id}` (`domain_names` replaces the whole list).
    pub async fn update_organization(
        &self,
        id: u64,
        organization: &Fields,
    ) -> Result<Organization, ZendeskError> {
        let path = format!("organizations/{id}");
        self.put_object(&path, "organization", organization).await
    }

    /// `POST /groups`. Not repeated after a lost answer.
    pub async fn create_group(&self, group: &Fields) -> Result<Group, ZendeskError> {
        self.post_object("groups", "group", group).await
    }

    /// `PUT /groups/{id}`.
    pub async fn update_group(&self, id: u64, group: &Fields) -> Result<Group, ZendeskError> {
        self.put_object(&format!("groups/{id}"), "group", group)
            .await
    }

    /// `POST /organization_memberships` (422 when the user is already a member). Not repeated
    /// after a lost answer.
    pub async fn create_organization_membership(
        &self,
        user_id: u64,
        organization_id: u64,
    ) -> Result<OrganizationMembership, ZendeskError> {
        let membership = json!({ "user_id": user_id, "organization_id": organization_id });
        self.post_object(
            "organization_memberships",
            "organization_membership",
            &membership,
        )
        .await
    }

    /// `POST /group_memberships`. Not repeated after a lost answer.
    pub async fn create_group_membership(
        &self,
        user_id: u64,
        group_id: u64,
    ) -> Result<GroupMembership, ZendeskError> {
        let membership = json!({ "user_id": user_id, "group_id": group_id });
        self.post_object("group_memberships", "group_membership", &membership)
            .await
    }

    /// `DELETE /{path}`; the body, if any, is not read.
    async fn delete(&self, path: &str) -> Result<(), ZendeskError> {
        let url = self.transport.url(path, &[]);
        self.transport
            .send(Method::DELETE, url, None, Repeat::Safe)
            .await
            .map(drop)
    }

    /// `POST /{path}` with `{"{key}": object}`, answered by `{"{key}": …}`. Creates, so it is
    /// not repeated after a lost answer.
    async fn post_object<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        object: &(impl Serialize + ?Sized),
    ) -> Result<T, ZendeskError> {
        self.write(Method::POST, path, key, object, Repeat::Unsafe)
            .await
    }

    /// `PUT /{path}` with `{"{key}": object}`, answered by `{"{key}": …}`. Sets fields, so it
    /// is repeated after a lost answer.
    async fn put_object<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        object: &(impl Serialize + ?Sized),
    ) -> Result<T, ZendeskError> {
        self.write(Method::PUT, path, key, object, Repeat::Safe)
            .await
    }

    /// `method /{path}` with `{"{key}": object}`, decoding the `key` member of the answer.
    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        key: &str,
        object: &(impl Serialize + ?Sized),
        repeat: Repeat,
    ) -> Result<T, ZendeskError> {
        let body = json!({ key: object });
        let url = self.transport.url(path, &[]);
        let endpoint = self.transport.endpoint(&method, &url);
        let answer = self
            .transport
            .send(method, url, Some(&body), repeat)
            .await?;
        self.transport
            .decode(&endpoint, &answer, |body| parse_object(body, key))
    }
}
