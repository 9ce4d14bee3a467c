//! Threading: does an inbound email continue an existing case, follow up a
//! closed one, reopen a resolved one, or open a new case? Pure; the case data
//! it needs comes through the small sync [`ThreadLookup`] trait, which the desk
//! implements from data it loaded beforehand.
//!
//! # Rules, in order
//!
//! 1. Our own Message-IDs (domain in [`ThreadConfig::domains`]) in
//!    `In-Reply-To`, then in `References` newest first: the first one the
//!    lookup knows decides the case. Anyone holding one of our message ids was
//!    sent our mail, so the sender is not checked.
//! 2. The subject token `[CASE-YYYY-NNNN]`, **only** when the sender (From) is
//!    the case's contact, a participant (CC'd on the case) or a contact of the
//!    case's account. A case number is short and guessable; a stranger using
//!    one gets a new case ([`ThreadDecision::NewCase`] with `refused_token`).
//! 3. Otherwise a new case.
//!
//! Then, for a person's mail: Closed → [`ThreadDecision::FollowUp`], Resolved
//! → [`ThreadDecision::Reopen`], any other status → [`ThreadDecision::Append`].
//! Machine mail (auto-replies, bounces, lists) never reopens nor follows up:
//! on a case that is not closed it becomes an [`ThreadDecision::InternalNote`];
//! on a closed case, or without a case, it is ignored (unless
//! [`ThreadConfig::machine_mail_opens_cases`] allows a new case; bounces
//! never open one).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::address::{EmailAddress, MessageId};
use super::classify::MailKind;
use super::email::InboundEmail;
use crate::case::CaseStatus;
use crate::error::{Error, Result};
use crate::ids::{AccountId, CaseId, CaseNumber};

/// What threading needs to know about a case.
///
/// ```
/// use hotcrm_support::case::CaseStatus;
/// use hotcrm_support::ids::{CaseId, CaseNumber};
/// use hotcrm_support::intake::ThreadCase;
/// let c = ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open);
/// assert!(c.contact_email.is_none());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadCase {
    /// The case.
    pub id: CaseId,
    /// Its number.
    pub number: CaseNumber,
    /// Its status now.
    pub status: CaseStatus,
    /// The email of its contact, if any.
    pub contact_email: Option<EmailAddress>,
    /// Its account.
    pub account: Option<AccountId>,
}

impl ThreadCase {
    /// A case without contact or account.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseStatus, ids::*, intake::ThreadCase};
    /// let c = ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Closed);
    /// assert_eq!(c.status, CaseStatus::Closed);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn new(id: CaseId, number: CaseNumber, status: CaseStatus) -> ThreadCase {
        ThreadCase {
            id,
            number,
            status,
            contact_email: None,
            account: None,
        }
    }

    /// Sets the contact's email.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseStatus, ids::*, intake::*};
    /// let c = ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open)
    ///     .with_contact(EmailAddress::parse("a@x.org").unwrap());
    /// assert!(c.contact_email.is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_contact(mut self, email: EmailAddress) -> ThreadCase {
        self.contact_email = Some(email);
        self
    }

    /// Sets the account.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseStatus, ids::*, intake::*};
    /// let c = ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open)
    ///     .with_account(AccountId::from_u128(9));
    /// assert_eq!(c.account, Some(AccountId::from_u128(9)));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_account(mut self, account: AccountId) -> ThreadCase {
        self.account = Some(account);
        self
    }
}

/// The case data threading reads. Sync and infallible on purpose: the desk
/// loads what an email may need (cases by the ids and numbers it mentions,
/// their participants and account contacts) before deciding, then answers
/// from that staged data.
///
/// Contract: `case_by_message_id` knows every Message-ID the desk sent (and may
/// decode [`OwnMessageId`]s instead of storing them); the lists are normalised
/// addresses; unknown cases give `None` or empty lists.
///
/// ```
/// use hotcrm_support::intake::{MemoryThreadLookup, ThreadLookup, MessageId};
/// let lookup = MemoryThreadLookup::default();
/// assert!(lookup.case_by_message_id(&MessageId::parse("<x@y>").unwrap()).is_none());
/// ```
pub trait ThreadLookup {
    /// The case an outgoing Message-ID of ours belongs to.
    fn case_by_message_id(&self, id: &MessageId) -> Option<ThreadCase>;
    /// The case with this number.
    fn case_by_number(&self, number: CaseNumber) -> Option<ThreadCase>;
    /// Addresses CC'd on the case (its participants).
    fn participants(&self, case: CaseId) -> Vec<EmailAddress>;
    /// Email addresses of the contacts of the case's account.
    fn account_contacts(&self, case: CaseId) -> Vec<EmailAddress>;
}

