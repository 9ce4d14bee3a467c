//! The knowledge article workflow through the desk: one commit per command,
//! injected failures change nothing, concurrent publications, embeddings that
//! survive a restart, the hooks, list views with visibility, the language
//! filter and exact ratings.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use hotcrm_support::Error;
use hotcrm_support::ai::{
    AiProvider, Classification, ClassifyRequest, Embedding, EnhanceRequest, FailingAi,
    GenerateRequest, Generated, HeuristicAi, SentimentAnalysis,
};
use hotcrm_support::case::{Page, PageOf};
use hotcrm_support::clock::ManualClock;
use hotcrm_support::desk::{
    ArticleSaved, ArticleView, DeskConfig, Enhanced, KnowledgeHooks, SupportDesk,
};
use hotcrm_support::ids::{AgentId, ArticleId, PortalUserId};
use hotcrm_support::knowledge::{
    ArticleCategory, ArticleDraft, ArticleStatus, Enhancement, KnowledgeArticle, Language,
    PortalTier, Rater, SearchFilters, SearchQuery, Viewer, Visibility,
};
use hotcrm_support::repo::{MemoryRepository, Repository, SequenceKind, Versioned};
use proptest::prelude::*;

use crate::desk_consistency::FaultyRepository;

const AUTHOR: AgentId = AgentId::from_u128(7);
const REVIEWER: AgentId = AgentId::from_u128(8);

fn clock() -> ManualClock {
    ManualClock::new("2026-03-02T10:00:00Z".parse().unwrap())
}

fn desk_on(repo: Arc<dyn Repository>, clock: &ManualClock) -> SupportDesk {
    SupportDesk::builder(repo).clock(clock.clone()).build()
}

fn draft(title: &str) -> ArticleDraft {
    ArticleDraft::new(
        title,
        format!("Steps for {title}: open Settings, then follow the wizard."),
    )
    .summary(format!("How to {title}."))
}

/// Every stored article, sorted by id.
async fn store_of(repo: &dyn Repository) -> Vec<Versioned<KnowledgeArticle>> {
    let mut all = repo.list_articles().await.unwrap();
    all.sort_by_key(|a| a.value.id);
    all
}

/// Every article of the desk's knowledge base, sorted by id.
fn memory_of(desk: &SupportDesk) -> Vec<KnowledgeArticle> {
    let mut all: Vec<_> = desk.with_knowledge(|kb| kb.articles().cloned().collect());
    all.sort_by_key(|a| a.id);
    all
}

async fn publish_new(desk: &SupportDesk, d: ArticleDraft) -> ArticleId {
    let id = desk
        .create_article_by(d, AUTHOR)
        .await
        .unwrap()
        .article
        .value
        .id;
    desk.submit_article_for_review(id, REVIEWER).await.unwrap();
    desk.publish_article(id, REVIEWER).await.unwrap();
    id
}

/// A new version of live article `live` with `content`, submitted for review
/// on `desk`: returns the version's id.
async fn next_version_in_review(desk: &SupportDesk, live: ArticleId, content: &str) -> ArticleId {
    let mut edit = desk.with_knowledge(|kb| kb.article(live).unwrap().to_draft());
    edit.content = content.into();
    let next = desk
        .edit_article(live, edit)
        .await
        .unwrap()
        .article
        .value
        .id;
    desk.submit_article_for_review(next, REVIEWER)
        .await
        .unwrap();
    next
}

