//! The [`Router`] itself: its two parts (the persisted [`RouterState`] and the
//! derived index) and the lookups every command shares.
//!
//! Pure layer 2: every function takes `now` as a parameter, nothing reads a clock,
//! does I/O or uses randomness, and the same state and inputs always give the same
//! decision. Depends on `calendar`, `case` picklists, `ids`, `error` and the other
//! routing modules; never on `repo`, `ai` or `desk`.
//!
//! Where each rule lives:
//!
//! - `state`: the persisted types ([`RouterState`], [`WaitingCase`], [`OpenAssignment`]);
//! - `index`: the derived columns the decision reads;
//! - `roster`: adding, changing and removing skills, agents, queues and rules, and
//!   rebuilding a router from persisted state;
//! - `classify`: the routing rules applied to a request;
//! - `decide`: the decision algorithm (eligibility, ranking, explanation); its
//!   output types are in `decision`;
//! - `assign`: routing a case, completing and declining it, and the capacity it holds;
//! - `waiting`: the waiting lines, relaxation timers, overflow and dispatch.

use chrono::{DateTime, Utc};

use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, QueueId, SkillId};

use super::agent::Agent;
use super::decision::{LossReason, Rejection};
use super::index::Index;
use super::queue::Queue;
use super::state::{OpenAssignment, RouterState, WaitingCase};

/// Routes cases to queues and agents, fairly and explainably.
///
/// Build it with `add_*`, then:
/// - [`Router::route`] classifies a new case with the rules, picks an agent in the
///   queue (or queues the case) and returns the explained decision and events;
/// - [`Router::complete`], [`Router::decline`], [`Router::withdraw`] and
///   [`Router::set_status`] change capacity and pull waiting cases in work order
///   (priority, then age);
/// - [`Router::assign_to`] is a supervisor's manual assignment (status and
///   capacity limit not checked, no routing rules needed);
/// - [`Router::tick`] advances the relaxation timers: one optional skill group is
///   dropped per queue timeout, then the case overflows, else it stalls;
/// - [`Router::decide`] answers "who would get this case now" without changing anything.
///
/// # Example: skill-based routing
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
/// use hotcrm_support::routing::*;
///
/// let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let java = SkillId::from_u128(1);
/// let (ada, bob) = (AgentId::from_u128(1), AgentId::from_u128(2));
/// let tier2 = QueueId::from_u128(1);
///
/// let mut router = Router::new();
/// router.add_skill(Skill::new(java, "Java")?)?;
/// for (id, name, level) in [(ada, "Ada", 5), (bob, "Bob", 3)] {
///     router.add_agent(
///         Agent::new(id, name, Capacity::cases(4)?)?
///             .with_status(AgentStatus::Available)
///             .with_skill(AgentSkill::new(java, level)?),
///     )?;
/// }
/// router.add_queue(
///     Queue::new(tier2, "Tier 2", RoutingMethod::SkillBased)?
///         .with_member(QueueMember::new(ada))
///         .with_member(QueueMember::new(bob)),
/// )?;
/// router.add_rule(RoutingRule::new("Java", 10, tier2)?.when_keyword("java")?)?;
///
/// let case = RoutingRequest::new(CaseId::from_u128(9), AccountId::from_u128(1), now)
///     .with_subject("Java client throws on login")
///     .requiring(SkillRequirement::new(java, 3)?);
/// let outcome = router.route(case, now, None)?;
/// assert_eq!(outcome.classification.rule.as_deref(), Some("Java"));
/// assert_eq!(outcome.decision.agent(), Some(ada));
/// assert_eq!(outcome.decision.skill_match, Some(100));
/// assert_eq!(outcome.decision.loss_reason(bob), Some(LossReason::Outranked { score: 9 }));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Router {
    pub(super) state: RouterState,
    pub(super) index: Index,
}

