//! SLA milestones: FirstResponse, NextResponse and Resolution, each Active,
//! Paused or Completed, with sticky `warned`/`breached` flags.
//! Layer 2: depends on `calendar` and `error`.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::validate::{ordered, validated_record};
use crate::error::{Error, Result};
use crate::picklist::picklist;

picklist! {
    /// The three SLA milestones of a case.
    ///
    /// ```
    /// use hotcrm_support::sla::MilestoneKind;
    /// assert_eq!("first_response".parse::<MilestoneKind>()?, MilestoneKind::FirstResponse);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum MilestoneKind: "milestone kind" {
        /// The first public reply by a human agent.
        FirstResponse => "First Response",
        /// An agent's public reply to a later customer message (optional).
        NextResponse => "Next Response",
        /// Resolving the case.
        Resolution => "Resolution",
    }
}

/// Where a milestone's clock stands.
///
/// ```
/// use hotcrm_support::sla::MilestoneState;
/// assert!(MilestoneState::Active.is_running());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum MilestoneState {
    /// The clock runs.
    Active,
    /// The clock is stopped since `since` (the case is in a pause status, or resolved).
    Paused {
        /// When the pause began.
        since: DateTime<Utc>,
    },
    /// The milestone was met (on time or late) at `at`.
    Completed {
        /// When it was met.
        at: DateTime<Utc>,
        /// Whether that was after the due instant.
        late: bool,
    },
}

impl MilestoneState {
    /// Whether the clock is running.
    ///
    /// ```
    /// use hotcrm_support::sla::MilestoneState;
    /// let t = "2024-01-08T09:00:00Z".parse()?;
    /// assert!(!MilestoneState::Paused { since: t }.is_running());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn is_running(&self) -> bool {
        matches!(self, MilestoneState::Active)
    }
}

validated_record! {
/// One SLA milestone of a case.
///
/// `due` is `started_at + target + paused` in business time on the case's SLA
/// calendar; `warn_at` is the same with the warning share of the target. A
/// milestone is breached when its clock is running strictly after `due`; a
/// reply at exactly the due instant is on time. `warned` and `breached` never
/// revert within a cycle (`cycle` counts [`ReopenMode::Restart`](super::ReopenMode::Restart)s).
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::calendar::BusinessHours;
/// use hotcrm_support::sla::{Milestone, MilestoneKind};
///
/// let start = "2024-01-08T09:00:00Z".parse()?;
/// let m = Milestone::start(MilestoneKind::Resolution, 0, start, TimeDelta::hours(8), 80, &BusinessHours::always_open())?;
/// assert_eq!(m.due.to_rfc3339(), "2024-01-08T17:00:00+00:00");
/// assert_eq!(m.warn_at.to_rfc3339(), "2024-01-08T15:24:00+00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MilestoneRecord")]
#[non_exhaustive]
pub struct Milestone {
    /// Which milestone.
    pub kind: MilestoneKind,
    /// 0 for the first cycle, incremented by each restart.
    pub cycle: u32,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// The business time allowed.
    #[serde(with = "super::delta_serde")]
    pub target: TimeDelta,
    /// The warning threshold in percent of the target.
    pub warn_percent: u8,
    /// The deadline, extended by paused time.
    pub due: DateTime<Utc>,
    /// When the warning fires.
    pub warn_at: DateTime<Utc>,
    /// Running, paused or completed.
    pub state: MilestoneState,
    /// Business time spent paused in finished pauses.
    #[serde(with = "super::delta_serde")]
    pub paused: TimeDelta,
    /// The warning has fired.
    pub warned: bool,
    /// The violation has fired; never reverts.
    pub breached: bool,
}
mirror MilestoneRecord;
}

