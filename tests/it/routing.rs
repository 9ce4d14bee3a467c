//! Routing scenarios (issue 4): fairness, eligibility, relaxation, overflow, AI,
//! rules, work order, bad input and workload. Fixed instants only: no wall clock.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use hotcrm_support::Error;
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{AiCategory, CaseType, Origin, Priority};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
use hotcrm_support::routing::*;
use hotcrm_support::sla::SlaTier;

/// Monday 2026-01-05 09:00 UTC.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

fn mins(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}

fn agent_id(n: u128) -> AgentId {
    AgentId::from_u128(n)
}

fn skill(n: u128) -> SkillId {
    SkillId::from_u128(1000 + n)
}

fn case(n: u128) -> CaseId {
    CaseId::from_u128(n)
}

const Q: QueueId = QueueId::from_u128(1);
const OVERFLOW: QueueId = QueueId::from_u128(2);

fn available(n: u128, cap: u32) -> Agent {
    Agent::new(
        agent_id(n),
        format!("agent-{n}"),
        Capacity::cases(cap).unwrap(),
    )
    .unwrap()
    .with_status(AgentStatus::Available)
}

/// A router with skills 1..=5, the given agents, and queue `Q` holding them all.
/// An agent's preset `load` becomes that many open one-unit cases (the router
/// derives loads from its assignments).
fn router_with(agents: Vec<Agent>, method: RoutingMethod) -> Router {
    let mut r = Router::new();
    for s in 1..=5 {
        r.add_skill(Skill::new(skill(s), format!("skill-{s}")).unwrap())
            .unwrap();
    }
    let mut q = Queue::new(Q, "Tier 1", method).unwrap();
    let held: Vec<(AgentId, u32)> = agents.iter().map(|a| (a.id, a.load)).collect();
    for a in agents {
        q = q.with_member(QueueMember::new(a.id));
        r.add_agent(a).unwrap();
    }
    r.add_queue(q).unwrap();
    holding(r, &held)
}

/// `router` with each agent holding that many open one-unit cases in `Q`
/// (case ids from 1,000,001), restored through persisted state so nothing
/// else (last assignment, queue turns) changes.
fn holding(router: Router, held: &[(AgentId, u32)]) -> Router {
    let mut state = router.state().clone();
    let mut next = 1_000_000;
    for &(agent, n) in held {
        for _ in 0..n {
            next += 1;
            let request = RoutingRequest::new(case(next), AccountId::from_u128(1), t0());
            state.assignments.insert(
                case(next),
                OpenAssignment {
                    request,
                    agent,
                    queue: Some(Q),
                    cost: 1,
                    dropped: 0,
                    visited: Vec::new(),
                    assigned_at: t0(),
                },
            );
        }
    }
    let r = Router::from_state(state).unwrap();
    r.check_invariants().unwrap();
    r
}

fn request(n: u128) -> RoutingRequest {
    RoutingRequest::new(case(n), AccountId::from_u128(1), t0()).in_queue(Q)
}

fn need(s: u128, level: u8) -> SkillRequirement {
    SkillRequirement::new(skill(s), level).unwrap()
}

fn with_skill(a: Agent, s: u128, level: u8) -> Agent {
    a.with_skill(AgentSkill::new(skill(s), level).unwrap())
}

// ----- the named scenarios of the issue -------------------------------------------

#[test]
fn most_available_picks_the_agent_who_waited_longest_on_a_tie() {
    let mut early = available(3, 5);
    early.last_assigned_at = Some(t0() - mins(90));
    let mut late = available(1, 5);
    late.last_assigned_at = Some(t0() - mins(10));
    let never = available(2, 4); // less spare capacity: loses on the primary key
    let router = router_with(vec![late, early, never], RoutingMethod::MostAvailable);

    let d = router.decide(Q, &request(1), t0(), None).unwrap();
    assert_eq!(d.agent(), Some(agent_id(3)), "{}", d.reasoning);
    assert_eq!(d.loss_reason(agent_id(1)), Some(LossReason::LostTieBreak));
    assert_eq!(
        d.loss_reason(agent_id(2)),
        Some(LossReason::Outranked { score: 4 })
    );

    // Same wait (both never assigned) falls back to the smaller id.
    let router = router_with(
        vec![available(9, 5), available(4, 5)],
        RoutingMethod::MostAvailable,
    );
    let d = router.decide(Q, &request(1), t0(), None).unwrap();
    assert_eq!(d.agent(), Some(agent_id(4)));
}

#[test]
fn round_robin_cycles_fairly_over_1000_assignments() {
    for n_agents in [1_u128, 3, 7, 10] {
        let agents = (1..=n_agents).map(|n| available(n, 2)).collect();
        let mut router = router_with(agents, RoutingMethod::RoundRobin);
        let mut counts: BTreeMap<AgentId, u32> = BTreeMap::new();
        for i in 0..1_000_u128 {
            // Every assignment happens at the same instant: fairness must not rely on time.
            let out = router.route(request(i), t0(), None).unwrap();
            let agent = out.decision.agent().expect("someone is free");
            assert_eq!(out.decision.cursor.map(|c| c.turn), Some(i as u64 + 1));
            *counts.entry(agent).or_default() += 1;
            router.complete(case(i), t0()).unwrap();
        }
        let (min, max) = (
            counts.values().min().unwrap(),
            counts.values().max().unwrap(),
        );
        assert_eq!(
            counts.len() as u128,
            n_agents,
            "{n_agents} agents all served"
        );
        assert!(max - min <= 1, "{n_agents} agents: counts {counts:?}");
    }
}

#[test]
fn skills_are_relaxed_in_group_order_after_each_timeout_and_required_never() {
    // Agent 1 has the required skill and group-1 skill only; agent 2 lacks the required one.
    let a1 = with_skill(with_skill(available(1, 3), 1, 3), 3, 2);
    let a2 = with_skill(with_skill(with_skill(available(2, 3), 2, 5), 3, 5), 4, 5);
    let mut router = router_with(vec![a1, a2], RoutingMethod::SkillBased);
    let req = request(1)
        .requiring(need(1, 3))
        .with_optional_group(vec![need(2, 2)]) // dropped first
        .with_optional_group(vec![need(3, 2)]); // dropped second
    let out = router.route(req, t0(), None).unwrap();
    assert_eq!(out.decision.agent(), None);
    assert!(
        matches!(out.decision.loss_reason(agent_id(1)), Some(LossReason::MissingSkill { skill: s, .. }) if s == skill(2))
    );

    // Before the timeout: nothing happens.
    assert!(router.tick(t0() + mins(4)).is_empty());
    // First timeout: group 0 dropped; group 1 still holds, agent 1 has it: assigned.
    let events = router.tick(t0() + mins(5));
    assert_eq!(
        events,
        vec![
            RoutingEvent::SkillGroupDropped {
                case: case(1),
                queue: Q,
                group: 0,
                at: t0() + mins(5)
            },
            RoutingEvent::Assigned {
                case: case(1),
                queue: Q,
                agent: agent_id(1),
                method: RoutingMethod::SkillBased,
                at: t0() + mins(5)
            },
        ]
    );
    assert_eq!(router.assignment(case(1)).unwrap().dropped, 1);

    // A case whose only candidate lacks a required skill: every group goes, then it
    // stalls (no overflow queue), and agent 2 is never chosen.
    let req = request(2)
        .requiring(need(1, 5))
        .with_optional_group(vec![need(2, 1)])
        .with_optional_group(vec![need(3, 1)]);
    router.route(req, t0(), None).unwrap();
    let events = router.tick(t0() + mins(60));
    assert_eq!(
        events,
        vec![
            RoutingEvent::SkillGroupDropped {
                case: case(2),
                queue: Q,
                group: 0,
                at: t0() + mins(5)
            },
            RoutingEvent::SkillGroupDropped {
                case: case(2),
                queue: Q,
                group: 1,
                at: t0() + mins(10)
            },
            RoutingEvent::RoutingStalled {
                case: case(2),
                queue: Q,
                at: t0() + mins(15)
            },
        ]
    );
    let d = router.decide_waiting(case(2));
    assert_eq!(d, None, "still waiting, required skill never relaxed");
    assert!(
        router.tick(t0() + mins(600)).is_empty(),
        "stall is reported once"
    );
}

