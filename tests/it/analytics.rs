//! Analytics: period metrics on a hand-computed dataset (overall and per queue,
//! agent, tier and priority), half-open period boundaries, unassigned grouping,
//! the empty dataset, workload, serde, and a property test that group counters
//! add up to the overall ones.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::analytics::{
    Dimension, GroupKey, Metrics, Period, metrics, metrics_by, report, sla_decided_at, workload,
};
use hotcrm_support::case::{
    Author, Case, CaseCommand, CaseRules, CaseStatus, NewCase, NewComment, Priority, Resolution,
    Satisfaction,
};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId, ContractId, QueueId};
use hotcrm_support::sla::{Entitlement, SlaTier};
use proptest::prelude::*;

use crate::case::fx::utc;

const A1: AgentId = AgentId::from_u128(0xA1);
const A2: AgentId = AgentId::from_u128(0xA2);
const Q1: QueueId = QueueId::from_u128(0xB1);
const Q2: QueueId = QueueId::from_u128(0xB2);
/// Replies from an agent who owns nothing (cases without an owner get answered too).
const HELPER: AgentId = AgentId::from_u128(0xA9);

/// One case's life, offsets in minutes after creation.
#[derive(Debug, Clone)]
struct Spec {
    n: u32,
    created: DateTime<Utc>,
    tier: SlaTier,
    priority: Priority,
    owner: Option<AgentId>,
    queue: Option<QueueId>,
    first_response: Option<i64>,
    resolve: Option<i64>,
    csat: Option<(Satisfaction, i64)>,
    close: Option<i64>,
}

impl Spec {
    fn new(n: u32, created: &str, tier: SlaTier, priority: Priority) -> Spec {
        Spec {
            n,
            created: utc(created),
            tier,
            priority,
            owner: None,
            queue: None,
            first_response: None,
            resolve: None,
            csat: None,
            close: None,
        }
    }
    fn owner(mut self, a: AgentId) -> Spec {
        self.owner = Some(a);
        self
    }
    fn queue(mut self, q: QueueId) -> Spec {
        self.queue = Some(q);
        self
    }
    fn responded(mut self, min: i64) -> Spec {
        self.first_response = Some(min);
        self
    }
    fn resolved(mut self, min: i64) -> Spec {
        self.resolve = Some(min);
        self
    }
    fn rated(mut self, level: Satisfaction, min: i64) -> Spec {
        self.csat = Some((level, min));
        self
    }
    fn closed(mut self, min: i64) -> Spec {
        self.close = Some(min);
        self
    }

    /// The commands of the case's life, in time order.
    fn commands(&self) -> Vec<(i64, CaseCommand)> {
        let mut out = Vec::new();
        if let Some(agent) = self.owner {
            out.push((0, CaseCommand::Assign { agent }));
        }
        if let Some(m) = self.first_response {
            let reply = NewComment::public(
                CommentId::from_u128(u128::from(self.n) * 100),
                Author::Agent(self.owner.unwrap_or(HELPER)),
                "Here is what to do",
            );
            out.push((m, CaseCommand::Comment(reply)));
        }
        if let Some(m) = self.resolve {
            out.push((m, CaseCommand::Resolve(Resolution::new("Fixed"))));
        }
        if let Some((level, m)) = self.csat {
            out.push((
                m,
                CaseCommand::RecordSatisfaction {
                    level,
                    feedback: None,
                },
            ));
        }
        if let Some(m) = self.close {
            out.push((m, CaseCommand::Close));
        }
        out.sort_by_key(|(m, _)| *m);
        out
    }

    fn new_case(&self) -> NewCase {
        let mut new = NewCase::new(
            CaseId::from_u128(u128::from(self.n)),
            CaseNumber::new(2026, self.n).unwrap(),
            AccountId::from_u128(42),
            "Unable to login",
            "Error 500",
        )
        .with_priority(self.priority)
        .with_entitlement(Entitlement::new(ContractId::from_u128(7), self.tier));
        if let Some(q) = self.queue {
            new = new.with_queue(q);
        }
        new
    }

