//! Entitlements: which service contract (and so which [`SlaTier`]) covers an account.
//! Layer 2, pure values; depends on `ids` and the tier.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SlaTier;
use crate::ids::ContractId;

/// A service contract that entitles an account to an [`SlaTier`], optionally
/// within a validity window (`[valid_from, valid_until)`).
///
/// # Example
///
/// ```
/// use hotcrm_support::ids::ContractId;
/// use hotcrm_support::sla::{Entitlement, SlaTier};
///
/// let gold = Entitlement::new(ContractId::from_u128(1), SlaTier::Gold);
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// assert_eq!(SlaTier::from_entitlement(Some(&gold), now), SlaTier::Gold);
/// assert_eq!(SlaTier::from_entitlement(None, now), SlaTier::Standard);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlement {
    /// The contract granting the entitlement.
    pub contract: ContractId,
    /// The tier it grants.
    pub tier: SlaTier,
    /// First instant the entitlement applies; `None` = since forever.
    pub valid_from: Option<DateTime<Utc>>,
    /// First instant it no longer applies; `None` = open-ended.
    pub valid_until: Option<DateTime<Utc>>,
}

impl Entitlement {
    /// An open-ended entitlement to `tier` under `contract`.
    ///
    /// ```
    /// use hotcrm_support::{ids::ContractId, sla::{Entitlement, SlaTier}};
    /// let e = Entitlement::new(ContractId::from_u128(1), SlaTier::Silver);
    /// assert!(e.is_active("2030-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(contract: ContractId, tier: SlaTier) -> Self {
        Self {
            contract,
            tier,
            valid_from: None,
            valid_until: None,
        }
    }

    /// Restricts the entitlement to `[from, until)`.
    ///
    /// ```
    /// use hotcrm_support::{ids::ContractId, sla::{Entitlement, SlaTier}};
    /// let e = Entitlement::new(ContractId::from_u128(1), SlaTier::Gold)
    ///     .valid_between("2026-01-01T00:00:00Z".parse()?, "2027-01-01T00:00:00Z".parse()?);
    /// assert!(!e.is_active("2027-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn valid_between(mut self, from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        self.valid_from = Some(from);
        self.valid_until = Some(until);
        self
    }

    /// Whether the entitlement applies at `at`.
    ///
    /// ```
    /// use hotcrm_support::{ids::ContractId, sla::{Entitlement, SlaTier}};
    /// let e = Entitlement::new(ContractId::from_u128(1), SlaTier::Gold);
    /// assert!(e.is_active("2026-06-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|from| from <= at)
            && self.valid_until.is_none_or(|until| at < until)
    }
}

impl SlaTier {
    /// The tier a case gets at creation: the entitlement's tier when one is active
    /// at `at`, otherwise [`SlaTier::Standard`].
    ///
    /// ```
    /// use hotcrm_support::{ids::ContractId, sla::{Entitlement, SlaTier}};
    /// let expired = Entitlement::new(ContractId::from_u128(1), SlaTier::Platinum)
    ///     .valid_between("2020-01-01T00:00:00Z".parse()?, "2021-01-01T00:00:00Z".parse()?);
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// assert_eq!(SlaTier::from_entitlement(Some(&expired), now), SlaTier::Standard);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_entitlement(entitlement: Option<&Entitlement>, at: DateTime<Utc>) -> SlaTier {
        entitlement
            .filter(|e| e.is_active(at))
            .map_or(SlaTier::Standard, |e| e.tier)
    }
}
