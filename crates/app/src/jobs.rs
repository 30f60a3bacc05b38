//! The job runner: runs what is due, publishes what it changed, retries what
//! failed with backoff. What each kind does is here (or in its noun's
//! module); claiming, leasing and retrying rows is the store's
//! (store/src/jobs.rs); the matches on the kind have no catch-all, so a new
//! kind must say what it does. Each in-database job runs once across any number of
//! processes; a leased one at least once, with its idempotency key.

use std::time::Duration;

use domain::{JobKind, Millis};
use rand::Rng;
use store::ClaimedJob;

use crate::{App, AppError, Result};

/// How often a process looks for due jobs. A snooze ends within this much of
/// its time; one indexed query per second per process is nothing.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// How long a runner holds a leased job. An effect that takes longer may be
/// run a second time by another runner, with the same idempotency key.
pub const LEASE: Millis = 60_000;

/// The wait before attempt `n + 1`: 2^n seconds, at most an hour.
fn backoff(attempts: i64) -> Millis {
    1000 * (1i64 << attempts.clamp(0, 12)).min(3600)
}

/// The backoff plus up to a quarter more, so jobs that failed together (a
/// receiver that was down) do not all retry at the same moment.
fn backoff_with_jitter(attempts: i64) -> Millis {
    let base = backoff(attempts);
    base + rand::thread_rng().gen_range(0..=base / 4)
}

impl App {
    /// Runs every job due at `now` and returns how many finished. The server
    /// calls it every second ([`App::run_jobs_until`]); tests call it with a
    /// clock of their own.
    pub async fn run_due_jobs(&self, now: Millis) -> Result<usize> {
        let holder = self.inner.runner.clone();
        self.run_due_jobs_as(&holder, now).await
    }

    /// The same as the runner named `holder` on the leases it takes.
    pub(crate) async fn run_due_jobs_as(&self, holder: &str, now: Millis) -> Result<usize> {
        if !self.store().job_due(now).await? {
            return Ok(0);
        }
        let mut done = 0;
        while self.run_one_in_database(now).await? {
            done += 1;
        }
        while let Some(job) = self.store().lease_job(now, holder, now + LEASE).await? {
            if self.run_leased(job, holder, now).await? {
                done += 1;
            }
        }
        Ok(done)
    }

    /// Claims the next due in-database job and performs it in the same
    /// transaction. `false` when none is due (or every due one is being run by
    /// another process).
    async fn run_one_in_database(&self, now: Millis) -> Result<bool> {
        loop {
            let mut tx = self.store().begin().await?;
            let Some(job) = tx.claim_job(now).await? else {
                tx.rollback().await?;
                return Ok(false);
            };
            let effect = match job.kind {
                Ok(JobKind::ReopenSnoozed) => self.end_snooze(&mut tx, &job, now).await,
                Ok(JobKind::ChatflowStep) => self.chatflow_step(&mut tx, &job, now).await,
                #[cfg(feature = "test-support")]
                Ok(kind @ JobKind::Probe) => Err(store::StoreError::Other(format!("{} is a leased job", kind.name()))),
                Err(ref name) => Err(store::StoreError::Other(format!("unknown job kind {name}"))),
            };
            match effect {
                Ok(records) => {
                    tx.commit().await?;
                    self.publish_records(&records).await;
                    return Ok(true);
                }
                Err(e) => {
                    // The claim rolls back with whatever the effect wrote (an
                    // error here means the connection is gone: so is the claim).
                    let _ = tx.rollback().await;
                    self.record_failure(&job, None, &e.to_string(), now).await?;
                    // Moved past `now` (or dead): look for the next one.
                }
            }
        }
    }

    /// Runs a leased job outside any transaction, then finishes it or
    /// schedules its retry, both only while `holder` still holds it. `true`
    /// when it finished here.
    async fn run_leased(&self, job: ClaimedJob, holder: &str, now: Millis) -> Result<bool> {
        let effect = match job.kind {
            #[cfg(feature = "test-support")]
            Ok(JobKind::Probe) => crate::testing::probe(&job).await,
            Ok(kind @ (JobKind::ReopenSnoozed | JobKind::ChatflowStep)) => {
                Err(AppError::Internal(format!("{} is an in-database job", kind.name())))
            }
            Err(ref name) => Err(AppError::Internal(format!("unknown job kind {name}"))),
        };
        match effect {
            Ok(()) => {
                if !self.store().finish_job(job.id, holder).await? {
                    // The lease ran out mid-effect and another runner has the
                    // job: it sends again with the same key.
                    tracing::warn!(job = job.id, "finished a job whose lease had run out");
                }
                Ok(true)
            }
            Err(e) => {
                self.record_failure(&job, Some(holder), &e.to_string(), now).await?;
                Ok(false)
            }
        }
    }

    async fn record_failure(&self, job: &ClaimedJob, holder: Option<&str>, error: &str, now: Millis) -> Result<()> {
        let kind = job.kind.as_ref().map(|k| k.name()).unwrap_or_else(|n| n.as_str());
        tracing::warn!(job = job.id, kind, attempts = job.attempts + 1, error, "job failed");
        self.store().fail_job(job, holder, error, now + backoff_with_jitter(job.attempts), now).await?;
        Ok(())
    }

    /// Polls for due jobs until `stop` turns true.
    pub async fn run_jobs_until(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        if *stop.borrow() {
            return;
        }
        let mut tick = tokio::time::interval(POLL_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // A job written for now (a bot's step) need not wait for the tick.
                () = self.inner.jobs_due.notified() => {
                    if let Err(e) = self.run_due_jobs(self.now()).await {
                        tracing::warn!(error = %e, "could not run jobs");
                    }
                }
                _ = tick.tick() => {
                    if let Err(e) = self.run_due_jobs(self.now()).await {
                        // The database is away: try again at the next tick.
                        tracing::warn!(error = %e, "could not run jobs");
                    }
                }
                // Stopped, or the sender is gone: either way, stop.
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(0), 1000);
        assert_eq!(backoff(3), 8000);
        assert_eq!(backoff(12), 3_600_000);
        assert_eq!(backoff(1000), 3_600_000);
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        for attempts in [0, 3, 12] {
            for _ in 0..100 {
                let b = backoff_with_jitter(attempts);
                assert!((backoff(attempts)..=backoff(attempts) * 5 / 4).contains(&b));
            }
        }
    }
}
