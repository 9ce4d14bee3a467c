//! The AI port: HeuristicAi rules (classification, sentiment, embeddings,
//! generation, enhancement), determinism, Arc/Box forwarding, and graceful
//! degradation with FailingAi through the knowledge glue.

use std::sync::Arc;

use hotcrm_support::Error;
use hotcrm_support::ai::{
    AiProvider, ClassifyRequest, ContextDoc, Embedding, EnhanceRequest, FailingAi, GenerateRequest,
    HEURISTIC_EMBEDDING_DIM, HeuristicAi, SourceRef, Urgency, answer, embed_missing,
    enhance_article, hybrid_search, related_for_case,
};
use hotcrm_support::case::{AiCategory, CaseType, Priority, Sentiment};
use hotcrm_support::knowledge::{
    AnswerOutcome, ArticleDraft, KnowledgeBase, PortalTier, SearchQuery, Viewer,
};

use crate::knowledge_corpus::{corpus, now, publish};

#[test]
fn classification_table() {
    let ai = HeuristicAi::new();
    // (subject, description, category, type, priority)
    let cases = [
        (
            "Unable to login",
            "Getting authentication error",
            AiCategory::Technical,
            CaseType::Problem,
            Priority::High,
        ),
        (
            "Refund for double charge",
            "We were billed twice for March.",
            AiCategory::Billing,
            CaseType::Problem,
            Priority::Medium,
        ),
        (
            "Where do I find my invoice?",
            "Need the VAT receipt for accounting",
            AiCategory::Billing,
            CaseType::Question,
            Priority::Medium,
        ),
        (
            "Feature request: dark mode",
            "It would be great to have a dark theme.",
            AiCategory::Feature,
            CaseType::FeatureRequest,
            Priority::Low,
        ),
        (
            "Production is down",
            "Outage: all users get errors since 9am",
            AiCategory::Technical,
            CaseType::Incident,
            Priority::Critical,
        ),
        (
            "How do I configure the dashboard?",
            "Looking for the settings to customize widgets",
            AiCategory::Product,
            CaseType::Question,
            Priority::Medium,
        ),
        (
            "Terrible service",
            "Unacceptable, I want to speak to a manager",
            AiCategory::Complaint,
            CaseType::Problem,
            Priority::Medium,
        ),
        (
            "Training for new hires",
            "Can we book an onboarding session and a walkthrough?",
            AiCategory::Product,
            CaseType::Training,
            Priority::Medium,
        ),
        (
            "Hello",
            "Just saying hi",
            AiCategory::Other,
            CaseType::Other,
            Priority::Medium,
        ),
    ];
    for (subject, description, category, case_type, priority) in cases {
        let c = ai.classify_text(&ClassifyRequest::new(subject, description));
        assert_eq!(
            (c.category, c.case_type, c.priority),
            (category, case_type, priority),
            "{subject:?}: {c:?}"
        );
        assert!((0.0..=0.95).contains(&c.confidence), "{subject:?}");
        assert!(!c.reason.is_empty());
    }
}

