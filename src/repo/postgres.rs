//! `PostgresRepository`: many desks on one PostgreSQL database (feature
//! `postgres`).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::{QueryBuilder, Row};

use super::portal::{PortalKind, PortalRecord, of_kind};
use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned, email_key};
use super::unit::{CaseWrite, Committed, FeedEntry, UnitOfWork};
use super::unit::{Counters, article_slug_taken, check_unit, claim_counters, contact_email_taken};
use super::unit::{movable_counters, movable_slot, moved_numbers, moved_value};
use super::{Durability, Repository, conflict};
use crate::case::{Case, CaseEvent, CaseOrder, CaseQuery, Page, PageOf, Priority};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId};
use crate::knowledge::KnowledgeArticle;
use crate::routing::RouterState;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A [`Repository`] on PostgreSQL: several desks (processes, hosts) can share
/// one database.
///
/// Records are stored as the crate's `serde_json` text, read back exactly as
/// written; the columns that [`CaseQuery`] filters on and [`CaseOrder`] sorts
/// on are kept beside the document and indexed, so
/// [`list_cases`](Repository::list_cases) and
/// [`scan_cases`](Repository::scan_cases) run as SQL (`WHERE`, `ORDER BY` with
/// the id as the last tie-break, `LIMIT`/`OFFSET`).
///
/// # Concurrency
///
/// Every [`commit`](Repository::commit) is **one statement** (so one round
/// trip and one transaction at PostgreSQL's default READ COMMITTED isolation):
/// a `WITH` query whose sub-statements write the unit's parts, each guarded by
/// what the unit expects — new cases, articles and the first router document
/// with `INSERT ... ON CONFLICT DO NOTHING`, updated ones with
/// `WHERE version = expected` (and, for cases, the unchanged number), sequence
/// counters with `WHERE value = before`; new contacts also take their email
/// under the unique `email_owner` index (migration 4), so two commits racing
/// to insert one email store one contact; articles take their slug for their
/// number in `article_slugs` (migration 5), so two commits racing to give one
/// slug to two numbers store one. Under READ COMMITTED an `UPDATE` that
/// meets a row a concurrent commit is changing waits for it and re-checks its
/// guard on the committed row, so a stale version writes nothing. The final
/// `SELECT` compares how many rows each part wrote with how many the unit has;
/// on any difference it calls `hotcrm_abort()` (migration 2), which raises and
/// so undoes the whole statement, and the store then reads why (in
/// [`MemoryRepository`](super::MemoryRepository)'s order: cases, router,
/// articles, sequences) to return [`Error::AlreadyExists`],
/// [`Error::NotFound`], [`Error::Conflict`] or [`Error::Validation`]. The feed
/// head is a single row each commit with events moves forward, so appends are
/// serialised in commit order and positions are gap-free. A deadlock or
/// serialization failure reported by the server maps to [`Error::Conflict`],
/// which the desk retries. A failed commit writes nothing; a connection lost
/// mid-commit is [`Error::Storage`] and the server rolls the statement back.
///
/// The sub-statements run in this order: the record writes (updated cases,
/// router, articles, portal records, contacts), then the sequence claims (a
/// counter row), then the new cases, then the events (the feed-head row), so
/// concurrent commits of different desks wait on each other only for those
/// two rows, each held from its update until the commit ends. New cases come
/// after the counter row in every statement: a commit waiting for that row
/// holds no case number yet, so a commit that holds the row and writes the
/// next numbers never waits for it in turn (a deadlock, which the server
/// would break only after its `deadlock_timeout`, failing one commit).
///
/// **Moved numbers.** The store [moves numbers](Repository::moves_numbers):
/// for a unit with [`UnitOfWork::movable_numbers`] the statement adds the
/// unit's count of new case numbers to the year's counter row
/// (`INSERT ... ON CONFLICT DO UPDATE SET value = value + n`) and writes the
/// new cases, after the claims, with numbers counted from the counter it
/// found. The store sends each such case document and its `Created` event
/// with the place its number starts (the number is the document's second
/// key, right after the id), and the statement writes the number it gives
/// there (`overlay`) only when it differs, so no JSON is parsed on the
/// server. Numbers move within one year: a unit whose movable claims span
/// several years, or whose documents are laid out otherwise, keeps its
/// claims fixed (checked as usual; the desk then decides again). The store
/// first sends a unit with its numbers as they are — the plain statement,
/// which costs the server less — and sends it to move only when that
/// statement fails, so a desk whose guesses are right (a desk alone, or one
/// holding the lease below) pays nothing for it. So concurrent desks never
/// refuse a creation over a case number: a commit that lost its guess takes
/// the next free numbers under the counter row's lock, which it holds from
/// that update to the end of the commit. Knowledge numbers are claimed as
/// written.
///
/// **Numbering lease.** [`lease_sequences`](Repository::lease_sequences) takes
/// the session-level advisory lock `pg_advisory_lock(1212371539, 1)` (the
/// pair `0x48435253`, "HCRS", and 1; a host using advisory locks must not take
/// it) on one session per store object, then reads every counter on that
/// session, so the counters include the previous holder's commit; claims
/// made under it are still checked, so a lost lease (the session dropped) can
/// never give out a number twice. A desk takes it for its next turns once
/// another desk numbered between its turns (a moved number or a failed
/// claim): the desks then take turns, and each turn's group of creations
/// forms while the desk waits. That measured as fast as moving every number
/// without turns, with fewer, larger commits (8 creating tasks per desk,
/// interleaved runs on the development VM, see the crate's README), and
/// faster than moving numbers without turns when the desks took them
/// straight to the moving statement (criterion, 2 and 4 desks: 5,730–5,800
/// and 5,090–5,530 cases/s with turns against 4,960–5,130 and 4,490–4,620).
///
/// Sweeps from several desks share the work without firing anything twice: the
/// desk writes each swept case with the version it read (an optimistic claim),
/// so the loser of a race gets a conflict, decides again on the winner's state
/// and finds nothing due any more.
///
/// # Example
///
/// ```no_run
/// use hotcrm_support::desk::SupportDesk;
/// use hotcrm_support::repo::PostgresRepository;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> hotcrm_support::Result<()> {
/// let repo = PostgresRepository::connect("postgres://postgres@127.0.0.1/hotcrm").await?;
/// repo.migrate().await?;
/// let desk = SupportDesk::builder(repo).build();
/// # let _ = desk;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresRepository {
    pool: PgPool,
    /// The pool the commit statement runs on: with
    /// [`connect`](PostgresRepository::connect), a second small pool whose
    /// sessions plan it generically (`plan_cache_mode = force_generic_plan`),
    /// so the server does not plan it again on every commit (≈0.2 ms of a
    /// commit on the development VM); reads keep custom plans, which their
    /// filters need. [`from_pool`](PostgresRepository::from_pool): the same
    /// pool.
    writer: PgPool,
    /// The session holding this store's numbering lease while a desk of this
    /// process has it (opened on first use; see [`Repository::lease_sequences`]).
    lease: LeaseSlot,
}

/// The lease session, shared by the clones of one store.
type LeaseSlot = std::sync::Arc<tokio::sync::Mutex<Option<sqlx::PgConnection>>>;

/// The advisory lock of the numbering lease: `pg_advisory_lock(LEASE_LOCK.0,
/// LEASE_LOCK.1)` (`0x48435253` spells "HCRS"). A host using advisory locks
/// itself must not take this pair.
const LEASE_LOCK: (i32, i32) = (0x4843_5253, 1);

/// A turn of the numbering lease: the session holding the advisory lock.
/// Released, it unlocks and keeps the session for the next turn; dropped
/// without release, it unlocks from a task when a Tokio runtime is running
/// and otherwise closes the session, which ends the lock.
struct PgLease(Option<tokio::sync::OwnedMutexGuard<Option<sqlx::PgConnection>>>);

async fn unlock(slot: &mut Option<sqlx::PgConnection>) -> Result<()> {
    let Some(conn) = slot.as_mut() else {
        return Ok(());
    };
    let unlocked = sqlx::query_scalar::<_, bool>("SELECT pg_advisory_unlock($1, $2)")
        .bind(LEASE_LOCK.0)
        .bind(LEASE_LOCK.1)
        .fetch_one(&mut *conn)
        .await;
    match unlocked {
        Ok(true) => Ok(()),
        Ok(false) => {
            *slot = None;
            Err(Error::storage(
                "the numbering lease was not held by its session",
            ))
        }
        Err(e) => {
            // Closing the session ends its lock.
            *slot = None;
            Err(db(e))
        }
    }
}

#[async_trait]
impl super::LeaseRelease for PgLease {
    async fn release(mut self: Box<Self>) -> Result<()> {
        match self.0.take() {
            Some(mut slot) => unlock(&mut slot).await,
            None => Ok(()),
        }
    }
}

impl Drop for PgLease {
    fn drop(&mut self) {
        let Some(mut slot) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let _ = unlock(&mut slot).await;
                });
            }
            Err(_) => *slot = None,
        }
    }
}

/// Connections of the commit pool opened by `connect`.
const COMMIT_CONNECTIONS: u32 = 4;

