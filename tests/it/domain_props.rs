//! The case state machine under random command sequences: after every step the
//! invariants hold.
//!
//! - every status change is allowed by `CaseStatus::can_transition_to`, starting
//!   from New (so the status is always reachable by allowed transitions);
//! - a breached milestone never reverts within its cycle, `is_sla_violated` never reverts;
//! - paused time is never counted: a paused milestone's elapsed time does not grow,
//!   and after a sweep no running, unbreached milestone has used more than its target;
//! - folding the emitted events over the initial state reproduces the state;
//! - a refused command leaves the state byte-for-byte unchanged;
//! - the SLA sweep and the escalation evaluation are idempotent.

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{
    self, Author, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, EscalationTarget,
    NewComment, Priority, Resolution, Satisfaction, Sentiment, Visibility,
};
use hotcrm_support::escalation::EscalationPolicy;
use hotcrm_support::ids::{AgentId, CommentId, ContactId};
use hotcrm_support::sla::{MilestoneState, ReopenMode, SlaPolicy, SlaTier, Target};
use proptest::prelude::*;

use crate::case::fx::*;

#[derive(Debug, Clone)]
enum Step {
    Command(CaseCommand),
    Sweep,
    Escalate,
}

fn priority() -> impl Strategy<Value = Priority> {
    prop::sample::select(Priority::ALL.to_vec())
}

fn command() -> impl Strategy<Value = CaseCommand> {
    let author = prop_oneof![
        (1u128..3).prop_map(|a| Author::Agent(AgentId::from_u128(a))),
        Just(Author::Customer(Some(ContactId::from_u128(9)))),
        Just(Author::Bot),
    ];
    let sentiment = prop::option::of(prop::sample::select(Sentiment::ALL.to_vec()));
    let comment = (
        any::<u128>(),
        author,
        any::<bool>(),
        sentiment,
        prop::bool::weighted(0.95),
    )
        .prop_map(|(id, author, public, sentiment, has_text)| {
            CaseCommand::Comment(NewComment {
                visibility: if public {
                    Visibility::Public
                } else {
                    Visibility::Internal
                },
                sentiment,
                ..NewComment::public(
                    CommentId::from_u128(id),
                    author,
                    if has_text { "hello" } else { " " },
                )
            })
        });
    prop_oneof![
        1 => (1u128..3).prop_map(|a| CaseCommand::Assign { agent: AgentId::from_u128(a) }),
        1 => Just(CaseCommand::StartWork),
        1 => Just(CaseCommand::WaitOnCustomer),
        4 => comment,
        1 => (0u8..7).prop_map(|level| CaseCommand::Escalate {
            to: EscalationTarget::OwnerManager,
            level,
            reason: "stuck".into(),
        }),
        1 => priority().prop_map(CaseCommand::ChangePriority),
        1 => prop::bool::weighted(0.9).prop_map(|ok| CaseCommand::Resolve(Resolution::new(if ok { "fixed" } else { "" }))),
        1 => Just(CaseCommand::Close),
        1 => Just(CaseCommand::Reopen),
        1 => prop::sample::select(Satisfaction::ALL.to_vec())
            .prop_map(|level| CaseCommand::RecordSatisfaction { level, feedback: None }),
    ]
}

fn step() -> impl Strategy<Value = (i64, Step)> {
    let gap = prop_oneof![3 => 0i64..180, 1 => 0i64..(5 * 24 * 60)];
    let step = prop_oneof![
        6 => command().prop_map(Step::Command),
        2 => Just(Step::Sweep),
        1 => Just(Step::Escalate),
    ];
    (gap, step)
}

#[derive(Debug, Clone)]
struct Setup {
    tier: SlaTier,
    priority: Priority,
    created_minute: i64,
    business_hours: bool,
    restart: bool,
    next_response: bool,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        prop::sample::select(SlaTier::ALL.to_vec()),
        priority(),
        0i64..(366 * 24 * 60),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(tier, priority, created_minute, business_hours, restart, next_response)| Setup {
                tier,
                priority,
                created_minute,
                business_hours,
                restart,
                next_response,
            },
        )
}

fn rules_for(s: &Setup) -> CaseRules {
    let mut policy = SlaPolicy::default().with_reopen_mode(if s.restart {
        ReopenMode::Restart
    } else {
        ReopenMode::Continue
    });
    if s.next_response {
        for tier in SlaTier::ALL {
            let targets = policy
                .targets(*tier, Priority::Medium)
                .with_next_response(Target::hours(2));
            policy = policy.with_targets(*tier, targets).unwrap();
        }
    }
    let hours = if s.business_hours {
        ny_nine_to_five()
    } else {
        BusinessHours::always_open()
    };
    CaseRules::new(policy, hours)
}

