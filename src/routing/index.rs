//! The router's derived, column-oriented index: never serialized, rebuilt from
//! [`RouterState`] and kept current on every change.
//!
//! Per agent a column each of status, load, limit, open cases, per-channel cost
//! and a proficiency matrix; per queue the same columns in member order plus the
//! per-channel "cannot take a case" flags (status and capacity) and a skill-major
//! copy of the proficiencies, so a decision walks plain contiguous slices.
//! Depends on `case` picklists, `ids` and the routing value and state types.

use std::collections::HashMap;
use std::sync::Arc;

use crate::case::Origin;
use crate::ids::{AgentId, QueueId, SkillId};

use super::agent::{Agent, AgentStatus, fits};
use super::decision::{FLAG_OVER, FLAG_UNAVAILABLE};
use super::queue::Queue;
use super::state::RouterState;

/// Channels, one column of costs and flags each.
pub(super) const ORIGINS: usize = Origin::ALL.len();

/// Derived lookups, rebuilt from [`RouterState`]; never serialized.
///
/// Agents are stored column by column so the decision loop reads only the few
/// bytes it needs per agent (status, load, limit, the cost of one channel).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Index {
    pub(super) skill_pos: SortedIndex<SkillId>,
    pub(super) skill_cert: Vec<bool>,
    pub(super) agent_pos: HashMap<AgentId, usize>,
    pub(super) ids: Vec<AgentId>,
    /// Tie-break key per agent: (last assignment in microseconds, `i64::MIN` for
    /// never; the id as a big-endian `u128`, which orders exactly like the id).
    pub(super) tie: Vec<(i64, u128)>,
    pub(super) status: Vec<AgentStatus>,
    pub(super) load: Vec<u32>,
    pub(super) limit: Vec<u32>,
    pub(super) open_cases: Vec<u32>,
    /// `costs[origin][agent]`: what one case from that channel adds to the load.
    pub(super) costs: Vec<Vec<u32>>,
    /// Proficiency matrix: `agents x skills`, 0 = no skill.
    pub(super) prof: Vec<u8>,
    pub(super) queue_pos: SortedIndex<QueueId>,
    /// Per queue, the members' data in member order (see [`QueueCols`]).
    pub(super) members: Vec<QueueCols>,
    /// Per agent, the `(queue, member index)` pairs where the agent is a member.
    pub(super) memberships: Vec<Vec<(usize, usize)>>,
}

/// One queue's members as columns in member order, so the decision loop walks
/// plain slices with no indirection. Kept in sync by [`Index::refresh`].
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct QueueCols {
    /// Agent position of each member (`u32::MAX` if unknown).
    pub(super) pos: Vec<u32>,
    /// Agent id of each member, shared with the decisions' rejection lists.
    pub(super) ids: Arc<[AgentId]>,
    pub(super) status: Vec<AgentStatus>,
    pub(super) load: Vec<u32>,
    pub(super) limit: Vec<u32>,
    /// Load per million of the limit, kept here so ranking never divides.
    pub(super) ratio_ppm: Vec<u32>,
    /// `costs[origin][member]`.
    pub(super) costs: Vec<Vec<u32>>,
    /// `blocked[origin][member]`: [`FLAG_UNAVAILABLE`] and [`FLAG_OVER`] for a
    /// case from that channel, kept current so a decision starts from a copy.
    pub(super) blocked: Vec<Vec<u8>>,
    /// Proficiencies skill-major (`skill * members + member`), so each pass
    /// reads one contiguous column per skill.
    pub(super) prof_t: Vec<u8>,
}

impl QueueCols {
    /// How many members every column covers for a case from `origin`.
    pub(super) fn len(&self, origin: usize) -> usize {
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

/// The flags status and capacity alone give a member for one case costing `cost`.
fn blocked_flags(status: AgentStatus, load: u32, cost: u32, limit: u32) -> u8 {
    let mut flags = 0;
    if !status.accepts_work() {
        flags |= FLAG_UNAVAILABLE;
    }
    if !fits(load, cost, limit) {
        flags |= FLAG_OVER;
    }
    flags
}

/// A small id → position map as a vector sorted by the id as a `u128`: for the
/// few skills and queues of a router a binary search over plain integers beats
/// hashing a 128-bit id.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SortedIndex<K>(Vec<(u128, usize)>, std::marker::PhantomData<K>);

/// Ids usable as [`SortedIndex`] keys.
pub(super) trait IndexKey: Copy {
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
    pub(super) fn get(&self, key: &K) -> Option<&usize> {
        let key = key.key();
        self.0
            .binary_search_by(|(k, _)| k.cmp(&key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v)
    }

    pub(super) fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn insert(&mut self, key: K, value: usize) {
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
    pub(super) fn build(state: &RouterState) -> Index {
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
    pub(super) fn queue_cols(&self, queue: &Queue) -> QueueCols {
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

    pub(super) fn rebuild_memberships(&mut self) {
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

    pub(super) fn n_skills(&self) -> usize {
        self.skill_cert.len()
    }

    pub(super) fn push_agent(&mut self, agent: &Agent) {
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

    pub(super) fn refresh(&mut self, pos: usize, agent: &Agent) {
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

/// Load as parts per million of the limit (saturating; a zero limit counts as full).
fn ratio_ppm(load: u32, limit: u32) -> u32 {
    if limit == 0 {
        return u32::MAX;
    }
    u32::try_from(u64::from(load) * 1_000_000 / u64::from(limit)).unwrap_or(u32::MAX)
}
