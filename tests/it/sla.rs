//! SLA: tiers and targets, due dates on real calendars, milestones, pauses,
//! warnings and violations, reopen modes, priority changes.

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{
    self, Author, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, NewComment, Priority,
};
use hotcrm_support::ids::{CommentId, ContractId};
use hotcrm_support::sla::{
    self, Coverage, Entitlement, MilestoneKind, MilestoneState, ReopenMode, SlaPolicy, SlaTier,
    Target, Targets,
};

use crate::case::fx::*;

fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

#[test]
fn default_policy_is_the_original_tier_table() {
    let p = SlaPolicy::default();
    let table = [
        (SlaTier::Platinum, h(1), h(4), Coverage::TwentyFourSeven),
        (SlaTier::Gold, h(2), h(8), Coverage::TwentyFourSeven),
        (SlaTier::Silver, h(4), h(8), Coverage::BusinessHours),
        (SlaTier::Bronze, h(8), h(16), Coverage::BusinessHours),
        (SlaTier::Standard, h(8), h(40), Coverage::BusinessHours),
    ];
    for (tier, response, resolution, coverage) in table {
        for priority in Priority::ALL {
            let t = p.targets(tier, *priority);
            assert_eq!(t.coverage, coverage, "{tier} coverage");
            assert_eq!(
                p.target(tier, *priority, MilestoneKind::FirstResponse),
                Some(response),
                "{tier} response"
            );
            assert_eq!(
                p.target(tier, *priority, MilestoneKind::Resolution),
                Some(resolution),
                "{tier} resolution"
            );
            assert_eq!(
                p.target(tier, *priority, MilestoneKind::NextResponse),
                None,
                "{tier} next response"
            );
        }
    }
}

#[test]
fn business_day_length_scales_day_targets() {
    let p = SlaPolicy::default().with_business_day(h(10)).unwrap();
    assert_eq!(
        p.target(SlaTier::Standard, Priority::Low, MilestoneKind::Resolution),
        Some(h(50))
    );
    assert_eq!(
        p.target(SlaTier::Gold, Priority::Low, MilestoneKind::Resolution),
        Some(h(8))
    );
}

