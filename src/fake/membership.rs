//! What the [`Store`] needs to know about one kind of membership (organization or group), so
//! that one generic piece keeps both collections and the user's default membership in step.

use std::collections::BTreeMap;

use serde::Serialize;

use super::api_error::ApiError;
use super::store::Store;
use super::user::User;

/// A kind of membership: a user's link to a target (an organization or a group), one of
/// which is the user's default and mirrored in a field of the user.
pub(crate) trait Membership: Serialize + Sized {
    /// The collection in URLs, state files and list envelopes (`organization_memberships`).
    const COLLECTION: &'static str;
    /// The key of one membership in request and answer bodies (`organization_membership`).
    const ROOT: &'static str;
    /// The field naming the target (`organization_id`).
    const TARGET_KEY: &'static str;
    /// The 422 description when the target is missing (`Organization: cannot be blank`).
    const TARGET_BLANK: &'static str;
    /// The 422 description when the user already is a member of the target.
    const DUPLICATE: &'static str;

    /// This kind's collection in the store.
    fn collection(store: &Store) -> &BTreeMap<u64, Self>;
    /// This kind's collection in the store, for changes.
    fn collection_mut(store: &mut Store) -> &mut BTreeMap<u64, Self>;
    /// A new membership, not the default, stamped now.
    fn new(store: &Store, id: u64, user_id: u64, target_id: u64) -> Self;
    /// Checks that the target exists and that `user` may join it (404 or 422 otherwise).
    fn check(store: &Store, user: &User, target_id: u64) -> Result<(), ApiError>;
    /// Checks that membership `id` may be removed (422 otherwise); any may by default.
    fn check_removal(_store: &Store, _id: u64) -> Result<(), ApiError> {
        Ok(())
    }
    /// Mirrors the default membership's target (or none) into the user.
    fn set_user_default(user: &mut User, target_id: Option<u64>);

    /// The membership's id.
    fn id(&self) -> u64;
    /// The member's id.
    fn user_id(&self) -> u64;
    /// The target's id.
    fn target_id(&self) -> u64;
    /// Whether this is the user's default membership.
    fn is_default(&self) -> bool;
    /// Makes this the user's default membership or not.
    fn set_default(&mut self, default: bool);
    /// Gives the membership another id and the `url` that goes with it.
    fn set_id(&mut self, id: u64, url: String);
    /// The `created_at` and `updated_at` stamps, to keep a saved membership's times.
    fn times_mut(&mut self) -> (&mut String, &mut String);
}
