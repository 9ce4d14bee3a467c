//! The async glue between an [`AiProvider`] and the pure [`KnowledgeBase`]:
//! grounded answers, hybrid search, related articles for a case, AI enhancement and
//! embeddings on save. Every function degrades to the pure path when the provider
//! fails.
//!
//! Layer 3: depends on `knowledge`, the `ai` types and `error`.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::ids::{ArticleId, KnowledgeNumber};
use crate::knowledge::{
    Answer, AnswerOutcome, KnowledgeBase, SearchHit, SearchQuery, SearchResults, Viewer, cut_query,
    validate_question,
};

use super::{AiProvider, ContextDoc, EnhanceRequest, GenerateRequest, Generated, SourceRef};

/// Articles embedded per provider call in [`embed_missing`].
const EMBED_BATCH: usize = 32;

/// The embedding of `text`, or `None` when the provider fails or breaks its
/// contract (wrong count), or when the index holds no embeddings to compare with.
async fn embed_query(kb: &KnowledgeBase, ai: &dyn AiProvider, text: &str) -> Option<Vec<f32>> {
    if kb.index().embedded_len() == 0 {
        return None;
    }
    embed_one(ai, text).await
}

/// The embedding of one text, or `None` when the provider fails or breaks its
/// contract (wrong count).
pub(crate) async fn embed_one(ai: &dyn AiProvider, text: &str) -> Option<Vec<f32>> {
    let mut out = ai.embed(&[text.to_owned()]).await.ok()?;
    if out.len() != 1 {
        return None;
    }
    out.pop().map(super::Embedding::into_vec)
}