#[tokio::test(flavor = "current_thread")]
async fn the_workflow_commits_once_per_command_and_repeats_commit_nothing() {
    let repo = Arc::new(FaultyRepository::default());
    let clock = clock();
    let desk = desk_on(repo.clone(), &clock);
    let commits = || repo.commits.load(Ordering::SeqCst);

    let created = desk
        .create_article_by(draft("reset a password"), AUTHOR)
        .await
        .unwrap();
    let v1 = created.article.value.id;
    assert_eq!(commits(), 1);
    assert_eq!(created.article.value.number.to_string(), "KB-2026-0001");
    assert_eq!(
        repo.current_sequence(SequenceKind::Knowledge, 2026)
            .await
            .unwrap(),
        1
    );

    let submitted = desk.submit_article_for_review(v1, REVIEWER).await.unwrap();
    assert!(submitted.committed);
    assert_eq!(commits(), 2);
    assert!(
        !desk
            .submit_article_for_review(v1, REVIEWER)
            .await
            .unwrap()
            .committed
    );
    assert_eq!(commits(), 2);

    let published = desk.publish_article(v1, REVIEWER).await.unwrap();
    assert_eq!(commits(), 3);
    assert_eq!(published.article.value.status, ArticleStatus::Published);
    assert_eq!(published.archived, None);
    let again = desk.publish_article(v1, REVIEWER).await.unwrap();
    assert!(!again.committed);
    assert_eq!(again.article, published.article);
    assert_eq!(commits(), 3);

    // Reader commands: one commit each.
    let viewer = Viewer::PortalCustomer {
        tier: PortalTier::Basic,
    };
    desk.record_article_view(v1, &viewer).await.unwrap();
    desk.vote_article_helpful(v1, true, &viewer).await.unwrap();
    let ann = Rater::PortalUser(PortalUserId::from_u128(1));
    desk.rate_article(v1, 4, ann, &viewer).await.unwrap();
    assert_eq!(commits(), 6);
    assert!(
        !desk
            .rate_article(v1, 4, ann, &viewer)
            .await
            .unwrap()
            .committed
    );
    assert_eq!(commits(), 6);

    // Edit the live article: a new draft version, the live one untouched.
    let mut edit = published.article.value.to_draft();
    edit.content = "New steps: open Security, then Reset.".into();
    let v2 = desk.edit_article(v1, edit.clone()).await.unwrap();
    assert_eq!(commits(), 7);
    assert_ne!(v2.article.value.id, v1);
    assert_eq!(v2.article.value.version.to_string(), "1.1");
    assert!(
        v2.article.value.embedding.is_none(),
        "new text, new embedding later"
    );
    assert!(!desk.edit_article(v1, edit.clone()).await.unwrap().committed);
    assert!(
        !desk
            .edit_article(v2.article.value.id, edit)
            .await
            .unwrap()
            .committed
    );
    assert_eq!(commits(), 7);
    let v2 = v2.article.value.id;
    assert_eq!(
        repo.get_article(v1).await.unwrap().value.status,
        ArticleStatus::Published
    );

    desk.submit_article_for_review(v2, REVIEWER).await.unwrap();
    let before = commits();
    let next = desk.publish_article(v2, REVIEWER).await.unwrap();
    assert_eq!(commits(), before + 1, "publish and archive in one commit");
    assert_eq!(next.archived, Some(v1));
    let old = repo.get_article(v1).await.unwrap().value;
    let new = repo.get_article(v2).await.unwrap().value;
    assert_eq!(old.status, ArticleStatus::Archived);
    assert_eq!(new.status, ArticleStatus::Published);
    // Counters and ratings carried over to the new live version.
    assert_eq!((new.counters.views, new.counters.helpful), (1, 1));
    assert_eq!(new.average_rating(), Some(4.0));
    assert!(new.embedding.is_some());

    let archived = desk.archive_article(v2).await.unwrap();
    assert_eq!(archived.article.value.status, ArticleStatus::Archived);
    assert!(!desk.archive_article(v2).await.unwrap().committed);
    // The desk's copy is the store's.
    let stored: Vec<_> = store_of(repo.as_ref())
        .await
        .into_iter()
        .map(|a| a.value)
        .collect();
    assert_eq!(memory_of(&desk), stored);
    // Nothing left to read.
    assert!(matches!(
        desk.record_article_view(v2, &Viewer::Employee).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn an_injected_commit_failure_leaves_store_and_knowledge_base_unchanged() {
    let repo = Arc::new(FaultyRepository::default());
    let clock = clock();
    let desk = desk_on(repo.clone(), &clock);
    let viewer = Viewer::Employee;
    let rater = Rater::Agent(AUTHOR);

    // Each step is tried once with its commit failing, then for real.
    let mut v1 = None;
    let mut v2 = None;
    for step in 0..9 {
        for fail in [true, false] {
            let next = repo.commits.load(Ordering::SeqCst) + 1;
            if fail {
                repo.fail.lock().unwrap().insert(next);
            }
            let store_before = store_of(repo.as_ref()).await;
            let memory_before = memory_of(&desk);
            let result: Result<ArticleSaved, Error> = match step {
                0 => {
                    desk.create_article_by(draft("export invoices"), AUTHOR)
                        .await
                }
                1 => desk.submit_article_for_review(v1.unwrap(), REVIEWER).await,
                2 => desk.publish_article(v1.unwrap(), REVIEWER).await,
                3 => desk.record_article_view(v1.unwrap(), &viewer).await,
                4 => desk.vote_article_helpful(v1.unwrap(), false, &viewer).await,
                5 => desk.rate_article(v1.unwrap(), 3, rater, &viewer).await,
                6 => {
                    let mut d =
                        desk.with_knowledge(|kb| kb.article(v1.unwrap()).unwrap().to_draft());
                    d.title = "Export invoices as PDF".into();
                    desk.edit_article(v1.unwrap(), d).await
                }
                7 => desk.submit_article_for_review(v2.unwrap(), REVIEWER).await,
                _ => desk.publish_article(v2.unwrap(), REVIEWER).await,
            };
            if fail {
                assert!(
                    matches!(result, Err(Error::Storage { .. })),
                    "step {step}: {result:?}"
                );
                assert_eq!(store_of(repo.as_ref()).await, store_before, "step {step}");
                assert_eq!(memory_of(&desk), memory_before, "step {step}");
            } else {
                let saved = result.unwrap();
                assert!(saved.committed, "step {step}");
                match step {
                    0 => v1 = Some(saved.article.value.id),
                    6 => v2 = Some(saved.article.value.id),
                    _ => {}
                }
            }
        }
    }
    // No number was used by the failed creation.
    assert_eq!(
        repo.current_sequence(SequenceKind::Knowledge, 2026)
            .await
            .unwrap(),
        1
    );
    let live: Vec<_> = store_of(repo.as_ref())
        .await
        .into_iter()
        .filter(|a| a.value.is_published())
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].value.title, "Export invoices as PDF");
    assert_eq!(live[0].value.average_rating(), Some(3.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_publications_one_wins_and_the_other_conflicts() {
    let clock = clock();
    let repo = Arc::new(FaultyRepository::gated(2));
    let desk = desk_on(repo.clone(), &clock);
    let v1 = publish_new(&desk, draft("rotate api keys")).await;
    // Two reviewers' new versions can't both be open: one draft, submitted.
    let v2 = next_version_in_review(&desk, v1, "Rotate from Settings > API.").await;

    // Two desks on one store (two processes), both publishing v2 at once.
    let other = desk_on(repo.clone(), &clock);
    other.load_knowledge().await.unwrap();
    repo.gated.store(2, Ordering::SeqCst);
    let a = tokio::spawn({
        let desk = desk.clone();
        async move { desk.publish_article(v2, REVIEWER).await }
    });
    let b = tokio::spawn(async move { other.publish_article(v2, AgentId::from_u128(9)).await });
    let results = [a.await.unwrap(), b.await.unwrap()];
    let won = results
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|s| s.committed))
        .count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Conflict { .. })))
        .count();
    assert_eq!((won, conflicts), (1, 1), "{results:?}");
    let stored = store_of(repo.as_ref()).await;
    let live: Vec<_> = stored.iter().filter(|a| a.value.is_published()).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].value.id, v2);
    assert_eq!(
        stored
            .iter()
            .find(|a| a.value.id == v1)
            .unwrap()
            .value
            .status,
        ArticleStatus::Archived
    );
    // The same race through one desk, from two tasks: the same outcome.
    let v3 = next_version_in_review(&desk, v2, "Rotate from Settings > API > Keys.").await;
    repo.gated.store(2, Ordering::SeqCst);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let desk = desk.clone();
            tokio::spawn(async move { desk.publish_article(v3, REVIEWER).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|r| r.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|r| matches!(r, Err(Error::Conflict { .. })))
    );
    let live = store_of(repo.as_ref())
        .await
        .into_iter()
        .filter(|a| a.value.is_published())
        .count();
    assert_eq!(live, 1);
    assert_eq!(
        desk.with_knowledge(|kb| kb.articles().filter(|a| a.is_published()).count()),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_racing_readers_is_decided_again_and_commits() {
    let clock = clock();
    let repo = Arc::new(FaultyRepository::gated(2));
    let desk = desk_on(repo.clone(), &clock);
    let v1 = publish_new(&desk, draft("popular article")).await;
    let v2 = next_version_in_review(&desk, v1, "Better steps.").await;
    // A reader and the publisher read the live version, then commit at once.
    let reader = desk_on(repo.clone(), &clock);
    reader.load_knowledge().await.unwrap();
    repo.gated.store(2, Ordering::SeqCst);
    let publish = tokio::spawn({
        let desk = desk.clone();
        async move { desk.publish_article(v2, REVIEWER).await }
    });
    let view =
        tokio::spawn(async move { reader.record_article_view(v1, &Viewer::Anonymous).await });
    let published = publish.await.unwrap().unwrap();
    let viewed = view.await.unwrap().unwrap();
    assert!(published.committed && viewed.committed);
    let live: Vec<_> = store_of(repo.as_ref())
        .await
        .into_iter()
        .filter(|a| a.value.is_published())
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].value.id, v2);
    assert_eq!(
        live[0].value.counters.views, 1,
        "the view is counted, on whichever version was live"
    );
}