    /// Builds the case; every command must succeed.
    fn build(&self) -> Case {
        let rules = CaseRules::default();
        let (mut case, _) = Case::create(self.new_case(), self.created, &rules).unwrap();
        for (m, command) in self.commands() {
            let at = self.created + TimeDelta::minutes(m);
            case.execute(command, at, &rules)
                .unwrap_or_else(|e| panic!("case {}: {e}", self.n));
        }
        case
    }

    /// Builds the case, skipping refused commands (for generated specs).
    fn build_lenient(&self) -> Option<Case> {
        let rules = CaseRules::default();
        let (mut case, _) = Case::create(self.new_case(), self.created, &rules).ok()?;
        for (m, command) in self.commands() {
            let _ = case.execute(command, self.created + TimeDelta::minutes(m), &rules);
        }
        Some(case)
    }
}

fn period(from: &str, to: &str) -> Period {
    Period::new(utc(from), utc(to)).unwrap()
}

fn january() -> Period {
    period("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
}

/// The dataset. Default rules: 24x7 calendar, so business minutes equal
/// calendar minutes. Targets (response / resolution): Platinum 1h/4h,
/// Gold 2h/8h, Silver 4h/8h, Bronze 8h/16h, Standard 8h/40h.
fn dataset() -> Vec<Case> {
    use Priority::*;
    use Satisfaction::*;
    use SlaTier::*;
    [
        // C1: compliant, FRT 30, resolution 240, CSAT 5.
        Spec::new(1, "2026-01-05T09:00:00Z", Gold, High)
            .queue(Q1)
            .owner(A1)
            .responded(30)
            .resolved(240)
            .rated(VerySatisfied, 300),
        // C2: compliant, FRT 60, resolution 600, CSAT 4.
        Spec::new(2, "2026-01-06T09:00:00Z", Standard, Medium)
            .queue(Q1)
            .owner(A1)
            .responded(60)
            .resolved(600)
            .rated(Satisfied, 660),
        // C3: response due +60 missed (violated Jan 7 10:00), FRT 90, resolution 180, CSAT 2.
        Spec::new(3, "2026-01-07T09:00:00Z", Platinum, Critical)
            .queue(Q1)
            .owner(A2)
            .responded(90)
            .resolved(180)
            .rated(Dissatisfied, 200),
        // C4: resolution due +480 missed, FRT 20, resolution 720, no CSAT.
        Spec::new(4, "2026-01-08T09:00:00Z", Gold, Low)
            .queue(Q2)
            .owner(A2)
            .responded(20)
            .resolved(720),
        // C5: no owner, still open and within SLA: undecided. FRT 120.
        Spec::new(5, "2026-01-09T09:00:00Z", Standard, Medium)
            .queue(Q2)
            .responded(120),
        // C6: no queue, no owner, untouched: only created.
        Spec::new(6, "2026-01-10T09:00:00Z", Silver, High),
        // C7: no queue, compliant, FRT 10, resolution 60, CSAT 3, closed.
        Spec::new(7, "2026-01-11T09:00:00Z", Bronze, Low)
            .owner(A1)
            .responded(10)
            .resolved(60)
            .rated(Neutral, 90)
            .closed(120),
        // C8: created, answered and violated (due Dec 30 01:00) in December;
        // resolved Jan 2 09:00 after 5 days = 7200 minutes.
        Spec::new(8, "2025-12-28T09:00:00Z", Standard, High)
            .queue(Q2)
            .owner(A2)
            .responded(30)
            .resolved(7200),
        // C9: created and answered (59) in January, resolved exactly at Feb 1
        // 00:00 (60): the resolution, the SLA outcome and the rating are February's.
        Spec::new(9, "2026-01-31T23:00:00Z", Gold, Medium)
            .queue(Q1)
            .owner(A1)
            .responded(59)
            .resolved(60)
            .rated(VerySatisfied, 120),
        // C10: created exactly at Jan 1 00:00; replied exactly at the due
        // instant (on time), FRT 240, resolution 360, CSAT 1.
        Spec::new(10, "2026-01-01T00:00:00Z", Silver, Critical)
            .queue(Q2)
            .owner(A1)
            .responded(240)
            .resolved(360)
            .rated(VeryDissatisfied, 420),
    ]
    .iter()
    .map(Spec::build)
    .collect()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Expected values of one group: name, cases, created, FRT (count, mean,
/// median), resolution (count, median), SLA (decided, percent), CSAT
/// (responses, average, percent satisfied).
struct Expect {
    name: &'static str,
    cases: usize,
    created: usize,
    frt: (usize, Option<f64>, Option<f64>),
    res: (usize, Option<f64>),
    sla: (usize, Option<f64>),
    csat: (usize, Option<f64>, Option<f64>),
}

fn check(m: &Metrics, e: &Expect) {
    let approx = |got: Option<f64>, want: Option<f64>| match want {
        Some(w) => close(got, w),
        None => got.is_none(),
    };
    let n = e.name;
    assert_eq!(m.cases, e.cases, "{n}: cases");
    assert_eq!(m.created, e.created, "{n}: created");
    assert_eq!(m.first_response.count, e.frt.0, "{n}: frt count");
    assert!(
        approx(m.first_response.calendar.mean, e.frt.1),
        "{n}: frt mean {:?}",
        m.first_response.calendar.mean
    );
    assert!(
        approx(m.first_response.calendar.median, e.frt.2),
        "{n}: frt median {:?}",
        m.first_response.calendar.median
    );
    // Default rules run on a 24x7 calendar: business minutes equal calendar minutes.
    assert_eq!(
        m.first_response.business, m.first_response.calendar,
        "{n}: frt business"
    );
    assert_eq!(m.resolution.count, e.res.0, "{n}: resolution count");
    assert!(
        approx(m.resolution.calendar.median, e.res.1),
        "{n}: resolution median {:?}",
        m.resolution.calendar.median
    );
    assert_eq!(
        m.resolution.business, m.resolution.calendar,
        "{n}: resolution business"
    );
    assert_eq!(m.sla.decided, e.sla.0, "{n}: sla decided");
    assert_eq!(
        m.sla.compliant + m.sla.violated,
        m.sla.decided,
        "{n}: sla split"
    );
    assert!(
        approx(m.sla.percent, e.sla.1),
        "{n}: sla percent {:?}",
        m.sla.percent
    );
    assert_eq!(m.csat.responses, e.csat.0, "{n}: csat responses");
    assert!(
        approx(m.csat.average_score, e.csat.1),
        "{n}: csat average {:?}",
        m.csat.average_score
    );
    assert!(
        approx(m.csat.percent_satisfied, e.csat.2),
        "{n}: csat satisfied {:?}",
        m.csat.percent_satisfied
    );
}

#[test]
fn overall_metrics_of_the_dataset() {
    let cases = dataset();
    let m = metrics(&cases, january());
    check(
        &m,
        &Expect {
            name: "january",
            cases: 10,
            created: 9,
            // 10, 20, 30, 59, 60, 90, 120, 240
            frt: (8, Some(629.0 / 8.0), Some(59.5)),
            // 60, 180, 240, 360, 600, 720, 7200
            res: (7, Some(360.0)),
            // C1, C2, C7, C10 compliant; C3, C4 violated
            sla: (6, Some(400.0 / 6.0)),
            // 5, 4, 2, 3, 1
            csat: (5, Some(3.0), Some(40.0)),
        },
    );
    assert_eq!(m.closed, 1);
    assert_eq!((m.sla.compliant, m.sla.violated), (4, 2));
    assert_eq!(m.first_response.calendar.p90, Some(240));
    assert_eq!(m.first_response.calendar.max, Some(240));
    assert!(close(m.resolution.calendar.mean, 9360.0 / 7.0));
    assert_eq!(m.resolution.calendar.p90, Some(7200));
    assert_eq!(m.csat.satisfied, 2);
}

#[test]
fn metrics_per_queue_agent_tier_and_priority() {
    let cases = dataset();
    let p = january();
    let e = |name, cases, created, frt, res, sla, csat| Expect {
        name,
        cases,
        created,
        frt,
        res,
        sla,
        csat,
    };
    let table: Vec<(Dimension, GroupKey, Expect)> = vec![
        // Queues: Q1 = C1 C2 C3 C9, Q2 = C4 C5 C8 C10, none = C6 C7.
        (
            Dimension::Queue,
            GroupKey::Queue(Q1),
            e(
                "queue 1",
                4,
                4,
                (4, Some(59.75), Some(59.5)),
                (3, Some(240.0)),
                (3, Some(200.0 / 3.0)),
                (3, Some(11.0 / 3.0), Some(200.0 / 3.0)),
            ),
        ),
        (
            Dimension::Queue,
            GroupKey::Queue(Q2),
            e(
                "queue 2",
                4,
                3,
                (3, Some(380.0 / 3.0), Some(120.0)),
                (3, Some(720.0)),
                (2, Some(50.0)),
                (1, Some(1.0), Some(0.0)),
            ),
        ),
        (
            Dimension::Queue,
            GroupKey::Unassigned,
            e(
                "no queue",
                2,
                2,
                (1, Some(10.0), Some(10.0)),
                (1, Some(60.0)),
                (1, Some(100.0)),
                (1, Some(3.0), Some(0.0)),
            ),
        ),
        // Agents: A1 = C1 C2 C7 C9 C10, A2 = C3 C4 C8, none = C5 C6.
        (
            Dimension::Agent,
            GroupKey::Agent(A1),
            e(
                "agent 1",
                5,
                5,
                (5, Some(79.8), Some(59.0)),
                (4, Some(300.0)),
                (4, Some(100.0)),
                (4, Some(3.25), Some(50.0)),
            ),
        ),
        (
            Dimension::Agent,
            GroupKey::Agent(A2),
            e(
                "agent 2",
                3,
                2,
                (2, Some(55.0), Some(55.0)),
                (3, Some(720.0)),
                (2, Some(0.0)),
                (1, Some(2.0), Some(0.0)),
            ),
        ),
        (
            Dimension::Agent,
            GroupKey::Unassigned,
            e(
                "no owner",
                2,
                2,
                (1, Some(120.0), Some(120.0)),
                (0, None),
                (0, None),
                (0, None, None),
            ),
        ),
        // Tiers.
        (
            Dimension::Tier,
            GroupKey::Tier(SlaTier::Platinum),
            e(
                "platinum",
                1,
                1,
                (1, Some(90.0), Some(90.0)),
                (1, Some(180.0)),
                (1, Some(0.0)),
                (1, Some(2.0), Some(0.0)),
            ),
        ),
        (
            Dimension::Tier,
            GroupKey::Tier(SlaTier::Gold),
            e(
                "gold",
                3,
                3,
                (3, Some(109.0 / 3.0), Some(30.0)),
                (2, Some(480.0)),
                (2, Some(50.0)),
                (1, Some(5.0), Some(100.0)),
            ),
        ),
        (
            Dimension::Tier,
            GroupKey::Tier(SlaTier::Silver),
            e(
                "silver",
                2,
                2,
                (1, Some(240.0), Some(240.0)),
                (1, Some(360.0)),
                (1, Some(100.0)),
                (1, Some(1.0), Some(0.0)),
            ),
        ),
        (
            Dimension::Tier,
            GroupKey::Tier(SlaTier::Bronze),
            e(
                "bronze",
                1,
                1,
                (1, Some(10.0), Some(10.0)),
                (1, Some(60.0)),
                (1, Some(100.0)),
                (1, Some(3.0), Some(0.0)),
            ),
        ),
        (
            Dimension::Tier,
            GroupKey::Tier(SlaTier::Standard),
            e(
                "standard",
                3,
                2,
                (2, Some(90.0), Some(90.0)),
                (2, Some(3900.0)),
                (1, Some(100.0)),
                (1, Some(4.0), Some(100.0)),
            ),
        ),
        // Priorities.
        (
            Dimension::Priority,
            GroupKey::Priority(Priority::Critical),
            e(
                "critical",
                2,
                2,
                (2, Some(165.0), Some(165.0)),
                (2, Some(270.0)),
                (2, Some(50.0)),
                (2, Some(1.5), Some(0.0)),
            ),
        ),
        (
            Dimension::Priority,
            GroupKey::Priority(Priority::High),
            e(
                "high",
                3,
                2,
                (1, Some(30.0), Some(30.0)),
                (2, Some(3720.0)),
                (1, Some(100.0)),
                (1, Some(5.0), Some(100.0)),
            ),
        ),
        (
            Dimension::Priority,
            GroupKey::Priority(Priority::Medium),
            e(
                "medium",
                3,
                3,
                (3, Some(239.0 / 3.0), Some(60.0)),
                (1, Some(600.0)),
                (1, Some(100.0)),
                (1, Some(4.0), Some(100.0)),
            ),
        ),
        (
            Dimension::Priority,
            GroupKey::Priority(Priority::Low),
            e(
                "low",
                2,
                2,
                (2, Some(15.0), Some(15.0)),
                (2, Some(390.0)),
                (2, Some(50.0)),
                (1, Some(3.0), Some(0.0)),
            ),
        ),
    ];
    let full = report(&cases, p);
    for dimension in Dimension::ALL {
        let groups = metrics_by(&cases, p, *dimension);
        let expected: Vec<&GroupKey> = table
            .iter()
            .filter(|(d, _, _)| d == dimension)
            .map(|(_, k, _)| k)
            .collect();
        assert_eq!(
            groups.keys().collect::<Vec<_>>(),
            expected,
            "{dimension:?}: keys in order"
        );
        let from_report = match dimension {
            Dimension::Queue => &full.by_queue,
            Dimension::Agent => &full.by_agent,
            Dimension::Tier => &full.by_tier,
            Dimension::Priority => &full.by_priority,
            other => panic!("no report map for {other:?}"),
        };
        assert_eq!(&groups, from_report, "{dimension:?}: report agrees");
    }
    for (dimension, key, expect) in &table {
        let groups = metrics_by(&cases, p, *dimension);
        check(&groups[key], expect);
    }
    assert_eq!(full.overall, metrics(&cases, p));
}

#[test]
fn period_boundaries_are_half_open() {
    let cases = dataset();
    // C10 was created exactly at January's start: January's, not December's.
    let december = period("2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z");
    let dec = metrics(&cases, december);
    // Only C8: created, answered (30) and violated in December.
    assert_eq!(
        (dec.cases, dec.created, dec.first_response.count),
        (1, 1, 1)
    );
    assert_eq!(
        (dec.resolution.count, dec.sla.decided, dec.sla.percent),
        (0, 1, Some(0.0))
    );
    // C9 was resolved exactly at February's start: February's, not January's.
    let february = period("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z");
    let feb = metrics(&cases, february);
    assert_eq!(
        (feb.cases, feb.created, feb.first_response.count),
        (1, 0, 0)
    );
    assert_eq!(feb.resolution.calendar.mean, Some(60.0));
    assert_eq!((feb.sla.decided, feb.sla.percent), (1, Some(100.0)));
    assert_eq!((feb.csat.responses, feb.csat.average_score), (1, Some(5.0)));
    // A one-minute period holds exactly the instant at its start.
    let c10_created = period("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z");
    assert_eq!(metrics(&cases, c10_created).created, 1);
    let just_before = period("2025-12-31T23:59:00Z", "2026-01-01T00:00:00Z");
    assert_eq!(metrics(&cases, just_before).cases, 0);
}

#[test]
fn sla_outcome_is_decided_at_the_first_violation_or_the_resolution() {
    let cases = dataset();
    let decided: BTreeMap<u32, Option<(DateTime<Utc>, bool)>> = cases
        .iter()
        .map(|c| (c.number.sequence(), sla_decided_at(c)))
        .collect();
    let table = [
        (1, Some(("2026-01-05T13:00:00Z", true))),
        (3, Some(("2026-01-07T10:00:00Z", false))), // response due, before the resolution
        (4, Some(("2026-01-08T17:00:00Z", false))), // resolution due
        (5, None),
        (6, None),
        (8, Some(("2025-12-30T01:00:00Z", false))),
        (9, Some(("2026-02-01T00:00:00Z", true))),
        (10, Some(("2026-01-01T06:00:00Z", true))),
    ];
    for (n, want) in table {
        let want = want.map(|(t, ok)| (utc(t), ok));
        assert_eq!(decided[&n], want, "case {n}");
    }
}

#[test]
fn cases_without_owner_or_queue_are_grouped_as_unassigned() {
    let cases = dataset();
    let by_agent = metrics_by(&cases, january(), Dimension::Agent);
    assert_eq!(by_agent.keys().last(), Some(&GroupKey::Unassigned));
    assert_eq!(by_agent[&GroupKey::Unassigned].created, 2); // C5, C6
    let by_queue = metrics_by(&cases, january(), Dimension::Queue);
    assert_eq!(by_queue[&GroupKey::Unassigned].created, 2); // C6, C7
    // Tier and priority always have a value.
    for d in [Dimension::Tier, Dimension::Priority] {
        assert!(
            !metrics_by(&cases, january(), d).contains_key(&GroupKey::Unassigned),
            "{d:?}"
        );
    }
}

#[test]
fn empty_dataset_has_no_statistics_and_no_groups() {
    let none: Vec<Case> = Vec::new();
    let m = metrics(&none, january());
    assert_eq!(m, Metrics::default());
    assert_eq!(m.first_response.calendar.mean, None);
    assert_eq!(m.first_response.business.p90, None);
    assert_eq!(m.resolution.calendar.median, None);
    assert_eq!(
        (
            m.sla.percent,
            m.csat.average_score,
            m.csat.percent_satisfied
        ),
        (None, None, None)
    );
    for d in Dimension::ALL {
        assert!(metrics_by(&none, january(), *d).is_empty(), "{d:?}");
    }
    let r = report(&none, january());
    assert!(
        r.by_queue.is_empty()
            && r.by_agent.is_empty()
            && r.by_tier.is_empty()
            && r.by_priority.is_empty()
    );
    let w = workload(&none, utc("2026-01-05T09:00:00Z"));
    assert_eq!(
        (w.total.open, w.total.oldest, w.total.age.max),
        (0, None, None)
    );
    assert!(w.by_agent.is_empty() && w.by_queue.is_empty());
    // A dataset with nothing in the period is the same as an empty one.
    let cases = dataset();
    let quiet = period("2020-01-01T00:00:00Z", "2020-02-01T00:00:00Z");
    assert_eq!(metrics(&cases, quiet), Metrics::default());
}

#[test]
fn invalid_periods_are_validation_errors() {
    let t = utc("2026-01-01T00:00:00Z");
    for (name, from, to) in [("empty", t, t), ("reversed", t, t - TimeDelta::minutes(1))] {
        let err = Period::new(from, to).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "period",
                    ..
                }
            ),
            "{name}: {err}"
        );
    }
}

