//! Users, passwords, sessions and API tokens; who an agent is and what it may see.

use domain::*;

use crate::access::AccessChange;
use crate::{tokens, App, AppError, Result};

/// How long a browser session lasts without signing in again.
pub const SESSION_DAYS: i64 = 14;

/// What an unknown email's sign-in verifies against: a real argon2id hash (of
/// no one's password), so it costs what a wrong password costs.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0J3ObC8e3qKQ7o0O3hs1kQ/Ak0hbsj4T1g2rVJYV6Z8";

/// An agent acting in one account: the account is part of every query it makes.
#[derive(Debug, Clone)]
pub struct AgentCtx {
    pub user: UserSummary,
    pub account_id: AccountId,
    pub role: Role,
    /// The inboxes an agent may see; `None` for an administrator (all of them).
    pub inboxes: Option<Vec<InboxId>>,
}

impl AgentCtx {
    pub fn may_see(&self, inbox: InboxId) -> bool {
        self.inboxes.as_ref().is_none_or(|ids| ids.contains(&inbox))
    }
}

pub struct CreatedUser {
    pub user_id: UserId,
    pub account_id: AccountId,
    pub access_token: String,
}

impl App {
    pub(crate) async fn hash_password(&self, password: &NewPassword) -> Result<String> {
        self.inner.hashing.hash(password.expose().to_owned()).await.map_err(AppError::Internal)
    }

    pub(crate) async fn verify_password(&self, password: String, hash: String) -> Result<bool> {
        self.inner.hashing.verify(password, hash).await.map_err(AppError::Internal)
    }

    /// Creates a user in an account (member of all its inboxes) with an API token.
    pub async fn create_user(
        &self,
        account_id: AccountId,
        email: &EmailAddress,
        name: &PersonName,
        password: &NewPassword,
        role: Role,
    ) -> Result<CreatedUser> {
        if !self.store().account_exists(account_id).await? {
            return Err(AppError::NotFound);
        }
        let password_hash = self.hash_password(password).await?;
        let access_token = tokens::generate();
        let new = store::NewUser {
            account_id,
            email,
            name,
            password_hash: &password_hash,
            access_token_hash: &tokens::hash(&access_token),
            role,
        };
        let user_id = self.store().create_user(new, self.now()).await?;
        Ok(CreatedUser { user_id, account_id, access_token })
    }

