//! The repository conformance suite (feature `conformance`): one `pub async fn`
//! per behaviour of the [`Repository`] contract, each taking `&dyn Repository`.
//!
//! Run it from your own tests against your store, exactly as this crate runs it
//! against [`MemoryRepository`](super::MemoryRepository):
//!
//! ```
//! use hotcrm_support::repo::{conformance, MemoryRepository};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! conformance::run_all(&MemoryRepository::new()).await;
//! # }
//! ```
//!
//! Every function creates its own records with fresh random ids and draws case
//! numbers from the store's own sequence (year 9999), so it can run against a
//! store that already holds data. Concurrency is exercised by keeping many calls
//! in flight at once inside the calling task, so it works on any executor.
//!
//! # Panics
//!
//! Each function panics (with a message naming the broken rule) when the
//! implementation violates the contract: that is how it fails your test.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Account, Contact, Repository, SavedSearch, SequenceKind};
use crate::case::{Case, CaseCommand, CaseOrder, CaseQuery, CaseRules, NewCase, Page, Priority};
use crate::error::Error;
use crate::ids::{AccountId, AgentId, CaseId, CaseNumber, ContactId};

/// Runs every behaviour in turn.
pub async fn run_all(repo: &dyn Repository) {
    case_round_trip(repo).await;
    missing_records_are_not_found(repo).await;
    duplicates_are_rejected(repo).await;
    stale_updates_conflict_and_write_nothing(repo).await;
    events_are_appended_with_updates(repo).await;
    sequences_are_gap_free_and_unique_under_concurrency(repo).await;
    concurrent_updates_lose_nothing(repo).await;
    list_ordering_and_pagination(repo).await;
    scan_walks_every_match_once(repo).await;
    accounts_and_contacts_round_trip(repo).await;
    saved_searches_round_trip(repo).await;
    router_state_is_one_versioned_document(repo).await;
    articles_round_trip(repo).await;
    portal_records_round_trip(repo).await;
    failed_commits_write_nothing(repo).await;
    units_reject_duplicate_writes(repo).await;
    sequence_claims_are_checked(repo).await;
    movable_case_numbers_take_the_next_free_ones(repo).await;
    concurrent_movable_units_number_gap_free(repo).await;
    feed_is_gap_free_and_ordered(repo).await;
    concurrent_commits_keep_the_feed_gap_free(repo).await;
    new_contacts_commit_with_their_case(repo).await;
    failed_case_inserts_store_no_contact(repo).await;
    taken_contact_emails_fail_the_unit(repo).await;
    article_slugs_belong_to_one_number(repo).await;
}

/// The feed position of the last event stored (0 for an empty feed).
async fn feed_head(repo: &dyn Repository) -> u64 {
    let mut head = 0;
    loop {
        let batch = repo.events_after(head, 1000).await.expect("events_after");
        match batch.last() {
            Some(last) => head = last.position,
            None => return head,
        }
    }
}

/// A case decided but not stored.
async fn unsaved_case(repo: &dyn Repository) -> (Case, Vec<crate::case::CaseEvent>) {
    decided_case(repo, AccountId::new(), Priority::Medium, now()).await
}

/// A unit with one violated precondition — anywhere in it — writes nothing at
/// all: not the valid case updates and inserts before it, not the feed, not the
/// sequences, not the router.
pub async fn failed_commits_write_nothing(repo: &dyn Repository) {
    use super::UnitOfWork;
    let mut stored = new_case(repo, AccountId::new(), Priority::Medium, now()).await;
    let before = stored.clone();
    let update = stored
        .execute(
            CaseCommand::Assign {
                agent: AgentId::new(),
            },
            now(),
            &CaseRules::default(),
        )
        .expect("assign");
    let (fresh, fresh_events) = unsaved_case(repo).await;
    let other = new_case(repo, AccountId::new(), Priority::Low, now()).await;
    let year = fresh_year(8000, 200);
    let counter = repo
        .current_sequence(SequenceKind::Knowledge, year)
        .await
        .expect("current_sequence");
    let router = repo.get_router_state().await.expect("get_router_state");
    let stale_router = match &router {
        Some(r) => Some(r.version + 1),
        None => Some(1),
    };
    let valid = UnitOfWork::new()
        .update_case(stored.clone(), 1, update.clone())
        .insert_case(fresh.clone(), fresh_events.clone())
        .claim(SequenceKind::Knowledge, year, counter + 1);
    let head = feed_head(repo).await;

    let failing = [
        (
            "a stale router version",
            valid
                .clone()
                .router(crate::routing::RouterState::default(), stale_router),
        ),
        (
            "a stale case version",
            valid.clone().update_case(other.clone(), 7, Vec::new()),
        ),
        (
            "a skipped sequence number",
            valid
                .clone()
                .claim(SequenceKind::Knowledge, year, counter + 3),
        ),
        ("a duplicate case number", {
            let mut twin = fresh.clone();
            twin.id = CaseId::new();
            valid.clone().insert_case(twin, fresh_events.clone())
        }),
    ];
    for (what, unit) in failing {
        assert!(
            repo.commit(&unit).await.is_err(),
            "a unit with {what} must fail"
        );
        let read = repo.get_case(before.id).await.expect("get_case");
        assert_eq!(
            (&read.value, read.version),
            (&before, 1),
            "a unit with {what} left the updated case untouched"
        );
        assert!(
            matches!(repo.get_case(fresh.id).await, Err(Error::NotFound { .. })),
            "a unit with {what} inserted nothing"
        );
        assert_eq!(
            repo.current_sequence(SequenceKind::Knowledge, year)
                .await
                .expect("current_sequence"),
            counter,
            "a unit with {what} consumed no number"
        );
        assert_eq!(
            feed_head(repo).await,
            head,
            "a unit with {what} appended nothing to the feed"
        );
        assert_eq!(
            repo.get_router_state().await.expect("router"),
            router,
            "a unit with {what} left the router as it was"
        );
    }
    let committed = repo.commit(&valid).await.expect("the valid unit commits");
    assert_eq!(committed.case_version(stored.id), Some(2), "update version");
    assert_eq!(committed.case_version(fresh.id), Some(1), "insert version");
    assert_eq!(
        repo.get_case(stored.id).await.expect("get").value,
        stored,
        "the update is stored"
    );
    assert_eq!(
        repo.get_case(fresh.id).await.expect("get").value,
        fresh,
        "the insert is stored"
    );
    assert_eq!(
        repo.current_sequence(SequenceKind::Knowledge, year)
            .await
            .expect("current_sequence"),
        counter + 1,
        "the claim is stored"
    );
}

/// A unit that writes the same case twice is refused whole.
pub async fn units_reject_duplicate_writes(repo: &dyn Repository) {
    use super::UnitOfWork;
    let case = new_case(repo, AccountId::new(), Priority::Low, now()).await;
    let mut changed = case.clone();
    let events = changed
        .execute(
            CaseCommand::Assign {
                agent: AgentId::new(),
            },
            now(),
            &CaseRules::default(),
        )
        .expect("assign");
    let unit = UnitOfWork::new()
        .update_case(changed.clone(), 1, events.clone())
        .update_case(changed, 1, events);
    assert!(
        repo.commit(&unit).await.is_err(),
        "the same case twice in one unit is refused"
    );
    assert_eq!(
        repo.get_case(case.id).await.expect("get").version,
        1,
        "nothing was written"
    );
}