macro_rules! forward_lookup {
    ($($ty:ty),*) => {$(
        impl<T: ThreadLookup + ?Sized> ThreadLookup for $ty {
            fn case_by_message_id(&self, id: &MessageId) -> Option<ThreadCase> {
                (**self).case_by_message_id(id)
            }
            fn case_by_number(&self, number: CaseNumber) -> Option<ThreadCase> {
                (**self).case_by_number(number)
            }
            fn participants(&self, case: CaseId) -> Vec<EmailAddress> {
                (**self).participants(case)
            }
            fn account_contacts(&self, case: CaseId) -> Vec<EmailAddress> {
                (**self).account_contacts(case)
            }
        }
    )*};
}
forward_lookup!(&T, Box<T>, Arc<T>);

/// An in-memory [`ThreadLookup`]: for tests, and for hosts that stage the
/// data in maps. Outgoing ids in the [`OwnMessageId`] format are decoded, so
/// only other ids need [`MemoryThreadLookup::add_message_id`].
///
/// ```
/// use hotcrm_support::case::CaseStatus;
/// use hotcrm_support::ids::{CaseId, CaseNumber};
/// use hotcrm_support::intake::*;
/// let mut lookup = MemoryThreadLookup::default();
/// lookup.insert(ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open));
/// let ours = OwnMessageId::new(CaseId::from_u128(1), 3).to_message_id("desk.example")?;
/// assert_eq!(lookup.case_by_message_id(&ours).map(|c| c.id), Some(CaseId::from_u128(1)));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryThreadLookup {
    cases: BTreeMap<CaseId, ThreadCase>,
    message_ids: BTreeMap<MessageId, CaseId>,
    participants: BTreeMap<CaseId, BTreeSet<EmailAddress>>,
    account_contacts: BTreeMap<CaseId, BTreeSet<EmailAddress>>,
}

impl MemoryThreadLookup {
    /// Adds or replaces a case.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseStatus, ids::*, intake::*};
    /// let mut l = MemoryThreadLookup::default();
    /// l.insert(ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open));
    /// assert!(l.case_by_number(CaseNumber::new(2026, 1)?).is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn insert(&mut self, case: ThreadCase) {
        self.cases.insert(case.id, case);
    }

    /// Records a Message-ID as belonging to a case.
    ///
    /// ```
    /// # use hotcrm_support::{case::CaseStatus, ids::*, intake::*};
    /// let mut l = MemoryThreadLookup::default();
    /// l.insert(ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, CaseStatus::Open));
    /// let id = MessageId::parse("<legacy-1@desk.example>").unwrap();
    /// l.add_message_id(id.clone(), CaseId::from_u128(1));
    /// assert!(l.case_by_message_id(&id).is_some());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn add_message_id(&mut self, id: MessageId, case: CaseId) {
        self.message_ids.insert(id, case);
    }

    /// Adds a participant (a CC'd address) to a case.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, intake::*};
    /// let mut l = MemoryThreadLookup::default();
    /// l.add_participant(CaseId::from_u128(1), EmailAddress::parse("cc@x.org").unwrap());
    /// assert_eq!(l.participants(CaseId::from_u128(1)).len(), 1);
    /// ```
    pub fn add_participant(&mut self, case: CaseId, email: EmailAddress) {
        self.participants.entry(case).or_default().insert(email);
    }

    /// Adds an address of a contact of the case's account.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, intake::*};
    /// let mut l = MemoryThreadLookup::default();
    /// l.add_account_contact(CaseId::from_u128(1), EmailAddress::parse("boss@x.org").unwrap());
    /// assert_eq!(l.account_contacts(CaseId::from_u128(1)).len(), 1);
    /// ```
    pub fn add_account_contact(&mut self, case: CaseId, email: EmailAddress) {
        self.account_contacts.entry(case).or_default().insert(email);
    }
}

