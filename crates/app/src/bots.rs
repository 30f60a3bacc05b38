//! The greeter bot (B3) and taking over from it. An inbox's greeter is its
//! first chatflow version (one `send_message` step): with it on, a visitor's
//! new conversation starts `pending`, the bot's, and a job writes the
//! greeting. A bot's step runs only under the conversation's lock and only
//! while the bot still has it, and taking over releases the bot under the same
//! lock: no bot message can follow a takeover.

use domain::*;
use store::{ClaimedJob, EventRecord, NewJob, Tx};

use crate::auth::AgentCtx;
use crate::{App, AppError, Result};

/// The greeter as the inbox settings page edits it.
#[derive(Debug, Default)]
pub struct GreeterPatch {
    pub enabled: Option<bool>,
    pub name: Option<String>,
    pub greeting: Option<String>,
}

impl App {
    /// The inbox's greeter (its chatflow in force), if one was ever saved.
    pub async fn greeter(&self, agent: &AgentCtx, inbox: InboxId) -> Result<Option<Chatflow>> {
        self.inbox(agent, inbox).await?;
        Ok(self.store().chatflow(agent.account_id, inbox).await?)
    }

    /// Saves the greeter as the next version of the inbox's chatflow.
    pub async fn save_greeter(&self, admin: &AgentCtx, inbox: InboxId, patch: GreeterPatch) -> Result<Chatflow> {
        // One they cannot see does not exist for them (404 before 403).
        self.inbox(admin, inbox).await?;
        if admin.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators change an inbox's settings." });
        }
        let old = self.store().chatflow(admin.account_id, inbox).await?;
        let name = match patch.name {
            Some(n) => PersonName::parse(&n)?.as_str().to_owned(),
            None => old.as_ref().map_or_else(|| "Parlor Bot".to_owned(), |f| f.bot.name.clone()),
        };
        let greeting = match patch.greeting {
            Some(g) => MessageBody::parse(g)?.as_str().to_owned(),
            None => old.as_ref().map(|f| f.greeting().to_owned()).unwrap_or_default(),
        };
        let enabled = patch.enabled.unwrap_or(old.as_ref().is_some_and(|f| f.enabled));
        if enabled && greeting.trim().is_empty() {
            return Err(InvalidInput::new("missing_greeting", "A greeter needs a greeting to send.").into());
        }
        let definition = Definition { steps: vec![Step::SendMessage { content: greeting }] };
        Ok(self.store().save_chatflow(admin.account_id, inbox, &name, enabled, &definition, self.now()).await?)
    }

    /// A new picture for the inbox's bot (a photo's limits), or none.
    pub async fn set_greeter_avatar(
        &self,
        admin: &AgentCtx,
        inbox: InboxId,
        bytes: Option<Vec<u8>>,
    ) -> Result<Chatflow> {
        let flow = match self.store().chatflow(admin.account_id, inbox).await? {
            Some(f) => f,
            None => self.save_greeter(admin, inbox, GreeterPatch::default()).await?,
        };
        if admin.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only administrators change an inbox's settings." });
        }
        let key = match bytes {
            Some(b) => Some(self.store_photo(b).await?),
            None => None,
        };
        let old =
            self.store().set_bot_avatar_key(admin.account_id, flow.bot.id, key.as_ref().map(|k| k.as_str())).await?;
        self.forget_blob(old).await;
        Ok(self.store().chatflow_version(admin.account_id, flow.id).await?)
    }

    /// The flow a visitor's new conversation in `inbox` starts with, if any.
    pub(crate) async fn starting_flow(&self, account: AccountId, inbox: InboxId) -> store::Result<Option<Chatflow>> {
        Ok(self.store().chatflow(account, inbox).await?.filter(|f| f.enabled && !f.greeting().trim().is_empty()))
    }

    /// Enqueues the flow's first step in the transaction that created the
    /// conversation.
    pub(crate) async fn enqueue_first_step(
        &self,
        tx: &mut Tx,
        flow: &Chatflow,
        conversation: ConversationId,
    ) -> store::Result<()> {
        let job = NewJob {
            account_id: flow.account_id,
            kind: JobKind::ChatflowStep,
            conversation_id: Some(conversation),
            payload: serde_json::json!({"flow": flow.id, "step": 0}),
            run_at: self.now(),
            idempotency_key: None,
        };
        tx.enqueue(&job).await?;
        Ok(())
    }

    /// The `chatflow_step` job, in the transaction that claimed it: the step
    /// happens only while the flow's bot still has the conversation.
    pub(crate) async fn chatflow_step(
        &self,
        tx: &mut Tx,
        job: &ClaimedJob,
        now: Millis,
    ) -> store::Result<Vec<EventRecord>> {
        let Some(conversation) = job.conversation_id else { return Ok(Vec::new()) };
        let flow_id = job.payload["flow"].as_i64().unwrap_or_default();
        let step = job.payload["step"].as_u64().unwrap_or_default() as usize;
        let flow = match self.store().chatflow_version(job.account_id, flow_id).await {
            Ok(f) => f,
            Err(store::StoreError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let locked = tx.lock_conversation(job.account_id, conversation).await?;
        // Taken over, opened by hand, or closed meanwhile: the bot is done.
        if locked.agent_bot_id != Some(flow.bot.id) || locked.status != ConversationStatus::Pending {
            return Ok(Vec::new());
        }
        match flow.definition.steps.get(step) {
            Some(Step::SendMessage { content }) => {
                Ok(vec![tx.insert_bot_message(job.account_id, conversation, flow.bot.id, content, now).await?])
            }
            None => Ok(Vec::new()),
        }
    }

    /// Takes the conversation from its bot, in one transaction: open,
    /// assigned to the agent, the bot released, a line for the team ("Ben took
    /// over from the bot") and one for the visitor ("Ben joined the chat").
    /// A conversation no bot has is simply assigned; one whose bot a
    /// teammate released meanwhile is `already_taken_over` (409).
    pub async fn take_over(&self, agent: &AgentCtx, display_id: DisplayId) -> Result<ConversationView> {
        let view = self.conversation(agent, display_id).await?;
        let c = &view.conversation;
        if c.agent_bot_id.is_none() {
            Box::pin(self.assign(agent, display_id, Some(agent.user.id))).await?;
            return self.conversation(agent, display_id).await;
        }
        let records = self.take_over_locked(agent, c.account_id, c.id).await?;
        self.publish_records(&records).await;
        self.conversation(agent, display_id).await
    }

    async fn take_over_locked(
        &self,
        agent: &AgentCtx,
        account: AccountId,
        id: ConversationId,
    ) -> Result<Vec<EventRecord>> {
        let who = agent.user.available_name().to_owned();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let locked = tx.lock_conversation(account, id).await?;
        if locked.agent_bot_id.is_none() {
            // Someone took it over between our read and this lock (on this
            // process or another): theirs stands, this one changes nothing.
            tx.rollback().await?;
            return Err(AppError::Conflict {
                code: "already_taken_over",
                message: "A teammate took this conversation over from the bot already.".into(),
            });
        }
        let mut records = Vec::new();
        tx.release_bot(&locked).await?;
        if locked.status != ConversationStatus::Open {
            tx.set_status(&locked, ConversationStatus::Open, None, now).await?;
        }
        // Counters move with the status set above: the assignee change counts as open.
        let open = store::Locked { status: ConversationStatus::Open, ..locked };
        if locked.assignee != Some(agent.user.id) {
            tx.set_assignee(&open, Some(agent.user.id)).await?;
        }
        let line = crate::activity(ActivityKind::TookOver, Some(&who), None);
        records.push(tx.insert_activity(account, id, &line, now).await?);
        let joined = crate::activity(ActivityKind::Joined, None, Some(&who));
        records.push(tx.insert_activity(account, id, &joined, now).await?);
        records.push(tx.append_conversation_event(account, id, EventKind::StatusChanged, now).await?);
        records.push(tx.append_conversation_event(account, id, EventKind::AssigneeChanged, now).await?);
        tx.commit().await?;
        Ok(records)
    }
}
