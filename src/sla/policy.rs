//! SLA targets per tier and priority, the policy knobs (business-day length,
//! warning thresholds, pause statuses, reopen mode) and `SlaPolicy::due_dates`.
//! Layer 2: depends on `calendar`, `case` (statuses, priorities), `error`.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{MilestoneKind, SlaTier};
use crate::calendar::BusinessHours;
use crate::case::validate::validated_record;
use crate::case::{CaseStatus, Priority};
use crate::error::{Error, Result};

/// How long a milestone may take, in business time.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::sla::Target;
///
/// assert_eq!(Target::hours(4).duration(TimeDelta::hours(8)), TimeDelta::hours(4));
/// assert_eq!(Target::BusinessDays(2).duration(TimeDelta::hours(8)), TimeDelta::hours(16));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    /// A number of (business) minutes.
    Minutes(u32),
    /// A number of business days of the policy's `business_day` length.
    BusinessDays(u32),
}

impl Target {
    /// A target of `hours` hours (saturating).
    ///
    /// ```
    /// assert_eq!(hotcrm_support::sla::Target::hours(2), hotcrm_support::sla::Target::Minutes(120));
    /// ```
    pub const fn hours(hours: u32) -> Target {
        Target::Minutes(hours.saturating_mul(60))
    }

    /// The target as a duration, given the length of a business day.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::sla::Target;
    /// assert_eq!(Target::BusinessDays(1).duration(TimeDelta::hours(9)), TimeDelta::hours(9));
    /// ```
    pub fn duration(self, business_day: TimeDelta) -> TimeDelta {
        match self {
            Target::Minutes(m) => TimeDelta::minutes(i64::from(m)),
            // Saturates instead of panicking for absurd business-day lengths.
            Target::BusinessDays(d) => {
                TimeDelta::try_minutes(business_day.num_minutes().saturating_mul(i64::from(d)))
                    .unwrap_or(TimeDelta::MAX)
            }
        }
    }

    fn is_zero(self) -> bool {
        matches!(self, Target::Minutes(0) | Target::BusinessDays(0))
    }
}

/// When the SLA clock runs: around the clock, or only in the desk's business hours.
///
/// ```
/// use hotcrm_support::sla::{Coverage, SlaPolicy, SlaTier};
/// use hotcrm_support::case::Priority;
/// let p = SlaPolicy::default();
/// assert_eq!(p.targets(SlaTier::Gold, Priority::Medium).coverage, Coverage::TwentyFourSeven);
/// assert_eq!(p.targets(SlaTier::Silver, Priority::Medium).coverage, Coverage::BusinessHours);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Coverage {
    /// 24x7: the calendar is ignored, elapsed time is wall-clock time.
    TwentyFourSeven,
    /// Only the desk's [`BusinessHours`] count.
    BusinessHours,
}

validated_record! {
/// The targets of one tier (or one tier and priority). Loading them checks what
/// [`SlaPolicy::with_targets`] checks: every target longer than zero.
///
/// ```
/// use hotcrm_support::sla::{Coverage, Target, Targets};
/// let t = Targets::new(Target::hours(1), Target::hours(4), Coverage::TwentyFourSeven)
///     .with_next_response(Target::hours(2));
/// assert_eq!(t.next_response, Some(Target::Minutes(120)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "TargetsRecord")]
pub struct Targets {
    /// Time to the first public reply by an agent.
    pub first_response: Target,
    /// Time to answer each later customer reply; `None` disables the milestone.
    pub next_response: Option<Target>,
    /// Time to resolution, excluding paused time.
    pub resolution: Target,
    /// Whether the clock runs 24x7 or in business hours.
    pub coverage: Coverage,
}
mirror TargetsRecord;
}

impl Targets {
    /// Targets without a next-response milestone.
    ///
    /// ```
    /// use hotcrm_support::sla::{Coverage, Target, Targets};
    /// let t = Targets::new(Target::hours(8), Target::BusinessDays(2), Coverage::BusinessHours);
    /// assert!(t.next_response.is_none());
    /// ```
    pub const fn new(first_response: Target, resolution: Target, coverage: Coverage) -> Self {
        Self {
            first_response,
            next_response: None,
            resolution,
            coverage,
        }
    }

