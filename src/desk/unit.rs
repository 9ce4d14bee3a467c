//! One command's unit of work: what it loaded, what it decided, committed at once.
//!
//! A command stages the cases it touches (loaded with their versions), the router
//! document (loaded at most once), the sequence numbers, articles, portal
//! records and contacts it writes; the pure domain decides on the staged copies; [`SupportDesk::commit`]
//! hands everything to [`Repository::commit`](crate::repo::Repository::commit) as
//! one [`UnitOfWork`]. Nothing reaches the store before that call, so an error
//! anywhere leaves the store exactly as it was.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};

use super::{SupportDesk, routing_request};
use crate::calendar::BusinessHours;
use crate::case::{Actor, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus};
use crate::error::{Error, Result};
use crate::ids::CaseId;
use crate::knowledge::KnowledgeArticle;
use crate::repo::{Committed, DocumentWrite, SequenceClaim, SequenceKind, UnitOfWork, Versioned};
use crate::routing::{Router, RoutingEvent};

/// How many routing events one command may cascade into (each assignment can
/// free or fill capacity elsewhere); far above any real roster, it only stops a
/// corrupt state from looping.
const MAX_ROUTING_STEPS: usize = 100_000;

/// A case as the command sees it.
#[derive(Debug)]
pub(super) struct Staged {
    /// The working copy.
    pub(super) case: Case,
    /// The version it was loaded at; `None` for a case this command creates.
    pub(super) version: Option<u64>,
    /// Events decided on it by this command.
    pub(super) events: Vec<CaseEvent>,
    /// The account's own calendar, when it has one.
    pub(super) hours: Option<BusinessHours>,
}

#[derive(Debug)]
enum RouterSlot {
    NotLoaded,
    Absent,
    Loaded {
        router: Box<Router>,
        version: u64,
        changed: bool,
    },
    /// A router this command creates (none was stored).
    Created(Box<Router>),
}

/// The working set of one attempt of one command.
#[derive(Debug)]
pub(super) struct Tx {
    /// The instant the command is decided at: read from the clock after the
    /// command's first load.
    pub(super) now: DateTime<Utc>,
    pub(super) cases: Vec<Staged>,
    router: RouterSlot,
    claims: Vec<SequenceClaim>,
    articles: Vec<DocumentWrite<KnowledgeArticle>>,
    portal: Vec<DocumentWrite<crate::repo::PortalRecord>>,
    /// Contacts written by the commit (a new case's new contact).
    contacts: Vec<DocumentWrite<crate::repo::Contact>>,
    /// The desk's numbering lane while this unit holds a drawn number.
    lane: Option<Lane>,
    /// Who the unit's commands are decided on behalf of (escalation rules and
    /// time-driven events stay the system's).
    pub(super) by: Actor,
    /// Whether this unit decides several creations for one commit (group
    /// commit): a step that would release the numbering lane (awaiting a
    /// provider) refuses instead, and the group is decided again one by one.
    pub(super) grouped: bool,
}

/// A turn in the desk's numbering lane (see `SupportDesk::next_number`),
/// with the store's numbering lease while the desk takes it (see
/// [`crate::repo::SequenceLease`]).
#[derive(Debug)]
pub(super) struct Lane {
    _local: tokio::sync::OwnedMutexGuard<()>,
    pub(super) shared: Option<crate::repo::SequenceLease>,
}

impl Lane {
    pub(super) fn new(local: tokio::sync::OwnedMutexGuard<()>) -> Lane {
        Lane {
            _local: local,
            shared: None,
        }
    }

    /// Ends the store's lease, if held (the desk's own lane stays).
    pub(super) async fn end_lease(&mut self) {
        if let Some(lease) = self.shared.take() {
            // A lease whose release fails has ended anyway (its store's
            // promise); nothing is left to undo.
            let _ = lease.release().await;
        }
    }
}

impl Tx {
    pub(super) fn new(now: DateTime<Utc>) -> Tx {
        Tx {
            now,
            cases: Vec::new(),
            router: RouterSlot::NotLoaded,
            claims: Vec::new(),
            articles: Vec::new(),
            portal: Vec::new(),
            contacts: Vec::new(),
            lane: None,
            by: Actor::System,
            grouped: false,
        }
    }