impl fmt::Debug for PostgresRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRepository")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl PostgresRepository {
    /// Connects a pool (up to 10 connections) to the database at `url`
    /// (`postgres://user:password@host:port/database`), and a commit pool (up
    /// to 4, opened on first use) whose sessions plan the commit statement
    /// generically. Does not migrate: call [`PostgresRepository::migrate`].
    ///
    /// Pooled connections are not pinged before each use (a ping is one more
    /// round trip per call): a connection the server dropped fails its next
    /// command with [`Error::Storage`] and is replaced. Build the pool yourself
    /// and use [`PostgresRepository::from_pool`] for other options. (Forcing
    /// generic plans, `plan_cache_mode = force_generic_plan`, saves planning the
    /// commit but makes list and scan queries, whose filters are
    /// parameters, scan and sort every case: not a good trade.)
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the URL is invalid or the server cannot be reached.
    ///
    /// ```no_run
    /// use hotcrm_support::repo::PostgresRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = PostgresRepository::connect("postgres://postgres@127.0.0.1:5432/hotcrm").await?;
    /// # let _ = repo;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<PostgresRepository> {
        PostgresRepository::connect_with(url, Durability::Flushed).await
    }

    /// [`connect`](PostgresRepository::connect) with the durability of
    /// commits: [`Durability::Flushed`] (what `connect` uses) waits for the
    /// server to flush each commit's WAL (`synchronous_commit = on`);
    /// [`Durability::Buffered`] sets `synchronous_commit = off` on the pool's
    /// connections, so a commit returns once it is in the server's WAL buffers
    /// and the WAL writer flushes it shortly after: a crash of the server or
    /// its machine may lose the last ≈0.6 s of commits (never part of one, and
    /// the database stays consistent). Other clients of the database keep
    /// their own setting.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when the URL is invalid or the server cannot be reached.
    ///
    /// ```no_run
    /// use hotcrm_support::repo::{Durability, PostgresRepository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let url = "postgres://postgres@127.0.0.1:5432/hotcrm";
    /// let repo = PostgresRepository::connect_with(url, Durability::Buffered).await?;
    /// repo.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_with(url: &str, durability: Durability) -> Result<PostgresRepository> {
        let mut options = PgConnectOptions::from_str(url).map_err(Error::storage)?;
        if durability == Durability::Buffered {
            options = options.options([("synchronous_commit", "off")]);
        }
        let writer = PgPoolOptions::new()
            .max_connections(COMMIT_CONNECTIONS)
            .test_before_acquire(false)
            .connect_lazy_with(
                options
                    .clone()
                    .options([("plan_cache_mode", "force_generic_plan")]),
            );
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(Error::storage)?;
        Ok(PostgresRepository {
            pool,
            writer,
            lease: LeaseSlot::default(),
        })
    }

    /// Wraps an existing pool (for custom pool options). Does not migrate.
    ///
    /// ```no_run
    /// use hotcrm_support::repo::PostgresRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = sqlx::postgres::PgPoolOptions::new()
    ///     .max_connections(4)
    ///     .connect("postgres://postgres@127.0.0.1:5432/hotcrm")
    ///     .await?;
    /// let repo = PostgresRepository::from_pool(pool);
    /// repo.migrate().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_pool(pool: PgPool) -> PostgresRepository {
        PostgresRepository {
            writer: pool.clone(),
            pool,
            lease: LeaseSlot::default(),
        }
    }

    /// Closes the store's connections (the pool and, with
    /// [`connect`](PostgresRepository::connect), the commit pool), waiting
    /// for those in use to be returned.
    ///
    /// ```no_run
    /// use hotcrm_support::repo::PostgresRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = PostgresRepository::connect("postgres://postgres@127.0.0.1:5432/hotcrm").await?;
    /// repo.close().await;
    /// assert!(repo.pool().is_closed());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    /// The pool of reads and of writes outside
    /// [`commit`](Repository::commit) (commits of a store opened with
    /// [`connect`](PostgresRepository::connect) use a second, small pool).
    ///
    /// ```no_run
    /// use hotcrm_support::repo::PostgresRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = PostgresRepository::connect("postgres://postgres@127.0.0.1:5432/hotcrm").await?;
    /// assert!(repo.pool().size() <= 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies the crate's embedded migrations (`migrations/postgres`) that the
    /// database lacks. Safe to call from several desks at once (the migrator
    /// takes an advisory lock).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] when a migration fails, or when the database's schema
    /// is newer than this crate knows (it records a migration this crate does
    /// not have: upgrade the crate) or was changed behind the crate's back.
    ///
    /// ```no_run
    /// use hotcrm_support::repo::PostgresRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// let repo = PostgresRepository::connect("postgres://postgres@127.0.0.1:5432/hotcrm").await?;
    /// repo.migrate().await?;
    /// repo.migrate().await?; // nothing left to do
    /// # Ok(())
    /// # }
    /// ```
    pub async fn migrate(&self) -> Result<()> {
        let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::VersionMissing(version) => Error::storage(format!(
                "database schema version {version} is newer than this crate knows \
                 (latest {latest}): upgrade hotcrm-support"
            )),
            other => Error::storage(other),
        })
    }
}

fn not_found(kind: &'static str, id: impl ToString) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// Maps a driver error: deadlocks and serialization failures are conflicts (the
/// desk retries them); anything else is a storage error.
fn db(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        if matches!(d.code().as_deref(), Some("40001" | "40P01")) {
            return conflict(0, 0);
        }
    }
    Error::storage(e)
}

fn encode<T: Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::storage(format!("cannot encode {what} as json: {e}")))
}

fn decode<T: DeserializeOwned>(what: &str, doc: &str) -> Result<T> {
    serde_json::from_str(doc)
        .map_err(|e| Error::storage(format!("cannot decode stored {what}: {e}")))
}

fn to_db(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Overflow {
        what: format!("version {n} does not fit a bigint"),
    })
}

fn from_db(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::Internal {
        what: format!("stored version or position {n} is negative"),
    })
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn seconds(t: DateTime<Utc>) -> (i64, i32) {
    let nanos = i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(i32::MAX);
    (t.timestamp(), nanos)
}

fn priority_rank(p: Priority) -> i16 {
    let index = Priority::ALL.iter().position(|x| *x == p).unwrap_or(0);
    i16::try_from(index).unwrap_or(i16::MAX)
}

fn kind_key(kind: SequenceKind) -> &'static str {
    match kind {
        SequenceKind::Case => "case",
        SequenceKind::Knowledge => "knowledge",
    }
}

fn uuid_text(id: &uuid::Uuid) -> String {
    id.to_string()
}

/// A row's `doc` and `version` as a versioned record.
fn versioned<T: DeserializeOwned>(what: &str, row: &sqlx::postgres::PgRow) -> Result<Versioned<T>> {
    let doc: String = row.try_get("doc").map_err(db)?;
    let version: i64 = row.try_get("version").map_err(db)?;
    Ok(Versioned {
        value: decode(what, &doc)?,
        version: from_db(version)?,
    })
}

/// Adds the query's filters (`AND ...`) to a statement that already has a `WHERE`.
fn push_filters(b: &mut QueryBuilder<'_, Postgres>, q: &CaseQuery) {
    if !q.statuses.is_empty() {
        let labels: Vec<String> = q.statuses.iter().map(|s| s.label().to_owned()).collect();
        b.push(" AND status = ANY(").push_bind(labels).push(")");
    }
    if !q.exclude_statuses.is_empty() {
        let labels: Vec<String> = q
            .exclude_statuses
            .iter()
            .map(|s| s.label().to_owned())
            .collect();
        b.push(" AND NOT (status = ANY(")
            .push_bind(labels)
            .push("))");
    }
    if let Some(owner) = q.owner {
        b.push(" AND owner_id = ")
            .push_bind(uuid_text(owner.as_uuid()))
            .push("::uuid");
    }
    if let Some(queue) = q.queue {
        b.push(" AND queue_id = ")
            .push_bind(uuid_text(queue.as_uuid()))
            .push("::uuid");
    }
    if let Some(account) = q.account {
        b.push(" AND account_id = ")
            .push_bind(uuid_text(account.as_uuid()))
            .push("::uuid");
    }
    if let Some(tier) = q.tier {
        b.push(" AND tier = ").push_bind(tier.label());
    }
    if let Some(p) = q.priority_at_least {
        b.push(" AND priority <= ").push_bind(priority_rank(p));
    }
    if let Some(e) = q.escalated {
        b.push(" AND escalated = ").push_bind(e);
    }
    if let Some(v) = q.sla_violated {
        b.push(" AND sla_violated = ").push_bind(v);
    }
    let mut instant = |column: &str, op: &str, t: DateTime<Utc>| {
        let (s, n) = seconds(t);
        b.push(format!(" AND ({column}_s, {column}_n) {op} ("))
            .push_bind(s)
            .push("::bigint, ")
            .push_bind(n)
            .push("::integer)");
    };
    if let Some(t) = q.closed_since {
        instant("closed", ">=", t);
    }
    if let Some(t) = q.created_since {
        instant("created", ">=", t);
    }
    if let Some(t) = q.created_before {
        instant("created", "<", t);
    }
}

/// `ORDER BY` matching [`CaseOrder::compare`] exactly (id last).
fn order_by(order: CaseOrder) -> &'static str {
    match order {
        CaseOrder::NewestFirst => " ORDER BY created_s DESC, created_n DESC, id",
        CaseOrder::OldestFirst => " ORDER BY created_s, created_n, id",
        CaseOrder::PriorityThenAge => " ORDER BY priority, created_s, created_n, id",
        CaseOrder::ClosedNewestFirst => {
            " ORDER BY closed_s DESC NULLS LAST, closed_n DESC NULLS LAST, id"
        }
        CaseOrder::ResolutionDueFirst => " ORDER BY resolution_due_s, resolution_due_n, id",
    }
}

