//! The knowledge article record: fields, picklists, versions, input validation and
//! the status machine (`Draft → InReview → Published → Archived`).
//!
//! Layer 2 (pure): depends on `ids`, `error`, `picklist` and the sibling `score`
//! module; never on `ai`, `repo` or `desk`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, KnowledgeNumber, ProductId};
use crate::picklist::picklist;

use super::language::Language;
use super::rating::ArticleRatings;

/// Most dimensions a stored article embedding may have.
pub const MAX_EMBEDDING_DIMS: usize = 16_384;

/// Longest accepted title, in characters.
pub const MAX_TITLE_CHARS: usize = 255;
/// Longest accepted summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 2_000;
/// Longest accepted article body, in bytes (about 40,000 words of Markdown).
pub const MAX_CONTENT_BYTES: usize = 256 * 1024;
/// Most tags (including AI keywords) an article may carry.
pub const MAX_TAGS: usize = 32;
/// Longest accepted tag, in characters.
pub const MAX_TAG_CHARS: usize = 64;

picklist! {
    /// Where an article is in its editorial life.
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleStatus;
    /// assert!(ArticleStatus::Draft.can_transition_to(ArticleStatus::InReview));
    /// assert!(!ArticleStatus::Draft.can_transition_to(ArticleStatus::Published));
    /// assert_eq!("in review".parse::<ArticleStatus>()?, ArticleStatus::InReview);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum ArticleStatus: "article status" {
        /// Being written; invisible to readers.
        Draft => "Draft",
        /// Submitted to a reviewer; invisible to readers.
        InReview => "In Review",
        /// Live: searchable by the viewers its visibility allows.
        Published => "Published",
        /// Retired (outdated, or replaced by a newer published version). Terminal.
        Archived => "Archived",
    }
}

impl ArticleStatus {
    /// Whether the status machine allows moving from `self` to `to`.
    ///
    /// | from | allowed to |
    /// |---|---|
    /// | Draft | InReview, Archived (discard) |
    /// | InReview | Draft (rejected), Published (approved) |
    /// | Published | Archived |
    /// | Archived | — (terminal) |
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleStatus::*;
    /// assert!(InReview.can_transition_to(Published));
    /// assert!(!Archived.can_transition_to(Draft));
    /// ```
    pub const fn can_transition_to(self, to: ArticleStatus) -> bool {
        use ArticleStatus::*;
        matches!(
            (self, to),
            (Draft, InReview)
                | (Draft, Archived)
                | (InReview, Draft)
                | (InReview, Published)
                | (Published, Archived)
        )
    }

    /// `Draft` or `InReview`: a version still being worked on.
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleStatus;
    /// assert!(ArticleStatus::InReview.is_open_draft());
    /// assert!(!ArticleStatus::Published.is_open_draft());
    /// ```
    pub const fn is_open_draft(self) -> bool {
        matches!(self, ArticleStatus::Draft | ArticleStatus::InReview)
    }
}

picklist! {
    /// The kind of article, as in the original system.
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleCategory;
    /// assert_eq!("faq".parse::<ArticleCategory>()?, ArticleCategory::Faq);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub enum ArticleCategory: "article category" {
        /// Product documentation and guides.
        ProductGuide => "Product Guide",
        /// Frequently asked questions.
        Faq => "FAQ",
        /// Problem-solving guides.
        Troubleshooting => "Troubleshooting",
        /// Step-by-step tutorials.
        Tutorial => "Tutorial",
        /// Recommended practices.
        BestPractices => "Best Practices",
        /// New feature announcements.
        NewFeatures => "New Features",
        /// Developer documentation.
        ApiDocumentation => "API Documentation",
        /// Anything else.
        Other => "Other",
    }
}

picklist! {
    /// Who may read a published article (see [`Viewer`](super::Viewer) for the rules).
    ///
    /// ```
    /// use hotcrm_support::knowledge::Visibility;
    /// assert_eq!(Visibility::CustomerPortal.to_string(), "Customer Portal");
    /// ```
    pub enum Visibility: "visibility" {
        /// Anyone on the internet (unless the article also requires login).
        Public => "Public",
        /// Employees only.
        Internal => "Internal",
        /// Logged-in portal customers (of at least the article's tier) and employees.
        CustomerPortal => "Customer Portal",
        /// Partners and resellers, and employees.
        Partner => "Partner",
    }
}

