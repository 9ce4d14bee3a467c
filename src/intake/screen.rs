//! Spam and quarantine signals for inbound email: upstream spam verdicts,
//! dangerous attachments, mass mailings and per-sender floods. Pure apart from
//! the bounded [`SenderLedger`] the host stores; `now` is a parameter. The
//! desk decides what quarantine means (hold for review, no auto-response).

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::address::EmailAddress;
use super::email::InboundEmail;
use super::ledger::{RateLedger, RateLimit, secs};

/// Attachment extensions blocked by default: executables and scripts that
/// mail clients run on a double click.
///
/// ```
/// assert!(hotcrm_support::intake::screen::DEFAULT_BLOCKED_EXTENSIONS.contains(&"vbs"));
/// ```
pub const DEFAULT_BLOCKED_EXTENSIONS: &[&str] = &[
    "exe", "scr", "bat", "cmd", "com", "pif", "js", "jse", "vbs", "vbe", "wsf", "wsh", "msi",
    "msp", "hta", "cpl", "jar", "ps1", "lnk", "reg", "dll", "iso", "img", "vhd",
];

/// Attachment media types blocked by default.
///
/// ```
/// assert!(hotcrm_support::intake::screen::DEFAULT_BLOCKED_MEDIA_TYPES.contains(&"application/x-msdownload"));
/// ```
pub const DEFAULT_BLOCKED_MEDIA_TYPES: &[&str] = &[
    "application/x-msdownload",
    "application/x-dosexec",
    "application/x-msdos-program",
    "application/x-ms-installer",
    "application/x-msi",
    "application/java-archive",
    "application/hta",
    "application/x-javascript",
    "application/javascript",
    "text/javascript",
    "application/x-vbscript",
];

/// What to screen for.
///
/// ```
/// use hotcrm_support::intake::ScreenPolicy;
/// let p = ScreenPolicy::default();
/// assert!(p.blocked_extensions.contains("exe"));
/// assert_eq!((p.max_recipients, p.sender_limit.max), (50, 30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScreenPolicy {
    /// Whether upstream spam verdicts (`X-Spam-Flag: YES`, `X-Spam-Status: Yes`) count.
    pub honour_spam_headers: bool,
    /// Lowercase attachment extensions to quarantine.
    pub blocked_extensions: BTreeSet<String>,
    /// Lowercase attachment media types to quarantine.
    pub blocked_media_types: BTreeSet<String>,
    /// Most To + Cc recipients of a genuine support request (default 50).
    pub max_recipients: usize,
    /// Messages per sender (default 30 per hour).
    pub sender_limit: RateLimit,
    /// Most senders the ledger remembers (default 10,000).
    pub max_senders: usize,
}

impl Default for ScreenPolicy {
    fn default() -> Self {
        ScreenPolicy {
            honour_spam_headers: true,
            blocked_extensions: DEFAULT_BLOCKED_EXTENSIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            blocked_media_types: DEFAULT_BLOCKED_MEDIA_TYPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_recipients: 50,
            sender_limit: RateLimit::per_hour(30),
            max_senders: 10_000,
        }
    }
}

/// Why an email should be quarantined.
///
/// ```
/// use hotcrm_support::intake::QuarantineReason;
/// let r = QuarantineReason::TooManyRecipients { count: 80, max: 50 };
/// assert_eq!(r.to_string(), "80 recipients exceeds 50");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum QuarantineReason {
    /// An upstream filter flagged it as spam.
    #[error("flagged as spam by {header}")]
    SpamFlagged {
        /// The header that said so.
        header: String,
    },
    /// A blocked attachment.
    #[error("blocked attachment {name:?} ({media_type})")]
    BlockedAttachment {
        /// Its file name.
        name: Option<String>,
        /// Its media type.
        media_type: String,
    },
    /// Too many recipients for a support request.
    #[error("{count} recipients exceeds {max}")]
    TooManyRecipients {
        /// To + Cc count.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The sender sent too many messages.
    #[error("{sender} sent more than {max} messages per {}", crate::period::HumanDuration(*window))]
    SenderRateExceeded {
        /// The sender.
        sender: EmailAddress,
        /// The limit's count.
        max: u32,
        /// The limit's window.
        #[serde(with = "secs")]
        window: TimeDelta,
    },
}

