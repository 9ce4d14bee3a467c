//! SLA clock benchmarks.
//!
//! `sla/evaluate/100k_open_cases` measures one full SLA sweep: `sla::evaluate`
//! over 100,000 open cases whose milestones were scheduled on a New York
//! Mon–Fri 09:00–17:00 calendar, at an instant where a realistic mix of them
//! has warnings or violations due. This is what a desk's periodic sweep job
//! costs; the target is under 100 ms in total. Due and warning instants are
//! precomputed when milestones change, so the sweep itself does no calendar work.
//!
//! Run with `cargo bench --bench sla`.
#![allow(missing_docs, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::America::New_York;
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::calendar::BusinessHours;
use hotcrm_support::case::{Case, CaseRules, NewCase, Priority};
use hotcrm_support::ids::{AccountId, CaseId, CaseNumber, ContractId};
use hotcrm_support::sla::{self, Entitlement, SlaPolicy, SlaTier};

/// `n` open cases of every tier and priority, created one every 12 seconds
/// from Monday 2024-01-01 09:00 New York, and the sweep instant two weeks later.
fn open_cases(n: u32) -> (Vec<Case>, DateTime<Utc>) {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("valid time");
    let hours = BusinessHours::builder(New_York)
        .weekdays(t(9), t(17))
        .build()
        .expect("valid business hours");
    let rules = CaseRules::new(SlaPolicy::default(), hours);
    let start: DateTime<Utc> = "2024-01-01T14:00:00Z".parse().expect("valid instant");
    let tiers = SlaTier::ALL;
    let priorities = Priority::ALL;
    let cases = (1..=n)
        .map(|i| {
            let i_usize = i as usize;
            let tier = tiers[i_usize % tiers.len()];
            let priority = priorities[(i_usize / 7) % priorities.len()];
            let created = start + TimeDelta::seconds(i64::from(i) * 12);
            let new = NewCase::new(
                CaseId::from_u128(u128::from(i)),
                CaseNumber::new(2024, i).expect("valid number"),
                AccountId::from_u128(1),
                "Unable to login",
                "Error 500",
            )
            .with_priority(priority)
            .with_entitlement(Entitlement::new(ContractId::from_u128(1), tier));
            Case::create(new, created, &rules).expect("case").0
        })
        .collect();
    (cases, start + TimeDelta::days(14))
}

fn evaluate_100k(c: &mut Criterion) {
    let (cases, now) = open_cases(100_000);
    let expected: usize = cases
        .iter()
        .map(|case| sla::evaluate(case, now).len())
        .sum();
    assert!(expected > 0, "the sweep instant must have work to do");

    let mut group = c.benchmark_group("sla");
    group.sample_size(20);
    group.bench_function("evaluate/100k_open_cases", |b| {
        b.iter(|| {
            let fired: usize = black_box(&cases)
                .iter()
                .map(|case| sla::evaluate(case, black_box(now)).len())
                .sum();
            assert_eq!(fired, expected);
            fired
        })
    });
    group.finish();
}

criterion_group!(benches, evaluate_100k);
criterion_main!(benches);
