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
    /// A day relative to Western (Gregorian) Easter Sunday, computed by the
    /// Anonymous Gregorian (Meeus/Jones/Butcher) algorithm: Good Friday is `-2`,
    /// Easter Monday `1`, Ascension `39`, Whit Monday `50`. The offset must lie in
    /// [`EASTER_OFFSETS`](Recurrence::EASTER_OFFSETS), which keeps every date
    /// inside Easter's own year.
    Easter {
        /// Days after Easter Sunday (negative: before).
        offset: i16,
    },
    /// The first `weekday` on or after a month and day: Canada's Victoria Day
    /// (the Monday before May 25) is the first Monday on or after May 18; the US
    /// Election Day the first Tuesday on or after November 2.
    WeekdayOnOrAfter {
        /// Month, 1..=12.
        month: u32,
        /// Day of the month, 1..=31 (must exist in that month in a leap year).
        day: u32,
        /// The weekday.
        weekday: Weekday,
    },
    /// The day of the March equinox in Japan Standard Time (Japan's Vernal
    /// Equinox Day), by the standard formula
    /// `floor(20.8431 + 0.242194 (Y - 1980) - floor((Y - 1980) / 4))`, valid for
    /// 1980..=2099; no date outside those years.
    MarchEquinox,
    /// The day of the September equinox in Japan Standard Time (Japan's Autumnal
    /// Equinox Day), by `floor(23.2488 + 0.242194 (Y - 1980) - floor((Y - 1980) / 4))`,
    /// valid for 1980..=2099; no date outside those years.
    SeptemberEquinox,
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
    Easter {
        offset: i16,
    },
    WeekdayOnOrAfter {
        month: u32,
        day: u32,
        weekday: Weekday,
    },
    MarchEquinox,
    SeptemberEquinox,
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
            RecurrenceRecord::Easter { offset } => Recurrence::Easter { offset },
            RecurrenceRecord::WeekdayOnOrAfter {
                month,
                day,
                weekday,
            } => Recurrence::WeekdayOnOrAfter {
                month,
                day,
                weekday,
            },
            RecurrenceRecord::MarchEquinox => Recurrence::MarchEquinox,
            RecurrenceRecord::SeptemberEquinox => Recurrence::SeptemberEquinox,
        }
    }
}

