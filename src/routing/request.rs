//! What routing needs to know about a case, and the AI provider's suggestion.
//!
//! [`RoutingRequest`] is a projection of the case aggregate built by the facade, so
//! routing never depends on `case::Case` itself. Depends on `ids`, `case` picklists,
//! `sla::SlaTier`, `error` and the routing skill types.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{AiCategory, CaseType, Origin, Priority};
use crate::error::{Error, Result};
use crate::ids::{AccountId, AgentId, CaseId, QueueId};
use crate::sla::SlaTier;

use super::skill::SkillRequirement;

/// Longest subject accepted, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 1_000;
/// Longest description accepted, in bytes (longer text is a typed error, not truncated).
pub const MAX_DESCRIPTION_BYTES: usize = 100_000;
/// Most skills a request may name (required plus optional).
pub const MAX_REQUEST_SKILLS: usize = 64;

/// The routing attributes of one case.
///
/// Optional skill groups are listed in drop order: `optional_groups[0]` is the first
/// group dropped when nobody qualifies for the relax timeout. Required skills are
/// never dropped. Agents in `declined_by` are never offered the case again.
///
/// # Example
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use hotcrm_support::case::{Origin, Priority};
/// use hotcrm_support::ids::{AccountId, CaseId, SkillId};
/// use hotcrm_support::routing::{RoutingRequest, SkillRequirement};
/// let created = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap();
/// let req = RoutingRequest::new(CaseId::from_u128(1), AccountId::from_u128(2), created)
///     .with_subject("Cannot log in")
///     .with_priority(Priority::High)
///     .with_origin(Origin::Phone)
///     .requiring(SkillRequirement::new(SkillId::from_u128(10), 3)?)
///     .with_optional_group(vec![SkillRequirement::new(SkillId::from_u128(11), 2)?]);
/// req.validate()?;
/// assert_eq!(req.optional_groups.len(), 1);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RoutingRequestRecord")]
pub struct RoutingRequest {
    /// The case.
    pub case: CaseId,
    /// The customer account.
    pub account: AccountId,
    /// Priority (first key of the work order).
    pub priority: Priority,
    /// Case type.
    pub case_type: CaseType,
    /// Channel.
    pub origin: Origin,
    /// AI category, when classified.
    pub ai_category: Option<AiCategory>,
    /// Service tier.
    pub tier: SlaTier,
    /// Subject, searched by keyword rules.
    pub subject: String,
    /// Description, searched by keyword rules.
    pub description: String,
    /// When the case was created: its age for the work order. A declined case keeps it.
    pub created_at: DateTime<Utc>,
    /// Skills every assignee must have.
    pub required: Vec<SkillRequirement>,
    /// Optional skill groups in drop order.
    pub optional_groups: Vec<Vec<SkillRequirement>>,
    /// Agents who declined the case.
    pub declined_by: BTreeSet<AgentId>,
    /// A queue chosen by the caller; bypasses the routing rules.
    pub queue: Option<QueueId>,
}

impl RoutingRequest {
    /// A Medium, Problem, Web, Standard-tier request with no skills.
    ///
    /// ```
    /// use chrono::Utc;
    /// use hotcrm_support::{case::Priority, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::from_u128(1), AccountId::from_u128(1), Utc::now());
    /// assert_eq!(r.priority, Priority::Medium);
    /// ```
    pub fn new(case: CaseId, account: AccountId, created_at: DateTime<Utc>) -> Self {
        Self {
            case,
            account,
            priority: Priority::Medium,
            case_type: CaseType::Problem,
            origin: Origin::Web,
            ai_category: None,
            tier: SlaTier::Standard,
            subject: String::new(),
            description: String::new(),
            created_at,
            required: Vec::new(),
            optional_groups: Vec::new(),
            declined_by: BTreeSet::new(),
            queue: None,
        }
    }

    /// Sets the priority.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::Priority, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_priority(Priority::Low);
    /// assert_eq!(r.priority, Priority::Low);
    /// ```
    #[must_use]
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the case type.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::CaseType, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_type(CaseType::Question);
    /// assert_eq!(r.case_type, CaseType::Question);
    /// ```
    #[must_use]
    pub fn with_type(mut self, case_type: CaseType) -> Self {
        self.case_type = case_type;
        self
    }

    /// Sets the channel.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::Origin, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_origin(Origin::Email);
    /// assert_eq!(r.origin, Origin::Email);
    /// ```
    #[must_use]
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// Sets the AI category.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{case::AiCategory, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_ai_category(AiCategory::Billing);
    /// assert_eq!(r.ai_category, Some(AiCategory::Billing));
    /// ```
    #[must_use]
    pub fn with_ai_category(mut self, category: AiCategory) -> Self {
        self.ai_category = Some(category);
        self
    }

    /// Sets the service tier.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{sla::SlaTier, ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_tier(SlaTier::Gold);
    /// assert_eq!(r.tier, SlaTier::Gold);
    /// ```
    #[must_use]
    pub fn with_tier(mut self, tier: SlaTier) -> Self {
        self.tier = tier;
        self
    }

