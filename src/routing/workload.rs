//! Workload optimisation: utilisation per agent, projected SLA breaches per queue
//! and recommended reassignments.
//!
//! A read-only projection over the router's state with a deliberately simple,
//! documented model. Pure; depends on `ids`, `error` and the router.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, QueueId};

use super::agent::AgentStatus;
use super::router::Router;

/// One agent's current load.
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::{AgentStatus, AgentUtilisation}};
/// let u = AgentUtilisation { agent: AgentId::from_u128(1), status: AgentStatus::Available, load: 3, limit: 4, open_cases: 3, percent: 75 };
/// assert_eq!(u.percent, 75);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentUtilisation {
    /// The agent.
    pub agent: AgentId,
    /// Presence.
    pub status: AgentStatus,
    /// Load in capacity units.
    pub load: u32,
    /// Capacity limit.
    pub limit: u32,
    /// Open cases.
    pub open_cases: u32,
    /// Load as a percentage of the limit (can exceed 100 after a capacity cut).
    pub percent: u32,
}

/// Cases of one queue projected to miss their due date.
///
/// ```
/// use hotcrm_support::{ids::QueueId, routing::QueueBreachProjection};
/// let p = QueueBreachProjection { queue: QueueId::from_u128(1), open: 2, waiting: 1, at_risk: vec![] };
/// assert!(p.at_risk.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBreachProjection {
    /// The queue.
    pub queue: QueueId,
    /// Open cases assigned through this queue.
    pub open: usize,
    /// Cases waiting in it.
    pub waiting: usize,
    /// Cases (open or waiting) projected to finish after their due date, earliest due first.
    pub at_risk: Vec<CaseId>,
}

/// A suggestion to move an at-risk open case to another agent.
///
/// ```
/// use hotcrm_support::{ids::{AgentId, CaseId}, routing::Reassignment};
/// let r = Reassignment { case: CaseId::from_u128(1), from: AgentId::from_u128(1), to: AgentId::from_u128(2), reason: "x".into() };
/// assert_ne!(r.from, r.to);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    /// The case.
    pub case: CaseId,
    /// Current assignee.
    pub from: AgentId,
    /// Suggested assignee (eligible under the case's queue rules).
    pub to: AgentId,
    /// Why.
    pub reason: String,
}

/// The result of [`Router::workload`].
///
/// ```
/// # use chrono::{TimeDelta, Utc}; use std::collections::BTreeMap; use hotcrm_support::routing::*;
/// let report = Router::new().workload(&BTreeMap::new(), TimeDelta::hours(1), Utc::now())?;
/// assert!(report.agents.is_empty());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadReport {
    /// Utilisation per agent, busiest first (then by id).
    pub agents: Vec<AgentUtilisation>,
    /// Projected breaches per queue, in queue order.
    pub queues: Vec<QueueBreachProjection>,
    /// Recommended reassignments.
    pub recommendations: Vec<Reassignment>,
}

