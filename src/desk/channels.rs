//! Web-to-case and social messages through the desk:
//! [`SupportDesk::submit_web_form`] and [`SupportDesk::receive_message`] run
//! the pure [`intake`](crate::intake) rules and act with the desk's ordinary
//! commands, so each submission or message is one atomic commit.
//!
//! # Decisions
//!
//! - **Refusals are outcomes, not errors.** A web submission the form's
//!   protections refuse (honeypot, fill time, rate limits, challenge, links,
//!   missing or disallowed fields) returns [`WebIntakeOutcome::Refused`] with
//!   the typed [`WebRefusal`] and stores nothing. Errors are kept for what the
//!   host must fix (an unknown default account, a storage failure).
//! - **Rate limits are per desk.** The per-IP and per-email counters live in
//!   the desk's memory (bounded by [`WebForm::max_tracked`]), shared by every
//!   form the desk serves and counted on the submission's own time; they start
//!   empty when the process restarts.
//! - **Idempotent.** A submission's case id is a stable hash of its email,
//!   fields and submission time, so a double-click or a retried request
//!   returns the first case with no events. A social message's case or comment
//!   id is a stable hash of `platform:external_message_id`, so a webhook
//!   delivered twice changes nothing.
//! - **Contacts.** A web submitter is found by email (case-insensitive) or
//!   created on [`IntakeConfig::default_account`](super::IntakeConfig::default_account),
//!   in the case's own commit (a failed creation stores no contact; a
//!   concurrent submission that stored the contact first is used instead);
//!   without one, an unknown submitter is refused with
//!   [`WebRefusal::UnknownSubmitter`]. Social authors have no address: their
//!   cases carry no contact and belong to the account the host names, or the
//!   default account.
//! - **One open case per conversation.** A [`ConversationLink`], stored with
//!   the portal records, names the case a (platform, conversation) threads
//!   into. A message on a conversation whose case is open (or resolved, which
//!   the customer's message reopens) is appended as a public customer comment
//!   with its sentiment; a message on a closed case's conversation, or a new
//!   conversation, opens a new case and moves the link in the same commit. Two
//!   first messages of one conversation racing each other: one opens the
//!   case, the other sees the link and is appended.
//! - **Unmapped form fields and attachments** are listed at the end of the
//!   description; the product text is kept there too (products are ids the
//!   host resolves).

use super::intake::{SenderContact, new_contact_for};
use super::{CaseRequest, Outcome, SupportDesk};
use crate::case::{Author, Case, CaseEvent, CaseStatus, NewComment};
use crate::error::{Error, Result};
use crate::ids::{AccountId, CaseId, CommentId, ContactId, stable_hash};
use crate::intake::{
    ConversationLink, InboundMessage, Mailbox, WebCase, WebForm, WebLedger, WebRefusal,
    WebSubmission,
};
use crate::repo::{PortalKind, PortalRecord, Versioned};

/// What [`SupportDesk::submit_web_form`] did.
///
/// ```
/// use hotcrm_support::desk::WebIntakeOutcome;
/// use hotcrm_support::intake::WebRefusal;
/// let refused = WebIntakeOutcome::Refused { reason: WebRefusal::Honeypot };
/// assert!(refused.case().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Returned once per call and matched at once, never kept in bulk: unboxed
// for ergonomic matching.
#[allow(clippy::large_enum_variant)]
pub enum WebIntakeOutcome {
    /// A case was opened (or, for a repeated submission, the first one is
    /// returned with no events).
    Created {
        /// The case as stored.
        case: Versioned<Case>,
        /// The events of the creation (empty for a repeat).
        events: Vec<CaseEvent>,
        /// Events the commit produced on other cases.
        related: Vec<(CaseId, CaseEvent)>,
    },
    /// The form's protections refused the submission; nothing was stored.
    Refused {
        /// Why.
        reason: WebRefusal,
    },
}

