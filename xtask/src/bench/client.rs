//! Parlor as its users reach it: the Client API and `/ws` for visitors, `/ws`
//! and the Application API for agents (docs/realtime.md, openapi.json). Every
//! socket is bound to a chosen 127.0.0.x source address, so one worker's
//! connections draw on their own 28k ephemeral ports.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Wall-clock nanoseconds. Latencies cross processes (a visitor's send in one
/// worker, the agent's receipt in another), so the schedule is in wall-clock
/// time, which every process on this machine shares.
pub fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Sleeps until a wall-clock instant.
pub async fn sleep_until_ns(t: u64) {
    let now = now_ns();
    if t > now {
        tokio::time::sleep(Duration::from_nanos(t - now)).await;
    }
}

/// The open-loop schedule: message `i` is due at `start + i * 1e9 / rate`.
/// A plain thread sleeps to each due time and hands `(i, due)` to the async
/// sender: tokio's timer has a 1 ms grain, which would add up to a
/// millisecond of lateness to every message (more than M2's whole p50
/// budget), while a thread's nanosleep wakes within ~60 µs. A sender that
/// falls behind receives everything due at once; lateness stays in the
/// measured latency because it is measured from `due`.
pub fn schedule(start: u64, rate: f64, total: u64) -> tokio::sync::mpsc::UnboundedReceiver<(u64, u64)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let step = 1e9 / rate;
        for i in 0..total {
            let due = start + (i as f64 * step) as u64;
            let now = now_ns();
            if due > now {
                std::thread::sleep(Duration::from_nanos(due - now));
            }
            if tx.send((i, due)).is_err() {
                return;
            }
        }
    });
    rx
}

pub fn http_client(src: IpAddr) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(src)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(60))
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// A visitor as the Client API created it.
#[derive(Clone)]
pub struct Visitor {
    pub base: String,
    pub source_id: String,
    pub pubsub_token: String,
    /// Display id of the visitor's conversation, once started.
    pub conversation: i64,
}

impl Visitor {
    pub fn api(&self, token: &str, rest: &str) -> String {
        format!("{}/public/api/v1/inboxes/{token}/contacts/{}{rest}", self.base, self.source_id)
    }
}

async fn post_json(http: &reqwest::Client, url: &str, body: &Value, agent: Option<&str>) -> anyhow::Result<Value> {
    let mut req = http.post(url).json(body);
    if let Some(t) = agent {
        req = req.header("api_access_token", t);
    }
    let res = req.send().await?;
    let status = res.status();
    if !status.is_success() {
        bail!("HTTP {status}: {}", res.text().await.unwrap_or_default());
    }
    Ok(res.json().await?)
}

/// `POST /public/api/v1/inboxes/{token}/contacts`.
pub async fn create_visitor(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<Visitor> {
    let v = post_json(http, &format!("{base}/public/api/v1/inboxes/{token}/contacts"), &json!({}), None).await?;
    Ok(Visitor {
        base: base.to_owned(),
        source_id: v["source_id"].as_str().context("source_id")?.to_owned(),
        pubsub_token: v["pubsub_token"].as_str().context("pubsub_token")?.to_owned(),
        conversation: 0,
    })
}

/// Starts the visitor's conversation; returns its display id.
pub async fn start_conversation(http: &reqwest::Client, v: &mut Visitor, token: &str) -> anyhow::Result<i64> {
    let c = post_json(http, &v.api(token, "/conversations"), &json!({}), None).await?;
    v.conversation = c["id"].as_i64().context("conversation id")?;
    Ok(v.conversation)
}

/// A visitor's message with its client id (`echo_id`), as its socket sends it.
pub fn message_frame(conversation: i64, content: &str, echo_id: &str) -> String {
    json!({"event": "message", "conversation": conversation, "content": content, "echo_id": echo_id}).to_string()
}

/// An agent's reply through the Application API; returns the stored message.
pub async fn agent_says(
    http: &reqwest::Client,
    base: &str,
    agent: &str,
    conversation: i64,
    content: &str,
) -> anyhow::Result<Value> {
    let url = format!("{base}/api/v1/accounts/1/conversations/{conversation}/messages");
    post_json(http, &url, &json!({"content": content}), Some(agent)).await
}

/// Small client buffers: 19,000 sockets in four processes with tungstenite's
/// default 128 KiB read buffer would take 2.4 GB of the harness's memory.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

/// Opens `/ws` from `src`.
pub async fn ws_connect(base: &str, src: IpAddr) -> anyhow::Result<Ws> {
    let host = base.trim_start_matches("http://");
    let addr: SocketAddr = host.parse().with_context(|| format!("server address {host}"))?;
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(src, 0))?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let url = format!("ws://{host}/ws");
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(ws_config())).await?;
    Ok(ws)
}

