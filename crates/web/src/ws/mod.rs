//! `/ws`: one WebSocket endpoint for visitors and agents (docs/realtime.md).
//!
//! Each socket subscribes to its hub topic *before* reading its starting cursor
//! from the database, so nothing committed in between is missed; a frame whose
//! seq is not above the cursor is a duplicate and dropped; a gap (events
//! published out of order, or a lagging channel) is filled from the event log.

mod frames;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::auth::AgentCtx;
use app::hub::{HubEvent, Payload, Topic, Typist};
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use domain::*;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::extract::{same_origin, session_cookie};
use crate::AppState;

/// Largest client frame; clients only send small control frames.
pub const MAX_CLIENT_FRAME: usize = 4096;
const READ_BUFFER: usize = 1024;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(30);
const IDLE_LIMIT: Duration = Duration::from_secs(90);
/// Client frames allowed per second (a token bucket with this burst).
const FRAMES_PER_SECOND: f64 = 10.0;
const FRAME_BURST: f64 = 20.0;

pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const UNSUPPORTED: u16 = 1003;
    pub const INVALID_PAYLOAD: u16 = 1007;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const RESYNC: u16 = 4000;
}

pub async fn handler(State(state): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    // A session cookie counts only on an upgrade from our own origin: another
    // site's page must not open an agent socket with the agent's cookie.
    let cookie = session_cookie(&headers).filter(|_| same_origin(&headers, state.config.public_url.as_deref()));
    // Small buffers: an idle socket's memory is mostly its buffers (M1). Frames
    // up to MAX_CLIENT_FRAME still arrive whole; they are read in 1 KiB steps.
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .on_upgrade(move |socket| async move {
            let (tx, rx) = socket.split();
            let mut conn = Conn { tx, rx, bucket: FRAME_BURST, refilled: Instant::now(), last_heard: Instant::now() };
            if let Err(code) = run(&state, &mut conn, cookie).await {
                conn.close(code.0, code.1).await;
            }
        })
}

#[derive(Deserialize)]
struct ClientFrame {
    event: String,
    pubsub_token: Option<String>,
    access_token: Option<String>,
    since: Option<serde_json::Value>,
}

/// Why a socket closes: a close code and a short reason.
struct Close(u16, &'static str);

struct Conn {
    tx: SplitSink<WebSocket, Message>,
    rx: SplitStream<WebSocket>,
    bucket: f64,
    refilled: Instant,
    last_heard: Instant,
}

impl Conn {
    async fn send(&mut self, frame: &Arc<str>) -> Result<(), Close> {
        self.tx.send(Message::Text(Utf8Bytes::from(frame.as_ref()))).await.map_err(|_| Close(close::GOING_AWAY, ""))
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let _ = self.tx.send(Message::Close(Some(frame))).await;
        // Drain what the client still sends until it answers our close: closing
        // the TCP connection with unread input makes the kernel send a reset, and
        // the client would never see the close code.
        let drain = async {
            while let Some(Ok(m)) = self.rx.next().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
        let _ = self.tx.close().await;
    }

    /// Reads the next client frame as parsed JSON; `Ok(None)` for control frames.
    async fn read(&mut self, msg: Option<Result<Message, axum::Error>>) -> Result<Option<ClientFrame>, Close> {
        let msg = match msg {
            None => return Err(Close(close::GOING_AWAY, "")),
            Some(Err(e)) => {
                let text = e.to_string();
                return Err(if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
                    Close(close::TOO_BIG, "frame too large")
                } else {
                    Close(close::POLICY, "protocol error")
                });
            }
            Some(Ok(m)) => m,
        };
        self.last_heard = Instant::now();
        // Token bucket: a flood of frames closes the socket (threats.md #30).
        let now = Instant::now();
        self.bucket =
            (self.bucket + now.duration_since(self.refilled).as_secs_f64() * FRAMES_PER_SECOND).min(FRAME_BURST);
        self.refilled = now;
        if self.bucket < 1.0 {
            return Err(Close(close::POLICY, "too many frames"));
        }
        self.bucket -= 1.0;
        match msg {
            Message::Text(t) => serde_json::from_str::<ClientFrame>(t.as_str())
                .map(Some)
                .map_err(|_| Close(close::INVALID_PAYLOAD, "invalid frame")),
            Message::Binary(_) => Err(Close(close::UNSUPPORTED, "binary frames are not supported")),
            Message::Close(_) => Err(Close(close::GOING_AWAY, "")),
            Message::Ping(_) | Message::Pong(_) => Ok(None),
        }
    }
}

/// Whom a socket serves, and its cursors.
enum Peer {
    /// Only ids: an idle visitor socket should cost as little memory as possible (M1).
    Visitor {
        account_id: AccountId,
        contact_id: ContactId,
        cursors: HashMap<ConversationId, i64>,
    },
    Agent {
        agent: AgentCtx,
        cursor: i64,
    },
}

async fn run(state: &AppState, conn: &mut Conn, cookie: Option<String>) -> Result<(), Close> {
    let first = loop {
        let msg = tokio::time::timeout(AUTH_TIMEOUT, conn.rx.next())
            .await
            .map_err(|_| Close(close::POLICY, "authenticate first"))?;
        if let Some(frame) = conn.read(msg).await? {
            break frame;
        }
    };
    if first.event != "authenticate" {
        return Err(Close(close::POLICY, "authenticate first"));
    }
    let mut shutdown = state.shutdown.clone();
    let (topic, mut peer) = authenticate(state, &first, cookie).await?;
    let mut events = state.app.hub().subscribe(topic);
    let result = async {
        let replay = Box::pin(start(state, &mut peer, first.since.as_ref())).await?;
        for e in &replay {
            send_event(conn, &peer, e).await?;
        }
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                msg = conn.rx.next() => {
                    if let Some(frame) = conn.read(msg).await? {
                        match frame.event.as_str() {
                            "ping" => conn.send(&frames::simple("pong", serde_json::Value::Null)).await?,
                            _ => return Err(Close(close::INVALID_PAYLOAD, "unknown event")),
                        }
                    }
                }
                received = events.recv() => {
                    match received {
                        Ok(e) => deliver(state, conn, &mut peer, &e).await?,
                        Err(RecvError::Lagged(_)) => Box::pin(catch_up(state, conn, &mut peer, None)).await?,
                        Err(RecvError::Closed) => return Err(Close(close::GOING_AWAY, "")),
                    }
                }
                _ = ping.tick() => {
                    if conn.last_heard.elapsed() > IDLE_LIMIT {
                        return Err(Close(close::GOING_AWAY, "idle"));
                    }
                    conn.tx.send(Message::Ping(Default::default())).await.map_err(|_| Close(close::GOING_AWAY, ""))?;
                }
                _ = shutdown.changed() => return Err(Close(close::GOING_AWAY, "server shutting down")),
            }
        }
    }
    .await;
    drop(events);
    state.app.hub().release(topic);
    result
}

