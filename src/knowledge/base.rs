//! [`KnowledgeBase`]: the articles with all their versions, the unique slugs and
//! numbers, the search index over live versions, and the query log. Every command
//! validates first and changes nothing when it fails.
//!
//! Layer 2 (pure): depends on the sibling knowledge modules, `ids` and `error`;
//! "now" is always a parameter; embeddings and AI output are passed in.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, KnowledgeNumber};
use crate::period::Period;

use super::analytics::{
    AnalyticsRetention, KnowledgeGapReport, LowQualityArticle, OutdatedArticle, QueryGap,
    QuerySource, RetentionReport, SearchAnalytics, SearchId, SuggestedArticle, suggest_article,
};
use super::analyzer::Analyzer;
use super::answer::{Answer, AnswerOutcome, extract_answer};
use super::article::{
    ArticleCategory, ArticleDraft, ArticleStatus, KnowledgeArticle, MAX_SUMMARY_CHARS, VersionBump,
    normalize_tags,
};
use super::index::{
    FieldWeights, SearchHit, SearchIndex, SearchQuery, SearchResults, SearchRules, SimilarityFloor,
    cut_query,
};
use super::rating::Rater;
use super::score::{LOW_QUALITY_THRESHOLD, quality_score};
use super::slug::{slugify, unique_slug};
use super::viewer::Viewer;

/// How many articles retrieval considers for an answer.
const ANSWER_CONTEXT: usize = 3;

/// Settings of a knowledge base.
///
/// ```
/// use hotcrm_support::knowledge::{KnowledgePolicy, SimilarityFloor};
/// let p = KnowledgePolicy::default();
/// assert_eq!(p.review_interval.num_days(), 180);
/// assert_eq!(p.min_gap_searches, 2);
/// assert_eq!(p.min_semantic_similarity, SimilarityFloor::DEFAULT);
/// ```
///
/// Loading runs [`KnowledgePolicy::validate`], so a stored policy with a
/// non-positive review interval is refused like one passed to
/// [`KnowledgeBase::with_policy`].
///
/// ```
/// use hotcrm_support::knowledge::KnowledgePolicy;
/// let stored = serde_json::to_string(&KnowledgePolicy::default())?;
/// assert_eq!(serde_json::from_str::<KnowledgePolicy>(&stored)?, KnowledgePolicy::default());
/// let mut bad: serde_json::Value = serde_json::from_str(&stored)?;
/// bad["review_interval"] = serde_json::json!([0, 0]);
/// let err = serde_json::from_value::<KnowledgePolicy>(bad).unwrap_err();
/// assert!(err.to_string().starts_with("invalid review_interval"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KnowledgePolicyFields")]
pub struct KnowledgePolicy {
    /// Time from a review (or publication) to the next review date (default 180 days).
    pub review_interval: TimeDelta,
    /// The text analyzer of the index.
    pub analyzer: Analyzer,
    /// BM25F field weights.
    pub weights: FieldWeights,
    /// A query must be searched at least this often in a period to be a gap (default 2).
    pub min_gap_searches: usize,
    /// The cosine similarity a vector hit needs to take part in hybrid search
    /// (default 0.3, right for [`HeuristicAi`](crate::ai::HeuristicAi)). Set it to
    /// your embedding model's scale: above the similarity of unrelated texts (a
    /// model that scores unrelated texts about 0.7 needs 0.75 or more), below that
    /// of related ones. It applies to every hybrid path — [`KnowledgeBase::hybrid_search`],
    /// related articles, answer retrieval and
    /// [`ai::hybrid_search`](crate::ai::hybrid_search) — because it belongs to the
    /// stored embeddings, not to one query. A policy stored without it loads with
    /// the default. Change it on a live base with
    /// [`KnowledgeBase::set_min_semantic_similarity`].
    #[serde(default)]
    pub min_semantic_similarity: SimilarityFloor,
}

validated_serde!(
    KnowledgePolicy,
    KnowledgePolicyFields {
        review_interval: TimeDelta,
        analyzer: Analyzer,
        weights: FieldWeights,
        min_gap_searches: usize,
        #[serde(default)]
        min_semantic_similarity: SimilarityFloor,
    }
);

impl KnowledgePolicy {
    /// Checks the policy: a positive review interval and valid
    /// [`FieldWeights`] (the similarity floor is valid by construction).
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::knowledge::KnowledgePolicy;
    /// assert!(KnowledgePolicy::default().validate().is_ok());
    /// let p = KnowledgePolicy { review_interval: TimeDelta::zero(), ..Default::default() };
    /// assert!(p.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first bad setting.
    pub fn validate(&self) -> Result<()> {
        if self.review_interval <= TimeDelta::zero() {
            return Err(Error::validation(
                "review_interval",
                format!("{} must be positive", self.review_interval),
            ));
        }
        self.weights.validate()
    }
}

impl Default for KnowledgePolicy {
    fn default() -> Self {
        Self {
            review_interval: TimeDelta::days(180),
            analyzer: Analyzer::default(),
            weights: FieldWeights::default(),
            min_gap_searches: 2,
            min_semantic_similarity: SimilarityFloor::DEFAULT,
        }
    }
}

/// What AI enhancement proposes for an article (from
/// [`AiProvider::enhance_article`](crate::ai::AiProvider::enhance_article)).
///
/// ```
/// use hotcrm_support::knowledge::Enhancement;
/// let e = Enhancement { summary: Some("Reset a password.".into()), tags: vec!["password".into()], ..Enhancement::default() };
/// assert!(e.summary.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Enhancement {
    /// A category, used only when the article has none (`Other`).
    #[serde(default)]
    pub category: Option<ArticleCategory>,
    /// A summary, used only when the article has none.
    pub summary: Option<String>,
    /// Tags to add (merged with the author's, de-duplicated).
    pub tags: Vec<String>,
    /// Search keywords (replace previous AI keywords).
    pub keywords: Vec<String>,
}

/// The knowledge base: articles, their versions and the search machinery.
///
/// It is an in-memory aggregate: the desk loads articles from its repository
/// ([`KnowledgeBase::from_articles`]), runs commands, and saves the changed records
/// ([`KnowledgeBase::article`]). Reads that must respect visibility take a
/// [`Viewer`]; editor reads ([`KnowledgeBase::article`], [`KnowledgeBase::versions`])
/// do not.
///
/// # Numbering
///
/// [`KnowledgeBase::create`] numbers from an in-memory per-year counter that
/// starts above every number the base holds (loaded or created), so it never
/// hands out a number twice *within this base*. It cannot see other processes:
/// a host running several desks (or knowledge bases) on one store must number
/// through the desk, which allocates from the repository's sequence inside its
/// commit and calls [`KnowledgeBase::create_numbered`]; that refuses a number
/// already used with [`Error::AlreadyExists`].
///
/// # Search analytics retention
///
/// The query log is bounded by the base's [`AnalyticsRetention`] (default:
/// 90 days, 100,000 records, 100 clicked articles per search; see
/// [`KnowledgeBase::set_retention`]): recording and clicks keep to the count
/// bounds at once, the age bound is applied by
/// [`KnowledgeBase::enforce_retention`], which the host's periodic sweep calls.
///
/// # Example: write, review, publish, search
///
/// ```
/// use hotcrm_support::ids::AgentId;
/// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, SearchQuery, Viewer};
///
/// let now = "2026-03-02T09:00:00Z".parse()?;
/// let reviewer = AgentId::from_u128(7);
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(
///     ArticleDraft::new("How to reset your password", "1. Click **Forgot password**.\n2. Check your email.")
///         .summary("Reset a forgotten password from the sign-in page."),
///     now,
/// )?;
/// kb.submit_for_review(id, reviewer, now)?;
/// kb.publish(id, reviewer, now)?;
///
/// let results = kb.search(&SearchQuery::new("forgot password"), &Viewer::Anonymous);
/// assert_eq!(results.hits[0].number.to_string(), "KB-2026-0001");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    policy: KnowledgePolicy,
    articles: HashMap<ArticleId, KnowledgeArticle>,
    /// Versions of each article, oldest first.
    versions: BTreeMap<KnowledgeNumber, Vec<ArticleId>>,
    slugs: HashMap<String, KnowledgeNumber>,
    sequences: BTreeMap<i32, u32>,
    index: SearchIndex,
    analytics: SearchAnalytics,
    /// The repository version of each version record absorbed with
    /// [`KnowledgeBase::absorb_stored`] (an older copy never replaces a newer one).
    stored: HashMap<ArticleId, u64>,
}