/// Helper trait for the test above: who would take a waiting case now.
trait DecideWaiting {
    fn decide_waiting(&self, case: CaseId) -> Option<AgentId>;
}

impl DecideWaiting for Router {
    fn decide_waiting(&self, c: CaseId) -> Option<AgentId> {
        let w = self
            .state()
            .waiting
            .iter()
            .find(|w| w.request.case == c)
            .unwrap();
        assert_eq!(w.dropped, w.request.optional_groups.len());
        let mut relaxed = w.request.clone();
        relaxed.optional_groups.clear();
        self.decide(w.queue, &relaxed, t0(), None).unwrap().agent()
    }
}

#[test]
fn offline_and_other_unavailable_agents_are_never_chosen() {
    for status in AgentStatus::ALL
        .iter()
        .copied()
        .filter(|s| !s.accepts_work())
    {
        let away = with_skill(available(1, 10).with_status(status), 1, 5);
        let here = with_skill(available(2, 1), 1, 1);
        for method in RoutingMethod::ALL {
            let router = router_with(vec![away.clone(), here.clone()], *method);
            let d = router
                .decide(Q, &request(1).requiring(need(1, 1)), t0(), None)
                .unwrap();
            assert_eq!(d.agent(), Some(agent_id(2)), "{status:?} under {method:?}");
            assert_eq!(
                d.loss_reason(agent_id(1)),
                Some(LossReason::Unavailable { status }),
                "{status:?} under {method:?}"
            );
            // The AI cannot sneak an unavailable agent in either.
            let ai = AiSuggestion::new(agent_id(1), 0.99, "best match").unwrap();
            let d = router.decide(Q, &request(1), t0(), Some(&ai)).unwrap();
            assert_ne!(
                d.agent(),
                Some(agent_id(1)),
                "{status:?} under {method:?} with AI"
            );
        }
    }
}

#[test]
fn ai_suggestion_of_an_over_capacity_agent_is_rejected_with_fallback() {
    let mut full = with_skill(available(1, 2), 1, 5);
    full.load = 2;
    full.open_cases = 2;
    let fallback = with_skill(available(2, 2), 1, 3);
    let router = router_with(vec![full, fallback], RoutingMethod::AiAssisted);
    let ai = AiSuggestion::new(agent_id(1), 0.97, "95% CSAT on login cases").unwrap();
    let d = router
        .decide(Q, &request(1).requiring(need(1, 2)), t0(), Some(&ai))
        .unwrap();
    assert_eq!(d.agent(), Some(agent_id(2)));
    assert_eq!(d.method, RoutingMethod::SkillBased);
    assert_eq!(
        d.ai,
        Some(AiVerdict::NotEligible {
            reason: LossReason::AtCapacity {
                load: 2,
                cost: 1,
                limit: 2
            }
        })
    );
    assert!(d.reasoning.contains("rejected"), "{}", d.reasoning);
}

// ----- AI-assisted, all verdicts ------------------------------------------------------

#[test]
fn ai_assisted_verdicts() {
    let strong = with_skill(available(1, 5), 1, 5);
    let weak = with_skill(available(2, 5), 1, 2);
    let outsider = agent_id(99);
    let router = router_with(vec![strong, weak], RoutingMethod::AiAssisted);
    let req = request(1).requiring(need(1, 1));
    type Case = (
        &'static str,
        Option<AiSuggestion>,
        AgentId,
        RoutingMethod,
        fn(&AiVerdict) -> bool,
    );
    let cases: [Case; 5] = [
        (
            "confident and eligible: accepted",
            Some(AiSuggestion::new(agent_id(2), 0.9, "knows the account").unwrap()),
            agent_id(2),
            RoutingMethod::AiAssisted,
            |v| v.is_accepted(),
        ),
        (
            "exactly at the threshold: accepted",
            Some(AiSuggestion::new(agent_id(2), 0.7, "").unwrap()),
            agent_id(2),
            RoutingMethod::AiAssisted,
            |v| v.is_accepted(),
        ),
        (
            "low confidence: skill based",
            Some(AiSuggestion::new(agent_id(2), 0.5, "").unwrap()),
            agent_id(1),
            RoutingMethod::SkillBased,
            |v| matches!(v, AiVerdict::LowConfidence { .. }),
        ),
        (
            "not a member: skill based",
            Some(AiSuggestion::new(outsider, 0.99, "").unwrap()),
            agent_id(1),
            RoutingMethod::SkillBased,
            |v| matches!(v, AiVerdict::NotAMember),
        ),
        (
            "provider failed: skill based",
            None,
            agent_id(1),
            RoutingMethod::SkillBased,
            |v| matches!(v, AiVerdict::Missing),
        ),
    ];
    for (name, ai, want, method, verdict) in cases {
        let d = router.decide(Q, &req, t0(), ai.as_ref()).unwrap();
        assert_eq!(d.agent(), Some(want), "{name}: {}", d.reasoning);
        assert_eq!(d.method, method, "{name}");
        assert!(verdict(d.ai.as_ref().unwrap()), "{name}: {:?}", d.ai);
    }
    // A NaN confidence smuggled past the constructor is rejected, not trusted.
    let nan = AiSuggestion {
        agent: agent_id(2),
        confidence: f64::NAN,
        reason: String::new(),
    };
    let d = router.decide(Q, &req, t0(), Some(&nan)).unwrap();
    assert_eq!(d.agent(), Some(agent_id(1)));
    // Accepted AI: the others lost to the AI, not on score.
    let ai = AiSuggestion::new(agent_id(2), 0.9, "").unwrap();
    let d = router.decide(Q, &req, t0(), Some(&ai)).unwrap();
    assert_eq!(
        d.loss_reason(agent_id(1)),
        Some(LossReason::AiPreferredOther)
    );
}

// ----- methods ------------------------------------------------------------------------

#[test]
fn each_method_ranks_as_documented() {
    // agent 1: 1/4 load, skill 5; agent 2: 0/2 load, skill 3; agent 3: 2/10 load, skill 4
    let mut a1 = with_skill(available(1, 4), 1, 5);
    a1.load = 1;
    a1.open_cases = 1;
    let a2 = with_skill(available(2, 2), 1, 3);
    let mut a3 = with_skill(available(3, 10), 1, 4);
    a3.load = 2;
    a3.open_cases = 2;
    let table = [
        (RoutingMethod::LeastActive, agent_id(2), "fewest open cases"),
        (
            RoutingMethod::MostAvailable,
            agent_id(3),
            "largest spare capacity (8)",
        ),
        (
            RoutingMethod::SkillBased,
            agent_id(1),
            "highest proficiency",
        ),
        (
            RoutingMethod::RoundRobin,
            agent_id(1),
            "all never served in this queue: tie on wait and id",
        ),
        (
            RoutingMethod::Weighted,
            agent_id(1),
            "equal weights, never served: tie-break",
        ),
    ];
    for (method, want, why) in table {
        let router = router_with(vec![a1.clone(), a2.clone(), a3.clone()], method);
        let d = router
            .decide(Q, &request(1).requiring(need(1, 1)), t0(), None)
            .unwrap();
        assert_eq!(d.agent(), Some(want), "{method:?}: {why}; {}", d.reasoning);
        assert_eq!(d.eligible, 3, "{method:?}");
        assert_eq!(d.rejected.len(), 2, "{method:?}: every loser explained");
    }
}

