//! Case queries: the original system's list views, filters and stable orderings.
//!
//! Pure values shared by the repository (which answers them) and analytics. A
//! [`CaseQuery`] is a conjunction of optional filters plus a [`CaseOrder`]; every
//! order ends with the case id, so pages are stable.

use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Case, CaseStatus, Priority};
use crate::ids::{AccountId, AgentId, QueueId};
use crate::sla::SlaTier;

/// The list views of the original system.
///
/// | view | cases |
/// | --- | --- |
/// | `All` | every case, newest first |
/// | `MyCases(agent)` | owned by `agent`, not closed |
/// | `Open` | status not Resolved or Closed |
/// | `HighPriority` | Critical or High, not closed |
/// | `Escalated` | escalated, not closed |
/// | `SlaViolations` | SLA violated |
/// | `RecentlyClosed` | closed in the last 30 days |
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{CaseOrder, ListView};
/// let q = ListView::RecentlyClosed.query("2026-03-01T00:00:00Z".parse()?);
/// assert_eq!(q.order, CaseOrder::ClosedNewestFirst);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListView {
    /// All cases.
    All,
    /// Cases owned by this agent, not closed.
    MyCases(AgentId),
    /// Status not in Resolved, Closed.
    Open,
    /// Priority Critical or High, not closed.
    HighPriority,
    /// Escalated, not closed.
    Escalated,
    /// SLA violated.
    SlaViolations,
    /// Closed in the last 30 days.
    RecentlyClosed,
}

impl ListView {
    /// The query behind the view, evaluated at `now` (only `RecentlyClosed` uses it).
    pub fn query(self, now: DateTime<Utc>) -> CaseQuery {
        let not_closed = CaseQuery {
            exclude_statuses: vec![CaseStatus::Closed],
            ..CaseQuery::default()
        };
        match self {
            ListView::All => CaseQuery::default(),
            ListView::MyCases(agent) => CaseQuery {
                owner: Some(agent),
                ..not_closed
            },
            ListView::Open => CaseQuery {
                exclude_statuses: vec![CaseStatus::Resolved, CaseStatus::Closed],
                order: CaseOrder::PriorityThenAge,
                ..CaseQuery::default()
            },
            ListView::HighPriority => CaseQuery {
                priority_at_least: Some(Priority::High),
                order: CaseOrder::PriorityThenAge,
                ..not_closed
            },
            ListView::Escalated => CaseQuery {
                escalated: Some(true),
                ..not_closed
            },
            ListView::SlaViolations => CaseQuery {
                sla_violated: Some(true),
                ..CaseQuery::default()
            },
            ListView::RecentlyClosed => CaseQuery {
                statuses: vec![CaseStatus::Closed],
                closed_since: now.checked_sub_signed(TimeDelta::days(30)),
                order: CaseOrder::ClosedNewestFirst,
                ..CaseQuery::default()
            },
        }
    }
}

/// How query results are sorted; ties always break by case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum CaseOrder {
    /// Newest created first.
    #[default]
    NewestFirst,
    /// Oldest created first.
    OldestFirst,
    /// Most urgent priority first, then oldest (the work order of a queue).
    PriorityThenAge,
    /// Most recently closed first (open cases last).
    ClosedNewestFirst,
    /// Earliest resolution due first.
    ResolutionDueFirst,
}

impl CaseOrder {
    /// Compares two cases in this order (total: the id breaks ties).
    pub fn compare(self, a: &Case, b: &Case) -> Ordering {
        let primary = match self {
            CaseOrder::NewestFirst => b.created_at.cmp(&a.created_at),
            CaseOrder::OldestFirst => a.created_at.cmp(&b.created_at),
            CaseOrder::PriorityThenAge => a
                .priority
                .cmp(&b.priority)
                .then(a.created_at.cmp(&b.created_at)),
            CaseOrder::ClosedNewestFirst => b.closed_at.cmp(&a.closed_at),
            CaseOrder::ResolutionDueFirst => a.resolution_due().cmp(&b.resolution_due()),
        };
        primary.then_with(|| a.id.cmp(&b.id))
    }
}

