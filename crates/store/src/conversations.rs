//! Conversations: creation, the inbox list and its counts, status and assignee.

use domain::*;

use crate::query::q;
use crate::views::{ViewRow, VIEW_SELECT};
use crate::{EventRecord, NewEvent, Result, Store, StoreError, Tx};

/// A conversation's row, locked by [`Tx::lock_conversation`]: what the tab
/// counters are keyed by.
#[derive(Debug, Clone, Copy)]
pub struct Locked {
    pub account_id: AccountId,
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub assignee: Option<UserId>,
    pub inbox_id: InboxId,
    pub snoozed_until: Option<Millis>,
    pub team_id: Option<TeamId>,
    pub agent_bot_id: Option<AgentBotId>,
}

impl Tx {
    /// Creates a conversation (the account's next display id) and its
    /// `conversation.created` event. A visitor with an unresolved conversation
    /// in an inbox with `lock_to_single_conversation` already is
    /// `Conflict(OpenConversation)`.
    pub async fn create_conversation(
        &mut self,
        n: &NewConversation,
        now: Millis,
    ) -> Result<(ConversationId, EventRecord)> {
        let attrs = serde_json::to_string(&n.additional_attributes).map_err(|e| StoreError::Other(e.to_string()))?;
        let status = if n.bot.is_some() { ConversationStatus::Pending } else { ConversationStatus::Open };
        // The counter row before the account's row: an assignment locks them
        // in that order too (counters, then the account's event seq), so the
        // two cannot deadlock on PostgreSQL.
        self.bump_count(n.account_id, n.inbox_id, status, None, 1).await?;
        let (display_id,): (i64,) = self
            .fetch_one(
                q("UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = $1 RETURNING last_display_id")
                    .bind(n.account_id.0),
            )
            .await?;
        let (id,): (i64,) = self
            .fetch_one(
                q("INSERT INTO conversations (account_id, display_id, inbox_id, contact_id, contact_inbox_id, \
                   status, last_seq, last_activity_at, additional_attributes, created_at, single_open, agent_bot_id) \
                   VALUES ($1, $2, $3, $4, $5, $8, 1, $6, $7, $6, \
                   (SELECT lock_to_single_conversation FROM inboxes WHERE id = $3), $9) RETURNING id")
                .bind(n.account_id.0)
                .bind(display_id)
                .bind(n.inbox_id.0)
                .bind(n.contact_id.0)
                .bind(n.contact_inbox_id)
                .bind(now)
                .bind(attrs)
                .bind(status.as_str())
                .bind(n.bot.map(|b| b.0)),
            )
            .await?;
        let id = ConversationId(id);
        let event = NewEvent {
            account_id: n.account_id,
            inbox_id: n.inbox_id,
            conversation_id: id,
            conversation_seq: 1,
            kind: EventKind::ConversationCreated,
            private: false,
            message_id: None,
        };
        Ok((id, self.append_event(event, now).await?))
    }

    /// Locks the conversation row and reads what the counters are keyed by.
    /// The no-op UPDATE takes the row lock first, so on PostgreSQL a
    /// concurrent change is waited for, never read stale.
    pub async fn lock_conversation(&mut self, account_id: AccountId, id: ConversationId) -> Result<Locked> {
        type Row = (String, Option<i64>, i64, Option<i64>, Option<i64>, Option<i64>);
        let row: Option<Row> = self
            .fetch_optional(
                q("UPDATE conversations SET last_seq = last_seq WHERE account_id = $1 AND id = $2 \
                   RETURNING status, assignee_id, inbox_id, snoozed_until, team_id, agent_bot_id")
                .bind(account_id.0)
                .bind(id.0),
            )
            .await?;
        let (status, assignee, inbox, snoozed_until, team_id, agent_bot_id) = row.ok_or(StoreError::NotFound)?;
        Ok(Locked {
            account_id,
            id,
            // The column only ever holds values written from ConversationStatus.
            status: ConversationStatus::parse(&status).unwrap_or(ConversationStatus::Open),
            assignee: assignee.map(UserId),
            inbox_id: InboxId(inbox),
            snoozed_until,
            team_id: team_id.map(TeamId),
            agent_bot_id: agent_bot_id.map(AgentBotId),
        })
    }

