//! Stored records: serde round trips and validation on load.
//!
//! - For random valid values (cases built by random command sequences, random
//!   policies, calendars, accounts...), `save -> load -> save` is byte-identical
//!   and `load(save(x)) == x`.
//! - Each invalid document of a table fails to load, and the error names the field.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use hotcrm_support::calendar::{BusinessHours, Holiday, HolidayCalendar, Recurrence};
use hotcrm_support::case::{
    AiCategory, AiInsights, Author, Case, CaseCommand, CaseEvent, CaseQuery, CaseRules, CaseStatus,
    Comment, EscalationTarget, NewCase, NewComment, Priority, Resolution, ResolutionCategory,
    Satisfaction, Sentiment, Visibility,
};
use hotcrm_support::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
use hotcrm_support::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, CommentId, ContactId, ContractId,
    KnowledgeNumber, QueueId,
};
use hotcrm_support::period::Period;
use hotcrm_support::repo::{Account, Contact, SavedSearch};
use hotcrm_support::sla::{
    Coverage, Entitlement, MilestoneKind, Milestones, ReopenMode, SlaPolicy, SlaTier, Target,
    Targets,
};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::case::fx::{new_case, ny_nine_to_five, utc, with_tier};

/// `save -> load -> save` is byte-identical and `load(save(x)) == x`.
fn round_trips<T>(what: &str, x: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let saved =
        serde_json::to_string(x).map_err(|e| TestCaseError::fail(format!("{what}: save: {e}")))?;
    let loaded: T = serde_json::from_str(&saved)
        .map_err(|e| TestCaseError::fail(format!("{what}: load: {e}\n{saved}")))?;
    prop_assert_eq!(&loaded, x, "{}: load(save(x)) != x", what);
    let again = serde_json::to_string(&loaded)
        .map_err(|e| TestCaseError::fail(format!("{what}: save again: {e}")))?;
    prop_assert_eq!(
        again,
        saved,
        "{}: save -> load -> save changed the bytes",
        what
    );
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

// ---------------------------------------------------------------- generators

/// Non-blank text with characters JSON must escape and some beyond ASCII.
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9 éß✓\"\\\\/\n\t😀]{0,24}"
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 1900..2200 with nanoseconds.
    (-2_208_988_800i64..7_258_118_400, 0u32..1_000_000_000)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    // chrono's whole range, at the extremes too.
    prop_oneof![
        3 => instant(),
        1 => (
            DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp(),
            0u32..1_000_000_000,
        )
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or(DateTime::<Utc>::MAX_UTC)),
        1 => prop::sample::select(vec![DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC]),
    ]
}

fn priority() -> impl Strategy<Value = Priority> {
    prop::sample::select(Priority::ALL.to_vec())
}

fn tier() -> impl Strategy<Value = SlaTier> {
    prop::sample::select(SlaTier::ALL.to_vec())
}

fn sentiment() -> impl Strategy<Value = Sentiment> {
    prop::sample::select(Sentiment::ALL.to_vec())
}

fn target_party() -> impl Strategy<Value = EscalationTarget> {
    prop_oneof![
        (1u128..4).prop_map(|a| EscalationTarget::Agent(AgentId::from_u128(a))),
        (1u128..4).prop_map(|q| EscalationTarget::Queue(QueueId::from_u128(q))),
        Just(EscalationTarget::OwnerManager),
        Just(EscalationTarget::SuccessManager),
        Just(EscalationTarget::SupportManager),
    ]
}

fn command() -> impl Strategy<Value = CaseCommand> {
    let author = prop_oneof![
        (1u128..3).prop_map(|a| Author::Agent(AgentId::from_u128(a))),
        prop::option::of((1u128..3).prop_map(ContactId::from_u128)).prop_map(Author::Customer),
        Just(Author::Bot),
    ];
    let comment = (
        any::<u128>(),
        author,
        any::<bool>(),
        prop::option::of(sentiment()),
        text(),
    )
        .prop_map(|(id, author, public, sentiment, body)| {
            let mut c = NewComment::public(CommentId::from_u128(id), author, body);
            if !public && !author.is_customer() {
                c.visibility = Visibility::Internal;
            }
            c.sentiment = sentiment;
            CaseCommand::Comment(c)
        });
    let resolution = (
        text(),
        prop::option::of(text()),
        prop::option::of(prop::sample::select(ResolutionCategory::ALL.to_vec())),
        prop::option::of((1u128..9).prop_map(ArticleId::from_u128)),
    )
        .prop_map(|(t, root, category, article)| {
            let mut r = Resolution::new(t);
            r.root_cause = root;
            r.category = category;
            r.article = article;
            CaseCommand::Resolve(r)
        });
    let insights = (
        prop::option::of(prop::sample::select(AiCategory::ALL.to_vec())),
        prop::option::of((1u128..3).prop_map(AgentId::from_u128)),
        prop::collection::vec((1u128..99).prop_map(ArticleId::from_u128), 0..4),
        prop::option::of(text()),
        prop::option::of(sentiment()),
    )
        .prop_map(
            |(category, suggested_assignee, related_articles, suggested_solution, sentiment)| {
                CaseCommand::UpdateAiInsights(AiInsights {
                    category,
                    suggested_assignee,
                    related_articles,
                    suggested_solution,
                    sentiment,
                })
            },
        );
    prop_oneof![
        2 => (1u128..3).prop_map(|a| CaseCommand::Assign { agent: AgentId::from_u128(a) }),
        1 => (1u128..3).prop_map(|q| CaseCommand::MoveToQueue { queue: QueueId::from_u128(q) }),
        2 => Just(CaseCommand::StartWork),
        1 => Just(CaseCommand::WaitOnCustomer),
        5 => comment,
        1 => (target_party(), 1u8..=5, text())
            .prop_map(|(to, level, reason)| CaseCommand::Escalate { to, level, reason }),
        1 => priority().prop_map(CaseCommand::ChangePriority),
        2 => resolution,
        1 => Just(CaseCommand::Close),
        1 => Just(CaseCommand::Reopen),
        2 => (prop::sample::select(Satisfaction::ALL.to_vec()), prop::option::of(text()))
            .prop_map(|(level, feedback)| CaseCommand::RecordSatisfaction { level, feedback }),
        1 => insights,
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Command(CaseCommand),
    Sweep,
    Escalate,
}

fn steps() -> impl Strategy<Value = Vec<(i64, Step)>> {
    // Gaps in nanoseconds: mostly minutes to hours, sometimes days.
    let gap = prop_oneof![
        3 => 0i64..10_800_000_000_000,
        1 => 0i64..432_000_000_000_000,
    ];
    let step = prop_oneof![
        8 => command().prop_map(Step::Command),
        2 => Just(Step::Sweep),
        1 => Just(Step::Escalate),
    ];
    prop::collection::vec((gap, step), 0..40)
}

fn rules() -> impl Strategy<Value = CaseRules> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(business_hours, restart, next)| {
        let mut policy = SlaPolicy::default().with_reopen_mode(if restart {
            ReopenMode::Restart
        } else {
            ReopenMode::Continue
        });
        if next {
            for tier in SlaTier::ALL {
                let targets = policy
                    .targets(*tier, Priority::Medium)
                    .with_next_response(Target::hours(2));
                policy = policy.with_targets(*tier, targets).unwrap();
            }
        }
        let hours = if business_hours {
            ny_nine_to_five()
        } else {
            BusinessHours::always_open()
        };
        CaseRules::new(policy, hours)
    })
}