#[test]
fn sentiment_table() {
    let ai = HeuristicAi::new();
    // (text, sentiment, urgency)
    let cases = [
        (
            "Thanks so much, that was really helpful!",
            Sentiment::Positive,
            Urgency::Low,
        ),
        (
            "The export works now, great job",
            Sentiment::Positive,
            Urgency::Low,
        ),
        (
            "Please send me the invoice for March.",
            Sentiment::Neutral,
            Urgency::Low,
        ),
        (
            "This is not helpful at all",
            Sentiment::Negative,
            Urgency::Low,
        ),
        (
            "The sync is broken and I'm frustrated",
            Sentiment::Negative,
            Urgency::Low,
        ),
        (
            "This is extremely frustrating! I need help NOW!",
            Sentiment::Negative,
            Urgency::High,
        ),
        ("Not bad, thanks", Sentiment::Positive, Urgency::Low),
        (
            "UNACCEPTABLE. Third outage this week, this is ridiculous!!",
            Sentiment::Angry,
            Urgency::Low,
        ),
        (
            "Worst support ever, your product is useless",
            Sentiment::Angry,
            Urgency::Low,
        ),
        (
            "Urgent: please fix this asap, deadline today",
            Sentiment::Neutral,
            Urgency::High,
        ),
        (
            "The API returns an error",
            Sentiment::Negative,
            Urgency::Low,
        ),
        ("", Sentiment::Neutral, Urgency::Low),
        // Cues match inflections, not derivations sharing the stem: "help" is not
        // "helpful", "hard" is not the negator "hardly", "real" not "really".
        (
            "I need help with the import",
            Sentiment::Neutral,
            Urgency::Low,
        ),
        (
            "The setup was hard but helpful",
            Sentiment::Positive,
            Urgency::Low,
        ),
        ("The agents were helpful", Sentiment::Positive, Urgency::Low),
        (
            "The import crashed twice",
            Sentiment::Negative,
            Urgency::Low,
        ),
    ];
    for (text, sentiment, urgency) in cases {
        let s = ai.sentiment_text(text);
        assert_eq!(
            (s.sentiment, s.urgency),
            (sentiment, urgency),
            "{text:?}: {s:?}"
        );
        assert!((-1.0..=1.0).contains(&s.score), "{text:?}");
        for e in [
            s.emotions.anger,
            s.emotions.frustration,
            s.emotions.anxiety,
            s.emotions.joy,
        ] {
            assert!((0.0..=1.0).contains(&e), "{text:?}");
        }
    }
    let s = ai.sentiment_text("This is extremely frustrating! I need help NOW!");
    assert!(s.emotions.frustration > s.emotions.joy);
    // Acronyms in capitals are not shouting.
    assert_eq!(
        ai.sentiment_text("SSO and API setup for our CRM").sentiment,
        Sentiment::Neutral
    );
}

