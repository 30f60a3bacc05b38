//! The event log that makes real-time delivery resumable (invariant 2).
//!
//! Every stored change a client must see gets a row here in the same transaction:
//! an account-wide `seq` (agents resume from it) and a per-conversation
//! `conversation_seq` (visitors resume from it).

use domain::*;

use crate::{point_read, Result, Store};

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

impl EventRow {
    /// The columns of [`EVENT_COLUMNS`], in order, from a rusqlite row.
    fn from_sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self> {
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

/// Appends one event inside an open transaction: takes the account's next `seq`
/// (the row lock on `accounts` orders commits by seq on PostgreSQL; SQLite has one
/// writer anyway) and inserts the row. Evaluates to the `EventRecord`.
macro_rules! append_event {
    ($tx:ident, $account:expr, $inbox:expr, $conversation:expr, $conversation_seq:expr, $kind:expr, $private:expr, $message:expr, $now:expr) => {{
        let seq: i64 = sqlx::query_scalar(
            "UPDATE accounts SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq",
        )
        .bind($account.0)
        .fetch_one(&mut *$tx)
        .await?;
        let kind: EventKind = $kind;
        let message: Option<MessageId> = $message;
        sqlx::query(
            "INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, message_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($account.0)
        .bind(seq)
        .bind($inbox.0)
        .bind($conversation.0)
        .bind($conversation_seq)
        .bind(kind.name())
        .bind($private)
        .bind(message.map(|m| m.0))
        .bind($now)
        .execute(&mut *$tx)
        .await?;
        $crate::EventRecord {
            account_id: $account,
            seq,
            inbox_id: $inbox,
            conversation_id: $conversation,
            conversation_seq: $conversation_seq,
            kind,
            private: $private,
            message_id: message,
        }
    }};
}
pub(crate) use append_event;

impl Store {
    /// The account's newest event seq: where a new agent socket starts.
    pub async fn account_seq(&self, account_id: AccountId) -> Result<i64> {
        const SQL: &str = "SELECT last_event_seq FROM accounts WHERE id = $1";
        Ok(point_read!(self, |conn| conn.prepare_cached(SQL)?.query_row([account_id.0], |r| r.get(0)), |db| {
            sqlx::query_scalar(SQL).bind(account_id.0).fetch_one(db).await?
        }))
    }

    /// The account's events after `since`, in order.
    pub async fn events_after(&self, account_id: AccountId, since: i64, limit: i64) -> Result<Vec<EventRecord>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
        let rows: Vec<EventRow> = point_read!(
            self,
            |conn| conn.prepare_cached(&sql)?.query_map((account_id.0, since, limit), EventRow::from_sqlite)?.collect(),
            |db| sqlx::query_as(&sql).bind(account_id.0).bind(since).bind(limit).fetch_all(db).await?
        );
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
        let rows: Vec<EventRow> = point_read!(
            self,
            |conn| conn
                .prepare_cached(&sql)?
                .query_map((account_id.0, conversation.0, since, limit), EventRow::from_sqlite)?
                .collect(),
            |db| sqlx::query_as(&sql)
                .bind(account_id.0)
                .bind(conversation.0)
                .bind(since)
                .bind(limit)
                .fetch_all(db)
                .await?
        );
        Ok(rows.into_iter().filter_map(Option::<EventRecord>::from).collect())
    }
}
