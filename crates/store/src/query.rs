//! A statement with its bind values, runnable on either database and by
//! either SQLite driver.
//!
//! The SQL is the same for both databases (`$1` parameters, `RETURNING`), so a
//! query is written once: `q("… WHERE account_id = $1").bind(account.0)`. The
//! values are kept as [`Arg`]s until the statement meets a connection (tx.rs,
//! inline.rs, batch_sqlite.rs), which binds them for its driver.

use sqlx::{Arguments, Database, Encode, Type};

use crate::{Result, StoreError};

/// One bind value. Only the types the schema uses.
#[derive(Debug, Clone)]
pub(crate) enum Arg<'q> {
    Int(Option<i64>),
    Text(Option<&'q str>),
    Owned(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Self {
        Arg::Text(Some(v))
    }
}
impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(v: Option<&'q str>) -> Self {
        Arg::Text(v)
    }
}
impl<'q> From<&'q String> for Arg<'q> {
    fn from(v: &'q String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Owned(Some(v))
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::Owned(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// A statement and its values, `$1` first.
#[derive(Debug, Clone)]
pub(crate) struct Query<'q> {
    pub(crate) sql: &'q str,
    pub(crate) args: Vec<Arg<'q>>,
}

/// Starts a query. Room for the values of the longest statements (the
/// message insert has 12) in one allocation, not three as the Vec doubles.
pub(crate) fn q(sql: &str) -> Query<'_> {
    Query { sql, args: Vec::with_capacity(16) }
}

impl<'q> Query<'q> {
    pub(crate) fn bind(mut self, v: impl Into<Arg<'q>>) -> Self {
        self.args.push(v.into());
        self
    }

    /// The values as sqlx arguments for database `DB`.
    pub(crate) fn arguments<DB: Database>(self) -> Result<<DB as Database>::Arguments<'q>>
    where
        Option<i64>: Encode<'q, DB> + Type<DB>,
        Option<&'q str>: Encode<'q, DB> + Type<DB>,
        Option<String>: Encode<'q, DB> + Type<DB>,
        bool: Encode<'q, DB> + Type<DB>,
    {
        let mut out = <DB as Database>::Arguments::<'q>::default();
        for arg in self.args {
            let added = match arg {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Owned(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
            };
            added.map_err(|e| StoreError::Other(format!("could not bind a value: {e}")))?;
        }
        Ok(out)
    }

    /// Prepares (cached) and binds the statement on a rusqlite connection.
    /// Values are bound by name: SQLite numbers `$N` parameters in order of
    /// appearance, so SQL that uses `$3` before `$2` (or leaves one out) would
    /// otherwise get them misplaced.
    pub(crate) fn prepare<'c>(
        &self,
        conn: &'c rusqlite::Connection,
    ) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
        let mut stmt = conn.prepare_cached(self.sql)?;
        for (i, v) in self.args.iter().enumerate() {
            let index = match PARAM_NAMES.get(i) {
                Some(name) => stmt.parameter_index(name)?,
                None => stmt.parameter_index(&format!("${}", i + 1))?,
            };
            if let Some(index) = index {
                stmt.raw_bind_parameter(index, v)?;
            }
        }
        Ok(stmt)
    }
}

const PARAM_NAMES: [&str; 16] =
    ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$16"];

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Arg::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(*v)),
            Arg::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Owned(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Arg::Bool(v) => ToSqlOutput::Owned(Value::Integer(i64::from(*v))),
            Arg::Int(None) | Arg::Text(None) | Arg::Owned(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// A row type sqlx can read from either database.
pub(crate) trait SqlxRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin
{
}

impl<T> SqlxRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// A row type every connection can produce: sqlx's rows on both databases and
/// rusqlite's (point reads on the calling thread, the SQLite batch writer).
pub(crate) trait FromRow: SqlxRow + for<'a> TryFrom<&'a rusqlite::Row<'a>, Error = rusqlite::Error> {}

impl<T> FromRow for T where T: SqlxRow + for<'a> TryFrom<&'a rusqlite::Row<'a>, Error = rusqlite::Error> {}
/// `column IN (…)` for the inboxes an agent may see (`FALSE` for none). The
/// ids are integers from our own database, never client text, so they are
/// written into the SQL rather than bound one parameter each.
pub(crate) fn in_inboxes(column: &str, ids: &[domain::InboxId]) -> String {
    if ids.is_empty() {
        return "1 = 0".to_owned();
    }
    let list: Vec<String> = ids.iter().map(|i| i.0.to_string()).collect();
    format!("{column} IN ({})", list.join(","))
}
