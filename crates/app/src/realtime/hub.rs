//! The in-process real-time hub: events published after commit reach the sockets
//! subscribed to their topics.
//!
//! Two kinds of topic: an account's (agents' sockets, filtered by inbox
//! membership at the socket) and a contact's (a visitor's sockets). Each
//! subscription is a mailbox: a bounded queue and the socket's waker. A socket
//! whose queue overflows is told it lagged and catches up from the database's
//! event log instead of the queue growing without bound. A frame is rendered
//! once per audience and shared by every socket (`frames`).
//!
//! Not a tokio broadcast channel per topic: that cost ~430 bytes per topic (its
//! slots and shared state) plus a receive future in every socket, and most
//! topics are one idle visitor's (M1). An idle mailbox is ~100 bytes, its queue
//! unallocated.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};

use domain::*;

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
    Typing {
        typist: Typist,
        on: bool,
    },
    /// Agents only (`Hub::publish_presence`); filtered per agent by inbox.
    Presence(crate::presence::PresenceUpdate),
    /// Agents only (`Hub::publish_viewers`); filtered per agent by inbox.
    Viewers(crate::viewers::ViewersUpdate),
    /// One user's (`Hub::publish_notification`): their sockets only.
    Notification(Box<store::Notification>),
    /// Agents only (`Hub::publish_access`): a user's sockets close or re-read
    /// their rights (access.rs).
    Access(crate::access::AccessChange),
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

/// How many events a subscription holds for a slow socket before it must catch
/// up from the log.
const ACCOUNT_CAPACITY: usize = 1024;
const CONTACT_CAPACITY: usize = 8;

fn capacity(topic: Topic) -> usize {
    match topic {
        Topic::Account(_) => ACCOUNT_CAPACITY,
        Topic::Contact(_) => CONTACT_CAPACITY,
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Default)]
pub struct Hub {
    topics: Mutex<Topics>,
}

#[derive(Default)]
struct Topics {
    map: HashMap<Topic, Vec<Arc<Mailbox>>>,
    /// Set by [`Hub::close`]: every subscription, old or new, reports `Closed`.
    closed: bool,
}

#[derive(Default)]
struct Mailbox(Mutex<Queue>);

#[derive(Default)]
struct Queue {
    events: VecDeque<Arc<HubEvent>>,
    lagged: bool,
    closed: bool,
    /// The socket waiting for this mailbox. Kept under the queue's lock, so a
    /// push cannot slip between the socket's look and its wait.
    waker: Option<Waker>,
}

