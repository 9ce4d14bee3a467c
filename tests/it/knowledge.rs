//! Knowledge base: lifecycle and refusals, versioning, visibility on every read
//! path, scores, analytics and gap reports, extractive answers, CJK and accented
//! text, empty and enormous queries, case-integration building blocks.

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::ids::{AgentId, ArticleId, CaseId, KnowledgeNumber};
use hotcrm_support::knowledge::{
    Analyzer, AnswerOutcome, ArticleDraft, ArticleStatus, Enhancement, KnowledgeBase,
    KnowledgePolicy, MAX_CONTENT_BYTES, NO_ANSWER_TEXT, PortalTier, ResolvedCase, SearchQuery,
    SearchRules, VersionBump, Viewer, Visibility, quality_breakdown, suggest_solution,
};
use hotcrm_support::period::Period;

use crate::knowledge_corpus::{REVIEWER, corpus, now, publish};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn draft(title: &str, content: &str) -> ArticleDraft {
    ArticleDraft::new(title, content).summary(format!("About {title}."))
}

const VIEWERS: [Viewer; 6] = [
    Viewer::Anonymous,
    Viewer::PortalCustomer {
        tier: PortalTier::Basic,
    },
    Viewer::PortalCustomer {
        tier: PortalTier::Premium,
    },
    Viewer::PortalCustomer {
        tier: PortalTier::Enterprise,
    },
    Viewer::Partner,
    Viewer::Employee,
];

// ---------------------------------------------------------------- lifecycle

#[test]
fn lifecycle_happy_path_sets_dates_reviewer_and_number() {
    let mut kb = KnowledgeBase::new();
    let t0 = at("2026-01-05T10:00:00Z");
    let id = kb
        .create(
            draft("How to reset your password", "1. Click Forgot password."),
            t0,
        )
        .unwrap();
    let a = kb.article(id).unwrap();
    assert_eq!(a.number, KnowledgeNumber::new(2026, 1).unwrap());
    assert_eq!(
        (a.status, a.version.to_string().as_str()),
        (ArticleStatus::Draft, "1.0")
    );
    kb.submit_for_review(id, REVIEWER, t0 + TimeDelta::hours(1))
        .unwrap();
    assert_eq!(kb.article(id).unwrap().status, ArticleStatus::InReview);
    assert_eq!(kb.article(id).unwrap().reviewer, Some(REVIEWER));
    let t2 = t0 + TimeDelta::hours(2);
    assert_eq!(kb.publish(id, REVIEWER, t2).unwrap(), None);
    let a = kb.article(id).unwrap();
    assert_eq!(a.status, ArticleStatus::Published);
    assert_eq!(a.published_at, Some(t2));
    assert_eq!(a.last_reviewed_at, Some(t2));
    assert_eq!(a.next_review_at, Some(t2 + TimeDelta::days(180)));
    kb.archive(id, t2 + TimeDelta::days(1)).unwrap();
    assert_eq!(kb.article(id).unwrap().status, ArticleStatus::Archived);
    assert!(
        kb.search(&SearchQuery::new("password"), &Viewer::Employee)
            .hits
            .is_empty()
    );
}

#[test]
fn numbers_follow_a_per_year_sequence() {
    let mut kb = KnowledgeBase::new();
    let a = kb
        .create(draft("A", "a"), at("2025-12-31T23:00:00Z"))
        .unwrap();
    let b = kb
        .create(draft("B", "b"), at("2026-01-01T00:00:00Z"))
        .unwrap();
    let c = kb
        .create(draft("C", "c"), at("2026-02-01T00:00:00Z"))
        .unwrap();
    let n = |id| kb.article(id).unwrap().number.to_string();
    assert_eq!(
        [n(a), n(b), n(c)],
        ["KB-2025-0001", "KB-2026-0001", "KB-2026-0002"]
    );
    let taken = KnowledgeNumber::new(2026, 2).unwrap();
    let before = kb.articles().count();
    assert!(matches!(
        kb.create_numbered(draft("D", "d"), taken, now()),
        Err(Error::AlreadyExists { .. })
    ));
    assert_eq!(kb.articles().count(), before);
}

#[test]
fn invalid_transitions_are_refused_and_change_nothing() {
    let mut kb = KnowledgeBase::new();
    let d = kb.create(draft("Draft", "x"), now()).unwrap();
    let r = kb.create(draft("Review", "x"), now()).unwrap();
    kb.submit_for_review(r, REVIEWER, now()).unwrap();
    let p = publish(&mut kb, draft("Live", "x"), now());
    let x = publish(&mut kb, draft("Gone", "x"), now());
    kb.archive(x, now()).unwrap();

    let snapshot = |kb: &KnowledgeBase| {
        let mut v: Vec<_> = kb.articles().cloned().collect();
        v.sort_by_key(|a| a.number);
        v
    };
    let before = snapshot(&kb);
    let cases: Vec<(&str, Result<(), Error>)> = vec![
        ("publish a draft", kb.publish(d, REVIEWER, now()).map(drop)),
        ("reject a draft", kb.reject(d, now())),
        ("submit in review", kb.submit_for_review(r, REVIEWER, now())),
        ("archive in review", kb.archive(r, now())),
        ("submit published", kb.submit_for_review(p, REVIEWER, now())),
        (
            "publish published",
            kb.publish(p, REVIEWER, now()).map(drop),
        ),
        ("reject published", kb.reject(p, now())),
        ("publish archived", kb.publish(x, REVIEWER, now()).map(drop)),
        ("archive archived", kb.archive(x, now())),
        ("submit archived", kb.submit_for_review(x, REVIEWER, now())),
    ];
    for (name, result) in cases {
        assert!(
            matches!(
                result,
                Err(Error::InvalidTransition {
                    entity: "article",
                    ..
                })
            ),
            "{name}: {result:?}"
        );
    }
    assert_eq!(snapshot(&kb), before, "a refused command changed state");
}

