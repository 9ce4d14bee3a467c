//! Search analytics: every query with its result count, whether it found a good
//! answer and what was clicked; the raw material of knowledge-gap reports.
//!
//! Layer 2 (pure): depends on `ids` and `error`; times are parameters.
//!
//! How the log is bounded is documented in the [`knowledge`](super) module
//! ("What grows with what (search analytics)").

use std::collections::{HashSet, VecDeque};
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{ArticleId, KnowledgeNumber};

use super::article::ArticleCategory;
use super::index::{MAX_QUERY_CHARS, cut_query};
use super::score::LOW_QUALITY_THRESHOLD;

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
    /// The id [`KnowledgeBase::record_search`](super::KnowledgeBase::record_search)
    /// and [`KnowledgeBase::record_answer`](super::KnowledgeBase::record_answer)
    /// return when the log has run out of ids (after `u64::MAX` searches): it
    /// names no record, so [`KnowledgeBase::record_click`](super::KnowledgeBase::record_click)
    /// refuses it. Recorded searches start at 1.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{SearchAnalytics, SearchId};
    /// assert_eq!(SearchId::UNRECORDED.as_u64(), 0);
    /// assert!(SearchAnalytics::default().get(SearchId::UNRECORDED).is_none());
    /// ```
    pub const UNRECORDED: SearchId = SearchId(0);

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

/// How long and how much search analytics a log keeps (see the
/// [`knowledge` module docs](super#what-grows-with-what-search-analytics) for what each bound
/// limits).
///
/// * `max_age` (default 90 days): [`KnowledgeBase::enforce_retention`](super::KnowledgeBase::enforce_retention)
///   drops records made more than this before its `now`;
/// * `max_records` (default 100,000): recording a search when the log is full
///   drops the oldest record first, so the log never holds more;
/// * `max_clicks_per_search` (default 100): a search lists at most this many
///   distinct clicked articles; further clicks only count (see
///   [`SearchRecord::click_count`]).
///
/// Valid by construction ([`AnalyticsRetention::new`], also run on load): a
/// positive age, at least one record and at least one click per search (a
/// clicked search must keep its first click, or gap reports would count it as
/// unanswered). It serializes as
/// `{"max_age":[seconds,nanoseconds],"max_records":…,"max_clicks_per_search":…}`;
/// a missing field loads with its default.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::knowledge::AnalyticsRetention;
///
/// let default = AnalyticsRetention::default();
/// assert_eq!(default.max_age(), TimeDelta::days(90));
/// assert_eq!((default.max_records(), default.max_clicks_per_search()), (100_000, 100));
///
/// let small = AnalyticsRetention::new(TimeDelta::days(30), 10_000, 20)?;
/// let stored = serde_json::to_string(&small)?;
/// assert_eq!(serde_json::from_str::<AnalyticsRetention>(&stored)?, small);
/// assert!(AnalyticsRetention::new(TimeDelta::zero(), 10, 1).is_err());
/// assert!(serde_json::from_str::<AnalyticsRetention>(r#"{"max_records":0}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AnalyticsRetentionFields")]
pub struct AnalyticsRetention {
    max_age: TimeDelta,
    max_records: usize,
    max_clicks_per_search: usize,
}

/// The unvalidated serde shape of [`AnalyticsRetention`].
#[derive(Deserialize)]
#[serde(default)]
struct AnalyticsRetentionFields {
    max_age: TimeDelta,
    max_records: usize,
    max_clicks_per_search: usize,
}

impl Default for AnalyticsRetentionFields {
    fn default() -> Self {
        let d = AnalyticsRetention::DEFAULT;
        Self {
            max_age: d.max_age,
            max_records: d.max_records,
            max_clicks_per_search: d.max_clicks_per_search,
        }
    }
}

impl TryFrom<AnalyticsRetentionFields> for AnalyticsRetention {
    type Error = Error;

    fn try_from(f: AnalyticsRetentionFields) -> Result<Self> {
        Self::new(f.max_age, f.max_records, f.max_clicks_per_search)
    }
}

impl AnalyticsRetention {
    /// The defaults: 90 days, 100,000 records, 100 clicked articles per search.
    pub const DEFAULT: AnalyticsRetention = AnalyticsRetention {
        max_age: TimeDelta::days(90),
        max_records: 100_000,
        max_clicks_per_search: 100,
    };