/// Western (Gregorian) Easter Sunday of `year`, by the Anonymous Gregorian
/// algorithm (Meeus, *Astronomical Algorithms*); `None` outside chrono's years.
///
/// ```
/// use chrono::NaiveDate;
/// use hotcrm_support::calendar::easter_sunday;
/// assert_eq!(easter_sunday(2024), NaiveDate::from_ymd_opt(2024, 3, 31));
/// assert_eq!(easter_sunday(2027), NaiveDate::from_ymd_opt(2027, 3, 28));
/// ```
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Japan's equinox day in `year` (1980..=2099) from the formula's constant.
fn japan_equinox(year: i32, month: u32, constant: f64) -> Option<NaiveDate> {
    if !(1980..=2099).contains(&year) {
        return None;
    }
    let n = year - 1980;
    let day = (constant + 0.242194 * f64::from(n) - f64::from(n / 4)).floor();
    // The formula yields 19..=24 in its range; the cast cannot truncate.
    NaiveDate::from_ymd_opt(year, month, day as u32)
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
    /// The Easter offsets [`Recurrence::Easter`] accepts: Easter falls between
    /// March 22 and April 25, so these keep every date inside Easter's year.
    pub const EASTER_OFFSETS: std::ops::RangeInclusive<i16> = -80..=250;

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
            Recurrence::Easter { offset } => {
                let easter = easter_sunday(year)?;
                easter.checked_add_signed(chrono::TimeDelta::try_days(i64::from(offset))?)
            }
            Recurrence::WeekdayOnOrAfter {
                month,
                day,
                weekday,
            } => {
                let from = NaiveDate::from_ymd_opt(year, month, day)?;
                let ahead = (weekday.num_days_from_monday() + 7
                    - from.weekday().num_days_from_monday())
                    % 7;
                from.checked_add_days(chrono::Days::new(u64::from(ahead)))
            }
            Recurrence::MarchEquinox => japan_equinox(year, 3, 20.8431),
            Recurrence::SeptemberEquinox => japan_equinox(year, 9, 23.2488),
        }
    }

    /// Whether the rule repeats every 400 Gregorian years (Easter and the
    /// equinox formula do not).
    pub(crate) fn is_cyclic(&self) -> bool {
        !matches!(
            self,
            Recurrence::Easter { .. } | Recurrence::MarchEquinox | Recurrence::SeptemberEquinox
        )
    }

    /// Checks the rule: a month in 1..=12, a day that exists in that month (in a
    /// leap year), an `nth` in 1..=5 or -1, an Easter offset in
    /// [`EASTER_OFFSETS`](Recurrence::EASTER_OFFSETS). The business-hours builder runs it for
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
    /// let err = Recurrence::Easter { offset: 400 }.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid recurrence: easter offset 400 is not in -80..=250");
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
            Recurrence::Easter { offset } => {
                (!Recurrence::EASTER_OFFSETS.contains(&offset)).then(|| {
                    format!(
                        "easter offset {offset} is not in {}..={}",
                        Recurrence::EASTER_OFFSETS.start(),
                        Recurrence::EASTER_OFFSETS.end()
                    )
                })
            }
            Recurrence::WeekdayOnOrAfter { month, day, .. } => month_ok(month).or_else(|| {
                NaiveDate::from_ymd_opt(2000, month, day)
                    .is_none()
                    .then(|| format!("month {month} has no day {day}"))
            }),
            Recurrence::MarchEquinox | Recurrence::SeptemberEquinox => None,
        }
    }
}

/// What happens when a holiday's date falls on a weekend: the substitute-day
/// ("observed") rules of different countries, as data.
///
/// Rules that look at other holidays ("the next weekday that is not already a
/// holiday") consider the holidays of the same [`HolidayCalendar`] generated by
/// the same year's rules (holidays added directly to a business-hours builder
/// form one calendar of their own).
///
/// # Example
///
/// ```
/// use chrono::NaiveDate;
/// use hotcrm_support::calendar::{Holiday, HolidayCalendar, Observance, Recurrence};
///
/// let uk = HolidayCalendar::new("UK")
///     .with(Holiday::new("Christmas Day", Recurrence::Annual { month: 12, day: 25 }).observance(Observance::NextWeekday))
///     .with(Holiday::new("Boxing Day", Recurrence::Annual { month: 12, day: 26 }).observance(Observance::NextWeekday));
/// // 2027: Christmas is a Saturday, Boxing Day a Sunday.
/// let dates: Vec<NaiveDate> = uk.dates_in(2027).into_iter().map(|(d, _)| d).collect();
/// assert_eq!(dates, [NaiveDate::from_ymd_opt(2027, 12, 27).unwrap(), NaiveDate::from_ymd_opt(2027, 12, 28).unwrap()]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Observance {
    /// The date stays where it is, weekend or not (Germany, France, China, India).
    #[default]
    None,
    /// The US federal rule: a Saturday date moves to the Friday before, a Sunday
    /// date to the Monday after; only the moved date closes. Same as
    /// [`Holiday::observed`].
    NearestWeekday,
    /// The UK (and Canadian federal) rule: a Saturday or Sunday date moves to the
    /// next weekday that is not already a holiday, so Christmas on a Saturday is
    /// observed on Monday the 27th and Boxing Day on a Sunday on Tuesday the 28th;
    /// only the moved date closes.
    NextWeekday,
    /// The Australian rule for New Year, Christmas and Boxing Day: the weekend
    /// date stays a holiday and the next weekday that is not already a holiday is
    /// an additional one.
    AdditionalWeekday,
    /// Japan's substitute holiday (振替休日): a holiday on a Sunday stays one, and
    /// the next day that is not already a holiday is added.
    SundaySubstitute,
}

