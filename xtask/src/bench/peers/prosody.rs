//! peer.prosody: Debian's Prosody relaying one-to-one chat over WebSocket
//! (mod_websocket) with every message archived in SQL (mod_mam on
//! mod_storage_sql with SQLite, Prosody's defaults: rollback journal,
//! synchronous=FULL). 100 senders each chat with their own receiver; messages
//! go out on an open-loop schedule and are timed at the receiver.
//!
//! Authentication is mod_auth_insecure (any password): accounts need no
//! registration step, and login is not what is measured.

use std::net::IpAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::xmpp;
use super::{open_loop, record, settle, take, tally, Shared};
use crate::bench::client::src_ip;
use crate::bench::hist;
use crate::bench::procs::{self, Proc};
use crate::bench::report::{Labels, Report};
use crate::bench::Ctx;

const PAIRS: usize = 100;
const RATES: &[f64] = &[100.0, 200.0, 300.0, 500.0, 750.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0];
const LABELS: Labels = Labels { database: "sqlite", sync: "full", processes: 1 };

fn config(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    format!(
        r#"-- Written by cargo xtask bench (peer.prosody).
run_as_root = true
pidfile = "{d}/prosody.pid"
data_path = "{d}"
plugin_paths = {{}}
modules_enabled = {{ "saslauth", "roster", "disco", "mam", "websocket", "http", "ping" }}
modules_disabled = {{ "s2s", "offline" }}
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_websocket_secure = true
http_ports = {{ {port} }}
http_interfaces = {{ "127.0.0.1" }}
https_ports = {{}}
c2s_ports = {{}}
s2s_ports = {{}}
authentication = "insecure"
insecure_open_authentication = "Yes please, I know what I'm doing!"
storage = "sql"
sql = {{ driver = "SQLite3", database = "prosody.sqlite" }}
default_archive_policy = true
archive_expires_after = "never"
log = {{ warn = "{d}/prosody.log" }}
VirtualHost "localhost"
"#
    )
}

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    procs::ensure_installed("/usr/bin/prosody", &["prosody", "lua-dbi-sqlite3"]).await?;
    procs::ensure_installed("/usr/lib/x86_64-linux-gnu/lua/5.4/dbd/sqlite3.so", &["lua-dbi-sqlite3"]).await?;
    let dir = ctx.fresh_dir("prosody")?;
    let port = procs::free_port()?;
    let cfg = dir.join("prosody.cfg.lua");
    std::fs::write(&cfg, config(&dir, port))?;
    let mut cmd = tokio::process::Command::new("/usr/bin/prosody");
    cmd.arg("--config").arg(&cfg).arg("-F");
    let server = Proc::spawn("peer-prosody", cmd, &ctx.logs.join("peer-prosody.log"))?;
    let r = async {
        procs::wait_for_port(port, Duration::from_secs(20)).await?;
        let sent = measure(ctx, rep, port, server.pid).await?;
        // Each message should sit in the archive of both ends.
        use sqlx::Connection;
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("prosody.sqlite")).read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prosodyarchive").fetch_one(&mut conn).await?;
        conn.close().await?;
        eprintln!("bench:   prosody archived {rows} rows for {sent} messages");
        rep.add(
            "peer.prosody.archived_per_msg",
            rows as f64 / sent.max(1) as f64,
            "rows",
            LABELS,
            json!({"rows": rows, "messages": sent, "note": "mod_mam: the sender's and the receiver's archive"}),
        );
        anyhow::Ok(())
    }
    .await;
    server.stop().await;
    r
}

