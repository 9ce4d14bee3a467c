//! `SqliteRepository`: the embedded SQL store (feature `sqlite`).
//!
//! Every record is stored as its JSON document (the source of truth when read
//! back) next to indexed columns for what [`CaseQuery`] filters on and
//! [`CaseOrder`](crate::case::CaseOrder) sorts on. One
//! [`commit`](Repository::commit) is one `BEGIN IMMEDIATE` transaction.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite, SqliteConnection};

use super::portal::{PortalKind, PortalRecord, of_kind};
use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned, email_key};
use super::unit::{CaseWrite, Committed, DocumentWrite, FeedEntry, UnitOfWork};
use super::unit::{Counters, article_slug_taken, check_unit, claim_counters, contact_email_taken};
use super::{Durability, Repository, conflict};
use crate::case::{Case, CaseEvent, CaseOrder, CaseQuery, Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// The embedded migrations (`migrations/sqlite`).
static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a connection waits for another writer's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// WAL pages written before a commit checkpoints them into the database file
/// (SQLite's default is 1,000). A checkpoint flushes the file; at 10,000
/// pages (about 40 MB of WAL) they are ten times rarer, which measured
/// 10–15 % more creations per second on a file.
const WAL_AUTOCHECKPOINT_PAGES: &str = "10000";

/// A [`Repository`] on an embedded SQLite database (bundled SQLite through
/// `sqlx`): a file that survives restarts, or an in-memory database.
///
/// Records are JSON documents plus indexed columns; [`Repository::list_cases`]
/// and [`Repository::scan_cases`] run as SQL (`WHERE`, `ORDER BY` with the case
/// id as the final tie-break, `LIMIT`/`OFFSET`). Each
/// [`commit`](Repository::commit) is one `BEGIN IMMEDIATE` transaction that
/// runs the unit as one script of statements, each guarded by what the unit
/// expects (an insert fails on an existing key, an update names the version
/// it expects, a sequence counter the value before the claim, a contact
/// write that no other contact has its email, an article write that no
/// article of another number has its slug — migration 4 keeps the slug in a
/// column); the first
/// guard that fails decides the error and the transaction rolls back, so a
/// failed commit writes nothing. On a file opened with
/// [`connect`](SqliteRepository::connect) the `BEGIN IMMEDIATE`, the writes
/// and the `COMMIT` are one call to SQLite (a guard that fails raises, which
/// stops the script before its `COMMIT`). File databases use WAL journaling
/// and a 30 s busy timeout; [`Durability`] chooses `synchronous = NORMAL`
/// ([`Durability::Buffered`], what `connect` uses: a committed unit survives
/// a crash of the application, a power loss may drop the last commits) or
/// `FULL` ([`Durability::Flushed`], see
/// [`connect_with`](SqliteRepository::connect_with)).
///
/// A store opened with [`connect`](SqliteRepository::connect) on a file keeps
/// two connections outside the pool: one for commits, which take turns on it
/// (SQLite admits one writer; waiting in-process wakes a writer as soon as the
/// lock is free, where SQLite's busy handler sleeps), and one for point reads
/// (a record by id, the router version, a counter) when it is free. Lists,
/// scans and the feed use the pool. Other processes on the same file meet the
/// busy timeout.
///
/// Instants are indexed as nanoseconds since 1970 (an `i64`): a case whose
/// creation, closing or resolution due instant lies outside 1677-09-21 to
/// 2262-04-11 is refused with [`Error::Overflow`].
///
/// # Example
///
/// ```
/// use hotcrm_support::repo::{Repository, SequenceKind, SqliteRepository};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> hotcrm_support::Result<()> {
/// let repo = SqliteRepository::connect("sqlite::memory:").await?;
/// repo.migrate().await?;
/// assert_eq!(repo.next_sequence(SequenceKind::Case, 2026).await?, 1);
/// assert_eq!(repo.current_sequence(SequenceKind::Case, 2026).await?, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteRepository {
    pool: SqlitePool,
    lanes: Arc<Lanes>,
}

/// The connections of a file database that bypass the pool: a pooled
/// statement costs a second round trip to SQLite's worker thread (the pool
/// pings every connection it takes back).
#[derive(Debug)]
struct Lanes {
    /// How to open the dedicated connections; `None` (an in-memory database,
    /// a host's pool) sends everything through the pool.
    options: Option<SqliteConnectOptions>,
    /// Commits take turns here: SQLite admits one writer at a time, and a
    /// writer refused by its lock sleeps in the busy handler (milliseconds)
    /// instead of waking when the lock is free. Other processes on the same
    /// file still meet that handler.
    writer: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// Point reads (a record by id, the router version, a counter) when it is
    /// free; the pool otherwise.
    reader: tokio::sync::Mutex<Option<SqliteConnection>>,
}

/// Opens the dedicated connection of `slot` on first use (and after a failure
/// dropped it).
async fn open<'a>(
    slot: &'a mut Option<SqliteConnection>,
    options: &SqliteConnectOptions,
) -> Result<&'a mut SqliteConnection> {
    if slot.is_none() {
        let conn = SqliteConnection::connect_with(options)
            .await
            .map_err(|e| storage(format!("cannot open sqlite connection: {e}")))?;
        *slot = Some(conn);
    }
    slot.as_mut().ok_or_else(|| Error::Internal {
        what: "the sqlite connection slot is empty after opening".into(),
    })
}

/// Runs a point read on the dedicated reader connection when it is free (the
/// pool otherwise). `$ex` is the executor the body runs on; a failed read
/// drops the dedicated connection, which is opened again on next use.
macro_rules! point_read {
    ($repo:expr, |$ex:ident| $body:expr) => {{
        let lanes = &$repo.lanes;
        let guard = match &lanes.options {
            Some(options) => lanes.reader.try_lock().ok().map(|g| (g, options)),
            None => None,
        };
        match guard {
            Some((mut slot, options)) => {
                let $ex: &mut SqliteConnection = open(&mut slot, options).await?;
                let result = $body.await;
                if result.is_err() {
                    *slot = None;
                }
                result
            }
            None => {
                let $ex = &$repo.pool;
                $body.await
            }
        }
    }};
}

