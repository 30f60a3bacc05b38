//! The bus between `parlor` processes (X4): NATS. Each process publishes what it
//! committed; the others load the event from the shared database and hand it to
//! their own hub, so a visitor on one process and an agent on another chat live.
//!
//! Stored events travel as their log record (ids and sequence numbers), not as
//! rendered JSON: the database stays the source of truth, and a socket that
//! missed a bus message (NATS restarting) still fills the gap from the event log
//! the next time an event for it arrives. A new message also carries the message
//! as stored, so the receiving process needs no database read per message (two
//! reads each made the receiver fall behind at 1,000 msgs/s); conversation
//! changes are loaded. Typing is not stored, so it travels whole.

use domain::*;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use store::EventRecord;

use crate::access::AccessChange;
use crate::hub::{HubEvent, Payload, Typist};
use crate::presence::Present;
use crate::viewers::Sighting;
use crate::App;

const SUBJECT_ROOT: &str = "parlor";

#[derive(Clone)]
pub struct Bus {
    client: async_nats::Client,
    /// `parlor.<installation id>.events`: installations sharing a NATS never mix.
    subject: String,
    /// This process's random id: its own messages come back and are skipped.
    origin: u64,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: u64,
    body: Body,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Body {
    Stored {
        account_id: i64,
        seq: i64,
        inbox_id: i64,
        conversation_id: i64,
        conversation_seq: i64,
        kind: String,
        private: bool,
        message_id: Option<i64>,
        /// With a new message: the message and what the hub routes it by.
        #[serde(default)]
        message: Option<BusMessage>,
    },
    Typing {
        account_id: i64,
        inbox_id: i64,
        contact_id: i64,
        conversation_id: i64,
        display_id: i64,
        private: bool,
        on: bool,
        /// `contact` or `user`.
        typist: String,
        typist_id: i64,
        typist_name: String,
    },
    /// This process's presence changes since its last batch: (account, who, online).
    Presence { changes: Vec<(i64, Present, bool)> },
    /// A user's access changed in an account (access.rs).
    Access { account_id: i64, change: AccessChange },
    /// An inbox's settings changed: every process forgets its copy.
    InboxChanged { website_token: String },
    /// Everyone with a socket on this process, every few seconds: it replaces
    /// what the others knew of it, and its absence makes them forget it.
    PresenceSnapshot { online: Vec<(i64, Present)> },
    /// A notification stored here: the others load it for their sockets.
    Notification { account_id: i64, id: i64 },
    /// The `viewing` frames this process received since its last batch.
    Viewing { sightings: Vec<Sighting> },
}

/// A stored message on the bus: the [`Message`] fields its event record does not
/// carry, plus the conversation's routing ids.
#[derive(Serialize, Deserialize)]
struct BusMessage {
    contact_id: i64,
    display_id: i64,
    content: String,
    message_type: i64,
    /// `contact`, `user` or `system`.
    sender_type: String,
    sender_id: Option<i64>,
    sender_name: Option<String>,
    echo_id: Option<String>,
    content_attributes: serde_json::Map<String, serde_json::Value>,
    created_at: i64,
}

impl BusMessage {
    fn new(m: &Message, contact: ContactId) -> BusMessage {
        let (sender_type, sender_id) = m.sender.columns();
        BusMessage {
            contact_id: contact.0,
            display_id: m.display_id.0,
            content: m.content.clone(),
            message_type: m.message_type.code(),
            sender_type: sender_type.to_owned(),
            sender_id,
            sender_name: m.sender_name.clone(),
            echo_id: m.echo_id.clone(),
            content_attributes: m.content_attributes.clone(),
            created_at: m.created_at,
        }
    }

