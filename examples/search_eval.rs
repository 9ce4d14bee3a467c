//! Search quality on real text nobody here wrote: known-item retrieval sets built
//! by `scripts/build_search_sets.py` (Debian package descriptions, man pages).
//!
//! Each set is indexed into a [`KnowledgeBase`] (every document a published public
//! article: its title and body), every document's query is searched, and the table
//! shows recall@1, recall@10, MRR@10 and per-query latency (p50/p99) for the
//! crate's BM25F search, hybrid search with `HeuristicAi` embeddings and vector
//! search, next to a plain Lucene BM25 implemented here (k1 1.2, b 0.75, lowercase
//! alphanumeric tokens, no stemming or stop words, title and body as one field,
//! idf `ln(1 + (N - df + 0.5) / (df + 0.5))`).
//!
//! ```text
//! python3 scripts/build_search_sets.py
//! cargo run --release --example search_eval -- target/search-sets/*.jsonl
//! ```
//!
//! `--ablation` adds one BM25 row per ranking rule switched off (see
//! `SearchRules`) and per analyzer rule switched off (stemming, stop words,
//! diacritic folding: `Analyzer`, each a fresh index); `--limit N` uses only the first N documents of each set;
//! `--bm25-only` skips the hybrid and vector rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hotcrm_support::ai::HeuristicAi;
use hotcrm_support::ids::{AgentId, ArticleId};
use hotcrm_support::knowledge::{
    Analyzer, ArticleDraft, KnowledgeBase, KnowledgePolicy, SearchFilters, SearchQuery,
    SearchRules, Viewer,
};

/// One known item: a document and the query that should find it.
struct Doc {
    title: String,
    body: String,
    query: String,
}

fn load(path: &str, limit: usize) -> Vec<Doc> {
    let text = std::fs::read_to_string(path).expect("read set");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(limit)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            Doc {
                title: s("title"),
                body: s("body"),
                query: s("query"),
            }
        })
        .collect()
}

/// Accumulated ranks and latencies of one method on one set.
#[derive(Default)]
struct Tally {
    ranks: Vec<Option<usize>>,
    latency: Vec<Duration>,
}

impl Tally {
    fn push(&mut self, rank: Option<usize>, took: Duration) {
        self.ranks.push(rank);
        self.latency.push(took);
    }

    fn row(&mut self, set: &str, method: &str) -> String {
        let n = self.ranks.len().max(1) as f64;
        let r1 = self.ranks.iter().filter(|r| **r == Some(0)).count() as f64 / n;
        let r10 = self.ranks.iter().filter(|r| r.is_some()).count() as f64 / n;
        let mrr = self
            .ranks
            .iter()
            .map(|r| r.map_or(0.0, |r| 1.0 / (r as f64 + 1.0)))
            .sum::<f64>()
            / n;
        self.latency.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latency.len() as f64 - 1.0) * p).round() as usize;
            self.latency.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
        };
        format!(
            "| {set} | {method} | {r1:.3} | {r10:.3} | {mrr:.3} | {:.0} | {:.0} | {:.0} |",
            pct(0.5),
            pct(0.99),
            pct(1.0)
        )
    }
}

/// Plain Lucene BM25 over lowercase alphanumeric tokens, title + body as one field.
struct Lucene {
    postings: HashMap<String, Vec<(u32, u32)>>,
    len: Vec<f32>,
    avg: f32,
}

fn lucene_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Lucene {
    fn new(docs: &[Doc]) -> Self {
        let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut len = Vec::with_capacity(docs.len());
        for (i, d) in docs.iter().enumerate() {
            let toks = lucene_tokens(&format!("{}\n{}", d.title, d.body));
            len.push(toks.len() as f32);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in toks {
                *tf.entry(t).or_default() += 1;
            }
            for (t, c) in tf {
                postings.entry(t).or_default().push((i as u32, c));
            }
        }
        let avg = len.iter().sum::<f32>() / len.len().max(1) as f32;
        Self { postings, len, avg }
    }

    fn search(&self, query: &str, k: usize) -> Vec<u32> {
        let (k1, b) = (1.2f32, 0.75f32);
        let n = self.len.len() as f32;
        let mut terms = lucene_tokens(query);
        terms.sort();
        terms.dedup();
        let mut score: HashMap<u32, f32> = HashMap::new();
        for t in &terms {
            let Some(list) = self.postings.get(t) else {
                continue;
            };
            let df = list.len() as f32;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(d, tf) in list {
                let tf = tf as f32;
                let norm = k1 * (1.0 - b + b * self.len[d as usize] / self.avg);
                *score.entry(d).or_default() += idf * tf * (k1 + 1.0) / (tf + norm);
            }
        }
        let mut hits: Vec<(f32, u32)> = score.into_iter().map(|(d, s)| (s, d)).collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(k);
        hits.into_iter().map(|h| h.1).collect()
    }
}

fn build_kb(
    docs: &[Doc],
    analyzer: Analyzer,
) -> (KnowledgeBase, HashMap<ArticleId, usize>, Duration) {
    let now = "2026-03-02T09:00:00Z".parse().unwrap();
    let reviewer = AgentId::from_u128(1);
    let policy = KnowledgePolicy {
        analyzer,
        ..KnowledgePolicy::default()
    };
    let mut kb = KnowledgeBase::with_policy(policy).expect("valid policy");
    let mut of = HashMap::new();
    let start = Instant::now();
    for (i, d) in docs.iter().enumerate() {
        // Review needs a summary: the body's first sentence, the rest is content
        // (the baseline sees the same text as title + body).
        let (summary, content) = split_summary(&d.body);
        let draft = ArticleDraft::new(d.title.clone(), content).summary(summary);
        let id = kb.create(draft, now).expect("create");
        kb.submit_for_review(id, reviewer, now).unwrap();
        kb.publish(id, reviewer, now).unwrap();
        of.insert(id, i);
    }
    (kb, of, start.elapsed())
}

