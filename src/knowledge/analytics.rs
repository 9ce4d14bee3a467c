//! Search analytics: every query with its result count, whether it found a good
//! answer and what was clicked; the raw material of knowledge-gap reports.
//!
//! Layer 2 (pure): depends on `ids` and `error`; times are parameters.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{ArticleId, KnowledgeNumber};

use super::article::ArticleCategory;

/// Identifies one recorded search (to attach clicks to it).
///
/// ```
/// use hotcrm_support::knowledge::SearchId;
/// assert_eq!(SearchId::from_u64(3).to_string(), "search#3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SearchId(u64);

impl SearchId {
    /// Wraps a raw sequence number.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(SearchId::from_u64(7).as_u64(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn from_u64(n: u64) -> Self {
        Self(n)
    }

    /// The raw sequence number.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(SearchId::from_u64(7).as_u64(), 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SearchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "search#{}", self.0)
    }
}

/// Where a recorded query came from.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let id = kb.record_answer("how to fly", 0, false, now);
/// assert_eq!(kb.analytics().get(id).map(|r| r.source), Some(QuerySource::Answer));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuerySource {
    /// A knowledge search box.
    Search,
    /// A question to [`answer`](crate::ai::answer) / the extractive answerer.
    Answer,
}

/// One recorded query.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let r = kb.search(&SearchQuery::new("Exporting invoices"), &Viewer::Anonymous);
/// let id = kb.record_search(&r, now);
/// let rec = kb.analytics().get(id).ok_or("missing")?;
/// assert_eq!((rec.key.as_str(), rec.result_count), ("export invoic", 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRecord {
    /// Its id.
    pub id: SearchId,
    /// The text as typed (cut to the query limit).
    pub query: String,
    /// Grouping key: the sorted distinct analysed terms ("password reset" and
    /// "resetting passwords" share one).
    pub key: String,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Visible matches.
    pub result_count: usize,
    /// Whether the top hit was good (see [`SearchHit::is_good`](super::SearchHit::is_good)).
    pub good_result: bool,
    /// Articles opened from this search, in click order.
    pub clicks: Vec<ArticleId>,
    /// Search box or answer.
    pub source: QuerySource,
}

impl SearchRecord {
    /// A search with no good result and no click: a sign of a gap.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("fax"), &Viewer::Anonymous);
    /// let id = kb.record_search(&r, now);
    /// assert!(kb.analytics().get(id).is_some_and(|r| r.is_unanswered()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_unanswered(&self) -> bool {
        !self.good_result && self.clicks.is_empty()
    }
}

/// The query log.
///
/// ```
/// use hotcrm_support::knowledge::{QuerySource, SearchAnalytics};
/// let mut log = SearchAnalytics::default();
/// let id = log.record("export to excel", "excel export".into(), 0, false, QuerySource::Search,
///     "2026-01-10T09:00:00Z".parse()?);
/// assert_eq!(log.get(id).map(|r| r.result_count), Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The log serializes as is, so a host can keep it in its own store and give it
/// back with [`KnowledgeBase::restore_analytics`](super::KnowledgeBase::restore_analytics).
/// Loading checks the invariants ids rely on (ids strictly increasing, the next
/// id above every stored one) and refuses a log that breaks them.
///
/// ```
/// use hotcrm_support::knowledge::{QuerySource, SearchAnalytics};
/// let mut log = SearchAnalytics::default();
/// log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?);
/// let stored = serde_json::to_string(&log)?;
/// let back: SearchAnalytics = serde_json::from_str(&stored)?;
/// assert_eq!(back, log);
/// assert!(serde_json::from_str::<SearchAnalytics>(r#"{"records":[],"next":18446744073709551615}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SearchAnalyticsFields")]
pub struct SearchAnalytics {
    records: Vec<SearchRecord>,
    next: u64,
}

/// The unvalidated serde shape of [`SearchAnalytics`].
#[derive(Deserialize)]
struct SearchAnalyticsFields {
    records: Vec<SearchRecord>,
    next: u64,
}

impl TryFrom<SearchAnalyticsFields> for SearchAnalytics {
    type Error = Error;

