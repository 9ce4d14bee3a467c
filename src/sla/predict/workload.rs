//! Workload optimisation: agent utilisation, projected breaches and concrete
//! recommendations (reassign a case, add agents for the next shift from an
//! Erlang-C estimate, relax a skill requirement). Pure: plain inputs the desk
//! fills from its roster, its open cases and their breach predictions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::case::Origin;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, SkillId};

/// An agent as the optimiser sees it.
///
/// ```
/// use hotcrm_support::case::Origin;
/// use hotcrm_support::ids::{AgentId, SkillId};
/// use hotcrm_support::sla::predict::workload::WorkloadAgent;
/// let a = WorkloadAgent::new(AgentId::from_u128(1), Origin::Email, 10).with_load(4).with_skill(SkillId::from_u128(7), 3);
/// assert_eq!(a.utilisation(), 0.4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadAgent {
    /// The agent.
    pub id: AgentId,
    /// The channel the agent works.
    pub channel: Origin,
    /// Maximum open cases.
    pub capacity: u32,
    /// Open cases now.
    pub open_load: u32,
    /// Whether the agent can take cases now.
    pub available: bool,
    /// Skills with proficiency 1–5.
    pub skills: Vec<(SkillId, u8)>,
}

impl WorkloadAgent {
    /// An available agent with no load and no skills.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::AgentId, sla::predict::workload::WorkloadAgent};
    /// assert!(WorkloadAgent::new(AgentId::from_u128(1), Origin::Phone, 5).available);
    /// ```
    pub fn new(id: AgentId, channel: Origin, capacity: u32) -> WorkloadAgent {
        WorkloadAgent {
            id,
            channel,
            capacity,
            open_load: 0,
            available: true,
            skills: Vec::new(),
        }
    }

    /// Sets the open load.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::AgentId, sla::predict::workload::WorkloadAgent};
    /// assert_eq!(WorkloadAgent::new(AgentId::from_u128(1), Origin::Phone, 5).with_load(2).open_load, 2);
    /// ```
    pub fn with_load(mut self, open_load: u32) -> WorkloadAgent {
        self.open_load = open_load;
        self
    }

    /// Adds a skill at `level`.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::{AgentId, SkillId}, sla::predict::workload::WorkloadAgent};
    /// let a = WorkloadAgent::new(AgentId::from_u128(1), Origin::Phone, 5).with_skill(SkillId::from_u128(2), 4);
    /// assert_eq!(a.level(SkillId::from_u128(2)), Some(4));
    /// ```
    pub fn with_skill(mut self, skill: SkillId, level: u8) -> WorkloadAgent {
        self.skills.push((skill, level));
        self
    }

    /// The agent's level in `skill`, if any (the highest when listed twice).
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::{AgentId, SkillId}, sla::predict::workload::WorkloadAgent};
    /// assert_eq!(WorkloadAgent::new(AgentId::from_u128(1), Origin::Phone, 5).level(SkillId::from_u128(2)), None);
    /// ```
    pub fn level(&self, skill: SkillId) -> Option<u8> {
        self.skills
            .iter()
            .filter(|(s, _)| *s == skill)
            .map(|&(_, l)| l)
            .max()
    }

    /// Open load over capacity (1 for a zero capacity with load, 0 without).
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::AgentId, sla::predict::workload::WorkloadAgent};
    /// assert_eq!(WorkloadAgent::new(AgentId::from_u128(1), Origin::Phone, 0).with_load(1).utilisation(), 1.0);
    /// ```
    pub fn utilisation(&self) -> f64 {
        ratio(self.open_load, self.capacity)
    }
}

fn ratio(load: u32, capacity: u32) -> f64 {
    if capacity == 0 {
        if load > 0 { 1.0 } else { 0.0 }
    } else {
        f64::from(load) / f64::from(capacity)
    }
}

