//! The case status machine. Pure values.

use crate::picklist::picklist;

picklist! {
    /// Where a case is in its lifecycle.
    ///
    /// ```text
    /// New ─► Open ─► InProgress ⇄ WaitingOnCustomer
    ///  │      │        │  ▲            │
    ///  └──────┴────────┴──┴─► Escalated┘ (and back to InProgress / WaitingOnCustomer)
    /// any open status ─► Resolved ─► Closed (terminal)
    ///                    Resolved ─► Open / InProgress (reopen)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus;
    /// assert!(CaseStatus::InProgress.can_transition_to(CaseStatus::WaitingOnCustomer));
    /// assert!(CaseStatus::Resolved.can_transition_to(CaseStatus::InProgress));
    /// assert!(!CaseStatus::Closed.can_transition_to(CaseStatus::Open));
    /// assert_eq!("waiting on customer".parse::<CaseStatus>()?, CaseStatus::WaitingOnCustomer);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[derive(Default)]
    pub enum CaseStatus: "case status" {
        /// Just created, not yet assigned.
        #[default]
        New => "New",
        /// Assigned, pending work.
        Open => "Open",
        /// Actively worked on.
        InProgress => "In Progress",
        /// Waiting for the customer; pauses the resolution clock by default.
        WaitingOnCustomer => "Waiting on Customer",
        /// Escalated to a higher tier.
        Escalated => "Escalated",
        /// Solution provided, pending closure; can reopen.
        Resolved => "Resolved",
        /// Closed: terminal.
        Closed => "Closed",
    }
}

impl CaseStatus {
    /// Whether the status machine allows moving from `self` to `to`. Staying in
    /// the same status is not a transition.
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus::*;
    /// assert!(New.can_transition_to(Open));
    /// assert!(Escalated.can_transition_to(Resolved));
    /// assert!(!New.can_transition_to(Closed));
    /// assert!(!Open.can_transition_to(Open));
    /// ```
    pub const fn can_transition_to(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        matches!(
            (self, to),
            (
                New,
                Open | InProgress | WaitingOnCustomer | Escalated | Resolved
            ) | (Open, InProgress | WaitingOnCustomer | Escalated | Resolved)
                | (InProgress, Open | WaitingOnCustomer | Escalated | Resolved)
                | (WaitingOnCustomer, Open | InProgress | Escalated | Resolved)
                | (Escalated, InProgress | WaitingOnCustomer | Resolved)
                | (Resolved, Open | InProgress | Closed)
        )
    }

    /// Whether the case still needs work (not Resolved or Closed).
    ///
    /// ```
    /// use hotcrm_support::case::CaseStatus;
    /// assert!(CaseStatus::WaitingOnCustomer.is_open());
    /// assert!(!CaseStatus::Resolved.is_open());
    /// ```
    pub const fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus::{self, *};

    #[test]
    fn transition_table() {
        let allowed: &[(CaseStatus, &[CaseStatus])] = &[
            (
                New,
                &[Open, InProgress, WaitingOnCustomer, Escalated, Resolved],
            ),
            (Open, &[InProgress, WaitingOnCustomer, Escalated, Resolved]),
            (InProgress, &[Open, WaitingOnCustomer, Escalated, Resolved]),
            (WaitingOnCustomer, &[Open, InProgress, Escalated, Resolved]),
            (Escalated, &[InProgress, WaitingOnCustomer, Resolved]),
            (Resolved, &[Open, InProgress, Closed]),
            (Closed, &[]),
        ];
        for (from, tos) in allowed {
            for to in CaseStatus::ALL {
                assert_eq!(
                    from.can_transition_to(*to),
                    tos.contains(to),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn every_status_is_reachable_from_new() {
        let mut seen = vec![New];
        let mut i = 0;
        while let Some(&s) = seen.get(i) {
            for to in CaseStatus::ALL {
                if s.can_transition_to(*to) && !seen.contains(to) {
                    seen.push(*to);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), CaseStatus::ALL.len());
    }
}
