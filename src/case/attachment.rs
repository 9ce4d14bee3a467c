//! Attachment metadata, shared by comments and intake (the host stores the bytes).

use serde::{Deserialize, Serialize};

/// Metadata of one attachment (the content itself is not kept).
///
/// ```
/// use hotcrm_support::intake::Attachment;
/// let a = Attachment::new(Some("invoice.pdf"), "application/pdf", 1024);
/// assert_eq!(a.extension().as_deref(), Some("pdf"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attachment {
    /// File name from Content-Disposition or Content-Type, if any.
    pub name: Option<String>,
    /// Lowercase media type, `application/octet-stream` when unknown.
    pub media_type: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// Content-ID without angle brackets (inline images referenced by `cid:`).
    pub content_id: Option<String>,
    /// Lowercase hex SHA-256 of the decoded content (empty when the host built
    /// the struct without hashing).
    pub sha256: String,
    /// Whether the part was marked `inline`.
    pub inline: bool,
}

impl Attachment {
    /// Attachment metadata without a Content-ID or hash.
    ///
    /// ```
    /// # use hotcrm_support::intake::Attachment;
    /// assert_eq!(Attachment::new(None, "IMAGE/PNG", 3).media_type, "image/png");
    /// ```
    pub fn new(name: Option<&str>, media_type: &str, size: u64) -> Attachment {
        Attachment {
            name: name.map(str::to_string),
            media_type: media_type.trim().to_ascii_lowercase(),
            size,
            content_id: None,
            sha256: String::new(),
            inline: false,
        }
    }

    /// The lowercase file extension of [`Attachment::name`], if any.
    ///
    /// ```
    /// # use hotcrm_support::intake::Attachment;
    /// assert_eq!(Attachment::new(Some("Setup.EXE. "), "x/y", 1).extension().as_deref(), Some("exe"));
    /// assert_eq!(Attachment::new(Some("README"), "x/y", 1).extension(), None);
    /// ```
    pub fn extension(&self) -> Option<String> {
        let name = self.name.as_deref()?.trim_end_matches(['.', ' ']).trim();
        let (_, ext) = name.rsplit_once('.')?;
        (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }
}
