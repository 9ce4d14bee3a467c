//! [`OpenAiProvider`] (feature `openai`): an [`AiProvider`] for any
//! OpenAI-compatible HTTP API (OpenAI, Azure-style gateways, vLLM, Ollama,
//! LiteLLM...). Chat completions in JSON mode for the judgements and texts,
//! `/embeddings` for vectors; retries with exponential backoff; an optional
//! per-call fallback to [`HeuristicAi`].
//!
//! Layer 3 (port adapter): depends on the `ai` types, `knowledge`
//! ([`Enhancement`], [`NO_ANSWER_TEXT`]), `case` picklists, `routing`
//! ([`AiSuggestion`]) and `error`; never on `repo` or `desk`.

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::case::{AiCategory, CaseType, Priority, Sentiment};
use crate::error::{Error, Result};
use crate::knowledge::{Enhancement, NO_ANSWER_TEXT};
use crate::routing::AiSuggestion;

use super::{
    AiProvider, Classification, ClassifyRequest, Embedding, EmotionScores, EnhanceRequest,
    GenerateRequest, Generated, HeuristicAi, SentimentAnalysis, SuggestAgentRequest, Urgency,
};

/// The default base URL: OpenAI's public API.
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The default chat model.
pub const OPENAI_DEFAULT_CHAT_MODEL: &str = "gpt-4o-mini";
/// The default embedding model.
pub const OPENAI_DEFAULT_EMBEDDING_MODEL: &str = "text-embedding-3-small";
/// Texts sent in one `/embeddings` request; longer inputs are split into batches.
const EMBED_BATCH: usize = 256;
/// At most this much of an error response's body is kept in an [`OpenAiError`].
const ERROR_BODY_CHARS: usize = 300;
/// Upper bound of [`OpenAiConfig::retries`].
const MAX_RETRIES: u32 = 10;

/// The prompts, in one place. Each asks for one JSON object of a fixed shape;
/// the picklist values are the crate's own labels.
mod prompts {
    use crate::ai::Urgency;
    use crate::case::{AiCategory, CaseType, Priority, Sentiment};

    fn labels(all: &[impl std::fmt::Display]) -> String {
        all.iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn classification_shape() -> String {
        format!(
            "{{\"category\": one of [{}], \"case_type\": one of [{}], \"priority\": one of [{}], \
             \"confidence\": number 0-1, \"reason\": a few words for the agent}}",
            labels(AiCategory::ALL),
            labels(CaseType::ALL),
            labels(Priority::ALL)
        )
    }

    fn sentiment_shape() -> String {
        format!(
            "{{\"sentiment\": one of [{}], \"score\": polarity -1 to 1, \"urgency\": one of [{}], \
             \"emotions\": {{\"anger\", \"frustration\", \"anxiety\", \"joy\": each 0-1}}, \
             \"confidence\": number 0-1}}",
            labels(Sentiment::ALL),
            labels(Urgency::ALL)
        )
    }

    pub(super) fn classify() -> String {
        format!(
            "You triage customer-service cases. Classify the case (subject, then description). \
             Reply with one JSON object only: {}",
            classification_shape()
        )
    }

    pub(super) fn sentiment() -> String {
        format!(
            "You read the mood of customer messages. Reply with one JSON object only: {}",
            sentiment_shape()
        )
    }

    pub(super) fn analyze() -> String {
        format!(
            "You triage customer-service cases. Classify the case (subject, then description) \
             and read the customer's mood. Reply with one JSON object only: \
             {{\"classification\": {}, \"sentiment\": {}}}",
            classification_shape(),
            sentiment_shape()
        )
    }

    pub(super) const GENERATE: &str = "You answer customer questions using only the numbered \
        documents given. Reply with one JSON object only: {\"answer\": text (empty when the \
        documents do not answer the question), \"cited\": [numbers of the documents the answer \
        uses], \"confidence\": number 0-1}";

    pub(super) const ENHANCE: &str = "You edit knowledge-base articles. Propose a one or two \
        sentence summary, up to 5 short lowercase tags, up to 8 search keywords and the article's \
        category. Reply with one JSON object only: {\"summary\": text or null, \"tags\": [text], \
        \"keywords\": [text], \"category\": one of [Product Guide, FAQ, Troubleshooting, \
        Tutorial, Best Practices, New Features, API Documentation, Other] or null}";

    pub(super) const SUGGEST_AGENT: &str = "You route customer-service cases to agents. Pick the \
        numbered candidate best suited to the case from their skills (proficiency 1-5) and \
        load, or null when none fits. Reply with one JSON object only: {\"candidate\": number \
        or null, \"confidence\": number 0-1, \"reason\": a few words}";
}

/// Retries of one request: how many, and how long to wait between them.
///
/// The wait before retry *n* (from 0) is `base_delay · 2ⁿ`, at most `max_delay`.
/// A `Retry-After` header in seconds on a 429 or 5xx answer replaces that wait
/// (an HTTP-date `Retry-After` is ignored);
/// when it asks for longer than `max_delay` the call gives up with that answer's
/// error instead of retrying early.
///
/// ```
/// use std::time::Duration;
/// use hotcrm_support::ai::RetryPolicy;
/// let r = RetryPolicy::new(3, Duration::from_millis(250), Duration::from_secs(4));
/// assert_eq!(r.delay(0), Duration::from_millis(250));
/// assert_eq!(r.delay(2), Duration::from_secs(1));
/// assert_eq!(r.delay(9), Duration::from_secs(4));
/// assert_eq!(RetryPolicy::none().max_retries, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry; at most 10).
    pub max_retries: u32,
    /// The wait before the first retry.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// A policy of `max_retries` retries waiting `base_delay · 2ⁿ`, capped at
    /// `max_delay`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use hotcrm_support::ai::RetryPolicy;
    /// let r = RetryPolicy::new(2, Duration::from_millis(100), Duration::from_millis(150));
    /// assert_eq!(r.delay(1), Duration::from_millis(150));
    /// ```
    pub fn new(max_retries: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            max_retries,
            base_delay,
            max_delay,
        }
    }

    /// No retries: every failure is returned at once.
    ///
    /// ```
    /// # use hotcrm_support::ai::RetryPolicy;
    /// assert_eq!(RetryPolicy::none().max_retries, 0);
    /// ```
    pub fn none() -> Self {
        Self::new(0, Duration::ZERO, Duration::ZERO)
    }

    /// The backoff wait before retry `retry` (0 for the first retry).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use hotcrm_support::ai::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().delay(1), Duration::from_secs(1));
    /// ```
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.checked_pow(retry).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Two retries, 500 ms then 1 s, waits capped at 8 s.
impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new(2, Duration::from_millis(500), Duration::from_secs(8))
    }
}

