//! The search index: a BM25F inverted index over title, summary, tags and content
//! with a proximity bonus and an exact-form bonus, typo (Levenshtein automaton over
//! an FST of the indexed words as written) and prefix tolerance for short queries
//! as a fallback, plus exact cosine search over provider embeddings and hybrid
//! search.
//!
//! The index holds only what the knowledge base puts in it (live, published
//! versions) together with the fields the visibility rule needs, so every read path
//! can filter by [`Viewer`] before ranking. Layer 2 (pure): depends on the sibling
//! `analyzer`, `article` and `viewer` modules and `ids`.
//!
//! # Query-term weights
//!
//! A query word is a group of index terms: the exact term (weight 1), its
//! synonyms (0.6; several-word synonym entries such as "access rights" are
//! matched on consecutive query words and attach to the last one), and for short
//! queries typo and prefix expansions (0.5). Typo expansions come from the
//! article words *as written* (lowercased and folded, before stemming), each
//! mapped to its term: "authenticatr" is one edit from "authenticator", whose stem
//! `authent` it then searches. Match quality counts each group once,
//! by the idf of its exact term (an article that has only an expansion counts at
//! that expansion's weight).
//!
//! # Hybrid fusion
//!
//! By default the vector side only fills the list below the lexical hits
//! ([`SearchRules::vector_as_fallback`]). With that off: reciprocal rank fusion (`Σ 1 / (RRF_K + rank)`) over the BM25F list and the
//! vector list. Only vector hits with cosine similarity of at least the
//! [`SimilarityFloor`] (default 0.3) take part: every article has *some* cosine
//! with every query, and below that floor the vector order is noise, so it may
//! neither add an article nor reorder the lexical hits (when no article is that
//! close, hybrid ranks exactly like BM25F).
//!
//! The floor is a setting because it depends on the embedding model: 0.3 suits
//! [`HeuristicAi`](crate::ai::HeuristicAi), whose unrelated texts score near 0; a
//! model whose unrelated texts score about 0.7 needs a floor above that, and one
//! that scores everything low needs a lower one. It lives on
//! [`KnowledgePolicy::min_semantic_similarity`](super::KnowledgePolicy::min_semantic_similarity)
//! (change it on a live base with
//! [`KnowledgeBase::set_min_semantic_similarity`](super::KnowledgeBase::set_min_semantic_similarity)),
//! next to the analyzer and field weights, rather than on [`SearchQuery`] or the
//! [`ai::hybrid_search`](crate::ai::hybrid_search) call: it belongs to the
//! embeddings the knowledge base stores, not to one query, and every hybrid path
//! (search, related articles, answer retrieval) must use the same value.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{ArticleId, KnowledgeNumber, ProductId};

use super::analyzer::Analyzer;
use super::article::{ArticleCategory, KnowledgeArticle, PortalTier, Visibility};
use super::language::Language;
use super::viewer::Viewer;

/// Queries longer than this many characters are cut (documented, never an error).
pub const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many distinct query terms are used; the rest are ignored.
pub const MAX_QUERY_TERMS: usize = 32;
/// Queries with at most this many distinct terms get typo and prefix tolerance.
pub const SHORT_QUERY_TERMS: usize = 3;
/// A hit whose lexical match quality reaches this covers the query well.
pub const GOOD_MATCH_QUALITY: f32 = 0.5;
/// A hit whose embedding similarity reaches this is semantically close.
pub const GOOD_SIMILARITY: f32 = 0.45;
/// The `k` of reciprocal rank fusion (`1 / (k + rank)`), the usual 60.
pub const RRF_K: f32 = 60.0;

/// A fast, deterministic hasher for the term dictionary (FxHash's mixing step).
/// Terms come from articles the host's own editors write, so hash flooding is not
/// a concern worth SipHash's cost here.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TermHasher(u64);

impl Hasher for TermHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.add(word);
        }
        let mut last = 0u64;
        for (i, b) in chunks.remainder().iter().enumerate() {
            last |= u64::from(*b) << (8 * i);
        }
        self.add(last ^ bytes.len() as u64);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl TermHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type TermMap<V> = HashMap<String, V, BuildHasherDefault<TermHasher>>;

/// The cosine similarity a vector hit needs to take part in hybrid fusion
/// (default 0.3, see [`SimilarityFloor::DEFAULT`]). Below it, a vector-only hit is
/// dropped and a lexical hit keeps only its lexical rank (lexical hits are always
/// kept). A finite number in `-1.0..=1.0`; `-1.0` in effect switches the floor off.
///
/// Set it per knowledge base through
/// [`KnowledgePolicy::min_semantic_similarity`](super::KnowledgePolicy::min_semantic_similarity)
/// to match the embedding model.
///
/// ```
/// use hotcrm_support::knowledge::{KnowledgePolicy, SimilarityFloor};
/// let floor = SimilarityFloor::new(0.75)?;
/// assert_eq!(floor.get(), 0.75);
/// assert_eq!(SimilarityFloor::default(), SimilarityFloor::DEFAULT);
/// assert!(SimilarityFloor::new(1.5).is_err() && SimilarityFloor::new(f32::NAN).is_err());
/// let policy = KnowledgePolicy { min_semantic_similarity: floor, ..KnowledgePolicy::default() };
/// assert_eq!(policy.min_semantic_similarity.get(), 0.75);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f32", into = "f32")]
pub struct SimilarityFloor(f32);

impl SimilarityFloor {
    /// The default floor, 0.3: right for [`HeuristicAi`](crate::ai::HeuristicAi)
    /// embeddings.
    pub const DEFAULT: SimilarityFloor = SimilarityFloor(0.3);

    /// A floor of `value`, a cosine similarity.
    ///
    /// ```
    /// use hotcrm_support::knowledge::SimilarityFloor;
    /// assert_eq!(SimilarityFloor::new(-1.0)?.get(), -1.0);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `min_semantic_similarity`) when `value` is not
    /// finite or outside `-1.0..=1.0`.
    pub fn new(value: f32) -> Result<Self> {
        if value.is_finite() && (-1.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Error::validation(
                "min_semantic_similarity",
                format!("{value} is not a cosine similarity in -1.0..=1.0"),
            ))
        }
    }

    /// The floor as a number.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::knowledge::SimilarityFloor::DEFAULT.get(), 0.3);
    /// ```
    pub const fn get(self) -> f32 {
        self.0
    }
}

impl Default for SimilarityFloor {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<f32> for SimilarityFloor {
    type Error = Error;
    fn try_from(value: f32) -> Result<Self> {
        Self::new(value)
    }
}

impl From<SimilarityFloor> for f32 {
    fn from(floor: SimilarityFloor) -> f32 {
        floor.0
    }
}

impl std::fmt::Display for SimilarityFloor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The largest accepted [`FieldWeights`] weight or `k1`.
pub const MAX_FIELD_WEIGHT: f32 = 1000.0;

const FIELDS: usize = 4;
const TITLE: usize = 0;
const SUMMARY: usize = 1;
const TAGS: usize = 2;
const CONTENT: usize = 3;
/// Weight of a fuzzy (typo) or prefix expansion relative to an exact term.
const EXPANSION_WEIGHT: f32 = 0.5;
const MAX_FUZZY_EXPANSIONS: usize = 4;
const MAX_PREFIX_EXPANSIONS: usize = 8;
/// At most this many automaton matches are ranked for typo expansion.
const MAX_FUZZY_SCANNED: usize = 64;
/// Weight of a synonym expansion relative to an exact term.
const SYNONYM_WEIGHT: f32 = 0.6;
/// Default weight of the vector side in hybrid fusion (see [`SearchRules`]).
const DEFAULT_VECTOR_WEIGHT: f32 = 1.0;
/// How many of the best BM25F candidates the proximity bonus re-scores.
const PROXIMITY_DEPTH: usize = 100;
/// Bonus of two adjacent query words, as a share of the smaller idf of the pair.
const PROXIMITY_WEIGHT: f32 = 0.5;
/// Bonus of a query word found in an article exactly as written, as a share of
/// the idf of that form (see [`SearchRules::exact_forms`]).
const EXACT_FORM_WEIGHT: f32 = 0.5;
/// Separates fields in a document's term sequence (never a term id).
const FIELD_BREAK: u32 = u32::MAX;

/// BM25F parameters: per-field weights and length normalisation.
///
/// The defaults weigh the title 3x, tags 2x and the summary 1.5x the body.
/// Valid weights are within `0.0..=1000.0` ([`MAX_FIELD_WEIGHT`]) and at least
/// one is positive; `k1` is within `0.0..=1000.0` too; `b` is within `0.0..=1.0`
/// (see [`FieldWeights::validate`], also run when weights are deserialized). The
/// upper bound keeps every BM25F score finite (larger weights would only
/// overflow `f32`, not rank differently).
///
/// ```
/// use hotcrm_support::knowledge::FieldWeights;
/// let w = FieldWeights::default();
/// assert!(w.title > w.content);
/// assert!(FieldWeights { b: 1.5, ..w }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FieldWeightsFields")]
pub struct FieldWeights {
    /// Title weight.
    pub title: f32,
    /// Summary weight.
    pub summary: f32,
    /// Tags (and AI keywords) weight.
    pub tags: f32,
    /// Content weight.
    pub content: f32,
    /// BM25 term-frequency saturation `k1`.
    pub k1: f32,
    /// BM25 length normalisation `b` (same for every field).
    pub b: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        Self {
            title: 3.0,
            summary: 1.5,
            tags: 2.0,
            content: 1.0,
            k1: 1.2,
            b: 0.75,
        }
    }
}

