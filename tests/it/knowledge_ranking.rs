//! Ranking sanity on the 200-article support corpus: questions phrased the way
//! customers write them (not the titles) must find the right topic in the top 3,
//! with BM25 and with hybrid search over `HeuristicAi` embeddings — every one of
//! them, in both modes — except the few [`KNOWN_MISSES`], each with the rank it
//! must still reach and why it does not reach the top 3.
//!
//! The support-desk synonym table is opt-in ([`SearchRules::synonyms`]: it did not
//! help on real corpora outside the support domain); these queries are support-desk
//! phrasings, so the knowledge base here turns it on, as a help-desk host would.

use std::collections::HashMap;

use hotcrm_support::ai::{HeuristicAi, embed_missing, hybrid_search};
use hotcrm_support::ids::ArticleId;
use hotcrm_support::knowledge::{KnowledgeBase, SearchFilters, SearchQuery, SearchRules, Viewer};

use crate::knowledge_corpus::{Kind, TOPICS, corpus, product_of};

/// (query as a customer would type it, expected topic key)
const QUERIES: &[(&str, &str)] = &[
    (
        "I forgot my password and the email with the link never came",
        "password-reset",
    ),
    ("authenticator codes are not accepted", "2fa-setup"),
    (
        "set up okta so staff log in with their company account",
        "sso-saml",
    ),
    ("where can I get a pdf of last month's bill", "invoices"),
    ("I was billed twice this month", "refunds"),
    ("our card expired, how do we pay now", "payment-method"),
    ("switch from monthly to yearly billing", "subscription-plan"),
    (
        "getting too many requests errors from the api",
        "api-rate-limits",
    ),
    (
        "how do I generate a bearer token for the rest api",
        "api-keys",
    ),
    ("events are not delivered to my endpoint url", "webhooks"),
    ("get all my contacts into a spreadsheet", "data-export"),
    ("bring customers in from a csv file", "data-import"),
    ("iphone app closes right after opening", "mobile-app-crash"),
    ("use the android app without internet", "mobile-offline"),
    (
        "my phone does not alert me about new cases",
        "push-notifications",
    ),
    ("notification mails land in junk", "email-notifications"),
    ("turn mails to support@ into tickets", "email-to-case"),
    ("add a new colleague to our team", "invite-users"),
    ("limit what an agent is allowed to do", "roles-permissions"),
    ("employee left, remove their access", "deactivate-user"),
    (
        "customer asked us to erase everything we store about them",
        "gdpr-deletion",
    ),
    ("post new tickets into a slack channel", "slack-integration"),
    ("meetings from outlook do not show up", "calendar-sync"),
    ("dashboards take forever to load", "slow-performance"),
    ("is the service down right now", "status-outage"),
    ("pie chart of cases per agent", "dashboards"),
    ("response time targets per customer tier", "sla-policies"),
    (
        "public holidays should not count toward deadlines",
        "business-hours",
    ),
    (
        "assign tickets automatically with round robin",
        "case-routing",
    ),
    (
        "let customers track their tickets online",
        "customer-portal",
    ),
    ("embed chat on our website", "chat-widget"),
    ("canned responses for common answers", "macros-templates"),
    ("who exported data last week", "audit-log"),
    ("only allow logins from the office network", "ip-allowlist"),
    ("help center on our own domain with https", "custom-domain"),
    ("upload a screenshot to a ticket", "attachments"),
    (
        "rate the support experience after closing",
        "satisfaction-surveys",
    ),
    ("show dates in my local time", "time-zone-language"),
    ("cancel and delete our workspace", "account-deletion"),
    ("test configuration changes before going live", "sandbox"),
    // Topics the first 40 do not cover, and more "who" and permission phrasings.
    (
        "can't get into my account even though my password is right",
        "login-issues",
    ),
    (
        "we hired five people and need more licenses",
        "seats-licenses",
    ),
    (
        "changes made in salesforce don't show up here",
        "salesforce-sync",
    ),
    (
        "table of cases grouped by product for last quarter",
        "reports",
    ),
    (
        "angry customer wants to talk to a supervisor",
        "case-escalation",
    ),
    ("write help docs for our customers", "knowledge-articles"),
    (
        "store an extra piece of information on each contact",
        "custom-fields",
    ),
    (
        "send an email automatically when a case changes status",
        "workflow-automation",
    ),
    (
        "agents should not be permitted to delete records",
        "roles-permissions",
    ),
    // Once known misses: "older" did not meet "old" (now a comparative of a common
    // adjective), and "apps ... code" pointed at the 2FA authenticator app until
    // "connect" met "integration" and "without writing code" the automation
    // synonyms.
    (
        "automatically remove closed tickets older than two years",
        "data-retention",
    ),
    ("connect to other apps without writing code", "zapier"),
];

/// Queries whose topic is found, but not in the top 3: (query, topic, rank it
/// must reach). Each is a measured trade-off, not a wish list; see the comments.
const KNOWN_MISSES: &[(&str, &str, usize)] = &[
    // Snowball gives "deleted", "deletion" and "delete" one stem. The four
    // GDPR-deletion articles have that stem in title, tags and summary and also
    // say "contact"; the audit-log articles say "who" and "deleted" but not
    // "contact". The exact-form bonus (SearchRules::exact_forms) lifts the
    // audit log from 5th to 4th; a bonus weight of 1.0 instead of 0.5 ranks it
    // first, but lowers MRR@10 on both real sets (Debian 0.835 -> 0.832, man
    // pages 0.615 -> 0.611): that would tune the engine to this query.
    ("who deleted this contact", "audit-log", 5),
];