    /// A policy keeping records for `max_age`, at most `max_records` of them and
    /// at most `max_clicks_per_search` clicked articles per search.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the setting (`analytics_retention.max_age`,
    /// `.max_records` or `.max_clicks_per_search`) when `max_age` is not positive
    /// or a count is 0.
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::{Error, knowledge::AnalyticsRetention};
    /// let r = AnalyticsRetention::new(TimeDelta::days(7), 1_000, 10)?;
    /// assert_eq!(r.max_records(), 1_000);
    /// let err = AnalyticsRetention::new(TimeDelta::days(7), 1_000, 0).unwrap_err();
    /// assert!(matches!(err, Error::Validation { field: "analytics_retention.max_clicks_per_search", .. }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(
        max_age: TimeDelta,
        max_records: usize,
        max_clicks_per_search: usize,
    ) -> Result<Self> {
        if max_age <= TimeDelta::zero() {
            return Err(Error::validation(
                "analytics_retention.max_age",
                format!("{max_age} must be positive"),
            ));
        }
        if max_records == 0 {
            return Err(Error::validation(
                "analytics_retention.max_records",
                "0 must be at least 1",
            ));
        }
        if max_clicks_per_search == 0 {
            return Err(Error::validation(
                "analytics_retention.max_clicks_per_search",
                "0 must be at least 1 (a clicked search keeps its first click so gap reports count it as answered)",
            ));
        }
        Ok(Self {
            max_age,
            max_records,
            max_clicks_per_search,
        })
    }

    /// How long records are kept.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::AnalyticsRetention;
    /// assert_eq!(AnalyticsRetention::default().max_age().num_days(), 90);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub const fn max_age(&self) -> TimeDelta {
        self.max_age
    }

    /// The most records kept.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::AnalyticsRetention;
    /// assert_eq!(AnalyticsRetention::default().max_records(), 100_000);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub const fn max_records(&self) -> usize {
        self.max_records
    }

    /// The most distinct clicked articles one search lists.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::AnalyticsRetention;
    /// assert_eq!(AnalyticsRetention::default().max_clicks_per_search(), 100);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub const fn max_clicks_per_search(&self) -> usize {
        self.max_clicks_per_search
    }
}

impl Default for AnalyticsRetention {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What applying an [`AnalyticsRetention`] removed.
///
/// ```
/// use hotcrm_support::knowledge::{AnalyticsRetention, KnowledgeBase, SearchQuery, Viewer};
/// let mut kb = KnowledgeBase::new();
/// let r = kb.search(&SearchQuery::new("fax"), &Viewer::Employee);
/// kb.record_search(&r, "2026-01-01T00:00:00Z".parse()?);
/// let report = kb.enforce_retention(&AnalyticsRetention::default(), "2026-06-01T00:00:00Z".parse()?);
/// assert_eq!((report.expired, report.records_removed()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RetentionReport {
    /// Records dropped for being older than `max_age`.
    pub expired: usize,
    /// The oldest records dropped to keep at most `max_records`.
    pub over_limit: usize,
    /// Clicked articles dropped from searches listing more than
    /// `max_clicks_per_search` (their clicks stay in `click_count`).
    pub clicks_dropped: usize,
}

impl RetentionReport {
    /// Records removed for any reason.
    ///
    /// ```
    /// use hotcrm_support::knowledge::RetentionReport;
    /// let r = RetentionReport { expired: 2, over_limit: 3, clicks_dropped: 9 };
    /// assert_eq!(r.records_removed(), 5);
    /// ```
    pub const fn records_removed(&self) -> usize {
        self.expired.saturating_add(self.over_limit)
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
/// Loading checks what recording guarantees (see [`SearchAnalytics`]): an id of
/// at least 1, a query of at most [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS)
/// characters, a key made of sorted distinct terms separated by single spaces,
/// distinct clicked articles and a `click_count` of at least their number. A
/// record stored before `click_count` existed loads with the number of its clicks.
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
#[serde(try_from = "SearchRecordFields")]
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
    /// The distinct articles opened from this search, in first-click order, at
    /// most [`AnalyticsRetention::max_clicks_per_search`] of them.
    pub clicks: Vec<ArticleId>,
    /// Every click accepted for this search, repeats and clicks beyond the cap
    /// included (at least `clicks.len()`).
    pub click_count: u64,
    /// Search box or answer.
    pub source: QuerySource,
}

/// The unvalidated serde shape of [`SearchRecord`].
#[derive(Deserialize)]
struct SearchRecordFields {
    id: SearchId,
    query: String,
    key: String,
    at: DateTime<Utc>,
    result_count: usize,
    good_result: bool,
    clicks: Vec<ArticleId>,
    /// Absent in logs stored before it existed: then the number of clicks.
    #[serde(default)]
    click_count: Option<u64>,
    source: QuerySource,
}

impl TryFrom<SearchRecordFields> for SearchRecord {
    type Error = Error;