impl Milestone {
    /// A running milestone started at `started_at` with `target` business time
    /// on `calendar`, warning at `warn_percent` of the target.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a non-positive target or a percentage outside
    /// 1..=99; otherwise what [`BusinessHours::add`] returns.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::sla::{Milestone, MilestoneKind};
    /// let start = "2024-01-08T09:00:00Z".parse()?;
    /// let cal = BusinessHours::always_open();
    /// assert!(Milestone::start(MilestoneKind::FirstResponse, 0, start, TimeDelta::zero(), 75, &cal).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(
        kind: MilestoneKind,
        cycle: u32,
        started_at: DateTime<Utc>,
        target: TimeDelta,
        warn_percent: u8,
        calendar: &BusinessHours,
    ) -> Result<Milestone> {
        let (due, warn_at) = schedule(
            started_at,
            target,
            TimeDelta::zero(),
            warn_percent,
            calendar,
        )?;
        Ok(Milestone {
            kind,
            cycle,
            started_at,
            target,
            warn_percent,
            due,
            warn_at,
            state: MilestoneState::Active,
            paused: TimeDelta::zero(),
            warned: false,
            breached: false,
        })
    }

    /// Checks what [`Milestone::start`] and the events that change a milestone
    /// keep: a positive target, a warning threshold in 1..=99 percent, no negative
    /// paused time, `started_at <= warn_at <= due`, a pause or completion not
    /// before the start, and a late completion only of a breached milestone.
    /// Serde runs it when a milestone is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`sla target`, `warning percent`,
    /// `paused`, `warn_at`, `due`, `state`).
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::{calendar::BusinessHours, sla::{Milestone, MilestoneKind}};
    /// let m = Milestone::start(MilestoneKind::Resolution, 0, "2024-01-08T09:00:00Z".parse()?, TimeDelta::hours(8), 80, &BusinessHours::always_open())?;
    /// m.validate()?;
    /// let mut json = serde_json::to_value(&m)?;
    /// json["warn_percent"] = 100.into();
    /// let err = serde_json::from_value::<Milestone>(json).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid warning percent"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_terms(self.target, self.warn_percent)?;
        if self.paused < TimeDelta::zero() {
            return Err(Error::validation(
                "paused",
                format!(
                    "paused time of the {} milestone is negative: {}",
                    self.kind, self.paused
                ),
            ));
        }
        ordered("warn_at", "started_at", self.started_at, self.warn_at)?;
        ordered("due", "warn_at", self.warn_at, self.due)?;
        match self.state {
            MilestoneState::Active => {}
            MilestoneState::Paused { since: at } | MilestoneState::Completed { at, .. } => {
                ordered("state", "started_at", self.started_at, at)?;
            }
        }
        if matches!(self.state, MilestoneState::Completed { late: true, .. }) && !self.breached {
            return Err(Error::validation(
                "state",
                format!(
                    "the {} milestone was completed late but is not breached",
                    self.kind
                ),
            ));
        }
        Ok(())
    }

    /// Whether the clock is running.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::{calendar::BusinessHours, sla::{Milestone, MilestoneKind}};
    /// let m = Milestone::start(MilestoneKind::Resolution, 0, "2024-01-08T09:00:00Z".parse()?, TimeDelta::hours(1), 80, &BusinessHours::always_open())?;
    /// assert!(m.is_active());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn is_active(&self) -> bool {
        self.state.is_running()
    }

    /// Whether the milestone has been met.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::{calendar::BusinessHours, sla::{Milestone, MilestoneKind}};
    /// let m = Milestone::start(MilestoneKind::Resolution, 0, "2024-01-08T09:00:00Z".parse()?, TimeDelta::hours(1), 80, &BusinessHours::always_open())?;
    /// assert!(!m.is_completed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn is_completed(&self) -> bool {
        matches!(self.state, MilestoneState::Completed { .. })
    }

    /// The business time the clock has run by `now`: time since the start on
    /// `calendar`, minus finished pauses, minus the current pause; frozen at
    /// completion. Paused time is never counted.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::{calendar::BusinessHours, sla::{Milestone, MilestoneKind}};
    /// let cal = BusinessHours::always_open();
    /// let m = Milestone::start(MilestoneKind::Resolution, 0, "2024-01-08T09:00:00Z".parse()?, TimeDelta::hours(8), 80, &cal)?;
    /// assert_eq!(m.elapsed("2024-01-08T10:30:00Z".parse()?, &cal), TimeDelta::minutes(90));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn elapsed(&self, now: DateTime<Utc>, calendar: &BusinessHours) -> TimeDelta {
        let (end, current_pause) = match self.state {
            MilestoneState::Active => (now, TimeDelta::zero()),
            MilestoneState::Paused { since } => (now, calendar.between(since, now.max(since))),
            MilestoneState::Completed { at, .. } => (at, TimeDelta::zero()),
        };
        let end = end.max(self.started_at);
        saturating_sub(
            saturating_sub(calendar.between(self.started_at, end), self.paused),
            current_pause,
        )
    }

    /// The due and warning instants for the current target and paused time.
    pub(crate) fn schedule(
        &self,
        target: TimeDelta,
        paused: TimeDelta,
        calendar: &BusinessHours,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
        schedule(self.started_at, target, paused, self.warn_percent, calendar)
    }
}

