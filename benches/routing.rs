//! Routing benchmarks.
//!
//! `routing/assign/{N}_agents` measures one full routing decision (`Router::decide`:
//! eligibility of every member, SkillBased ranking, winner, runners-up and the
//! reasoning text, with the columns every member's loss reason is built from) in a
//! queue of N agents over a 20-skill catalog. The target is under 5 µs per
//! decision at 1,000 agents.
//!
//! `routing/explain_all/1000_agents` adds building every member's `Rejection`
//! (what a UI listing "why not Bob?" for everyone pays on top of the decision).
//!
//! `routing/route_complete/1000_agents` measures the state-changing path: route a
//! case (rules skipped, queue named), then complete it, so state stays stable.
//!
//! Run with `cargo bench --bench routing`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
use hotcrm_support::routing::{
    Agent, AgentSkill, AgentStatus, Capacity, OpenAssignment, Queue, QueueMember, Router,
    RoutingMethod, RoutingRequest, Skill, SkillRequirement,
};

const SKILLS: u128 = 20;
const QUEUE: QueueId = QueueId::from_u128(1);

/// A deterministic pseudo-random sequence (no `rand` dependency, same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

/// N agents, 80% available, capacity 5 with random load, 5-10 of 20 skills each.
fn router(n: u128, method: RoutingMethod) -> Router {
    let mut rng = Lcg(42);
    let mut r = Router::new();
    for s in 0..SKILLS {
        r.add_skill(Skill::new(SkillId::from_u128(s), format!("skill-{s}")).unwrap())
            .unwrap();
    }
    let mut queue = Queue::new(QUEUE, "Bench", method).unwrap();
    let mut loads = Vec::new();
    for i in 0..n {
        let status = if rng.next(10) < 8 {
            AgentStatus::Available
        } else {
            AgentStatus::Busy
        };
        let mut a = Agent::new(
            AgentId::from_u128(i),
            format!("agent-{i}"),
            Capacity::cases(5).unwrap(),
        )
        .unwrap()
        .with_status(status);
        loads.push(rng.next(5) as u32);
        // Everyone knows skill 3 at some level; about half know skill 7.
        a = a.with_skill(AgentSkill::new(SkillId::from_u128(3), 1 + rng.next(5) as u8).unwrap());
        if rng.next(2) == 0 {
            a = a
                .with_skill(AgentSkill::new(SkillId::from_u128(7), 1 + rng.next(5) as u8).unwrap());
        }
        for _ in 0..(4 + rng.next(5)) {
            let s = SkillId::from_u128(u128::from(rng.next(SKILLS as u64)));
            a = a.with_skill(AgentSkill::new(s, 1 + rng.next(5) as u8).unwrap());
        }
        r.add_agent(a).unwrap();
        queue = queue.with_member(QueueMember::new(AgentId::from_u128(i)));
    }
    r.add_queue(queue).unwrap();
    // The random loads become open one-unit cases (the router derives loads
    // from its assignments), restored from state so nothing else changes.
    let mut state = r.state().clone();
    let mut next = 1_u128 << 64;
    for (i, &load) in (0_u128..).zip(&loads) {
        for _ in 0..load {
            next += 1;
            let case = CaseId::from_u128(next);
            let at = request(0).created_at;
            state.assignments.insert(
                case,
                OpenAssignment {
                    request: RoutingRequest::new(case, AccountId::from_u128(1), at),
                    agent: AgentId::from_u128(i),
                    queue: Some(QUEUE),
                    cost: 1,
                    dropped: 0,
                    visited: Vec::new(),
                    assigned_at: at,
                },
            );
        }
    }
    Router::from_state(state).unwrap()
}

fn request(case: u128) -> RoutingRequest {
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    RoutingRequest::new(CaseId::from_u128(case), AccountId::from_u128(1), now)
        .in_queue(QUEUE)
        .requiring(SkillRequirement::new(SkillId::from_u128(3), 2).unwrap())
        .with_optional_group(vec![
            SkillRequirement::new(SkillId::from_u128(7), 1).unwrap(),
        ])
}

fn assign(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    let mut group = c.benchmark_group("routing/assign");
    for n in [10_u128, 100, 1_000, 10_000] {
        let r = router(n, RoutingMethod::SkillBased);
        let req = request(1);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}_agents")),
            &n,
            |b, _| {
                b.iter(|| {
                    let d = r.decide(QUEUE, black_box(&req), now, None).unwrap();
                    assert!(d.chosen.is_some() && d.rejected.len() + 1 == n as usize);
                    d
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("routing/explain_all");
    let r = router(1_000, RoutingMethod::SkillBased);
    let req = request(1);
    group.bench_function("1000_agents", |b| {
        b.iter(|| {
            let d = r.decide(QUEUE, black_box(&req), now, None).unwrap();
            let all = d.rejected.to_vec();
            assert_eq!(all.len(), 999);
            all
        })
    });
    group.finish();

    let mut group = c.benchmark_group("routing/route_complete");
    let mut r = router(1_000, RoutingMethod::RoundRobin);
    let mut case = 0_u128;
    group.bench_function("1000_agents", |b| {
        b.iter(|| {
            case += 1;
            let out = r.route(request(case), now, None).unwrap();
            assert!(out.decision.chosen.is_some());
            r.complete(CaseId::from_u128(case), now).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, assign);
criterion_main!(benches);