/// The settings of an [`OpenAiProvider`].
///
/// Defaults: base URL [`OPENAI_DEFAULT_BASE_URL`], chat model
/// [`OPENAI_DEFAULT_CHAT_MODEL`], embedding model
/// [`OPENAI_DEFAULT_EMBEDDING_MODEL`], no API key (local servers often need
/// none), a 30 s timeout per attempt, [`RetryPolicy::default`], no fallback,
/// temperature 0.
///
/// `Debug` never shows the API key.
///
/// ```
/// use std::time::Duration;
/// use hotcrm_support::ai::{OpenAiConfig, RetryPolicy};
/// let config = OpenAiConfig::new()
///     .base_url("http://127.0.0.1:8000/v1")
///     .api_key("sk-secret")
///     .chat_model("llama-3.1-8b-instruct")
///     .embedding_model("bge-small-en")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::new(3, Duration::from_millis(200), Duration::from_secs(2)))
///     .fallback_to_heuristic(true);
/// config.validate()?;
/// assert!(!format!("{config:?}").contains("sk-secret"));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Clone)]
pub struct OpenAiConfig {
    base_url: String,
    chat_model: String,
    embedding_model: String,
    api_key: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    fallback: bool,
    temperature: Option<f32>,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: OPENAI_DEFAULT_BASE_URL.to_owned(),
            chat_model: OPENAI_DEFAULT_CHAT_MODEL.to_owned(),
            embedding_model: OPENAI_DEFAULT_EMBEDDING_MODEL.to_owned(),
            api_key: None,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            fallback: false,
            temperature: Some(0.0),
        }
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("chat_model", &self.chat_model)
            .field("embedding_model", &self.embedding_model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("fallback_to_heuristic", &self.fallback)
            .field("temperature", &self.temperature)
            .finish()
    }
}