impl WebIntakeOutcome {
    /// The case opened, if any.
    ///
    /// ```
    /// # use hotcrm_support::{desk::WebIntakeOutcome, intake::WebRefusal};
    /// assert!(WebIntakeOutcome::Refused { reason: WebRefusal::BadRenderTime }.case().is_none());
    /// ```
    pub fn case(&self) -> Option<&Versioned<Case>> {
        match self {
            WebIntakeOutcome::Created { case, .. } => Some(case),
            WebIntakeOutcome::Refused { .. } => None,
        }
    }
}

/// What [`SupportDesk::receive_message`] did.
///
/// ```
/// use hotcrm_support::desk::SocialOutcome;
/// let o = SocialOutcome::NoAccount;
/// assert!(o.case().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Returned once per call and matched at once, never kept in bulk: unboxed
// for ergonomic matching.
#[allow(clippy::large_enum_variant)]
pub enum SocialOutcome {
    /// The message opened a case (or, repeated, returns it with no events).
    Created {
        /// The case as stored.
        case: Versioned<Case>,
        /// The events of the creation (empty for a repeat).
        events: Vec<CaseEvent>,
        /// Events the commit produced on other cases.
        related: Vec<(CaseId, CaseEvent)>,
    },
    /// The message was appended to its conversation's case as a public
    /// customer comment (a repeat produces no events).
    Appended {
        /// The case as stored.
        case: Versioned<Case>,
        /// The events (a reopen of a resolved case among them).
        events: Vec<CaseEvent>,
        /// Events the commit produced on other cases.
        related: Vec<(CaseId, CaseEvent)>,
    },
    /// The message would open a case, but no account was named and the desk
    /// has no default account; nothing was stored.
    NoAccount,
}

impl SocialOutcome {
    /// The case the message went to, if any.
    ///
    /// ```
    /// # use hotcrm_support::desk::SocialOutcome;
    /// assert!(SocialOutcome::NoAccount.case().is_none());
    /// ```
    pub fn case(&self) -> Option<&Versioned<Case>> {
        match self {
            SocialOutcome::Created { case, .. } | SocialOutcome::Appended { case, .. } => {
                Some(case)
            }
            SocialOutcome::NoAccount => None,
        }
    }
}

/// How many times a social message is decided again when a concurrent
/// message of the same conversation moved its link.
const LINK_ATTEMPTS: u32 = 4;

/// The case id of a web submission: its email, fields and time.
fn web_case_id(submission: &WebSubmission) -> CaseId {
    let mut key = submission.submitted_at.to_rfc3339();
    for (name, value) in &submission.fields {
        key.push('\u{1f}');
        key.push_str(name);
        key.push('\u{1e}');
        key.push_str(value);
    }
    CaseId::from_u128(stable_hash("hotcrm-web-case", &key))
}

fn social_case_id(message: &InboundMessage) -> CaseId {
    CaseId::from_u128(stable_hash("hotcrm-social-case", &message.dedupe_key()))
}

fn social_comment_id(message: &InboundMessage) -> CommentId {
    CommentId::from_u128(stable_hash("hotcrm-social-comment", &message.dedupe_key()))
}

/// The description of a web case: the text, then the fields no case field
/// holds.
fn web_description(case: &WebCase) -> String {
    let mut extra: Vec<String> = Vec::new();
    for (label, value) in [
        ("Name", &case.name),
        ("Phone", &case.phone),
        ("Company", &case.company),
        ("Product", &case.product),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            extra.push(format!("{label}: {v}"));
        }
    }
    for (name, value) in &case.extra {
        extra.push(format!("{name}: {value}"));
    }
    if extra.is_empty() {
        case.description.clone()
    } else {
        format!("{}\n\n---\n{}", case.description, extra.join("\n"))
    }
}

