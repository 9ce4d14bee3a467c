//! Quickstart: the complete case resolution workflow of the original system.
//!
//! An email case arrives at a New York desk (Mon–Fri 09:00–17:00, US federal
//! holidays), is categorized by the built-in `HeuristicAi` and given SLA due dates
//! from the account's Silver entitlement; an agent responds, waits on the customer,
//! resolves it with a linked knowledge article; the customer rates it; a sweep three
//! days later auto-closes it. Every step prints the events it produced. It ends with
//! the deadlines of tickets created at awkward moments (Friday 16:30, a Saturday,
//! the day before Thanksgiving, across the March DST change), after showing how a
//! host dispatches notifications from the durable event feed.
//!
//! Everything runs offline, in memory, on a `ManualClock`:
//!
//! ```text
//! cargo run --example quickstart
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::America::New_York;
use hotcrm_support::calendar::{BusinessHours, HolidayCalendar};
use hotcrm_support::case::{
    Author, CaseEvent, CaseRules, NewComment, Origin, Priority, Resolution, Satisfaction,
};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, Outcome, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CommentId, ContactId, ContractId};
use hotcrm_support::knowledge::{ArticleCategory, ArticleDraft, KnowledgeBase};
use hotcrm_support::repo::{Account, Contact, MemoryRepository, Repository};
use hotcrm_support::sla::{Entitlement, SlaPolicy, SlaTier};

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&New_York)
        .format("%a %b %d %H:%M %Z")
        .to_string()
}

