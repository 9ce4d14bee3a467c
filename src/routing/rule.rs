//! Routing rules: ordered conditions on case attributes mapping to a queue,
//! priority and required skills. First match wins.
//!
//! Pure. Depends on `ids`, `case` picklists, `sla::SlaTier`, `calendar`, `error`
//! and the routing request and skill types.

use serde::{Deserialize, Serialize};

use crate::case::{AiCategory, CaseType, Origin, Priority};
use crate::error::{Error, Result};
use crate::ids::{AccountId, QueueId};
use crate::sla::SlaTier;

use super::request::RoutingRequest;
use super::skill::SkillRequirement;

/// The conditions of a rule. Every non-empty list must contain the case's value
/// (lists are "any of"; the lists together are "all of"). An empty list matches
/// anything.
///
/// Keywords match case-insensitively as whole words (or phrases) in the subject or
/// the description: `refund` matches "Refund please" but not "refunded".
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Origin, Priority};
/// use hotcrm_support::routing::RuleConditions;
/// let c = RuleConditions { origins: vec![Origin::Phone], priorities: vec![Priority::Critical], ..Default::default() };
/// assert!(!c.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RuleConditionsRecord")]
pub struct RuleConditions {
    /// Channels.
    pub origins: Vec<Origin>,
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// Case types.
    pub case_types: Vec<CaseType>,
    /// AI categories (a case without a category never matches a non-empty list).
    pub ai_categories: Vec<AiCategory>,
    /// Service tiers.
    pub tiers: Vec<SlaTier>,
    /// Accounts.
    pub accounts: Vec<AccountId>,
    /// Keywords or phrases searched in the subject and description.
    pub keywords: Vec<String>,
    /// Business-hours window: `Some(true)` = only while open, `Some(false)` = only
    /// while closed, by the router's business hours (a router without hours is
    /// always open); see
    /// [`Router::set_business_hours`](super::Router::set_business_hours).
    pub in_business_hours: Option<bool>,
}