impl SqliteRepository {
    /// Opens a pool on `url` (`sqlite::memory:`, `sqlite://path/desk.db?mode=rwc`,
    /// any URL `sqlx` accepts) with a busy timeout; file databases get WAL
    /// journaling, checkpointed every 10,000 WAL pages (about 40 MB; SQLite's
    /// default is 1,000), so the flush of a checkpoint is ten times rarer.
    /// An in-memory database is served by one connection that is
    /// never closed, so every call sees the same database. Call
    /// [`migrate`](SqliteRepository::migrate) before use.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the URL is invalid or the database cannot be opened.
    ///
    /// ```
    /// use hotcrm_support::repo::SqliteRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = SqliteRepository::connect("sqlite::memory:").await?;
    /// repo.migrate().await?;
    /// assert!(SqliteRepository::connect("sqlite:///no/such/dir/desk.db").await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<SqliteRepository> {
        SqliteRepository::connect_with(url, Durability::Buffered).await
    }

    /// [`connect`](SqliteRepository::connect) with the durability of a file
    /// database's commits: [`Durability::Buffered`] (what `connect` uses) is
    /// WAL with `synchronous = NORMAL`, [`Durability::Flushed`] is WAL with
    /// `synchronous = FULL` (an `fsync` of the WAL per commit: a commit
    /// survives a power loss too, at the cost of that flush). An in-memory
    /// database keeps nothing across a restart either way.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the URL is invalid or the database cannot be opened.
    ///
    /// ```
    /// use hotcrm_support::repo::{Durability, SqliteRepository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("hotcrm-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).map_err(hotcrm_support::Error::storage)?;
    /// let url = format!("sqlite://{}?mode=rwc", dir.join("flushed.db").display());
    /// let repo = SqliteRepository::connect_with(&url, Durability::Flushed).await?;
    /// repo.migrate().await?;
    /// # repo.pool().close().await;
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with(url: &str, durability: Durability) -> Result<SqliteRepository> {
        let synchronous = match durability {
            Durability::Flushed => SqliteSynchronous::Full,
            Durability::Buffered => SqliteSynchronous::Normal,
        };
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| storage(format!("invalid sqlite url {url:?}: {e}")))?
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        } else {
            SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(
                    options
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(synchronous)
                        .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES),
                )
                .await
        }
        .map_err(|e| storage(format!("cannot open sqlite database {url:?}: {e}")))?;
        let dedicated = (!in_memory).then(|| {
            (*pool.connect_options())
                .clone()
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
        });
        Ok(SqliteRepository::with_lanes(pool, dedicated))
    }

    /// Wraps an existing pool (the host chose its options). Call
    /// [`migrate`](SqliteRepository::migrate) before use.
    ///
    /// ```
    /// use hotcrm_support::repo::SqliteRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await?;
    /// let repo = SqliteRepository::from_pool(pool);
    /// repo.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_pool(pool: SqlitePool) -> SqliteRepository {
        SqliteRepository::with_lanes(pool, None)
    }

    fn with_lanes(pool: SqlitePool, options: Option<SqliteConnectOptions>) -> SqliteRepository {
        SqliteRepository {
            pool,
            lanes: Arc::new(Lanes {
                options,
                writer: tokio::sync::Mutex::new(None),
                reader: tokio::sync::Mutex::new(None),
            }),
        }
    }

    /// The underlying pool.
    ///
    /// ```
    /// use hotcrm_support::repo::SqliteRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = SqliteRepository::connect("sqlite::memory:").await?;
    /// assert!(!repo.pool().is_closed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Applies the embedded migrations (`migrations/sqlite`) that are not applied
    /// yet. Idempotent.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `database schema`) when the database has a
    /// migration applied that this version of the crate does not know (it was
    /// migrated by a newer version); [`Error::Storage`] when a migration fails or
    /// an applied one was changed.
    ///
    /// ```
    /// use hotcrm_support::repo::SqliteRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = SqliteRepository::connect("sqlite::memory:").await?;
    /// repo.migrate().await?;
    /// repo.migrate().await?; // nothing left to apply
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<()> {
        let tracked: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        if tracked.is_some() {
            let applied: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
            let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
            if let Some(unknown) = applied
                .iter()
                .find(|v| !MIGRATOR.iter().any(|m| m.version == **v))
            {
                return Err(Error::validation(
                    "database schema",
                    format!(
                        "migration {unknown} is applied but unknown to this version of \
                         hotcrm-support (which knows migrations up to {known}): the database \
                         was migrated by a newer version"
                    ),
                ));
            }
        }
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| storage(format!("sqlite migration failed: {e}")))
    }
}

fn storage(message: String) -> Error {
    Error::storage(message)
}

fn db(e: sqlx::Error) -> Error {
    Error::storage(e)
}

/// A write error: a unique violation is [`Error::AlreadyExists`].
fn write_err<'a>(kind: &'static str, key: &'a str) -> impl FnOnce(sqlx::Error) -> Error + 'a {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::AlreadyExists {
            kind,
            key: key.to_string(),
        },
        _ => Error::storage(e),
    }
}

fn not_found(kind: &'static str, id: impl ToString) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

fn encode<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| storage(format!("cannot encode {what}: {e}")))
}

fn decode<T: DeserializeOwned>(table: &str, id: &str, doc: &str) -> Result<T> {
    serde_json::from_str(doc)
        .map_err(|e| storage(format!("cannot decode {id} in table {table}: {e}")))
}

fn to_i64(what: &str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::Overflow {
        what: format!("{what} {value} does not fit an sqlite integer"),
    })
}

fn version_of(table: &str, id: &str, row: &SqliteRow) -> Result<u64> {
    let v: i64 = row.try_get("version").map_err(db)?;
    u64::try_from(v).map_err(|_| storage(format!("negative version {v} of {id} in table {table}")))
}

/// Reads a `(version, doc)` row as a versioned record.
fn versioned<T: DeserializeOwned>(table: &str, id: &str, row: &SqliteRow) -> Result<Versioned<T>> {
    let doc: String = row.try_get("doc").map_err(db)?;
    Ok(Versioned {
        value: decode(table, id, &doc)?,
        version: version_of(table, id, row)?,
    })
}

fn row_id(row: &SqliteRow) -> Result<String> {
    row.try_get("id").map_err(db)
}

/// An indexed instant: nanoseconds since 1970.
fn nanos(what: &str, at: DateTime<Utc>) -> Result<i64> {
    at.timestamp_nanos_opt().ok_or_else(|| Error::Overflow {
        what: format!(
            "{what} {at} is outside the range the sqlite store indexes (1677-09-21 to 2262-04-11)"
        ),
    })
}

/// A query bound on an indexed instant column.
enum Bound {
    /// Every stored instant is after the bound.
    BeforeAll,
    /// Every stored instant is before the bound.
    AfterAll,
    /// Nanoseconds.
    At(i64),
}