#[test]
fn workload_counts_open_cases_per_agent_and_queue() {
    use Priority::*;
    let rules = CaseRules::default();
    let mk = |n: u32, created: &str, priority, owner: Option<AgentId>, queue: Option<QueueId>| {
        let mut s = Spec::new(n, created, SlaTier::Standard, priority);
        s.owner = owner;
        s.queue = queue;
        s
    };
    let mut cases: Vec<Case> = [
        mk(1, "2026-01-05T09:00:00Z", High, Some(A1), Some(Q1)),
        mk(2, "2026-01-06T09:00:00Z", Critical, Some(A1), Some(Q2)),
        mk(3, "2026-01-07T09:00:00Z", Low, Some(A2), Some(Q1)),
        mk(4, "2026-01-08T09:00:00Z", Medium, None, Some(Q1)),
        mk(5, "2026-01-01T09:00:00Z", Critical, Some(A1), Some(Q1)).resolved(60),
        mk(6, "2026-01-04T09:00:00Z", Medium, Some(A2), None),
    ]
    .iter()
    .map(Spec::build)
    .collect();
    cases[1]
        .execute(CaseCommand::StartWork, utc("2026-01-06T10:00:00Z"), &rules)
        .unwrap();
    cases[5]
        .execute(
            CaseCommand::WaitOnCustomer,
            utc("2026-01-04T10:00:00Z"),
            &rules,
        )
        .unwrap();
    assert_eq!(cases[5].status, CaseStatus::WaitingOnCustomer);

    let now = utc("2026-01-10T09:00:00Z");
    let w = workload(&cases, now);
    let id = |n| CaseId::from_u128(n);
    const DAY: i64 = 24 * 60;
    assert_eq!(w.at, now);
    assert_eq!(w.total.open, 5, "the resolved case is not open");
    assert_eq!(
        (
            w.total.by_priority.critical,
            w.total.by_priority.high,
            w.total.by_priority.medium,
            w.total.by_priority.low
        ),
        (1, 1, 2, 1)
    );
    assert_eq!(
        (w.total.oldest, w.total.age.max),
        (Some(id(6)), Some(6 * DAY))
    );
    // name, group, open, priority total, oldest, oldest age, mean age
    let table = [
        (
            "agent 1",
            &w.by_agent[&GroupKey::Agent(A1)],
            2,
            Some(id(1)),
            5 * DAY,
            4.5 * DAY as f64,
        ),
        (
            "agent 2",
            &w.by_agent[&GroupKey::Agent(A2)],
            2,
            Some(id(6)),
            6 * DAY,
            4.5 * DAY as f64,
        ),
        (
            "no owner",
            &w.by_agent[&GroupKey::Unassigned],
            1,
            Some(id(4)),
            2 * DAY,
            2.0 * DAY as f64,
        ),
        (
            "queue 1",
            &w.by_queue[&GroupKey::Queue(Q1)],
            3,
            Some(id(1)),
            5 * DAY,
            10.0 / 3.0 * DAY as f64,
        ),
        (
            "queue 2",
            &w.by_queue[&GroupKey::Queue(Q2)],
            1,
            Some(id(2)),
            4 * DAY,
            4.0 * DAY as f64,
        ),
        (
            "no queue",
            &w.by_queue[&GroupKey::Unassigned],
            1,
            Some(id(6)),
            6 * DAY,
            6.0 * DAY as f64,
        ),
    ];
    for (name, b, open, oldest, oldest_age, mean) in table {
        assert_eq!(b.open, open, "{name}: open");
        assert_eq!(b.by_priority.total(), open, "{name}: by priority");
        assert_eq!(b.oldest, oldest, "{name}: oldest");
        assert_eq!(b.age.max, Some(oldest_age), "{name}: oldest age");
        assert!(close(b.age.mean, mean), "{name}: mean age {:?}", b.age.mean);
    }
    assert_eq!(w.by_agent.len() + w.by_queue.len(), 6, "no empty groups");
    assert_eq!(
        w.by_agent[&GroupKey::Agent(A1)].by_priority.get(Critical),
        1
    );
    // A case created after `now` has age 0, never negative.
    let early = workload(&cases, utc("2026-01-01T00:00:00Z"));
    assert_eq!(early.total.age.max, Some(0));
}