impl OpenAiConfig {
    /// The default configuration (see the type docs).
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().base_url_str(), OPENAI_DEFAULT_BASE_URL);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the base URL of the API, up to and including the version path
    /// (`https://api.openai.com/v1`); a trailing `/` is dropped.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let c = OpenAiConfig::new().base_url("http://localhost:11434/v1/");
    /// assert_eq!(c.base_url_str(), "http://localhost:11434/v1");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        let url: String = url.into();
        self.base_url = url.trim().trim_end_matches('/').to_owned();
        self
    }

    /// Sets the model of chat completions.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().chat_model("gpt-4o").chat_model_str(), "gpt-4o");
    /// ```
    pub fn chat_model(mut self, model: impl Into<String>) -> Self {
        self.chat_model = model.into();
        self
    }

    /// Sets the model of embeddings. Changing it changes the vectors (and often
    /// their dimension): re-embed the knowledge base after a change.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let c = OpenAiConfig::new().embedding_model("text-embedding-3-large");
    /// assert_eq!(c.embedding_model_str(), "text-embedding-3-large");
    /// ```
    pub fn embedding_model(mut self, model: impl Into<String>) -> Self {
        self.embedding_model = model.into();
        self
    }

    /// Sets the API key, sent as `Authorization: Bearer <key>`. It is never shown
    /// by `Debug`.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let c = OpenAiConfig::new().api_key("sk-123");
    /// assert!(c.has_api_key());
    /// assert!(format!("{c:?}").contains("<redacted>"));
    /// ```
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sets the timeout of one attempt (connecting, sending and reading the
    /// whole answer).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().timeout(Duration::from_secs(5)).timeout_duration(), Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().retry(RetryPolicy::none()).retry_policy().max_retries, 0);
    /// ```
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// When `true`, a call that fails (after its retries) answers with
    /// [`HeuristicAi`] instead of an error, for every method but
    /// [`embed`](AiProvider::embed): heuristic vectors have another dimension
    /// and meaning, and mixing them into a model's index would break semantic
    /// search (callers already fall back to keyword search on an embed error).
    /// Configuration errors are never hidden: they surface from
    /// [`OpenAiProvider::new`].
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert!(OpenAiConfig::new().fallback_to_heuristic(true).has_fallback());
    /// ```
    pub fn fallback_to_heuristic(mut self, on: bool) -> Self {
        self.fallback = on;
        self
    }

    /// Sets the sampling temperature sent with chat completions (0 to 2);
    /// `None` leaves it out, for models that accept only their default (some
    /// reasoning models refuse any other value).
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().temperature_value(), Some(0.0));
    /// assert_eq!(OpenAiConfig::new().temperature(None).temperature_value(), None);
    /// ```
    pub fn temperature(mut self, temperature: Option<f32>) -> Self {
        self.temperature = temperature;
        self
    }

    /// The sampling temperature, if one is sent.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().temperature(Some(0.2)).temperature_value(), Some(0.2));
    /// ```
    pub fn temperature_value(&self) -> Option<f32> {
        self.temperature
    }

    /// The base URL.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert!(OpenAiConfig::new().base_url_str().starts_with("https://"));
    /// ```
    pub fn base_url_str(&self) -> &str {
        &self.base_url
    }

    /// The chat model.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().chat_model_str(), OPENAI_DEFAULT_CHAT_MODEL);
    /// ```
    pub fn chat_model_str(&self) -> &str {
        &self.chat_model
    }

    /// The embedding model.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().embedding_model_str(), OPENAI_DEFAULT_EMBEDDING_MODEL);
    /// ```
    pub fn embedding_model_str(&self) -> &str {
        &self.embedding_model
    }

    /// Whether an API key is set (the key itself is not readable back).
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert!(!OpenAiConfig::new().has_api_key());
    /// ```
    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    /// The timeout of one attempt.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().timeout_duration(), Duration::from_secs(30));
    /// ```
    pub fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(OpenAiConfig::new().retry_policy(), RetryPolicy::default());
    /// ```
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// Whether failing calls fall back to [`HeuristicAi`].
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert!(!OpenAiConfig::new().has_fallback());
    /// ```
    pub fn has_fallback(&self) -> bool {
        self.fallback
    }

    /// Checks the configuration ([`OpenAiProvider::new`] calls this).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the base URL is not an `http`/`https` URL
    /// (field `openai.base_url`), a model name is empty (`openai.chat_model`,
    /// `openai.embedding_model`), the API key is empty or not a valid header
    /// value (`openai.api_key`, the message never shows it), the timeout is
    /// zero (`openai.timeout`), the retry policy has more than 10 retries or
    /// a base delay above its cap (`openai.retry`), or the temperature is not a
    /// number in 0..=2 (`openai.temperature`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hotcrm_support::{ai::OpenAiConfig, Error};
    /// assert!(OpenAiConfig::new().validate().is_ok());
    /// let bad = OpenAiConfig::new().base_url("ftp://example.com");
    /// assert!(matches!(bad.validate(), Err(Error::Validation { field: "openai.base_url", .. })));
    /// let bad = OpenAiConfig::new().timeout(Duration::ZERO);
    /// assert!(matches!(bad.validate(), Err(Error::Validation { field: "openai.timeout", .. })));
    /// ```
    pub fn validate(&self) -> Result<()> {
        match reqwest::Url::parse(&self.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            Ok(url) => {
                return Err(Error::validation(
                    "openai.base_url",
                    format!(
                        "{:?} must be an http or https URL with a host (scheme {:?})",
                        self.base_url,
                        url.scheme()
                    ),
                ));
            }
            Err(e) => {
                return Err(Error::validation(
                    "openai.base_url",
                    format!("{:?} is not a URL: {e}", self.base_url),
                ));
            }
        }
        if self.chat_model.trim().is_empty() {
            return Err(Error::validation("openai.chat_model", "must not be empty"));
        }
        if self.embedding_model.trim().is_empty() {
            return Err(Error::validation(
                "openai.embedding_model",
                "must not be empty",
            ));
        }
        if let Some(key) = &self.api_key {
            if key.trim().is_empty() {
                return Err(Error::validation("openai.api_key", "must not be empty"));
            }
            if HeaderValue::from_str(&format!("Bearer {key}")).is_err() {
                return Err(Error::validation(
                    "openai.api_key",
                    "contains characters not allowed in an HTTP header",
                ));
            }
        }
        if self.timeout.is_zero() {
            return Err(Error::validation("openai.timeout", "must be above zero"));
        }
        if self.retry.max_retries > MAX_RETRIES {
            return Err(Error::validation(
                "openai.retry",
                format!(
                    "{} retries is more than the limit of {MAX_RETRIES}",
                    self.retry.max_retries
                ),
            ));
        }
        if let Some(t) = self.temperature {
            if !(0.0..=2.0).contains(&t) {
                return Err(Error::validation(
                    "openai.temperature",
                    format!("{t} is not a number in 0..=2"),
                ));
            }
        }
        if self.retry.base_delay > self.retry.max_delay {
            return Err(Error::validation(
                "openai.retry",
                format!(
                    "base delay {:?} is above the cap {:?}",
                    self.retry.base_delay, self.retry.max_delay
                ),
            ));
        }
        Ok(())
    }
}