#[test]
fn most_available_breaks_equal_spare_by_spare_ratio() {
    let mut big = available(1, 10);
    big.load = 7; // spare 3, ratio 0.3
    let small = available(2, 3); // spare 3, ratio 1.0
    let router = router_with(vec![big, small], RoutingMethod::MostAvailable);
    assert_eq!(
        router.decide(Q, &request(1), t0(), None).unwrap().agent(),
        Some(agent_id(2))
    );
}

#[test]
fn skill_based_scores_required_and_optional_skills_and_then_load() {
    let a1 = with_skill(with_skill(available(1, 4), 1, 4), 2, 1);
    let a2 = with_skill(with_skill(available(2, 4), 1, 4), 2, 5);
    let mut a3 = with_skill(with_skill(available(3, 4), 1, 4), 2, 5);
    a3.load = 1;
    let router = router_with(vec![a1, a2, a3], RoutingMethod::SkillBased);
    let req = request(1)
        .requiring(need(1, 2))
        .with_optional_group(vec![need(2, 1)]);
    let d = router.decide(Q, &req, t0(), None).unwrap();
    // points: required 3*4 + optional 1*5 = 17 of 20 -> 85
    assert_eq!(d.agent(), Some(agent_id(2)), "{}", d.reasoning);
    assert_eq!(d.skill_match, Some(85));
    assert_eq!(d.score, Some(17));
    assert_eq!(
        d.runners_up.first().map(|c| c.agent),
        Some(agent_id(3)),
        "same score, higher load"
    );
    assert_eq!(
        d.loss_reason(agent_id(3)),
        Some(LossReason::Outranked { score: 17 })
    );
    assert_eq!(
        d.loss_reason(agent_id(1)),
        Some(LossReason::Outranked { score: 13 })
    );
}

#[test]
fn weighted_assigns_in_proportion_to_weights() {
    let mut router = Router::new();
    let mut q = Queue::new(Q, "Weighted", RoutingMethod::Weighted).unwrap();
    for (n, w) in [(1, 1), (2, 3), (3, 6)] {
        router.add_agent(available(n, 100)).unwrap();
        q = q.with_member(QueueMember::new(agent_id(n)).with_weight(Weight::new(w).unwrap()));
    }
    router.add_queue(q).unwrap();
    let mut counts: BTreeMap<AgentId, u32> = BTreeMap::new();
    for i in 0..1_000 {
        let out = router.route(request(i), t0(), None).unwrap();
        *counts.entry(out.decision.agent().unwrap()).or_default() += 1;
        router.complete(case(i), t0()).unwrap();
    }
    for (n, want) in [(1, 100), (2, 300), (3, 600)] {
        let got = counts[&agent_id(n)];
        assert!(
            got.abs_diff(want) <= 1,
            "weight share of agent {n}: {got} vs {want}"
        );
    }
}

#[test]
fn round_robin_cursor_survives_a_restart() {
    let agents: Vec<Agent> = (1..=3).map(|n| available(n, 10)).collect();
    let mut router = router_with(agents.clone(), RoutingMethod::RoundRobin);
    let first = router.route(request(1), t0(), None).unwrap();
    let cursor = first.decision.cursor.unwrap();
    assert_eq!(
        cursor,
        QueueCursor {
            queue: Q,
            turn: 1,
            agent: agent_id(1)
        }
    );

    // A fresh router built from the definitions plus the persisted cursor continues.
    let mut restarted = router_with(agents, RoutingMethod::RoundRobin);
    let mut q = restarted.queue(Q).unwrap().clone();
    q.restore_cursor(&cursor);
    restarted.update_queue(q, t0()).unwrap();
    let next = restarted.decide(Q, &request(2), t0(), None).unwrap();
    assert_eq!(next.agent(), Some(agent_id(2)));
    assert_eq!(
        next.agent(),
        router.decide(Q, &request(2), t0(), None).unwrap().agent()
    );

    // And the whole state round-trips through serde.
    let json = serde_json::to_string(router.state()).unwrap();
    let back = Router::from_state(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(back.state(), router.state());
    assert_eq!(
        back.decide(Q, &request(2), t0(), None).unwrap(),
        router.decide(Q, &request(2), t0(), None).unwrap()
    );
}

// ----- eligibility ---------------------------------------------------------------------

#[test]
fn eligibility_table() {
    let base = || with_skill(available(1, 2), 1, 3);
    let expired_cert = {
        let mut r = Router::new();
        r.add_skill(
            Skill::new(skill(1), "certified")
                .unwrap()
                .certification_required(),
        )
        .unwrap();
        r
    };
    let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
    type Setup = Box<dyn Fn() -> (Agent, RoutingRequest)>;
    let cases: Vec<(&str, Setup, Option<LossReason>)> = vec![
        (
            "available, room, skill",
            Box::new(move || (base(), request(1).requiring(need(1, 3)))),
            None,
        ),
        (
            "declined before",
            Box::new(move || (base(), request(1).declined_by(agent_id(1)))),
            Some(LossReason::Declined),
        ),
        (
            "at capacity",
            Box::new(move || {
                let mut a = base();
                a.load = 2;
                (a, request(1))
            }),
            Some(LossReason::AtCapacity {
                load: 2,
                cost: 1,
                limit: 2,
            }),
        ),
        (
            "skill too weak",
            Box::new(move || (base(), request(1).requiring(need(1, 4)))),
            Some(LossReason::MissingSkill {
                skill: skill(1),
                required: 4,
                actual: 3,
            }),
        ),
        (
            "skill missing",
            Box::new(move || (base(), request(1).requiring(need(2, 1)))),
            Some(LossReason::MissingSkill {
                skill: skill(2),
                required: 1,
                actual: 0,
            }),
        ),
        (
            "optional group in force",
            Box::new(move || (base(), request(1).with_optional_group(vec![need(5, 1)]))),
            Some(LossReason::MissingSkill {
                skill: skill(5),
                required: 1,
                actual: 0,
            }),
        ),
        (
            "phone costs more units than are left",
            Box::new(move || {
                let mut a = base();
                a.capacity = Capacity::units(10)
                    .unwrap()
                    .with_cost(Origin::Phone, 6)
                    .unwrap();
                a.load = 5;
                (a, request(1).with_origin(Origin::Phone))
            }),
            Some(LossReason::AtCapacity {
                load: 5,
                cost: 6,
                limit: 10,
            }),
        ),
        (
            "email fits in the same units",
            Box::new(move || {
                let mut a = base();
                a.capacity = Capacity::units(10)
                    .unwrap()
                    .with_cost(Origin::Phone, 6)
                    .unwrap();
                a.load = 5;
                (a, request(1).with_origin(Origin::Email))
            }),
            None,
        ),
    ];
    for (name, setup, want) in cases {
        let (agent, req) = setup();
        let router = router_with(vec![agent], RoutingMethod::LeastActive);
        let d = router.decide(Q, &req, t0(), None).unwrap();
        match want {
            None => assert_eq!(d.agent(), Some(agent_id(1)), "{name}: {}", d.reasoning),
            Some(reason) => {
                assert_eq!(d.agent(), None, "{name}");
                assert_eq!(d.loss_reason(agent_id(1)), Some(reason), "{name}");
            }
        }
    }

    // Certification: counts only while valid on the decision date.
    let mut r = expired_cert;
    let certified = available(1, 2).with_skill(
        AgentSkill::new(skill(1), 4)
            .unwrap()
            .certified(day(1), Some(day(31))),
    );
    r.add_agent(certified).unwrap();
    r.add_queue(
        Queue::new(Q, "Certified", RoutingMethod::SkillBased)
            .unwrap()
            .with_member(QueueMember::new(agent_id(1))),
    )
    .unwrap();
    let req = request(1).requiring(need(1, 2));
    assert_eq!(
        r.decide(Q, &req, t0(), None).unwrap().agent(),
        Some(agent_id(1)),
        "valid in January"
    );
    let february = Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap();
    let d = r.decide(Q, &req, february, None).unwrap();
    assert_eq!(
        d.loss_reason(agent_id(1)),
        Some(LossReason::MissingSkill {
            skill: skill(1),
            required: 2,
            actual: 0
        }),
        "expired"
    );
}

// ----- capacity, work order, decline -----------------------------------------------

#[test]
fn freed_capacity_pulls_waiting_cases_by_priority_then_age() {
    let mut router = router_with(vec![available(1, 1)], RoutingMethod::LeastActive);
    router.route(request(1), t0(), None).unwrap(); // takes the only slot
    let waiting = [
        (2, Priority::Low, 0),
        (3, Priority::High, 30),
        (4, Priority::High, 10), // older High
        (5, Priority::Critical, 50),
    ];
    for (n, p, age_offset) in waiting {
        let req = RoutingRequest::new(case(n), AccountId::from_u128(1), t0() + mins(age_offset))
            .in_queue(Q)
            .with_priority(p);
        assert_eq!(
            router
                .route(req, t0() + mins(60), None)
                .unwrap()
                .decision
                .agent(),
            None
        );
    }
    let order: Vec<CaseId> = router.waiting(Q).iter().map(|w| w.request.case).collect();
    assert_eq!(order, vec![case(5), case(4), case(3), case(2)]);

    let mut pulled = Vec::new();
    let mut current = case(1);
    for _ in 0..4 {
        let events = router.complete(current, t0() + mins(70)).unwrap();
        let next = events.iter().find_map(|e| match e {
            RoutingEvent::Assigned { case, .. } => Some(*case),
            _ => None,
        });
        current = next.unwrap();
        pulled.push(current);
    }
    assert_eq!(pulled, vec![case(5), case(4), case(3), case(2)]);
}

#[test]
fn a_declined_case_keeps_its_age_and_goes_to_someone_else() {
    let mut router = router_with(
        vec![available(1, 1), available(2, 1)],
        RoutingMethod::RoundRobin,
    );
    let old = RoutingRequest::new(case(1), AccountId::from_u128(1), t0() - mins(120)).in_queue(Q);
    assert_eq!(
        router.route(old, t0(), None).unwrap().decision.agent(),
        Some(agent_id(1))
    );
    assert_eq!(
        router
            .route(request(2), t0(), None)
            .unwrap()
            .decision
            .agent(),
        Some(agent_id(2))
    );
    let young = RoutingRequest::new(case(3), AccountId::from_u128(1), t0() + mins(5)).in_queue(Q);
    router.route(young, t0() + mins(5), None).unwrap(); // waits

    // Agent 1 declines case 1: it waits again, ahead of the younger case 3, and agent 1
    // (now free) takes case 3 because it declined case 1.
    let events = router.decline(case(1), t0() + mins(10)).unwrap();
    assert_eq!(
        events[0],
        RoutingEvent::Declined {
            case: case(1),
            agent: agent_id(1),
            at: t0() + mins(10)
        }
    );
    assert_eq!(
        router.assignment(case(3)).map(|a| a.agent),
        Some(agent_id(1))
    );
    let w = router.waiting(Q);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].request.created_at, t0() - mins(120), "age kept");

    // When agent 2 frees up, the declined case goes to them.
    router.complete(case(2), t0() + mins(20)).unwrap();
    assert_eq!(
        router.assignment(case(1)).map(|a| a.agent),
        Some(agent_id(2))
    );
}