/// A milestone's terms: a positive target and a warning threshold in 1..=99
/// percent (checked when a milestone is scheduled and when one is loaded).
fn check_terms(target: TimeDelta, warn_percent: u8) -> Result<()> {
    if target <= TimeDelta::zero() {
        return Err(Error::validation(
            "sla target",
            format!("must be longer than zero, got {target}"),
        ));
    }
    if !(1..=99).contains(&warn_percent) {
        return Err(Error::validation(
            "warning percent",
            format!("must be between 1 and 99, got {warn_percent}"),
        ));
    }
    Ok(())
}

fn schedule(
    start: DateTime<Utc>,
    target: TimeDelta,
    paused: TimeDelta,
    warn_percent: u8,
    calendar: &BusinessHours,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    check_terms(target, warn_percent)?;
    let overflow = || Error::Overflow {
        what: format!(
            "sla target {} plus paused time {}",
            crate::period::HumanDuration(target),
            crate::period::HumanDuration(paused)
        ),
    };
    let warn_share = target
        .checked_mul(i32::from(warn_percent))
        .and_then(|d| d.checked_div(100))
        .ok_or_else(overflow)?;
    let due = calendar.add(start, target.checked_add(&paused).ok_or_else(overflow)?)?;
    let warn_at = calendar.add(start, warn_share.checked_add(&paused).ok_or_else(overflow)?)?;
    Ok((due, warn_at))
}

/// `a - b`, clamped to the representable range (deserialized values may be extreme).
fn saturating_sub(a: TimeDelta, b: TimeDelta) -> TimeDelta {
    a.checked_sub(&b).unwrap_or(if b > TimeDelta::zero() {
        TimeDelta::MIN
    } else {
        TimeDelta::MAX
    })
}

validated_record! {
/// The milestones of one case.
///
/// ```
/// use hotcrm_support::case::{Case, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::sla::MilestoneKind;
///
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
/// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
/// // Standard tier on the default always-open calendar: 5 business days of 8 hours.
/// let resolution = case.milestones.get(MilestoneKind::Resolution).ok_or("no resolution milestone")?;
/// assert_eq!(resolution.due.to_rfc3339(), "2026-01-07T01:00:00+00:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MilestonesRecord")]
#[non_exhaustive]
pub struct Milestones {
    /// Time to the first public agent reply.
    pub first_response: Milestone,
    /// Time to answer the latest customer reply, when the policy has a target.
    pub next_response: Option<Milestone>,
    /// Time to resolution.
    pub resolution: Milestone,
}
mirror MilestonesRecord;
}

impl Milestones {
    pub(crate) fn new(first_response: Milestone, resolution: Milestone) -> Self {
        Self {
            first_response,
            next_response: None,
            resolution,
        }
    }