/// Why a call of an [`OpenAiProvider`] failed: the source of the
/// [`Error::Ai`] it returns (see [`OpenAiError::of`]).
///
/// ```
/// use hotcrm_support::{ai::OpenAiError, Error};
/// let err = Error::ai(OpenAiError::Status { endpoint: "/chat/completions", status: 429, message: "slow down".into() });
/// let cause = OpenAiError::of(&err).unwrap();
/// assert_eq!(cause.status(), Some(429));
/// assert!(cause.is_retryable());
/// assert_eq!(err.to_string(), "ai provider error: /chat/completions answered HTTP 429: slow down");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenAiError {
    /// An attempt did not finish within the configured timeout.
    #[error("{endpoint} timed out")]
    Timeout {
        /// The API path (`/chat/completions`, `/embeddings`).
        endpoint: &'static str,
    },
    /// The server could not be reached.
    #[error("cannot connect for {endpoint}: {message}")]
    Connect {
        /// The API path.
        endpoint: &'static str,
        /// The client's description.
        message: String,
    },
    /// Another transport failure (reading the answer, TLS, redirects...).
    #[error("{endpoint} request failed: {message}")]
    Transport {
        /// The API path.
        endpoint: &'static str,
        /// The client's description.
        message: String,
    },
    /// The server answered with an error status.
    #[error("{endpoint} answered HTTP {status}: {message}")]
    Status {
        /// The API path.
        endpoint: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The API's error message, or the start of the body.
        message: String,
    },
    /// The answer was not what the call asked for: not JSON, a missing field,
    /// an unknown picklist value, a number out of range, the wrong number of
    /// embeddings...
    #[error("malformed answer from {endpoint}: {reason}")]
    Malformed {
        /// The API path.
        endpoint: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl OpenAiError {
    /// The `OpenAiError` behind an [`Error::Ai`], if there is one.
    ///
    /// ```
    /// use hotcrm_support::{ai::OpenAiError, Error};
    /// assert!(OpenAiError::of(&Error::ai("other provider")).is_none());
    /// ```
    pub fn of(error: &Error) -> Option<&OpenAiError> {
        match error {
            Error::Ai { source } => source.downcast_ref::<OpenAiError>(),
            _ => None,
        }
    }

    /// Whether the provider retries after this failure: timeouts, connection
    /// failures, HTTP 429 and 5xx.
    ///
    /// ```
    /// use hotcrm_support::ai::OpenAiError;
    /// assert!(OpenAiError::Timeout { endpoint: "/embeddings" }.is_retryable());
    /// assert!(!OpenAiError::Status { endpoint: "/embeddings", status: 400, message: String::new() }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            OpenAiError::Timeout { .. } | OpenAiError::Connect { .. } => true,
            OpenAiError::Status { status, .. } => *status == 429 || (500..600).contains(status),
            OpenAiError::Transport { .. } | OpenAiError::Malformed { .. } => false,
        }
    }

    /// The HTTP status of a [`Status`](OpenAiError::Status) failure.
    ///
    /// ```
    /// use hotcrm_support::ai::OpenAiError;
    /// assert_eq!(OpenAiError::Timeout { endpoint: "/embeddings" }.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            OpenAiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