    /// The number to claim next of `kind` in `year`: one more than both the
    /// desk's guess `next` and the unit's own last claim (a grouped unit
    /// numbers several cases).
    pub(super) fn next_claim(&self, kind: SequenceKind, year: i32, next: u32) -> Result<u32> {
        let last = self
            .claims
            .iter()
            .filter(|c| c.kind == kind && c.year == year)
            .map(|c| c.value)
            .max();
        match last {
            Some(last) if last >= next => last.checked_add(1).ok_or_else(|| Error::Overflow {
                what: format!("{kind:?} numbers of {year}"),
            }),
            _ => Ok(next),
        }
    }

    /// How many events each staged case has now (see [`Tx::events_between`]).
    pub(super) fn event_marks(&self) -> Vec<usize> {
        self.cases.iter().map(|s| s.events.len()).collect()
    }

    /// The events decided between two [`Tx::event_marks`] readings: those of
    /// `primary` (first), then those on other cases with their case.
    pub(super) fn events_between(
        &self,
        before: &[usize],
        after: &[usize],
        primary: CaseId,
    ) -> (Vec<CaseEvent>, Vec<(CaseId, CaseEvent)>) {
        let mut own = Vec::new();
        let mut related = Vec::new();
        for (index, staged) in self.cases.iter().enumerate() {
            let from = before.get(index).copied().unwrap_or(0);
            let to = after.get(index).copied().unwrap_or(0);
            let events = staged.events.get(from..to).unwrap_or(&[]);
            if staged.case.id == primary {
                own.extend(events.iter().cloned());
            } else {
                related.extend(events.iter().map(|e| (staged.case.id, e.clone())));
            }
        }
        (own, related)
    }

    /// Where this unit keeps the numbering lane until it is dropped.
    pub(super) fn lane_slot(&mut self) -> &mut Option<Lane> {
        &mut self.lane
    }

    /// Lets other creations draw numbers (before awaiting a provider).
    pub(super) async fn release_lane(&mut self) {
        if let Some(mut lane) = self.lane.take() {
            lane.end_lease().await;
        }
    }

    /// Ends the store's numbering lease after a commit (the desk's lane stays
    /// with the unit until it is dropped).
    pub(super) async fn end_lease(&mut self) {
        if let Some(lane) = self.lane.as_mut() {
            lane.end_lease().await;
        }
    }

    pub(super) fn position(&self, id: CaseId) -> Option<usize> {
        self.cases.iter().position(|s| s.case.id == id)
    }

    pub(super) fn case(&self, index: usize) -> Result<&Staged> {
        self.cases.get(index).ok_or_else(|| Error::Internal {
            what: format!("staged case {index} missing"),
        })
    }

    fn case_mut(&mut self, index: usize) -> Result<&mut Staged> {
        self.cases.get_mut(index).ok_or_else(|| Error::Internal {
            what: format!("staged case {index} missing"),
        })
    }

    /// Stages a case this command creates.
    pub(super) fn stage_new(
        &mut self,
        case: Case,
        events: Vec<CaseEvent>,
        hours: Option<BusinessHours>,
    ) -> usize {
        self.cases.push(Staged {
            case,
            version: None,
            events,
            hours,
        });
        self.cases.len() - 1
    }

    /// Consumes a sequence number inside the commit.
    pub(super) fn claim(&mut self, kind: SequenceKind, year: i32, value: u32) {
        self.claims.push(SequenceClaim { kind, year, value });
    }

    /// Writes an article version inside the commit.
    pub(super) fn write_article(&mut self, article: KnowledgeArticle, expected: Option<u64>) {
        self.articles.push(DocumentWrite {
            value: article,
            expected,
        });
    }

    /// Writes a portal record inside the commit.
    pub(super) fn write_portal(
        &mut self,
        record: crate::repo::PortalRecord,
        expected: Option<u64>,
    ) {
        self.portal.push(DocumentWrite {
            value: record,
            expected,
        });
    }