/// A case built by running random commands, with its whole history.
fn case_and_history() -> impl Strategy<Value = (Case, Vec<CaseEvent>)> {
    (rules(), tier(), priority(), instant(), steps()).prop_map(
        |(rules, tier, priority, created, steps)| {
            let escalation = EscalationPolicy::default();
            let mut now = created;
            let new = with_tier(new_case(1), tier).with_priority(priority);
            let (mut case, mut history) = Case::create(new, now, &rules).unwrap();
            for (gap, step) in steps {
                now += TimeDelta::nanoseconds(gap);
                let result = match step {
                    Step::Command(c) => case.execute(c, now, &rules),
                    Step::Sweep => {
                        let events = hotcrm_support::case::sweep(&case, now, &rules);
                        for e in &events {
                            case.apply(e);
                        }
                        Ok(events)
                    }
                    Step::Escalate => escalation.evaluate(&case, now, &rules).inspect(|events| {
                        for e in events {
                            case.apply(e);
                        }
                    }),
                };
                if let Ok(events) = result {
                    history.extend(events);
                }
            }
            (case, history)
        },
    )
}

fn time_of_day() -> impl Strategy<Value = NaiveTime> {
    (
        0u32..24,
        0u32..60,
        0u32..60,
        prop_oneof![3 => Just(0u32), 1 => 0u32..1_000_000_000],
    )
        .prop_map(|(h, m, s, n)| NaiveTime::from_hms_nano_opt(h, m, s, n).unwrap())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2200, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn recurrence() -> impl Strategy<Value = Recurrence> {
    prop_oneof![
        date().prop_map(Recurrence::OneTime),
        (1u32..=12, 1u32..=31).prop_filter_map("day exists", |(month, day)| {
            NaiveDate::from_ymd_opt(2000, month, day).map(|_| Recurrence::Annual { month, day })
        }),
        (
            1u32..=12,
            0usize..7,
            prop::sample::select(vec![1i8, 2, 3, 4, 5, -1])
        )
            .prop_map(|(month, w, nth)| Recurrence::Floating {
                month,
                weekday: WEEKDAYS[w],
                nth,
            }),
    ]
}

fn holiday() -> impl Strategy<Value = Holiday> {
    (
        text(),
        recurrence(),
        any::<bool>(),
        prop::option::of((time_of_day(), time_of_day())),
    )
        .prop_map(|(name, rule, observed, hours)| {
            let mut h = Holiday::new(name, rule);
            if observed {
                h = h.observed();
            }
            match hours {
                Some((a, b)) if a < b => h.hours(a, b),
                Some((a, _)) => h.hours(a, NaiveTime::MIN),
                None => h,
            }
        })
}

fn holiday_calendar() -> impl Strategy<Value = HolidayCalendar> {
    (text(), prop::collection::vec(holiday(), 0..4)).prop_map(|(name, holidays)| {
        holidays
            .into_iter()
            .fold(HolidayCalendar::new(name), HolidayCalendar::with)
    })
}

const ZONES: [Tz; 5] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::UTC,
];

fn business_hours() -> impl Strategy<Value = BusinessHours> {
    // At most one interval per weekday, within the day, so none overlap.
    let day = prop::option::of((time_of_day(), time_of_day()));
    let special = (date(), prop::option::of((time_of_day(), time_of_day())));
    (
        0usize..ZONES.len(),
        prop::collection::vec(day, 7),
        prop::collection::vec(holiday(), 0..3),
        prop::collection::vec(holiday_calendar(), 0..2),
        prop::collection::vec(special, 0..3),
    )
        .prop_map(|(z, days, holidays, calendars, special)| {
            let mut b = BusinessHours::builder(ZONES[z]);
            for (weekday, d) in WEEKDAYS.iter().zip(days) {
                if let Some((a, c)) = d.filter(|(a, c)| a < c) {
                    b = b.interval(*weekday, a, c);
                }
            }
            for h in holidays {
                b = b.holiday(h);
            }
            for c in calendars {
                b = b.holidays(c);
            }
            for (date, iv) in special {
                b = b.special_hours(date, iv.filter(|(a, c)| a < c).into_iter().collect());
            }
            b.build().unwrap()
        })
}

