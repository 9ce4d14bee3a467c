//! The desk as a system of record: one atomic unit of work per command, the
//! router and the cases never disagree, repeated commands are no-ops, numbers
//! are gap-free — under concurrent tasks on a multi-threaded runtime and with
//! injected storage failures.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{
    Author, Case, CaseEvent, CaseQuery, CaseStatus, NewComment, Page, PageOf, Resolution,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, CommentId, ContactId, QueueId,
};
use hotcrm_support::knowledge::KnowledgeArticle;
use hotcrm_support::repo::{
    Account, Committed, Contact, FeedEntry, MemoryRepository, Repository, SavedSearch,
    SequenceKind, SequenceLease, UnitOfWork, Versioned,
};
use hotcrm_support::routing::{
    Agent, AgentStatus, Capacity, Queue, QueueMember, Router, RouterState, RoutingMethod,
};
use hotcrm_support::sla::MilestoneKind;
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A repository that fails chosen commits (by their 1-based count) with a
/// storage error, before anything is written.
#[derive(Default)]
pub(crate) struct FaultyRepository {
    inner: MemoryRepository,
    pub(crate) commits: AtomicUsize,
    pub(crate) fail: Mutex<BTreeSet<usize>>,
    /// When set, each commit signals `.0` and waits for `.1` before writing.
    pub(crate) gate: Mutex<Option<Arc<(tokio::sync::Notify, tokio::sync::Notify)>>>,
    /// While `gated` > 0, a commit takes one and waits at this barrier (so
    /// concurrent commands have all read before any of them commits).
    pub(crate) barrier: Mutex<Option<Arc<tokio::sync::Barrier>>>,
    pub(crate) gated: AtomicUsize,
    /// While `lookups_gated` > 0, a contact lookup by email takes one and,
    /// after reading, waits at `barrier` (two deliveries both see a new sender
    /// before either commits).
    pub(crate) lookups_gated: AtomicUsize,
    /// Contact lookups by email so far.
    pub(crate) lookups: AtomicUsize,
    /// Numbering leases granted so far.
    pub(crate) leases: AtomicUsize,
    /// When set, the store checks every claim as written (like a store that
    /// does not move numbers, see `Repository::moves_numbers`).
    pub(crate) keep_numbers: std::sync::atomic::AtomicBool,
    /// Commits the inner store refused with a conflict so far.
    pub(crate) conflicts: AtomicUsize,
}

impl FaultyRepository {
    /// A store whose next `parties` commits wait for each other.
    pub(crate) fn gated(parties: usize) -> FaultyRepository {
        let repo = FaultyRepository::default();
        *repo.barrier.lock().unwrap() = Some(Arc::new(tokio::sync::Barrier::new(parties)));
        repo
    }

    /// A store whose next `parties` contact lookups wait for each other.
    pub(crate) fn racing_lookups(parties: usize) -> FaultyRepository {
        let repo = FaultyRepository::gated(parties);
        repo.lookups_gated.store(parties, Ordering::SeqCst);
        repo
    }
}

impl FaultyRepository {
    pub(crate) fn failing(fail: impl IntoIterator<Item = usize>) -> FaultyRepository {
        FaultyRepository {
            fail: Mutex::new(fail.into_iter().collect()),
            ..FaultyRepository::default()
        }
    }
}

#[derive(Debug)]
struct Injected;

impl std::fmt::Display for Injected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("injected failure")
    }
}

impl std::error::Error for Injected {}

