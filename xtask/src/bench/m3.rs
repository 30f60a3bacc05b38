//! M3: the highest sustained durable message rate at which p99 stays under
//! 50 ms, each message stored, echoed to its visitor's socket and delivered to
//! two agent sockets; and the server's CPU time per message at that rate
//! (utime + stime from /proc/<pid>/stat over the step, divided by messages).
//!
//! Rates rise step by step (profile.rs); the first step that misses (p99 over
//! 50 ms, or any message lost, refused or shed) ends the climb. The load
//! generators share the machine's two cores with the server; their CPU per
//! message is reported beside the server's.

use serde_json::json;

use super::drive::{Outcome, Rig, RigSpec};
use super::hist;
use super::procs::{self, Db};
use super::report::{Labels, Report, PG2, SQLITE};
use super::Ctx;

const P99_LIMIT_MS: f64 = 50.0;

pub async fn run_sqlite(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let db = Db { data_dir: ctx.fresh_dir("m3")?, url: None };
    let (_, a1) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
    let (_, a2) = procs::create_user(ctx, &db, "agent.two@bench.test", "agent").await?;
    let server = procs::start_parlor(ctx, "m3-parlor", &db, None).await?;
    let r = async {
        let token = procs::website_token(&server.base, &a1).await?;
        let spec = RigSpec {
            name: "m3",
            token: &token,
            visitor_bases: vec![server.base.clone()],
            senders: 2,
            visitors: ctx.profile.m3_visitors,
            agent_bases: vec![server.base.clone()],
            agent_tokens: vec![a1.clone(), a2.clone()],
        };
        climb(ctx, rep, spec, &[server.pid()], SQLITE).await
    }
    .await;
    server.proc.stop().await;
    r
}

pub async fn run_postgres(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let name = format!("parlor_{}_m3", ctx.nonce);
    let url = procs::pg_create(ctx, &name).await?;
    let (nats, nats_url) = procs::start_nats(ctx, "m3-nats").await?;
    let db = Db { data_dir: ctx.fresh_dir("m3pg")?, url: Some(url) };
    let r = async {
        let (_, a1) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
        let (_, a2) = procs::create_user(ctx, &db, "agent.two@bench.test", "agent").await?;
        let a = procs::start_parlor(ctx, "m3-parlor-a", &db, Some(&nats_url)).await?;
        let b = procs::start_parlor(ctx, "m3-parlor-b", &db, Some(&nats_url)).await?;
        let r = async {
            let token = procs::website_token(&a.base, &a1).await?;
            // Visitors alternate between the processes; one agent on each, so
            // every message crosses NATS to reach one of its three sockets.
            let spec = RigSpec {
                name: "m3pg",
                token: &token,
                visitor_bases: vec![a.base.clone(), b.base.clone()],
                senders: 2,
                visitors: ctx.profile.m3_visitors,
                agent_bases: vec![a.base.clone(), b.base.clone()],
                agent_tokens: vec![a1.clone(), a2.clone()],
            };
            climb(ctx, rep, spec, &[a.pid(), b.pid()], PG2).await
        }
        .await;
        a.proc.stop().await;
        b.proc.stop().await;
        r
    }
    .await;
    nats.stop().await;
    procs::pg_drop(ctx, &name).await;
    r
}

fn passes(o: &Outcome) -> bool {
    hist::ms(&o.deliveries(), 0.99) < P99_LIMIT_MS && o.lost(true) == 0 && o.errors == 0 && o.shed == 0
}

async fn climb(ctx: &Ctx, rep: &mut Report, spec: RigSpec<'_>, pids: &[u32], l: Labels) -> anyhow::Result<()> {
    let mut rig = Rig::new(ctx, spec).await?;
    let r = async {
        // Warm up at the first step's rate: a warm-up the server cannot keep up
        // with would leave a backlog that the first step then pays for.
        let first = *ctx.profile.m3_rates.first().unwrap_or(&250) as f64;
        let warm = rig.step(first, 2.0, pids).await?;
        eprintln!("bench:   warm-up {}", warm.summary());
        let mut best: Option<Outcome> = None;
        let mut miss: Option<Outcome> = None;
        for &rate in ctx.profile.m3_rates {
            let o = rig.step(rate as f64, ctx.profile.m3_step_secs as f64, pids).await?;
            let ok = passes(&o);
            eprintln!(
                "bench:   {} | all p99 {:.2} ms lost {} server {:.1} µs/msg{} {}",
                o.summary(),
                hist::ms(&o.deliveries(), 0.99),
                o.lost(true),
                o.server_cpu_us as f64 / o.ok.max(1) as f64,
                match l.database {
                    "postgres" => format!(", PostgreSQL {:.1} µs/msg", o.db_cpu_us as f64 / o.ok.max(1) as f64),
                    _ => String::new(),
                },
                if ok { "pass" } else { "MISS" }
            );
            if ok {
                best = Some(o);
            } else {
                miss = Some(o);
                break;
            }
        }
        anyhow::Ok((best, miss))
    }
    .await;
    rig.close().await;
    let (best, miss) = r?;
    let secs = ctx.profile.m3_step_secs;
    let miss_json = miss.as_ref().map(|m| {
        json!({"rate": m.rate, "p99_ms": hist::ms(&m.deliveries(), 0.99), "lost": m.lost(true),
            "errors": m.errors, "shed": m.shed, "first_error": m.first_error,
            "server_cpu_us_per_msg": m.server_cpu_us as f64 / m.ok.max(1) as f64})
    });
    match best {
        Some(b) => {
            let extra = json!({"step_secs": secs, "p99_ms": hist::ms(&b.deliveries(), 0.99),
                "agent_sockets": b.agent_sockets, "next_step": miss_json});
            rep.add("M3.max_rate", b.rate, "msgs/s", l, extra);
            rep.add(
                "M3.p99_ms_at_max",
                hist::ms(&b.deliveries(), 0.99),
                "ms",
                l,
                json!({"deliveries": b.agent_count + b.echo_count}),
            );
            let cpu = b.server_cpu_us as f64 / b.ok.max(1) as f64;
            rep.add(
                "M3.cpu_us_per_msg",
                cpu,
                "us",
                l,
                json!({"at_rate": b.rate, "what": "server CPU per stored message"}),
            );
            if l.database == "postgres" {
                let db = b.db_cpu_us as f64 / b.ok.max(1) as f64;
                let what = "PostgreSQL's processes per stored message, same machine";
                rep.add("M3.db_cpu_us_per_msg", db, "us", l, json!({"at_rate": b.rate, "what": what}));
            }
            let client = b.client_cpu_us as f64 / b.ok.max(1) as f64;
            rep.add(
                "M3.client_cpu_us_per_msg",
                client,
                "us",
                l,
                json!({"what": "visitor load generator, same machine"}),
            );
        }
        None => rep.add("M3.max_rate", 0.0, "msgs/s", l, json!({"step_secs": secs, "first_step": miss_json})),
    }
    Ok(())
}
