//! Period metrics: [`Metrics`] (first-response and resolution times, SLA
//! compliance, CSAT), [`metrics`], [`metrics_by`] and [`report`].
//! Pure functions over cases; depends on `case`, `sla` (through the case's
//! milestones), `ids` and `error`. The counting rules are in the module docs
//! of [`analytics`](super).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Dimension, DurationStats, GroupKey, Period};
use crate::case::{Case, ElapsedMinutes};

/// SLA compliance of the cases whose SLA outcome was decided in a period.
///
/// `percent` is `compliant * 100 / decided`, within `0.0..=100.0`, and `None`
/// when nothing was decided.
///
/// ```
/// use hotcrm_support::analytics::SlaCompliance;
/// let s = SlaCompliance::default();
/// assert_eq!((s.decided, s.percent), (0, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SlaCompliance {
    /// Cases whose SLA outcome was decided in the period.
    pub decided: usize,
    /// Of those, resolved without any SLA violation.
    pub compliant: usize,
    /// Of those, violated (`decided - compliant`).
    pub violated: usize,
    /// `compliant` as a percentage of `decided`.
    pub percent: Option<f64>,
}

/// Customer satisfaction (CSAT) of the ratings recorded in a period.
///
/// "Satisfied" means a score of 4 or 5 (Satisfied, Very Satisfied).
///
/// ```
/// use hotcrm_support::analytics::CsatStats;
/// let s = CsatStats::default();
/// assert_eq!((s.responses, s.average_score, s.percent_satisfied), (0, None, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CsatStats {
    /// Ratings recorded in the period.
    pub responses: usize,
    /// Ratings scoring 4 or 5.
    pub satisfied: usize,
    /// Mean score 1–5.
    pub average_score: Option<f64>,
    /// `satisfied` as a percentage of `responses`.
    pub percent_satisfied: Option<f64>,
}

/// The support metrics of a set of cases over a [`Period`].
///
/// Each counter has its own rule for which cases count (see the table in
/// [`analytics`](super)); `cases` counts the distinct cases that count for at
/// least one of them.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::analytics::{metrics, Period};
/// use hotcrm_support::case::{Author, Case, CaseCommand, CaseRules, NewCase, NewComment};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId};
///
/// let rules = CaseRules::default();
/// let t0 = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Unable to login", "Error 500");
/// let (mut case, _) = Case::create(new, t0, &rules)?;
/// let reply = NewComment::public(CommentId::from_u128(1), Author::Agent(AgentId::from_u128(3)), "Try this");
/// case.execute(CaseCommand::Comment(reply), t0 + TimeDelta::minutes(45), &rules)?;
///
/// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// let m = metrics([&case], january);
/// assert_eq!((m.cases, m.created, m.first_response.count), (1, 1, 1));
/// assert_eq!(m.first_response.calendar.mean, Some(45.0));
/// assert_eq!(m.sla.percent, None); // still open and not violated: undecided
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metrics {
    /// Distinct cases counted by at least one metric below.
    pub cases: usize,
    /// Cases created in the period.
    pub created: usize,
    /// Cases closed in the period.
    pub closed: usize,
    /// Creation to first response, for first responses given in the period.
    pub first_response: DurationStats,
    /// Creation to resolution, for cases resolved in the period.
    pub resolution: DurationStats,
    /// SLA compliance of the cases decided in the period.
    pub sla: SlaCompliance,
    /// Satisfaction ratings recorded in the period.
    pub csat: CsatStats,
}

/// Overall metrics and the same metrics per queue, agent, tier and priority.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{report, Period};
/// use hotcrm_support::case::Case;
///
/// let period = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// let none: Vec<Case> = Vec::new();
/// let r = report(&none, period);
/// assert_eq!(r.overall.cases, 0);
/// assert!(r.by_queue.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetricsReport {
    /// The period measured.
    pub period: Period,
    /// All cases together.
    pub overall: Metrics,
    /// Per queue ([`GroupKey::Unassigned`] for cases without one).
    pub by_queue: BTreeMap<GroupKey, Metrics>,
    /// Per owning agent ([`GroupKey::Unassigned`] for cases without one).
    pub by_agent: BTreeMap<GroupKey, Metrics>,
    /// Per SLA tier.
    pub by_tier: BTreeMap<GroupKey, Metrics>,
    /// Per priority.
    pub by_priority: BTreeMap<GroupKey, Metrics>,
}

