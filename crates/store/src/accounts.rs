//! Accounts, users, sessions, inboxes and who belongs where.

use domain::*;

use crate::rows::*;
use rusqlite::OptionalExtension;

use crate::{now_millis, point_read, read, write_tx, Result, Store, StoreError};

pub struct NewUser<'a> {
    pub account_id: AccountId,
    pub email: &'a EmailAddress,
    pub name: &'a PersonName,
    pub password_hash: &'a str,
    pub access_token_hash: &'a str,
    pub role: Role,
}

pub struct NewInbox<'a> {
    pub account_id: AccountId,
    pub name: &'a str,
    pub website_token: &'a str,
    pub website_url: &'a str,
    pub widget_color: &'a HexColor,
    pub welcome_title: &'a str,
    pub welcome_tagline: &'a str,
}

/// How a request says who it is: the SHA-256 of its API access token or of its
/// session cookie.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    AccessToken(&'a str),
    Session(&'a str),
}

/// The user behind a credential and what it may do in one account.
pub struct Access {
    pub user: UserSummary,
    /// Its role and the inboxes it is a member of; `None` when the user is not
    /// in the account.
    pub member: Option<(Role, Vec<InboxId>)>,
}

/// [`Store::access_by_credential`]: the user, its role in account `$1`, and one
/// row per inbox it is a member of there (one row with NULLs when none, or when
/// it is not in the account: the LEFT JOINs keep the user, so "unknown token"
/// and "not in this account" stay apart, 401 and 404).
const ACCESS_BY_TOKEN: &str = "SELECT u.id, u.name, u.display_name, u.email, au.role, im.inbox_id FROM users u \
    LEFT JOIN account_users au ON au.account_id = $1 AND au.user_id = u.id \
    LEFT JOIN inbox_members im ON im.account_id = au.account_id AND im.user_id = au.user_id \
    WHERE u.access_token_hash = $2 ORDER BY im.inbox_id";
const ACCESS_BY_SESSION: &str = "SELECT u.id, u.name, u.display_name, u.email, au.role, im.inbox_id \
    FROM sessions s JOIN users u ON u.id = s.user_id \
    LEFT JOIN account_users au ON au.account_id = $1 AND au.user_id = u.id \
    LEFT JOIN inbox_members im ON im.account_id = au.account_id AND im.user_id = au.user_id \
    WHERE s.token_hash = $2 AND s.expires_at > $3 ORDER BY im.inbox_id";

/// A user as the sign-in path needs it.
pub struct UserRecord {
    pub user: UserSummary,
    pub password_hash: String,
}

impl Store {
    /// Creates the account with the given name when no account exists yet; returns
    /// the first account's id and whether it was created now.
    pub async fn ensure_first_account(&self, name: &str) -> Result<(AccountId, bool)> {
        Ok(write_tx!(self, |tx| {
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM accounts ORDER BY id LIMIT 1").fetch_optional(&mut *tx).await?;
            match existing {
                Some(id) => (AccountId(id), false),
                None => {
                    let id: i64 =
                        sqlx::query_scalar("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id")
                            .bind(name)
                            .bind(now_millis())
                            .fetch_one(&mut *tx)
                            .await?;
                    (AccountId(id), true)
                }
            }
        }))
    }

    /// This installation's id, made on first use: `candidate` unless another
    /// process stored one first.
    pub async fn cluster_id(&self, candidate: &str) -> Result<String> {
        Ok(write_tx!(self, |tx| {
            sqlx::query("INSERT INTO instance (id, cluster_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING")
                .bind(candidate)
                .execute(&mut *tx)
                .await?;
            let id: String =
                sqlx::query_scalar("SELECT cluster_id FROM instance WHERE id = 1").fetch_one(&mut *tx).await?;
            id
        }))
    }

