//! [`HeuristicAi`]: the offline, deterministic default provider. Lexicon rules for
//! classification and sentiment, feature-hashed embeddings with a concept lexicon,
//! extractive generation and enhancement.
//!
//! Layer 3: depends on the `ai` types and lexicons, `knowledge` (analyzer,
//! extractive answers), `case` picklists and `error`.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use async_trait::async_trait;

use crate::case::{AiCategory, CaseType, Priority, Sentiment};
use crate::error::Result;
use crate::knowledge::analyzer::same_up_to_inflection;
use crate::knowledge::{Analyzer, Enhancement, NO_ANSWER_TEXT, extract_answer};

use super::lexicon;
use super::{
    AiProvider, Classification, ClassifyRequest, Embedding, EmotionScores, EnhanceRequest,
    GenerateRequest, Generated, SentimentAnalysis, SuggestAgentRequest, Urgency,
};
use crate::routing::AiSuggestion;

/// Dimension of [`HeuristicAi`] embeddings: 32 concept dimensions followed by 224
/// feature-hashed term dimensions.
pub const HEURISTIC_EMBEDDING_DIM: usize = 256;
const CONCEPT_DIMS: usize = 32;
/// Weight of a concept dimension relative to one term.
const CONCEPT_WEIGHT: f32 = 2.0;

/// Cue matching keeps stop words ("log in", "how to") but stems and folds.
const CUE_ANALYZER: Analyzer = Analyzer {
    stop_words: false,
    stemming: true,
    fold_diacritics: true,
    query_synonyms: false,
};

/// One lexicon entry: its analysed terms, the surface words they come from, and
/// its payload (`group`, `entry index`).
#[derive(Debug)]
struct Cue {
    terms: Vec<String>,
    surfaces: Vec<String>,
    group: usize,
    index: usize,
}

/// Multi-word lexicon entries indexed by their first term.
#[derive(Debug, Default)]
struct PhraseMatcher {
    // Keys are the built-in lexicon's (inserted once); user text only looks up.
    by_first: crate::knowledge::index::TermMap<Vec<Cue>>,
}