    fn try_from(f: SearchAnalyticsFields) -> Result<SearchAnalytics> {
        if f.next == u64::MAX {
            return Err(Error::validation("search analytics", "no search ids left"));
        }
        let mut last = 0;
        for r in &f.records {
            let id = r.id.as_u64();
            if id <= last || id > f.next {
                return Err(Error::validation(
                    "search analytics",
                    format!(
                        "search ids must increase and stay at most {}; found {} after {last}",
                        f.next, r.id
                    ),
                ));
            }
            last = id;
        }
        Ok(SearchAnalytics {
            records: f.records,
            next: f.next,
        })
    }
}

impl SearchAnalytics {
    /// Appends a record and returns its id.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// let id = log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?);
    /// assert_eq!(log.records().len(), 1);
    /// assert_eq!(log.get(id).map(|r| r.good_result), Some(true));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(
        &mut self,
        query: &str,
        key: String,
        result_count: usize,
        good_result: bool,
        source: QuerySource,
        at: DateTime<Utc>,
    ) -> SearchId {
        // Ids never wrap: a loaded log is refused at `u64::MAX`, and 2^64 searches
        // are out of reach.
        self.next = self.next.saturating_add(1);
        let id = SearchId(self.next);
        self.records.push(SearchRecord {
            id,
            query: query.to_owned(),
            key,
            at,
            result_count,
            good_result,
            clicks: Vec::new(),
            source,
        });
        id
    }

    /// Adds a click on `article` to search `id`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` was never recorded (or was pruned).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// let id = log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?);
    /// log.click(id, hotcrm_support::ids::ArticleId::from_u128(1))?;
    /// assert!(log.click(SearchId::from_u64(99), hotcrm_support::ids::ArticleId::from_u128(1)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn click(&mut self, id: SearchId, article: ArticleId) -> Result<()> {
        let at = self
            .records
            .binary_search_by_key(&id, |r| r.id)
            .map_err(|_| Error::NotFound {
                kind: "search",
                id: id.to_string(),
            })?;
        if let Some(r) = self.records.get_mut(at) {
            r.clicks.push(article);
        }
        Ok(())
    }

    /// The record with id `id`.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(SearchAnalytics::default().get(SearchId::from_u64(1)).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(&self, id: SearchId) -> Option<&SearchRecord> {
        let at = self.records.binary_search_by_key(&id, |r| r.id).ok()?;
        self.records.get(at)
    }

    /// All records, oldest first.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(SearchAnalytics::default().records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn records(&self) -> &[SearchRecord] {
        &self.records
    }

    /// Drops records made before `before` (bounded memory for long-running hosts).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?);
    /// log.prune_before("2026-02-01T00:00:00Z".parse()?);
    /// assert!(log.records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prune_before(&mut self, before: DateTime<Utc>) {
        self.records.retain(|r| r.at >= before);
    }
}

/// A frequent query that found nothing good.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # use hotcrm_support::period::Period;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// for _ in 0..2 { let r = kb.search(&SearchQuery::new("fax setup"), &Viewer::Anonymous); kb.record_search(&r, now); }
/// let report = kb.knowledge_gaps(Period::new(now, now + chrono::TimeDelta::days(1))?, now);
/// assert_eq!((report.missing_topics[0].searches, report.missing_topics[0].unanswered), (2, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryGap {
    /// The most common phrasing.
    pub query: String,
    /// The grouping key.
    pub key: String,
    /// Searches in the period with this key.
    pub searches: usize,
    /// Of those, how many had no good result and no click.
    pub unanswered: usize,
}

/// A published article whose review date has passed.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # use hotcrm_support::period::Period;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("T", "C").summary("S"), now)?;
/// let r = hotcrm_support::ids::AgentId::from_u128(1);
/// kb.submit_for_review(id, r, now)?;
/// kb.publish(id, r, now)?;
/// let later = now + chrono::TimeDelta::days(200);
/// let report = kb.knowledge_gaps(Period::new(now, later)?, later);
/// assert_eq!(report.outdated_articles[0].days_overdue, 20);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutdatedArticle {
    /// Live version id.
    pub article: ArticleId,
    /// Number.
    pub number: KnowledgeNumber,
    /// Title.
    pub title: String,
    /// The missed review date.
    pub next_review_at: DateTime<Utc>,
    /// Whole days overdue.
    pub days_overdue: i64,
}