async fn authenticate(state: &AppState, first: &ClientFrame, cookie: Option<String>) -> Result<(Topic, Peer), Close> {
    let refused = || Close(close::POLICY, "authentication failed");
    if let Some(token) = &first.pubsub_token {
        let contact = state.app.contact_by_pubsub_token(token).await.map_err(|_| refused())?;
        let peer = Peer::Visitor { account_id: contact.account_id, contact_id: contact.id, cursors: HashMap::new() };
        return Ok((Topic::Contact(contact.id), peer));
    }
    let user = match (&first.access_token, cookie) {
        (Some(token), _) => state.app.user_by_access_token(token).await,
        (None, Some(session)) => state.app.session_user(&session).await,
        (None, None) => return Err(refused()),
    }
    .map_err(|_| refused())?;
    let accounts = state.app.memberships(user.id).await.map_err(|_| refused())?;
    let (account_id, _, _) = accounts.first().ok_or_else(refused)?;
    let agent = state.app.agent_ctx(user, *account_id).await.map_err(|_| refused())?;
    Ok((Topic::Account(agent.account_id), Peer::Agent { agent, cursor: 0 }))
}

/// Sends `authenticated`, sets the cursors, and returns what the client missed.
async fn start(state: &AppState, peer: &mut Peer, since: Option<&serde_json::Value>) -> Result<Vec<HubEvent>, Close> {
    let unavailable = |_| Close(close::GOING_AWAY, "try again");
    match peer {
        Peer::Visitor { account_id, contact_id, cursors } => {
            let current = state.app.visitor_cursors(*account_id, *contact_id).await.map_err(unavailable)?;
            let asked: HashMap<i64, i64> = since
                .and_then(|v| v.as_object())
                .map(|m| m.iter().filter_map(|(k, v)| Some((k.parse::<i64>().ok()?, v.as_i64()?))).collect())
                .unwrap_or_default();
            let mut replay = Vec::new();
            for (display, (id, seq)) in &current {
                let from = asked.get(&display.0).copied().filter(|s| *s < *seq && *s >= 0);
                let mut cursor = *seq;
                if let Some(from) = from {
                    match state.app.visitor_replay(*account_id, *id, from).await.map_err(unavailable)? {
                        Some(r) => {
                            cursor = r.last.max(from);
                            replay.extend(r.events);
                        }
                        None => return Err(Close(close::RESYNC, "too far behind; reload")),
                    }
                }
                cursors.insert(*id, cursor);
            }
            let shown: serde_json::Map<String, serde_json::Value> =
                current.iter().map(|(d, (_, s))| (d.0.to_string(), (*s).into())).collect();
            // The authenticated frame goes first; the replay follows it.
            replay.insert(
                0,
                auth_event(serde_json::json!({"role": "visitor", "contact_id": contact_id.0, "cursors": shown})),
            );
            Ok(replay)
        }
        Peer::Agent { agent, cursor } => {
            let current = state
                .app
                .store()
                .account_seq(agent.account_id)
                .await
                .map_err(|e| unavailable(app::AppError::from(e)))?;
            let asked = since.and_then(|v| v.as_i64()).filter(|s| *s >= 0 && *s < current);
            let mut replay = vec![auth_event(serde_json::json!({
                "role": "agent", "user_id": agent.user.id.0, "account_id": agent.account_id.0, "seq": current
            }))];
            *cursor = current;
            if let Some(from) = asked {
                match state.app.agent_replay(agent, from).await.map_err(unavailable)? {
                    Some(r) => {
                        *cursor = r.last.max(from);
                        replay.extend(r.events);
                    }
                    None => return Err(Close(close::RESYNC, "too far behind; reload")),
                }
            }
            Ok(replay)
        }
    }
}

