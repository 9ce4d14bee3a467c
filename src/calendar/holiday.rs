//! Holidays, their recurrence rules and reusable holiday calendars.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// When a holiday happens.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, Weekday};
/// use hotcrm_support::calendar::Recurrence;
///
/// let thanksgiving = Recurrence::Floating { month: 11, weekday: Weekday::Thu, nth: 4 };
/// assert_eq!(thanksgiving.date_in(2024), NaiveDate::from_ymd_opt(2024, 11, 28));
/// let memorial_day = Recurrence::Floating { month: 5, weekday: Weekday::Mon, nth: -1 };
/// assert_eq!(memorial_day.date_in(2024), NaiveDate::from_ymd_opt(2024, 5, 27));
/// let leap = Recurrence::Annual { month: 2, day: 29 };
/// assert_eq!(leap.date_in(2023), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RecurrenceRecord")]
pub enum Recurrence {
    /// A single date.
    OneTime(NaiveDate),
    /// The same month and day every year (February 29 only in leap years).
    Annual {
        /// Month, 1..=12.
        month: u32,
        /// Day of the month, 1..=31 (must exist in that month in a leap year).
        day: u32,
    },
    /// The nth weekday of a month: `nth` is 1..=5, or -1 for the last one. A fifth
    /// weekday that does not exist in a given year means no holiday that year.
    Floating {
        /// Month, 1..=12.
        month: u32,
        /// The weekday.
        weekday: Weekday,
        /// Which occurrence: 1..=5, or -1 for the last.
        nth: i8,
    },
}

/// The unvalidated serde form of [`Recurrence`] (same shape).
#[derive(Debug, Clone, Copy, Deserialize)]
enum RecurrenceRecord {
    OneTime(NaiveDate),
    Annual {
        month: u32,
        day: u32,
    },
    Floating {
        month: u32,
        weekday: Weekday,
        nth: i8,
    },
}

impl RecurrenceRecord {
    /// The rule as written, not yet validated.
    fn unchecked(self) -> Recurrence {
        match self {
            RecurrenceRecord::OneTime(date) => Recurrence::OneTime(date),
            RecurrenceRecord::Annual { month, day } => Recurrence::Annual { month, day },
            RecurrenceRecord::Floating {
                month,
                weekday,
                nth,
            } => Recurrence::Floating {
                month,
                weekday,
                nth,
            },
        }
    }
}

impl TryFrom<RecurrenceRecord> for Recurrence {
    type Error = Error;

    /// Validates like a holiday's rule (serde goes through here).
    fn try_from(raw: RecurrenceRecord) -> Result<Self> {
        let rule = raw.unchecked();
        rule.validate()?;
        Ok(rule)
    }
}

impl Recurrence {
    /// The date this rule yields in `year`, before any "observed" shift; `None` when
    /// the rule has no date that year.
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        match *self {
            Recurrence::OneTime(date) => (date.year() == year).then_some(date),
            Recurrence::Annual { month, day } => NaiveDate::from_ymd_opt(year, month, day),
            Recurrence::Floating {
                month,
                weekday,
                nth,
            } => match nth {
                1..=5 => NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth as u8),
                -1 => {
                    let first_next = if month == 12 {
                        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
                    } else {
                        NaiveDate::from_ymd_opt(year, month.checked_add(1)?, 1)?
                    };
                    let last = first_next.pred_opt()?;
                    let back = (last.weekday().num_days_from_monday() + 7
                        - weekday.num_days_from_monday())
                        % 7;
                    last.checked_sub_days(chrono::Days::new(u64::from(back)))
                }
                _ => None,
            },
        }
    }

    /// Checks the rule: a month in 1..=12, a day that exists in that month (in a
    /// leap year), an `nth` in 1..=5 or -1. The business-hours builder runs it for
    /// every holiday and serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `recurrence`) naming the bad value.
    ///
    /// ```
    /// use hotcrm_support::calendar::Recurrence;
    /// Recurrence::Annual { month: 2, day: 29 }.validate()?;
    /// let err = Recurrence::Annual { month: 4, day: 31 }.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid recurrence: month 4 has no day 31");
    /// let err = serde_json::from_str::<Recurrence>(r#"{"Annual":{"month":13,"day":1}}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid recurrence: month 13 is not in 1..=12"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.problem().map_or(Ok(()), |reason| {
            Err(Error::validation("recurrence", reason))
        })
    }

    /// What is wrong with the rule, if anything.
    fn problem(&self) -> Option<String> {
        let month_ok = |month: u32| {
            (!(1..=12).contains(&month)).then(|| format!("month {month} is not in 1..=12"))
        };
        match *self {
            Recurrence::OneTime(_) => None,
            Recurrence::Annual { month, day } => month_ok(month).or_else(|| {
                NaiveDate::from_ymd_opt(2000, month, day)
                    .is_none()
                    .then(|| format!("month {month} has no day {day}"))
            }),
            Recurrence::Floating { month, nth, .. } => month_ok(month).or_else(|| {
                (!(matches!(nth, 1..=5) || nth == -1))
                    .then(|| format!("nth {nth} is not in 1..=5 or -1"))
            }),
        }
    }
}