impl RuleConditions {
    /// Whether the rule has no conditions at all (a catch-all).
    ///
    /// ```
    /// assert!(hotcrm_support::routing::RuleConditions::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
            && self.priorities.is_empty()
            && self.case_types.is_empty()
            && self.ai_categories.is_empty()
            && self.tiers.is_empty()
            && self.accounts.is_empty()
            && self.keywords.is_empty()
            && self.in_business_hours.is_none()
    }

    /// Checks the invariants: every keyword is non-blank, lower-case and
    /// trimmed, as [`RoutingRule::when_keyword`] stores it (the text is matched
    /// lower-cased, so any other keyword could never match). Loading conditions
    /// with serde checks them too.
    ///
    /// ```
    /// use hotcrm_support::routing::RuleConditions;
    /// let ok = RuleConditions { keywords: vec!["refund".into()], ..Default::default() };
    /// ok.validate()?;
    /// let shouting = RuleConditions { keywords: vec!["Refund".into()], ..Default::default() };
    /// assert!(shouting.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first bad keyword.
    pub fn validate(&self) -> Result<()> {
        for k in &self.keywords {
            let normal = k.trim().to_lowercase();
            if normal.is_empty() {
                return Err(Error::validation("keyword", format!("{k:?} is blank")));
            }
            if normal != *k {
                return Err(Error::validation(
                    "keyword",
                    format!("{k:?} must be lower-case and trimmed, as {normal:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// [`RuleConditions`] as stored: loading checks them with [`RuleConditions::validate`].
#[derive(Deserialize)]
struct RuleConditionsRecord {
    origins: Vec<Origin>,
    priorities: Vec<Priority>,
    case_types: Vec<CaseType>,
    ai_categories: Vec<AiCategory>,
    tiers: Vec<SlaTier>,
    accounts: Vec<AccountId>,
    keywords: Vec<String>,
    in_business_hours: Option<bool>,
}

impl TryFrom<RuleConditionsRecord> for RuleConditions {
    type Error = Error;
    fn try_from(r: RuleConditionsRecord) -> Result<Self> {
        let conditions = RuleConditions {
            origins: r.origins,
            priorities: r.priorities,
            case_types: r.case_types,
            ai_categories: r.ai_categories,
            tiers: r.tiers,
            accounts: r.accounts,
            keywords: r.keywords,
            in_business_hours: r.in_business_hours,
        };
        conditions.validate()?;
        Ok(conditions)
    }
}

/// What a matching rule does.
///
/// ```
/// use hotcrm_support::{ids::QueueId, routing::RuleOutcome};
/// let o = RuleOutcome { queue: QueueId::from_u128(1), priority: None, required: vec![] };
/// assert!(o.required.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The queue the case goes to.
    pub queue: QueueId,
    /// A priority to set, if any.
    pub priority: Option<Priority>,
    /// Skills added to the case's required skills (the higher level wins on overlap).
    pub required: Vec<SkillRequirement>,
}

/// One routing rule. Rules are evaluated by ascending `order`, then insertion
/// order; the first active rule whose conditions hold decides.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{AiCategory, Priority};
/// use hotcrm_support::ids::{QueueId, SkillId};
/// use hotcrm_support::routing::{RoutingRule, SkillRequirement};
/// let billing = RoutingRule::new("Billing", 10, QueueId::from_u128(2))?
///     .when_ai_category(AiCategory::Billing)
///     .when_keyword("refund")?
///     .set_priority(Priority::High)
///     .requiring(SkillRequirement::new(SkillId::from_u128(7), 2)?);
/// assert_eq!(billing.outcome.priority, Some(Priority::High));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RoutingRuleRecord")]
pub struct RoutingRule {
    /// Display name, shown in decisions.
    pub name: String,
    /// Evaluation order (ascending).
    pub order: u32,
    /// Inactive rules are skipped.
    pub active: bool,
    /// When the rule applies.
    pub conditions: RuleConditions,
    /// What it does.
    pub outcome: RuleOutcome,
}

impl RoutingRule {
    /// An active catch-all rule sending cases to `queue`.
    ///
    /// ```
    /// use hotcrm_support::{ids::QueueId, routing::RoutingRule};
    /// assert!(RoutingRule::new(" ", 1, QueueId::from_u128(1)).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the name is blank.
    pub fn new(name: impl Into<String>, order: u32, queue: QueueId) -> Result<Self> {
        let rule = Self {
            name: name.into(),
            order,
            active: true,
            conditions: RuleConditions::default(),
            outcome: RuleOutcome {
                queue,
                priority: None,
                required: Vec::new(),
            },
        };
        rule.validate()?;
        Ok(rule)
    }

    /// Adds a channel condition.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Phone", 1, QueueId::from_u128(1))?.when_origin(Origin::Phone);
    /// assert_eq!(r.conditions.origins, vec![Origin::Phone]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_origin(mut self, origin: Origin) -> Self {
        self.conditions.origins.push(origin);
        self
    }

    /// Adds a priority condition.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Hot", 1, QueueId::from_u128(1))?.when_priority(Priority::Critical);
    /// assert_eq!(r.conditions.priorities, vec![Priority::Critical]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_priority(mut self, priority: Priority) -> Self {
        self.conditions.priorities.push(priority);
        self
    }

    /// Adds a case-type condition.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseType, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Incidents", 1, QueueId::from_u128(1))?.when_type(CaseType::Incident);
    /// assert_eq!(r.conditions.case_types, vec![CaseType::Incident]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_type(mut self, case_type: CaseType) -> Self {
        self.conditions.case_types.push(case_type);
        self
    }

    /// Adds an AI-category condition.
    ///
    /// ```
    /// # use hotcrm_support::{case::AiCategory, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Billing", 1, QueueId::from_u128(1))?.when_ai_category(AiCategory::Billing);
    /// assert_eq!(r.conditions.ai_categories, vec![AiCategory::Billing]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_ai_category(mut self, category: AiCategory) -> Self {
        self.conditions.ai_categories.push(category);
        self
    }

    /// Adds a tier condition.
    ///
    /// ```
    /// # use hotcrm_support::{sla::SlaTier, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("VIP", 1, QueueId::from_u128(1))?.when_tier(SlaTier::Platinum);
    /// assert_eq!(r.conditions.tiers, vec![SlaTier::Platinum]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_tier(mut self, tier: SlaTier) -> Self {
        self.conditions.tiers.push(tier);
        self
    }

    /// Adds an account condition.
    ///
    /// ```
    /// # use hotcrm_support::{ids::{AccountId, QueueId}, routing::RoutingRule};
    /// let acme = AccountId::from_u128(5);
    /// let r = RoutingRule::new("Acme", 1, QueueId::from_u128(1))?.when_account(acme);
    /// assert_eq!(r.conditions.accounts, vec![acme]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_account(mut self, account: AccountId) -> Self {
        self.conditions.accounts.push(account);
        self
    }

    /// Adds a keyword (or phrase) condition.
    ///
    /// ```
    /// # use hotcrm_support::{ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Refunds", 1, QueueId::from_u128(1))?;
    /// assert!(r.clone().when_keyword("Refund")?.conditions.keywords == vec!["refund".to_string()]);
    /// assert!(r.when_keyword("  ").is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the keyword is blank.
    pub fn when_keyword(mut self, keyword: &str) -> Result<Self> {
        let k = keyword.trim();
        if k.is_empty() {
            return Err(Error::validation("keyword", "must not be blank"));
        }
        self.conditions.keywords.push(k.to_lowercase());
        Ok(self)
    }

    /// Applies only while the router's business hours are open (`true`) or closed (`false`).
    ///
    /// ```
    /// # use hotcrm_support::{ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Night shift", 1, QueueId::from_u128(9))?.when_in_business_hours(false);
    /// assert_eq!(r.conditions.in_business_hours, Some(false));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn when_in_business_hours(mut self, open: bool) -> Self {
        self.conditions.in_business_hours = Some(open);
        self
    }

    /// Sets the priority of matching cases.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::QueueId, routing::RoutingRule};
    /// let r = RoutingRule::new("Hot", 1, QueueId::from_u128(1))?.set_priority(Priority::High);
    /// assert_eq!(r.outcome.priority, Some(Priority::High));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn set_priority(mut self, priority: Priority) -> Self {
        self.outcome.priority = Some(priority);
        self
    }

    /// Adds a required skill to matching cases.
    ///
    /// ```
    /// # use hotcrm_support::{ids::{QueueId, SkillId}, routing::{RoutingRule, SkillRequirement}};
    /// let r = RoutingRule::new("Java", 1, QueueId::from_u128(1))?
    ///     .requiring(SkillRequirement::new(SkillId::from_u128(3), 3)?);
    /// assert_eq!(r.outcome.required.len(), 1);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn requiring(mut self, requirement: SkillRequirement) -> Self {
        self.outcome.required.push(requirement);
        self
    }

    /// Deactivates the rule.
    ///
    /// ```
    /// # use hotcrm_support::{ids::QueueId, routing::RoutingRule};
    /// assert!(!RoutingRule::new("Old", 1, QueueId::from_u128(1))?.inactive().active);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Checks the invariants.
    ///
    /// ```
    /// # use hotcrm_support::{ids::QueueId, routing::RoutingRule};
    /// let mut r = RoutingRule::new("R", 1, QueueId::from_u128(1))?;
    /// r.conditions.keywords.push(String::new());
    /// assert!(r.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank name or a bad keyword (see
    /// [`RuleConditions::validate`]).
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::validation("rule name", "must not be blank"));
        }
        self.conditions.validate().map_err(|e| match e {
            Error::Validation { field, reason } => Error::Validation {
                field,
                reason: format!("rule {:?}: {reason}", self.name),
            },
            other => other,
        })
    }

    /// Whether the rule applies to `request`. `open` is whether the router's
    /// business hours are open now (always true without a calendar).
    pub(crate) fn matches(&self, request: &RoutingRequest, text: &LowerText, open: bool) -> bool {
        let c = &self.conditions;
        fn any_of<T: PartialEq>(list: &[T], value: &T) -> bool {
            list.is_empty() || list.contains(value)
        }
        self.active
            && any_of(&c.origins, &request.origin)
            && any_of(&c.priorities, &request.priority)
            && any_of(&c.case_types, &request.case_type)
            && any_of(&c.tiers, &request.tier)
            && any_of(&c.accounts, &request.account)
            && (c.ai_categories.is_empty()
                || request
                    .ai_category
                    .is_some_and(|cat| c.ai_categories.contains(&cat)))
            && (c.keywords.is_empty() || c.keywords.iter().any(|k| text.contains_word(k)))
            && match c.in_business_hours {
                None => true,
                Some(want) => open == want,
            }
    }
}

