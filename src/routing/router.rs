//! The router: state (skills, agents, queues, rules, waiting and open cases), the
//! decision function and the commands that change state.
//!
//! Pure layer 2: every function takes `now` as a parameter, nothing reads a clock,
//! does I/O or uses randomness, and the same state and inputs always give the same
//! decision. Depends on `calendar`, `case` picklists, `ids`, `error` and the other
//! routing modules; never on `repo`, `ai` or `desk`.

use std::borrow::Cow;
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
    AiVerdict, Candidate, Classification, FLAG_DECLINED, FLAG_MISSING, FLAG_OVER, FLAG_UNAVAILABLE,
    LossReason, Rejection, RejectionParts, Rejections, RoutingDecision, RoutingEvent,
    RoutingOutcome,
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
    skill_pos: SortedIndex<SkillId>,
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
    queue_pos: SortedIndex<QueueId>,
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
    /// `blocked[origin][member]`: [`FLAG_UNAVAILABLE`] and [`FLAG_OVER`] for a
    /// case from that channel, kept current so a decision starts from a copy.
    blocked: Vec<Vec<u8>>,
    /// Proficiencies skill-major (`skill * members + member`), so each pass
    /// reads one contiguous column per skill.
    prof_t: Vec<u8>,
}

impl QueueCols {
    /// How many members every column covers for a case from `origin`.
    fn len(&self, origin: usize) -> usize {
        self.pos
            .len()
            .min(self.ids.len())
            .min(self.status.len())
            .min(self.load.len())
            .min(self.limit.len())
            .min(self.ratio_ppm.len())
            .min(self.costs.get(origin).map_or(0, Vec::len))
            .min(self.blocked.get(origin).map_or(0, Vec::len))
    }
}

/// `column` copied when `needed`, else empty.
fn copy_if<T: Copy>(needed: bool, column: Option<&[T]>) -> Vec<T> {
    match column {
        Some(c) if needed => c.to_vec(),
        _ => Vec::new(),
    }
}

/// The flags status and capacity alone give a member for one case costing `cost`.
fn blocked_flags(status: AgentStatus, load: u32, cost: u32, limit: u32) -> u8 {
    let mut flags = 0;
    if !status.accepts_work() {
        flags |= FLAG_UNAVAILABLE;
    }
    if load.saturating_add(cost) > limit {
        flags |= FLAG_OVER;
    }
    flags
}

/// A small id → position map as a vector sorted by the id as a `u128`: for the
/// few skills and queues of a router a binary search over plain integers beats
/// hashing a 128-bit id.
#[derive(Debug, Clone)]
struct SortedIndex<K>(Vec<(u128, usize)>, std::marker::PhantomData<K>);

/// Ids usable as [`SortedIndex`] keys.
trait IndexKey: Copy {
    fn key(self) -> u128;
}

impl IndexKey for SkillId {
    fn key(self) -> u128 {
        self.as_uuid().as_u128()
    }
}

impl IndexKey for QueueId {
    fn key(self) -> u128 {
        self.as_uuid().as_u128()
    }
}

impl<K> Default for SortedIndex<K> {
    fn default() -> Self {
        SortedIndex(Vec::new(), std::marker::PhantomData)
    }
}

impl<K: IndexKey> SortedIndex<K> {
    fn get(&self, key: &K) -> Option<&usize> {
        let key = key.key();
        self.0
            .binary_search_by(|(k, _)| k.cmp(&key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v)
    }

    fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    fn insert(&mut self, key: K, value: usize) {
        let key = key.key();
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => {
                if let Some(slot) = self.0.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.0.insert(i, (key, value)),
        }
    }
}

impl<K: IndexKey> FromIterator<(K, usize)> for SortedIndex<K> {
    fn from_iter<I: IntoIterator<Item = (K, usize)>>(iter: I) -> Self {
        let mut index = SortedIndex::default();
        for (k, v) in iter {
            index.insert(k, v);
        }
        index
    }
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

