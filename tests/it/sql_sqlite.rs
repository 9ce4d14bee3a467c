//! `SqliteRepository`: the conformance suite on an in-memory and a file
//! database, a desk that survives a restart, concurrent desks on one file, and
//! the refusal of a schema newer than the crate.
#![cfg(feature = "sqlite")]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use hotcrm_support::Error;
use hotcrm_support::case::{Author, CaseQuery, CaseStatus, NewComment, Resolution};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CommentId, QueueId};
use hotcrm_support::repo::{Account, Repository, SqliteRepository, conformance};
use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};

/// A database file in the temp dir, removed (with its WAL files) on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> TempDb {
        let name = format!(
            "hotcrm-sqlite-{tag}-{}-{}.db",
            std::process::id(),
            uuid_like()
        );
        TempDb(std::env::temp_dir().join(name))
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

fn uuid_like() -> String {
    AccountId::new().to_string()
}

async fn open(url: &str) -> SqliteRepository {
    let repo = SqliteRepository::connect(url).await.unwrap();
    repo.migrate().await.unwrap();
    repo
}

#[tokio::test]
async fn conformance_in_memory() {
    let repo = open("sqlite::memory:").await;
    conformance::run_all(&repo).await;
    let shared: Arc<dyn Repository> = Arc::new(repo);
    conformance::run_all(&shared).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_on_a_file() {
    let db = TempDb::new("conformance");
    let repo = open(&db.url()).await;
    conformance::run_all(&repo).await;
    let shared: Arc<dyn Repository> = Arc::new(repo.clone());
    conformance::run_all(&shared).await;
    repo.pool().close().await;
}

const ACCOUNT: AccountId = AccountId::from_u128(1);
const QUEUE: QueueId = QueueId::from_u128(1);

fn agent(i: usize) -> AgentId {
    AgentId::from_u128(100 + i as u128)
}

/// A desk with three available agents (capacity `capacity` each) in one
/// round-robin queue; the account and router are created when missing.
async fn desk_over(repo: Arc<dyn Repository>, clock: &ManualClock, capacity: u32) -> SupportDesk {
    if repo.get_account(ACCOUNT).await.is_err() {
        repo.put_account(&Account::new(ACCOUNT, "Acme"), None)
            .await
            .unwrap();
    }
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .build();
    if repo.get_router_state().await.unwrap().is_none() {
        desk.configure_routing(|router, _| {
            let mut queue = Queue::new(QUEUE, "Support", RoutingMethod::RoundRobin)?;
            for i in 0..3 {
                router.add_agent(
                    Agent::new(agent(i), format!("Agent {i}"), Capacity::cases(capacity)?)?
                        .with_status(AgentStatus::Available),
                )?;
                queue = queue.with_member(QueueMember::new(agent(i)));
            }
            router.add_queue(queue)?;
            router.set_default_queue(QUEUE)?;
            Ok(Vec::new())
        })
        .await
        .unwrap();
    }
    desk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_survives_a_restart() {
    let db = TempDb::new("restart");
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let (ids, router, feed) = {
        let repo = open(&db.url()).await;
        let shared: Arc<dyn Repository> = Arc::new(repo.clone());
        let desk = desk_over(shared.clone(), &clock, 5).await;
        let a = desk
            .create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am"))
            .await
            .unwrap()
            .case
            .value;
        let b = desk
            .create_case(CaseRequest::new(ACCOUNT, "Printer jammed", "tray 2"))
            .await
            .unwrap()
            .case
            .value;
        desk.assign(a.id, agent(2)).await.unwrap();
        desk.add_comment(
            a.id,
            NewComment::public(CommentId::from_u128(1), Author::Agent(agent(2)), "On it"),
        )
        .await
        .unwrap();
        desk.resolve(a.id, Resolution::new("Restarted the gateway"))
            .await
            .unwrap();
        desk.close(a.id).await.unwrap();
        let router = shared.get_router_state().await.unwrap().unwrap();
        let feed = shared.events_after(0, 10_000).await.unwrap();
        drop(desk);
        drop(shared);
        repo.pool().close().await;
        (vec![a.id, b.id], router, feed)
    };
    let repo = open(&db.url()).await;
    let shared: Arc<dyn Repository> = Arc::new(repo.clone());
    let closed = shared.get_case(ids[0]).await.unwrap();
    assert_eq!(closed.value.status, CaseStatus::Closed);
    assert_eq!(closed.value.owner, Some(agent(2)));
    assert_ne!(
        shared.get_case(ids[1]).await.unwrap().value.status,
        CaseStatus::Closed
    );
    assert_eq!(shared.get_router_state().await.unwrap(), Some(router));
    assert_eq!(shared.events_after(0, 10_000).await.unwrap(), feed);
    let all = shared
        .list_cases(&CaseQuery::default(), hotcrm_support::case::Page::first(10))
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    // The reopened desk keeps working on the stored state.
    let desk = desk_over(shared.clone(), &clock, 5).await;
    let c = desk
        .create_case(CaseRequest::new(ACCOUNT, "Third", "after restart"))
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(c.number.sequence(), 3, "numbers continue after the restart");
    repo.pool().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_share_one_file_desk() {
    let db = TempDb::new("concurrent");
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let repo = open(&db.url()).await;
    let shared: Arc<dyn Repository> = Arc::new(repo.clone());
    let desk = Arc::new(desk_over(shared.clone(), &clock, 100).await);
    let mut tasks = Vec::new();
    for t in 0..6u128 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..5u128 {
                let case = desk
                    .create_case(CaseRequest::new(
                        ACCOUNT,
                        format!("Task {t} case {i}"),
                        "text",
                    ))
                    .await?
                    .case
                    .value;
                desk.add_comment(
                    case.id,
                    NewComment::public(
                        CommentId::from_u128(t * 100 + i + 1),
                        Author::Agent(agent(0)),
                        "Looking",
                    ),
                )
                .await?;
                numbers.push(case.number.sequence());
            }
            Ok::<_, Error>(numbers)
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        for n in task.await.unwrap().unwrap() {
            assert!(numbers.insert(n), "number {n} is unique");
        }
    }
    assert_eq!(numbers, (1..=30).collect::<BTreeSet<u32>>(), "gap-free");
    let feed = shared.events_after(0, 100_000).await.unwrap();
    assert!(
        feed.iter()
            .zip(1u64..)
            .all(|(entry, position)| entry.position == position),
        "the feed is gap-free"
    );
    repo.pool().close().await;
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let db = TempDb::new("future");
    let repo = open(&db.url()).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', 1, x'00', 0)",
    )
    .execute(repo.pool())
    .await
    .unwrap();
    let err = repo.migrate().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Validation {
                field: "database schema",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("99990101000000"), "{err}");
    assert!(err.to_string().contains("newer version"), "{err}");
    repo.pool().close().await;
}

#[tokio::test]
async fn an_undecodable_document_is_a_storage_error_naming_it() {
    let repo = open("sqlite::memory:").await;
    repo.put_account(&Account::new(ACCOUNT, "Acme"), None)
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET doc = '{\"id\": 1}'")
        .execute(repo.pool())
        .await
        .unwrap();
    let err = repo.get_account(ACCOUNT).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err}");
    assert!(err.to_string().contains("accounts"), "{err}");
    assert!(err.to_string().contains(&ACCOUNT.to_string()), "{err}");
}

