//! Kaplan–Meier survival curves on whole business minutes. Pure numbers, no
//! dependencies beyond `std`.

use serde::{Deserialize, Serialize};

/// Relative slack when comparing survival values, so that a product like
/// `9/10 · 8/9 · … · 5/6` that should be exactly 0.5 still meets a 0.5 threshold.
const EPSILON: f64 = 1e-9;

/// A Kaplan–Meier estimate of `S(t) = P(T > t)`, the probability that a case
/// is still unresolved after `t` business minutes.
///
/// Built from observations `(minutes, resolved)`: a resolved case is an event at
/// `minutes`, an open one is right-censored there. Ties follow the usual
/// convention: at one instant, events come before censorings, so a case
/// censored at `t` is still at risk for the events at `t`. `S` is a right-
/// continuous step function that drops only at event times; beyond the last
/// observation it is unknown and [`SurvivalCurve::survival`] repeats the last
/// value ([`SurvivalCurve::is_known`] tells the two apart).
///
/// # Example
///
/// ```
/// use hotcrm_support::sla::predict::SurvivalCurve;
/// // Resolved after 10, 20 and 30 minutes; one still open after 20.
/// let s = SurvivalCurve::fit([(10, true), (20, true), (20, false), (30, true)]);
/// assert_eq!(s.survival(5), 1.0);
/// assert_eq!(s.survival(10), 0.75);
/// assert_eq!(s.survival(20), 0.5); // 0.75 · (1 − 1/3): the censored case was still at risk
/// assert_eq!(s.survival(30), 0.0);
/// assert_eq!(s.quantile(0.5), Some(20));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SurvivalCurve {
    /// Distinct event times, ascending.
    times: Vec<u32>,
    /// `S` just after each event time.
    survival: Vec<f64>,
    /// Every observation time (events and censorings), ascending.
    observed: Vec<u32>,
    /// Number of events.
    events: usize,
}

impl SurvivalCurve {
    /// Fits the curve to `(minutes, resolved)` observations in any order.
    ///
    /// ```
    /// use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(30, false), (10, true)]);
    /// assert_eq!((s.sample_size(), s.events()), (2, 1));
    /// ```
    pub fn fit(observations: impl IntoIterator<Item = (u32, bool)>) -> SurvivalCurve {
        let mut sorted: Vec<(u32, bool)> = observations.into_iter().collect();
        sorted.sort_unstable();
        SurvivalCurve::from_sorted(&sorted)
    }

    /// Fits the curve to observations sorted by time.
    pub(crate) fn from_sorted(sorted: &[(u32, bool)]) -> SurvivalCurve {
        let mut times = Vec::new();
        let mut survival = Vec::new();
        let mut observed = Vec::with_capacity(sorted.len());
        let mut events = 0;
        let mut at_risk = sorted.len();
        let mut s = 1.0_f64;
        let mut rest = sorted;
        while let Some(&(t, _)) = rest.first() {
            let run = rest.partition_point(|&(u, _)| u == t);
            let (same, tail) = rest.split_at(run);
            let d = same.iter().filter(|&&(_, e)| e).count();
            if d > 0 {
                // `d <= at_risk`, both at least 1 here.
                s *= 1.0 - d as f64 / at_risk as f64;
                times.push(t);
                survival.push(s.max(0.0));
                events += d;
            }
            observed.extend(same.iter().map(|&(u, _)| u));
            at_risk -= run;
            rest = tail;
        }
        SurvivalCurve {
            times,
            survival,
            observed,
            events,
        }
    }

    /// The number of observations.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// assert_eq!(SurvivalCurve::fit([(1, true), (2, false)]).sample_size(), 2);
    /// ```
    pub fn sample_size(&self) -> usize {
        self.observed.len()
    }

    /// The number of events (resolved cases).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// assert_eq!(SurvivalCurve::fit([(1, true), (2, false)]).events(), 1);
    /// ```
    pub fn events(&self) -> usize {
        self.events
    }

    /// The latest observation time, if any.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// assert_eq!(SurvivalCurve::fit([(1, true), (7, false)]).last_time(), Some(7));
    /// ```
    pub fn last_time(&self) -> Option<u32> {
        self.observed.last().copied()
    }

    /// How many observations lasted longer than `minutes` (the cases a
    /// prediction conditional on `minutes` elapsed rests on).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(1, true), (5, false), (9, true)]);
    /// assert_eq!(s.at_risk_after(4), 2);
    /// ```
    pub fn at_risk_after(&self, minutes: u32) -> usize {
        self.observed.len() - self.observed.partition_point(|&t| t <= minutes)
    }

    /// `S(minutes)`: the estimated probability that a case is unresolved after
    /// `minutes` business minutes, in `[0, 1]` and non-increasing. Past the last
    /// observation it stays at its last value (see [`SurvivalCurve::is_known`]).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(10, true), (20, false)]);
    /// assert_eq!(s.survival(15), 0.5);
    /// assert_eq!(s.survival(1000), 0.5);
    /// ```
    pub fn survival(&self, minutes: u32) -> f64 {
        let i = self.times.partition_point(|&t| t <= minutes);
        i.checked_sub(1)
            .and_then(|i| self.survival.get(i))
            .copied()
            .unwrap_or(1.0)
    }

    /// Whether `S(minutes)` is estimated from data: `minutes` is within the
    /// observed range, or the curve already reached 0.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(10, true), (20, false)]);
    /// assert!(s.is_known(20));
    /// assert!(!s.is_known(21));
    /// ```
    pub fn is_known(&self, minutes: u32) -> bool {
        self.last_time().is_some_and(|last| minutes <= last) || self.survival(minutes) <= 0.0
    }

    /// The `p`-quantile of the resolution time: the first event time `t` with
    /// `S(t) <= 1 − p`. `None` when the data do not reach it (beyond data).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(10, true), (20, true), (30, false), (40, false)]);
    /// assert_eq!(s.quantile(0.5), Some(20));
    /// assert_eq!(s.quantile(0.8), None);
    /// ```
    pub fn quantile(&self, p: f64) -> Option<u32> {
        if !p.is_finite() {
            return None;
        }
        let threshold = (1.0 - p.clamp(0.0, 1.0)) * (1.0 + EPSILON);
        let i = self.survival.partition_point(|&s| s > threshold);
        self.times.get(i).copied()
    }

    /// The `p`-quantile of the total resolution time of a case still open
    /// after `elapsed` minutes: the first event time `t > elapsed` with
    /// `S(t) <= (1 − p) · S(elapsed)`. `None` when the data do not reach it,
    /// or when no observed case lasted longer than `elapsed` (`S(elapsed) = 0`).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::SurvivalCurve;
    /// let s = SurvivalCurve::fit([(10, true), (20, true), (30, true), (40, true)]);
    /// assert_eq!(s.conditional_quantile(0, 0.5), Some(20));
    /// // Open after 20 minutes: half of the rest is done by 30.
    /// assert_eq!(s.conditional_quantile(20, 0.5), Some(30));
    /// assert_eq!(s.conditional_quantile(40, 0.5), None);
    /// ```
    pub fn conditional_quantile(&self, elapsed: u32, p: f64) -> Option<u32> {
        let base = self.survival(elapsed);
        if base <= 0.0 || !p.is_finite() {
            return None;
        }
        let threshold = (1.0 - p.clamp(0.0, 1.0)) * base * (1.0 + EPSILON);
        let start = self.times.partition_point(|&t| t <= elapsed);
        let survival = self.survival.get(start..)?;
        let i = survival.partition_point(|&s| s > threshold);
        self.times.get(start + i).copied()
    }
}