fn describe(event: &CaseEvent) -> String {
    match event {
        CaseEvent::Created { case, .. } => format!(
            "created {} ({}, {} tier) — response due {}, resolution due {}",
            case.number,
            case.priority,
            case.sla_tier,
            local(case.response_due()),
            local(case.resolution_due())
        ),
        CaseEvent::AiInsightsUpdated { insights, .. } => format!(
            "AI: category {}, sentiment {}, {} related article(s)",
            insights.category.map_or("none".into(), |c| c.to_string()),
            insights.sentiment.map_or("none".into(), |s| s.to_string()),
            insights.related_articles.len()
        ),
        CaseEvent::Assigned { owner, .. } => {
            format!("assigned to agent {}", &owner.to_string()[..8])
        }
        CaseEvent::StatusChanged { from, to, .. } => format!("status {from} → {to}"),
        CaseEvent::CommentAdded { comment } => format!("comment: {:?}", comment.body),
        CaseEvent::FirstResponded { time, .. } => {
            format!("first response after {} business minutes", time.business)
        }
        CaseEvent::MilestonePaused { kind, .. } => format!("{kind:?} clock paused"),
        CaseEvent::MilestoneResumed {
            kind, paused, due, ..
        } => format!(
            "{kind:?} clock resumed after {} min paused, now due {}",
            paused.num_minutes(),
            local(*due)
        ),
        CaseEvent::MilestoneCompleted { kind, late, .. } => {
            format!(
                "{kind:?} milestone met{}",
                if *late { " (late)" } else { "" }
            )
        }
        CaseEvent::Resolved {
            resolution, time, ..
        } => format!(
            "resolved in {} business minutes: {:?}",
            time.business, resolution.text
        ),
        CaseEvent::SurveyRequested { expires_at, .. } => {
            format!(
                "satisfaction survey sent, open until {}",
                local(*expires_at)
            )
        }
        CaseEvent::SatisfactionRecorded { level, .. } => {
            format!("customer rated it {level} ({}/5)", level.score())
        }
        CaseEvent::Closed { auto, .. } => {
            format!("closed{}", if *auto { " automatically" } else { "" })
        }
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn show(step: &str, clock: &ManualClock, outcome: &Outcome) {
    use hotcrm_support::clock::Clock;
    println!("\n[{}] {step}", local(clock.now()));
    for event in &outcome.events {
        println!("    • {}", describe(event));
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hours = BusinessHours::builder(New_York)
        .weekdays(
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
        .holidays(HolidayCalendar::us_federal())
        .build()?;

    // The host's data: an account with a Silver contract, a contact, one article.
    let repo = Arc::new(MemoryRepository::new());
    let account = AccountId::new();
    let acme = Account::new(account, "Acme Corp")
        .with_entitlement(Entitlement::new(ContractId::new(), SlaTier::Silver));
    repo.put_account(&acme, None).await?;
    let contact = ContactId::new();
    repo.put_contact(
        &Contact::new(contact, account, "Dana Customer", "dana@acme.example"),
        None,
    )
    .await?;
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 5, 14, 0, 0)
            .single()
            .ok_or("date")?,
    ); // Mon 09:00 NY
    let mut kb = KnowledgeBase::new();
    let written = Utc
        .with_ymd_and_hms(2025, 12, 1, 12, 0, 0)
        .single()
        .ok_or("date")?;
    let article = kb.create(
        ArticleDraft::new(
            "How to Reset Your Password",
            "1. Go to the login page. 2. Click \"Forgot Password?\". 3. Enter your email address. 4. Open the link we email you and choose a new password.",
        )
        .summary("Step-by-step guide to reset your password")
        .category(ArticleCategory::Faq)
        .tags(["password", "reset", "login", "access"]),
        written,
    )?;
    let author = AgentId::new();
    kb.submit_for_review(article, author, written)?;
    kb.publish(article, AgentId::new(), written)?;

    let config = DeskConfig::new(CaseRules::new(SlaPolicy::default(), hours.clone()));
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config)
        .knowledge(kb)
        .build();

    println!("hotcrm-support quickstart — New York desk, Mon-Fri 09:00-17:00, US federal holidays");

    // 1. Customer submits a case by email.
    let created = desk
        .create_case(
            CaseRequest::new(
                account,
                "Cannot access my account",
                "I try to log in but it says my password is incorrect",
            )
            .contact(contact)
            .origin(Origin::Email)
            .priority(Priority::Medium),
        )
        .await?;
    show(
        "1. email case created, categorized and given SLA due dates",
        &clock,
        &created,
    );
    let id = created.case.value.id;

    // 2-3. An agent takes it and responds.
    let agent = AgentId::new();
    clock.advance(TimeDelta::minutes(20));
    show("2. agent assigned", &clock, &desk.assign(id, agent).await?);
    clock.advance(TimeDelta::minutes(5));
    show("   work started", &clock, &desk.start_work(id).await?);
    let reply = NewComment::public(
        CommentId::new(),
        Author::Agent(agent),
        "I've sent a password reset link to your email.",
    );
    show(
        "3. agent responds",
        &clock,
        &desk.add_comment(id, reply).await?,
    );

    // 4. Waiting on the customer pauses the resolution clock until they answer.
    show(
        "4. waiting on customer",
        &clock,
        &desk.wait_on_customer(id).await?,
    );
    clock.advance(TimeDelta::hours(3));
    let answer =
        NewComment::customer_reply(CommentId::new(), "Got it, I can log in again. Thanks!");
    show(
        "   customer replies",
        &clock,
        &desk.add_comment(id, answer).await?,
    );

    // 5. Resolved with the linked article (its usage counter goes up).
    clock.advance(TimeDelta::minutes(10));
    let resolution =
        Resolution::new("Sent password reset link. Customer confirmed successful login.")
            .with_root_cause("User forgot password")
            .with_article(article);
    show(
        "5. resolved with KB article",
        &clock,
        &desk.resolve(id, resolution).await?,
    );

    // 6. Satisfaction survey answered.
    clock.advance(TimeDelta::hours(1));
    let rated = desk
        .record_satisfaction(
            id,
            Satisfaction::VerySatisfied,
            Some("Quick response and clear instructions!".into()),
        )
        .await?;
    show("6. satisfaction recorded", &clock, &rated);

    // 7. Three days later the periodic sweep auto-closes it.
    clock.advance(TimeDelta::days(3));
    let sweep = desk.sweep().await?;
    println!(
        "\n[{}] 7. sweep over {} open case(s)",
        local(hotcrm_support::clock::Clock::now(&clock)),
        sweep.scanned
    );
    for (_, event) in &sweep.events {
        println!("    • {}", describe(event));
    }
    let usage = desk.with_knowledge(|kb| kb.article(article).map(|a| a.counters.cases_resolved))?;
    println!("    • article \"How to Reset Your Password\" has now resolved {usage} case(s)");

    // 8. The host's notifier: every event above was stored, in commit order, in
    // the repository's durable feed. A dispatcher pages through it from the last
    // position it handled, so no email is lost if the process dies after a commit.
    let (mut cursor, mut notify) = (0, Vec::new());
    loop {
        let batch = desk.events_after(cursor, 100).await?;
        let Some(last) = batch.last() else { break };
        cursor = last.position;
        for entry in batch {
            match entry.event {
                CaseEvent::Created { .. } => notify.push("acknowledgement to the customer"),
                CaseEvent::SurveyRequested { .. } => notify.push("satisfaction survey"),
                CaseEvent::Closed { .. } => notify.push("closure notice"),
                _ => {}
            }
        }
    }
    println!(
        "\n8. notification feed: {cursor} events stored; emails to send: {}",
        notify.join(", ")
    );

    // Deadlines for tickets created at awkward moments.
    println!("\nSLA deadlines on the same calendar:");
    println!(
        "{:<26} {:<9} {:<22} {:<22}",
        "created (local)", "tier", "response due", "resolution due"
    );
    let policy = SlaPolicy::default();
    for (label, when) in [
        ("Friday 16:30", "2024-01-05 16:30"),
        ("Saturday noon", "2024-01-06 12:00"),
        ("Day before Thanksgiving", "2024-11-27 15:00"),
        ("Friday before DST starts", "2024-03-08 14:00"),
    ] {
        let naive = NaiveDateTime::parse_from_str(when, "%Y-%m-%d %H:%M")?;
        let created = New_York
            .from_local_datetime(&naive)
            .single()
            .ok_or("ambiguous")?
            .with_timezone(&Utc);
        for tier in [SlaTier::Silver, SlaTier::Standard] {
            let due = policy.due_dates(tier, Priority::Medium, created, &hours)?;
            println!(
                "{:<26} {:<9} {:<22} {:<22}",
                label,
                tier.to_string(),
                local(due.response_due),
                local(due.resolution_due)
            );
        }
    }
    Ok(())
}