/// The unvalidated serde shape of [`FieldWeights`].
#[derive(Deserialize)]
struct FieldWeightsFields {
    title: f32,
    summary: f32,
    tags: f32,
    content: f32,
    k1: f32,
    b: f32,
}

impl TryFrom<FieldWeightsFields> for FieldWeights {
    type Error = Error;

    fn try_from(f: FieldWeightsFields) -> Result<FieldWeights> {
        let weights = FieldWeights {
            title: f.title,
            summary: f.summary,
            tags: f.tags,
            content: f.content,
            k1: f.k1,
            b: f.b,
        };
        weights.validate()?;
        Ok(weights)
    }
}

impl FieldWeights {
    /// Checks the parameters (see the type docs).
    ///
    /// ```
    /// use hotcrm_support::knowledge::FieldWeights;
    /// let w = FieldWeights::default();
    /// assert!(w.validate().is_ok());
    /// let err = FieldWeights { title: f32::NAN, ..w }.validate().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid field_weights.title: NaN must be a finite number within 0..=1000");
    /// assert!(FieldWeights { k1: 1e30, ..w }.validate().is_err());
    /// let none = FieldWeights { title: 0.0, summary: 0.0, tags: 0.0, content: 0.0, ..w };
    /// assert!(none.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first bad parameter.
    pub fn validate(&self) -> Result<()> {
        let bounded = [
            ("field_weights.title", self.title),
            ("field_weights.summary", self.summary),
            ("field_weights.tags", self.tags),
            ("field_weights.content", self.content),
            ("field_weights.k1", self.k1),
        ];
        for (field, value) in bounded {
            if !(value.is_finite() && (0.0..=MAX_FIELD_WEIGHT).contains(&value)) {
                return Err(Error::validation(
                    field,
                    format!("{value} must be a finite number within 0..={MAX_FIELD_WEIGHT}"),
                ));
            }
        }
        if self.as_array().iter().all(|w| *w == 0.0) {
            return Err(Error::validation(
                "field_weights",
                "at least one field weight must be positive",
            ));
        }
        if !(0.0..=1.0).contains(&self.b) {
            return Err(Error::validation(
                "field_weights.b",
                format!("{} must be within 0..=1", self.b),
            ));
        }
        Ok(())
    }

    fn as_array(&self) -> [f32; FIELDS] {
        [self.title, self.summary, self.tags, self.content]
    }
}

/// Switches for the ranking rules of [`SearchIndex::search`] (all but the
/// synonym table on by default).
///
/// Every rule was kept because it helps on real known-item sets (Debian package
/// descriptions and man pages, see `examples/search_eval.rs`); switching one off is
/// how that was measured, and is useful to compare on a host's own queries.
///
/// ```
/// use hotcrm_support::knowledge::{KnowledgeBase, SearchRules};
/// let mut rules = SearchRules::default();
/// assert!(rules.proximity && rules.typo && rules.expansions_as_fallback);
/// assert!(!rules.synonyms); // opt-in: see the field
/// rules.proximity = false;
/// let mut kb = KnowledgeBase::new();
/// kb.set_search_rules(rules);
/// assert!(!kb.index().search_rules().proximity);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchRules {
    /// Query words also search their support-desk synonyms (at 0.6 of an exact
    /// match), when [`Analyzer::query_synonyms`] is on too. Off by default: the
    /// table lowered MRR@10 on both real sets (by 0.001 and 0.007); turn it on
    /// for a support-desk vocabulary it was written for.
    pub synonyms: bool,
    /// An unknown query word of four letters or more also searches the terms of
    /// indexed words within one edit of it as written (before stemming), found
    /// with a Levenshtein automaton over an FST of those words (never a scan).
    pub typo: bool,
    /// The last word of a short query also searches terms it is a prefix of.
    pub prefix: bool,
    /// Synonym, typo and prefix expansions are added only when the exact terms
    /// find too little: fewer hits than the limit, or no hit covering half the
    /// query.
    pub expansions_as_fallback: bool,
    /// Consecutive query words found next to each other (in order) in a field
    /// earn a bonus, so "reset password" prefers "reset your password" over an
    /// article that mentions both words apart.
    pub proximity: bool,
    /// A query word found in an article exactly as written, not only through
    /// its stem, earns a bonus of half the idf of that form (among the best 100
    /// hits): "deleted" prefers "deleted records" to "deletion", which the
    /// stemmer gives the same stem. Added 0.005 to MRR@10 on both real sets.
    /// Rules stored without it load with it on, the default.
    #[serde(default = "enabled")]
    pub exact_forms: bool,
    /// Weight of the vector side in hybrid fusion, 0 to 1 (0 ranks as BM25F).
    pub vector_weight: f32,
    /// Hybrid search keeps the BM25F order and vector hits only fill the list
    /// below the lexical hits (when those are fewer than the limit). Off:
    /// reciprocal rank fusion with the vector side weighted by `vector_weight`.
    /// On by default because `HeuristicAi` embeddings lowered MRR@10 on every
    /// real set at every measured weight; turn it off for a stronger model.
    pub vector_as_fallback: bool,
}

impl Default for SearchRules {
    fn default() -> Self {
        Self {
            synonyms: false,
            typo: true,
            prefix: true,
            expansions_as_fallback: true,
            proximity: true,
            exact_forms: true,
            vector_weight: DEFAULT_VECTOR_WEIGHT,
            vector_as_fallback: true,
        }
    }
}

impl SearchRules {
    /// The default rules with one switched (off, or on for `synonyms`) at a time, by name: what the
    /// ablation table of `examples/search_eval.rs` runs.
    ///
    /// ```
    /// use hotcrm_support::knowledge::SearchRules;
    /// assert!(SearchRules::ablations().iter().all(|(_, r)| *r != SearchRules::default()));
    /// ```
    pub fn ablations() -> Vec<(&'static str, SearchRules)> {
        let d = Self::default();
        vec![
            (
                "synonyms (on)",
                Self {
                    synonyms: true,
                    ..d
                },
            ),
            ("typo", Self { typo: false, ..d }),
            ("prefix", Self { prefix: false, ..d }),
            (
                "expansions as fallback (always expand)",
                Self {
                    expansions_as_fallback: false,
                    ..d
                },
            ),
            (
                "proximity",
                Self {
                    proximity: false,
                    ..d
                },
            ),
            (
                "exact forms",
                Self {
                    exact_forms: false,
                    ..d
                },
            ),
        ]
    }
}

/// `true`, the serde default of rules added after the first release.
fn enabled() -> bool {
    true
}

/// Optional restrictions of a search (all must hold).
///
/// ```
/// use hotcrm_support::knowledge::{ArticleCategory, SearchFilters};
/// let f = SearchFilters { category: Some(ArticleCategory::Faq), ..SearchFilters::default() };
/// assert!(f.product.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchFilters {
    /// Only this category.
    pub category: Option<ArticleCategory>,
    /// Only articles of this product.
    pub product: Option<ProductId>,
    /// Only this visibility (still intersected with what the viewer may see).
    pub visibility: Option<Visibility>,
    /// Only articles in this language (exact tag: `pt-br` does not match `pt`).
    /// Filters stored without it load as "any language".
    #[serde(default)]
    pub language: Option<Language>,
}

/// A search request.
///
/// ```
/// use hotcrm_support::knowledge::SearchQuery;
/// let q = SearchQuery::new("reset password").limit(5);
/// assert_eq!(q.limit, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// What the user typed.
    pub text: String,
    /// Most hits returned (default 10; 0 returns none).
    pub limit: usize,
    /// Restrictions.
    pub filters: SearchFilters,
}

impl SearchQuery {
    /// A query for `text` with the default limit (10) and no filters.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// # let _ = article;
    /// let q = SearchQuery::new("export");
    /// assert_eq!((q.limit, q.filters), (10, SearchFilters::default()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            limit: 10,
            filters: SearchFilters::default(),
        }
    }

    /// Sets the limit.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// assert_eq!(SearchQuery::new("x").limit(3).limit, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Sets the filters.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let f = SearchFilters { category: Some(ArticleCategory::Faq), ..Default::default() };
    /// assert_eq!(SearchQuery::new("x").filters(f).filters, f);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filters(mut self, filters: SearchFilters) -> Self {
        self.filters = filters;
        self
    }
}

