//! The router: state (skills, agents, queues, rules, waiting and open cases), the
//! decision function and the commands that change state.
//!
//! Pure layer 2: every function takes `now` as a parameter, nothing reads a clock,
//! does I/O or uses randomness, and the same state and inputs always give the same
//! decision. Depends on `calendar`, `case` picklists, `ids`, `error` and the other
//! routing modules; never on `repo`, `ai` or `desk`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::Origin;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, QueueId, SkillId};

use super::agent::{Agent, AgentStatus};
use super::decision::{
    AiVerdict, CODE_DECLINED, CODE_ELIGIBLE, CODE_FULL, CODE_UNAVAILABLE, CODE_UNSKILLED,
    Candidate, Classification, LossReason, Rejection, RejectionParts, Rejections, RoutingDecision,
    RoutingEvent, RoutingOutcome,
};
use super::queue::{OutOfHours, Queue, QueueCursor, RoutingMethod};
use super::request::{AiSuggestion, RoutingRequest};
use super::rule::{LowerText, RoutingRule};
use super::skill::{Skill, SkillRequirement};

/// Weight of a required skill in the skill-match score (optional skills weigh 1).
const REQUIRED_WEIGHT: u32 = 3;
/// Least common multiple of 1..=10, so weighted stride passes are exact integers.
const STRIDE: i64 = 2520;
/// Runners-up explained in full in a decision.
const RUNNERS_UP: usize = 3;
const ORIGINS: usize = Origin::ALL.len();

/// Bucket count rounded up to a power of two so `code & 7` indexes without checks.
const CODES: usize = 8;
/// Flags `declined<<3 | unavailable<<2 | over capacity<<1 | missing skill` to the
/// bucket of the highest-priority reason.
const REASON_BY_FLAGS: [u8; 16] = [
    CODE_ELIGIBLE,
    CODE_UNSKILLED,
    CODE_FULL,
    CODE_FULL,
    CODE_UNAVAILABLE,
    CODE_UNAVAILABLE,
    CODE_UNAVAILABLE,
    CODE_UNAVAILABLE,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
    CODE_DECLINED,
];

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
pub struct OpenAssignment {
    /// The case's routing attributes.
    pub request: RoutingRequest,
    /// The assignee.
    pub agent: AgentId,
    /// The queue that assigned it.
    pub queue: QueueId,
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

/// Derived lookups, rebuilt from [`RouterState`]; never serialized.
///
/// Agents are stored column by column so the decision loop reads only the few
/// bytes it needs per agent (status, load, limit, the cost of one channel).
#[derive(Debug, Clone, Default)]
struct Index {
    skill_pos: HashMap<SkillId, usize>,
    skill_cert: Vec<bool>,
    agent_pos: HashMap<AgentId, usize>,
    ids: Vec<AgentId>,
    /// Tie-break key per agent: (last assignment in microseconds, `i64::MIN` for
    /// never; the id as a big-endian `u128`, which orders exactly like the id).
    tie: Vec<(i64, u128)>,
    status: Vec<AgentStatus>,
    load: Vec<u32>,
    limit: Vec<u32>,
    open_cases: Vec<u32>,
    /// `costs[origin][agent]`: what one case from that channel adds to the load.
    costs: Vec<Vec<u32>>,
    /// Proficiency matrix: `agents x skills`, 0 = no skill.
    prof: Vec<u8>,
    queue_pos: HashMap<QueueId, usize>,
    /// Per queue, the members' data in member order (see [`QueueCols`]).
    members: Vec<QueueCols>,
    /// Per agent, the `(queue, member index)` pairs where the agent is a member.
    memberships: Vec<Vec<(usize, usize)>>,
}

/// One queue's members as columns in member order, so the decision loop walks
/// plain slices with no indirection. Kept in sync by [`Index::refresh`].
#[derive(Debug, Clone, Default)]
struct QueueCols {
    /// Agent position of each member (`u32::MAX` if unknown).
    pos: Vec<u32>,
    /// Agent id of each member, shared with the decisions' rejection lists.
    ids: Arc<[AgentId]>,
    status: Vec<AgentStatus>,
    load: Vec<u32>,
    limit: Vec<u32>,
    /// Load per million of the limit, kept here so ranking never divides.
    ratio_ppm: Vec<u32>,
    /// `costs[origin][member]`.
    costs: Vec<Vec<u32>>,
    /// Proficiencies, member-major, stride `max(skills, 1)`.
    prof: Vec<u8>,
    /// The same proficiencies skill-major (`skill * members + member`), so the
    /// eligibility pass reads one contiguous column per required skill.
    prof_t: Vec<u8>,
}

impl Index {
    fn build(state: &RouterState) -> Index {
        let mut index = Index {
            skill_pos: state
                .skills
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id, i))
                .collect(),
            skill_cert: state
                .skills
                .iter()
                .map(|s| s.requires_certification)
                .collect(),
            ..Index::default()
        };
        for agent in &state.agents {
            index.push_agent(agent);
        }
        index.queue_pos = state
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id, i))
            .collect();
        index.members = state.queues.iter().map(|q| index.queue_cols(q)).collect();
        index.rebuild_memberships();
        index
    }

    fn stride(&self) -> usize {
        self.n_skills().max(1)
    }

    /// The member columns of `queue`, copied from the agent columns.
    fn queue_cols(&self, queue: &Queue) -> QueueCols {
        let pos = self.member_positions(queue);
        let (n, stride) = (self.n_skills(), self.stride());
        let mut cols = QueueCols {
            costs: (0..ORIGINS)
                .map(|_| Vec::with_capacity(pos.len()))
                .collect(),
            prof: vec![0; pos.len() * stride],
            ..QueueCols::default()
        };
        for (m, &p) in pos.iter().enumerate() {
            let p = p as usize;
            cols.status
                .push(self.status.get(p).copied().unwrap_or(AgentStatus::Offline));
            cols.load
                .push(self.load.get(p).copied().unwrap_or(u32::MAX));
            cols.limit.push(self.limit.get(p).copied().unwrap_or(0));
            cols.ratio_ppm.push(ratio_ppm(
                self.load.get(p).copied().unwrap_or(0),
                self.limit.get(p).copied().unwrap_or(0),
            ));
            for (column, source) in cols.costs.iter_mut().zip(&self.costs) {
                column.push(source.get(p).copied().unwrap_or(1));
            }
            if let (Some(dst), Some(src)) = (
                cols.prof.get_mut(m * stride..m * stride + n),
                self.prof.get(p * n..p * n + n),
            ) {
                dst.copy_from_slice(src);
            }
        }
        let len = pos.len();
        cols.prof_t = vec![0; len * stride];
        for (m, row) in cols.prof.chunks_exact(stride).enumerate() {
            for (c, &level) in row.iter().enumerate() {
                if let Some(slot) = cols.prof_t.get_mut(c * len + m) {
                    *slot = level;
                }
            }
        }
        cols.pos = pos;
        cols.ids = queue.members.iter().map(|m| m.agent).collect();
        cols
    }

    fn rebuild_memberships(&mut self) {
        let mut memberships = vec![Vec::new(); self.ids.len()];
        for (q, cols) in self.members.iter().enumerate() {
            for (m, &p) in cols.pos.iter().enumerate() {
                if let Some(list) = memberships.get_mut(p as usize) {
                    list.push((q, m));
                }
            }
        }
        self.memberships = memberships;
    }

    fn n_skills(&self) -> usize {
        self.skill_cert.len()
    }

    fn push_agent(&mut self, agent: &Agent) {
        let pos = self.ids.len();
        self.agent_pos.insert(agent.id, pos);
        self.ids.push(agent.id);
        self.tie.push((i64::MIN, 0));
        self.status.push(agent.status);
        self.load.push(0);
        self.limit.push(1);
        self.open_cases.push(0);
        self.costs.resize_with(ORIGINS, Vec::new);
        for column in &mut self.costs {
            column.push(1);
        }
        let n = self.n_skills();
        self.prof.resize(self.prof.len() + n, 0);
        self.memberships.push(Vec::new());
        self.refresh(pos, agent);
    }

    fn fill_prof(&mut self, pos: usize, agent: &Agent) {
        let n = self.n_skills();
        let start = pos * n;
        if let Some(row) = self.prof.get_mut(start..start + n) {
            row.fill(0);
            for s in &agent.skills {
                if let Some(slot) = self.skill_pos.get(&s.skill).and_then(|&i| row.get_mut(i)) {
                    *slot = s.proficiency.get();
                }
            }
        }
    }

    fn refresh(&mut self, pos: usize, agent: &Agent) {
        fn set<T>(column: &mut [T], pos: usize, value: T) {
            if let Some(slot) = column.get_mut(pos) {
                *slot = value;
            }
        }
        set(&mut self.ids, pos, agent.id);
        let last = agent
            .last_assigned_at
            .map_or(i64::MIN, |t| t.timestamp_micros());
        set(&mut self.tie, pos, (last, agent.id.as_uuid().as_u128()));
        set(&mut self.status, pos, agent.status);
        set(&mut self.load, pos, agent.load);
        set(&mut self.limit, pos, agent.capacity.limit());
        set(&mut self.open_cases, pos, agent.open_cases);
        for (column, origin) in self.costs.iter_mut().zip(Origin::ALL) {
            set(column, pos, agent.capacity.cost_of(*origin));
        }
        self.fill_prof(pos, agent);
        // Mirror into every queue the agent belongs to.
        let (n, stride) = (self.n_skills(), self.stride());
        let Index {
            memberships,
            members,
            prof,
            ..
        } = self;
        let row = prof.get(pos * n..pos * n + n).unwrap_or(&[]);
        for &(q, m) in memberships.get(pos).map_or(&[][..], Vec::as_slice) {
            let Some(cols) = members.get_mut(q) else {
                continue;
            };
            set(&mut cols.status, m, agent.status);
            set(&mut cols.load, m, agent.load);
            set(&mut cols.limit, m, agent.capacity.limit());
            set(
                &mut cols.ratio_ppm,
                m,
                ratio_ppm(agent.load, agent.capacity.limit()),
            );
            for (column, origin) in cols.costs.iter_mut().zip(Origin::ALL) {
                set(column, m, agent.capacity.cost_of(*origin));
            }
            if let Some(dst) = cols.prof.get_mut(m * stride..m * stride + n) {
                dst.copy_from_slice(row);
            }
            let len = cols.pos.len();
            for (c, &level) in row.iter().enumerate() {
                if let Some(slot) = cols.prof_t.get_mut(c * len + m) {
                    *slot = level;
                }
            }
        }
    }

    fn member_positions(&self, queue: &Queue) -> Vec<u32> {
        queue
            .members
            .iter()
            .map(|m| {
                self.agent_pos
                    .get(&m.agent)
                    .and_then(|&p| u32::try_from(p).ok())
                    .unwrap_or(u32::MAX)
            })
            .collect()
    }
}

