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
//!   [`crate::ai::embed_missing`] — the desk's article workflow
//!   ([`SupportDesk::edit_article`](crate::desk::SupportDesk::edit_article),
//!   [`SupportDesk::publish_article`](crate::desk::SupportDesk::publish_article)
//!   and the others) runs them as configured and stores the result, the
//!   embedding included ([`KnowledgeArticle::embedding`]), in one commit;
//! * on search: [`KnowledgeBase::record_search`] and [`KnowledgeBase::record_click`];
//! * on article creation: the desk allocates the [`KnowledgeNumber`](crate::ids::KnowledgeNumber)
//!   from its repository's sequence inside its commit and calls
//!   [`KnowledgeBase::create_numbered`] (required when several desks share a
//!   store; see [`KnowledgeBase`]'s "Numbering");
//! * on the periodic sweep: [`KnowledgeBase::enforce_retention`] with the
//!   configured [`AnalyticsRetention`].
//!
//! # What grows with what (search analytics)
//!
//! The log is the only part of a [`KnowledgeBase`] that
//! grows with traffic rather than with content, so it is bounded by an
//! [`AnalyticsRetention`] policy:
//!
//! | grows with | what | bound | enforced |
//! |---|---|---|---|
//! | every recorded search or answer | one [`SearchRecord`]: the query (at most [`MAX_QUERY_CHARS`] characters), its key, 112 bytes of fixed fields | [`max_records`](AnalyticsRetention::max_records) (default 100,000), oldest dropped first | when a search is recorded |
//! | time | records older than the window | [`max_age`](AnalyticsRetention::max_age) (default 90 days) | [`KnowledgeBase::enforce_retention`], which the host's periodic sweep calls |
//! | every click | one 16-byte article id in [`SearchRecord::clicks`] for each *distinct* article opened | [`max_clicks_per_search`](AnalyticsRetention::max_clicks_per_search) (default 100) | when the click is recorded |
//!
//! A click on an article the search already lists, or beyond the cap, is still
//! accepted: it adds to [`SearchRecord::click_count`] (a number, not a list) and
//! to the article's view counter, so nothing grows. Gap reports only ask whether
//! a search had a click at all, and a search that was clicked always keeps its
//! first click, so capping never turns an answered search into a gap.
//!
//! With the defaults and typical queries (30 characters) a full log takes about
//! 18 MiB (measured: 100,000 records with some 60,000 listed clicks, 21 MiB as
//! JSON). The worst case — 1,000-character queries of distinct CJK characters,
//! whose key of bigrams is about twice as long — is about `max_records ×
//! (13,000 + 16 × max_clicks_per_search + 112)` bytes, some 1.4 GiB with the
//! defaults: lower `max_records` where untrusted clients can search. Between two
//! sweeps the log may hold records older than `max_age`, never more than
//! `max_records`.
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

/// Declares `$fields`, the unvalidated serde shape of record `$ty` (the same
/// fields, which must be all of them), and `TryFrom<$fields> for $ty` running
/// `$ty::validate` — the check the constructors and commands of `$ty` use too, so
/// loading accepts exactly what they can produce. Pair it with
/// `#[serde(try_from = "$fields")]` on `$ty`.
macro_rules! validated_serde {
    ($ty:ident, $fields:ident { $($(#[$attr:meta])* $field:ident: $t:ty),* $(,)? }) => {
        #[doc = concat!("The unvalidated serde shape of [`", stringify!($ty), "`].")]
        #[derive(serde::Deserialize)]
        struct $fields {
            $($(#[$attr])* $field: $t,)*
        }

        impl TryFrom<$fields> for $ty {
            type Error = crate::error::Error;

            fn try_from(f: $fields) -> crate::error::Result<$ty> {
                let value = $ty { $($field: f.$field,)* };
                value.validate()?;
                Ok(value)
            }
        }
    };
}

mod analytics;
pub(crate) mod analyzer;
mod answer;
mod article;
mod base;
pub(crate) mod index;
mod language;
mod rating;
mod score;
mod slug;
mod solutions;
mod viewer;

pub use analytics::{
    AnalyticsRetention, KnowledgeGapReport, LowQualityArticle, OutdatedArticle, QueryGap,
    QuerySource, RetentionReport, SearchAnalytics, SearchId, SearchRecord, SuggestedArticle,
};
pub use analyzer::Analyzer;
pub use answer::{Answer, AnswerOutcome, Extract, NO_ANSWER_TEXT, extract_answer};
pub use article::{
    ArticleCategory, ArticleCounters, ArticleDraft, ArticleStatus, ArticleVersion,
    KnowledgeArticle, MAX_CONTENT_BYTES, MAX_EMBEDDING_DIMS, MAX_SUMMARY_CHARS, MAX_TAG_CHARS,
    MAX_TAGS, MAX_TITLE_CHARS, PortalTier, VersionBump, Visibility,
};
pub use base::{Enhancement, KnowledgeBase, KnowledgePolicy};
pub use index::{
    FieldWeights, GOOD_MATCH_QUALITY, GOOD_SIMILARITY, MAX_FIELD_WEIGHT, MAX_QUERY_CHARS,
    MAX_QUERY_TERMS, RRF_K, SHORT_QUERY_TERMS, SearchFilters, SearchHit, SearchIndex, SearchQuery,
    SearchResults, SearchRules, SimilarityFloor, cosine_similarity,
};
pub use language::{Language, MAX_LANGUAGE_CHARS};
pub use rating::{ArticleRatings, MAX_RATING, MIN_RATING, Rater};
pub use score::{LOW_QUALITY_THRESHOLD, QualityBreakdown, quality_breakdown, quality_score};
pub use slug::{MAX_SLUG_CHARS, slugify, unique_slug};
pub use solutions::{
    ResolvedCase, SIMILAR_CASE_THRESHOLD, SolutionIndex, SuggestedSolution, suggest_solution,
};
pub use viewer::Viewer;

pub(crate) use base::validate_question;
pub(crate) use index::cut_query;
