//! Resolution-time and breach prediction from the desk's own history, and a
//! workload optimiser built on it.
//!
//! Layer 2 (pure, offline, deterministic): depends on `calendar`, `case`,
//! `ids`, `error` and the rest of `sla`; no I/O, no clock, no randomness.
//!
//! - [`Observation`]: one case as business minutes on its Resolution clock
//!   (paused time excluded), resolved (an event) or still open (censored), with
//!   its [`Stratum`] (priority, type, AI category, queue, tier).
//! - [`SurvivalCurve`]: a Kaplan–Meier estimate of `S(t) = P(T > t)`.
//! - [`ResolutionModel`]: one curve per [`Group`] at each [`GroupLevel`];
//!   a prediction uses the finest group with at least
//!   [`PredictConfig::min_sample`] observations (default 30), falling back by
//!   dropping the queue, then the category, then the type, then the tier.
//! - [`ResolutionModel::predict_resolution`]: P50/P80/P90 of the remaining
//!   business time given the time already elapsed, as minutes and as instants
//!   on the case's calendar, with confidence and factors.
//! - [`ResolutionModel::predict_breach`]: the probability that the Resolution
//!   milestone is missed, `S(target) / S(elapsed)`, with risk factors from a
//!   [`BreachContext`] and a [`Recommendation`] under a [`BreachPolicy`].
//! - [`workload`]: agent utilisation, projected breaches and recommendations
//!   (reassign, add agents from Erlang C, relax a skill requirement).
//!
//! # Decisions
//!
//! - Times are whole business minutes on the case's SLA calendar
//!   ([`SlaPolicy::calendar`](crate::sla::SlaPolicy::calendar)); a case
//!   resolved at exactly its target is on time, as for the milestone itself.
//! - Ties: events come before censorings at the same minute.
//! - Past the data (the curve of the group ends above 0) a quantile is `None`
//!   and a breach probability carries `beyond_data` — nothing is extrapolated
//!   silently, nothing panics.
//! - The group used depends only on the case's features and the sample sizes,
//!   never on the elapsed time, so a case's breach probability never drops as
//!   its clock runs towards a fixed target.
//! - Risk factors do not change the probability (it stays calibrated); they
//!   raise the recommendation.

mod breach;
mod model;
mod observation;
mod survival;
pub mod workload;

pub use breach::{
    BreachContext, BreachEstimate, BreachPolicy, BreachPrediction, Recommendation, RiskFactor,
    RiskFactorKind,
};
pub use model::{
    Confidence, ConfidenceLevel, Factor, FactorKind, Group, GroupLevel, PredictConfig,
    PredictedDue, ResolutionEstimate, ResolutionModel, ResolutionPrediction,
};
pub use observation::{Observation, Stratum};
pub use survival::SurvivalCurve;
