//! Predictions through the desk: SLA targets, article recommendations, breach
//! and resolution predictions on the desk clock with the cached model, the
//! workload plan of a queue, and the sweep's once-per-case `BreachPredicted`
//! (with an escalation rule on it, and under injected commit failures).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Europe::London;
use hotcrm_support::Error;
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{CaseEvent, EscalationTarget, Priority, Resolution};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, DeskConfig, SupportDesk};
use hotcrm_support::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, ContractId, QueueId};
use hotcrm_support::knowledge::{AnswerOutcome, ArticleDraft};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};
use hotcrm_support::sla::predict::Recommendation;
use hotcrm_support::sla::predict::workload::Recommendation as WorkloadRecommendation;
use hotcrm_support::sla::{Coverage, Entitlement, SlaTier};

use crate::desk_consistency::FaultyRepository;

const GOLD: AccountId = AccountId::from_u128(1);
const SILVER_LONDON: AccountId = AccountId::from_u128(2);
const QUEUE: QueueId = QueueId::from_u128(5);

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn t0() -> DateTime<Utc> {
    utc("2026-01-05T09:00:00Z")
}

async fn accounts(repo: &dyn Repository) {
    let mut gold = Account::new(GOLD, "Acme");
    gold.entitlements
        .push(Entitlement::new(ContractId::from_u128(10), SlaTier::Gold));
    repo.put_account(&gold, None).await.unwrap();
    let mut silver = Account::new(SILVER_LONDON, "Globex");
    silver
        .entitlements
        .push(Entitlement::new(ContractId::from_u128(11), SlaTier::Silver));
    silver.business_hours = Some(
        BusinessHours::builder(London)
            .weekdays(
                NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            )
            .build()
            .unwrap(),
    );
    repo.put_account(&silver, None).await.unwrap();
}

fn desk(repo: Arc<dyn Repository>, clock: &ManualClock, config: DeskConfig) -> SupportDesk {
    SupportDesk::builder(repo)
        .clock(clock.clone())
        .config(config)
        .build()
}

/// History on the Gold account (8-hour resolution target, 24x7): `fast`
/// cases resolved after 2 hours and `slow` ones after 10 hours, all created
/// at `t0` and resolved through the desk. Leaves the clock at the last
/// resolution (t0 + 10h).
async fn history(desk: &SupportDesk, clock: &ManualClock, fast: usize, slow: usize) {
    clock.set(t0());
    let mut ids = Vec::new();
    for i in 0..fast + slow {
        let created = desk
            .create_case(CaseRequest::new(
                GOLD,
                format!("Printer {i} jammed"),
                "Paper stuck",
            ))
            .await
            .unwrap();
        ids.push(created.case.value.id);
    }
    clock.set(t0() + TimeDelta::hours(2));
    for id in &ids[..fast] {
        desk.resolve(*id, Resolution::new("Cleared the tray"))
            .await
            .unwrap();
    }
    clock.set(t0() + TimeDelta::hours(10));
    for id in &ids[fast..] {
        desk.resolve(*id, Resolution::new("Replaced the roller"))
            .await
            .unwrap();
    }
}

async fn open_case(desk: &SupportDesk) -> CaseId {
    desk.create_case(CaseRequest::new(GOLD, "Scanner offline", "No network"))
        .await
        .unwrap()
        .case
        .value
        .id
}

async fn feed_len(repo: &dyn Repository) -> usize {
    repo.events_after(0, usize::MAX).await.unwrap().len()
}

