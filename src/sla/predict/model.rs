//! The stratified Kaplan–Meier model: fitting, stratum selection with
//! fallback, conditional resolution quantiles.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::observation::{Observation, Stratum, whole_minutes};
use super::survival::SurvivalCurve;
use crate::calendar::BusinessHours;
use crate::case::{AiCategory, Case, CaseType, Priority};
use crate::error::{Error, Result};
use crate::ids::QueueId;
use crate::sla::SlaTier;

/// How fine a [`Group`] is, from the full stratum to all cases. The model
/// tries them in this order and uses the first with enough observations.
///
/// ```
/// use hotcrm_support::sla::predict::GroupLevel;
/// assert_eq!(GroupLevel::ALL.first(), Some(&GroupLevel::Stratum));
/// assert_eq!(GroupLevel::ALL.last(), Some(&GroupLevel::Overall));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupLevel {
    /// Priority, type, AI category, queue and tier.
    Stratum,
    /// Priority, type, AI category and tier (queue dropped).
    WithoutQueue,
    /// Priority, type and tier (category dropped too).
    WithoutCategory,
    /// Priority and tier (type dropped too).
    PriorityAndTier,
    /// Priority alone.
    Priority,
    /// Every case.
    Overall,
}

impl GroupLevel {
    /// Every level, finest first.
    pub const ALL: [GroupLevel; 6] = [
        GroupLevel::Stratum,
        GroupLevel::WithoutQueue,
        GroupLevel::WithoutCategory,
        GroupLevel::PriorityAndTier,
        GroupLevel::Priority,
        GroupLevel::Overall,
    ];
}

/// A group of cases the model keeps a curve for: a [`GroupLevel`] and the
/// features that level keeps. Features the level drops are `None`; for the
/// kept optional ones (category, queue) `None` means the cases had none.
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{Group, GroupLevel, Stratum}};
/// let s = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold);
/// let g = Group::of(&s, GroupLevel::PriorityAndTier);
/// assert_eq!((g.priority, g.case_type, g.tier), (Some(Priority::High), None, Some(SlaTier::Gold)));
/// assert_eq!(g.to_string(), "priority High, tier Gold");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    /// Which features are kept.
    pub level: GroupLevel,
    /// Priority (all levels but Overall).
    pub priority: Option<Priority>,
    /// Type (Stratum, WithoutQueue, WithoutCategory).
    pub case_type: Option<CaseType>,
    /// AI category (Stratum, WithoutQueue).
    pub category: Option<AiCategory>,
    /// Queue (Stratum).
    pub queue: Option<QueueId>,
    /// Tier (all levels down to PriorityAndTier).
    pub tier: Option<SlaTier>,
}

impl Group {
    /// The group of `stratum` at `level`.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::{Group, GroupLevel, Stratum}}};
    /// let s = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold);
    /// assert_eq!(Group::of(&s, GroupLevel::Overall).priority, None);
    /// ```
    pub fn of(stratum: &Stratum, level: GroupLevel) -> Group {
        let keeps = |finest: GroupLevel| level <= finest;
        Group {
            level,
            priority: keeps(GroupLevel::Priority).then_some(stratum.priority),
            case_type: keeps(GroupLevel::WithoutCategory).then_some(stratum.case_type),
            category: stratum.category.filter(|_| keeps(GroupLevel::WithoutQueue)),
            queue: stratum.queue.filter(|_| keeps(GroupLevel::Stratum)),
            tier: keeps(GroupLevel::PriorityAndTier).then_some(stratum.tier),
        }
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = self.priority {
            parts.push(format!("priority {p}"));
        }
        if let Some(t) = self.case_type {
            parts.push(format!("type {t}"));
        }
        if self.level <= GroupLevel::WithoutQueue {
            parts.push(match self.category {
                Some(c) => format!("category {c}"),
                None => "no category".to_owned(),
            });
        }
        if self.level == GroupLevel::Stratum {
            parts.push(match self.queue {
                Some(q) => format!("queue {q}"),
                None => "no queue".to_owned(),
            });
        }
        if let Some(t) = self.tier {
            parts.push(format!("tier {t}"));
        }
        if parts.is_empty() {
            f.write_str("all cases")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Settings of [`ResolutionModel::fit`]: the minimum number of observations a
/// group needs before the model uses it instead of a coarser one (default 30).
///
/// ```
/// use hotcrm_support::sla::predict::PredictConfig;
/// assert_eq!(PredictConfig::default().min_sample(), 30);
/// assert!(PredictConfig::default().with_min_sample(0).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictConfig {
    min_sample: usize,
}

impl Default for PredictConfig {
    fn default() -> Self {
        PredictConfig { min_sample: 30 }
    }
}

impl PredictConfig {
    /// Sets the minimum sample of a group.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (`min_sample`) for 0.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::PredictConfig;
    /// assert_eq!(PredictConfig::default().with_min_sample(50)?.min_sample(), 50);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_min_sample(mut self, min_sample: usize) -> Result<Self> {
        if min_sample == 0 {
            return Err(Error::validation("min_sample", "must be at least 1, got 0"));
        }
        self.min_sample = min_sample;
        Ok(self)
    }

    /// The minimum sample of a group.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::PredictConfig;
    /// assert_eq!(PredictConfig::default().min_sample(), 30);
    /// ```
    pub const fn min_sample(&self) -> usize {
        self.min_sample
    }
}

/// How much data a prediction rests on.
///
/// The score is `m / (m + min_sample)`, where `m` is the number of observations
/// of the group used that lasted longer than the case's elapsed time (the cases
/// the conditional estimate is made of): 0.5 at exactly the minimum sample.
/// [`Confidence::level`] names it: High from 0.8 (`m >= 4 · min_sample`),
/// Medium from 0.5, Low below.
///
/// ```
/// use hotcrm_support::sla::predict::{Confidence, ConfidenceLevel};
/// let c = Confidence::new(120, 30);
/// assert_eq!(c.score, 0.8);
/// assert_eq!(c.level(), ConfidenceLevel::High);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// Observations at risk behind the estimate.
    pub at_risk: usize,
    /// `at_risk / (at_risk + min_sample)`, in `[0, 1)`.
    pub score: f64,
}