#[test]
fn embeddings_are_deterministic_normalised_and_semantic() {
    let ai = HeuristicAi::new();
    let e = |t: &str| ai.embed_text(t);
    let login = e("I can't log in");
    assert_eq!(login, e("I can't log in"), "same input, same output");
    assert_eq!(login.dim(), HEURISTIC_EMBEDDING_DIM);
    let norm: f32 = login.as_slice().iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5);
    // The concept lexicon bridges different words for the same need.
    let reset = e("How to reset your password");
    for other in [
        "Download your invoices as PDF",
        "Set up webhooks",
        "Export contacts to CSV",
    ] {
        assert!(login.cosine(&reset) > login.cosine(&e(other)), "{other}");
    }
    assert!(e("saml okta setup").cosine(&e("Configure single sign-on")) > 0.3);
    // Empty text embeds to a fixed unit vector instead of failing.
    assert_eq!(e("").as_slice()[0], 1.0);
    assert_eq!(e("中文 文本").dim(), HEURISTIC_EMBEDDING_DIM);
    assert!(Embedding::new(vec![f32::NAN]).is_err());
    assert!(serde_json::from_str::<Embedding>("[0.0, 0.0]").is_err());
    assert_eq!(
        serde_json::from_str::<Embedding>("[0.0, 2.0]")
            .unwrap()
            .as_slice(),
        &[0.0, 1.0]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn generation_is_extractive_and_cites_only_its_source() {
    let ai = HeuristicAi::new();
    let kb15 = SourceRef::Article("KB-2026-0015".parse().unwrap());
    let kb16 = SourceRef::Article("KB-2026-0016".parse().unwrap());
    let req = GenerateRequest::new("My password isn't working")
        .with_context(ContextDoc { source: kb16, title: "Invoices".into(), text: "Invoices are monthly.".into() })
        .with_context(ContextDoc {
            source: kb15,
            title: "How to reset your password".into(),
            text: "If you forgot it:\n\n1. Click Forgot password.\n2. Enter your email address.\n3. Check your email for a reset link.".into(),
        });
    let g = ai.generate(&req).await.unwrap();
    assert_eq!(g.cited, [kb15]);
    assert_eq!(
        g.text,
        "1. Click Forgot password.\n2. Enter your email address.\n3. Check your email for a reset link."
    );
    let none = ai.generate(&GenerateRequest::new("hello")).await.unwrap();
    assert!(none.cited.is_empty());
    assert_eq!(none.confidence, 0.0);
}

#[test]
fn enhancement_proposes_summary_tags_keywords() {
    let e = HeuristicAi::new().enhance_text(&EnhanceRequest {
        title: "Set up webhooks".into(),
        summary: String::new(),
        content: "# Webhooks\n\nWebhooks send an HTTP POST to your endpoint when records change. Verify the signature header.\n\n1. Add an endpoint.\n2. Pick events.".into(),
        tags: vec![],
    });
    assert_eq!(
        e.summary.as_deref(),
        Some(
            "Webhooks send an HTTP POST to your endpoint when records change. Verify the signature header."
        )
    );
    assert!(e.tags.contains(&"webhook".to_string()), "{:?}", e.tags);
    assert_eq!(e.keywords.first().map(String::as_str), Some("webhooks"));
    assert!(e.tags.len() <= 5 && e.keywords.len() <= 8);
}

#[tokio::test(flavor = "current_thread")]
async fn arc_and_box_forward_to_the_provider() {
    let arc: Arc<dyn AiProvider> = Arc::new(HeuristicAi::new());
    let boxed: Box<dyn AiProvider> = Box::new(HeuristicAi::new());
    let nested: Arc<Box<dyn AiProvider>> = Arc::new(Box::new(FailingAi::new()));
    let req = ClassifyRequest::new("Invoice question", "");
    assert_eq!(
        arc.classify(&req).await.unwrap().category,
        AiCategory::Billing
    );
    assert_eq!(
        boxed.classify(&req).await.unwrap().category,
        AiCategory::Billing
    );
    assert!(matches!(nested.classify(&req).await, Err(Error::Ai { .. })));
    assert_eq!(arc.embed(&[]).await.unwrap().len(), 0);
    assert_eq!(
        boxed.sentiment("thanks!").await.unwrap().sentiment,
        Sentiment::Positive
    );
}

#[tokio::test(flavor = "current_thread")]
async fn failing_ai_fails_every_method() {
    let ai = FailingAi::new();
    assert!(ai.classify(&ClassifyRequest::new("a", "b")).await.is_err());
    assert!(ai.sentiment("x").await.is_err());
    assert!(ai.embed(&["x".into()]).await.is_err());
    assert!(ai.generate(&GenerateRequest::new("x")).await.is_err());
    let e = ai
        .enhance_article(&EnhanceRequest {
            title: "t".into(),
            summary: String::new(),
            content: "c".into(),
            tags: vec![],
        })
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("ai provider error: enhance_article"),
        "{e}"
    );
    assert_eq!(ai.calls(), 5);
}

