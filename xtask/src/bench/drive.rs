//! The harness's side of a message load (M2, M2b, M3, M5): sender workers,
//! one agents worker, and one step at a given rate with everything it measured
//! merged, plus the servers' CPU time over the step.

use std::time::Duration;

use serde_json::{json, Value};

use super::client::{now_ns, src_ip};
use super::hist::{self, Hist};
use super::load::{AgentsJob, SendJob};
use super::worker::{self, Job, Worker};
use super::Ctx;

pub struct RigSpec<'a> {
    pub name: &'a str,
    pub token: &'a str,
    /// Where visitors connect (spread round-robin).
    pub visitor_bases: Vec<String>,
    pub senders: usize,
    pub visitors: usize,
    /// Where the agent sockets connect, and their tokens (may be empty).
    pub agent_bases: Vec<String>,
    pub agent_tokens: Vec<String>,
}

pub struct Rig {
    senders: Vec<Worker>,
    agents: Option<Worker>,
    agent_sockets: u64,
}

#[derive(Debug)]
pub struct Outcome {
    pub rate: f64,
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    pub shed: u64,
    pub first_error: Option<String>,
    pub ack: Hist,
    pub echo: Hist,
    pub echo_count: u64,
    pub agent: Hist,
    pub agent_count: u64,
    pub dupes: u64,
    pub closed: u64,
    pub server_cpu_us: u64,
    /// PostgreSQL's processes over the step (near zero on SQLite runs).
    pub db_cpu_us: u64,
    pub client_cpu_us: u64,
    pub agent_sockets: u64,
    /// The slowest agent deliveries: (socket, seconds into the step, ms).
    pub slowest: Vec<(u64, f64, f64)>,
}

impl Outcome {
    /// Deliveries that should have happened and did not (each stored message
    /// goes to every agent socket, and to its visitor's socket when there is one).
    pub fn lost(&self, with_echo: bool) -> u64 {
        let agents = (self.ok * self.agent_sockets).saturating_sub(self.agent_count);
        let echo = if with_echo { self.ok.saturating_sub(self.echo_count) } else { 0 };
        agents + echo
    }

    /// All deliveries (echo and agents) in one histogram.
    pub fn deliveries(&self) -> Hist {
        let mut h = self.agent.clone();
        let _ = h.add(&self.echo);
        h
    }

    pub fn summary(&self) -> String {
        let mut slowest = self.slowest.clone();
        slowest.sort_by(|a, b| b.2.total_cmp(&a.2));
        let slow: Vec<String> =
            slowest.iter().take(6).map(|(i, at, ms)| format!("agent {i} at {at:.2} s: {ms:.0} ms")).collect();
        let slow = if slow.is_empty() { String::new() } else { format!(" | slowest: {}", slow.join(", ")) };
        format!(
            "rate {:.0}/s sent {} ok {} err {} shed {} closed {} | agent p50 {:.2} p99 {:.2} ms n={} | echo p99 {:.2} ms n={} | ack p99 {:.2} ms",
            self.rate,
            self.sent,
            self.ok,
            self.errors,
            self.shed,
            self.closed,
            hist::ms(&self.agent, 0.5),
            hist::ms(&self.agent, 0.99),
            self.agent_count,
            hist::ms(&self.echo, 0.99),
            self.echo_count,
            hist::ms(&self.ack, 0.99),
        ) + &slow
    }
}

impl Rig {
    pub async fn new(ctx: &Ctx, spec: RigSpec<'_>) -> anyhow::Result<Rig> {
        let mut senders = Vec::new();
        for s in 0..spec.senders {
            let job = Job::Send(SendJob {
                bases: spec.visitor_bases.clone(),
                token: spec.token.to_owned(),
                visitors: spec.visitors / spec.senders,
                src: src_ip(ctx.next_src()),
                tag: format!("{}{}s{s}", ctx.nonce, spec.name.replace(['-', '.'], "")),
            });
            senders.push(Worker::spawn(&format!("{}-send{s}", spec.name), &job, &ctx.logs).await?);
        }
        worker::recv_all(&mut senders, Duration::from_secs(300)).await?;
        // The agents connect once the visitors' conversations exist: thousands
        // of conversation.created at once would put their sockets far behind
        // (a replay beyond its limit closes a socket with 4000) before the
        // measured messages start.
        let mut agents = None;
        if !spec.agent_tokens.is_empty() {
            let job = Job::Agents(AgentsJob {
                bases: spec.agent_bases.clone(),
                tokens: spec.agent_tokens.clone(),
                src: src_ip(ctx.next_src()),
                prefix: ctx.nonce.clone(),
            });
            let mut w = Worker::spawn(&format!("{}-agents", spec.name), &job, &ctx.logs).await?;
            w.recv(Duration::from_secs(60)).await?;
            agents = Some(w);
        }
        Ok(Rig { senders, agents, agent_sockets: spec.agent_tokens.len() as u64 })
    }

