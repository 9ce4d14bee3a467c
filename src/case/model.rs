//! The Case aggregate (every field of the original system's case object) and `NewCase`, the input of
//! case creation. Pure values; the rules live in `decide`, state changes in `apply`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::validate::{
    MAX_SUBJECT, MAX_TEXT, optional_text, ordered, required_text, validated_record,
};
use super::{
    AiInsights, CaseStatus, CaseType, Comment, ElapsedMinutes, EscalationInfo, Origin, Priority,
    ResolutionCategory, SatisfactionRating, Sentiment, Survey,
};
use crate::error::{Error, Result};
use crate::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, ContractId, ProductId, QueueId,
};
use crate::sla::{Entitlement, Milestone, MilestoneKind, MilestoneState, Milestones, SlaTier};

validated_record! {
/// A customer-service case.
///
/// Fields are public to read; change a case only through
/// [`Case::execute`] (or [`decide`](super::decide) + [`Case::apply`]) so the
/// rules hold and every change is an event. The struct is `#[non_exhaustive]`:
/// create cases with [`Case::create`], load them with serde.
///
/// Loading checks the invariants the commands keep ([`Case::validate`]): a case
/// that is Closed without `closed_at`, has a blank subject or two comments with
/// one id is a serde error naming the field.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Case, CaseCommand, CaseRules, CaseStatus, NewCase, Priority};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
///
/// let rules = CaseRules::default();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Unable to login", "Error 500")
///     .with_priority(Priority::High);
/// let (mut case, _events) = Case::create(new, now, &rules)?;
/// assert_eq!(case.number.to_string(), "CASE-2026-0001");
/// case.execute(CaseCommand::Assign { agent: AgentId::from_u128(3) }, now, &rules)?;
/// assert_eq!(case.status, CaseStatus::Open);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CaseRecord")]
#[non_exhaustive]
pub struct Case {
    /// The case's id.
    pub id: CaseId,
    /// The human-readable number, `CASE-YYYY-NNNN`.
    pub number: CaseNumber,
    /// The closed case this one follows up, if any.
    pub parent: Option<CaseId>,
    /// Subject (required).
    pub subject: String,
    /// Problem description (required).
    pub description: String,
    /// Lifecycle status.
    pub status: CaseStatus,
    /// Priority.
    pub priority: Priority,
    /// Type of request.
    pub case_type: CaseType,
    /// Channel it came in through.
    pub origin: Origin,
    /// Customer account (required).
    pub account: AccountId,
    /// Person who reported it.
    pub contact: Option<ContactId>,
    /// Service contract whose entitlement set the tier.
    pub contract: Option<ContractId>,
    /// Related product.
    pub product: Option<ProductId>,
    /// Owning agent.
    pub owner: Option<AgentId>,
    /// Support queue.
    pub queue: Option<QueueId>,
    /// SLA tier, fixed at creation.
    pub sla_tier: SlaTier,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
    /// The latest instant of any event applied.
    pub updated_at: DateTime<Utc>,
    /// The latest comment, status change or assignment.
    pub last_activity_at: DateTime<Utc>,
    /// When the first public agent reply was sent.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When the case was (last) resolved; cleared by a reopen.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the case was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Creation to first response.
    pub response_time: Option<ElapsedMinutes>,
    /// Creation to resolution (business minutes exclude paused time).
    pub resolution_time: Option<ElapsedMinutes>,
    /// Some milestone was violated at some point; never reverts.
    pub is_sla_violated: bool,
    /// The current escalation, if escalated.
    pub escalation: Option<EscalationInfo>,
    /// Resolution text.
    pub resolution: Option<String>,
    /// Root-cause analysis.
    pub root_cause: Option<String>,
    /// How it was resolved.
    pub resolution_category: Option<ResolutionCategory>,
    /// Knowledge article that resolved it.
    pub linked_article: Option<ArticleId>,
    /// The customer's rating.
    pub satisfaction: Option<SatisfactionRating>,
    /// The CSAT survey of the latest resolution.
    pub survey: Option<Survey>,
    /// AI findings.
    pub ai: AiInsights,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// SLA milestones.
    pub milestones: Milestones,
    /// Names of escalation rules that already fired (each fires once per case).
    pub fired_rules: BTreeSet<String>,
    /// How many times the case was reopened.
    pub reopen_count: u32,
    /// The desk's breach prediction, once it found a miss likely.
    #[serde(default)]
    pub breach_predicted: Option<super::BreachFlag>,
    /// The business category an agent set (or accepted from the AI's
    /// suggestion); see [`CaseEdit::Category`](super::CaseEdit::Category).
    #[serde(default)]
    pub category: Option<super::AiCategory>,
    /// The case this duplicate was merged into (it is then Closed).
    #[serde(default)]
    pub merged_into: Option<CaseId>,
    /// The named SLA policy version chosen at creation, which the case keeps
    /// (see [`SlaPolicies`](crate::sla::SlaPolicies)); `None`: the desk's policy.
    #[serde(default)]
    pub sla_policy: Option<crate::sla::PolicyRef>,
}
mirror CaseRecord;
}

