//! Whether to send an automatic response (the acknowledgement "we received
//! your request", or another automatic notification) to the sender of an
//! inbound email. Pure decisions over a bounded, serialisable
//! [`AutoResponseLedger`] the host stores; `now` is a parameter.
//!
//! Never to: no recipient, one of our own addresses, machine senders
//! (`no-reply`, `noreply`, `postmaster`, `abuse`, `mailer-daemon`, ...), machine
//! mail ([`MailKind::is_machine`]), or a message whose
//! `X-Auto-Response-Suppress` lists `All`, `AutoReply` or `OOF`. Then the
//! per-recipient rate limits apply (default 10 per 10 minutes and 25 per hour)
//! and, for acknowledgements, one per sender per 7 days.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::address::EmailAddress;
use super::classify::{MailKind, is_machine_local_part};
use super::email::InboundEmail;
use super::ledger::{RateLedger, RateLimit, secs};

/// The limits of automatic responses.
///
/// ```
/// use hotcrm_support::intake::AutoResponsePolicy;
/// let p = AutoResponsePolicy::default();
/// assert_eq!((p.burst.max, p.hourly.max, p.acknowledgement_interval.num_days()), (10, 25, 7));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutoResponsePolicy {
    /// Short-window limit per recipient (default 10 per 10 minutes).
    pub burst: RateLimit,
    /// Hourly limit per recipient (default 25 per hour).
    pub hourly: RateLimit,
    /// At most one acknowledgement per sender in this interval (default 7 days).
    #[serde(with = "secs")]
    pub acknowledgement_interval: TimeDelta,
    /// Most recipients remembered (default 10,000; least recently answered
    /// forgotten first).
    pub max_recipients: usize,
}

impl Default for AutoResponsePolicy {
    fn default() -> Self {
        AutoResponsePolicy {
            burst: RateLimit::new(10, TimeDelta::minutes(10)),
            hourly: RateLimit::per_hour(25),
            acknowledgement_interval: TimeDelta::days(7),
            max_recipients: 10_000,
        }
    }
}

/// The kind of automatic response.
///
/// ```
/// use hotcrm_support::intake::ResponseKind;
/// assert_ne!(ResponseKind::Acknowledgement, ResponseKind::Notification);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ResponseKind {
    /// "We received your request" (once per sender per interval).
    Acknowledgement,
    /// Any other automatic message (rate limits only).
    Notification,
}

/// Why no automatic response is sent.
///
/// ```
/// use hotcrm_support::intake::SuppressReason;
/// assert_eq!(SuppressReason::MachineMail.to_string(), "the message is machine mail");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum SuppressReason {
    /// No From or Reply-To address.
    #[error("no recipient")]
    NoRecipient,
    /// The recipient is one of our own addresses.
    #[error("{address} is our own address")]
    OwnAddress {
        /// The address.
        address: EmailAddress,
    },
    /// The recipient is a machine address (no-reply, postmaster, abuse, ...).
    #[error("{address} is a machine address")]
    MachineAddress {
        /// The address.
        address: EmailAddress,
    },
    /// The message is an auto-reply, list mail or a bounce.
    #[error("the message is machine mail")]
    MachineMail,
    /// `X-Auto-Response-Suppress` asks for no auto-responses.
    #[error("x-auto-response-suppress: {value}")]
    SuppressHeader {
        /// The header value.
        value: String,
    },
    /// An acknowledgement was sent to this sender recently.
    #[error("acknowledged {address} at {at}")]
    RecentlyAcknowledged {
        /// The recipient.
        address: EmailAddress,
        /// When the last acknowledgement was sent.
        at: DateTime<Utc>,
    },
    /// The recipient reached a rate limit.
    #[error("{address} reached {max} responses per {}", crate::period::HumanDuration(*window))]
    RateLimited {
        /// The recipient.
        address: EmailAddress,
        /// The limit's count.
        max: u32,
        /// The limit's window.
        #[serde(with = "secs")]
        window: TimeDelta,
    },
}