    /// Moves a locked conversation to `status` (snoozed until `until`, or
    /// not): the row and the tab counters. The caller writes the activity line
    /// and the event, and enqueues whatever should follow.
    pub async fn set_status(
        &mut self,
        c: &Locked,
        status: ConversationStatus,
        until: Option<Millis>,
        now: Millis,
    ) -> Result<()> {
        self.execute(
            // Opened again, it follows the inbox's flag as it is now (migration 0009).
            q("UPDATE conversations SET status = $3, last_activity_at = $4, snoozed_until = $5, \
               single_open = CASE WHEN $3 = 'resolved' THEN single_open \
               ELSE (SELECT lock_to_single_conversation FROM inboxes WHERE id = conversations.inbox_id) END \
               WHERE account_id = $1 AND id = $2")
            .bind(c.account_id.0)
            .bind(c.id.0)
            .bind(status.as_str())
            .bind(now)
            .bind(until),
        )
        .await?;
        if c.status != status {
            // Counter rows locked in one order (by status name) for every
            // change: a resolve and a reopen at once cannot deadlock.
            let mut bumps = [(c.status.as_str(), c.status, -1), (status.as_str(), status, 1)];
            bumps.sort_by_key(|b| b.0);
            for (_, counted, delta) in bumps {
                self.bump_count(c.account_id, c.inbox_id, counted, c.assignee, delta).await?;
            }
        }
        Ok(())
    }

    /// Assigns a locked conversation (or with `None` unassigns): the row and
    /// the tab counters.
    pub async fn set_assignee(&mut self, c: &Locked, assignee: Option<UserId>) -> Result<()> {
        self.execute(
            q("UPDATE conversations SET assignee_id = $3 WHERE account_id = $1 AND id = $2")
                .bind(c.account_id.0)
                .bind(c.id.0)
                .bind(assignee.map(|u| u.0)),
        )
        .await?;
        // One lock order for every change, as in `set_status`.
        let mut bumps = [(c.assignee.map_or(0, |u| u.0), c.assignee, -1), (assignee.map_or(0, |u| u.0), assignee, 1)];
        bumps.sort_by_key(|b| b.0);
        for (_, counted, delta) in bumps {
            self.bump_count(c.account_id, c.inbox_id, c.status, counted, delta).await?;
        }
        Ok(())
    }

    /// The bot lets go of the conversation (an agent took over, or it was
    /// opened by hand): no bot step runs in it any more.
    pub async fn release_bot(&mut self, c: &Locked) -> Result<()> {
        self.execute(
            q("UPDATE conversations SET agent_bot_id = NULL WHERE account_id = $1 AND id = $2")
                .bind(c.account_id.0)
                .bind(c.id.0),
        )
        .await?;
        Ok(())
    }

    /// Gives the conversation to a team, or to none.
    pub async fn set_team(&mut self, c: &Locked, team: Option<TeamId>) -> Result<()> {
        self.execute(
            q("UPDATE conversations SET team_id = $3 WHERE account_id = $1 AND id = $2")
                .bind(c.account_id.0)
                .bind(c.id.0)
                .bind(team.map(|t| t.0)),
        )
        .await?;
        Ok(())
    }

    /// Adds `delta` to one counter row (creating it). No assignee counts as 0.
    async fn bump_count(
        &mut self,
        account_id: AccountId,
        inbox_id: InboxId,
        status: ConversationStatus,
        assignee: Option<UserId>,
        delta: i64,
    ) -> Result<()> {
        self.execute(
            q("INSERT INTO conversation_counts (account_id, inbox_id, status, assignee_id, count) \
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, inbox_id, status, assignee_id) \
               DO UPDATE SET count = conversation_counts.count + $5")
            .bind(account_id.0)
            .bind(inbox_id.0)
            .bind(status.as_str())
            .bind(assignee.map_or(0, |u| u.0))
            .bind(delta),
        )
        .await?;
        Ok(())
    }
}

pub struct NewConversation {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub contact_inbox_id: i64,
    pub additional_attributes: serde_json::Map<String, serde_json::Value>,
    /// The bot that takes it first: it starts `pending`, the bot's.
    pub bot: Option<AgentBotId>,
}

/// What the agent's list shows. `inboxes` is the set the agent may see (`None`
/// for administrators, who see all of the account's inboxes).
pub struct ConversationFilter<'a> {
    pub account_id: AccountId,
    pub me: UserId,
    pub status: Option<ConversationStatus>,
    pub assignee: AssigneeFilter,
    pub inbox_id: Option<InboxId>,
    pub visible_inboxes: Option<&'a [InboxId]>,
    /// Only the conversations given to this team.
    pub team_id: Option<TeamId>,
    /// Only those carrying any of these labels (Chatwoot's `labels[]`).
    pub labels: &'a [LabelId],
    pub sort: ConversationSort,
    pub page: i64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ConversationCounts {
    pub mine: i64,
    pub unassigned: i64,
    pub assigned: i64,
    pub all: i64,
}

