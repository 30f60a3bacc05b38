//! The JSON frames of the real-time protocol (docs/realtime.md), rendered once
//! per event and audience and shared by every socket that sends them.

use std::sync::Arc;

use app::hub::{HubEvent, Payload, Typist};
use app::presence::{PresenceUpdate, Present};
use app::viewers::{Composing, ViewersUpdate};
use domain::{InboxId, PublicMessage};
use serde::Serialize;

use crate::api::client::PublicConversationJson;
use crate::api::conversations::ConversationJson;
use crate::api::messages::MessageJson;

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    event: &'a str,
    data: T,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<i64>,
}

fn render<T: Serialize>(event: &str, data: T, seq: Option<i64>) -> Arc<str> {
    // Serializing these types cannot fail: no maps with non-string keys.
    serde_json::to_string(&Frame { event, data, seq }).unwrap_or_default().into()
}

#[derive(Serialize)]
struct TypingData<'a> {
    conversation: TypingConversation,
    user: TypingUser<'a>,
    is_private: bool,
}

#[derive(Serialize)]
struct TypingConversation {
    id: i64,
}

#[derive(Serialize)]
struct TypingUser<'a> {
    id: i64,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

fn typing(e: &HubEvent, typist: &Typist, on: bool) -> Arc<str> {
    let user = match typist {
        Typist::Contact { id, name } => TypingUser { id: id.0, name, kind: "contact" },
        Typist::User { id, name } => TypingUser { id: id.0, name, kind: "user" },
    };
    let event = if on { "conversation.typing_on" } else { "conversation.typing_off" };
    render(
        event,
        TypingData { conversation: TypingConversation { id: e.display_id.0 }, user, is_private: e.private },
        None,
    )
}

#[derive(Serialize)]
struct PresenceData {
    account_id: i64,
    /// Everyone online (the socket's first update) rather than changes.
    full: bool,
    users: serde_json::Map<String, serde_json::Value>,
    contacts: serde_json::Map<String, serde_json::Value>,
}

/// `presence.update` with the changes an agent may see: every agent's, and
/// visitors' of the inboxes `may_see` allows. `None` when that leaves nothing
/// to say. Rendered per socket: presence changes come in batches (every
/// quarter second at most), not per message.
pub fn presence(update: &PresenceUpdate, may_see: impl Fn(InboxId) -> bool) -> Option<Arc<str>> {
    let mut users = serde_json::Map::new();
    let mut contacts = serde_json::Map::new();
    for (who, on) in &update.changes {
        let state = serde_json::Value::from(if *on { "online" } else { "offline" });
        match who {
            Present::User { id } => users.insert(id.to_string(), state),
            Present::Contact { id, inbox } if may_see(InboxId(*inbox)) => contacts.insert(id.to_string(), state),
            Present::Contact { .. } => None,
        };
    }
    if !update.full && users.is_empty() && contacts.is_empty() {
        return None;
    }
    let data = PresenceData { account_id: update.account_id.0, full: update.full, users, contacts };
    Some(render("presence.update", data, None))
}

#[derive(Serialize)]
struct ViewersData {
    account_id: i64,
    /// Every conversation with viewers (the socket's first update) rather than changes.
    full: bool,
    /// By conversation display id: who views it now (an empty list: nobody).
    conversations: serde_json::Map<String, serde_json::Value>,
}

/// `viewers.update` for the conversations of inboxes `may_see` allows; `None`
/// when that leaves nothing to say. Rendered per socket, like presence.
pub fn viewers(update: &ViewersUpdate, may_see: impl Fn(InboxId) -> bool) -> Option<Arc<str>> {
    let mut conversations = serde_json::Map::new();
    for c in update.conversations.iter().filter(|c| may_see(c.viewed.inbox_id)) {
        let list: Vec<serde_json::Value> = c
            .viewers
            .iter()
            .map(|v| {
                let composing = v.composing.map(|c| match c {
                    Composing::Reply => "reply",
                    Composing::Comment => "comment",
                });
                serde_json::json!({"id": v.user_id.0, "composing": composing})
            })
            .collect();
        conversations.insert(c.viewed.display_id.0.to_string(), list.into());
    }
    if !update.full && conversations.is_empty() {
        return None;
    }
    let data = ViewersData { account_id: update.account_id.0, full: update.full, conversations };
    Some(render("viewers.update", data, None))
}

fn event_name(e: &HubEvent) -> &'static str {
    e.kind.map(|k| k.name()).unwrap_or("unknown")
}

/// The frame for the team (account-wide `seq`).
pub fn agent(e: &HubEvent) -> Arc<str> {
    e.agent_frame
        .get_or_init(|| match &e.payload {
            Payload::Message(m) => render(event_name(e), MessageJson::for_agent(m), e.seq),
            Payload::Conversation(v) => render(event_name(e), ConversationJson::from(v.as_ref()), e.seq),
            Payload::Typing { typist, on } => typing(e, typist, *on),
            // Sockets render presence for themselves, filtered by their inboxes
            // (`presence`). Should anything send it through here, it names
            // agents only: no visitor of an inbox the reader may not see.
            Payload::Presence(update) => presence(update, |_| false).unwrap_or_default(),
            Payload::Viewers(update) => viewers(update, |_| false).unwrap_or_default(),
            // Sockets send a notification to its user only (peer.rs).
            Payload::Notification(_) => simple("notification.hidden", serde_json::Value::Null),
            // Sockets act on access changes themselves (ws/access.rs); what
            // the change names (a session's hash) never goes to a client.
            Payload::Access(_) => simple("access.changed", serde_json::Value::Null),
        })
        .clone()
}

/// The frame for the visitor (per-conversation `seq`), or `None` when the
/// visitor must not see this event: internal comments, private typing, and its
/// own typing.
pub fn visitor(e: &HubEvent) -> Option<Arc<str>> {
    e.visitor_frame
        .get_or_init(|| {
            if e.private {
                return None;
            }
            match &e.payload {
                Payload::Message(m) => PublicMessage::new(m.clone())
                    .map(|pm| render(event_name(e), MessageJson::for_visitor(&pm), e.conversation_seq)),
                Payload::Conversation(v) => {
                    Some(render(event_name(e), PublicConversationJson::new(v.as_ref(), &[]), e.conversation_seq))
                }
                Payload::Typing { typist: Typist::User { .. }, on } => {
                    let Payload::Typing { typist, .. } = &e.payload else { return None };
                    Some(typing(e, typist, *on))
                }
                Payload::Typing { typist: Typist::Contact { .. }, .. } => None,
                Payload::Presence(_) | Payload::Viewers(_) | Payload::Access(_) | Payload::Notification(_) => None,
            }
        })
        .clone()
}

/// `notification.created` for its user's sockets.
pub fn notification(n: &app::Notification) -> Arc<str> {
    render("notification.created", crate::api::notifications::NotificationJson::from(n), None)
}

pub fn simple(event: &str, data: impl Serialize) -> Arc<str> {
    render(event, data, None)
}
