//! The SupportDesk facade: the complete case workflow, list views, sweeps and
//! concurrent writers, on `MemoryRepository` with a `ManualClock`.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::ai::FailingAi;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
use hotcrm_support::case::{
    Author, CaseCommand, CaseEvent, CaseRules, CaseStatus, ListView, NewComment, Origin, Page,
    Priority, Resolution, Satisfaction, Sentiment,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CommentId, ContactId, ContractId};
use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
use hotcrm_support::sla::{Entitlement, SlaPolicy, SlaTier};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn ny_hours() -> BusinessHours {
    BusinessHours::builder(chrono_tz::America::New_York)
        .weekdays(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
        .holidays(HolidayCalendar::us_federal())
        .build()
        .unwrap()
}

struct Fixture {
    desk: SupportDesk,
    repo: Arc<MemoryRepository>,
    clock: ManualClock,
    account: AccountId,
    contact: ContactId,
}

async fn fixture(tier: Option<SlaTier>) -> Fixture {
    let repo = Arc::new(MemoryRepository::new());
    let account = AccountId::from_u128(1);
    let mut acme = Account::new(account, "Acme");
    if let Some(tier) = tier {
        acme = acme.with_entitlement(Entitlement::new(ContractId::from_u128(5), tier));
    }
    repo.put_account(&acme, None).await.unwrap();
    let contact = ContactId::from_u128(2);
    repo.put_contact(
        &Contact::new(contact, account, "Ada", "ada@acme.test"),
        None,
    )
    .await
    .unwrap();
    // Monday 2026-01-05 09:00 New York.
    let clock = ManualClock::new(utc("2026-01-05T14:00:00Z"));
    let mut kb = KnowledgeBase::new();
    let t0 = utc("2025-12-01T00:00:00Z");
    let id = kb
        .create(
            ArticleDraft::new(
                "How to reset your password",
                "Open the login page. Click Forgot password. Enter your email address. Follow the link we send you.",
            )
            .summary("Reset a forgotten password from the login page.")
            .tags(["password", "login", "account"]),
            t0,
        )
        .unwrap();
    kb.submit_for_review(id, AgentId::from_u128(90), t0)
        .unwrap();
    kb.publish(id, AgentId::from_u128(91), t0).unwrap();
    let config = DeskConfig::new(CaseRules::new(SlaPolicy::default(), ny_hours()));
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config)
        .knowledge(kb)
        .build();
    Fixture {
        desk,
        repo,
        clock,
        account,
        contact,
    }
}

fn reply(n: u128, agent: AgentId, text: &str) -> NewComment {
    NewComment::public(CommentId::from_u128(n), Author::Agent(agent), text)
}