/// An open case as the optimiser sees it: its owner, the skills it needs and
/// its breach prediction ([`BreachEstimate`](super::BreachEstimate)).
///
/// ```
/// use hotcrm_support::case::Origin;
/// use hotcrm_support::ids::{AgentId, CaseId, SkillId};
/// use hotcrm_support::sla::predict::workload::WorkloadCase;
/// let c = WorkloadCase::new(CaseId::from_u128(1), Origin::Email, 0.7, 90).owned_by(AgentId::from_u128(2)).requiring(SkillId::from_u128(3), 2);
/// assert_eq!(c.required_skills.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadCase {
    /// The case.
    pub id: CaseId,
    /// Its channel.
    pub channel: Origin,
    /// Its owner, if assigned.
    pub owner: Option<AgentId>,
    /// Skills (and minimum levels) an agent needs to take it.
    pub required_skills: Vec<(SkillId, u8)>,
    /// Probability of missing the Resolution milestone.
    pub breach_probability: f64,
    /// Business minutes left until the Resolution due.
    pub remaining_minutes: i64,
}

impl WorkloadCase {
    /// An unowned case with no skill requirements.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::CaseId, sla::predict::workload::WorkloadCase};
    /// assert!(WorkloadCase::new(CaseId::from_u128(1), Origin::Web, 0.1, 60).owner.is_none());
    /// ```
    pub fn new(
        id: CaseId,
        channel: Origin,
        breach_probability: f64,
        remaining_minutes: i64,
    ) -> WorkloadCase {
        WorkloadCase {
            id,
            channel,
            owner: None,
            required_skills: Vec::new(),
            breach_probability,
            remaining_minutes,
        }
    }

    /// Sets the owner.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::{AgentId, CaseId}, sla::predict::workload::WorkloadCase};
    /// assert!(WorkloadCase::new(CaseId::from_u128(1), Origin::Web, 0.1, 60).owned_by(AgentId::from_u128(2)).owner.is_some());
    /// ```
    pub fn owned_by(mut self, agent: AgentId) -> WorkloadCase {
        self.owner = Some(agent);
        self
    }

    /// Adds a required skill at a minimum level.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::{CaseId, SkillId}, sla::predict::workload::WorkloadCase};
    /// let c = WorkloadCase::new(CaseId::from_u128(1), Origin::Web, 0.1, 60).requiring(SkillId::from_u128(2), 3);
    /// assert_eq!(c.required_skills, [(SkillId::from_u128(2), 3)]);
    /// ```
    pub fn requiring(mut self, skill: SkillId, min_level: u8) -> WorkloadCase {
        self.required_skills.push((skill, min_level));
        self
    }

    fn eligible(&self, agent: &WorkloadAgent) -> bool {
        self.required_skills
            .iter()
            .all(|&(s, min)| agent.level(s).is_some_and(|l| l >= min))
    }
}

/// Expected demand for a skill in the next shift, for the staffing estimate.
///
/// ```
/// use hotcrm_support::ids::SkillId;
/// use hotcrm_support::sla::predict::workload::SkillDemand;
/// let d = SkillDemand { skill: SkillId::from_u128(1), arrivals_per_hour: 20.0, mean_handle_minutes: 30.0, agents_next_shift: 8 };
/// assert_eq!(d.traffic(), 10.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SkillDemand {
    /// The skill.
    pub skill: SkillId,
    /// Cases needing it per hour.
    pub arrivals_per_hour: f64,
    /// Mean handling time in minutes.
    pub mean_handle_minutes: f64,
    /// Agents with the skill scheduled for the next shift.
    pub agents_next_shift: u32,
}

impl SkillDemand {
    /// The offered traffic in Erlangs, arrivals per hour × handle hours.
    ///
    /// ```
    /// # use hotcrm_support::{ids::SkillId, sla::predict::workload::SkillDemand};
    /// let d = SkillDemand { skill: SkillId::from_u128(1), arrivals_per_hour: 6.0, mean_handle_minutes: 20.0, agents_next_shift: 2 };
    /// assert_eq!(d.traffic(), 2.0);
    /// ```
    pub fn traffic(&self) -> f64 {
        self.arrivals_per_hour * self.mean_handle_minutes / 60.0
    }
}

