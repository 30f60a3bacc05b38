//! The team's side: the inbox list, a conversation's thread, replies, comments,
//! closing and assignment. Every call takes an [`AgentCtx`]; a conversation in an
//! inbox the agent may not see is `NotFound`, like one that does not exist.

use domain::*;
use store::{Appended, ConversationCounts, ConversationFilter, NewConversation, NewMessage};

use crate::auth::AgentCtx;
use crate::hub::{HubEvent, Payload, Typist};
use crate::{tokens, App, AppError, Result};

pub struct ListQuery {
    pub status: Option<ConversationStatus>,
    pub assignee: AssigneeFilter,
    pub inbox_id: Option<InboxId>,
    pub page: i64,
}

fn filter<'a>(agent: &'a AgentCtx, q: &ListQuery) -> ConversationFilter<'a> {
    ConversationFilter {
        account_id: agent.account_id,
        me: agent.user.id,
        status: q.status,
        assignee: q.assignee,
        inbox_id: q.inbox_id,
        visible_inboxes: agent.inboxes.as_deref(),
        page: q.page,
    }
}

impl App {
    pub async fn inboxes(&self, agent: &AgentCtx) -> Result<Vec<Inbox>> {
        let all = self.store().inboxes(agent.account_id).await?;
        Ok(all.into_iter().filter(|i| agent.may_see(i.id)).collect())
    }

    pub async fn inbox(&self, agent: &AgentCtx, id: InboxId) -> Result<Inbox> {
        if !agent.may_see(id) {
            return Err(AppError::NotFound);
        }
        Ok(self.store().inbox(agent.account_id, id).await?)
    }

