//! Queues: members, routing method, overflow and the round-robin cursor.
//!
//! Pure values with validation. Depends on `ids`, `error`, `calendar` (business
//! hours) and the routing value types.

use std::fmt;

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::ids::{AgentId, QueueId};
use crate::picklist::picklist;

picklist! {
    /// How a queue picks among eligible agents. Every method breaks ties the same
    /// way: the agent who has waited longest since their last assignment, then the
    /// smallest agent id.
    ///
    /// ```
    /// use hotcrm_support::routing::RoutingMethod;
    /// assert_eq!("skill-based".parse::<RoutingMethod>()?, RoutingMethod::SkillBased);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum RoutingMethod: "routing method" {
        /// The member whose last assignment in this queue is oldest (a persisted
        /// turn counter, so it survives restarts and identical timestamps).
        RoundRobin => "Round Robin",
        /// The fewest open cases.
        LeastActive => "Least Active",
        /// The largest spare capacity, then the largest spare ratio.
        MostAvailable => "Most Available",
        /// The best weighted skill match, then the lowest load.
        SkillBased => "Skill Based",
        /// Assignments in proportion to member weights (stride scheduling).
        Weighted => "Weighted",
        /// The AI provider's suggestion when eligible and confident enough, else `SkillBased`.
        AiAssisted => "AI Assisted",
    }
}

picklist! {
    /// What a queue does with a case while its business hours are closed.
    ///
    /// ```
    /// use hotcrm_support::routing::OutOfHours;
    /// assert_eq!(OutOfHours::default(), OutOfHours::RouteAnyway);
    /// ```
    #[derive(Default)]
    pub enum OutOfHours: "out-of-hours behaviour" {
        /// Ignore the hours: agents who are available take the case (the default).
        #[default]
        RouteAnyway => "Route Anyway",
        /// Keep the case waiting until the queue opens; relaxation timers restart then.
        Hold => "Hold",
        /// Send new cases straight to the overflow queue, and move waiting ones there on
        /// the first [`Router::tick`](super::Router::tick) after closing (hold when
        /// there is no overflow queue).
        Overflow => "Overflow",
    }
}

/// A member weight from 1 (light) to 10 (heavy), used by [`RoutingMethod::Weighted`].
///
/// ```
/// use hotcrm_support::routing::Weight;
/// assert_eq!(Weight::new(10)?.get(), 10);
/// assert!(Weight::new(0).is_err() && Weight::new(11).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Weight(u8);

impl Weight {
    /// A weight from 1 to 10.
    ///
    /// ```
    /// assert!(hotcrm_support::routing::Weight::new(5).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `w` is 0 or above 10.
    pub fn new(w: u8) -> Result<Self> {
        if (1..=10).contains(&w) {
            Ok(Self(w))
        } else {
            Err(Error::validation(
                "weight",
                format!("weight {w} is outside 1..=10"),
            ))
        }
    }

    /// The weight as a number.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::routing::Weight::default().get(), 1);
    /// ```
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for Weight {
    fn default() -> Self {
        Weight(1)
    }
}

impl TryFrom<u8> for Weight {
    type Error = Error;
    fn try_from(w: u8) -> Result<Self> {
        Self::new(w)
    }
}

impl From<Weight> for u8 {
    fn from(w: Weight) -> u8 {
        w.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An agent's membership of a queue, with the queue-local fairness counters.
///
/// # Example
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::{QueueMember, Weight}};
/// let m = QueueMember::new(AgentId::from_u128(1)).with_weight(Weight::new(3)?);
/// assert_eq!(m.weight.get(), 3);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMember {
    /// The agent.
    pub agent: AgentId,
    /// Weight for [`RoutingMethod::Weighted`].
    pub weight: Weight,
    /// The queue turn of this member's last assignment here (0 = never).
    pub last_turn: u64,
    /// How many cases this queue has assigned to the member.
    pub served: u64,
}

impl QueueMember {
    /// A member with weight 1 and no history.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::QueueMember};
    /// assert_eq!(QueueMember::new(AgentId::from_u128(1)).served, 0);
    /// ```
    pub fn new(agent: AgentId) -> Self {
        Self {
            agent,
            weight: Weight::default(),
            last_turn: 0,
            served: 0,
        }
    }

    /// Sets the weight.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::{QueueMember, Weight}};
    /// let w = Weight::new(7)?;
    /// assert_eq!(QueueMember::new(AgentId::from_u128(1)).with_weight(w).weight, w);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_weight(mut self, weight: Weight) -> Self {
        self.weight = weight;
        self
    }
}

