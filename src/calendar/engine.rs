//! The compiled calendar: business-time arithmetic in O(log n) for any distance.
//!
//! The idea: a global cumulative function `G(t)` = business time from a fixed
//! origin to instant `t`. `between(a, b) = G(b) - G(a)`, and `add(t, d)` is the
//! earliest `r` with `G(r) = G(t) + d`. `G` is the weekly [`Template`] (closed-form
//! over any number of weeks) plus a sorted table of *exception days* whose local
//! day differs from the template: holidays, special days and their neighbours,
//! and the days around DST transitions that cut through open time (transitions in
//! closed time shift nothing and are absorbed). Each exception stores `G` at its
//! local midnight, so both directions are a binary search.
//!
//! Days are the calendar zone's local dates; the *window* of date `d` is the
//! instant range `[mid(d), mid(d + 1))` where `mid` resolves local midnight.
//! Exception days are evaluated exactly, date by date, with the calendar's
//! rules: half-open hours, holidays and special days in the calendar's zone.
//!
//! Outside the range of the zone's transitions, one-time holidays and special
//! days (the *horizon*) the calendar is periodic with the 400-year Gregorian cycle
//! (146,097 days = 20,871 weeks): a lazily built one-cycle table of recurring
//! holidays serves any year, and whole cycles are jumped by division.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, NaiveDate};

use super::holiday::{Holiday, HolidayCalendar, Recurrence};
use super::template::{Template, merge, weekday_index};
use super::zone::{DAY, Ns, SEC, ZoneTable};

/// Days in the 400-year Gregorian cycle.
const CYCLE_DAYS: i64 = 146_097;
/// Weeks in the 400-year Gregorian cycle.
const CYCLE_WEEKS: Ns = 20_871;
/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_CE: i64 = 719_163;
/// Beyond this many days from 1970 no instant is representable by chrono.
const MAX_DAYS: i64 = 100_000_000;

/// Local day number (days since 1970-01-01) of a date.
pub(crate) fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_CE
}

/// The date of a local day number, if representable.
pub(crate) fn date_of(day: i64) -> Option<NaiveDate> {
    i32::try_from(day.checked_add(UNIX_EPOCH_CE)?)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Why an inverse lookup failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The calendar has no business time left in that direction.
    Unreachable,
    /// The answer lies outside the representable range.
    Overflow,
}

/// What a holiday closes on one date.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Closure {
    Whole,
    /// Closed local time ranges relative to the date's midnight.
    Hours(Vec<(Ns, Ns)>),
}

impl Closure {
    fn add(&mut self, holiday: Option<&Holiday>) {
        match (holiday.and_then(Holiday::closed_hours), &mut *self) {
            (_, Closure::Whole) => {}
            (None, _) => *self = Closure::Whole,
            (Some(hours), Closure::Hours(list)) => list.push(hours_ns(hours)),
        }
    }

    fn from_holiday(holiday: Option<&Holiday>) -> Closure {
        match holiday.and_then(Holiday::closed_hours) {
            None => Closure::Whole,
            Some(hours) => Closure::Hours(vec![hours_ns(hours)]),
        }
    }
}

fn hours_ns((start, end): (chrono::NaiveTime, chrono::NaiveTime)) -> (Ns, Ns) {
    let end = if end == chrono::NaiveTime::MIN {
        DAY
    } else {
        time_ns(end)
    };
    (time_ns(start), end)
}

/// Nanoseconds since midnight (leap seconds were rejected by validation).
pub(crate) fn time_ns(t: chrono::NaiveTime) -> Ns {
    use chrono::Timelike;
    Ns::from(t.num_seconds_from_midnight()) * SEC + Ns::from(t.nanosecond().min(999_999_999))
}

/// The exact open set of one local date's window.
#[derive(Debug, Clone, Default)]
pub(crate) struct Window {
    pub(crate) start: Ns,
    pub(crate) end: Ns,
    pub(crate) spans: Vec<(Ns, Ns)>,
}

impl Window {
    fn measure(&self) -> Ns {
        self.spans.iter().map(|(a, b)| b - a).sum()
    }

    /// Business time in `[start, t)`.
    fn before(&self, t: Ns) -> Ns {
        self.spans.iter().map(|&(a, b)| (t.min(b) - a).max(0)).sum()
    }