/// The decision.
///
/// ```
/// use hotcrm_support::intake::{AutoResponse, SuppressReason};
/// assert!(!AutoResponse::Suppressed { reason: SuppressReason::NoRecipient }.is_send());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AutoResponse {
    /// Send it to this address.
    Send {
        /// The recipient (Reply-To, else From).
        to: EmailAddress,
    },
    /// Do not send.
    Suppressed {
        /// Why.
        reason: SuppressReason,
    },
}

impl AutoResponse {
    /// Whether the decision is to send.
    ///
    /// ```
    /// use hotcrm_support::intake::{AutoResponse, EmailAddress};
    /// assert!(AutoResponse::Send { to: EmailAddress::parse("a@x.org").unwrap() }.is_send());
    /// ```
    pub fn is_send(&self) -> bool {
        matches!(self, AutoResponse::Send { .. })
    }
}

/// The state behind automatic-response decisions: responses sent per
/// recipient (sliding windows) and the last acknowledgement per sender.
/// Bounded by [`AutoResponsePolicy::max_recipients`] recipients, each with at
/// most `hourly.max` timestamps, and pruned as it is used.
///
/// ```
/// use hotcrm_support::intake::*;
/// let policy = AutoResponsePolicy::default();
/// let mut ledger = AutoResponseLedger::new(&policy);
/// let mut email = InboundEmail::default();
/// email.from = Mailbox::new(None, "ann@customer.example");
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let ours = [EmailAddress::parse("support@desk.example").unwrap()];
/// let first = ledger.respond(&email, &MailKind::Human, ResponseKind::Acknowledgement, &ours, &policy, now);
/// assert!(first.is_send());
/// let again = ledger.respond(&email, &MailKind::Human, ResponseKind::Acknowledgement, &ours, &policy, now);
/// assert!(matches!(again, AutoResponse::Suppressed { reason: SuppressReason::RecentlyAcknowledged { .. } }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoResponseLedger {
    sent: RateLedger,
    acknowledged: BTreeMap<EmailAddress, DateTime<Utc>>,
}

impl AutoResponseLedger {
    /// An empty ledger sized for `policy`.
    ///
    /// ```
    /// # use hotcrm_support::intake::*;
    /// assert_eq!(AutoResponseLedger::new(&AutoResponsePolicy::default()).len(), 0);
    /// ```
    pub fn new(policy: &AutoResponsePolicy) -> AutoResponseLedger {
        let per_key = policy.burst.max.max(policy.hourly.max) as usize;
        AutoResponseLedger {
            sent: RateLedger::new(policy.max_recipients, per_key),
            acknowledged: BTreeMap::new(),
        }
    }