impl Case {
    /// Checks the invariants every case built by [`Case::create`] and its
    /// commands keeps; serde runs it when a case is loaded, so a stored case
    /// that breaks one is refused with an error naming the field.
    ///
    /// - **Texts** as the commands accept them: subject and description not
    ///   blank (at most 255 and 32,000 characters); resolution not blank and root
    ///   cause within 32,000; escalation reason, AI insights, satisfaction feedback
    ///   and fired rule names within their limits; every comment valid
    ///   ([`Comment::validate`]).
    /// - **Status and timestamps agree**: Resolved has `resolved_at` and a
    ///   resolution; Closed also has `closed_at`, and `closed_at` means Closed;
    ///   Escalated has an escalation; `resolution_time` is set exactly when
    ///   `resolved_at` is, `response_time` exactly when `first_response_at` is.
    /// - **Timestamps are ordered**: `created_at <= updated_at`, and every instant
    ///   an event stamped (last activity, first response, resolution, closure,
    ///   comments, escalation, rating, survey request, milestone starts, pauses and
    ///   completions) lies in `[created_at, updated_at]`; `resolved_at <= closed_at`;
    ///   comments are oldest first and their ids unique.
    /// - **Escalation** level 1–5; a rating only with a survey, and an answered
    ///   survey only with a rating ([`Survey::validate`] orders its instants).
    /// - **Milestones** valid ([`Milestones::validate`]); a breached one means
    ///   `is_sla_violated`; a Resolved or Closed case has every milestone
    ///   completed; a first response given means its milestone is completed.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first field that breaks a rule.
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    ///
    /// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// case.validate()?;
    /// let mut json = serde_json::to_value(&case)?;
    /// json["status"] = "Closed".into();
    /// let err = serde_json::from_value::<Case>(json).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid closed_at: case CASE-2026-0001 is Closed"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.validate_texts()?;
        self.validate_status()?;
        self.validate_times()?;
        self.validate_comments()?;
        self.validate_milestones()
    }

    fn validate_texts(&self) -> Result<()> {
        check_subject(&self.subject)?;
        check_description(&self.description)?;
        if let Some(text) = &self.resolution {
            required_text("resolution", text, MAX_TEXT)?;
        }
        optional_text("root_cause", self.root_cause.as_deref(), MAX_TEXT)?;
        self.ai.validate()?;
        if let Some(e) = &self.escalation {
            e.validate()?;
        }
        if let Some(s) = &self.satisfaction {
            s.validate()?;
        }
        if let Some(s) = &self.survey {
            s.validate()?;
        }
        for name in &self.fired_rules {
            required_text("fired_rules", name, MAX_SUBJECT)?;
        }
        Ok(())
    }

    /// An error about `field` on this case.
    fn invalid(&self, field: &'static str, why: impl std::fmt::Display) -> Error {
        Error::validation(field, format!("case {} {why}", self.number))
    }

    fn validate_status(&self) -> Result<()> {
        let status = self.status;
        match (status == CaseStatus::Closed, self.closed_at) {
            (true, None) => return Err(self.invalid("closed_at", "is Closed but has no closed_at")),
            (false, Some(at)) => {
                return Err(
                    self.invalid("closed_at", format!("is {status} but was closed at {at}"))
                );
            }
            _ => {}
        }
        let done = matches!(status, CaseStatus::Resolved | CaseStatus::Closed);
        if done && self.resolved_at.is_none() {
            return Err(self.invalid("resolved_at", format!("is {status} but has no resolved_at")));
        }
        if done && self.resolution.is_none() {
            return Err(self.invalid("resolution", format!("is {status} but has no resolution")));
        }
        if status == CaseStatus::Escalated && self.escalation.is_none() {
            return Err(self.invalid("escalation", "is Escalated but has no escalation"));
        }
        for (field, has, stamp, has_stamp) in [
            (
                "resolution_time",
                self.resolution_time.is_some(),
                "resolved_at",
                self.resolved_at.is_some(),
            ),
            (
                "response_time",
                self.response_time.is_some(),
                "first_response_at",
                self.first_response_at.is_some(),
            ),
        ] {
            if has != has_stamp {
                let (with, without) = if has { (field, stamp) } else { (stamp, field) };
                return Err(self.invalid(field, format!("has {with} but no {without}")));
            }
        }
        if self.satisfaction.is_some() && self.survey.is_none() {
            return Err(self.invalid("satisfaction", "has a rating but no survey"));
        }
        if self.survey.is_some_and(|s| s.answered) && self.satisfaction.is_none() {
            return Err(self.invalid("survey", "has an answered survey but no rating"));
        }
        Ok(())
    }

    /// `at` lies in `[created_at, updated_at]`.
    fn stamped(&self, field: &'static str, at: DateTime<Utc>) -> Result<()> {
        if at < self.created_at || at > self.updated_at {
            return Err(self.invalid(
                field,
                format!(
                    "has {at} outside created_at {} ..= updated_at {}",
                    self.created_at, self.updated_at
                ),
            ));
        }
        Ok(())
    }

    fn validate_times(&self) -> Result<()> {
        ordered("updated_at", "created_at", self.created_at, self.updated_at)?;
        self.stamped("last_activity_at", self.last_activity_at)?;
        for (field, at) in [
            ("first_response_at", self.first_response_at),
            ("resolved_at", self.resolved_at),
            ("closed_at", self.closed_at),
            ("escalation", self.escalation.as_ref().map(|e| e.at)),
            ("satisfaction", self.satisfaction.as_ref().map(|s| s.at)),
            ("survey", self.survey.map(|s| s.requested_at)),
            (
                "survey",
                self.survey.and_then(|s| s.ended).map(|(at, _)| at),
            ),
        ] {
            if let Some(at) = at {
                self.stamped(field, at)?;
            }
        }
        if let (Some(resolved), Some(closed)) = (self.resolved_at, self.closed_at) {
            ordered("closed_at", "resolved_at", resolved, closed)?;
        }
        Ok(())
    }

    fn validate_comments(&self) -> Result<()> {
        let mut ids = BTreeSet::new();
        let mut previous = self.created_at;
        for c in &self.comments {
            c.validate()?;
            if !ids.insert(c.id) {
                return Err(self.invalid("comments", format!("has two comments with id {}", c.id)));
            }
            self.stamped("comments", c.at)?;
            ordered("comments", "the previous comment at", previous, c.at)?;
            previous = c.at;
        }
        Ok(())
    }

    fn validate_milestones(&self) -> Result<()> {
        self.milestones.validate()?;
        let done = matches!(self.status, CaseStatus::Resolved | CaseStatus::Closed);
        for m in self.milestones.iter() {
            self.stamped("milestones", m.started_at)?;
            match m.state {
                MilestoneState::Active => {}
                MilestoneState::Paused { since: at } | MilestoneState::Completed { at, .. } => {
                    self.stamped("milestones", at)?;
                }
            }
            if m.breached && !self.is_sla_violated {
                return Err(self.invalid(
                    "is_sla_violated",
                    format!("is not violated but its {} milestone is breached", m.kind),
                ));
            }
            if done && !m.is_completed() {
                return Err(self.invalid(
                    "milestones",
                    format!(
                        "is {} but its {} milestone is not completed",
                        self.status, m.kind
                    ),
                ));
            }
        }
        if self.first_response_at.is_some() && !self.milestones.first_response.is_completed() {
            return Err(self.invalid(
                "milestones",
                "has a first response but its first response milestone is not completed",
            ));
        }
        Ok(())
    }
}

