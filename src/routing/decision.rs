//! The router's output: explained decisions and past-tense routing events.
//!
//! Plain serializable values. Depends on `ids`, `case` picklists, `error` and the
//! routing value types.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::case::Priority;
use crate::ids::{AgentId, CaseId, QueueId, SkillId};

use super::agent::AgentStatus;
use super::queue::{QueueCursor, RoutingMethod};
use super::skill::SkillRequirement;

/// Why one agent did not get the case. Compact so a decision over thousands of
/// agents stays cheap.
///
/// ```
/// use hotcrm_support::routing::{AgentStatus, LossReason};
/// let r = LossReason::Unavailable { status: AgentStatus::Offline };
/// assert_eq!(r.to_string(), "status is Offline");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossReason {
    /// The agent declined this case before.
    Declined,
    /// The agent's status does not accept work.
    Unavailable {
        /// The status.
        status: AgentStatus,
    },
    /// Taking the case would exceed the agent's capacity.
    AtCapacity {
        /// Current load.
        load: u32,
        /// What the case would add.
        cost: u32,
        /// The limit.
        limit: u32,
    },
    /// A required (or not yet dropped optional) skill is missing or too weak.
    MissingSkill {
        /// The skill.
        skill: SkillId,
        /// The level needed.
        required: u8,
        /// The agent's effective level (0 = none, or certification lapsed).
        actual: u8,
    },
    /// Eligible, but ranked lower by the queue's method.
    Outranked {
        /// The agent's method score (see [`RoutingDecision::score`]).
        score: i64,
    },
    /// Eligible with the winner's score, but lost the tie-break (waited less long,
    /// or same wait and a larger id).
    LostTieBreak,
    /// Eligible, but the queue accepted the AI suggestion of another agent.
    AiPreferredOther,
    /// Would have been chosen, but the queue is closed and holds its cases.
    QueueClosed,
}

impl std::fmt::Display for LossReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LossReason::Declined => f.write_str("declined this case"),
            LossReason::Unavailable { status } => write!(f, "status is {status}"),
            LossReason::AtCapacity { load, cost, limit } => {
                write!(f, "at capacity: load {load} + {cost} would exceed {limit}")
            }
            LossReason::MissingSkill {
                skill,
                required,
                actual,
            } => {
                write!(f, "skill {skill} at level {actual}, needs {required}")
            }
            LossReason::Outranked { score } => write!(f, "ranked lower (score {score})"),
            LossReason::LostTieBreak => f.write_str("lost the tie-break on wait time, then id"),
            LossReason::AiPreferredOther => f.write_str("the AI suggestion was accepted"),
            LossReason::QueueClosed => f.write_str("the queue is closed"),
        }
    }
}

/// One agent that did not get the case, and why.
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::{LossReason, Rejection}};
/// let r = Rejection { agent: AgentId::from_u128(1), reason: LossReason::Declined };
/// assert_eq!(r.reason, LossReason::Declined);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The agent.
    pub agent: AgentId,
    /// Why they lost.
    pub reason: LossReason,
}

/// An eligible agent with the numbers the method compared.
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::Candidate};
/// let c = Candidate { agent: AgentId::from_u128(1), score: 80, skill_match: 80, load: 1, limit: 5, last_assigned_at: None };
/// assert_eq!(c.skill_match, 80);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The agent.
    pub agent: AgentId,
    /// The method's primary score, higher is better (see [`RoutingDecision::score`]).
    pub score: i64,
    /// Skill match 0–100 over the case's required and optional skills.
    pub skill_match: u8,
    /// Load before the assignment.
    pub load: u32,
    /// Capacity limit.
    pub limit: u32,
    /// Last assignment before this one.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// What happened to the AI suggestion.
///
/// ```
/// use hotcrm_support::routing::AiVerdict;
/// assert!(AiVerdict::Accepted { confidence: 0.9 }.is_accepted());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum AiVerdict {
    /// The suggestion was used.
    Accepted {
        /// Its confidence.
        confidence: f64,
    },
    /// Confidence below the queue's threshold (or not a number in 0..=1).
    LowConfidence {
        /// Its confidence.
        confidence: f64,
        /// The queue's threshold.
        threshold: f64,
    },
    /// The suggested agent is not a member of the queue.
    NotAMember,
    /// The suggested agent is a member but not eligible.
    NotEligible {
        /// Why.
        reason: LossReason,
    },
    /// The queue uses AI but no suggestion was given (provider failed or was not asked).
    Missing,
}

