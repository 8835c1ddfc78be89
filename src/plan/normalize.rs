//! Zendesk's normalisations, so that an unchanged roster plans nothing: the comparisons the
//! planner makes between a roster value and a live one.

use serde_json::Value;

/// Text fields: `""` and `null` are the same to Zendesk, and a trailing newline (which a
/// YAML `|` block adds) is not kept by it.
#[must_use]
pub(crate) fn same_text(roster: Option<&str>, live: Option<&str>) -> bool {
    fn clean(text: Option<&str>) -> Option<&str> {
        text.map(str::trim_end).filter(|t| !t.is_empty())
    }
    clean(roster) == clean(live)
}

/// Emails and external ids compare case-insensitively.
#[must_use]
pub(crate) fn same_key(roster: &str, live: Option<&str>) -> bool {
    live.is_some_and(|live| {
        live.eq_ignore_ascii_case(roster) || live.to_lowercase() == roster.to_lowercase()
    })
}

/// A tag as Zendesk stores it: lower case.
#[must_use]
pub(crate) fn tag(text: &str) -> String {
    text.to_lowercase()
}

/// Tag sets compare without order or case.
#[must_use]
pub(crate) fn same_tags(roster: &[String], live: &[String]) -> bool {
    let mut a: Vec<String> = roster.iter().map(|t| tag(t)).collect();
    let mut b: Vec<String> = live.iter().map(|t| tag(t)).collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

/// A time zone may be written by its Zendesk (Rails) name, `Berlin`, or its IANA name,
/// `Europe/Berlin`; Zendesk reports both.
#[must_use]
pub(crate) fn same_time_zone(roster: &str, live: Option<&str>, live_iana: Option<&str>) -> bool {
    [live, live_iana]
        .into_iter()
        .flatten()
        .any(|zone| zone.eq_ignore_ascii_case(roster))
}

/// Locales compare case-insensitively, with `_` and `-` alike (`en_US` is `en-US`).
#[must_use]
pub(crate) fn same_locale(roster: &str, live: Option<&str>) -> bool {
    let clean = |text: &str| text.replace('_', "-").to_lowercase();
    live.is_some_and(|live| clean(live) == clean(roster))
}

/// A custom user field: numbers and text holding the same number are alike (text fields
/// come back as text), `""` is `null`, and a date written as `2024-03-01` matches the
/// `2024-03-01T00:00:00+00:00` Zendesk returns for date fields.
#[must_use]
pub(crate) fn same_field_value(roster: &Value, live: Option<&Value>) -> bool {
    let live = live.unwrap_or(&Value::Null);
    // An unchecked checkbox reads `false`; clearing one (`null`) leaves it so.
    let as_text = |value: &Value| match value {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    let number = |text: &str| text.trim().parse::<f64>().ok();
    match (as_text(roster), as_text(live)) {
        (None, None) => true,
        (Some(r), Some(l)) => {
            r == l
                || l.strip_prefix(r.as_str())
                    .is_some_and(|rest| rest == "T00:00:00+00:00" || rest == "T00:00:00Z")
                // A decimal field answers `3.0` for `3`.
                || number(&r).is_some_and(|r| number(&l) == Some(r))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_text_is_null_and_trailing_newlines_do_not_count() {
        assert!(same_text(Some(""), None));
        assert!(same_text(None, Some("")));
        assert!(same_text(Some("Jane\nSupport\n"), Some("Jane\nSupport")));
        assert!(!same_text(Some("Jane"), Some("Jane Smith")));
    }

    #[test]
    fn keys_compare_case_insensitively() {
        assert!(same_key("Jane@Acme.com", Some("jane@acme.com")));
        assert!(same_key("EMP-1", Some("emp-1")));
        assert!(!same_key("emp-1", None));
    }

    #[test]
    fn tags_compare_without_order_or_case() {
        let r = |t: &[&str]| t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(same_tags(&r(&["VIP", "emea"]), &r(&["emea", "vip"])));
        assert!(!same_tags(&r(&["vip"]), &r(&["vip", "emea"])));
    }

    #[test]
    fn time_zones_match_by_zendesk_or_iana_name() {
        assert!(same_time_zone(
            "Europe/Berlin",
            Some("Berlin"),
            Some("Europe/Berlin")
        ));
        assert!(same_time_zone(
            "Berlin",
            Some("Berlin"),
            Some("Europe/Berlin")
        ));
        assert!(!same_time_zone(
            "Europe/Paris",
            Some("Berlin"),
            Some("Europe/Berlin")
        ));
    }

    #[test]
    fn locales_ignore_case_and_separator() {
        assert!(same_locale("en-US", Some("en-us")));
        assert!(same_locale("pt_BR", Some("pt-BR")));
        assert!(!same_locale("de", Some("en-US")));
    }

    #[test]
    fn an_unchecked_box_is_a_cleared_one_and_numbers_compare_as_numbers() {
        assert!(same_field_value(&json!(null), Some(&json!(false))));
        assert!(same_field_value(&json!(false), None));
        assert!(!same_field_value(&json!(true), Some(&json!(false))));
        assert!(same_field_value(&json!(3), Some(&json!(3.0))));
        assert!(same_field_value(&json!("2.50"), Some(&json!(2.5))));
        assert!(!same_field_value(&json!(3), Some(&json!(3.5))));
    }

    #[test]
    fn user_field_values_follow_zendesk_storage() {
        assert!(same_field_value(&json!(1042), Some(&json!("1042"))));
        assert!(same_field_value(
            &json!("2024-03-01"),
            Some(&json!("2024-03-01T00:00:00+00:00"))
        ));
        assert!(same_field_value(&json!(null), Some(&json!(""))));
        assert!(same_field_value(&json!(true), Some(&json!(true))));
        assert!(!same_field_value(&json!("a"), Some(&json!("b"))));
        assert!(!same_field_value(&json!("a"), None));
    }
}
