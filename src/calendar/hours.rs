//! `BusinessHours`: the public calendar type, its builder and serde form.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::engine::{Engine, Miss, day_number, time_ns};
use super::holiday::{Holiday, HolidayCalendar, Recurrence};
use super::zone::{DAY, Ns, SEC, ZoneTable};
use crate::error::{Error, Result};

/// A weekly schedule of open hours in a time zone, with holidays and special days:
/// the calendar SLA clocks run on.
///
/// Build one with [`BusinessHours::builder`] (or take [`BusinessHours::always_open`]),
/// then ask whether it [is open](BusinessHours::is_open), [add](BusinessHours::add)
/// business time to an instant, or measure the business time
/// [between](BusinessHours::between) two instants. All instants are UTC; local wall
/// times are resolved in the calendar's zone. The semantics (half-open intervals,
/// overnight shifts, DST gaps and folds, holidays cutting overnight shifts) are
/// described in the [module documentation](crate::calendar).
///
/// Cloning is cheap (two `Arc`s). Serialization stores the definition with the zone
/// as its IANA name; deserialization validates and rebuilds it.
///
/// # Example
///
/// ```
/// use chrono::{NaiveTime, TimeDelta};
/// use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
///
/// let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
/// let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
/// let hours = BusinessHours::builder(chrono_tz::America::New_York)
///     .weekdays(nine, five)
///     .holidays(HolidayCalendar::us_federal())
///     .build()?;
///
/// // Friday 2024-01-05 16:30 New York (21:30 UTC) + 1 business hour = Monday 09:30.
/// let due = hours.add("2024-01-05T21:30:00Z".parse()?, TimeDelta::hours(1))?;
/// assert_eq!(due.to_rfc3339(), "2024-01-08T14:30:00+00:00");
/// assert_eq!(hours.between("2024-01-05T21:00:00Z".parse()?, "2024-01-08T15:00:00Z".parse()?), TimeDelta::hours(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BusinessHours {
    def: Arc<Definition>,
    engine: Arc<Engine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Definition {
    time_zone: Tz,
    #[serde(default)]
    intervals: Vec<WeeklyInterval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    holidays: Vec<Holiday>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    holiday_calendars: Vec<HolidayCalendar>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    special_hours: BTreeMap<NaiveDate, Vec<(NaiveTime, NaiveTime)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct WeeklyInterval {
    day: Weekday,
    start: NaiveTime,
    end: NaiveTime,
}

impl fmt::Display for WeeklyInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}-{}",
            self.day,
            self.start.format("%H:%M:%S"),
            self.end.format("%H:%M:%S")
        )
    }
}

const ALL_WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// `(start, end)` in nanoseconds from the date's midnight; `end <= start` runs into the next day.
fn interval_ns(start: NaiveTime, end: NaiveTime) -> (Ns, Ns) {
    let (s, e) = (time_ns(start), time_ns(end));
    if e > s { (s, e) } else { (s, e + DAY) }
}

/// Dated entries must lie in the Gregorian years 1583..=9999: the calendar is
/// precomputed across every dated entry, so absurd dates would only cost time.
fn check_year(date: NaiveDate, what: &'static str) -> Result<()> {
    if !(1583..=9999).contains(&date.year()) {
        return Err(Error::validation(
            what,
            format!("date {date} is outside the years 1583..=9999"),
        ));
    }
    Ok(())
}

fn check_time(t: NaiveTime, what: &str) -> Result<()> {
    if t.nanosecond() >= 1_000_000_000 {
        return Err(Error::validation(
            "business hours",
            format!("{what} {t} is a leap second"),
        ));
    }
    Ok(())
}

/// Builds a [`BusinessHours`]; nothing is validated until [`build`](Self::build).
///
/// # Example
///
/// ```
/// use chrono::{NaiveDate, NaiveTime, Weekday};
/// use hotcrm_support::calendar::{BusinessHours, Holiday, Recurrence};
///
/// let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
/// let hours = BusinessHours::builder(chrono_tz::Europe::London)
///     .interval(Weekday::Mon, t(9), t(12))
///     .interval(Weekday::Mon, t(13), t(17))      // lunch break
///     .interval(Weekday::Fri, t(22), t(6))       // overnight into Saturday
///     .holiday(Holiday::new("Boxing Day", Recurrence::Annual { month: 12, day: 26 }))
///     .special_hours(NaiveDate::from_ymd_opt(2024, 12, 24).unwrap(), vec![(t(9), t(12))])
///     .build()?;
/// assert_eq!(hours.time_zone(), chrono_tz::Europe::London);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BusinessHoursBuilder {
    def: Definition,
}