fn bound(at: DateTime<Utc>) -> Bound {
    match at.timestamp_nanos_opt() {
        Some(n) => Bound::At(n),
        None if at.timestamp() < 0 => Bound::BeforeAll,
        None => Bound::AfterAll,
    }
}

fn kind_name(kind: SequenceKind) -> &'static str {
    match kind {
        SequenceKind::Case => "case",
        SequenceKind::Knowledge => "knowledge",
    }
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Appends ` WHERE ...` for every filter of `query` (always at least `1`).
fn push_where(qb: &mut QueryBuilder<'_, Sqlite>, query: &CaseQuery) {
    qb.push(" WHERE 1");
    if !query.statuses.is_empty() {
        qb.push(" AND status IN (");
        let mut list = qb.separated(", ");
        for s in &query.statuses {
            list.push_bind(*s as i64);
        }
        qb.push(")");
    }
    if !query.exclude_statuses.is_empty() {
        qb.push(" AND status NOT IN (");
        let mut list = qb.separated(", ");
        for s in &query.exclude_statuses {
            list.push_bind(*s as i64);
        }
        qb.push(")");
    }
    if let Some(owner) = query.owner {
        qb.push(" AND owner = ").push_bind(owner.to_string());
    }
    if let Some(queue) = query.queue {
        qb.push(" AND queue = ").push_bind(queue.to_string());
    }
    if let Some(account) = query.account {
        qb.push(" AND account = ").push_bind(account.to_string());
    }
    if let Some(tier) = query.tier {
        qb.push(" AND tier = ").push_bind(tier as i64);
    }
    if let Some(p) = query.priority_at_least {
        qb.push(" AND priority <= ").push_bind(p as i64);
    }
    if let Some(e) = query.escalated {
        qb.push(" AND escalated = ").push_bind(e);
    }
    if let Some(v) = query.sla_violated {
        qb.push(" AND sla_violated = ").push_bind(v);
    }
    if let Some(since) = query.closed_since {
        match bound(since) {
            Bound::BeforeAll => qb.push(" AND closed_at IS NOT NULL"),
            Bound::AfterAll => qb.push(" AND 0"),
            Bound::At(n) => qb.push(" AND closed_at >= ").push_bind(n),
        };
    }
    if let Some(since) = query.created_since {
        match bound(since) {
            Bound::BeforeAll => {}
            Bound::AfterAll => {
                qb.push(" AND 0");
            }
            Bound::At(n) => {
                qb.push(" AND created_at >= ").push_bind(n);
            }
        }
    }
    if let Some(before) = query.created_before {
        match bound(before) {
            Bound::BeforeAll => {
                qb.push(" AND 0");
            }
            Bound::AfterAll => {}
            Bound::At(n) => {
                qb.push(" AND created_at < ").push_bind(n);
            }
        }
    }
}

/// `ORDER BY` matching [`CaseOrder::compare`] exactly (ids break ties).
fn order_by(order: CaseOrder) -> &'static str {
    match order {
        CaseOrder::NewestFirst => " ORDER BY created_at DESC, id ASC",
        CaseOrder::OldestFirst => " ORDER BY created_at ASC, id ASC",
        CaseOrder::PriorityThenAge => " ORDER BY priority ASC, created_at ASC, id ASC",
        CaseOrder::ClosedNewestFirst => " ORDER BY (closed_at IS NULL) ASC, closed_at DESC, id ASC",
        CaseOrder::ResolutionDueFirst => " ORDER BY resolution_due ASC, id ASC",
    }
}