impl AiVerdict {
    /// Whether the suggestion was used.
    ///
    /// ```
    /// assert!(!hotcrm_support::routing::AiVerdict::Missing.is_accepted());
    /// ```
    pub fn is_accepted(&self) -> bool {
        matches!(self, AiVerdict::Accepted { .. })
    }
}

/// An explained routing decision: who got the case (if anyone), with what score,
/// and why every other member lost.
///
/// `score` is the chosen agent's primary score under `method`, higher is better:
/// RoundRobin = minus the queue turn of their last assignment; LeastActive = minus
/// open cases; MostAvailable = spare capacity; SkillBased and AiAssisted = weighted
/// skill points; Weighted = minus the stride pass.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId};
/// use hotcrm_support::routing::*;
/// let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let a = AgentId::from_u128(1);
/// let mut router = Router::new();
/// router.add_agent(Agent::new(a, "Ada", Capacity::cases(2)?)?.with_status(AgentStatus::Available))?;
/// let q = QueueId::from_u128(1);
/// router.add_queue(Queue::new(q, "Tier 1", RoutingMethod::MostAvailable)?.with_member(QueueMember::new(a)))?;
/// let req = RoutingRequest::new(CaseId::from_u128(1), AccountId::from_u128(1), now);
/// let d = router.decide(q, &req, now, None)?;
/// assert_eq!(d.chosen.map(|c| c.agent), Some(a));
/// assert!(d.reasoning.contains("Ada"));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingDecision {
    /// The case.
    pub case: CaseId,
    /// The queue that decided.
    pub queue: QueueId,
    /// The method actually used (AiAssisted falls back to SkillBased).
    pub method: RoutingMethod,
    /// The winner, if anyone was eligible.
    pub chosen: Option<Candidate>,
    /// The winner's score, see the type docs.
    pub score: Option<i64>,
    /// The winner's skill match 0–100.
    pub skill_match: Option<u8>,
    /// A human-readable explanation (the original system's "reasoning").
    pub reasoning: String,
    /// Up to three best eligible runners-up, best first.
    pub runners_up: Vec<Candidate>,
    /// Every member who did not win, with the reason, grouped: declined, unavailable,
    /// at capacity, missing a skill (each group in member order), then the eligible
    /// members who ranked lower (in member order). Stored compactly; iterate it (or
    /// [`Rejections::to_vec`]) for the full [`Rejection`] of each member.
    pub rejected: Rejections,
    /// How many members were eligible.
    pub eligible: usize,
    /// The skill requirements applied (required plus the optional groups still in force).
    pub applied_requirements: Vec<SkillRequirement>,
    /// How many optional groups had been dropped.
    pub dropped_groups: usize,
    /// The verdict on the AI suggestion, for AiAssisted queues.
    pub ai: Option<AiVerdict>,
    /// The round-robin state after the assignment, for the host to persist.
    pub cursor: Option<QueueCursor>,
    /// When the decision was made.
    pub at: DateTime<Utc>,
}

impl RoutingDecision {
    /// The chosen agent's id.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let router = Router::new();
    /// let q = QueueId::from_u128(1);
    /// let req = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now());
    /// assert!(router.decide(q, &req, Utc::now(), None).is_err()); // unknown queue
    /// ```
    pub fn agent(&self) -> Option<AgentId> {
        self.chosen.map(|c| c.agent)
    }

    /// Why `agent` lost, if they did.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let a = AgentId::from_u128(1);
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(2)?)?)?; // Offline
    /// let q = QueueId::from_u128(1);
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// let d = router.decide(q, &RoutingRequest::new(CaseId::new(), AccountId::new(), now), now, None)?;
    /// assert_eq!(d.loss_reason(a), Some(LossReason::Unavailable { status: AgentStatus::Offline }));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn loss_reason(&self, agent: AgentId) -> Option<LossReason> {
        self.rejected
            .iter()
            .find(|r| r.agent == agent)
            .map(|r| r.reason)
    }
}

// Why a member cannot take the case, as bits (several may be set; the report
// uses the highest-priority one: declined, unavailable, at capacity, skill).
pub(super) const FLAG_MISSING: u8 = 1;
pub(super) const FLAG_OVER: u8 = 2;
pub(super) const FLAG_UNAVAILABLE: u8 = 4;
pub(super) const FLAG_DECLINED: u8 = 8;