impl BusinessHoursBuilder {
    /// Opens `[start, end)` every `day`. An `end` not after `start` runs past
    /// midnight into the next day (22:00–06:00); `00:00–00:00` is the whole day.
    pub fn interval(mut self, day: Weekday, start: NaiveTime, end: NaiveTime) -> Self {
        self.def.intervals.push(WeeklyInterval { day, start, end });
        self
    }

    /// Opens `[start, end)` Monday to Friday.
    pub fn weekdays(mut self, start: NaiveTime, end: NaiveTime) -> Self {
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            self = self.interval(day, start, end);
        }
        self
    }

    /// Opens `[start, end)` on all seven days of the week.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let midnight = NaiveTime::MIN;
    /// let round_the_clock = BusinessHours::builder(chrono_tz::Europe::Berlin)
    ///     .every_day(midnight, midnight)
    ///     .build()?;
    /// assert_eq!(round_the_clock.next_close("2024-06-01T00:00:00Z".parse()?), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn every_day(mut self, start: NaiveTime, end: NaiveTime) -> Self {
        for day in ALL_WEEKDAYS {
            self = self.interval(day, start, end);
        }
        self
    }

    /// Adds a holiday.
    pub fn holiday(mut self, holiday: Holiday) -> Self {
        self.def.holidays.push(holiday);
        self
    }

    /// Adds every holiday of a shared calendar.
    pub fn holidays(mut self, calendar: HolidayCalendar) -> Self {
        self.def.holiday_calendars.push(calendar);
        self
    }

    /// Replaces the weekly intervals that start on local `date` by `intervals`
    /// (empty: closed all day). Overnight intervals of the previous day still run
    /// into `date`. Calling it again for the same date replaces the earlier call.
    pub fn special_hours(
        mut self,
        date: NaiveDate,
        intervals: Vec<(NaiveTime, NaiveTime)>,
    ) -> Self {
        self.def.special_hours.insert(date, intervals);
        self
    }

    /// Validates the definition and compiles it.
    ///
    /// # Errors
    ///
    /// - [`Error::OverlappingIntervals`] when two weekly intervals (overnight ones
    ///   included, Sunday wrapping into Monday) or two intervals of one special day
    ///   overlap; touching intervals are fine and form one span.
    /// - [`Error::InvalidHoliday`] for an impossible recurrence (April 31, nth 0) or
    ///   closed hours whose end is not after their start.
    /// - [`Error::Validation`] for a leap-second time, or a special-hours date or
    ///   one-time holiday outside the years 1583..=9999.
    pub fn build(self) -> Result<BusinessHours> {
        BusinessHours::compile(self.def)
    }
}

