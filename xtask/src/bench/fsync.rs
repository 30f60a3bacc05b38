//! The disk's fsync latency (`pg_test_fsync`), measured first: one durable
//! commit costs at least one fdatasync, so it bounds M2's latency and, without
//! group commit, M3's rate (1 / fsync time).

use anyhow::Context;
use serde_json::json;

use super::report::{Report, NONE};
use super::Ctx;

pub async fn run(ctx: &Ctx, rep: &mut Report) -> anyhow::Result<()> {
    let bin = glob_pg_test_fsync().context("pg_test_fsync not found under /usr/lib/postgresql/*/bin")?;
    let file = ctx.bench.join("fsync.test");
    let out = tokio::process::Command::new(&bin)
        .arg("-s")
        .arg(ctx.profile.fsync_secs.to_string())
        .arg("-f")
        .arg(&file)
        .output()
        .await?;
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    // The first "fdatasync" line is the one-8kB-write test: Linux's default
    // wal_sync_method, and what SQLite's synchronous=FULL commit does.
    let line = text.lines().find(|l| l.trim_start().starts_with("fdatasync")).context("no fdatasync line")?;
    let nums: Vec<f64> = line.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let (ops, us) = (nums.first().copied().unwrap_or(f64::NAN), nums.get(1).copied().unwrap_or(f64::NAN));
    let write_line = text.lines().find(|l| l.trim_start().starts_with("write ")).unwrap_or("");
    eprintln!("bench: fdatasync {us} µs ({ops} ops/s); {}", write_line.trim());
    let extra = json!({"tool": "pg_test_fsync", "test": "fdatasync, one 8kB write", "file": "target/bench"});
    rep.add("disk.fsync_us", us, "us", NONE, extra.clone());
    rep.add("disk.fsync_per_s", ops, "ops/s", NONE, extra);
    Ok(())
}

fn glob_pg_test_fsync() -> Option<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/pg_test_fsync"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop()
}