/// One ranked article.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("Export to CSV", "Click Export.").summary("S"), now)?;
/// let r = hotcrm_support::ids::AgentId::from_u128(1);
/// kb.submit_for_review(id, r, now)?;
/// kb.publish(id, r, now)?;
/// let hit = &kb.search(&SearchQuery::new("export csv"), &Viewer::Anonymous).hits[0];
/// assert_eq!(hit.match_quality, 1.0);
/// assert!(hit.is_good() && hit.similarity.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Loading checks what search produces: finite numbers, a match quality within
/// `0.0..=1.0` and a similarity within `-1.0..=1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SearchHitFields")]
pub struct SearchHit {
    /// The live version's id.
    pub article: ArticleId,
    /// The article's number.
    pub number: KnowledgeNumber,
    /// Ranking score (BM25F for lexical search, cosine for vector search, fused RRF
    /// score for hybrid search); only comparable within one result list.
    pub score: f32,
    /// Share (0–1) of the query's information (idf-weighted terms) the article
    /// contains; typo and prefix matches count half. 0 for pure vector hits.
    pub match_quality: f32,
    /// Cosine similarity of the embeddings (`-1.0..=1.0`), when known.
    pub similarity: Option<f32>,
}

validated_serde!(SearchHit, SearchHitFields {
    article: ArticleId,
    number: KnowledgeNumber,
    score: f32,
    match_quality: f32,
    similarity: Option<f32>,
});

impl SearchHit {
    /// The checks of a loaded hit (see the type docs).
    fn validate(&self) -> Result<()> {
        if !self.score.is_finite() {
            return Err(Error::validation(
                "score",
                format!("{} of {} must be a finite number", self.score, self.number),
            ));
        }
        if !(self.match_quality.is_finite() && (0.0..=1.0).contains(&self.match_quality)) {
            return Err(Error::validation(
                "match_quality",
                format!(
                    "{} of {} must be within 0..=1",
                    self.match_quality, self.number
                ),
            ));
        }
        if let Some(s) = self.similarity {
            if !(s.is_finite() && (-1.0..=1.0).contains(&s)) {
                return Err(Error::validation(
                    "similarity",
                    format!("{s} of {} must be within -1..=1", self.number),
                ));
            }
        }
        Ok(())
    }

    /// Whether this hit answers the query well: lexical match quality of at least
    /// [`GOOD_MATCH_QUALITY`] or embedding similarity of at least [`GOOD_SIMILARITY`].
    ///
    /// ```
    /// # use hotcrm_support::knowledge::SearchHit;
    /// # use hotcrm_support::ids::{ArticleId, KnowledgeNumber};
    /// let hit = SearchHit { article: ArticleId::from_u128(1), number: KnowledgeNumber::new(2026, 1)?,
    ///     score: 1.0, match_quality: 0.8, similarity: None };
    /// assert!(hit.is_good());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn is_good(&self) -> bool {
        self.match_quality >= GOOD_MATCH_QUALITY
            || self.similarity.is_some_and(|s| s >= GOOD_SIMILARITY)
    }
}

/// A ranked list for one query.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
/// # let mut kb = KnowledgeBase::new();
/// let r = kb.search(&SearchQuery::new("export"), &Viewer::Anonymous);
/// assert_eq!((r.query.as_str(), r.total_matches), ("export", 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Loading checks what search produces: a query of at most [`MAX_QUERY_CHARS`]
/// characters, valid hits in ranking order (score descending, then
/// KnowledgeNumber, then article id: so no hit twice) and at least as many
/// matches as hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SearchResultsFields")]
pub struct SearchResults {
    /// The query text as used (after cutting to [`MAX_QUERY_CHARS`]).
    pub query: String,
    /// The best hits, best first (ties broken by KnowledgeNumber).
    pub hits: Vec<SearchHit>,
    /// How many visible articles matched before the limit was applied.
    pub total_matches: usize,
}

validated_serde!(SearchResults, SearchResultsFields {
    query: String,
    hits: Vec<SearchHit>,
    total_matches: usize,
});

impl SearchResults {
    /// The checks of loaded results (see the type docs).
    fn validate(&self) -> Result<()> {
        let chars = self.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::validation(
                "query",
                format!("{chars} characters exceeds the limit of {MAX_QUERY_CHARS}"),
            ));
        }
        if let Some(w) = self
            .hits
            .windows(2)
            .find(|w| matches!(w, [a, b] if rank_order(a, b) != Ordering::Less))
        {
            let numbers: Vec<String> = w.iter().map(|h| h.number.to_string()).collect();
            return Err(Error::validation(
                "hits",
                format!("{} are not in ranking order", numbers.join(" and ")),
            ));
        }
        if self.total_matches < self.hits.len() {
            return Err(Error::validation(
                "total_matches",
                format!(
                    "{} is below the {} hits",
                    self.total_matches,
                    self.hits.len()
                ),
            ));
        }
        Ok(())
    }

    /// An empty result for `query`.
    pub(crate) fn empty(query: String) -> Self {
        Self {
            query,
            hits: Vec::new(),
            total_matches: 0,
        }
    }

    /// Whether the top hit answers the query well (see [`SearchHit::is_good`]).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
    /// let kb = KnowledgeBase::new();
    /// assert!(!kb.search(&SearchQuery::new("anything"), &Viewer::Employee).has_good_hit());
    /// ```
    pub fn has_good_hit(&self) -> bool {
        self.hits.first().is_some_and(SearchHit::is_good)
    }

    /// The article ids of the hits, best first.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// assert_eq!(index.search(&SearchQuery::new("contacts"), &Viewer::Anonymous).ids(), [id]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ids(&self) -> Vec<ArticleId> {
        self.hits.iter().map(|h| h.article).collect()
    }
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    slot: u32,
    tf: [u16; FIELDS],
}

/// What the visibility rule and the filters need, copied from the article.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DocMeta {
    visibility: Visibility,
    require_login: bool,
    min_portal_tier: Option<PortalTier>,
    category: ArticleCategory,
    product: Option<ProductId>,
    language: Language,
}

impl DocMeta {
    fn allows(&self, viewer: &Viewer, filters: &SearchFilters) -> bool {
        viewer.may_see(self.visibility, self.require_login, self.min_portal_tier)
            && filters.category.is_none_or(|c| c == self.category)
            && filters.product.is_none_or(|p| Some(p) == self.product)
            && filters.visibility.is_none_or(|v| v == self.visibility)
            && filters.language.is_none_or(|l| l == self.language)
    }
}

#[derive(Debug, Clone)]
struct DocEntry {
    id: ArticleId,
    number: KnowledgeNumber,
    meta: DocMeta,
    len: [u32; FIELDS],
    terms: Vec<u32>,
    /// The document's term ids in order, fields (and tags) separated by
    /// [`FIELD_BREAK`]: what the proximity bonus reads.
    sequence: Vec<u32>,
    /// The document's distinct surface words (ids into `SearchIndex::surfaces`),
    /// so that removing it can drop the surface words no other document has.
    surfaces: Vec<u32>,
    /// Whether the slot's row in `SearchIndex::vectors` holds this article's embedding.
    has_vector: bool,
}

/// An indexed surface word: a word as written (lowercased and folded, before
/// stemming), the term it stems to, and how many documents contain it.
#[derive(Debug, Clone, Default)]
struct Surface {
    name: String,
    term: u32,
    docs: u32,
}

/// One group of query terms: an analysed query word and its typo/prefix expansions.
struct TermGroup {
    /// (term id, weight) — the exact term first when it exists.
    terms: Vec<(u32, f32)>,
    /// Information weight of the group for match quality.
    idf: f32,
    /// The query word as written (surface id), when some article has it, and
    /// the idf of that exact form: what the exact-form bonus looks for.
    surface: Option<(u32, f32)>,
}

