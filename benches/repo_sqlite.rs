//! `SqliteRepository` next to `MemoryRepository`
//! (`cargo bench --bench repo_sqlite --features sqlite`).
//!
//! `repo/{sqlite,memory}/create_case`: one `SupportDesk::create_case` (one
//! commit of the case, its events and its sequence claim), on a SQLite file in
//! the temp dir (WAL, `Durability::Buffered`) and in memory, in cases per
//! second. Target: SQLite at least 5,000 per second.
//! `repo/sqlite/create_case_flushed`: the same with `Durability::Flushed`.
//! `repo/sqlite/baseline/{select_1,insert_commit}`: the ceilings — one call to
//! a connection's worker thread, one single-row transaction in one call.
//! `repo/sqlite/create_case_x16`: 16 tasks sharing one desk on a file, 16
//! creations each per iteration (cases per second under concurrency; the
//! desk's group commit lets creations queued behind a commit share the next
//! one). `..._solo`: the same with `DeskConfig::group_creations` off (one
//! commit per creation). `create_case_flushed_x16{,_solo}`: both with
//! `Durability::Flushed`. `create_case_x16_current_thread`: the grouped load
//! on a current-thread runtime instead of two workers.
//! `repo/{sqlite,memory}/list_cases/first_page_100k`: the first page of 50 of
//! `ListView::Open` (every case matches; priority then age) over 100,000 cases,
//! with the total count.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hotcrm_support::case::{Case, CaseRules, ListView, NewCase, Page, Priority};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, SupportDesk};
use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
use hotcrm_support::repo::{
    Account, Durability, MemoryRepository, Repository, SequenceKind, SqliteRepository, UnitOfWork,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

const ACCOUNT: AccountId = AccountId::from_u128(1);

/// Creations per task per iteration of the `x16` benches: enough that the
/// start and end of an iteration (fewer than 16 in flight) weigh little.
const PER_TASK: usize = 16;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh SQLite file in the temp dir (any earlier one removed).
fn sqlite_file(rt: &tokio::runtime::Runtime, tag: &str) -> (SqliteRepository, std::path::PathBuf) {
    sqlite_file_with(rt, tag, Durability::Buffered)
}

fn sqlite_file_with(
    rt: &tokio::runtime::Runtime,
    tag: &str,
    durability: Durability,
) -> (SqliteRepository, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("hotcrm-bench-{tag}-{}.db", std::process::id()));
    remove(&path);
    let repo = rt
        .block_on(SqliteRepository::connect_with(
            &format!("sqlite://{}?mode=rwc", path.display()),
            durability,
        ))
        .unwrap();
    rt.block_on(repo.migrate()).unwrap();
    (repo, path)
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn desk_over(rt: &tokio::runtime::Runtime, repo: Arc<dyn Repository>) -> SupportDesk {
    desk_with(rt, repo, DeskConfig::default())
}

fn desk_with(
    rt: &tokio::runtime::Runtime,
    repo: Arc<dyn Repository>,
    config: DeskConfig,
) -> SupportDesk {
    rt.block_on(repo.put_account(&Account::new(ACCOUNT, "Acme"), None))
        .unwrap();
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    SupportDesk::builder(repo)
        .clock(clock)
        .config(config)
        .build()
}

/// 16 tasks creating `PER_TASK` cases each on `desk`, all awaited.
async fn sixteen_tasks(desk: &Arc<SupportDesk>) {
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let desk = Arc::clone(desk);
        tasks.push(tokio::spawn(async move {
            for _ in 0..PER_TASK {
                desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am"))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

fn create_case(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("repo");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));

    // One desk.create_case through SqliteRepository on a file: cases per second.
    let (sqlite, path) = sqlite_file(&rt, "create");
    let desk = desk_over(&rt, Arc::new(sqlite.clone()));
    group.bench_function("sqlite/create_case", |b| {
        b.iter(|| {
            let out = rt
                .block_on(desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am")))
                .unwrap();
            assert_eq!(out.case.version, 1);
        });
    });
    drop(desk);
    rt.block_on(sqlite.pool().close());
    remove(&path);

    // The same with `Durability::Flushed` (an fsync of the WAL per commit).
    let (sqlite, path) = sqlite_file_with(&rt, "flushed", Durability::Flushed);
    let desk = desk_over(&rt, Arc::new(sqlite.clone()));
    group.bench_function("sqlite/create_case_flushed", |b| {
        b.iter(|| {
            let out = rt
                .block_on(desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am")))
                .unwrap();
            assert_eq!(out.case.version, 1);
        });
    });
    drop(desk);
    rt.block_on(sqlite.pool().close());
    remove(&path);

    // baseline/*: the ceilings, on one sqlx connection to a WAL file with
    // `synchronous = NORMAL`: one call to the connection's worker thread
    // (`SELECT 1`), and one transaction inserting a small row in one call
    // (`BEGIN IMMEDIATE; INSERT; COMMIT`), the least a commit costs.
    let path = std::env::temp_dir().join(format!("hotcrm-bench-raw-{}.db", std::process::id()));
    remove(&path);
    let mut conn = rt
        .block_on(SqliteConnection::connect_with(
            &SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal),
        ))
        .unwrap();
    rt.block_on(
        sqlx::query("CREATE TABLE raw (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
            .execute(&mut conn),
    )
    .unwrap();
    group.bench_function("sqlite/baseline/select_1", |b| {
        b.iter(|| {
            let one: i32 = rt
                .block_on(sqlx::query_scalar("SELECT 1").fetch_one(&mut conn))
                .unwrap();
            assert_eq!(one, 1);
        });
    });
    group.bench_function("sqlite/baseline/insert_commit", |b| {
        b.iter(|| {
            rt.block_on(
                sqlx::raw_sql(
                    "BEGIN IMMEDIATE; INSERT INTO raw (doc) VALUES ('a small document'); COMMIT;",
                )
                .execute(&mut conn),
            )
            .unwrap();
        });
    });
    rt.block_on(conn.close()).unwrap();
    remove(&path);

    // 16 concurrent tasks on one desk over a SQLite file, PER_TASK creations each per
    // iteration: cases per second when a server shares one desk.
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for (label, durability, group_creations) in [
        ("sqlite/create_case_x16", Durability::Buffered, true),
        ("sqlite/create_case_x16_solo", Durability::Buffered, false),
        ("sqlite/create_case_flushed_x16", Durability::Flushed, true),
        (
            "sqlite/create_case_flushed_x16_solo",
            Durability::Flushed,
            false,
        ),
    ] {
        let (sqlite, path) = sqlite_file_with(&mt, "concurrent", durability);
        let mut config = DeskConfig::default();
        config.group_creations = group_creations;
        let desk = Arc::new(desk_with(&mt, Arc::new(sqlite.clone()), config));
        group.throughput(Throughput::Elements(16 * PER_TASK as u64));
        group.bench_function(label, |b| {
            b.iter(|| mt.block_on(sixteen_tasks(&desk)));
        });
        group.throughput(Throughput::Elements(1));
        drop(desk);
        mt.block_on(sqlite.pool().close());
        remove(&path);
    }
    drop(mt);

    // The grouped `x16` load on a current-thread runtime (the tasks share one
    // thread; SQLite's worker threads do the I/O): no scheduler hand-offs
    // between the runtime's workers on a 2-core machine.
    let (sqlite, path) = sqlite_file(&rt, "current");
    let desk = Arc::new(desk_over(&rt, Arc::new(sqlite.clone())));
    group.throughput(Throughput::Elements(16 * PER_TASK as u64));
    group.bench_function("sqlite/create_case_x16_current_thread", |b| {
        b.iter(|| rt.block_on(sixteen_tasks(&desk)));
    });
    group.throughput(Throughput::Elements(1));
    drop(desk);
    rt.block_on(sqlite.pool().close());
    remove(&path);

    // The same code on MemoryRepository.
    let desk = desk_over(&rt, Arc::new(MemoryRepository::new()));
    group.bench_function("memory/create_case", |b| {
        b.iter(|| {
            let out = rt
                .block_on(desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am")))
                .unwrap();
            assert_eq!(out.case.version, 1);
        });
    });
    group.finish();
}

/// Stores `n` cases in units of 1,000 inserts (one commit each).
fn fill(rt: &tokio::runtime::Runtime, repo: &dyn Repository, n: u32) {
    let start: DateTime<Utc> = "2026-01-05T14:00:00Z".parse().unwrap();
    let priorities = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Critical,
    ];
    let rules = CaseRules::default();
    let mut work = UnitOfWork::new();
    for i in 1..=n {
        let new = NewCase::new(
            CaseId::new(),
            CaseNumber::new(2026, i).unwrap(),
            ACCOUNT,
            "Printer jammed",
            "Paper stuck in tray 2",
        )
        .with_priority(priorities[(i % 4) as usize]);
        let created = start + TimeDelta::seconds(i64::from(i));
        let (case, events) = Case::create(new, created, &rules).unwrap();
        work = work
            .insert_case(case, events)
            .claim(SequenceKind::Case, 2026, i);
        if i % 1000 == 0 || i == n {
            rt.block_on(repo.commit(&work)).unwrap();
            work = UnitOfWork::new();
        }
    }
}

fn list_cases(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("repo");
    group.sample_size(20);
    let now: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
    let query = ListView::Open.query(now);

    // The first page of 50 of 100k open cases (with the total) on a SQLite file.
    let (sqlite, path) = sqlite_file(&rt, "list");
    fill(&rt, &sqlite, 100_000);
    group.bench_function("sqlite/list_cases/first_page_100k", |b| {
        b.iter(|| {
            let page = rt
                .block_on(sqlite.list_cases(&query, Page::first(50)))
                .unwrap();
            assert_eq!((page.items.len(), page.total), (50, 100_000));
        });
    });
    rt.block_on(sqlite.pool().close());
    remove(&path);

    // The same query on MemoryRepository.
    let memory = MemoryRepository::new();
    fill(&rt, &memory, 100_000);
    group.bench_function("memory/list_cases/first_page_100k", |b| {
        b.iter(|| {
            let page = rt
                .block_on(memory.list_cases(&query, Page::first(50)))
                .unwrap();
            assert_eq!((page.items.len(), page.total), (50, 100_000));
        });
    });
    group.finish();
}

criterion_group!(benches, create_case, list_cases);
criterion_main!(benches);
