//! Agents: presence status, capacity (cases or units per channel), load and skills.
//!
//! Pure values with validation. Depends on `ids`, `case` picklists, `error` and the
//! routing `skill` module.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::Origin;
use crate::error::{Error, Result};
use crate::ids::{AgentId, SkillId};
use crate::picklist::picklist;

use super::skill::AgentSkill;

picklist! {
    /// An agent's presence. Only [`AgentStatus::Available`] agents receive work.
    ///
    /// ```
    /// use hotcrm_support::routing::AgentStatus;
    /// assert!(AgentStatus::Available.accepts_work());
    /// assert!(!"at lunch".parse::<AgentStatus>()?.accepts_work());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum AgentStatus: "agent status" {
        /// Logged in and taking work.
        Available => "Available",
        /// Logged in but not taking new work.
        Busy => "Busy",
        /// On a short break.
        OnBreak => "On Break",
        /// At lunch.
        AtLunch => "At Lunch",
        /// In training.
        InTraining => "In Training",
        /// Logged out.
        Offline => "Offline",
    }
}

impl AgentStatus {
    /// Whether an agent in this status may be assigned new work.
    pub const fn accepts_work(self) -> bool {
        matches!(self, AgentStatus::Available)
    }
}

/// How much work an agent can hold at once.
///
/// `Cases` counts open cases (each case costs 1). `Units` follows omni-channel
/// presence: each case costs units according to its channel ([`Origin`]), so an agent
/// with 10 units can hold, say, one phone case (6) and two emails (2 each). Channels
/// without an explicit cost cost 1 unit.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::Origin;
/// use hotcrm_support::routing::Capacity;
/// let units = Capacity::units(10)?.with_cost(Origin::Phone, 6)?;
/// assert_eq!(units.cost_of(Origin::Phone), 6);
/// assert_eq!(units.cost_of(Origin::Email), 1);
/// assert_eq!(Capacity::cases(5)?.limit(), 5);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CapacityRecord")]
pub enum Capacity {
    /// At most this many open cases.
    Cases {
        /// Maximum number of open cases (at least 1).
        max: u32,
    },
    /// At most this many units; each case costs units by channel.
    Units {
        /// Maximum units (at least 1).
        max: u32,
        /// Cost per channel (at least 1); missing channels cost 1.
        costs: BTreeMap<Origin, u32>,
    },
}

impl Capacity {
    /// At most `max` open cases.
    ///
    /// ```
    /// use hotcrm_support::routing::Capacity;
    /// assert!(Capacity::cases(0).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `max` is 0.
    pub fn cases(max: u32) -> Result<Self> {
        let c = Capacity::Cases { max };
        c.validate()?;
        Ok(c)
    }

    /// At most `max` units, every channel costing 1 until [`Capacity::with_cost`].
    ///
    /// ```
    /// use hotcrm_support::routing::Capacity;
    /// assert_eq!(Capacity::units(8)?.limit(), 8);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `max` is 0.
    pub fn units(max: u32) -> Result<Self> {
        let c = Capacity::Units {
            max,
            costs: BTreeMap::new(),
        };
        c.validate()?;
        Ok(c)
    }

    /// Sets the cost of one case from `origin` (unit capacity only).
    ///
    /// ```
    /// use hotcrm_support::{case::Origin, routing::Capacity};
    /// assert!(Capacity::units(8)?.with_cost(Origin::Phone, 0).is_err());
    /// assert!(Capacity::cases(8)?.with_cost(Origin::Phone, 2).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `units` is 0 or the capacity counts cases.
    pub fn with_cost(self, origin: Origin, units: u32) -> Result<Self> {
        match self {
            Capacity::Cases { .. } => Err(Error::validation(
                "capacity",
                "channel costs need unit capacity, not case capacity",
            )),
            Capacity::Units { max, mut costs } => {
                if units == 0 {
                    return Err(Error::validation(
                        "capacity",
                        format!("cost of {origin} must be at least 1 unit"),
                    ));
                }
                costs.insert(origin, units);
                Ok(Capacity::Units { max, costs })
            }
        }
    }

