//! Value types carried by a case: resolution category, satisfaction, survey,
//! escalation details, AI insights, elapsed-time metrics. Pure values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::{
    MAX_RELATED_ARTICLES, MAX_SHORT_TEXT, MAX_TEXT, escalation_level, optional_text, ordered,
    required_text, validated_record,
};
use super::{AiCategory, Sentiment};
use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, QueueId};
use crate::picklist::picklist;

picklist! {
    /// How a case was resolved.
    ///
    /// ```
    /// use hotcrm_support::case::ResolutionCategory;
    /// assert_eq!("Technical Support".parse::<ResolutionCategory>()?, ResolutionCategory::TechnicalSupport);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum ResolutionCategory: "resolution category" {
        /// Technical assistance provided.
        TechnicalSupport => "Technical Support",
        /// How-to help or product education.
        ProductGuidance => "Product Guidance",
        /// Settings or configuration updated.
        ConfigurationChange => "Configuration Change",
        /// A software bug was fixed.
        BugFix => "Bug Fix",
        /// An update or patch was applied.
        ProductUpdate => "Product Update",
        /// Training provided.
        Training => "Training",
        /// Not a bug, or working as designed.
        NoFixNeeded => "No Fix Needed",
        /// Anything else.
        Other => "Other",
    }
}

picklist! {
    /// The customer's satisfaction rating.
    ///
    /// ```
    /// use hotcrm_support::case::Satisfaction;
    /// assert_eq!(Satisfaction::VerySatisfied.score(), 5);
    /// assert_eq!("very dissatisfied".parse::<Satisfaction>()?.score(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum Satisfaction: "customer satisfaction" {
        /// 5 points.
        VerySatisfied => "Very Satisfied",
        /// 4 points.
        Satisfied => "Satisfied",
        /// 3 points.
        Neutral => "Neutral",
        /// 2 points.
        Dissatisfied => "Dissatisfied",
        /// 1 point.
        VeryDissatisfied => "Very Dissatisfied",
    }
}

impl Satisfaction {
    /// The score 1–5 of the level.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::Satisfaction::Neutral.score(), 3);
    /// ```
    pub const fn score(self) -> u8 {
        match self {
            Satisfaction::VerySatisfied => 5,
            Satisfaction::Satisfied => 4,
            Satisfaction::Neutral => 3,
            Satisfaction::Dissatisfied => 2,
            Satisfaction::VeryDissatisfied => 1,
        }
    }
}

validated_record! {
/// A recorded satisfaction rating.
///
/// ```
/// use hotcrm_support::case::{Satisfaction, SatisfactionRating};
/// # let at = "2026-01-05T09:00:00Z".parse()?;
/// let r = SatisfactionRating { level: Satisfaction::Satisfied, feedback: None, at };
/// assert_eq!(r.score(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SatisfactionRatingRecord")]
pub struct SatisfactionRating {
    /// The level chosen.
    pub level: Satisfaction,
    /// Free-text feedback.
    pub feedback: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}
mirror SatisfactionRatingRecord;
}

impl SatisfactionRating {
    /// Checks what [`CaseCommand::RecordSatisfaction`](super::CaseCommand::RecordSatisfaction)
    /// checks: feedback of at most 4,000 characters. (The score is derived from
    /// the level, so the two always agree.) Serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `feedback`.
    ///
    /// ```
    /// # use hotcrm_support::case::{Satisfaction, SatisfactionRating};
    /// # let at = "2026-01-05T09:00:00Z".parse()?;
    /// let r = SatisfactionRating { level: Satisfaction::Satisfied, feedback: Some("x".repeat(4001)), at };
    /// assert!(r.validate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        optional_text("feedback", self.feedback.as_deref(), MAX_SHORT_TEXT)
    }

    /// The score 1–5.
    ///
    /// ```
    /// # use hotcrm_support::case::{Satisfaction, SatisfactionRating};
    /// # let at = "2026-01-05T09:00:00Z".parse()?;
    /// assert_eq!(SatisfactionRating { level: Satisfaction::VerySatisfied, feedback: None, at }.score(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn score(&self) -> u8 {
        self.level.score()
    }
}