/// A requirement resolved to a matrix column.
#[derive(Debug, Clone, Copy)]
struct Need {
    col: usize,
    skill: SkillId,
    level: u8,
    cert: bool,
}

/// A skill that counts towards the match score.
#[derive(Debug, Clone, Copy)]
struct Scored {
    col: usize,
    skill: SkillId,
    weight: u32,
    cert: bool,
}

/// An eligible member and its ranking key (16 bytes, so ranking writes little).
#[derive(Debug, Clone, Copy)]
pub(super) struct Ranked {
    /// The method's primary score.
    primary: i64,
    /// The secondary score shifted into `u32` (every method's secondary is
    /// `0` or minus a load ratio in `0..=u32::MAX`), so the order is kept.
    secondary: u32,
    pos: u32,
}

impl Ranked {
    fn new(pos: usize, primary: i64, secondary: i64) -> Ranked {
        let shifted = secondary.saturating_add(i64::from(u32::MAX));
        Ranked {
            primary,
            secondary: u32::try_from(shifted).unwrap_or(if shifted < 0 { 0 } else { u32::MAX }),
            pos: u32::try_from(pos).unwrap_or(u32::MAX),
        }
    }

    fn pos(&self) -> usize {
        self.pos as usize
    }

    /// `(primary, secondary)`: a larger key ranks higher.
    #[inline]
    pub(super) fn key(&self) -> (i64, u32) {
        (self.primary, self.secondary)
    }

    /// The method's primary score.
    pub(super) fn primary(&self) -> i64 {
        self.primary
    }
}

/// Load as parts per million of the limit (saturating; a zero limit counts as full).
fn ratio_ppm(load: u32, limit: u32) -> u32 {
    if limit == 0 {
        return u32::MAX;
    }
    u32::try_from(u64::from(load) * 1_000_000 / u64::from(limit)).unwrap_or(u32::MAX)
}

