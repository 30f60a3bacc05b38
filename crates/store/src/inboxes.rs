//! Inboxes: a website's chat channel, its widget settings and its members.

use domain::*;

use crate::query::q;
use crate::rows::*;
use crate::{Result, Store};

pub struct NewInbox<'a> {
    pub account_id: AccountId,
    pub name: &'a str,
    pub website_token: &'a str,
    pub website_url: &'a str,
    pub widget_color: &'a HexColor,
    pub welcome_title: &'a str,
    pub welcome_tagline: &'a str,
}

/// An inbox's settings as an administrator saves them (every field: the use
/// case applies a partial update to the stored inbox first).
pub struct InboxSettings<'a> {
    pub name: &'a str,
    pub website_url: &'a str,
    pub widget_color: &'a HexColor,
    pub welcome_title: &'a str,
    pub welcome_tagline: &'a str,
    pub greeting_enabled: bool,
    pub greeting_message: &'a str,
    pub timezone: &'a str,
    pub lock_to_single_conversation: bool,
    pub allowed_domains: &'a str,
    pub reply_time: &'a str,
    pub only_assignee_replies: bool,
    pub enable_auto_assignment: bool,
    pub max_assignment_limit: Option<i64>,
    pub assignment_order: AssignmentOrder,
}

impl Store {
    /// Saves an inbox's settings and forgets this process's copy of it;
    /// the caller tells the other processes (`forget_inbox`).
    pub async fn update_inbox(&self, account_id: AccountId, id: InboxId, i: &InboxSettings<'_>) -> Result<Inbox> {
        let sql = format!(
            "UPDATE inboxes SET name = $3, website_url = $4, widget_color = $5, welcome_title = $6, \
             welcome_tagline = $7, greeting_enabled = $8, greeting_message = $9, timezone = $10, \
             lock_to_single_conversation = $11, allowed_domains = $12, reply_time = $13, \
             only_assignee_replies = $14, enable_auto_assignment = $15, max_assignment_limit = $16, \
             assignment_order = $17 \
             WHERE account_id = $1 AND id = $2 RETURNING {INBOX_COLUMNS}"
        );
        let row: InboxRow = self
            .write_one(
                q(&sql)
                    .bind(account_id.0)
                    .bind(id.0)
                    .bind(i.name)
                    .bind(i.website_url)
                    .bind(i.widget_color.as_str())
                    .bind(i.welcome_title)
                    .bind(i.welcome_tagline)
                    .bind(i.greeting_enabled)
                    .bind(i.greeting_message)
                    .bind(i.timezone)
                    .bind(i.lock_to_single_conversation)
                    .bind(i.allowed_domains)
                    .bind(i.reply_time)
                    .bind(i.only_assignee_replies)
                    .bind(i.enable_auto_assignment)
                    .bind(i.max_assignment_limit)
                    .bind(i.assignment_order.as_str()),
            )
            .await?;
        let inbox = Inbox::from(row);
        self.forget_inbox(&inbox.website_token);
        Ok(inbox)
    }

    /// Sets (or clears) the inbox's picture and forgets this process's copy;
    /// also the key it replaces, for the caller to delete from the blob store.
    pub async fn set_inbox_avatar_key(
        &self,
        account_id: AccountId,
        id: InboxId,
        key: Option<&str>,
    ) -> Result<(Inbox, Option<String>)> {
        let mut tx = self.begin().await?;
        let (old,): (Option<String>,) = tx
            .fetch_one(
                q("SELECT avatar_key FROM inboxes WHERE account_id = $1 AND id = $2").bind(account_id.0).bind(id.0),
            )
            .await?;
        let sql =
            format!("UPDATE inboxes SET avatar_key = $3 WHERE account_id = $1 AND id = $2 RETURNING {INBOX_COLUMNS}");
        let row: InboxRow = tx.fetch_one(q(&sql).bind(account_id.0).bind(id.0).bind(key)).await?;
        tx.commit().await?;
        let inbox = Inbox::from(row);
        self.forget_inbox(&inbox.website_token);
        Ok((inbox, old))
    }

    /// Drops the in-memory copy of an inbox: the next read asks the database.
    pub fn forget_inbox(&self, website_token: &str) {
        self.memo.inboxes.forget(website_token);
    }

    /// Creates a website inbox and makes every user of the account a member.
    pub async fn create_inbox(&self, i: NewInbox<'_>, now: Millis) -> Result<Inbox> {
        let sql = format!(
            "INSERT INTO inboxes (account_id, name, channel_type, website_token, website_url, widget_color, \
             welcome_title, welcome_tagline, created_at) \
             VALUES ($1, $2, 'Channel::WebWidget', $3, $4, $5, $6, $7, $8) RETURNING {INBOX_COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let row: InboxRow = tx
            .fetch_one(
                q(&sql)
                    .bind(i.account_id.0)
                    .bind(i.name)
                    .bind(i.website_token)
                    .bind(i.website_url)
                    .bind(i.widget_color.as_str())
                    .bind(i.welcome_title)
                    .bind(i.welcome_tagline)
                    .bind(now),
            )
            .await?;
        tx.execute(
            q("INSERT INTO inbox_members (account_id, inbox_id, user_id) \
               SELECT account_id, $2, user_id FROM account_users WHERE account_id = $1")
            .bind(i.account_id.0)
            .bind(row.id),
        )
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn inbox_by_token(&self, website_token: &str) -> Result<Inbox> {
        if let Some(inbox) = self.memo.inboxes.get(website_token) {
            return Ok(inbox);
        }
        let sql = format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE website_token = $1");
        let row: InboxRow = self.read_one(q(&sql).bind(website_token)).await?;
        let inbox = Inbox::from(row);
        self.memo.inboxes.put(website_token, inbox.clone());
        Ok(inbox)
    }

    pub async fn inbox(&self, account_id: AccountId, id: InboxId) -> Result<Inbox> {
        let sql = format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 AND id = $2");
        let row: InboxRow = self.read_one(q(&sql).bind(account_id.0).bind(id.0)).await?;
        Ok(row.into())
    }

    pub async fn inboxes(&self, account_id: AccountId) -> Result<Vec<Inbox>> {
        let sql = format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 ORDER BY id");
        let rows: Vec<InboxRow> = self.read_all(q(&sql).bind(account_id.0)).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
