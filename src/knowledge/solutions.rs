//! Suggested solutions from similar resolved cases: the building block the desk
//! calls when a case is created ("based on 234 similar cases ...").
//!
//! Layer 2 (pure): depends on the sibling `analyzer` module and `ids`. The desk
//! loads the resolved cases (from its repository) and passes them in.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{CaseId, KnowledgeNumber};

use super::analyzer::Analyzer;

/// Two cases are similar when they share at least this share of the new case's
/// idf-weighted terms.
pub const SIMILAR_CASE_THRESHOLD: f32 = 0.35;

/// A resolved case as the solution suggester needs it.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::knowledge::ResolvedCase;
/// let c = ResolvedCase::new(CaseId::from_u128(1), "Cannot log in", "Sent a password reset link.");
/// assert!(c.article.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedCase {
    /// The case.
    pub case: CaseId,
    /// Subject and description, as one text.
    pub text: String,
    /// How it was resolved.
    pub resolution: String,
    /// The article it was resolved with, if any.
    pub article: Option<KnowledgeNumber>,
}

impl ResolvedCase {
    /// A resolved case without a linked article.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let c = ResolvedCase::new(hotcrm_support::ids::CaseId::from_u128(1), "Login fails", "Reset the password.");
    /// assert_eq!(c.resolution, "Reset the password.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(case: CaseId, text: impl Into<String>, resolution: impl Into<String>) -> Self {
        Self {
            case,
            text: text.into(),
            resolution: resolution.into(),
            article: None,
        }
    }

    /// Links the article the case was resolved with.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let n = "KB-2026-0015".parse()?;
    /// let c = ResolvedCase::new(hotcrm_support::ids::CaseId::from_u128(1), "t", "r").with_article(n);
    /// assert_eq!(c.article, Some(n));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_article(mut self, article: KnowledgeNumber) -> Self {
        self.article = Some(article);
        self
    }
}

/// A solution suggested from similar resolved cases.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// let history = [ResolvedCase::new(hotcrm_support::ids::CaseId::from_u128(1), "Webhook deliveries failing", "Fixed the TLS certificate of the endpoint.")];
/// let s = suggest_solution(&Analyzer::default(), "webhook deliveries failing", &history).ok_or("none")?;
/// assert_eq!((s.similar_cases, s.resolved_this_way), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Loading checks what [`suggest_solution`] produces: at least one case resolved
/// the suggested way, no more than the similar cases, and one `based_on` entry
/// for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SuggestedSolutionFields")]
pub struct SuggestedSolution {
    /// Human-readable suggestion for the agent.
    pub text: String,
    /// The resolution text of the most similar case that used the top solution.
    pub resolution: String,
    /// The article most similar cases were resolved with, if any.
    pub article: Option<KnowledgeNumber>,
    /// How many resolved cases were similar.
    pub similar_cases: usize,
    /// How many of those were resolved the suggested way.
    pub resolved_this_way: usize,
    /// The similar cases resolved the suggested way, most similar first.
    pub based_on: Vec<CaseId>,
}

validated_serde!(SuggestedSolution, SuggestedSolutionFields {
    text: String,
    resolution: String,
    article: Option<KnowledgeNumber>,
    similar_cases: usize,
    resolved_this_way: usize,
    based_on: Vec<CaseId>,
});

impl SuggestedSolution {
    /// The checks of a loaded suggestion (see the type docs).
    fn validate(&self) -> Result<()> {
        if self.resolved_this_way == 0 || self.resolved_this_way > self.similar_cases {
            return Err(Error::validation(
                "resolved_this_way",
                format!(
                    "{} must be at least 1 and at most the {} similar cases",
                    self.resolved_this_way, self.similar_cases
                ),
            ));
        }
        if self.based_on.len() != self.resolved_this_way {
            return Err(Error::validation(
                "based_on",
                format!(
                    "lists {} cases for {} resolved this way",
                    self.based_on.len(),
                    self.resolved_this_way
                ),
            ));
        }
        Ok(())
    }
}