/// A day (or part of a day) when the business is closed.
///
/// A holiday removes its whole local date `[00:00, next 00:00)` from every
/// business interval — including the part of an overnight shift that falls on that
/// date — unless [`Holiday::hours`] limits it to part of the day.
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, NaiveTime};
/// use hotcrm_support::calendar::{Holiday, Recurrence};
///
/// let july4 = Holiday::new("Independence Day", Recurrence::Annual { month: 7, day: 4 }).observed();
/// // 2026-07-04 is a Saturday: observed on Friday the 3rd.
/// assert_eq!(july4.date_in(2026), NaiveDate::from_ymd_opt(2026, 7, 3));
///
/// let eve = Holiday::new("Christmas Eve", Recurrence::Annual { month: 12, day: 24 })
///     .hours(NaiveTime::from_hms_opt(13, 0, 0).unwrap(), NaiveTime::MIN);
/// assert!(eve.is_partial());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "HolidayRecord")]
pub struct Holiday {
    name: String,
    recurrence: Recurrence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hours: Option<(NaiveTime, NaiveTime)>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    observed: bool,
}

/// The unvalidated serde form of [`Holiday`] (same shape).
#[derive(Deserialize)]
struct HolidayRecord {
    name: String,
    recurrence: RecurrenceRecord,
    #[serde(default)]
    hours: Option<(NaiveTime, NaiveTime)>,
    #[serde(default)]
    observed: bool,
}

impl TryFrom<HolidayRecord> for Holiday {
    type Error = Error;

    /// Validates like the business-hours builder (serde goes through here).
    fn try_from(raw: HolidayRecord) -> Result<Self> {
        let holiday = Holiday {
            name: raw.name,
            recurrence: raw.recurrence.unchecked(),
            hours: raw.hours,
            observed: raw.observed,
        };
        holiday.validate()?;
        Ok(holiday)
    }
}

impl Holiday {
    /// A whole-day holiday.
    pub fn new(name: impl Into<String>, recurrence: Recurrence) -> Holiday {
        Holiday {
            name: name.into(),
            recurrence,
            hours: None,
            observed: false,
        }
    }

    /// Closes only `[start, end)` of the holiday's date instead of the whole day. An
    /// `end` of `00:00` means the end of the day (13:00–00:00 closes the afternoon).
    /// An `end` before `start` is rejected when the calendar is built.
    pub fn hours(mut self, start: NaiveTime, end: NaiveTime) -> Holiday {
        self.hours = Some((start, end));
        self
    }

    /// Applies the "observed" rule: a date falling on Saturday is observed on the
    /// Friday before, one falling on Sunday on the Monday after (the US federal rule).
    /// Only the observed date is closed.
    pub fn observed(mut self) -> Holiday {
        self.observed = true;
        self
    }

    /// The holiday's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The recurrence rule.
    pub fn recurrence(&self) -> &Recurrence {
        &self.recurrence
    }

    /// Whether only part of the day is closed.
    pub fn is_partial(&self) -> bool {
        self.hours.is_some()
    }

    /// The closed hours when partial.
    pub fn closed_hours(&self) -> Option<(NaiveTime, NaiveTime)> {
        self.hours
    }

    /// Whether the observed rule applies.
    pub fn is_observed(&self) -> bool {
        self.observed
    }

