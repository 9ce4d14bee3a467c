//! Named, versioned SLA policies chosen by ordered conditions — the
//! original system's `sla_template` / `sla_policy`, ordered like Zendesk's
//! SLA policies.
//!
//! # How a case gets its policy
//!
//! [`SlaPolicies`] is an ordered list of [`PolicyVersion`]s. When a case is
//! created, the **first** version in the list whose [`PolicyConditions`] all
//! match the case (account, product, case type, priority, the account's
//! region; an empty condition matches anything) and which is in effect at the
//! creation instant (`effective_from <= created < expires_at`) is chosen;
//! when none matches, the desk's default policy applies. Put specific
//! policies before general ones, and a new version of a policy before the one
//! it replaces (or give them disjoint effective windows).
//!
//! The case records the chosen name and version ([`PolicyRef`],
//! `Case::sla_policy`) and **keeps it**: later decisions on the case (a
//! priority change, a pause, a reopen) use that version's targets, warning
//! levels and calendar, so publishing a new version never rewrites running
//! clocks; only cases created while the new version is in effect get it. A
//! later priority change does not choose a policy again. If the recorded
//! version is removed from the list, the case falls back to the latest
//! version of the same name, else to the desk's default policy.
//!
//! A version's own business hours, when set, take precedence over the
//! account's calendar, which takes precedence over the desk's.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SlaPolicy;
use crate::calendar::BusinessHours;
use crate::case::{CaseType, Priority};
use crate::error::{Error, Result};
use crate::ids::{AccountId, ProductId};

/// Which policy version a case runs on.
///
/// ```
/// use hotcrm_support::sla::PolicyRef;
/// let r = PolicyRef::new("Enterprise", 2);
/// assert_eq!(r.to_string(), "Enterprise v2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyRef {
    /// The policy's name.
    pub name: String,
    /// Its version.
    pub version: u32,
}

impl PolicyRef {
    /// A reference to `name` version `version`.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::sla::PolicyRef::new("Gold", 1).version, 1);
    /// ```
    pub fn new(name: impl Into<String>, version: u32) -> PolicyRef {
        PolicyRef {
            name: name.into(),
            version,
        }
    }
}

impl std::fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} v{}", self.name, self.version)
    }
}

/// What a policy applies to; every non-empty list must contain the case's
/// value (an empty list matches anything).
///
/// ```
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::sla::{PolicyConditions, PolicyFacts};
/// use hotcrm_support::ids::AccountId;
/// let urgent = PolicyConditions::default().priorities([Priority::Critical, Priority::High]);
/// let facts = PolicyFacts::new(AccountId::from_u128(1), Priority::High);
/// assert!(urgent.matches(&facts));
/// assert!(!urgent.matches(&PolicyFacts::new(AccountId::from_u128(1), Priority::Low)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyConditions {
    /// Accounts.
    pub accounts: Vec<AccountId>,
    /// Products.
    pub products: Vec<ProductId>,
    /// Case types.
    pub case_types: Vec<CaseType>,
    /// Priorities (at creation).
    pub priorities: Vec<Priority>,
    /// Account regions (compared case-insensitively).
    pub regions: Vec<String>,
}

impl PolicyConditions {
    /// Only these accounts.
    ///
    /// ```
    /// # use hotcrm_support::{ids::AccountId, sla::PolicyConditions};
    /// assert_eq!(PolicyConditions::default().accounts([AccountId::from_u128(1)]).accounts.len(), 1);
    /// ```
    pub fn accounts(mut self, ids: impl IntoIterator<Item = AccountId>) -> Self {
        self.accounts = ids.into_iter().collect();
        self
    }

    /// Only these products.
    ///
    /// ```
    /// # use hotcrm_support::{ids::ProductId, sla::PolicyConditions};
    /// assert_eq!(PolicyConditions::default().products([ProductId::from_u128(1)]).products.len(), 1);
    /// ```
    pub fn products(mut self, ids: impl IntoIterator<Item = ProductId>) -> Self {
        self.products = ids.into_iter().collect();
        self
    }

    /// Only these case types.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseType, sla::PolicyConditions};
    /// assert_eq!(PolicyConditions::default().case_types([CaseType::Incident]).case_types, [CaseType::Incident]);
    /// ```
    pub fn case_types(mut self, types: impl IntoIterator<Item = CaseType>) -> Self {
        self.case_types = types.into_iter().collect();
        self
    }

    /// Only these priorities.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, sla::PolicyConditions};
    /// assert_eq!(PolicyConditions::default().priorities([Priority::Low]).priorities, [Priority::Low]);
    /// ```
    pub fn priorities(mut self, priorities: impl IntoIterator<Item = Priority>) -> Self {
        self.priorities = priorities.into_iter().collect();
        self
    }

