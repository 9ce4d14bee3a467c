//! The shipped holiday calendars against the officially published dates for
//! 2024–2027 (gov.uk bank holidays, the Cabinet Office's 国民の祝日 lists,
//! canada.ca general holidays, the Australian national days, the German and
//! French statutory lists), plus laws for Easter and for weekend substitution.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta, Weekday};
use hotcrm_support::calendar::{
    BusinessHours, Holiday, HolidayCalendar, Observance, Recurrence, easter_sunday,
};
use proptest::prelude::*;

/// Parses "MM-DD" dates of one year.
fn dates(year: i32, list: &[&str]) -> Vec<NaiveDate> {
    list.iter()
        .map(|md| NaiveDate::parse_from_str(&format!("{year}-{md}"), "%Y-%m-%d").unwrap())
        .collect()
}

fn closed(calendar: &HolidayCalendar, year: i32) -> Vec<NaiveDate> {
    calendar
        .dates_in(year)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|d| d.year() == year)
        .collect()
}

fn check(name: &str, calendar: HolidayCalendar, table: &[(i32, &[&str])]) {
    for (year, want) in table {
        assert_eq!(
            closed(&calendar, *year),
            dates(*year, want),
            "{name} {year}: {:?}",
            calendar.dates_in(*year)
        );
    }
}

