//! An account's team as its administrators manage it: agents (members with a
//! role and an availability), one-time setup links, and who is in which inbox.

use domain::*;

use crate::query::q;
use crate::{Result, Store, StoreError};

/// A member of an account as the agents page and API list it.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: UserSummary,
    pub role: Role,
    /// What the member chose.
    pub availability: Availability,
    /// What others see: the choice while connected (or lately), else
    /// offline (`App::agents`); the store fills in the choice.
    pub shown: Availability,
    /// `false` for an invited user who has not chosen a password yet.
    pub confirmed: bool,
    pub last_seen_at: Option<Millis>,
    /// Open conversations assigned to them (from the counters).
    pub open_conversations: i64,
}

type MemberRow = (i64, String, Option<String>, String, String, String, bool, Option<i64>, Option<String>, i64);

const MEMBER_COLUMNS: &str = "u.id, u.name, u.display_name, u.email, au.role, au.availability, \
    (u.password_hash <> '') AS confirmed, au.last_seen_at, u.avatar_key, \
    (SELECT CAST(COALESCE(SUM(cc.count), 0) AS BIGINT) FROM conversation_counts cc WHERE cc.account_id = au.account_id \
     AND cc.assignee_id = u.id AND cc.status = 'open') AS open_conversations";

fn member(r: MemberRow) -> Member {
    let (id, name, display_name, email, role, availability, confirmed, last_seen_at, avatar, open_conversations) = r;
    Member {
        user: UserSummary { id: UserId(id), name, display_name, email, avatar },
        // The columns only ever hold values written from these types.
        role: Role::parse(&role).unwrap_or(Role::Agent),
        availability: Availability::parse(&availability).unwrap_or(Availability::Online),
        shown: Availability::parse(&availability).unwrap_or(Availability::Online),
        confirmed,
        last_seen_at,
        open_conversations,
    }
}

/// What a setup link is for: the same link, worded for its reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupPurpose {
    Invitation,
    Reset,
}

impl SetupPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            SetupPurpose::Invitation => "invitation",
            SetupPurpose::Reset => "reset",
        }
    }
}