impl Case {
    /// Whether the case is escalated.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert!(!case.is_escalated());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_escalated(&self) -> bool {
        self.escalation.is_some()
    }

    /// The escalation level, 0 when not escalated.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(case.escalation_level(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn escalation_level(&self) -> u8 {
        self.escalation.as_ref().map_or(0, |e| e.level)
    }

    /// The first-response deadline.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert!(case.response_due() < case.resolution_due());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn response_due(&self) -> DateTime<Utc> {
        self.milestones.first_response.due
    }

    /// The resolution deadline (extended by paused time once a pause ends).
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(case.resolution_due().to_rfc3339(), "2026-01-07T01:00:00+00:00");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolution_due(&self) -> DateTime<Utc> {
        self.milestones.resolution.due
    }

    /// The milestone of `kind`, if the case has one.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// use hotcrm_support::sla::MilestoneKind;
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert!(case.milestone(MilestoneKind::FirstResponse).is_some_and(|m| m.is_active()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn milestone(&self, kind: MilestoneKind) -> Option<&Milestone> {
        self.milestones.get(kind)
    }

    /// The satisfaction score 1–5, once rated.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(case.satisfaction_score(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn satisfaction_score(&self) -> Option<u8> {
        self.satisfaction.as_ref().map(SatisfactionRating::score)
    }

    /// The case's business category: the one an agent set, else the AI's
    /// suggestion. Routing and predictions read this.
    ///
    /// ```
    /// # use hotcrm_support::case::{AiCategory, Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// case.ai.category = Some(AiCategory::Billing);
    /// assert_eq!(case.effective_category(), Some(AiCategory::Billing));
    /// case.category = Some(AiCategory::Technical);
    /// assert_eq!(case.effective_category(), Some(AiCategory::Technical));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn effective_category(&self) -> Option<super::AiCategory> {
        self.category.or(self.ai.category)
    }

    /// The customer's current sentiment: the latest customer comment's sentiment,
    /// else the AI's assessment of the case.
    ///
    /// ```
    /// # use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// # use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// assert_eq!(case.customer_sentiment(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn customer_sentiment(&self) -> Option<Sentiment> {
        self.comments
            .iter()
            .rev()
            .filter(|c| c.author.is_customer())
            .find_map(|c| c.sentiment)
            .or(self.ai.sentiment)
    }
}