picklist! {
    /// The tier of a customer-portal user (Basic < Premium < Enterprise in `Ord`).
    ///
    /// ```
    /// use hotcrm_support::knowledge::PortalTier;
    /// assert!(PortalTier::Basic < PortalTier::Enterprise);
    /// ```
    pub enum PortalTier: "portal tier" {
        /// The entry tier.
        Basic => "Basic",
        /// The middle tier.
        Premium => "Premium",
        /// The top tier.
        Enterprise => "Enterprise",
    }
}

/// An article version, `major.minor` (1.0, 1.1, 2.0 ...).
///
/// ```
/// use hotcrm_support::knowledge::ArticleVersion;
/// let v: ArticleVersion = "2.1".parse()?;
/// assert_eq!(v.next_minor().to_string(), "2.2");
/// assert_eq!(v.next_major().to_string(), "3.0");
/// assert!(ArticleVersion::FIRST < v);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleVersion {
    /// Major part: bumped for substantial rewrites.
    pub major: u16,
    /// Minor part: bumped for corrections.
    pub minor: u16,
}

impl ArticleVersion {
    /// Version 1.0, the version of a new article.
    pub const FIRST: ArticleVersion = ArticleVersion { major: 1, minor: 0 };

    /// The next minor version (1.3 → 1.4), saturating.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleVersion::FIRST.next_minor().to_string(), "1.1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn next_minor(self) -> Self {
        Self {
            major: self.major,
            minor: self.minor.saturating_add(1),
        }
    }

    /// The next major version (1.3 → 2.0), saturating.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleVersion::FIRST.next_major().to_string(), "2.0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn next_major(self) -> Self {
        Self {
            major: self.major.saturating_add(1),
            minor: 0,
        }
    }
}

impl fmt::Display for ArticleVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ArticleVersion {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let err = |reason: &str| Error::Parse {
            what: "article version",
            input: s.chars().take(64).collect(),
            reason: reason.to_owned(),
        };
        let (major, minor) = s
            .split_once('.')
            .ok_or_else(|| err("expected major.minor"))?;
        // Only the form `Display` writes ("1.10", not "01.10" or "+1.10"), so a
        // stored version reads back as the text it was written as.
        let part = |p: &str, what: &str| {
            let canonical = !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p == "0" || !p.starts_with('0'));
            if !canonical {
                return Err(err(&format!(
                    "{what} part must be digits without leading zeros"
                )));
            }
            p.parse::<u16>()
                .map_err(|_| err(&format!("{what} part is above 65535")))
        };
        Ok(Self {
            major: part(major, "major")?,
            minor: part(minor, "minor")?,
        })
    }
}

impl Serialize for ArticleVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ArticleVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How big the change of a new version is.
///
/// ```
/// use hotcrm_support::knowledge::{ArticleVersion, VersionBump};
/// assert_eq!(VersionBump::Major.apply(ArticleVersion::FIRST).to_string(), "2.0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VersionBump {
    /// Corrections: 1.0 → 1.1.
    Minor,
    /// A substantial rewrite: 1.1 → 2.0.
    Major,
}

impl VersionBump {
    /// The version after `v`.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(VersionBump::Minor.apply(ArticleVersion::FIRST).to_string(), "1.1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn apply(self, v: ArticleVersion) -> ArticleVersion {
        match self {
            VersionBump::Minor => v.next_minor(),
            VersionBump::Major => v.next_major(),
        }
    }
}

