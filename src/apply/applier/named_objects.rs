//! Custom roles, organizations and groups: few, so one request each, in plan order. Their
//! ids (new or adopted) go into the run's names, for the users and memberships that refer
//! to them.
//!
//! Creating one is idempotent on every path, resumed or not: Zendesk has no lock and, for
//! groups, no unique names, so a create is guarded by reads around it.
//! 1. Right before the first create of a phase, the account is read once for the names to
//!    create ([`LiveObjects::look_up`]). A name it holds already is *adopted*: no second
//!    object. If the live object differs from the plan in a planned field, it is updated
//!    (`PUT`), as a fresh plan would do.
//! 2. Organizations with an external id are written with `create_or_update`, which Zendesk
//!    matches by external id itself (never by name): repeating it cannot duplicate.
//! 3. After the creates, the account is read again for the names created. When two objects
//!    hold a name (another run created it between this run's read and its create), the
//!    oldest (lowest id) is kept by every run: a run whose own is not the oldest deletes
//!    its own, seconds old and still empty, and adopts the oldest.
//! 4. A create whose answer was lost (a dropped connection, a 5xx after sending) is settled
//!    by the same read: found, it is adopted; not found, it is created again (and read back
//!    once more). Zendesk's refusal of a name or external id taken already (organizations,
//!    custom roles) is settled the same way. The users and memberships that refer to the
//!    object come in later phases, so they wait for this instead of failing.
//!
//! Once the run is stopped ([`crate::zendesk::Stop`]), no create or update is sent; the
//! reads go on, so what was sent is settled, and a twin this run made is still deleted.

use super::live_objects::{LiveObject, LiveObjects};
use crate::apply::ItemError;
use crate::apply::body::object_body;
use crate::apply::run::Run;
use crate::plan::{Change, MatchKey, Named};
use crate::zendesk::wire::Fields;
use crate::zendesk::{WriteClient, ZendeskError};

/// Reads (and creates) per create at most: the read before, the read after, and one
/// more read after a create sent again because the first one's answer was lost.
const ROUNDS: usize = 3;

/// Creates and updates the named objects of one kind.
pub(in crate::apply) struct NamedObjects(pub(in crate::apply) Named);

/// Where one create stands.
#[derive(Debug)]
enum Step {
    /// Not sent yet.
    Fresh,
    /// Created by this run (the id), to read back for a twin.
    Created(u64),
    /// Sent, and the answer lost (why).
    Lost(String),
    /// Refused because the name or external id is taken (the refusal).
    Taken(ItemError),
    /// Settled: its result is in the run.
    Done,
}

impl Step {
    /// Whether the account must be read before this step is taken.
    fn needs_reading(&self, change: &Change) -> bool {
        match self {
            // `create_or_update` matches by external id by itself.
            Step::Fresh => !with_external_id(change),
            Step::Created(_) | Step::Lost(_) | Step::Taken(_) => true,
            Step::Done => false,
        }
    }
}

/// Whether `change` is an organization's with an external id (written with
/// `create_or_update`).
fn with_external_id(change: &Change) -> bool {
    change.kind.named() == Some(Named::Organization)
        && matches!(change.key, MatchKey::ExternalId(_))
}

impl NamedObjects {
    /// Whether this applier makes `change`.
    pub(in crate::apply) fn takes(&self, change: &Change) -> bool {
        change.kind.named() == Some(self.0)
    }

    /// Makes the changes `items` (indices in the plan, in plan order, all still to make)
    /// and records every outcome in `run`. Named objects are made alone, before the users
    /// and memberships that refer to them, so they hold the run throughout.
    pub(in crate::apply) async fn apply(
        &self,
        client: &WriteClient,
        run: &mut Run<'_>,
        items: Vec<usize>,
    ) {
        let mut steps = Vec::new();
        for i in items {
            match run.plan.changes[i].id {
                // Stopped: not started.
                Some(_) if client.stop().is_raised() => {}
                Some(id) => {
                    run.begin(self.operation(), &[i]);
                    if client.stop().is_raised() {
                        continue;
                    }
                    let body = object_body(&run.plan.changes[i]);
                    let result = self.update(client, id, &body).await;
                    self.settle_write(run, i, result.map(|()| id), None);
                }
                None => steps.push((i, Step::Fresh)),
            }
        }
        for round in 0..ROUNDS {
            let reading: Vec<&str> = steps
                .iter()
                .filter(|(i, step)| step.needs_reading(&run.plan.changes[*i]))
                .map(|(i, _)| run.plan.changes[*i].label.as_str())
                .collect();
            let live = if reading.is_empty() {
                Ok(LiveObjects::default())
            } else {
                LiveObjects::look_up(client, self.0, &reading, &[]).await
            };
            let last = round + 1 == ROUNDS;
            for (i, step) in &mut steps {
                let taken = std::mem::replace(step, Step::Done);
                *step = self.take(client, run, *i, taken, &live, last).await;
            }
            steps.retain(|(_, step)| !matches!(step, Step::Done));
            if steps.is_empty() {
                break;
            }
        }
        // Left after the last read: a create read back no more, a lost answer never found.
        for (i, step) in steps {
            match step {
                Step::Created(id) => self.settle_write(run, i, Ok(id), None),
                Step::Lost(reason) => run.fail(i, ItemError::OutcomeUnknown(reason)),
                Step::Taken(refusal) => run.fail(i, refusal),
                Step::Fresh | Step::Done => {}
            }
        }
        run.flush_journal();
    }
}