const CHAT: &str = "/chat/completions";
const EMBEDDINGS: &str = "/embeddings";

fn malformed(endpoint: &'static str, reason: impl Into<String>) -> OpenAiError {
    OpenAiError::Malformed {
        endpoint,
        reason: reason.into(),
    }
}

/// An [`AiProvider`] backed by an OpenAI-compatible HTTP API.
///
/// * `classify`, `sentiment`, `analyze` (one request for both), `generate`,
///   `enhance_article` and `suggest_agent` post to `{base_url}/chat/completions`
///   with `response_format: {"type": "json_object"}`, the configured
///   temperature (0 by default) and a short system prompt describing the JSON
///   object wanted. The answer is parsed
///   strictly: picklist values must be the crate's (case and spaces do not
///   matter), confidences in 0–1, polarity in −1–1; anything else is an
///   [`OpenAiError::Malformed`]. `generate` numbers the context documents and
///   cites by number (numbers outside the context are dropped); an empty
///   answer becomes the crate's "no article" text with no citation.
///   `suggest_agent` picks a candidate by number.
/// * `embed` posts to `{base_url}/embeddings` in batches of 256 texts; every
///   vector is normalised, and all must keep the dimension of the first answer
///   for the provider's lifetime.
/// * Failures are [`Error::Ai`] whose source is an [`OpenAiError`]; retries
///   follow the [`RetryPolicy`] (never for 4xx other than 429, nor for
///   malformed answers). With
///   [`fallback_to_heuristic`](OpenAiConfig::fallback_to_heuristic), a failed
///   call (except `embed`) answers with [`HeuristicAi`] instead.
///
/// Calls need a Tokio runtime with I/O and time enabled (the host's).
///
/// ```no_run
/// use hotcrm_support::ai::{AiProvider, ClassifyRequest, OpenAiConfig, OpenAiProvider};
/// # #[tokio::main]
/// # async fn main() -> Result<(), hotcrm_support::Error> {
/// let key = std::env::var("OPENAI_API_KEY").map_err(hotcrm_support::Error::ai)?;
/// let ai = OpenAiProvider::new(OpenAiConfig::new().api_key(key).fallback_to_heuristic(true))?;
/// let c = ai.classify(&ClassifyRequest::new("Charged twice", "My card was billed two times")).await?;
/// println!("{} / {} / {}: {}", c.category, c.case_type, c.priority, c.reason);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct OpenAiProvider {
    config: OpenAiConfig,
    client: reqwest::Client,
    auth: Option<HeaderValue>,
    heuristic: HeuristicAi,
    /// The embedding dimension of the first answer.
    dim: OnceLock<usize>,
    /// Calls answered by the fallback.
    fallbacks: AtomicU64,
}

