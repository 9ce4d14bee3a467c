//! Escalation rules: the defaults of the original system, each trigger kind,
//! idempotent evaluation, validation.

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::case::{
    Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, EscalationTarget, NewComment, Priority,
    Sentiment,
};
use hotcrm_support::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
use hotcrm_support::ids::CommentId;
use hotcrm_support::sla::{MilestoneKind, SlaPolicy, SlaTier};

use crate::case::fx::*;

fn t0() -> DateTime<Utc> {
    utc("2026-01-05T09:00:00Z")
}

/// Evaluates and applies; returns the events.
fn escalate(
    policy: &EscalationPolicy,
    case: &mut Case,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Vec<CaseEvent> {
    let events = policy.evaluate(case, now, rules).unwrap();
    for e in &events {
        case.apply(e);
    }
    events
}

fn escalations(events: &[CaseEvent]) -> Vec<(u8, EscalationTarget)> {
    events
        .iter()
        .filter_map(|e| match e {
            CaseEvent::Escalated { level, to, .. } => Some((*level, *to)),
            _ => None,
        })
        .collect()
}

#[test]
fn critical_escalates_immediately_and_once() {
    let rules = CaseRules::default();
    let policy = EscalationPolicy::default();
    let mut case = create(new_case(1).with_priority(Priority::Critical), t0(), &rules);
    let events = escalate(&policy, &mut case, t0(), &rules);
    assert_eq!(
        escalations(&events),
        [(1, EscalationTarget::SupportManager)]
    );
    assert!(events.iter().any(|e| matches!(e, CaseEvent::NotificationRequested { message, .. } if message == "Critical case escalated: CASE-2026-0001")));
    assert_eq!(case.status, CaseStatus::Escalated);
    assert_eq!(
        case.escalation.as_ref().unwrap().reason,
        "Critical priority - automatic escalation"
    );
    for later in [
        t0(),
        t0() + TimeDelta::minutes(5),
        t0() + TimeDelta::hours(1),
    ] {
        assert!(
            escalate(&policy, &mut case, later, &rules).is_empty(),
            "again at {later}"
        );
    }
}

#[test]
fn an_sla_violation_escalates_to_the_owners_manager() {
    let rules = CaseRules::default();
    let policy = EscalationPolicy::default();
    let mut case = create(with_tier(new_case(1), SlaTier::Gold), t0(), &rules);
    run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        t0(),
        &rules,
    );
    // Warning only: nothing.
    sweep(&mut case, t0() + TimeDelta::minutes(100), &rules);
    assert!(case.milestones.first_response.warned);
    assert!(escalate(&policy, &mut case, t0() + TimeDelta::minutes(100), &rules).is_empty());
    // Violation: level 2 to the owner's manager, once, however often we sweep.
    let mut all = Vec::new();
    for minutes in (121..400).step_by(30) {
        let now = t0() + TimeDelta::minutes(minutes);
        sweep(&mut case, now, &rules);
        all.extend(escalate(&policy, &mut case, now, &rules));
    }
    assert_eq!(escalations(&all), [(2, EscalationTarget::OwnerManager)]);
    assert_eq!(
        case.escalation.as_ref().unwrap().reason,
        "SLA violation - auto-escalated to manager"
    );
    assert!(case.fired_rules.contains("sla-violation"));
}

#[test]
fn an_angry_customer_raises_priority_and_escalates_to_the_success_manager() {
    let rules = CaseRules::default();
    let policy = EscalationPolicy::default();
    let mut case = create(new_case(1).with_priority(Priority::Low), t0(), &rules);
    let due_before = case.response_due();
    let angry =
        NewComment::customer_reply(CommentId::from_u128(1), "This is extremely frustrating!")
            .with_sentiment(Sentiment::Angry);
    run(
        &mut case,
        CaseCommand::Comment(angry),
        t0() + TimeDelta::minutes(5),
        &rules,
    );
    let events = escalate(&policy, &mut case, t0() + TimeDelta::minutes(5), &rules);
    assert_eq!(case.priority, Priority::High);
    assert_eq!(
        escalations(&events),
        [(1, EscalationTarget::SuccessManager)]
    );
    assert!(events.iter().any(|e| matches!(e,
        CaseEvent::NotificationRequested { to: EscalationTarget::SuccessManager, message, .. }
            if message == "Angry customer detected: CASE-2026-0001")));
    assert!(case.response_due() <= due_before);
    assert!(escalate(&policy, &mut case, t0() + TimeDelta::minutes(6), &rules).is_empty());
}