    /// Creates a website inbox (administrators only).
    pub async fn create_inbox(&self, agent: &AgentCtx, name: &PersonName, color: &HexColor) -> Result<Inbox> {
        if agent.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators can create inboxes." });
        }
        let token = tokens::generate_short();
        Ok(self
            .store()
            .create_inbox(store::NewInbox {
                account_id: agent.account_id,
                name: name.as_str(),
                website_token: &token,
                website_url: "",
                widget_color: color,
                welcome_title: "",
                welcome_tagline: "",
            })
            .await?)
    }

    pub async fn list_conversations(
        &self,
        agent: &AgentCtx,
        q: &ListQuery,
    ) -> Result<(Vec<ConversationView>, ConversationCounts)> {
        let f = filter(agent, q);
        let rows = self.store().list_conversations(&f).await?;
        let counts = self.store().count_conversations(&f).await?;
        Ok((rows, counts))
    }

    pub async fn conversation_counts(&self, agent: &AgentCtx, q: &ListQuery) -> Result<ConversationCounts> {
        Ok(self.store().count_conversations(&filter(agent, q)).await?)
    }

    pub async fn conversation(&self, agent: &AgentCtx, display_id: DisplayId) -> Result<ConversationView> {
        let view = self.store().conversation_by_display_id(agent.account_id, display_id).await?;
        if !agent.may_see(view.conversation.inbox_id) {
            return Err(AppError::NotFound);
        }
        Ok(view)
    }

    /// Starts a conversation with an existing contact in a website inbox (Application API).
    pub async fn create_conversation(
        &self,
        agent: &AgentCtx,
        inbox_id: InboxId,
        contact_id: Option<ContactId>,
        source_id: Option<&str>,
        attributes: serde_json::Map<String, serde_json::Value>,
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
        let created = self
            .store()
            .create_conversation(NewConversation {
                account_id: agent.account_id,
                inbox_id: inbox.id,
                contact_id: contact_id_found,
                contact_inbox_id,
                additional_attributes: attributes,
            })
            .await;
        match created {
            Ok((view, record)) => {
                self.publish_records(std::slice::from_ref(&record)).await;
                Ok(view)
            }
            Err(store::StoreError::Conflict(_)) => Err(AppError::Conflict {
                code: "conversation_already_open",
                message: "This contact already has an open conversation in this inbox.".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn agent_messages(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        before: Option<MessageId>,
    ) -> Result<(ConversationView, Vec<Message>)> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        let messages = self.store().messages(c.account_id, c.id, before, 100, true).await?;
        Ok((view, messages))
    }

    /// A reply (or with `private` an internal comment). Replying to an unassigned
    /// conversation assigns it to the replying agent, as Chatwoot does.
    pub async fn agent_send(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        body: MessageBody,
        private: bool,
        echo_id: Option<EchoId>,
    ) -> Result<Message> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
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
            })
            .await?;
        match appended {
            Appended::New(m, record, _) => {
                self.publish_message(c.contact_id, &m, &record).await;
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

    /// Changes the status. `snoozed_until` (with `Snoozed` only, in the
    /// future, within a year) makes a job open the conversation again then;
    /// without it a snooze lasts until the visitor writes.
    pub async fn set_status(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        status: ConversationStatus,
        snoozed_until: Option<Millis>,
    ) -> Result<ConversationView> {
        if let Some(until) = snoozed_until {
            check_snooze(status, until, store::now_millis())?;
        }
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        let who = agent.user.available_name();
        let (text, kind) = match status {
            ConversationStatus::Resolved => (format!("Conversation was marked resolved by {who}"), "resolved"),
            ConversationStatus::Open => (format!("Conversation was reopened by {who}"), "reopened"),
            ConversationStatus::Pending => (format!("Conversation was marked as pending by {who}"), "pending"),
            ConversationStatus::Snoozed => (format!("Conversation was snoozed by {who}"), "snoozed"),
        };
        let activity = crate::activity(text, serde_json::json!({"activity": kind, "actor_name": who}));
        match self.store().set_status(c.account_id, c.id, status, snoozed_until, &activity).await {
            Ok(Some(records)) => self.publish_records(&records).await,
            Ok(None) => {}
            Err(store::StoreError::Conflict(_)) => {
                return Err(AppError::Conflict {
                    code: "conversation_already_open",
                    message: "The contact has another open conversation in this inbox; close that one first.".into(),
                })
            }
            Err(e) => return Err(e.into()),
        }
        self.conversation(agent, display_id).await
    }

    /// Assigns to a member of the account who may see the inbox, or unassigns.
    pub async fn assign(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        assignee: Option<UserId>,
    ) -> Result<Option<UserSummary>> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        let who = agent.user.available_name().to_owned();
        let (target, activity) = match assignee {
            Some(uid) => {
                let target = self.agent_ctx(self.store().user(uid).await?, agent.account_id).await?;
                if !target.may_see(c.inbox_id) {
                    return Err(
                        InvalidInput::new("invalid_assignee", "That user is not a member of this inbox.").into()
                    );
                }
                let name = target.user.available_name();
                let activity = if uid == agent.user.id {
                    crate::activity(
                        format!("{who} self-assigned this conversation"),
                        serde_json::json!({"activity": "self_assigned", "actor_name": who}),
                    )
                } else {
                    crate::activity(
                        format!("Assigned to {name} by {who}"),
                        serde_json::json!({"activity": "assigned", "actor_name": who, "assignee_name": name}),
                    )
                };
                (Some(target.user), activity)
            }
            None => (
                None,
                crate::activity(
                    format!("Conversation unassigned by {who}"),
                    serde_json::json!({"activity": "unassigned", "actor_name": who}),
                ),
            ),
        };
        if let Some(records) = self.store().set_assignee(c.account_id, c.id, assignee, &activity).await? {
            self.publish_records(&records).await;
        }
        Ok(target)
    }

    pub async fn agent_typing(&self, agent: &AgentCtx, display_id: DisplayId, on: bool, private: bool) -> Result<()> {
        let view = self.conversation(agent, display_id).await?;
        let typist = Typist::User { id: agent.user.id, name: agent.user.available_name().to_owned() };
        self.emit_typing(HubEvent::new(&view.conversation, None, None, None, private, Payload::Typing { typist, on }))
            .await;
        Ok(())
    }

    pub async fn agent_seen(&self, agent: &AgentCtx, display_id: DisplayId) -> Result<()> {
        let view = self.conversation(agent, display_id).await?;
        Ok(self.store().mark_seen_by_agent(agent.account_id, view.conversation.id).await?)
    }

    pub async fn contacts(&self, agent: &AgentCtx, query: Option<&str>, page: i64) -> Result<(Vec<Contact>, i64)> {
        Ok(self.store().contacts(agent.account_id, query, page).await?)
    }

    pub async fn contact(&self, agent: &AgentCtx, id: ContactId) -> Result<Contact> {
        Ok(self.store().contact(agent.account_id, id).await?)
    }
}

/// The longest snooze with an end: longer is taken for a mistake.
const MAX_SNOOZE: Millis = 366 * 24 * 3600 * 1000;

fn check_snooze(status: ConversationStatus, until: Millis, now: Millis) -> Result<()> {
    if status != ConversationStatus::Snoozed {
        return Err(InvalidInput::new("invalid_snoozed_until", "snoozed_until goes with status snoozed only.").into());
    }
    if until <= now || until - now > MAX_SNOOZE {
        return Err(InvalidInput::new(
            "invalid_snoozed_until",
            "snoozed_until must be in the future and within a year.",
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snooze_end_must_be_ahead_within_a_year_and_only_for_snoozed() {
        let now = 1_000_000;
        assert!(check_snooze(ConversationStatus::Snoozed, now + 1, now).is_ok());
        assert!(check_snooze(ConversationStatus::Snoozed, now + MAX_SNOOZE, now).is_ok());
        assert!(check_snooze(ConversationStatus::Snoozed, now, now).is_err());
        assert!(check_snooze(ConversationStatus::Snoozed, now + MAX_SNOOZE + 1, now).is_err());
        assert!(check_snooze(ConversationStatus::Open, now + 1, now).is_err());
    }
}