#[test]
fn bad_input_is_a_typed_error_and_changes_nothing() {
    let mut kb = KnowledgeBase::new();
    let id = kb.create(draft("Ok", "x"), now()).unwrap();
    let long_title = "t".repeat(300);
    let huge = "x".repeat(MAX_CONTENT_BYTES + 1);
    let many_tags: Vec<String> = (0..40).map(|i| format!("tag{i}")).collect();
    let cases: Vec<(&str, ArticleDraft, &str)> = vec![
        ("empty title", ArticleDraft::new("   ", "body"), "title"),
        ("long title", ArticleDraft::new(long_title, "body"), "title"),
        ("empty content", ArticleDraft::new("T", " \n "), "content"),
        ("oversized content", ArticleDraft::new("T", huge), "content"),
        (
            "too many tags",
            ArticleDraft::new("T", "b").tags(many_tags),
            "tags",
        ),
        (
            "long tag",
            ArticleDraft::new("T", "b").tags(["x".repeat(100)]),
            "tags",
        ),
    ];
    for (name, d, field) in cases {
        let before = kb.articles().count();
        match kb.create(d.clone(), now()) {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(kb.articles().count(), before, "{name}");
        assert!(
            matches!(kb.edit(id, d, now()), Err(Error::Validation { .. })),
            "{name} (edit)"
        );
    }
    assert_eq!(kb.article(id).unwrap().title, "Ok");
    // Submitting without a summary is refused.
    let bare = kb
        .create(ArticleDraft::new("No summary", "body"), now())
        .unwrap();
    assert!(matches!(
        kb.submit_for_review(bare, REVIEWER, now()),
        Err(Error::Validation {
            field: "summary",
            ..
        })
    ));
    assert_eq!(kb.article(bare).unwrap().status, ArticleStatus::Draft);
    // Unknown ids.
    let ghost = ArticleId::from_u128(42);
    assert!(matches!(
        kb.publish(ghost, REVIEWER, now()),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(kb.record_view(ghost), Err(Error::NotFound { .. })));
}

#[test]
fn editing_in_review_or_archived_is_not_allowed() {
    let mut kb = KnowledgeBase::new();
    let r = kb.create(draft("Review", "x"), now()).unwrap();
    kb.submit_for_review(r, REVIEWER, now()).unwrap();
    assert!(matches!(
        kb.edit(r, draft("Review", "y"), now()),
        Err(Error::NotAllowed { .. })
    ));
    kb.reject(r, now()).unwrap();
    assert_eq!(kb.edit(r, draft("Review", "y"), now()).unwrap(), r);
    assert_eq!(kb.article(r).unwrap().content, "y");
}

// ---------------------------------------------------------------- versions

#[test]
fn editing_published_creates_a_draft_and_publishing_it_archives_the_old_version() {
    let mut kb = KnowledgeBase::new();
    let v1 = publish(
        &mut kb,
        draft("Reset your password", "Old: click Forgot password."),
        now(),
    );
    kb.record_vote(v1, true, now()).unwrap();
    kb.record_view(v1).unwrap();

    let mut edit = kb.article(v1).unwrap().to_draft();
    edit.content = "New: use the account menu to reset.".into();
    let v2 = kb.edit(v1, edit.clone(), now()).unwrap();
    assert_ne!(v1, v2);
    // What is live has not changed.
    let live = kb
        .find_readable("reset-your-password", &Viewer::Anonymous)
        .unwrap();
    assert_eq!(live.id, v1);
    assert!(
        kb.search(&SearchQuery::new("account menu"), &Viewer::Employee)
            .hits
            .is_empty()
    );
    // A second edit goes to the same open draft.
    assert_eq!(kb.edit(v1, edit, now()).unwrap(), v2);
    assert!(matches!(
        kb.start_new_version(v1, VersionBump::Major, None, now()),
        Err(Error::AlreadyExists { .. })
    ));
    kb.set_version_notes(v2, "Updated for the new account menu.")
        .unwrap();

    let later = now() + TimeDelta::days(10);
    kb.submit_for_review(v2, REVIEWER, later).unwrap();
    assert_eq!(kb.publish(v2, REVIEWER, later).unwrap(), Some(v1));
    let old = kb.article(v1).unwrap();
    let new = kb.article(v2).unwrap();
    assert_eq!(
        (old.status, new.status),
        (ArticleStatus::Archived, ArticleStatus::Published)
    );
    assert_eq!(old.archived_at, Some(later));
    assert_eq!(new.version.to_string(), "1.1");
    assert_eq!(
        new.version_notes.as_deref(),
        Some("Updated for the new account menu.")
    );
    assert_eq!(
        (new.slug.as_str(), new.number),
        (old.slug.as_str(), old.number)
    );
    assert_eq!(
        new.counters.helpful, 1,
        "counters carry over to the new live version"
    );
    assert_eq!(new.next_review_at, Some(later + TimeDelta::days(180)));
    let hits = kb.search(&SearchQuery::new("account menu"), &Viewer::Employee);
    assert_eq!(hits.ids(), [v2]);
    assert!(
        kb.search(&SearchQuery::new("forgot"), &Viewer::Employee)
            .hits
            .is_empty()
    );
    assert_eq!(kb.versions(new.number).len(), 2);
    // Usage on the archived version counts on the live one.
    kb.record_case_resolved(v1).unwrap();
    assert_eq!(kb.article(v2).unwrap().counters.cases_resolved, 1);

    let v3 = kb
        .start_new_version(v2, VersionBump::Major, Some("2027 release".into()), later)
        .unwrap();
    assert_eq!(kb.article(v3).unwrap().version.to_string(), "2.0");
}

#[test]
fn slugs_are_unique_unicode_aware_and_stable() {
    let mut kb = KnowledgeBase::new();
    let cases = [
        ("How to reset your password", "how-to-reset-your-password"),
        (
            "How to reset your password!",
            "how-to-reset-your-password-2",
        ),
        ("HOW TO RESET YOUR PASSWORD", "how-to-reset-your-password-3"),
        (
            "Réinitialiser le mot de passe",
            "reinitialiser-le-mot-de-passe",
        ),
        ("如何重置密码", "如何重置密码"),
        ("???", "article"),
        ("!!!", "article-2"),
    ];
    for (title, want) in cases {
        let id = kb.create(draft(title, "x"), now()).unwrap();
        assert_eq!(kb.article(id).unwrap().slug, want, "{title:?}");
    }
    let id = publish(&mut kb, draft("Original title", "x"), now());
    let mut edit = kb.article(id).unwrap().to_draft();
    edit.title = "A completely new title".into();
    let v2 = kb.edit(id, edit, now()).unwrap();
    assert_eq!(kb.article(v2).unwrap().slug, "original-title");
}

#[test]
fn from_articles_round_trips_and_rejects_duplicates() {
    let (kb, _) = corpus();
    let stored: Vec<_> = kb.articles().cloned().collect();
    let json = serde_json::to_string(&stored).unwrap();
    let back: Vec<hotcrm_support::knowledge::KnowledgeArticle> =
        serde_json::from_str(&json).unwrap();
    let again = KnowledgeBase::from_articles(KnowledgePolicy::default(), back.clone()).unwrap();
    let q = SearchQuery::new("webhook retries");
    assert_eq!(
        again.search(&q, &Viewer::Employee),
        kb.search(&q, &Viewer::Employee)
    );
    let mut dup = back.clone();
    dup.push(back[0].clone());
    assert!(matches!(
        KnowledgeBase::from_articles(KnowledgePolicy::default(), dup),
        Err(Error::AlreadyExists { .. })
    ));
    let mut two_live = back.clone();
    let mut twin = back[0].clone();
    twin.id = ArticleId::new();
    two_live.push(twin);
    assert!(KnowledgeBase::from_articles(KnowledgePolicy::default(), two_live).is_err());
    // The next number continues after the loaded ones.
    let mut again = again;
    let id = again.create(draft("Next", "x"), now()).unwrap();
    assert_eq!(again.article(id).unwrap().number.sequence(), 201);
}

// ---------------------------------------------------------------- visibility

#[test]
fn visibility_table() {
    use Visibility::*;
    // (visibility, require login, min tier, [anon, basic, premium, enterprise, partner, employee])
    let table: [(Visibility, bool, Option<PortalTier>, [bool; 6]); 7] = [
        (Public, false, None, [true, true, true, true, true, true]),
        (Public, true, None, [false, true, true, true, true, true]),
        (
            CustomerPortal,
            false,
            None,
            [false, true, true, true, false, true],
        ),
        (
            CustomerPortal,
            true,
            Some(PortalTier::Premium),
            [false, false, true, true, false, true],
        ),
        (
            CustomerPortal,
            true,
            Some(PortalTier::Enterprise),
            [false, false, false, true, false, true],
        ),
        (
            Partner,
            true,
            None,
            [false, false, false, false, true, true],
        ),
        (
            Internal,
            false,
            None,
            [false, false, false, false, false, true],
        ),
    ];
    for (vis, login, tier, want) in table {
        for (viewer, w) in VIEWERS.iter().zip(want) {
            assert_eq!(
                viewer.may_see(vis, login, tier),
                w,
                "{vis:?} login={login} tier={tier:?} {viewer:?}"
            );
        }
    }
}

#[test]
fn every_read_path_respects_visibility() {
    let (mut kb, _) = corpus();
    let queries = [
        "password",
        "invoice pdf",
        "webhook",
        "sso saml okta",
        "export csv",
        "mobile app",
    ];
    for viewer in VIEWERS {
        for q in queries {
            let results = kb.search(&SearchQuery::new(q).limit(200), &viewer);
            for h in &results.hits {
                assert!(
                    viewer.can_read(kb.article(h.article).unwrap()),
                    "search {q:?} {viewer:?}"
                );
            }
            for h in kb.related_to_text(q, None, &viewer, 20).unwrap() {
                assert!(
                    viewer.can_read(kb.article(h.article).unwrap()),
                    "related_to_text {viewer:?}"
                );
            }
            let a = kb.answer_extractive(q, None, &viewer, now()).unwrap();
            for n in &a.citations {
                let live = kb.live(*n).unwrap();
                assert!(
                    viewer.can_read(live),
                    "answer {q:?} cites {n} for {viewer:?}"
                );
            }
        }
        let ids: Vec<ArticleId> = kb.articles().map(|a| a.id).collect();
        for id in ids.iter().take(40) {
            for h in kb.related(*id, &viewer, 10).unwrap() {
                assert!(
                    viewer.can_read(kb.article(h.article).unwrap()),
                    "related {viewer:?}"
                );
                assert_ne!(
                    h.number,
                    kb.article(*id).unwrap().number,
                    "related includes itself"
                );
            }
        }
    }
    // Anonymous users see strictly less than employees.
    let anon = kb
        .search(&SearchQuery::new("password").limit(200), &Viewer::Anonymous)
        .hits
        .len();
    let staff = kb
        .search(&SearchQuery::new("password").limit(200), &Viewer::Employee)
        .hits
        .len();
    assert!(anon < staff, "{anon} vs {staff}");
}

#[test]
fn drafts_and_reviews_are_never_returned() {
    let mut kb = KnowledgeBase::new();
    kb.create(draft("Secret roadmap webhooks", "webhooks v3"), now())
        .unwrap();
    let r = kb
        .create(draft("Upcoming webhooks", "webhooks v3"), now())
        .unwrap();
    kb.submit_for_review(r, REVIEWER, now()).unwrap();
    for viewer in VIEWERS {
        assert!(
            kb.search(&SearchQuery::new("webhooks"), &viewer)
                .hits
                .is_empty()
        );
        assert!(
            kb.find_readable("secret-roadmap-webhooks", &viewer)
                .is_err()
        );
        let a = kb
            .answer_extractive("webhooks v3", None, &viewer, now())
            .unwrap();
        assert_eq!(a.outcome, AnswerOutcome::NoRelevantArticle);
    }
}

// ---------------------------------------------------------------- scores

#[test]
fn helpful_score_and_counters() {
    let mut kb = KnowledgeBase::new();
    let id = publish(&mut kb, draft("T", "x"), now());
    assert_eq!(kb.article(id).unwrap().helpful_score(), None);
    for helpful in [true, true, true, false] {
        kb.record_vote(id, helpful, now()).unwrap();
    }
    kb.record_view(id).unwrap();
    let a = kb.article(id).unwrap();
    assert_eq!(a.helpful_score(), Some(75.0));
    assert_eq!(
        (a.counters.views, a.counters.helpful, a.counters.not_helpful),
        (1, 3, 1)
    );
}

#[test]
fn quality_score_rewards_complete_fresh_readable_articles() {
    let (kb, _) = corpus();
    let t = now();
    let good = kb
        .articles()
        .find(|a| a.title == "How to reset your password")
        .unwrap();
    let q = quality_breakdown(good, t);
    assert_eq!(
        (q.title, q.summary, q.tags, q.category, q.freshness),
        (15, 15, 10, 5, 10),
        "{q:?}"
    );
    assert!(q.total() >= 60, "{q:?}");

    let mut kb2 = KnowledgeBase::new();
    let bad = kb2.create(ArticleDraft::new("Fix", "do it"), t).unwrap();
    let b = quality_breakdown(kb2.article(bad).unwrap(), t);
    assert!(b.total() < 40, "{b:?}");
    assert_eq!(kb2.article(bad).unwrap().quality_score, b.total());
    // Freshness decays: two years later the same article scores lower.
    let later = quality_breakdown(good, t + TimeDelta::days(800));
    assert!(later.freshness < q.freshness && later.freshness <= 3);
}

#[test]
fn ai_enhancement_fills_summary_and_merges_tags_on_drafts_only() {
    let mut kb = KnowledgeBase::new();
    let id = kb
        .create(
            ArticleDraft::new("Rotate keys", "Open Settings.").tags(["API"]),
            now(),
        )
        .unwrap();
    let e = Enhancement {
        summary: Some("Rotate API keys safely.".into()),
        tags: vec!["api".into(), "security".into()],
        keywords: vec!["token".into()],
        category: Some(hotcrm_support::knowledge::ArticleCategory::ApiDocumentation),
    };
    kb.apply_enhancement(id, e.clone(), now()).unwrap();
    let a = kb.article(id).unwrap();
    assert_eq!(a.summary, "Rotate API keys safely.");
    assert_eq!(
        a.category,
        hotcrm_support::knowledge::ArticleCategory::ApiDocumentation,
        "an uncategorised draft takes the AI's category"
    );
    assert_eq!(a.tags, ["api", "security"]);
    assert_eq!(a.ai_keywords, ["token"]);
    // An author's summary is never overwritten.
    let e2 = Enhancement {
        summary: Some("Other.".into()),
        category: Some(hotcrm_support::knowledge::ArticleCategory::Faq),
        ..e.clone()
    };
    kb.apply_enhancement(id, e2, now()).unwrap();
    assert_eq!(kb.article(id).unwrap().summary, "Rotate API keys safely.");
    assert_eq!(
        kb.article(id).unwrap().category,
        hotcrm_support::knowledge::ArticleCategory::ApiDocumentation,
        "a chosen category is never replaced"
    );
    // Keywords are searchable once published.
    kb.submit_for_review(id, REVIEWER, now()).unwrap();
    kb.publish(id, REVIEWER, now()).unwrap();
    assert_eq!(
        kb.search(&SearchQuery::new("token"), &Viewer::Employee)
            .ids(),
        [id]
    );
    assert!(matches!(
        kb.apply_enhancement(id, e, now()),
        Err(Error::NotAllowed { .. })
    ));
}

// ---------------------------------------------------------------- search edge cases

#[test]
fn empty_and_enormous_queries() {
    let (kb, _) = corpus();
    for q in ["", "   ", "!!!", "the and of to", "\u{200b}"] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
        assert!(r.hits.is_empty() && r.total_matches == 0, "{q:?}");
    }
    assert!(
        kb.search(&SearchQuery::new("password").limit(0), &Viewer::Employee)
            .hits
            .is_empty()
    );
    // 1 MB of text: cut to the documented limit (so the cost is bounded), still ranks.
    let huge = "password reset link expired ".repeat(40_000);
    let r = kb.search(&SearchQuery::new(huge), &Viewer::Employee);
    assert_eq!(
        r.query.chars().count(),
        hotcrm_support::knowledge::MAX_QUERY_CHARS
    );
    assert!(!r.hits.is_empty());
    // Many distinct words.
    let words: String = (0..5_000).map(|i| format!("w{i} ")).collect();
    assert!(
        kb.search(&SearchQuery::new(words), &Viewer::Employee)
            .hits
            .is_empty()
    );
}

#[test]
fn typos_and_prefixes_in_short_queries() {
    let (kb, _) = corpus();
    let top_titles = |q: &str| -> Vec<String> {
        kb.search(&SearchQuery::new(q).limit(3), &Viewer::Employee)
            .hits
            .iter()
            .map(|h| kb.article(h.article).unwrap().title.to_lowercase())
            .collect()
    };
    for (q, want) in [
        ("pasword reset", "password"),
        ("webhok", "webhook"),
        ("invoce", "invoice"),
        ("authenticatr", "two-factor"),
        ("webho", "webhook"),
        ("salesfo", "salesforce"),
    ] {
        let titles = top_titles(q);
        assert!(
            titles.iter().any(|t| t.contains(want)),
            "{q:?} -> {titles:?}"
        );
    }
}

#[test]
fn typos_are_corrected_against_words_as_written_and_removal_forgets_them() {
    use hotcrm_support::knowledge::SearchIndex;
    let mut kb = KnowledgeBase::new();
    let mut article = |title: &str, content: &str| {
        let id = kb.create(draft(title, content), now()).unwrap();
        kb.article(id).unwrap().clone()
    };
    // "authenticator" stems to `authent`, five edits from "authenticatr": the typo
    // is corrected against the word as written, then searches its stem.
    let app = article("Authenticator app", "Scan the code with the authenticator.");
    let sso = article(
        "Single sign-on",
        "Authentication through your identity provider.",
    );
    let mut index = SearchIndex::default();
    index.upsert(&app);
    index.upsert(&sso);
    let ids = |index: &SearchIndex, q: &str| {
        let mut ids = index.search(&SearchQuery::new(q), &Viewer::Employee).ids();
        ids.sort();
        ids
    };
    let mut both = vec![app.id, sso.id];
    both.sort();
    // The corrected word's stem also matches "authentication" (same stem).
    assert_eq!(ids(&index, "authenticatr"), both);
    // Once the only article with "authenticator" is gone, so is the word: the
    // stem `authent` is still indexed, but "authentication" is three edits away.
    index.remove(app.id);
    assert!(ids(&index, "authenticatr").is_empty());
    assert_eq!(ids(&index, "authentication"), [sso.id]);
    // Re-indexing an edited article forgets the words it no longer has.
    index.upsert(&app);
    assert_eq!(ids(&index, "authenticatr"), both);
    let mut edited = app.clone();
    edited.title = "Two-factor app".into();
    edited.summary = "About two-factor sign-in.".into();
    edited.content = "Scan the code with your phone.".into();
    index.upsert(&edited);
    assert!(ids(&index, "authenticatr").is_empty());
}

#[test]
fn exact_forms_outrank_other_forms_of_the_same_stem() {
    let mut kb = KnowledgeBase::new();
    // Same length, same stems (`delet`, `record`): only the form differs.
    let deletion = publish(
        &mut kb,
        draft("Records deletion", "Deletion of old records."),
        now(),
    );
    let deleted = publish(
        &mut kb,
        draft("Deleted records", "Deleted records are listed."),
        now(),
    );
    let top =
        |kb: &KnowledgeBase, q: &str| kb.search(&SearchQuery::new(q), &Viewer::Employee).ids();
    assert_eq!(top(&kb, "deleted"), [deleted, deletion]);
    assert_eq!(top(&kb, "deletion"), [deletion, deleted]);
    // Without the rule both forms weigh alike (the tie goes to the lower number).
    let mut rules = SearchRules::default();
    rules.exact_forms = false;
    kb.set_search_rules(rules);
    let r = kb.search(&SearchQuery::new("deleted"), &Viewer::Employee);
    assert_eq!(r.ids(), [deletion, deleted]);
    assert!((r.hits[0].score - r.hits[1].score).abs() < 1e-6, "{r:?}");
}

#[test]
fn search_rules_stored_before_exact_forms_load_with_them_on() {
    let mut stored = serde_json::to_value(SearchRules::default()).unwrap();
    stored.as_object_mut().unwrap().remove("exact_forms");
    let rules: SearchRules = serde_json::from_value(stored).unwrap();
    assert!(rules.exact_forms);
    assert_eq!(rules, SearchRules::default());
}

#[test]
fn cjk_and_accented_text_are_findable() {
    let mut kb = KnowledgeBase::new();
    let zh = publish(
        &mut kb,
        draft(
            "如何重置密码",
            "在登录页面点击忘记密码，然后查看邮箱中的重置链接。",
        ),
        now(),
    );
    let ja = publish(
        &mut kb,
        draft(
            "パスワードのリセット方法",
            "ログイン画面で「パスワードをお忘れですか」をクリックします。",
        ),
        now(),
    );
    let fr = publish(
        &mut kb,
        draft(
            "Réinitialiser le mot de passe",
            "Cliquez sur « Mot de passe oublié » sur la page de connexion.",
        ),
        now(),
    );
    let de = publish(
        &mut kb,
        draft(
            "Passwort zurücksetzen",
            "Klicken Sie auf „Passwort vergessen“ auf der Anmeldeseite.",
        ),
        now(),
    );
    let en = publish(
        &mut kb,
        draft("Reset your password", "Click Forgot password."),
        now(),
    );
    for (q, want) in [
        ("重置密码", zh),
        ("忘记密码", zh),
        ("密码", zh),
        ("パスワード", ja),
        ("リセット", ja),
        ("réinitialiser", fr),
        ("reinitialiser", fr),
        ("mot de passe oublié", fr),
        ("zurücksetzen", de),
        ("zurucksetzen", de),
        ("forgot password", en),
    ] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Anonymous);
        assert_eq!(r.hits.first().map(|h| h.article), Some(want), "{q:?}");
    }
    let a = kb
        .answer_extractive("忘记密码怎么办", None, &Viewer::Anonymous, now())
        .unwrap();
    assert_eq!(a.citations, [kb.article(zh).unwrap().number]);
}