impl BusinessHours {
    /// A calendar that is always open (continuous 24x7, UTC).
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let always = BusinessHours::always_open();
    /// let t = "2024-03-10T06:00:00Z".parse()?;
    /// assert_eq!(always.add(t, TimeDelta::hours(5))?, t + TimeDelta::hours(5));
    /// assert_eq!(always.next_close(t), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn always_open() -> BusinessHours {
        let midnight = NaiveTime::MIN;
        let def = BusinessHours::builder(Tz::UTC)
            .every_day(midnight, midnight)
            .def;
        let engine = Self::engine(&def);
        BusinessHours {
            def: Arc::new(def),
            engine: Arc::new(engine),
        }
    }

    /// The length of a typical open day of the weekly schedule: the most common
    /// non-zero total of the intervals starting on each weekday (ties go to the
    /// longer), in wall-clock time (DST, holidays and special days aside). `None`
    /// when the schedule never opens or is open around the clock every day, where
    /// "a day of business" has no length of its own. The SLA policy measures
    /// "1 business day" with it unless told otherwise
    /// ([`SlaPolicy::with_business_day`](crate::sla::SlaPolicy::with_business_day)).
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta, Weekday};
    /// use hotcrm_support::calendar::BusinessHours;
    /// let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    /// let london = BusinessHours::builder(chrono_tz::Europe::London)
    ///     .weekdays(t(9, 0), t(17, 30))
    ///     .interval(Weekday::Sat, t(10, 0), t(14, 0))
    ///     .build()?;
    /// assert_eq!(london.typical_day(), Some(TimeDelta::minutes(510)));
    /// assert_eq!(BusinessHours::always_open().typical_day(), None);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn typical_day(&self) -> Option<TimeDelta> {
        let mut per_day = [0 as Ns; 7];
        for iv in &self.def.intervals {
            let (s, e) = interval_ns(iv.start, iv.end);
            if let Some(total) = per_day.get_mut(iv.day.num_days_from_monday() as usize) {
                *total += e - s;
            }
        }
        if per_day.iter().all(|&d| d >= DAY) {
            return None;
        }
        let mut best: Option<(usize, Ns)> = None;
        for &len in per_day.iter().filter(|&&d| d > 0) {
            let count = per_day.iter().filter(|&&d| d == len).count();
            if best.is_none_or(|(c, l)| count > c || (count == c && len > l)) {
                best = Some((count, len));
            }
        }
        best.and_then(|(_, len)| i64::try_from(len).ok())
            .map(TimeDelta::nanoseconds)
    }

    /// Starts a calendar in zone `tz` with no open hours.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::Asia::Tokyo)
    ///     .weekdays(NaiveTime::from_hms_opt(10, 0, 0).unwrap(), NaiveTime::from_hms_opt(18, 0, 0).unwrap())
    ///     .build()?;
    /// assert!(hours.is_open("2024-01-09T02:00:00Z".parse()?)); // Tuesday 11:00 JST
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(tz: Tz) -> BusinessHoursBuilder {
        BusinessHoursBuilder {
            def: Definition {
                time_zone: tz,
                intervals: Vec::new(),
                holidays: Vec::new(),
                holiday_calendars: Vec::new(),
                special_hours: BTreeMap::new(),
            },
        }
    }

    fn compile(def: Definition) -> Result<BusinessHours> {
        // Weekly intervals: no leap seconds, no overlaps (cyclic over the week).
        let mut pieces: Vec<(Ns, Ns, WeeklyInterval)> = Vec::new();
        for iv in &def.intervals {
            check_time(iv.start, "start")?;
            check_time(iv.end, "end")?;
            let (s, e) = interval_ns(iv.start, iv.end);
            let base = Ns::from(iv.day.num_days_from_monday()) * DAY;
            let (s, e) = (base + s, base + e);
            let week = 7 * DAY;
            if e > week {
                pieces.push((s, week, *iv));
                pieces.push((0, e - week, *iv));
            } else {
                pieces.push((s, e, *iv));
            }
        }
        check_overlaps(&mut pieces, |iv| iv.to_string())?;
        for (date, list) in &def.special_hours {
            let mut pieces = Vec::new();
            for &(start, end) in list {
                check_time(start, "start")?;
                check_time(end, "end")?;
                let (s, e) = interval_ns(start, end);
                pieces.push((s, e, (start, end)));
            }
            check_overlaps(&mut pieces, |(s, e)| {
                format!("{date} {}-{}", s.format("%H:%M:%S"), e.format("%H:%M:%S"))
            })?;
        }
        for holiday in def
            .holidays
            .iter()
            .chain(def.holiday_calendars.iter().flat_map(|c| c.holidays()))
        {
            holiday.validate()?;
            if let Recurrence::OneTime(date) = holiday.recurrence() {
                check_year(*date, "one-time holiday")?;
            }
        }
        for date in def.special_hours.keys() {
            check_year(*date, "special hours")?;
        }
        let engine = Self::engine(&def);
        Ok(BusinessHours {
            def: Arc::new(def),
            engine: Arc::new(engine),
        })
    }

    fn engine(def: &Definition) -> Engine {
        let mut weekly: [Vec<(Ns, Ns)>; 7] = Default::default();
        for iv in &def.intervals {
            if let Some(list) = weekly.get_mut(iv.day.num_days_from_monday() as usize) {
                list.push(interval_ns(iv.start, iv.end));
            }
        }
        let special = def
            .special_hours
            .iter()
            .map(|(date, list)| {
                (
                    day_number(*date),
                    list.iter().map(|&(s, e)| interval_ns(s, e)).collect(),
                )
            })
            .collect();
        let mut direct = HolidayCalendar::new("");
        for h in &def.holidays {
            direct.push(h.clone());
        }
        let rules = std::iter::once(direct)
            .chain(def.holiday_calendars.iter().cloned())
            .collect();
        Engine::new(ZoneTable::get(def.time_zone), weekly, special, rules)
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> Tz {
        self.def.time_zone
    }

    /// Whether `at` is business time. Intervals are half-open: open at the opening
    /// instant, closed at the closing one.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// assert!(hours.is_open("2024-01-08T09:00:00Z".parse()?));
    /// assert!(!hours.is_open("2024-01-08T17:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        self.engine.is_open(to_ns(at))
    }

    /// `at` when it is business time, else the start of the next open span;
    /// `None` when the calendar never opens again.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// // Saturday noon -> Monday 09:00.
    /// let next = hours.next_open("2024-01-06T12:00:00Z".parse()?).unwrap();
    /// assert_eq!(next.to_rfc3339(), "2024-01-08T09:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_open(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        from_ns(next_open_ns(&self.engine, to_ns(at))?)
    }

    /// The end of the open span containing `at`, else the end of the next open span;
    /// `None` when the calendar never opens again or never closes. Touching
    /// intervals (an overnight shift followed by a morning one) form one span.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// let close = hours.next_close("2024-01-08T10:00:00Z".parse()?).unwrap();
    /// assert_eq!(close.to_rfc3339(), "2024-01-08T17:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_close(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = next_open_ns(&self.engine, to_ns(at))?;
        from_ns(span_end_ns(&self.engine, start)?)
    }

    /// The instant `business` of business time after `start` (before it when
    /// negative).
    ///
    /// With a positive duration the result is the **earliest** instant `r` such
    /// that `between(start, r) == business`: a deadline that uses up the last
    /// minute of a day lands on that day's close, not on the next opening. With a
    /// negative duration it is the **latest** such instant before `start`.
    /// `add(t, 0) == t` whether or not `t` is open. Runs in O(log n) for any
    /// duration.
    ///
    /// # Errors
    ///
    /// - [`Error::NeverOpen`] when the calendar has no business time left in that
    ///   direction (it never opens, or every remaining day is a holiday).
    /// - [`Error::Overflow`] when the result is not representable.
    ///
    /// # Example
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta};
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// let monday_9 = "2024-01-08T09:00:00Z".parse()?;
    /// assert_eq!(hours.add(monday_9, TimeDelta::hours(8))?.to_rfc3339(), "2024-01-08T17:00:00+00:00");
    /// let tuesday_17 = "2024-01-09T17:00:00Z".parse()?;
    /// assert_eq!(hours.add(tuesday_17, TimeDelta::hours(-8))?.to_rfc3339(), "2024-01-09T09:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(&self, start: DateTime<Utc>, business: TimeDelta) -> Result<DateTime<Utc>> {
        let d = delta_ns(business);
        if d == 0 {
            return Ok(start);
        }
        let engine = &self.engine;
        let t = to_ns(start);
        let v = engine.g(t) + d;
        let r = if d > 0 {
            engine.earliest(v)
        } else {
            // The latest `r` with `G(r) == v`: the earliest one when business time
            // starts right there, else the instant before `G` passes `v`. When no
            // earliest one exists because the calendar was closed since forever
            // (`G` is flat back to the beginning of time), the latter still does.
            match engine.earliest(v) {
                Ok(e) if engine.is_open(e) => Ok(e),
                Ok(_) | Err(Miss::Unreachable) => engine.earliest(v + 1).map(|r| r - 1),
                Err(Miss::Overflow) => Err(Miss::Overflow),
            }
        };
        let r = r.map_err(|miss| match miss {
            Miss::Unreachable => Error::NeverOpen {
                context: format!(
                    " {} {} of business time from {start}",
                    if d > 0 { "within" } else { "back" },
                    business.abs()
                ),
            },
            Miss::Overflow => Error::Overflow {
                what: format!("{start} + {business} business time"),
            },
        })?;
        from_ns(r).ok_or_else(|| Error::Overflow {
            what: format!("{start} + {business} business time"),
        })
    }

    /// The business time in `[from, to)`; negative when `to` is before `from`
    /// (`between(b, a) == -between(a, b)`). Runs in O(log n) for any distance.
    ///
    /// The result never overflows: chrono's whole range of instants
    /// (`DateTime::<Utc>::MIN_UTC` to `MAX_UTC`, about 525,000 years) is far inside
    /// the range of a [`TimeDelta`] (about ±292 million years), so even
    /// `between(MIN_UTC, MAX_UTC)` on an always-open calendar is exact. Should a
    /// value ever not fit, it saturates at [`TimeDelta::MAX`] / [`TimeDelta::MIN`].
    ///
    /// ```
    /// use chrono::{NaiveTime, TimeDelta};
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// let (fri, mon) = ("2024-01-05T16:00:00Z".parse()?, "2024-01-08T10:00:00Z".parse()?);
    /// assert_eq!(hours.between(fri, mon), TimeDelta::hours(2));
    /// assert_eq!(hours.between(mon, fri), TimeDelta::hours(-2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> TimeDelta {
        if from == to {
            return TimeDelta::zero();
        }
        let ns = self.engine.g(to_ns(to)) - self.engine.g(to_ns(from));
        ns_to_delta(ns)
    }

    /// The open spans intersecting `[from, to)`, clipped to it, in order; touching
    /// intervals are merged into one span.
    ///
    /// Each span is found by an O(log n) search, never by walking closed days, so
    /// any range is fine — `open_spans(MIN_UTC, MAX_UTC).next()` answers at once,
    /// and the iterator ends at once when the calendar never opens again.
    ///
    /// ```
    /// use chrono::NaiveTime;
    /// use hotcrm_support::calendar::BusinessHours;
    /// let hours = BusinessHours::builder(chrono_tz::UTC)
    ///     .weekdays(NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(17, 0, 0).unwrap())
    ///     .build()?;
    /// let spans: Vec<_> = hours.open_spans("2024-01-05T12:00:00Z".parse()?, "2024-01-09T00:00:00Z".parse()?).collect();
    /// assert_eq!(spans.len(), 2); // Friday afternoon and Monday
    /// assert_eq!(spans[0].0.to_rfc3339(), "2024-01-05T12:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_spans(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> OpenSpans<'_> {
        let (from, to) = (to_ns(from), to_ns(to));
        OpenSpans {
            engine: &self.engine,
            cur: from,
            to,
            done: to <= from,
        }
    }
}