#[test]
fn status_change_to_available_pulls_work() {
    let mut router = router_with(
        vec![available(1, 1).with_status(AgentStatus::AtLunch)],
        RoutingMethod::LeastActive,
    );
    router.route(request(1), t0(), None).unwrap();
    assert!(
        router
            .set_status(agent_id(1), AgentStatus::Busy, t0())
            .unwrap()
            .is_empty()
    );
    let events = router
        .set_status(agent_id(1), AgentStatus::Available, t0() + mins(30))
        .unwrap();
    assert!(matches!(events[..], [RoutingEvent::Assigned { agent, .. }] if agent == agent_id(1)));
}

// ----- overflow ------------------------------------------------------------------------

#[test]
fn overflow_after_groups_then_stall_without_loops() {
    let mut router = Router::new();
    router
        .add_skill(Skill::new(skill(1), "French").unwrap())
        .unwrap();
    router.add_agent(available(1, 1)).unwrap(); // in OVERFLOW only, busy below
    router
        .add_queue(
            Queue::new(OVERFLOW, "Overflow", RoutingMethod::RoundRobin)
                .unwrap()
                .with_member(QueueMember::new(agent_id(1)))
                .with_relax_timeout(mins(10))
                .unwrap(),
        )
        .unwrap();
    router
        .add_queue(
            Queue::new(Q, "French", RoutingMethod::SkillBased)
                .unwrap()
                .with_overflow(OVERFLOW),
        )
        .unwrap();
    // Make the overflow queue point back: cycles must not loop.
    let mut over = router.queue(OVERFLOW).unwrap().clone();
    over.overflow = Some(Q);
    router.update_queue(over, t0()).unwrap();

    router
        .route(
            RoutingRequest::new(case(9), AccountId::from_u128(1), t0()).in_queue(OVERFLOW),
            t0(),
            None,
        )
        .unwrap(); // agent 1 now full
    let req = request(1).with_optional_group(vec![need(1, 3)]);
    router.route(req, t0(), None).unwrap();
    let events = router.tick(t0() + mins(100));
    let relevant: Vec<_> = events.into_iter().filter(|e| e.case() == case(1)).collect();
    assert_eq!(
        relevant,
        vec![
            RoutingEvent::SkillGroupDropped {
                case: case(1),
                queue: Q,
                group: 0,
                at: t0() + mins(5)
            },
            RoutingEvent::Overflowed {
                case: case(1),
                from: Q,
                to: OVERFLOW,
                at: t0() + mins(10)
            },
            RoutingEvent::RoutingStalled {
                case: case(1),
                queue: OVERFLOW,
                at: t0() + mins(20)
            },
        ]
    );
    // Capacity frees in the overflow queue: the stalled case is pulled.
    let events = router.complete(case(9), t0() + mins(101)).unwrap();
    assert!(events.iter().any(|e| matches!(e, RoutingEvent::Assigned { case: c, queue, .. } if *c == case(1) && *queue == OVERFLOW)));
}

// ----- business hours ----------------------------------------------------------------

fn nine_to_five() -> BusinessHours {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    BusinessHours::builder(chrono_tz::UTC)
        .weekdays(t(9), t(17))
        .build()
        .unwrap()
}