    /// The maximum load (cases or units).
    ///
    /// ```
    /// assert_eq!(hotcrm_support::routing::Capacity::cases(3)?.limit(), 3);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn limit(&self) -> u32 {
        match self {
            Capacity::Cases { max } | Capacity::Units { max, .. } => *max,
        }
    }

    /// What one case from `origin` adds to the load.
    ///
    /// ```
    /// use hotcrm_support::{case::Origin, routing::Capacity};
    /// assert_eq!(Capacity::cases(3)?.cost_of(Origin::Phone), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn cost_of(&self, origin: Origin) -> u32 {
        match self {
            Capacity::Cases { .. } => 1,
            Capacity::Units { costs, .. } => costs.get(&origin).copied().unwrap_or(1),
        }
    }

    /// Checks the invariants (max at least 1, every cost at least 1); loading a
    /// capacity with serde checks them too.
    ///
    /// ```
    /// use hotcrm_support::routing::Capacity;
    /// assert!(Capacity::Cases { max: 0 }.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the bad value.
    pub fn validate(&self) -> Result<()> {
        if self.limit() == 0 {
            return Err(Error::validation("capacity", "max must be at least 1"));
        }
        if let Capacity::Units { costs, .. } = self {
            if let Some((origin, _)) = costs.iter().find(|(_, c)| **c == 0) {
                return Err(Error::validation(
                    "capacity",
                    format!("cost of {origin} must be at least 1 unit"),
                ));
            }
        }
        Ok(())
    }
}

/// [`Capacity`] as stored: loading checks it with [`Capacity::validate`].
#[derive(Deserialize)]
enum CapacityRecord {
    Cases {
        max: u32,
    },
    Units {
        max: u32,
        costs: BTreeMap<Origin, u32>,
    },
}

impl TryFrom<CapacityRecord> for Capacity {
    type Error = Error;
    fn try_from(record: CapacityRecord) -> Result<Self> {
        let capacity = match record {
            CapacityRecord::Cases { max } => Capacity::Cases { max },
            CapacityRecord::Units { max, costs } => Capacity::Units { max, costs },
        };
        capacity.validate()?;
        Ok(capacity)
    }
}

/// A support agent as routing sees them.
///
/// Build one with [`Agent::new`] and the `with_*` methods; the [`Router`](super::Router)
/// validates it again when it is added.
///
/// # Example
///
/// ```
/// use hotcrm_support::ids::{AgentId, SkillId};
/// use hotcrm_support::routing::{Agent, AgentSkill, AgentStatus, Capacity};
/// let ada = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(5)?)?
///     .with_status(AgentStatus::Available)
///     .with_skill(AgentSkill::new(SkillId::from_u128(10), 4)?);
/// assert_eq!(ada.spare(), 5);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AgentRecord")]
pub struct Agent {
    /// The agent's id.
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Presence.
    pub status: AgentStatus,
    /// How much work the agent can hold.
    pub capacity: Capacity,
    /// Current load, in the capacity's unit (cases or units): the sum of the
    /// costs of the agent's open assignments. The [`Router`](super::Router)
    /// derives it from its assignments and ignores the value it is given.
    pub load: u32,
    /// Number of open cases assigned; derived by the router like `load`.
    pub open_cases: u32,
    /// When the agent was last assigned a case; `None` = never.
    pub last_assigned_at: Option<DateTime<Utc>>,
    /// The agent's manager, for escalation and workload reports.
    pub manager: Option<AgentId>,
    /// Skills, at most one entry per skill.
    pub skills: Vec<AgentSkill>,
}

impl Agent {
    /// A new agent: `Offline`, no load, no skills.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, AgentStatus, Capacity}};
    /// let a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?;
    /// assert_eq!(a.status, AgentStatus::Offline);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the name is blank or the capacity is invalid.
    pub fn new(id: AgentId, name: impl Into<String>, capacity: Capacity) -> Result<Self> {
        let agent = Self {
            id,
            name: name.into(),
            status: AgentStatus::Offline,
            capacity,
            load: 0,
            open_cases: 0,
            last_assigned_at: None,
            manager: None,
            skills: Vec::new(),
        };
        agent.validate()?;
        Ok(agent)
    }