/// Checks the status changes in `events` against the statuses they leave.
fn check_transitions(before: &Case, events: &[CaseEvent]) -> Result<(), TestCaseError> {
    let mut state = before.clone();
    for e in events {
        if let CaseEvent::StatusChanged { from, to, .. } = e {
            prop_assert_eq!(
                *from,
                state.status,
                "status change from a status the case is not in"
            );
            prop_assert!(
                from.can_transition_to(*to),
                "forbidden transition {} -> {}",
                from,
                to
            );
        }
        state.apply(e);
    }
    Ok(())
}

fn check_monotone(
    before: &Case,
    after: &Case,
    then: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<(), TestCaseError> {
    prop_assert!(
        !before.is_sla_violated || after.is_sla_violated,
        "is_sla_violated reverted"
    );
    let cal = rules
        .sla()
        .calendar(after.sla_tier, after.priority, rules.hours());
    for old in before.milestones.iter() {
        let Some(new) = after.milestone(old.kind) else {
            prop_assert!(false, "{} milestone disappeared", old.kind);
            continue;
        };
        if new.cycle == old.cycle {
            prop_assert!(!old.breached || new.breached, "{} un-breached", old.kind);
            prop_assert!(!old.warned || new.warned, "{} un-warned", old.kind);
            // A clock that was stopped and did not run again has not moved:
            // paused -> still paused or completed, completed -> completed.
            let stopped = match (old.state, new.state) {
                (MilestoneState::Paused { since: a }, MilestoneState::Paused { since: b }) => {
                    a == b
                }
                (MilestoneState::Paused { .. }, MilestoneState::Completed { .. })
                | (MilestoneState::Completed { .. }, MilestoneState::Completed { .. }) => true,
                _ => false,
            };
            let (was, is) = (old.elapsed(then, &cal), new.elapsed(now, &cal));
            if stopped {
                prop_assert_eq!(was, is, "{} counted stopped time", old.kind);
            }
            prop_assert!(
                is - was <= cal.between(then, now),
                "{} ran faster than business time",
                old.kind
            );
        }
        prop_assert!(
            new.elapsed(now, &cal) >= TimeDelta::zero(),
            "{} negative elapsed",
            new.kind
        );
    }
    Ok(())
}

fn check_swept(case: &Case, now: DateTime<Utc>, rules: &CaseRules) -> Result<(), TestCaseError> {
    let cal = rules
        .sla()
        .calendar(case.sla_tier, case.priority, rules.hours());
    for m in case
        .milestones
        .iter()
        .filter(|m| m.is_active() && !m.breached)
    {
        prop_assert!(
            now <= m.due,
            "{} running past its due instant after a sweep",
            m.kind
        );
        prop_assert!(
            m.elapsed(now, &cal) <= m.target,
            "{} used more than its target",
            m.kind
        );
    }
    prop_assert!(
        case::sweep(case, now, rules).is_empty(),
        "sweep is not idempotent"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(setup in setup(), steps in prop::collection::vec(step(), 1..40)) {
        let rules = rules_for(&setup);
        let escalation = EscalationPolicy::default();
        let mut now = utc("2024-01-01T00:00:00Z") + TimeDelta::minutes(setup.created_minute);
        let new = with_tier(new_case(1), setup.tier).with_priority(setup.priority);
        let (mut case, mut history) = Case::create(new, now, &rules).unwrap();

        for (gap, step) in steps {
            let then = now;
            now += TimeDelta::minutes(gap);
            let before = case.clone();
            let before_bytes = serde_json::to_vec(&case).unwrap();
            let result = match &step {
                Step::Command(c) => case.execute(c.clone(), now, &rules),
                Step::Sweep => {
                    let events = case::sweep(&case, now, &rules);
                    for e in &events { case.apply(e); }
                    Ok(events)
                }
                Step::Escalate => escalation.evaluate(&case, now, &rules).inspect(|events| {
                    for e in events { case.apply(e); }
                }),
            };
            match result {
                Err(_) => prop_assert_eq!(serde_json::to_vec(&case).unwrap(), before_bytes, "refused {:?} changed the case", step),
                Ok(events) => {
                    check_transitions(&before, &events)?;
                    history.extend(events);
                }
            }
            check_monotone(&before, &case, then, now, &rules)?;
            if matches!(step, Step::Sweep) {
                check_swept(&case, now, &rules)?;
            }
            if matches!(step, Step::Escalate) {
                prop_assert!(escalation.evaluate(&case, now, &rules).unwrap().is_empty(), "escalation is not idempotent");
            }
            prop_assert_eq!(&Case::replay(&history).unwrap(), &case, "replaying the history diverged");
        }
        let json = serde_json::to_string(&case).unwrap();
        prop_assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
        prop_assert!(history.iter().skip(1).all(|e| !matches!(e, CaseEvent::Created { .. })), "one Created event");
        prop_assert!(CaseStatus::ALL.contains(&Case::replay(&history).unwrap().status));
    }
}