/// The metrics of `cases` over `period`.
///
/// Pure and deterministic: the result does not depend on the order of
/// `cases`. Pass each case once.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{metrics, Period};
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let (case, _) = Case::create(
///     NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"),
///     "2026-01-31T23:59:00Z".parse()?,
///     &CaseRules::default(),
/// )?;
/// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// let february = Period::new("2026-02-01T00:00:00Z".parse()?, "2026-03-01T00:00:00Z".parse()?)?;
/// assert_eq!(metrics([&case], january).created, 1);
/// assert_eq!(metrics([&case], february).created, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn metrics<'a>(cases: impl IntoIterator<Item = &'a Case>, period: Period) -> Metrics {
    let mut acc = Accumulator::default();
    for case in cases {
        if let Some(c) = Contribution::of(case, period) {
            acc.add(&c);
        }
    }
    acc.finish()
}

/// The metrics of `cases` over `period`, per group along `dimension`.
///
/// Only groups with at least one counted case appear, in key order; cases
/// without a queue (or owner) are grouped under [`GroupKey::Unassigned`]. Every
/// counter of the groups adds up to the same counter of [`metrics`].
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{metrics_by, Dimension, GroupKey, Period};
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let (case, _) = Case::create(
///     NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"),
///     "2026-01-05T09:00:00Z".parse()?,
///     &CaseRules::default(),
/// )?;
/// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// let by_queue = metrics_by([&case], january, Dimension::Queue);
/// assert_eq!(by_queue.keys().collect::<Vec<_>>(), [&GroupKey::Unassigned]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn metrics_by<'a>(
    cases: impl IntoIterator<Item = &'a Case>,
    period: Period,
    dimension: Dimension,
) -> BTreeMap<GroupKey, Metrics> {
    let mut groups: BTreeMap<GroupKey, Accumulator> = BTreeMap::new();
    for case in cases {
        if let Some(c) = Contribution::of(case, period) {
            groups.entry(dimension.key(case)).or_default().add(&c);
        }
    }
    finish_all(groups)
}

/// Overall metrics of `cases` over `period` and the metrics along every
/// [`Dimension`], in one pass.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{report, GroupKey, Period};
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::sla::SlaTier;
///
/// let (case, _) = Case::create(
///     NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"),
///     "2026-01-05T09:00:00Z".parse()?,
///     &CaseRules::default(),
/// )?;
/// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// let r = report([&case], january);
/// assert_eq!(r.by_tier[&GroupKey::Tier(SlaTier::Standard)].created, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn report<'a>(cases: impl IntoIterator<Item = &'a Case>, period: Period) -> MetricsReport {
    let mut overall = Accumulator::default();
    let mut by: [BTreeMap<GroupKey, Accumulator>; 4] = Default::default();
    for case in cases {
        if let Some(c) = Contribution::of(case, period) {
            overall.add(&c);
            for (groups, dimension) in by.iter_mut().zip(Dimension::ALL) {
                groups.entry(dimension.key(case)).or_default().add(&c);
            }
        }
    }
    let [by_queue, by_agent, by_tier, by_priority] = by.map(finish_all);
    MetricsReport {
        period,
        overall: overall.finish(),
        by_queue,
        by_agent,
        by_tier,
        by_priority,
    }
}

fn finish_all(groups: BTreeMap<GroupKey, Accumulator>) -> BTreeMap<GroupKey, Metrics> {
    groups
        .into_iter()
        .map(|(key, acc)| (key, acc.finish()))
        .collect()
}