/// A day (or part of a day) when the business is closed.
///
/// A holiday removes its whole local date `[00:00, next 00:00)` from every
/// business interval — including the part of an overnight shift that falls on that
/// date — unless [`Holiday::hours`] limits it to part of the day. Its
/// [`Observance`] says where a weekend date goes.
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
#[serde(try_from = "HolidayRecord", into = "HolidayWire")]
pub struct Holiday {
    name: String,
    recurrence: Recurrence,
    hours: Option<(NaiveTime, NaiveTime)>,
    observance: Observance,
}

/// The serialized form of [`Holiday`]: the US rule is still written as
/// `observed: true`, so records stay readable by older versions.
#[derive(Serialize)]
struct HolidayWire {
    name: String,
    recurrence: Recurrence,
    #[serde(skip_serializing_if = "Option::is_none")]
    hours: Option<(NaiveTime, NaiveTime)>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    observed: bool,
    #[serde(skip_serializing_if = "is_plain")]
    observance: Observance,
}

fn is_plain(observance: &Observance) -> bool {
    matches!(observance, Observance::None | Observance::NearestWeekday)
}

impl From<Holiday> for HolidayWire {
    fn from(h: Holiday) -> HolidayWire {
        HolidayWire {
            name: h.name,
            recurrence: h.recurrence,
            hours: h.hours,
            observed: h.observance == Observance::NearestWeekday,
            observance: h.observance,
        }
    }
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
    #[serde(default)]
    observance: Option<Observance>,
}

impl TryFrom<HolidayRecord> for Holiday {
    type Error = Error;

    /// Validates like the business-hours builder (serde goes through here).
    fn try_from(raw: HolidayRecord) -> Result<Self> {
        let observance = match (raw.observance, raw.observed) {
            (Some(o), _) => o,
            (None, true) => Observance::NearestWeekday,
            (None, false) => Observance::None,
        };
        let holiday = Holiday {
            name: raw.name,
            recurrence: raw.recurrence.unchecked(),
            hours: raw.hours,
            observance,
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
            observance: Observance::None,
        }
    }

    /// Closes only `[start, end)` of the holiday's date instead of the whole day. An
    /// `end` of `00:00` means the end of the day (13:00–00:00 closes the afternoon).
    /// An `end` before `start` is rejected when the calendar is built.
    pub fn hours(mut self, start: NaiveTime, end: NaiveTime) -> Holiday {
        self.hours = Some((start, end));
        self
    }

    /// Applies the US "observed" rule ([`Observance::NearestWeekday`]): a date
    /// falling on Saturday is observed on the Friday before, one falling on Sunday
    /// on the Monday after. Only the observed date is closed.
    pub fn observed(self) -> Holiday {
        self.observance(Observance::NearestWeekday)
    }

    /// Sets the substitute-day rule for weekend dates.
    ///
    /// ```
    /// use hotcrm_support::calendar::{Holiday, Observance, Recurrence};
    /// let h = Holiday::new("Boxing Day", Recurrence::Annual { month: 12, day: 26 }).observance(Observance::NextWeekday);
    /// assert_eq!(h.observance_rule(), Observance::NextWeekday);
    /// ```
    pub fn observance(mut self, rule: Observance) -> Holiday {
        self.observance = rule;
        self
    }