/// Why a satisfaction survey stopped accepting answers.
///
/// ```
/// use hotcrm_support::case::SurveyEndReason;
/// assert_ne!(SurveyEndReason::Expired, SurveyEndReason::Reopened);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SurveyEndReason {
    /// The case closed.
    Closed,
    /// The survey window passed.
    Expired,
    /// The case was reopened (a pending survey is cancelled).
    Reopened,
}

validated_record! {
/// The CSAT survey of a resolution: requested when the case is resolved,
/// accepted until the case closes or the survey window (default 28 days)
/// passes, whichever comes first; a reopen cancels it.
///
/// ```
/// use hotcrm_support::case::Survey;
/// # let at = "2026-01-05T09:00:00Z".parse()?;
/// let s = Survey { requested_at: at, expires_at: at + chrono::TimeDelta::days(28), answered: false, ended: None };
/// assert!(s.accepts(at));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SurveyRecord")]
pub struct Survey {
    /// When the survey became due (the resolution instant).
    pub requested_at: DateTime<Utc>,
    /// When it stops accepting answers at the latest.
    pub expires_at: DateTime<Utc>,
    /// Whether a rating has been recorded (it may still be changed while accepted).
    pub answered: bool,
    /// When and why the survey ended, if it has.
    pub ended: Option<(DateTime<Utc>, SurveyEndReason)>,
}
mirror SurveyRecord;
}

impl Survey {
    /// Checks the order of the survey's instants: it expires and ends no earlier
    /// than it was requested. Serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `expires_at` or `ended`.
    ///
    /// ```
    /// # use hotcrm_support::case::Survey;
    /// # let at: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// let s = Survey { requested_at: at, expires_at: at - chrono::TimeDelta::days(1), answered: false, ended: None };
    /// assert!(s.validate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        ordered(
            "expires_at",
            "requested_at",
            self.requested_at,
            self.expires_at,
        )?;
        if let Some((at, _)) = self.ended {
            ordered("ended", "requested_at", self.requested_at, at)?;
        }
        Ok(())
    }

    /// Whether a rating is accepted at `at`: not ended and before `expires_at`.
    ///
    /// ```
    /// # use hotcrm_support::case::Survey;
    /// # let at = "2026-01-05T09:00:00Z".parse()?;
    /// let s = Survey { requested_at: at, expires_at: at, answered: false, ended: None };
    /// assert!(!s.accepts(at));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accepts(&self, at: DateTime<Utc>) -> bool {
        self.ended.is_none() && at < self.expires_at
    }
}

/// Where a case is escalated to. The manager targets are resolved by the host
/// (the domain does not know the org chart).
///
/// ```
/// use hotcrm_support::case::EscalationTarget;
/// assert_eq!(EscalationTarget::OwnerManager.to_string(), "owner's manager");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id")]
pub enum EscalationTarget {
    /// A specific agent or manager.
    Agent(AgentId),
    /// A queue (for example a tier-2 queue).
    Queue(QueueId),
    /// The case owner's manager.
    OwnerManager,
    /// The account's customer success manager.
    SuccessManager,
    /// The senior support manager on duty.
    SupportManager,
}

impl std::fmt::Display for EscalationTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EscalationTarget::Agent(id) => write!(f, "agent {id}"),
            EscalationTarget::Queue(id) => write!(f, "queue {id}"),
            EscalationTarget::OwnerManager => f.write_str("owner's manager"),
            EscalationTarget::SuccessManager => f.write_str("customer success manager"),
            EscalationTarget::SupportManager => f.write_str("senior support manager"),
        }
    }
}

validated_record! {
/// The current escalation of a case.
///
/// ```
/// use hotcrm_support::case::{EscalationInfo, EscalationTarget};
/// # let at = "2026-01-05T09:00:00Z".parse()?;
/// let e = EscalationInfo { level: 2, at, to: EscalationTarget::OwnerManager, reason: "SLA violation".into() };
/// assert_eq!(e.level, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EscalationInfoRecord")]
pub struct EscalationInfo {
    /// Escalation level, 1–5.
    pub level: u8,
    /// When it was escalated (to this level).
    pub at: DateTime<Utc>,
    /// Escalated to whom.
    pub to: EscalationTarget,
    /// Why.
    pub reason: String,
}
mirror EscalationInfoRecord;
}