    /// Only accounts in these regions.
    ///
    /// ```
    /// # use hotcrm_support::sla::PolicyConditions;
    /// assert_eq!(PolicyConditions::default().regions(["EMEA"]).regions, ["EMEA"]);
    /// ```
    pub fn regions<S: Into<String>>(mut self, regions: impl IntoIterator<Item = S>) -> Self {
        self.regions = regions.into_iter().map(Into::into).collect();
        self
    }

    /// Whether every condition holds for `facts`.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::AccountId, sla::{PolicyConditions, PolicyFacts}};
    /// let emea = PolicyConditions::default().regions(["emea"]);
    /// let facts = PolicyFacts::new(AccountId::from_u128(1), Priority::Low).region("EMEA");
    /// assert!(emea.matches(&facts));
    /// assert!(!emea.matches(&PolicyFacts::new(AccountId::from_u128(1), Priority::Low)));
    /// ```
    pub fn matches(&self, facts: &PolicyFacts<'_>) -> bool {
        fn within<T: PartialEq>(list: &[T], value: &T) -> bool {
            list.is_empty() || list.contains(value)
        }
        within(&self.accounts, &facts.account)
            && (self.products.is_empty()
                || facts.product.is_some_and(|p| self.products.contains(&p)))
            && within(&self.case_types, &facts.case_type)
            && within(&self.priorities, &facts.priority)
            && (self.regions.is_empty()
                || facts
                    .region
                    .is_some_and(|r| self.regions.iter().any(|x| x.eq_ignore_ascii_case(r))))
    }
}

/// The facts of a new case that policy conditions read.
///
/// ```
/// use hotcrm_support::{case::{CaseType, Priority}, ids::{AccountId, ProductId}, sla::PolicyFacts};
/// let f = PolicyFacts::new(AccountId::from_u128(1), Priority::High)
///     .product(ProductId::from_u128(2)).case_type(CaseType::Incident).region("EMEA");
/// assert_eq!(f.region, Some("EMEA"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyFacts<'a> {
    /// The account.
    pub account: AccountId,
    /// The product.
    pub product: Option<ProductId>,
    /// The case type.
    pub case_type: CaseType,
    /// The priority at creation.
    pub priority: Priority,
    /// The account's region.
    pub region: Option<&'a str>,
}

impl<'a> PolicyFacts<'a> {
    /// Facts with the account and priority (type Problem, no product or region).
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::AccountId, sla::PolicyFacts};
    /// assert!(PolicyFacts::new(AccountId::from_u128(1), Priority::Low).product.is_none());
    /// ```
    pub fn new(account: AccountId, priority: Priority) -> PolicyFacts<'a> {
        PolicyFacts {
            account,
            product: None,
            case_type: CaseType::Problem,
            priority,
            region: None,
        }
    }

    /// Sets the product.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::{AccountId, ProductId}, sla::PolicyFacts};
    /// assert!(PolicyFacts::new(AccountId::from_u128(1), Priority::Low).product(ProductId::from_u128(3)).product.is_some());
    /// ```
    pub fn product(mut self, product: ProductId) -> Self {
        self.product = Some(product);
        self
    }

    /// Sets the case type.
    ///
    /// ```
    /// # use hotcrm_support::{case::{CaseType, Priority}, ids::AccountId, sla::PolicyFacts};
    /// assert_eq!(PolicyFacts::new(AccountId::from_u128(1), Priority::Low).case_type(CaseType::Question).case_type, CaseType::Question);
    /// ```
    pub fn case_type(mut self, case_type: CaseType) -> Self {
        self.case_type = case_type;
        self
    }

    /// Sets the region.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::AccountId, sla::PolicyFacts};
    /// assert_eq!(PolicyFacts::new(AccountId::from_u128(1), Priority::Low).region("APAC").region, Some("APAC"));
    /// ```
    pub fn region(mut self, region: &'a str) -> Self {
        self.region = Some(region);
        self
    }
}

/// One version of a named policy: its conditions, targets and warning levels
/// (the [`SlaPolicy`]), its own business hours, and when it is in effect.
///
/// ```
/// use hotcrm_support::sla::{PolicyConditions, PolicyVersion, SlaPolicy};
/// let v = PolicyVersion::new("Enterprise", 1, SlaPolicy::default())?
///     .effective_from("2026-01-01T00:00:00Z".parse()?)
///     .when(PolicyConditions::default().regions(["EMEA"]));
/// assert!(v.is_effective("2026-03-01T00:00:00Z".parse()?));
/// assert!(!v.is_effective("2025-12-31T23:59:00Z".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// The policy's name (not blank, at most 200 characters).
    pub name: String,
    /// The version (≥ 1).
    pub version: u32,
    /// What it applies to.
    pub conditions: PolicyConditions,
    /// Targets per tier and priority, warning levels, pause statuses, reopen mode.
    pub policy: SlaPolicy,
    /// Its own business hours (else the account's, else the desk's).
    pub hours: Option<BusinessHours>,
    /// In effect from this instant (inclusive); `None`: always was.
    pub effective_from: Option<DateTime<Utc>>,
    /// In effect until this instant (exclusive); `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

