//! `/ws`: one WebSocket endpoint for visitors and agents (docs/realtime.md).
//!
//! Each socket subscribes to its hub topic *before* reading its starting cursor
//! from the database, so nothing committed in between is missed; a frame whose
//! seq is not above the cursor is a duplicate and dropped; a gap (events
//! published out of order, or a lagging channel) is filled from the event log.

mod access;
mod frames;
mod peer;
mod send;
mod viewing;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::hub::{Received, Subscription};
use app::presence::PresenceGuard;
use app::App;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use futures_util::{FutureExt, SinkExt};
use peer::{authenticate, catch_up, deliver, start, Peer};
use serde::Deserialize;

use crate::extract::{same_origin, session_cookie};
use crate::ratelimit::Limit;
use crate::serve::ConnectionSlot;
use crate::AppState;

/// Largest client frame; clients only send small control frames.
pub const MAX_CLIENT_FRAME: usize = 4096;
/// The read buffer a socket keeps while idle (M1). Once a frame's header is read,
/// tungstenite reserves the frame's whole length on top of what is buffered, so
/// a buffer under twice a frame's size grows anyway: 256 bytes hold the usual
/// `authenticate` (~110 bytes), `ping` and short `message` frames; a larger
/// frame grows it.
const READ_BUFFER: usize = 256;
/// Frames queue in the socket's write buffer and go out in one write when the
/// socket has nothing more ready to send, or when this much is waiting: a busy
/// agent's socket sends a burst of events with one system call instead of one
/// each, and a visitor's acknowledgement leaves with the echo of its message.
/// The buffer starts empty and grows only as far as a socket's bursts go.
const WRITE_BUFFER: usize = 8 * 1024;
/// At most this many ready events are queued before the socket writes them out
/// and looks at its client's frames again.
const BURST: usize = 64;
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
const IDLE_LIMIT: Duration = Duration::from_secs(90);
/// Client frames allowed per second (a token bucket with this burst).
const FRAMES_PER_SECOND: f32 = 10.0;
const FRAME_BURST: f32 = 20.0;

pub mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const UNSUPPORTED: u16 = 1003;
    pub const INVALID_PAYLOAD: u16 = 1007;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const RESYNC: u16 = 4000;
    /// The credential ended or was revoked: sign in again (or, for a
    /// visitor, start afresh); do not reconnect with it.
    pub const REVOKED: u16 = 4001;
}

pub async fn handler(
    State(state): State<AppState>,
    slot: Option<Extension<ConnectionSlot>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    // A session cookie counts only on an upgrade from our own origin: another
    // site's page must not open an agent socket with the agent's cookie.
    let cookie = session_cookie(&headers).filter(|_| same_origin(&headers, state.config.public_url.as_deref()));
    // Small buffers: an idle socket keeps its read buffer (M1). Frames up to
    // MAX_CLIENT_FRAME still arrive whole: the buffer grows to a frame's length
    // once its header is read.
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        // Not an async block taking the socket: a block's captures stay reserved
        // in the task for its whole life even after they moved on, so the socket
        // would take its room twice. `Conn::new` puts it in its one place first.
        .on_upgrade(move |socket| {
            let conn = Conn::new(socket, state.limits.visitor_messages, state.config.ws_ping_every);
            let task = serve(state.app, conn, cookie);
            debug_assert!(
                std::mem::size_of_val(&task) <= MAX_SOCKET_TASK,
                "the socket task grew to {} bytes: box what an idle socket does not need",
                std::mem::size_of_val(&task)
            );
            // The socket counts against its address's connection cap until it
            // ends (serve.rs). `map`, not an async block: no second copy of `task`.
            task.map(move |()| drop(slot))
        })
}

/// Bytes of a socket's future, the bulk of an idle socket's memory (M1). It is
/// 904 in a debug build now: the `Conn` (416, its `WebSocket` 368), the
/// session (a visitor's ids and cursors, or a boxed agent), the presence guard
/// (40: inline, because a box would cost more than it saves) and the live loop.
/// `RUSTC_BOOTSTRAP=1 cargo rustc -p web --release -- -Zprint-type-sizes`
/// shows what takes the room when this check fires.
const MAX_SOCKET_TASK: usize = 928;

/// Any client frame: `authenticate` uses the tokens and `since`, `message` the
/// conversation, content and echo id (ws/send.rs).
#[derive(Deserialize)]
struct ClientFrame {
    event: String,
    pubsub_token: Option<String>,
    access_token: Option<String>,
    /// An agent's account (a user in several); default: their first.
    account_id: Option<i64>,
    since: Option<serde_json::Value>,
    conversation: Option<i64>,
    content: Option<String>,
    echo_id: Option<String>,
    /// `viewing`: what the agent writes, `reply` or `comment` (null: nothing).
    composing: Option<String>,
}