#[test]
fn holiday_pack_uk_england_wales_matches_gov_uk() {
    check(
        "england-and-wales",
        HolidayCalendar::uk_england_wales(),
        &[
            (
                2024,
                &[
                    "01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_uk_scotland_matches_gov_uk() {
    check(
        "scotland",
        HolidayCalendar::uk_scotland(),
        &[
            (
                2024,
                &[
                    "01-01", "01-02", "03-29", "05-06", "05-27", "08-05", "12-02", "12-25", "12-26",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "01-02", "04-18", "05-05", "05-26", "08-04", "12-01", "12-25", "12-26",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "01-02", "04-03", "05-04", "05-25", "08-03", "11-30", "12-25", "12-28",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "01-04", "03-26", "05-03", "05-31", "08-02", "11-30", "12-27", "12-28",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_germany_national() {
    check(
        "germany",
        HolidayCalendar::germany(),
        &[
            (
                2024,
                &[
                    "01-01", "03-29", "04-01", "05-01", "05-09", "05-20", "10-03", "12-25", "12-26",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "04-18", "04-21", "05-01", "05-29", "06-09", "10-03", "12-25", "12-26",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "04-03", "04-06", "05-01", "05-14", "05-25", "10-03", "12-25", "12-26",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "03-26", "03-29", "05-01", "05-06", "05-17", "10-03", "12-25", "12-26",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_france() {
    check(
        "france",
        HolidayCalendar::france(),
        &[
            (
                2024,
                &[
                    "01-01", "04-01", "05-01", "05-08", "05-09", "05-20", "07-14", "08-15",
                    "11-01", "11-11", "12-25",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "04-21", "05-01", "05-08", "05-29", "06-09", "07-14", "08-15",
                    "11-01", "11-11", "12-25",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "04-06", "05-01", "05-08", "05-14", "05-25", "07-14", "08-15",
                    "11-01", "11-11", "12-25",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "03-29", "05-01", "05-06", "05-08", "05-17", "07-14", "08-15",
                    "11-01", "11-11", "12-25",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_canada_federal() {
    check(
        "canada",
        HolidayCalendar::canada_federal(),
        &[
            (
                2024,
                &[
                    "01-01", "03-29", "05-20", "07-01", "09-02", "09-30", "10-14", "11-11",
                    "12-25", "12-26",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "04-18", "05-19", "07-01", "09-01", "09-30", "10-13", "11-11",
                    "12-25", "12-26",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "04-03", "05-18", "07-01", "09-07", "09-30", "10-12", "11-11",
                    "12-25", "12-28",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "03-26", "05-24", "07-01", "09-06", "09-30", "10-11", "11-11",
                    "12-27", "12-28",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_australia_national() {
    check(
        "australia",
        HolidayCalendar::australia(),
        &[
            (
                2024,
                &[
                    "01-01", "01-26", "03-29", "04-01", "04-25", "12-25", "12-26",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "01-27", "04-18", "04-21", "04-25", "12-25", "12-26",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "01-26", "04-03", "04-06", "04-25", "12-25", "12-26", "12-28",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "01-26", "03-26", "03-29", "04-25", "12-25", "12-26", "12-27", "12-28",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_japan_matches_cabinet_office() {
    check(
        "japan",
        HolidayCalendar::japan(),
        &[
            (
                2024,
                &[
                    "01-01", "01-08", "02-11", "02-12", "02-23", "03-20", "04-29", "05-03",
                    "05-04", "05-05", "05-06", "07-15", "08-11", "08-12", "09-16", "09-22",
                    "09-23", "10-14", "11-03", "11-04", "11-23",
                ],
            ),
            (
                2025,
                &[
                    "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03",
                    "05-04", "05-05", "05-06", "07-21", "08-11", "09-15", "09-23", "10-13",
                    "11-03", "11-23", "11-24",
                ],
            ),
            (
                2026,
                &[
                    "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04",
                    "05-05", "05-06", "07-20", "08-11", "09-21", "09-22", "09-23", "10-12",
                    "11-03", "11-23",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "01-11", "02-11", "02-23", "03-21", "03-22", "04-29", "05-03",
                    "05-04", "05-05", "07-19", "08-11", "09-20", "09-23", "10-11", "11-03",
                    "11-23",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_pack_china_and_india_fixed_dates() {
    let china: &[&str] = &["01-01", "05-01", "05-02", "10-01", "10-02", "10-03"];
    let india: &[&str] = &["01-26", "08-15", "10-02", "12-25"];
    for year in 2024..=2027 {
        check("china", HolidayCalendar::china_fixed(), &[(year, china)]);
        check("india", HolidayCalendar::india_fixed(), &[(year, india)]);
    }
}

#[test]
fn holiday_pack_us_federal_unchanged() {
    // 2026: July 4 on a Saturday -> Friday 3rd; 2027: Christmas Saturday -> Friday 24th.
    check(
        "us",
        HolidayCalendar::us_federal(),
        &[
            (
                2026,
                &[
                    "01-01", "01-19", "02-16", "05-25", "06-19", "07-03", "09-07", "10-12",
                    "11-11", "11-26", "12-25",
                ],
            ),
            (
                2027,
                &[
                    "01-01", "01-18", "02-15", "05-31", "06-18", "07-05", "09-06", "10-11",
                    "11-11", "11-25", "12-24",
                ],
            ),
        ],
    );
}

#[test]
fn holiday_names_mark_substitute_and_citizens_days() {
    let uk = HolidayCalendar::uk_england_wales().dates_in(2027);
    assert!(
        uk.iter().any(
            |(d, n)| *d == NaiveDate::from_ymd_opt(2027, 12, 28).unwrap()
                && n == "Boxing Day (substitute day)"
        ),
        "{uk:?}"
    );
    let jp = HolidayCalendar::japan().dates_in(2026);
    assert!(
        jp.iter()
            .any(|(d, n)| *d == NaiveDate::from_ymd_opt(2026, 9, 22).unwrap()
                && n == "Citizens' Holiday"),
        "{jp:?}"
    );
}

#[test]
fn holiday_london_desk_closes_on_uk_substitute_days() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let london = BusinessHours::builder(chrono_tz::Europe::London)
        .weekdays(t(9, 0), t(17, 30))
        .holidays(HolidayCalendar::uk_england_wales())
        .build()
        .unwrap();
    // Thu 2026-12-24 17:00 + 1h: Fri 25 Christmas, Mon 28 Boxing Day substitute -> Tue 29 09:30.
    let due = london
        .add("2026-12-24T17:00:00Z".parse().unwrap(), TimeDelta::hours(1))
        .unwrap();
    assert_eq!(due.to_rfc3339(), "2026-12-29T09:30:00+00:00");
    // Far years still use the exact Easter: Good Friday 2150 is April 10.
    let good_friday_2150 = "2150-04-10T12:00:00Z".parse().unwrap();
    assert!(!london.is_open(good_friday_2150));
    assert!(london.is_open("2150-04-09T12:00:00Z".parse().unwrap()));
}

#[test]
fn holiday_recurrence_serde_round_trip_and_validation() {
    let rules = [
        Recurrence::Easter { offset: -2 },
        Recurrence::Easter { offset: 50 },
        Recurrence::WeekdayOnOrAfter {
            month: 5,
            day: 18,
            weekday: Weekday::Mon,
        },
        Recurrence::MarchEquinox,
        Recurrence::SeptemberEquinox,
    ];
    for rule in rules {
        let json = serde_json::to_string(&rule).unwrap();
        let back: Recurrence = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rule, "{json}");
    }
    for bad in [
        r#"{"Easter":{"offset":251}}"#,
        r#"{"Easter":{"offset":-81}}"#,
        r#"{"WeekdayOnOrAfter":{"month":2,"day":30,"weekday":"Mon"}}"#,
    ] {
        let err = serde_json::from_str::<Recurrence>(bad).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid recurrence"),
            "{bad}: {err}"
        );
    }
    assert!(Recurrence::MarchEquinox.date_in(2100).is_none());
    assert!(Recurrence::SeptemberEquinox.date_in(1979).is_none());
}

#[test]
fn holiday_serde_keeps_the_old_observed_flag() {
    let us = Holiday::new("July 4", Recurrence::Annual { month: 7, day: 4 }).observed();
    let json = serde_json::to_string(&us).unwrap();
    assert!(json.contains(r#""observed":true"#), "{json}");
    assert!(!json.contains("observance"), "{json}");
    let old: Holiday = serde_json::from_str(
        r#"{"name":"July 4","recurrence":{"Annual":{"month":7,"day":4}},"observed":true}"#,
    )
    .unwrap();
    assert_eq!(old, us);
    for calendar in [
        HolidayCalendar::japan(),
        HolidayCalendar::australia(),
        HolidayCalendar::uk_scotland(),
    ] {
        let json = serde_json::to_string(&calendar).unwrap();
        let back: HolidayCalendar = serde_json::from_str(&json).unwrap();
        assert_eq!(back, calendar);
    }
}

/// Easter by a different method (Butcher's algorithm as in the Computus tables:
/// Gauss's with the Gregorian corrections), only as a cross-check.
fn easter_gauss(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year % 4;
    let c = year % 7;
    let k = year / 100;
    let p = (13 + 8 * k) / 25;
    let q = k / 4;
    let m = (15 - p + k - q) % 30;
    let n = (4 + k - q) % 7;
    let d = (19 * a + m) % 30;
    let e = (2 * b + 4 * c + 6 * d + n) % 7;
    let days = 22 + d + e;
    // Gauss's two exceptions.
    let (month, day) = if d == 29 && e == 6 {
        (4, 19)
    } else if d == 28 && e == 6 && (11 * m + 11) % 30 < 19 {
        (4, 18)
    } else if days > 31 {
        (4, days - 31)
    } else {
        (3, days)
    };
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap()
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

proptest! {
    #[test]
    fn holiday_easter_is_a_sunday_between_march_22_and_april_25(year in 1583i32..=9999) {
        let easter = easter_sunday(year).unwrap();
        prop_assert_eq!(easter.weekday(), Weekday::Sun);
        prop_assert!(easter >= NaiveDate::from_ymd_opt(year, 3, 22).unwrap());
        prop_assert!(easter <= NaiveDate::from_ymd_opt(year, 4, 25).unwrap());
        prop_assert_eq!(easter, easter_gauss(year));
    }

    #[test]
    fn holiday_uk_substitution_never_lands_on_a_weekend_or_a_holiday(
        year in 1900i32..=2199,
        extra in proptest::collection::vec((1u32..=12, 1u32..=28), 0..6),
    ) {
        let mut calendar = HolidayCalendar::uk_england_wales();
        for (month, day) in extra {
            calendar.push(Holiday::new("extra", Recurrence::Annual { month, day }).observance(Observance::NextWeekday));
        }
        let got = calendar.dates_in(year);
        // Every holiday closes exactly one date, never on a weekend.
        prop_assert_eq!(got.len(), calendar.holidays().len(), "{:?}", got);
        for (date, name) in &got {
            prop_assert!(!weekend(*date), "{} on a weekend: {:?}", name, got);
            if name.ends_with("(substitute day)") {
                // A substitute never lands on a date that is already a holiday.
                let same_day = got.iter().filter(|(d, _)| d == date).count();
                prop_assert_eq!(same_day, 1, "{} shares {}: {:?}", name, date, got);
            }
        }
    }
}

#[test]
fn holiday_easter_known_extremes() {
    for (year, month, day) in [
        (1818, 3, 22),
        (2000, 4, 23),
        (2008, 3, 23),
        (2011, 4, 24),
        (2019, 4, 21),
        (2038, 4, 25),
        (2285, 3, 22),
    ] {
        assert_eq!(
            easter_sunday(year),
            NaiveDate::from_ymd_opt(year, month, day),
            "easter {year}"
        );
    }
}
