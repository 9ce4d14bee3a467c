//! Prediction benchmarks.
//!
//! - `predict/fit/100k_observations`: `ResolutionModel::fit` over 100,000
//!   observations (a fifth still open) spread over every priority, five
//!   types, six AI categories, eight queues and five tiers: one curve per group
//!   at each of the six fallback levels. This is what retraining the model
//!   from a desk's history costs.
//! - `predict/estimate/one_case`: one conditional P50/P80/P90 estimate with its
//!   factors (a stratum lookup per level plus binary searches).
//! - `predict/breach/one_case`: one breach probability.
//!
//!
//! Through the desk (`MemoryRepository`, `HeuristicAi`, 2,000 cases on one
//! Gold account: 1,600 resolved, 400 open in one queue of 20 agents):
//!
//! - `predict/desk/refit_2k_cases`: `SupportDesk::refit_predictions`, a scan of
//!   the repository, each case's SLA calendar and the fit.
//! - `predict/desk/predict_breach` and `predict/desk/predict_resolution`: one
//!   case with the cached model (load the case, its account, the router).
//! - `predict/desk/calculate_sla_targets`: the account, its entitlement, two
//!   due instants.
//! - `predict/desk/recommend_articles_top3`: hybrid search over 200 articles
//!   and an extractive cited answer.
//! - `predict/desk/optimize_workload_400_open`: the queue's roster and its 400
//!   open cases, a breach estimate each, the optimiser.
//! - `predict/suggest_solution/500_history`: a suggested solution from 500
//!   resolved cases, by `suggest_solution` (analyses them all on every call)
//!   and by `SolutionIndex::suggest` (analysed once; what the desk uses).
//!
//! Run with `cargo bench --bench predict`.
#![allow(
    missing_docs,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use chrono::TimeDelta;
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::case::{AiCategory, CaseType, Priority, Resolution};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, ContractId, QueueId};
use hotcrm_support::knowledge::{
    Analyzer, ArticleDraft, ResolvedCase, SolutionIndex, suggest_solution,
};
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};
use hotcrm_support::sla::predict::{Observation, PredictConfig, ResolutionModel, Stratum};
use hotcrm_support::sla::{Entitlement, SlaTier};

/// splitmix64, so the data are the same on every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn stratum(r: u64) -> Stratum {
    let pick = |n: usize, shift: u32| ((r >> shift) as usize) % n;
    let s = Stratum::new(
        Priority::ALL[pick(Priority::ALL.len(), 0)],
        CaseType::ALL[pick(5, 8)],
        SlaTier::ALL[pick(SlaTier::ALL.len(), 16)],
    )
    .with_category(AiCategory::ALL[pick(AiCategory::ALL.len(), 24)]);
    s.with_queue(QueueId::from_u128(pick(8, 32) as u128 + 1))
}

