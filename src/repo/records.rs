//! Records the repository stores besides cases: versions, accounts, contacts,
//! sequences and saved searches.
//!
//! Records are validated on load: an [`Account`] needs a name that is not blank
//! and valid entitlements, a [`Contact`] a name and an email that are not blank,
//! a [`SavedSearch`] a name that is not blank (each type's `validate`, which
//! hosts can also call before storing one). Errors name the field.

use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::CaseQuery;
use crate::case::validate::{not_blank, validated_record};
use crate::error::Result;
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

validated_record! {
/// A customer account with its service entitlements.
///
/// Loading one checks [`Account::validate`].
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
#[serde(try_from = "AccountRecord")]
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
    /// The account's region (for example "EMEA"), which SLA policy
    /// conditions may select on.
    #[serde(default)]
    pub region: Option<String>,
}
mirror AccountRecord;
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
            region: None,
        }
    }

    /// Sets the account's region.
    ///
    /// ```
    /// use hotcrm_support::{ids::AccountId, repo::Account};
    /// assert_eq!(Account::new(AccountId::from_u128(1), "Acme").with_region("EMEA").region.as_deref(), Some("EMEA"));
    /// ```
    pub fn with_region(mut self, region: impl Into<String>) -> Account {
        self.region = Some(region.into());
        self
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

    /// Checks the account: a name that is not blank and valid entitlements
    /// ([`Entitlement::validate`]); its calendar was validated when built. Serde
    /// runs it when an account is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`](crate::Error::Validation) naming the field (`name`, `valid_until`).
    ///
    /// ```
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::repo::Account;
    /// Account::new(AccountId::from_u128(1), "Acme Corp").validate()?;
    /// let err = Account::new(AccountId::from_u128(1), " ").validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid name: must not be empty");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        not_blank("name", &self.name)?;
        self.entitlements.iter().try_for_each(Entitlement::validate)
    }
}

validated_record! {
/// A person at an account.
///
/// Loading one checks [`Contact::validate`].
///
/// ```
/// use hotcrm_support::ids::{AccountId, ContactId};
/// use hotcrm_support::repo::Contact;
/// let c = Contact::new(ContactId::from_u128(1), AccountId::from_u128(2), "Ada", "ada@example.com");
/// assert_eq!(c.email, "ada@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ContactRecord")]
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
mirror ContactRecord;
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

    /// Checks the contact: a name and an email that are not blank. Serde runs it
    /// when a contact is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`](crate::Error::Validation) naming `name` or `email`.
    ///
    /// ```
    /// use hotcrm_support::ids::{AccountId, ContactId};
    /// use hotcrm_support::repo::Contact;
    /// Contact::new(ContactId::from_u128(1), AccountId::from_u128(2), "Ada", "ada@example.com").validate()?;
    /// let err = Contact::new(ContactId::from_u128(1), AccountId::from_u128(2), "Ada", "").validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid email: must not be empty");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        not_blank("name", &self.name)?;
        not_blank("email", &self.email)
    }
}

/// The form contacts are unique by and found by: the email trimmed, ASCII
/// letters lowercased.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// Which per-year sequence to draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SequenceKind {
    /// `CASE-YYYY-NNNN`.
    Case,
    /// `KB-YYYY-NNNN`.
    Knowledge,
}

validated_record! {
/// A named case query an agent saved.
///
/// Loading one checks [`SavedSearch::validate`].
///
/// ```
/// use hotcrm_support::case::{ListView, CaseQuery};
/// use hotcrm_support::ids::AgentId;
/// use hotcrm_support::repo::SavedSearch;
/// let s = SavedSearch { owner: AgentId::from_u128(1), name: "VIP backlog".into(), query: CaseQuery::default() };
/// assert_eq!(s.name, "VIP backlog");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SavedSearchRecord")]
pub struct SavedSearch {
    /// Who saved it.
    pub owner: AgentId,
    /// Its name (unique per owner).
    pub name: String,
    /// The query.
    pub query: CaseQuery,
}
mirror SavedSearchRecord;
}

impl SavedSearch {
    /// Checks the saved search: a name that is not blank. Serde runs it when a
    /// saved search is loaded.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`](crate::Error::Validation) naming `name`.
    ///
    /// ```
    /// use hotcrm_support::case::CaseQuery;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::repo::SavedSearch;
    /// let s = SavedSearch { owner: AgentId::from_u128(1), name: "VIP backlog".into(), query: CaseQuery::default() };
    /// s.validate()?;
    /// assert!(SavedSearch { name: "".into(), ..s }.validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        not_blank("name", &self.name)
    }
}
