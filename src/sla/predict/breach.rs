//! Breach probability of the Resolution milestone, the recommendation drawn
//! from it and the risk factors the desk knows about.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Confidence, Group, ResolutionModel, open_observation, target_minutes};
use super::observation::{Stratum, whole_minutes};
use crate::calendar::BusinessHours;
use crate::case::{Case, Sentiment};
use crate::error::{Error, Result};
use crate::sla::MilestoneState;

/// The probability that a case open after `elapsed_minutes` misses a
/// Resolution target of `target_minutes` business minutes.
///
/// The milestone is missed when the clock runs past the target, so the
/// probability is `P(T > target | T > elapsed) = S(target) / S(elapsed)` —
/// equivalently `S(elapsed + remaining) / S(elapsed)` with `remaining =
/// target − elapsed` (its complement `1 − S(elapsed + remaining)/S(elapsed)`
/// is the probability of resolving in time). Past the target it is 1.
/// `beyond_data` marks a probability the data cannot pin down: the target lies
/// past the group's last observation while its curve is above 0 (the value
/// then assumes no resolutions past the data, an upper bound), or no observed
/// case lasted as long as this one (`S(elapsed) = 0`; reported as 1).
///
/// ```
/// use hotcrm_support::case::{CaseType, Priority};
/// use hotcrm_support::sla::{SlaTier, predict::{Observation, PredictConfig, ResolutionModel, Stratum}};
/// let s = Stratum::new(Priority::High, CaseType::Problem, SlaTier::Gold);
/// let obs: Vec<_> = (1..=100).map(|m| Observation::resolved(m * 6, s)).collect();
/// let model = ResolutionModel::fit(&obs, PredictConfig::default());
/// // Target 480 minutes: 20 of 100 cases took longer.
/// assert!((model.breach_estimate(&s, 0, 480).probability - 0.2).abs() < 1e-12);
/// // Still open after 300 minutes: 20 of the 50 left take longer.
/// assert!((model.breach_estimate(&s, 300, 480).probability - 0.4).abs() < 1e-12);
/// assert_eq!(model.breach_estimate(&s, 481, 480).probability, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreachEstimate {
    /// The probability of missing the target, in `[0, 1]`.
    pub probability: f64,
    /// The data do not reach far enough (see the type's docs).
    pub beyond_data: bool,
    /// Business minutes elapsed.
    pub elapsed_minutes: u32,
    /// The target in business minutes.
    pub target_minutes: u32,
    /// `target − elapsed` (negative once the target has passed).
    pub remaining_minutes: i64,
    /// The group whose curve was used.
    pub group: Group,
    /// Its observations.
    pub sample_size: usize,
    /// Its resolved observations.
    pub events: usize,
    /// How much data the estimate rests on.
    pub confidence: Confidence,
}

impl ResolutionModel {
    /// The [`BreachEstimate`] of a case of `stratum` open after `elapsed`
    /// business minutes against a target of `target` business minutes.
    ///
    /// For a fixed target the probability never decreases as `elapsed` grows,
    /// and for a fixed `elapsed` it never increases as the target grows.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::*}};
    /// let s = Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard);
    /// let model = ResolutionModel::fit(&[Observation::open(100, s)], PredictConfig::default());
    /// let e = model.breach_estimate(&s, 10, 500);
    /// assert_eq!((e.probability, e.beyond_data), (1.0, true));
    /// ```
    pub fn breach_estimate(&self, stratum: &Stratum, elapsed: u32, target: u32) -> BreachEstimate {
        let (group, curve) = self.select(stratum);
        let base = curve.survival(elapsed);
        let (probability, beyond_data) = if elapsed > target {
            (1.0, false)
        } else if base <= 0.0 {
            (1.0, true)
        } else {
            let p = (curve.survival(target) / base).clamp(0.0, 1.0);
            (p, !curve.is_known(target))
        };
        BreachEstimate {
            probability,
            beyond_data,
            elapsed_minutes: elapsed,
            target_minutes: target,
            remaining_minutes: i64::from(target) - i64::from(elapsed),
            group,
            sample_size: curve.sample_size(),
            events: curve.events(),
            confidence: Confidence::new(curve.at_risk_after(elapsed), self.config().min_sample()),
        }
    }

