//! Group commit of concurrent creations: creations that queue for the desk's
//! numbering lane share one commit, each decided on its own in arrival order —
//! and when anything goes wrong the group is decided again one creation per
//! commit, so every caller sees what it would have seen alone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use hotcrm_support::Error;
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::CaseEvent;
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, Outcome, SupportDesk};
use hotcrm_support::ids::{AccountId, CaseId};
use hotcrm_support::repo::{Account, Repository, SequenceKind};

use crate::desk_consistency::{ACCOUNT, FaultyRepository, all_cases, assert_consistent, desk_over};

const CREATIONS: usize = 12;

fn clock() -> ManualClock {
    ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap())
}

/// A desk over `repo` (three agents taking two cases each), grouping or not.
async fn desk(repo: &Arc<FaultyRepository>, group: bool) -> SupportDesk {
    let store: Arc<dyn Repository> = repo.clone();
    // The account and the router, set up through a desk of its own.
    desk_over(store.clone(), &clock()).await;
    let mut config = DeskConfig::default();
    config.group_creations = group;
    SupportDesk::builder(store)
        .clock(clock())
        .config(config)
        .build()
}

/// Stores an account whose calendar never opens (its creations cannot be
/// decided: `Error::NeverOpen`).
async fn never_open_account(repo: &FaultyRepository) -> AccountId {
    let closed = AccountId::from_u128(9);
    let never = BusinessHours::builder(chrono_tz::Europe::London)
        .build()
        .unwrap();
    repo.put_account(
        &Account::new(closed, "Never open").with_business_hours(never),
        None,
    )
    .await
    .unwrap();
    closed
}

fn request(n: usize) -> CaseRequest {
    CaseRequest::new(
        ACCOUNT,
        format!("Printer {n} jammed"),
        "Paper stuck in tray 2",
    )
}

/// Starts one creation, holds its commit at the store's gate, queues the
/// `requests` behind it, then lets the commit go: on the current-thread
/// runtime every queued creation has been prepared and waits for the lane
/// before the first commit ends. Returns every outcome, first one first.
async fn queued_behind_one(
    desk: &SupportDesk,
    repo: &FaultyRepository,
    requests: Vec<CaseRequest>,
) -> Vec<hotcrm_support::Result<Outcome>> {
    let gate = Arc::new((tokio::sync::Notify::new(), tokio::sync::Notify::new()));
    *repo.gate.lock().unwrap() = Some(gate.clone());
    let first = {
        let desk = desk.clone();
        tokio::spawn(async move { desk.create_case(request(0)).await })
    };
    gate.0.notified().await;
    *repo.gate.lock().unwrap() = None;
    let queued: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.create_case(r).await })
        })
        .collect();
    for _ in 0..CREATIONS * 4 {
        tokio::task::yield_now().await;
    }
    gate.1.notify_one();
    let mut outcomes = vec![first.await.unwrap()];
    for h in queued {
        outcomes.push(h.await.unwrap());
    }
    outcomes
}

type Creation = tokio::task::JoinHandle<hotcrm_support::Result<Outcome>>;

/// Starts one creation, holds its commit at the store's gate, queues the rest
/// behind it, lets that commit through and stops the group's commit at the
/// gate (which stays set): returns the gate, the first creation and the queued.
async fn group_held_at_the_gate(
    desk: &SupportDesk,
    repo: &FaultyRepository,
) -> (
    Arc<(tokio::sync::Notify, tokio::sync::Notify)>,
    Creation,
    Vec<Creation>,
) {
    let gate = Arc::new((tokio::sync::Notify::new(), tokio::sync::Notify::new()));
    *repo.gate.lock().unwrap() = Some(gate.clone());
    let first = {
        let desk = desk.clone();
        tokio::spawn(async move { desk.create_case(request(0)).await })
    };
    gate.0.notified().await;
    let queued: Vec<_> = (1..CREATIONS)
        .map(|n| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.create_case(request(n)).await })
        })
        .collect();
    for _ in 0..CREATIONS * 4 {
        tokio::task::yield_now().await;
    }
    gate.1.notify_one();
    gate.0.notified().await;
    (gate, first, queued)
}

