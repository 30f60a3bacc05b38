//! The two workers behind M2, M3 and M5's background load.
//!
//! `send`: visitors, each with a conversation and a socket, send messages over
//! their socket as the widget does (`message` frames, docs/realtime.md) on an
//! open-loop schedule: message `i` is due at `start + i / rate` whatever
//! happened to earlier ones, and every latency is measured from that due time,
//! so a server that falls behind shows it in the tail instead of slowing the
//! load down (coordinated omission). The socket's reader times the
//! `message.ack` and the visitor's own `message.created` (the echo).
//!
//! `agents`: agent sockets that time every `message.created` carrying a
//! benchmark echo id (the scheduled send time travels in the id).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;
use tokio_tungstenite::tungstenite::Message;

use super::client::*;
use super::hist::{self, Hist};
use super::worker::Ctl;

/// More messages in flight than this and the server is hopelessly behind:
/// further sends are counted as shed rather than piling up.
const MAX_IN_FLIGHT: usize = 8_000;

#[derive(Serialize, Deserialize)]
pub struct SendJob {
    /// Visitor `i` talks to `bases[i % len]` (API and socket).
    pub bases: Vec<String>,
    pub token: String,
    pub visitors: usize,
    pub src: String,
    /// Echo-id prefix, unique per worker.
    pub tag: String,
}

#[derive(Serialize, Deserialize)]
pub struct AgentsJob {
    /// Socket `i` connects to `bases[i % len]` with `tokens[i]`.
    pub bases: Vec<String>,
    pub tokens: Vec<String>,
    pub src: String,
    /// Only echo ids starting with this count (the run's common prefix).
    pub prefix: String,
}

/// Deliveries seen by one or more sockets.
pub struct Seen {
    pub hist: Hist,
    pub count: u64,
    pub dupes: u64,
    pub closed: u64,
    ids: HashSet<String>,
    /// The slowest deliveries (latency ns, scheduled ns), to tell a burst at
    /// one moment from a spread-out tail.
    slowest: Vec<(u64, u64)>,
}

/// Deliveries slower than this are candidates for [`Seen::slowest`].
const SLOW_NS: u64 = 20_000_000;
const SLOWEST_KEPT: usize = 5;

impl Seen {
    pub fn new() -> Seen {
        Seen { hist: hist::new(), count: 0, dupes: 0, closed: 0, ids: HashSet::new(), slowest: Vec::new() }
    }

    fn reset(&mut self) {
        let closed = self.closed;
        *self = Seen::new();
        self.closed = closed;
    }

    fn record(&mut self, echo: &str) {
        let Some((_, sched)) = parse_echo(echo) else { return };
        if !self.ids.insert(echo.to_owned()) {
            self.dupes += 1;
            return;
        }
        self.count += 1;
        let took = now_ns().saturating_sub(sched);
        hist::record_ns(&mut self.hist, took);
        if took >= SLOW_NS {
            self.slowest.push((took, sched));
            self.slowest.sort_unstable_by(|a, b| b.cmp(a));
            self.slowest.truncate(SLOWEST_KEPT);
        }
    }
}

/// Reads an agent's socket until it closes, timing benchmark messages.
async fn time_deliveries(mut ws: Ws, prefix: String, seen: Arc<Mutex<Seen>>) {
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg {
            if let Some(c) = parse_event(t.as_str()) {
                if let Some(e) = c.echo_id.filter(|e| c.kind == Kind::Created && e.starts_with(&prefix)) {
                    lock(&seen).record(&e);
                }
            }
        }
    }
    lock(&seen).closed += 1;
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What one sender worker measured in one step: answers to its messages
/// (`message.ack` / `message.error`) and the visitors' own echoes.
struct Tally {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    ack: Hist,
    echoes: Seen,
}

impl Tally {
    fn new() -> Tally {
        Tally { ok: 0, errors: 0, first_error: None, ack: hist::new(), echoes: Seen::new() }
    }
}

struct Shared {
    tally: Mutex<Tally>,
    in_flight: AtomicUsize,
    /// The first message number of the current step: answers to earlier ones
    /// (late from the step before) are not counted in this one.
    step_from: AtomicU64,
}

/// A visitor ready to send: its conversation and its socket's writer.
struct Sender {
    conversation: i64,
    out: UnboundedSender<Message>,
}