/// When a case's SLA outcome was decided, and whether it was compliant.
///
/// A violation decides it (non-compliant) at the earliest breached milestone's
/// due instant, which is when `MilestoneViolated` is stamped; a resolution
/// without violation decides it (compliant) at `resolved_at`. When a case is
/// violated but the breached milestone is no longer on the case (replaced by a
/// later NextResponse or a Restart reopen), the resolution instant decides it.
///
/// ```
/// use hotcrm_support::analytics::sla_decided_at;
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let (case, _) = Case::create(
///     NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"),
///     "2026-01-05T09:00:00Z".parse()?,
///     &CaseRules::default(),
/// )?;
/// assert_eq!(sla_decided_at(&case), None); // open, nothing breached yet
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sla_decided_at(case: &Case) -> Option<(DateTime<Utc>, bool)> {
    let breach = case
        .milestones
        .iter()
        .filter(|m| m.breached)
        .map(|m| m.due)
        .min();
    if case.is_sla_violated || breach.is_some() {
        let decided = match (breach, case.resolved_at) {
            (Some(b), Some(r)) => Some(b.min(r)),
            (b, r) => b.or(r),
        };
        decided.map(|t| (t, false))
    } else {
        case.resolved_at.map(|t| (t, true))
    }
}

/// What one case adds to the metrics of a period.
struct Contribution {
    created: bool,
    closed: bool,
    first_response: Option<ElapsedMinutes>,
    resolution: Option<ElapsedMinutes>,
    /// `Some(compliant)` when the SLA outcome was decided in the period.
    sla: Option<bool>,
    csat: Option<u8>,
}

impl Contribution {
    /// `None` when the case counts for nothing in `period`.
    fn of(case: &Case, period: Period) -> Option<Contribution> {
        let c = Contribution {
            created: period.contains(case.created_at),
            closed: period.contains_opt(case.closed_at),
            first_response: case
                .response_time
                .filter(|_| period.contains_opt(case.first_response_at)),
            resolution: case
                .resolution_time
                .filter(|_| period.contains_opt(case.resolved_at)),
            sla: sla_decided_at(case)
                .filter(|(at, _)| period.contains(*at))
                .map(|(_, compliant)| compliant),
            csat: case
                .satisfaction
                .as_ref()
                .filter(|r| period.contains(r.at))
                .map(|r| r.score()),
        };
        let counts = c.created
            || c.closed
            || c.first_response.is_some()
            || c.resolution.is_some()
            || c.sla.is_some()
            || c.csat.is_some();
        counts.then_some(c)
    }
}

#[derive(Default)]
struct Accumulator {
    cases: usize,
    created: usize,
    closed: usize,
    first_response: Vec<ElapsedMinutes>,
    resolution: Vec<ElapsedMinutes>,
    decided: usize,
    compliant: usize,
    scores: Vec<u8>,
}

impl Accumulator {
    fn add(&mut self, c: &Contribution) {
        self.cases += 1;
        self.created += usize::from(c.created);
        self.closed += usize::from(c.closed);
        self.first_response.extend(c.first_response);
        self.resolution.extend(c.resolution);
        if let Some(compliant) = c.sla {
            self.decided += 1;
            self.compliant += usize::from(compliant);
        }
        self.scores.extend(c.csat);
    }

    fn finish(self) -> Metrics {
        let responses = self.scores.len();
        let satisfied = self.scores.iter().filter(|&&s| s >= 4).count();
        let score_sum: u64 = self.scores.iter().map(|&s| u64::from(s)).sum();
        Metrics {
            cases: self.cases,
            created: self.created,
            closed: self.closed,
            first_response: DurationStats::from_elapsed(self.first_response),
            resolution: DurationStats::from_elapsed(self.resolution),
            sla: SlaCompliance {
                decided: self.decided,
                compliant: self.compliant,
                violated: self.decided - self.compliant,
                percent: percent(self.compliant, self.decided),
            },
            csat: CsatStats {
                responses,
                satisfied,
                average_score: (responses > 0).then(|| score_sum as f64 / responses as f64),
                percent_satisfied: percent(satisfied, responses),
            },
        }
    }
}

/// `part * 100 / whole`, `None` for an empty whole.
fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}
