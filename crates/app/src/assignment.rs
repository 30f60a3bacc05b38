//! Fair automatic assignment: a new conversation of an inbox with
//! `enable_auto_assignment` goes to one of its online, available members
//! (its team's, when the conversation has a team that assigns by itself),
//! never past `max_assignment_limit` open ones in the inbox, in turn
//! (round robin: whoever waited longest since their last) or to the least
//! busy (balanced; ties to who waited longest). The pick, the limit check and
//! the assignment are one transaction holding the inbox's row, so two
//! processes never push an agent over the limit. A conversation that found
//! nobody waits, and the waiting ones are assigned oldest first when an agent
//! comes online or drops under the limit (events, not a sweep).

use domain::*;
use store::Candidate;

use crate::{App, Result};

/// The agent to give the next conversation to, if any may take one.
pub fn choose(
    candidates: &[Candidate],
    online: impl Fn(UserId) -> bool,
    limit: Option<i64>,
    order: AssignmentOrder,
) -> Option<UserId> {
    let mut able: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.availability == Availability::Online && online(c.user) && limit.is_none_or(|l| c.open < l))
        .collect();
    // Never assigned counts as waiting longest.
    let waited = |c: &Candidate| c.last_assigned_at.unwrap_or(i64::MIN);
    match order {
        AssignmentOrder::RoundRobin => able.sort_by_key(|c| (waited(c), c.user.0)),
        AssignmentOrder::Balanced => able.sort_by_key(|c| (c.open, waited(c), c.user.0)),
    }
    able.first().map(|c| c.user)
}

impl App {
    /// Gives the conversation to an agent if its inbox assigns automatically
    /// and someone may take it; `false` when it keeps waiting.
    pub(crate) async fn auto_assign(
        &self,
        account: AccountId,
        inbox: InboxId,
        conversation: ConversationId,
    ) -> Result<bool> {
        // Most inboxes assign by hand: their flag is the only read.
        let inbox = self.store().inbox(account, inbox).await?;
        if !inbox.enable_auto_assignment {
            return Ok(false);
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.lock_inbox(account, inbox.id).await?;
        let locked = tx.lock_conversation(account, conversation).await?;
        if locked.assignee.is_some() || locked.agent_bot_id.is_some() || locked.status != ConversationStatus::Open {
            tx.rollback().await?;
            return Ok(false);
        }
        let team = match locked.team_id {
            Some(t) => self.store().team(account, t).await.ok().filter(|t| t.allow_auto_assign).map(|t| t.id),
            None => None,
        };
        let candidates = tx.assignment_candidates(account, inbox.id, team).await?;
        let presence = self.presence();
        let online = |u: UserId| presence.is_online(account, crate::presence::Present::User { id: u.0 });
        let Some(user) = choose(&candidates, online, inbox.max_assignment_limit, inbox.assignment_order) else {
            tx.rollback().await?;
            return Ok(false);
        };
        let name = self.store().user(user).await?.available_name().to_owned();
        tx.set_assignee(&locked, Some(user)).await?;
        tx.mark_auto_assigned(account, user, now).await?;
        let line = crate::activity(ActivityKind::AutoAssigned, None, Some(&name));
        let joined = crate::activity(ActivityKind::Joined, None, Some(&name));
        let records = vec![
            tx.insert_activity(account, conversation, &line, now).await?,
            tx.insert_activity(account, conversation, &joined, now).await?,
            tx.append_conversation_event(account, conversation, EventKind::AssigneeChanged, now).await?,
        ];
        tx.commit().await?;
        self.publish_records(&records).await;
        // Off the caller's path: a visitor starting a chat waits for the
        // assignment, not for the assignee's notification.
        let app = self.clone();
        tokio::spawn(async move {
            app.notify(account, user, crate::notifications::CONVERSATION_ASSIGNMENT, conversation, None, None).await
        });
        Ok(true)
    }

    /// Assigns the inbox's waiting conversations, oldest first, while
    /// someone may take them.
    pub(crate) async fn assign_waiting(&self, account: AccountId, inbox: InboxId) {
        let waiting = match self.store().waiting_conversations(account, inbox, 50).await {
            Ok(w) => w,
            Err(e) => return tracing::warn!(error = %e, "could not read waiting conversations"),
        };
        for conversation in waiting {
            match self.auto_assign(account, inbox, conversation).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => return tracing::warn!(error = %e, "could not assign a waiting conversation"),
            }
        }
    }

    pub(crate) fn spawn_assign_waiting(&self, account: AccountId, inbox: InboxId) {
        let app = self.clone();
        tokio::spawn(async move { app.assign_waiting(account, inbox).await });
    }

    /// An agent came online: their inboxes' waiting conversations.
    pub(crate) async fn agent_arrived(&self, account: AccountId, user: UserId) {
        match self.store().auto_assign_inboxes_of(account, user).await {
            Ok(inboxes) => {
                for inbox in inboxes {
                    self.assign_waiting(account, inbox).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read an agent's inboxes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(user: i64, open: i64, last: Option<i64>) -> Candidate {
        Candidate { user: UserId(user), availability: Availability::Online, open, last_assigned_at: last }
    }

    #[test]
    fn round_robin_goes_to_who_waited_longest_balanced_to_the_least_busy() {
        let all = [c(1, 3, Some(10)), c(2, 1, Some(30)), c(3, 1, None)];
        assert_eq!(choose(&all, |_| true, None, AssignmentOrder::RoundRobin), Some(UserId(3)));
        assert_eq!(choose(&all, |_| true, None, AssignmentOrder::Balanced), Some(UserId(3)));
        let seen = [c(1, 3, Some(10)), c(2, 1, Some(30)), c(3, 1, Some(20))];
        assert_eq!(choose(&seen, |_| true, None, AssignmentOrder::RoundRobin), Some(UserId(1)));
        assert_eq!(
            choose(&seen, |_| true, None, AssignmentOrder::Balanced),
            Some(UserId(3)),
            "tie on 1 open: 3 waited longer"
        );
    }

    #[test]
    fn offline_busy_and_full_agents_are_skipped() {
        let mut busy = c(1, 0, None);
        busy.availability = Availability::Busy;
        let all = [busy, c(2, 2, None), c(3, 0, Some(5))];
        assert_eq!(choose(&all, |u| u != UserId(3), Some(2), AssignmentOrder::RoundRobin), None);
        assert_eq!(choose(&all, |_| true, Some(2), AssignmentOrder::RoundRobin), Some(UserId(3)));
        assert_eq!(choose(&all, |_| true, Some(3), AssignmentOrder::RoundRobin), Some(UserId(2)));
    }
}
