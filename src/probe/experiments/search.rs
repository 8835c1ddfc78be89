//! The search index: how long `users/search` lags behind a new user (a bounded wait),
//! and how far it pages.

use reqwest::Method;
use serde_json::json;

use super::super::report::Verdict;
use super::super::{Experiment, ProbeError};
use super::{Run, SEARCH_POLLS_S, finding, short};
use crate::fake::{DEFAULT_SEARCH_LAG_S, UsersSearchCap};

impl Run<'_> {
    /// Waits `seconds`: sleeps, or (test only) moves the emulator's clock forward.
    async fn wait(&self, seconds: f64, advanced: &mut f64) -> Result<(), ProbeError> {
        if seconds <= 0.0 {
            return Ok(());
        }
        match &self.fake_clock {
            Some(base) => {
                let url = format!("{}/__fake/clock", base.trim_end_matches('/'));
                let moved = reqwest::Client::new()
                    .put(url)
                    .json(&json!({"advance_s": seconds}))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status);
                if moved.is_ok() {
                    *advanced += seconds;
                } else {
                    tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await;
                }
            }
            None => tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await,
        }
        Ok(())
    }

    /// Search lag: a new end user, then `users/search?query=email:…` at the times of
    /// [`SEARCH_POLLS_S`] until it answers with the user or the last poll passes.
    pub(crate) async fn search_lag(&mut self) -> Result<(), ProbeError> {
        let Some(id) = self.create_user("end-user").await? else {
            self.findings.push(finding(
                Experiment::SearchLag,
                Verdict::CouldNotTell,
                "the probe could not create its user".into(),
                "zroster keeps its assumption",
            ));
            return Ok(());
        };
        self.searched = Some(id);
        let email = format!("{}@{}", self.external_id(self.next), self.domain);
        let query = format!("email:{email}");
        self.searched_email = Some(email);
        let start = std::time::Instant::now();
        let mut advanced = 0.0;
        let mut polls = 0;
        let mut found_at = None;
        let mut failed = None;
        let mut before = 0.0;
        for target in SEARCH_POLLS_S {
            let elapsed = start.elapsed().as_secs_f64() + advanced;
            if polls > 0 && elapsed > target {
                // Passed while a slow answer came: the next target is the next poll.
                continue;
            }
            self.wait(target - elapsed, &mut advanced).await?;
            polls += 1;
            let reply = self
                .x
                .send(
                    Method::GET,
                    "users/search",
                    &[("query", query.as_str())],
                    None,
                )
                .await?;
            if !reply.ok() {
                failed = Some(short(&reply));
                break;
            }
            let hit = reply.body["users"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|u| u["id"].as_u64() == Some(id));
            if let Some(hit) = hit {
                self.searched_verified = hit["verified"].as_bool();
                found_at = Some(target);
                break;
            }
            before = target;
        }
        let bound = SEARCH_POLLS_S[SEARCH_POLLS_S.len() - 1];
        let (verdict, observed, lag) = match (found_at, failed) {
            (_, Some(answer)) => (
                Verdict::CouldNotTell,
                format!("`users/search` answered {answer}"),
                None,
            ),
            (Some(at), None) if at == 0.0 => (
                Verdict::Holds,
                format!("`users/search` found the new user at once ({polls} search)"),
                Some(at),
            ),
            (Some(at), None) => (
                if at <= DEFAULT_SEARCH_LAG_S {
                    Verdict::Holds
                } else {
                    Verdict::Differs
                },
                format!(
                    "`users/search` found the new user after {at} s, not after {before} s ({polls} searches)"
                ),
                Some(at),
            ),
            (None, None) => (
                Verdict::Differs,
                format!(
                    "`users/search` had not found the new user after {bound} s ({polls} searches)"
                ),
                Some(bound),
            ),
        };
        self.settled.search_lag_s = lag;
        self.findings.push(finding(
            Experiment::SearchLag,
            verdict,
            observed,
            match lag {
                Some(l) if l <= DEFAULT_SEARCH_LAG_S => format!(
                    "zplan's email searches see users made seconds before; it reads users changed in the last {} minutes from the export all the same",
                    crate::zendesk::limits::SEARCH_LAG_WINDOW_S / 60
                ),
                Some(_) => format!(
                    "a plan made right after zapply may not find the users it created by searching, and reads them from the export of the last {} minutes instead; `zroster fake --account-report` rehearses with this lag",
                    crate::zendesk::limits::SEARCH_LAG_WINDOW_S / 60
                ),
                None => "zroster keeps its assumption".to_owned(),
            },
        ));
        Ok(())
    }

    /// How far `users/search` pages: a search for the search-lag user's address (its own
    /// user or none, never another's) asked for the page past 1,000 results, then past
    /// 10,000.
    pub(crate) async fn users_search_cap(&mut self) -> Result<(), ProbeError> {
        let experiment = Experiment::UsersSearchCap;
        let email = self
            .searched_email
            .clone()
            .unwrap_or_else(|| format!("{}-search@{}", self.prefix, self.domain));
        let query = format!("email:{email}");
        let mut refused_at = None;
        let mut last = None;
        for (page, offset) in [("11", 1_000), ("101", 10_000)] {
            let reply = self
                .x
                .send(
                    Method::GET,
                    "users/search",
                    &[
                        ("query", query.as_str()),
                        ("page", page),
                        ("per_page", "100"),
                    ],
                    None,
                )
                .await?;
            let refused = (400..500).contains(&reply.status) && reply.status != 429;
            let answered = reply.ok();
            last = Some(reply);
            if refused {
                refused_at = Some(offset);
                break;
            }
            if !answered {
                break;
            }
        }
        let last = last.expect("one search at least");
        let choice = match refused_at {
            Some(1_000) => Some(UsersSearchCap::OneThousand),
            Some(_) => Some(UsersSearchCap::TenThousand),
            None => None,
        };
        self.settled.users_search_cap = choice;
        self.findings.push(finding(
            experiment,
            match choice {
                Some(UsersSearchCap::TenThousand) => Verdict::Holds,
                Some(_) => Verdict::Differs,
                None => Verdict::CouldNotTell,
            },
            match refused_at {
                Some(offset) => format!(
                    "the page past {offset} results was refused: {}",
                    short(&last)
                ),
                None => format!(
                    "the pages past 1,000 and 10,000 results were not refused (last: {})",
                    short(&last)
                ),
            },
            match choice {
                Some(UsersSearchCap::OneThousand) => {
                    "a user search pages no further than 1,000 results; zplan's email searches find a few users each, far below it"
                }
                _ => "zplan's email searches find a few users each, far below either cap",
            },
        ));
        Ok(())
    }
}