/// The first instant at or after `t` that is business time; `None` when the
/// calendar never opens again. O(log n): an inverse lookup of `G`, never a walk.
fn next_open_ns(engine: &Engine, t: Ns) -> Option<Ns> {
    if engine.is_open(t) {
        return Some(t);
    }
    // The earliest instant with one nanosecond of business time after `t` ends
    // that nanosecond: the opening is one nanosecond before it.
    let r = engine.earliest(engine.g(t).checked_add(1)?).ok()?;
    r.checked_sub(1)
}

/// The end of the open span containing `start` (which must be open); `None`
/// when it never closes. Touching intervals form one span.
fn span_end_ns(engine: &Engine, start: Ns) -> Option<Ns> {
    let mut cur = start;
    let mut day = engine.window_day(cur);
    // Each round either ends the search or moves to a later day. An open run
    // longer than a week needs a template open all week (whose closures can only
    // come from exception days, jumped to directly below) or consecutive special
    // days, which are finite; so the bound is never reached by a real calendar.
    for _ in 0..1_000_000 {
        let w = engine.window(day);
        if w.end <= w.start {
            day += 1;
            continue;
        }
        let Some(&(_, end)) = w.spans.iter().find(|&&(a, b)| a <= cur && cur < b) else {
            // The run ended at the previous day's end: nothing opens right there.
            return Some(cur);
        };
        if end < w.end {
            return Some(end);
        }
        cur = end;
        // Open through the end of this day. With a template open all week only an
        // exception day can close it: jump over the regular days in between.
        if engine.template_always_open() {
            match engine.next_exception(day + 1) {
                None => return None,
                Some(next) if next > day + 1 => {
                    cur = engine.mid(next);
                    day = next;
                    continue;
                }
                Some(_) => {}
            }
        }
        day += 1;
    }
    None
}

