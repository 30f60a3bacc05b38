//! An agent's `viewing` frames (docs/realtime.md): which conversation the
//! inbox shows and what the agent writes there. The socket resolves the
//! conversation once, scoped to the agent, and keeps it: the frames that
//! follow every few seconds only refresh the sighting, without a read.

use std::time::Instant;

use app::viewers::{Composing, Sighting};
use app::{App, AppError};
use domain::DisplayId;

use super::peer::Peer;
use super::{close, frames, ClientFrame, Close, Conn};

pub(super) async fn frame(app: &App, conn: &mut Conn, peer: &mut Peer, frame: ClientFrame) -> Result<(), Close> {
    let Peer::Agent { agent, .. } = peer else {
        // Visitors have nothing to say here; their widget never sends it.
        return Err(Close(close::INVALID_PAYLOAD, "unknown event"));
    };
    let composing = match frame.composing.as_deref() {
        None => None,
        Some(s) => Some(Composing::parse(s).ok_or(Close(close::INVALID_PAYLOAD, "invalid frame"))?),
    };
    let (account_id, user_id) = (agent.ctx.account_id, agent.ctx.user.id);
    let now = Instant::now();
    let wanted = frame.conversation.map(DisplayId);
    let current = agent.viewing.filter(|v| Some(v.display_id) == wanted);
    let viewed = match (current, wanted) {
        (Some(v), _) => Some(v),
        (None, None) => None,
        (None, Some(display_id)) => match app.viewed(&agent.ctx, display_id).await {
            Ok(v) => Some(v),
            Err(AppError::NotFound) => {
                let data = serde_json::json!({"conversation": display_id.0, "code": "not_found"});
                conn.send(&frames::simple("viewing.error", data)).await?;
                None
            }
            // Busy database: the next frame tries again.
            Err(_) => return Ok(()),
        },
    };
    if let Some(before) = agent.viewing.filter(|b| Some(b.conversation_id) != viewed.map(|v| v.conversation_id)) {
        app.viewers().sighted(Sighting { account_id, user_id, viewed: before, composing: None, on: false }, now);
    }
    agent.viewing = viewed;
    if let Some(viewed) = viewed {
        app.viewers().sighted(Sighting { account_id, user_id, viewed, composing, on: true }, now);
    }
    Ok(())
}

/// The socket closed: its agent stops viewing at once, not at the expiry.
pub(super) fn left(app: &App, peer: &mut Peer) {
    let Peer::Agent { agent, .. } = peer else { return };
    if let Some(viewed) = agent.viewing.take() {
        let (account_id, user_id) = (agent.ctx.account_id, agent.ctx.user.id);
        app.viewers().sighted(Sighting { account_id, user_id, viewed, composing: None, on: false }, Instant::now());
    }
}
