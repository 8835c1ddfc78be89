//! The convergence check's choice of reads for the users: the wait for the export's window
//! and every request at the time the run's share of the rate limit takes for it.

use std::time::Duration;

use super::{UserRead, UserReads};

#[test]
fn up_to_a_thousand_users_show_many_is_as_cheap_and_always_taken() {
    let reads = UserReads::decide(1_000, Duration::ZERO, Some(700), 1.0);
    assert_eq!(reads.read, UserRead::ShowMany);
    assert!(!reads.had_a_choice());
    assert_eq!((reads.show_many_requests, reads.export_pages), (10, 1));
}

#[test]
fn a_free_export_window_is_taken_for_its_fewer_requests() {
    let reads = UserReads::decide(7_000, Duration::ZERO, Some(700), 1.0);
    assert_eq!(reads.read, UserRead::IncrementalExport);
    assert!(reads.had_a_choice());
    assert_eq!((reads.show_many_requests, reads.export_pages), (70, 7));
    // 700 a minute at share 1.0: a request every 86 ms.
    assert_eq!(reads.request_ms, 85);
}

#[test]
fn the_export_is_waited_for_while_the_wait_costs_less_than_the_requests_it_saves() {
    // 63 requests saved at 86 ms each: 5.4 s.
    let wait = |s: f64| UserReads::decide(7_000, Duration::from_secs_f64(s), Some(700), 1.0);
    assert_eq!(wait(5.0).read, UserRead::IncrementalExport);
    assert_eq!(wait(6.0).read, UserRead::ShowMany);
    assert_eq!(wait(53.0).read, UserRead::ShowMany);
    assert_eq!(wait(53.0).export_wait_ms, 53_000);
    // A smaller share makes each request dearer: at half of 700 a minute the same 63
    // requests are worth 10.8 s, and an 8 s wait is worth it.
    let half = UserReads::decide(7_000, Duration::from_secs(8), Some(700), 0.5);
    assert_eq!(half.read, UserRead::IncrementalExport);
    // A limit not told yet is taken as the smallest plan's (200 a minute).
    let unknown = UserReads::decide(7_000, Duration::from_secs(17), None, 1.0);
    assert_eq!(unknown.request_ms, 300);
    assert_eq!(unknown.read, UserRead::IncrementalExport);
}
