//! Whom a socket serves and what it is sent: the `authenticated` answer and the
//! replay (`start`), live events (`deliver`) and gaps filled from the event log
//! (`catch_up`). docs/realtime.md has the protocol; mod.rs the socket itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::hub::{HubEvent, Payload, Received, Subscription, Topic, Typist};
use app::presence::Present;
use app::{App, AppError, VisitorCtx};
use domain::*;

use super::access::{revoked, AgentPeer};
use super::{close, frames, ClientFrame, Close, Conn};

/// Whom a socket serves, and its cursors. It lives as long as the socket, so
/// it is kept small (M1).
pub(super) enum Peer {
    /// The visitor's ids (32 bytes) are kept whole: a `message` frame needs
    /// them all (`App::send_message`), and resolving them again per message
    /// would cost a database read each time.
    Visitor { visitor: VisitorCtx, cursors: Cursors },
    /// Boxed: an agent's context and credential are several times a
    /// visitor's ids, and most sockets are visitors'.
    Agent { agent: Box<AgentPeer>, cursor: i64 },
}

/// A visitor's cursor per conversation. A list rather than a map: a visitor has
/// a few conversations, and an empty list allocates nothing.
#[derive(Default)]
pub(super) struct Cursors(Vec<(ConversationId, i64)>);

impl Cursors {
    fn get(&self, id: ConversationId) -> i64 {
        self.0.iter().find(|(c, _)| *c == id).map_or(0, |(_, seq)| *seq)
    }

    fn set(&mut self, id: ConversationId, seq: i64) {
        match self.0.iter_mut().find(|(c, _)| *c == id) {
            Some(entry) => entry.1 = seq,
            None => self.0.push((id, seq)),
        }
    }
}

/// Whom the first frame names. A credential that is unknown, expired or
/// revoked closes the socket with 4001 (the client signs in again, or a
/// visitor starts afresh); a frame that names none, with 1008.
pub(super) async fn authenticate(
    app: &App,
    first: &ClientFrame,
    cookie: Option<String>,
) -> Result<(Topic, Peer), Close> {
    let refused = |e: AppError| match e {
        AppError::Unauthorized | AppError::NotFound => revoked(),
        _ => Close(close::GOING_AWAY, "try again"),
    };
    if let Some(token) = &first.pubsub_token {
        let visitor = app.visitor_by_pubsub_token(token).await.map_err(refused)?;
        return Ok((Topic::Contact(visitor.contact_id), Peer::Visitor { visitor, cursors: Cursors::default() }));
    }
    if first.access_token.is_none() && cookie.is_none() {
        return Err(Close(close::POLICY, "authentication failed"));
    }
    let (ctx, credential) = app
        .socket_agent(first.access_token.as_deref(), cookie.as_deref(), first.account_id.map(AccountId))
        .await
        .map_err(refused)?;
    let topic = Topic::Account(ctx.account_id);
    Ok((topic, Peer::Agent { agent: Box::new(AgentPeer { ctx, credential, viewing: None }), cursor: 0 }))
}

/// Sets the cursors, sends `authenticated`, then what the client missed after
/// its `since` cursors.
pub(super) async fn start(
    app: &App,
    conn: &mut Conn,
    peer: &mut Peer,
    since: Option<serde_json::Value>,
) -> Result<(), Close> {
    let unavailable = |_| Close(close::GOING_AWAY, "try again");
    let since = since.as_ref();
    let (authenticated, replay) = match peer {
        Peer::Visitor { visitor, cursors } => {
            let (account_id, contact_id) = (visitor.account_id, visitor.contact_id);
            let current = app.visitor_cursors(account_id, contact_id).await.map_err(unavailable)?;
            let asked: HashMap<i64, i64> = since
                .and_then(|v| v.as_object())
                .map(|m| m.iter().filter_map(|(k, v)| Some((k.parse::<i64>().ok()?, v.as_i64()?))).collect())
                .unwrap_or_default();
            let mut replay = Vec::new();
            for (display, (id, seq)) in &current {
                let from = asked.get(&display.0).copied().filter(|s| *s < *seq && *s >= 0);
                let mut cursor = *seq;
                if let Some(from) = from {
                    match app.visitor_replay(account_id, *id, from).await.map_err(unavailable)? {
                        Some(r) => {
                            cursor = r.last.max(from);
                            replay.extend(r.events);
                        }
                        None => return Err(Close(close::RESYNC, "too far behind; reload")),
                    }
                }
                cursors.set(*id, cursor);
            }
            let shown: serde_json::Map<String, serde_json::Value> =
                current.iter().map(|(d, (_, s))| (d.0.to_string(), (*s).into())).collect();
            let data = serde_json::json!({"role": "visitor", "contact_id": contact_id.0, "cursors": shown});
            (frames::simple("authenticated", data), replay)
        }
        Peer::Agent { agent, cursor } => {
            let agent = &agent.ctx;
            let current = app.account_seq(agent).await.map_err(unavailable)?;
            let asked = since.and_then(|v| v.as_i64()).filter(|s| *s >= 0 && *s < current);
            let data = serde_json::json!({
                "role": "agent", "user_id": agent.user.id.0, "account_id": agent.account_id.0, "seq": current
            });
            *cursor = current;
            let mut replay = Vec::new();
            if let Some(from) = asked {
                match app.agent_replay(agent, from).await.map_err(unavailable)? {
                    Some(r) => {
                        *cursor = r.last.max(from);
                        replay = r.events;
                    }
                    None => return Err(Close(close::RESYNC, "too far behind; reload")),
                }
            }
            (frames::simple("authenticated", data), replay)
        }
    };
    // The authenticated frame goes first; the replay follows it.
    conn.send(&authenticated).await?;
    for e in &replay {
        send_event(conn, peer, e).await?;
    }
    // Then who is online and who views what; changes follow as they happen.
    if let Peer::Agent { agent, .. } = peer {
        let everyone = app.presence().everyone(agent.ctx.account_id);
        if let Some(frame) = frames::presence(&everyone, |inbox| agent.ctx.may_see(inbox)) {
            conn.send(&frame).await?;
        }
        let viewing = app.viewers().everyone(agent.ctx.account_id);
        if let Some(frame) = frames::viewers(&viewing, |inbox| agent.ctx.may_see(inbox)) {
            conn.send(&frame).await?;
        }
    }
    Ok(())
}