/// HeuristicAi, counting `embed` and `sentiment` calls.
#[derive(Default)]
pub(crate) struct CountingAi {
    inner: HeuristicAi,
    embeds: AtomicUsize,
    pub(crate) sentiments: AtomicUsize,
    fail_enhance: bool,
}

#[async_trait]
impl AiProvider for CountingAi {
    async fn classify(&self, r: &ClassifyRequest) -> hotcrm_support::Result<Classification> {
        self.inner.classify(r).await
    }
    async fn sentiment(&self, t: &str) -> hotcrm_support::Result<SentimentAnalysis> {
        self.sentiments.fetch_add(1, Ordering::SeqCst);
        self.inner.sentiment(t).await
    }
    async fn embed(&self, texts: &[String]) -> hotcrm_support::Result<Vec<Embedding>> {
        self.embeds.fetch_add(texts.len(), Ordering::SeqCst);
        self.inner.embed(texts).await
    }
    async fn generate(&self, r: &GenerateRequest) -> hotcrm_support::Result<Generated> {
        self.inner.generate(r).await
    }
    async fn enhance_article(&self, r: &EnhanceRequest) -> hotcrm_support::Result<Enhancement> {
        if self.fail_enhance {
            return Err(Error::ai("model offline"));
        }
        self.inner.enhance_article(r).await
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_restarted_desk_does_not_embed_again() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let ai = Arc::new(CountingAi::default());
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .ai_arc(ai.clone())
        .build();
    let a = publish_new(&desk, draft("configure single sign-on")).await;
    publish_new(&desk, draft("export contacts to csv")).await;
    assert_eq!(
        ai.embeds.load(Ordering::SeqCst),
        2,
        "one embedding per publication"
    );
    assert!(repo.get_article(a).await.unwrap().value.embedding.is_some());

    let ai2 = Arc::new(CountingAi::default());
    let restarted = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .ai_arc(ai2.clone())
        .build();
    assert_eq!(restarted.load_knowledge().await.unwrap(), 2);
    assert_eq!(restarted.with_knowledge(|kb| kb.index().embedded_len()), 2);
    assert_eq!(restarted.embed_missing_articles().await.unwrap(), 0);
    assert_eq!(
        ai2.embeds.load(Ordering::SeqCst),
        0,
        "nothing embedded again"
    );

    // An article stored before embeddings were kept is embedded once, and stored.
    let mut old = repo.get_article(a).await.unwrap();
    old.value.embedding = None;
    repo.put_article(&old.value, Some(old.version))
        .await
        .unwrap();
    let third = SupportDesk::builder(repo.clone())
        .clock(clock)
        .ai_arc(ai2.clone())
        .build();
    third.load_knowledge().await.unwrap();
    assert_eq!(third.embed_missing_articles().await.unwrap(), 1);
    assert_eq!(ai2.embeds.load(Ordering::SeqCst), 1);
    assert!(repo.get_article(a).await.unwrap().value.embedding.is_some());
    assert_eq!(third.embed_missing_articles().await.unwrap(), 0);
    assert_eq!(ai2.embeds.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn hooks_enhance_and_score_on_save_and_a_failing_provider_never_loses_it() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let mut config = DeskConfig::default();
    config.knowledge_hooks = KnowledgeHooks {
        quality_score: true,
        ai_enhance: true,
    };
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config.clone())
        .build();
    let bare = ArticleDraft::new(
        "Rotate API keys",
        "Open Settings > API. Click Rotate key. Update your integrations.",
    );
    let saved = desk.create_article_by(bare.clone(), AUTHOR).await.unwrap();
    assert_eq!(saved.enhancement, Enhanced::Applied);
    assert!(!saved.article.value.summary.is_empty());
    assert!(saved.article.value.tags.contains(&"api".to_string()));
    assert_eq!(
        saved.article.value.category,
        hotcrm_support::knowledge::ArticleCategory::ApiDocumentation,
        "the AI's category fills an uncategorised draft"
    );
    assert_eq!(
        repo.get_article(saved.article.value.id)
            .await
            .unwrap()
            .value,
        saved.article.value
    );
    // Edits get keywords too.
    let mut d = saved.article.value.to_draft();
    d.content.push_str(" Old keys stop working after 24 hours.");
    let edited = desk.edit_article(saved.article.value.id, d).await.unwrap();
    assert_eq!(edited.enhancement, Enhanced::Applied);
    assert!(!edited.article.value.ai_keywords.is_empty());

    // A failing provider: the save commits without the enhancement.
    let failing = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config.clone())
        .ai(FailingAi::new())
        .build();
    let saved = failing
        .create_article_by(bare.clone(), AUTHOR)
        .await
        .unwrap();
    assert!(matches!(saved.enhancement, Enhanced::Failed { .. }));
    assert!(saved.article.value.summary.is_empty());
    assert_eq!(
        repo.get_article(saved.article.value.id)
            .await
            .unwrap()
            .version,
        1
    );
    let ai = CountingAi {
        fail_enhance: true,
        ..CountingAi::default()
    };
    let offline = SupportDesk::builder(repo.clone())
        .clock(clock)
        .config(config)
        .ai(ai)
        .build();
    offline.load_knowledge().await.unwrap();
    let mut d = saved.article.value.to_draft();
    d.summary = "Rotate keys safely.".into();
    let edited = offline
        .edit_article(saved.article.value.id, d)
        .await
        .unwrap();
    assert!(
        matches!(edited.enhancement, Enhanced::Failed { ref reason } if reason.contains("offline"))
    );
    assert!(edited.committed);
    assert_eq!(
        repo.get_article(saved.article.value.id)
            .await
            .unwrap()
            .value
            .summary,
        "Rotate keys safely."
    );
}

