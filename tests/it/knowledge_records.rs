//! Knowledge records round-trip exactly and are validated on load: random valid
//! values save → load → save byte for byte (and load equal); invalid documents
//! fail naming the field. Search analytics stays within its retention policy
//! over a simulated 100 days of traffic; ids and KnowledgeNumbers are never
//! handed out twice.

use std::fmt::Debug;

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::Error;
use hotcrm_support::ai::Embedding;
use hotcrm_support::ids::{ArticleId, CaseId, KnowledgeNumber};
use hotcrm_support::knowledge::{
    AnalyticsRetention, Analyzer, Answer, AnswerOutcome, ArticleCategory, ArticleDraft,
    ArticleStatus, ArticleVersion, Enhancement, Extract, FieldWeights, KnowledgeArticle,
    KnowledgeBase, KnowledgeGapReport, KnowledgePolicy, LowQualityArticle, OutdatedArticle,
    PortalTier, QualityBreakdown, QueryGap, QuerySource, RetentionReport, SearchAnalytics,
    SearchHit, SearchId, SearchQuery, SearchRecord, SearchResults, SimilarityFloor,
    SuggestedArticle, SuggestedSolution, Viewer, Visibility, quality_breakdown,
};
use hotcrm_support::period::Period;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::knowledge_corpus::{KINDS, REVIEWER, TOPICS, draft};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Saves `value`, loads it back and saves again: the two texts must be
/// identical and the loaded value equal to `value`.
fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let saved = serde_json::to_string(value).unwrap();
    let loaded: T = serde_json::from_str(&saved)
        .map_err(|e| TestCaseError::fail(format!("refused its own saved form: {e}\n{saved}")))?;
    prop_assert_eq!(&loaded, value);
    prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), saved);
    Ok(())
}

// ---------------------------------------------------------------- strategies

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let (min, max) = (
        DateTime::<Utc>::MIN_UTC.timestamp(),
        DateTime::<Utc>::MAX_UTC.timestamp(),
    );
    prop_oneof![
        // Around now, with sub-second precision.
        (1_600_000_000i64..2_000_000_000, 0u32..1_000_000_000),
        // Anywhere chrono can go (years -262143 to 262142).
        (min..=max, 0u32..1_000_000_000),
    ]
    .prop_filter_map("representable", |(s, n)| DateTime::from_timestamp(s, n))
}

/// Any finite `f32`, weighted towards awkward ones (subnormals, extremes, -0.0).
fn finite_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        any::<u32>().prop_map(f32::from_bits),
        prop::sample::select(vec![
            0.0,
            -0.0,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            1e-45,
            0.1,
            1.0 / 3.0,
        ]),
    ]
    .prop_filter("finite", |x| x.is_finite())
}

fn share() -> impl Strategy<Value = f32> {
    prop_oneof![
        0.0f32..=1.0,
        prop::sample::select(vec![0.0f32, 1.0, f32::MIN_POSITIVE, 1.0 - f32::EPSILON])
    ]
}

/// Text with the characters that trip up slugs, tags and trimming: accents, the
/// Turkish dotted I, CJK, combining marks, whitespace of several kinds.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            1 => prop::char::range('A', 'Z'),
            1 => prop::sample::select(vec![
                ' ', ' ', '\t', '\u{a0}', '-', '.', '!', 'é', 'İ', 'ß', 'Æ', '密', '码',
                '\u{301}', 'Ǆ', '٣', '🙂',
            ]),
        ],
        1..max,
    )
    .prop_map(|c| c.into_iter().collect())
}

fn number() -> impl Strategy<Value = KnowledgeNumber> {
    (1000i32..=9999, 1u32..=u32::MAX).prop_map(|(y, s)| KnowledgeNumber::new(y, s).unwrap())
}

fn article_id() -> impl Strategy<Value = ArticleId> {
    any::<u128>().prop_map(ArticleId::from_u128)
}

#[derive(Debug, Clone)]
struct ArticleSpec {
    title: String,
    summary: String,
    content: String,
    tags: Vec<String>,
    sub_category: Option<String>,
    category: ArticleCategory,
    visibility: Visibility,
    tier: Option<PortalTier>,
    /// 0 draft, 1 in review, 2 published, 3 archived, 4 published + new version,
    /// 5 rejected back to draft, 6 draft discarded
    stage: u8,
    views: u32,
    votes: (u8, u8),
    counters: Option<(u64, u64, u64, u64)>,
    version: Option<(u16, u16)>,
    quality: Option<u8>,
    created: DateTime<Utc>,
}

fn article_spec() -> impl Strategy<Value = ArticleSpec> {
    (
        (
            text(40),
            prop::option::of(text(60)),
            text(200),
            prop::collection::vec(text(12), 0..6),
            prop::option::of(text(20)),
            prop::sample::select(ArticleCategory::ALL.to_vec()),
            prop::sample::select(Visibility::ALL.to_vec()),
            prop::option::of(prop::sample::select(PortalTier::ALL.to_vec())),
        ),
        (
            0u8..7,
            0u32..5,
            (0u8..4, 0u8..4),
            prop::option::of(any::<(u64, u64, u64, u64)>()),
            prop::option::of((1u16..=u16::MAX, any::<u16>())),
            prop::option::of(0u8..=100),
            instant(),
        ),
    )
        .prop_filter(
            "a title and content with a letter",
            |((title, _, content, ..), _)| !title.trim().is_empty() && !content.trim().is_empty(),
        )
        .prop_map(
            |(
                (title, summary, content, tags, sub_category, category, visibility, tier),
                (stage, views, votes, counters, version, quality, created),
            )| ArticleSpec {
                title,
                summary: summary
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| "A summary.".into()),
                content,
                tags,
                sub_category,
                category,
                visibility,
                tier,
                stage,
                views,
                votes,
                counters,
                version,
                quality,
                created,
            },
        )
}

