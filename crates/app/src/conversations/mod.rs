//! Conversations: the agent's list and counts, one conversation as an actor
//! may see it, starting one, typing and read marks. Status and assignment are
//! in `status.rs`.

mod status;

use domain::*;
use store::{ConversationCounts, ConversationFilter, NewConversation};

use crate::auth::AgentCtx;
use crate::coalesce::{Mark, Who};
use crate::contacts::VisitorCtx;
use crate::hub::{HubEvent, Payload, Typist};
use crate::{tokens, Actor, App, AppError, Result};

pub struct ListQuery {
    pub status: Option<ConversationStatus>,
    pub assignee: AssigneeFilter,
    pub inbox_id: Option<InboxId>,
    pub team_id: Option<TeamId>,
    /// Labels' titles: conversations carrying any of them (Chatwoot's `labels[]`).
    pub labels: Vec<String>,
    pub sort: ConversationSort,
    pub page: i64,
}

fn filter<'a>(agent: &'a AgentCtx, q: &ListQuery, labels: &'a [LabelId]) -> ConversationFilter<'a> {
    ConversationFilter {
        account_id: agent.account_id,
        me: agent.user.id,
        status: q.status,
        assignee: q.assignee,
        inbox_id: q.inbox_id,
        visible_inboxes: agent.inboxes.as_deref(),
        team_id: q.team_id,
        labels,
        sort: q.sort,
        page: q.page,
    }
}

/// A conversation as the visitor sees it: no internal comments anywhere in it.
pub struct VisitorConversation {
    pub view: ConversationView,
    pub messages: Vec<PublicMessage>,
}

impl App {
    pub async fn list_conversations(
        &self,
        agent: &AgentCtx,
        q: &ListQuery,
    ) -> Result<(Vec<ConversationView>, ConversationCounts)> {
        let Some(labels) = self.list_labels(agent, q).await? else {
            return Ok((Vec::new(), ConversationCounts::default()));
        };
        let f = filter(agent, q, &labels);
        let rows = self.store().list_conversations(&f).await?;
        let counts = self.store().count_conversations(&f).await?;
        Ok((rows, counts))
    }

    pub async fn conversation_counts(&self, agent: &AgentCtx, q: &ListQuery) -> Result<ConversationCounts> {
        let Some(labels) = self.list_labels(agent, q).await? else { return Ok(ConversationCounts::default()) };
        Ok(self.store().count_conversations(&filter(agent, q, &labels)).await?)
    }

    /// The filter's labels; `None` when it names only labels that do not
    /// exist (nothing can match).
    async fn list_labels(&self, agent: &AgentCtx, q: &ListQuery) -> Result<Option<Vec<LabelId>>> {
        if q.labels.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let ids = self.label_ids(agent.account_id, &q.labels).await?;
        Ok((!ids.is_empty()).then_some(ids))
    }