    /// The earliest instant with `amount` business time since the window start.
    fn point_at(&self, amount: Ns) -> Ns {
        let mut left = amount;
        for &(a, b) in &self.spans {
            if b - a >= left {
                return a + left;
            }
            left -= b - a;
        }
        self.end
    }

    pub(crate) fn contains(&self, t: Ns) -> bool {
        self.spans.iter().any(|&(a, b)| a <= t && t < b)
    }
}

#[derive(Debug, Clone, Copy)]
struct Exception {
    day: i64,
    /// `G` at the window start.
    g: Ns,
    /// Business time in the window.
    m: Ns,
}

/// Exception days with `G` at each and running sums of their deltas from the template.
#[derive(Debug, Default)]
struct Table {
    exceptions: Vec<Exception>,
    /// `prefix[i]` = sum of (measure - template measure) of exceptions before `i`.
    prefix: Vec<Ns>,
}

impl Table {
    fn prefix(&self, i: usize) -> Ns {
        self.prefix.get(i).copied().unwrap_or(0)
    }

    fn total_delta(&self) -> Ns {
        self.prefix.last().copied().unwrap_or(0)
    }

    /// First exception whose window end reaches `v`.
    fn reaching(&self, v: Ns) -> usize {
        self.exceptions.partition_point(|e| e.g + e.m < v)
    }

    fn find(&self, day: i64) -> Result<usize, usize> {
        self.exceptions.binary_search_by_key(&day, |e| e.day)
    }
}

/// One 400-year cycle of recurring-holiday exceptions, anchored at the horizon end.
#[derive(Debug)]
struct Pattern {
    anchor: i64,
    /// Recurring-holiday closures by day offset within the cycle.
    closures: Vec<(i64, Closure)>,
    /// Exceptions with `day` as an offset from the cycle start and `g` relative to it.
    table: Table,
    cycle_business: Ns,
    /// `G_pure` at the local midnights of the horizon start and end.
    gp_start: Ns,
    gp_end: Ns,
}

/// A compiled business-hours calendar.
#[derive(Debug)]
pub(crate) struct Engine {
    zone: Arc<ZoneTable>,
    tmpl: Template,
    /// Intervals starting on each weekday (Monday = 0), relative to local midnight;
    /// an end past `DAY` runs into the next date.
    weekly: [Vec<(Ns, Ns)>; 7],
    special: BTreeMap<i64, Vec<(Ns, Ns)>>,
    /// Holiday calendars; substitution rules work within each.
    rules: Vec<HolidayCalendar>,
    closures: Vec<(i64, Closure)>,
    closures_from: i64,
    closures_to: i64,
    /// Horizon `[start, end)` in local days.
    start: i64,
    end: i64,
    table: Table,
    g_end: Ns,
    pattern: OnceLock<Pattern>,
}

impl Engine {
    pub(crate) fn new(
        zone: Arc<ZoneTable>,
        weekly: [Vec<(Ns, Ns)>; 7],
        special: BTreeMap<i64, Vec<(Ns, Ns)>>,
        rules: Vec<HolidayCalendar>,
    ) -> Engine {
        let tmpl = Template::new(weekly.iter().enumerate().flat_map(|(wd, list)| {
            let base = wd as Ns * DAY;
            list.iter().map(move |&(s, e)| (base + s, base + e))
        }));
        // The horizon covers every transition, one-time holiday and special day.
        let mut marks: Vec<i64> = zone
            .transitions()
            .iter()
            .map(|t| (Ns::from(t.at) * SEC).div_euclid(DAY) as i64)
            .collect();
        marks.extend(special.keys().copied());
        marks.extend(
            rules
                .iter()
                .flat_map(HolidayCalendar::holidays)
                .filter_map(|h| match h.recurrence() {
                    Recurrence::OneTime(date) => Some(day_number(*date)),
                    _ => None,
                }),
        );
        // Easter and the equinox formula do not repeat every 400 years: compute
        // them exactly over 1900..2200 (and the cycle after it) instead.
        if rules.iter().any(HolidayCalendar::has_acyclic_rules) {
            marks.extend(
                [(1900, 1, 1), (2200, 1, 1)]
                    .into_iter()
                    .filter_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
                    .map(day_number),
            );
        }
        let (start, end) = match (marks.iter().min(), marks.iter().max()) {
            (Some(&lo), Some(&hi)) => (lo - 8, hi + 9),
            _ => (0, 0),
        };
        let mut engine = Engine {
            zone,
            tmpl,
            weekly,
            special,
            rules,
            closures: Vec::new(),
            closures_from: start - 3,
            closures_to: end + 3,
            start,
            end,
            table: Table::default(),
            g_end: 0,
            pattern: OnceLock::new(),
        };
        engine.closures = engine.closures_between(engine.closures_from, engine.closures_to, true);
        let candidates = engine.horizon_candidates();
        engine.table = engine.build_table(candidates.into_iter(), start, 0);
        engine.g_end = engine.tmpl.at_local(end as Ns * DAY)
            - engine.tmpl.at_local(start as Ns * DAY)
            + engine.table.total_delta();
        engine
    }