fn later(now: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    now.checked_add_signed(by)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Routes cases to queues and agents, fairly and explainably.
///
/// Build it with `add_*`, then:
/// - [`Router::route`] classifies a new case with the rules, picks an agent in the
///   queue (or queues the case) and returns the explained decision and events;
/// - [`Router::complete`], [`Router::decline`] and [`Router::set_status`] change
///   capacity and pull waiting cases in work order (priority, then age);
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
    state: RouterState,
    index: Index,
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

    /// Rebuilds a router from persisted state, validating every part.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut state = RouterState::default();
    /// state.default_queue = Some(QueueId::from_u128(1)); // no such queue
    /// assert!(Router::from_state(state).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid value, [`Error::AlreadyExists`] for a
    /// duplicated id, [`Error::NotFound`] for a reference to an unknown skill, agent
    /// or queue.
    pub fn from_state(state: RouterState) -> Result<Self> {
        let mut router = Router::new();
        for skill in state.skills {
            router.add_skill(skill)?;
        }
        for agent in state.agents {
            router.add_agent(agent)?;
        }
        // Queues may overflow into queues listed after them: add all, then check.
        for queue in &state.queues {
            router.check_queue(queue, false)?;
            if router.index.queue_pos.contains_key(&queue.id) {
                return Err(Error::AlreadyExists {
                    kind: "queue",
                    key: queue.id.to_string(),
                });
            }
            router
                .index
                .queue_pos
                .insert(queue.id, router.state.queues.len());
            let cols = router.index.queue_cols(queue);
            router.index.members.push(cols);
            router.state.queues.push(queue.clone());
        }
        router.index.rebuild_memberships();
        for queue in &router.state.queues {
            router.check_overflow(queue)?;
        }
        for rule in state.rules {
            router.add_rule(rule)?;
        }
        if let Some(q) = state.default_queue {
            router.set_default_queue(q)?;
        }
        router.state.business_hours = state.business_hours;
        for w in &state.waiting {
            router.queue_pos(w.queue)?;
            router.requirements(&w.request, 0)?;
        }
        for (case, a) in &state.assignments {
            router.queue_pos(a.queue)?;
            router.agent_pos(a.agent)?;
            if *case != a.request.case {
                return Err(Error::validation(
                    "assignments",
                    format!("entry for case {case} holds case {}", a.request.case),
                ));
            }
        }
        router.state.waiting = state.waiting;
        router
            .state
            .waiting
            .sort_by(|a, b| work_order(&a.request, &b.request));
        router.state.assignments = state.assignments;
        Ok(router)
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

    /// Sets the business hours used by rule conditions and by queues without their own.
    ///
    /// ```
    /// use hotcrm_support::{calendar::BusinessHours, routing::Router};
    /// let mut router = Router::new();
    /// router.set_business_hours(Some(BusinessHours::always_open()));
    /// assert!(router.state().business_hours.is_some());
    /// ```
    pub fn set_business_hours(&mut self, hours: Option<BusinessHours>) {
        self.state.business_hours = hours;
    }

    /// Adds a skill to the catalog.
    ///
    /// ```
    /// # use hotcrm_support::{ids::SkillId, routing::*};
    /// let mut router = Router::new();
    /// router.add_skill(Skill::new(SkillId::from_u128(1), "Java")?)?;
    /// assert!(router.add_skill(Skill::new(SkillId::from_u128(1), "Java again")?).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank name, [`Error::AlreadyExists`] for a known id.
    pub fn add_skill(&mut self, skill: Skill) -> Result<()> {
        if skill.name.trim().is_empty() {
            return Err(Error::validation("skill name", "must not be blank"));
        }
        if self.index.skill_pos.contains_key(&skill.id) {
            return Err(Error::AlreadyExists {
                kind: "skill",
                key: skill.id.to_string(),
            });
        }
        self.state.skills.push(skill);
        // The matrix stride changes: rebuild (skills are added rarely, agents often).
        self.index = Index::build(&self.state);
        Ok(())
    }

    /// Adds an agent, including their current load and history.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let ada = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?
    ///     .with_skill(AgentSkill::new(SkillId::from_u128(9), 3)?);
    /// assert!(matches!(router.add_agent(ada), Err(hotcrm_support::Error::NotFound { kind: "skill", .. })));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid agent, [`Error::NotFound`] for an unknown
    /// skill, [`Error::AlreadyExists`] for a known id. Nothing changes on error.
    pub fn add_agent(&mut self, agent: Agent) -> Result<()> {
        self.check_agent(&agent)?;
        if self.index.agent_pos.contains_key(&agent.id) {
            return Err(Error::AlreadyExists {
                kind: "agent",
                key: agent.id.to_string(),
            });
        }
        self.index.push_agent(&agent);
        self.state.agents.push(agent);
        Ok(())
    }

    /// Replaces an agent's profile (name, status, capacity, manager, skills). The
    /// router keeps its own load, open-case count and last assignment time. Waiting
    /// cases are then offered to the agent.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let ada = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?;
    /// router.add_agent(ada.clone())?;
    /// router.update_agent(ada.with_status(AgentStatus::Available), Utc::now())?;
    /// assert_eq!(router.agent(AgentId::from_u128(1)).map(|a| a.status), Some(AgentStatus::Available));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent or skill, [`Error::Validation`] for
    /// an invalid agent. Nothing changes on error.
    pub fn update_agent(
        &mut self,
        mut agent: Agent,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutingEvent>> {
        self.check_agent(&agent)?;
        let pos = self.agent_pos(agent.id)?;
        let current = self
            .state
            .agents
            .get_mut(pos)
            .ok_or_else(|| not_found("agent", agent.id))?;
        agent.load = current.load;
        agent.open_cases = current.open_cases;
        agent.last_assigned_at = current.last_assigned_at;
        *current = agent;
        let id = current.id;
        self.index.refresh(pos, current);
        Ok(self.dispatch(Some(id), now))
    }

    /// Changes an agent's presence; becoming available pulls waiting cases.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?)?;
    /// router.set_status(AgentId::from_u128(1), AgentStatus::OnBreak, Utc::now())?;
    /// assert!(router.set_status(AgentId::from_u128(2), AgentStatus::OnBreak, Utc::now()).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent.
    pub fn set_status(
        &mut self,
        agent: AgentId,
        status: AgentStatus,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutingEvent>> {
        let pos = self.agent_pos(agent)?;
        if let Some(a) = self.state.agents.get_mut(pos) {
            a.status = status;
            self.index.refresh(pos, a);
        }
        Ok(if status.accepts_work() {
            self.dispatch(Some(agent), now)
        } else {
            Vec::new()
        })
    }

    /// Removes an agent from the router and from every queue.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?)?;
    /// router.remove_agent(AgentId::from_u128(1))?;
    /// assert!(router.agent(AgentId::from_u128(1)).is_none());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent, [`Error::NotAllowed`] while the
    /// agent still holds open assignments (complete or decline them first).
    pub fn remove_agent(&mut self, agent: AgentId) -> Result<()> {
        let pos = self.agent_pos(agent)?;
        if let Some(a) = self.state.assignments.values().find(|a| a.agent == agent) {
            return Err(Error::NotAllowed {
                command: "remove agent",
                reason: format!("agent {agent} still holds case {}", a.request.case),
            });
        }
        self.state.agents.remove(pos);
        for q in &mut self.state.queues {
            q.members.retain(|m| m.agent != agent);
        }
        self.index = Index::build(&self.state);
        Ok(())
    }

    /// Adds a queue. Its members must be known agents and its overflow queue (if
    /// any) a known queue, so add overflow targets first.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?.with_overflow(QueueId::from_u128(2));
    /// assert!(router.add_queue(q).is_err()); // overflow queue unknown
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid queue, [`Error::NotFound`] for an unknown
    /// member or overflow queue, [`Error::AlreadyExists`] for a known id.
    pub fn add_queue(&mut self, queue: Queue) -> Result<()> {
        self.check_queue(&queue, true)?;
        if self.index.queue_pos.contains_key(&queue.id) {
            return Err(Error::AlreadyExists {
                kind: "queue",
                key: queue.id.to_string(),
            });
        }
        self.index
            .queue_pos
            .insert(queue.id, self.state.queues.len());
        let cols = self.index.queue_cols(&queue);
        self.index.members.push(cols);
        self.state.queues.push(queue);
        self.index.rebuild_memberships();
        Ok(())
    }

    /// Replaces a queue's definition (members, method, overflow, hours, counters).
    /// Waiting cases stay and are offered to the new members.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?;
    /// router.add_queue(q.clone())?;
    /// let mut renamed = q;
    /// renamed.name = "Tier 1".into();
    /// router.update_queue(renamed, Utc::now())?;
    /// assert_eq!(router.queue(QueueId::from_u128(1)).map(|q| q.name.as_str()), Some("Tier 1"));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Router::add_queue`], and [`Error::NotFound`] for an unknown queue.
    pub fn update_queue(&mut self, queue: Queue, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        self.check_queue(&queue, true)?;
        let pos = self.queue_pos(queue.id)?;
        let members = self.index.queue_cols(&queue);
        if let (Some(slot), Some(index_slot)) = (
            self.state.queues.get_mut(pos),
            self.index.members.get_mut(pos),
        ) {
            *slot = queue;
            *index_slot = members;
        }
        self.index.rebuild_memberships();
        Ok(self.dispatch(None, now))
    }

    /// Adds a rule; rules run by ascending `order`, ties in insertion order.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// assert!(router.add_rule(RoutingRule::new("R", 1, QueueId::from_u128(1))?).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid rule, [`Error::NotFound`] for an unknown
    /// queue or skill.
    pub fn add_rule(&mut self, rule: RoutingRule) -> Result<()> {
        rule.validate()?;
        self.queue_pos(rule.outcome.queue)?;
        for r in &rule.outcome.required {
            self.skill_col(r.skill)?;
        }
        let at = self.state.rules.partition_point(|r| r.order <= rule.order);
        self.state.rules.insert(at, rule);
        Ok(())
    }

    /// Sets the queue for cases no rule matches.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// assert!(router.set_default_queue(QueueId::from_u128(1)).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown queue.
    pub fn set_default_queue(&mut self, queue: QueueId) -> Result<()> {
        self.queue_pos(queue)?;
        self.state.default_queue = Some(queue);
        Ok(())
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

    /// Applies the rules to a request: the first active matching rule gives the
    /// queue, priority and extra required skills. A request that names its queue
    /// skips the rules; with no match the default queue is used.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::*, ids::*, routing::*};
    /// let (vip, general) = (QueueId::from_u128(1), QueueId::from_u128(2));
    /// let mut router = Router::new();
    /// router.add_queue(Queue::new(vip, "VIP", RoutingMethod::MostAvailable)?)?;
    /// router.add_queue(Queue::new(general, "General", RoutingMethod::RoundRobin)?)?;
    /// router.add_rule(RoutingRule::new("Outage", 1, vip)?.when_type(CaseType::Incident).set_priority(Priority::Critical))?;
    /// router.set_default_queue(general)?;
    /// let req = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_type(CaseType::Incident);
    /// let c = router.classify(&req, Utc::now())?;
    /// assert_eq!((c.queue, c.priority), (vip, Priority::Critical));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the request names an unknown queue,
    /// [`Error::NotAllowed`] when no rule matches and there is no default queue.
    pub fn classify(&self, request: &RoutingRequest, now: DateTime<Utc>) -> Result<Classification> {
        if let Some(queue) = request.queue {
            self.queue_pos(queue)?;
            return Ok(Classification {
                rule: None,
                queue,
                priority: request.priority,
                required: request.required.clone(),
            });
        }
        let open = open_at(self.state.business_hours.as_ref(), now);
        let text = LowerText::new(request);
        if let Some(rule) = self
            .state
            .rules
            .iter()
            .find(|r| r.matches(request, &text, open))
        {
            let mut required = request.required.clone();
            for extra in &rule.outcome.required {
                merge_requirement(&mut required, *extra);
            }
            return Ok(Classification {
                rule: Some(rule.name.clone()),
                queue: rule.outcome.queue,
                priority: rule.outcome.priority.unwrap_or(request.priority),
                required,
            });
        }
        match self.state.default_queue {
            Some(queue) => Ok(Classification {
                rule: None,
                queue,
                priority: request.priority,
                required: request.required.clone(),
            }),
            None => Err(Error::NotAllowed {
                command: "route",
                reason: format!(
                    "no routing rule matched case {} and no default queue is set",
                    request.case
                ),
            }),
        }
    }

    /// Who would get `request` in `queue` right now, with the full explanation.
    /// Changes nothing; ignores business hours and the request's own queue and
    /// rules (see [`Router::route`] for those). All optional skill groups apply.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::LeastActive)?.with_member(QueueMember::new(a)))?;
    /// let req = RoutingRequest::new(CaseId::new(), AccountId::new(), now).declined_by(a);
    /// let d = router.decide(q, &req, now, None)?;
    /// assert_eq!(d.agent(), None);
    /// assert_eq!(d.loss_reason(a), Some(LossReason::Declined));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown queue or skill, [`Error::Validation`] for
    /// an invalid request.
    pub fn decide(
        &self,
        queue: QueueId,
        request: &RoutingRequest,
        now: DateTime<Utc>,
        ai: Option<&AiSuggestion>,
    ) -> Result<RoutingDecision> {
        let qpos = self.queue_pos(queue)?;
        self.evaluate(qpos, request, 0, now, ai)
    }

    /// [`Router::decide`] with the first `dropped` optional groups already dropped.
    pub(super) fn decide_relaxed(
        &self,
        queue: QueueId,
        request: &RoutingRequest,
        dropped: usize,
        now: DateTime<Utc>,
    ) -> Result<RoutingDecision> {
        let qpos = self.queue_pos(queue)?;
        self.evaluate(qpos, request, dropped, now, None)
    }

    /// Routes a new case: classifies it, then assigns it in its queue or leaves it
    /// waiting there (`Queued`). A closed queue holds the case or overflows it, as
    /// its [`OutOfHours`] says.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// router.set_default_queue(q)?;
    /// let first = router.route(RoutingRequest::new(CaseId::from_u128(1), AccountId::new(), now), now, None)?;
    /// assert_eq!(first.decision.agent(), Some(a));
    /// let second = router.route(RoutingRequest::new(CaseId::from_u128(2), AccountId::new(), now), now, None)?;
    /// assert_eq!(second.decision.agent(), None); // Ada is at capacity: the case waits
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid request, [`Error::AlreadyExists`] when
    /// the case is already assigned or waiting, [`Error::NotFound`] for unknown
    /// queues or skills, [`Error::NotAllowed`] when no queue applies. Nothing
    /// changes on error.
    pub fn route(
        &mut self,
        mut request: RoutingRequest,
        now: DateTime<Utc>,
        ai: Option<AiSuggestion>,
    ) -> Result<RoutingOutcome> {
        request.validate()?;
        if self.state.assignments.contains_key(&request.case)
            || self
                .state
                .waiting
                .iter()
                .any(|w| w.request.case == request.case)
        {
            return Err(Error::AlreadyExists {
                kind: "routed case",
                key: request.case.to_string(),
            });
        }
        let classification = self.classify(&request, now)?;
        request.priority = classification.priority;
        request.required.clone_from(&classification.required);
        let mut qpos = self.queue_pos(classification.queue)?;
        // Validate the skills before anything changes.
        self.requirements(&request, 0)?;

        let mut events = Vec::new();
        let mut visited = Vec::new();
        // Closed queues that overflow out of hours pass the case on at once.
        while let Some((queue, false)) = self
            .state
            .queues
            .get(qpos)
            .map(|q| (q, self.is_open(q, now)))
        {
            if queue.out_of_hours != OutOfHours::Overflow {
                break;
            }
            let Some(next) = self.overflow_target(queue, &visited) else {
                break;
            };
            visited.push(queue.id);
            events.push(RoutingEvent::Overflowed {
                case: request.case,
                from: queue.id,
                to: next.1,
                at: now,
            });
            qpos = next.0;
        }

        let mut decision = self.evaluate(qpos, &request, 0, now, ai.as_ref())?;
        let queue = self
            .state
            .queues
            .get(qpos)
            .ok_or_else(|| not_found("queue", decision.queue))?;
        let held = !self.is_open(queue, now) && queue.out_of_hours != OutOfHours::RouteAnyway;
        if held {
            hold(&mut decision, &queue.name);
        }
        match decision.chosen {
            Some(c) => {
                events.push(self.assign(qpos, &decision, request, 0, visited, now));
                debug_assert_eq!(decision.agent(), Some(c.agent));
            }
            None => {
                let queue_id = decision.queue;
                let timeout = queue.relax_timeout;
                let start = if held {
                    queue
                        .hours
                        .as_ref()
                        .or(self.state.business_hours.as_ref())
                        .and_then(|h| h.next_open(now))
                        .unwrap_or(now)
                } else {
                    now
                };
                events.push(RoutingEvent::Queued {
                    case: request.case,
                    queue: queue_id,
                    at: now,
                });
                self.enqueue(WaitingCase {
                    request,
                    queue: queue_id,
                    queued_at: now,
                    next_step_at: later(start, timeout),
                    dropped: 0,
                    visited,
                    stalled: false,
                    ai,
                });
            }
        }
        Ok(RoutingOutcome {
            classification,
            decision,
            events,
        })
    }

    /// The assignee finished `case`: frees their capacity and pulls waiting cases.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// for n in 1..=2 {
    ///     router.route(RoutingRequest::new(CaseId::from_u128(n), AccountId::new(), now).in_queue(q), now, None)?;
    /// }
    /// let events = router.complete(CaseId::from_u128(1), now)?;
    /// assert!(events.iter().any(|e| matches!(e, RoutingEvent::Assigned { case, .. } if *case == CaseId::from_u128(2))));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the case has no open assignment.
    pub fn complete(&mut self, case: CaseId, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        let assignment = self.release(case)?;
        let mut events = vec![RoutingEvent::Released {
            case,
            agent: assignment.agent,
            at: now,
        }];
        events.extend(self.dispatch(Some(assignment.agent), now));
        Ok(events)
    }

    /// The assignee declined `case`: frees their capacity, excludes them from this
    /// case for good, and puts the case back in its queue with its original age
    /// (so it is pulled before younger cases of the same priority).
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// let case = CaseId::from_u128(1);
    /// router.route(RoutingRequest::new(case, AccountId::new(), now).in_queue(q), now, None)?;
    /// router.decline(case, now)?;
    /// assert!(router.waiting(q)[0].request.declined_by.contains(&a)); // Ada is never offered it again
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the case has no open assignment.
    pub fn decline(&mut self, case: CaseId, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        let assignment = self.release(case)?;
        let agent = assignment.agent;
        let timeout = self
            .queue(assignment.queue)
            .map_or(TimeDelta::minutes(5), |q| q.relax_timeout);
        let mut request = assignment.request;
        request.declined_by.insert(agent);
        self.enqueue(WaitingCase {
            request,
            queue: assignment.queue,
            queued_at: now,
            next_step_at: later(now, timeout),
            dropped: assignment.dropped,
            visited: assignment.visited,
            stalled: false,
            ai: None,
        });
        let mut events = vec![RoutingEvent::Declined {
            case,
            agent,
            at: now,
        }];
        events.extend(self.dispatch(None, now));
        Ok(events)
    }

    /// Advances the relaxation timers to `now`, in work order. For each waiting
    /// case whose timeout elapsed: drop the next optional skill group and retry;
    /// once all are dropped, after one more timeout move to the overflow queue; with
    /// nowhere left, emit `RoutingStalled` once and keep waiting. Event times are the
    /// instants the timeouts elapsed. Finally every open queue is offered its waiting
    /// cases. Calling `tick` twice with the same `now` emits nothing new.
    ///
    /// ```
    /// # use chrono::{TimeDelta, Utc}; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let q = QueueId::from_u128(1);
    /// let mut router = Router::new();
    /// router.add_queue(Queue::new(q, "Lonely", RoutingMethod::RoundRobin)?)?;
    /// router.route(RoutingRequest::new(CaseId::from_u128(1), AccountId::new(), now).in_queue(q), now, None)?;
    /// let events = router.tick(now + TimeDelta::minutes(5));
    /// assert!(matches!(events[..], [RoutingEvent::RoutingStalled { .. }]));
    /// assert!(router.tick(now + TimeDelta::minutes(60)).is_empty());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<RoutingEvent> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.state.waiting.len() {
            if self.advance_waiting(i, now, &mut events) {
                continue; // assigned and removed: the next case moved into slot i
            }
            i += 1;
        }
        events.extend(self.dispatch(None, now));
        events
    }

    // ----- internals -------------------------------------------------------------

    /// Runs the due relaxation steps of waiting case `i`; true if it got assigned.
    fn advance_waiting(
        &mut self,
        i: usize,
        now: DateTime<Utc>,
        events: &mut Vec<RoutingEvent>,
    ) -> bool {
        // Bounded: each step drops a group, leaves a queue for good, or stalls.
        let bound = self
            .state
            .waiting
            .get(i)
            .map_or(0, |w| w.request.optional_groups.len())
            + self.state.queues.len()
            + 1;
        for _ in 0..bound {
            let Some(w) = self.state.waiting.get(i) else {
                return false;
            };
            // A queue that sends its work elsewhere while closed does so at once.
            if let Some((from, to, timeout)) = self.closed_overflow(w, now) {
                let case = w.request.case;
                events.push(RoutingEvent::Overflowed {
                    case,
                    from,
                    to,
                    at: now,
                });
                if let Some(w) = self.state.waiting.get_mut(i) {
                    w.visited.push(from);
                    w.queue = to;
                    w.queued_at = now;
                    w.next_step_at = later(now, timeout);
                    w.stalled = false;
                }
                if self.try_assign_waiting(i, now, events) {
                    return true;
                }
                continue;
            }
            if w.stalled || now < w.next_step_at {
                return false;
            }
            let step_at = w.next_step_at;
            let Ok(qpos) = self.queue_pos(w.queue) else {
                return false;
            };
            let Some(queue) = self.state.queues.get(qpos) else {
                return false;
            };
            if !self.is_open(queue, now) && queue.out_of_hours == OutOfHours::Hold {
                // Timers restart when the queue opens.
                let reopen = queue
                    .hours
                    .as_ref()
                    .or(self.state.business_hours.as_ref())
                    .and_then(|h| h.next_open(now));
                let next =
                    reopen.map_or(DateTime::<Utc>::MAX_UTC, |t| later(t, queue.relax_timeout));
                if let Some(w) = self.state.waiting.get_mut(i) {
                    w.next_step_at = next;
                }
                return false;
            }
            let case = w.request.case;
            let from = queue.id;
            let groups = w.request.optional_groups.len();
            let (dropped, visited) = (w.dropped, w.visited.clone());
            let step = if dropped < groups {
                events.push(RoutingEvent::SkillGroupDropped {
                    case,
                    queue: from,
                    group: dropped,
                    at: step_at,
                });
                Step::Dropped(later(step_at, queue.relax_timeout))
            } else if let Some((to_pos, to)) = self.overflow_target(queue, &visited) {
                events.push(RoutingEvent::Overflowed {
                    case,
                    from,
                    to,
                    at: step_at,
                });
                let timeout = self
                    .state
                    .queues
                    .get(to_pos)
                    .map_or(queue.relax_timeout, |q| q.relax_timeout);
                Step::Moved(to, later(step_at, timeout))
            } else {
                events.push(RoutingEvent::RoutingStalled {
                    case,
                    queue: from,
                    at: step_at,
                });
                Step::Stalled
            };
            let Some(w) = self.state.waiting.get_mut(i) else {
                return false;
            };
            match step {
                Step::Dropped(next) => {
                    w.dropped += 1;
                    w.next_step_at = next;
                }
                Step::Moved(to, next) => {
                    w.visited.push(from);
                    w.queue = to;
                    w.queued_at = step_at;
                    w.next_step_at = next;
                }
                Step::Stalled => {
                    w.stalled = true;
                    return false;
                }
            }
            if self.try_assign_waiting(i, now, events) {
                return true;
            }
        }
        false
    }

    /// Where a waiting case goes right now because its queue is closed and
    /// overflows out of hours: `(from, to, the target's relax timeout)`.
    fn closed_overflow(
        &self,
        w: &WaitingCase,
        now: DateTime<Utc>,
    ) -> Option<(QueueId, QueueId, TimeDelta)> {
        let queue = self.queue(w.queue)?;
        if queue.out_of_hours != OutOfHours::Overflow || self.is_open(queue, now) {
            return None;
        }
        let (to_pos, to) = self.overflow_target(queue, &w.visited)?;
        let timeout = self
            .state
            .queues
            .get(to_pos)
            .map_or(queue.relax_timeout, |q| q.relax_timeout);
        Some((queue.id, to, timeout))
    }

    /// Offers waiting case `i` to its queue; assigns and removes it on success.
    fn try_assign_waiting(
        &mut self,
        i: usize,
        now: DateTime<Utc>,
        events: &mut Vec<RoutingEvent>,
    ) -> bool {
        let Some(w) = self.state.waiting.get(i) else {
            return false;
        };
        let Ok(qpos) = self.queue_pos(w.queue) else {
            return false;
        };
        let Some(queue) = self.state.queues.get(qpos) else {
            return false;
        };
        if !self.is_open(queue, now) && queue.out_of_hours != OutOfHours::RouteAnyway {
            return false;
        }
        let Ok(decision) = self.evaluate(qpos, &w.request, w.dropped, now, w.ai.as_ref()) else {
            return false;
        };
        if decision.chosen.is_none() {
            return false;
        }
        let w = self.state.waiting.remove(i);
        events.push(self.assign(qpos, &decision, w.request, w.dropped, w.visited, now));
        true
    }

    /// Offers waiting cases, in work order, to their queues (only queues that
    /// `agent` belongs to, when given).
    fn dispatch(&mut self, agent: Option<AgentId>, now: DateTime<Utc>) -> Vec<RoutingEvent> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.state.waiting.len() {
            // Only this agent's capacity changed: once they cannot take more work,
            // nothing else can change either.
            if let Some(a) = agent.and_then(|a| self.agent(a)) {
                if !a.status.accepts_work() || a.spare() == 0 {
                    break;
                }
            }
            let relevant = match (agent, self.state.waiting.get(i)) {
                (Some(a), Some(w)) => self.index.queue_pos.get(&w.queue).is_some_and(|&q| {
                    self.index
                        .agent_pos
                        .get(&a)
                        .and_then(|p| self.index.memberships.get(*p))
                        .is_some_and(|list| list.iter().any(|&(mq, _)| mq == q))
                }),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if relevant && self.try_assign_waiting(i, now, &mut events) {
                continue;
            }
            i += 1;
        }
        events
    }

    fn enqueue(&mut self, waiting: WaitingCase) {
        let at = self.state.waiting.partition_point(|w| {
            work_order(&w.request, &waiting.request) != std::cmp::Ordering::Greater
        });
        self.state.waiting.insert(at, waiting);
    }

    /// Applies a decision with a chosen agent: load, counters, cursor, assignment.
    fn assign(
        &mut self,
        qpos: usize,
        decision: &RoutingDecision,
        request: RoutingRequest,
        dropped: usize,
        visited: Vec<QueueId>,
        now: DateTime<Utc>,
    ) -> RoutingEvent {
        let case = request.case;
        let queue_id = decision.queue;
        let Some(agent_id) = decision.agent() else {
            return RoutingEvent::Queued {
                case,
                queue: queue_id,
                at: now,
            };
        };
        let mut cost = 1;
        if let Some(&pos) = self.index.agent_pos.get(&agent_id) {
            if let Some(agent) = self.state.agents.get_mut(pos) {
                cost = agent.capacity.cost_of(request.origin);
                agent.load = agent.load.saturating_add(cost);
                agent.open_cases = agent.open_cases.saturating_add(1);
                agent.last_assigned_at = Some(now);
                self.index.refresh(pos, agent);
            }
        }
        if let Some(queue) = self.state.queues.get_mut(qpos) {
            queue.turn = queue.turn.saturating_add(1);
            let turn = queue.turn;
            if let Some(m) = queue.members.iter_mut().find(|m| m.agent == agent_id) {
                m.last_turn = turn;
                m.served = m.served.saturating_add(1);
            }
        }
        self.state.assignments.insert(
            case,
            OpenAssignment {
                request,
                agent: agent_id,
                queue: queue_id,
                cost,
                dropped,
                visited,
                assigned_at: now,
            },
        );
        RoutingEvent::Assigned {
            case,
            queue: queue_id,
            agent: agent_id,
            method: decision.method,
            at: now,
        }
    }

    /// Removes an open assignment and gives its capacity back.
    fn release(&mut self, case: CaseId) -> Result<OpenAssignment> {
        let assignment = self
            .state
            .assignments
            .remove(&case)
            .ok_or_else(|| not_found("assignment", case))?;
        if let Some(&pos) = self.index.agent_pos.get(&assignment.agent) {
            if let Some(agent) = self.state.agents.get_mut(pos) {
                agent.load = agent.load.saturating_sub(assignment.cost);
                agent.open_cases = agent.open_cases.saturating_sub(1);
                self.index.refresh(pos, agent);
            }
        }
        Ok(assignment)
    }

    fn is_open(&self, queue: &Queue, now: DateTime<Utc>) -> bool {
        open_at(
            queue.hours.as_ref().or(self.state.business_hours.as_ref()),
            now,
        )
    }

    fn overflow_target(&self, queue: &Queue, visited: &[QueueId]) -> Option<(usize, QueueId)> {
        let to = queue.overflow?;
        if to == queue.id || visited.contains(&to) {
            return None;
        }
        self.index.queue_pos.get(&to).map(|&p| (p, to))
    }

    fn queue_pos(&self, id: QueueId) -> Result<usize> {
        self.index
            .queue_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("queue", id))
    }

    fn agent_pos(&self, id: AgentId) -> Result<usize> {
        self.index
            .agent_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("agent", id))
    }

    fn skill_col(&self, id: SkillId) -> Result<usize> {
        self.index
            .skill_pos
            .get(&id)
            .copied()
            .ok_or_else(|| not_found("skill", id))
    }

    fn check_agent(&self, agent: &Agent) -> Result<()> {
        agent.validate()?;
        for s in &agent.skills {
            self.skill_col(s.skill)?;
        }
        Ok(())
    }

    fn check_queue(&self, queue: &Queue, check_overflow: bool) -> Result<()> {
        queue.validate()?;
        for m in &queue.members {
            self.agent_pos(m.agent)?;
        }
        if check_overflow {
            self.check_overflow(queue)?;
        }
        Ok(())
    }

    fn check_overflow(&self, queue: &Queue) -> Result<()> {
        match queue.overflow {
            Some(to) if !self.index.queue_pos.contains_key(&to) => Err(not_found("queue", to)),
            _ => Ok(()),
        }
    }

    /// The requirements in force after `dropped` groups, resolved to columns, and
    /// the skills that count towards the match score.
    fn requirements(
        &self,
        request: &RoutingRequest,
        dropped: usize,
    ) -> Result<(Vec<SkillRequirement>, Vec<Need>, Vec<Scored>)> {
        let mut applied = request.required.clone();
        for group in request.optional_groups.iter().skip(dropped) {
            for r in group {
                merge_requirement(&mut applied, *r);
            }
        }
        let mut needs = Vec::with_capacity(applied.len());
        for r in &applied {
            let col = self.skill_col(r.skill)?;
            let cert = self.index.skill_cert.get(col).copied().unwrap_or(false);
            needs.push(Need {
                col,
                skill: r.skill,
                level: r.min_level.get(),
                cert,
            });
        }
        let mut scored: Vec<Scored> = Vec::with_capacity(needs.len());
        let weighted = request
            .required
            .iter()
            .map(|r| (r.skill, REQUIRED_WEIGHT))
            .chain(
                request
                    .optional_groups
                    .iter()
                    .flatten()
                    .map(|r| (r.skill, 1)),
            );
        for (skill, weight) in weighted {
            let col = self.skill_col(skill)?;
            match scored.iter_mut().find(|s| s.col == col) {
                Some(s) => s.weight = s.weight.max(weight),
                None => {
                    let cert = self.index.skill_cert.get(col).copied().unwrap_or(false);
                    scored.push(Scored {
                        col,
                        skill,
                        weight,
                        cert,
                    });
                }
            }
        }
        Ok((applied, needs, scored))
    }

    /// The agent's effective level in a skill today (0 when missing or when a
    /// required certification is not current).
    #[inline]
    fn level(&self, pos: usize, col: usize, skill: SkillId, cert: bool, today: NaiveDate) -> u8 {
        let n = self.index.n_skills();
        let level = self.index.prof.get(pos * n + col).copied().unwrap_or(0);
        if cert && level > 0 {
            let certified = self
                .state
                .agents
                .get(pos)
                .and_then(|a| a.skill(skill))
                .is_some_and(|s| s.is_certified_on(today));
            if !certified {
                return 0;
            }
        }
        level
    }

    fn points(&self, pos: usize, scored: &[Scored], today: NaiveDate) -> u32 {
        scored
            .iter()
            .map(|s| s.weight * u32::from(self.level(pos, s.col, s.skill, s.cert, today)))
            .sum()
    }

    /// The decision function. Pure: reads state only.
    fn evaluate(
        &self,
        qpos: usize,
        request: &RoutingRequest,
        dropped: usize,
        now: DateTime<Utc>,
        ai: Option<&AiSuggestion>,
    ) -> Result<RoutingDecision> {
        let queue = self.state.queues.get(qpos).ok_or_else(|| Error::NotFound {
            kind: "queue",
            id: format!("#{qpos}"),
        })?;
        let empty = QueueCols::default();
        let cols = self.index.members.get(qpos).unwrap_or(&empty);
        let member_pos = cols.pos.as_slice();
        let (applied, needs, scored) = self.requirements(request, dropped)?;
        let max_points: u32 = scored.iter().map(|s| s.weight * 5).sum();
        let today = now.date_naive();
        let origin = (request.origin as usize).min(ORIGINS - 1);
        let method = queue.method;
        let wants_points = matches!(
            method,
            RoutingMethod::SkillBased | RoutingMethod::AiAssisted
        );
        let check_declined = !request.declined_by.is_empty();

        let ix = &self.index;
        let n_members = member_pos.len().min(queue.members.len());

        // Pass 1, branch-light: classify every member into one bucket. Random
        // eligibility makes per-member branches unpredictable, so the reasons are
        // folded into flags and the highest-priority reason picked by table.
        let plain_needs: Vec<(usize, u8)> = needs
            .iter()
            .filter(|n| !n.cert)
            .map(|n| (n.col, n.level))
            .collect();
        let cert_needs: Vec<Need> = needs.iter().filter(|n| n.cert).copied().collect();
        let plain_scored: Vec<(usize, u32)> = scored
            .iter()
            .filter(|s| !s.cert)
            .map(|s| (s.col, s.weight))
            .collect();
        let cert_scored: Vec<Scored> = scored.iter().filter(|s| s.cert).copied().collect();
        let cost_col = cols.costs.get(origin).map_or(&[][..], Vec::as_slice);
        let stride = ix.stride();
        let pos_of = |i: usize| member_pos.get(i).map_or(usize::MAX, |&p| p as usize);

        let mut codes: Vec<u8> = Vec::with_capacity(n_members);
        let mut counts = [0usize; CODES];
        let n_members = n_members
            .min(cols.status.len())
            .min(cols.load.len())
            .min(cols.limit.len())
            .min(cost_col.len())
            .min(cols.prof.len() / stride);
        let (status_col, load_col, limit_col) = (
            cols.status.get(..n_members).unwrap_or(&[]),
            cols.load.get(..n_members).unwrap_or(&[]),
            cols.limit.get(..n_members).unwrap_or(&[]),
        );
        let (cost_col, prof) = (
            cost_col.get(..n_members).unwrap_or(&[]),
            cols.prof.get(..n_members * stride).unwrap_or(&[]),
        );
        if cert_needs.is_empty() && !check_declined {
            classify_columns(
                MemberColumns {
                    status: status_col,
                    load: load_col,
                    limit: limit_col,
                    cost: cost_col,
                    prof,
                    stride,
                },
                &cols.prof_t,
                cols.pos.len(),
                &plain_needs,
                &mut codes,
                &mut counts,
            );
        } else {
            for i in 0..n_members {
                let (Some(status), Some(&load), Some(&limit), Some(&cost)) = (
                    status_col.get(i),
                    load_col.get(i),
                    limit_col.get(i),
                    cost_col.get(i),
                ) else {
                    break;
                };
                let over = load.saturating_add(cost) > limit;
                let base = i * stride;
                let mut missing = false;
                for &(col, min) in &plain_needs {
                    missing |= prof.get(base + col).copied().unwrap_or(0) < min;
                }
                let pos = pos_of(i);
                for n in &cert_needs {
                    missing |= self.level(pos, n.col, n.skill, true, today) < n.level;
                }
                let declined = check_declined
                    && ix
                        .ids
                        .get(pos)
                        .is_some_and(|id| request.declined_by.contains(id));
                let code = reason_code(declined, !status.accepts_work(), over, missing);
                if let Some(n) = counts.get_mut(usize::from(code)) {
                    *n += 1;
                }
                codes.push(code);
            }
        }
        let n_members = codes.len();

        // Counting sort of member indices by bucket (stable: member order within).
        let mut starts = [0usize; CODES];
        let mut acc = 0;
        for (start, count) in starts.iter_mut().zip(counts) {
            *start = acc;
            acc += count;
        }
        let bounds = starts;
        let mut order: Vec<u32> = vec![0; n_members];
        // Member indices are u32 like agent positions (a queue never holds 2^32
        // members); codes are below CODES, a power of two, so the mask is a no-op.
        let mut i: u32 = 0;
        for &c in &codes {
            if let Some(next) = starts.get_mut(usize::from(c) & (CODES - 1)) {
                if let Some(slot) = order.get_mut(*next) {
                    *slot = i;
                }
                *next += 1;
            }
            i = i.wrapping_add(1);
        }
        let bucket = |code: u8| {
            let from = bounds.get(usize::from(code)).copied().unwrap_or(0);
            let len = counts.get(usize::from(code)).copied().unwrap_or(0);
            order.get(from..from + len).unwrap_or(&[])
        };

        // Pass 2: rank the eligible.
        let eligible_members = bucket(CODE_ELIGIBLE);
        let mut eligible: Vec<Ranked> = Vec::with_capacity(eligible_members.len());
        let ranking = Ranking {
            method,
            cols,
            members: &queue.members,
            open_cases: &ix.open_cases,
            tie: &ix.tie,
            stride,
            scored: &plain_scored,
        };
        let best = if cert_scored.is_empty() {
            ranking.rank(eligible_members, |_| 0, &mut eligible)
        } else {
            ranking.rank(
                eligible_members,
                |pos| {
                    cert_scored
                        .iter()
                        .map(|sc| {
                            sc.weight * u32::from(self.level(pos, sc.col, sc.skill, true, today))
                        })
                        .sum()
                },
                &mut eligible,
            )
        };
        let mut best: Option<usize> = best;

        // Pass 3: the few numbers the ineligible reasons need, bucket by bucket;
        // the rejections themselves are built on demand from the decision.
        let full: Vec<(u32, u32, u32)> = bucket(CODE_FULL)
            .iter()
            .map(|&i| {
                let m = i as usize;
                (
                    cols.load.get(m).copied().unwrap_or(0),
                    cost_col.get(m).copied().unwrap_or(0),
                    cols.limit.get(m).copied().unwrap_or(0),
                )
            })
            .collect();
        let unskilled = Unskilled {
            cols,
            stride,
            needs: &needs,
        };
        let mut missing: Vec<(u16, u8)> = Vec::new();
        if cert_needs.is_empty() {
            missing = first_missing(&cols.prof, stride, &plain_needs, bucket(CODE_UNSKILLED));
        } else {
            missing.reserve(bucket(CODE_UNSKILLED).len());
            unskilled.explain(
                bucket(CODE_UNSKILLED),
                |pos, n: &Need| self.level(pos, n.col, n.skill, true, today),
                &mut missing,
            );
        }
        let mut rejected = Rejections::from_parts(RejectionParts {
            ids: Arc::clone(&cols.ids),
            codes,
            status: cols.status.get(..n_members).unwrap_or(&[]).to_vec(),
            full,
            unskilled: missing,
            needs: needs.iter().map(|n| (n.skill, n.level)).collect(),
            eligible: Vec::new(),
            winner: None,
            ai_won: false,
        });

        // AI-assisted: accept the suggestion only if it is eligible and confident.
        let mut used = method;
        let mut verdict = None;
        if method == RoutingMethod::AiAssisted {
            used = RoutingMethod::SkillBased;
            verdict = Some(match ai {
                None => AiVerdict::Missing,
                Some(s)
                    if !(s.confidence >= queue.ai_confidence_threshold && s.confidence <= 1.0) =>
                {
                    AiVerdict::LowConfidence {
                        confidence: s.confidence,
                        threshold: queue.ai_confidence_threshold,
                    }
                }
                Some(s) => match eligible
                    .iter()
                    .position(|r| ix.ids.get(r.pos()) == Some(&s.agent))
                {
                    Some(i) => {
                        best = Some(i);
                        used = RoutingMethod::AiAssisted;
                        AiVerdict::Accepted {
                            confidence: s.confidence,
                        }
                    }
                    None => match rejected.iter().find(|r| r.agent == s.agent) {
                        Some(r) => AiVerdict::NotEligible { reason: r.reason },
                        None => AiVerdict::NotAMember,
                    },
                },
            });
        }

        let winner = best.and_then(|b| eligible.get(b)).copied();
        let runners = runners_up(&eligible, winner, &ix.tie);

        let candidate = |r: &Ranked| {
            let points = if wants_points {
                // SkillBased and AiAssisted rank by the points themselves.
                u32::try_from(r.primary()).unwrap_or(0)
            } else {
                self.points(r.pos(), &scored, today)
            };
            Candidate {
                agent: ix
                    .ids
                    .get(r.pos())
                    .copied()
                    .unwrap_or(AgentId::from_u128(0)),
                score: r.primary(),
                skill_match: skill_match(points, max_points),
                load: ix.load.get(r.pos()).copied().unwrap_or(0),
                limit: ix.limit.get(r.pos()).copied().unwrap_or(0),
                last_assigned_at: self
                    .state
                    .agents
                    .get(r.pos())
                    .and_then(|a| a.last_assigned_at),
            }
        };
        let chosen = winner.as_ref().map(candidate);
        let runners_up: Vec<Candidate> = runners.iter().map(candidate).collect();
        let n_eligible = eligible.len();
        rejected.set_eligible(eligible, best, used == RoutingMethod::AiAssisted);
        let reasoning = self.reasoning(
            queue,
            used,
            chosen.as_ref(),
            runners_up.first(),
            &rejected,
            n_eligible,
            verdict,
            ai,
        );
        let cursor = chosen.map(|c| QueueCursor {
            queue: queue.id,
            turn: queue.turn.saturating_add(1),
            agent: c.agent,
        });

        Ok(RoutingDecision {
            case: request.case,
            queue: queue.id,
            method: used,
            score: chosen.map(|c| c.score),
            skill_match: chosen.map(|c| c.skill_match),
            chosen,
            reasoning,
            runners_up,
            rejected,
            eligible: n_eligible,
            applied_requirements: applied,
            dropped_groups: dropped,
            ai: verdict,
            cursor,
            at: now,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn reasoning(
        &self,
        queue: &Queue,
        used: RoutingMethod,
        chosen: Option<&Candidate>,
        runner_up: Option<&Candidate>,
        rejected: &Rejections,
        eligible: usize,
        verdict: Option<AiVerdict>,
        ai: Option<&AiSuggestion>,
    ) -> String {
        let name = |id: AgentId| self.agent(id).map_or("?", |a| a.name.as_str());
        let mut s = String::with_capacity(160);
        match (verdict, ai) {
            (Some(AiVerdict::Accepted { confidence }), Some(ai)) => {
                let _ = write!(
                    s,
                    "AI suggestion accepted (confidence {confidence:.2}): {}. ",
                    ai.reason
                );
            }
            (
                Some(AiVerdict::LowConfidence {
                    confidence,
                    threshold,
                }),
                _,
            ) => {
                let _ = write!(
                    s,
                    "AI suggestion rejected: confidence {confidence:.2} below {threshold:.2}; falling back to Skill Based. "
                );
            }
            (Some(AiVerdict::NotEligible { reason }), Some(ai)) => {
                let _ = write!(
                    s,
                    "AI suggestion {} rejected: {reason}; falling back to Skill Based. ",
                    name(ai.agent)
                );
            }
            (Some(AiVerdict::NotAMember), Some(ai)) => {
                let _ = write!(
                    s,
                    "AI suggestion {} rejected: not a member of {}; falling back to Skill Based. ",
                    ai.agent, queue.name
                );
            }
            (Some(AiVerdict::Missing), _) => s.push_str("No AI suggestion; using Skill Based. "),
            _ => {}
        }
        let members = queue.members.len();
        match chosen {
            Some(c) => {
                let _ = write!(
                    s,
                    "{used} in {}: chose {} (skill match {}/100, load {}/{}, score {}); {eligible} of {members} members eligible",
                    queue.name,
                    name(c.agent),
                    c.skill_match,
                    c.load,
                    c.limit,
                    c.score
                );
                if let Some(r) = runner_up {
                    let _ = write!(
                        s,
                        "; runner-up {} (skill match {}/100, score {})",
                        name(r.agent),
                        r.skill_match,
                        r.score
                    );
                }
                s.push('.');
            }
            None => {
                let mut counts = [0usize; 4];
                for r in rejected {
                    let slot = match r.reason {
                        LossReason::Unavailable { .. } => 0,
                        LossReason::AtCapacity { .. } => 1,
                        LossReason::MissingSkill { .. } => 2,
                        _ => 3,
                    };
                    if let Some(c) = counts.get_mut(slot) {
                        *c += 1;
                    }
                }
                let [unavailable, full, unskilled, declined] = counts;
                let _ = write!(
                    s,
                    "{used} in {}: no eligible agent among {members} members ({unavailable} unavailable, {full} at capacity, {unskilled} missing skills, {declined} declined).",
                    queue.name
                );
            }
        }
        s
    }
}

enum Step {
    Dropped(DateTime<Utc>),
    Moved(QueueId, DateTime<Utc>),
    Stalled,
}

/// Turns a decision into "held": nobody is assigned while the queue is closed.
fn hold(decision: &mut RoutingDecision, queue_name: &str) {
    if let Some(c) = decision.chosen.take() {
        decision.rejected.push(Rejection {
            agent: c.agent,
            reason: LossReason::QueueClosed,
        });
    }
    decision.score = None;
    decision.skill_match = None;
    decision.cursor = None;
    decision.reasoning = format!(
        "{queue_name} is closed; the case is held until it opens. {}",
        decision.reasoning
    );
}

/// The member columns pass 1 reads, already cut to the same length.
#[derive(Debug, Clone, Copy)]
struct MemberColumns<'a> {
    status: &'a [AgentStatus],
    load: &'a [u32],
    limit: &'a [u32],
    cost: &'a [u32],
    prof: &'a [u8],
    stride: usize,
}

/// The bucket of the highest-priority reason a member cannot take the case.
#[inline]
fn reason_code(declined: bool, unavailable: bool, over: bool, missing: bool) -> u8 {
    let flags = usize::from(declined) << 3
        | usize::from(unavailable) << 2
        | usize::from(over) << 1
        | usize::from(missing);
    REASON_BY_FLAGS
        .get(flags & 15)
        .copied()
        .unwrap_or(CODE_DECLINED)
}

/// Pass 1 of the decision for the common case (no certified skills, nobody
/// declined), column by column so every loop is a straight pass over contiguous
/// slices: the status and capacity flags, then one skill-major proficiency
/// column (`prof_t`, `members` long per skill) per requirement, then the flags
/// to buckets and the bucket counts.
#[inline(never)]
fn classify_columns(
    cols: MemberColumns<'_>,
    prof_t: &[u8],
    members: usize,
    needs: &[(usize, u8)],
    codes: &mut Vec<u8>,
    counts: &mut [usize; CODES],
) {
    let n = cols
        .status
        .len()
        .min(cols.load.len())
        .min(cols.limit.len())
        .min(cols.cost.len())
        .min(cols.prof.len() / cols.stride.max(1))
        .min(members);
    codes.clear();
    codes.resize(n, 0);
    let rows = cols
        .status
        .iter()
        .zip(cols.load)
        .zip(cols.limit)
        .zip(cols.cost);
    for (code, (((status, &load), &limit), &cost)) in codes.iter_mut().zip(rows) {
        *code = u8::from(!status.accepts_work()) << 2
            | u8::from(load.saturating_add(cost) > limit) << 1;
    }
    for &(col, min) in needs {
        match prof_t
            .get(col.saturating_mul(members)..)
            .and_then(|c| c.get(..n))
        {
            Some(column) => {
                for (code, &level) in codes.iter_mut().zip(column) {
                    *code |= u8::from(level < min);
                }
            }
            None => codes.iter_mut().for_each(|code| *code |= 1),
        }
    }
    for code in codes.iter_mut() {
        let flags = *code;
        *code = if flags & 4 != 0 {
            CODE_UNAVAILABLE
        } else if flags & 2 != 0 {
            CODE_FULL
        } else if flags & 1 != 0 {
            CODE_UNSKILLED
        } else {
            CODE_ELIGIBLE
        };
    }
    // Per-bucket counts as plain byte-compare sums (vectorizes; at most 5 buckets).
    for (k, count) in (0_u8..).zip(counts.iter_mut()) {
        *count = if k <= CODE_UNSKILLED {
            codes.chunks(255).fold(0, |acc, chunk| {
                acc + usize::from(chunk.iter().fold(0_u8, |a, &c| a + u8::from(c == k)))
            })
        } else {
            0
        };
    }
}

fn fixed_scored<const N: usize>(scored: &[(usize, u32)]) -> [(usize, u32); N] {
    let mut out = [(0, 0); N];
    for (slot, s) in out.iter_mut().zip(scored) {
        *slot = *s;
    }
    out
}

/// Pass 2 of the decision: what ranking the eligible members needs, as plain
/// slices, so the loop keeps its values in registers.
#[derive(Debug, Clone, Copy)]
struct Ranking<'a> {
    method: RoutingMethod,
    cols: &'a QueueCols,
    members: &'a [super::queue::QueueMember],
    open_cases: &'a [u32],
    tie: &'a [(i64, u128)],
    stride: usize,
    scored: &'a [(usize, u32)],
}

impl Ranking<'_> {
    /// Ranks the members at `indices` into `out`; returns the index in `out` of the best.
    #[inline(never)]
    fn rank(
        &self,
        indices: &[u32],
        extra_points: impl Fn(usize) -> u32,
        out: &mut Vec<Ranked>,
    ) -> Option<usize> {
        let cols = self.cols;
        let ratio = |i: usize| -i64::from(cols.ratio_ppm.get(i).copied().unwrap_or(u32::MAX));
        // One monomorphic loop per method, so the per-member work has no dispatch.
        match self.method {
            RoutingMethod::SkillBased | RoutingMethod::AiAssisted => match self.scored.len() {
                1 => self.rank_points(indices, out, fixed_scored::<1>(self.scored), extra_points),
                2 => self.rank_points(indices, out, fixed_scored::<2>(self.scored), extra_points),
                3 => self.rank_points(indices, out, fixed_scored::<3>(self.scored), extra_points),
                _ => {
                    let stride = self.stride.max(1);
                    let scored = self.scored;
                    self.rank_by(indices, out, |i, pos| {
                        let base = i * stride;
                        let points = scored
                            .iter()
                            .map(|&(col, w)| {
                                w * u32::from(cols.prof.get(base + col).copied().unwrap_or(0))
                            })
                            .sum::<u32>()
                            + extra_points(pos);
                        (i64::from(points), ratio(i), points)
                    })
                }
            },
            RoutingMethod::RoundRobin => self.rank_by(indices, out, |i, _| {
                (
                    -to_i64(self.members.get(i).map_or(0, |m| m.last_turn)),
                    0,
                    0,
                )
            }),
            RoutingMethod::LeastActive => self.rank_by(indices, out, |_, pos| {
                (
                    -i64::from(self.open_cases.get(pos).copied().unwrap_or(0)),
                    0,
                    0,
                )
            }),
            RoutingMethod::MostAvailable => self.rank_by(indices, out, |i, _| {
                let load = cols.load.get(i).copied().unwrap_or(0);
                let limit = cols.limit.get(i).copied().unwrap_or(1).max(1);
                (i64::from(limit.saturating_sub(load)), ratio(i), 0)
            }),
            RoutingMethod::Weighted => self.rank_by(indices, out, |i, _| {
                let (served, weight) = self
                    .members
                    .get(i)
                    .map_or((0, 1), |m| (m.served, m.weight.get()));
                let pass =
                    to_i64(served.saturating_add(1)).saturating_mul(STRIDE) / i64::from(weight);
                (-pass, 0, 0)
            }),
        }
    }

    /// SkillBased ranking with the scored skills unrolled.
    fn rank_points<const N: usize>(
        &self,
        indices: &[u32],
        out: &mut Vec<Ranked>,
        scored: [(usize, u32); N],
        extra_points: impl Fn(usize) -> u32,
    ) -> Option<usize> {
        let cols = self.cols;
        let stride = self.stride.max(1);
        self.rank_by(indices, out, |i, pos| {
            let base = i * stride;
            let mut points = extra_points(pos);
            for (col, w) in scored {
                points += w * u32::from(cols.prof.get(base + col).copied().unwrap_or(0));
            }
            let ratio = -i64::from(cols.ratio_ppm.get(i).copied().unwrap_or(u32::MAX));
            (i64::from(points), ratio, points)
        })
    }

    /// The ranking loop for one method: `key(member index, agent position)` gives
    /// `(primary, secondary, points)`.
    #[inline(always)]
    fn rank_by(
        &self,
        indices: &[u32],
        out: &mut Vec<Ranked>,
        key: impl Fn(usize, usize) -> (i64, i64, u32),
    ) -> Option<usize> {
        let cols = self.cols;
        let tie_of = |pos: usize| self.tie.get(pos).copied().unwrap_or((i64::MAX, u128::MAX));
        let mut best: Option<(usize, (i64, u32), usize)> = None;
        out.reserve(indices.len());
        for &i in indices {
            let i = i as usize;
            let pos = cols.pos.get(i).map_or(usize::MAX, |&p| p as usize);
            let (primary, secondary, _points) = key(i, pos);
            let ranked = Ranked::new(pos, primary, secondary);
            let better = match best {
                None => true,
                Some((_, k, best_pos)) => {
                    ranked.key() > k || (ranked.key() == k && tie_of(pos) < tie_of(best_pos))
                }
            };
            if better {
                best = Some((out.len(), ranked.key(), pos));
            }
            out.push(ranked);
        }
        best.map(|(index, _, _)| index)
    }
}