    /// Adds a next-response target.
    ///
    /// ```
    /// use hotcrm_support::sla::{Coverage, Target, Targets};
    /// let t = Targets::new(Target::hours(8), Target::hours(16), Coverage::BusinessHours)
    ///     .with_next_response(Target::hours(4));
    /// assert_eq!(t.next_response, Some(Target::hours(4)));
    /// ```
    pub const fn with_next_response(mut self, target: Target) -> Self {
        self.next_response = Some(target);
        self
    }

    /// The target of one milestone kind (`None` for a disabled next response).
    ///
    /// ```
    /// use hotcrm_support::sla::{Coverage, MilestoneKind, Target, Targets};
    /// let t = Targets::new(Target::hours(1), Target::hours(4), Coverage::TwentyFourSeven);
    /// assert_eq!(t.target(MilestoneKind::Resolution), Some(Target::hours(4)));
    /// assert_eq!(t.target(MilestoneKind::NextResponse), None);
    /// ```
    pub const fn target(&self, kind: MilestoneKind) -> Option<Target> {
        match kind {
            MilestoneKind::FirstResponse => Some(self.first_response),
            MilestoneKind::NextResponse => self.next_response,
            MilestoneKind::Resolution => Some(self.resolution),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.first_response.is_zero()
            || self.resolution.is_zero()
            || self.next_response.is_some_and(Target::is_zero)
        {
            return Err(Error::validation(
                "sla target",
                "targets must be longer than zero",
            ));
        }
        Ok(())
    }
}

/// What happens to the resolution milestone when a resolved case is reopened.
///
/// ```
/// use hotcrm_support::sla::ReopenMode;
/// assert_eq!(ReopenMode::default(), ReopenMode::Continue);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ReopenMode {
    /// Resume the original clock; the time spent Resolved counts as paused.
    #[default]
    Continue,
    /// Start a fresh resolution milestone (a new cycle) at the reopen instant.
    Restart,
}

/// The two SLA deadlines of a case.
///
/// ```
/// use hotcrm_support::calendar::BusinessHours;
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::sla::{SlaPolicy, SlaTier};
///
/// let start = "2024-01-08T09:00:00Z".parse()?;
/// let due = SlaPolicy::default().due_dates(SlaTier::Gold, Priority::High, start, &BusinessHours::always_open())?;
/// assert_eq!(due.response_due.to_rfc3339(), "2024-01-08T11:00:00+00:00");
/// assert_eq!(due.resolution_due.to_rfc3339(), "2024-01-08T17:00:00+00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DueDates {
    /// When the first response is due.
    pub response_due: DateTime<Utc>,
    /// When the resolution is due (before any pause extends it).
    pub resolution_due: DateTime<Utc>,
}

/// A priority-specific override of a tier's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct PriorityTargets {
    tier: SlaTier,
    priority: Priority,
    targets: Targets,
}

/// The SLA rules of a desk: targets per tier (optionally per priority), the
/// length of a business day, warning thresholds, pause statuses and reopen mode.
///
/// `SlaPolicy::default()` is the original system's table:
///
/// | tier | first response | resolution | coverage |
/// |---|---|---|---|
/// | Platinum | 1h | 4h | 24x7 |
/// | Gold | 2h | 8h | 24x7 |
/// | Silver | 4h | 1 business day | business hours |
/// | Bronze | 8h | 2 business days | business hours |
/// | Standard | 1 business day | 5 business days | business hours |
///
/// with 8-hour business days, warnings at 75% (responses) and 80% (resolution),
/// `WaitingOnCustomer` as the only pause status and [`ReopenMode::Continue`].
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::case::{CaseStatus, Priority};
/// use hotcrm_support::sla::{Coverage, SlaPolicy, SlaTier, Target, Targets};
///
/// let policy = SlaPolicy::default()
///     .with_priority_targets(
///         SlaTier::Silver,
///         Priority::Critical,
///         Targets::new(Target::hours(1), Target::hours(4), Coverage::BusinessHours),
///     )?
///     .with_business_day(TimeDelta::hours(9))?;
/// assert_eq!(policy.targets(SlaTier::Silver, Priority::Critical).first_response, Target::hours(1));
/// assert_eq!(policy.targets(SlaTier::Silver, Priority::Low).first_response, Target::hours(4));
/// assert!(policy.is_pause_status(CaseStatus::WaitingOnCustomer));
/// let json = serde_json::to_string(&policy).map_err(hotcrm_support::Error::storage)?;
/// assert_eq!(serde_json::from_str::<SlaPolicy>(&json).map_err(hotcrm_support::Error::storage)?, policy);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSlaPolicy")]
pub struct SlaPolicy {
    tiers: BTreeMap<SlaTier, Targets>,
    overrides: Vec<PriorityTargets>,
    /// Set by [`SlaPolicy::with_business_day`]; `None`: from the calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    business_day_minutes: Option<u32>,
    /// The calendar's typical day, filled in by [`SlaPolicy::for_calendar`].
    #[serde(skip)]
    calendar_day_minutes: Option<u32>,
    response_warning_percent: u8,
    resolution_warning_percent: u8,
    pause_statuses: Vec<CaseStatus>,
    reopen_mode: ReopenMode,
}