/// A claim is valid only as the stored counter + 1; claims of one sequence in
/// one unit follow each other.
pub async fn sequence_claims_are_checked(repo: &dyn Repository) {
    use super::UnitOfWork;
    let year = fresh_year(7000, 200);
    let kind = SequenceKind::Knowledge;
    let c = repo.current_sequence(kind, year).await.expect("current");
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().claim(kind, year, c + 2))
                .await,
            Err(Error::Conflict { .. })
        ),
        "skipping a number conflicts"
    );
    repo.commit(&UnitOfWork::new().claim(kind, year, c + 1))
        .await
        .expect("the next number");
    repo.commit(
        &UnitOfWork::new()
            .claim(kind, year, c + 2)
            .claim(kind, year, c + 3),
    )
    .await
    .expect("two consecutive numbers in one unit");
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().claim(kind, year, c + 3))
                .await,
            Err(Error::Conflict { .. })
        ),
        "a number already used conflicts"
    );
    assert_eq!(
        repo.current_sequence(kind, year).await.expect("current"),
        c + 3,
        "the counter is the last number used"
    );
    assert_eq!(
        repo.next_sequence(kind, year).await.expect("next"),
        c + 4,
        "next_sequence continues from claims"
    );
}

/// A new case decided under `number` (not stored).
fn case_numbered(number: CaseNumber) -> (Case, Vec<crate::case::CaseEvent>) {
    let new = NewCase::new(
        CaseId::new(),
        number,
        AccountId::new(),
        "Conformance subject",
        "Conformance description",
    );
    Case::create(new, now(), &CaseRules::default()).expect("valid case")
}

/// `events` with the case of their `Created` event renumbered to `number`.
fn renumbered_events(
    events: &[crate::case::CaseEvent],
    number: CaseNumber,
) -> Vec<crate::case::CaseEvent> {
    let mut events = events.to_vec();
    for event in &mut events {
        if let crate::case::CaseEvent::Created { case, .. } = event {
            case.number = number;
        }
    }
    events
}

/// A year of case numbers no other behaviour draws from (8200–8999), picked
/// at random so runs against a store that already holds data rarely meet.
fn fresh_case_year() -> i32 {
    fresh_year(8200, 800)
}

/// A random year in `base .. base + span`. Ids are time-ordered (UUID v7):
/// only their last bytes are random, so those are the ones used.
fn fresh_year(base: i32, span: u16) -> i32 {
    let id = CaseId::new();
    let bytes = id.as_uuid().as_bytes();
    let random = u16::from_be_bytes([bytes[14], bytes[15]]);
    base + i32::from(random % span)
}