impl PhraseMatcher {
    /// Adds `entry` (analysed) with a payload (`group`, `entry index`).
    fn add(&mut self, entry: &str, group: usize, index: usize) {
        let (terms, surfaces) = CUE_ANALYZER.word_buffers(entry);
        let to_vec = |b: &crate::knowledge::analyzer::TermBuffer| {
            b.terms().into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let (terms, surfaces) = (to_vec(&terms), to_vec(&surfaces));
        if let Some(first) = terms.first() {
            self.by_first.entry(first.clone()).or_default().push(Cue {
                terms,
                surfaces,
                group,
                index,
            });
        }
    }

    /// Every (position, length, group, entry index) match in `terms`: the same
    /// stems in a row.
    fn find(&self, terms: &[&str]) -> Vec<(usize, usize, usize, usize)> {
        self.find_where(terms, |_, _| true)
    }

    /// Like [`PhraseMatcher::find`], but each word must also be the cue's word
    /// up to inflection (`surfaces` are the words of `terms` as written), not a
    /// derivation that shares its stem: *helpful* does not match "help".
    fn find_inflections(
        &self,
        terms: &[&str],
        surfaces: &[&str],
    ) -> Vec<(usize, usize, usize, usize)> {
        self.find_where(terms, |at, cue_word| {
            surfaces
                .get(at)
                .is_some_and(|w| same_up_to_inflection(w, cue_word))
        })
    }

    /// Matches whose every word `(text position, cue surface word)` passes `accept`.
    fn find_where(
        &self,
        terms: &[&str],
        accept: impl Fn(usize, &str) -> bool,
    ) -> Vec<(usize, usize, usize, usize)> {
        let mut out = Vec::new();
        for (pos, t) in terms.iter().enumerate() {
            let Some(cands) = self.by_first.get(*t) else {
                continue;
            };
            for cue in cands {
                let end = pos + cue.terms.len();
                let stems_match = terms
                    .get(pos..end)
                    .is_some_and(|w| w.iter().copied().eq(cue.terms.iter().map(String::as_str)));
                if stems_match
                    && cue
                        .surfaces
                        .iter()
                        .enumerate()
                        .all(|(i, s)| accept(pos + i, s))
                {
                    out.push((pos, cue.terms.len(), cue.group, cue.index));
                }
            }
        }
        out
    }
}

/// Groups of the sentiment matcher.
const POS: usize = 0;
const NEG: usize = 1;
const ANGRY: usize = 2;
const FRUSTRATION: usize = 3;
const ANXIETY: usize = 4;
const URGENT: usize = 5;
const NEGATOR: usize = 6;
const INTENSIFIER: usize = 7;
/// Groups of the classification matcher beyond the categories.
const OUTAGE: usize = 100;
const HIGH: usize = 101;
const LOW: usize = 102;
const TRAINING: usize = 103;
const BILLING_PROBLEM: usize = 104;

#[derive(Debug)]
struct Lexicons {
    categories: PhraseMatcher,
    sentiment: PhraseMatcher,
    concepts: PhraseMatcher,
}

fn lexicons() -> &'static Lexicons {
    static LEXICONS: OnceLock<Lexicons> = OnceLock::new();
    LEXICONS.get_or_init(|| {
        let mut categories = PhraseMatcher::default();
        for (g, (_, _, words)) in lexicon::CATEGORY_CUES.iter().enumerate() {
            for (i, w) in words.iter().enumerate() {
                categories.add(w, g, i);
            }
        }
        for (group, words) in [
            (OUTAGE, lexicon::OUTAGE_CUES),
            (HIGH, lexicon::HIGH_PRIORITY_CUES),
            (LOW, lexicon::LOW_PRIORITY_CUES),
            (TRAINING, lexicon::TRAINING_CUES),
            (BILLING_PROBLEM, lexicon::BILLING_PROBLEM_CUES),
        ] {
            for (i, w) in words.iter().enumerate() {
                categories.add(w, group, i);
            }
        }
        let mut sentiment = PhraseMatcher::default();
        for (group, words) in [
            (POS, lexicon::POSITIVE),
            (NEG, lexicon::NEGATIVE),
            (ANGRY, lexicon::ANGRY),
            (FRUSTRATION, lexicon::FRUSTRATION),
            (ANXIETY, lexicon::ANXIETY),
            (URGENT, lexicon::URGENCY),
            (NEGATOR, lexicon::NEGATORS),
            (INTENSIFIER, lexicon::INTENSIFIERS),
        ] {
            for (i, w) in words.iter().enumerate() {
                sentiment.add(w, group, i);
            }
        }
        let mut concepts = PhraseMatcher::default();
        for (g, (_, words)) in lexicon::CONCEPTS.iter().enumerate() {
            for (i, w) in words.iter().enumerate() {
                concepts.add(w, g, i);
            }
        }
        Lexicons {
            categories,
            sentiment,
            concepts,
        }
    })
}

/// Acronyms that are written in capitals without shouting.
const ACRONYMS: &[&str] = &[
    "API", "SSO", "SAML", "VAT", "CSV", "PDF", "URL", "SMS", "HTTP", "HTTPS", "JSON", "CRM", "FAQ",
    "MFA", "OTP", "IOS", "GDPR", "SDK", "SSL", "TLS", "XML", "DNS", "IP", "CEO", "USA", "EU", "UK",
    "ID", "KB", "UTC", "SLA", "ASAP",
];