/// The best eligible members after the winner, best first.
#[inline(never)]
fn runners_up(eligible: &[Ranked], winner: Option<Ranked>, tie: &[(i64, u128)]) -> Vec<Ranked> {
    let tie_of = |r: &Ranked| tie.get(r.pos()).copied().unwrap_or((i64::MAX, u128::MAX));
    let beats =
        |a: &Ranked, b: &Ranked| a.key() > b.key() || (a.key() == b.key() && tie_of(a) < tie_of(b));
    let winner_pos = winner.map(|w| w.pos);
    let mut runners: Vec<Ranked> = Vec::with_capacity(RUNNERS_UP + 1);
    // Below this key a member cannot enter a full list of runners-up.
    let mut floor = (i64::MIN, 0);
    for r in eligible {
        if r.key() < floor || winner_pos == Some(r.pos) {
            continue;
        }
        if runners.len() < RUNNERS_UP || runners.last().is_some_and(|x| beats(r, x)) {
            let at = runners.partition_point(|x| beats(x, r));
            runners.insert(at, *r);
            runners.truncate(RUNNERS_UP);
            if runners.len() == RUNNERS_UP {
                floor = runners.last().map_or((i64::MIN, 0), Ranked::key);
            }
        }
    }
    runners
}

/// Explains members who miss a skill: the first requirement they fail.
#[derive(Debug, Clone, Copy)]
struct Unskilled<'a> {
    cols: &'a QueueCols,
    stride: usize,
    needs: &'a [Need],
}