#[tokio::test]
async fn sla_targets_match_what_creation_sets_on_the_account_calendar() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, DeskConfig::default());

    let gold = desk
        .calculate_sla_targets(GOLD, Priority::High, t0())
        .await
        .unwrap();
    assert_eq!(gold.tier, SlaTier::Gold);
    assert_eq!(gold.contract, Some(ContractId::from_u128(10)));
    assert_eq!(gold.coverage, Coverage::TwentyFourSeven);
    assert_eq!(
        (gold.first_response, gold.resolution),
        (TimeDelta::hours(2), TimeDelta::hours(8))
    );
    assert_eq!(gold.resolution_due, utc("2026-01-05T17:00:00Z"));

    // Silver on London business hours, asked on Friday 16:00 London (UTC in
    // January): 1 hour on Friday, 3 on Monday for the 4-hour response.
    let friday = utc("2026-01-09T16:00:00Z");
    let silver = desk
        .calculate_sla_targets(SILVER_LONDON, Priority::Medium, friday)
        .await
        .unwrap();
    assert_eq!(silver.tier, SlaTier::Silver);
    assert_eq!(silver.coverage, Coverage::BusinessHours);
    assert_eq!(silver.first_response_due, utc("2026-01-12T12:00:00Z"));
    // One business day (8 hours): 1 on Friday, 7 on Monday.
    assert_eq!(silver.resolution_due, utc("2026-01-12T16:00:00Z"));

    // Exactly what creation sets.
    clock.set(friday);
    let before = feed_len(repo.as_ref()).await;
    let case = desk
        .create_case(
            CaseRequest::new(SILVER_LONDON, "Export fails", "CSV is empty")
                .priority(Priority::Medium),
        )
        .await
        .unwrap()
        .case
        .value;
    assert!(feed_len(repo.as_ref()).await > before);
    assert_eq!(case.sla_tier, silver.tier);
    assert_eq!(
        case.milestones.first_response.due,
        silver.first_response_due
    );
    assert_eq!(case.milestones.resolution.due, silver.resolution_due);

    let unknown = desk
        .calculate_sla_targets(AccountId::from_u128(99), Priority::Low, t0())
        .await;
    assert!(
        matches!(
            unknown,
            Err(Error::NotFound {
                kind: "account",
                ..
            })
        ),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn recommended_articles_are_scored_and_the_answer_cites_them() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, DeskConfig::default());
    let now = t0();
    desk.with_knowledge_mut(|kb| -> hotcrm_support::Result<()> {
        for (title, body) in [
            (
                "Export invoices to CSV",
                "Open Billing, then click Export to download your invoices as a CSV file.",
            ),
            (
                "Reset your password",
                "Click Forgot password on the sign-in page and follow the email link.",
            ),
            (
                "Invoice numbering",
                "Invoices are numbered per year; credit notes have their own series.",
            ),
        ] {
            let id = kb.create(ArticleDraft::new(title, body).summary(body), now)?;
            kb.submit_for_review(id, AgentId::from_u128(1), now)?;
            kb.publish(id, AgentId::from_u128(2), now)?;
        }
        Ok(())
    })
    .unwrap();
    let id = desk
        .create_case(CaseRequest::new(
            GOLD,
            "How do I export my invoices?",
            "I need the invoices as a CSV file for our accountant.",
        ))
        .await
        .unwrap()
        .case
        .value
        .id;

    let before = feed_len(repo.as_ref()).await;
    let r = desk.recommend_articles(id, 2).await.unwrap();
    assert_eq!(
        feed_len(repo.as_ref()).await,
        before,
        "reading commits nothing"
    );
    assert_eq!(r.articles.len(), 2, "{:?}", r.articles);
    assert_eq!(r.articles[0].title, "Export invoices to CSV");
    assert!(r.articles[0].score >= r.articles[1].score);
    assert!(
        r.articles
            .iter()
            .all(|a| a.relevance > 0.0 && a.relevance <= 1.0)
    );
    assert_ne!(r.answer.outcome, AnswerOutcome::NoRelevantArticle);
    assert!(r.answer.citations.contains(&r.articles[0].number));
    assert!(!r.answer.text.is_empty());

    assert_eq!(
        desk.recommend_articles(id, 1).await.unwrap().articles.len(),
        1
    );
    let unknown = desk.recommend_articles(CaseId::from_u128(404), 3).await;
    assert!(
        matches!(unknown, Err(Error::NotFound { kind: "case", .. })),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn breach_and_resolution_predictions_use_the_history_on_the_desk_clock() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, DeskConfig::default());
    history(&desk, &clock, 20, 20).await;
    let id = open_case(&desk).await;
    let before = feed_len(repo.as_ref()).await;

    // Half the history took longer than the 8-hour target.
    let p = desk.predict_breach(id).await.unwrap();
    assert!((p.estimate.probability - 0.5).abs() < 1e-9, "{p:?}");
    assert!(!p.estimate.beyond_data);
    assert_eq!(p.estimate.sample_size, 41, "40 resolved and the open case");
    assert_eq!(p.estimate.target_minutes, 480);
    assert_eq!(p.recommendation, Recommendation::Reassign);
    let r = desk.predict_resolution(id).await.unwrap();
    let p50 = r.p50.unwrap();
    assert_eq!(p50.remaining_minutes, 120);
    assert_eq!(p50.due, clock_now(&clock) + TimeDelta::hours(2));
    assert_eq!(r.p90.unwrap().remaining_minutes, 600);

    // Three hours later the fast half is behind it: a miss is now certain.
    clock.advance(TimeDelta::hours(3));
    let p = desk.predict_breach(id).await.unwrap();
    assert!((p.estimate.probability - 1.0).abs() < 1e-9, "{p:?}");
    assert_eq!(p.recommendation, Recommendation::EscalateNow);
    let r = desk.predict_resolution(id).await.unwrap();
    assert_eq!(r.p50.unwrap().remaining_minutes, 600 - 180);
    assert_eq!(
        feed_len(repo.as_ref()).await,
        before,
        "reading commits nothing"
    );

    // Typed errors.
    let unknown = desk.predict_breach(CaseId::from_u128(404)).await;
    assert!(
        matches!(unknown, Err(Error::NotFound { kind: "case", .. })),
        "{unknown:?}"
    );
    let unknown = desk.predict_resolution(CaseId::from_u128(404)).await;
    assert!(
        matches!(unknown, Err(Error::NotFound { kind: "case", .. })),
        "{unknown:?}"
    );
    desk.resolve(id, Resolution::new("Rebooted")).await.unwrap();
    assert!(matches!(
        desk.predict_breach(id).await,
        Err(Error::NotAllowed { .. })
    ));
    assert!(matches!(
        desk.predict_resolution(id).await,
        Err(Error::NotAllowed { .. })
    ));
}