    /// The substitute-day rule.
    pub fn observance_rule(&self) -> Observance {
        self.observance
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

    /// Whether the US observed rule ([`Observance::NearestWeekday`]) applies.
    pub fn is_observed(&self) -> bool {
        self.observance == Observance::NearestWeekday
    }

    /// The (observed) date of the holiday generated by `year`'s rule, on its own:
    /// the US rule moves weekend dates, [`Observance::NextWeekday`] moves them to
    /// the next Monday, and the other rules keep the date (their substitutes, which
    /// depend on the other holidays, come from [`HolidayCalendar::dates_in`]).
    /// Note that the observed date of January 1 may fall in the previous year.
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        let date = self.recurrence.date_in(year)?;
        match (self.observance, date.weekday()) {
            (Observance::NearestWeekday, Weekday::Sat) => date.pred_opt(),
            (Observance::NearestWeekday, Weekday::Sun) => date.succ_opt(),
            (Observance::NextWeekday, Weekday::Sat) => date.checked_add_days(chrono::Days::new(2)),
            (Observance::NextWeekday, Weekday::Sun) => date.succ_opt(),
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
/// Besides [`HolidayCalendar::new`] for your own, the crate ships national
/// calendars; see the table in the [module documentation](crate::calendar).
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
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sandwiched_days: bool,
}

/// One closed date of a calendar: the date and the holiday behind it (`None`
/// for a sandwiched day).
pub(crate) type Occurrence<'a> = (NaiveDate, Option<&'a Holiday>);

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl HolidayCalendar {
    /// An empty calendar.
    pub fn new(name: impl Into<String>) -> HolidayCalendar {
        HolidayCalendar {
            name: name.into(),
            holidays: Vec::new(),
            sandwiched_days: false,
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

    /// Closes every day, other than a Sunday, whose day before and day after are
    /// both holidays of this calendar by their own date (Japan's citizens'
    /// holiday, 国民の休日, as on 2026-09-22).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let japan = HolidayCalendar::japan();
    /// assert!(japan.closes_sandwiched_days());
    /// assert!(japan.dates_in(2026).iter().any(|(d, _)| *d == NaiveDate::from_ymd_opt(2026, 9, 22).unwrap()));
    /// ```
    pub fn close_sandwiched_days(mut self) -> HolidayCalendar {
        self.sandwiched_days = true;
        self
    }

    /// Whether sandwiched days close ([`close_sandwiched_days`](Self::close_sandwiched_days)).
    pub fn closes_sandwiched_days(&self) -> bool {
        self.sandwiched_days
    }

    /// The calendar's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The holidays, in insertion order.
    pub fn holidays(&self) -> &[Holiday] {
        &self.holidays
    }

    /// The closed dates generated by `year`'s rules, after substitution, sorted,
    /// each with a name (a substitute day is named after its holiday with
    /// " (substitute day)", a sandwiched day "Citizens' Holiday"). A US-observed
    /// January 1 may yield a date in the previous year.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates = HolidayCalendar::uk_england_wales().dates_in(2026);
    /// let boxing = dates.iter().find(|(_, name)| name.starts_with("Boxing Day")).unwrap();
    /// assert_eq!(boxing.0, NaiveDate::from_ymd_opt(2026, 12, 28).unwrap());
    /// ```
    pub fn dates_in(&self, year: i32) -> Vec<(NaiveDate, String)> {
        self.occurrences(year)
            .into_iter()
            .map(|(date, holiday)| {
                let name = match holiday {
                    None => "Citizens' Holiday".to_string(),
                    Some(h) => match h.recurrence.date_in(year) {
                        Some(own) if own == date || h.observance == Observance::NearestWeekday => {
                            h.name.clone()
                        }
                        _ => format!("{} (substitute day)", h.name),
                    },
                };
                (date, name)
            })
            .collect()
    }

    /// The closed dates of `year`'s rules with the holiday behind each, sorted.
    pub(crate) fn occurrences(&self, year: i32) -> Vec<Occurrence<'_>> {
        let mut own: Vec<(NaiveDate, &Holiday)> = self
            .holidays
            .iter()
            .filter_map(|h| h.recurrence.date_in(year).map(|d| (d, h)))
            .collect();
        own.sort_by_key(|(d, _)| *d);
        let mut taken = std::collections::BTreeSet::new();
        let mut out: Vec<Occurrence<'_>> = Vec::new();
        let mut pending: Vec<(NaiveDate, &Holiday)> = Vec::new();
        for &(date, h) in &own {
            match h.observance {
                Observance::NearestWeekday => {
                    if let Some(d) = h.date_in(year) {
                        taken.insert(d);
                        out.push((d, Some(h)));
                    }
                }
                Observance::NextWeekday if is_weekend(date) => pending.push((date, h)),
                Observance::AdditionalWeekday if is_weekend(date) => {
                    taken.insert(date);
                    out.push((date, Some(h)));
                    pending.push((date, h));
                }
                Observance::SundaySubstitute if date.weekday() == Weekday::Sun => {
                    taken.insert(date);
                    out.push((date, Some(h)));
                    pending.push((date, h));
                }
                _ => {
                    taken.insert(date);
                    out.push((date, Some(h)));
                }
            }
        }
        // Substitutes in date order, each skipping the days already taken.
        for (date, h) in pending {
            let weekdays_only = h.observance != Observance::SundaySubstitute;
            let mut day = date;
            // Bounded: at most every holiday plus two weekends lie in the way.
            for _ in 0..own.len().saturating_add(8) {
                let Some(next) = day.succ_opt() else { break };
                day = next;
                if !(taken.contains(&day) || (weekdays_only && is_weekend(day))) {
                    taken.insert(day);
                    out.push((day, Some(h)));
                    break;
                }
            }
        }
        if self.sandwiched_days {
            let national: std::collections::BTreeSet<NaiveDate> =
                own.iter().map(|(d, _)| *d).collect();
            for &d in &national {
                let (Some(mid), Some(after)) =
                    (d.succ_opt(), d.checked_add_days(chrono::Days::new(2)))
                else {
                    continue;
                };
                if national.contains(&after)
                    && !taken.contains(&mid)
                    && mid.weekday() != Weekday::Sun
                {
                    taken.insert(mid);
                    out.push((mid, None));
                }
            }
        }
        out.sort_by_key(|(d, _)| *d);
        out
    }

    /// Whether any rule of the calendar does not repeat every 400 years.
    pub(crate) fn has_acyclic_rules(&self) -> bool {
        self.holidays.iter().any(|h| !h.recurrence.is_cyclic())
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

    /// Bank holidays of England and Wales (as published on gov.uk): New Year's
    /// Day, Good Friday, Easter Monday, the early May, spring and summer bank
    /// holidays, Christmas Day and Boxing Day; weekend dates move to the next free
    /// weekday ([`Observance::NextWeekday`]). One-off days (a coronation, a
    /// jubilee) are announced separately: add them as [`Recurrence::OneTime`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::uk_england_wales().dates_in(2027).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2027, 12, 27).unwrap())); // Christmas, substitute
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2027, 12, 28).unwrap())); // Boxing Day, substitute
    /// ```
    pub fn uk_england_wales() -> HolidayCalendar {
        let sub = Observance::NextWeekday;
        HolidayCalendar::new("UK bank holidays (England and Wales)")
            .with(fixed("New Year's Day", 1, 1, sub))
            .with(easter("Good Friday", -2))
            .with(easter("Easter Monday", 1))
            .with(nth("Early May bank holiday", 5, Weekday::Mon, 1))
            .with(nth("Spring bank holiday", 5, Weekday::Mon, -1))
            .with(nth("Summer bank holiday", 8, Weekday::Mon, -1))
            .with(fixed("Christmas Day", 12, 25, sub))
            .with(fixed("Boxing Day", 12, 26, sub))
    }