#[test]
fn raise_priority_never_lowers() {
    let rules = CaseRules::default();
    let policy = EscalationPolicy::default();
    let mut case = create(new_case(1).with_priority(Priority::Critical), t0(), &rules);
    let mut ai = case.ai.clone();
    ai.sentiment = Some(Sentiment::Angry);
    run(&mut case, CaseCommand::UpdateAiInsights(ai), t0(), &rules);
    let events = escalate(&policy, &mut case, t0(), &rules);
    assert_eq!(case.priority, Priority::Critical);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, CaseEvent::PriorityChanged { .. }))
    );
    // The angry rule's level-1 escalation is skipped: already at level 1.
    assert_eq!(
        escalations(&events),
        [(1, EscalationTarget::SupportManager)]
    );
    assert!(case.fired_rules.contains("angry-customer"));
}

fn single(name: &str, trigger: Trigger) -> EscalationPolicy {
    EscalationPolicy::new(vec![
        EscalationRule::new(
            name,
            trigger,
            vec![Action::Escalate {
                to: EscalationTarget::SupportManager,
                level: 3,
                reason: name.to_string(),
            }],
        )
        .unwrap(),
    ])
    .unwrap()
}

/// One row of the trigger table: name, trigger, optional command run at
/// creation, sweep instant, whether the rule fires.
type TriggerRow = (
    &'static str,
    Trigger,
    Option<CaseCommand>,
    DateTime<Utc>,
    bool,
);

/// Each trigger kind: does it fire on the case at that instant?
#[test]
fn trigger_table() {
    let rules = ny_rules(SlaPolicy::default());
    let monday = ny("2024-01-08 09:00");
    let negative = NewComment::customer_reply(CommentId::from_u128(1), "meh")
        .with_sentiment(Sentiment::Negative);
    let table: Vec<TriggerRow> = vec![
        (
            "priority at least medium on medium",
            Trigger::PriorityAtLeast(Priority::Medium),
            None,
            monday,
            true,
        ),
        (
            "priority at least high on medium",
            Trigger::PriorityAtLeast(Priority::High),
            None,
            monday,
            false,
        ),
        (
            "age 16 business hours",
            Trigger::AgeAtLeast(TimeDelta::hours(16)),
            None,
            ny("2024-01-09 17:00"),
            true,
        ),
        (
            "age 16 business hours too early",
            Trigger::AgeAtLeast(TimeDelta::hours(16)),
            None,
            ny("2024-01-09 16:59"),
            false,
        ),
        (
            "no activity 4 business hours",
            Trigger::NoActivityFor(TimeDelta::hours(4)),
            None,
            ny("2024-01-08 13:00"),
            true,
        ),
        (
            "no activity only 3h",
            Trigger::NoActivityFor(TimeDelta::hours(4)),
            None,
            ny("2024-01-08 12:00"),
            false,
        ),
        (
            "negative matches negative",
            Trigger::Sentiment(Sentiment::Negative),
            Some(CaseCommand::Comment(negative.clone())),
            monday,
            true,
        ),
        (
            "angry does not match negative",
            Trigger::Sentiment(Sentiment::Angry),
            Some(CaseCommand::Comment(negative)),
            monday,
            false,
        ),
        (
            "manual never fires by itself",
            Trigger::Manual,
            None,
            ny("2024-02-01 09:00"),
            false,
        ),
        (
            "resolution warning",
            Trigger::MilestoneWarning(Some(MilestoneKind::Resolution)),
            None,
            ny("2024-01-12 09:00"),
            true,
        ),
        (
            "first response violation",
            Trigger::MilestoneViolated(Some(MilestoneKind::FirstResponse)),
            None,
            ny("2024-01-08 16:59"),
            false,
        ),
    ];
    for (name, trigger, command, now, fires) in table {
        let mut case = create(new_case(1), monday, &rules);
        if let Some(c) = command {
            run(&mut case, c, monday, &rules);
        }
        sweep(&mut case, now, &rules);
        let events = escalate(&single(name, trigger), &mut case, now, &rules);
        assert_eq!(!events.is_empty(), fires, "{name}: {events:?}");
        if fires {
            assert_eq!(case.escalation_level(), 3, "{name}");
        }
    }
}

#[test]
fn resolved_and_closed_cases_never_escalate() {
    let rules = CaseRules::default();
    let policy = single("everything", Trigger::PriorityAtLeast(Priority::Low));
    for status in [CaseStatus::Resolved, CaseStatus::Closed] {
        let mut case = crate::case::case_in(status, &rules);
        let now = case.updated_at;
        assert!(
            escalate(&policy, &mut case, now, &rules).is_empty(),
            "{status}"
        );
    }
}

