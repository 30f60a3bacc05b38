//! M1: memory per idle visitor WebSocket at 5k, 10k and 19k sockets: the
//! server's RSS growth plus half the kernel's Slab growth (both ends of each
//! connection live on this machine; the server's share is taken as half).
//! M1b: new visitor sessions per second (contact created through the Client
//! API + WebSocket upgrade + authenticate), from the same ramp.
//!
//! 19k, not 20k: one process may hold at most 20,000 open files here, and the
//! server needs a few dozen for itself.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::client::*;
use super::hist;
use super::procs::{self, Db};
use super::report::{Report, SQLITE};
use super::worker::{self, Ctl, Job, Worker};
use super::Ctx;

/// Sessions per worker process: well under its 20,000 files, and enough
/// processes that session set-up uses both cores.
const PER_WORKER: usize = 2_500;
const CONCURRENCY: usize = 48;

#[derive(Serialize, Deserialize)]
pub struct IdleJob {
    pub base: String,
    pub token: String,
    pub count: usize,
    pub concurrency: usize,
    pub src: String,
}

/// Opens `count` visitor sessions as fast as `concurrency` allows, reports,
/// then holds them (answering the server's pings) until told to close.
pub async fn idle_worker(job: IdleJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let http = http_client(src)?;
    let started = Instant::now();
    let results: Vec<anyhow::Result<u64>> = futures_util::stream::iter(0..job.count)
        .map(|_| {
            let (http, base, token) = (http.clone(), job.base.clone(), job.token.clone());
            async move {
                let t = now_ns();
                let v = create_visitor(&http, &base, &token).await?;
                let mut ws = ws_connect(&base, src).await?;
                ws_auth(&mut ws, visitor_auth(&v)).await?;
                let took = now_ns().saturating_sub(t);
                tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
                Ok(took)
            }
        })
        .buffer_unordered(job.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut h = hist::new();
    let (mut opened, mut failed, mut first_error) = (0u64, 0u64, None);
    for r in results {
        match r {
            Ok(ns) => {
                opened += 1;
                hist::record_ns(&mut h, ns);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    ctl.emit(json!({"ready": true, "opened": opened, "failed": failed, "first_error": first_error,
        "elapsed_s": elapsed, "hist": hist::encode(&h)}))
        .await?;
    while let Some(cmd) = ctl.next().await? {
        if cmd["cmd"] == "close" {
            break;
        }
    }
    Ok(())
}

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let db = Db { data_dir: ctx.fresh_dir("m1")?, url: None };
    let (_, agent) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
    let server = procs::start_parlor(ctx, "m1-parlor", &db, None).await?;
    let mut workers: Vec<Worker> = Vec::new();
    let r = async {
        let token = procs::website_token(&server.base, &agent).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (rss0, slab0) = (procs::rss_kib(server.pid())?, procs::slab_kib()?);
        let caches0 = procs::slab_caches();
        let (mut total, mut failed, mut secs) = (0u64, 0u64, 0f64);
        let mut sessions = hist::new();
        let mut held = 0usize;
        for target in ctx.profile.m1_steps {
            let add = target - held;
            let n = add.div_ceil(PER_WORKER);
            let mut step = Vec::new();
            for k in 0..n {
                let count = add / n + usize::from(k < add % n);
                let job = Job::Idle(IdleJob {
                    base: server.base.clone(),
                    token: token.clone(),
                    count,
                    concurrency: CONCURRENCY,
                    src: src_ip(ctx.next_src()),
                });
                step.push(Worker::spawn(&format!("m1-{target}-{k}"), &job, &ctx.logs).await?);
            }
            let answers = worker::recv_all(&mut step, Duration::from_secs(600)).await;
            workers.extend(step);
            let answers = answers?;
            let mut step_secs = 0f64;
            for a in &answers {
                total += a["opened"].as_u64().unwrap_or(0);
                failed += a["failed"].as_u64().unwrap_or(0);
                step_secs = step_secs.max(a["elapsed_s"].as_f64().unwrap_or(0.0));
                hist::merge_from(&mut sessions, a, "hist")?;
                if let Some(e) = a["first_error"].as_str() {
                    eprintln!("bench:   M1 session error: {e}");
                }
            }
            secs += step_secs;
            held = target;
            // Let allocator and kernel settle (socket buffers drain, timers fire).
            tokio::time::sleep(Duration::from_secs(3)).await;
            let (rss, slab) = (procs::rss_kib(server.pid())?, procs::slab_kib()?);
            let rss_growth = rss.saturating_sub(rss0) as f64;
            let slab_growth = slab as f64 - slab0 as f64;
            let kb = (rss_growth + slab_growth.max(0.0) / 2.0) * 1.024 / total.max(1) as f64;
            eprintln!(
                "bench:   {total} sockets ({failed} failed): RSS +{rss_growth} KiB, Slab +{slab_growth} KiB: {kb:.2} kB/socket; {:.0} sessions/s",
                add as f64 / step_secs
            );
            // Which kernel caches grew, in bytes per connection (both ends).
            let mut grown: Vec<(String, i64)> = procs::slab_caches()
                .into_iter()
                .map(|(k, v)| {
                    let before = caches0.get(&k).copied().unwrap_or(0) as i64;
                    (k, (v as i64 - before) / total.max(1) as i64)
                })
                .filter(|(_, b)| *b >= 64)
                .collect();
            grown.sort_by_key(|(_, b)| -b);
            grown.truncate(8);
            let label = format!("M1.kb_per_socket.{}k", target / 1000);
            rep.add(&label, kb, "kB", SQLITE, json!({"sockets": total, "failed": failed,
                "rss_growth_kib": rss_growth, "slab_growth_kib": slab_growth,
                "rss_kb_per_socket": rss_growth * 1.024 / total.max(1) as f64,
                "slab_bytes_per_connection": grown.into_iter().map(|(k, b)| (k, json!(b))).collect::<serde_json::Map<_, _>>(),
                "server_rss_kib": rss, "note": "RSS growth + half the Slab growth, per socket"}));
        }
        let extra = json!({"sessions": total, "failed": failed, "concurrency": CONCURRENCY * workers.len(),
            "what": "contact POST + WebSocket upgrade + authenticate"});
        rep.add("M1b.sessions_per_s", total as f64 / secs.max(1e-9), "1/s", SQLITE, extra);
        rep.add("M1b.session_p99_ms", hist::ms(&sessions, 0.99), "ms", SQLITE, serde_json::Value::Null);
        anyhow::Ok(())
    }
    .await;
    worker::close_all(workers).await;
    server.proc.stop().await;
    r
}