/// The first sentence (cut at 300 bytes) and the rest of `body`.
fn split_summary(body: &str) -> (String, String) {
    let end = body
        .char_indices()
        .find(|&(i, c)| (c == '.' || c == '\n') && i > 20 || i >= 300)
        .map_or(body.len(), |(i, c)| i + c.len_utf8());
    let (a, b) = body.split_at(end);
    let rest = if b.trim().is_empty() { a } else { b };
    (a.trim().to_owned(), rest.trim().to_owned())
}

fn rank_of(ids: &[ArticleId], of: &HashMap<ArticleId, usize>, want: usize) -> Option<usize> {
    ids.iter().position(|id| of.get(id) == Some(&want))
}

fn main() {
    let mut paths = Vec::new();
    let mut ablation = false;
    let mut bm25_only = false;
    let mut limit = usize::MAX;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ablation" => ablation = true,
            "--bm25-only" => bm25_only = true,
            "--limit" => limit = args.next().and_then(|n| n.parse().ok()).unwrap_or(limit),
            _ => paths.push(a),
        }
    }
    println!("| set | method | R@1 | R@10 | MRR@10 | p50 µs | p99 µs | max µs |");
    println!("|---|---|---|---|---|---|---|---|");
    for path in &paths {
        let docs = load(path, limit);
        let set = std::path::Path::new(path)
            .file_stem()
            .map_or("set".into(), |s| s.to_string_lossy().into_owned());
        let set = format!("{set} ({})", docs.len());

        let lucene = Lucene::new(&docs);
        let mut t = Tally::default();
        for (i, d) in docs.iter().enumerate() {
            let start = Instant::now();
            let hits = lucene.search(&d.query, 10);
            t.push(hits.iter().position(|h| *h as usize == i), start.elapsed());
        }
        println!("{}", t.row(&set, "Lucene BM25 baseline"));

        let (mut kb, of, took) = build_kb(&docs, Analyzer::default());
        eprintln!("{set}: indexed in {:.0} ms", took.as_secs_f64() * 1e3);
        let viewer = Viewer::Anonymous;
        let run_with = |kb: &KnowledgeBase, of: &HashMap<ArticleId, usize>, name: &str| {
            let mut t = Tally::default();
            for (i, d) in docs.iter().enumerate() {
                let q = SearchQuery::new(d.query.clone()).limit(10);
                let start = Instant::now();
                let r = kb.search(&q, &viewer);
                let took = start.elapsed();
                t.push(rank_of(&r.ids(), of, i), took);
            }
            println!("{}", t.row(&set, name));
        };
        let run = |kb: &KnowledgeBase, name: &str| run_with(kb, &of, name);
        run(&kb, "crate BM25");
        if ablation {
            // Analyzer rules that can be switched: each needs its own index.
            for (name, analyzer) in [
                (
                    "stemming",
                    Analyzer {
                        stemming: false,
                        ..Analyzer::default()
                    },
                ),
                (
                    "stop words",
                    Analyzer {
                        stop_words: false,
                        ..Analyzer::default()
                    },
                ),
                (
                    "diacritic folding",
                    Analyzer {
                        fold_diacritics: false,
                        ..Analyzer::default()
                    },
                ),
            ] {
                let (kb2, of2, _) = build_kb(&docs, analyzer);
                run_with(&kb2, &of2, &format!("BM25 analyzer rule off: {name}"));
            }
            for (name, rules) in SearchRules::ablations() {
                kb.set_search_rules(rules);
                run(&kb, &format!("BM25 rule switched: {name}"));
            }
            kb.set_search_rules(SearchRules::default());
        }
        if bm25_only {
            continue;
        }

        let ai = HeuristicAi::new();
        for id in kb.missing_embeddings() {
            let text = kb.embedding_text(id).unwrap();
            kb.set_embedding(id, ai.embed_text(&text).as_slice())
                .unwrap();
        }
        let mut variants = vec![(
            "crate hybrid (HeuristicAi)".to_owned(),
            SearchRules::default(),
        )];
        if ablation {
            for w in [1.0, 0.25, 0.1, 0.05] {
                for fallback in [true, false] {
                    let mut r = SearchRules::default();
                    r.vector_weight = w;
                    r.vector_as_fallback = fallback;
                    variants.push((
                        format!("hybrid, vector weight {w}, as fallback {fallback}"),
                        r,
                    ));
                }
            }
        }
        for (name, rules) in variants {
            kb.set_search_rules(rules);
            let mut hybrid = Tally::default();
            for (i, d) in docs.iter().enumerate() {
                let q = SearchQuery::new(d.query.clone()).limit(10);
                let start = Instant::now();
                let e = ai.embed_text(&d.query).into_vec();
                let r = kb.hybrid_search(&q, Some(&e), &viewer).unwrap();
                hybrid.push(rank_of(&r.ids(), &of, i), start.elapsed());
            }
            println!("{}", hybrid.row(&set, &name));
        }
        kb.set_search_rules(SearchRules::default());
        let mut vector = Tally::default();
        for (i, d) in docs.iter().enumerate() {
            let start = Instant::now();
            let e = ai.embed_text(&d.query).into_vec();
            let hits = kb
                .vector_search(&e, &viewer, &SearchFilters::default(), 10)
                .unwrap();
            let ids: Vec<ArticleId> = hits.iter().map(|h| h.article).collect();
            vector.push(rank_of(&ids, &of, i), start.elapsed());
        }
        println!("{}", vector.row(&set, "crate vector (HeuristicAi)"));
    }
}