/// The report group of a member's flags: 0 declined, 1 unavailable, 2 at
/// capacity, 3 missing a skill, 4 eligible.
fn group(flags: u8) -> u8 {
    // By table: reasons are unpredictable per member, so no branches.
    const GROUP_BY_FLAGS: [u8; 16] = [4, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    GROUP_BY_FLAGS
        .get(usize::from(flags & 15))
        .copied()
        .unwrap_or(0)
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

/// `n` as an `i64`, saturating at `i64::MAX`.
pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Every member of a decision who did not win, with the reason, stored compactly:
/// the decision's per-member columns (reason flags, status, load, cost, limit,
/// levels in each requirement, ranking key). Each [`Rejection`] is built on demand
/// by [`Rejections::iter`]; serializes as a list of rejections.
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::{LossReason, Rejection, Rejections}};
/// let mut r = Rejections::default();
/// r.push(Rejection { agent: AgentId::from_u128(1), reason: LossReason::Declined });
/// assert_eq!(r.len(), 1);
/// assert_eq!(r.iter().next().map(|x| x.reason), Some(LossReason::Declined));
/// ```
#[derive(Clone, Default)]
pub struct Rejections {
    /// Member ids, in member order (shared with the router's queue index).
    ids: Arc<[AgentId]>,
    /// `FLAG_*` bits per member; 0 = eligible.
    flags: Vec<u8>,
    /// Status per member, for `Unavailable`.
    status: Vec<AgentStatus>,
    /// Load, cost of this case and limit per member, for `AtCapacity`.
    load: Vec<u32>,
    cost: Vec<u32>,
    limit: Vec<u32>,
    /// The requirements checked (skill, level), for `MissingSkill`.
    needs: Vec<(SkillId, u8)>,
    /// `levels[need * members + member]`: the member's effective level in that
    /// requirement.
    levels: Vec<u8>,
    /// Ranking key per member (meaningful for the eligible), see the router.
    keys: RankKeys,
    /// The method the keys were built for.
    method: Option<RoutingMethod>,
    /// Member index of the winner.
    winner: Option<usize>,
    /// Whether the AI suggestion won.
    ai_won: bool,
    /// Rejections added afterwards (or deserialized), reported last.
    extra: Vec<Rejection>,
}

/// The parts of a decision's compact rejection list, built by the router.
pub(super) struct RejectionParts {
    pub(super) ids: Arc<[AgentId]>,
    pub(super) flags: Vec<u8>,
    pub(super) status: Vec<AgentStatus>,
    pub(super) load: Vec<u32>,
    pub(super) cost: Vec<u32>,
    pub(super) limit: Vec<u32>,
    pub(super) needs: Vec<(SkillId, u8)>,
    pub(super) levels: Vec<u8>,
    pub(super) keys: RankKeys,
    pub(super) method: RoutingMethod,
    pub(super) winner: Option<usize>,
    pub(super) ai_won: bool,
}

impl Rejections {
    pub(super) fn from_parts(p: RejectionParts) -> Rejections {
        Rejections {
            ids: p.ids,
            flags: p.flags,
            status: p.status,
            load: p.load,
            cost: p.cost,
            limit: p.limit,
            needs: p.needs,
            levels: p.levels,
            keys: p.keys,
            method: Some(p.method),
            winner: p.winner,
            ai_won: p.ai_won,
            extra: Vec::new(),
        }
    }

    /// Sets the winner (a member index) and whether it was the AI's suggestion.
    pub(super) fn set_winner(&mut self, winner: Option<usize>, ai_won: bool) {
        self.winner = winner;
        self.ai_won = ai_won;
    }

    /// Members explained lazily (every member but the winner).
    fn members(&self) -> usize {
        self.flags.len().min(self.ids.len())
    }

    /// Whether the member at index `m` was eligible.
    pub(super) fn is_eligible(&self, m: usize) -> bool {
        self.flags.get(m) == Some(&0)
    }

    /// The method score of the member at index `m` (meaningful when eligible).
    pub(super) fn score(&self, m: usize) -> i64 {
        let key = self.keys.key(m);
        self.method.map_or(0, |method| rank_key_score(method, key))
    }

    /// Why the member at index `m` lost; `None` for the winner or an unknown index.
    pub(super) fn member_reason(&self, m: usize) -> Option<LossReason> {
        self.reason_with(m, self.winner.map(|w| self.keys.key(w)))
    }

    /// [`Rejections::member_reason`] with the winner's key computed once.
    fn reason_with(&self, m: usize, winner_key: Option<u64>) -> Option<LossReason> {
        let flags = *self.flags.get(m)?;
        let at = |column: &[u32]| column.get(m).copied().unwrap_or(0);
        Some(match group(flags) {
            0 => LossReason::Declined,
            1 => LossReason::Unavailable {
                status: self.status.get(m).copied().unwrap_or(AgentStatus::Offline),
            },
            2 => LossReason::AtCapacity {
                load: at(&self.load),
                cost: at(&self.cost),
                limit: at(&self.limit),
            },
            3 => {
                let (&(skill, required), actual) = self
                    .needs
                    .iter()
                    .zip(self.levels.chunks(self.flags.len().max(1)))
                    .map(|(need, column)| (need, column.get(m).copied().unwrap_or(0)))
                    .find(|&(&(_, required), actual)| actual < required)?;
                LossReason::MissingSkill {
                    skill,
                    required,
                    actual,
                }
            }
            _ => {
                if self.winner == Some(m) {
                    return None;
                }
                if self.ai_won {
                    LossReason::AiPreferredOther
                } else if winner_key == Some(self.keys.key(m)) {
                    LossReason::LostTieBreak
                } else {
                    LossReason::Outranked {
                        score: self.score(m),
                    }
                }
            }
        })
    }

    /// How many members lost.
    pub fn len(&self) -> usize {
        let n = self.members();
        let winner = self.winner.is_some_and(|w| w < n);
        n - usize::from(winner) + self.extra.len()
    }

    /// Whether nobody lost.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a rejection after the others.
    pub fn push(&mut self, rejection: Rejection) {
        self.extra.push(rejection);
    }

    /// Every rejection, in report order (see [`RoutingDecision::rejected`]).
    pub fn iter(&self) -> RejectionsIter<'_> {
        RejectionsIter {
            rejections: self,
            winner_key: self.winner.map(|w| self.keys.key(w)),
            order: self.report_order().into_iter(),
            extra: self.extra.iter(),
        }
    }

    /// Member indices in report order: a stable counting sort by group.
    fn report_order(&self) -> Vec<u32> {
        let flags = self.flags.get(..self.members()).unwrap_or(&[]);
        let mut starts = [0_usize; 6];
        for &f in flags {
            if let Some(count) = starts.get_mut(usize::from(group(f)) + 1) {
                *count += 1;
            }
        }
        for g in 1..starts.len() {
            let before = starts.get(g - 1).copied().unwrap_or(0);
            if let Some(start) = starts.get_mut(g) {
                *start += before;
            }
        }
        let mut order = vec![0_u32; flags.len()];
        for (m, &f) in (0_u32..).zip(flags) {
            if let Some(next) = starts.get_mut(usize::from(group(f))) {
                if let Some(slot) = order.get_mut(*next) {
                    *slot = m;
                }
                *next += 1;
            }
        }
        order
    }

    /// The rejection of the member at index `m`; `None` for the winner.
    fn rejection(&self, m: usize, winner_key: Option<u64>) -> Option<Rejection> {
        Some(Rejection {
            agent: *self.ids.get(m)?,
            reason: self.reason_with(m, winner_key)?,
        })
    }

    /// Every rejection as a plain list.
    pub fn to_vec(&self) -> Vec<Rejection> {
        let winner_key = self.winner.map(|w| self.keys.key(w));
        let mut out = Vec::with_capacity(self.len());
        for m in self.report_order() {
            if let Some(r) = self.rejection(m as usize, winner_key) {
                out.push(r);
            }
        }
        out.extend_from_slice(&self.extra);
        out
    }
}

