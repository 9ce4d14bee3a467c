//! `PostgresRepository`: many desks on one PostgreSQL database (feature
//! `postgres`).

use std::collections::{HashMap, HashSet};
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgPool, PgPoolOptions, Postgres};
use sqlx::{QueryBuilder, Row, Transaction};

use super::records::{Account, Contact, SavedSearch, SequenceKind, Versioned};
use super::unit::{CaseWrite, Committed, FeedEntry, UnitOfWork};
use super::{Repository, conflict};
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
/// Every [`commit`](Repository::commit) is one transaction at PostgreSQL's
/// default READ COMMITTED isolation. That is enough because the transaction
/// first locks every row it depends on (`SELECT ... FOR UPDATE`: the updated
/// cases in id order, then the router row, the articles in id order, the
/// sequence rows) and checks the unit's preconditions on those locked rows
/// exactly as [`MemoryRepository`](super::MemoryRepository) does; a locked row
/// cannot change before the transaction ends. Rows that do not exist yet
/// (inserted cases, articles, the first router document, a year's first
/// sequence number) cannot be locked: they are written with
/// `INSERT ... ON CONFLICT DO NOTHING`, and a racing insert that won makes the
/// commit fail ([`Error::AlreadyExists`], or [`Error::Conflict`] for a sequence)
/// and roll back. The feed head is a single row every commit with events
/// updates last, so appends are serialised in commit order and positions are
/// gap-free. A deadlock or serialization failure reported by the server maps
/// to [`Error::Conflict`], which the desk retries. Any error rolls the whole
/// transaction back, so a failed commit writes nothing; a connection lost
/// mid-commit is [`Error::Storage`] and the server rolls the transaction back.
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
}

impl fmt::Debug for PostgresRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRepository")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl PostgresRepository {
    /// Connects a pool (up to 10 connections) to the database at `url`
    /// (`postgres://user:password@host:port/database`). Does not migrate: call
    /// [`PostgresRepository::migrate`].
    ///
    /// Pooled connections are not pinged before each use (a ping is one more
    /// round trip per call): a connection the server dropped fails its next
    /// command with [`Error::Storage`] and is replaced. Build the pool yourself
    /// and use [`PostgresRepository::from_pool`] for other options.
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
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .test_before_acquire(false)
            .connect(url)
            .await
            .map_err(Error::storage)?;
        Ok(PostgresRepository { pool })
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
        PostgresRepository { pool }
    }

    /// The underlying pool.
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

/// What the transaction read (and locked) of a stored case.
struct StoredCase {
    version: u64,
    number: String,
}

/// Everything a unit depends on, read and locked by [`lock_all`].
#[derive(Default)]
struct Locked {
    /// Stored cases by id (the unit's ids, and the owners of its new numbers).
    cases: HashMap<CaseId, StoredCase>,
    /// Their numbers.
    numbers: HashSet<String>,
    /// The router document's version, when one is stored and the unit writes it.
    router: Option<u64>,
    /// The unit's stored articles' versions, by id text.
    articles: HashMap<String, u64>,
    /// The unit's stored sequence counters, by (kind key, year).
    sequences: HashMap<(String, i32), u32>,
}