#[test]
fn search_ties_break_by_knowledge_number() {
    let mut kb = KnowledgeBase::new();
    let ids: Vec<ArticleId> = (0..5)
        .map(|_| publish(&mut kb, draft("Identical title", "Identical body."), now()))
        .collect();
    let r = kb.search(&SearchQuery::new("identical"), &Viewer::Employee);
    assert_eq!(r.ids(), ids);
}

// ---------------------------------------------------------------- analytics and gaps

#[test]
fn search_analytics_and_knowledge_gaps() {
    let (mut kb, _) = corpus();
    let t = at("2026-03-10T12:00:00Z");
    let search = |kb: &mut KnowledgeBase, q: &str, t| {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Anonymous);
        (kb.record_search(&r, t), r)
    };
    for q in [
        "export to quickbooks",
        "Export to QuickBooks",
        "quickbooks export",
    ] {
        search(&mut kb, q, t);
    }
    // Popular and answered: not a gap.
    for _ in 0..5 {
        let (id, r) = search(&mut kb, "reset password", t);
        kb.record_click(id, r.hits[0].article).unwrap();
    }
    // Searched once: not frequent enough.
    search(&mut kb, "teleport my data to mars", t);
    // Outside the period.
    for _ in 0..3 {
        search(&mut kb, "fax integration", at("2026-01-01T00:00:00Z"));
    }
    let march = Period::new(at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z")).unwrap();
    let report = kb.knowledge_gaps(march, t);
    let keys: Vec<&str> = report
        .missing_topics
        .iter()
        .map(|g| g.key.as_str())
        .collect();
    assert_eq!(keys, ["export quickbook"], "{report:#?}");
    assert_eq!(report.missing_topics[0].searches, 3);
    assert_eq!(report.suggestions[0].based_on.len(), 3);
    assert!(report.outdated_articles.is_empty());
    assert!(matches!(
        kb.record_click(
            hotcrm_support::knowledge::SearchId::from_u64(9999),
            ArticleId::new()
        ),
        Err(Error::NotFound { .. })
    ));
    // An inverted or empty window cannot even be built, so the report cannot fail.
    assert!(Period::new(t, t - TimeDelta::days(1)).is_err());
    assert!(Period::new(t, t).is_err());

    // A year later every article is overdue for review and freshness drops.
    let late = t + TimeDelta::days(365);
    let report = kb.knowledge_gaps(Period::new(t, late).unwrap(), late);
    assert_eq!(report.outdated_articles.len(), kb.index().len());
    assert!(report.outdated_articles.iter().all(|o| o.days_overdue > 0));
}