#[async_trait]
impl Repository for FaultyRepository {
    async fn commit(&self, work: &UnitOfWork) -> hotcrm_support::Result<Committed> {
        let n = self.commits.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail.lock().unwrap().contains(&n) {
            return Err(Error::storage(Injected));
        }
        let gated = self
            .gated
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let barrier = self.barrier.lock().unwrap().clone();
        if let (true, Some(barrier)) = (gated, barrier) {
            barrier.wait().await;
        }
        let gate = self.gate.lock().unwrap().clone();
        if let Some(gate) = gate {
            gate.0.notify_one();
            gate.1.notified().await;
        }
        let result = if self.keep_numbers.load(Ordering::SeqCst) && work.movable_numbers {
            let mut fixed = work.clone();
            fixed.movable_numbers = false;
            self.inner.commit(&fixed).await
        } else {
            self.inner.commit(work).await
        };
        if matches!(result, Err(Error::Conflict { .. })) {
            self.conflicts.fetch_add(1, Ordering::SeqCst);
        }
        result
    }
    fn moves_numbers(&self) -> bool {
        !self.keep_numbers.load(Ordering::SeqCst) && self.inner.moves_numbers()
    }
    async fn events_after(
        &self,
        after: u64,
        limit: usize,
    ) -> hotcrm_support::Result<Vec<FeedEntry>> {
        self.inner.events_after(after, limit).await
    }
    async fn current_sequence(&self, kind: SequenceKind, year: i32) -> hotcrm_support::Result<u32> {
        self.inner.current_sequence(kind, year).await
    }
    async fn lease_sequences(&self) -> hotcrm_support::Result<Option<SequenceLease>> {
        let lease = self.inner.lease_sequences().await?;
        self.leases.fetch_add(1, Ordering::SeqCst);
        Ok(lease)
    }
    async fn get_case(&self, id: CaseId) -> hotcrm_support::Result<Versioned<Case>> {
        self.inner.get_case(id).await
    }
    async fn get_case_by_number(&self, n: CaseNumber) -> hotcrm_support::Result<Versioned<Case>> {
        self.inner.get_case_by_number(n).await
    }
    async fn list_cases(
        &self,
        q: &CaseQuery,
        p: Page,
    ) -> hotcrm_support::Result<PageOf<Versioned<Case>>> {
        self.inner.list_cases(q, p).await
    }
    async fn scan_cases(
        &self,
        q: &CaseQuery,
        after: Option<CaseId>,
        limit: usize,
    ) -> hotcrm_support::Result<Vec<Versioned<Case>>> {
        self.inner.scan_cases(q, after, limit).await
    }
    async fn case_events(&self, id: CaseId) -> hotcrm_support::Result<Vec<CaseEvent>> {
        self.inner.case_events(id).await
    }
    async fn put_account(&self, a: &Account, e: Option<u64>) -> hotcrm_support::Result<u64> {
        self.inner.put_account(a, e).await
    }
    async fn get_account(&self, id: AccountId) -> hotcrm_support::Result<Versioned<Account>> {
        self.inner.get_account(id).await
    }
    async fn put_contact(&self, c: &Contact, e: Option<u64>) -> hotcrm_support::Result<u64> {
        self.inner.put_contact(c, e).await
    }
    async fn get_contact(&self, id: ContactId) -> hotcrm_support::Result<Versioned<Contact>> {
        self.inner.get_contact(id).await
    }
    async fn find_contact_by_email(
        &self,
        email: &str,
    ) -> hotcrm_support::Result<Option<Versioned<Contact>>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        let found = self.inner.find_contact_by_email(email).await;
        let gated = self
            .lookups_gated
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let barrier = self.barrier.lock().unwrap().clone();
        if let (true, Some(barrier)) = (gated, barrier) {
            barrier.wait().await;
        }
        found
    }
    async fn get_router_state(&self) -> hotcrm_support::Result<Option<Versioned<RouterState>>> {
        self.inner.get_router_state().await
    }
    async fn get_article(
        &self,
        id: ArticleId,
    ) -> hotcrm_support::Result<Versioned<KnowledgeArticle>> {
        self.inner.get_article(id).await
    }
    async fn list_articles(&self) -> hotcrm_support::Result<Vec<Versioned<KnowledgeArticle>>> {
        self.inner.list_articles().await
    }
    async fn save_search(&self, s: &SavedSearch) -> hotcrm_support::Result<()> {
        self.inner.save_search(s).await
    }
    async fn saved_searches(&self, owner: AgentId) -> hotcrm_support::Result<Vec<SavedSearch>> {
        self.inner.saved_searches(owner).await
    }
    async fn get_portal_record(
        &self,
        kind: hotcrm_support::repo::PortalKind,
        id: uuid::Uuid,
    ) -> hotcrm_support::Result<Versioned<hotcrm_support::repo::PortalRecord>> {
        self.inner.get_portal_record(kind, id).await
    }
    async fn portal_records(
        &self,
        kind: hotcrm_support::repo::PortalKind,
        parent: Option<uuid::Uuid>,
    ) -> hotcrm_support::Result<Vec<Versioned<hotcrm_support::repo::PortalRecord>>> {
        self.inner.portal_records(kind, parent).await
    }
}

pub(crate) const ACCOUNT: AccountId = AccountId::from_u128(1);
pub(crate) const QUEUE: QueueId = QueueId::from_u128(1);

pub(crate) fn agent(i: usize) -> AgentId {
    AgentId::from_u128(100 + i as u128)
}

pub(crate) const AGENTS: usize = 3;

