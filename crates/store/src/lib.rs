//! The only crate that knows SQL. One [`Store`] over SQLite or PostgreSQL, the same
//! portable SQL for both (`$1` parameters, `RETURNING`), runtime queries, and a
//! `match` only where the dialects differ.
//!
//! Every function that reads or writes tenant data takes the [`AccountId`] and puts it
//! in its `WHERE` clause (ARCHITECTURE.md, invariant 4).

mod accounts;
mod assignment;
mod batch;
mod batch_pg;
mod batch_sqlite;
mod chatflows;
mod contacts;
mod conversations;
mod events;
mod inboxes;
mod inline;
mod jobs;
mod labels;
mod memo;
mod messages;
mod notifications;
mod profiles;
mod query;
mod rows;
mod team;
mod teams;
mod tx;
mod views;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use domain::{ContactId, Inbox, InboxId};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use accounts::{Access, Credential, NewUser, UserRecord};
pub use assignment::Candidate;
pub use contacts::ContactPatch;
pub use conversations::{ConversationCounts, ConversationFilter, Locked, NewConversation};
pub use events::{EventRecord, NewEvent};
pub use inboxes::{InboxSettings, NewInbox};
pub use jobs::{ClaimedJob, NewJob, MAX_ATTEMPTS};
pub use labels::LabelFields;
pub use messages::{Activity, Appended, NewMessage, NewVisitorMessage};
pub use notifications::{NewNotification, Notification};
pub use profiles::ProfileExtras;
pub use team::{Member, SetupPurpose};
pub use teams::TeamFields;
pub use tx::Tx;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Text the database cannot store (PostgreSQL refuses a NUL character in
    /// text; SQLite would keep it). Input, not a fault: parsed values refuse it
    /// first, this catches what reaches the database unparsed.
    #[error("text the database cannot store")]
    InvalidText,
    #[error("database error: {0}")]
    Other(String),
}

/// A PostgreSQL connection idle longer than this is pinged before it is used
/// again; one used more recently is trusted (`open_postgres`).
pub(crate) const PING_IF_IDLE: Duration = Duration::from_secs(1);

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // PostgreSQL names the constraint; SQLite only says which columns.
                StoreError::Conflict(match db.constraint() {
                    Some(name) => Conflict::from_pg_constraint(name),
                    None => Conflict::from_sqlite_message(db.message()),
                })
            }
            // SQLITE_BUSY after the busy timeout, a pool that could not hand out a
            // connection, a dropped server: the caller answers 503, nothing is lost.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("5") => {
                StoreError::Unavailable(db.message().to_owned())
            }
            // PostgreSQL ended the session (shut down, restarted, terminated
            // the backend) or the connection broke: class 08 and 57P.
            sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) => {
                StoreError::Unavailable(db.message().to_owned())
            }
            // character_not_in_repertoire, untranslatable_character (a NUL in a
            // text parameter): the client's input.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("22021" | "22P05")) => {
                StoreError::InvalidText
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Other(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(e.to_string())
    }
}

/// Which unique rule a write broke: decided here, once per database, so
/// neither an index name nor a driver's text reaches an answer, and both
/// databases answer the same request the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Another user has this email address.
    UserEmail,
    /// The account has a team of that name.
    TeamName,
    /// The account has a label of that title.
    LabelTitle,
    /// The contact has an unresolved conversation in this inbox already.
    OpenConversation,
    /// A message with this `echo_id` is stored in the conversation already.
    EchoId,
    /// Any other unique rule (a token collision, a duplicate row).
    Other,
}

impl Conflict {
    /// PostgreSQL: by constraint or index name (the migrations' defaults).
    fn from_pg_constraint(name: &str) -> Conflict {
        match name {
            "users_email_key" => Conflict::UserEmail,
            "conversations_one_active" => Conflict::OpenConversation,
            "messages_conversation_id_echo_id_key" => Conflict::EchoId,
            _ => Conflict::Other,
        }
    }