    /// Writes a contact inside the commit (insert when `expected` is `None`):
    /// a new case's new contact is stored with the case or not at all.
    pub(super) fn write_contact(&mut self, contact: crate::repo::Contact, expected: Option<u64>) {
        self.contacts.push(DocumentWrite {
            value: contact,
            expected,
        });
    }

    /// Marks the loaded router as changed (it will be written).
    fn touch_router(&mut self) {
        if let RouterSlot::Loaded { changed, .. } = &mut self.router {
            *changed = true;
        }
    }

    /// The router, when one is loaded or created.
    pub(super) fn loaded_router(&mut self) -> Option<&mut Router> {
        match &mut self.router {
            RouterSlot::Loaded {
                router, changed, ..
            } => {
                *changed = true;
                Some(router)
            }
            RouterSlot::Created(router) => Some(router),
            RouterSlot::NotLoaded | RouterSlot::Absent => None,
        }
    }

    /// Takes the router this unit wrote out of it.
    fn take_written_router(&mut self) -> Option<Router> {
        match std::mem::replace(&mut self.router, RouterSlot::NotLoaded) {
            RouterSlot::Loaded {
                router,
                changed: true,
                ..
            }
            | RouterSlot::Created(router) => Some(*router),
            other => {
                self.router = other;
                None
            }
        }
    }

    /// The events decided on the case at `index`.
    pub(super) fn events_of(&self, index: usize) -> &[CaseEvent] {
        self.cases.get(index).map_or(&[], |s| s.events.as_slice())
    }

    /// Every event decided on cases other than `primary`, with their case.
    pub(super) fn related_events(&self, primary: Option<CaseId>) -> Vec<(CaseId, CaseEvent)> {
        self.cases
            .iter()
            .filter(|s| Some(s.case.id) != primary)
            .flat_map(|s| s.events.iter().map(|e| (s.case.id, e.clone())))
            .collect()
    }

    /// The unit of work for the repository.
    fn unit(&self) -> UnitOfWork {
        let mut work = UnitOfWork::new();
        for staged in &self.cases {
            match staged.version {
                None => {
                    work = work.insert_case(staged.case.clone(), staged.events.clone());
                }
                Some(version) if !staged.events.is_empty() => {
                    work = work.update_case(staged.case.clone(), version, staged.events.clone());
                }
                Some(_) => {}
            }
        }
        match &self.router {
            RouterSlot::Loaded {
                router,
                version,
                changed: true,
            } => work = work.router(router.state().clone(), Some(*version)),
            RouterSlot::Created(router) => work = work.router(router.state().clone(), None),
            _ => {}
        }
        for article in &self.articles {
            work = work.article(article.value.clone(), article.expected);
        }
        for record in &self.portal {
            work = work.portal(record.value.clone(), record.expected);
        }
        for contact in &self.contacts {
            work = work.contact(contact.value.clone(), contact.expected);
        }
        for claim in &self.claims {
            work = work.claim(claim.kind, claim.year, claim.value);
        }
        // The desk's numbers are guesses: a store that moves numbers gives
        // the new cases the next free ones instead of failing the commit.
        if self.claims.iter().any(|c| c.kind == SequenceKind::Case) {
            work = work.movable_numbers();
        }
        work
    }

    /// Gives the new cases the numbers the store committed them under (see
    /// [`UnitOfWork::movable_numbers`]): the working copy and the case of its
    /// `Created` event.
    fn renumber(&mut self, numbers: &[(CaseId, crate::ids::CaseNumber)]) {
        for &(id, number) in numbers {
            let Some(staged) = self
                .cases
                .iter_mut()
                .find(|s| s.version.is_none() && s.case.id == id)
            else {
                continue;
            };
            staged.case.number = number;
            for event in &mut staged.events {
                if let CaseEvent::Created { case, .. } = event {
                    if case.id == id {
                        case.number = number;
                    }
                }
            }
        }
    }
}

/// Whether a case holds capacity and may wait in a queue.
pub(super) fn is_active(case: &Case) -> bool {
    !matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed)
}