validated_record! {
/// The input of case creation.
///
/// ```
/// use hotcrm_support::case::{CaseType, NewCase, Origin, Priority};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber, ContractId};
/// use hotcrm_support::sla::{Entitlement, SlaTier};
///
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Unable to login", "Error 500")
///     .with_priority(Priority::High)
///     .with_type(CaseType::Problem)
///     .with_origin(Origin::Email)
///     .with_entitlement(Entitlement::new(ContractId::from_u128(3), SlaTier::Gold));
/// assert_eq!(new.priority, Priority::High);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NewCaseRecord")]
pub struct NewCase {
    /// The new case's id (supplied by the caller, so creation stays pure).
    pub id: CaseId,
    /// Its number (the desk takes it from the repository's per-year sequence).
    pub number: CaseNumber,
    /// Customer account (required).
    pub account: AccountId,
    /// Subject: not blank, at most 255 characters.
    pub subject: String,
    /// Description: not blank, at most 32,000 characters.
    pub description: String,
    /// Priority (default Medium).
    pub priority: Priority,
    /// Type (default Problem).
    pub case_type: CaseType,
    /// Origin (default Web).
    pub origin: Origin,
    /// Reporting contact.
    pub contact: Option<ContactId>,
    /// Related product.
    pub product: Option<ProductId>,
    /// The account's entitlement, which selects the SLA tier (none → Standard).
    pub entitlement: Option<Entitlement>,
    /// Initial queue.
    pub queue: Option<QueueId>,
    /// The closed case this one follows up.
    pub parent: Option<CaseId>,
    /// The named SLA policy version the case runs on (the desk chooses it;
    /// `None`: the rules' policy).
    #[serde(default)]
    pub sla_policy: Option<crate::sla::PolicyRef>,
}
mirror NewCaseRecord;
}

/// Subject: not blank, at most 255 characters (new and stored cases alike).
fn check_subject(subject: &str) -> Result<()> {
    required_text("subject", subject, MAX_SUBJECT)
}

/// Description: not blank, at most 32,000 characters.
fn check_description(description: &str) -> Result<()> {
    required_text("description", description, MAX_TEXT)
}

