//! The in-process real-time hub: events published after commit reach the sockets
//! subscribed to their topics.
//!
//! Two kinds of topic: an account's (agents' sockets, filtered by inbox
//! membership at the socket) and a contact's (a visitor's sockets). Each topic is a
//! bounded broadcast channel; a socket that falls behind gets `Lagged` and catches
//! up from the database's event log instead of the channel growing without bound.
//! A frame is rendered once per audience and shared by every socket (`frames`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use domain::*;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Account(AccountId),
    Contact(ContactId),
}

/// Who is typing.
#[derive(Debug, Clone)]
pub enum Typist {
    Contact { id: ContactId, name: String },
    User { id: UserId, name: String },
}

#[derive(Debug, Clone)]
pub enum Payload {
    Message(Message),
    Conversation(Box<ConversationView>),
    Typing { typist: Typist, on: bool },
}

#[derive(Debug)]
pub struct HubEvent {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub conversation_id: ConversationId,
    pub display_id: DisplayId,
    /// `None` for typing, which is neither stored nor replayed.
    pub kind: Option<EventKind>,
    /// Account-wide sequence (agents' cursor).
    pub seq: Option<i64>,
    /// Per-conversation sequence (visitors' cursor).
    pub conversation_seq: Option<i64>,
    /// Only agents may see it: internal comments and typing in the comment editor.
    pub private: bool,
    pub payload: Payload,
    pub agent_frame: OnceLock<Arc<str>>,
    pub visitor_frame: OnceLock<Option<Arc<str>>>,
}

impl HubEvent {
    pub fn new(
        conversation: &Conversation,
        kind: Option<EventKind>,
        seq: Option<i64>,
        conversation_seq: Option<i64>,
        private: bool,
        payload: Payload,
    ) -> HubEvent {
        HubEvent {
            account_id: conversation.account_id,
            inbox_id: conversation.inbox_id,
            contact_id: conversation.contact_id,
            conversation_id: conversation.id,
            display_id: conversation.display_id,
            kind,
            seq,
            conversation_seq,
            private,
            payload,
            agent_frame: OnceLock::new(),
            visitor_frame: OnceLock::new(),
        }
    }
}

/// How many events a topic buffers for a slow socket before it must resync.
const ACCOUNT_CAPACITY: usize = 1024;
const CONTACT_CAPACITY: usize = 8;

#[derive(Default)]
pub struct Hub {
    topics: Mutex<HashMap<Topic, broadcast::Sender<Arc<HubEvent>>>>,
}

impl Hub {
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<HubEvent>> {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        let capacity = match topic {
            Topic::Account(_) => ACCOUNT_CAPACITY,
            Topic::Contact(_) => CONTACT_CAPACITY,
        };
        topics.entry(topic).or_insert_with(|| broadcast::channel(capacity).0).subscribe()
    }

    /// Sends to the account's topic and the contact's topic. Topics nobody listens
    /// to any more are dropped here, so the map does not grow with every visitor.
    pub fn publish(&self, event: HubEvent) {
        let event = Arc::new(event);
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        for topic in [Topic::Account(event.account_id), Topic::Contact(event.contact_id)] {
            if let Some(tx) = topics.get(&topic) {
                if tx.send(event.clone()).is_err() {
                    topics.remove(&topic);
                }
            }
        }
    }

    /// Called when a socket closes: forget the topic if nobody listens any more.
    pub fn release(&self, topic: Topic) {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        if topics.get(&topic).is_some_and(|tx| tx.receiver_count() == 0) {
            topics.remove(&topic);
        }
    }
}
