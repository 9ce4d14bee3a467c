//! Service tiers.

use crate::picklist::picklist;

picklist! {
    /// The service tier of an entitlement, which selects SLA targets. Ordered from
    /// the highest service level to the lowest.
    ///
    /// ```
    /// use hotcrm_support::sla::SlaTier;
    /// assert!(SlaTier::Platinum < SlaTier::Standard);
    /// assert_eq!(SlaTier::default(), SlaTier::Standard);
    /// ```
    pub enum SlaTier: "sla tier" {
        /// 24x7, 1h response, 4h resolution.
        Platinum => "Platinum",
        /// 24x7, 2h response, 8h resolution.
        Gold => "Gold",
        /// Business hours, 4h response, 1 business day resolution.
        Silver => "Silver",
        /// Business hours, 8h response, 2 business days resolution.
        Bronze => "Bronze",
        /// Business hours, 1 business day response, 5 business days resolution.
        Standard => "Standard",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from `picklist!`
impl Default for SlaTier {
    fn default() -> Self {
        SlaTier::Standard
    }
}