/// Locks (`FOR UPDATE`) and reads, in one statement, every stored row the
/// unit's preconditions depend on: its cases (by id, and by number for
/// inserts), the router row, its articles and its sequence counters.
async fn lock_all(tx: &mut Transaction<'_, Postgres>, work: &UnitOfWork) -> Result<Locked> {
    let mut locked = Locked::default();
    if work.cases.is_empty()
        && work.router.is_none()
        && work.articles.is_empty()
        && work.sequences.is_empty()
    {
        return Ok(locked);
    }
    let ids: Vec<String> = work
        .cases
        .iter()
        .map(|w| uuid_text(w.case().id.as_uuid()))
        .collect();
    let new_numbers: Vec<String> = work
        .cases
        .iter()
        .filter(|w| w.expected().is_none())
        .map(|w| w.case().number.to_string())
        .collect();
    let articles: Vec<String> = work
        .articles
        .iter()
        .map(|a| uuid_text(a.value.id.as_uuid()))
        .collect();
    let kinds: Vec<&str> = work.sequences.iter().map(|c| kind_key(c.kind)).collect();
    let years: Vec<i32> = work.sequences.iter().map(|c| c.year).collect();
    let rows = sqlx::query(
        "WITH c AS (SELECT id::text AS k, number AS n, version AS v FROM cases \
             WHERE id = ANY($1::uuid[]) OR number = ANY($2) ORDER BY id FOR UPDATE), \
         r AS (SELECT version AS v FROM router WHERE $3 FOR UPDATE), \
         a AS (SELECT id::text AS k, version AS v FROM articles \
             WHERE id = ANY($4::uuid[]) ORDER BY id FOR UPDATE), \
         s AS (SELECT s.kind AS k, s.year AS y, s.value AS v FROM sequences s \
             JOIN UNNEST($5::text[], $6::integer[]) AS q(kind, year) \
             ON s.kind = q.kind AND s.year = q.year ORDER BY s.kind, s.year FOR UPDATE OF s) \
         SELECT 'c' AS t, k, n, NULL::integer AS y, v FROM c \
         UNION ALL SELECT 'r', NULL, NULL, NULL, v FROM r \
         UNION ALL SELECT 'a', k, NULL, NULL, v FROM a \
         UNION ALL SELECT 's', k, NULL, y, v FROM s",
    )
    .bind(ids)
    .bind(new_numbers)
    .bind(work.router.is_some())
    .bind(articles)
    .bind(kinds)
    .bind(years)
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?;
    for row in rows {
        let table: String = row.try_get("t").map_err(db)?;
        let key: Option<String> = row.try_get("k").map_err(db)?;
        let value: i64 = row.try_get("v").map_err(db)?;
        match (table.as_str(), key) {
            ("c", Some(id)) => {
                let number: Option<String> = row.try_get("n").map_err(db)?;
                let number = number.unwrap_or_default();
                locked.numbers.insert(number.clone());
                locked.cases.insert(
                    id.parse()?,
                    StoredCase {
                        version: from_db(value)?,
                        number,
                    },
                );
            }
            ("r", _) => locked.router = Some(from_db(value)?),
            ("a", Some(id)) => {
                locked.articles.insert(id, from_db(value)?);
            }
            ("s", Some(kind)) => {
                let year: Option<i32> = row.try_get("y").map_err(db)?;
                let year = year.unwrap_or_default();
                let value = u32::try_from(value).map_err(|_| Error::Internal {
                    what: format!("stored {kind} sequence of {year} is {value}"),
                })?;
                locked.sequences.insert((kind, year), value);
            }
            (other, _) => {
                return Err(Error::Internal {
                    what: format!("unexpected lock row of kind {other:?}"),
                });
            }
        }
    }
    Ok(locked)
}

/// The claims' sequence counters after the unit, checked as the reference
/// does: `(kind, year, stored before, value after)`.
type Counters = Vec<(SequenceKind, i32, u32, u32)>;

fn check_sequences(work: &UnitOfWork, stored: &HashMap<(String, i32), u32>) -> Result<Counters> {
    let mut counters: Counters = Vec::new();
    for claim in &work.sequences {
        let slot = match counters
            .iter()
            .position(|(k, y, _, _)| *k == claim.kind && *y == claim.year)
        {
            Some(i) => i,
            None => {
                let before = stored
                    .get(&(kind_key(claim.kind).to_owned(), claim.year))
                    .copied()
                    .unwrap_or(0);
                counters.push((claim.kind, claim.year, before, before));
                counters.len().saturating_sub(1)
            }
        };
        let Some((_, _, _, current)) = counters.get_mut(slot) else {
            continue;
        };
        let next = current.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("{:?} sequence of {}", claim.kind, claim.year),
        })?;
        if claim.value != next {
            return Err(conflict(
                u64::from(claim.value.saturating_sub(1)),
                u64::from(*current),
            ));
        }
        *current = next;
    }
    Ok(counters)
}