#[test]
fn out_of_hours_behaviour_table() {
    let evening = Utc.with_ymd_and_hms(2026, 1, 5, 20, 0, 0).unwrap();
    for (behaviour, want_agent, want_queue) in [
        (OutOfHours::RouteAnyway, Some(agent_id(1)), Q),
        (OutOfHours::Hold, None, Q),
        (OutOfHours::Overflow, Some(agent_id(2)), OVERFLOW),
    ] {
        let mut router = Router::new();
        router.add_agent(available(1, 5)).unwrap();
        router.add_agent(available(2, 5)).unwrap();
        router
            .add_queue(
                Queue::new(OVERFLOW, "Night", RoutingMethod::RoundRobin)
                    .unwrap()
                    .with_member(QueueMember::new(agent_id(2))),
            )
            .unwrap();
        router
            .add_queue(
                Queue::new(Q, "Day", RoutingMethod::RoundRobin)
                    .unwrap()
                    .with_member(QueueMember::new(agent_id(1)))
                    .with_overflow(OVERFLOW)
                    .with_hours(nine_to_five())
                    .with_out_of_hours(behaviour),
            )
            .unwrap();
        let out = router
            .route(
                RoutingRequest::new(case(1), AccountId::from_u128(1), evening).in_queue(Q),
                evening,
                None,
            )
            .unwrap();
        assert_eq!(
            out.decision.agent(),
            want_agent,
            "{behaviour:?}: {}",
            out.decision.reasoning
        );
        assert_eq!(out.decision.queue, want_queue, "{behaviour:?}");
        if behaviour == OutOfHours::Hold {
            assert_eq!(
                out.decision.loss_reason(agent_id(1)),
                Some(LossReason::QueueClosed)
            );
            // Overnight ticks change nothing; at 09:00 the case is assigned.
            assert!(router.tick(evening + TimeDelta::hours(6)).is_empty());
            let morning = Utc.with_ymd_and_hms(2026, 1, 6, 9, 0, 0).unwrap();
            let events = router.tick(morning);
            assert!(
                matches!(events[..], [RoutingEvent::Assigned { agent, .. }] if agent == agent_id(1)),
                "{events:?}"
            );
        }
    }
}

#[test]
fn waiting_cases_overflow_when_their_queue_closes() {
    let mut router = Router::new();
    router
        .add_agent(available(2, 5).with_status(AgentStatus::Offline))
        .unwrap();
    router
        .add_queue(
            Queue::new(OVERFLOW, "Night", RoutingMethod::RoundRobin)
                .unwrap()
                .with_member(QueueMember::new(agent_id(2))),
        )
        .unwrap();
    router
        .add_queue(
            Queue::new(Q, "Day", RoutingMethod::RoundRobin)
                .unwrap()
                .with_overflow(OVERFLOW)
                .with_hours(nine_to_five())
                .with_out_of_hours(OutOfHours::Overflow)
                .with_relax_timeout(TimeDelta::hours(24))
                .unwrap(),
        )
        .unwrap();
    // 16:00: open, nobody in Day: the case waits there.
    let four = Utc.with_ymd_and_hms(2026, 1, 5, 16, 0, 0).unwrap();
    let out = router
        .route(
            RoutingRequest::new(case(1), AccountId::from_u128(1), four).in_queue(Q),
            four,
            None,
        )
        .unwrap();
    assert_eq!(out.decision.agent(), None);
    assert!(
        router.tick(four + mins(30)).is_empty(),
        "still open, timeout far away"
    );
    // 17:30: Day is closed; the night agent is online: the case moves and is taken.
    router
        .set_status(agent_id(2), AgentStatus::Available, four)
        .unwrap();
    let evening = four + mins(90);
    let events = router.tick(evening);
    assert_eq!(
        events,
        vec![
            RoutingEvent::Overflowed {
                case: case(1),
                from: Q,
                to: OVERFLOW,
                at: evening
            },
            RoutingEvent::Assigned {
                case: case(1),
                queue: OVERFLOW,
                agent: agent_id(2),
                method: RoutingMethod::RoundRobin,
                at: evening
            },
        ]
    );
}

#[test]
fn rules_first_match_wins_table() {
    let acme = AccountId::from_u128(77);
    let queues: Vec<QueueId> = (10..=19).map(QueueId::from_u128).collect();
    let mut router = Router::new();
    router
        .add_skill(Skill::new(skill(1), "Billing").unwrap())
        .unwrap();
    for q in &queues {
        router
            .add_queue(Queue::new(*q, format!("q{q}"), RoutingMethod::RoundRobin).unwrap())
            .unwrap();
    }
    let qn = |i: usize| queues[i];
    router
        .add_rule(
            RoutingRule::new("inactive catch-all", 0, qn(9))
                .unwrap()
                .inactive(),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("acme", 1, qn(0))
                .unwrap()
                .when_account(acme),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("platinum critical", 2, qn(1))
                .unwrap()
                .when_tier(SlaTier::Platinum)
                .when_priority(Priority::Critical),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("billing", 3, qn(2))
                .unwrap()
                .when_ai_category(AiCategory::Billing)
                .requiring(need(1, 3))
                .set_priority(Priority::High),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("refund words", 4, qn(3))
                .unwrap()
                .when_keyword("refund")
                .unwrap()
                .when_keyword("charged twice")
                .unwrap(),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("phone incidents", 5, qn(4))
                .unwrap()
                .when_origin(Origin::Phone)
                .when_type(CaseType::Incident),
        )
        .unwrap();
    router
        .add_rule(
            RoutingRule::new("after hours", 6, qn(5))
                .unwrap()
                .when_in_business_hours(false),
        )
        .unwrap();
    // Same order as "after hours" but added later: evaluated after it.
    router
        .add_rule(
            RoutingRule::new("in hours", 6, qn(6))
                .unwrap()
                .when_in_business_hours(true),
        )
        .unwrap();
    router.set_business_hours(Some(nine_to_five()));

    let evening = Utc.with_ymd_and_hms(2026, 1, 5, 20, 0, 0).unwrap();
    let base = |n| RoutingRequest::new(case(n), AccountId::from_u128(1), t0());
    let table: Vec<(&str, RoutingRequest, DateTime<Utc>, &str, QueueId)> = vec![
        (
            "account beats everything",
            base(1)
                .with_tier(SlaTier::Platinum)
                .with_priority(Priority::Critical),
            t0(),
            "acme",
            qn(0),
        ),
        (
            "tier and priority both needed",
            base(2)
                .with_tier(SlaTier::Platinum)
                .with_priority(Priority::Critical),
            t0(),
            "platinum critical",
            qn(1),
        ),
        (
            "tier alone is not enough",
            base(3).with_tier(SlaTier::Platinum),
            t0(),
            "in hours",
            qn(6),
        ),
        (
            "ai category",
            base(4).with_ai_category(AiCategory::Billing),
            t0(),
            "billing",
            qn(2),
        ),
        (
            "keyword in description, any case",
            base(5).with_description("I was CHARGED TWICE this month"),
            t0(),
            "refund words",
            qn(3),
        ),
        (
            "keyword needs a whole word",
            base(6).with_subject("refunded already, thanks"),
            t0(),
            "in hours",
            qn(6),
        ),
        (
            "origin and type",
            base(7)
                .with_origin(Origin::Phone)
                .with_type(CaseType::Incident),
            t0(),
            "phone incidents",
            qn(4),
        ),
        (
            "out of business hours",
            base(8),
            evening,
            "after hours",
            qn(5),
        ),
        ("in business hours", base(9), t0(), "in hours", qn(6)),
    ];
    for (name, mut req, now, rule, queue) in table {
        if name == "account beats everything" {
            req.account = acme;
        }
        let c = router.classify(&req, now).unwrap();
        assert_eq!(c.rule.as_deref(), Some(rule), "{name}");
        assert_eq!(c.queue, queue, "{name}");
    }
    let c = router
        .classify(
            &base(10)
                .with_ai_category(AiCategory::Billing)
                .requiring(need(1, 1)),
            t0(),
        )
        .unwrap();
    assert_eq!(c.priority, Priority::High);
    assert_eq!(c.required, vec![need(1, 3)], "rule raises the level");

    // A request naming its queue skips the rules.
    let c = router
        .classify(
            &base(11)
                .with_ai_category(AiCategory::Billing)
                .in_queue(qn(8)),
            t0(),
        )
        .unwrap();
    assert_eq!((c.rule, c.queue), (None, qn(8)));
}