/// The offline, deterministic [`AiProvider`]: same input, same output, always.
///
/// # Rules
///
/// * **classify** — lexicon cues per category (billing, technical, product,
///   feature, complaint; subject cues count double). The top-scoring category wins
///   (none: `Other`); confidence is `0.4 + 0.3·margin + 0.25·strength` (margin = lead
///   over the runner-up, strength = top score / 3, both capped at 1), at most 0.95.
///   Type: feature → FeatureRequest, training cues → Training, outage cues →
///   Incident, technical/complaint → Problem, billing → Problem when something is
///   wrong ("charged twice", "refund", negative tone) else Question, product → Question. Priority: outage cues → Critical;
///   "urgent", "unable", "blocked"... → High; feature requests, "minor", "no rush"
///   → Low; else Medium.
/// * **sentiment** — positive, negative and angry word lists, matched on the
///   analyzer's stems but only by the same word up to inflection (*crashed*
///   matches "crash"; *help* does not match "helpful", nor *hard* the negator
///   "hardly": Snowball gives each pair one stem, the suffix carries the
///   sentiment). A negator ("not",
///   "never", "don't"...) up to three words before flips the first sentiment word after it (negated positive
///   counts 0.8 negative; negated negative 0.3 positive); an intensifier ("very",
///   "extremely") just before multiplies it by 1.5. Intensity = 0.15 per `!` (max
///   0.6) + 0.2 per shouted word in capitals (acronyms excluded, max 0.6), capped
///   at 1. Polarity = `(pos − neg) / (pos + neg + 1) · (1 + intensity / 2)`,
///   clamped to ±1. Angry: two angry words, or one with intensity ≥ 0.3 or other
///   negative words; else Negative at polarity ≤ −0.2, Positive at ≥ 0.2, else
///   Neutral. Urgency: two urgency cues, or one with intensity ≥ 0.3 → High; one →
///   Medium; else Low.
/// * **embed** — [`HEURISTIC_EMBEDDING_DIM`] dimensions: the first 32 are concepts
///   from a small lexicon (account access, MFA, SSO, billing, API, webhooks,
///   export, import, mobile, email, performance, problem, users, privacy,
///   integrations, reporting), weighted `2·(1 + ln count)`; the rest are
///   FNV-1a-hashed analysed terms (signed, `1 + ln tf`). L2-normalised. A text
///   with no terms embeds to the first axis.
/// * **generate** — extractive: the best steps or sentences of the first context
///   document that shares terms with the prompt (see
///   [`extract_answer`](crate::knowledge::extract_answer)), citing only it;
///   confidence is the share of prompt terms it covers. No relevant context: the
///   fixed "no article" text, no citation, confidence 0.
/// * **enhance_article** — summary: the first prose sentences (up to ~200
///   characters); keywords: the eight most frequent content words (title words
///   count triple); tags: matched concepts, then the top keywords (five in all).
///
/// # Example
///
/// ```
/// use hotcrm_support::ai::{AiProvider, ClassifyRequest, HeuristicAi};
/// use hotcrm_support::case::{AiCategory, CaseType, Priority, Sentiment};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ai = HeuristicAi::new();
/// let c = ai.classify(&ClassifyRequest::new("Unable to login", "Getting authentication error")).await?;
/// assert_eq!((c.category, c.case_type, c.priority), (AiCategory::Technical, CaseType::Problem, Priority::High));
///
/// let s = ai.sentiment("This is extremely frustrating! I need help NOW!").await?;
/// assert_eq!(s.sentiment, Sentiment::Negative);
///
/// let e = ai.embed(&["I can't log in".into(), "How to reset your password".into(),
///                    "Download invoices as PDF".into()]).await?;
/// assert!(e[0].cosine(&e[1]) > e[0].cosine(&e[2]));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct HeuristicAi {
    analyzer: Analyzer,
}

impl HeuristicAi {
    /// The provider with the default analyzer.
    ///
    /// ```
    /// # use hotcrm_support::ai::*;
    /// let ai = HeuristicAi::new();
    /// assert_eq!(ai.embed_text("x"), ai.embed_text("x"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Classification, synchronously (the trait method calls this).
    ///
    /// ```
    /// use hotcrm_support::ai::{ClassifyRequest, HeuristicAi};
    /// use hotcrm_support::case::{AiCategory, CaseType};
    /// let c = HeuristicAi::new().classify_text(&ClassifyRequest::new(
    ///     "Feature request: dark mode", "It would be great to have a dark theme."));
    /// assert_eq!((c.category, c.case_type), (AiCategory::Feature, CaseType::FeatureRequest));
    /// ```
    pub fn classify_text(&self, request: &ClassifyRequest) -> Classification {
        self.classify_with(request, None)
    }