fn sla_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (1u32..100_000).prop_map(Target::Minutes),
        (1u32..30).prop_map(Target::BusinessDays),
    ]
}

fn targets() -> impl Strategy<Value = Targets> {
    (
        sla_target(),
        prop::option::of(sla_target()),
        sla_target(),
        any::<bool>(),
    )
        .prop_map(|(first, next, resolution, always)| {
            let coverage = if always {
                Coverage::TwentyFourSeven
            } else {
                Coverage::BusinessHours
            };
            let t = Targets::new(first, resolution, coverage);
            match next {
                Some(n) => t.with_next_response(n),
                None => t,
            }
        })
}

fn sla_policy() -> impl Strategy<Value = SlaPolicy> {
    let statuses = vec![
        CaseStatus::Open,
        CaseStatus::InProgress,
        CaseStatus::WaitingOnCustomer,
        CaseStatus::Escalated,
    ];
    (
        prop::collection::vec((tier(), targets()), 0..4),
        prop::collection::vec((tier(), priority(), targets()), 0..4),
        1i64..=1440,
        1u8..=99,
        1u8..=99,
        prop::sample::subsequence(statuses, 0..=4),
        any::<bool>(),
    )
        .prop_map(|(tiers, overrides, day, rw, sw, pauses, restart)| {
            let mut p = SlaPolicy::default()
                .with_business_day(TimeDelta::minutes(day))
                .unwrap()
                .with_warning_thresholds(rw, sw)
                .unwrap()
                .with_pause_statuses(pauses)
                .unwrap()
                .with_reopen_mode(if restart {
                    ReopenMode::Restart
                } else {
                    ReopenMode::Continue
                });
            for (t, targets) in tiers {
                p = p.with_targets(t, targets).unwrap();
            }
            for (t, prio, targets) in overrides {
                p = p.with_priority_targets(t, prio, targets).unwrap();
            }
            p
        })
}

fn positive_duration() -> impl Strategy<Value = TimeDelta> {
    (1i64..(366 * 86_400 * 1_000_000_000)).prop_map(TimeDelta::nanoseconds)
}

fn case_rules() -> impl Strategy<Value = CaseRules> {
    (
        sla_policy(),
        business_hours(),
        positive_duration(),
        positive_duration(),
    )
        .prop_map(|(policy, hours, window, close)| {
            CaseRules::new(policy, hours)
                .with_survey_window(window)
                .unwrap()
                .with_auto_close_after(close)
                .unwrap()
        })
}

fn trigger() -> impl Strategy<Value = Trigger> {
    let kind = prop::option::of(prop::sample::select(MilestoneKind::ALL.to_vec()));
    prop_oneof![
        kind.clone().prop_map(Trigger::MilestoneWarning),
        kind.prop_map(Trigger::MilestoneViolated),
        priority().prop_map(Trigger::PriorityAtLeast),
        positive_duration().prop_map(Trigger::AgeAtLeast),
        positive_duration().prop_map(Trigger::NoActivityFor),
        prop::sample::select(vec![Sentiment::Negative, Sentiment::Angry])
            .prop_map(Trigger::Sentiment),
        Just(Trigger::Manual),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (target_party(), 1u8..=5, text()).prop_map(|(to, level, reason)| Action::Escalate {
            to,
            level,
            reason
        }),
        priority().prop_map(Action::RaisePriority),
        (target_party(), text()).prop_map(|(to, message)| Action::Notify { to, message }),
    ]
}

fn escalation_policy() -> impl Strategy<Value = EscalationPolicy> {
    prop::collection::vec((trigger(), prop::collection::vec(action(), 1..4)), 0..5).prop_map(
        |rules| {
            let rules = rules
                .into_iter()
                .enumerate()
                .map(|(i, (trigger, actions))| {
                    EscalationRule::new(format!("rule-{i} ✓"), trigger, actions).unwrap()
                })
                .collect();
            EscalationPolicy::new(rules).unwrap()
        },
    )
}

fn entitlement() -> impl Strategy<Value = Entitlement> {
    (
        1u128..9,
        tier(),
        prop::option::of((instant(), positive_duration())),
    )
        .prop_map(|(c, tier, window)| {
            let e = Entitlement::new(ContractId::from_u128(c), tier);
            match window {
                Some((from, len)) => e.valid_between(from, from + len),
                None => e,
            }
        })
}

fn account() -> impl Strategy<Value = Account> {
    (
        any::<u128>(),
        text(),
        prop::collection::vec(entitlement(), 0..3),
        prop::option::of(any::<u128>()),
        prop::option::of(business_hours()),
    )
        .prop_map(|(id, name, entitlements, manager, hours)| {
            let mut a = entitlements.into_iter().fold(
                Account::new(AccountId::from_u128(id), name),
                Account::with_entitlement,
            );
            if let Some(m) = manager {
                a = a.with_success_manager(AgentId::from_u128(m));
            }
            if let Some(h) = hours {
                a = a.with_business_hours(h);
            }
            a
        })
}

fn period() -> impl Strategy<Value = Period> {
    (any_instant(), any_instant())
        .prop_filter_map("from < to", |(a, b)| Period::new(a.min(b), a.max(b)).ok())
}