/// Sends an `authenticate` frame and waits for `authenticated`; returns its data.
pub async fn ws_auth(ws: &mut Ws, frame: Value) -> anyhow::Result<Value> {
    ws.send(Message::text(frame.to_string())).await?;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no authenticated frame within 30 s")?
            .context("socket closed before authenticated")??;
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str())?;
                if v["event"] == "authenticated" {
                    return Ok(v["data"].clone());
                }
                bail!("expected authenticated, got {v}");
            }
            Message::Close(c) => bail!("closed: {c:?}"),
            _ => continue,
        }
    }
}

pub fn visitor_auth(v: &Visitor) -> Value {
    json!({"event": "authenticate", "pubsub_token": v.pubsub_token})
}

pub fn agent_auth(token: &str) -> Value {
    json!({"event": "authenticate", "access_token": token})
}

/// Client ids name the worker and carry the scheduled send time, so whoever
/// receives the message (another process) computes latency from the schedule:
/// `{tag}-{n}-{scheduled ns}`.
pub fn echo_id(tag: &str, n: u64, sched_ns: u64) -> String {
    format!("{tag}-{n}-{sched_ns}")
}

/// The scheduled time and the sequence number back out of an echo id.
pub fn parse_echo(id: &str) -> Option<(u64, u64)> {
    let mut parts = id.rsplitn(3, '-');
    let sched = parts.next()?.parse().ok()?;
    let n = parts.next()?.parse().ok()?;
    Some((n, sched))
}

#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(borrow)]
    event: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    data: Option<FrameData<'a>>,
    seq: Option<i64>,
}

#[derive(Deserialize)]
struct FrameData<'a> {
    #[serde(borrow)]
    echo_id: Option<std::borrow::Cow<'a, str>>,
    id: Option<Value>,
    #[serde(borrow)]
    code: Option<std::borrow::Cow<'a, str>>,
}

/// The frames a load client tells apart.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `message.created`.
    Created,
    /// `message.ack`, `message.error`: the answer to the socket's own message.
    Ack,
    Error,
    /// Anything else (matters only for its `seq`).
    Other,
}

/// What a load client needs of a frame.
pub struct Event {
    pub kind: Kind,
    pub echo_id: Option<String>,
    pub message_id: Option<i64>,
    pub seq: Option<i64>,
    /// A `message.error`'s code.
    pub error: Option<String>,
}

/// Parses a text frame into the few fields the load clients use.
pub fn parse_event(text: &str) -> Option<Event> {
    let f: Frame = serde_json::from_str(text).ok()?;
    let kind = match f.event.as_ref() {
        "message.created" => Kind::Created,
        "message.ack" => Kind::Ack,
        "message.error" => Kind::Error,
        _ => Kind::Other,
    };
    let (echo_id, message_id, error) = match f.data {
        Some(d) if kind != Kind::Other => {
            (d.echo_id.map(|e| e.into_owned()), d.id.and_then(|i| i.as_i64()), d.code.map(|c| c.into_owned()))
        }
        _ => (None, None, None),
    };
    Some(Event { kind, echo_id, message_id, seq: f.seq, error })
}

/// 127.0.0.`n`: load processes spread their sockets over several loopback
/// addresses (all of 127.0.0.0/8 reaches the loopback on Linux).
pub fn src_ip(n: usize) -> String {
    format!("127.0.0.{}", 10 + (n % 200))
}
