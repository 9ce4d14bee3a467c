//! Suggested solutions from similar resolved cases: the building block the desk
//! calls when a case is created ("based on 234 similar cases ...").
//!
//! Layer 2 (pure): depends on the sibling `analyzer` module and `ids`. The desk
//! loads the resolved cases (from its repository) and passes them in.

use std::collections::{BTreeMap, HashMap, VecDeque};

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
    if resolved.is_empty() {
        return None;
    }
    let mut index = SolutionIndex::new(*analyzer, resolved.len());
    for case in resolved {
        index.push(case.clone());
    }
    index.suggest(text)
}

/// Resolved cases analysed once, for many [`suggest_solution`] lookups: what the
/// desk keeps as its resolution history.
///
/// [`suggest_solution`] analyses every resolved case on every call, which is
/// `O(history × text)` per new case. The index analyses a case once, when it is
/// inserted, and keeps an inverted list per term, so a lookup analyses only the
/// new case's text and visits only the resolved cases that share a term with
/// it. [`SolutionIndex::suggest`] returns what [`suggest_solution`] returns over
/// [`SolutionIndex::cases`] (same similarity, threshold, grouping and ties).
///
/// Bounded: at most [`SolutionIndex::capacity`] cases, the oldest dropped first;
/// inserting a case that is already there replaces it and makes it the newest.
///
/// ```
/// use hotcrm_support::ids::CaseId;
/// use hotcrm_support::knowledge::{Analyzer, ResolvedCase, SolutionIndex};
/// let mut index = SolutionIndex::new(Analyzer::default(), 2);
/// index.insert(ResolvedCase::new(CaseId::from_u128(1), "Cannot log in, password rejected", "Sent a password reset link."));
/// index.insert(ResolvedCase::new(CaseId::from_u128(2), "Invoice shows wrong VAT", "Corrected the VAT number."));
/// index.insert(ResolvedCase::new(CaseId::from_u128(3), "Password rejected at login", "Sent a password reset link."));
/// assert_eq!(index.len(), 2); // case 1 was dropped
/// let s = index.suggest("my password is rejected").ok_or("no suggestion")?;
/// assert_eq!(s.based_on, [CaseId::from_u128(3)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SolutionIndex {
    analyzer: Analyzer,
    capacity: usize,
    next_seq: u64,
    /// Entries by insertion sequence (oldest first).
    entries: BTreeMap<u64, Indexed>,
    /// The sequence of each case's entry (the latest, for duplicates pushed by
    /// [`suggest_solution`]).
    by_case: HashMap<CaseId, u64>,
    /// Sequences of the entries containing each term, ascending.
    postings: HashMap<String, VecDeque<u64>>,
}

#[derive(Debug, Clone)]
struct Indexed {
    case: ResolvedCase,
    /// Distinct terms of the case's text.
    terms: Vec<String>,
    /// The group key (the linked article, else the resolution's sorted terms).
    group: String,
}

impl SolutionIndex {
    /// An empty index keeping at most `capacity` cases (0 keeps none).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{Analyzer, SolutionIndex};
    /// assert!(SolutionIndex::new(Analyzer::default(), 500).is_empty());
    /// ```
    pub fn new(analyzer: Analyzer, capacity: usize) -> SolutionIndex {
        SolutionIndex {
            analyzer,
            capacity,
            next_seq: 0,
            entries: BTreeMap::new(),
            by_case: HashMap::new(),
            postings: HashMap::new(),
        }
    }

