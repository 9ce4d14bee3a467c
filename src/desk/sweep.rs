//! The periodic sweep: routing timers, time-driven case rules, repair of any
//! drift between the router and the cases, and retention of what grows.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::commands::with_retries;
use super::predict::sla_calendar;
use super::unit::{Tx, YieldNow, is_active, is_retryable};
use super::{SupportDesk, SweepReport, routing_request};
use crate::calendar::BusinessHours;
use crate::case::{Case, CaseEvent, CaseQuery, CaseRules, CaseStatus};
use crate::error::{Error, Result};
use crate::ids::{AccountId, CaseId};
use crate::repo::Versioned;
use crate::routing::Router;
use crate::sla::predict::ResolutionModel;

impl SupportDesk {
    /// Fires the time-driven rules at the clock's `now`, in three steps:
    ///
    /// 1. **Routing timers** (skill relaxation, overflow, queues that opened),
    ///    with the assignments they make applied to the cases — one commit.
    /// 2. **Every open case**: SLA warnings and violations, a predicted breach
    ///    (when [`PredictionConfig::sweep_threshold`](super::PredictionConfig::sweep_threshold)
    ///    is set: [`CaseEvent::BreachPredicted`] once per case whose predicted
    ///    probability of missing its Resolution target reaches it, decided
    ///    before the escalation rules so a rule on
    ///    [`Trigger::BreachPredicted`](crate::escalation::Trigger::BreachPredicted)
    ///    fires in the same commit), escalations, survey expiry and auto-close
    ///    — one commit per case that changed.
    /// 3. **Repair**: the case owner is the truth for assignment. Any case the
    ///    router counts differently (an owner the router does not charge, a
    ///    finished or missing case still waiting or holding capacity, an open
    ///    unowned case in no waiting list) is brought in line — one commit.
    ///
    /// Finally the knowledge base's search analytics are pruned to
    /// [`DeskConfig::analytics_retention`](super::DeskConfig::analytics_retention).
    /// Idempotent (sweeping twice fires nothing twice) and safe to run from
    /// several tasks or desks at once: every write carries the version it read,
    /// so concurrent sweeps share the work and each event fires once (the loser
    /// of a race decides again on the winner's state, where it is already due
    /// no more). A sweep is a batch of independent units, each atomic: when one
    /// fails the sweep stops there, the units already committed stay, and the
    /// next sweep carries on.
    ///
    /// # Errors
    ///
    /// Storage errors; [`Error::Conflict`] when a record stays contended beyond
    /// the retry limit.
    pub async fn sweep(&self) -> Result<SweepReport> {
        let mut report = SweepReport::default();
        let router = with_retries!(self, tx => self.tick_once(&mut tx, &mut report).await)?;
        // The breach model, when the sweep raises predictions (fitted first
        // when missing or stale).
        let model = self.sweep_model().await?;

        let query = CaseQuery {
            exclude_statuses: vec![CaseStatus::Closed],
            ..CaseQuery::default()
        };
        // Each account's calendar, looked up once per sweep.
        let mut accounts: HashMap<AccountId, Option<crate::repo::Account>> = HashMap::new();
        let mut drift: Vec<CaseId> = Vec::new();
        let mut seen: HashSet<CaseId> = HashSet::new();
        let mut after = None;
        loop {
            let batch = self.repo.scan_cases(&query, after, 1024).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.value.id);
            for stored in batch {
                report.scanned += 1;
                let account = stored.value.account;
                if let Entry::Vacant(slot) = accounts.entry(account) {
                    slot.insert(self.repo.get_account(account).await.ok().map(|a| a.value));
                }
                let hours = accounts
                    .get(&account)
                    .and_then(Option::as_ref)
                    .and_then(|a| a.business_hours.as_ref());
                let rules = self.rules_on(hours, stored.value.sla_policy.as_ref());
                let predict = model.as_deref().map(|m| (&m.model, hours));
                let (routing, events) = self
                    .sweep_case(stored, &rules, router.as_ref(), predict)
                    .await?;
                if let Some((id, active, drifted)) = routing {
                    if active {
                        seen.insert(id);
                    }
                    if drifted {
                        drift.push(id);
                    }
                }
                if !events.is_empty() {
                    report.changed += 1;
                    report.events.extend(events);
                }
            }
        }
        if let Some(router) = &router {
            // Router entries for cases the scan did not find open: closed or gone.
            let tracked = router
                .state()
                .assignments
                .keys()
                .copied()
                .chain(router.state().waiting.iter().map(|w| w.request.case));
            drift.extend(tracked.filter(|c| !seen.contains(c)));
            drift.sort_unstable();
            drift.dedup();
            if !drift.is_empty() {
                let repaired = with_retries!(self, tx => self.repair_once(&mut tx, &drift).await)?;
                report.repaired = drift.len();
                report.events.extend(repaired);
            }
        }
        let now = self.clock.now();
        let retention = self.config.analytics_retention;
        report.analytics_removed = self
            .with_knowledge_mut(|kb| kb.enforce_retention(&retention, now))
            .records_removed();
        Ok(report)
    }

    /// Step 1 of the sweep; returns the router as committed (`None` when none
    /// is stored), for the repair step to compare the cases with.
    async fn tick_once(&self, tx: &mut Tx, report: &mut SweepReport) -> Result<Option<Router>> {
        let now = tx.now;
        let Some(router) = self.router(tx).await? else {
            return Ok(None);
        };
        let events = router.tick(now);
        if events.is_empty() {
            return Ok(tx.loaded_router().map(|r| r.clone()));
        }
        self.apply_routing(tx, events).await?;
        self.commit(tx).await?;
        report.events.extend(tx.related_events(None));
        Ok(self.last_router())
    }

    /// Step 2 for one case: the due time-driven events, stored with the case's
    /// version (decided again on a conflict). With a router, also whether the
    /// case (as it now is) is active and disagrees with it — returned instead of
    /// the case itself, which is large to move.
    async fn sweep_case(
        &self,
        mut stored: Versioned<Case>,
        rules: &CaseRules,
        router: Option<&Router>,
        predict: Option<(&ResolutionModel, Option<&BusinessHours>)>,
    ) -> Result<(Option<(CaseId, bool, bool)>, Vec<(CaseId, CaseEvent)>)> {
        let mut attempt = 0;
        loop {
            let now = self.clock.now().max(stored.value.updated_at);
            let mut events = crate::case::sweep(&stored.value, now, rules);
            for e in &events {
                stored.value.apply(e);
            }
            // A likely breach, once per case, before the escalation rules so a
            // rule on `Trigger::BreachPredicted` fires in this same commit.
            if let Some((model, hours)) = predict {
                let calendar = sla_calendar(self, &stored.value, hours);
                if let Some(e) = self.breach_event(model, &stored.value, &calendar, now, router) {
                    stored.value.apply(&e);
                    events.push(e);
                }
            }
            let escalations = self.config.escalation.evaluate(&stored.value, now, rules)?;
            for e in &escalations {
                stored.value.apply(e);
            }
            events.extend(escalations);
            let case = &stored.value;
            let routing = router.map(|r| (case.id, is_active(case), drifted(r, case)));
            if events.is_empty() {
                return Ok((routing, Vec::new()));
            }
            match self.repo.update_case(case, stored.version, &events).await {
                Ok(_) => {
                    let id = case.id;
                    return Ok((routing, events.into_iter().map(|e| (id, e)).collect()));
                }
                Err(e) if is_retryable(&e) && attempt < self.config.max_retries => {
                    attempt += 1;
                    YieldNow::new().await;
                    stored = self.repo.get_case(stored.value.id).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Step 3: brings the router in line with the cases named.
    async fn repair_once(&self, tx: &mut Tx, cases: &[CaseId]) -> Result<Vec<(CaseId, CaseEvent)>> {
        let now = tx.now;
        if self.router(tx).await?.is_none() {
            return Ok(Vec::new());
        }
        for &id in cases {
            let case = match self.stage_case(tx, id).await {
                Ok(index) => tx.case(index)?.case.clone(),
                Err(Error::NotFound { .. }) => {
                    let events = tx
                        .loaded_router()
                        .map(|r| r.withdraw(id, now))
                        .unwrap_or_default();
                    self.apply_routing(tx, events).await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(router) = tx.loaded_router() else {
                break;
            };
            if !drifted(router, &case) {
                continue;
            }
            let events = if !is_active(&case) {
                router.withdraw(id, now)
            } else if let Some(owner) = case.owner {
                match router.assign_to(
                    routing_request(&case, case.effective_category()),
                    owner,
                    now,
                ) {
                    Ok(events) => events,
                    // An owner the router does not know holds no routed capacity.
                    Err(Error::NotFound { .. }) => router.withdraw(id, now),
                    Err(e) => return Err(e),
                }
            } else {
                let mut events = router.withdraw(id, now);
                match router.route(routing_request(&case, case.effective_category()), now, None) {
                    Ok(outcome) => events.extend(outcome.events),
                    Err(
                        Error::Validation { .. }
                        | Error::NotFound { .. }
                        | Error::NotAllowed { .. },
                    ) => {}
                    Err(e) => return Err(e),
                }
                events
            };
            self.apply_routing(tx, events).await?;
        }
        self.commit(tx).await?;
        Ok(tx.related_events(None))
    }
}

/// Whether the router disagrees with the case (the case wins): a finished case
/// still tracked, an owner the router does not charge for it, an open unowned
/// case that holds capacity or (when a queue applies) waits nowhere.
fn drifted(router: &Router, case: &Case) -> bool {
    let assigned = router.assignment(case.id).map(|a| a.agent);
    let waiting = router.waiting_case(case.id).is_some();
    if !is_active(case) {
        return assigned.is_some() || waiting;
    }
    match case.owner {
        Some(owner) => {
            waiting
                || match assigned {
                    Some(agent) => agent != owner,
                    None => router.agent(owner).is_some(),
                }
        }
        None => {
            assigned.is_some()
                || !waiting
                    && router
                        .classify(
                            &routing_request(case, case.effective_category()),
                            case.updated_at,
                        )
                        .is_ok()
        }
    }
}