impl OpenAiProvider {
    /// A provider for `config`, after [`OpenAiConfig::validate`].
    ///
    /// ```
    /// use hotcrm_support::ai::{OpenAiConfig, OpenAiProvider};
    /// let ai = OpenAiProvider::new(OpenAiConfig::new().base_url("http://127.0.0.1:8080/v1"))?;
    /// assert_eq!(ai.config().base_url_str(), "http://127.0.0.1:8080/v1");
    /// assert!(OpenAiProvider::new(OpenAiConfig::new().chat_model("")).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid configuration, [`Error::Ai`] when
    /// the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self> {
        config.validate()?;
        let auth = match &config.api_key {
            Some(key) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
                    Error::validation(
                        "openai.api_key",
                        "contains characters not allowed in an HTTP header",
                    )
                })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| Error::ai(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            client,
            auth,
            heuristic: HeuristicAi::new(),
            dim: OnceLock::new(),
            fallbacks: AtomicU64::new(0),
        })
    }

    /// The configuration.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let ai = OpenAiProvider::new(OpenAiConfig::new())?;
    /// assert_eq!(ai.config().chat_model_str(), OPENAI_DEFAULT_CHAT_MODEL);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// How many calls (or halves of an `analyze`) failed and were answered by
    /// [`HeuristicAi`] instead; watch it to notice an unhealthy model service
    /// hidden by the fallback.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let ai = OpenAiProvider::new(OpenAiConfig::new().fallback_to_heuristic(true))?;
    /// assert_eq!(ai.fallback_count(), 0);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn fallback_count(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// One attempt: the parsed JSON body of a 2xx answer.
    async fn attempt(
        &self,
        endpoint: &'static str,
        body: &Value,
    ) -> std::result::Result<Value, (OpenAiError, Option<Duration>)> {
        let url = format!("{}{endpoint}", self.config.base_url);
        let mut request = self.client.post(url).json(body);
        if let Some(auth) = &self.auth {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        let transport = |e: reqwest::Error| {
            let e = e.without_url();
            if e.is_timeout() {
                OpenAiError::Timeout { endpoint }
            } else if e.is_connect() {
                OpenAiError::Connect {
                    endpoint,
                    message: e.to_string(),
                }
            } else {
                OpenAiError::Transport {
                    endpoint,
                    message: e.to_string(),
                }
            }
        };
        let response = request.send().await.map_err(|e| (transport(e), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(|e| (transport(e), None))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
            let message = match &self.config.api_key {
                Some(key) => message.replace(key.as_str(), "<redacted>"),
                None => message,
            };
            let message: String = message.trim().chars().take(ERROR_BODY_CHARS).collect();
            return Err((
                OpenAiError::Status {
                    endpoint,
                    status: status.as_u16(),
                    message,
                },
                retry_after,
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| (malformed(endpoint, format!("body is not JSON: {e}")), None))
    }

    /// Posts `body` to `endpoint`, retrying as configured.
    async fn post(
        &self,
        endpoint: &'static str,
        body: &Value,
    ) -> std::result::Result<Value, OpenAiError> {
        let policy = self.config.retry;
        let mut retry = 0;
        loop {
            let (err, retry_after) = match self.attempt(endpoint, body).await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if !err.is_retryable() || retry >= policy.max_retries {
                return Err(err);
            }
            let wait = match retry_after {
                Some(asked) if asked > policy.max_delay => return Err(err),
                Some(asked) => asked,
                None => policy.delay(retry),
            };
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// A chat completion in JSON mode: the JSON object the model wrote.
    async fn chat_json(&self, system: &str, user: &str) -> std::result::Result<Value, OpenAiError> {
        let mut body = json!({
            "model": self.config.chat_model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "response_format": {"type": "json_object"},
        });
        if let (Some(t), Some(map)) = (self.config.temperature, body.as_object_mut()) {
            map.insert("temperature".to_owned(), json!(t));
        }
        let answer = self.post(CHAT, &body).await?;
        let content = answer
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed(CHAT, "no choices[0].message.content string"))?;
        let value: Value = serde_json::from_str(content.trim())
            .map_err(|e| malformed(CHAT, format!("the model's content is not JSON: {e}")))?;
        if !value.is_object() {
            return Err(malformed(CHAT, "the model's content is not a JSON object"));
        }
        Ok(value)
    }

    /// `result`, or the heuristic answer when it failed and fallback is on.
    fn or_fallback<T>(
        &self,
        result: std::result::Result<T, OpenAiError>,
        heuristic: impl FnOnce(&HeuristicAi) -> T,
    ) -> Result<T> {
        match result {
            Ok(v) => Ok(v),
            Err(_) if self.config.fallback => {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                Ok(heuristic(&self.heuristic))
            }
            Err(e) => Err(Error::ai(e)),
        }
    }

    async fn classify_remote(
        &self,
        request: &ClassifyRequest,
    ) -> std::result::Result<Classification, OpenAiError> {
        let v = self
            .chat_json(&prompts::classify(), &request.text())
            .await?;
        parse_classification(v)
    }

    async fn sentiment_remote(
        &self,
        text: &str,
    ) -> std::result::Result<SentimentAnalysis, OpenAiError> {
        let v = self.chat_json(&prompts::sentiment(), text).await?;
        parse_sentiment(v)
    }

    async fn generate_remote(
        &self,
        request: &GenerateRequest,
    ) -> std::result::Result<Generated, OpenAiError> {
        let mut user = String::new();
        for (i, doc) in request.context.iter().enumerate() {
            user.push_str(&format!(
                "Document {}: {}\n{}\n\n",
                i + 1,
                doc.title,
                doc.text
            ));
        }
        user.push_str("Question: ");
        user.push_str(&request.prompt);
        let v = self.chat_json(prompts::GENERATE, &user).await?;
        #[derive(Deserialize)]
        struct Out {
            answer: String,
            #[serde(default)]
            cited: Vec<u64>,
            confidence: f32,
        }
        let out: Out = from_value(v)?;
        let confidence = unit(out.confidence, "confidence")?;
        let mut cited = Vec::new();
        for n in out.cited {
            let doc = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| request.context.get(i));
            if let Some(doc) = doc {
                if !cited.contains(&doc.source) {
                    cited.push(doc.source);
                }
            }
        }
        let text = out.answer.trim().to_owned();
        if text.is_empty() || cited.is_empty() {
            return Ok(Generated {
                text: NO_ANSWER_TEXT.to_owned(),
                cited: Vec::new(),
                confidence: 0.0,
            });
        }
        Ok(Generated {
            text,
            cited,
            confidence,
        })
    }

    async fn enhance_remote(
        &self,
        request: &EnhanceRequest,
    ) -> std::result::Result<Enhancement, OpenAiError> {
        let user = format!(
            "Title: {}\nSummary: {}\nTags: {}\n\n{}",
            request.title,
            request.summary,
            request.tags.join(", "),
            request.content
        );
        let v = self.chat_json(prompts::ENHANCE, &user).await?;
        #[derive(Deserialize)]
        struct Out {
            summary: Option<String>,
            #[serde(default)]
            tags: Vec<String>,
            #[serde(default)]
            keywords: Vec<String>,
            #[serde(default)]
            category: Option<String>,
        }
        let out: Out = from_value(v)?;
        let category = match out.category.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(pick::<crate::knowledge::ArticleCategory>(c, "category")?),
        };
        let clean = |list: Vec<String>, max: usize| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for s in list {
                let s = s.trim().to_owned();
                if !s.is_empty() && !out.contains(&s) && out.len() < max {
                    out.push(s);
                }
            }
            out
        };
        Ok(Enhancement {
            category,
            summary: out
                .summary
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty()),
            tags: clean(out.tags, 5),
            keywords: clean(out.keywords, 8),
        })
    }

    async fn suggest_remote(
        &self,
        request: &SuggestAgentRequest,
    ) -> std::result::Result<Option<AiSuggestion>, OpenAiError> {
        if request.candidates.is_empty() {
            return Ok(None);
        }
        let mut user = format!(
            "Case: {}\nPriority: {}\nQueue: {}\n\nCandidates:\n",
            request.text(),
            request.priority,
            request.queue
        );
        for (i, c) in request.candidates.iter().enumerate() {
            let skills: Vec<String> = c
                .skills
                .iter()
                .map(|(name, level)| format!("{name} {level}/5"))
                .collect();
            user.push_str(&format!(
                "{}. {} — skills: {}; load {}/{}\n",
                i + 1,
                c.name,
                if skills.is_empty() {
                    "none".to_owned()
                } else {
                    skills.join(", ")
                },
                c.load,
                c.limit
            ));
        }
        let v = self.chat_json(prompts::SUGGEST_AGENT, &user).await?;
        #[derive(Deserialize)]
        struct Out {
            candidate: Option<u64>,
            confidence: f64,
            #[serde(default)]
            reason: String,
        }
        let out: Out = from_value(v)?;
        let Some(n) = out.candidate else {
            return Ok(None);
        };
        let agent = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| request.candidates.get(i))
            .ok_or_else(|| {
                malformed(
                    CHAT,
                    format!(
                        "candidate {n} is not one of the {} offered",
                        request.candidates.len()
                    ),
                )
            })?;
        AiSuggestion::new(agent.agent, out.confidence, out.reason.trim())
            .map(Some)
            .map_err(|e| malformed(CHAT, e.to_string()))
    }

    async fn embed_remote(
        &self,
        texts: &[String],
    ) -> std::result::Result<Vec<Embedding>, OpenAiError> {
        let mut all = Vec::with_capacity(texts.len());
        for batch in texts.chunks(EMBED_BATCH) {
            let body = json!({"model": self.config.embedding_model, "input": batch});
            let answer = self.post(EMBEDDINGS, &body).await?;
            #[derive(Deserialize)]
            struct Item {
                index: usize,
                embedding: Vec<f32>,
            }
            #[derive(Deserialize)]
            struct Out {
                data: Vec<Item>,
            }
            let out: Out =
                serde_json::from_value(answer).map_err(|e| malformed(EMBEDDINGS, e.to_string()))?;
            if out.data.len() != batch.len() {
                return Err(malformed(
                    EMBEDDINGS,
                    format!("{} embeddings for {} texts", out.data.len(), batch.len()),
                ));
            }
            let mut slots: Vec<Option<Embedding>> = vec![None; batch.len()];
            for item in out.data {
                let dim = item.embedding.len();
                let expected = *self.dim.get_or_init(|| dim);
                if dim != expected {
                    return Err(malformed(
                        EMBEDDINGS,
                        format!("dimension {dim}, expected {expected}"),
                    ));
                }
                let e = Embedding::new(item.embedding)
                    .map_err(|e| malformed(EMBEDDINGS, e.to_string()))?;
                match slots.get_mut(item.index) {
                    Some(slot @ None) => *slot = Some(e),
                    Some(Some(_)) => {
                        return Err(malformed(
                            EMBEDDINGS,
                            format!("index {} answered twice", item.index),
                        ));
                    }
                    None => {
                        return Err(malformed(
                            EMBEDDINGS,
                            format!("index {} out of range", item.index),
                        ));
                    }
                }
            }
            // Every slot is filled: as many distinct in-range indices as texts.
            all.extend(slots.into_iter().flatten());
        }
        Ok(all)
    }
}

