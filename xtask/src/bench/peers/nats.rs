//! peer.nats: raw pub/sub fan-out through a nats-server of our own, with no
//! persistence: the floor under any real-time chat's delivery. One publisher,
//! two subscribers (as M3 delivers to two agent sockets), payloads the size of
//! a Parlor `message.created` frame carrying their scheduled send time.

use futures_util::StreamExt;
use serde_json::json;

use super::{open_loop, record, settle, take, tally};
use crate::bench::hist;
use crate::bench::procs;
use crate::bench::report::{Report, NONE};
use crate::bench::Ctx;

const PAYLOAD: usize = 600;
const RATES: &[f64] = &[10_000.0, 25_000.0, 50_000.0, 100_000.0, 200_000.0, 400_000.0];
const SUBSCRIBERS: u64 = 2;

fn payload(sched: u64) -> Vec<u8> {
    let mut p = format!("{sched};").into_bytes();
    p.resize(PAYLOAD, b'x');
    p
}

fn sched_of(p: &[u8]) -> Option<u64> {
    let end = p.iter().position(|b| *b == b';')?;
    std::str::from_utf8(&p[..end]).ok()?.parse().ok()
}

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let (server, url) = procs::start_nats(ctx, "peer-nats").await?;
    let pid = server.pid;
    let r = measure(ctx, rep, &url, pid).await;
    server.stop().await;
    r
}

async fn measure(ctx: &Ctx, rep: &mut Report, url: &str, pid: u32) -> anyhow::Result<()> {
    let t = tally();
    let mut subs = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let c = async_nats::connect(url).await?;
        let mut sub = c.subscribe("bench.chat").await?;
        let t = t.clone();
        subs.push(tokio::spawn(async move {
            let _keep = c;
            while let Some(m) = sub.next().await {
                if let Some(s) = sched_of(&m.payload) {
                    record(&t, s);
                }
            }
        }));
    }
    let publisher = async_nats::connect(url).await?;
    let secs = ctx.profile.peer_secs as f64;
    let run = |rate: f64| {
        let (publisher, t) = (publisher.clone(), t.clone());
        async move {
            take(&t);
            let cpu0 = procs::cpu_us(pid).unwrap_or(0);
            let sent = open_loop(rate, secs, |_, sched| {
                let p = publisher.clone();
                async move {
                    let _ = p.publish("bench.chat", payload(sched).into()).await;
                }
            })
            .await;
            let _ = publisher.flush().await;
            settle(&t, sent * SUBSCRIBERS, 5.0).await;
            let cpu = procs::cpu_us(pid).unwrap_or(0).saturating_sub(cpu0);
            (sent, take(&t), cpu)
        }
    };
    let (sent, got, _) = run(1_000.0).await;
    let extra = json!({"rate": 1000, "subscribers": SUBSCRIBERS, "payload_bytes": PAYLOAD, "received": got.count, "sent": sent});
    eprintln!("bench:   nats at 1000/s: p50 {:.3} p99 {:.3} ms", hist::ms(&got.hist, 0.5), hist::ms(&got.hist, 0.99));
    rep.add("peer.nats.p50_ms", hist::ms(&got.hist, 0.5), "ms", NONE, extra.clone());
    rep.add("peer.nats.p99_ms", hist::ms(&got.hist, 0.99), "ms", NONE, extra);
    let mut best = None;
    for &rate in RATES {
        let (sent, got, cpu) = run(rate).await;
        let p99 = hist::ms(&got.hist, 0.99);
        let ok = p99 < 50.0 && got.count >= sent * SUBSCRIBERS;
        eprintln!(
            "bench:   nats {rate}/s: p99 {p99:.2} ms, {}/{} delivered {}",
            got.count,
            sent * SUBSCRIBERS,
            if ok { "pass" } else { "MISS" }
        );
        if !ok {
            break;
        }
        best = Some((rate, cpu as f64 / sent.max(1) as f64, p99));
    }
    for s in subs {
        s.abort();
    }
    let (rate, cpu, p99) = best.unwrap_or((0.0, f64::NAN, f64::NAN));
    let top = if rate >= *RATES.last().unwrap_or(&0.0) { "the highest rate tried" } else { "" };
    rep.add(
        "peer.nats.max_rate",
        rate,
        "msgs/s",
        NONE,
        json!({"p99_ms": p99, "subscribers": SUBSCRIBERS, "note": top,
        "load": "one publisher and two subscribers in the harness process, same machine"}),
    );
    rep.add(
        "peer.nats.cpu_us_per_msg",
        cpu,
        "us",
        NONE,
        json!({"at_rate": rate, "what": "nats-server CPU per published message"}),
    );
    Ok(())
}