    /// Recipients remembered (by rate or acknowledgement), an upper bound.
    ///
    /// ```
    /// # use hotcrm_support::intake::*;
    /// assert!(AutoResponseLedger::new(&AutoResponsePolicy::default()).is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.sent.len().max(self.acknowledged.len())
    }

    /// Whether nothing is remembered.
    ///
    /// ```
    /// # use hotcrm_support::intake::*;
    /// assert!(AutoResponseLedger::new(&AutoResponsePolicy::default()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.acknowledged.is_empty()
    }

    /// Decides without recording (see the [module docs](self)).
    ///
    /// ```
    /// use hotcrm_support::intake::*;
    /// let policy = AutoResponsePolicy::default();
    /// let ledger = AutoResponseLedger::new(&policy);
    /// let mut email = InboundEmail::default().with_header("X-Auto-Response-Suppress", "DR, OOF");
    /// email.from = Mailbox::new(None, "ann@customer.example");
    /// let d = ledger.decide(&email, &MailKind::Human, ResponseKind::Notification, &[], &policy, "2026-01-05T09:00:00Z".parse()?);
    /// assert!(matches!(d, AutoResponse::Suppressed { reason: SuppressReason::SuppressHeader { .. } }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(
        &self,
        email: &InboundEmail,
        kind: &MailKind,
        response: ResponseKind,
        our_addresses: &[EmailAddress],
        policy: &AutoResponsePolicy,
        now: DateTime<Utc>,
    ) -> AutoResponse {
        let suppressed = |reason| AutoResponse::Suppressed { reason };
        let Some(to) = email.reply_address() else {
            return suppressed(SuppressReason::NoRecipient);
        };
        let from = email.sender();
        for address in [Some(to), from].into_iter().flatten() {
            if our_addresses.contains(address) {
                return suppressed(SuppressReason::OwnAddress {
                    address: address.clone(),
                });
            }
            let local = address.local_part();
            if is_machine_local_part(local) || local.eq_ignore_ascii_case("abuse") {
                return suppressed(SuppressReason::MachineAddress {
                    address: address.clone(),
                });
            }
        }
        if kind.is_machine() {
            return suppressed(SuppressReason::MachineMail);
        }
        for value in email.headers_named("x-auto-response-suppress") {
            let suppress = value.split(',').map(str::trim).any(|v| {
                ["all", "autoreply", "oof"]
                    .iter()
                    .any(|s| v.eq_ignore_ascii_case(s))
            });
            if suppress {
                return suppressed(SuppressReason::SuppressHeader {
                    value: value.to_string(),
                });
            }
        }
        if response == ResponseKind::Acknowledgement {
            if let Some(at) = self.acknowledged.get(to) {
                let due = at.checked_add_signed(policy.acknowledgement_interval);
                if *at <= now && due.is_none_or(|d| now < d) {
                    return suppressed(SuppressReason::RecentlyAcknowledged {
                        address: to.clone(),
                        at: *at,
                    });
                }
            }
        }
        if let Some(limit) = self
            .sent
            .exceeded(to.as_str(), &[policy.burst, policy.hourly], now)
        {
            return suppressed(SuppressReason::RateLimited {
                address: to.clone(),
                max: limit.max,
                window: limit.window,
            });
        }
        AutoResponse::Send { to: to.clone() }
    }

    /// Records a response sent to `to` at `now`, pruning what no rule needs
    /// any more and keeping the bounds.
    ///
    /// ```
    /// # use hotcrm_support::intake::*;
    /// let policy = AutoResponsePolicy::default();
    /// let mut l = AutoResponseLedger::new(&policy);
    /// l.record(&EmailAddress::parse("a@x.org").unwrap(), ResponseKind::Acknowledgement, &policy, "2026-01-05T09:00:00Z".parse()?);
    /// assert_eq!(l.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(
        &mut self,
        to: &EmailAddress,
        response: ResponseKind,
        policy: &AutoResponsePolicy,
        now: DateTime<Utc>,
    ) {
        let keep = policy.burst.window.max(policy.hourly.window);
        self.sent.record(to.as_str(), now, keep);
        if response == ResponseKind::Acknowledgement {
            self.acknowledged.insert(to.clone(), now);
        }
        let max = policy.max_recipients.max(1);
        if self.acknowledged.len() > max {
            if let Some(cutoff) = now.checked_sub_signed(policy.acknowledgement_interval) {
                self.acknowledged.retain(|_, at| *at > cutoff);
            }
        }
        if self.acknowledged.len() > max {
            // Keep the most recent acknowledgements (one sort, even for a
            // hand-edited ledger far over its bound).
            let mut entries: Vec<(EmailAddress, DateTime<Utc>)> =
                std::mem::take(&mut self.acknowledged).into_iter().collect();
            entries.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
            entries.truncate(max);
            self.acknowledged = entries.into_iter().collect();
        }
    }

    /// [`decide`](Self::decide), then [`record`](Self::record) when the
    /// decision is to send.
    ///
    /// ```
    /// # use hotcrm_support::intake::*;
    /// let policy = AutoResponsePolicy::default();
    /// let mut l = AutoResponseLedger::new(&policy);
    /// let mut e = InboundEmail::default();
    /// e.from = Mailbox::new(None, "no-reply@shop.example");
    /// let d = l.respond(&e, &MailKind::Human, ResponseKind::Notification, &[], &policy, "2026-01-05T09:00:00Z".parse()?);
    /// assert!(!d.is_send());
    /// assert!(l.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn respond(
        &mut self,
        email: &InboundEmail,
        kind: &MailKind,
        response: ResponseKind,
        our_addresses: &[EmailAddress],
        policy: &AutoResponsePolicy,
        now: DateTime<Utc>,
    ) -> AutoResponse {
        let decision = self.decide(email, kind, response, our_addresses, policy, now);
        if let AutoResponse::Send { to } = &decision {
            self.record(to, response, policy, now);
        }
        decision
    }
}
