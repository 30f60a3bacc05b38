//! Chatwoot's notifications: what happened that concerns one user (a
//! conversation assigned to them, a mention, …), read or unread. A new message
//! in an assigned conversation is one row per conversation and recipient,
//! updated (the partial unique index `notifications_one_per_conversation`).

use domain::*;

use crate::query::q;
use crate::{Result, Store};

/// One notification with what the bell shows beside it.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub account_id: AccountId,
    pub user_id: UserId,
    pub kind: String,
    pub conversation_id: ConversationId,
    pub display_id: DisplayId,
    pub actor_type: Option<String>,
    pub actor_id: Option<i64>,
    /// The actor's name (a user's or a contact's), when there is one.
    pub actor_name: Option<String>,
    pub message_id: Option<i64>,
    pub read_at: Option<Millis>,
    pub created_at: Millis,
    pub last_activity_at: Millis,
}

/// What to notify.
pub struct NewNotification<'a> {
    pub account_id: AccountId,
    pub user_id: UserId,
    pub kind: &'a str,
    pub conversation_id: ConversationId,
    pub actor: Option<(&'a str, i64)>,
    pub message_id: Option<MessageId>,
    pub now: Millis,
}

type Row =
    (i64, i64, i64, String, i64, i64, Option<String>, Option<i64>, Option<String>, Option<i64>, Option<i64>, i64, i64);

const SELECT: &str = "SELECT n.id, n.account_id, n.user_id, n.notification_type, n.conversation_id, c.display_id, \
    n.actor_type, n.actor_id, \
    CASE n.actor_type WHEN 'user' THEN COALESCE(NULLIF(u.display_name, ''), u.name) WHEN 'contact' THEN ct.name END, \
    n.message_id, n.read_at, n.created_at, n.last_activity_at \
    FROM notifications n JOIN conversations c ON c.id = n.conversation_id \
    LEFT JOIN users u ON n.actor_type = 'user' AND u.id = n.actor_id \
    LEFT JOIN contacts ct ON n.actor_type = 'contact' AND ct.id = n.actor_id";

fn row(r: Row) -> Notification {
    let (
        id,
        account,
        user,
        kind,
        conversation,
        display,
        actor_type,
        actor_id,
        actor_name,
        message,
        read_at,
        created,
        last,
    ) = r;
    Notification {
        id,
        account_id: AccountId(account),
        user_id: UserId(user),
        kind,
        conversation_id: ConversationId(conversation),
        display_id: DisplayId(display),
        actor_type,
        actor_id,
        actor_name,
        message_id: message,
        read_at,
        created_at: created,
        last_activity_at: last,
    }
}

impl Store {
    /// Stores a notification; a new message's for a conversation already
    /// notified updates that row (unread again, newest message). Returns it.
    pub async fn notify(&self, n: &NewNotification<'_>) -> Result<Notification> {
        let (actor_type, actor_id) = n.actor.map_or((None, None), |(t, id)| (Some(t), Some(id)));
        let (id,): (i64,) = self
            .write_one(
                q("INSERT INTO notifications (account_id, user_id, notification_type, conversation_id, actor_type, \
                   actor_id, message_id, created_at, last_activity_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                   ON CONFLICT (user_id, conversation_id, notification_type) \
                   WHERE notification_type IN ('assigned_conversation_new_message', 'conversation_bot_handoff') \
                   DO UPDATE SET read_at = NULL, last_activity_at = $8, message_id = $7, actor_type = $5, actor_id = $6 \
                   RETURNING id")
                .bind(n.account_id.0)
                .bind(n.user_id.0)
                .bind(n.kind)
                .bind(n.conversation_id.0)
                .bind(actor_type)
                .bind(actor_id)
                .bind(n.message_id.map(|m| m.0))
                .bind(n.now),
            )
            .await?;
        let sql = format!("{SELECT} WHERE n.id = $1");
        Ok(row(self.read_one(q(&sql).bind(id)).await?))
    }

    pub async fn notification(&self, account_id: AccountId, id: i64) -> Result<Notification> {
        let sql = format!("{SELECT} WHERE n.account_id = $1 AND n.id = $2");
        Ok(row(self.read_one(q(&sql).bind(account_id.0).bind(id)).await?))
    }

