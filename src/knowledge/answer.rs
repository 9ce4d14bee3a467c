//! Grounded answers without a model: extract the best steps or sentences of an
//! article for a question, and the [`Answer`] type every answer path returns.
//!
//! Layer 2 (pure): depends on the sibling `analyzer` module and `ids`. The async
//! path that asks an [`AiProvider`](crate::ai::AiProvider) lives in `ai::rag`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::KnowledgeNumber;

use super::analytics::SearchId;
use super::analyzer::Analyzer;
use super::index::{MAX_QUERY_CHARS, cut_query};

/// Most list items an extractive answer returns.
const MAX_STEPS: usize = 8;
/// Most sentences an extractive answer returns when the article has no steps.
const MAX_SENTENCES: usize = 3;

/// Whether an answer was found.
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// assert_ne!(AnswerOutcome::Answered, AnswerOutcome::NoRelevantArticle);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AnswerOutcome {
    /// Answered from the cited articles.
    Answered,
    /// No visible published article was relevant: nothing was invented and the
    /// query was recorded as a knowledge gap.
    NoRelevantArticle,
}

/// An answer to a question, grounded in knowledge articles.
///
/// Loading checks what the answer paths produce: a question of at most
/// [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS) characters, a confidence within
/// `0.0..=1.0`, distinct citations, at least one when `Answered` and none
/// otherwise.
///
/// ```
/// use hotcrm_support::knowledge::{Answer, AnswerOutcome};
/// let a = Answer::not_found("how do I fly?");
/// assert_eq!(a.outcome, AnswerOutcome::NoRelevantArticle);
/// assert!(a.citations.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AnswerFields")]
pub struct Answer {
    /// The question asked.
    pub question: String,
    /// The answer text (a fixed "no article found" message when nothing relevant exists).
    pub text: String,
    /// The articles the answer is built from, most relevant first. Never empty when
    /// `outcome` is `Answered`; every entry was visible to the asker.
    pub citations: Vec<KnowledgeNumber>,
    /// Confidence 0–1.
    pub confidence: f32,
    /// Found or not.
    pub outcome: AnswerOutcome,
    /// The analytics record of the question, when it was recorded.
    pub search: Option<SearchId>,
}

validated_serde!(Answer, AnswerFields {
    question: String,
    text: String,
    citations: Vec<KnowledgeNumber>,
    confidence: f32,
    outcome: AnswerOutcome,
    search: Option<SearchId>,
});

/// Checks that `value` of `field` is a finite share within `0.0..=1.0`.
fn validate_share(field: &'static str, value: f32) -> Result<()> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("{value} must be within 0..=1"),
        ))
    }
}

/// The text of an answer when nothing relevant was found.
pub const NO_ANSWER_TEXT: &str = "I could not find a knowledge article that answers this question. It has been recorded so the team can write one.";

impl Answer {
    /// The "nothing relevant" answer for `question` (cut to
    /// [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS) characters, as answers are).
    ///
    /// ```
    /// # use hotcrm_support::knowledge::*;
    /// let a = Answer::not_found("q");
    /// assert_eq!(a.text, NO_ANSWER_TEXT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn not_found(question: &str) -> Self {
        Self {
            question: cut_query(question).to_owned(),
            text: NO_ANSWER_TEXT.to_owned(),
            citations: Vec::new(),
            confidence: 0.0,
            outcome: AnswerOutcome::NoRelevantArticle,
            search: None,
        }
    }

    /// The checks of a loaded answer (see the type docs).
    fn validate(&self) -> Result<()> {
        let chars = self.question.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::validation(
                "question",
                format!("{chars} characters exceeds the limit of {MAX_QUERY_CHARS}"),
            ));
        }
        validate_share("confidence", self.confidence)?;
        let mut seen = HashSet::with_capacity(self.citations.len());
        if let Some(n) = self.citations.iter().find(|n| !seen.insert(**n)) {
            return Err(Error::validation(
                "citations",
                format!("{n} is cited twice"),
            ));
        }
        let answered = self.outcome == AnswerOutcome::Answered;
        if answered == self.citations.is_empty() {
            return Err(Error::validation(
                "citations",
                if answered {
                    "an answered question cites at least one article".to_owned()
                } else {
                    format!(
                        "an unanswered question cites nothing, not {}",
                        self.citations.len()
                    )
                },
            ));
        }
        Ok(())
    }
}