fn check_overlaps<T: Copy>(
    pieces: &mut [(Ns, Ns, T)],
    describe: impl Fn(T) -> String,
) -> Result<()> {
    pieces.sort_by_key(|p| (p.0, p.1));
    let mut prev: Option<(Ns, T)> = None;
    for &(s, e, label) in pieces.iter() {
        if let Some((prev_end, prev_label)) = prev {
            if s < prev_end {
                return Err(Error::OverlappingIntervals {
                    first: describe(prev_label),
                    second: describe(label),
                });
            }
        }
        if prev.is_none_or(|(pe, _)| e > pe) {
            prev = Some((e, label));
        }
    }
    Ok(())
}

/// Iterator over open spans, from [`BusinessHours::open_spans`].
///
/// Each step costs one inverse lookup (O(log n)) to find the next opening and a
/// look at the days the span covers, never a walk over closed days: on a calendar
/// that never opens (again) the iterator ends at once, whatever the range.
#[derive(Debug)]
pub struct OpenSpans<'a> {
    engine: &'a Engine,
    /// Where the search for the next span starts.
    cur: Ns,
    to: Ns,
    done: bool,
}

impl Iterator for OpenSpans<'_> {
    type Item = (DateTime<Utc>, DateTime<Utc>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let Some(start) = next_open_ns(self.engine, self.cur).filter(|&s| s < self.to) else {
            self.done = true;
            return None;
        };
        let end = span_end_ns(self.engine, start).map_or(self.to, |e| e.min(self.to));
        self.cur = end;
        self.done = end >= self.to;
        Some((from_ns(start)?, from_ns(end)?))
    }
}