/// [`Confidence`] in words.
///
/// ```
/// use hotcrm_support::sla::predict::{Confidence, ConfidenceLevel};
/// assert_eq!(Confidence::new(3, 30).level(), ConfidenceLevel::Low);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ConfidenceLevel {
    /// Fewer cases at risk than the minimum sample.
    Low,
    /// At least the minimum sample.
    Medium,
    /// At least four times the minimum sample.
    High,
}

impl Confidence {
    /// The confidence of an estimate resting on `at_risk` observations.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::Confidence;
    /// assert_eq!(Confidence::new(30, 30).score, 0.5);
    /// ```
    pub fn new(at_risk: usize, min_sample: usize) -> Confidence {
        let m = at_risk as f64;
        let total = m + min_sample.max(1) as f64;
        Confidence {
            at_risk,
            score: m / total,
        }
    }

    /// The level of the score.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::{Confidence, ConfidenceLevel};
    /// assert_eq!(Confidence::new(30, 30).level(), ConfidenceLevel::Medium);
    /// ```
    pub fn level(&self) -> ConfidenceLevel {
        if self.score >= 0.8 {
            ConfidenceLevel::High
        } else if self.score >= 0.5 {
            ConfidenceLevel::Medium
        } else {
            ConfidenceLevel::Low
        }
    }
}

/// One group the model looked at for a prediction.
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{FactorKind, Observation, PredictConfig, ResolutionModel, Stratum}};
/// let s = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold);
/// let model = ResolutionModel::fit(&[Observation::resolved(60, s)], PredictConfig::default());
/// let e = model.estimate(&s, 0);
/// // One case is far below 30: every finer group is skipped, the overall curve is used.
/// assert!(e.factors.iter().any(|f| f.kind == FactorKind::Skipped));
/// assert_eq!(e.factors.last().map(|f| f.kind), Some(FactorKind::Used));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Skipped (too small), a coarser step on the way, or the group used.
    pub kind: FactorKind,
    /// The group.
    pub group: Group,
    /// Its observations.
    pub sample_size: usize,
    /// Its resolved observations.
    pub events: usize,
    /// Its conditional median of the remaining business minutes (`None` beyond data).
    pub p50_remaining: Option<u32>,
    /// `p50_remaining` minus the overall model's (negative: faster than all cases).
    pub shift_vs_overall: Option<i64>,
    /// The same in words.
    pub reason: String,
}

/// The role of a [`Factor`].
///
/// ```
/// use hotcrm_support::sla::predict::FactorKind;
/// assert_ne!(FactorKind::Used, FactorKind::Skipped);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FactorKind {
    /// A finer group with fewer observations than the minimum sample.
    Skipped,
    /// A coarser group between the overall model and the one used: how each
    /// added feature moved the median.
    Step,
    /// The group the prediction uses.
    Used,
}

