//! Accounts, users and sessions, and who belongs where.

use domain::*;

use crate::query::q;
use crate::rows::*;
use crate::{Result, Store, StoreError};

pub struct NewUser<'a> {
    pub account_id: AccountId,
    pub email: &'a EmailAddress,
    pub name: &'a PersonName,
    pub password_hash: &'a str,
    pub access_token_hash: &'a str,
    pub role: Role,
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
    pub async fn ensure_first_account(&self, name: &str, now: Millis) -> Result<(AccountId, bool)> {
        let mut tx = self.begin().await?;
        let existing: Option<(i64,)> = tx.fetch_optional(q("SELECT id FROM accounts ORDER BY id LIMIT 1")).await?;
        let out = match existing {
            Some((id,)) => (AccountId(id), false),
            None => {
                let (id,): (i64,) = tx
                    .fetch_one(
                        q("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now),
                    )
                    .await?;
                (AccountId(id), true)
            }
        };
        tx.commit().await?;
        Ok(out)
    }

    /// This installation's id, made on first use: `candidate` unless another
    /// process stored one first.
    pub async fn cluster_id(&self, candidate: &str) -> Result<String> {
        let mut tx = self.begin().await?;
        tx.execute(
            q("INSERT INTO instance (id, cluster_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING").bind(candidate),
        )
        .await?;
        let (id,): (String,) = tx.fetch_one(q("SELECT cluster_id FROM instance WHERE id = 1")).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn create_account(&self, name: &str, now: Millis) -> Result<AccountId> {
        let (id,): (i64,) = self
            .write_one(q("INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now))
            .await?;
        Ok(AccountId(id))
    }

    /// Replaces a user's API token (by its hash): the old one stops at once.
    pub async fn set_access_token_hash(&self, user: UserId, hash: &str) -> Result<()> {
        let done =
            self.write(q("UPDATE users SET access_token_hash = $2 WHERE id = $1").bind(user.0).bind(hash)).await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn account_exists(&self, account_id: AccountId) -> Result<bool> {
        let (n,): (i64,) = self.read_one(q("SELECT COUNT(*) FROM accounts WHERE id = $1").bind(account_id.0)).await?;
        Ok(n > 0)
    }

    /// Creates a user in an account and makes it a member of every inbox of that
    /// account. A taken email is `Conflict(UserEmail)`.
    pub async fn create_user(&self, u: NewUser<'_>, now: Millis) -> Result<UserId> {
        let mut tx = self.begin().await?;
        let (id,): (i64,) = tx
            .fetch_one(
                q("INSERT INTO users (email, name, password_hash, access_token_hash, created_at) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(u.email.as_str())
                .bind(u.name.as_str())
                .bind(u.password_hash)
                .bind(u.access_token_hash)
                .bind(now),
            )
            .await?;
        tx.execute(
            q("INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(u.account_id.0)
                .bind(id)
                .bind(u.role.as_str())
                .bind(now),
        )
        .await?;
        tx.execute(
            q("INSERT INTO inbox_members (account_id, inbox_id, user_id) \
               SELECT account_id, id, $2 FROM inboxes WHERE account_id = $1")
            .bind(u.account_id.0)
            .bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// A member's role in an account; `NotFound` when the user is not in it.
    pub async fn set_member_role(&self, account_id: AccountId, user: UserId, role: Role) -> Result<()> {
        let sql = "UPDATE account_users SET role = $3 WHERE account_id = $1 AND user_id = $2";
        match self.write(q(sql).bind(account_id.0).bind(user.0).bind(role.as_str())).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Takes a user out of an account and all its inboxes.
    pub async fn remove_account_user(&self, account_id: AccountId, user: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM inbox_members WHERE account_id = $1 AND user_id = $2",
            "DELETE FROM account_users WHERE account_id = $1 AND user_id = $2",
        ] {
            tx.execute(q(sql).bind(account_id.0).bind(user.0)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<UserRecord>> {
        type Row = (i64, String, Option<String>, String, String);
        let row: Option<Row> = self
            .read_optional(
                q("SELECT id, name, display_name, email, password_hash FROM users WHERE email = $1")
                    .bind(email.as_str()),
            )
            .await?;
        Ok(row.map(|(id, name, display_name, email, password_hash)| UserRecord {
            user: UserSummary { id: UserId(id), name, display_name, email, avatar: None },
            password_hash,
        }))
    }

    pub async fn user_by_access_token_hash(&self, hash: &str) -> Result<Option<UserSummary>> {
        let sql = "SELECT id, name, display_name, email FROM users WHERE access_token_hash = $1";
        let row: Option<UserRow> = self.point_optional(q(sql).bind(hash)).await?;
        Ok(row.map(Into::into))
    }

    pub async fn user(&self, id: UserId) -> Result<UserSummary> {
        type Row = (i64, String, Option<String>, String, Option<String>);
        let sql = "SELECT id, name, display_name, email, avatar_key FROM users WHERE id = $1";
        let (id, name, display_name, email, avatar): Row = self.read_one(q(sql).bind(id.0)).await?;
        Ok(UserSummary { id: UserId(id), name, display_name, email, avatar })
    }

    /// The accounts a user belongs to, with the role in each, oldest first.
    pub async fn memberships(&self, user: UserId) -> Result<Vec<(AccountId, String, Role)>> {
        let rows: Vec<(i64, String, String)> = self
            .read_all(
                q("SELECT a.id, a.name, au.role FROM account_users au JOIN accounts a ON a.id = au.account_id \
                   WHERE au.user_id = $1 ORDER BY a.id")
                .bind(user.0),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, role)| (AccountId(id), name, Role::parse(&role).unwrap_or(Role::Agent)))
            .collect())
    }

    /// A user's role in an account and the inboxes it is a member of, in one
    /// round trip (asked by every Application API request); `None` when the user
    /// is not in the account.
    pub async fn access(&self, account_id: AccountId, user: UserId) -> Result<Option<(Role, Vec<InboxId>)>> {
        let sql = "SELECT au.role, im.inbox_id FROM account_users au \
            LEFT JOIN inbox_members im ON im.account_id = au.account_id AND im.user_id = au.user_id \
            WHERE au.account_id = $1 AND au.user_id = $2 ORDER BY im.inbox_id";
        let rows: Vec<(String, Option<i64>)> = self.point_all(q(sql).bind(account_id.0).bind(user.0)).await?;
        let Some(role) = rows.first().and_then(|(role, _)| Role::parse(role).ok()) else {
            return Ok(None);
        };
        Ok(Some((role, rows.into_iter().filter_map(|(_, inbox)| inbox.map(InboxId)).collect())))
    }

    /// The user behind a credential with its role and inboxes in `account_id`,
    /// in one statement: every Application API request asks this before its own
    /// query, and on PostgreSQL each round trip is latency (BENCHMARKS.md, M5).
    /// `None` when the credential is unknown or the session expired at `now`.
    pub async fn access_by_credential(
        &self,
        credential: Credential<'_>,
        account_id: AccountId,
        now: Millis,
    ) -> Result<Option<Access>> {
        type Row = (i64, String, Option<String>, String, Option<String>, Option<i64>);
        let query = match credential {
            Credential::AccessToken(hash) => q(ACCESS_BY_TOKEN).bind(account_id.0).bind(hash),
            Credential::Session(hash) => q(ACCESS_BY_SESSION).bind(account_id.0).bind(hash).bind(now),
        };
        let rows: Vec<Row> = self.point_all(query).await?;
        let Some((id, name, display_name, email, role, _)) = rows.first() else {
            return Ok(None);
        };
        let user = UserSummary {
            id: UserId(*id),
            name: name.clone(),
            display_name: display_name.clone(),
            email: email.clone(),
            avatar: None,
        };
        let member = role
            .as_deref()
            .and_then(|r| Role::parse(r).ok())
            .map(|role| (role, rows.iter().filter_map(|r| r.5.map(InboxId)).collect()));
        Ok(Some(Access { user, member }))
    }

    pub async fn account_user_ids(&self, account_id: AccountId) -> Result<Vec<UserId>> {
        let ids: Vec<(i64,)> =
            self.read_all(q("SELECT user_id FROM account_users WHERE account_id = $1").bind(account_id.0)).await?;
        Ok(ids.into_iter().map(|(id,)| UserId(id)).collect())
    }

    pub async fn create_session(&self, token_hash: &str, user: UserId, now: Millis, expires_at: Millis) -> Result<()> {
        self.write(
            q("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user.0)
                .bind(now)
                .bind(expires_at),
        )
        .await?;
        Ok(())
    }

    /// The user of a session that has not expired at `now`, and when it expires.
    pub async fn session_user(&self, token_hash: &str, now: Millis) -> Result<Option<(UserSummary, Millis)>> {
        type Row = (i64, String, Option<String>, String, Millis);
        let sql = "SELECT u.id, u.name, u.display_name, u.email, s.expires_at FROM sessions s \
            JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2";
        let row: Option<Row> = self.point_optional(q(sql).bind(token_hash).bind(now)).await?;
        Ok(row.map(|(id, name, display_name, email, expires_at)| {
            (UserSummary { id: UserId(id), name, display_name, email, avatar: None }, expires_at)
        }))
    }

    /// Ends a session; whose it was, if it existed.
    pub async fn delete_session(&self, token_hash: &str) -> Result<Option<UserId>> {
        let mut tx = self.begin().await?;
        let user: Option<(i64,)> = tx
            .fetch_optional(q("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id").bind(token_hash))
            .await?;
        tx.commit().await?;
        Ok(user.map(|(id,)| UserId(id)))
    }
}