    /// Predicts whether the open `case` will miss its Resolution milestone, as
    /// of `now`: the [`BreachEstimate`] for its stratum, the business minutes
    /// its Resolution clock has run on `calendar` (paused time excluded, see
    /// [`Observation::from_case`](super::Observation::from_case)) and its
    /// target; the risk factors `context` shows under `policy`; and the
    /// [`Recommendation`] they lead to.
    ///
    /// # Errors
    ///
    /// [`Error::NotAllowed`] when the Resolution milestone is completed;
    /// [`Error::Validation`] for a policy that breaks [`BreachPolicy::validate`].
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::{Case, CaseRules, NewCase, Priority};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::predict::*;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d");
    /// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// // Standard tier: 40 business hours. Past cases took 1..=100 hours.
    /// let history: Vec<_> = (1..=100).map(|h| Observation::resolved(h * 60, Stratum::of(&case))).collect();
    /// let model = ResolutionModel::fit(&history, PredictConfig::default());
    /// let cal = BusinessHours::always_open();
    /// let now = "2026-01-05T19:00:00Z".parse()?; // 10 hours in
    /// let context = BreachContext::from_case(&case, &cal, now).with_agent_load(9, 10);
    /// let p = model.predict_breach(&case, &cal, now, &context, &BreachPolicy::default())?;
    /// assert!((p.estimate.probability - 60.0 / 90.0).abs() < 1e-12);
    /// assert_eq!(p.risk_factors.len(), 1); // the owner is at 90% of capacity
    /// assert_eq!(p.recommendation, Recommendation::Reassign);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn predict_breach(
        &self,
        case: &Case,
        calendar: &BusinessHours,
        now: DateTime<Utc>,
        context: &BreachContext,
        policy: &BreachPolicy,
    ) -> Result<BreachPrediction> {
        policy.validate()?;
        let observation = open_observation(case, calendar, now, "predict breach")?;
        let estimate = self.breach_estimate(
            &observation.stratum,
            observation.minutes,
            target_minutes(case),
        );
        Ok(BreachPrediction::new(estimate, context, policy))
    }
}

/// What the desk knows about a case beyond its history, for the risk factors
/// of a breach prediction. Each field is optional data: leave it `None` (or
/// 0) when unknown and it raises no factor.
///
/// - `queue_backlog` / `queue_agents`: cases waiting unassigned in the case's
///   queue and agents available to it. A factor when the backlog per agent
///   reaches [`BreachPolicy::backlog_per_agent`] (no agents and any backlog
///   counts too).
/// - `agent_open_cases` / `agent_capacity`: the owner's open load and capacity.
///   A factor when the load reaches [`BreachPolicy::agent_utilisation`] of the
///   capacity.
/// - `sentiment`: the customer's current sentiment
///   ([`Case::customer_sentiment`]). Negative or Angry is a factor.
/// - `reopen_count`: times the case was reopened. A factor from
///   [`BreachPolicy::reopen_count`].
/// - `paused_minutes`: business minutes the Resolution clock spent paused
///   (finished and current pauses). A factor when at least
///   [`BreachPolicy::paused_share`] of the target.
///
/// ```
/// use hotcrm_support::sla::predict::BreachContext;
/// let c = BreachContext::default().with_queue_backlog(12, 3).with_agent_load(4, 8);
/// assert_eq!((c.queue_backlog, c.agent_capacity), (Some(12), Some(8)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BreachContext {
    /// Cases waiting unassigned in the case's queue.
    pub queue_backlog: Option<u32>,
    /// Agents available to that queue.
    pub queue_agents: Option<u32>,
    /// The owner's open cases.
    pub agent_open_cases: Option<u32>,
    /// The owner's capacity in cases.
    pub agent_capacity: Option<u32>,
    /// The customer's current sentiment.
    pub sentiment: Option<Sentiment>,
    /// Times the case was reopened.
    pub reopen_count: u32,
    /// Business minutes the Resolution clock was paused.
    pub paused_minutes: u32,
    /// The Resolution target in business minutes (0: unknown).
    pub target_minutes: u32,
}

