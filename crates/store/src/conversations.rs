//! Conversations: creation, the inbox list and its counts, status and assignee.

use domain::*;

use crate::events::append_event;
use crate::rows::*;
use crate::{now_millis, point_read, read, write_tx, EventRecord, Result, Store, StoreError};

/// Takes the conversation's next `conversation_seq` and appends an event for it.
macro_rules! append_event_for {
    ($tx:ident, $account:expr, $conversation:expr, $kind:expr, $now:expr) => {{
        let (cseq, inbox) = crate::messages::next_conversation_seq!($tx, $account, $conversation);
        append_event!($tx, $account, InboxId(inbox), $conversation, cseq, $kind, false, None, $now)
    }};
}

/// Locks the conversation row and reads what the counters are keyed by:
/// `(status, assignee or 0, inbox, snoozed_until)`. The no-op UPDATE takes the
/// row lock first, so on PostgreSQL a concurrent change is waited for, never
/// read stale.
macro_rules! lock_for_counts {
    ($tx:ident, $account:expr, $conversation:expr) => {{
        let row: Option<(String, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
            "UPDATE conversations SET last_seq = last_seq WHERE account_id = $1 AND id = $2 \
             RETURNING status, assignee_id, inbox_id, snoozed_until",
        )
        .bind($account.0)
        .bind($conversation.0)
        .fetch_optional(&mut *$tx)
        .await?;
        let (status, assignee, inbox, until) = row.ok_or(StoreError::NotFound)?;
        (status, assignee.unwrap_or(0), inbox, until)
    }};
}
pub(crate) use lock_for_counts;

