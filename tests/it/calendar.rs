//! Business-hours arithmetic: worked examples, boundaries, DST.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use hotcrm_support::Error;
use hotcrm_support::calendar::{BusinessHours, Holiday, HolidayCalendar, Recurrence};

fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// A local wall time in `tz` (must exist and be unambiguous) as UTC.
fn local(tz: Tz, s: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    tz.from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn nine_to_five(tz: Tz) -> BusinessHours {
    BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(17, 0))
        .build()
        .unwrap()
}

fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

#[test]
fn design_worked_examples() {
    let tz = chrono_tz::UTC;
    let cal = nine_to_five(tz);
    // 2024-01-05 is a Friday.
    let cases = [
        (
            "add(Fri 16:30, 1h)",
            "2024-01-05 16:30",
            h(1),
            "2024-01-08 09:30",
        ),
        (
            "add(Sat 12:00, 1h)",
            "2024-01-06 12:00",
            h(1),
            "2024-01-08 10:00",
        ),
        (
            "add(Mon 09:00, 8h)",
            "2024-01-08 09:00",
            h(8),
            "2024-01-08 17:00",
        ),
        (
            "add(Mon 17:00, 1h)",
            "2024-01-08 17:00",
            h(1),
            "2024-01-09 10:00",
        ),
        (
            "add(Tue 17:00, -8h)",
            "2024-01-09 17:00",
            h(-8),
            "2024-01-09 09:00",
        ),
    ];
    for (name, start, d, want) in cases {
        assert_eq!(
            cal.add(local(tz, start), d).unwrap(),
            local(tz, want),
            "{name}"
        );
    }
    assert_eq!(
        cal.between(local(tz, "2024-01-05 16:00"), local(tz, "2024-01-08 10:00")),
        h(2),
        "between(Fri 16:00, Mon 10:00)"
    );

    let ny = chrono_tz::America::New_York;
    let b = BusinessHours::builder(ny).every_day(t(0, 0), t(6, 0));
    let night = b.build().unwrap();
    assert_eq!(
        night.add(local(ny, "2024-03-10 00:00"), h(6)).unwrap(),
        utc("2024-03-11T05:00:00Z"),
        "spring forward: 5h on the 10th, 1h on the 11th -> 01:00 EDT"
    );
    let fall_start = local(ny, "2024-11-03 00:00");
    let fall_end = ny
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2024, 11, 3)
                .unwrap()
                .and_time(t(6, 0)),
        )
        .single()
        .unwrap();
    assert_eq!(
        night.between(fall_start, fall_end.with_timezone(&Utc)),
        h(7),
        "fall back: 7 real hours"
    );
}

fn run_add_cases(cal: &BusinessHours, tz: Tz, cases: &[(&str, &str, TimeDelta, &str)]) {
    for &(name, start, d, want) in cases {
        assert_eq!(
            cal.add(local(tz, start), d).unwrap(),
            local(tz, want),
            "case {name}"
        );
    }
}

#[test]
fn boundaries_on_a_plain_calendar() {
    let tz = chrono_tz::America::New_York;
    let lunch = BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(12, 0))
        .weekdays(t(13, 0), t(17, 0))
        .build()
        .unwrap();
    let open = local(tz, "2024-01-08 09:00");
    assert!(lunch.is_open(open), "open at the opening instant");
    assert!(
        !lunch.is_open(local(tz, "2024-01-08 12:00")),
        "closed at the closing instant"
    );
    assert!(
        lunch.is_open(local(tz, "2024-01-08 11:59")),
        "open just before the close"
    );
    assert!(
        !lunch.is_open(local(tz, "2024-01-06 10:00")),
        "closed on Saturday"
    );
    run_add_cases(
        &lunch,
        tz,
        &[
            (
                "lands at the start of lunch",
                "2024-01-08 09:00",
                h(3),
                "2024-01-08 12:00",
            ),
            (
                "one minute past lunch",
                "2024-01-08 09:00",
                TimeDelta::minutes(181),
                "2024-01-08 13:01",
            ),
            (
                "from inside lunch",
                "2024-01-08 12:30",
                h(1),
                "2024-01-08 14:00",
            ),
            (
                "from Friday close",
                "2024-01-05 17:00",
                h(1),
                "2024-01-08 10:00",
            ),
            (
                "a whole week",
                "2024-01-08 09:00",
                h(35),
                "2024-01-12 17:00",
            ),
            (
                "back over lunch",
                "2024-01-08 14:00",
                h(-2),
                "2024-01-08 11:00",
            ),
            (
                "back to the opening",
                "2024-01-08 13:00",
                h(-3),
                "2024-01-08 09:00",
            ),
            (
                "back over a weekend",
                "2024-01-08 10:00",
                h(-2),
                "2024-01-05 16:00",
            ),
        ],
    );
    assert_eq!(
        lunch.add(open, TimeDelta::zero()).unwrap(),
        open,
        "add 0 at an open instant"
    );
    let sunday = local(tz, "2024-01-07 10:00");
    assert_eq!(
        lunch.add(sunday, TimeDelta::zero()).unwrap(),
        sunday,
        "add 0 at a closed instant stays"
    );
    assert_eq!(lunch.next_open(sunday), Some(open));
    assert_eq!(
        lunch.next_close(sunday),
        Some(local(tz, "2024-01-08 12:00"))
    );
    assert_eq!(
        lunch.next_close(local(tz, "2024-01-08 12:00")),
        Some(local(tz, "2024-01-08 17:00"))
    );
}