/// Builds articles through the knowledge base's commands (so they are valid by
/// construction), then sets the fields no command constrains to extreme values.
fn build_articles(specs: &[ArticleSpec]) -> Vec<KnowledgeArticle> {
    let mut kb = KnowledgeBase::new();
    for s in specs {
        let mut d = ArticleDraft::new(s.title.clone(), s.content.clone())
            .summary(s.summary.clone())
            .category(s.category)
            .tags(s.tags.clone())
            .visibility(s.visibility);
        d.sub_category = s.sub_category.clone();
        d.min_portal_tier = s.tier;
        let t = s.created;
        let Ok(id) = kb.create(d.clone(), t) else {
            continue; // a year outside 1000..=9999 has no KnowledgeNumber
        };
        let later = t.checked_add_signed(TimeDelta::hours(1)).unwrap_or(t);
        if s.stage >= 1 && s.stage != 6 {
            kb.submit_for_review(id, REVIEWER, later).unwrap();
        }
        if s.stage == 5 {
            kb.reject(id, later).unwrap();
        }
        if (2..=4).contains(&s.stage) {
            kb.publish(id, REVIEWER, later).unwrap();
            for _ in 0..s.views {
                kb.record_view(id).unwrap();
            }
            for _ in 0..s.votes.0 {
                kb.record_vote(id, true, later).unwrap();
            }
            for _ in 0..s.votes.1 {
                kb.record_vote(id, false, later).unwrap();
            }
        }
        if s.stage == 3 || s.stage == 6 {
            kb.archive(id, later).unwrap();
        }
        if s.stage == 4 {
            d.content.push_str("\n\nEdited.");
            let v2 = kb.edit(id, d, later).unwrap();
            kb.set_version_notes(v2, "Edited.").unwrap();
        }
    }
    let mut out: Vec<KnowledgeArticle> = kb.articles().cloned().collect();
    out.sort_by_key(|a| (a.number, a.version));
    for (a, s) in out.iter_mut().zip(specs) {
        if let Some((v, h, n, c)) = s.counters {
            a.counters.views = v;
            a.counters.helpful = h;
            a.counters.not_helpful = n;
            a.counters.cases_resolved = c;
        }
        if let Some((major, minor)) = s.version {
            a.version = ArticleVersion { major, minor };
        }
        if let Some(q) = s.quality {
            a.quality_score = q;
        }
    }
    out
}

fn hit() -> impl Strategy<Value = SearchHit> {
    (
        article_id(),
        number(),
        finite_f32(),
        share(),
        prop::option::of(prop_oneof![
            -1.0f32..=1.0,
            prop::sample::select(vec![-1.0f32, 1.0, -0.0])
        ]),
    )
        .prop_map(
            |(article, number, score, match_quality, similarity)| SearchHit {
                article,
                number,
                score,
                match_quality,
                similarity,
            },
        )
}

/// Hits in ranking order, as search returns them.
fn ranked(mut hits: Vec<SearchHit>) -> Vec<SearchHit> {
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.number.cmp(&b.number))
            .then(a.article.cmp(&b.article))
    });
    hits.dedup_by(|a, b| {
        a.score.to_bits() == b.score.to_bits() && a.number == b.number && a.article == b.article
    });
    hits
}

#[derive(Debug, Clone)]
enum LogOp {
    Record {
        query: String,
        words: Vec<String>,
        results: usize,
        good: bool,
        answer: bool,
        at: DateTime<Utc>,
    },
    Click {
        search: usize,
        article: u8,
    },
}

fn log_op() -> impl Strategy<Value = LogOp> {
    prop_oneof![
        (
            prop_oneof![text(30), text(1_200)],
            prop::collection::vec("[a-z密]{1,6}", 0..5),
            any::<usize>(),
            any::<bool>(),
            any::<bool>(),
            instant(),
        )
            .prop_map(|(query, words, results, good, answer, at)| LogOp::Record {
                query,
                words,
                results,
                good,
                answer,
                at,
            }),
        (any::<usize>(), 0u8..8).prop_map(|(search, article)| LogOp::Click { search, article }),
    ]
}