impl ThreadLookup for MemoryThreadLookup {
    fn case_by_message_id(&self, id: &MessageId) -> Option<ThreadCase> {
        let case = self
            .message_ids
            .get(id)
            .copied()
            .or_else(|| OwnMessageId::parse(id).map(|o| o.case))?;
        self.cases.get(&case).cloned()
    }

    fn case_by_number(&self, number: CaseNumber) -> Option<ThreadCase> {
        self.cases.values().find(|c| c.number == number).cloned()
    }

    fn participants(&self, case: CaseId) -> Vec<EmailAddress> {
        self.participants
            .get(&case)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn account_contacts(&self, case: CaseId) -> Vec<EmailAddress> {
        self.account_contacts
            .get(&case)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// The Message-ID the desk puts on its outgoing mail for a case:
/// `<case-{uuid}.{n}@domain>`, `n` numbering the messages of the case (for
/// example the comment's position). Threading recognises it in replies.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::intake::OwnMessageId;
/// let own = OwnMessageId::new(CaseId::from_u128(1), 2);
/// let id = own.to_message_id("Desk.Example")?;
/// assert_eq!(id.to_string(), "<case-00000000-0000-0000-0000-000000000001.2@desk.example>");
/// assert_eq!(OwnMessageId::parse(&id), Some(own));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OwnMessageId {
    /// The case.
    pub case: CaseId,
    /// The message's number within the case.
    pub sequence: u64,
}

impl OwnMessageId {
    /// The id of message `sequence` of `case`.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::OwnMessageId};
    /// assert_eq!(OwnMessageId::new(CaseId::from_u128(1), 0).sequence, 0);
    /// ```
    pub fn new(case: CaseId, sequence: u64) -> OwnMessageId {
        OwnMessageId { case, sequence }
    }

    /// The Message-ID with our `domain`.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `message id domain`) when the domain is
    /// empty or contains whitespace, `@`, `<` or `>`.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::OwnMessageId};
    /// assert!(OwnMessageId::new(CaseId::from_u128(1), 0).to_message_id("bad domain").is_err());
    /// ```
    pub fn to_message_id(&self, domain: &str) -> Result<MessageId> {
        let domain = domain.trim();
        if domain.is_empty()
            || domain
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '@' | '<' | '>'))
        {
            return Err(Error::validation(
                "message id domain",
                format!("{domain:?} is not a domain"),
            ));
        }
        let raw = format!(
            "case-{}.{}@{domain}",
            self.case.as_uuid().hyphenated(),
            self.sequence
        );
        MessageId::parse(&raw).ok_or_else(|| {
            Error::validation("message id domain", format!("{domain:?} is too long"))
        })
    }

    /// Decodes one of our Message-IDs (any domain; check the domain
    /// separately with [`ThreadConfig::is_ours`]).
    ///
    /// ```
    /// use hotcrm_support::intake::{MessageId, OwnMessageId};
    /// assert!(OwnMessageId::parse(&MessageId::parse("<abc@x>").unwrap()).is_none());
    /// ```
    pub fn parse(id: &MessageId) -> Option<OwnMessageId> {
        let rest = id.local_part().strip_prefix("case-")?;
        let (uuid, seq) = rest.rsplit_once('.')?;
        Some(OwnMessageId {
            case: CaseId::from_uuid(Uuid::parse_str(uuid).ok()?),
            sequence: seq.parse().ok()?,
        })
    }
}

/// The desk's threading settings.
///
/// ```
/// use hotcrm_support::intake::{MessageId, ThreadConfig};
/// let c = ThreadConfig::new(["Desk.Example"]);
/// assert!(c.is_ours(&MessageId::parse("<x@desk.example>").unwrap()));
/// assert!(!c.machine_mail_opens_cases);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ThreadConfig {
    /// Domains of our outgoing Message-IDs (lowercase).
    pub domains: Vec<String>,
    /// Whether automated mail (not bounces) that matches no case opens a new
    /// one (default false: ignored, which also stops mail loops).
    pub machine_mail_opens_cases: bool,
}

