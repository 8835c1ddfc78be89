//! The roster's account binding (`settings.account`) and a saved plan's account: which
//! Zendesk account a connection may plan or apply against. Checked right after `users/me`,
//! before anything else is read and before anything is written.
//!
//! The account is what Zendesk says it is: the subdomain of the `url` in its answer to
//! `users/me` (`https://{subdomain}.zendesk.com/api/v2/users/{id}.json`, whatever host the
//! request reached: a proxy, a host-mapped domain, the emulator). The base URL names one too
//! when it is `https://{subdomain}.zendesk.com`. A roster bound to accounts is planned and
//! applied only when every name the connection gives is one of them, and refused when none
//! does (an answer without `url` through a URL that is no `zendesk.com` host): the binding
//! is then not known to hold.

use crate::zendesk::AccountNames;

/// Why the account a connection reaches is not one a roster or plan is for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    /// The credentials point at an account the roster is not bound to.
    #[error(
        "the roster is bound to {} (`settings.account`), but the credentials point at `{connected}` ({how}); nothing else was read and nothing written: check `ZENDESK_URL` / `ZENDESK_SUBDOMAIN` and the credentials, or the roster's `account`",
        names(.bound)
    )]
    OtherAccount {
        /// The subdomains the roster is bound to.
        bound: Vec<String>,
        /// The account the connection reaches.
        connected: String,
        /// Who names it so.
        how: String,
    },
    /// Nothing names the account the credentials point at.
    #[error(
        "the roster is bound to {} (`settings.account`), but neither Zendesk's answer to `users/me` (it has no `url`) nor the URL `{url}` names the account the credentials point at; nothing else was read and nothing written: connect through `https://{{subdomain}}.zendesk.com`",
        names(.bound)
    )]
    UnknownAccount {
        /// The subdomains the roster is bound to.
        bound: Vec<String>,
        /// The base URL.
        url: String,
    },
    /// A saved plan made for another account.
    #[error(
        "the plan was made for account `{planned}`, but the credentials point at `{connected}` ({how}); nothing else was read and nothing written: connect to the plan's account, or make a new plan"
    )]
    OtherPlanAccount {
        /// The plan's account.
        planned: String,
        /// The account the connection reaches.
        connected: String,
        /// Who names it so.
        how: String,
    },
}

/// `` `acme` `` or `` `acme`, `acme-sandbox` ``.
fn names(bound: &[String]) -> String {
    bound
        .iter()
        .map(|b| format!("`{b}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who names `subdomain` among `names`: Zendesk, the URL, or both.
fn how(names: &AccountNames, subdomain: &str) -> String {
    let by_zendesk = names.by_zendesk.as_deref() == Some(subdomain);
    let by_url = names.by_url.as_deref() == Some(subdomain);
    match (by_zendesk, by_url) {
        (true, true) => "as Zendesk and the URL name it".to_owned(),
        (true, false) => "as Zendesk names it in its answer to `users/me`".to_owned(),
        _ => "as the URL names it".to_owned(),
    }
}

/// Checks the roster's binding (`bound`, lower-case subdomains; empty: none) against the
/// account the connection reaches through `base_url`, as `names` names it.
pub fn check_binding(
    bound: &[String],
    names: &AccountNames,
    base_url: &str,
) -> Result<(), AccountRefusal> {
    if bound.is_empty() {
        return Ok(());
    }
    let given = names.all();
    if given.is_empty() {
        return Err(AccountRefusal::UnknownAccount {
            bound: bound.to_vec(),
            url: base_url.trim_end_matches('/').to_owned(),
        });
    }
    match given
        .into_iter()
        .find(|name| !bound.iter().any(|b| b == name))
    {
        Some(other) => Err(AccountRefusal::OtherAccount {
            bound: bound.to_vec(),
            connected: other.to_owned(),
            how: how(names, other),
        }),
        None => Ok(()),
    }
}

/// Checks that the account the connection reaches is the one a saved plan was made for
/// (`planned`, its `subdomain`), when both are known.
pub fn check_plan_account(
    planned: Option<&str>,
    names: &AccountNames,
) -> Result<(), AccountRefusal> {
    match (planned, names.subdomain()) {
        (Some(planned), Some(connected)) if planned != connected => {
            Err(AccountRefusal::OtherPlanAccount {
                planned: planned.to_owned(),
                connected: connected.to_owned(),
                how: how(names, connected),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{AccountRefusal, check_binding, check_plan_account};
    use crate::zendesk::AccountNames;

    fn bound(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn every_name_the_connection_gives_must_be_bound() {
        let acme = AccountNames::new(Some("acme".into()), "http://127.0.0.1:1");
        assert!(check_binding(&bound(&["acme"]), &acme, "http://127.0.0.1:1").is_ok());
        assert!(check_binding(&bound(&["globex", "acme"]), &acme, "x").is_ok());
        assert!(check_binding(&[], &acme, "x").is_ok());
        let error = check_binding(&bound(&["globex"]), &acme, "x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the roster is bound to `globex` (`settings.account`), but the credentials point at `acme` (as Zendesk names it in its answer to `users/me`); nothing else was read and nothing written: check `ZENDESK_URL` / `ZENDESK_SUBDOMAIN` and the credentials, or the roster's `account`"
        );
        // Zendesk's name and the URL's disagree: both must be bound.
        let both = AccountNames::new(Some("acme".into()), "https://globex.zendesk.com");
        assert!(matches!(
            check_binding(&bound(&["acme"]), &both, "https://globex.zendesk.com"),
            Err(AccountRefusal::OtherAccount { connected, .. }) if connected == "globex"
        ));
        // The URL alone names it.
        let url = AccountNames::new(None, "https://acme.zendesk.com");
        assert!(check_binding(&bound(&["acme"]), &url, "https://acme.zendesk.com").is_ok());
    }

    #[test]
    fn a_binding_refuses_an_account_nothing_names() {
        let nameless = AccountNames::new(None, "https://proxy.example.com/zendesk");
        let error = check_binding(
            &bound(&["acme"]),
            &nameless,
            "https://proxy.example.com/zendesk/",
        )
        .unwrap_err();
        assert!(matches!(error, AccountRefusal::UnknownAccount { .. }));
        assert!(
            error
                .to_string()
                .contains("`https://proxy.example.com/zendesk`")
        );
        assert!(check_binding(&[], &nameless, "x").is_ok());
    }

    #[test]
    fn a_saved_plan_is_refused_on_an_account_named_otherwise() {
        let globex = AccountNames::new(Some("globex".into()), "http://127.0.0.1:1");
        assert!(matches!(
            check_plan_account(Some("acme"), &globex),
            Err(AccountRefusal::OtherPlanAccount { planned, connected, .. })
                if planned == "acme" && connected == "globex"
        ));
        assert!(check_plan_account(Some("globex"), &globex).is_ok());
        assert!(check_plan_account(None, &globex).is_ok());
        assert!(check_plan_account(Some("acme"), &AccountNames::default()).is_ok());
    }
}
