//! M5's seed: N conversations of K messages each, written straight into a
//! database that `parlor admin create-user` just migrated and bootstrapped
//! (same schema: crates/store/migrations). Counters stay consistent with what
//! Parlor itself would have written: every conversation has its
//! `conversation.created` event (seq 1) and one `message.created` event per
//! message (seq 2..=K+1), `conversations.last_seq` / `last_message_id` point at
//! its last message, the account's `last_display_id` / `last_event_seq`
//! cover everything seeded, so live traffic continues from there, and the
//! inbox tabs' kept counts (`conversation_counts`) include the seeded ones.
//!
//! One conversation in five is open, one in three is assigned to the agent;
//! conversations are spread over the last 90 days, messages 30 s apart.

use std::time::Instant;

use anyhow::Context;
use sqlx::Connection;

pub struct Seed {
    pub conversations: i64,
    pub per_conversation: i64,
    pub agent_id: i64,
    pub nonce: String,
}

/// Where the seeded rows start (the database already holds a few rows).
struct Base {
    inbox: i64,
    display: i64,
    event: i64,
    contact: i64,
    contact_inbox: i64,
    conversation: i64,
    message: i64,
}

/// The statements, for either dialect: `rows(n)` yields `x` = 1..=n.
fn statements(s: &Seed, b: &Base, rows: &dyn Fn(i64) -> (String, String)) -> Vec<String> {
    let (n, k) = (s.conversations, s.per_conversation);
    let now = super::client::now_ns() as i64 / 1_000_000;
    let t0 = now - 90 * 86_400_000;
    // Conversation x starts at t(x); its last message is at t(x) + k * 30 s.
    let step = (90 * 86_400_000 - 3_600_000 - k * 30_000) / n;
    let t = |x: &str| format!("({t0} + ({x}) * {step})");
    let (with_n, from_n) = rows(n);
    let (with_m, from_m) = rows(n * k);
    // Message i belongs to conversation x = (i-1)/k + 1, as its j-th (1..=k).
    let x = format!("((x - 1) / {k} + 1)");
    let j = format!("((x - 1) % {k} + 1)");
    vec![
        format!(
            "{with_n} INSERT INTO contacts (id, account_id, name, pubsub_token_hash, additional_attributes, created_at, last_activity_at) \
             SELECT {} + x, 1, 'Seeded visitor ' || x, 'seed-pubsub-{}-' || x, '{{}}', {}, {} + {k} * 30000 {from_n}",
            b.contact, s.nonce, t("x"), t("x")
        ),
        format!(
            "{with_n} INSERT INTO contact_inboxes (id, account_id, contact_id, inbox_id, source_id_hash, created_at) \
             SELECT {} + x, 1, {} + x, {}, 'seed-source-{}-' || x, {} {from_n}",
            b.contact_inbox, b.contact, b.inbox, s.nonce, t("x")
        ),
        format!(
            "{with_n} INSERT INTO conversations (id, account_id, display_id, inbox_id, contact_id, contact_inbox_id, status, \
             assignee_id, last_seq, last_message_id, unread_count, last_activity_at, additional_attributes, created_at) \
             SELECT {} + x, 1, {} + x, {}, {} + x, {} + x, CASE WHEN x % 5 = 0 THEN 'open' ELSE 'resolved' END, \
             CASE WHEN x % 3 = 0 THEN {} ELSE NULL END, {} + 1, {} + x * {k}, CASE WHEN x % 5 = 0 THEN x % 4 ELSE 0 END, \
             {} + {k} * 30000, '{{}}', {} {from_n}",
            b.conversation, b.display, b.inbox, b.contact, b.contact_inbox, s.agent_id, k, b.message, t("x"), t("x")
        ),
        format!(
            "{with_m} INSERT INTO messages (id, account_id, inbox_id, conversation_id, seq, content, message_type, private, \
             sender_type, sender_id, echo_id, created_at) \
             SELECT {} + x, 1, {}, {} + {x}, {j} + 1, \
             'Message ' || {j} || ' of conversation ' || {x} || ': could you check when my order ships, and to which address?', \
             CASE WHEN {j} % 2 = 1 THEN 0 ELSE 1 END, FALSE, CASE WHEN {j} % 2 = 1 THEN 'contact' ELSE 'user' END, \
             CASE WHEN {j} % 2 = 1 THEN {} + {x} ELSE {} END, NULL, {} + {j} * 30000 {from_m}",
            b.message, b.inbox, b.conversation, b.contact, s.agent_id, t(&x)
        ),
        format!(
            "{with_n} INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, message_id, created_at) \
             SELECT 1, {} + (x - 1) * {} + 1, {}, {} + x, 1, 'conversation.created', FALSE, NULL, {} {from_n}",
            b.event, k + 1, b.inbox, b.conversation, t("x")
        ),
        format!(
            "{with_m} INSERT INTO events (account_id, seq, inbox_id, conversation_id, conversation_seq, kind, private, message_id, created_at) \
             SELECT 1, {} + ({x} - 1) * {} + 1 + {j}, {}, {} + {x}, {j} + 1, 'message.created', FALSE, {} + x, {} + {j} * 30000 {from_m}",
            b.event, k + 1, b.inbox, b.conversation, b.message, t(&x)
        ),
        // The inbox tabs' kept counts (migration 0004), for the seeded conversations.
        format!(
            "INSERT INTO conversation_counts (account_id, inbox_id, status, assignee_id, count) \
             SELECT account_id, inbox_id, status, COALESCE(assignee_id, 0), COUNT(*) FROM conversations \
             WHERE id > {} GROUP BY account_id, inbox_id, status, COALESCE(assignee_id, 0) \
             ON CONFLICT (account_id, inbox_id, status, assignee_id) DO UPDATE SET count = conversation_counts.count + excluded.count",
            b.conversation
        ),
        format!(
            "UPDATE accounts SET last_display_id = {}, last_event_seq = {} WHERE id = 1",
            b.display + n,
            b.event + n * (k + 1)
        ),
    ]
}

