//! The desk's roster API: skills, agents, queues and rules stored through the
//! repository, routing new cases, refusing bad changes without a trace, and
//! concurrent changes from many tasks all kept.

use std::sync::Arc;

use hotcrm_support::Error;
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, QueueId, SkillId};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::routing::{
    Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod, RoutingRule, Skill,
};

const ACME: AccountId = AccountId::from_u128(1);

async fn desk() -> (Arc<SupportDesk>, Arc<MemoryRepository>) {
    let repo = Arc::new(MemoryRepository::new());
    repo.put_account(&Account::new(ACME, "Acme"), None)
        .await
        .unwrap();
    let desk = SupportDesk::builder(repo.clone())
        .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
        .build();
    (Arc::new(desk), repo)
}

#[tokio::test]
async fn a_roster_built_through_the_desk_routes_new_cases() {
    let (desk, _) = desk().await;
    let (ada, bob) = (AgentId::from_u128(1), AgentId::from_u128(2));
    let (general, billing) = (QueueId::from_u128(10), QueueId::from_u128(11));
    desk.add_skill(Skill::new(SkillId::from_u128(5), "Billing").unwrap())
        .await
        .unwrap();
    desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(2).unwrap()).unwrap())
        .await
        .unwrap();
    desk.add_agent(Agent::new(bob, "Bob", Capacity::cases(2).unwrap()).unwrap())
        .await
        .unwrap();
    desk.add_queue(
        Queue::new(general, "General", RoutingMethod::RoundRobin)
            .unwrap()
            .with_member(QueueMember::new(ada)),
    )
    .await
    .unwrap();
    desk.add_queue(
        Queue::new(billing, "Billing", RoutingMethod::RoundRobin)
            .unwrap()
            .with_member(QueueMember::new(bob)),
    )
    .await
    .unwrap();
    desk.add_routing_rule(
        RoutingRule::new("invoices", 1, billing)
            .unwrap()
            .when_keyword("invoice")
            .unwrap(),
    )
    .await
    .unwrap();
    for agent in [ada, bob] {
        desk.set_agent_status(agent, AgentStatus::Available)
            .await
            .unwrap();
    }
    let roster = desk.roster().await.unwrap().unwrap();
    assert_eq!(
        roster.default_queue,
        Some(general),
        "first queue is the default"
    );
    assert_eq!(
        (roster.agents.len(), roster.queues.len(), roster.rules.len()),
        (2, 2, 1)
    );

    let invoice = desk
        .create_case(CaseRequest::new(
            ACME,
            "Invoice is wrong",
            "The invoice total is off.",
        ))
        .await
        .unwrap();
    assert_eq!(invoice.case.value.queue, Some(billing));
    assert_eq!(invoice.case.value.owner, Some(bob));
    let other = desk
        .create_case(CaseRequest::new(ACME, "Login fails", "Cannot sign in."))
        .await
        .unwrap();
    assert_eq!(other.case.value.queue, Some(general));
    assert_eq!(other.case.value.owner, Some(ada));
    // Workload keys get people's names from the roster.
    let names = desk.group_names().await.unwrap();
    let workload = desk.workload().await.unwrap();
    let mut labelled: Vec<&str> = workload
        .by_agent
        .keys()
        .filter_map(|k| names.get(k).map(String::as_str))
        .collect();
    labelled.sort_unstable();
    assert_eq!(labelled, ["Ada", "Bob"]);
    let queues: Vec<&str> = workload
        .by_queue
        .keys()
        .filter_map(|k| names.get(k).map(String::as_str))
        .collect();
    assert_eq!(queues.len(), 2, "{queues:?}");
}

#[tokio::test]
async fn refused_roster_changes_store_nothing() {
    let (desk, repo) = desk().await;
    let ada = AgentId::from_u128(1);
    desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(2).unwrap()).unwrap())
        .await
        .unwrap();
    let before = repo.get_router_state().await.unwrap().unwrap();
    // A repeated id, a queue naming an unknown member, a rule to an unknown queue.
    assert!(matches!(
        desk.add_agent(Agent::new(ada, "Ada again", Capacity::cases(2).unwrap()).unwrap())
            .await,
        Err(Error::AlreadyExists { .. })
    ));
    assert!(
        desk.add_queue(
            Queue::new(QueueId::from_u128(10), "Q", RoutingMethod::RoundRobin)
                .unwrap()
                .with_member(QueueMember::new(AgentId::from_u128(99)))
        )
        .await
        .is_err()
    );
    assert!(matches!(
        desk.add_routing_rule(RoutingRule::new("r", 1, QueueId::from_u128(77)).unwrap())
            .await,
        Err(Error::NotFound { .. })
    ));
    let after = repo.get_router_state().await.unwrap().unwrap();
    assert_eq!(after.version, before.version);
    assert_eq!(after.value, before.value);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_roster_changes_are_all_kept() {
    let (desk, _) = desk().await;
    let mut tasks = Vec::new();
    for i in 1..=16u128 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            desk.add_agent(Agent::new(
                AgentId::from_u128(i),
                format!("Agent {i}"),
                Capacity::cases(3)?,
            )?)
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let roster = desk.roster().await.unwrap().unwrap();
    assert_eq!(roster.agents.len(), 16);
}

#[tokio::test]
async fn a_case_nobody_can_take_says_why() {
    use hotcrm_support::case::CaseEvent;
    let (desk, repo) = desk().await;
    let ada = AgentId::from_u128(1);
    let general = QueueId::from_u128(10);
    desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(1).unwrap()).unwrap())
        .await
        .unwrap();
    desk.add_queue(
        Queue::new(general, "General", RoutingMethod::RoundRobin)
            .unwrap()
            .with_member(QueueMember::new(ada)),
    )
    .await
    .unwrap();
    // Ada is Offline: the case waits, and the case's events say why.
    let out = desk
        .create_case(CaseRequest::new(ACME, "Login fails", "Cannot sign in."))
        .await
        .unwrap();
    let stalled: Vec<&str> = out
        .events
        .iter()
        .filter_map(|e| match e {
            CaseEvent::RoutingStalled { queue, reason, .. } if *queue == general => {
                Some(reason.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(stalled.len(), 1, "{:?}", out.events);
    assert!(stalled[0].contains("1 unavailable"), "{}", stalled[0]);
    assert_eq!(out.case.value.owner, None);
    let timeline = desk.timeline(out.case.value.id).await.unwrap().to_string();
    assert!(timeline.contains("waiting in queue"), "{timeline}");
    // Once Ada is available she gets it; no second stall event is recorded.
    desk.set_agent_status(ada, AgentStatus::Available)
        .await
        .unwrap();
    let case = repo.get_case(out.case.value.id).await.unwrap();
    assert_eq!(case.value.owner, Some(ada));
}