    /// Bank holidays of Scotland (as published on gov.uk): New Year's Day, 2nd
    /// January, Good Friday, the early May and spring bank holidays, the summer
    /// bank holiday (first Monday of August), St Andrew's Day, Christmas Day and
    /// Boxing Day; weekend dates move to the next free weekday.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::uk_scotland().dates_in(2024).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2024, 12, 2).unwrap())); // St Andrew's Day, substitute
    /// ```
    pub fn uk_scotland() -> HolidayCalendar {
        let sub = Observance::NextWeekday;
        HolidayCalendar::new("UK bank holidays (Scotland)")
            .with(fixed("New Year's Day", 1, 1, sub))
            .with(fixed("2nd January", 1, 2, sub))
            .with(easter("Good Friday", -2))
            .with(nth("Early May bank holiday", 5, Weekday::Mon, 1))
            .with(nth("Spring bank holiday", 5, Weekday::Mon, -1))
            .with(nth("Summer bank holiday", 8, Weekday::Mon, 1))
            .with(fixed("St Andrew's Day", 11, 30, sub))
            .with(fixed("Christmas Day", 12, 25, sub))
            .with(fixed("Boxing Day", 12, 26, sub))
    }

    /// Germany's nine nationwide public holidays (Neujahr, Karfreitag,
    /// Ostermontag, Tag der Arbeit, Christi Himmelfahrt, Pfingstmontag, Tag der
    /// Deutschen Einheit, 1. and 2. Weihnachtstag); no substitute days. Each
    /// state adds its own (Epiphany, Corpus Christi, Reformation Day, ...).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::germany().dates_in(2026).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2026, 5, 14).unwrap())); // Ascension
    /// assert_eq!(dates.len(), 9);
    /// ```
    pub fn germany() -> HolidayCalendar {
        let none = Observance::None;
        HolidayCalendar::new("Germany (national holidays)")
            .with(fixed("Neujahr", 1, 1, none))
            .with(easter("Karfreitag", -2))
            .with(easter("Ostermontag", 1))
            .with(fixed("Tag der Arbeit", 5, 1, none))
            .with(easter("Christi Himmelfahrt", 39))
            .with(easter("Pfingstmontag", 50))
            .with(fixed("Tag der Deutschen Einheit", 10, 3, none))
            .with(fixed("1. Weihnachtstag", 12, 25, none))
            .with(fixed("2. Weihnachtstag", 12, 26, none))
    }