fn cases_from(rows: &[SqliteRow]) -> Result<Vec<Versioned<Case>>> {
    rows.iter()
        .map(|row| versioned("cases", &row_id(row)?, row))
        .collect()
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction: committed on `Ok`, rolled back
/// on `Err` (and when dropped midway).
macro_rules! immediate {
    ($pool:expr, |$conn:ident| $body:expr) => {{
        let mut tx = $pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let result = {
            let $conn: &mut SqliteConnection = &mut tx;
            $body.await
        };
        match result {
            Ok(value) => {
                tx.commit().await.map_err(db)?;
                Ok(value)
            }
            Err(e) => {
                // The error that aborted the unit matters more than a failed rollback.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }};
}

/// [`commit_in`] with the `BEGIN IMMEDIATE` and the `COMMIT` in the script
/// itself (one call to SQLite's worker thread). When the script stops early
/// (a guard, a unique violation, a storage failure) the transaction it began
/// is rolled back here; a failed rollback means the connection cannot be
/// trusted, which the caller learns as [`Error::Storage`].
async fn commit_on(conn: &mut SqliteConnection, work: &UnitOfWork) -> Result<Committed> {
    let result = commit_in(conn, work, true).await;
    if result.is_err() {
        // The script's BEGIN may not have run (then there is nothing to roll
        // back and SQLite says so): only a connection still inside a
        // transaction afterwards is broken.
        let rolled = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        if let Err(e) = rolled {
            let inactive = e.to_string().contains("no transaction is active");
            if !inactive {
                return Err(storage(format!(
                    "cannot roll back a failed sqlite commit ({e}); the commit failed with: {}",
                    result.err().map(|e| e.to_string()).unwrap_or_default()
                )));
            }
        }
    }
    result
}

/// One statement of a commit's write script, and what its result means.
enum Step {
    /// A sequence counter moving from `before` to its last claim.
    Sequence {
        kind: SequenceKind,
        year: i32,
        before: u32,
    },
    /// The insert of `work.cases[index]`.
    CaseInsert { index: usize },
    /// The guarded update of `work.cases[index]`.
    CaseUpdate { index: usize, expected: u64 },
    /// `rows` events appended to the feed.
    Events { rows: usize },
    /// The router row (`expected == None`: inserted).
    Router { expected: Option<u64> },
    /// `work.articles[index]` (`expected == None`: inserted).
    Article { index: usize, expected: Option<u64> },
    /// `work.portal[index]` (`expected == None`: inserted).
    Portal { index: usize, expected: Option<u64> },
    /// `work.contacts[index]` (`expected == None`: inserted), guarded by its
    /// email being free.
    Contact { index: usize, expected: Option<u64> },
}

/// Events per `INSERT` statement (two bound values each, far below SQLite's
/// limit on bound variables).
const EVENTS_PER_STATEMENT: usize = 400;

/// Binds the indexed columns and the document of `case`, in the order of
/// [`CASE_COLUMNS`].
fn push_case(
    list: &mut sqlx::query_builder::Separated<'_, '_, Sqlite, &str>,
    case: &Case,
) -> Result<()> {
    let created = nanos("creation instant", case.created_at)?;
    let closed = case
        .closed_at
        .map(|c| nanos("closing instant", c))
        .transpose()?;
    let due = nanos("resolution due instant", case.resolution_due())?;
    list.push_bind(case.status as i64)
        .push_bind(case.owner.map(|o| o.to_string()))
        .push_bind(case.queue.map(|q| q.to_string()))
        .push_bind(case.account.to_string())
        .push_bind(case.sla_tier as i64)
        .push_bind(case.priority as i64)
        .push_bind(case.is_escalated())
        .push_bind(case.is_sla_violated)
        .push_bind(created)
        .push_bind(closed)
        .push_bind(due)
        .push_bind(encode("case", case)?);
    Ok(())
}

/// The case columns [`push_case`] binds.
const CASE_COLUMNS: &str = "status, owner, queue, account, tier, priority, escalated, \
                            sla_violated, created_at, closed_at, resolution_due, doc";

/// Builds the write script of `work`: one statement per sequence counter,
/// case, batch of events, router and article, each guarded by the version it
/// expects, in the order the reference checks them.
///
/// With `wrap`, the script begins with `BEGIN IMMEDIATE` and ends with
/// `COMMIT`, so the whole transaction is one call to SQLite's worker thread.
/// A guarded write is followed by an insert into `commit_guard` (migration
/// 3), which raises when it changed no row: the script stops before its
/// `COMMIT`, and the caller rolls back.
fn write_script<'a>(work: &'a UnitOfWork, counters: &Counters, wrap: bool) -> Result<Script<'a>> {
    let mut qb: QueryBuilder<'a, Sqlite> = QueryBuilder::new("");
    let mut steps = Vec::new();
    let mut stmts = Vec::new();
    if wrap {
        qb.push("BEGIN IMMEDIATE; ");
        stmts.push(Stmt::Begin);
    }
    for &(kind, year, before, after) in counters {
        if before == 0 {
            qb.push("INSERT INTO sequences (kind, year, value) VALUES (")
                .push_bind(kind_name(kind))
                .push(", ")
                .push_bind(year)
                .push(", ")
                .push_bind(after)
                .push(") ON CONFLICT (kind, year) DO NOTHING; ");
        } else {
            qb.push("UPDATE sequences SET value = ")
                .push_bind(after)
                .push(" WHERE kind = ")
                .push_bind(kind_name(kind))
                .push(" AND year = ")
                .push_bind(year)
                .push(" AND value = ")
                .push_bind(before)
                .push("; ");
        }
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Sequence { kind, year, before },
        );
    }
    for (index, write) in work.cases.iter().enumerate() {
        let case = write.case();
        match write {
            CaseWrite::Insert { .. } => {
                qb.push("INSERT INTO cases (id, number, version, ")
                    .push(CASE_COLUMNS)
                    .push(") VALUES (");
                let mut list = qb.separated(", ");
                list.push_bind(case.id.to_string())
                    .push_bind(case.number.to_string())
                    .push_bind(1_i64);
                push_case(&mut list, case)?;
                qb.push("); ");
                end_step(&mut qb, &mut steps, &mut stmts, Step::CaseInsert { index });
            }
            CaseWrite::Update { expected, .. } => {
                qb.push("UPDATE cases SET (version, ")
                    .push(CASE_COLUMNS)
                    .push(") = (");
                let mut list = qb.separated(", ");
                list.push_bind(to_i64("case version", expected.saturating_add(1))?);
                push_case(&mut list, case)?;
                qb.push(") WHERE id = ")
                    .push_bind(case.id.to_string())
                    .push(" AND version = ")
                    .push_bind(to_i64("case version", *expected)?)
                    .push(" AND number = ")
                    .push_bind(case.number.to_string())
                    .push("; ");
                end_step(
                    &mut qb,
                    &mut steps,
                    &mut stmts,
                    Step::CaseUpdate {
                        index,
                        expected: *expected,
                    },
                );
            }
        }
    }
    // Events take the next positions (the rowid after the largest; nothing
    // else writes while the IMMEDIATE transaction holds the lock).
    let mut events = Vec::with_capacity(work.event_count());
    for write in &work.cases {
        let id = write.case().id.to_string();
        for event in write.events() {
            events.push((id.clone(), encode("case event", event)?));
        }
    }
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        qb.push("INSERT INTO events (case_id, doc) ");
        qb.push_values(chunk.iter().cloned(), |mut row, (id, doc)| {
            row.push_bind(id).push_bind(doc);
        });
        qb.push("; ");
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Events { rows: chunk.len() },
        );
    }
    if let Some(router) = &work.router {
        let doc = encode("router state", &router.value)?;
        match router.expected {
            None => {
                qb.push("INSERT INTO router (id, version, doc) VALUES (1, 1, ")
                    .push_bind(doc)
                    .push("); ");
            }
            Some(expected) => {
                qb.push("UPDATE router SET version = ")
                    .push_bind(to_i64("router version", expected.saturating_add(1))?)
                    .push(", doc = ")
                    .push_bind(doc)
                    .push(" WHERE id = 1 AND version = ")
                    .push_bind(to_i64("router version", expected)?)
                    .push("; ");
            }
        }
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Router {
                expected: router.expected,
            },
        );
    }
    for (index, write) in work.articles.iter().enumerate() {
        let article = &write.value;
        let doc = encode("article", article)?;
        let version = to_i64(
            "article version",
            write.expected.map_or(1, |v| v.saturating_add(1)),
        )?;
        match write.expected {
            None => {
                qb.push(
                    "INSERT INTO articles (id, number_year, number_seq, slug, version, doc) SELECT ",
                );
                qb.separated(", ")
                    .push_bind(article.id.to_string())
                    .push_bind(article.number.year())
                    .push_bind(article.number.sequence())
                    .push_bind(article.slug.clone())
                    .push_bind(version)
                    .push_bind(doc);
                push_slug_free(&mut qb, " WHERE", article);
                qb.push("; ");
            }
            Some(expected) => {
                qb.push("UPDATE articles SET number_year = ")
                    .push_bind(article.number.year())
                    .push(", number_seq = ")
                    .push_bind(article.number.sequence())
                    .push(", slug = ")
                    .push_bind(article.slug.clone())
                    .push(", version = ")
                    .push_bind(version)
                    .push(", doc = ")
                    .push_bind(doc)
                    .push(" WHERE id = ")
                    .push_bind(article.id.to_string())
                    .push(" AND version = ")
                    .push_bind(to_i64("article version", expected)?);
                push_slug_free(&mut qb, " AND", article);
                qb.push("; ");
            }
        }
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Article {
                index,
                expected: write.expected,
            },
        );
    }
    for (index, write) in work.portal.iter().enumerate() {
        let record = &write.value;
        let doc = encode(record.kind().name(), record)?;
        let version = to_i64(
            "portal record version",
            write.expected.map_or(1, |v| v.saturating_add(1)),
        )?;
        match write.expected {
            None => {
                qb.push("INSERT INTO portal_records (kind, id, parent, version, doc) VALUES (");
                qb.separated(", ")
                    .push_bind(record.kind().tag())
                    .push_bind(record.id().to_string())
                    .push_bind(record.parent().map(|p| p.to_string()))
                    .push_bind(version)
                    .push_bind(doc);
                qb.push("); ");
            }
            Some(expected) => {
                qb.push("UPDATE portal_records SET parent = ")
                    .push_bind(record.parent().map(|p| p.to_string()))
                    .push(", version = ")
                    .push_bind(version)
                    .push(", doc = ")
                    .push_bind(doc)
                    .push(" WHERE kind = ")
                    .push_bind(record.kind().tag())
                    .push(" AND id = ")
                    .push_bind(record.id().to_string())
                    .push(" AND version = ")
                    .push_bind(to_i64("portal record version", expected)?)
                    .push("; ");
            }
        }
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Portal {
                index,
                expected: write.expected,
            },
        );
    }
    for (index, write) in work.contacts.iter().enumerate() {
        let contact = &write.value;
        let doc = encode("contact", contact)?;
        let key = email_key(&contact.email);
        let version = to_i64(
            "contact version",
            write.expected.map_or(1, |v| v.saturating_add(1)),
        )?;
        // Writers take turns inside `BEGIN IMMEDIATE`, so the email check
        // and the write cannot interleave with another commit.
        match write.expected {
            None => {
                qb.push("INSERT INTO contacts (id, email, version, doc) SELECT ");
                qb.separated(", ")
                    .push_bind(contact.id.to_string())
                    .push_bind(contact.email.clone())
                    .push_bind(version)
                    .push_bind(doc);
                qb.push(" WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE lower(email) = ")
                    .push_bind(key)
                    .push("); ");
            }
            Some(expected) => {
                qb.push("UPDATE contacts SET version = ")
                    .push_bind(version)
                    .push(", doc = ")
                    .push_bind(doc)
                    .push(", email = ")
                    .push_bind(contact.email.clone())
                    .push(" WHERE id = ")
                    .push_bind(contact.id.to_string())
                    .push(" AND version = ")
                    .push_bind(to_i64("contact version", expected)?)
                    .push(" AND (lower(email) = ")
                    .push_bind(key.clone())
                    .push(" OR NOT EXISTS (SELECT 1 FROM contacts WHERE lower(email) = ")
                    .push_bind(key)
                    .push(" AND id <> ")
                    .push_bind(contact.id.to_string())
                    .push(")); ");
            }
        }
        end_step(
            &mut qb,
            &mut steps,
            &mut stmts,
            Step::Contact {
                index,
                expected: write.expected,
            },
        );
    }
    if wrap {
        qb.push("COMMIT; ");
        stmts.push(Stmt::Commit);
    }
    Ok(Script { qb, steps, stmts })
}