/// The round-robin state change of one assignment, returned in every
/// [`RoutingDecision`](super::RoutingDecision) so the host can persist it and
/// restore it with [`Queue::restore_cursor`].
///
/// ```
/// use hotcrm_support::ids::{AgentId, QueueId};
/// use hotcrm_support::routing::{Queue, QueueCursor, QueueMember, RoutingMethod};
/// let a = AgentId::from_u128(1);
/// let mut q = Queue::new(QueueId::from_u128(1), "Tier 1", RoutingMethod::RoundRobin)?
///     .with_member(QueueMember::new(a));
/// q.restore_cursor(&QueueCursor { queue: q.id, turn: 7, agent: a });
/// assert_eq!(q.turn, 7);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QueueCursor {
    /// The queue.
    pub queue: QueueId,
    /// The queue's turn counter after the assignment.
    pub turn: u64,
    /// The member who took that turn.
    pub agent: AgentId,
}

/// Serde helpers: a `TimeDelta` as whole seconds.
mod secs {
    use chrono::TimeDelta;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
        let n = i64::deserialize(d)?;
        TimeDelta::try_seconds(n).ok_or_else(|| serde::de::Error::custom("duration out of range"))
    }
}

/// A routing queue: who works it, how work is picked, and where it overflows.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::ids::{AgentId, QueueId};
/// use hotcrm_support::routing::{Queue, QueueMember, RoutingMethod};
/// let q = Queue::new(QueueId::from_u128(1), "Tier 1", RoutingMethod::SkillBased)?
///     .with_member(QueueMember::new(AgentId::from_u128(1)))
///     .with_overflow(QueueId::from_u128(2))
///     .with_relax_timeout(TimeDelta::minutes(10))?;
/// assert_eq!(q.members.len(), 1);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QueueRecord")]
pub struct Queue {
    /// The queue's id.
    pub id: QueueId,
    /// Display name.
    pub name: String,
    /// How an agent is picked.
    pub method: RoutingMethod,
    /// Members, at most one entry per agent.
    pub members: Vec<QueueMember>,
    /// Where cases go once every optional skill group has been dropped and one more
    /// timeout has passed.
    pub overflow: Option<QueueId>,
    /// How long a waiting case stays at one relaxation step (default 5 minutes).
    #[serde(with = "secs")]
    pub relax_timeout: TimeDelta,
    /// Minimum AI confidence (0–1) for [`RoutingMethod::AiAssisted`] (default 0.7).
    pub ai_confidence_threshold: f64,
    /// The queue's own business hours; `None` uses the router's
    /// ([`Router::set_business_hours`](super::Router::set_business_hours)), and with
    /// neither the queue is always open.
    pub hours: Option<BusinessHours>,
    /// Behaviour while the queue's business hours are closed.
    pub out_of_hours: OutOfHours,
    /// The round-robin turn counter (number of assignments made by this queue).
    pub turn: u64,
}

impl Queue {
    /// An empty queue with a 5-minute relax timeout and a 0.7 AI threshold.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// assert!(Queue::new(QueueId::from_u128(1), "", RoutingMethod::RoundRobin).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the name is blank.
    pub fn new(id: QueueId, name: impl Into<String>, method: RoutingMethod) -> Result<Self> {
        let q = Self {
            id,
            name: name.into(),
            method,
            members: Vec::new(),
            overflow: None,
            relax_timeout: TimeDelta::minutes(5),
            ai_confidence_threshold: 0.7,
            hours: None,
            out_of_hours: OutOfHours::default(),
            turn: 0,
        };
        q.validate()?;
        Ok(q)
    }