#[tokio::test]
async fn complete_case_resolution_workflow() {
    let f = fixture(Some(SlaTier::Silver)).await;
    let req = CaseRequest::new(
        f.account,
        "Cannot access my account",
        "I try to log in but it says my password is incorrect",
    )
    .contact(f.contact)
    .origin(Origin::Email)
    .priority(Priority::Medium);
    let created = f.desk.create_case(req).await.unwrap();
    let case = created.case.value.clone();
    assert_eq!(case.number.to_string(), "CASE-2026-0001");
    assert_eq!(
        case.sla_tier,
        SlaTier::Silver,
        "tier from the account's entitlement"
    );
    assert_eq!(
        case.response_due(),
        utc("2026-01-05T18:00:00Z"),
        "Silver: 4 business hours"
    );
    assert!(case.ai.category.is_some(), "AI category attached");
    assert_eq!(
        case.ai.related_articles.len(),
        1,
        "the password article is related"
    );
    assert!(matches!(
        created.events.first(),
        Some(CaseEvent::Created { .. })
    ));

    let agent = AgentId::from_u128(7);
    f.desk.assign(case.id, agent).await.unwrap();
    f.clock.advance(TimeDelta::minutes(30));
    f.desk.start_work(case.id).await.unwrap();
    let responded = f
        .desk
        .add_comment(case.id, reply(1, agent, "I've sent a password reset link."))
        .await
        .unwrap();
    assert!(
        responded
            .events
            .iter()
            .any(|e| matches!(e, CaseEvent::FirstResponded { .. }))
    );
    f.desk.wait_on_customer(case.id).await.unwrap();
    f.clock.advance(TimeDelta::hours(2));
    let customer = NewComment::public(
        CommentId::from_u128(2),
        Author::Customer(Some(f.contact)),
        "It worked, thanks!",
    );
    let back = f.desk.add_comment(case.id, customer).await.unwrap();
    assert_eq!(
        back.case.value.status,
        CaseStatus::InProgress,
        "a customer reply resumes work"
    );

    let article = f.with_article().await;
    let resolved = f
        .desk
        .resolve(
            case.id,
            Resolution::new("Sent password reset link. Customer confirmed login.")
                .with_article(article),
        )
        .await
        .unwrap();
    assert_eq!(resolved.case.value.status, CaseStatus::Resolved);
    assert_eq!(
        f.desk
            .with_knowledge(|kb| kb.article(article).unwrap().counters.cases_resolved),
        1,
        "usage tracked"
    );
    let stored = f.repo.get_article(article).await.unwrap();
    assert_eq!(
        stored.value.counters.cases_resolved, 1,
        "and saved to the repository"
    );
    let restarted = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .build();
    assert_eq!(restarted.load_knowledge().await.unwrap(), 1);
    assert_eq!(
        restarted.with_knowledge(|kb| kb.article(article).unwrap().counters.cases_resolved),
        1,
        "a restarted desk reloads the knowledge base from the repository"
    );
    f.desk
        .record_satisfaction(case.id, Satisfaction::VerySatisfied, Some("Quick!".into()))
        .await
        .unwrap();

    // Three days later a sweep auto-closes it, and a second sweep does nothing.
    f.clock.advance(TimeDelta::days(3) + TimeDelta::minutes(1));
    let sweep = f.desk.sweep().await.unwrap();
    assert!(
        sweep
            .events
            .iter()
            .any(|(id, e)| *id == case.id && matches!(e, CaseEvent::Closed { .. })),
        "{sweep:?}"
    );
    assert!(
        f.desk.sweep().await.unwrap().events.is_empty(),
        "sweeping twice fires nothing twice"
    );
    let closed = f.desk.case(case.id).await.unwrap().value;
    assert_eq!(
        (closed.status, closed.satisfaction_score()),
        (CaseStatus::Closed, Some(5))
    );
    let history = f.repo.case_events(case.id).await.unwrap();
    assert_eq!(
        hotcrm_support::case::Case::replay(&history).unwrap(),
        closed,
        "the event log reproduces the case"
    );
}

impl Fixture {
    async fn with_article(&self) -> hotcrm_support::ids::ArticleId {
        self.desk
            .with_knowledge(|kb| kb.articles().next().unwrap().id)
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let f = fixture(None).await;
    let cases = [
        ("empty subject", CaseRequest::new(f.account, "  ", "body")),
        (
            "empty description",
            CaseRequest::new(f.account, "subject", ""),
        ),
        (
            "oversized subject",
            CaseRequest::new(f.account, "x".repeat(10_000), "body"),
        ),
        (
            "unknown account",
            CaseRequest::new(AccountId::from_u128(404), "s", "d"),
        ),
        (
            "unknown contact",
            CaseRequest::new(f.account, "s", "d").contact(ContactId::from_u128(404)),
        ),
    ];
    for (name, req) in cases {
        let err = f.desk.create_case(req).await.unwrap_err();
        assert!(
            matches!(err, Error::Validation { .. } | Error::NotFound { .. }),
            "{name}: {err}"
        );
    }
    let all = f.desk.list(ListView::All, Page::first(10)).await.unwrap();
    assert_eq!(all.total, 0, "nothing was stored");
    let ok = f
        .desk
        .create_case(CaseRequest::new(f.account, "Fine", "Body"))
        .await
        .unwrap();
    assert_eq!(
        ok.case.value.number.to_string(),
        "CASE-2026-0001",
        "refused requests drew no number"
    );
    let err = f.desk.close(ok.case.value.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidTransition { .. } | Error::NotAllowed { .. }
        ),
        "{err}"
    );
    assert_eq!(
        f.desk.case(ok.case.value.id).await.unwrap().version,
        1,
        "refused command wrote nothing"
    );
}