impl Mailbox {
    fn push(&self, event: &Arc<HubEvent>, capacity: usize) {
        let waker = {
            let mut q = lock(&self.0);
            if q.events.len() >= capacity {
                // The log has every stored event: the socket reads what it
                // missed from there (typing, not stored, is lost, as it may be).
                q.events = VecDeque::new();
                q.lagged = true;
            } else {
                q.events.push_back(event.clone());
            }
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn close(&self) {
        let waker = {
            let mut q = lock(&self.0);
            q.closed = true;
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// What a subscription receives next.
pub enum Received {
    Event(Arc<HubEvent>),
    /// Events were dropped because the socket fell behind: read the log.
    Lagged,
    /// The server is shutting down.
    Closed,
}

/// One socket's subscription to a topic. Give it back with
/// [`Hub::unsubscribe`].
pub struct Subscription {
    topic: Topic,
    mailbox: Arc<Mailbox>,
}

impl Subscription {
    pub async fn recv(&self) -> Received {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// What is ready without waiting, if anything.
    pub fn try_recv(&self) -> Option<Received> {
        take(&mut lock(&self.mailbox.0))
    }

    /// Whether [`Subscription::try_recv`] would return something.
    pub fn has_ready(&self) -> bool {
        let q = lock(&self.mailbox.0);
        q.lagged || q.closed || !q.events.is_empty()
    }

    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Received> {
        let mut q = lock(&self.mailbox.0);
        if let Some(r) = take(&mut q) {
            return Poll::Ready(r);
        }
        if !q.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            q.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

fn take(q: &mut Queue) -> Option<Received> {
    if q.lagged {
        q.lagged = false;
        return Some(Received::Lagged);
    }
    if let Some(e) = q.events.pop_front() {
        if q.events.is_empty() {
            // An idle socket keeps no queue (M1).
            q.events = VecDeque::new();
        }
        return Some(Received::Event(e));
    }
    if q.closed {
        return Some(Received::Closed);
    }
    None
}

impl Hub {
    pub fn subscribe(&self, topic: Topic) -> Subscription {
        let mailbox = Arc::new(Mailbox::default());
        let mut topics = lock(&self.topics);
        if topics.closed {
            mailbox.close();
        } else {
            // Most topics have one socket: room for one, not the default four.
            topics.map.entry(topic).or_insert_with(|| Vec::with_capacity(1)).push(mailbox.clone());
        }
        Subscription { topic, mailbox }
    }

    /// Called when a socket closes: its mailbox goes, and the topic with it when
    /// nobody else listens, so the map does not grow with every visitor.
    pub fn unsubscribe(&self, sub: Subscription) {
        let mut topics = lock(&self.topics);
        if let Some(list) = topics.map.get_mut(&sub.topic) {
            list.retain(|m| !Arc::ptr_eq(m, &sub.mailbox));
            if list.is_empty() {
                topics.map.remove(&sub.topic);
            }
        }
    }

    /// Sends to the account's topic and the contact's topic.
    pub fn publish(&self, event: HubEvent) {
        let event = Arc::new(event);
        let mut topics = lock(&self.topics);
        for topic in [Topic::Account(event.account_id), Topic::Contact(event.contact_id)] {
            if let Some(list) = topics.map.get_mut(&topic) {
                // A subscription dropped without `unsubscribe` (a task that
                // panicked) holds its mailbox no more: forget it.
                list.retain(|m| Arc::strong_count(m) > 1);
                for m in list.iter() {
                    m.push(&event, capacity(topic));
                }
                if list.is_empty() {
                    topics.map.remove(&topic);
                }
            }
        }
    }

    /// Sends a presence update to the account's agents only.
    pub fn publish_presence(&self, update: crate::presence::PresenceUpdate) {
        self.publish_to_agents(update.account_id, Payload::Presence(update));
    }

    /// Sends a viewers update to the account's agents only.
    pub fn publish_viewers(&self, update: crate::viewers::ViewersUpdate) {
        self.publish_to_agents(update.account_id, Payload::Viewers(update));
    }

    /// A notification for its user's sockets (filtered there).
    pub fn publish_notification(&self, n: store::Notification) {
        self.publish_to_agents(n.account_id, Payload::Notification(Box::new(n)));
    }

    /// Tells the account's agents' sockets that a user's access changed.
    pub fn publish_access(&self, account_id: AccountId, change: crate::access::AccessChange) {
        self.publish_to_agents(account_id, Payload::Access(change));
    }

    /// An event about no conversation, for the account's agents only: those
    /// fields hold zeros, and `private` keeps it from visitors should it ever
    /// be routed to them.
    fn publish_to_agents(&self, account_id: AccountId, payload: Payload) {
        let event = HubEvent {
            account_id,
            inbox_id: InboxId(0),
            contact_id: ContactId(0),
            conversation_id: ConversationId(0),
            display_id: DisplayId(0),
            kind: None,
            seq: None,
            conversation_seq: None,
            private: true,
            payload,
            agent_frame: OnceLock::new(),
            visitor_frame: OnceLock::new(),
        };
        let event = Arc::new(event);
        let topic = Topic::Account(account_id);
        let topics = lock(&self.topics);
        if let Some(list) = topics.map.get(&topic) {
            for m in list {
                m.push(&event, capacity(topic));
            }
        }
    }

    /// Server shutdown: every subscription, and any made later, reports
    /// `Closed`, and its socket closes with 1001.
    pub fn close(&self) {
        let mut topics = lock(&self.topics);
        topics.closed = true;
        for m in topics.map.drain().flat_map(|(_, list)| list) {
            m.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(contact: i64) -> HubEvent {
        let conversation = Conversation {
            id: ConversationId(1),
            account_id: AccountId(1),
            display_id: DisplayId(1),
            inbox_id: InboxId(1),
            contact_id: ContactId(contact),
            status: ConversationStatus::Open,
            assignee_id: None,
            last_seq: 0,
            unread_count: 0,
            last_activity_at: 0,
            agent_last_seen_at: None,
            contact_last_seen_at: None,
            additional_attributes: Default::default(),
            created_at: 0,
            snoozed_until: None,
            team_id: None,
            agent_bot_id: None,
            waiting_since: None,
        };
        let typist = Typist::User { id: UserId(1), name: String::new() };
        HubEvent::new(&conversation, None, None, None, false, Payload::Typing { typist, on: true })
    }

    fn try_recv(sub: &Subscription) -> Option<Received> {
        let mut cx = Context::from_waker(Waker::noop());
        match sub.poll_recv(&mut cx) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        }
    }

    #[test]
    fn events_reach_their_topics_in_order_and_a_full_mailbox_lags() {
        let hub = Hub::default();
        let visitor = hub.subscribe(Topic::Contact(ContactId(5)));
        let other = hub.subscribe(Topic::Contact(ContactId(6)));
        let agent = hub.subscribe(Topic::Account(AccountId(1)));
        for _ in 0..CONTACT_CAPACITY {
            hub.publish(event(5));
        }
        assert!(try_recv(&other).is_none());
        assert!(matches!(try_recv(&visitor), Some(Received::Event(e)) if e.contact_id == ContactId(5)));
        hub.publish(event(5));
        hub.publish(event(5));
        // Full: the queue is dropped and the socket told to read the log.
        assert!(matches!(try_recv(&visitor), Some(Received::Lagged)));
        assert!(try_recv(&visitor).is_none());
        hub.publish(event(5));
        assert!(matches!(try_recv(&visitor), Some(Received::Event(_))));
        // The account's mailbox is larger: it got all eleven.
        for _ in 0..CONTACT_CAPACITY + 3 {
            assert!(matches!(try_recv(&agent), Some(Received::Event(_))));
        }
        assert!(try_recv(&agent).is_none());
    }

    #[test]
    fn unsubscribing_forgets_the_topic_and_closing_ends_every_subscription() {
        let hub = Hub::default();
        let a = hub.subscribe(Topic::Contact(ContactId(5)));
        let b = hub.subscribe(Topic::Contact(ContactId(5)));
        hub.unsubscribe(a);
        assert_eq!(lock(&hub.topics).map.get(&Topic::Contact(ContactId(5))).map(Vec::len), Some(1));
        hub.unsubscribe(b);
        assert!(lock(&hub.topics).map.is_empty());
        let c = hub.subscribe(Topic::Account(AccountId(1)));
        hub.close();
        assert!(matches!(try_recv(&c), Some(Received::Closed)));
        let late = hub.subscribe(Topic::Account(AccountId(1)));
        assert!(matches!(try_recv(&late), Some(Received::Closed)));
    }
}