#[test]
fn holidays_whole_partial_observed_and_shared() {
    let tz = chrono_tz::America::New_York;
    let cal = BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(17, 0))
        .holidays(HolidayCalendar::us_federal())
        .holiday(
            Holiday::new("Christmas Eve", Recurrence::Annual { month: 12, day: 24 })
                .hours(t(13, 0), t(0, 0)),
        )
        .build()
        .unwrap();
    run_add_cases(
        &cal,
        tz,
        &[
            (
                "day before Thanksgiving 2024",
                "2024-11-27 16:00",
                h(2),
                "2024-11-29 10:00",
            ),
            (
                "over Christmas 2024 (Eve half day)",
                "2024-12-24 12:00",
                h(2),
                "2024-12-26 10:00",
            ),
            (
                "July 4 2026 observed Friday the 3rd",
                "2026-07-02 16:00",
                h(2),
                "2026-07-06 10:00",
            ),
            (
                "New Year 2022 observed 2021-12-31",
                "2021-12-30 16:00",
                h(2),
                "2022-01-03 10:00",
            ),
            ("MLK day 2024", "2024-01-12 16:00", h(2), "2024-01-16 10:00"),
        ],
    );
    assert!(
        !cal.is_open(local(tz, "2024-11-28 10:00")),
        "Thanksgiving closed"
    );
    assert!(
        cal.is_open(local(tz, "2024-12-24 12:59")),
        "Christmas Eve morning open"
    );
    assert!(
        !cal.is_open(local(tz, "2024-12-24 13:00")),
        "Christmas Eve afternoon closed"
    );
    assert_eq!(
        cal.between(local(tz, "2024-12-23 09:00"), local(tz, "2024-12-27 09:00")),
        h(8 + 4 + 8),
        "Mon full, Tue half, Wed holiday, Thu full"
    );
}

#[test]
fn overnight_shifts_holidays_and_special_hours() {
    let tz = chrono_tz::UTC;
    // Night desk Mon-Fri 22:00-06:00 (into the next morning).
    let mut b = BusinessHours::builder(tz);
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        b = b.interval(day, t(22, 0), t(6, 0));
    }
    let holiday_tue = NaiveDate::from_ymd_opt(2024, 1, 9).unwrap();
    let special_thu = NaiveDate::from_ymd_opt(2024, 1, 11).unwrap();
    let cal = b
        .clone()
        .holiday(Holiday::new(
            "Tuesday off",
            Recurrence::OneTime(holiday_tue),
        ))
        .special_hours(special_thu, vec![(t(8, 0), t(12, 0))])
        .build()
        .unwrap();
    let open_cases = [
        ("2024-01-08 23:00", true, "Monday night open"),
        (
            "2024-01-09 01:00",
            false,
            "holiday cuts the overnight part on Tuesday",
        ),
        (
            "2024-01-09 23:00",
            false,
            "Tuesday's own shift is on the holiday date",
        ),
        (
            "2024-01-10 01:00",
            true,
            "Tuesday's shift spills into Wednesday: open",
        ),
        (
            "2024-01-11 05:00",
            true,
            "Wednesday night spills into Thursday despite special hours",
        ),
        ("2024-01-11 09:00", true, "Thursday special morning"),
        (
            "2024-01-11 23:00",
            false,
            "special hours replace Thursday's night shift",
        ),
        ("2024-01-12 03:00", false, "so no Friday-morning spill"),
    ];
    for (at, want, name) in open_cases {
        assert_eq!(cal.is_open(local(tz, at)), want, "{name}");
    }
    assert_eq!(
        cal.between(local(tz, "2024-01-08 00:00"), local(tz, "2024-01-13 00:00")),
        h(2 + 6 + 8 + 4 + 2),
        "week total"
    );
    run_add_cases(
        &cal,
        tz,
        &[
            (
                "Monday night ends at the holiday",
                "2024-01-08 22:00",
                h(2),
                "2024-01-09 00:00",
            ),
            (
                "jumps the holiday",
                "2024-01-08 23:00",
                h(2),
                "2024-01-10 01:00",
            ),
            (
                "into special hours",
                "2024-01-11 05:00",
                h(2),
                "2024-01-11 09:00",
            ),
        ],
    );
    // Touching spans merge: Wed 22:00-Thu 06:00 then special hours from 06:00.
    let merged = b
        .special_hours(special_thu, vec![(t(6, 0), t(7, 0))])
        .build()
        .unwrap();
    assert_eq!(
        merged.next_close(local(tz, "2024-01-10 23:00")),
        Some(local(tz, "2024-01-11 07:00")),
        "one span"
    );
}