    /// France's eleven jours fériés (Code du travail L3133-1), with no
    /// substitute days. Good Friday and St Stephen's Day, holidays only in
    /// Alsace-Moselle, are not included.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::france().dates_in(2027).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2027, 5, 17).unwrap())); // Lundi de Pentecôte
    /// assert_eq!(dates.len(), 11);
    /// ```
    pub fn france() -> HolidayCalendar {
        let none = Observance::None;
        HolidayCalendar::new("France (jours fériés)")
            .with(fixed("Jour de l'an", 1, 1, none))
            .with(easter("Lundi de Pâques", 1))
            .with(fixed("Fête du Travail", 5, 1, none))
            .with(fixed("Victoire 1945", 5, 8, none))
            .with(easter("Ascension", 39))
            .with(easter("Lundi de Pentecôte", 50))
            .with(fixed("Fête nationale", 7, 14, none))
            .with(fixed("Assomption", 8, 15, none))
            .with(fixed("Toussaint", 11, 1, none))
            .with(fixed("Armistice 1918", 11, 11, none))
            .with(fixed("Noël", 12, 25, none))
    }

    /// The ten general holidays of the Canada Labour Code (federally regulated
    /// employers): New Year's Day, Good Friday, Victoria Day, Canada Day, Labour
    /// Day, National Day for Truth and Reconciliation, Thanksgiving, Remembrance
    /// Day, Christmas Day and Boxing Day. A weekend date is observed on the next
    /// free weekday, as the federal public service does. Easter Monday and the
    /// August civic holiday (provincial) are not included.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::canada_federal().dates_in(2026).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2026, 5, 18).unwrap())); // Victoria Day
    /// ```
    pub fn canada_federal() -> HolidayCalendar {
        let sub = Observance::NextWeekday;
        HolidayCalendar::new("Canada (federal general holidays)")
            .with(fixed("New Year's Day", 1, 1, sub))
            .with(easter("Good Friday", -2))
            .with(Holiday::new(
                "Victoria Day",
                Recurrence::WeekdayOnOrAfter {
                    month: 5,
                    day: 18,
                    weekday: Weekday::Mon,
                },
            ))
            .with(fixed("Canada Day", 7, 1, sub))
            .with(nth("Labour Day", 9, Weekday::Mon, 1))
            .with(fixed(
                "National Day for Truth and Reconciliation",
                9,
                30,
                sub,
            ))
            .with(nth("Thanksgiving Day", 10, Weekday::Mon, 2))
            .with(fixed("Remembrance Day", 11, 11, sub))
            .with(fixed("Christmas Day", 12, 25, sub))
            .with(fixed("Boxing Day", 12, 26, sub))
    }

