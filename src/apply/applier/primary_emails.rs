//! Primary-email changes: the address's identity is reused when the user has it already (a
//! re-run after a half-done change), otherwise created; then it is made primary. One user
//! at a time: Zendesk has no bulk endpoint for identities.

use std::cell::RefCell;

use super::Applier;
use crate::apply::ItemError;
use crate::apply::run::Run;
use crate::plan::{Change, FieldName, FieldValue, Kind, UserField};
use crate::zendesk::{WriteClient, ZendeskError};

/// Makes primary the emails of identity changes.
pub(in crate::apply) struct PrimaryEmails;

impl Applier for PrimaryEmails {
    fn takes(&self, change: &Change) -> bool {
        change.kind == Kind::Identity
    }

    async fn apply(&self, client: &WriteClient, run: &RefCell<Run<'_>>, items: Vec<usize>) {
        let plan = run.borrow().plan;
        for i in items {
            run.borrow_mut().begin("identities/make_primary", &[i]);
            if client.stop().is_raised() {
                // Stopped: this one and the rest are not started.
                break;
            }
            let change = &plan.changes[i];
            let email = change
                .fields
                .iter()
                .find_map(|f| match (&f.field, &f.after) {
                    (FieldName::User(UserField::Email), FieldValue::Text(email)) => {
                        Some(email.as_str())
                    }
                    _ => None,
                });
            let (Some(user_id), Some(email)) = (change.id, email) else {
                run.borrow_mut().fail(
                    i,
                    ItemError::MissingId("an identity change names no user or email"),
                );
                continue;
            };
            let made = make_primary(client, user_id, email).await;
            let mut run = run.borrow_mut();
            match made {
                Ok(()) => run.applied(i, Some(user_id)),
                Err(error) => run.error(i, &error),
            }
            run.flush_journal();
        }
    }
}

async fn make_primary(client: &WriteClient, user_id: u64, email: &str) -> Result<(), ZendeskError> {
    let identities = client.identities(user_id).collect_all().await?;
    let existing = identities
        .iter()
        .find(|i| i.kind == "email" && i.value.eq_ignore_ascii_case(email));
    let identity_id = match existing {
        Some(identity) if identity.primary => return Ok(()),
        Some(identity) => identity.id,
        None => client.create_identity(user_id, email).await?.id,
    };
    client
        .make_identity_primary(user_id, identity_id)
        .await
        .map(drop)
}