/// Settings of [`optimize_workload`].
///
/// - `horizon_minutes` (default 240): projected breaches count cases whose
///   Resolution due falls within this many business minutes.
/// - `breach_threshold` (0.5): cases from this probability are at risk: listed
///   as projected breaches and considered for reassignment.
/// - `min_gain` (0.05): a reassignment is recommended only when it lowers the
///   projected probability by at least this much.
/// - `service_level` (0.8) and `answer_within_minutes` (60): the staffing
///   target, the share of cases picked up within that time (Erlang C).
///
/// ```
/// use hotcrm_support::sla::predict::workload::WorkloadConfig;
/// WorkloadConfig::default().validate()?;
/// assert!(WorkloadConfig { service_level: 1.0, ..Default::default() }.validate().is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkloadConfig {
    /// Look-ahead of projected breaches, in business minutes.
    pub horizon_minutes: i64,
    /// Probability from which a case is at risk.
    pub breach_threshold: f64,
    /// Minimum projected gain of a reassignment.
    pub min_gain: f64,
    /// Target share of cases picked up in time.
    pub service_level: f64,
    /// The pick-up time of that target, in minutes.
    pub answer_within_minutes: f64,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            horizon_minutes: 240,
            breach_threshold: 0.5,
            min_gain: 0.05,
            service_level: 0.8,
            answer_within_minutes: 60.0,
        }
    }
}

impl WorkloadConfig {
    /// Checks a non-negative horizon, probabilities in range (`service_level`
    /// strictly below 1) and a non-negative, finite pick-up time.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::workload::WorkloadConfig;
    /// assert!(WorkloadConfig { horizon_minutes: -1, ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.horizon_minutes < 0 {
            return Err(Error::validation(
                "horizon_minutes",
                format!("must not be negative, got {}", self.horizon_minutes),
            ));
        }
        for (field, v, hi_open) in [
            ("breach_threshold", self.breach_threshold, false),
            ("min_gain", self.min_gain, false),
            ("service_level", self.service_level, true),
        ] {
            let ok = v.is_finite() && v >= 0.0 && if hi_open { v < 1.0 } else { v <= 1.0 };
            if !ok {
                return Err(Error::validation(field, format!("out of range: {v}")));
            }
        }
        if !(self.answer_within_minutes.is_finite() && self.answer_within_minutes >= 0.0) {
            return Err(Error::validation(
                "answer_within_minutes",
                format!(
                    "must be a non-negative number, got {}",
                    self.answer_within_minutes
                ),
            ));
        }
        Ok(())
    }
}

/// The utilisation of one agent.
///
/// ```
/// # use hotcrm_support::{case::Origin, ids::AgentId, sla::predict::workload::AgentUtilisation};
/// let u = AgentUtilisation { agent: AgentId::from_u128(1), channel: Origin::Email, open_load: 3, capacity: 4, utilisation: 0.75 };
/// assert!(u.utilisation < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AgentUtilisation {
    /// The agent.
    pub agent: AgentId,
    /// The agent's channel.
    pub channel: Origin,
    /// Open cases.
    pub open_load: u32,
    /// Capacity.
    pub capacity: u32,
    /// Open load over capacity.
    pub utilisation: f64,
}

/// The utilisation of one channel: its agents' load over their capacity.
///
/// ```
/// # use hotcrm_support::{case::Origin, sla::predict::workload::ChannelUtilisation};
/// let u = ChannelUtilisation { channel: Origin::Phone, agents: 2, open_load: 3, capacity: 10, utilisation: 0.3 };
/// assert_eq!(u.agents, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChannelUtilisation {
    /// The channel.
    pub channel: Origin,
    /// Its agents.
    pub agents: usize,
    /// Their open cases.
    pub open_load: u32,
    /// Their capacity.
    pub capacity: u32,
    /// Load over capacity.
    pub utilisation: f64,
}

/// Breaches projected within the horizon under the current assignments.
///
/// ```
/// # use hotcrm_support::sla::predict::workload::ProjectedBreaches;
/// let p = ProjectedBreaches { horizon_minutes: 240, expected: 1.2, at_risk: vec![] };
/// assert!(p.expected > 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectedBreaches {
    /// The look-ahead, in business minutes.
    pub horizon_minutes: i64,
    /// Expected breaches: the sum of the probabilities of the cases due within
    /// the horizon.
    pub expected: f64,
    /// Those cases at or above the breach threshold with their probability,
    /// most likely first (ties: sooner due, then case id).
    pub at_risk: Vec<(CaseId, f64)>,
}