/// A commit's write script: the statements, the unit's steps, and what each
/// statement of the script is.
struct Script<'a> {
    qb: QueryBuilder<'a, Sqlite>,
    steps: Vec<Step>,
    stmts: Vec<Stmt>,
}

/// One statement of a [`Script`].
#[derive(Clone, Copy)]
enum Stmt {
    /// `BEGIN IMMEDIATE`.
    Begin,
    /// The write of `steps[i]`.
    Step(usize),
    /// The guard of `steps[i]`: raises when that write changed no row.
    Guard(usize),
    /// `COMMIT`.
    Commit,
}

/// Records `step` (whose statement was just pushed) and, for a write that
/// changes nothing when its precondition fails (an update naming the version
/// it expects, a counter insert that finds the row), the guard after it.
fn end_step(
    qb: &mut QueryBuilder<'_, Sqlite>,
    steps: &mut Vec<Step>,
    stmts: &mut Vec<Stmt>,
    step: Step,
) {
    let guarded = match step {
        Step::Sequence { .. }
        | Step::CaseUpdate { .. }
        | Step::Contact { .. }
        | Step::Article { .. } => true,
        Step::Router { expected } | Step::Portal { expected, .. } => expected.is_some(),
        Step::CaseInsert { .. } | Step::Events { .. } => false,
    };
    let index = steps.len();
    steps.push(step);
    stmts.push(Stmt::Step(index));
    if guarded {
        qb.push("INSERT INTO commit_guard (expected, actual) VALUES (1, changes()); ");
        stmts.push(Stmt::Guard(index));
    }
}