/// The subject of a case a social message opens: the platform and the first
/// line of the text, at most 80 characters.
fn social_subject(message: &InboundMessage) -> String {
    let first = message
        .text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let who = message
        .author_handle
        .as_deref()
        .unwrap_or(&message.author_id);
    let mut subject: String = if first.is_empty() {
        format!("{} message from {who}", platform_label(message))
    } else {
        format!("{}: {first}", platform_label(message))
    };
    if subject.chars().count() > 80 {
        subject = subject.chars().take(79).collect::<String>() + "…";
    }
    subject
}

fn platform_label(message: &InboundMessage) -> &'static str {
    use crate::intake::Platform;
    match message.platform {
        Platform::WhatsApp => "WhatsApp",
        Platform::Facebook => "Facebook",
        Platform::Instagram => "Instagram",
        Platform::X => "X",
        Platform::LinkedIn => "LinkedIn",
        Platform::WeChat => "WeChat",
    }
}

/// The stored text of a social message: who wrote it, the text, the
/// attachments.
fn social_text(message: &InboundMessage) -> String {
    let who = message
        .author_handle
        .as_deref()
        .unwrap_or(&message.author_id);
    let mut text = format!("{who} on {}:\n{}", platform_label(message), message.text);
    if !message.attachments.is_empty() {
        text.push_str("\n\nAttachments:");
        for a in &message.attachments {
            text.push_str("\n- ");
            text.push_str(&a.media_type);
            if let Some(url) = &a.url {
                text.push(' ');
                text.push_str(url);
            }
        }
    }
    text
}

impl SupportDesk {
    /// Opens a case from a web form submission, after the form's protections
    /// (see [`WebForm::accept`]); `secret` is the proof-of-work challenge key
    /// (ignored when the form has none). The case has the form's origin (Web by
    /// default), priority and queue, the submitter's contact, and goes through
    /// [`SupportDesk::create_case`] (entitlement, AI, escalation, routing).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the submitter is no contact and the default
    /// account does not exist; [`Error::Validation`] when the texts break the
    /// case rules; storage errors. A refused submission is
    /// [`WebIntakeOutcome::Refused`], not an error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use std::sync::Arc;
    /// use hotcrm_support::desk::{DeskConfig, SupportDesk, WebIntakeOutcome};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::intake::{WebForm, WebRefusal, WebSubmission};
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// let repo = Arc::new(MemoryRepository::new());
    /// let account = Account::new(AccountId::new(), "Acme");
    /// repo.put_account(&account, None).await?;
    /// let mut config = DeskConfig::default();
    /// config.intake.default_account = Some(account.id);
    /// let desk = SupportDesk::builder(repo).config(config).build();
    /// let form = WebForm::default();
    /// let at = "2026-01-05T09:00:10Z".parse().unwrap();
    /// let sent = WebSubmission::new(at)
    ///     .rendered_at("2026-01-05T09:00:00Z".parse().unwrap())
    ///     .field("subject", "Login fails")
    ///     .field("description", "Error 500 since this morning")
    ///     .field("email", "ann@customer.example");
    /// let outcome = desk.submit_web_form(&form, &sent, b"").await?;
    /// assert_eq!(outcome.case().map(|c| c.value.subject.as_str()), Some("Login fails"));
    /// // A bot fills the honeypot: refused, nothing stored.
    /// let bot = sent.clone().field("website", "http://spam.example");
    /// assert!(matches!(desk.submit_web_form(&form, &bot, b"").await?, WebIntakeOutcome::Refused { reason: WebRefusal::Honeypot }));
    /// # Ok(()) }
    /// ```
    pub async fn submit_web_form(
        &self,
        form: &WebForm,
        submission: &WebSubmission,
        secret: &[u8],
    ) -> Result<WebIntakeOutcome> {
        let id = web_case_id(submission);
        // A repeat returns the first case before it counts against any limit.
        if let Some(stored) = self.stored_case(id).await? {
            return Ok(WebIntakeOutcome::Created {
                case: stored,
                events: Vec::new(),
                related: Vec::new(),
            });
        }
        let accepted = {
            let mut state = self.intake_state();
            let ledger = state.web.get_or_insert_with(|| WebLedger::new(form));
            form.accept(submission, ledger, secret)
        };
        let case = match accepted {
            Ok(case) => case,
            Err(reason) => return Ok(WebIntakeOutcome::Refused { reason }),
        };
        let sender = match self.repo.find_contact_by_email(case.email.as_str()).await? {
            Some(found) => SenderContact::Stored(found.value),
            None => {
                let Some(account) = self.config.intake.default_account else {
                    return Ok(WebIntakeOutcome::Refused {
                        reason: WebRefusal::UnknownSubmitter {
                            email: case.email.as_str().to_string(),
                        },
                    });
                };
                let mailbox = Mailbox {
                    name: case.name.clone(),
                    address: case.email.clone(),
                };
                // Written in the case's commit (see `create_with_contact`).
                SenderContact::New(new_contact_for(account, &mailbox))
            }
        };
        let description = web_description(&case);
        let outcome = self
            .create_with_contact(sender, &case.email, |contact| {
                let mut request =
                    CaseRequest::new(contact.account, case.subject.clone(), description.clone())
                        .id(id)
                        .origin(case.origin)
                        .contact(contact.id)
                        .priority(case.priority)
                        .analyze(case.description.clone());
                if let Some(t) = case.case_type {
                    request = request.case_type(t);
                }
                if let Some(q) = case.queue {
                    request = request.queue(q);
                }
                request
            })
            .await?;
        Ok(WebIntakeOutcome::Created {
            case: outcome.case,
            events: outcome.events,
            related: outcome.related,
        })
    }