fn observations(n: usize) -> Vec<Observation> {
    let mut state = 42;
    (0..n)
        .map(|_| {
            let r = next(&mut state);
            let minutes = (next(&mut state) % 5_000) as u32;
            if r % 5 == 0 {
                Observation::open(minutes, stratum(r))
            } else {
                Observation::resolved(minutes, stratum(r))
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let data = observations(100_000);
    c.bench_function("predict/fit/100k_observations", |b| {
        b.iter(|| {
            let model = ResolutionModel::fit(black_box(&data), PredictConfig::default());
            assert_eq!(model.overall().sample_size(), 100_000);
            model
        })
    });
    let model = ResolutionModel::fit(&data, PredictConfig::default());
    let probe = data[7].stratum;
    c.bench_function("predict/estimate/one_case", |b| {
        b.iter(|| {
            let e = model.estimate(black_box(&probe), black_box(600));
            assert!(e.sample_size > 0);
            e
        })
    });
    c.bench_function("predict/breach/one_case", |b| {
        b.iter(|| {
            let e = model.breach_estimate(black_box(&probe), black_box(600), black_box(2_400));
            assert!((0.0..=1.0).contains(&e.probability));
            e
        })
    });
}

const TOPICS: [&str; 8] = [
    "printer jammed paper tray",
    "password rejected at login",
    "invoice shows wrong vat number",
    "export to csv is empty",
    "webhook deliveries failing tls",
    "vpn disconnects every hour",
    "mobile app crashes on start",
    "report totals do not match",
];

const ACCOUNT: AccountId = AccountId::from_u128(1);
const QUEUE: QueueId = QueueId::from_u128(1);

/// The desk of the module docs, and an open case of it.
fn desk(rt: &tokio::runtime::Runtime) -> (SupportDesk, CaseId) {
    let repo = MemoryRepository::new();
    let mut account = Account::new(ACCOUNT, "Acme");
    account
        .entitlements
        .push(Entitlement::new(ContractId::from_u128(1), SlaTier::Gold));
    let clock = ManualClock::new("2026-01-05T08:00:00Z".parse().unwrap());
    let desk = SupportDesk::builder(repo).clock(clock.clone()).build();
    rt.block_on(async {
        desk.repository().put_account(&account, None).await.unwrap();
        desk.configure_routing(|router, _| {
            let mut queue = Queue::new(QUEUE, "Support", RoutingMethod::RoundRobin)?;
            for i in 0..20u128 {
                let id = AgentId::from_u128(100 + i);
                router.add_agent(
                    Agent::new(id, format!("Agent {i}"), Capacity::cases(30)?)?
                        .with_status(AgentStatus::Available),
                )?;
                queue = queue.with_member(QueueMember::new(id));
            }
            router.add_queue(queue)?;
            router.set_default_queue(QUEUE)?;
            Ok(Vec::new())
        })
        .await
        .unwrap();
        let now = "2026-01-05T08:00:00Z".parse().unwrap();
        desk.with_knowledge_mut(|kb| -> hotcrm_support::Result<()> {
            for i in 0..200 {
                let topic = TOPICS[i % TOPICS.len()];
                let body =
                    format!("How to fix: {topic}. Step {i}: check the settings, then retry.");
                let id = kb.create(
                    ArticleDraft::new(format!("{topic} ({i})"), body.clone()).summary(body),
                    now,
                )?;
                kb.submit_for_review(id, AgentId::from_u128(1), now)?;
                kb.publish(id, AgentId::from_u128(2), now)?;
            }
            Ok(())
        })
        .unwrap();
        let mut ids = Vec::new();
        for i in 0..2_000usize {
            clock.advance(TimeDelta::minutes(3));
            let topic = TOPICS[i % TOPICS.len()];
            let out = desk
                .create_case(CaseRequest::new(
                    ACCOUNT,
                    format!("Case {i}: {topic}"),
                    topic,
                ))
                .await
                .unwrap();
            ids.push(out.case.value.id);
            if i >= 10 && i % 5 != 0 {
                // Resolve an older case: durations spread over the history.
                let old = ids[i - 10 + (i % 7)];
                let _ = desk
                    .resolve(old, Resolution::new(format!("Fixed: {topic}")))
                    .await;
            }
        }
        let open = *ids.last().unwrap();
        (desk, open)
    })
}

fn bench_desk(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (desk, open) = desk(&rt);
    let info = rt.block_on(desk.refit_predictions()).unwrap();
    assert_eq!(info.observations, 2_000);
    c.bench_function("predict/desk/refit_2k_cases", |b| {
        b.iter(|| rt.block_on(desk.refit_predictions()).unwrap())
    });
    c.bench_function("predict/desk/predict_breach", |b| {
        b.iter(|| rt.block_on(desk.predict_breach(black_box(open))).unwrap())
    });
    c.bench_function("predict/desk/predict_resolution", |b| {
        b.iter(|| {
            rt.block_on(desk.predict_resolution(black_box(open)))
                .unwrap()
        })
    });
    let created = "2026-01-09T16:00:00Z".parse().unwrap();
    c.bench_function("predict/desk/calculate_sla_targets", |b| {
        b.iter(|| {
            rt.block_on(desk.calculate_sla_targets(ACCOUNT, Priority::High, black_box(created)))
                .unwrap()
        })
    });
    c.bench_function("predict/desk/recommend_articles_top3", |b| {
        b.iter(|| {
            let r = rt
                .block_on(desk.recommend_articles(black_box(open), 3))
                .unwrap();
            assert_eq!(r.articles.len(), 3);
            r
        })
    });
    c.bench_function("predict/desk/optimize_workload_400_open", |b| {
        b.iter(|| {
            rt.block_on(desk.optimize_workload(black_box(QUEUE)))
                .unwrap()
        })
    });

    let history: Vec<ResolvedCase> = (0..500u128)
        .map(|i| {
            let topic = TOPICS[i as usize % TOPICS.len()];
            ResolvedCase::new(
                CaseId::from_u128(i + 1),
                format!("Case {i}: {topic}, since this morning"),
                format!("Fixed: {topic}"),
            )
        })
        .collect();
    let analyzer = Analyzer::default();
    let mut index = SolutionIndex::new(analyzer, 500);
    for h in &history {
        index.insert(h.clone());
    }
    let text = "The printer has jammed again, paper stuck in the tray";
    c.bench_function(
        "predict/suggest_solution/500_history/suggest_solution",
        |b| b.iter(|| suggest_solution(&analyzer, black_box(text), &history).unwrap()),
    );
    c.bench_function("predict/suggest_solution/500_history/solution_index", |b| {
        b.iter(|| index.suggest(black_box(text)).unwrap())
    });
}

criterion_group!(benches, bench, bench_desk);
criterion_main!(benches);