/// Conditional resolution quantiles for a case open after `elapsed_minutes`.
///
/// Each quantile is the remaining business minutes `r` such that a case like
/// this one, already open for `elapsed_minutes`, is resolved within `r` more
/// minutes with probability 0.5 / 0.8 / 0.9 — computed as the quantile of the
/// conditional survival `S(t) / S(elapsed)`. `None` means beyond data: the
/// group's observations never get that far (the last ones are still open), or
/// none lasted longer than `elapsed_minutes`. `p50 <= p80 <= p90` whenever they
/// are known, and a later quantile is unknown whenever an earlier one is.
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{Observation, PredictConfig, ResolutionModel, Stratum}};
/// let s = Stratum::new(Priority::Medium, CaseType::Problem, SlaTier::Silver);
/// let obs: Vec<_> = (1..=100).map(|m| Observation::resolved(m * 10, s)).collect();
/// let model = ResolutionModel::fit(&obs, PredictConfig::default());
/// let e = model.estimate(&s, 0);
/// assert_eq!((e.p50, e.p80, e.p90), (Some(500), Some(800), Some(900)));
/// let later = model.estimate(&s, 500);
/// assert_eq!(later.p50, Some(250)); // half of the 50 cases left are done by 750
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionEstimate {
    /// Business minutes already elapsed.
    pub elapsed_minutes: u32,
    /// Median remaining business minutes.
    pub p50: Option<u32>,
    /// 80th percentile of the remaining business minutes.
    pub p80: Option<u32>,
    /// 90th percentile of the remaining business minutes.
    pub p90: Option<u32>,
    /// The group whose curve was used.
    pub group: Group,
    /// Its observations.
    pub sample_size: usize,
    /// Its resolved observations.
    pub events: usize,
    /// How much data the estimate rests on.
    pub confidence: Confidence,
    /// Skipped groups (finest first), then the steps from the overall model to
    /// the group used (coarsest first), the last one being the group used.
    pub factors: Vec<Factor>,
}

/// A stratified Kaplan–Meier model of business minutes to resolution.
///
/// [`ResolutionModel::fit`] keeps one [`SurvivalCurve`] per [`Group`] at every
/// [`GroupLevel`]. A prediction for a stratum uses the finest group with at
/// least [`PredictConfig::min_sample`] observations, falling back through
/// the levels in [`GroupLevel::ALL`] order down to all cases (used whatever
/// its size). The choice depends only on the features, never on the elapsed
/// time, so a case's predictions move smoothly as its clock runs.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{GroupLevel, Observation, PredictConfig, ResolutionModel, Stratum}};
/// let high = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold);
/// let low = Stratum::new(Priority::Low, CaseType::Question, SlaTier::Standard);
/// let mut obs: Vec<_> = (0..40).map(|i| Observation::resolved(60 + i, high)).collect();
/// obs.extend((0..40).map(|i| Observation::open(600 + i, low)));
/// let model = ResolutionModel::fit(&obs, PredictConfig::default());
/// let e = model.estimate(&high, 0);
/// assert_eq!(e.group.level, GroupLevel::Stratum);
/// assert_eq!((e.sample_size, e.events), (40, 40));
/// assert!(model.estimate(&low, 0).p50.is_none()); // all still open: beyond data
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionModel {
    config: PredictConfig,
    overall: SurvivalCurve,
    groups: BTreeMap<Group, SurvivalCurve>,
}

impl ResolutionModel {
    /// Fits the model to `observations` (resolved and open cases alike).
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::{PredictConfig, ResolutionModel};
    /// let model = ResolutionModel::fit(&[], PredictConfig::default());
    /// assert_eq!(model.overall().sample_size(), 0);
    /// ```
    pub fn fit(observations: &[Observation], config: PredictConfig) -> ResolutionModel {
        let mut groups = BTreeMap::new();
        let mut overall = SurvivalCurve::default();
        let mut rows: Vec<(Group, u32, bool)> = Vec::with_capacity(observations.len());
        for level in GroupLevel::ALL {
            rows.clear();
            rows.extend(
                observations
                    .iter()
                    .map(|o| (Group::of(&o.stratum, level), o.minutes, o.resolved)),
            );
            rows.sort_unstable();
            let mut rest = rows.as_slice();
            let mut times = Vec::new();
            while let Some(&(group, _, _)) = rest.first() {
                let run = rest.partition_point(|r| r.0 == group);
                let (same, tail) = rest.split_at(run);
                times.clear();
                times.extend(same.iter().map(|&(_, t, e)| (t, e)));
                let curve = SurvivalCurve::from_sorted(&times);
                if level == GroupLevel::Overall {
                    overall = curve;
                } else {
                    groups.insert(group, curve);
                }
                rest = tail;
            }
        }
        ResolutionModel {
            config,
            overall,
            groups,
        }
    }