/// Checks the unit of `work`, then runs its write script — every statement
/// guarded by the version or counter it expects — in one call: one round trip
/// to SQLite's worker thread. The first statement whose guard failed decides
/// the error (the caller rolls the transaction back).
async fn commit_in(
    conn: &mut SqliteConnection,
    work: &UnitOfWork,
    wrap: bool,
) -> Result<Committed> {
    let counters = claim_counters(work)?;
    check_unit(work)?;
    if counters.is_empty()
        && work.cases.is_empty()
        && work.router.is_none()
        && work.articles.is_empty()
        && work.portal.is_empty()
        && work.contacts.is_empty()
    {
        return Ok(Committed::default());
    }
    let Script {
        mut qb,
        steps,
        stmts,
    } = write_script(work, &counters, wrap)?;
    let mut results = Vec::with_capacity(steps.len());
    let mut failure = None;
    {
        // sqlx 0.8's SQLite driver runs a multi-statement query with binds
        // and reports each statement's result; sqlx marks this deprecated
        // (other drivers lack it) but keeps it through 0.8.x, which the crate
        // pins. The conformance suite covers it.
        #[allow(deprecated)]
        let mut stream = qb.build().fetch_many(&mut *conn);
        while let Some(item) = stream.next().await {
            match item {
                Ok(sqlx::Either::Left(done)) => results.push(done),
                Ok(sqlx::Either::Right(_)) => {}
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
    }
    let mut committed = Committed::default();
    let no_result = || sqlx::Error::Protocol("a statement of the commit returned no result".into());
    for (j, stmt) in stmts.iter().enumerate() {
        let (index, changed, last_rowid) = match (*stmt, results.get(j)) {
            (Stmt::Step(i), Some(done)) => (i, done.rows_affected(), done.last_insert_rowid()),
            (_, Some(_)) => continue,
            // The guard of step `i` raised: its write changed no row.
            (Stmt::Guard(i), None) => (i, 0, 0),
            // The write that raised the error (a unique violation: a record
            // that exists), or a storage failure.
            (Stmt::Step(i), None) => {
                let e = failure.take().unwrap_or_else(no_result);
                return Err(match steps.get(i) {
                    Some(step) => step_error(conn, work, step, e).await,
                    None => db(e),
                });
            }
            (Stmt::Begin | Stmt::Commit, None) => {
                return Err(db(failure.take().unwrap_or_else(no_result)));
            }
        };
        let Some(step) = steps.get(index) else {
            continue;
        };
        match *step {
            Step::Sequence { kind, year, before } => {
                if changed != 1 {
                    let actual: Option<i64> = sqlx::query_scalar(
                        "SELECT value FROM sequences WHERE kind = ? AND year = ?",
                    )
                    .bind(kind_name(kind))
                    .bind(year)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db)?;
                    let actual = u64::try_from(actual.unwrap_or(0)).unwrap_or(0);
                    return Err(conflict(u64::from(before), actual));
                }
            }
            Step::CaseInsert { index } => {
                if let Some(write) = work.cases.get(index) {
                    committed.case_versions.push((write.case().id, 1));
                }
            }
            Step::CaseUpdate { index, expected } => {
                let Some(write) = work.cases.get(index) else {
                    continue;
                };
                let case = write.case();
                if changed != 1 {
                    let stored = sqlx::query("SELECT version, number FROM cases WHERE id = ?")
                        .bind(case.id.to_string())
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db)?;
                    let row = stored.ok_or_else(|| not_found("case", case.id))?;
                    let id = case.id.to_string();
                    let version = version_of("cases", &id, &row)?;
                    if version != expected {
                        return Err(conflict(expected, version));
                    }
                    return Err(Error::validation(
                        "case",
                        "the case number of a stored case cannot change",
                    ));
                }
                committed
                    .case_versions
                    .push((case.id, expected.saturating_add(1)));
            }
            Step::Events { rows } => {
                if committed.first_position.is_none() {
                    let last = u64::try_from(last_rowid).unwrap_or(0);
                    let rows = u64::try_from(rows).unwrap_or(0);
                    committed.first_position = Some(last.saturating_sub(rows).saturating_add(1));
                }
            }
            Step::Router { expected } => {
                if changed != 1 {
                    let stored: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM router WHERE id = 1")
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(db)?;
                    return Err(match (stored, expected) {
                        (None, _) => not_found("router state", "router"),
                        (Some(v), e) => conflict(e.unwrap_or(0), u64::try_from(v).unwrap_or(0)),
                    });
                }
                committed.router_version = Some(expected.map_or(1, |v| v.saturating_add(1)));
            }
            Step::Article { index, expected } => {
                let Some(write) = work.articles.get(index) else {
                    continue;
                };
                let id = write.value.id;
                if changed != 1 {
                    let stored: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM articles WHERE id = ?")
                            .bind(id.to_string())
                            .fetch_optional(&mut *conn)
                            .await
                            .map_err(db)?;
                    return Err(match (stored, expected) {
                        (None, Some(_)) => not_found("article", id),
                        (Some(v), Some(e)) if u64::try_from(v).ok() != Some(e) => {
                            conflict(e, u64::try_from(v).unwrap_or(0))
                        }
                        // The write found its row (or inserts a new one) but
                        // the slug guard stopped it.
                        _ => article_slug_taken(&write.value.slug),
                    });
                }
                committed
                    .article_versions
                    .push((id, expected.map_or(1, |v| v.saturating_add(1))));
            }
            Step::Portal { index, expected } => {
                let Some(write) = work.portal.get(index) else {
                    continue;
                };
                let (kind, id) = (write.value.kind(), write.value.id());
                if changed != 1 {
                    let stored: Option<i64> = sqlx::query_scalar(
                        "SELECT version FROM portal_records WHERE kind = ? AND id = ?",
                    )
                    .bind(kind.tag())
                    .bind(id.to_string())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db)?;
                    return Err(match stored {
                        None => not_found(kind.name(), id),
                        Some(v) => conflict(expected.unwrap_or(0), u64::try_from(v).unwrap_or(0)),
                    });
                }
                committed.portal_versions.push((
                    kind,
                    id,
                    expected.map_or(1, |v| v.saturating_add(1)),
                ));
            }
            Step::Contact { index, expected } => {
                let Some(write) = work.contacts.get(index) else {
                    continue;
                };
                if changed != 1 {
                    return Err(contact_failure(conn, write).await?);
                }
                committed
                    .contact_versions
                    .push((write.value.id, expected.map_or(1, |v| v.saturating_add(1))));
            }
        }
    }
    if let Some(e) = failure {
        return Err(db(e));
    }
    Ok(committed)
}

/// Pushes `{keyword} NOT EXISTS (...)` (`" WHERE"` after an insert's `SELECT`,
/// `" AND"` after an update's condition): no stored article of another number
/// holds `article`'s slug.
fn push_slug_free(qb: &mut QueryBuilder<'_, Sqlite>, keyword: &str, article: &KnowledgeArticle) {
    qb.push(keyword);
    qb.push(" NOT EXISTS (SELECT 1 FROM articles WHERE slug = ")
        .push_bind(article.slug.clone())
        .push(" AND NOT (number_year = ")
        .push_bind(article.number.year())
        .push(" AND number_seq = ")
        .push_bind(article.number.sequence())
        .push("))");
}

/// The error of contact write `write` whose guard found no row to change: a
/// taken id, a missing or changed contact, or a taken email.
async fn contact_failure(
    conn: &mut SqliteConnection,
    write: &DocumentWrite<Contact>,
) -> Result<Error> {
    let id = write.value.id;
    let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM contacts WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    Ok(match (stored, write.expected) {
        (Some(_), None) => Error::AlreadyExists {
            kind: "contact",
            key: id.to_string(),
        },
        (None, Some(_)) => not_found("contact", id),
        (Some(v), Some(e)) if u64::try_from(v).ok() != Some(e) => {
            conflict(e, u64::try_from(v).unwrap_or(0))
        }
        _ => contact_email_taken(email_key(&write.value.email)),
    })
}

