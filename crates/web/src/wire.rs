//! JSON shapes of the API (Chatwoot's field names), converted from domain types
//! by hand (ARCHITECTURE.md, invariant 7). Visitor-facing shapes are built only
//! from `PublicMessage`s.

use domain::*;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

fn secs(ms: Millis) -> i64 {
    ms.div_euclid(1000)
}

#[derive(Serialize, ToSchema, Clone)]
pub struct SenderJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    /// `contact` or `user`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub avatar_url: String,
    pub thumbnail: String,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct MessageJson {
    pub id: i64,
    pub content: String,
    pub account_id: i64,
    pub inbox_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// 0 incoming (from the contact), 1 outgoing (from the team), 2 activity.
    pub message_type: i64,
    pub content_type: &'static str,
    #[schema(value_type = Object)]
    pub content_attributes: Map<String, Value>,
    pub private: bool,
    pub status: &'static str,
    pub created_at: i64,
    pub updated_at: i64,
    /// `contact`, `user`, or null for activity lines.
    pub sender_type: Option<&'static str>,
    pub sender_id: Option<i64>,
    pub sender: Option<SenderJson>,
    /// The client's id for this message, echoed back.
    pub echo_id: Option<String>,
    /// Position in the conversation's event sequence.
    pub seq: i64,
    pub source_id: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<Value>,
}

impl MessageJson {
    fn build(m: &Message) -> Self {
        let (sender_type, sender_id, sender) = match m.sender {
            Sender::Contact(id) => {
                let name = m.sender_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| format!("Visitor #{id}"));
                (Some("contact"), Some(id.0), Some(sender("contact", id.0, name)))
            }
            Sender::User(id) => {
                let name = m.sender_name.clone().unwrap_or_default();
                (Some("user"), Some(id.0), Some(sender("user", id.0, name)))
            }
            Sender::System => (None, None, None),
        };
        MessageJson {
            id: m.id.0,
            content: m.content.clone(),
            account_id: m.account_id.0,
            inbox_id: m.inbox_id.0,
            conversation_id: m.display_id.0,
            message_type: m.message_type.code(),
            content_type: "text",
            content_attributes: m.content_attributes.clone(),
            private: m.private,
            status: "sent",
            created_at: secs(m.created_at),
            updated_at: secs(m.created_at),
            sender_type,
            sender_id,
            sender,
            echo_id: m.echo_id.clone(),
            seq: m.seq,
            source_id: None,
            attachments: Vec::new(),
        }
    }

    /// For the team: any message, internal comments included.
    pub fn for_agent(m: &Message) -> Self {
        Self::build(m)
    }

    /// For the visitor: only what [`PublicMessage`] lets through.
    pub fn for_visitor(m: &PublicMessage) -> Self {
        Self::build(m.get())
    }
}

fn sender(kind: &'static str, id: i64, name: String) -> SenderJson {
    SenderJson { id, available_name: name.clone(), name, kind, avatar_url: String::new(), thumbnail: String::new() }
}

fn contact_display_name(c: &Contact) -> String {
    if c.name.is_empty() {
        format!("Visitor #{}", c.id)
    } else {
        c.name.clone()
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub thumbnail: String,
    #[schema(value_type = Object)]
    pub additional_attributes: Map<String, Value>,
    #[schema(value_type = Object)]
    pub custom_attributes: Map<String, Value>,
    pub availability_status: &'static str,
    pub blocked: bool,
    pub created_at: i64,
    pub last_activity_at: i64,
}

impl From<&Contact> for ContactJson {
    fn from(c: &Contact) -> Self {
        ContactJson {
            id: c.id.0,
            name: contact_display_name(c),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
            identifier: c.identifier.clone(),
            thumbnail: String::new(),
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: Map::new(),
            availability_status: "offline",
            blocked: false,
            created_at: secs(c.created_at),
            last_activity_at: secs(c.last_activity_at),
        }
    }
}

/// A teammate as other teammates see them.
#[derive(Serialize, ToSchema)]
pub struct AgentJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub avatar_url: String,
    pub thumbnail: String,
}

