//! A custom `AiProvider`: wrap the built-in `HeuristicAi`, delegate every
//! method but one, and override that one with a domain rule.
//!
//! A payments company knows that a customer who mentions a chargeback, a
//! lawyer or the regulator is about to leave, however politely they write. The
//! word lists of `HeuristicAi` read such a message as calm, so the wrapper
//! overrides `sentiment`: those cues make the message Angry with High urgency.
//! The desk's default escalation policy then raises the priority and escalates
//! the case to the success manager the moment it is created.
//!
//! The same message is sent to two desks, one with `HeuristicAi` and one with
//! the wrapper, and the example prints what each made of it:
//!
//! ```text
//! cargo run --example custom_ai
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use hotcrm_support::Result;
use hotcrm_support::ai::{
    AiProvider, Classification, ClassifyRequest, Embedding, EnhanceRequest, GenerateRequest,
    Generated, HeuristicAi, SentimentAnalysis, SuggestAgentRequest, Urgency,
};
use hotcrm_support::case::{Origin, Priority, Sentiment};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{CaseRequest, SupportDesk};
use hotcrm_support::ids::AccountId;
use hotcrm_support::knowledge::Enhancement;
use hotcrm_support::repo::{Account, MemoryRepository, Repository};
use hotcrm_support::routing::AiSuggestion;

/// Words that mean a customer is about to leave, whatever their tone.
const CHURN_CUES: &[&str] = &["chargeback", "lawyer", "regulator", "ombudsman"];

/// `HeuristicAi`, except that churn cues make a message Angry and urgent.
#[derive(Debug, Default)]
struct ChurnAwareAi {
    inner: HeuristicAi,
}

#[async_trait]
impl AiProvider for ChurnAwareAi {
    /// The override: the heuristic reading, made Angry and urgent on a churn cue.
    async fn sentiment(&self, text: &str) -> Result<SentimentAnalysis> {
        let mut reading = self.inner.sentiment(text).await?;
        let lower = text.to_lowercase();
        if CHURN_CUES.iter().any(|cue| lower.contains(cue)) {
            reading.sentiment = Sentiment::Angry;
            reading.urgency = Urgency::High;
            reading.score = reading.score.min(-0.6);
            reading.confidence = 0.9;
        }
        Ok(reading)
    }

    // Everything else is delegated unchanged.
    async fn classify(&self, request: &ClassifyRequest) -> Result<Classification> {
        self.inner.classify(request).await
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Embedding>> {
        self.inner.embed(texts).await
    }
    async fn generate(&self, request: &GenerateRequest) -> Result<Generated> {
        self.inner.generate(request).await
    }
    async fn enhance_article(&self, request: &EnhanceRequest) -> Result<Enhancement> {
        self.inner.enhance_article(request).await
    }
    async fn suggest_agent(&self, request: &SuggestAgentRequest) -> Result<Option<AiSuggestion>> {
        self.inner.suggest_agent(request).await
    }
    // `analyze` (what the desk calls for a new case) is deliberately NOT
    // forwarded to `self.inner.analyze`: HeuristicAi's own `analyze` would read
    // the sentiment itself and skip the override. The trait's default calls
    // `self.classify` and `self.sentiment`, so the rule above applies.
}

/// Creates the case on a fresh desk using `ai` and prints what happened.
async fn open_case(label: &str, ai: impl AiProvider + 'static) -> Result<()> {
    let repo = Arc::new(MemoryRepository::new());
    let account = AccountId::from_u128(1);
    repo.put_account(&Account::new(account, "Acme Corp"), None)
        .await?;
    // Monday 5 January 2026, 15:00 UTC.
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 5, 15, 0, 0).unwrap());
    let desk = SupportDesk::builder(repo).clock(clock).ai(ai).build();

    let created = desk
        .create_case(
            CaseRequest::new(
                account,
                "Second charge on my card",
                "Hello, I was billed twice for the January invoice. If this is not refunded this \
                 week I will ask my bank for a chargeback.",
            )
            .origin(Origin::Email)
            .priority(Priority::Medium),
        )
        .await?;

    println!("\n{label}");
    for event in &created.events {
        println!("    • {event}");
    }
    let case = &created.case.value;
    println!(
        "    = now {} priority, {}",
        case.priority,
        match &case.escalation {
            Some(e) => format!("escalated (level {})", e.level),
            None => "not escalated".to_string(),
        }
    );
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    println!("The same polite message threatening a chargeback, on two desks:");
    open_case("1. HeuristicAi (built in)", HeuristicAi::new()).await?;
    open_case(
        "2. ChurnAwareAi (HeuristicAi + a chargeback rule)",
        ChurnAwareAi::default(),
    )
    .await?;
    Ok(())
}