/// The error of the script statement `step` that raised `e`: a unique
/// violation of an insert is [`Error::AlreadyExists`] for what it inserted.
async fn step_error(
    conn: &mut SqliteConnection,
    work: &UnitOfWork,
    step: &Step,
    e: sqlx::Error,
) -> Error {
    let unique = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
    if !unique {
        return db(e);
    }
    match *step {
        Step::CaseInsert { index } => {
            let Some(write) = work.cases.get(index) else {
                return db(e);
            };
            let case = write.case();
            let id_taken = sqlx::query("SELECT 1 FROM cases WHERE id = ?")
                .bind(case.id.to_string())
                .fetch_optional(&mut *conn)
                .await;
            match id_taken {
                Ok(Some(_)) => Error::AlreadyExists {
                    kind: "case",
                    key: case.id.to_string(),
                },
                Ok(None) => Error::AlreadyExists {
                    kind: "case number",
                    key: case.number.to_string(),
                },
                Err(other) => db(other),
            }
        }
        Step::Router { .. } => Error::AlreadyExists {
            kind: "router state",
            key: "router".into(),
        },
        Step::Article { index, .. } => Error::AlreadyExists {
            kind: "article",
            key: work
                .articles
                .get(index)
                .map(|a| a.value.id.to_string())
                .unwrap_or_default(),
        },
        Step::Contact { index, .. } => match work.contacts.get(index) {
            Some(w) => Error::AlreadyExists {
                kind: "contact",
                key: w.value.id.to_string(),
            },
            None => db(e),
        },
        Step::Portal { index, .. } => match work.portal.get(index) {
            Some(w) => Error::AlreadyExists {
                kind: w.value.kind().name(),
                key: w.value.id().to_string(),
            },
            None => db(e),
        },
        _ => db(e),
    }
}