impl PolicyVersion {
    /// Version `version` of `name`, applying to every case, always in effect.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank or over-long name or version 0.
    ///
    /// ```
    /// use hotcrm_support::sla::{PolicyVersion, SlaPolicy};
    /// assert!(PolicyVersion::new(" ", 1, SlaPolicy::default()).is_err());
    /// assert!(PolicyVersion::new("Gold", 0, SlaPolicy::default()).is_err());
    /// ```
    pub fn new(name: impl Into<String>, version: u32, policy: SlaPolicy) -> Result<PolicyVersion> {
        let v = PolicyVersion {
            name: name.into(),
            version,
            conditions: PolicyConditions::default(),
            policy,
            hours: None,
            effective_from: None,
            expires_at: None,
        };
        v.validate()?;
        Ok(v)
    }

    fn validate(&self) -> Result<()> {
        crate::case::validate::required_text("name", &self.name, 200)?;
        if self.version == 0 {
            return Err(Error::validation("version", "versions start at 1"));
        }
        if let (Some(from), Some(until)) = (self.effective_from, self.expires_at) {
            if until <= from {
                return Err(Error::validation(
                    "expires_at",
                    format!(
                        "{} v{} expires ({until}) before it starts ({from})",
                        self.name, self.version
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Applies only when `conditions` hold.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, sla::{PolicyConditions, PolicyVersion, SlaPolicy}};
    /// let v = PolicyVersion::new("Urgent", 1, SlaPolicy::default())?.when(PolicyConditions::default().priorities([Priority::Critical]));
    /// assert_eq!(v.conditions.priorities, [Priority::Critical]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn when(mut self, conditions: PolicyConditions) -> Self {
        self.conditions = conditions;
        self
    }

    /// Runs on its own business hours.
    ///
    /// ```
    /// # use hotcrm_support::{calendar::BusinessHours, sla::{PolicyVersion, SlaPolicy}};
    /// let v = PolicyVersion::new("24x7", 1, SlaPolicy::default())?.with_hours(BusinessHours::always_open());
    /// assert!(v.hours.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_hours(mut self, hours: BusinessHours) -> Self {
        self.hours = Some(hours);
        self
    }

    /// In effect from `at` (inclusive).
    ///
    /// ```
    /// # use hotcrm_support::sla::{PolicyVersion, SlaPolicy};
    /// let v = PolicyVersion::new("Gold", 2, SlaPolicy::default())?.effective_from("2026-06-01T00:00:00Z".parse()?);
    /// assert!(v.effective_from.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn effective_from(mut self, at: DateTime<Utc>) -> Self {
        self.effective_from = Some(at);
        self
    }

    /// In effect until `at` (exclusive).
    ///
    /// ```
    /// # use hotcrm_support::sla::{PolicyVersion, SlaPolicy};
    /// let v = PolicyVersion::new("Gold", 1, SlaPolicy::default())?.expires_at("2026-06-01T00:00:00Z".parse()?);
    /// assert!(!v.is_effective("2026-06-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expires_at(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Whether it is in effect at `at`.
    ///
    /// ```
    /// # use hotcrm_support::sla::{PolicyVersion, SlaPolicy};
    /// assert!(PolicyVersion::new("Gold", 1, SlaPolicy::default())?.is_effective("2030-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_effective(&self, at: DateTime<Utc>) -> bool {
        self.effective_from.is_none_or(|from| from <= at)
            && self.expires_at.is_none_or(|until| at < until)
    }

    /// Its reference.
    ///
    /// ```
    /// # use hotcrm_support::sla::{PolicyRef, PolicyVersion, SlaPolicy};
    /// assert_eq!(PolicyVersion::new("Gold", 3, SlaPolicy::default())?.reference(), PolicyRef::new("Gold", 3));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn reference(&self) -> PolicyRef {
        PolicyRef::new(self.name.clone(), self.version)
    }
}

