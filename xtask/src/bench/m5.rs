//! M5: the inbox at scale. A database seeded with many conversations and
//! messages (seed.rs), a background load of 1,000 visitor msgs/s (with their
//! sockets and an agent's socket, as in M2), and an agent's Application API
//! calls timed open-loop: the first inbox page (`GET …/conversations?status=open`),
//! opening a conversation (`GET …/conversations/{id}/messages`, a random
//! seeded one each time), and the tab counts (`GET …/conversations/meta`).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::client::*;
use super::drive::{Rig, RigSpec};
use super::hist::{self, Hist};
use super::procs::{self, Db};
use super::report::{Labels, Report, PG1, SQLITE};
use super::seed::{self, Seed};
use super::worker::{Ctl, Job, Worker};
use super::Ctx;

const LOAD_RATE: f64 = 1_000.0;

#[derive(Serialize, Deserialize, Clone)]
pub struct Target {
    pub name: String,
    /// Request `i` GETs `paths[i % len]`.
    pub paths: Vec<String>,
    pub rate: f64,
}

#[derive(Serialize, Deserialize)]
pub struct ProbeJob {
    pub base: String,
    pub agent: String,
    pub targets: Vec<Target>,
    pub src: String,
}

#[derive(Default)]
struct Probe {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    hist: Option<Hist>,
}