#[tokio::test(flavor = "current_thread")]
async fn answers_degrade_gracefully_when_the_provider_fails() {
    let (mut kb, _) = corpus();
    let customer = Viewer::PortalCustomer {
        tier: PortalTier::Basic,
    };
    let q = "How do I set up webhooks and verify the signature?";
    let with_ai = answer(&mut kb, &HeuristicAi::new(), q, &customer, now())
        .await
        .unwrap();
    let without = answer(&mut kb, &FailingAi::new(), q, &customer, now())
        .await
        .unwrap();
    for a in [&with_ai, &without] {
        assert_eq!(a.outcome, AnswerOutcome::Answered);
        assert!(!a.citations.is_empty());
        for n in &a.citations {
            assert!(customer.can_read(kb.live(*n).unwrap()));
        }
        assert!(a.search.is_some());
    }
    assert_eq!(
        with_ai.text, without.text,
        "heuristic generation equals the pure extractive fallback"
    );
    let nothing = answer(
        &mut kb,
        &HeuristicAi::new(),
        "recipe for lasagne",
        &customer,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(nothing.outcome, AnswerOutcome::NoRelevantArticle);
    assert!(nothing.citations.is_empty());
    assert!(matches!(
        answer(&mut kb, &HeuristicAi::new(), "", &customer, now()).await,
        Err(Error::Validation { .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn search_and_related_degrade_to_bm25() {
    let (mut kb, _) = corpus();
    let q = SearchQuery::new("webhook signature").limit(5);
    let plain = kb.search(&q, &Viewer::Employee);
    // No embeddings stored yet: hybrid is BM25 whatever the provider.
    assert_eq!(
        hybrid_search(&kb, &HeuristicAi::new(), &q, &Viewer::Employee).await,
        plain
    );
    assert_eq!(
        embed_missing(&mut kb, &HeuristicAi::new()).await.unwrap(),
        200
    );
    assert_eq!(
        embed_missing(&mut kb, &HeuristicAi::new()).await.unwrap(),
        0
    );
    assert_eq!(
        hybrid_search(&kb, &FailingAi::new(), &q, &Viewer::Employee).await,
        plain
    );
    let hybrid = hybrid_search(&kb, &HeuristicAi::new(), &q, &Viewer::Employee).await;
    assert_eq!(hybrid.hits.len(), 5);
    assert!(hybrid.hits.iter().all(|h| h.similarity.is_some()));
    let failing = related_for_case(
        &kb,
        &FailingAi::new(),
        "Webhook deliveries failing",
        "Our endpoint gets nothing",
        &Viewer::Employee,
        3,
    )
    .await;
    let working = related_for_case(
        &kb,
        &HeuristicAi::new(),
        "Webhook deliveries failing",
        "Our endpoint gets nothing",
        &Viewer::Employee,
        3,
    )
    .await;
    for hits in [&failing, &working] {
        assert_eq!(hits.len(), 3);
        assert!(
            kb.article(hits[0].article)
                .unwrap()
                .title
                .to_lowercase()
                .contains("webhook")
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn enhancement_on_save_and_its_failure() {
    let mut kb = KnowledgeBase::new();
    let id = kb
        .create(
            ArticleDraft::new(
                "Rotate API keys",
                "Open Settings > API. Click Rotate to issue a new token. Update your integrations.",
            ),
            now(),
        )
        .unwrap();
    let before = kb.article(id).unwrap().clone();
    assert!(matches!(
        enhance_article(&mut kb, &FailingAi::new(), id, now()).await,
        Err(Error::Ai { .. })
    ));
    assert_eq!(
        kb.article(id).unwrap(),
        &before,
        "a failed enhancement changes nothing"
    );
    enhance_article(&mut kb, &HeuristicAi::new(), id, now())
        .await
        .unwrap();
    let a = kb.article(id).unwrap();
    assert!(
        a.summary.starts_with("Open Settings > API."),
        "{}",
        a.summary
    );
    assert!(a.tags.contains(&"api".to_string()), "{:?}", a.tags);
    assert!(a.quality_score > before.quality_score);
    let live = publish(&mut kb, ArticleDraft::new("Live", "x").summary("s"), now());
    assert!(matches!(
        enhance_article(&mut kb, &HeuristicAi::new(), live, now()).await,
        Err(Error::NotAllowed { .. })
    ));
}

/// A provider that breaks the embedding contract (wrong count) and implements only
/// the required methods.
#[derive(Debug)]
struct ShortEmbedder;

#[async_trait::async_trait]
impl AiProvider for ShortEmbedder {
    async fn classify(
        &self,
        r: &ClassifyRequest,
    ) -> hotcrm_support::Result<hotcrm_support::ai::Classification> {
        HeuristicAi::new().classify(r).await
    }
    async fn sentiment(
        &self,
        t: &str,
    ) -> hotcrm_support::Result<hotcrm_support::ai::SentimentAnalysis> {
        HeuristicAi::new().sentiment(t).await
    }
    async fn embed(&self, _texts: &[String]) -> hotcrm_support::Result<Vec<Embedding>> {
        Ok(vec![])
    }
    async fn generate(
        &self,
        r: &GenerateRequest,
    ) -> hotcrm_support::Result<hotcrm_support::ai::Generated> {
        HeuristicAi::new().generate(r).await
    }
    async fn enhance_article(
        &self,
        r: &EnhanceRequest,
    ) -> hotcrm_support::Result<hotcrm_support::knowledge::Enhancement> {
        HeuristicAi::new().enhance_article(r).await
    }
}

#[tokio::test(flavor = "current_thread")]
async fn contract_violations_are_errors_not_panics() {
    let (mut kb, _) = corpus();
    assert!(matches!(
        embed_missing(&mut kb, &ShortEmbedder).await,
        Err(Error::Ai { .. })
    ));
    embed_missing(&mut kb, &HeuristicAi::new()).await.unwrap();
    // Mismatched query dimension: search falls back to BM25.
    let q = SearchQuery::new("invoice");
    assert!(
        kb.hybrid_search(&q, Some(&[1.0, 0.0]), &Viewer::Employee)
            .is_err()
    );
    assert_eq!(
        hybrid_search(&kb, &ShortEmbedder, &q, &Viewer::Employee).await,
        kb.search(&q, &Viewer::Employee)
    );
}

#[tokio::test]
async fn analyze_agrees_with_classify_and_sentiment() {
    use hotcrm_support::ai::{AiProvider, ClassifyRequest, FailingAi, HeuristicAi};
    let ai = HeuristicAi::new();
    for (subject, body) in [
        (
            "Cannot export invoices",
            "The CSV export of last month's invoices fails with an error.",
        ),
        (
            "I was charged twice!!",
            "This is unacceptable, refund me NOW",
        ),
        (
            "Question about invoices",
            "Where can I download last year's invoices? Thanks!",
        ),
        (
            "Feature request: dark mode",
            "It would be great to have a dark theme.",
        ),
    ] {
        let request = ClassifyRequest::new(subject, body);
        let (c, s) = ai.analyze(&request).await;
        assert_eq!(
            c.unwrap(),
            ai.classify(&request).await.unwrap(),
            "classification of {subject:?}"
        );
        assert_eq!(
            s.unwrap(),
            ai.sentiment(&request.text()).await.unwrap(),
            "sentiment of {subject:?}"
        );
    }
    let (c, s) = FailingAi::new()
        .analyze(&ClassifyRequest::new("s", "d"))
        .await;
    assert!(
        c.is_err() && s.is_err(),
        "the default analyze surfaces each failure"
    );
}

mod agent_suggestion {
    use std::sync::Arc;

    use hotcrm_support::ai::{
        AgentProfile, AiProvider, FailingAi, HeuristicAi, SuggestAgentRequest,
    };
    use hotcrm_support::ids::{AgentId, CaseId};

    fn profile(id: u128, load: u32, skills: &[(&str, u8)]) -> AgentProfile {
        AgentProfile {
            agent: AgentId::from_u128(id),
            name: format!("agent-{id}"),
            skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
            load,
            limit: 4,
        }
    }

    fn request(subject: &str, candidates: Vec<AgentProfile>) -> SuggestAgentRequest {
        let mut r = SuggestAgentRequest::new(CaseId::from_u128(1), subject, "");
        r.candidates = candidates;
        r
    }

    #[test]
    fn no_skill_mentioned_means_no_suggestion() {
        let r = request("Hello there", vec![profile(1, 0, &[("Billing", 5)])]);
        assert_eq!(HeuristicAi::new().suggest_agent_for(&r), None);
        assert_eq!(
            HeuristicAi::new().suggest_agent_for(&request("Billing", vec![])),
            None
        );
    }

    #[test]
    fn higher_proficiency_wins_then_lower_load_then_order() {
        let ai = HeuristicAi::new();
        let r = request(
            "Spanish speaking customer about billing",
            vec![
                profile(1, 0, &[("Billing", 3)]),
                profile(2, 3, &[("Billing", 3), ("Spanish", 2)]),
            ],
        );
        let s = ai.suggest_agent_for(&r).unwrap();
        assert_eq!(s.agent, AgentId::from_u128(2), "5 points beat 3");
        assert!((s.confidence - 0.75).abs() < 1e-9, "0.4 + 0.3 + 0.05");

        // (loads of two equal Billing 4/5 candidates, expected winner, why)
        for (loads, winner, why) in [((2, 1), 2, "lower load"), ((1, 1), 1, "earlier candidate")] {
            let r = request(
                "billing",
                vec![
                    profile(1, loads.0, &[("Billing", 4)]),
                    profile(2, loads.1, &[("Billing", 4)]),
                ],
            );
            assert_eq!(
                ai.suggest_agent_for(&r).unwrap().agent,
                AgentId::from_u128(winner),
                "{why}"
            );
        }
    }

    #[test]
    fn a_weak_match_stays_below_the_default_threshold() {
        let r = request("billing", vec![profile(1, 0, &[("Billing", 2)])]);
        let s = HeuristicAi::new().suggest_agent_for(&r).unwrap();
        assert!(s.confidence < 0.7, "{}", s.confidence);
        let strong = request("billing", vec![profile(1, 0, &[("Billing", 5)])]);
        let s = HeuristicAi::new().suggest_agent_for(&strong).unwrap();
        assert!((s.confidence - 0.9).abs() < 1e-9);
    }

    #[test]
    fn the_category_counts_as_mentioned() {
        let mut r = request(
            "Please call me back",
            vec![profile(1, 0, &[("Billing", 4)])],
        );
        assert_eq!(HeuristicAi::new().suggest_agent_for(&r), None);
        r.category = Some(hotcrm_support::case::AiCategory::Billing);
        assert!(HeuristicAi::new().suggest_agent_for(&r).is_some());
    }

    #[tokio::test]
    async fn providers_forward_fail_and_default() {
        let r = request("billing", vec![profile(1, 0, &[("Billing", 5)])]);
        // Through the `Arc<T>`/`Box<T>` impls themselves (a plain method call
        // would deref to the inner provider and skip the forwarding).
        let arc = Arc::new(HeuristicAi::new());
        let arc: &dyn AiProvider = &arc;
        assert!(
            arc.suggest_agent(&r).await.unwrap().is_some(),
            "Arc forwards"
        );
        let boxed = Box::new(HeuristicAi::new());
        let boxed: &dyn AiProvider = &boxed;
        assert!(
            boxed.suggest_agent(&r).await.unwrap().is_some(),
            "Box forwards"
        );
        let failing = FailingAi::new();
        assert!(failing.suggest_agent(&r).await.is_err());
        assert_eq!(failing.calls(), 1);
        assert_eq!(
            super::ShortEmbedder.suggest_agent(&r).await.unwrap(),
            None,
            "default: no opinion"
        );
    }
}

#[test]
fn noted_is_not_a_negation() {
    // "noted" used to stem to "not" and flip the words after it.
    let ai = HeuristicAi::new();
    let noted = ai.sentiment_text("Noted, great support");
    let plain = ai.sentiment_text("Great support");
    assert_eq!(noted.sentiment, Sentiment::Positive, "{noted:?}");
    assert!(
        (noted.score - plain.score).abs() < 0.2,
        "{noted:?} vs {plain:?}"
    );
}