pub const PAGE_SIZE: i64 = 25;

/// The `WHERE` clause shared by the list and its counts, and its bind values.
/// Inbox visibility is bound as a comma-separated id list matched with LIKE-free
/// integer comparisons: at most a few dozen inboxes per agent.
fn list_filter(f: &ConversationFilter<'_>) -> String {
    let mut sql = String::from("c.account_id = $1");
    if f.status.is_some() {
        sql.push_str(" AND c.status = $2");
    }
    if let Some(inbox) = f.inbox_id {
        sql.push_str(&format!(" AND c.inbox_id = {}", inbox.0));
    }
    if let Some(ids) = f.visible_inboxes {
        sql.push_str(&format!(" AND {}", crate::query::in_inboxes("c.inbox_id", ids)));
    }
    sql
}

/// The list's `ORDER BY` (columns of `conversations c`); conversations
/// nobody waits in come after those who wait, newest activity first.
fn order_by(sort: ConversationSort) -> &'static str {
    match sort {
        ConversationSort::LastActivity => "c.last_activity_at DESC, c.id DESC",
        ConversationSort::LastActivityAsc => "c.last_activity_at ASC, c.id ASC",
        ConversationSort::Newest => "c.created_at DESC, c.id DESC",
        ConversationSort::Oldest => "c.created_at ASC, c.id ASC",
        ConversationSort::WaitingLongest => {
            "CASE WHEN c.waiting_since IS NULL THEN 1 ELSE 0 END, c.waiting_since ASC, c.last_activity_at DESC, c.id DESC"
        }
        ConversationSort::WaitingShortest => {
            "CASE WHEN c.waiting_since IS NULL THEN 1 ELSE 0 END, c.waiting_since DESC, c.last_activity_at DESC, c.id DESC"
        }
    }
}

/// The list's narrower filters (a team, labels), which the kept counters do
/// not know: with one of them the counts scan the rows.
fn row_filter(f: &ConversationFilter<'_>) -> String {
    let mut sql = String::new();
    if let Some(team) = f.team_id {
        sql.push_str(&format!(" AND c.team_id = {}", team.0));
    }
    if !f.labels.is_empty() {
        let ids = f.labels.iter().map(|l| l.0.to_string()).collect::<Vec<_>>().join(",");
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM conversation_labels cl WHERE cl.conversation_id = c.id AND cl.label_id IN ({ids}))"
        ));
    }
    sql
}

impl Store {
    /// The visitor's unresolved conversation in this inbox session, if any.
    pub async fn active_conversation(
        &self,
        account_id: AccountId,
        contact_inbox_id: i64,
    ) -> Result<Option<ConversationView>> {
        let sql = format!(
            "{VIEW_SELECT} WHERE c.account_id = $1 AND c.contact_inbox_id = $2 AND c.status <> 'resolved' \
             ORDER BY c.id DESC LIMIT 1"
        );
        let row: Option<ViewRow> = self.read_optional(q(&sql).bind(account_id.0).bind(contact_inbox_id)).await?;
        Ok(row.map(Into::into))
    }

    pub async fn conversation_view(&self, account_id: AccountId, id: ConversationId) -> Result<ConversationView> {
        self.view_by(account_id, "id", id.0).await
    }

    pub async fn conversation_by_display_id(
        &self,
        account_id: AccountId,
        display_id: DisplayId,
    ) -> Result<ConversationView> {
        self.view_by(account_id, "display_id", display_id.0).await
    }

    /// One conversation of the account by an integer column (a constant name).
    async fn view_by(&self, account_id: AccountId, column: &'static str, value: i64) -> Result<ConversationView> {
        let sql = format!("{VIEW_SELECT} WHERE c.account_id = $1 AND c.{column} = $2");
        let row: ViewRow = self.point_one(q(&sql).bind(account_id.0).bind(value)).await?;
        Ok(row.into())
    }