impl EscalationInfo {
    /// Checks what [`CaseCommand::Escalate`](super::CaseCommand::Escalate) checks:
    /// a level 1–5 and a reason that is not blank and at most 4,000 characters.
    /// Serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `level` or `reason`.
    ///
    /// ```
    /// use hotcrm_support::case::{EscalationInfo, EscalationTarget};
    /// # let at = "2026-01-05T09:00:00Z".parse()?;
    /// let e = EscalationInfo { level: 6, at, to: EscalationTarget::OwnerManager, reason: "late".into() };
    /// assert_eq!(e.validate().unwrap_err().to_string(), "invalid level: escalation level must be 1 to 5, got 6");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        escalation_level(self.level)?;
        required_text("reason", &self.reason, MAX_SHORT_TEXT)
    }
}

validated_record! {
/// What an AI provider found out about a case (all optional).
///
/// ```
/// use hotcrm_support::case::{AiCategory, AiInsights, Sentiment};
/// let ai = AiInsights { category: Some(AiCategory::Technical), sentiment: Some(Sentiment::Neutral), ..Default::default() };
/// assert!(ai.suggested_assignee.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "AiInsightsRecord")]
pub struct AiInsights {
    /// Suggested business category.
    pub category: Option<AiCategory>,
    /// Suggested assignee.
    pub suggested_assignee: Option<AgentId>,
    /// Related knowledge articles, most relevant first.
    pub related_articles: Vec<ArticleId>,
    /// Suggested solution text.
    pub suggested_solution: Option<String>,
    /// Detected customer sentiment.
    pub sentiment: Option<Sentiment>,
}
mirror AiInsightsRecord;
}

impl AiInsights {
    /// Checks what [`CaseCommand::UpdateAiInsights`](super::CaseCommand::UpdateAiInsights)
    /// checks: a suggested solution of at most 32,000 characters and at most 50
    /// related articles. Serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `suggested_solution` or `related_articles`.
    ///
    /// ```
    /// use hotcrm_support::case::AiInsights;
    /// use hotcrm_support::ids::ArticleId;
    /// AiInsights::default().validate()?;
    /// let many = AiInsights { related_articles: (0..51).map(ArticleId::from_u128).collect(), ..Default::default() };
    /// assert!(many.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        optional_text(
            "suggested_solution",
            self.suggested_solution.as_deref(),
            MAX_TEXT,
        )?;
        if self.related_articles.len() > MAX_RELATED_ARTICLES {
            return Err(Error::validation(
                "related_articles",
                format!(
                    "at most {MAX_RELATED_ARTICLES} articles, got {}",
                    self.related_articles.len()
                ),
            ));
        }
        Ok(())
    }
}

/// An elapsed time in whole minutes, both on the wall clock and in business
/// time on the case's SLA calendar (paused time excluded for resolution).
///
/// ```
/// use hotcrm_support::case::ElapsedMinutes;
/// let m = ElapsedMinutes { calendar: 3 * 24 * 60, business: 8 * 60 };
/// assert!(m.business <= m.calendar);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ElapsedMinutes {
    /// Wall-clock minutes.
    pub calendar: i64,
    /// Business minutes.
    pub business: i64,
}

/// A breach prediction the desk raised on a case
/// ([`CaseEvent::BreachPredicted`](super::CaseEvent::BreachPredicted)): kept so
/// it fires once, and usable by escalation rules
/// ([`Trigger::BreachPredicted`](crate::escalation::Trigger::BreachPredicted)).
///
/// ```
/// use hotcrm_support::case::BreachFlag;
/// use hotcrm_support::sla::predict::Recommendation;
/// let flag = BreachFlag { at: "2026-01-05T09:00:00Z".parse()?, permille: 820, recommendation: Recommendation::EscalateNow };
/// assert!((flag.probability() - 0.82).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreachFlag {
    /// When it was raised.
    pub at: DateTime<Utc>,
    /// The predicted probability of missing the Resolution milestone, in thousandths.
    pub permille: u16,
    /// The recommendation at the time.
    pub recommendation: crate::sla::predict::Recommendation,
}

impl BreachFlag {
    /// The probability as a fraction.
    pub fn probability(&self) -> f64 {
        f64::from(self.permille.min(1000)) / 1000.0
    }
}
