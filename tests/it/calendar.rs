//! Business-hours arithmetic: DESIGN.md §2 worked examples, boundaries, DST.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use hotcrm_support::calendar::{BusinessHours, Holiday, HolidayCalendar, Recurrence};
use hotcrm_support::Error;

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
    let mut b = BusinessHours::builder(ny);
    for day in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ] {
        b = b.interval(day, t(0, 0), t(6, 0));
    }
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