/// One recommendation of [`optimize_workload`], with its reason.
///
/// ```
/// use hotcrm_support::sla::predict::workload::Recommendation;
/// fn reason(r: &Recommendation) -> &str {
///     match r {
///         Recommendation::Reassign { reason, .. }
///         | Recommendation::AddAgents { reason, .. }
///         | Recommendation::RelaxSkill { reason, .. } => reason,
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Recommendation {
    /// Move a case to an eligible agent with room.
    Reassign {
        /// The case.
        case: CaseId,
        /// Its current owner (`None`: unassigned).
        from: Option<AgentId>,
        /// The agent to give it to.
        to: AgentId,
        /// Projected drop of the breach probability.
        gain: f64,
        /// Why.
        reason: String,
    },
    /// Schedule more agents with a skill for the next shift.
    AddAgents {
        /// The skill.
        skill: SkillId,
        /// How many more agents.
        count: u32,
        /// Erlang-C service level with the agents scheduled now.
        service_level_now: f64,
        /// Service level with `count` more.
        service_level_after: f64,
        /// Why.
        reason: String,
    },
    /// Let an agent below the required level take a case nobody can take.
    RelaxSkill {
        /// The case.
        case: CaseId,
        /// The requirement to relax.
        skill: SkillId,
        /// The level required now.
        required: u8,
        /// The level to accept.
        relaxed_to: u8,
        /// The agent who would then be eligible.
        agent: AgentId,
        /// Why.
        reason: String,
    },
}

/// What [`optimize_workload`] returns.
///
/// ```
/// # use hotcrm_support::sla::predict::workload::WorkloadPlan;
/// fn overloaded(plan: &WorkloadPlan) -> usize {
///     plan.agents.iter().filter(|a| a.utilisation >= 1.0).count()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadPlan {
    /// Every agent, in input order.
    pub agents: Vec<AgentUtilisation>,
    /// Every channel with agents, in [`Origin`] order.
    pub channels: Vec<ChannelUtilisation>,
    /// Breaches projected within the horizon.
    pub projected_breaches: ProjectedBreaches,
    /// Reassignments, then skill relaxations, then staffing (see
    /// [`optimize_workload`] for the order within each).
    pub recommendations: Vec<Recommendation>,
}

/// The probability that an arriving case waits (Erlang C) with `agents`
/// agents and `traffic` Erlangs offered; 1 when `agents <= traffic` (the
/// queue grows without bound) and 0 for no traffic.
///
/// Computed through the Erlang-B recurrence `B(n) = A·B(n−1) / (n + A·B(n−1))`,
/// `C = N·B / (N − A·(1 − B))`, stable for large `N`.
///
/// ```
/// use hotcrm_support::sla::predict::workload::erlang_c;
/// assert!((erlang_c(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
/// assert_eq!(erlang_c(2, 2.0), 1.0);
/// ```
pub fn erlang_c(agents: u32, traffic: f64) -> f64 {
    if !(traffic.is_finite() && traffic > 0.0) {
        return 0.0;
    }
    let n = f64::from(agents);
    if n <= traffic {
        return 1.0;
    }
    let mut b = 1.0_f64;
    for k in 1..=agents {
        let ab = traffic * b;
        b = ab / (f64::from(k) + ab);
    }
    (n * b / (n - traffic * (1.0 - b))).clamp(0.0, 1.0)
}