// ---------------------------------------------------------------- round trips

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Cases, their events, comments and milestones, from random command sequences.
    #[test]
    fn cases_and_their_parts_round_trip((case, history) in case_and_history()) {
        round_trips("case", &case)?;
        round_trips("milestones", &case.milestones)?;
        for c in &case.comments {
            round_trips("comment", c)?;
        }
        for e in &history {
            round_trips("case event", e)?;
        }
        round_trips("case history", &history)?;
        prop_assert_eq!(&Case::replay(&history).unwrap(), &case, "replay");
    }

    #[test]
    fn policies_and_rules_round_trip(
        sla in sla_policy(),
        escalation in escalation_policy(),
        rules in case_rules(),
    ) {
        round_trips("sla policy", &sla)?;
        round_trips("escalation policy", &escalation)?;
        for rule in escalation.rules() {
            round_trips("escalation rule", rule)?;
        }
        round_trips("case rules", &rules)?;
    }

    #[test]
    fn calendars_round_trip(hours in business_hours(), calendar in holiday_calendar(), h in holiday()) {
        round_trips("business hours", &hours)?;
        round_trips("holiday calendar", &calendar)?;
        round_trips("holiday", &h)?;
        round_trips("recurrence", h.recurrence())?;
    }

    #[test]
    fn repository_records_round_trip(
        account in account(),
        (name, email) in (text(), text()),
        period in period(),
        (year, seq) in (1000i32..=9999, 1u32..=u32::MAX),
    ) {
        round_trips("account", &account)?;
        for e in &account.entitlements {
            round_trips("entitlement", e)?;
        }
        let contact = Contact::new(ContactId::from_u128(1), account.id, name.clone(), email);
        round_trips("contact", &contact)?;
        let search = SavedSearch { owner: AgentId::from_u128(2), name, query: CaseQuery::default() };
        round_trips("saved search", &search)?;
        round_trips("period", &period)?;
        round_trips("case number", &CaseNumber::new(year, seq).unwrap())?;
        round_trips("knowledge number", &KnowledgeNumber::new(year, seq).unwrap())?;
    }
}

// ---------------------------------------------------------------- invalid documents

/// A case with comments, an escalation, a resolution, a rating and a closure.
fn closed_case() -> Case {
    let rules = CaseRules::default();
    let t0 = utc("2026-01-05T09:00:00Z");
    let at = |m| t0 + TimeDelta::minutes(m);
    let agent = AgentId::from_u128(7);
    let (mut case, _) = Case::create(new_case(1), t0, &rules).unwrap();
    let commands = [
        CaseCommand::Assign { agent },
        CaseCommand::StartWork,
        CaseCommand::Comment(NewComment::customer_reply(
            CommentId::from_u128(1),
            "still broken",
        )),
        CaseCommand::Comment(NewComment::public(
            CommentId::from_u128(2),
            Author::Agent(agent),
            "try this",
        )),
        CaseCommand::Escalate {
            to: EscalationTarget::OwnerManager,
            level: 2,
            reason: "vip".into(),
        },
        CaseCommand::Resolve(Resolution::new("fixed")),
        CaseCommand::RecordSatisfaction {
            level: Satisfaction::Satisfied,
            feedback: Some("ok".into()),
        },
        CaseCommand::Close,
    ];
    for (i, c) in commands.into_iter().enumerate() {
        case.execute(c, at(i as i64 * 10), &rules).unwrap();
    }
    assert_eq!(case.status, CaseStatus::Closed);
    case
}

/// A case that is still open: New, unassigned, milestones running.
fn open_case() -> Case {
    Case::create(
        new_case(2),
        utc("2026-01-05T09:00:00Z"),
        &CaseRules::default(),
    )
    .unwrap()
    .0
}

type Mutation = fn(&mut Value);

/// Applies each mutation to `base` and checks that loading it as `T` fails with a
/// message that contains `field`; the unmutated base must load.
fn check_invalid<T: DeserializeOwned + std::fmt::Debug>(
    what: &str,
    base: Value,
    table: &[(&str, Mutation, &str)],
) {
    serde_json::from_value::<T>(base.clone())
        .unwrap_or_else(|e| panic!("{what}: the valid base does not load: {e}"));
    for (name, mutate, field) in table {
        let mut doc = base.clone();
        mutate(&mut doc);
        match serde_json::from_value::<T>(doc) {
            Ok(v) => panic!("{what}: {name}: loaded {v:?}"),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(field),
                    "{what}: {name}: error {msg:?} does not name {field:?}"
                );
            }
        }
    }
}

