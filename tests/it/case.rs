//! The Case aggregate: creation, the command table, customer replies to
//! Resolved/Closed cases, CSAT, auto-close, derived values, serde.

use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::America::New_York;
use hotcrm_support::Error;
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{
    self, Author, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, EscalationTarget, NewCase,
    NewComment, Priority, Resolution, ResolutionCategory, Satisfaction, SurveyEndReason,
    Visibility,
};
use hotcrm_support::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, CommentId, ContractId,
};
use hotcrm_support::sla::{Entitlement, SlaPolicy, SlaTier};

/// Shared fixtures for the domain tests.
pub(crate) mod fx {
    use super::*;

    pub(crate) fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A New York wall time ("2024-01-08 09:00") as UTC.
    pub(crate) fn ny(s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        New_York
            .from_local_datetime(&naive)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    /// Mon–Fri 09:00–17:00 in New York.
    pub(crate) fn ny_nine_to_five() -> BusinessHours {
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        BusinessHours::builder(New_York)
            .weekdays(t(9), t(17))
            .build()
            .unwrap()
    }

    pub(crate) fn ny_rules(policy: SlaPolicy) -> CaseRules {
        CaseRules::new(policy, ny_nine_to_five())
    }

    pub(crate) const AGENT: AgentId = AgentId::from_u128(0xA6E);

    pub(crate) fn new_case(n: u32) -> NewCase {
        NewCase::new(
            CaseId::from_u128(u128::from(n)),
            CaseNumber::new(2026, n).unwrap(),
            AccountId::from_u128(42),
            "Unable to login",
            "Getting an error message when trying to login",
        )
    }

    pub(crate) fn with_tier(new: NewCase, tier: SlaTier) -> NewCase {
        new.with_entitlement(Entitlement::new(ContractId::from_u128(7), tier))
    }

    pub(crate) fn create(new: NewCase, at: DateTime<Utc>, rules: &CaseRules) -> Case {
        Case::create(new, at, rules).unwrap().0
    }

    pub(crate) fn agent_reply(id: u128) -> CaseCommand {
        CaseCommand::Comment(NewComment::public(
            CommentId::from_u128(id),
            Author::Agent(AGENT),
            "Here is what to do",
        ))
    }

    pub(crate) fn customer_reply(id: u128) -> CaseCommand {
        CaseCommand::Comment(NewComment::customer_reply(
            CommentId::from_u128(id),
            "It still fails",
        ))
    }

    pub(crate) fn resolve() -> CaseCommand {
        CaseCommand::Resolve(Resolution::new("Reset the password"))
    }

    /// Runs `command`, panicking with its name on error.
    pub(crate) fn run(
        case: &mut Case,
        command: CaseCommand,
        at: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Vec<CaseEvent> {
        let name = command.name();
        case.execute(command, at, rules)
            .unwrap_or_else(|e| panic!("{name} at {at} failed: {e}"))
    }

    /// Applies `case::sweep` at `now` and returns the events.
    pub(crate) fn sweep(case: &mut Case, now: DateTime<Utc>, rules: &CaseRules) -> Vec<CaseEvent> {
        let events = case::sweep(case, now, rules);
        for e in &events {
            case.apply(e);
        }
        events
    }
}

use fx::*;

fn t0() -> DateTime<Utc> {
    utc("2026-01-05T09:00:00Z")
}

fn min(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

#[test]
fn creation_sets_every_required_field_and_starts_the_sla() {
    let rules = CaseRules::default();
    let new = with_tier(new_case(1), SlaTier::Gold).with_priority(Priority::High);
    let (case, events) = Case::create(new, t0(), &rules).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(case.number.to_string(), "CASE-2026-0001");
    assert_eq!(case.status, CaseStatus::New);
    assert_eq!(case.sla_tier, SlaTier::Gold);
    assert_eq!(case.contract, Some(ContractId::from_u128(7)));
    assert_eq!(case.response_due(), t0() + TimeDelta::hours(2));
    assert_eq!(case.resolution_due(), t0() + TimeDelta::hours(8));
    assert!(!case.is_sla_violated && !case.is_escalated());
    assert_eq!(Case::replay(&events).unwrap(), case);
}

#[test]
fn creation_rejects_bad_input_by_name() {
    let rules = CaseRules::default();
    let long = "x".repeat(256);
    let cases: [(&str, NewCase, &str); 4] = [
        (
            "blank subject",
            NewCase {
                subject: "  ".into(),
                ..new_case(1)
            },
            "subject",
        ),
        (
            "long subject",
            NewCase {
                subject: long,
                ..new_case(1)
            },
            "subject",
        ),
        (
            "empty description",
            NewCase {
                description: String::new(),
                ..new_case(1)
            },
            "description",
        ),
        (
            "huge description",
            NewCase {
                description: "x".repeat(32_001),
                ..new_case(1)
            },
            "description",
        ),
    ];
    for (name, new, field) in cases {
        match case::create(new, t0(), &rules) {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field, "{name}"),
            other => panic!("{name}: expected a validation error, got {other:?}"),
        }
    }
}

#[test]
fn case_numbers_format_and_parse() {
    for (year, seq, text) in [
        (2026, 1, "CASE-2026-0001"),
        (2026, 12345, "CASE-2026-12345"),
    ] {
        let n = CaseNumber::new(year, seq).unwrap();
        assert_eq!(n.to_string(), text, "format {year}/{seq}");
        assert_eq!(text.parse::<CaseNumber>().unwrap(), n, "parse {text}");
    }
    assert!("CASE-2026-0000".parse::<CaseNumber>().is_err());
}

/// The command table: from a given status, what a command does.
#[test]
fn command_table() {
    enum Expect {
        Status(CaseStatus),
        InvalidTransition,
        NotAllowed,
        Validation,
    }
    use CaseStatus::*;
    use Expect::*;
    let rules = CaseRules::default();
    let escalate = |level| CaseCommand::Escalate {
        to: EscalationTarget::OwnerManager,
        level,
        reason: "customer is blocked".into(),
    };
    let table: Vec<(&str, CaseStatus, CaseCommand, Expect)> = vec![
        (
            "assign a new case opens it",
            New,
            CaseCommand::Assign { agent: AGENT },
            Status(Open),
        ),
        (
            "start work from open",
            Open,
            CaseCommand::StartWork,
            Status(InProgress),
        ),
        (
            "start work twice",
            InProgress,
            CaseCommand::StartWork,
            InvalidTransition,
        ),
        (
            "wait on customer",
            InProgress,
            CaseCommand::WaitOnCustomer,
            Status(WaitingOnCustomer),
        ),
        (
            "customer reply resumes work",
            WaitingOnCustomer,
            customer_reply(9),
            Status(InProgress),
        ),
        (
            "escalate from in progress",
            InProgress,
            escalate(1),
            Status(Escalated),
        ),
        ("escalate level 0", InProgress, escalate(0), Validation),
        ("escalate level 6", InProgress, escalate(6), Validation),
        (
            "escalate a resolved case",
            Resolved,
            escalate(1),
            NotAllowed,
        ),
        ("resolve from new", New, resolve(), Status(Resolved)),
        (
            "resolve without text",
            InProgress,
            CaseCommand::Resolve(Resolution::new(" ")),
            Validation,
        ),
        ("resolve twice", Resolved, resolve(), InvalidTransition),
        (
            "close an open case",
            InProgress,
            CaseCommand::Close,
            InvalidTransition,
        ),
        (
            "close a resolved case",
            Resolved,
            CaseCommand::Close,
            Status(Closed),
        ),
        ("close twice", Closed, CaseCommand::Close, InvalidTransition),
        (
            "reopen a resolved case",
            Resolved,
            CaseCommand::Reopen,
            Status(InProgress),
        ),
        (
            "reopen a closed case",
            Closed,
            CaseCommand::Reopen,
            NotAllowed,
        ),
        (
            "reopen an open case",
            InProgress,
            CaseCommand::Reopen,
            NotAllowed,
        ),
        (
            "agent comment on a closed case",
            Closed,
            agent_reply(9),
            NotAllowed,
        ),
        (
            "assign a closed case",
            Closed,
            CaseCommand::Assign {
                agent: AgentId::from_u128(5),
            },
            NotAllowed,
        ),
        (
            "priority of a closed case",
            Closed,
            CaseCommand::ChangePriority(Priority::Low),
            NotAllowed,
        ),
        (
            "rate without survey",
            InProgress,
            CaseCommand::RecordSatisfaction {
                level: Satisfaction::Satisfied,
                feedback: None,
            },
            NotAllowed,
        ),
        (
            "customer internal comment",
            InProgress,
            CaseCommand::Comment(NewComment {
                visibility: Visibility::Internal,
                ..NewComment::customer_reply(CommentId::from_u128(9), "psst")
            }),
            Validation,
        ),
        (
            "blank comment",
            InProgress,
            CaseCommand::Comment(NewComment::public(CommentId::from_u128(9), Author::Bot, "")),
            Validation,
        ),
    ];
    for (name, from, command, expect) in table {
        let mut case = case_in(from, &rules);
        let before = serde_json::to_vec(&case).unwrap();
        let at = case.updated_at + min(1);
        let result = case.execute(command, at, &rules);
        match (expect, result) {
            (Status(s), Ok(_)) => assert_eq!(case.status, s, "{name}"),
            (InvalidTransition, Err(Error::InvalidTransition { .. }))
            | (NotAllowed, Err(Error::NotAllowed { .. }))
            | (Validation, Err(Error::Validation { .. })) => {
                assert_eq!(
                    serde_json::to_vec(&case).unwrap(),
                    before,
                    "{name}: refused but changed"
                )
            }
            (_, other) => panic!("{name}: unexpected {other:?}"),
        }
    }
}

/// A case driven to `status` with an owner, one minute per step.
pub(crate) fn case_in(status: CaseStatus, rules: &CaseRules) -> Case {
    let mut case = create(new_case(1), t0(), rules);
    let mut at = t0();
    let mut step = |case: &mut Case, cmd| {
        at += min(1);
        run(case, cmd, at, rules);
    };
    match status {
        CaseStatus::New => {}
        CaseStatus::Open => step(&mut case, CaseCommand::Assign { agent: AGENT }),
        CaseStatus::InProgress | CaseStatus::WaitingOnCustomer | CaseStatus::Escalated => {
            step(&mut case, CaseCommand::Assign { agent: AGENT });
            step(&mut case, CaseCommand::StartWork);
            if status == CaseStatus::WaitingOnCustomer {
                step(&mut case, CaseCommand::WaitOnCustomer);
            }
            if status == CaseStatus::Escalated {
                step(
                    &mut case,
                    CaseCommand::Escalate {
                        to: EscalationTarget::SupportManager,
                        level: 1,
                        reason: "hot".into(),
                    },
                );
            }
        }
        CaseStatus::Resolved | CaseStatus::Closed => {
            step(&mut case, CaseCommand::Assign { agent: AGENT });
            step(&mut case, resolve());
            if status == CaseStatus::Closed {
                step(&mut case, CaseCommand::Close);
            }
        }
    }
    assert_eq!(case.status, status);
    case
}

#[test]
fn start_work_requires_an_owner() {
    let rules = CaseRules::default();
    let mut case = create(new_case(1), t0(), &rules);
    let err = case
        .execute(CaseCommand::StartWork, t0(), &rules)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAllowed {
                command: "start work",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn start_work_on_a_resolved_case_is_refused_not_a_silent_reopen() {
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::Resolved, &rules);
    let before = case.clone();
    let err = case
        .execute(CaseCommand::StartWork, t0() + TimeDelta::hours(1), &rules)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAllowed {
                command: "start work",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(case, before, "nothing changed: reopen is the way back");
}

#[test]
fn commands_cannot_go_back_in_time() {
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::Open, &rules);
    let err = case
        .execute(CaseCommand::StartWork, t0() - min(1), &rules)
        .unwrap_err();
    assert!(
        matches!(err, Error::Validation { field: "now", .. }),
        "{err}"
    );
}

#[test]
fn customer_reply_to_a_resolved_case_reopens_it() {
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::Resolved, &rules);
    let events = run(
        &mut case,
        customer_reply(9),
        t0() + TimeDelta::hours(1),
        &rules,
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, CaseEvent::Reopened { .. }))
    );
    assert_eq!(case.status, CaseStatus::InProgress);
    assert_eq!(case.reopen_count, 1);
    assert_eq!(case.resolved_at, None);
    assert_eq!(case.comments.len(), 1);
}