async fn send_event(conn: &mut Conn, peer: &Peer, e: &HubEvent) -> Result<(), Close> {
    let frame = match peer {
        Peer::Visitor { .. } => frames::visitor(e),
        Peer::Agent { .. } => Some(frames::agent(e)),
    };
    match frame {
        Some(f) => conn.send(&f).await,
        None => Ok(()),
    }
}

/// How long an agent's socket waits for the events missing before one that
/// came early, before it reads them from the log. The events of one batch are
/// published by their request tasks after the commit, in whatever order those
/// tasks finish, so the missing ones usually arrive microseconds later; a read
/// of the log costs far more (on PostgreSQL, a round trip on a loaded server:
/// 1,249 of them in 15,000 messages of M2b's process B before this wait).
const REORDER_WAIT: Duration = Duration::from_millis(20);

/// One live event. An agent's event that came before the ones its cursor
/// still lacks is held while the socket waits, briefly, for them.
pub(super) async fn deliver(
    app: &App,
    conn: &mut Conn,
    peer: &mut Peer,
    events: &Subscription,
    e: Arc<HubEvent>,
) -> Result<(), Close> {
    let early_after = match peer {
        Peer::Agent { cursor, .. } if e.seq.is_some_and(|s| s > *cursor + 1) => Some(*cursor),
        _ => None,
    };
    let Some(cursor) = early_after else { return deliver_one(app, conn, peer, &e).await };
    // What is queued goes out before the wait, not after it.
    conn.flush().await?;
    let (held, lagged) = hold_until_in_order(events, cursor, e).await?;
    for e in &held {
        deliver_one(app, conn, peer, e).await?;
    }
    if lagged {
        // The queue was dropped while waiting: what it held is in the log.
        Box::pin(catch_up(app, conn, peer, None)).await?;
    }
    Ok(())
}

/// Receives until the held events cover every seq after `cursor` up to the
/// highest held, or [`REORDER_WAIT`] passed; returns them in seq order, and
/// whether the subscription lagged meanwhile.
async fn hold_until_in_order(
    events: &Subscription,
    cursor: i64,
    first: Arc<HubEvent>,
) -> Result<(Vec<Arc<HubEvent>>, bool), Close> {
    let mut held = vec![first];
    let deadline = tokio::time::Instant::now() + REORDER_WAIT;
    let mut lagged = false;
    while !in_order_after(held.iter().filter_map(|e| e.seq), cursor) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Received::Event(e)) => held.push(e),
            Ok(Received::Lagged) => {
                lagged = true;
                break;
            }
            Ok(Received::Closed) => return Err(Close(close::GOING_AWAY, "server shutting down")),
            // Still missing: `deliver_one` reads the gap from the log.
            Err(_) => break,
        }
    }
    // Typing and presence (no seq) go first; their order against stored
    // events does not matter.
    held.sort_by_key(|e| e.seq.unwrap_or(i64::MIN));
    Ok((held, lagged))
}

/// Whether the seqs after `cursor` run from `cursor + 1` without a hole.
fn in_order_after(seqs: impl Iterator<Item = i64>, cursor: i64) -> bool {
    let mut seqs: Vec<i64> = seqs.filter(|s| *s > cursor).collect();
    seqs.sort_unstable();
    seqs.dedup();
    seqs.first() == Some(&(cursor + 1)) && seqs.windows(2).all(|w| w[1] == w[0] + 1)
}