/// A published article whose quality score is below the threshold.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # use hotcrm_support::period::Period;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("T", "C").summary("S"), now)?;
/// let r = hotcrm_support::ids::AgentId::from_u128(1);
/// kb.submit_for_review(id, r, now)?;
/// kb.publish(id, r, now)?;
/// let report = kb.knowledge_gaps(Period::new(now, now + chrono::TimeDelta::days(1))?, now);
/// assert!(report.low_quality_articles[0].quality_score < LOW_QUALITY_THRESHOLD);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LowQualityArticle {
    /// Live version id.
    pub article: ArticleId,
    /// Number.
    pub number: KnowledgeNumber,
    /// Title.
    pub title: String,
    /// Its quality score.
    pub quality_score: u8,
}

/// An article someone should write, from a query gap.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # use hotcrm_support::period::Period;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// for _ in 0..2 { let r = kb.search(&SearchQuery::new("sync error with outlook"), &Viewer::Anonymous); kb.record_search(&r, now); }
/// let report = kb.knowledge_gaps(Period::new(now, now + chrono::TimeDelta::days(1))?, now);
/// assert_eq!(report.suggestions[0].title, "Troubleshooting: Sync error with outlook");
/// assert_eq!(report.suggestions[0].category, ArticleCategory::Troubleshooting);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestedArticle {
    /// A proposed title.
    pub title: String,
    /// A proposed category.
    pub category: ArticleCategory,
    /// The queries behind it.
    pub based_on: Vec<String>,
    /// How many searches asked for it.
    pub searches: usize,
}

/// What [`KnowledgeBase::knowledge_gaps`](super::KnowledgeBase::knowledge_gaps) reports for a period.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # use hotcrm_support::period::Period;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let report = kb.knowledge_gaps(Period::new(now, now + chrono::TimeDelta::days(30))?, now);
/// assert!(report.missing_topics.is_empty() && report.suggestions.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeGapReport {
    /// Start of the period (inclusive): [`Period::from`](crate::period::Period::from).
    pub from: DateTime<Utc>,
    /// End of the period (exclusive): [`Period::to`](crate::period::Period::to).
    pub to: DateTime<Utc>,
    /// Frequent queries without a good result, most searched first.
    pub missing_topics: Vec<QueryGap>,
    /// Published articles past their review date, most overdue first.
    pub outdated_articles: Vec<OutdatedArticle>,
    /// Published articles scoring below 60, lowest first.
    pub low_quality_articles: Vec<LowQualityArticle>,
    /// Suggested new articles, one per missing topic.
    pub suggestions: Vec<SuggestedArticle>,
}

/// Words that mark a query as a problem report rather than a how-to.
const TROUBLE_WORDS: &[&str] = &[
    "error", "fail", "failed", "failing", "broken", "cant", "can't", "cannot", "not", "wrong",
    "crash", "stuck", "missing", "denied", "invalid", "timeout",
];

/// A title and category for an article answering `query`.
pub(crate) fn suggest_article(query: &str) -> (String, ArticleCategory) {
    let q = query.trim();
    let mut chars = q.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let lower = q.to_lowercase();
    let is_trouble = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| TROUBLE_WORDS.contains(&w));
    let is_question = [
        "how", "what", "why", "can", "where", "is", "does", "do", "when",
    ]
    .iter()
    .any(|w| lower.split_whitespace().next() == Some(*w));
    if is_trouble {
        (
            format!("Troubleshooting: {capitalized}"),
            ArticleCategory::Troubleshooting,
        )
    } else if is_question {
        let title = if capitalized.ends_with('?') {
            capitalized
        } else {
            format!("{capitalized}?")
        };
        (title, ArticleCategory::Faq)
    } else {
        (format!("FAQ: {capitalized}"), ArticleCategory::Faq)
    }
}
