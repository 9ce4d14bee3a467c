//! The router's persisted state: the roster (skills, agents, queues, rules),
//! the waiting lines and the open assignments, as one serializable value.
//!
//! Plain values; the [`Router`](super::Router) keeps them consistent. Depends on
//! `calendar`, `ids` and the routing value types.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, QueueId};

use super::agent::Agent;
use super::queue::Queue;
use super::request::{AiSuggestion, RoutingRequest};
use super::rule::RoutingRule;
use super::skill::Skill;

/// A case waiting in a queue for an eligible agent.
///
/// ```
/// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
/// # let now = Utc::now();
/// let q = QueueId::from_u128(1);
/// let mut router = Router::new();
/// router.add_queue(Queue::new(q, "Empty", RoutingMethod::RoundRobin)?)?;
/// router.route(RoutingRequest::new(CaseId::from_u128(7), AccountId::new(), now).in_queue(q), now, None)?;
/// let waiting = router.waiting(q);
/// assert_eq!(waiting[0].request.case, CaseId::from_u128(7));
/// assert_eq!(waiting[0].dropped, 0);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WaitingCaseRecord")]
pub struct WaitingCase {
    /// The case's routing attributes (after classification).
    pub request: RoutingRequest,
    /// The queue it waits in.
    pub queue: QueueId,
    /// When it entered this queue.
    pub queued_at: DateTime<Utc>,
    /// When the next relaxation step (drop a group, overflow, stall) is due.
    pub next_step_at: DateTime<Utc>,
    /// How many optional groups have been dropped.
    pub dropped: usize,
    /// Queues it has already left by overflow (never re-entered).
    pub visited: Vec<QueueId>,
    /// Whether `RoutingStalled` has been emitted for it.
    pub stalled: bool,
    /// The AI suggestion it arrived with.
    pub ai: Option<AiSuggestion>,
}

/// A case currently assigned to an agent, holding part of their capacity.
///
/// ```
/// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
/// # let now = Utc::now();
/// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
/// let mut router = Router::new();
/// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
/// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
/// let case = CaseId::from_u128(7);
/// router.route(RoutingRequest::new(case, AccountId::new(), now).in_queue(q), now, None)?;
/// assert_eq!(router.assignment(case).map(|x| x.agent), Some(a));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OpenAssignmentRecord")]
pub struct OpenAssignment {
    /// The case's routing attributes.
    pub request: RoutingRequest,
    /// The assignee.
    pub agent: AgentId,
    /// The queue that assigned it (or that it was waiting in when assigned
    /// manually); `None` for a manual assignment ([`Router::assign_to`]) of a
    /// case no queue applied to.
    ///
    /// [`Router::assign_to`]: super::Router::assign_to
    pub queue: Option<QueueId>,
    /// Load units it holds.
    pub cost: u32,
    /// Optional groups dropped when it was assigned.
    pub dropped: usize,
    /// Queues it overflowed from.
    pub visited: Vec<QueueId>,
    /// When it was assigned.
    pub assigned_at: DateTime<Utc>,
}

/// Everything the router knows, as one serializable value for the host to persist.
///
/// ```
/// # use hotcrm_support::routing::*;
/// let router = Router::new();
/// let copy = Router::from_state(router.state().clone())?;
/// assert_eq!(copy.state(), router.state());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RouterStateRecord")]
pub struct RouterState {
    /// The skill catalog.
    pub skills: Vec<Skill>,
    /// Agents.
    pub agents: Vec<Agent>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Rules, in evaluation order.
    pub rules: Vec<RoutingRule>,
    /// Where cases go when no rule matches.
    pub default_queue: Option<QueueId>,
    /// Hours for rule conditions and for queues without their own.
    pub business_hours: Option<BusinessHours>,
    /// Waiting cases, in work order (priority, then age, then case id).
    pub waiting: Vec<WaitingCase>,
    /// Open assignments by case.
    pub assignments: BTreeMap<CaseId, OpenAssignment>,
}

impl WaitingCase {
    /// Checks the entry on its own: a valid request, no more optional groups
    /// dropped than it has, and not waiting in a queue it already left.
    pub(super) fn validate(&self) -> Result<()> {
        self.request.validate()?;
        check_relaxation(&self.request, self.dropped, Some(self.queue), &self.visited)
    }
}

impl OpenAssignment {
    /// Checks the entry on its own: a valid request, a cost of at least 1, and
    /// no more optional groups dropped than it has.
    pub(super) fn validate(&self) -> Result<()> {
        self.request.validate()?;
        if self.cost == 0 {
            return Err(Error::validation(
                "assignment cost",
                format!(
                    "case {} holds cost 0, every case costs at least 1",
                    self.request.case
                ),
            ));
        }
        check_relaxation(&self.request, self.dropped, self.queue, &self.visited)
    }
}

