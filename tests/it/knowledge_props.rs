//! Laws of the knowledge base, property-tested: no read path ever leaks an article
//! the viewer may not see (or one that is not live); search is deterministic and
//! independent of insertion order; indexing then removing an article restores the
//! previous ranking; no query string makes search or answers panic.

use hotcrm_support::ai::HeuristicAi;
use hotcrm_support::ids::KnowledgeNumber;
use hotcrm_support::knowledge::{
    KnowledgeBase, PortalTier, SearchFilters, SearchIndex, SearchQuery, Viewer, Visibility,
};
use proptest::prelude::*;

use crate::knowledge_corpus::{KINDS, REVIEWER, TOPICS, draft, now};

#[derive(Debug, Clone)]
struct Spec {
    topic: usize,
    kind: usize,
    visibility: Visibility,
    login: bool,
    tier: Option<PortalTier>,
    /// 0 draft, 1 in review, 2 published, 3 archived, 4 published then edited (open draft)
    stage: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..TOPICS.len(),
        0..KINDS.len(),
        prop::sample::select(Visibility::ALL.to_vec()),
        any::<bool>(),
        prop::option::of(prop::sample::select(PortalTier::ALL.to_vec())),
        0u8..5,
    )
        .prop_map(|(topic, kind, visibility, login, tier, stage)| Spec {
            topic,
            kind,
            visibility,
            login,
            tier,
            stage,
        })
}

fn viewer() -> impl Strategy<Value = Viewer> {
    prop_oneof![
        Just(Viewer::Anonymous),
        prop::sample::select(PortalTier::ALL.to_vec())
            .prop_map(|tier| Viewer::PortalCustomer { tier }),
        Just(Viewer::Partner),
        Just(Viewer::Employee),
    ]
}

const WORDS: &[&str] = &[
    "password",
    "reset",
    "invoice",
    "webhook",
    "sso",
    "saml",
    "export",
    "csv",
    "mobile",
    "app",
    "crash",
    "refund",
    "api",
    "429",
    "token",
    "slack",
    "gdpr",
    "dashboard",
    "sync",
    "login",
    "email",
    "pasword",
    "webho",
    "密码",
    "réinitialiser",
];

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS.to_vec()), 1..4).prop_map(|w| w.join(" "))
}

/// Builds a knowledge base from specs, numbering article i as KB-2026-(i+1).
fn build(specs: &[(usize, Spec)]) -> KnowledgeBase {
    let ai = HeuristicAi::new();
    let mut kb = KnowledgeBase::new();
    for (i, s) in specs {
        let mut d = draft(&TOPICS[s.topic], KINDS[s.kind])
            .visibility(s.visibility)
            .require_login(s.login);
        d.min_portal_tier = s.tier;
        let number = KnowledgeNumber::new(2026, *i as u32 + 1).unwrap();
        let id = kb.create_numbered(d.clone(), number, now()).unwrap();
        if s.stage >= 1 {
            kb.submit_for_review(id, REVIEWER, now()).unwrap();
        }
        if s.stage >= 2 {
            kb.publish(id, REVIEWER, now()).unwrap();
            let text = kb.embedding_text(id).unwrap();
            kb.set_embedding(id, ai.embed_text(&text).as_slice())
                .unwrap();
        }
        if s.stage == 3 {
            kb.archive(id, now()).unwrap();
        }
        if s.stage == 4 {
            d.content = "Edited draft about the zyxwvut flux capacitor.".into();
            kb.edit(id, d, now()).unwrap();
        }
    }
    kb
}