#[test]
fn entitlement_selects_the_tier() {
    let now = utc("2026-06-01T00:00:00Z");
    let contract = ContractId::from_u128(1);
    let table = [
        ("no entitlement", None, SlaTier::Standard),
        (
            "open-ended gold",
            Some(Entitlement::new(contract, SlaTier::Gold)),
            SlaTier::Gold,
        ),
        (
            "active platinum",
            Some(
                Entitlement::new(contract, SlaTier::Platinum)
                    .valid_between(utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")),
            ),
            SlaTier::Platinum,
        ),
        (
            "expired bronze",
            Some(
                Entitlement::new(contract, SlaTier::Bronze)
                    .valid_between(utc("2025-01-01T00:00:00Z"), utc("2026-01-01T00:00:00Z")),
            ),
            SlaTier::Standard,
        ),
    ];
    for (name, entitlement, tier) in table {
        assert_eq!(
            SlaTier::from_entitlement(entitlement.as_ref(), now),
            tier,
            "{name}"
        );
        let mut new = new_case(1);
        new.entitlement = entitlement;
        let case = create(new, now, &CaseRules::default());
        assert_eq!(case.sla_tier, tier, "{name}: case tier");
    }
}

#[test]
fn silver_high_created_friday_1630_on_ny_9_to_17_responds_monday_1230() {
    let hours = ny_nine_to_five();
    let created = ny("2024-01-05 16:30");
    let due = SlaPolicy::default()
        .due_dates(SlaTier::Silver, Priority::High, created, &hours)
        .unwrap();
    assert_eq!(due.response_due, ny("2024-01-08 12:30"));
    assert_eq!(
        due.resolution_due,
        ny("2024-01-08 16:30"),
        "30 min Friday + 7.5h Monday"
    );

    let rules = ny_rules(SlaPolicy::default());
    let case = create(
        with_tier(new_case(1), SlaTier::Silver).with_priority(Priority::High),
        created,
        &rules,
    );
    assert_eq!(case.response_due(), ny("2024-01-08 12:30"));
}

#[test]
fn twenty_four_seven_tiers_ignore_the_calendar() {
    let hours = ny_nine_to_five();
    let saturday = ny("2024-01-06 12:00");
    let due = SlaPolicy::default()
        .due_dates(SlaTier::Gold, Priority::Medium, saturday, &hours)
        .unwrap();
    assert_eq!(due.response_due, saturday + h(2));
    assert_eq!(due.resolution_due, saturday + h(8));
}

#[test]
fn resolution_8h_created_monday_0900_waiting_mon_1000_to_tue_1000_is_due_tue_1700() {
    let rules = ny_rules(SlaPolicy::default());
    let created = ny("2024-01-08 09:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    assert_eq!(case.resolution_due(), ny("2024-01-08 17:00"));
    run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        created,
        &rules,
    );
    run(&mut case, CaseCommand::StartWork, created, &rules);
    run(
        &mut case,
        CaseCommand::WaitOnCustomer,
        ny("2024-01-08 10:00"),
        &rules,
    );
    assert!(matches!(
        case.milestones.resolution.state,
        MilestoneState::Paused { .. }
    ));
    // Paused past the original due instant: no resolution warning or violation
    // (the first response, which never pauses, is violated at 13:00).
    let events = sweep(&mut case, ny("2024-01-08 18:00"), &rules);
    assert!(
        events.iter().all(|e| !matches!(
            e,
            CaseEvent::MilestoneWarning {
                kind: MilestoneKind::Resolution,
                ..
            } | CaseEvent::MilestoneViolated {
                kind: MilestoneKind::Resolution,
                ..
            }
        )),
        "{events:?}"
    );
    run(&mut case, customer_reply(1), ny("2024-01-09 10:00"), &rules);
    assert_eq!(case.status, CaseStatus::InProgress);
    assert_eq!(case.milestones.resolution.paused, h(8));
    assert_eq!(case.resolution_due(), ny("2024-01-09 17:00"));
    let cal = rules
        .sla()
        .calendar(case.sla_tier, case.priority, rules.hours());
    assert_eq!(
        case.milestones
            .resolution
            .elapsed(ny("2024-01-09 12:00"), &cal),
        h(3),
        "paused time is not counted"
    );
}

#[test]
fn first_response_never_pauses() {
    let rules = ny_rules(SlaPolicy::default());
    let created = ny("2024-01-08 09:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    run(
        &mut case,
        CaseCommand::WaitOnCustomer,
        ny("2024-01-08 09:30"),
        &rules,
    );
    assert!(case.milestones.first_response.is_active());
    let events = sweep(&mut case, ny("2024-01-08 14:00"), &rules);
    assert!(events.contains(&CaseEvent::MilestoneViolated {
        kind: MilestoneKind::FirstResponse,
        at: ny("2024-01-08 13:00")
    }));
}

fn count(events: &[CaseEvent], kind: MilestoneKind) -> (usize, usize) {
    let warnings = events
        .iter()
        .filter(|e| matches!(e, CaseEvent::MilestoneWarning { kind: k, .. } if *k == kind))
        .count();
    let violations = events
        .iter()
        .filter(|e| matches!(e, CaseEvent::MilestoneViolated { kind: k, .. } if *k == kind))
        .count();
    (warnings, violations)
}

#[test]
fn warning_and_violation_fire_once_across_repeated_evaluations() {
    let rules = ny_rules(SlaPolicy::default());
    let created = ny("2024-01-08 09:00");
    for (name, step) in [
        ("every 7 minutes", TimeDelta::minutes(7)),
        ("every 5 hours", h(5)),
        ("once, a week later", h(24 * 7)),
    ] {
        let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
        let mut all = Vec::new();
        let mut now = created;
        while now <= created + h(24 * 7) {
            all.extend(sweep(&mut case, now, &rules));
            // Evaluating twice at the same instant fires nothing.
            assert!(
                sla::evaluate(&case, now).is_empty(),
                "{name}: second evaluation at {now}"
            );
            now += step;
        }
        for kind in [MilestoneKind::FirstResponse, MilestoneKind::Resolution] {
            assert_eq!(count(&all, kind), (1, 1), "{name}: {kind}");
        }
        // Stamped at the threshold and due instants, whatever the sweep interval.
        assert!(
            all.contains(&CaseEvent::MilestoneWarning {
                kind: MilestoneKind::FirstResponse,
                at: ny("2024-01-08 12:00"),
                due: ny("2024-01-08 13:00"),
            }),
            "{name}: 75% of 4h"
        );
        assert!(
            all.contains(&CaseEvent::MilestoneViolated {
                kind: MilestoneKind::Resolution,
                at: ny("2024-01-08 17:00")
            }),
            "{name}"
        );
        assert!(
            all.contains(&CaseEvent::MilestoneWarning {
                kind: MilestoneKind::Resolution,
                at: ny("2024-01-08 15:24"),
                due: ny("2024-01-08 17:00"),
            }),
            "{name}: 80% of 8h"
        );
        assert!(case.is_sla_violated);
    }
}

#[test]
fn a_reply_exactly_at_the_due_instant_is_on_time() {
    let rules = CaseRules::default();
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Gold), t, &rules);
    let events = run(&mut case, agent_reply(1), t + h(2), &rules);
    assert!(events.contains(&CaseEvent::MilestoneCompleted {
        kind: MilestoneKind::FirstResponse,
        at: t + h(2),
        late: false
    }));
    assert_eq!(count(&events, MilestoneKind::FirstResponse).1, 0);
}