impl Router {
    /// Projects the current workload.
    ///
    /// The model: every agent works their open cases one at a time, earliest due
    /// first, each taking `handle_time`; waiting cases are taken in work order by
    /// whichever available member of their queue frees up first (skills are not
    /// re-checked in the projection). A case breaches when its projected finish is
    /// after its entry in `due` (cases without a due date never breach). For every
    /// open case at risk, the queue's method is asked for another eligible agent
    /// (excluding the current one) who could finish it in time; capacity promised by
    /// earlier recommendations is taken into account.
    ///
    /// # Example
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId};
    /// use hotcrm_support::routing::*;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
    /// let (ada, bob, q) = (AgentId::from_u128(1), AgentId::from_u128(2), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(ada, "Ada", Capacity::cases(3)?)?.with_status(AgentStatus::Available))?;
    /// router.add_agent(Agent::new(bob, "Bob", Capacity::cases(3)?)?)?; // offline for now
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::LeastActive)?
    ///     .with_member(QueueMember::new(ada)).with_member(QueueMember::new(bob)))?;
    /// let mut due = BTreeMap::new();
    /// for n in 1..=3 {
    ///     let case = CaseId::from_u128(n);
    ///     router.route(RoutingRequest::new(case, AccountId::new(), now).in_queue(q), now, None)?;
    ///     due.insert(case, now + TimeDelta::minutes(90));
    /// }
    /// router.set_status(bob, AgentStatus::Available, now)?;
    /// let report = router.workload(&due, TimeDelta::hours(1), now)?;
    /// assert_eq!(report.agents[0].percent, 100);
    /// assert_eq!(report.queues[0].at_risk.len(), 2); // Ada finishes #2 at 11:00, #3 at 12:00
    /// assert_eq!(report.recommendations[0].to, bob);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `handle_time` is not positive.
    pub fn workload(
        &self,
        due: &BTreeMap<CaseId, DateTime<Utc>>,
        handle_time: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<WorkloadReport> {
        if handle_time <= TimeDelta::zero() {
            return Err(Error::validation("handle time", "must be positive"));
        }
        let state = self.state();
        let step = |from: DateTime<Utc>| {
            from.checked_add_signed(handle_time)
                .unwrap_or(DateTime::<Utc>::MAX_UTC)
        };

        let mut agents: Vec<AgentUtilisation> = state
            .agents
            .iter()
            .map(|a| AgentUtilisation {
                agent: a.id,
                status: a.status,
                load: a.load,
                limit: a.capacity.limit(),
                open_cases: a.open_cases,
                percent: a.utilisation_percent(),
            })
            .collect();
        agents.sort_by(|a, b| b.percent.cmp(&a.percent).then(a.agent.cmp(&b.agent)));

        // Open cases per agent, earliest due first (no due date last, then by case id).
        let mut per_agent: BTreeMap<AgentId, Vec<CaseId>> = BTreeMap::new();
        for (case, a) in &state.assignments {
            per_agent.entry(a.agent).or_default().push(*case);
        }
        let mut finish: HashMap<CaseId, DateTime<Utc>> = HashMap::new();
        let mut free_at: HashMap<AgentId, DateTime<Utc>> = HashMap::new();
        for (agent, cases) in &mut per_agent {
            cases.sort_by_key(|c| (due.get(c).copied().unwrap_or(DateTime::<Utc>::MAX_UTC), *c));
            let mut t = now;
            for c in cases.iter() {
                t = step(t);
                finish.insert(*c, t);
            }
            free_at.insert(*agent, t);
        }
        let at_risk = |case: &CaseId, finish: &HashMap<CaseId, DateTime<Utc>>| match (
            finish.get(case),
            due.get(case),
        ) {
            (Some(f), Some(d)) => f > d,
            (None, Some(_)) => true, // nobody will take it
            _ => false,
        };

        let mut queues = Vec::with_capacity(state.queues.len());
        for queue in &state.queues {
            // Waiting cases: earliest-free available member takes the next one.
            let mut slots: Vec<(DateTime<Utc>, AgentId)> = queue
                .members
                .iter()
                .filter(|m| self.agent(m.agent).is_some_and(|a| a.status.accepts_work()))
                .map(|m| {
                    let busy = self.agent(m.agent).is_some_and(|a| a.spare() == 0);
                    let next = if busy {
                        // At capacity: the first slot frees when the first open case ends.
                        per_agent
                            .get(&m.agent)
                            .and_then(|cs| cs.first())
                            .and_then(|c| finish.get(c).copied())
                            .unwrap_or(now)
                    } else {
                        now
                    };
                    (next, m.agent)
                })
                .collect();
            let waiting: Vec<CaseId> = state
                .waiting
                .iter()
                .filter(|w| w.queue == queue.id)
                .map(|w| w.request.case)
                .collect();
            for case in &waiting {
                let Some(slot) = slots.iter_mut().min() else {
                    break;
                };
                let done = step(slot.0);
                *slot = (done, slot.1);
                finish.insert(*case, done);
            }
            let open: Vec<CaseId> = state
                .assignments
                .iter()
                .filter(|(_, a)| a.queue == Some(queue.id))
                .map(|(c, _)| *c)
                .collect();
            let mut risky: Vec<CaseId> = open
                .iter()
                .chain(waiting.iter())
                .filter(|c| at_risk(c, &finish))
                .copied()
                .collect();
            risky.sort_by_key(|c| (due.get(c).copied().unwrap_or(DateTime::<Utc>::MAX_UTC), *c));
            queues.push(QueueBreachProjection {
                queue: queue.id,
                open: open.len(),
                waiting: waiting.len(),
                at_risk: risky,
            });
        }

        // Recommendations for open cases at risk.
        let mut promised: HashMap<AgentId, (u64, DateTime<Utc>)> = HashMap::new();
        let mut recommendations = Vec::new();
        for projection in &queues {
            for case in &projection.at_risk {
                let Some(a) = state.assignments.get(case) else {
                    continue;
                };
                let (Some(deadline), Some(queue)) = (due.get(case), a.queue) else {
                    continue;
                };
                let mut request = a.request.clone();
                request.declined_by.insert(a.agent);
                let Ok(decision) = self.decide_relaxed(queue, &request, a.dropped, now) else {
                    continue;
                };
                // Walk the winner and runners-up: the first with room and time wins.
                let candidates = decision.chosen.iter().chain(decision.runners_up.iter());
                for c in candidates {
                    let Some(agent) = self.agent(c.agent) else {
                        continue;
                    };
                    let cost = agent.capacity.cost_of(request.origin);
                    let (extra, start) = promised
                        .get(&c.agent)
                        .copied()
                        .unwrap_or((0, *free_at.get(&c.agent).unwrap_or(&now)));
                    // In u64: loads and costs near u32::MAX must not wrap.
                    let after = u64::from(agent.load) + extra + u64::from(cost);
                    if after > u64::from(agent.capacity.limit()) {
                        continue;
                    }
                    let done = step(start);
                    if done > *deadline {
                        continue;
                    }
                    promised.insert(c.agent, (extra + u64::from(cost), done));
                    recommendations.push(Reassignment {
                        case: *case,
                        from: a.agent,
                        to: c.agent,
                        reason: format!(
                            "projected to finish at {} after its due date {}; {} can finish it by {}",
                            finish.get(case).map_or_else(|| "never".to_string(), |f| f.to_rfc3339()),
                            deadline.to_rfc3339(),
                            agent.name,
                            done.to_rfc3339()
                        ),
                    });
                    break;
                }
            }
        }
        Ok(WorkloadReport {
            agents,
            queues,
            recommendations,
        })
    }
}