    /// A visitor's conversations in one inbox session, newest first.
    pub async fn visitor_conversations(
        &self,
        account_id: AccountId,
        contact_inbox_id: i64,
    ) -> Result<Vec<ConversationView>> {
        let sql =
            format!("{VIEW_SELECT} WHERE c.account_id = $1 AND c.contact_inbox_id = $2 ORDER BY c.id DESC LIMIT 50");
        let rows: Vec<ViewRow> = self.read_all(q(&sql).bind(account_id.0).bind(contact_inbox_id)).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// All conversations of a contact (for the contact's conversation cursors).
    pub async fn contact_conversation_seqs(
        &self,
        account_id: AccountId,
        contact: ContactId,
    ) -> Result<Vec<(ConversationId, DisplayId, i64)>> {
        let sql = "SELECT id, display_id, last_seq FROM conversations WHERE account_id = $1 AND contact_id = $2";
        let rows: Vec<(i64, i64, i64)> = self.point_all(q(sql).bind(account_id.0).bind(contact.0)).await?;
        Ok(rows.into_iter().map(|(a, b, c)| (ConversationId(a), DisplayId(b), c)).collect())
    }

    /// One page of the agent's list, newest activity first.
    pub async fn list_conversations(&self, f: &ConversationFilter<'_>) -> Result<Vec<ConversationView>> {
        let mut filter = list_filter(f);
        filter.push_str(&row_filter(f));
        match f.assignee {
            AssigneeFilter::Me => filter.push_str(" AND c.assignee_id = $3"),
            AssigneeFilter::Unassigned => filter.push_str(" AND c.assignee_id IS NULL AND $3 = $3"),
            AssigneeFilter::Assigned => filter.push_str(" AND c.assignee_id IS NOT NULL AND $3 = $3"),
            AssigneeFilter::All => filter.push_str(" AND $3 = $3"),
        }
        let status = f.status.map(|s| s.as_str()).unwrap_or("");
        let offset = (f.page.max(1) - 1) * PAGE_SIZE;
        let sql =
            format!("{VIEW_SELECT} WHERE {filter} ORDER BY {} LIMIT {PAGE_SIZE} OFFSET {offset}", order_by(f.sort));
        let rows: Vec<ViewRow> = self.read_all(q(&sql).bind(f.account_id.0).bind(status).bind(f.me.0)).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The tab counts for the same status/inbox filter, in one pass.
    pub async fn count_conversations(&self, f: &ConversationFilter<'_>) -> Result<ConversationCounts> {
        let filter = list_filter(f);
        let status = f.status.map(|s| s.as_str()).unwrap_or("");
        let narrower = row_filter(f);
        if !narrower.is_empty() {
            // The counters have no team or label: such a view counts its rows
            // (an account's conversations of one status, by the list's index).
            let sql = format!(
                "SELECT CAST(COALESCE(SUM(CASE WHEN c.assignee_id = $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN c.assignee_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                 CAST(COUNT(*) AS BIGINT) FROM conversations c WHERE {filter}{narrower}"
            );
            let (mine, unassigned, assigned, all): (i64, i64, i64, i64) =
                self.read_one(q(&sql).bind(f.account_id.0).bind(status).bind(f.me.0)).await?;
            return Ok(ConversationCounts { mine, unassigned, assigned, all });
        }
        // Kept counters (a few rows per inbox), not a scan of the conversations.
        // `$3` comes first and `$2` only with a status: values bind by name.
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN c.assignee_id = $3 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.assignee_id = 0 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.assignee_id <> 0 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(c.count), 0) AS BIGINT) FROM conversation_counts c WHERE {filter}"
        );
        let (mine, unassigned, assigned, all): (i64, i64, i64, i64) =
            self.point_one(q(&sql).bind(f.account_id.0).bind(status).bind(f.me.0)).await?;
        Ok(ConversationCounts { mine, unassigned, assigned, all })
    }

    /// The agent has read the conversation: unread count back to zero.
    pub async fn mark_seen_by_agent(&self, account_id: AccountId, id: ConversationId, now: Millis) -> Result<()> {
        self.write(
            q("UPDATE conversations SET unread_count = 0, agent_last_seen_at = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id.0)
                .bind(id.0)
                .bind(now),
        )
        .await?;
        Ok(())
    }

    pub async fn mark_seen_by_contact(&self, account_id: AccountId, id: ConversationId, now: Millis) -> Result<()> {
        self.write(
            q("UPDATE conversations SET contact_last_seen_at = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id.0)
                .bind(id.0)
                .bind(now),
        )
        .await?;
        Ok(())
    }
}