/// A unit with [`movable_numbers`](super::UnitOfWork::movable_numbers) whose
/// case-number guesses another writer took: a store that
/// [moves numbers](Repository::moves_numbers) stores its new cases under the
/// next free numbers — the case, its number index, its `Created` event in the
/// history and the feed all carry the new number, and
/// [`Committed::renumbered`](super::Committed::renumbered) says so — a right
/// guess moves nothing and a guess ahead moves back; a failed unit moves no
/// counter, a moved number a stored case holds is `AlreadyExists` (kind
/// `"case number"`, naming it), and knowledge claims stay checked. A store
/// that does not move numbers conflicts and writes nothing.
pub async fn movable_case_numbers_take_the_next_free_ones(repo: &dyn Repository) {
    use super::UnitOfWork;
    let kind = SequenceKind::Case;
    let year = fresh_case_year();
    let c = repo.current_sequence(kind, year).await.expect("current");
    let number = |n: u32| CaseNumber::new(year, n).expect("valid number");
    // Another writer takes c+1 after this unit guessed it.
    repo.commit(&UnitOfWork::new().claim(kind, year, c + 1))
        .await
        .expect("the other writer's claim");
    let (a, a_events) = case_numbered(number(c + 1));
    let (b, b_events) = case_numbered(number(c + 2));
    let work = UnitOfWork::new()
        .insert_case(a.clone(), a_events.clone())
        .insert_case(b.clone(), b_events.clone())
        .claim(kind, year, c + 1)
        .claim(kind, year, c + 2)
        .movable_numbers();
    let head = feed_head(repo).await;
    let result = repo.commit(&work).await;
    if !repo.moves_numbers() {
        assert!(
            matches!(result, Err(Error::Conflict { .. })),
            "a store that keeps numbers checks the claims: {result:?}"
        );
        assert!(
            matches!(repo.get_case(a.id).await, Err(Error::NotFound { .. })),
            "nothing is written"
        );
        return;
    }
    let committed = result.expect("a store that moves numbers commits the unit");
    assert_eq!(
        committed.renumbered,
        vec![(a.id, number(c + 2)), (b.id, number(c + 3))],
        "the new cases take the next free numbers, in unit order"
    );
    assert_eq!(committed.case_number(b.id), Some(number(c + 3)));
    for (case, events, n) in [(&a, &a_events, c + 2), (&b, &b_events, c + 3)] {
        let mut moved = case.clone();
        moved.number = number(n);
        let stored = repo.get_case(case.id).await.expect("stored");
        assert_eq!(stored.value, moved, "the case reads back renumbered");
        let by_number = repo.get_case_by_number(number(n)).await.expect("by number");
        assert_eq!(
            by_number.value.id, case.id,
            "the number index has the new number"
        );
        assert_eq!(
            repo.case_events(case.id).await.expect("history"),
            renumbered_events(events, number(n)),
            "the Created event carries the new number"
        );
    }
    let feed = repo.events_after(head, 100).await.expect("feed");
    let ours: Vec<_> = feed
        .iter()
        .filter(|e| e.case == a.id || e.case == b.id)
        .map(|e| e.event.clone())
        .collect();
    let expected: Vec<_> = renumbered_events(&a_events, number(c + 2))
        .into_iter()
        .chain(renumbered_events(&b_events, number(c + 3)))
        .collect();
    assert_eq!(ours, expected, "the feed carries the new numbers");
    assert_eq!(
        repo.current_sequence(kind, year).await.expect("current"),
        c + 3,
        "the counter moved past the new numbers"
    );
    // A right guess keeps its number.
    let (d, d_events) = case_numbered(number(c + 4));
    let kept = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(d.clone(), d_events)
                .claim(kind, year, c + 4)
                .movable_numbers(),
        )
        .await
        .expect("a right guess commits");
    assert!(kept.renumbered.is_empty(), "nothing moved");
    assert_eq!(
        repo.get_case(d.id).await.expect("stored").value.number,
        number(c + 4)
    );
    // A guess ahead of the counter moves back to the next free number.
    let (f, f_events) = case_numbered(number(c + 9));
    let back = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(f.clone(), f_events)
                .claim(kind, year, c + 9)
                .movable_numbers(),
        )
        .await
        .expect("a guess ahead commits");
    assert_eq!(
        back.renumbered,
        vec![(f.id, number(c + 5))],
        "no gap is left"
    );
    assert_eq!(
        repo.get_case_by_number(number(c + 5))
            .await
            .expect("by number")
            .value
            .id,
        f.id
    );
    // A failed unit moves no counter: the case id is taken.
    let (mut again, again_events) = case_numbered(number(c + 6));
    again.id = d.id;
    let failed = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(again, again_events)
                .claim(kind, year, c + 6)
                .movable_numbers(),
        )
        .await;
    assert!(
        matches!(failed, Err(Error::AlreadyExists { kind: "case", .. })),
        "a taken id fails the unit: {failed:?}"
    );
    // Knowledge claims never move: a stale one fails the whole unit.
    let ky = fresh_year(7000, 200);
    let k = repo
        .current_sequence(SequenceKind::Knowledge, ky)
        .await
        .expect("current");
    let (e, e_events) = case_numbered(number(c + 6));
    let stale = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(e.clone(), e_events)
                .claim(kind, year, c + 6)
                .claim(SequenceKind::Knowledge, ky, k + 2)
                .movable_numbers(),
        )
        .await;
    assert!(
        matches!(stale, Err(Error::Conflict { .. })),
        "a stale knowledge claim conflicts: {stale:?}"
    );
    assert!(matches!(
        repo.get_case(e.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        repo.current_sequence(kind, year).await.expect("current"),
        c + 5,
        "failed units moved no counter"
    );
    // A moved number a stored case already holds (one written without a
    // claim, as an import would) fails the unit as a taken number.
    let (held, held_events) = case_numbered(number(c + 7));
    repo.insert_case(&held, &held_events)
        .await
        .expect("a case stored under a number ahead of the counter");
    repo.commit(&UnitOfWork::new().claim(kind, year, c + 6))
        .await
        .expect("the other writer's claim");
    let (g, g_events) = case_numbered(number(c + 6));
    let taken = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(g.clone(), g_events)
                .claim(kind, year, c + 6)
                .movable_numbers(),
        )
        .await;
    let held_number = number(c + 7).to_string();
    assert!(
        matches!(&taken, Err(Error::AlreadyExists { kind: "case number", key }) if *key == held_number),
        "a moved number that is taken fails the unit, naming that number: {taken:?}"
    );
    assert!(matches!(
        repo.get_case(g.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        repo.current_sequence(kind, year).await.expect("current"),
        c + 6,
        "the failed unit moved no counter"
    );
    // The counter passes the imported number, so the year stays usable.
    repo.commit(&UnitOfWork::new().claim(kind, year, c + 7))
        .await
        .expect("the imported number's claim");
}

/// Many units with movable numbers in flight at once, all guessing the same
/// numbers: on a store that moves numbers every one commits and the new cases'
/// numbers are gap-free and unique; elsewhere each number is stored once.
pub async fn concurrent_movable_units_number_gap_free(repo: &dyn Repository) {
    use super::UnitOfWork;
    let kind = SequenceKind::Case;
    let year = fresh_case_year();
    let c = repo.current_sequence(kind, year).await.expect("current");
    let mut units = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..12 {
        let number = CaseNumber::new(year, c + 1).expect("valid number");
        let (first, first_events) = case_numbered(number);
        let (second, second_events) =
            case_numbered(CaseNumber::new(year, c + 2).expect("valid number"));
        ids.push((first.id, second.id));
        units.push(
            UnitOfWork::new()
                .insert_case(first, first_events)
                .insert_case(second, second_events)
                .claim(kind, year, c + 1)
                .claim(kind, year, c + 2)
                .movable_numbers(),
        );
    }
    let futures = units.iter().map(|u| repo.commit(u)).collect();
    let results = join_all(futures).await;
    let mut numbers = Vec::new();
    for ((first, second), result) in ids.iter().zip(&results) {
        match result {
            Ok(_) => {
                let a = repo.get_case(*first).await.expect("stored").value.number;
                let b = repo.get_case(*second).await.expect("stored").value.number;
                assert_eq!(
                    b.sequence(),
                    a.sequence() + 1,
                    "a unit's cases keep their order and stay consecutive"
                );
                numbers.extend([a.sequence(), b.sequence()]);
            }
            Err(e) => assert!(
                !repo.moves_numbers() && matches!(e, Error::Conflict { .. }),
                "only a store that keeps numbers refuses a guess: {e:?}"
            ),
        }
    }
    numbers.sort_unstable();
    let expected: Vec<u32> = (c + 1..=c + u32::try_from(numbers.len()).unwrap_or(0)).collect();
    assert_eq!(numbers, expected, "gap-free and unique");
    if repo.moves_numbers() {
        assert_eq!(numbers.len(), 24, "every unit committed");
    }
    assert_eq!(
        repo.current_sequence(kind, year).await.expect("current"),
        c + u32::try_from(numbers.len()).unwrap_or(0)
    );
}

/// Events get consecutive global positions in unit order; `events_after`
/// pages through them with the last position as the cursor.
pub async fn feed_is_gap_free_and_ordered(repo: &dyn Repository) {
    use super::UnitOfWork;
    let head = feed_head(repo).await;
    let (a, a_events) = unsaved_case(repo).await;
    let (b, b_events) = unsaved_case(repo).await;
    let committed = repo
        .commit(
            &UnitOfWork::new()
                .insert_case(a.clone(), a_events.clone())
                .insert_case(b.clone(), b_events.clone()),
        )
        .await
        .expect("commit");
    let expected: Vec<(CaseId, crate::case::CaseEvent)> = a_events
        .iter()
        .map(|e| (a.id, e.clone()))
        .chain(b_events.iter().map(|e| (b.id, e.clone())))
        .collect();
    let feed = repo
        .events_after(head, expected.len() + 10)
        .await
        .expect("events_after");
    assert!(
        feed.len() >= expected.len(),
        "the unit's events are in the feed"
    );
    let ours: Vec<_> = feed.iter().take(expected.len()).collect();
    assert_eq!(
        committed.first_position,
        Some(head + 1),
        "the unit's events start right after the previous head"
    );
    for (i, (entry, (case, event))) in ours.iter().zip(&expected).enumerate() {
        assert_eq!(
            entry.position,
            head + 1 + i as u64,
            "position {i} has no gap"
        );
        assert_eq!(
            (&entry.case, &entry.event),
            (case, event),
            "entry {i} in unit order"
        );
    }
    let one = repo.events_after(head, 1).await.expect("events_after");
    assert_eq!(one.len(), 1, "the limit is honoured");
    let rest = repo
        .events_after(head + 1, expected.len())
        .await
        .expect("events_after");
    assert_eq!(
        rest.first().map(|e| e.position),
        Some(head + 2),
        "the cursor is exclusive"
    );
}

/// Commits in flight at once: every event gets exactly one position, and the
/// positions are consecutive.
pub async fn concurrent_commits_keep_the_feed_gap_free(repo: &dyn Repository) {
    use super::UnitOfWork;
    let head = feed_head(repo).await;
    let mut units = Vec::new();
    for _ in 0..16 {
        let (case, events) = unsaved_case(repo).await;
        units.push(UnitOfWork::new().insert_case(case, events));
    }
    let expected: usize = units.iter().map(UnitOfWork::event_count).sum();
    let futures = units.iter().map(|u| repo.commit(u)).collect();
    for result in join_all(futures).await {
        result.expect("independent inserts all commit");
    }
    let feed = repo
        .events_after(head, expected + 1000)
        .await
        .expect("events_after");
    let positions: Vec<u64> = feed.iter().map(|e| e.position).collect();
    assert!(positions.len() >= expected, "every event is in the feed");
    assert!(
        positions.windows(2).all(|w| w[1] == w[0] + 1),
        "positions are consecutive"
    );
    assert_eq!(
        positions.first().copied(),
        Some(head + 1),
        "no gap at the start"
    );
}

/// A fresh contact on a fresh account, with a unique email.
fn fresh_contact(name: &str) -> Contact {
    let id = ContactId::new();
    Contact::new(id, AccountId::new(), name, format!("{id}@contacts.example"))
}

/// A unit with a new case and its new contact stores both, together.
pub async fn new_contacts_commit_with_their_case(repo: &dyn Repository) {
    use super::UnitOfWork;
    let contact = fresh_contact("Ada");
    let (case, events) = unsaved_case(repo).await;
    let unit = UnitOfWork::new()
        .insert_case(case.clone(), events)
        .contact(contact.clone(), None);
    let committed = repo
        .commit(&unit)
        .await
        .expect("a case with its new contact commits");
    assert_eq!(committed.case_version(case.id), Some(1), "case version");
    assert_eq!(
        committed.contact_version(contact.id),
        Some(1),
        "a new contact starts at version 1"
    );
    assert_eq!(repo.get_case(case.id).await.expect("get_case").value, case);
    let stored = repo.get_contact(contact.id).await.expect("get_contact");
    assert_eq!((&stored.value, stored.version), (&contact, 1));
    assert_eq!(
        repo.find_contact_by_email(&contact.email.to_uppercase())
            .await
            .expect("find")
            .map(|c| c.value.id),
        Some(contact.id),
        "the committed contact is found by email"
    );
    // A contact update in a unit: optimistic like any record.
    let mut renamed = contact.clone();
    renamed.name = "Ada L.".into();
    let committed = repo
        .commit(&UnitOfWork::new().contact(renamed.clone(), Some(1)))
        .await
        .expect("update at the stored version");
    assert_eq!(committed.contact_version(contact.id), Some(2));
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().contact(contact.clone(), Some(1)))
                .await,
            Err(Error::Conflict {
                expected: 1,
                actual: 2
            })
        ),
        "a stale contact update conflicts"
    );
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().contact(fresh_contact("Nobody"), Some(1)))
                .await,
            Err(Error::NotFound {
                kind: "contact",
                ..
            })
        ),
        "an update of an unknown contact is not found"
    );
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().contact(renamed.clone(), None))
                .await,
            Err(Error::AlreadyExists {
                kind: "contact",
                ..
            })
        ),
        "inserting a stored contact id again is refused"
    );
    let read = repo.get_contact(contact.id).await.expect("get_contact");
    assert_eq!(
        (&read.value, read.version),
        (&renamed, 2),
        "refused writes wrote nothing"
    );
}

