//! Jobs: side effects that must survive a crash, written in the same
//! transaction as the change that causes them (ARCHITECTURE.md, invariant 3).
//! This file claims rows and runs SQL; what a job does is `app`'s.
//!
//! Two deliveries ([`domain::Delivery`]):
//! - In the database: the transaction that performs the effect is the one that
//!   deletes the job's row ([`Tx::claim_job`]), so it runs exactly once,
//!   however many processes poll: PostgreSQL's `FOR UPDATE SKIP LOCKED` hands
//!   each poller a different row, and a crash before the commit rolls the
//!   delete back with the effect. SQLite has one process and one writer.
//! - Outside it: a runner leases the job ([`Store::lease_job`]) until
//!   `locked_until`, runs it outside any transaction, then finishes it
//!   ([`Store::finish_job`]) or schedules a retry ([`Store::fail_job`]), both
//!   only while it still holds the lease. A runner that died lets the lease
//!   run out and another takes the job: at least once, with the job's
//!   idempotency key for the receiver to deduplicate by.
//!
//! A failed attempt is retried later; after [`MAX_ATTEMPTS`] the job is dead:
//! kept with its last error, never tried again.

use domain::*;

use crate::query::q;
use crate::{Result, Store, Tx};

/// After this many failed attempts a job is dead.
pub const MAX_ATTEMPTS: i64 = 10;

/// A job to write in the transaction that causes it.
pub struct NewJob<'a> {
    pub account_id: AccountId,
    pub kind: JobKind,
    pub conversation_id: Option<ConversationId>,
    pub payload: serde_json::Value,
    pub run_at: Millis,
    /// Sent with a leased job's effect, the same on every attempt; the caller
    /// makes it unguessable (tokens).
    pub idempotency_key: Option<&'a str>,
}

/// A claimed or leased job, as its row was.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub account_id: AccountId,
    /// `Err` with the stored name when this build does not know the kind.
    pub kind: std::result::Result<JobKind, String>,
    pub conversation_id: Option<ConversationId>,
    pub payload: serde_json::Value,
    pub attempts: i64,
    pub idempotency_key: Option<String>,
}

type JobRow = (i64, i64, String, Option<i64>, String, i64, Option<String>);

impl From<JobRow> for ClaimedJob {
    fn from((id, account, kind, conversation, payload, attempts, key): JobRow) -> Self {
        ClaimedJob {
            id,
            account_id: AccountId(account),
            kind: JobKind::parse(&kind).ok_or(kind),
            conversation_id: conversation.map(ConversationId),
            payload: serde_json::from_str(&payload).unwrap_or_default(),
            attempts,
            idempotency_key: key,
        }
    }
}

const RETURNING: &str = "RETURNING id, account_id, kind, conversation_id, payload, attempts, idempotency_key";

/// The first due job of a delivery, oldest first. PostgreSQL skips rows
/// another transaction holds, so concurrent pollers take different jobs.
fn due(leased: bool, postgres: bool) -> String {
    let lease = if leased { "AND (locked_until IS NULL OR locked_until <= $1)" } else { "" };
    let skip = if postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    format!(
        "SELECT id FROM jobs WHERE leased = {leased} AND dead_at IS NULL AND run_at <= $1 {lease} \
         ORDER BY run_at, id LIMIT 1 {skip}"
    )
}

