//! What automatic assignment reads and writes inside its transaction: the
//! inbox's row as a lock (two processes assigning in one inbox take turns,
//! so the limit check and the assignment are one step), the candidates with
//! their open conversations in the inbox, and the queue of unassigned ones.

use domain::*;

use crate::query::q;
use crate::{Result, Tx};

/// An agent who may be given a conversation of the inbox.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub user: UserId,
    pub availability: Availability,
    /// Open conversations of the inbox assigned to them now.
    pub open: i64,
    /// When they were last given one automatically (`None`: never).
    pub last_assigned_at: Option<Millis>,
}

impl Tx {
    /// Locks the inbox's row for the rest of the transaction.
    pub async fn lock_inbox(&mut self, account_id: AccountId, inbox: InboxId) -> Result<()> {
        self.execute(
            q("UPDATE inboxes SET id = id WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(inbox.0),
        )
        .await?;
        Ok(())
    }

    /// The inbox's members (with `team`, only that team's) and their load.
    pub async fn assignment_candidates(
        &mut self,
        account_id: AccountId,
        inbox: InboxId,
        team: Option<TeamId>,
    ) -> Result<Vec<Candidate>> {
        let team_filter = match team {
            Some(t) => format!(" AND im.user_id IN (SELECT user_id FROM team_members WHERE team_id = {})", t.0),
            None => String::new(),
        };
        let sql = format!(
            "SELECT im.user_id, au.availability, \
             (SELECT CAST(COALESCE(SUM(cc.count), 0) AS BIGINT) FROM conversation_counts cc \
              WHERE cc.account_id = $1 AND cc.inbox_id = $2 AND cc.status = 'open' AND cc.assignee_id = im.user_id), \
             au.last_assigned_at \
             FROM inbox_members im JOIN account_users au ON au.account_id = im.account_id AND au.user_id = im.user_id \
             WHERE im.account_id = $1 AND im.inbox_id = $2{team_filter} ORDER BY im.user_id"
        );
        let rows: Vec<(i64, String, i64, Option<i64>)> =
            self.fetch_all(q(&sql).bind(account_id.0).bind(inbox.0)).await?;
        Ok(rows
            .into_iter()
            .map(|(user, availability, open, last_assigned_at)| Candidate {
                user: UserId(user),
                availability: Availability::parse(&availability).unwrap_or(Availability::Online),
                open,
                last_assigned_at,
            })
            .collect())
    }

    pub async fn mark_auto_assigned(&mut self, account_id: AccountId, user: UserId, now: Millis) -> Result<()> {
        self.execute(
            q("UPDATE account_users SET last_assigned_at = $3 WHERE account_id = $1 AND user_id = $2")
                .bind(account_id.0)
                .bind(user.0)
                .bind(now),
        )
        .await?;
        Ok(())
    }
}

impl crate::Store {
    /// The inbox's open, unassigned conversations no bot has, oldest first.
    pub async fn waiting_conversations(
        &self,
        account_id: AccountId,
        inbox: InboxId,
        limit: i64,
    ) -> Result<Vec<ConversationId>> {
        let rows: Vec<(i64,)> = self
            .read_all(
                q("SELECT id FROM conversations WHERE account_id = $1 AND inbox_id = $2 AND status = 'open' \
                   AND assignee_id IS NULL AND agent_bot_id IS NULL ORDER BY created_at, id LIMIT $3")
                .bind(account_id.0)
                .bind(inbox.0)
                .bind(limit),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| ConversationId(id)).collect())
    }

    /// The inboxes with automatic assignment a user is a member of.
    pub async fn auto_assign_inboxes_of(&self, account_id: AccountId, user: UserId) -> Result<Vec<InboxId>> {
        let rows: Vec<(i64,)> = self
            .read_all(
                q("SELECT i.id FROM inboxes i JOIN inbox_members im ON im.inbox_id = i.id \
                   WHERE i.account_id = $1 AND im.user_id = $2 AND i.enable_auto_assignment ORDER BY i.id")
                .bind(account_id.0)
                .bind(user.0),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| InboxId(id)).collect())
    }
}
