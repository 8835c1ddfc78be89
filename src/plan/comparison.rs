//! The comparison engine: for every user field, whether a live user holds a planned value,
//! with Zendesk's normalisations ([`super::normalize`]). The planner plans a field exactly
//! when its rule says the live user does not hold the roster's value; the convergence check
//! after applying reports a field exactly when its rule says the re-read user does not hold
//! the planned value. One rule, so the two cannot disagree.

use super::named::{Named, NamedIds};
use super::normalize::{
    same_field_value, same_key, same_locale, same_tags, same_text, same_time_zone,
};
use super::{FieldValue, UserField};
use crate::roster::Role;
use crate::state::LiveUser;

impl UserField {
    /// The kind of object a reference field names (`custom_role`, `organization`,
    /// `default_group`).
    #[must_use]
    pub fn reference(&self) -> Option<Named> {
        match self {
            UserField::CustomRole => Some(Named::CustomRole),
            UserField::Organization => Some(Named::Organization),
            UserField::DefaultGroup => Some(Named::Group),
            _ => None,
        }
    }

    /// Whether `live` holds `want` in this field; `None` stands for a user to create, who
    /// holds nothing yet. A value of another shape than the field's never holds.
    pub(crate) fn holds(
        &self,
        want: &FieldValue,
        live: Option<&LiveUser>,
        ids: &dyn NamedIds,
    ) -> bool {
        let text = |get: fn(&LiveUser) -> Option<&str>| live.and_then(get);
        match (self, want) {
            (UserField::Name, FieldValue::Text(want)) => live.is_some_and(|l| l.name == *want),
            (UserField::Email, FieldValue::Text(want)) => {
                same_key(want, text(|l| l.email.as_deref()))
            }
            (UserField::ExternalId, FieldValue::Text(want)) => {
                same_key(want, text(|l| l.external_id.as_deref()))
            }
            (UserField::Role, FieldValue::Role(want)) => live.is_some_and(|l| l.role == *want),
            (UserField::CustomRole, FieldValue::Null) => {
                // Admins on newer accounts carry the system role's id: only an agent's
                // custom role is there to clear.
                !live.is_some_and(|l| l.custom_role_id.is_some() && l.role == Role::Agent)
            }
            (UserField::Organization | UserField::DefaultGroup, FieldValue::Null) => {
                self.live_id(live).is_none()
            }
            (
                UserField::CustomRole | UserField::Organization | UserField::DefaultGroup,
                FieldValue::Text(name),
            ) => self.reference().is_some_and(|kind| {
                let id = ids.id(kind, name);
                id.is_some() && id == self.live_id(live)
            }),
            (UserField::Tags, FieldValue::List(want)) => {
                same_tags(want, live.map_or(&[][..], |l| l.tags.as_slice()))
            }
            (UserField::Custom(key), want) => {
                same_field_value(&want.to_json(), live.and_then(|l| l.user_fields.get(key)))
            }
            (
                UserField::Alias
                | UserField::Details
                | UserField::Notes
                | UserField::Signature
                | UserField::Phone,
                FieldValue::Text(_) | FieldValue::Null,
            ) => same_text(want.as_text(), self.live_text(live)),
            (UserField::Locale, FieldValue::Text(want)) => {
                same_locale(want, text(|l| l.locale.as_deref()))
            }
            (UserField::TimeZone, FieldValue::Text(want)) => same_time_zone(
                want,
                text(|l| l.time_zone.as_deref()),
                text(|l| l.iana_time_zone.as_deref()),
            ),
            (UserField::TicketRestriction, FieldValue::Text(_) | FieldValue::Null) => {
                want.as_text() == text(|l| l.ticket_restriction.as_deref())
            }
            (
                UserField::Moderator
                | UserField::OnlyPrivateComments
                | UserField::Verified
                | UserField::Suspended,
                FieldValue::Flag(want),
            ) => self.live_flag(live) == Some(*want),
            _ => false,
        }
    }

    /// What `live` holds in this field, as a plan shows it (`before`); references by
    /// [`NamedIds::show`]. Nothing for a user to create, except an empty set of tags.
    pub(crate) fn live_value(&self, live: Option<&LiveUser>, ids: &dyn NamedIds) -> FieldValue {
        let Some(user) = live else {
            return match self {
                UserField::Tags => FieldValue::List(Vec::new()),
                _ => FieldValue::Null,
            };
        };
        match self {
            UserField::Name => FieldValue::Text(user.name.clone()),
            UserField::Role => FieldValue::Role(user.role),
            UserField::CustomRole | UserField::Organization | UserField::DefaultGroup => {
                match (self.reference(), self.live_id(live)) {
                    (Some(kind), Some(id)) => ids.show(kind, id),
                    _ => FieldValue::Null,
                }
            }
            UserField::Tags => FieldValue::List(user.tags.clone()),
            UserField::Custom(key) => {
                FieldValue::json(user.user_fields.get(key).cloned().unwrap_or_default())
            }
            UserField::Moderator
            | UserField::OnlyPrivateComments
            | UserField::Verified
            | UserField::Suspended => FieldValue::flag(self.live_flag(live)),
            UserField::Email
            | UserField::ExternalId
            | UserField::Alias
            | UserField::Details
            | UserField::Notes
            | UserField::Signature
            | UserField::Phone
            | UserField::Locale
            | UserField::TimeZone
            | UserField::TicketRestriction => FieldValue::text(self.live_text(live)),
        }
    }

    /// The live id of a reference field.
    fn live_id(&self, live: Option<&LiveUser>) -> Option<u64> {
        let live = live?;
        match self {
            UserField::CustomRole => live.custom_role_id,
            UserField::Organization => live.organization_id,
            UserField::DefaultGroup => live.default_group_id,
            _ => None,
        }
    }

    /// The live text of a text field.
    fn live_text<'l>(&self, live: Option<&'l LiveUser>) -> Option<&'l str> {
        let live = live?;
        match self {
            UserField::Email => live.email.as_deref(),
            UserField::ExternalId => live.external_id.as_deref(),
            UserField::Alias => live.alias.as_deref(),
            UserField::Details => live.details.as_deref(),
            UserField::Notes => live.notes.as_deref(),
            UserField::Signature => live.signature.as_deref(),
            UserField::Phone => live.phone.as_deref(),
            UserField::Locale => live.locale.as_deref(),
            UserField::TimeZone => live.time_zone.as_deref(),
            UserField::TicketRestriction => live.ticket_restriction.as_deref(),
            _ => None,
        }
    }

    /// The live value of a flag.
    fn live_flag(&self, live: Option<&LiveUser>) -> Option<bool> {
        let live = live?;
        match self {
            UserField::Moderator => Some(live.moderator),
            UserField::OnlyPrivateComments => Some(live.only_private_comments),
            UserField::Verified => Some(live.verified),
            UserField::Suspended => Some(live.suspended),
            _ => None,
        }
    }
}