#[test]
fn a_special_day_with_a_break_lands_on_the_break() {
    let tz = chrono_tz::Europe::London;
    let date = NaiveDate::from_ymd_opt(2024, 12, 24).unwrap();
    let cal = BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(17, 0))
        .special_hours(date, vec![(t(9, 0), t(11, 0)), (t(14, 0), t(15, 0))])
        .special_hours(NaiveDate::from_ymd_opt(2024, 12, 25).unwrap(), vec![])
        .build()
        .unwrap();
    run_add_cases(
        &cal,
        tz,
        &[
            (
                "uses the morning exactly",
                "2024-12-24 09:00",
                h(2),
                "2024-12-24 11:00",
            ),
            (
                "into the afternoon",
                "2024-12-24 10:00",
                h(2),
                "2024-12-24 15:00",
            ),
            (
                "special closed day",
                "2024-12-24 14:30",
                h(1),
                "2024-12-26 09:30",
            ),
        ],
    );
}

#[test]
fn dst_zones_table() {
    struct Case {
        name: &'static str,
        tz: Tz,
        from: &'static str,
        to: &'static str,
        want: TimeDelta,
    }
    let all_days = |tz: Tz, start: NaiveTime, end: NaiveTime| {
        let b = BusinessHours::builder(tz).every_day(start, end);
        b.build().unwrap()
    };
    let cases = [
        // Whole local days 00:00-00:00: a day is as long as it really is.
        Case {
            name: "New York spring day is 23h",
            tz: chrono_tz::America::New_York,
            from: "2024-03-10T05:00:00Z",
            to: "2024-03-11T04:00:00Z",
            want: h(23),
        },
        Case {
            name: "New York fall day is 25h",
            tz: chrono_tz::America::New_York,
            from: "2024-11-03T04:00:00Z",
            to: "2024-11-04T05:00:00Z",
            want: h(25),
        },
        Case {
            name: "London spring day is 23h",
            tz: chrono_tz::Europe::London,
            from: "2024-03-31T00:00:00Z",
            to: "2024-03-31T23:00:00Z",
            want: h(23),
        },
        Case {
            name: "Lord Howe shifts by 30 minutes",
            tz: chrono_tz::Australia::Lord_Howe,
            from: "2024-10-05T13:00:00Z",
            to: "2024-10-06T12:30:00Z",
            want: TimeDelta::minutes(23 * 60 + 30),
        },
        Case {
            name: "Auckland spring day is 23h",
            tz: chrono_tz::Pacific::Auckland,
            from: "2024-09-28T12:00:00Z",
            to: "2024-09-29T11:00:00Z",
            want: h(23),
        },
    ];
    for c in cases {
        let cal = all_days(c.tz, t(0, 0), t(0, 0));
        assert_eq!(cal.between(utc(c.from), utc(c.to)), c.want, "{}", c.name);
        assert_eq!(
            cal.add(utc(c.from), c.want).unwrap(),
            utc(c.to),
            "{} (add)",
            c.name
        );
    }

    // Sao Paulo 2018-11-04: midnight does not exist (clocks jump 00:00 -> 01:00).
    let sp = chrono_tz::America::Sao_Paulo;
    let cal = all_days(sp, t(0, 0), t(6, 0));
    // The 00:00 opening moves forward by the gap to 01:00 -03 (03:00Z): 5 real hours that day.
    let day_start = utc("2018-11-04T03:00:00Z");
    assert!(cal.is_open(day_start), "opens at 01:00 local");
    assert!(
        !cal.is_open(utc("2018-11-04T02:59:59Z")),
        "the previous evening is closed"
    );
    assert_eq!(
        cal.between(utc("2018-11-04T00:00:00Z"), utc("2018-11-05T00:00:00Z")),
        h(5),
        "5h on the gap day"
    );
    let holiday = BusinessHours::builder(sp)
        .weekdays(t(9, 0), t(17, 0))
        .holiday(Holiday::new(
            "eleição",
            Recurrence::OneTime(NaiveDate::from_ymd_opt(2018, 11, 5).unwrap()),
        ))
        .build()
        .unwrap();
    assert_eq!(
        holiday.add(utc("2018-11-02T19:00:00Z"), h(2)).unwrap(),
        utc("2018-11-06T12:00:00Z"),
        "friday 16:00 -02 + 2h skips weekend + holiday"
    );

    // New York 02:30 on the spring day does not exist: a 02:30-03:15 window is empty that day.
    let ny = chrono_tz::America::New_York;
    let cal = all_days(ny, t(2, 30), t(3, 15));
    assert_eq!(
        cal.between(utc("2024-03-10T05:00:00Z"), utc("2024-03-11T04:00:00Z")),
        TimeDelta::zero(),
        "empty on the spring day"
    );
    assert_eq!(
        cal.between(utc("2024-03-11T04:00:00Z"), utc("2024-03-12T04:00:00Z")),
        TimeDelta::minutes(45),
        "normal next day"
    );
    // The ambiguous 01:30 on the fall day takes the earlier instant (EDT).
    let cal = all_days(ny, t(1, 30), t(4, 0));
    assert!(
        cal.is_open(utc("2024-11-03T05:30:00Z")),
        "01:30 EDT is open"
    );
    assert_eq!(
        cal.between(utc("2024-11-03T04:00:00Z"), utc("2024-11-04T04:00:00Z")),
        TimeDelta::minutes(210),
        "01:30 EDT to 04:00 EST"
    );

    // Casablanca suspends DST during Ramadan (2024: back to +00 on 2024-03-10, +01 again on 2024-04-14).
    let casa = chrono_tz::Africa::Casablanca;
    let cal = all_days(casa, t(0, 0), t(0, 0));
    assert_eq!(
        cal.between(utc("2024-03-01T00:00:00Z"), utc("2024-05-01T00:00:00Z")),
        TimeDelta::days(61),
        "24x7 counts elapsed time"
    );
    let office = BusinessHours::builder(casa)
        .weekdays(t(9, 0), t(17, 0))
        .build()
        .unwrap();
    assert_eq!(
        office.between(
            local(casa, "2024-03-08 09:00"),
            local(casa, "2024-03-11 17:00")
        ),
        h(16),
        "Friday + Monday across the change"
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let tz = chrono_tz::UTC;
    let overlapping = BusinessHours::builder(tz)
        .interval(Weekday::Mon, t(9, 0), t(17, 0))
        .interval(Weekday::Mon, t(16, 0), t(18, 0))
        .build();
    assert!(
        matches!(overlapping, Err(Error::OverlappingIntervals { .. })),
        "{overlapping:?}"
    );
    let wrap = BusinessHours::builder(tz)
        .interval(Weekday::Sun, t(22, 0), t(6, 0))
        .interval(Weekday::Mon, t(5, 0), t(9, 0))
        .build();
    assert!(
        matches!(wrap, Err(Error::OverlappingIntervals { .. })),
        "Sunday overnight overlaps Monday morning"
    );
    let touching = BusinessHours::builder(tz)
        .interval(Weekday::Sun, t(22, 0), t(6, 0))
        .interval(Weekday::Mon, t(6, 0), t(9, 0))
        .build();
    assert!(touching.is_ok(), "touching is fine");
    let special = BusinessHours::builder(tz)
        .special_hours(
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            vec![(t(9, 0), t(12, 0)), (t(11, 0), t(13, 0))],
        )
        .build();
    assert!(matches!(special, Err(Error::OverlappingIntervals { .. })));
    let backwards = BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(17, 0))
        .holiday(
            Holiday::new("odd", Recurrence::Annual { month: 1, day: 2 }).hours(t(15, 0), t(10, 0)),
        )
        .build();
    assert!(
        matches!(backwards, Err(Error::InvalidHoliday { .. })),
        "{backwards:?}"
    );
    let april31 = BusinessHours::builder(tz)
        .holiday(Holiday::new("x", Recurrence::Annual { month: 4, day: 31 }))
        .build();
    assert!(matches!(april31, Err(Error::InvalidHoliday { .. })));

    // A calendar that never opens: typed errors, no loop.
    let never = BusinessHours::builder(tz).build().unwrap();
    let now = utc("2024-01-01T00:00:00Z");
    assert!(matches!(never.add(now, h(1)), Err(Error::NeverOpen { .. })));
    assert!(matches!(
        never.add(now, h(-1)),
        Err(Error::NeverOpen { .. })
    ));
    assert_eq!(never.next_open(now), None);
    assert_eq!(never.next_close(now), None);
    assert_eq!(
        never.between(now, now + TimeDelta::days(10_000)),
        TimeDelta::zero()
    );
    // Every day a holiday: opens nowhere either.
    let mut all = HolidayCalendar::new("all");
    for month in 1..=12 {
        for day in 1..=31 {
            if NaiveDate::from_ymd_opt(2000, month, day).is_some() {
                all.push(Holiday::new("closed", Recurrence::Annual { month, day }));
            }
        }
    }
    let closed = BusinessHours::builder(tz)
        .weekdays(t(9, 0), t(17, 0))
        .holidays(all)
        .build()
        .unwrap();
    assert!(matches!(
        closed.add(now, h(1)),
        Err(Error::NeverOpen { .. })
    ));
    assert_eq!(closed.next_open(now), None);
    // A one-time opening: reachable once, then exhausted.
    let once = BusinessHours::builder(tz)
        .special_hours(
            NaiveDate::from_ymd_opt(2024, 6, 3).unwrap(),
            vec![(t(9, 0), t(10, 0))],
        )
        .build()
        .unwrap();
    assert_eq!(
        once.add(now, TimeDelta::minutes(30)).unwrap(),
        utc("2024-06-03T09:30:00Z")
    );
    assert!(matches!(once.add(now, h(2)), Err(Error::NeverOpen { .. })));

    // Absurd durations overflow cleanly.
    let cal = nine_to_five(tz);
    assert!(matches!(
        cal.add(now, TimeDelta::MAX),
        Err(Error::Overflow { .. })
    ));
    assert!(matches!(
        cal.add(now, TimeDelta::MIN),
        Err(Error::Overflow { .. })
    ));
    assert!(matches!(
        BusinessHours::always_open().add(DateTime::<Utc>::MAX_UTC, TimeDelta::seconds(1)),
        Err(Error::Overflow { .. })
    ));
    assert!(cal.between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC) > TimeDelta::zero());
}