impl BreachContext {
    /// The context the case itself provides at `now` on its SLA `calendar`:
    /// sentiment, reopen count, paused time and target.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::predict::BreachContext;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d");
    /// let (case, _) = Case::create(new, "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let c = BreachContext::from_case(&case, &BusinessHours::always_open(), "2026-01-05T10:00:00Z".parse()?);
    /// assert_eq!((c.reopen_count, c.paused_minutes, c.target_minutes), (0, 0, 40 * 60));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_case(case: &Case, calendar: &BusinessHours, now: DateTime<Utc>) -> BreachContext {
        let m = &case.milestones.resolution;
        let current = match m.state {
            MilestoneState::Paused { since } => calendar.between(since, now.max(since)),
            _ => TimeDelta::zero(),
        };
        let paused = m.paused.checked_add(&current).unwrap_or(TimeDelta::MAX);
        BreachContext {
            sentiment: case.customer_sentiment(),
            reopen_count: case.reopen_count,
            paused_minutes: whole_minutes(paused),
            target_minutes: target_minutes(case),
            ..BreachContext::default()
        }
    }

    /// Sets the queue's backlog and available agents.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::BreachContext;
    /// assert_eq!(BreachContext::default().with_queue_backlog(5, 1).queue_agents, Some(1));
    /// ```
    pub const fn with_queue_backlog(mut self, waiting: u32, agents: u32) -> BreachContext {
        self.queue_backlog = Some(waiting);
        self.queue_agents = Some(agents);
        self
    }

    /// Sets the owner's open load and capacity.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::BreachContext;
    /// assert_eq!(BreachContext::default().with_agent_load(5, 10).agent_open_cases, Some(5));
    /// ```
    pub const fn with_agent_load(mut self, open_cases: u32, capacity: u32) -> BreachContext {
        self.agent_open_cases = Some(open_cases);
        self.agent_capacity = Some(capacity);
        self
    }

    /// The risk factors present under `policy`, in the order queue backlog,
    /// agent load, sentiment, reopens, paused time.
    ///
    /// ```
    /// use hotcrm_support::case::Sentiment;
    /// use hotcrm_support::sla::predict::{BreachContext, BreachPolicy, RiskFactorKind};
    /// let c = BreachContext { sentiment: Some(Sentiment::Angry), reopen_count: 2, ..Default::default() };
    /// let kinds: Vec<_> = c.risk_factors(&BreachPolicy::default()).into_iter().map(|f| f.kind).collect();
    /// assert_eq!(kinds, [RiskFactorKind::NegativeSentiment, RiskFactorKind::Reopened]);
    /// ```
    pub fn risk_factors(&self, policy: &BreachPolicy) -> Vec<RiskFactor> {
        let mut factors = Vec::new();
        if let Some(waiting) = self.queue_backlog.filter(|&w| w > 0) {
            let agents = self.queue_agents.unwrap_or(0);
            let per_agent = f64::from(waiting) / f64::from(agents.max(1));
            if agents == 0 || per_agent >= policy.backlog_per_agent {
                factors.push(RiskFactor {
                    kind: RiskFactorKind::QueueBacklog,
                    reason: format!(
                        "{waiting} cases waiting in the queue for {agents} available agents"
                    ),
                });
            }
        }
        if let (Some(open), Some(capacity)) = (self.agent_open_cases, self.agent_capacity) {
            let full =
                capacity == 0 || f64::from(open) >= policy.agent_utilisation * f64::from(capacity);
            if full {
                factors.push(RiskFactor {
                    kind: RiskFactorKind::AgentLoad,
                    reason: format!("the owner has {open} open cases for a capacity of {capacity}"),
                });
            }
        }
        if let Some(s @ (Sentiment::Negative | Sentiment::Angry)) = self.sentiment {
            factors.push(RiskFactor {
                kind: RiskFactorKind::NegativeSentiment,
                reason: format!("the customer's sentiment is {s}"),
            });
        }
        if self.reopen_count >= policy.reopen_count.max(1) {
            factors.push(RiskFactor {
                kind: RiskFactorKind::Reopened,
                reason: format!("reopened {} times", self.reopen_count),
            });
        }
        if self.paused_minutes > 0
            && self.target_minutes > 0
            && f64::from(self.paused_minutes)
                >= policy.paused_share * f64::from(self.target_minutes)
        {
            factors.push(RiskFactor {
                kind: RiskFactorKind::LongPause,
                reason: format!(
                    "paused {} business minutes against a target of {}",
                    self.paused_minutes, self.target_minutes
                ),
            });
        }
        factors
    }
}