/// The result of [`extract_answer`].
///
/// ```
/// # use hotcrm_support::knowledge::*;
/// let e = extract_answer(&Analyzer::default(), "export csv", "Export", "Click Export to get a CSV file.").ok_or("none")?;
/// assert_eq!(e.coverage, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ExtractFields")]
pub struct Extract {
    /// The extracted steps or sentences, one per line.
    pub text: String,
    /// Share (0–1) of the question's terms that the article contains.
    pub coverage: f32,
}

validated_serde!(
    Extract,
    ExtractFields {
        text: String,
        coverage: f32,
    }
);

impl Extract {
    /// The coverage must be a share (`0.0..=1.0`), as extraction makes it.
    fn validate(&self) -> Result<()> {
        validate_share("coverage", self.coverage)
    }
}

/// A unit of article text: a list item (step) or a sentence.
struct Unit<'a> {
    text: &'a str,
    /// Index of the list block this item belongs to, if it is a list item.
    block: Option<usize>,
    hits: usize,
}

/// Extracts the part of an article that answers `question`.
///
/// When the article has numbered or bulleted steps, the block of steps that best
/// matches the question is returned whole (instructions are useless halved);
/// otherwise the (up to three) sentences that share the most terms with the
/// question, in article order. Headings are skipped and Markdown emphasis is
/// stripped. Returns `None` when the article shares no term with the question.
///
/// # Example
///
/// ```
/// use hotcrm_support::knowledge::{extract_answer, Analyzer};
/// let content = "If you forgot your password:\n\n1. Click **Forgot password**.\n2. Check your email.\n\nLinks expire after 24 hours.";
/// let a = extract_answer(&Analyzer::default(), "How do I reset my password?", "How to reset your password", content)
///     .ok_or("no answer")?;
/// assert_eq!(a.text, "1. Click Forgot password.\n2. Check your email.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn extract_answer(
    analyzer: &Analyzer,
    question: &str,
    title: &str,
    content: &str,
) -> Option<Extract> {
    let q: HashSet<String> = analyzer.terms(question).into_iter().collect();
    if q.is_empty() {
        return None;
    }
    let mut doc_terms: HashSet<String> = analyzer.terms(title).into_iter().collect();
    doc_terms.extend(analyzer.terms(content));
    let covered = q.iter().filter(|t| doc_terms.contains(*t)).count();
    if covered == 0 {
        return None;
    }
    let coverage = covered as f32 / q.len() as f32;

    let mut units: Vec<Unit<'_>> = Vec::new();
    let mut block = 0usize;
    let mut in_block = false;
    for line in content.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("```") {
            if in_block && !trimmed.is_empty() {
                block += 1;
                in_block = false;
            }
            continue;
        }
        if is_list_item(trimmed) {
            in_block = true;
            units.push(Unit {
                text: trimmed,
                block: Some(block),
                hits: 0,
            });
        } else {
            if in_block {
                block += 1;
                in_block = false;
            }
            for sentence in split_sentences(trimmed) {
                units.push(Unit {
                    text: sentence,
                    block: None,
                    hits: 0,
                });
            }
        }
    }
    for u in &mut units {
        let mut seen = HashSet::new();
        analyzer.for_each_term(u.text, |t| {
            if q.contains(t) && seen.insert(t.to_owned()) {
                u.hits += 1;
            }
        });
    }
    let title_hits = analyzer
        .terms(title)
        .iter()
        .filter(|t| q.contains(*t))
        .count();

    // Best list block: matching items, plus one per item when the title matches
    // (steps of an article about the question are its answer).
    let mut best_block: Option<(usize, usize)> = None;
    for b in 0..=block {
        let items: Vec<&Unit<'_>> = units.iter().filter(|u| u.block == Some(b)).collect();
        if items.len() < 2 {
            continue;
        }
        let hits: usize = items.iter().map(|u| u.hits).sum();
        let score = hits + if title_hits > 0 { items.len() } else { 0 };
        if score > 0 && best_block.is_none_or(|(_, s)| score > s) {
            best_block = Some((b, score));
        }
    }
    let lines: Vec<String> = if let Some((b, _)) = best_block {
        units
            .iter()
            .filter(|u| u.block == Some(b))
            .take(MAX_STEPS)
            .map(|u| strip_markdown(u.text))
            .collect()
    } else {
        let mut ranked: Vec<(usize, usize)> = units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.hits > 0)
            .map(|(i, u)| (i, u.hits))
            .collect();
        if ranked.is_empty() {
            // The title matched but no sentence did: lead with the opening sentences.
            ranked = units
                .iter()
                .enumerate()
                .take(2)
                .map(|(i, _)| (i, 0))
                .collect();
        }
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(MAX_SENTENCES);
        ranked.sort_by_key(|r| r.0);
        ranked
            .iter()
            .filter_map(|(i, _)| units.get(*i))
            .map(|u| strip_markdown(u.text))
            .collect()
    };
    if lines.is_empty() {
        return None;
    }
    Some(Extract {
        text: lines.join("\n"),
        coverage,
    })
}