    /// Sets the status.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, AgentStatus, Capacity}};
    /// let a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?.with_status(AgentStatus::Busy);
    /// assert_eq!(a.status, AgentStatus::Busy);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_status(mut self, status: AgentStatus) -> Self {
        self.status = status;
        self
    }

    /// Adds or replaces a skill.
    ///
    /// ```
    /// use hotcrm_support::{ids::{AgentId, SkillId}, routing::{Agent, AgentSkill, Capacity}};
    /// let s = SkillId::from_u128(9);
    /// let a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?
    ///     .with_skill(AgentSkill::new(s, 2)?)
    ///     .with_skill(AgentSkill::new(s, 5)?);
    /// assert_eq!(a.skill(s).map(|x| x.proficiency.get()), Some(5));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_skill(mut self, skill: AgentSkill) -> Self {
        match self.skills.iter_mut().find(|s| s.skill == skill.skill) {
            Some(existing) => *existing = skill,
            None => self.skills.push(skill),
        }
        self
    }

    /// Sets the manager.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, Capacity}};
    /// let boss = AgentId::from_u128(99);
    /// let a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?.with_manager(boss);
    /// assert_eq!(a.manager, Some(boss));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_manager(mut self, manager: AgentId) -> Self {
        self.manager = Some(manager);
        self
    }

    /// The agent's entry for `skill`, if any.
    ///
    /// ```
    /// use hotcrm_support::{ids::{AgentId, SkillId}, routing::{Agent, Capacity}};
    /// let a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?;
    /// assert!(a.skill(SkillId::from_u128(1)).is_none());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn skill(&self, skill: SkillId) -> Option<&AgentSkill> {
        self.skills.iter().find(|s| s.skill == skill)
    }

    /// Whether one more case from `origin` fits under the capacity limit:
    /// `load + cost <= limit`, computed without wrapping (a cost near `u32::MAX`
    /// never fits on top of any load it would overflow).
    ///
    /// ```
    /// use hotcrm_support::{case::Origin, ids::AgentId, routing::{Agent, Capacity}};
    /// let capacity = Capacity::units(u32::MAX)?.with_cost(Origin::Phone, u32::MAX)?;
    /// let mut a = Agent::new(AgentId::from_u128(1), "Ada", capacity)?;
    /// assert!(a.has_room_for(Origin::Phone));
    /// a.load = 1;
    /// assert!(!a.has_room_for(Origin::Phone));
    /// assert!(a.has_room_for(Origin::Email));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn has_room_for(&self, origin: Origin) -> bool {
        fits(
            self.load,
            self.capacity.cost_of(origin),
            self.capacity.limit(),
        )
    }

    /// Spare capacity: limit minus load (0 when over the limit).
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, Capacity}};
    /// assert_eq!(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?.spare(), 2);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn spare(&self) -> u32 {
        self.capacity.limit().saturating_sub(self.load)
    }

    /// Load as a percentage of the limit (may exceed 100 if the limit was lowered).
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, Capacity}};
    /// let mut a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(4)?)?;
    /// a.load = 1;
    /// assert_eq!(a.utilisation_percent(), 25);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn utilisation_percent(&self) -> u32 {
        let limit = u64::from(self.capacity.limit().max(1));
        u32::try_from(u64::from(self.load) * 100 / limit).unwrap_or(u32::MAX)
    }

    /// Checks the invariants: non-blank name, valid capacity, one entry per skill.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{Agent, Capacity}};
    /// let mut a = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(4)?)?;
    /// a.capacity = Capacity::Cases { max: 0 };
    /// assert!(a.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first problem found.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::validation("agent name", "must not be blank"));
        }
        self.capacity.validate()?;
        for (i, s) in self.skills.iter().enumerate() {
            if self.skills.iter().skip(i + 1).any(|t| t.skill == s.skill) {
                return Err(Error::validation(
                    "agent skills",
                    format!("skill {} listed twice for agent {}", s.skill, self.id),
                ));
            }
        }
        Ok(())
    }
}

/// [`Agent`] as stored: loading checks it with [`Agent::validate`].
#[derive(Deserialize)]
struct AgentRecord {
    id: AgentId,
    name: String,
    status: AgentStatus,
    capacity: Capacity,
    load: u32,
    open_cases: u32,
    last_assigned_at: Option<DateTime<Utc>>,
    manager: Option<AgentId>,
    skills: Vec<AgentSkill>,
}

impl TryFrom<AgentRecord> for Agent {
    type Error = Error;
    fn try_from(r: AgentRecord) -> Result<Self> {
        let agent = Agent {
            id: r.id,
            name: r.name,
            status: r.status,
            capacity: r.capacity,
            load: r.load,
            open_cases: r.open_cases,
            last_assigned_at: r.last_assigned_at,
            manager: r.manager,
            skills: r.skills,
        };
        agent.validate()?;
        Ok(agent)
    }
}

/// Whether a case costing `cost` fits on top of `load` under `limit`, compared
/// in `u64` so the sum never wraps.
pub(super) fn fits(load: u32, cost: u32, limit: u32) -> bool {
    u64::from(load) + u64::from(cost) <= u64::from(limit)
}