/// Reads where the seed starts, on either kind of connection.
macro_rules! base {
    ($conn:expr) => {{
        let mut v = Vec::new();
        for sql in [
            "SELECT MIN(id) FROM inboxes WHERE account_id = 1",
            "SELECT last_display_id FROM accounts WHERE id = 1",
            "SELECT last_event_seq FROM accounts WHERE id = 1",
            "SELECT COALESCE(MAX(id), 0) FROM contacts",
            "SELECT COALESCE(MAX(id), 0) FROM contact_inboxes",
            "SELECT COALESCE(MAX(id), 0) FROM conversations",
            "SELECT COALESCE(MAX(id), 0) FROM messages",
        ] {
            let x: i64 = sqlx::query_scalar(sql).fetch_one(&mut *$conn).await.with_context(|| sql.to_owned())?;
            v.push(x);
        }
        Base {
            inbox: v[0],
            display: v[1],
            event: v[2],
            contact: v[3],
            contact_inbox: v[4],
            conversation: v[5],
            message: v[6],
        }
    }};
}

/// Seeds a SQLite database file (the server is not running). Returns the first
/// seeded display id.
pub async fn sqlite(path: &std::path::Path, s: &Seed) -> anyhow::Result<i64> {
    let t = Instant::now();
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
    let mut conn = sqlx::SqliteConnection::connect_with(&opts).await?;
    // Seeding speed only: the server reopens the file in WAL with synchronous=FULL.
    for p in ["PRAGMA journal_mode=DELETE", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-262144"] {
        sqlx::query(p).execute(&mut conn).await?;
    }
    let b = base!(&mut conn);
    let first = b.display + 1;
    let rows = |n: i64| {
        (format!("WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n})"), "FROM s".to_owned())
    };
    let mut tx = conn.begin().await?;
    for sql in statements(s, &b, &rows) {
        sqlx::query(&sql).execute(&mut *tx).await.with_context(|| sql.chars().take(120).collect::<String>())?;
    }
    tx.commit().await?;
    sqlx::query("PRAGMA journal_mode=WAL").execute(&mut conn).await?;
    conn.close().await?;
    eprintln!("bench:   seeded SQLite in {:.0} s", t.elapsed().as_secs_f64());
    Ok(first)
}

/// Seeds a PostgreSQL database, then brings sequences and statistics up to
/// date (autovacuum would analyze such a load within a minute anyway).
pub async fn postgres(url: &str, s: &Seed) -> anyhow::Result<i64> {
    let t = Instant::now();
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let b = base!(&mut conn);
    let first = b.display + 1;
    let rows = |n: i64| (String::new(), format!("FROM generate_series(1::bigint, {n}::bigint) AS s(x)"));
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
    for sql in statements(s, &b, &rows) {
        sqlx::query(&sql).execute(&mut *tx).await.with_context(|| sql.chars().take(120).collect::<String>())?;
    }
    for table in ["contacts", "contact_inboxes", "conversations", "messages"] {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))");
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("VACUUM ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    eprintln!("bench:   seeded PostgreSQL in {:.0} s", t.elapsed().as_secs_f64());
    Ok(first)
}
