//! Quarantined mail: an email screening or the sender rules held back, kept
//! whole (its parsed parts) so a reviewer can release or discard it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::address::Mailbox;
use super::email::InboundEmail;

/// Where a quarantined email stands.
///
/// ```
/// use hotcrm_support::intake::QuarantineState;
/// assert!(QuarantineState::Held.is_held());
/// assert!(!QuarantineState::Discarded { at: "2026-01-05T09:00:00Z".parse()? }.is_held());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum QuarantineState {
    /// Waiting for review.
    Held,
    /// A reviewer let it through; it was then processed like a new delivery.
    Released {
        /// When.
        at: DateTime<Utc>,
    },
    /// A reviewer threw it away (the record stays, for the audit trail).
    Discarded {
        /// When.
        at: DateTime<Utc>,
    },
}

impl QuarantineState {
    /// Whether the email still waits for review.
    ///
    /// ```
    /// # use hotcrm_support::intake::QuarantineState;
    /// assert!(QuarantineState::Held.is_held());
    /// ```
    pub fn is_held(self) -> bool {
        matches!(self, QuarantineState::Held)
    }
}

/// An email held back by screening (spam flags, blocked attachments, too many
/// recipients, a flooding sender) or because its sender is unknown and the
/// desk has no default account. Nothing of the mail is lost: the parsed email
/// (headers kept, text and HTML bodies, attachment metadata) is stored.
///
/// ```
/// use hotcrm_support::intake::{InboundEmail, Mailbox, QuarantinedMail};
/// let mut email = InboundEmail::default();
/// email.subject = "You won".into();
/// let support = Mailbox::new(None, "support@desk.example").unwrap();
/// let held = QuarantinedMail::new(email, support, vec!["spam flag".into()], "2026-01-05T09:00:00Z".parse()?);
/// assert!(held.state.is_held());
/// assert_eq!(held.id, QuarantinedMail::id_of(&held.email));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QuarantinedMail {
    /// Derived from the email's de-duplication key ([`QuarantinedMail::id_of`]).
    pub id: Uuid,
    /// The mailbox it was received at.
    pub mailbox: Mailbox,
    /// The email.
    pub email: InboundEmail,
    /// Why it was held, as readable lines.
    pub reasons: Vec<String>,
    /// When it was held.
    pub received_at: DateTime<Utc>,
    /// Held, released or discarded.
    pub state: QuarantineState,
}

impl QuarantinedMail {
    /// A held email.
    ///
    /// ```
    /// # use hotcrm_support::intake::{InboundEmail, Mailbox, QuarantinedMail};
    /// let m = QuarantinedMail::new(InboundEmail::default(), Mailbox::new(None, "s@d.example").unwrap(), vec![], "2026-01-05T09:00:00Z".parse()?);
    /// assert!(m.reasons.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        email: InboundEmail,
        mailbox: Mailbox,
        reasons: Vec<String>,
        at: DateTime<Utc>,
    ) -> QuarantinedMail {
        QuarantinedMail {
            id: QuarantinedMail::id_of(&email),
            mailbox,
            email,
            reasons,
            received_at: at,
            state: QuarantineState::Held,
        }
    }

    /// The record id of `email`: a stable hash of its
    /// [`InboundEmail::dedupe_key`], so a repeated delivery is held once.
    ///
    /// ```
    /// # use hotcrm_support::intake::{InboundEmail, QuarantinedMail};
    /// assert_eq!(QuarantinedMail::id_of(&InboundEmail::default()), QuarantinedMail::id_of(&InboundEmail::default()));
    /// ```
    pub fn id_of(email: &InboundEmail) -> Uuid {
        Uuid::from_u128(crate::ids::stable_hash(
            "hotcrm-intake-quarantine",
            &email.dedupe_key(),
        ))
    }
}

