//! Property tests for business-time arithmetic: the laws the calendar documents and
//! agreement with a deliberately simple reference implementation that enumerates
//! local dates, resolves each interval with chrono-tz, subtracts holidays and walks.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use hotcrm_support::calendar::{BusinessHours, Holiday, Recurrence};
use proptest::prelude::*;

const ZONES: [Tz; 7] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Auckland,
    chrono_tz::Africa::Casablanca,
    chrono_tz::UTC,
];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The definition both implementations are built from.
#[derive(Debug, Clone)]
struct Def {
    tz: Tz,
    weekly: Vec<(Weekday, NaiveTime, NaiveTime)>,
    holidays: Vec<Holiday>,
    special: BTreeMap<NaiveDate, Vec<(NaiveTime, NaiveTime)>>,
}

impl Def {
    fn build(&self) -> BusinessHours {
        let mut b = BusinessHours::builder(self.tz);
        for &(d, s, e) in &self.weekly {
            b = b.interval(d, s, e);
        }
        for h in &self.holidays {
            b = b.holiday(h.clone());
        }
        for (date, list) in &self.special {
            b = b.special_hours(*date, list.clone());
        }
        b.build().unwrap()
    }
}

fn minutes(t: NaiveTime) -> i64 {
    i64::from(chrono::Timelike::num_seconds_from_midnight(&t)) / 60
}

fn minute_time(m: i64) -> NaiveTime {
    NaiveTime::from_hms_opt((m / 60) as u32, (m % 60) as u32, 0).unwrap()
}

/// Keeps only intervals that do not overlap the ones kept before (cyclic week).
fn non_overlapping(raw: Vec<(usize, i64, i64)>) -> Vec<(Weekday, NaiveTime, NaiveTime)> {
    const WEEK: i64 = 7 * 1440;
    let mut kept: Vec<(i64, i64)> = Vec::new();
    let mut out = Vec::new();
    for (day, start, len) in raw {
        let s = day as i64 * 1440 + start;
        let e = s + len;
        let pieces = if e > WEEK {
            vec![(s, WEEK), (0, e - WEEK)]
        } else {
            vec![(s, e)]
        };
        if pieces
            .iter()
            .all(|&(a, b)| kept.iter().all(|&(c, d)| b <= c || d <= a))
        {
            kept.extend(pieces);
            let end = (start + len) % 1440;
            out.push((WEEKDAYS[day], minute_time(start), minute_time(end)));
        }
    }
    out
}

fn daily_non_overlapping(raw: Vec<(i64, i64)>) -> Vec<(NaiveTime, NaiveTime)> {
    let mut kept: Vec<(i64, i64)> = Vec::new();
    let mut out = Vec::new();
    for (start, len) in raw {
        let (s, e) = (start, start + len);
        if kept.iter().all(|&(c, d)| e <= c || d <= s) {
            kept.push((s, e));
            out.push((minute_time(start), minute_time(e % 1440)));
        }
    }
    out
}

fn date_strategy() -> impl Strategy<Value = NaiveDate> {
    (0i64..365 * 3).prop_map(|d| NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Days::new(d as u64))
}

fn holiday_strategy() -> impl Strategy<Value = Holiday> {
    let recurrence = prop_oneof![
        date_strategy().prop_map(Recurrence::OneTime),
        (1u32..=12, 1u32..=28).prop_map(|(month, day)| Recurrence::Annual { month, day }),
        (1u32..=12, 0usize..7, prop_oneof![Just(-1i8), 1i8..=5]).prop_map(|(month, wd, nth)| {
            Recurrence::Floating {
                month,
                weekday: WEEKDAYS[wd],
                nth,
            }
        }),
    ];
    (
        recurrence,
        any::<bool>(),
        proptest::option::of((0i64..24 * 4, 1i64..24 * 4)),
    )
        .prop_map(|(r, observed, hours)| {
            let mut h = Holiday::new("generated", r);
            if observed {
                h = h.observed();
            }
            if let Some((start, len)) = hours {
                let (s, e) = (start * 15, (start * 15 + len * 15).min(1440));
                h = h.hours(minute_time(s), minute_time(e % 1440));
            }
            h
        })
}

