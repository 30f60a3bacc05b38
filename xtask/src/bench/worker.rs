//! Load-generating worker processes: the harness spawns its own binary with
//! `bench-worker`, writes one job as a JSON line to its stdin, then steers it
//! with command lines (`go`, `report`, `close`…); the worker answers with JSON
//! lines on stdout. Several processes because one may hold only ~20,000 open
//! files here, and so the load is spread over both cores.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub const WORKER_ARG: &str = "bench-worker";

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    Idle(super::m1::IdleJob),
    Send(super::load::SendJob),
    Agents(super::load::AgentsJob),
    Storm(super::m4::StormJob),
    Probe(super::m5::ProbeJob),
}

/// The worker's side of the pipe. Stdin is read by a plain thread (the
/// workspace's tokio has no `io-std`, and adding it would build tokio twice).
pub struct Ctl {
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Ctl {
    fn new() -> Ctl {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ctl { lines: rx }
    }

    /// One JSON line to the harness (small and rare: a blocking write is fine).
    pub async fn emit(&mut self, v: Value) -> anyhow::Result<()> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{v}")?;
        out.flush()?;
        Ok(())
    }

    /// The next command; `None` when the harness closed the pipe (it is done
    /// with us, or it died: either way the worker exits).
    pub async fn next(&mut self) -> anyhow::Result<Option<Value>> {
        match self.lines.recv().await {
            Some(l) => Ok(Some(serde_json::from_str(&l)?)),
            None => Ok(None),
        }
    }
}

pub fn main() -> std::process::ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("worker: runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        let mut ctl = Ctl::new();
        let job: Job = serde_json::from_value(ctl.next().await?.context("no job")?)?;
        let r = match job {
            Job::Idle(j) => super::m1::idle_worker(j, &mut ctl).await,
            Job::Send(j) => super::load::send_worker(j, &mut ctl).await,
            Job::Agents(j) => super::load::agents_worker(j, &mut ctl).await,
            Job::Storm(j) => super::m4::storm_worker(j, &mut ctl).await,
            Job::Probe(j) => super::m5::probe_worker(j, &mut ctl).await,
        };
        if let Err(e) = &r {
            // Tell the harness why, then exit; it records the error.
            let _ = ctl.emit(json!({"error": format!("{e:#}")})).await;
        }
        r
    });
    // Sockets are many and idle: exit without waiting for tasks to wind down.
    rt.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

/// The harness's handle on one worker.
pub struct Worker {
    pub name: String,
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    pub async fn spawn(name: &str, job: &Job, logs: &Path) -> anyhow::Result<Worker> {
        let exe = std::env::current_exe()?;
        let log = std::fs::File::create(logs.join(format!("worker-{name}.log")))?;
        let mut child = Command::new(exe)
            .arg(WORKER_ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().context("worker stdin")?;
        let stdout = child.stdout.take().context("worker stdout")?;
        let mut w = Worker { name: name.to_owned(), child, stdin, lines: BufReader::new(stdout).lines() };
        w.send(serde_json::to_value(job)?).await?;
        Ok(w)
    }

    pub async fn send(&mut self, v: Value) -> anyhow::Result<()> {
        let mut line = v.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.with_context(|| format!("worker {} gone", self.name))?;
        self.stdin.flush().await?;
        Ok(())
    }

    /// The worker's next answer; its `{"error"}` becomes an error here.
    pub async fn recv(&mut self, timeout: Duration) -> anyhow::Result<Value> {
        let line = tokio::time::timeout(timeout, self.lines.next_line())
            .await
            .with_context(|| format!("worker {} silent for {timeout:?}", self.name))??
            .with_context(|| format!("worker {} exited", self.name))?;
        let v: Value = serde_json::from_str(&line)?;
        if let Some(e) = v.get("error") {
            bail!("worker {}: {}", self.name, e.as_str().unwrap_or_default());
        }
        Ok(v)
    }

    /// Closes the pipe (the worker exits and its sockets close with it).
    pub async fn close(mut self) {
        let _ = self.send(json!({"cmd": "close"})).await;
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }
}

/// Sends the same command to every worker.
pub async fn send_all(ws: &mut [Worker], v: &Value) -> anyhow::Result<()> {
    for w in ws.iter_mut() {
        w.send(v.clone()).await?;
    }
    Ok(())
}

/// The next answer of every worker, awaited together.
pub async fn recv_all(ws: &mut [Worker], timeout: Duration) -> anyhow::Result<Vec<Value>> {
    let answers = futures_util::future::join_all(ws.iter_mut().map(|w| w.recv(timeout))).await;
    answers.into_iter().collect()
}

pub async fn close_all(ws: Vec<Worker>) {
    futures_util::future::join_all(ws.into_iter().map(Worker::close)).await;
}