/// The inverted index and embedding store behind [`KnowledgeBase`](super::KnowledgeBase).
///
/// Hosts normally use the knowledge base; the index is public for custom stores.
/// It keeps BM25 statistics exact under insertion and removal, so removing an
/// article restores the ranking the index had before it was added.
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, SearchQuery, Viewer};
/// let now = "2026-01-10T09:00:00Z".parse()?;
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts, choose Export."), now)?;
/// let mut index = hotcrm_support::knowledge::SearchIndex::default();
/// index.upsert(kb.article(id)?);
/// let hits = index.search(&SearchQuery::new("csv export"), &Viewer::Employee);
/// assert_eq!(hits.hits[0].article, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    analyzer: Analyzer,
    weights: FieldWeights,
    term_ids: TermMap<u32>,
    /// Sorted vocabulary for prefix expansion.
    vocabulary: BTreeMap<String, u32>,
    term_names: Vec<String>,
    postings: Vec<Vec<Posting>>,
    free_terms: Vec<u32>,
    docs: Vec<Option<DocEntry>>,
    free_slots: Vec<u32>,
    slot_of: HashMap<ArticleId, u32>,
    len_sum: [u64; FIELDS],
    doc_count: u32,
    embedding_dim: Option<usize>,
    /// Embeddings, one row of `embedding_dim` floats per slot, contiguous so exact
    /// cosine search streams through memory.
    vectors: Vec<f32>,
    /// How many indexed articles have an embedding.
    embedded: usize,
    /// The synonym table analysed with this index's analyzer (built on first use).
    synonyms: std::sync::OnceLock<SynonymTable>,
    /// Vector hits below this cosine take no part in hybrid fusion.
    min_similarity: SimilarityFloor,
    /// Which ranking rules apply.
    rules: SearchRules,
    /// Surface word → id into `surfaces`.
    surface_ids: TermMap<u32>,
    /// Every surface word of the indexed documents (typo tolerance runs on what
    /// users type, not on stems: "authenticatr" is one edit from "authenticator",
    /// five from its stem `authent`). Slots of removed words are reused.
    surfaces: Vec<Surface>,
    free_surfaces: Vec<u32>,
    /// The surface words as an FST mapping each to its term id, for typo lookups
    /// (built on first use after the surface words changed).
    surface_fst: std::sync::OnceLock<fst::Map<Vec<u8>>>,
}

/// The built-in synonym groups ([`SYNONYMS`](super::analyzer::SYNONYMS)) analysed
/// with one index's analyzer.
#[derive(Debug, Clone, Default)]
struct SynonymTable {
    /// An analysed one-word entry → the other one-word entries of its groups.
    words: HashMap<String, Vec<String>>,
    /// A several-word entry as its surface words ("access rights" → `access`,
    /// `rights`) → the one-word entries of its group. Recognised only as
    /// consecutive query words written that way (not their stems: "without
    /// coding" and "without a code" stem alike); never added as an expansion
    /// itself (the index has no positions).
    phrases: Vec<(Vec<String>, Vec<String>)>,
}

impl SearchIndex {
    /// An empty index with the given analyzer and weights.
    ///
    /// ```
    /// use hotcrm_support::knowledge::{Analyzer, FieldWeights, SearchIndex};
    /// let index = SearchIndex::new(Analyzer::default(), FieldWeights::default())?;
    /// assert!(index.is_empty());
    /// let bad = FieldWeights { k1: -1.0, ..FieldWeights::default() };
    /// assert!(SearchIndex::new(Analyzer::default(), bad).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for invalid weights ([`FieldWeights::validate`]).
    pub fn new(analyzer: Analyzer, weights: FieldWeights) -> Result<Self> {
        weights.validate()?;
        Ok(Self::unchecked(analyzer, weights))
    }

    /// [`SearchIndex::new`] for weights already validated.
    pub(crate) fn unchecked(analyzer: Analyzer, weights: FieldWeights) -> Self {
        Self {
            analyzer,
            weights,
            ..Self::default()
        }
    }