#[tokio::test]
async fn a_bad_url_is_a_storage_error() {
    let err = SqliteRepository::connect("sqlite:///no/such/dir/x.db")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err}");
}

/// Many concurrent creations on one desk (default retry budget) all succeed
/// with gap-free numbers: the desk's numbering lane keeps its own creations
/// from racing each other for a number (before it, sixteen tasks exhausted
/// the retries with `Conflict`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_concurrent_creators_on_one_desk_all_succeed() {
    let db = TempDb::new("lane");
    let repo = open(&db.url()).await;
    let shared: Arc<dyn Repository> = Arc::new(repo.clone());
    shared
        .put_account(&Account::new(ACCOUNT, "Acme"), None)
        .await
        .unwrap();
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let desk = Arc::new(SupportDesk::builder(shared.clone()).clock(clock).build());
    let mut tasks = Vec::new();
    for t in 0..16 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..15 {
                let out = desk
                    .create_case(CaseRequest::new(
                        ACCOUNT,
                        format!("Task {t} case {i}"),
                        "text",
                    ))
                    .await?;
                numbers.push(out.case.value.number.sequence());
            }
            Ok::<_, Error>(numbers)
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        for n in task.await.unwrap().unwrap() {
            assert!(numbers.insert(n), "number {n} is unique");
        }
    }
    assert_eq!(numbers, (1..=240).collect::<BTreeSet<u32>>());
    let events = shared.events_after(0, 10_000).await.unwrap();
    let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=positions.len() as u64).collect::<Vec<_>>());
}