    /// Holiday closures on days in `[from, to)`, grouped by day.
    fn closures_between(&self, from: i64, to: i64, include_one_time: bool) -> Vec<(i64, Closure)> {
        let mut by_day: BTreeMap<i64, Closure> = BTreeMap::new();
        let first = date_of(from).unwrap_or(NaiveDate::MIN);
        let last = date_of(to).unwrap_or(NaiveDate::MAX);
        for year in first.year() - 1..=last.year() + 1 {
            for (date, holiday) in self.rules.iter().flat_map(|c| c.occurrences(year)) {
                let one_time =
                    holiday.is_some_and(|h| matches!(h.recurrence(), Recurrence::OneTime(_)));
                if one_time && !include_one_time {
                    continue;
                }
                {
                    let day = day_number(date);
                    if (from..to).contains(&day) {
                        by_day
                            .entry(day)
                            .and_modify(|c| c.add(holiday))
                            .or_insert_with(|| Closure::from_holiday(holiday));
                    }
                }
            }
        }
        by_day.into_iter().collect()
    }

    fn horizon_candidates(&self) -> BTreeSet<i64> {
        let mut days: BTreeSet<i64> = self.closures.iter().map(|(d, _)| *d).collect();
        for &s in self.special.keys() {
            days.extend(s - 1..=s + 1);
        }
        for tr in self.zone.transitions() {
            let switch = Ns::from(tr.switch()) * SEC;
            let band = tr.shift().abs();
            let harmful = band >= 3 * DAY
                || self.tmpl.at_local(switch + band) > self.tmpl.at_local(switch - band);
            if harmful {
                let lo = (switch - band).div_euclid(DAY) as i64 - 2;
                let hi = (switch + band).div_euclid(DAY) as i64 + 2;
                days.extend(lo..=hi);
            }
        }
        days.retain(|d| (self.start..self.end).contains(d));
        days
    }

    /// Evaluates `days` exactly; `g` is relative to `origin`'s local midnight.
    fn build_table(&self, days: impl Iterator<Item = i64>, origin: i64, offset: i64) -> Table {
        self.build_table_with(days, origin, offset, None)
    }

    fn build_table_with(
        &self,
        days: impl Iterator<Item = i64>,
        origin: i64,
        offset: i64,
        pattern: Option<&Pattern>,
    ) -> Table {
        let origin_tmpl = self.tmpl.at_local(origin as Ns * DAY);
        let mut table = Table {
            exceptions: Vec::new(),
            prefix: vec![0],
        };
        let mut acc = 0;
        for day in days {
            let real = day + offset;
            let window = self.exact_window_with(real, pattern);
            let m = window.measure();
            let at = self.tmpl.at_local(real as Ns * DAY);
            let tm = self.tmpl.at_local((real + 1) as Ns * DAY) - at;
            table.exceptions.push(Exception {
                day,
                g: at - origin_tmpl + acc,
                m,
            });
            acc += m - tm;
            table.prefix.push(acc);
        }
        table
    }