#[test]
fn knowledge_gaps_count_searches_in_the_half_open_period() {
    let mut kb = KnowledgeBase::with_policy(KnowledgePolicy {
        min_gap_searches: 1,
        ..Default::default()
    })
    .unwrap();
    let from = at("2026-03-01T00:00:00Z");
    let to = at("2026-04-01T00:00:00Z");
    let search = |kb: &mut KnowledgeBase, q: &str, t| {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Anonymous);
        kb.record_search(&r, t);
    };
    // "fax setup": at the first instant (in) and one second before the end (in);
    // "pager setup": a second before the start and at the end (both out).
    search(&mut kb, "fax setup", from);
    search(&mut kb, "fax setup", to - TimeDelta::seconds(1));
    search(&mut kb, "pager setup", from - TimeDelta::seconds(1));
    search(&mut kb, "pager setup", to);
    let march = Period::new(from, to).unwrap();
    let report = kb.knowledge_gaps(march, to);
    assert_eq!((report.from, report.to), (from, to));
    let gaps: Vec<(&str, usize)> = report
        .missing_topics
        .iter()
        .map(|g| (g.query.as_str(), g.searches))
        .collect();
    assert_eq!(gaps, [("fax setup", 2)]);
    // The next period starts where this one ends and picks up the search at `to`.
    let april = Period::new(to, to + TimeDelta::days(30)).unwrap();
    let next = kb.knowledge_gaps(april, to);
    let gaps: Vec<(&str, usize)> = next
        .missing_topics
        .iter()
        .map(|g| (g.query.as_str(), g.searches))
        .collect();
    assert_eq!(gaps, [("pager setup", 1)]);
}