#[test]
fn huge_spans_stay_exact() {
    let ny = chrono_tz::America::New_York;
    let plain = nine_to_five(ny);
    let holidays = BusinessHours::builder(ny)
        .weekdays(t(9, 0), t(17, 0))
        .holidays(HolidayCalendar::us_federal())
        .build()
        .unwrap();
    let start = local(ny, "2024-01-08 09:00");
    for cal in [&plain, &holidays] {
        for hours in [2, 40, 10_000, 1_000_000, 10_000_000] {
            let due = cal.add(start, h(hours)).unwrap();
            assert_eq!(
                cal.between(start, due),
                h(hours),
                "between(start, add(start, {hours}h))"
            );
            assert_eq!(cal.add(due, -h(hours)).unwrap(), start, "and back");
        }
    }
    // 1,000,000 business hours on a 40h week with no holidays is 25,000 weeks exactly.
    let due = plain.add(start, h(1_000_000)).unwrap();
    assert_eq!(
        due.with_timezone(&ny).date_naive(),
        NaiveDate::from_ymd_opt(2503, 2, 23).unwrap(),
        "25,000 weeks later, a Friday"
    );
}

#[test]
fn spans_and_closes_on_round_the_clock_calendars() {
    let ny = chrono_tz::America::New_York;
    let b = BusinessHours::builder(ny).every_day(t(0, 0), t(0, 0));
    let always = b.clone().build().unwrap();
    let now = utc("2024-03-01T12:00:00Z");
    assert_eq!(
        always.next_close(now),
        None,
        "24x7 never closes, DST or not"
    );
    assert_eq!(
        always.between(now, now + TimeDelta::days(365)),
        TimeDelta::days(365),
        "elapsed time, DST included"
    );
    let spans: Vec<_> = always.open_spans(now, now + TimeDelta::days(30)).collect();
    assert_eq!(
        spans,
        vec![(now, now + TimeDelta::days(30))],
        "one merged span across the DST change"
    );

    let with_holiday = b
        .holiday(Holiday::new(
            "Independence Day",
            Recurrence::Annual { month: 7, day: 4 },
        ))
        .build()
        .unwrap();
    assert_eq!(
        with_holiday.next_close(now),
        Some(local(ny, "2024-07-04 00:00")),
        "first close is the holiday"
    );
    assert_eq!(
        with_holiday.next_open(local(ny, "2024-07-04 12:00")),
        Some(local(ny, "2024-07-05 00:00"))
    );
    let far = utc("2300-01-01T00:00:00Z");
    assert_eq!(
        with_holiday
            .next_close(far)
            .map(|c| c.with_timezone(&ny).date_naive()),
        NaiveDate::from_ymd_opt(2300, 7, 4),
        "periodic table far in the future"
    );

    assert_eq!(BusinessHours::always_open().next_close(now), None);
    assert!(BusinessHours::always_open().is_open(now));
}