#[test]
fn reports_round_trip_through_json_with_string_keys() {
    let cases = dataset();
    let r = report(&cases, january());
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["by_queue"].get("unassigned").is_some());
    assert!(json["by_tier"].get("tier:Gold").is_some());
    assert!(json["by_priority"].get("priority:Critical").is_some());
    assert_eq!(json["period"]["from"], "2026-01-01T00:00:00Z");
    let back: hotcrm_support::analytics::MetricsReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
    // Serialization is deterministic: input order does not matter.
    let mut reversed = cases.clone();
    reversed.reverse();
    assert_eq!(
        serde_json::to_string(&report(&reversed, january())).unwrap(),
        serde_json::to_string(&r).unwrap()
    );
    let w = workload(&cases, utc("2026-01-20T00:00:00Z"));
    let back: hotcrm_support::analytics::Workload =
        serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
    assert_eq!(back, w);
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    let agent = prop::option::of(prop::sample::select(vec![A1, A2]));
    let queue = prop::option::of(prop::sample::select(vec![Q1, Q2]));
    let offset = || prop::option::of(0i64..3 * 24 * 60);
    (
        (
            1u32..9999,
            0i64..40 * 24 * 60,
            prop::sample::select(SlaTier::ALL.to_vec()),
            prop::sample::select(Priority::ALL.to_vec()),
        ),
        (agent, queue),
        (
            offset(),
            offset(),
            prop::option::of((
                prop::sample::select(Satisfaction::ALL.to_vec()),
                0i64..5 * 24 * 60,
            )),
            offset(),
        ),
    )
        .prop_map(
            |((n, created, tier, priority), (owner, queue), (fr, res, csat, close))| Spec {
                n,
                created: utc("2026-01-01T00:00:00Z") + TimeDelta::minutes(created),
                tier,
                priority,
                owner,
                queue,
                first_response: fr,
                resolve: res,
                csat,
                close,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Per-dimension group counters add up to the overall counters, every
    /// percentage stays within 0..=100, averages within the score range.
    #[test]
    fn group_counters_add_up_and_percentages_stay_in_range(
        specs in prop::collection::vec(spec_strategy(), 0..12),
        from in 0i64..30 * 24 * 60,
        len in 1i64..30 * 24 * 60,
    ) {
        let cases: Vec<Case> = specs.iter().filter_map(Spec::build_lenient).collect();
        let start = utc("2026-01-01T00:00:00Z") + TimeDelta::minutes(from);
        let p = Period::new(start, start + TimeDelta::minutes(len)).unwrap();
        let overall = metrics(&cases, p);
        let counters = |m: &Metrics| [
            m.cases, m.created, m.closed, m.first_response.count, m.resolution.count,
            m.sla.decided, m.sla.compliant, m.sla.violated, m.csat.responses, m.csat.satisfied,
        ];
        for dimension in Dimension::ALL {
            let groups = metrics_by(&cases, p, *dimension);
            let mut sums = [0usize; 10];
            for m in groups.values() {
                prop_assert!(m.cases > 0, "no empty groups");
                for (s, c) in sums.iter_mut().zip(counters(m)) {
                    *s += c;
                }
            }
            prop_assert_eq!(sums, counters(&overall), "{:?}", dimension);
        }
        for m in std::iter::once(&overall).chain(report(&cases, p).by_priority.values()) {
            for pct in [m.sla.percent, m.csat.percent_satisfied].into_iter().flatten() {
                prop_assert!((0.0..=100.0).contains(&pct), "{}", pct);
            }
            prop_assert_eq!(m.sla.percent.is_some(), m.sla.decided > 0);
            if let Some(avg) = m.csat.average_score {
                prop_assert!((1.0..=5.0).contains(&avg), "{}", avg);
            }
            for s in [m.first_response.calendar, m.first_response.business, m.resolution.calendar, m.resolution.business] {
                prop_assert!(s.mean.is_none_or(|x| x.is_finite()));
                prop_assert_eq!(s.median.is_some(), s.p90.is_some());
            }
        }
        let w = workload(&cases, p.to());
        prop_assert_eq!(w.total.open, cases.iter().filter(|c| c.status.is_open()).count());
        prop_assert_eq!(w.by_agent.values().map(|b| b.open).sum::<usize>(), w.total.open);
        prop_assert_eq!(w.by_queue.values().map(|b| b.open).sum::<usize>(), w.total.open);
        prop_assert_eq!(w.total.by_priority.total(), w.total.open);
    }
}

#[test]
fn business_minutes_come_from_the_case_calendar() {
    use crate::case::fx::{ny, ny_rules};
    let rules = ny_rules(hotcrm_support::sla::SlaPolicy::default());
    let spec = Spec::new(
        1,
        "2024-01-05T21:00:00Z",
        SlaTier::Standard,
        Priority::Medium,
    );
    let (mut case, _) = Case::create(spec.new_case(), ny("2024-01-05 16:00"), &rules).unwrap();
    let reply = NewComment::public(CommentId::from_u128(1), Author::Agent(A1), "On it");
    // Friday 16:00 to Monday 10:00 in New York: 66 wall-clock hours, 2 business hours.
    case.execute(CaseCommand::Comment(reply), ny("2024-01-08 10:00"), &rules)
        .unwrap();
    let p = period("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z");
    let m = metrics([&case], p);
    assert_eq!(m.first_response.calendar.mean, Some(66.0 * 60.0));
    assert_eq!(m.first_response.business.mean, Some(120.0));
    assert_eq!(m.first_response.business.p90, Some(120));
}
