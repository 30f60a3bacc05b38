//! M2: visitor → agent delivery latency at 1,000 msgs/s, durable, SQLite.
//! M2b: the same on PostgreSQL with two Parlor processes joined by NATS: the
//! visitors on process A, the agent's socket on process B.
//!
//! 200 visitors with open conversations send over their sockets (as the
//! widget does) at a fixed 1,000 msgs/s in total; the agent's socket times each
//! `message.created` from the message's scheduled send time.

use serde_json::json;

use super::drive::{Outcome, Rig, RigSpec};
use super::hist;
use super::procs::{self, Db};
use super::report::{Labels, Report, PG2, SQLITE};
use super::Ctx;

const RATE: f64 = 1_000.0;

pub async fn run_sqlite(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let db = Db { data_dir: ctx.fresh_dir("m2")?, url: None };
    let (_, agent) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
    let server = procs::start_parlor(ctx, "m2-parlor", &db, None).await?;
    let r = async {
        let token = procs::website_token(&server.base, &agent).await?;
        let spec = RigSpec {
            name: "m2",
            token: &token,
            visitor_bases: vec![server.base.clone()],
            senders: 1,
            visitors: ctx.profile.m2_visitors,
            agent_bases: vec![server.base.clone()],
            agent_tokens: vec![agent.clone()],
        };
        let o = measure(ctx, spec, &[server.pid()]).await?;
        record(rep, "M2", &o, SQLITE, ctx);
        anyhow::Ok(())
    }
    .await;
    server.proc.stop().await;
    r
}

pub async fn run_postgres(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let name = format!("parlor_{}_m2b", ctx.nonce);
    let url = procs::pg_create(ctx, &name).await?;
    let sync = procs::pg_setting(ctx, "synchronous_commit").await.unwrap_or_default();
    anyhow::ensure!(sync == "on", "PostgreSQL synchronous_commit is {sync}: not durable");
    let (nats, nats_url) = procs::start_nats(ctx, "m2b-nats").await?;
    let db = Db { data_dir: ctx.fresh_dir("m2b")?, url: Some(url) };
    let r = async {
        let (_, agent) = procs::create_user(ctx, &db, "agent.one@bench.test", "agent").await?;
        let a = procs::start_parlor(ctx, "m2b-parlor-a", &db, Some(&nats_url)).await?;
        let b = procs::start_parlor(ctx, "m2b-parlor-b", &db, Some(&nats_url)).await?;
        let r = async {
            let token = procs::website_token(&a.base, &agent).await?;
            let spec = RigSpec {
                name: "m2b",
                token: &token,
                visitor_bases: vec![a.base.clone()],
                senders: 1,
                visitors: ctx.profile.m2_visitors,
                agent_bases: vec![b.base.clone()],
                agent_tokens: vec![agent.clone()],
            };
            let o = measure(ctx, spec, &[a.pid(), b.pid()]).await?;
            record(rep, "M2b", &o, PG2, ctx);
            anyhow::Ok(())
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

/// A short warm-up (connections, caches, the first WAL pages), then the run.
async fn measure(ctx: &Ctx, spec: RigSpec<'_>, pids: &[u32]) -> anyhow::Result<Outcome> {
    let mut rig = Rig::new(ctx, spec).await?;
    let r = async {
        let warm = rig.step(RATE, 2.0, pids).await?;
        eprintln!("bench:   warm-up {}", warm.summary());
        let o = rig.step(RATE, ctx.profile.m2_secs as f64, pids).await?;
        eprintln!("bench:   {}", o.summary());
        anyhow::Ok(o)
    }
    .await;
    rig.close().await;
    r
}

fn record(rep: &mut Report, m: &str, o: &Outcome, l: Labels, ctx: &Ctx) {
    let extra = json!({
        "rate": RATE, "secs": ctx.profile.m2_secs, "visitors": ctx.profile.m2_visitors,
        "agent_sockets": o.agent_sockets, "samples": o.agent_count,
    });
    rep.add(&format!("{m}.p50_ms"), hist::ms(&o.agent, 0.5), "ms", l, extra.clone());
    rep.add(&format!("{m}.p99_ms"), hist::ms(&o.agent, 0.99), "ms", l, extra.clone());
    rep.add(&format!("{m}.p999_ms"), hist::ms(&o.agent, 0.999), "ms", l, extra.clone());
    rep.add(&format!("{m}.max_ms"), hist::max_ms(&o.agent), "ms", l, extra.clone());
    rep.add(&format!("{m}.echo_p99_ms"), hist::ms(&o.echo, 0.99), "ms", l, json!({"what": "visitor's own socket"}));
    rep.add(
        &format!("{m}.ack_p99_ms"),
        hist::ms(&o.ack, 0.99),
        "ms",
        l,
        json!({"what": "message.ack on the visitor's socket"}),
    );
    // Lost: stored (acknowledged) but never delivered to a socket. Messages the
    // server refused, or the harness did not send because thousands were still
    // waiting for an answer, are not lost but count against the rate achieved.
    let lost_extra = json!({"stored": o.ok, "duplicates": o.dupes});
    rep.add(&format!("{m}.lost"), o.lost(true) as f64, "msgs", l, lost_extra);
    let secs = ctx.profile.m2_secs as f64;
    let rate_extra = json!({"scheduled": o.sent, "stored": o.ok, "refused": o.errors, "not_sent_server_behind": o.shed,
        "first_error": o.first_error});
    rep.add(&format!("{m}.stored_per_s"), o.ok as f64 / secs, "msgs/s", l, rate_extra);
    let per = if o.ok > 0 { o.server_cpu_us as f64 / o.ok as f64 } else { f64::NAN };
    rep.add(&format!("{m}.cpu_us_per_msg"), per, "us", l, json!({"what": "server user+system CPU per stored message"}));
}
