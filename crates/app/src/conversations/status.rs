//! A conversation's status (open, pending, snoozed, resolved) and assignee,
//! and the job that ends a snooze.

use domain::*;
use store::{ClaimedJob, EventRecord, NewJob, Tx};

use crate::auth::AgentCtx;
use crate::{Actor, App, AppError, Result};

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

impl App {
    /// Changes the status (`None`: open ↔ resolved, as Chatwoot's toggle without
    /// a status). An agent may set any; a visitor may only resolve
    /// (end the chat from the widget). `snoozed_until` (with `Snoozed` only, in
    /// the future, within a year) makes a job open the conversation again then;
    /// without it a snooze lasts until the visitor writes.
    pub async fn set_status<'a>(
        &self,
        actor: impl Into<Actor<'a>>,
        display_id: DisplayId,
        status: Option<ConversationStatus>,
        snoozed_until: Option<Millis>,
    ) -> Result<ConversationView> {
        let actor = actor.into();
        let view = self.conversation(actor, display_id).await?;
        let c = &view.conversation;
        let status = status.unwrap_or(match c.status {
            ConversationStatus::Resolved => ConversationStatus::Open,
            _ => ConversationStatus::Resolved,
        });
        if let Some(until) = snoozed_until {
            check_snooze(status, until, self.now())?;
        }
        let activity = match actor {
            Actor::Visitor(_) if status == ConversationStatus::Resolved => {
                crate::activity(ActivityKind::ResolvedByVisitor, None, None)
            }
            Actor::Visitor(_) => return Err(AppError::Forbidden { message: "A visitor can only end the chat." }),
            Actor::Agent(agent) => {
                let who = agent.user.available_name();
                let kind = match status {
                    ConversationStatus::Resolved => ActivityKind::Resolved,
                    ConversationStatus::Open => ActivityKind::Reopened,
                    ConversationStatus::Pending => ActivityKind::Pending,
                    ConversationStatus::Snoozed => ActivityKind::Snoozed,
                };
                crate::activity(kind, Some(who), None)
            }
        };
        match self.change_status(c.account_id, c.id, status, snoozed_until, &activity).await {
            Ok(records) => {
                self.publish_records(&records).await;
                // Its agent has one open conversation fewer: the queue may move.
                if c.assignee_id.is_some() && status != ConversationStatus::Open {
                    self.spawn_assign_waiting(c.account_id, c.inbox_id);
                }
            }
            Err(store::StoreError::Conflict(store::Conflict::OpenConversation)) => {
                return Err(AppError::Conflict {
                    code: "conversation_already_open",
                    message: "The contact has another open conversation in this inbox; close that one first.".into(),
                })
            }
            Err(e) => return Err(e.into()),
        }
        self.conversation(actor, display_id).await
    }

    /// Moves a conversation to `status` with its activity line and event, in
    /// one transaction; a snooze with an end enqueues the job that ends it.
    /// Nothing (no records) when it is in that state already.
    async fn change_status(
        &self,
        account_id: AccountId,
        id: ConversationId,
        status: ConversationStatus,
        snoozed_until: Option<Millis>,
        activity: &store::Activity,
    ) -> store::Result<Vec<EventRecord>> {
        let now = self.now();
        let until = snoozed_until.filter(|_| status == ConversationStatus::Snoozed);
        let mut tx = self.store().begin().await?;
        let locked = tx.lock_conversation(account_id, id).await?;
        if locked.status == status && locked.snoozed_until == until {
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        let records = status_changed(&mut tx, &locked, status, until, activity, now).await?;
        tx.commit().await?;
        Ok(records)
    }

    /// A visitor wrote into a resolved or snoozed conversation: it opens again,
    /// as in Chatwoot.
    pub(crate) async fn reopen_for_visitor(&self, account_id: AccountId, conversation: ConversationId) {
        let activity = crate::activity(ActivityKind::ReopenedByVisitor, None, None);
        match self.change_status(account_id, conversation, ConversationStatus::Open, None, &activity).await {
            Ok(records) => self.publish_records(&records).await,
            // Another conversation of this visitor is open already: keep this one closed.
            Err(store::StoreError::Conflict(store::Conflict::OpenConversation)) => {}
            Err(e) => tracing::warn!(error = %e, "could not reopen conversation"),
        }
    }

    /// The `reopen_snoozed` job, in the transaction that claimed it: opens the
    /// conversation if it is still snoozed until a time that has come.
    pub(crate) async fn end_snooze(
        &self,
        tx: &mut Tx,
        job: &ClaimedJob,
        now: Millis,
    ) -> store::Result<Vec<EventRecord>> {
        let Some(id) = job.conversation_id else { return Ok(Vec::new()) };
        let locked = tx.lock_conversation(job.account_id, id).await?;
        // Re-snoozed to a later time, opened by hand or by the visitor
        // meanwhile: this job has nothing left to do.
        let due = locked.status == ConversationStatus::Snoozed && locked.snoozed_until.is_some_and(|u| u <= now);
        if !due {
            return Ok(Vec::new());
        }
        let activity = crate::activity(ActivityKind::SnoozeEnded, None, None);
        status_changed(tx, &locked, ConversationStatus::Open, None, &activity, now).await
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
        // Assigning an agent to the bot's conversation takes it from the bot (B3).
        if c.agent_bot_id.is_some() && assignee == Some(agent.user.id) {
            let v = self.take_over(agent, display_id).await?;
            return Ok(v.assignee);
        }
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
                    crate::activity(ActivityKind::SelfAssigned, Some(&who), None)
                } else {
                    crate::activity(ActivityKind::Assigned, Some(&who), Some(name))
                };
                (Some(target.user), activity)
            }
            None => (None, crate::activity(ActivityKind::Unassigned, Some(&who), None)),
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let locked = tx.lock_conversation(c.account_id, c.id).await?;
        if locked.assignee == assignee {
            tx.rollback().await?;
            return Ok(target);
        }
        tx.set_assignee(&locked, assignee).await?;
        let mut records = vec![tx.insert_activity(c.account_id, c.id, &activity, now).await?];
        // The visitor reads who joined, never the assignment itself.
        if let Some(person) = &target {
            let joined = crate::activity(ActivityKind::Joined, None, Some(person.available_name()));
            records.push(tx.insert_activity(c.account_id, c.id, &joined, now).await?);
        }
        records.push(tx.append_conversation_event(c.account_id, c.id, EventKind::AssigneeChanged, now).await?);
        tx.commit().await?;
        self.publish_records(&records).await;
        if locked.assignee.is_some() {
            self.spawn_assign_waiting(c.account_id, c.inbox_id);
        }
        if let Some(user) = assignee {
            let actor = Some(("user", agent.user.id.0));
            self.notify(c.account_id, user, crate::notifications::CONVERSATION_ASSIGNMENT, c.id, actor, None).await;
        }
        Ok(target)
    }
}

/// The status change of a locked conversation: the row and counters, the job
/// that ends a snooze with an end, the activity line and the event.
async fn status_changed(
    tx: &mut Tx,
    locked: &store::Locked,
    status: ConversationStatus,
    until: Option<Millis>,
    activity: &store::Activity,
    now: Millis,
) -> store::Result<Vec<EventRecord>> {
    tx.set_status(locked, status, until, now).await?;
    // Opened (or closed) by hand: the bot's part is over.
    if locked.agent_bot_id.is_some() && status != ConversationStatus::Pending {
        tx.release_bot(locked).await?;
    }
    if let Some(at) = until {
        let job = NewJob {
            account_id: locked.account_id,
            kind: JobKind::ReopenSnoozed,
            conversation_id: Some(locked.id),
            payload: serde_json::Value::Null,
            run_at: at,
            idempotency_key: None,
        };
        tx.enqueue(&job).await?;
    }
    let a = tx.insert_activity(locked.account_id, locked.id, activity, now).await?;
    let b = tx.append_conversation_event(locked.account_id, locked.id, EventKind::StatusChanged, now).await?;
    Ok(vec![a, b])
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