/// `1. ...`, `2) ...`, `- ...`, `* ...`, `Step 3: ...`.
fn is_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("• ") {
        return true;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        let rest = line.get(digits..).unwrap_or("");
        return rest.starts_with(". ") || rest.starts_with(") ");
    }
    line.to_lowercase().starts_with("step ")
}

/// Splits a paragraph at `. `, `! `, `? ` and CJK full stops.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end_here = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|(_, n)| n.is_whitespace()),
            _ => false,
        };
        if end_here {
            let end = i + c.len_utf8();
            if let Some(s) = text.get(start..end) {
                let s = s.trim();
                if !s.is_empty() {
                    out.push(s);
                }
            }
            start = end;
        }
    }
    if let Some(s) = text.get(start..) {
        let s = s.trim();
        if !s.is_empty() {
            out.push(s);
        }
    }
    out
}

/// Removes `**`, `__` and backticks.
fn strip_markdown(text: &str) -> String {
    text.replace("**", "").replace("__", "").replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_terminators() {
        assert_eq!(
            split_sentences("Open Settings. Click Save! Done? v1.2 works"),
            ["Open Settings.", "Click Save!", "Done?", "v1.2 works"]
        );
        assert_eq!(
            split_sentences("打开设置。点击保存。"),
            ["打开设置。", "点击保存。"]
        );
    }

    #[test]
    fn prose_articles_give_their_best_sentences() {
        let a = Analyzer::default();
        let content = "Invoices are issued monthly. You can download every invoice as PDF from Billing. Taxes depend on your country. Contact us for refunds.";
        let e = extract_answer(
            &a,
            "where do I download an invoice pdf",
            "Invoices",
            content,
        )
        .unwrap();
        assert!(
            e.text.starts_with("Invoices are issued monthly."),
            "{}",
            e.text
        );
        assert!(e.text.contains("download every invoice as PDF"));
        assert!(!e.text.contains("refunds"));
    }

    #[test]
    fn unrelated_articles_give_nothing() {
        let a = Analyzer::default();
        assert!(
            extract_answer(&a, "webhook signature", "Invoices", "Invoices are monthly.").is_none()
        );
        assert!(extract_answer(&a, "", "Invoices", "Invoices are monthly.").is_none());
    }
}