/// Reads a visitor's socket until it closes: answers and echoes.
async fn read_visitor(mut ws: SplitStream<Ws>, tag: String, shared: Arc<Shared>) {
    while let Some(Ok(msg)) = ws.next().await {
        let Message::Text(text) = msg else { continue };
        let Some(e) = parse_event(text.as_str()) else { continue };
        let Some(echo) = e.echo_id.filter(|id| id.starts_with(&tag)) else { continue };
        let (number, sched) = parse_echo(&echo).unwrap_or_default();
        let current = number >= shared.step_from.load(Ordering::Relaxed);
        let mut t = lock(&shared.tally);
        match e.kind {
            Kind::Created if current => t.echoes.record(&echo),
            Kind::Ack if current => {
                t.ok += 1;
                hist::record_ns(&mut t.ack, now_ns().saturating_sub(sched));
            }
            Kind::Error if current => {
                t.errors += 1;
                t.first_error.get_or_insert_with(|| e.error.unwrap_or_default());
            }
            _ => {}
        }
        drop(t);
        if matches!(e.kind, Kind::Ack | Kind::Error) {
            shared.in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
    lock(&shared.tally).echoes.closed += 1;
}

pub async fn send_worker(job: SendJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let http = http_client(src)?;
    let shared = Arc::new(Shared {
        tally: Mutex::new(Tally::new()),
        in_flight: AtomicUsize::new(0),
        step_from: AtomicU64::new(0),
    });
    let setup = futures_util::stream::iter(0..job.visitors)
        .map(|i| {
            let (http, base, token) = (http.clone(), job.bases[i % job.bases.len()].clone(), job.token.clone());
            let (shared, tag) = (shared.clone(), job.tag.clone());
            async move {
                let mut v = create_visitor(&http, &base, &token).await?;
                start_conversation(&http, &mut v, &token).await?;
                let mut ws = ws_connect(&base, src).await?;
                ws_auth(&mut ws, visitor_auth(&v)).await?;
                let (mut sink, stream) = ws.split();
                tokio::spawn(read_visitor(stream, tag, shared));
                // The schedule hands frames to a writer per socket: no task per message.
                let (out, mut frames) = tokio::sync::mpsc::unbounded_channel();
                tokio::spawn(async move {
                    while let Some(f) = frames.recv().await {
                        if sink.send(f).await.is_err() {
                            break;
                        }
                    }
                });
                anyhow::Ok(Sender { conversation: v.conversation, out })
            }
        })
        .buffer_unordered(64);
    let visitors: Vec<Sender> = setup.try_collect().await?;
    ctl.emit(json!({"ready": true, "visitors": visitors.len()})).await?;
    let mut n: u64 = 0;
    while let Some(cmd) = ctl.next().await? {
        match cmd["cmd"].as_str() {
            Some("go") => {
                let r = go(&job, &visitors, &shared, &cmd, &mut n).await?;
                ctl.emit(r).await?;
            }
            _ => break,
        }
    }
    Ok(())
}

/// One open-loop run: `rate` msgs/s for `secs` from `start_ns`, then waits up
/// to `drain_s` for answers and echoes.
async fn go(job: &SendJob, visitors: &[Sender], shared: &Shared, cmd: &Value, n: &mut u64) -> anyhow::Result<Value> {
    let start = cmd["start_ns"].as_u64().unwrap_or_else(now_ns);
    let rate = cmd["rate"].as_f64().unwrap_or(1000.0).max(1.0);
    let secs = cmd["secs"].as_f64().unwrap_or(1.0);
    let drain = Duration::from_secs_f64(cmd["drain_s"].as_f64().unwrap_or(5.0));
    shared.step_from.store(*n, Ordering::Relaxed);
    {
        let mut t = lock(&shared.tally);
        let echoes = std::mem::replace(&mut t.echoes, Seen::new());
        *t = Tally::new();
        t.echoes.closed = echoes.closed;
    }
    let cpu0 = super::procs::cpu_us(std::process::id()).unwrap_or(0);
    let total = (rate * secs).round() as u64;
    let mut shed = 0u64;
    let mut due = schedule(start, rate, total);
    while let Some((_, sched)) = due.recv().await {
        if shared.in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            shed += 1;
            continue;
        }
        let v = &visitors[(*n % visitors.len() as u64) as usize];
        let id = echo_id(&job.tag, *n, sched);
        *n += 1;
        let content = format!("Hello, I have a question about my order {id}. Is it shipped yet?");
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        if v.out.send(Message::text(message_frame(v.conversation, &content, &id))).is_err() {
            // The socket's writer is gone (the socket closed): never answered.
            shared.in_flight.fetch_sub(1, Ordering::Relaxed);
            lock(&shared.tally).errors += 1;
        }
    }
    let deadline = tokio::time::Instant::now() + drain;
    while shared.in_flight.load(Ordering::Relaxed) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let echoed = || {
        let t = lock(&shared.tally);
        t.echoes.count >= t.ok
    };
    while !echoed() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu = super::procs::cpu_us(std::process::id()).unwrap_or(0).saturating_sub(cpu0);
    let t = lock(&shared.tally);
    Ok(json!({
        "sent": total, "ok": t.ok, "errors": t.errors, "shed": shed,
        "late": shared.in_flight.load(Ordering::Relaxed), "first_error": t.first_error,
        "ack": hist::encode(&t.ack), "echo": hist::encode(&t.echoes.hist),
        "echo_count": t.echoes.count, "echo_dupes": t.echoes.dupes, "closed": t.echoes.closed, "cpu_us": cpu,
    }))
}

pub async fn agents_worker(job: AgentsJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let mut seen = Vec::new();
    for (i, token) in job.tokens.iter().enumerate() {
        let mut ws = ws_connect(&job.bases[i % job.bases.len()], src).await?;
        ws_auth(&mut ws, agent_auth(token)).await?;
        let s = Arc::new(Mutex::new(Seen::new()));
        tokio::spawn(time_deliveries(ws, job.prefix.clone(), s.clone()));
        seen.push(s);
    }
    ctl.emit(json!({"ready": true, "sockets": seen.len()})).await?;
    while let Some(cmd) = ctl.next().await? {
        match cmd["cmd"].as_str() {
            Some("report") => {
                let mut h = hist::new();
                let (mut count, mut dupes, mut closed, mut per, mut slow) = (0, 0, 0, Vec::new(), Vec::new());
                for (i, s) in seen.iter().enumerate() {
                    let mut s = lock(s);
                    let _ = h.add(&s.hist);
                    count += s.count;
                    dupes += s.dupes;
                    closed += s.closed;
                    per.push(s.count);
                    slow.extend(s.slowest.iter().map(|(took, sched)| json!([i, sched, took])));
                    s.reset();
                }
                let report = json!({
                    "hist": hist::encode(&h), "count": count, "dupes": dupes, "closed": closed,
                    "per_socket": per, "slowest": slow,
                });
                ctl.emit(report).await?;
            }
            _ => break,
        }
    }
    Ok(())
}