impl NewCase {
    /// Checks the input of case creation: subject and description not blank and
    /// at most 255 and 32,000 characters, and a valid entitlement
    /// ([`Entitlement::validate`]). [`Case::create`] runs it, and so does serde
    /// when a `NewCase` is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`subject`, `description`, `valid_until`).
    ///
    /// ```
    /// use hotcrm_support::case::NewCase;
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
    /// new.validate()?;
    /// let blank = NewCase { subject: "  ".into(), ..new };
    /// assert_eq!(blank.validate().unwrap_err().to_string(), "invalid subject: must not be empty");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        check_subject(&self.subject)?;
        check_description(&self.description)?;
        self.entitlement
            .as_ref()
            .map_or(Ok(()), Entitlement::validate)
    }

    /// A Medium-priority Problem from the Web with the required fields.
    ///
    /// ```
    /// use hotcrm_support::case::{NewCase, Priority};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d");
    /// assert_eq!(new.priority, Priority::Medium);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn new(
        id: CaseId,
        number: CaseNumber,
        account: AccountId,
        subject: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            id,
            number,
            account,
            subject: subject.into(),
            description: description.into(),
            priority: Priority::Medium,
            case_type: CaseType::Problem,
            origin: Origin::Web,
            contact: None,
            product: None,
            entitlement: None,
            queue: None,
            parent: None,
            sla_policy: None,
        }
    }

    /// Sets the priority.
    ///
    /// ```
    /// # use hotcrm_support::{case::{NewCase, Priority}, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_priority(Priority::Low);
    /// assert_eq!(n.priority, Priority::Low);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the type.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, NewCase}, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_type(CaseType::Question);
    /// assert_eq!(n.case_type, CaseType::Question);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_type(mut self, case_type: CaseType) -> Self {
        self.case_type = case_type;
        self
    }

    /// Sets the origin.
    ///
    /// ```
    /// # use hotcrm_support::{case::{NewCase, Origin}, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_origin(Origin::Phone);
    /// assert_eq!(n.origin, Origin::Phone);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// Sets the contact.
    ///
    /// ```
    /// # use hotcrm_support::{case::NewCase, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_contact(ContactId::from_u128(4));
    /// assert!(n.contact.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_contact(mut self, contact: ContactId) -> Self {
        self.contact = Some(contact);
        self
    }

    /// Sets the product.
    ///
    /// ```
    /// # use hotcrm_support::{case::NewCase, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_product(ProductId::from_u128(4));
    /// assert!(n.product.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_product(mut self, product: ProductId) -> Self {
        self.product = Some(product);
        self
    }

    /// Sets the account's entitlement (which selects the SLA tier).
    ///
    /// ```
    /// # use hotcrm_support::{case::NewCase, ids::*, sla::{Entitlement, SlaTier}};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d")
    ///     .with_entitlement(Entitlement::new(ContractId::from_u128(4), SlaTier::Silver));
    /// assert!(n.entitlement.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_entitlement(mut self, entitlement: Entitlement) -> Self {
        self.entitlement = Some(entitlement);
        self
    }

    /// Sets the initial queue.
    ///
    /// ```
    /// # use hotcrm_support::{case::NewCase, ids::*};
    /// let n = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_queue(QueueId::from_u128(4));
    /// assert!(n.queue.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_queue(mut self, queue: QueueId) -> Self {
        self.queue = Some(queue);
        self
    }

    /// The follow-up of a closed case, after a customer replied to it: same
    /// account, contact, product, type, origin, priority, queue and entitlement
    /// (the original's contract and tier), linked through `parent`. The subject is
    /// `Follow-up to CASE-…: <original subject>` (cut to 255 characters) and the
    /// description is the customer's reply.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// # let (original, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "d"), "2026-01-05T09:00:00Z".parse()?, &CaseRules::default())?;
    /// let f = NewCase::follow_up(&original, CaseId::from_u128(9), CaseNumber::new(2026, 2)?, "It broke again");
    /// assert_eq!(f.parent, Some(original.id));
    /// assert_eq!(f.subject, "Follow-up to CASE-2026-0001: Login fails");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn follow_up(
        original: &Case,
        id: CaseId,
        number: CaseNumber,
        reply: impl Into<String>,
    ) -> Self {
        let subject: String = format!("Follow-up to {}: {}", original.number, original.subject)
            .chars()
            .take(super::validate::MAX_SUBJECT)
            .collect();
        Self {
            id,
            number,
            account: original.account,
            subject,
            description: reply.into(),
            priority: original.priority,
            case_type: original.case_type,
            origin: original.origin,
            contact: original.contact,
            product: original.product,
            entitlement: original
                .contract
                .map(|c| Entitlement::new(c, original.sla_tier)),
            queue: original.queue,
            parent: Some(original.id),
            sla_policy: original.sla_policy.clone(),
        }
    }
}