/// The ordered list of named, versioned SLA policies.
///
/// # How a case gets its policy
///
/// [`SlaPolicies`] is an ordered list of [`PolicyVersion`]s. When a case is
/// created, the **first** version in the list whose [`PolicyConditions`] all
/// match the case (account, product, case type, priority, the account's
/// region; an empty condition matches anything) and which is in effect at the
/// creation instant (`effective_from <= created < expires_at`) is chosen;
/// when none matches, the desk's default policy applies. Put specific
/// policies before general ones, and a new version of a policy before the one
/// it replaces (or give them disjoint effective windows).
///
/// The case records the chosen name and version ([`PolicyRef`],
/// `Case::sla_policy`) and **keeps it**: later decisions on the case (a
/// priority change, a pause, a reopen) use that version's targets, warning
/// levels and calendar, so publishing a new version never rewrites running
/// clocks; only cases created while the new version is in effect get it. A
/// later priority change does not choose a policy again. If the recorded
/// version is removed from the list, the case falls back to the latest
/// version of the same name, else to the desk's default policy.
///
/// A version's own business hours, when set, take precedence over the
/// account's calendar, which takes precedence over the desk's.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::Priority;
/// use hotcrm_support::ids::AccountId;
/// use hotcrm_support::sla::{PolicyConditions, PolicyFacts, PolicyVersion, SlaPolicies, SlaPolicy};
/// let at = "2026-03-02T09:00:00Z".parse()?;
/// let policies = SlaPolicies::new(vec![
///     PolicyVersion::new("Urgent", 1, SlaPolicy::default())?.when(PolicyConditions::default().priorities([Priority::Critical])),
///     PolicyVersion::new("Standard", 1, SlaPolicy::default())?,
/// ])?;
/// let acme = AccountId::from_u128(1);
/// assert_eq!(policies.select(&PolicyFacts::new(acme, Priority::Critical), at).map(|v| v.name.as_str()), Some("Urgent"));
/// assert_eq!(policies.select(&PolicyFacts::new(acme, Priority::Low), at).map(|v| v.name.as_str()), Some("Standard"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<PolicyVersion>", into = "Vec<PolicyVersion>")]
pub struct SlaPolicies {
    versions: Vec<PolicyVersion>,
}

impl TryFrom<Vec<PolicyVersion>> for SlaPolicies {
    type Error = Error;
    fn try_from(versions: Vec<PolicyVersion>) -> Result<SlaPolicies> {
        SlaPolicies::new(versions)
    }
}

impl From<SlaPolicies> for Vec<PolicyVersion> {
    fn from(p: SlaPolicies) -> Vec<PolicyVersion> {
        p.versions
    }
}

impl SlaPolicies {
    /// The list, in priority order.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid version or the same name and
    /// version twice.
    ///
    /// ```
    /// use hotcrm_support::sla::{PolicyVersion, SlaPolicies, SlaPolicy};
    /// let v = PolicyVersion::new("Gold", 1, SlaPolicy::default())?;
    /// assert!(SlaPolicies::new(vec![v.clone(), v]).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn new(versions: Vec<PolicyVersion>) -> Result<SlaPolicies> {
        let mut seen = std::collections::HashSet::new();
        for v in &versions {
            v.validate()?;
            if !seen.insert((v.name.as_str(), v.version)) {
                return Err(Error::validation(
                    "policies",
                    format!("{} v{} is listed twice", v.name, v.version),
                ));
            }
        }
        Ok(SlaPolicies { versions })
    }

    /// The versions, in order.
    ///
    /// ```
    /// assert!(hotcrm_support::sla::SlaPolicies::default().versions().is_empty());
    /// ```
    pub fn versions(&self) -> &[PolicyVersion] {
        &self.versions
    }

    /// The first version in effect at `at` whose conditions match `facts`.
    ///
    /// ```
    /// # use hotcrm_support::{case::Priority, ids::AccountId, sla::{PolicyFacts, SlaPolicies}};
    /// assert!(SlaPolicies::default().select(&PolicyFacts::new(AccountId::from_u128(1), Priority::Low), "2026-01-01T00:00:00Z".parse()?).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn select(&self, facts: &PolicyFacts<'_>, at: DateTime<Utc>) -> Option<&PolicyVersion> {
        self.versions
            .iter()
            .find(|v| v.is_effective(at) && v.conditions.matches(facts))
    }

    /// The version a case recorded, else the latest version of its name.
    ///
    /// ```
    /// # use hotcrm_support::sla::{PolicyRef, PolicyVersion, SlaPolicies, SlaPolicy};
    /// let p = SlaPolicies::new(vec![PolicyVersion::new("Gold", 2, SlaPolicy::default())?])?;
    /// assert_eq!(p.resolve(&PolicyRef::new("Gold", 1)).map(|v| v.version), Some(2));
    /// assert!(p.resolve(&PolicyRef::new("Silver", 1)).is_none());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn resolve(&self, reference: &PolicyRef) -> Option<&PolicyVersion> {
        self.versions
            .iter()
            .find(|v| v.name == reference.name && v.version == reference.version)
            .or_else(|| {
                self.versions
                    .iter()
                    .filter(|v| v.name == reference.name)
                    .max_by_key(|v| v.version)
            })
    }
}