/// Iterator over [`Rejections`], yielding each [`Rejection`] by value.
pub struct RejectionsIter<'a> {
    rejections: &'a Rejections,
    /// The winner's ranking key (for `LostTieBreak`).
    winner_key: Option<u64>,
    /// Member indices in report order.
    order: std::vec::IntoIter<u32>,
    /// Rejections added afterwards, reported last.
    extra: std::slice::Iter<'a, Rejection>,
}

impl std::fmt::Debug for RejectionsIter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RejectionsIter")
    }
}

impl Iterator for RejectionsIter<'_> {
    type Item = Rejection;
    fn next(&mut self) -> Option<Rejection> {
        for m in self.order.by_ref() {
            if let Some(r) = self.rejections.rejection(m as usize, self.winner_key) {
                return Some(r);
            }
        }
        self.extra.next().copied()
    }
}

impl<'a> IntoIterator for &'a Rejections {
    type Item = Rejection;
    type IntoIter = RejectionsIter<'a>;
    fn into_iter(self) -> RejectionsIter<'a> {
        self.iter()
    }
}

impl From<Vec<Rejection>> for Rejections {
    fn from(extra: Vec<Rejection>) -> Rejections {
        Rejections {
            extra,
            ..Rejections::default()
        }
    }
}

impl std::fmt::Debug for Rejections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Rejections {
    fn eq(&self, other: &Rejections) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Rejections {}

impl Serialize for Rejections {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Rejections {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Vec::<Rejection>::deserialize(deserializer).map(Rejections::from)
    }
}

/// Which rule (if any) classified a case, and the resulting queue, priority and skills.
///
/// ```
/// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
/// let q = QueueId::from_u128(1);
/// let mut router = Router::new();
/// router.add_queue(Queue::new(q, "Default", RoutingMethod::RoundRobin)?)?;
/// router.add_rule(RoutingRule::new("Everything", 100, q)?)?;
/// let c = router.classify(&RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()), Utc::now())?;
/// assert_eq!(c.rule.as_deref(), Some("Everything"));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The name of the matching rule; `None` when the request named its queue or
    /// the default queue was used.
    pub rule: Option<String>,
    /// The queue.
    pub queue: QueueId,
    /// The priority after the rule.
    pub priority: Priority,
    /// The required skills after the rule.
    pub required: Vec<SkillRequirement>,
}

