//! Jobs: side effects that must survive a crash, written in the same
//! transaction as the change that causes them (ARCHITECTURE.md, invariant 3).
//!
//! A job whose effect is in this database runs exactly once, however many
//! processes poll: the transaction that performs the effect is the one that
//! deletes the job's row. Two processes never both delete it: PostgreSQL's
//! `FOR UPDATE SKIP LOCKED` hands each poller a different row, and a crash
//! before the commit rolls the delete back with the effect. SQLite has one
//! process and one writer. A failed effect is rolled back and the job retried
//! later with backoff.

use domain::*;

use crate::conversations::{change_status, lock_for_counts};
use crate::events::append_event;
use crate::{point_read, write_tx, EventRecord, Inner, Result, Store, StoreError};

/// Opens a snoozed conversation again when its `snoozed_until` has passed.
pub(crate) const REOPEN_SNOOZED: &str = "reopen_snoozed";

/// After this many failed attempts a job stays in the table, with its last
/// error, and is no longer tried.
pub const MAX_ATTEMPTS: i64 = 10;

/// Inserts a job inside an open transaction.
macro_rules! enqueue {
    ($tx:ident, $account:expr, $kind:expr, $conversation:expr, $run_at:expr) => {{
        let conversation: Option<ConversationId> = $conversation;
        sqlx::query("INSERT INTO jobs (account_id, kind, conversation_id, run_at) VALUES ($1, $2, $3, $4)")
            .bind($account.0)
            .bind($kind)
            .bind(conversation.map(|c| c.0))
            .bind($run_at)
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use enqueue;

/// Takes the first due job; the delete is the claim. PostgreSQL skips rows
/// another transaction holds, so concurrent pollers take different jobs.
const CLAIM_SQLITE: &str = "DELETE FROM jobs WHERE id = (SELECT id FROM jobs WHERE run_at <= $1 AND attempts < $2 \
     ORDER BY run_at, id LIMIT 1) RETURNING id, account_id, kind, conversation_id, attempts";
const CLAIM_PG: &str = "DELETE FROM jobs WHERE id = (SELECT id FROM jobs WHERE run_at <= $1 AND attempts < $2 \
     ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, account_id, kind, conversation_id, attempts";

/// A claimed job, as its row was.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub account_id: AccountId,
    pub kind: String,
    pub conversation_id: Option<ConversationId>,
    pub attempts: i64,
}

/// What running one job came to.
#[derive(Debug)]
pub enum JobRun {
    /// The effect committed (the job row is gone); its events, to publish.
    Done(Vec<EventRecord>),
    /// The effect failed and was rolled back; the job is still there. Call
    /// [`Store::retry_job`].
    Failed(ClaimedJob, StoreError),
}

/// The activity lines jobs write; the caller (app) owns the wording.
pub struct JobActivities {
    pub snooze_ended: crate::Activity,
}

impl Store {
    /// Whether any job is due at `now`: a read, so an idle runner never takes
    /// the write lock (SQLite) or opens a transaction.
    pub async fn job_due(&self, now: Millis) -> Result<bool> {
        const SQL: &str = "SELECT EXISTS (SELECT 1 FROM jobs WHERE run_at <= $1 AND attempts < $2)";
        Ok(point_read!(self, |conn| conn.prepare_cached(SQL)?.query_row((now, MAX_ATTEMPTS), |r| r.get(0)), |db| {
            sqlx::query_scalar(SQL).bind(now).bind(MAX_ATTEMPTS).fetch_one(db).await?
        }))
    }

    /// Runs the first job due at `now`, if any, in one transaction with its
    /// effect. `Ok(None)`: nothing is due (or every due job is being run by
    /// another process).
    pub async fn run_next_job(&self, now: Millis, activities: &JobActivities) -> Result<Option<JobRun>> {
        let claim = match &self.inner {
            Inner::Sqlite { .. } => CLAIM_SQLITE,
            Inner::Postgres(_) => CLAIM_PG,
        };
        let run = write_tx!(self, |tx| {
            let row: Option<(i64, i64, String, Option<i64>, i64)> =
                sqlx::query_as(claim).bind(now).bind(MAX_ATTEMPTS).fetch_optional(&mut *tx).await?;
            let Some((id, account, kind, conversation, attempts)) = row else {
                return Ok(None);
            };
            let job = ClaimedJob {
                id,
                account_id: AccountId(account),
                kind,
                conversation_id: conversation.map(ConversationId),
                attempts,
            };
            let effect: Result<Vec<EventRecord>> = async {
                match (job.kind.as_str(), job.conversation_id) {
                    (REOPEN_SNOOZED, Some(cid)) => {
                        let account_id = job.account_id;
                        let (old, assignee, inbox, until) = lock_for_counts!(tx, account_id, cid);
                        // Re-snoozed to a later time, opened by hand or by the
                        // visitor meanwhile: this job has nothing left to do.
                        let due = old == ConversationStatus::Snoozed.as_str() && until.is_some_and(|u| u <= now);
                        if !due {
                            return Ok(Vec::new());
                        }
                        let open = ConversationStatus::Open;
                        Ok(change_status!(
                            tx,
                            account_id,
                            cid,
                            old,
                            assignee,
                            inbox,
                            open,
                            None,
                            &activities.snooze_ended,
                            now
                        ))
                    }
                    (kind, _) => Err(StoreError::Other(format!("unknown job kind {kind}"))),
                }
            }
            .await;
            match effect {
                Ok(records) => JobRun::Done(records),
                // Returning before the commit drops the transaction: the
                // claim is rolled back with whatever the effect wrote.
                Err(e) => return Ok(Some(JobRun::Failed(job, e))),
            }
        });
        Ok(Some(run))
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or never
    /// after [`MAX_ATTEMPTS`].
    pub async fn retry_job(&self, job: &ClaimedJob, error: &str, retry_at: Millis) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE jobs SET attempts = attempts + 1, last_error = $2, run_at = $3 WHERE id = $1")
                .bind(job.id)
                .bind(error)
                .bind(retry_at)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// How many of an account's jobs are not done yet (the tests check none is
    /// left behind).
    pub async fn pending_jobs(&self, account_id: AccountId) -> Result<i64> {
        crate::read!(self, |db| Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE account_id = $1")
            .bind(account_id.0)
            .fetch_one(db)
            .await?))
    }
}
