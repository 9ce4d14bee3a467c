//! Entitlements: which service contract (and so which [`SlaTier`]) covers an account.
//! Layer 2, pure values; depends on `ids` and the tier.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SlaTier;
use crate::case::validate::validated_record;
use crate::error::{Error, Result};
use crate::ids::ContractId;

validated_record! {
/// A service contract that entitles an account to an [`SlaTier`], optionally
/// within a validity window (`[valid_from, valid_until)`). Loading one checks
/// that the window is not empty ([`Entitlement::validate`]).
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
#[serde(try_from = "EntitlementRecord")]
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
mirror EntitlementRecord;
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

    /// Restricts the entitlement to `[from, until)`. `until` must be after
    /// `from`: [`validate`](Self::validate) (run by case creation and on load)
    /// refuses an empty window.
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

    /// Checks that the validity window, when bounded on both sides, is not empty:
    /// `valid_from < valid_until`. [`Case::create`](crate::case::Case::create) runs
    /// it on the new case's entitlement and serde runs it on load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming `valid_until`.
    ///
    /// ```
    /// use hotcrm_support::{ids::ContractId, sla::{Entitlement, SlaTier}};
    /// let (a, b) = ("2026-01-01T00:00:00Z".parse()?, "2027-01-01T00:00:00Z".parse()?);
    /// Entitlement::new(ContractId::from_u128(1), SlaTier::Gold).valid_between(a, b).validate()?;
    /// let err = Entitlement::new(ContractId::from_u128(1), SlaTier::Gold).valid_between(b, a).validate().unwrap_err();
    /// assert!(err.to_string().starts_with("invalid valid_until"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until) {
            if until <= from {
                return Err(Error::validation(
                    "valid_until",
                    format!(
                        "entitlement of contract {} ends at {until}, not after its start {from}",
                        self.contract
                    ),
                ));
            }
        }
        Ok(())
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
