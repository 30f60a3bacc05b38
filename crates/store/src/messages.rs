//! Messages: appending one (with its event, in one transaction) and reading them.

use domain::*;

use crate::batch::{OwnedMessage, Target};
use crate::events::NewEvent;
use crate::query::{q, Query};
use crate::rows::*;
use crate::{Conflict, EventRecord, Result, Store, StoreError, Tx};

pub struct NewMessage<'a> {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub body: &'a MessageBody,
    pub message_type: MessageType,
    pub private: bool,
    pub sender: Sender,
    pub echo_id: Option<&'a EchoId>,
    /// Shown with the stored message, which is not read back: the display id of
    /// the conversation the caller loaded, and the sender's name as the message
    /// list shows it (a user's display name or name, a contact's name).
    pub display_id: DisplayId,
    pub sender_name: Option<String>,
    pub now: Millis,
}

/// The columns of a `messages` row, in the order every path writes them: the
/// SQLite group-commit writer and activity lines through [`MessageInsert`],
/// PostgreSQL's group-commit statement in its CTE (batch_pg.rs).
pub(crate) const INSERT_COLUMNS: &str = "account_id, inbox_id, conversation_id, seq, content, message_type, \
    private, sender_type, sender_id, echo_id, content_attributes, created_at";

static INSERT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "INSERT INTO messages ({INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
    )
});

/// One `messages` row as written: the only way a row goes in on SQLite (by
/// either driver) and for activity lines on PostgreSQL.
pub(crate) struct MessageInsert<'a> {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub content: &'a str,
    pub message_type: MessageType,
    pub private: bool,
    pub sender: Sender,
    pub echo_id: Option<&'a str>,
    pub content_attributes: &'a str,
    pub created_at: Millis,
}

impl MessageInsert<'_> {
    /// The statement, answering the new id; values in [`INSERT_COLUMNS`] order.
    pub(crate) fn query(&self) -> Query<'_> {
        let (sender_type, sender_id) = self.sender.columns();
        q(INSERT_SQL.as_str())
            .bind(self.account_id.0)
            .bind(self.inbox_id.0)
            .bind(self.conversation_id.0)
            .bind(self.seq)
            .bind(self.content)
            .bind(self.message_type.code())
            .bind(self.private)
            .bind(sender_type)
            .bind(sender_id)
            .bind(self.echo_id)
            .bind(self.content_attributes)
            .bind(self.created_at)
    }
}

impl Tx {
    /// Takes the conversation's next seq; `(seq, inbox)`. The row lock this
    /// takes orders a conversation's writes.
    pub async fn next_conversation_seq(
        &mut self,
        account_id: AccountId,
        conversation: ConversationId,
    ) -> Result<(i64, InboxId)> {
        let (seq, inbox): (i64, i64) = self
            .fetch_one(
                q("UPDATE conversations SET last_seq = last_seq + 1 WHERE account_id = $1 AND id = $2 \
                   RETURNING last_seq, inbox_id")
                .bind(account_id.0)
                .bind(conversation.0),
            )
            .await?;
        Ok((seq, InboxId(inbox)))
    }

    /// Inserts an activity line ("closed by Anna") with the conversation's next
    /// seq and its `message.created` event.
    pub async fn insert_activity(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        activity: &Activity,
        now: Millis,
    ) -> Result<EventRecord> {
        let attributes = activity.attributes.to_string();
        let line = Line {
            text: &activity.text,
            kind: MessageType::Activity,
            private: activity.private,
            sender: Sender::System,
        };
        self.insert_line(account_id, conversation_id, line, &attributes, now).await
    }

    /// A bot's message (public, outgoing) with its `message.created` event.
    pub async fn insert_bot_message(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        bot: AgentBotId,
        content: &str,
        now: Millis,
    ) -> Result<EventRecord> {
        let line = Line { text: content, kind: MessageType::Outgoing, private: false, sender: Sender::AgentBot(bot) };
        self.insert_line(account_id, conversation_id, line, "{}", now).await
    }

    async fn insert_line(
        &mut self,
        account_id: AccountId,
        conversation_id: ConversationId,
        line: Line<'_>,
        attributes: &str,
        now: Millis,
    ) -> Result<EventRecord> {
        let (seq, inbox_id) = self.next_conversation_seq(account_id, conversation_id).await?;
        let row = MessageInsert {
            account_id,
            inbox_id,
            conversation_id,
            seq,
            content: line.text,
            message_type: line.kind,
            private: line.private,
            sender: line.sender,
            echo_id: None,
            content_attributes: attributes,
            created_at: now,
        };
        let (id,): (i64,) = self.fetch_one(row.query()).await?;
        let event = NewEvent {
            account_id,
            inbox_id,
            conversation_id,
            conversation_seq: seq,
            kind: EventKind::MessageCreated,
            private: line.private,
            message_id: Some(MessageId(id)),
        };
        self.append_event(event, now).await
    }
}

/// A line written inside a transaction (not by the group-commit writer).
struct Line<'a> {
    text: &'a str,
    kind: MessageType,
    private: bool,
    sender: Sender,
}

/// A system line in a conversation: its English text (what Chatwoot stores),
/// structured attributes clients translate from, and whether only the team
/// may see it (stored like an internal comment: no visitor path returns it).
pub struct Activity {
    pub text: String,
    pub attributes: serde_json::Value,
    pub private: bool,
}

/// A visitor's message into one of its conversations, named by display id.
pub struct NewVisitorMessage<'a> {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub display_id: DisplayId,
    pub body: &'a MessageBody,
    pub echo_id: Option<&'a EchoId>,
    pub now: Millis,
}

