//! Workload: open cases per agent and per queue, counted by priority, with the
//! age of the backlog at a given instant. Pure; depends on `case` and `ids`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Dimension, GroupKey, MinuteStats};
use crate::case::{Case, Priority};
use crate::ids::CaseId;

/// Open cases counted per priority.
///
/// ```
/// use hotcrm_support::analytics::PriorityCounts;
/// use hotcrm_support::case::Priority;
/// let c = PriorityCounts { high: 2, low: 1, ..Default::default() };
/// assert_eq!((c.total(), c.get(Priority::High)), (3, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PriorityCounts {
    /// Critical cases.
    pub critical: usize,
    /// High cases.
    pub high: usize,
    /// Medium cases.
    pub medium: usize,
    /// Low cases.
    pub low: usize,
}

impl PriorityCounts {
    /// The count of `priority`.
    ///
    /// ```
    /// # use hotcrm_support::{analytics::PriorityCounts, case::Priority};
    /// assert_eq!(PriorityCounts { critical: 4, ..Default::default() }.get(Priority::Critical), 4);
    /// ```
    pub const fn get(&self, priority: Priority) -> usize {
        match priority {
            Priority::Critical => self.critical,
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
    }

    /// All priorities together.
    ///
    /// ```
    /// # use hotcrm_support::analytics::PriorityCounts;
    /// assert_eq!(PriorityCounts { critical: 1, high: 1, medium: 1, low: 1 }.total(), 4);
    /// ```
    pub const fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low
    }

    fn add(&mut self, priority: Priority) {
        let slot = match priority {
            Priority::Critical => &mut self.critical,
            Priority::High => &mut self.high,
            Priority::Medium => &mut self.medium,
            Priority::Low => &mut self.low,
        };
        *slot += 1;
    }
}

/// The open cases of one group (or of the whole desk) at an instant.
///
/// Ages are wall-clock minutes from creation to the instant (0 for a case
/// created after it).
///
/// ```
/// use hotcrm_support::analytics::Backlog;
/// let b = Backlog::default();
/// assert_eq!((b.open, b.oldest), (0, None));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Backlog {
    /// Open cases (status neither Resolved nor Closed).
    pub open: usize,
    /// Open cases per priority.
    pub by_priority: PriorityCounts,
    /// The oldest open case (earliest created; ties broken by id).
    pub oldest: Option<CaseId>,
    /// Statistics of the open cases' ages in minutes; `max` is the oldest's age.
    pub age: MinuteStats,
}

/// Open work at an instant: for the whole desk, per owning agent and per queue.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::{workload, GroupKey};
/// use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase, Priority};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
///
/// let rules = CaseRules::default();
/// let t0 = "2026-01-05T09:00:00Z".parse()?;
/// let agent = AgentId::from_u128(7);
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d")
///     .with_priority(Priority::High);
/// let (mut case, _) = Case::create(new, t0, &rules)?;
/// case.execute(CaseCommand::Assign { agent }, t0, &rules)?;
///
/// let w = workload([&case], "2026-01-05T11:00:00Z".parse()?);
/// let mine = &w.by_agent[&GroupKey::Agent(agent)];
/// assert_eq!((mine.open, mine.by_priority.high, mine.age.max), (1, 1, Some(120)));
/// assert_eq!(w.by_queue[&GroupKey::Unassigned].open, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Workload {
    /// The instant the ages are measured at.
    pub at: DateTime<Utc>,
    /// All open cases.
    pub total: Backlog,
    /// Per owning agent ([`GroupKey::Unassigned`] for cases without an owner).
    pub by_agent: BTreeMap<GroupKey, Backlog>,
    /// Per queue ([`GroupKey::Unassigned`] for cases without a queue).
    pub by_queue: BTreeMap<GroupKey, Backlog>,
}

/// The open cases among `cases` at `now`, per agent and per queue.
///
/// A case is open when its status is neither Resolved nor Closed
/// ([`CaseStatus::is_open`](crate::case::CaseStatus::is_open)); the cases'
/// current state is used, so pass the cases as they are at `now`. Only
/// groups with open cases appear.
///
/// # Example
///
/// ```
/// use hotcrm_support::analytics::workload;
/// use hotcrm_support::case::Case;
///
/// let none: Vec<Case> = Vec::new();
/// let w = workload(&none, "2026-01-05T09:00:00Z".parse()?);
/// assert_eq!((w.total.open, w.total.age.max), (0, None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn workload<'a>(cases: impl IntoIterator<Item = &'a Case>, now: DateTime<Utc>) -> Workload {
    let mut total = BacklogBuilder::default();
    let mut by_agent: BTreeMap<GroupKey, BacklogBuilder> = BTreeMap::new();
    let mut by_queue: BTreeMap<GroupKey, BacklogBuilder> = BTreeMap::new();
    for case in cases.into_iter().filter(|c| c.status.is_open()) {
        total.add(case, now);
        by_agent
            .entry(Dimension::Agent.key(case))
            .or_default()
            .add(case, now);
        by_queue
            .entry(Dimension::Queue.key(case))
            .or_default()
            .add(case, now);
    }
    let finish = |groups: BTreeMap<GroupKey, BacklogBuilder>| {
        groups
            .into_iter()
            .map(|(key, b)| (key, b.finish()))
            .collect()
    };
    Workload {
        at: now,
        total: total.finish(),
        by_agent: finish(by_agent),
        by_queue: finish(by_queue),
    }
}

#[derive(Default)]
struct BacklogBuilder {
    by_priority: PriorityCounts,
    oldest: Option<(DateTime<Utc>, CaseId)>,
    ages: Vec<i64>,
}

impl BacklogBuilder {
    fn add(&mut self, case: &Case, now: DateTime<Utc>) {
        self.by_priority.add(case.priority);
        let candidate = (case.created_at, case.id);
        if self.oldest.is_none_or(|o| candidate < o) {
            self.oldest = Some(candidate);
        }
        self.ages.push(
            now.signed_duration_since(case.created_at)
                .num_minutes()
                .max(0),
        );
    }

    fn finish(self) -> Backlog {
        Backlog {
            open: self.ages.len(),
            by_priority: self.by_priority,
            oldest: self.oldest.map(|(_, id)| id),
            age: MinuteStats::from_minutes(self.ages),
        }
    }
}