fn def_strategy() -> impl Strategy<Value = Def> {
    // Interval starts and lengths on a 15-minute grid; lengths up to 24h (whole days).
    let interval = (0usize..7, 0i64..96, 1i64..=96).prop_map(|(d, s, l)| (d, s * 15, l * 15));
    let special_day = (
        date_strategy(),
        proptest::collection::vec((0i64..96, 1i64..=96), 0..3),
    )
        .prop_map(|(date, raw)| {
            (
                date,
                daily_non_overlapping(raw.into_iter().map(|(s, l)| (s * 15, l * 15)).collect()),
            )
        });
    (
        0usize..ZONES.len(),
        proptest::collection::vec(interval, 1..8),
        proptest::collection::vec(holiday_strategy(), 0..4),
        proptest::collection::vec(special_day, 0..3),
    )
        .prop_map(|(z, raw, holidays, special)| Def {
            tz: ZONES[z],
            weekly: non_overlapping(raw),
            holidays,
            special: special.into_iter().collect(),
        })
}

fn instant_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    // 2023-01-01 .. 2026-01-01, second resolution: covers several DST seasons.
    (1_672_531_200i64..1_767_225_600).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

/// Resolves a local wall time: gaps move forward by the gap, folds take the earlier instant.
fn resolve(tz: Tz, date: NaiveDate, minute_of_day: i64) -> DateTime<Utc> {
    let date = date + Days::new((minute_of_day / 1440) as u64);
    let naive = date.and_time(minute_time(minute_of_day % 1440));
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            let gap = chrono_tz::GapInfo::new(&naive, &tz).unwrap();
            let (begin, _) = gap.begin.unwrap();
            gap.end.unwrap().with_timezone(&Utc) + (naive - begin)
        }
    }
}

