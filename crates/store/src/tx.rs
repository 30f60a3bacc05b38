//! The transaction type, and the pools reads go to: where the two databases
//! meet. Every method here matches on the backend once and runs the same
//! [`Query`] on either (Stalwart's `store/src/dispatch` does the same), so the
//! noun files above it hold plain functions, not macros.
//!
//! A use case reads: `let mut tx = store.begin().await?`, primitives
//! (`tx.append_event(…)`, `tx.enqueue(…)` …, defined beside their noun), then
//! `tx.commit().await?`, then publish. A transaction dropped without
//! `commit` is rolled back, whatever returned early.

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::OwnedMutexGuard;

use crate::query::{FromRow, Query, SqlxRow};
use crate::{Inner, Result, Store};

/// An open write transaction.
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    /// `tx` is declared first so it is dropped (rolled back) before the write
    /// gate opens for the next writer.
    Sqlite {
        tx: Transaction<'static, Sqlite>,
        _gate: OwnedMutexGuard<()>,
    },
    Postgres(Transaction<'static, Postgres>),
}

/// A connection to run one statement on: a transaction's, or a read pool.
enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
}

/// The one dispatch: `$body` is compiled once per kind of connection, with
/// `$c` bound to it, and runs on the one `$conn` is.
macro_rules! dispatch {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Conn::Sqlite($c) => $body,
            Conn::Postgres($c) => $body,
            Conn::SqlitePool($c) => $body,
            Conn::PgPool($c) => $body,
        }
    };
}

/// The query's values for the database connection `_c` speaks (named only
/// for the type: sqlx cannot infer it from the arguments).
fn args<'q, 'e, C: sqlx::Executor<'e>>(
    _c: &C,
    query: Query<'q>,
) -> Result<<C::Database as sqlx::Database>::Arguments<'q>>
where
    Option<i64>: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    Option<&'q str>: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    Option<String>: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    bool: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    query.arguments::<C::Database>()
}

impl Conn<'_> {
    async fn execute(self, query: Query<'_>) -> Result<u64> {
        let sql = query.sql;
        Ok(dispatch!(self, |c| sqlx::query_with(sql, args(&c, query)?).execute(c).await?.rows_affected()))
    }

    async fn fetch_one<T: SqlxRow>(self, query: Query<'_>) -> Result<T> {
        let sql = query.sql;
        Ok(dispatch!(self, |c| sqlx::query_as_with(sql, args(&c, query)?).fetch_one(c).await?))
    }

    async fn fetch_optional<T: SqlxRow>(self, query: Query<'_>) -> Result<Option<T>> {
        let sql = query.sql;
        Ok(dispatch!(self, |c| sqlx::query_as_with(sql, args(&c, query)?).fetch_optional(c).await?))
    }

    async fn fetch_all<T: SqlxRow>(self, query: Query<'_>) -> Result<Vec<T>> {
        let sql = query.sql;
        Ok(dispatch!(self, |c| sqlx::query_as_with(sql, args(&c, query)?).fetch_all(c).await?))
    }
}