/// A desk over `repo` with a 24x7 calendar, three agents (2 cases each) in one
/// round-robin queue, all available.
pub(crate) async fn desk_over(repo: Arc<dyn Repository>, clock: &ManualClock) -> SupportDesk {
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
            for i in 0..AGENTS {
                router.add_agent(
                    Agent::new(agent(i), format!("Agent {i}"), Capacity::cases(2)?)?
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

/// Every stored case, in id order.
pub(crate) async fn all_cases(repo: &dyn Repository) -> Vec<Versioned<Case>> {
    let mut cases = Vec::new();
    let mut after = None;
    loop {
        let batch = repo
            .scan_cases(&CaseQuery::default(), after, 1000)
            .await
            .unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.value.id);
        cases.extend(batch);
    }
    cases
}

/// Everything the store holds, as one comparable string.
async fn digest(repo: &dyn Repository) -> String {
    let cases = all_cases(repo).await;
    let feed = repo.events_after(0, usize::MAX).await.unwrap();
    let router = repo.get_router_state().await.unwrap();
    let sequence = repo
        .current_sequence(SequenceKind::Case, 2026)
        .await
        .unwrap();
    serde_json::to_string(&(cases, feed, router, sequence)).unwrap()
}

/// Every rule of a consistent desk, checked on the stored state.
pub(crate) async fn assert_consistent(repo: &dyn Repository) {
    let stored = repo.get_router_state().await.unwrap().unwrap().value;
    let router = Router::from_state(stored.clone()).unwrap();
    router.check_invariants().unwrap();
    let cases: BTreeMap<CaseId, Case> = all_cases(repo)
        .await
        .into_iter()
        .map(|c| (c.value.id, c.value))
        .collect();
    let active = |c: &Case| !matches!(c.status, CaseStatus::Resolved | CaseStatus::Closed);
    // The owner is the truth; the router charges exactly the open owned cases.
    for a in &stored.agents {
        let owned = cases
            .values()
            .filter(|c| active(c) && c.owner == Some(a.id))
            .count();
        assert_eq!(
            a.open_cases as usize, owned,
            "agent {} counts {} open cases but owns {owned}",
            a.name, a.open_cases
        );
        assert_eq!(a.load as usize, owned, "agent {} load", a.name);
    }
    for (id, assignment) in &stored.assignments {
        let case = cases.get(id).expect("an assigned case exists");
        assert!(
            active(case),
            "{} is finished but holds capacity",
            case.number
        );
        assert_eq!(
            case.owner,
            Some(assignment.agent),
            "{} router assignment matches its owner",
            case.number
        );
    }
    for w in &stored.waiting {
        let case = cases.get(&w.request.case).expect("a waiting case exists");
        assert!(active(case), "{} is finished but waits", case.number);
        assert_eq!(case.owner, None, "{} waits but has an owner", case.number);
    }
    for case in cases.values().filter(|c| active(c)) {
        match case.owner {
            Some(owner) => assert_eq!(
                router.assignment(case.id).map(|a| a.agent),
                Some(owner),
                "{} owner is charged",
                case.number
            ),
            None => assert!(
                router.waiting_case(case.id).is_some(),
                "{} is open, unowned and waits nowhere",
                case.number
            ),
        }
    }
    // Numbers: 1..=n, no gap, no repeat.
    let mut numbers: Vec<u32> = cases.values().map(|c| c.number.sequence()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=cases.len() as u32).collect::<Vec<_>>(),
        "case numbers are gap-free"
    );
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap() as usize,
        cases.len(),
        "no number consumed without a case"
    );
    // The feed: positions 1..=N, and per case exactly the case's history.
    let feed = repo.events_after(0, usize::MAX).await.unwrap();
    for (i, e) in feed.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "feed position {i}");
    }
    for case in cases.values() {
        let history = repo.case_events(case.id).await.unwrap();
        let from_feed: Vec<&CaseEvent> = feed
            .iter()
            .filter(|e| e.case == case.id)
            .map(|e| &e.event)
            .collect();
        assert_eq!(
            from_feed,
            history.iter().collect::<Vec<_>>(),
            "{} feed = history",
            case.number
        );
        assert_eq!(
            &Case::replay(&history).unwrap(),
            case,
            "{} replays from its events",
            case.number
        );
        let ids: BTreeSet<CommentId> = case.comments.iter().map(|c| c.id).collect();
        assert_eq!(
            ids.len(),
            case.comments.len(),
            "{} comment ids unique",
            case.number
        );
        for (kind, milestone) in [
            (
                MilestoneKind::FirstResponse,
                &case.milestones.first_response,
            ),
            (MilestoneKind::Resolution, &case.milestones.resolution),
        ] {
            let violations = history
                .iter()
                .filter(|e| matches!(e, CaseEvent::MilestoneViolated { kind: k, .. } if *k == kind))
                .count();
            assert_eq!(
                violations,
                usize::from(milestone.breached),
                "{} {kind:?} violated exactly once when breached",
                case.number
            );
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Create(u8),
    Assign(u8, u8),
    Decline(u8),
    Presence(u8, u8),
    Comment(u8, u8),
    Wait(u8),
    Start(u8),
    Resolve(u8),
    Close(u8),
    Reopen(u8),
    Sweep,
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Create),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(c, a)| Op::Assign(c, a)),
        1 => any::<u8>().prop_map(Op::Decline),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(a, s)| Op::Presence(a, s)),
        3 => (any::<u8>(), 0..6u8).prop_map(|(c, n)| Op::Comment(c, n)),
        1 => any::<u8>().prop_map(Op::Wait),
        1 => any::<u8>().prop_map(Op::Start),
        2 => any::<u8>().prop_map(Op::Resolve),
        1 => any::<u8>().prop_map(Op::Close),
        1 => any::<u8>().prop_map(Op::Reopen),
        1 => Just(Op::Sweep),
        2 => (1..600u16).prop_map(Op::Advance),
    ]
}

/// What a task saw: comments accepted, per case.
type Accepted = Arc<Mutex<Vec<(CaseId, CommentId)>>>;

/// Runs one op; returns whether it succeeded. Errors must be typed refusals
/// (never a false "now is before the last change").
async fn run(
    desk: &SupportDesk,
    clock: &ManualClock,
    cases: &Mutex<Vec<CaseId>>,
    accepted: &Accepted,
    op: &Op,
) -> hotcrm_support::Result<()> {
    let pick = |n: u8| {
        let cases = cases.lock().unwrap();
        (!cases.is_empty()).then(|| cases[usize::from(n) % cases.len()])
    };
    match *op {
        Op::Create(n) => desk
            .create_case(CaseRequest::new(
                ACCOUNT,
                format!("Printer {n} jammed"),
                "Paper stuck in tray 2",
            ))
            .await
            .map(|o| cases.lock().unwrap().push(o.case.value.id)),
        Op::Advance(minutes) => {
            clock.advance(TimeDelta::minutes(i64::from(minutes)));
            Ok(())
        }
        Op::Sweep => desk.sweep().await.map(drop),
        Op::Presence(a, s) => {
            let status = [
                AgentStatus::Available,
                AgentStatus::Busy,
                AgentStatus::OnBreak,
                AgentStatus::Offline,
            ][usize::from(s) % 4];
            desk.set_agent_status(agent(usize::from(a) % AGENTS), status)
                .await
                .map(drop)
        }
        _ => {
            let (Op::Assign(c, _)
            | Op::Decline(c)
            | Op::Comment(c, _)
            | Op::Wait(c)
            | Op::Start(c)
            | Op::Resolve(c)
            | Op::Close(c)
            | Op::Reopen(c)) = *op
            else {
                unreachable!()
            };
            let Some(id) = pick(c) else { return Ok(()) };
            match *op {
                Op::Assign(_, a) => desk
                    .assign(id, agent(usize::from(a) % AGENTS))
                    .await
                    .map(drop),
                Op::Decline(_) => desk.decline(id).await.map(drop),
                Op::Comment(_, n) => {
                    let comment_id =
                        CommentId::from_u128((id.as_uuid().as_u128() << 8) | u128::from(n));
                    let author = if n % 2 == 0 {
                        Author::Agent(agent(0))
                    } else {
                        Author::Customer(Some(ContactId::from_u128(9)))
                    };
                    let comment = NewComment::public(comment_id, author, format!("note {n}"));
                    desk.add_comment(id, comment).await.map(|o| {
                        if o.case.value.comments.iter().any(|c| c.id == comment_id) {
                            accepted.lock().unwrap().push((id, comment_id));
                        }
                    })
                }
                Op::Wait(_) => desk.wait_on_customer(id).await.map(drop),
                Op::Start(_) => desk.start_work(id).await.map(drop),
                Op::Resolve(_) => desk
                    .resolve(id, Resolution::new("Cleared the tray"))
                    .await
                    .map(drop),
                Op::Close(_) => desk.close(id).await.map(drop),
                Op::Reopen(_) => desk.reopen(id).await.map(drop),
                _ => Ok(()),
            }
        }
    }
}