    /// Classification, reusing the sentiment of `request.text()` when known.
    fn classify_with(
        &self,
        request: &ClassifyRequest,
        sentiment: Option<&SentimentAnalysis>,
    ) -> Classification {
        let lex = lexicons();
        let (subject_buf, body_buf) = (
            CUE_ANALYZER.term_buffer(&request.subject),
            CUE_ANALYZER.term_buffer(&request.description),
        );
        let (subject, body) = (subject_buf.terms(), body_buf.terms());
        let mut scores = [0f32; 5];
        let mut matched: BTreeMap<usize, Vec<&'static str>> = BTreeMap::new();
        let mut flags = [false; 5];
        for (terms, factor) in [(&subject, 2.0f32), (&body, 1.0)] {
            let mut seen = std::collections::HashSet::new();
            for (_, _, group, index) in lex.categories.find(terms) {
                if !seen.insert((group, index)) {
                    continue;
                }
                if let Some(flag) = group.checked_sub(OUTAGE).and_then(|i| flags.get_mut(i)) {
                    *flag = true;
                    continue;
                }
                let Some((_, weight, words)) = lexicon::CATEGORY_CUES.get(group) else {
                    continue;
                };
                if let Some(s) = scores.get_mut(group) {
                    *s += weight * factor;
                }
                if let Some(w) = words.get(index) {
                    let list = matched.entry(group).or_default();
                    if !list.contains(w) {
                        list.push(w);
                    }
                }
            }
        }
        let [outage, high, low, training, billing_problem] = flags;
        let mut ranked: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let (top_group, top) = ranked.first().copied().unwrap_or((0, 0.0));
        let second = ranked.get(1).map_or(0.0, |r| r.1);
        let text = request.text();
        let (category, confidence, reason) = if top <= 0.0 {
            (AiCategory::Other, 0.3, "no category cues found".to_owned())
        } else {
            let category = lexicon::CATEGORY_CUES
                .get(top_group)
                .map_or(AiCategory::Other, |c| c.0);
            let margin = ((top - second) / top).clamp(0.0, 1.0);
            let strength = (top / 3.0).min(1.0);
            let confidence = (0.4 + 0.3 * margin + 0.25 * strength).min(0.95);
            let cues: Vec<String> = matched
                .get(&top_group)
                .map(|v| v.iter().take(3).map(|w| format!("{w:?}")).collect())
                .unwrap_or_default();
            (
                category,
                confidence,
                format!("{category} cues: {}", cues.join(", ")),
            )
        };
        // Sentiment is only needed to tell a billing problem from a billing question.
        let something_wrong = || {
            billing_problem
                || sentiment.map_or_else(|| self.sentiment_text(&text).score, |s| s.score) < 0.0
        };
        let case_type = match category {
            AiCategory::Feature => CaseType::FeatureRequest,
            _ if training => CaseType::Training,
            _ if outage => CaseType::Incident,
            AiCategory::Technical | AiCategory::Complaint => CaseType::Problem,
            AiCategory::Billing if something_wrong() => CaseType::Problem,
            AiCategory::Billing | AiCategory::Product => CaseType::Question,
            AiCategory::Other if text.contains('?') => CaseType::Question,
            AiCategory::Other => CaseType::Other,
        };
        let priority = if outage {
            Priority::Critical
        } else if high {
            Priority::High
        } else if low || category == AiCategory::Feature {
            Priority::Low
        } else {
            Priority::Medium
        };
        Classification {
            category,
            case_type,
            priority,
            confidence,
            reason,
        }
    }