/// The columns of a case row after its id, number and version, bound as one
/// array each (`UNNEST`).
#[derive(Default)]
struct CaseColumns {
    ids: Vec<String>,
    numbers: Vec<String>,
    expected: Vec<i64>,
    status: Vec<&'static str>,
    owner: Vec<Option<String>>,
    queue: Vec<Option<String>>,
    account: Vec<String>,
    tier: Vec<&'static str>,
    priority: Vec<i16>,
    escalated: Vec<bool>,
    violated: Vec<bool>,
    created_s: Vec<i64>,
    created_n: Vec<i32>,
    closed_s: Vec<Option<i64>>,
    closed_n: Vec<Option<i32>>,
    due_s: Vec<i64>,
    due_n: Vec<i32>,
    docs: Vec<String>,
}

impl CaseColumns {
    fn push(&mut self, case: &Case, expected: u64) -> Result<()> {
        let (created_s, created_n) = seconds(case.created_at);
        let closed = case.closed_at.map(seconds);
        let (due_s, due_n) = seconds(case.resolution_due());
        self.ids.push(uuid_text(case.id.as_uuid()));
        self.numbers.push(case.number.to_string());
        self.expected.push(to_db(expected)?);
        self.status.push(case.status.label());
        self.owner.push(case.owner.map(|o| uuid_text(o.as_uuid())));
        self.queue.push(case.queue.map(|q| uuid_text(q.as_uuid())));
        self.account.push(uuid_text(case.account.as_uuid()));
        self.tier.push(case.sla_tier.label());
        self.priority.push(priority_rank(case.priority));
        self.escalated.push(case.is_escalated());
        self.violated.push(case.is_sla_violated);
        self.created_s.push(created_s);
        self.created_n.push(created_n);
        self.closed_s.push(closed.map(|c| c.0));
        self.closed_n.push(closed.map(|c| c.1));
        self.due_s.push(due_s);
        self.due_n.push(due_n);
        self.docs.push(encode("case", case)?);
        Ok(())
    }

    /// Binds the arrays in the order of [`CASE_UNNEST`], starting at `$first`.
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        q.bind(self.ids)
            .bind(self.numbers)
            .bind(self.expected)
            .bind(self.status)
            .bind(self.owner)
            .bind(self.queue)
            .bind(self.account)
            .bind(self.tier)
            .bind(self.priority)
            .bind(self.escalated)
            .bind(self.violated)
            .bind(self.created_s)
            .bind(self.created_n)
            .bind(self.closed_s)
            .bind(self.closed_n)
            .bind(self.due_s)
            .bind(self.due_n)
            .bind(self.docs)
    }
}

/// `UNNEST` of the 18 case arrays bound from `$n` on.
fn case_unnest(first: usize, movable: bool) -> String {
    const TYPES: [&str; 21] = [
        "uuid", "text", "bigint", "text", "uuid", "uuid", "uuid", "text", "smallint", "boolean",
        "boolean", "bigint", "integer", "bigint", "integer", "bigint", "integer", "text",
        "integer", "bigint", "integer",
    ];
    let used = if movable { 21 } else { 18 };
    let args: Vec<String> = TYPES
        .iter()
        .take(used)
        .enumerate()
        .map(|(i, t)| {
            let n = first + i;
            if *t == "uuid" {
                format!("${n}::text[]::uuid[]")
            } else {
                format!("${n}::{t}[]")
            }
        })
        .collect();
    format!(
        "UNNEST({}) AS u(id, number, expected, status, owner_id, queue_id, account_id, tier, \
         priority, escalated, sla_violated, created_s, created_n, closed_s, closed_n, \
         resolution_due_s, resolution_due_n, doc{})",
        args.join(", "),
        if movable { ", mv_year, mv_seq, at" } else { "" }
    )
}

/// The SQL text of the moved number of a row `r` with `mv_year`/`mv_seq`
/// (its claim in the unit) joined to `nb` (the counter before and at the
/// commit): `CASE-YYYY-NNNN`, as [`CaseNumber`](crate::ids::CaseNumber)
/// displays it (at least four digits).
fn moved_number_sql(r: &str) -> String {
    number_sql(r, &format!("{r}.mv_seq - nb.claimed + nb.stored"))
}

/// The SQL text `CASE-YYYY-NNNN` of sequence `seq` in row `r`'s year.
fn number_sql(r: &str, seq: &str) -> String {
    let seq = format!("({seq})::text");
    format!("'CASE-' || {r}.mv_year::text || '-' || lpad({seq}, greatest(4, length({seq})), '0')")
}

/// Where the number of new case `case` starts in `doc` (1-based, as SQL's
/// `overlay` counts): its first `"number"` key, right after the case's id at
/// the start of the case document or of its `Created` event. `None` when
/// `doc` is laid out otherwise (the unit then keeps its numbers).
fn number_offset(doc: &str, case: &Case, event: bool) -> Option<i32> {
    const KEY: &str = ",\"number\":\"";
    let id = serde_json::to_string(&case.id).ok()?;
    let prefix = if event {
        format!("{{\"event\":\"Created\",\"case\":{{\"id\":{id}")
    } else {
        format!("{{\"id\":{id}")
    };
    let at = doc.find(KEY)?;
    let start = at.checked_add(KEY.len())?;
    let number = case.number.to_string();
    let rest = doc.get(start..)?;
    let after = rest.strip_prefix(number.as_str())?;
    // The prefix is ASCII, so the byte offset is the character offset.
    if doc.get(..at)? != prefix || !after.starts_with('"') {
        return None;
    }
    i32::try_from(start).ok()?.checked_add(1)
}

/// Rows whose case number may move (new cases, or their `Created` events):
/// per row its claim's year and sequence and where the number starts in its
/// document (1-based), or year 0 for a row that keeps its text.
#[derive(Default)]
struct MovableRows {
    years: Vec<i32>,
    seqs: Vec<i64>,
    at: Vec<i32>,
}

impl MovableRows {
    /// Binds the three arrays in this order (`mv_year`, `mv_seq`, `at`).
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    ) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        q.bind(self.years).bind(self.seqs).bind(self.at)
    }
}

/// The new cases and their `Created` events of a commit whose numbers may
/// move (see [`MovableRows`]).
#[derive(Default)]
struct Moves {
    cases: MovableRows,
    events: MovableRows,
    /// A document laid out otherwise: the commit keeps every number.
    failed: bool,
}

impl Moves {
    /// Adds a row: `doc` is its document when its number may move, `None`
    /// when it keeps its text.
    fn push(&mut self, doc: Option<&str>, case: &Case, event: bool) {
        let placed = doc.map_or(Some((0, 0, 0)), |d| {
            number_offset(d, case, event)
                .map(|at| (case.number.year(), i64::from(case.number.sequence()), at))
        });
        let (year, seq, at) = placed.unwrap_or_else(|| {
            self.failed = true;
            (0, 0, 0)
        });
        let rows = if event {
            &mut self.events
        } else {
            &mut self.cases
        };
        rows.years.push(year);
        rows.seqs.push(seq);
        rows.at.push(at);
    }
}

/// Which parts a unit of work has; each present part adds its sub-statements
/// and parameters to the commit statement (absent ones add nothing, so the
/// server plans only what the unit writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    /// Case-number claims the commit moves to the next free numbers (see
    /// [`UnitOfWork::movable_numbers`]).
    movable: bool,
    inserts: bool,
    updates: bool,
    counters: bool,
    events: bool,
    router: bool,
    articles: bool,
    portal: bool,
    contacts: bool,
}