/// What appending a message did.
pub enum Appended {
    /// Stored now; publish the event. The status and assignee are the
    /// conversation's as the message was written.
    New(Message, EventRecord, ConversationStatus, Option<UserId>),
    /// The same `echo_id` was stored before: this is that message, nothing new.
    Existing(Message),
}

impl Store {
    /// Appends a message with the conversation's next seq and its event, in one
    /// transaction. A resend with a known `echo_id` returns the stored message.
    pub async fn append_message(&self, n: NewMessage<'_>) -> Result<Appended> {
        // No read before the write: a known echo_id fails the unique index inside
        // the batch (its savepoint rolls back) and is answered below.
        let result = self
            .batch
            .append(OwnedMessage {
                account_id: n.account_id,
                target: Target::Loaded(n.conversation_id),
                body: n.body.as_str().to_owned(),
                message_type: n.message_type,
                private: n.private,
                sender: n.sender,
                echo_id: n.echo_id.map(|e| e.as_str().to_owned()),
                display_id: n.display_id,
                sender_name: n.sender_name,
                now: n.now,
            })
            .await;
        match result {
            Ok(w) => Ok(Appended::New(w.message, w.event, w.status, w.assignee)),
            // Two sends of the same echo_id raced (PostgreSQL, several processes):
            // the loser's transaction rolled back; answer with the winner's message.
            Err(StoreError::Conflict(Conflict::EchoId)) if n.echo_id.is_some() => {
                let echo = n.echo_id.ok_or(StoreError::NotFound)?;
                let m = self.message_by_echo_id(n.account_id, n.conversation_id, echo).await?;
                m.map(Appended::Existing).ok_or(StoreError::NotFound)
            }
            Err(e) => Err(e),
        }
    }

    /// Appends a visitor's message to its conversation `display_id`, without a
    /// read first: the writer checks the conversation is this contact's in this
    /// inbox in the same statement (`NotFound` and nothing written otherwise),
    /// and reads the contact's name as it stores. A known `echo_id` returns the
    /// stored message, looked up with the same check.
    pub async fn append_visitor_message(&self, n: NewVisitorMessage<'_>) -> Result<Appended> {
        let result = self
            .batch
            .append(OwnedMessage {
                account_id: n.account_id,
                target: Target::Visitor { inbox_id: n.inbox_id, contact_id: n.contact_id },
                body: n.body.as_str().to_owned(),
                message_type: MessageType::Incoming,
                private: false,
                sender: Sender::Contact(n.contact_id),
                echo_id: n.echo_id.map(|e| e.as_str().to_owned()),
                display_id: n.display_id,
                sender_name: None,
                now: n.now,
            })
            .await;
        match result {
            Ok(w) => Ok(Appended::New(w.message, w.event, w.status, w.assignee)),
            // A known echo_id, or (PostgreSQL answers both alike) no such
            // conversation of this visitor: then this finds nothing either.
            Err(StoreError::Conflict(Conflict::EchoId)) if n.echo_id.is_some() => {
                let echo = n.echo_id.ok_or(StoreError::NotFound)?;
                let m = self.visitor_message_by_echo_id(&n, echo).await?;
                m.map(Appended::Existing).ok_or(StoreError::NotFound)
            }
            Err(e) => Err(e),
        }
    }

    async fn message_by_echo_id(
        &self,
        account_id: AccountId,
        conversation: ConversationId,
        echo: &EchoId,
    ) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             {MESSAGE_SENDER_JOINS} WHERE m.account_id = $1 AND m.conversation_id = $2 AND m.echo_id = $3"
        );
        let row: Option<MessageRow> =
            self.read_optional(q(&sql).bind(account_id.0).bind(conversation.0).bind(echo.as_str())).await?;
        Ok(row.map(Into::into))
    }

    /// The same for a visitor's message: only in the visitor's own conversation.
    async fn visitor_message_by_echo_id(&self, n: &NewVisitorMessage<'_>, echo: &EchoId) -> Result<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             {MESSAGE_SENDER_JOINS} WHERE m.account_id = $1 AND c.display_id = $2 AND c.contact_id = $3 \
             AND c.inbox_id = $4 AND m.echo_id = $5"
        );
        let query = q(&sql)
            .bind(n.account_id.0)
            .bind(n.display_id.0)
            .bind(n.contact_id.0)
            .bind(n.inbox_id.0)
            .bind(echo.as_str());
        let row: Option<MessageRow> = self.read_optional(query).await?;
        Ok(row.map(Into::into))
    }

    pub async fn message(&self, account_id: AccountId, id: MessageId) -> Result<Message> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             {MESSAGE_SENDER_JOINS} WHERE m.account_id = $1 AND m.id = $2"
        );
        let row: MessageRow = self.point_one(q(&sql).bind(account_id.0).bind(id.0)).await?;
        Ok(row.into())
    }

    /// Up to `limit` messages before `before` (a message id), oldest first.
    /// Ordered by `seq` so the `(conversation_id, seq)` index serves it without a
    /// sort; ids and seqs grow together within a conversation.
    /// `include_private = false` leaves internal comments out in SQL already.
    pub async fn messages(
        &self,
        account_id: AccountId,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: i64,
        include_private: bool,
    ) -> Result<Vec<Message>> {
        let private_filter = if include_private { "" } else { " AND m.private = FALSE" };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             {MESSAGE_SENDER_JOINS} WHERE m.account_id = $1 AND m.conversation_id = $2 AND m.id < $3{private_filter} \
             ORDER BY m.seq DESC LIMIT $4"
        );
        let before = before.map(|b| b.0).unwrap_or(i64::MAX);
        let rows: Vec<MessageRow> =
            self.read_all(q(&sql).bind(account_id.0).bind(conversation.0).bind(before).bind(limit)).await?;
        let mut out: Vec<Message> = rows.into_iter().map(Into::into).collect();
        out.reverse();
        Ok(out)
    }
}
