//! Messages: a conversation's thread as an actor may read it, and sending one.
//! A message is acknowledged (returned) only after its batch committed
//! (invariant 1).

use domain::*;
use store::{Appended, NewMessage, NewVisitorMessage};

use crate::{Actor, App, AppError, Result};

/// An agent's message and how to send it.
pub struct AgentSend {
    pub body: MessageBody,
    /// An internal comment, never shown to the visitor.
    pub private: bool,
    pub echo_id: Option<EchoId>,
    pub check_collision: bool,
}

impl App {
    /// Up to 100 messages before `before`, oldest first, with the conversation.
    /// A visitor's thread leaves internal comments out, in SQL already.
    pub async fn messages<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        display_id: DisplayId,
        before: Option<MessageId>,
    ) -> Result<(ConversationView, Vec<Message>)> {
        let actor = actor.into();
        let view = self.conversation(actor, display_id).await?;
        let c = &view.conversation;
        let include_private = matches!(actor, Actor::Agent(_));
        let messages = self.store().messages(c.account_id, c.id, before, 100, include_private).await?;
        Ok((view, messages))
    }

    /// The thread as a visitor sees it: [`PublicMessage`]s only.
    pub async fn public_thread(
        &self,
        v: &crate::VisitorCtx,
        display_id: DisplayId,
        before: Option<MessageId>,
    ) -> Result<Vec<PublicMessage>> {
        let view = self.conversation(v, display_id).await?;
        self.public_messages(&view, before).await
    }

    pub(crate) async fn public_messages(
        &self,
        view: &ConversationView,
        before: Option<MessageId>,
    ) -> Result<Vec<PublicMessage>> {
        let c = &view.conversation;
        let messages = self.store().messages(c.account_id, c.id, before, 100, false).await?;
        Ok(messages.into_iter().filter_map(PublicMessage::new).collect())
    }

    /// Sends a message. An agent's is a reply, or with `private` an internal
    /// comment; replying to an unassigned conversation assigns it to the
    /// replying agent, as Chatwoot does. A visitor's is always public, and
    /// writing into a resolved or snoozed conversation reopens it.
    pub async fn send_message<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        display_id: DisplayId,
        body: MessageBody,
        private: bool,
        echo_id: Option<EchoId>,
    ) -> Result<Message> {
        match actor.into() {
            // Boxed: an agent's send (with its auto-assignment) is a large
            // future, and unboxed it would size every visitor's send too, the
            // hot path, whose future a socket allocates per message.
            Actor::Agent(agent) => {
                let send = AgentSend { body, private, echo_id, check_collision: false };
                Box::pin(self.agent_send(agent, display_id, send)).await
            }
            Actor::Visitor(_) if private => Err(AppError::Forbidden { message: "Visitors cannot write comments." }),
            Actor::Visitor(v) => self.visitor_send(v, display_id, body, echo_id).await,
        }
    }

    /// An agent's message through the Application API, with its options
    /// (`check_collision`: refuse a reply while another agent writes one).
    pub async fn send_agent_message(
        &self,
        agent: &crate::AgentCtx,
        display_id: DisplayId,
        send: AgentSend,
    ) -> Result<Message> {
        Box::pin(self.agent_send(agent, display_id, send)).await
    }

    /// Whether the agent may reply (not comment) now: the inbox's "only the
    /// assignee replies" for every user, and, when asked for, nobody else
    /// composing a reply (I4). Requests without `check_collision` are never
    /// refused for a collision: API clients keep working.
    async fn may_reply(&self, agent: &crate::AgentCtx, c: &Conversation, check_collision: bool) -> Result<()> {
        let inbox = self.store().inbox(c.account_id, c.inbox_id).await?;
        if inbox.only_assignee_replies && c.assignee_id.is_some_and(|a| a != agent.user.id) {
            return Err(AppError::Refused {
                code: "assignee_only",
                message: "Only the assignee replies in this inbox; write a comment, or take the conversation over.",
            });
        }
        if check_collision {
            if let Some(other) = self.viewers().replying(c.account_id, c.id, agent.user.id) {
                let name = self.store().user(other).await?.available_name().to_owned();
                return Err(AppError::Collision { user_id: other, name });
            }
        }
        Ok(())
    }

    async fn agent_send(&self, agent: &crate::AgentCtx, display_id: DisplayId, send: AgentSend) -> Result<Message> {
        let AgentSend { body, private, echo_id, check_collision } = send;
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        if !private && c.agent_bot_id.is_some() {
            // A user's reply to the bot's conversation takes it over first,
            // so Chatwoot clients keep working (the inbox asks first).
            match Box::pin(self.take_over(agent, display_id)).await {
                // A teammate was quicker: the bot is gone all the same, the reply goes on.
                Ok(_) | Err(AppError::Conflict { code: "already_taken_over", .. }) => {}
                Err(e) => return Err(e),
            }
            return Box::pin(self.agent_send(agent, display_id, AgentSend { body, private, echo_id, check_collision }))
                .await;
        }
        if !private {
            self.may_reply(agent, c, check_collision).await?;
        }
        let appended = self
            .store()
            .append_message(NewMessage {
                account_id: c.account_id,
                conversation_id: c.id,
                body: &body,
                message_type: MessageType::Outgoing,
                private,
                sender: Sender::User(agent.user.id),
                echo_id: echo_id.as_ref(),
                display_id: c.display_id,
                sender_name: Some(agent.user.available_name().to_owned()),
                now: self.now(),
            })
            .await?;
        match appended {
            Appended::New(m, record, _, _) => {
                self.publish_message(c.contact_id, &m, &record).await;
                if private {
                    self.notify_mentions(agent, &m).await;
                }
                if !private && c.assignee_id.is_none() {
                    if let Err(e) = self.assign(agent, display_id, Some(agent.user.id)).await {
                        tracing::warn!(error = %e, "could not auto-assign on reply");
                    }
                }
                Ok(m)
            }
            Appended::Existing(m) => Ok(m),
        }
    }

    /// No read before the write: the store checks in the writing statement that
    /// the conversation is this visitor's (`NotFound`, nothing stored, when not),
    /// so a message costs one statement in its batch (BENCHMARKS.md, M2b).
    async fn visitor_send(
        &self,
        v: &crate::VisitorCtx,
        display_id: DisplayId,
        body: MessageBody,
        echo_id: Option<EchoId>,
    ) -> Result<Message> {
        let appended = self
            .store()
            .append_visitor_message(NewVisitorMessage {
                account_id: v.account_id,
                inbox_id: v.inbox_id,
                contact_id: v.contact_id,
                display_id,
                body: &body,
                echo_id: echo_id.as_ref(),
                now: self.now(),
            })
            .await?;
        match appended {
            Appended::New(m, record, status, assignee) => {
                self.publish_message(v.contact_id, &m, &record).await;
                match assignee {
                    Some(user) => self.notify_new_message(&m, user),
                    None if status == ConversationStatus::Pending => self.notify_handoff(&m),
                    None => {}
                }
                if m.display_id != display_id {
                    // The store moved it into the visitor's open conversation.
                    self.note_moved(&m, display_id).await;
                }
                // A snooze lasts until the visitor writes, as in Chatwoot.
                if matches!(status, ConversationStatus::Resolved | ConversationStatus::Snoozed) {
                    self.reopen_for_visitor(m.account_id, m.conversation_id).await;
                }
                Ok(m)
            }
            Appended::Existing(m) => Ok(m),
        }
    }

    /// The team's line beside a visitor's message that was meant for the
    /// closed conversation `from` and went into the open one instead.
    async fn note_moved(&self, m: &Message, from: DisplayId) {
        let mut activity = crate::activity(ActivityKind::MovedFromClosed, None, None);
        let number = from.0.to_string();
        activity.text =
            i18n::catalogue(i18n::Lang::En).activity(ActivityKind::MovedFromClosed, &[("conversation", &number)]);
        activity.attributes["conversation_display_id"] = from.0.into();
        let written = async {
            let mut tx = self.store().begin().await?;
            let record = tx.insert_activity(m.account_id, m.conversation_id, &activity, self.now()).await?;
            tx.commit().await?;
            store::Result::Ok(record)
        };
        match written.await {
            Ok(record) => self.publish_records(&[record]).await,
            Err(e) => tracing::warn!(error = %e, "could not note a message moved from a closed conversation"),
        }
    }
}
