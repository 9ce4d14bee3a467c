//! Business-hours arithmetic benchmarks (`cargo bench --bench business_hours`).
//!
//! Two New York Mon–Fri 09:00–17:00 calendars: `plain` and `holidays` (US federal
//! holidays). Each id measures one call; the assertion inside the loop keeps the
//! compiler from optimising the work away. Targets (issue 2): add 2h/40h < 1 µs,
//! add 10,000h within 10x of add 2h on the holiday calendar, add 1,000,000h on the
//! plain calendar < 50 µs.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};

fn calendars() -> [(&'static str, BusinessHours); 2] {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
    let ny = chrono_tz::America::New_York;
    let plain = BusinessHours::builder(ny)
        .weekdays(nine, five)
        .build()
        .unwrap();
    let holidays = BusinessHours::builder(ny)
        .weekdays(nine, five)
        .holidays(HolidayCalendar::us_federal())
        .build()
        .unwrap();
    [("plain", plain), ("holidays", holidays)]
}

fn bench_add(c: &mut Criterion) {
    // A Wednesday afternoon in 2024: the typical moment a ticket arrives.
    let start: DateTime<Utc> = "2024-03-06T19:30:00Z".parse().unwrap();
    for (name, cal) in calendars() {
        let mut group = c.benchmark_group(format!("business_hours/{name}"));
        for hours in [2i64, 40, 10_000, 1_000_000] {
            let d = TimeDelta::hours(hours);
            // What a deadline computation costs for this distance; O(log n) design.
            group.bench_function(format!("add/{hours}h"), |b| {
                b.iter(|| {
                    let due = cal.add(black_box(start), black_box(d)).unwrap();
                    assert!(due > start);
                    due
                })
            });
        }
        // Business time over a year: what an SLA report per case costs.
        let year_later = start + TimeDelta::days(365);
        group.bench_function("between/1y", |b| {
            b.iter(|| {
                let span = cal.between(black_box(start), black_box(year_later));
                assert!(span > TimeDelta::zero());
                span
            })
        });
        group.bench_function("is_open", |b| {
            b.iter(|| black_box(cal.is_open(black_box(start))))
        });
        group.finish();
    }
    // Building a calendar (validation + exception table); the zone table is cached.
    c.bench_function("business_hours/build/us_federal", |b| {
        b.iter(|| {
            let cal = calendars();
            assert_eq!(cal.len(), 2);
            cal
        })
    });
}

criterion_group!(benches, bench_add);
criterion_main!(benches);