fn clock_now(clock: &ManualClock) -> DateTime<Utc> {
    use hotcrm_support::clock::Clock;
    clock.now()
}

#[tokio::test]
async fn the_cached_model_is_refitted_after_n_resolutions_after_a_day_or_on_demand() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let mut config = DeskConfig::default();
    config.predictions.refit_after_resolutions = 2;
    let desk = desk(repo.clone(), &clock, config);
    history(&desk, &clock, 20, 20).await;
    let a = open_case(&desk).await;
    let b = open_case(&desk).await;
    let c = open_case(&desk).await;
    assert_eq!(desk.prediction_model(), None, "fitted on first use");

    desk.predict_breach(a).await.unwrap();
    let first = desk.prediction_model().unwrap();
    assert_eq!((first.observations, first.resolved), (43, 40));

    // One resolution: still fresh (the cached model answers, counting it).
    clock.advance(TimeDelta::minutes(10));
    desk.resolve(b, Resolution::new("Fixed")).await.unwrap();
    desk.predict_breach(a).await.unwrap();
    let info = desk.prediction_model().unwrap();
    assert_eq!((info.fitted_at, info.resolved), (first.fitted_at, 40));
    assert_eq!(info.resolutions_since_fit, 1);

    // The second resolution makes it stale: the next prediction refits.
    desk.resolve(c, Resolution::new("Fixed")).await.unwrap();
    desk.predict_resolution(a).await.unwrap();
    let info = desk.prediction_model().unwrap();
    assert_eq!((info.resolved, info.resolutions_since_fit), (42, 0));
    assert!(info.fitted_at > first.fitted_at);

    // A day later it is refitted whatever this desk did (other desks may
    // have resolved cases in the shared store).
    let fitted = info.fitted_at;
    clock.advance(TimeDelta::hours(23));
    desk.predict_breach(a).await.unwrap();
    assert_eq!(desk.prediction_model().unwrap().fitted_at, fitted);
    clock.advance(TimeDelta::hours(1));
    desk.predict_breach(a).await.unwrap();
    assert!(desk.prediction_model().unwrap().fitted_at > fitted);

    // On demand.
    clock.advance(TimeDelta::minutes(1));
    let info = desk.refit_predictions().await.unwrap();
    assert_eq!(info.fitted_at, clock_now(&clock));
    assert_eq!(desk.prediction_model(), Some(info));
}