    /// Sentiment, synchronously (the trait method calls this).
    ///
    /// ```
    /// use hotcrm_support::ai::HeuristicAi;
    /// use hotcrm_support::case::Sentiment;
    /// let ai = HeuristicAi::new();
    /// assert_eq!(ai.sentiment_text("Thanks, that was really helpful!").sentiment, Sentiment::Positive);
    /// assert_eq!(ai.sentiment_text("This is not helpful at all").sentiment, Sentiment::Negative);
    /// assert_eq!(ai.sentiment_text("UNACCEPTABLE. Third outage this week, this is ridiculous!!").sentiment, Sentiment::Angry);
    /// ```
    pub fn sentiment_text(&self, text: &str) -> SentimentAnalysis {
        let lex = lexicons();
        // Sentiment cues match inflections only: the stemmer's derivations change
        // the sentiment ("helpful" praises, "help" asks; "hardly" negates).
        let (term_buf, surface_buf) = CUE_ANALYZER.word_buffers(text);
        let matches = lex
            .sentiment
            .find_inflections(&term_buf.terms(), &surface_buf.terms());
        let mut negator_at: Vec<usize> = Vec::new();
        let mut intensifier_at: Vec<usize> = Vec::new();
        for &(pos, len, group, _) in &matches {
            match group {
                NEGATOR => negator_at.push(pos + len - 1),
                INTENSIFIER => intensifier_at.push(pos + len - 1),
                _ => {}
            }
        }
        let (mut pos_mass, mut neg_mass) = (0f32, 0f32);
        let (mut angry, mut frustration, mut anxiety, mut urgent) =
            (0usize, 0usize, 0usize, 0usize);
        let mut last_scored: Option<usize> = None;
        for &(pos, _, group, _) in &matches {
            // A negator flips only the first sentiment word within three words after it.
            let negated = matches!(group, POS | NEG | ANGRY)
                && match negator_at.iter().position(|&n| n < pos && pos - n <= 3) {
                    Some(i) => {
                        negator_at.remove(i);
                        true
                    }
                    None => false,
                };
            let boost = if pos > 0 && intensifier_at.contains(&(pos - 1)) {
                1.5
            } else {
                1.0
            };
            match group {
                POS | NEG | ANGRY => {
                    // A word that is both negative and angry counts once (as angry).
                    if last_scored == Some(pos) {
                        if group == ANGRY && !negated {
                            angry += 1;
                            neg_mass += boost;
                        }
                        continue;
                    }
                    last_scored = Some(pos);
                    let (positive, w) = match group {
                        POS => (true, boost),
                        ANGRY => (false, 2.0 * boost),
                        _ => (false, boost),
                    };
                    match (positive, negated) {
                        (true, false) => pos_mass += w,
                        (true, true) => neg_mass += 0.8 * w,
                        (false, false) => {
                            neg_mass += w;
                            if group == ANGRY {
                                angry += 1;
                            }
                        }
                        (false, true) => pos_mass += 0.3 * w,
                    }
                }
                FRUSTRATION => frustration += 1,
                ANXIETY => anxiety += 1,
                URGENT => urgent += 1,
                _ => {}
            }
        }
        let exclamations = text.chars().filter(|c| *c == '!').count() as f32;
        let shouted = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| {
                w.chars().count() >= 3
                    && w.chars().all(|c| c.is_uppercase())
                    && !ACRONYMS.contains(w)
            })
            .count() as f32;
        let intensity = ((exclamations * 0.15).min(0.6) + (shouted * 0.2).min(0.6)).min(1.0);
        let polarity = ((pos_mass - neg_mass) / (pos_mass + neg_mass + 1.0)
            * (1.0 + intensity / 2.0))
            .clamp(-1.0, 1.0);
        let sentiment = if angry >= 2 || (angry >= 1 && (intensity >= 0.3 || neg_mass >= 4.0)) {
            Sentiment::Angry
        } else if polarity <= -0.2 {
            Sentiment::Negative
        } else if polarity >= 0.2 {
            Sentiment::Positive
        } else {
            Sentiment::Neutral
        };
        let urgency = if urgent >= 2 || (urgent >= 1 && intensity >= 0.3) {
            Urgency::High
        } else if urgent == 1 {
            Urgency::Medium
        } else {
            Urgency::Low
        };
        let total = pos_mass + neg_mass;
        let neg_share = if total > 0.0 { neg_mass / total } else { 0.0 };
        let emotions = EmotionScores {
            anger: (0.35 * angry as f32 + 0.5 * intensity * neg_share).clamp(0.0, 1.0),
            frustration: (0.45 * frustration as f32 + 0.3 * intensity * neg_share).clamp(0.0, 1.0),
            anxiety: (0.35 * anxiety as f32 + 0.1 * urgent as f32).clamp(0.0, 1.0),
            joy: (0.4 * pos_mass * (1.0 - neg_share)).clamp(0.0, 1.0),
        };
        let confidence = if total == 0.0 {
            0.6
        } else {
            (0.5 + 0.5 * (total / 3.0).min(1.0) * polarity.abs().max(0.3)).min(0.95)
        };
        SentimentAnalysis {
            sentiment,
            score: polarity,
            urgency,
            emotions,
            confidence,
        }
    }

    /// The embedding of one text, synchronously (the trait method calls this).
    ///
    /// ```
    /// use hotcrm_support::ai::{HeuristicAi, HEURISTIC_EMBEDDING_DIM};
    /// let e = HeuristicAi::new().embed_text("Configure SAML single sign-on");
    /// assert_eq!(e.dim(), HEURISTIC_EMBEDDING_DIM);
    /// assert_eq!(e, HeuristicAi::new().embed_text("Configure SAML single sign-on"));
    /// ```
    pub fn embed_text(&self, text: &str) -> Embedding {
        let mut v = vec![0f32; HEURISTIC_EMBEDDING_DIM];
        let mut tf: HashMap<String, u32> = HashMap::new();
        self.analyzer.for_each_term(text, |t| {
            *tf.entry(t.to_owned()).or_insert(0) += 1;
        });
        for (term, count) in &tf {
            let h = fnv1a(term.as_bytes());
            let buckets = (HEURISTIC_EMBEDDING_DIM - CONCEPT_DIMS) as u64;
            let dim = CONCEPT_DIMS + usize::try_from(h % buckets).unwrap_or(0);
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            if let Some(x) = v.get_mut(dim) {
                *x += sign * (1.0 + (*count as f32).ln());
            }
        }
        let mut concept_counts = [0u32; CONCEPT_DIMS];
        let cue_buffer = CUE_ANALYZER.term_buffer(text);
        for (_, _, group, _) in lexicons().concepts.find(&cue_buffer.terms()) {
            if let Some(c) = concept_counts.get_mut(group) {
                *c += 1;
            }
        }
        for (dim, count) in concept_counts.iter().enumerate() {
            if *count > 0 {
                if let Some(x) = v.get_mut(dim) {
                    *x += CONCEPT_WEIGHT * (1.0 + (*count as f32).ln());
                }
            }
        }
        if v.iter().all(|x| *x == 0.0) {
            if let Some(x) = v.first_mut() {
                *x = 1.0;
            }
        }
        // Never fails: `v` is finite and non-zero here.
        Embedding::new(v.clone()).unwrap_or(Embedding(v))
    }

    /// Extractive generation, synchronously (the trait method calls this).
    ///
    /// ```
    /// use hotcrm_support::ai::{ContextDoc, GenerateRequest, HeuristicAi, SourceRef};
    /// let req = GenerateRequest::new("How do I reset my password?").with_context(ContextDoc {
    ///     source: SourceRef::Article("KB-2026-0015".parse()?),
    ///     title: "How to reset your password".into(),
    ///     text: "1. Click Forgot password.\n2. Enter your email address.\n3. Open the reset link.".into(),
    /// });
    /// let out = HeuristicAi::new().generate_text(&req);
    /// assert!(out.text.starts_with("1. Click Forgot password."));
    /// assert_eq!(out.cited, vec![SourceRef::Article("KB-2026-0015".parse()?)]);
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn generate_text(&self, request: &GenerateRequest) -> Generated {
        for doc in &request.context {
            if let Some(extract) =
                extract_answer(&self.analyzer, &request.prompt, &doc.title, &doc.text)
            {
                return Generated {
                    text: extract.text,
                    cited: vec![doc.source],
                    confidence: extract.coverage,
                };
            }
        }
        Generated {
            text: NO_ANSWER_TEXT.to_owned(),
            cited: Vec::new(),
            confidence: 0.0,
        }
    }

    /// Article enhancement, synchronously (the trait method calls this).
    ///
    /// ```
    /// use hotcrm_support::ai::{EnhanceRequest, HeuristicAi};
    /// let e = HeuristicAi::new().enhance_text(&EnhanceRequest {
    ///     title: "Download invoices".into(), summary: String::new(), tags: vec![],
    ///     content: "Invoices are issued monthly. Open Billing and click Download to get each invoice as PDF.".into(),
    /// });
    /// assert_eq!(e.summary.as_deref(), Some("Invoices are issued monthly. Open Billing and click Download to get each invoice as PDF."));
    /// assert!(e.tags.contains(&"billing".to_string()));
    /// assert!(e.keywords.contains(&"invoices".to_string()));
    /// assert_eq!(e.category, None, "no clear cue in the title");
    /// let e = HeuristicAi::new().enhance_text(&EnhanceRequest {
    ///     title: "Export fails with error 500".into(), summary: String::new(), tags: vec![],
    ///     content: "Check the file size first.".into(),
    /// });
    /// assert_eq!(e.category, Some(hotcrm_support::knowledge::ArticleCategory::Troubleshooting));
    /// ```
    pub fn enhance_text(&self, request: &EnhanceRequest) -> Enhancement {
        // Summary: leading prose sentences, about 200 characters.
        let mut summary = String::new();
        for line in request.content.lines() {
            let l = line.trim();
            if l.is_empty()
                || l.starts_with('#')
                || l.starts_with("- ")
                || l.starts_with("* ")
                || l.starts_with("```")
                || l.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                if summary.is_empty() {
                    continue;
                }
                break;
            }
            for sentence in l.split_inclusive(". ") {
                if summary.chars().count() >= 120 {
                    break;
                }
                if !summary.is_empty() {
                    summary.push(' ');
                }
                summary.push_str(sentence.trim());
            }
            if summary.chars().count() >= 120 {
                break;
            }
        }
        if summary.chars().count() > 300 {
            summary = summary.chars().take(297).collect::<String>() + "...";
        }
        let summary = (!summary.is_empty()).then_some(summary);

        // Keywords: frequent unstemmed content words, title words weighted x3.
        let words = Analyzer {
            stop_words: true,
            stemming: false,
            fold_diacritics: false,
            query_synonyms: false,
        };
        let mut freq: BTreeMap<String, u32> = BTreeMap::new();
        for (text, weight) in [(&request.title, 3u32), (&request.content, 1)] {
            words.for_each_term(text, |t| {
                if t.chars().count() >= 3 && !t.chars().all(|c| c.is_ascii_digit()) {
                    *freq.entry(t.to_owned()).or_insert(0) += weight;
                }
            });
        }
        let mut ranked: Vec<(String, u32)> = freq.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let keywords: Vec<String> = ranked.into_iter().take(8).map(|r| r.0).collect();

        // Tags: matched concepts (most mentioned first), then keywords; five in all.
        let cue_buffer =
            CUE_ANALYZER.term_buffer(&format!("{}\n{}", request.title, request.content));
        let cue_terms = cue_buffer.terms();
        let mut concept_counts: BTreeMap<usize, u32> = BTreeMap::new();
        for (_, _, group, _) in lexicons().concepts.find(&cue_terms) {
            *concept_counts.entry(group).or_insert(0) += 1;
        }
        let mut concepts: Vec<(usize, u32)> = concept_counts.into_iter().collect();
        concepts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut tags: Vec<String> = concepts
            .iter()
            .filter_map(|(g, _)| lexicon::CONCEPTS.get(*g).map(|c| c.0.to_owned()))
            .filter(|c| c != "problem")
            .take(3)
            .collect();
        for k in &keywords {
            if tags.len() >= 5 {
                break;
            }
            if !tags.contains(k) && !request.tags.contains(k) {
                tags.push(k.clone());
            }
        }
        Enhancement {
            category: guess_category(&request.title, &request.content),
            summary,
            tags,
            keywords,
        }
    }
}

