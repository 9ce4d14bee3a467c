//! Analytics benchmarks.
//!
//! `analytics/report/20k_cases` measures a month's full report (overall plus
//! per queue, agent, tier and priority) over 20,000 cases in every stage of
//! their life; `analytics/workload/20k_cases` measures the open-work snapshot
//! over the same cases. Both are single passes plus one sort per statistic, so
//! they should grow linearly (n log n at worst) with the number of cases: a
//! dashboard can recompute them on demand instead of caching.
//!
//! Run with `cargo bench --bench analytics`.
#![allow(missing_docs, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::analytics::{Period, report, workload};
use hotcrm_support::case::{
    Author, Case, CaseCommand, CaseRules, NewCase, NewComment, Priority, Resolution, Satisfaction,
};
use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId, ContractId, QueueId};
use hotcrm_support::sla::{Entitlement, SlaTier};

/// `n` cases created one every two minutes from 2026-01-01 on the default
/// (24x7) rules, spread over 8 queues and 25 agents (every 10th unassigned);
/// half answered, a third resolved, a sixth rated.
fn cases(n: u32) -> Vec<Case> {
    let rules = CaseRules::default();
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("valid instant");
    (1..=n)
        .map(|i| {
            let i_usize = i as usize;
            let created = start + TimeDelta::minutes(i64::from(i) * 2);
            let mut new = NewCase::new(
                CaseId::from_u128(u128::from(i)),
                CaseNumber::new(2026, i).expect("valid number"),
                AccountId::from_u128(1),
                "Unable to login",
                "Error 500",
            )
            .with_priority(Priority::ALL[i_usize % Priority::ALL.len()])
            .with_entitlement(Entitlement::new(
                ContractId::from_u128(1),
                SlaTier::ALL[(i_usize / 3) % SlaTier::ALL.len()],
            ));
            if i % 10 != 0 {
                new = new.with_queue(QueueId::from_u128(u128::from(i % 8)));
            }
            let (mut case, _) = Case::create(new, created, &rules).expect("case");
            let agent = AgentId::from_u128(u128::from(i % 25));
            if i % 10 != 0 {
                case.execute(CaseCommand::Assign { agent }, created, &rules)
                    .expect("assign");
            }
            let at = |minutes: u32| created + TimeDelta::minutes(i64::from(minutes % 600));
            if i % 2 == 0 {
                let reply = NewComment::public(
                    CommentId::from_u128(u128::from(i)),
                    Author::Agent(agent),
                    "On it",
                );
                case.execute(CaseCommand::Comment(reply), at(i), &rules)
                    .expect("reply");
            }
            if i % 3 == 0 {
                case.execute(
                    CaseCommand::Resolve(Resolution::new("Fixed")),
                    at(i + 600),
                    &rules,
                )
                .expect("resolve");
                if i % 6 == 0 {
                    let level = Satisfaction::ALL[i_usize % Satisfaction::ALL.len()];
                    case.execute(
                        CaseCommand::RecordSatisfaction {
                            level,
                            feedback: None,
                        },
                        at(i + 600) + TimeDelta::minutes(5),
                        &rules,
                    )
                    .expect("rate");
                }
            }
            case
        })
        .collect()
}

fn analytics_20k(c: &mut Criterion) {
    let cases = cases(20_000);
    let january = Period::new(
        "2026-01-01T00:00:00Z".parse().expect("valid instant"),
        "2026-02-01T00:00:00Z".parse().expect("valid instant"),
    )
    .expect("valid period");
    let now: DateTime<Utc> = "2026-02-01T00:00:00Z".parse().expect("valid instant");
    let expected = report(&cases, january);
    assert!(expected.overall.resolution.count > 0 && expected.overall.csat.responses > 0);
    let open = workload(&cases, now).total.open;
    assert!(open > 0);

    let mut group = c.benchmark_group("analytics");
    group.sample_size(20);
    group.bench_function("report/20k_cases", |b| {
        b.iter(|| {
            let r = report(black_box(&cases), black_box(january));
            assert_eq!(r.overall.cases, expected.overall.cases);
            r
        })
    });
    group.bench_function("workload/20k_cases", |b| {
        b.iter(|| {
            let w = workload(black_box(&cases), black_box(now));
            assert_eq!(w.total.open, open);
            w
        })
    });
    group.finish();
}

criterion_group!(benches, analytics_20k);
criterion_main!(benches);
