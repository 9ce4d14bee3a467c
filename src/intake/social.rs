//! Social messages (WhatsApp, Facebook, Instagram, X/Twitter, LinkedIn,
//! WeChat) as one plain [`InboundMessage`], their case [`Origin`], and webhook
//! signature verification (feature `signatures`): Meta's `X-Hub-Signature-256`,
//! X/Twitter's CRC response and `x-twitter-webhooks-signature`, WeChat's SHA-1
//! of the sorted token, timestamp and nonce. Every comparison is constant time.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::Origin;
use crate::error::{Error, Result};
use crate::ids::CaseId;

/// A social platform.
///
/// ```
/// use hotcrm_support::case::Origin;
/// use hotcrm_support::intake::Platform;
/// assert_eq!(Platform::WeChat.origin(), Origin::WeChat);
/// assert_eq!(Platform::WhatsApp.origin(), Origin::Social);
/// assert_eq!(Platform::X.to_string(), "x");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Platform {
    /// WhatsApp (Cloud API).
    WhatsApp,
    /// Facebook Messenger and page comments.
    Facebook,
    /// Instagram direct messages and comments.
    Instagram,
    /// X (Twitter) direct messages and mentions.
    X,
    /// LinkedIn.
    LinkedIn,
    /// WeChat official accounts.
    WeChat,
}

impl Platform {
    /// The case origin: WeChat has its own picklist value, the others are Social.
    ///
    /// ```
    /// # use hotcrm_support::{case::Origin, intake::Platform};
    /// assert_eq!(Platform::LinkedIn.origin(), Origin::Social);
    /// ```
    pub fn origin(self) -> Origin {
        match self {
            Platform::WeChat => Origin::WeChat,
            _ => Origin::Social,
        }
    }

    /// The lowercase name used in keys (`whatsapp`, `x`, ...).
    ///
    /// ```
    /// # use hotcrm_support::intake::Platform;
    /// assert_eq!(Platform::WhatsApp.as_str(), "whatsapp");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::WhatsApp => "whatsapp",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::X => "x",
            Platform::LinkedIn => "linkedin",
            Platform::WeChat => "wechat",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Media attached to a social message (the content stays on the platform).
///
/// ```
/// use hotcrm_support::intake::SocialAttachment;
/// let a = SocialAttachment::new("image/jpeg");
/// assert!(a.url.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SocialAttachment {
    /// The media type, lowercase.
    pub media_type: String,
    /// Where to fetch it, if the platform gave a URL.
    pub url: Option<String>,
    /// The platform's media id, if any.
    pub media_id: Option<String>,
    /// A file name, if any.
    pub name: Option<String>,
}

impl SocialAttachment {
    /// An attachment of a media type.
    ///
    /// ```
    /// # use hotcrm_support::intake::SocialAttachment;
    /// assert_eq!(SocialAttachment::new("Image/PNG").media_type, "image/png");
    /// ```
    pub fn new(media_type: &str) -> SocialAttachment {
        SocialAttachment {
            media_type: media_type.trim().to_ascii_lowercase(),
            url: None,
            media_id: None,
            name: None,
        }
    }
}

/// Longest message text accepted (the case description limit).
const MAX_TEXT: usize = 32_000;

/// One inbound social message, whatever the platform.
///
/// ```
/// use hotcrm_support::intake::{InboundMessage, Platform};
/// let m = InboundMessage::new(Platform::WhatsApp, "wamid.1", "15551234567", "15551234567", "My order is late", "2026-01-05T09:00:00Z".parse()?);
/// m.validate()?;
/// assert_eq!(m.dedupe_key(), "whatsapp:wamid.1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMessage {
    /// The platform.
    pub platform: Platform,
    /// The platform's id of the message (de-duplication key).
    pub external_message_id: String,
    /// The conversation or thread id (threading key).
    pub conversation_id: String,
    /// The author's public handle (`@ann`), if any.
    pub author_handle: Option<String>,
    /// The author's stable platform id.
    pub author_id: String,
    /// The text.
    pub text: String,
    /// When the platform says it was sent.
    pub sent_at: DateTime<Utc>,
    /// Attached media.
    pub attachments: Vec<SocialAttachment>,
}

