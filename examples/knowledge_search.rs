//! Knowledge search: publish articles, search them as different viewers, answer a
//! customer's question with citations, and read the knowledge-gap report.
//!
//! Uses the deterministic offline `HeuristicAi` for embeddings and the extractive
//! answer, so it runs anywhere:
//!
//! ```text
//! cargo run --example knowledge_search
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use hotcrm_support::ai::{HeuristicAi, answer, embed_missing, hybrid_search};
use hotcrm_support::ids::AgentId;
use hotcrm_support::knowledge::{
    ArticleCategory, ArticleDraft, KnowledgeBase, PortalTier, SearchQuery, Viewer, Visibility,
};
use hotcrm_support::period::Period;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now: DateTime<Utc> = "2026-03-02T10:00:00Z".parse()?;
    let (author, reviewer) = (AgentId::new(), AgentId::new());
    let ai = HeuristicAi::new();
    let mut kb = KnowledgeBase::new();

    let articles = [
        (
            "How to Reset Your Password",
            ArticleCategory::Faq,
            Visibility::Public,
            "1. Go to the login page. 2. Click \"Forgot Password?\". 3. Enter your email address. 4. Open the link we send you and choose a new password.",
            "Reset a forgotten password from the login page.",
            vec!["password", "login"],
        ),
        (
            "Set up single sign-on with Okta",
            ArticleCategory::ProductGuide,
            Visibility::CustomerPortal,
            "In Okta, add the HotCRM app. Copy the SAML metadata URL into Settings > Security > SSO. Test with one user before enforcing SSO for everyone.",
            "Configure SAML SSO with Okta.",
            vec!["sso", "saml", "okta"],
        ),
        (
            "Download invoices as PDF",
            ArticleCategory::Faq,
            Visibility::Public,
            "Open Billing > Invoices. Pick the month. Click Download PDF. Invoices older than 24 months are available on request.",
            "Get a PDF copy of any invoice.",
            vec!["billing", "invoice", "pdf"],
        ),
        (
            "Escalation matrix for Platinum outages",
            ArticleCategory::BestPractices,
            Visibility::Internal,
            "Page the on-call engineer, open a bridge, update the status page every 30 minutes.",
            "Internal runbook for Platinum outages.",
            vec!["outage", "runbook"],
        ),
    ];
    for (title, category, visibility, content, summary, tags) in articles {
        let id = kb.create(
            ArticleDraft::new(title, content)
                .summary(summary)
                .category(category)
                .visibility(visibility)
                .tags(tags)
                .author(author),
            now - TimeDelta::days(30),
        )?;
        kb.submit_for_review(id, author, now - TimeDelta::days(29))?;
        kb.publish(id, reviewer, now - TimeDelta::days(28))?;
    }
    let embedded = embed_missing(&mut kb, &ai).await?;
    println!(
        "{} articles published, {embedded} embedded\n",
        kb.articles().count()
    );

    // The same query, three viewers: visibility is enforced on every path.
    let viewers = [
        ("anonymous visitor", Viewer::Anonymous),
        (
            "portal customer (Premium)",
            Viewer::PortalCustomer {
                tier: PortalTier::Premium,
            },
        ),
        ("employee", Viewer::Employee),
    ];
    for query in ["can't sign in", "okta saml", "outage runbook"] {
        println!("query {query:?}");
        for (who, viewer) in &viewers {
            let results = hybrid_search(&kb, &ai, &SearchQuery::new(query).limit(3), viewer).await;
            let titles: Vec<String> = results
                .hits
                .iter()
                .filter_map(|h| kb.article(h.article).ok())
                .map(|a| format!("{} {}", a.number, a.title))
                .collect();
            println!(
                "  {who:<27} -> {}",
                if titles.is_empty() {
                    "(nothing visible)".into()
                } else {
                    titles.join(" | ")
                }
            );
        }
    }

    // A grounded answer cites its sources; with nothing relevant it says so.
    for question in [
        "I forgot my password, what do I do?",
        "Can I pay with Bitcoin?",
    ] {
        let a = answer(&mut kb, &ai, question, &Viewer::Anonymous, now).await?;
        let cites: Vec<String> = a.citations.iter().map(ToString::to_string).collect();
        println!(
            "\nQ: {question}\nA: {}\n   cites [{}], confidence {:.2}, {:?}",
            a.text,
            cites.join(", "),
            a.confidence,
            a.outcome
        );
    }

    // Search analytics feed the knowledge-gap report.
    for _ in 0..3 {
        let results = kb.search(&SearchQuery::new("pay with bitcoin"), &Viewer::Anonymous);
        kb.record_search(&results, now);
    }
    let this_week = Period::new(now - TimeDelta::days(7), now + TimeDelta::hours(1))?;
    let report = kb.knowledge_gaps(this_week, now);
    println!("\nknowledge gaps this week:");
    for gap in &report.missing_topics {
        println!(
            "  {:?}: searched {} time(s), unanswered {}",
            gap.query, gap.searches, gap.unanswered
        );
    }
    for s in &report.suggestions {
        println!(
            "  suggested new {} article: {:?} (from {} searches)",
            s.category, s.title, s.searches
        );
    }
    Ok(())
}