/// The article category the title and layout point to, only when a clear
/// cue is there: an error or "not working" title (Troubleshooting), a
/// question title (FAQ), "how to" or three or more numbered steps
/// (Tutorial), HTTP methods and endpoints (API Documentation), a release
/// announcement (New Features), "best practices" or "tips" (Best Practices).
fn guess_category(title: &str, content: &str) -> Option<crate::knowledge::ArticleCategory> {
    use crate::knowledge::ArticleCategory as C;
    let t = title.trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let steps = content
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            let digits = l.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && matches!(l.as_bytes().get(digits), Some(b'.' | b')'))
        })
        .count();
    let api = ["GET /", "POST /", "PUT /", "DELETE /", "PATCH /"]
        .iter()
        .any(|m| content.contains(m));
    if has(&[
        "error",
        "fails",
        "failed",
        "not working",
        "cannot",
        "can't",
        "unable",
        "troubleshoot",
        "fix ",
    ]) {
        Some(C::Troubleshooting)
    } else if api || has(&["api", "endpoint", "webhook"]) {
        Some(C::ApiDocumentation)
    } else if has(&["best practice", "tips", "recommendations"]) {
        Some(C::BestPractices)
    } else if has(&[
        "introducing",
        "new feature",
        "now available",
        "release notes",
        "what's new",
    ]) {
        Some(C::NewFeatures)
    } else if t.ends_with('?')
        || ["what ", "why ", "can ", "does ", "is ", "do ", "which "]
            .iter()
            .any(|q| t.starts_with(q))
    {
        Some(C::Faq)
    } else if t.starts_with("how to") || t.starts_with("how do") || steps >= 3 {
        Some(C::Tutorial)
    } else {
        None
    }
}