#[test]
fn manual_rules_fire_by_hand_once() {
    let rules = CaseRules::default();
    let policy = single("tier-2", Trigger::Manual);
    let mut case = create(new_case(1), t0(), &rules);
    let events = policy.fire_manual("tier-2", &case, t0(), &rules).unwrap();
    for e in &events {
        case.apply(e);
    }
    assert_eq!(case.escalation_level(), 3);
    assert!(matches!(
        policy.fire_manual("tier-2", &case, t0(), &rules),
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        policy.fire_manual("nope", &case, t0(), &rules),
        Err(Error::NotFound { .. })
    ));
    let auto = single("auto", Trigger::PriorityAtLeast(Priority::Low));
    assert!(matches!(
        auto.fire_manual("auto", &case, t0(), &rules),
        Err(Error::NotAllowed { .. })
    ));
}

#[test]
fn escalation_levels_never_go_down() {
    let rules = CaseRules::default();
    let mut case = create(new_case(1), t0(), &rules);
    let esc = |level| CaseCommand::Escalate {
        to: EscalationTarget::OwnerManager,
        level,
        reason: "r".into(),
    };
    run(&mut case, esc(3), t0(), &rules);
    assert!(matches!(
        case.execute(esc(2), t0(), &rules),
        Err(Error::NotAllowed { .. })
    ));
    run(&mut case, esc(4), t0(), &rules);
    assert_eq!(case.escalation_level(), 4);
}

#[test]
fn policy_validation_table() {
    let ok = || vec![Action::RaisePriority(Priority::High)];
    let rule = |name: &str, trigger, actions| EscalationRule {
        name: name.into(),
        trigger,
        actions,
    };
    let table: Vec<(&str, Vec<EscalationRule>)> = vec![
        ("blank name", vec![rule(" ", Trigger::Manual, ok())]),
        ("no actions", vec![rule("a", Trigger::Manual, vec![])]),
        (
            "level 0",
            vec![rule(
                "a",
                Trigger::Manual,
                vec![Action::Escalate {
                    to: EscalationTarget::OwnerManager,
                    level: 0,
                    reason: "r".into(),
                }],
            )],
        ),
        (
            "level 6",
            vec![rule(
                "a",
                Trigger::Manual,
                vec![Action::Escalate {
                    to: EscalationTarget::OwnerManager,
                    level: 6,
                    reason: "r".into(),
                }],
            )],
        ),
        (
            "blank reason",
            vec![rule(
                "a",
                Trigger::Manual,
                vec![Action::Escalate {
                    to: EscalationTarget::OwnerManager,
                    level: 1,
                    reason: "".into(),
                }],
            )],
        ),
        (
            "blank message",
            vec![rule(
                "a",
                Trigger::Manual,
                vec![Action::Notify {
                    to: EscalationTarget::OwnerManager,
                    message: " ".into(),
                }],
            )],
        ),
        (
            "zero age",
            vec![rule("a", Trigger::AgeAtLeast(TimeDelta::zero()), ok())],
        ),
        (
            "positive sentiment",
            vec![rule("a", Trigger::Sentiment(Sentiment::Positive), ok())],
        ),
        (
            "duplicate names",
            vec![
                rule("a", Trigger::Manual, ok()),
                rule("a", Trigger::Manual, ok()),
            ],
        ),
    ];
    for (name, rules) in table {
        assert!(EscalationPolicy::new(rules).is_err(), "{name}");
    }
    assert_eq!(
        EscalationPolicy::new(EscalationPolicy::default().rules().to_vec()).unwrap(),
        EscalationPolicy::default()
    );
}

#[test]
fn policies_round_trip_through_serde() {
    let policy = EscalationPolicy::new(vec![
        EscalationRule::new(
            "stale",
            Trigger::NoActivityFor(TimeDelta::hours(4)),
            vec![Action::Notify {
                to: EscalationTarget::OwnerManager,
                message: "{case} is stale".into(),
            }],
        )
        .unwrap(),
    ])
    .unwrap();
    let json = serde_json::to_string(&policy).unwrap();
    assert_eq!(
        serde_json::from_str::<EscalationPolicy>(&json).unwrap(),
        policy
    );
    let invalid = r#"[{"name":"","trigger":{"trigger":"Manual"},"actions":[]}]"#;
    assert!(
        serde_json::from_str::<EscalationPolicy>(invalid).is_err(),
        "deserialization validates"
    );
    let json = serde_json::to_string(&EscalationPolicy::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<EscalationPolicy>(&json).unwrap(),
        EscalationPolicy::default()
    );
}
