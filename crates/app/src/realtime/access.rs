//! Rights that change under open sockets. A socket checks who it serves once,
//! when it authenticates; afterwards, ending a session, resetting a token or
//! changing a user's role or inboxes reaches its sockets as an [`AccessChange`]
//! on the account's topic (and over the bus to the other processes), and each
//! socket of that user closes (4001, docs/realtime.md) or reads its rights
//! again. A socket also checks its credential itself now and then
//! (`web::ws`), for changes made where no hub hears them: the CLI in another
//! process, or a bus message lost while NATS restarted.

use domain::*;
use serde::{Deserialize, Serialize};

use crate::{tokens, App, AppError, Result};

/// What changed about a user's access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccessChange {
    /// A browser session ended (signed out, or replaced by a new sign-in):
    /// sockets opened with it close. `session` is the session's stored hash.
    SessionEnded { user: UserId, session: String },
    /// Every browser session of the user but `keep` (a session hash) ended:
    /// a new password was set. Sockets opened with those sessions close.
    SessionsEnded { user: UserId, keep: Option<String> },
    /// The user's API token was replaced: sockets opened with the old one close.
    TokenReset { user: UserId },
    /// The user's role or inboxes in the account changed, or the user left it:
    /// its sockets there read their rights again, and close if none are left.
    Changed { user: UserId },
}

impl AccessChange {
    pub fn user(&self) -> UserId {
        match self {
            AccessChange::SessionEnded { user, .. }
            | AccessChange::SessionsEnded { user, .. }
            | AccessChange::TokenReset { user }
            | AccessChange::Changed { user } => *user,
        }
    }
}

/// What a socket authenticated with, kept to check again later.
#[derive(Debug, Clone)]
pub enum SocketCredential {
    Session { hash: String, expires_at: Millis },
    AccessToken { hash: String },
}

impl SocketCredential {
    /// Whether the credential ran out by itself (a session's end of life).
    pub fn expired(&self, now: Millis) -> bool {
        matches!(self, SocketCredential::Session { expires_at, .. } if *expires_at <= now)
    }

    /// Whether `change` ends this credential outright (no re-reading needed).
    pub fn ended_by(&self, change: &AccessChange) -> bool {
        match (self, change) {
            (SocketCredential::Session { hash, .. }, AccessChange::SessionEnded { session, .. }) => hash == session,
            (SocketCredential::Session { hash, .. }, AccessChange::SessionsEnded { keep, .. }) => {
                keep.as_deref() != Some(hash.as_str())
            }
            (SocketCredential::AccessToken { .. }, AccessChange::TokenReset { .. }) => true,
            _ => false,
        }
    }

    fn as_store(&self) -> store::Credential<'_> {
        match self {
            SocketCredential::Session { hash, .. } => store::Credential::Session(hash),
            SocketCredential::AccessToken { hash } => store::Credential::AccessToken(hash),
        }
    }
}

impl App {
    /// The agent a socket serves, from its API token or its session cookie: the
    /// user in `account` (default: their first), and the credential to check
    /// again later. `Unauthorized` when the credential is unknown or expired,
    /// or the user is in no account; `NotFound` when not in `account`.
    pub async fn socket_agent(
        &self,
        access_token: Option<&str>,
        session: Option<&str>,
        account: Option<AccountId>,
    ) -> Result<(crate::AgentCtx, SocketCredential)> {
        let (user, credential) = match (access_token, session) {
            (Some(token), _) => {
                let user = self.user_by_access_token(token).await?;
                (user, SocketCredential::AccessToken { hash: tokens::hash(token) })
            }
            (None, Some(session)) => {
                let hash = tokens::hash(session);
                let (user, expires_at) =
                    self.store().session_user(&hash, self.now()).await?.ok_or(AppError::Unauthorized)?;
                (user, SocketCredential::Session { hash, expires_at })
            }
            (None, None) => return Err(AppError::Unauthorized),
        };
        let account_id = match account {
            Some(id) => id,
            None => self.memberships(user.id).await?.first().map(|(id, _, _)| *id).ok_or(AppError::Unauthorized)?,
        };
        let agent = self.agent_ctx(user, account_id).await?;
        Ok((agent, credential))
    }

    /// A socket's rights now: `Unauthorized` when its credential ended,
    /// `NotFound` when its user left the account.
    pub async fn recheck(&self, credential: &SocketCredential, account_id: AccountId) -> Result<crate::AgentCtx> {
        let access = self.store().access_by_credential(credential.as_store(), account_id, self.now()).await?;
        crate::auth::agent_in(access, account_id)
    }

    /// Tells the user's sockets in every account it belongs to, here and on
    /// the other processes.
    pub(crate) async fn publish_access(&self, change: AccessChange) -> Result<()> {
        let accounts = self.store().memberships(change.user()).await?;
        let ids: Vec<AccountId> = accounts.into_iter().map(|(id, _, _)| id).collect();
        self.publish_access_in(&ids, change).await;
        Ok(())
    }

    pub(crate) async fn publish_access_in(&self, accounts: &[AccountId], change: AccessChange) {
        for account in accounts {
            if let Some(bus) = self.bus() {
                bus.send_access(*account, &change).await;
            }
            self.hub().publish_access(*account, change.clone());
        }
    }

    /// A user's role or inboxes in `account_id` changed, or it left the
    /// account: its open sockets there re-read their rights.
    pub async fn access_changed(&self, account_id: AccountId, user: UserId) {
        self.publish_access_in(&[account_id], AccessChange::Changed { user }).await;
    }
}