/// What routing cares about in a case, to tell whether a command changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RoutingView {
    active: bool,
    owner: Option<crate::ids::AgentId>,
    queue: Option<crate::ids::QueueId>,
}

impl RoutingView {
    pub(super) fn of(case: &Case) -> RoutingView {
        RoutingView {
            active: is_active(case),
            owner: case.owner,
            queue: case.queue,
        }
    }
}

/// Whether a conflict-like error means "decide again on fresh state".
pub(super) fn is_retryable(error: &Error) -> bool {
    matches!(error, Error::Conflict { .. })
}

/// Yields once to the executor (runtime-agnostic), so a retry after a conflict
/// lets the writer that won finish.
pub(super) struct YieldNow(bool);

impl YieldNow {
    pub(super) fn new() -> YieldNow {
        YieldNow(false)
    }
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl SupportDesk {
    /// The rules for a case on `hours` (the account's calendar) or the desk's,
    /// under the SLA policy version it recorded (else the desk's policy). A
    /// policy's own hours win over the account's. Rules that do not depend on
    /// the account's calendar are derived once, when the desk is built.
    pub(super) fn rules_on(
        &self,
        hours: Option<&BusinessHours>,
        policy: Option<&crate::sla::PolicyRef>,
    ) -> Cow<'_, CaseRules> {
        let base = &self.config.rules;
        let version = policy.and_then(|r| self.config.sla_policies.resolve(r));
        match (version, hours) {
            (None, None) => Cow::Borrowed(base),
            (None, Some(hours)) => {
                Cow::Owned(derive_rules(base, base.sla().clone(), hours.clone()))
            }
            (Some(v), hours) => match (v.hours.as_ref(), hours) {
                (None, Some(hours)) => {
                    Cow::Owned(derive_rules(base, v.policy.clone(), hours.clone()))
                }
                _ => match self.policy_rules.get(&v.reference()) {
                    Some(rules) => Cow::Borrowed(rules),
                    None => Cow::Owned(policy_rules(base, v)),
                },
            },
        }
    }