    /// How many cases it keeps at most.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{Analyzer, SolutionIndex};
    /// assert_eq!(SolutionIndex::new(Analyzer::default(), 7).capacity(), 7);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The cases held.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{Analyzer, SolutionIndex};
    /// assert_eq!(SolutionIndex::new(Analyzer::default(), 7).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no case.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{Analyzer, SolutionIndex};
    /// assert!(SolutionIndex::new(Analyzer::default(), 0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The analyzer the cases were analysed with.
    ///
    /// ```
    /// # use hotcrm_support::knowledge::{Analyzer, SolutionIndex};
    /// assert_eq!(*SolutionIndex::new(Analyzer::default(), 1).analyzer(), Analyzer::default());
    /// ```
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The cases held, oldest first.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, knowledge::{Analyzer, ResolvedCase, SolutionIndex}};
    /// let mut index = SolutionIndex::new(Analyzer::default(), 5);
    /// index.insert(ResolvedCase::new(CaseId::from_u128(1), "a", "b"));
    /// assert_eq!(index.cases().map(|c| c.case).collect::<Vec<_>>(), [CaseId::from_u128(1)]);
    /// ```
    pub fn cases(&self) -> impl Iterator<Item = &ResolvedCase> {
        self.entries.values().map(|e| &e.case)
    }

    /// Re-analyses every case with `analyzer` when it differs from the current one.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, knowledge::{Analyzer, ResolvedCase, SolutionIndex}};
    /// let mut index = SolutionIndex::new(Analyzer::default(), 5);
    /// index.insert(ResolvedCase::new(CaseId::from_u128(1), "exporting invoices", "b"));
    /// index.set_analyzer(Analyzer { stemming: false, ..Analyzer::default() });
    /// assert!(index.suggest("exporting invoices").is_some());
    /// ```
    pub fn set_analyzer(&mut self, analyzer: Analyzer) {
        if analyzer == self.analyzer {
            return;
        }
        let cases: Vec<ResolvedCase> = self.cases().cloned().collect();
        *self = SolutionIndex::new(analyzer, self.capacity);
        for case in cases {
            self.push(case);
        }
    }

    /// Adds a resolved case as the newest, replacing the entry of the same case
    /// (a case resolved again) and dropping the oldest beyond the capacity.
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, knowledge::{Analyzer, ResolvedCase, SolutionIndex}};
    /// let mut index = SolutionIndex::new(Analyzer::default(), 5);
    /// index.insert(ResolvedCase::new(CaseId::from_u128(1), "printer jammed", "cleared"));
    /// index.insert(ResolvedCase::new(CaseId::from_u128(1), "printer jammed", "replaced the roller"));
    /// assert_eq!(index.len(), 1);
    /// assert_eq!(index.suggest("printer jammed").map(|s| s.resolution).as_deref(), Some("replaced the roller"));
    /// ```
    pub fn insert(&mut self, case: ResolvedCase) {
        if let Some(seq) = self.by_case.get(&case.case).copied() {
            self.remove_seq(seq);
        }
        self.push(case);
    }

    /// Appends without replacing (duplicates stay, as in a slice).
    fn push(&mut self, case: ResolvedCase) {
        if self.capacity == 0 {
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let mut terms = self.analyzer.terms(&case.text);
        terms.sort_unstable();
        terms.dedup();
        for t in &terms {
            self.postings.entry(t.clone()).or_default().push_back(seq);
        }
        let group = match case.article {
            Some(n) => format!("article:{n}"),
            None => {
                let mut t = self.analyzer.terms(&case.resolution);
                t.sort();
                t.dedup();
                format!("text:{}", t.join(" "))
            }
        };
        self.by_case.insert(case.case, seq);
        self.entries.insert(seq, Indexed { case, terms, group });
        while self.entries.len() > self.capacity {
            let Some(oldest) = self.entries.keys().next().copied() else {
                break;
            };
            self.remove_seq(oldest);
        }
    }

    fn remove_seq(&mut self, seq: u64) {
        let Some(entry) = self.entries.remove(&seq) else {
            return;
        };
        if self.by_case.get(&entry.case.case) == Some(&seq) {
            self.by_case.remove(&entry.case.case);
        }
        for t in &entry.terms {
            if let Some(list) = self.postings.get_mut(t) {
                if list.front() == Some(&seq) {
                    list.pop_front();
                } else if let Ok(i) = list.binary_search(&seq) {
                    list.remove(i);
                }
                if list.is_empty() {
                    self.postings.remove(t);
                }
            }
        }
    }

    /// The suggested solution for a new case's `text` (subject + description):
    /// what [`suggest_solution`] returns over [`SolutionIndex::cases`].
    ///
    /// ```
    /// # use hotcrm_support::{ids::CaseId, knowledge::{Analyzer, ResolvedCase, SolutionIndex}};
    /// let mut index = SolutionIndex::new(Analyzer::default(), 5);
    /// index.insert(ResolvedCase::new(CaseId::from_u128(1), "Webhook deliveries failing", "Fixed the TLS certificate."));
    /// assert_eq!(index.suggest("webhook deliveries failing").map(|s| s.similar_cases), Some(1));
    /// assert!(index.suggest("dark mode please").is_none());
    /// ```
    pub fn suggest(&self, text: &str) -> Option<SuggestedSolution> {
        let mut query = self.analyzer.terms(text);
        query.sort_unstable();
        query.dedup();
        if query.is_empty() || self.entries.is_empty() {
            return None;
        }
        let n = self.entries.len() as f32;
        let weighted: Vec<(f32, Option<&VecDeque<u64>>)> = query
            .iter()
            .map(|t| {
                let postings = self.postings.get(t);
                let df = postings.map_or(0, VecDeque::len) as f32;
                ((1.0 + (n - df + 0.5) / (df + 0.5)).ln(), postings)
            })
            .collect();
        let total: f32 = weighted.iter().map(|(w, _)| w).sum();
        if total <= 0.0 {
            return None;
        }
        let mut shared: HashMap<u64, f32> = HashMap::new();
        for (w, postings) in &weighted {
            for &seq in postings.iter().copied().flatten() {
                *shared.entry(seq).or_insert(0.0) += w;
            }
        }
        let mut similar: Vec<(u64, f32)> = shared
            .into_iter()
            .map(|(seq, s)| (seq, s / total))
            .filter(|(_, s)| *s >= SIMILAR_CASE_THRESHOLD)
            .collect();
        if similar.is_empty() {
            return None;
        }
        similar.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut groups: BTreeMap<&str, (usize, f32, Vec<&ResolvedCase>)> = BTreeMap::new();
        for &(seq, sim) in &similar {
            let Some(entry) = self.entries.get(&seq) else {
                continue;
            };
            let g = groups
                .entry(entry.group.as_str())
                .or_insert((0, 0.0, Vec::new()));
            g.0 += 1;
            g.1 += sim;
            g.2.push(&entry.case);
        }
        let (_, (count, _, members)) = groups.into_iter().max_by(|a, b| {
            a.1.0
                .cmp(&b.1.0)
                .then(a.1.1.total_cmp(&b.1.1))
                .then(b.0.cmp(a.0))
        })?;
        let best = *members.first()?;
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
            based_on: members.iter().map(|c| c.case).collect(),
        })
    }
}