#[tokio::test]
async fn max_observations_bounds_what_the_model_learns_from() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let mut config = DeskConfig::default();
    config.predictions.max_observations = 25;
    let desk = desk(repo.clone(), &clock, config);
    history(&desk, &clock, 20, 20).await;
    assert_eq!(desk.refit_predictions().await.unwrap().observations, 25);
}

fn breach_rule() -> EscalationPolicy {
    EscalationPolicy::new(vec![
        EscalationRule::new(
            "predicted breach",
            Trigger::BreachPredicted,
            vec![Action::Escalate {
                to: EscalationTarget::SupportManager,
                level: 1,
                reason: "likely to miss its resolution target".into(),
            }],
        )
        .unwrap(),
    ])
    .unwrap()
}

fn sweeping_config(threshold: f64) -> DeskConfig {
    let mut config = DeskConfig::default().with_escalation(breach_rule());
    config.predictions.sweep_threshold = Some(threshold);
    config
}

fn count(events: &[CaseEvent], f: impl Fn(&CaseEvent) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

#[tokio::test]
async fn sweep_raises_breach_predicted_once_and_the_escalation_rule_fires_once() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, sweeping_config(0.8));
    history(&desk, &clock, 20, 20).await;
    let id = open_case(&desk).await;

    // 0.5 is below the threshold: nothing.
    let report = desk.sweep().await.unwrap();
    assert!(
        !report
            .events
            .iter()
            .any(|(_, e)| matches!(e, CaseEvent::BreachPredicted { .. })),
        "{report:?}"
    );
    // After three hours the probability is 1: raised, and escalated in the same commit.
    clock.advance(TimeDelta::hours(3));
    let report = desk.sweep().await.unwrap();
    let mine: Vec<CaseEvent> = report
        .events
        .iter()
        .filter(|(c, _)| *c == id)
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(
        count(&mine, |e| matches!(
            e,
            CaseEvent::BreachPredicted {
                permille: 1000,
                recommendation: Recommendation::EscalateNow,
                ..
            }
        )),
        1,
        "{mine:?}"
    );
    assert_eq!(
        count(&mine, |e| matches!(
            e,
            CaseEvent::EscalationRuleFired { .. }
        )),
        1
    );
    assert_eq!(
        count(&mine, |e| matches!(e, CaseEvent::Escalated { .. })),
        1
    );
    let case = repo.get_case(id).await.unwrap().value;
    assert_eq!(case.breach_predicted.map(|f| f.permille), Some(1000));
    assert!(case.escalation.is_some());

    // Repeated sweeps are no-ops for it.
    for _ in 0..3 {
        clock.advance(TimeDelta::minutes(15));
        let report = desk.sweep().await.unwrap();
        assert!(report.events.iter().all(|(c, _)| *c != id), "{report:?}");
    }
    let stored = repo.case_events(id).await.unwrap();
    assert_eq!(
        count(&stored, |e| matches!(e, CaseEvent::BreachPredicted { .. })),
        1
    );
    assert_eq!(
        count(&stored, |e| matches!(
            e,
            CaseEvent::EscalationRuleFired { .. }
        )),
        1
    );
}

#[tokio::test]
async fn sweep_predicts_nothing_by_default() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(
        repo.clone(),
        &clock,
        DeskConfig::default().with_escalation(breach_rule()),
    );
    history(&desk, &clock, 0, 40).await;
    let id = open_case(&desk).await;
    clock.advance(TimeDelta::hours(1));
    desk.sweep().await.unwrap();
    assert_eq!(
        repo.get_case(id).await.unwrap().value.breach_predicted,
        None
    );
    assert_eq!(desk.prediction_model(), None, "no model is fitted either");
}

