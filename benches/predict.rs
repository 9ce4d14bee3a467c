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
//! Run with `cargo bench --bench predict`.
#![allow(missing_docs, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::case::{AiCategory, CaseType, Priority};
use hotcrm_support::ids::QueueId;
use hotcrm_support::sla::SlaTier;
use hotcrm_support::sla::predict::{Observation, PredictConfig, ResolutionModel, Stratum};

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

criterion_group!(benches, bench);
criterion_main!(benches);