#[test]
fn invalid_cases_fail_to_load_naming_the_field() {
    let closed = serde_json::to_value(closed_case()).unwrap();
    let table: &[(&str, Mutation, &str)] = &[
        ("blank subject", |c| c["subject"] = " \t".into(), "subject"),
        (
            "oversized subject",
            |c| c["subject"] = "x".repeat(256).into(),
            "subject",
        ),
        (
            "empty description",
            |c| c["description"] = "".into(),
            "description",
        ),
        (
            "blank resolution",
            |c| c["resolution"] = " ".into(),
            "resolution",
        ),
        (
            "closed without closed_at",
            |c| c["closed_at"] = Value::Null,
            "closed_at",
        ),
        (
            "closed without resolved_at",
            |c| {
                c["resolved_at"] = Value::Null;
                c["resolution_time"] = Value::Null;
            },
            "resolved_at",
        ),
        (
            "closed without resolution",
            |c| c["resolution"] = Value::Null,
            "resolution",
        ),
        (
            "closed_at on a resolved case",
            |c| c["status"] = "Resolved".into(),
            "closed_at",
        ),
        (
            "resolution_time without resolved_at",
            |c| {
                c["status"] = "InProgress".into();
                c["closed_at"] = Value::Null;
                c["resolved_at"] = Value::Null;
            },
            "resolution_time",
        ),
        (
            "response_time without first_response_at",
            |c| c["first_response_at"] = Value::Null,
            "response_time",
        ),
        (
            "updated before created",
            |c| c["updated_at"] = "2026-01-01T00:00:00Z".into(),
            "updated_at",
        ),
        (
            "last activity after the last change",
            |c| c["last_activity_at"] = "2027-01-01T00:00:00Z".into(),
            "last_activity_at",
        ),
        (
            "first response before creation",
            |c| c["first_response_at"] = "2026-01-05T08:59:59Z".into(),
            "first_response_at",
        ),
        (
            "closed before resolved",
            |c| c["closed_at"] = "2026-01-05T09:00:00Z".into(),
            "closed_at",
        ),
        (
            "escalation level 0",
            |c| c["escalation"]["level"] = 0.into(),
            "level",
        ),
        (
            "escalation level 6",
            |c| c["escalation"]["level"] = 6.into(),
            "level",
        ),
        (
            "blank escalation reason",
            |c| c["escalation"]["reason"] = "".into(),
            "reason",
        ),
        (
            "escalated without escalation",
            |c| {
                c["status"] = "Escalated".into();
                c["closed_at"] = Value::Null;
                c["escalation"] = Value::Null;
            },
            "escalation",
        ),
        (
            "duplicate comment ids",
            |c| c["comments"][1]["id"] = c["comments"][0]["id"].clone(),
            "comments",
        ),
        (
            "comments out of order",
            |c| c["comments"][1]["at"] = "2026-01-05T09:00:00Z".into(),
            "comments",
        ),
        (
            "blank comment body",
            |c| c["comments"][0]["body"] = "  ".into(),
            "body",
        ),
        (
            "customer internal comment",
            |c| c["comments"][0]["visibility"] = "Internal".into(),
            "visibility",
        ),
        (
            "rating without survey",
            |c| c["survey"] = Value::Null,
            "satisfaction",
        ),
        (
            "answered survey without rating",
            |c| c["satisfaction"] = Value::Null,
            "survey",
        ),
        (
            "survey expires before requested",
            |c| c["survey"]["expires_at"] = "2026-01-01T00:00:00Z".into(),
            "expires_at",
        ),
        (
            "feedback too long",
            |c| c["satisfaction"]["feedback"] = "x".repeat(4001).into(),
            "feedback",
        ),
        (
            "too many related articles",
            |c| {
                c["ai"]["related_articles"] =
                    (0..51).map(|i| json!(ArticleId::from_u128(i))).collect();
            },
            "related_articles",
        ),
        (
            "blank fired rule",
            |c| c["fired_rules"] = json!([""]),
            "fired_rules",
        ),
        (
            "milestone in the wrong slot",
            |c| c["milestones"]["first_response"]["kind"] = "Resolution".into(),
            "first_response",
        ),
        (
            "milestone warning at 0%",
            |c| c["milestones"]["resolution"]["warn_percent"] = 0.into(),
            "warning percent",
        ),
        (
            "milestone with a zero target",
            |c| c["milestones"]["resolution"]["target"] = json!([0, 0]),
            "sla target",
        ),
        (
            "milestone due before its warning",
            |c| c["milestones"]["resolution"]["due"] = "2026-01-05T09:00:00Z".into(),
            "due",
        ),
        (
            "milestone with negative paused time",
            |c| c["milestones"]["resolution"]["paused"] = json!([-1, 0]),
            "paused",
        ),
        (
            "late but not breached",
            |c| {
                c["milestones"]["resolution"]["state"] =
                    json!({"state": "Completed", "at": "2026-01-05T10:00:00Z", "late": true})
            },
            "state",
        ),
        (
            "breached but not violated",
            |c| c["milestones"]["resolution"]["breached"] = true.into(),
            "is_sla_violated",
        ),
        (
            "closed with a running milestone",
            |c| c["milestones"]["resolution"]["state"] = json!({"state": "Active"}),
            "milestones",
        ),
        (
            "bad case number",
            |c| c["number"] = "CASE-26-1".into(),
            "case number",
        ),
        (
            "case number year 999",
            |c| c["number"] = "CASE-0999-0001".into(),
            "case number",
        ),
        (
            "case number sequence 0",
            |c| c["number"] = "CASE-2026-0000".into(),
            "case number",
        ),
        ("bad case id", |c| c["id"] = "not-a-uuid".into(), "case id"),
        (
            "bad account id",
            |c| c["account"] = "42".into(),
            "account id",
        ),
    ];
    check_invalid::<Case>("closed case", closed, table);

    let open = serde_json::to_value(open_case()).unwrap();
    let table: &[(&str, Mutation, &str)] = &[
        (
            "resolved without resolved_at",
            |c| {
                c["status"] = "Resolved".into();
                c["resolution"] = "fixed".into();
            },
            "resolved_at",
        ),
        (
            "first response paused",
            |c| {
                c["milestones"]["first_response"]["state"] =
                    json!({"state": "Paused", "since": "2026-01-05T09:00:00Z"})
            },
            "first_response",
        ),
        (
            "milestone started before the case",
            |c| c["milestones"]["resolution"]["started_at"] = "2026-01-05T08:00:00Z".into(),
            "milestones",
        ),
        (
            "first response given, milestone running",
            |c| {
                c["first_response_at"] = "2026-01-05T09:00:00Z".into();
                c["response_time"] = json!({"calendar": 0, "business": 0});
            },
            "milestones",
        ),
    ];
    check_invalid::<Case>("open case", open, table);

    // The same records on their own, and inside events.
    let case = closed_case();
    let comment = serde_json::to_value(&case.comments[0]).unwrap();
    check_invalid::<Comment>(
        "comment",
        comment.clone(),
        &[
            ("blank body", |c| c["body"] = "".into(), "body"),
            (
                "oversized body",
                |c| c["body"] = "x".repeat(32_001).into(),
                "body",
            ),
            (
                "customer internal comment",
                |c| c["visibility"] = "Internal".into(),
                "visibility",
            ),
            ("bad comment id", |c| c["id"] = "x".into(), "comment id"),
        ],
    );
    let event = json!({"event": "CommentAdded", "comment": comment});
    check_invalid::<CaseEvent>(
        "comment event",
        event,
        &[("blank body", |e| e["comment"]["body"] = "".into(), "body")],
    );
    let created = json!({"event": "Created", "case": serde_json::to_value(&case).unwrap()});
    check_invalid::<CaseEvent>(
        "created event",
        created,
        &[(
            "blank subject",
            |e| e["case"]["subject"] = "".into(),
            "subject",
        )],
    );
    let new_comment =
        serde_json::to_value(NewComment::customer_reply(CommentId::from_u128(1), "hi")).unwrap();
    check_invalid::<NewComment>(
        "new comment",
        new_comment,
        &[
            ("blank body", |c| c["body"] = " ".into(), "body"),
            (
                "customer internal comment",
                |c| c["visibility"] = "Internal".into(),
                "visibility",
            ),
        ],
    );
    let new = serde_json::to_value(
        new_case(3).with_entitlement(Entitlement::new(ContractId::from_u128(1), SlaTier::Gold)),
    )
    .unwrap();
    check_invalid::<NewCase>(
        "new case",
        new,
        &[
            ("blank subject", |c| c["subject"] = "".into(), "subject"),
            (
                "oversized description",
                |c| c["description"] = "x".repeat(32_001).into(),
                "description",
            ),
            (
                "empty entitlement window",
                |c| {
                    c["entitlement"]["valid_from"] = "2026-01-01T00:00:00Z".into();
                    c["entitlement"]["valid_until"] = "2026-01-01T00:00:00Z".into();
                },
                "valid_until",
            ),
        ],
    );
    let resolution = serde_json::to_value(Resolution::new("fixed")).unwrap();
    check_invalid::<Resolution>(
        "resolution",
        resolution,
        &[
            ("blank text", |r| r["text"] = "".into(), "resolution"),
            (
                "oversized root cause",
                |r| r["root_cause"] = "x".repeat(32_001).into(),
                "root_cause",
            ),
        ],
    );
    let milestones = serde_json::to_value(&case.milestones).unwrap();
    check_invalid::<Milestones>(
        "milestones",
        milestones.clone(),
        &[
            (
                "resolution in the first response slot",
                |m| m["first_response"]["kind"] = "Resolution".into(),
                "first_response",
            ),
            (
                "warning at 100%",
                |m| m["resolution"]["warn_percent"] = 100.into(),
                "warning percent",
            ),
        ],
    );
    check_invalid::<hotcrm_support::sla::Milestone>(
        "milestone",
        milestones["resolution"].clone(),
        &[
            (
                "warning before the start",
                |m| m["warn_at"] = "2026-01-01T00:00:00Z".into(),
                "warn_at",
            ),
            (
                "negative target",
                |m| m["target"] = json!([-60, 0]),
                "sla target",
            ),
        ],
    );
}