#[test]
fn a_late_resolve_emits_violation_then_completion() {
    let rules = CaseRules::default();
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Gold), t, &rules);
    run(&mut case, CaseCommand::Assign { agent: AGENT }, t, &rules);
    let events = run(&mut case, resolve(), t + h(10), &rules);
    let violated = events
        .iter()
        .position(|e| {
            *e == CaseEvent::MilestoneViolated {
                kind: MilestoneKind::Resolution,
                at: t + h(8),
            }
        })
        .expect("violation stamped at the due instant");
    let completed = events
        .iter()
        .position(|e| {
            *e == CaseEvent::MilestoneCompleted {
                kind: MilestoneKind::Resolution,
                at: t + h(10),
                late: true,
            }
        })
        .expect("late completion");
    assert!(violated < completed);
    assert!(case.is_sla_violated);
    assert!(case.milestones.resolution.breached);
    // Completed milestones never fire again.
    assert!(
        sla::evaluate(&case, t + h(100))
            .iter()
            .all(|e| !matches!(e, CaseEvent::MilestoneViolated { .. }))
    );
}

#[test]
fn a_late_first_response_emits_violation_then_completion() {
    let rules = CaseRules::default();
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Platinum), t, &rules);
    let events = run(&mut case, agent_reply(1), t + h(3), &rules);
    let kinds: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            CaseEvent::MilestoneViolated {
                kind: MilestoneKind::FirstResponse,
                ..
            } => Some("violated"),
            CaseEvent::MilestoneCompleted {
                kind: MilestoneKind::FirstResponse,
                late: true,
                ..
            } => Some("late"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["violated", "late"]);
}

#[test]
fn a_bot_reply_does_not_fulfil_first_response() {
    let rules = CaseRules::default();
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(new_case(1), t, &rules);
    let bot = NewComment::public(
        CommentId::from_u128(1),
        Author::Bot,
        "We received your request",
    );
    let events = run(
        &mut case,
        CaseCommand::Comment(bot),
        t + TimeDelta::minutes(1),
        &rules,
    );
    assert_eq!(events.len(), 1, "only the comment: {events:?}");
    assert!(case.milestones.first_response.is_active());
    assert!(case.first_response_at.is_none());
    let note = NewComment::internal(CommentId::from_u128(2), AGENT, "looking");
    run(
        &mut case,
        CaseCommand::Comment(note),
        t + TimeDelta::minutes(2),
        &rules,
    );
    assert!(
        case.milestones.first_response.is_active(),
        "internal notes do not count"
    );
    run(&mut case, agent_reply(3), t + TimeDelta::minutes(3), &rules);
    assert!(case.milestones.first_response.is_completed());
    assert_eq!(case.first_response_at, Some(t + TimeDelta::minutes(3)));
}

fn resolved_then_reopened(mode: ReopenMode) -> (Case, CaseRules) {
    let rules = ny_rules(SlaPolicy::default().with_reopen_mode(mode));
    let created = ny("2024-01-08 09:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        created,
        &rules,
    );
    run(&mut case, resolve(), ny("2024-01-08 12:00"), &rules);
    run(&mut case, customer_reply(1), ny("2024-01-09 12:00"), &rules);
    (case, rules)
}

#[test]
fn reopen_continue_counts_resolved_time_as_paused() {
    let (case, _) = resolved_then_reopened(ReopenMode::Continue);
    let m = &case.milestones.resolution;
    assert_eq!((m.cycle, m.state), (0, MilestoneState::Active));
    assert_eq!(m.started_at, ny("2024-01-08 09:00"));
    assert_eq!(m.paused, h(8), "Mon 12:00 -> Tue 12:00 is 8 business hours");
    // 3h used, 5h left from Tue 12:00: Tue 17:00.
    assert_eq!(m.due, ny("2024-01-09 17:00"));
}

