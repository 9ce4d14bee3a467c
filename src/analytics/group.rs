//! Grouping: [`Dimension`] (queue, agent, tier, priority) and [`GroupKey`],
//! the key of one group. Pure values; depends on `case`, `sla`, `ids`, `error`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::case::{Case, Priority};
use crate::error::{Error, Result};
use crate::ids::{AgentId, QueueId};
use crate::sla::SlaTier;

/// What to group cases by. Grouping uses the case's current value (its owner,
/// queue, tier and priority now, not when an event happened).
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{Dimension, GroupKey};
/// use hotcrm_support::case::{Case, CaseRules, NewCase, Priority};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d")
///     .with_priority(Priority::High);
/// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
/// assert_eq!(Dimension::Priority.key(&case), GroupKey::Priority(Priority::High));
/// assert_eq!(Dimension::Agent.key(&case), GroupKey::Unassigned);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Dimension {
    /// The case's queue ([`GroupKey::Unassigned`] when it has none).
    Queue,
    /// The case's owner ([`GroupKey::Unassigned`] when it has none).
    Agent,
    /// The case's SLA tier.
    Tier,
    /// The case's priority.
    Priority,
}

impl Dimension {
    /// Every dimension, in declaration order.
    ///
    /// ```
    /// use hotcrm_support::analytics::Dimension;
    /// assert_eq!(Dimension::ALL.first(), Some(&Dimension::Queue));
    /// assert_eq!(Dimension::ALL.len(), 4);
    /// ```
    pub const ALL: &'static [Dimension] = &[
        Dimension::Queue,
        Dimension::Agent,
        Dimension::Tier,
        Dimension::Priority,
    ];

    /// The group `case` belongs to along this dimension.
    ///
    /// ```
    /// # use hotcrm_support::analytics::{Dimension, GroupKey};
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::SlaTier;
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(Dimension::Tier.key(&case), GroupKey::Tier(SlaTier::Standard));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(self, case: &Case) -> GroupKey {
        match self {
            Dimension::Queue => case.queue.map_or(GroupKey::Unassigned, GroupKey::Queue),
            Dimension::Agent => case.owner.map_or(GroupKey::Unassigned, GroupKey::Agent),
            Dimension::Tier => GroupKey::Tier(case.sla_tier),
            Dimension::Priority => GroupKey::Priority(case.priority),
        }
    }
}

/// The key of one group of cases.
///
/// Serialized as a string so that maps keyed by it are JSON objects:
/// `queue:<uuid>`, `agent:<uuid>`, `tier:<Tier>`, `priority:<Priority>`, and
/// `unassigned` for cases without a queue or owner. [`FromStr`] parses the
/// same form. Keys order by kind (queue, agent, tier, priority, unassigned),
/// then by value, so `Unassigned` sorts last in every map.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::GroupKey;
/// use hotcrm_support::case::Priority;
///
/// let key: GroupKey = "priority:High".parse()?;
/// assert_eq!(key, GroupKey::Priority(Priority::High));
/// assert_eq!(GroupKey::Unassigned.to_string(), "unassigned");
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GroupKey {
    /// Cases in this queue.
    Queue(QueueId),
    /// Cases owned by this agent.
    Agent(AgentId),
    /// Cases of this SLA tier.
    Tier(SlaTier),
    /// Cases of this priority.
    Priority(Priority),
    /// Cases without a queue (or without an owner).
    Unassigned,
}

impl fmt::Display for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupKey::Queue(id) => write!(f, "queue:{id}"),
            GroupKey::Agent(id) => write!(f, "agent:{id}"),
            GroupKey::Tier(tier) => write!(f, "tier:{tier:?}"),
            GroupKey::Priority(priority) => write!(f, "priority:{priority:?}"),
            GroupKey::Unassigned => f.write_str("unassigned"),
        }
    }
}

impl FromStr for GroupKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<GroupKey> {
        if s == "unassigned" {
            return Ok(GroupKey::Unassigned);
        }
        match s.split_once(':') {
            Some(("queue", id)) => id.parse().map(GroupKey::Queue),
            Some(("agent", id)) => id.parse().map(GroupKey::Agent),
            Some(("tier", tier)) => tier.parse().map(GroupKey::Tier),
            Some(("priority", priority)) => priority.parse().map(GroupKey::Priority),
            _ => Err(Error::Parse {
                what: "group key",
                input: s.chars().take(64).collect(),
                reason: "expected unassigned, queue:<id>, agent:<id>, tier:<tier> or priority:<priority>".into(),
            }),
        }
    }
}

impl Serialize for GroupKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GroupKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn display_parse_round_trip() {
        let keys = [
            GroupKey::Queue(QueueId::from_u128(1)),
            GroupKey::Agent(AgentId::from_u128(2)),
            GroupKey::Tier(SlaTier::Platinum),
            GroupKey::Priority(Priority::Critical),
            GroupKey::Unassigned,
        ];
        for key in keys {
            let text = key.to_string();
            assert_eq!(text.parse::<GroupKey>().unwrap(), key, "{text}");
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(
                serde_json::from_str::<GroupKey>(&json).unwrap(),
                key,
                "{json}"
            );
        }
        assert!("team:x".parse::<GroupKey>().is_err());
        assert!("queue:not-a-uuid".parse::<GroupKey>().is_err());
    }
}