/// What a caller learns about its creation, comparable across runs.
fn view(outcome: &Outcome) -> (String, String, Option<String>, Vec<String>, usize) {
    let case = &outcome.case.value;
    (
        case.number.to_string(),
        case.subject.clone(),
        case.owner.map(|a| a.to_string()),
        outcome
            .events
            .iter()
            .map(|e| e.name().to_string())
            .collect(),
        outcome.related.len(),
    )
}

#[tokio::test]
async fn queued_creations_share_one_commit_and_each_gets_its_own_outcome() {
    let repo = Arc::new(FaultyRepository::default());
    let grouped = desk(&repo, true).await;
    let before = repo.commits.load(Ordering::SeqCst);
    let outcomes = queued_behind_one(&grouped, &repo, (1..CREATIONS).map(request).collect()).await;
    // The first creation's own commit, then one for the eleven queued behind it.
    assert_eq!(repo.commits.load(Ordering::SeqCst) - before, 2);
    let outcomes: Vec<Outcome> = outcomes.into_iter().map(Result::unwrap).collect();
    // Numbers in arrival order, gap-free, one per creation.
    for (n, outcome) in outcomes.iter().enumerate() {
        let case = &outcome.case.value;
        assert_eq!(case.subject, format!("Printer {n} jammed"));
        assert_eq!(case.number.sequence() as usize, n + 1);
        assert_eq!(outcome.case.version, 1);
        // Its own events only: created once, and about this case.
        let created = outcome
            .events
            .iter()
            .filter(|e| matches!(e, CaseEvent::Created { .. }))
            .count();
        assert_eq!(created, 1, "{}: {:?}", case.number, outcome.events);
        assert!(outcome.related.iter().all(|(id, _)| *id != case.id));
    }
    // Three agents with two places each: the first six are assigned, in turn.
    let owned: Vec<_> = outcomes
        .iter()
        .filter(|o| o.case.value.owner.is_some())
        .collect();
    assert_eq!(owned.len(), 6);
    assert!(outcomes[..6].iter().all(|o| o.case.value.owner.is_some()));
    // What the callers were told is what the store holds, and it is consistent.
    let stored = all_cases(&*repo).await;
    assert_eq!(stored.len(), CREATIONS);
    for outcome in &outcomes {
        let found = stored
            .iter()
            .find(|s| s.value.id == outcome.case.value.id)
            .unwrap();
        assert_eq!(found.value, outcome.case.value);
        assert_eq!(
            repo.case_events(found.value.id).await.unwrap(),
            outcome.events,
            "{}",
            found.value.number
        );
    }
    assert_consistent(&*repo).await;
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap() as usize,
        CREATIONS
    );
}

#[tokio::test]
async fn grouping_is_invisible_next_to_one_commit_per_creation() {
    let mut runs = Vec::new();
    for group in [true, false] {
        let repo = Arc::new(FaultyRepository::default());
        let desk = desk(&repo, group).await;
        let before = repo.commits.load(Ordering::SeqCst);
        let outcomes = queued_behind_one(&desk, &repo, (1..CREATIONS).map(request).collect()).await;
        let commits = repo.commits.load(Ordering::SeqCst) - before;
        assert_eq!(commits, if group { 2 } else { CREATIONS });
        let views: Vec<_> = outcomes.iter().map(|o| view(o.as_ref().unwrap())).collect();
        let feed: Vec<String> = repo
            .events_after(0, usize::MAX)
            .await
            .unwrap()
            .iter()
            .map(|f| f.event.name().to_string())
            .collect();
        assert_consistent(&*repo).await;
        runs.push((views, feed));
    }
    assert_eq!(runs[0], runs[1]);
}

#[tokio::test]
async fn a_group_whose_commit_fails_is_decided_again_one_by_one() {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, true).await;
    let before = repo.commits.load(Ordering::SeqCst);
    // The group's commit (the second after `before`) fails once.
    repo.fail.lock().unwrap().insert(before + 2);
    let outcomes = queued_behind_one(&desk, &repo, (1..CREATIONS).map(request).collect()).await;
    // First commit, the failed group, then eleven commits of one.
    assert_eq!(
        repo.commits.load(Ordering::SeqCst) - before,
        2 + CREATIONS - 1
    );
    let numbers: Vec<u32> = outcomes
        .iter()
        .map(|o| o.as_ref().unwrap().case.value.number.sequence())
        .collect();
    assert_eq!(numbers, (1..=CREATIONS as u32).collect::<Vec<_>>());
    assert_eq!(all_cases(&*repo).await.len(), CREATIONS);
    assert_consistent(&*repo).await;
}