/// Suggests a solution for a new case (`text` = subject + description) from
/// `resolved` cases.
///
/// Similarity is the idf-weighted share of the new case's terms that a resolved
/// case contains (idf over `resolved`); cases at or above
/// [`SIMILAR_CASE_THRESHOLD`] are similar. Similar cases are grouped by linked
/// article, else by their resolution's terms; the largest group wins (ties: the
/// higher summed similarity). Returns `None` when no case is similar.
///
/// # Example
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::knowledge::{suggest_solution, Analyzer, ResolvedCase};
/// let history = [
///     ResolvedCase::new(CaseId::from_u128(1), "Cannot log in, password rejected", "Sent a password reset link."),
///     ResolvedCase::new(CaseId::from_u128(2), "Can't log in: password rejected again", "Sent a password reset link."),
///     ResolvedCase::new(CaseId::from_u128(3), "Invoice shows wrong VAT", "Corrected the VAT number."),
/// ];
/// let s = suggest_solution(&Analyzer::default(), "I can't log in, my password is rejected", &history)
///     .ok_or("no suggestion")?;
/// assert_eq!(s.resolution, "Sent a password reset link.");
/// assert_eq!((s.similar_cases, s.resolved_this_way), (2, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn suggest_solution(
    analyzer: &Analyzer,
    text: &str,
    resolved: &[ResolvedCase],
) -> Option<SuggestedSolution> {
    let query: HashSet<String> = analyzer.terms(text).into_iter().collect();
    if query.is_empty() || resolved.is_empty() {
        return None;
    }
    let case_terms: Vec<HashSet<String>> = resolved
        .iter()
        .map(|c| analyzer.terms(&c.text).into_iter().collect())
        .collect();
    let n = resolved.len() as f32;
    let idf = |t: &String| {
        let df = case_terms.iter().filter(|s| s.contains(t)).count() as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    };
    let weights: HashMap<&String, f32> = query.iter().map(|t| (t, idf(t))).collect();
    let total: f32 = weights.values().sum();
    if total <= 0.0 {
        return None;
    }
    let mut similar: Vec<(usize, f32)> = case_terms
        .iter()
        .enumerate()
        .map(|(i, terms)| {
            let shared: f32 = weights
                .iter()
                .filter(|(t, _)| terms.contains(**t))
                .map(|(_, w)| w)
                .sum();
            (i, shared / total)
        })
        .filter(|(_, s)| *s >= SIMILAR_CASE_THRESHOLD)
        .collect();
    if similar.is_empty() {
        return None;
    }
    similar.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // Group key: the linked article, else the sorted terms of the resolution.
    let mut groups: BTreeMap<String, (usize, f32, Vec<usize>)> = BTreeMap::new();
    for &(i, sim) in &similar {
        let Some(case) = resolved.get(i) else {
            continue;
        };
        let key = match case.article {
            Some(n) => format!("article:{n}"),
            None => {
                let mut t = analyzer.terms(&case.resolution);
                t.sort();
                t.dedup();
                format!("text:{}", t.join(" "))
            }
        };
        let g = groups.entry(key).or_insert((0, 0.0, Vec::new()));
        g.0 += 1;
        g.1 += sim;
        g.2.push(i);
    }
    let (_, (count, _, members)) = groups.into_iter().max_by(|a, b| {
        a.1.0
            .cmp(&b.1.0)
            .then(a.1.1.total_cmp(&b.1.1))
            .then(b.0.cmp(&a.0))
    })?;
    let best = resolved.get(*members.first()?)?;
    let article = best.article;
    let mut text = format!(
        "Suggested solution (based on {} similar case{}):\n{}\n\n{} of {} similar cases were resolved this way.",
        similar.len(),
        if similar.len() == 1 { "" } else { "s" },
        best.resolution.trim(),
        count,
        similar.len()
    );
    if let Some(n) = article {
        text.push_str(&format!(" See {n}."));
    }
    Some(SuggestedSolution {
        text,
        resolution: best.resolution.clone(),
        article,
        similar_cases: similar.len(),
        resolved_this_way: count,
        based_on: members
            .iter()
            .filter_map(|i| resolved.get(*i))
            .map(|c| c.case)
            .collect(),
    })
}
