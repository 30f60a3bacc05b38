//! What an operator and an account's people do to accounts and API tokens:
//! a second account (workspace), and resetting a token so the old one stops.

use domain::*;

use crate::access::AccessChange;
use crate::auth::AgentCtx;
use crate::{tokens, App, AppError, Result};

impl App {
    /// A new, empty account (the operator's CLI). Its users come with
    /// `create_user`, its inboxes through the API.
    pub async fn create_account(&self, name: &PersonName) -> Result<AccountId> {
        Ok(self.store().create_account(name.as_str(), self.now()).await?)
    }

    /// A new API token for `user`; the old one stops working at once, and
    /// the sockets opened with it close. Returns the new token, the only time
    /// it is shown.
    async fn new_access_token(&self, user: UserId) -> Result<String> {
        let token = tokens::generate();
        self.store().set_access_token_hash(user, &tokens::hash(&token)).await?;
        self.publish_access(AccessChange::TokenReset { user }).await?;
        Ok(token)
    }

    /// A user resets their own token (the profile): the new token, and the
    /// memberships the profile answer shows.
    pub async fn reset_own_token(&self, user: &UserSummary) -> Result<(String, Vec<(AccountId, String, Role)>)> {
        let token = self.new_access_token(user.id).await?;
        Ok((token, self.store().memberships(user.id).await?))
    }

    /// An administrator resets a teammate's token. The teammate must be a
    /// member of the administrator's account (else `NotFound`) and of no other
    /// (else `Forbidden`: one account's administrator does not lock a user out
    /// of another account).
    pub async fn reset_agent_token(&self, admin: &AgentCtx, user: UserId) -> Result<String> {
        if admin.role != Role::Administrator {
            return Err(AppError::Forbidden { message: "Only an administrator resets another user's token." });
        }
        let accounts = self.store().memberships(user).await?;
        if !accounts.iter().any(|(id, _, _)| *id == admin.account_id) {
            return Err(AppError::NotFound);
        }
        if accounts.len() > 1 {
            return Err(AppError::Forbidden {
                message: "This user belongs to other accounts too; an operator resets their token.",
            });
        }
        self.new_access_token(user).await
    }

    /// The operator resets anyone's token by email (the CLI): the user and the new token.
    pub async fn reset_token_by_email(&self, email: &EmailAddress) -> Result<(UserId, String)> {
        let record = self.store().user_by_email(email).await?.ok_or(AppError::NotFound)?;
        Ok((record.user.id, self.new_access_token(record.user.id).await?))
    }
}