impl Store {
    pub async fn members(&self, account_id: AccountId) -> Result<Vec<Member>> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM account_users au JOIN users u ON u.id = au.user_id \
             WHERE au.account_id = $1 ORDER BY u.name, u.id"
        );
        let rows: Vec<MemberRow> = self.read_all(q(&sql).bind(account_id.0)).await?;
        Ok(rows.into_iter().map(member).collect())
    }

    pub async fn member(&self, account_id: AccountId, user: UserId) -> Result<Member> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM account_users au JOIN users u ON u.id = au.user_id \
             WHERE au.account_id = $1 AND au.user_id = $2"
        );
        let row: MemberRow = self.read_one(q(&sql).bind(account_id.0).bind(user.0)).await?;
        Ok(member(row))
    }

    /// Adds an existing user to an account (and all its inboxes, as a new
    /// user is). `Conflict(Other)` when they are a member already.
    pub async fn add_account_user(&self, account_id: AccountId, user: UserId, role: Role, now: Millis) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(
            q("INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(account_id.0)
                .bind(user.0)
                .bind(role.as_str())
                .bind(now),
        )
        .await?;
        tx.execute(
            q("INSERT INTO inbox_members (account_id, inbox_id, user_id) \
               SELECT account_id, id, $2 FROM inboxes WHERE account_id = $1 ON CONFLICT DO NOTHING")
            .bind(account_id.0)
            .bind(user.0),
        )
        .await?;
        tx.commit().await
    }

    /// Changes a member's name; `NotFound` unless they are in the account.
    pub async fn rename_member(&self, account_id: AccountId, user: UserId, name: &PersonName) -> Result<()> {
        let sql = "UPDATE users SET name = $3 WHERE id = $2 \
            AND EXISTS (SELECT 1 FROM account_users WHERE account_id = $1 AND user_id = $2)";
        match self.write(q(sql).bind(account_id.0).bind(user.0).bind(name.as_str())).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    pub async fn set_availability(&self, account_id: AccountId, user: UserId, a: Availability) -> Result<()> {
        let sql = "UPDATE account_users SET availability = $3 WHERE account_id = $1 AND user_id = $2";
        match self.write(q(sql).bind(account_id.0).bind(user.0).bind(a.as_str())).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// When a member was last connected (an agent socket opened or closed).
    pub async fn touch_member(&self, account_id: AccountId, user: UserId, now: Millis) -> Result<()> {
        let sql = "UPDATE account_users SET last_seen_at = $3 WHERE account_id = $1 AND user_id = $2";
        self.write(q(sql).bind(account_id.0).bind(user.0).bind(now)).await?;
        Ok(())
    }

    /// The unresolved conversations assigned to a user in an account.
    pub async fn assigned_open(&self, account_id: AccountId, user: UserId) -> Result<Vec<ConversationId>> {
        let sql = "SELECT id FROM conversations WHERE account_id = $1 AND assignee_id = $2 AND status <> 'resolved' \
            ORDER BY id";
        let ids: Vec<(i64,)> = self.read_all(q(sql).bind(account_id.0).bind(user.0)).await?;
        Ok(ids.into_iter().map(|(id,)| ConversationId(id)).collect())
    }

    /// Stores a setup link's hash.
    pub async fn create_setup_token(
        &self,
        hash: &str,
        user: UserId,
        purpose: SetupPurpose,
        now: Millis,
        expires_at: Millis,
    ) -> Result<()> {
        let sql = "INSERT INTO setup_tokens (token_hash, user_id, purpose, created_at, expires_at) \
            VALUES ($1, $2, $3, $4, $5)";
        self.write(q(sql).bind(hash).bind(user.0).bind(purpose.as_str()).bind(now).bind(expires_at)).await?;
        Ok(())
    }

    /// The user a setup link is for and what for, while it is unused and unexpired.
    pub async fn setup_token_user(&self, hash: &str, now: Millis) -> Result<Option<(UserSummary, SetupPurpose)>> {
        let sql = "SELECT u.id, u.name, u.display_name, u.email, t.purpose FROM setup_tokens t \
            JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2";
        type Row = (i64, String, Option<String>, String, String);
        let row: Option<Row> = self.read_optional(q(sql).bind(hash).bind(now)).await?;
        Ok(row.map(|(id, name, display_name, email, purpose)| {
            let purpose = if purpose == "reset" { SetupPurpose::Reset } else { SetupPurpose::Invitation };
            (UserSummary { id: UserId(id), name, display_name, email, avatar: None }, purpose)
        }))
    }

    /// Uses a setup link: sets the password, spends every open link of the
    /// user and ends their sessions, in one transaction, so a link works once
    /// even when two requests race (the `used_at IS NULL` claim). `None` when
    /// the link is unknown, used or expired.
    pub async fn use_setup_token(&self, hash: &str, password_hash: &str, now: Millis) -> Result<Option<UserId>> {
        let mut tx = self.begin().await?;
        let claimed: Option<(i64,)> = tx
            .fetch_optional(
                q("UPDATE setup_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                   RETURNING user_id")
                .bind(hash)
                .bind(now),
            )
            .await?;
        let Some((user,)) = claimed else {
            tx.rollback().await?;
            return Ok(None);
        };
        tx.execute(q("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user).bind(password_hash)).await?;
        tx.execute(
            q("UPDATE setup_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL").bind(user).bind(now),
        )
        .await?;
        tx.execute(q("DELETE FROM sessions WHERE user_id = $1").bind(user)).await?;
        tx.commit().await?;
        Ok(Some(UserId(user)))
    }

    /// The users of an inbox, by id.
    pub async fn inbox_members(&self, account_id: AccountId, inbox: InboxId) -> Result<Vec<UserId>> {
        let sql = "SELECT user_id FROM inbox_members WHERE account_id = $1 AND inbox_id = $2 ORDER BY user_id";
        let ids: Vec<(i64,)> = self.read_all(q(sql).bind(account_id.0).bind(inbox.0)).await?;
        Ok(ids.into_iter().map(|(id,)| UserId(id)).collect())
    }

    /// Adds members to an inbox (those already in stay). Only members of the
    /// account can be added: the caller checks, and the `INSERT … SELECT`
    /// from `account_users` makes sure.
    pub async fn add_inbox_members(&self, account_id: AccountId, inbox: InboxId, users: &[UserId]) -> Result<()> {
        let mut tx = self.begin().await?;
        for user in users {
            tx.execute(
                q("INSERT INTO inbox_members (account_id, inbox_id, user_id) \
                   SELECT account_id, $2, user_id FROM account_users WHERE account_id = $1 AND user_id = $3 \
                   ON CONFLICT DO NOTHING")
                .bind(account_id.0)
                .bind(inbox.0)
                .bind(user.0),
            )
            .await?;
        }
        tx.commit().await
    }

    /// Removes members from an inbox.
    pub async fn remove_inbox_members(&self, account_id: AccountId, inbox: InboxId, users: &[UserId]) -> Result<()> {
        let mut tx = self.begin().await?;
        for user in users {
            tx.execute(
                q("DELETE FROM inbox_members WHERE account_id = $1 AND inbox_id = $2 AND user_id = $3")
                    .bind(account_id.0)
                    .bind(inbox.0)
                    .bind(user.0),
            )
            .await?;
        }
        tx.commit().await
    }
}