/// The serialized form of [`SlaPolicy`], validated by the builder methods on the way in.
#[derive(Deserialize)]
struct RawSlaPolicy {
    tiers: BTreeMap<SlaTier, Targets>,
    overrides: Vec<PriorityTargets>,
    /// Policies stored before the day was derived always carry it: they keep it.
    #[serde(default)]
    business_day_minutes: Option<u32>,
    response_warning_percent: u8,
    resolution_warning_percent: u8,
    pause_statuses: Vec<CaseStatus>,
    reopen_mode: ReopenMode,
}

impl TryFrom<RawSlaPolicy> for SlaPolicy {
    type Error = Error;

    fn try_from(raw: RawSlaPolicy) -> Result<Self> {
        let mut policy = SlaPolicy::default();
        if let Some(minutes) = raw.business_day_minutes {
            policy = policy.with_business_day(TimeDelta::minutes(i64::from(minutes)))?;
        }
        let mut policy = policy
            .with_warning_thresholds(raw.response_warning_percent, raw.resolution_warning_percent)?
            .with_pause_statuses(raw.pause_statuses)?
            .with_reopen_mode(raw.reopen_mode);
        for (tier, targets) in raw.tiers {
            policy = policy.with_targets(tier, targets)?;
        }
        for o in raw.overrides {
            policy = policy.with_priority_targets(o.tier, o.priority, o.targets)?;
        }
        Ok(policy)
    }
}

impl Default for SlaPolicy {
    fn default() -> Self {
        let tiers = SlaTier::ALL
            .iter()
            .map(|&t| (t, default_targets(t)))
            .collect();
        Self {
            tiers,
            overrides: Vec::new(),
            business_day_minutes: None,
            calendar_day_minutes: None,
            response_warning_percent: 75,
            resolution_warning_percent: 80,
            pause_statuses: vec![CaseStatus::WaitingOnCustomer],
            reopen_mode: ReopenMode::Continue,
        }
    }
}

const fn default_targets(tier: SlaTier) -> Targets {
    use Coverage::{BusinessHours as Bh, TwentyFourSeven as Always};
    match tier {
        SlaTier::Platinum => Targets::new(Target::hours(1), Target::hours(4), Always),
        SlaTier::Gold => Targets::new(Target::hours(2), Target::hours(8), Always),
        SlaTier::Silver => Targets::new(Target::hours(4), Target::BusinessDays(1), Bh),
        SlaTier::Bronze => Targets::new(Target::hours(8), Target::BusinessDays(2), Bh),
        SlaTier::Standard => Targets::new(Target::BusinessDays(1), Target::BusinessDays(5), Bh),
    }
}