impl HeuristicAi {
    /// Agent suggestion, synchronously (the trait method calls this): the
    /// candidate whose skills the case talks about.
    ///
    /// A skill *matches* when a word of its name (analysed like search text:
    /// lowercased, accents folded, lightly stemmed) occurs in the case's subject,
    /// description or category. A candidate scores the sum of the proficiencies
    /// of their matching skills; the highest score wins, then the lower load
    /// ratio, then the earlier candidate. Confidence is `0.4 + 0.1 ×` the
    /// winner's best matching proficiency, `+ 0.05` per further matching skill,
    /// at most `0.95` (so a 3/5 match meets the default queue threshold of 0.7
    /// and a 2/5 match does not). No matching skill: no suggestion.
    ///
    /// ```
    /// use hotcrm_support::ai::{AgentProfile, HeuristicAi, SuggestAgentRequest};
    /// use hotcrm_support::ids::{AgentId, CaseId};
    /// let profile = |id, name: &str, skills: &[(&str, u8)]| AgentProfile {
    ///     agent: AgentId::from_u128(id), name: name.into(), load: 0, limit: 5,
    ///     skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect() };
    /// let mut req = SuggestAgentRequest::new(CaseId::from_u128(1),
    ///     "Invoice shows the wrong VAT", "Our German invoice has 19% but we are exempt");
    /// req.candidates = vec![profile(1, "Ada", &[("Networking", 5)]),
    ///                       profile(2, "Grace", &[("Invoicing", 4), ("German", 3)])];
    /// let s = HeuristicAi::new().suggest_agent_for(&req).unwrap();
    /// assert_eq!(s.agent, AgentId::from_u128(2));
    /// assert!((s.confidence - 0.85).abs() < 1e-9);
    /// assert_eq!(s.reason, "Grace knows Invoicing (4/5), German (3/5), which the case mentions");
    /// ```
    pub fn suggest_agent_for(&self, request: &SuggestAgentRequest) -> Option<AiSuggestion> {
        let text: std::collections::HashSet<String> =
            self.analyzer.terms(&request.text()).into_iter().collect();
        struct Pick<'a> {
            score: u32,
            load: u64,
            limit: u64,
            index: usize,
            matched: Vec<(&'a str, u8)>,
        }
        let mut best: Option<Pick<'_>> = None;
        let mut mentioned: HashMap<&str, bool> = HashMap::new();
        for (i, c) in request.candidates.iter().enumerate() {
            let matched: Vec<(&str, u8)> = c
                .skills
                .iter()
                .filter(|(name, _)| {
                    // Skill names repeat across candidates: analyse each once.
                    *mentioned.entry(name.as_str()).or_insert_with(|| {
                        self.analyzer.terms(name).iter().any(|t| text.contains(t))
                    })
                })
                .map(|(name, level)| (name.as_str(), *level))
                .collect();
            let score: u32 = matched.iter().map(|(_, l)| u32::from(*l)).sum();
            if score == 0 {
                continue;
            }
            // Load ratio compared by cross-multiplication (no division).
            let (load, limit) = (u64::from(c.load), u64::from(c.limit.max(1)));
            let better = best.as_ref().is_none_or(|b| {
                score > b.score || (score == b.score && load * b.limit < b.load * limit)
            });
            if better {
                best = Some(Pick {
                    score,
                    load,
                    limit,
                    index: i,
                    matched,
                });
            }
        }
        let Pick { index, matched, .. } = best?;
        let candidate = request.candidates.get(index)?;
        let top = matched.iter().map(|(_, l)| *l).max().unwrap_or(0);
        let extra = matched.len().saturating_sub(1) as f64;
        let confidence = (0.4 + 0.1 * f64::from(top) + 0.05 * extra).min(0.95);
        let skills: Vec<String> = matched
            .iter()
            .map(|(name, level)| format!("{name} ({level}/5)"))
            .collect();
        let reason = format!(
            "{} knows {}, which the case mentions",
            candidate.name,
            skills.join(", ")
        );
        AiSuggestion::new(candidate.agent, confidence, reason).ok()
    }
}

