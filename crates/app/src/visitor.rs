//! The visitor's side of a chat (the Client API and the widget).
//!
//! A visitor is known by its contact identifier (`source_id`) in one inbox; every
//! lookup goes through [`VisitorCtx`], so a visitor can only ever name its own
//! conversations. Everything returned is built from [`PublicMessage`]s.

use domain::*;
use store::{Appended, NewConversation, NewVisitorMessage};

use crate::hub::{HubEvent, Payload, Typist};
use crate::{tokens, App, AppError, Result};

/// A visitor session: created once, its two secrets shown only then.
pub struct NewVisitor {
    pub contact: Contact,
    pub source_id: String,
    pub pubsub_token: String,
}

/// A visitor, resolved from its inbox and contact identifier (Client API) or
/// its socket token (`/ws`). Only ids, so a socket can keep it for its whole
/// life (M1): the contact itself is loaded where it is shown
/// ([`App::visitor_contact`]).
#[derive(Debug, Clone, Copy)]
pub struct VisitorCtx {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub contact_inbox_id: i64,
}

/// A conversation as the visitor sees it: no internal comments anywhere in it.
pub struct VisitorConversation {
    pub view: ConversationView,
    pub messages: Vec<PublicMessage>,
}

/// Attributes a visitor may record about itself (W10), each a short string.
pub fn clean_attributes(
    input: serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    if input.len() > 30 {
        return Err(InvalidInput::new("invalid_attributes", "At most 30 attributes.").into());
    }
    let mut out = serde_json::Map::new();
    for (k, v) in input {
        if k.len() > 64 || k.chars().any(char::is_control) {
            return Err(InvalidInput::new("invalid_attributes", "Attribute names are up to 64 characters.").into());
        }
        let v = match v {
            serde_json::Value::String(s) if s.chars().count() <= 2048 && !s.chars().any(|c| c.is_control()) => {
                serde_json::Value::String(s)
            }
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) | serde_json::Value::Null => v,
            _ => {
                return Err(InvalidInput::new(
                    "invalid_attributes",
                    "Attribute values are strings of up to 2048 characters without control characters, numbers or booleans.",
                )
                .into())
            }
        };
        out.insert(k, v);
    }
    Ok(out)
}

impl App {
    pub async fn public_inbox(&self, website_token: &str) -> Result<Inbox> {
        Ok(self.store().inbox_by_token(website_token).await?)
    }

    /// Creates a contact for a new visitor. The server mints both tokens: a
    /// client can never choose its identity (threats.md #3).
    pub async fn create_visitor(&self, website_token: &str, name: Option<PersonName>) -> Result<NewVisitor> {
        let inbox = self.public_inbox(website_token).await?;
        let source_id = tokens::generate();
        let pubsub_token = tokens::generate();
        let name = name.map(|n| n.as_str().to_owned()).unwrap_or_default();
        let (contact, _) =
            self.store().create_visitor(&inbox, &name, &tokens::hash(&source_id), &tokens::hash(&pubsub_token)).await?;
        Ok(NewVisitor { contact, source_id, pubsub_token })
    }

    /// The visitor behind a contact identifier in this inbox; unknown ones are
    /// `NotFound`, whatever the reason.
    pub async fn visitor(&self, website_token: &str, source_id: &str) -> Result<VisitorCtx> {
        let inbox = self.public_inbox(website_token).await?;
        let (contact_id, contact_inbox_id) =
            self.store().visitor_by_source(inbox.id, &tokens::hash(source_id)).await?.ok_or(AppError::NotFound)?;
        Ok(VisitorCtx { account_id: inbox.account_id, inbox_id: inbox.id, contact_id, contact_inbox_id })
    }

    /// The visitor behind a socket's `pubsub_token`; unknown ones are
    /// `Unauthorized`.
    pub async fn visitor_by_pubsub_token(&self, token: &str) -> Result<VisitorCtx> {
        let found = self.store().visitor_by_pubsub_hash(&tokens::hash(token)).await?;
        let (account_id, inbox_id, contact_id, contact_inbox_id) = found.ok_or(AppError::Unauthorized)?;
        Ok(VisitorCtx { account_id, inbox_id, contact_id, contact_inbox_id })
    }

    pub async fn visitor_contact(&self, v: &VisitorCtx) -> Result<Contact> {
        Ok(self.store().contact(v.account_id, v.contact_id).await?)
    }

    pub async fn update_visitor(&self, v: &VisitorCtx, patch: store::ContactPatch) -> Result<Contact> {
        Ok(self.store().update_contact(v.account_id, v.contact_id, patch).await?)
    }

    /// One of this visitor's conversations, or `NotFound`.
    async fn own_conversation(&self, v: &VisitorCtx, display_id: DisplayId) -> Result<ConversationView> {
        let view = self.store().conversation_by_display_id(v.account_id, display_id).await?;
        let c = &view.conversation;
        if c.contact_id != v.contact_id || c.inbox_id != v.inbox_id {
            return Err(AppError::NotFound);
        }
        Ok(view)
    }

    async fn public_messages(&self, view: &ConversationView, before: Option<MessageId>) -> Result<Vec<PublicMessage>> {
        let c = &view.conversation;
        let messages = self.store().messages(c.account_id, c.id, before, 100, false).await?;
        Ok(messages.into_iter().filter_map(PublicMessage::new).collect())
    }

    pub async fn visitor_conversations(&self, v: &VisitorCtx) -> Result<Vec<VisitorConversation>> {
        let views = self.store().visitor_conversations(v.account_id, v.contact_inbox_id).await?;
        let mut out = Vec::with_capacity(views.len());
        for view in views {
            let messages = self.public_messages(&view, None).await?;
            out.push(VisitorConversation { view, messages });
        }
        Ok(out)
    }

