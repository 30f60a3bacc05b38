//! Labels (Chatwoot's): administrators keep the account's list; agents put
//! them on the conversations and contacts they may see. Every change to a
//! conversation's labels is one transaction with its line for the team
//! ("Anna added billing") and a team-only `conversation.updated` event: a
//! visitor never learns its labels by any path.

use domain::*;
use store::LabelFields;

use crate::auth::AgentCtx;
use crate::{App, AppError, Result};

/// Titles as a client sent them, parsed, sorted and without repeats.
fn titles(raw: &[String]) -> Result<Vec<LabelTitle>> {
    let mut out = raw.iter().map(|t| LabelTitle::parse(t)).collect::<std::result::Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn admin_only(agent: &AgentCtx) -> Result<()> {
    if agent.role != Role::Administrator {
        return Err(AppError::Forbidden { message: "Only administrators change the account's labels." });
    }
    Ok(())
}

impl App {
    pub async fn labels(&self, agent: &AgentCtx) -> Result<Vec<Label>> {
        Ok(self.store().labels(agent.account_id).await?)
    }

    pub async fn label(&self, agent: &AgentCtx, id: LabelId) -> Result<Label> {
        Ok(self.store().label(agent.account_id, id).await?)
    }

    /// A new label: a title is required; the colour defaults to Chatwoot's.
    pub async fn create_label(&self, admin: &AgentCtx, patch: LabelPatch) -> Result<Label> {
        admin_only(admin)?;
        let Some(title) = patch.title else {
            return Err(InvalidInput::new("invalid_label_title", "A label needs a title.").into());
        };
        let fields = LabelFields {
            title: title.as_str(),
            description: patch.description.as_deref().unwrap_or_default(),
            color: patch.color.as_ref().map_or(DEFAULT_LABEL_COLOR, |c| c.as_str()),
            show_on_sidebar: patch.show_on_sidebar.unwrap_or(true),
        };
        Ok(self.store().create_label(admin.account_id, &fields, self.now()).await?)
    }

    /// Changes what the patch names; a new title shows on every conversation
    /// that carries the label, live.
    pub async fn update_label(&self, admin: &AgentCtx, id: LabelId, patch: LabelPatch) -> Result<Label> {
        let old = self.store().label(admin.account_id, id).await?;
        admin_only(admin)?;
        let fields = LabelFields {
            title: patch.title.as_ref().map_or(old.title.as_str(), |t| t.as_str()),
            description: patch.description.as_deref().unwrap_or(&old.description),
            color: patch.color.as_ref().map_or(old.color.as_str(), |c| c.as_str()),
            show_on_sidebar: patch.show_on_sidebar.unwrap_or(old.show_on_sidebar),
        };
        let (saved, records) = self.store().update_label(admin.account_id, id, &fields, self.now()).await?;
        self.publish_records(&records).await;
        Ok(saved)
    }

    /// Deletes a label; it leaves every conversation and contact, live.
    pub async fn delete_label(&self, admin: &AgentCtx, id: LabelId) -> Result<()> {
        self.store().label(admin.account_id, id).await?;
        admin_only(admin)?;
        let records = self.store().delete_label(admin.account_id, id, self.now()).await?;
        self.publish_records(&records).await;
        Ok(())
    }

    /// The account's labels named by `raw`; an unknown title is refused, by
    /// name (labels are created on the labels page, not by typing one).
    async fn resolve_labels(&self, account: AccountId, raw: &[String]) -> Result<Vec<Label>> {
        let wanted = titles(raw)?;
        let known = self.store().labels(account).await?;
        wanted
            .iter()
            .map(|t| {
                known.iter().find(|l| l.title == t.as_str()).cloned().ok_or_else(|| {
                    InvalidInput::new("unknown_label", format!("There is no label \"{}\".", t.as_str())).into()
                })
            })
            .collect()
    }

    /// The ids of the labels a list filter names; unknown ones name nothing.
    pub(crate) async fn label_ids(&self, account: AccountId, raw: &[String]) -> Result<Vec<LabelId>> {
        let wanted = titles(raw)?;
        let known = self.store().labels(account).await?;
        Ok(known.into_iter().filter(|l| wanted.iter().any(|t| t.as_str() == l.title)).map(|l| l.id).collect())
    }

    /// Replaces the conversation's labels (Chatwoot's `POST …/labels`), with
    /// a line for what was added and one for what was removed.
    pub async fn set_conversation_labels(
        &self,
        agent: &AgentCtx,
        display_id: DisplayId,
        raw: &[String],
    ) -> Result<Vec<String>> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        let labels = self.resolve_labels(c.account_id, raw).await?;
        let now = self.now();
        let who = agent.user.available_name().to_owned();
        let mut tx = self.store().begin().await?;
        tx.lock_conversation(c.account_id, c.id).await?;
        let before = tx.conversation_label_titles(c.account_id, c.id).await?;
        let after: Vec<String> = labels.iter().map(|l| l.title.clone()).collect();
        let added: Vec<&str> = after.iter().filter(|t| !before.contains(t)).map(String::as_str).collect();
        let removed: Vec<&str> = before.iter().filter(|t| !after.contains(t)).map(String::as_str).collect();
        if added.is_empty() && removed.is_empty() {
            tx.rollback().await?;
            return Ok(after);
        }
        tx.set_conversation_labels(c.account_id, c.id, &labels).await?;
        let mut records = Vec::new();
        for (kind, list) in [(ActivityKind::LabelsAdded, &added), (ActivityKind::LabelsRemoved, &removed)] {
            if !list.is_empty() {
                let line = crate::activity(kind, Some(&who), Some(&list.join(", ")));
                records.push(tx.insert_activity(c.account_id, c.id, &line, now).await?);
            }
        }
        records.push(tx.append_team_event(c.account_id, c.id, EventKind::ConversationUpdated, now).await?);
        tx.commit().await?;
        self.publish_records(&records).await;
        Ok(after)
    }

    pub async fn conversation_labels(&self, agent: &AgentCtx, display_id: DisplayId) -> Result<Vec<String>> {
        Ok(self.conversation(agent, display_id).await?.labels)
    }

    pub async fn contact_labels(&self, agent: &AgentCtx, contact: ContactId) -> Result<Vec<String>> {
        self.contact(agent, contact).await?;
        Ok(self.store().contact_labels(agent.account_id, contact).await?)
    }

    /// Replaces the contact's labels (Chatwoot's `POST contacts/{id}/labels`).
    pub async fn set_contact_labels(
        &self,
        agent: &AgentCtx,
        contact: ContactId,
        raw: &[String],
    ) -> Result<Vec<String>> {
        self.contact(agent, contact).await?;
        let labels = self.resolve_labels(agent.account_id, raw).await?;
        let ids: Vec<LabelId> = labels.iter().map(|l| l.id).collect();
        self.store().set_contact_labels(agent.account_id, contact, &ids).await?;
        Ok(labels.into_iter().map(|l| l.title).collect())
    }
}
