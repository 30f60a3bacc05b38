//! Small closed sets of values, with their stable spellings.

use crate::InvalidInput;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationStatus {
    Open,
    Resolved,
    Pending,
    Snoozed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
            Self::Pending => "pending",
            Self::Snoozed => "snoozed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "open" => Ok(Self::Open),
            "resolved" => Ok(Self::Resolved),
            "pending" => Ok(Self::Pending),
            "snoozed" => Ok(Self::Snoozed),
            _ => Err(InvalidInput::new("invalid_status", "status must be one of open, resolved, pending, snoozed.")),
        }
    }
}

/// Chatwoot's message types, with their integer codes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// From the contact.
    Incoming,
    /// From the team (an agent or a bot).
    Outgoing,
    /// A system line in the timeline ("closed by Anna").
    Activity,
}

impl MessageType {
    pub fn code(self) -> i64 {
        match self {
            Self::Incoming => 0,
            Self::Outgoing => 1,
            Self::Activity => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Incoming),
            1 => Some(Self::Outgoing),
            2 => Some(Self::Activity),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Administrator,
    Agent,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "administrator" => Ok(Self::Administrator),
            "agent" => Ok(Self::Agent),
            _ => Err(InvalidInput::new("invalid_role", "role must be administrator or agent.")),
        }
    }
}

/// How automatic assignment picks among the agents who may take a
/// conversation: in turn (whoever waited longest since their last one), or
/// the one with the fewest open conversations (ties: who waited longest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentOrder {
    RoundRobin,
    Balanced,
}

impl AssignmentOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoundRobin => "round_robin",
            Self::Balanced => "balanced",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "round_robin" => Ok(Self::RoundRobin),
            "balanced" => Ok(Self::Balanced),
            _ => {
                Err(InvalidInput::new("invalid_assignment_order", "assignment_order must be round_robin or balanced."))
            }
        }
    }
}

/// Whether an agent takes chats now, per account (Chatwoot's
/// `availability_status`): routing and notifications honour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    Online,
    Busy,
    Offline,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Busy => "busy",
            Self::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "online" => Ok(Self::Online),
            "busy" => Ok(Self::Busy),
            "offline" => Ok(Self::Offline),
            _ => Err(InvalidInput::new("invalid_availability", "availability must be online, busy or offline.")),
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Contact(crate::ContactId),
    User(crate::UserId),
    /// A bot: the greeter, later chatflows (`sender_type` `agent_bot`).
    AgentBot(crate::AgentBotId),
    /// Parlor itself (activity lines).
    System,
}

impl Sender {
    /// As stored: `sender_type` (`contact`, `user`, `agent_bot`, `system`) and `sender_id`.
    pub fn columns(&self) -> (&'static str, Option<i64>) {
        match self {
            Sender::Contact(c) => ("contact", Some(c.0)),
            Sender::User(u) => ("user", Some(u.0)),
            Sender::AgentBot(b) => ("agent_bot", Some(b.0)),
            Sender::System => ("system", None),
        }
    }

    /// The inverse of [`Sender::columns`]; anything else is Parlor itself.
    pub fn from_columns(sender_type: &str, sender_id: Option<i64>) -> Sender {
        match (sender_type, sender_id) {
            ("contact", Some(id)) => Sender::Contact(crate::ContactId(id)),
            ("user", Some(id)) => Sender::User(crate::UserId(id)),
            ("agent_bot", Some(id)) => Sender::AgentBot(crate::AgentBotId(id)),
            _ => Sender::System,
        }
    }
}

/// Which conversations an agent's list shows, by assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Unassigned,
    Assigned,
    All,
}

impl AssigneeFilter {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "me" | "mine" => Ok(Self::Me),
            "unassigned" => Ok(Self::Unassigned),
            "assigned" => Ok(Self::Assigned),
            "all" => Ok(Self::All),
            _ => Err(InvalidInput::new(
                "invalid_assignee_type",
                "assignee_type must be one of me, unassigned, assigned, all.",
            )),
        }
    }
}

/// The order of an agent's list (Chatwoot's `sort_by`, its current names and
/// the older `latest` / `sort_on_…` ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConversationSort {
    /// Newest activity first (the default).
    #[default]
    LastActivity,
    LastActivityAsc,
    /// Newest conversations first.
    Newest,
    Oldest,
    /// The visitor who has waited longest for a reply first; then those
    /// nobody waits in, newest activity first.
    WaitingLongest,
    WaitingShortest,
}

impl ConversationSort {
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        match s {
            "" | "latest" | "last_activity_at_desc" => Ok(Self::LastActivity),
            "last_activity_at_asc" => Ok(Self::LastActivityAsc),
            "created_at_desc" => Ok(Self::Newest),
            "created_at_asc" | "sort_on_created_at" => Ok(Self::Oldest),
            "waiting_since_asc" | "sort_on_waiting_since" => Ok(Self::WaitingLongest),
            "waiting_since_desc" => Ok(Self::WaitingShortest),
            _ => Err(InvalidInput::new(
                "invalid_sort_by",
                "sort_by must be one of last_activity_at_desc, last_activity_at_asc, created_at_desc, \
                 created_at_asc, waiting_since_asc, waiting_since_desc.",
            )),
        }
    }
}

/// Which conversations an agent's list shows, by status (`None` = all).
pub fn parse_status_filter(s: &str) -> Result<Option<ConversationStatus>, InvalidInput> {
    if s == "all" {
        Ok(None)
    } else {
        ConversationStatus::parse(s).map(Some)
    }
}
