//! Normalised email addresses, mailboxes and Message-IDs. Pure values; depends
//! only on `serde`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An email address, trimmed and lowercased, so that comparisons are
/// case-insensitive (`Bob@Example.COM` and ` bob@example.com ` are equal).
///
/// The whole address is lowercased: RFC 5321 lets a server treat local parts
/// as case-sensitive, but no real mailbox provider does, and a desk that did
/// would split one customer into several.
///
/// ```
/// use hotcrm_support::intake::EmailAddress;
/// let a = EmailAddress::parse(" Bob@Example.COM ").unwrap();
/// assert_eq!(a.as_str(), "bob@example.com");
/// assert_eq!(a.domain(), "example.com");
/// assert!(EmailAddress::parse("not an address").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Normalises `s` (trim, strip one pair of `<>`, lowercase); `None` when it
    /// has no `@` with text on both sides, or contains whitespace or control
    /// characters.
    ///
    /// ```
    /// use hotcrm_support::intake::EmailAddress;
    /// assert_eq!(EmailAddress::parse("<Ann@X.org>").map(|a| a.to_string()), Some("ann@x.org".into()));
    /// assert!(EmailAddress::parse("@x.org").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<EmailAddress> {
        let s = s.trim();
        let s = s
            .strip_prefix('<')
            .and_then(|r| r.strip_suffix('>'))
            .unwrap_or(s)
            .trim();
        let (local, domain) = s.rsplit_once('@')?;
        if local.is_empty()
            || domain.is_empty()
            || s.len() > 320
            || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return None;
        }
        Some(EmailAddress(s.to_lowercase()))
    }

    /// The normalised address.
    ///
    /// ```
    /// # use hotcrm_support::intake::EmailAddress;
    /// assert_eq!(EmailAddress::parse("A@B.C").unwrap().as_str(), "a@b.c");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the last `@`.
    ///
    /// ```
    /// # use hotcrm_support::intake::EmailAddress;
    /// assert_eq!(EmailAddress::parse("no-reply@x.org").unwrap().local_part(), "no-reply");
    /// ```
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The part after the last `@`.
    ///
    /// ```
    /// # use hotcrm_support::intake::EmailAddress;
    /// assert_eq!(EmailAddress::parse("ann@Shop.Example").unwrap().domain(), "shop.example");
    /// ```
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        EmailAddress::parse(&s).ok_or_else(|| format!("invalid email address {s:?}"))
    }
}

impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.0
    }
}

/// An address with its optional display name (`"Ann Lee" <ann@x.org>`).
///
/// ```
/// use hotcrm_support::intake::Mailbox;
/// let m = Mailbox::new(Some("Ann Lee"), "ANN@x.org").unwrap();
/// assert_eq!(m.address.as_str(), "ann@x.org");
/// assert_eq!(m.name.as_deref(), Some("Ann Lee"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mailbox {
    /// The display name, trimmed; `None` when absent or blank.
    pub name: Option<String>,
    /// The normalised address.
    pub address: EmailAddress,
}

impl Mailbox {
    /// A mailbox from a display name and an address; `None` when the address is
    /// not valid ([`EmailAddress::parse`]).
    ///
    /// ```
    /// use hotcrm_support::intake::Mailbox;
    /// assert!(Mailbox::new(None, "bob@example.com").is_some());
    /// assert!(Mailbox::new(Some("Bob"), "bob").is_none());
    /// ```
    pub fn new(name: Option<&str>, address: &str) -> Option<Mailbox> {
        Some(Mailbox {
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            address: EmailAddress::parse(address)?,
        })
    }
}

/// A normalised Message-ID: surrounding whitespace and one pair of `<>`
/// removed, the domain part (after the last `@`) lowercased, the local part
/// kept as written (it is opaque and case-sensitive).
///
/// ```
/// use hotcrm_support::intake::MessageId;
/// let id = MessageId::parse("  <AbC.123@Mail.Example.COM> ").unwrap();
/// assert_eq!(id.as_str(), "AbC.123@mail.example.com");
/// assert_eq!(id.to_string(), "<AbC.123@mail.example.com>");
/// assert_eq!(id.domain(), Some("mail.example.com"));
/// assert!(MessageId::parse(" <> ").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(String);

/// Longest Message-ID kept; RFC 5322 lines are at most 998 characters.
const MAX_MESSAGE_ID: usize = 998;

impl MessageId {
    /// Normalises one Message-ID; `None` when it is empty, too long (over 998
    /// bytes), or contains whitespace, control characters or `<>` inside.
    ///
    /// ```
    /// use hotcrm_support::intake::MessageId;
    /// assert_eq!(MessageId::parse("x@Y").unwrap().as_str(), "x@y");
    /// assert!(MessageId::parse("a b@c").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<MessageId> {
        let s = s.trim();
        let s = s.strip_prefix('<').unwrap_or(s);
        let s = s.strip_suffix('>').unwrap_or(s).trim();
        if s.is_empty()
            || s.len() > MAX_MESSAGE_ID
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        {
            return None;
        }
        Some(match s.rsplit_once('@') {
            Some((local, domain)) => MessageId(format!("{local}@{}", domain.to_lowercase())),
            None => MessageId(s.to_string()),
        })
    }

    /// Every Message-ID in a header value such as `References: <a@x> <b@y>`,
    /// in order, duplicates removed (first kept). Text outside angle brackets
    /// is ignored when brackets are present (some mailers add comments).
    ///
    /// ```
    /// use hotcrm_support::intake::MessageId;
    /// let ids = MessageId::parse_list("<a@X> (comment) <b@y>\r\n <a@x>");
    /// let ids: Vec<&str> = ids.iter().map(|i| i.as_str()).collect();
    /// assert_eq!(ids, ["a@x", "b@y"]);
    /// ```
    pub fn parse_list(s: &str) -> Vec<MessageId> {
        let mut out: Vec<MessageId> = Vec::new();
        let mut push = |id: Option<MessageId>| {
            if let Some(id) = id {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        };
        if s.contains('<') {
            let mut rest = s;
            while let Some(start) = rest.find('<') {
                let after = rest.get(start + 1..).unwrap_or("");
                let Some(end) = after.find('>') else { break };
                push(MessageId::parse(after.get(..end).unwrap_or("")));
                rest = after.get(end + 1..).unwrap_or("");
            }
        } else {
            for token in s.split_whitespace() {
                push(MessageId::parse(token));
            }
        }
        out
    }

    /// The normalised id without angle brackets.
    ///
    /// ```
    /// # use hotcrm_support::intake::MessageId;
    /// assert_eq!(MessageId::parse("<a@b>").unwrap().as_str(), "a@b");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part (after the last `@`), if any.
    ///
    /// ```
    /// # use hotcrm_support::intake::MessageId;
    /// assert_eq!(MessageId::parse("<local-only>").unwrap().domain(), None);
    /// ```
    pub fn domain(&self) -> Option<&str> {
        self.0.rsplit_once('@').map(|(_, d)| d)
    }

    /// The local part (before the last `@`), or the whole id when there is no `@`.
    ///
    /// ```
    /// # use hotcrm_support::intake::MessageId;
    /// assert_eq!(MessageId::parse("<Part@b>").unwrap().local_part(), "Part");
    /// ```
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(self.0.as_str(), |(l, _)| l)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

impl TryFrom<String> for MessageId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        MessageId::parse(&s).ok_or_else(|| format!("invalid message id {s:?}"))
    }
}

impl From<MessageId> for String {
    fn from(m: MessageId) -> String {
        m.0
    }
}