/// Moves a conversation locked by [`lock_for_counts`] from status `$old` to
/// `$status` (snoozed until `$until`, or not): the row, the tab counters, the
/// activity line and the event. A snooze with an end enqueues the job that
/// ends it, in the same transaction. Evaluates to the two event records.
macro_rules! change_status {
    ($tx:ident, $account:expr, $id:expr, $old:expr, $assignee:expr, $inbox:expr,
     $status:expr, $until:expr, $activity:expr, $now:expr) => {{
        let status: ConversationStatus = $status;
        let until: Option<i64> = $until;
        sqlx::query(
            "UPDATE conversations SET status = $3, last_activity_at = $4, snoozed_until = $5 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind($account.0)
        .bind($id.0)
        .bind(status.as_str())
        .bind($now)
        .bind(until)
        .execute(&mut *$tx)
        .await?;
        if $old != status.as_str() {
            // Counter rows locked in one order (by status name) for every
            // change: a resolve and a reopen at once cannot deadlock.
            let mut bumps = [($old.as_str(), -1), (status.as_str(), 1)];
            bumps.sort();
            for (counted, delta) in bumps {
                crate::conversations::bump_count!($tx, $account, $inbox, counted, $assignee, delta);
            }
        }
        if let Some(at) = until {
            crate::jobs::enqueue!($tx, $account, crate::jobs::REOPEN_SNOOZED, Some($id), at);
        }
        let a = crate::messages::insert_activity!($tx, $account, $id, $activity, $now);
        let b = crate::conversations::append_event_for!($tx, $account, $id, EventKind::StatusChanged, $now);
        vec![a, b]
    }};
}
pub(crate) use change_status;

/// Adds `delta` to one counter row (creating it), inside an open transaction.
macro_rules! bump_count {
    ($tx:ident, $account:expr, $inbox:expr, $status:expr, $assignee:expr, $delta:expr) => {{
        sqlx::query(
            "INSERT INTO conversation_counts (account_id, inbox_id, status, assignee_id, count) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (account_id, inbox_id, status, assignee_id) DO UPDATE SET count = conversation_counts.count + $5",
        )
        .bind($account.0)
        .bind($inbox)
        .bind($status)
        .bind($assignee)
        .bind($delta as i64)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use {append_event_for, bump_count};

pub struct NewConversation {
    pub account_id: AccountId,
    pub inbox_id: InboxId,
    pub contact_id: ContactId,
    pub contact_inbox_id: i64,
    pub additional_attributes: serde_json::Map<String, serde_json::Value>,
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

/// One conversation with its contact, assignee and last message, in one row.
#[derive(sqlx::FromRow)]
struct ViewRow {
    #[sqlx(flatten)]
    conversation: ConversationRow,
    channel_type: String,
    ct_name: String,
    ct_email: Option<String>,
    ct_phone_number: Option<String>,
    ct_identifier: Option<String>,
    ct_additional_attributes: String,
    ct_created_at: i64,
    ct_last_activity_at: i64,
    au_name: Option<String>,
    au_display_name: Option<String>,
    au_email: Option<String>,
    lm_id: Option<i64>,
    lm_seq: Option<i64>,
    lm_content: Option<String>,
    lm_message_type: Option<i64>,
    lm_private: Option<bool>,
    lm_sender_type: Option<String>,
    lm_sender_id: Option<i64>,
    lm_echo_id: Option<String>,
    lm_created_at: Option<i64>,
}

const VIEW_SELECT: &str = "SELECT c.id, c.account_id, c.display_id, c.inbox_id, \
    c.contact_id, c.status, c.assignee_id, c.last_seq, c.unread_count, c.last_activity_at, \
    c.agent_last_seen_at, c.contact_last_seen_at, c.additional_attributes, c.created_at, \
    i.channel_type, \
    ct.name AS ct_name, ct.email AS ct_email, ct.phone_number AS ct_phone_number, ct.identifier AS ct_identifier, \
    ct.additional_attributes AS ct_additional_attributes, ct.created_at AS ct_created_at, \
    ct.last_activity_at AS ct_last_activity_at, \
    au.name AS au_name, au.display_name AS au_display_name, au.email AS au_email, \
    lm.id AS lm_id, lm.seq AS lm_seq, lm.content AS lm_content, lm.message_type AS lm_message_type, \
    lm.private AS lm_private, lm.sender_type AS lm_sender_type, lm.sender_id AS lm_sender_id, \
    lm.echo_id AS lm_echo_id, lm.created_at AS lm_created_at, c.snoozed_until \
    FROM conversations c \
    JOIN inboxes i ON i.id = c.inbox_id \
    JOIN contacts ct ON ct.id = c.contact_id \
    LEFT JOIN users au ON au.id = c.assignee_id \
    LEFT JOIN messages lm ON lm.id = c.last_message_id";

impl ViewRow {
    /// The columns of [`VIEW_SELECT`], in order, from a rusqlite row.
    fn from_sqlite(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        Ok(ViewRow {
            conversation: ConversationRow::from_sqlite(r)?,
            channel_type: r.get(14)?,
            ct_name: r.get(15)?,
            ct_email: r.get(16)?,
            ct_phone_number: r.get(17)?,
            ct_identifier: r.get(18)?,
            ct_additional_attributes: r.get(19)?,
            ct_created_at: r.get(20)?,
            ct_last_activity_at: r.get(21)?,
            au_name: r.get(22)?,
            au_display_name: r.get(23)?,
            au_email: r.get(24)?,
            lm_id: r.get(25)?,
            lm_seq: r.get(26)?,
            lm_content: r.get(27)?,
            lm_message_type: r.get(28)?,
            lm_private: r.get(29)?,
            lm_sender_type: r.get(30)?,
            lm_sender_id: r.get(31)?,
            lm_echo_id: r.get(32)?,
            lm_created_at: r.get(33)?,
        })
    }
}

impl From<ViewRow> for ConversationView {
    fn from(r: ViewRow) -> Self {
        let conversation = Conversation::from(r.conversation);
        let contact = Contact {
            id: conversation.contact_id,
            account_id: conversation.account_id,
            name: r.ct_name,
            email: r.ct_email,
            phone_number: r.ct_phone_number,
            identifier: r.ct_identifier,
            additional_attributes: crate::json_map(&r.ct_additional_attributes),
            created_at: r.ct_created_at,
            last_activity_at: r.ct_last_activity_at,
        };
        let assignee = match (conversation.assignee_id, r.au_name, r.au_email) {
            (Some(id), Some(name), Some(email)) => {
                Some(UserSummary { id, name, display_name: r.au_display_name, email })
            }
            _ => None,
        };
        let last_message = r.lm_id.map(|id| {
            let sender = Sender::from_columns(r.lm_sender_type.as_deref().unwrap_or_default(), r.lm_sender_id);
            let sender_name = match sender {
                Sender::Contact(_) => Some(contact.name.clone()),
                _ => None,
            };
            Message {
                id: MessageId(id),
                account_id: conversation.account_id,
                inbox_id: conversation.inbox_id,
                conversation_id: conversation.id,
                display_id: conversation.display_id,
                seq: r.lm_seq.unwrap_or(0),
                content: r.lm_content.unwrap_or_default(),
                message_type: r.lm_message_type.and_then(MessageType::from_code).unwrap_or(MessageType::Activity),
                private: r.lm_private.unwrap_or(false),
                sender,
                sender_name,
                echo_id: r.lm_echo_id,
                content_attributes: Default::default(),
                created_at: r.lm_created_at.unwrap_or(0),
            }
        });
        ConversationView { conversation, contact, assignee, last_message, channel_type: r.channel_type }
    }
}

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
        // Ids are integers from our own database, never client text.
        let list: Vec<String> = ids.iter().map(|i| i.0.to_string()).collect();
        if list.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(&format!(" AND c.inbox_id IN ({})", list.join(",")));
        }
    }
    sql
}

impl Store {
    /// Creates a conversation and its `conversation.created` event. When the
    /// visitor already has an unresolved conversation, answers `Conflict`.
    pub async fn create_conversation(&self, n: NewConversation) -> Result<(ConversationView, EventRecord)> {
        let now = now_millis();
        let attrs = serde_json::Value::Object(n.additional_attributes).to_string();
        let (id, event) = write_tx!(self, |tx| {
            let display_id: i64 = sqlx::query_scalar(
                "UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = $1 RETURNING last_display_id",
            )
            .bind(n.account_id.0)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO conversations (account_id, display_id, inbox_id, contact_id, contact_inbox_id, status, \
                 last_seq, last_activity_at, additional_attributes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'open', 1, $6, $7, $6) RETURNING id",
            )
            .bind(n.account_id.0)
            .bind(display_id)
            .bind(n.inbox_id.0)
            .bind(n.contact_id.0)
            .bind(n.contact_inbox_id)
            .bind(now)
            .bind(&attrs)
            .fetch_one(&mut *tx)
            .await?;
            let cid = ConversationId(id);
            bump_count!(tx, n.account_id, n.inbox_id.0, "open", 0_i64, 1);
            let event = append_event!(
                tx,
                n.account_id,
                n.inbox_id,
                cid,
                1_i64,
                EventKind::ConversationCreated,
                false,
                None,
                now
            );
            (cid, event)
        });
        Ok((self.conversation_view(n.account_id, id).await?, event))
    }

    /// The visitor's unresolved conversation in this inbox session, if any.
    pub async fn active_conversation(
        &self,
        account_id: AccountId,
        contact_inbox_id: i64,
    ) -> Result<Option<ConversationView>> {
        let row: Option<ViewRow> = read!(self, |db| sqlx::query_as(&format!(
            "{VIEW_SELECT} WHERE c.account_id = $1 AND c.contact_inbox_id = $2 AND c.status <> 'resolved'"
        ))
        .bind(account_id.0)
        .bind(contact_inbox_id)
        .fetch_optional(db)
        .await?);
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
        let row: ViewRow = point_read!(
            self,
            |conn| conn.prepare_cached(&sql)?.query_row((account_id.0, value), ViewRow::from_sqlite),
            |db| sqlx::query_as(&sql).bind(account_id.0).bind(value).fetch_one(db).await?
        );
        Ok(row.into())
    }

    /// A visitor's conversations in one inbox session, newest first.
    pub async fn visitor_conversations(
        &self,
        account_id: AccountId,
        contact_inbox_id: i64,
    ) -> Result<Vec<ConversationView>> {
        let rows: Vec<ViewRow> = read!(self, |db| sqlx::query_as(&format!(
            "{VIEW_SELECT} WHERE c.account_id = $1 AND c.contact_inbox_id = $2 ORDER BY c.id DESC LIMIT 50"
        ))
        .bind(account_id.0)
        .bind(contact_inbox_id)
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// All conversations of a contact (for the contact's conversation cursors).
    pub async fn contact_conversation_seqs(
        &self,
        account_id: AccountId,
        contact: ContactId,
    ) -> Result<Vec<(ConversationId, DisplayId, i64)>> {
        const SQL: &str =
            "SELECT id, display_id, last_seq FROM conversations WHERE account_id = $1 AND contact_id = $2";
        let rows: Vec<(i64, i64, i64)> = point_read!(
            self,
            |conn| conn
                .prepare_cached(SQL)?
                .query_map((account_id.0, contact.0), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect(),
            |db| sqlx::query_as(SQL).bind(account_id.0).bind(contact.0).fetch_all(db).await?
        );
        Ok(rows.into_iter().map(|(a, b, c)| (ConversationId(a), DisplayId(b), c)).collect())
    }

    /// One page of the agent's list, newest activity first.
    pub async fn list_conversations(&self, f: &ConversationFilter<'_>) -> Result<Vec<ConversationView>> {
        let mut filter = list_filter(f);
        match f.assignee {
            AssigneeFilter::Me => filter.push_str(" AND c.assignee_id = $3"),
            AssigneeFilter::Unassigned => filter.push_str(" AND c.assignee_id IS NULL AND $3 = $3"),
            AssigneeFilter::Assigned => filter.push_str(" AND c.assignee_id IS NOT NULL AND $3 = $3"),
            AssigneeFilter::All => filter.push_str(" AND $3 = $3"),
        }
        let status = f.status.map(|s| s.as_str()).unwrap_or("");
        let offset = (f.page.max(1) - 1) * PAGE_SIZE;
        let sql = format!(
            "{VIEW_SELECT} WHERE {filter} ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {PAGE_SIZE} OFFSET {offset}"
        );
        let rows: Vec<ViewRow> =
            read!(self, |db| sqlx::query_as(&sql).bind(f.account_id.0).bind(status).bind(f.me.0).fetch_all(db).await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The tab counts for the same status/inbox filter, in one pass.
    pub async fn count_conversations(&self, f: &ConversationFilter<'_>) -> Result<ConversationCounts> {
        let filter = list_filter(f);
        let status = f.status.map(|s| s.as_str()).unwrap_or("");
        // Kept counters (a few rows per inbox), not a scan of the conversations.
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN c.assignee_id = $3 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.assignee_id = 0 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN c.assignee_id <> 0 THEN c.count ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(c.count), 0) AS BIGINT) FROM conversation_counts c WHERE {filter}"
        );
        let (mine, unassigned, assigned, all): (i64, i64, i64, i64) = point_read!(
            self,
            |conn| {
                let mut stmt = conn.prepare_cached(&sql)?;
                // `$3` comes first and `$2` only with a status: bind by name.
                crate::inline::bind_numbered(&mut stmt, &[&f.account_id.0, &status, &f.me.0])?;
                let mut rows = stmt.raw_query();
                let r = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            },
            |db| sqlx::query_as(&sql).bind(f.account_id.0).bind(status).bind(f.me.0).fetch_one(db).await?
        );
        Ok(ConversationCounts { mine, unassigned, assigned, all })
    }

    /// Changes the status, writing the activity line and the event in the same
    /// transaction. `snoozed_until` counts only with [`ConversationStatus::Snoozed`]:
    /// a job then opens the conversation again at that time. Returns `None`
    /// when nothing changed.
    pub async fn set_status(
        &self,
        account_id: AccountId,
        id: ConversationId,
        status: ConversationStatus,
        snoozed_until: Option<Millis>,
        activity: &crate::Activity,
    ) -> Result<Option<Vec<EventRecord>>> {
        let now = now_millis();
        let until = snoozed_until.filter(|_| status == ConversationStatus::Snoozed);
        let events = write_tx!(self, |tx| {
            let (old, assignee, inbox, old_until) = lock_for_counts!(tx, account_id, id);
            if old == status.as_str() && old_until == until {
                None
            } else {
                Some(change_status!(tx, account_id, id, old, assignee, inbox, status, until, activity, now))
            }
        });
        Ok(events)
    }

    /// Assigns (or with `None` unassigns). Returns `None` when nothing changed.
    pub async fn set_assignee(
        &self,
        account_id: AccountId,
        id: ConversationId,
        assignee: Option<UserId>,
        activity: &crate::Activity,
    ) -> Result<Option<Vec<EventRecord>>> {
        let now = now_millis();
        let assignee = assignee.map(|u| u.0);
        let events = write_tx!(self, |tx| {
            let (status, current, inbox, _) = lock_for_counts!(tx, account_id, id);
            if current == assignee.unwrap_or(0) {
                None
            } else {
                sqlx::query("UPDATE conversations SET assignee_id = $3 WHERE account_id = $1 AND id = $2")
                    .bind(account_id.0)
                    .bind(id.0)
                    .bind(assignee)
                    .execute(&mut *tx)
                    .await?;
                // One lock order for every change, as in `change_status`.
                let mut bumps = [(current, -1), (assignee.unwrap_or(0), 1)];
                bumps.sort();
                for (counted, delta) in bumps {
                    bump_count!(tx, account_id, inbox, status.as_str(), counted, delta);
                }
                let a = crate::messages::insert_activity!(tx, account_id, id, activity, now);
                let b = append_event_for!(tx, account_id, id, EventKind::AssigneeChanged, now);
                Some(vec![a, b])
            }
        });
        Ok(events)
    }

    /// The agent has read the conversation: unread count back to zero.
    pub async fn mark_seen_by_agent(&self, account_id: AccountId, id: ConversationId) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE conversations SET unread_count = 0, agent_last_seen_at = $3 WHERE account_id = $1 AND id = $2",
            )
            .bind(account_id.0)
            .bind(id.0)
            .bind(now_millis())
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    pub async fn mark_seen_by_contact(&self, account_id: AccountId, id: ConversationId) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE conversations SET contact_last_seen_at = $3 WHERE account_id = $1 AND id = $2")
                .bind(account_id.0)
                .bind(id.0)
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