    /// Adds a member (replacing an existing entry for the same agent).
    ///
    /// ```
    /// use hotcrm_support::{ids::{AgentId, QueueId}, routing::{Queue, QueueMember, RoutingMethod}};
    /// let a = AgentId::from_u128(1);
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::LeastActive)?
    ///     .with_member(QueueMember::new(a))
    ///     .with_member(QueueMember::new(a));
    /// assert_eq!(q.members.len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_member(mut self, member: QueueMember) -> Self {
        match self.members.iter_mut().find(|m| m.agent == member.agent) {
            Some(existing) => *existing = member,
            None => self.members.push(member),
        }
        self
    }

    /// Sets the overflow queue.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::LeastActive)?.with_overflow(QueueId::from_u128(2));
    /// assert_eq!(q.overflow, Some(QueueId::from_u128(2)));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_overflow(mut self, overflow: QueueId) -> Self {
        self.overflow = Some(overflow);
        self
    }

    /// Sets the relaxation timeout.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::LeastActive)?;
    /// assert!(q.with_relax_timeout(TimeDelta::zero()).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless the timeout is at least one second.
    pub fn with_relax_timeout(mut self, timeout: TimeDelta) -> Result<Self> {
        self.relax_timeout = timeout;
        self.validate()?;
        Ok(self)
    }

    /// Sets the minimum AI confidence.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::AiAssisted)?;
    /// assert!(q.clone().with_ai_threshold(0.9).is_ok());
    /// assert!(q.with_ai_threshold(1.5).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless `threshold` is a number in 0..=1.
    pub fn with_ai_threshold(mut self, threshold: f64) -> Result<Self> {
        self.ai_confidence_threshold = threshold;
        self.validate()?;
        Ok(self)
    }

    /// Sets the out-of-hours behaviour.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::{OutOfHours, Queue, RoutingMethod}};
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::AiAssisted)?.with_out_of_hours(OutOfHours::Hold);
    /// assert_eq!(q.out_of_hours, OutOfHours::Hold);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_out_of_hours(mut self, behaviour: OutOfHours) -> Self {
        self.out_of_hours = behaviour;
        self
    }

    /// Sets the queue's own business hours.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?.with_hours(BusinessHours::always_open());
    /// assert!(q.hours.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_hours(mut self, hours: BusinessHours) -> Self {
        self.hours = Some(hours);
        self
    }

    /// Applies a persisted round-robin cursor: the queue's turn counter and the
    /// member's last turn. A cursor for another queue or an unknown member only
    /// moves nothing it cannot match.
    ///
    /// ```
    /// use hotcrm_support::ids::{AgentId, QueueId};
    /// use hotcrm_support::routing::{Queue, QueueCursor, QueueMember, RoutingMethod};
    /// let a = AgentId::from_u128(1);
    /// let mut q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a));
    /// q.restore_cursor(&QueueCursor { queue: q.id, turn: 3, agent: a });
    /// assert_eq!(q.members[0].last_turn, 3);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn restore_cursor(&mut self, cursor: &QueueCursor) {
        if cursor.queue != self.id {
            return;
        }
        self.turn = self.turn.max(cursor.turn);
        if let Some(m) = self.members.iter_mut().find(|m| m.agent == cursor.agent) {
            m.last_turn = m.last_turn.max(cursor.turn);
        }
    }

    /// Checks the invariants.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::{Queue, RoutingMethod}};
    /// let mut q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?;
    /// q.overflow = Some(q.id);
    /// assert!(q.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank name, a relax timeout under one second, an
    /// AI threshold outside 0..=1, a queue overflowing into itself or a duplicated member.
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::validation("queue name", "must not be blank"));
        }
        if self.relax_timeout < TimeDelta::seconds(1) {
            return Err(Error::validation(
                "relax timeout",
                format!(
                    "{}s is shorter than one second",
                    self.relax_timeout.num_seconds()
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.ai_confidence_threshold) {
            return Err(Error::validation(
                "ai confidence threshold",
                format!("{} is outside 0..=1", self.ai_confidence_threshold),
            ));
        }
        if self.overflow == Some(self.id) {
            return Err(Error::validation(
                "overflow queue",
                format!("queue {} cannot overflow into itself", self.id),
            ));
        }
        // Sort a copy of the ids: O(n log n) even for queues with thousands of members.
        let mut ids: Vec<_> = self.members.iter().map(|m| m.agent).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|w| w.first() == w.last()) {
            let agent = pair.first().map(ToString::to_string).unwrap_or_default();
            return Err(Error::validation(
                "queue members",
                format!("agent {agent} is listed twice in queue {}", self.id),
            ));
        }
        Ok(())
    }
}

/// [`Queue`] as stored: loading checks it with [`Queue::validate`].
#[derive(Deserialize)]
struct QueueRecord {
    id: QueueId,
    name: String,
    method: RoutingMethod,
    members: Vec<QueueMember>,
    overflow: Option<QueueId>,
    #[serde(with = "secs")]
    relax_timeout: TimeDelta,
    ai_confidence_threshold: f64,
    hours: Option<BusinessHours>,
    out_of_hours: OutOfHours,
    turn: u64,
}

impl TryFrom<QueueRecord> for Queue {
    type Error = Error;
    fn try_from(r: QueueRecord) -> Result<Self> {
        let queue = Queue {
            id: r.id,
            name: r.name,
            method: r.method,
            members: r.members,
            overflow: r.overflow,
            relax_timeout: r.relax_timeout,
            ai_confidence_threshold: r.ai_confidence_threshold,
            hours: r.hours,
            out_of_hours: r.out_of_hours,
            turn: r.turn,
        };
        queue.validate()?;
        Ok(queue)
    }
}