    /// Checks each milestone ([`Milestone::validate`]), that each sits in the
    /// slot of its kind, and that only the resolution milestone is ever paused
    /// (the only one whose clock stops). Serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`first_response`, `next_response`,
    /// `resolution`, or one of [`Milestone::validate`]'s).
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, NewCase, CaseRules};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::Milestones;
    /// # let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
    /// # let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// case.milestones.validate()?;
    /// let mut json = serde_json::to_value(&case.milestones)?;
    /// json["first_response"]["kind"] = "Resolution".into();
    /// assert!(serde_json::from_value::<Milestones>(json).unwrap_err().to_string().starts_with("invalid first_response"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let slots = [
            (
                "first_response",
                MilestoneKind::FirstResponse,
                Some(&self.first_response),
            ),
            (
                "next_response",
                MilestoneKind::NextResponse,
                self.next_response.as_ref(),
            ),
            (
                "resolution",
                MilestoneKind::Resolution,
                Some(&self.resolution),
            ),
        ];
        for (field, kind, m) in slots {
            let Some(m) = m else { continue };
            m.validate()?;
            if m.kind != kind {
                return Err(Error::validation(
                    field,
                    format!("holds a {} milestone, not a {kind} one", m.kind),
                ));
            }
            if kind != MilestoneKind::Resolution && matches!(m.state, MilestoneState::Paused { .. })
            {
                return Err(Error::validation(
                    field,
                    format!(
                        "the {kind} milestone is paused, but only the resolution milestone pauses"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The milestone of `kind`, if the case has one.
    ///
    /// ```
    /// # use chrono::TimeDelta;
    /// # use hotcrm_support::case::{Case, NewCase, CaseRules};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::MilestoneKind;
    /// # let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
    /// # let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert!(case.milestones.get(MilestoneKind::NextResponse).is_none());
    /// assert!(case.milestones.get(MilestoneKind::Resolution).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, kind: MilestoneKind) -> Option<&Milestone> {
        match kind {
            MilestoneKind::FirstResponse => Some(&self.first_response),
            MilestoneKind::NextResponse => self.next_response.as_ref(),
            MilestoneKind::Resolution => Some(&self.resolution),
        }
    }

    pub(crate) fn get_mut(&mut self, kind: MilestoneKind) -> Option<&mut Milestone> {
        match kind {
            MilestoneKind::FirstResponse => Some(&mut self.first_response),
            MilestoneKind::NextResponse => self.next_response.as_mut(),
            MilestoneKind::Resolution => Some(&mut self.resolution),
        }
    }

    /// Every milestone the case has, in the order FirstResponse, NextResponse, Resolution.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, NewCase, CaseRules};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
    /// # let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(case.milestones.iter().count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Milestone> {
        std::iter::once(&self.first_response)
            .chain(self.next_response.as_ref())
            .chain(std::iter::once(&self.resolution))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn schedule_extends_due_and_warning_by_paused_time() {
        let cal = BusinessHours::always_open();
        let start = utc("2024-01-08T09:00:00Z");
        let m = Milestone::start(
            MilestoneKind::Resolution,
            0,
            start,
            TimeDelta::hours(8),
            75,
            &cal,
        )
        .unwrap();
        for (name, paused, due, warn) in [
            (
                "no pause",
                TimeDelta::zero(),
                "2024-01-08T17:00:00Z",
                "2024-01-08T15:00:00Z",
            ),
            (
                "one hour",
                TimeDelta::hours(1),
                "2024-01-08T18:00:00Z",
                "2024-01-08T16:00:00Z",
            ),
            (
                "a day",
                TimeDelta::hours(24),
                "2024-01-09T17:00:00Z",
                "2024-01-09T15:00:00Z",
            ),
        ] {
            let (d, w) = m.schedule(m.target, paused, &cal).unwrap();
            assert_eq!((d, w), (utc(due), utc(warn)), "{name}");
        }
    }

    #[test]
    fn elapsed_excludes_pauses_and_freezes_at_completion() {
        let cal = BusinessHours::always_open();
        let start = utc("2024-01-08T09:00:00Z");
        let mut m = Milestone::start(
            MilestoneKind::Resolution,
            0,
            start,
            TimeDelta::hours(8),
            80,
            &cal,
        )
        .unwrap();
        m.paused = TimeDelta::hours(1);
        m.state = MilestoneState::Paused {
            since: utc("2024-01-08T12:00:00Z"),
        };
        assert_eq!(
            m.elapsed(utc("2024-01-08T15:00:00Z"), &cal),
            TimeDelta::hours(2)
        );
        m.state = MilestoneState::Completed {
            at: utc("2024-01-08T13:00:00Z"),
            late: false,
        };
        assert_eq!(
            m.elapsed(utc("2024-01-09T00:00:00Z"), &cal),
            TimeDelta::hours(3)
        );
        assert_eq!(
            m.elapsed(utc("2024-01-01T00:00:00Z"), &cal),
            TimeDelta::hours(3)
        );
    }

    #[test]
    fn extreme_values_are_errors_or_clamped_not_panics() {
        let cal = BusinessHours::always_open();
        let start = utc("2024-01-08T09:00:00Z");
        assert!(
            Milestone::start(
                MilestoneKind::Resolution,
                0,
                start,
                TimeDelta::MAX,
                80,
                &cal
            )
            .is_err()
        );
        assert!(
            Milestone::start(
                MilestoneKind::Resolution,
                0,
                start,
                TimeDelta::hours(1),
                100,
                &cal
            )
            .is_err()
        );
        assert_eq!(
            saturating_sub(TimeDelta::MIN, TimeDelta::MAX),
            TimeDelta::MIN
        );
        assert_eq!(
            saturating_sub(TimeDelta::MAX, TimeDelta::MIN),
            TimeDelta::MAX
        );
    }
}