    /// The hub event for a message whose record arrived with it.
    fn into_event(self, r: &EventRecord) -> Option<HubEvent> {
        let id = r.message_id?;
        let sender = Sender::from_columns(&self.sender_type, self.sender_id);
        let message = Message {
            id,
            account_id: r.account_id,
            inbox_id: r.inbox_id,
            conversation_id: r.conversation_id,
            display_id: DisplayId(self.display_id),
            seq: r.conversation_seq,
            content: self.content,
            message_type: MessageType::from_code(self.message_type)?,
            private: r.private,
            sender,
            sender_name: self.sender_name,
            echo_id: self.echo_id,
            content_attributes: self.content_attributes,
            created_at: self.created_at,
        };
        Some(HubEvent {
            account_id: r.account_id,
            inbox_id: r.inbox_id,
            contact_id: ContactId(self.contact_id),
            conversation_id: r.conversation_id,
            display_id: DisplayId(self.display_id),
            kind: Some(r.kind),
            seq: Some(r.seq),
            conversation_seq: Some(r.conversation_seq),
            private: r.private,
            payload: Payload::Message(message),
            agent_frame: Default::default(),
            visitor_frame: Default::default(),
        })
    }
}

impl Bus {
    pub async fn connect(url: &str, store: &store::Store) -> Result<Bus, String> {
        let cluster = store.cluster_id(&crate::tokens::generate_short()).await.map_err(|e| e.to_string())?;
        let client = async_nats::ConnectOptions::new()
            .name("parlor")
            // Keep trying in the background when NATS restarts; local delivery goes on.
            .retry_on_initial_connect()
            .connect(url)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Bus { client, subject: format!("{SUBJECT_ROOT}.{cluster}.events"), origin: rand::random() })
    }

    async fn send(&self, account: AccountId, body: Body) {
        self.send_on(format!("{}.{account}", self.subject), body).await
    }

    async fn send_on(&self, subject: String, body: Body) {
        let envelope = Envelope { origin: self.origin, body };
        let Ok(bytes) = serde_json::to_vec(&envelope) else { return };
        if let Err(e) = self.client.publish(subject, bytes.into()).await {
            tracing::warn!(error = %e, "could not publish to NATS; other processes catch up from the database");
        }
    }

    pub(crate) async fn send_stored(&self, r: &EventRecord, event: &HubEvent) {
        let message = match &event.payload {
            Payload::Message(m) => Some(BusMessage::new(m, event.contact_id)),
            _ => None,
        };
        let body = Body::Stored {
            account_id: r.account_id.0,
            seq: r.seq,
            inbox_id: r.inbox_id.0,
            conversation_id: r.conversation_id.0,
            conversation_seq: r.conversation_seq,
            kind: r.kind.name().to_owned(),
            private: r.private,
            message_id: r.message_id.map(|m| m.0),
            message,
        };
        self.send(r.account_id, body).await;
    }

    pub(crate) async fn send_typing(&self, e: &HubEvent) {
        let Payload::Typing { typist, on } = &e.payload else { return };
        let (kind, id, name) = match typist {
            Typist::Contact { id, name } => ("contact", id.0, name.clone()),
            Typist::User { id, name } => ("user", id.0, name.clone()),
        };
        let body = Body::Typing {
            account_id: e.account_id.0,
            inbox_id: e.inbox_id.0,
            contact_id: e.contact_id.0,
            conversation_id: e.conversation_id.0,
            display_id: e.display_id.0,
            private: e.private,
            on: *on,
            typist: kind.to_owned(),
            typist_id: id,
            typist_name: name,
        };
        self.send(e.account_id, body).await;
    }

    pub(crate) async fn send_access(&self, account: AccountId, change: &AccessChange) {
        self.send(account, Body::Access { account_id: account.0, change: change.clone() }).await;
    }

    pub(crate) async fn send_inbox_changed(&self, account: AccountId, website_token: &str) {
        self.send(account, Body::InboxChanged { website_token: website_token.to_owned() }).await;
    }

    pub(crate) async fn send_presence(&self, changes: &[(AccountId, Present, bool)]) {
        let changes = changes.iter().map(|(a, who, on)| (a.0, *who, *on)).collect();
        self.send_on(format!("{}.presence", self.subject), Body::Presence { changes }).await
    }

