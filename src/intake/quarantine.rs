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
