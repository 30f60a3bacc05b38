//! Rows as the database returns them, and their conversion into domain types.

use domain::*;

use crate::json_map;

#[derive(sqlx::FromRow)]
pub(crate) struct ConversationRow {
    pub id: i64,
    pub account_id: i64,
    pub display_id: i64,
    pub inbox_id: i64,
    pub contact_id: i64,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub last_seq: i64,
    pub unread_count: i64,
    pub last_activity_at: i64,
    pub agent_last_seen_at: Option<i64>,
    pub contact_last_seen_at: Option<i64>,
    pub additional_attributes: String,
    pub created_at: i64,
    pub snoozed_until: Option<i64>,
    pub team_id: Option<i64>,
    pub agent_bot_id: Option<i64>,
    pub waiting_since: Option<i64>,
}

/// The first 14 columns of a conversation view, in order, and
/// `snoozed_until` by name (added later, last in the column list).
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for ConversationRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(ConversationRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            display_id: r.get(2)?,
            inbox_id: r.get(3)?,
            contact_id: r.get(4)?,
            status: r.get(5)?,
            assignee_id: r.get(6)?,
            last_seq: r.get(7)?,
            unread_count: r.get(8)?,
            last_activity_at: r.get(9)?,
            agent_last_seen_at: r.get(10)?,
            contact_last_seen_at: r.get(11)?,
            additional_attributes: r.get(12)?,
            created_at: r.get(13)?,
            snoozed_until: r.get("snoozed_until")?,
            team_id: r.get("team_id")?,
            agent_bot_id: r.get("agent_bot_id")?,
            waiting_since: r.get("waiting_since")?,
        })
    }
}

