//! The parsed inbound email, independent of any MIME parser, and the limits
//! applied when parsing. The parser itself lives behind the `email` feature
//! ([`InboundEmail::parse`]); everything else in `intake` works on this plain
//! struct, so a host with its own parser fills it in directly.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::address::{EmailAddress, Mailbox, MessageId};

/// The header names [`InboundEmail::headers`] keeps (lowercase): those the
/// classification, screening and auto-response rules read. Other headers are
/// dropped when parsing.
///
/// ```
/// assert!(hotcrm_support::intake::email::KEPT_HEADERS.contains(&"auto-submitted"));
/// ```
pub const KEPT_HEADERS: &[&str] = &[
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "precedence",
    "x-loop",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "return-path",
    "sender",
    "x-failed-recipients",
    "x-auto-response-suppress",
    "x-spam-flag",
    "x-spam-status",
    "x-mailer",
    "content-type",
];

/// One kept header: a lowercase name and its unfolded, trimmed value.
///
/// ```
/// use hotcrm_support::intake::Header;
/// let h = Header::new("Precedence", " bulk\r\n ");
/// assert_eq!((h.name.as_str(), h.value.as_str()), ("precedence", "bulk"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Header {
    /// Lowercase header name.
    pub name: String,
    /// Value with folding whitespace collapsed to single spaces, trimmed.
    pub value: String,
}

impl Header {
    /// A header with its name lowercased and its value unfolded and trimmed.
    ///
    /// ```
    /// # use hotcrm_support::intake::Header;
    /// assert_eq!(Header::new("X-Loop", "a\r\n\tb").value, "a b");
    /// ```
    pub fn new(name: &str, value: &str) -> Header {
        Header {
            name: name.trim().to_ascii_lowercase(),
            value: unfold(value),
        }
    }
}

/// Collapses runs of whitespace (including folded line breaks) to one space.
pub(crate) fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub use crate::case::Attachment;

/// What a `multipart/report` (RFC 6522) message carries: the machine-readable
/// delivery status and the headers of the original message.
///
/// ```
/// use hotcrm_support::intake::DeliveryReport;
/// let r = DeliveryReport::default();
/// assert!(r.delivery_status.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryReport {
    /// The `report-type` parameter, lowercase (`delivery-status`, `disposition-notification`).
    pub report_type: Option<String>,
    /// The text of the `message/delivery-status` part (RFC 3464 fields).
    pub delivery_status: Option<String>,
    /// The Message-ID of the returned original message, from its
    /// `message/rfc822` or `text/rfc822-headers` part.
    pub original_message_id: Option<MessageId>,
}

/// Size limits applied by [`InboundEmail::parse`]; exceeding one is a typed
/// [`Error::Validation`](crate::Error::Validation) naming the limit.
///
/// ```
/// use hotcrm_support::intake::EmailLimits;
/// let limits = EmailLimits { max_attachments: 10, ..EmailLimits::default() };
/// assert_eq!(limits.max_raw_bytes, 25 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailLimits {
    /// Largest raw message accepted (default 25 MiB).
    pub max_raw_bytes: usize,
    /// Most header fields in the top-level header section (default 1,000).
    pub max_headers: usize,
    /// Largest top-level header section in bytes (default 256 KiB).
    pub max_header_bytes: usize,
    /// Most attachments (default 100).
    pub max_attachments: usize,
}

impl Default for EmailLimits {
    fn default() -> Self {
        EmailLimits {
            max_raw_bytes: 25 * 1024 * 1024,
            max_headers: 1_000,
            max_header_bytes: 256 * 1024,
            max_attachments: 100,
        }
    }
}

/// An inbound email as the intake rules see it: normalised ids and addresses,
/// the classification headers, the text and HTML bodies and attachment
/// metadata.
///
/// Build it with [`InboundEmail::parse`] (feature `email`), or fill in
/// [`InboundEmail::default`] from your own parser:
///
/// ```
/// use hotcrm_support::intake::{InboundEmail, Mailbox, MessageId};
/// let mut email = InboundEmail::default();
/// email.from = Mailbox::new(Some("Ann"), "ann@customer.example");
/// email.subject = "Printer on fire".into();
/// email.message_id = MessageId::parse("<1@customer.example>");
/// email.text_body = Some("Help!".into());
/// assert_eq!(email.dedupe_key(), "mid:1@customer.example");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundEmail {
    /// The normalised Message-ID, if the message had a valid one.
    pub message_id: Option<MessageId>,
    /// In-Reply-To ids, in header order.
    pub in_reply_to: Vec<MessageId>,
    /// References ids, oldest first (header order).
    pub references: Vec<MessageId>,
    /// The first From mailbox.
    pub from: Option<Mailbox>,
    /// Reply-To mailboxes.
    pub reply_to: Vec<Mailbox>,
    /// To mailboxes.
    pub to: Vec<Mailbox>,
    /// Cc mailboxes.
    pub cc: Vec<Mailbox>,
    /// The decoded subject (empty when absent).
    pub subject: String,
    /// The Date header in UTC, if present and valid.
    pub date: Option<DateTime<Utc>>,
    /// The kept headers ([`KEPT_HEADERS`]), in order.
    pub headers: Vec<Header>,
    /// The first `text/plain` body part, decoded.
    pub text_body: Option<String>,
    /// The first `text/html` body part, decoded.
    pub html_body: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
    /// Set for `multipart/report` messages (bounces, read receipts).
    pub report: Option<DeliveryReport>,
    /// Lowercase hex SHA-256 of the raw bytes, set by [`InboundEmail::parse`]
    /// when the message has no valid Message-ID: it is then the
    /// de-duplication key ([`InboundEmail::dedupe_key`]). Messages with a
    /// Message-ID are not hashed whole (about a tenth of the parse time of a
    /// 10 KB mail); attachments always carry their own hash.
    pub raw_sha256: Option<String>,
}