    /// Loads a case into the unit (once); returns its position.
    pub(super) async fn stage_case(&self, tx: &mut Tx, id: CaseId) -> Result<usize> {
        if let Some(index) = tx.position(id) {
            return Ok(index);
        }
        let Versioned { value, version } = self.repo.get_case(id).await?;
        let hours = match self.repo.get_account(value.account).await {
            Ok(account) => account.value.business_hours,
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        tx.cases.push(Staged {
            case: value,
            version: Some(version),
            events: Vec::new(),
            hours,
        });
        Ok(tx.cases.len() - 1)
    }

    /// Decides `command` on a staged case, then the escalation rules; the staged
    /// copy changes only when both succeed. A desk whose clock is behind the
    /// case's last change decides at that change (several desks' clocks differ).
    pub(super) fn decide_on(
        &self,
        tx: &mut Tx,
        index: usize,
        command: CaseCommand,
    ) -> Result<Vec<CaseEvent>> {
        self.decide_staged(tx, index, Some(command))
    }

    /// Runs the escalation rules alone on a staged case.
    pub(super) fn escalate_staged(&self, tx: &mut Tx, index: usize) -> Result<Vec<CaseEvent>> {
        self.decide_staged(tx, index, None)
    }

    /// Decides a crate-internal case operation `f` on a staged case (merge,
    /// split), then the escalation rules, like [`SupportDesk::decide_on`].
    pub(super) fn decide_staged_with(
        &self,
        tx: &mut Tx,
        index: usize,
        f: impl FnOnce(&crate::case::Decider<'_>) -> Result<Vec<CaseEvent>>,
    ) -> Result<Vec<CaseEvent>> {
        self.stage_decided(tx, index, |case, by, now, rules| {
            crate::case::decide_with(case, by, now, rules, f)
        })
    }

    fn decide_staged(
        &self,
        tx: &mut Tx,
        index: usize,
        command: Option<CaseCommand>,
    ) -> Result<Vec<CaseEvent>> {
        self.stage_decided(tx, index, |case, by, now, rules| match command {
            Some(command) => crate::case::decide_as(case, command, by, now, rules),
            None => Ok(Vec::new()),
        })
    }

    /// Runs `decide` on a staged case (on behalf of the unit's actor, at the
    /// unit's instant or the case's last change if later), applies its events
    /// and then the escalation rules' to the staged copy, which changes only
    /// when both succeed.
    fn stage_decided(
        &self,
        tx: &mut Tx,
        index: usize,
        decide: impl FnOnce(&Case, Actor, DateTime<Utc>, &CaseRules) -> Result<Vec<CaseEvent>>,
    ) -> Result<Vec<CaseEvent>> {
        let now = tx.now;
        let by = tx.by;
        let staged = tx.case_mut(index)?;
        let now = now.max(staged.case.updated_at);
        let rules = self.rules_on(staged.hours.as_ref(), staged.case.sla_policy.as_ref());
        let mut case = staged.case.clone();
        let mut events = decide(&case, by, now, &rules)?;
        for e in &events {
            case.apply(e);
        }
        let escalations = self.config.escalation.evaluate(&case, now, &rules)?;
        for e in &escalations {
            case.apply(e);
        }
        events.extend(escalations);
        staged.case = case;
        staged.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// The router of this unit, loaded on first use; `None` when none is stored.
    /// The desk keeps the router it decoded last; while the stored version is
    /// the same, a copy of it is used instead of reading and validating the
    /// whole document again.
    pub(super) async fn router<'t>(&self, tx: &'t mut Tx) -> Result<Option<&'t mut Router>> {
        if matches!(tx.router, RouterSlot::NotLoaded) {
            tx.router = match self.repo.router_version().await? {
                None => RouterSlot::Absent,
                Some(version) => match self.cached_router(version) {
                    Some(router) => RouterSlot::Loaded {
                        router: Box::new(router),
                        version,
                        changed: false,
                    },
                    None => match self.repo.get_router_state().await? {
                        Some(stored) => {
                            let router = Router::from_state(stored.value)?;
                            self.cache_router(stored.version, &router);
                            RouterSlot::Loaded {
                                router: Box::new(router),
                                version: stored.version,
                                changed: false,
                            }
                        }
                        None => RouterSlot::Absent,
                    },
                },
            };
        }
        Ok(tx.loaded_router())
    }

    fn cached_router(&self, version: u64) -> Option<Router> {
        let cache = self
            .router_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, r)| r.clone())
    }

    fn cache_router(&self, version: u64, router: &Router) {
        *self
            .router_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((version, router.clone()));
    }

    /// The router of this unit, created empty when none is stored.
    pub(super) async fn router_or_new<'t>(&self, tx: &'t mut Tx) -> Result<&'t mut Router> {
        if self.router(tx).await?.is_none() {
            tx.router = RouterSlot::Created(Box::default());
        }
        tx.loaded_router().ok_or_else(|| Error::Internal {
            what: "router slot empty after creation".into(),
        })
    }

    /// Brings the router in line with what a command did to the staged case at
    /// `index` (`before` is its routing view when loaded): a finished case leaves
    /// every waiting list and frees its owner's capacity; a new owner takes the
    /// case's capacity from the old one; an open case without an owner that
    /// became open or changed queue waits in its queue. Then the routing events
    /// this caused are applied to the cases they name.
    ///
    /// # Errors
    ///
    /// A manual owner the router does not know ([`Error::NotFound`]), load
    /// overflow; storage errors.
    pub(super) async fn reconcile(
        &self,
        tx: &mut Tx,
        index: usize,
        before: RoutingView,
    ) -> Result<()> {
        let case = tx.case(index)?.case.clone();
        let after = RoutingView::of(&case);
        if after == before {
            return Ok(());
        }
        let now = tx.now;
        let Some(router) = self.router(tx).await? else {
            return Ok(());
        };
        let events = if !after.active {
            router.withdraw(case.id, now)
        } else if let Some(owner) = after.owner {
            router.assign_to(
                routing_request(&case, case.effective_category()),
                owner,
                now,
            )?
        } else if before.active && before.owner.is_some() {
            // Unassigned: the decline path already re-queued it.
            Vec::new()
        } else {
            let mut events = router.withdraw(case.id, now);
            let request = routing_request(&case, case.effective_category());
            match router.route(request, now, None) {
                Ok(outcome) => events.extend(outcome.events),
                // No queue applies: the case simply is not routed.
                Err(
                    Error::Validation { .. } | Error::NotFound { .. } | Error::NotAllowed { .. },
                ) => {}
                Err(e) => return Err(e),
            }
            events
        };
        self.apply_routing(tx, events).await
    }

    /// Applies routing events to the cases they name, inside the unit: queue
    /// moves, assignments, declines. A routed case that can no longer take the
    /// event (finished, or gone) is withdrawn from the router instead, and the
    /// capacity that frees is handed on in the same unit.
    ///
    /// # Errors
    ///
    /// Storage errors; [`Error::Internal`] when the cascade does not settle.
    pub(super) async fn apply_routing(&self, tx: &mut Tx, events: Vec<RoutingEvent>) -> Result<()> {
        let mut pending: VecDeque<RoutingEvent> = events.into();
        let mut steps = 0usize;
        while let Some(event) = pending.pop_front() {
            steps += 1;
            if steps > MAX_ROUTING_STEPS {
                return Err(Error::Internal {
                    what: format!("routing did not settle after {MAX_ROUTING_STEPS} steps"),
                });
            }
            let (case, queue, agent, declined) = match event {
                RoutingEvent::Assigned {
                    case, queue, agent, ..
                } => (case, Some(queue), Some(agent), None),
                RoutingEvent::ManuallyAssigned {
                    case, queue, agent, ..
                } => (case, queue, Some(agent), None),
                RoutingEvent::Queued { case, queue, .. } => (case, Some(queue), None, None),
                RoutingEvent::Overflowed { case, to, .. } => (case, Some(to), None, None),
                RoutingEvent::Declined { case, agent, .. } => (case, None, None, Some(agent)),
                RoutingEvent::RoutingStalled { case, queue, .. } => {
                    // Waited past every overflow: record it on the case.
                    let index = match self.stage_case(tx, case).await {
                        Ok(index) => Some(index),
                        Err(Error::NotFound { .. }) => None,
                        Err(e) => return Err(e),
                    };
                    if let Some(index) = index {
                        if is_active(&tx.case(index)?.case) {
                            let reason = "no eligible agent and no overflow queue left; the case waits for capacity".to_string();
                            match self.decide_on(
                                tx,
                                index,
                                CaseCommand::NoteRoutingStalled { queue, reason },
                            ) {
                                Ok(_) | Err(Error::NotAllowed { .. }) => {}
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let index = match self.stage_case(tx, case).await {
                Ok(index) => index,
                Err(Error::NotFound { .. }) => {
                    pending.extend(self.withdraw(tx, case));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if !is_active(&tx.case(index)?.case) {
                pending.extend(self.withdraw(tx, case));
                continue;
            }
            let staged = &tx.case(index)?.case;
            let mut commands = Vec::new();
            if let Some(previous) = declined {
                if staged.owner == Some(previous) {
                    commands.push(CaseCommand::Unassign);
                }
            }
            if let Some(queue) = queue {
                if staged.queue != Some(queue) {
                    commands.push(CaseCommand::MoveToQueue { queue });
                }
            }
            if let Some(agent) = agent {
                if staged.owner != Some(agent) {
                    commands.push(CaseCommand::Assign { agent });
                }
            }
            for command in commands {
                match self.decide_on(tx, index, command) {
                    Ok(_) => {}
                    Err(
                        Error::NotAllowed { .. }
                        | Error::InvalidTransition { .. }
                        | Error::Validation { .. },
                    ) => {
                        pending.extend(self.withdraw(tx, case));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    /// Takes a case out of the loaded router (repair path).
    fn withdraw(&self, tx: &mut Tx, case: CaseId) -> Vec<RoutingEvent> {
        let now = tx.now;
        tx.touch_router();
        tx.loaded_router()
            .map(|router| router.withdraw(case, now))
            .unwrap_or_default()
    }

    /// Commits the unit; nothing is stored before this.
    ///
    /// # Errors
    ///
    /// The repository's: [`Error::Conflict`] when something the unit read
    /// changed meanwhile (the caller decides again), storage errors.
    /// After a commit that wrote the router, the unit's router moves into the
    /// desk's cache (the unit no longer holds it).
    pub(super) async fn commit(&self, tx: &mut Tx) -> Result<Committed> {
        let work = tx.unit();
        if work.is_empty() {
            return Ok(Committed::default());
        }
        let committed = self.commit_work(&work).await;
        tx.end_lease().await;
        let committed = committed?;
        tx.renumber(&committed.renumbered);
        if let Some(version) = committed.router_version {
            if let Some(router) = tx.take_written_router() {
                *self
                    .router_cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((version, router));
            }
        }
        Ok(committed)
    }

    /// Commits `work` and keeps the desk's sequence cache in line: the claimed
    /// numbers on success; on failure the entries are dropped, so the next
    /// attempt reads the stored counters.
    pub(super) async fn commit_work(&self, work: &UnitOfWork) -> Result<Committed> {
        match self.repo.commit(work).await {
            Ok(committed) => {
                if !work.sequences.is_empty() {
                    let mut cache = self.sequence_cache();
                    for claim in &work.sequences {
                        let moved = committed.renumbered.iter().any(|(_, n)| {
                            claim.kind == SequenceKind::Case && n.year() == claim.year
                        });
                        if !moved {
                            let slot = cache.entry((claim.kind, claim.year)).or_insert(0);
                            *slot = (*slot).max(claim.value);
                        }
                    }
                    // A moved year's claims all moved by one shift: its last
                    // new number is now the stored counter.
                    let mut last = std::collections::HashMap::new();
                    for (_, number) in &committed.renumbered {
                        let slot = last.entry(number.year()).or_insert(0);
                        *slot = number.sequence().max(*slot);
                    }
                    for (year, value) in last {
                        cache.insert((SequenceKind::Case, year), value);
                    }
                }
                // Another desk numbered since this one's last turn: take
                // turns with it, so each turn's group forms while it waits.
                if !committed.renumbered.is_empty() {
                    self.saw_numbering_race();
                }
                Ok(committed)
            }
            Err(e) => {
                if !work.sequences.is_empty() {
                    let mut cache = self.sequence_cache();
                    for claim in &work.sequences {
                        cache.remove(&(claim.kind, claim.year));
                    }
                    drop(cache);
                    if matches!(
                        e,
                        Error::Conflict { .. }
                            | Error::AlreadyExists {
                                kind: "case number" | "knowledge number",
                                ..
                            }
                    ) {
                        self.saw_numbering_race();
                    }
                }
                Err(e)
            }
        }
    }

    /// A copy of the router as last committed or decoded by this desk.
    pub(super) fn last_router(&self) -> Option<Router> {
        self.router_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|(_, r)| r.clone())
    }

    /// The staged case at `index` with its committed version.
    pub(super) fn stored(
        &self,
        tx: &Tx,
        index: usize,
        committed: &Committed,
    ) -> Result<Versioned<Case>> {
        let staged = tx.case(index)?;
        let version = committed
            .case_version(staged.case.id)
            .or(staged.version)
            .unwrap_or(1);
        Ok(Versioned {
            value: staged.case.clone(),
            version,
        })
    }
}

/// `sla` on `hours` with the desk's survey window and auto-close delay.
pub(super) fn derive_rules(
    base: &CaseRules,
    sla: crate::sla::SlaPolicy,
    hours: BusinessHours,
) -> CaseRules {
    CaseRules::new(sla, hours)
        .with_survey_window(base.survey_window())
        .and_then(|r| r.with_auto_close_after(base.auto_close_after()))
        .unwrap_or_else(|_| base.clone())
}

/// The rules of policy version `v` on its own hours, else the desk's.
pub(super) fn policy_rules(base: &CaseRules, v: &crate::sla::PolicyVersion) -> CaseRules {
    let hours = v.hours.as_ref().unwrap_or_else(|| base.hours()).clone();
    derive_rules(base, v.policy.clone(), hours)
}