async fn case_insert(tx: &mut Transaction<'_, Postgres>, case: &Case) -> Result<bool> {
    let doc = encode("case", case)?;
    let (created_s, created_n) = seconds(case.created_at);
    let closed = case.closed_at.map(seconds);
    let (due_s, due_n) = seconds(case.resolution_due());
    let done = sqlx::query(
        "INSERT INTO cases (id, number, version, status, owner_id, queue_id, account_id, tier, \
         priority, escalated, sla_violated, created_s, created_n, closed_s, closed_n, \
         resolution_due_s, resolution_due_n, doc) \
         VALUES ($1::uuid, $2, 1, $3, $4::uuid, $5::uuid, $6::uuid, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17) ON CONFLICT DO NOTHING",
    )
    .bind(uuid_text(case.id.as_uuid()))
    .bind(case.number.to_string())
    .bind(case.status.label())
    .bind(case.owner.map(|o| uuid_text(o.as_uuid())))
    .bind(case.queue.map(|q| uuid_text(q.as_uuid())))
    .bind(uuid_text(case.account.as_uuid()))
    .bind(case.sla_tier.label())
    .bind(priority_rank(case.priority))
    .bind(case.is_escalated())
    .bind(case.is_sla_violated)
    .bind(created_s)
    .bind(created_n)
    .bind(closed.map(|c| c.0))
    .bind(closed.map(|c| c.1))
    .bind(due_s)
    .bind(due_n)
    .bind(doc)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

async fn case_update(
    tx: &mut Transaction<'_, Postgres>,
    case: &Case,
    expected: u64,
) -> Result<bool> {
    let doc = encode("case", case)?;
    let (created_s, created_n) = seconds(case.created_at);
    let closed = case.closed_at.map(seconds);
    let (due_s, due_n) = seconds(case.resolution_due());
    let done = sqlx::query(
        "UPDATE cases SET version = version + 1, status = $3, owner_id = $4::uuid, \
         queue_id = $5::uuid, account_id = $6::uuid, tier = $7, priority = $8, escalated = $9, \
         sla_violated = $10, created_s = $11, created_n = $12, closed_s = $13, closed_n = $14, \
         resolution_due_s = $15, resolution_due_n = $16, doc = $17 \
         WHERE id = $1::uuid AND version = $2",
    )
    .bind(uuid_text(case.id.as_uuid()))
    .bind(to_db(expected)?)
    .bind(case.status.label())
    .bind(case.owner.map(|o| uuid_text(o.as_uuid())))
    .bind(case.queue.map(|q| uuid_text(q.as_uuid())))
    .bind(uuid_text(case.account.as_uuid()))
    .bind(case.sla_tier.label())
    .bind(priority_rank(case.priority))
    .bind(case.is_escalated())
    .bind(case.is_sla_violated)
    .bind(created_s)
    .bind(created_n)
    .bind(closed.map(|c| c.0))
    .bind(closed.map(|c| c.1))
    .bind(due_s)
    .bind(due_n)
    .bind(doc)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

impl PostgresRepository {
    /// The body of [`Repository::commit`], inside `tx`.
    async fn commit_in(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        work: &UnitOfWork,
    ) -> Result<Committed> {
        // 1. Lock what the unit depends on and check every precondition, in the
        //    reference's order: cases, router, articles, sequences.
        let locked = lock_all(tx, work).await?;
        let (stored, numbers) = (&locked.cases, &locked.numbers);
        let mut ids = HashSet::new();
        let mut new_numbers = HashSet::new();
        for write in &work.cases {
            let case = write.case();
            if !ids.insert(case.id) {
                return Err(Error::validation(
                    "unit of work",
                    format!("case {} is written twice", case.id),
                ));
            }
            match write {
                CaseWrite::Insert { .. } => {
                    if stored.contains_key(&case.id) {
                        return Err(Error::AlreadyExists {
                            kind: "case",
                            key: case.id.to_string(),
                        });
                    }
                    let number = case.number.to_string();
                    if numbers.contains(&number) || !new_numbers.insert(case.number) {
                        return Err(Error::AlreadyExists {
                            kind: "case number",
                            key: number,
                        });
                    }
                }
                CaseWrite::Update { expected, .. } => {
                    let current = stored
                        .get(&case.id)
                        .ok_or_else(|| not_found("case", case.id))?;
                    if current.version != *expected {
                        return Err(conflict(*expected, current.version));
                    }
                    if current.number != case.number.to_string() {
                        return Err(Error::validation(
                            "case",
                            "the case number of a stored case cannot change",
                        ));
                    }
                }
            }
        }
        if let Some(router) = &work.router {
            let current = locked.router;
            match (current, router.expected) {
                (Some(_), None) => {
                    return Err(Error::AlreadyExists {
                        kind: "router state",
                        key: "router".into(),
                    });
                }
                (None, Some(_)) => return Err(not_found("router state", "router")),
                (Some(version), Some(expected)) if version != expected => {
                    return Err(conflict(expected, version));
                }
                _ => {}
            }
        }
        let article_versions = &locked.articles;
        let mut articles = HashSet::new();
        for write in &work.articles {
            let id = write.value.id;
            if !articles.insert(id) {
                return Err(Error::validation(
                    "unit of work",
                    format!("article {id} is written twice"),
                ));
            }
            match (
                article_versions.get(&uuid_text(id.as_uuid())),
                write.expected,
            ) {
                (Some(_), None) => {
                    return Err(Error::AlreadyExists {
                        kind: "article",
                        key: id.to_string(),
                    });
                }
                (None, Some(_)) => return Err(not_found("article", id)),
                (Some(version), Some(expected)) if *version != expected => {
                    return Err(conflict(expected, *version));
                }
                _ => {}
            }
        }
        let counters = check_sequences(work, &locked.sequences)?;

        // 2. Write. Locked rows cannot have changed; a row inserted by a racing
        //    commit since the checks fails the unit (rolled back by the caller).
        let mut committed = Committed::default();
        for write in &work.cases {
            let case = write.case();
            match write {
                CaseWrite::Insert { .. } => {
                    if !case_insert(tx, case).await? {
                        return Err(self.classify_case_race(case).await);
                    }
                    committed.case_versions.push((case.id, 1));
                }
                CaseWrite::Update { expected, .. } => {
                    if !case_update(tx, case, *expected).await? {
                        return Err(Error::Internal {
                            what: format!("locked case {} changed during its commit", case.id),
                        });
                    }
                    committed
                        .case_versions
                        .push((case.id, expected.saturating_add(1)));
                }
            }
        }
        if let Some(router) = &work.router {
            let doc = encode("router state", &router.value)?;
            let version = match router.expected {
                None => {
                    let done = sqlx::query(
                        "INSERT INTO router (singleton, version, doc) VALUES (true, 1, $1) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(doc)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    if done.rows_affected() != 1 {
                        return Err(Error::AlreadyExists {
                            kind: "router state",
                            key: "router".into(),
                        });
                    }
                    1
                }
                Some(expected) => {
                    sqlx::query("UPDATE router SET version = version + 1, doc = $1")
                        .bind(doc)
                        .execute(&mut **tx)
                        .await
                        .map_err(db)?;
                    expected.saturating_add(1)
                }
            };
            committed.router_version = Some(version);
        }
        for write in &work.articles {
            let article = &write.value;
            let doc = encode("article", article)?;
            let id = uuid_text(article.id.as_uuid());
            let version = match write.expected {
                None => {
                    let done = sqlx::query(
                        "INSERT INTO articles (id, number_year, number_seq, version, doc) \
                         VALUES ($1::uuid, $2, $3, 1, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(article.number.year())
                    .bind(i64::from(article.number.sequence()))
                    .bind(doc)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    if done.rows_affected() != 1 {
                        return Err(Error::AlreadyExists {
                            kind: "article",
                            key: article.id.to_string(),
                        });
                    }
                    1
                }
                Some(expected) => {
                    sqlx::query(
                        "UPDATE articles SET version = version + 1, number_year = $2, \
                         number_seq = $3, doc = $4 WHERE id = $1::uuid",
                    )
                    .bind(id)
                    .bind(article.number.year())
                    .bind(i64::from(article.number.sequence()))
                    .bind(doc)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    expected.saturating_add(1)
                }
            };
            committed.article_versions.push((article.id, version));
        }
        // 3. One statement for the tail: the sequence counters (each guarded
        //    by the counter it was checked against, so a year's first number
        //    inserted by a racing commit fails the guard), then the events,
        //    appended after the feed head, whose row lock orders appends.
        let count = work.event_count();
        if count > 0 || !counters.is_empty() {
            let mut cases = Vec::with_capacity(count);
            let mut docs = Vec::with_capacity(count);
            for write in &work.cases {
                for event in write.events() {
                    cases.push(uuid_text(write.case().id.as_uuid()));
                    docs.push(encode("event", event)?);
                }
            }
            let kinds: Vec<&str> = counters.iter().map(|c| kind_key(c.0)).collect();
            let years: Vec<i32> = counters.iter().map(|c| c.1).collect();
            let befores: Vec<i64> = counters.iter().map(|c| i64::from(c.2)).collect();
            let afters: Vec<i64> = counters.iter().map(|c| i64::from(c.3)).collect();
            let row = sqlx::query(
                "WITH seq AS (INSERT INTO sequences (kind, year, value) \
                     SELECT kind, year, after FROM UNNEST($4::text[], $5::integer[], $7::bigint[]) \
                         AS q(kind, year, after) \
                     ON CONFLICT (kind, year) DO UPDATE SET value = EXCLUDED.value \
                     WHERE sequences.value = (SELECT q.before \
                         FROM UNNEST($4::text[], $5::integer[], $6::bigint[]) AS q(kind, year, before) \
                         WHERE q.kind = EXCLUDED.kind AND q.year = EXCLUDED.year) \
                     RETURNING 1), \
                 head AS (UPDATE feed_head SET position = position + $3 WHERE $3 > 0 \
                     RETURNING position - $3 AS base), \
                 ins AS (INSERT INTO events (position, case_id, doc) \
                     SELECT head.base + e.ord, e.case_id::uuid, e.doc \
                     FROM head, UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS e(case_id, doc, ord)) \
                 SELECT (SELECT count(*) FROM seq) AS claimed, (SELECT base FROM head) AS base",
            )
            .bind(cases)
            .bind(docs)
            .bind(limit(count))
            .bind(kinds)
            .bind(years)
            .bind(befores)
            .bind(afters)
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
            let claimed: i64 = row.try_get("claimed").map_err(db)?;
            if usize::try_from(claimed).ok() != Some(counters.len()) {
                // A racing commit created a year's counter first.
                for (kind, year, before, _) in &counters {
                    let actual = self.current_sequence(*kind, *year).await?;
                    if actual != *before {
                        return Err(conflict(u64::from(*before), u64::from(actual)));
                    }
                }
                return Err(Error::Internal {
                    what: format!(
                        "{claimed} of {} sequence counters were written",
                        counters.len()
                    ),
                });
            }
            let base: Option<i64> = row.try_get("base").map_err(db)?;
            if let Some(base) = base {
                committed.first_position = Some(from_db(base)?.saturating_add(1));
            }
        }
        Ok(committed)
    }

    /// Why a checked case insert found its id or number taken: a racing commit
    /// inserted it since the checks.
    async fn classify_case_race(&self, case: &Case) -> Error {
        let taken = sqlx::query("SELECT 1 AS one FROM cases WHERE id = $1::uuid")
            .bind(uuid_text(case.id.as_uuid()))
            .fetch_optional(&self.pool)
            .await;
        match taken {
            Ok(Some(_)) => Error::AlreadyExists {
                kind: "case",
                key: case.id.to_string(),
            },
            Ok(None) => Error::AlreadyExists {
                kind: "case number",
                key: case.number.to_string(),
            },
            Err(e) => db(e),
        }
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        match self.commit_in(&mut tx, work).await {
            Ok(committed) => {
                tx.commit().await.map_err(db)?;
                Ok(committed)
            }
            Err(e) => {
                // Dropping the transaction would roll back too; an explicit
                // rollback returns the connection clean. A failed rollback (the
                // connection is gone) leaves the server to roll back.
                let _ = tx.rollback().await;
                Err(e)
            }
        }
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
        // One statement, one snapshot: the total and the page agree.
        let mut b = QueryBuilder::<Postgres>::new(
            "WITH m AS (SELECT id, doc, version, priority, created_s, created_n, closed_s, \
             closed_n, resolution_due_s, resolution_due_n FROM cases WHERE true",
        );
        push_filters(&mut b, query);
        b.push(
            ") SELECT t.total, p.doc, p.version FROM (SELECT count(*) AS total FROM m) t \
                LEFT JOIN LATERAL (SELECT doc, version FROM m",
        );
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

    async fn put_contact(&self, contact: &Contact, expected: Option<u64>) -> Result<u64> {
        self.put_record(
            "contacts",
            "contact",
            uuid_text(contact.id.as_uuid()),
            Some(contact.email.to_ascii_lowercase()),
            encode("contact", contact)?,
            expected,
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