/// Why a socket closes: a close code and a short reason.
#[derive(Clone, Copy)]
struct Close(u16, &'static str);

/// One socket. Not split into sink and stream halves: the halves share the
/// socket through another allocation, and one task does both anyway.
struct Conn {
    ws: WebSocket,
    /// An `f32` (tokens up to 20 need no more) beside `ping_every_ms`: the two
    /// share the room one `f64` took.
    bucket: f32,
    refilled: Instant,
    last_heard: Instant,
    /// The Client API's per-visitor message limit, which `message` frames
    /// share (ws/send.rs). Kept here rather than passed down the live loop:
    /// each argument of that loop is room in every socket's task.
    messages: Limit,
    /// How often the socket pings its client, and an agent's socket checks
    /// its credential again (ws/access.rs), in milliseconds: `WebConfig::ws_ping_every`.
    ping_every_ms: u32,
}

impl Conn {
    fn new(ws: WebSocket, messages: Limit, ping_every: Duration) -> Conn {
        let ping_every_ms = u32::try_from(ping_every.as_millis()).unwrap_or(u32::MAX).max(1);
        Conn { ws, bucket: FRAME_BURST, refilled: Instant::now(), last_heard: Instant::now(), messages, ping_every_ms }
    }

    fn ping_every(&self) -> Duration {
        Duration::from_millis(u64::from(self.ping_every_ms))
    }

    /// Queues a frame; [`Conn::flush`] writes what is queued. The buffer also
    /// writes itself out once it holds more than [`WRITE_BUFFER`].
    async fn send(&mut self, frame: &Arc<str>) -> Result<(), Close> {
        self.send_message(Message::Text(Utf8Bytes::from(frame.as_ref()))).await
    }

    async fn send_message(&mut self, m: Message) -> Result<(), Close> {
        self.ws.feed(m).await.map_err(|_| Close(close::GOING_AWAY, ""))
    }

    async fn flush(&mut self) -> Result<(), Close> {
        SinkExt::flush(&mut self.ws).await.map_err(|_| Close(close::GOING_AWAY, ""))
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame { code, reason: Utf8Bytes::from_static(reason) };
        let _ = self.ws.send(Message::Close(Some(frame))).await;
        // Drain what the client still sends until it answers our close: closing
        // the TCP connection with unread input makes the kernel send a reset, and
        // the client would never see the close code.
        let drain = async {
            while let Some(Ok(m)) = self.ws.recv().await {
                if matches!(m, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
        let _ = SinkExt::close(&mut self.ws).await;
    }

    /// Reads the next client frame as parsed JSON; `Ok(None)` for control frames.
    fn read(&mut self, msg: Option<Result<Message, axum::Error>>) -> Result<Option<ClientFrame>, Close> {
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
            (self.bucket + now.duration_since(self.refilled).as_secs_f32() * FRAMES_PER_SECOND).min(FRAME_BURST);
        self.refilled = now;
        if self.bucket < 1.0 {
            return Err(Close(close::POLICY, "too many frames"));
        }
        self.bucket -= 1.0;
        match msg {
            // An object only: serde would read the struct from an array's
            // positions too (threats.md #4). Its fields are scalars, so this
            // byte is the whole of json.rs's rule here, at no cost per message.
            Message::Text(t) if t.as_str().trim_start().starts_with('{') => {
                serde_json::from_str::<ClientFrame>(t.as_str())
                    .map(Some)
                    .map_err(|_| Close(close::INVALID_PAYLOAD, "invalid frame"))
            }
            Message::Text(_) => Err(Close(close::INVALID_PAYLOAD, "invalid frame")),
            Message::Binary(_) => Err(Close(close::UNSUPPORTED, "binary frames are not supported")),
            Message::Close(_) => Err(Close(close::GOING_AWAY, "")),
            Message::Ping(_) | Message::Pong(_) => Ok(None),
        }
    }
}

/// A socket's whole life: it is the future of the socket's task, and while the
/// socket idles, that future is most of what it costs (M1). Not an `async fn`:
/// one would keep a second copy of its arguments (the `Conn` is ~400 bytes).
#[allow(clippy::manual_async_fn)]
fn serve(app: App, mut conn: Conn, cookie: Option<String>) -> impl std::future::Future<Output = ()> + Send {
    async move {
        // Everything before the live loop is boxed: it holds database futures
        // and the replay, far larger than an idle socket's state. Inline, their
        // room would stay reserved in the task for the socket's whole life; a
        // box is freed when its step is done.
        let mut opened = Box::pin(open(&app, &mut conn, cookie)).await;
        // Borrowed, not moved out: moving would keep room for a second copy.
        let result = match &mut opened {
            Ok((peer, events, _online)) => live(&app, &mut conn, peer, events).await,
            Err(e) => Err(*e),
        };
        if let Ok((mut peer, events, online)) = opened {
            app.hub().unsubscribe(events);
            drop(online);
            viewing::left(&app, &mut peer);
            if let Some((account, user)) = peer.agent_user() {
                Box::pin(app.agent_seen(account, user)).await;
            }
        }
        if let Err(Close(code, reason)) = result {
            Box::pin(conn.close(code, reason)).await;
        }
    }
}

/// Reads the first frame, which must authenticate, subscribes to the socket's
/// topic, and sends `authenticated` and the replay. Subscribing comes before
/// `start` reads the cursors, so nothing committed in between is missed.
/// The socket counts as its person online from here until it closes.
async fn open(
    app: &App,
    conn: &mut Conn,
    cookie: Option<String>,
) -> Result<(Peer, Subscription, PresenceGuard), Close> {
    let first = loop {
        let msg = tokio::time::timeout(AUTH_TIMEOUT, conn.ws.recv())
            .await
            .map_err(|_| Close(close::POLICY, "authenticate first"))?;
        if let Some(frame) = conn.read(msg)? {
            break frame;
        }
    };
    if first.event != "authenticate" {
        return Err(Close(close::POLICY, "authenticate first"));
    }
    let (topic, mut peer) = authenticate(app, &first, cookie).await?;
    let events = app.hub().subscribe(topic);
    let (account, who) = peer.present();
    let online = app.presence().arrive(account, who);
    // Off the socket's way: authenticating does not wait for this write.
    if let Some((account, user)) = peer.agent_user() {
        let app = app.clone();
        tokio::spawn(async move { app.agent_seen(account, user).await });
    }
    let started = match start(app, conn, &mut peer, first.since).await {
        // `authenticated` and the replay were queued: send them now.
        Ok(()) => conn.flush().await,
        Err(e) => Err(e),
    };
    match started {
        Ok(()) => Ok((peer, events, online)),
        Err(e) => {
            app.hub().unsubscribe(events);
            Err(e)
        }
    }
}

/// The authenticated socket until it closes: client frames, hub events, pings.
/// Its state is what an idle socket costs, so what it rarely does is boxed.
/// What a turn of the loop queued, and any events ready meanwhile, leave in
/// one write at the end of the turn.
async fn live(app: &App, conn: &mut Conn, peer: &mut Peer, events: &Subscription) -> Result<(), Close> {
    // A sleep reset after each ping rather than an `Interval`, which would box
    // its sleep: one allocation less per socket.
    let ping = tokio::time::sleep(conn.ping_every());
    tokio::pin!(ping);
    loop {
        tokio::select! {
            msg = conn.ws.recv() => {
                // The parsed frame moves into a boxed future in this statement,
                // which has no await: a frame alive across the await below would
                // keep room for itself in the task for good.
                let answer = conn.read(msg)?.map(|frame| Box::pin(answer(app, conn, peer, frame)));
                if let Some(answer) = answer {
                    answer.await?;
                }
            }
            received = events.recv() => Box::pin(on_event(app, conn, peer, events, received)).await?,
            () = &mut ping => {
                if conn.last_heard.elapsed() > IDLE_LIMIT {
                    return Err(Close(close::GOING_AWAY, "idle"));
                }
                ping.as_mut().reset(tokio::time::Instant::now() + conn.ping_every());
                Box::pin(tick(app, conn, peer)).await?;
            }
        }
        if events.has_ready() {
            Box::pin(drain(app, conn, peer, events)).await?;
        }
        // Not boxed: this runs every turn, and its future (two references)
        // does not grow the task (it is not alive beside the select's).
        conn.flush().await?;
    }
}

/// The ping timer: an agent's socket checks its credential, then the client
/// is pinged.
async fn tick(app: &App, conn: &mut Conn, peer: &mut Peer) -> Result<(), Close> {
    if let Peer::Agent { agent, .. } = peer {
        agent.periodic_check(app, conn).await?;
    }
    conn.send_message(Message::Ping(Default::default())).await
}

/// One hub event for this socket.
async fn on_event(
    app: &App,
    conn: &mut Conn,
    peer: &mut Peer,
    events: &Subscription,
    received: Received,
) -> Result<(), Close> {
    match received {
        Received::Event(e) => deliver(app, conn, peer, events, e).await,
        Received::Lagged => catch_up(app, conn, peer, None).await,
        // The hub closes at shutdown (`crate::router`).
        Received::Closed => Err(Close(close::GOING_AWAY, "server shutting down")),
    }
}

/// Queues the events already waiting in the mailbox, up to [`BURST`].
async fn drain(app: &App, conn: &mut Conn, peer: &mut Peer, events: &Subscription) -> Result<(), Close> {
    for _ in 0..BURST {
        let Some(received) = events.try_recv() else { break };
        on_event(app, conn, peer, events, received).await?;
    }
    Ok(())
}

/// A client frame after authentication. Frames are answered in order: the
/// socket reads its next frame (and its next hub event) after this one's
/// answer, so a message is acknowledged before the next one is read.
async fn answer(app: &App, conn: &mut Conn, peer: &mut Peer, frame: ClientFrame) -> Result<(), Close> {
    match frame.event.as_str() {
        "ping" => conn.send(&frames::simple("pong", serde_json::Value::Null)).await,
        "viewing" => Box::pin(viewing::frame(app, conn, peer, frame)).await,
        // Boxed apart: a ping's box need not be the size of a database write.
        "message" => Box::pin(send::message(app, conn, peer, frame)).await,
        _ => Err(Close(close::INVALID_PAYLOAD, "unknown event")),
    }
}