impl From<&UserSummary> for AgentJson {
    fn from(u: &UserSummary) -> Self {
        AgentJson {
            id: u.id.0,
            name: u.name.clone(),
            available_name: u.available_name().to_owned(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            avatar_url: String::new(),
            thumbnail: String::new(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationMetaJson {
    pub sender: ContactJson,
    pub assignee: Option<AgentJson>,
    pub channel: String,
    pub hmac_verified: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationJson {
    /// The per-account display id.
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub status: &'static str,
    pub assignee_id: Option<i64>,
    pub created_at: i64,
    pub timestamp: i64,
    pub updated_at: i64,
    pub last_activity_at: i64,
    pub unread_count: i64,
    pub agent_last_seen_at: Option<i64>,
    pub assignee_last_seen_at: Option<i64>,
    pub contact_last_seen_at: Option<i64>,
    pub can_reply: bool,
    pub muted: bool,
    pub priority: Option<String>,
    pub snoozed_until: Option<i64>,
    pub labels: Vec<String>,
    #[schema(value_type = Object)]
    pub additional_attributes: Map<String, Value>,
    #[schema(value_type = Object)]
    pub custom_attributes: Map<String, Value>,
    /// The newest message, as in Chatwoot's list.
    pub messages: Vec<MessageJson>,
    pub last_non_activity_message: Option<MessageJson>,
    pub meta: ConversationMetaJson,
    /// The conversation's newest event seq.
    pub seq: i64,
}

impl From<&ConversationView> for ConversationJson {
    fn from(v: &ConversationView) -> Self {
        let c = &v.conversation;
        let last = v.last_message.as_ref().map(MessageJson::for_agent);
        ConversationJson {
            id: c.display_id.0,
            account_id: c.account_id.0,
            inbox_id: c.inbox_id.0,
            status: c.status.as_str(),
            assignee_id: c.assignee_id.map(|u| u.0),
            created_at: secs(c.created_at),
            timestamp: secs(c.last_activity_at),
            updated_at: secs(c.last_activity_at),
            last_activity_at: secs(c.last_activity_at),
            unread_count: c.unread_count,
            agent_last_seen_at: c.agent_last_seen_at.map(secs),
            assignee_last_seen_at: None,
            contact_last_seen_at: c.contact_last_seen_at.map(secs),
            can_reply: true,
            muted: false,
            priority: None,
            snoozed_until: c.snoozed_until.map(secs),
            labels: Vec::new(),
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: Map::new(),
            messages: last.iter().cloned().collect(),
            last_non_activity_message: last.filter(|m| m.message_type != MessageType::Activity.code()),
            meta: ConversationMetaJson {
                sender: ContactJson::from(&v.contact),
                assignee: v.assignee.as_ref().map(AgentJson::from),
                channel: v.channel_type.clone(),
                hmac_verified: false,
            },
            seq: c.last_seq,
        }
    }
}

/// The assignee as a visitor may see them: a name, never an email.
#[derive(Serialize, ToSchema)]
pub struct PublicAgentJson {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub avatar_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicContactJson {
    pub id: i64,
    /// The contact identifier for the Client API's paths. Only returned when the
    /// contact is created; keep it secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The WebSocket token. Only returned when the contact is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubsub_token: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
}

impl PublicContactJson {
    pub fn new(c: &Contact, source_id: Option<String>, pubsub_token: Option<String>) -> Self {
        PublicContactJson {
            id: c.id.0,
            source_id,
            pubsub_token,
            name: c.name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicConversationJson {
    pub id: i64,
    pub inbox_id: i64,
    pub status: &'static str,
    pub created_at: i64,
    pub last_activity_at: i64,
    pub contact_last_seen_at: Option<i64>,
    pub messages: Vec<MessageJson>,
    pub contact: PublicContactJson,
    pub assignee: Option<PublicAgentJson>,
    /// The conversation's newest event seq (a visitor's resume cursor).
    pub seq: i64,
}

impl PublicConversationJson {
    pub fn new(v: &ConversationView, messages: &[PublicMessage]) -> Self {
        let c = &v.conversation;
        PublicConversationJson {
            id: c.display_id.0,
            inbox_id: c.inbox_id.0,
            status: c.status.as_str(),
            created_at: secs(c.created_at),
            last_activity_at: secs(c.last_activity_at),
            contact_last_seen_at: c.contact_last_seen_at.map(secs),
            messages: messages.iter().map(MessageJson::for_visitor).collect(),
            contact: PublicContactJson::new(&v.contact, None, None),
            assignee: v.assignee.as_ref().map(|u| PublicAgentJson {
                id: u.id.0,
                name: u.available_name().to_owned(),
                available_name: u.available_name().to_owned(),
                avatar_url: String::new(),
            }),
            seq: c.last_seq,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxJson {
    pub id: i64,
    pub channel_id: i64,
    pub name: String,
    pub channel_type: String,
    pub website_token: String,
    /// The same value as `website_token`: what the Client API's paths take.
    pub inbox_identifier: String,
    pub website_url: String,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
    pub greeting_enabled: bool,
    pub greeting_message: String,
    pub enable_auto_assignment: bool,
    pub working_hours_enabled: bool,
    pub csat_survey_enabled: bool,
    pub avatar_url: String,
    /// The snippet that embeds the widget on a website.
    pub web_widget_script: String,
}

impl InboxJson {
    pub fn new(i: &Inbox, public_url: &str) -> Self {
        InboxJson {
            id: i.id.0,
            channel_id: i.id.0,
            name: i.name.clone(),
            channel_type: i.channel_type.clone(),
            website_token: i.website_token.clone(),
            inbox_identifier: i.website_token.clone(),
            website_url: i.website_url.clone(),
            widget_color: i.widget_color.clone(),
            welcome_title: i.welcome_title.clone(),
            welcome_tagline: i.welcome_tagline.clone(),
            greeting_enabled: !i.greeting_message.is_empty(),
            greeting_message: i.greeting_message.clone(),
            enable_auto_assignment: false,
            working_hours_enabled: false,
            csat_survey_enabled: false,
            avatar_url: String::new(),
            web_widget_script: format!(
                "<script src=\"{public_url}/widget.js\" data-website-token=\"{}\" async></script>",
                i.website_token
            ),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicInboxJson {
    pub identifier: String,
    pub name: String,
    pub timezone: String,
    #[schema(value_type = Vec<Object>)]
    pub working_hours: Vec<Value>,
    pub working_hours_enabled: bool,
    pub csat_survey_enabled: bool,
    pub greeting_enabled: bool,
    pub greeting_message: String,
    pub identity_validation_enabled: bool,
    pub widget_color: String,
    pub welcome_title: String,
    pub welcome_tagline: String,
}

impl From<&Inbox> for PublicInboxJson {
    fn from(i: &Inbox) -> Self {
        PublicInboxJson {
            identifier: i.website_token.clone(),
            name: i.name.clone(),
            timezone: "UTC".into(),
            working_hours: Vec::new(),
            working_hours_enabled: false,
            csat_survey_enabled: false,
            greeting_enabled: !i.greeting_message.is_empty(),
            greeting_message: i.greeting_message.clone(),
            identity_validation_enabled: false,
            widget_color: i.widget_color.clone(),
            welcome_title: i.welcome_title.clone(),
            welcome_tagline: i.welcome_tagline.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountMembershipJson {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileJson {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub available_name: String,
    pub email: String,
    pub avatar_url: String,
    pub confirmed: bool,
    /// The role in `account_id`, the user's first account.
    pub role: &'static str,
    pub account_id: i64,
    pub accounts: Vec<AccountMembershipJson>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct CountsJson {
    pub mine_count: i64,
    pub unassigned_count: i64,
    pub assigned_count: i64,
    pub all_count: i64,
}

impl From<app::ConversationCounts> for CountsJson {
    fn from(c: app::ConversationCounts) -> Self {
        CountsJson { mine_count: c.mine, unassigned_count: c.unassigned, assigned_count: c.assigned, all_count: c.all }
    }
}