#[test]
fn customer_reply_to_a_closed_case_yields_a_linked_follow_up() {
    let rules = CaseRules::default();
    let mut original = case_in(CaseStatus::Closed, &rules);
    let before = original.clone();
    let at = t0() + TimeDelta::days(10);
    let events = run(&mut original, customer_reply(9), at, &rules);
    let reply = match events.as_slice() {
        [CaseEvent::FollowUpRequested { reply, .. }] => reply.clone(),
        other => panic!("expected a follow-up request, got {other:?}"),
    };
    assert_eq!(
        original.comments, before.comments,
        "closed case is not reopened"
    );
    assert_eq!(original.status, CaseStatus::Closed);

    let new = NewCase::follow_up(
        &original,
        CaseId::from_u128(2),
        CaseNumber::new(2026, 2).unwrap(),
        reply.body,
    );
    let follow_up = create(new, at, &rules);
    assert_eq!(follow_up.parent, Some(original.id));
    assert_eq!(follow_up.account, original.account);
    assert_eq!(follow_up.description, "It still fails");
    assert!(follow_up.subject.starts_with("Follow-up to CASE-2026-0001"));
}

#[test]
fn waiting_on_customer_without_owner_goes_back_to_open() {
    let rules = CaseRules::default();
    let mut case = create(new_case(1), t0(), &rules);
    run(&mut case, CaseCommand::WaitOnCustomer, t0(), &rules);
    run(&mut case, customer_reply(1), t0() + min(5), &rules);
    assert_eq!(case.status, CaseStatus::Open);
}