fn run_log(start: u64, ops: &[LogOp], retention: AnalyticsRetention) -> SearchAnalytics {
    let mut log: SearchAnalytics =
        serde_json::from_str(&format!(r#"{{"records":[],"next":{start}}}"#)).unwrap();
    log.set_retention(retention);
    let mut ids: Vec<SearchId> = Vec::new();
    for op in ops {
        match op {
            LogOp::Record {
                query,
                words,
                results,
                good,
                answer,
                at,
            } => {
                let source = if *answer {
                    QuerySource::Answer
                } else {
                    QuerySource::Search
                };
                match log.record(query, words.join(" "), *results, *good, source, *at) {
                    Ok(id) => {
                        assert!(ids.last().is_none_or(|last| *last < id), "ids increase");
                        ids.push(id);
                    }
                    Err(e) => assert!(matches!(e, Error::Overflow { .. }), "{e}"),
                }
            }
            LogOp::Click { search, article } => {
                if let Some(id) = ids.get(search % ids.len().max(1)) {
                    let _ = log.click(*id, ArticleId::from_u128(u128::from(*article)));
                }
            }
        }
    }
    log
}

fn retention() -> impl Strategy<Value = AnalyticsRetention> {
    (
        prop_oneof![
            (1i64..=TimeDelta::MAX.num_seconds(), 0u32..1_000_000_000),
            (0i64..=1, 1u32..1_000_000_000),
        ],
        prop_oneof![1usize..50, Just(usize::MAX)],
        prop_oneof![1usize..5, Just(usize::MAX)],
    )
        .prop_filter_map("positive, in range", |((s, n), records, clicks)| {
            let age = TimeDelta::new(s, n)?;
            AnalyticsRetention::new(age, records, clicks).ok()
        })
}

fn weight() -> impl Strategy<Value = f32> {
    prop_oneof![
        0.0f32..=1000.0,
        prop::sample::select(vec![0.0f32, 1000.0, 1e-40, 0.1])
    ]
}

fn policy() -> impl Strategy<Value = KnowledgePolicy> {
    (
        (1i64..=TimeDelta::MAX.num_seconds(), 0u32..1_000_000_000),
        any::<(bool, bool, bool, bool)>(),
        (
            weight(),
            weight(),
            weight(),
            weight(),
            weight(),
            0.0f32..=1.0,
        ),
        any::<usize>(),
        -1.0f32..=1.0,
    )
        .prop_filter_map(
            "valid",
            |((s, n), (stop_words, stemming, fold_diacritics, query_synonyms), w, gaps, floor)| {
                let policy = KnowledgePolicy {
                    review_interval: TimeDelta::new(s, n)?,
                    analyzer: Analyzer {
                        stop_words,
                        stemming,
                        fold_diacritics,
                        query_synonyms,
                    },
                    weights: FieldWeights {
                        title: w.0,
                        summary: w.1,
                        tags: w.2,
                        content: w.3,
                        k1: w.4,
                        b: w.5,
                    },
                    min_gap_searches: gaps,
                    min_semantic_similarity: SimilarityFloor::new(floor).ok()?,
                };
                policy.validate().ok().map(|()| policy)
            },
        )
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        text(1_100),
        text(80),
        prop::collection::btree_set(number(), 0..4),
        share(),
        prop::option::of(any::<u64>().prop_map(SearchId::from_u64)),
    )
        .prop_map(|(question, text, citations, confidence, search)| {
            let citations: Vec<KnowledgeNumber> = citations.into_iter().collect();
            let outcome = if citations.is_empty() {
                AnswerOutcome::NoRelevantArticle
            } else {
                AnswerOutcome::Answered
            };
            let mut a = Answer::not_found(&question);
            a.text = text;
            a.citations = citations;
            a.confidence = confidence;
            a.outcome = outcome;
            a.search = search;
            a
        })
}

// ---------------------------------------------------------------- round trips

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn articles_round_trip_exactly(specs in prop::collection::vec(article_spec(), 1..8)) {
        let articles = build_articles(&specs);
        for a in &articles {
            a.validate().map_err(|e| TestCaseError::fail(format!("{e}: {a:?}")))?;
            round_trips(a)?;
            round_trips(&a.to_draft())?;
            round_trips(&a.counters)?;
        }
        let saved = serde_json::to_string(&articles).unwrap();
        let loaded: Vec<KnowledgeArticle> = serde_json::from_str(&saved).unwrap();
        let kb = KnowledgeBase::from_articles(KnowledgePolicy::default(), loaded).unwrap();
        for a in &articles {
            prop_assert_eq!(kb.article(a.id).unwrap(), a);
            round_trips(&quality_breakdown(a, a.created_at))?;
        }
    }

    #[test]
    fn search_logs_round_trip_exactly(
        start in prop_oneof![Just(0u64), any::<u64>(), (u64::MAX - 4)..=u64::MAX],
        ops in prop::collection::vec(log_op(), 0..40),
        retention in retention(),
    ) {
        let log = run_log(start, &ops, retention);
        // The stored form does not carry the policy: compare with the default one.
        let mut plain = log.clone();
        plain.set_retention(AnalyticsRetention::default());
        let saved = serde_json::to_string(&log).unwrap();
        prop_assert_eq!(&serde_json::to_string(&plain).unwrap(), &saved);
        round_trips(&plain)?;
        for r in plain.records() {
            round_trips(r)?;
            prop_assert!(r.clicks.len() <= retention.max_clicks_per_search());
        }
        prop_assert!(plain.records().len() <= retention.max_records());
    }

    #[test]
    fn search_hits_and_results_round_trip_exactly(
        hits in prop::collection::vec(hit(), 0..12),
        extra in 0usize..3,
        query in text(1_000),
    ) {
        for h in &hits {
            round_trips(h)?;
        }
        let hits = ranked(hits);
        let results = SearchResults { query, total_matches: hits.len() + extra, hits };
        round_trips(&results)?;
    }

    #[test]
    fn policies_round_trip_exactly(
        policy in policy(),
        retention in retention(),
        floor in -1.0f32..=1.0,
        report in any::<(usize, usize, usize)>(),
    ) {
        round_trips(&RetentionReport { expired: report.0, over_limit: report.1, clicks_dropped: report.2 })?;
        round_trips(&policy)?;
        round_trips(&policy.weights)?;
        round_trips(&policy.analyzer)?;
        round_trips(&retention)?;
        round_trips(&SimilarityFloor::new(floor).unwrap())?;
        prop_assert!(KnowledgeBase::with_policy(policy).is_ok());
    }

    #[test]
    fn embeddings_round_trip_exactly(values in prop::collection::vec(prop_oneof![-1e30f32..1e30, finite_f32()], 1..64)) {
        let Ok(e) = Embedding::new(values) else {
            return Ok(()); // all (near) zero
        };
        round_trips(&e)?;
        let mut text = serde_json::to_string(&e).unwrap();
        for _ in 0..5 {
            let again: Embedding = serde_json::from_str(&text).unwrap();
            let next = serde_json::to_string(&again).unwrap();
            prop_assert_eq!(&next, &text, "a save/load cycle changed the embedding");
            text = next;
        }
    }

    #[test]
    fn answers_and_numbers_round_trip_exactly(
        answer in answer(),
        coverage in share(),
        n in number(),
        version in (any::<u16>(), any::<u16>()),
    ) {
        round_trips(&answer)?;
        round_trips(&Extract { text: "1. Click it.".into(), coverage })?;
        round_trips(&n)?;
        let v = ArticleVersion { major: version.0, minor: version.1 };
        round_trips(&v)?;
        prop_assert_eq!(v.to_string().parse::<ArticleVersion>().unwrap(), v);
    }
}

#[test]
fn every_positive_f32_near_one_round_trips_through_json() {
    // Scores, shares and embedding components live here; a full sweep of
    // [0.5, 2) covers every mantissa at two exponents.
    let start = 0.5f32.to_bits();
    let end = 2.0f32.to_bits();
    for bits in (start..end).step_by(97) {
        let x = f32::from_bits(bits);
        let y: f32 = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
        assert_eq!(y.to_bits(), bits, "{x:e}");
    }
}

#[test]
fn reports_round_trip_exactly() {
    let mut kb = KnowledgeBase::new();
    let t = at("2026-03-10T12:00:00Z");
    for (i, topic) in TOPICS.iter().take(6).enumerate() {
        let id = kb.create(draft(topic, KINDS[i % 4]), t).unwrap();
        kb.submit_for_review(id, REVIEWER, t).unwrap();
        kb.publish(id, REVIEWER, t).unwrap();
    }
    for q in [
        "fax setup",
        "fax setup",
        "fax setup",
        "teleport to mars",
        "teleport to mars",
    ] {
        let r = kb.search(&SearchQuery::new(q), &Viewer::Anonymous);
        kb.record_search(&r, t);
    }
    let poor = kb
        .create(ArticleDraft::new("T", "C").summary("S"), t)
        .unwrap();
    kb.submit_for_review(poor, REVIEWER, t).unwrap();
    kb.publish(poor, REVIEWER, t).unwrap();
    let later = t + TimeDelta::days(400);
    kb.refresh_quality(later);
    let report = kb.knowledge_gaps(Period::new(t, later).unwrap(), later);
    assert!(!report.missing_topics.is_empty() && !report.outdated_articles.is_empty());
    assert!(!report.low_quality_articles.is_empty());
    let saved = serde_json::to_string(&report).unwrap();
    let back: KnowledgeGapReport = serde_json::from_str(&saved).unwrap();
    assert_eq!(back, report);
    assert_eq!(serde_json::to_string(&back).unwrap(), saved);

    let history = [
        hotcrm_support::knowledge::ResolvedCase::new(
            CaseId::from_u128(1),
            "Webhook deliveries failing",
            "Fixed the TLS certificate.",
        ),
        hotcrm_support::knowledge::ResolvedCase::new(
            CaseId::from_u128(2),
            "Webhook deliveries failing again",
            "Fixed the TLS certificate.",
        ),
    ];
    let s = hotcrm_support::knowledge::suggest_solution(
        &Analyzer::default(),
        "webhook deliveries failing",
        &history,
    )
    .unwrap();
    let saved = serde_json::to_string(&s).unwrap();
    let back: SuggestedSolution = serde_json::from_str(&saved).unwrap();
    assert_eq!(
        (back.clone(), serde_json::to_string(&back).unwrap()),
        (s, saved)
    );

    let answer = kb
        .answer_extractive("how do I reset my password", None, &Viewer::Anonymous, t)
        .unwrap();
    let saved = serde_json::to_string(&answer).unwrap();
    assert_eq!(serde_json::from_str::<Answer>(&saved).unwrap(), answer);
}