impl InboundEmail {
    /// The first value of a kept header, by case-insensitive name.
    ///
    /// ```
    /// use hotcrm_support::intake::{Header, InboundEmail};
    /// let mut e = InboundEmail::default();
    /// e.headers.push(Header::new("Precedence", "bulk"));
    /// assert_eq!(e.header("PRECEDENCE"), Some("bulk"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of a kept header, by case-insensitive name.
    ///
    /// ```
    /// use hotcrm_support::intake::{Header, InboundEmail};
    /// let mut e = InboundEmail::default();
    /// e.headers.push(Header::new("X-Loop", "a"));
    /// e.headers.push(Header::new("x-loop", "b"));
    /// assert_eq!(e.headers_named("x-loop").collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Adds a header (builder style, for hosts and tests).
    ///
    /// ```
    /// use hotcrm_support::intake::InboundEmail;
    /// let e = InboundEmail::default().with_header("Auto-Submitted", "auto-replied");
    /// assert_eq!(e.header("auto-submitted"), Some("auto-replied"));
    /// ```
    pub fn with_header(mut self, name: &str, value: &str) -> InboundEmail {
        self.headers.push(Header::new(name, value));
        self
    }

    /// The address a reply goes to: the first Reply-To, else From.
    ///
    /// ```
    /// use hotcrm_support::intake::{InboundEmail, Mailbox};
    /// let mut e = InboundEmail::default();
    /// e.from = Mailbox::new(None, "a@x.org");
    /// assert_eq!(e.reply_address().map(|a| a.as_str()), Some("a@x.org"));
    /// e.reply_to = Mailbox::new(None, "b@x.org").into_iter().collect();
    /// assert_eq!(e.reply_address().map(|a| a.as_str()), Some("b@x.org"));
    /// ```
    pub fn reply_address(&self) -> Option<&EmailAddress> {
        self.reply_to
            .first()
            .or(self.from.as_ref())
            .map(|m| &m.address)
    }

    /// The sender's normalised address (From).
    ///
    /// ```
    /// use hotcrm_support::intake::{InboundEmail, Mailbox};
    /// let mut e = InboundEmail::default();
    /// e.from = Mailbox::new(None, "A@X.org");
    /// assert_eq!(e.sender().map(|a| a.as_str()), Some("a@x.org"));
    /// ```
    pub fn sender(&self) -> Option<&EmailAddress> {
        self.from.as_ref().map(|m| &m.address)
    }

    /// Every recipient address (To and Cc), in order.
    ///
    /// ```
    /// use hotcrm_support::intake::{InboundEmail, Mailbox};
    /// let mut e = InboundEmail::default();
    /// e.to.extend(Mailbox::new(None, "a@x.org"));
    /// e.cc.extend(Mailbox::new(None, "b@x.org"));
    /// assert_eq!(e.recipients().count(), 2);
    /// ```
    pub fn recipients(&self) -> impl Iterator<Item = &EmailAddress> {
        self.to.iter().chain(self.cc.iter()).map(|m| &m.address)
    }

    /// A key that identifies this message for de-duplication (the same email
    /// delivered twice, or fetched again after a crash): `mid:` + the
    /// normalised Message-ID when there is one; otherwise `sha256:` + the hash
    /// of the raw bytes ([`InboundEmail::raw_sha256`]); otherwise (a host-built
    /// struct) `fnv:` + a stable 64-bit FNV-1a hash of sender, date, subject and
    /// body.
    ///
    /// ```
    /// use hotcrm_support::intake::InboundEmail;
    /// let mut e = InboundEmail::default();
    /// e.subject = "hello".into();
    /// let key = e.dedupe_key();
    /// assert!(key.starts_with("fnv:"));
    /// assert_eq!(key, e.clone().dedupe_key(), "stable");
    /// ```
    pub fn dedupe_key(&self) -> String {
        if let Some(id) = &self.message_id {
            return format!("mid:{}", id.as_str());
        }
        if let Some(hash) = &self.raw_sha256 {
            return format!("sha256:{hash}");
        }
        let mut h = Fnv64::new();
        h.write(self.sender().map_or("", EmailAddress::as_str).as_bytes());
        h.write(&[0]);
        h.write(
            self.date
                .map(|d| d.timestamp())
                .unwrap_or(0)
                .to_le_bytes()
                .as_slice(),
        );
        h.write(self.subject.as_bytes());
        h.write(&[0]);
        h.write(self.text_body.as_deref().unwrap_or("").as_bytes());
        h.write(&[0]);
        h.write(self.html_body.as_deref().unwrap_or("").as_bytes());
        format!("fnv:{:016x}", h.0)
    }
}

/// FNV-1a, 64 bits: stable across Rust versions (unlike `DefaultHasher`).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Lowercase hex of bytes.
#[cfg(any(feature = "email", feature = "signatures"))]
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The Message-ID field of a header block given as text (`text/rfc822-headers`,
/// or the original headers quoted in a plain-text bounce).
pub(crate) fn message_id_in_headers(text: &str) -> Option<MessageId> {
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("message-id") {
            let mut value = value.to_string();
            while let Some(next) = lines.peek() {
                if next.starts_with([' ', '\t']) {
                    value.push_str(next);
                    lines.next();
                } else {
                    break;
                }
            }
            return MessageId::parse_list(&value).into_iter().next();
        }
    }
    None
}