/// A past-tense routing event for the host (notifications, audit, persistence).
///
/// ```
/// use chrono::Utc;
/// use hotcrm_support::{ids::*, routing::RoutingEvent};
/// let e = RoutingEvent::RoutingStalled { case: CaseId::from_u128(1), queue: QueueId::from_u128(2), at: Utc::now() };
/// assert_eq!(e.case(), CaseId::from_u128(1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RoutingEvent {
    /// The case entered a queue's waiting list.
    Queued {
        /// The case.
        case: CaseId,
        /// The queue.
        queue: QueueId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The case was assigned.
    Assigned {
        /// The case.
        case: CaseId,
        /// The queue.
        queue: QueueId,
        /// The agent.
        agent: AgentId,
        /// The method used.
        method: RoutingMethod,
        /// When.
        at: DateTime<Utc>,
    },
    /// One optional skill group was dropped after a timeout (stamped with the
    /// instant the timeout elapsed).
    SkillGroupDropped {
        /// The case.
        case: CaseId,
        /// The queue.
        queue: QueueId,
        /// Index of the dropped group.
        group: usize,
        /// When the timeout elapsed.
        at: DateTime<Utc>,
    },
    /// The case moved to the overflow queue.
    Overflowed {
        /// The case.
        case: CaseId,
        /// The queue it left.
        from: QueueId,
        /// The queue it joined.
        to: QueueId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Nobody can take the case and there is nowhere left to overflow; it waits.
    /// Emitted once per stall.
    RoutingStalled {
        /// The case.
        case: CaseId,
        /// The queue where it waits.
        queue: QueueId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The assignee declined; the case is waiting again with its original age.
    Declined {
        /// The case.
        case: CaseId,
        /// Who declined.
        agent: AgentId,
        /// When.
        at: DateTime<Utc>,
    },
    /// A supervisor assigned the case by hand ([`Router::assign_to`]): no
    /// routing method chose the agent, and the agent's status and capacity limit
    /// were not checked.
    ///
    /// [`Router::assign_to`]: super::Router::assign_to
    ManuallyAssigned {
        /// The case.
        case: CaseId,
        /// The queue of the case's waiting or assignment entry, else the queue
        /// its request names or the rules pick; `None` when no queue applies.
        queue: Option<QueueId>,
        /// The new assignee.
        agent: AgentId,
        /// The previous assignee, released just before (a `Released` event
        /// precedes this one).
        previous: Option<AgentId>,
        /// When.
        at: DateTime<Utc>,
    },
    /// The assignee finished the case (or it was withdrawn or reassigned),
    /// freeing capacity.
    Released {
        /// The case.
        case: CaseId,
        /// The agent.
        agent: AgentId,
        /// When.
        at: DateTime<Utc>,
    },
}

/// One readable line per routing event, with ids shortened to their last 8
/// hex digits.
///
/// ```
/// use hotcrm_support::ids::{AgentId, CaseId, QueueId};
/// use hotcrm_support::routing::{RoutingEvent, RoutingMethod};
/// let e = RoutingEvent::Assigned {
///     case: CaseId::from_u128(0x1234_5678),
///     queue: QueueId::from_u128(0xabcd_ef01),
///     agent: AgentId::from_u128(0x0bad_cafe),
///     method: RoutingMethod::LeastActive,
///     at: "2026-01-05T09:00:00Z".parse()?,
/// };
/// assert_eq!(e.to_string(), "case 12345678 assigned to agent 0badcafe from queue abcdef01 (Least Active)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl std::fmt::Display for RoutingEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::ids::short;
        match self {
            RoutingEvent::Queued { case, queue, .. } => {
                write!(f, "case {} queued in {}", short(case), short(queue))
            }
            RoutingEvent::Assigned {
                case,
                queue,
                agent,
                method,
                ..
            } => write!(
                f,
                "case {} assigned to agent {} from queue {} ({method})",
                short(case),
                short(agent),
                short(queue)
            ),
            RoutingEvent::SkillGroupDropped {
                case, queue, group, ..
            } => write!(
                f,
                "case {} in queue {}: skill group {group} relaxed after waiting",
                short(case),
                short(queue)
            ),
            RoutingEvent::Overflowed { case, from, to, .. } => write!(
                f,
                "case {} overflowed from queue {} to {}",
                short(case),
                short(from),
                short(to)
            ),
            RoutingEvent::RoutingStalled { case, queue, .. } => write!(
                f,
                "case {} waits in queue {}: no eligible agent",
                short(case),
                short(queue)
            ),
            RoutingEvent::Declined { case, agent, .. } => {
                write!(f, "agent {} declined case {}", short(agent), short(case))
            }
            RoutingEvent::ManuallyAssigned {
                case,
                agent,
                previous,
                ..
            } => match previous {
                Some(p) => write!(
                    f,
                    "case {} reassigned by hand from agent {} to agent {}",
                    short(case),
                    short(p),
                    short(agent)
                ),
                None => write!(
                    f,
                    "case {} assigned by hand to agent {}",
                    short(case),
                    short(agent)
                ),
            },
            RoutingEvent::Released { case, agent, .. } => {
                write!(f, "agent {} released case {}", short(agent), short(case))
            }
        }
    }
}

