//! Contacts: the people the team talks to. A website visitor is a contact
//! with one inbox session, known by its contact identifier (`source_id`) in
//! that inbox; every visitor lookup goes through [`VisitorCtx`], so a visitor
//! can only ever name its own conversations.

use domain::*;

use crate::auth::AgentCtx;
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
/// ([`App::own_contact`]).
#[derive(Debug, Clone, Copy)]
pub struct VisitorCtx {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub contact_inbox_id: i64,
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
    /// Creates a contact for a new visitor. The server mints both tokens: a
    /// client can never choose its identity (threats.md #3).
    /// A new visitor in a website inbox, with the email and phone number the
    /// widget may pass at once (`details`).
    pub async fn create_visitor(
        &self,
        website_token: &str,
        name: Option<PersonName>,
        details: Option<store::ContactPatch>,
    ) -> Result<NewVisitor> {
        let inbox = self.public_inbox(website_token).await?;
        let source_id = tokens::generate();
        let pubsub_token = tokens::generate();
        let name = name.map(|n| n.as_str().to_owned()).unwrap_or_default();
        let (contact, _) = self
            .store()
            .create_visitor(&inbox, &name, &tokens::hash(&source_id), &tokens::hash(&pubsub_token), self.now())
            .await?;
        let contact = match details {
            Some(patch) => self.store().update_contact(inbox.account_id, contact.id, patch, self.now()).await?,
            None => contact,
        };
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

    /// The visitor's own contact.
    pub async fn own_contact(&self, v: &VisitorCtx) -> Result<Contact> {
        Ok(self.store().contact(v.account_id, v.contact_id).await?)
    }

    /// The visitor changes its own contact (name, email, attributes).
    pub async fn update_own_contact(&self, v: &VisitorCtx, patch: store::ContactPatch) -> Result<Contact> {
        Ok(self.store().update_contact(v.account_id, v.contact_id, patch, self.now()).await?)
    }

    pub async fn contacts(&self, agent: &AgentCtx, query: Option<&str>, page: i64) -> Result<(Vec<Contact>, i64)> {
        Ok(self.store().contacts(agent.account_id, agent.inboxes.as_deref(), query, page).await?)
    }

    pub async fn contact(&self, agent: &AgentCtx, id: ContactId) -> Result<Contact> {
        Ok(self.store().visible_contact(agent.account_id, agent.inboxes.as_deref(), id).await?)
    }
}
