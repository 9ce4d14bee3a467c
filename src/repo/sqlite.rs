//! `SqliteRepository`: the embedded SQL store (feature `sqlite`).
//!
//! Every record is stored as its JSON document (the source of truth when read
//! back) next to indexed columns for what [`CaseQuery`] filters on and
//! [`CaseOrder`](crate::case::CaseOrder) sorts on. One
//! [`commit`](Repository::commit) is one `BEGIN IMMEDIATE` transaction.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned};
use super::unit::{CaseWrite, Committed, FeedEntry, UnitOfWork};
use super::{Repository, conflict};
use crate::case::{Case, CaseEvent, CaseOrder, CaseQuery, Page, PageOf};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

/// The embedded migrations (`migrations/sqlite`).
static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a connection waits for another writer's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A [`Repository`] on an embedded SQLite database (bundled SQLite through
/// `sqlx`): a file that survives restarts, or an in-memory database.
///
/// Records are JSON documents plus indexed columns; [`Repository::list_cases`]
/// and [`Repository::scan_cases`] run as SQL (`WHERE`, `ORDER BY` with the case
/// id as the final tie-break, `LIMIT`/`OFFSET`). Each
/// [`commit`](Repository::commit) is one `BEGIN IMMEDIATE` transaction that
/// checks every precondition of the unit before writing and rolls back on the
/// first violation. File databases use WAL journaling with `synchronous =
/// NORMAL` (a committed unit survives a process crash; a power loss may drop the
/// last commits) and a 30 s busy timeout.
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
}

impl SqliteRepository {
    /// Opens a pool on `url` (`sqlite::memory:`, `sqlite://path/desk.db?mode=rwc`,
    /// any URL `sqlx` accepts) with a busy timeout; file databases get WAL
    /// journaling. An in-memory database is served by one connection that is
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
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| storage(format!("invalid sqlite url {url:?}: {e}")))?
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
        } else {
            SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(
                    options
                        .journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal),
                )
                .await
        }
        .map_err(|e| storage(format!("cannot open sqlite database {url:?}: {e}")))?;
        Ok(SqliteRepository { pool })
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
        SqliteRepository { pool }
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