    pub async fn create_account(&self, name: &str) -> Result<AccountId> {
        let id: i64 = write_tx!(self, |tx| {
            sqlx::query_scalar("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(now_millis())
                .fetch_one(&mut *tx)
                .await?
        });
        Ok(AccountId(id))
    }

    pub async fn account_exists(&self, account_id: AccountId) -> Result<bool> {
        let n: i64 = read!(self, |db| sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE id = $1")
            .bind(account_id.0)
            .fetch_one(db)
            .await?);
        Ok(n > 0)
    }

    /// Creates a user in an account and makes it a member of every inbox of that
    /// account. A taken email is `Conflict("users.email")`-like.
    pub async fn create_user(&self, u: NewUser<'_>) -> Result<UserId> {
        let now = now_millis();
        let id: i64 = write_tx!(self, |tx| {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, name, password_hash, access_token_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(u.email.as_str())
            .bind(u.name.as_str())
            .bind(u.password_hash)
            .bind(u.access_token_hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(u.account_id.0)
                .bind(id)
                .bind(u.role.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO inbox_members (account_id, inbox_id, user_id) \
                 SELECT account_id, id, $2 FROM inboxes WHERE account_id = $1",
            )
            .bind(u.account_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        });
        Ok(UserId(id))
    }

    pub async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<UserRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            name: String,
            display_name: Option<String>,
            email: String,
            password_hash: String,
        }
        let row: Option<Row> = read!(self, |db| sqlx::query_as(
            "SELECT id, name, display_name, email, password_hash FROM users WHERE email = $1"
        )
        .bind(email.as_str())
        .fetch_optional(db)
        .await?);
        Ok(row.map(|r| UserRecord {
            user: UserSummary { id: UserId(r.id), name: r.name, display_name: r.display_name, email: r.email },
            password_hash: r.password_hash,
        }))
    }

    pub async fn user_by_access_token_hash(&self, hash: &str) -> Result<Option<UserSummary>> {
        const SQL: &str = "SELECT id, name, display_name, email FROM users WHERE access_token_hash = $1";
        let row: Option<UserRow> = point_read!(
            self,
            |conn| conn.prepare_cached(SQL)?.query_row([hash], UserRow::from_sqlite).optional(),
            |db| sqlx::query_as(SQL).bind(hash).fetch_optional(db).await?
        );
        Ok(row.map(Into::into))
    }

    pub async fn user(&self, id: UserId) -> Result<UserSummary> {
        let row: UserRow =
            read!(self, |db| sqlx::query_as("SELECT id, name, display_name, email FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_one(db)
                .await?);
        Ok(row.into())
    }

    /// The accounts a user belongs to, with the role in each, oldest first.
    pub async fn memberships(&self, user: UserId) -> Result<Vec<(AccountId, String, Role)>> {
        let rows: Vec<(i64, String, String)> = read!(self, |db| sqlx::query_as(
            "SELECT a.id, a.name, au.role FROM account_users au JOIN accounts a ON a.id = au.account_id \
             WHERE au.user_id = $1 ORDER BY a.id"
        )
        .bind(user.0)
        .fetch_all(db)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, role)| (AccountId(id), name, Role::parse(&role).unwrap_or(Role::Agent)))
            .collect())
    }

    /// A user's role in an account and the inboxes it is a member of, in one
    /// round trip (asked by every Application API request); `None` when the user
    /// is not in the account.
    pub async fn access(&self, account_id: AccountId, user: UserId) -> Result<Option<(Role, Vec<InboxId>)>> {
        const SQL: &str = "SELECT au.role, im.inbox_id FROM account_users au \
            LEFT JOIN inbox_members im ON im.account_id = au.account_id AND im.user_id = au.user_id \
            WHERE au.account_id = $1 AND au.user_id = $2 ORDER BY im.inbox_id";
        let rows: Vec<(String, Option<i64>)> = point_read!(
            self,
            |conn| conn
                .prepare_cached(SQL)?
                .query_map((account_id.0, user.0), |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect(),
            |db| sqlx::query_as(SQL).bind(account_id.0).bind(user.0).fetch_all(db).await?
        );
        let Some(role) = rows.first().and_then(|(role, _)| Role::parse(role).ok()) else {
            return Ok(None);
        };
        Ok(Some((role, rows.into_iter().filter_map(|(_, inbox)| inbox.map(InboxId)).collect())))
    }

    /// The user behind a credential with its role and inboxes in `account_id`,
    /// in one statement: every Application API request asks this before its own
    /// query, and on PostgreSQL each round trip is latency (BENCHMARKS.md, M5).
    /// `None` when the credential is unknown or the session expired.
    pub async fn access_by_credential(
        &self,
        credential: Credential<'_>,
        account_id: AccountId,
    ) -> Result<Option<Access>> {
        type Row = (i64, String, Option<String>, String, Option<String>, Option<i64>);
        fn from_sqlite(r: &rusqlite::Row) -> rusqlite::Result<Row> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        }
        let now = now_millis();
        let rows: Vec<Row> = match credential {
            Credential::AccessToken(hash) => point_read!(
                self,
                |conn| conn.prepare_cached(ACCESS_BY_TOKEN)?.query_map((account_id.0, hash), from_sqlite)?.collect(),
                |db| sqlx::query_as(ACCESS_BY_TOKEN).bind(account_id.0).bind(hash).fetch_all(db).await?
            ),
            Credential::Session(hash) => point_read!(
                self,
                |conn| conn
                    .prepare_cached(ACCESS_BY_SESSION)?
                    .query_map((account_id.0, hash, now), from_sqlite)?
                    .collect(),
                |db| sqlx::query_as(ACCESS_BY_SESSION).bind(account_id.0).bind(hash).bind(now).fetch_all(db).await?
            ),
        };
        let Some((id, name, display_name, email, role, _)) = rows.first() else {
            return Ok(None);
        };
        let user = UserSummary {
            id: UserId(*id),
            name: name.clone(),
            display_name: display_name.clone(),
            email: email.clone(),
        };
        let member = role
            .as_deref()
            .and_then(|r| Role::parse(r).ok())
            .map(|role| (role, rows.iter().filter_map(|r| r.5.map(InboxId)).collect()));
        Ok(Some(Access { user, member }))
    }