// ---------------------------------------------------------------- invalid documents

/// `json` must be refused with a message naming `field`.
fn refused<T: DeserializeOwned + Debug>(json: &str, field: &str) {
    match serde_json::from_str::<T>(json) {
        Ok(v) => panic!("accepted {json}: {v:?}"),
        Err(e) => assert!(
            e.to_string().contains(field),
            "refusal of {json} does not name {field:?}: {e}"
        ),
    }
}

fn valid_article(status: ArticleStatus) -> serde_json::Value {
    let t = at("2026-01-05T09:00:00Z");
    let mut kb = KnowledgeBase::new();
    let id = kb
        .create(
            ArticleDraft::new("Reset your password", "1. Click Forgot password.")
                .summary("Reset it.")
                .tags(["password"]),
            t,
        )
        .unwrap();
    if status != ArticleStatus::Draft {
        kb.submit_for_review(id, REVIEWER, t).unwrap();
    }
    if matches!(status, ArticleStatus::Published | ArticleStatus::Archived) {
        kb.publish(id, REVIEWER, t).unwrap();
    }
    if status == ArticleStatus::Archived {
        kb.archive(id, t).unwrap();
    }
    serde_json::to_value(kb.article(id).unwrap()).unwrap()
}

fn article_with(status: ArticleStatus, field: &str, value: serde_json::Value) -> String {
    let mut a = valid_article(status);
    a[field] = value;
    a.to_string()
}

#[test]
fn invalid_articles_are_refused_naming_the_field() {
    use ArticleStatus::*;
    use serde_json::json;
    let long = "x".repeat(2_001);
    let cases: Vec<(ArticleStatus, &str, serde_json::Value, &str)> = vec![
        (Draft, "title", json!(""), "invalid title"),
        (Draft, "title", json!("  Padded "), "invalid title"),
        (Draft, "title", json!("t".repeat(256)), "invalid title"),
        (Draft, "summary", json!(" padded"), "invalid summary"),
        (Draft, "summary", json!(long), "invalid summary"),
        (Draft, "content", json!(" "), "invalid content"),
        (
            Draft,
            "content",
            json!("x".repeat(256 * 1024 + 1)),
            "invalid content",
        ),
        (Draft, "tags", json!(["Password"]), "invalid tags"),
        (Draft, "tags", json!(["a", "a"]), "invalid tags"),
        (Draft, "tags", json!([" a"]), "invalid tags"),
        (Draft, "tags", json!(["t".repeat(65)]), "invalid tags"),
        (Draft, "ai_keywords", json!(["SSO"]), "invalid ai_keywords"),
        (
            Draft,
            "ai_keywords",
            json!(vec!["k"; 33]),
            "invalid ai_keywords",
        ),
        (
            Draft,
            "sub_category",
            json!("s".repeat(256)),
            "invalid sub_category",
        ),
        (Draft, "slug", json!("Reset Your Password"), "invalid slug"),
        (Draft, "slug", json!(""), "invalid slug"),
        (Draft, "slug", json!("reset--password"), "invalid slug"),
        (Draft, "slug", json!("reset-password-"), "invalid slug"),
        (Draft, "version", json!("0.3"), "invalid version"),
        (Draft, "version", json!("01.0"), "article version"),
        (Draft, "version", json!("+1.0"), "article version"),
        (Draft, "version", json!("1.65536"), "article version"),
        (Draft, "version_notes", json!(long), "invalid version_notes"),
        (Draft, "quality_score", json!(101), "invalid quality_score"),
        (Draft, "number", json!("KB-2026-0000"), "knowledge number"),
        (
            Draft,
            "published_at",
            json!("2026-01-05T09:00:00Z"),
            "invalid published_at",
        ),
        (
            Draft,
            "archived_at",
            json!("2026-01-05T09:00:00Z"),
            "invalid archived_at",
        ),
        (
            InReview,
            "submitted_at",
            json!(null),
            "invalid submitted_at",
        ),
        (InReview, "reviewer", json!(null), "invalid reviewer"),
        (Published, "reviewer", json!(null), "invalid reviewer"),
        (
            Published,
            "published_at",
            json!(null),
            "invalid published_at",
        ),
        (
            Published,
            "last_reviewed_at",
            json!(null),
            "invalid last_reviewed_at",
        ),
        (
            Published,
            "archived_at",
            json!("2026-01-05T09:00:00Z"),
            "invalid archived_at",
        ),
        (
            Published,
            "next_review_at",
            json!("2026-01-05T09:00:00Z"),
            "invalid next_review_at",
        ),
        (Archived, "archived_at", json!(null), "invalid archived_at"),
    ];
    for (status, field, value, message) in cases {
        refused::<KnowledgeArticle>(&article_with(status, field, value), message);
    }
    // The valid documents themselves load.
    for status in ArticleStatus::ALL {
        let json = valid_article(*status).to_string();
        serde_json::from_str::<KnowledgeArticle>(&json).unwrap();
    }
    // from_articles runs the same check on values built in memory.
    let mut a: KnowledgeArticle = serde_json::from_value(valid_article(Draft)).unwrap();
    a.slug = "Not a slug".into();
    assert!(matches!(
        KnowledgeBase::from_articles(KnowledgePolicy::default(), [a]),
        Err(Error::Validation { field: "slug", .. })
    ));
}