/// An address permanent bounces (5.x.x) marked undeliverable: the desk stores
/// it in the same commit as the bounce's note, so a host can stop mailing it.
/// A later [`clear`](UndeliverableAddress::clear) (the customer fixed their
/// mailbox) keeps the history.
///
/// ```
/// use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let gone = EmailAddress::parse("gone@customer.example").unwrap();
/// let mut mark = UndeliverableAddress::new(gone.clone(), Some("5.1.1".into()), None, at);
/// assert!(mark.is_undeliverable());
/// mark.clear("2026-01-06T09:00:00Z".parse()?);
/// assert!(!mark.is_undeliverable());
/// mark.bounced(Some("5.1.1".into()), None, "2026-01-07T09:00:00Z".parse()?);
/// assert!(mark.is_undeliverable());
/// assert_eq!(mark.bounces, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UndeliverableAddress {
    /// Derived from the address ([`UndeliverableAddress::id_of`]).
    pub id: Uuid,
    /// The address.
    pub address: super::address::EmailAddress,
    /// The last status code (`5.1.1`, `550`).
    pub status: Option<String>,
    /// The last diagnostic text.
    pub diagnostic: Option<String>,
    /// Permanent bounces counted.
    pub bounces: u32,
    /// The first bounce.
    pub first_at: DateTime<Utc>,
    /// The last bounce.
    pub last_at: DateTime<Utc>,
    /// When a host cleared the mark (it counts again from the next bounce).
    pub cleared_at: Option<DateTime<Utc>>,
    /// The de-duplication key of the last bounce counted (a repeated delivery
    /// of the same bounce is not counted twice).
    #[serde(default)]
    pub last_key: Option<String>,
}

impl UndeliverableAddress {
    /// A first permanent bounce of `address`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
    /// let m = UndeliverableAddress::new(EmailAddress::parse("a@b.example").unwrap(), None, None, "2026-01-05T09:00:00Z".parse()?);
    /// assert_eq!(m.bounces, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        address: super::address::EmailAddress,
        status: Option<String>,
        diagnostic: Option<String>,
        at: DateTime<Utc>,
    ) -> UndeliverableAddress {
        UndeliverableAddress {
            id: UndeliverableAddress::id_of(&address),
            address,
            status,
            diagnostic: diagnostic.map(|d| d.chars().take(1_000).collect()),
            bounces: 1,
            first_at: at,
            last_at: at,
            cleared_at: None,
            last_key: None,
        }
    }

    /// The record id of `address`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
    /// let a = EmailAddress::parse("A@B.example").unwrap();
    /// assert_eq!(UndeliverableAddress::id_of(&a), UndeliverableAddress::id_of(&EmailAddress::parse("a@b.example").unwrap()));
    /// ```
    pub fn id_of(address: &super::address::EmailAddress) -> Uuid {
        Uuid::from_u128(crate::ids::stable_hash(
            "hotcrm-intake-undeliverable",
            address.as_str(),
        ))
    }

    /// Counts another permanent bounce.
    ///
    /// ```
    /// # use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
    /// let mut m = UndeliverableAddress::new(EmailAddress::parse("a@b.example").unwrap(), None, None, "2026-01-05T09:00:00Z".parse()?);
    /// m.bounced(Some("5.2.2".into()), None, "2026-01-06T09:00:00Z".parse()?);
    /// assert_eq!(m.status.as_deref(), Some("5.2.2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bounced(
        &mut self,
        status: Option<String>,
        diagnostic: Option<String>,
        at: DateTime<Utc>,
    ) {
        self.bounces = self.bounces.saturating_add(1);
        self.status = status.or(self.status.take());
        if let Some(d) = diagnostic {
            self.diagnostic = Some(d.chars().take(1_000).collect());
        }
        self.last_at = self.last_at.max(at);
    }

    /// Clears the mark at `at`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
    /// let mut m = UndeliverableAddress::new(EmailAddress::parse("a@b.example").unwrap(), None, None, "2026-01-05T09:00:00Z".parse()?);
    /// m.clear("2026-01-05T10:00:00Z".parse()?);
    /// assert!(!m.is_undeliverable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear(&mut self, at: DateTime<Utc>) {
        self.cleared_at = Some(at);
    }

    /// Whether the address bounced since it was last cleared.
    ///
    /// ```
    /// # use hotcrm_support::intake::{EmailAddress, UndeliverableAddress};
    /// let m = UndeliverableAddress::new(EmailAddress::parse("a@b.example").unwrap(), None, None, "2026-01-05T09:00:00Z".parse()?);
    /// assert!(m.is_undeliverable());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_undeliverable(&self) -> bool {
        self.cleared_at.is_none_or(|c| c < self.last_at)
    }
}