/// Open-loop GETs per target on `go`, each timed from its scheduled time.
pub async fn probe_worker(job: ProbeJob, ctl: &mut Ctl) -> anyhow::Result<()> {
    let src: IpAddr = job.src.parse()?;
    let http = http_client(src)?;
    ctl.emit(json!({"ready": true})).await?;
    let Some(cmd) = ctl.next().await? else { return Ok(()) };
    let start = cmd["start_ns"].as_u64().unwrap_or_else(now_ns);
    let secs = cmd["secs"].as_f64().unwrap_or(10.0);
    let runs = job.targets.iter().map(|t| {
        let (http, base, agent, t) = (http.clone(), job.base.clone(), job.agent.clone(), t.clone());
        async move {
            let p = Arc::new(Mutex::new(Probe { hist: Some(hist::new()), ..Probe::default() }));
            let mut tasks = Vec::new();
            let mut due = schedule(start, t.rate, (t.rate * secs) as u64);
            while let Some((i, sched)) = due.recv().await {
                let url = format!("{base}{}", t.paths[i as usize % t.paths.len()]);
                let (http, agent, p) = (http.clone(), agent.clone(), p.clone());
                tasks.push(tokio::spawn(async move {
                    let r = http.get(&url).header("api_access_token", &agent).send().await;
                    let r = match r {
                        Ok(res) if res.status().is_success() => {
                            res.bytes().await.map(|_| ()).map_err(anyhow::Error::from)
                        }
                        Ok(res) => Err(anyhow::anyhow!("HTTP {} for {url}", res.status())),
                        Err(e) => Err(e.into()),
                    };
                    let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                    match r {
                        Ok(()) => {
                            p.ok += 1;
                            if let Some(h) = p.hist.as_mut() {
                                hist::record_ns(h, now_ns().saturating_sub(sched));
                            }
                        }
                        Err(e) => {
                            p.errors += 1;
                            p.first_error.get_or_insert_with(|| format!("{e:#}"));
                        }
                    }
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
            let p = p.lock().unwrap_or_else(|e| e.into_inner());
            let v = json!({"ok": p.ok, "errors": p.errors, "first_error": p.first_error,
                "hist": p.hist.as_ref().map(hist::encode)});
            (t.name, v)
        }
    });
    let results: Map<String, Value> = futures_util::future::join_all(runs).await.into_iter().collect();
    ctl.emit(Value::Object(results)).await?;
    Ok(())
}

pub async fn run(ctx: &Ctx, rep: &mut Report, pg: bool) -> anyhow::Result<()> {
    let p = ctx.profile;
    let s = Seed {
        conversations: p.m5_conversations as i64,
        per_conversation: p.m5_messages_per_conversation as i64,
        agent_id: 0,
        nonce: ctx.nonce.clone(),
    };
    let pg_name = format!("parlor_{}_m5", ctx.nonce);
    let url = if pg { Some(procs::pg_create(ctx, &pg_name).await?) } else { None };
    let db = Db { data_dir: ctx.fresh_dir(if pg { "m5pg" } else { "m5" })?, url: url.clone() };
    let r = async {
        let (agent_id, agent) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
        let s = Seed { agent_id, ..s };
        let first = match &url {
            Some(u) => seed::postgres(u, &s).await?,
            None => seed::sqlite(&db.data_dir.join("parlor.sqlite3"), &s).await?,
        };
        let server = procs::start_parlor(ctx, if pg { "m5pg-parlor" } else { "m5-parlor" }, &db, None).await?;
        let r = measure(ctx, rep, &server, &agent, first, &s, if pg { PG1 } else { SQLITE }).await;
        server.proc.stop().await;
        r
    }
    .await;
    if pg {
        procs::pg_drop(ctx, &pg_name).await;
    }
    r
}

async fn measure(
    ctx: &Ctx,
    rep: &mut Report,
    server: &procs::Parlor,
    agent: &str,
    first: i64,
    s: &Seed,
    l: Labels,
) -> anyhow::Result<()> {
    let p = ctx.profile;
    let token = procs::website_token(&server.base, agent).await?;
    // The seed must look to Parlor like its own writes: the open tab counts
    // every fifth seeded conversation.
    let meta: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/accounts/1/conversations/meta?status=open", server.base))
        .header("api_access_token", agent)
        .send()
        .await?
        .json()
        .await?;
    let open = meta["meta"]["all_count"].as_i64().unwrap_or(-1);
    anyhow::ensure!(
        open == s.conversations / 5,
        "seeded {} open conversations, Parlor counts {open}",
        s.conversations / 5
    );
    let opens: Vec<String> = (0..500)
        .map(|_| first + (rand::random::<u64>() % s.conversations as u64) as i64)
        .map(|d| format!("/api/v1/accounts/1/conversations/{d}/messages"))
        .collect();
    let t = |name: &str, paths: Vec<String>| Target { name: name.into(), paths, rate: p.m5_probe_rate };
    let job = Job::Probe(ProbeJob {
        base: server.base.clone(),
        agent: agent.to_owned(),
        targets: vec![
            t("list", vec!["/api/v1/accounts/1/conversations?status=open".into()]),
            t("open", opens),
            t("meta", vec!["/api/v1/accounts/1/conversations/meta?status=open".into()]),
        ],
        src: src_ip(ctx.next_src()),
    });
    let spec = RigSpec {
        name: "m5",
        token: &token,
        visitor_bases: vec![server.base.clone()],
        senders: 1,
        visitors: 200,
        agent_bases: vec![server.base.clone()],
        agent_tokens: vec![agent.to_owned()],
    };
    let mut rig = Rig::new(ctx, spec).await?;
    let mut probe = Worker::spawn("m5-probe", &job, &ctx.logs).await?;
    let r = async {
        probe.recv(Duration::from_secs(30)).await?;
        let warm = rig.step(LOAD_RATE, 2.0, &[server.pid()]).await?;
        eprintln!("bench:   warm-up {}", warm.summary());
        // The probes start half a second into the load and end before it does.
        let secs = p.m5_secs as f64;
        probe.send(json!({"cmd": "go", "start_ns": now_ns() + 800_000_000, "secs": secs})).await?;
        let pids = [server.pid()];
        let load = rig.step(LOAD_RATE, secs + 1.0, &pids);
        let (load, probed) = tokio::join!(load, probe.recv(Duration::from_secs_f64(secs + 120.0)));
        anyhow::Ok((load?, probed?))
    }
    .await;
    rig.close().await;
    probe.close().await;
    let (load, probed) = r?;
    eprintln!("bench:   load {}", load.summary());
    let size = json!({"conversations": s.conversations, "messages": s.conversations * s.per_conversation,
        "budget_size": "100k conversations, 5M messages", "load_msgs_per_s": load.ok as f64 / (p.m5_secs as f64 + 1.0),
        "load_p99_ms": hist::ms(&load.deliveries(), 0.99), "probe_rate": p.m5_probe_rate});
    for name in ["list", "open", "meta"] {
        let v = &probed[name];
        let mut h = hist::new();
        hist::merge_from(&mut h, v, "hist")?;
        if let Some(e) = v["first_error"].as_str() {
            eprintln!("bench:   M5 {name} error: {e}");
        }
        eprintln!(
            "bench:   {name}: p50 {:.2} p99 {:.2} ms, {} ok, {} errors",
            hist::ms(&h, 0.5),
            hist::ms(&h, 0.99),
            v["ok"],
            v["errors"]
        );
        let mut extra = size.clone();
        extra["errors"] = v["errors"].clone();
        extra["samples"] = v["ok"].clone();
        rep.add(&format!("M5.{name}_p99_ms"), hist::ms(&h, 0.99), "ms", l, extra);
        rep.add(&format!("M5.{name}_p50_ms"), hist::ms(&h, 0.5), "ms", l, Value::Null);
    }
    Ok(())
}
