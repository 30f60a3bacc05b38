//! Starting and stopping what the benchmark measures (Parlor on SQLite or
//! PostgreSQL, a nats-server), and reading their memory and CPU from /proc.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::process::{Child, Command};

use super::Ctx;

/// A child process that is killed if the harness fails before stopping it.
pub struct Proc {
    pub name: String,
    pub pid: u32,
    child: Child,
}

impl Proc {
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> anyhow::Result<Proc> {
        let out = std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).kill_on_drop(true);
        let child = cmd.spawn().with_context(|| format!("start {name}"))?;
        let pid = child.id().context("child pid")?;
        Ok(Proc { name: name.to_owned(), pid, child })
    }

    /// SIGTERM (graceful: Parlor closes sockets and the database), then SIGKILL
    /// after 10 s.
    pub async fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status().await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
            let _ = self.child.kill().await;
        }
    }

    /// Fails if the process already exited (a crash shows up here, with its log).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Ok(Some(status)) = self.child.try_wait() {
            bail!("{} exited: {status}", self.name);
        }
        Ok(())
    }
}

/// Resident memory of a process in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    field_kib(&status, "VmRSS:").context("VmRSS")
}

/// The kernel's slab memory in KiB: socket buffers and structures live here.
pub fn slab_kib() -> anyhow::Result<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")?;
    field_kib(&meminfo, "Slab:").context("Slab")
}

/// Bytes held by each kernel slab cache (active objects × object size), to
/// show which kernel structures a socket costs.
pub fn slab_caches() -> std::collections::HashMap<String, u64> {
    let text = std::fs::read_to_string("/proc/slabinfo").unwrap_or_default();
    text.lines()
        .skip(2)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let active: u64 = f.get(1)?.parse().ok()?;
            let size: u64 = f.get(3)?.parse().ok()?;
            Some((f.first()?.to_string(), active * size))
        })
        .collect()
}

fn field_kib(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of a process, in microseconds (utime and stime are
/// fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s on Linux).
pub fn cpu_us(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may contain spaces: count from its closing ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).context("stat format")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = f.get(11).context("utime")?.parse()?;
    let stime: u64 = f.get(12).context("stime")?.parse()?;
    Ok((utime + stime) * 10_000)
}

/// CPU time used so far by every PostgreSQL process on the machine (the
/// server the bench uses; nothing else uses it during a run): what the
/// database itself spends on Parlor's queries, beside Parlor's own CPU.
pub fn postgres_cpu_us() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return 0 };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(|pid| cpu_us(pid).ok())
        .sum()
}

/// A free TCP port on 127.0.0.1 (bound and released; a race with another
/// program is possible but unlikely on the loopback's large port range).
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