impl RoutingEvent {
    /// The case the event is about.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::RoutingEvent};
    /// let e = RoutingEvent::Queued { case: CaseId::from_u128(3), queue: QueueId::from_u128(1), at: Utc::now() };
    /// assert_eq!(e.case(), CaseId::from_u128(3));
    /// ```
    pub fn case(&self) -> CaseId {
        match self {
            RoutingEvent::Queued { case, .. }
            | RoutingEvent::Assigned { case, .. }
            | RoutingEvent::ManuallyAssigned { case, .. }
            | RoutingEvent::SkillGroupDropped { case, .. }
            | RoutingEvent::Overflowed { case, .. }
            | RoutingEvent::RoutingStalled { case, .. }
            | RoutingEvent::Declined { case, .. }
            | RoutingEvent::Released { case, .. } => *case,
        }
    }
}

/// The result of [`Router::route`](super::Router::route): the classification, the
/// decision in the final queue and the events.
///
/// ```
/// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
/// # let now = Utc::now();
/// let q = QueueId::from_u128(1);
/// let mut router = Router::new();
/// router.add_queue(Queue::new(q, "Empty", RoutingMethod::RoundRobin)?)?;
/// let out = router.route(RoutingRequest::new(CaseId::new(), AccountId::new(), now).in_queue(q), now, None)?;
/// assert!(out.decision.chosen.is_none());
/// assert!(matches!(out.events[0], RoutingEvent::Queued { .. }));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingOutcome {
    /// How the case was classified.
    pub classification: Classification,
    /// The decision in the queue where the case ended up.
    pub decision: RoutingDecision,
    /// Events, in order.
    pub events: Vec<RoutingEvent>,
}