    /// Number of indexed articles.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// assert_eq!(index.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.doc_count as usize
    }

    /// Whether nothing is indexed.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// assert!(index.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.doc_count == 0
    }

    /// Number of distinct terms.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// assert!(index.vocabulary_len() >= 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn vocabulary_len(&self) -> usize {
        self.term_ids.len()
    }

    /// The analyzer in use.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// assert_eq!(*index.analyzer(), Analyzer::default());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The cosine similarity a vector hit needs to take part in
    /// [`SearchIndex::hybrid_search`] (default 0.3).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{SearchIndex, SimilarityFloor};
    /// assert_eq!(SearchIndex::default().min_semantic_similarity(), SimilarityFloor::DEFAULT);
    /// ```
    pub fn min_semantic_similarity(&self) -> SimilarityFloor {
        self.min_similarity
    }

    /// Sets the cosine similarity a vector hit needs to take part in
    /// [`SearchIndex::hybrid_search`]; match it to the embedding model (the
    /// knowledge base sets it from
    /// [`KnowledgePolicy::min_semantic_similarity`](super::KnowledgePolicy::min_semantic_similarity)).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{SearchIndex, SimilarityFloor};
    /// let mut index = SearchIndex::default();
    /// index.set_min_semantic_similarity(SimilarityFloor::new(0.75)?);
    /// assert_eq!(index.min_semantic_similarity().get(), 0.75);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn set_min_semantic_similarity(&mut self, floor: SimilarityFloor) {
        self.min_similarity = floor;
    }

    /// The ranking rules in use (see [`SearchRules`]).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{SearchIndex, SearchRules};
    /// assert_eq!(SearchIndex::default().search_rules(), SearchRules::default());
    /// ```
    pub fn search_rules(&self) -> SearchRules {
        self.rules
    }

    /// Sets the ranking rules; takes effect on the next search (nothing is
    /// re-indexed). A `vector_weight` outside `0.0..=1.0` (or NaN) is clamped
    /// into it (NaN as 0).
    ///
    /// ```
    /// use hotcrm_support::knowledge::{SearchIndex, SearchRules};
    /// let mut index = SearchIndex::default();
    /// let mut rules = SearchRules::default();
    /// rules.typo = false;
    /// index.set_search_rules(rules);
    /// assert!(!index.search_rules().typo);
    /// ```
    pub fn set_search_rules(&mut self, mut rules: SearchRules) {
        rules.vector_weight = if rules.vector_weight.is_nan() {
            0.0
        } else {
            rules.vector_weight.clamp(0.0, 1.0)
        };
        self.rules = rules;
    }

    /// Whether `id` is indexed.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// assert!(index.contains(id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, id: ArticleId) -> bool {
        self.slot_of.contains_key(&id)
    }

    /// Adds `article` (or replaces it when its id is already indexed), keeping its
    /// embedding if it had one. The caller decides what belongs in the index (the
    /// knowledge base indexes only live published versions).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// index.upsert(&article); // replaces, never duplicates
    /// assert_eq!(index.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn upsert(&mut self, article: &KnowledgeArticle) {
        let embedding = self.remove(article.id);
        // Distinct terms of the article (local index -> term, per-field counts) and
        // the article's term sequence as local indexes.
        let mut local: TermMap<u32> = TermMap::default();
        let mut counts: Vec<(String, [u16; FIELDS])> = Vec::new();
        // Distinct surface words of the article → local term index; a surface word
        // seen before (here or in the index) is not stemmed again.
        let mut local_surfaces: TermMap<u32> = TermMap::default();
        let mut sequence: Vec<u32> = Vec::new();
        let mut len = [0u32; FIELDS];
        let analyzer = self.analyzer;
        let (surface_ids, surfaces, term_names) =
            (&self.surface_ids, &self.surfaces, &self.term_names);
        let mut stemmed = String::new();
        let mut add = |field: usize, text: &str| {
            if !sequence.is_empty() {
                sequence.push(FIELD_BREAK);
            }
            analyzer.for_each_surface(text, |word| {
                if let Some(l) = len.get_mut(field) {
                    *l = l.saturating_add(1);
                }
                let at = match local_surfaces.get(word) {
                    Some(&at) => at,
                    None => {
                        let known = surface_ids
                            .get(word)
                            .and_then(|&sid| surfaces.get(sid as usize))
                            .and_then(|s| term_names.get(s.term as usize));
                        let t = match known {
                            Some(t) => t.as_str(),
                            None => analyzer.stem_into(word, &mut stemmed),
                        };
                        let at = match local.get(t) {
                            Some(&at) => at,
                            None => {
                                let at = u32::try_from(counts.len()).unwrap_or(u32::MAX);
                                counts.push((t.to_owned(), [0; FIELDS]));
                                local.insert(t.to_owned(), at);
                                at
                            }
                        };
                        local_surfaces.insert(word.to_owned(), at);
                        at
                    }
                };
                sequence.push(at);
                if let Some(c) = counts
                    .get_mut(at as usize)
                    .and_then(|(_, tf)| tf.get_mut(field))
                {
                    *c = c.saturating_add(1);
                }
            });
        };
        add(TITLE, &article.title);
        add(SUMMARY, &article.summary);
        for tag in article.tags.iter().chain(&article.ai_keywords) {
            add(TAGS, tag);
        }
        add(CONTENT, &article.content);

        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.docs.push(None);
                u32::try_from(self.docs.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let mut terms = Vec::with_capacity(counts.len());
        for (term, tf) in counts {
            let tid = self.intern(term);
            terms.push(tid);
            if let Some(list) = self.postings.get_mut(tid as usize) {
                let at = list.partition_point(|p| p.slot < slot);
                list.insert(at, Posting { slot, tf });
            }
        }
        for t in &mut sequence {
            if *t != FIELD_BREAK {
                *t = terms.get(*t as usize).copied().unwrap_or(FIELD_BREAK);
            }
        }
        let mut surfaces: Vec<u32> = local_surfaces
            .into_iter()
            .filter_map(|(word, at)| {
                let tid = *terms.get(at as usize)?;
                Some(self.intern_surface(word, tid))
            })
            .collect();
        // Sorted: the exact-form bonus looks words up by binary search.
        surfaces.sort_unstable();
        for (sum, l) in self.len_sum.iter_mut().zip(len) {
            *sum += u64::from(l);
        }
        let entry = DocEntry {
            id: article.id,
            number: article.number,
            meta: DocMeta {
                visibility: article.visibility,
                require_login: article.require_login,
                min_portal_tier: article.min_portal_tier,
                category: article.category,
                product: article.product,
                language: article.language,
            },
            len,
            terms,
            sequence,
            surfaces,
            has_vector: false,
        };
        if let Some(d) = self.docs.get_mut(slot as usize) {
            *d = Some(entry);
        }
        self.slot_of.insert(article.id, slot);
        if let Some(e) = embedding {
            // Same dimension as before the removal, so this cannot fail.
            let _ = self.store_row(slot, &e);
        }
        self.doc_count += 1;
    }

    fn intern(&mut self, term: String) -> u32 {
        if let Some(&id) = self.term_ids.get(&term) {
            return id;
        }
        let id = match self.free_terms.pop() {
            Some(id) => {
                if let Some(name) = self.term_names.get_mut(id as usize) {
                    name.clone_from(&term);
                }
                id
            }
            None => {
                self.term_names.push(term.clone());
                self.postings.push(Vec::new());
                u32::try_from(self.term_names.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.vocabulary.insert(term.clone(), id);
        self.term_ids.insert(term, id);
        id
    }

    /// Counts one more document containing the surface word `word` (of term `term`).
    fn intern_surface(&mut self, word: String, term: u32) -> u32 {
        if let Some(&sid) = self.surface_ids.get(&word) {
            if let Some(s) = self.surfaces.get_mut(sid as usize) {
                s.docs += 1;
            }
            return sid;
        }
        let surface = Surface {
            name: word.clone(),
            term,
            docs: 1,
        };
        let sid = match self.free_surfaces.pop() {
            Some(sid) => {
                if let Some(s) = self.surfaces.get_mut(sid as usize) {
                    *s = surface;
                }
                sid
            }
            None => {
                self.surfaces.push(surface);
                u32::try_from(self.surfaces.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.surface_ids.insert(word, sid);
        self.surface_fst = std::sync::OnceLock::new();
        sid
    }

    /// Removes `id` from the index; returns its embedding if it had one. Removing
    /// an id that is not indexed does nothing.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// index.remove(id);
    /// assert!(index.search(&SearchQuery::new("csv"), &Viewer::Employee).hits.is_empty());
    /// assert_eq!(index.vocabulary_len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, id: ArticleId) -> Option<Vec<f32>> {
        let slot = self.slot_of.remove(&id)?;
        let entry = self.docs.get_mut(slot as usize).and_then(Option::take)?;
        for tid in &entry.terms {
            let Some(list) = self.postings.get_mut(*tid as usize) else {
                continue;
            };
            if let Ok(at) = list.binary_search_by_key(&slot, |p| p.slot) {
                list.remove(at);
            }
            if list.is_empty() {
                if let Some(name) = self.term_names.get_mut(*tid as usize) {
                    let name = std::mem::take(name);
                    self.term_ids.remove(&name);
                    self.vocabulary.remove(&name);
                }
                self.free_terms.push(*tid);
            }
        }
        for sid in &entry.surfaces {
            let Some(s) = self.surfaces.get_mut(*sid as usize) else {
                continue;
            };
            s.docs = s.docs.saturating_sub(1);
            if s.docs == 0 {
                let name = std::mem::take(&mut s.name);
                self.surface_ids.remove(&name);
                self.free_surfaces.push(*sid);
                self.surface_fst = std::sync::OnceLock::new();
            }
        }
        for (sum, l) in self.len_sum.iter_mut().zip(entry.len) {
            *sum = sum.saturating_sub(u64::from(l));
        }
        self.free_slots.push(slot);
        self.doc_count = self.doc_count.saturating_sub(1);
        let embedding = if entry.has_vector {
            self.embedded = self.embedded.saturating_sub(1);
            self.row(slot).map(<[f32]>::to_vec)
        } else {
            None
        };
        if self.embedded == 0 {
            self.embedding_dim = None;
            self.vectors.clear();
        }
        embedding
    }

    /// The embedding row of `slot` (whether or not it is set).
    fn row(&self, slot: u32) -> Option<&[f32]> {
        let dim = self.embedding_dim?;
        let start = (slot as usize).checked_mul(dim)?;
        self.vectors.get(start..start.checked_add(dim)?)
    }

    /// Writes a unit vector into `slot`'s row and marks the document as embedded.
    fn store_row(&mut self, slot: u32, unit: &[f32]) -> Result<()> {
        let has_vector = self
            .docs
            .get(slot as usize)
            .and_then(Option::as_ref)
            .is_some_and(|d| d.has_vector);
        let others = self.embedded.saturating_sub(usize::from(has_vector));
        match self.embedding_dim {
            Some(dim) if others > 0 && dim != unit.len() => {
                return Err(Error::validation(
                    "embedding",
                    format!("dimension {} does not match the index's {dim}", unit.len()),
                ));
            }
            Some(dim) if dim == unit.len() => {}
            _ => {
                // First embedding (or the only one is being replaced): set the dimension.
                self.embedding_dim = Some(unit.len());
                self.vectors.clear();
            }
        }
        let dim = unit.len();
        let needed = self.docs.len().saturating_mul(dim);
        if self.vectors.len() < needed {
            self.vectors.resize(needed, 0.0);
        }
        let start = (slot as usize).saturating_mul(dim);
        if let Some(row) = self.vectors.get_mut(start..start.saturating_add(dim)) {
            row.copy_from_slice(unit);
        }
        if let Some(d) = self.docs.get_mut(slot as usize).and_then(Option::as_mut) {
            if !d.has_vector {
                d.has_vector = true;
                self.embedded += 1;
            }
        }
        Ok(())
    }

    /// Stores the embedding of an indexed article, normalised to unit length.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when `id` is not indexed; [`Error::Validation`] when the
    /// vector is empty, not finite, all zeros, or of a different dimension than the
    /// embeddings already stored.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// index.set_embedding(id, &[3.0, 4.0])?;
    /// assert!(index.has_embedding(id));
    /// assert!(index.set_embedding(id, &[f32::NAN, 1.0]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_embedding(&mut self, id: ArticleId, embedding: &[f32]) -> Result<()> {
        let unit = normalized(embedding)?;
        let slot = *self.slot_of.get(&id).ok_or_else(|| Error::NotFound {
            kind: "indexed article",
            id: id.to_string(),
        })?;
        self.store_row(slot, &unit)
    }

    /// The stored (unit-length) embedding of an indexed article.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// let mut index = SearchIndex::default();
    /// index.upsert(kb.article(id)?);
    /// assert_eq!(index.embedding(id), None);
    /// index.set_embedding(id, &[0.0, 2.0])?;
    /// assert_eq!(index.embedding(id), Some(&[0.0, 1.0][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn embedding(&self, id: ArticleId) -> Option<&[f32]> {
        if !self.has_embedding(id) {
            return None;
        }
        self.row(*self.slot_of.get(&id)?)
    }

    /// How many indexed articles have an embedding.
    ///
    /// ```
    /// use hotcrm_support::knowledge::SearchIndex;
    /// assert_eq!(SearchIndex::default().embedded_len(), 0);
    /// ```
    pub fn embedded_len(&self) -> usize {
        self.embedded
    }

    /// Whether the indexed article has an embedding.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// assert!(!index.has_embedding(id));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_embedding(&self, id: ArticleId) -> bool {
        self.entry(id).is_some_and(|e| e.has_vector)
    }

    fn entry(&self, id: ArticleId) -> Option<&DocEntry> {
        let slot = *self.slot_of.get(&id)?;
        self.docs.get(slot as usize)?.as_ref()
    }

    /// Idf of a term with document frequency `df`.
    fn idf(&self, df: usize) -> f32 {
        let n = self.doc_count as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn df(&self, tid: u32) -> usize {
        self.postings.get(tid as usize).map_or(0, Vec::len)
    }

    /// Analyses a query into term groups with synonym and (when `expand`) typo and
    /// prefix expansions.
    fn query_groups(&self, text: &str, expand: bool) -> Vec<TermGroup> {
        let mut words: Vec<String> = Vec::new();
        // The surface word (before stemming) each of `words` was first seen as:
        // what typo tolerance corrects.
        let mut written: Vec<String> = Vec::new();
        // The query's terms in order, as indexes into `words` (`None` past the cap),
        // to recognise several-word synonym entries.
        let mut sequence: Vec<Option<usize>> = Vec::new();
        // The query's surface words in order, for several-word synonym entries.
        let mut surface_sequence: Vec<String> = Vec::new();
        let mut stemmed = String::new();
        self.analyzer.for_each_surface(text, |surface| {
            surface_sequence.push(surface.to_owned());
            let t = self.analyzer.stem_into(surface, &mut stemmed);
            if let Some(i) = words.iter().position(|w| w == t) {
                sequence.push(Some(i));
            } else if words.len() < MAX_QUERY_TERMS {
                sequence.push(Some(words.len()));
                words.push(t.to_owned());
                written.push(surface.to_owned());
            } else {
                sequence.push(None);
            }
        });
        // (index of the phrase's last word, synonym) for each several-word entry
        // found in the query: the synonyms join that word's group.
        let mut phrase_synonyms: Vec<(usize, &str)> = Vec::new();
        let synonyms_on = self.analyzer.query_synonyms && self.rules.synonyms;
        if synonyms_on {
            for (phrase, synonyms) in &self.synonym_table().phrases {
                for (start, window) in surface_sequence.windows(phrase.len()).enumerate() {
                    let last = sequence.get(start + phrase.len() - 1).copied().flatten();
                    if let (true, Some(last)) = (window == phrase.as_slice(), last) {
                        phrase_synonyms.extend(synonyms.iter().map(|s| (last, s.as_str())));
                    }
                }
            }
        }
        let short = words.len() <= SHORT_QUERY_TERMS;
        let max_idf = self.idf(0);
        let last = words.len().saturating_sub(1);
        words
            .iter()
            .enumerate()
            .map(|(i, word)| {
                let mut terms = Vec::new();
                let exact = self.term_ids.get(word).copied();
                if let Some(tid) = exact {
                    terms.push((tid, 1.0));
                }
                let chars = word.chars().count();
                let surface = written.get(i).map_or(word.as_str(), String::as_str);
                if expand && self.rules.typo && short && exact.is_none() && chars >= 4 {
                    terms.extend(
                        // One edit: a two-edit automaton costs about 1 ms to build
                        // for a 12-letter word, and typo expansion as a whole moved
                        // MRR@10 by at most 0.001 on the real sets.
                        self.fuzzy_matches(surface, 1)
                            .into_iter()
                            .map(|t| (t, EXPANSION_WEIGHT)),
                    );
                }
                if synonyms_on {
                    let from_phrases = phrase_synonyms
                        .iter()
                        .filter(|(at, _)| *at == i)
                        .map(|(_, s)| *s);
                    let synonyms = self.synonyms_of(word).iter().map(String::as_str);
                    for syn in synonyms.chain(from_phrases) {
                        if let Some(&tid) = self.term_ids.get(syn) {
                            if !terms.iter().any(|(t, _)| *t == tid) {
                                terms.push((tid, SYNONYM_WEIGHT));
                            }
                        }
                    }
                }
                if expand && self.rules.prefix && short && i == last && chars >= 3 {
                    for tid in self.prefix_matches(word) {
                        if Some(tid) != exact && !terms.iter().any(|(t, _)| *t == tid) {
                            terms.push((tid, EXPANSION_WEIGHT));
                        }
                    }
                }
                // An unknown word counts fully against match quality ("teleport" in a
                // support KB), except an unknown CJK bigram: without a dictionary,
                // bigrams spanning two words ("码怎" in "密码怎么办") are artifacts.
                let unknown_weight = if word.chars().any(super::analyzer::is_cjk) {
                    0.0
                } else {
                    max_idf
                };
                let idf = exact.map_or(unknown_weight, |tid| self.idf(self.df(tid)));
                let surface = exact
                    .and_then(|_| self.surface_ids.get(surface).copied())
                    .and_then(|sid| {
                        let docs = self.surfaces.get(sid as usize)?.docs;
                        Some((sid, self.idf(docs as usize)))
                    });
                TermGroup {
                    terms,
                    idf,
                    surface,
                }
            })
            .collect()
    }

    /// The analysed synonyms of an analysed query word.
    fn synonyms_of(&self, word: &str) -> &[String] {
        self.synonym_table()
            .words
            .get(word)
            .map_or(&[], Vec::as_slice)
    }

    /// The synonym table analysed with this index's analyzer (built once).
    fn synonym_table(&self) -> &SynonymTable {
        self.synonyms.get_or_init(|| {
            let mut table = SynonymTable::default();
            for group in super::analyzer::SYNONYMS {
                let mut words: Vec<String> = Vec::new();
                let mut phrases: Vec<Vec<String>> = Vec::new();
                for entry in *group {
                    let mut surfaces: Vec<String> = Vec::new();
                    self.analyzer
                        .for_each_surface(entry, |w| surfaces.push(w.to_owned()));
                    match surfaces.len() {
                        0 => {}
                        1 => {
                            let t = self.analyzer.terms(entry).pop();
                            if let Some(t) = t.filter(|t| !words.contains(t)) {
                                words.push(t);
                            }
                        }
                        _ => phrases.push(surfaces),
                    }
                }
                for t in &words {
                    let entry = table.words.entry(t.clone()).or_default();
                    for other in &words {
                        if other != t && !entry.contains(other) {
                            entry.push(other.clone());
                        }
                    }
                }
                for phrase in phrases {
                    let synonyms = words
                        .iter()
                        .filter(|w| !phrase.contains(w))
                        .cloned()
                        .collect();
                    table.phrases.push((phrase, synonyms));
                }
            }
            table
        })
    }

    /// The surface words as an FST to their term ids (built once per change of
    /// the surface words).
    fn surface_fst(&self) -> &fst::Map<Vec<u8>> {
        self.surface_fst.get_or_init(|| {
            let mut words: Vec<(&str, u64)> = self
                .surface_ids
                .iter()
                .filter_map(|(w, &sid)| {
                    Some((w.as_str(), u64::from(self.surfaces.get(sid as usize)?.term)))
                })
                .collect();
            words.sort_unstable();
            fst::Map::from_iter(words).unwrap_or_default()
        })
    }

    /// Terms of the indexed surface words within `max` edits of the surface word
    /// `word`, closest and most frequent first: a Levenshtein automaton walks the
    /// surface words' FST, so the cost depends on the word, not on the size of
    /// the vocabulary. Matching words as written, not stems, corrects what users
    /// type ("authenticatr" → "authenticator" → `authent`).
    fn fuzzy_matches(&self, word: &str, max: usize) -> Vec<u32> {
        use fst::{IntoStreamer, Streamer};
        let w: Vec<char> = word.chars().collect();
        let Ok(automaton) = fst::automaton::Levenshtein::new(word, u32::try_from(max).unwrap_or(1))
        else {
            return Vec::new();
        };
        let mut stream = self.surface_fst().search(automaton).into_stream();
        let mut found: Vec<(usize, usize, u32)> = Vec::new();
        let mut scanned = 0;
        while let Some((key, term)) = stream.next() {
            scanned += 1;
            let (Ok(surface), Ok(tid)) = (std::str::from_utf8(key), u32::try_from(term)) else {
                continue;
            };
            if let Some(d) = bounded_edit_distance(&w, surface, max) {
                found.push((d, usize::MAX - self.df(tid), tid));
            }
            if scanned >= MAX_FUZZY_SCANNED {
                break;
            }
        }
        found.sort_unstable();
        let mut out: Vec<u32> = Vec::new();
        for (_, _, tid) in found {
            if !out.contains(&tid) {
                out.push(tid);
            }
            if out.len() >= MAX_FUZZY_EXPANSIONS {
                break;
            }
        }
        out
    }

    /// Vocabulary terms that start with `prefix` (and are longer), most frequent first.
    fn prefix_matches(&self, prefix: &str) -> Vec<u32> {
        let mut found: Vec<(usize, &str, u32)> = self
            .vocabulary
            .range::<str, _>((
                std::ops::Bound::Excluded(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(t, _)| t.starts_with(prefix))
            .take(256)
            .map(|(t, &tid)| (usize::MAX - self.df(tid), t.as_str(), tid))
            .collect();
        found.sort_unstable();
        found
            .into_iter()
            .take(MAX_PREFIX_EXPANSIONS)
            .map(|f| f.2)
            .collect()
    }

    /// BM25F search, restricted to what `viewer` may see and to the query's filters.
    ///
    /// Scoring is BM25F over title, summary, tags and content (each field with its
    /// own length normalisation), plus a proximity bonus for consecutive query
    /// words that stand next to each other in a field ([`SearchRules::proximity`]).
    ///
    /// Each query word also matches, at reduced weight: its support-desk synonyms
    /// (0.6, when [`SearchRules::synonyms`] and [`Analyzer::query_synonyms`] are
    /// on; a several-word entry such as "access rights" adds its synonyms to its
    /// last word); and, only when the exact terms find fewer hits than the limit
    /// or none covering half the query ([`SearchRules::expansions_as_fallback`]),
    /// for queries of at most [`SHORT_QUERY_TERMS`] words, the terms of indexed
    /// words within one edit of an unknown word as written (a Levenshtein automaton
    /// over an FST of the words before stemming) and terms that start with the
    /// last word (0.5 each). A query word found in an article exactly as written
    /// earns an extra half of that form's idf ([`SearchRules::exact_forms`]).
    ///
    /// An empty query (no searchable term after analysis) or a zero limit returns an
    /// empty result; queries longer than [`MAX_QUERY_CHARS`] are cut.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// let r = index.search(&SearchQuery::new("expor"), &Viewer::Anonymous); // prefix
    /// assert_eq!(r.ids(), [id]);
    /// assert!(r.hits[0].match_quality > 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn search(&self, query: &SearchQuery, viewer: &Viewer) -> SearchResults {
        let text = cut_query(&query.text);
        let mut results = SearchResults::empty(text.to_owned());
        if query.limit == 0 || self.doc_count == 0 {
            return results;
        }
        let fallback = self.rules.expansions_as_fallback;
        let groups = self.query_groups(text, !fallback);
        let mut hits = self.score_groups(&groups, query, viewer);
        if fallback {
            // Expansions only when the exact terms find too little.
            let too_little = hits.len() < query.limit
                || !hits.iter().any(|h| h.match_quality >= GOOD_MATCH_QUALITY);
            if too_little {
                let expanded = self.query_groups(text, true);
                let grew = expanded
                    .iter()
                    .zip(&groups)
                    .any(|(e, g)| e.terms.len() > g.terms.len());
                if grew {
                    hits = self.score_groups(&expanded, query, viewer);
                }
            }
        }
        results.total_matches = hits.len();
        top_k(&mut hits, query.limit);
        results.hits = hits;
        results
    }

    /// BM25F scores (plus the proximity bonus) of every visible article matching
    /// `groups`, unordered.
    fn score_groups(
        &self,
        groups: &[TermGroup],
        query: &SearchQuery,
        viewer: &Viewer,
    ) -> Vec<SearchHit> {
        let total_idf: f32 = groups.iter().map(|g| g.idf).sum();
        if groups.is_empty() || total_idf <= 0.0 {
            return Vec::new();
        }
        let slots = self.docs.len();
        let mut score = vec![0f32; slots];
        let mut quality = vec![0f32; slots];
        let mut stamp = vec![0u32; slots];
        let mut touched: Vec<u32> = Vec::new();
        let weights = self.weights.as_array();
        let avg: [f32; FIELDS] = std::array::from_fn(|f| {
            let sum = self.len_sum.get(f).copied().unwrap_or(0) as f32;
            (sum / self.doc_count as f32).max(1.0)
        });
        let (k1, b) = (self.weights.k1, self.weights.b);
        for (gi, group) in groups.iter().enumerate() {
            let generation = u32::try_from(gi + 1).unwrap_or(u32::MAX);
            for &(tid, weight) in &group.terms {
                let Some(list) = self.postings.get(tid as usize) else {
                    continue;
                };
                let idf = self.idf(list.len());
                for p in list {
                    let Some(Some(doc)) = self.docs.get(p.slot as usize) else {
                        continue;
                    };
                    let mut tf = 0f32;
                    for f in 0..FIELDS {
                        let (Some(&t), Some(&w), Some(&l), Some(&a)) =
                            (p.tf.get(f), weights.get(f), doc.len.get(f), avg.get(f))
                        else {
                            continue;
                        };
                        if t > 0 {
                            tf += w * f32::from(t) / (1.0 - b + b * l as f32 / a);
                        }
                    }
                    let s = weight * idf * tf * (k1 + 1.0) / (k1 + tf);
                    let i = p.slot as usize;
                    if let (Some(sc), Some(q), Some(st)) =
                        (score.get_mut(i), quality.get_mut(i), stamp.get_mut(i))
                    {
                        if *st == 0 {
                            touched.push(p.slot);
                        }
                        *sc += s;
                        if *st != generation {
                            *st = generation;
                            *q += weight * group.idf;
                        }
                    }
                }
            }
        }
        let mut hits: Vec<SearchHit> = touched
            .into_iter()
            .filter_map(|slot| {
                let doc = self.docs.get(slot as usize)?.as_ref()?;
                if !doc.meta.allows(viewer, &query.filters) {
                    return None;
                }
                let i = slot as usize;
                let mq = (*quality.get(i)? / total_idf).clamp(0.0, 1.0);
                Some(SearchHit {
                    article: doc.id,
                    number: doc.number,
                    score: *score.get(i)?,
                    match_quality: mq,
                    similarity: None,
                })
            })
            .collect();
        let proximity = self.rules.proximity && groups.len() > 1;
        if proximity || self.rules.exact_forms {
            let depth = query.limit.max(PROXIMITY_DEPTH);
            if hits.len() > depth {
                hits.select_nth_unstable_by(depth - 1, rank_order);
            }
            let n = depth.min(hits.len());
            let top = hits.get_mut(..n).unwrap_or_default();
            if proximity {
                self.add_proximity(groups, top);
            }
            if self.rules.exact_forms {
                self.add_exact_forms(groups, top);
            }
        }
        hits
    }

    /// Adds the exact-form bonus to `hits`: for each query word found in the
    /// article as written, not only through its stem ("deleted" in "deleted
    /// records", where "deletion" and "delete" share the stem `delet`),
    /// [`EXACT_FORM_WEIGHT`] times the idf of that form (its own document
    /// frequency, as if the form were indexed as a term of its own).
    fn add_exact_forms(&self, groups: &[TermGroup], hits: &mut [SearchHit]) {
        for hit in hits {
            let Some(doc) = self.entry(hit.article) else {
                continue;
            };
            for g in groups {
                if let Some((sid, idf)) = g.surface {
                    if doc.surfaces.binary_search(&sid).is_ok() {
                        hit.score += EXACT_FORM_WEIGHT * idf;
                    }
                }
            }
        }
    }

    /// Adds the proximity bonus to `hits` (the best [`PROXIMITY_DEPTH`]): for each pair of
    /// consecutive query words whose exact terms stand next to each other, in
    /// order, in one field of the article, [`PROXIMITY_WEIGHT`] times the smaller
    /// idf of the two.
    fn add_proximity(&self, groups: &[TermGroup], hits: &mut [SearchHit]) {
        let pairs: Vec<(u32, u32, f32)> = groups
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => {
                    let (ta, wa) = *a.terms.first()?;
                    let (tb, wb) = *b.terms.first()?;
                    (wa >= 1.0 && wb >= 1.0).then(|| (ta, tb, a.idf.min(b.idf)))
                }
                _ => None,
            })
            .collect();
        if pairs.is_empty() {
            return;
        }
        for hit in hits.iter_mut() {
            let Some(doc) = self.entry(hit.article) else {
                continue;
            };
            let mut bonus = 0.0;
            for &(a, b, idf) in &pairs {
                if doc.sequence.windows(2).any(|w| w == [a, b]) {
                    bonus += PROXIMITY_WEIGHT * idf;
                }
            }
            hit.score += bonus;
        }
    }

    /// Exact cosine top-k over stored embeddings, restricted like [`SearchIndex::search`].
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `embedding` is empty, all zeros or not finite, or
    /// its dimension differs from the stored embeddings'.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// index.set_embedding(id, &[1.0, 0.0])?;
    /// let hits = index.vector_search(&[1.0, 0.0], &Viewer::Anonymous, &SearchFilters::default(), 3)?;
    /// assert_eq!(hits[0].similarity, Some(1.0));
    /// assert!(index.vector_search(&[1.0, 0.0, 0.0], &Viewer::Anonymous, &SearchFilters::default(), 3).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn vector_search(
        &self,
        embedding: &[f32],
        viewer: &Viewer,
        filters: &SearchFilters,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        let unit = normalized(embedding)?;
        if let Some(dim) = self.embedding_dim {
            if dim != unit.len() {
                return Err(Error::validation(
                    "embedding",
                    format!("dimension {} does not match the index's {dim}", unit.len()),
                ));
            }
        }
        // Score every visible document first (8 bytes each), build hits only for the top k.
        let mut scored: Vec<(f32, u32)> = self
            .docs
            .iter()
            .enumerate()
            .filter_map(|(slot, d)| {
                let d = d.as_ref()?;
                if !d.meta.allows(viewer, filters) {
                    return None;
                }
                if !d.has_vector {
                    return None;
                }
                let slot = u32::try_from(slot).ok()?;
                Some((unit_cosine(self.row(slot)?, &unit), slot))
            })
            .collect();
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0);
        if limit == 0 {
            scored.clear();
        } else if scored.len() > limit {
            // Keep everything tied with the k-th score so the final tie-break by
            // KnowledgeNumber sees all candidates.
            scored.select_nth_unstable_by(limit - 1, by_score);
            let kth = scored.get(limit - 1).map_or(f32::NEG_INFINITY, |s| s.0);
            scored.retain(|s| s.0 >= kth);
        }
        let mut hits: Vec<SearchHit> = scored
            .into_iter()
            .filter_map(|(sim, slot)| {
                let d = self.docs.get(slot as usize)?.as_ref()?;
                Some(SearchHit {
                    article: d.id,
                    number: d.number,
                    score: sim,
                    match_quality: 0.0,
                    similarity: Some(sim),
                })
            })
            .collect();
        top_k(&mut hits, limit);
        Ok(hits)
    }

    /// Hybrid search: BM25F and (when `embedding` is given) vector search.
    ///
    /// By default ([`SearchRules::vector_as_fallback`]) the BM25F order stands and
    /// vector hits only fill the list below the lexical hits when those are fewer
    /// than the limit: on the real evaluation sets `HeuristicAi` embeddings lowered
    /// MRR@10 at every fusion weight tried. With the fallback off, each side takes
    /// its best `max(limit, 50)` candidates, fused by reciprocal rank
    /// (`Σ w / (60 + rank)`, `w` = 1 for BM25F and [`SearchRules::vector_weight`]
    /// for vectors). A vector hit takes part only when its cosine
    /// similarity is at least [`SearchIndex::min_semantic_similarity`] (default
    /// 0.3): below that, a vector-only hit is dropped and a lexical hit keeps just
    /// its lexical rank, so weak embeddings cannot reorder good lexical results.
    /// Hits keep their lexical match quality and similarity.
    ///
    /// # Errors
    ///
    /// As [`SearchIndex::vector_search`] for a bad embedding.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// # let now: chrono::DateTime<chrono::Utc> = "2026-01-05T09:00:00Z".parse()?;
    /// # let mut kb = KnowledgeBase::new();
    /// # let id = kb.create(ArticleDraft::new("Export contacts to CSV", "Open Contacts and click Export."), now)?;
    /// # let article = kb.article(id)?.clone();
    /// let mut index = SearchIndex::default();
    /// index.upsert(&article);
    /// let r = index.hybrid_search(&SearchQuery::new("csv"), None, &Viewer::Anonymous)?;
    /// assert_eq!(r.ids(), [id]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hybrid_search(
        &self,
        query: &SearchQuery,
        embedding: Option<&[f32]>,
        viewer: &Viewer,
    ) -> Result<SearchResults> {
        let depth = query.limit.max(50);
        let wide = SearchQuery {
            text: query.text.clone(),
            limit: depth,
            filters: query.filters,
        };
        let lexical = self.search(&wide, viewer);
        let Some(embedding) = embedding else {
            let mut r = lexical;
            r.hits.truncate(query.limit);
            return Ok(r);
        };
        let unit = normalized(embedding)?;
        if let Some(dim) = self.embedding_dim {
            if dim != unit.len() {
                return Err(Error::validation(
                    "embedding",
                    format!("dimension {} does not match the index's {dim}", unit.len()),
                ));
            }
        }
        let similarity_of = |id: ArticleId| {
            self.slot_of
                .get(&id)
                .filter(|_| self.has_embedding(id))
                .and_then(|slot| self.row(*slot))
                .map(|row| unit_cosine(row, &unit))
        };
        let vector_weight = self.rules.vector_weight;
        let fill_only = self.rules.vector_as_fallback;
        // As a fallback the vector side can only fill the list below the lexical
        // hits, so a full lexical list is the answer.
        if vector_weight <= 0.0 || (fill_only && lexical.hits.len() >= query.limit) {
            let mut r = lexical;
            r.hits.truncate(query.limit);
            for h in &mut r.hits {
                h.similarity = similarity_of(h.article);
            }
            return Ok(r);
        }
        let semantic = self.vector_search(embedding, viewer, &query.filters, depth)?;
        let mut fused: HashMap<ArticleId, SearchHit> = HashMap::new();
        for (rank, hit) in lexical.hits.iter().enumerate() {
            let mut h = hit.clone();
            // As a fallback, lexical hits stay above every vector-only hit.
            h.score = 1.0 / (RRF_K + rank as f32 + 1.0) + if fill_only { 1.0 } else { 0.0 };
            h.similarity = similarity_of(hit.article);
            fused.insert(hit.article, h);
        }
        for (rank, hit) in semantic.iter().enumerate() {
            // Only genuinely close articles earn a vector rank: every article has some
            // cosine with every query, so below the floor the vector order is noise
            // and must neither surface unrelated articles nor reorder lexical hits.
            if hit.similarity.is_none_or(|s| s < self.min_similarity.get()) {
                continue;
            }
            let rrf = vector_weight / (RRF_K + rank as f32 + 1.0);
            fused
                .entry(hit.article)
                .and_modify(|h| {
                    if !fill_only {
                        h.score += rrf;
                    }
                    h.similarity = hit.similarity;
                })
                .or_insert_with(|| SearchHit {
                    score: rrf,
                    ..hit.clone()
                });
        }
        let mut hits: Vec<SearchHit> = fused.into_values().collect();
        let total = hits.len().max(lexical.total_matches);
        top_k(&mut hits, query.limit);
        Ok(SearchResults {
            query: lexical.query,
            hits,
            total_matches: total,
        })
    }
}