#[tokio::test]
async fn a_creation_that_cannot_be_decided_fails_alone_and_uses_no_number() {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, true).await;
    let closed = never_open_account(&repo).await;
    let mut requests: Vec<CaseRequest> = (1..CREATIONS).map(request).collect();
    requests[4] = CaseRequest::new(closed, "Server down", "since 9am");
    let outcomes = queued_behind_one(&desk, &repo, requests).await;
    for (n, outcome) in outcomes.iter().enumerate() {
        if n == 5 {
            assert!(
                matches!(outcome, Err(Error::NeverOpen { .. })),
                "{outcome:?}"
            );
        } else {
            assert!(outcome.is_ok(), "{n}: {outcome:?}");
        }
    }
    let numbers: BTreeSet<u32> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|o| o.case.value.number.sequence())
        .collect();
    assert_eq!(numbers, (1..CREATIONS as u32).collect());
    assert_eq!(all_cases(&*repo).await.len(), CREATIONS - 1);
    assert_consistent(&*repo).await;
}

#[tokio::test]
async fn the_same_request_twice_in_one_group_is_one_case() {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, true).await;
    let id = CaseId::from_u128(77);
    let same = || CaseRequest::new(ACCOUNT, "VPN down", "since 9am").id(id);
    let outcomes = queued_behind_one(&desk, &repo, vec![same(), request(2), same()]).await;
    let ids: Vec<CaseId> = outcomes
        .iter()
        .map(|o| o.as_ref().unwrap().case.value.id)
        .collect();
    assert_eq!(ids[1], id);
    assert_eq!(ids[3], id);
    // The repeat is answered with the stored case and no events.
    assert!(outcomes[3].as_ref().unwrap().events.is_empty());
    assert_eq!(all_cases(&*repo).await.len(), 3);
    assert_eq!(
        repo.current_sequence(SequenceKind::Case, 2026)
            .await
            .unwrap(),
        3
    );
    assert_consistent(&*repo).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_creating_at_once_number_every_case_once() {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, true).await;
    let before = repo.commits.load(Ordering::SeqCst);
    let handles: Vec<_> = (0..64)
        .map(|n| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.create_case(request(n)).await })
        })
        .collect();
    let mut numbers = BTreeSet::new();
    for h in handles {
        numbers.insert(h.await.unwrap().unwrap().case.value.number.sequence());
    }
    assert_eq!(numbers, (1..=64).collect());
    // Nothing was committed twice: one Created event per case on the feed.
    let created: Vec<_> = repo
        .events_after(0, usize::MAX)
        .await
        .unwrap()
        .into_iter()
        .filter(|f| matches!(f.event, CaseEvent::Created { .. }))
        .map(|f| f.case)
        .collect();
    assert_eq!(created.len(), 64);
    assert_eq!(created.iter().collect::<BTreeSet<_>>().len(), 64);
    assert!(repo.commits.load(Ordering::SeqCst) > before);
    assert_eq!(all_cases(&*repo).await.len(), 64);
    assert_consistent(&*repo).await;
}

