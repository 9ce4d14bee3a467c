//! The inputs and outputs of [`AiProvider`](super::AiProvider): plain serde data so
//! hosts can log, cache or ship them to a model service.
//!
//! Layer 3 (port types): depends on `case` picklists, `knowledge` (for
//! [`Enhancement`](crate::knowledge::Enhancement)), `routing` (agent suggestions),
//! `ids` and `error`.

use serde::{Deserialize, Serialize};

use crate::case::{AiCategory, CaseType, Priority, Sentiment};
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, KnowledgeNumber, QueueId, SkillId};
use crate::picklist::picklist;
use crate::routing::{Router, RoutingRequest};

/// What to classify: a case's subject and description.
///
/// ```
/// use hotcrm_support::ai::ClassifyRequest;
/// let r = ClassifyRequest::new("Unable to login", "Getting an authentication error");
/// assert_eq!(r.text(), "Unable to login\nGetting an authentication error");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassifyRequest {
    /// The case subject.
    pub subject: String,
    /// The case description.
    pub description: String,
}

impl ClassifyRequest {
    /// A request for a subject and description.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let r = ClassifyRequest::new("Subject", "Body");
    /// assert_eq!(r.subject, "Subject");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(subject: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            description: description.into(),
        }
    }

    /// Subject and description as one text.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(ClassifyRequest::new("a", "b").text(), "a\nb");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn text(&self) -> String {
        format!("{}\n{}", self.subject, self.description)
    }
}

/// A suggested categorisation of a case.
///
/// ```
/// use hotcrm_support::ai::Classification;
/// use hotcrm_support::case::{AiCategory, CaseType, Priority};
/// let c = Classification { category: AiCategory::Technical, case_type: CaseType::Problem,
///     priority: Priority::High, confidence: 0.9, reason: "login issue".into() };
/// assert!(c.confidence <= 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Business category.
    pub category: AiCategory,
    /// Suggested case type.
    pub case_type: CaseType,
    /// Suggested priority.
    pub priority: Priority,
    /// Confidence 0–1.
    pub confidence: f32,
    /// Why, in a few words (for the agent).
    pub reason: String,
}

picklist! {
    /// How soon the customer needs help, as read from their message.
    ///
    /// ```
    /// use hotcrm_support::ai::Urgency;
    /// assert!(Urgency::Low < Urgency::High);
    /// ```
    pub enum Urgency: "urgency" {
        /// No sign of time pressure.
        Low => "Low",
        /// Some time pressure.
        Medium => "Medium",
        /// Explicit time pressure ("ASAP", "now", "urgent").
        High => "High",
    }
}

/// Emotion intensities, each 0–1.
///
/// ```
/// # use hotcrm_support::ai::*;
/// let s = HeuristicAi::new().sentiment_text("I am so frustrated, still waiting!");
/// assert!(s.emotions.frustration > 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EmotionScores {
    /// Anger.
    pub anger: f32,
    /// Frustration.
    pub frustration: f32,
    /// Worry or anxiety.
    pub anxiety: f32,
    /// Joy or gratitude.
    pub joy: f32,
}

/// The mood of a message.
///
/// ```
/// use hotcrm_support::ai::{EmotionScores, SentimentAnalysis, Urgency};
/// use hotcrm_support::case::Sentiment;
/// let s = SentimentAnalysis { sentiment: Sentiment::Neutral, score: 0.0, urgency: Urgency::Low,
///     emotions: EmotionScores::default(), confidence: 0.5 };
/// assert!(!s.sentiment.is_negative());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentAnalysis {
    /// Positive, Neutral, Negative or Angry.
    pub sentiment: Sentiment,
    /// Polarity from −1 (very negative) to 1 (very positive).
    pub score: f32,
    /// Urgency.
    pub urgency: Urgency,
    /// Emotion intensities.
    pub emotions: EmotionScores,
    /// Confidence 0–1.
    pub confidence: f32,
}