    /// Sets the subject.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_subject("Refund");
    /// assert_eq!(r.subject, "Refund");
    /// ```
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    /// Sets the description.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_description("Charged twice");
    /// assert_eq!(r.description, "Charged twice");
    /// ```
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds a required skill (a later requirement for the same skill replaces it).
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId, SkillId}, routing::{RoutingRequest, SkillRequirement}};
    /// let s = SkillId::from_u128(1);
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now())
    ///     .requiring(SkillRequirement::new(s, 2)?)
    ///     .requiring(SkillRequirement::new(s, 4)?);
    /// assert_eq!(r.required.len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn requiring(mut self, requirement: SkillRequirement) -> Self {
        match self
            .required
            .iter_mut()
            .find(|r| r.skill == requirement.skill)
        {
            Some(existing) => *existing = requirement,
            None => self.required.push(requirement),
        }
        self
    }

    /// Appends an optional skill group (dropped after the groups before it).
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId, SkillId}, routing::{RoutingRequest, SkillRequirement}};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now())
    ///     .with_optional_group(vec![SkillRequirement::new(SkillId::from_u128(1), 2)?]);
    /// assert_eq!(r.optional_groups.len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_optional_group(mut self, group: Vec<SkillRequirement>) -> Self {
        self.optional_groups.push(group);
        self
    }

    /// Records that `agent` declined the case.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, AgentId, CaseId}, routing::RoutingRequest};
    /// let a = AgentId::from_u128(1);
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).declined_by(a);
    /// assert!(r.declined_by.contains(&a));
    /// ```
    #[must_use]
    pub fn declined_by(mut self, agent: AgentId) -> Self {
        self.declined_by.insert(agent);
        self
    }

    /// Routes straight to `queue`, skipping the routing rules.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId, QueueId}, routing::RoutingRequest};
    /// let q = QueueId::from_u128(1);
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).in_queue(q);
    /// assert_eq!(r.queue, Some(q));
    /// ```
    #[must_use]
    pub fn in_queue(mut self, queue: QueueId) -> Self {
        self.queue = Some(queue);
        self
    }

    /// Checks sizes and skill lists.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::{AccountId, CaseId}, routing::RoutingRequest};
    /// let r = RoutingRequest::new(CaseId::new(), AccountId::new(), Utc::now()).with_subject("x".repeat(2_000));
    /// assert!(r.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the subject or description is oversized, more than
    /// [`MAX_REQUEST_SKILLS`] skills are named, or an optional group is empty.
    pub fn validate(&self) -> Result<()> {
        if self.subject.len() > MAX_SUBJECT_BYTES {
            return Err(Error::validation(
                "subject",
                format!("{} bytes exceeds {MAX_SUBJECT_BYTES}", self.subject.len()),
            ));
        }
        if self.description.len() > MAX_DESCRIPTION_BYTES {
            return Err(Error::validation(
                "description",
                format!(
                    "{} bytes exceeds {MAX_DESCRIPTION_BYTES}",
                    self.description.len()
                ),
            ));
        }
        let named = self.required.len() + self.optional_groups.iter().map(Vec::len).sum::<usize>();
        if named > MAX_REQUEST_SKILLS {
            return Err(Error::validation(
                "skills",
                format!("{named} skills named, at most {MAX_REQUEST_SKILLS} allowed"),
            ));
        }
        if let Some(i) = self.optional_groups.iter().position(Vec::is_empty) {
            return Err(Error::validation(
                "optional skill groups",
                format!("group {i} is empty"),
            ));
        }
        Ok(())
    }
}

/// [`RoutingRequest`] as stored: loading checks it with [`RoutingRequest::validate`].
#[derive(Deserialize)]
struct RoutingRequestRecord {
    case: CaseId,
    account: AccountId,
    priority: Priority,
    case_type: CaseType,
    origin: Origin,
    ai_category: Option<AiCategory>,
    tier: SlaTier,
    subject: String,
    description: String,
    created_at: DateTime<Utc>,
    required: Vec<SkillRequirement>,
    optional_groups: Vec<Vec<SkillRequirement>>,
    declined_by: BTreeSet<AgentId>,
    queue: Option<QueueId>,
}

impl TryFrom<RoutingRequestRecord> for RoutingRequest {
    type Error = Error;
    fn try_from(r: RoutingRequestRecord) -> Result<Self> {
        let request = RoutingRequest {
            case: r.case,
            account: r.account,
            priority: r.priority,
            case_type: r.case_type,
            origin: r.origin,
            ai_category: r.ai_category,
            tier: r.tier,
            subject: r.subject,
            description: r.description,
            created_at: r.created_at,
            required: r.required,
            optional_groups: r.optional_groups,
            declined_by: r.declined_by,
            queue: r.queue,
        };
        request.validate()?;
        Ok(request)
    }
}

/// The AI provider's suggested assignee, fetched by the facade and passed in.
///
/// # Example
///
/// ```
/// use hotcrm_support::{ids::AgentId, routing::AiSuggestion};
/// let s = AiSuggestion::new(AgentId::from_u128(1), 0.92, "resolved 40 similar cases")?;
/// assert!(AiSuggestion::new(AgentId::from_u128(1), 1.2, "").is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiSuggestion {
    /// The suggested agent.
    pub agent: AgentId,
    /// Confidence from 0 to 1. Values outside that range (or NaN) make the
    /// router reject the suggestion.
    pub confidence: f64,
    /// The provider's reasoning, copied into the decision.
    pub reason: String,
}

impl AiSuggestion {
    /// A suggestion with a confidence in 0..=1.
    ///
    /// ```
    /// use hotcrm_support::{ids::AgentId, routing::AiSuggestion};
    /// assert!(AiSuggestion::new(AgentId::from_u128(1), f64::NAN, "").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `confidence` is not a number in 0..=1.
    pub fn new(agent: AgentId, confidence: f64, reason: impl Into<String>) -> Result<Self> {
        if !(0.0..=1.0).contains(&confidence) {
            return Err(Error::validation(
                "ai confidence",
                format!("{confidence} is outside 0..=1"),
            ));
        }
        Ok(Self {
            agent,
            confidence,
            reason: reason.into(),
        })
    }
}