/// Answers `question` for `viewer` from the visible published articles, through
/// the provider (RAG).
///
/// 1. Retrieve: hybrid search (the provider embeds the question; BM25 alone if it
///    fails) keeps at most three *good* hits the viewer may read.
/// 2. Nothing relevant: return [`Answer::not_found`] — nothing is invented — and
///    record the question as unanswered (it shows up in knowledge-gap reports).
/// 3. Generate: the provider answers from those articles only. Citations are
///    limited to the articles given; if the provider cites none, all given articles
///    are cited. If generation fails or returns no text, the pure extractive answer
///    ([`KnowledgeBase::answer_extractive`]) is used instead.
///
/// The question is always recorded in the knowledge base's query log; questions
/// over [`MAX_QUERY_CHARS`](crate::knowledge::MAX_QUERY_CHARS) characters are cut.
///
/// # Errors
///
/// [`Error::Validation`] for an empty question. Provider failures are not errors.
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{answer, HeuristicAi};
/// use hotcrm_support::ids::AgentId;
/// use hotcrm_support::knowledge::{AnswerOutcome, ArticleDraft, KnowledgeBase, Viewer};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let now = "2026-01-01T00:00:00Z".parse()?;
/// let r = AgentId::from_u128(1);
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("How to reset your password",
///     "1. Click Forgot password.\n2. Enter your email address.\n3. Open the link we send you.")
///     .summary("Reset a forgotten password."), now)?;
/// kb.submit_for_review(id, r, now)?;
/// kb.publish(id, r, now)?;
///
/// let a = answer(&mut kb, &HeuristicAi::new(), "I forgot my password", &Viewer::Anonymous, now).await?;
/// assert_eq!(a.outcome, AnswerOutcome::Answered);
/// assert_eq!(a.citations[0].to_string(), "KB-2026-0001");
/// # Ok(())
/// # }
/// ```
pub async fn answer(
    kb: &mut KnowledgeBase,
    ai: &dyn AiProvider,
    question: &str,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Result<Answer> {
    validate_question(question)?;
    let question = cut_query(question);
    let embedding = embed_query(kb, ai, question).await;
    let plan = plan_answer(kb, question, embedding.as_deref(), viewer)?;
    let generated = generate_for(ai, plan.as_ref()).await;
    finish_answer(
        kb,
        question,
        plan,
        generated,
        embedding.as_deref(),
        viewer,
        now,
    )
}

/// The generation step of [`answer`]: the provider's answer to the plan, if any.
pub(crate) async fn generate_for(
    ai: &dyn AiProvider,
    plan: Option<&AnswerPlan>,
) -> Option<Result<Generated>> {
    match plan {
        Some(p) => Some(ai.generate(&p.request).await),
        None => None,
    }
}

/// The retrieval half of [`answer`]: what to ask the provider.
pub(crate) struct AnswerPlan {
    /// The question with the retrieved articles as context.
    pub(crate) request: GenerateRequest,
    /// The articles given, in context order.
    given: Vec<KnowledgeNumber>,
    /// How well the best article matched (0–1).
    relevance: f32,
}

/// Retrieves the visible published articles for `question` (already validated
/// and cut); `None` when nothing is relevant.
pub(crate) fn plan_answer(
    kb: &KnowledgeBase,
    question: &str,
    embedding: Option<&[f32]>,
    viewer: &Viewer,
) -> Result<Option<AnswerPlan>> {
    let retrieved = match kb.retrieve_for_answer(question, embedding, viewer) {
        Ok(r) => r,
        Err(_) => kb.retrieve_for_answer(question, None, viewer)?,
    };
    let relevance = retrieved.first().map_or(0.0, |(_, h)| {
        h.match_quality.max(h.similarity.unwrap_or(0.0))
    });
    let context: Vec<ContextDoc> = retrieved
        .iter()
        .map(|(a, _)| ContextDoc {
            source: SourceRef::Article(a.number),
            title: a.title.clone(),
            text: a.content.clone(),
        })
        .collect();
    if context.is_empty() {
        return Ok(None);
    }
    let given: Vec<KnowledgeNumber> = context.iter().filter_map(|c| c.source.article()).collect();
    Ok(Some(AnswerPlan {
        request: GenerateRequest {
            prompt: question.to_owned(),
            context,
        },
        given,
        relevance,
    }))
}

/// The recording half of [`answer`]: the provider's text with checked
/// citations, the extractive answer when it failed or found nothing, or "not
/// found" when there was no plan; the question is recorded in the query log.
pub(crate) fn finish_answer(
    kb: &mut KnowledgeBase,
    question: &str,
    plan: Option<AnswerPlan>,
    generated: Option<Result<Generated>>,
    embedding: Option<&[f32]>,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Result<Answer> {
    let Some(plan) = plan else {
        let mut a = Answer::not_found(question);
        a.search = kb.try_record_answer(question, 0, false, now).ok();
        return Ok(a);
    };
    match generated {
        Some(Ok(generated)) if !generated.text.trim().is_empty() && !generated.cited.is_empty() => {
            let given = plan.given;
            let mut citations: Vec<KnowledgeNumber> = Vec::new();
            for n in generated.cited.iter().filter_map(SourceRef::article) {
                if given.contains(&n) && !citations.contains(&n) {
                    citations.push(n);
                }
            }
            if citations.is_empty() {
                citations = given.clone();
            }
            let confidence =
                (generated.confidence.clamp(0.0, 1.0) * 0.5 + plan.relevance * 0.5).clamp(0.0, 1.0);
            let search = kb.try_record_answer(question, given.len(), true, now).ok();
            Ok(Answer {
                question: question.to_owned(),
                text: generated.text,
                citations,
                confidence,
                outcome: AnswerOutcome::Answered,
                search,
            })
        }
        // The provider failed, or found nothing in the context: fall back to extraction.
        _ => kb.answer_extractive(question, embedding, viewer, now),
    }
}

/// Hybrid search with the provider embedding the query; BM25 alone when the
/// provider fails, the index has no embeddings, or the embedding is unusable.
/// Never fails. Does not record analytics (see [`KnowledgeBase::record_search`]).
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{hybrid_search, FailingAi};
/// use hotcrm_support::knowledge::{KnowledgeBase, SearchQuery, Viewer};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let kb = KnowledgeBase::new();
/// let r = hybrid_search(&kb, &FailingAi::new(), &SearchQuery::new("sso"), &Viewer::Anonymous).await;
/// assert!(r.hits.is_empty());
/// # Ok(())
/// # }
/// ```
pub async fn hybrid_search(
    kb: &KnowledgeBase,
    ai: &dyn AiProvider,
    query: &SearchQuery,
    viewer: &Viewer,
) -> SearchResults {
    let embedding = embed_query(kb, ai, cut_query(&query.text)).await;
    kb.hybrid_search(query, embedding.as_deref(), viewer)
        .unwrap_or_else(|_| kb.search(query, viewer))
}

/// Case integration: the articles related to a new case (subject + description),
/// visible to `viewer`, best first — what the desk stores as the case's related
/// knowledge. Degrades to BM25 when the provider fails. Never fails.
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{related_for_case, HeuristicAi};
/// use hotcrm_support::knowledge::{KnowledgeBase, Viewer};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let kb = KnowledgeBase::new();
/// let hits = related_for_case(&kb, &HeuristicAi::new(), "Unable to login", "Auth error", &Viewer::Employee, 3).await;
/// assert!(hits.is_empty());
/// # Ok(())
/// # }
/// ```
pub async fn related_for_case(
    kb: &KnowledgeBase,
    ai: &dyn AiProvider,
    subject: &str,
    description: &str,
    viewer: &Viewer,
    limit: usize,
) -> Vec<SearchHit> {
    let text = format!("{subject}\n{description}");
    let embedding = embed_query(kb, ai, &text).await;
    kb.related_to_text(&text, embedding.as_deref(), viewer, limit)
        .or_else(|_| kb.related_to_text(&text, None, viewer, limit))
        .unwrap_or_default()
}

/// The "on save" hook: asks the provider for a summary, tags and keywords and
/// applies them to the draft (see [`KnowledgeBase::apply_enhancement`]).
///
/// # Errors
///
/// [`Error::NotFound`], [`Error::NotAllowed`] (not a draft) and
/// [`Error::Validation`] as in `apply_enhancement`; [`Error::Ai`] when the
/// provider fails — the article is then unchanged, and the desk saves it anyway.
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{enhance_article, HeuristicAi};
/// use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let now = "2026-01-01T00:00:00Z".parse()?;
/// let mut kb = KnowledgeBase::new();
/// let id = kb.create(ArticleDraft::new("Rotate API keys", "Open Settings > API. Click Rotate key. Update your integrations."), now)?;
/// enhance_article(&mut kb, &HeuristicAi::new(), id, now).await?;
/// assert!(!kb.article(id)?.summary.is_empty());
/// assert!(kb.article(id)?.tags.contains(&"api".to_string()));
/// # Ok(())
/// # }
/// ```
pub async fn enhance_article(
    kb: &mut KnowledgeBase,
    ai: &dyn AiProvider,
    id: ArticleId,
    now: DateTime<Utc>,
) -> Result<()> {
    // Checked before the provider is asked, so a refused call costs nothing.
    let a = kb.enhanceable(id, "enhance article")?;
    let request = EnhanceRequest {
        title: a.title.clone(),
        summary: a.summary.clone(),
        content: a.content.clone(),
        tags: a.tags.clone(),
    };
    let enhancement = ai.enhance_article(&request).await?;
    kb.apply_enhancement(id, enhancement, now)
}

/// Embeds every live article that has no embedding yet, in batches of 32, and
/// stores the vectors. Returns how many were embedded.
///
/// # Errors
///
/// [`Error::Ai`] when the provider fails or returns the wrong number of vectors;
/// [`Error::Validation`] when a vector's dimension differs from the stored ones.
/// Batches stored before the failure are kept (a retry embeds only the rest).
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{embed_missing, HeuristicAi};
/// use hotcrm_support::knowledge::KnowledgeBase;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut kb = KnowledgeBase::new();
/// assert_eq!(embed_missing(&mut kb, &HeuristicAi::new()).await?, 0);
/// # Ok(())
/// # }
/// ```
pub async fn embed_missing(kb: &mut KnowledgeBase, ai: &dyn AiProvider) -> Result<usize> {
    let ids = kb.missing_embeddings();
    let mut done = 0;
    for batch in ids.chunks(EMBED_BATCH) {
        let texts = batch
            .iter()
            .map(|id| kb.embedding_text(*id))
            .collect::<Result<Vec<String>>>()?;
        let vectors = ai.embed(&texts).await?;
        if vectors.len() != batch.len() {
            return Err(Error::ai(format!(
                "embed returned {} vectors for {} texts",
                vectors.len(),
                batch.len()
            )));
        }
        for (id, v) in batch.iter().zip(vectors) {
            kb.set_embedding(*id, v.as_slice())?;
            done += 1;
        }
    }
    Ok(done)
}
