//! The plan's "Expiring soon" entries as the human and markdown renderers word them: what
//! ends, when (and how long after the plan was made), and what follows.

use chrono::{DateTime, Utc};

use crate::plan::{Ending, Expiring};

/// `access ends 2026-12-31 (in 3 days); then downgrade`, or `temporary role admin ends
/// 2026-12-05T16:00:00Z (in 5 hours); then agent`, the names as code spans (`` ` ``).
pub(super) fn sentence(entry: &Expiring, made_at: &str) -> String {
    let what = match (entry.ends, &entry.role) {
        (Ending::TemporaryRole, Some(role)) => format!("temporary role `{role}`"),
        (Ending::TemporaryRole, None) => "temporary role".to_owned(),
        (Ending::Access, _) => "access".to_owned(),
    };
    let within = time_until(made_at, &entry.at)
        .map(|w| format!(" ({w})"))
        .unwrap_or_default();
    let then = match entry.ends {
        Ending::Access => format!("then `on_expiry`: `{}`", entry.then),
        Ending::TemporaryRole => format!("then `{}`", entry.then),
    };
    format!("{what} ends {}{within}; {then}", entry.written)
}

/// `in 3 days`, `in 5 hours`, `in 20 minutes`: from `from` to `to` (RFC 3339), rounded
/// down; `None` when either cannot be read.
fn time_until(from: &str, to: &str) -> Option<String> {
    let from: DateTime<Utc> = DateTime::parse_from_rfc3339(from).ok()?.into();
    let to: DateTime<Utc> = DateTime::parse_from_rfc3339(to).ok()?.into();
    let left = to - from;
    let (n, unit) = if left.num_days() >= 1 {
        (left.num_days(), "day")
    } else if left.num_hours() >= 1 {
        (left.num_hours(), "hour")
    } else {
        (left.num_minutes().max(0), "minute")
    };
    Some(format!("in {n} {unit}{}", if n == 1 { "" } else { "s" }))
}

#[cfg(test)]
mod tests {
    use super::time_until;

    #[test]
    fn the_time_left_is_rounded_down_to_its_largest_unit() {
        let made = "2026-12-01T12:00:00Z";
        assert_eq!(
            time_until(made, "2026-12-05T00:00:00Z").unwrap(),
            "in 3 days"
        );
        assert_eq!(
            time_until(made, "2026-12-02T12:00:00Z").unwrap(),
            "in 1 day"
        );
        assert_eq!(
            time_until(made, "2026-12-01T17:30:00Z").unwrap(),
            "in 5 hours"
        );
        assert_eq!(
            time_until(made, "2026-12-01T12:01:00Z").unwrap(),
            "in 1 minute"
        );
        assert!(time_until("not a time", made).is_none());
    }
}