#[test]
fn open_spans_merge_and_clip() {
    let tz = chrono_tz::UTC;
    let cal = BusinessHours::builder(tz)
        .interval(Weekday::Mon, t(22, 0), t(0, 0))
        .interval(Weekday::Tue, t(0, 0), t(6, 0))
        .interval(Weekday::Tue, t(9, 0), t(17, 0))
        .build()
        .unwrap();
    let spans: Vec<_> = cal
        .open_spans(local(tz, "2024-01-08 23:00"), local(tz, "2024-01-09 12:00"))
        .collect();
    assert_eq!(
        spans,
        vec![
            (local(tz, "2024-01-08 23:00"), local(tz, "2024-01-09 06:00")),
            (local(tz, "2024-01-09 09:00"), local(tz, "2024-01-09 12:00")),
        ],
        "Monday 22:00-24:00 and Tuesday 00:00-06:00 touch: one span, clipped to the range"
    );
    assert_eq!(
        cal.next_close(local(tz, "2024-01-08 22:30")),
        Some(local(tz, "2024-01-09 06:00"))
    );
    let empty: Vec<_> = cal
        .open_spans(local(tz, "2024-01-09 12:00"), local(tz, "2024-01-09 12:00"))
        .collect();
    assert!(empty.is_empty(), "an empty range has no spans");
    let backwards: Vec<_> = cal
        .open_spans(local(tz, "2024-01-10 12:00"), local(tz, "2024-01-09 12:00"))
        .collect();
    assert!(backwards.is_empty(), "a reversed range has no spans");
}

