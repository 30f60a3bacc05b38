//! The PostgreSQL side of group commit: each job of a batch is one statement.
//!
//! The writer runs its batch in series, so what bounds it is round trips: a
//! message written as separate statements inside a savepoint took about ten, and
//! the writer topped out near 800 messages per second. Here a message is one
//! statement (a chain of data-modifying CTEs) and a batch is BEGIN, one
//! statement per job, COMMIT. There are no savepoints, so a job must not fail
//! the transaction: a resent `echo_id` writes nothing (the caller is told
//! `Conflict` and answers with the stored message), and so does a conversation
//! that does not exist.

use std::sync::LazyLock;
use std::time::Instant;

use domain::*;
use sqlx::{Connection, PgConnection, PgPool};

use crate::batch::{reply_all, stored, Done, Job, OwnedMessage, OwnedVisitor, Target, Written, Wrote, MAX_BATCH};
use crate::{Result, StoreError};

/// One message: the conversation's next seq and the message id (taken from the
/// sequence up front, so the conversation row is updated once), the account's
/// next event seq, the message, its event and the sender's last activity.
/// `own` selects the conversation ([`APPEND_LOADED`], [`APPEND_VISITOR`]); when it
/// is not there, or the `echo_id` is known already, nothing is written. Should
/// a concurrent process insert the same `echo_id` first, `ON CONFLICT` skips
/// the message and its event, leaving only a gap in the seqs, which readers
/// accept. The contacts update returns the sender's name for the stored message.
///
/// The echo check names the conversation as a scalar subquery, not `own.id`: a
/// correlated `NOT EXISTS` under the `OR` is planned as a hashed subplan over a
/// sequential scan of `messages`, and the prepared statement keeps that plan
/// as the table grows (M2b went from milliseconds to seconds).
fn append(own: &str) -> String {
    let columns = crate::messages::INSERT_COLUMNS;
    format!(
        "WITH own AS ({own}), fresh AS ( \
            SELECT own.id FROM own WHERE $10::text IS NULL OR NOT EXISTS ( \
                SELECT 1 FROM messages WHERE conversation_id = (SELECT id FROM own) AND echo_id = $10) \
        ), c AS ( \
            UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $3, \
            unread_count = unread_count + $4, last_message_id = nextval('messages_id_seq'), \
            waiting_since = CASE WHEN $4 = 1 THEN COALESCE(waiting_since, $3) \
            WHEN $6 = 1 AND NOT $7 THEN NULL ELSE waiting_since END \
            WHERE account_id = $1 AND id = (SELECT id FROM fresh) \
            RETURNING id, last_seq, inbox_id, last_message_id, status, display_id, assignee_id \
        ), a AS ( \
            UPDATE accounts SET last_event_seq = last_event_seq + 1 \
            WHERE id = $1 AND EXISTS (SELECT 1 FROM c) RETURNING last_event_seq \
        ), m AS ( \
            INSERT INTO messages (id, {columns}) \
            SELECT c.last_message_id, $1, c.inbox_id, c.id, c.last_seq, $5, $6, $7, $8, $9, $10, '{{}}', $3 FROM c \
            ON CONFLICT DO NOTHING RETURNING id, conversation_id, seq, inbox_id \
        ), e AS ( \
            INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, \
            message_id, created_at) \
            SELECT $1, a.last_event_seq, m.inbox_id, m.conversation_id, m.seq, $11, $7, m.id, $3 FROM m, a \
        ), ct AS ( \
            UPDATE contacts SET last_activity_at = $3 \
            WHERE account_id = $1 AND id = $12 AND EXISTS (SELECT 1 FROM m) RETURNING name \
        ) \
        SELECT m.id, m.conversation_id, m.seq, m.inbox_id, a.last_event_seq, c.status, c.display_id, ct.name, \
        c.assignee_id \
        FROM m CROSS JOIN a CROSS JOIN c LEFT JOIN ct ON TRUE"
    )
}

/// A conversation the caller loaded: `$2` is its id (`$13` is unused).
static APPEND_LOADED: LazyLock<String> =
    LazyLock::new(|| append("SELECT id FROM conversations WHERE account_id = $1 AND id = $2"));

/// A visitor's conversation: `$2` is the display id it named, and it must be
/// the contact's (`$12`) in this inbox (`$13`), the check `App::visitor_send`
/// made with a read before (invariant 4: not yours is not found).
static APPEND_VISITOR: LazyLock<String> = LazyLock::new(|| append(crate::batch::VISITOR_TARGET));

/// One visitor: its contact and its inbox session.
const VISITOR: &str = "WITH ct AS ( \
        INSERT INTO contacts (account_id, name, pubsub_token_hash, created_at, last_activity_at) \
        VALUES ($1, $2, $3, $4, $4) RETURNING id \
    ) \
    INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, source_id_hash, created_at) \
    SELECT $1, ct.id, $5, $6, $4 FROM ct RETURNING contact_id, id";