#[test]
fn invalid_policies_and_rules_fail_to_load_naming_the_field() {
    let policy = serde_json::to_value(SlaPolicy::default()).unwrap();
    check_invalid::<SlaPolicy>(
        "sla policy",
        policy,
        &[
            (
                "zero business day",
                |p| p["business_day_minutes"] = 0.into(),
                "business_day",
            ),
            (
                "business day over 24h",
                |p| p["business_day_minutes"] = 1441.into(),
                "business_day",
            ),
            (
                "response warning 100%",
                |p| p["response_warning_percent"] = 100.into(),
                "response_warning_percent",
            ),
            (
                "resolution warning 0%",
                |p| p["resolution_warning_percent"] = 0.into(),
                "resolution_warning_percent",
            ),
            (
                "closed pauses",
                |p| p["pause_statuses"] = json!(["Closed"]),
                "pause_statuses",
            ),
            (
                "zero target",
                |p| p["tiers"]["Gold"]["first_response"] = json!({"Minutes": 0}),
                "sla target",
            ),
            (
                "zero override",
                |p| {
                    p["overrides"] = json!([{"tier": "Gold", "priority": "High", "targets": {
            "first_response": {"Minutes": 1}, "next_response": {"BusinessDays": 0},
            "resolution": {"Minutes": 1}, "coverage": "BusinessHours"}}])
                },
                "sla target",
            ),
        ],
    );
    let targets = serde_json::to_value(Targets::new(
        Target::hours(1),
        Target::hours(4),
        Coverage::TwentyFourSeven,
    ))
    .unwrap();
    check_invalid::<Targets>(
        "targets",
        targets,
        &[(
            "zero resolution",
            |t| t["resolution"] = json!({"BusinessDays": 0}),
            "sla target",
        )],
    );
    let entitlement = serde_json::to_value(
        Entitlement::new(ContractId::from_u128(1), SlaTier::Gold)
            .valid_between(utc("2026-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")),
    )
    .unwrap();
    check_invalid::<Entitlement>(
        "entitlement",
        entitlement,
        &[
            (
                "ends before it starts",
                |e| e["valid_until"] = "2025-01-01T00:00:00Z".into(),
                "valid_until",
            ),
            (
                "empty window",
                |e| e["valid_until"] = "2026-01-01T00:00:00Z".into(),
                "valid_until",
            ),
            (
                "bad contract id",
                |e| e["contract"] = 7.into(),
                "contract id",
            ),
        ],
    );
    let rules = serde_json::to_value(CaseRules::default()).unwrap();
    check_invalid::<CaseRules>(
        "case rules",
        rules,
        &[
            (
                "zero survey window",
                |r| r["survey_window"] = json!([0, 0]),
                "survey_window",
            ),
            (
                "auto-close after 400 days",
                |r| r["auto_close_after"] = json!([400 * 86_400, 0]),
                "auto_close_after",
            ),
            (
                "bad policy inside",
                |r| r["sla"]["business_day_minutes"] = 0.into(),
                "business_day",
            ),
            (
                "overlapping hours inside",
                |r| {
                    r["hours"]["intervals"] = json!([
            {"day": "Mon", "start": "09:00:00", "end": "17:00:00"},
            {"day": "Mon", "start": "16:00:00", "end": "18:00:00"}])
                },
                "overlapping",
            ),
        ],
    );
    let escalation = serde_json::to_value(EscalationPolicy::default()).unwrap();
    check_invalid::<EscalationPolicy>(
        "escalation policy",
        escalation.clone(),
        &[
            (
                "duplicate rule names",
                |p| p[1]["name"] = p[0]["name"].clone(),
                "already exists",
            ),
            (
                "blank rule name",
                |p| p[0]["name"] = " ".into(),
                "rule name",
            ),
            ("no actions", |p| p[0]["actions"] = json!([]), "actions"),
            (
                "level 7",
                |p| p[0]["actions"][0]["level"] = 7.into(),
                "level",
            ),
            (
                "blank reason",
                |p| p[0]["actions"][0]["reason"] = "".into(),
                "reason",
            ),
            (
                "blank message",
                |p| p[0]["actions"][1]["message"] = "".into(),
                "message",
            ),
            (
                "zero inactivity",
                |p| p[0]["trigger"] = json!({"trigger": "NoActivityFor", "value": [0, 0]}),
                "trigger",
            ),
            (
                "positive sentiment",
                |p| p[2]["trigger"] = json!({"trigger": "Sentiment", "value": "Positive"}),
                "trigger",
            ),
        ],
    );
    check_invalid::<EscalationRule>(
        "escalation rule",
        escalation[0].clone(),
        &[
            ("blank rule name", |r| r["name"] = "".into(), "rule name"),
            ("no actions", |r| r["actions"] = json!([]), "actions"),
        ],
    );
    check_invalid::<Action>(
        "action",
        escalation[0]["actions"][0].clone(),
        &[("level 0", |a| a["level"] = 0.into(), "level")],
    );
    check_invalid::<Trigger>(
        "trigger",
        json!({"trigger": "AgeAtLeast", "value": [3600, 0]}),
        &[(
            "negative age",
            |t| t["value"] = json!([-3600, 0]),
            "trigger",
        )],
    );
}