    /// `rate` msgs/s in total for `secs`, then the agents' report.
    pub async fn step(&mut self, rate: f64, secs: f64, server_pids: &[u32]) -> anyhow::Result<Outcome> {
        let drain = 10.0;
        let cpu = |pids: &[u32]| pids.iter().map(|p| super::procs::cpu_us(*p).unwrap_or(0)).sum::<u64>();
        let cpu0 = cpu(server_pids);
        let db0 = super::procs::postgres_cpu_us();
        let start = now_ns() + 300_000_000;
        let per = rate / self.senders.len() as f64;
        // Stagger the senders' schedules so their sends interleave evenly.
        for (k, w) in self.senders.iter_mut().enumerate() {
            let offset = (k as f64 * 1e9 / rate) as u64;
            w.send(json!({"cmd": "go", "start_ns": start + offset, "rate": per, "secs": secs, "drain_s": drain}))
                .await?;
        }
        let answers = worker::recv_all(&mut self.senders, Duration::from_secs_f64(secs + drain + 60.0)).await?;
        let server_cpu_us = cpu(server_pids).saturating_sub(cpu0);
        let db_cpu_us = super::procs::postgres_cpu_us().saturating_sub(db0);
        let mut o = Outcome {
            rate,
            sent: 0,
            ok: 0,
            errors: 0,
            shed: 0,
            first_error: None,
            ack: hist::new(),
            echo: hist::new(),
            echo_count: 0,
            agent: hist::new(),
            agent_count: 0,
            dupes: 0,
            closed: 0,
            server_cpu_us,
            db_cpu_us,
            client_cpu_us: 0,
            agent_sockets: self.agent_sockets,
            slowest: Vec::new(),
        };
        for a in &answers {
            let u = |k: &str| a[k].as_u64().unwrap_or(0);
            o.sent += u("sent");
            o.ok += u("ok");
            o.errors += u("errors");
            o.shed += u("shed");
            o.echo_count += u("echo_count");
            o.dupes += u("echo_dupes");
            o.closed += u("closed");
            o.client_cpu_us += u("cpu_us");
            if o.first_error.is_none() {
                o.first_error = a["first_error"].as_str().map(str::to_owned);
            }
            hist::merge_from(&mut o.ack, a, "ack")?;
            hist::merge_from(&mut o.echo, a, "echo")?;
        }
        if let Some(w) = self.agents.as_mut() {
            // The senders waited for their echoes; agents' frames left the server
            // at the same moment. A short pause covers the other process's read.
            let expected = o.ok * self.agent_sockets;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
            let mut got = Value::Null;
            while tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(200)).await;
                w.send(json!({"cmd": "report"})).await?;
                let r = w.recv(Duration::from_secs(30)).await?;
                o.agent_count += r["count"].as_u64().unwrap_or(0);
                o.dupes += r["dupes"].as_u64().unwrap_or(0);
                hist::merge_from(&mut o.agent, &r, "hist")?;
                for s in r["slowest"].as_array().into_iter().flatten() {
                    let (i, sched, took) = (s[0].as_u64(), s[1].as_u64(), s[2].as_u64());
                    if let (Some(i), Some(sched), Some(took)) = (i, sched, took) {
                        o.slowest.push((i, sched.saturating_sub(start) as f64 / 1e9, took as f64 / 1e6));
                    }
                }
                got = r;
                if o.agent_count >= expected {
                    break;
                }
            }
            o.closed += got["closed"].as_u64().unwrap_or(0);
        }
        Ok(o)
    }

    pub async fn close(self) {
        worker::close_all(self.senders).await;
        if let Some(a) = self.agents {
            a.close().await;
        }
    }
}