#[test]
fn serde_form_is_readable_and_validated() {
    let cal = BusinessHours::builder(chrono_tz::Europe::Paris)
        .weekdays(t(9, 0), t(17, 0))
        .holiday(Holiday::new(
            "Bastille Day",
            Recurrence::Annual { month: 7, day: 14 },
        ))
        .build()
        .unwrap();
    let json = serde_json::to_value(&cal).unwrap();
    assert_eq!(
        json["time_zone"], "Europe/Paris",
        "zone stored by IANA name"
    );
    let back: BusinessHours = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, cal);
    let mut bad = json.clone();
    bad["intervals"][1]["day"] = "Mon".into();
    let err = serde_json::from_value::<BusinessHours>(bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("overlapping"), "{err}");
    let mut unknown_zone = json;
    unknown_zone["time_zone"] = "Mars/Olympus_Mons".into();
    assert!(serde_json::from_value::<BusinessHours>(unknown_zone).is_err());
}

#[test]
fn error_messages_name_the_values() {
    let err = BusinessHours::builder(chrono_tz::UTC)
        .interval(Weekday::Mon, t(9, 0), t(17, 0))
        .interval(Weekday::Mon, t(16, 0), t(18, 0))
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "overlapping business hours: Mon 09:00:00-17:00:00 overlaps Mon 16:00:00-18:00:00"
    );
    let err = BusinessHours::builder(chrono_tz::UTC)
        .holiday(Holiday::new(
            "Odd Day",
            Recurrence::Annual { month: 2, day: 30 },
        ))
        .build()
        .unwrap_err()
        .to_string();
    assert_eq!(err, "invalid holiday \"Odd Day\": month 2 has no day 30");
}

#[test]
fn absurd_dates_are_rejected() {
    let far = NaiveDate::from_ymd_opt(200_000, 1, 1).unwrap();
    let err = BusinessHours::builder(chrono_tz::UTC)
        .special_hours(far, vec![])
        .build();
    assert!(matches!(err, Err(Error::Validation { .. })), "{err:?}");
    let err = BusinessHours::builder(chrono_tz::UTC)
        .holiday(Holiday::new("far", Recurrence::OneTime(far)))
        .build();
    assert!(matches!(err, Err(Error::Validation { .. })), "{err:?}");
    let leap = NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
    let err = BusinessHours::builder(chrono_tz::UTC)
        .interval(Weekday::Mon, t(9, 0), leap)
        .build();
    assert!(matches!(err, Err(Error::Validation { .. })), "{err:?}");
}