/// A command may be refused by the rules (invalid transition, not allowed,
/// unknown router entry), never by a race: no false "now is before the last
/// change", no conflict after retries, no internal error; storage errors only
/// where they were injected.
fn check_refusal(op: &Op, result: &hotcrm_support::Result<()>, injected: bool) {
    match result {
        Err(Error::Validation {
            field: "now",
            reason,
        }) => {
            panic!("{op:?} falsely refused: {reason}")
        }
        Err(Error::Storage { .. }) if injected => {}
        Err(e @ (Error::Conflict { .. } | Error::Storage { .. } | Error::Internal { .. })) => {
            panic!("{op:?} failed with {e}")
        }
        _ => {}
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random interleavings from four tasks: afterwards the router and the
    /// cases agree, histories replay, comments are stored once, numbers are
    /// gap-free and each violation was emitted once.
    #[test]
    fn concurrent_commands_keep_the_desk_consistent(
        tasks in prop::collection::vec(prop::collection::vec(op(), 1..14), 4),
    ) {
        runtime().block_on(async {
            let clock = ManualClock::new(utc("2026-01-05T14:00:00Z"));
            let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
            let desk = desk_over(repo.clone(), &clock).await;
            let cases = Arc::new(Mutex::new(Vec::new()));
            let accepted: Accepted = Arc::default();
            let handles: Vec<_> = tasks
                .into_iter()
                .map(|ops| {
                    let (desk, clock, cases, accepted) =
                        (desk.clone(), clock.clone(), cases.clone(), accepted.clone());
                    tokio::spawn(async move {
                        for op in &ops {
                            let result = run(&desk, &clock, &cases, &accepted, op).await;
                            check_refusal(op, &result, false);
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            assert_consistent(repo.as_ref()).await;
            let report = desk.sweep().await.unwrap();
            assert_eq!(report.repaired, 0, "nothing drifted, so the sweep repairs nothing");
            assert_consistent(repo.as_ref()).await;
            let accepted = accepted.lock().unwrap().clone();
            for (case, comment) in &accepted {
                let stored = repo.get_case(*case).await.unwrap().value;
                assert_eq!(
                    stored.comments.iter().filter(|c| c.id == *comment).count(),
                    1,
                    "accepted comment {comment} stored exactly once"
                );
            }
        });
    }

    /// One task, random commands, random commits failing: every command that
    /// returned an error (injected or a refusal) left the store exactly as it
    /// was, and the rest stays consistent.
    #[test]
    fn failed_commands_change_nothing(
        ops in prop::collection::vec(op(), 1..30),
        fail in prop::collection::btree_set(2..40usize, 0..8),
    ) {
        runtime().block_on(async {
            let clock = ManualClock::new(utc("2026-01-05T14:00:00Z"));
            let faulty = Arc::new(FaultyRepository::failing(fail));
            let repo: Arc<dyn Repository> = faulty.clone();
            // The router is configured by commit 1, which never fails.
            let desk = desk_over(repo.clone(), &clock).await;
            let cases = Mutex::new(Vec::new());
            let accepted: Accepted = Arc::default();
            for op in &ops {
                let before = digest(repo.as_ref()).await;
                let result = run(&desk, &clock, &cases, &accepted, op).await;
                check_refusal(op, &result, true);
                // A sweep is a batch of independent units (each atomic); a failure
                // stops it after the units already committed.
                if result.is_err() && !matches!(op, Op::Sweep) {
                    assert_eq!(digest(repo.as_ref()).await, before, "{op:?} failed ({result:?}) but changed the store");
                }
            }
            faulty.fail.lock().unwrap().clear();
            assert_consistent(repo.as_ref()).await;
            let report = desk.sweep().await.unwrap();
            assert_eq!(report.repaired, 0, "nothing drifted, so the sweep repairs nothing");
            assert_consistent(repo.as_ref()).await;
        });
    }
}

/// A fixture: a desk over a fresh memory store with the standard roster.
async fn fresh() -> (SupportDesk, Arc<dyn Repository>, ManualClock) {
    let clock = ManualClock::new(utc("2026-01-05T14:00:00Z"));
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let desk = desk_over(repo.clone(), &clock).await;
    (desk, repo, clock)
}

async fn create(desk: &SupportDesk, n: usize) -> Case {
    desk.create_case(CaseRequest::new(
        ACCOUNT,
        format!("Printer {n} jammed"),
        "Paper stuck in tray 2",
    ))
    .await
    .unwrap()
    .case
    .value
}

async fn stored_router(repo: &dyn Repository) -> RouterState {
    repo.get_router_state().await.unwrap().unwrap().value
}

fn load_of(state: &RouterState, agent: AgentId) -> u32 {
    state
        .agents
        .iter()
        .find(|a| a.id == agent)
        .map_or(0, |a| a.load)
}

#[tokio::test]
async fn manual_assignment_moves_the_capacity() {
    let (desk, repo, _) = fresh().await;
    let case = create(&desk, 1).await;
    let first = case.owner.expect("round robin assigned it");
    let other = (0..AGENTS).map(agent).find(|a| *a != first).unwrap();
    desk.assign(case.id, other).await.unwrap();
    let state = stored_router(repo.as_ref()).await;
    assert_eq!(load_of(&state, first), 0, "the previous owner is released");
    assert_eq!(load_of(&state, other), 1, "the new owner is charged");
    assert_consistent(repo.as_ref()).await;
    assert!(
        matches!(
            desk.assign(case.id, AgentId::from_u128(999)).await,
            Err(Error::NotFound { kind: "agent", .. })
        ),
        "an agent the router does not know is refused"
    );
    assert_eq!(
        repo.get_case(case.id).await.unwrap().value.owner,
        Some(other),
        "and nothing changed"
    );
}

#[tokio::test]
async fn an_agent_coming_online_gets_the_waiting_case_and_the_case_knows() {
    let (desk, repo, _) = fresh().await;
    for i in 0..AGENTS {
        desk.set_agent_status(agent(i), AgentStatus::Offline)
            .await
            .unwrap();
    }
    let case = create(&desk, 1).await;
    assert_eq!(case.owner, None, "nobody is online: the case waits");
    let changed = desk
        .set_agent_status(agent(1), AgentStatus::Available)
        .await
        .unwrap();
    assert!(
        changed.iter().any(|(id, e)| *id == case.id
            && matches!(e, CaseEvent::Assigned { owner, .. } if *owner == agent(1))),
        "the assignment is an event of the case: {changed:?}"
    );
    assert_eq!(
        repo.get_case(case.id).await.unwrap().value.owner,
        Some(agent(1)),
        "and it is stored on the case"
    );
    assert_consistent(repo.as_ref()).await;
}

#[tokio::test]
async fn finished_cases_leave_the_router_and_it_stays_small() {
    let (desk, repo, _) = fresh().await;
    for i in 0..AGENTS {
        desk.set_agent_status(agent(i), AgentStatus::Offline)
            .await
            .unwrap();
    }
    for n in 0..300 {
        let case = create(&desk, n).await;
        desk.resolve(case.id, Resolution::new("Cleared the tray"))
            .await
            .unwrap();
        desk.close(case.id).await.unwrap();
    }
    let state = stored_router(repo.as_ref()).await;
    assert!(state.waiting.is_empty(), "no closed case waits");
    assert!(
        state.assignments.is_empty(),
        "no closed case holds capacity"
    );
    let size = serde_json::to_string(&state).unwrap().len();
    assert!(
        size < 4096,
        "the router document does not grow with closed cases: {size} bytes"
    );
    assert_consistent(repo.as_ref()).await;
}

#[tokio::test]
async fn a_resolve_whose_commit_fails_changes_nothing() {
    let clock = ManualClock::new(utc("2026-01-05T14:00:00Z"));
    // Commit 1 configures the router, 2 creates the case, 3 is the resolve.
    let faulty = Arc::new(FaultyRepository::failing([3]));
    let repo: Arc<dyn Repository> = faulty.clone();
    let desk = desk_over(repo.clone(), &clock).await;
    let case = create(&desk, 1).await;
    let before = digest(repo.as_ref()).await;
    let result = desk.resolve(case.id, Resolution::new("Cleared")).await;
    assert!(matches!(result, Err(Error::Storage { .. })), "{result:?}");
    assert_eq!(
        digest(repo.as_ref()).await,
        before,
        "neither the case nor the router changed"
    );
    desk.resolve(case.id, Resolution::new("Cleared"))
        .await
        .unwrap();
    assert_consistent(repo.as_ref()).await;
}

#[tokio::test]
async fn a_failed_creation_uses_no_case_number() {
    let (desk, repo, _) = fresh().await;
    let closed = AccountId::from_u128(2);
    let never = BusinessHours::builder(chrono_tz::UTC)
        .special_hours(
            chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            Vec::new(),
        )
        .build();
    let never = never.expect("a calendar with no hours builds (and never opens)");
    repo.put_account(
        &Account::new(closed, "Closed Co").with_business_hours(never),
        None,
    )
    .await
    .unwrap();
    let failed = desk
        .create_case(CaseRequest::new(closed, "Help", "Nobody is ever open"))
        .await;
    assert!(
        failed.is_err(),
        "a calendar that never opens has no due dates"
    );
    let case = create(&desk, 1).await;
    assert_eq!(
        case.number.to_string(),
        "CASE-2026-0001",
        "the failure used no number"
    );
    let _ = NaiveTime::MIN;
}

#[tokio::test]
async fn the_same_comment_twice_is_stored_once() {
    let (desk, repo, _) = fresh().await;
    let case = create(&desk, 1).await;
    let comment = NewComment::public(CommentId::from_u128(7), Author::Agent(agent(0)), "On it");
    let first = desk.add_comment(case.id, comment.clone()).await.unwrap();
    assert!(!first.events.is_empty());
    let head = repo.events_after(0, usize::MAX).await.unwrap().len();
    let again = desk.add_comment(case.id, comment).await.unwrap();
    assert!(again.events.is_empty(), "a repeat is a no-op");
    assert_eq!(
        again.case.version, first.case.version,
        "nothing was written"
    );
    assert_eq!(repo.events_after(0, usize::MAX).await.unwrap().len(), head);
    let other = NewComment::public(
        CommentId::from_u128(7),
        Author::Agent(agent(0)),
        "Different",
    );
    assert!(
        matches!(
            desk.add_comment(case.id, other).await,
            Err(Error::AlreadyExists {
                kind: "comment",
                ..
            })
        ),
        "a different comment under a used id is refused"
    );
    assert_eq!(
        repo.get_case(case.id).await.unwrap().value.comments.len(),
        1
    );
}

#[tokio::test]
async fn the_same_case_request_twice_is_one_case() {
    let (desk, repo, _) = fresh().await;
    let id = CaseId::from_u128(42);
    let request = CaseRequest::new(ACCOUNT, "VPN down", "since 9am").id(id);
    let first = desk.create_case(request.clone()).await.unwrap();
    let again = desk.create_case(request).await.unwrap();
    assert!(again.events.is_empty(), "the repeat stores nothing");
    assert_eq!(again.case, first.case, "and returns the stored case");
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap(),
        1,
        "one number"
    );
    assert!(
        matches!(
            desk.create_case(CaseRequest::new(ACCOUNT, "Other", "text").id(id))
                .await,
            Err(Error::AlreadyExists { kind: "case", .. })
        ),
        "a different case under a used id is refused"
    );
}

#[tokio::test]
async fn concurrent_creations_with_one_id_make_one_case() {
    let (desk, repo, _) = fresh().await;
    let id = CaseId::from_u128(43);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let desk = desk.clone();
            tokio::spawn(async move {
                desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am").id(id))
                    .await
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap().unwrap().case.value.id, id);
    }
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_desk_whose_clock_is_behind_is_not_refused() {
    let (desk, repo, clock) = fresh().await;
    let case = create(&desk, 1).await;
    // Another desk (its clock an hour ahead) changes the case.
    let ahead = ManualClock::new(hotcrm_support::clock::Clock::now(&clock) + TimeDelta::hours(1));
    let other = SupportDesk::builder(repo.clone()).clock(ahead).build();
    other.start_work(case.id).await.unwrap();
    let comment = NewComment::public(CommentId::from_u128(1), Author::Agent(agent(0)), "Update");
    desk.add_comment(case.id, comment)
        .await
        .expect("decided at the case's last change, not refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_are_decided_again_not_refused() {
    let (desk, repo, clock) = fresh().await;
    let case = create(&desk, 1).await;
    let handles: Vec<_> = (0..16u128)
        .map(|n| {
            let (desk, clock) = (desk.clone(), clock.clone());
            tokio::spawn(async move {
                clock.advance(TimeDelta::seconds(1));
                let comment = NewComment::public(
                    CommentId::from_u128(100 + n),
                    Author::Agent(agent(0)),
                    format!("note {n}"),
                );
                desk.add_comment(case.id, comment).await
            })
        })
        .collect();
    for h in handles {
        h.await
            .unwrap()
            .expect("no false refusal, no conflict after retries");
    }
    assert_eq!(
        repo.get_case(case.id).await.unwrap().value.comments.len(),
        16
    );
}

#[tokio::test]
async fn sweep_repairs_a_router_that_drifted_from_the_cases() {
    let (desk, repo, _) = fresh().await;
    let case = create(&desk, 1).await;
    let owner = case.owner.unwrap();
    let done = create(&desk, 2).await;
    desk.resolve(done.id, Resolution::new("x")).await.unwrap();
    // Corrupt the router behind the desk's back: charge the wrong agent, and
    // put the resolved case back into a waiting list.
    let stored = repo.get_router_state().await.unwrap().unwrap();
    let mut router = Router::from_state(stored.value).unwrap();
    let wrong = (0..AGENTS).map(agent).find(|a| *a != owner).unwrap();
    let request = |c: &Case| {
        hotcrm_support::routing::RoutingRequest::new(c.id, c.account, c.created_at).in_queue(QUEUE)
    };
    router
        .assign_to(request(&case), wrong, case.created_at)
        .unwrap();
    router.route(request(&done), done.created_at, None).unwrap();
    repo.put_router_state(router.state(), Some(stored.version))
        .await
        .unwrap();
    let report = desk.sweep().await.unwrap();
    assert!(report.repaired >= 2, "both drifts repaired: {report:?}");
    assert_consistent(repo.as_ref()).await;
    let again = desk.sweep().await.unwrap();
    assert_eq!(again.repaired, 0, "repair is idempotent");
}

/// A hundred simulated days of searches and clicks through the desk, swept
/// daily: the analytics never exceed the configured retention.
#[tokio::test]
async fn a_hundred_days_of_searches_stay_within_retention() {
    use hotcrm_support::desk::DeskConfig;
    use hotcrm_support::knowledge::{
        AnalyticsRetention, ArticleDraft, KnowledgeBase, SearchQuery, Viewer,
    };
    let start = utc("2026-01-01T08:00:00Z");
    let clock = ManualClock::new(start);
    let mut kb = KnowledgeBase::new();
    let mut articles = Vec::new();
    for (title, body) in [
        (
            "Reset your password",
            "Open the login page and click Forgot password.",
        ),
        (
            "Export invoices",
            "Billing, then Invoices, then Export as CSV.",
        ),
        (
            "Configure single sign-on",
            "Add your identity provider under Security.",
        ),
    ] {
        let id = kb
            .create(ArticleDraft::new(title, body).summary(title), start)
            .unwrap();
        kb.submit_for_review(id, agent(0), start).unwrap();
        kb.publish(id, agent(1), start).unwrap();
        articles.push(id);
    }
    let retention = AnalyticsRetention::new(TimeDelta::days(10), 1_500, 2).unwrap();
    let mut config = DeskConfig::default();
    config.analytics_retention = retention;
    let desk = SupportDesk::builder(MemoryRepository::new())
        .clock(clock.clone())
        .config(config)
        .knowledge(kb)
        .build();
    let queries = [
        "reset password",
        "export invoices csv",
        "sso setup",
        "refund policy",
    ];
    let mut peak_records = 0;
    for day in 0..100i64 {
        for n in 0..200usize {
            clock.set(start + TimeDelta::days(day) + TimeDelta::seconds(n as i64 * 60));
            let query = SearchQuery::new(queries[n % queries.len()]);
            let found = desk.search_knowledge(&query, &Viewer::Employee).await;
            // Every search clicks every article, some twice: far over the cap.
            for article in articles.iter().chain(&articles) {
                desk.record_click(found.search, *article).unwrap();
            }
        }
        clock.set(start + TimeDelta::days(day + 1));
        desk.sweep().await.unwrap();
        let now = start + TimeDelta::days(day + 1);
        desk.with_knowledge(|kb| {
            let records = kb.analytics().records();
            peak_records = peak_records.max(records.len());
            assert!(
                records.len() <= 1_500,
                "day {day}: {} records",
                records.len()
            );
            assert!(
                records.iter().all(|r| now - r.at <= TimeDelta::days(10)),
                "day {day}: a record older than the retention"
            );
            assert!(
                records.iter().all(|r| r.clicks.len() <= 2),
                "day {day}: a search lists more clicks than the cap"
            );
            assert!(
                records.iter().all(|r| r.click_count == 6),
                "day {day}: every click is still counted"
            );
        });
    }
    assert_eq!(
        peak_records, 1_500,
        "the record cap is what bounds this workload"
    );
}

/// A desk numbers on its own guesses while alone; one whose claim another
/// desk made stale takes the store's numbering lease for the next 64 turns
/// (each granted with the stored counter, so its claims are right the first
/// time), and goes back to guessing once the counter stops moving between
/// its turns. Numbers stay gap-free throughout.
#[tokio::test]
async fn a_desk_takes_the_numbering_lease_only_while_another_desk_numbers() {
    // A store that checks claims as written (on one that moves numbers, a
    // moved number starts the leased turns instead of a conflict).
    let faulty = Arc::new(FaultyRepository::default());
    faulty.keep_numbers.store(true, Ordering::SeqCst);
    let (a, b) = two_desks_on(&faulty).await;
    let create = |desk: &SupportDesk| {
        let desk = desk.clone();
        async move { create_vpn_case(&desk).await.case.value.number.sequence() }
    };
    assert_eq!(create(&a).await, 1);
    assert_eq!(create(&b).await, 2);
    assert_eq!(faulty.leases.load(Ordering::SeqCst), 0, "no race seen yet");
    // A guesses 2 (taken by B): the commit conflicts, and the retry leases.
    let commits = faulty.commits.load(Ordering::SeqCst);
    assert_eq!(create(&a).await, 3);
    assert_eq!(faulty.commits.load(Ordering::SeqCst), commits + 2);
    assert_eq!(faulty.leases.load(Ordering::SeqCst), 1);
    // B's guess is stale too (A took 3): it conflicts once and leases as well.
    assert_eq!(create(&b).await, 4);
    let after_b = faulty.leases.load(Ordering::SeqCst);
    assert_eq!(after_b, 2);
    // A alone: every lease finds the counter where A left it except the
    // first (B moved it), so A leases 1 + 64 more times, then guesses again.
    for n in 5..=80 {
        let commits = faulty.commits.load(Ordering::SeqCst);
        assert_eq!(create(&a).await, n);
        assert_eq!(
            faulty.commits.load(Ordering::SeqCst),
            commits + 1,
            "case {n}: the leased claim is right the first time"
        );
    }
    assert_eq!(faulty.leases.load(Ordering::SeqCst), after_b + 65);
}

/// One plain creation on `desk`, which must succeed.
async fn create_vpn_case(desk: &SupportDesk) -> hotcrm_support::desk::Outcome {
    desk.create_case(CaseRequest::new(ACCOUNT, "VPN down", "since 9am"))
        .await
        .unwrap()
}

/// Two desks on `faulty` (with the test account), sharing one clock.
async fn two_desks_on(faulty: &Arc<FaultyRepository>) -> (SupportDesk, SupportDesk) {
    let clock = ManualClock::new(utc("2026-03-02T10:00:00Z"));
    faulty
        .put_account(&Account::new(ACCOUNT, "Acme"), None)
        .await
        .unwrap();
    let a = SupportDesk::builder(faulty.clone())
        .clock(clock.clone())
        .build();
    let b = SupportDesk::builder(faulty.clone()).clock(clock).build();
    (a, b)
}

/// On a store that moves numbers, a desk whose guess another desk took is
/// given the next free number in the same commit: no conflict, no retry, and
/// the caller, the stored case, its history and the feed all agree on the
/// number; the desks then take turns through the lease.
#[tokio::test]
async fn a_stale_number_guess_moves_in_the_commit_instead_of_conflicting() {
    let faulty = Arc::new(FaultyRepository::default());
    assert!(faulty.moves_numbers());
    let (a, b) = two_desks_on(&faulty).await;
    let create = |desk: &SupportDesk| {
        let desk = desk.clone();
        async move { create_vpn_case(&desk).await }
    };
    assert_eq!(create(&a).await.case.value.number.sequence(), 1);
    assert_eq!(create(&b).await.case.value.number.sequence(), 2);
    // A guesses 2 (B took it): one commit, and A is told the number stored.
    for (desk, expected) in [(&a, 3), (&b, 4), (&a, 5), (&a, 6), (&b, 7)] {
        let commits = faulty.commits.load(Ordering::SeqCst);
        let outcome = create(desk).await;
        assert_eq!(
            faulty.commits.load(Ordering::SeqCst),
            commits + 1,
            "case {expected}: committed the first time"
        );
        let number = outcome.case.value.number;
        assert_eq!(number.sequence(), expected);
        let id = outcome.case.value.id;
        let stored = faulty.get_case(id).await.unwrap();
        assert_eq!(
            stored.value, outcome.case.value,
            "the caller sees the stored case"
        );
        assert_eq!(
            faulty.get_case_by_number(number).await.unwrap().value.id,
            id
        );
        let created = |events: &[CaseEvent]| {
            events.iter().find_map(|e| match e {
                CaseEvent::Created { case, .. } => Some(case.number),
                _ => None,
            })
        };
        assert_eq!(
            created(&outcome.events),
            Some(number),
            "the outcome's events"
        );
        assert_eq!(
            created(&faulty.case_events(id).await.unwrap()),
            Some(number),
            "the stored history"
        );
        let feed = faulty.events_after(0, 10_000).await.unwrap();
        let in_feed: Vec<CaseEvent> = feed
            .into_iter()
            .filter(|e| e.case == id)
            .map(|e| e.event)
            .collect();
        assert_eq!(created(&in_feed), Some(number), "the feed");
    }
    // A's moved number (3) and B's (4) each start a run of leased turns:
    // A leases for 5 and 6, B for 7, and every leased guess is right.
    assert_eq!(faulty.leases.load(Ordering::SeqCst), 3);
}

/// Two desks creating at once on a store that moves numbers: every creation
/// commits without a conflict retry, and the numbers are gap-free, unique and
/// the ones each caller was told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_creating_at_once_on_a_moving_store_agree_on_every_number() {
    let faulty = Arc::new(FaultyRepository::default());
    let (a, b) = two_desks_on(&faulty).await;
    let desks = [a, b];
    let handles: Vec<_> = desks
        .iter()
        .flat_map(|desk| {
            (0..12).map(move |n| {
                let desk = desk.clone();
                tokio::spawn(async move {
                    let mut told = Vec::new();
                    for m in 0..5 {
                        let outcome = desk
                            .create_case(CaseRequest::new(ACCOUNT, format!("Case {n}-{m}"), "d"))
                            .await
                            .unwrap();
                        told.push((outcome.case.value.id, outcome.case.value.number));
                    }
                    told
                })
            })
        })
        .collect();
    let mut told = Vec::new();
    for h in handles {
        told.extend(h.await.unwrap());
    }
    let mut numbers: Vec<u32> = told.iter().map(|(_, n)| n.sequence()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=120).collect::<Vec<_>>(),
        "gap-free and unique"
    );
    for (id, number) in &told {
        assert_eq!(faulty.get_case(*id).await.unwrap().value.number, *number);
    }
    assert_eq!(
        faulty.conflicts.load(Ordering::SeqCst),
        0,
        "no creation was decided again"
    );
}

/// Knowledge numbers come from the repository's sequence inside the commit:
/// two desks creating at once issue distinct, gap-free numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_desks_on_one_store_never_share_a_kb_number() {
    use hotcrm_support::knowledge::ArticleDraft;
    let clock = ManualClock::new(utc("2026-03-02T10:00:00Z"));
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let desks: Vec<SupportDesk> = (0..2)
        .map(|_| {
            SupportDesk::builder(repo.clone())
                .clock(clock.clone())
                .build()
        })
        .collect();
    let handles: Vec<_> = desks
        .iter()
        .enumerate()
        .flat_map(|(d, desk)| {
            (0..10).map(move |n| {
                let desk = desk.clone();
                tokio::spawn(async move {
                    desk.create_article(ArticleDraft::new(format!("Article {d}-{n}"), "Body text."))
                        .await
                })
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let mut numbers: Vec<u32> = repo
        .list_articles()
        .await
        .unwrap()
        .iter()
        .map(|a| a.value.number.sequence())
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<_>>(),
        "unique and gap-free across desks"
    );
}

#[tokio::test]
async fn a_failed_article_creation_uses_no_number_and_leaves_no_draft() {
    use hotcrm_support::knowledge::ArticleDraft;
    let clock = ManualClock::new(utc("2026-03-02T10:00:00Z"));
    let faulty = Arc::new(FaultyRepository::failing([1]));
    let desk = SupportDesk::builder(faulty.clone()).clock(clock).build();
    let draft = ArticleDraft::new("Reset your password", "Click Forgot password.");
    assert!(desk.create_article(draft.clone()).await.is_err());
    assert_eq!(
        desk.with_knowledge(|kb| kb.articles().count()),
        0,
        "the draft was taken back"
    );
    assert_eq!(
        faulty
            .current_sequence(SequenceKind::Knowledge, 2026)
            .await
            .unwrap(),
        0
    );
    let id = desk.create_article(draft).await.unwrap();
    let stored = faulty.get_article(id).await.unwrap().value;
    assert_eq!(stored.number.to_string(), "KB-2026-0001");
    assert_eq!(stored.slug, "reset-your-password", "the slug was freed too");
}

/// A customer reply to a closed case opens a linked, numbered, routed
/// follow-up in the same commit; the same reply again opens nothing.
#[tokio::test]
async fn a_reply_to_a_closed_case_opens_one_follow_up() {
    let (desk, repo, _) = fresh().await;
    let case = create(&desk, 1).await;
    desk.resolve(case.id, Resolution::new("Cleared"))
        .await
        .unwrap();
    desk.close(case.id).await.unwrap();
    let reply = NewComment::customer_reply(CommentId::from_u128(77), "It jammed again");
    let outcome = desk.add_comment(case.id, reply.clone()).await.unwrap();
    let follow_up = outcome
        .related
        .iter()
        .find_map(|(_, e)| match e {
            CaseEvent::Created { case, .. } => Some(case.clone()),
            _ => None,
        })
        .expect("a follow-up was created");
    assert_eq!(follow_up.parent, Some(case.id));
    assert_eq!(follow_up.description, "It jammed again");
    let stored = repo.get_case(follow_up.id).await.unwrap().value;
    assert_eq!(stored.number.to_string(), "CASE-2026-0002");
    assert!(stored.owner.is_some(), "the follow-up was routed");
    let again = desk.add_comment(case.id, reply).await.unwrap();
    assert!(
        again.events.is_empty() && again.related.is_empty(),
        "a repeat is a no-op"
    );
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap(),
        2
    );
    assert_consistent(repo.as_ref()).await;
}

/// Each desk reuses the router it decoded last only while the stored version
/// is unchanged: another desk's change is always seen.
#[tokio::test]
async fn a_desk_sees_routing_changes_made_by_another_desk() {
    let (a, repo, clock) = fresh().await;
    let b = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .build();
    create(&b, 1).await; // b decodes and caches the router
    for i in 0..AGENTS {
        a.set_agent_status(agent(i), AgentStatus::Offline)
            .await
            .unwrap();
    }
    let waiting = create(&b, 2).await;
    assert_eq!(waiting.owner, None, "b saw that everyone went offline");
    a.set_agent_status(agent(2), AgentStatus::Available)
        .await
        .unwrap();
    assert_eq!(
        repo.get_case(waiting.id).await.unwrap().value.owner,
        Some(agent(2)),
        "a's router had b's waiting case"
    );
    assert_consistent(repo.as_ref()).await;
}