fn ranked(kb: &KnowledgeBase, q: &str, viewer: &Viewer) -> Vec<(KnowledgeNumber, u32)> {
    kb.search(&SearchQuery::new(q).limit(20), viewer)
        .hits
        .iter()
        .map(|h| (h.number, h.score.to_bits()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_read_path_leaks(specs in prop::collection::vec(spec(), 1..24), viewer in viewer(), q in query()) {
        let specs: Vec<(usize, Spec)> = specs.into_iter().enumerate().collect();
        let mut kb = build(&specs);
        let ai = HeuristicAi::new();
        let embedding = ai.embed_text(&q);
        let readable = |kb: &KnowledgeBase, id| viewer.can_read(kb.article(id).unwrap());
        for filters in [SearchFilters::default(), SearchFilters { visibility: Some(Visibility::Public), ..Default::default() }] {
            let query = SearchQuery::new(q.clone()).limit(50).filters(filters);
            for h in kb.search(&query, &viewer).hits {
                prop_assert!(readable(&kb, h.article), "search leaked {}", h.number);
            }
            for h in kb.hybrid_search(&query, Some(embedding.as_slice()), &viewer).unwrap().hits {
                prop_assert!(readable(&kb, h.article), "hybrid leaked {}", h.number);
            }
            for h in kb.vector_search(embedding.as_slice(), &viewer, &filters, 50).unwrap() {
                prop_assert!(readable(&kb, h.article), "vector leaked {}", h.number);
            }
        }
        for h in kb.related_to_text(&q, Some(embedding.as_slice()), &viewer, 10).unwrap() {
            prop_assert!(readable(&kb, h.article), "related_to_text leaked {}", h.number);
        }
        let ids: Vec<_> = kb.articles().map(|a| a.id).collect();
        for id in ids {
            for h in kb.related(id, &viewer, 5).unwrap() {
                prop_assert!(readable(&kb, h.article), "related leaked {}", h.number);
            }
        }
        let answer = kb.answer_extractive(&q, Some(embedding.as_slice()), &viewer, now()).unwrap();
        for n in answer.citations {
            let live = kb.live(n);
            prop_assert!(live.is_some_and(|a| viewer.can_read(a)), "answer cited {}", n);
        }
        // The edited drafts' text never surfaces.
        prop_assert!(kb.search(&SearchQuery::new("zyxwvut"), &Viewer::Employee).hits.is_empty());
    }

    #[test]
    fn search_is_deterministic_and_order_independent(specs in prop::collection::vec(spec(), 1..24), q in query(), viewer in viewer()) {
        let forward: Vec<(usize, Spec)> = specs.iter().cloned().enumerate().collect();
        let mut backward = forward.clone();
        backward.reverse();
        let a = build(&forward);
        let b = build(&backward);
        prop_assert_eq!(ranked(&a, &q, &viewer), ranked(&a, &q, &viewer));
        prop_assert_eq!(ranked(&a, &q, &viewer), ranked(&b, &q, &viewer));
    }

    #[test]
    fn index_then_remove_restores_the_ranking(
        specs in prop::collection::vec(spec(), 1..16),
        extra in spec(),
        q in query(),
    ) {
        let mut all: Vec<(usize, Spec)> = specs.into_iter().enumerate().collect();
        let extra_at = all.len();
        all.push((extra_at, Spec { stage: 0, ..extra }));
        let kb = build(&all);
        let extra_article = kb.articles().find(|a| a.number.sequence() as usize == extra_at + 1).unwrap().clone();
        let mut index = SearchIndex::default();
        for a in kb.articles().filter(|a| a.id != extra_article.id) {
            index.upsert(a);
        }
        let query = SearchQuery::new(q).limit(50);
        let before = index.search(&query, &Viewer::Employee);
        let vocabulary = index.vocabulary_len();
        index.upsert(&extra_article);
        prop_assert!(index.contains(extra_article.id));
        index.remove(extra_article.id);
        prop_assert_eq!(index.search(&query, &Viewer::Employee), before);
        prop_assert_eq!(index.vocabulary_len(), vocabulary);
    }

    #[test]
    fn no_query_panics(q in "\\PC{0,300}") {
        let specs: Vec<(usize, Spec)> = (0..8).map(|i| (i, Spec { topic: i, kind: i % 4, visibility: Visibility::Public, login: false, tier: None, stage: 2 })).collect();
        let mut kb = build(&specs);
        let _ = kb.search(&SearchQuery::new(q.clone()), &Viewer::Anonymous);
        let _ = kb.related_to_text(&q, None, &Viewer::Anonymous, 3).unwrap();
        let _ = kb.answer_extractive(&q, None, &Viewer::Anonymous, now());
        let _ = HeuristicAi::new().sentiment_text(&q);
        let _ = HeuristicAi::new().embed_text(&q);
    }
}

mod solution_index {
    use hotcrm_support::ids::{CaseId, KnowledgeNumber};
    use hotcrm_support::knowledge::{Analyzer, ResolvedCase, SolutionIndex, suggest_solution};
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "printer",
        "jammed",
        "paper",
        "login",
        "password",
        "rejected",
        "invoice",
        "vat",
        "export",
        "csv",
        "webhook",
        "failing",
        "tls",
        "certificate",
        "reset",
        "the",
        "is",
        "my",
    ];
    const FIXES: &[&str] = &[
        "Sent a reset link.",
        "Cleared the tray.",
        "Fixed the TLS certificate.",
    ];

    fn resolved() -> impl Strategy<Value = (u8, Vec<usize>, usize, bool)> {
        (
            0u8..12,
            prop::collection::vec(0..WORDS.len(), 1..6),
            0..FIXES.len(),
            any::<bool>(),
        )
    }

    fn case((id, words, fix, article): (u8, Vec<usize>, usize, bool)) -> ResolvedCase {
        let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
        let c = ResolvedCase::new(
            CaseId::from_u128(u128::from(id)),
            text.join(" "),
            FIXES[fix],
        );
        if article {
            c.with_article(KnowledgeNumber::new(2026, 1 + fix as u32).unwrap())
        } else {
            c
        }
    }

    /// The algorithm as it was before the index (analyses every case per call),
    /// kept as the reference: (resolution, based_on, similar cases).
    fn reference(
        analyzer: &Analyzer,
        text: &str,
        resolved: &[ResolvedCase],
    ) -> Option<(String, Vec<CaseId>, usize)> {
        use std::collections::{BTreeMap, HashSet};
        let query: HashSet<String> = analyzer.terms(text).into_iter().collect();
        if query.is_empty() || resolved.is_empty() {
            return None;
        }
        let case_terms: Vec<HashSet<String>> = resolved
            .iter()
            .map(|c| analyzer.terms(&c.text).into_iter().collect())
            .collect();
        let n = resolved.len() as f32;
        let mut query: Vec<String> = query.into_iter().collect();
        query.sort();
        let weights: Vec<(&String, f32)> = query
            .iter()
            .map(|t| {
                let df = case_terms.iter().filter(|s| s.contains(t)).count() as f32;
                (t, (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
            })
            .collect();
        let total: f32 = weights.iter().map(|(_, w)| w).sum();
        let mut similar: Vec<(usize, f32)> = case_terms
            .iter()
            .enumerate()
            .map(|(i, terms)| {
                let shared: f32 = weights
                    .iter()
                    .filter(|(t, _)| terms.contains(*t))
                    .map(|(_, w)| w)
                    .sum();
                (i, shared / total)
            })
            .filter(|(_, s)| *s >= hotcrm_support::knowledge::SIMILAR_CASE_THRESHOLD)
            .collect();
        if similar.is_empty() {
            return None;
        }
        similar.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut groups: BTreeMap<String, (usize, f32, Vec<usize>)> = BTreeMap::new();
        for &(i, sim) in &similar {
            let case = &resolved[i];
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
        let (_, (_, _, members)) = groups.into_iter().max_by(|a, b| {
            a.1.0
                .cmp(&b.1.0)
                .then(a.1.1.total_cmp(&b.1.1))
                .then(b.0.cmp(&a.0))
        })?;
        Some((
            resolved[members[0]].resolution.clone(),
            members.iter().map(|&i| resolved[i].case).collect(),
            similar.len(),
        ))
    }

    proptest! {
        /// The index is a cache: after any inserts (replacements and evictions
        /// included) it suggests what `suggest_solution` suggests over its cases,
        /// and it keeps the newest `capacity` distinct cases.
        #[test]
        fn suggests_what_suggest_solution_does_over_its_cases(
            inserts in prop::collection::vec(resolved(), 0..40),
            capacity in 0usize..10,
            query in prop::collection::vec(0..WORDS.len(), 0..5),
        ) {
            let analyzer = Analyzer::default();
            let mut index = SolutionIndex::new(analyzer, capacity);
            let mut model: Vec<ResolvedCase> = Vec::new();
            for raw in inserts {
                let c = case(raw);
                model.retain(|m| m.case != c.case);
                model.push(c.clone());
                let excess = model.len().saturating_sub(capacity);
                model.drain(..excess);
                index.insert(c);
            }
            let held: Vec<ResolvedCase> = index.cases().cloned().collect();
            prop_assert_eq!(&held, &model);
            let text: Vec<&str> = query.iter().map(|&w| WORDS[w]).collect();
            let text = text.join(" ");
            let fast = index.suggest(&text);
            let slow = suggest_solution(&analyzer, &text, &model);
            let fast = fast.map(|s| (s.resolution, s.based_on, s.similar_cases, s.text));
            let slow = slow.map(|s| (s.resolution, s.based_on, s.similar_cases, s.text));
            prop_assert_eq!(&fast, &slow);
            prop_assert_eq!(
                fast.map(|(r, b, n, _)| (r, b, n)),
                reference(&analyzer, &text, &model)
            );
        }
    }
}