#[test]
fn no_rule_and_no_default_queue_is_a_typed_error() {
    let mut router = Router::new();
    router
        .add_queue(Queue::new(Q, "Only", RoutingMethod::RoundRobin).unwrap())
        .unwrap();
    let req = RoutingRequest::new(case(1), AccountId::from_u128(1), t0());
    assert!(matches!(
        router.route(req.clone(), t0(), None),
        Err(Error::NotAllowed { .. })
    ));
    router.set_default_queue(Q).unwrap();
    assert_eq!(
        router.route(req, t0(), None).unwrap().classification.queue,
        Q
    );
}

// ----- bad input ------------------------------------------------------------------------

/// Asserts a validation error on `field`.
fn refused<T: std::fmt::Debug>(r: hotcrm_support::Result<T>, field: &str) {
    match r {
        Err(Error::Validation { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    refused(Weight::new(0), "weight");
    refused(Weight::new(11), "weight");
    refused(Proficiency::new(6), "proficiency");
    refused(Proficiency::new(0), "proficiency");
    refused(Capacity::cases(0), "capacity");
    assert!(serde_json::from_str::<Weight>("11").is_err());
    assert!(serde_json::from_str::<Proficiency>("6").is_err());

    let mut router = router_with(vec![available(1, 1)], RoutingMethod::RoundRobin);
    router.route(request(1), t0(), None).unwrap();
    let before = router.state().clone();
    type Op = Box<dyn Fn(&mut Router) -> Result<(), Error>>;
    let ops: Vec<(&str, Op)> = vec![
        (
            "agent with capacity 0",
            Box::new(|r| {
                r.add_agent(Agent {
                    capacity: Capacity::Cases { max: 0 },
                    ..available(5, 1)
                })
            }),
        ),
        (
            "agent with a zero-unit channel",
            Box::new(|r| {
                let mut costs = BTreeMap::new();
                costs.insert(Origin::Phone, 0);
                r.add_agent(Agent {
                    capacity: Capacity::Units { max: 5, costs },
                    ..available(5, 1)
                })
            }),
        ),
        (
            "agent with an unknown skill",
            Box::new(|r| r.add_agent(with_skill(available(5, 1), 99, 1))),
        ),
        (
            "agent listed twice",
            Box::new(|r| r.add_agent(available(1, 1))),
        ),
        (
            "agent with a skill twice",
            Box::new(|r| {
                let mut a = with_skill(available(5, 1), 1, 1);
                a.skills.push(AgentSkill::new(skill(1), 2).unwrap());
                r.add_agent(a)
            }),
        ),
        (
            "agent with a blank name",
            Box::new(|r| {
                r.add_agent(Agent {
                    name: " ".into(),
                    ..available(5, 1)
                })
            }),
        ),
        (
            "queue with an unknown member",
            Box::new(|r| {
                r.add_queue(
                    Queue::new(OVERFLOW, "X", RoutingMethod::RoundRobin)?
                        .with_member(QueueMember::new(agent_id(42))),
                )
            }),
        ),
        (
            "queue with a member listed twice",
            Box::new(|r| {
                let mut q = Queue::new(OVERFLOW, "X", RoutingMethod::RoundRobin)?;
                q.members.push(QueueMember::new(agent_id(1)));
                q.members.push(QueueMember::new(agent_id(1)));
                r.add_queue(q)
            }),
        ),
        (
            "queue listed twice",
            Box::new(|r| r.add_queue(Queue::new(Q, "X", RoutingMethod::RoundRobin)?)),
        ),
        (
            "queue with a NaN threshold",
            Box::new(|r| {
                let mut q = Queue::new(OVERFLOW, "X", RoutingMethod::AiAssisted)?;
                q.ai_confidence_threshold = f64::NAN;
                r.add_queue(q)
            }),
        ),
        (
            "queue overflowing into itself",
            Box::new(|r| {
                let mut q = r.queue(Q).unwrap().clone();
                q.overflow = Some(Q);
                r.update_queue(q, t0()).map(drop)
            }),
        ),
        (
            "skill listed twice",
            Box::new(|r| r.add_skill(Skill::new(skill(1), "again")?)),
        ),
        (
            "rule to an unknown queue",
            Box::new(|r| r.add_rule(RoutingRule::new("r", 1, OVERFLOW)?)),
        ),
        (
            "rule requiring an unknown skill",
            Box::new(|r| r.add_rule(RoutingRule::new("r", 1, Q)?.requiring(need(99, 1)))),
        ),
        (
            "route a case twice",
            Box::new(|r| r.route(request(1), t0(), None).map(drop)),
        ),
        (
            "route with an unknown skill",
            Box::new(|r| {
                r.route(request(2).requiring(need(99, 1)), t0(), None)
                    .map(drop)
            }),
        ),
        (
            "route to an unknown queue",
            Box::new(|r| r.route(request(2).in_queue(OVERFLOW), t0(), None).map(drop)),
        ),
        (
            "route an oversized description",
            Box::new(|r| {
                r.route(
                    request(2).with_description("x".repeat(MAX_DESCRIPTION_BYTES + 1)),
                    t0(),
                    None,
                )
                .map(drop)
            }),
        ),
        (
            "route with an empty optional group",
            Box::new(|r| {
                r.route(request(2).with_optional_group(vec![]), t0(), None)
                    .map(drop)
            }),
        ),
        (
            "complete an unknown case",
            Box::new(|r| r.complete(case(404), t0()).map(drop)),
        ),
        (
            "decline an unknown case",
            Box::new(|r| r.decline(case(404), t0()).map(drop)),
        ),
        (
            "status of an unknown agent",
            Box::new(|r| {
                r.set_status(agent_id(404), AgentStatus::Available, t0())
                    .map(drop)
            }),
        ),
        (
            "remove an agent holding a case",
            Box::new(|r| r.remove_agent(agent_id(1))),
        ),
        (
            "workload with zero handle time",
            Box::new(|r| {
                r.workload(&BTreeMap::new(), TimeDelta::zero(), t0())
                    .map(drop)
            }),
        ),
    ];
    for (name, op) in ops {
        let result = op(&mut router);
        assert!(result.is_err(), "{name} must fail");
        assert_eq!(router.state(), &before, "{name} changed state");
    }
}

// ----- explanation and workload -------------------------------------------------------

#[test]
fn every_decision_explains_every_member() {
    let mut agents: Vec<Agent> = (1..=20)
        .map(|n| with_skill(available(n, 3), 1, (n % 5 + 1) as u8))
        .collect();
    agents[0].status = AgentStatus::Offline;
    agents[1].load = 3;
    let router = router_with(agents, RoutingMethod::SkillBased);
    let d = router
        .decide(Q, &request(1).requiring(need(1, 3)), t0(), None)
        .unwrap();
    assert_eq!(d.rejected.len() + 1, 20);
    assert!(d.runners_up.len() <= 3);
    assert!(d.skill_match.unwrap() <= 100);
    assert!(d.reasoning.contains("Skill Based"), "{}", d.reasoning);
    for w in d.runners_up.windows(2) {
        assert!(w[0].score >= w[1].score);
    }
}

#[test]
fn workload_reports_utilisation_breaches_and_reassignments() {
    let mut router = router_with(
        vec![
            available(1, 4),
            available(2, 4).with_status(AgentStatus::Offline),
        ],
        RoutingMethod::LeastActive,
    );
    let mut due = BTreeMap::new();
    for n in 1..=4 {
        router.route(request(n), t0(), None).unwrap();
        due.insert(case(n), t0() + mins(150));
    }
    router.route(request(5), t0(), None).unwrap(); // waits: agent 1 full
    due.insert(case(5), t0() + mins(30));
    router
        .set_status(agent_id(2), AgentStatus::Available, t0())
        .unwrap(); // takes case 5
    let report = router.workload(&due, TimeDelta::hours(1), t0()).unwrap();
    assert_eq!(report.agents[0].agent, agent_id(1));
    assert_eq!(report.agents[0].percent, 100);
    assert_eq!(report.agents[1].percent, 25);
    let q = &report.queues[0];
    assert_eq!((q.open, q.waiting), (5, 0));
    // Agent 1 finishes at 10, 11, 12, 13h: cases 3 and 4 miss 11:30; case 5 (due 9:30) misses.
    assert_eq!(q.at_risk, vec![case(5), case(3), case(4)]);
    // Agent 2 (one case until 10:00) can take case 3 by 11:00, not case 4 as well (12:00 > 11:30).
    assert_eq!(
        report.recommendations.len(),
        1,
        "{:?}",
        report.recommendations
    );
    assert_eq!(
        (report.recommendations[0].case, report.recommendations[0].to),
        (case(3), agent_id(2))
    );
}

#[test]
fn capacity_arithmetic_near_u32_max_never_wraps() {
    // The reported case: limit 4294967295, load 1, then a phone case costing
    // 4294967295. `load + cost` wrapped (or saturated) to fit under the limit.
    let capacity = Capacity::units(u32::MAX)
        .unwrap()
        .with_cost(Origin::Phone, u32::MAX)
        .unwrap();
    let ada = Agent::new(agent_id(1), "Ada", capacity)
        .unwrap()
        .with_status(AgentStatus::Available);
    let mut r = router_with(vec![ada], RoutingMethod::MostAvailable);
    let email = request(1).with_origin(Origin::Email);
    assert!(
        r.route(email, t0(), None)
            .unwrap()
            .decision
            .chosen
            .is_some()
    );
    assert_eq!(r.agent(agent_id(1)).unwrap().load, 1);

    let phone = request(2).with_origin(Origin::Phone);
    let out = r.route(phone, t0(), None).unwrap();
    assert_eq!(
        out.decision.agent(),
        None,
        "cost 4294967295 on top of load 1"
    );
    assert_eq!(
        out.decision.loss_reason(agent_id(1)),
        Some(LossReason::AtCapacity {
            load: 1,
            cost: 4_294_967_295,
            limit: 4_294_967_295
        })
    );
    assert!(r.assignment(case(2)).is_none());
    assert_eq!(r.waiting(Q).len(), 1);

    // Releasing the email case frees exactly 1: the phone case now fits exactly.
    let events = r.complete(case(1), t0()).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RoutingEvent::Assigned { case: c, .. } if *c == case(2)))
    );
    let a = r.agent(agent_id(1)).unwrap();
    assert_eq!((a.load, a.open_cases), (4_294_967_295, 1));
    r.complete(case(2), t0()).unwrap();
    let a = r.agent(agent_id(1)).unwrap();
    assert_eq!((a.load, a.open_cases), (0, 0));
    assert!(a.has_room_for(Origin::Phone));

    // Limits and costs are checked when built and when loaded.
    assert!(Capacity::units(0).is_err());
    assert!(
        Capacity::units(1)
            .unwrap()
            .with_cost(Origin::Phone, 0)
            .is_err()
    );
    let bad: Result<Capacity, _> = serde_json::from_str(r#"{"Units":{"max":0,"costs":{}}}"#);
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("capacity: max must be at least 1")
    );
    let bad: Result<Capacity, _> =
        serde_json::from_str(r#"{"Units":{"max":5,"costs":{"Phone":0}}}"#);
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("cost of Phone must be at least 1")
    );
}