    /// The (observed) date of the holiday generated by `year`'s rule. Note that the
    /// observed date of January 1 may fall in the previous year.
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        let date = self.recurrence.date_in(year)?;
        if !self.observed {
            return Some(date);
        }
        match date.weekday() {
            Weekday::Sat => date.pred_opt(),
            Weekday::Sun => date.succ_opt(),
            _ => Some(date),
        }
    }

    /// Whether the holiday falls on `date`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::{Holiday, Recurrence};
    /// let new_year = Holiday::new("New Year", Recurrence::Annual { month: 1, day: 1 }).observed();
    /// // 2022-01-01 was a Saturday, observed on Friday 2021-12-31.
    /// assert!(new_year.falls_on(NaiveDate::from_ymd_opt(2021, 12, 31).unwrap()));
    /// assert!(!new_year.falls_on(NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()));
    /// ```
    pub fn falls_on(&self, date: NaiveDate) -> bool {
        let year = date.year();
        [year.saturating_sub(1), year, year.saturating_add(1)]
            .into_iter()
            .any(|y| self.date_in(y) == Some(date))
    }

    /// Checks the rule ([`Recurrence::validate`]) and the closed hours: an end
    /// after the start (or `00:00`, the end of the day), no leap seconds. The
    /// business-hours builder runs it for every holiday and serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidHoliday`] naming the holiday and the bad value.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::{Holiday, Recurrence};
    /// let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap();
    /// let eve = Holiday::new("Eve", Recurrence::Annual { month: 12, day: 24 });
    /// eve.clone().hours(noon, NaiveTime::MIN).validate()?;
    /// let err = eve.hours(noon, noon).validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid holiday \"Eve\": closed hours end 12:00:00 is not after start 12:00:00");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Error::InvalidHoliday {
            name: self.name.clone(),
            reason,
        };
        if let Some(reason) = self.recurrence.problem() {
            return Err(bad(reason));
        }
        if let Some((start, end)) = self.hours {
            for (what, t) in [("start", start), ("end", end)] {
                if t.nanosecond() >= 1_000_000_000 {
                    return Err(bad(format!("closed hours {what} {t} is a leap second")));
                }
            }
            if end != NaiveTime::MIN && end <= start {
                return Err(bad(format!(
                    "closed hours end {end} is not after start {start}"
                )));
            }
        }
        Ok(())
    }
}

/// A named, reusable set of holidays that several business-hours calendars can share.
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use hotcrm_support::calendar::{Holiday, HolidayCalendar, Recurrence};
///
/// let mut company = HolidayCalendar::new("Company days")
///     .with(Holiday::new("Founders' Day", Recurrence::Annual { month: 3, day: 14 }));
/// company.push(Holiday::new("Offsite", Recurrence::OneTime(NaiveDate::from_ymd_opt(2026, 9, 18).unwrap())));
/// assert_eq!(company.holidays().len(), 2);
/// assert!(HolidayCalendar::us_federal().holidays().len() >= 11);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HolidayCalendar {
    name: String,
    holidays: Vec<Holiday>,
}

impl HolidayCalendar {
    /// An empty calendar.
    pub fn new(name: impl Into<String>) -> HolidayCalendar {
        HolidayCalendar {
            name: name.into(),
            holidays: Vec::new(),
        }
    }

    /// Adds a holiday (builder style).
    pub fn with(mut self, holiday: Holiday) -> HolidayCalendar {
        self.holidays.push(holiday);
        self
    }