fn not_found(id: ArticleId) -> Error {
    Error::NotFound {
        kind: "article",
        id: id.to_string(),
    }
}

impl KnowledgeBase {
    /// An empty knowledge base with the default policy.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let kb = KnowledgeBase::new();
    /// assert_eq!(kb.articles().count(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self::unchecked(KnowledgePolicy::default())
    }

    /// An empty knowledge base with `policy`.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, KnowledgePolicy};
    /// let kb = KnowledgeBase::with_policy(KnowledgePolicy { min_gap_searches: 5, ..Default::default() })?;
    /// assert_eq!(kb.policy().min_gap_searches, 5);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid policy ([`KnowledgePolicy::validate`]).
    pub fn with_policy(policy: KnowledgePolicy) -> Result<Self> {
        policy.validate()?;
        Ok(Self::unchecked(policy))
    }

    /// [`KnowledgeBase::with_policy`] for a policy already validated.
    fn unchecked(policy: KnowledgePolicy) -> Self {
        let mut index = SearchIndex::unchecked(policy.analyzer, policy.weights);
        index.set_min_semantic_similarity(policy.min_semantic_similarity);
        Self {
            policy,
            index,
            ..Self::default()
        }
    }

    /// Rebuilds a knowledge base from stored article versions.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`] for a duplicated version id, a slug used by two
    /// numbers, or two live (or two open draft) versions of one number;
    /// [`Error::Validation`] for a version that fails
    /// [`KnowledgeArticle::validate`] (the check loading runs).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, KnowledgePolicy};
    /// let mut kb = KnowledgeBase::new();
    /// kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// let stored: Vec<_> = kb.articles().cloned().collect();
    /// let again = KnowledgeBase::from_articles(KnowledgePolicy::default(), stored)?;
    /// assert_eq!(again.articles().count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_articles(
        policy: KnowledgePolicy,
        articles: impl IntoIterator<Item = KnowledgeArticle>,
    ) -> Result<Self> {
        let mut kb = Self::with_policy(policy)?;
        let mut all: Vec<KnowledgeArticle> = articles.into_iter().collect();
        all.sort_by(|a, b| a.number.cmp(&b.number).then(a.version.cmp(&b.version)));
        for a in all {
            a.validate()?;
            if kb.articles.contains_key(&a.id) {
                return Err(Error::AlreadyExists {
                    kind: "article version",
                    key: a.id.to_string(),
                });
            }
            match kb.slugs.get(&a.slug) {
                Some(n) if *n != a.number => {
                    return Err(Error::AlreadyExists {
                        kind: "article slug",
                        key: a.slug.clone(),
                    });
                }
                _ => {}
            }
            if a.status == ArticleStatus::Published && kb.live(a.number).is_some() {
                return Err(Error::AlreadyExists {
                    kind: "published version",
                    key: a.number.to_string(),
                });
            }
            if a.status.is_open_draft() && kb.open_draft(a.number).is_some() {
                return Err(Error::AlreadyExists {
                    kind: "draft version",
                    key: a.number.to_string(),
                });
            }
            let seq = kb.sequences.entry(a.number.year()).or_insert(0);
            *seq = (*seq).max(a.number.sequence());
            kb.slugs.insert(a.slug.clone(), a.number);
            kb.versions.entry(a.number).or_default().push(a.id);
            let mut a = a;
            kb.index_stored(&mut a);
            kb.articles.insert(a.id, a);
        }
        Ok(kb)
    }

    /// The policy.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert_eq!(kb.policy().review_interval.num_days(), 180);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(&self) -> &KnowledgePolicy {
        &self.policy
    }

    /// Sets the cosine similarity a vector hit needs to take part in hybrid search
    /// ([`KnowledgePolicy::min_semantic_similarity`]), for example after switching
    /// to an embedding model with another scale. Takes effect on the next search;
    /// nothing is re-indexed.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `min_semantic_similarity`) when `floor` is not
    /// finite or outside `-1.0..=1.0`; the knowledge base is then unchanged.
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::Error;
    /// use hotcrm_support::knowledge::KnowledgeBase;
    ///
    /// let mut kb = KnowledgeBase::new();
    /// // A model whose unrelated texts still score about 0.7:
    /// kb.set_min_semantic_similarity(0.75)?;
    /// assert_eq!(kb.policy().min_semantic_similarity.get(), 0.75);
    ///
    /// let err = kb.set_min_semantic_similarity(1.5).unwrap_err();
    /// assert!(matches!(err, Error::Validation { field: "min_semantic_similarity", .. }));
    /// assert!(kb.set_min_semantic_similarity(f32::NAN).is_err());
    /// assert_eq!(kb.policy().min_semantic_similarity.get(), 0.75); // unchanged
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn set_min_semantic_similarity(&mut self, floor: f32) -> Result<()> {
        let floor = SimilarityFloor::new(floor)?;
        self.policy.min_semantic_similarity = floor;
        self.index.set_min_semantic_similarity(floor);
        Ok(())
    }

    /// Sets the ranking rules of search (see [`SearchRules`]); takes effect on the
    /// next search, nothing is re-indexed.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchRules};
    /// let mut kb = KnowledgeBase::new();
    /// let mut rules = SearchRules::default();
    /// rules.vector_weight = 0.0; // hybrid ranks exactly like BM25F
    /// kb.set_search_rules(rules);
    /// assert_eq!(kb.index().search_rules().vector_weight, 0.0);
    /// ```
    pub fn set_search_rules(&mut self, rules: SearchRules) {
        self.index.set_search_rules(rules);
    }

    /// The search index (live versions only).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// assert_eq!(kb.index().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// The query log.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert!(kb.analytics().records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn analytics(&self) -> &SearchAnalytics {
        &self.analytics
    }

    /// Replaces the search log, e.g. with one the host stored (the log is serde;
    /// loading validates it). New searches continue its ids. The log takes this
    /// base's [`AnalyticsRetention`], whose count bounds apply at once (the
    /// report says what they removed); the age bound waits for the next
    /// [`KnowledgeBase::enforce_retention`].
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
    /// let now = "2026-01-10T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("export contacts"), &Viewer::Employee);
    /// let first = kb.record_search(&r, now);
    /// let stored = serde_json::to_string(kb.analytics())?;
    ///
    /// let mut restarted = KnowledgeBase::new();
    /// restarted.restore_analytics(serde_json::from_str(&stored)?);
    /// assert_eq!(restarted.analytics().records().len(), 1);
    /// assert!(restarted.record_search(&r, now) > first, "ids continue");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restore_analytics(&mut self, mut log: SearchAnalytics) -> RetentionReport {
        let report = log.set_retention(*self.analytics.retention());
        self.analytics = log;
        report
    }

    /// The retention policy of the query log (default
    /// [`AnalyticsRetention::DEFAULT`]).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{AnalyticsRetention, KnowledgeBase};
    /// assert_eq!(KnowledgeBase::new().retention(), &AnalyticsRetention::default());
    /// ```
    pub fn retention(&self) -> &AnalyticsRetention {
        self.analytics.retention()
    }

    /// Sets the retention policy of the query log: from now on recording keeps at
    /// most `max_records` records and a search lists at most
    /// `max_clicks_per_search` clicked articles. Both bounds apply at once to what
    /// the log holds (the report says what they removed); `max_age` applies at
    /// the next [`KnowledgeBase::enforce_retention`].
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::knowledge::{AnalyticsRetention, KnowledgeBase, SearchQuery, Viewer};
    /// let now = "2026-01-10T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("fax"), &Viewer::Employee);
    /// for _ in 0..3 {
    ///     kb.record_search(&r, now);
    /// }
    /// let report = kb.set_retention(AnalyticsRetention::new(TimeDelta::days(30), 2, 10)?);
    /// assert_eq!((report.over_limit, kb.analytics().records().len()), (1, 2));
    /// kb.record_search(&r, now);
    /// assert_eq!(kb.analytics().records().len(), 2, "the oldest goes first");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_retention(&mut self, retention: AnalyticsRetention) -> RetentionReport {
        self.analytics.set_retention(retention)
    }

    /// [`KnowledgeBase::set_retention`] as a builder (on a fresh base there is
    /// nothing to remove).
    ///
    /// ```
    /// use chrono::TimeDelta;
    /// use hotcrm_support::knowledge::{AnalyticsRetention, KnowledgeBase};
    /// let r = AnalyticsRetention::new(TimeDelta::days(30), 50_000, 20)?;
    /// let kb = KnowledgeBase::new().with_retention(r);
    /// assert_eq!(kb.retention(), &r);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    #[must_use]
    pub fn with_retention(mut self, retention: AnalyticsRetention) -> Self {
        self.set_retention(retention);
        self
    }

    /// Applies `retention` to the query log at `now`: drops searches and answers
    /// made more than `max_age` before `now`, then the oldest beyond
    /// `max_records`, then clicked articles beyond `max_clicks_per_search` (their
    /// clicks stay counted). The desk's periodic sweep calls it with the policy
    /// of its configuration; the base's own policy (which recording uses, see
    /// [`KnowledgeBase::set_retention`]) is not changed. Article counters are
    /// never touched.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{AnalyticsRetention, KnowledgeBase, SearchQuery, Viewer};
    /// let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("fax"), &Viewer::Employee);
    /// kb.record_search(&r, "2026-01-01T00:00:00Z".parse()?);
    /// kb.record_search(&r, "2026-03-15T00:00:00Z".parse()?);
    /// let report = kb.enforce_retention(&AnalyticsRetention::default(), "2026-04-15T00:00:00Z".parse()?);
    /// assert_eq!((report.expired, kb.analytics().records().len()), (1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn enforce_retention(
        &mut self,
        retention: &AnalyticsRetention,
        now: DateTime<Utc>,
    ) -> RetentionReport {
        self.analytics.apply_retention(retention, now)
    }

    /// Drops search records made before `before`, to bound the log's memory in a
    /// long-running host (gap reports only look at the period asked for).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
    /// let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("export contacts"), &Viewer::Employee);
    /// kb.record_search(&r, "2026-01-10T00:00:00Z".parse()?);
    /// kb.prune_analytics_before("2026-02-01T00:00:00Z".parse()?);
    /// assert!(kb.analytics().records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prune_analytics_before(&mut self, before: DateTime<Utc>) {
        self.analytics.prune_before(before);
    }

    /// Every stored version, in no particular order.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert_eq!(kb.articles().count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn articles(&self) -> impl Iterator<Item = &KnowledgeArticle> + '_ {
        self.articles.values()
    }

    /// One version by id (editor access: no visibility check).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert_eq!(kb.article(id)?.title, "Export contacts to CSV");
    /// assert!(kb.article(hotcrm_support::ids::ArticleId::from_u128(9)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn article(&self, id: ArticleId) -> Result<&KnowledgeArticle> {
        self.articles.get(&id).ok_or_else(|| not_found(id))
    }

    /// All versions of an article, oldest first (editor access).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// assert_eq!(kb.versions(kb.article(id)?.number).len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn versions(&self, number: KnowledgeNumber) -> Vec<&KnowledgeArticle> {
        self.versions
            .get(&number)
            .map(|ids| ids.iter().filter_map(|id| self.articles.get(id)).collect())
            .unwrap_or_default()
    }

    /// The live (published) version of an article, if any (editor access).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let n = kb.article(id)?.number;
    /// assert_eq!(kb.live(n).map(|a| a.id), Some(id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn live(&self, number: KnowledgeNumber) -> Option<&KnowledgeArticle> {
        self.versions(number).into_iter().find(|a| a.is_published())
    }

    fn open_draft(&self, number: KnowledgeNumber) -> Option<&KnowledgeArticle> {
        self.versions(number)
            .into_iter()
            .find(|a| a.status.is_open_draft())
    }

    /// The live version `viewer` may read, by slug or by KnowledgeNumber text.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when there is no such live article *or the viewer may not
    /// read it* (existence is not leaked).
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, Viewer, Visibility};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("Runbook", "Restart it.").summary("Ops runbook.").visibility(Visibility::Internal), now)?;
    /// kb.submit_for_review(id, AgentId::from_u128(1), now)?;
    /// kb.publish(id, AgentId::from_u128(1), now)?;
    /// assert!(kb.find_readable("runbook", &Viewer::Employee).is_ok());
    /// assert!(kb.find_readable("KB-2026-0001", &Viewer::Anonymous).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_readable(
        &self,
        slug_or_number: &str,
        viewer: &Viewer,
    ) -> Result<&KnowledgeArticle> {
        let number = slug_or_number
            .parse::<KnowledgeNumber>()
            .ok()
            .or_else(|| self.slugs.get(slug_or_number).copied());
        number
            .and_then(|n| self.live(n))
            .filter(|a| viewer.can_read(a))
            .ok_or_else(|| Error::NotFound {
                kind: "article",
                id: slug_or_number.chars().take(64).collect(),
            })
    }

    /// The number [`KnowledgeBase::create`] would give an article created in
    /// `year`: one above the highest sequence of that year the base holds
    /// (loaded, created or passed to [`KnowledgeBase::create_numbered`]), so
    /// never a number in use — but gaps below it are not reused. A desk can use
    /// it to check that its repository sequence is not behind the stored articles.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a year outside `1000..=9999`;
    /// [`Error::Overflow`] when the year's sequence has reached `u32::MAX`.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, KnowledgePolicy};
    /// let mut kb = KnowledgeBase::new();
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// kb.create_numbered(ArticleDraft::new("T", "C"), "KB-2026-0041".parse()?, now)?;
    /// let again = KnowledgeBase::from_articles(KnowledgePolicy::default(), kb.articles().cloned())?;
    /// assert_eq!(again.next_free_number(2026)?.to_string(), "KB-2026-0042");
    /// assert_eq!(again.next_free_number(2027)?.to_string(), "KB-2027-0001");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_free_number(&self, year: i32) -> Result<KnowledgeNumber> {
        let seq = self.sequences.get(&year).copied().unwrap_or(0);
        let next = seq.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("knowledge number sequence of {year}: {seq} is the last"),
        })?;
        KnowledgeNumber::new(year, next)
    }

    /// Creates a new article (version 1.0, `Draft`) numbered from the per-year
    /// sequence (see [`KnowledgeBase::next_free_number`]; hosts with several
    /// desks on one store number through the desk and
    /// [`KnowledgeBase::create_numbered`], see [Numbering](KnowledgeBase#numbering)),
    /// with a unique slug from its title. Returns its id.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the draft is invalid (see
    /// [`ArticleDraft::validate`]) or the article it makes would be (see
    /// [`KnowledgeArticle::validate`]: a tag that lowercasing lengthens past the
    /// limit); [`Error::Overflow`] when the year's sequence is exhausted.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let a = kb.create(ArticleDraft::new("Reset password", "..."), now)?;
    /// let b = kb.create(ArticleDraft::new("Reset password!", "..."), now)?;
    /// assert_eq!(kb.article(b)?.slug, "reset-password-2");
    /// assert_eq!(kb.article(b)?.number.to_string(), "KB-2026-0002");
    /// assert!(kb.create(ArticleDraft::new("", "..."), now).is_err());
    /// # let _ = a;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(&mut self, draft: ArticleDraft, now: DateTime<Utc>) -> Result<ArticleId> {
        let number = self.next_free_number(now.year())?;
        self.create_numbered(draft, number, now)
    }

    /// Like [`KnowledgeBase::create`] with a number allocated by the host (for
    /// example by the desk from its repository's sequence, inside its commit).
    /// The per-year counter of [`KnowledgeBase::create`] moves above `number`,
    /// so it never hands it out again.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid draft (as [`KnowledgeBase::create`]);
    /// [`Error::AlreadyExists`] (kind `knowledge number`) when any version of an
    /// article already has the number; the base is then unchanged.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// let n = "KB-2025-0042".parse()?;
    /// let other = kb.create_numbered(ArticleDraft::new("Import", "Upload a CSV."), n, now)?;
    /// assert_eq!(kb.article(other)?.number, n);
    /// assert!(kb.create_numbered(ArticleDraft::new("Dup", "x"), n, now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_numbered(
        &mut self,
        draft: ArticleDraft,
        number: KnowledgeNumber,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        draft.validate()?;
        if self.versions.contains_key(&number) {
            return Err(Error::AlreadyExists {
                kind: "knowledge number",
                key: number.to_string(),
            });
        }
        let slug = unique_slug(&slugify(draft.title.trim()), |s| self.slugs.contains_key(s));
        let id = ArticleId::new();
        let mut article = KnowledgeArticle {
            id,
            number,
            slug: slug.clone(),
            title: String::new(),
            summary: String::new(),
            content: String::new(),
            category: draft.category,
            sub_category: None,
            tags: Vec::new(),
            ai_keywords: Vec::new(),
            product: None,
            status: ArticleStatus::Draft,
            visibility: draft.visibility,
            require_login: false,
            min_portal_tier: None,
            version: super::article::ArticleVersion::FIRST,
            version_notes: None,
            author: None,
            reviewer: None,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            published_at: None,
            archived_at: None,
            last_reviewed_at: None,
            next_review_at: None,
            counters: Default::default(),
            quality_score: 0,
            language: draft.language,
            ratings: Default::default(),
            embedding: None,
        };
        article.apply_draft(draft);
        article.quality_score = quality_score(&article, now);
        article.validate()?;
        let seq = self.sequences.entry(number.year()).or_insert(0);
        *seq = (*seq).max(number.sequence());
        self.slugs.insert(slug, number);
        self.versions.entry(number).or_default().push(id);
        self.articles.insert(id, article);
        Ok(id)
    }

    /// Removes a draft that is the only version of its article (never submitted,
    /// never published) and returns it: its number and slug become free again.
    /// The desk uses it to take back a creation whose commit failed.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("Reset password", "..."), now)?;
    /// let draft = kb.discard_draft(id)?;
    /// assert_eq!(draft.slug, "reset-password");
    /// assert!(kb.article(id).is_err());
    /// let again = kb.create(ArticleDraft::new("Reset password", "..."), now)?;
    /// assert_eq!(kb.article(again)?.slug, "reset-password");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id; [`Error::NotAllowed`] for an
    /// article that is not a draft or has other versions (archive those instead).
    pub fn discard_draft(&mut self, id: ArticleId) -> Result<KnowledgeArticle> {
        let article = self.article(id)?;
        let number = article.number;
        let only_version = self
            .versions
            .get(&number)
            .is_some_and(|v| v.as_slice() == [id]);
        if article.status != ArticleStatus::Draft || !only_version {
            return Err(Error::NotAllowed {
                command: "discard draft",
                reason: format!(
                    "{number} is {:?} or has other versions; only a lone draft can be discarded",
                    article.status
                ),
            });
        }
        let article = self.articles.remove(&id).ok_or_else(|| not_found(id))?;
        self.versions.remove(&number);
        self.slugs.remove(&article.slug);
        self.index.remove(id);
        Ok(article)
    }

    /// Edits an article.
    ///
    /// * A `Draft` is changed in place; the same id is returned.
    /// * A `Published` article is not touched: a new draft version (next minor
    ///   version) holding the edit is created and its id returned; what readers see
    ///   changes only when that draft is published. If an open draft already exists
    ///   for the article, the edit goes to it instead (when it is a `Draft`).
    ///
    /// The slug never changes (stable URLs).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid draft; [`Error::NotFound`] for an unknown
    /// id; [`Error::NotAllowed`] for an article in review (reject it first), an
    /// archived version, or a published one whose open draft is in review.
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, ArticleStatus, KnowledgeBase};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let r = AgentId::from_u128(1);
    /// let mut kb = KnowledgeBase::new();
    /// let v1 = kb.create(ArticleDraft::new("Reset password", "Old steps.").summary("How to reset."), now)?;
    /// kb.submit_for_review(v1, r, now)?;
    /// kb.publish(v1, r, now)?;
    /// let mut edit = kb.article(v1)?.to_draft();
    /// edit.content = "New steps.".into();
    /// let v2 = kb.edit(v1, edit, now)?;
    /// assert_ne!(v1, v2);
    /// assert_eq!(kb.article(v1)?.content, "Old steps."); // still live
    /// assert_eq!(kb.article(v2)?.status, ArticleStatus::Draft);
    /// assert_eq!(kb.article(v2)?.version.to_string(), "1.1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn edit(
        &mut self,
        id: ArticleId,
        draft: ArticleDraft,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        draft.validate()?;
        let article = self.article(id)?;
        // `Some(id)`: edit that version in place; `None`: start a new version of `id`.
        let existing = match article.status {
            ArticleStatus::Draft => Some(id),
            ArticleStatus::Published => match self.open_draft(article.number) {
                Some(d) if d.status == ArticleStatus::Draft => Some(d.id),
                Some(_) => {
                    return Err(Error::NotAllowed {
                        command: "edit",
                        reason: format!(
                            "a new version of {} is in review; reject it first",
                            article.number
                        ),
                    });
                }
                None => None,
            },
            ArticleStatus::InReview => {
                return Err(Error::NotAllowed {
                    command: "edit",
                    reason: format!(
                        "{} is in review; reject it back to draft first",
                        article.number
                    ),
                });
            }
            ArticleStatus::Archived => {
                return Err(Error::NotAllowed {
                    command: "edit",
                    reason: format!(
                        "version {} of {} is archived",
                        article.version, article.number
                    ),
                });
            }
        };
        // The edited record must pass the check loading runs; try it on a copy of
        // the version whose fields it replaces, before anything changes.
        let mut probe = self.article(existing.unwrap_or(id))?.clone();
        probe.apply_draft(draft.clone());
        probe.validate()?;
        let target = match existing {
            Some(target) => target,
            None => self.start_new_version(id, VersionBump::Minor, None, now)?,
        };
        let a = self
            .articles
            .get_mut(&target)
            .ok_or_else(|| not_found(target))?;
        a.apply_draft(draft);
        a.updated_at = now;
        a.quality_score = quality_score(a, now);
        Ok(target)
    }

    /// Starts a new draft version of a published article: a copy of the live
    /// version with the version bumped and `notes` as version notes. Returns the new id.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::NotAllowed`] when `id` is not the live version;
    /// [`Error::AlreadyExists`] when the article already has an open draft;
    /// [`Error::Validation`] (field `version_notes`) for notes longer than the
    /// summary limit.
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, VersionBump};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let r = AgentId::from_u128(1);
    /// let mut kb = KnowledgeBase::new();
    /// let v1 = kb.create(ArticleDraft::new("T", "C").summary("S"), now)?;
    /// kb.submit_for_review(v1, r, now)?;
    /// kb.publish(v1, r, now)?;
    /// let v2 = kb.start_new_version(v1, VersionBump::Major, Some("2026 release".into()), now)?;
    /// assert_eq!(kb.article(v2)?.version.to_string(), "2.0");
    /// assert!(kb.start_new_version(v1, VersionBump::Minor, None, now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_new_version(
        &mut self,
        id: ArticleId,
        bump: VersionBump,
        notes: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ArticleId> {
        let live = self.article(id)?;
        if !live.is_published() {
            return Err(Error::NotAllowed {
                command: "start new version",
                reason: format!(
                    "version {} of {} is {}, not published",
                    live.version, live.number, live.status
                ),
            });
        }
        if let Some(open) = self.open_draft(live.number) {
            return Err(Error::AlreadyExists {
                kind: "draft version",
                key: format!("{} {}", open.number, open.version),
            });
        }
        let highest = self
            .versions(live.number)
            .iter()
            .map(|a| a.version)
            .max()
            .unwrap_or(live.version);
        let mut draft = live.clone();
        draft.id = ArticleId::new();
        draft.status = ArticleStatus::Draft;
        draft.version = bump.apply(highest);
        draft.version_notes = notes;
        draft.reviewer = None;
        draft.created_at = now;
        draft.updated_at = now;
        draft.submitted_at = None;
        draft.published_at = None;
        draft.archived_at = None;
        draft.validate()?;
        let new_id = draft.id;
        self.versions.entry(draft.number).or_default().push(new_id);
        self.articles.insert(new_id, draft);
        Ok(new_id)
    }

    /// Sets the version notes of an open draft.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::NotAllowed`] unless the version is a `Draft`;
    /// [`Error::Validation`] for notes longer than the summary limit.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// kb.set_version_notes(id, "Fixed typos.")?;
    /// assert_eq!(kb.article(id)?.version_notes.as_deref(), Some("Fixed typos."));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_version_notes(&mut self, id: ArticleId, notes: impl Into<String>) -> Result<()> {
        let notes = notes.into();
        if notes.chars().count() > MAX_SUMMARY_CHARS {
            return Err(Error::validation(
                "version_notes",
                format!(
                    "{} characters exceeds the limit of {MAX_SUMMARY_CHARS}",
                    notes.chars().count()
                ),
            ));
        }
        let a = self.articles.get_mut(&id).ok_or_else(|| not_found(id))?;
        if a.status != ArticleStatus::Draft {
            return Err(Error::NotAllowed {
                command: "set version notes",
                reason: format!("{} {} is {}", a.number, a.version, a.status),
            });
        }
        a.version_notes = Some(notes);
        Ok(())
    }

    fn transition(&mut self, id: ArticleId, to: ArticleStatus) -> Result<&mut KnowledgeArticle> {
        let a = self.articles.get_mut(&id).ok_or_else(|| not_found(id))?;
        if !a.status.can_transition_to(to) {
            return Err(Error::InvalidTransition {
                entity: "article",
                from: a.status.to_string(),
                to: to.to_string(),
            });
        }
        Ok(a)
    }

    /// Submits a draft for review by `reviewer`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] unless it is a `Draft`;
    /// [`Error::Validation`] when the summary is empty (a reviewer needs one).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// kb.submit_for_review(id, r, now)?;
    /// assert_eq!(kb.article(id)?.status, ArticleStatus::InReview);
    /// assert!(kb.submit_for_review(id, r, now).is_err()); // already in review
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit_for_review(
        &mut self,
        id: ArticleId,
        reviewer: AgentId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let a = self.transition(id, ArticleStatus::InReview)?;
        if a.summary.trim().is_empty() {
            return Err(Error::validation(
                "summary",
                "must not be empty before review (write one or apply AI enhancement)",
            ));
        }
        a.status = ArticleStatus::InReview;
        a.reviewer = Some(reviewer);
        a.submitted_at = Some(now);
        a.updated_at = now;
        Ok(())
    }

    /// Sends an article in review back to `Draft` (the reviewer rejected it).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] unless it is `InReview`.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// kb.submit_for_review(id, r, now)?;
    /// kb.reject(id, now)?;
    /// assert_eq!(kb.article(id)?.status, ArticleStatus::Draft);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reject(&mut self, id: ArticleId, now: DateTime<Utc>) -> Result<()> {
        let a = self.transition(id, ArticleStatus::Draft)?;
        a.status = ArticleStatus::Draft;
        a.updated_at = now;
        Ok(())
    }

    /// Publishes a version in review: it goes live, the previous live version of
    /// the same article (if any) is archived, counters carry over, and the review
    /// dates are set (`last_reviewed_at = now`, `next_review_at = now +
    /// review_interval`). Returns the archived previous version, if any.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] unless it is `InReview`.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// kb.submit_for_review(id, r, now)?;
    /// assert_eq!(kb.publish(id, r, now)?, None);
    /// let a = kb.article(id)?;
    /// assert_eq!(a.status, ArticleStatus::Published);
    /// assert_eq!(a.next_review_at, Some(now + chrono::TimeDelta::days(180)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn publish(
        &mut self,
        id: ArticleId,
        reviewer: AgentId,
        now: DateTime<Utc>,
    ) -> Result<Option<ArticleId>> {
        let number = self.transition(id, ArticleStatus::Published)?.number;
        let previous = self
            .live(number)
            .map(|a| (a.id, (a.counters, a.ratings.clone())));
        let next_review = now.checked_add_signed(self.policy.review_interval);
        if let Some((prev, _)) = previous {
            if let Some(p) = self.articles.get_mut(&prev) {
                p.status = ArticleStatus::Archived;
                p.archived_at = Some(now);
                p.updated_at = now;
            }
            self.index.remove(prev);
        }
        let a = self.articles.get_mut(&id).ok_or_else(|| not_found(id))?;
        a.status = ArticleStatus::Published;
        a.reviewer = Some(reviewer);
        a.published_at = Some(now);
        a.last_reviewed_at = Some(now);
        a.next_review_at = next_review;
        a.updated_at = now;
        let previous_id = previous.as_ref().map(|p| p.0);
        if let Some((_, (counters, ratings))) = previous {
            a.counters = counters;
            a.ratings = ratings;
        }
        a.quality_score = quality_score(a, now);
        self.index.upsert(a);
        if let Some(e) = a.embedding.clone() {
            if self.index.set_embedding(id, &e).is_err() {
                // A vector of another model's dimension: embed it again.
                a.embedding = None;
            }
        }
        Ok(previous_id)
    }

    /// Archives a published article (it leaves search) or discards a draft.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::InvalidTransition`] from `InReview` or `Archived`.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.archive(id, now)?;
    /// assert!(kb.search(&SearchQuery::new("csv"), &Viewer::Employee).hits.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn archive(&mut self, id: ArticleId, now: DateTime<Utc>) -> Result<()> {
        let a = self.transition(id, ArticleStatus::Archived)?;
        a.status = ArticleStatus::Archived;
        a.archived_at = Some(now);
        a.updated_at = now;
        self.index.remove(id);
        Ok(())
    }

    /// Records a periodic review of the live version: `last_reviewed_at = now` and
    /// the next review date moves to `next_review` (default `now + review_interval`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::NotAllowed`] unless the version is published;
    /// [`Error::Validation`] when `next_review` is not after `now`.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let later = now + chrono::TimeDelta::days(200);
    /// assert!(kb.article(id)?.is_review_overdue(later));
    /// kb.mark_reviewed(id, r, None, later)?;
    /// assert!(!kb.article(id)?.is_review_overdue(later));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mark_reviewed(
        &mut self,
        id: ArticleId,
        reviewer: AgentId,
        next_review: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if next_review.is_some_and(|n| n <= now) {
            return Err(Error::validation("next review", "must be after the review"));
        }
        let default_next = now.checked_add_signed(self.policy.review_interval);
        let a = self.articles.get_mut(&id).ok_or_else(|| not_found(id))?;
        if !a.is_published() {
            return Err(Error::NotAllowed {
                command: "mark reviewed",
                reason: format!("{} {} is {}", a.number, a.version, a.status),
            });
        }
        a.reviewer = Some(reviewer);
        a.last_reviewed_at = Some(now);
        a.next_review_at = next_review.or(default_next);
        a.quality_score = quality_score(a, now);
        Ok(())
    }

    /// The version whose counters change for `id`: the live version of its article
    /// when there is one (a case may link an archived version), else `id` itself.
    fn counter_target(&mut self, id: ArticleId) -> Result<&mut KnowledgeArticle> {
        let number = self.article(id)?.number;
        let target = self.live(number).map_or(id, |a| a.id);
        self.articles
            .get_mut(&target)
            .ok_or_else(|| not_found(target))
    }

    /// Counts a view of an article (of its live version, see `record_case_resolved`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.record_view(id)?;
    /// assert_eq!(kb.article(id)?.counters.views, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_view(&mut self, id: ArticleId) -> Result<()> {
        let a = self.counter_target(id)?;
        a.counters.views = a.counters.views.saturating_add(1);
        Ok(())
    }

    /// Counts a "helpful" / "not helpful" vote and refreshes the quality score.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.record_vote(id, true, now)?;
    /// kb.record_vote(id, false, now)?;
    /// assert_eq!(kb.article(id)?.helpful_score(), Some(50.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_vote(&mut self, id: ArticleId, helpful: bool, now: DateTime<Utc>) -> Result<()> {
        let a = self.counter_target(id)?;
        if helpful {
            a.counters.helpful = a.counters.helpful.saturating_add(1);
        } else {
            a.counters.not_helpful = a.counters.not_helpful.saturating_add(1);
        }
        a.quality_score = quality_score(a, now);
        Ok(())
    }

    /// Usage tracking: a case was resolved with article `id`. The desk calls this
    /// when a case is resolved with a linked article. The count goes to the live
    /// version of the article when there is one, else to `id` itself.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("T", "C"), "2026-01-01T00:00:00Z".parse()?)?;
    /// kb.record_case_resolved(id)?;
    /// assert_eq!(kb.article(id)?.counters.cases_resolved, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_case_resolved(&mut self, id: ArticleId) -> Result<()> {
        let a = self.counter_target(id)?;
        a.counters.cases_resolved = a.counters.cases_resolved.saturating_add(1);
        Ok(())
    }

    /// Records `rater`'s 1–5 star rating of the article (on its live version,
    /// like the counters), replacing their previous rating. Returns whether
    /// anything changed: the same rating again is a no-op.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id; [`Error::NotAllowed`] when the
    /// article has no live version (only published articles are rated);
    /// [`Error::Validation`] (field `rating`) outside 1–5. Nothing changes then.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert!(kb.rate(id, Rater::Agent(r), 5).is_err()); // a draft
    /// kb.submit_for_review(id, r, now)?;
    /// kb.publish(id, r, now)?;
    /// assert!(kb.rate(id, Rater::Agent(r), 5)?);
    /// assert!(kb.rate(id, Rater::Agent(AgentId::from_u128(2)), 2)?);
    /// assert!(!kb.rate(id, Rater::Agent(r), 5)?); // the same rating again
    /// assert_eq!(kb.article(id)?.average_rating(), Some(3.5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate(&mut self, id: ArticleId, rater: Rater, rating: u8) -> Result<bool> {
        let a = self.counter_target(id)?;
        if !a.is_published() {
            return Err(Error::NotAllowed {
                command: "rate article",
                reason: format!("{} has no published version", a.number),
            });
        }
        a.ratings.rate(rater, rating)
    }

    /// Replaces (or adds) article versions with their stored copies, each with
    /// its repository version — what a desk does after a commit, so its
    /// knowledge base follows the store. A copy older than one absorbed
    /// before (a lower version) is ignored, so commits absorbed out of order
    /// never bring back stale data. Live versions are (re)indexed with their
    /// stored embedding; other versions leave the index. Returns how many
    /// records were taken.
    ///
    /// The store is the truth: the records are taken as they are (each must
    /// pass [`KnowledgeArticle::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a record that fails validation;
    /// [`Error::AlreadyExists`] for a slug another article number uses. The
    /// base is unchanged then.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("Export contacts", "Open Contacts."), now)?;
    /// let mut stored = kb.article(id)?.clone();
    /// stored.title = "Export contacts to CSV".into();
    /// assert_eq!(kb.absorb_stored(vec![(stored.clone(), 2)])?, 1);
    /// assert_eq!(kb.article(id)?.title, "Export contacts to CSV");
    /// stored.title = "Old title".into();
    /// assert_eq!(kb.absorb_stored(vec![(stored, 1)])?, 0); // older than what it has
    /// assert_eq!(kb.article(id)?.title, "Export contacts to CSV");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn absorb_stored(&mut self, batch: Vec<(KnowledgeArticle, u64)>) -> Result<usize> {
        let mut take = Vec::new();
        for (a, version) in batch {
            if self
                .stored
                .get(&a.id)
                .is_some_and(|known| *known >= version)
            {
                continue;
            }
            a.validate()?;
            match self.slugs.get(&a.slug) {
                Some(n) if *n != a.number => {
                    return Err(Error::AlreadyExists {
                        kind: "article slug",
                        key: a.slug.clone(),
                    });
                }
                _ => {}
            }
            take.push((a, version));
        }
        let taken = take.len();
        for (mut a, version) in take {
            let id = a.id;
            if let Some(old) = self.articles.get(&id) {
                if old.slug != a.slug && self.versions.get(&old.number).is_none_or(|v| v.len() <= 1)
                {
                    self.slugs.remove(&old.slug);
                }
            } else {
                let ids = self.versions.entry(a.number).or_default();
                ids.push(id);
                let articles = &self.articles;
                let version_of = |x: &ArticleId| {
                    if *x == id {
                        Some(a.version)
                    } else {
                        articles.get(x).map(|v| v.version)
                    }
                };
                ids.sort_by_key(|x| version_of(x));
            }
            let seq = self.sequences.entry(a.number.year()).or_insert(0);
            *seq = (*seq).max(a.number.sequence());
            self.slugs.insert(a.slug.clone(), a.number);
            self.index_stored(&mut a);
            self.stored.insert(id, version);
            self.articles.insert(id, a);
        }
        Ok(taken)
    }

    /// Puts a loaded version in the index when it is live (with its stored
    /// embedding; one of another dimension is dropped, to be embedded again),
    /// else takes it out.
    fn index_stored(&mut self, a: &mut KnowledgeArticle) {
        if !a.is_published() {
            self.index.remove(a.id);
            return;
        }
        self.index.upsert(a);
        if let Some(e) = a.embedding.take() {
            if self.index.set_embedding(a.id, &e).is_ok() {
                a.embedding = self.index.embedding(a.id).map(<[f32]>::to_vec);
            }
        }
    }

    /// Recomputes every quality score at `now` (freshness decays with time).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let before = kb.article(id)?.quality_score;
    /// kb.refresh_quality(now + chrono::TimeDelta::days(1000));
    /// assert!(kb.article(id)?.quality_score < before);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn refresh_quality(&mut self, now: DateTime<Utc>) {
        for a in self.articles.values_mut() {
            a.quality_score = quality_score(a, now);
        }
    }

    /// The article `id` if it is an open draft (the only state enhancement may
    /// change), else [`Error::NotAllowed`] naming `command`.
    pub(crate) fn enhanceable(
        &self,
        id: ArticleId,
        command: &'static str,
    ) -> Result<&KnowledgeArticle> {
        let a = self.article(id)?;
        if !a.status.is_open_draft() {
            return Err(Error::NotAllowed {
                command,
                reason: format!("{} {} is {}", a.number, a.version, a.status),
            });
        }
        Ok(a)
    }

    /// Applies AI enhancement to a draft: adds tags, replaces AI keywords, fills
    /// the summary if it is empty and the category if it is `Other`; the
    /// quality score is refreshed.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::NotAllowed`] unless the version is a `Draft` or
    /// `InReview` (live content changes only through a new version);
    /// [`Error::Validation`] when the merged tags or the summary exceed the limits.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{ArticleCategory, ArticleDraft, Enhancement, KnowledgeBase};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("T", "C").tags(["login"]), now)?;
    /// kb.apply_enhancement(id, Enhancement { summary: Some("S.".into()), tags: vec!["Login".into(), "sso".into()], keywords: vec!["saml".into()], category: Some(ArticleCategory::Troubleshooting) }, now)?;
    /// let a = kb.article(id)?;
    /// assert_eq!((a.summary.as_str(), a.tags.clone()), ("S.", vec!["login".to_string(), "sso".to_string()]));
    /// assert_eq!(a.category, ArticleCategory::Troubleshooting);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_enhancement(
        &mut self,
        id: ArticleId,
        enhancement: Enhancement,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let a = self.enhanceable(id, "apply enhancement")?;
        let tags = normalize_tags(a.tags.iter().cloned().chain(enhancement.tags));
        let keywords = normalize_tags(enhancement.keywords);
        let summary = match enhancement.summary {
            Some(s) if a.summary.trim().is_empty() => {
                let s = s.trim().to_owned();
                if s.chars().count() > MAX_SUMMARY_CHARS {
                    return Err(Error::validation(
                        "summary",
                        "generated summary is too long",
                    ));
                }
                s
            }
            _ => a.summary.clone(),
        };
        let mut enhanced = a.clone();
        enhanced.tags = tags;
        enhanced.ai_keywords = keywords;
        enhanced.summary = summary;
        if let (ArticleCategory::Other, Some(category)) = (a.category, enhancement.category) {
            enhanced.category = category;
        }
        if enhanced.embedded_text() != a.embedded_text() {
            enhanced.embedding = None;
        }
        enhanced.updated_at = now;
        enhanced.quality_score = quality_score(&enhanced, now);
        enhanced.validate()?;
        self.articles.insert(id, enhanced);
        Ok(())
    }

    /// Stores the provider embedding of a live article for vector and hybrid search.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` is not a live version; [`Error::Validation`] for
    /// an empty, zero, non-finite or wrongly sized vector.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.set_embedding(id, &[0.0, 3.0, 4.0])?;
    /// assert!(kb.set_embedding(id, &[0.0, 0.0, 0.0]).is_err());
    /// assert!(kb.missing_embeddings().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_embedding(&mut self, id: ArticleId, embedding: &[f32]) -> Result<()> {
        self.index.set_embedding(id, embedding)?;
        let unit = self.index.embedding(id).map(<[f32]>::to_vec);
        if let Some(a) = self.articles.get_mut(&id) {
            a.embedding = unit;
        }
        Ok(())
    }

    /// The text an embedding of article `id` should be computed from (title,
    /// summary, tags and the start of the content).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert!(kb.embedding_text(id)?.starts_with("Export contacts to CSV"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn embedding_text(&self, id: ArticleId) -> Result<String> {
        let a = self.article(id)?;
        let head: String = a.content.chars().take(2_000).collect();
        Ok(format!(
            "{}\n{}\n{}\n{}",
            a.title,
            a.summary,
            a.tags.join(", "),
            head
        ))
    }

    /// Live articles that have no embedding yet.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// assert_eq!(kb.missing_embeddings(), [id]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing_embeddings(&self) -> Vec<ArticleId> {
        let mut ids: Vec<(KnowledgeNumber, ArticleId)> = self
            .articles
            .values()
            .filter(|a| a.is_published() && !self.index.has_embedding(a.id))
            .map(|a| (a.number, a.id))
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// BM25F keyword search over live articles `viewer` may read.
    ///
    /// An empty query, a query with only stop words or punctuation, or a zero limit
    /// returns an empty result; queries over [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS)
    /// characters are cut. Search does not record analytics: call
    /// [`KnowledgeBase::record_search`].
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let r = kb.search(&SearchQuery::new("export to csv"), &Viewer::Anonymous);
    /// assert_eq!(r.ids(), [id]);
    /// assert!(kb.search(&SearchQuery::new(""), &Viewer::Anonymous).hits.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn search(&self, query: &SearchQuery, viewer: &Viewer) -> SearchResults {
        self.index.search(query, viewer)
    }

    /// Exact cosine top-k over stored embeddings (see [`SearchIndex::vector_search`]).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a bad query embedding.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.set_embedding(id, &[1.0, 0.0])?;
    /// let hits = kb.vector_search(&[0.9, 0.1], &Viewer::Employee, &SearchFilters::default(), 5)?;
    /// assert_eq!(hits[0].article, id);
    /// assert!(hits[0].similarity.is_some_and(|s| s > 0.9));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn vector_search(
        &self,
        embedding: &[f32],
        viewer: &Viewer,
        filters: &super::SearchFilters,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        self.index.vector_search(embedding, viewer, filters, limit)
    }

    /// Hybrid search (BM25F + vector, reciprocal rank fusion); without an embedding
    /// it is BM25F alone. Vector hits below the policy's
    /// [`min_semantic_similarity`](KnowledgePolicy::min_semantic_similarity)
    /// (default 0.3) take no part.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a bad query embedding.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// kb.set_embedding(id, &[1.0, 0.0])?;
    /// let r = kb.hybrid_search(&SearchQuery::new("spreadsheet"), Some(&[1.0, 0.0]), &Viewer::Employee)?;
    /// assert_eq!(r.ids(), [id]); // no shared word, found by the embedding
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hybrid_search(
        &self,
        query: &SearchQuery,
        embedding: Option<&[f32]>,
        viewer: &Viewer,
    ) -> Result<SearchResults> {
        self.index.hybrid_search(query, embedding, viewer)
    }

    /// Articles related to article `id` (its title, summary and tags as the query,
    /// plus its embedding when stored), excluding every version of itself, visible
    /// to `viewer`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let other = kb.create(ArticleDraft::new("Import contacts from CSV", "Upload a CSV.").summary("Import a CSV."), now)?;
    /// kb.submit_for_review(other, r, now)?;
    /// kb.publish(other, r, now)?;
    /// let hits = kb.related(id, &Viewer::Employee, 3)?;
    /// assert_eq!(hits.iter().map(|h| h.article).collect::<Vec<_>>(), [other]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn related(&self, id: ArticleId, viewer: &Viewer, limit: usize) -> Result<Vec<SearchHit>> {
        let a = self.article(id)?;
        let text = format!("{} {} {}", a.title, a.summary, a.tags.join(" "));
        let embedding = self
            .live(a.number)
            .and_then(|live| self.index.embedding(live.id));
        let mut hits = self
            .related_to_text(&text, embedding, viewer, limit.saturating_add(1))
            .or_else(|_| self.related_to_text(&text, None, viewer, limit.saturating_add(1)))
            .unwrap_or_default();
        hits.retain(|h| h.number != a.number);
        hits.truncate(limit);
        Ok(hits)
    }

    /// Case integration: the articles related to a text (a new case's subject and
    /// description), visible to `viewer`, best first. Pass the text's embedding for
    /// hybrid ranking. The desk stores the numbers as the case's related articles.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a bad embedding.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, Viewer};
    /// let kb = KnowledgeBase::new();
    /// assert!(kb.related_to_text("cannot log in", None, &Viewer::Employee, 3)?.is_empty());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn related_to_text(
        &self,
        text: &str,
        embedding: Option<&[f32]>,
        viewer: &Viewer,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let query = SearchQuery::new(text).limit(limit);
        Ok(self.hybrid_search(&query, embedding, viewer)?.hits)
    }

    /// The grouping key of a query for analytics (sorted distinct analysed terms).
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// assert_eq!(kb.query_key("Exporting CSV files"), kb.query_key("csv file export"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query_key(&self, text: &str) -> String {
        let mut terms = self.policy.analyzer.terms(cut_query(text));
        terms.sort();
        terms.dedup();
        terms.join(" ")
    }

    /// Records a search and its outcome in the query log; returns its id (pass it
    /// to [`KnowledgeBase::record_click`]). When the log holds `max_records`
    /// records (see [`KnowledgeBase::set_retention`]) the oldest is dropped first.
    ///
    /// Never fails: when the log has run out of ids (only a log restored with
    /// `next` at `u64::MAX` can) nothing is recorded and
    /// [`SearchId::UNRECORDED`] is returned, which names no search; use
    /// [`KnowledgeBase::try_record_search`] to get the error instead.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let results = kb.search(&SearchQuery::new("csv"), &Viewer::Anonymous);
    /// let search = kb.record_search(&results, now);
    /// assert_eq!(kb.analytics().get(search).map(|s| s.result_count), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_search(&mut self, results: &SearchResults, now: DateTime<Utc>) -> SearchId {
        self.try_record_search(results, now)
            .unwrap_or(SearchId::UNRECORDED)
    }

    /// [`KnowledgeBase::record_search`], failing instead of recording nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the log has handed out every id up to `u64::MAX`;
    /// the log is then unchanged.
    ///
    /// ```
    /// use hotcrm_support::Error;
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
    /// let now = "2026-01-10T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// let r = kb.search(&SearchQuery::new("fax"), &Viewer::Employee);
    /// assert_eq!(kb.try_record_search(&r, now)?.as_u64(), 1);
    ///
    /// kb.restore_analytics(serde_json::from_str(r#"{"records":[],"next":18446744073709551615}"#)?);
    /// assert!(matches!(kb.try_record_search(&r, now), Err(Error::Overflow { .. })));
    /// assert!(kb.analytics().records().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_record_search(
        &mut self,
        results: &SearchResults,
        now: DateTime<Utc>,
    ) -> Result<SearchId> {
        let key = self.query_key(&results.query);
        self.analytics.record(
            &results.query,
            key,
            results.total_matches,
            results.has_good_hit(),
            QuerySource::Search,
            now,
        )
    }

    /// Records that a search result was opened (and counts a view). The search
    /// lists each article once and at most `max_clicks_per_search` of them; a
    /// repeat or a click beyond that is still accepted: it counts the view and
    /// raises the search's [`click_count`](super::SearchRecord::click_count).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown search or article.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let results = kb.search(&SearchQuery::new("csv"), &Viewer::Anonymous);
    /// let search = kb.record_search(&results, now);
    /// kb.record_click(search, id)?;
    /// assert_eq!(kb.article(id)?.counters.views, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_click(&mut self, search: SearchId, article: ArticleId) -> Result<()> {
        self.article(article)?;
        self.analytics.click(search, article)?;
        self.record_view(article)
    }

    /// The retrieval step of an answer: the live articles visible to `viewer` that
    /// are relevant to `question` (good hits only, at most three), best first.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a bad embedding.
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// # kb.submit_for_review(id, r, now)?;
    /// # kb.publish(id, r, now)?;
    /// let docs = kb.retrieve_for_answer("how do I export to csv", None, &Viewer::Anonymous)?;
    /// assert_eq!(docs[0].0.id, id);
    /// assert!(kb.retrieve_for_answer("billing address", None, &Viewer::Anonymous)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retrieve_for_answer(
        &self,
        question: &str,
        embedding: Option<&[f32]>,
        viewer: &Viewer,
    ) -> Result<Vec<(&KnowledgeArticle, SearchHit)>> {
        let results = self.hybrid_search(
            &SearchQuery::new(question).limit(ANSWER_CONTEXT),
            embedding,
            viewer,
        )?;
        Ok(results
            .hits
            .into_iter()
            .filter(SearchHit::is_good)
            .filter_map(|h| {
                let a = self.articles.get(&h.article)?;
                viewer.can_read(a).then_some((a, h))
            })
            .collect())
    }

    /// Records an answered (or unanswered) question in the query log (it shares
    /// the log, and its retention bounds, with searches). Never fails, like
    /// [`KnowledgeBase::record_search`]; see [`KnowledgeBase::try_record_answer`].
    ///
    /// ```
    /// # use hotcrm_support::ids::AgentId;
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let r = AgentId::from_u128(1);
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "1. Open Contacts.\n2. Click Export.").summary("Export a list as CSV."), now)?;
    /// let s = kb.record_answer("how do I fly", 0, false, now);
    /// assert!(kb.analytics().get(s).is_some_and(|r| r.is_unanswered()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_answer(
        &mut self,
        question: &str,
        retrieved: usize,
        answered: bool,
        now: DateTime<Utc>,
    ) -> SearchId {
        self.try_record_answer(question, retrieved, answered, now)
            .unwrap_or(SearchId::UNRECORDED)
    }

    /// [`KnowledgeBase::record_answer`], failing instead of recording nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the log has handed out every id up to `u64::MAX`.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let mut kb = KnowledgeBase::new();
    /// let s = kb.try_record_answer("how do I fly", 0, false, "2026-01-05T09:00:00Z".parse()?)?;
    /// assert_eq!(kb.analytics().get(s).map(|r| r.source), Some(QuerySource::Answer));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_record_answer(
        &mut self,
        question: &str,
        retrieved: usize,
        answered: bool,
        now: DateTime<Utc>,
    ) -> Result<SearchId> {
        let question = cut_query(question);
        let key = self.query_key(question);
        self.analytics
            .record(question, key, retrieved, answered, QuerySource::Answer, now)
    }

    /// Answers `question` for `viewer` without a model: retrieves relevant visible
    /// articles and extracts the best steps or sentences of the top one (see
    /// [`extract_answer`](super::extract_answer)). When nothing relevant is found the
    /// answer says so, cites nothing, and the question is recorded as a gap.
    /// Questions over [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS) characters are cut.
    /// The async, provider-backed version is [`crate::ai::answer`].
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty question or a bad embedding.
    ///
    /// ```
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::knowledge::{AnswerOutcome, ArticleDraft, KnowledgeBase, Viewer};
    /// let now = "2026-01-01T00:00:00Z".parse()?;
    /// let r = AgentId::from_u128(1);
    /// let mut kb = KnowledgeBase::new();
    /// let id = kb.create(ArticleDraft::new("How to reset your password",
    ///     "1. Click Forgot password on the sign-in page.\n2. Open the reset link in your email.")
    ///     .summary("Reset a forgotten password."), now)?;
    /// kb.submit_for_review(id, r, now)?;
    /// kb.publish(id, r, now)?;
    /// let a = kb.answer_extractive("I forgot my password", None, &Viewer::Anonymous, now)?;
    /// assert_eq!(a.outcome, AnswerOutcome::Answered);
    /// assert!(a.text.starts_with("1. Click Forgot password"));
    /// assert_eq!(a.citations[0].to_string(), "KB-2026-0001");
    /// let none = kb.answer_extractive("quantum teleportation", None, &Viewer::Anonymous, now)?;
    /// assert_eq!(none.outcome, AnswerOutcome::NoRelevantArticle);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn answer_extractive(
        &mut self,
        question: &str,
        embedding: Option<&[f32]>,
        viewer: &Viewer,
        now: DateTime<Utc>,
    ) -> Result<Answer> {
        validate_question(question)?;
        let question = cut_query(question);
        let analyzer = self.policy.analyzer;
        let retrieved = self.retrieve_for_answer(question, embedding, viewer)?;
        let count = retrieved.len();
        let best = retrieved.iter().find_map(|(a, hit)| {
            extract_answer(&analyzer, question, &a.title, &a.content).map(|e| {
                (
                    a.number,
                    e,
                    hit.match_quality.max(hit.similarity.unwrap_or(0.0)),
                )
            })
        });
        let mut answer = match best {
            Some((number, extract, relevance)) => Answer {
                question: question.to_owned(),
                text: extract.text,
                citations: vec![number],
                confidence: (extract.coverage * 0.5 + relevance * 0.5).clamp(0.0, 1.0),
                outcome: AnswerOutcome::Answered,
                search: None,
            },
            None => Answer::not_found(question),
        };
        let answered = answer.outcome == AnswerOutcome::Answered;
        answer.search = self.try_record_answer(question, count, answered, now).ok();
        Ok(answer)
    }

    /// The knowledge-gap report for the searches made in `period` (half-open,
    /// `[from, to)`: a search at exactly `to` belongs to the next period), with
    /// the article checks evaluated at `now`:
    ///
    /// * missing topics: query keys searched at least `min_gap_searches` times in
    ///   the period where at least half the searches had no good result and no click;
    /// * outdated articles: live articles whose next review date is before `now`;
    /// * low-quality articles: live articles scoring below 60 at `now`;
    /// * one suggested new article per missing topic.
    ///
    /// Infallible: a [`Period`] always has `from < to`, so there is nothing left to
    /// reject (the old `(from, to, now)` form returned an error for `from > to`).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
    /// use hotcrm_support::period::Period;
    /// let now = "2026-01-10T00:00:00Z".parse()?;
    /// let mut kb = KnowledgeBase::new();
    /// for _ in 0..3 {
    ///     let r = kb.search(&SearchQuery::new("export contacts to excel"), &Viewer::Employee);
    ///     kb.record_search(&r, now);
    /// }
    /// let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
    /// let report = kb.knowledge_gaps(january, now);
    /// assert_eq!(report.missing_topics[0].searches, 3);
    /// assert_eq!(report.suggestions[0].title, "FAQ: Export contacts to excel");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn knowledge_gaps(&self, period: Period, now: DateTime<Utc>) -> KnowledgeGapReport {
        struct Group<'a> {
            searches: usize,
            unanswered: usize,
            phrasings: BTreeMap<&'a str, usize>,
        }
        let mut groups: BTreeMap<&str, Group<'_>> = BTreeMap::new();
        for r in self.analytics.records() {
            if !period.contains(r.at) || r.key.is_empty() {
                continue;
            }
            let g = groups.entry(r.key.as_str()).or_insert(Group {
                searches: 0,
                unanswered: 0,
                phrasings: BTreeMap::new(),
            });
            g.searches += 1;
            g.unanswered += usize::from(r.is_unanswered());
            *g.phrasings.entry(r.query.trim()).or_insert(0) += 1;
        }
        let mut missing: Vec<(QueryGap, Vec<String>)> = groups
            .into_iter()
            .filter(|(_, g)| {
                g.searches >= self.policy.min_gap_searches.max(1) && g.unanswered * 2 >= g.searches
            })
            .map(|(key, g)| {
                let mut phrasings: Vec<(&str, usize)> = g.phrasings.into_iter().collect();
                phrasings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                let query = phrasings
                    .first()
                    .map(|p| p.0.to_owned())
                    .unwrap_or_default();
                (
                    QueryGap {
                        query,
                        key: key.to_owned(),
                        searches: g.searches,
                        unanswered: g.unanswered,
                    },
                    phrasings.iter().map(|p| p.0.to_owned()).collect(),
                )
            })
            .collect();
        missing.sort_by(|a, b| b.0.searches.cmp(&a.0.searches).then(a.0.key.cmp(&b.0.key)));
        let suggestions = missing
            .iter()
            .map(|(gap, phrasings)| {
                let (title, category) = suggest_article(&gap.query);
                SuggestedArticle {
                    title,
                    category,
                    based_on: phrasings.clone(),
                    searches: gap.searches,
                }
            })
            .collect();
        let live: Vec<&KnowledgeArticle> = self
            .articles
            .values()
            .filter(|a| a.is_published())
            .collect();
        let mut outdated: Vec<OutdatedArticle> = live
            .iter()
            .filter_map(|a| {
                let due = a.next_review_at.filter(|d| *d < now)?;
                Some(OutdatedArticle {
                    article: a.id,
                    number: a.number,
                    title: a.title.clone(),
                    next_review_at: due,
                    days_overdue: (now - due).num_days(),
                })
            })
            .collect();
        outdated.sort_by(|a, b| {
            a.next_review_at
                .cmp(&b.next_review_at)
                .then(a.number.cmp(&b.number))
        });
        let mut low: Vec<LowQualityArticle> = live
            .iter()
            .map(|a| (a, quality_score(a, now)))
            .filter(|(_, q)| *q < LOW_QUALITY_THRESHOLD)
            .map(|(a, q)| LowQualityArticle {
                article: a.id,
                number: a.number,
                title: a.title.clone(),
                quality_score: q,
            })
            .collect();
        low.sort_by(|a, b| {
            a.quality_score
                .cmp(&b.quality_score)
                .then(a.number.cmp(&b.number))
        });
        KnowledgeGapReport {
            from: period.from(),
            to: period.to(),
            missing_topics: missing.into_iter().map(|m| m.0).collect(),
            outdated_articles: outdated,
            low_quality_articles: low,
            suggestions,
        }
    }
}

/// Rejects empty (or punctuation-only) questions (huge ones are cut by the callers).
pub(crate) fn validate_question(question: &str) -> Result<()> {
    if !question.chars().any(char::is_alphanumeric) {
        return Err(Error::validation("question", "must not be empty"));
    }
    Ok(())
}