/// FNV-1a, 64 bit: a fixed, portable hash (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[async_trait]
impl AiProvider for HeuristicAi {
    async fn classify(&self, request: &ClassifyRequest) -> Result<Classification> {
        Ok(self.classify_text(request))
    }

    async fn analyze(
        &self,
        request: &ClassifyRequest,
    ) -> (Result<Classification>, Result<SentimentAnalysis>) {
        // One sentiment pass serves both answers.
        let sentiment = self.sentiment_text(&request.text());
        (
            Ok(self.classify_with(request, Some(&sentiment))),
            Ok(sentiment),
        )
    }

    async fn sentiment(&self, text: &str) -> Result<SentimentAnalysis> {
        Ok(self.sentiment_text(text))
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Embedding>> {
        Ok(texts.iter().map(|t| self.embed_text(t)).collect())
    }

    async fn generate(&self, request: &GenerateRequest) -> Result<Generated> {
        Ok(self.generate_text(request))
    }

    async fn enhance_article(&self, request: &EnhanceRequest) -> Result<Enhancement> {
        Ok(self.enhance_text(request))
    }

    async fn suggest_agent(&self, request: &SuggestAgentRequest) -> Result<Option<AiSuggestion>> {
        Ok(self.suggest_agent_for(request))
    }
}