    /// The settings the model was fitted with.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::{PredictConfig, ResolutionModel};
    /// assert_eq!(ResolutionModel::fit(&[], PredictConfig::default()).config().min_sample(), 30);
    /// ```
    pub fn config(&self) -> &PredictConfig {
        &self.config
    }

    /// The curve of all cases.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::{PredictConfig, ResolutionModel};
    /// assert_eq!(ResolutionModel::fit(&[], PredictConfig::default()).overall().survival(10), 1.0);
    /// ```
    pub fn overall(&self) -> &SurvivalCurve {
        &self.overall
    }

    /// The curve of `group`, if any observation fell in it.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::*}};
    /// let s = Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard);
    /// let model = ResolutionModel::fit(&[Observation::resolved(5, s)], PredictConfig::default());
    /// assert_eq!(model.curve(&Group::of(&s, GroupLevel::Priority)).map(|c| c.sample_size()), Some(1));
    /// ```
    pub fn curve(&self, group: &Group) -> Option<&SurvivalCurve> {
        if group.level == GroupLevel::Overall {
            Some(&self.overall)
        } else {
            self.groups.get(group)
        }
    }

    /// The group a prediction for `stratum` uses, with its curve.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::*}};
    /// let s = Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard);
    /// let model = ResolutionModel::fit(&[Observation::resolved(5, s)], PredictConfig::default());
    /// assert_eq!(model.select(&s).0.level, GroupLevel::Overall);
    /// ```
    pub fn select(&self, stratum: &Stratum) -> (Group, &SurvivalCurve) {
        for level in GroupLevel::ALL {
            let group = Group::of(stratum, level);
            if let Some(curve) = self.curve(&group) {
                if level == GroupLevel::Overall || curve.sample_size() >= self.config.min_sample {
                    return (group, curve);
                }
            }
        }
        (Group::of(stratum, GroupLevel::Overall), &self.overall)
    }

    /// The conditional resolution quantiles of a case of `stratum` open after
    /// `elapsed` business minutes, with the groups that shaped them.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::*}};
    /// let s = Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard);
    /// let obs: Vec<_> = (1..=10).map(|m| Observation::resolved(m, s)).collect();
    /// let e = ResolutionModel::fit(&obs, PredictConfig::default()).estimate(&s, 4);
    /// assert_eq!((e.p50, e.p90), (Some(3), Some(6)));
    /// ```
    pub fn estimate(&self, stratum: &Stratum, elapsed: u32) -> ResolutionEstimate {
        let (used, curve) = self.select(stratum);
        let remaining = |c: &SurvivalCurve, p: f64| {
            c.conditional_quantile(elapsed, p)
                .map(|t| t.saturating_sub(elapsed))
        };
        let overall_p50 = remaining(&self.overall, 0.5);
        let mut factors = Vec::new();
        for level in GroupLevel::ALL.iter().take_while(|&&l| l < used.level) {
            let group = Group::of(stratum, *level);
            let (n, d) = self
                .curve(&group)
                .map_or((0, 0), |c| (c.sample_size(), c.events()));
            factors.push(Factor {
                kind: FactorKind::Skipped,
                group,
                sample_size: n,
                events: d,
                p50_remaining: None,
                shift_vs_overall: None,
                reason: format!(
                    "{group}: {n} cases, fewer than the minimum {}",
                    self.config.min_sample
                ),
            });
        }
        for level in GroupLevel::ALL.iter().rev().filter(|&&l| l >= used.level) {
            let group = Group::of(stratum, *level);
            let Some(c) = self.curve(&group) else {
                continue;
            };
            let p50 = remaining(c, 0.5);
            let shift = p50
                .zip(overall_p50)
                .map(|(a, b)| i64::from(a) - i64::from(b));
            let kind = if *level == used.level {
                FactorKind::Used
            } else {
                FactorKind::Step
            };
            let median = p50.map_or("beyond the data".to_owned(), |m| format!("{m} min"));
            let reason = match shift {
                Some(s) if *level != GroupLevel::Overall => {
                    format!("{group}: median remaining {median} ({s:+} min vs all cases)")
                }
                _ => format!("{group}: median remaining {median}"),
            };
            factors.push(Factor {
                kind,
                group,
                sample_size: c.sample_size(),
                events: c.events(),
                p50_remaining: p50,
                shift_vs_overall: shift,
                reason,
            });
        }
        ResolutionEstimate {
            elapsed_minutes: elapsed,
            p50: remaining(curve, 0.5),
            p80: remaining(curve, 0.8),
            p90: remaining(curve, 0.9),
            group: used,
            sample_size: curve.sample_size(),
            events: curve.events(),
            confidence: Confidence::new(curve.at_risk_after(elapsed), self.config.min_sample),
            factors,
        }
    }