    /// The inbox's members whose push flags hold `kind`; with `by_default`
    /// also those who never chose (the kind is on until they do). One read,
    /// for the kinds every member of an inbox may hear of.
    pub async fn listeners(
        &self,
        account_id: AccountId,
        inbox: InboxId,
        kind: &str,
        by_default: bool,
    ) -> Result<Vec<UserId>> {
        let unset = if by_default { "OR ns.user_id IS NULL" } else { "" };
        let sql = format!(
            "SELECT im.user_id FROM inbox_members im LEFT JOIN notification_settings ns \
             ON ns.account_id = im.account_id AND ns.user_id = im.user_id \
             WHERE im.account_id = $1 AND im.inbox_id = $2 AND (ns.push_flags LIKE $3 {unset}) ORDER BY im.user_id"
        );
        let rows: Vec<(i64,)> =
            self.read_all(q(&sql).bind(account_id.0).bind(inbox.0).bind(format!("%{kind}%"))).await?;
        Ok(rows.into_iter().map(|(u,)| UserId(u)).collect())
    }

    /// A page of the user's notifications, newest first, with the unread and
    /// total counts.
    pub async fn notifications(
        &self,
        account_id: AccountId,
        user: UserId,
        page: i64,
    ) -> Result<(Vec<Notification>, i64, i64)> {
        let offset = (page.max(1) - 1) * 25;
        let sql = format!(
            "{SELECT} WHERE n.account_id = $1 AND n.user_id = $2 ORDER BY n.last_activity_at DESC, n.id DESC \
             LIMIT 25 OFFSET {offset}"
        );
        let rows: Vec<Row> = self.read_all(q(&sql).bind(account_id.0).bind(user.0)).await?;
        let (unread, count): (i64, i64) = self
            .read_one(
                q("SELECT CAST(COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
                   CAST(COUNT(*) AS BIGINT) FROM notifications WHERE account_id = $1 AND user_id = $2")
                .bind(account_id.0)
                .bind(user.0),
            )
            .await?;
        Ok((rows.into_iter().map(row).collect(), unread, count))
    }

    pub async fn read_all_notifications(&self, account_id: AccountId, user: UserId, now: Millis) -> Result<()> {
        self.write(
            q("UPDATE notifications SET read_at = $3 WHERE account_id = $1 AND user_id = $2 AND read_at IS NULL")
                .bind(account_id.0)
                .bind(user.0)
                .bind(now),
        )
        .await?;
        Ok(())
    }

    /// Marks one read (`Some(now)`) or unread (`None`). `NotFound` when not the user's.
    pub async fn mark_notification(
        &self,
        account_id: AccountId,
        user: UserId,
        id: i64,
        read_at: Option<Millis>,
    ) -> Result<Notification> {
        let changed = self
            .write(
                q("UPDATE notifications SET read_at = $4 WHERE account_id = $1 AND user_id = $2 AND id = $3")
                    .bind(account_id.0)
                    .bind(user.0)
                    .bind(id)
                    .bind(read_at),
            )
            .await?;
        if changed == 0 {
            return Err(crate::StoreError::NotFound);
        }
        let sql = format!("{SELECT} WHERE n.id = $1");
        Ok(row(self.read_one(q(&sql).bind(id)).await?))
    }

    pub async fn delete_notification(&self, account_id: AccountId, user: UserId, id: i64) -> Result<()> {
        let gone = self
            .write(
                q("DELETE FROM notifications WHERE account_id = $1 AND user_id = $2 AND id = $3")
                    .bind(account_id.0)
                    .bind(user.0)
                    .bind(id),
            )
            .await?;
        if gone == 0 {
            return Err(crate::StoreError::NotFound);
        }
        Ok(())
    }

    /// The user's flags (email, push) and the inbox page's browser
    /// notification and sound; `None` before they chose any.
    pub async fn notification_settings(
        &self,
        account_id: AccountId,
        user: UserId,
    ) -> Result<Option<(String, String, bool, bool)>> {
        self.read_optional(
            q("SELECT email_flags, push_flags, browser_notifications, sound FROM notification_settings \
               WHERE account_id = $1 AND user_id = $2")
            .bind(account_id.0)
            .bind(user.0),
        )
        .await
    }

    pub async fn save_notification_settings(
        &self,
        account_id: AccountId,
        user: UserId,
        settings: (&str, &str, bool, bool),
    ) -> Result<()> {
        let (email, push, browser, sound) = settings;
        self.write(
            q("INSERT INTO notification_settings (account_id, user_id, email_flags, push_flags, browser_notifications, \
               sound) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, user_id) DO UPDATE SET \
               email_flags = $3, push_flags = $4, browser_notifications = $5, sound = $6")
            .bind(account_id.0)
            .bind(user.0)
            .bind(email)
            .bind(push)
            .bind(browser)
            .bind(sound),
        )
        .await?;
        Ok(())
    }
}