/// A unit whose case insert fails stores none of its contacts.
pub async fn failed_case_inserts_store_no_contact(repo: &dyn Repository) {
    use super::UnitOfWork;
    let existing = new_case(repo, AccountId::new(), Priority::Low, now()).await;
    let head = feed_head(repo).await;
    let contact = fresh_contact("Orphan");
    let (mut twin, events) = unsaved_case(repo).await;
    twin.id = existing.id;
    let unit = UnitOfWork::new()
        .contact(contact.clone(), None)
        .insert_case(twin, events);
    assert!(
        matches!(
            repo.commit(&unit).await,
            Err(Error::AlreadyExists { kind: "case", .. })
        ),
        "a unit inserting a taken case id fails"
    );
    assert!(
        matches!(
            repo.get_contact(contact.id).await,
            Err(Error::NotFound { .. })
        ),
        "the failed unit stored no contact"
    );
    assert_eq!(
        repo.find_contact_by_email(&contact.email)
            .await
            .expect("find"),
        None,
        "no contact has the failed unit's email"
    );
    assert_eq!(feed_head(repo).await, head, "nothing was appended");
    // The retry with a fresh case stores the contact once.
    let (case, events) = unsaved_case(repo).await;
    let retry = UnitOfWork::new()
        .contact(contact.clone(), None)
        .insert_case(case, events);
    repo.commit(&retry).await.expect("the retry commits");
    assert_eq!(
        repo.get_contact(contact.id).await.expect("get").version,
        1,
        "the retry stored the contact"
    );
}

/// Contacts are unique by normalised email: a contact write that would give
/// a second contact a taken email fails its whole unit with `AlreadyExists`,
/// also when the inserts race.
pub async fn taken_contact_emails_fail_the_unit(repo: &dyn Repository) {
    use super::UnitOfWork;
    let first = fresh_contact("First");
    repo.put_contact(&first, None).await.expect("insert");
    let head = feed_head(repo).await;
    let mut second = fresh_contact("Second");
    second.email = format!("  {}  ", first.email.to_uppercase());
    let (case, events) = unsaved_case(repo).await;
    let unit = UnitOfWork::new()
        .insert_case(case.clone(), events)
        .contact(second.clone(), None);
    match repo.commit(&unit).await {
        Err(Error::AlreadyExists {
            kind: "contact email",
            key,
        }) => assert_eq!(key, first.email.to_ascii_lowercase(), "names the email"),
        other => panic!("a contact with a taken email must fail the unit: {other:?}"),
    }
    assert!(
        matches!(repo.get_case(case.id).await, Err(Error::NotFound { .. })),
        "the failed unit stored no case"
    );
    assert!(
        matches!(
            repo.get_contact(second.id).await,
            Err(Error::NotFound { .. })
        ),
        "the failed unit stored no contact"
    );
    assert_eq!(feed_head(repo).await, head, "nothing was appended");
    assert!(
        matches!(
            repo.put_contact(&second, None).await,
            Err(Error::AlreadyExists {
                kind: "contact email",
                ..
            })
        ),
        "put_contact refuses a taken email too"
    );
    // Two contacts with one email in one unit.
    let (a, mut b) = (fresh_contact("A"), fresh_contact("B"));
    b.email = a.email.to_uppercase();
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().contact(a.clone(), None).contact(b, None))
                .await,
            Err(Error::AlreadyExists {
                kind: "contact email",
                ..
            })
        ),
        "two contacts with one email in a unit"
    );
    assert!(
        matches!(repo.get_contact(a.id).await, Err(Error::NotFound { .. })),
        "that unit stored nothing"
    );
    // Updates: keeping one's email is fine, taking another's is not.
    let other = fresh_contact("Other");
    repo.put_contact(&other, None).await.expect("insert other");
    let mut recased = other.clone();
    recased.email = other.email.to_uppercase();
    assert_eq!(
        repo.put_contact(&recased, Some(1))
            .await
            .expect("same email"),
        2
    );
    let mut taker = recased.clone();
    taker.email = first.email.clone();
    assert!(
        matches!(
            repo.put_contact(&taker, Some(2)).await,
            Err(Error::AlreadyExists {
                kind: "contact email",
                ..
            })
        ),
        "an update taking another contact's email"
    );
    assert_eq!(
        repo.get_contact(other.id).await.expect("get").value,
        recased,
        "the refused update wrote nothing"
    );
    // Racing inserts of one new email under different ids: exactly one wins.
    let email = format!("{}@race.example", ContactId::new());
    let units: Vec<UnitOfWork> = (0..8)
        .map(|_| {
            let mut c = fresh_contact("Racer");
            c.email = email.clone();
            UnitOfWork::new().contact(c, None)
        })
        .collect();
    let results = join_all(units.iter().map(|u| repo.commit(u)).collect()).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        won, 1,
        "exactly one of 8 racing inserts of one email commits"
    );
    for result in &results {
        if let Err(e) = result {
            assert!(
                matches!(
                    e,
                    Error::AlreadyExists {
                        kind: "contact email",
                        ..
                    } | Error::Conflict { .. }
                ),
                "a losing insert is AlreadyExists (or a retryable Conflict): {e:?}"
            );
        }
    }
    assert!(
        repo.find_contact_by_email(&email)
            .await
            .expect("find")
            .is_some(),
        "the winner is stored"
    );
}

/// A fresh article number (year 9999, random sequence) and a fresh slug.
fn fresh_number() -> crate::ids::KnowledgeNumber {
    let bytes = crate::ids::ArticleId::new().as_uuid().as_u128();
    let sequence = u32::try_from(bytes % 1_000_000_000).unwrap_or(0) + 1;
    crate::ids::KnowledgeNumber::new(9999, sequence).expect("valid number")
}

/// An unsaved article version of `number` with `slug`.
fn article_of(
    number: crate::ids::KnowledgeNumber,
    slug: &str,
) -> crate::knowledge::KnowledgeArticle {
    use crate::knowledge::{ArticleDraft, KnowledgeBase};
    let mut kb = KnowledgeBase::new();
    let id = kb
        .create_numbered(
            ArticleDraft::new("Slug conformance", "Step one."),
            number,
            now(),
        )
        .expect("valid draft");
    let mut article = kb.article(id).expect("created").clone();
    slug.clone_into(&mut article.slug);
    article
}

