//! Predictions through the desk: SLA targets for a would-be case, article
//! recommendations with a cited answer, breach and resolution-time
//! predictions from a model learned from the repository, workload plans.
//!
//! Every entry point here only reads: nothing is committed to the repository.
//! The sweep's `BreachPredicted` events (see [`PredictionConfig::sweep_threshold`])
//! are written by [`SupportDesk::sweep`] in the case's own commit.
//!
//! # The cached model
//!
//! [`SupportDesk::predict_breach`], [`SupportDesk::predict_resolution`],
//! [`SupportDesk::optimize_workload`] and the sweep use one
//! [`ResolutionModel`] per desk, fitted on the repository's cases — resolved
//! ones as events, open ones as censored observations, each on its SLA
//! calendar, at most [`PredictionConfig::max_observations`] of the most
//! recently created. It is fitted on first use and fitted again, on the next
//! prediction, once either
//!
//! - [`PredictionConfig::refit_after_resolutions`] cases were resolved through
//!   this desk since the fit (default 100), or
//! - the fit is [`PredictionConfig::refit_after`] old on the desk's clock
//!   (default 24 hours; this catches resolutions made by other desks sharing
//!   the store),
//!
//! or at once with [`SupportDesk::refit_predictions`]. Memory: one model,
//! whose size grows with the distinct (group, minute) pairs of at most
//! `max_observations` cases.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::unit::{Tx, is_active};
use super::{SupportDesk, best_entitlement};
use crate::calendar::BusinessHours;
use crate::case::{Case, CaseEvent, CaseQuery, CaseStatus, Origin, Priority};
use crate::error::{Error, Result};
use crate::ids::{
    AccountId, AgentId, ArticleId, CaseId, ContractId, KnowledgeNumber, QueueId, SkillId,
};
use crate::knowledge::{Answer, Viewer};
use crate::routing::{AgentStatus, Router};
use crate::sla::predict::workload::{
    SkillDemand, WorkloadAgent, WorkloadCase, WorkloadConfig, WorkloadPlan,
};
use crate::sla::predict::{
    BreachContext, BreachPolicy, BreachPrediction, Observation, PredictConfig, ResolutionModel,
    ResolutionPrediction,
};
use crate::sla::{Coverage, MilestoneKind, SlaTier};

/// How the desk predicts: the model's settings, the recommendation policy,
/// the workload optimiser's settings, when the cached model is fitted again,
/// and whether the sweep raises breach predictions.
///
/// | field | default | meaning |
/// | --- | --- | --- |
/// | `model` | min sample 30 | [`PredictConfig`] of the fit |
/// | `policy` | [`BreachPolicy::default`] | recommendation bands and risk thresholds |
/// | `workload` | [`WorkloadConfig::default`] | horizon, threshold, staffing target |
/// | `refit_after_resolutions` | 100 | resolutions through this desk that make the model stale |
/// | `refit_after` | 24 hours | age (desk clock) that makes the model stale |
/// | `max_observations` | 100,000 | most recently created cases the model learns from |
/// | `sweep_threshold` | `None` (off) | probability from which the sweep raises `BreachPredicted` |
///
/// # The cached model
///
/// [`SupportDesk::predict_breach`], [`SupportDesk::predict_resolution`],
/// [`SupportDesk::optimize_workload`] and the sweep share one
/// [`ResolutionModel`] per desk, fitted on the repository's cases — resolved
/// ones as events, open ones as censored observations, each on its SLA
/// calendar, at most `max_observations` of the most recently created. It is
/// fitted on first use and again, on the next prediction, once
/// `refit_after_resolutions` cases were resolved through this desk since the
/// fit or the fit is `refit_after` old on the desk's clock (which catches
/// resolutions by other desks sharing the store), or at once with
/// [`SupportDesk::refit_predictions`].
///
/// ```
/// use hotcrm_support::desk::DeskConfig;
/// let mut config = DeskConfig::default();
/// assert_eq!(config.predictions.sweep_threshold, None);
/// config.predictions.sweep_threshold = Some(0.8);
/// config.predictions.validate()?;
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PredictionConfig {
    /// Settings of the model's fit.
    pub model: PredictConfig,
    /// Recommendation bands and risk-factor thresholds of breach predictions.
    pub policy: BreachPolicy,
    /// Settings of [`SupportDesk::optimize_workload`].
    pub workload: WorkloadConfig,
    /// Resolutions through this desk after which the cached model is fitted
    /// again on the next prediction (0: after every resolution).
    pub refit_after_resolutions: usize,
    /// Age on the desk's clock after which the cached model is fitted again.
    pub refit_after: TimeDelta,
    /// How many cases (the most recently created) the model learns from.
    pub max_observations: usize,
    /// When set, [`SupportDesk::sweep`] raises
    /// [`CaseEvent::BreachPredicted`] once per open case whose predicted
    /// probability of missing its Resolution target reaches this value (while
    /// the target is still ahead). Off by default; 0.8 is a reasonable start.
    pub sweep_threshold: Option<f64>,
}

