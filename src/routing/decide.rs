//! The decision algorithm: who would get a case in a queue, and why every other
//! member did not. The output types are in `decision`; this module imports them
//! and never the reverse.
//!
//! Works column by column over the index, in three passes: the reason flags,
//! one ranking key per member, then the best few keys with the tie-break. Pure:
//! reads state only. Depends on `ids`, `error` and the other routing modules.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::ids::{AgentId, QueueId, SkillId};

use super::classify::merge_requirement;
use super::decision::{
    AiVerdict, Candidate, FLAG_DECLINED, FLAG_MISSING, FLAG_OVER, FLAG_UNAVAILABLE, LossReason,
    RankKeys, Rejection, RejectionParts, Rejections, RoutingDecision, to_i64,
};
use super::index::{ORIGINS, QueueCols};
use super::queue::{Queue, QueueCursor, RoutingMethod};
use super::request::{AiSuggestion, RoutingRequest};
use super::router::Router;
use super::skill::SkillRequirement;

/// Weight of a required skill in the skill-match score (optional skills weigh 1).
const REQUIRED_WEIGHT: u32 = 3;

/// Least common multiple of 1..=10, so weighted stride passes are exact integers.
const STRIDE: i64 = 2520;

/// Runners-up explained in full in a decision.
const RUNNERS_UP: usize = 3;

/// A requirement resolved to a matrix column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Need {
    col: usize,
    skill: SkillId,
    level: u8,
    cert: bool,
}

/// A skill that counts towards the match score.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scored {
    col: usize,
    skill: SkillId,
    weight: u32,
    cert: bool,
}

/// `column` copied when `needed`, else empty.
fn copy_if<T: Copy>(needed: bool, column: Option<&[T]>) -> Vec<T> {
    match column {
        Some(c) if needed => c.to_vec(),
        _ => Vec::new(),
    }
}

impl Router {
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

    /// The requirements in force after `dropped` groups, resolved to columns, and
    /// the skills that count towards the match score.
    pub(super) fn requirements(
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
    pub(super) fn evaluate(
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

/// Turns a decision into "held": nobody is assigned while the queue is closed.
pub(super) fn hold(decision: &mut RoutingDecision, queue_name: &str) {
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

impl RankKeys {
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

fn skill_match(points: u32, max_points: u32) -> u8 {
    if max_points == 0 {
        return 100;
    }
    u8::try_from(u64::from(points) * 100 / u64::from(max_points)).unwrap_or(100)
}
