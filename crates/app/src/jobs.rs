//! The job runner: runs what is due, publishes what it changed, retries what
//! failed with backoff. Claiming is the store's (store/src/jobs.rs): each job
//! runs once across any number of processes.

use std::time::Duration;

use domain::Millis;
use store::{JobActivities, JobRun};

use crate::{App, Result};

/// How often a process looks for due jobs. A snooze ends within this much of
/// its time; one indexed query per second per process is nothing.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// The wait before attempt `n + 1`: 2^n seconds, at most an hour.
fn backoff(attempts: i64) -> Millis {
    1000 * (1i64 << attempts.clamp(0, 12)).min(3600)
}

fn activities() -> JobActivities {
    JobActivities {
        snooze_ended: crate::activity(
            "The snooze ended; the conversation is open again".into(),
            serde_json::json!({"activity": "snooze_ended"}),
        ),
    }
}

impl App {
    /// Runs every job due at `now` and returns how many committed. The server
    /// calls it every second ([`App::run_jobs_until`]); tests call it with a
    /// clock of their own.
    pub async fn run_due_jobs(&self, now: Millis) -> Result<usize> {
        if !self.store().job_due(now).await? {
            return Ok(0);
        }
        let activities = activities();
        let mut done = 0;
        while let Some(run) = self.store().run_next_job(now, &activities).await? {
            match run {
                JobRun::Done(records) => {
                    self.publish_records(&records).await;
                    done += 1;
                }
                JobRun::Failed(job, error) => {
                    tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts + 1, %error, "job failed");
                    // Moves the job's run_at past `now`, so this loop ends.
                    self.store().retry_job(&job, &error.to_string(), now + backoff(job.attempts)).await?;
                }
            }
        }
        Ok(done)
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
                _ = tick.tick() => {
                    if let Err(e) = self.run_due_jobs(store::now_millis()).await {
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
    use super::backoff;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(0), 1000);
        assert_eq!(backoff(3), 8000);
        assert_eq!(backoff(12), 3_600_000);
        assert_eq!(backoff(1000), 3_600_000);
    }
}