    /// Australia's national public holidays: New Year's Day, Australia Day
    /// (a weekend date moves to Monday), Good Friday, Easter Monday, Anzac Day (no
    /// substitute nationally), Christmas Day and Boxing Day (a weekend date stays
    /// and adds the next free weekday, [`Observance::AdditionalWeekday`]). The
    /// King's Birthday, Easter Saturday and Labour Day differ by state: add them.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::australia().dates_in(2025).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2025, 1, 27).unwrap())); // Australia Day, Monday
    /// ```
    pub fn australia() -> HolidayCalendar {
        let add = Observance::AdditionalWeekday;
        HolidayCalendar::new("Australia (national public holidays)")
            .with(fixed("New Year's Day", 1, 1, add))
            .with(fixed("Australia Day", 1, 26, Observance::NextWeekday))
            .with(easter("Good Friday", -2))
            .with(easter("Easter Monday", 1))
            .with(fixed("Anzac Day", 4, 25, Observance::None))
            .with(fixed("Christmas Day", 12, 25, add))
            .with(fixed("Boxing Day", 12, 26, add))
    }

    /// Japan's sixteen national holidays (国民の祝日) with the Happy Monday
    /// rules, the equinox days by formula (1980–2099), substitute holidays for
    /// Sundays ([`Observance::SundaySubstitute`]) and citizens' holidays between
    /// two holidays ([`close_sandwiched_days`](Self::close_sandwiched_days)).
    /// Many employers also close December 29–January 3: add those days.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// let dates: Vec<NaiveDate> = HolidayCalendar::japan().dates_in(2027).into_iter().map(|(d, _)| d).collect();
    /// assert!(dates.contains(&NaiveDate::from_ymd_opt(2027, 3, 22).unwrap())); // substitute for the equinox
    /// ```
    pub fn japan() -> HolidayCalendar {
        let sub = Observance::SundaySubstitute;
        let day = |name: &str, rule: Recurrence| Holiday::new(name, rule).observance(sub);
        let fixed_jp = |name: &str, month, d| day(name, Recurrence::Annual { month, day: d });
        let monday = |name: &str, month, nth| {
            day(
                name,
                Recurrence::Floating {
                    month,
                    weekday: Weekday::Mon,
                    nth,
                },
            )
        };
        HolidayCalendar::new("Japan (national holidays)")
            .with(fixed_jp("元日 New Year's Day", 1, 1))
            .with(monday("成人の日 Coming of Age Day", 1, 2))
            .with(fixed_jp("建国記念の日 National Foundation Day", 2, 11))
            .with(fixed_jp("天皇誕生日 The Emperor's Birthday", 2, 23))
            .with(day("春分の日 Vernal Equinox Day", Recurrence::MarchEquinox))
            .with(fixed_jp("昭和の日 Showa Day", 4, 29))
            .with(fixed_jp("憲法記念日 Constitution Memorial Day", 5, 3))
            .with(fixed_jp("みどりの日 Greenery Day", 5, 4))
            .with(fixed_jp("こどもの日 Children's Day", 5, 5))
            .with(monday("海の日 Marine Day", 7, 3))
            .with(fixed_jp("山の日 Mountain Day", 8, 11))
            .with(monday("敬老の日 Respect for the Aged Day", 9, 3))
            .with(day(
                "秋分の日 Autumnal Equinox Day",
                Recurrence::SeptemberEquinox,
            ))
            .with(monday("スポーツの日 Sports Day", 10, 2))
            .with(fixed_jp("文化の日 Culture Day", 11, 3))
            .with(fixed_jp("勤労感謝の日 Labour Thanksgiving Day", 11, 23))
            .close_sandwiched_days()
    }

