//! Inboxes: the account's website channels, as agents list them and as a
//! website's widget finds its own by token.

use domain::*;

use crate::auth::AgentCtx;
use crate::{tokens, App, AppError, Result};

impl App {
    /// The inboxes the agent may see.
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

    /// The inbox a website token names (the widget, the Client API).
    pub async fn public_inbox(&self, website_token: &str) -> Result<Inbox> {
        Ok(self.store().inbox_by_token(website_token).await?)
    }

    /// The first account's first inbox, for the demo page; `None` before the
    /// first run made one.
    pub async fn demo_inbox(&self) -> Result<Option<Inbox>> {
        Ok(self.store().inboxes(AccountId(1)).await?.into_iter().next())
    }

    /// Creates a website inbox (administrators only).
    pub async fn create_inbox(&self, agent: &AgentCtx, name: &PersonName, color: &HexColor) -> Result<Inbox> {
        if agent.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators can create inboxes." });
        }
        self.new_inbox(agent.account_id, name.as_str(), color).await
    }

    /// A website inbox in `account_id` with a fresh website token, every user
    /// of the account a member.
    pub(crate) async fn new_inbox(&self, account_id: AccountId, name: &str, color: &HexColor) -> Result<Inbox> {
        let token = tokens::generate_short();
        let new = store::NewInbox {
            account_id,
            name,
            website_token: &token,
            website_url: "",
            widget_color: color,
            welcome_title: "",
            welcome_tagline: "",
        };
        Ok(self.store().create_inbox(new, self.now()).await?)
    }
}