/// The relaxation state of a waiting or assigned case: at most every optional
/// group dropped, and its queue (if any) not among the queues it overflowed from.
fn check_relaxation(
    request: &RoutingRequest,
    dropped: usize,
    queue: Option<QueueId>,
    visited: &[QueueId],
) -> Result<()> {
    let groups = request.optional_groups.len();
    if dropped > groups {
        return Err(Error::validation(
            "dropped",
            format!(
                "case {} dropped {dropped} optional groups but has {groups}",
                request.case
            ),
        ));
    }
    if let Some(q) = queue.filter(|q| visited.contains(q)) {
        return Err(Error::validation(
            "visited",
            format!(
                "case {} is in queue {q}, which it already left",
                request.case
            ),
        ));
    }
    Ok(())
}

impl RouterState {
    /// The load (sum of costs) and number of cases `agent` holds by the open
    /// assignments, in `u64` so the sums never wrap.
    pub(super) fn held_by(&self, agent: AgentId) -> (u64, u64) {
        self.assignments
            .values()
            .filter(|a| a.agent == agent)
            .fold((0, 0), |(load, cases), a| {
                (load + u64::from(a.cost), cases + 1)
            })
    }

    /// The load (sum of costs) and number of cases every agent holds by the
    /// open assignments, in one pass.
    pub(super) fn held(&self) -> HashMap<AgentId, (u64, u64)> {
        let mut held: HashMap<AgentId, (u64, u64)> = HashMap::new();
        for a in self.assignments.values() {
            let entry = held.entry(a.agent).or_default();
            entry.0 += u64::from(a.cost);
            entry.1 += 1;
        }
        held
    }

    /// Checks the entries against each other: each assignment is filed under
    /// its own case, no case waits twice, and no case both waits and is assigned.
    pub(super) fn check_structure(&self) -> Result<()> {
        for (case, a) in &self.assignments {
            if *case != a.request.case {
                return Err(Error::validation(
                    "assignments",
                    format!("entry for case {case} holds case {}", a.request.case),
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for w in &self.waiting {
            let case = w.request.case;
            if !seen.insert(case) {
                return Err(Error::validation(
                    "waiting",
                    format!("case {case} waits twice"),
                ));
            }
            if self.assignments.contains_key(&case) {
                return Err(Error::validation(
                    "waiting",
                    format!("case {case} is both waiting and assigned"),
                ));
            }
        }
        Ok(())
    }
}

/// [`WaitingCase`] as stored: loading checks the entry on its own.
#[derive(Deserialize)]
struct WaitingCaseRecord {
    request: RoutingRequest,
    queue: QueueId,
    queued_at: DateTime<Utc>,
    next_step_at: DateTime<Utc>,
    dropped: usize,
    visited: Vec<QueueId>,
    stalled: bool,
    ai: Option<AiSuggestion>,
}

impl TryFrom<WaitingCaseRecord> for WaitingCase {
    type Error = Error;
    fn try_from(r: WaitingCaseRecord) -> Result<Self> {
        let waiting = WaitingCase {
            request: r.request,
            queue: r.queue,
            queued_at: r.queued_at,
            next_step_at: r.next_step_at,
            dropped: r.dropped,
            visited: r.visited,
            stalled: r.stalled,
            ai: r.ai,
        };
        waiting.validate()?;
        Ok(waiting)
    }
}

/// [`OpenAssignment`] as stored: loading checks the entry on its own.
#[derive(Deserialize)]
struct OpenAssignmentRecord {
    request: RoutingRequest,
    agent: AgentId,
    queue: Option<QueueId>,
    cost: u32,
    dropped: usize,
    visited: Vec<QueueId>,
    assigned_at: DateTime<Utc>,
}

impl TryFrom<OpenAssignmentRecord> for OpenAssignment {
    type Error = Error;
    fn try_from(r: OpenAssignmentRecord) -> Result<Self> {
        let assignment = OpenAssignment {
            request: r.request,
            agent: r.agent,
            queue: r.queue,
            cost: r.cost,
            dropped: r.dropped,
            visited: r.visited,
            assigned_at: r.assigned_at,
        };
        assignment.validate()?;
        Ok(assignment)
    }
}

/// [`RouterState`] as stored: loading checks every record and the entries
/// against each other ([`RouterState::check_structure`]); references between
/// records (unknown ids) are [`Router::from_state`](super::Router::from_state)'s job.
#[derive(Deserialize)]
struct RouterStateRecord {
    skills: Vec<Skill>,
    agents: Vec<Agent>,
    queues: Vec<Queue>,
    rules: Vec<RoutingRule>,
    default_queue: Option<QueueId>,
    business_hours: Option<BusinessHours>,
    waiting: Vec<WaitingCase>,
    assignments: BTreeMap<CaseId, OpenAssignment>,
}

impl TryFrom<RouterStateRecord> for RouterState {
    type Error = Error;
    fn try_from(r: RouterStateRecord) -> Result<Self> {
        let state = RouterState {
            skills: r.skills,
            agents: r.agents,
            queues: r.queues,
            rules: r.rules,
            default_queue: r.default_queue,
            business_hours: r.business_hours,
            waiting: r.waiting,
            assignments: r.assignments,
        };
        state.check_structure()?;
        Ok(state)
    }
}