/// Dot product with eight independent accumulators, so the compiler can use SIMD
/// (a plain `sum()` must add in order and cannot be vectorised).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    let tail: f32 = ra.iter().zip(rb).map(|(p, q)| p * q).sum();
    acc.iter().sum::<f32>() + tail
}

/// The ranking order of hits: score (desc), then KnowledgeNumber (asc), then
/// article id.
fn rank_order(a: &SearchHit, b: &SearchHit) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.number.cmp(&b.number))
        .then_with(|| a.article.cmp(&b.article))
}

/// The cosine similarity of two unit vectors: their dot product, kept within
/// `-1.0..=1.0` (rounding can carry it just past 1).
fn unit_cosine(a: &[f32], b: &[f32]) -> f32 {
    dot(a, b).clamp(-1.0, 1.0)
}

/// Sorts by [`rank_order`] and keeps the first `k`.
fn top_k(hits: &mut Vec<SearchHit>, k: usize) {
    let cmp = rank_order;
    if k == 0 {
        hits.clear();
        return;
    }
    if hits.len() > k {
        hits.select_nth_unstable_by(k - 1, cmp);
        hits.truncate(k);
    }
    hits.sort_unstable_by(cmp);
}

/// The query text cut to [`MAX_QUERY_CHARS`] on a character boundary.
pub(crate) fn cut_query(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUERY_CHARS) {
        Some((i, _)) => text.get(..i).unwrap_or(text),
        None => text,
    }
}