impl Unskilled<'_> {
    /// `cert_level(pos, need)` gives the effective level of a certified skill.
    #[inline(never)]
    fn explain(
        &self,
        indices: &[u32],
        cert_level: impl Fn(usize, &Need) -> u8,
        out: &mut Vec<(u16, u8)>,
    ) {
        for &i in indices {
            let m = i as usize;
            let pos = self.cols.pos.get(m).map_or(usize::MAX, |&p| p as usize);
            let row = self
                .cols
                .prof
                .get(m * self.stride..(m + 1) * self.stride)
                .unwrap_or(&[]);
            let first = self.needs.iter().enumerate().find_map(|(k, n)| {
                let actual = if n.cert {
                    cert_level(pos, n)
                } else {
                    row.get(n.col).copied().unwrap_or(0)
                };
                (actual < n.level).then_some((u16::try_from(k).unwrap_or(u16::MAX), actual))
            });
            out.push(first.unwrap_or((u16::MAX, 0)));
        }
    }
}

/// For members missing a plain (uncertified) skill: the index in `needs` of the
/// first requirement they fail, and their level in it.
#[inline(never)]
fn first_missing(
    prof: &[u8],
    stride: usize,
    needs: &[(usize, u8)],
    indices: &[u32],
) -> Vec<(u16, u8)> {
    match needs.len() {
        1 => first_missing_fixed::<1>(prof, stride, fixed(needs), indices),
        2 => first_missing_fixed::<2>(prof, stride, fixed(needs), indices),
        3 => first_missing_fixed::<3>(prof, stride, fixed(needs), indices),
        _ => first_missing_slice(prof, stride, needs, indices),
    }
}