#[tokio::test]
async fn a_failing_ai_never_blocks_creation() {
    let f = fixture(None).await;
    let desk = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .ai(FailingAi::new())
        .build();
    let created = desk
        .create_case(CaseRequest::new(
            f.account,
            "Server down",
            "Everything is on fire",
        ))
        .await
        .unwrap();
    assert_eq!(created.case.value.ai.category, None);
    assert_eq!(
        created.case.value.priority,
        Priority::Medium,
        "default priority without AI"
    );
}

#[tokio::test]
async fn an_angry_customer_escalates_on_creation() {
    let f = fixture(None).await;
    let created = f
        .desk
        .create_case(CaseRequest::new(
            f.account,
            "THIS IS UNACCEPTABLE!!!",
            "I am furious. Your product is terrible and I want a refund NOW!!! Worst service ever.",
        ))
        .await
        .unwrap();
    let case = created.case.value;
    assert_eq!(case.ai.sentiment, Some(Sentiment::Angry));
    assert!(case.is_escalated(), "angry customers escalate");
    assert!(
        case.priority.at_least(Priority::High),
        "and get priority High"
    );
}

#[tokio::test]
async fn list_views_select_and_order() {
    let f = fixture(None).await;
    let agent = AgentId::from_u128(7);
    let other = AgentId::from_u128(8);
    let mut ids = Vec::new();
    for (i, priority) in [
        Priority::Low,
        Priority::High,
        Priority::Critical,
        Priority::Medium,
        Priority::High,
    ]
    .into_iter()
    .enumerate()
    {
        f.clock.advance(TimeDelta::minutes(5));
        let c = f
            .desk
            .create_case(
                CaseRequest::new(f.account, format!("Case {i}"), "details").priority(priority),
            )
            .await
            .unwrap();
        ids.push(c.case.value.id);
    }
    f.desk.assign(ids[0], agent).await.unwrap();
    f.desk.assign(ids[1], agent).await.unwrap();
    f.desk.assign(ids[3], other).await.unwrap();
    f.desk
        .resolve(ids[3], Resolution::new("done"))
        .await
        .unwrap();
    f.desk.close(ids[3]).await.unwrap();
    f.desk
        .resolve(ids[0], Resolution::new("done"))
        .await
        .unwrap();

    async fn ids_of(desk: &SupportDesk, v: ListView) -> Vec<hotcrm_support::ids::CaseId> {
        desk.list(v, Page::first(50))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.value.id)
            .collect()
    }
    assert_eq!(ids_of(&f.desk, ListView::All).await.len(), 5, "All");
    assert_eq!(
        ids_of(&f.desk, ListView::MyCases(agent)).await,
        vec![ids[1], ids[0]],
        "My Cases: owned, not closed, newest first"
    );
    assert_eq!(
        ids_of(&f.desk, ListView::Open).await,
        vec![ids[2], ids[1], ids[4]],
        "Open: not resolved/closed, priority then age"
    );
    assert_eq!(
        ids_of(&f.desk, ListView::HighPriority).await,
        vec![ids[2], ids[1], ids[4]],
        "High Priority"
    );
    assert_eq!(
        ids_of(&f.desk, ListView::Escalated).await,
        vec![ids[2]],
        "Escalated: the Critical case escalated immediately"
    );
    assert_eq!(
        ids_of(&f.desk, ListView::RecentlyClosed).await,
        vec![ids[3]],
        "Recently Closed"
    );
    assert!(
        ids_of(&f.desk, ListView::SlaViolations).await.is_empty(),
        "no violations yet"
    );
    f.clock.advance(TimeDelta::days(10));
    f.desk.sweep().await.unwrap();
    assert_eq!(
        ids_of(&f.desk, ListView::RecentlyClosed).await,
        vec![ids[0], ids[3]],
        "the auto-closed case (stamped 3 days after resolving) first"
    );
    let violated = ids_of(&f.desk, ListView::SlaViolations).await;
    assert!(
        violated.contains(&ids[1]) && violated.contains(&ids[4]),
        "ten days later the open cases are overdue: {violated:?}"
    );
    f.clock.advance(TimeDelta::days(21));
    assert_eq!(
        ids_of(&f.desk, ListView::RecentlyClosed).await,
        vec![ids[0]],
        "31 days later ids[3] dropped out, ids[0] (28 days) stays"
    );
    let page = f.desk.list(ListView::All, Page::first(2)).await.unwrap();
    assert_eq!(
        (page.items.len(), page.total, page.next),
        (
            2,
            5,
            Some(Page {
                offset: 2,
                limit: 2
            })
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_tasks_lose_no_update() {
    let f = fixture(None).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let c = f
            .desk
            .create_case(CaseRequest::new(
                f.account,
                format!("Shared {i}"),
                "busy case",
            ))
            .await
            .unwrap();
        f.desk
            .assign(c.case.value.id, AgentId::from_u128(7))
            .await
            .unwrap();
        ids.push(c.case.value.id);
    }
    let desk = f.desk.clone();
    let per_task = 10usize;
    let tasks: Vec<_> = (0..32u128)
        .map(|t| {
            let desk = desk.clone();
            let ids = ids.clone();
            tokio::spawn(async move {
                for n in 0..per_task as u128 {
                    let id = ids[((t + n) % ids.len() as u128) as usize];
                    let comment = NewComment::internal(
                        CommentId::from_u128(t * 1000 + n + 1),
                        AgentId::from_u128(100 + t),
                        format!("note {t}-{n}"),
                    );
                    desk.execute(id, CaseCommand::Comment(comment))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut total = 0;
    let mut seen = BTreeSet::new();
    for id in &ids {
        let case = f.desk.case(*id).await.unwrap();
        total += case.value.comments.len();
        seen.extend(case.value.comments.iter().map(|c| c.id));
        let events = f.repo.case_events(*id).await.unwrap();
        assert_eq!(
            hotcrm_support::case::Case::replay(&events).unwrap(),
            case.value,
            "event log matches the case"
        );
    }
    assert_eq!(
        total,
        32 * per_task,
        "every comment of every task is stored"
    );
    assert_eq!(seen.len(), 32 * per_task, "none twice");
}

#[tokio::test]
async fn metrics_and_workload_on_a_known_dataset() {
    use hotcrm_support::analytics::{GroupKey, Period};
    let f = fixture(None).await;
    let (ann, bob) = (AgentId::from_u128(7), AgentId::from_u128(8));
    // Monday 09:00 NY: three cases; Ann answers two (after 30 and 90 minutes), Bob one (after 60).
    let mut ids = Vec::new();
    for (i, owner) in [ann, ann, bob].into_iter().enumerate() {
        let c = f
            .desk
            .create_case(
                CaseRequest::new(f.account, format!("Metrics {i}"), "details")
                    .priority(Priority::Medium),
            )
            .await
            .unwrap();
        f.desk.assign(c.case.value.id, owner).await.unwrap();
        ids.push((c.case.value.id, owner));
    }
    let t0 = utc("2026-01-05T14:00:00Z");
    for ((id, owner), minutes) in ids.iter().zip([30, 90, 60]) {
        f.clock.set(t0 + TimeDelta::minutes(minutes));
        f.desk
            .add_comment(*id, reply(minutes as u128, *owner, "On it"))
            .await
            .unwrap();
    }
    // Ann resolves her first case at 11:00; the customer rates it 4, then 2 hours later
    // Bob's case is resolved and rated 2.
    f.clock.set(t0 + TimeDelta::hours(2));
    f.desk
        .resolve(ids[0].0, Resolution::new("fixed"))
        .await
        .unwrap();
    f.desk
        .record_satisfaction(ids[0].0, Satisfaction::Satisfied, None)
        .await
        .unwrap();
    f.clock.set(t0 + TimeDelta::hours(4));
    f.desk
        .resolve(ids[2].0, Resolution::new("fixed"))
        .await
        .unwrap();
    f.desk
        .record_satisfaction(ids[2].0, Satisfaction::Dissatisfied, None)
        .await
        .unwrap();

    let period = Period::new(utc("2026-01-05T00:00:00Z"), utc("2026-01-06T00:00:00Z")).unwrap();
    let report = f.desk.metrics(period).await.unwrap();
    let all = &report.overall;
    assert_eq!(all.created, 3);
    assert_eq!(all.first_response.count, 3);
    assert_eq!(
        all.first_response.calendar.mean,
        Some(60.0),
        "(30 + 90 + 60) / 3 minutes"
    );
    assert_eq!(
        all.first_response.business.median,
        Some(60.0),
        "all inside business hours"
    );
    assert_eq!(all.resolution.count, 2);
    assert_eq!(
        all.resolution.calendar.mean,
        Some(180.0),
        "(120 + 240) / 2 minutes"
    );
    assert_eq!(
        (all.sla.decided, all.sla.compliant),
        (2, 2),
        "both resolved within their targets"
    );
    assert_eq!(all.sla.percent, Some(100.0));
    assert_eq!(all.csat.responses, 2);
    assert_eq!(all.csat.average_score, Some(3.0), "(4 + 2) / 2");
    let by_agent = &report.by_agent;
    assert_eq!(
        by_agent[&GroupKey::Agent(ann)].first_response.calendar.mean,
        Some(60.0),
        "Ann: (30 + 90) / 2"
    );
    assert_eq!(
        by_agent[&GroupKey::Agent(bob)].csat.average_score,
        Some(2.0),
        "Bob's customer rated 2"
    );

    let workload = f.desk.workload().await.unwrap();
    assert_eq!(
        workload.total.open, 1,
        "only Ann's second case is still open"
    );
}

#[tokio::test]
async fn cases_are_routed_and_capacity_is_freed_on_resolve() {
    use hotcrm_support::ids::QueueId;
    use hotcrm_support::routing::{
        Agent, AgentStatus, Capacity, Queue, QueueMember, Router, RoutingMethod,
    };
    let f = fixture(None).await;
    let (ann, bob) = (AgentId::from_u128(7), AgentId::from_u128(8));
    let queue = QueueId::from_u128(50);
    let mut router = Router::new();
    for (id, name) in [(ann, "Ann"), (bob, "Bob")] {
        router
            .add_agent(
                Agent::new(id, name, Capacity::cases(1).unwrap())
                    .unwrap()
                    .with_status(AgentStatus::Available),
            )
            .unwrap();
    }
    router
        .add_queue(
            Queue::new(queue, "Support", RoutingMethod::RoundRobin)
                .unwrap()
                .with_member(QueueMember::new(ann))
                .with_member(QueueMember::new(bob)),
        )
        .unwrap();
    router.set_default_queue(queue).unwrap();
    f.repo.put_router_state(router.state(), None).await.unwrap();

    let mut cases = Vec::new();
    for i in 0..3 {
        f.clock.advance(TimeDelta::minutes(1));
        let c = f
            .desk
            .create_case(CaseRequest::new(
                f.account,
                format!("Routed {i}"),
                "please help",
            ))
            .await
            .unwrap();
        cases.push(c.case.value);
    }
    let owners: BTreeSet<_> = cases[..2].iter().map(|c| c.owner.unwrap()).collect();
    assert_eq!(
        owners,
        BTreeSet::from([ann, bob]),
        "the first two cases go to different agents"
    );
    assert!(
        cases.iter().all(|c| c.queue == Some(queue)),
        "all in the default queue"
    );
    assert_eq!(
        cases[2].owner, None,
        "both agents are at capacity: the third case waits"
    );

    let first_owner = cases[0].owner.unwrap();
    f.desk
        .resolve(cases[0].id, Resolution::new("done"))
        .await
        .unwrap();
    let third = f.desk.case(cases[2].id).await.unwrap().value;
    assert_eq!(
        third.owner,
        Some(first_owner),
        "resolving frees capacity and the waiting case is pulled"
    );
    let state = f.repo.get_router_state().await.unwrap().unwrap();
    assert!(
        state.version >= 5,
        "every routing change was saved with its version"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sweeps_fire_each_event_once() {
    let f = fixture(Some(SlaTier::Gold)).await;
    for i in 0..20 {
        f.desk
            .create_case(
                CaseRequest::new(f.account, format!("Overdue {i}"), "no one answers")
                    .priority(Priority::High),
            )
            .await
            .unwrap();
    }
    // Gold is 24x7: two days later every response and resolution target is violated.
    f.clock.advance(TimeDelta::days(2));
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let desk = f.desk.clone();
            tokio::spawn(async move { desk.sweep().await.unwrap() })
        })
        .collect();
    let mut violations = 0;
    for s in sweeps {
        let report = s.await.unwrap();
        violations += report
            .events
            .iter()
            .filter(|(_, e)| matches!(e, CaseEvent::MilestoneViolated { .. }))
            .count();
    }
    assert_eq!(
        violations,
        20 * 2,
        "each case's response and resolution violation fired exactly once across 4 sweeps"
    );
    for c in f
        .desk
        .list(ListView::All, Page::first(100))
        .await
        .unwrap()
        .items
    {
        let log = f.repo.case_events(c.value.id).await.unwrap();
        let fired = log
            .iter()
            .filter(|e| matches!(e, CaseEvent::MilestoneViolated { .. }))
            .count();
        assert_eq!(fired, 2, "{}: two violations in the log", c.value.number);
        assert!(
            c.value.is_sla_violated && c.value.is_escalated(),
            "violations escalate"
        );
    }
    assert!(
        f.desk.sweep().await.unwrap().events.is_empty(),
        "a later sweep finds nothing new"
    );
}

#[tokio::test]
async fn new_cases_get_the_solution_of_similar_resolved_cases() {
    let f = fixture(None).await;
    for (i, (subject, fix)) in [
        (
            "Invoice shows the wrong VAT number",
            "Corrected the VAT number on the billing profile and reissued the invoice.",
        ),
        (
            "VAT number wrong on my invoice",
            "Corrected the VAT number on the billing profile and reissued the invoice.",
        ),
        (
            "Webhook deliveries failing with 500",
            "Customer endpoint was down; retried deliveries.",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        f.clock.advance(TimeDelta::minutes(1));
        let c = f
            .desk
            .create_case(CaseRequest::new(f.account, subject, format!("details {i}")))
            .await
            .unwrap();
        f.desk
            .resolve(c.case.value.id, Resolution::new(fix))
            .await
            .unwrap();
    }
    f.clock.advance(TimeDelta::minutes(1));
    let new = f
        .desk
        .create_case(CaseRequest::new(
            f.account,
            "Wrong VAT number on invoice",
            "The VAT number on my invoice is wrong",
        ))
        .await
        .unwrap();
    let suggestion = new.case.value.ai.suggested_solution.unwrap();
    assert!(
        suggestion.starts_with("Corrected the VAT number"),
        "{suggestion}"
    );
    assert!(suggestion.contains("2 of 2 similar cases"), "{suggestion}");

    // A fresh desk over the same repository relearns the history from storage.
    let desk = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .build();
    assert_eq!(desk.load_resolution_history().await.unwrap(), 3);
    let again = desk
        .create_case(CaseRequest::new(
            f.account,
            "Invoice VAT number is wrong",
            "wrong VAT on the invoice",
        ))
        .await
        .unwrap();
    assert!(
        again
            .case
            .value
            .ai
            .suggested_solution
            .unwrap()
            .starts_with("Corrected the VAT number")
    );
}

#[tokio::test]
async fn the_ai_may_raise_but_never_lower_a_requested_priority() {
    let f = fixture(None).await;
    let outage = || {
        CaseRequest::new(
            f.account,
            "Production is down!!",
            "Everything is down, outage, urgent!",
        )
        .priority(Priority::Low)
    };
    let kept = f.desk.create_case(outage()).await.unwrap();
    assert_eq!(
        kept.case.value.priority,
        Priority::Low,
        "by default the requested priority stands"
    );
    let mut config = DeskConfig::new(CaseRules::new(SlaPolicy::default(), ny_hours()));
    config.ai_may_raise_priority = true;
    let desk = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .config(config)
        .build();
    let raised = desk.create_case(outage()).await.unwrap();
    assert!(
        raised.case.value.priority < Priority::Low,
        "raised: {:?}",
        raised.case.value.priority
    );
    let calm = CaseRequest::new(f.account, "Question", "How do I change my avatar?")
        .priority(Priority::Critical);
    assert_eq!(
        desk.create_case(calm).await.unwrap().case.value.priority,
        Priority::Critical,
        "never lowered"
    );
    let unasked = CaseRequest::new(
        f.account,
        "Production is down!!",
        "Everything is down, outage, urgent!",
    );
    assert!(
        desk.create_case(unasked).await.unwrap().case.value.priority < Priority::Medium,
        "no request: the AI's suggestion"
    );
}

/// An AI-assisted queue of Ann (no billing skill, waited longest) and Grace
/// (Invoicing 4/5) as the default queue.
async fn ai_assisted_router(f: &Fixture) -> (AgentId, AgentId) {
    use hotcrm_support::ids::{QueueId, SkillId};
    use hotcrm_support::routing::{
        Agent, AgentSkill, AgentStatus, Capacity, Queue, QueueMember, Router, RoutingMethod, Skill,
    };
    let (ann, grace) = (AgentId::from_u128(7), AgentId::from_u128(8));
    let (queue, invoicing, networking) = (
        QueueId::from_u128(50),
        SkillId::from_u128(1),
        SkillId::from_u128(2),
    );
    let mut router = Router::new();
    router
        .add_skill(Skill::new(invoicing, "Invoicing").unwrap())
        .unwrap();
    router
        .add_skill(Skill::new(networking, "Networking").unwrap())
        .unwrap();
    let agent = |id, name| {
        Agent::new(id, name, Capacity::cases(3).unwrap())
            .unwrap()
            .with_status(AgentStatus::Available)
    };
    router
        .add_agent(agent(ann, "Ann").with_skill(AgentSkill::new(networking, 5).unwrap()))
        .unwrap();
    let mut g = agent(grace, "Grace").with_skill(AgentSkill::new(invoicing, 4).unwrap());
    g.last_assigned_at = Some(utc("2026-01-05T13:00:00Z"));
    router.add_agent(g).unwrap();
    router
        .add_queue(
            Queue::new(queue, "Front desk", RoutingMethod::AiAssisted)
                .unwrap()
                .with_member(QueueMember::new(ann))
                .with_member(QueueMember::new(grace)),
        )
        .unwrap();
    router.set_default_queue(queue).unwrap();
    f.repo.put_router_state(router.state(), None).await.unwrap();
    (ann, grace)
}

#[tokio::test]
async fn ai_assisted_queues_route_on_the_providers_suggestion() {
    let f = fixture(None).await;
    let (ann, grace) = ai_assisted_router(&f).await;
    let created = f
        .desk
        .create_case(CaseRequest::new(
            f.account,
            "Invoice shows the wrong amount",
            "Our last invoice charged us twice for the same seats",
        ))
        .await
        .unwrap();
    let case = created.case.value;
    assert_eq!(
        case.owner,
        Some(grace),
        "HeuristicAi suggests the invoicing agent"
    );
    assert_eq!(case.ai.suggested_assignee, Some(grace));
    assert!(created.events.iter().any(|e| matches!(
        e,
        hotcrm_support::case::CaseEvent::AiInsightsUpdated { insights, .. }
            if insights.suggested_assignee == Some(grace)
    )));

    // No skill mentioned: no suggestion, SkillBased fallback picks Ann (never
    // assigned, so she waited longest), and nothing is recorded as suggested.
    let plain = f
        .desk
        .create_case(CaseRequest::new(f.account, "Hello", "A general question"))
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(plain.owner, Some(ann));
    assert_eq!(plain.ai.suggested_assignee, None);
}

#[tokio::test]
async fn a_failing_ai_suggestion_falls_back_to_skill_based() {
    let f = fixture(None).await;
    let (ann, _grace) = ai_assisted_router(&f).await;
    let ai = Arc::new(FailingAi::new());
    let desk = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .ai(ai.clone())
        .build();
    let case = desk
        .create_case(CaseRequest::new(
            f.account,
            "Invoice shows the wrong amount",
            "Our last invoice charged us twice",
        ))
        .await
        .unwrap()
        .case
        .value;
    assert_eq!(
        case.owner,
        Some(ann),
        "SkillBased fallback: Ann waited longest"
    );
    assert_eq!(case.ai.suggested_assignee, None);
    // analyze (classify + sentiment) and suggest_agent were all attempted.
    assert_eq!(ai.calls(), 3);
}

#[tokio::test]
async fn knowledge_search_answers_and_gaps_through_the_desk() {
    use hotcrm_support::analytics::Period;
    use hotcrm_support::knowledge::{AnswerOutcome, SearchQuery, Viewer, Visibility};
    let f = fixture(None).await;
    let now = hotcrm_support::clock::Clock::now(&f.clock);
    // An internal-only article next to the fixture's public password article.
    f.desk
        .with_knowledge_mut(|kb| -> hotcrm_support::Result<()> {
            let id = kb.create(
                ArticleDraft::new(
                    "Resetting a customer's password from the admin console",
                    "Open Admin. Find the user. Click Reset password.",
                )
                .summary("Agents can reset passwords for customers.")
                .visibility(Visibility::Internal),
                now,
            )?;
            kb.submit_for_review(id, AgentId::from_u128(90), now)?;
            kb.publish(id, AgentId::from_u128(91), now).map(drop)
        })
        .unwrap();

    let public = f
        .desk
        .search_knowledge(&SearchQuery::new("forgot my password"), &Viewer::Anonymous)
        .await;
    assert_eq!(
        public.results.hits.len(),
        1,
        "the internal article stays hidden"
    );
    let staff = f
        .desk
        .search_knowledge(&SearchQuery::new("forgot my password"), &Viewer::Employee)
        .await;
    assert_eq!(staff.results.hits.len(), 2);
    f.desk
        .record_click(public.search, public.results.hits[0].article)
        .unwrap();
    let record = f
        .desk
        .with_knowledge(|kb| kb.analytics().get(public.search).cloned())
        .unwrap();
    assert_eq!(record.at, now, "recorded at the desk clock's time");
    assert_eq!(record.clicks, vec![public.results.hits[0].article]);
    assert!(
        f.desk
            .record_click(
                public.search,
                hotcrm_support::ids::ArticleId::from_u128(999)
            )
            .is_err()
    );

    // Answers cite the public article; with a failing provider the extractive
    // fallback still answers and cites it.
    let a = f
        .desk
        .answer("I forgot my password", &Viewer::Anonymous)
        .await
        .unwrap();
    assert_eq!(a.outcome, AnswerOutcome::Answered);
    assert_eq!(a.citations.len(), 1);
    let failing = SupportDesk::builder(f.repo.clone())
        .clock(f.clock.clone())
        .ai(FailingAi::new())
        .knowledge(f.desk.with_knowledge(Clone::clone))
        .build();
    let b = failing
        .answer("I forgot my password", &Viewer::Anonymous)
        .await
        .unwrap();
    assert_eq!(b.outcome, AnswerOutcome::Answered);
    assert_eq!(b.citations, a.citations);
    assert!(f.desk.answer("   ", &Viewer::Anonymous).await.is_err());

    // Unanswered questions become gaps for the period they were asked in.
    for _ in 0..3 {
        let nothing = f
            .desk
            .answer("How do I export invoices to Excel?", &Viewer::Anonymous)
            .await
            .unwrap();
        assert_eq!(nothing.outcome, AnswerOutcome::NoRelevantArticle);
        assert!(nothing.citations.is_empty());
    }
    let today = Period::new(now, now + TimeDelta::days(1)).unwrap();
    let report = f.desk.knowledge_gaps(today);
    assert_eq!(report.missing_topics.len(), 1);
    assert_eq!(report.missing_topics[0].searches, 3);
    let tomorrow = Period::new(now + TimeDelta::days(1), now + TimeDelta::days(2)).unwrap();
    assert!(f.desk.knowledge_gaps(tomorrow).missing_topics.is_empty());
}
