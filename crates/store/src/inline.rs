//! Point reads on SQLite, run on the calling thread.
//!
//! sqlx hands every SQLite statement and every row to a worker thread and back,
//! and on a 2-core machine those wake-ups cost more than the reads (BENCHMARKS.md).
//! The reads every message, socket and resume needs — one conversation, one
//! contact, a few events — take microseconds from SQLite's page cache, so they
//! run right here instead, on a small pool of rusqlite connections. Lists and
//! searches, which can scan, stay on sqlx's threads.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use crate::{Result, StoreError};

/// Idle connections kept; more may be open for a moment under load.
const KEEP: usize = 8;

pub(crate) struct Inline {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Inline {
    pub(crate) fn new(path: &Path) -> Inline {
        Inline { path: path.to_owned(), idle: Mutex::new(Vec::new()) }
    }

    pub(crate) fn run<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => open_reader(&self.path).map_err(from_sqlite)?,
        };
        let out = f(&conn);
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < KEEP {
                v.push(conn);
            }
        }
        out.map_err(from_sqlite)
    }
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // query_only: these connections can never write, whatever code runs on them.
    // No mmap: with the file growing under constant inserts SQLite remaps it
    // often, and the munmap() TLB shootdowns cost more than the pread()s saved.
    conn.execute_batch("PRAGMA query_only = ON;")?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// The same mapping as `From<sqlx::Error>`: a unique index refusing the write is
/// a conflict, a locked database is "unavailable" (the caller answers 503).
pub(crate) fn from_sqlite(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        rusqlite::Error::SqliteFailure(f, msg) => match f.code {
            ErrorCode::ConstraintViolation if is_unique(f.extended_code) => {
                StoreError::Conflict(crate::Conflict::from_sqlite_message(msg.as_deref().unwrap_or_default()))
            }
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Other(e.to_string()),
        },
        _ => StoreError::Other(e.to_string()),
    }
}

/// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
fn is_unique(extended: std::os::raw::c_int) -> bool {
    extended == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE || extended == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
}

#[cfg(test)]
mod tests {
    /// Code running on an inline reader cannot change the database.
    #[test]
    fn an_inline_reader_cannot_write() {
        let dir = std::env::temp_dir().join(format!("parlor-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("db.sqlite3");
        let setup = rusqlite::Connection::open(&path).expect("open");
        setup.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);").expect("setup");
        let inline = super::Inline::new(&path);
        let wrote = inline.run(|c| c.execute("INSERT INTO t (x) VALUES (1)", []));
        assert!(wrote.is_err(), "an inline reader wrote");
        let n: i64 = inline.run(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))).expect("read");
        assert_eq!(n, 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