#[test]
fn loads_are_derived_from_the_assignments() {
    // `add_agent` ignores a preset load: a new agent holds no assignment.
    let mut ada = available(1, 5);
    ada.load = 4;
    ada.open_cases = 4;
    let mut r = router_with(vec![], RoutingMethod::LeastActive);
    r.add_agent(ada).unwrap();
    assert_eq!(
        r.agent(agent_id(1)).map(|a| (a.load, a.open_cases)),
        Some((0, 0))
    );
    r.check_invariants().unwrap();

    // `from_state` ignores stored loads and recomputes them from the assignments.
    let r = holding(r, &[(agent_id(1), 2)]);
    let mut state = r.state().clone();
    state.agents[0].load = 99;
    state.agents[0].open_cases = 0;
    let restored = Router::from_state(state.clone()).unwrap();
    assert_eq!(
        restored.agent(agent_id(1)).map(|a| (a.load, a.open_cases)),
        Some((2, 2))
    );
    restored.check_invariants().unwrap();

    // A sum that does not fit a u32 is an overflow error, not a wrap.
    let mut big = state.clone();
    for a in big.assignments.values_mut() {
        a.cost = u32::MAX;
    }
    let err = Router::from_state(big).unwrap_err();
    assert!(matches!(err, Error::Overflow { .. }), "{err}");
    assert!(err.to_string().contains("8589934590"), "{err}");

    // Entries that contradict each other are refused.
    let (&held_case, held) = state.assignments.iter().next().unwrap();
    let waiting = WaitingCase {
        request: held.request.clone(),
        queue: Q,
        queued_at: t0(),
        next_step_at: t0(),
        dropped: 0,
        visited: Vec::new(),
        stalled: false,
        ai: None,
    };
    let mut both = state.clone();
    both.waiting.push(waiting.clone());
    refused(Router::from_state(both), "waiting");
    let mut twice = state.clone();
    twice.assignments.remove(&held_case);
    twice.waiting.push(waiting.clone());
    twice.waiting.push(waiting);
    refused(Router::from_state(twice), "waiting");
    let mut misfiled = state.clone();
    let entry = misfiled.assignments.remove(&held_case).unwrap();
    misfiled.assignments.insert(case(424_242), entry);
    refused(Router::from_state(misfiled), "assignments");
    let mut free = state;
    free.assignments.values_mut().for_each(|a| a.cost = 0);
    refused(Router::from_state(free), "assignment cost");
}

// ----- manual assignment and withdrawal -----------------------------------------------

fn unchanged(r: &Router, before: &RouterState) {
    assert_eq!(r.state(), before, "nothing changes on error");
    r.check_invariants().unwrap();
}

#[test]
fn assign_to_takes_a_waiting_case_and_may_exceed_capacity() {
    let offline = available(2, 1).with_status(AgentStatus::Offline);
    let mut r = router_with(vec![available(1, 1), offline], RoutingMethod::RoundRobin);
    r.route(request(1), t0(), None).unwrap(); // agent 1 is now full
    r.route(request(2), t0(), None).unwrap(); // waits
    assert!(r.waiting_case(case(2)).is_some());
    let turn = r.queue(Q).unwrap().turn;

    // The supervisor gives the waiting case to the offline agent 2 ...
    let events = r
        .assign_to(request(2), agent_id(2), t0() + mins(1))
        .unwrap();
    assert_eq!(
        events,
        vec![RoutingEvent::ManuallyAssigned {
            case: case(2),
            queue: Some(Q),
            agent: agent_id(2),
            previous: None,
            at: t0() + mins(1),
        }]
    );
    assert!(r.waiting_case(case(2)).is_none());
    assert_eq!(r.assignment(case(2)).unwrap().queue, Some(Q));
    // ... and another one to the full agent 1: over the limit, by decision.
    r.assign_to(request(3), agent_id(1), t0()).unwrap();
    let a1 = r.agent(agent_id(1)).unwrap();
    assert_eq!((a1.load, a1.open_cases, a1.capacity.limit()), (2, 2, 1));
    assert_eq!(r.queue(Q).unwrap().turn, turn, "no routing turn was taken");
    assert_eq!(
        r.agent(agent_id(2)).unwrap().last_assigned_at,
        Some(t0() + mins(1))
    );
    r.check_invariants().unwrap();

    // Completing one case leaves agent 1 at its limit: nothing is pulled.
    r.route(request(4), t0(), None).unwrap();
    let events = r.complete(case(1), t0()).unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(r.waiting_case(case(4)).is_some());
    r.check_invariants().unwrap();
}

