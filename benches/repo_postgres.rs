//! `PostgresRepository` throughput against a real server
//! (`HOTCRM_PG_URL=postgres://... cargo bench --bench repo_postgres --features postgres`).
//! Each run creates its own database on that server (and drops it afterwards).
//! Without `HOTCRM_PG_URL` (or without the `postgres` feature) it prints a notice
//! and registers nothing.
//!
//! `repo/postgres/create_case`: one `SupportDesk::create_case` through
//! `PostgresRepository::connect` (`Durability::Flushed`) from one desk, one
//! call at a time: validation, entitlement, AI, escalation rules and the
//! commit (one transaction: case row, creation events on the feed, sequence
//! claim), in cases per second. Target: at least 2,000 per second (under
//! 500 µs each). `repo/postgres/create_case_buffered`: the same with
//! `Durability::Buffered` (`synchronous_commit = off`).
//! `repo/postgres/baseline/{select_1,insert_commit,insert_commit_buffered}`:
//! the ceilings of the server and disk — one round trip, one autocommit insert
//! of a small row flushed / not flushed.
//! `repo/postgres/create_case_concurrent{,_buffered}/{1,2,4}_desks`: 8 tasks
//! per desk, each desk with its own store (`connect_with`) on the same
//! database, 16 creations per task per iteration: cases per second across
//! desks (creations queued on one desk share a commit: the desk's group commit).
//! `repo/postgres/create_case_one_caller_per_desk/{1,2,4}_desks`: the same with
//! one task per desk, so each desk commits one creation at a time and the
//! desks meet only in the store (the counter row, the feed head).
//! `repo/postgres/list_cases/first_page_100k`: the first page of 50 of the
//! open-cases view over 100,000 cases, with the total.
//! `repo/postgres/sweep/100k_cases`: one sweep over 100,000 open cases when
//! nothing is due (the steady state of a periodic sweep): the keyset scan of
//! every open case in id order, decoding each, deciding nothing fires. Target:
//! under 2 s. `repo/memory/{sweep/100k_cases,list_cases/first_page_100k}`: the
//! same over MemoryRepository.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[cfg(feature = "postgres")]
use criterion::Throughput;
use criterion::{Criterion, criterion_group, criterion_main};

