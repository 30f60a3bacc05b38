//! The JSON frames of the real-time protocol (docs/realtime.md), rendered once
//! per event and audience and shared by every socket that sends them.

use std::sync::Arc;

use app::hub::{HubEvent, Payload, Typist};
use domain::PublicMessage;
use serde::Serialize;

use crate::wire::{ConversationJson, MessageJson, PublicConversationJson};

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
            }
        })
        .clone()
}

pub fn simple(event: &str, data: impl Serialize) -> Arc<str> {
    render(event, data, None)
}