/// Deserializes a chat answer object into `T`.
fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> std::result::Result<T, OpenAiError> {
    serde_json::from_value(v).map_err(|e| malformed(CHAT, e.to_string()))
}

/// A picklist value from the model, or a malformed-answer error.
fn pick<T: std::str::FromStr>(value: &str, what: &str) -> std::result::Result<T, OpenAiError> {
    value
        .parse()
        .map_err(|_| malformed(CHAT, format!("unknown {what} {value:?}")))
}

/// `x` when it is a number in 0..=1.
fn unit(x: f32, what: &str) -> std::result::Result<f32, OpenAiError> {
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(malformed(CHAT, format!("{what} {x} is not in 0..=1")))
    }
}

fn parse_classification(v: Value) -> std::result::Result<Classification, OpenAiError> {
    #[derive(Deserialize)]
    struct Out {
        category: String,
        case_type: String,
        priority: String,
        confidence: f32,
        #[serde(default)]
        reason: String,
    }
    let out: Out = from_value(v)?;
    Ok(Classification {
        category: pick::<AiCategory>(&out.category, "category")?,
        case_type: pick::<CaseType>(&out.case_type, "case type")?,
        priority: pick::<Priority>(&out.priority, "priority")?,
        confidence: unit(out.confidence, "confidence")?,
        reason: out.reason.trim().to_owned(),
    })
}