/// `v / |v|`, rejecting empty, non-finite and zero vectors.
pub(crate) fn normalized(v: &[f32]) -> Result<Vec<f32>> {
    if v.is_empty() {
        return Err(Error::validation("embedding", "must not be empty"));
    }
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::validation(
            "embedding",
            "contains a non-finite value",
        ));
    }
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm <= f32::EPSILON {
        return Err(Error::validation("embedding", "is all zeros"));
    }
    Ok(v.iter().map(|x| x / norm).collect())
}

/// Cosine similarity of two vectors of the same length (0 when either is zero),
/// within `-1.0..=1.0`.
///
/// ```
/// use hotcrm_support::knowledge::cosine_similarity;
/// assert!((cosine_similarity(&[1.0, 0.0], &[2.0, 0.0]) - 1.0).abs() < 1e-6);
/// assert_eq!(cosine_similarity(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
/// ```
pub fn cosine_similarity(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na <= f32::EPSILON || nb <= f32::EPSILON {
        0.0
    } else {
        (dot / (na * nb)).clamp(-1.0, 1.0)
    }
}

/// Levenshtein distance between `a` and `b` if it is at most `max`.
fn bounded_edit_distance(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(c0) = cur.first_mut() {
            *c0 = i + 1;
        }
        let mut row_min = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX) + usize::from(ca != cb);
            let del = prev
                .get(j + 1)
                .copied()
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            let ins = cur.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            let v = sub.min(del).min(ins);
            if let Some(c) = cur.get_mut(j + 1) {
                *c = v;
            }
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().filter(|d| *d <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_table() {
        for (a, b, max, want) in [
            ("password", "pasword", 1, Some(1)),
            ("password", "passwrod", 2, Some(2)),
            ("invoice", "invoices", 1, Some(1)),
            ("login", "logout", 1, None),
            ("abc", "abc", 0, Some(0)),
        ] {
            let a: Vec<char> = a.chars().collect();
            assert_eq!(bounded_edit_distance(&a, b, max), want, "{a:?} vs {b}");
        }
    }

    #[test]
    fn cut_query_respects_char_boundaries() {
        let q = "é".repeat(MAX_QUERY_CHARS + 10);
        assert_eq!(cut_query(&q).chars().count(), MAX_QUERY_CHARS);
    }
}