/// A text embedding: a unit-length vector (cosine similarity is a dot product).
///
/// ```
/// use hotcrm_support::ai::Embedding;
/// let e = Embedding::new(vec![3.0, 4.0])?;
/// assert_eq!(e.as_slice(), &[0.6, 0.8]);
/// assert!((e.cosine(&e) - 1.0).abs() < 1e-6);
/// assert!(Embedding::new(vec![0.0, 0.0]).is_err());
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
///
/// It serializes as its list of components. Loading refuses an empty,
/// non-finite or zero vector and keeps a vector of unit length (within 0.001,
/// see [`Embedding::from_unit`]) bit for bit, so saving what was loaded writes
/// the same text: it is never normalised again. Only a stored vector that is
/// not of unit length (written by hand or by another program) is normalised on
/// load, as [`Embedding::new`] does.
///
/// ```
/// use hotcrm_support::ai::Embedding;
/// let e = Embedding::new(vec![1.0, 2.0, 3.0])?;
/// let stored = serde_json::to_string(&e)?;
/// let back: Embedding = serde_json::from_str(&stored)?;
/// assert_eq!(serde_json::to_string(&back)?, stored);
/// assert_eq!(serde_json::from_str::<Embedding>("[3.0, 4.0]")?.as_slice(), &[0.6, 0.8]);
/// assert!(serde_json::from_str::<Embedding>("[0.0, 1e39]").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f32>", into = "Vec<f32>")]
pub struct Embedding(pub(super) Vec<f32>);

/// How far from 1 the length of a stored [`Embedding`] may be.
const UNIT_TOLERANCE: f64 = 1e-3;

impl Embedding {
    /// Normalises `values` to unit length (the length is computed in `f64`, so
    /// large components do not overflow).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `embedding`) for an empty, non-finite or
    /// all-zero vector (length at most `f32::EPSILON`).
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let e = Embedding::new(vec![1.0, 1.0])?;
    /// assert!((e.as_slice()[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
    /// assert!(Embedding::new(vec![3e38, 3e38]).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(values: Vec<f32>) -> Result<Self> {
        let norm = Self::check_components(&values)?;
        Self::normalise(values, norm)
    }

    /// `values` (of length `norm`) divided by their length.
    fn normalise(values: Vec<f32>, norm: f64) -> Result<Self> {
        if norm <= f64::from(f32::EPSILON) {
            return Err(Error::validation(
                "embedding",
                format!("length {norm} is zero: must be a non-zero vector"),
            ));
        }
        let unit: Vec<f32> = values
            .into_iter()
            .map(|x| (f64::from(x) / norm) as f32)
            .collect();
        Self::from_unit(unit)
    }

    /// Wraps a vector that is already of unit length, unchanged (the check
    /// loading runs).
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] (field `embedding`) for an empty or non-finite
    /// vector, or one whose length is not within 0.001 of 1.
    ///
    /// ```
    /// use hotcrm_support::ai::Embedding;
    /// let e = Embedding::from_unit(vec![0.6, 0.8])?;
    /// assert_eq!(e.as_slice(), &[0.6, 0.8]);
    /// assert!(Embedding::from_unit(vec![3.0, 4.0]).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn from_unit(values: Vec<f32>) -> Result<Self> {
        let norm = Self::check_components(&values)?;
        if (norm - 1.0).abs() > UNIT_TOLERANCE {
            return Err(Error::validation(
                "embedding",
                format!("not of unit length: its length is {norm}"),
            ));
        }
        Ok(Self(values))
    }

    /// The length of `values` after checking it is non-empty and finite.
    fn check_components(values: &[f32]) -> Result<f64> {
        if values.is_empty() {
            return Err(Error::validation("embedding", "must not be empty"));
        }
        if let Some((i, x)) = values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(Error::validation(
                "embedding",
                format!("component {i} is {x}, not a finite number"),
            ));
        }
        Ok(values
            .iter()
            .map(|x| f64::from(*x) * f64::from(*x))
            .sum::<f64>()
            .sqrt())
    }

    /// The components.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(Embedding::new(vec![2.0])?.as_slice(), &[1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The dimension.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(Embedding::new(vec![1.0, 1.0])?.dim(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.0.len()
    }

    /// Cosine similarity with `other` (a dot product; 0 for different dimensions).
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let a = Embedding::new(vec![1.0, 0.0])?;
    /// let b = Embedding::new(vec![0.0, 1.0])?;
    /// assert_eq!(a.cosine(&b), 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cosine(&self, other: &Embedding) -> f32 {
        if self.0.len() != other.0.len() {
            return 0.0;
        }
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }

    /// The components, consuming the embedding.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(Embedding::new(vec![0.0, 5.0])?.into_vec(), vec![0.0, 1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_vec(self) -> Vec<f32> {
        self.0
    }
}

/// Loading (see the type docs): the stored components when they are of unit
/// length, else normalised.
impl TryFrom<Vec<f32>> for Embedding {
    type Error = Error;
    fn try_from(v: Vec<f32>) -> Result<Self> {
        let norm = Self::check_components(&v)?;
        if (norm - 1.0).abs() <= UNIT_TOLERANCE {
            Ok(Self(v))
        } else {
            Self::normalise(v, norm)
        }
    }
}