impl SlaPolicy {
    /// Replaces the targets of a tier (for every priority without an override).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when a target is zero.
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{Coverage, SlaPolicy, SlaTier, Target, Targets};
    /// let p = SlaPolicy::default().with_targets(
    ///     SlaTier::Gold,
    ///     Targets::new(Target::hours(1), Target::hours(6), Coverage::TwentyFourSeven),
    /// )?;
    /// assert_eq!(p.targets(SlaTier::Gold, Priority::Low).resolution, Target::hours(6));
    /// assert!(SlaPolicy::default()
    ///     .with_targets(SlaTier::Gold, Targets::new(Target::Minutes(0), Target::hours(1), Coverage::TwentyFourSeven))
    ///     .is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_targets(mut self, tier: SlaTier, targets: Targets) -> Result<Self> {
        targets.validate()?;
        self.tiers.insert(tier, targets);
        Ok(self)
    }

    /// Overrides the targets of one tier for one priority.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when a target is zero.
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{Coverage, SlaPolicy, SlaTier, Target, Targets};
    /// let fast = Targets::new(Target::Minutes(30), Target::hours(2), Coverage::TwentyFourSeven);
    /// let p = SlaPolicy::default().with_priority_targets(SlaTier::Gold, Priority::Critical, fast)?;
    /// assert_eq!(p.targets(SlaTier::Gold, Priority::Critical), fast);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_priority_targets(
        mut self,
        tier: SlaTier,
        priority: Priority,
        targets: Targets,
    ) -> Result<Self> {
        targets.validate()?;
        self.overrides
            .retain(|o| !(o.tier == tier && o.priority == priority));
        self.overrides.push(PriorityTargets {
            tier,
            priority,
            targets,
        });
        Ok(self)
    }

    /// Sets the length of a business day explicitly. Without it a business day is
    /// the calendar's [typical open day](BusinessHours::typical_day) (see
    /// [`for_calendar`](SlaPolicy::for_calendar)), or 8 hours when the calendar
    /// has none (always open, or never).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless the length is a whole number of minutes in `(0, 24h]`.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::sla::SlaPolicy;
    /// let p = SlaPolicy::default().with_business_day(TimeDelta::hours(10))?;
    /// assert_eq!(p.business_day(), TimeDelta::hours(10));
    /// assert!(SlaPolicy::default().with_business_day(TimeDelta::hours(25)).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_business_day(mut self, length: TimeDelta) -> Result<Self> {
        let minutes = length.num_minutes();
        if length <= TimeDelta::zero()
            || length > TimeDelta::hours(24)
            || TimeDelta::minutes(minutes) != length
        {
            return Err(Error::validation(
                "business_day",
                format!(
                    "must be a whole number of minutes between 1 minute and 24 hours, got {length}"
                ),
            ));
        }
        self.business_day_minutes = Some(u32::try_from(minutes).map_err(|_| {
            Error::validation("business_day", format!("{minutes} minutes is out of range"))
        })?);
        Ok(self)
    }

    /// The length of one business day: the one set by
    /// [`with_business_day`](SlaPolicy::with_business_day), else the typical day
    /// of the calendar given to [`for_calendar`](SlaPolicy::for_calendar), else 8
    /// hours.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// assert_eq!(hotcrm_support::sla::SlaPolicy::default().business_day(), TimeDelta::hours(8));
    /// ```
    pub fn business_day(&self) -> TimeDelta {
        let minutes = self
            .business_day_minutes
            .or(self.calendar_day_minutes)
            .unwrap_or(8 * 60);
        TimeDelta::minutes(i64::from(minutes))
    }

    /// The business day set by [`with_business_day`](SlaPolicy::with_business_day),
    /// if any.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::sla::SlaPolicy;
    /// assert_eq!(SlaPolicy::default().explicit_business_day(), None);
    /// assert_eq!(SlaPolicy::default().with_business_day(TimeDelta::hours(9))?.explicit_business_day(), Some(TimeDelta::hours(9)));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn explicit_business_day(&self) -> Option<TimeDelta> {
        self.business_day_minutes
            .map(|m| TimeDelta::minutes(i64::from(m)))
    }

    /// The policy measuring business days on `hours`: unless a length was set
    /// with [`with_business_day`](SlaPolicy::with_business_day), one business day
    /// is `hours`' [typical open day](BusinessHours::typical_day) (09:00–17:30 on
    /// weekdays: 8.5 hours), or 8 hours when it has none (an always-open
    /// calendar keeps the 8-hour day). [`CaseRules::new`](crate::case::CaseRules::new)
    /// applies it to the desk's hours.
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta};
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::sla::SlaPolicy;
    /// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    /// let hours = BusinessHours::builder(chrono_tz::Europe::London).weekdays(t(9, 0), t(17, 30)).build()?;
    /// assert_eq!(SlaPolicy::default().for_calendar(&hours).business_day(), TimeDelta::minutes(510));
    /// let fixed = SlaPolicy::default().with_business_day(TimeDelta::hours(8))?;
    /// assert_eq!(fixed.for_calendar(&hours).business_day(), TimeDelta::hours(8));
    /// assert_eq!(SlaPolicy::default().for_calendar(&BusinessHours::always_open()).business_day(), TimeDelta::hours(8));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn for_calendar(mut self, hours: &BusinessHours) -> SlaPolicy {
        self.calendar_day_minutes = hours
            .typical_day()
            .and_then(|d| u32::try_from(d.num_minutes()).ok())
            .filter(|&m| m > 0);
        self
    }

    /// Sets the warning thresholds, in percent of the target, for response
    /// milestones and for the resolution milestone (defaults 75 and 80).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless both are in `1..=99`.
    ///
    /// ```
    /// use hotcrm_support::sla::{MilestoneKind, SlaPolicy};
    /// let p = SlaPolicy::default().with_warning_thresholds(50, 90)?;
    /// assert_eq!(p.warning_percent(MilestoneKind::FirstResponse), 50);
    /// assert!(SlaPolicy::default().with_warning_thresholds(0, 100).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_warning_thresholds(
        mut self,
        response_percent: u8,
        resolution_percent: u8,
    ) -> Result<Self> {
        for (field, pct) in [
            ("response_warning_percent", response_percent),
            ("resolution_warning_percent", resolution_percent),
        ] {
            if !(1..=99).contains(&pct) {
                return Err(Error::validation(
                    field,
                    format!("must be between 1 and 99, got {pct}"),
                ));
            }
        }
        self.response_warning_percent = response_percent;
        self.resolution_warning_percent = resolution_percent;
        Ok(self)
    }

    /// The warning threshold of a milestone kind, in percent of its target.
    ///
    /// ```
    /// use hotcrm_support::sla::{MilestoneKind, SlaPolicy};
    /// assert_eq!(SlaPolicy::default().warning_percent(MilestoneKind::Resolution), 80);
    /// ```
    pub fn warning_percent(&self, kind: MilestoneKind) -> u8 {
        match kind {
            MilestoneKind::FirstResponse | MilestoneKind::NextResponse => {
                self.response_warning_percent
            }
            MilestoneKind::Resolution => self.resolution_warning_percent,
        }
    }

    /// Sets the statuses in which the resolution clock pauses (default
    /// `[WaitingOnCustomer]`).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for `New`, `Resolved` or `Closed`, which are never pause statuses.
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus;
    /// use hotcrm_support::sla::SlaPolicy;
    /// let p = SlaPolicy::default().with_pause_statuses([CaseStatus::WaitingOnCustomer, CaseStatus::Escalated])?;
    /// assert!(p.is_pause_status(CaseStatus::Escalated));
    /// assert!(SlaPolicy::default().with_pause_statuses([CaseStatus::Closed]).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_pause_statuses(
        mut self,
        statuses: impl IntoIterator<Item = CaseStatus>,
    ) -> Result<Self> {
        let mut list: Vec<CaseStatus> = Vec::new();
        for s in statuses {
            if matches!(
                s,
                CaseStatus::New | CaseStatus::Resolved | CaseStatus::Closed
            ) {
                return Err(Error::validation(
                    "pause_statuses",
                    format!("{s} cannot pause the SLA clock"),
                ));
            }
            if !list.contains(&s) {
                list.push(s);
            }
        }
        self.pause_statuses = list;
        Ok(self)
    }

    /// The statuses in which the resolution clock pauses.
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus;
    /// assert_eq!(hotcrm_support::sla::SlaPolicy::default().pause_statuses(), &[CaseStatus::WaitingOnCustomer]);
    /// ```
    pub fn pause_statuses(&self) -> &[CaseStatus] {
        &self.pause_statuses
    }

    /// Whether `status` pauses the resolution clock.
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus;
    /// assert!(!hotcrm_support::sla::SlaPolicy::default().is_pause_status(CaseStatus::InProgress));
    /// ```
    pub fn is_pause_status(&self, status: CaseStatus) -> bool {
        self.pause_statuses.contains(&status)
    }

    /// Sets what a reopen does to the resolution milestone.
    ///
    /// ```
    /// use hotcrm_support::sla::{ReopenMode, SlaPolicy};
    /// let p = SlaPolicy::default().with_reopen_mode(ReopenMode::Restart);
    /// assert_eq!(p.reopen_mode(), ReopenMode::Restart);
    /// ```
    pub fn with_reopen_mode(mut self, mode: ReopenMode) -> Self {
        self.reopen_mode = mode;
        self
    }

    /// What a reopen does to the resolution milestone (default [`ReopenMode::Continue`]).
    ///
    /// ```
    /// use hotcrm_support::sla::{ReopenMode, SlaPolicy};
    /// assert_eq!(SlaPolicy::default().reopen_mode(), ReopenMode::Continue);
    /// ```
    pub fn reopen_mode(&self) -> ReopenMode {
        self.reopen_mode
    }

    /// The targets for a tier and priority: the priority override when there is
    /// one, else the tier's targets.
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{SlaPolicy, SlaTier, Target};
    /// let t = SlaPolicy::default().targets(SlaTier::Standard, Priority::Low);
    /// assert_eq!(t.resolution, Target::BusinessDays(5));
    /// ```
    pub fn targets(&self, tier: SlaTier, priority: Priority) -> Targets {
        self.overrides
            .iter()
            .find(|o| o.tier == tier && o.priority == priority)
            .map(|o| o.targets)
            .or_else(|| self.tiers.get(&tier).copied())
            .unwrap_or_else(|| default_targets(tier))
    }

    /// The target of one milestone as a business-time duration, or `None` when
    /// the milestone is disabled (next response without a target).
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{MilestoneKind, SlaPolicy, SlaTier};
    /// let p = SlaPolicy::default();
    /// assert_eq!(p.target(SlaTier::Bronze, Priority::Low, MilestoneKind::Resolution), Some(TimeDelta::hours(16)));
    /// ```
    pub fn target(
        &self,
        tier: SlaTier,
        priority: Priority,
        kind: MilestoneKind,
    ) -> Option<TimeDelta> {
        self.targets(tier, priority)
            .target(kind)
            .map(|t| t.duration(self.business_day()))
    }

    /// The calendar the SLA clock of `tier`/`priority` runs on: `hours` for
    /// business-hours coverage, [`BusinessHours::always_open`] for 24x7.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{SlaPolicy, SlaTier};
    /// let cal = SlaPolicy::default().calendar(SlaTier::Platinum, Priority::Low, &BusinessHours::always_open());
    /// assert!(cal.is_open("2024-01-06T03:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn calendar(
        &self,
        tier: SlaTier,
        priority: Priority,
        hours: &BusinessHours,
    ) -> BusinessHours {
        match self.targets(tier, priority).coverage {
            Coverage::TwentyFourSeven => BusinessHours::always_open(),
            Coverage::BusinessHours => hours.clone(),
        }
    }

    /// The response and resolution deadlines of a case of `tier` and `priority`
    /// opened at `start`: `start` plus each target in business time on
    /// [`SlaPolicy::calendar`] (24x7 tiers ignore `hours`).
    ///
    /// # Errors
    ///
    /// What [`BusinessHours::add`] returns: [`Error::NeverOpen`] for a calendar
    /// that never opens, [`Error::Overflow`] past the representable range.
    ///
    /// # Example: Silver on New York business hours
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use chrono_tz::America::New_York;
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::sla::{SlaPolicy, SlaTier};
    ///
    /// let hours = BusinessHours::builder(New_York)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// // Friday 2024-01-05 16:30 New York (21:30 UTC).
    /// let start = "2024-01-05T21:30:00Z".parse()?;
    /// let due = SlaPolicy::default().due_dates(SlaTier::Silver, Priority::High, start, &hours)?;
    /// // 30 minutes on Friday, 3.5 hours on Monday: Monday 12:30 New York.
    /// assert_eq!(due.response_due.to_rfc3339(), "2024-01-08T17:30:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn due_dates(
        &self,
        tier: SlaTier,
        priority: Priority,
        start: DateTime<Utc>,
        hours: &BusinessHours,
    ) -> Result<DueDates> {
        let cal = self.calendar(tier, priority, hours);
        let targets = self.targets(tier, priority);
        let day = self.clone().for_calendar(hours).business_day();
        Ok(DueDates {
            response_due: cal.add(start, targets.first_response.duration(day))?,
            resolution_due: cal.add(start, targets.resolution.duration(day))?,
        })
    }
}