    pub(crate) async fn send_presence_snapshot(&self, online: &[(AccountId, Present)]) {
        let online = online.iter().map(|(a, who)| (a.0, *who)).collect();
        self.send_on(format!("{}.presence", self.subject), Body::PresenceSnapshot { online }).await
    }

    pub(crate) async fn send_notification(&self, account: AccountId, id: i64) {
        self.send(account, Body::Notification { account_id: account.0, id }).await;
    }

    pub(crate) async fn send_viewing(&self, sightings: Vec<Sighting>) {
        self.send_on(format!("{}.presence", self.subject), Body::Viewing { sightings }).await
    }

    /// Feeds other processes' events into this process's hub, until the
    /// connection is closed for good.
    pub async fn listen(self, app: App) -> Result<(), String> {
        let mut sub = self.client.subscribe(format!("{}.*", self.subject)).await.map_err(|e| e.to_string())?;
        // Make sure the server registered the subscription before we serve: an
        // event committed right after start-up must not slip past it.
        self.client.flush().await.map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                let Ok(envelope) = serde_json::from_slice::<Envelope>(&msg.payload) else {
                    tracing::warn!("ignoring a malformed bus message");
                    continue;
                };
                if envelope.origin == self.origin {
                    continue;
                }
                match envelope.body {
                    Body::Stored {
                        account_id,
                        seq,
                        inbox_id,
                        conversation_id,
                        conversation_seq,
                        kind,
                        private,
                        message_id,
                        message,
                    } => {
                        let Some(kind) = EventKind::parse(&kind) else { continue };
                        let record = EventRecord {
                            account_id: AccountId(account_id),
                            seq,
                            inbox_id: InboxId(inbox_id),
                            conversation_id: ConversationId(conversation_id),
                            conversation_seq,
                            kind,
                            private,
                            message_id: message_id.map(MessageId),
                        };
                        if let Some(event) = message.and_then(|m| m.into_event(&record)) {
                            app.hub().publish(event);
                            continue;
                        }
                        match app.hub_event(&record).await {
                            Ok(event) => app.hub().publish(event),
                            Err(e) => tracing::warn!(error = %e, "could not load a remote event"),
                        }
                    }
                    Body::Typing {
                        account_id,
                        inbox_id,
                        contact_id,
                        conversation_id,
                        display_id,
                        private,
                        on,
                        typist,
                        typist_id,
                        typist_name,
                    } => {
                        let typist = match typist.as_str() {
                            "contact" => Typist::Contact { id: ContactId(typist_id), name: typist_name },
                            _ => Typist::User { id: UserId(typist_id), name: typist_name },
                        };
                        app.hub().publish(HubEvent {
                            account_id: AccountId(account_id),
                            inbox_id: InboxId(inbox_id),
                            contact_id: ContactId(contact_id),
                            conversation_id: ConversationId(conversation_id),
                            display_id: DisplayId(display_id),
                            kind: None,
                            seq: None,
                            conversation_seq: None,
                            private,
                            payload: Payload::Typing { typist, on },
                            agent_frame: Default::default(),
                            visitor_frame: Default::default(),
                        });
                    }
                    Body::Access { account_id, change } => app.hub().publish_access(AccountId(account_id), change),
                    Body::InboxChanged { website_token } => app.store().forget_inbox(&website_token),
                    Body::Presence { changes } => {
                        let changes: Vec<_> = changes.into_iter().map(|(a, who, on)| (AccountId(a), who, on)).collect();
                        app.presence().remote_changes(envelope.origin, &changes);
                    }
                    Body::PresenceSnapshot { online } => {
                        let online = online.into_iter().map(|(a, who)| (AccountId(a), who)).collect();
                        app.presence().remote_snapshot(envelope.origin, online);
                    }
                    Body::Notification { account_id, id } => {
                        match app.store().notification(AccountId(account_id), id).await {
                            Ok(n) => app.hub().publish_notification(n),
                            Err(e) => tracing::warn!(error = %e, "could not load a remote notification"),
                        }
                    }
                    Body::Viewing { sightings } => app.viewers().remote(&sightings, std::time::Instant::now()),
                }
            }
        });
        Ok(())
    }
}
