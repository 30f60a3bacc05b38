//! The event log that makes real-time delivery resumable (invariant 2).
//!
//! Every stored change a client must see gets a row here in the same transaction:
//! an account-wide `seq` (agents resume from it) and a per-conversation
//! `conversation_seq` (visitors resume from it).

use domain::*;

use crate::query::q;
use crate::{Result, Store, Tx};

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub account_id: AccountId,
    pub seq: i64,
    pub inbox_id: InboxId,
    pub conversation_id: ConversationId,
    pub conversation_seq: i64,
    pub kind: EventKind,
    pub private: bool,
    pub message_id: Option<MessageId>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    account_id: i64,
    seq: i64,
    inbox_id: i64,
    conversation_id: i64,
    conversation_seq: i64,
    kind: String,
    private: bool,
    message_id: Option<i64>,
}

/// The columns of [`EVENT_COLUMNS`], in order, from a rusqlite row.
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for EventRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(EventRow {
            account_id: r.get(0)?,
            seq: r.get(1)?,
            inbox_id: r.get(2)?,
            conversation_id: r.get(3)?,
            conversation_seq: r.get(4)?,
            kind: r.get(5)?,
            private: r.get(6)?,
            message_id: r.get(7)?,
        })
    }
}

impl From<EventRow> for Option<EventRecord> {
    fn from(r: EventRow) -> Self {
        Some(EventRecord {
            account_id: AccountId(r.account_id),
            seq: r.seq,
            inbox_id: InboxId(r.inbox_id),
            conversation_id: ConversationId(r.conversation_id),
            conversation_seq: r.conversation_seq,
            kind: EventKind::parse(&r.kind)?,
            private: r.private,
            message_id: r.message_id.map(MessageId),
        })
    }
}

const EVENT_COLUMNS: &str = "account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, message_id";

/// An event to append: everything but the account-wide `seq`, which
/// [`Tx::append_event`] takes.
pub struct NewEvent {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub conversation_id: ConversationId,
    pub conversation_seq: i64,
    pub kind: EventKind,
    pub private: bool,
    pub message_id: Option<MessageId>,
}

impl Tx {
    /// Appends one event: takes the account's next `seq` (the row lock on
    /// `accounts` orders commits by seq on PostgreSQL; SQLite has one writer
    /// anyway) and inserts the row.
    pub async fn append_event(&mut self, e: NewEvent, now: Millis) -> Result<EventRecord> {
        let (seq,): (i64,) = self
            .fetch_one(
                q("UPDATE accounts SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq")
                    .bind(e.account_id.0),
            )
            .await?;
        self.execute(
            q("INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, \
               message_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(e.account_id.0)
            .bind(seq)
            .bind(e.inbox_id.0)
            .bind(e.conversation_id.0)
            .bind(e.conversation_seq)
            .bind(e.kind.name())
            .bind(e.private)
            .bind(e.message_id.map(|m| m.0))
            .bind(now),
        )
        .await?;
        Ok(EventRecord {
            account_id: e.account_id,
            seq,
            inbox_id: e.inbox_id,
            conversation_id: e.conversation_id,
            conversation_seq: e.conversation_seq,
            kind: e.kind,
            private: e.private,
            message_id: e.message_id,
        })
    }

    /// Takes the conversation's next `conversation_seq` and appends an event of
    /// `kind` for it (a change of the conversation itself, not a message).
    pub async fn append_conversation_event(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        kind: EventKind,
        now: Millis,
    ) -> Result<EventRecord> {
        self.conversation_event(account_id, conversation_id, kind, false, now).await
    }

    /// The same for the team only (label changes): the visitor's paths leave
    /// it out as they leave out internal comments.
    pub async fn append_team_event(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        kind: EventKind,
        now: Millis,
    ) -> Result<EventRecord> {
        self.conversation_event(account_id, conversation_id, kind, true, now).await
    }

    async fn conversation_event(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        kind: EventKind,
        private: bool,
        now: Millis,
    ) -> Result<EventRecord> {
        let (conversation_seq, inbox_id) = self.next_conversation_seq(account_id, conversation_id).await?;
        let e = NewEvent { account_id, inbox_id, conversation_id, conversation_seq, kind, private, message_id: None };
        self.append_event(e, now).await
    }
}

impl Store {
    /// The account's newest event seq: where a new agent socket starts.
    pub async fn account_seq(&self, account_id: AccountId) -> Result<i64> {
        let (seq,): (i64,) =
            self.point_one(q("SELECT last_event_seq FROM accounts WHERE id = $1").bind(account_id.0)).await?;
        Ok(seq)
    }

    /// The account's events after `since`, in order.
    pub async fn events_after(&self, account_id: AccountId, since: i64, limit: i64) -> Result<Vec<EventRecord>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        let rows: Vec<EventRow> = self.point_all(q(&sql).bind(account_id.0).bind(since).bind(limit)).await?;
        Ok(rows.into_iter().filter_map(Option::<EventRecord>::from).collect())
    }

    /// A conversation's events after `since`, in order.
    pub async fn conversation_events_after(
        &self,
        account_id: AccountId,
        conversation: ConversationId,
        since: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND conversation_id = $2 \
             AND conversation_seq > $3 ORDER BY conversation_seq LIMIT $4"
        );
        let rows: Vec<EventRow> =
            self.point_all(q(&sql).bind(account_id.0).bind(conversation.0).bind(since).bind(limit)).await?;
        Ok(rows.into_iter().filter_map(Option::<EventRecord>::from).collect())
    }
}