impl Default for PredictionConfig {
    fn default() -> Self {
        PredictionConfig {
            model: PredictConfig::default(),
            policy: BreachPolicy::default(),
            workload: WorkloadConfig::default(),
            refit_after_resolutions: 100,
            refit_after: TimeDelta::hours(24),
            max_observations: 100_000,
            sweep_threshold: None,
        }
    }
}

impl PredictionConfig {
    /// Checks the policy, the workload settings, a threshold in `(0, 1]`, a
    /// positive `refit_after` and at least one observation.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field.
    ///
    /// ```
    /// use hotcrm_support::desk::PredictionConfig;
    /// let mut c = PredictionConfig::default();
    /// c.sweep_threshold = Some(1.5);
    /// assert!(c.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        self.policy.validate()?;
        self.workload.validate()?;
        if let Some(t) = self.sweep_threshold {
            if !(t > 0.0 && t <= 1.0) {
                return Err(Error::validation(
                    "sweep_threshold",
                    format!("must be in (0, 1], got {t}"),
                ));
            }
        }
        if self.refit_after <= TimeDelta::zero() {
            return Err(Error::validation(
                "refit_after",
                format!("must be positive, got {}", self.refit_after),
            ));
        }
        if self.max_observations == 0 {
            return Err(Error::validation(
                "max_observations",
                "must be at least 1, got 0",
            ));
        }
        Ok(())
    }
}

/// What the cached model was fitted on.
///
/// ```
/// # use hotcrm_support::desk::ModelInfo;
/// fn stale(info: &ModelInfo) -> bool { info.resolutions_since_fit > 100 }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelInfo {
    /// When it was fitted (desk clock).
    pub fitted_at: DateTime<Utc>,
    /// Cases it learned from.
    pub observations: usize,
    /// Of those, resolved ones (the rest were open, censored).
    pub resolved: usize,
    /// Resolutions through this desk since the fit.
    pub resolutions_since_fit: usize,
}

/// The desk's cached model and its staleness counter.
#[derive(Debug, Default)]
pub(super) struct PredictionState {
    fitted: Option<Arc<Fitted>>,
    resolutions_since_fit: usize,
}

#[derive(Debug)]
pub(super) struct Fitted {
    pub(super) model: ResolutionModel,
    fitted_at: DateTime<Utc>,
    observations: usize,
    resolved: usize,
}

/// The SLA a case would get: tier (from the account's best active
/// entitlement), the targets as business time and their due instants on the
/// SLA calendar, as [`SupportDesk::create_case`] would set them.
///
/// ```
/// # use hotcrm_support::desk::SlaTargets;
/// fn hours_to_respond(t: &SlaTargets) -> i64 { t.first_response.num_hours() }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlaTargets {
    /// The tier.
    pub tier: SlaTier,
    /// The contract of the entitlement that gave it (`None`: Standard by default).
    pub contract: Option<ContractId>,
    /// Whether the clock runs in business hours or 24x7.
    pub coverage: Coverage,
    /// The first-response target, business time.
    pub first_response: TimeDelta,
    /// The resolution target, business time.
    pub resolution: TimeDelta,
    /// When the first response is due.
    pub first_response_due: DateTime<Utc>,
    /// When the resolution is due (before any pause extends it).
    pub resolution_due: DateTime<Utc>,
}