impl InboundMessage {
    /// A message without handle or attachments.
    ///
    /// ```
    /// # use hotcrm_support::intake::{InboundMessage, Platform};
    /// let m = InboundMessage::new(Platform::X, "1", "c", "u", "hi", "2026-01-05T09:00:00Z".parse()?);
    /// assert!(m.attachments.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        platform: Platform,
        external_message_id: impl Into<String>,
        conversation_id: impl Into<String>,
        author_id: impl Into<String>,
        text: impl Into<String>,
        sent_at: DateTime<Utc>,
    ) -> InboundMessage {
        InboundMessage {
            platform,
            external_message_id: external_message_id.into(),
            conversation_id: conversation_id.into(),
            author_handle: None,
            author_id: author_id.into(),
            text: text.into(),
            sent_at,
            attachments: Vec::new(),
        }
    }

    /// `platform:external_message_id`, for de-duplicating webhook retries.
    ///
    /// ```
    /// # use hotcrm_support::intake::{InboundMessage, Platform};
    /// let m = InboundMessage::new(Platform::Facebook, "m_1", "c", "u", "hi", "2026-01-05T09:00:00Z".parse()?);
    /// assert_eq!(m.dedupe_key(), "facebook:m_1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.platform, self.external_message_id)
    }

    /// Checks ids are present, text at most 32,000 characters, and that there
    /// is text or an attachment.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    ///
    /// ```
    /// # use hotcrm_support::intake::{InboundMessage, Platform};
    /// let m = InboundMessage::new(Platform::X, "", "c", "u", "hi", "2026-01-05T09:00:00Z".parse()?);
    /// assert!(m.validate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [
            ("external_message_id", &self.external_message_id),
            ("conversation_id", &self.conversation_id),
            ("author_id", &self.author_id),
        ] {
            if value.trim().is_empty() {
                return Err(Error::validation(field, "must not be empty"));
            }
        }
        if self.text.chars().count() > MAX_TEXT {
            return Err(Error::validation(
                "text",
                format!("longer than {MAX_TEXT} characters"),
            ));
        }
        if self.text.trim().is_empty() && self.attachments.is_empty() {
            return Err(Error::validation("text", "no text and no attachment"));
        }
        Ok(())
    }
}

/// Which case a social conversation is threaded into: the desk keeps one
/// link per (platform, conversation) and moves it to a new case when the
/// linked one is closed, so a conversation has at most one open case.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::intake::{ConversationLink, Platform};
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let link = ConversationLink::new(Platform::WhatsApp, "15551234567", CaseId::from_u128(7), at);
/// // The id depends only on the platform and the conversation.
/// assert_eq!(link.id, ConversationLink::id_of(Platform::WhatsApp, "15551234567"));
/// assert_ne!(link.id, ConversationLink::id_of(Platform::X, "15551234567"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConversationLink {
    /// Derived from the platform and conversation id ([`ConversationLink::id_of`]).
    pub id: uuid::Uuid,
    /// The platform.
    pub platform: Platform,
    /// The platform's conversation id.
    pub conversation_id: String,
    /// The case the conversation's messages go to.
    pub case: CaseId,
    /// When the link last changed.
    pub updated_at: DateTime<Utc>,
}

impl ConversationLink {
    /// A link of `conversation_id` on `platform` to `case`.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, intake::{ConversationLink, Platform}};
    /// let link = ConversationLink::new(Platform::X, "dm-1", CaseId::from_u128(1), "2026-01-05T09:00:00Z".parse()?);
    /// assert_eq!(link.conversation_id, "dm-1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        platform: Platform,
        conversation_id: impl Into<String>,
        case: CaseId,
        at: DateTime<Utc>,
    ) -> ConversationLink {
        let conversation_id = conversation_id.into();
        ConversationLink {
            id: ConversationLink::id_of(platform, &conversation_id),
            platform,
            conversation_id,
            case,
            updated_at: at,
        }
    }

    /// The stable id of the link of `conversation_id` on `platform`.
    ///
    /// ```
    /// # use hotcrm_support::intake::{ConversationLink, Platform};
    /// assert_eq!(ConversationLink::id_of(Platform::X, "a"), ConversationLink::id_of(Platform::X, "a"));
    /// ```
    pub fn id_of(platform: Platform, conversation_id: &str) -> uuid::Uuid {
        uuid::Uuid::from_u128(crate::ids::stable_hash(
            "hotcrm-social-conversation",
            &format!("{platform}:{conversation_id}"),
        ))
    }
}

#[cfg(feature = "signatures")]
pub use signatures::{
    twitter_crc_response, verify_meta_signature, verify_twitter_signature, verify_wechat_signature,
    wechat_signature,
};

#[cfg(feature = "signatures")]
mod signatures {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use hmac::{Hmac, Mac};
    use sha1::{Digest, Sha1};
    use sha2::Sha256;

    use super::super::challenge::decode_hex;
    use super::super::email::hex;
    use crate::error::{Error, Result};

    type HmacSha256 = Hmac<Sha256>;

    fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
        let mut m = HmacSha256::new_from_slice(secret)
            .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
        m.update(data);
        m
    }

    fn refused(reason: &str) -> Error {
        Error::validation("webhook signature", reason)
    }

    /// Verifies Meta's (Facebook, Instagram, WhatsApp) `X-Hub-Signature-256`
    /// header: `sha256=` + hex HMAC-SHA256 of the raw body with the app secret.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `webhook signature`) when the header is
    /// malformed or the signature does not match.
    ///
    /// ```
    /// use hotcrm_support::intake::verify_meta_signature;
    /// let body = br#"{"object":"page"}"#;
    /// // What Meta sends: HMAC-SHA256 of the body with the app secret, in hex.
    /// let header = "sha256=ae958d6f00b134dd32b95a9a76bedaaeb068c0949769358355023f7d1a0c580b";
    /// verify_meta_signature(b"app-secret", body, header)?;
    /// assert!(verify_meta_signature(b"wrong-secret", body, header).is_err());
    /// assert!(verify_meta_signature(b"app-secret", b"tampered", header).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn verify_meta_signature(app_secret: &[u8], body: &[u8], header: &str) -> Result<()> {
        let hex_sig = header
            .trim()
            .strip_prefix("sha256=")
            .ok_or_else(|| refused("missing sha256= prefix"))?;
        let sig = decode_hex(hex_sig).ok_or_else(|| refused("not hex"))?;
        mac(app_secret, body)
            .verify_slice(&sig)
            .map_err(|_| refused("signature mismatch"))
    }

    /// The response to an X/Twitter CRC check: `sha256=` + base64 HMAC-SHA256
    /// of the `crc_token` with the consumer secret (return it as
    /// `{"response_token": ...}`).
    ///
    /// ```
    /// use hotcrm_support::intake::twitter_crc_response;
    /// let r = twitter_crc_response(b"consumer-secret", "token");
    /// assert!(r.starts_with("sha256=") && r.ends_with('='));
    /// ```
    pub fn twitter_crc_response(consumer_secret: &[u8], crc_token: &str) -> String {
        let tag = mac(consumer_secret, crc_token.as_bytes())
            .finalize()
            .into_bytes();
        format!("sha256={}", STANDARD.encode(tag))
    }

    /// Verifies the `x-twitter-webhooks-signature` header of an X/Twitter
    /// webhook: `sha256=` + base64 HMAC-SHA256 of the raw body.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `webhook signature`) when malformed or
    /// not matching.
    ///
    /// ```
    /// use hotcrm_support::intake::{twitter_crc_response, verify_twitter_signature};
    /// let body = "{\"for_user_id\":\"1\"}";
    /// let header = twitter_crc_response(b"secret", body); // same construction
    /// verify_twitter_signature(b"secret", body.as_bytes(), &header)?;
    /// assert!(verify_twitter_signature(b"other", body.as_bytes(), &header).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn verify_twitter_signature(
        consumer_secret: &[u8],
        body: &[u8],
        header: &str,
    ) -> Result<()> {
        let b64 = header
            .trim()
            .strip_prefix("sha256=")
            .ok_or_else(|| refused("missing sha256= prefix"))?;
        let sig = STANDARD
            .decode(b64.trim())
            .map_err(|_| refused("not base64"))?;
        mac(consumer_secret, body)
            .verify_slice(&sig)
            .map_err(|_| refused("signature mismatch"))
    }

    /// WeChat's signature: lowercase hex SHA-1 of the token, timestamp and
    /// nonce sorted lexicographically and concatenated.
    ///
    /// ```
    /// use hotcrm_support::intake::wechat_signature;
    /// assert_eq!(wechat_signature("token", "1", "2").len(), 40);
    /// assert_eq!(wechat_signature("token", "1", "2"), wechat_signature("token", "1", "2"));
    /// ```
    pub fn wechat_signature(token: &str, timestamp: &str, nonce: &str) -> String {
        let mut parts = [token, timestamp, nonce];
        parts.sort_unstable();
        hex(&Sha1::digest(parts.concat().as_bytes()))
    }

    /// Verifies a WeChat server request (`signature`, `timestamp`, `nonce`
    /// query parameters) against our token, in constant time.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `webhook signature`) when it does not match.
    ///
    /// ```
    /// use hotcrm_support::intake::{verify_wechat_signature, wechat_signature};
    /// let sig = wechat_signature("tok", "1700000000", "abc");
    /// verify_wechat_signature("tok", "1700000000", "abc", &sig.to_uppercase())?;
    /// assert!(verify_wechat_signature("tok", "1700000001", "abc", &sig).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn verify_wechat_signature(
        token: &str,
        timestamp: &str,
        nonce: &str,
        signature: &str,
    ) -> Result<()> {
        let expected = Sha1::digest({
            let mut parts = [token, timestamp, nonce];
            parts.sort_unstable();
            parts.concat()
        });
        let given = decode_hex(signature.trim()).ok_or_else(|| refused("not hex"))?;
        if constant_time_eq(&expected, &given) {
            Ok(())
        } else {
            Err(refused("signature mismatch"))
        }
    }

    /// Compares without an early exit (the length is not secret).
    fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
