//! Group commit for the hot write paths: messages and new visitors.
//!
//! Every durable commit waits for the disk (SQLite `synchronous=FULL`, PostgreSQL
//! `synchronous_commit=on`), so one transaction per message caps throughput at one
//! fsync per message. Instead, one writer task per process takes whatever
//! messages are waiting (up to `MAX_BATCH`) and stores them in one transaction,
//! each inside its own savepoint so one bad message does not fail the others.
//! The sender's acknowledgement still waits for that commit (invariant 1); a
//! lone message is committed at once, without waiting for company.

use domain::*;
use sqlx::Acquire;
use tokio::sync::{mpsc, oneshot};

use crate::events::append_event;
use crate::{now_millis, EventRecord, Inner, Result, StoreError};

pub(crate) const MAX_BATCH: usize = 256;

pub(crate) struct OwnedMessage {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub body: String,
    pub message_type: MessageType,
    pub private: bool,
    pub sender: Sender,
    pub echo_id: Option<String>,
    /// What the stored message shows that the batch does not write: the caller
    /// loaded the conversation and knows its sender, so nothing is read back.
    pub display_id: DisplayId,
    pub sender_name: Option<String>,
}

impl OwnedMessage {
    /// `(sender_type, sender_id)` columns.
    pub(crate) fn sender_columns(&self) -> (&'static str, Option<i64>) {
        match self.sender {
            Sender::Contact(c) => ("contact", Some(c.0)),
            Sender::User(u) => ("user", Some(u.0)),
            Sender::System => ("system", None),
        }
    }
}

/// The message as stored: the columns the batch wrote plus what the caller knew.
pub(crate) fn stored_message(m: &OwnedMessage, id: MessageId, inbox: InboxId, seq: i64, now: i64) -> Message {
    Message {
        id,
        account_id: m.account_id,
        inbox_id: inbox,
        conversation_id: m.conversation_id,
        display_id: m.display_id,
        seq,
        content: m.body.clone(),
        message_type: m.message_type,
        private: m.private,
        sender: m.sender,
        sender_name: m.sender_name.clone(),
        echo_id: m.echo_id.clone(),
        content_attributes: serde_json::Map::new(),
        created_at: now,
    }
}

/// A new visitor: its contact and its session in one inbox (hashed tokens).
pub(crate) struct OwnedVisitor {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub name: String,
    pub source_id_hash: String,
    pub pubsub_token_hash: String,
}

impl OwnedVisitor {
    /// The contact as stored: a new visitor has only a name.
    pub(crate) fn contact(&self, id: ContactId, now: i64) -> Contact {
        Contact {
            id,
            account_id: self.account_id,
            name: self.name.clone(),
            email: None,
            phone_number: None,
            identifier: None,
            additional_attributes: serde_json::Map::new(),
            created_at: now,
            last_activity_at: now,
        }
    }
}

/// One write waiting for the next batch, with the channel its answer goes to.
pub(crate) enum Job {
    Message(OwnedMessage, oneshot::Sender<Result<(Message, EventRecord)>>),
    Visitor(OwnedVisitor, oneshot::Sender<Result<(Contact, i64)>>),
}

/// What one job produced, before its answer is sent.
pub(crate) enum Done {
    Message((Message, EventRecord)),
    Visitor((Contact, i64)),
}

#[derive(Clone)]
pub(crate) struct Batcher(mpsc::Sender<Job>);

