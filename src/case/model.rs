//! The Case aggregate (every field of DESIGN.md §3) and `NewCase`, the input of
//! case creation. Pure values; the rules live in `decide`, state changes in `apply`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AiInsights, CaseStatus, CaseType, Comment, ElapsedMinutes, EscalationInfo, Origin, Priority,
    ResolutionCategory, SatisfactionRating, Sentiment, Survey,
};
use crate::ids::{
    AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, ContractId, ProductId, QueueId,
};
use crate::sla::{Entitlement, Milestone, MilestoneKind, Milestones, SlaTier};

/// A customer-service case.
///
/// Fields are public to read; change a case only through
/// [`Case::execute`] (or [`decide`](super::decide) + [`Case::apply`]) so the
/// rules hold and every change is an event. The struct is `#[non_exhaustive]`:
/// create cases with [`Case::create`], load them with serde.
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
}

impl NewCase {
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
        }
    }
}
