//! The article quality score (0–100): a documented, explainable sum of parts.
//!
//! Layer 2 (pure): depends on the sibling `article` and `analyzer` modules; "now"
//! is a parameter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::analyzer::sentence_stats;
use super::article::{ArticleCategory, KnowledgeArticle};

/// Quality below this is reported as low quality by knowledge-gap reports.
pub const LOW_QUALITY_THRESHOLD: u8 = 60;

/// The parts of a quality score; [`QualityBreakdown::total`] is their sum (0–100).
///
/// | part | max | full marks when |
/// |---|---|---|
/// | title | 15 | 20–90 characters (10–19 or 91–120: 10; other non-empty: 5) |
/// | summary | 15 | 50–300 characters (20–49 or 301–600: 8; other non-empty: 4) |
/// | content | 25 | ≥ 300 words (20), plus 5 for structure (headings, lists or steps); 150+ words: 16, 80+: 11, 30+: 6, less: 2 |
/// | tags | 10 | ≥ 3 tags (1–2: 5) |
/// | category | 5 | anything but `Other` |
/// | readability | 10 | average ≤ 20 words per sentence (≤ 25: 7, ≤ 35: 4, more: 0) |
/// | freshness | 10 | reviewed (or created) within 180 days (≤ 365: 6, ≤ 730: 3, older: 0); review overdue caps it at 3 |
/// | helpfulness | 10 | HelpfulScore / 10 once there are 5 votes; 5 (neutral) before that |
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::{quality_breakdown, ArticleDraft, KnowledgeBase};
/// let now = "2026-01-10T09:00:00Z".parse()?;
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("Reset", "Click it."), now)?;
/// let q = quality_breakdown(kb.article(id)?, now);
/// assert_eq!(q.summary, 0);
/// assert!(q.total() < 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Loading checks that no part exceeds its maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "QualityBreakdownFields")]
pub struct QualityBreakdown {
    /// Title completeness, 0–15.
    pub title: u8,
    /// Summary completeness, 0–15.
    pub summary: u8,
    /// Content length and structure, 0–25.
    pub content: u8,
    /// Tags, 0–10.
    pub tags: u8,
    /// Category chosen, 0–5.
    pub category: u8,
    /// Readability (sentence length), 0–10.
    pub readability: u8,
    /// Freshness of the last review, 0–10.
    pub freshness: u8,
    /// Reader votes, 0–10.
    pub helpfulness: u8,
}

validated_serde!(
    QualityBreakdown,
    QualityBreakdownFields {
        title: u8,
        summary: u8,
        content: u8,
        tags: u8,
        category: u8,
        readability: u8,
        freshness: u8,
        helpfulness: u8,
    }
);

impl QualityBreakdown {
    /// Each part within its maximum (see the type docs).
    fn validate(&self) -> Result<()> {
        for (field, value, max) in [
            ("title", self.title, 15),
            ("summary", self.summary, 15),
            ("content", self.content, 25),
            ("tags", self.tags, 10),
            ("category", self.category, 5),
            ("readability", self.readability, 10),
            ("freshness", self.freshness, 10),
            ("helpfulness", self.helpfulness, 10),
        ] {
            if value > max {
                return Err(Error::validation(
                    field,
                    format!("{value} exceeds the part's maximum of {max}"),
                ));
            }
        }
        Ok(())
    }

    /// The score, 0–100.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let q = QualityBreakdown { title: 15, summary: 15, content: 25, tags: 10, category: 5, readability: 10, freshness: 10, helpfulness: 10 };
    /// assert_eq!(q.total(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn total(&self) -> u8 {
        let sum = u16::from(self.title)
            + u16::from(self.summary)
            + u16::from(self.content)
            + u16::from(self.tags)
            + u16::from(self.category)
            + u16::from(self.readability)
            + u16::from(self.freshness)
            + u16::from(self.helpfulness);
        u8::try_from(sum.min(100)).unwrap_or(100)
    }
}

/// The quality score of `article` at `now` (see [`QualityBreakdown`] for the rules).
///
/// ```
/// use hotcrm_support::knowledge::{quality_score, ArticleDraft, KnowledgeBase};
/// let now = "2026-01-10T09:00:00Z".parse()?;
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("Reset", "Click it."), now)?;
/// assert_eq!(quality_score(kb.article(id)?, now), kb.article(id)?.quality_score);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn quality_score(article: &KnowledgeArticle, now: DateTime<Utc>) -> u8 {
    quality_breakdown(article, now).total()
}

/// The parts of the quality score of `article` at `now`.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("How to export contacts to CSV", "Open Contacts. Click Export.").category(ArticleCategory::Tutorial), now)?;
/// let q = quality_breakdown(kb.article(id)?, now);
/// assert_eq!((q.title, q.category, q.freshness), (15, 5, 10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn quality_breakdown(article: &KnowledgeArticle, now: DateTime<Utc>) -> QualityBreakdown {
    let title_chars = article.title.chars().count();
    let title = match title_chars {
        0 => 0,
        20..=90 => 15,
        10..=19 | 91..=120 => 10,
        _ => 5,
    };
    let summary_chars = article.summary.trim().chars().count();
    let summary = match summary_chars {
        0 => 0,
        50..=300 => 15,
        20..=49 | 301..=600 => 8,
        _ => 4,
    };
    let (sentences, words) = sentence_stats(&article.content);
    let length = match words {
        300.. => 20,
        150..=299 => 16,
        80..=149 => 11,
        30..=79 => 6,
        _ => 2,
    };
    let structured = article.content.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with('#')
            || l.starts_with("- ")
            || l.starts_with("* ")
            || l.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    let content = length + if structured { 5 } else { 0 };
    let tag_count = article.tags.len() + article.ai_keywords.len();
    let tags = match tag_count {
        0 => 0,
        1 | 2 => 5,
        _ => 10,
    };
    let category = if article.category == ArticleCategory::Other {
        0
    } else {
        5
    };
    let avg = if sentences == 0 {
        f64::INFINITY
    } else {
        words as f64 / sentences as f64
    };
    let readability = if avg <= 20.0 {
        10
    } else if avg <= 25.0 {
        7
    } else if avg <= 35.0 {
        4
    } else {
        0
    };
    let reference = article.last_reviewed_at.unwrap_or(article.created_at);
    let age_days = (now - reference).num_days();
    let mut freshness = match age_days {
        ..=180 => 10,
        181..=365 => 6,
        366..=730 => 3,
        _ => 0,
    };
    if article.is_review_overdue(now) {
        freshness = freshness.min(3);
    }
    let votes = article
        .counters
        .helpful
        .saturating_add(article.counters.not_helpful);
    let helpfulness = match article.counters.helpful_score() {
        Some(pct) if votes >= 5 => (pct / 10.0).round().clamp(0.0, 10.0) as u8,
        _ => 5,
    };
    QualityBreakdown {
        title,
        summary,
        content,
        tags,
        category,
        readability,
        freshness,
        helpfulness,
    }
}