    /// SQLite: "UNIQUE constraint failed: table.column, …".
    pub(crate) fn from_sqlite_message(message: &str) -> Conflict {
        let columns = message.rsplit(": ").next().unwrap_or_default();
        match columns {
            "users.email" => Conflict::UserEmail,
            "conversations.contact_inbox_id" => Conflict::OpenConversation,
            "messages.conversation_id, messages.echo_id" => Conflict::EchoId,
            _ => Conflict::Other,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database, and how durable SQLite's commits are.
#[derive(Clone)]
pub enum StoreConfig {
    Sqlite { path: std::path::PathBuf },
    Postgres { url: String },
}

impl std::fmt::Debug for StoreConfig {
    // The URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "Sqlite({})", path.display()),
            Self::Postgres { .. } => f.write_str("Postgres(<redacted>)"),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    inner: Inner,
    /// Group commit for messages (see batch.rs).
    batch: batch::Batcher,
    memo: std::sync::Arc<Memos>,
}

/// See memo.rs.
struct Memos {
    inboxes: memo::Memo<Inbox>,
    /// Contact identifier hash → (inbox, contact, inbox session).
    visitors: memo::Memo<(InboxId, ContactId, i64)>,
}

#[derive(Clone)]
enum Inner {
    /// One writer connection (SQLite allows one writer; queueing here instead of in
    /// SQLite's busy loop keeps latency flat) and a pool of readers. The group
    /// commit writer has a connection of its own (batch_sqlite.rs); `gate` lets
    /// only one of the two write at a time.
    Sqlite {
        write: SqlitePool,
        read: SqlitePool,
        path: std::path::PathBuf,
        gate: std::sync::Arc<tokio::sync::Mutex<()>>,
        /// Point reads on the calling thread (inline.rs).
        inline: std::sync::Arc<inline::Inline>,
    },
    Postgres(PgPool),
}

impl Store {
    pub async fn open(config: &StoreConfig) -> Result<Store> {
        match config {
            StoreConfig::Sqlite { path } => Self::open_sqlite(path).await,
            StoreConfig::Postgres { url } => {
                let store = Self::open_postgres(url).await?;
                store.migrate().await?;
                Ok(store)
            }
        }
    }

    async fn open_sqlite(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Durable: a commit returns only after the WAL reached the disk.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await?;
        // Readers are ordinary connections used only for reads: WAL lets them run
        // beside the writer. Migrate through the writer before any reader opens.
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let gate = std::sync::Arc::new(tokio::sync::Mutex::new(()));
        let inline = std::sync::Arc::new(inline::Inline::new(path));
        Store::with(Inner::Sqlite { write, read, path: path.to_owned(), gate, inline })
    }

    async fn open_postgres(url: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // sqlx pings every connection it takes from the pool by default: a
            // round trip before every query, which doubled an agent request's
            // (BENCHMARKS.md, M5). Only a connection idle for a while is pinged
            // now: a busy one was just used. One that PostgreSQL dropped since
            // (a restart under load) fails its next query and is discarded,
            // and that caller is told `unavailable`, to retry.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > crate::PING_IF_IDLE {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Store::with(Inner::Postgres(pool))
    }

    fn with(inner: Inner) -> Result<Store> {
        let memo = Memos { inboxes: memo::Memo::new(10_000), visitors: memo::Memo::new(200_000) };
        Ok(Store { batch: batch::Batcher::spawn(&inner)?, inner, memo: std::sync::Arc::new(memo) })
    }

    async fn migrate(&self) -> Result<()> {
        match &self.inner {
            Inner::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Inner::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self.inner {
            Inner::Sqlite { .. } => "sqlite",
            Inner::Postgres(_) => "postgres",
        }
    }

    /// Readiness: the database answers.
    pub async fn ping(&self) -> Result<()> {
        let _: (i64,) = self.read_one(query::q("SELECT CAST(1 AS BIGINT)")).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.inner {
            Inner::Sqlite { write, read, .. } => {
                read.close().await;
                write.close().await;
            }
            Inner::Postgres(pool) => pool.close().await,
        }
    }
}

pub(crate) fn json_map(s: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Both backends must have the same migrations, by file name, so a change
    /// cannot land for one database only.
    #[test]
    fn migration_folders_are_in_lockstep() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
                .expect("migrations folder")
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names("sqlite");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, names("postgres"));
    }

    #[tokio::test]
    async fn sqlite_store_opens_twice_and_keeps_data() {
        let dir = std::env::temp_dir().join(format!("parlor-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let config = super::StoreConfig::Sqlite { path: dir.join("db.sqlite3") };
        let a = super::Store::open(&config).await.expect("open");
        let (id, created) = a.ensure_first_account("A", 0).await.expect("account");
        assert!(created);
        a.close().await;
        let b = super::Store::open(&config).await.expect("reopen");
        assert_eq!(b.ensure_first_account("A", 0).await.expect("account"), (id, false));
        b.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The writer connection handed back still inside a transaction (what a
    /// lost rollback leaves): the next write reopens it instead of failing,
    /// and what the stale transaction held is gone.
    #[tokio::test]
    async fn a_writer_left_in_a_transaction_is_reopened_not_wedged() {
        let dir = std::env::temp_dir().join(format!("parlor-store-wedge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store =
            super::Store::open(&super::StoreConfig::Sqlite { path: dir.join("db.sqlite3") }).await.expect("open");
        let super::Inner::Sqlite { write, .. } = &store.inner else { panic!("sqlite") };
        {
            let mut conn = write.acquire().await.expect("acquire");
            let mut tx = sqlx::Connection::begin(&mut *conn).await.expect("begin");
            sqlx::query("INSERT INTO accounts (name, created_at) VALUES ('ghost', 0)")
                .execute(&mut *tx)
                .await
                .expect("insert");
            // Neither committed nor rolled back: the connection goes back as it is.
            std::mem::forget(tx);
        }
        let (id, created) = store.ensure_first_account("Real", 0).await.expect("a write after the wedge");
        assert!(created, "the ghost account was never committed");
        assert_eq!(store.ensure_first_account("Real", 0).await.expect("again"), (id, false));
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
