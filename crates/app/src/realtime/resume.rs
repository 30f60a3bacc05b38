//! Turning stored events into hub events: for publishing after commit, and for
//! replaying what a reconnecting socket missed (invariant 2).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use domain::*;
use store::EventRecord;

use crate::auth::AgentCtx;
use crate::hub::{HubEvent, Payload};
use crate::{App, Result};

/// Events to send a reconnecting socket, and the cursor after them (which may
/// be past the last one sent: events the socket may not see still move it).
pub struct Replay {
    pub events: Vec<HubEvent>,
    pub last: i64,
}

/// At most this many events are replayed in one go; a client further behind is
/// told to resync (reload) instead.
pub const REPLAY_LIMIT: i64 = 1000;

impl App {
    /// Loads what an event shows and wraps it for the hub.
    pub async fn hub_event(&self, record: &EventRecord) -> Result<HubEvent> {
        let view = self.store().conversation_view(record.account_id, record.conversation_id).await?;
        self.hub_event_in(record, &view).await
    }

    /// The same with the conversation loaded already: a replay loads each
    /// conversation once, not once per event (a reconnect storm is many replays).
    async fn hub_event_in(&self, record: &EventRecord, view: &ConversationView) -> Result<HubEvent> {
        let payload = match (record.kind, record.message_id) {
            (EventKind::MessageCreated, Some(mid)) => {
                Payload::Message(self.store().message(record.account_id, mid).await?)
            }
            _ => Payload::Conversation(Box::new(view.clone())),
        };
        Ok(HubEvent::new(
            &view.conversation,
            Some(record.kind),
            Some(record.seq),
            Some(record.conversation_seq),
            record.private,
            payload,
        ))
    }

    /// Publishes committed events. A failure to load one is logged, not returned:
    /// the write already succeeded, and sockets will find the event on resume.
    pub async fn publish_records(&self, records: &[EventRecord]) {
        for record in records {
            match self.hub_event(record).await {
                Ok(event) => self.emit_stored(record, event).await,
                Err(e) => tracing::warn!(error = %e, seq = record.seq, "could not publish event"),
            }
        }
    }

    /// Publishes a just-stored message: no database read on the hot path. The
    /// message carries the conversation's ids but its contact's (the audience
    /// of visitor frames): the caller knows it.
    pub(crate) async fn publish_message(&self, contact: ContactId, message: &Message, record: &EventRecord) {
        let event = HubEvent {
            account_id: message.account_id,
            inbox_id: message.inbox_id,
            contact_id: contact,
            conversation_id: message.conversation_id,
            display_id: message.display_id,
            kind: Some(record.kind),
            seq: Some(record.seq),
            conversation_seq: Some(record.conversation_seq),
            private: record.private,
            payload: Payload::Message(message.clone()),
            agent_frame: Default::default(),
            visitor_frame: Default::default(),
        };
        self.emit_stored(record, event).await
    }

    /// Hub events for replayed records, in order, each conversation loaded once.
    async fn replay_events<'a>(&self, records: impl Iterator<Item = &'a EventRecord>) -> Result<Vec<HubEvent>> {
        let mut views: HashMap<ConversationId, ConversationView> = HashMap::new();
        let mut events = Vec::new();
        for r in records {
            let view = match views.entry(r.conversation_id) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.store().conversation_view(r.account_id, r.conversation_id).await?),
            };
            events.push(self.hub_event_in(r, view).await?);
        }
        Ok(events)
    }

    /// What an agent's socket missed after account seq `since`, in order.
    /// `Ok(None)`: too far behind to replay.
    pub async fn agent_replay(&self, agent: &AgentCtx, since: i64) -> Result<Option<Replay>> {
        let records = self.store().events_after(agent.account_id, since, REPLAY_LIMIT + 1).await?;
        if records.len() as i64 > REPLAY_LIMIT {
            return Ok(None);
        }
        let last = records.last().map(|r| r.seq).unwrap_or(since);
        let events = self.replay_events(records.iter().filter(|r| agent.may_see(r.inbox_id))).await?;
        Ok(Some(Replay { events, last }))
    }

    /// What a visitor's socket missed in one of its conversations.
    pub async fn visitor_replay(
        &self,
        account_id: AccountId,
        conversation: ConversationId,
        since: i64,
    ) -> Result<Option<Replay>> {
        let records = self.store().conversation_events_after(account_id, conversation, since, REPLAY_LIMIT + 1).await?;
        if records.len() as i64 > REPLAY_LIMIT {
            return Ok(None);
        }
        let last = records.last().map(|r| r.conversation_seq).unwrap_or(since);
        // Internal comments move the cursor but are never loaded for a visitor.
        let events = self.replay_events(records.iter().filter(|r| !r.private)).await?;
        Ok(Some(Replay { events, last }))
    }

    /// A visitor socket's starting point: its conversations with their current
    /// seq, keyed by display id and by internal id.
    pub async fn visitor_cursors(
        &self,
        account_id: AccountId,
        contact: ContactId,
    ) -> Result<HashMap<DisplayId, (ConversationId, i64)>> {
        let rows = self.store().contact_conversation_seqs(account_id, contact).await?;
        Ok(rows.into_iter().map(|(id, display, seq)| (display, (id, seq))).collect())
    }
}

impl App {
    /// The account's newest event seq: where a new agent socket starts.
    pub async fn account_seq(&self, agent: &AgentCtx) -> Result<i64> {
        Ok(self.store().account_seq(agent.account_id).await?)
    }
}