impl From<ConversationRow> for Conversation {
    fn from(r: ConversationRow) -> Self {
        Conversation {
            id: ConversationId(r.id),
            account_id: AccountId(r.account_id),
            display_id: DisplayId(r.display_id),
            inbox_id: InboxId(r.inbox_id),
            contact_id: ContactId(r.contact_id),
            // The column only ever holds values written from ConversationStatus.
            status: ConversationStatus::parse(&r.status).unwrap_or(ConversationStatus::Open),
            assignee_id: r.assignee_id.map(UserId),
            last_seq: r.last_seq,
            unread_count: r.unread_count,
            last_activity_at: r.last_activity_at,
            agent_last_seen_at: r.agent_last_seen_at,
            contact_last_seen_at: r.contact_last_seen_at,
            additional_attributes: json_map(&r.additional_attributes),
            created_at: r.created_at,
            snoozed_until: r.snoozed_until,
            team_id: r.team_id.map(TeamId),
            agent_bot_id: r.agent_bot_id.map(AgentBotId),
            waiting_since: r.waiting_since,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub conversation_id: i64,
    pub display_id: i64,
    pub seq: i64,
    pub content: String,
    pub message_type: i64,
    pub private: bool,
    pub sender_type: String,
    pub sender_id: Option<i64>,
    pub sender_name: Option<String>,
    pub echo_id: Option<String>,
    pub content_attributes: String,
    pub created_at: i64,
}

/// Selects a message with its conversation's display id and its sender's name.
/// Use with `FROM messages m JOIN conversations c ON c.id = m.conversation_id`
/// plus [`MESSAGE_SENDER_JOINS`].
pub(crate) const MESSAGE_COLUMNS: &str = "m.id, m.account_id, m.inbox_id, m.conversation_id, \
    c.display_id, m.seq, m.content, m.message_type, m.private, m.sender_type, m.sender_id, \
    CASE m.sender_type WHEN 'user' THEN COALESCE(NULLIF(u.display_name, ''), u.name) \
    WHEN 'contact' THEN ct.name WHEN 'agent_bot' THEN ab.name ELSE NULL END AS sender_name, m.echo_id, m.content_attributes, m.created_at";

pub(crate) const MESSAGE_SENDER_JOINS: &str = "LEFT JOIN users u ON m.sender_type = 'user' AND u.id = m.sender_id \
    LEFT JOIN contacts ct ON m.sender_type = 'contact' AND ct.id = m.sender_id \
    LEFT JOIN agent_bots ab ON m.sender_type = 'agent_bot' AND ab.id = m.sender_id";

/// The columns of [`MESSAGE_COLUMNS`], in order, from a rusqlite row.
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for MessageRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(MessageRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            inbox_id: r.get(2)?,
            conversation_id: r.get(3)?,
            display_id: r.get(4)?,
            seq: r.get(5)?,
            content: r.get(6)?,
            message_type: r.get(7)?,
            private: r.get(8)?,
            sender_type: r.get(9)?,
            sender_id: r.get(10)?,
            sender_name: r.get(11)?,
            echo_id: r.get(12)?,
            content_attributes: r.get(13)?,
            created_at: r.get(14)?,
        })
    }
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Self {
        let sender = Sender::from_columns(&r.sender_type, r.sender_id);
        Message {
            id: MessageId(r.id),
            account_id: AccountId(r.account_id),
            inbox_id: InboxId(r.inbox_id),
            conversation_id: ConversationId(r.conversation_id),
            display_id: DisplayId(r.display_id),
            seq: r.seq,
            content: r.content,
            message_type: MessageType::from_code(r.message_type).unwrap_or(MessageType::Activity),
            private: r.private,
            sender,
            sender_name: r.sender_name,
            echo_id: r.echo_id,
            content_attributes: json_map(&r.content_attributes),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub additional_attributes: String,
    pub created_at: i64,
    pub last_activity_at: i64,
}

pub(crate) const CONTACT_COLUMNS: &str = "ct.id, ct.account_id, ct.name, ct.email, ct.phone_number, \
    ct.identifier, ct.additional_attributes, ct.created_at, ct.last_activity_at";

/// The same columns unqualified, for `RETURNING` (SQLite allows no alias there).
pub(crate) const CONTACT_RETURNING: &str = "id, account_id, name, email, phone_number, \
    identifier, additional_attributes, created_at, last_activity_at";

/// The columns of [`CONTACT_COLUMNS`], in order, from a rusqlite row.
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for ContactRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(ContactRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            name: r.get(2)?,
            email: r.get(3)?,
            phone_number: r.get(4)?,
            identifier: r.get(5)?,
            additional_attributes: r.get(6)?,
            created_at: r.get(7)?,
            last_activity_at: r.get(8)?,
        })
    }
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Contact {
            id: ContactId(r.id),
            account_id: AccountId(r.account_id),
            name: r.name,
            email: r.email,
            phone_number: r.phone_number,
            identifier: r.identifier,
            additional_attributes: json_map(&r.additional_attributes),
            created_at: r.created_at,
            last_activity_at: r.last_activity_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct InboxRow {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub channel_type: String,
    pub website_token: String,
    pub website_url: String,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    pub greeting_message: String,
    pub created_at: i64,
    pub greeting_enabled: bool,
    pub timezone: String,
    pub lock_to_single_conversation: bool,
    pub allowed_domains: String,
    pub reply_time: String,
    pub avatar_key: Option<String>,
    pub only_assignee_replies: bool,
    pub enable_auto_assignment: bool,
    pub max_assignment_limit: Option<i64>,
    pub assignment_order: String,
}

pub(crate) const INBOX_COLUMNS: &str = "id, account_id, name, channel_type, website_token, website_url, \
    widget_color, welcome_title, welcome_tagline, greeting_message, created_at, greeting_enabled, timezone, \
    lock_to_single_conversation, allowed_domains, reply_time, avatar_key, only_assignee_replies, \
    enable_auto_assignment, max_assignment_limit, assignment_order";

impl From<InboxRow> for Inbox {
    fn from(r: InboxRow) -> Self {
        Inbox {
            id: InboxId(r.id),
            account_id: AccountId(r.account_id),
            name: r.name,
            channel_type: r.channel_type,
            website_token: r.website_token,
            website_url: r.website_url,
            widget_color: r.widget_color,
            welcome_title: r.welcome_title,
            welcome_tagline: r.welcome_tagline,
            greeting_message: r.greeting_message,
            greeting_enabled: r.greeting_enabled,
            timezone: r.timezone,
            lock_to_single_conversation: r.lock_to_single_conversation,
            allowed_domains: r.allowed_domains,
            reply_time: r.reply_time,
            avatar: r.avatar_key,
            only_assignee_replies: r.only_assignee_replies,
            enable_auto_assignment: r.enable_auto_assignment,
            max_assignment_limit: r.max_assignment_limit,
            assignment_order: AssignmentOrder::parse(&r.assignment_order).unwrap_or(AssignmentOrder::RoundRobin),
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
}

/// `id, name, display_name, email`, in order, from a rusqlite row.
impl<'a> TryFrom<&'a rusqlite::Row<'a>> for UserRow {
    type Error = rusqlite::Error;
    fn try_from(r: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(UserRow { id: r.get(0)?, name: r.get(1)?, display_name: r.get(2)?, email: r.get(3)? })
    }
}

impl From<UserRow> for UserSummary {
    fn from(r: UserRow) -> Self {
        // Only the credential path reads this row (`user_by_access_token_hash`).
        UserSummary { id: UserId(r.id), name: r.name, display_name: r.display_name, email: r.email, avatar: None }
    }
}
