//! A user's own profile: names, message signature, password.

use domain::*;

use crate::query::q;
use crate::{Result, Store, StoreError};

/// What a profile shows beyond [`UserSummary`].
pub struct ProfileExtras {
    pub signature: String,
    pub password_hash: String,
    /// The language chosen for Parlor's pages ('': the browser's).
    pub locale: String,
}

impl Store {
    pub async fn profile_extras(&self, user: UserId) -> Result<ProfileExtras> {
        let (signature, password_hash, locale): (String, String, String) =
            self.read_one(q("SELECT signature, password_hash, locale FROM users WHERE id = $1").bind(user.0)).await?;
        Ok(ProfileExtras { signature, password_hash, locale })
    }

    pub async fn update_profile(
        &self,
        user: UserId,
        name: &PersonName,
        display_name: Option<&str>,
        signature: &str,
        locale: &str,
    ) -> Result<()> {
        let sql = "UPDATE users SET name = $2, display_name = $3, signature = $4, locale = $5 WHERE id = $1";
        let query = q(sql).bind(user.0).bind(name.as_str()).bind(display_name).bind(signature).bind(locale);
        match self.write(query).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// A new password; every session of the user but `keep` ends with it.
    pub async fn change_password(&self, user: UserId, hash: &str, keep: Option<&str>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.execute(q("UPDATE users SET password_hash = $2 WHERE id = $1").bind(user.0).bind(hash)).await?;
        tx.execute(
            q("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(user.0).bind(keep.unwrap_or("")),
        )
        .await?;
        tx.commit().await
    }

    /// Sets (or clears) a user's photo; the key it replaces, for the caller to
    /// delete from the blob store.
    pub async fn set_avatar_key(&self, user: UserId, key: Option<&str>) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let (old,): (Option<String>,) =
            tx.fetch_one(q("SELECT avatar_key FROM users WHERE id = $1").bind(user.0)).await?;
        tx.execute(q("UPDATE users SET avatar_key = $2 WHERE id = $1").bind(user.0).bind(key)).await?;
        tx.commit().await?;
        Ok(old)
    }

    /// A member's availability in each of their accounts.
    pub async fn availabilities(&self, user: UserId) -> Result<Vec<(AccountId, Availability)>> {
        let rows: Vec<(i64, String)> = self
            .read_all(
                q("SELECT account_id, availability FROM account_users WHERE user_id = $1 ORDER BY account_id")
                    .bind(user.0),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(a, s)| (AccountId(a), Availability::parse(&s).unwrap_or(Availability::Online)))
            .collect())
    }
}