#[test]
fn resolve_records_resolution_details_and_times() {
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::InProgress, &rules);
    run(&mut case, agent_reply(1), t0() + min(30), &rules);
    let resolution = Resolution::new("Restarted authentication service")
        .with_root_cause("Auth service down")
        .with_category(ResolutionCategory::TechnicalSupport)
        .with_article(ArticleId::from_u128(15));
    run(
        &mut case,
        CaseCommand::Resolve(resolution),
        t0() + TimeDelta::hours(3),
        &rules,
    );
    assert_eq!(
        case.resolution.as_deref(),
        Some("Restarted authentication service")
    );
    assert_eq!(case.root_cause.as_deref(), Some("Auth service down"));
    assert_eq!(
        case.resolution_category,
        Some(ResolutionCategory::TechnicalSupport)
    );
    assert_eq!(case.linked_article, Some(ArticleId::from_u128(15)));
    assert_eq!(case.first_response_at, Some(t0() + min(30)));
    let response = case.response_time.unwrap();
    assert_eq!((response.calendar, response.business), (30, 30));
    let resolution = case.resolution_time.unwrap();
    assert_eq!((resolution.calendar, resolution.business), (180, 180));
}

#[test]
fn response_and_resolution_minutes_in_business_time() {
    // Silver on New York 9-17: created Friday 16:00, replied Monday 10:00.
    let rules = ny_rules(SlaPolicy::default());
    let created = ny("2024-01-05 16:00");
    let mut case = create(with_tier(new_case(1), SlaTier::Silver), created, &rules);
    run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        created,
        &rules,
    );
    run(&mut case, agent_reply(1), ny("2024-01-08 10:00"), &rules);
    let t = case.response_time.unwrap();
    assert_eq!(t.calendar, 66 * 60, "wall clock Fri 16:00 -> Mon 10:00");
    assert_eq!(t.business, 2 * 60, "business Fri 16-17 + Mon 9-10");
}