    /// China's fixed-date statutory holidays as in force since 2025: New Year's
    /// Day, Labour Day (May 1–2) and National Day (October 1–3).
    ///
    /// The Spring Festival, Qingming, the Dragon Boat and Mid-Autumn festivals
    /// follow the lunar calendar or solar terms, and the State Council publishes
    /// each year's arrangement — the dates off and the weekend make-up working
    /// days (调休) — late in the year before. Add those yearly: the holidays as
    /// [`Recurrence::OneTime`], the make-up working days as
    /// [special hours](crate::calendar::BusinessHoursBuilder::special_hours).
    ///
    /// ```
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// assert_eq!(HolidayCalendar::china_fixed().dates_in(2026).len(), 6);
    /// ```
    pub fn china_fixed() -> HolidayCalendar {
        let none = Observance::None;
        HolidayCalendar::new("China (fixed-date statutory holidays)")
            .with(fixed("元旦 New Year's Day", 1, 1, none))
            .with(fixed("劳动节 Labour Day", 5, 1, none))
            .with(fixed("劳动节 Labour Day (2nd day)", 5, 2, none))
            .with(fixed("国庆节 National Day", 10, 1, none))
            .with(fixed("国庆节 National Day (2nd day)", 10, 2, none))
            .with(fixed("国庆节 National Day (3rd day)", 10, 3, none))
    }

    /// India's gazetted fixed-date holidays: Republic Day, Independence Day,
    /// Gandhi Jayanti and Christmas Day, with no substitute days. The other
    /// gazetted holidays (Holi, Diwali, Eid, ...) follow lunar calendars and
    /// move every year; the central government publishes them yearly: add them as
    /// [`Recurrence::OneTime`].
    ///
    /// ```
    /// use hotcrm_support::calendar::HolidayCalendar;
    /// assert_eq!(HolidayCalendar::india_fixed().holidays().len(), 4);
    /// ```
    pub fn india_fixed() -> HolidayCalendar {
        let none = Observance::None;
        HolidayCalendar::new("India (gazetted fixed-date holidays)")
            .with(fixed("Republic Day", 1, 26, none))
            .with(fixed("Independence Day", 8, 15, none))
            .with(fixed("Gandhi Jayanti", 10, 2, none))
            .with(fixed("Christmas Day", 12, 25, none))
    }
}

fn fixed(name: &str, month: u32, day: u32, observance: Observance) -> Holiday {
    Holiday::new(name, Recurrence::Annual { month, day }).observance(observance)
}

fn easter(name: &str, offset: i16) -> Holiday {
    Holiday::new(name, Recurrence::Easter { offset })
}

fn nth(name: &str, month: u32, weekday: Weekday, nth: i8) -> Holiday {
    Holiday::new(
        name,
        Recurrence::Floating {
            month,
            weekday,
            nth,
        },
    )
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
                "good friday 2026",
                Recurrence::Easter { offset: -2 },
                2026,
                Some(d(2026, 4, 3)),
            ),
            (
                "whit monday 2025",
                Recurrence::Easter { offset: 50 },
                2025,
                Some(d(2025, 6, 9)),
            ),
            (
                "victoria day 2026 (may 25 is a monday)",
                Recurrence::WeekdayOnOrAfter {
                    month: 5,
                    day: 18,
                    weekday: Weekday::Mon,
                },
                2026,
                Some(d(2026, 5, 18)),
            ),
            (
                "on-or-after feb 29 in a common year",
                Recurrence::WeekdayOnOrAfter {
                    month: 2,
                    day: 29,
                    weekday: Weekday::Mon,
                },
                2025,
                None,
            ),
            (
                "march equinox 2027",
                Recurrence::MarchEquinox,
                2027,
                Some(d(2027, 3, 21)),
            ),
            (
                "september equinox 2024",
                Recurrence::SeptemberEquinox,
                2024,
                Some(d(2024, 9, 22)),
            ),
            (
                "equinox formula ends 2099",
                Recurrence::MarchEquinox,
                2100,
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