/// [`RoutingRule`] as stored: loading checks it with [`RoutingRule::validate`].
#[derive(Deserialize)]
struct RoutingRuleRecord {
    name: String,
    order: u32,
    active: bool,
    conditions: RuleConditions,
    outcome: RuleOutcome,
}

impl TryFrom<RoutingRuleRecord> for RoutingRule {
    type Error = Error;
    fn try_from(r: RoutingRuleRecord) -> Result<Self> {
        let rule = RoutingRule {
            name: r.name,
            order: r.order,
            active: r.active,
            conditions: r.conditions,
            outcome: r.outcome,
        };
        rule.validate()?;
        Ok(rule)
    }
}

/// The lower-cased subject and description of a request, computed once per
/// classification.
#[derive(Debug)]
pub(crate) struct LowerText {
    subject: String,
    description: String,
}

impl LowerText {
    pub(crate) fn new(request: &RoutingRequest) -> Self {
        Self {
            subject: request.subject.to_lowercase(),
            description: request.description.to_lowercase(),
        }
    }

    /// `needle` (already lower-case) occurs in either text with no letter or digit
    /// directly before or after it.
    pub(crate) fn contains_word(&self, needle: &str) -> bool {
        contains_word(&self.subject, needle) || contains_word(&self.description, needle)
    }
}

fn contains_word(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    haystack.match_indices(needle).any(|(start, m)| {
        let before = haystack.get(..start).and_then(|s| s.chars().next_back());
        let after = haystack
            .get(start + m.len()..)
            .and_then(|s| s.chars().next());
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::contains_word;

    #[test]
    fn keywords_match_whole_words_only() {
        for (hay, needle, want) in [
            ("please refund me", "refund", true),
            ("refund", "refund", true),
            ("refunded twice", "refund", false),
            ("no-refund!", "refund", true),
            ("prefund", "refund", false),
            ("double charge on card", "double charge", true),
            ("ünïcode refund", "refund", true),
            ("", "refund", false),
            ("refund", "", false),
        ] {
            assert_eq!(contains_word(hay, needle), want, "{hay:?} / {needle:?}");
        }
    }
}