#[test]
fn csat_survey_lifecycle() {
    let rules = CaseRules::default();
    let rate = |level| CaseCommand::RecordSatisfaction {
        level,
        feedback: Some("Quick and clear".into()),
    };

    // Due at resolution, accepted while resolved, changeable, ends at close.
    let mut case = case_in(CaseStatus::Resolved, &rules);
    let resolved_at = case.resolved_at.unwrap();
    let survey = case.survey.unwrap();
    assert_eq!(survey.requested_at, resolved_at);
    assert_eq!(survey.expires_at, resolved_at + TimeDelta::days(28));
    run(
        &mut case,
        rate(Satisfaction::Satisfied),
        resolved_at + TimeDelta::hours(1),
        &rules,
    );
    run(
        &mut case,
        rate(Satisfaction::VerySatisfied),
        resolved_at + TimeDelta::hours(2),
        &rules,
    );
    assert_eq!(case.satisfaction_score(), Some(5));
    run(
        &mut case,
        CaseCommand::Close,
        resolved_at + TimeDelta::hours(3),
        &rules,
    );
    assert_eq!(
        case.survey.unwrap().ended.map(|e| e.1),
        Some(SurveyEndReason::Closed)
    );
    let err = case.execute(
        rate(Satisfaction::Dissatisfied),
        resolved_at + TimeDelta::hours(4),
        &rules,
    );
    assert!(
        matches!(err, Err(Error::NotAllowed { .. })),
        "closed: {err:?}"
    );

    // A reopen cancels the pending survey.
    let mut case = case_in(CaseStatus::Resolved, &rules);
    let at = case.updated_at + min(5);
    run(&mut case, CaseCommand::Reopen, at, &rules);
    assert_eq!(
        case.survey.unwrap().ended,
        Some((at, SurveyEndReason::Reopened))
    );
    assert!(
        case.execute(rate(Satisfaction::Neutral), at, &rules)
            .is_err()
    );

    // The window passes before auto-close when auto-close is slower.
    let slow_close = CaseRules::default()
        .with_auto_close_after(TimeDelta::days(60))
        .unwrap()
        .with_survey_window(TimeDelta::days(7))
        .unwrap();
    let mut case = case_in(CaseStatus::Resolved, &slow_close);
    let resolved_at = case.resolved_at.unwrap();
    let events = sweep(&mut case, resolved_at + TimeDelta::days(8), &slow_close);
    assert_eq!(
        events,
        vec![CaseEvent::SurveyEnded {
            at: resolved_at + TimeDelta::days(7),
            reason: SurveyEndReason::Expired
        }]
    );
    assert!(
        case.execute(
            rate(Satisfaction::Neutral),
            resolved_at + TimeDelta::days(8),
            &slow_close
        )
        .is_err()
    );
    assert_eq!(case.status, CaseStatus::Resolved);
}