#[test]
fn low_quality_articles_are_reported() {
    let mut kb = KnowledgeBase::new();
    let weak = publish(
        &mut kb,
        ArticleDraft::new("Fix", "do it").summary("x"),
        now(),
    );
    let day = Period::new(now(), now() + TimeDelta::days(1)).unwrap();
    let report = kb.knowledge_gaps(day, now());
    assert_eq!(report.low_quality_articles.len(), 1);
    assert_eq!(report.low_quality_articles[0].article, weak);
    assert!(report.low_quality_articles[0].quality_score < 60);
}

// ---------------------------------------------------------------- answers

#[test]
fn extractive_answers_cite_and_never_invent() {
    let (mut kb, _) = corpus();
    // (The how-to article requires a login, so ask as a logged-in customer.)
    let customer = Viewer::PortalCustomer {
        tier: PortalTier::Basic,
    };
    let a = kb
        .answer_extractive("How do I reset my password?", None, &customer, now())
        .unwrap();
    assert_eq!(a.outcome, AnswerOutcome::Answered);
    assert!(a.text.contains("Forgot password"), "{}", a.text);
    assert!(!a.citations.is_empty());
    assert!(a.confidence > 0.3 && a.confidence <= 1.0);
    let cited = kb.live(a.citations[0]).unwrap();
    assert!(
        cited.title.to_lowercase().contains("password"),
        "{}",
        cited.title
    );

    let none = kb
        .answer_extractive(
            "how to bake sourdough bread",
            None,
            &Viewer::Anonymous,
            now(),
        )
        .unwrap();
    assert_eq!(none.outcome, AnswerOutcome::NoRelevantArticle);
    assert_eq!(none.text, NO_ANSWER_TEXT);
    assert!(none.citations.is_empty());
    let rec = kb.analytics().get(none.search.unwrap()).unwrap();
    assert!(rec.is_unanswered());

    assert!(matches!(
        kb.answer_extractive("  ?! ", None, &Viewer::Anonymous, now()),
        Err(Error::Validation { .. })
    ));
}

// ---------------------------------------------------------------- case integration

#[test]
fn related_to_case_text_and_usage_tracking() {
    let (mut kb, _) = corpus();
    let hits = kb
        .related_to_text(
            "Unable to login\nGetting 'Invalid credentials' when I enter my password",
            None,
            &Viewer::Employee,
            5,
        )
        .unwrap();
    assert!(!hits.is_empty());
    let titles: Vec<String> = hits
        .iter()
        .map(|h| kb.article(h.article).unwrap().title.clone())
        .collect();
    assert!(
        titles
            .iter()
            .take(3)
            .any(|t| t.contains("sign") || t.contains("password")),
        "{titles:?}"
    );
    let id = hits[0].article;
    kb.record_case_resolved(id).unwrap();
    kb.record_case_resolved(id).unwrap();
    assert_eq!(kb.article(id).unwrap().counters.cases_resolved, 2);
}