/// The outer `Result` is the database's (an error aborts the transaction); the
/// inner one is the answer for this job, a refusal that wrote nothing.
async fn message(tx: &mut sqlx::PgConnection, m: &OwnedMessage) -> Result<Result<Written>> {
    let now = m.now;
    let (sender_type, sender_id) = m.sender.columns();
    let contact = match m.sender {
        Sender::Contact(c) => Some(c.0),
        _ => None,
    };
    let (sql, key, inbox) = match m.target {
        Target::Loaded(id) => (APPEND_LOADED.as_str(), id.0, None),
        Target::Visitor { inbox_id, contact_id } => {
            if contact != Some(contact_id.0) {
                // Only the visitor itself writes into its conversation this way.
                return Ok(Err(StoreError::NotFound));
            }
            (APPEND_VISITOR.as_str(), m.display_id.0, Some(inbox_id.0))
        }
    };
    type Row = (i64, i64, i64, i64, i64, String, i64, Option<String>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(sql)
        .bind(m.account_id.0)
        .bind(key)
        .bind(now)
        .bind(i64::from(m.message_type == MessageType::Incoming))
        .bind(m.body.as_str())
        .bind(m.message_type.code())
        .bind(m.private)
        .bind(sender_type)
        .bind(sender_id)
        .bind(m.echo_id.as_deref())
        .bind(EventKind::MessageCreated.name())
        .bind(contact)
        .bind(inbox)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((
        message_id,
        conversation_id,
        conversation_seq,
        inbox_id,
        seq,
        status,
        display_id,
        contact_name,
        assignee_id,
    )) = row
    else {
        // Either the echo_id is stored already or the conversation is not there
        // (or not this visitor's); the caller tells the two apart.
        return Ok(Err(match &m.echo_id {
            Some(_) => StoreError::Conflict(crate::Conflict::EchoId),
            None => StoreError::NotFound,
        }));
    };
    let wrote = Wrote {
        message_id,
        conversation_id,
        inbox_id,
        conversation_seq,
        display_id,
        seq,
        status,
        assignee_id,
        contact_name,
    };
    Ok(Ok(stored(m, wrote)))
}

async fn visitor(tx: &mut sqlx::PgConnection, v: &OwnedVisitor) -> Result<(Contact, i64)> {
    let now = v.now;
    let (contact, ci): (i64, i64) = sqlx::query_as(VISITOR)
        .bind(v.account_id.0)
        .bind(&v.name)
        .bind(&v.pubsub_token_hash)
        .bind(now)
        .bind(v.inbox_id.0)
        .bind(&v.source_id_hash)
        .fetch_one(&mut *tx)
        .await?;
    Ok((v.contact(ContactId(contact)), ci))
}

/// The writer's loop: one connection of its own, taken out of the pool, so a
/// batch does not wait for a pool connection nor pay sqlx's ping when one is
/// given back. A database error drops the connection (it may be broken) and
/// the next batch takes a fresh one.
pub(crate) async fn run_writer(pool: PgPool, mut rx: tokio::sync::mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    let mut conn: Option<PgConnection> = None;
    let mut used = Instant::now();
    // Ends when every Store clone (and so every sender) is gone.
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // As the pool does (`Store::open_postgres`): a connection that idled may
        // have been dropped by the server meanwhile.
        if used.elapsed() > crate::PING_IF_IDLE {
            if let Some(db) = &mut conn {
                if db.ping().await.is_err() {
                    conn = None;
                }
            }
        }
        used = Instant::now();
        let db = match &mut conn {
            Some(db) => db,
            None => match pool.acquire().await {
                Ok(c) => conn.insert(c.detach()),
                Err(e) => {
                    reply_all(&mut jobs, Vec::new(), Some(e.to_string()));
                    continue;
                }
            },
        };
        if !run_batch(db, &mut jobs).await {
            conn = None;
        }
    }
}

/// Runs the whole batch in one transaction. A statement that fails anyway (the
/// database went away) fails the batch, and every sender hears so; `false`
/// then, and the connection is not used again.
///
/// A lone job is its one statement without BEGIN and COMMIT: a statement is a
/// transaction of its own, so it commits as atomically, one round trip instead
/// of three (most batches are lone below a few thousand messages a second).
async fn run_batch(db: &mut PgConnection, jobs: &mut Vec<Job>) -> bool {
    let mut results: Vec<Result<Done>> = Vec::with_capacity(jobs.len());
    let committed: Result<()> = async {
        if let [job] = jobs.as_slice() {
            results.push(one(db, job).await?);
            return Ok(());
        }
        let mut tx = db.begin().await?;
        for job in jobs.iter() {
            // `?`: a database error aborted the transaction (PostgreSQL would
            // answer COMMIT with a rollback), so the whole batch fails.
            results.push(one(&mut tx, job).await?);
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    let ok = committed.is_ok();
    reply_all(jobs, results, committed.err().map(|e| e.to_string()));
    ok
}

async fn one(db: &mut PgConnection, job: &Job) -> Result<Result<Done>> {
    Ok(match job {
        Job::Message(m, _) => message(db, m).await?.map(Done::Message),
        Job::Visitor(v, _) => Ok(Done::Visitor(visitor(db, v).await?)),
    })
}
