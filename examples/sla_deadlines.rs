//! SLA deadlines: the default tier table on a London business calendar with the
//! England and Wales bank holidays (Boxing Day 2026 falls on a Saturday, so the
//! bank holiday is Monday 28 December), a per-priority override, "1 business
//! day" taken from the office's 7.5-hour day, and how waiting on the customer
//! moves the resolution deadline.
//!
//! ```text
//! cargo run --example sla_deadlines
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Europe::London;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase, Priority};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, ContractId};
use hotcrm_support::sla::{
    Coverage, Entitlement, MilestoneKind, SlaPolicy, SlaTier, Target, Targets,
};

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&London)
        .format("%a %d %b %H:%M")
        .to_string()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // London office hours with a lunch break and the England and Wales bank
    // holidays (weekend dates move to the next free weekday, the UK rule).
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let hours = BusinessHours::builder(London)
        .weekdays(t(9, 0), t(12, 30))
        .weekdays(t(13, 30), t(17, 30))
        .holidays(HolidayCalendar::uk_england_wales())
        .build()?;
    // No `with_business_day`: one business day is the office's typical 7.5 hours.
    println!(
        "one business day = {} minutes\n",
        SlaPolicy::default()
            .for_calendar(&hours)
            .business_day()
            .num_minutes()
    );
    // Gold customers' Critical cases get 30 minutes / 4 hours, round the clock.
    let policy = SlaPolicy::default().with_priority_targets(
        SlaTier::Gold,
        Priority::Critical,
        Targets::new(
            Target::Minutes(30),
            Target::hours(4),
            Coverage::TwentyFourSeven,
        ),
    )?;

    let created: DateTime<Utc> = "2026-12-24T16:00:00Z".parse()?; // Thursday, Christmas Eve
    println!("Case created {} (London)\n", local(created));
    println!(
        "{:<9} {:<9} {:<17} {:<17}",
        "tier", "priority", "response due", "resolution due"
    );
    for tier in SlaTier::ALL {
        for priority in [Priority::Critical, Priority::Medium] {
            let due = policy.due_dates(*tier, priority, created, &hours)?;
            println!(
                "{:<9} {:<9} {:<17} {:<17}",
                tier.to_string(),
                priority.to_string(),
                local(due.response_due),
                local(due.resolution_due)
            );
        }
    }

    // Waiting on the customer pauses the resolution clock; the paused business
    // time is added back when they reply.
    let rules = CaseRules::new(policy, hours);
    let new = NewCase::new(
        CaseId::new(),
        CaseNumber::new(2026, 42)?,
        AccountId::new(),
        "Export fails",
        "CSV export times out",
    )
    .with_entitlement(Entitlement::new(ContractId::new(), SlaTier::Silver));
    let (mut case, _) = Case::create(new, created, &rules)?;
    let due = |c: &Case| {
        c.milestone(MilestoneKind::Resolution)
            .map(|m| local(m.due))
            .unwrap_or_default()
    };
    println!("\nSilver case: resolution due {}", due(&case));
    case.execute(
        CaseCommand::Assign {
            agent: AgentId::new(),
        },
        created,
        &rules,
    )?;
    case.execute(
        CaseCommand::WaitOnCustomer,
        created + TimeDelta::minutes(30),
        &rules,
    )?;
    let reply = hotcrm_support::case::NewComment::customer_reply(
        hotcrm_support::ids::CommentId::new(),
        "Here is the log file",
    );
    case.execute(
        CaseCommand::Comment(reply),
        "2026-12-29T10:00:00Z".parse()?,
        &rules,
    )?;
    println!(
        "waited on the customer from {} to Tue 29 Dec 10:00: resolution now due {}",
        local(created + TimeDelta::minutes(30)),
        due(&case)
    );
    Ok(())
}