/// A recommended article with its relevance.
///
/// ```
/// # use hotcrm_support::desk::RecommendedArticle;
/// fn label(a: &RecommendedArticle) -> String { format!("{} {} ({:.2})", a.number, a.title, a.score) }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecommendedArticle {
    /// The article.
    pub article: ArticleId,
    /// Its number, as cited.
    pub number: KnowledgeNumber,
    /// Its title.
    pub title: String,
    /// The search score (higher is more relevant; comparable within one call).
    pub score: f32,
    /// How well it matched, 0–1 (share of the query's terms found, or the
    /// embedding similarity when higher).
    pub relevance: f32,
}

/// What [`SupportDesk::recommend_articles`] returns.
///
/// ```
/// # use hotcrm_support::desk::ArticleRecommendations;
/// fn cited(r: &ArticleRecommendations) -> usize { r.answer.citations.len() }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ArticleRecommendations {
    /// The articles, most relevant first.
    pub articles: Vec<RecommendedArticle>,
    /// A suggested answer to the case, citing the articles it is drawn from
    /// (a "not found" answer when none is relevant).
    pub answer: Answer,
}

impl SupportDesk {
    /// The tier and SLA targets a case of `account` with `priority` opened at
    /// `created` would get: the account's best active entitlement at that
    /// instant, the desk's SLA policy on the account's calendar (or the
    /// desk's), due instants on the tier's SLA calendar — exactly what
    /// [`SupportDesk::create_case`] sets. Reads only.
    ///
    /// ```
    /// use hotcrm_support::case::Priority;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::{AccountId, ContractId};
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// use hotcrm_support::sla::{Entitlement, SlaTier};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// let mut account = Account::new(AccountId::from_u128(1), "Acme");
    /// account.entitlements.push(Entitlement::new(ContractId::from_u128(9), SlaTier::Gold));
    /// repo.put_account(&account, None).await?;
    /// let desk = SupportDesk::builder(repo).build();
    /// let t = desk.calculate_sla_targets(account.id, Priority::High, "2026-01-05T09:00:00Z".parse()?).await?;
    /// assert_eq!(t.tier, SlaTier::Gold);
    /// assert_eq!(t.first_response_due.to_rfc3339(), "2026-01-05T11:00:00+00:00"); // Gold: 2h, 24x7
    /// assert_eq!(t.resolution_due.to_rfc3339(), "2026-01-05T17:00:00+00:00"); // 8h
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown account; [`Error::NeverOpen`] when the
    /// SLA calendar never opens; storage errors.
    pub async fn calculate_sla_targets(
        &self,
        account: AccountId,
        priority: Priority,
        created: DateTime<Utc>,
    ) -> Result<SlaTargets> {
        let account = self.repo.get_account(account).await?.value;
        let entitlement = best_entitlement(&account.entitlements, created);
        let tier = SlaTier::from_entitlement(entitlement.as_ref(), created);
        let facts = crate::sla::PolicyFacts {
            region: account.region.as_deref(),
            ..crate::sla::PolicyFacts::new(account.id, priority)
        };
        let chosen = self
            .config
            .sla_policies
            .select(&facts, created)
            .map(|v| v.reference());
        let rules = self.rules_on(account.business_hours.as_ref(), chosen.as_ref());
        let policy = rules.sla();
        let calendar = policy.calendar(tier, priority, rules.hours());
        let target = |kind| {
            policy.target(tier, priority, kind).ok_or_else(|| {
                Error::validation("sla target", format!("no {kind} target for {tier}"))
            })
        };
        let first_response = target(MilestoneKind::FirstResponse)?;
        let resolution = target(MilestoneKind::Resolution)?;
        Ok(SlaTargets {
            tier,
            contract: entitlement.map(|e| e.contract),
            coverage: policy.targets(tier, priority).coverage,
            first_response,
            resolution,
            first_response_due: calendar.add(created, first_response)?,
            resolution_due: calendar.add(created, resolution)?,
        })
    }