/// The corpus with the support-desk synonyms switched on.
fn support_corpus() -> (KnowledgeBase, Vec<(ArticleId, &'static str, Kind)>) {
    let (mut kb, ids) = corpus();
    let mut rules = SearchRules::default();
    rules.synonyms = true;
    kb.set_search_rules(rules);
    (kb, ids)
}

fn topic_by_id(ids: &[(ArticleId, &'static str, Kind)]) -> HashMap<ArticleId, &'static str> {
    ids.iter().map(|(id, key, _)| (*id, *key)).collect()
}

fn misses(
    kb: &KnowledgeBase,
    results: impl Fn(&str) -> Vec<ArticleId>,
    topics: &HashMap<ArticleId, &str>,
) -> Vec<String> {
    QUERIES
        .iter()
        .filter_map(|(q, want)| {
            let got: Vec<&str> = results(q).iter().map(|id| topics[id]).collect();
            (!got.contains(want)).then(|| format!("{q:?}: want {want}, got {got:?}"))
        })
        .inspect(|_| assert!(kb.index().len() >= 200))
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn known_misses_stay_within_their_rank() {
    let (mut kb, ids) = support_corpus();
    let ai = HeuristicAi::new();
    embed_missing(&mut kb, &ai).await.unwrap();
    let topics = topic_by_id(&ids);
    for (q, want, rank) in KNOWN_MISSES {
        let query = SearchQuery::new(*q).limit(*rank);
        let bm25 = kb.search(&query, &Viewer::Employee).ids();
        let hybrid = hybrid_search(&kb, &ai, &query, &Viewer::Employee)
            .await
            .ids();
        for (mode, got) in [("bm25", bm25), ("hybrid", hybrid)] {
            let got: Vec<&str> = got.iter().map(|id| topics[id]).collect();
            assert!(
                got.contains(want),
                "{mode} {q:?}: want {want} in the top {rank}, got {got:?}"
            );
        }
    }
}

#[test]
fn corpus_has_at_least_200_articles_over_50_topics() {
    let (kb, ids) = corpus();
    assert!(ids.len() >= 200);
    assert_eq!(kb.index().len(), ids.len());
    assert_eq!(TOPICS.len(), 50);
}

#[test]
fn bm25_finds_the_right_topic_in_the_top_3() {
    let (kb, ids) = support_corpus();
    let topics = topic_by_id(&ids);
    let misses = misses(
        &kb,
        |q| {
            kb.search(&SearchQuery::new(q).limit(3), &Viewer::Employee)
                .ids()
        },
        &topics,
    );
    assert!(
        misses.is_empty(),
        "{} of {} missed:\n{}",
        misses.len(),
        QUERIES.len(),
        misses.join("\n")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn hybrid_finds_the_right_topic_in_the_top_3() {
    let (mut kb, ids) = support_corpus();
    let ai = HeuristicAi::new();
    assert_eq!(embed_missing(&mut kb, &ai).await.unwrap(), ids.len());
    let topics = topic_by_id(&ids);
    let mut found = HashMap::new();
    for (q, _) in QUERIES {
        let r = hybrid_search(&kb, &ai, &SearchQuery::new(*q).limit(3), &Viewer::Employee).await;
        found.insert(*q, r.ids());
    }
    let misses = misses(&kb, |q| found[q].clone(), &topics);
    assert!(
        misses.is_empty(),
        "{} of {} missed:\n{}",
        misses.len(),
        QUERIES.len(),
        misses.join("\n")
    );
}

#[test]
fn troubleshooting_phrasing_prefers_the_troubleshooting_article() {
    let (kb, ids) = corpus();
    let kinds: HashMap<ArticleId, Kind> = ids.iter().map(|(id, _, k)| (*id, *k)).collect();
    for q in [
        "reset link expired",
        "webhook endpoint was disabled after failures",
        "saml response signature invalid",
    ] {
        let r = kb.search(&SearchQuery::new(q).limit(3), &Viewer::Employee);
        assert!(
            r.ids()
                .iter()
                .any(|id| matches!(kinds[id], Kind::Troubleshooting | Kind::Faq)),
            "{q:?}: {:?}",
            r.ids().iter().map(|id| kinds[id]).collect::<Vec<_>>()
        );
    }
}

#[test]
fn filters_restrict_results() {
    let (kb, ids) = corpus();
    let product = product_of(0);
    let r = kb.search(
        &SearchQuery::new("password")
            .limit(50)
            .filters(SearchFilters {
                product: Some(product),
                ..Default::default()
            }),
        &Viewer::Employee,
    );
    assert!(!r.hits.is_empty());
    for h in &r.hits {
        assert_eq!(kb.article(h.article).unwrap().product, Some(product));
    }
    let faq = r.hits.len();
    let r = kb.search(
        &SearchQuery::new("password")
            .limit(50)
            .filters(SearchFilters {
                category: Some(hotcrm_support::knowledge::ArticleCategory::Faq),
                ..Default::default()
            }),
        &Viewer::Employee,
    );
    assert!(
        r.hits
            .iter()
            .all(|h| kb.article(h.article).unwrap().category
                == hotcrm_support::knowledge::ArticleCategory::Faq)
    );
    assert!(faq > 0 && !ids.is_empty());
}
