//! Jobs whose effect is outside the database: leased, run outside any
//! transaction, finished or retried, at least once with one idempotency key.
//! Driven through the probe job kind (`app::testing`), which POSTs to a real
//! HTTP server the test runs (receiver.rs), with the test's own clock.

use std::collections::HashSet;

use app::testing;
use domain::AccountId;

use crate::helpers::*;
use crate::receiver::{Answer, Receiver};

const ACCOUNT: AccountId = AccountId(1);
const LEASE: i64 = app::jobs::LEASE;

fn now() -> i64 {
    now_secs() * 1000
}

#[tokio::test]
async fn a_leased_job_calls_out_once_with_its_key_and_is_gone() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Answer::Ok).await;
    let t = now() + 3_600_000; // ahead of the server's own runner
    let key = testing::enqueue_probe(app.app(), ACCOUNT, &receiver.url, t).await.expect("enqueue");
    assert!(key.len() >= 32, "an unguessable key: {key}");

    assert_eq!(app.app().run_due_jobs(t - 1).await.expect("run"), 0, "not due yet");
    assert!(receiver.requests().is_empty());
    assert_eq!(app.app().run_due_jobs(t).await.expect("run"), 1);
    assert_eq!(receiver.requests(), [key]);
    assert_eq!(testing::pending_jobs(app.app(), ACCOUNT).await.expect("count"), 0);

    assert_eq!(app.app().run_due_jobs(t + LEASE * 2).await.expect("run"), 0, "done means gone");
    assert_eq!(receiver.requests().len(), 1);
    app.stop().await;
}

/// A runner that died holding the lease: nobody runs the job until the lease
/// ran out, then another runner does, with the same key.
#[tokio::test]
async fn a_job_whose_runner_died_runs_once_its_lease_ran_out() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Answer::Ok).await;
    let t = now() + 3_600_000;
    let key = testing::enqueue_probe(app.app(), ACCOUNT, &receiver.url, t).await.expect("enqueue");
    let held = testing::lease_and_die(app.app(), "runner-that-died", t).await.expect("lease").expect("a due job");
    assert_eq!(held.idempotency_key.as_deref(), Some(key.as_str()));

    assert_eq!(app.app().run_due_jobs(t + LEASE - 1).await.expect("run"), 0, "still leased");
    assert!(receiver.requests().is_empty());
    assert_eq!(app.app().run_due_jobs(t + LEASE).await.expect("run"), 1);
    assert_eq!(receiver.requests(), [key]);
    assert_eq!(testing::pending_jobs(app.app(), ACCOUNT).await.expect("count"), 0);
    app.stop().await;
}

/// A lease that runs out mid-send: a second runner sends again, with the same
/// key, so a receiver that honours it applies the effect once; the first
/// runner's late answer neither deletes the second's job twice nor fails.
#[tokio::test]
async fn a_lease_that_ran_out_mid_send_sends_again_with_the_same_key() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Answer::HoldFirst).await;
    let t = now() + 3_600_000;
    let key = testing::enqueue_probe(app.app(), ACCOUNT, &receiver.url, t).await.expect("enqueue");

    let first = {
        let app = app.app().clone();
        tokio::spawn(async move { testing::run_due_jobs_as(&app, "first", t).await })
    };
    receiver.wait_for(1).await;
    let second = testing::run_due_jobs_as(app.app(), "second", t + LEASE).await.expect("second runner");
    assert_eq!(second, 1);
    receiver.release();
    first.await.expect("first runner").expect("first runner's jobs");

    assert_eq!(receiver.requests(), [key.clone(), key], "the same key both times");
    assert_eq!(receiver.applied(), 1, "the receiver applied it once");
    assert_eq!(testing::pending_jobs(app.app(), ACCOUNT).await.expect("count"), 0);
    app.stop().await;
}

/// Two runners leasing at once never hold the same job.
#[tokio::test]
async fn two_runners_never_hold_one_job() {
    let app = TestApp::spawn().await;
    let t = now() + 3_600_000;
    for _ in 0..20 {
        testing::enqueue_probe(app.app(), ACCOUNT, "http://127.0.0.1:9/unused", t).await.expect("enqueue");
    }
    let lease_all = |holder: &'static str| {
        let app = app.app().clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            // Bounded: a lease that did not hold would hand the same job out
            // forever; more than 20 leases is that failure, not a hang.
            while ids.len() <= 20 {
                let Some(job) = testing::lease_and_die(&app, holder, t).await.expect("lease") else { break };
                ids.push(job.id);
            }
            ids
        })
    };
    let (a, b) = tokio::join!(lease_all("a"), lease_all("b"));
    let (a, b) = (a.expect("runner a"), b.expect("runner b"));
    let (sa, sb): (HashSet<i64>, HashSet<i64>) = (a.iter().copied().collect(), b.iter().copied().collect());
    assert!(sa.is_disjoint(&sb), "both held {:?}", sa.intersection(&sb).collect::<Vec<_>>());
    assert_eq!(a.len() + b.len(), 20, "every job leased once (a {}, b {})", a.len(), b.len());
    app.stop().await;
}

/// A receiver that is down: each attempt waits longer (backoff with jitter),
/// and after the last one the job is dead, kept with its error, not tried again.
#[tokio::test]
async fn a_failing_job_backs_off_then_is_dead_and_left_alone() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Answer::Fail).await;
    let mut t = now() + 3_600_000;
    testing::enqueue_probe(app.app(), ACCOUNT, &receiver.url, t).await.expect("enqueue");
    for attempt in 1..=store_max_attempts() {
        assert_eq!(app.app().run_due_jobs(t).await.expect("run"), 0);
        assert_eq!(receiver.requests().len(), attempt as usize);
        // Not again at the same moment: the retry waits.
        app.app().run_due_jobs(t).await.expect("run");
        assert_eq!(receiver.requests().len(), attempt as usize, "retried without waiting");
        t += 2 * 3_600_000; // past the longest backoff
    }
    let dead = testing::dead_jobs(app.app(), ACCOUNT).await.expect("dead jobs");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].0.as_str(), dead[0].1), ("probe", store_max_attempts()));
    assert!(dead[0].2.as_deref().is_some_and(|e| e.contains("500")), "{dead:?}");
    app.app().run_due_jobs(t + 30 * 24 * 3_600_000).await.expect("run");
    assert_eq!(receiver.requests().len(), store_max_attempts() as usize, "a dead job is not tried");
    assert_eq!(testing::pending_jobs(app.app(), ACCOUNT).await.expect("count"), 1, "kept");
    app.stop().await;
}

fn store_max_attempts() -> i64 {
    testing::MAX_ATTEMPTS
}
