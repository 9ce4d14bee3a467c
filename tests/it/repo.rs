//! The repository contract, run against every implementation in the crate.

#[cfg(feature = "conformance")]
mod conformance {
    use std::sync::Arc;

    use hotcrm_support::repo::{DynRepository, MemoryRepository, Repository, conformance};

    #[tokio::test]
    async fn memory_repository_passes_the_suite() {
        conformance::run_all(&MemoryRepository::new()).await;
    }

    #[tokio::test]
    async fn through_arc_dyn() {
        let repo: DynRepository = Arc::new(MemoryRepository::new());
        conformance::run_all(&repo).await;
    }

    #[tokio::test]
    async fn through_box_dyn() {
        let repo: Box<dyn Repository> = Box::new(MemoryRepository::new());
        conformance::run_all(&repo).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sequences_stay_unique_across_threads() {
        let repo: DynRepository = Arc::new(MemoryRepository::new());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let repo = repo.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    for _ in 0..250 {
                        got.push(
                            repo.next_sequence(hotcrm_support::repo::SequenceKind::Case, 2026)
                                .await
                                .unwrap(),
                        );
                    }
                    got
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(
            all,
            (1..=2000).collect::<Vec<u32>>(),
            "2,000 draws from 8 threads: 1..=2000, no gap, no repeat"
        );
    }
}

/// The law of movable case numbers, on the memory store: whatever a unit
/// guessed (stale, right or ahead of the counter), the stored numbers are
/// gap-free and unique, each unit's cases stay consecutive in unit order, and
/// every case's document, number index, `Created` event and
/// `Committed::renumbered` agree.
mod movable_numbers {
    use hotcrm_support::case::{Case, CaseEvent, CaseRules, NewCase};
    use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    use hotcrm_support::repo::{MemoryRepository, Repository, SequenceKind, UnitOfWork};
    use proptest::prelude::*;

    fn unit(guess: u32, size: u32, seed: u128) -> (UnitOfWork, Vec<CaseId>) {
        let mut work = UnitOfWork::new().movable_numbers();
        let mut ids = Vec::new();
        for k in 0..size {
            let id = CaseId::from_u128(seed * 100 + u128::from(k) + 1);
            let number = CaseNumber::new(2026, guess + k).unwrap();
            let new = NewCase::new(id, number, AccountId::from_u128(1), "subject", "body");
            let (case, events) = Case::create(
                new,
                "2026-01-05T09:00:00Z".parse().unwrap(),
                &CaseRules::default(),
            )
            .unwrap();
            work = work
                .insert_case(case, events)
                .claim(SequenceKind::Case, 2026, guess + k);
            ids.push(id);
        }
        (work, ids)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn moved_numbers_stay_gap_free_and_agree_everywhere(
            units in prop::collection::vec((-3i64..4, 1u32..4), 1..12),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let repo = MemoryRepository::new();
                let mut total = 0u32;
                for (seed, (offset, size)) in units.iter().enumerate() {
                    let counter = repo.current_sequence(SequenceKind::Case, 2026).await.unwrap();
                    let guess = u32::try_from((i64::from(counter) + 1 + offset).max(1)).unwrap();
                    let (work, ids) = unit(guess, *size, seed as u128);
                    let committed = repo.commit(&work).await.unwrap();
                    for (k, id) in ids.iter().enumerate() {
                        let expected = CaseNumber::new(2026, counter + 1 + k as u32).unwrap();
                        let stored = repo.get_case(*id).await.unwrap().value;
                        prop_assert_eq!(stored.number, expected);
                        prop_assert_eq!(repo.get_case_by_number(expected).await.unwrap().value.id, *id);
                        let created = repo.case_events(*id).await.unwrap().into_iter().find_map(|e| match e {
                            CaseEvent::Created { case, .. } => Some(case.number),
                            _ => None,
                        });
                        prop_assert_eq!(created, Some(expected));
                        let moved = guess + k as u32 != expected.sequence();
                        prop_assert_eq!(committed.case_number(*id), moved.then_some(expected));
                    }
                    total += size;
                }
                prop_assert_eq!(repo.current_sequence(SequenceKind::Case, 2026).await.unwrap(), total);
                Ok(())
            })?;
        }
    }
}