impl SqliteRepository {
    /// Insert (`expected == None`) or optimistic update of an account or contact.
    async fn put_record(
        &self,
        kind: &'static str,
        table: &'static str,
        id: String,
        email: Option<&str>,
        doc: String,
        expected: Option<u64>,
    ) -> Result<u64> {
        // Writers take turns (see `Lanes::writer`).
        let _turn = self.lanes.writer.lock().await;
        match expected {
            None => {
                let sql = if email.is_some() {
                    format!("INSERT INTO {table} (id, version, doc, email) VALUES (?, 1, ?, ?)")
                } else {
                    format!("INSERT INTO {table} (id, version, doc) VALUES (?, 1, ?)")
                };
                let mut q = sqlx::query(&sql).bind(&id).bind(doc);
                if let Some(email) = email {
                    q = q.bind(email);
                }
                q.execute(&self.pool).await.map_err(write_err(kind, &id))?;
                Ok(1)
            }
            Some(expected) => {
                let version = expected.saturating_add(1);
                let sql = if email.is_some() {
                    format!(
                        "UPDATE {table} SET version = ?, doc = ?, email = ? WHERE id = ? AND version = ?"
                    )
                } else {
                    format!("UPDATE {table} SET version = ?, doc = ? WHERE id = ? AND version = ?")
                };
                let mut q = sqlx::query(&sql)
                    .bind(to_i64("version", version)?)
                    .bind(doc);
                if let Some(email) = email {
                    q = q.bind(email);
                }
                let done = q
                    .bind(&id)
                    .bind(to_i64("version", expected)?)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                if done.rows_affected() == 1 {
                    return Ok(version);
                }
                let stored: Option<i64> =
                    sqlx::query_scalar(&format!("SELECT version FROM {table} WHERE id = ?"))
                        .bind(&id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                match stored {
                    None => Err(not_found(kind, id)),
                    Some(v) => Err(conflict(expected, u64::try_from(v).unwrap_or(0))),
                }
            }
        }
    }

    /// Reads a `(version, doc)` record by id.
    async fn get_record<T: DeserializeOwned>(
        &self,
        kind: &'static str,
        table: &'static str,
        id: String,
    ) -> Result<Versioned<T>> {
        let sql = format!("SELECT version, doc FROM {table} WHERE id = ?");
        let row = point_read!(self, |ex| sqlx::query(&sql).bind(&id).fetch_optional(ex))
            .map_err(db)?
            .ok_or_else(|| not_found(kind, &id))?;
        versioned(table, &id, &row)
    }
}

#[async_trait]
impl Repository for SqliteRepository {
    async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
        let mut slot = self.lanes.writer.lock().await;
        match &self.lanes.options {
            Some(options) => {
                // The connection is out of its slot while the script runs: a
                // commit dropped midway (its future cancelled) drops the
                // connection too, and SQLite rolls back what it began.
                open(&mut slot, options).await?;
                let Some(mut conn) = slot.take() else {
                    return Err(Error::Internal {
                        what: "the sqlite writer connection vanished".into(),
                    });
                };
                let result = commit_on(&mut conn, work).await;
                if !matches!(result, Err(Error::Storage { .. })) {
                    // A broken connection is opened again on next use.
                    *slot = Some(conn);
                }
                result
            }
            None => immediate!(self.pool, |conn| commit_in(conn, work, false)),
        }
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT position, case_id, doc FROM events WHERE position > ? ORDER BY position LIMIT ?",
        )
        .bind(after)
        .bind(limit_i64(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.try_get("position").map_err(db)?;
                let case: String = row.try_get("case_id").map_err(db)?;
                let doc: String = row.try_get("doc").map_err(db)?;
                let name = format!("event {position}");
                Ok(FeedEntry {
                    position: u64::try_from(position)
                        .map_err(|_| storage(format!("negative feed position {position}")))?,
                    case: CaseId::from_str(&case).map_err(|e| {
                        storage(format!("bad case id of {name} in table events: {e}"))
                    })?,
                    event: decode("events", &name, &doc)?,
                })
            })
            .collect()
    }

    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let stored: Option<i64> = point_read!(self, |ex| sqlx::query_scalar(
            "SELECT value FROM sequences WHERE kind = ? AND year = ?"
        )
        .bind(kind_name(kind))
        .bind(year)
        .fetch_optional(ex))
        .map_err(db)?;
        let stored = stored.unwrap_or(0);
        u32::try_from(stored).map_err(|_| {
            storage(format!(
                "sequence {kind:?} of {year} holds {stored}, not a u32"
            ))
        })
    }

    async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>> {
        self.get_record("case", "cases", id.to_string()).await
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>> {
        let number_text = number.to_string();
        let row = point_read!(self, |ex| sqlx::query(
            "SELECT id, version, doc FROM cases WHERE number = ?"
        )
        .bind(&number_text)
        .fetch_optional(ex))
        .map_err(db)?
        .ok_or_else(|| not_found("case", number))?;
        versioned("cases", &row_id(&row)?, &row)
    }

    async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>> {
        // One read transaction: the count and the page see the same snapshot.
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM cases");
        push_where(&mut count, query);
        let total: i64 = count
            .build_query_scalar()
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        let mut select = QueryBuilder::<Sqlite>::new("SELECT id, version, doc FROM cases");
        push_where(&mut select, query);
        select.push(order_by(query.order));
        select
            .push(" LIMIT ")
            .push_bind(limit_i64(page.limit))
            .push(" OFFSET ")
            .push_bind(limit_i64(page.offset));
        let rows = select.build().fetch_all(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        let items = cases_from(&rows)?;
        let end = page.offset.saturating_add(items.len());
        let next = (page.limit > 0 && end < total).then(|| page.next());
        Ok(PageOf { items, total, next })
    }

    async fn scan_cases(
        &self,
        query: &CaseQuery,
        after: Option<CaseId>,
        limit: usize,
    ) -> Result<Vec<Versioned<Case>>> {
        let mut select = QueryBuilder::<Sqlite>::new("SELECT id, version, doc FROM cases");
        push_where(&mut select, query);
        if let Some(after) = after {
            select.push(" AND id > ").push_bind(after.to_string());
        }
        select
            .push(" ORDER BY id ASC LIMIT ")
            .push_bind(limit_i64(limit));
        let rows = select.build().fetch_all(&self.pool).await.map_err(db)?;
        cases_from(&rows)
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        let key = id.to_string();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let known = sqlx::query("SELECT 1 FROM cases WHERE id = ?")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if known.is_none() {
            return Err(not_found("case", id));
        }
        let rows =
            sqlx::query("SELECT position, doc FROM events WHERE case_id = ? ORDER BY position")
                .bind(&key)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.try_get("position").map_err(db)?;
                let doc: String = row.try_get("doc").map_err(db)?;
                decode("events", &format!("event {position}"), &doc)
            })
            .collect()
    }

    async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64> {
        let doc = encode("account", account)?;
        self.put_record(
            "account",
            "accounts",
            account.id.to_string(),
            None,
            doc,
            expected,
        )
        .await
    }

    async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>> {
        self.get_record("account", "accounts", id.to_string()).await
    }

    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
        self.get_record("contact", "contacts", id.to_string()).await
    }

    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
        // SQLite's lower() folds ASCII only, like `eq_ignore_ascii_case`.
        let row = sqlx::query(
            "SELECT id, version, doc FROM contacts WHERE lower(email) = lower(?) ORDER BY id LIMIT 1",
        )
        .bind(email.trim())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| versioned("contacts", &row_id(&row)?, &row))
            .transpose()
    }

    async fn router_version(&self) -> Result<Option<u64>> {
        let stored: Option<i64> = point_read!(self, |ex| sqlx::query_scalar(
            "SELECT version FROM router WHERE id = 1"
        )
        .fetch_optional(ex))
        .map_err(db)?;
        stored
            .map(|v| u64::try_from(v).map_err(|_| storage(format!("negative router version {v}"))))
            .transpose()
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        let row = point_read!(self, |ex| sqlx::query(
            "SELECT version, doc FROM router WHERE id = 1"
        )
        .fetch_optional(ex))
        .map_err(db)?;
        row.map(|row| versioned("router", "router", &row))
            .transpose()
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.get_record("article", "articles", id.to_string()).await
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let rows = sqlx::query(
            "SELECT id, version, doc FROM articles ORDER BY number_year, number_seq, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| versioned("articles", &row_id(row)?, row))
            .collect()
    }

    async fn article_versions(
        &self,
        number: crate::ids::KnowledgeNumber,
    ) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let rows = sqlx::query(
            "SELECT id, version, doc FROM articles WHERE number_year = ? AND number_seq = ? ORDER BY id",
        )
        .bind(number.year())
        .bind(i64::from(number.sequence()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut versions = rows
            .iter()
            .map(|row| versioned("articles", &row_id(row)?, row))
            .collect::<Result<Vec<Versioned<KnowledgeArticle>>>>()?;
        versions.sort_by_key(|a| a.value.id);
        Ok(versions)
    }

    async fn get_portal_record(
        &self,
        kind: PortalKind,
        id: uuid::Uuid,
    ) -> Result<Versioned<PortalRecord>> {
        let row = point_read!(self, |ex| sqlx::query(
            "SELECT version, doc FROM portal_records WHERE kind = ? AND id = ?"
        )
        .bind(kind.tag())
        .bind(id.to_string())
        .fetch_optional(ex))
        .map_err(db)?;
        match row {
            Some(row) => of_kind(kind, versioned(kind.name(), &id.to_string(), &row)?),
            None => Err(not_found(kind.name(), id)),
        }
    }

    async fn portal_records(
        &self,
        kind: PortalKind,
        parent: Option<uuid::Uuid>,
    ) -> Result<Vec<Versioned<PortalRecord>>> {
        let rows = match parent {
            None => sqlx::query(
                "SELECT id, version, doc FROM portal_records WHERE kind = ? ORDER BY id",
            )
            .bind(kind.tag())
            .fetch_all(&self.pool)
            .await,
            Some(parent) => sqlx::query(
                "SELECT id, version, doc FROM portal_records WHERE kind = ? AND parent = ? ORDER BY id",
            )
            .bind(kind.tag())
            .bind(parent.to_string())
            .fetch_all(&self.pool)
            .await,
        }
        .map_err(db)?;
        rows.iter()
            .map(|row| of_kind(kind, versioned(kind.name(), &row_id(row)?, row)?))
            .collect()
    }

    async fn save_search(&self, search: &SavedSearch) -> Result<()> {
        if search.name.trim().is_empty() {
            return Err(Error::validation("saved search name", "must not be empty"));
        }
        let _turn = self.lanes.writer.lock().await;
        sqlx::query(
            "INSERT INTO saved_searches (owner, name, doc) VALUES (?, ?, ?) \
             ON CONFLICT (owner, name) DO UPDATE SET doc = excluded.doc",
        )
        .bind(search.owner.to_string())
        .bind(&search.name)
        .bind(encode("saved search", search)?)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn saved_searches(&self, owner: AgentId) -> Result<Vec<SavedSearch>> {
        let rows =
            sqlx::query("SELECT name, doc FROM saved_searches WHERE owner = ? ORDER BY name")
                .bind(owner.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|row| {
                let name: String = row.try_get("name").map_err(db)?;
                let doc: String = row.try_get("doc").map_err(db)?;
                decode("saved_searches", &format!("{owner}/{name}"), &doc)
            })
            .collect()
    }
}