#[tokio::test(flavor = "current_thread")]
async fn list_views_page_sort_and_hide_what_the_viewer_cannot_read() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let desk = desk_on(repo, &clock);
    let other = AgentId::from_u128(99);
    let mut ids = Vec::new();
    for (i, (title, visibility, category)) in [
        ("alpha faq", Visibility::Public, ArticleCategory::Faq),
        (
            "bravo guide",
            Visibility::Public,
            ArticleCategory::ProductGuide,
        ),
        (
            "charlie runbook",
            Visibility::Internal,
            ArticleCategory::Faq,
        ),
        (
            "delta portal",
            Visibility::CustomerPortal,
            ArticleCategory::Faq,
        ),
        ("echo partner", Visibility::Partner, ArticleCategory::Other),
    ]
    .into_iter()
    .enumerate()
    {
        clock.advance(chrono::TimeDelta::minutes(1));
        let d = draft(title).visibility(visibility).category(category);
        let id = desk
            .create_article_by(d, if i == 1 { other } else { AUTHOR })
            .await
            .unwrap();
        let id = id.article.value.id;
        desk.submit_article_for_review(id, REVIEWER).await.unwrap();
        desk.publish_article(id, REVIEWER).await.unwrap();
        ids.push(id);
    }
    clock.advance(chrono::TimeDelta::minutes(1));
    let wip = desk
        .create_article_by(draft("foxtrot wip"), AUTHOR)
        .await
        .unwrap()
        .article
        .value
        .id;
    let review = desk
        .create_article_by(draft("golf review"), AUTHOR)
        .await
        .unwrap()
        .article
        .value
        .id;
    clock.advance(chrono::TimeDelta::minutes(1));
    desk.submit_article_for_review(review, REVIEWER)
        .await
        .unwrap();
    // Views and votes.
    for (n, id) in [(3, ids[1]), (5, ids[0]), (1, ids[3])] {
        for _ in 0..n {
            desk.record_article_view(id, &Viewer::Employee)
                .await
                .unwrap();
        }
    }
    desk.vote_article_helpful(ids[1], true, &Viewer::Employee)
        .await
        .unwrap();
    desk.vote_article_helpful(ids[0], true, &Viewer::Employee)
        .await
        .unwrap();
    desk.vote_article_helpful(ids[0], false, &Viewer::Employee)
        .await
        .unwrap();

    let titles = |page: &PageOf<KnowledgeArticle>| -> Vec<String> {
        page.items
            .iter()
            .map(|a| a.title.split(' ').next().unwrap().to_string())
            .collect()
    };
    let employee = Viewer::Employee;
    let customer = Viewer::PortalCustomer {
        tier: PortalTier::Basic,
    };
    let all = desk.articles(ArticleView::All, &employee, Page::first(100));
    assert_eq!(all.total, 7);
    assert_eq!(titles(&all)[..2], ["golf", "foxtrot"]);
    let seen = desk.articles(ArticleView::All, &customer, Page::first(100));
    assert_eq!(seen.total, 3, "{:?}", titles(&seen));
    assert!(seen.items.iter().all(|a| customer.can_read(a)));
    assert!(!seen.items.iter().any(|a| a.id == wip || a.id == review));

    // Paging: pages partition the view, in order.
    let mut paged = Vec::new();
    let mut page = Some(Page::first(2));
    while let Some(p) = page {
        let got = desk.articles(ArticleView::All, &employee, p);
        paged.extend(got.items.iter().map(|a| a.id));
        page = got.next;
    }
    assert_eq!(paged, all.items.iter().map(|a| a.id).collect::<Vec<_>>());

    let published = desk.articles(ArticleView::Published, &employee, Page::first(100));
    assert_eq!(
        titles(&published),
        ["echo", "delta", "charlie", "bravo", "alpha"]
    );
    let mine = desk.articles(
        ArticleView::MyArticles { author: AUTHOR },
        &employee,
        Page::first(100),
    );
    assert_eq!(mine.total, 6);
    assert!(mine.items.iter().all(|a| a.author == Some(AUTHOR)));
    let review_list = desk.articles(ArticleView::NeedReview, &employee, Page::first(100));
    assert_eq!(titles(&review_list), ["golf"]);
    assert_eq!(
        desk.articles(ArticleView::NeedReview, &customer, Page::first(100))
            .total,
        0
    );
    let helpful = desk.articles(ArticleView::MostHelpful, &employee, Page::first(3));
    assert_eq!(titles(&helpful), ["bravo", "alpha", "charlie"]);
    let popular = desk.articles(ArticleView::Popular, &customer, Page::first(100));
    assert_eq!(titles(&popular), ["alpha", "bravo", "delta"]);
    let faq = desk.articles(ArticleView::Faq, &customer, Page::first(100));
    assert_eq!(titles(&faq), ["alpha", "delta"]);
    let faq = desk.articles(ArticleView::Faq, &Viewer::Anonymous, Page::first(100));
    assert_eq!(titles(&faq), ["alpha"]);

    // Past the review date, live articles need review too (oldest due first).
    clock.advance(chrono::TimeDelta::days(200));
    let due = desk.articles(ArticleView::NeedReview, &employee, Page::first(100));
    assert_eq!(due.total, 6);
    // In review since minute 7, before alpha's review date (minute 1 + 180 days).
    assert_eq!(titles(&due)[..2], ["golf", "alpha"]);
    // A customer reading a hidden article is told it does not exist.
    assert!(matches!(
        desk.record_article_view(ids[2], &customer).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn search_filters_by_language_and_old_json_loads_as_english() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let desk = desk_on(repo.clone(), &clock);
    let en = publish_new(&desk, draft("reset password")).await;
    let de_lang: Language = "de".parse().unwrap();
    let de = publish_new(
        &desk,
        ArticleDraft::new(
            "Reset password auf Deutsch",
            "Passwort zurücksetzen: reset password.",
        )
        .summary("Reset password.")
        .language(de_lang),
    )
    .await;
    let query = |language: Option<Language>| {
        SearchQuery::new("reset password").filters(SearchFilters {
            language,
            ..SearchFilters::default()
        })
    };
    let hits = |q: SearchQuery| {
        let desk = desk.clone();
        async move {
            desk.search_knowledge(&q, &Viewer::Anonymous)
                .await
                .results
                .ids()
        }
    };
    assert_eq!(hits(query(Some(de_lang))).await, [de]);
    assert_eq!(hits(query(Some(Language::ENGLISH))).await, [en]);
    assert_eq!(hits(query(None)).await.len(), 2);
    assert!(hits(query(Some("fr".parse().unwrap()))).await.is_empty());

    // JSON stored before language, ratings and embeddings existed still loads.
    let mut json = serde_json::to_value(repo.get_article(en).await.unwrap().value).unwrap();
    let map = json.as_object_mut().unwrap();
    for field in ["language", "ratings", "embedding"] {
        map.remove(field);
    }
    let old: KnowledgeArticle = serde_json::from_value(json).unwrap();
    assert_eq!(old.language, Language::ENGLISH);
    assert_eq!(old.average_rating(), None);
    assert!(old.embedding.is_none());
    let mut d = serde_json::to_value(ArticleDraft::new("T", "C")).unwrap();
    d.as_object_mut().unwrap().remove("language");
    assert_eq!(
        serde_json::from_value::<ArticleDraft>(d)
            .unwrap()
            .language
            .as_str(),
        "en"
    );
    // A bad language is refused on load.
    let mut bad = serde_json::to_value(repo.get_article(en).await.unwrap().value).unwrap();
    bad["language"] = "not a language".into();
    assert!(serde_json::from_value::<KnowledgeArticle>(bad).is_err());
}

#[tokio::test(flavor = "current_thread")]
async fn ratings_are_exact_one_per_rater_and_validated() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let desk = desk_on(repo.clone(), &clock);
    let id = publish_new(&desk, draft("print an invoice")).await;
    let customer = Viewer::PortalCustomer {
        tier: PortalTier::Premium,
    };
    let raters: Vec<Rater> = (1..=3)
        .map(|i| Rater::PortalUser(PortalUserId::from_u128(i)))
        .collect();
    for (rater, rating) in raters.iter().zip([5, 4, 4]) {
        desk.rate_article(id, rating, *rater, &customer)
            .await
            .unwrap();
    }
    let a = repo.get_article(id).await.unwrap().value;
    assert_eq!((a.ratings.count(), a.ratings.sum()), (3, 13));
    assert_eq!(a.average_rating(), Some(13.0 / 3.0));
    // The first rater changes their mind: still three ratings.
    let a = desk
        .rate_article(id, 1, raters[0], &customer)
        .await
        .unwrap()
        .article
        .value;
    assert_eq!(
        (a.ratings.count(), a.ratings.sum(), a.average_rating()),
        (3, 9, Some(3.0))
    );
    for bad in [0, 6, 255] {
        let before = repo.get_article(id).await.unwrap();
        assert!(matches!(
            desk.rate_article(id, bad, raters[1], &customer).await,
            Err(Error::Validation {
                field: "rating",
                ..
            })
        ));
        assert_eq!(repo.get_article(id).await.unwrap(), before);
    }
    // Drafts are not rated.
    let wip = desk
        .create_article_by(draft("wip"), AUTHOR)
        .await
        .unwrap()
        .article
        .value
        .id;
    assert!(
        desk.rate_article(wip, 3, raters[0], &Viewer::Employee)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn reads_commit_nothing() {
    let repo = Arc::new(FaultyRepository::default());
    let clock = clock();
    let desk = desk_on(repo.clone(), &clock);
    publish_new(&desk, draft("read only")).await;
    let before = repo.commits.load(Ordering::SeqCst);
    for view in [
        ArticleView::All,
        ArticleView::Published,
        ArticleView::MyArticles { author: AUTHOR },
        ArticleView::NeedReview,
        ArticleView::MostHelpful,
        ArticleView::Popular,
        ArticleView::Faq,
    ] {
        desk.articles(view, &Viewer::Employee, Page::first(10));
    }
    desk.embed_missing_articles().await.unwrap();
    assert_eq!(repo.commits.load(Ordering::SeqCst), before);
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "current_thread")]
async fn the_workflow_runs_on_sqlite_and_survives_a_restart() {
    use hotcrm_support::repo::SqliteRepository;
    let sqlite = SqliteRepository::connect("sqlite::memory:").await.unwrap();
    sqlite.migrate().await.unwrap();
    let repo: Arc<dyn Repository> = Arc::new(sqlite);
    let clock = clock();
    let ai = Arc::new(CountingAi::default());
    let desk = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .ai_arc(ai.clone())
        .build();
    let v1 = publish_new(
        &desk,
        draft("reset a password").language("pt-br".parse().unwrap()),
    )
    .await;
    let v2 = next_version_in_review(&desk, v1, "New steps.").await;
    let rater = Rater::Agent(AUTHOR);
    desk.rate_article(v1, 5, rater, &Viewer::Employee)
        .await
        .unwrap();
    let published = desk.publish_article(v2, REVIEWER).await.unwrap();
    assert_eq!(published.archived, Some(v1));
    assert_eq!(
        repo.get_article(v1).await.unwrap().value.status,
        ArticleStatus::Archived
    );
    let live = repo.get_article(v2).await.unwrap().value;
    assert_eq!(live.language.as_str(), "pt-br");
    assert_eq!(live.average_rating(), Some(5.0));
    assert_eq!(ai.embeds.load(Ordering::SeqCst), 2);

    let ai2 = Arc::new(CountingAi::default());
    let restarted = SupportDesk::builder(repo.clone())
        .clock(clock)
        .ai_arc(ai2.clone())
        .build();
    assert_eq!(restarted.load_knowledge().await.unwrap(), 2);
    assert_eq!(restarted.embed_missing_articles().await.unwrap(), 0);
    assert_eq!(ai2.embeds.load(Ordering::SeqCst), 0);
    let page = restarted.articles(ArticleView::Published, &Viewer::Anonymous, Page::first(10));
    assert_eq!(page.items.iter().map(|a| a.id).collect::<Vec<_>>(), [v2]);
    // A conflict on SQLite is typed too: a stale write is refused.
    let stale = repo.get_article(v2).await.unwrap();
    restarted
        .record_article_view(v2, &Viewer::Anonymous)
        .await
        .unwrap();
    assert!(matches!(
        repo.put_article(&stale.value, Some(stale.version)).await,
        Err(Error::Conflict { .. })
    ));
}

/// The visibility law over random articles and viewers.
fn viewer_strategy() -> impl Strategy<Value = Viewer> {
    prop_oneof![
        Just(Viewer::Anonymous),
        Just(Viewer::Partner),
        Just(Viewer::Employee),
        prop_oneof![
            Just(PortalTier::Basic),
            Just(PortalTier::Premium),
            Just(PortalTier::Enterprise)
        ]
        .prop_map(|tier| Viewer::PortalCustomer { tier }),
    ]
}

fn visibility_strategy() -> impl Strategy<Value = Visibility> {
    prop_oneof![
        Just(Visibility::Public),
        Just(Visibility::Internal),
        Just(Visibility::CustomerPortal),
        Just(Visibility::Partner)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// List views never show a non-employee an article they cannot read, and
    /// never show anyone an archived version.
    #[test]
    fn list_views_never_show_what_the_viewer_cannot_read(
        articles in proptest::collection::vec((visibility_strategy(), any::<bool>(), 0u8..4, any::<bool>()), 1..8),
        viewer in viewer_strategy(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let clock = clock();
            let desk = desk_on(Arc::new(MemoryRepository::new()), &clock);
            for (i, (visibility, login, stage, faq)) in articles.iter().enumerate() {
                let mut d = draft(&format!("article {i}")).visibility(*visibility).require_login(*login);
                if *faq {
                    d = d.category(ArticleCategory::Faq);
                }
                let id = desk.create_article_by(d, AUTHOR).await.unwrap().article.value.id;
                if *stage >= 1 { desk.submit_article_for_review(id, REVIEWER).await.unwrap(); }
                if *stage >= 2 { desk.publish_article(id, REVIEWER).await.unwrap(); }
                if *stage >= 3 { desk.archive_article(id).await.unwrap(); }
            }
            for view in [
                ArticleView::All, ArticleView::Published, ArticleView::MyArticles { author: AUTHOR },
                ArticleView::NeedReview, ArticleView::MostHelpful, ArticleView::Popular, ArticleView::Faq,
            ] {
                let page = desk.articles(view, &viewer, Page::first(100));
                for a in &page.items {
                    prop_assert!(a.status != ArticleStatus::Archived);
                    if viewer != Viewer::Employee {
                        prop_assert!(viewer.can_read(a), "{view:?} showed {} to {viewer:?}", a.title);
                    }
                }
            }
            Ok(())
        })?;
    }

    /// Language tags: what parses prints back lowercase and parses to itself;
    /// a primary subtag that is not 2-3 letters is refused.
    #[test]
    fn language_tags_round_trip(primary in "[a-zA-Z]{1,4}", subtags in proptest::collection::vec("[a-zA-Z0-9]{1,9}", 0..3)) {
        let tag = std::iter::once(primary.clone()).chain(subtags.clone()).collect::<Vec<_>>().join("-");
        let valid = (2..=3).contains(&primary.len())
            && subtags.iter().all(|s| s.len() <= 8)
            && tag.len() <= hotcrm_support::knowledge::MAX_LANGUAGE_CHARS;
        match tag.parse::<Language>() {
            Ok(lang) => {
                prop_assert!(valid, "{tag} accepted");
                prop_assert_eq!(lang.as_str(), tag.to_lowercase());
                prop_assert_eq!(lang.as_str().parse::<Language>().unwrap(), lang);
                let json = serde_json::to_string(&lang).unwrap();
                prop_assert_eq!(serde_json::from_str::<Language>(&json).unwrap(), lang);
            }
            Err(_) => prop_assert!(!valid, "{tag} refused"),
        }
    }

    /// The average rating is the exact mean of each rater's latest rating,
    /// over random rating sequences (raters rating again).
    #[test]
    fn average_rating_is_sum_over_count(ratings in proptest::collection::vec((0u128..6, 1u8..=5), 1..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let clock = clock();
            let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
            let desk = desk_on(repo.clone(), &clock);
            let id = publish_new(&desk, draft("rated")).await;
            let mut model: BTreeMap<u128, u8> = BTreeMap::new();
            for (who, rating) in &ratings {
                let rater = Rater::PortalUser(PortalUserId::from_u128(*who));
                desk.rate_article(id, *rating, rater, &Viewer::Employee).await.unwrap();
                model.insert(*who, *rating);
            }
            let a = repo.get_article(id).await.unwrap().value;
            let sum: u64 = model.values().map(|r| u64::from(*r)).sum();
            prop_assert_eq!(a.ratings.count(), model.len() as u64);
            prop_assert_eq!(a.ratings.sum(), sum);
            prop_assert_eq!(a.average_rating(), Some(sum as f64 / model.len() as f64));
            let avg = a.average_rating().unwrap();
            prop_assert!((1.0..=5.0).contains(&avg));
            prop_assert_eq!(desk.with_knowledge(|kb| kb.article(id).unwrap().ratings.clone()), a.ratings);
            Ok(())
        })?;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_quality_hook_refreshes_scores_on_every_save() {
    let clock = clock();
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let plain = desk_on(repo.clone(), &clock);
    let id = publish_new(&plain, draft("fresh article")).await;
    let score = |r: Arc<dyn Repository>| async move {
        r.get_article(id).await.unwrap().value.quality_score
    };
    let before = score(repo.clone()).await;
    // Three years later, a view: freshness has decayed.
    clock.advance(chrono::TimeDelta::days(3 * 365));
    plain
        .record_article_view(id, &Viewer::Anonymous)
        .await
        .unwrap();
    assert_eq!(
        score(repo.clone()).await,
        before,
        "without the hook a view keeps the score"
    );
    let mut config = DeskConfig::default();
    config.knowledge_hooks.quality_score = true;
    let hooked = SupportDesk::builder(repo.clone())
        .clock(clock.clone())
        .config(config)
        .build();
    hooked.load_knowledge().await.unwrap();
    let saved = hooked
        .record_article_view(id, &Viewer::Anonymous)
        .await
        .unwrap();
    assert!(saved.article.value.quality_score < before);
    assert_eq!(score(repo.clone()).await, saved.article.value.quality_score);
}

#[tokio::test(flavor = "current_thread")]
async fn a_desk_behind_the_store_catches_up_instead_of_writing_stale_data() {
    let clock = clock();
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let a = desk_on(repo.clone(), &clock);
    let v1 = publish_new(&a, draft("shared article")).await;
    let b = desk_on(repo.clone(), &clock);
    b.load_knowledge().await.unwrap();
    let v2 = next_version_in_review(&b, v1, "Version two.").await;
    b.publish_article(v2, REVIEWER).await.unwrap();
    // Desk `a` still thinks v1 is live: the view goes to the stored live version.
    let viewed = a.record_article_view(v1, &Viewer::Anonymous).await.unwrap();
    assert_eq!(viewed.article.value.id, v2);
    assert_eq!(repo.get_article(v2).await.unwrap().value.counters.views, 1);
    assert_eq!(
        repo.get_article(v1).await.unwrap().value.status,
        ArticleStatus::Archived
    );
    assert_eq!(
        a.with_knowledge(|kb| kb.live(viewed.article.value.number).map(|l| l.id)),
        Some(v2)
    );
    // And an editorial command on the stale id decides on the stored versions.
    assert!(!a.publish_article(v2, REVIEWER).await.unwrap().committed);
    assert!(matches!(
        a.publish_article(v1, REVIEWER).await,
        Err(Error::InvalidTransition { .. })
    ));
}

#[tokio::test]
async fn resolving_with_an_article_keeps_other_desks_counters() {
    use hotcrm_support::case::Resolution;
    use hotcrm_support::desk::CaseRequest;
    use hotcrm_support::ids::AccountId;
    use hotcrm_support::repo::Account;
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let acme = AccountId::from_u128(1);
    repo.put_account(&Account::new(acme, "Acme"), None)
        .await
        .unwrap();
    let clock = clock();
    let a = desk_on(repo.clone(), &clock);
    let article = publish_new(&a, draft("reset a password")).await;
    // Another desk on the same store counts views the first desk never saw.
    let b = desk_on(repo.clone(), &clock);
    b.load_knowledge().await.unwrap();
    for _ in 0..3 {
        b.record_article_view(article, &Viewer::Employee)
            .await
            .unwrap();
    }
    let case = a
        .create_case(CaseRequest::new(acme, "Cannot log in", "Password rejected"))
        .await
        .unwrap()
        .case
        .value;
    a.assign(case.id, AUTHOR).await.unwrap();
    a.resolve(
        case.id,
        Resolution::new("Reset link sent").with_article(article),
    )
    .await
    .unwrap();
    let stored = repo.get_article(article).await.unwrap().value;
    assert_eq!(stored.counters.views, 3, "the other desk's views are kept");
    assert_eq!(stored.counters.cases_resolved, 1);
}

#[tokio::test]
async fn a_new_draft_is_invisible_until_its_commit_ends() {
    let repo = Arc::new(FaultyRepository::default());
    let gate = Arc::new((tokio::sync::Notify::new(), tokio::sync::Notify::new()));
    *repo.gate.lock().unwrap() = Some(gate.clone());
    let desk = Arc::new(desk_on(repo.clone(), &clock()));
    let task = {
        let desk = desk.clone();
        tokio::spawn(async move { desk.create_article_by(draft("rotate keys"), AUTHOR).await })
    };
    // The commit has started and waits: the desk's readers do not see the draft.
    gate.0.notified().await;
    assert!(memory_of(&desk).is_empty(), "no draft before its commit");
    *repo.gate.lock().unwrap() = None;
    gate.1.notify_one();
    let saved = task.await.unwrap().unwrap();
    assert_eq!(memory_of(&desk), vec![saved.article.value.clone()]);
    assert_eq!(store_of(repo.as_ref()).await.len(), 1);
}

/// Two desks on one store that do not know each other's articles: the store
/// refuses a second article number with a taken slug, and the desk learns the
/// stored articles and stores the draft under the next free slug; racing
/// creations of one title both commit, under two slugs. A fresh desk then
/// loads the store without a slug clash.
#[tokio::test]
async fn desks_that_do_not_know_each_other_cannot_store_one_slug_twice() {
    let repo: Arc<dyn Repository> = Arc::new(MemoryRepository::new());
    let clock = clock();
    let a = desk_on(repo.clone(), &clock);
    // Built before `a` creates, and never loads the knowledge base.
    let b = desk_on(repo.clone(), &clock);
    let c = desk_on(repo.clone(), &clock);
    let first = a
        .create_article(draft("Reset your password"))
        .await
        .unwrap();
    let stored = repo.get_article(first).await.unwrap().value;
    assert_eq!(stored.slug, "reset-your-password");
    let second = b
        .create_article(draft("Reset your password"))
        .await
        .unwrap();
    assert_eq!(
        repo.get_article(second).await.unwrap().value.slug,
        "reset-your-password-2",
        "the refused slug is replaced by the next free one"
    );
    // Racing creations of one title from two unaware desks: both commit.
    let d = desk_on(repo.clone(), &clock);
    let e = desk_on(repo.clone(), &clock);
    let (x, y) = tokio::join!(
        d.create_article(draft("Export invoices")),
        e.create_article(draft("Export invoices"))
    );
    let mut slugs = Vec::new();
    for id in [x.unwrap(), y.unwrap()] {
        slugs.push(repo.get_article(id).await.unwrap().value.slug);
    }
    slugs.sort();
    assert_eq!(slugs, ["export-invoices", "export-invoices-2"]);
    // `create_article_by` takes the stored articles first: a free slug.
    let saved = c
        .create_article_by(draft("Reset your password"), AUTHOR)
        .await
        .unwrap();
    assert_eq!(saved.article.value.slug, "reset-your-password-3");
    let fresh = desk_on(repo.clone(), &clock);
    assert_eq!(fresh.load_knowledge().await.unwrap(), 5, "no slug clash");
    let numbers: std::collections::BTreeSet<_> = store_of(repo.as_ref())
        .await
        .into_iter()
        .map(|a| a.value.number)
        .collect();
    assert_eq!(numbers.len(), 5, "five numbers");
    assert_eq!(
        repo.current_sequence(SequenceKind::Knowledge, 2026)
            .await
            .unwrap(),
        5,
        "refused attempts used no number"
    );
}