/// What an author writes: the editable fields of an article.
///
/// Used to create an article and to edit one (a new draft version).
///
/// ```
/// use hotcrm_support::knowledge::{ArticleCategory, ArticleDraft, Visibility};
///
/// let draft = ArticleDraft::new("How to reset your password", "1. Click **Forgot password**.")
///     .summary("Reset a forgotten password from the sign-in page.")
///     .category(ArticleCategory::Faq)
///     .tags(["password", "login"])
///     .visibility(Visibility::Public);
/// draft.validate()?;
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleDraft {
    /// Title (required, at most [`MAX_TITLE_CHARS`]).
    pub title: String,
    /// Short summary (required before review; may be filled by AI enhancement).
    pub summary: String,
    /// Markdown body (required, at most [`MAX_CONTENT_BYTES`]).
    pub content: String,
    /// Category.
    pub category: ArticleCategory,
    /// Free-form sub-category.
    pub sub_category: Option<String>,
    /// Tags (lowercased and de-duplicated on save).
    pub tags: Vec<String>,
    /// Related product.
    pub product: Option<ProductId>,
    /// Who may read it once published.
    pub visibility: Visibility,
    /// Whether reading requires a logged-in viewer even when public.
    pub require_login: bool,
    /// For `CustomerPortal` articles: the lowest portal tier that may read it.
    pub min_portal_tier: Option<PortalTier>,
    /// Author.
    pub author: Option<AgentId>,
    /// The language it is written in (default `en`; a draft stored without one
    /// loads as `en`).
    #[serde(default)]
    pub language: Language,
}

impl ArticleDraft {
    /// A public, login-free `Other` draft with a title and content.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let d = ArticleDraft::new("Title", "Body");
    /// assert_eq!((d.visibility, d.require_login), (Visibility::Public, false));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(title: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            summary: String::new(),
            content: content.into(),
            category: ArticleCategory::Other,
            sub_category: None,
            tags: Vec::new(),
            product: None,
            visibility: Visibility::Public,
            require_login: false,
            min_portal_tier: None,
            author: None,
            language: Language::ENGLISH,
        }
    }

    /// Sets the summary.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleDraft::new("T", "B").summary("S").summary, "S");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    /// Sets the category.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleDraft::new("T", "B").category(ArticleCategory::Faq).category, ArticleCategory::Faq);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn category(mut self, category: ArticleCategory) -> Self {
        self.category = category;
        self
    }

    /// Sets the tags.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleDraft::new("T", "B").tags(["a", "b"]).tags, ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the product.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let p = hotcrm_support::ids::ProductId::from_u128(1);
    /// assert_eq!(ArticleDraft::new("T", "B").product(p).product, Some(p));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn product(mut self, product: ProductId) -> Self {
        self.product = Some(product);
        self
    }

    /// Sets the visibility.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleDraft::new("T", "B").visibility(Visibility::Partner).visibility, Visibility::Partner);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn visibility(mut self, visibility: Visibility) -> Self {
        self.visibility = visibility;
        self
    }

    /// Sets whether a login is required.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(ArticleDraft::new("T", "B").require_login(true).require_login);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_login(mut self, require: bool) -> Self {
        self.require_login = require;
        self
    }

    /// Sets the lowest portal tier for `CustomerPortal` articles.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(ArticleDraft::new("T", "B").min_portal_tier(PortalTier::Premium).min_portal_tier, Some(PortalTier::Premium));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn min_portal_tier(mut self, tier: PortalTier) -> Self {
        self.min_portal_tier = Some(tier);
        self
    }

    /// Sets the author.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let a = hotcrm_support::ids::AgentId::from_u128(1);
    /// assert_eq!(ArticleDraft::new("T", "B").author(a).author, Some(a));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn author(mut self, author: AgentId) -> Self {
        self.author = Some(author);
        self
    }

    /// Sets the language.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let d = ArticleDraft::new("T", "B").language("de".parse()?);
    /// assert_eq!(d.language.as_str(), "de");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// Checks sizes and required fields (title, content); tags are normalised later.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field: empty or oversized title, empty or
    /// oversized content, oversized summary, too many or too long tags.
    ///
    /// ```
    /// use hotcrm_support::knowledge::ArticleDraft;
    /// assert!(ArticleDraft::new("  ", "body").validate().is_err());
    /// assert!(ArticleDraft::new("Title", "x".repeat(1 << 20)).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        validate_editable(
            &self.title,
            &self.summary,
            &self.content,
            &self.tags,
            self.sub_category.as_deref(),
        )
    }
}

