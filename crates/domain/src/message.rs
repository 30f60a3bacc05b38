//! Conversations and messages as the application sees them.

use crate::*;

#[derive(Debug, Clone)]
pub struct Message {
    pub id: MessageId,
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub conversation_id: ConversationId,
    pub display_id: DisplayId,
    /// Position in the conversation's event sequence.
    pub seq: i64,
    pub content: String,
    pub message_type: MessageType,
    pub private: bool,
    pub sender: Sender,
    /// Display name of the sender at read time (user's display name or contact's name).
    pub sender_name: Option<String>,
    pub echo_id: Option<String>,
    /// Structured details (activity lines: which change, by whom).
    pub content_attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: Millis,
}

/// A message a visitor may see. The only way to get one is [`PublicMessage::new`],
/// which refuses internal comments, so every visitor-facing path that takes this
/// type cannot leak a comment (ARCHITECTURE.md, invariant 5).
#[derive(Debug, Clone)]
pub struct PublicMessage(Message);

impl PublicMessage {
    pub fn new(m: Message) -> Option<Self> {
        (!m.private).then_some(Self(m))
    }

    pub fn get(&self) -> &Message {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: ContactId,
    pub account_id: AccountId,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub additional_attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: Millis,
    pub last_activity_at: Millis,
}

#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    /// The photo's blob key. Read where a user is shown (a user by id, the
    /// team, a conversation's assignee); `None` on the credential paths,
    /// which only decide who acts.
    pub avatar: Option<String>,
}

impl UserSummary {
    /// The name others see: the display name when set.
    pub fn available_name(&self) -> &str {
        self.display_name.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub display_id: DisplayId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub status: ConversationStatus,
    pub assignee_id: Option<UserId>,
    pub last_seq: i64,
    pub unread_count: i64,
    pub last_activity_at: Millis,
    pub agent_last_seen_at: Option<Millis>,
    pub contact_last_seen_at: Option<Millis>,
    pub additional_attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: Millis,
    /// While snoozed: when it opens again by itself (`None`: at the visitor's
    /// next message).
    pub snoozed_until: Option<Millis>,
    /// The team it is assigned to, beside (or instead of) an agent.
    pub team_id: Option<TeamId>,
    /// The bot handling it, until an agent takes over.
    pub agent_bot_id: Option<AgentBotId>,
    /// Since when the visitor waits for a public reply (`None`: nobody waits).
    pub waiting_since: Option<Millis>,
}

/// A conversation with what its JSON shows beside it.
#[derive(Debug, Clone)]
pub struct ConversationView {
    pub conversation: Conversation,
    pub contact: Contact,
    pub assignee: Option<UserSummary>,
    pub team: Option<TeamSummary>,
    pub bot: Option<BotSummary>,
    pub last_message: Option<Message>,
    pub channel_type: String,
    /// Its labels' titles, sorted.
    pub labels: Vec<String>,
}

/// A team as a conversation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSummary {
    pub id: TeamId,
    pub name: String,
}

/// A bot as the widget and the inbox show it: a name and a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotSummary {
    pub id: AgentBotId,
    pub name: String,
    /// A blob key.
    pub avatar: Option<String>,
}

/// One of the account's teams (Chatwoot's).
#[derive(Debug, Clone)]
pub struct Team {
    pub id: TeamId,
    pub account_id: AccountId,
    pub name: String,
    pub description: String,
    /// Conversations given to the team go to one of its members by themselves.
    pub allow_auto_assign: bool,
    pub created_at: Millis,
}

#[derive(Debug, Clone)]
pub struct Inbox {
    pub id: InboxId,
    pub account_id: AccountId,
    pub name: String,
    pub channel_type: String,
    pub website_token: String,
    pub website_url: String,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    pub greeting_message: String,
    pub greeting_enabled: bool,
    /// An IANA time zone name (business hours and dates in mails).
    pub timezone: String,
    /// At most one unresolved conversation per visitor (Chatwoot's flag).
    pub lock_to_single_conversation: bool,
    /// Sites that may embed the widget, Chatwoot's comma-separated list; empty: any.
    pub allowed_domains: String,
    /// `in_a_few_minutes`, `in_a_few_hours` or `in_a_day` (Chatwoot's words).
    pub reply_time: String,
    /// The inbox's picture (a blob key), shown in the widget before anyone answers.
    pub avatar: Option<String>,
    /// Only the conversation's assignee may reply (comments stay open to all).
    pub only_assignee_replies: bool,
    /// New conversations go to an online agent by themselves (Chatwoot's
    /// `enable_auto_assignment`), at most `max_assignment_limit` open ones each.
    pub enable_auto_assignment: bool,
    pub max_assignment_limit: Option<i64>,
    pub assignment_order: AssignmentOrder,
    pub created_at: Millis,
}

/// The stored kinds of real-time event, with Chatwoot's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    ConversationCreated,
    MessageCreated,
    StatusChanged,
    AssigneeChanged,
    /// Its labels changed (a team-only event: see `Tx::append_team_event`).
    ConversationUpdated,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::ConversationCreated => "conversation.created",
            Self::MessageCreated => "message.created",
            Self::StatusChanged => "conversation.status_changed",
            Self::AssigneeChanged => "assignee.changed",
            Self::ConversationUpdated => "conversation.updated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::ConversationCreated,
            Self::MessageCreated,
            Self::StatusChanged,
            Self::AssigneeChanged,
            Self::ConversationUpdated,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}
