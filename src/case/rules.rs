//! `CaseRules`: the explicit context of every case decision (SLA policy, the
//! desk's business hours, survey window, auto-close delay). Pure configuration.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::sla::SlaPolicy;

/// The context every case decision takes: the [`SlaPolicy`], the desk's
/// [`BusinessHours`], how long a CSAT survey is accepted (default 28 days) and
/// how long a Resolved case waits before it auto-closes (default 3 days).
///
/// `CaseRules::default()` uses the default policy on an always-open calendar,
/// so business-hours tiers behave like 24x7 until you pass real hours.
///
/// # Example
///
/// ```
/// use chrono::{NaiveTime, TimeDelta};
/// use chrono_tz::America::New_York;
/// use hotcrm_support::calendar::BusinessHours;
/// use hotcrm_support::case::CaseRules;
/// use hotcrm_support::sla::SlaPolicy;
///
/// let hours = BusinessHours::builder(New_York)
///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
///     .build()?;
/// let rules = CaseRules::new(SlaPolicy::default(), hours)
///     .with_auto_close_after(TimeDelta::days(7))?
///     .with_survey_window(TimeDelta::days(14))?;
/// assert_eq!(rules.auto_close_after(), TimeDelta::days(7));
/// let json = serde_json::to_string(&rules)?;
/// assert_eq!(serde_json::from_str::<CaseRules>(&json)?, rules);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCaseRules")]
pub struct CaseRules {
    sla: SlaPolicy,
    hours: BusinessHours,
    #[serde(with = "crate::sla::delta_serde")]
    survey_window: TimeDelta,
    #[serde(with = "crate::sla::delta_serde")]
    auto_close_after: TimeDelta,
}

/// The serialized form, validated on the way in.
#[derive(Deserialize)]
struct RawCaseRules {
    sla: SlaPolicy,
    hours: BusinessHours,
    #[serde(with = "crate::sla::delta_serde")]
    survey_window: TimeDelta,
    #[serde(with = "crate::sla::delta_serde")]
    auto_close_after: TimeDelta,
}

impl TryFrom<RawCaseRules> for CaseRules {
    type Error = Error;

    fn try_from(raw: RawCaseRules) -> Result<Self> {
        CaseRules::new(raw.sla, raw.hours)
            .with_survey_window(raw.survey_window)?
            .with_auto_close_after(raw.auto_close_after)
    }
}

impl Default for CaseRules {
    fn default() -> Self {
        Self::new(SlaPolicy::default(), BusinessHours::always_open())
    }
}

impl CaseRules {
    /// Rules with `sla` on `hours`, a 28-day survey window and 3-day auto-close.
    ///
    /// ```
    /// use hotcrm_support::{calendar::BusinessHours, case::CaseRules, sla::SlaPolicy};
    /// let rules = CaseRules::new(SlaPolicy::default(), BusinessHours::always_open());
    /// assert_eq!(rules.survey_window(), chrono::TimeDelta::days(28));
    /// ```
    pub fn new(sla: SlaPolicy, hours: BusinessHours) -> Self {
        Self {
            // "1 business day" is the desk's typical open day unless the policy sets it.
            sla: sla.for_calendar(&hours),
            hours,
            survey_window: TimeDelta::days(28),
            auto_close_after: TimeDelta::days(3),
        }
    }

    /// The same rules on another business calendar: the SLA policy is measured
    /// on `hours` again (one business day is its typical open day unless the
    /// policy fixed it), the survey window and auto-close delay are kept.
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta};
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::CaseRules;
    /// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    /// let london = BusinessHours::builder(chrono_tz::Europe::London).weekdays(t(9, 0), t(17, 30)).build()?;
    /// let rules = CaseRules::default().with_hours(london);
    /// assert_eq!(rules.sla().business_day(), TimeDelta::minutes(510));
    /// assert_eq!(rules.survey_window(), CaseRules::default().survey_window());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_hours(self, hours: BusinessHours) -> Self {
        Self {
            sla: self.sla.for_calendar(&hours),
            hours,
            ..self
        }
    }

    /// Sets how long a satisfaction survey is accepted after resolution.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless the window is positive and at most 366 days.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::case::CaseRules;
    /// assert!(CaseRules::default().with_survey_window(TimeDelta::zero()).is_err());
    /// assert!(CaseRules::default().with_survey_window(TimeDelta::days(7)).is_ok());
    /// ```
    pub fn with_survey_window(mut self, window: TimeDelta) -> Result<Self> {
        self.survey_window = positive_days("survey_window", window)?;
        Ok(self)
    }

    /// Sets how long a Resolved case waits before it closes automatically.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] unless the delay is positive and at most 366 days.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::case::CaseRules;
    /// let rules = CaseRules::default().with_auto_close_after(TimeDelta::hours(12))?;
    /// assert_eq!(rules.auto_close_after(), TimeDelta::hours(12));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_auto_close_after(mut self, delay: TimeDelta) -> Result<Self> {
        self.auto_close_after = positive_days("auto_close_after", delay)?;
        Ok(self)
    }

    /// The SLA policy.
    ///
    /// ```
    /// use hotcrm_support::{case::CaseRules, sla::SlaPolicy};
    /// assert_eq!(CaseRules::default().sla(), &SlaPolicy::default());
    /// ```
    pub fn sla(&self) -> &SlaPolicy {
        &self.sla
    }

    /// The desk's business hours.
    ///
    /// ```
    /// use hotcrm_support::{calendar::BusinessHours, case::CaseRules};
    /// assert_eq!(CaseRules::default().hours(), &BusinessHours::always_open());
    /// ```
    pub fn hours(&self) -> &BusinessHours {
        &self.hours
    }

    /// How long a survey is accepted after resolution (default 28 days).
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::CaseRules::default().survey_window(), chrono::TimeDelta::days(28));
    /// ```
    pub fn survey_window(&self) -> TimeDelta {
        self.survey_window
    }

    /// How long a Resolved case waits before auto-closing (default 3 days).
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::CaseRules::default().auto_close_after(), chrono::TimeDelta::days(3));
    /// ```
    pub fn auto_close_after(&self) -> TimeDelta {
        self.auto_close_after
    }
}

fn positive_days(field: &'static str, d: TimeDelta) -> Result<TimeDelta> {
    if d <= TimeDelta::zero() || d > TimeDelta::days(366) {
        return Err(Error::validation(
            field,
            format!("must be positive and at most 366 days, got {d}"),
        ));
    }
    Ok(d)
}
