//! M4: reconnect storm. N visitors, each with a conversation, a socket and one
//! agent reply already received, lose their connection at the same moment
//! (the TCP socket dropped without a close frame, as when a network or a
//! server goes away); while they are gone the agent answers every one of them
//! again, and they come back spread over a few seconds, each resuming with
//! `since` = the highest seq it saw. Measured: how many resumed within 10 s,
//! messages lost (an agent reply never received) or duplicated (received
//! twice), and the time from the scheduled reconnect to `authenticated`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::client::*;
use super::hist;
use super::procs::{self, Db};
use super::report::{Report, SQLITE};
use super::worker::{self, Ctl, Job, Worker};
use super::Ctx;

/// At most this many sockets per worker process (files: sockets + HTTP).
const PER_WORKER: usize = 4_000;
/// A resume slower than this does not count as resumed.
const WINDOW_S: f64 = 10.0;

#[derive(Serialize, Deserialize)]
pub struct StormJob {
    pub base: String,
    pub token: String,
    pub agent: String,
    pub count: usize,
    pub src: String,
}

/// One visitor: what its sockets received, by message id, and its cursor.
struct Vis {
    v: Visitor,
    cursor: AtomicI64,
    got: Mutex<HashMap<i64, u32>>,
}

/// Reads a visitor socket: counts every message received and keeps the cursor.
async fn read(mut ws: Ws, vis: Arc<Vis>) {
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(t) = msg {
            if let Some(e) = parse_event(t.as_str()) {
                if let Some(seq) = e.seq {
                    vis.cursor.fetch_max(seq, Ordering::Relaxed);
                }
                if let (Kind::Created, Some(id)) = (e.kind, e.message_id) {
                    *vis.got.lock().unwrap_or_else(|p| p.into_inner()).entry(id).or_insert(0) += 1;
                }
            }
        }
    }
}

fn has(vis: &Vis, id: i64) -> bool {
    vis.got.lock().unwrap_or_else(|p| p.into_inner()).contains_key(&id)
}

/// The agent answers every visitor; returns each reply's message id (None if refused).
async fn reply_all(http: &reqwest::Client, job: &StormJob, all: &[Arc<Vis>], text: &str) -> Vec<Option<i64>> {
    futures_util::stream::iter(all.iter().cloned())
        .map(|vis| {
            let http = http.clone();
            async move {
                let m = agent_says(&http, &job.base, &job.agent, vis.v.conversation, text).await.ok()?;
                m["id"].as_i64()
            }
        })
        .buffered(64)
        .collect()
        .await
}