#[test]
fn reopen_restart_starts_a_fresh_cycle() {
    let (case, _) = resolved_then_reopened(ReopenMode::Restart);
    let m = &case.milestones.resolution;
    assert_eq!((m.cycle, m.state), (1, MilestoneState::Active));
    assert_eq!(m.started_at, ny("2024-01-09 12:00"));
    assert_eq!(m.due, ny("2024-01-10 12:00"), "a full 8h from the reopen");
}

#[test]
fn a_priority_raise_moves_due_dates_earlier_from_the_original_start() {
    let policy = SlaPolicy::default()
        .with_priority_targets(
            SlaTier::Silver,
            Priority::Critical,
            Targets::new(Target::hours(1), Target::hours(4), Coverage::BusinessHours),
        )
        .unwrap();
    let rules = ny_rules(policy);
    let created = ny("2024-01-08 09:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    let (response, resolution) = (case.response_due(), case.resolution_due());
    assert_eq!(
        (response, resolution),
        (ny("2024-01-08 13:00"), ny("2024-01-08 17:00"))
    );
    let events = run(
        &mut case,
        CaseCommand::ChangePriority(Priority::Critical),
        ny("2024-01-08 09:30"),
        &rules,
    );
    assert!(events.iter().any(|e| matches!(
        e,
        CaseEvent::PriorityChanged {
            to: Priority::Critical,
            ..
        }
    )));
    assert_eq!(case.response_due(), ny("2024-01-08 10:00"));
    assert_eq!(case.resolution_due(), ny("2024-01-08 13:00"));
    assert!(case.response_due() < response && case.resolution_due() < resolution);
    // Raised after the new response deadline: the violation is stamped at it.
    let mut late = create(with_tier(new_case(2), SlaTier::Silver), created, &rules);
    let events = run(
        &mut late,
        CaseCommand::ChangePriority(Priority::Critical),
        ny("2024-01-08 11:00"),
        &rules,
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, CaseEvent::MilestoneViolated { .. }))
    );
    let swept = sweep(&mut late, ny("2024-01-08 11:00"), &rules);
    assert!(swept.contains(&CaseEvent::MilestoneViolated {
        kind: MilestoneKind::FirstResponse,
        at: ny("2024-01-08 10:00")
    }));
}

#[test]
fn breached_never_unbreaches() {
    let rules = CaseRules::default();
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Platinum), t, &rules);
    sweep(&mut case, t + h(2), &rules);
    assert!(case.milestones.first_response.breached);
    // Lowering the priority or replying does not clear it.
    run(
        &mut case,
        CaseCommand::ChangePriority(Priority::Low),
        t + h(3),
        &rules,
    );
    run(&mut case, agent_reply(1), t + h(4), &rules);
    assert!(case.milestones.first_response.breached && case.is_sla_violated);
    assert_eq!(
        case.milestones.first_response.state,
        MilestoneState::Completed {
            at: t + h(4),
            late: true
        }
    );
}

#[test]
fn next_response_starts_on_customer_reply_and_is_met_by_an_agent() {
    let policy = SlaPolicy::default()
        .with_targets(
            SlaTier::Gold,
            Targets::new(
                Target::hours(2),
                Target::hours(8),
                Coverage::TwentyFourSeven,
            )
            .with_next_response(Target::hours(1)),
        )
        .unwrap();
    let rules = CaseRules::new(policy, BusinessHours::always_open());
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Gold), t, &rules);
    run(
        &mut case,
        customer_reply(10),
        t + TimeDelta::minutes(5),
        &rules,
    );
    assert!(
        case.milestones.next_response.is_none(),
        "the first response is still owed"
    );
    run(
        &mut case,
        agent_reply(1),
        t + TimeDelta::minutes(10),
        &rules,
    );
    assert!(case.milestones.next_response.is_none());
    run(
        &mut case,
        customer_reply(2),
        t + TimeDelta::minutes(20),
        &rules,
    );
    let next = case.milestones.next_response.clone().unwrap();
    assert_eq!(next.due, t + TimeDelta::minutes(80));
    let bot = NewComment::public(CommentId::from_u128(3), Author::Bot, "auto-reply");
    run(
        &mut case,
        CaseCommand::Comment(bot),
        t + TimeDelta::minutes(25),
        &rules,
    );
    assert!(
        case.milestones.next_response.as_ref().unwrap().is_active(),
        "bots do not answer"
    );
    run(
        &mut case,
        agent_reply(4),
        t + TimeDelta::minutes(30),
        &rules,
    );
    assert!(
        case.milestones
            .next_response
            .as_ref()
            .unwrap()
            .is_completed()
    );
    // The next customer reply starts a new cycle.
    run(
        &mut case,
        customer_reply(5),
        t + TimeDelta::minutes(40),
        &rules,
    );
    assert_eq!(case.milestones.next_response.as_ref().unwrap().cycle, 1);
}

