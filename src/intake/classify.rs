//! Machine-mail classification: is an inbound email from a person, from a
//! machine (auto-reply, list, notification), or a delivery failure (bounce)?
//! Pure; reads only the [`InboundEmail`].
//!
//! # Decisions
//!
//! - A bounce is recognised by a delivery-status report (RFC 3464), an
//!   `X-Failed-Recipients` header, or an empty Return-Path (`<>`) on a message
//!   that does not also say it is an auto-reply (RFC 3834 auto-replies use the
//!   null return path too).
//! - A message is automated when any of: `Auto-Submitted` other than `no`;
//!   `X-Autoreply`, `X-Autorespond` or `X-Autoresponder`; `Precedence` bulk,
//!   junk, list or auto_reply; an `X-Loop` naming one of our mailboxes;
//!   `List-Id` or `List-Unsubscribe`; a sender such as `mailer-daemon`,
//!   `postmaster`, `no-reply`, `noreply`, `do-not-reply`; a read receipt
//!   (`report-type=disposition-notification`); an auto-reply subject prefix
//!   ("Automatic reply:", "Out of Office:", "Abwesenheitsnotiz:", "Réponse
//!   automatique :", ...). Every reason found is listed.

use serde::{Deserialize, Serialize};

use super::address::{EmailAddress, MessageId};
use super::email::{InboundEmail, message_id_in_headers};

/// What the classifier needs to know about us.
///
/// ```
/// use hotcrm_support::intake::{ClassifyConfig, EmailAddress};
/// let config = ClassifyConfig::new([EmailAddress::parse("support@desk.example").unwrap()]);
/// assert_eq!(config.mailboxes.len(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClassifyConfig {
    /// Our own mailboxes (for `X-Loop`).
    pub mailboxes: Vec<EmailAddress>,
}

impl ClassifyConfig {
    /// A config with our mailboxes.
    ///
    /// ```
    /// # use hotcrm_support::intake::ClassifyConfig;
    /// assert!(ClassifyConfig::new([]).mailboxes.is_empty());
    /// ```
    pub fn new(mailboxes: impl IntoIterator<Item = EmailAddress>) -> ClassifyConfig {
        ClassifyConfig {
            mailboxes: mailboxes.into_iter().collect(),
        }
    }
}

/// Why a message was taken for machine mail.
///
/// ```
/// use hotcrm_support::intake::AutomatedReason;
/// let r = AutomatedReason::Precedence { value: "bulk".into() };
/// assert_eq!(r.to_string(), "precedence: bulk");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum AutomatedReason {
    /// `Auto-Submitted` with a value other than `no` (RFC 3834).
    #[error("auto-submitted: {value}")]
    AutoSubmitted {
        /// The value (`auto-replied`, `auto-generated`, ...).
        value: String,
    },
    /// An `X-Autoreply`, `X-Autorespond` or `X-Autoresponder` header.
    #[error("auto-reply header {name}")]
    AutoReplyHeader {
        /// The header name, lowercase.
        name: String,
    },
    /// `Precedence: bulk | junk | list | auto_reply`.
    #[error("precedence: {value}")]
    Precedence {
        /// The value, lowercase.
        value: String,
    },
    /// An `X-Loop` header naming one of our mailboxes: our own mail came back.
    #[error("x-loop names our mailbox {mailbox}")]
    Loop {
        /// Our mailbox it named.
        mailbox: EmailAddress,
    },
    /// A mailing-list header (`List-Id`, `List-Unsubscribe`).
    #[error("mailing list header {header}")]
    MailingList {
        /// The header name, lowercase.
        header: String,
    },
    /// A machine sender such as `mailer-daemon@`, `postmaster@`, `no-reply@`.
    #[error("machine sender {address}")]
    MachineSender {
        /// The sender address.
        address: EmailAddress,
    },
    /// A subject that an auto-responder writes ("Automatic reply: ...").
    #[error("auto-reply subject")]
    AutoReplySubject,
    /// A read receipt or other non-delivery report (`multipart/report`).
    #[error("report of type {report_type}")]
    Report {
        /// The report type.
        report_type: String,
    },
}

/// How final a delivery failure is.
///
/// ```
/// use hotcrm_support::intake::BounceSeverity;
/// assert_eq!(BounceSeverity::from_status("5.1.1"), BounceSeverity::Permanent);
/// assert_eq!(BounceSeverity::from_status("4.2.2"), BounceSeverity::Transient);
/// assert_eq!(BounceSeverity::from_status("x"), BounceSeverity::Unknown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BounceSeverity {
    /// `5.x.x`: the address does not work; mark the contact undeliverable.
    Permanent,
    /// `4.x.x`: a temporary failure (mailbox full, greylisting); may retry.
    Transient,
    /// No status code could be read.
    Unknown,
}