impl fmt::Debug for BusinessHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessHours")
            .field("time_zone", &self.def.time_zone.name())
            .field(
                "intervals",
                &self
                    .def
                    .intervals
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>(),
            )
            .field("holidays", &self.def.holidays.len())
            .field(
                "holiday_calendars",
                &self
                    .def
                    .holiday_calendars
                    .iter()
                    .map(|c| c.name())
                    .collect::<Vec<_>>(),
            )
            .field("special_hours", &self.def.special_hours.len())
            .finish()
    }
}

impl PartialEq for BusinessHours {
    fn eq(&self, other: &Self) -> bool {
        self.def == other.def
    }
}

impl Eq for BusinessHours {}

impl Serialize for BusinessHours {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.def.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BusinessHours {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let def = Definition::deserialize(d)?;
        BusinessHours::compile(def).map_err(serde::de::Error::custom)
    }
}

fn to_ns(t: DateTime<Utc>) -> Ns {
    Ns::from(t.timestamp()) * SEC + Ns::from(t.timestamp_subsec_nanos())
}

fn from_ns(ns: Ns) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(ns.div_euclid(SEC)).ok()?;
    let nanos = u32::try_from(ns.rem_euclid(SEC)).ok()?;
    DateTime::from_timestamp(secs, nanos)
}

fn delta_ns(d: TimeDelta) -> Ns {
    Ns::from(d.num_seconds()) * SEC + Ns::from(d.subsec_nanos())
}

fn ns_to_delta(ns: Ns) -> TimeDelta {
    let secs = ns.div_euclid(SEC);
    let nanos = ns.rem_euclid(SEC);
    match (i64::try_from(secs), u32::try_from(nanos)) {
        (Ok(s), Ok(n)) => TimeDelta::new(s, n).unwrap_or(if ns > 0 {
            TimeDelta::MAX
        } else {
            TimeDelta::MIN
        }),
        _ => {
            if ns > 0 {
                TimeDelta::MAX
            } else {
                TimeDelta::MIN
            }
        }
    }
}