/// The `authenticated` answer, carried as a pre-rendered hub event so `start`
/// can return it in order with the replay.
fn auth_event(data: serde_json::Value) -> HubEvent {
    let frame = frames::simple("authenticated", data);
    let conversation = Conversation {
        id: ConversationId(0),
        account_id: AccountId(0),
        display_id: DisplayId(0),
        inbox_id: InboxId(0),
        contact_id: ContactId(0),
        status: ConversationStatus::Open,
        assignee_id: None,
        last_seq: 0,
        unread_count: 0,
        last_activity_at: 0,
        agent_last_seen_at: None,
        contact_last_seen_at: None,
        additional_attributes: Default::default(),
        created_at: 0,
    };
    let e = HubEvent::new(
        &conversation,
        None,
        None,
        None,
        false,
        Payload::Typing { typist: Typist::User { id: UserId(0), name: String::new() }, on: false },
    );
    let _ = e.agent_frame.set(frame.clone());
    let _ = e.visitor_frame.set(Some(frame));
    e
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

/// One live event: drop duplicates, fill gaps from the log, filter by audience.
async fn deliver(state: &AppState, conn: &mut Conn, peer: &mut Peer, e: &Arc<HubEvent>) -> Result<(), Close> {
    match peer {
        Peer::Visitor { cursors, .. } => {
            if let Payload::Typing { typist, .. } = &e.payload {
                return if matches!(typist, Typist::User { .. }) { send_event(conn, peer, e).await } else { Ok(()) };
            }
            let Some(seq) = e.conversation_seq else { return Ok(()) };
            let cursor = cursors.get(&e.conversation_id).copied().unwrap_or(0);
            if seq <= cursor {
                return Ok(());
            }
            if seq > cursor + 1 {
                return Box::pin(catch_up(state, conn, peer, Some(e.conversation_id))).await;
            }
            cursors.insert(e.conversation_id, seq);
            send_event(conn, peer, e).await
        }
        Peer::Agent { agent, cursor } => {
            if let Payload::Typing { typist, .. } = &e.payload {
                let own = matches!(typist, Typist::User { id, .. } if *id == agent.user.id);
                return if !own && agent.may_see(e.inbox_id) { send_event(conn, peer, e).await } else { Ok(()) };
            }
            let Some(seq) = e.seq else { return Ok(()) };
            if seq <= *cursor {
                return Ok(());
            }
            if seq > *cursor + 1 {
                return Box::pin(catch_up(state, conn, peer, None)).await;
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
async fn catch_up(
    state: &AppState,
    conn: &mut Conn,
    peer: &mut Peer,
    only: Option<ConversationId>,
) -> Result<(), Close> {
    let unavailable = |_| Close(close::GOING_AWAY, "try again");
    let events = match peer {
        Peer::Visitor { account_id, contact_id, cursors } => {
            let ids: Vec<ConversationId> = match only {
                Some(id) => vec![id],
                None => state
                    .app
                    .visitor_cursors(*account_id, *contact_id)
                    .await
                    .map_err(unavailable)?
                    .values()
                    .map(|(id, _)| *id)
                    .collect(),
            };
            let mut out = Vec::new();
            for id in ids {
                let from = cursors.get(&id).copied().unwrap_or(0);
                let r = state.app.visitor_replay(*account_id, id, from).await.map_err(unavailable)?;
                let r = r.ok_or(Close(close::RESYNC, "too far behind; reload"))?;
                cursors.insert(id, r.last.max(from));
                out.extend(r.events);
            }
            out
        }
        Peer::Agent { agent, cursor } => {
            let r = state.app.agent_replay(agent, *cursor).await.map_err(unavailable)?;
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