    /// Up to `top_n` published articles related to case `id` (its subject and
    /// description, hybrid search with the provider's embedding when articles
    /// have embeddings, as an employee sees them), with their scores, and a
    /// suggested answer citing the articles it draws from
    /// ([`SupportDesk::answer`] on the same text, or on the subject alone when
    /// the whole text retrieves no article good enough to answer from). Nothing is written to the
    /// repository; like any answer, the question is recorded in the desk's
    /// (in-memory) search analytics.
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// use hotcrm_support::ids::{AccountId, AgentId};
    /// use hotcrm_support::knowledge::{AnswerOutcome, ArticleDraft};
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_account(&Account::new(AccountId::from_u128(1), "Acme"), None).await?;
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let desk = SupportDesk::builder(repo).clock(ManualClock::new(now)).build();
    /// desk.with_knowledge_mut(|kb| -> hotcrm_support::Result<()> {
    ///     let id = kb.create(ArticleDraft::new("Export invoices to CSV", "Open Billing, then click Export to download invoices as CSV.")
    ///         .summary("Billing, then Export."), now)?;
    ///     kb.submit_for_review(id, AgentId::from_u128(1), now)?;
    ///     kb.publish(id, AgentId::from_u128(2), now).map(drop)
    /// })?;
    /// let case = desk.create_case(CaseRequest::new(AccountId::from_u128(1), "How do I export invoices?", "I need my invoices as CSV.")).await?;
    /// let r = desk.recommend_articles(case.case.value.id, 3).await?;
    /// assert_eq!(r.articles.len(), 1);
    /// assert!(r.articles[0].score > 0.0);
    /// assert_ne!(r.answer.outcome, AnswerOutcome::NoRelevantArticle);
    /// assert_eq!(r.answer.citations, [r.articles[0].number]);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case; storage errors. Provider
    /// failures are not errors (BM25 and the extractive answer take over).
    pub async fn recommend_articles(
        &self,
        id: CaseId,
        top_n: usize,
    ) -> Result<ArticleRecommendations> {
        let case = self.repo.get_case(id).await?.value;
        let text = format!("{}\n{}", case.subject, case.description);
        let question = crate::knowledge::cut_query(&text);
        let embedding = self.embed_query(question).await;
        let articles = self.with_knowledge(|kb| {
            let hits = kb
                .related_to_text(question, embedding.as_deref(), &Viewer::Employee, top_n)
                .or_else(|_| kb.related_to_text(question, None, &Viewer::Employee, top_n))?;
            Ok::<_, Error>(
                hits.into_iter()
                    .take(top_n)
                    .map(|h| RecommendedArticle {
                        article: h.article,
                        number: h.number,
                        title: kb
                            .article(h.article)
                            .map(|a| a.title.clone())
                            .unwrap_or_default(),
                        score: h.score,
                        relevance: h.match_quality.max(h.similarity.unwrap_or(0.0)),
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        // The whole text dilutes a short question: when it retrieves nothing
        // good enough to answer from, ask with the subject alone.
        let whole_answers = self.with_knowledge(|kb| {
            crate::ai::plan_answer(kb, question, embedding.as_deref(), &Viewer::Employee)
                .is_ok_and(|plan| plan.is_some())
        });
        let asked = if whole_answers {
            question
        } else {
            crate::knowledge::cut_query(&case.subject)
        };
        let answer = self.answer(asked, &Viewer::Employee).await?;
        Ok(ArticleRecommendations { articles, answer })
    }

    /// The probability that open case `id` misses its Resolution target, at
    /// the desk clock's `now` (paused time excluded), from the cached model
    /// (see [`PredictionConfig`] for when it is fitted), with the risk factors the desk knows
    /// (the case's sentiment, reopens and pauses; its queue's backlog and its
    /// owner's load from the router) and a recommendation under
    /// [`PredictionConfig::policy`]. Reads only.
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_account(&Account::new(AccountId::from_u128(1), "Acme"), None).await?;
    /// let desk = SupportDesk::builder(repo).clock(ManualClock::new("2026-01-05T09:00:00Z".parse()?)).build();
    /// let case = desk.create_case(CaseRequest::new(AccountId::from_u128(1), "VPN down", "since 9am")).await?;
    /// let p = desk.predict_breach(case.case.value.id).await?;
    /// // One open case and no history: the data cannot say, and say so.
    /// assert!(p.estimate.beyond_data);
    /// assert_eq!(p.estimate.sample_size, 1);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case; [`Error::NotAllowed`] for a
    /// case whose Resolution milestone is completed; storage errors.
    pub async fn predict_breach(&self, id: CaseId) -> Result<BreachPrediction> {
        let case = self.repo.get_case(id).await?.value;
        let calendar = self.sla_calendar_of(&case).await?;
        let fitted = self.fitted_model().await?;
        let now = self.clock.now().max(case.updated_at);
        let context = self
            .with_router(|router| breach_context(&case, &calendar, now, router))
            .await?;
        fitted.model.predict_breach(
            &case,
            &calendar,
            now,
            &context,
            &self.config.predictions.policy,
        )
    }

    /// When open case `id` will be resolved: P50/P80/P90 of the remaining
    /// business time given the time already elapsed, as minutes and as due
    /// instants on its SLA calendar from the desk clock's `now`, with the
    /// group used, its sample size, confidence and factors — from the cached
    /// model (see [`PredictionConfig`] for when it is fitted). Reads only.
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// use hotcrm_support::ids::AccountId;
    /// use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let repo = MemoryRepository::new();
    /// repo.put_account(&Account::new(AccountId::from_u128(1), "Acme"), None).await?;
    /// let desk = SupportDesk::builder(repo).clock(ManualClock::new("2026-01-05T09:00:00Z".parse()?)).build();
    /// let case = desk.create_case(CaseRequest::new(AccountId::from_u128(1), "VPN down", "since 9am")).await?;
    /// let p = desk.predict_resolution(case.case.value.id).await?;
    /// assert!(p.p50.is_none()); // nothing resolved yet: beyond the data
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case; [`Error::NotAllowed`] for a
    /// case whose Resolution milestone is completed; storage errors.
    pub async fn predict_resolution(&self, id: CaseId) -> Result<ResolutionPrediction> {
        let case = self.repo.get_case(id).await?.value;
        let calendar = self.sla_calendar_of(&case).await?;
        let fitted = self.fitted_model().await?;
        let now = self.clock.now().max(case.updated_at);
        fitted.model.predict_resolution(&case, &calendar, now)
    }

    /// [`SupportDesk::optimize_workload_with`] without staffing demand (no
    /// AddAgents recommendations).
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::QueueId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// // No router stored, so no queue.
    /// assert!(desk.optimize_workload(QueueId::from_u128(1)).await.is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::optimize_workload_with`].
    pub async fn optimize_workload(&self, queue: QueueId) -> Result<WorkloadPlan> {
        self.optimize_workload_with(queue, &[]).await
    }

    /// The workload plan of `queue` at the desk clock's `now`:
    /// [`optimize_workload`](crate::sla::predict::workload::optimize_workload)
    /// on the queue's members (capacity, load and skills from the stored
    /// router; available when their status is Available; each agent's channel
    /// is the one most of their open assignments came by, Web when they hold
    /// none) and the queue's open cases (owner, channel, the skills the router
    /// requires of them, their breach probability and remaining business
    /// minutes from the cached model), with `demand` for the staffing
    /// estimate, under [`PredictionConfig::workload`]. Reads only.
    ///
    /// See `tests/it/predict_desk.rs` for a full example with a roster.
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::{QueueId, SkillId};
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::sla::predict::workload::SkillDemand;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let demand = [SkillDemand { skill: SkillId::from_u128(1), arrivals_per_hour: 6.0, mean_handle_minutes: 20.0, agents_next_shift: 2 }];
    /// let err = desk.optimize_workload_with(QueueId::from_u128(1), &demand).await.unwrap_err();
    /// assert!(matches!(err, hotcrm_support::Error::NotFound { kind: "queue", .. }));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for a queue the stored router does not have (or no
    /// router); [`Error::Validation`] for a demand the staffing estimate
    /// refuses or invalid settings; storage errors.
    pub async fn optimize_workload_with(
        &self,
        queue: QueueId,
        demand: &[SkillDemand],
    ) -> Result<WorkloadPlan> {
        let not_found = || Error::NotFound {
            kind: "queue",
            id: queue.to_string(),
        };
        let roster = self
            .with_router(|router| -> Result<Roster> {
                let router = router.ok_or_else(not_found)?;
                let members = &router.queue(queue).ok_or_else(not_found)?.members;
                Ok(roster(router, members))
            })
            .await??;
        let fitted = self.fitted_model().await?;
        let query = CaseQuery {
            queue: Some(queue),
            exclude_statuses: vec![CaseStatus::Resolved, CaseStatus::Closed],
            ..CaseQuery::default()
        };
        let open = self.all_cases(&query).await?;
        let mut calendars = CalendarCache::default();
        let mut cases = Vec::with_capacity(open.len());
        for case in &open {
            if !is_active(case) || case.milestones.resolution.is_completed() {
                continue;
            }
            let calendar = calendars.get(self, case).await?;
            let now = self.clock.now().max(case.updated_at);
            let observation = Observation::from_case(case, &calendar, now);
            let target = whole_minutes(case.milestones.resolution.target);
            let estimate =
                fitted
                    .model
                    .breach_estimate(&observation.stratum, observation.minutes, target);
            let mut w = WorkloadCase::new(
                case.id,
                case.origin,
                estimate.probability,
                estimate.remaining_minutes,
            );
            if let Some(owner) = case.owner {
                w = w.owned_by(owner);
            }
            for &(skill, level) in roster.required.get(&case.id).into_iter().flatten() {
                w = w.requiring(skill, level);
            }
            cases.push(w);
        }
        crate::sla::predict::workload::optimize_workload(
            &roster.agents,
            &cases,
            demand,
            &self.config.predictions.workload,
        )
    }

    /// Fits the prediction model again now, on the repository's current
    /// cases, and returns what it learned from.
    ///
    /// ```
    /// use hotcrm_support::clock::ManualClock;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::repo::MemoryRepository;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).clock(ManualClock::new("2026-01-05T09:00:00Z".parse()?)).build();
    /// assert!(desk.prediction_model().is_none());
    /// let info = desk.refit_predictions().await?;
    /// assert_eq!((info.observations, info.resolved), (0, 0));
    /// assert_eq!(desk.prediction_model(), Some(info));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Storage errors; [`Error::Validation`] for invalid
    /// [`PredictionConfig`] settings.
    pub async fn refit_predictions(&self) -> Result<ModelInfo> {
        let fitted = self.fit_model().await?;
        let mut state = self.prediction_state();
        state.fitted = Some(Arc::clone(&fitted));
        state.resolutions_since_fit = 0;
        Ok(info(&fitted, 0))
    }

    /// What the cached model was fitted on, when one is fitted.
    ///
    /// ```
    /// # use hotcrm_support::{desk::SupportDesk, repo::MemoryRepository};
    /// assert!(SupportDesk::builder(MemoryRepository::new()).build().prediction_model().is_none());
    /// ```
    pub fn prediction_model(&self) -> Option<ModelInfo> {
        let state = self.prediction_state();
        state
            .fitted
            .as_ref()
            .map(|f| info(f, state.resolutions_since_fit))
    }

    /// Counts a resolution towards [`PredictionConfig::refit_after_resolutions`].
    pub(super) fn note_resolution(&self) {
        self.prediction_state().resolutions_since_fit += 1;
    }

    fn prediction_state(&self) -> std::sync::MutexGuard<'_, PredictionState> {
        self.predictions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached model, fitted first when missing or stale.
    async fn fitted_model(&self) -> Result<Arc<Fitted>> {
        let settings = &self.config.predictions;
        let now = self.clock.now();
        {
            let state = self.prediction_state();
            if let Some(f) = &state.fitted {
                let fresh = state.resolutions_since_fit < settings.refit_after_resolutions.max(1)
                    && now.signed_duration_since(f.fitted_at) < settings.refit_after
                    && now >= f.fitted_at;
                if fresh {
                    return Ok(Arc::clone(f));
                }
            }
        }
        let fitted = self.fit_model().await?;
        let mut state = self.prediction_state();
        state.fitted = Some(Arc::clone(&fitted));
        state.resolutions_since_fit = 0;
        Ok(fitted)
    }

    /// The model for the sweep, when the sweep raises predictions.
    pub(super) async fn sweep_model(&self) -> Result<Option<Arc<Fitted>>> {
        if self.config.predictions.sweep_threshold.is_none() {
            return Ok(None);
        }
        self.fitted_model().await.map(Some)
    }

    async fn fit_model(&self) -> Result<Arc<Fitted>> {
        let settings = &self.config.predictions;
        settings.validate()?;
        let fitted_at = self.clock.now();
        let mut cases = self.all_cases(&CaseQuery::default()).await?;
        if cases.len() > settings.max_observations {
            cases.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
            cases.truncate(settings.max_observations);
        }
        let mut calendars = CalendarCache::default();
        let mut observations = Vec::with_capacity(cases.len());
        for case in &cases {
            let calendar = calendars.get(self, case).await?;
            observations.push(Observation::from_case(
                case,
                &calendar,
                fitted_at.max(case.updated_at),
            ));
        }
        let resolved = observations.iter().filter(|o| o.resolved).count();
        Ok(Arc::new(Fitted {
            model: ResolutionModel::fit(&observations, settings.model),
            fitted_at,
            observations: observations.len(),
            resolved,
        }))
    }

    /// The SLA calendar of `case` (its tier and priority on its account's hours).
    async fn sla_calendar_of(&self, case: &Case) -> Result<BusinessHours> {
        CalendarCache::default().get(self, case).await
    }

    /// Runs `f` on the stored router (never written): on the desk's cached
    /// copy when it is the stored version, without copying it.
    async fn with_router<R>(&self, f: impl FnOnce(Option<&Router>) -> R) -> Result<R> {
        let Some(version) = self.repo.router_version().await? else {
            return Ok(f(None));
        };
        let mut f = Some(f);
        {
            let cache = self
                .router_cache
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((v, router)) = cache.as_ref() {
                if *v == version {
                    if let Some(f) = f.take() {
                        return Ok(f(Some(router)));
                    }
                }
            }
        }
        // Not cached: load and decode (which caches it for the next call).
        let mut tx = Tx::new(self.clock.now());
        let router = self.router(&mut tx).await?;
        let f = f.ok_or_else(|| Error::Internal {
            what: "router reader used twice".into(),
        })?;
        Ok(f(router.map(|r| &*r)))
    }

    /// The `BreachPredicted` event the sweep raises on `case` at `now`, if any:
    /// the threshold is set, the case is open, within its Resolution target,
    /// not flagged before, and the probability reaches the threshold.
    pub(super) fn breach_event(
        &self,
        model: &ResolutionModel,
        case: &Case,
        calendar: &BusinessHours,
        now: DateTime<Utc>,
        router: Option<&Router>,
    ) -> Option<CaseEvent> {
        let threshold = self.config.predictions.sweep_threshold?;
        let m = &case.milestones.resolution;
        if case.breach_predicted.is_some() || !is_active(case) || m.is_completed() || m.breached {
            return None;
        }
        let context = breach_context(case, calendar, now, router);
        let p = model
            .predict_breach(
                case,
                calendar,
                now,
                &context,
                &self.config.predictions.policy,
            )
            .ok()?;
        if p.estimate.remaining_minutes < 0 || p.estimate.probability < threshold {
            return None;
        }
        let permille = (p.estimate.probability * 1000.0).round().clamp(0.0, 1000.0) as u16;
        Some(CaseEvent::BreachPredicted {
            at: now,
            permille,
            recommendation: p.recommendation,
        })
    }
}

/// The SLA calendar of a case on `hours` (its account's) under the desk's rules.
pub(super) fn sla_calendar(
    desk: &SupportDesk,
    case: &Case,
    hours: Option<&BusinessHours>,
) -> BusinessHours {
    let rules = desk.rules_on(hours, case.sla_policy.as_ref());
    rules
        .sla()
        .calendar(case.sla_tier, case.priority, rules.hours())
}

/// What the workload plan needs from the router: the queue's members as the
/// optimiser sees them and the skills each routed case requires.
struct Roster {
    agents: Vec<WorkloadAgent>,
    required: HashMap<CaseId, Vec<(SkillId, u8)>>,
}

fn roster(router: &Router, members: &[crate::routing::QueueMember]) -> Roster {
    let mut channels: HashMap<AgentId, HashMap<Origin, usize>> = HashMap::new();
    let mut required: HashMap<CaseId, Vec<(SkillId, u8)>> = HashMap::new();
    let skills = |r: &crate::routing::RoutingRequest| -> Vec<(SkillId, u8)> {
        r.required
            .iter()
            .map(|s| (s.skill, s.min_level.get()))
            .collect()
    };
    for a in router.state().assignments.values() {
        *channels
            .entry(a.agent)
            .or_default()
            .entry(a.request.origin)
            .or_default() += 1;
        required.insert(a.request.case, skills(&a.request));
    }
    for w in &router.state().waiting {
        required.insert(w.request.case, skills(&w.request));
    }
    let agents = members
        .iter()
        .filter_map(|m| router.agent(m.agent))
        .map(|a| {
            let channel = channels
                .get(&a.id)
                .and_then(|c| {
                    c.iter()
                        .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                        .map(|(o, _)| *o)
                })
                .unwrap_or(Origin::Web);
            let mut w = WorkloadAgent::new(a.id, channel, a.capacity.limit()).with_load(a.load);
            w.available = a.status == AgentStatus::Available;
            for s in &a.skills {
                w = w.with_skill(s.skill, s.proficiency.get());
            }
            w
        })
        .collect();
    Roster { agents, required }
}

/// Accounts' calendars, looked up once per call.
#[derive(Default)]
struct CalendarCache {
    accounts: HashMap<AccountId, Option<BusinessHours>>,
    calendars: HashMap<(AccountId, SlaTier, Priority), BusinessHours>,
}

impl CalendarCache {
    async fn get(&mut self, desk: &SupportDesk, case: &Case) -> Result<BusinessHours> {
        let key = (case.account, case.sla_tier, case.priority);
        if let Some(c) = self.calendars.get(&key) {
            return Ok(c.clone());
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = self.accounts.entry(case.account) {
            slot.insert(match desk.repo.get_account(case.account).await {
                Ok(a) => a.value.business_hours,
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            });
        }
        let hours = self.accounts.get(&case.account).and_then(Option::as_ref);
        let calendar = sla_calendar(desk, case, hours);
        self.calendars.insert(key, calendar.clone());
        Ok(calendar)
    }
}

/// The risk context of `case`: what the case shows plus its queue's backlog
/// and its owner's load from the router.
fn breach_context(
    case: &Case,
    calendar: &BusinessHours,
    now: DateTime<Utc>,
    router: Option<&Router>,
) -> BreachContext {
    let mut context = BreachContext::from_case(case, calendar, now);
    let Some(router) = router else {
        return context;
    };
    if let Some(queue) = case.queue.and_then(|q| router.queue(q)) {
        let waiting = u32::try_from(router.waiting(queue.id).len()).unwrap_or(u32::MAX);
        let available = queue
            .members
            .iter()
            .filter_map(|m| router.agent(m.agent))
            .filter(|a| a.status == AgentStatus::Available)
            .count();
        context = context.with_queue_backlog(waiting, u32::try_from(available).unwrap_or(u32::MAX));
    }
    if let Some(agent) = case.owner.and_then(|o| router.agent(o)) {
        context = context.with_agent_load(agent.load, agent.capacity.limit());
    }
    context
}

fn info(f: &Fitted, resolutions_since_fit: usize) -> ModelInfo {
    ModelInfo {
        fitted_at: f.fitted_at,
        observations: f.observations,
        resolved: f.resolved,
        resolutions_since_fit,
    }
}

fn whole_minutes(d: TimeDelta) -> u32 {
    u32::try_from(d.num_minutes().max(0)).unwrap_or(u32::MAX)
}