impl From<Embedding> for Vec<f32> {
    fn from(e: Embedding) -> Self {
        e.0
    }
}

/// Where a piece of generation context came from, so answers can cite it.
///
/// ```
/// use hotcrm_support::ai::SourceRef;
/// let s = SourceRef::Article("KB-2026-0015".parse()?);
/// assert_eq!(s.article().map(|n| n.to_string()), Some("KB-2026-0015".to_string()));
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceRef {
    /// A knowledge article.
    Article(KnowledgeNumber),
    /// A (resolved) case.
    Case(CaseId),
}

impl SourceRef {
    /// The article number, if this is an article.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// assert_eq!(SourceRef::Case(hotcrm_support::ids::CaseId::from_u128(1)).article(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn article(&self) -> Option<KnowledgeNumber> {
        match self {
            SourceRef::Article(n) => Some(*n),
            SourceRef::Case(_) => None,
        }
    }
}

/// One document of generation context.
///
/// ```
/// # use hotcrm_support::ai::*;
/// let doc = ContextDoc { source: SourceRef::Article("KB-2026-0015".parse()?), title: "Reset".into(), text: "1. Click Forgot password.".into() };
/// assert_eq!(doc.source.article().map(|n| n.sequence()), Some(15));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextDoc {
    /// What it is, for citations.
    pub source: SourceRef,
    /// Its title.
    pub title: String,
    /// Its text (Markdown for articles).
    pub text: String,
}

/// A request to generate text grounded in context.
///
/// ```
/// use hotcrm_support::ai::{ContextDoc, GenerateRequest, SourceRef};
/// let r = GenerateRequest::new("How do I reset my password?").with_context(ContextDoc {
///     source: SourceRef::Article("KB-2026-0015".parse()?),
///     title: "How to reset your password".into(),
///     text: "1. Click Forgot password.".into(),
/// });
/// assert_eq!(r.context.len(), 1);
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The instruction or question.
    pub prompt: String,
    /// Documents to ground the answer in, most relevant first.
    pub context: Vec<ContextDoc>,
}

impl GenerateRequest {
    /// A request without context.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let r = GenerateRequest::new("How do I export?");
    /// assert!(r.context.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            context: Vec::new(),
        }
    }

    /// Adds a context document.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let r = GenerateRequest::new("q").with_context(ContextDoc { source: SourceRef::Article("KB-2026-0001".parse()?), title: "t".into(), text: "x".into() });
    /// assert_eq!(r.context.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_context(mut self, doc: ContextDoc) -> Self {
        self.context.push(doc);
        self
    }
}

/// Generated text with the context documents it used.
///
/// ```
/// # use hotcrm_support::ai::*;
/// let g = HeuristicAi::new().generate_text(&GenerateRequest::new("anything"));
/// assert!(g.cited.is_empty()); // no context, nothing cited
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    /// The text.
    pub text: String,
    /// The context sources the text is based on (a subset of the request's).
    pub cited: Vec<SourceRef>,
    /// Confidence 0–1.
    pub confidence: f32,
}

/// An article to enhance (tags, summary, keywords).
///
/// ```
/// use hotcrm_support::ai::EnhanceRequest;
/// let r = EnhanceRequest { title: "Reset".into(), summary: String::new(), content: "Steps.".into(), tags: vec![] };
/// assert!(r.summary.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnhanceRequest {
    /// Title.
    pub title: String,
    /// Current summary (may be empty).
    pub summary: String,
    /// Markdown content.
    pub content: String,
    /// Current tags.
    pub tags: Vec<String>,
}

/// One agent [`AiProvider::suggest_agent`](super::AiProvider::suggest_agent) may
/// suggest: who they are, what they know and how busy they are.
///
/// ```
/// use hotcrm_support::ai::AgentProfile;
/// use hotcrm_support::ids::AgentId;
/// let p = AgentProfile { agent: AgentId::from_u128(1), name: "Ada".into(),
///     skills: vec![("Billing".into(), 5)], load: 1, limit: 5 };
/// assert_eq!(p.skills[0].1, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    /// The agent.
    pub agent: AgentId,
    /// Display name.
    pub name: String,
    /// Skill names with proficiency 1–5.
    pub skills: Vec<(String, u8)>,
    /// Current load.
    pub load: u32,
    /// Capacity limit.
    pub limit: u32,
}