#[test]
fn invalid_search_records_are_refused_naming_the_field() {
    let record = |id: u64, extra: &str| {
        format!(
            r#"{{"id":{id},"query":"fax","key":"fax","at":"2026-01-05T09:00:00Z","result_count":0,"good_result":false,"clicks":[],"click_count":0,"source":"Search"{extra}}}"#
        )
    };
    let a = "\"00000000-0000-0000-0000-000000000001\"";
    let long = "q".repeat(1_001);
    let log = |records: &[String], next: u64| {
        format!(r#"{{"records":[{}],"next":{next}}}"#, records.join(","))
    };
    // Records alone.
    for (json, field) in [
        (record(0, ""), "invalid id"),
        (
            record(1, "").replace(r#""query":"fax""#, &format!(r#""query":"{long}""#)),
            "invalid query",
        ),
        (
            record(1, "").replace(r#""key":"fax""#, r#""key":"setup fax""#),
            "invalid key",
        ),
        (
            record(1, "").replace(r#""key":"fax""#, r#""key":"fax  setup""#),
            "invalid key",
        ),
        (
            record(1, "").replace(r#""key":"fax""#, r#""key":"fax fax""#),
            "invalid key",
        ),
        (
            record(1, "").replace(r#""key":"fax""#, r#""key":" fax""#),
            "invalid key",
        ),
        (
            record(1, "")
                .replace(r#""clicks":[]"#, &format!(r#""clicks":[{a},{a}]"#))
                .replace(r#""click_count":0"#, r#""click_count":2"#),
            "invalid clicks",
        ),
        (
            record(1, "").replace(r#""clicks":[]"#, &format!(r#""clicks":[{a}]"#)),
            "invalid click_count",
        ),
        (
            record(1, "").replace(r#""source":"Search""#, r#""source":"Chat""#),
            "unknown variant",
        ),
    ] {
        refused::<SearchRecord>(&json, field);
        refused::<SearchAnalytics>(&log(&[json], 5), field);
    }
    // The log's id rules.
    let ok = |id| record(id, "");
    refused::<SearchAnalytics>(&log(&[ok(2), ok(1)], 5), "invalid records");
    refused::<SearchAnalytics>(&log(&[ok(1), ok(1)], 5), "invalid records");
    refused::<SearchAnalytics>(&log(&[ok(6)], 5), "invalid records");
    serde_json::from_str::<SearchAnalytics>(&log(&[ok(1), ok(5)], 5)).unwrap();
    // A record stored before click_count existed loads with its number of clicks.
    let legacy = record(1, "")
        .replace(r#","click_count":0"#, "")
        .replace(r#""clicks":[]"#, &format!(r#""clicks":[{a}]"#));
    let r: SearchRecord = serde_json::from_str(&legacy).unwrap();
    assert_eq!((r.clicks.len(), r.click_count), (1, 1));
}

#[test]
fn invalid_hits_policies_and_embeddings_are_refused_naming_the_field() {
    let hit = |score: &str, quality: &str, similarity: &str| {
        format!(
            r#"{{"article":"00000000-0000-0000-0000-000000000001","number":"KB-2026-0001","score":{score},"match_quality":{quality},"similarity":{similarity}}}"#
        )
    };
    // The reported bug: 1e308 is finite in JSON but not as a score.
    refused::<SearchHit>(&hit("1e308", "0.5", "null"), "invalid score");
    refused::<SearchHit>(&hit("-1e39", "0.5", "null"), "invalid score");
    refused::<SearchHit>(&hit("1.0", "1.5", "null"), "invalid match_quality");
    refused::<SearchHit>(&hit("1.0", "-0.1", "null"), "invalid match_quality");
    refused::<SearchHit>(&hit("1.0", "0.5", "1.01"), "invalid similarity");
    refused::<SearchHit>(&hit("1.0", "0.5", "1e300"), "invalid similarity");
    serde_json::from_str::<SearchHit>(&hit("3.4028235e38", "1.0", "-1.0")).unwrap();
    let results = |hits: &[String], total: usize, query: &str| {
        format!(
            r#"{{"query":"{query}","hits":[{}],"total_matches":{total}}}"#,
            hits.join(",")
        )
    };
    let h = |score: &str| hit(score, "0.5", "null");
    refused::<SearchResults>(&results(&[h("1.0"), h("2.0")], 2, "q"), "invalid hits");
    refused::<SearchResults>(&results(&[h("1.0"), h("1.0")], 2, "q"), "invalid hits");
    refused::<SearchResults>(&results(&[h("1.0")], 0, "q"), "invalid total_matches");
    refused::<SearchResults>(&results(&[], 0, &"q".repeat(1_001)), "invalid query");
    refused::<SearchResults>(&results(&[h("1e308")], 1, "q"), "invalid score");

    let policy = serde_json::to_value(KnowledgePolicy::default()).unwrap();
    let with = |path: &[&str], value: serde_json::Value| {
        let mut p = policy.clone();
        let mut at = &mut p;
        for k in path {
            at = &mut at[*k];
        }
        *at = value;
        p.to_string()
    };
    use serde_json::json;
    for (path, value, field) in [
        (
            &["review_interval"][..],
            json!([0, 0]),
            "invalid review_interval",
        ),
        (
            &["review_interval"][..],
            json!([-86400, 0]),
            "invalid review_interval",
        ),
        (
            &["review_interval"][..],
            json!([1, -1]),
            "TimeDelta out of bounds",
        ),
        (
            &["weights", "title"][..],
            json!(1001.0),
            "invalid field_weights.title",
        ),
        (
            &["weights", "k1"][..],
            json!(1e30),
            "invalid field_weights.k1",
        ),
        (
            &["weights", "content"][..],
            json!(-1.0),
            "invalid field_weights.content",
        ),
        (&["weights", "b"][..], json!(1.5), "invalid field_weights.b"),
        (
            &["weights", "b"][..],
            json!(1e300),
            "invalid field_weights.b",
        ),
        (
            &["min_semantic_similarity"][..],
            json!(1.5),
            "invalid min_semantic_similarity",
        ),
    ] {
        refused::<KnowledgePolicy>(&with(path, value), field);
    }
    let zero =
        json!({"title": 0.0, "summary": 0.0, "tags": 0.0, "content": 0.0, "k1": 1.2, "b": 0.75});
    refused::<FieldWeights>(&zero.to_string(), "invalid field_weights");
    refused::<SimilarityFloor>("-1.5", "invalid min_semantic_similarity");

    refused::<AnalyticsRetention>(
        r#"{"max_age":[0,0]}"#,
        "invalid analytics_retention.max_age",
    );
    refused::<AnalyticsRetention>(
        r#"{"max_age":[-1,0]}"#,
        "invalid analytics_retention.max_age",
    );
    refused::<AnalyticsRetention>(
        r#"{"max_records":0}"#,
        "invalid analytics_retention.max_records",
    );
    refused::<AnalyticsRetention>(
        r#"{"max_clicks_per_search":0}"#,
        "invalid analytics_retention.max_clicks_per_search",
    );
    assert_eq!(
        serde_json::from_str::<AnalyticsRetention>("{}").unwrap(),
        AnalyticsRetention::default()
    );

    refused::<Embedding>("[]", "invalid embedding");
    // A vector that is not of unit length (not one this crate saved) is
    // normalised once; from then on it round-trips unchanged.
    let loaded: Embedding = serde_json::from_str("[3.0, 4.0]").unwrap();
    assert_eq!(loaded.as_slice(), &[0.6, 0.8]);
    let saved = serde_json::to_string(&loaded).unwrap();
    let again: Embedding = serde_json::from_str(&saved).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), saved);
    assert!(Embedding::from_unit(vec![3.0, 4.0]).is_err());
    refused::<Embedding>("[0.0, 0.0]", "invalid embedding");
    refused::<Embedding>("[1e39, 0.0]", "invalid embedding");
    serde_json::from_str::<Embedding>("[0.6, 0.8]").unwrap();
}

#[test]
fn invalid_answers_and_reports_are_refused_naming_the_field() {
    let answer = |citations: &str, confidence: &str, outcome: &str| {
        format!(
            r#"{{"question":"q","text":"t","citations":{citations},"confidence":{confidence},"outcome":"{outcome}","search":null}}"#
        )
    };
    refused::<Answer>(
        &answer(r#"["KB-2026-0001"]"#, "1.5", "Answered"),
        "invalid confidence",
    );
    refused::<Answer>(
        &answer(r#"["KB-2026-0001"]"#, "1e308", "Answered"),
        "invalid confidence",
    );
    refused::<Answer>(&answer("[]", "0.5", "Answered"), "invalid citations");
    refused::<Answer>(
        &answer(r#"["KB-2026-0001"]"#, "0", "NoRelevantArticle"),
        "invalid citations",
    );
    refused::<Answer>(
        &answer(r#"["KB-2026-0001","KB-2026-0001"]"#, "0.5", "Answered"),
        "invalid citations",
    );
    refused::<Answer>(
        &answer("[]", "0", "NoRelevantArticle").replace(
            r#""question":"q""#,
            &format!(r#""question":"{}""#, "q".repeat(1_001)),
        ),
        "invalid question",
    );
    refused::<Extract>(r#"{"text":"t","coverage":-0.5}"#, "invalid coverage");
    refused::<QualityBreakdown>(
        r#"{"title":16,"summary":0,"content":0,"tags":0,"category":0,"readability":0,"freshness":0,"helpfulness":0}"#,
        "invalid title",
    );
    refused::<QualityBreakdown>(
        r#"{"title":0,"summary":0,"content":26,"tags":0,"category":0,"readability":0,"freshness":0,"helpfulness":0}"#,
        "invalid content",
    );
    refused::<QueryGap>(
        r#"{"query":"q","key":"q","searches":0,"unanswered":0}"#,
        "invalid searches",
    );
    refused::<QueryGap>(
        r#"{"query":"q","key":"q","searches":2,"unanswered":3}"#,
        "invalid unanswered",
    );
    refused::<QueryGap>(
        r#"{"query":"q","key":"q","searches":4,"unanswered":1}"#,
        "invalid unanswered",
    );
    let article =
        r#""article":"00000000-0000-0000-0000-000000000001","number":"KB-2026-0001","title":"T""#;
    refused::<OutdatedArticle>(
        &format!(r#"{{{article},"next_review_at":"2026-01-05T09:00:00Z","days_overdue":-1}}"#),
        "invalid days_overdue",
    );
    refused::<LowQualityArticle>(
        &format!(r#"{{{article},"quality_score":60}}"#),
        "invalid quality_score",
    );
    refused::<SuggestedArticle>(
        r#"{"title":"T","category":"Faq","based_on":[],"searches":2}"#,
        "invalid based_on",
    );
    refused::<KnowledgeGapReport>(
        r#"{"from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z","missing_topics":[],"outdated_articles":[],"low_quality_articles":[],"suggestions":[]}"#,
        "invalid to",
    );
    refused::<KnowledgeGapReport>(
        r#"{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z","missing_topics":[],"outdated_articles":[],"low_quality_articles":[],"suggestions":[{"title":"T","category":"Faq","based_on":["q"],"searches":2}]}"#,
        "invalid suggestions",
    );
    let solution = |similar: usize, this_way: usize, based_on: &str| {
        format!(
            r#"{{"text":"t","resolution":"r","article":null,"similar_cases":{similar},"resolved_this_way":{this_way},"based_on":{based_on}}}"#
        )
    };
    let one = r#"["00000000-0000-0000-0000-000000000001"]"#;
    refused::<SuggestedSolution>(&solution(1, 0, "[]"), "invalid resolved_this_way");
    refused::<SuggestedSolution>(&solution(1, 2, one), "invalid resolved_this_way");
    refused::<SuggestedSolution>(&solution(2, 2, one), "invalid based_on");
    serde_json::from_str::<SuggestedSolution>(&solution(3, 1, one)).unwrap();
}

// ---------------------------------------------------------------- ids

#[test]
fn a_log_near_the_last_id_never_hands_out_an_id_twice() {
    let t = at("2026-01-05T09:00:00Z");
    let mut kb = KnowledgeBase::new();
    let near = format!(r#"{{"records":[],"next":{}}}"#, u64::MAX - 1);
    kb.restore_analytics(serde_json::from_str(&near).unwrap());
    let r = kb.search(&SearchQuery::new("fax"), &Viewer::Employee);
    let last = kb.record_search(&r, t);
    assert_eq!(last.as_u64(), u64::MAX);
    // Its saved form loads (it used to be refused) ...
    let saved = serde_json::to_string(kb.analytics()).unwrap();
    let back: SearchAnalytics = serde_json::from_str(&saved).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), saved);
    // ... and no further id is handed out, rather than u64::MAX again.
    assert!(matches!(
        kb.try_record_search(&r, t),
        Err(Error::Overflow { .. })
    ));
    assert!(matches!(
        kb.try_record_answer("fax?", 0, false, t),
        Err(Error::Overflow { .. })
    ));
    assert_eq!(kb.record_search(&r, t), SearchId::UNRECORDED);
    assert_eq!(kb.record_answer("fax?", 0, false, t), SearchId::UNRECORDED);
    let answer = kb
        .answer_extractive("fax?", None, &Viewer::Employee, t)
        .unwrap();
    assert_eq!(answer.search, None);
    assert_eq!(kb.analytics().records().len(), 1);
    assert!(
        kb.record_click(SearchId::UNRECORDED, ArticleId::new())
            .is_err()
    );
    let ids: Vec<u64> = kb
        .analytics()
        .records()
        .iter()
        .map(|r| r.id.as_u64())
        .collect();
    assert_eq!(ids, [u64::MAX]);
}

#[test]
fn knowledge_numbers_from_outside_are_never_reused() {
    let t = at("2026-01-05T09:00:00Z");
    let d = |title: &str| ArticleDraft::new(title, "Steps.").summary("S.");
    let mut kb = KnowledgeBase::new();
    let first = kb.create(d("One"), t).unwrap();
    let n7: KnowledgeNumber = "KB-2026-0007".parse().unwrap();
    let seven = kb.create_numbered(d("Seven"), n7, t).unwrap();
    kb.submit_for_review(seven, REVIEWER, t).unwrap();
    kb.publish(seven, REVIEWER, t).unwrap();
    kb.archive(seven, t).unwrap();
    // A used number is refused whatever state its versions are in, and nothing changes.
    let before = kb.articles().count();
    for n in [n7, kb.article(first).unwrap().number] {
        match kb.create_numbered(d("Again"), n, t) {
            Err(Error::AlreadyExists { kind, key }) => {
                assert_eq!((kind, key), ("knowledge number", n.to_string()));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(kb.articles().count(), before);
    assert_eq!(
        kb.next_free_number(2026).unwrap().to_string(),
        "KB-2026-0008"
    );

    // A base loaded from the store continues above every stored number, in every year.
    let stored: Vec<KnowledgeArticle> = kb.articles().cloned().collect();
    let mut again =
        KnowledgeBase::from_articles(KnowledgePolicy::default(), stored.clone()).unwrap();
    let used: Vec<KnowledgeNumber> = stored.iter().map(|a| a.number).collect();
    for i in 0..20 {
        let id = again.create(d(&format!("New {i}")), t).unwrap();
        let n = again.article(id).unwrap().number;
        assert!(!used.contains(&n), "{n} re-issued");
        assert!(n.sequence() > 7);
    }
    let old = again
        .create_numbered(d("Old year"), "KB-1999-0500".parse().unwrap(), t)
        .unwrap();
    assert_eq!(again.article(old).unwrap().number.year(), 1999);
    assert_eq!(again.next_free_number(1999).unwrap().sequence(), 501);
    assert_eq!(again.next_free_number(2030).unwrap().sequence(), 1);
    assert!(again.next_free_number(10_000).is_err());
    // The last number of a year is usable; after it the year is exhausted.
    let last = KnowledgeNumber::new(2031, u32::MAX).unwrap();
    again.create_numbered(d("Last"), last, t).unwrap();
    assert!(matches!(
        again.next_free_number(2031),
        Err(Error::Overflow { .. })
    ));
    assert!(matches!(
        again.create(d("Too many"), at("2031-06-01T00:00:00Z")),
        Err(Error::Overflow { .. })
    ));
}

#[test]
fn commands_refuse_what_loading_would_refuse() {
    let t = at("2026-01-05T09:00:00Z");
    let mut kb = KnowledgeBase::new();
    // Lowercasing "İ" adds a combining dot: 64 of them make a 128-character tag.
    let tag = "İ".repeat(64);
    let draft = ArticleDraft::new("Title", "Body").tags([tag.clone()]);
    draft.validate().unwrap();
    let before = kb.articles().count();
    assert!(matches!(
        kb.create(draft, t),
        Err(Error::Validation { field: "tags", .. })
    ));
    assert_eq!(kb.articles().count(), before);
    let id = kb
        .create(ArticleDraft::new("Title", "Body").summary("S."), t)
        .unwrap();
    kb.submit_for_review(id, REVIEWER, t).unwrap();
    kb.publish(id, REVIEWER, t).unwrap();
    let mut edit = kb.article(id).unwrap().to_draft();
    edit.tags = vec![tag];
    assert!(kb.edit(id, edit, t).is_err());
    assert_eq!(
        kb.versions(kb.article(id).unwrap().number).len(),
        1,
        "no version started"
    );
    assert!(matches!(
        kb.start_new_version(
            id,
            hotcrm_support::knowledge::VersionBump::Minor,
            Some("n".repeat(2_001)),
            t
        ),
        Err(Error::Validation {
            field: "version_notes",
            ..
        })
    ));
    let e = Enhancement {
        summary: None,
        tags: vec![],
        keywords: vec!["k".repeat(65)],
        category: None,
    };
    let d = kb.create(ArticleDraft::new("Other", "Body"), t).unwrap();
    assert!(matches!(
        kb.apply_enhancement(d, e, t),
        Err(Error::Validation {
            field: "ai_keywords",
            ..
        })
    ));
    // Every article the commands made loads.
    for a in kb.articles() {
        let json = serde_json::to_string(a).unwrap();
        serde_json::from_str::<KnowledgeArticle>(&json).unwrap();
    }
}

// ---------------------------------------------------------------- bounded analytics

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The heap and inline bytes the log's records take (a memory proxy).
fn log_bytes(log: &SearchAnalytics) -> usize {
    log.records()
        .iter()
        .map(|r| {
            std::mem::size_of::<SearchRecord>()
                + r.query.capacity()
                + r.key.capacity()
                + r.clicks.capacity() * std::mem::size_of::<ArticleId>()
        })
        .sum()
}

#[derive(Debug, Default)]
struct Peak {
    records: usize,
    clicks: usize,
    bytes: usize,
    max_clicks_on_one: usize,
}

/// 100 days of 2,000 searches and answers a day with random clicks (a few
/// searches clicked hundreds of times), a sweep at each day's end; checks the
/// retention holds at every day's end and returns the peaks.
fn simulate(retention: AnalyticsRetention) -> (Peak, KnowledgeBase) {
    const DAYS: i64 = 100;
    const PER_DAY: usize = 2_000;
    let start = at("2026-01-01T00:00:00Z");
    let mut kb = KnowledgeBase::new().with_retention(retention);
    let mut articles = Vec::new();
    for (i, topic) in TOPICS.iter().take(12).enumerate() {
        let id = kb.create(draft(topic, KINDS[i % 4]), start).unwrap();
        kb.submit_for_review(id, REVIEWER, start).unwrap();
        kb.publish(id, REVIEWER, start).unwrap();
        articles.push(id);
    }
    let queries: Vec<SearchResults> = TOPICS
        .iter()
        .take(30)
        .map(|t| t.title)
        .chain([
            "fax setup",
            "teleport data to mars",
            "pager integration",
            "密码重置",
        ])
        .map(|q| kb.search(&SearchQuery::new(q), &Viewer::Anonymous))
        .collect();
    let mut rng = Rng(42);
    let mut peak = Peak::default();
    let mut total_clicks: u64 = 0;
    let mut views_before: u64 = kb.articles().map(|a| a.counters.views).sum();
    for day in 0..DAYS {
        let day_start = start + TimeDelta::days(day);
        for i in 0..PER_DAY {
            let t = day_start + TimeDelta::seconds((i * 43) as i64);
            let id = if i % 10 == 0 {
                kb.record_answer("how do I fly to the moon", 0, false, t)
            } else {
                kb.record_search(&queries[rng.below(queries.len())], t)
            };
            assert_ne!(id, SearchId::UNRECORDED);
            let clicks = match rng.below(1_000) {
                0 | 1 => 300, // a bot hammering one result list
                2..=301 => 1 + rng.below(3),
                _ => 0,
            };
            for _ in 0..clicks {
                kb.record_click(id, articles[rng.below(articles.len())])
                    .unwrap();
                total_clicks += 1;
            }
            let log = kb.analytics();
            assert!(log.records().len() <= retention.max_records());
        }
        let now = day_start + TimeDelta::days(1);
        kb.enforce_retention(&retention, now);
        let log = kb.analytics();
        let cutoff = now - retention.max_age();
        assert!(log.records().len() <= retention.max_records(), "day {day}");
        assert!(log.records().iter().all(|r| r.at >= cutoff), "day {day}");
        assert!(
            log.records()
                .iter()
                .all(|r| r.clicks.len() <= retention.max_clicks_per_search()),
            "day {day}"
        );
        assert!(log.stored_clicks() <= retention.max_records() * retention.max_clicks_per_search());
        // Clicked searches are never counted as gaps.
        assert!(
            log.records()
                .iter()
                .all(|r| r.click_count == 0 || !r.is_unanswered())
        );
        peak.records = peak.records.max(log.records().len());
        peak.clicks = peak.clicks.max(log.stored_clicks());
        peak.bytes = peak.bytes.max(log_bytes(log));
        peak.max_clicks_on_one = peak.max_clicks_on_one.max(
            log.records()
                .iter()
                .map(|r| r.clicks.len())
                .max()
                .unwrap_or(0),
        );
    }
    // Every click was accepted and counted as a view.
    let views: u64 = kb.articles().map(|a| a.counters.views).sum();
    views_before += total_clicks;
    assert_eq!(views, views_before);
    (peak, kb)
}

#[test]
fn search_analytics_stay_bounded_over_100_days() {
    // The default policy: 90 days, 100,000 records, 100 clicked articles a search.
    let (default_peak, kb) = simulate(AnalyticsRetention::default());
    assert_eq!(
        default_peak.records, 100_000,
        "the record cap binds before the age"
    );
    let stored = serde_json::to_string(kb.analytics()).unwrap();
    eprintln!(
        "default retention, 200,000 searches over 100 days: peak {} records ({} bytes each \
         before text), {} stored clicks (at most {} on one search), ~{:.1} MiB in memory, \
         {:.1} MiB as JSON",
        default_peak.records,
        std::mem::size_of::<SearchRecord>(),
        default_peak.clicks,
        default_peak.max_clicks_on_one,
        default_peak.bytes as f64 / 1048576.0,
        stored.len() as f64 / 1048576.0
    );
    assert!(default_peak.bytes < 25 * 1024 * 1024);
    // The stored log loads back under its own limits.
    let mut restarted = KnowledgeBase::new();
    let report = restarted.restore_analytics(serde_json::from_str(&stored).unwrap());
    assert_eq!(report.records_removed(), 0);

    // A tight policy: the age cap (20 days × 2,000) binds before the record cap,
    // and the per-search click cap cuts the bursts of 300 clicks.
    let tight = AnalyticsRetention::new(TimeDelta::days(20), 50_000, 5).unwrap();
    let (peak, kb) = simulate(tight);
    eprintln!(
        "20 days / 50,000 records / 5 clicks: peak {} records, {} stored clicks, ~{:.1} MiB",
        peak.records,
        peak.clicks,
        peak.bytes as f64 / 1048576.0
    );
    assert!(peak.records <= 40_000 + 2_000, "{}", peak.records);
    assert_eq!(peak.max_clicks_on_one, 5);
    let burst = kb
        .analytics()
        .records()
        .iter()
        .find(|r| r.click_count >= 300)
        .unwrap();
    assert_eq!(burst.clicks.len(), 5);
}

#[test]
fn one_search_with_a_million_clicks_stays_small() {
    let t = at("2026-01-05T09:00:00Z");
    let mut kb = KnowledgeBase::new();
    let mut articles = Vec::new();
    for i in 0..150 {
        let id = kb
            .create(
                ArticleDraft::new(format!("Article {i}"), "Body.").summary("S."),
                t,
            )
            .unwrap();
        articles.push(id);
    }
    let r = kb.search(&SearchQuery::new("article"), &Viewer::Employee);
    let s = kb.record_search(&r, t);
    for i in 0..1_000_000usize {
        kb.record_click(s, articles[i % articles.len()]).unwrap();
    }
    let rec = kb.analytics().get(s).unwrap();
    assert_eq!(rec.clicks.len(), 100, "the first 100 distinct articles");
    assert_eq!(rec.clicks, articles[..100]);
    assert_eq!(rec.click_count, 1_000_000);
    let views: u64 = kb.articles().map(|a| a.counters.views).sum();
    assert_eq!(views, 1_000_000, "every click still counts a view");
    // Tightening the policy trims what is stored, not what was counted.
    let report = kb.set_retention(AnalyticsRetention::new(TimeDelta::days(90), 10, 3).unwrap());
    assert_eq!(report.clicks_dropped, 97);
    let rec = kb.analytics().get(s).unwrap();
    assert_eq!((rec.clicks.len(), rec.click_count), (3, 1_000_000));
}

#[test]
fn restoring_an_oversized_log_applies_the_count_bounds() {
    let t = at("2026-01-05T09:00:00Z");
    let mut big = KnowledgeBase::new();
    let r = big.search(&SearchQuery::new("fax"), &Viewer::Employee);
    let article = big.create(ArticleDraft::new("Fax", "Body."), t).unwrap();
    for _ in 0..5 {
        let s = big.record_search(&r, t);
        big.record_click(s, article).unwrap();
    }
    let stored = serde_json::to_string(big.analytics()).unwrap();
    let mut small = KnowledgeBase::new()
        .with_retention(AnalyticsRetention::new(TimeDelta::days(1), 3, 1).unwrap());
    let report = small.restore_analytics(serde_json::from_str(&stored).unwrap());
    assert_eq!(report.over_limit, 2);
    let ids: Vec<u64> = small
        .analytics()
        .records()
        .iter()
        .map(|r| r.id.as_u64())
        .collect();
    assert_eq!(ids, [3, 4, 5], "the oldest went first");
    assert_eq!(small.retention().max_records(), 3);
    // The age bound waits for the sweep.
    let policy = *small.retention();
    let report = small.enforce_retention(&policy, t + TimeDelta::days(2));
    assert_eq!(report.expired, 3);
}