/// Calendars that never open, or open once in a far year, answer every search over
/// chrono's whole range at once. Before open spans jumped to the next opening, the
/// first `open_spans(MIN_UTC, MAX_UTC).next()` on a never-open calendar walked
/// about 190 million days; this test would not finish.
#[test]
fn never_open_calendars_answer_at_once_over_the_whole_range() {
    let (lo, hi) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    let tz = chrono_tz::America::New_York;
    // Open only on Mondays, and every Monday of every month is a holiday.
    let mut mondays = BusinessHours::builder(tz).interval(Weekday::Mon, t(9, 0), t(17, 0));
    for month in 1..=12 {
        for nth in 1..=5 {
            mondays = mondays.holiday(Holiday::new(
                "Monday off",
                Recurrence::Floating {
                    month,
                    weekday: Weekday::Mon,
                    nth,
                },
            ));
        }
    }
    // Open on weekdays, but the afternoon of every date is a (partial) holiday.
    let mut afternoons = BusinessHours::builder(tz).weekdays(t(13, 0), t(17, 0));
    for month in 1..=12 {
        for day in 1..=31 {
            if NaiveDate::from_ymd_opt(2000, month, day).is_some() {
                afternoons = afternoons.holiday(
                    Holiday::new("closed", Recurrence::Annual { month, day })
                        .hours(t(12, 0), t(18, 0)),
                );
            }
        }
    }
    let never = [
        ("no intervals", BusinessHours::builder(tz).build().unwrap()),
        ("every monday a holiday", mondays.clone().build().unwrap()),
        ("every afternoon closed", afternoons.build().unwrap()),
    ];
    for (name, cal) in &never {
        assert_eq!(cal.open_spans(lo, hi).next(), None, "{name}: open_spans");
        assert_eq!(cal.next_open(lo), None, "{name}: next_open");
        assert_eq!(cal.next_close(lo), None, "{name}: next_close");
        assert_eq!(cal.between(lo, hi), TimeDelta::zero(), "{name}: between");
        assert!(
            matches!(cal.add(lo, h(1)), Err(Error::NeverOpen { .. })),
            "{name}: add"
        );
        assert!(
            matches!(cal.add(hi, h(-1)), Err(Error::NeverOpen { .. })),
            "{name}: add backwards"
        );
    }

    // One opening hour on a Friday in 9000, 2500 or 1600, nothing else. (Holidays
    // are precomputed up to the last dated entry, so the calendar with holidays
    // takes the nearer year to keep the test quick.)
    let june_9000 = NaiveDate::from_ymd_opt(9000, 6, 6).unwrap();
    let june_2500 = NaiveDate::from_ymd_opt(2500, 6, 4).unwrap();
    let june_1600 = NaiveDate::from_ymd_opt(1600, 6, 2).unwrap();
    let once = [
        (
            "empty but one special day in 9000",
            BusinessHours::builder(tz).special_hours(june_9000, vec![(t(9, 0), t(10, 0))]),
            june_9000,
        ),
        (
            "every monday a holiday but one special friday in 2500",
            mondays.special_hours(june_2500, vec![(t(9, 0), t(10, 0))]),
            june_2500,
        ),
        (
            "empty but one special day in 1600",
            BusinessHours::builder(tz).special_hours(june_1600, vec![(t(9, 0), t(10, 0))]),
            june_1600,
        ),
    ];
    for (name, builder, date) in once {
        let cal = builder.build().unwrap();
        let open = tz
            .from_local_datetime(&date.and_time(t(9, 0)))
            .single()
            .unwrap()
            .with_timezone(&Utc);
        let close = open + h(1);
        let spans: Vec<_> = cal.open_spans(lo, hi).collect();
        assert_eq!(spans, vec![(open, close)], "{name}: open_spans");
        assert_eq!(cal.next_open(lo), Some(open), "{name}: next_open");
        assert_eq!(cal.next_open(close), None, "{name}: next_open after");
        assert_eq!(cal.next_close(lo), Some(close), "{name}: next_close");
        assert_eq!(cal.next_close(close), None, "{name}: next_close after");
        assert_eq!(cal.between(lo, hi), h(1), "{name}: between");
        assert_eq!(cal.add(lo, h(1)).unwrap(), close, "{name}: add");
        assert_eq!(cal.add(hi, h(-1)).unwrap(), open, "{name}: add backwards");
        assert!(
            matches!(cal.add(lo, h(2)), Err(Error::NeverOpen { .. })),
            "{name}: add past the only opening"
        );
    }
}