impl ThreadConfig {
    /// A config with our Message-ID domains.
    ///
    /// ```
    /// # use hotcrm_support::intake::ThreadConfig;
    /// assert_eq!(ThreadConfig::new(["A.example"]).domains, ["a.example"]);
    /// ```
    pub fn new<S: AsRef<str>>(domains: impl IntoIterator<Item = S>) -> ThreadConfig {
        ThreadConfig {
            domains: domains
                .into_iter()
                .map(|d| d.as_ref().trim().to_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            machine_mail_opens_cases: false,
        }
    }

    /// Whether a Message-ID was generated by us (its domain is one of ours).
    ///
    /// ```
    /// # use hotcrm_support::intake::{MessageId, ThreadConfig};
    /// assert!(!ThreadConfig::new(["desk.example"]).is_ours(&MessageId::parse("<x@evil.example>").unwrap()));
    /// ```
    pub fn is_ours(&self, id: &MessageId) -> bool {
        id.domain()
            .is_some_and(|d| self.domains.iter().any(|o| o == d))
    }
}

/// Which rule matched the case.
///
/// ```
/// use hotcrm_support::intake::ThreadMatch;
/// assert_ne!(ThreadMatch::InReplyTo, ThreadMatch::SubjectToken);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ThreadMatch {
    /// One of our ids in `In-Reply-To`.
    InReplyTo,
    /// One of our ids in `References`.
    References,
    /// The `[CASE-YYYY-NNNN]` subject token from an authorised sender.
    SubjectToken,
}

/// Why an email is ignored.
///
/// ```
/// use hotcrm_support::intake::IgnoreReason;
/// assert_ne!(IgnoreReason::MachineMailWithoutCase, IgnoreReason::MachineMailOnClosedCase);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum IgnoreReason {
    /// Machine mail that matches no case (and may not open one).
    MachineMailWithoutCase,
    /// Machine mail about a closed case.
    MachineMailOnClosedCase,
}

/// What to do with an inbound email.
///
/// ```
/// use hotcrm_support::intake::ThreadDecision;
/// assert_eq!(ThreadDecision::NewCase { refused_token: None }.case(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ThreadDecision {
    /// Open a new case.
    NewCase {
        /// A case number from the subject that was not honoured because the
        /// sender may not write into that case.
        refused_token: Option<CaseNumber>,
    },
    /// Add the email to the case as a customer comment.
    Append {
        /// The case.
        case: CaseId,
        /// How it was found.
        via: ThreadMatch,
    },
    /// The case is closed: open a follow-up case linked to it.
    FollowUp {
        /// The closed case.
        closed_case: CaseId,
        /// How it was found.
        via: ThreadMatch,
    },
    /// The case is resolved: reopen it with the email as a customer comment.
    Reopen {
        /// The case.
        case: CaseId,
        /// How it was found.
        via: ThreadMatch,
    },
    /// Machine mail about the case: record it as an internal note only.
    InternalNote {
        /// The case.
        case: CaseId,
        /// How it was found.
        via: ThreadMatch,
    },
    /// Do nothing with it (beyond logging).
    Ignore {
        /// Why.
        reason: IgnoreReason,
    },
}

impl ThreadDecision {
    /// The existing case the decision is about, if any.
    ///
    /// ```
    /// use hotcrm_support::{ids::CaseId, intake::{ThreadDecision, ThreadMatch}};
    /// let d = ThreadDecision::Reopen { case: CaseId::from_u128(1), via: ThreadMatch::InReplyTo };
    /// assert_eq!(d.case(), Some(CaseId::from_u128(1)));
    /// ```
    pub fn case(&self) -> Option<CaseId> {
        match self {
            ThreadDecision::Append { case, .. }
            | ThreadDecision::Reopen { case, .. }
            | ThreadDecision::InternalNote { case, .. } => Some(*case),
            ThreadDecision::FollowUp { closed_case, .. } => Some(*closed_case),
            ThreadDecision::NewCase { .. } | ThreadDecision::Ignore { .. } => None,
        }
    }
}

