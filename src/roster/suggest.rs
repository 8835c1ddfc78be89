//! "Did you mean" suggestions for misspelled keys, values and names.

/// The candidate closest to `input`, if one is close enough to be a likely typo.
/// Case-only differences always count as close.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lowered = input.to_lowercase();
    let mut best: Option<(f64, &'a str)> = None;
    for candidate in candidates {
        let candidate_lower = candidate.to_lowercase();
        if candidate_lower == lowered {
            return Some(candidate);
        }
        let distance = strsim::damerau_levenshtein(&lowered, &candidate_lower);
        let similarity = strsim::jaro_winkler(&lowered, &candidate_lower);
        let allowed = match lowered.chars().count().max(candidate_lower.chars().count()) {
            0..=3 => 1,
            4..=8 => 2,
            _ => 3,
        };
        if distance <= allowed || similarity >= 0.9 {
            let score = similarity - distance as f64 * 0.01;
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, candidate));
            }
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    const KEYS: [&str; 5] = [
        "email",
        "external_id",
        "organization",
        "organizations",
        "groups",
    ];

    #[test]
    fn typos_find_their_key() {
        assert_eq!(closest("emial", KEYS), Some("email"));
        assert_eq!(closest("exernal_id", KEYS), Some("external_id"));
        assert_eq!(closest("organisation", KEYS), Some("organization"));
        assert_eq!(closest("group", KEYS), Some("groups"));
        assert_eq!(closest("EMAIL", KEYS), Some("email"));
    }

    #[test]
    fn unrelated_words_find_nothing() {
        assert_eq!(closest("superuser", ["end-user", "agent", "admin"]), None);
        assert_eq!(closest("xyz", KEYS), None);
    }
}