    pub async fn account_user_ids(&self, account_id: AccountId) -> Result<Vec<UserId>> {
        let ids: Vec<i64> =
            read!(self, |db| sqlx::query_scalar("SELECT user_id FROM account_users WHERE account_id = $1")
                .bind(account_id.0)
                .fetch_all(db)
                .await?);
        Ok(ids.into_iter().map(UserId).collect())
    }

    pub async fn create_session(&self, token_hash: &str, user: UserId, expires_at: i64) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user.0)
                .bind(now_millis())
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str) -> Result<Option<UserSummary>> {
        const SQL: &str = "SELECT u.id, u.name, u.display_name, u.email FROM sessions s \
            JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2";
        let now = now_millis();
        let row: Option<UserRow> = point_read!(
            self,
            |conn| conn.prepare_cached(SQL)?.query_row((token_hash, now), UserRow::from_sqlite).optional(),
            |db| sqlx::query_as(SQL).bind(token_hash).bind(now).fetch_optional(db).await?
        );
        Ok(row.map(Into::into))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Creates a website inbox and makes every user of the account a member.
    pub async fn create_inbox(&self, i: NewInbox<'_>) -> Result<Inbox> {
        let row: InboxRow = write_tx!(self, |tx| {
            let row: InboxRow = sqlx::query_as(&format!(
                "INSERT INTO inboxes (account_id, name, channel_type, website_token, website_url, widget_color, \
                 welcome_title, welcome_tagline, created_at) \
                 VALUES ($1, $2, 'Channel::WebWidget', $3, $4, $5, $6, $7, $8) RETURNING {INBOX_COLUMNS}"
            ))
            .bind(i.account_id.0)
            .bind(i.name)
            .bind(i.website_token)
            .bind(i.website_url)
            .bind(i.widget_color.as_str())
            .bind(i.welcome_title)
            .bind(i.welcome_tagline)
            .bind(now_millis())
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO inbox_members (account_id, inbox_id, user_id) \
                 SELECT account_id, $2, user_id FROM account_users WHERE account_id = $1",
            )
            .bind(i.account_id.0)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
            row
        });
        Ok(row.into())
    }

    pub async fn inbox_by_token(&self, website_token: &str) -> Result<Inbox> {
        if let Some(inbox) = self.memo.inboxes.get(website_token) {
            return Ok(inbox);
        }
        let row: InboxRow =
            read!(self, |db| sqlx::query_as(&format!("SELECT {INBOX_COLUMNS} FROM inboxes WHERE website_token = $1"))
                .bind(website_token)
                .fetch_one(db)
                .await?);
        let inbox = Inbox::from(row);
        self.memo.inboxes.put(website_token, inbox.clone());
        Ok(inbox)
    }

    pub async fn inbox(&self, account_id: AccountId, id: InboxId) -> Result<Inbox> {
        let row: InboxRow = read!(self, |db| sqlx::query_as(&format!(
            "SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id.0)
        .bind(id.0)
        .fetch_one(db)
        .await?);
        Ok(row.into())
    }

    pub async fn inboxes(&self, account_id: AccountId) -> Result<Vec<Inbox>> {
        let rows: Vec<InboxRow> = read!(self, |db| sqlx::query_as(&format!(
            "SELECT {INBOX_COLUMNS} FROM inboxes WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id.0)
        .fetch_all(db)
        .await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// Maps a unique violation on the users' email to a clear domain answer.
pub fn is_email_conflict(e: &StoreError) -> bool {
    matches!(e, StoreError::Conflict(c) if c.contains("email"))
}