    fn pattern(&self) -> &Pattern {
        self.pattern.get_or_init(|| {
            let anchor = self.end;
            let closures: Vec<(i64, Closure)> = self
                .closures_between(anchor, anchor + CYCLE_DAYS, false)
                .into_iter()
                .map(|(d, c)| (d - anchor, c))
                .collect();
            let mut pattern = Pattern {
                anchor,
                closures,
                table: Table::default(),
                cycle_business: 0,
                gp_start: 0,
                gp_end: 0,
            };
            pattern.table = self.build_table_with(
                pattern.closures.iter().map(|(d, _)| *d),
                anchor,
                anchor,
                Some(&pattern),
            );
            pattern.cycle_business = CYCLE_WEEKS * self.tmpl.total() + pattern.table.total_delta();
            pattern.gp_start = self.gp_day(&pattern, self.start);
            pattern.gp_end = self.gp_day(&pattern, self.end);
            pattern
        })
    }

    fn day_intervals(&self, day: i64) -> &[(Ns, Ns)] {
        match self.special.get(&day) {
            Some(list) => list,
            None => self
                .weekly
                .get(weekday_index(day))
                .map_or(&[], Vec::as_slice),
        }
    }

    fn closure(&self, day: i64, pattern: Option<&Pattern>) -> Option<Closure> {
        if (self.closures_from..self.closures_to).contains(&day) {
            let i = self.closures.binary_search_by_key(&day, |(d, _)| *d).ok()?;
            return self.closures.get(i).map(|(_, c)| c.clone());
        }
        // Outside the horizon only recurring holidays exist, and they repeat every cycle.
        if let Some(p) = pattern.or_else(|| self.pattern.get()) {
            let offset = (day - p.anchor).rem_euclid(CYCLE_DAYS);
            let i = p.closures.binary_search_by_key(&offset, |(d, _)| *d).ok()?;
            return p.closures.get(i).map(|(_, c)| c.clone());
        }
        let date = date_of(day)?;
        let mut closure: Option<Closure> = None;
        let year = date.year();
        let hits = [year.saturating_sub(1), year, year.saturating_add(1)]
            .into_iter()
            .flat_map(|y| self.rules.iter().flat_map(move |c| c.occurrences(y)))
            .filter(|(d, _)| *d == date)
            .map(|(_, h)| h);
        for holiday in hits {
            match &mut closure {
                Some(c) => c.add(holiday),
                None => closure = Some(Closure::from_holiday(holiday)),
            }
        }
        closure
    }

    /// The instant of local midnight starting `day`.
    pub(crate) fn mid(&self, day: i64) -> Ns {
        self.zone.resolve(day as Ns * DAY)
    }

    /// The local date whose window contains `t`.
    pub(crate) fn window_day(&self, t: Ns) -> i64 {
        let mut day = self.zone.local(t).div_euclid(DAY) as i64;
        for _ in 0..4 {
            if t < self.mid(day) {
                day -= 1;
            } else if t >= self.mid(day + 1) {
                day += 1;
            } else {
                break;
            }
        }
        day
    }

    /// The exact open set of `day`'s window: weekly hours, then holidays and
    /// special days, in the calendar's zone.
    pub(crate) fn exact_window(&self, day: i64) -> Window {
        self.exact_window_with(day, None)
    }

    fn exact_window_with(&self, day: i64, pattern: Option<&Pattern>) -> Window {
        let start = self.mid(day);
        let end = self.mid(day + 1);
        let mut window = Window {
            start,
            end,
            spans: Vec::new(),
        };
        if end <= start {
            return window;
        }
        let mut open: Vec<(Ns, Ns)> = Vec::with_capacity(8);
        for d in day - 2..=day + 1 {
            let base = d as Ns * DAY;
            for &(s, e) in self.day_intervals(d) {
                let (a, b) = (self.zone.resolve(base + s), self.zone.resolve(base + e));
                let (a, b) = (a.max(start), b.min(end));
                if b > a {
                    open.push((a, b));
                }
            }
        }
        if open.is_empty() {
            return window;
        }
        let mut closed: Vec<(Ns, Ns)> = Vec::new();
        for d in day - 1..=day + 1 {
            match self.closure(d, pattern) {
                None => {}
                Some(Closure::Whole) => closed.push((self.mid(d), self.mid(d + 1))),
                Some(Closure::Hours(list)) => {
                    let base = d as Ns * DAY;
                    for (s, e) in list {
                        closed.push((self.zone.resolve(base + s), self.zone.resolve(base + e)));
                    }
                }
            }
        }
        window.spans = subtract(merge(open), merge(closed));
        window
    }