impl Tx {
    /// Writes a job, to run at `run_at`, in this transaction.
    pub async fn enqueue(&mut self, job: &NewJob<'_>) -> Result<()> {
        self.execute(
            q("INSERT INTO jobs (account_id, kind, conversation_id, payload, run_at, leased, idempotency_key) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(job.account_id.0)
            .bind(job.kind.name())
            .bind(job.conversation_id.map(|c| c.0))
            .bind(job.payload.to_string())
            .bind(job.run_at)
            .bind(job.kind.delivery() == Delivery::Leased)
            .bind(job.idempotency_key),
        )
        .await?;
        Ok(())
    }

    /// Claims the first in-database job due at `now` by deleting its row: the
    /// claim commits or rolls back with the effect the caller writes next.
    pub async fn claim_job(&mut self, now: Millis) -> Result<Option<ClaimedJob>> {
        let sql = format!("DELETE FROM jobs WHERE id = ({}) {RETURNING}", due(false, self.is_postgres()));
        let row: Option<JobRow> = self.fetch_optional(q(&sql).bind(now)).await?;
        Ok(row.map(Into::into))
    }
}

impl Store {
    /// Whether any job is due at `now`: a read, so an idle runner never takes
    /// the write lock (SQLite) or opens a transaction.
    pub async fn job_due(&self, now: Millis) -> Result<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM jobs WHERE run_at <= $1 AND dead_at IS NULL \
                   AND (locked_until IS NULL OR locked_until <= $1))";
        let (due,): (bool,) = self.point_one(q(sql).bind(now)).await?;
        Ok(due)
    }

    /// Leases the first outside-the-database job due at `now` to `holder`
    /// until `until`, in a transaction of its own.
    pub async fn lease_job(&self, now: Millis, holder: &str, until: Millis) -> Result<Option<ClaimedJob>> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE jobs SET locked_until = $2, locked_by = $3 WHERE id = ({}) {RETURNING}",
            due(true, tx.is_postgres())
        );
        let row: Option<JobRow> = tx.fetch_optional(q(&sql).bind(now).bind(until).bind(holder)).await?;
        tx.commit().await?;
        Ok(row.map(Into::into))
    }

    /// A leased job's effect happened: the job is gone. `false` when `holder`
    /// no longer held it (its lease ran out and another runner took it).
    pub async fn finish_job(&self, id: i64, holder: &str) -> Result<bool> {
        Ok(self.write(q("DELETE FROM jobs WHERE id = $1 AND locked_by = $2").bind(id).bind(holder)).await? > 0)
    }

    /// Records a failed attempt: the job runs again at `retry_at`, or is dead
    /// (since `now`) when this was attempt [`MAX_ATTEMPTS`]. `holder` names
    /// the lease of a leased job (`None` for an in-database job, whose claim
    /// was rolled back). `false` when the lease was lost meanwhile.
    pub async fn fail_job(
        &self,
        job: &ClaimedJob,
        holder: Option<&str>,
        error: &str,
        retry_at: Millis,
        now: Millis,
    ) -> Result<bool> {
        let n = self
            .write(
                q("UPDATE jobs SET attempts = attempts + 1, last_error = $2, run_at = $3, \
                   locked_until = NULL, locked_by = NULL, \
                   dead_at = CASE WHEN attempts + 1 >= $4 THEN $5 ELSE NULL END \
                   WHERE id = $1 AND ($6 IS NULL OR locked_by = $6)")
                .bind(job.id)
                .bind(error)
                .bind(retry_at)
                .bind(MAX_ATTEMPTS)
                .bind(now)
                .bind(holder),
            )
            .await?;
        Ok(n > 0)
    }

    /// How many of an account's jobs are not done yet, dead ones included.
    pub async fn pending_jobs(&self, account_id: AccountId) -> Result<i64> {
        let (n,): (i64,) =
            self.read_one(q("SELECT COUNT(*) FROM jobs WHERE account_id = $1").bind(account_id.0)).await?;
        Ok(n)
    }

    /// An account's dead jobs: kind, attempts and last error, newest first
    /// (for the screen that will show them).
    pub async fn dead_jobs(&self, account_id: AccountId) -> Result<Vec<(String, i64, Option<String>)>> {
        self.read_all(
            q("SELECT kind, attempts, last_error FROM jobs WHERE account_id = $1 AND dead_at IS NOT NULL \
               ORDER BY dead_at DESC, id DESC")
            .bind(account_id.0),
        )
        .await
    }
}
