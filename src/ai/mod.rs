//! The AI port: the [`AiProvider`] trait (classify a case, read sentiment, embed
//! texts, generate grounded text, enhance articles), the offline deterministic
//! [`HeuristicAi`], the [`FailingAi`] test double, `OpenAiProvider` (feature
//! `openai`) for OpenAI-compatible HTTP APIs, and the async glue that feeds
//! provider output into the pure knowledge base ([`answer`], [`hybrid_search`],
//! [`related_for_case`], [`enhance_article`], [`embed_missing`]).
//!
//! Layer 3 (port): depends on `knowledge`, `routing` (agent suggestions), `case`
//! picklists, `ids` and `error`; never on `repo` or `desk`.

use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::knowledge::Enhancement;

mod failing;
mod heuristic;
mod lexicon;
#[cfg(feature = "openai")]
mod openai;
mod rag;
mod types;

pub use failing::FailingAi;
pub use heuristic::{HEURISTIC_EMBEDDING_DIM, HeuristicAi};
#[cfg(feature = "openai")]
#[cfg_attr(docsrs, doc(cfg(feature = "openai")))]
pub use openai::{
    OPENAI_DEFAULT_BASE_URL, OPENAI_DEFAULT_CHAT_MODEL, OPENAI_DEFAULT_EMBEDDING_MODEL,
    OpenAiConfig, OpenAiError, OpenAiProvider, RetryPolicy,
};
pub use rag::{answer, embed_missing, enhance_article, hybrid_search, related_for_case};
pub(crate) use rag::{embed_one, finish_answer, generate_for, plan_answer};
pub use types::{
    AgentProfile, Classification, ClassifyRequest, ContextDoc, Embedding, EmotionScores,
    EnhanceRequest, GenerateRequest, Generated, SentimentAnalysis, SourceRef, SuggestAgentRequest,
    Urgency,
};

/// A source of AI judgements and text: the host's model service, or the built-in
/// [`HeuristicAi`].
///
/// # Contract
///
/// What an implementor must provide:
///
/// * [`classify`](AiProvider::classify): a category, suggested case type and
///   priority, a confidence in `0.0..=1.0` and a short human-readable reason.
/// * [`sentiment`](AiProvider::sentiment): sentiment, polarity in `-1.0..=1.0`,
///   urgency, emotion scores in `0.0..=1.0`.
/// * [`embed`](AiProvider::embed): **exactly one** [`Embedding`] per input text, in
///   input order, all of the same dimension for the provider's lifetime (the
///   knowledge index rejects mixed dimensions). An empty input slice yields an empty
///   vector.
/// * [`generate`](AiProvider::generate): text answering `prompt` from the request's
///   context only; `cited` must name only sources present in the context (callers
///   drop any other), and should be empty when the context does not answer the
///   prompt.
/// * [`enhance_article`](AiProvider::enhance_article): proposed summary, tags and
///   search keywords for an article.
/// * [`suggest_agent`](AiProvider::suggest_agent) (optional, defaults to "no
///   suggestion"): one of the request's candidates with a confidence in
///   `0.0..=1.0` and a reason, for queues routed with
///   [`RoutingMethod::AiAssisted`](crate::routing::RoutingMethod::AiAssisted).
///
/// Errors: every method may fail (timeouts, quotas, malformed model output). Report
/// failures as [`Error::Ai`](crate::Error::Ai) (see [`Error::ai`](crate::Error::ai)).
/// Callers in this crate degrade gracefully: a case is created without AI fields,
/// search falls back to BM25, answers fall back to extraction. Implementations must
/// not panic.
///
/// Determinism is *not* required of host providers (models drift); the built-in
/// [`HeuristicAi`] is deterministic so tests can pin its output.
///
/// `Arc<T>` and `Box<T>` forward to `T`, so `Arc<dyn AiProvider>` is an `AiProvider`.
///
/// # Example: degrade gracefully
///
/// ```
/// use hotcrm_support::ai::{AiProvider, ClassifyRequest, FailingAi, HeuristicAi};
/// use hotcrm_support::case::AiCategory;
///
/// async fn category(ai: &dyn AiProvider, subject: &str) -> Option<AiCategory> {
///     ai.classify(&ClassifyRequest::new(subject, "")).await.ok().map(|c| c.category)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(category(&HeuristicAi::new(), "Refund for a double charge").await, Some(AiCategory::Billing));
/// assert_eq!(category(&FailingAi::new(), "Refund for a double charge").await, None);
/// # Ok(())
/// # }
/// ```
#[async_trait]
pub trait AiProvider: Send + Sync {
    /// Classifies a case.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn classify(&self, request: &ClassifyRequest) -> Result<Classification>;

    /// Reads the sentiment of a message.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn sentiment(&self, text: &str) -> Result<SentimentAnalysis>;

    /// Embeds texts: one unit vector per text, in order, of one dimension.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Embedding>>;

    /// Generates text from a prompt grounded in context documents.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn generate(&self, request: &GenerateRequest) -> Result<Generated>;

    /// Proposes a summary, tags and keywords for an article.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn enhance_article(&self, request: &EnhanceRequest) -> Result<Enhancement>;

    /// Classifies a case and reads its sentiment in one call, as the desk does for
    /// every new case. The default calls [`classify`](Self::classify) and
    /// [`sentiment`](Self::sentiment) on [`ClassifyRequest::text`]; override it when
    /// your model can do both at once. Each half fails on its own.
    async fn analyze(
        &self,
        request: &ClassifyRequest,
    ) -> (Result<Classification>, Result<SentimentAnalysis>) {
        let classification = self.classify(request).await;
        let sentiment = self.sentiment(&request.text()).await;
        (classification, sentiment)
    }

    /// Suggests which candidate should take a case, for AI-assisted queues; `None`
    /// when the provider has no opinion. The router accepts the suggestion only if
    /// the agent is eligible and the confidence reaches the queue's threshold, and
    /// otherwise falls back to SkillBased, as it does when this call fails. The
    /// default has no opinion, so existing providers keep working.
    ///
    /// # Errors
    ///
    /// [`Error::Ai`](crate::Error::Ai) when the provider fails.
    async fn suggest_agent(
        &self,
        request: &SuggestAgentRequest,
    ) -> Result<Option<crate::routing::AiSuggestion>> {
        let _ = request;
        Ok(None)
    }
}

macro_rules! forward_ai_provider {
    ($($wrapper:ident),+) => {$(
        #[async_trait]
        impl<T: AiProvider + ?Sized> AiProvider for $wrapper<T> {
            async fn classify(&self, request: &ClassifyRequest) -> Result<Classification> {
                (**self).classify(request).await
            }
            async fn sentiment(&self, text: &str) -> Result<SentimentAnalysis> {
                (**self).sentiment(text).await
            }
            async fn embed(&self, texts: &[String]) -> Result<Vec<Embedding>> {
                (**self).embed(texts).await
            }
            async fn generate(&self, request: &GenerateRequest) -> Result<Generated> {
                (**self).generate(request).await
            }
            async fn enhance_article(&self, request: &EnhanceRequest) -> Result<Enhancement> {
                (**self).enhance_article(request).await
            }
            async fn analyze(
                &self,
                request: &ClassifyRequest,
            ) -> (Result<Classification>, Result<SentimentAnalysis>) {
                (**self).analyze(request).await
            }
            async fn suggest_agent(
                &self,
                request: &SuggestAgentRequest,
            ) -> Result<Option<crate::routing::AiSuggestion>> {
                (**self).suggest_agent(request).await
            }
        }
    )+};
}

forward_ai_provider!(Arc, Box);