/// `synchronous` of a connection of the pool (1 NORMAL, 2 FULL).
async fn synchronous(repo: &SqliteRepository) -> i64 {
    sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(repo.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn durability_chooses_the_flush_of_a_commit() {
    use hotcrm_support::repo::Durability;
    let db = TempDb::new("durability");
    // `connect` keeps WAL with synchronous = NORMAL (Buffered).
    let repo = open(&db.url()).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(synchronous(&repo).await, 1);
    repo.put_account(&Account::new(ACCOUNT, "Acme"), None)
        .await
        .unwrap();
    repo.pool().close().await;
    drop(repo);

    // Flushed: synchronous = FULL; what Buffered committed is there, and a
    // desk command commits through it.
    let repo = SqliteRepository::connect_with(&db.url(), Durability::Flushed)
        .await
        .unwrap();
    repo.migrate().await.unwrap();
    assert_eq!(synchronous(&repo).await, 2);
    assert_eq!(repo.get_account(ACCOUNT).await.unwrap().value.name, "Acme");
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let shared: Arc<dyn Repository> = Arc::new(repo.clone());
    let desk = SupportDesk::builder(shared).clock(clock).build();
    let out = desk
        .create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am"))
        .await
        .unwrap();
    assert_eq!(repo.get_case(out.case.value.id).await.unwrap().version, 1);
    repo.pool().close().await;
}

/// A failed commit through the one-call script (its guard or a unique
/// violation stops it before the COMMIT) is rolled back on the store's writer
/// connection: the next commit on it succeeds and nothing of the failed one
/// is stored.
#[tokio::test]
async fn a_failed_commit_leaves_the_writer_ready() {
    use hotcrm_support::case::{Case, CaseRules, NewCase};
    use hotcrm_support::ids::{CaseId, CaseNumber};
    use hotcrm_support::repo::{SequenceKind, UnitOfWork};
    let db = TempDb::new("rollback");
    let repo = open(&db.url()).await;
    let at = "2026-01-05T14:00:00Z".parse().unwrap();
    let case = |n: u32| {
        let new = NewCase::new(
            CaseId::new(),
            CaseNumber::new(2026, n).unwrap(),
            ACCOUNT,
            "Printer jammed",
            "tray 2",
        );
        Case::create(new, at, &CaseRules::default()).unwrap()
    };
    let (first, events) = case(1);
    repo.commit(&UnitOfWork::new().insert_case(first.clone(), events).claim(
        SequenceKind::Case,
        2026,
        1,
    ))
    .await
    .unwrap();
    // A stale update (guard) and a duplicate insert (unique violation), each
    // with a second case that must not be stored.
    let (stray, stray_events) = case(2);
    let stale = UnitOfWork::new()
        .insert_case(stray.clone(), stray_events.clone())
        .update_case(first.clone(), 7, Vec::new());
    let err = repo.commit(&stale).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    let (again, again_events) = case(1);
    let duplicate = UnitOfWork::new()
        .insert_case(stray.clone(), stray_events)
        .insert_case(again, again_events);
    let err = repo.commit(&duplicate).await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert!(matches!(
        repo.get_case(stray.id).await,
        Err(Error::NotFound { .. })
    ));
    // The writer is not left inside a transaction.
    let (next, next_events) = case(2);
    repo.commit(
        &UnitOfWork::new()
            .insert_case(next.clone(), next_events)
            .claim(SequenceKind::Case, 2026, 2),
    )
    .await
    .unwrap();
    assert_eq!(repo.get_case(next.id).await.unwrap().version, 1);
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap(),
        2
    );
    repo.pool().close().await;
}

/// Contacts written before emails were unique may share one: they stay
/// readable and updatable, and no new contact (or email change) takes the
/// shared email. A racing pair of inserts of one new email stores one.
#[tokio::test]
async fn contacts_that_already_share_an_email_keep_it_to_themselves() {
    use hotcrm_support::Error;
    use hotcrm_support::ids::ContactId;
    use hotcrm_support::repo::{Contact, UnitOfWork};
    let db = TempDb::new("contacts");
    let repo = open(&db.url()).await;
    let account = AccountId::from_u128(1);
    let contact =
        |id: u128, email: &str| Contact::new(ContactId::from_u128(id), account, "C", email);
    let (a, b) = (contact(1, "dup@x.example"), contact(2, "DUP@x.example"));
    for c in [&a, &b] {
        sqlx::query("INSERT INTO contacts (id, email, version, doc) VALUES (?, ?, 1, ?)")
            .bind(c.id.to_string())
            .bind(&c.email)
            .bind(serde_json::to_string(c).unwrap())
            .execute(repo.pool())
            .await
            .unwrap();
    }
    let mut renamed = b.clone();
    renamed.name = "Renamed".into();
    assert_eq!(repo.put_contact(&renamed, Some(1)).await.unwrap(), 2);
    assert_eq!(repo.get_contact(b.id).await.unwrap().value, renamed);
    assert!(matches!(
        repo.put_contact(&contact(3, " Dup@X.example "), None).await,
        Err(Error::AlreadyExists {
            kind: "contact email",
            ..
        })
    ));
    repo.put_contact(&contact(4, "solo@x.example"), None)
        .await
        .unwrap();
    let mut onto_solo = a.clone();
    onto_solo.email = "solo@x.example".into();
    assert!(matches!(
        repo.put_contact(&onto_solo, Some(1)).await,
        Err(Error::AlreadyExists {
            kind: "contact email",
            ..
        })
    ));
    assert_eq!(
        repo.get_contact(a.id).await.unwrap().value,
        a,
        "nothing written"
    );
    // Concurrent inserts of one new email through the shared writer.
    let units: Vec<UnitOfWork> = (10..14)
        .map(|id| UnitOfWork::new().contact(contact(id, "race@x.example"), None))
        .collect();
    let results = futures_join(&repo, &units).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
}

async fn futures_join(
    repo: &SqliteRepository,
    units: &[hotcrm_support::repo::UnitOfWork],
) -> Vec<hotcrm_support::Result<hotcrm_support::repo::Committed>> {
    let handles: Vec<_> = units
        .iter()
        .map(|u| {
            let (repo, u) = (repo.clone(), u.clone());
            tokio::spawn(async move { repo.commit(&u).await })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Migration 4 on a file whose articles already share a slug across numbers:
/// it applies and copies every article's slug; the clashing numbers stay
/// readable, a write of either that keeps the shared slug is refused, and a
/// write giving one of them a slug of its own succeeds (the clash is then gone,
/// and a desk loads the store).
#[tokio::test]
async fn articles_that_already_share_a_slug_migrate_and_are_refused_until_renamed() {
    use hotcrm_support::ids::KnowledgeNumber;
    use hotcrm_support::knowledge::{ArticleDraft, KnowledgeArticle, KnowledgeBase};
    let db = TempDb::new("slugs");
    let repo = SqliteRepository::connect(&db.url()).await.unwrap();
    let all = sqlx::migrate!("migrations/sqlite");
    let before = sqlx::migrate::Migrator {
        migrations: all.migrations[..3].to_vec().into(),
        ..all
    };
    before.run(repo.pool()).await.unwrap();
    let now = "2026-03-02T10:00:00Z".parse().unwrap();
    let article = |seq: u32, slug: &str| -> KnowledgeArticle {
        let mut kb = KnowledgeBase::new();
        let number = KnowledgeNumber::new(2026, seq).unwrap();
        let id = kb
            .create_numbered(ArticleDraft::new("Reset", "Steps."), number, now)
            .unwrap();
        let mut a = kb.article(id).unwrap().clone();
        a.slug = slug.into();
        a
    };
    let (one, two) = (article(1, "reset"), article(2, "reset"));
    for a in [&one, &two] {
        sqlx::query(
            "INSERT INTO articles (id, number_year, number_seq, version, doc) VALUES (?, ?, ?, 1, ?)",
        )
        .bind(a.id.to_string())
        .bind(a.number.year())
        .bind(a.number.sequence())
        .bind(serde_json::to_string(a).unwrap())
        .execute(repo.pool())
        .await
        .unwrap();
    }
    repo.migrate()
        .await
        .expect("migration 4 applies over a clash");
    let slugs: Vec<Option<String>> = sqlx::query_scalar("SELECT slug FROM articles")
        .fetch_all(repo.pool())
        .await
        .unwrap();
    assert_eq!(slugs, vec![Some("reset".into()), Some("reset".into())]);
    assert_eq!(repo.list_articles().await.unwrap().len(), 2);
    for a in [&one, &two] {
        let mut viewed = a.clone();
        viewed.counters.views += 1;
        assert!(matches!(
            repo.put_article(&viewed, Some(1)).await,
            Err(Error::AlreadyExists {
                kind: "article slug",
                ..
            })
        ));
    }
    let mut renamed = two.clone();
    renamed.slug = "reset-2".into();
    assert_eq!(repo.put_article(&renamed, Some(1)).await.unwrap(), 2);
    let mut viewed = one.clone();
    viewed.counters.views += 1;
    assert_eq!(repo.put_article(&viewed, Some(1)).await.unwrap(), 2);
    let desk = SupportDesk::builder(repo)
        .clock(ManualClock::new(now))
        .build();
    assert_eq!(desk.load_knowledge().await.unwrap(), 2, "no clash left");
}

/// Racing inserts of one slug under different numbers on a file store (its
/// commits take turns on the writer): exactly one is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_inserts_of_one_slug_store_one() {
    use hotcrm_support::ids::KnowledgeNumber;
    use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    let db = TempDb::new("slug-race");
    let repo = Arc::new(open(&db.url()).await);
    let now = "2026-03-02T10:00:00Z".parse().unwrap();
    let mut tasks = Vec::new();
    for seq in 1..=8u32 {
        let repo = repo.clone();
        let mut kb = KnowledgeBase::new();
        let number = KnowledgeNumber::new(2026, seq).unwrap();
        let id = kb
            .create_numbered(ArticleDraft::new("Race", "Steps."), number, now)
            .unwrap();
        let article = kb.article(id).unwrap().clone();
        tasks.push(tokio::spawn(async move {
            repo.put_article(&article, None).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::AlreadyExists {
                kind: "article slug",
                ..
            }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(repo.list_articles().await.unwrap().len(), 1);
}
