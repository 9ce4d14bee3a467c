//! A desk whose cases survive a restart: the quickstart workflow (a case is
//! created, assigned, answered, resolved and closed) on a SQLite file through
//! `SqliteRepository`.
//!
//! Run it twice: the second run starts by printing the cases the first run left
//! in the database, and its new case gets the next number.
//!
//! ```text
//! cargo run --example persistent_desk --features sqlite
//! cargo run --example persistent_desk --features sqlite -- /path/to/desk.db
//! ```
//!
//! Without an argument the database is `hotcrm-persistent-desk.db` in the system
//! temp directory (delete it to start over).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use hotcrm_support::case::{Author, CaseQuery, NewComment, Page, Resolution};
use hotcrm_support::clock::SystemClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CommentId, QueueId};
use hotcrm_support::repo::{Account, Repository, SqliteRepository};
use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};

const ACCOUNT: AccountId = AccountId::from_u128(1);
const AGENT: AgentId = AgentId::from_u128(100);
const QUEUE: QueueId = QueueId::from_u128(1);

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("hotcrm-persistent-desk.db"));
    println!("database: {}", path.display());
    let repo = SqliteRepository::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
    repo.migrate().await?;
    let repo: Arc<dyn Repository> = Arc::new(repo);

    let found = repo
        .list_cases(&CaseQuery::default(), Page::first(20))
        .await?;
    println!("found {} case(s) from earlier runs", found.total);
    for case in &found.items {
        println!(
            "    {} {:?} ({})",
            case.value.number, case.value.subject, case.value.status
        );
    }

    // First run only: the account and the routing roster.
    if repo.get_account(ACCOUNT).await.is_err() {
        repo.put_account(&Account::new(ACCOUNT, "Acme Corp"), None)
            .await?;
    }
    let desk = SupportDesk::builder(repo.clone())
        .clock(SystemClock)
        .build();
    if repo.get_router_state().await?.is_none() {
        desk.configure_routing(|router, _| {
            router.add_agent(
                Agent::new(AGENT, "Sam Agent", Capacity::cases(1000)?)?
                    .with_status(AgentStatus::Available),
            )?;
            router.add_queue(
                Queue::new(QUEUE, "Support", RoutingMethod::RoundRobin)?
                    .with_member(QueueMember::new(AGENT)),
            )?;
            router.set_default_queue(QUEUE)?;
            Ok(Vec::new())
        })
        .await?;
    }

    let created = desk
        .create_case(CaseRequest::new(
            ACCOUNT,
            "Cannot reset my password",
            "The reset link in the email has expired.",
        ))
        .await?;
    let id = created.case.value.id;
    println!("\ncreated {}", created.case.value.number);
    desk.assign(id, AGENT).await?;
    println!("assigned");
    desk.add_comment(
        id,
        NewComment::public(
            CommentId::new(),
            Author::Agent(AGENT),
            "I sent you a fresh link, valid for 24 hours.",
        ),
    )
    .await?;
    println!("answered");
    desk.resolve(id, Resolution::new("Sent a new reset link"))
        .await?;
    println!("resolved");
    let closed = desk.close(id).await?;
    println!("closed (version {})", closed.case.version);

    let feed = repo.events_after(0, 100_000).await?;
    println!(
        "\nthe database now holds {} case(s) and {} feed event(s); run again to see them",
        found.total + 1,
        feed.len()
    );
    Ok(())
}