#[test]
fn suggested_solution_from_similar_resolved_cases() {
    let kb_number = KnowledgeNumber::new(2026, 15).unwrap();
    let history = vec![
        ResolvedCase::new(
            CaseId::from_u128(1),
            "Cannot log in, password rejected",
            "Sent a password reset link.",
        )
        .with_article(kb_number),
        ResolvedCase::new(
            CaseId::from_u128(2),
            "Login fails with invalid password",
            "Sent a reset link; customer confirmed.",
        )
        .with_article(kb_number),
        ResolvedCase::new(
            CaseId::from_u128(3),
            "Password not accepted, login fails",
            "Unlocked the account after failed attempts.",
        ),
        ResolvedCase::new(
            CaseId::from_u128(4),
            "Invoice has wrong VAT number",
            "Reissued the invoice.",
        ),
    ];
    let s = suggest_solution(
        &Analyzer::default(),
        "Login fails: password rejected",
        &history,
    )
    .unwrap();
    assert_eq!(s.article, Some(kb_number));
    assert_eq!((s.similar_cases, s.resolved_this_way), (3, 2));
    assert!(
        s.text
            .starts_with("Suggested solution (based on 3 similar cases)"),
        "{}",
        s.text
    );
    assert!(s.text.contains("KB-2026-0015"));
    let mut based_on = s.based_on.clone();
    based_on.sort();
    assert_eq!(based_on, [CaseId::from_u128(1), CaseId::from_u128(2)]);
    assert!(suggest_solution(&Analyzer::default(), "dark mode please", &history).is_none());
    assert!(suggest_solution(&Analyzer::default(), "", &history).is_none());
    assert!(suggest_solution(&Analyzer::default(), "password", &[]).is_none());
}

#[test]
fn mark_reviewed_moves_the_review_date() {
    let mut kb = KnowledgeBase::new();
    let id = publish(&mut kb, draft("T", "x"), now());
    let t = now() + TimeDelta::days(200);
    assert!(kb.article(id).unwrap().is_review_overdue(t));
    kb.mark_reviewed(id, AgentId::from_u128(2), None, t)
        .unwrap();
    assert!(!kb.article(id).unwrap().is_review_overdue(t));
    assert!(kb.mark_reviewed(id, REVIEWER, Some(t), t).is_err());
}

#[test]
fn embeddings_survive_reindexing_and_enforce_one_dimension() {
    use hotcrm_support::knowledge::SearchIndex;
    let mut kb = KnowledgeBase::new();
    let a = kb.create(draft("Alpha", "alpha"), now()).unwrap();
    let b = kb.create(draft("Beta", "beta"), now()).unwrap();
    let (a, b) = (
        kb.article(a).unwrap().clone(),
        kb.article(b).unwrap().clone(),
    );
    let mut index = SearchIndex::default();
    index.upsert(&a);
    index.upsert(&b);
    let ghost = ArticleId::from_u128(77);
    assert!(matches!(
        index.set_embedding(ghost, &[1.0]),
        Err(Error::NotFound { .. })
    ));
    index.set_embedding(a.id, &[1.0, 0.0, 0.0]).unwrap();
    // A different dimension is refused while another article has an embedding...
    assert!(index.set_embedding(b.id, &[1.0, 0.0]).is_err());
    index.set_embedding(b.id, &[0.0, 2.0, 0.0]).unwrap();
    // ...and re-indexing an article keeps its embedding.
    index.upsert(&a);
    assert!(index.has_embedding(a.id));
    let hits = index
        .vector_search(&[0.0, 1.0, 0.0], &Viewer::Employee, &Default::default(), 1)
        .unwrap();
    assert_eq!(hits[0].article, b.id);
    assert_eq!(hits[0].similarity, Some(1.0));
    // Removing every embedded article frees the dimension.
    index.remove(a.id);
    index.remove(b.id);
    index.upsert(&a);
    index.set_embedding(a.id, &[1.0, 1.0]).unwrap();
    assert_eq!(
        index
            .vector_search(&[1.0, 1.0], &Viewer::Employee, &Default::default(), 5)
            .unwrap()
            .len(),
        1
    );
    assert!(
        index
            .vector_search(&[1.0], &Viewer::Employee, &Default::default(), 5)
            .is_err()
    );
    assert!(
        index
            .vector_search(&[0.0, 0.0], &Viewer::Employee, &Default::default(), 5)
            .is_err()
    );
}

#[test]
fn enormous_questions_are_cut_not_refused() {
    let (mut kb, _) = corpus();
    let huge = format!(
        "how do I set up webhooks {}",
        "and verify signatures ".repeat(50_000)
    );
    let a = kb
        .answer_extractive(&huge, None, &Viewer::Employee, now())
        .unwrap();
    assert_eq!(
        a.question.chars().count(),
        hotcrm_support::knowledge::MAX_QUERY_CHARS
    );
    assert_eq!(a.outcome, AnswerOutcome::Answered);
}

/// The default rules with the (opt-in) support-desk synonym table on.
fn support_synonyms() -> SearchRules {
    let mut rules = SearchRules::default();
    rules.synonyms = true;
    rules
}

#[test]
fn query_synonyms_bridge_support_vocabulary_and_can_be_turned_off() {
    use hotcrm_support::knowledge::{Analyzer, KnowledgePolicy};
    for synonyms in [true, false] {
        let policy = KnowledgePolicy {
            analyzer: Analyzer {
                query_synonyms: synonyms,
                ..Analyzer::default()
            },
            ..KnowledgePolicy::default()
        };
        let mut kb = KnowledgeBase::with_policy(policy).unwrap();
        kb.set_search_rules(support_synonyms());
        let id = publish(
            &mut kb,
            draft(
                "Export contacts to CSV",
                "Choose Export and pick CSV or Excel.",
            ),
            now(),
        );
        for q in ["spreadsheet", "xlsx"] {
            let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
            assert_eq!(r.ids() == [id], synonyms, "{q:?} with synonyms={synonyms}");
            if synonyms {
                assert!(r.has_good_hit(), "{q:?}: {r:?}");
            }
        }
    }
}

#[test]
fn permission_synonyms_include_phrases_but_not_the_word_right() {
    let mut kb = KnowledgeBase::new();
    kb.set_search_rules(support_synonyms());
    let roles = publish(
        &mut kb,
        draft(
            "Roles and permissions",
            "Each role grants permissions such as Delete records.",
        ),
        now(),
    );
    let routing = publish(
        &mut kb,
        draft(
            "Route cases to the right queue",
            "Routing rules pick the queue for each case.",
        ),
        now(),
    );
    for q in [
        "access rights for agents",
        "what are agents permitted to do",
        "admin privileges",
    ] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
        assert_eq!(r.ids().first(), Some(&roles), "{q:?}: {r:?}");
    }
    // "right" alone means correct, not entitled: no expansion to permissions.
    let r = kb.search(&SearchQuery::new("right queue"), &Viewer::Employee);
    assert_eq!(r.ids(), [routing]);
    let r = kb.search(&SearchQuery::new("is this right"), &Viewer::Employee);
    assert_eq!(r.ids(), [routing]);
}

