//! Records the repository stores besides cases: versions, accounts, contacts,
//! sequences and saved searches.

use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::CaseQuery;
use crate::ids::{AccountId, AgentId, ContactId};
use crate::sla::Entitlement;

/// A stored value and its version (1 after insert, +1 per update).
///
/// ```
/// use hotcrm_support::repo::Versioned;
/// let v = Versioned { value: "x", version: 1 };
/// assert_eq!(v.map(str::len).value, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version.
    pub version: u64,
}

impl<T> Versioned<T> {
    /// Transforms the value, keeping the version.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Versioned<U> {
        Versioned {
            value: f(self.value),
            version: self.version,
        }
    }
}

/// A customer account with its service entitlements.
///
/// ```
/// use hotcrm_support::ids::{AccountId, ContractId};
/// use hotcrm_support::repo::Account;
/// use hotcrm_support::sla::{Entitlement, SlaTier};
/// let acme = Account::new(AccountId::from_u128(1), "Acme Corp")
///     .with_entitlement(Entitlement::new(ContractId::from_u128(9), SlaTier::Gold));
/// assert_eq!(acme.entitlements.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// Display name.
    pub name: String,
    /// Service contracts; the best active one sets a new case's tier.
    pub entitlements: Vec<Entitlement>,
    /// The customer success manager (target of "angry customer" escalations).
    pub success_manager: Option<AgentId>,
    /// The account's own support calendar, when it differs from the desk's.
    pub business_hours: Option<BusinessHours>,
}

impl Account {
    /// An account with no entitlements (its cases get the Standard tier).
    pub fn new(id: AccountId, name: impl Into<String>) -> Account {
        Account {
            id,
            name: name.into(),
            entitlements: Vec::new(),
            success_manager: None,
            business_hours: None,
        }
    }

    /// Adds an entitlement.
    pub fn with_entitlement(mut self, entitlement: Entitlement) -> Account {
        self.entitlements.push(entitlement);
        self
    }

    /// Sets the customer success manager.
    pub fn with_success_manager(mut self, agent: AgentId) -> Account {
        self.success_manager = Some(agent);
        self
    }

    /// Sets the account's support calendar.
    pub fn with_business_hours(mut self, hours: BusinessHours) -> Account {
        self.business_hours = Some(hours);
        self
    }
}

/// A person at an account.
///
/// ```
/// use hotcrm_support::ids::{AccountId, ContactId};
/// use hotcrm_support::repo::Contact;
/// let c = Contact::new(ContactId::from_u128(1), AccountId::from_u128(2), "Ada", "ada@example.com");
/// assert_eq!(c.email, "ada@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// The contact's id.
    pub id: ContactId,
    /// Their account.
    pub account: AccountId,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

impl Contact {
    /// A contact.
    pub fn new(
        id: ContactId,
        account: AccountId,
        name: impl Into<String>,
        email: impl Into<String>,
    ) -> Contact {
        Contact {
            id,
            account,
            name: name.into(),
            email: email.into(),
        }
    }
}

/// Which per-year sequence to draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SequenceKind {
    /// `CASE-YYYY-NNNN`.
    Case,
    /// `KB-YYYY-NNNN`.
    Knowledge,
}

/// A named case query an agent saved.
///
/// ```
/// use hotcrm_support::case::{ListView, CaseQuery};
/// use hotcrm_support::ids::AgentId;
/// use hotcrm_support::repo::SavedSearch;
/// let s = SavedSearch { owner: AgentId::from_u128(1), name: "VIP backlog".into(), query: CaseQuery::default() };
/// assert_eq!(s.name, "VIP backlog");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSearch {
    /// Who saved it.
    pub owner: AgentId,
    /// Its name (unique per owner).
    pub name: String,
    /// The query.
    pub query: CaseQuery,
}