/// Slugs belong to one article number: the versions of a number share their
/// slug; writing an article of another number with a taken slug (stored, or
/// in the same unit) fails the whole unit with [`Error::AlreadyExists`] (kind
/// `"article slug"`) and writes nothing, not even the unit's other writes;
/// of 8 racing inserts of one new slug under different numbers exactly one
/// commits.
pub async fn article_slugs_belong_to_one_number(repo: &dyn Repository) {
    use super::UnitOfWork;
    let slug = format!("slug-{}", crate::ids::ArticleId::new().as_uuid().simple());
    let number = fresh_number();
    let first = article_of(number, &slug);
    repo.put_article(&first, None).await.expect("insert");
    // Another version of the same number shares the slug, and updates keep it.
    let second = article_of(number, &slug);
    assert_eq!(
        repo.put_article(&second, None)
            .await
            .expect("a second version of the number shares its slug"),
        1
    );
    let mut updated = first.clone();
    updated.counters.views += 1;
    assert_eq!(
        repo.put_article(&updated, Some(1))
            .await
            .expect("an update keeps the slug"),
        2
    );
    // Another number with the taken slug fails its unit, case and all.
    let head = feed_head(repo).await;
    let mut other_number = fresh_number();
    while other_number == number {
        other_number = fresh_number();
    }
    let taker = article_of(other_number, &slug);
    let (case, events) = unsaved_case(repo).await;
    let unit = UnitOfWork::new()
        .insert_case(case.clone(), events)
        .article(taker.clone(), None);
    match repo.commit(&unit).await {
        Err(Error::AlreadyExists {
            kind: "article slug",
            key,
        }) => assert_eq!(key, slug, "names the slug"),
        other => {
            panic!("an article of another number with a taken slug must fail the unit: {other:?}")
        }
    }
    assert!(
        matches!(repo.get_case(case.id).await, Err(Error::NotFound { .. })),
        "the failed unit stored no case"
    );
    assert!(
        matches!(
            repo.get_article(taker.id).await,
            Err(Error::NotFound { .. })
        ),
        "the failed unit stored no article"
    );
    assert_eq!(feed_head(repo).await, head, "nothing was appended");
    assert!(
        matches!(
            repo.put_article(&taker, None).await,
            Err(Error::AlreadyExists {
                kind: "article slug",
                ..
            })
        ),
        "put_article refuses a taken slug too"
    );
    // An update that moves an article of another number onto the slug.
    let own = format!("slug-{}", crate::ids::ArticleId::new().as_uuid().simple());
    let mover = article_of(other_number, &own);
    repo.put_article(&mover, None).await.expect("insert mover");
    let mut moved = mover.clone();
    moved.slug.clone_from(&slug);
    assert!(
        matches!(
            repo.put_article(&moved, Some(1)).await,
            Err(Error::AlreadyExists {
                kind: "article slug",
                ..
            })
        ),
        "an update taking another number's slug"
    );
    assert_eq!(
        repo.get_article(mover.id).await.expect("get").value,
        mover,
        "the refused update wrote nothing"
    );
    assert_eq!(
        repo.article_versions(number).await.expect("versions").len(),
        2,
        "the holder's versions are untouched"
    );
    // Two numbers with one new slug in one unit.
    let fresh = format!("slug-{}", crate::ids::ArticleId::new().as_uuid().simple());
    let a = article_of(fresh_number(), &fresh);
    let mut b_number = fresh_number();
    while b_number == a.number {
        b_number = fresh_number();
    }
    let b = article_of(b_number, &fresh);
    assert!(
        matches!(
            repo.commit(&UnitOfWork::new().article(a.clone(), None).article(b, None))
                .await,
            Err(Error::AlreadyExists {
                kind: "article slug",
                ..
            })
        ),
        "two numbers with one slug in a unit"
    );
    assert!(
        matches!(repo.get_article(a.id).await, Err(Error::NotFound { .. })),
        "that unit stored nothing"
    );
    // Racing inserts of one new slug under 8 different numbers: exactly one wins.
    let raced = format!("slug-{}", crate::ids::ArticleId::new().as_uuid().simple());
    let mut numbers = BTreeSet::new();
    while numbers.len() < 8 {
        numbers.insert(fresh_number());
    }
    let units: Vec<UnitOfWork> = numbers
        .iter()
        .map(|n| UnitOfWork::new().article(article_of(*n, &raced), None))
        .collect();
    let results = join_all(units.iter().map(|u| repo.commit(u)).collect()).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        won, 1,
        "exactly one of 8 racing inserts of one slug under different numbers commits"
    );
    for result in &results {
        if let Err(e) = result {
            assert!(
                matches!(
                    e,
                    Error::AlreadyExists {
                        kind: "article slug",
                        ..
                    } | Error::Conflict { .. }
                ),
                "a losing insert is AlreadyExists (or a retryable Conflict): {e:?}"
            );
        }
    }
    let stored: Vec<_> = repo
        .list_articles()
        .await
        .expect("list")
        .into_iter()
        .filter(|a| a.value.slug == raced)
        .collect();
    assert_eq!(stored.len(), 1, "the winner alone is stored");
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_600_000, 0).unwrap_or_default() // 2026-01-05T08:00:00Z
}

/// Polls all futures in the current task until every one is ready.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (slot, fut) in results.iter_mut().zip(futures.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

async fn new_case(
    repo: &dyn Repository,
    account: AccountId,
    priority: Priority,
    created: DateTime<Utc>,
) -> Case {
    let (case, events) = decided_case(repo, account, priority, created).await;
    let stored = repo
        .insert_case(&case, &events)
        .await
        .expect("insert_case of a new case succeeds");
    assert_eq!(stored.version, 1, "a new case starts at version 1");
    case
}

/// A case decided but not stored, its number drawn from the store's sequence.
async fn decided_case(
    repo: &dyn Repository,
    account: AccountId,
    priority: Priority,
    created: DateTime<Utc>,
) -> (Case, Vec<crate::case::CaseEvent>) {
    let seq = repo
        .next_sequence(SequenceKind::Case, 9999)
        .await
        .expect("next_sequence works");
    let number = CaseNumber::new(9999, seq).expect("valid case number");
    let new = NewCase::new(
        CaseId::new(),
        number,
        account,
        "Conformance subject",
        "Conformance description",
    )
    .with_priority(priority);
    Case::create(new, created, &CaseRules::default()).expect("valid case")
}

/// A case reads back equal, by id and by number, with its creation events.
pub async fn case_round_trip(repo: &dyn Repository) {
    let case = new_case(repo, AccountId::new(), Priority::Medium, now()).await;
    let by_id = repo
        .get_case(case.id)
        .await
        .expect("get_case finds an inserted case");
    assert_eq!(by_id.value, case, "case round trip by id");
    let by_number = repo
        .get_case_by_number(case.number)
        .await
        .expect("get_case_by_number finds it");
    assert_eq!(by_number.value, case, "case round trip by number");
    let events = repo
        .case_events(case.id)
        .await
        .expect("case_events of an inserted case");
    assert!(
        !events.is_empty(),
        "creation events are stored with the case"
    );
}

/// Unknown ids are `Error::NotFound`.
pub async fn missing_records_are_not_found(repo: &dyn Repository) {
    assert!(
        matches!(
            repo.get_case(CaseId::new()).await,
            Err(Error::NotFound { .. })
        ),
        "get_case of an unknown id"
    );
    assert!(
        matches!(
            repo.case_events(CaseId::new()).await,
            Err(Error::NotFound { .. })
        ),
        "case_events of an unknown id"
    );
    assert!(
        matches!(
            repo.get_account(AccountId::new()).await,
            Err(Error::NotFound { .. })
        ),
        "get_account of an unknown id"
    );
    assert!(
        matches!(
            repo.get_contact(ContactId::new()).await,
            Err(Error::NotFound { .. })
        ),
        "get_contact of an unknown id"
    );
    let case = Case::create(
        NewCase::new(
            CaseId::new(),
            CaseNumber::new(9998, 1).expect("valid"),
            AccountId::new(),
            "s",
            "d",
        ),
        now(),
        &CaseRules::default(),
    )
    .expect("valid case")
    .0;
    assert!(
        matches!(
            repo.update_case(&case, 1, &[]).await,
            Err(Error::NotFound { .. })
        ),
        "update_case of an unknown case"
    );
}