/// The share of cases picked up within `answer_within` minutes with `agents`
/// agents, `traffic` Erlangs and a mean handling time of `mean_handle`
/// minutes: `1 − C · exp(−(N − A) · t / h)` (0 when `agents <= traffic`).
///
/// ```
/// use hotcrm_support::sla::predict::workload::service_level;
/// // 10 Erlangs on 12 agents, 20 s target, 180 s handling.
/// let sl = service_level(12, 10.0, 20.0 / 60.0, 3.0);
/// assert!((sl - 0.6402).abs() < 1e-3);
/// ```
pub fn service_level(agents: u32, traffic: f64, answer_within: f64, mean_handle: f64) -> f64 {
    if !(traffic.is_finite() && traffic > 0.0) {
        return 1.0;
    }
    let n = f64::from(agents);
    if n <= traffic || !(mean_handle.is_finite() && mean_handle > 0.0) {
        return 0.0;
    }
    let c = erlang_c(agents, traffic);
    (1.0 - c * (-(n - traffic) * answer_within.max(0.0) / mean_handle).exp()).clamp(0.0, 1.0)
}

/// The fewest agents that reach `target` service level (see [`service_level`]),
/// searching up to `traffic + 10,000` agents.
///
/// # Errors
///
/// [`Error::Validation`] (`service_level`) for a target outside `[0, 1)` and
/// (`arrivals_per_hour`, `mean_handle_minutes`) for a negative or non-finite
/// demand; [`Error::Overflow`] when no agent count in range reaches it.
///
/// ```
/// use hotcrm_support::sla::predict::workload::required_agents;
/// assert_eq!(required_agents(10.0, 20.0 / 60.0, 3.0, 0.8)?, 14);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
pub fn required_agents(
    traffic: f64,
    answer_within: f64,
    mean_handle: f64,
    target: f64,
) -> Result<u32> {
    if !(target.is_finite() && (0.0..1.0).contains(&target)) {
        return Err(Error::validation(
            "service_level",
            format!("must be in [0, 1), got {target}"),
        ));
    }
    if !(traffic.is_finite() && traffic >= 0.0) {
        return Err(Error::validation(
            "arrivals_per_hour",
            format!("traffic must be a non-negative number, got {traffic}"),
        ));
    }
    if !(mean_handle.is_finite() && mean_handle > 0.0) {
        return Err(Error::validation(
            "mean_handle_minutes",
            format!("must be positive, got {mean_handle}"),
        ));
    }
    if traffic == 0.0 {
        return Ok(0);
    }
    // The first N above the traffic, then up.
    let first = (traffic.floor() + 1.0).min(f64::from(u32::MAX)) as u32;
    let last = first.saturating_add(10_000);
    (first..=last)
        .find(|&n| service_level(n, traffic, answer_within, mean_handle) >= target)
        .ok_or_else(|| Error::Overflow {
            what: format!(
                "no agent count up to {last} reaches service level {target} for {traffic} Erlangs"
            ),
        })
}