/// The one statement of a commit. Every write of the unit is a sub-statement
/// guarded by what it expects (inserts `ON CONFLICT DO NOTHING`, updates
/// `WHERE version = expected`, counters `WHERE value = before`); the final
/// `SELECT` compares how many rows each wrote with how many the unit has and,
/// on any difference, calls `hotcrm_abort()`, which raises and so undoes the
/// whole statement. Parameters are numbered in the order [`Repository::commit`]
/// binds them: new cases (18 arrays), updated cases (18), counters (kind,
/// year, before, after), events (case, doc, count), router (mode 1 insert /
/// 2 update, expected, doc), articles (id, year, sequence, expected or -1 for
/// an insert, doc), portal records (kind, id, parent, expected, doc),
/// contacts (id, email key, expected or -1, doc), then the expected row
/// counts of each present part.
fn commit_statement(shape: Shape) -> String {
    let mut n = 0usize;
    let mut next = || {
        n += 1;
        n
    };
    let mut ctes: Vec<String> = Vec::new();
    let mut checks: Vec<String> = Vec::new();
    let mut counts: Vec<&str> = Vec::new();
    let mut claims: Option<&str> = None;
    let mut late: Option<&str> = None;
    let mut deferred: Vec<String> = Vec::new();
    if shape.inserts {
        let first = next();
        for _ in 1..(if shape.movable { 21 } else { 18 }) {
            next();
        }
        // A moved case takes its number (column and document) from `nb`.
        let (number, doc, join) = if shape.movable {
            let moved = moved_number_sql("u");
            (
                format!(
                    "CASE WHEN u.mv_year = 0 OR nb.stored = nb.claimed THEN u.number \
                     ELSE {moved} END"
                ),
                format!(
                    "CASE WHEN u.mv_year = 0 OR nb.stored = nb.claimed THEN u.doc \
                     ELSE overlay(u.doc PLACING {moved} FROM u.at FOR length(u.number)) END"
                ),
                ", nb",
            )
        } else {
            ("u.number".to_owned(), "u.doc".to_owned(), "")
        };
        // After the claims (see the checks below); a WITH query names only
        // the parts before it, and a moved insert reads the claims (`nb`).
        deferred.push(format!(
            "ci AS (INSERT INTO cases (id, number, version, status, owner_id, queue_id, \
             account_id, tier, priority, escalated, sla_violated, created_s, created_n, closed_s, \
             closed_n, resolution_due_s, resolution_due_n, doc) \
             SELECT u.id, {number}, 1, u.status, u.owner_id, u.queue_id, u.account_id, u.tier, \
             u.priority, u.escalated, u.sla_violated, u.created_s, u.created_n, u.closed_s, \
             u.closed_n, u.resolution_due_s, u.resolution_due_n, {doc} FROM {}{join} \
             ON CONFLICT DO NOTHING RETURNING 1)",
            case_unnest(first, shape.movable)
        ));
        counts.push("(SELECT count(*) FROM ci)");
        late = Some("(SELECT count(*) FROM ci)");
    }
    if shape.updates {
        let first = next();
        for _ in 1..18 {
            next();
        }
        ctes.push(format!(
            "cu AS (UPDATE cases c SET version = c.version + 1, status = u.status, \
             owner_id = u.owner_id, queue_id = u.queue_id, account_id = u.account_id, \
             tier = u.tier, priority = u.priority, escalated = u.escalated, \
             sla_violated = u.sla_violated, created_s = u.created_s, created_n = u.created_n, \
             closed_s = u.closed_s, closed_n = u.closed_n, resolution_due_s = u.resolution_due_s, \
             resolution_due_n = u.resolution_due_n, doc = u.doc FROM {} \
             WHERE c.id = ANY(${first}::text[]::uuid[]) AND c.id = u.id \
             AND c.version = u.expected AND c.number = u.number RETURNING 1)",
            case_unnest(first, false)
        ));
        counts.push("(SELECT count(*) FROM cu)");
    }
    if shape.counters && shape.movable {
        let (k, y, b, a, m) = (next(), next(), next(), next(), next());
        let mvsql = "mv AS (INSERT INTO sequences AS s (kind, year, value) \
             SELECT kind, year, after - before FROM q WHERE movable \
             ON CONFLICT (kind, year) DO UPDATE SET value = s.value + EXCLUDED.value \
             RETURNING value)";
        // Fixed claims are checked as usual; a movable one adds its count to
        // the stored counter (or starts it), and `nb` keeps, per year, the
        // counter the unit claimed after and the one it was at commit time.
        ctes.push(format!(
            "q AS (SELECT * FROM UNNEST(${k}::text[], ${y}::integer[], ${b}::bigint[], \
             ${a}::bigint[], ${m}::boolean[]) AS q(kind, year, before, after, movable)), \
             sn AS (INSERT INTO sequences (kind, year, value) \
             SELECT kind, year, after FROM q WHERE before = 0 AND NOT movable \
             ON CONFLICT DO NOTHING RETURNING 1), \
             su AS (UPDATE sequences s SET value = q.after FROM q \
             WHERE q.before > 0 AND NOT q.movable AND s.kind = q.kind AND s.year = q.year \
             AND s.value = q.before RETURNING 1), \
             {mvsql}, \
             nb AS (SELECT q.year, q.before AS claimed, mv.value - (q.after - q.before) AS stored \
             FROM mv, q WHERE q.movable)"
        ));
        let check =
            "(SELECT count(*) FROM sn) + (SELECT count(*) FROM su) + (SELECT count(*) FROM mv)";
        claims = Some(check);
        counts.push(check);
        ctes.append(&mut deferred);
    } else if shape.counters {
        let (k, y, b, a) = (next(), next(), next(), next());
        ctes.push(format!(
            "q AS (SELECT * FROM UNNEST(${k}::text[], ${y}::integer[], ${b}::bigint[], \
             ${a}::bigint[]) AS q(kind, year, before, after)), \
             sn AS (INSERT INTO sequences (kind, year, value) \
             SELECT kind, year, after FROM q WHERE before = 0 \
             ON CONFLICT DO NOTHING RETURNING 1), \
             su AS (UPDATE sequences s SET value = q.after FROM q \
             WHERE q.before > 0 AND s.kind = q.kind AND s.year = q.year AND s.value = q.before \
             RETURNING 1)"
        ));
        let check = "(SELECT count(*) FROM sn) + (SELECT count(*) FROM su)";
        claims = Some(check);
        counts.push(check);
    }
    ctes.append(&mut deferred);
    let base = if shape.events && shape.movable {
        let (c, d, total, y, q, t) = (next(), next(), next(), next(), next(), next());
        let moved = moved_number_sql("e");
        let kept = number_sql("e", "e.mv_seq");
        ctes.push(format!(
            "head AS (UPDATE feed_head SET position = position + ${total} \
             RETURNING position - ${total} AS base), \
             ev AS (INSERT INTO events (position, case_id, doc) \
             SELECT head.base + e.ord, e.case_id::uuid, \
             CASE WHEN e.mv_year = 0 OR nb.stored = nb.claimed THEN e.doc \
             ELSE overlay(e.doc PLACING {moved} FROM e.at FOR length({kept})) END \
             FROM head, nb, UNNEST(${c}::text[], ${d}::text[], ${y}::integer[], ${q}::bigint[], \
             ${t}::integer[]) WITH ORDINALITY AS e(case_id, doc, mv_year, mv_seq, at, ord) \
             RETURNING 1)"
        ));
        checks.push(format!("(SELECT count(*) FROM ev) = ${total}"));
        "(SELECT base FROM head)"
    } else if shape.events {
        let (c, d, total) = (next(), next(), next());
        ctes.push(format!(
            "head AS (UPDATE feed_head SET position = position + ${total} \
             RETURNING position - ${total} AS base), \
             ev AS (INSERT INTO events (position, case_id, doc) \
             SELECT head.base + e.ord, e.case_id::uuid, e.doc \
             FROM head, UNNEST(${c}::text[], ${d}::text[]) WITH ORDINALITY AS e(case_id, doc, ord) \
             RETURNING 1)"
        ));
        checks.push(format!("(SELECT count(*) FROM ev) = ${total}"));
        "(SELECT base FROM head)"
    } else {
        "NULL::bigint"
    };
    if shape.router {
        let (mode, expected, doc) = (next(), next(), next());
        ctes.push(format!(
            "ri AS (INSERT INTO router (singleton, version, doc) SELECT true, 1, ${doc}::text \
             WHERE ${mode}::integer = 1 ON CONFLICT DO NOTHING RETURNING 1), \
             ru AS (UPDATE router SET version = version + 1, doc = ${doc}::text \
             WHERE ${mode}::integer = 2 AND version = ${expected}::bigint RETURNING 1)"
        ));
        counts.push("(SELECT count(*) FROM ri) + (SELECT count(*) FROM ru)");
    }
    if shape.articles {
        let (id, year, seq, expected, doc) = (next(), next(), next(), next(), next());
        ctes.push(format!(
            "a AS (SELECT * FROM UNNEST(${id}::text[]::uuid[], ${year}::integer[], \
             ${seq}::bigint[], ${expected}::bigint[], ${doc}::text[]) \
             AS a(id, number_year, number_seq, expected, doc)), \
             ai AS (INSERT INTO articles (id, number_year, number_seq, version, doc) \
             SELECT id, number_year, number_seq, 1, doc FROM a WHERE expected < 0 \
             ON CONFLICT DO NOTHING RETURNING 1), \
             au AS (UPDATE articles t SET version = t.version + 1, number_year = a.number_year, \
             number_seq = a.number_seq, doc = a.doc FROM a \
             WHERE t.id = ANY(${id}::text[]::uuid[]) AND a.expected >= 0 AND t.id = a.id \
             AND t.version = a.expected RETURNING 1)"
        ));
        counts.push("(SELECT count(*) FROM ai) + (SELECT count(*) FROM au)");
        // Each distinct slug of the unit (sorted) with its number: a new slug
        // is reserved for the number; a taken one is touched (and locked) only
        // when the number holds it, so a slug of another number returns no
        // row. A concurrent taker of the same slug makes this wait, then see
        // its committed row (migration 5).
        let (slug, year, seq) = (next(), next(), next());
        ctes.push(format!(
            "s AS (SELECT * FROM UNNEST(${slug}::text[], ${year}::integer[], ${seq}::bigint[]) \
             AS s(slug, number_year, number_seq)), \
             si AS (INSERT INTO article_slugs (slug, number_year, number_seq) \
             SELECT slug, number_year, number_seq FROM s \
             ON CONFLICT (slug) DO UPDATE SET number_year = article_slugs.number_year \
             WHERE article_slugs.number_year = EXCLUDED.number_year \
             AND article_slugs.number_seq = EXCLUDED.number_seq RETURNING 1)"
        ));
        counts.push("(SELECT count(*) FROM si)");
    }
    if shape.portal {
        let (kind, id, parent, expected, doc) = (next(), next(), next(), next(), next());
        ctes.push(format!(
            "p AS (SELECT * FROM UNNEST(${kind}::text[], ${id}::text[]::uuid[], \
             ${parent}::text[]::uuid[], ${expected}::bigint[], ${doc}::text[]) \
             AS p(kind, id, parent, expected, doc)), \
             pi AS (INSERT INTO portal_records (kind, id, parent, version, doc) \
             SELECT kind, id, parent, 1, doc FROM p WHERE expected < 0 \
             ON CONFLICT DO NOTHING RETURNING 1), \
             pu AS (UPDATE portal_records t SET version = t.version + 1, parent = p.parent, \
             doc = p.doc FROM p WHERE p.expected >= 0 AND t.kind = p.kind AND t.id = p.id \
             AND t.version = p.expected RETURNING 1)"
        ));
        counts.push("(SELECT count(*) FROM pi) + (SELECT count(*) FROM pu)");
    }
    if shape.contacts {
        let (id, key, expected, doc) = (next(), next(), next(), next());
        // An insert takes the email under the unique `email_owner` index
        // (migration 4), so a concurrent insert of the same email waits and
        // then writes nothing; the `NOT EXISTS` also sees emails of contacts
        // stored before that index, which hold none.
        ctes.push(format!(
            "k AS (SELECT * FROM UNNEST(${id}::text[]::uuid[], ${key}::text[], \
             ${expected}::bigint[], ${doc}::text[]) AS k(id, email_key, expected, doc)), \
             ki AS (INSERT INTO contacts (id, version, email_key, email_owner, doc) \
             SELECT id, 1, email_key, email_key, doc FROM k WHERE expected < 0 \
             AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.email_key = k.email_key) \
             ON CONFLICT DO NOTHING RETURNING 1), \
             ku AS (UPDATE contacts t SET version = t.version + 1, email_key = k.email_key, \
             email_owner = CASE WHEN t.email_key = k.email_key THEN t.email_owner \
             ELSE k.email_key END, doc = k.doc FROM k \
             WHERE t.id = ANY(${id}::text[]::uuid[]) AND k.expected >= 0 AND t.id = k.id \
             AND t.version = k.expected AND (t.email_key = k.email_key OR NOT EXISTS \
             (SELECT 1 FROM contacts c WHERE c.email_key = k.email_key AND c.id <> k.id)) \
             RETURNING 1)"
        ));
        counts.push("(SELECT count(*) FROM ki) + (SELECT count(*) FROM ku)");
    }
    // Parameters of the expected counts in the parts' order; the main query
    // then compares every record write first, the sequence claims (a counter
    // row lock) after them, and the events (their positions lock the one
    // feed-head row) last, so commits of different desks wait on each other
    // only for those last parts and their flush.
    // New cases come after the claims (a moved unit's take their numbers
    // from them), so they are written under the counter lock: a commit that
    // waits for that lock holds no case number a commit holding it could
    // wait for (no deadlock between a plain and a moving commit).
    let numbered: Vec<(usize, &str)> = counts.into_iter().map(|count| (next(), count)).collect();
    let (claims_check, records): (Vec<_>, Vec<_>) = numbered
        .into_iter()
        .partition(|(_, count)| Some(*count) == claims || Some(*count) == late);
    let (late_check, claims_check): (Vec<_>, Vec<_>) = claims_check
        .into_iter()
        .partition(|(_, count)| Some(*count) == late);
    let mut guarded: Vec<String> = records
        .into_iter()
        .chain(claims_check)
        .chain(late_check)
        .map(|(n, count)| format!("{count} = ${n}::bigint"))
        .collect();
    guarded.append(&mut checks);
    let checks = guarded;
    let moved = if shape.movable && shape.counters {
        ", ARRAY(SELECT year FROM nb) AS moved_years, ARRAY(SELECT stored FROM nb) AS moved_at"
    } else {
        ""
    };
    format!(
        "WITH {} SELECT CASE WHEN {} THEN {base} ELSE hotcrm_abort() END AS base{moved}",
        ctes.join(", "),
        checks.join(" AND ")
    )
}