/// `between` over chrono's whole range is exact (no saturation is needed: the range
/// is about 525,000 years, a `TimeDelta` holds about 292 million), and open spans
/// at either end of the range come at once.
#[test]
fn whole_range_between_and_spans_on_open_calendars() {
    let (lo, hi) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    let always = BusinessHours::always_open();
    assert_eq!(always.between(lo, hi), hi - lo, "always open: elapsed time");
    assert_eq!(always.between(hi, lo), lo - hi, "always open: signed");
    assert_eq!(
        always.open_spans(lo, hi).collect::<Vec<_>>(),
        vec![(lo, hi)],
        "always open: one span"
    );
    assert_eq!(always.next_close(lo), None, "always open never closes");

    for (name, cal) in [
        ("new york 9-17", nine_to_five(chrono_tz::America::New_York)),
        (
            "new york 9-17 with us holidays",
            BusinessHours::builder(chrono_tz::America::New_York)
                .weekdays(t(9, 0), t(17, 0))
                .holidays(HolidayCalendar::us_federal())
                .build()
                .unwrap(),
        ),
    ] {
        let span = cal.between(lo, hi);
        assert!(
            span > TimeDelta::zero() && span < hi - lo,
            "{name}: between"
        );
        assert_eq!(cal.between(hi, lo), -span, "{name}: signed");
        let first: Vec<_> = cal.open_spans(lo, lo + TimeDelta::days(14)).collect();
        assert!(
            (8..=10).contains(&first.len()),
            "{name}: two weeks from MIN_UTC: {first:?}"
        );
        let last: Vec<_> = cal.open_spans(hi - TimeDelta::days(14), hi).collect();
        assert!(
            (8..=10).contains(&last.len()),
            "{name}: two weeks to MAX_UTC: {last:?}"
        );
        let open = cal.next_open(lo).unwrap();
        assert_eq!(first[0].0, open, "{name}: first span starts at next_open");
        assert_eq!(
            Some(first[0].1),
            cal.next_close(lo),
            "{name}: and ends at next_close"
        );
        assert_eq!(
            cal.open_spans(lo, hi).next(),
            Some(first[0]),
            "{name}: whole range"
        );
    }
}

#[test]
fn typical_day_is_the_most_common_open_length() {
    use hotcrm_support::case::{CaseRules, Priority};
    use hotcrm_support::sla::{SlaPolicy, SlaTier};
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let build = |b: hotcrm_support::calendar::BusinessHoursBuilder| b.build().unwrap();
    let utc = || BusinessHours::builder(chrono_tz::UTC);
    let cases = [
        (
            "9-17:30 weekdays",
            build(utc().weekdays(t(9, 0), t(17, 30))),
            Some(TimeDelta::minutes(510)),
        ),
        (
            "split day",
            build(
                utc()
                    .weekdays(t(9, 0), t(12, 30))
                    .weekdays(t(13, 30), t(17, 30)),
            ),
            Some(TimeDelta::minutes(450)),
        ),
        (
            "tie goes to the longer",
            build(utc().interval(Weekday::Mon, t(9, 0), t(17, 0)).interval(
                Weekday::Tue,
                t(9, 0),
                t(13, 0),
            )),
            Some(TimeDelta::hours(8)),
        ),
        (
            "overnight shift counts for its start day",
            build(utc().weekdays(t(22, 0), t(6, 0))),
            Some(TimeDelta::hours(8)),
        ),
        (
            "24h weekdays",
            build(utc().weekdays(t(0, 0), t(0, 0))),
            Some(TimeDelta::hours(24)),
        ),
        ("always open", BusinessHours::always_open(), None),
        ("never open", build(utc()), None),
    ];
    for (name, hours, want) in cases {
        assert_eq!(hours.typical_day(), want, "case {name}");
    }
    // The SLA's "1 business day" follows the desk calendar unless set.
    let office = build(utc().weekdays(t(9, 0), t(17, 30)));
    let rules = CaseRules::new(SlaPolicy::default(), office.clone());
    assert_eq!(rules.sla().business_day(), TimeDelta::minutes(510));
    let start = "2024-01-08T09:00:00Z".parse().unwrap();
    let due = SlaPolicy::default()
        .due_dates(SlaTier::Standard, Priority::Low, start, &office)
        .unwrap();
    assert_eq!(due.response_due.to_rfc3339(), "2024-01-08T17:30:00+00:00");
    let fixed = SlaPolicy::default()
        .with_business_day(TimeDelta::hours(8))
        .unwrap();
    let due = fixed
        .due_dates(SlaTier::Standard, Priority::Low, start, &office)
        .unwrap();
    assert_eq!(due.response_due.to_rfc3339(), "2024-01-08T17:00:00+00:00");
    assert_eq!(
        CaseRules::default().sla().business_day(),
        TimeDelta::hours(8)
    );
    // Stored policies: an old record carries its 480 minutes and keeps them; a new
    // derived one omits the field and derives again on load.
    let old = serde_json::to_value(&fixed).unwrap();
    assert_eq!(old["business_day_minutes"], 480);
    let derived = serde_json::to_value(rules.sla()).unwrap();
    assert!(derived.get("business_day_minutes").is_none(), "{derived}");
    let back: CaseRules = serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
    assert_eq!(back.sla().business_day(), TimeDelta::minutes(510));
    let loaded: SlaPolicy = serde_json::from_value(old).unwrap();
    assert_eq!(
        CaseRules::new(loaded, office).sla().business_day(),
        TimeDelta::hours(8)
    );
}