/// Utilisation, projected breaches and recommendations for `agents` and their
/// open `cases`, with `demand` forecasts for the next shift.
///
/// - **Reassign**: cases at or above the breach threshold, most likely first
///   (ties: fewer remaining minutes, then case id), go to the available,
///   eligible agent (every required skill at its level, below capacity, not
///   the owner) whose utilisation after taking it is lowest (ties: agent id).
///   The projected probability assumes a case's risk scales with its owner's
///   utilisation: `p' = p · min(1, u_to / u_from)` with `u_to` after the move
///   and `u_from = 1` for an unassigned case; recommended when `p − p'` is at
///   least `min_gain`. Loads are updated as moves are recommended, so two
///   moves never fill the same slot twice.
/// - **RelaxSkill**: for an at-risk case no available agent with room is
///   eligible for, the requirement to lower and the agent who would then
///   qualify: the one missing only that skill's level by the least (ties:
///   lowest utilisation, then id).
/// - **AddAgents**: for each skill in `demand` (in skill id order), when the
///   Erlang-C service level with the scheduled agents is below target, the
///   number of extra agents that reaches it.
///
/// # Errors
///
/// [`Error::Validation`] for a config that breaks [`WorkloadConfig::validate`]
/// or a demand that [`required_agents`] refuses.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::Origin;
/// use hotcrm_support::ids::{AgentId, CaseId, SkillId};
/// use hotcrm_support::sla::predict::workload::*;
/// let billing = SkillId::from_u128(1);
/// let (busy, free) = (AgentId::from_u128(10), AgentId::from_u128(11));
/// let agents = [
///     WorkloadAgent::new(busy, Origin::Email, 4).with_load(4).with_skill(billing, 3),
///     WorkloadAgent::new(free, Origin::Email, 4).with_load(1).with_skill(billing, 3),
/// ];
/// let cases = [WorkloadCase::new(CaseId::from_u128(5), Origin::Email, 0.8, 120).owned_by(busy).requiring(billing, 2)];
/// let plan = optimize_workload(&agents, &cases, &[], &WorkloadConfig::default())?;
/// assert_eq!(plan.channels[0].utilisation, 5.0 / 8.0);
/// assert_eq!(plan.projected_breaches.expected, 0.8);
/// match &plan.recommendations[0] {
///     Recommendation::Reassign { to, gain, .. } => {
///         assert_eq!(*to, free);
///         assert!((gain - 0.4).abs() < 1e-12); // 0.8 · (1 − 0.5 / 1.0)
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn optimize_workload(
    agents: &[WorkloadAgent],
    cases: &[WorkloadCase],
    demand: &[SkillDemand],
    config: &WorkloadConfig,
) -> Result<WorkloadPlan> {
    config.validate()?;
    let utilisation: Vec<AgentUtilisation> = agents
        .iter()
        .map(|a| AgentUtilisation {
            agent: a.id,
            channel: a.channel,
            open_load: a.open_load,
            capacity: a.capacity,
            utilisation: a.utilisation(),
        })
        .collect();
    let mut by_channel: BTreeMap<Origin, (usize, u32, u32)> = BTreeMap::new();
    for a in agents {
        let e = by_channel.entry(a.channel).or_default();
        e.0 += 1;
        e.1 = e.1.saturating_add(a.open_load);
        e.2 = e.2.saturating_add(a.capacity);
    }
    let channels = by_channel
        .into_iter()
        .map(|(channel, (n, load, cap))| ChannelUtilisation {
            channel,
            agents: n,
            open_load: load,
            capacity: cap,
            utilisation: ratio(load, cap),
        })
        .collect();

    let probability = |c: &WorkloadCase| {
        if c.breach_probability.is_finite() {
            c.breach_probability.clamp(0.0, 1.0)
        } else {
            1.0
        }
    };
    let mut risky: Vec<&WorkloadCase> = cases
        .iter()
        .filter(|c| probability(c) >= config.breach_threshold)
        .collect();
    risky.sort_by(|a, b| {
        probability(b)
            .total_cmp(&probability(a))
            .then(a.remaining_minutes.cmp(&b.remaining_minutes))
            .then(a.id.cmp(&b.id))
    });
    let within = |c: &WorkloadCase| c.remaining_minutes <= config.horizon_minutes;
    let projected_breaches = ProjectedBreaches {
        horizon_minutes: config.horizon_minutes,
        expected: cases.iter().filter(|c| within(c)).map(probability).sum(),
        at_risk: risky
            .iter()
            .filter(|c| within(c))
            .map(|c| (c.id, probability(c)))
            .collect(),
    };

    let mut loads: Vec<u32> = agents.iter().map(|a| a.open_load).collect();
    let mut reassign = Vec::new();
    let mut relax = Vec::new();
    for case in &risky {
        let p = probability(case);
        let owner = case
            .owner
            .and_then(|o| agents.iter().position(|a| a.id == o));
        let u_from = owner
            .and_then(|i| Some(ratio(*loads.get(i)?, agents.get(i)?.capacity)))
            .unwrap_or(1.0);
        let has_room = |i: usize, a: &WorkloadAgent| {
            a.available && Some(i) != owner && loads.get(i).is_some_and(|&l| l < a.capacity)
        };
        let best = agents
            .iter()
            .enumerate()
            .filter(|&(i, a)| has_room(i, a) && case.eligible(a))
            .map(|(i, a)| {
                (
                    i,
                    ratio(
                        loads.get(i).copied().unwrap_or(0).saturating_add(1),
                        a.capacity,
                    ),
                )
            })
            .min_by(|x, y| {
                x.1.total_cmp(&y.1).then(
                    agents
                        .get(x.0)
                        .map(|a| a.id)
                        .cmp(&agents.get(y.0).map(|a| a.id)),
                )
            });
        match best {
            Some((i, u_to)) => {
                let after = if u_from > 0.0 {
                    p * (u_to / u_from).min(1.0)
                } else {
                    p
                };
                let gain = p - after;
                let (Some(to), true) = (agents.get(i), gain >= config.min_gain) else {
                    continue;
                };
                let from = case.owner;
                let reason = format!(
                    "case {} has a {:.0}% breach risk with {} at {:.0}% utilisation; {} is eligible at {:.0}% after taking it (projected risk {:.0}%)",
                    case.id,
                    p * 100.0,
                    from.map_or("no owner".to_owned(), |f| format!("agent {f}")),
                    u_from * 100.0,
                    to.id,
                    u_to * 100.0,
                    after * 100.0
                );
                if let Some(l) = loads.get_mut(i) {
                    *l = l.saturating_add(1);
                }
                if let Some(l) = owner.and_then(|o| loads.get_mut(o)) {
                    *l = l.saturating_sub(1);
                }
                reassign.push(Recommendation::Reassign {
                    case: case.id,
                    from,
                    to: to.id,
                    gain,
                    reason,
                });
            }
            None => {
                // Agents with room who miss exactly one requirement, by a level.
                let candidate = agents
                    .iter()
                    .enumerate()
                    .filter(|&(i, a)| has_room(i, a))
                    .filter_map(|(i, a)| {
                        let mut missing = case
                            .required_skills
                            .iter()
                            .filter(|&&(s, min)| a.level(s).is_none_or(|l| l < min));
                        let &(skill, min) = missing.next()?;
                        if missing.next().is_some() {
                            return None;
                        }
                        let level = a.level(skill)?;
                        let u = ratio(loads.get(i).copied().unwrap_or(0), a.capacity);
                        Some((min - level, u, a.id, skill, min, level))
                    })
                    .min_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2)));
                if let Some((_, _, agent, skill, required, level)) = candidate {
                    relax.push(Recommendation::RelaxSkill {
                        case: case.id,
                        skill,
                        required,
                        relaxed_to: level,
                        agent,
                        reason: format!(
                            "case {} has a {:.0}% breach risk and no eligible agent with room; agent {agent} has skill {skill} at level {level} of the {required} required",
                            case.id,
                            p * 100.0
                        ),
                    });
                }
            }
        }
    }

    let mut demand: Vec<&SkillDemand> = demand.iter().collect();
    demand.sort_by_key(|d| d.skill);
    let mut staffing = Vec::new();
    for d in demand {
        let traffic = d.traffic();
        let needed = required_agents(
            traffic,
            config.answer_within_minutes,
            d.mean_handle_minutes,
            config.service_level,
        )
        .map_err(|e| match e {
            Error::Validation { field, reason } => Error::Validation {
                field,
                reason: format!("skill {}: {reason}", d.skill),
            },
            other => other,
        })?;
        if needed > d.agents_next_shift {
            let count = needed - d.agents_next_shift;
            let now = service_level(
                d.agents_next_shift,
                traffic,
                config.answer_within_minutes,
                d.mean_handle_minutes,
            );
            let after = service_level(
                needed,
                traffic,
                config.answer_within_minutes,
                d.mean_handle_minutes,
            );
            staffing.push(Recommendation::AddAgents {
                skill: d.skill,
                count,
                service_level_now: now,
                service_level_after: after,
                reason: format!(
                    "skill {}: {:.1} Erlangs ({:.1} cases/h × {:.0} min) on {} agents picks up {:.0}% within {:.0} min; {needed} agents reach {:.0}% (target {:.0}%)",
                    d.skill,
                    traffic,
                    d.arrivals_per_hour,
                    d.mean_handle_minutes,
                    d.agents_next_shift,
                    now * 100.0,
                    config.answer_within_minutes,
                    after * 100.0,
                    config.service_level * 100.0
                ),
            });
        }
    }
    let mut recommendations = reassign;
    recommendations.extend(relax);
    recommendations.extend(staffing);
    Ok(WorkloadPlan {
        agents: utilisation,
        channels,
        projected_breaches,
        recommendations,
    })
}