fn fixed<const N: usize>(needs: &[(usize, u8)]) -> [(usize, u8); N] {
    let mut out = [(0, 0); N];
    for (slot, need) in out.iter_mut().zip(needs) {
        *slot = *need;
    }
    out
}

/// [`first_missing`] with the requirements unrolled.
fn first_missing_fixed<const N: usize>(
    prof: &[u8],
    stride: usize,
    needs: [(usize, u8); N],
    indices: &[u32],
) -> Vec<(u16, u8)> {
    indices
        .iter()
        .map(|&i| {
            let base = i as usize * stride;
            let mut first = (u16::MAX, 0);
            // In reverse, so the earliest failed requirement is kept.
            for (k, (col, min)) in needs.into_iter().enumerate().rev() {
                let actual = prof.get(base + col).copied().unwrap_or(0);
                if actual < min {
                    first = (u16::try_from(k).unwrap_or(u16::MAX), actual);
                }
            }
            first
        })
        .collect()
}

fn first_missing_slice(
    prof: &[u8],
    stride: usize,
    needs: &[(usize, u8)],
    indices: &[u32],
) -> Vec<(u16, u8)> {
    indices
        .iter()
        .map(|&i| {
            let base = i as usize * stride;
            needs
                .iter()
                .zip(0_u16..)
                .find_map(|(&(col, min), k)| {
                    let actual = prof.get(base + col).copied().unwrap_or(0);
                    (actual < min).then_some((k, actual))
                })
                .unwrap_or((u16::MAX, 0))
        })
        .collect()
}

/// The work order: priority (most urgent first), then age (oldest first), then id.
fn work_order(a: &RoutingRequest, b: &RoutingRequest) -> std::cmp::Ordering {
    (a.priority, a.created_at, a.case).cmp(&(b.priority, b.created_at, b.case))
}

fn merge_requirement(list: &mut Vec<SkillRequirement>, r: SkillRequirement) {
    match list.iter_mut().find(|x| x.skill == r.skill) {
        Some(x) => x.min_level = x.min_level.max(r.min_level),
        None => list.push(r),
    }
}

fn skill_match(points: u32, max_points: u32) -> u8 {
    if max_points == 0 {
        return 100;
    }
    u8::try_from(u64::from(points) * 100 / u64::from(max_points)).unwrap_or(100)
}

fn not_found(kind: &'static str, id: impl std::fmt::Display) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// Whether `hours` are open at `now`; no calendar counts as always open.
fn open_at(hours: Option<&BusinessHours>, now: DateTime<Utc>) -> bool {
    match hours {
        None => true,
        Some(h) => h.is_open(now),
    }
}
