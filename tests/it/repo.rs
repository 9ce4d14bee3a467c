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