/// Inserting a known id or case number fails and changes nothing.
pub async fn duplicates_are_rejected(repo: &dyn Repository) {
    let case = new_case(repo, AccountId::new(), Priority::Low, now()).await;
    assert!(
        matches!(
            repo.insert_case(&case, &[]).await,
            Err(Error::AlreadyExists { .. })
        ),
        "same id twice"
    );
    let mut same_number = case.clone();
    same_number.id = CaseId::new();
    assert!(
        matches!(
            repo.insert_case(&same_number, &[]).await,
            Err(Error::AlreadyExists { .. })
        ),
        "same number twice"
    );
    assert!(
        matches!(
            repo.get_case(same_number.id).await,
            Err(Error::NotFound { .. })
        ),
        "the refused insert wrote nothing"
    );
    let account = Account::new(AccountId::new(), "Dup Inc");
    repo.put_account(&account, None)
        .await
        .expect("insert account");
    assert!(
        matches!(
            repo.put_account(&account, None).await,
            Err(Error::AlreadyExists { .. })
        ),
        "account inserted twice"
    );
}

/// An update with a stale version is `Error::Conflict { expected, actual }` and writes nothing.
pub async fn stale_updates_conflict_and_write_nothing(repo: &dyn Repository) {
    let mut case = new_case(repo, AccountId::new(), Priority::Medium, now()).await;
    let rules = CaseRules::default();
    let first = case.clone();
    let events = case
        .execute(
            CaseCommand::Assign {
                agent: AgentId::new(),
            },
            now(),
            &rules,
        )
        .expect("assign");
    let v2 = repo
        .update_case(&case, 1, &events)
        .await
        .expect("update at the current version");
    assert_eq!(v2, 2, "versions increase by one");
    let result = repo.update_case(&first, 1, &[]).await;
    match result {
        Err(Error::Conflict { expected, actual }) => {
            assert_eq!((expected, actual), (1, 2), "conflict names both versions")
        }
        other => panic!("a stale update must be Error::Conflict, got {other:?}"),
    }
    let stored = repo.get_case(case.id).await.expect("get_case");
    assert_eq!(
        (stored.value, stored.version),
        (case, 2),
        "the stale update wrote nothing"
    );
}

/// `update_case` appends its events after the earlier ones.
pub async fn events_are_appended_with_updates(repo: &dyn Repository) {
    let mut case = new_case(repo, AccountId::new(), Priority::High, now()).await;
    let before = repo.case_events(case.id).await.expect("events").len();
    let events = case
        .execute(
            CaseCommand::Assign {
                agent: AgentId::new(),
            },
            now(),
            &CaseRules::default(),
        )
        .expect("assign");
    repo.update_case(&case, 1, &events).await.expect("update");
    let after = repo.case_events(case.id).await.expect("events");
    assert_eq!(after.len(), before + events.len(), "events appended");
    assert_eq!(
        &after[before..],
        &events[..],
        "in order, after the earlier ones"
    );
    assert_eq!(
        Case::replay(&after).expect("replay"),
        case,
        "replaying the stored events reproduces the case"
    );
}

/// 64 sequence draws in flight at once yield 64 consecutive distinct numbers.
pub async fn sequences_are_gap_free_and_unique_under_concurrency(repo: &dyn Repository) {
    let year = fresh_year(9000, 200);
    let first = repo
        .next_sequence(SequenceKind::Knowledge, year)
        .await
        .expect("next_sequence");
    let futures = (0..64)
        .map(|_| repo.next_sequence(SequenceKind::Knowledge, year))
        .collect();
    let drawn: Vec<u32> = join_all(futures)
        .await
        .into_iter()
        .map(|r| r.expect("next_sequence"))
        .collect();
    let unique: BTreeSet<u32> = drawn.iter().copied().collect();
    assert_eq!(unique.len(), 64, "no number handed out twice");
    assert_eq!(
        unique.first().copied(),
        Some(first + 1),
        "no gap after the first draw"
    );
    assert_eq!(
        unique.last().copied(),
        Some(first + 64),
        "no gap inside the batch"
    );
}

/// Many updates based on the same version: exactly one wins, the rest conflict.
pub async fn concurrent_updates_lose_nothing(repo: &dyn Repository) {
    let case = new_case(repo, AccountId::new(), Priority::Medium, now()).await;
    let rules = CaseRules::default();
    let candidates: Vec<Case> = (0..16)
        .map(|_| {
            let mut c = case.clone();
            c.execute(
                CaseCommand::Assign {
                    agent: AgentId::new(),
                },
                now(),
                &rules,
            )
            .expect("assign");
            c
        })
        .collect();
    let futures = candidates
        .iter()
        .map(|c| repo.update_case(c, 1, &[]))
        .collect();
    let results = join_all(futures).await;
    let winners: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one update based on version 1 succeeds"
    );
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(Error::Conflict { .. }))),
        "the others conflict"
    );
    let stored = repo.get_case(case.id).await.expect("get_case");
    assert_eq!(stored.version, 2);
    assert_eq!(
        Some(&stored.value),
        winners.first().map(|&i| &candidates[i]),
        "the winner is what is stored"
    );
}

/// `list_cases` filters, orders totally (ties by id) and pages without overlap or gaps.
pub async fn list_ordering_and_pagination(repo: &dyn Repository) {
    let account = AccountId::new();
    let priorities = [
        Priority::Low,
        Priority::Critical,
        Priority::Medium,
        Priority::High,
    ];
    let mut ids = BTreeSet::new();
    for i in 0..23i64 {
        // Some share a creation instant, so the id tie-break matters.
        let created = now() + TimeDelta::minutes(i / 3);
        ids.insert(
            new_case(repo, account, priorities[(i % 4) as usize], created)
                .await
                .id,
        );
    }
    for order in [
        CaseOrder::NewestFirst,
        CaseOrder::OldestFirst,
        CaseOrder::PriorityThenAge,
        CaseOrder::ResolutionDueFirst,
    ] {
        let query = CaseQuery {
            account: Some(account),
            order,
            ..CaseQuery::default()
        };
        let all = repo
            .list_cases(&query, Page::first(100))
            .await
            .expect("list_cases");
        assert_eq!(all.total, 23, "{order:?}: total counts every match");
        assert_eq!(all.next, None, "{order:?}: one page holds all");
        let listed: Vec<&Case> = all.items.iter().map(|v| &v.value).collect();
        assert!(
            listed.windows(2).all(|w| order.compare(w[0], w[1]).is_lt()),
            "{order:?}: strictly ordered"
        );
        assert_eq!(
            listed.iter().map(|c| c.id).collect::<BTreeSet<_>>(),
            ids,
            "{order:?}: exactly the matches"
        );
        let mut paged = Vec::new();
        let mut page = Some(Page::first(5));
        while let Some(p) = page {
            let got = repo.list_cases(&query, p).await.expect("list_cases page");
            assert_eq!(got.total, 23, "{order:?}: total on every page");
            paged.extend(got.items.into_iter().map(|v| v.value.id));
            page = got.next;
        }
        assert_eq!(
            paged,
            listed.iter().map(|c| c.id).collect::<Vec<_>>(),
            "{order:?}: pages concatenate to the list"
        );
    }
    let high = CaseQuery {
        account: Some(account),
        priority_at_least: Some(Priority::High),
        ..CaseQuery::default()
    };
    let got = repo
        .list_cases(&high, Page::first(100))
        .await
        .expect("list_cases");
    assert!(
        got.items
            .iter()
            .all(|c| c.value.priority.at_least(Priority::High)),
        "filter applied"
    );
    let expected = (0..23usize)
        .filter(|i| priorities[i % 4].at_least(Priority::High))
        .count();
    assert_eq!(got.total, expected, "every High or Critical case, no other");
    let empty = repo
        .list_cases(
            &high,
            Page {
                offset: 1000,
                limit: 10,
            },
        )
        .await
        .expect("page past the end");
    assert!(
        empty.items.is_empty() && empty.next.is_none(),
        "a page past the end is empty"
    );
}