/// The addresses of an email that should become participants of its case:
/// every To and Cc address that is not one of ours, plus the sender, without
/// duplicates, in order. Store them with the case so that a later subject-token
/// reply from one of them is accepted ([`ThreadLookup::participants`]).
///
/// ```
/// use hotcrm_support::intake::*;
/// let mut e = InboundEmail::default();
/// e.from = Mailbox::new(None, "ann@customer.example");
/// e.to.extend(Mailbox::new(None, "support@desk.example"));
/// e.cc.extend(Mailbox::new(None, "Boss@Customer.Example"));
/// let ours = [EmailAddress::parse("support@desk.example").unwrap()];
/// let p: Vec<String> = participants_of(&e, &ours).iter().map(|a| a.to_string()).collect();
/// assert_eq!(p, ["ann@customer.example", "boss@customer.example"]);
/// ```
pub fn participants_of(email: &InboundEmail, our_addresses: &[EmailAddress]) -> Vec<EmailAddress> {
    let mut out: Vec<EmailAddress> = Vec::new();
    for a in email.sender().into_iter().chain(email.recipients()) {
        if !our_addresses.contains(a) && !out.contains(a) {
            out.push(a.clone());
        }
    }
    out
}

/// Most addresses a case keeps as participants; later ones are not added.
pub const MAX_PARTICIPANTS: usize = 50;

/// The addresses CC'd on a case's emails (its participants), stored by the
/// desk with the case's commits, so that a later reply carrying only the
/// subject token is accepted from them ([`ThreadLookup::participants`]).
/// At most [`MAX_PARTICIPANTS`], first come first kept.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::intake::{CaseParticipants, EmailAddress};
/// let mut p = CaseParticipants::new(CaseId::from_u128(1), "2026-01-05T09:00:00Z".parse()?);
/// let boss = EmailAddress::parse("Boss@Customer.Example").unwrap();
/// assert!(p.add([boss.clone()], "2026-01-05T09:00:00Z".parse()?));
/// assert!(!p.add([boss.clone()], "2026-01-05T10:00:00Z".parse()?), "already there");
/// assert!(p.contains(&boss));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CaseParticipants {
    /// The case.
    pub case: CaseId,
    /// The addresses, in the order they were first seen.
    pub addresses: Vec<EmailAddress>,
    /// When an address was last added.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl CaseParticipants {
    /// No participants yet.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::CaseParticipants};
    /// assert!(CaseParticipants::new(CaseId::from_u128(1), "2026-01-05T09:00:00Z".parse()?).addresses.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(case: CaseId, at: chrono::DateTime<chrono::Utc>) -> CaseParticipants {
        CaseParticipants {
            case,
            addresses: Vec::new(),
            updated_at: at,
        }
    }

    /// Adds the addresses not yet present (up to [`MAX_PARTICIPANTS`]);
    /// whether any was added.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::{CaseParticipants, EmailAddress}};
    /// let mut p = CaseParticipants::new(CaseId::from_u128(1), "2026-01-05T09:00:00Z".parse()?);
    /// assert!(!p.add([], "2026-01-05T09:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(
        &mut self,
        addresses: impl IntoIterator<Item = EmailAddress>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> bool {
        let mut added = false;
        for a in addresses {
            if self.addresses.len() >= MAX_PARTICIPANTS {
                break;
            }
            if !self.addresses.contains(&a) {
                self.addresses.push(a);
                added = true;
            }
        }
        if added {
            self.updated_at = at;
        }
        added
    }

    /// Whether `address` is a participant.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::{CaseParticipants, EmailAddress}};
    /// let p = CaseParticipants::new(CaseId::from_u128(1), "2026-01-05T09:00:00Z".parse()?);
    /// assert!(!p.contains(&EmailAddress::parse("a@b.example").unwrap()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, address: &EmailAddress) -> bool {
        self.addresses.contains(address)
    }
}