/// Logs in the pairs and runs the latency run and the climb; returns how many
/// messages were sent in all.
async fn measure(ctx: &Ctx, rep: &mut Report, port: u16, pid: u32) -> anyhow::Result<u64> {
    let src: IpAddr = src_ip(ctx.next_src()).parse()?;
    let t = tally();
    let mut senders = Vec::new();
    let mut tasks = Vec::new();
    for p in 0..PAIRS {
        let rx = xmpp::login(port, &format!("r{p}"), src).await?;
        tasks.push(tokio::spawn(receive(rx, t.clone())));
        let tx = xmpp::login(port, &format!("s{p}"), src).await?;
        let (mut sink, mut stream) = tx.split();
        let (q, mut qr) = mpsc::unbounded_channel::<String>();
        tasks.push(tokio::spawn(async move {
            while let Some(m) = qr.recv().await {
                if sink.send(Message::text(m)).await.is_err() {
                    break;
                }
            }
        }));
        tasks.push(tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} }));
        senders.push(q);
    }
    let secs = ctx.profile.peer_secs as f64;
    let mut total = 0;
    let run = |rate: f64, wait: f64| {
        let (senders, t) = (senders.clone(), t.clone());
        async move {
            take(&t);
            let cpu0 = procs::cpu_us(pid).unwrap_or(0);
            let sent = open_loop(rate, secs, |i, sched| {
                let p = i as usize % PAIRS;
                let _ = senders[p].send(xmpp::chat(&format!("r{p}"), i, sched));
                async {}
            })
            .await;
            settle(&t, sent, wait).await;
            let cpu = procs::cpu_us(pid).unwrap_or(0).saturating_sub(cpu0);
            (sent, take(&t), cpu)
        }
    };
    // Warm-up: a few messages per pair (each user's first archive write and
    // session set-up are slow once, and belong to no step).
    let (sent, _, _) = run(PAIRS as f64, 30.0).await;
    total += sent;
    let mut best = None;
    let mut miss = None;
    for &rate in RATES {
        let (sent, got, cpu) = run(rate, 15.0).await;
        total += sent;
        let p99 = hist::ms(&got.hist, 0.99);
        let ok = p99 < 50.0 && got.count >= sent;
        let per = cpu as f64 / sent.max(1) as f64;
        eprintln!(
            "bench:   prosody {rate}/s: p99 {p99:.2} ms, {}/{sent} delivered, {per:.0} µs/msg {}",
            got.count,
            if ok { "pass" } else { "MISS" }
        );
        if !ok {
            miss = Some(json!({"rate": rate, "p99_ms": p99, "delivered": got.count, "sent": sent}));
            break;
        }
        best = Some((rate, per, p99));
    }
    // The latency run at M2's rate comes last: Prosody cannot keep up with it,
    // and the backlog it leaves would spoil any step after it.
    let (sent, got, _) = run(1_000.0, 60.0).await;
    total += sent;
    eprintln!(
        "bench:   prosody at 1000/s: p50 {:.2} p99 {:.2} ms, {}/{sent}",
        hist::ms(&got.hist, 0.5),
        hist::ms(&got.hist, 0.99),
        got.count
    );
    let extra = json!({"rate": 1000, "pairs": PAIRS, "received": got.count, "sent": sent});
    rep.add("peer.prosody.p50_ms", hist::ms(&got.hist, 0.5), "ms", LABELS, extra.clone());
    rep.add("peer.prosody.p99_ms", hist::ms(&got.hist, 0.99), "ms", LABELS, extra);
    for task in tasks {
        task.abort();
    }
    let (rate, cpu, p99) = best.unwrap_or((0.0, f64::NAN, f64::NAN));
    rep.add(
        "peer.prosody.max_rate",
        rate,
        "msgs/s",
        LABELS,
        json!({"p99_ms": p99, "next_step": miss, "step_secs": secs}),
    );
    rep.add(
        "peer.prosody.cpu_us_per_msg",
        cpu,
        "us",
        LABELS,
        json!({"at_rate": rate, "what": "prosody CPU per message"}),
    );
    rep.add("peer.prosody.p99_ms_at_max", p99, "ms", LABELS, json!({"at_rate": rate}));
    Ok(total)
}

async fn receive(mut ws: xmpp::Ws, t: Shared) {
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Text(f) = msg {
            if let Some(s) = xmpp::sched_of(f.as_str()) {
                record(&t, s);
            }
        }
    }
}
