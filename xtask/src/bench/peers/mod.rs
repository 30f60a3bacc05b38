//! The same work on peers, in the same run: NATS (raw fan-out, no
//! persistence: the floor) and Prosody (a real chat server relaying one-to-one
//! chat over WebSocket with its message archive in SQL). Their figures are
//! `peer.<name>.<metric>`; `ratios` sets Parlor's figures beside them.
//!
//! Both are measured the way M2 and M3 measure Parlor: an open-loop schedule,
//! latency from the scheduled send time, a latency run at 1,000 msgs/s and a
//! climb to the highest rate whose p99 stays under 50 ms with nothing lost.

pub mod nats;
pub mod prosody;
mod xmpp;

use std::sync::{Arc, Mutex};

use serde_json::json;

use super::client::{now_ns, schedule};
use super::hist::{self, Hist};
use super::report::{Report, NONE};

/// Deliveries seen by a peer's receivers.
pub struct Tally {
    pub hist: Hist,
    pub count: u64,
}

pub type Shared = Arc<Mutex<Tally>>;

pub fn tally() -> Shared {
    Arc::new(Mutex::new(Tally { hist: hist::new(), count: 0 }))
}

/// Records one delivery scheduled at `sched` (ns).
pub fn record(t: &Shared, sched: u64) {
    let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
    t.count += 1;
    hist::record_ns(&mut t.hist, now_ns().saturating_sub(sched));
}

/// Takes what was recorded so far and starts afresh.
pub fn take(t: &Shared) -> Tally {
    let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
    std::mem::replace(&mut *t, Tally { hist: hist::new(), count: 0 })
}

/// Calls `send(i, scheduled_ns)` for `rate * secs` messages on the open-loop
/// schedule (`client::schedule`). Returns the count.
pub async fn open_loop<F, Fut>(rate: f64, secs: f64, mut send: F) -> u64
where
    F: FnMut(u64, u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let total = (rate * secs) as u64;
    let mut due = schedule(now_ns() + 100_000_000, rate, total);
    while let Some((i, sched)) = due.recv().await {
        send(i, sched).await;
    }
    total
}

/// Waits until `expected` deliveries arrived, or `secs` passed.
pub async fn settle(t: &Shared, expected: u64, secs: f64) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    while t.lock().unwrap_or_else(|p| p.into_inner()).count < expected && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Parlor's figures beside the peers' (from this run's records).
pub fn ratios(rep: &mut Report) {
    let pairs = [
        ("ratio.M2_p99.parlor_over_prosody", ("M2.p99_ms", "sqlite"), ("peer.prosody.p99_ms", "sqlite")),
        ("ratio.M3_rate.parlor_over_prosody", ("M3.max_rate", "sqlite"), ("peer.prosody.max_rate", "sqlite")),
        ("ratio.M3_rate.parlor_over_nats", ("M3.max_rate", "sqlite"), ("peer.nats.max_rate", "none")),
        (
            "ratio.cpu_per_msg.parlor_over_prosody",
            ("M3.cpu_us_per_msg", "sqlite"),
            ("peer.prosody.cpu_us_per_msg", "sqlite"),
        ),
        ("ratio.cpu_per_msg.parlor_over_nats", ("M3.cpu_us_per_msg", "sqlite"), ("peer.nats.cpu_us_per_msg", "none")),
    ];
    for (name, (a, da), (b, db)) in pairs {
        if let (Some(x), Some(y)) = (rep.value(a, da), rep.value(b, db)) {
            if y != 0.0 {
                rep.add(name, x / y, "x", NONE, json!({"numerator": a, "denominator": b}));
            }
        }
    }
}