    /// Checks an email and password. Every failure is the same `Unauthorized`,
    /// and an unknown email costs the same hashing work as a wrong password, so
    /// neither the answer nor its timing tells whether the user exists.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<UserSummary> {
        if password.len() > 1024 {
            return Err(AppError::Unauthorized);
        }
        let record = match EmailAddress::parse(email) {
            Ok(e) => self.store().user_by_email(&e).await?,
            Err(_) => None,
        };
        // An invited user without a password yet ('') signs in with none: their
        // attempt costs what any other does.
        let stored = record.as_ref().map(|r| r.password_hash.as_str()).filter(|h| !h.is_empty());
        let hash = stored.unwrap_or(DUMMY_HASH).to_owned();
        let ok = self.verify_password(password.to_owned(), hash).await?;
        match record {
            Some(r) if ok && !r.password_hash.is_empty() => Ok(r.user),
            _ => Err(AppError::Unauthorized),
        }
    }

    /// Starts a browser session; returns the cookie's secret value.
    pub async fn create_session(&self, user: UserId) -> Result<String> {
        let token = tokens::generate();
        let now = self.now();
        let expires = now + SESSION_DAYS * 24 * 3600 * 1000;
        self.store().create_session(&tokens::hash(&token), user, now, expires).await?;
        Ok(token)
    }

    /// The login form: checks the password and opens a fresh session, ending
    /// the one the browser still had (a new id at every sign-in: no session
    /// fixation). Returns the new session's token.
    pub async fn sign_in_session(&self, email: &str, password: &str, old: Option<&str>) -> Result<String> {
        let user = self.sign_in(email, password).await?;
        if let Some(old) = old {
            self.end_session(old).await?;
        }
        self.create_session(user.id).await
    }

    /// The user behind a session, with the account a page shows (`wanted`,
    /// else their first) and their role there, and all their accounts (the
    /// switcher). `Unauthorized` without a valid session or any account;
    /// `NotFound` when `wanted` is not one of theirs.
    pub async fn session_member(
        &self,
        token: &str,
        wanted: Option<AccountId>,
    ) -> Result<(UserSummary, AccountId, Role, Vec<(AccountId, String, Role)>)> {
        let user = self.session_user(token).await?;
        let accounts = self.memberships(user.id).await?;
        let chosen = match wanted {
            Some(id) => accounts.iter().find(|(a, _, _)| *a == id).ok_or(AppError::NotFound)?,
            None => accounts.first().ok_or(AppError::Unauthorized)?,
        };
        let (account_id, role) = (chosen.0, chosen.2);
        Ok((user, account_id, role, accounts))
    }

    /// The agent behind a session, in `wanted` or their first account (the
    /// settings pages).
    pub async fn session_agent(&self, token: &str, wanted: Option<AccountId>) -> Result<AgentCtx> {
        let (user, account_id, _, _) = self.session_member(token, wanted).await?;
        self.agent_ctx(user, account_id).await
    }

    pub async fn session_user(&self, token: &str) -> Result<UserSummary> {
        let found = self.store().session_user(&tokens::hash(token), self.now()).await?;
        found.map(|(user, _)| user).ok_or(AppError::Unauthorized)
    }

    /// Signs a session out; its open sockets close.
    pub async fn end_session(&self, token: &str) -> Result<()> {
        let session = tokens::hash(token);
        if let Some(user) = self.store().delete_session(&session).await? {
            self.publish_access(AccessChange::SessionEnded { user, session }).await?;
        }
        Ok(())
    }

    pub async fn user_by_access_token(&self, token: &str) -> Result<UserSummary> {
        self.store().user_by_access_token_hash(&tokens::hash(token)).await?.ok_or(AppError::Unauthorized)
    }

    /// The agent behind an API access token, acting in `account_id`: one
    /// database read for both (the token's user, its role and inboxes there).
    /// `Unauthorized` for an unknown token; `NotFound` when the user is not in
    /// the account, so another account's existence is not revealed.
    pub async fn agent_by_access_token(&self, token: &str, account_id: AccountId) -> Result<AgentCtx> {
        let hash = tokens::hash(token);
        let access =
            self.store().access_by_credential(store::Credential::AccessToken(&hash), account_id, self.now()).await?;
        agent_in(access, account_id)
    }

    /// The same for a session cookie's value (one read too).
    pub async fn agent_by_session(&self, session: &str, account_id: AccountId) -> Result<AgentCtx> {
        let hash = tokens::hash(session);
        let access =
            self.store().access_by_credential(store::Credential::Session(&hash), account_id, self.now()).await?;
        agent_in(access, account_id)
    }

    /// The user acting in `account_id`; `NotFound` when not a member, so another
    /// account's existence is not revealed.
    pub async fn agent_ctx(&self, user: UserSummary, account_id: AccountId) -> Result<AgentCtx> {
        let member = self.store().access(account_id, user.id).await?;
        agent_in(Some(store::Access { user, member }), account_id)
    }

    /// The accounts of a user with its role in each.
    pub async fn memberships(&self, user: UserId) -> Result<Vec<(AccountId, String, Role)>> {
        Ok(self.store().memberships(user).await?)
    }
}

/// An agent from what [`store::Store::access_by_credential`] found.
pub(crate) fn agent_in(access: Option<store::Access>, account_id: AccountId) -> Result<AgentCtx> {
    let store::Access { user, member } = access.ok_or(AppError::Unauthorized)?;
    let (role, member_of) = member.ok_or(AppError::NotFound)?;
    let inboxes = match role {
        Role::Administrator => None,
        Role::Agent => Some(member_of),
    };
    Ok(AgentCtx { user, account_id, role, inboxes })
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::PasswordHash;

    #[test]
    fn the_dummy_hash_sign_in_uses_parses_with_the_default_cost() {
        // The timing equaliser must be a valid hash of the same cost as the
        // stored ones, or unknown users answer faster.
        let parsed = PasswordHash::new(super::DUMMY_HASH).expect("a valid hash");
        let default = argon2::Params::default();
        let params = argon2::Params::try_from(&parsed).expect("argon2 parameters");
        assert_eq!(
            (parsed.algorithm.as_str(), params.m_cost(), params.t_cost(), params.p_cost()),
            ("argon2id", default.m_cost(), default.t_cost(), default.p_cost())
        );
    }
}