/// Messages per sender, bounded ([`RateLedger`] underneath).
///
/// ```
/// use hotcrm_support::intake::{ScreenPolicy, SenderLedger};
/// assert!(SenderLedger::new(&ScreenPolicy::default()).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderLedger {
    ledger: RateLedger,
}

impl SenderLedger {
    /// An empty ledger sized for `policy`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{ScreenPolicy, SenderLedger};
    /// assert_eq!(SenderLedger::new(&ScreenPolicy::default()).len(), 0);
    /// ```
    pub fn new(policy: &ScreenPolicy) -> SenderLedger {
        SenderLedger {
            ledger: RateLedger::new(
                policy.max_senders,
                (policy.sender_limit.max as usize).saturating_add(1),
            ),
        }
    }

    /// Senders remembered.
    ///
    /// ```
    /// # use hotcrm_support::intake::{ScreenPolicy, SenderLedger};
    /// assert_eq!(SenderLedger::new(&ScreenPolicy::default()).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.ledger.len()
    }

    /// Whether no sender is remembered.
    ///
    /// ```
    /// # use hotcrm_support::intake::{ScreenPolicy, SenderLedger};
    /// assert!(SenderLedger::new(&ScreenPolicy::default()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.ledger.is_empty()
    }

    /// The underlying rate ledger.
    ///
    /// ```
    /// # use hotcrm_support::intake::{ScreenPolicy, SenderLedger};
    /// assert_eq!(SenderLedger::new(&ScreenPolicy::default()).ledger().total_events(), 0);
    /// ```
    pub fn ledger(&self) -> &RateLedger {
        &self.ledger
    }
}

/// Screens an inbound email; an empty list means nothing suspicious. Every
/// message with a sender counts towards that sender's rate, quarantined or not.
///
/// ```
/// use hotcrm_support::intake::*;
/// let policy = ScreenPolicy::default();
/// let mut ledger = SenderLedger::new(&policy);
/// let mut email = InboundEmail::default().with_header("X-Spam-Flag", "YES");
/// email.from = Mailbox::new(None, "x@spam.example");
/// email.attachments.push(Attachment::new(Some("invoice.pdf.exe"), "application/octet-stream", 10));
/// let reasons = screen(&email, &policy, &mut ledger, "2026-01-05T09:00:00Z".parse()?);
/// assert_eq!(reasons.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn screen(
    email: &InboundEmail,
    policy: &ScreenPolicy,
    ledger: &mut SenderLedger,
    now: DateTime<Utc>,
) -> Vec<QuarantineReason> {
    let mut reasons = Vec::new();
    if policy.honour_spam_headers {
        if email
            .header("x-spam-flag")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"))
        {
            reasons.push(QuarantineReason::SpamFlagged {
                header: "x-spam-flag".into(),
            });
        } else if email.header("x-spam-status").is_some_and(|v| {
            v.trim_start()
                .get(..3)
                .is_some_and(|p| p.eq_ignore_ascii_case("yes"))
        }) {
            reasons.push(QuarantineReason::SpamFlagged {
                header: "x-spam-status".into(),
            });
        }
    }
    for a in &email.attachments {
        let by_ext = a
            .extension()
            .is_some_and(|e| policy.blocked_extensions.contains(&e));
        if by_ext || policy.blocked_media_types.contains(&a.media_type) {
            reasons.push(QuarantineReason::BlockedAttachment {
                name: a.name.clone(),
                media_type: a.media_type.clone(),
            });
        }
    }
    let count = email.recipients().count();
    if count > policy.max_recipients {
        reasons.push(QuarantineReason::TooManyRecipients {
            count,
            max: policy.max_recipients,
        });
    }
    if let Some(sender) = email.sender() {
        let limit = policy.sender_limit;
        if ledger
            .ledger
            .exceeded(sender.as_str(), &[limit], now)
            .is_some()
        {
            reasons.push(QuarantineReason::SenderRateExceeded {
                sender: sender.clone(),
                max: limit.max,
                window: limit.window,
            });
        }
        ledger.ledger.record(sender.as_str(), now, limit.window);
    }
    reasons
}
