//! What the integration tests reach beside the HTTP API, compiled only with
//! the `test-support` feature (crates/parlor's dev-dependencies): a clock to
//! move by hand, accounts and inboxes made directly, the job table's state,
//! and the probe job kind (a leased job that calls a URL the test serves).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use domain::*;
use store::{ClaimedJob, NewJob};

use crate::{App, AppError, Clock, Result, SharedClock};

/// After this many failed attempts a job is dead.
pub use store::MAX_ATTEMPTS;

/// A clock that stands still until the test moves it.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn starting_at(now: Millis) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(now)))
    }

    pub fn advance(&self, by: Millis) {
        self.0.fetch_add(by, Ordering::SeqCst);
    }

    pub fn shared(self: &Arc<Self>) -> SharedClock {
        SharedClock(self.clone())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn create_account(app: &App, name: &str) -> Result<AccountId> {
    Ok(app.store().create_account(name, app.now()).await?)
}

/// A website inbox in any account, as the first run makes one.
pub async fn create_inbox(app: &App, account: AccountId, name: &str) -> Result<Inbox> {
    app.new_inbox(account, name, &HexColor::parse("#123456")?).await
}

/// How many of an account's jobs are not done yet (the tests check none is
/// left behind), dead ones included.
pub async fn pending_jobs(app: &App, account: AccountId) -> Result<i64> {
    Ok(app.store().pending_jobs(account).await?)
}

/// An account's dead jobs: kind, attempts, last error.
pub async fn dead_jobs(app: &App, account: AccountId) -> Result<Vec<(String, i64, Option<String>)>> {
    Ok(app.store().dead_jobs(account).await?)
}

/// Enqueues a probe job that POSTs to `url` at `run_at`; returns its
/// idempotency key.
pub async fn enqueue_probe(app: &App, account: AccountId, url: &str, run_at: Millis) -> Result<String> {
    let key = crate::tokens::generate_short();
    let job = NewJob {
        account_id: account,
        kind: JobKind::Probe,
        conversation_id: None,
        payload: serde_json::json!({ "url": url }),
        run_at,
        idempotency_key: Some(&key),
    };
    let mut tx = app.store().begin().await?;
    tx.enqueue(&job).await?;
    tx.commit().await?;
    Ok(key)
}

/// Leases the next due job to `holder` as a runner would, and does nothing
/// more with it: a runner that dies holding its lease.
pub async fn lease_and_die(app: &App, holder: &str, now: Millis) -> Result<Option<ClaimedJob>> {
    Ok(app.store().lease_job(now, holder, now + crate::jobs::LEASE).await?)
}

/// Runs the due jobs as a runner named `holder`: a second runner in the
/// same process.
pub async fn run_due_jobs_as(app: &App, holder: &str, now: Millis) -> Result<usize> {
    app.run_due_jobs_as(holder, now).await
}

/// The probe's effect: POST the job's payload to its `url` with its
/// idempotency key; anything but a 2xx answer is a failure to retry.
pub(crate) async fn probe(job: &ClaimedJob) -> Result<()> {
    let url = job.payload["url"].as_str().ok_or_else(|| AppError::Internal("probe without url".into()))?;
    let key = job.idempotency_key.clone().unwrap_or_default();
    let answer = reqwest::Client::new()
        .post(url)
        .header("Idempotency-Key", key)
        .json(&job.payload)
        .send()
        .await
        .map_err(|e| AppError::Internal(format!("probe: {e}")))?;
    if !answer.status().is_success() {
        return Err(AppError::Internal(format!("probe answered {}", answer.status())));
    }
    Ok(())
}

/// A member's new role, as the agents API will set it (issue 12): the
/// store's change, then the user's sockets re-read their rights.
pub async fn set_role(app: &App, account: AccountId, user: UserId, role: Role) -> Result<()> {
    app.store().set_member_role(account, user, role).await?;
    app.access_changed(account, user).await;
    Ok(())
}

/// A user taken out of one inbox, as the inbox members API will do it.
pub async fn leave_inbox(app: &App, account: AccountId, inbox: InboxId, user: UserId) -> Result<()> {
    app.store().remove_inbox_members(account, inbox, &[user]).await?;
    app.access_changed(account, user).await;
    Ok(())
}

/// A user taken out of an account, as removing an agent will do it.
pub async fn remove_from_account(app: &App, account: AccountId, user: UserId) -> Result<()> {
    app.store().remove_account_user(account, user).await?;
    app.access_changed(account, user).await;
    Ok(())
}
