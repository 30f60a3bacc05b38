//! The two workers behind M2, M3 and M5's background load.
//!
//! `send`: visitors, each with a conversation (and a socket, unless told not
//! to), post messages on an open-loop schedule: message `i` is due at
//! `start + i / rate` whatever happened to earlier ones, and every latency is
//! measured from that due time, so a server that falls behind shows it in the
//! tail instead of slowing the load down (coordinated omission).
//!
//! `agents`: agent sockets that time every `message.created` carrying a
//! benchmark echo id (the scheduled send time travels in the id).

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::client::*;
use super::hist::{self, Hist};
use super::worker::Ctl;

/// More requests in flight than this and the server is hopelessly behind:
/// further sends are counted as shed rather than piling up sockets.
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
    pub visitor_ws: bool,
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
}

impl Seen {
    pub fn new() -> Seen {
        Seen { hist: hist::new(), count: 0, dupes: 0, closed: 0, ids: HashSet::new() }
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
        hist::record_ns(&mut self.hist, now_ns().saturating_sub(sched));
    }
}

/// Reads a socket until it closes, timing benchmark messages.
async fn time_deliveries(mut ws: Ws, prefix: String, seen: Arc<Mutex<Seen>>) {
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg {
            if let Some(c) = parse_event(t.as_str()) {
                if let Some(e) = c.echo_id.filter(|e| c.message && e.starts_with(&prefix)) {
                    seen.lock().unwrap_or_else(|p| p.into_inner()).record(&e);
                }
            }
        }
    }
    seen.lock().unwrap_or_else(|p| p.into_inner()).closed += 1;
}

#[derive(Default)]
struct Acks {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    hist: Option<Hist>,
}

pub async fn send_worker(job: SendJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let http = http_client(src)?;
    let echoes = Arc::new(Mutex::new(Seen::new()));
    let setup = futures_util::stream::iter(0..job.visitors)
        .map(|i| {
            let (http, base, token) = (http.clone(), job.bases[i % job.bases.len()].clone(), job.token.clone());
            let (echoes, tag, with_ws) = (echoes.clone(), job.tag.clone(), job.visitor_ws);
            async move {
                let mut v = create_visitor(&http, &base, &token).await?;
                start_conversation(&http, &mut v, &token).await?;
                if with_ws {
                    let mut ws = ws_connect(&base, src).await?;
                    ws_auth(&mut ws, visitor_auth(&v)).await?;
                    tokio::spawn(time_deliveries(ws, tag, echoes));
                }
                anyhow::Ok(v)
            }
        })
        .buffer_unordered(64);
    let visitors: Vec<Visitor> = setup.try_collect().await?;
    let visitors = Arc::new(visitors);
    ctl.emit(json!({"ready": true, "visitors": visitors.len()})).await?;
    let mut n: u64 = 0;
    while let Some(cmd) = ctl.next().await? {
        match cmd["cmd"].as_str() {
            Some("go") => {
                let r = go(&job, &http, &visitors, &echoes, &cmd, &mut n).await?;
                ctl.emit(r).await?;
            }
            _ => break,
        }
    }
    Ok(())
}

/// One open-loop run: `rate` msgs/s for `secs` from `start_ns`, then waits up
/// to `drain_s` for answers and echoes.
async fn go(
    job: &SendJob,
    http: &reqwest::Client,
    visitors: &Arc<Vec<Visitor>>,
    echoes: &Arc<Mutex<Seen>>,
    cmd: &Value,
    n: &mut u64,
) -> anyhow::Result<Value> {
    let start = cmd["start_ns"].as_u64().unwrap_or_else(now_ns);
    let rate = cmd["rate"].as_f64().unwrap_or(1000.0).max(1.0);
    let secs = cmd["secs"].as_f64().unwrap_or(1.0);
    let drain = Duration::from_secs_f64(cmd["drain_s"].as_f64().unwrap_or(5.0));
    echoes.lock().unwrap_or_else(|p| p.into_inner()).reset();
    let acks = Arc::new(Mutex::new(Acks { hist: Some(hist::new()), ..Acks::default() }));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let cpu0 = super::procs::cpu_us(std::process::id()).unwrap_or(0);
    let total = (rate * secs).round() as u64;
    let mut shed = 0u64;
    let mut due = schedule(start, rate, total);
    while let Some((_, sched)) = due.recv().await {
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            shed += 1;
            continue;
        }
        let v = visitors[(*n % visitors.len() as u64) as usize].clone();
        let id = echo_id(&job.tag, *n, sched);
        *n += 1;
        let (http, token, acks, in_flight) = (http.clone(), job.token.clone(), acks.clone(), in_flight.clone());
        in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let content = format!("Hello, I have a question about my order {id}. Is it shipped yet?");
            let r = visitor_says(&http, &v, &token, &content, &id).await;
            let mut a = acks.lock().unwrap_or_else(|p| p.into_inner());
            match r {
                Ok(()) => {
                    a.ok += 1;
                    if let Some(h) = a.hist.as_mut() {
                        hist::record_ns(h, now_ns().saturating_sub(sched));
                    }
                }
                Err(e) => {
                    a.errors += 1;
                    a.first_error.get_or_insert_with(|| format!("{e:#}"));
                }
            }
            drop(a);
            in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
    let deadline = tokio::time::Instant::now() + drain;
    while in_flight.load(Ordering::Relaxed) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ok = acks.lock().unwrap_or_else(|p| p.into_inner()).ok;
    if job.visitor_ws {
        while echoes.lock().unwrap_or_else(|p| p.into_inner()).count < ok && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let cpu = super::procs::cpu_us(std::process::id()).unwrap_or(0).saturating_sub(cpu0);
    let a = acks.lock().unwrap_or_else(|p| p.into_inner());
    let e = echoes.lock().unwrap_or_else(|p| p.into_inner());
    Ok(json!({
        "sent": total, "ok": a.ok, "errors": a.errors, "shed": shed,
        "late": in_flight.load(Ordering::Relaxed), "first_error": a.first_error,
        "ack": a.hist.as_ref().map(hist::encode), "echo": hist::encode(&e.hist),
        "echo_count": e.count, "echo_dupes": e.dupes, "closed": e.closed, "cpu_us": cpu,
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
                let (mut count, mut dupes, mut closed, mut per) = (0, 0, 0, Vec::new());
                for s in &seen {
                    let mut s = s.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = h.add(&s.hist);
                    count += s.count;
                    dupes += s.dupes;
                    closed += s.closed;
                    per.push(s.count);
                    s.reset();
                }
                ctl.emit(json!({"hist": hist::encode(&h), "count": count, "dupes": dupes, "closed": closed, "per_socket": per}))
                    .await?;
            }
            _ => break,
        }
    }
    Ok(())
}
