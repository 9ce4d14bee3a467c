//! throwaway probe
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::prelude::*;
use hotcrm_support::repo::Account;
use hotcrm_support::repo::{PostgresRepository, Repository};
use std::sync::Arc;
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let arg = |i: usize, d: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (n, tasks, desks) = (arg(1, 2000), arg(2, 8), arg(3, 1));
    let url = std::env::var("HOTCRM_PG_URL").unwrap();
    let repo = PostgresRepository::connect(&url).await.unwrap();
    sqlx::query("DROP SCHEMA public CASCADE")
        .execute(repo.pool())
        .await
        .unwrap();
    sqlx::query("CREATE SCHEMA public")
        .execute(repo.pool())
        .await
        .unwrap();
    repo.migrate().await.unwrap();
    let account = AccountId::from_u128(1);
    repo.put_account(&Account::new(account, "Acme"), None)
        .await
        .unwrap();
    let mut all = Vec::new();
    for _ in 0..desks {
        let r: Arc<dyn Repository> = Arc::new(PostgresRepository::connect(&url).await.unwrap());
        all.push(Arc::new(
            SupportDesk::builder(r)
                .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
                .build(),
        ));
    }
    for d in &all {
        d.create_case(CaseRequest::new(account, "warm", "up"))
            .await
            .unwrap();
    }
    let t = std::time::Instant::now();
    let mut hs = Vec::new();
    for desk in &all {
        for _ in 0..tasks {
            let desk = desk.clone();
            hs.push(tokio::spawn(async move {
                for _ in 0..n / tasks {
                    desk.create_case(CaseRequest::new(account, "VPN down", "since 9am"))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    for h in hs {
        h.await.unwrap();
    }
    let el = t.elapsed();
    let total = (n / tasks) * tasks * desks;
    println!(
        "{desks} desks x {tasks} tasks: {:.0} cases/s",
        total as f64 / el.as_secs_f64()
    );
}