    fn is_exception(&self, day: i64) -> bool {
        if (self.start..self.end).contains(&day) {
            return self.table.find(day).is_ok();
        }
        let p = self.pattern();
        p.table
            .find((day - p.anchor).rem_euclid(CYCLE_DAYS))
            .is_ok()
    }

    /// The open set of `day`'s window (exact for exceptions, template otherwise).
    pub(crate) fn window(&self, day: i64) -> Window {
        if self.is_exception(day) {
            return self.exact_window(day);
        }
        let mut window = Window {
            start: self.mid(day),
            end: self.mid(day + 1),
            spans: Vec::new(),
        };
        self.tmpl
            .for_each_span(day as Ns * DAY, (day + 1) as Ns * DAY, |a, b| {
                let (a, b) = (self.zone.resolve(a), self.zone.resolve(b));
                match window.spans.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ if b > a => window.spans.push((a, b)),
                    _ => {}
                }
            });
        window
    }

    /// Whether instant `t` is business time.
    pub(crate) fn is_open(&self, t: Ns) -> bool {
        let day = self.window_day(t);
        if self.is_exception(day) {
            self.exact_window(day).contains(t)
        } else {
            self.tmpl.is_open_local(self.zone.local(t))
        }
    }

    /// Whether the weekly template is open all week (so only exceptions can close it).
    pub(crate) fn template_always_open(&self) -> bool {
        self.tmpl.always_open()
    }

    /// The first exception day at or after `day`, if any.
    pub(crate) fn next_exception(&self, day: i64) -> Option<i64> {
        let mut day = day;
        if day < self.start {
            match self.next_pattern_day(day) {
                Some(x) if x < self.start => return Some(x),
                _ => day = self.start,
            }
        }
        if day < self.end {
            let i = self.table.exceptions.partition_point(|e| e.day < day);
            if let Some(e) = self.table.exceptions.get(i) {
                return Some(e.day);
            }
            day = self.end;
        }
        self.next_pattern_day(day)
    }

    fn next_pattern_day(&self, day: i64) -> Option<i64> {
        let p = self.pattern();
        let first = p.table.exceptions.first()?;
        let x = day - p.anchor;
        let (k, r) = (x.div_euclid(CYCLE_DAYS), x.rem_euclid(CYCLE_DAYS));
        let j = p.table.exceptions.partition_point(|e| e.day < r);
        Some(match p.table.exceptions.get(j) {
            Some(e) => p.anchor + k * CYCLE_DAYS + e.day,
            None => p.anchor + (k + 1) * CYCLE_DAYS + first.day,
        })
    }

    fn gp_day(&self, p: &Pattern, day: i64) -> Ns {
        let x = day - p.anchor;
        let (k, r) = (x.div_euclid(CYCLE_DAYS), x.rem_euclid(CYCLE_DAYS));
        let j = p.table.exceptions.partition_point(|e| e.day < r);
        self.tmpl.at_local(day as Ns * DAY)
            + Ns::from(k) * p.table.total_delta()
            + p.table.prefix(j)
    }

    /// Business time from the origin (local midnight of the horizon start) to `t`.
    pub(crate) fn g(&self, t: Ns) -> Ns {
        let day = self.window_day(t);
        if (self.start..self.end).contains(&day) {
            return match self.table.find(day) {
                Ok(i) => {
                    let g = self.table.exceptions.get(i).map_or(0, |e| e.g);
                    g + self.exact_window(day).before(t)
                }
                Err(i) => {
                    self.tmpl.at_local(self.zone.local(t))
                        - self.tmpl.at_local(self.start as Ns * DAY)
                        + self.table.prefix(i)
                }
            };
        }
        let p = self.pattern();
        let x = day - p.anchor;
        let (k, r) = (x.div_euclid(CYCLE_DAYS), x.rem_euclid(CYCLE_DAYS));
        let gp = match p.table.find(r) {
            Ok(_) => self.gp_day(p, day) + self.exact_window(day).before(t),
            Err(j) => {
                self.tmpl.at_local(self.zone.local(t))
                    + Ns::from(k) * p.table.total_delta()
                    + p.table.prefix(j)
            }
        };
        if day >= self.end {
            self.g_end + gp - p.gp_end
        } else {
            gp - p.gp_start
        }
    }

    /// The earliest instant `r` with `G(r) == v`.
    pub(crate) fn earliest(&self, v: Ns) -> Result<Ns, Miss> {
        if v > 0 && v <= self.g_end {
            let i = self.table.reaching(v);
            if let Some(e) = self.table.exceptions.get(i) {
                if e.g < v {
                    return Ok(self.exact_window(e.day).point_at(v - e.g));
                }
            }
            let target = v - self.table.prefix(i) + self.tmpl.at_local(self.start as Ns * DAY);
            let local = self.tmpl.earliest_local(target).ok_or(Miss::Unreachable)?;
            return Ok(self.zone.resolve(local));
        }
        let p = self.pattern();
        let u = if v > self.g_end {
            v - self.g_end + p.gp_end
        } else {
            v + p.gp_start
        };
        self.earliest_pure(p, u)
    }

    fn earliest_pure(&self, p: &Pattern, u: Ns) -> Result<Ns, Miss> {
        if p.cycle_business <= 0 {
            return Err(Miss::Unreachable);
        }
        let rel = u - self.tmpl.at_local(p.anchor as Ns * DAY);
        let k = (rel - 1).div_euclid(p.cycle_business);
        let within = rel - k.checked_mul(p.cycle_business).ok_or(Miss::Overflow)?;
        let base = k
            .checked_mul(Ns::from(CYCLE_DAYS))
            .and_then(|x| x.checked_add(Ns::from(p.anchor)))
            .filter(|b| b.abs() < Ns::from(MAX_DAYS))
            .ok_or(Miss::Overflow)? as i64;
        let i = p.table.reaching(within);
        if let Some(e) = p.table.exceptions.get(i) {
            if e.g < within {
                return Ok(self.exact_window(base + e.day).point_at(within - e.g));
            }
        }
        let target = self.tmpl.at_local(base as Ns * DAY) + within - p.table.prefix(i);
        let local = self.tmpl.earliest_local(target).ok_or(Miss::Overflow)?;
        Ok(self.zone.resolve(local))
    }
}