/// The reference: open spans over a range of local dates, by brute force.
struct Reference {
    spans: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Reference {
    fn new(def: &Def, from: NaiveDate, to: NaiveDate) -> Reference {
        let mut open = Vec::new();
        let mut closed = Vec::new();
        let mut date = from - Days::new(1);
        while date <= to {
            let intervals: Vec<(i64, i64)> = match def.special.get(&date) {
                Some(list) => list
                    .iter()
                    .map(|&(s, e)| (minutes(s), minutes(e)))
                    .collect(),
                None => def
                    .weekly
                    .iter()
                    .filter(|(d, _, _)| *d == date.weekday())
                    .map(|&(_, s, e)| (minutes(s), minutes(e)))
                    .collect(),
            };
            for (s, e) in intervals {
                let e = if e > s { e } else { e + 1440 };
                let (a, b) = (resolve(def.tz, date, s), resolve(def.tz, date, e));
                if b > a {
                    open.push((a, b));
                }
            }
            for h in def.holidays.iter().filter(|h| h.falls_on(date)) {
                let (s, e) = match h.closed_hours() {
                    None => (0, 1440),
                    Some((s, e)) => (minutes(s), if minutes(e) == 0 { 1440 } else { minutes(e) }),
                };
                closed.push((resolve(def.tz, date, s), resolve(def.tz, date, e)));
            }
            date = date + Days::new(1);
        }
        // Union of open minus union of closed, on a sorted sweep.
        open.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (a, b) in open {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        closed.sort();
        let mut spans = Vec::new();
        for (a, b) in merged {
            let mut cur = a;
            for &(c, e) in &closed {
                if e <= cur || c >= b || e <= c {
                    continue;
                }
                if c > cur {
                    spans.push((cur, c));
                }
                cur = cur.max(e);
            }
            if cur < b {
                spans.push((cur, b));
            }
        }
        Reference { spans }
    }

    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> TimeDelta {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let total = self
            .spans
            .iter()
            .map(|&(s, e)| (e.min(hi) - s.max(lo)).max(TimeDelta::zero()))
            .fold(TimeDelta::zero(), |x, y| x + y);
        total * sign
    }

    fn add(&self, t: DateTime<Utc>, d: TimeDelta) -> Option<DateTime<Utc>> {
        if d.is_zero() {
            return Some(t);
        }
        let mut left = d;
        for &(s, e) in &self.spans {
            if e <= t {
                continue;
            }
            let s = s.max(t);
            if e - s >= left {
                return Some(s + left);
            }
            left -= e - s;
        }
        None
    }

    fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.spans.iter().any(|&(s, e)| s <= t && t < e)
    }
}

fn reference_for(def: &Def, t: DateTime<Utc>, days_after: u64) -> Reference {
    let date = t.date_naive();
    Reference::new(def, date - Days::new(3), date + Days::new(days_after))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(192), ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_the_reference(def in def_strategy(), t in instant_strategy(), minutes in 0i64..60 * 200, back in 1i64..60 * 50) {
        let cal = def.build();
        let r = reference_for(&def, t, 400);
        let d = TimeDelta::minutes(minutes);
        prop_assert_eq!(cal.is_open(t), r.is_open(t), "is_open({})", t);
        let u = t + TimeDelta::minutes(minutes * 7 + 13);
        prop_assert_eq!(cal.between(t, u), r.between(t, u), "between({}, {})", t, u);
        match (cal.add(t, d), r.add(t, d)) {
            (Ok(got), Some(want)) => prop_assert_eq!(got, want, "add({}, {})", t, d),
            (Err(_), None) => {}
            // The reference only looks 400 days ahead; a long closure may push past it.
            (Ok(got), None) => prop_assert!(got > t + TimeDelta::days(390), "add({}, {}) = {} but reference found none", t, d, got),
            (Err(e), Some(want)) => prop_assert!(false, "add({}, {}) failed: {} (reference {})", t, d, e, want),
        }
        // Negative add agrees with the reference's latest instant.
        let back = TimeDelta::minutes(back);
        if let Ok(got) = cal.add(t, -back) {
            let early = Reference::new(&def, got.date_naive() - Days::new(3), t.date_naive() + Days::new(3));
            prop_assert_eq!(early.between(got, t), back, "between(add({}, -{}), t)", t, back);
            prop_assert!(early.is_open(got) , "negative add lands on an open instant: {}", got);
        }
    }

    #[test]
    fn agrees_at_the_edges_of_the_tz_data(def in def_strategy(), era in 0usize..3, offset in 0i64..86_400 * 365 * 12, minutes in 1i64..60 * 300) {
        // chrono-tz knows transitions from 1844 to 2099; beyond them the engine switches
        // to its 400-year periodic table. Check both edges and far in the future.
        let base = [-4_102_444_800i64 /* 1840 */, 3_944_678_400 /* 2095 */, 16_725_225_600 /* 2500 */][era];
        let t = DateTime::from_timestamp(base + offset, 0).unwrap();
        let cal = def.build();
        let r = reference_for(&def, t, 400);
        let d = TimeDelta::minutes(minutes);
        prop_assert_eq!(cal.is_open(t), r.is_open(t), "is_open({})", t);
        let u = t + TimeDelta::minutes(minutes * 5);
        prop_assert_eq!(cal.between(t, u), r.between(t, u), "between({}, {})", t, u);
        if let (Ok(got), Some(want)) = (cal.add(t, d), r.add(t, d)) {
            prop_assert_eq!(got, want, "add({}, {})", t, d);
        }
    }

    #[test]
    fn laws_hold(def in def_strategy(), t in instant_strategy(), a in 0i64..60 * 300, b in 0i64..60 * 300, mid in 0i64..86_400 * 30) {
        let cal = def.build();
        let (d1, d2) = (TimeDelta::minutes(a.min(b)), TimeDelta::minutes(a.max(b)));
        if let (Ok(r1), Ok(r2)) = (cal.add(t, d1), cal.add(t, d2)) {
            prop_assert_eq!(cal.between(t, r1), d1, "between(t, add(t, d1))");
            prop_assert_eq!(cal.between(t, r2), d2, "between(t, add(t, d2))");
            prop_assert!(r1 <= r2, "add is monotone in d");
            if d2 > TimeDelta::zero() {
                let just_before = r2 - TimeDelta::nanoseconds(1);
                prop_assert!(cal.is_open(just_before), "a positive add lands in or at the close of an open span");
            }
        }
        let u = t + TimeDelta::seconds(mid);
        let w = u + TimeDelta::seconds(mid / 3 + 1);
        prop_assert_eq!(cal.between(t, u) + cal.between(u, w), cal.between(t, w), "between is additive");
        prop_assert_eq!(cal.between(u, t), -cal.between(t, u), "between is antisymmetric");
        prop_assert_eq!(cal.is_open(u), cal.between(u, u + TimeDelta::seconds(1)) == TimeDelta::seconds(1), "is_open iff the next second is business time");
        prop_assert_eq!(cal.add(t, TimeDelta::zero()).unwrap(), t, "add(t, 0) == t");
    }

    #[test]
    fn deadlines_that_use_up_a_span_land_on_its_close(def in def_strategy(), t in instant_strategy(), pick in 0usize..40) {
        let cal = def.build();
        let r = reference_for(&def, t, 60);
        let closes: Vec<_> = r.spans.iter().map(|s| s.1).filter(|&e| e > t).collect();
        prop_assume!(!closes.is_empty());
        let close = closes[pick % closes.len()];
        let d = cal.between(t, close);
        prop_assert_eq!(cal.add(t, d).unwrap(), close, "add(t, between(t, close)) is the close itself");
        // And going back from the close by the same amount returns to t's span start or t.
        let back = cal.add(close, -d).unwrap();
        prop_assert!(back >= t, "latest instant going back is not before t");
        prop_assert_eq!(cal.between(back, close), d);
    }

    #[test]
    fn next_open_and_close_agree_with_the_reference(def in def_strategy(), t in instant_strategy()) {
        let cal = def.build();
        let r = reference_for(&def, t, 400);
        let want_open = r.spans.iter().find(|&&(_, e)| e > t).map(|&(s, _)| s.max(t));
        let got_open = cal.next_open(t);
        if let Some(want) = want_open {
            prop_assert_eq!(got_open, Some(want), "next_open({})", t);
            let want_close = r.spans.iter().find(|&&(_, e)| e > t).map(|&(_, e)| e);
            let horizon = r.spans.last().map(|s| s.1);
            let got_close = cal.next_close(t);
            if want_close != horizon {
                prop_assert_eq!(got_close, want_close, "next_close({})", t);
            }
        }
    }

    #[test]
    fn serde_round_trip_preserves_behaviour(def in def_strategy(), t in instant_strategy()) {
        let cal = def.build();
        let json = serde_json::to_string(&cal).unwrap();
        let back: BusinessHours = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &cal);
        prop_assert_eq!(back.between(t, t + TimeDelta::days(9)), cal.between(t, t + TimeDelta::days(9)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128), ..ProptestConfig::default() })]

    #[test]
    fn open_spans_partition_the_business_time(def in def_strategy(), t in instant_strategy(), days in 0i64..40) {
        let cal = def.build();
        let end = t + TimeDelta::days(days) + TimeDelta::minutes(17);
        let spans: Vec<_> = cal.open_spans(t, end).collect();
        let total = spans.iter().fold(TimeDelta::zero(), |acc, (a, b)| acc + (*b - *a));
        prop_assert_eq!(total, cal.between(t, end), "spans add up to between");
        for (a, b) in &spans {
            prop_assert!(t <= *a && a < b && *b <= end, "span inside the range and non-empty");
            prop_assert!(cal.is_open(*a), "span start is open");
        }
        for w in spans.windows(2) {
            prop_assert!(w[0].1 < w[1].0, "spans are disjoint and not touching");
            prop_assert!(!cal.is_open(w[0].1), "a span ends where business time stops");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96), ..ProptestConfig::default() })]

    /// Any instant chrono can represent and any duration: answers or typed errors, never a panic.
    #[test]
    fn extreme_inputs_never_panic(
        def in def_strategy(),
        secs in DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),
        ms in any::<i64>(),
        other in DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),
    ) {
        let cal = def.build();
        let t = DateTime::from_timestamp(secs, 0).unwrap();
        let u = DateTime::from_timestamp(other, 0).unwrap();
        let d = TimeDelta::milliseconds(ms);
        let _ = cal.is_open(t);
        let _ = cal.next_open(t);
        let _ = cal.next_close(t);
        let span = cal.between(t, u);
        prop_assert_eq!(cal.between(u, t), -span);
        if let Ok(r) = cal.add(t, d) {
            prop_assert_eq!(cal.between(t, r), d, "add then between at {} + {}", t, d);
        }
        if let Ok(r) = cal.add(t, span) {
            if u >= t {
                prop_assert!(r <= u, "earliest: add(t, between(t, u)) <= u");
            } else {
                prop_assert!(r >= u, "latest: add(t, -between(u, t)) >= u");
            }
        }
    }
}