/// A filter over cases (all set conditions must hold) and an order.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{CaseQuery, Priority};
/// let q = CaseQuery { priority_at_least: Some(Priority::High), ..CaseQuery::default() };
/// assert!(q.owner.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseQuery {
    /// Only these statuses (empty: any).
    pub statuses: Vec<CaseStatus>,
    /// Never these statuses.
    pub exclude_statuses: Vec<CaseStatus>,
    /// Owned by this agent.
    pub owner: Option<AgentId>,
    /// In this queue.
    pub queue: Option<QueueId>,
    /// Of this account.
    pub account: Option<AccountId>,
    /// Of this SLA tier.
    pub tier: Option<SlaTier>,
    /// At least this urgent.
    pub priority_at_least: Option<Priority>,
    /// Escalated or not.
    pub escalated: Option<bool>,
    /// SLA violated or not.
    pub sla_violated: Option<bool>,
    /// Closed at or after this instant.
    pub closed_since: Option<DateTime<Utc>>,
    /// Created at or after this instant.
    pub created_since: Option<DateTime<Utc>>,
    /// Created before this instant.
    pub created_before: Option<DateTime<Utc>>,
    /// Result order.
    pub order: CaseOrder,
}

impl CaseQuery {
    /// Whether `case` passes every filter.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, ListView, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Printer on fire", "Help");
    /// let (case, _) = Case::create(new, now, &CaseRules::default())?;
    /// assert!(ListView::Open.query(now).matches(&case));
    /// assert!(!ListView::Escalated.query(now).matches(&case));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches(&self, case: &Case) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&case.status))
            && !self.exclude_statuses.contains(&case.status)
            && self.owner.is_none_or(|o| case.owner == Some(o))
            && self.queue.is_none_or(|q| case.queue == Some(q))
            && self.account.is_none_or(|a| case.account == a)
            && self.tier.is_none_or(|t| case.sla_tier == t)
            && self
                .priority_at_least
                .is_none_or(|p| case.priority.at_least(p))
            && self.escalated.is_none_or(|e| case.is_escalated() == e)
            && self.sla_violated.is_none_or(|v| case.is_sla_violated == v)
            && self
                .closed_since
                .is_none_or(|s| case.closed_at.is_some_and(|c| c >= s))
            && self.created_since.is_none_or(|s| case.created_at >= s)
            && self.created_before.is_none_or(|s| case.created_at < s)
    }
}

/// Which slice of the results to return: `offset` + `limit`, in the query's order.
///
/// ```
/// use hotcrm_support::case::Page;
/// let p = Page::first(25);
/// assert_eq!(p.next().offset, 25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// Results to skip.
    pub offset: usize,
    /// Results to return at most (0 returns none).
    pub limit: usize,
}

impl Page {
    /// The first page of `limit` results.
    pub const fn first(limit: usize) -> Page {
        Page { offset: 0, limit }
    }

    /// The page after this one.
    pub const fn next(self) -> Page {
        Page {
            offset: self.offset.saturating_add(self.limit),
            limit: self.limit,
        }
    }
}

/// One page of results and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageOf<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all pages.
    pub total: usize,
    /// The page to ask for next, if there are more.
    pub next: Option<Page>,
}

impl<T> PageOf<T> {
    /// Pages an already sorted, filtered list.
    pub fn from_sorted(all: Vec<T>, page: Page) -> PageOf<T> {
        let total = all.len();
        let items: Vec<T> = all.into_iter().skip(page.offset).take(page.limit).collect();
        let end = page.offset.saturating_add(items.len());
        let next = (page.limit > 0 && end < total).then(|| page.next());
        PageOf { items, total, next }
    }
}