/// `open` minus `closed`; both sorted and merged.
fn subtract(open: Vec<(Ns, Ns)>, closed: Vec<(Ns, Ns)>) -> Vec<(Ns, Ns)> {
    if closed.is_empty() {
        return open;
    }
    let mut out = Vec::with_capacity(open.len());
    for (a, b) in open {
        let mut cur = a;
        for &(c, e) in &closed {
            if e <= cur || c >= b {
                continue;
            }
            if c > cur {
                out.push((cur, c));
            }
            cur = cur.max(e);
            if cur >= b {
                break;
            }
        }
        if cur < b {
            out.push((cur, b));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_point_at_prefers_the_close_of_a_used_up_span() {
        let w = Window {
            start: 0,
            end: 100,
            spans: vec![(10, 20), (40, 50)],
        };
        let cases = [
            ("inside the first span", 5, 15),
            (
                "exactly the first span: its close, not the next opening",
                10,
                20,
            ),
            ("into the second span", 11, 41),
            ("everything: the last close", 20, 50),
            ("more than the window holds", 25, 100),
        ];
        for (name, amount, want) in cases {
            assert_eq!(w.point_at(amount), want, "{name}");
        }
        assert_eq!(w.before(45), 15);
        assert!(w.contains(10) && !w.contains(20) && !w.contains(30));
    }

    #[test]
    fn subtract_cuts_holes_and_edges() {
        let open = vec![(0, 10), (20, 30)];
        assert_eq!(
            subtract(open.clone(), vec![(5, 25)]),
            vec![(0, 5), (25, 30)]
        );
        assert_eq!(subtract(open.clone(), vec![(-5, 40)]), vec![]);
        assert_eq!(
            subtract(open.clone(), vec![(2, 3), (6, 7)]),
            vec![(0, 2), (3, 6), (7, 10), (20, 30)]
        );
        assert_eq!(subtract(open, vec![]), vec![(0, 10), (20, 30)]);
    }

    #[test]
    fn day_numbers_round_trip() {
        for date in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default(),
        ] {
            assert_eq!(date_of(day_number(date)), Some(date));
        }
        assert_eq!(date_of(i64::MAX), None);
    }
}