#[test]
fn assign_to_moves_a_case_and_dispatches_the_freed_capacity() {
    let mut r = router_with(
        vec![available(1, 1), available(2, 3)],
        RoutingMethod::RoundRobin,
    );
    r.set_status(agent_id(2), AgentStatus::Offline, t0())
        .unwrap();
    r.route(request(1), t0(), None).unwrap(); // agent 1
    r.route(request(2).declined_by(agent_id(2)), t0(), None)
        .unwrap(); // waits
    assert_eq!(r.assignment(case(1)).unwrap().agent, agent_id(1));

    let events = r.assign_to(request(1), agent_id(2), t0()).unwrap();
    assert_eq!(
        events,
        vec![
            RoutingEvent::Released {
                case: case(1),
                agent: agent_id(1),
                at: t0()
            },
            RoutingEvent::ManuallyAssigned {
                case: case(1),
                queue: Some(Q),
                agent: agent_id(2),
                previous: Some(agent_id(1)),
                at: t0()
            },
            RoutingEvent::Assigned {
                case: case(2),
                queue: Q,
                agent: agent_id(1),
                method: RoutingMethod::RoundRobin,
                at: t0()
            },
        ]
    );
    r.check_invariants().unwrap();

    // Already theirs: nothing happens.
    let before = r.state().clone();
    assert_eq!(r.assign_to(request(1), agent_id(2), t0()).unwrap(), vec![]);
    unchanged(&r, &before);

    // A manual assignment overrides an earlier decline by that agent.
    r.assign_to(request(2), agent_id(2), t0()).unwrap();
    let held = r.assignment(case(2)).unwrap();
    assert!(!held.request.declined_by.contains(&agent_id(2)));
    r.check_invariants().unwrap();
}

#[test]
fn assign_to_refuses_bad_input_and_overflow_and_changes_nothing() {
    let capacity = Capacity::units(u32::MAX)
        .unwrap()
        .with_cost(Origin::Phone, u32::MAX)
        .unwrap();
    let big = Agent::new(agent_id(1), "Big", capacity)
        .unwrap()
        .with_status(AgentStatus::Available);
    let mut r = router_with(vec![big], RoutingMethod::RoundRobin);
    r.route(request(1).with_origin(Origin::Email), t0(), None)
        .unwrap();
    r.route(request(2), t0(), None).unwrap();
    r.route(request(3), t0(), None).unwrap();
    let before = r.state().clone();

    // Load 3 + 4294967295 does not fit a u32, even for a supervisor.
    let err = r
        .assign_to(request(9).with_origin(Origin::Phone), agent_id(1), t0())
        .unwrap_err();
    assert!(matches!(err, Error::Overflow { .. }), "{err}");
    assert!(err.to_string().contains("load 3"), "{err}");
    unchanged(&r, &before);

    let err = r.assign_to(request(1), agent_id(99), t0()).unwrap_err();
    assert!(
        matches!(err, Error::NotFound { kind: "agent", .. }),
        "{err}"
    );
    unchanged(&r, &before);

    let err = r
        .assign_to(
            request(9).in_queue(QueueId::from_u128(77)),
            agent_id(1),
            t0(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { kind: "queue", .. }),
        "{err}"
    );
    unchanged(&r, &before);

    let err = r
        .assign_to(request(9).requiring(need(9, 1)), agent_id(1), t0())
        .unwrap_err();
    assert!(
        matches!(err, Error::NotFound { kind: "skill", .. }),
        "{err}"
    );
    unchanged(&r, &before);

    refused(
        r.assign_to(
            request(9).with_subject("x".repeat(5_000)),
            agent_id(1),
            t0(),
        ),
        "subject",
    );
    unchanged(&r, &before);
}

#[test]
fn assign_to_works_without_queues_or_rules() {
    let mut r = Router::new();
    r.add_agent(available(1, 1)).unwrap();
    let req = RoutingRequest::new(case(1), AccountId::from_u128(1), t0());
    let events = r.assign_to(req.clone(), agent_id(1), t0()).unwrap();
    assert!(matches!(
        events[..],
        [RoutingEvent::ManuallyAssigned { queue: None, .. }]
    ));
    assert_eq!(r.assignment(case(1)).unwrap().queue, None);
    r.check_invariants().unwrap();
    // Queue-less assignments survive a restart.
    let r2 = Router::from_state(r.state().clone()).unwrap();
    assert_eq!(r2.state(), r.state());
    // Declined with nowhere to wait: the case leaves routing.
    let events = r.decline(case(1), t0()).unwrap();
    assert!(matches!(events[..], [RoutingEvent::Declined { .. }]));
    assert!(r.assignment(case(1)).is_none() && r.waiting_case(case(1)).is_none());
    r.check_invariants().unwrap();

    // With a default queue, the assignment is filed under it ...
    r.add_queue(Queue::new(Q, "Default", RoutingMethod::RoundRobin).unwrap())
        .unwrap();
    r.set_default_queue(Q).unwrap();
    r.assign_to(req.clone(), agent_id(1), t0()).unwrap();
    assert_eq!(
        r.assignment(case(1)).unwrap().queue,
        Some(Q),
        "default queue"
    );
    // ... and a queue-less case declined after one was set waits there.
    let mut r3 = Router::new();
    r3.add_agent(available(1, 1)).unwrap();
    r3.assign_to(req, agent_id(1), t0()).unwrap();
    r3.add_queue(Queue::new(Q, "Later", RoutingMethod::RoundRobin).unwrap())
        .unwrap();
    r3.set_default_queue(Q).unwrap();
    let events = r3.decline(case(1), t0()).unwrap();
    assert!(matches!(
        events[..],
        [RoutingEvent::Declined { .. }, RoutingEvent::Queued { queue, .. }] if queue == Q
    ));
    assert!(
        r3.waiting_case(case(1))
            .unwrap()
            .request
            .declined_by
            .contains(&agent_id(1))
    );
    r3.check_invariants().unwrap();
}

#[test]
fn withdraw_removes_a_case_wherever_it_is() {
    let mut r = router_with(vec![available(1, 1)], RoutingMethod::RoundRobin);
    for n in 1..=3 {
        r.route(request(n), t0(), None).unwrap();
    }
    assert_eq!(r.withdraw(case(3), t0()), vec![], "waiting: no event");
    assert!(r.waiting_case(case(3)).is_none());
    let events = r.withdraw(case(1), t0());
    assert_eq!(
        events,
        vec![
            RoutingEvent::Released {
                case: case(1),
                agent: agent_id(1),
                at: t0()
            },
            RoutingEvent::Assigned {
                case: case(2),
                queue: Q,
                agent: agent_id(1),
                method: RoutingMethod::RoundRobin,
                at: t0()
            },
        ]
    );
    let before = r.state().clone();
    assert_eq!(r.withdraw(case(1), t0()), vec![], "already gone");
    assert_eq!(r.withdraw(case(42), t0()), vec![], "unknown");
    unchanged(&r, &before);
    // `complete` still needs an open assignment.
    assert!(matches!(
        r.complete(case(1), t0()),
        Err(Error::NotFound { .. })
    ));
}