    /// Adds a holiday.
    pub fn push(&mut self, holiday: Holiday) {
        self.holidays.push(holiday);
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The holidays, in insertion order.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// The eleven US federal holidays (5 U.S.C. 6103) with the observed rule for
    /// fixed dates. Juneteenth is included for every year although it was first
    /// observed in 2021: add your own rules for historical computations.
    pub fn us_federal() -> HolidayCalendar {
        use Recurrence::{Annual, Floating};
        let annual = |name: &str, month, day| Holiday::new(name, Annual { month, day }).observed();
        let floating = |name: &str, month, weekday, nth| {
            Holiday::new(
                name,
                Floating {
                    month,
                    weekday,
                    nth,
                },
            )
        };
        HolidayCalendar::new("US federal holidays")
            .with(annual("New Year's Day", 1, 1))
            .with(floating(
                "Birthday of Martin Luther King, Jr.",
                1,
                Weekday::Mon,
                3,
            ))
            .with(floating("Washington's Birthday", 2, Weekday::Mon, 3))
            .with(floating("Memorial Day", 5, Weekday::Mon, -1))
            .with(annual("Juneteenth National Independence Day", 6, 19))
            .with(annual("Independence Day", 7, 4))
            .with(floating("Labor Day", 9, Weekday::Mon, 1))
            .with(floating("Columbus Day", 10, Weekday::Mon, 2))
            .with(annual("Veterans Day", 11, 11))
            .with(floating("Thanksgiving Day", 11, Weekday::Thu, 4))
            .with(annual("Christmas Day", 12, 25))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn recurrence_dates_table() {
        let cases = [
            (
                "thanksgiving 2024",
                Recurrence::Floating {
                    month: 11,
                    weekday: Weekday::Thu,
                    nth: 4,
                },
                2024,
                Some(d(2024, 11, 28)),
            ),
            (
                "last monday of may 2026",
                Recurrence::Floating {
                    month: 5,
                    weekday: Weekday::Mon,
                    nth: -1,
                },
                2026,
                Some(d(2026, 5, 25)),
            ),
            (
                "last friday of december",
                Recurrence::Floating {
                    month: 12,
                    weekday: Weekday::Fri,
                    nth: -1,
                },
                2024,
                Some(d(2024, 12, 27)),
            ),
            (
                "fifth monday missing",
                Recurrence::Floating {
                    month: 2,
                    weekday: Weekday::Mon,
                    nth: 5,
                },
                2024,
                None,
            ),
            (
                "fifth thursday present",
                Recurrence::Floating {
                    month: 2,
                    weekday: Weekday::Thu,
                    nth: 5,
                },
                2024,
                Some(d(2024, 2, 29)),
            ),
            (
                "feb 29 non leap",
                Recurrence::Annual { month: 2, day: 29 },
                2025,
                None,
            ),
            (
                "one time other year",
                Recurrence::OneTime(d(2025, 3, 3)),
                2024,
                None,
            ),
            (
                "one time its year",
                Recurrence::OneTime(d(2025, 3, 3)),
                2025,
                Some(d(2025, 3, 3)),
            ),
        ];
        for (name, rule, year, want) in cases {
            assert_eq!(rule.date_in(year), want, "case {name}");
        }
    }

    #[test]
    fn observed_rule_moves_weekend_dates() {
        let h = Holiday::new("July 4", Recurrence::Annual { month: 7, day: 4 }).observed();
        assert_eq!(h.date_in(2026), Some(d(2026, 7, 3)), "saturday -> friday");
        assert_eq!(h.date_in(2027), Some(d(2027, 7, 5)), "sunday -> monday");
        assert_eq!(h.date_in(2024), Some(d(2024, 7, 4)), "thursday stays");
        let ny = Holiday::new("NY", Recurrence::Annual { month: 1, day: 1 }).observed();
        assert!(
            ny.falls_on(d(2021, 12, 31)),
            "observed in the previous year"
        );
    }

    #[test]
    fn validation_rejects_impossible_rules() {
        let bad = [
            Holiday::new("a", Recurrence::Annual { month: 4, day: 31 }),
            Holiday::new("b", Recurrence::Annual { month: 13, day: 1 }),
            Holiday::new(
                "c",
                Recurrence::Floating {
                    month: 1,
                    weekday: Weekday::Mon,
                    nth: 0,
                },
            ),
            Holiday::new(
                "d",
                Recurrence::Floating {
                    month: 1,
                    weekday: Weekday::Mon,
                    nth: 6,
                },
            ),
            Holiday::new(
                "e",
                Recurrence::Floating {
                    month: 0,
                    weekday: Weekday::Mon,
                    nth: 1,
                },
            ),
            Holiday::new("f", Recurrence::Annual { month: 1, day: 1 }).hours(
                NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            ),
            Holiday::new("g", Recurrence::Annual { month: 1, day: 1 }).hours(
                NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            ),
        ];
        for h in bad {
            assert!(
                h.validate().is_err(),
                "holiday {} should be rejected",
                h.name()
            );
        }
        assert!(
            Holiday::new("ok", Recurrence::Annual { month: 2, day: 29 })
                .validate()
                .is_ok()
        );
    }
}