#[cfg(feature = "postgres")]
fn bench(c: &mut Criterion) {
    use std::str::FromStr;
    use std::sync::Arc;

    use chrono::TimeDelta;
    use hotcrm_support::case::{Case, CaseRules, ListView, NewCase, Page, Priority};
    use hotcrm_support::clock::ManualClock;
    use hotcrm_support::desk::{CaseRequest, SupportDesk};
    use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    use hotcrm_support::repo::{
        Account, Durability, MemoryRepository, PostgresRepository, Repository, SequenceKind,
        UnitOfWork,
    };
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sqlx::{Connection, Executor};

    let Ok(url) = std::env::var("HOTCRM_PG_URL") else {
        eprintln!("repo_postgres: HOTCRM_PG_URL is not set, no benchmark registered");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = PgConnectOptions::from_str(&url).unwrap();
    let fresh_with = |label: &str, durability: Durability| {
        let name = format!("hotcrm_bench_{label}_{}", uuid::Uuid::new_v4().simple());
        rt.block_on(async {
            let mut admin = sqlx::PgConnection::connect_with(&server).await.unwrap();
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            admin.close().await.unwrap();
            let url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
            let repo = PostgresRepository::connect_with(&url, durability)
                .await
                .unwrap();
            repo.migrate().await.unwrap();
            (Arc::new(repo), name)
        })
    };
    let fresh = |label: &str| fresh_with(label, Durability::Flushed);
    let drop_database = |repo: Arc<PostgresRepository>, name: String| {
        rt.block_on(async {
            repo.close().await;
            let mut admin = sqlx::PgConnection::connect_with(&server).await.unwrap();
            let _ = admin
                .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
                .await;
        });
    };

    let account = AccountId::from_u128(1);
    let start = "2026-01-05T14:00:00Z".parse().unwrap();

    // create_case: one desk, one creation per iteration, with each
    // durability (`create_case` is `connect`'s default, `Flushed`).
    for (label, durability) in [
        ("create_case", Durability::Flushed),
        ("create_case_buffered", Durability::Buffered),
    ] {
        let (repo, name) = fresh_with("create", durability);
        rt.block_on(repo.put_account(&Account::new(account, "Acme"), None))
            .unwrap();
        let desk = SupportDesk::builder(Arc::clone(&repo))
            .clock(ManualClock::new(start))
            .build();
        let mut group = c.benchmark_group("repo/postgres");
        group.throughput(Throughput::Elements(1));
        group.bench_function(label, |b| {
            b.iter(|| {
                let req = CaseRequest::new(
                    account,
                    "Cannot export invoices",
                    "The CSV export of last month's invoices fails with an error.",
                )
                .priority(Priority::Medium);
                let out = rt.block_on(desk.create_case(req)).unwrap();
                assert_eq!(out.case.version, 1);
            })
        });
        group.finish();
        drop(desk);
        drop_database(repo, name);
    }

    // baseline/*: the ceilings of this server and machine, on one pooled
    // connection: one round trip (`SELECT 1`), and one autocommit insert of a
    // small row (a round trip, a WAL record and, with `synchronous_commit =
    // on`, its flush) — the least any commit costs.
    {
        let (repo, name) = fresh("baseline");
        rt.block_on(
            repo.pool()
                .execute("CREATE TABLE baseline (id bigserial PRIMARY KEY, doc text NOT NULL)"),
        )
        .unwrap();
        let mut group = c.benchmark_group("repo/postgres/baseline");
        group.throughput(Throughput::Elements(1));
        group.bench_function("select_1", |b| {
            b.iter(|| {
                let one: i32 = rt
                    .block_on(sqlx::query_scalar("SELECT 1").fetch_one(repo.pool()))
                    .unwrap();
                assert_eq!(one, 1);
            })
        });
        for (label, setting) in [("insert_commit", "on"), ("insert_commit_buffered", "off")] {
            rt.block_on(repo.pool().execute(
                format!("ALTER DATABASE {name} SET synchronous_commit = {setting}").as_str(),
            ))
            .unwrap();
            // New connections pick the setting up.
            let pool = rt
                .block_on(
                    PgPoolOptions::new()
                        .max_connections(1)
                        .connect_with(server.clone().database(&name)),
                )
                .unwrap();
            group.bench_function(label, |b| {
                b.iter(|| {
                    rt.block_on(
                        sqlx::query("INSERT INTO baseline (doc) VALUES ($1)")
                            .bind("a small document")
                            .execute(&pool),
                    )
                    .unwrap();
                })
            });
            rt.block_on(pool.close());
        }
        group.finish();
        drop_database(repo, name);
    }

    // create_case_concurrent/{1,2,4}_desks: each desk (its own pool of 10
    // connections, as separate processes would have) runs 8 tasks of
    // PER_TASK creations per iteration on one database: cases per second in
    // all. Creations queued on one desk share a commit (group commit).
    // create_case_one_caller_per_desk: the same with one task per desk (no
    // group forms; desks meet only in the store).
    const PER_TASK: usize = 16;
    let mt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for (label, durability, callers) in [
        ("create_case_concurrent", Durability::Flushed, 8),
        ("create_case_concurrent_buffered", Durability::Buffered, 8),
        ("create_case_one_caller_per_desk", Durability::Flushed, 1),
    ] {
        let (repo, name) = fresh("many");
        rt.block_on(repo.put_account(&Account::new(account, "Acme"), None))
            .unwrap();
        let mut group = c.benchmark_group(format!("repo/postgres/{label}"));
        group.sample_size(20);
        let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
        for desks in [1usize, 2, 4] {
            let all: Vec<Arc<SupportDesk>> = (0..desks)
                .map(|_| {
                    let repo = mt
                        .block_on(PostgresRepository::connect_with(&db_url, durability))
                        .unwrap();
                    Arc::new(
                        SupportDesk::builder(Arc::new(repo))
                            .clock(ManualClock::new(start))
                            .build(),
                    )
                })
                .collect();
            group.throughput(Throughput::Elements((desks * callers * PER_TASK) as u64));
            group.bench_function(format!("{desks}_desks"), |b| {
                b.iter(|| {
                    mt.block_on(async {
                        let mut tasks = Vec::new();
                        for desk in &all {
                            for _ in 0..callers {
                                let desk = Arc::clone(desk);
                                tasks.push(tokio::spawn(async move {
                                    for _ in 0..PER_TASK {
                                        desk.create_case(CaseRequest::new(
                                            account,
                                            "Cannot export invoices",
                                            "The CSV export fails.",
                                        ))
                                        .await
                                        .unwrap();
                                    }
                                }));
                            }
                        }
                        for task in tasks {
                            task.await.unwrap();
                        }
                    })
                })
            });
        }
        group.finish();
        drop_database(repo, name);
    }
    drop(mt);

    // sweep/100k_cases: 100,000 open cases inserted in batches of 1,000 cases
    // per commit, then a sweep one minute later, when nothing is due.
    let (repo, name) = fresh("sweep");
    rt.block_on(repo.put_account(&Account::new(account, "Acme"), None))
        .unwrap();
    let rules = CaseRules::default();
    let load = |repo: &dyn Repository| {
        rt.block_on(async {
            for batch in 0..100u32 {
                let mut work = UnitOfWork::new();
                for i in 0..1000u32 {
                    let n = batch * 1000 + i + 1;
                    let mut new = NewCase::new(
                        CaseId::new(),
                        CaseNumber::new(2026, n).unwrap(),
                        account,
                        format!("Ticket {n}"),
                        "Something is not working as expected.",
                    );
                    new.priority =
                        [Priority::Low, Priority::Medium, Priority::High][(n % 3) as usize];
                    let (case, events) = Case::create(new, start, &rules).unwrap();
                    work = work
                        .insert_case(case, events)
                        .claim(SequenceKind::Case, 2026, n);
                }
                repo.commit(&work).await.unwrap();
            }
        })
    };
    load(&*repo);
    rt.block_on(async {
        // The statistics and visibility map autovacuum keeps on a live
        // server after 100k inserts (the steady state the benches measure).
        repo.pool().execute("VACUUM ANALYZE").await.unwrap();
    });
    let clock = ManualClock::new(start + TimeDelta::minutes(1));
    let desk = SupportDesk::builder(Arc::clone(&repo)).clock(clock).build();
    let mut group = c.benchmark_group("repo/postgres/sweep");
    group.sample_size(10);
    group.bench_function("100k_cases", |b| {
        b.iter(|| {
            let report = rt.block_on(desk.sweep()).unwrap();
            assert_eq!(report.scanned, 100_000);
            assert_eq!(report.changed, 0);
            report
        })
    });
    group.finish();

    // The same sweep and list over MemoryRepository.
    let memory = Arc::new(MemoryRepository::new());
    rt.block_on(memory.put_account(&Account::new(account, "Acme"), None))
        .unwrap();
    load(&*memory);
    let memory_desk = SupportDesk::builder(Arc::clone(&memory))
        .clock(ManualClock::new(start + TimeDelta::minutes(1)))
        .build();
    let mut group = c.benchmark_group("repo/memory/sweep");
    group.sample_size(10);
    group.bench_function("100k_cases", |b| {
        b.iter(|| {
            let report = rt.block_on(memory_desk.sweep()).unwrap();
            assert_eq!(report.scanned, 100_000);
            assert_eq!(report.changed, 0);
            report
        })
    });
    group.finish();
    let query = ListView::Open.query(start + TimeDelta::minutes(1));
    let mut group = c.benchmark_group("repo/memory/list_cases");
    group.sample_size(20);
    group.bench_function("first_page_100k", |b| {
        b.iter(|| {
            let page = rt
                .block_on(memory.list_cases(&query, Page::first(50)))
                .unwrap();
            assert_eq!((page.items.len(), page.total), (50, 100_000));
        })
    });
    group.finish();
    drop(memory_desk);
    drop(memory);

    // list_cases/first_page_100k: the first page of 50 of `ListView::Open`
    // (priority then age) over the same 100,000 open cases, with the total.
    let query = ListView::Open.query(start + TimeDelta::minutes(1));
    let mut group = c.benchmark_group("repo/postgres/list_cases");
    group.sample_size(20);
    group.bench_function("first_page_100k", |b| {
        b.iter(|| {
            let page = rt
                .block_on(repo.list_cases(&query, Page::first(50)))
                .unwrap();
            assert_eq!((page.items.len(), page.total), (50, 100_000));
        })
    });
    group.finish();
    drop(desk);
    drop_database(repo, name);
}

#[cfg(not(feature = "postgres"))]
fn bench(_: &mut Criterion) {
    eprintln!("repo_postgres: built without the postgres feature, no benchmark registered");
}

criterion_group!(benches, bench);
criterion_main!(benches);
