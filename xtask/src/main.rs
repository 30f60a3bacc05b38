//! `cargo xtask …`: project automation (the benchmark harness, tidy checks).
//!
//! `cargo xtask bench [--quick] [--only M1,M2,…]` builds Parlor, starts what it
//! needs (Parlor on SQLite and on PostgreSQL + NATS, a nats-server, Prosody,
//! Chromium), measures BENCHMARKS.md's metrics and writes
//! `target/bench/results.jsonl`. See `bench/mod.rs`.
//!
//! `cargo xtask tidy` checks the tree's rules (tidy.rs).

mod bench;
mod tidy;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bench") => bench::main(&args[1..]),
        Some("tidy") => tidy::main(),
        // Internal: the harness spawns its own binary as load-generating workers.
        Some(bench::worker::WORKER_ARG) => bench::worker::main(),
        _ => {
            eprintln!("usage: cargo xtask bench [--quick] [--only M1,M2,M3,M4,M5,M6,signins,peers] | cargo xtask tidy");
            std::process::ExitCode::from(2)
        }
    }
}