#[test]
fn integration_and_no_code_synonyms() {
    let mut kb = KnowledgeBase::new();
    kb.set_search_rules(support_synonyms());
    let zapier = publish(
        &mut kb,
        draft(
            "Zapier integration",
            "Build automations between apps with triggers and actions.",
        ),
        now(),
    );
    let two_factor = publish(
        &mut kb,
        draft(
            "Two-factor sign-in",
            "Enter the six-digit code from your authenticator app.",
        ),
        now(),
    );
    for q in [
        "connect other apps",
        "automate without writing code",
        "nocode tools",
        "apps without coding",
    ] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
        assert_eq!(r.ids().first(), Some(&zapier), "{q:?}: {r:?}");
    }
    // A missing sign-in code is not "no-code": neither phrase is a synonym entry.
    for q in ["no code arrived", "sign in without a code"] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
        assert_eq!(r.ids(), [two_factor], "{q:?}");
    }
}

#[test]
fn who_is_a_search_term() {
    assert_eq!(
        Analyzer::default().terms("Who exported the data?"),
        ["who", "export", "data"]
    );
    let mut kb = KnowledgeBase::new();
    let audit = publish(
        &mut kb,
        draft(
            "Review the audit log",
            "Each entry records who performed the action (a sign-in, a data export) and when.",
        ),
        now(),
    );
    let export = publish(
        &mut kb,
        draft(
            "Export data",
            "Export your data to CSV; large exports run in the background.",
        ),
        now(),
    );
    let r = kb.search(&SearchQuery::new("who exported data"), &Viewer::Employee);
    assert_eq!(r.ids(), [audit, export]);
}

#[test]
fn hybrid_ignores_vector_ranks_below_the_similarity_floor() {
    let mut kb = KnowledgeBase::new();
    // `older` gets the lower KnowledgeNumber, so it wins exact ties.
    let older = publish(
        &mut kb,
        draft("Invoice basics", "An invoice lists the charges of a month."),
        now(),
    );
    let newer = publish(
        &mut kb,
        draft("Download an invoice", "Download the invoice as PDF."),
        now(),
    );
    let query = SearchQuery::new("download invoice");
    assert_eq!(kb.search(&query, &Viewer::Employee).ids(), [newer, older]);
    let q = [1.0, 0.0];
    // Both cosines under 0.3: the vector order (older first) is noise and must
    // not turn the lexical order around.
    kb.set_embedding(newer, &[0.1, 0.995]).unwrap();
    kb.set_embedding(older, &[0.25, 0.968]).unwrap();
    let r = kb
        .hybrid_search(&query, Some(&q), &Viewer::Employee)
        .unwrap();
    assert_eq!(r.ids(), [newer, older]);
    assert!(
        r.hits[1]
            .similarity
            .is_some_and(|s| (s - 0.25).abs() < 0.01)
    );
    // A genuinely close article: by default the vector side only fills the list
    // below lexical hits, so the BM25F order stands...
    kb.set_embedding(older, &[0.9, 0.436]).unwrap();
    let r = kb
        .hybrid_search(&query, Some(&q), &Viewer::Employee)
        .unwrap();
    assert_eq!(r.ids(), [newer, older]);
    // ...and with reciprocal rank fusion switched on it earns its vector rank.
    let mut rules = SearchRules::default();
    rules.vector_as_fallback = false;
    kb.set_search_rules(rules);
    let r = kb
        .hybrid_search(&query, Some(&q), &Viewer::Employee)
        .unwrap();
    assert_eq!(r.ids(), [older, newer]);
}

/// Three articles with no word in common with the query "quarterly figures",
/// embedded at cosine 1.0, 0.5 and 0.2 from the query vector `[1, 0]`.
fn vector_only_fixture(policy: KnowledgePolicy) -> (KnowledgeBase, [ArticleId; 3]) {
    let mut kb = KnowledgeBase::with_policy(policy).unwrap();
    let close = publish(
        &mut kb,
        draft("Export contacts to CSV", "Open Contacts and click Export."),
        now(),
    );
    let medium = publish(
        &mut kb,
        draft(
            "Download invoices as PDF",
            "Open Billing and click Download.",
        ),
        now(),
    );
    let weak = publish(
        &mut kb,
        draft(
            "Reset your password",
            "Click Forgot password on the sign-in page.",
        ),
        now(),
    );
    kb.set_embedding(close, &[1.0, 0.0]).unwrap();
    kb.set_embedding(medium, &[0.5, 0.866_025_4]).unwrap();
    kb.set_embedding(weak, &[0.2, 0.979_795_9]).unwrap();
    (kb, [close, medium, weak])
}

fn vector_only_ids(kb: &KnowledgeBase) -> Vec<ArticleId> {
    let query = SearchQuery::new("quarterly figures");
    assert!(kb.search(&query, &Viewer::Employee).hits.is_empty());
    kb.hybrid_search(&query, Some(&[1.0, 0.0]), &Viewer::Employee)
        .unwrap()
        .ids()
}

#[test]
fn the_semantic_floor_is_a_knowledge_base_setting() {
    use hotcrm_support::knowledge::SimilarityFloor;
    let (mut kb, [close, medium, weak]) = vector_only_fixture(KnowledgePolicy::default());
    assert_eq!(
        kb.policy().min_semantic_similarity,
        SimilarityFloor::DEFAULT
    );
    assert_eq!(kb.index().min_semantic_similarity().get(), 0.3);
    // Default 0.3: the 0.2 hit is noise.
    assert_eq!(vector_only_ids(&kb), [close, medium]);
    // A higher floor (a model whose unrelated texts score high) drops the 0.5 hit.
    kb.set_min_semantic_similarity(0.6).unwrap();
    assert_eq!(vector_only_ids(&kb), [close]);
    assert_eq!(kb.index().min_semantic_similarity().get(), 0.6);
    // A lower floor (a model that scores everything low) admits the 0.2 hit.
    kb.set_min_semantic_similarity(0.1).unwrap();
    assert_eq!(vector_only_ids(&kb), [close, medium, weak]);
    // The bounds are valid values: -1 keeps every vector hit, 1 only exact ones.
    kb.set_min_semantic_similarity(-1.0).unwrap();
    assert_eq!(vector_only_ids(&kb), [close, medium, weak]);
    kb.set_min_semantic_similarity(1.0).unwrap();
    assert_eq!(vector_only_ids(&kb).len(), 1);
}