    fn try_from(f: SearchRecordFields) -> Result<Self> {
        let click_count = f
            .click_count
            .unwrap_or_else(|| u64::try_from(f.clicks.len()).unwrap_or(u64::MAX));
        let record = SearchRecord {
            id: f.id,
            query: f.query,
            key: f.key,
            at: f.at,
            result_count: f.result_count,
            good_result: f.good_result,
            clicks: f.clicks,
            click_count,
            source: f.source,
        };
        record.validate()?;
        Ok(record)
    }
}

/// The grouping key of a list of terms: sorted, distinct, joined by single spaces.
pub(crate) fn normalize_key(key: &str) -> String {
    let mut terms: Vec<&str> = key.split_whitespace().collect();
    terms.sort_unstable();
    terms.dedup();
    terms.join(" ")
}

/// Whether `key` is already what [`normalize_key`] makes of it.
fn is_normal_key(key: &str) -> bool {
    if key.is_empty() {
        return true;
    }
    let mut last: Option<&str> = None;
    for term in key.split(' ') {
        if term.is_empty() || term.chars().any(char::is_whitespace) {
            return false;
        }
        if last.is_some_and(|l| l >= term) {
            return false;
        }
        last = Some(term);
    }
    true
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

    /// The checks recording keeps and loading repeats (see the type docs).
    fn validate(&self) -> Result<()> {
        if self.id.0 == 0 {
            return Err(Error::validation("id", "search ids start at 1; found 0"));
        }
        let chars = self.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::validation(
                "query",
                format!(
                    "{} has {chars} characters, more than {MAX_QUERY_CHARS}",
                    self.id
                ),
            ));
        }
        if !is_normal_key(&self.key) {
            return Err(Error::validation(
                "key",
                format!(
                    "{} has key {:?}, not sorted distinct terms separated by single spaces",
                    self.id,
                    self.key.chars().take(64).collect::<String>()
                ),
            ));
        }
        if self.clicks.len() > 1 {
            let mut seen = HashSet::with_capacity(self.clicks.len());
            if let Some(dup) = self.clicks.iter().find(|a| !seen.insert(**a)) {
                return Err(Error::validation(
                    "clicks",
                    format!("{} lists article {dup} twice", self.id),
                ));
            }
        }
        let listed = u64::try_from(self.clicks.len()).unwrap_or(u64::MAX);
        if self.click_count < listed {
            return Err(Error::validation(
                "click_count",
                format!(
                    "{} counts {} clicks but lists {listed} clicked articles",
                    self.id, self.click_count
                ),
            ));
        }
        Ok(())
    }
}

/// The query log, bounded by its [`AnalyticsRetention`].
///
/// ```
/// use hotcrm_support::knowledge::{QuerySource, SearchAnalytics};
/// let mut log = SearchAnalytics::default();
/// let id = log.record("export to excel", "excel export".into(), 0, false, QuerySource::Search,
///     "2026-01-10T09:00:00Z".parse()?)?;
/// assert_eq!(log.get(id).map(|r| r.result_count), Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The log serializes as `{"records":[…],"next":…}` (`next` is the last id
/// handed out), so a host can keep it in its own store and give it back with
/// [`KnowledgeBase::restore_analytics`](super::KnowledgeBase::restore_analytics).
/// Loading checks every record (see [`SearchRecord`]) and the invariants ids
/// rely on (ids strictly increasing and at most `next`), and refuses a log that
/// breaks them; whatever loads saves byte for byte as it was stored. The
/// retention policy is not part of the stored form: a loaded log has the default
/// one until [`SearchAnalytics::set_retention`] (which `restore_analytics` calls
/// with the knowledge base's policy).
///
/// Ids are never reused: when `next` is `u64::MAX`, [`SearchAnalytics::record`]
/// fails with [`Error::Overflow`] instead of handing out an id twice.
///
/// ```
/// use hotcrm_support::Error;
/// use hotcrm_support::knowledge::{QuerySource, SearchAnalytics};
/// let mut log = SearchAnalytics::default();
/// log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?)?;
/// let stored = serde_json::to_string(&log)?;
/// let back: SearchAnalytics = serde_json::from_str(&stored)?;
/// assert_eq!(back, log);
/// assert_eq!(serde_json::to_string(&back)?, stored);
///
/// let mut full: SearchAnalytics = serde_json::from_str(r#"{"records":[],"next":18446744073709551615}"#)?;
/// let err = full.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?);
/// assert!(matches!(err, Err(Error::Overflow { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SearchAnalyticsFields")]
pub struct SearchAnalytics {
    records: VecDeque<SearchRecord>,
    next: u64,
    #[serde(skip)]
    retention: AnalyticsRetention,
}