/// `scan_cases` visits every match exactly once, in id order.
pub async fn scan_walks_every_match_once(repo: &dyn Repository) {
    let account = AccountId::new();
    let mut ids = BTreeSet::new();
    for _ in 0..11 {
        ids.insert(new_case(repo, account, Priority::Medium, now()).await.id);
    }
    let query = CaseQuery {
        account: Some(account),
        ..CaseQuery::default()
    };
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let batch = repo.scan_cases(&query, after, 4).await.expect("scan_cases");
        assert!(batch.len() <= 4, "scan respects the limit");
        let Some(last) = batch.last() else { break };
        after = Some(last.value.id);
        seen.extend(batch.into_iter().map(|c| c.value.id));
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "id order");
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        ids,
        "every match once"
    );
}

/// Accounts and contacts round-trip, update optimistically and are found by email.
pub async fn accounts_and_contacts_round_trip(repo: &dyn Repository) {
    let account =
        Account::new(AccountId::new(), "Round Trip Ltd").with_success_manager(AgentId::new());
    assert_eq!(repo.put_account(&account, None).await.expect("insert"), 1);
    assert_eq!(
        repo.get_account(account.id).await.expect("get").value,
        account
    );
    let mut renamed = account.clone();
    renamed.name = "Round Trip plc".into();
    assert_eq!(
        repo.put_account(&renamed, Some(1)).await.expect("update"),
        2
    );
    assert!(
        matches!(
            repo.put_account(&account, Some(1)).await,
            Err(Error::Conflict {
                expected: 1,
                actual: 2
            })
        ),
        "stale account update"
    );
    assert_eq!(
        repo.get_account(account.id).await.expect("get").value.name,
        "Round Trip plc",
        "stale update wrote nothing"
    );
    let email = format!("{}@example.com", ContactId::new());
    let contact = Contact::new(ContactId::new(), account.id, "Grace", email.clone());
    repo.put_contact(&contact, None)
        .await
        .expect("insert contact");
    assert_eq!(
        repo.get_contact(contact.id).await.expect("get").value,
        contact
    );
    let found = repo
        .find_contact_by_email(&email.to_uppercase())
        .await
        .expect("find")
        .map(|c| c.value);
    assert_eq!(found, Some(contact), "email lookup ignores case");
    assert_eq!(
        repo.find_contact_by_email("nobody@nowhere.invalid")
            .await
            .expect("find"),
        None
    );
}

/// Saved searches round-trip per owner and replace by name.
pub async fn saved_searches_round_trip(repo: &dyn Repository) {
    let owner = AgentId::new();
    let a = SavedSearch {
        owner,
        name: "a".into(),
        query: CaseQuery::default(),
    };
    let b = SavedSearch {
        owner,
        name: "b".into(),
        query: CaseQuery {
            escalated: Some(true),
            ..CaseQuery::default()
        },
    };
    repo.save_search(&b).await.expect("save");
    repo.save_search(&a).await.expect("save");
    let replaced = SavedSearch {
        query: CaseQuery {
            sla_violated: Some(true),
            ..CaseQuery::default()
        },
        ..a.clone()
    };
    repo.save_search(&replaced).await.expect("replace");
    assert_eq!(
        repo.saved_searches(owner).await.expect("list"),
        vec![replaced, b],
        "by name, replaced in place"
    );
    assert!(
        repo.saved_searches(AgentId::new())
            .await
            .expect("list")
            .is_empty(),
        "other owners see nothing"
    );
}

/// The router state inserts once, then updates optimistically.
pub async fn router_state_is_one_versioned_document(repo: &dyn Repository) {
    use crate::routing::{Queue, RouterState};
    let current = repo.get_router_state().await.expect("get_router_state");
    let mut state = current
        .as_ref()
        .map(|v| v.value.clone())
        .unwrap_or_default();
    let queue = Queue::new(
        crate::ids::QueueId::new(),
        "Conformance queue",
        crate::routing::RoutingMethod::RoundRobin,
    )
    .expect("valid queue");
    state.queues.push(queue);
    let version = match &current {
        None => {
            let v = repo
                .put_router_state(&state, None)
                .await
                .expect("first insert");
            assert!(
                matches!(
                    repo.put_router_state(&state, None).await,
                    Err(Error::AlreadyExists { .. })
                ),
                "second insert refused"
            );
            v
        }
        Some(stored) => repo
            .put_router_state(&state, Some(stored.version))
            .await
            .expect("update"),
    };
    let read = repo
        .get_router_state()
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (read.value, read.version),
        (state.clone(), version),
        "router state round trip"
    );
    assert_eq!(
        repo.router_version().await.expect("router_version"),
        Some(version),
        "router_version names the stored version"
    );
    let stale = RouterState::default();
    assert!(
        matches!(
            repo.put_router_state(&stale, Some(version.saturating_sub(1)))
                .await,
            Err(Error::Conflict { .. })
        ),
        "stale router state update conflicts"
    );
    assert_eq!(
        repo.get_router_state()
            .await
            .expect("get")
            .expect("present")
            .value,
        state,
        "the stale write wrote nothing"
    );
}

/// Knowledge articles round-trip, update optimistically and list by number.
pub async fn articles_round_trip(repo: &dyn Repository) {
    use crate::knowledge::{ArticleDraft, KnowledgeBase};
    let mut kb = KnowledgeBase::new();
    let id = kb
        .create(
            ArticleDraft::new("Conformance article", "Step one. Step two."),
            now(),
        )
        .expect("valid draft");
    let mut article = kb.article(id).expect("created").clone();
    assert_eq!(repo.put_article(&article, None).await.expect("insert"), 1);
    assert_eq!(
        repo.get_article(id).await.expect("get").value,
        article,
        "article round trip"
    );
    article.counters.views += 1;
    assert_eq!(
        repo.put_article(&article, Some(1)).await.expect("update"),
        2
    );
    assert!(matches!(
        repo.put_article(&article, Some(1)).await,
        Err(Error::Conflict {
            expected: 1,
            actual: 2
        })
    ));
    let listed = repo.list_articles().await.expect("list");
    assert!(listed.iter().any(|a| a.value == article), "listed");
    // A second version of the same number and another number: the versions of
    // one number are exactly its own, ordered by id.
    let other_id = kb
        .create(ArticleDraft::new("Another article", "Other steps."), now())
        .expect("valid draft");
    let other = kb.article(other_id).expect("created").clone();
    repo.put_article(&other, None).await.expect("insert other");
    let mut second = article.clone();
    second.id = crate::ids::ArticleId::new();
    second.counters = Default::default();
    repo.put_article(&second, None)
        .await
        .expect("insert second version");
    // The store may hold other articles of that number (earlier behaviours):
    // the answer is exactly what `list_articles` has for it, by id.
    let versions = repo
        .article_versions(article.number)
        .await
        .expect("versions");
    let mut expected: Vec<_> = repo
        .list_articles()
        .await
        .expect("list")
        .into_iter()
        .filter(|a| a.value.number == article.number)
        .collect();
    expected.sort_by_key(|a| a.value.id);
    assert_eq!(versions, expected, "the versions of one number, by id");
    assert!(
        [article.id, second.id]
            .iter()
            .all(|id| versions.iter().any(|v| v.value.id == *id)),
        "both versions"
    );
    assert!(
        repo.article_versions(other.number)
            .await
            .expect("versions")
            .iter()
            .all(|v| v.value.number == other.number && v.value.id != article.id),
        "another number's versions"
    );
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].value.number, w[0].value.id) <= (w[1].value.number, w[1].value.id)),
        "ordered by number, id"
    );
}