#[test]
fn the_semantic_floor_comes_from_the_policy_on_every_hybrid_path() {
    use hotcrm_support::knowledge::SimilarityFloor;
    let policy = KnowledgePolicy {
        min_semantic_similarity: SimilarityFloor::new(0.6).unwrap(),
        ..KnowledgePolicy::default()
    };
    let (kb, [close, ..]) = vector_only_fixture(policy);
    assert_eq!(vector_only_ids(&kb), [close]);
    let related = kb
        .related_to_text("quarterly figures", Some(&[1.0, 0.0]), &Viewer::Employee, 5)
        .unwrap();
    assert_eq!(
        related.iter().map(|h| h.article).collect::<Vec<_>>(),
        [close]
    );
    // Rebuilding from stored articles (what the desk does at start-up) keeps it.
    let again =
        KnowledgeBase::from_articles(*kb.policy(), kb.articles().cloned().collect::<Vec<_>>())
            .unwrap();
    assert_eq!(again.index().min_semantic_similarity().get(), 0.6);
}

#[test]
fn an_invalid_semantic_floor_is_rejected_and_changes_nothing() {
    let (mut kb, [close, medium, _]) = vector_only_fixture(KnowledgePolicy::default());
    for bad in [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1.0001,
        -1.0001,
        30.0,
    ] {
        match kb.set_min_semantic_similarity(bad) {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "min_semantic_similarity"),
            other => panic!("{bad}: {other:?}"),
        }
        assert_eq!(kb.policy().min_semantic_similarity.get(), 0.3, "{bad}");
        assert_eq!(kb.index().min_semantic_similarity().get(), 0.3, "{bad}");
        assert_eq!(vector_only_ids(&kb), [close, medium], "{bad}");
    }
}

#[test]
fn the_semantic_floor_is_validated_when_a_policy_is_loaded() {
    let mut json = serde_json::to_value(KnowledgePolicy::default()).unwrap();
    assert_eq!(json["min_semantic_similarity"], serde_json::json!(0.3_f32));
    let back: KnowledgePolicy = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, KnowledgePolicy::default());
    // A policy stored before the setting existed loads with the default.
    json.as_object_mut()
        .unwrap()
        .remove("min_semantic_similarity");
    let old: KnowledgePolicy = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(old, KnowledgePolicy::default());
    json["min_semantic_similarity"] = serde_json::json!(1.5);
    let err = serde_json::from_value::<KnowledgePolicy>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("min_semantic_similarity"), "{err}");
}

#[tokio::test]
async fn hybrid_search_does_not_surface_unrelated_articles() {
    use hotcrm_support::ai::{HeuristicAi, embed_missing, hybrid_search};
    use hotcrm_support::knowledge::{ArticleDraft, KnowledgeBase, SearchQuery, Viewer};
    let now: chrono::DateTime<chrono::Utc> = "2026-03-02T10:00:00Z".parse().unwrap();
    let who = hotcrm_support::ids::AgentId::from_u128(1);
    let mut kb = KnowledgeBase::new();
    for (title, body) in [
        (
            "How to reset your password",
            "Click Forgot password on the login page and follow the emailed link.",
        ),
        (
            "Download invoices as PDF",
            "Open Billing, pick the month and click Download PDF.",
        ),
        (
            "Set up single sign-on with Okta",
            "Add the app in Okta and paste the SAML metadata URL into Settings.",
        ),
    ] {
        let id = kb
            .create(ArticleDraft::new(title, body).summary(title), now)
            .unwrap();
        kb.submit_for_review(id, who, now).unwrap();
        kb.publish(id, who, now).unwrap();
    }
    let ai = HeuristicAi::new();
    embed_missing(&mut kb, &ai).await.unwrap();
    let results = hybrid_search(&kb, &ai, &SearchQuery::new("okta saml"), &Viewer::Employee).await;
    let titles: Vec<String> = results
        .hits
        .iter()
        .map(|h| kb.article(h.article).unwrap().title.clone())
        .collect();
    assert_eq!(
        titles,
        ["Set up single sign-on with Okta"],
        "only the relevant article, not every embedded one"
    );
}

#[test]
fn invalid_policies_are_refused() {
    use chrono::TimeDelta;
    use hotcrm_support::knowledge::FieldWeights;
    let bad_weights = [
        FieldWeights {
            title: f32::NAN,
            ..FieldWeights::default()
        },
        FieldWeights {
            content: -1.0,
            ..FieldWeights::default()
        },
        FieldWeights {
            k1: f32::INFINITY,
            ..FieldWeights::default()
        },
        FieldWeights {
            b: 1.01,
            ..FieldWeights::default()
        },
        FieldWeights {
            title: 0.0,
            summary: 0.0,
            tags: 0.0,
            content: 0.0,
            ..FieldWeights::default()
        },
    ];
    for weights in bad_weights {
        let policy = KnowledgePolicy {
            weights,
            ..Default::default()
        };
        assert!(matches!(
            KnowledgeBase::with_policy(policy),
            Err(hotcrm_support::Error::Validation { .. })
        ));
        assert!(KnowledgeBase::from_articles(policy, Vec::new()).is_err());
    }
    let never = KnowledgePolicy {
        review_interval: TimeDelta::days(-1),
        ..Default::default()
    };
    assert!(KnowledgeBase::with_policy(never).is_err());
    // Stored weights are validated on load too.
    let json = r#"{"title":3.0,"summary":1.5,"tags":2.0,"content":1.0,"k1":1.2,"b":2.0}"#;
    assert!(serde_json::from_str::<FieldWeights>(json).is_err());
    let ok = serde_json::to_string(&FieldWeights::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<FieldWeights>(&ok).unwrap(),
        FieldWeights::default()
    );
}

#[test]
fn the_search_log_survives_a_restart_and_bad_logs_are_refused() {
    use hotcrm_support::knowledge::SearchAnalytics;
    use hotcrm_support::period::Period;
    let now = at("2026-03-10T09:00:00Z");
    let mut kb = KnowledgeBase::new();
    for q in ["fax setup", "fax setup", "pager setup"] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Employee);
        kb.record_search(&r, now);
    }
    let month = Period::new(at("2026-03-01T00:00:00Z"), at("2026-04-01T00:00:00Z")).unwrap();
    let before = kb.knowledge_gaps(month, now);
    let stored = serde_json::to_string(kb.analytics()).unwrap();

    let mut restarted = KnowledgeBase::new();
    restarted.restore_analytics(serde_json::from_str(&stored).unwrap());
    assert_eq!(restarted.knowledge_gaps(month, now), before);
    let r = restarted.search(&SearchQuery::new("fax setup"), &Viewer::Employee);
    let id = restarted.record_search(&r, now);
    assert!(
        kb.analytics().records().iter().all(|x| x.id < id),
        "ids continue after the stored ones"
    );

    // A log whose ids do not increase, or run past `next`, is refused.
    let mut value: serde_json::Value = serde_json::from_str(&stored).unwrap();
    value["records"].as_array_mut().unwrap().swap(0, 1);
    assert!(serde_json::from_value::<SearchAnalytics>(value).is_err());
    let mut value: serde_json::Value = serde_json::from_str(&stored).unwrap();
    value["next"] = serde_json::json!(1);
    assert!(serde_json::from_value::<SearchAnalytics>(value).is_err());

    restarted.prune_analytics_before(at("2026-04-01T00:00:00Z"));
    assert!(restarted.analytics().records().is_empty());
}