impl BounceSeverity {
    /// The severity of an enhanced status code (RFC 3463) or SMTP reply code.
    ///
    /// ```
    /// use hotcrm_support::intake::BounceSeverity;
    /// assert_eq!(BounceSeverity::from_status("550"), BounceSeverity::Permanent);
    /// ```
    pub fn from_status(status: &str) -> BounceSeverity {
        match status.trim().chars().next() {
            Some('5') => BounceSeverity::Permanent,
            Some('4') => BounceSeverity::Transient,
            _ => BounceSeverity::Unknown,
        }
    }
}

/// A delivery failure report, as far as it could be read.
///
/// ```
/// use hotcrm_support::intake::{Bounce, BounceSeverity};
/// let b = Bounce::default();
/// assert_eq!(b.severity, BounceSeverity::Unknown);
/// assert!(!b.contact_undeliverable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Bounce {
    /// The Message-ID of the message that could not be delivered (ours, when
    /// the bounce is about one of our replies).
    pub original_message_id: Option<MessageId>,
    /// The status code (`5.1.1`, or an SMTP code like `550` when no enhanced
    /// code was given).
    pub status: Option<String>,
    /// Permanent, transient or unknown.
    pub severity: BounceSeverity,
    /// The recipient that failed.
    pub failed_recipient: Option<EmailAddress>,
    /// The `Diagnostic-Code` text, if any.
    pub diagnostic: Option<String>,
}

impl Default for Bounce {
    fn default() -> Self {
        Bounce {
            original_message_id: None,
            status: None,
            severity: BounceSeverity::Unknown,
            failed_recipient: None,
            diagnostic: None,
        }
    }
}

impl Bounce {
    /// Whether the failed recipient should be marked undeliverable: a
    /// permanent failure with a known recipient.
    ///
    /// ```
    /// use hotcrm_support::intake::{Bounce, BounceSeverity, EmailAddress};
    /// let mut b = Bounce::default();
    /// b.severity = BounceSeverity::Permanent;
    /// b.failed_recipient = EmailAddress::parse("gone@x.org");
    /// assert!(b.contact_undeliverable());
    /// ```
    pub fn contact_undeliverable(&self) -> bool {
        self.severity == BounceSeverity::Permanent && self.failed_recipient.is_some()
    }
}

/// The classification of an inbound email.
///
/// ```
/// use hotcrm_support::intake::MailKind;
/// assert!(!MailKind::Human.is_machine());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum MailKind {
    /// Written by a person.
    Human,
    /// Sent by a machine (auto-reply, list, notification), with every reason found.
    Automated {
        /// Why (never empty).
        reasons: Vec<AutomatedReason>,
    },
    /// A delivery failure report.
    Bounce(Bounce),
}

impl MailKind {
    /// Whether the mail was not written by a person (automated or bounce).
    ///
    /// ```
    /// use hotcrm_support::intake::{Bounce, MailKind};
    /// assert!(MailKind::Bounce(Bounce::default()).is_machine());
    /// ```
    pub fn is_machine(&self) -> bool {
        !matches!(self, MailKind::Human)
    }

    /// Whether this is an auto-reply such as an out-of-office notice
    /// (`Auto-Submitted: auto-replied`, an auto-reply header or subject).
    ///
    /// ```
    /// use hotcrm_support::intake::{AutomatedReason, MailKind};
    /// let k = MailKind::Automated { reasons: vec![AutomatedReason::AutoReplySubject] };
    /// assert!(k.is_auto_reply());
    /// ```
    pub fn is_auto_reply(&self) -> bool {
        match self {
            MailKind::Automated { reasons } => reasons.iter().any(|r| match r {
                AutomatedReason::AutoSubmitted { value } => value == "auto-replied",
                AutomatedReason::AutoReplyHeader { .. } | AutomatedReason::AutoReplySubject => true,
                AutomatedReason::Precedence { value } => value == "auto_reply",
                _ => false,
            }),
            _ => false,
        }
    }
}

/// Local parts of addresses that never belong to a person.
pub(crate) fn is_machine_local_part(local: &str) -> bool {
    let l = local.to_ascii_lowercase();
    let compact: String = l
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect();
    matches!(compact.as_str(), "mailerdaemon" | "postmaster")
        || compact.starts_with("noreply")
        || compact.starts_with("donotreply")
}

/// Subject prefixes written by auto-responders (lowercase), in several languages.
const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatic reply:",
    "auto-reply:",
    "autoreply:",
    "auto reply:",
    "out of office:",
    "out of office reply:",
    "out of the office:",
    "abwesenheitsnotiz:",
    "automatische antwort:",
    "réponse automatique :",
    "réponse automatique:",
    "respuesta automática:",
    "risposta automatica:",
    "automatisch antwoord:",
];

