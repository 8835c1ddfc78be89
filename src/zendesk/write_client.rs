//! The client that writes: everything [`ReadClient`] does plus creates, updates, deletes and
//! bulk jobs. Only `apply` holds one; the planner gets [`WriteClient::read_only`].

use std::ops::{Deref, Range};
use std::sync::Arc;

use futures_util::{StreamExt as _, stream};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::bulk_job::BulkJob;
use super::transport::{Repeat, Transport};
use super::wire::{
    CustomRole, Fields, Group, GroupMembership, Identity, Organization, OrganizationMembership,
    User, parse_object,
};
use super::{
    BulkOutcome, ClientEvent, ConnectionSettings, ItemOutcome, Observer, ReadClient, Silent,
    ZendeskError,
};

/// A client that can read and write. Dereferences to [`ReadClient`] for the reads.
#[derive(Debug, Clone)]
pub struct WriteClient {
    read: ReadClient,
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
        Ok(Self {
            read: ReadClient::with_observer(settings, observer)?,
        })
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
        self.write(
            Method::POST,
            "users",
            &json!({ "user": user }),
            Repeat::Unsafe,
            "user",
        )
        .await
    }

    /// `POST /users/create_or_update`: matched by external id or email, so repeating it
    /// cannot duplicate the user.
    pub async fn create_or_update_user(&self, user: &Fields) -> Result<User, ZendeskError> {
        self.write(
            Method::POST,
            "users/create_or_update",
            &json!({ "user": user }),
            Repeat::Safe,
            "user",
        )
        .await
    }

    /// `PUT /users/{id}`. Note: an `email` here adds a secondary identity; change the primary
    /// address with [`WriteClient::create_identity`] and [`WriteClient::make_identity_primary`].
    pub async fn update_user(&self, id: u64, fields: &Fields) -> Result<User, ZendeskError> {
        self.write(
            Method::PUT,
            &format!("users/{id}"),
            &json!({ "user": fields }),
            Repeat::Safe,
            "user",
        )
        .await
    }

    /// `POST /users/{id}/identities` with an email address. Not repeated after a lost answer.
    pub async fn create_identity(
        &self,
        user_id: u64,
        email: &str,
    ) -> Result<Identity, ZendeskError> {
        let body =
            json!({ "identity": { "type": "email", "value": email, "skip_verify_email": true } });
        self.write(
            Method::POST,
            &format!("users/{user_id}/identities"),
            &body,
            Repeat::Unsafe,
            "identity",
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
        Transport::decode(&endpoint, &answer, |body| {
            super::wire::Page::<Identity>::from_json(body, "identities")
        })
        .map(|page| page.items)
    }

    /// `POST /custom_roles`. Not repeated after a lost answer.
    pub async fn create_custom_role(&self, role: &Fields) -> Result<CustomRole, ZendeskError> {
        self.write(
            Method::POST,
            "custom_roles",
            &json!({ "custom_role": role }),
            Repeat::Unsafe,
            "custom_role",
        )
        .await
    }

    /// `PUT /custom_roles/{id}`.
    pub async fn update_custom_role(
        &self,
        id: u64,
        role: &Fields,
    ) -> Result<CustomRole, ZendeskError> {
        let path = format!("custom_roles/{id}");
        self.write(
            Method::PUT,
            &path,
            &json!({ "custom_role": role }),
            Repeat::Safe,
            "custom_role",
        )
        .await
    }

    /// `POST /organizations`. Not repeated after a lost answer.
    pub async fn create_organization(
        &self,
        organization: &Fields,
    ) -> Result<Organization, ZendeskError> {
        let body = json!({ "organization": organization });
        self.write(
            Method::POST,
            "organizations",
            &body,
            Repeat::Unsafe,
            "organization",
        )
        .await
    }

    /// `PUT /organizations/{id}` (`domain_names` replaces the whole list).
    pub async fn update_organization(
        &self,
        id: u64,
        organization: &Fields,
    ) -> Result<Organization, ZendeskError> {
        let body = json!({ "organization": organization });
        self.write(
            Method::PUT,
            &format!("organizations/{id}"),
            &body,
            Repeat::Safe,
            "organization",
        )
        .await
    }

    /// `POST /groups`. Not repeated after a lost answer.
    pub async fn create_group(&self, group: &Fields) -> Result<Group, ZendeskError> {
        self.write(
            Method::POST,
            "groups",
            &json!({ "group": group }),
            Repeat::Unsafe,
            "group",
        )
        .await
    }

    /// `PUT /groups/{id}`.
    pub async fn update_group(&self, id: u64, group: &Fields) -> Result<Group, ZendeskError> {
        self.write(
            Method::PUT,
            &format!("groups/{id}"),
            &json!({ "group": group }),
            Repeat::Safe,
            "group",
        )
        .await
    }

    /// `POST /organization_memberships` (422 when the user is already a member).
    pub async fn create_organization_membership(
        &self,
        user_id: u64,
        organization_id: u64,
    ) -> Result<OrganizationMembership, ZendeskError> {
        let body = json!({ "organization_membership": { "user_id": user_id, "organization_id": organization_id } });
        self.write(
            Method::POST,
            "organization_memberships",
            &body,
            Repeat::Unsafe,
            "organization_membership",
        )
        .await
    }

    /// `POST /group_memberships`.
    pub async fn create_group_membership(
        &self,
        user_id: u64,
        group_id: u64,
    ) -> Result<GroupMembership, ZendeskError> {
        let body = json!({ "group_membership": { "user_id": user_id, "group_id": group_id } });
        self.write(
            Method::POST,
            "group_memberships",
            &body,
            Repeat::Unsafe,
            "group_membership",
        )
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

    // ---- bulk jobs -------------------------------------------------------------------

    /// `POST /users/create_many`, 100 a job. A submission whose answer is lost is not
    /// repeated: its items are [`ItemOutcome::Unknown`]. Falls back to single `POST /users`
    /// when the account has bulk imports disabled (403).
    pub async fn create_many_users(&self, users: &[Fields]) -> Result<BulkOutcome, ZendeskError> {
        let submit = |range: Range<usize>| {
            (
                Method::POST,
                self.transport.url("users/create_many", &[]),
                Some(json!({ "users": &users[range] })),
            )
        };
        self.bulk(
            &submit,
            Repeat::Unsafe,
            users.len(),
            "POST /api/v2/users/create_many",
            |client, i| {
                Box::pin(async move {
                    client
                        .create_user(&users[i])
                        .await
                        .map(|user| ItemOutcome::Created { id: Some(user.id) })
                })
            },
        )
        .await
    }

    /// `POST /users/create_or_update_many`, 100 a job; safe to repeat. Falls back to single
    /// `POST /users/create_or_update` on 403.
    pub async fn create_or_update_many_users(
        &self,
        users: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        let submit = |range: Range<usize>| {
            let url = self.transport.url("users/create_or_update_many", &[]);
            (Method::POST, url, Some(json!({ "users": &users[range] })))
        };
        self.bulk(
            &submit,
            Repeat::Safe,
            users.len(),
            "POST /api/v2/users/create_or_update_many",
            |client, i| {
                Box::pin(async move {
                    client
                        .create_or_update_user(&users[i])
                        .await
                        .map(|user| ItemOutcome::Done { id: Some(user.id) })
                })
            },
        )
        .await
    }

    /// `PUT /users/update_many` in the batch form (`{"users":[{"id":…}]}`, each item carrying
    /// its `id`), 100 a job. Falls back to single `PUT /users/{id}` on 403.
    pub async fn update_many_users(&self, users: &[Fields]) -> Result<BulkOutcome, ZendeskError> {
        let submit = |range: Range<usize>| {
            (
                Method::PUT,
                self.transport.url("users/update_many", &[]),
                Some(json!({ "users": &users[range] })),
            )
        };
        self.bulk(
            &submit,
            Repeat::Safe,
            users.len(),
            "PUT /api/v2/users/update_many",
            |client, i| {
                Box::pin(async move {
                    let Some(id) = users[i].get("id").and_then(Value::as_u64) else {
                        return Ok(ItemOutcome::Failed {
                            id: None,
                            error: "MissingId".to_owned(),
                            details: "an update_many item needs an `id`".to_owned(),
                        });
                    };
                    let mut fields = users[i].clone();
                    fields.remove("id");
                    client
                        .update_user(id, &fields)
                        .await
                        .map(|user| ItemOutcome::Updated { id: Some(user.id) })
                })
            },
        )
        .await
    }

    /// `DELETE /users/destroy_many?ids=`, 100 a job (soft delete). Falls back to single
    /// `DELETE /users/{id}` on 403.
    pub async fn destroy_many_users(&self, ids: &[u64]) -> Result<BulkOutcome, ZendeskError> {
        self.destroy_many("users", ids).await
    }

    /// `POST /organization_memberships/create_many` (`user_id`, `organization_id` per item).
    pub async fn create_many_organization_memberships(
        &self,
        memberships: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        let submit = |range: Range<usize>| {
            let url = self
                .transport
                .url("organization_memberships/create_many", &[]);
            (
                Method::POST,
                url,
                Some(json!({ "organization_memberships": &memberships[range] })),
            )
        };
        let endpoint = "POST /api/v2/organization_memberships/create_many";
        self.bulk(
            &submit,
            Repeat::Safe,
            memberships.len(),
            endpoint,
            |client, i| {
                Box::pin(async move {
                    let (user, organization) = ids_of(&memberships[i], "organization_id")?;
                    client
                        .create_organization_membership(user, organization)
                        .await
                        .map(|membership| ItemOutcome::Created {
                            id: Some(membership.id),
                        })
                })
            },
        )
        .await
    }

    /// `DELETE /organization_memberships/destroy_many?ids=`.
    pub async fn destroy_many_organization_memberships(
        &self,
        ids: &[u64],
    ) -> Result<BulkOutcome, ZendeskError> {
        self.destroy_many("organization_memberships", ids).await
    }

    /// `POST /group_memberships/create_many` (`user_id`, `group_id` per item).
    pub async fn create_many_group_memberships(
        &self,
        memberships: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        let submit = |range: Range<usize>| {
            let url = self.transport.url("group_memberships/create_many", &[]);
            (
                Method::POST,
                url,
                Some(json!({ "group_memberships": &memberships[range] })),
            )
        };
        let endpoint = "POST /api/v2/group_memberships/create_many";
        self.bulk(
            &submit,
            Repeat::Safe,
            memberships.len(),
            endpoint,
            |client, i| {
                Box::pin(async move {
                    let (user, group) = ids_of(&memberships[i], "group_id")?;
                    client
                        .create_group_membership(user, group)
                        .await
                        .map(|membership| ItemOutcome::Created {
                            id: Some(membership.id),
                        })
                })
            },
        )
        .await
    }

    /// `DELETE /group_memberships/destroy_many?ids=`.
    pub async fn destroy_many_group_memberships(
        &self,
        ids: &[u64],
    ) -> Result<BulkOutcome, ZendeskError> {
        self.destroy_many("group_memberships", ids).await
    }

    async fn destroy_many(
        &self,
        collection: &str,
        ids: &[u64],
    ) -> Result<BulkOutcome, ZendeskError> {
        let path = format!("{collection}/destroy_many");
        let submit = |range: Range<usize>| {
            let joined = ids[range]
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            (
                Method::DELETE,
                self.transport.url(&path, &[("ids", &joined)]),
                None,
            )
        };
        let endpoint = format!("DELETE /api/v2/{path}");
        self.bulk(&submit, Repeat::Safe, ids.len(), &endpoint, |client, i| {
            let path = format!("{collection}/{}", ids[i]);
            Box::pin(async move {
                client
                    .delete(&path)
                    .await
                    .map(|()| ItemOutcome::Deleted { id: Some(ids[i]) })
            })
        })
        .await
    }

    /// Runs a bulk operation as jobs; on 403 for the first job, runs `single` for every item
    /// instead (bounded concurrency) and says so in the outcome and to the observer.
    async fn bulk<'s, F>(
        &'s self,
        submit: &(dyn Fn(Range<usize>) -> (Method, Url, Option<Value>) + Sync),
        repeat: Repeat,
        count: usize,
        endpoint: &str,
        single: F,
    ) -> Result<BulkOutcome, ZendeskError>
    where
        F: Fn(
            &'s Self,
            usize,
        ) -> futures_util::future::BoxFuture<'s, Result<ItemOutcome, ZendeskError>>,
    {
        if count == 0 {
            return Ok(BulkOutcome {
                items: Vec::new(),
                jobs: 0,
                fell_back_to_single_requests: false,
            });
        }
        match (BulkJob {
            submit,
            repeat,
            count,
        })
        .run(&self.read)
        .await
        {
            Err(ZendeskError::Forbidden { .. }) => {}
            other => return other,
        }
        self.transport.observer().on_event(&ClientEvent::Fallback {
            endpoint,
            requests: count,
        });
        let concurrency = self.settings().concurrency;
        let results: Vec<Result<ItemOutcome, ZendeskError>> =
            stream::iter((0..count).map(|i| single(self, i)))
                .buffered(concurrency)
                .collect()
                .await;
        let mut items = Vec::with_capacity(count);
        for result in results {
            items.push(match result {
                Ok(outcome) => outcome,
                Err(
                    error @ (ZendeskError::Authentication { .. } | ZendeskError::Forbidden { .. }),
                ) => return Err(error),
                Err(ZendeskError::Invalid {
                    error,
                    description,
                    details,
                    ..
                }) => ItemOutcome::Failed {
                    id: None,
                    error,
                    details: details
                        .iter()
                        .map(|detail| detail.description.clone())
                        .next()
                        .unwrap_or(description),
                },
                Err(ZendeskError::Rejected {
                    status, message, ..
                }) => ItemOutcome::Failed {
                    id: None,
                    error: format!("HTTP {status}"),
                    details: message,
                },
                Err(ZendeskError::NotFound { message, .. }) => ItemOutcome::Failed {
                    id: None,
                    error: "RecordNotFound".to_owned(),
                    details: message,
                },
                Err(other) => ItemOutcome::Unknown {
                    reason: other.to_string(),
                },
            });
        }
        Ok(BulkOutcome {
            items,
            jobs: 0,
            fell_back_to_single_requests: true,
        })
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        repeat: Repeat,
        key: &str,
    ) -> Result<T, ZendeskError> {
        let url = self.transport.url(path, &[]);
        let endpoint = self.transport.endpoint(&method, &url);
        let answer = self.transport.send(method, url, Some(body), repeat).await?;
        Transport::decode(&endpoint, &answer, |body| parse_object(body, key))
    }
}

/// `user_id` and `other` of a membership item.
fn ids_of(item: &Fields, other: &str) -> Result<(u64, u64), ZendeskError> {
    let id = |key: &str| item.get(key).and_then(Value::as_u64);
    match (id("user_id"), id(other)) {
        (Some(user), Some(target)) => Ok((user, target)),
        _ => Err(ZendeskError::Rejected {
            endpoint: "membership".to_owned(),
            status: 0,
            message: format!("a membership item needs `user_id` and `{other}`"),
        }),
    }
}
