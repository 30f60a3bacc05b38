//! `cargo xtask bench [--quick] [--only …]`: the benchmark harness of issue 3.
//!
//! Builds `parlor` in release, then for each metric starts what it needs (a
//! fresh SQLite data folder, or a fresh PostgreSQL database with two Parlor
//! processes joined by a nats-server of our own), drives it from worker
//! processes (`worker.rs`) like visitors and agents do, and stops it again, so
//! one metric's leftovers never weigh on the next. Results go to
//! `target/bench/results.jsonl` (`report.rs`); logs to `target/bench/logs/`.

mod cdp;
mod client;
mod drive;
mod fsync;
mod hist;
mod load;
mod m1;
mod m2;
mod m3;
mod m4;
mod m5;
mod m6;
mod peers;
mod procs;
mod profile;
mod report;
mod seed;
mod signins;
pub mod worker;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use profile::Profile;
use report::Report;

/// What every metric needs to know.
pub struct Ctx {
    pub profile: &'static Profile,
    pub bench: PathBuf,
    pub logs: PathBuf,
    pub parlor: PathBuf,
    /// A PostgreSQL URL allowed to create databases (PARLOR_BENCH_PG_URL).
    pub pg_admin: String,
    /// Distinguishes this run's echo ids and database names.
    pub nonce: String,
    src: AtomicUsize,
}

impl Ctx {
    /// The next 127.0.0.x source address number for a worker.
    pub fn next_src(&self) -> usize {
        self.src.fetch_add(1, Ordering::Relaxed)
    }

    /// An empty folder for one server's data, under target/bench/run.
    pub fn fresh_dir(&self, name: &str) -> anyhow::Result<PathBuf> {
        let d = self.bench.join("run").join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d)?;
        Ok(d)
    }
}

struct Opts {
    quick: bool,
    only: Option<Vec<String>>,
}

impl Opts {
    fn wants(&self, what: &str) -> bool {
        self.only.as_ref().is_none_or(|o| o.iter().any(|x| x.eq_ignore_ascii_case(what)))
    }
}

fn parse(args: &[String]) -> anyhow::Result<Opts> {
    let mut o = Opts { quick: false, only: None };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--only" => {
                let list = it.next().context("--only needs a list, e.g. M1,M2,peers")?;
                o.only = Some(list.split(',').map(|s| s.trim().to_owned()).collect());
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

pub fn main(args: &[String]) -> std::process::ExitCode {
    match run_main(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_main(args: &[String]) -> anyhow::Result<()> {
    let opts = parse(args)?;
    let started = Instant::now();
    // Up to the hard limit: a worker holds ~5,000 sockets, the server ~19,000.
    // Children (Parlor, the workers) inherit it.
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    rlimit::Resource::NOFILE.set(hard, hard)?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().context("workspace root")?.to_path_buf();
    eprintln!("bench: cargo build --release -p parlor");
    let built = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--release", "-p", "parlor"])
        .current_dir(&root)
        .status()?;
    anyhow::ensure!(built.success(), "building parlor failed");
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let bench = target.join("bench");
    let logs = bench.join("logs");
    // Logs of an earlier run would mislead: start empty.
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs)?;
    let ctx = Ctx {
        profile: if opts.quick { &profile::QUICK } else { &profile::FULL },
        parlor: target.join("release").join("parlor"),
        pg_admin: std::env::var("PARLOR_BENCH_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        nonce: format!("b{:x}", rand::random::<u32>()),
        bench,
        logs,
        src: AtomicUsize::new(0),
    };
    eprintln!("bench: profile {} (built in {:.0} s)", ctx.profile.name, started.elapsed().as_secs_f64());
    // The harness loads only this machine: a database elsewhere is refused.
    let pg_host = ctx.pg_admin.split('@').next_back().unwrap_or("").split(['/', ':', '?']).next().unwrap_or("");
    anyhow::ensure!(
        pg_host == "localhost" || pg_host.starts_with("127."),
        "PARLOR_BENCH_PG_URL must name a PostgreSQL on 127.0.0.0/8 (got host {pg_host:?})"
    );
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = rt.block_on(run(&ctx, &opts))?;
    report.print_table();
    let _ = std::fs::remove_dir_all(ctx.bench.join("run"));
    eprintln!("bench: done in {:.0} s", started.elapsed().as_secs_f64());
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

/// Runs one metric; a failure is recorded and the run goes on to the next.
macro_rules! phase {
    ($rep:ident, $name:expr, $body:expr) => {{
        let t = Instant::now();
        eprintln!("bench: == {} ==", $name);
        if let Err(e) = $body.await {
            $rep.error($name, &e);
        }
        eprintln!("bench: {} took {:.0} s", $name, t.elapsed().as_secs_f64());
        $rep.write()?;
    }};
}

async fn run(ctx: &Ctx, opts: &Opts) -> anyhow::Result<Report> {
    let mut rep = Report::new(ctx.profile.name, ctx.bench.join("results.jsonl"));
    rep.write()?;
    machine(&mut rep);
    // The disk first: its fsync latency bounds M2 and M3.
    if opts.wants("fsync") {
        phase!(rep, "disk", fsync::run(ctx, &mut rep));
    }
    if opts.wants("M6") {
        phase!(rep, "M6", m6::run(ctx, &mut rep));
    }
    if opts.wants("M2") {
        phase!(rep, "M2", m2::run_sqlite(ctx, &mut rep));
    }
    if opts.wants("M2b") {
        phase!(rep, "M2b", m2::run_postgres(ctx, &mut rep));
    }
    if opts.wants("M3") {
        phase!(rep, "M3", m3::run_sqlite(ctx, &mut rep));
        phase!(rep, "M3pg", m3::run_postgres(ctx, &mut rep));
    }
    if opts.wants("M1") {
        phase!(rep, "M1", m1::run(ctx, &mut rep));
    }
    if opts.wants("M4") {
        phase!(rep, "M4", m4::run(ctx, &mut rep));
    }
    if opts.wants("M5") {
        phase!(rep, "M5", m5::run(ctx, &mut rep, false));
        phase!(rep, "M5pg", m5::run(ctx, &mut rep, true));
    }
    if opts.wants("signins") {
        phase!(rep, "signins", signins::run(ctx, &mut rep));
    }
    if opts.wants("peers") || opts.wants("nats") {
        phase!(rep, "peer.nats", peers::nats::run(ctx, &mut rep));
    }
    if opts.wants("peers") || opts.wants("prosody") {
        phase!(rep, "peer.prosody", peers::prosody::run(ctx, &mut rep));
    }
    peers::ratios(&mut rep);
    rep.write()?;
    Ok(rep)
}

/// The machine the figures come from.
fn machine(rep: &mut Report) {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()))
        .unwrap_or(f64::NAN);
    rep.add("machine.cores", cores as f64, "cores", report::NONE, serde_json::Value::Null);
    rep.add("machine.memory_gib", mem_kib / 1_048_576.0, "GiB", report::NONE, serde_json::Value::Null);
}