/// What [`AiProvider::suggest_agent`](super::AiProvider::suggest_agent) decides on:
/// the case and the queue members who could take it now.
///
/// ```
/// use hotcrm_support::ai::SuggestAgentRequest;
/// use hotcrm_support::ids::CaseId;
/// let r = SuggestAgentRequest::new(CaseId::from_u128(1), "Refund", "Charged twice");
/// assert!(r.candidates.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestAgentRequest {
    /// The case.
    pub case: CaseId,
    /// Case subject.
    pub subject: String,
    /// Case description.
    pub description: String,
    /// AI category, when known.
    pub category: Option<AiCategory>,
    /// Case priority.
    pub priority: Priority,
    /// Name of the queue the case is routed in.
    pub queue: String,
    /// The candidates, in queue member order.
    pub candidates: Vec<AgentProfile>,
}

impl SuggestAgentRequest {
    /// A request without candidates (priority Medium, no category, no queue name).
    ///
    /// ```
    /// # use hotcrm_support::{ai::*, ids::CaseId};
    /// assert_eq!(SuggestAgentRequest::new(CaseId::from_u128(1), "a", "b").subject, "a");
    /// ```
    pub fn new(case: CaseId, subject: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            case,
            subject: subject.into(),
            description: description.into(),
            category: None,
            priority: Priority::default(),
            queue: String::new(),
            candidates: Vec::new(),
        }
    }

    /// The request for routing `request` in `queue`: its members whose status
    /// accepts work and who have room for the case's channel, with their skills
    /// by name. The router still checks the suggestion against full eligibility
    /// (skills, declines), so a provider never has to.
    ///
    /// ```
    /// use chrono::Utc;
    /// use hotcrm_support::ai::SuggestAgentRequest;
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, QueueId, SkillId};
    /// use hotcrm_support::routing::*;
    /// let (a, b, q, s) = (AgentId::from_u128(1), AgentId::from_u128(2), QueueId::from_u128(1), SkillId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_skill(Skill::new(s, "Billing")?)?;
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(3)?)?.with_status(AgentStatus::Available).with_skill(AgentSkill::new(s, 4)?))?;
    /// router.add_agent(Agent::new(b, "Bob", Capacity::cases(3)?)?.with_status(AgentStatus::Offline))?;
    /// router.add_queue(Queue::new(q, "Billing", RoutingMethod::AiAssisted)?.with_member(QueueMember::new(a)).with_member(QueueMember::new(b)))?;
    /// let case = RoutingRequest::new(CaseId::from_u128(9), AccountId::from_u128(1), Utc::now()).with_subject("Refund");
    /// let r = SuggestAgentRequest::for_queue(&router, q, &case)?;
    /// assert_eq!(r.queue, "Billing");
    /// assert_eq!(r.candidates.len(), 1); // Bob is offline
    /// assert_eq!(r.candidates[0].skills, vec![("Billing".to_string(), 4)]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown queue.
    pub fn for_queue(router: &Router, queue: QueueId, request: &RoutingRequest) -> Result<Self> {
        let q = router.queue(queue).ok_or_else(|| Error::NotFound {
            kind: "queue",
            id: queue.to_string(),
        })?;
        let names: std::collections::HashMap<SkillId, &str> = router
            .state()
            .skills
            .iter()
            .map(|s| (s.id, s.name.as_str()))
            .collect();
        let skill_name = |id: SkillId| names.get(&id).map(|name| (*name).to_owned());
        let candidates = q
            .members
            .iter()
            .filter_map(|m| router.agent(m.agent))
            .filter(|a| a.status.accepts_work() && a.has_room_for(request.origin))
            .map(|a| AgentProfile {
                agent: a.id,
                name: a.name.clone(),
                skills: a
                    .skills
                    .iter()
                    .filter_map(|s| Some((skill_name(s.skill)?, s.proficiency.get())))
                    .collect(),
                load: a.load,
                limit: a.capacity.limit(),
            })
            .collect();
        Ok(Self {
            case: request.case,
            subject: request.subject.clone(),
            description: request.description.clone(),
            category: request.ai_category,
            priority: request.priority,
            queue: q.name.clone(),
            candidates,
        })
    }

    /// Subject, description and category label as one text.
    ///
    /// ```
    /// # use hotcrm_support::{ai::*, ids::CaseId};
    /// assert_eq!(SuggestAgentRequest::new(CaseId::from_u128(1), "a", "b").text(), "a\nb");
    /// ```
    pub fn text(&self) -> String {
        match self.category {
            Some(c) => format!("{}\n{}\n{c}", self.subject, self.description),
            None => format!("{}\n{}", self.subject, self.description),
        }
    }
}
