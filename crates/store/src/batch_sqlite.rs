//! The SQLite side of group commit: one thread owns a rusqlite connection and
//! stores each batch synchronously.
//!
//! Why not sqlx here: sqlx runs every SQLite connection on a worker thread and
//! hands it each statement and each row over a channel, two thread wake-ups per
//! statement. A message takes about eight statements, and that hand-off was most
//! of the server's CPU per message (57 context switches and ~1 ms per message,
//! BENCHMARKS.md). On this thread a batch costs one wake-up to start and one
//! answer per message; the statements themselves are prepared once and cached.
//!
//! Writes through sqlx (conversation changes, accounts) still exist; both take
//! the store's write gate first, so the two writer connections never wait on
//! SQLite's busy loop for each other.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use domain::*;
use rusqlite::{params, Connection, TransactionBehavior};
use tokio::sync::mpsc;

use crate::batch::{
    reply_all, stored, Done, Job, OwnedMessage, OwnedVisitor, Target, Written, Wrote, MAX_BATCH, VISITOR_TARGET,
};
use crate::inline::from_sqlite;
use crate::messages::MessageInsert;
use crate::{Result, StoreError};

/// Opens the writer's connection (after migrations ran) and starts its thread.
pub(crate) fn spawn(path: &Path, gate: Arc<tokio::sync::Mutex<()>>, mut rx: mpsc::Receiver<Job>) -> Result<()> {
    let mut conn = Connection::open(path).map_err(from_sqlite)?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(from_sqlite)?;
    // Durable: a commit returns only after the WAL reached the disk.
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(from_sqlite)?;
    conn.set_prepared_statement_cache_capacity(32);
    std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || {
            let mut jobs = Vec::with_capacity(MAX_BATCH);
            // Ends when every Store clone (and so every sender) is gone.
            while let Some(first) = rx.blocking_recv() {
                jobs.push(first);
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let (results, failed) = {
                    let _gate = gate.blocking_lock();
                    run_batch(&mut conn, &jobs)
                };
                reply_all(&mut jobs, results, failed);
            }
        })
        .map_err(|e| StoreError::Other(format!("could not start the SQLite writer: {e}")))?;
    Ok(())
}

/// One transaction for the batch, one savepoint per job: a job that fails (a
/// resent echo_id, a conversation that is gone) rolls back alone.
fn run_batch(conn: &mut Connection, jobs: &[Job]) -> (Vec<Result<Done>>, Option<String>) {
    let mut results = Vec::with_capacity(jobs.len());
    let committed = (|| -> rusqlite::Result<()> {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for job in jobs {
            let sp = tx.savepoint()?;
            let one = match job {
                Job::Message(m, _) => message(&sp, m).map(Done::Message),
                Job::Visitor(v, _) => visitor(&sp, v).map(Done::Visitor),
            };
            match one {
                Ok(done) => {
                    sp.commit()?;
                    results.push(Ok(done));
                }
                Err(e) => {
                    // Rolls back to where the savepoint began, and releases it.
                    sp.finish()?;
                    results.push(Err(from_sqlite(e)));
                }
            }
        }
        tx.commit()
    })();
    (results, committed.err().map(|e| e.to_string()))
}

/// A public reply of the team's: the visitor waits no longer.
fn answers(m: &OwnedMessage) -> bool {
    m.message_type == MessageType::Outgoing && !m.private
}

fn message(db: &Connection, m: &OwnedMessage) -> rusqlite::Result<Written> {
    let now = m.now;
    let incoming = m.message_type == MessageType::Incoming;
    let conversation = match m.target {
        Target::Loaded(id) => id.0,
        // The visitor's own conversation or none (`NotFound`): the check the
        // caller would otherwise make with a read of its own before the write.
        Target::Visitor { inbox_id, contact_id } => {
            if m.sender != Sender::Contact(contact_id) {
                return Err(rusqlite::Error::QueryReturnedNoRows);
            }
            db.prepare_cached(VISITOR_TARGET)?.query_row(
                rusqlite::named_params! {
                    "$1": m.account_id.0, "$2": m.display_id.0, "$12": contact_id.0, "$13": inbox_id.0
                },
                |r| r.get(0),
            )?
        }
    };
    let (cseq, inbox, status, display_id, assignee_id): (i64, i64, String, i64, Option<i64>) = db
        .prepare_cached(
            "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = ?3, \
             unread_count = unread_count + ?4, \
             waiting_since = CASE WHEN ?4 = 1 THEN COALESCE(waiting_since, ?3) WHEN ?5 = 1 THEN NULL \
             ELSE waiting_since END \
             WHERE account_id = ?1 AND id = ?2 \
             RETURNING last_seq, inbox_id, status, display_id, assignee_id",
        )?
        .query_row(params![m.account_id.0, conversation, now, i64::from(incoming), i64::from(answers(m))], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
    let row = MessageInsert {
        account_id: m.account_id,
        inbox_id: InboxId(inbox),
        conversation_id: ConversationId(conversation),
        seq: cseq,
        content: &m.body,
        message_type: m.message_type,
        private: m.private,
        sender: m.sender,
        echo_id: m.echo_id.as_deref(),
        content_attributes: "{}",
        created_at: now,
    };
    let mid: i64 = row.query().prepare(db)?.raw_query().next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?.get(0)?;
    db.prepare_cached("UPDATE conversations SET last_message_id = ?2 WHERE id = ?1")?
        .execute(params![conversation, mid])?;
    let contact_name = match m.sender {
        Sender::Contact(c) => Some(
            db.prepare_cached(
                "UPDATE contacts SET last_activity_at = ?3 WHERE account_id = ?1 AND id = ?2 RETURNING name",
            )?
            .query_row(params![m.account_id.0, c.0, now], |r| r.get(0))?,
        ),
        _ => None,
    };
    let seq: i64 = db
        .prepare_cached(
            "UPDATE accounts SET last_event_seq = last_event_seq + 1 WHERE id = ?1 RETURNING last_event_seq",
        )?
        .query_row(params![m.account_id.0], |r| r.get(0))?;
    db.prepare_cached(
        "INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, \
         message_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        m.account_id.0,
        seq,
        inbox,
        conversation,
        cseq,
        EventKind::MessageCreated.name(),
        m.private,
        mid,
        now
    ])?;
    let wrote = Wrote {
        message_id: mid,
        conversation_id: conversation,
        inbox_id: inbox,
        conversation_seq: cseq,
        display_id,
        seq,
        status,
        assignee_id,
        contact_name,
    };
    Ok(stored(m, wrote))
}

fn visitor(db: &Connection, v: &OwnedVisitor) -> rusqlite::Result<(Contact, i64)> {
    let now = v.now;
    let id: i64 = db
        .prepare_cached(
            "INSERT INTO contacts (account_id, name, pubsub_token_hash, created_at, last_activity_at) \
             VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
        )?
        .query_row(params![v.account_id.0, v.name, v.pubsub_token_hash, now], |r| r.get(0))?;
    let ci: i64 = db
        .prepare_cached(
            "INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, source_id_hash, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(params![v.account_id.0, id, v.inbox_id.0, v.source_id_hash, now], |r| r.get(0))?;
    Ok((v.contact(ContactId(id)), ci))
}