#[test]
fn satisfaction_scores_one_to_five() {
    for (level, score) in [
        (Satisfaction::VerySatisfied, 5),
        (Satisfaction::Satisfied, 4),
        (Satisfaction::Neutral, 3),
        (Satisfaction::Dissatisfied, 2),
        (Satisfaction::VeryDissatisfied, 1),
    ] {
        assert_eq!(level.score(), score, "{level}");
    }
}

#[test]
fn resolved_cases_auto_close_after_the_configured_period() {
    for (name, rules, period) in [
        ("default 3 days", CaseRules::default(), TimeDelta::days(3)),
        (
            "configured 1 day",
            CaseRules::default()
                .with_auto_close_after(TimeDelta::days(1))
                .unwrap(),
            TimeDelta::days(1),
        ),
    ] {
        let mut case = case_in(CaseStatus::Resolved, &rules);
        let resolved_at = case.resolved_at.unwrap();
        assert!(
            sweep(&mut case, resolved_at + period - min(1), &rules).is_empty(),
            "{name}: too early"
        );
        let events = sweep(&mut case, resolved_at + period + TimeDelta::days(5), &rules);
        assert!(
            events.contains(&CaseEvent::Closed {
                at: resolved_at + period,
                by: hotcrm_support::case::Actor::System,
                auto: true
            }),
            "{name}"
        );
        assert_eq!(case.status, CaseStatus::Closed, "{name}");
        assert_eq!(case.closed_at, Some(resolved_at + period), "{name}");
        assert!(
            sweep(&mut case, resolved_at + period + TimeDelta::days(6), &rules).is_empty(),
            "{name}: twice"
        );
    }
}