/// The size and required-field checks shared by drafts and stored articles.
fn validate_editable(
    title: &str,
    summary: &str,
    content: &str,
    tags: &[String],
    sub_category: Option<&str>,
) -> Result<()> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::validation("title", "must not be empty"));
    }
    let title_chars = title.chars().count();
    if title_chars > MAX_TITLE_CHARS {
        return Err(Error::validation(
            "title",
            format!("{title_chars} characters exceeds the limit of {MAX_TITLE_CHARS}"),
        ));
    }
    if content.trim().is_empty() {
        return Err(Error::validation("content", "must not be empty"));
    }
    if content.len() > MAX_CONTENT_BYTES {
        return Err(Error::validation(
            "content",
            format!(
                "{} bytes exceeds the limit of {MAX_CONTENT_BYTES}",
                content.len()
            ),
        ));
    }
    let summary_chars = summary.chars().count();
    if summary_chars > MAX_SUMMARY_CHARS {
        return Err(Error::validation(
            "summary",
            format!("{summary_chars} characters exceeds the limit of {MAX_SUMMARY_CHARS}"),
        ));
    }
    validate_tags(tags)?;
    if let Some(sub) = sub_category {
        if sub.chars().count() > MAX_TITLE_CHARS {
            return Err(Error::validation("sub_category", "too long"));
        }
    }
    Ok(())
}

pub(crate) fn validate_tags(tags: &[String]) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::validation(
            "tags",
            format!("{} tags exceeds the limit of {MAX_TAGS}", tags.len()),
        ));
    }
    if let Some(t) = tags.iter().find(|t| t.chars().count() > MAX_TAG_CHARS) {
        return Err(Error::validation(
            "tags",
            format!(
                "tag {:?} is longer than {MAX_TAG_CHARS} characters",
                t.chars().take(20).collect::<String>()
            ),
        ));
    }
    Ok(())
}