/// One live event: drop duplicates, fill gaps from the log, filter by audience.
async fn deliver_one(app: &App, conn: &mut Conn, peer: &mut Peer, e: &Arc<HubEvent>) -> Result<(), Close> {
    match peer {
        Peer::Visitor { cursors, .. } => {
            // Presence and access changes go to agents' topics only; never
            // to a visitor.
            if let Payload::Presence(_) | Payload::Viewers(_) | Payload::Access(_) | Payload::Notification(_) =
                &e.payload
            {
                return Ok(());
            }
            if let Payload::Typing { typist, .. } = &e.payload {
                return if matches!(typist, Typist::User { .. }) { send_event(conn, peer, e).await } else { Ok(()) };
            }
            let Some(seq) = e.conversation_seq else { return Ok(()) };
            let cursor = cursors.get(e.conversation_id);
            if seq <= cursor {
                return Ok(());
            }
            if seq > cursor + 1 {
                return Box::pin(catch_up(app, conn, peer, Some(e.conversation_id))).await;
            }
            cursors.set(e.conversation_id, seq);
            send_event(conn, peer, e).await
        }
        Peer::Agent { agent, cursor } => {
            if let Payload::Access(change) = &e.payload {
                return Box::pin(agent.on_change(app, conn, change)).await;
            }
            // Nothing more for a session past its end (a clock read, no query).
            agent.check_expiry(app)?;
            let agent = &agent.ctx;
            if let Payload::Presence(update) = &e.payload {
                return match frames::presence(update, |inbox| agent.may_see(inbox)) {
                    Some(frame) => conn.send(&frame).await,
                    None => Ok(()),
                };
            }
            if let Payload::Notification(n) = &e.payload {
                return if n.user_id == agent.user.id { conn.send(&frames::notification(n)).await } else { Ok(()) };
            }
            if let Payload::Viewers(update) = &e.payload {
                return match frames::viewers(update, |inbox| agent.may_see(inbox)) {
                    Some(frame) => conn.send(&frame).await,
                    None => Ok(()),
                };
            }
            if let Payload::Typing { typist, .. } = &e.payload {
                let own = matches!(typist, Typist::User { id, .. } if *id == agent.user.id);
                return if !own && agent.may_see(e.inbox_id) { send_event(conn, peer, e).await } else { Ok(()) };
            }
            let Some(seq) = e.seq else { return Ok(()) };
            if seq <= *cursor {
                return Ok(());
            }
            if seq > *cursor + 1 {
                return Box::pin(catch_up(app, conn, peer, None)).await;
            }
            *cursor = seq;
            if agent.may_see(e.inbox_id) {
                send_event(conn, peer, e).await?;
            }
            Ok(())
        }
    }
}

/// Sends what the log holds after the socket's cursor (one conversation's for a
/// visitor when known, else all of them).
pub(super) async fn catch_up(
    app: &App,
    conn: &mut Conn,
    peer: &mut Peer,
    only: Option<ConversationId>,
) -> Result<(), Close> {
    let unavailable = |_| Close(close::GOING_AWAY, "try again");
    let events = match peer {
        Peer::Visitor { visitor, cursors } => {
            let (account_id, contact_id) = (visitor.account_id, visitor.contact_id);
            let ids: Vec<ConversationId> = match only {
                Some(id) => vec![id],
                None => app
                    .visitor_cursors(account_id, contact_id)
                    .await
                    .map_err(unavailable)?
                    .values()
                    .map(|(id, _)| *id)
                    .collect(),
            };
            let mut out = Vec::new();
            for id in ids {
                let from = cursors.get(id);
                let r = app.visitor_replay(account_id, id, from).await.map_err(unavailable)?;
                let r = r.ok_or(Close(close::RESYNC, "too far behind; reload"))?;
                cursors.set(id, r.last.max(from));
                out.extend(r.events);
            }
            out
        }
        Peer::Agent { agent, cursor } => {
            let r = app.agent_replay(&agent.ctx, *cursor).await.map_err(unavailable)?;
            let r = r.ok_or(Close(close::RESYNC, "too far behind; reload"))?;
            *cursor = r.last.max(*cursor);
            r.events
        }
    };
    for e in &events {
        send_event(conn, peer, e).await?;
    }
    Ok(())
}

impl Peer {
    /// Who this socket makes online.
    pub(super) fn present(&self) -> (AccountId, Present) {
        match self {
            Peer::Visitor { visitor, .. } => {
                (visitor.account_id, Present::Contact { id: visitor.contact_id.0, inbox: visitor.inbox_id.0 })
            }
            Peer::Agent { agent, .. } => (agent.ctx.account_id, Present::User { id: agent.ctx.user.id.0 }),
        }
    }

    /// The agent's account and user; `None` for a visitor.
    pub(super) fn agent_user(&self) -> Option<(AccountId, domain::UserId)> {
        match self {
            Peer::Visitor { .. } => None,
            Peer::Agent { agent, .. } => Some((agent.ctx.account_id, agent.ctx.user.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_order_after;

    #[test]
    fn held_events_are_in_order_once_no_seq_after_the_cursor_is_missing() {
        assert!(in_order_after([11].into_iter(), 10));
        assert!(in_order_after([12, 11].into_iter(), 10));
        assert!(in_order_after([13, 9, 11, 12, 12].into_iter(), 10));
        assert!(!in_order_after([12].into_iter(), 10));
        assert!(!in_order_after([14, 11, 12].into_iter(), 10));
        assert!(!in_order_after([].into_iter(), 10));
    }
}
