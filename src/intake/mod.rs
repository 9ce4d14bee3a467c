//! Omni-channel intake: email-to-case, web-to-case and social messages, as
//! pure decisions the desk acts on.
//!
//! Layer 2 (pure domain rules): depends on `case`, `ids` and `error`; never on
//! `repo`, `ai` or `desk`. Nothing here reads the clock, does I/O or draws
//! random numbers: "now", secrets and nonces are parameters, and the state that
//! rate limits need lives in small serialisable, bounded ledgers the host
//! stores.
//!
//! | step | function | result |
//! | --- | --- | --- |
//! | parse (feature `email`) | [`InboundEmail::parse`] | [`InboundEmail`] or a typed error |
//! | is it a person? | [`classify()`] | [`MailKind`]: human, automated, bounce |
//! | quarantine? | [`screen()`] | [`QuarantineReason`]s |
//! | what did they write? | [`extract_body`] | [`EmailBody`]: visible, quoted, signature |
//! | which case? | [`decide_thread`] | [`ThreadDecision`] |
//! | answer automatically? | [`AutoResponseLedger::decide`] | [`AutoResponse`] |
//! | web form | [`WebForm::accept`] | [`WebCase`] or a [`WebRefusal`] |
//! | social | [`InboundMessage`] (+ webhook signatures, feature `signatures`) | [`Origin`](crate::case::Origin) |
//!
//! # Example: an email reply finds its case
//!
//! ```
//! use hotcrm_support::case::CaseStatus;
//! use hotcrm_support::ids::{CaseId, CaseNumber};
//! use hotcrm_support::intake::*;
//!
//! let case = ThreadCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 7)?, CaseStatus::WaitingOnCustomer)
//!     .with_contact(EmailAddress::parse("ann@customer.example").unwrap());
//! let mut lookup = MemoryThreadLookup::default();
//! lookup.insert(case);
//!
//! let mut email = InboundEmail::default();
//! email.from = Mailbox::new(Some("Ann"), "Ann@Customer.Example");
//! email.subject = "Re: [CASE-2026-0007] Printer".into();
//! email.text_body = Some("Still broken.\n\nOn Mon, Desk wrote:\n> Did it help?".into());
//!
//! let config = ThreadConfig::new(["desk.example"]);
//! let kind = classify(&email, &ClassifyConfig::default());
//! let decision = decide_thread(&email, &kind, &config, &lookup);
//! assert_eq!(decision, ThreadDecision::Append { case: CaseId::from_u128(1), via: ThreadMatch::SubjectToken });
//! assert_eq!(extract_body(&email, &BodyConfig::default()).visible, "Still broken.");
//! # Ok::<(), hotcrm_support::Error>(())
//! ```

mod address;
pub mod autoresponse;
pub mod body;
#[cfg(feature = "signatures")]
mod challenge;
pub mod classify;
pub mod email;
mod html;
mod ledger;
#[cfg(feature = "email")]
mod parse;
pub mod quarantine;
pub mod screen;
pub mod social;
pub mod thread;
pub mod web;

pub use address::{EmailAddress, Mailbox, MessageId};
pub use autoresponse::{
    AutoResponse, AutoResponseLedger, AutoResponsePolicy, ResponseKind, SuppressReason,
};
pub use body::{BodyConfig, EmailBody, extract_body, split_reply};
#[cfg(feature = "signatures")]
pub use challenge::{Challenge, ChallengeError, MAX_DIFFICULTY};
pub use classify::{AutomatedReason, Bounce, BounceSeverity, ClassifyConfig, MailKind, classify};
pub use email::{Attachment, DeliveryReport, EmailLimits, Header, InboundEmail};
pub use html::{decode_entities, html_to_text};
pub use ledger::{RateLedger, RateLimit};
pub use quarantine::{QuarantineState, QuarantinedMail, UndeliverableAddress};
pub use screen::{QuarantineReason, ScreenPolicy, SenderLedger, screen};
pub use social::{ConversationLink, InboundMessage, Platform, SocialAttachment};
#[cfg(feature = "signatures")]
pub use social::{
    twitter_crc_response, verify_meta_signature, verify_twitter_signature, verify_wechat_signature,
    wechat_signature,
};
pub use thread::{
    CaseParticipants, IgnoreReason, MAX_PARTICIPANTS, MemoryThreadLookup, OwnMessageId, ThreadCase,
    ThreadConfig, ThreadDecision, ThreadLookup, ThreadMatch, case_tokens, decide_thread,
    participants_of,
};
pub use web::{
    CaseField, ChallengeAnswer, ChallengeRules, WebCase, WebForm, WebLedger, WebRefusal,
    WebSubmission,
};