/// The commit statement of `shape`, built once per shape.
fn commit_sql(shape: Shape) -> String {
    static SQL: std::sync::OnceLock<std::sync::Mutex<HashMap<Shape, String>>> =
        std::sync::OnceLock::new();
    let cache = SQL.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(shape)
        .or_insert_with(|| commit_statement(shape))
        .clone()
}

/// The SQLSTATE `hotcrm_abort()` raises (migration 2).
const ABORTED: &str = "HC001";

impl PostgresRepository {
    /// One attempt of [`Repository::commit`] for a checked, non-empty unit:
    /// with `moving`, its case numbers may move (see
    /// [`UnitOfWork::movable_numbers`]). A statement that aborts is
    /// classified into the error it means when `classify` is set, else
    /// reported as `None` (nothing was written).
    async fn commit_shaped(
        &self,
        work: &UnitOfWork,
        counters: &Counters,
        moving: bool,
        classify: bool,
    ) -> Result<Option<Committed>> {
        let mut new = CaseColumns::default();
        let mut updated = CaseColumns::default();
        let count = work.event_count();
        let mut event_cases = Vec::with_capacity(count);
        let mut event_docs = Vec::with_capacity(count);
        // Moved numbers: each new case in a movable counter, and its
        // `Created` event, go with where their number starts.
        let movable = if moving {
            movable_counters(work, counters)
        } else {
            Vec::new()
        };
        let mut moves = Moves::default();
        for write in &work.cases {
            let case = write.case();
            let slot = match write {
                CaseWrite::Insert { .. } => {
                    new.push(case, 0)?;
                    let slot = movable_slot(case, &movable);
                    let doc = new.docs.last().filter(|_| slot.is_some());
                    moves.push(doc.map(String::as_str), case, false);
                    slot
                }
                CaseWrite::Update { expected, .. } => {
                    updated.push(case, *expected)?;
                    None
                }
            };
            for event in write.events() {
                event_cases.push(uuid_text(case.id.as_uuid()));
                let doc = encode("event", event)?;
                let created =
                    matches!(event, CaseEvent::Created { case: c, .. } if c.id == case.id);
                let placed = (slot.is_some() && created).then_some(doc.as_str());
                moves.push(placed, case, true);
                event_docs.push(doc);
            }
        }
        // One year's numbers move (a desk's unit numbers in one year); a
        // unit claiming in several years keeps its claims, checked.
        let movable = if moves.failed || movable.len() != 1 {
            Vec::new()
        } else {
            movable
        };
        let (inserts, updates) = (new.ids.len(), updated.ids.len());
        let (router_mode, router_expected, router_doc) = match &work.router {
            None => (0_i32, 0_i64, String::new()),
            Some(r) => match r.expected {
                None => (1, 0, encode("router state", &r.value)?),
                Some(e) => (2, to_db(e)?, encode("router state", &r.value)?),
            },
        };
        let mut article_ids = Vec::with_capacity(work.articles.len());
        let mut article_years = Vec::with_capacity(work.articles.len());
        let mut article_seqs = Vec::with_capacity(work.articles.len());
        let mut article_expected = Vec::with_capacity(work.articles.len());
        let mut article_docs = Vec::with_capacity(work.articles.len());
        for write in &work.articles {
            let a = &write.value;
            article_ids.push(uuid_text(a.id.as_uuid()));
            article_years.push(a.number.year());
            article_seqs.push(i64::from(a.number.sequence()));
            article_expected.push(match write.expected {
                None => -1,
                Some(e) => to_db(e)?,
            });
            article_docs.push(encode("article", a)?);
        }
        // One entry per slug (`check_unit` gave each slug one number), sorted
        // so that commits reserving several slugs lock them in one order.
        let slugs: std::collections::BTreeMap<&str, crate::ids::KnowledgeNumber> = work
            .articles
            .iter()
            .map(|w| (w.value.slug.as_str(), w.value.number))
            .collect();
        let slug_count = slugs.len();
        let slug_names: Vec<String> = slugs.keys().map(|s| (*s).to_owned()).collect();
        let slug_years: Vec<i32> = slugs.values().map(|n| n.year()).collect();
        let slug_seqs: Vec<i64> = slugs.values().map(|n| i64::from(n.sequence())).collect();
        let n = work.portal.len();
        let (mut portal_kinds, mut portal_ids, mut portal_parents) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut portal_expected, mut portal_docs) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for write in &work.portal {
            let r = &write.value;
            portal_kinds.push(r.kind().tag());
            portal_ids.push(uuid_text(&r.id()));
            portal_parents.push(r.parent().map(|p| uuid_text(&p)));
            portal_expected.push(match write.expected {
                None => -1,
                Some(e) => to_db(e)?,
            });
            portal_docs.push(encode(r.kind().name(), r)?);
        }
        let n = work.contacts.len();
        let (mut contact_ids, mut contact_keys) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut contact_expected, mut contact_docs) =
            (Vec::with_capacity(n), Vec::with_capacity(n));
        for write in &work.contacts {
            let c = &write.value;
            contact_ids.push(uuid_text(c.id.as_uuid()));
            contact_keys.push(email_key(&c.email));
            contact_expected.push(match write.expected {
                None => -1,
                Some(e) => to_db(e)?,
            });
            contact_docs.push(encode("contact", c)?);
        }
        let kinds: Vec<&str> = counters.iter().map(|c| kind_key(c.0)).collect();
        let years: Vec<i32> = counters.iter().map(|c| c.1).collect();
        let befores: Vec<i64> = counters.iter().map(|c| i64::from(c.2)).collect();
        let afters: Vec<i64> = counters.iter().map(|c| i64::from(c.3)).collect();
        let flags: Vec<bool> = counters
            .iter()
            .map(|c| c.0 == SequenceKind::Case && movable.iter().any(|m| m.0 == c.1))
            .collect();
        let shape = Shape {
            movable: !movable.is_empty(),
            inserts: inserts > 0,
            updates: updates > 0,
            counters: !counters.is_empty(),
            events: count > 0,
            router: router_mode != 0,
            articles: !work.articles.is_empty(),
            portal: !work.portal.is_empty(),
            contacts: !work.contacts.is_empty(),
        };
        let sql = commit_sql(shape);
        let mut query = sqlx::query(&sql);
        if shape.inserts {
            query = new.bind(query);
            if shape.movable {
                query = moves.cases.bind(query);
            }
        }
        if shape.updates {
            query = updated.bind(query);
        }
        if shape.counters {
            query = query.bind(kinds).bind(years).bind(befores).bind(afters);
            if shape.movable {
                query = query.bind(flags);
            }
        }
        if shape.events {
            query = query.bind(event_cases).bind(event_docs).bind(limit(count));
            if shape.movable {
                query = moves.events.bind(query);
            }
        }
        if shape.router {
            query = query
                .bind(router_mode)
                .bind(router_expected)
                .bind(router_doc);
        }
        if shape.articles {
            query = query
                .bind(article_ids)
                .bind(article_years)
                .bind(article_seqs)
                .bind(article_expected)
                .bind(article_docs)
                .bind(slug_names)
                .bind(slug_years)
                .bind(slug_seqs);
        }
        if shape.portal {
            query = query
                .bind(portal_kinds)
                .bind(portal_ids)
                .bind(portal_parents)
                .bind(portal_expected)
                .bind(portal_docs);
        }
        if shape.contacts {
            query = query
                .bind(contact_ids)
                .bind(contact_keys)
                .bind(contact_expected)
                .bind(contact_docs);
        }
        for (present, rows) in [
            (shape.inserts, inserts),
            (shape.updates, updates),
            (shape.counters, counters.len()),
            (shape.router, 1),
            (shape.articles, work.articles.len()),
            (shape.articles, slug_count),
            (shape.portal, work.portal.len()),
            (shape.contacts, work.contacts.len()),
        ] {
            if present {
                query = query.bind(limit(rows));
            }
        }
        let result = query.fetch_one(&self.writer).await;
        let row = match result {
            Ok(row) => row,
            // A precondition failed, or a contact update took an email a
            // concurrent commit just took (the unique `email_owner` index):
            // undone, then classified.
            Err(sqlx::Error::Database(d))
                if d.code().as_deref() == Some(ABORTED) || d.is_unique_violation() =>
            {
                if !classify {
                    return Ok(None);
                }
                return Err(self.classify_failure(work, counters, &movable).await);
            }
            Err(e) => return Err(db(e)),
        };
        let mut committed = Committed::default();
        for write in &work.cases {
            let version = write.expected().map_or(1, |v| v.saturating_add(1));
            committed.case_versions.push((write.case().id, version));
        }
        if let Some(router) = &work.router {
            committed.router_version = Some(router.expected.map_or(1, |v| v.saturating_add(1)));
        }
        for write in &work.articles {
            let version = write.expected.map_or(1, |v| v.saturating_add(1));
            committed.article_versions.push((write.value.id, version));
        }
        for write in &work.portal {
            let version = write.expected.map_or(1, |v| v.saturating_add(1));
            committed
                .portal_versions
                .push((write.value.kind(), write.value.id(), version));
        }
        for write in &work.contacts {
            let version = write.expected.map_or(1, |v| v.saturating_add(1));
            committed.contact_versions.push((write.value.id, version));
        }
        let base: Option<i64> = row.try_get("base").map_err(db)?;
        if let Some(base) = base {
            committed.first_position = Some(from_db(base)?.saturating_add(1));
        }
        if shape.movable && shape.counters {
            let years: Vec<i32> = row.try_get("moved_years").map_err(db)?;
            let at: Vec<i64> = row.try_get("moved_at").map_err(db)?;
            let mut stored = Vec::with_capacity(years.len());
            for (year, at) in years.into_iter().zip(at) {
                let at = u32::try_from(at).map_err(|_| Error::Internal {
                    what: format!("stored case counter {at} of {year} is out of range"),
                })?;
                stored.push((year, at));
            }
            let moved = moved_numbers(work, &movable, |year| {
                stored.iter().find(|s| s.0 == year).map_or(0, |s| s.1)
            })?;
            for (index, number) in moved {
                if let Some(write) = work.cases.get(index) {
                    committed.renumbered.push((write.case().id, number));
                }
            }
        }
        Ok(Some(committed))
    }

    /// Why the commit statement of `work` aborted: the first precondition that
    /// does not hold now, in the reference's order (cases, router, articles,
    /// sequence counters). A race that resolved itself since is a `Conflict`
    /// (decided again).
    async fn classify_failure(
        &self,
        work: &UnitOfWork,
        counters: &Counters,
        movable: &[(i32, u32, u32)],
    ) -> Error {
        match self.first_failure(work, counters, movable).await {
            Ok(Some(e)) | Err(e) => e,
            Ok(None) => conflict(0, 0),
        }
    }

    async fn first_failure(
        &self,
        work: &UnitOfWork,
        counters: &Counters,
        movable: &[(i32, u32, u32)],
    ) -> Result<Option<Error>> {
        for write in &work.cases {
            let case = write.case();
            let row = sqlx::query("SELECT version, number FROM cases WHERE id = $1::uuid")
                .bind(uuid_text(case.id.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
            match (write, row) {
                (CaseWrite::Insert { .. }, Some(_)) => {
                    return Ok(Some(Error::AlreadyExists {
                        kind: "case",
                        key: case.id.to_string(),
                    }));
                }
                (CaseWrite::Insert { .. }, None) => {
                    // A moved case would have taken the number after the
                    // counter as it stands now.
                    let number = match movable_slot(case, movable) {
                        None => case.number,
                        Some((year, before)) => {
                            let at = self.current_sequence(SequenceKind::Case, year).await?;
                            let seq = moved_value(case.number.sequence(), before, at, year)?;
                            crate::ids::CaseNumber::new(year, seq)?
                        }
                    };
                    let taken = sqlx::query("SELECT 1 AS one FROM cases WHERE number = $1")
                        .bind(number.to_string())
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    if taken.is_some() {
                        return Ok(Some(Error::AlreadyExists {
                            kind: "case number",
                            key: number.to_string(),
                        }));
                    }
                }
                (CaseWrite::Update { .. }, None) => return Ok(Some(not_found("case", case.id))),
                (CaseWrite::Update { expected, .. }, Some(row)) => {
                    let version = from_db(row.try_get("version").map_err(db)?)?;
                    if version != *expected {
                        return Ok(Some(conflict(*expected, version)));
                    }
                    let number: String = row.try_get("number").map_err(db)?;
                    if number != case.number.to_string() {
                        return Ok(Some(Error::validation(
                            "case",
                            "the case number of a stored case cannot change",
                        )));
                    }
                }
            }
        }
        if let Some(router) = &work.router {
            let stored = self.router_version().await?;
            match (stored, router.expected) {
                (Some(_), None) => {
                    return Ok(Some(Error::AlreadyExists {
                        kind: "router state",
                        key: "router".into(),
                    }));
                }
                (None, Some(_)) => return Ok(Some(not_found("router state", "router"))),
                (Some(v), Some(e)) if v != e => return Ok(Some(conflict(e, v))),
                _ => {}
            }
        }
        for write in &work.articles {
            let id = write.value.id;
            let stored: Option<i64> =
                sqlx::query_scalar("SELECT version FROM articles WHERE id = $1::uuid")
                    .bind(uuid_text(id.as_uuid()))
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
            match (stored.map(from_db).transpose()?, write.expected) {
                (Some(_), None) => {
                    return Ok(Some(Error::AlreadyExists {
                        kind: "article",
                        key: id.to_string(),
                    }));
                }
                (None, Some(_)) => return Ok(Some(not_found("article", id))),
                (Some(v), Some(e)) if v != e => return Ok(Some(conflict(e, v))),
                _ => {}
            }
            let holder =
                sqlx::query("SELECT number_year, number_seq FROM article_slugs WHERE slug = $1")
                    .bind(&write.value.slug)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
            if let Some(row) = holder {
                let year: i32 = row.try_get("number_year").map_err(db)?;
                let seq: i64 = row.try_get("number_seq").map_err(db)?;
                let number = write.value.number;
                if year != number.year() || seq != i64::from(number.sequence()) {
                    return Ok(Some(article_slug_taken(&write.value.slug)));
                }
            }
        }
        for write in &work.portal {
            let (kind, id) = (write.value.kind(), write.value.id());
            let stored: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM portal_records WHERE kind = $1 AND id = $2::uuid",
            )
            .bind(kind.tag())
            .bind(uuid_text(&id))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
            match (stored.map(from_db).transpose()?, write.expected) {
                (Some(_), None) => {
                    return Ok(Some(Error::AlreadyExists {
                        kind: kind.name(),
                        key: id.to_string(),
                    }));
                }
                (None, Some(_)) => return Ok(Some(not_found(kind.name(), id))),
                (Some(v), Some(e)) if v != e => return Ok(Some(conflict(e, v))),
                _ => {}
            }
        }
        for write in &work.contacts {
            let contact = &write.value;
            let key = email_key(&contact.email);
            let stored = sqlx::query("SELECT version, email_key FROM contacts WHERE id = $1::uuid")
                .bind(uuid_text(contact.id.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
            let mut keeps_email = false;
            match (stored, write.expected) {
                (Some(_), None) => {
                    return Ok(Some(Error::AlreadyExists {
                        kind: "contact",
                        key: contact.id.to_string(),
                    }));
                }
                (None, Some(_)) => return Ok(Some(not_found("contact", contact.id))),
                (Some(row), Some(e)) => {
                    let v = from_db(row.try_get("version").map_err(db)?)?;
                    if v != e {
                        return Ok(Some(conflict(e, v)));
                    }
                    let stored_key: String = row.try_get("email_key").map_err(db)?;
                    keeps_email = stored_key == key;
                }
                (None, None) => {}
            }
            if !keeps_email {
                let taken = sqlx::query(
                    "SELECT 1 AS one FROM contacts WHERE email_key = $1 AND id <> $2::uuid LIMIT 1",
                )
                .bind(&key)
                .bind(uuid_text(contact.id.as_uuid()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                if taken.is_some() {
                    return Ok(Some(contact_email_taken(key)));
                }
            }
        }
        for &(kind, year, before, _) in counters {
            if kind == SequenceKind::Case && movable.iter().any(|m| m.0 == year) {
                continue;
            }
            let actual = self.current_sequence(kind, year).await?;
            if actual != before {
                return Ok(Some(conflict(u64::from(before), u64::from(actual))));
            }
        }
        Ok(None)
    }

    async fn get_one<T: DeserializeOwned>(
        &self,
        sql: &str,
        key: String,
        kind: &'static str,
        shown: String,
    ) -> Result<Versioned<T>> {
        let row = sqlx::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or_else(|| not_found(kind, shown))?;
        versioned(kind, &row)
    }

    /// Insert (`expected == None`) or optimistic update of an account or contact.
    async fn put_record(
        &self,
        table: &str,
        kind: &'static str,
        id: String,
        extra: Option<String>,
        doc: String,
        expected: Option<u64>,
    ) -> Result<u64> {
        match expected {
            None => {
                let sql = match extra {
                    Some(_) => format!(
                        "INSERT INTO {table} (id, version, doc, email_key) \
                         VALUES ($1::uuid, 1, $2, $3) ON CONFLICT DO NOTHING"
                    ),
                    None => format!(
                        "INSERT INTO {table} (id, version, doc) VALUES ($1::uuid, 1, $2) \
                         ON CONFLICT DO NOTHING"
                    ),
                };
                let mut q = sqlx::query(&sql).bind(&id).bind(doc);
                if let Some(extra) = extra {
                    q = q.bind(extra);
                }
                let done = q.execute(&self.pool).await.map_err(db)?;
                if done.rows_affected() != 1 {
                    return Err(Error::AlreadyExists { kind, key: id });
                }
                Ok(1)
            }
            Some(expected) => {
                let sql = match extra {
                    Some(_) => format!(
                        "UPDATE {table} SET version = version + 1, doc = $3, email_key = $4 \
                         WHERE id = $1::uuid AND version = $2"
                    ),
                    None => format!(
                        "UPDATE {table} SET version = version + 1, doc = $3 \
                         WHERE id = $1::uuid AND version = $2"
                    ),
                };
                let mut q = sqlx::query(&sql).bind(&id).bind(to_db(expected)?).bind(doc);
                if let Some(extra) = extra {
                    q = q.bind(extra);
                }
                let done = q.execute(&self.pool).await.map_err(db)?;
                if done.rows_affected() == 1 {
                    return Ok(expected.saturating_add(1));
                }
                let row = sqlx::query(&format!("SELECT version FROM {table} WHERE id = $1::uuid"))
                    .bind(&id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?
                    .ok_or_else(|| not_found(kind, &id))?;
                let actual = from_db(row.try_get("version").map_err(db)?)?;
                Err(conflict(expected, actual))
            }
        }
    }
}

#[async_trait]
impl Repository for PostgresRepository {
    async fn commit(&self, work: &UnitOfWork) -> Result<Committed> {
        let counters = claim_counters(work)?;
        check_unit(work)?;
        if work.cases.is_empty()
            && work.router.is_none()
            && work.articles.is_empty()
            && work.portal.is_empty()
            && work.contacts.is_empty()
            && counters.is_empty()
        {
            return Ok(Committed::default());
        }
        if movable_counters(work, &counters).is_empty() {
            return self
                .commit_shaped(work, &counters, false, true)
                .await?
                .ok_or_else(|| conflict(0, 0));
        }
        // Numbers that may move are first sent as they are (the plain
        // statement is the cheaper one, and a desk's guess is usually right);
        // only when that statement fails are they sent to move.
        match self.commit_shaped(work, &counters, false, false).await? {
            Some(committed) => Ok(committed),
            None => self
                .commit_shaped(work, &counters, true, true)
                .await?
                .ok_or_else(|| conflict(0, 0)),
        }
    }

    fn moves_numbers(&self) -> bool {
        true
    }

    async fn events_after(&self, after: u64, limit_: usize) -> Result<Vec<FeedEntry>> {
        let rows = sqlx::query(
            "SELECT position, case_id::text AS case_id, doc FROM events \
             WHERE position > $1 ORDER BY position LIMIT $2",
        )
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(limit(limit_))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let position: i64 = row.try_get("position").map_err(db)?;
                let case: String = row.try_get("case_id").map_err(db)?;
                let doc: String = row.try_get("doc").map_err(db)?;
                Ok(FeedEntry {
                    position: from_db(position)?,
                    case: case.parse()?,
                    event: decode("event", &doc)?,
                })
            })
            .collect()
    }

    /// The lease is a session-level advisory lock (`LEASE_LOCK`) held by one
    /// session per store object; the counters are read on that session after
    /// the lock is granted, so they include every commit of the previous
    /// holder.
    async fn lease_sequences(&self) -> Result<Option<super::SequenceLease>> {
        use sqlx::Connection as _;
        let mut slot = std::sync::Arc::clone(&self.lease).lock_owned().await;
        if slot.is_none() {
            let options = self.pool.connect_options();
            *slot = Some(
                sqlx::PgConnection::connect_with(&options)
                    .await
                    .map_err(db)?,
            );
        }
        let Some(conn) = slot.as_mut() else {
            return Err(Error::storage("the numbering lease session is closed"));
        };
        let granted = async {
            sqlx::query("SELECT pg_advisory_lock($1, $2)")
                .bind(LEASE_LOCK.0)
                .bind(LEASE_LOCK.1)
                .execute(&mut *conn)
                .await?;
            sqlx::query("SELECT kind, year, value FROM sequences")
                .fetch_all(&mut *conn)
                .await
        }
        .await;
        let rows = match granted {
            Ok(rows) => rows,
            Err(e) => {
                // Whether or not the lock was granted, closing ends it.
                *slot = None;
                return Err(db(e));
            }
        };
        let mut counters = Vec::with_capacity(rows.len());
        let lease = PgLease(Some(slot));
        for row in rows {
            let key: String = row.try_get("kind").map_err(db)?;
            let year: i32 = row.try_get("year").map_err(db)?;
            let value: i64 = row.try_get("value").map_err(db)?;
            let kind = match key.as_str() {
                "case" => SequenceKind::Case,
                "knowledge" => SequenceKind::Knowledge,
                _ => continue,
            };
            let value = u32::try_from(value).map_err(|_| Error::Internal {
                what: format!("stored {kind:?} sequence of {year} is {value}"),
            })?;
            counters.push(super::SequenceCounter { kind, year, value });
        }
        Ok(Some(super::SequenceLease::new(counters, Box::new(lease))))
    }

    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> Result<u32> {
        let row = sqlx::query("SELECT value FROM sequences WHERE kind = $1 AND year = $2")
            .bind(kind_key(kind))
            .bind(year)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        match row {
            None => Ok(0),
            Some(row) => {
                let value: i64 = row.try_get("value").map_err(db)?;
                u32::try_from(value).map_err(|_| Error::Internal {
                    what: format!("stored {kind:?} sequence of {year} is {value}"),
                })
            }
        }
    }

    async fn get_case(&self, id: CaseId) -> Result<Versioned<Case>> {
        self.get_one(
            "SELECT doc, version FROM cases WHERE id = $1::uuid",
            uuid_text(id.as_uuid()),
            "case",
            id.to_string(),
        )
        .await
    }

    async fn get_case_by_number(&self, number: CaseNumber) -> Result<Versioned<Case>> {
        self.get_one(
            "SELECT doc, version FROM cases WHERE number = $1",
            number.to_string(),
            "case",
            number.to_string(),
        )
        .await
    }

    async fn list_cases(&self, query: &CaseQuery, page: Page) -> Result<PageOf<Versioned<Case>>> {
        // One statement, one snapshot: the total and the page agree. The
        // filters are written twice (not a shared CTE, which the server would
        // materialise with every matching document) so the count reads only
        // the indexed columns and the page stops after `LIMIT` rows of the
        // index that matches its order.
        let mut b = QueryBuilder::<Postgres>::new(
            "SELECT t.total, p.doc, p.version FROM (SELECT count(*) AS total FROM cases WHERE true",
        );
        push_filters(&mut b, query);
        b.push(") t LEFT JOIN LATERAL (SELECT doc, version FROM cases WHERE true");
        push_filters(&mut b, query);
        b.push(order_by(query.order));
        b.push(" LIMIT ")
            .push_bind(limit(page.limit))
            .push(" OFFSET ")
            .push_bind(limit(page.offset))
            .push(") p ON true");
        let rows = b.build().fetch_all(&self.pool).await.map_err(db)?;
        let mut total = 0usize;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            let t: i64 = row.try_get("total").map_err(db)?;
            total = usize::try_from(t).unwrap_or(usize::MAX);
            let doc: Option<String> = row.try_get("doc").map_err(db)?;
            let version: Option<i64> = row.try_get("version").map_err(db)?;
            if let (Some(doc), Some(version)) = (doc, version) {
                items.push(Versioned {
                    value: decode("case", &doc)?,
                    version: from_db(version)?,
                });
            }
        }
        let end = page.offset.saturating_add(items.len());
        let next = (page.limit > 0 && end < total).then(|| page.next());
        Ok(PageOf { items, total, next })
    }

    async fn scan_cases(
        &self,
        query: &CaseQuery,
        after: Option<CaseId>,
        limit_: usize,
    ) -> Result<Vec<Versioned<Case>>> {
        let mut b = QueryBuilder::<Postgres>::new("SELECT doc, version FROM cases WHERE true");
        if let Some(after) = after {
            b.push(" AND id > ")
                .push_bind(uuid_text(after.as_uuid()))
                .push("::uuid");
        }
        push_filters(&mut b, query);
        b.push(" ORDER BY id LIMIT ").push_bind(limit(limit_));
        let rows = b.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(|row| versioned("case", row)).collect()
    }

    async fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        let key = uuid_text(id.as_uuid());
        let rows = sqlx::query("SELECT doc FROM events WHERE case_id = $1::uuid ORDER BY position")
            .bind(&key)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        if rows.is_empty() {
            let known = sqlx::query("SELECT 1 AS one FROM cases WHERE id = $1::uuid")
                .bind(&key)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
            if known.is_none() {
                return Err(not_found("case", id));
            }
        }
        rows.iter()
            .map(|row| {
                let doc: String = row.try_get("doc").map_err(db)?;
                decode("event", &doc)
            })
            .collect()
    }

    async fn put_account(&self, account: &Account, expected: Option<u64>) -> Result<u64> {
        self.put_record(
            "accounts",
            "account",
            uuid_text(account.id.as_uuid()),
            None,
            encode("account", account)?,
            expected,
        )
        .await
    }

    async fn get_account(&self, id: AccountId) -> Result<Versioned<Account>> {
        self.get_one(
            "SELECT doc, version FROM accounts WHERE id = $1::uuid",
            uuid_text(id.as_uuid()),
            "account",
            id.to_string(),
        )
        .await
    }

    async fn get_contact(&self, id: ContactId) -> Result<Versioned<Contact>> {
        self.get_one(
            "SELECT doc, version FROM contacts WHERE id = $1::uuid",
            uuid_text(id.as_uuid()),
            "contact",
            id.to_string(),
        )
        .await
    }

    async fn find_contact_by_email(&self, email: &str) -> Result<Option<Versioned<Contact>>> {
        let row = sqlx::query(
            "SELECT doc, version FROM contacts WHERE email_key = $1 ORDER BY id LIMIT 1",
        )
        .bind(email.trim().to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| versioned("contact", &row)).transpose()
    }

    async fn router_version(&self) -> Result<Option<u64>> {
        let row = sqlx::query("SELECT version FROM router")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(from_db(row.try_get("version").map_err(db)?)?)),
        }
    }

    async fn get_router_state(&self) -> Result<Option<Versioned<RouterState>>> {
        let row = sqlx::query("SELECT doc, version FROM router")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|row| versioned("router state", &row)).transpose()
    }

    async fn get_article(&self, id: ArticleId) -> Result<Versioned<KnowledgeArticle>> {
        self.get_one(
            "SELECT doc, version FROM articles WHERE id = $1::uuid",
            uuid_text(id.as_uuid()),
            "article",
            id.to_string(),
        )
        .await
    }

    async fn list_articles(&self) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let rows =
            sqlx::query("SELECT doc, version FROM articles ORDER BY number_year, number_seq, id")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        rows.iter().map(|row| versioned("article", row)).collect()
    }

    async fn article_versions(
        &self,
        number: crate::ids::KnowledgeNumber,
    ) -> Result<Vec<Versioned<KnowledgeArticle>>> {
        let rows = sqlx::query(
            "SELECT doc, version FROM articles WHERE number_year = $1 AND number_seq = $2 ORDER BY id",
        )
        .bind(number.year())
        .bind(i64::from(number.sequence()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut versions = rows
            .iter()
            .map(|row| versioned("article", row))
            .collect::<Result<Vec<Versioned<KnowledgeArticle>>>>()?;
        versions.sort_by_key(|a| a.value.id);
        Ok(versions)
    }

    async fn get_portal_record(
        &self,
        kind: PortalKind,
        id: uuid::Uuid,
    ) -> Result<Versioned<PortalRecord>> {
        let row = sqlx::query(
            "SELECT doc, version FROM portal_records WHERE kind = $1 AND id = $2::uuid",
        )
        .bind(kind.tag())
        .bind(uuid_text(&id))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(row) => of_kind(kind, versioned(kind.name(), &row)?),
            None => Err(not_found(kind.name(), id)),
        }
    }

    async fn portal_records(
        &self,
        kind: PortalKind,
        parent: Option<uuid::Uuid>,
    ) -> Result<Vec<Versioned<PortalRecord>>> {
        let rows = sqlx::query(
            "SELECT doc, version FROM portal_records WHERE kind = $1 \
             AND ($2::text IS NULL OR parent = $2::text::uuid) ORDER BY id",
        )
        .bind(kind.tag())
        .bind(parent.map(|p| uuid_text(&p)))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| of_kind(kind, versioned(kind.name(), row)?))
            .collect()
    }

    async fn save_search(&self, search: &SavedSearch) -> Result<()> {
        if search.name.trim().is_empty() {
            return Err(Error::validation("saved search name", "must not be empty"));
        }
        sqlx::query(
            "INSERT INTO saved_searches (owner_id, name, doc) VALUES ($1::uuid, $2, $3) \
             ON CONFLICT (owner_id, name) DO UPDATE SET doc = EXCLUDED.doc",
        )
        .bind(uuid_text(search.owner.as_uuid()))
        .bind(&search.name)
        .bind(encode("saved search", search)?)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn saved_searches(&self, owner: AgentId) -> Result<Vec<SavedSearch>> {
        // `COLLATE "C"`: bytewise, the order of Rust's `String`.
        let rows = sqlx::query(
            "SELECT doc FROM saved_searches WHERE owner_id = $1::uuid ORDER BY name COLLATE \"C\"",
        )
        .bind(uuid_text(owner.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let doc: String = row.try_get("doc").map_err(db)?;
                decode("saved search", &doc)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{CaseRules, NewCase};
    use crate::ids::{AccountId, CaseId, CaseNumber};

    fn created() -> (Case, Vec<CaseEvent>) {
        let new = NewCase::new(
            CaseId::from_u128(7),
            CaseNumber::new(2026, 42).unwrap_or_else(|_| unreachable!()),
            AccountId::from_u128(2),
            "\"number\":\"CASE-2026-0042\" in the subject",
            "body",
        );
        Case::create(
            new,
            DateTime::from_timestamp(1_767_600_000, 0).unwrap_or_default(),
            &CaseRules::default(),
        )
        .unwrap_or_else(|_| unreachable!())
    }

    /// A moved commit finds each number where it starts, so replacing it
    /// there gives the document under any number; another layout is refused.
    #[test]
    fn case_documents_locate_their_own_number() {
        let (case, events) = created();
        let number = "CASE-2026-0042";
        let swap = |doc: &str, at: Option<i32>, to: &str| {
            let at = usize::try_from(at.unwrap_or(0) - 1).unwrap_or(usize::MAX);
            match (doc.get(..at), doc.get(at + number.len()..)) {
                (Some(head), Some(tail)) => format!("{head}{to}{tail}"),
                _ => String::new(),
            }
        };
        let doc = serde_json::to_string(&case).unwrap_or_default();
        let at = number_offset(&doc, &case, false);
        assert_eq!(swap(&doc, at, number), doc);
        let mut moved = case.clone();
        moved.number = CaseNumber::new(2026, 12_345).unwrap_or_else(|_| unreachable!());
        assert_eq!(
            swap(&doc, at, "CASE-2026-12345"),
            serde_json::to_string(&moved).unwrap_or_default(),
            "replaced there, it is the document of the renumbered case"
        );
        let event = events
            .iter()
            .find(|e| matches!(e, CaseEvent::Created { .. }))
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .unwrap_or_default();
        let at = number_offset(&event, &case, true);
        assert_eq!(swap(&event, at, number), event);
        assert!(
            number_offset(&event, &case, false).is_none(),
            "not a case document"
        );
        assert!(number_offset(&doc, &case, true).is_none(), "not an event");
        let other = doc.replacen(number, "CASE-2026-0043", 1);
        assert!(
            number_offset(&other, &case, false).is_none(),
            "another number"
        );
    }
}