impl Router {
    /// An empty router.
    ///
    /// ```
    /// assert!(hotcrm_support::routing::Router::new().state().agents.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole state, for persistence.
    ///
    /// ```
    /// let json = serde_json::to_string(hotcrm_support::routing::Router::new().state())?;
    /// assert!(json.contains("\"agents\":[]"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state(&self) -> &RouterState {
        &self.state
    }

    /// A rejection as a sentence for people, with the agent's and the skill's
    /// names instead of ids ([`LossReason`]'s `Display` only knows ids).
    ///
    /// ```
    /// use chrono::Utc;
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
    /// use hotcrm_support::routing::*;
    /// let (a, b, q, s) = (AgentId::from_u128(1), AgentId::from_u128(2), QueueId::from_u128(1), SkillId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_skill(Skill::new(s, "Billing")?)?;
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(3)?)?.with_status(AgentStatus::Available).with_skill(AgentSkill::new(s, 4)?))?;
    /// router.add_agent(Agent::new(b, "Bob", Capacity::cases(3)?)?.with_status(AgentStatus::Available).with_skill(AgentSkill::new(s, 2)?))?;
    /// router.add_queue(Queue::new(q, "Billing", RoutingMethod::SkillBased)?.with_member(QueueMember::new(a)).with_member(QueueMember::new(b)))?;
    /// let req = RoutingRequest::new(CaseId::from_u128(9), AccountId::from_u128(1), Utc::now())
    ///     .requiring(SkillRequirement::new(s, 3)?);
    /// let d = router.decide(q, &req, Utc::now(), None)?;
    /// let lost = d.rejected.iter().next().unwrap();
    /// assert_eq!(router.describe(&lost), "Bob: Billing at level 2, needs 3");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn describe(&self, rejection: &Rejection) -> String {
        let agent = self
            .agent(rejection.agent)
            .map_or_else(|| rejection.agent.to_string(), |a| a.name.clone());
        match rejection.reason {
            LossReason::MissingSkill {
                skill,
                required,
                actual,
            } => {
                let name = self
                    .state
                    .skills
                    .iter()
                    .find(|s| s.id == skill)
                    .map_or_else(|| skill.to_string(), |s| s.name.clone());
                format!("{agent}: {name} at level {actual}, needs {required}")
            }
            reason => format!("{agent}: {reason}"),
        }
    }

    /// An agent by id.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// assert!(Router::new().agent(AgentId::from_u128(1)).is_none());
    /// ```
    pub fn agent(&self, id: AgentId) -> Option<&Agent> {
        self.index
            .agent_pos
            .get(&id)
            .and_then(|&p| self.state.agents.get(p))
    }

    /// A queue by id.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// assert!(Router::new().queue(QueueId::from_u128(1)).is_none());
    /// ```
    pub fn queue(&self, id: QueueId) -> Option<&Queue> {
        self.index
            .queue_pos
            .get(&id)
            .and_then(|&p| self.state.queues.get(p))
    }

    /// The open assignment of a case.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// assert!(Router::new().assignment(CaseId::from_u128(1)).is_none());
    /// ```
    pub fn assignment(&self, case: CaseId) -> Option<&OpenAssignment> {
        self.state.assignments.get(&case)
    }

    /// The waiting entry of a case, if it is waiting.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let q = QueueId::from_u128(1);
    /// let mut router = Router::new();
    /// router.add_queue(Queue::new(q, "Empty", RoutingMethod::RoundRobin)?)?;
    /// let case = CaseId::from_u128(7);
    /// router.route(RoutingRequest::new(case, AccountId::new(), now).in_queue(q), now, None)?;
    /// assert_eq!(router.waiting_case(case).map(|w| w.queue), Some(q));
    /// assert!(router.waiting_case(CaseId::from_u128(8)).is_none());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn waiting_case(&self, case: CaseId) -> Option<&WaitingCase> {
        self.state.waiting.iter().find(|w| w.request.case == case)
    }

    /// The cases waiting in `queue`, in work order (priority, then age).
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// assert!(Router::new().waiting(QueueId::from_u128(1)).is_empty());
    /// ```
    pub fn waiting(&self, queue: QueueId) -> Vec<&WaitingCase> {
        self.state
            .waiting
            .iter()
            .filter(|w| w.queue == queue)
            .collect()
    }

    pub(super) fn is_open(&self, queue: &Queue, now: DateTime<Utc>) -> bool {
        open_at(
            queue.hours.as_ref().or(self.state.business_hours.as_ref()),
            now,
        )
    }

    pub(super) fn queue_pos(&self, id: QueueId) -> Result<usize> {
        self.index
            .queue_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("queue", id))
    }

    pub(super) fn agent_pos(&self, id: AgentId) -> Result<usize> {
        self.index
            .agent_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("agent", id))
    }

    pub(super) fn skill_col(&self, id: SkillId) -> Result<usize> {
        self.index
            .skill_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("skill", id))
    }
}

pub(super) fn not_found(kind: &'static str, id: impl std::fmt::Display) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// Whether `hours` are open at `now`; no calendar counts as always open.
pub(super) fn open_at(hours: Option<&BusinessHours>, now: DateTime<Utc>) -> bool {
    match hours {
        None => true,
        Some(h) => h.is_open(now),
    }
}