    /// The member columns of `queue`, copied from the agent columns.
    fn queue_cols(&self, queue: &Queue) -> QueueCols {
        let pos = self.member_positions(queue);
        let n = self.n_skills();
        let len = pos.len();
        let mut cols = QueueCols {
            costs: (0..ORIGINS).map(|_| Vec::with_capacity(len)).collect(),
            blocked: (0..ORIGINS).map(|_| Vec::with_capacity(len)).collect(),
            prof_t: vec![0; len * n],
            ..QueueCols::default()
        };
        for (m, &p) in pos.iter().enumerate() {
            let p = p as usize;
            let status = self.status.get(p).copied().unwrap_or(AgentStatus::Offline);
            let load = self.load.get(p).copied().unwrap_or(u32::MAX);
            let limit = self.limit.get(p).copied().unwrap_or(0);
            cols.status.push(status);
            cols.load.push(load);
            cols.limit.push(limit);
            cols.ratio_ppm.push(ratio_ppm(load, limit));
            for ((column, blocked), source) in cols
                .costs
                .iter_mut()
                .zip(&mut cols.blocked)
                .zip(&self.costs)
            {
                let cost = source.get(p).copied().unwrap_or(1);
                column.push(cost);
                blocked.push(blocked_flags(status, load, cost, limit));
            }
            let row = self.prof.get(p * n..p * n + n).unwrap_or(&[]);
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
        let n = self.n_skills();
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
            for ((column, blocked), origin) in cols
                .costs
                .iter_mut()
                .zip(&mut cols.blocked)
                .zip(Origin::ALL)
            {
                let cost = agent.capacity.cost_of(*origin);
                set(column, m, cost);
                set(
                    blocked,
                    m,
                    blocked_flags(agent.status, agent.load, cost, agent.capacity.limit()),
                );
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
    ///
    /// Works column by column over the queue's members, so each pass is a
    /// straight loop over contiguous slices: (1) why each member cannot take the
    /// case, as flag bits (status and capacity come precomputed per channel, then
    /// one proficiency column per requirement, then the few who declined); (2) one
    /// order-preserving `u64` ranking key per member (0 for the ineligible); (3)
    /// the best few keys with the tie-break. The rejections keep copies of these
    /// columns and explain each member on demand.
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
        let (applied, needs, scored) = self.requirements(request, dropped)?;
        let max_points: u32 = scored.iter().map(|s| s.weight * 5).sum();
        let today = now.date_naive();
        let origin = (request.origin as usize).min(ORIGINS - 1);
        let method = queue.method;
        let ix = &self.index;
        let n = cols.len(origin).min(queue.members.len());

        // Pass 1: the reasons each member cannot take the case, as flag bits.
        let mut flags: Vec<u8> = cols
            .blocked
            .get(origin)
            .and_then(|c| c.get(..n))
            .unwrap_or(&[])
            .to_vec();
        flags.resize(n, FLAG_UNAVAILABLE);
        // `levels[need * n + member]`: every member's level in each requirement.
        let mut levels: Vec<u8> = Vec::with_capacity(needs.len() * n);
        for need in &needs {
            levels.extend_from_slice(
                &self.level_column(cols, n, need.col, need.skill, need.cert, today),
            );
        }
        for (need, column) in needs.iter().zip(levels.chunks(n.max(1))) {
            for (flag, &level) in flags.iter_mut().zip(column) {
                *flag |= FLAG_MISSING * u8::from(level < need.level);
            }
        }
        for agent in &request.declined_by {
            if let Some(flag) = self
                .member_index(qpos, *agent)
                .and_then(|m| flags.get_mut(m))
            {
                *flag |= FLAG_DECLINED;
            }
        }
        // Counted in chunks of 255 so the byte sums vectorize and never overflow.
        let n_eligible: usize = flags
            .chunks(255)
            .map(|chunk| usize::from(chunk.iter().fold(0_u8, |a, &f| a + u8::from(f == 0))))
            .sum();

        let (any_unavailable, any_full) = flags.iter().fold((false, false), |(u, o), &f| {
            (
                u | (f & (FLAG_DECLINED | FLAG_UNAVAILABLE) == FLAG_UNAVAILABLE),
                o | (f & (FLAG_DECLINED | FLAG_UNAVAILABLE | FLAG_OVER) == FLAG_OVER),
            )
        });

        // Pass 2: one ranking key per member; pass 3: the best few.
        let keys = self.rank_keys(method, cols, &queue.members, n, &scored, max_points, today);
        let top = top_members(&keys, &flags, &cols.pos, &ix.tie, RUNNERS_UP + 1);
        let mut winner = top.first().copied();

        let mut rejected = Rejections::from_parts(RejectionParts {
            ids: Arc::clone(&cols.ids),
            flags,
            // Copied only when some member needs them to be explained.
            status: copy_if(any_unavailable, cols.status.get(..n)),
            load: copy_if(any_full, cols.load.get(..n)),
            cost: copy_if(any_full, cols.costs.get(origin).and_then(|c| c.get(..n))),
            limit: copy_if(any_full, cols.limit.get(..n)),
            needs: needs.iter().map(|n| (n.skill, n.level)).collect(),
            levels,
            keys,
            method,
            winner,
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
                Some(s) => match self.member_index(qpos, s.agent).filter(|&m| m < n) {
                    Some(m) => match rejected.member_reason(m) {
                        Some(reason) if !rejected.is_eligible(m) => {
                            AiVerdict::NotEligible { reason }
                        }
                        _ => {
                            winner = Some(m);
                            used = RoutingMethod::AiAssisted;
                            rejected.set_winner(winner, true);
                            AiVerdict::Accepted {
                                confidence: s.confidence,
                            }
                        }
                    },
                    None => AiVerdict::NotAMember,
                },
            });
        }

        let candidate = |m: usize| {
            let pos = cols.pos.get(m).map_or(usize::MAX, |&p| p as usize);
            let score = rejected.score(m);
            let points = if matches!(
                method,
                RoutingMethod::SkillBased | RoutingMethod::AiAssisted
            ) {
                // SkillBased and AiAssisted rank by the points themselves.
                u32::try_from(score).unwrap_or(0)
            } else {
                self.points(pos, &scored, today)
            };
            Candidate {
                agent: cols.ids.get(m).copied().unwrap_or(AgentId::from_u128(0)),
                score,
                skill_match: skill_match(points, max_points),
                load: cols.load.get(m).copied().unwrap_or(0),
                limit: cols.limit.get(m).copied().unwrap_or(0),
                last_assigned_at: self.state.agents.get(pos).and_then(|a| a.last_assigned_at),
            }
        };
        let name = |m: usize| {
            cols.pos
                .get(m)
                .and_then(|&p| self.state.agents.get(p as usize))
                .map_or("?", |a| a.name.as_str())
        };
        let chosen = winner.map(candidate);
        let runners: Vec<usize> = top
            .iter()
            .copied()
            .filter(|&m| Some(m) != winner)
            .take(RUNNERS_UP)
            .collect();
        let runners_up: Vec<Candidate> = runners.iter().map(|&m| candidate(m)).collect();
        let reasoning = self.reasoning(
            queue,
            used,
            chosen.as_ref().zip(winner.map(name)),
            runners_up.first().zip(runners.first().map(|&m| name(m))),
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

    /// The member index of `agent` in the queue at `qpos`.
    fn member_index(&self, qpos: usize, agent: AgentId) -> Option<usize> {
        let pos = *self.index.agent_pos.get(&agent)?;
        self.index
            .memberships
            .get(pos)?
            .iter()
            .find(|&&(q, _)| q == qpos)
            .map(|&(_, m)| m)
    }

    /// Every member's effective level in one skill (`n` long): a slice of the
    /// skill-major proficiency copy, or computed when the skill needs a current
    /// certification.
    fn level_column<'a>(
        &self,
        cols: &'a QueueCols,
        n: usize,
        col: usize,
        skill: SkillId,
        cert: bool,
        today: NaiveDate,
    ) -> Cow<'a, [u8]> {
        let len = cols.pos.len();
        let plain = col
            .checked_mul(len)
            .and_then(|start| cols.prof_t.get(start..))
            .and_then(|c| c.get(..n));
        match (plain, cert) {
            (Some(column), false) => Cow::Borrowed(column),
            (None, false) => Cow::Owned(vec![0; n]),
            (_, true) => Cow::Owned(
                cols.pos
                    .iter()
                    .take(n)
                    .map(|&p| self.level(p as usize, col, skill, true, today))
                    .collect(),
            ),
        }
    }

    /// Pass 2: the ranking key of every member, see [`RankKeys`] (meaningful
    /// only for the eligible: nothing reads the others).
    #[allow(clippy::too_many_arguments)]
    fn rank_keys(
        &self,
        method: RoutingMethod,
        cols: &QueueCols,
        members: &[super::queue::QueueMember],
        n: usize,
        scored: &[Scored],
        max_points: u32,
        today: NaiveDate,
    ) -> RankKeys {
        let ratio = cols.ratio_ppm.get(..n).unwrap_or(&[]);
        let low = |r: u32| u64::from(u32::MAX - r);
        let mut keys: Vec<u64> = match method {
            RoutingMethod::SkillBased | RoutingMethod::AiAssisted => {
                // Levels are at most 5, so the points never exceed `max_points`:
                // when that fits 16 bits the points column is exact (and its
                // byte-times-weight sums vectorize).
                let small = |w: u32| u16::try_from(w).ok();
                if u16::try_from(max_points).is_ok()
                    && scored.iter().all(|s| small(s.weight).is_some())
                {
                    let mut points = vec![0_u16; n];
                    for s in scored {
                        let w = small(s.weight).unwrap_or(0);
                        let column = self.level_column(cols, n, s.col, s.skill, s.cert, today);
                        for (p, &level) in points.iter_mut().zip(column.iter()) {
                            *p = p.wrapping_add(w.wrapping_mul(u16::from(level)));
                        }
                    }
                    return RankKeys::Points {
                        points,
                        ratio: ratio.to_vec(),
                    };
                }
                let mut keys: Vec<u64> = ratio.iter().map(|&r| low(r)).collect();
                for s in scored {
                    let column = self.level_column(cols, n, s.col, s.skill, s.cert, today);
                    let w = u64::from(s.weight);
                    for (key, &level) in keys.iter_mut().zip(column.iter()) {
                        *key = key.saturating_add((w * u64::from(level)) << 32);
                    }
                }
                keys
            }
            RoutingMethod::MostAvailable => cols
                .load
                .iter()
                .zip(&cols.limit)
                .zip(ratio)
                .map(|((&load, &limit), &r)| {
                    u64::from(limit.max(1).saturating_sub(load)) << 32 | low(r)
                })
                .collect(),
            RoutingMethod::LeastActive => cols
                .pos
                .iter()
                .take(n)
                .map(|&p| {
                    let open = self.index.open_cases.get(p as usize).copied().unwrap_or(0);
                    u64::from(u32::MAX - open) << 32
                })
                .collect(),
            RoutingMethod::RoundRobin => members
                .iter()
                .take(n)
                .map(|m| u64::MAX - m.last_turn)
                .collect(),
            RoutingMethod::Weighted => members
                .iter()
                .take(n)
                .map(|m| {
                    let pass = to_i64(m.served.saturating_add(1)).saturating_mul(STRIDE)
                        / i64::from(m.weight.get());
                    u64::MAX - u64::try_from(pass).unwrap_or(0)
                })
                .collect(),
        };
        keys.resize(n, 0);
        RankKeys::Keys(keys)
    }

    #[allow(clippy::too_many_arguments)]
    fn reasoning(
        &self,
        queue: &Queue,
        used: RoutingMethod,
        chosen: Option<(&Candidate, &str)>,
        runner_up: Option<(&Candidate, &str)>,
        rejected: &Rejections,
        eligible: usize,
        verdict: Option<AiVerdict>,
        ai: Option<&AiSuggestion>,
    ) -> String {
        let name = |id: AgentId| self.agent(id).map_or("?", |a| a.name.as_str());
        let mut s = String::with_capacity(256);
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
            Some((c, chosen_name)) => {
                let _ = write!(
                    s,
                    "{used} in {}: chose {} (skill match {}/100, load {}/{}, score {}); {eligible} of {members} members eligible",
                    queue.name, chosen_name, c.skill_match, c.load, c.limit, c.score
                );
                if let Some((r, runner_name)) = runner_up {
                    let _ = write!(
                        s,
                        "; runner-up {} (skill match {}/100, score {})",
                        runner_name, r.skill_match, r.score
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

/// The ranking keys of a decision's members: a larger key ranks higher under
/// every method. Per method the key is:
///
/// * SkillBased, AiAssisted: skill points in the high 32 bits, then
///   `u32::MAX - load ratio` (per million of the limit), kept as the two
///   columns themselves ([`RankKeys::Points`]) when the points fit 16 bits;
/// * MostAvailable: spare capacity, then `u32::MAX - load ratio`;
/// * LeastActive: `u32::MAX - open cases` in the high 32 bits;
/// * RoundRobin: `u64::MAX - last turn`;
/// * Weighted: `u64::MAX - stride pass`.
#[derive(Debug, Clone, Default)]
pub(super) enum RankKeys {
    /// No members.
    #[default]
    Empty,
    /// One key per member.
    Keys(Vec<u64>),
    /// Skill points and load ratio per member.
    Points {
        /// Skill points.
        points: Vec<u16>,
        /// Load per million of the limit.
        ratio: Vec<u32>,
    },
}

impl RankKeys {
    /// The key of the member at index `m` (0 when unknown).
    pub(super) fn key(&self, m: usize) -> u64 {
        match self {
            RankKeys::Empty => 0,
            RankKeys::Keys(keys) => keys.get(m).copied().unwrap_or(0),
            RankKeys::Points { points, ratio } => {
                let points = points.get(m).copied().unwrap_or(0);
                let ratio = ratio.get(m).copied().unwrap_or(u32::MAX);
                u64::from(points) << 32 | u64::from(u32::MAX - ratio)
            }
        }
    }

    /// Whether some member in `range` may have a key of at least `floor`
    /// (a cheap, vectorized over-approximation used to skip whole chunks).
    fn may_reach(&self, range: std::ops::Range<usize>, floor: u64) -> bool {
        match self {
            RankKeys::Empty => false,
            RankKeys::Keys(keys) => keys
                .get(range)
                .is_some_and(|chunk| chunk.iter().fold(false, |a, &key| a | (key >= floor))),
            RankKeys::Points { points, ratio } => {
                // `key >= floor` on the two columns, in 32-bit lanes.
                let floor_points = u32::try_from(floor >> 32).unwrap_or(u32::MAX);
                let floor_ratio =
                    u32::MAX - u32::try_from(floor & u64::from(u32::MAX)).unwrap_or(0);
                match (points.get(range.clone()), ratio.get(range)) {
                    (Some(p), Some(r)) => p.iter().zip(r).fold(false, |a, (&p, &r)| {
                        let p = u32::from(p);
                        a | (p > floor_points) | ((p == floor_points) & (r <= floor_ratio))
                    }),
                    _ => false,
                }
            }
        }
    }
}

/// The method's primary score (see [`RoutingDecision::score`]) from a ranking
/// key (see [`RankKeys`]).
pub(super) fn rank_key_score(method: RoutingMethod, key: u64) -> i64 {
    let high = key >> 32;
    match method {
        RoutingMethod::SkillBased | RoutingMethod::AiAssisted | RoutingMethod::MostAvailable => {
            to_i64(high)
        }
        RoutingMethod::LeastActive => -to_i64(u64::from(u32::MAX) - high),
        RoutingMethod::RoundRobin | RoutingMethod::Weighted => -to_i64(u64::MAX - key),
    }
}

/// Pass 3: the `k` best eligible members (flags 0), best first: the larger key,
/// then the tie-break (longest since last assignment, then id).
///
/// Once `k` members are held, a member needs at least the key of the last of
/// them, so whole chunks that cannot reach it are skipped.
fn top_members(
    keys: &RankKeys,
    flags: &[u8],
    pos: &[u32],
    tie: &[(i64, u128)],
    k: usize,
) -> Vec<usize> {
    const CHUNK: usize = 16;
    let tie_of = |m: usize| {
        pos.get(m)
            .and_then(|&p| tie.get(p as usize))
            .copied()
            .unwrap_or((i64::MAX, u128::MAX))
    };
    let beats =
        |a: (u64, usize), b: (u64, usize)| a.0 > b.0 || (a.0 == b.0 && tie_of(a.1) < tie_of(b.1));
    let mut top: Vec<(u64, usize)> = Vec::with_capacity(k + 1);
    let mut floor = 0_u64;
    for (c, flag_chunk) in flags.chunks(CHUNK).enumerate() {
        let start = c * CHUNK;
        if top.len() >= k && !keys.may_reach(start..start + flag_chunk.len(), floor) {
            continue;
        }
        for (m, &flag) in (start..).zip(flag_chunk) {
            if flag != 0 {
                continue;
            }
            let key = keys.key(m);
            if top.len() >= k && key < floor {
                continue;
            }
            let cand = (key, m);
            if top.len() < k || top.last().is_some_and(|&last| beats(cand, last)) {
                let at = top.partition_point(|&x| beats(x, cand));
                top.insert(at, cand);
                top.truncate(k);
                if top.len() >= k {
                    floor = top.last().map_or(0, |x| x.0);
                }
            }
        }
    }
    top.into_iter().map(|(_, m)| m).collect()
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
