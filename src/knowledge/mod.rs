//! The knowledge base: articles with a review lifecycle, versions and visibility;
//! quality and helpfulness scores; BM25F keyword search, vector and hybrid search;
//! search analytics and knowledge-gap reports; grounded extractive answers; and
//! the building blocks the desk calls on case events.
//!
//! Layer 2 (pure domain rules): depends on `ids`, `error` and `picklist`; never on
//! `ai`, `repo` or `desk`. No I/O, no clock, no randomness apart from new
//! [`ArticleId`](crate::ids::ArticleId)s: "now" is a parameter.
//!
//! # The split between `knowledge` and `ai`
//!
//! Everything that needs a model is an *input* here: embeddings are passed to
//! [`KnowledgeBase::set_embedding`] and to the `embedding` argument of
//! [`KnowledgeBase::hybrid_search`] / [`KnowledgeBase::related_to_text`]; AI
//! enhancement arrives as an [`Enhancement`]. The async glue that calls an
//! [`AiProvider`](crate::ai::AiProvider) — [`ai::answer`](crate::ai::answer),
//! [`ai::hybrid_search`](crate::ai::hybrid_search),
//! [`ai::enhance_article`](crate::ai::enhance_article),
//! [`ai::embed_missing`](crate::ai::embed_missing) — lives in the `ai` module (layer
//! 3) and degrades to the pure paths here when the provider fails.
//!
//! # Lifecycle
//!
//! `Draft → InReview → Published → Archived` ([`ArticleStatus::can_transition_to`]).
//! Each version is a record; versions share a [`KnowledgeNumber`](crate::ids::KnowledgeNumber)
//! and slug. Editing a published article ([`KnowledgeBase::edit`]) creates a draft
//! version and leaves the live one untouched; publishing it archives the old one.
//!
//! # Visibility
//!
//! Every read path — [`KnowledgeBase::search`], vector and hybrid search,
//! [`KnowledgeBase::related`], [`KnowledgeBase::related_to_text`], answers and
//! [`KnowledgeBase::find_readable`] — returns only live versions the [`Viewer`] may
//! read (table on [`Viewer`]).
//!
//! # Case integration (for the desk)
//!
//! * on case creation: [`KnowledgeBase::related_to_text`] with subject + description
//!   (and the text's embedding when available) gives the related articles;
//!   [`suggest_solution`] over the account's or product's resolved cases gives the
//!   suggested solution;
//! * on resolve with a linked article: [`KnowledgeBase::record_case_resolved`];
//! * on article save: [`crate::ai::enhance_article`] then
//!   [`crate::ai::embed_missing`];
//! * on search: [`KnowledgeBase::record_search`] and [`KnowledgeBase::record_click`].
//!
//! # Example
//!
//! ```
//! use hotcrm_support::ids::AgentId;
//! use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, SearchQuery, Viewer, Visibility};
//!
//! let now = "2026-03-02T09:00:00Z".parse()?;
//! let editor = AgentId::from_u128(1);
//! let mut kb = KnowledgeBase::new();
//! for (title, visibility) in [("Configure SAML single sign-on", Visibility::Public),
//!                             ("SSO outage runbook", Visibility::Internal)] {
//!     let id = kb.create(ArticleDraft::new(title, "Open Settings > Security > SSO.")
//!         .summary("Single sign-on setup.").visibility(visibility), now)?;
//!     kb.submit_for_review(id, editor, now)?;
//!     kb.publish(id, editor, now)?;
//! }
//! let public = kb.search(&SearchQuery::new("sso"), &Viewer::Anonymous);
//! assert_eq!(public.hits.len(), 1);
//! let internal = kb.search(&SearchQuery::new("sso"), &Viewer::Employee);
//! assert_eq!(internal.hits.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod analytics;
mod analyzer;
mod answer;
mod article;
mod base;
pub(crate) mod index;
mod score;
mod slug;
mod solutions;
mod viewer;

pub use analytics::{
    KnowledgeGapReport, LowQualityArticle, OutdatedArticle, QueryGap, QuerySource, SearchAnalytics,
    SearchId, SearchRecord, SuggestedArticle,
};
pub use analyzer::Analyzer;
pub use answer::{Answer, AnswerOutcome, Extract, NO_ANSWER_TEXT, extract_answer};
pub use article::{
    ArticleCategory, ArticleCounters, ArticleDraft, ArticleStatus, ArticleVersion,
    KnowledgeArticle, MAX_CONTENT_BYTES, MAX_SUMMARY_CHARS, MAX_TAG_CHARS, MAX_TAGS,
    MAX_TITLE_CHARS, PortalTier, VersionBump, Visibility,
};
pub use base::{Enhancement, KnowledgeBase, KnowledgePolicy};
pub use index::{
    FieldWeights, GOOD_MATCH_QUALITY, GOOD_SIMILARITY, MAX_QUERY_CHARS, MAX_QUERY_TERMS, RRF_K,
    SHORT_QUERY_TERMS, SearchFilters, SearchHit, SearchIndex, SearchQuery, SearchResults,
    SimilarityFloor, cosine_similarity,
};
pub use score::{LOW_QUALITY_THRESHOLD, QualityBreakdown, quality_breakdown, quality_score};
pub use slug::{MAX_SLUG_CHARS, slugify, unique_slug};
pub use solutions::{ResolvedCase, SIMILAR_CASE_THRESHOLD, SuggestedSolution, suggest_solution};
pub use viewer::Viewer;

pub(crate) use base::validate_question;
pub(crate) use index::cut_query;
