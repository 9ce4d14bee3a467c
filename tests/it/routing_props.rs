//! Routing laws under proptest: the chosen agent is always eligible, capacity is
//! never exceeded over any command sequence, and decisions are deterministic.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hotcrm_support::case::{Origin, Priority};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
use hotcrm_support::routing::*;
use proptest::prelude::*;

const Q: QueueId = QueueId::from_u128(1);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

#[derive(Debug, Clone)]
struct AgentSpec {
    status: AgentStatus,
    cap: u32,
    units: bool,
    phone_cost: u32,
    skills: Vec<(u8, u8)>,
    last_minutes_ago: Option<i64>,
    /// Initial load (clamped to the limit); only used where no assignments are tracked.
    preload: u32,
}

fn agent_spec() -> impl Strategy<Value = AgentSpec> {
    (
        prop::sample::select(AgentStatus::ALL.to_vec()),
        1_u32..6,
        any::<bool>(),
        1_u32..4,
        prop::collection::vec((0_u8..6, 1_u8..=5), 0..5),
        prop::option::of(0_i64..600),
        0_u32..12,
    )
        .prop_map(
            |(status, cap, units, phone_cost, skills, last, preload)| AgentSpec {
                status,
                cap,
                units,
                phone_cost,
                skills,
                last_minutes_ago: last,
                preload,
            },
        )
}

fn method() -> impl Strategy<Value = RoutingMethod> {
    prop::sample::select(RoutingMethod::ALL.to_vec())
}

#[derive(Debug, Clone)]
struct ReqSpec {
    priority: Priority,
    phone: bool,
    required: Vec<(u8, u8)>,
    optional: Vec<Vec<(u8, u8)>>,
    declined: Vec<u8>,
    ai: Option<(u8, u8)>,
}

fn req_spec() -> impl Strategy<Value = ReqSpec> {
    (
        prop::sample::select(Priority::ALL.to_vec()),
        any::<bool>(),
        prop::collection::vec((0_u8..6, 1_u8..=5), 0..3),
        prop::collection::vec(prop::collection::vec((0_u8..6, 1_u8..=5), 1..3), 0..3),
        prop::collection::vec(0_u8..8, 0..2),
        prop::option::of((0_u8..10, 0_u8..=100)),
    )
        .prop_map(
            |(priority, phone, required, optional, declined, ai)| ReqSpec {
                priority,
                phone,
                required,
                optional,
                declined,
                ai,
            },
        )
}

