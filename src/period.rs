//! [`Period`]: the half-open reporting window `[from, to)`.
//!
//! Layer 1 (foundation, like `ids` and `error`): a pure value that depends only on
//! `error`, so every layer can take a period — the knowledge-gap report
//! ([`KnowledgeBase::knowledge_gaps`](crate::knowledge::KnowledgeBase::knowledge_gaps))
//! as well as the support metrics ([`analytics::report`](crate::analytics::report)).
//! It is also available as `hotcrm_support::analytics::Period` and in the
//! [`prelude`](crate::prelude).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A half-open reporting window `[from, to)`: an instant `t` is in the period
/// when `from <= t < to`, so consecutive periods (January, February, ...) never
/// count an event twice and never miss one.
///
/// The fields are private so that `from < to` always holds; serde validates
/// it again on load.
///
/// # Example
///
/// ```
/// use hotcrm_support::period::Period;
///
/// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
/// assert!(january.contains("2026-01-31T23:59:59Z".parse()?));
/// assert!(!january.contains("2026-02-01T00:00:00Z".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "PeriodFields")]
pub struct Period {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// The unvalidated serde shape of a [`Period`].
#[derive(Deserialize)]
struct PeriodFields {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

impl TryFrom<PeriodFields> for Period {
    type Error = Error;

    fn try_from(fields: PeriodFields) -> Result<Period> {
        Period::new(fields.from, fields.to)
    }
}

impl Period {
    /// The period `[from, to)`.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `period`) unless `from < to`.
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::period::Period;
    ///
    /// let t = "2026-01-01T00:00:00Z".parse()?;
    /// let err = Period::new(t, t).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid period: start 2026-01-01 00:00:00 UTC must be before end 2026-01-01 00:00:00 UTC");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Period> {
        if from < to {
            Ok(Period { from, to })
        } else {
            Err(Error::validation(
                "period",
                format!("start {from} must be before end {to}"),
            ))
        }
    }

    /// The first instant of the period (included).
    ///
    /// ```
    /// # use hotcrm_support::period::Period;
    /// let p = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
    /// assert_eq!(p.from().to_rfc3339(), "2026-01-01T00:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The end of the period (excluded).
    ///
    /// ```
    /// # use hotcrm_support::period::Period;
    /// let p = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
    /// assert_eq!(p.to().to_rfc3339(), "2026-02-01T00:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Whether `at` lies in `[from, to)`.
    ///
    /// ```
    /// # use hotcrm_support::period::Period;
    /// let p = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
    /// assert!(p.contains(p.from()));
    /// assert!(!p.contains(p.to()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.to
    }

    /// Whether `at` is set and lies in the period.
    pub(crate) fn contains_opt(&self, at: Option<DateTime<Utc>>) -> bool {
        at.is_some_and(|t| self.contains(t))
    }
}

/// A duration for people: days are not used (a business day has no fixed
/// length), so it is hours and minutes — `4h 30m`, `45m`, `26h`, `0m` —,
/// seconds only below a minute (`30s`), and a leading `-` when negative.
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::period::HumanDuration;
/// assert_eq!(HumanDuration(chrono::TimeDelta::minutes(270)).to_string(), "4h 30m");
/// assert_eq!(HumanDuration(chrono::TimeDelta::hours(26)).to_string(), "26h");
/// assert_eq!(HumanDuration(chrono::TimeDelta::seconds(30)).to_string(), "30s");
/// assert_eq!(HumanDuration(chrono::TimeDelta::minutes(-5)).to_string(), "-5m");
/// assert_eq!(HumanDuration(chrono::TimeDelta::zero()).to_string(), "0m");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub chrono::TimeDelta);

impl HumanDuration {
    /// A duration of `minutes`.
    ///
    /// ```
    /// # use hotcrm_support::period::HumanDuration;
    /// assert_eq!(HumanDuration::minutes(90).to_string(), "1h 30m");
    /// ```
    pub fn minutes(minutes: i64) -> HumanDuration {
        HumanDuration(chrono::TimeDelta::try_minutes(minutes).unwrap_or(chrono::TimeDelta::MAX))
    }
}

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total = self.0.num_seconds();
        if total < 0 {
            f.write_str("-")?;
        }
        let secs = total.unsigned_abs();
        if secs < 60 && secs > 0 {
            return write!(f, "{secs}s");
        }
        let minutes = secs / 60;
        let (h, m) = (minutes / 60, minutes % 60);
        match (h, m) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h {m}m"),
        }
    }
}

impl From<chrono::TimeDelta> for HumanDuration {
    fn from(d: chrono::TimeDelta) -> Self {
        HumanDuration(d)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn serde_validates_on_load() {
        let ok: Period =
            serde_json::from_str(r#"{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}"#)
                .unwrap();
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}"#
        );
        let bad = serde_json::from_str::<Period>(
            r#"{"from":"2026-01-02T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#,
        );
        assert!(bad.unwrap_err().to_string().contains("must be before end"));
    }
}