/// One risk factor of a breach prediction.
///
/// ```
/// use hotcrm_support::sla::predict::{RiskFactor, RiskFactorKind};
/// let f = RiskFactor { kind: RiskFactorKind::Reopened, reason: "reopened 2 times".into() };
/// assert_eq!(f.kind, RiskFactorKind::Reopened);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskFactor {
    /// Which factor.
    pub kind: RiskFactorKind,
    /// What was seen, with the numbers.
    pub reason: String,
}

/// The kinds of [`RiskFactor`] (see [`BreachContext`] for when each applies).
///
/// ```
/// use hotcrm_support::sla::predict::RiskFactorKind;
/// assert!(RiskFactorKind::QueueBacklog < RiskFactorKind::LongPause);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RiskFactorKind {
    /// Many cases waiting per available agent in the queue.
    QueueBacklog,
    /// The owner is near or over capacity.
    AgentLoad,
    /// The customer is negative or angry.
    NegativeSentiment,
    /// The case was reopened.
    Reopened,
    /// The clock was paused for a large share of the target.
    LongPause,
}

/// What to do about a case at risk, from the most to the least urgent.
///
/// ```
/// use hotcrm_support::sla::predict::Recommendation;
/// assert!(Recommendation::EscalateNow > Recommendation::Ok);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Recommendation {
    /// Nothing to do.
    Ok,
    /// Watch it: the risk is noticeable.
    Monitor,
    /// Move it to an agent with room (or assign it, when unowned).
    Reassign,
    /// Escalate it now.
    EscalateNow,
}

/// Lowercase words for logs and timelines.
///
/// ```
/// use hotcrm_support::sla::predict::Recommendation;
/// assert_eq!(Recommendation::EscalateNow.to_string(), "escalate now");
/// ```
impl std::fmt::Display for Recommendation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Recommendation::Ok => "ok",
            Recommendation::Monitor => "monitor",
            Recommendation::Reassign => "reassign",
            Recommendation::EscalateNow => "escalate now",
        })
    }
}

impl Recommendation {
    /// The next more urgent recommendation (EscalateNow stays).
    const fn raised(self) -> Recommendation {
        match self {
            Recommendation::Ok => Recommendation::Monitor,
            Recommendation::Monitor => Recommendation::Reassign,
            Recommendation::Reassign | Recommendation::EscalateNow => Recommendation::EscalateNow,
        }
    }
}

/// The thresholds of breach recommendations and risk factors, as data.
///
/// The recommendation comes from the probability band — at least
/// `escalate_now` (default 0.75): EscalateNow; at least `reassign` (0.5):
/// Reassign; at least `monitor` (0.2): Monitor; else Ok — raised one step
/// when at least `raise_after` risk factors (default 2) are present. A
/// milestone already past its target is EscalateNow. The factor thresholds
/// are documented on [`BreachContext`]: `backlog_per_agent` (default 3.0),
/// `agent_utilisation` (0.9), `reopen_count` (1), `paused_share` (0.5).
///
/// ```
/// use hotcrm_support::sla::predict::BreachPolicy;
/// let strict = BreachPolicy { escalate_now: 0.6, ..BreachPolicy::default() };
/// strict.validate()?;
/// assert!(BreachPolicy { monitor: 0.9, ..BreachPolicy::default() }.validate().is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BreachPolicy {
    /// Probability from which to escalate now.
    pub escalate_now: f64,
    /// Probability from which to reassign.
    pub reassign: f64,
    /// Probability from which to monitor.
    pub monitor: f64,
    /// Risk factors that raise the recommendation one step.
    pub raise_after: usize,
    /// Queue backlog per available agent that is a risk.
    pub backlog_per_agent: f64,
    /// Share of the owner's capacity in use that is a risk.
    pub agent_utilisation: f64,
    /// Reopens that are a risk.
    pub reopen_count: u32,
    /// Share of the target spent paused that is a risk.
    pub paused_share: f64,
}

impl Default for BreachPolicy {
    fn default() -> Self {
        BreachPolicy {
            escalate_now: 0.75,
            reassign: 0.5,
            monitor: 0.2,
            raise_after: 2,
            backlog_per_agent: 3.0,
            agent_utilisation: 0.9,
            reopen_count: 1,
            paused_share: 0.5,
        }
    }
}