fn build(
    specs: &[AgentSpec],
    method: RoutingMethod,
    member_order: &[usize],
    preload: bool,
) -> Router {
    let mut r = Router::new();
    for s in 0..6 {
        r.add_skill(Skill::new(SkillId::from_u128(s), format!("s{s}")).unwrap())
            .unwrap();
    }
    for (i, s) in specs.iter().enumerate() {
        let capacity = if s.units {
            Capacity::units(s.cap * 2)
                .unwrap()
                .with_cost(Origin::Phone, s.phone_cost)
                .unwrap()
        } else {
            Capacity::cases(s.cap).unwrap()
        };
        let mut a = Agent::new(AgentId::from_u128(i as u128), format!("a{i}"), capacity)
            .unwrap()
            .with_status(s.status);
        for (sk, lvl) in &s.skills {
            a = a.with_skill(AgentSkill::new(SkillId::from_u128(u128::from(*sk)), *lvl).unwrap());
        }
        a.last_assigned_at = s.last_minutes_ago.map(|m| t0() - TimeDelta::minutes(m));
        r.add_agent(a).unwrap();
    }
    let mut q = Queue::new(Q, "Q", method).unwrap();
    for &i in member_order {
        q = q.with_member(
            QueueMember::new(AgentId::from_u128(i as u128))
                .with_weight(Weight::new((i % 10 + 1) as u8).unwrap()),
        );
    }
    r.add_queue(q).unwrap();
    if !preload {
        return r;
    }
    // Preloads become open one-unit cases (ids from 1,000,001): the router
    // derives loads from its assignments.
    let mut state = r.state().clone();
    let mut next = 1_000_000_u128;
    for (i, s) in specs.iter().enumerate() {
        let agent = AgentId::from_u128(i as u128);
        let limit = r.agent(agent).unwrap().capacity.limit();
        for _ in 0..s.preload.min(limit) {
            next += 1;
            let case = CaseId::from_u128(next);
            state.assignments.insert(
                case,
                OpenAssignment {
                    request: RoutingRequest::new(case, AccountId::from_u128(1), t0()),
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
    Router::from_state(state).unwrap()
}

fn request(n: u128, spec: &ReqSpec) -> (RoutingRequest, Option<AiSuggestion>) {
    let mut req = RoutingRequest::new(
        CaseId::from_u128(n),
        AccountId::from_u128(1),
        t0() + TimeDelta::seconds(n as i64),
    )
    .in_queue(Q)
    .with_priority(spec.priority)
    .with_origin(if spec.phone {
        Origin::Phone
    } else {
        Origin::Email
    });
    for (s, l) in &spec.required {
        req = req.requiring(SkillRequirement::new(SkillId::from_u128(u128::from(*s)), *l).unwrap());
    }
    for g in &spec.optional {
        req = req.with_optional_group(
            g.iter()
                .map(|(s, l)| {
                    SkillRequirement::new(SkillId::from_u128(u128::from(*s)), *l).unwrap()
                })
                .collect(),
        );
    }
    for d in &spec.declined {
        req = req.declined_by(AgentId::from_u128(u128::from(*d)));
    }
    let ai = spec.ai.map(|(a, c)| {
        AiSuggestion::new(
            AgentId::from_u128(u128::from(a)),
            f64::from(c) / 100.0,
            "model",
        )
        .unwrap()
    });
    (req, ai)
}

/// Independent eligibility check (does not use the router's index).
fn eligible(router: &Router, agent: AgentId, req: &RoutingRequest, dropped: usize) -> bool {
    let a = router.agent(agent).unwrap();
    let mut needs = req.required.clone();
    for g in req.optional_groups.iter().skip(dropped) {
        needs.extend(g.iter().copied());
    }
    a.status == AgentStatus::Available
        && !req.declined_by.contains(&agent)
        && u64::from(a.load) + u64::from(a.capacity.cost_of(req.origin))
            <= u64::from(a.capacity.limit())
        && needs.iter().all(|n| {
            a.skill(n.skill)
                .is_some_and(|s| s.proficiency >= n.min_level)
        })
}

fn within_capacity(router: &Router) -> Result<(), TestCaseError> {
    for a in &router.state().agents {
        prop_assert!(
            a.load <= a.capacity.limit(),
            "agent {} load {} > {}",
            a.name,
            a.load,
            a.capacity.limit()
        );
        let held: u32 = router
            .state()
            .assignments
            .values()
            .filter(|x| x.agent == a.id)
            .map(|x| x.cost)
            .sum();
        prop_assert_eq!(held, a.load, "load matches open assignments of {}", a.name);
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    Route(ReqSpec),
    Complete(usize),
    Decline(usize),
    Tick(i64),
    Status(u8, AgentStatus),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => req_spec().prop_map(Op::Route),
        2 => (0_usize..64).prop_map(Op::Complete),
        1 => (0_usize..64).prop_map(Op::Decline),
        1 => (1_i64..20).prop_map(Op::Tick),
        1 => (0_u8..8, prop::sample::select(AgentStatus::ALL.to_vec())).prop_map(|(a, s)| Op::Status(a, s)),
    ]
}

/// One decision by a router of `specs` (members in spec order, loads preloaded).
fn decide_once(
    specs: &[AgentSpec],
    m: RoutingMethod,
    r: &ReqSpec,
) -> (Router, RoutingRequest, RoutingDecision) {
    let order: Vec<usize> = (0..specs.len()).collect();
    let router = build(specs, m, &order, true);
    let (req, ai) = request(1, r);
    let d = router.decide(Q, &req, t0(), ai.as_ref()).unwrap();
    (router, req, d)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_chosen_agent_is_always_eligible(
        specs in prop::collection::vec(agent_spec(), 1..8),
        m in method(),
        r in req_spec(),
    ) {
        let (router, req, d) = decide_once(&specs, m, &r);
        if let Some(agent) = d.agent() {
            prop_assert!(eligible(&router, agent, &req, 0), "{:?} chose ineligible {agent}", m);
        } else {
            for i in 0..specs.len() {
                prop_assert!(!eligible(&router, AgentId::from_u128(i as u128), &req, 0), "nobody chosen but agent {i} was eligible");
            }
        }
        prop_assert_eq!(d.rejected.len() + usize::from(d.chosen.is_some()), specs.len());
        prop_assert!(d.skill_match.is_none_or(|s| s <= 100));
    }

    #[test]
    fn no_agent_ever_exceeds_capacity(
        specs in prop::collection::vec(agent_spec(), 1..6),
        m in method(),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let mut router = build(&specs, m, &order, false);
        let mut now = t0();
        let mut next_case = 1_u128;
        for op in ops {
            match op.clone() {
                Op::Route(r) => {
                    let (req, ai) = request(next_case, &r);
                    next_case += 1;
                    let out = router.route(req.clone(), now, ai).unwrap();
                    if let Some(agent) = out.decision.agent() {
                        // Eligibility is judged against the state before the assignment.
                        prop_assert!(router.assignment(req.case).is_some_and(|a| a.agent == agent));
                    }
                }
                Op::Complete(i) | Op::Decline(i) if !router.state().assignments.is_empty() => {
                    let cases: Vec<CaseId> = router.state().assignments.keys().copied().collect();
                    let c = cases[i % cases.len()];
                    if matches!(op, Op::Complete(_)) { router.complete(c, now).unwrap(); } else { router.decline(c, now).unwrap(); }
                }
                Op::Complete(_) | Op::Decline(_) => {}
                Op::Tick(minutes) => {
                    now += TimeDelta::minutes(minutes);
                    router.tick(now);
                }
                Op::Status(a, s) => {
                    let id = AgentId::from_u128(u128::from(a) % specs.len() as u128);
                    router.set_status(id, s, now).unwrap();
                }
            }
            within_capacity(&router)?;
            if let Err(e) = router.check_invariants() {
                prop_assert!(false, "invariant broken after {op:?}: {e}");
            }
            for a in router.state().assignments.values() {
                prop_assert!(!a.request.declined_by.contains(&a.agent), "declined agent got the case back");
            }
        }
    }

    #[test]
    fn the_same_inputs_give_the_same_decision(
        specs in prop::collection::vec(agent_spec(), 1..8),
        m in method(),
        r in req_spec(),
        rotate in 0_usize..8,
    ) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let (req, ai) = request(1, &r);
        let a = build(&specs, m, &order, true).decide(Q, &req, t0(), ai.as_ref()).unwrap();
        let b = build(&specs, m, &order, true).decide(Q, &req, t0(), ai.as_ref()).unwrap();
        prop_assert_eq!(&a, &b);
        // Member order does not change who wins, nor how many are eligible.
        let mut rotated = order.clone();
        rotated.rotate_left(rotate % specs.len());
        let c = build(&specs, m, &rotated, true).decide(Q, &req, t0(), ai.as_ref()).unwrap();
        prop_assert_eq!(a.agent(), c.agent());
        prop_assert_eq!(a.eligible, c.eligible);
        prop_assert_eq!(a.score, c.score);
    }
}

/// Independent SkillBased points: 3 per level of a required skill, 1 per level of
/// an optional one (a skill counted once, at its highest weight).
fn skill_points(router: &Router, agent: AgentId, req: &RoutingRequest) -> i64 {
    let a = router.agent(agent).unwrap();
    let mut weights: Vec<(SkillId, i64)> = Vec::new();
    let all = req
        .required
        .iter()
        .map(|r| (r.skill, 3))
        .chain(req.optional_groups.iter().flatten().map(|r| (r.skill, 1)));
    for (skill, w) in all {
        match weights.iter_mut().find(|(s, _)| *s == skill) {
            Some(x) => x.1 = x.1.max(w),
            None => weights.push((skill, w)),
        }
    }
    weights
        .iter()
        .map(|(s, w)| w * a.skill(*s).map_or(0, |k| i64::from(k.proficiency.get())))
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every loss reason is true of the agent, checked against the agents
    /// themselves; the winner ranks first under the queue's method.
    #[test]
    fn every_loss_reason_is_true_and_the_winner_ranks_first(
        specs in prop::collection::vec(agent_spec(), 1..10),
        m in method(),
        r in req_spec(),
    ) {
        let (router, req, d) = decide_once(&specs, m, &r);
        let mut needs = req.required.clone();
        needs.extend(req.optional_groups.iter().flatten().copied());
        for rej in &d.rejected {
            let a = router.agent(rej.agent).unwrap();
            match rej.reason {
                LossReason::Declined => prop_assert!(req.declined_by.contains(&a.id)),
                LossReason::Unavailable { status } => {
                    prop_assert_eq!(status, a.status);
                    prop_assert_ne!(status, AgentStatus::Available);
                }
                LossReason::AtCapacity { load, cost, limit } => {
                    prop_assert_eq!((load, cost, limit), (a.load, a.capacity.cost_of(req.origin), a.capacity.limit()));
                    prop_assert!(u64::from(load) + u64::from(cost) > u64::from(limit));
                }
                LossReason::MissingSkill { skill, required, actual } => {
                    prop_assert_eq!(actual, a.skill(skill).map_or(0, |s| s.proficiency.get()));
                    prop_assert!(actual < required);
                    prop_assert!(needs.iter().any(|n| n.skill == skill && n.min_level.get() >= required));
                }
                LossReason::Outranked { score } => {
                    prop_assert!(eligible(&router, a.id, &req, 0));
                    prop_assert!(Some(score) <= d.score, "outranked with {score} > winner {:?}", d.score);
                    if m == RoutingMethod::SkillBased {
                        prop_assert_eq!(score, skill_points(&router, a.id, &req));
                    }
                }
                LossReason::LostTieBreak => {
                    prop_assert!(eligible(&router, a.id, &req, 0));
                    let w = d.chosen.unwrap();
                    prop_assert!(
                        (w.last_assigned_at, w.agent) <= (a.last_assigned_at, a.id),
                        "{} lost the tie-break to {} who waited less", a.name, w.agent
                    );
                }
                LossReason::AiPreferredOther => {
                    prop_assert!(eligible(&router, a.id, &req, 0));
                    prop_assert!(d.ai.is_some_and(|v| v.is_accepted()));
                }
                LossReason::QueueClosed => prop_assert!(false, "open queue reported closed"),
            }
        }
        if m == RoutingMethod::SkillBased {
            let best = (0..specs.len())
                .map(|i| AgentId::from_u128(i as u128))
                .filter(|&id| eligible(&router, id, &req, 0))
                .map(|id| skill_points(&router, id, &req))
                .max();
            prop_assert_eq!(d.score, best);
        }
        let scores: Vec<i64> = d.runners_up.iter().map(|c| c.score).collect();
        prop_assert!(scores.windows(2).all(|w| w[0] >= w[1]), "runners-up out of order: {scores:?}");
        if d.ai.is_none_or(|v| !v.is_accepted()) {
            prop_assert!(scores.iter().all(|s| Some(*s) <= d.score));
        }
    }
}

/// Commands including supervisors' manual assignments and withdrawals.
#[derive(Debug, Clone)]
enum ManualOp {
    Routed(Op),
    /// Assign a known case (or a new one) to an agent by hand.
    AssignTo(usize, u8, bool),
    /// Withdraw a known case (or an unknown one).
    Withdraw(usize),
}

fn manual_op() -> impl Strategy<Value = ManualOp> {
    prop_oneof![
        6 => op().prop_map(ManualOp::Routed),
        2 => (0_usize..64, 0_u8..8, any::<bool>()).prop_map(|(c, a, phone)| ManualOp::AssignTo(c, a, phone)),
        1 => (0_usize..64).prop_map(ManualOp::Withdraw),
    ]
}

/// Every case the router knows: waiting, then assigned.
fn known_cases(router: &Router) -> Vec<CaseId> {
    let state = router.state();
    state
        .waiting
        .iter()
        .map(|w| w.request.case)
        .chain(state.assignments.keys().copied())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Loads always equal what the assignments hold, whatever mix of routing,
    /// manual assignment, withdrawal, completion, decline, ticks and status
    /// changes; routed work never goes over capacity (only a supervisor's).
    #[test]
    fn manual_assignments_and_withdrawals_keep_the_invariants(
        specs in prop::collection::vec(agent_spec(), 1..6),
        m in method(),
        ops in prop::collection::vec(manual_op(), 1..40),
    ) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let mut router = build(&specs, m, &order, false);
        let mut now = t0();
        let mut next_case = 1_u128;
        for op in ops {
            let events = match op.clone() {
                ManualOp::Routed(Op::Route(r)) => {
                    let (req, ai) = request(next_case, &r);
                    next_case += 1;
                    router.route(req, now, ai).unwrap().events
                }
                ManualOp::Routed(Op::Complete(i) | Op::Decline(i)) => {
                    let cases: Vec<CaseId> = router.state().assignments.keys().copied().collect();
                    match cases.get(i % cases.len().max(1)) {
                        Some(&c) if matches!(op, ManualOp::Routed(Op::Complete(_))) => router.complete(c, now).unwrap(),
                        Some(&c) => router.decline(c, now).unwrap(),
                        None => Vec::new(),
                    }
                }
                ManualOp::Routed(Op::Tick(minutes)) => {
                    now += TimeDelta::minutes(minutes);
                    router.tick(now)
                }
                ManualOp::Routed(Op::Status(a, s)) => {
                    let id = AgentId::from_u128(u128::from(a) % specs.len() as u128);
                    router.set_status(id, s, now).unwrap()
                }
                ManualOp::AssignTo(i, a, phone) => {
                    let agent = AgentId::from_u128(u128::from(a) % specs.len() as u128);
                    let known = known_cases(&router);
                    let case = match known.get(i % (known.len() + 1)) {
                        Some(&c) => c,
                        None => {
                            next_case += 1;
                            CaseId::from_u128(next_case - 1)
                        }
                    };
                    let origin = if phone { Origin::Phone } else { Origin::Email };
                    let req = RoutingRequest::new(case, AccountId::from_u128(1), now).with_origin(origin);
                    let before = router.assignment(case).map(|x| x.agent);
                    let events = router.assign_to(req, agent, now).unwrap();
                    prop_assert_eq!(router.assignment(case).map(|x| x.agent), Some(agent));
                    prop_assert!(router.waiting_case(case).is_none());
                    if before == Some(agent) {
                        prop_assert!(events.is_empty());
                    } else {
                        let manual = events.iter().filter(|e| matches!(e, RoutingEvent::ManuallyAssigned { .. })).count();
                        prop_assert_eq!(manual, 1);
                    }
                    events
                }
                ManualOp::Withdraw(i) => {
                    let known = known_cases(&router);
                    let case = known.get(i % (known.len() + 1)).copied().unwrap_or(CaseId::from_u128(999_999));
                    let held = router.assignment(case).map(|x| x.agent);
                    let events = router.withdraw(case, now);
                    prop_assert!(router.assignment(case).is_none() && router.waiting_case(case).is_none());
                    match held {
                        Some(agent) => prop_assert_eq!(
                            events.first(),
                            Some(&RoutingEvent::Released { case, agent, at: now })
                        ),
                        None => prop_assert!(events.is_empty()),
                    }
                    events
                }
            };
            if let Err(e) = router.check_invariants() {
                prop_assert!(false, "invariant broken after {op:?}: {e}");
            }
            for e in &events {
                if let RoutingEvent::Assigned { agent, .. } = e {
                    let a = router.agent(*agent).unwrap();
                    prop_assert!(a.load <= a.capacity.limit(), "routed work over capacity for {}", a.name);
                }
            }
        }
    }
}