/// Classifies an inbound email as human, automated or a bounce.
///
/// # Example: an out-of-office reply
///
/// ```
/// use hotcrm_support::intake::{classify, ClassifyConfig, InboundEmail, MailKind, Mailbox};
/// let mut ooo = InboundEmail::default().with_header("Auto-Submitted", "auto-replied");
/// ooo.from = Mailbox::new(None, "ann@customer.example");
/// ooo.subject = "Automatic reply: your case".into();
/// let kind = classify(&ooo, &ClassifyConfig::default());
/// assert!(kind.is_auto_reply());
/// assert!(matches!(kind, MailKind::Automated { reasons } if reasons.len() == 2));
/// ```
///
/// # Example: a bounce
///
/// ```
/// use hotcrm_support::intake::{classify, BounceSeverity, ClassifyConfig, InboundEmail, MailKind};
/// let mut b = InboundEmail::default().with_header("X-Failed-Recipients", "gone@x.org");
/// b.text_body = Some("550 5.1.1 <gone@x.org>: user unknown".into());
/// let MailKind::Bounce(bounce) = classify(&b, &ClassifyConfig::default()) else { panic!() };
/// assert_eq!((bounce.status.as_deref(), bounce.severity), (Some("5.1.1"), BounceSeverity::Permanent));
/// assert!(bounce.contact_undeliverable());
/// ```
pub fn classify(email: &InboundEmail, config: &ClassifyConfig) -> MailKind {
    let reasons = automated_reasons(email, config);
    if let Some(bounce) = bounce(email, &reasons) {
        return MailKind::Bounce(bounce);
    }
    if reasons.is_empty() {
        MailKind::Human
    } else {
        MailKind::Automated { reasons }
    }
}

fn automated_reasons(email: &InboundEmail, config: &ClassifyConfig) -> Vec<AutomatedReason> {
    let mut reasons = Vec::new();
    if let Some(value) = email.header("auto-submitted") {
        let value = first_token(value);
        if !value.is_empty() && value != "no" {
            reasons.push(AutomatedReason::AutoSubmitted { value });
        }
    }
    for name in ["x-autoreply", "x-autorespond", "x-autoresponder"] {
        if let Some(v) = email.header(name) {
            if !v.eq_ignore_ascii_case("no") {
                reasons.push(AutomatedReason::AutoReplyHeader { name: name.into() });
            }
        }
    }
    if let Some(value) = email.header("precedence") {
        let value = first_token(value).replace('-', "_");
        if matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply") {
            reasons.push(AutomatedReason::Precedence { value });
        }
    }
    for value in email.headers_named("x-loop") {
        let value = value.to_ascii_lowercase();
        if let Some(mailbox) = config.mailboxes.iter().find(|m| value.contains(m.as_str())) {
            reasons.push(AutomatedReason::Loop {
                mailbox: mailbox.clone(),
            });
            break;
        }
    }
    for header in ["list-id", "list-unsubscribe"] {
        if email.header(header).is_some() {
            reasons.push(AutomatedReason::MailingList {
                header: header.into(),
            });
        }
    }
    if let Some(sender) = email.sender() {
        if is_machine_local_part(sender.local_part()) {
            reasons.push(AutomatedReason::MachineSender {
                address: sender.clone(),
            });
        }
    }
    let subject = email.subject.trim_start().to_lowercase();
    if AUTO_REPLY_SUBJECTS.iter().any(|p| subject.starts_with(p)) {
        reasons.push(AutomatedReason::AutoReplySubject);
    }
    if let Some(report) = &email.report {
        if let Some(t) = &report.report_type {
            if t != "delivery-status" {
                reasons.push(AutomatedReason::Report {
                    report_type: t.clone(),
                });
            }
        }
    }
    reasons
}