impl BreachPolicy {
    /// Checks `0 < monitor <= reassign <= escalate_now <= 1`, `raise_after >= 1`
    /// and positive, finite factor thresholds.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    ///
    /// ```
    /// # use hotcrm_support::sla::predict::BreachPolicy;
    /// assert!(BreachPolicy { raise_after: 0, ..BreachPolicy::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("monitor", self.monitor),
            ("reassign", self.reassign),
            ("escalate_now", self.escalate_now),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return Err(Error::validation(
                    field,
                    format!("must be in (0, 1], got {value}"),
                ));
            }
        }
        if self.monitor > self.reassign || self.reassign > self.escalate_now {
            return Err(Error::validation(
                "monitor",
                format!(
                    "bands must be ordered monitor <= reassign <= escalate_now, got {} / {} / {}",
                    self.monitor, self.reassign, self.escalate_now
                ),
            ));
        }
        if self.raise_after == 0 {
            return Err(Error::validation(
                "raise_after",
                "must be at least 1, got 0",
            ));
        }
        for (field, value) in [
            ("backlog_per_agent", self.backlog_per_agent),
            ("agent_utilisation", self.agent_utilisation),
            ("paused_share", self.paused_share),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::validation(
                    field,
                    format!("must be positive, got {value}"),
                ));
            }
        }
        Ok(())
    }

    /// The recommendation for `probability` with `risk_factors` present, for a
    /// milestone not yet `past_target`.
    ///
    /// ```
    /// use hotcrm_support::sla::predict::{BreachPolicy, Recommendation};
    /// let p = BreachPolicy::default();
    /// assert_eq!(p.recommend(0.1, 0, false), Recommendation::Ok);
    /// assert_eq!(p.recommend(0.1, 2, false), Recommendation::Monitor);
    /// assert_eq!(p.recommend(0.6, 0, false), Recommendation::Reassign);
    /// assert_eq!(p.recommend(0.0, 0, true), Recommendation::EscalateNow);
    /// ```
    pub fn recommend(
        &self,
        probability: f64,
        risk_factors: usize,
        past_target: bool,
    ) -> Recommendation {
        if past_target {
            return Recommendation::EscalateNow;
        }
        let band = if probability >= self.escalate_now {
            Recommendation::EscalateNow
        } else if probability >= self.reassign {
            Recommendation::Reassign
        } else if probability >= self.monitor {
            Recommendation::Monitor
        } else {
            Recommendation::Ok
        };
        if risk_factors >= self.raise_after.max(1) {
            band.raised()
        } else {
            band
        }
    }
}

/// What [`ResolutionModel::predict_breach`] returns.
///
/// ```
/// # use hotcrm_support::sla::predict::{BreachPrediction, Recommendation};
/// fn needs_action(p: &BreachPrediction) -> bool {
///     p.recommendation >= Recommendation::Reassign
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreachPrediction {
    /// Probability, group, sample and confidence.
    pub estimate: BreachEstimate,
    /// What to do.
    pub recommendation: Recommendation,
    /// The risk factors present.
    pub risk_factors: Vec<RiskFactor>,
}

impl BreachPrediction {
    /// Combines an estimate with the risk factors of `context` under `policy`.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, sla::{SlaTier, predict::*}};
    /// let s = Stratum::new(Priority::Low, CaseType::Other, SlaTier::Standard);
    /// let model = ResolutionModel::fit(&[Observation::resolved(10, s)], PredictConfig::default());
    /// let p = BreachPrediction::new(model.breach_estimate(&s, 0, 60), &BreachContext::default(), &BreachPolicy::default());
    /// assert_eq!(p.recommendation, Recommendation::Ok);
    /// ```
    pub fn new(
        estimate: BreachEstimate,
        context: &BreachContext,
        policy: &BreachPolicy,
    ) -> BreachPrediction {
        let risk_factors = context.risk_factors(policy);
        let recommendation = policy.recommend(
            estimate.probability,
            risk_factors.len(),
            estimate.remaining_minutes < 0,
        );
        BreachPrediction {
            estimate,
            recommendation,
            risk_factors,
        }
    }
}