/// Portal users, forum topics and posts: inserted and updated through
/// [`commit`](super::Repository::commit) with optimistic versions, read back
/// equal, listed per kind in id order and per parent; a duplicate insert is
/// `AlreadyExists`, a stale update `Conflict`, an update of a missing record
/// `NotFound`; a failed unit writes none of its portal records (nor its case).
pub async fn portal_records_round_trip(repo: &dyn Repository) {
    use super::{PortalKind, PortalRecord, UnitOfWork};
    use crate::ids::{ContactId, PortalUserId, PostId, TopicId};
    use crate::knowledge::PortalTier;
    use crate::portal::{ForumAuthor, ForumPost, ForumTopic, PortalUser, Vote};
    let contact = ContactId::new();
    let user = PortalUser::new(
        PortalUserId::new(),
        contact,
        AccountId::new(),
        PortalTier::Premium,
        now(),
    )
    .activated()
    .with_locale("en-GB");
    let author = ForumAuthor::User(user.id);
    let topic = ForumTopic::new(
        TopicId::new(),
        "VPN",
        "Drops hourly",
        "It reconnects.",
        author,
        now(),
    )
    .expect("valid topic")
    .with_tags(["vpn"])
    .expect("valid tags");
    let mut post =
        ForumPost::new(PostId::new(), topic.id, author, "Same here.", now()).expect("valid post");
    let work = UnitOfWork::new()
        .portal(PortalRecord::User(user.clone()), None)
        .portal(PortalRecord::Topic(topic.clone()), None)
        .portal(PortalRecord::Post(post.clone()), None);
    let committed = repo.commit(&work).await.expect("insert portal records");
    assert_eq!(committed.portal_versions.len(), 3);
    assert!(committed.portal_versions.iter().all(|(_, _, v)| *v == 1));
    let got = repo
        .get_portal_record(PortalKind::User, *user.id.as_uuid())
        .await
        .expect("get user");
    assert_eq!(
        (got.value, got.version),
        (PortalRecord::User(user.clone()), 1),
        "user round trip"
    );
    assert!(
        matches!(
            repo.get_portal_record(PortalKind::Topic, *user.id.as_uuid())
                .await,
            Err(Error::NotFound {
                kind: "forum topic",
                ..
            })
        ),
        "a user's id is not a topic"
    );
    // Listing per parent: the contact's users, the topic's posts.
    let users = repo
        .portal_records(PortalKind::User, Some(*contact.as_uuid()))
        .await
        .expect("list users");
    assert_eq!(users.len(), 1);
    let posts = repo
        .portal_records(PortalKind::Post, Some(*topic.id.as_uuid()))
        .await
        .expect("list posts");
    assert_eq!(
        posts.iter().map(|p| p.value.clone()).collect::<Vec<_>>(),
        [PortalRecord::Post(post.clone())]
    );
    assert!(
        repo.portal_records(PortalKind::Post, Some(*contact.as_uuid()))
            .await
            .expect("list")
            .is_empty()
    );
    let all_topics = repo
        .portal_records(PortalKind::Topic, None)
        .await
        .expect("list topics");
    assert!(
        all_topics
            .iter()
            .any(|t| t.value == PortalRecord::Topic(topic.clone()))
    );
    assert!(
        all_topics
            .windows(2)
            .all(|w| w[0].value.id() < w[1].value.id()),
        "id order"
    );
    // A deflection offer, listed under its account.
    let offer = crate::portal::DeflectionOffer::new(
        crate::ids::DeflectionId::new(),
        user.id,
        user.account,
        "vpn drops",
        vec![crate::ids::ArticleId::new()],
        now(),
    );
    repo.commit(&UnitOfWork::new().portal(PortalRecord::Deflection(offer.clone()), None))
        .await
        .expect("insert offer");
    let offers = repo
        .portal_records(PortalKind::Deflection, Some(*user.account.as_uuid()))
        .await
        .expect("list offers");
    assert_eq!(
        offers.iter().map(|o| o.value.clone()).collect::<Vec<_>>(),
        [PortalRecord::Deflection(offer)],
        "deflection round trip"
    );
    // A social conversation link, listed under its case, then moved.
    let case = crate::ids::CaseId::new();
    let link = crate::intake::ConversationLink::new(
        crate::intake::Platform::WhatsApp,
        format!("conversation-{}", uuid::Uuid::new_v4()),
        case,
        now(),
    );
    repo.commit(&UnitOfWork::new().portal(PortalRecord::Conversation(link.clone()), None))
        .await
        .expect("insert conversation link");
    let links = repo
        .portal_records(PortalKind::Conversation, Some(*case.as_uuid()))
        .await
        .expect("list links");
    assert_eq!(
        links.iter().map(|o| o.value.clone()).collect::<Vec<_>>(),
        [PortalRecord::Conversation(link.clone())],
        "conversation link round trip"
    );
    let mut moved = link.clone();
    moved.case = crate::ids::CaseId::new();
    repo.commit(&UnitOfWork::new().portal(PortalRecord::Conversation(moved.clone()), Some(1)))
        .await
        .expect("move conversation link");
    let stored = repo
        .get_portal_record(PortalKind::Conversation, link.id)
        .await
        .expect("get link");
    assert_eq!(
        (stored.version, stored.value),
        (2, PortalRecord::Conversation(moved))
    );
    // Optimistic update; votes survive the round trip.
    post.vote(ForumAuthor::User(PortalUserId::new()), Vote::Helpful, now())
        .expect("vote");
    let update = UnitOfWork::new().portal(PortalRecord::Post(post.clone()), Some(1));
    repo.commit(&update).await.expect("update post");
    let got = repo
        .get_portal_record(PortalKind::Post, *post.id.as_uuid())
        .await
        .expect("get post");
    assert_eq!(
        (got.value, got.version),
        (PortalRecord::Post(post.clone()), 2)
    );
    assert!(matches!(
        repo.commit(&update).await,
        Err(Error::Conflict {
            expected: 1,
            actual: 2
        })
    ));
    assert!(matches!(
        repo.commit(&UnitOfWork::new().portal(PortalRecord::Topic(topic.clone()), None))
            .await,
        Err(Error::AlreadyExists { .. })
    ));
    let ghost =
        ForumTopic::new(TopicId::new(), "VPN", "Ghost", "body", author, now()).expect("valid");
    assert!(matches!(
        repo.commit(&UnitOfWork::new().portal(PortalRecord::Topic(ghost.clone()), Some(1)))
            .await,
        Err(Error::NotFound { .. })
    ));
    // A unit whose last write fails writes nothing: not the new case, not the new topic.
    let (case, events) = unsaved_case(repo).await;
    let fresh =
        ForumTopic::new(TopicId::new(), "VPN", "Fresh", "body", author, now()).expect("valid");
    let failing = UnitOfWork::new()
        .insert_case(case.clone(), events)
        .portal(PortalRecord::Topic(fresh.clone()), None)
        .portal(PortalRecord::Post(post.clone()), Some(1));
    assert!(matches!(
        repo.commit(&failing).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        repo.get_case(case.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        repo.get_portal_record(PortalKind::Topic, *fresh.id.as_uuid())
            .await,
        Err(Error::NotFound { .. })
    ));
    // The same record twice in one unit is refused.
    let twice = UnitOfWork::new()
        .portal(PortalRecord::Topic(ghost.clone()), None)
        .portal(PortalRecord::Topic(ghost), None);
    assert!(matches!(
        repo.commit(&twice).await,
        Err(Error::Validation { .. })
    ));
}