/// Lowercases, trims and de-duplicates tags, keeping first-seen order and dropping empties.
pub(crate) fn normalize_tags(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Reader counters of an article (all versions of one KnowledgeNumber share them:
/// they are carried over when a new version goes live).
///
/// ```
/// use hotcrm_support::knowledge::ArticleCounters;
/// let c = ArticleCounters { views: 1523, helpful: 1289, not_helpful: 45, cases_resolved: 234 };
/// assert_eq!(c.helpful_score().map(|s| (s * 10.0).round() / 10.0), Some(96.6));
/// assert_eq!(ArticleCounters::default().helpful_score(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCounters {
    /// Times viewed.
    pub views: u64,
    /// "Helpful" votes.
    pub helpful: u64,
    /// "Not helpful" votes.
    pub not_helpful: u64,
    /// Cases resolved with this article.
    pub cases_resolved: u64,
}

impl ArticleCounters {
    /// The HelpfulScore: helpful votes as a percentage of all votes, `None` without votes.
    pub fn helpful_score(&self) -> Option<f64> {
        let total = self.helpful.saturating_add(self.not_helpful);
        (total > 0).then(|| self.helpful as f64 * 100.0 / total as f64)
    }
}

/// One version of a knowledge article.
///
/// Every version is its own record with its own [`ArticleId`]; versions of the same
/// article share the [`KnowledgeNumber`] and the URL slug. At most one version of a
/// number is `Published` at a time (the live one) and at most one is an open draft
/// (`Draft` or `InReview`).
///
/// Articles are created and changed through [`KnowledgeBase`](super::KnowledgeBase),
/// which enforces uniqueness and the lifecycle; the fields are public for reading
/// and for loading from storage. Loading (serde, and
/// [`KnowledgeBase::from_articles`](super::KnowledgeBase::from_articles)) checks
/// what the commands keep, with [`KnowledgeArticle::validate`].
///
/// ```
/// use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus, KnowledgeBase};
/// let now = "2026-01-10T09:00:00Z".parse()?;
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("How to reset your password", "1. Click Forgot password."), now)?;
/// let article = kb.article(id)?;
/// assert_eq!(article.number.to_string(), "KB-2026-0001");
/// assert_eq!(article.slug, "how-to-reset-your-password");
/// assert_eq!(article.status, ArticleStatus::Draft);
/// assert_eq!(article.version.to_string(), "1.0");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KnowledgeArticleFields")]
pub struct KnowledgeArticle {
    /// This version's id.
    pub id: ArticleId,
    /// The article's number, shared by all its versions.
    pub number: KnowledgeNumber,
    /// URL name, unique per article (shared by its versions, stable across title edits).
    pub slug: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Markdown body.
    pub content: String,
    /// Category.
    pub category: ArticleCategory,
    /// Free-form sub-category.
    pub sub_category: Option<String>,
    /// Normalised tags.
    pub tags: Vec<String>,
    /// Keywords suggested by AI enhancement (searched like tags).
    pub ai_keywords: Vec<String>,
    /// Related product.
    pub product: Option<ProductId>,
    /// Status.
    pub status: ArticleStatus,
    /// Who may read it.
    pub visibility: Visibility,
    /// Whether a login is required even when `Public`.
    pub require_login: bool,
    /// Lowest portal tier for `CustomerPortal` articles (`None`: every tier).
    pub min_portal_tier: Option<PortalTier>,
    /// Version number.
    pub version: ArticleVersion,
    /// What changed in this version.
    pub version_notes: Option<String>,
    /// Author.
    pub author: Option<AgentId>,
    /// Reviewer (set when submitted for review).
    pub reviewer: Option<AgentId>,
    /// When this version was created.
    pub created_at: DateTime<Utc>,
    /// When this version was last changed.
    pub updated_at: DateTime<Utc>,
    /// When this version was submitted for review.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When this version went live.
    pub published_at: Option<DateTime<Utc>>,
    /// When this version was archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Last review (approval or explicit review) date.
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// When the article is due for review again.
    pub next_review_at: Option<DateTime<Utc>>,
    /// Reader counters.
    pub counters: ArticleCounters,
    /// Quality score 0–100 (see [`quality_score`](super::quality_score)), recomputed on save.
    pub quality_score: u8,
    /// The language it is written in (default `en`; articles stored without
    /// one load as `en`).
    #[serde(default)]
    pub language: Language,
    /// Star ratings, one per rater (carried over to a new live version like
    /// the counters; stored articles without them load with none).
    #[serde(default)]
    pub ratings: ArticleRatings,
    /// The provider embedding of this version's text (unit length), stored
    /// with the article so a restarted desk does not embed it again; cleared
    /// when an edit or enhancement changes the embedded text (title, summary,
    /// tags, content). `None` until embedded.
    #[serde(default)]
    pub embedding: Option<Vec<f32>>,
}

validated_serde!(KnowledgeArticle, KnowledgeArticleFields {
    id: ArticleId,
    number: KnowledgeNumber,
    slug: String,
    title: String,
    summary: String,
    content: String,
    category: ArticleCategory,
    sub_category: Option<String>,
    tags: Vec<String>,
    ai_keywords: Vec<String>,
    product: Option<ProductId>,
    status: ArticleStatus,
    visibility: Visibility,
    require_login: bool,
    min_portal_tier: Option<PortalTier>,
    version: ArticleVersion,
    version_notes: Option<String>,
    author: Option<AgentId>,
    reviewer: Option<AgentId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    published_at: Option<DateTime<Utc>>,
    archived_at: Option<DateTime<Utc>>,
    last_reviewed_at: Option<DateTime<Utc>>,
    next_review_at: Option<DateTime<Utc>>,
    counters: ArticleCounters,
    quality_score: u8,
    #[serde(default)]
    language: Language,
    #[serde(default)]
    ratings: ArticleRatings,
    #[serde(default)]
    embedding: Option<Vec<f32>>,
});

/// The error for a stored `field` of `article` that breaks a lifecycle rule.
fn lifecycle(field: &'static str, a: &KnowledgeArticle, rule: &str) -> Error {
    Error::validation(
        field,
        format!("{} {} is {}: {rule}", a.number, a.version, a.status),
    )
}