    /// One conversation, if the actor may see it: an agent one in its inboxes,
    /// a visitor its own. Anything else is `NotFound`, like one that does not
    /// exist.
    pub async fn conversation<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        display_id: DisplayId,
    ) -> Result<ConversationView> {
        let actor = actor.into();
        let account = match actor {
            Actor::Agent(a) => a.account_id,
            Actor::Visitor(v) => v.account_id,
        };
        let view = self.store().conversation_by_display_id(account, display_id).await?;
        let c = &view.conversation;
        let visible = match actor {
            Actor::Agent(a) => a.may_see(c.inbox_id),
            Actor::Visitor(v) => c.contact_id == v.contact_id && c.inbox_id == v.inbox_id,
        };
        if !visible {
            return Err(AppError::NotFound);
        }
        Ok(view)
    }

    /// The visitor's conversations in its inbox session, newest first, each
    /// with its public messages.
    pub async fn public_conversations(&self, v: &VisitorCtx) -> Result<Vec<VisitorConversation>> {
        let views = self.store().visitor_conversations(v.account_id, v.contact_inbox_id).await?;
        let mut out = Vec::with_capacity(views.len());
        for view in views {
            let messages = self.public_messages(&view, None).await?;
            out.push(VisitorConversation { view, messages });
        }
        Ok(out)
    }

    pub async fn public_conversation(&self, v: &VisitorCtx, display_id: DisplayId) -> Result<VisitorConversation> {
        let view = self.conversation(v, display_id).await?;
        let messages = self.public_messages(&view, None).await?;
        Ok(VisitorConversation { view, messages })
    }

    /// Starts a conversation. Where the inbox has `lock_to_single_conversation`
    /// (the default) a visitor has at most one unresolved conversation there,
    /// enforced by the database, and this returns the open one if there is
    /// one; elsewhere every call starts a new one (W2: several per visitor).
    pub async fn start_conversation(
        &self,
        v: &VisitorCtx,
        attributes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<VisitorConversation> {
        let account_id = v.account_id;
        let single = self.store().inbox(account_id, v.inbox_id).await?.lock_to_single_conversation;
        if !single {
            let view = self.new_visitor_conversation(v, attributes).await?;
            return self.fresh_conversation(view).await;
        }
        if let Some(view) = self.store().active_conversation(account_id, v.contact_inbox_id).await? {
            let messages = self.public_messages(&view, None).await?;
            return Ok(VisitorConversation { view, messages });
        }
        let view = match self.new_visitor_conversation(v, attributes).await {
            Ok(view) => view,
            // Lost a race with another request of the same visitor: theirs won.
            Err(store::StoreError::Conflict(store::Conflict::OpenConversation)) => {
                self.store().active_conversation(account_id, v.contact_inbox_id).await?.ok_or(AppError::NotFound)?
            }
            Err(e) => return Err(e.into()),
        };
        self.fresh_conversation(view).await
    }

    /// A conversation just started, as its visitor gets it. A bot's greeting
    /// may be written before this answer (its job runs at once) and its seq
    /// be in the view's: the messages are read after the view, so the
    /// visitor, whose cursor starts at that seq, misses nothing.
    async fn fresh_conversation(&self, view: ConversationView) -> Result<VisitorConversation> {
        let messages = match view.conversation.agent_bot_id {
            Some(_) => self.public_messages(&view, None).await?,
            None => Vec::new(),
        };
        Ok(VisitorConversation { view, messages })
    }

    /// A new conversation of the visitor's, with the page it started on.
    async fn new_visitor_conversation(
        &self,
        v: &VisitorCtx,
        attributes: serde_json::Map<String, serde_json::Value>,
    ) -> store::Result<ConversationView> {
        let account_id = v.account_id;
        let flow = self.starting_flow(account_id, v.inbox_id).await?;
        let new = NewConversation {
            account_id,
            inbox_id: v.inbox_id,
            contact_id: v.contact_id,
            contact_inbox_id: v.contact_inbox_id,
            additional_attributes: attributes.clone(),
            bot: flow.as_ref().map(|f| f.bot.id),
        };
        let mut view = self.insert_conversation(&new, flow.as_ref()).await?;
        let (inbox, id) = (v.inbox_id, view.conversation.id);
        // Assigned before the answer, so the visitor's first view names its
        // agent: the widget's socket, opened with the contact a moment ago,
        // may not be listening yet. The bot's conversations wait for a
        // takeover instead.
        if flow.is_none() {
            match self.auto_assign(account_id, inbox, id).await {
                Ok(true) => {
                    view = self.store().conversation_by_display_id(account_id, view.conversation.display_id).await?
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not assign a new conversation"),
            }
        }
        let app = self.clone();
        tokio::spawn(async move { app.notify_creation(account_id, inbox, id).await });
        // The page where the chat started is context on the contact too (W10).
        let patch = store::ContactPatch { additional_attributes: Some(attributes), ..Default::default() };
        if let Err(e) = self.store().update_contact(account_id, v.contact_id, patch, self.now()).await {
            tracing::warn!(error = %e, "could not record visitor context on the contact");
        }
        Ok(view)
    }

    /// Starts a conversation with an existing contact in a website inbox
    /// (Application API), with the agent's first message if there is one.
    pub async fn create_conversation(
        &self,
        agent: &AgentCtx,
        inbox_id: InboxId,
        contact_id: Option<ContactId>,
        source_id: Option<&str>,
        attributes: serde_json::Map<String, serde_json::Value>,
        first: Option<MessageBody>,
    ) -> Result<ConversationView> {
        let inbox = self.inbox(agent, inbox_id).await?;
        let (contact_id_found, contact_inbox_id) = match source_id {
            Some(s) => self.store().visitor_by_source(inbox.id, &tokens::hash(s)).await?.ok_or(AppError::NotFound)?,
            None => {
                return Err(
                    InvalidInput::new("missing_source_id", "source_id names the contact's inbox session.").into()
                )
            }
        };
        if contact_id.is_some_and(|c| c != contact_id_found) {
            return Err(AppError::NotFound);
        }
        let new = NewConversation {
            account_id: agent.account_id,
            inbox_id: inbox.id,
            contact_id: contact_id_found,
            contact_inbox_id,
            additional_attributes: attributes,
            bot: None,
        };
        let view = self.insert_conversation(&new, None).await?;
        let Some(content) = first else { return Ok(view) };
        let display_id = view.conversation.display_id;
        self.send_message(agent, display_id, content, false, None).await?;
        self.conversation(agent, display_id).await
    }

    /// Creates the conversation and publishes its event; with a flow, its
    /// bot's first step is a job of the same transaction.
    async fn insert_conversation(
        &self,
        new: &NewConversation,
        flow: Option<&Chatflow>,
    ) -> store::Result<ConversationView> {
        let mut tx = self.store().begin().await?;
        let (id, record) = tx.create_conversation(new, self.now()).await?;
        if let Some(flow) = flow {
            self.enqueue_first_step(&mut tx, flow, id).await?;
        }
        tx.commit().await?;
        if flow.is_some() {
            self.inner.jobs_due.notify_one();
        }
        self.publish_records(std::slice::from_ref(&record)).await;
        self.store().conversation_view(new.account_id, id).await
    }

    /// Someone is typing (`on`) or stopped; an agent's `private` typing is a
    /// comment, shown to agents only. Not stored.
    pub async fn typing<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        display_id: DisplayId,
        on: bool,
        private: bool,
    ) -> Result<()> {
        let actor = actor.into();
        let view = self.conversation(actor, display_id).await?;
        if !self.inner.marks.admit(view.conversation.id, who(actor), Mark::Typing, on, self.now()) {
            return Ok(());
        }
        let (typist, private) = match actor {
            Actor::Agent(a) => (Typist::User { id: a.user.id, name: a.user.available_name().to_owned() }, private),
            Actor::Visitor(v) => {
                // Empty when the visitor gave none: agents' clients name it.
                (Typist::Contact { id: v.contact_id, name: view.contact.name.clone() }, false)
            }
        };
        self.emit_typing(HubEvent::new(&view.conversation, None, None, None, private, Payload::Typing { typist, on }))
            .await;
        Ok(())
    }

    /// The actor has read the conversation: for an agent the unread count goes
    /// back to zero, for a visitor its last-seen time moves.
    pub async fn mark_seen<'a>(&self, actor: impl Into<Actor<'a>>, display_id: DisplayId) -> Result<()> {
        let actor = actor.into();
        let view = self.conversation(actor, display_id).await?;
        let c = &view.conversation;
        if !self.inner.marks.admit(c.id, who(actor), Mark::Seen, true, self.now()) {
            return Ok(());
        }
        match actor {
            Actor::Agent(_) => self.store().mark_seen_by_agent(c.account_id, c.id, self.now()).await?,
            Actor::Visitor(_) => self.store().mark_seen_by_contact(c.account_id, c.id, self.now()).await?,
        }
        Ok(())
    }
}

/// The actor as the coalescer keys marks.
fn who(actor: Actor<'_>) -> Who {
    match actor {
        Actor::Agent(a) => Who::User(a.user.id.0),
        Actor::Visitor(v) => Who::Contact(v.contact_id.0),
    }
}