/// The unvalidated serde shape of [`SearchAnalytics`].
#[derive(Deserialize)]
struct SearchAnalyticsFields {
    records: VecDeque<SearchRecord>,
    next: u64,
}

impl TryFrom<SearchAnalyticsFields> for SearchAnalytics {
    type Error = Error;

    fn try_from(f: SearchAnalyticsFields) -> Result<SearchAnalytics> {
        let log = SearchAnalytics {
            records: f.records,
            next: f.next,
            retention: AnalyticsRetention::default(),
        };
        log.validate_ids()?;
        Ok(log)
    }
}

impl SearchAnalytics {
    /// An empty log kept within `retention`.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{AnalyticsRetention, SearchAnalytics};
    /// let r = AnalyticsRetention::new(chrono::TimeDelta::days(7), 10, 5)?;
    /// assert_eq!(SearchAnalytics::with_retention(r).retention(), &r);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn with_retention(retention: AnalyticsRetention) -> Self {
        Self {
            retention,
            ..Self::default()
        }
    }

    /// The retention policy that recording and clicks keep to.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{AnalyticsRetention, SearchAnalytics};
    /// assert_eq!(SearchAnalytics::default().retention(), &AnalyticsRetention::default());
    /// ```
    pub fn retention(&self) -> &AnalyticsRetention {
        &self.retention
    }

    /// Replaces the retention policy and applies its count bounds at once (the
    /// oldest records beyond `max_records`, clicked articles beyond
    /// `max_clicks_per_search`); the age bound needs a `now`, see
    /// [`SearchAnalytics::apply_retention`].
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::knowledge::{AnalyticsRetention, QuerySource, SearchAnalytics};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let mut log = SearchAnalytics::default();
    /// for q in ["a", "b", "c"] {
    ///     log.record(q, q.into(), 0, false, QuerySource::Search, now)?;
    /// }
    /// let report = log.set_retention(AnalyticsRetention::new(TimeDelta::days(1), 2, 1)?);
    /// assert_eq!(report.over_limit, 1);
    /// assert_eq!(log.records().iter().map(|r| r.query.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_retention(&mut self, retention: AnalyticsRetention) -> RetentionReport {
        self.retention = retention;
        let mut report = RetentionReport::default();
        self.apply_counts(&retention, &mut report);
        report
    }

    /// Applies `retention` at `now`: drops records made before `now - max_age`,
    /// then the oldest beyond `max_records`, then clicked articles beyond
    /// `max_clicks_per_search` (their clicks stay counted in
    /// [`SearchRecord::click_count`]). The stored policy is unchanged.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{AnalyticsRetention, QuerySource, SearchAnalytics};
    /// let mut log = SearchAnalytics::default();
    /// log.record("old", "old".into(), 0, false, QuerySource::Search, "2025-12-31T00:00:00Z".parse()?)?;
    /// log.record("new", "new".into(), 0, false, QuerySource::Search, "2026-03-30T00:00:00Z".parse()?)?;
    /// let report = log.apply_retention(&AnalyticsRetention::default(), "2026-04-01T00:00:00Z".parse()?);
    /// assert_eq!(report.expired, 1);
    /// assert_eq!(log.records()[0].query, "new");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_retention(
        &mut self,
        retention: &AnalyticsRetention,
        now: DateTime<Utc>,
    ) -> RetentionReport {
        let mut report = RetentionReport::default();
        if let Some(cutoff) = now.checked_sub_signed(retention.max_age) {
            let before = self.records.len();
            self.records.retain(|r| r.at >= cutoff);
            report.expired = before - self.records.len();
        }
        self.apply_counts(retention, &mut report);
        report
    }

    /// The count bounds of `retention`.
    fn apply_counts(&mut self, retention: &AnalyticsRetention, report: &mut RetentionReport) {
        let excess = self.records.len().saturating_sub(retention.max_records);
        self.records.drain(..excess);
        report.over_limit += excess;
        for r in &mut self.records {
            if r.clicks.len() > retention.max_clicks_per_search {
                report.clicks_dropped += r.clicks.len() - retention.max_clicks_per_search;
                r.clicks.truncate(retention.max_clicks_per_search);
            }
        }
    }

    /// The id checks of a loaded log.
    fn validate_ids(&self) -> Result<()> {
        let mut last = 0;
        for r in &self.records {
            let id = r.id.as_u64();
            if id <= last || id > self.next {
                return Err(Error::validation(
                    "records",
                    format!(
                        "search ids must increase and stay at most next ({}); found {} after {last}",
                        self.next, r.id
                    ),
                ));
            }
            last = id;
        }
        Ok(())
    }

    /// Appends a record and returns its id. The query is cut to
    /// [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS) characters and the key
    /// normalised (sorted distinct terms); when the log already holds
    /// `max_records` records, the oldest is dropped first.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when every id up to `u64::MAX` has been handed out
    /// (only a log loaded with such a `next` gets there); the log is unchanged.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// let id = log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?)?;
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
    ) -> Result<SearchId> {
        let next = self.next.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("search ids: every id up to {} is used", self.next),
        })?;
        let id = SearchId(next);
        let key = if is_normal_key(&key) {
            key
        } else {
            normalize_key(&key)
        };
        let record = SearchRecord {
            id,
            query: cut_query(query).to_owned(),
            key,
            at,
            result_count,
            good_result,
            clicks: Vec::new(),
            click_count: 0,
            source,
        };
        record.validate()?;
        let excess = (self.records.len() + 1).saturating_sub(self.retention.max_records);
        self.records.drain(..excess.min(self.records.len()));
        self.records.push_back(record);
        self.next = next;
        Ok(id)
    }

    /// Adds a click on `article` to search `id`. The search lists each article
    /// once, and at most `max_clicks_per_search` of them; a repeat or a click
    /// beyond the cap is still accepted and only raises
    /// [`SearchRecord::click_count`].
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` was never recorded (or was dropped).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// let id = log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?)?;
    /// let article = hotcrm_support::ids::ArticleId::from_u128(1);
    /// log.click(id, article)?;
    /// log.click(id, article)?;
    /// let r = log.get(id).ok_or("missing")?;
    /// assert_eq!((r.clicks.len(), r.click_count), (1, 2));
    /// assert!(log.click(SearchId::from_u64(99), article).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn click(&mut self, id: SearchId, article: ArticleId) -> Result<()> {
        let cap = self.retention.max_clicks_per_search;
        let r = self
            .records
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .and_then(|at| self.records.get_mut(at))
            .ok_or_else(|| Error::NotFound {
                kind: "search",
                id: id.to_string(),
            })?;
        r.click_count = r.click_count.saturating_add(1);
        if r.clicks.len() < cap && !r.clicks.contains(&article) {
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

    /// All records, oldest (first recorded) first.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert!(SearchAnalytics::default().records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn records(&self) -> &VecDeque<SearchRecord> {
        &self.records
    }

    /// The clicked articles listed over all records (a proxy of the log's size,
    /// with [`SearchAnalytics::records`]' length).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// let id = log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?)?;
    /// log.click(id, hotcrm_support::ids::ArticleId::from_u128(1))?;
    /// assert_eq!(log.stored_clicks(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stored_clicks(&self) -> usize {
        self.records.iter().map(|r| r.clicks.len()).sum()
    }

    /// Drops records made before `before` (bounded memory for long-running hosts).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut log = SearchAnalytics::default();
    /// log.record("sso", "sso".into(), 3, true, QuerySource::Search, "2026-01-05T09:00:00Z".parse()?)?;
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
///
/// Loading checks what reports guarantee: at least one search, and at least half
/// of them (and at most all) unanswered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QueryGapFields")]
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

validated_serde!(
    QueryGap,
    QueryGapFields {
        query: String,
        key: String,
        searches: usize,
        unanswered: usize,
    }
);

impl QueryGap {
    fn validate(&self) -> Result<()> {
        if self.searches == 0 {
            return Err(Error::validation(
                "searches",
                "a gap has at least 1 search; found 0",
            ));
        }
        if self.unanswered > self.searches || self.unanswered.saturating_mul(2) < self.searches {
            return Err(Error::validation(
                "unanswered",
                format!(
                    "{} must be at least half of and at most the {} searches",
                    self.unanswered, self.searches
                ),
            ));
        }
        Ok(())
    }
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
#[serde(try_from = "OutdatedArticleFields")]
pub struct OutdatedArticle {
    /// Live version id.
    pub article: ArticleId,
    /// Number.
    pub number: KnowledgeNumber,
    /// Title.
    pub title: String,
    /// The missed review date.
    pub next_review_at: DateTime<Utc>,
    /// Whole days overdue (never negative).
    pub days_overdue: i64,
}

validated_serde!(OutdatedArticle, OutdatedArticleFields {
    article: ArticleId,
    number: KnowledgeNumber,
    title: String,
    next_review_at: DateTime<Utc>,
    days_overdue: i64,
});

impl OutdatedArticle {
    fn validate(&self) -> Result<()> {
        if self.days_overdue < 0 {
            return Err(Error::validation(
                "days_overdue",
                format!("{} must not be negative", self.days_overdue),
            ));
        }
        Ok(())
    }
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
#[serde(try_from = "LowQualityArticleFields")]
pub struct LowQualityArticle {
    /// Live version id.
    pub article: ArticleId,
    /// Number.
    pub number: KnowledgeNumber,
    /// Title.
    pub title: String,
    /// Its quality score (below [`LOW_QUALITY_THRESHOLD`](super::LOW_QUALITY_THRESHOLD)).
    pub quality_score: u8,
}

validated_serde!(
    LowQualityArticle,
    LowQualityArticleFields {
        article: ArticleId,
        number: KnowledgeNumber,
        title: String,
        quality_score: u8,
    }
);

impl LowQualityArticle {
    fn validate(&self) -> Result<()> {
        if self.quality_score >= LOW_QUALITY_THRESHOLD {
            return Err(Error::validation(
                "quality_score",
                format!(
                    "{} is not below the low-quality threshold {LOW_QUALITY_THRESHOLD}",
                    self.quality_score
                ),
            ));
        }
        Ok(())
    }
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
#[serde(try_from = "SuggestedArticleFields")]
pub struct SuggestedArticle {
    /// A proposed title.
    pub title: String,
    /// A proposed category.
    pub category: ArticleCategory,
    /// The queries behind it (at least one).
    pub based_on: Vec<String>,
    /// How many searches asked for it (at least one).
    pub searches: usize,
}

validated_serde!(SuggestedArticle, SuggestedArticleFields {
    title: String,
    category: ArticleCategory,
    based_on: Vec<String>,
    searches: usize,
});

impl SuggestedArticle {
    fn validate(&self) -> Result<()> {
        if self.based_on.is_empty() {
            return Err(Error::validation(
                "based_on",
                "a suggestion is based on at least 1 query",
            ));
        }
        if self.searches == 0 {
            return Err(Error::validation(
                "searches",
                "a suggestion has at least 1 search; found 0",
            ));
        }
        Ok(())
    }
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
///
/// Loading checks that the period is not empty (`from < to`) and that there is
/// one suggestion per missing topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KnowledgeGapReportFields")]
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

validated_serde!(KnowledgeGapReport, KnowledgeGapReportFields {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    missing_topics: Vec<QueryGap>,
    outdated_articles: Vec<OutdatedArticle>,
    low_quality_articles: Vec<LowQualityArticle>,
    suggestions: Vec<SuggestedArticle>,
});

impl KnowledgeGapReport {
    fn validate(&self) -> Result<()> {
        if self.from >= self.to {
            return Err(Error::validation(
                "to",
                format!(
                    "the period must end after it starts: {} is not after {}",
                    self.to, self.from
                ),
            ));
        }
        if self.suggestions.len() != self.missing_topics.len() {
            return Err(Error::validation(
                "suggestions",
                format!(
                    "{} suggestions for {} missing topics; there is one per topic",
                    self.suggestions.len(),
                    self.missing_topics.len()
                ),
            ));
        }
        Ok(())
    }
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
