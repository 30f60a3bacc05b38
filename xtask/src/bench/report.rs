//! Results: one flat JSON object per figure in `target/bench/results.jsonl`
//! (rewritten after every metric, so an interrupted run keeps what it measured),
//! and the readable table with each budget from issue 3 and pass/miss.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

/// Where a figure was measured.
#[derive(Clone, Copy)]
pub struct Labels {
    pub database: &'static str,
    pub sync: &'static str,
    pub processes: u32,
}

pub const SQLITE: Labels = Labels { database: "sqlite", sync: "full", processes: 1 };
pub const PG1: Labels = Labels { database: "postgres", sync: "on", processes: 1 };
pub const PG2: Labels = Labels { database: "postgres", sync: "on", processes: 2 };
/// Figures that involve no database (the disk, the widget, NATS).
pub const NONE: Labels = Labels { database: "none", sync: "none", processes: 1 };

pub struct Report {
    pub profile: &'static str,
    path: PathBuf,
    records: Vec<Map<String, Value>>,
}

#[derive(Clone, Copy)]
enum Cmp {
    AtMost,
    AtLeast,
}

/// The budget of a metric (issue 3), by name and database.
fn budget(metric: &str, database: &str) -> Option<(Cmp, f64)> {
    use Cmp::*;
    let b = match metric {
        m if m.starts_with("M1.kb_per_socket") => (AtMost, 10.0),
        "M1b.sessions_per_s" => (AtLeast, 5_000.0),
        "M2.p50_ms" => (AtMost, 1.5),
        "M2.p99_ms" => (AtMost, 5.0),
        "M2b.p50_ms" => (AtMost, 3.0),
        "M2b.p99_ms" => (AtMost, 15.0),
        "M2.lost" | "M2b.lost" | "M4.lost" | "M4.duplicated" => (AtMost, 0.0),
        "M3.max_rate" if database == "sqlite" => (AtLeast, 20_000.0),
        "M3.max_rate" => (AtLeast, 10_000.0),
        "M3.cpu_us_per_msg" => (AtMost, 20.0),
        "M4.resumed_pct" => (AtLeast, 100.0),
        "M4.resume_p99_ms" => (AtMost, 1_000.0),
        "M5.list_p99_ms" if database == "sqlite" => (AtMost, 30.0),
        "M5.list_p99_ms" => (AtMost, 50.0),
        "M5.open_p99_ms" => (AtMost, 10.0),
        "M5.meta_p99_ms" => (AtMost, 5.0),
        // 3 KB and 40 KB read as 3,000 and 40,000 bytes: the stricter reading.
        "M6.loader_gzip_bytes" => (AtMost, 3_000.0),
        "M6.widget_gzip_bytes" => (AtMost, 40_000.0),
        "M6.requests" => (AtMost, 4.0),
        "M6.script_to_socket_ms" => (AtMost, 150.0),
        _ => return None,
    };
    Some(b)
}

impl Report {
    pub fn new(profile: &'static str, path: PathBuf) -> Report {
        Report { profile, path, records: Vec::new() }
    }

    /// Adds one figure; `extra` (an object or `Value::Null`) adds context fields.
    pub fn add(&mut self, metric: &str, value: f64, unit: &str, l: Labels, extra: Value) {
        let mut m = Map::new();
        m.insert("metric".into(), metric.into());
        // JSON has no NaN: a figure that could not be measured is null.
        m.insert("value".into(), if value.is_finite() { json!(round(value)) } else { Value::Null });
        m.insert("unit".into(), unit.into());
        m.insert("database".into(), l.database.into());
        m.insert("sync".into(), l.sync.into());
        m.insert("processes".into(), l.processes.into());
        m.insert("profile".into(), self.profile.into());
        if let Some((cmp, limit)) = budget(metric, l.database) {
            let ok = value.is_finite()
                && match cmp {
                    Cmp::AtMost => value <= limit,
                    Cmp::AtLeast => value >= limit,
                };
            m.insert(
                "budget".into(),
                json!(format!("{}{}", if matches!(cmp, Cmp::AtMost) { "<=" } else { ">=" }, limit)),
            );
            m.insert("pass".into(), ok.into());
        }
        if let Value::Object(extra) = extra {
            m.extend(extra);
        }
        self.records.push(m);
    }

    /// A metric that could not be measured at all, with the reason.
    pub fn error(&mut self, what: &str, err: &anyhow::Error) {
        eprintln!("bench: {what} failed: {err:#}");
        let mut m = Map::new();
        m.insert("metric".into(), format!("{what}.error").into());
        m.insert("value".into(), Value::Null);
        m.insert("unit".into(), "".into());
        m.insert("profile".into(), self.profile.into());
        m.insert("error".into(), format!("{err:#}").into());
        self.records.push(m);
    }

    /// A figure recorded earlier in this run, by name and database.
    pub fn value(&self, metric: &str, database: &str) -> Option<f64> {
        self.records
            .iter()
            .find(|r| {
                r.get("metric").and_then(|m| m.as_str()) == Some(metric)
                    && r.get("database").and_then(|d| d.as_str()) == Some(database)
            })
            .and_then(|r| r.get("value")?.as_f64())
    }

    pub fn write(&self) -> anyhow::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::io::BufWriter::new(std::fs::File::create(&self.path)?);
        for r in &self.records {
            writeln!(f, "{}", Value::Object(r.clone()))?;
        }
        f.flush()?;
        Ok(())
    }

    pub fn print_table(&self) {
        let s = |r: &Map<String, Value>, k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        println!();
        println!(
            "{:<38} {:>12} {:<8} {:<9} {:>3} {:>10} {:<6}",
            "metric", "value", "unit", "database", "n", "budget", "result"
        );
        println!("{}", "-".repeat(94));
        for r in &self.records {
            let value = match r.get("value").and_then(|v| v.as_f64()) {
                Some(v) => fmt(v),
                None => "-".into(),
            };
            let verdict = match r.get("pass").and_then(|v| v.as_bool()) {
                Some(true) => "pass",
                Some(false) => "MISS",
                None if r.contains_key("error") => "ERROR",
                None => "",
            };
            let n = r.get("processes").map(|v| v.to_string()).unwrap_or_default();
            println!(
                "{:<38} {:>12} {:<8} {:<9} {:>3} {:>10} {:<6}",
                s(r, "metric"),
                value,
                s(r, "unit"),
                s(r, "database"),
                n,
                s(r, "budget"),
                verdict
            );
            if let Some(e) = r.get("error").and_then(|v| v.as_str()) {
                println!("    error: {e}");
            }
        }
        println!("\nresults: {}", self.path.display());
    }
}

/// Three significant figures are all these measurements carry.
fn round(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let digits = 3 - v.abs().log10().ceil() as i32;
    let f = 10f64.powi(digits.max(0));
    (v * f).round() / f
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.1 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.5}")
    }
}