/// Waits until every visitor holds its expected message, or the deadline.
async fn wait_for(all: &[Arc<Vis>], ids: &[Option<i64>], secs: f64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    while tokio::time::Instant::now() < deadline {
        if all.iter().zip(ids).all(|(v, id)| id.is_none_or(|id| has(v, id))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn storm_worker(job: StormJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let http = http_client(src)?;
    let all: Vec<(Arc<Vis>, tokio::task::JoinHandle<()>)> = futures_util::stream::iter(0..job.count)
        .map(|_| {
            let http = http.clone();
            let (base, token) = (job.base.clone(), job.token.clone());
            async move {
                let mut v = create_visitor(&http, &base, &token).await?;
                start_conversation(&http, &mut v, &token).await?;
                let mut ws = ws_connect(&base, src).await?;
                ws_auth(&mut ws, visitor_auth(&v)).await?;
                let vis = Arc::new(Vis { v, cursor: AtomicI64::new(0), got: Mutex::new(HashMap::new()) });
                let task = tokio::spawn(read(ws, vis.clone()));
                anyhow::Ok((vis, task))
            }
        })
        .buffer_unordered(48)
        .try_collect()
        .await?;
    let (visitors, tasks): (Vec<Arc<Vis>>, Vec<_>) = all.into_iter().unzip();
    let first = reply_all(&http, &job, &visitors, "Hi! Thanks for waiting, let me check that for you.").await;
    wait_for(&visitors, &first, 60.0).await;
    let missing = visitors.iter().zip(&first).filter(|(v, id)| id.is_none_or(|id| !has(v, id))).count();
    ctl.emit(json!({"ready": true, "visitors": visitors.len(), "first_missing": missing})).await?;
    let Some(cmd) = ctl.next().await? else { return Ok(()) };
    let start = cmd["start_ns"].as_u64().unwrap_or_else(now_ns);
    let spread = cmd["spread_s"].as_f64().unwrap_or(5.0);
    sleep_until_ns(start).await;
    // The drop: every socket goes at once, without a close frame.
    for t in tasks {
        t.abort();
    }
    let n = visitors.len().max(1);
    let resumes = futures_util::stream::iter(visitors.iter().cloned().enumerate())
        .map(|(i, vis)| async move {
            let sched = start + 100_000_000 + (spread * 1e9 * i as f64 / n as f64) as u64;
            sleep_until_ns(sched).await;
            let since = json!({ vis.v.conversation.to_string(): vis.cursor.load(Ordering::Relaxed) });
            let mut ws = ws_connect(&vis.v.base, src).await?;
            let mut auth = visitor_auth(&vis.v);
            auth["since"] = since;
            ws_auth(&mut ws, auth).await?;
            let took = now_ns().saturating_sub(sched);
            tokio::spawn(read(ws, vis));
            anyhow::Ok(took)
        })
        .buffer_unordered(usize::MAX)
        .collect::<Vec<_>>();
    let (resumes, second) = tokio::join!(
        resumes,
        reply_all(&http, &job, &visitors, "Your order shipped this morning; here is the tracking link.")
    );
    // "Lost" must mean lost, not late: a generous wait for the replies.
    wait_for(&visitors, &second, 60.0).await;
    let mut h = hist::new();
    let (mut resumed, mut failed, mut first_error) = (0u64, 0u64, None);
    for r in resumes {
        match r {
            Ok(ns) if ns as f64 <= WINDOW_S * 1e9 => {
                resumed += 1;
                hist::record_ns(&mut h, ns);
            }
            Ok(ns) => {
                failed += 1;
                hist::record_ns(&mut h, ns);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    let (mut lost, mut dup, mut refused) = (0u64, 0u64, 0u64);
    for (i, vis) in visitors.iter().enumerate() {
        let got = vis.got.lock().unwrap_or_else(|p| p.into_inner());
        for id in [first[i], second[i]] {
            match id {
                Some(id) if !got.contains_key(&id) => lost += 1,
                Some(_) => {}
                None => refused += 1,
            }
        }
        dup += got.values().map(|c| u64::from(c.saturating_sub(1))).sum::<u64>();
    }
    ctl.emit(json!({"resumed": resumed, "failed": failed, "first_error": first_error, "lost": lost,
        "duplicated": dup, "refused": refused, "hist": hist::encode(&h)}))
        .await?;
    Ok(())
}

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let db = Db { data_dir: ctx.fresh_dir("m4")?, url: None };
    let (_, agent) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
    let server = procs::start_parlor(ctx, "m4-parlor", &db, None).await?;
    let mut workers: Vec<Worker> = Vec::new();
    let r = async {
        let token = procs::website_token(&server.base, &agent).await?;
        let total = ctx.profile.m4_visitors;
        let k = total.div_ceil(PER_WORKER);
        for i in 0..k {
            let job = Job::Storm(StormJob {
                base: server.base.clone(),
                token: token.clone(),
                agent: agent.clone(),
                count: total / k + usize::from(i < total % k),
                src: src_ip(ctx.next_src()),
            });
            workers.push(Worker::spawn(&format!("m4-{i}"), &job, &ctx.logs).await?);
        }
        let ready = worker::recv_all(&mut workers, Duration::from_secs(900)).await?;
        let missing: u64 = ready.iter().map(|a| a["first_missing"].as_u64().unwrap_or(0)).sum();
        let spread = ctx.profile.m4_reconnect_spread_s;
        let cmd = json!({"cmd": "storm", "start_ns": now_ns() + 1_000_000_000, "spread_s": spread});
        worker::send_all(&mut workers, &cmd).await?;
        let done = worker::recv_all(&mut workers, Duration::from_secs(300)).await?;
        let mut h = hist::new();
        let sum = |k: &str| done.iter().map(|a| a[k].as_u64().unwrap_or(0)).sum::<u64>();
        for a in &done {
            hist::merge_from(&mut h, a, "hist")?;
            if let Some(e) = a["first_error"].as_str() {
                eprintln!("bench:   M4 resume error: {e}");
            }
        }
        let (resumed, lost, dup) = (sum("resumed"), sum("lost"), sum("duplicated"));
        let pct = 100.0 * resumed as f64 / total.max(1) as f64;
        eprintln!(
            "bench:   {resumed}/{total} resumed, lost {lost}, duplicated {dup}, refused {}, resume p50 {:.1} p99 {:.1} ms",
            sum("refused"),
            hist::ms(&h, 0.5),
            hist::ms(&h, 0.99)
        );
        let extra = json!({"visitors": total, "budget_visitors": 15_000, "reconnect_spread_s": spread,
            "window_s": WINDOW_S, "not_received_before_drop": missing});
        rep.add("M4.resumed_pct", pct, "%", SQLITE, extra.clone());
        rep.add("M4.lost", lost as f64, "msgs", SQLITE, json!({"replies_refused": sum("refused")}));
        rep.add("M4.duplicated", dup as f64, "msgs", SQLITE, serde_json::Value::Null);
        rep.add("M4.resume_p50_ms", hist::ms(&h, 0.5), "ms", SQLITE, serde_json::Value::Null);
        rep.add("M4.resume_p99_ms", hist::ms(&h, 0.99), "ms", SQLITE, extra);
        anyhow::Ok(())
    }
    .await;
    worker::close_all(workers).await;
    server.proc.stop().await;
    r
}