impl Store {
    /// Begins a write transaction. SQLite: behind the write gate (one writer
    /// connection, shared with the group-commit thread), `BEGIN IMMEDIATE`, as a
    /// deferred one that later writes can fail with SQLITE_BUSY when another
    /// process (an admin command) writes meanwhile.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.inner {
            Inner::Sqlite { write, gate, .. } => {
                let gate = gate.clone().lock_owned().await;
                let tx = match write.begin_with("BEGIN IMMEDIATE").await {
                    // The one writer connection was left inside a transaction
                    // (seen once in the browser test; its cause is not found
                    // yet): without this every later write would fail until a
                    // restart. Close that connection (SQLite rolls back what
                    // it held, never acknowledged) and begin on a fresh one.
                    Err(sqlx::Error::InvalidSavePointStatement) => {
                        tracing::error!("the SQLite writer was left in a transaction: reopening it");
                        let stale = write.acquire().await?.detach();
                        let _ = sqlx::Connection::close_hard(stale).await;
                        write.begin_with("BEGIN IMMEDIATE").await?
                    }
                    other => other?,
                };
                TxInner::Sqlite { tx, _gate: gate }
            }
            Inner::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    /// One statement in a transaction of its own, returning a row.
    pub(crate) async fn write_one<T: SqlxRow>(&self, query: Query<'_>) -> Result<T> {
        let mut tx = self.begin().await?;
        let row = tx.fetch_one(query).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// One statement in a transaction of its own; how many rows it changed.
    pub(crate) async fn write(&self, query: Query<'_>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx.execute(query).await?;
        tx.commit().await?;
        Ok(n)
    }

    fn reader(&self) -> Conn<'_> {
        match &self.inner {
            Inner::Sqlite { read, .. } => Conn::SqlitePool(read),
            Inner::Postgres(pool) => Conn::PgPool(pool),
        }
    }

    /// Reads that may scan (lists, searches) run on a read pool: sqlx's
    /// threads on SQLite, the pool on PostgreSQL.
    pub(crate) async fn read_all<T: SqlxRow>(&self, query: Query<'_>) -> Result<Vec<T>> {
        self.reader().fetch_all(query).await
    }

    pub(crate) async fn read_one<T: SqlxRow>(&self, query: Query<'_>) -> Result<T> {
        self.reader().fetch_one(query).await
    }

    pub(crate) async fn read_optional<T: SqlxRow>(&self, query: Query<'_>) -> Result<Option<T>> {
        self.reader().fetch_optional(query).await
    }

    /// Reads by key on the hot paths. On SQLite they run on the calling thread
    /// (inline.rs: no hand-off to sqlx's worker thread), on PostgreSQL on the
    /// pool.
    pub(crate) async fn point_optional<T: FromRow>(&self, query: Query<'_>) -> Result<Option<T>> {
        match &self.inner {
            Inner::Sqlite { inline, .. } => inline.run(|conn| {
                let mut stmt = query.prepare(conn)?;
                let mut rows = stmt.raw_query();
                rows.next()?.map(T::try_from).transpose()
            }),
            Inner::Postgres(pool) => Conn::PgPool(pool).fetch_optional(query).await,
        }
    }

    pub(crate) async fn point_one<T: FromRow>(&self, query: Query<'_>) -> Result<T> {
        self.point_optional(query).await?.ok_or(crate::StoreError::NotFound)
    }

    pub(crate) async fn point_all<T: FromRow>(&self, query: Query<'_>) -> Result<Vec<T>> {
        match &self.inner {
            Inner::Sqlite { inline, .. } => inline.run(|conn| {
                let mut stmt = query.prepare(conn)?;
                let mut rows = stmt.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(T::try_from(row)?);
                }
                Ok(out)
            }),
            Inner::Postgres(pool) => Conn::PgPool(pool).fetch_all(query).await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite { tx, _gate } => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Ends the transaction without keeping anything (dropping it does the
    /// same, later).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite { tx, _gate } => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite { tx, .. } => Conn::Sqlite(tx),
            TxInner::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    pub(crate) async fn execute(&mut self, query: Query<'_>) -> Result<u64> {
        self.conn().execute(query).await
    }

    pub(crate) async fn fetch_one<T: SqlxRow>(&mut self, query: Query<'_>) -> Result<T> {
        self.conn().fetch_one(query).await
    }

    pub(crate) async fn fetch_optional<T: SqlxRow>(&mut self, query: Query<'_>) -> Result<Option<T>> {
        self.conn().fetch_optional(query).await
    }

    pub(crate) async fn fetch_all<T: SqlxRow>(&mut self, query: Query<'_>) -> Result<Vec<T>> {
        self.conn().fetch_all(query).await
    }
}