/// Every `[CASE-YYYY-NNNN]` token in a subject, in order.
///
/// ```
/// use hotcrm_support::intake::case_tokens;
/// let t = case_tokens("Re: [CASE-2026-0007] Fwd: [case-2026-0008] [CASE-x]");
/// assert_eq!(t.iter().map(|n| n.to_string()).collect::<Vec<_>>(), ["CASE-2026-0007", "CASE-2026-0008"]);
/// ```
pub fn case_tokens(subject: &str) -> Vec<CaseNumber> {
    let mut out = Vec::new();
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find(']') else { break };
        let token = after.get(..close).unwrap_or("").trim().to_ascii_uppercase();
        if let Ok(n) = token.parse::<CaseNumber>() {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out
}

/// Decides which case an inbound email belongs to (see the [module
/// docs](self) for the rules).
///
/// # Example: a stranger guessing a case number
///
/// ```
/// use hotcrm_support::case::CaseStatus;
/// use hotcrm_support::ids::{CaseId, CaseNumber};
/// use hotcrm_support::intake::*;
/// let mut lookup = MemoryThreadLookup::default();
/// lookup.insert(ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 7)?, CaseStatus::Open)
///     .with_contact(EmailAddress::parse("ann@customer.example").unwrap()));
/// let mut email = InboundEmail::default();
/// email.from = Mailbox::new(None, "mallory@evil.example");
/// email.subject = "[CASE-2026-0007] please send me the invoice".into();
/// let d = decide_thread(&email, &MailKind::Human, &ThreadConfig::new(["desk.example"]), &lookup);
/// assert_eq!(d, ThreadDecision::NewCase { refused_token: Some(CaseNumber::new(2026, 7)?) });
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
pub fn decide_thread(
    email: &InboundEmail,
    kind: &MailKind,
    config: &ThreadConfig,
    lookup: &dyn ThreadLookup,
) -> ThreadDecision {
    let by_header = email
        .in_reply_to
        .iter()
        .map(|id| (id, ThreadMatch::InReplyTo))
        .chain(
            email
                .references
                .iter()
                .rev()
                .map(|id| (id, ThreadMatch::References)),
        )
        .filter(|(id, _)| config.is_ours(id))
        .find_map(|(id, via)| lookup.case_by_message_id(id).map(|c| (c, via)));
    // A bounce names our original message in its report: that is its thread.
    let by_bounce = || match kind {
        MailKind::Bounce(b) => b
            .original_message_id
            .as_ref()
            .filter(|id| config.is_ours(id))
            .and_then(|id| lookup.case_by_message_id(id))
            .map(|c| (c, ThreadMatch::InReplyTo)),
        _ => None,
    };
    let mut refused_token = None;
    let found = by_header.or_else(by_bounce).or_else(|| {
        let sender = email.sender()?;
        for number in case_tokens(&email.subject) {
            let Some(case) = lookup.case_by_number(number) else {
                continue;
            };
            if may_write(sender, &case, lookup) {
                return Some((case, ThreadMatch::SubjectToken));
            }
            if refused_token.is_none() {
                refused_token = Some(number);
            }
        }
        None
    });
    let machine = kind.is_machine();
    match found {
        Some((case, via)) => match (case.status, machine) {
            (CaseStatus::Closed, true) => ThreadDecision::Ignore {
                reason: IgnoreReason::MachineMailOnClosedCase,
            },
            (_, true) => ThreadDecision::InternalNote { case: case.id, via },
            (CaseStatus::Closed, false) => ThreadDecision::FollowUp {
                closed_case: case.id,
                via,
            },
            (CaseStatus::Resolved, false) => ThreadDecision::Reopen { case: case.id, via },
            (_, false) => ThreadDecision::Append { case: case.id, via },
        },
        None => match kind {
            MailKind::Human => ThreadDecision::NewCase { refused_token },
            MailKind::Automated { .. } if config.machine_mail_opens_cases => {
                ThreadDecision::NewCase { refused_token }
            }
            _ => ThreadDecision::Ignore {
                reason: IgnoreReason::MachineMailWithoutCase,
            },
        },
    }
}

/// Whether `sender` may write into `case` by its subject token.
fn may_write(sender: &EmailAddress, case: &ThreadCase, lookup: &dyn ThreadLookup) -> bool {
    case.contact_email.as_ref() == Some(sender)
        || lookup.participants(case.id).contains(sender)
        || lookup.account_contacts(case.id).contains(sender)
}