#[test]
fn policy_validation_rejects_nonsense() {
    let zero = Targets::new(
        Target::Minutes(0),
        Target::hours(1),
        Coverage::TwentyFourSeven,
    );
    let table: [(&str, Result<SlaPolicy, hotcrm_support::Error>); 6] = [
        (
            "zero target",
            SlaPolicy::default().with_targets(SlaTier::Gold, zero),
        ),
        (
            "zero business day",
            SlaPolicy::default().with_business_day(TimeDelta::zero()),
        ),
        (
            "fractional business day",
            SlaPolicy::default().with_business_day(TimeDelta::seconds(90)),
        ),
        (
            "warning 0%",
            SlaPolicy::default().with_warning_thresholds(0, 80),
        ),
        (
            "warning 100%",
            SlaPolicy::default().with_warning_thresholds(75, 100),
        ),
        (
            "resolved pauses",
            SlaPolicy::default().with_pause_statuses([CaseStatus::Resolved]),
        ),
    ];
    for (name, result) in table {
        assert!(
            matches!(result, Err(hotcrm_support::Error::Validation { .. })),
            "{name}"
        );
    }
}

#[test]
fn custom_pause_statuses_and_thresholds() {
    let policy = SlaPolicy::default()
        .with_pause_statuses([CaseStatus::WaitingOnCustomer, CaseStatus::Escalated])
        .unwrap()
        .with_warning_thresholds(50, 50)
        .unwrap();
    let rules = CaseRules::new(policy, BusinessHours::always_open());
    let t = utc("2026-01-05T09:00:00Z");
    let mut case = create(with_tier(new_case(1), SlaTier::Gold), t, &rules);
    assert_eq!(case.milestones.resolution.warn_at, t + h(4));
    run(&mut case, CaseCommand::Assign { agent: AGENT }, t, &rules);
    run(
        &mut case,
        CaseCommand::Escalate {
            to: case::EscalationTarget::SupportManager,
            level: 1,
            reason: "help".into(),
        },
        t + h(1),
        &rules,
    );
    assert!(matches!(
        case.milestones.resolution.state,
        MilestoneState::Paused { .. }
    ));
    run(&mut case, CaseCommand::StartWork, t + h(3), &rules);
    assert_eq!(case.resolution_due(), t + h(10));
}

#[test]
fn calendars_that_never_open_are_errors_not_hangs() {
    let closed = BusinessHours::builder(chrono_tz::UTC).build().unwrap();
    let start: DateTime<Utc> = utc("2026-01-05T09:00:00Z");
    assert!(
        SlaPolicy::default()
            .due_dates(SlaTier::Silver, Priority::High, start, &closed)
            .is_err()
    );
    let rules = CaseRules::new(SlaPolicy::default(), closed);
    assert!(case::create(new_case(1), start, &rules).is_err());
}

#[test]
fn resolving_while_waiting_on_customer_does_not_count_the_pause() {
    let rules = ny_rules(SlaPolicy::default());
    let created = ny("2024-01-08 09:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        created,
        &rules,
    );
    run(
        &mut case,
        CaseCommand::WaitOnCustomer,
        ny("2024-01-08 11:00"),
        &rules,
    );
    run(&mut case, resolve(), ny("2024-01-09 11:00"), &rules);
    let cal = rules
        .sla()
        .calendar(case.sla_tier, case.priority, rules.hours());
    let m = &case.milestones.resolution;
    assert_eq!(m.paused, h(8));
    assert_eq!(m.elapsed(ny("2024-01-10 11:00"), &cal), h(2));
    assert_eq!(case.resolution_time.unwrap().business, 120);
    // Continue after a reopen: 6h left from Wednesday 11:00 -> Wednesday 17:00.
    run(
        &mut case,
        CaseCommand::Reopen,
        ny("2024-01-10 11:00"),
        &rules,
    );
    assert_eq!(case.resolution_due(), ny("2024-01-10 17:00"));
}