#[tokio::test]
async fn a_failed_sweep_commit_leaves_nothing_and_the_next_sweep_raises_it_once() {
    let faulty = Arc::new(FaultyRepository::default());
    let repo: Arc<dyn Repository> = faulty.clone();
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, sweeping_config(0.8));
    history(&desk, &clock, 0, 40).await;
    let id = open_case(&desk).await;
    clock.advance(TimeDelta::hours(1));

    // The next commit (the case's sweep unit) fails.
    let next = faulty.commits.load(Ordering::SeqCst) + 1;
    faulty.fail.lock().unwrap().insert(next);
    let before_case = repo.get_case(id).await.unwrap();
    let before_feed = feed_len(repo.as_ref()).await;
    let result = desk.sweep().await;
    assert!(matches!(result, Err(Error::Storage { .. })), "{result:?}");
    assert_eq!(
        repo.get_case(id).await.unwrap(),
        before_case,
        "nothing stored"
    );
    assert_eq!(feed_len(repo.as_ref()).await, before_feed);

    faulty.fail.lock().unwrap().clear();
    desk.sweep().await.unwrap();
    desk.sweep().await.unwrap();
    let stored = repo.case_events(id).await.unwrap();
    assert_eq!(
        count(&stored, |e| matches!(e, CaseEvent::BreachPredicted { .. })),
        1
    );
    assert_eq!(
        count(&stored, |e| matches!(e, CaseEvent::Escalated { .. })),
        1
    );
}

#[tokio::test]
async fn workload_plan_of_a_queue_reassigns_the_risky_case_to_the_free_agent() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    accounts(repo.as_ref()).await;
    let clock = ManualClock::new(t0());
    let desk = desk(repo.clone(), &clock, DeskConfig::default());
    history(&desk, &clock, 20, 20).await;
    let (busy, free) = (AgentId::from_u128(7), AgentId::from_u128(8));
    desk.configure_routing(|router, _| {
        let mut queue = Queue::new(QUEUE, "Printers", RoutingMethod::RoundRobin)?;
        for (id, name) in [(busy, "Busy"), (free, "Free")] {
            router.add_agent(
                Agent::new(id, name, Capacity::cases(2)?)?.with_status(AgentStatus::Available),
            )?;
            queue = queue.with_member(QueueMember::new(id));
        }
        router.add_queue(queue)?;
        Ok(Vec::new())
    })
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..2 {
        let id = desk
            .create_case(
                CaseRequest::new(GOLD, format!("Toner {i} empty"), "Needs a refill").queue(QUEUE),
            )
            .await
            .unwrap()
            .case
            .value
            .id;
        desk.assign(id, busy).await.unwrap();
        ids.push(id);
    }
    // Three hours in, both are certain to miss their 8-hour target.
    clock.advance(TimeDelta::hours(3));
    let before = feed_len(repo.as_ref()).await;
    let plan = desk.optimize_workload(QUEUE).await.unwrap();
    assert_eq!(
        feed_len(repo.as_ref()).await,
        before,
        "reading commits nothing"
    );
    let loads: Vec<_> = plan
        .agents
        .iter()
        .map(|a| (a.agent, a.open_load, a.capacity))
        .collect();
    assert_eq!(loads, [(busy, 2, 2), (free, 0, 2)]);
    assert_eq!(plan.agents[0].utilisation, 1.0);
    assert_eq!(
        plan.projected_breaches.at_risk.len(),
        0,
        "due in 5h, beyond the 4h horizon"
    );
    let moves: Vec<_> = plan
        .recommendations
        .iter()
        .filter_map(|r| match r {
            WorkloadRecommendation::Reassign {
                case,
                from,
                to,
                gain,
                ..
            } => Some((*case, *from, *to, *gain)),
            _ => None,
        })
        .collect();
    // One move: after it, the busy agent is at 50% and the free one would
    // reach 100% with the second case, so moving it gains nothing.
    assert_eq!(moves.len(), 1, "{:?}", plan.recommendations);
    let (case, from, to, gain) = moves[0];
    assert!(ids.contains(&case));
    assert_eq!((from, to), (Some(busy), free));
    assert!((gain - 0.5).abs() < 1e-9, "1.0 · (1 − 0.5 / 1.0)");

    let unknown = desk.optimize_workload(QueueId::from_u128(99)).await;
    assert!(
        matches!(unknown, Err(Error::NotFound { kind: "queue", .. })),
        "{unknown:?}"
    );
}
