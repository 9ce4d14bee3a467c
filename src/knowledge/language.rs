//! [`Language`]: the language an article is written in, a short BCP-47-style tag.
//!
//! Layer 2 (pure): depends on `error` only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest accepted language tag, in bytes (`"zh-hant-tw"` is 10).
pub const MAX_LANGUAGE_CHARS: usize = 15;

/// The language of an article: a BCP-47-style tag such as `en`, `de`, `pt-br` or
/// `zh-hant-tw`, stored lowercase (tags are case-insensitive).
///
/// Accepted: a primary subtag of 2 or 3 ASCII letters, then any number of
/// subtags of 1 to 8 ASCII letters or digits, joined by `-` (an `_` is read as
/// `-`), at most [`MAX_LANGUAGE_CHARS`] in all. The default is `en`. It is
/// `Copy` (the text lives inline), so search filters stay `Copy`.
///
/// ```
/// use hotcrm_support::knowledge::Language;
/// let lang: Language = "pt_BR".parse()?;
/// assert_eq!(lang.as_str(), "pt-br");
/// assert_eq!(Language::default().as_str(), "en");
/// assert!("english".parse::<Language>().is_err());
/// assert!("e".parse::<Language>().is_err());
/// assert!("en--us".parse::<Language>().is_err());
/// let json = serde_json::to_string(&lang)?;
/// assert_eq!(json, "\"pt-br\"");
/// assert_eq!(serde_json::from_str::<Language>(&json)?, lang);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language {
    len: u8,
    bytes: [u8; MAX_LANGUAGE_CHARS],
}

impl Language {
    /// English, the default.
    ///
    /// ```
    /// use hotcrm_support::knowledge::Language;
    /// assert_eq!(Language::ENGLISH.to_string(), "en");
    /// ```
    pub const ENGLISH: Language = {
        let mut bytes = [0u8; MAX_LANGUAGE_CHARS];
        bytes[0] = b'e';
        bytes[1] = b'n';
        Language { len: 2, bytes }
    };

    /// The tag as text (lowercase).
    ///
    /// ```
    /// use hotcrm_support::knowledge::Language;
    /// assert_eq!("DE".parse::<Language>()?.as_str(), "de");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Only ASCII letters, digits and '-' are ever stored.
        std::str::from_utf8(bytes).unwrap_or("en")
    }

    /// The primary subtag (`"pt"` for `pt-br`).
    ///
    /// ```
    /// use hotcrm_support::knowledge::Language;
    /// assert_eq!("pt-br".parse::<Language>()?.primary(), "pt");
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn primary(&self) -> &str {
        let s = self.as_str();
        s.split('-').next().unwrap_or(s)
    }
}

impl Default for Language {
    fn default() -> Self {
        Language::ENGLISH
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Language({:?})", self.as_str())
    }
}

impl FromStr for Language {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let err = |reason: &str| Error::Parse {
            what: "language",
            input: s.chars().take(64).collect(),
            reason: reason.to_owned(),
        };
        let tag = s.trim();
        if tag.len() > MAX_LANGUAGE_CHARS {
            return Err(err(&format!("longer than {MAX_LANGUAGE_CHARS} characters")));
        }
        let mut bytes = [0u8; MAX_LANGUAGE_CHARS];
        let mut len = 0usize;
        for (i, part) in tag.split(['-', '_']).enumerate() {
            let ok = if i == 0 {
                (2..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphabetic())
            } else {
                (1..=8).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
            };
            if !ok {
                return Err(err(
                    "expected a 2-3 letter language, then subtags of 1-8 letters or digits joined by '-'",
                ));
            }
            if i > 0 {
                if let Some(slot) = bytes.get_mut(len) {
                    *slot = b'-';
                }
                len += 1;
            }
            for b in part.bytes() {
                if let Some(slot) = bytes.get_mut(len) {
                    *slot = b.to_ascii_lowercase();
                }
                len += 1;
            }
        }
        let len = u8::try_from(len).map_err(|_| err("too long"))?;
        Ok(Language { len, bytes })
    }
}

impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