/// The lowercase first token of a structured header value (`auto-replied; x=1`).
fn first_token(value: &str) -> String {
    value
        .split([';', ' ', '('])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn bounce(email: &InboundEmail, reasons: &[AutomatedReason]) -> Option<Bounce> {
    let report = email.report.as_ref();
    let dsn = report.is_some_and(|r| {
        r.report_type.as_deref() == Some("delivery-status") || r.delivery_status.is_some()
    });
    let failed_header = email
        .header("x-failed-recipients")
        .and_then(|v| v.split([',', ' ']).find_map(EmailAddress::parse));
    let null_return_path = email.headers_named("return-path").any(|v| {
        v.trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace())
            .is_empty()
    });
    let auto_reply = reasons.iter().any(|r| {
        matches!(
            r,
            AutomatedReason::AutoSubmitted { value } if value == "auto-replied"
        ) || matches!(
            r,
            AutomatedReason::AutoReplyHeader { .. } | AutomatedReason::AutoReplySubject
        )
    });
    let header_signal = email.header("x-failed-recipients").is_some();
    if !(dsn || header_signal || (null_return_path && !auto_reply)) {
        return None;
    }
    let mut bounce = Bounce::default();
    if let Some(status_text) = report.and_then(|r| r.delivery_status.as_deref()) {
        read_delivery_status(status_text, &mut bounce);
    }
    if bounce.failed_recipient.is_none() {
        bounce.failed_recipient = failed_header;
    }
    let body = email.text_body.as_deref().unwrap_or("");
    if bounce.status.is_none() {
        bounce.status = bounce
            .diagnostic
            .as_deref()
            .and_then(find_status_code)
            .or_else(|| find_status_code(body));
    }
    if bounce.severity == BounceSeverity::Unknown {
        if let Some(status) = &bounce.status {
            bounce.severity = BounceSeverity::from_status(status);
        }
    }
    bounce.original_message_id = report
        .and_then(|r| r.original_message_id.clone())
        .or_else(|| message_id_in_headers(body))
        .or_else(|| email.in_reply_to.first().cloned());
    Some(bounce)
}

/// Reads the per-recipient fields of an RFC 3464 delivery status: the first
/// recipient whose action is `failed` (else the first recipient).
fn read_delivery_status(text: &str, bounce: &mut Bounce) {
    #[derive(Default)]
    struct Recipient {
        final_recipient: Option<EmailAddress>,
        original_recipient: Option<EmailAddress>,
        status: Option<String>,
        action: Option<String>,
        diagnostic: Option<String>,
    }
    let mut blocks: Vec<Recipient> = vec![Recipient::default()];
    for line in text.lines() {
        if line.trim().is_empty() {
            if blocks
                .last()
                .is_some_and(|b| b.final_recipient.is_some() || b.status.is_some())
            {
                blocks.push(Recipient::default());
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let Some(block) = blocks.last_mut() else {
            continue;
        };
        let value = value.trim();
        let address =
            || EmailAddress::parse(value.rsplit_once(';').map_or(value, |(_, a)| a.trim()));
        match name.trim().to_ascii_lowercase().as_str() {
            "final-recipient" => block.final_recipient = address(),
            "original-recipient" => block.original_recipient = address(),
            "status" => block.status = find_status_code(value),
            "action" => block.action = Some(value.to_ascii_lowercase()),
            "diagnostic-code" => block.diagnostic = Some(value.to_string()),
            _ => {}
        }
    }
    let chosen = blocks
        .iter()
        .find(|b| b.action.as_deref() == Some("failed"))
        .or_else(|| {
            blocks
                .iter()
                .find(|b| b.final_recipient.is_some() || b.status.is_some())
        });
    if let Some(b) = chosen {
        bounce.failed_recipient = b
            .final_recipient
            .clone()
            .or_else(|| b.original_recipient.clone());
        bounce.status = b.status.clone();
        bounce.diagnostic = b.diagnostic.clone();
        bounce.severity = match (b.status.as_deref(), b.action.as_deref()) {
            (_, Some("delayed")) => BounceSeverity::Transient,
            (Some(s), _) => BounceSeverity::from_status(s),
            _ => BounceSeverity::Unknown,
        };
    }
}

/// The first enhanced status code (`5.1.1`, RFC 3463) in `text`, else the
/// first SMTP reply code in 400..=599 standing alone (`550`).
pub(crate) fn find_status_code(text: &str) -> Option<String> {
    let words = || {
        text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map(|w| w.trim_matches('.'))
    };
    let enhanced = words().find(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && matches!(parts.first(), Some(&("4" | "5")))
            && parts
                .iter()
                .skip(1)
                .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    });
    if let Some(code) = enhanced {
        return Some(code.to_string());
    }
    words()
        .find(|w| w.len() == 3 && w.parse::<u16>().is_ok_and(|n| (400..=599).contains(&n)))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_found_in_prose() {
        for (text, want) in [
            (
                "smtp; 550 5.1.1 <x@y>: Recipient address rejected",
                Some("5.1.1"),
            ),
            ("Status: 4.2.2 (mailbox full)", Some("4.2.2")),
            ("550 user unknown", Some("550")),
            ("version 1.2.3 on port 2525", None),
            ("", None),
        ] {
            assert_eq!(find_status_code(text).as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn machine_local_parts() {
        for (local, want) in [
            ("MAILER-DAEMON", true),
            ("postmaster", true),
            ("no-reply", true),
            ("noreply+abc", true),
            ("do_not_reply", true),
            ("norene", false),
            ("ann", false),
        ] {
            assert_eq!(is_machine_local_part(local), want, "{local}");
        }
    }
}
