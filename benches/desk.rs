//! SupportDesk throughput on `MemoryRepository` (`cargo bench --bench desk`).
//!
//! `desk/create_case`: one full case creation (validation, entitlement, sequence,
//! AI classification and sentiment with `HeuristicAi`, related articles, escalation
//! rules, insert). Target: over 50,000 per second (under 20 µs each).
//! `desk/sweep/100k_cases`: one sweep over 100,000 open cases when nothing is due,
//! the steady state of a periodic sweep. Target: under 200 ms.
//! `desk/create_resolve/routed_20_agents`: a case created, routed to one of 20
//! agents and resolved (its capacity freed), each step one commit of the case,
//! its events and the router document: the cost of keeping router and cases in
//! one unit of work.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use chrono::{NaiveTime, TimeDelta};
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::ai::FailingAi;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
use hotcrm_support::case::{CaseRules, Priority};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, SupportDesk};
use hotcrm_support::ids::{AccountId, ContractId};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::sla::{Entitlement, SlaPolicy, SlaTier};

fn desk(rt: &tokio::runtime::Runtime) -> (SupportDesk, ManualClock, AccountId) {
    let hours = BusinessHours::builder(chrono_tz::America::New_York)
        .weekdays(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
        .holidays(HolidayCalendar::us_federal())
        .build()
        .unwrap();
    let repo = Arc::new(MemoryRepository::new());
    let account = AccountId::from_u128(1);
    rt.block_on(
        repo.put_account(
            &Account::new(account, "Acme")
                .with_entitlement(Entitlement::new(ContractId::from_u128(2), SlaTier::Silver)),
            None,
        ),
    )
    .unwrap();
    let clock = ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap());
    let config = DeskConfig::new(CaseRules::new(SlaPolicy::default(), hours));
    (
        SupportDesk::builder(repo)
            .clock(clock.clone())
            .config(config)
            .build(),
        clock,
        account,
    )
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (desk_a, _, account) = desk(&rt);
    c.bench_function("desk/create_case", |b| {
        b.iter(|| {
            let req = CaseRequest::new(
                account,
                "Cannot export invoices",
                "The CSV export of last month's invoices fails with an error.",
            )
            .priority(Priority::Medium);
            let out = rt.block_on(desk_a.create_case(req)).unwrap();
            assert_eq!(out.case.version, 1);
        })
    });

    // The same with a provider that fails every call (the desk degrades to no AI):
    // the desk's own cost, without `HeuristicAi`'s text analysis.
    let (desk_c, _, account_c) = desk(&rt);
    let no_ai = SupportDesk::builder(desk_c.repository().clone())
        .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
        .config(desk_c.config().clone())
        .ai(FailingAi::new())
        .build();
    c.bench_function("desk/create_case/without_ai", |b| {
        b.iter(|| {
            let req = CaseRequest::new(
                account_c,
                "Cannot export invoices",
                "The CSV export of last month's invoices fails with an error.",
            )
            .priority(Priority::Medium);
            let out = rt.block_on(no_ai.create_case(req)).unwrap();
            assert_eq!(out.case.version, 1);
        })
    });

    // Without the resolution history (each creation would compare its text with
    // up to 500 past resolutions), to measure routing and the commits.
    let (routed, _, account_r) = desk(&rt);
    let mut config = routed.config().clone();
    config.solution_history = 0;
    let routed = SupportDesk::builder(routed.repository().clone())
        .clock(ManualClock::new("2026-01-05T14:00:00Z".parse().unwrap()))
        .config(config)
        .build();
    rt.block_on(routed.configure_routing(|router, _| {
        use hotcrm_support::ids::{AgentId, QueueId};
        use hotcrm_support::routing::{
            Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod,
        };
        let q = QueueId::from_u128(1);
        let mut queue = Queue::new(q, "Support", RoutingMethod::LeastActive)?;
        for i in 0..20u128 {
            let id = AgentId::from_u128(100 + i);
            router.add_agent(
                Agent::new(id, format!("Agent {i}"), Capacity::cases(5)?)?
                    .with_status(AgentStatus::Available),
            )?;
            queue = queue.with_member(QueueMember::new(id));
        }
        router.add_queue(queue)?;
        router.set_default_queue(q)?;
        Ok(Vec::new())
    }))
    .unwrap();
    c.bench_function("desk/create_resolve/routed_20_agents", |b| {
        b.iter(|| {
            let req = CaseRequest::new(
                account_r,
                "Cannot export invoices",
                "The CSV export of last month's invoices fails with an error.",
            )
            .priority(Priority::Medium);
            let created = rt.block_on(routed.create_case(req)).unwrap();
            assert!(created.case.value.owner.is_some());
            let resolution = hotcrm_support::case::Resolution::new("Re-ran the export");
            let done = rt
                .block_on(routed.resolve(created.case.value.id, resolution))
                .unwrap();
            assert_eq!(done.case.version, 2);
        })
    });

    let (desk_b, clock, account) = desk(&rt);
    for i in 0..100_000u32 {
        let req = CaseRequest::new(
            account,
            format!("Ticket {i}"),
            "Something is not working as expected.",
        )
        .priority([Priority::Low, Priority::Medium, Priority::High][(i % 3) as usize]);
        rt.block_on(desk_b.create_case(req)).unwrap();
    }
    clock.advance(TimeDelta::minutes(1));
    let mut group = c.benchmark_group("desk/sweep");
    group.sample_size(10);
    group.bench_function("100k_cases", |b| {
        b.iter(|| {
            let report = rt.block_on(desk_b.sweep()).unwrap();
            assert_eq!(report.scanned, 100_000);
            report
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
