//! Group commit for the hot write paths: messages and new visitors.
//!
//! Every durable commit waits for the disk (SQLite `synchronous=FULL`, PostgreSQL
//! `synchronous_commit=on`), so one transaction per message caps throughput at one
//! fsync per message. Instead, one writer per process takes whatever messages
//! are waiting (up to `MAX_BATCH`) and stores them in one transaction, so that
//! one bad message does not fail the others (batch_sqlite.rs: a savepoint each;
//! batch_pg.rs: one statement each that writes nothing when it cannot succeed).
//! The sender's acknowledgement still waits for that commit (invariant 1); a
//! lone message is committed at once, without waiting for company.

use domain::*;
use tokio::sync::{mpsc, oneshot};

use crate::{EventRecord, Inner, Result, StoreError};

pub(crate) const MAX_BATCH: usize = 256;

pub(crate) struct OwnedMessage {
    pub account_id: AccountId,
    pub target: Target,
    pub body: String,
    pub message_type: MessageType,
    pub private: bool,
    pub sender: Sender,
    pub echo_id: Option<String>,
    /// What the stored message shows that the batch does not write, so nothing
    /// is read back: the conversation's display id (for a visitor's, the one
    /// named), and the sender's name as the caller knows it (for a contact
    /// sender the writer reads the name as it updates the contact's row, and
    /// that one is used).
    pub display_id: DisplayId,
    pub sender_name: Option<String>,
    /// When it was sent, by the caller's clock.
    pub now: Millis,
}

/// Which conversation a message goes into.
pub(crate) enum Target {
    /// One the caller loaded and checked already (an agent's reply).
    Loaded(ConversationId),
    /// A visitor's, by the display id the visitor named (`display_id`): the
    /// writer checks, in the statement that writes the message, that it belongs
    /// to this contact in this inbox, and writes nothing otherwise (`NotFound`).
    /// So a visitor's message needs no read before its write (BENCHMARKS.md, M2b).
    /// A message into a resolved conversation of an inbox with
    /// `lock_to_single_conversation`, while another of the visitor's is open
    /// there, goes into the open one ([`VISITOR_TARGET`]): it could not reopen
    /// its own, and it must not be lost in a closed one.
    Visitor { inbox_id: InboxId, contact_id: ContactId },
}

/// The conversation a visitor's message goes into (see [`Target::Visitor`]);
/// the same statement on both databases. `$1` account, `$2` the display id
/// named, `$12` contact, `$13` inbox. The inner query runs only for a resolved
/// conversation, so an ordinary message costs no more than the lookup.
pub(crate) const VISITOR_TARGET: &str = "SELECT CASE WHEN n.status <> 'resolved' THEN n.id ELSE COALESCE(( \
        SELECT o.id FROM conversations o JOIN inboxes i ON i.id = o.inbox_id \
        WHERE o.contact_inbox_id = n.contact_inbox_id AND o.status <> 'resolved' \
        AND i.lock_to_single_conversation ORDER BY o.id DESC LIMIT 1), n.id) END AS id \
    FROM conversations n \
    WHERE n.account_id = $1 AND n.display_id = $2 AND n.contact_id = $12 AND n.inbox_id = $13";

/// What a writer answers for a stored message.
pub(crate) struct Written {
    pub message: Message,
    pub event: EventRecord,
    /// The conversation's status as the message was written (a visitor's
    /// message reopens a resolved conversation).
    pub status: ConversationStatus,
    /// Its assignee then, for the after-commit notification.
    pub assignee: Option<UserId>,
}

/// What one message's statements returned: the new ids and seqs, the
/// conversation's status, and the contact sender's name (`None` for others).
pub(crate) struct Wrote {
    pub message_id: i64,
    pub conversation_id: i64,
    pub inbox_id: i64,
    pub conversation_seq: i64,
    /// The conversation's display id: the one named, unless a visitor's
    /// message was moved to their open conversation.
    pub display_id: i64,
    pub seq: i64,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub contact_name: Option<String>,
}

/// What a writer answers for a stored message: the message, its event and the
/// conversation's status.
pub(crate) fn stored(m: &OwnedMessage, w: Wrote) -> Written {
    let conversation_id = ConversationId(w.conversation_id);
    let event = EventRecord {
        account_id: m.account_id,
        seq: w.seq,
        inbox_id: InboxId(w.inbox_id),
        conversation_id,
        conversation_seq: w.conversation_seq,
        kind: EventKind::MessageCreated,
        private: m.private,
        message_id: Some(MessageId(w.message_id)),
    };
    // The columns the batch wrote plus what the caller knew.
    let message = Message {
        id: MessageId(w.message_id),
        account_id: m.account_id,
        inbox_id: InboxId(w.inbox_id),
        conversation_id,
        display_id: DisplayId(w.display_id),
        seq: w.conversation_seq,
        content: m.body.clone(),
        message_type: m.message_type,
        private: m.private,
        sender: m.sender,
        sender_name: w.contact_name.or_else(|| m.sender_name.clone()),
        echo_id: m.echo_id.clone(),
        content_attributes: serde_json::Map::new(),
        created_at: m.now,
    };
    // The column holds only values this code wrote; an unknown one reads as open
    // (nothing to reopen) rather than failing a committed write.
    let status = ConversationStatus::parse(&w.status).unwrap_or(ConversationStatus::Open);
    Written { message, event, status, assignee: w.assignee_id.map(UserId) }
}

/// A new visitor: its contact and its session in one inbox (hashed tokens).
pub(crate) struct OwnedVisitor {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub name: String,
    pub source_id_hash: String,
    pub pubsub_token_hash: String,
    pub now: Millis,
}

impl OwnedVisitor {
    /// The contact as stored: a new visitor has only a name.
    pub(crate) fn contact(&self, id: ContactId) -> Contact {
        Contact {
            id,
            account_id: self.account_id,
            name: self.name.clone(),
            email: None,
            phone_number: None,
            identifier: None,
            additional_attributes: serde_json::Map::new(),
            created_at: self.now,
            last_activity_at: self.now,
        }
    }
}

/// One write waiting for the next batch, with the channel its answer goes to.
pub(crate) enum Job {
    Message(OwnedMessage, oneshot::Sender<Result<Written>>),
    Visitor(OwnedVisitor, oneshot::Sender<Result<(Contact, i64)>>),
}

/// What one job produced, before its answer is sent.
pub(crate) enum Done {
    Message(Written),
    Visitor((Contact, i64)),
}

#[derive(Clone)]
pub(crate) struct Batcher(mpsc::Sender<Job>);

impl Batcher {
    /// Starts the writer: a thread of its own for SQLite (batch_sqlite.rs), a
    /// task for PostgreSQL.
    pub(crate) fn spawn(inner: &Inner) -> Result<Batcher> {
        let (tx, rx) = mpsc::channel::<Job>(4 * MAX_BATCH);
        match inner {
            Inner::Sqlite { path, gate, .. } => crate::batch_sqlite::spawn(path, gate.clone(), rx)?,
            Inner::Postgres(pool) => {
                tokio::spawn(crate::batch_pg::run_writer(pool.clone(), rx));
            }
        }
        Ok(Batcher(tx))
    }

    /// Queues a message and waits until its batch committed.
    pub(crate) async fn append(&self, m: OwnedMessage) -> Result<Written> {
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
