//! `/account/settings`: the account's settings object. The sections and values are those of
//! the recorded 2015 settings (`zendesk-api-client-rb__account-settings-2015.json`) except
//! the user switches, which are the emulated account's: `user.tagging` (also
//! `active_features.user_tagging`) and `user.multiple_organizations`. `PUT` changes those two;
//! other keys are accepted and not kept.

use serde_json::{Value, json};

use super::{Context, ReadContext, Reply, Result, root};
use crate::fake::api_error::ApiError;
use crate::fake::page::Query;
use crate::fake::store::Store;

/// The recorded settings, without the user switches (filled in per account).
const RECORDED: &str = include_str!("account_settings.json");

fn settings(store: &Store) -> Value {
    let mut settings: Value = serde_json::from_str(RECORDED).expect("a recorded object");
    settings["user"]["tagging"] = json!(store.rules.user_tagging);
    settings["user"]["multiple_organizations"] = json!(store.rules.multiple_organizations);
    settings["active_features"]["user_tagging"] = json!(store.rules.user_tagging);
    json!({ "settings": settings })
}

/// Answers `GET /account/settings`; `None` for another path.
#[allow(clippy::unnecessary_wraps)] // every resource's `get` has this signature (`api::Get`)
pub(super) fn get(
    store: &Store,
    _ctx: &ReadContext<'_>,
    segments: &[&str],
    _q: &Query,
) -> Result<Option<Reply>> {
    match segments {
        ["account", "settings"] => Ok(Some(Reply::ok(settings(store)))),
        _ => Ok(None),
    }
}

/// Answers `PUT /account/settings`; `None` for another path.
pub(super) fn write(
    store: &mut Store,
    _ctx: &mut Context<'_>,
    method: &str,
    segments: &[&str],
    _q: &Query,
    body: Option<&Value>,
) -> Result<Option<Reply>> {
    if (method, segments) != ("PUT", &["account", "settings"][..]) {
        return Ok(None);
    }
    let changes = root(body, "settings")?;
    let flag = |section: &str, key: &str| -> Result<Option<bool>> {
        match changes.get(section).and_then(|s| s.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(
                key,
                format!("{key}: is invalid"),
                Some("InvalidValue"),
            )),
        }
    };
    if let Some(tagging) = flag("user", "tagging")?.or(flag("active_features", "user_tagging")?) {
        store.set_user_tagging(tagging);
    }
    if let Some(multiple) = flag("user", "multiple_organizations")? {
        store.rules.multiple_organizations = multiple;
    }
    Ok(Some(Reply::ok(settings(store))))
}
