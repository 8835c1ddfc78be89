//! The bulk writes of [`WriteClient`]: users and memberships created, updated and
//! deleted as jobs of 100 items ([`BulkJob`]), falling back to single requests where the
//! account refuses bulk imports, and stopping when the client's [`Stop`](crate::zendesk::Stop) is raised.

use std::ops::Range;

use futures_util::{StreamExt as _, stream};
use reqwest::{Method, Url};
use serde_json::{Value, json};

use super::WriteClient;
use crate::zendesk::bulk_job::BulkJob;
use crate::zendesk::transport::Repeat;
use crate::zendesk::wire::Fields;
use crate::zendesk::{BulkOutcome, ClientEvent, ItemOutcome, ZendeskError};

impl WriteClient {
    /// `POST /users/create_many`, 100 a job. A submission whose answer is lost is not
    /// repeated: its items are [`ItemOutcome::Unknown`]. Falls back to single `POST /users`
    /// when the account has bulk imports disabled (403).
    pub async fn create_many_users(&self, users: &[Fields]) -> Result<BulkOutcome, ZendeskError> {
        let path = "users/create_many";
        self.bulk_objects(
            Method::POST,
            path,
            "users",
            users,
            Repeat::Unsafe,
            |client, user| async move {
                let user = client.create_user(user).await?;
                Ok(ItemOutcome::Created { id: Some(user.id) })
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
        let path = "users/create_or_update_many";
        self.bulk_objects(
            Method::POST,
            path,
            "users",
            users,
            Repeat::Safe,
            |client, user| async move {
                let user = client.create_or_update_user(user).await?;
                Ok(ItemOutcome::Done { id: Some(user.id) })
            },
        )
        .await
    }

    /// `PUT /users/update_many` in the batch form (`{"users":[{"id":…}]}`, each item carrying
    /// its `id`), 100 a job. Falls back to single `PUT /users/{id}` on 403.
    pub async fn update_many_users(&self, users: &[Fields]) -> Result<BulkOutcome, ZendeskError> {
        let path = "users/update_many";
        self.bulk_objects(
            Method::PUT,
            path,
            "users",
            users,
            Repeat::Safe,
            |client, user| async move {
                let Some(id) = user.get("id").and_then(Value::as_u64) else {
                    return Ok(ItemOutcome::Failed {
                        id: None,
                        error: "MissingId".to_owned(),
                        details: "an update_many item needs an `id`".to_owned(),
                    });
                };
                let mut fields = user.clone();
                fields.remove("id");
                let user = client.update_user(id, &fields).await?;
                Ok(ItemOutcome::Updated { id: Some(user.id) })
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
    /// Falls back to single `POST /organization_memberships` on 403.
    pub async fn create_many_organization_memberships(
        &self,
        memberships: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        self.create_many_memberships(
            "organization_memberships",
            "organization_id",
            memberships,
            |client, user, organization| async move {
                let membership = client
                    .create_organization_membership(user, organization)
                    .await?;
                Ok(membership.id)
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

    /// `POST /group_memberships/create_many` (`user_id`, `group_id` per item). Falls back to
    /// single `POST /group_memberships` on 403.
    pub async fn create_many_group_memberships(
        &self,
        memberships: &[Fields],
    ) -> Result<BulkOutcome, ZendeskError> {
        self.create_many_memberships(
            "group_memberships",
            "group_id",
            memberships,
            |client, user, group| async move {
                Ok(client.create_group_membership(user, group).await?.id)
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

    /// `POST /{collection}/create_many` (`user_id` and `target_key` per item), repeated after
    /// a lost answer. Falls back to `create` (user id, target id → membership id) per item.
    async fn create_many_memberships<'s, F, Fut>(
        &'s self,
        collection: &str,
        target_key: &str,
        memberships: &'s [Fields],
        create: F,
    ) -> Result<BulkOutcome, ZendeskError>
    where
        F: Fn(&'s Self, u64, u64) -> Fut,
        Fut: Future<Output = Result<u64, ZendeskError>>,
    {
        let path = format!("{collection}/create_many");
        let single = |client, item| {
            let create = &create;
            async move {
                let (user, target) = ids_of(item, target_key)?;
                let id = create(client, user, target).await?;
                Ok(ItemOutcome::Created { id: Some(id) })
            }
        };
        self.bulk_objects(
            Method::POST,
            &path,
            collection,
            memberships,
            Repeat::Safe,
            single,
        )
        .await
    }

    /// `DELETE /{collection}/destroy_many?ids=`, repeated after a lost answer. Falls back to
    /// `DELETE /{collection}/{id}` per item.
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
        self.bulk(ids, &submit, Repeat::Safe, &endpoint, |client, &id| {
            let path = format!("{collection}/{id}");
            async move {
                client.delete(&path).await?;
                Ok(ItemOutcome::Deleted { id: Some(id) })
            }
        })
        .await
    }

    /// A bulk operation whose body is `{"{key}": [items]}`: `method /{path}` per job of
    /// `items`, repeated after a lost answer as `repeat` allows; `single` runs one item when
    /// bulk imports are disabled (see [`WriteClient::bulk`]).
    async fn bulk_objects<'s, F, Fut>(
        &'s self,
        method: Method,
        path: &str,
        key: &str,
        items: &'s [Fields],
        repeat: Repeat,
        single: F,
    ) -> Result<BulkOutcome, ZendeskError>
    where
        F: Fn(&'s Self, &'s Fields) -> Fut,
        Fut: Future<Output = Result<ItemOutcome, ZendeskError>>,
    {
        let submit = |range: Range<usize>| {
            let url = self.transport.url(path, &[]);
            (method.clone(), url, Some(json!({ key: &items[range] })))
        };
        let endpoint = format!("{method} /api/v2/{path}");
        self.bulk(items, &submit, repeat, &endpoint, single).await
    }

    /// Runs a bulk operation as jobs; on 403 for the first job, or when the endpoint is known
    /// to be refused, runs `single` for every item instead, as many at once as keep the
    /// run's share of the rate limit busy ([`WriteClient::single_writes_in_flight`]), and says
    /// so in the outcome and to the observer.
    async fn bulk<'s, I, F, Fut>(
        &'s self,
        items: &'s [I],
        submit: &(dyn Fn(Range<usize>) -> (Method, Url, Option<Value>) + Sync),
        repeat: Repeat,
        endpoint: &str,
        single: F,
    ) -> Result<BulkOutcome, ZendeskError>
    where
        F: Fn(&'s Self, &'s I) -> Fut,
        Fut: Future<Output = Result<ItemOutcome, ZendeskError>>,
    {
        let count = items.len();
        if count == 0 {
            return Ok(BulkOutcome {
                items: Vec::new(),
                jobs: 0,
                fell_back_to_single_requests: false,
            });
        }
        let known_refused = self.refused().contains(endpoint);
        if !known_refused {
            match (BulkJob {
                submit,
                repeat,
                count,
                stop: &self.stop,
                operation: self.operation,
            })
            .run(&self.read, &self.board)
            .await
            {
                Err(ZendeskError::Forbidden { .. }) => self.remember_bulk_refused(endpoint),
                other => return other,
            }
        }
        self.transport.observer().on_event(&ClientEvent::Fallback {
            endpoint,
            requests: count,
        });
        let concurrency = self.single_writes_in_flight();
        let single = &single;
        let results: Vec<Result<ItemOutcome, ZendeskError>> =
            stream::iter(items.iter().map(|item| async move {
                if self.stop.is_raised() {
                    return Ok(ItemOutcome::NotSubmitted);
                }
                single(self, item).await
            }))
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
}

impl WriteClient {
    /// How many single writes replacing a refused bulk endpoint go at once: a second's worth
    /// of the run's share of the rate limit (`limit × share / 60`), so that the pacer, not
    /// the answers' latency, sets their pace for latencies up to a second; never fewer than
    /// the read concurrency, never more than [`MAX_SINGLE_WRITES_IN_FLIGHT`].
    fn single_writes_in_flight(&self) -> usize {
        let settings = self.settings();
        let per_second = self.transport.rate_limit().map_or(0.0, |limit| {
            f64::from(limit) * settings.rate_limit_share / 60.0
        });
        // Non-negative and small: the limit is at most a few thousand a minute.
        #[allow(clippy::cast_sign_loss)]
        let second = per_second.ceil() as usize;
        second.clamp(settings.concurrency.max(1), MAX_SINGLE_WRITES_IN_FLIGHT)
    }
}

/// The most single writes in flight at once, whatever the rate limit allows (High Volume
/// accounts allow 2,500 a minute, 42 a second).
const MAX_SINGLE_WRITES_IN_FLIGHT: usize = 32;

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