pub async fn wait_for_port(port: u16, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("nothing listens on port {port} after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Where a Parlor instance keeps its data.
#[derive(Clone)]
pub struct Db {
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir` (durable: WAL + synchronous=FULL, the default).
    pub url: Option<String>,
}

pub struct Parlor {
    pub proc: Proc,
    pub base: String,
}

impl Parlor {
    pub fn pid(&self) -> u32 {
        self.proc.pid
    }
}

fn parlor_cmd(ctx: &Ctx, db: &Db) -> Command {
    let mut cmd = Command::new(&ctx.parlor);
    cmd.arg("--data-dir").arg(&db.data_dir);
    if let Some(url) = &db.url {
        cmd.arg("--database-url").arg(url);
    }
    // Rate limits protect a real server from one address; the load comes from a
    // handful of loopback addresses, so they are off (README, "Rate limits").
    cmd.env("PARLOR_RATE_LIMIT_VISITORS_PER_MINUTE", "0")
        .env("PARLOR_RATE_LIMIT_VISITOR_MESSAGES_PER_SECOND", "0")
        .env("PARLOR_RATE_LIMIT_LOGIN_PER_MINUTE", "0")
        .env("PARLOR_MAX_CONNECTIONS_PER_IP", "100000")
        .env("PARLOR_LOG", "warn");
    cmd
}

/// Starts `parlor serve` and waits until `/readyz` answers.
pub async fn start_parlor(ctx: &Ctx, name: &str, db: &Db, nats: Option<&str>) -> anyhow::Result<Parlor> {
    let port = free_port()?;
    let mut cmd = parlor_cmd(ctx, db);
    cmd.arg("--listen").arg(format!("127.0.0.1:{port}")).arg("serve");
    if let Some(n) = nats {
        cmd.arg("--nats-url").arg(n);
    }
    let mut proc = Proc::spawn(name, cmd, &ctx.logs.join(format!("{name}.log")))?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        proc.check_alive().with_context(|| format!("see {}", ctx.logs.join(format!("{name}.log")).display()))?;
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if Instant::now() > deadline {
            bail!("{name} not ready after 60 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Parlor { proc, base })
}

/// `parlor admin create-user`: also migrates and bootstraps a fresh database
/// (account 1 with its website inbox). Returns (user id, API access token).
pub async fn create_user(ctx: &Ctx, db: &Db, email: &str, role: &str) -> anyhow::Result<(i64, String)> {
    let name = email.split('@').next().unwrap_or("agent").replace(['.', '-', '_'], " ");
    let out = parlor_cmd(ctx, db)
        .args(["admin", "create-user", "--account", "1", "--email", email, "--name", &name])
        .args(["--password", "bench password 1234", "--role", role])
        .stdin(Stdio::null())
        .output()
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .with_context(|| format!("create-user printed {text:?}, stderr {:?}", String::from_utf8_lossy(&out.stderr)))?;
    match (v["user_id"].as_i64(), v["access_token"].as_str()) {
        (Some(id), Some(token)) => Ok((id, token.to_owned())),
        _ => bail!("create-user failed: {v}"),
    }
}

/// The first website inbox's public token (`GET /api/v1/accounts/1/inboxes`).
pub async fn website_token(base: &str, token: &str) -> anyhow::Result<String> {
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/accounts/1/inboxes"))
        .header("api_access_token", token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    v["payload"][0]["website_token"].as_str().map(str::to_owned).context("no website inbox")
}

/// A fresh, empty PostgreSQL database on the local server; returns its URL.
pub async fn pg_create(ctx: &Ctx, name: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&ctx.pg_admin)
        .await
        .with_context(|| format!("connect to PostgreSQL at {} (set PARLOR_BENCH_PG_URL)", ctx.pg_admin))?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    conn.close().await?;
    Ok(with_db(&ctx.pg_admin, name))
}

pub async fn pg_drop(ctx: &Ctx, name: &str) {
    use sqlx::Connection;
    if let Ok(mut conn) = sqlx::PgConnection::connect(&ctx.pg_admin).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
        let _ = conn.close().await;
    }
}

/// A server setting, e.g. `synchronous_commit`, reported beside PostgreSQL figures.
pub async fn pg_setting(ctx: &Ctx, name: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&ctx.pg_admin).await?;
    let v: String = sqlx::query_scalar(&format!("SHOW {name}")).fetch_one(&mut conn).await?;
    conn.close().await?;
    Ok(v)
}

/// Replaces the database name in a postgres:// URL.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let end = base[start..].find('/').map(|i| start + i).unwrap_or(base.len());
    match query {
        Some(q) => format!("{}/{db}?{q}", &base[..end]),
        None => format!("{}/{db}", &base[..end]),
    }
}

/// Installs Debian packages when a binary is missing (a clean machine of this
/// kind has none of nats-server, prosody or chromium).
pub async fn ensure_installed(binary: &str, packages: &[&str]) -> anyhow::Result<()> {
    if Path::new(binary).exists() {
        return Ok(());
    }
    eprintln!("bench: installing {} (apt-get)", packages.join(" "));
    let ok = Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .await?
        .success();
    if !ok {
        // The package lists may be missing on a fresh machine.
        let _ = Command::new("apt-get").arg("update").stdout(Stdio::null()).status().await?;
        let ok = Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .await?
            .success();
        if !ok {
            bail!("apt-get install {} failed", packages.join(" "));
        }
    }
    if !Path::new(binary).exists() {
        bail!("{binary} missing after installing {}", packages.join(" "));
    }
    Ok(())
}

/// A nats-server of our own on a free port: the cluster's bus and the NATS peer.
pub async fn start_nats(ctx: &Ctx, name: &str) -> anyhow::Result<(Proc, String)> {
    ensure_installed("/usr/sbin/nats-server", &["nats-server"]).await?;
    let port = free_port()?;
    let mut cmd = Command::new("/usr/sbin/nats-server");
    cmd.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
    let proc = Proc::spawn(name, cmd, &ctx.logs.join(format!("{name}.log")))?;
    wait_for_port(port, Duration::from_secs(10)).await?;
    Ok((proc, format!("nats://127.0.0.1:{port}")))
}