    pub async fn visitor_conversation(&self, v: &VisitorCtx, display_id: DisplayId) -> Result<VisitorConversation> {
        let view = self.own_conversation(v, display_id).await?;
        let messages = self.public_messages(&view, None).await?;
        Ok(VisitorConversation { view, messages })
    }

    /// Starts a conversation, or returns the visitor's open one: one visitor has
    /// at most one unresolved conversation per inbox, enforced by the database.
    pub async fn start_conversation(
        &self,
        v: &VisitorCtx,
        attributes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<VisitorConversation> {
        let account_id = v.account_id;
        if let Some(view) = self.store().active_conversation(account_id, v.contact_inbox_id).await? {
            let messages = self.public_messages(&view, None).await?;
            return Ok(VisitorConversation { view, messages });
        }
        let created = self
            .store()
            .create_conversation(NewConversation {
                account_id,
                inbox_id: v.inbox_id,
                contact_id: v.contact_id,
                contact_inbox_id: v.contact_inbox_id,
                additional_attributes: attributes.clone(),
            })
            .await;
        let view = match created {
            Ok((view, record)) => {
                self.publish_records(std::slice::from_ref(&record)).await;
                // The page where the chat started is context on the contact too (W10).
                let patch = store::ContactPatch { additional_attributes: Some(attributes), ..Default::default() };
                if let Err(e) = self.store().update_contact(account_id, v.contact_id, patch).await {
                    tracing::warn!(error = %e, "could not record visitor context on the contact");
                }
                view
            }
            // Lost a race with another request of the same visitor: theirs won.
            Err(store::StoreError::Conflict(_)) => {
                self.store().active_conversation(account_id, v.contact_inbox_id).await?.ok_or(AppError::NotFound)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(VisitorConversation { view, messages: Vec::new() })
    }

    pub async fn visitor_messages(
        &self,
        v: &VisitorCtx,
        display_id: DisplayId,
        before: Option<MessageId>,
    ) -> Result<Vec<PublicMessage>> {
        let view = self.own_conversation(v, display_id).await?;
        self.public_messages(&view, before).await
    }

    /// Stores the visitor's message; acknowledged (returned) only after commit.
    /// Writing into a resolved or snoozed conversation reopens it, as in Chatwoot.
    ///
    /// No read before the write: the store checks in the writing statement that
    /// the conversation is this visitor's (`NotFound`, nothing stored, when not),
    /// so a message costs one statement in its batch (BENCHMARKS.md, M2b).
    pub async fn visitor_send(
        &self,
        v: &VisitorCtx,
        display_id: DisplayId,
        body: MessageBody,
        echo_id: Option<EchoId>,
    ) -> Result<PublicMessage> {
        let appended = self
            .store()
            .append_visitor_message(NewVisitorMessage {
                account_id: v.account_id,
                inbox_id: v.inbox_id,
                contact_id: v.contact_id,
                display_id,
                body: &body,
                echo_id: echo_id.as_ref(),
            })
            .await?;
        let message = match appended {
            Appended::New(m, record, status) => {
                self.publish_message(v.contact_id, &m, &record).await;
                // A snooze lasts until the visitor writes, as in Chatwoot.
                if matches!(status, ConversationStatus::Resolved | ConversationStatus::Snoozed) {
                    self.reopen_for_visitor(m.account_id, m.conversation_id).await;
                }
                m
            }
            Appended::Existing(m) => m,
        };
        PublicMessage::new(message).ok_or(AppError::NotFound)
    }

    async fn reopen_for_visitor(&self, account_id: AccountId, conversation: ConversationId) {
        let result = self
            .store()
            .set_status(
                account_id,
                conversation,
                ConversationStatus::Open,
                None,
                &crate::activity(
                    "Conversation was reopened by the visitor".into(),
                    serde_json::json!({"activity": "reopened_by_visitor"}),
                ),
            )
            .await;
        match result {
            Ok(Some(records)) => self.publish_records(&records).await,
            Ok(None) => {}
            // Another conversation of this visitor is open already: keep this one closed.
            Err(store::StoreError::Conflict(_)) => {}
            Err(e) => tracing::warn!(error = %e, "could not reopen conversation"),
        }
    }

    /// The visitor ends the chat from the widget.
    pub async fn visitor_resolve(&self, v: &VisitorCtx, display_id: DisplayId) -> Result<ConversationView> {
        let view = self.own_conversation(v, display_id).await?;
        let c = &view.conversation;
        if let Some(records) = self
            .store()
            .set_status(
                c.account_id,
                c.id,
                ConversationStatus::Resolved,
                None,
                &crate::activity(
                    "Conversation was resolved by the visitor".into(),
                    serde_json::json!({"activity": "resolved_by_visitor"}),
                ),
            )
            .await?
        {
            self.publish_records(&records).await;
        }
        self.own_conversation(v, display_id).await
    }

    pub async fn visitor_typing(&self, v: &VisitorCtx, display_id: DisplayId, on: bool) -> Result<()> {
        let view = self.own_conversation(v, display_id).await?;
        let contact = &view.contact;
        let name = if contact.name.is_empty() { format!("Visitor #{}", contact.id) } else { contact.name.clone() };
        let typist = Typist::Contact { id: v.contact_id, name };
        self.emit_typing(HubEvent::new(&view.conversation, None, None, None, false, Payload::Typing { typist, on }))
            .await;
        Ok(())
    }

    pub async fn visitor_seen(&self, v: &VisitorCtx, display_id: DisplayId) -> Result<()> {
        let view = self.own_conversation(v, display_id).await?;
        Ok(self.store().mark_seen_by_contact(view.conversation.account_id, view.conversation.id).await?)
    }
}