impl NamedObjects {
    /// The journal's name of this kind's writes.
    fn operation(&self) -> &'static str {
        match self.0 {
            Named::CustomRole => "custom_roles",
            Named::Organization => "organizations",
            Named::Group => "groups",
        }
    }

    /// The kind's name in messages.
    fn noun(&self) -> &'static str {
        match self.0 {
            Named::CustomRole => "custom role",
            Named::Organization => "organization",
            Named::Group => "group",
        }
    }

    /// Takes one create a step further, with what the read before it found (`live`).
    async fn take(
        &self,
        client: &WriteClient,
        run: &mut Run<'_>,
        i: usize,
        step: Step,
        live: &Result<LiveObjects, ZendeskError>,
        last: bool,
    ) -> Step {
        let plan = run.plan;
        let change = &plan.changes[i];
        let found = live
            .as_ref()
            .ok()
            .and_then(|live| live.find(change))
            .cloned();
        if let Err(error) = live
            && step.needs_reading(change)
        {
            // Without the read, a create could duplicate: nothing is sent.
            let reason = format!(
                "could not read the account's {}s to check for `{}`: {error}",
                self.noun(),
                change.label
            );
            match step {
                Step::Fresh => run.fail(i, ItemError::ReadFailed(reason)),
                Step::Created(id) => self.settle_write(run, i, Ok(id), None),
                Step::Lost(why) => {
                    run.fail(i, ItemError::OutcomeUnknown(format!("{why}; {reason}")));
                }
                Step::Taken(refusal) => run.fail(i, refusal),
                Step::Done => {}
            }
            return Step::Done;
        }
        match (step, found) {
            (Step::Fresh, Some(object)) => {
                let how = format!(
                    "adopted: Zendesk holds `{}` already (id {})",
                    object.name, object.id
                );
                self.adopt(client, run, i, &object, how).await;
                Step::Done
            }
            // Stopped: a create not sent stays not started, a lost one unresolved.
            (Step::Fresh, None) if client.stop().is_raised() => Step::Done,
            (step @ (Step::Fresh | Step::Lost(_)), None) if !last && !client.stop().is_raised() => {
                self.create(client, run, i, step).await
            }
            (Step::Created(id), Some(oldest)) if oldest.id != id => {
                self.yield_to(client, run, i, id, &oldest).await;
                Step::Done
            }
            (Step::Created(id), _) => {
                self.settle_write(run, i, Ok(id), None);
                Step::Done
            }
            (Step::Lost(reason), Some(object)) => {
                let how = format!(
                    "the answer was lost ({reason}); re-reading found `{}` (id {})",
                    object.name, object.id
                );
                self.adopt(client, run, i, &object, how).await;
                Step::Done
            }
            (Step::Taken(refusal), Some(object)) => {
                let how = format!(
                    "Zendesk refused a second `{}` ({refusal}); adopted the one it holds (id {})",
                    object.name, object.id
                );
                self.adopt(client, run, i, &object, how).await;
                Step::Done
            }
            (Step::Taken(refusal), None) => {
                run.fail(i, refusal);
                Step::Done
            }
            (step, None) => step,
            (Step::Done, Some(_)) => Step::Done,
        }
    }

    /// Sends the create of change `i`, at `step` (fresh, or lost before).
    async fn create(&self, client: &WriteClient, run: &mut Run<'_>, i: usize, step: Step) -> Step {
        run.begin(self.operation(), &[i]);
        if client.stop().is_raised() {
            // The journal failed: not sent, and where it stood.
            return step;
        }
        let plan = run.plan;
        let change = &plan.changes[i];
        let body = object_body(change);
        let created = match self.0 {
            Named::CustomRole => client.create_custom_role(&body).await.map(|o| (o.id, true)),
            Named::Group => client.create_group(&body).await.map(|o| (o.id, true)),
            Named::Organization if with_external_id(change) => client
                .create_or_update_organization(&body)
                .await
                .map(|(o, created)| (o.id, created)),
            Named::Organization => client
                .create_organization(&body)
                .await
                .map(|o| (o.id, true)),
        };
        match created {
            Ok((id, true)) => Step::Created(id),
            Ok((id, false)) => {
                let how = format!("Zendesk held it already by its external id (id {id}); updated");
                self.settle_write(run, i, Ok(id), Some(how));
                Step::Done
            }
            Err(error) if is_lost(&error) => Step::Lost(error.to_string()),
            Err(error) if is_taken(&error) => Step::Taken(ItemError::from_request(&error)),
            Err(error) => {
                self.settle_write(run, i, Err(error), None);
                Step::Done
            }
        }
    }

    /// Change `i` created `mine`, and another run created `oldest` under the same name
    /// before: deletes this run's copy and adopts the other.
    async fn yield_to(
        &self,
        client: &WriteClient,
        run: &mut Run<'_>,
        i: usize,
        mine: u64,
        oldest: &LiveObject,
    ) {
        let label = run.plan.changes[i].label.clone();
        run.begin(self.operation(), &[i]);
        let deleted = match self.0 {
            Named::CustomRole => client.delete_custom_role(mine).await,
            Named::Organization => client.delete_organization(mine).await,
            Named::Group => client.delete_group(mine).await,
        };
        let race = format!(
            "another run created `{label}` at the same time (id {}), before this run (id {mine})",
            oldest.id
        );
        match deleted {
            Ok(()) => {
                let how = format!("{race}: this run's copy was deleted and that one adopted");
                self.adopt(client, run, i, oldest, how).await;
            }
            Err(error) => {
                run.names.set(self.0, &label, Some(oldest.id));
                run.fail(
                    i,
                    ItemError::Request(format!(
                        "{race}; deleting this run's copy failed ({error}): delete one of the two by hand"
                    )),
                );
            }
        }
    }

    /// Takes `object` as change `i`'s, updating it where it differs from the plan; `how`
    /// goes into the report.
    async fn adopt(
        &self,
        client: &WriteClient,
        run: &mut Run<'_>,
        i: usize,
        object: &LiveObject,
        how: String,
    ) {
        let body = object_body(&run.plan.changes[i]);
        if LiveObjects::holds(self.0, &body, &object.json) {
            self.settle_write(run, i, Ok(object.id), Some(how));
            return;
        }
        if client.stop().is_raised() {
            // The update is a new write: not started.
            return;
        }
        run.begin(self.operation(), &[i]);
        if client.stop().is_raised() {
            return;
        }
        let updated = self.update(client, object.id, &body).await;
        let how = format!("{how}; updated to the plan");
        self.settle_write(run, i, updated.map(|()| object.id), Some(how));
    }

    /// `PUT` of one object.
    async fn update(
        &self,
        client: &WriteClient,
        id: u64,
        body: &Fields,
    ) -> Result<(), ZendeskError> {
        match self.0 {
            Named::CustomRole => client.update_custom_role(id, body).await.map(drop),
            Named::Organization => client.update_organization(id, body).await.map(drop),
            Named::Group => client.update_group(id, body).await.map(drop),
        }
    }

    /// Records the outcome of change `i`: its object's id (with how it was reached), or the
    /// error of its request.
    fn settle_write(
        &self,
        run: &mut Run<'_>,
        i: usize,
        outcome: Result<u64, ZendeskError>,
        how: Option<String>,
    ) {
        match outcome {
            Ok(id) => {
                let label = run.plan.changes[i].label.clone();
                run.names.set(self.0, &label, Some(id));
                run.applied(i, Some(id));
                run.results[i].details = how;
            }
            Err(error) => run.error(i, &error),
        }
        run.flush_journal();
    }
}

/// Whether a create may have happened though its answer says nothing.
fn is_lost(error: &ZendeskError) -> bool {
    matches!(
        error,
        ZendeskError::OutcomeUnknown { .. } | ZendeskError::RetriesExhausted { .. }
    )
}

/// Whether Zendesk refused a create because its name or external id is taken.
fn is_taken(error: &ZendeskError) -> bool {
    let ZendeskError::Invalid { details, .. } = error else {
        return false;
    };
    details.iter().any(|detail| {
        matches!(detail.field.as_str(), "name" | "external_id")
            && (detail.error.as_deref() == Some("DuplicateValue")
                || detail.description.contains("already been taken"))
    })
}