#[tokio::test]
async fn a_group_that_loses_a_race_to_another_desk_is_decided_again_together() {
    let repo = Arc::new(FaultyRepository::default());
    let desk_a = desk(&repo, true).await;
    let desk_b = desk(&repo, true).await;
    let before = repo.commits.load(Ordering::SeqCst);
    // A's first creation commits; eleven more queued behind it stop at the
    // gate with their group's commit.
    let (gate, first, queued) = group_held_at_the_gate(&desk_a, &repo).await;
    // Meanwhile desk B takes the next number.
    *repo.gate.lock().unwrap() = None;
    let b = desk_b.create_case(request(99)).await.unwrap();
    gate.1.notify_one();
    let mut numbers = vec![first.await.unwrap().unwrap().case.value.number.sequence()];
    for h in queued {
        numbers.push(h.await.unwrap().unwrap().case.value.number.sequence());
    }
    // The group's claim was stale: decided again together, after B's number.
    assert_eq!(b.case.value.number.sequence(), 2);
    let mut want = vec![1];
    want.extend(3..=CREATIONS as u32 + 1);
    assert_eq!(numbers, want);
    // First, the group (conflict), B, the group again.
    assert_eq!(repo.commits.load(Ordering::SeqCst) - before, 4);
    assert_eq!(all_cases(&*repo).await.len(), CREATIONS + 1);
    assert_consistent(&*repo).await;
}

/// A request of the property below: which account, and which fixed id if any.
#[derive(Debug, Clone)]
struct Spec {
    never_open: bool,
    id: Option<u128>,
}

fn spec() -> impl proptest::strategy::Strategy<Value = Spec> {
    use proptest::prelude::*;
    (
        prop::bool::weighted(0.15),
        prop::option::weighted(0.3, 0u128..3),
    )
        .prop_map(|(never_open, id)| Spec { never_open, id })
}

/// What every caller was told and what the store holds, grouped or not.
async fn run_specs(specs: &[Spec], group: bool) -> (Vec<String>, Vec<String>) {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, group).await;
    let closed = never_open_account(&repo).await;
    let requests = specs
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let account = if s.never_open { closed } else { ACCOUNT };
            let r = CaseRequest::new(
                account,
                format!("Ticket {}", s.id.map_or(n as u128, |i| 100 + i)),
                "text",
            );
            match s.id {
                Some(i) => r.id(CaseId::from_u128(1000 + i)),
                None => r,
            }
        })
        .collect();
    let outcomes = queued_behind_one(&desk, &repo, requests).await;
    let told = outcomes
        .iter()
        .map(|o| match o {
            Ok(o) => format!("{:?}", view(o)),
            Err(e) => format!("error: {e}"),
        })
        .collect();
    let mut stored: Vec<String> = all_cases(&*repo)
        .await
        .iter()
        .map(|c| {
            format!(
                "{} {} {:?} {:?}",
                c.value.number, c.value.subject, c.value.owner, c.value.status
            )
        })
        .collect();
    stored.sort();
    stored.extend(
        repo.events_after(0, usize::MAX)
            .await
            .unwrap()
            .iter()
            .map(|f| f.event.name().to_string()),
    );
    assert_consistent(&*repo).await;
    (told, stored)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Law: group commit is invisible — any mix of creations (some that cannot
    /// be decided, some repeating an id) queued behind one commit tells every
    /// caller and stores exactly what one commit per creation does.
    #[test]
    fn grouped_creations_match_one_commit_per_creation(
        specs in proptest::collection::vec(spec(), 1..10),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let grouped = rt.block_on(run_specs(&specs, true));
        let solo = rt.block_on(run_specs(&specs, false));
        proptest::prop_assert_eq!(grouped, solo);
    }
}

#[tokio::test]
async fn a_group_whose_caller_goes_away_mid_commit_still_answers_the_others() {
    let repo = Arc::new(FaultyRepository::default());
    let desk = desk(&repo, true).await;
    // The first commit goes through; the group's leader (the second caller)
    // stops at the gate with everyone's creations — and its caller goes away.
    let (gate, first, mut queued) = group_held_at_the_gate(&desk, &repo).await;
    *repo.gate.lock().unwrap() = None;
    let leader = queued.remove(0);
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    gate.1.notify_one();
    // Nothing of the abandoned commit is stored; every other caller is
    // answered, each case once, numbers gap-free.
    let mut numbers = vec![first.await.unwrap().unwrap().case.value.number.sequence()];
    for h in queued {
        numbers.push(h.await.unwrap().unwrap().case.value.number.sequence());
    }
    assert_eq!(numbers, (1..CREATIONS as u32).collect::<Vec<_>>());
    assert_eq!(all_cases(&*repo).await.len(), CREATIONS - 1);
    assert_consistent(&*repo).await;
}