    /// Predicts when the open `case` will be resolved, as of `now`: the
    /// [`ResolutionEstimate`] for its stratum and the business minutes its
    /// Resolution milestone has run on `calendar` (its SLA calendar, see
    /// [`Observation::from_case`]), plus each quantile as an instant,
    /// `calendar.add(now, remaining)`. When the case is paused now, the
    /// instants assume its clock resumes at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when the case's Resolution milestone is completed;
    /// what [`BusinessHours::add`] returns for a due instant.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::predict::{Observation, PredictConfig, ResolutionModel, Stratum};
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d");
    /// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let history: Vec<_> = (1..=60).map(|h| Observation::resolved(h * 60, Stratum::of(&case))).collect();
    /// let model = ResolutionModel::fit(&history, PredictConfig::default());
    /// let p = model.predict_resolution(&case, &BusinessHours::always_open(), "2026-01-05T10:00:00Z".parse()?)?;
    /// let p50 = p.p50.ok_or("beyond data")?;
    /// assert_eq!(p50.remaining_minutes, 30 * 60);
    /// assert_eq!(p50.due.to_rfc3339(), "2026-01-06T16:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict_resolution(
        &self,
        case: &Case,
        calendar: &BusinessHours,
        now: DateTime<Utc>,
    ) -> Result<ResolutionPrediction> {
        let observation = open_observation(case, calendar, now, "predict resolution")?;
        let estimate = self.estimate(&observation.stratum, observation.minutes);
        let due = |q: Option<u32>| -> Result<Option<PredictedDue>> {
            q.map(|m| {
                Ok(PredictedDue {
                    remaining_minutes: m,
                    due: calendar.add(now, TimeDelta::minutes(i64::from(m)))?,
                })
            })
            .transpose()
        };
        Ok(ResolutionPrediction {
            p50: due(estimate.p50)?,
            p80: due(estimate.p80)?,
            p90: due(estimate.p90)?,
            estimate,
        })
    }
}

/// The observation of an open case, or the error naming `command`.
pub(crate) fn open_observation(
    case: &Case,
    calendar: &BusinessHours,
    now: DateTime<Utc>,
    command: &'static str,
) -> Result<Observation> {
    let observation = Observation::from_case(case, calendar, now);
    if observation.resolved {
        return Err(Error::NotAllowed {
            command,
            reason: format!(
                "case {} is resolved: its resolution milestone is completed",
                case.number
            ),
        });
    }
    Ok(observation)
}

/// A predicted resolution: remaining business minutes and the instant they
/// end on the case's calendar.
///
/// ```
/// use hotcrm_support::sla::predict::PredictedDue;
/// let d = PredictedDue { remaining_minutes: 90, due: "2026-01-05T10:30:00Z".parse()? };
/// assert_eq!(d.remaining_hours(), 1.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictedDue {
    /// Remaining business minutes.
    pub remaining_minutes: u32,
    /// `now` plus that business time on the case's calendar.
    pub due: DateTime<Utc>,
}

impl PredictedDue {
    /// The remaining business time in hours.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::PredictedDue;
    /// let d = PredictedDue { remaining_minutes: 30, due: "2026-01-05T10:30:00Z".parse()? };
    /// assert_eq!(d.remaining_hours(), 0.5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remaining_hours(&self) -> f64 {
        f64::from(self.remaining_minutes) / 60.0
    }
}

/// What [`ResolutionModel::predict_resolution`] returns: P50/P80/P90 as due
/// instants (`None`: beyond data) and the estimate behind them.
///
/// ```
/// # use hotcrm_support::sla::predict::ResolutionPrediction;
/// fn summary(p: &ResolutionPrediction) -> String {
///     match p.p80 {
///         Some(d) => format!("80% by {}", d.due),
///         None => "longer than any case seen".to_owned(),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolutionPrediction {
    /// The median.
    pub p50: Option<PredictedDue>,
    /// The 80th percentile.
    pub p80: Option<PredictedDue>,
    /// The 90th percentile.
    pub p90: Option<PredictedDue>,
    /// Quantiles in minutes, group, sample, confidence and factors.
    pub estimate: ResolutionEstimate,
}

/// Business minutes of the Resolution target (for breach predictions).
pub(crate) fn target_minutes(case: &Case) -> u32 {
    whole_minutes(case.milestones.resolution.target)
}
