//! `cargo xtask tidy`: checks the tree keeps its rules, run by `./scripts/test`.
//!
//! - The two databases' migrations say the same: after dropping comments and
//!   blank lines and writing PostgreSQL's `BIGSERIAL PRIMARY KEY` as SQLite's
//!   `INTEGER PRIMARY KEY`, each pair of files is identical, but for lines
//!   listed with their reason in `crates/store/migrations/dialects.txt`.
//! - Every Rust module opens with a `//!` header saying what it is for.
//! - No source file is longer than 600 lines, but the two widget modules
//!   (the widget must stay two requests, BENCHMARKS.md M6).
//! - The language catalogue is complete and the browser modules type-check
//!   (browser.rs).

mod browser;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, ExitCode};

const MAX_LINES: usize = 600;
const LONGER_ALLOWED: &[&str] = &["crates/assets/static/widget/frame.js", "crates/assets/static/shared/lib.js"];
const MIGRATIONS: &str = "crates/store/migrations";

pub fn main() -> ExitCode {
    let files = match tracked_files() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("tidy: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut problems = Vec::new();
    migrations(&mut problems);
    for file in &files {
        headers_and_size(file, &mut problems);
    }
    browser::languages(&files, &mut problems);
    browser::type_check(&files, &mut problems);
    if problems.is_empty() {
        println!("tidy: {} files, all rules kept", files.len());
        return ExitCode::SUCCESS;
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    ExitCode::FAILURE
}

/// The files git tracks (and the untracked ones it does not ignore).
fn tracked_files() -> Result<Vec<String>, String> {
    let out = Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .output()
        .map_err(|e| format!("git ls-files: {e}"))?;
    if !out.status.success() {
        return Err("git ls-files failed: run tidy inside the repository".into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).lines().filter(|f| Path::new(f).exists()).map(str::to_owned).collect())
}

fn headers_and_size(file: &str, problems: &mut Vec<String>) {
    let source = ["crates/", "xtask/", "e2e/"].iter().any(|dir| file.starts_with(dir));
    let code = [".rs", ".js", ".mjs", ".css", ".html", ".sql"].iter().any(|ext| file.ends_with(ext));
    if !source || !code {
        return;
    }
    let Ok(text) = std::fs::read_to_string(file) else { return };
    if file.ends_with(".rs") && !text.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| l.starts_with("//!")) {
        problems.push(format!("{file}: a module opens with a `//!` header saying what it is for"));
    }
    let lines = text.lines().count();
    if lines > MAX_LINES && !LONGER_ALLOWED.contains(&file) {
        problems.push(format!("{file}: {lines} lines, over the budget of {MAX_LINES}: split it by noun"));
    }
}

/// A migration as compared: no comments, no blank lines, one spelling of the
/// auto-increment key.
fn normalized(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            l.split("--").next().unwrap_or_default().trim_end().replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY")
        })
        .filter(|l| !l.trim().is_empty())
        .collect()
}

fn migrations(problems: &mut Vec<String>) {
    let names = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(Path::new(MIGRATIONS).join(dir))
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default()
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    for missing in sqlite.symmetric_difference(&postgres) {
        problems.push(format!("{MIGRATIONS}: {missing} exists for one database only"));
    }
    let allowed = std::fs::read_to_string(Path::new(MIGRATIONS).join("dialects.txt")).unwrap_or_default();
    let allowed: BTreeSet<&str> = allowed
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(" # ").next().unwrap_or_default().trim())
        .collect();
    for name in sqlite.intersection(&postgres) {
        let read = |dir: &str| std::fs::read_to_string(Path::new(MIGRATIONS).join(dir).join(name)).unwrap_or_default();
        let (a, b) = (normalized(&read("sqlite")), normalized(&read("postgres")));
        let differs = |x: &[String], y: &[String]| -> Vec<String> {
            x.iter()
                .filter(|l| !y.contains(l) && !allowed.contains(format!("{name}: {}", l.trim()).as_str()))
                .cloned()
                .collect()
        };
        for line in differs(&a, &b).iter().chain(differs(&b, &a).iter()) {
            problems.push(format!(
                "{MIGRATIONS}/*/{name}: `{}` is in one database's file only (list it in dialects.txt with its reason if it must be)",
                line.trim()
            ));
        }
        if a.len() == b.len() && a != b && differs(&a, &b).is_empty() && differs(&b, &a).is_empty() {
            problems.push(format!("{MIGRATIONS}/*/{name}: the same lines in another order"));
        }
    }
}
