//! An agent's socket keeps the rights it authenticated with only while they
//! last (app::access): an access change for its user closes it with 4001 or
//! makes it read its rights again; a session past its end closes it before
//! another event goes out; and at every ping it checks its credential in the
//! database, for changes no hub heard of (the CLI in another process, a bus
//! message lost while NATS restarted).

use app::access::{AccessChange, SocketCredential};
use app::auth::AgentCtx;
use app::{App, AppError};

use super::{close, frames, Close, Conn};

/// An agent's socket: who it serves and what it authenticated with.
pub(super) struct AgentPeer {
    pub ctx: AgentCtx,
    pub credential: SocketCredential,
    /// The conversation the agent's inbox last said it views (viewing.rs).
    pub viewing: Option<app::viewers::Viewed>,
}

pub(super) fn revoked() -> Close {
    Close(close::REVOKED, "revoked")
}

impl AgentPeer {
    /// Closes the socket when its session ran out, before anything else is sent.
    pub(super) fn check_expiry(&self, app: &App) -> Result<(), Close> {
        if self.credential.expired(app.now()) {
            return Err(revoked());
        }
        Ok(())
    }

    /// An access change on the account's topic; most concern other users.
    pub(super) async fn on_change(&mut self, app: &App, conn: &mut Conn, change: &AccessChange) -> Result<(), Close> {
        if change.user() != self.ctx.user.id {
            return Ok(());
        }
        if self.credential.ended_by(change) {
            return Err(revoked());
        }
        match change {
            AccessChange::Changed { .. } => self.recheck(app, conn, Busy::Close).await,
            _ => Ok(()),
        }
    }

    /// The ping timer's check: the session's end, then the rights as stored.
    pub(super) async fn periodic_check(&mut self, app: &App, conn: &mut Conn) -> Result<(), Close> {
        self.check_expiry(app)?;
        self.recheck(app, conn, Busy::Keep).await
    }

    /// Reads the socket's rights again. None left: closed with 4001. Changed:
    /// the socket serves the new ones from the next event on and tells its
    /// client (`access.changed`, then who is online as it may now see them),
    /// so the client reloads what it shows.
    async fn recheck(&mut self, app: &App, conn: &mut Conn, busy: Busy) -> Result<(), Close> {
        let ctx = match app.recheck(&self.credential, self.ctx.account_id).await {
            Ok(ctx) => ctx,
            Err(AppError::Unauthorized | AppError::NotFound) => return Err(revoked()),
            // A change was announced but cannot be read: the client reconnects
            // and authenticates anew rather than keep rights it may have lost.
            Err(_) if busy == Busy::Close => return Err(Close(close::GOING_AWAY, "try again")),
            // The periodic check tries again at the next ping.
            Err(_) => return Ok(()),
        };
        if ctx.role == self.ctx.role && ctx.inboxes == self.ctx.inboxes {
            return Ok(());
        }
        self.ctx = ctx;
        let data = serde_json::json!({"role": self.ctx.role.as_str()});
        conn.send(&frames::simple("access.changed", data)).await?;
        let everyone = app.presence().everyone(self.ctx.account_id);
        if let Some(frame) = frames::presence(&everyone, |inbox| self.ctx.may_see(inbox)) {
            conn.send(&frame).await?;
        }
        Ok(())
    }
}

/// What a recheck does when the database cannot answer.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Busy {
    Close,
    Keep,
}