fn parse_sentiment(v: Value) -> std::result::Result<SentimentAnalysis, OpenAiError> {
    #[derive(Deserialize)]
    struct Emotions {
        #[serde(default)]
        anger: f32,
        #[serde(default)]
        frustration: f32,
        #[serde(default)]
        anxiety: f32,
        #[serde(default)]
        joy: f32,
    }
    #[derive(Deserialize)]
    struct Out {
        sentiment: String,
        score: f32,
        urgency: String,
        emotions: Option<Emotions>,
        confidence: f32,
    }
    let out: Out = from_value(v)?;
    if !(-1.0..=1.0).contains(&out.score) {
        return Err(malformed(
            CHAT,
            format!("score {} is not in -1..=1", out.score),
        ));
    }
    let emotions = match out.emotions {
        Some(e) => EmotionScores {
            anger: unit(e.anger, "anger")?,
            frustration: unit(e.frustration, "frustration")?,
            anxiety: unit(e.anxiety, "anxiety")?,
            joy: unit(e.joy, "joy")?,
        },
        None => EmotionScores::default(),
    };
    Ok(SentimentAnalysis {
        sentiment: pick::<Sentiment>(&out.sentiment, "sentiment")?,
        score: out.score,
        urgency: pick::<Urgency>(&out.urgency, "urgency")?,
        emotions,
        confidence: unit(out.confidence, "confidence")?,
    })
}

#[async_trait]
impl AiProvider for OpenAiProvider {
    async fn classify(&self, request: &ClassifyRequest) -> Result<Classification> {
        let result = self.classify_remote(request).await;
        self.or_fallback(result, |h| h.classify_text(request))
    }

    async fn sentiment(&self, text: &str) -> Result<SentimentAnalysis> {
        let result = self.sentiment_remote(text).await;
        self.or_fallback(result, |h| h.sentiment_text(text))
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Embedding>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.embed_remote(texts).await.map_err(Error::ai)
    }

    async fn generate(&self, request: &GenerateRequest) -> Result<Generated> {
        let result = self.generate_remote(request).await;
        self.or_fallback(result, |h| h.generate_text(request))
    }

    async fn enhance_article(&self, request: &EnhanceRequest) -> Result<Enhancement> {
        let result = self.enhance_remote(request).await;
        self.or_fallback(result, |h| h.enhance_text(request))
    }

    /// One chat completion answers both halves; each half is parsed (and falls
    /// back) on its own.
    async fn analyze(
        &self,
        request: &ClassifyRequest,
    ) -> (Result<Classification>, Result<SentimentAnalysis>) {
        let (classification, sentiment) = match self
            .chat_json(&prompts::analyze(), &request.text())
            .await
        {
            Ok(mut v) => (
                parse_classification(v.get_mut("classification").map_or(Value::Null, Value::take)),
                parse_sentiment(v.get_mut("sentiment").map_or(Value::Null, Value::take)),
            ),
            Err(e) => (Err(e.clone()), Err(e)),
        };
        let text = request.text();
        (
            self.or_fallback(classification, |h| h.classify_text(request)),
            self.or_fallback(sentiment, |h| h.sentiment_text(&text)),
        )
    }

    async fn suggest_agent(&self, request: &SuggestAgentRequest) -> Result<Option<AiSuggestion>> {
        let result = self.suggest_remote(request).await;
        self.or_fallback(result, |h| h.suggest_agent_for(request))
    }
}
