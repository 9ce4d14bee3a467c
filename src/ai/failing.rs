//! [`FailingAi`]: a provider whose every call fails, to prove that callers degrade
//! gracefully. Layer 3: depends on the `ai` types and `error`.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::knowledge::Enhancement;

use super::{
    AiProvider, Classification, ClassifyRequest, Embedding, EnhanceRequest, GenerateRequest,
    Generated, SentimentAnalysis, SuggestAgentRequest,
};
use crate::routing::AiSuggestion;

/// An [`AiProvider`] that returns [`Error::Ai`] from every method and counts calls.
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{AiProvider, FailingAi};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ai = FailingAi::new();
/// assert!(ai.sentiment("hello").await.is_err());
/// assert_eq!(ai.calls(), 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct FailingAi {
    calls: AtomicU64,
}

impl FailingAi {
    /// A provider that always fails.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(FailingAi::new().calls(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How many calls were made.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(FailingAi::new().calls(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn fail(&self, method: &str) -> Error {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Error::ai(format!("{method}: provider unavailable (FailingAi)"))
    }
}

#[async_trait]
impl AiProvider for FailingAi {
    async fn classify(&self, _request: &ClassifyRequest) -> Result<Classification> {
        Err(self.fail("classify"))
    }
    async fn sentiment(&self, _text: &str) -> Result<SentimentAnalysis> {
        Err(self.fail("sentiment"))
    }
    async fn embed(&self, _texts: &[String]) -> Result<Vec<Embedding>> {
        Err(self.fail("embed"))
    }
    async fn generate(&self, _request: &GenerateRequest) -> Result<Generated> {
        Err(self.fail("generate"))
    }
    async fn enhance_article(&self, _request: &EnhanceRequest) -> Result<Enhancement> {
        Err(self.fail("enhance_article"))
    }
    async fn suggest_agent(&self, _request: &SuggestAgentRequest) -> Result<Option<AiSuggestion>> {
        Err(self.fail("suggest_agent"))
    }
}
