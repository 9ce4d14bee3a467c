//! Quickstart: SLA deadlines on a real business calendar.
//!
//! Builds a New York Monday–Friday 09:00–17:00 calendar with the US federal
//! holidays, then computes first-response and resolution deadlines for tickets
//! created at awkward moments — Friday 16:30, a Saturday, the day before
//! Thanksgiving, across the March DST change — and prints them as a table.
//!
//! Run it with:
//!
//! ```text
//! cargo run --example quickstart
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::America::New_York;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hours = BusinessHours::builder(New_York)
        .weekdays(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
        .holidays(HolidayCalendar::us_federal())
        .build()?;

    // Business-hours SLA targets of the original system (a business day = 8h).
    let tiers = [
        ("Silver", TimeDelta::hours(4), TimeDelta::hours(8)),
        ("Bronze", TimeDelta::hours(8), TimeDelta::hours(16)),
        ("Standard", TimeDelta::hours(8), TimeDelta::hours(40)),
    ];
    let tickets = [
        ("Friday 16:30", "2024-01-05 16:30"),
        ("Saturday noon", "2024-01-06 12:00"),
        ("Day before Thanksgiving", "2024-11-27 15:00"),
        ("Friday before DST starts", "2024-03-08 14:00"),
        ("Christmas Eve evening", "2024-12-24 18:00"),
    ];

    println!("Calendar: New York, Mon-Fri 09:00-17:00, US federal holidays\n");
    println!(
        "{:<26} {:<9} {:<22} {:<22} {:>9}",
        "created (local)", "tier", "response due", "resolution due", "wall time"
    );
    println!("{}", "-".repeat(92));
    for (label, local) in tickets {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M")?;
        let created = New_York
            .from_local_datetime(&naive)
            .single()
            .ok_or("ambiguous local time")?
            .with_timezone(&Utc);
        for (tier, response, resolution) in tiers {
            let response_due = hours.add(created, response)?;
            let resolution_due = hours.add(created, resolution)?;
            let wall = resolution_due - created;
            println!(
                "{:<26} {:<9} {:<22} {:<22} {:>8.1}h",
                label,
                tier,
                response_due
                    .with_timezone(&New_York)
                    .format("%a %b %d %H:%M %Z")
                    .to_string(),
                resolution_due
                    .with_timezone(&New_York)
                    .format("%a %b %d %H:%M %Z")
                    .to_string(),
                wall.num_minutes() as f64 / 60.0,
            );
        }
    }

    // The inverse question: how much business time has a ticket consumed?
    let opened = Utc
        .with_ymd_and_hms(2024, 11, 27, 20, 0, 0)
        .single()
        .ok_or("bad date")?;
    let now = Utc
        .with_ymd_and_hms(2024, 12, 2, 15, 0, 0)
        .single()
        .ok_or("bad date")?;
    println!(
        "\nA ticket opened {} and still open at {} has used {} business hours.",
        opened.with_timezone(&New_York).format("%a %b %d %H:%M"),
        now.with_timezone(&New_York).format("%a %b %d %H:%M"),
        hours.between(opened, now).num_minutes() as f64 / 60.0
    );
    Ok(())
}