impl KnowledgeArticle {
    /// Checks the record: everything [`ArticleDraft::validate`] checks, plus what
    /// the commands of [`KnowledgeBase`](super::KnowledgeBase) keep — a trimmed
    /// title and summary; tags and AI keywords lowercased, trimmed, distinct and
    /// within the limits; a slug [`slugify`](super::slugify) would make (with an
    /// optional `-N` suffix); version at least 1.0; version notes within the
    /// summary limit; a quality score of at most 100; and dates matching the
    /// status (in review: submitted, with a reviewer; published: published and
    /// reviewed, with a reviewer, not archived; draft or in review: neither
    /// published nor archived; archived: archived; a next review date only after
    /// the last review). Loading runs it, so a stored article that breaks a rule
    /// is refused with the field named.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first bad field.
    ///
    /// ```
    /// use hotcrm_support::Error;
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeArticle, KnowledgeBase};
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("Reset", "Steps."), "2026-01-01T00:00:00Z".parse()?)?;
    /// let mut a = kb.article(id)?.clone();
    /// a.validate()?;
    /// a.tags = vec!["Login".into()];
    /// assert!(matches!(a.validate(), Err(Error::Validation { field: "tags", .. })));
    /// let mut json = serde_json::to_value(kb.article(id)?)?;
    /// json["slug"] = "Not a slug".into();
    /// let err = serde_json::from_value::<KnowledgeArticle>(json).unwrap_err();
    /// assert!(err.to_string().starts_with("invalid slug"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        validate_editable(
            &self.title,
            &self.summary,
            &self.content,
            &self.tags,
            self.sub_category.as_deref(),
        )?;
        if self.title.trim() != self.title {
            return Err(Error::validation(
                "title",
                "has leading or trailing whitespace",
            ));
        }
        if self.summary.trim() != self.summary {
            return Err(Error::validation(
                "summary",
                "has leading or trailing whitespace",
            ));
        }
        for (field, list) in [("tags", &self.tags), ("ai_keywords", &self.ai_keywords)] {
            validate_tags(list).map_err(|e| match e {
                Error::Validation { reason, .. } => Error::validation(field, reason),
                other => other,
            })?;
            if normalize_tags(list.iter().cloned()) != *list {
                return Err(Error::validation(
                    field,
                    "must be trimmed, lowercase, distinct and not empty",
                ));
            }
        }
        if !super::slug::is_valid_slug(&self.slug) {
            return Err(Error::validation(
                "slug",
                format!(
                    "{:?} is not a slug (lowercase letters and digits joined by single dashes)",
                    self.slug.chars().take(64).collect::<String>()
                ),
            ));
        }
        if self.version.major == 0 {
            return Err(Error::validation(
                "version",
                format!("{} is below the first version 1.0", self.version),
            ));
        }
        if let Some(notes) = &self.version_notes {
            let chars = notes.chars().count();
            if chars > MAX_SUMMARY_CHARS {
                return Err(Error::validation(
                    "version_notes",
                    format!("{chars} characters exceeds the limit of {MAX_SUMMARY_CHARS}"),
                ));
            }
        }
        if self.quality_score > 100 {
            return Err(Error::validation(
                "quality_score",
                format!("{} is above 100", self.quality_score),
            ));
        }
        self.ratings.validate()?;
        if let Some(e) = &self.embedding {
            if e.is_empty() || e.len() > MAX_EMBEDDING_DIMS {
                return Err(Error::validation(
                    "embedding",
                    format!("{} dimensions, expected 1 to {MAX_EMBEDDING_DIMS}", e.len()),
                ));
            }
            if !e.iter().all(|x| x.is_finite()) || e.iter().all(|x| *x == 0.0) {
                return Err(Error::validation(
                    "embedding",
                    "must be finite and not all zero",
                ));
            }
        }
        self.validate_lifecycle()
    }

    /// The status and date rules of [`KnowledgeArticle::validate`].
    fn validate_lifecycle(&self) -> Result<()> {
        use ArticleStatus::*;
        match self.status {
            InReview if self.submitted_at.is_none() => {
                return Err(lifecycle(
                    "submitted_at",
                    self,
                    "it must have been submitted",
                ));
            }
            InReview | Published if self.reviewer.is_none() => {
                return Err(lifecycle("reviewer", self, "it must have a reviewer"));
            }
            Published if self.published_at.is_none() => {
                return Err(lifecycle(
                    "published_at",
                    self,
                    "it must have been published",
                ));
            }
            Published if self.last_reviewed_at.is_none() => {
                return Err(lifecycle("last_reviewed_at", self, "publishing reviews it"));
            }
            Draft | InReview if self.published_at.is_some() => {
                return Err(lifecycle("published_at", self, "it was never published"));
            }
            Draft | InReview | Published if self.archived_at.is_some() => {
                return Err(lifecycle("archived_at", self, "it is not archived"));
            }
            Archived if self.archived_at.is_none() => {
                return Err(lifecycle("archived_at", self, "it must have been archived"));
            }
            _ => {}
        }
        if let Some(next) = self.next_review_at {
            if self.last_reviewed_at.is_none_or(|last| next <= last) {
                return Err(Error::validation(
                    "next_review_at",
                    format!(
                        "{} {}: the next review {next} must come after the last review",
                        self.number, self.version
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The HelpfulScore percentage (see [`ArticleCounters::helpful_score`]).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// assert_eq!(kb.article(id)?.helpful_score(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn helpful_score(&self) -> Option<f64> {
        self.counters.helpful_score()
    }

    /// The average star rating, 1.0–5.0 (`None` without ratings), exactly the
    /// ratings' sum over their count (see [`ArticleRatings`]).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// assert_eq!(kb.article(id)?.average_rating(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn average_rating(&self) -> Option<f64> {
        self.ratings.average()
    }

    /// Whether the review date has passed at `now`.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// assert!(!kb.article(id)?.is_review_overdue("2030-01-01T00:00:00Z".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_review_overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_review_at.is_some_and(|due| due < now)
    }

    /// Whether this version is live.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("T", "C"), now)?;
    /// assert!(!kb.article(id)?.is_published());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_published(&self) -> bool {
        self.status == ArticleStatus::Published
    }

    /// The editable fields of this version, as a draft to start a new version from.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// let draft = kb.article(id)?.to_draft();
    /// assert_eq!(draft.title, "T");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_draft(&self) -> ArticleDraft {
        ArticleDraft {
            title: self.title.clone(),
            summary: self.summary.clone(),
            content: self.content.clone(),
            category: self.category,
            sub_category: self.sub_category.clone(),
            tags: self.tags.clone(),
            product: self.product,
            visibility: self.visibility,
            require_login: self.require_login,
            min_portal_tier: self.min_portal_tier,
            author: self.author,
            language: self.language,
        }
    }

    /// Replaces the editable fields (the caller validated `draft`).
    pub(crate) fn apply_draft(&mut self, draft: ArticleDraft) {
        let embedded_before = self.embedded_text();
        self.title = draft.title.trim().to_owned();
        self.summary = draft.summary.trim().to_owned();
        self.content = draft.content;
        self.category = draft.category;
        self.sub_category = draft.sub_category;
        self.tags = normalize_tags(draft.tags);
        self.product = draft.product;
        self.visibility = draft.visibility;
        self.require_login = draft.require_login;
        self.min_portal_tier = draft.min_portal_tier;
        if draft.author.is_some() {
            self.author = draft.author;
        }
        self.language = draft.language;
        if self.embedded_text() != embedded_before {
            self.embedding = None;
        }
    }

    /// The fields an embedding is computed from (see
    /// [`KnowledgeBase::embedding_text`](super::KnowledgeBase::embedding_text)).
    pub(crate) fn embedded_text(&self) -> (String, String, Vec<String>, String) {
        (
            self.title.clone(),
            self.summary.clone(),
            self.tags.clone(),
            self.content.chars().take(2_000).collect(),
        )
    }
}
