//! What the model learns from: one observation per case (business minutes and
//! whether it was resolved) plus the case's stratum features.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::{AiCategory, Case, CaseType, Priority};
use crate::ids::QueueId;
use crate::sla::SlaTier;

/// The features a case is stratified by.
///
/// ```
/// use hotcrm_support::case::{AiCategory, CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::Stratum};
/// let s = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold).with_category(AiCategory::Billing);
/// assert_eq!(s.category, Some(AiCategory::Billing));
/// assert_eq!(s.queue, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stratum {
    /// The case's priority.
    pub priority: Priority,
    /// The case's type.
    pub case_type: CaseType,
    /// The AI category, if classified.
    pub category: Option<AiCategory>,
    /// The case's queue, if any.
    pub queue: Option<QueueId>,
    /// The SLA tier.
    pub tier: SlaTier,
}

impl Stratum {
    /// A stratum without category or queue.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::Stratum}};
    /// assert_eq!(Stratum::new(Priority::Low, CaseType::Question, SlaTier::Standard).priority, Priority::Low);
    /// ```
    pub const fn new(priority: Priority, case_type: CaseType, tier: SlaTier) -> Stratum {
        Stratum {
            priority,
            case_type,
            category: None,
            queue: None,
            tier,
        }
    }

    /// Sets the AI category.
    ///
    /// ```
    /// # use hotcrm_support::{case::{AiCategory, CaseType, Priority}, sla::{SlaTier, predict::Stratum}};
    /// let s = Stratum::new(Priority::Low, CaseType::Question, SlaTier::Standard).with_category(AiCategory::Product);
    /// assert_eq!(s.category, Some(AiCategory::Product));
    /// ```
    pub const fn with_category(mut self, category: AiCategory) -> Stratum {
        self.category = Some(category);
        self
    }

    /// Sets the queue.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, ids::QueueId, sla::{SlaTier, predict::Stratum}};
    /// let s = Stratum::new(Priority::Low, CaseType::Question, SlaTier::Standard).with_queue(QueueId::from_u128(1));
    /// assert!(s.queue.is_some());
    /// ```
    pub const fn with_queue(mut self, queue: QueueId) -> Stratum {
        self.queue = Some(queue);
        self
    }

    /// The stratum of `case`: its priority, type, AI category, queue and tier.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase, Priority};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::predict::Stratum;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_priority(Priority::High);
    /// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(Stratum::of(&case).priority, Priority::High);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of(case: &Case) -> Stratum {
        Stratum {
            priority: case.priority,
            case_type: case.case_type,
            category: case.effective_category(),
            queue: case.queue,
            tier: case.sla_tier,
        }
    }
}

/// One case as the model sees it: the business minutes its Resolution clock
/// ran (paused time excluded), whether it ended in a resolution (an event) or
/// is still open (right-censored), and its [`Stratum`].
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{Observation, Stratum}};
/// let stratum = Stratum::new(Priority::Medium, CaseType::Problem, SlaTier::Silver);
/// let done = Observation::resolved(240, stratum);
/// let open = Observation::open(90, stratum);
/// assert!(done.resolved && !open.resolved);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Observation {
    /// Business minutes to resolution, or elapsed so far when open.
    pub minutes: u32,
    /// `true` for a resolved case, `false` for an open (censored) one.
    pub resolved: bool,
    /// The case's features.
    pub stratum: Stratum,
}

impl Observation {
    /// A case resolved after `minutes` business minutes.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::{Observation, Stratum}}};
    /// let o = Observation::resolved(60, Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard));
    /// assert_eq!(o.minutes, 60);
    /// ```
    pub const fn resolved(minutes: u32, stratum: Stratum) -> Observation {
        Observation {
            minutes,
            resolved: true,
            stratum,
        }
    }

    /// A case still open after `minutes` business minutes.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::{Observation, Stratum}}};
    /// let o = Observation::open(60, Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard));
    /// assert!(!o.resolved);
    /// ```
    pub const fn open(minutes: u32, stratum: Stratum) -> Observation {
        Observation {
            minutes,
            resolved: false,
            stratum,
        }
    }

    /// The observation of `case` at `now`: the business minutes its Resolution
    /// milestone has run on `calendar` ([`Milestone::elapsed`](crate::sla::Milestone::elapsed):
    /// finished and current pauses excluded, frozen at completion), resolved
    /// when that milestone is completed. Pass the case's SLA calendar,
    /// [`SlaPolicy::calendar`](crate::sla::SlaPolicy::calendar) of its tier and
    /// priority. A reopened case is open again and so censored; with
    /// [`ReopenMode::Restart`](crate::sla::ReopenMode::Restart) only the
    /// current cycle counts.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::predict::Observation;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d");
    /// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let o = Observation::from_case(&case, &BusinessHours::always_open(), "2026-01-05T10:30:00Z".parse()?);
    /// assert_eq!((o.minutes, o.resolved), (90, false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_case(case: &Case, calendar: &BusinessHours, now: DateTime<Utc>) -> Observation {
        let resolution = &case.milestones.resolution;
        Observation {
            minutes: whole_minutes(resolution.elapsed(now, calendar)),
            resolved: resolution.is_completed(),
            stratum: Stratum::of(case),
        }
    }
}

/// Whole minutes of `d`, clamped to `0..=u32::MAX`.
pub(crate) fn whole_minutes(d: TimeDelta) -> u32 {
    u32::try_from(d.num_minutes().max(0)).unwrap_or(u32::MAX)
}