    /// Takes a social or messaging platform message (already verified with the
    /// platform's webhook signature): appended to its conversation's open case,
    /// or a new case with origin Social (WeChat for WeChat) on `account` (or
    /// [`IntakeConfig::default_account`](super::IntakeConfig::default_account)),
    /// with the AI's category and sentiment like any new case. An appended
    /// message carries its sentiment; a resolved case is reopened by it.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a message [`InboundMessage::validate`]
    /// refuses; [`Error::NotFound`] for an unknown account; storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use std::sync::Arc;
    /// use hotcrm_support::desk::{SocialOutcome, SupportDesk};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::intake::{InboundMessage, Platform};
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// let repo = Arc::new(MemoryRepository::new());
    /// let account = Account::new(AccountId::new(), "Acme");
    /// repo.put_account(&account, None).await?;
    /// let desk = SupportDesk::builder(repo).build();
    /// let at = "2026-01-05T09:00:00Z".parse().unwrap();
    /// let first = InboundMessage::new(Platform::WhatsApp, "wamid.1", "15551234567", "15551234567", "My order is late", at);
    /// let opened = desk.receive_message(&first, Some(account.id)).await?;
    /// assert!(matches!(opened, SocialOutcome::Created { .. }));
    /// let next = InboundMessage::new(Platform::WhatsApp, "wamid.2", "15551234567", "15551234567", "Any news?", at);
    /// let appended = desk.receive_message(&next, Some(account.id)).await?;
    /// assert!(matches!(appended, SocialOutcome::Appended { .. }));
    /// assert_eq!(opened.case().map(|c| c.value.id), appended.case().map(|c| c.value.id));
    /// # Ok(()) }
    /// ```
    pub async fn receive_message(
        &self,
        message: &InboundMessage,
        account: Option<AccountId>,
    ) -> Result<SocialOutcome> {
        message.validate()?;
        let case_id = social_case_id(message);
        // A repeat of a message that opened a case.
        if let Some(stored) = self.stored_case(case_id).await? {
            return Ok(SocialOutcome::Created {
                case: stored,
                events: Vec::new(),
                related: Vec::new(),
            });
        }
        let link_id = ConversationLink::id_of(message.platform, &message.conversation_id);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let link = match self
                .repo
                .get_portal_record(PortalKind::Conversation, link_id)
                .await
            {
                Ok(stored) => match stored.value {
                    PortalRecord::Conversation(link) => Some(link),
                    _ => {
                        return Err(Error::Internal {
                            what: format!("conversation link {link_id} is stored as another kind"),
                        });
                    }
                },
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            // A link to a case that is gone counts as no open case.
            if let Some(link) = &link {
                if let Some(linked) = self.stored_case(link.case).await? {
                    if linked.value.status != CaseStatus::Closed {
                        return self.append_message(message, linked.value.id).await;
                    }
                }
            }
            let Some(account) = account.or(self.config.intake.default_account) else {
                return Ok(SocialOutcome::NoAccount);
            };
            let new_link = ConversationLink::new(
                message.platform,
                &message.conversation_id,
                case_id,
                self.clock.now(),
            );
            let mut request =
                CaseRequest::new(account, social_subject(message), social_text(message))
                    .id(case_id)
                    .origin(message.platform.origin());
            if !message.text.trim().is_empty() {
                request = request.analyze(message.text.clone());
            }
            request.conversation = Some(new_link);
            match self.create_case(request).await {
                Ok(outcome) => {
                    return Ok(SocialOutcome::Created {
                        case: outcome.case,
                        events: outcome.events,
                        related: outcome.related,
                    });
                }
                // Another message of the conversation moved the link first:
                // decide again on the new link.
                Err(Error::AlreadyExists { kind, .. })
                    if kind == PortalKind::Conversation.name() && attempt < LINK_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The stored case `id`, or `None` when there is none (other errors stay
    /// errors).
    async fn stored_case(&self, id: CaseId) -> Result<Option<Versioned<Case>>> {
        match self.repo.get_case(id).await {
            Ok(stored) => Ok(Some(stored)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Appends a social message to `case` as a public customer comment.
    async fn append_message(
        &self,
        message: &InboundMessage,
        case: CaseId,
    ) -> Result<SocialOutcome> {
        let mut comment = NewComment::public(
            social_comment_id(message),
            Author::Customer(None::<ContactId>),
            social_text(message),
        )
        .via(message.platform.origin());
        if !message.text.trim().is_empty() {
            if let Ok(analysis) = self.ai.sentiment(&message.text).await {
                comment = comment.with_sentiment(analysis.sentiment);
            }
        }
        let Outcome {
            case,
            events,
            related,
        } = self.add_comment(case, comment).await?;
        Ok(SocialOutcome::Appended {
            case,
            events,
            related,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::Platform;

    #[test]
    fn web_ids_depend_on_every_field_and_the_time() {
        let at = "2026-01-05T09:00:00Z".parse().unwrap_or_default();
        let a = WebSubmission::new(at)
            .field("subject", "a")
            .field("email", "x@y.z");
        let b = WebSubmission::new(at)
            .field("subject", "b")
            .field("email", "x@y.z");
        let later = WebSubmission::new(at + chrono::TimeDelta::seconds(1))
            .field("subject", "a")
            .field("email", "x@y.z");
        assert_eq!(web_case_id(&a), web_case_id(&a.clone()));
        assert_ne!(web_case_id(&a), web_case_id(&b));
        assert_ne!(web_case_id(&a), web_case_id(&later));
    }

    #[test]
    fn social_subject_is_bounded_and_names_the_platform() {
        let at = "2026-01-05T09:00:00Z".parse().unwrap_or_default();
        let long = "x".repeat(500);
        let m = InboundMessage::new(Platform::WeChat, "1", "c", "u", long, at);
        let s = social_subject(&m);
        assert!(s.starts_with("WeChat: "));
        assert_eq!(s.chars().count(), 80);
        let empty = InboundMessage::new(Platform::X, "1", "c", "u42", "  ", at);
        assert_eq!(social_subject(&empty), "X message from u42");
    }
}