/// Every precondition of `work` (in the order [`MemoryRepository`]
/// checks them), then every write.
///
/// [`MemoryRepository`]: super::MemoryRepository
async fn commit_in(conn: &mut SqliteConnection, work: &UnitOfWork) -> Result<Committed> {
    // Preconditions. Sequence claims first: a stale claim (another commit took
    // the number) is the retryable Conflict, not the number's AlreadyExists
    // that follows from it; then the rest in MemoryRepository's order.
    let mut counters: Vec<((SequenceKind, i32), u32)> = Vec::new();
    for claim in &work.sequences {
        let key = (claim.kind, claim.year);
        let current = match counters.iter().find(|(k, _)| *k == key) {
            Some((_, c)) => *c,
            None => {
                let stored: Option<i64> =
                    sqlx::query_scalar("SELECT value FROM sequences WHERE kind = ? AND year = ?")
                        .bind(kind_name(claim.kind))
                        .bind(claim.year)
                        .fetch_optional(&mut *conn)
                        .await
                        .map_err(db)?;
                let stored = stored.unwrap_or(0);
                u32::try_from(stored).map_err(|_| {
                    storage(format!(
                        "sequence {:?} of {} holds {stored}, not a u32",
                        claim.kind, claim.year
                    ))
                })?
            }
        };
        let next = current.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("{:?} sequence of {}", claim.kind, claim.year),
        })?;
        if claim.value != next {
            return Err(conflict(
                u64::from(claim.value.saturating_sub(1)),
                u64::from(current),
            ));
        }
        match counters.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => *c = next,
            None => counters.push((key, next)),
        }
    }

    let mut ids = std::collections::HashSet::new();
    let mut new_numbers = std::collections::HashSet::new();
    for write in &work.cases {
        let case = write.case();
        if !ids.insert(case.id) {
            return Err(Error::validation(
                "unit of work",
                format!("case {} is written twice", case.id),
            ));
        }
        let id = case.id.to_string();
        let stored = sqlx::query("SELECT version, number FROM cases WHERE id = ?")
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        match write {
            CaseWrite::Insert { .. } => {
                if stored.is_some() {
                    return Err(Error::AlreadyExists {
                        kind: "case",
                        key: id,
                    });
                }
                let number = case.number.to_string();
                let taken = sqlx::query("SELECT 1 FROM cases WHERE number = ?")
                    .bind(&number)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db)?;
                if taken.is_some() || !new_numbers.insert(case.number) {
                    return Err(Error::AlreadyExists {
                        kind: "case number",
                        key: number,
                    });
                }
            }
            CaseWrite::Update { expected, .. } => {
                let row = stored.ok_or_else(|| not_found("case", case.id))?;
                let version = version_of("cases", &id, &row)?;
                if version != *expected {
                    return Err(conflict(*expected, version));
                }
                let number: String = row.try_get("number").map_err(db)?;
                if number != case.number.to_string() {
                    return Err(Error::validation(
                        "case",
                        "the case number of a stored case cannot change",
                    ));
                }
            }
        }
    }
    if let Some(router) = &work.router {
        let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM router WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        match (stored, router.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: "router state",
                    key: "router".into(),
                });
            }
            (None, Some(_)) => return Err(not_found("router state", "router")),
            (Some(stored), Some(expected)) if u64::try_from(stored).ok() != Some(expected) => {
                return Err(conflict(expected, u64::try_from(stored).unwrap_or(0)));
            }
            _ => {}
        }
    }
    let mut articles = std::collections::HashSet::new();
    for write in &work.articles {
        let id = write.value.id;
        if !articles.insert(id) {
            return Err(Error::validation(
                "unit of work",
                format!("article {id} is written twice"),
            ));
        }
        let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM articles WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        match (stored, write.expected) {
            (Some(_), None) => {
                return Err(Error::AlreadyExists {
                    kind: "article",
                    key: id.to_string(),
                });
            }
            (None, Some(_)) => return Err(not_found("article", id)),
            (Some(stored), Some(expected)) if u64::try_from(stored).ok() != Some(expected) => {
                return Err(conflict(expected, u64::try_from(stored).unwrap_or(0)));
            }
            _ => {}
        }
    }
    // Writes.
    let mut committed = Committed::default();
    let head: i64 = sqlx::query_scalar("SELECT coalesce(max(position), 0) FROM events")
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let mut position = head;
    for write in &work.cases {
        let case = write.case();
        let id = case.id.to_string();
        let doc = encode("case", case)?;
        let created = nanos("creation instant", case.created_at)?;
        let closed = case
            .closed_at
            .map(|c| nanos("closing instant", c))
            .transpose()?;
        let due = nanos("resolution due instant", case.resolution_due())?;
        let version = match write {
            CaseWrite::Insert { .. } => {
                sqlx::query(
                    "INSERT INTO cases (id, number, version, status, owner, queue, account, tier, \
                     priority, escalated, sla_violated, created_at, closed_at, resolution_due, doc) \
                     VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&id)
                .bind(case.number.to_string())
                .bind(case.status as i64)
                .bind(case.owner.map(|o| o.to_string()))
                .bind(case.queue.map(|q| q.to_string()))
                .bind(case.account.to_string())
                .bind(case.sla_tier as i64)
                .bind(case.priority as i64)
                .bind(case.is_escalated())
                .bind(case.is_sla_violated)
                .bind(created)
                .bind(closed)
                .bind(due)
                .bind(&doc)
                .execute(&mut *conn)
                .await
                .map_err(write_err("case", &id))?;
                1
            }
            CaseWrite::Update { expected, .. } => {
                let version = expected.saturating_add(1);
                let done = sqlx::query(
                    "UPDATE cases SET version = ?, status = ?, owner = ?, queue = ?, account = ?, \
                     tier = ?, priority = ?, escalated = ?, sla_violated = ?, created_at = ?, \
                     closed_at = ?, resolution_due = ?, doc = ? WHERE id = ? AND version = ?",
                )
                .bind(to_i64("case version", version)?)
                .bind(case.status as i64)
                .bind(case.owner.map(|o| o.to_string()))
                .bind(case.queue.map(|q| q.to_string()))
                .bind(case.account.to_string())
                .bind(case.sla_tier as i64)
                .bind(case.priority as i64)
                .bind(case.is_escalated())
                .bind(case.is_sla_violated)
                .bind(created)
                .bind(closed)
                .bind(due)
                .bind(&doc)
                .bind(&id)
                .bind(to_i64("case version", *expected)?)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
                if done.rows_affected() != 1 {
                    return Err(Error::Internal {
                        what: format!("case {id} changed during its own commit"),
                    });
                }
                version
            }
        };
        committed.case_versions.push((case.id, version));
        for event in write.events() {
            position = position.saturating_add(1);
            let first = u64::try_from(position).unwrap_or(0);
            committed.first_position.get_or_insert(first);
            sqlx::query("INSERT INTO events (position, case_id, doc) VALUES (?, ?, ?)")
                .bind(position)
                .bind(&id)
                .bind(encode("case event", event)?)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
    }
    if let Some(router) = &work.router {
        let version = router.expected.map_or(1, |v| v.saturating_add(1));
        let doc = encode("router state", &router.value)?;
        let version_i = to_i64("router version", version)?;
        match router.expected {
            None => {
                sqlx::query("INSERT INTO router (id, version, doc) VALUES (1, ?, ?)")
                    .bind(version_i)
                    .bind(doc)
                    .execute(&mut *conn)
                    .await
                    .map_err(write_err("router state", "router"))?;
            }
            Some(expected) => {
                let done = sqlx::query(
                    "UPDATE router SET version = ?, doc = ? WHERE id = 1 AND version = ?",
                )
                .bind(version_i)
                .bind(doc)
                .bind(to_i64("router version", expected)?)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
                if done.rows_affected() != 1 {
                    return Err(Error::Internal {
                        what: "the router state changed during its own commit".into(),
                    });
                }
            }
        }
        committed.router_version = Some(version);
    }
    for write in &work.articles {
        let article = &write.value;
        let id = article.id.to_string();
        let version = write.expected.map_or(1, |v| v.saturating_add(1));
        let doc = encode("article", article)?;
        let version_i = to_i64("article version", version)?;
        match write.expected {
            None => {
                sqlx::query(
                    "INSERT INTO articles (id, number_year, number_seq, version, doc) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&id)
                .bind(article.number.year())
                .bind(article.number.sequence())
                .bind(version_i)
                .bind(doc)
                .execute(&mut *conn)
                .await
                .map_err(write_err("article", &id))?;
            }
            Some(expected) => {
                let done = sqlx::query(
                    "UPDATE articles SET number_year = ?, number_seq = ?, version = ?, doc = ? \
                     WHERE id = ? AND version = ?",
                )
                .bind(article.number.year())
                .bind(article.number.sequence())
                .bind(version_i)
                .bind(doc)
                .bind(&id)
                .bind(to_i64("article version", expected)?)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
                if done.rows_affected() != 1 {
                    return Err(Error::Internal {
                        what: format!("article {id} changed during its own commit"),
                    });
                }
            }
        }
        committed.article_versions.push((article.id, version));
    }
    for ((kind, year), value) in counters {
        sqlx::query(
            "INSERT INTO sequences (kind, year, value) VALUES (?, ?, ?) \
             ON CONFLICT (kind, year) DO UPDATE SET value = excluded.value",
        )
        .bind(kind_name(kind))
        .bind(year)
        .bind(value)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(committed)
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
        let row = sqlx::query(&format!("SELECT version, doc FROM {table} WHERE id = ?"))
            .bind(&id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| not_found(kind, &id))?;
        versioned(table, &id, &row)
    }
}

#[async_trait]
impl Repository for SqliteRepository {
    async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
        immediate!(self.pool, |conn| commit_in(conn, work))
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
        let stored: Option<i64> =
            sqlx::query_scalar("SELECT value FROM sequences WHERE kind = ? AND year = ?")
                .bind(kind_name(kind))
                .bind(year)
                .fetch_optional(&self.pool)
                .await
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
        let row = sqlx::query("SELECT id, version, doc FROM cases WHERE number = ?")
            .bind(number.to_string())
            .fetch_optional(&self.pool)
            .await
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

    async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
        let doc = encode("contact", contact)?;
        self.put_record(
            "contact",
            "contacts",
            contact.id.to_string(),
            Some(&contact.email),
            doc,
            expected,
        )
        .await
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
        let stored: Option<i64> = sqlx::query_scalar("SELECT version FROM router WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        stored
            .map(|v| u64::try_from(v).map_err(|_| storage(format!("negative router version {v}"))))
            .transpose()
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        let row = sqlx::query("SELECT version, doc FROM router WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
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

    async fn save_search(&self, search: &SavedSearch) -> Result<()> {
        if search.name.trim().is_empty() {
            return Err(Error::validation("saved search name", "must not be empty"));
        }
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