impl Batcher {
    /// Starts the writer: a thread of its own for SQLite (batch_sqlite.rs), a
    /// task for PostgreSQL.
    pub(crate) fn spawn(inner: &Inner) -> Result<Batcher> {
        let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        match inner {
            Inner::Sqlite { path, gate, .. } => crate::batch_sqlite::spawn(path, gate.clone(), rx)?,
            Inner::Postgres(pool) => {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut jobs = Vec::with_capacity(MAX_BATCH);
                    // Ends when every Store clone (and so every sender) is gone.
                    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
                        run_pg_batch(&pool, &mut jobs).await;
                    }
                });
            }
        }
        Ok(Batcher(tx))
    }

    /// Queues a message and waits until its batch committed.
    pub(crate) async fn append(&self, m: OwnedMessage) -> Result<(Message, EventRecord)> {
        let (reply, answer) = oneshot::channel();
        self.0.send(Job::Message(m, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Queues a new visitor and waits until its batch committed.
    pub(crate) async fn visitor(&self, v: OwnedVisitor) -> Result<(Contact, i64)> {
        let (reply, answer) = oneshot::channel();
        self.0.send(Job::Visitor(v, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the writer stopped".into())
}

/// Stores one visitor inside an open PostgreSQL transaction.
async fn visitor_pg(tx: &mut sqlx::PgConnection, v: &OwnedVisitor, now: i64) -> Result<(Contact, i64)> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contacts (account_id, name, pubsub_token_hash, created_at, last_activity_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(v.account_id.0)
    .bind(&v.name)
    .bind(&v.pubsub_token_hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let ci: i64 = sqlx::query_scalar(
        "INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, source_id_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(v.account_id.0)
    .bind(id)
    .bind(v.inbox_id.0)
    .bind(&v.source_id_hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok((v.contact(ContactId(id), now), ci))
}

/// Stores one message inside an open PostgreSQL transaction (a savepoint of the batch).
async fn message_pg(tx: &mut sqlx::PgConnection, m: &OwnedMessage, now: i64) -> Result<(Message, EventRecord)> {
    let (sender_type, sender_id) = m.sender_columns();
    let incoming = m.message_type == MessageType::Incoming;
    let (cseq, inbox): (i64, i64) = sqlx::query_as(
        "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $3, \
             unread_count = unread_count + $4 WHERE account_id = $1 AND id = $2 RETURNING last_seq, inbox_id",
    )
    .bind(m.account_id.0)
    .bind(m.conversation_id.0)
    .bind(now)
    .bind(if incoming { 1_i64 } else { 0 })
    .fetch_one(&mut *tx)
    .await?;
    let mid: i64 = sqlx::query_scalar(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, seq, content, message_type, private, \
             sender_type, sender_id, echo_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(m.account_id.0)
        .bind(inbox)
        .bind(m.conversation_id.0)
        .bind(cseq)
        .bind(m.body.as_str())
        .bind(m.message_type.code())
        .bind(m.private)
        .bind(sender_type)
        .bind(sender_id)
        .bind(m.echo_id.as_deref())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE conversations SET last_message_id = $2 WHERE id = $1")
        .bind(m.conversation_id.0)
        .bind(mid)
        .execute(&mut *tx)
        .await?;
    if let Sender::Contact(c) = m.sender {
        sqlx::query("UPDATE contacts SET last_activity_at = $2 WHERE id = $1")
            .bind(c.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    let event = append_event!(
        tx,
        m.account_id,
        InboxId(inbox),
        m.conversation_id,
        cseq,
        EventKind::MessageCreated,
        m.private,
        Some(MessageId(mid)),
        now
    );
    Ok((stored_message(m, MessageId(mid), InboxId(inbox), cseq, now), event))
}

/// Runs the whole batch in one transaction, each job in a savepoint.
async fn run_pg_batch(pool: &sqlx::PgPool, jobs: &mut Vec<Job>) {
    let now = now_millis();
    let mut results: Vec<Result<Done>> = Vec::with_capacity(jobs.len());
    let committed: Result<()> = async {
        let mut tx = pool.begin().await?;
        for job in jobs.iter() {
            let mut sp = tx.begin().await?;
            let one = match job {
                Job::Message(m, _) => message_pg(&mut sp, m, now).await.map(Done::Message),
                Job::Visitor(v, _) => visitor_pg(&mut sp, v, now).await.map(Done::Visitor),
            };
            match one {
                Ok(done) => {
                    sp.commit().await?;
                    results.push(Ok(done));
                }
                Err(e) => {
                    sp.rollback().await?;
                    results.push(Err(e));
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    reply_all(jobs, results, committed.err().map(|e| e.to_string()));
}

/// Answers every job of a batch; `failed` says the batch's commit failed, so
/// nothing of it is stored and every sender hears so (and may retry).
pub(crate) fn reply_all(jobs: &mut Vec<Job>, results: Vec<Result<Done>>, failed: Option<String>) {
    let mut results = results.into_iter();
    for job in jobs.drain(..) {
        let result = match (&failed, results.next()) {
            (None, Some(r)) => r,
            (Some(e), _) => Err(StoreError::Unavailable(format!("batch not committed: {e}"))),
            (None, None) => Err(StoreError::Other("batch result missing".into())),
        };
        // A receiver that gave up (its request was cancelled) is fine to ignore:
        // the write is committed and visible to a retry.
        match job {
            Job::Message(_, reply) => {
                let _ = reply.send(result.and_then(|d| match d {
                    Done::Message(x) => Ok(x),
                    Done::Visitor(_) => Err(StoreError::Other("mismatched batch result".into())),
                }));
            }
            Job::Visitor(_, reply) => {
                let _ = reply.send(result.and_then(|d| match d {
                    Done::Visitor(x) => Ok(x),
                    Done::Message(_) => Err(StoreError::Other("mismatched batch result".into())),
                }));
            }
        }
    }
}