#[test]
fn invalid_calendars_and_repository_records_fail_to_load_naming_the_field() {
    check_invalid::<Recurrence>(
        "recurrence",
        json!({"Annual": {"month": 2, "day": 29}}),
        &[
            ("month 13", |r| r["Annual"]["month"] = 13.into(), "month 13"),
            (
                "april 31",
                |r| *r = json!({"Annual": {"month": 4, "day": 31}}),
                "day 31",
            ),
            (
                "month 0 floating",
                |r| *r = json!({"Floating": {"month": 0, "weekday": "Mon", "nth": 1}}),
                "month 0",
            ),
            (
                "nth 0",
                |r| *r = json!({"Floating": {"month": 1, "weekday": "Mon", "nth": 0}}),
                "nth 0",
            ),
            (
                "nth 6",
                |r| *r = json!({"Floating": {"month": 1, "weekday": "Mon", "nth": 6}}),
                "nth 6",
            ),
            (
                "nth -2",
                |r| *r = json!({"Floating": {"month": 1, "weekday": "Mon", "nth": -2}}),
                "nth -2",
            ),
        ],
    );
    let holiday = serde_json::to_value(
        Holiday::new("Eve", Recurrence::Annual { month: 12, day: 24 })
            .hours(NaiveTime::from_hms_opt(13, 0, 0).unwrap(), NaiveTime::MIN),
    )
    .unwrap();
    check_invalid::<Holiday>(
        "holiday",
        holiday.clone(),
        &[
            (
                "closed hours backwards",
                |h| h["hours"] = json!(["13:00:00", "09:00:00"]),
                "closed hours end",
            ),
            (
                "leap second",
                |h| h["hours"] = json!(["23:59:60", "00:00:00"]),
                "leap second",
            ),
            (
                "day 30 of february",
                |h| h["recurrence"] = json!({"Annual": {"month": 2, "day": 30}}),
                "\"Eve\": month 2 has no day 30",
            ),
        ],
    );
    check_invalid::<HolidayCalendar>(
        "holiday calendar",
        json!({"name": "c", "holidays": [holiday]}),
        &[(
            "bad holiday inside",
            |c| c["holidays"][0]["recurrence"] = json!({"Annual": {"month": 13, "day": 1}}),
            "month 13",
        )],
    );
    check_invalid::<Period>(
        "period",
        json!({"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}),
        &[
            ("empty", |p| p["to"] = p["from"].clone(), "period"),
            (
                "backwards",
                |p| p["to"] = "2025-01-01T00:00:00Z".into(),
                "period",
            ),
        ],
    );
    check_invalid::<CaseNumber>(
        "case number",
        json!("CASE-2026-0001"),
        &[
            ("no prefix", |n| *n = "2026-0001".into(), "case number"),
            (
                "short sequence",
                |n| *n = "CASE-2026-001".into(),
                "case number",
            ),
            (
                "sequence past u32",
                |n| *n = "CASE-2026-99999999999".into(),
                "case number",
            ),
            (
                "knowledge prefix",
                |n| *n = "KB-2026-0001".into(),
                "case number",
            ),
        ],
    );
    check_invalid::<KnowledgeNumber>(
        "knowledge number",
        json!("KB-2026-0015"),
        &[
            (
                "sequence 0",
                |n| *n = "KB-2026-0000".into(),
                "knowledge number",
            ),
            (
                "year 0999",
                |n| *n = "KB-0999-0015".into(),
                "knowledge number",
            ),
        ],
    );
    check_invalid::<CaseId>(
        "case id",
        json!(CaseId::from_u128(1)),
        &[("not a uuid", |i| *i = "CASE-2026-0001".into(), "case id")],
    );
    let account = serde_json::to_value(
        Account::new(AccountId::from_u128(1), "Acme")
            .with_entitlement(Entitlement::new(ContractId::from_u128(2), SlaTier::Gold)),
    )
    .unwrap();
    check_invalid::<Account>(
        "account",
        account,
        &[
            ("blank name", |a| a["name"] = "  ".into(), "name"),
            (
                "inverted entitlement",
                |a| {
                    a["entitlements"][0]["valid_from"] = "2027-01-01T00:00:00Z".into();
                    a["entitlements"][0]["valid_until"] = "2026-01-01T00:00:00Z".into();
                },
                "valid_until",
            ),
            (
                "bad calendar",
                |a| {
                    a["business_hours"] = json!({"time_zone": "Mars/Olympus_Mons", "intervals": []})
                },
                "Mars",
            ),
        ],
    );
    let contact = serde_json::to_value(Contact::new(
        ContactId::from_u128(1),
        AccountId::from_u128(2),
        "Ada",
        "ada@example.com",
    ))
    .unwrap();
    check_invalid::<Contact>(
        "contact",
        contact,
        &[
            ("blank name", |c| c["name"] = "".into(), "name"),
            ("blank email", |c| c["email"] = " ".into(), "email"),
        ],
    );
    let search = serde_json::to_value(SavedSearch {
        owner: AgentId::from_u128(1),
        name: "VIP".into(),
        query: CaseQuery::default(),
    })
    .unwrap();
    check_invalid::<SavedSearch>(
        "saved search",
        search,
        &[("blank name", |s| s["name"] = "".into(), "name")],
    );
}

/// A reused comment id: the same comment again is a no-op, a different one is
/// refused, and the case still loads.
#[test]
fn a_reused_comment_id_keeps_the_case_loadable() {
    let rules = CaseRules::default();
    let t0 = utc("2026-01-05T09:00:00Z");
    let (mut case, mut history) = Case::create(new_case(1), t0, &rules).unwrap();
    let reply = NewComment::customer_reply(CommentId::from_u128(5), "first");
    history.extend(
        case.execute(CaseCommand::Comment(reply.clone()), t0, &rules)
            .unwrap(),
    );
    assert!(
        case.execute(CaseCommand::Comment(reply), t0, &rules)
            .unwrap()
            .is_empty(),
        "the same comment again is a no-op"
    );
    let other = NewComment::customer_reply(CommentId::from_u128(5), "second");
    assert!(matches!(
        case.execute(CaseCommand::Comment(other), t0, &rules),
        Err(hotcrm_support::Error::AlreadyExists {
            kind: "comment",
            ..
        })
    ));
    assert_eq!(case.comments.len(), 1);
    assert_eq!(case.comments[0].body, "first");
    assert_eq!(Case::replay(&history).unwrap(), case);
    let json = serde_json::to_string(&case).unwrap();
    assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
}

/// Documents written before validation existed still load: a case built by the
/// commands, the default policies and a calendar with every kind of entry.
#[test]
fn existing_documents_still_load() {
    let case = closed_case();
    let json = serde_json::to_string(&case).unwrap();
    assert_eq!(serde_json::from_str::<Case>(&json).unwrap(), case);
    let escalation = serde_json::to_string(&EscalationPolicy::default()).unwrap();
    assert!(
        escalation.contains(r#"{"action":"RaisePriority","High":null}"#),
        "{escalation}"
    );
    assert_eq!(
        serde_json::from_str::<EscalationPolicy>(&escalation).unwrap(),
        EscalationPolicy::default()
    );
    let doc = json!({
        "time_zone": "America/New_York",
        "intervals": [{"day": "Mon", "start": "09:00:00", "end": "17:00:00"}],
        "holidays": [{"name": "Eve", "recurrence": {"Annual": {"month": 12, "day": 24}}, "hours": ["13:00:00", "00:00:00"], "observed": true}],
        "holiday_calendars": [{"name": "us", "holidays": [{"name": "Labor Day", "recurrence": {"Floating": {"month": 9, "weekday": "Mon", "nth": 1}}}]}],
        "special_hours": {"2026-12-31": [["09:00:00", "12:00:00"]]}
    });
    let hours: BusinessHours = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(serde_json::to_value(&hours).unwrap(), doc);
    let rules = CaseRules::new(SlaPolicy::default(), hours);
    let again: CaseRules = serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
    assert_eq!(again, rules);
}