#[test]
fn cases_and_events_round_trip_through_serde() {
    let rules = CaseRules::default();
    let (mut case, mut history) = Case::create(new_case(1), t0(), &rules).unwrap();
    history.extend(run(
        &mut case,
        CaseCommand::Assign { agent: AGENT },
        t0(),
        &rules,
    ));
    history.extend(run(
        &mut case,
        CaseCommand::WaitOnCustomer,
        t0() + min(10),
        &rules,
    ));
    history.extend(run(&mut case, customer_reply(1), t0() + min(20), &rules));
    history.extend(run(&mut case, resolve(), t0() + min(30), &rules));
    let json = serde_json::to_string(&case).unwrap();
    assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
    let json = serde_json::to_string(&history).unwrap();
    let back: Vec<CaseEvent> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, history);
    assert_eq!(Case::replay(&back).unwrap(), case);
}

#[test]
fn internal_agent_notes_do_not_change_status_or_sla() {
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::InProgress, &rules);
    let note = NewComment::internal(CommentId::from_u128(1), AGENT, "auth service is down");
    run(
        &mut case,
        CaseCommand::Comment(note),
        t0() + min(10),
        &rules,
    );
    assert_eq!(case.status, CaseStatus::InProgress);
    assert!(case.first_response_at.is_none());
    assert!(case.milestones.first_response.is_active());
}

#[test]
fn case_rules_round_trip_and_validate_through_serde() {
    let rules = ny_rules(SlaPolicy::default())
        .with_auto_close_after(TimeDelta::days(5))
        .unwrap();
    let json = serde_json::to_value(&rules).unwrap();
    assert_eq!(
        serde_json::from_value::<CaseRules>(json.clone()).unwrap(),
        rules
    );
    let mut bad = json;
    bad["survey_window"] = serde_json::json!([0, 0]);
    assert!(
        serde_json::from_value::<CaseRules>(bad).is_err(),
        "a zero survey window is refused"
    );
}

#[test]
fn a_late_customer_reply_finds_an_overdue_resolved_case_closed() {
    // No sweep ran since the resolution: the reply still sees the auto-close
    // that was due three days after it, and asks for a follow-up.
    let rules = CaseRules::default();
    let mut case = case_in(CaseStatus::Resolved, &rules);
    let resolved_at = case.resolved_at.unwrap();
    let events = run(
        &mut case,
        customer_reply(9),
        resolved_at + TimeDelta::days(5),
        &rules,
    );
    let names: Vec<&str> = events
        .iter()
        .map(|e| match e {
            CaseEvent::SurveyEnded { .. } => "survey ended",
            CaseEvent::StatusChanged { .. } => "status changed",
            CaseEvent::Closed { auto: true, .. } => "auto-closed",
            CaseEvent::FollowUpRequested { .. } => "follow-up requested",
            _ => "other",
        })
        .collect();
    assert_eq!(
        names,
        [
            "survey ended",
            "status changed",
            "auto-closed",
            "follow-up requested"
        ]
    );
    assert_eq!(case.closed_at, Some(resolved_at + TimeDelta::days(3)));
    // Reopening is refused and changes nothing.
    let mut resolved = case_in(CaseStatus::Resolved, &rules);
    let before = resolved.clone();
    let err = resolved
        .execute(
            CaseCommand::Reopen,
            resolved_at + TimeDelta::days(5),
            &rules,
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_eq!(resolved, before);
}
