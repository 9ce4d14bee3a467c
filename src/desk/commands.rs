//! The desk's case commands: each one a unit of work (load → decide → one
//! commit), retried on conflicts with a fresh clock reading.

use chrono::{DateTime, Datelike, Utc};

use super::unit::{RoutingView, Tx, YieldNow, is_retryable};
use super::{CaseRequest, Outcome, SupportDesk, best_entitlement, routing_request};
use crate::ai::{ClassifyRequest, SuggestAgentRequest};
use crate::case::{
    Actor, AiInsights, Case, CaseCommand, CaseEvent, CaseType, EscalationTarget, NewCase,
    NewComment, Priority, Resolution, Satisfaction,
};
use crate::error::{Error, Result};
use crate::ids::{AgentId, ArticleId, CaseId, CaseNumber, QueueId};
use crate::knowledge::Viewer;
use crate::repo::{SequenceKind, Versioned};
use crate::routing::{AgentStatus, AiSuggestion, Queue, RoutingMethod};
use std::sync::atomic::Ordering;

/// Turns of the numbering lane that take the store's lease after another
/// desk was seen numbering (see `SupportDesk::lease_turns`).
const LEASE_TURNS: u32 = 64;

/// The provider's sentiment of each new customer comment of one command,
/// kept across its attempts (`None`: the provider failed).
type Scored = std::collections::HashMap<crate::ids::CommentId, Option<crate::case::Sentiment>>;

/// Runs one attempt of a command in a fresh unit per try, deciding again after
/// every conflict (up to `max_retries` times).
macro_rules! with_retries {
    ($desk:expr, $tx:ident => $body:expr) => {{
        let mut attempt = 0u32;
        loop {
            let mut $tx = Tx::new($desk.clock.now());
            match $body {
                Err(e) if is_retryable(&e) && attempt < $desk.config.max_retries => {
                    attempt += 1;
                    YieldNow::new().await;
                }
                other => break other,
            }
        }
    }};
}
pub(super) use with_retries;

/// What creation learned before the unit of work (asked once, not per retry).
#[derive(Debug)]
pub(super) struct Prepared {
    account: crate::repo::Account,
    priority: Priority,
    case_type: CaseType,
    insights: AiInsights,
}

impl SupportDesk {
    /// Opens a case: validates the request, checks the account's entitlement for
    /// the SLA tier and due dates, numbers it (`CASE-YYYY-NNNN`, claimed from the
    /// repository's sequence inside the commit, so a failed creation uses no
    /// number), asks the AI for category, sentiment and priority, attaches
    /// related articles and a suggested solution, runs the escalation rules (an
    /// Angry customer escalates) and routes it with the stored router (when there
    /// is one): in an AI-assisted queue it first asks
    /// [`AiProvider::suggest_agent`](crate::ai::AiProvider::suggest_agent) about
    /// the members who could take the case and records the suggestion as the
    /// case's suggested assignee; the router takes it only if that agent is
    /// eligible and the confidence reaches the queue's threshold. The case, its
    /// events, the number and the router's new state are stored in one commit.
    ///
    /// With [`CaseRequest::id`] the command is idempotent: when a case with that
    /// id exists and has the same account, subject and description, it is
    /// returned unchanged (no events).
    ///
    /// **Group commit.** Creations on one desk take turns for the case number
    /// (it is claimed inside the commit, so numbers stay gap-free). Creations
    /// that arrive while another is committing wait together, and the next
    /// turn decides all of them (up to 64) one after the other — in arrival
    /// order, each seeing the cases and routing the earlier ones left, exactly
    /// as if they had run one by one — and stores them in **one** commit. Each
    /// caller gets its own [`Outcome`]. A conflict on the shared commit
    /// (another desk on the same store committed first) decides the group
    /// again on fresh reads; if any member fails to decide, or the commit
    /// fails otherwise (a storage error, a unique email taken), the group is
    /// decided again one creation per commit, so every caller gets the result
    /// it would have had alone and a failed creation stores nothing and uses
    /// no number.
    /// Requests that write portal or intake records of their own (deflection,
    /// conversations, participants) and creations whose queue asks the
    /// provider for an agent suggestion always commit alone.
    /// [`DeskConfig::group_creations`](super::DeskConfig::group_creations)
    /// turns it off.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an empty or oversized subject or description, or
    /// a contact of another account; [`Error::NotFound`] for an unknown account or
    /// contact; [`Error::AlreadyExists`] when the request's id names a different
    /// case; [`Error::NeverOpen`] when the SLA calendar never opens; storage
    /// errors. AI failures are not errors: the case is created without the AI
    /// fields. On any error nothing is stored.
    pub async fn create_case(&self, request: CaseRequest) -> Result<Outcome> {
        {
            use crate::case::validate::{MAX_SUBJECT, MAX_TEXT, required_text};
            required_text("subject", &request.subject, MAX_SUBJECT)?;
            required_text("description", &request.description, MAX_TEXT)?;
        }
        if let Some(existing) = self.existing_case(&request).await? {
            return Ok(existing);
        }
        let prepared = self.prepare_case(&request).await?;
        // `CaseId::default()` is a fresh time-ordered id (UUID v7).
        let id = request.id.unwrap_or_default();
        if self.config.group_creations && super::group::groupable(&request) {
            return self.create_grouped(id, request, prepared).await;
        }
        self.create_solo(id, &request, &prepared, None).await
    }

    /// Creates one case in its own commit, deciding again after conflicts;
    /// `lane` is the numbering lane when the caller already holds it.
    pub(super) async fn create_solo(
        &self,
        id: CaseId,
        request: &CaseRequest,
        prepared: &Prepared,
        mut lane: Option<super::unit::Lane>,
    ) -> Result<Outcome> {
        // The provider's suggestion is asked once per queue, not on every retry.
        let mut asked: Option<(QueueId, Option<AiSuggestion>)> = None;
        let mut attempt = 0u32;
        loop {
            let mut tx = Tx::new(self.clock.now());
            *tx.lane_slot() = lane.take();
            match self
                .create_once(&mut tx, id, request, prepared, &mut asked)
                .await
            {
                // A store may report a number taken by a racing creation before
                // it checks the sequence claim: decide again, like a conflict.
                Err(e)
                    if (is_retryable(&e)
                        || matches!(
                            e,
                            Error::AlreadyExists {
                                kind: "case number",
                                ..
                            }
                        ))
                        && attempt < self.config.max_retries =>
                {
                    attempt += 1;
                    YieldNow::new().await;
                }
                // Another call with the same id won the race (its case is
                // stored, or already routed).
                Err(Error::AlreadyExists {
                    kind: "case" | "routed case",
                    ..
                }) if request.id.is_some() => {
                    if let Some(existing) = self.existing_case(request).await? {
                        return Ok(existing);
                    }
                    return Err(Error::AlreadyExists {
                        kind: "case",
                        key: id.to_string(),
                    });
                }
                other => return other,
            }
        }
    }

    /// The stored case a repeated creation names, if any.
    async fn existing_case(&self, request: &CaseRequest) -> Result<Option<Outcome>> {
        let Some(id) = request.id else {
            return Ok(None);
        };
        match self.repo.get_case(id).await {
            Ok(stored) => {
                let c = &stored.value;
                if c.account == request.account
                    && c.subject == request.subject.trim()
                    && c.description == request.description.trim()
                    || c.account == request.account
                        && c.subject == request.subject
                        && c.description == request.description
                {
                    Ok(Some(Outcome {
                        case: stored,
                        events: Vec::new(),
                        related: Vec::new(),
                    }))
                } else {
                    Err(Error::AlreadyExists {
                        kind: "case",
                        key: id.to_string(),
                    })
                }
            }
            Err(Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Everything creation asks before deciding: the account, the AI's view,
    /// related articles and a suggested solution.
    async fn prepare_case(&self, request: &CaseRequest) -> Result<Prepared> {
        let account = self.repo.get_account(request.account).await?.value;
        if let Some(contact) = request.contact {
            // A contact the case's own commit creates is not stored yet.
            let contact = match &request.new_contact {
                Some(new) if new.id == contact => new.clone(),
                _ => self.repo.get_contact(contact).await?.value,
            };
            if contact.account != account.id {
                return Err(Error::validation(
                    "contact",
                    format!("contact {} belongs to another account", contact.id),
                ));
            }
        }
        if let Some(parent) = request.parent {
            let original = self.repo.get_case(parent).await?.value;
            if original.account != account.id {
                return Err(Error::validation(
                    "parent",
                    format!("case {} belongs to another account", original.number),
                ));
            }
            if original.status != crate::case::CaseStatus::Closed {
                return Err(Error::NotAllowed {
                    command: "follow up",
                    reason: format!(
                        "{} is {}: only closed cases get follow-ups (reopen a resolved case)",
                        original.number, original.status
                    ),
                });
            }
        }
        // AI: classification and sentiment; failures degrade to "no insight".
        let text = request
            .analysis_text
            .clone()
            .unwrap_or_else(|| request.description.clone());
        let classify = ClassifyRequest::new(request.subject.clone(), text);
        let (classification, sentiment) = self.ai.analyze(&classify).await;
        let (classification, sentiment) = (classification.ok(), sentiment.ok());
        // Only embed when there are articles to relate the case to.
        let has_articles = self.with_knowledge(|kb| !kb.index().is_empty());
        let embedding = if has_articles {
            self.ai
                .embed(&[classify.text()])
                .await
                .ok()
                .and_then(|mut v| v.pop())
        } else {
            None
        };
        // `Ord` on Priority puts the most urgent first, so `min` is "more urgent".
        let priority = match (request.priority, &classification) {
            (Some(asked), Some(c)) if self.config.ai_may_raise_priority => asked.min(c.priority),
            (Some(asked), _) => asked,
            (None, Some(c)) => c.priority,
            (None, None) => Priority::default(),
        };
        let case_type = request
            .case_type
            .or(classification.as_ref().map(|c| c.case_type))
            .unwrap_or(CaseType::Problem);
        let (related, solution) =
            self.related_and_solution(&classify.text(), embedding.as_ref().map(|e| e.as_slice()));
        Ok(Prepared {
            account,
            priority,
            case_type,
            insights: AiInsights {
                category: classification.as_ref().map(|c| c.category),
                suggested_assignee: None,
                related_articles: related,
                suggested_solution: solution,
                sentiment: sentiment.map(|s| s.sentiment),
            },
        })
    }

    /// Related articles for a new case's text, and a suggested solution: how
    /// similar cases were actually resolved, else the top article's summary.
    fn related_and_solution(
        &self,
        text: &str,
        embedding: Option<&[f32]>,
    ) -> (Vec<ArticleId>, Option<String>) {
        self.with_knowledge(|kb| {
            let hits = kb
                .related_to_text(
                    text,
                    embedding,
                    &Viewer::Employee,
                    self.config.related_articles,
                )
                .unwrap_or_default();
            let similar = {
                let history = self
                    .history
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if history.is_empty() {
                    None
                } else if history.analyzer() == kb.index().analyzer() {
                    history.suggest(text)
                } else {
                    // The knowledge base was replaced with another analyzer since
                    // the last resolution: analyse the history afresh this once.
                    let cases: Vec<_> = history.cases().cloned().collect();
                    crate::knowledge::suggest_solution(kb.index().analyzer(), text, &cases)
                }
            };
            let solution = similar
                .map(|s| match s.article {
                    Some(number) => format!(
                        "{} (resolved this way in {} of {} similar cases; see {number})",
                        s.resolution, s.resolved_this_way, s.similar_cases
                    ),
                    None => format!(
                        "{} (resolved this way in {} of {} similar cases)",
                        s.resolution, s.resolved_this_way, s.similar_cases
                    ),
                })
                .or_else(|| {
                    hits.first()
                        .and_then(|h| kb.article(h.article).ok())
                        .map(|a| a.summary.clone())
                        .filter(|s| !s.is_empty())
                });
            (hits.into_iter().map(|h| h.article).collect(), solution)
        })
    }

    /// Marks the deflection offer `offer` of `user` as followed by case `id`,
    /// inside the case's commit. An offer already followed by a case keeps
    /// its first case.
    async fn stage_deflection(
        &self,
        tx: &mut Tx,
        offer: crate::ids::DeflectionId,
        user: crate::ids::PortalUserId,
        id: CaseId,
    ) -> Result<()> {
        use crate::repo::{PortalKind, PortalRecord};
        let stored = self
            .repo
            .get_portal_record(PortalKind::Deflection, *offer.as_uuid())
            .await?;
        let PortalRecord::Deflection(mut record) = stored.value else {
            return Err(Error::Internal {
                what: format!("deflection offer {offer} is stored as another kind"),
            });
        };
        if record.user != user {
            return Err(Error::Forbidden {
                action: "portal_submit_case",
                reason: "the deflection offer was made to another user".into(),
            });
        }
        if record.submitted.is_none() {
            record.submitted = Some(id);
            tx.write_portal(PortalRecord::Deflection(record), Some(stored.version));
        }
        Ok(())
    }

    /// Marks a permanent bounce's failed recipient undeliverable, in the
    /// command's commit (nothing for other bounces).
    pub(super) async fn stage_undeliverable(
        &self,
        tx: &mut Tx,
        bounce: &crate::intake::Bounce,
        key: &str,
    ) -> Result<bool> {
        use crate::intake::UndeliverableAddress;
        use crate::repo::{PortalKind, PortalRecord};
        let Some(address) = bounce
            .failed_recipient
            .as_ref()
            .filter(|_| bounce.contact_undeliverable())
        else {
            return Ok(false);
        };
        let id = UndeliverableAddress::id_of(address);
        let (status, diagnostic) = (bounce.status.clone(), bounce.diagnostic.clone());
        let (record, expected) = match self
            .repo
            .get_portal_record(PortalKind::Undeliverable, id)
            .await
        {
            Ok(stored) => match stored.value {
                PortalRecord::Undeliverable(mut mark) => {
                    if mark.last_key.as_deref() == Some(key) {
                        return Ok(false);
                    }
                    mark.bounced(status, diagnostic, tx.now);
                    (mark, Some(stored.version))
                }
                _ => {
                    return Err(Error::Internal {
                        what: format!("undeliverable mark {id} is stored as another kind"),
                    });
                }
            },
            Err(Error::NotFound { .. }) => (
                UndeliverableAddress::new(address.clone(), status, diagnostic, tx.now),
                None,
            ),
            Err(e) => return Err(e),
        };
        let mut record = record;
        record.last_key = Some(key.to_string());
        tx.write_portal(PortalRecord::Undeliverable(record), expected);
        Ok(true)
    }

    /// Marks a permanent bounce that reached no case, in a commit of its own
    /// (idempotent by the bounce's de-duplication key).
    pub(super) async fn mark_undeliverable(
        &self,
        bounce: &crate::intake::Bounce,
        key: &str,
    ) -> Result<()> {
        with_retries!(self, tx => {
            match self.stage_undeliverable(&mut tx, bounce, key).await {
                Ok(false) => Ok(()),
                Ok(true) => self.commit(&mut tx).await.map(|_| ()),
                Err(e) => Err(e),
            }
        })
    }

    /// Adds email participants to a case's record, in the command's commit
    /// (nothing is written when none is new).
    pub(super) async fn stage_participants(
        &self,
        tx: &mut Tx,
        case: CaseId,
        addresses: &[crate::intake::EmailAddress],
    ) -> Result<()> {
        use crate::intake::CaseParticipants;
        use crate::repo::{PortalKind, PortalRecord};
        let (mut record, expected) = match self
            .repo
            .get_portal_record(PortalKind::Participants, *case.as_uuid())
            .await
        {
            Ok(stored) => match stored.value {
                PortalRecord::Participants(p) => (p, Some(stored.version)),
                _ => {
                    return Err(Error::Internal {
                        what: format!("participants of {case} are stored as another kind"),
                    });
                }
            },
            Err(Error::NotFound { .. }) => (CaseParticipants::new(case, tx.now), None),
            Err(e) => return Err(e),
        };
        if record.add(addresses.iter().cloned(), tx.now) {
            tx.write_portal(PortalRecord::Participants(record), expected);
        }
        Ok(())
    }

    /// Moves a social conversation's link to the case being created, in its
    /// commit. A link that meanwhile names another case that is not closed
    /// means a concurrent message opened the conversation's case first:
    /// [`Error::AlreadyExists`] of the link, and the caller appends instead.
    async fn stage_conversation(
        &self,
        tx: &mut Tx,
        link: &crate::intake::ConversationLink,
    ) -> Result<()> {
        use crate::repo::{PortalKind, PortalRecord};
        let expected = match self
            .repo
            .get_portal_record(PortalKind::Conversation, link.id)
            .await
        {
            Ok(stored) => {
                let PortalRecord::Conversation(current) = &stored.value else {
                    return Err(Error::Internal {
                        what: format!("conversation link {} is stored as another kind", link.id),
                    });
                };
                if current.case == link.case {
                    return Ok(());
                }
                // A link to a case that is gone may be moved like a closed one.
                let open = match self.repo.get_case(current.case).await {
                    Ok(linked) => linked.value.status != crate::case::CaseStatus::Closed,
                    Err(Error::NotFound { .. }) => false,
                    Err(e) => return Err(e),
                };
                if open {
                    return Err(Error::AlreadyExists {
                        kind: PortalKind::Conversation.name(),
                        key: link.id.to_string(),
                    });
                }
                Some(stored.version)
            }
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        tx.write_portal(PortalRecord::Conversation(link.clone()), expected);
        Ok(())
    }

    async fn create_once(
        &self,
        tx: &mut Tx,
        id: CaseId,
        request: &CaseRequest,
        prepared: &Prepared,
        asked: &mut Option<(QueueId, Option<AiSuggestion>)>,
    ) -> Result<Outcome> {
        let index = self
            .stage_creation(tx, id, request, prepared, asked)
            .await?;
        let committed = self.commit(tx).await?;
        Ok(Outcome {
            case: self.stored(tx, index, &committed)?,
            events: tx.events_of(index).to_vec(),
            related: tx.related_events(Some(id)),
        })
    }

    /// Decides a creation on `tx` (numbered, AI insights, escalation rules,
    /// routed) without committing it; returns the new case's index.
    pub(super) async fn stage_creation(
        &self,
        tx: &mut Tx,
        id: CaseId,
        request: &CaseRequest,
        prepared: &Prepared,
        asked: &mut Option<(QueueId, Option<AiSuggestion>)>,
    ) -> Result<usize> {
        let now = tx.now;
        let year = now.year();
        if let Some((offer, user)) = request.deflection {
            self.stage_deflection(tx, offer, user, id).await?;
        }
        if let Some(link) = &request.conversation {
            self.stage_conversation(tx, link).await?;
        }
        if !request.participants.is_empty() {
            self.stage_participants(tx, id, &request.participants)
                .await?;
        }
        if let Some(contact) = &request.new_contact {
            tx.write_contact(contact.clone(), None);
        }
        let guess = self
            .next_number(tx.lane_slot(), SequenceKind::Case, year)
            .await?;
        let sequence = tx.next_claim(SequenceKind::Case, year, guess)?;
        let number = CaseNumber::new(year, sequence)?;
        let account = &prepared.account;
        let mut new = NewCase::new(
            id,
            number,
            account.id,
            request.subject.clone(),
            request.description.clone(),
        )
        .with_priority(prepared.priority)
        .with_type(prepared.case_type)
        .with_origin(request.origin);
        if let Some(contact) = request.contact {
            new = new.with_contact(contact);
        }
        if let Some(product) = request.product {
            new = new.with_product(product);
        }
        if let Some(entitlement) = best_entitlement(&account.entitlements, now) {
            new = new.with_entitlement(entitlement);
        }
        if let Some(queue) = request.queue {
            new = new.with_queue(queue);
        }
        new.parent = request.parent;
        let facts = crate::sla::PolicyFacts {
            product: request.product,
            case_type: prepared.case_type,
            region: account.region.as_deref(),
            ..crate::sla::PolicyFacts::new(account.id, prepared.priority)
        };
        new.sla_policy = self
            .config
            .sla_policies
            .select(&facts, now)
            .map(crate::sla::PolicyVersion::reference);
        let rules = self.rules_on(account.business_hours.as_ref(), new.sla_policy.as_ref());
        let (case, mut events) = Case::create(new, now, &rules)?;
        drop(rules);
        let creator = request.actor();
        for event in &mut events {
            if let CaseEvent::Created { by, .. } = event {
                *by = creator;
            }
        }
        let index = tx.stage_new(case, events, account.business_hours.clone());
        tx.claim(SequenceKind::Case, year, sequence);
        if prepared.insights != AiInsights::default() {
            tx.by = Actor::Ai;
            let decided = self.decide_on(
                tx,
                index,
                CaseCommand::UpdateAiInsights(prepared.insights.clone()),
            );
            tx.by = Actor::System;
            decided?;
        }
        // Escalation rules run inside decide_on; a creation without insights
        // still needs them once (an Angry customer, a Critical case).
        if prepared.insights == AiInsights::default() {
            self.escalate_staged(tx, index)?;
        }
        self.route_new_case(tx, index, asked).await?;
        Ok(index)
    }

    /// Routes a newly created (staged) case: rules pick the queue (and maybe the
    /// priority and skills), the router picks the agent — with the provider's
    /// suggestion in AI-assisted queues. Configuration problems never block
    /// creation: the case is then simply not routed.
    pub(super) async fn route_new_case(
        &self,
        tx: &mut Tx,
        index: usize,
        asked: &mut Option<(QueueId, Option<AiSuggestion>)>,
    ) -> Result<()> {
        let now = tx.now;
        let case = tx.case(index)?.case.clone();
        let request = routing_request(&case, case.effective_category());
        let Some(router) = self.router(tx).await? else {
            return Ok(());
        };
        let ai_queue = router.classify(&request, now).ok().and_then(|c| {
            router
                .queue(c.queue)
                .is_some_and(|q| q.method == RoutingMethod::AiAssisted)
                .then_some(c.queue)
        });
        let suggestion = match (ai_queue, &*asked) {
            (None, _) => None,
            (Some(q), Some((asked_q, s))) if *asked_q == q => s.clone(),
            (Some(q), _) => {
                let ask = match SuggestAgentRequest::for_queue(router, q, &request) {
                    Ok(r) if !r.candidates.is_empty() => Some(r),
                    _ => None,
                };
                // Never keep other creations waiting on a provider: a number
                // drawn meanwhile by another creation makes this commit a
                // Conflict, decided again with the answer kept in `asked`.
                if ask.is_some() {
                    if tx.grouped {
                        // A group never waits on a provider with the lane held;
                        // its creations are decided again one by one.
                        return Err(Error::Internal {
                            what: "a grouped creation needs the provider's suggestion".into(),
                        });
                    }
                    tx.release_lane().await;
                }
                let s = match ask {
                    Some(r) => self.ai.suggest_agent(&r).await.ok().flatten(),
                    None => None,
                };
                *asked = Some((q, s.clone()));
                s
            }
        };
        let Some(router) = tx.loaded_router() else {
            return Ok(());
        };
        let routed = match router.route(request, now, suggestion.clone()) {
            Ok(outcome) => outcome,
            Err(Error::Validation { .. } | Error::NotFound { .. } | Error::NotAllowed { .. }) => {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if routed.classification.priority != case.priority {
            self.decide_on(
                tx,
                index,
                CaseCommand::ChangePriority(routed.classification.priority),
            )?;
        }
        let stalled = routed
            .decision
            .agent()
            .is_none()
            .then(|| (routed.decision.queue, routed.decision.reasoning.clone()));
        self.apply_routing(tx, routed.events).await?;
        // Nobody could take it: say so on the case, with the router's reasons,
        // instead of a silent queue change.
        if let Some((queue, reason)) = stalled {
            if tx.case(index)?.case.owner.is_none() {
                self.decide_on(tx, index, CaseCommand::NoteRoutingStalled { queue, reason })?;
            }
        }
        // The suggestion is an insight for people too, accepted by the router or not.
        if let Some(suggestion) = suggestion {
            let mut insights = tx.case(index)?.case.ai.clone();
            insights.suggested_assignee = Some(suggestion.agent);
            self.decide_on(tx, index, CaseCommand::UpdateAiInsights(insights))?;
        }
        Ok(())
    }

    /// Reads a case.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown id.
    pub async fn case(&self, id: CaseId) -> Result<Versioned<Case>> {
        self.repo.get_case(id).await
    }

    /// Decides `command` on the latest version of the case, runs the escalation
    /// rules, brings routing in line (a resolved or closed case frees its
    /// owner's capacity and leaves every waiting list, which may hand a waiting
    /// case to that owner; a new owner takes over the capacity; a reopened case
    /// holds its owner's capacity again or waits in its queue) and stores all of
    /// it — the case, any other case routing touched, their events, the router
    /// and a resolved-with article's counter — in one commit. On a version
    /// conflict it loads and decides again (with a fresh clock reading), up to
    /// [`DeskConfig::max_retries`](super::DeskConfig::max_retries) times.
    ///
    /// # Errors
    ///
    /// The command's own errors ([`Error::InvalidTransition`],
    /// [`Error::NotAllowed`], [`Error::Validation`]); [`Error::NotFound`] for an
    /// unknown case, or (with a stored router) an owner the router does not know;
    /// [`Error::Conflict`] after too many concurrent writers. On any error nothing
    /// is stored.
    pub async fn execute(&self, id: CaseId, command: CaseCommand) -> Result<Outcome> {
        self.execute_all(id, std::slice::from_ref(&command)).await
    }

    /// [`SupportDesk::execute`] on behalf of `by`: the command's events record
    /// it as their actor (the audit trail, [`CaseEvent::actor`]); what the
    /// escalation rules, routing and SLA clocks add stays the system's.
    /// [`SupportDesk::execute`] records [`Actor::System`], except for comments,
    /// whose events are their author's.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    ///
    /// ```
    /// # use hotcrm_support::case::{Actor, CaseCommand, Priority};
    /// # use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::{AccountId, AgentId};
    /// # use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = std::sync::Arc::new(MemoryRepository::new());
    /// # let account = Account::new(AccountId::from_u128(1), "Acme");
    /// # repo.put_account(&account, None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// # let case = desk.create_case(CaseRequest::new(account.id, "Export fails", "CSV export times out")).await?.case.value;
    /// let lead = Actor::Agent(AgentId::from_u128(9));
    /// let outcome = desk.execute_as(case.id, lead, CaseCommand::ChangePriority(Priority::High)).await?;
    /// assert_eq!(outcome.events[0].actor(), lead);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_as(&self, id: CaseId, by: Actor, command: CaseCommand) -> Result<Outcome> {
        self.execute_all_as(id, by, std::slice::from_ref(&command))
            .await
    }

    /// Decides `commands` one after the other on behalf of `by` and commits
    /// them together: all of them or none (see [`SupportDesk::execute_as`]).
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`]; one refused command stores nothing.
    ///
    /// ```
    /// # use hotcrm_support::case::{Actor, CaseCommand, CaseStatus, Priority};
    /// # use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::{AccountId, AgentId};
    /// # use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = std::sync::Arc::new(MemoryRepository::new());
    /// # let account = Account::new(AccountId::from_u128(1), "Acme");
    /// # repo.put_account(&account, None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// # let case = desk.create_case(CaseRequest::new(account.id, "Export fails", "CSV export times out")).await?.case.value;
    /// let agent = AgentId::from_u128(9);
    /// let commands = [CaseCommand::Assign { agent }, CaseCommand::ChangePriority(Priority::High), CaseCommand::Close];
    /// // Close is refused (the case is not resolved): nothing of the three is stored.
    /// assert!(desk.execute_all_as(case.id, Actor::Agent(agent), &commands).await.is_err());
    /// assert_eq!(desk.case(case.id).await?.value.status, CaseStatus::New);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_all_as(
        &self,
        id: CaseId,
        by: Actor,
        commands: &[CaseCommand],
    ) -> Result<Outcome> {
        let mut scored = Scored::new();
        let outcome = with_retries!(self, tx => {
            tx.by = by;
            self.execute_once(&mut tx, id, commands, &mut scored, &[], None).await
        })?;
        self.after_commit(&outcome);
        Ok(outcome)
    }

    /// Decides `commands` one after the other on the case and commits them
    /// together: all of them or none.
    pub(super) async fn execute_all(
        &self,
        id: CaseId,
        commands: &[CaseCommand],
    ) -> Result<Outcome> {
        self.execute_with_intake(id, commands, &[], None).await
    }

    /// [`SupportDesk::execute_all`], also adding email participants to the
    /// case in the same commit when the commands change it.
    pub(super) async fn execute_with_intake(
        &self,
        id: CaseId,
        commands: &[CaseCommand],
        participants: &[crate::intake::EmailAddress],
        bounce: Option<(&crate::intake::Bounce, &str)>,
    ) -> Result<Outcome> {
        let mut scored = Scored::new();
        let outcome = with_retries!(self, tx => self.execute_once(&mut tx, id, commands, &mut scored, participants, bounce).await)?;
        self.after_commit(&outcome);
        Ok(outcome)
    }

    /// One attempt of [`SupportDesk::execute`].
    async fn execute_once(
        &self,
        tx: &mut Tx,
        id: CaseId,
        commands: &[CaseCommand],
        scored: &mut Scored,
        participants: &[crate::intake::EmailAddress],
        bounce: Option<(&crate::intake::Bounce, &str)>,
    ) -> Result<Outcome> {
        let index = self.stage_case(tx, id).await?;
        let commands = &*self
            .with_sentiment(&tx.case(index)?.case, commands, scored)
            .await;
        self.check_edits(tx, index, commands).await?;
        // The clock is read after the load, so another writer's commit never
        // makes this command "happen before" the state it is decided on.
        tx.now = self.clock.now();
        let before = RoutingView::of(&tx.case(index)?.case);
        let mut events = Vec::new();
        for command in commands {
            events.extend(self.decide_on(tx, index, command.clone())?);
        }
        if events.is_empty() {
            let staged = tx.case(index)?;
            return Ok(Outcome {
                case: Versioned {
                    value: staged.case.clone(),
                    version: staged.version.unwrap_or(1),
                },
                events,
                related: Vec::new(),
            });
        }
        if self.open_follow_up(tx, index).await? {
            // The follow-up of this reply exists: the repeat is a no-op.
            let staged = tx.case(index)?;
            return Ok(Outcome {
                case: self.repo.get_case(staged.case.id).await?,
                events: Vec::new(),
                related: Vec::new(),
            });
        }
        self.reconcile(tx, index, before).await?;
        self.count_resolution(tx, index).await?;
        if !participants.is_empty() {
            self.stage_participants(tx, id, participants).await?;
        }
        if let Some((bounce, key)) = bounce {
            self.stage_undeliverable(tx, bounce, key).await?;
        }
        let committed = self.commit(tx).await?;
        Ok(Outcome {
            case: self.stored(tx, index, &committed)?,
            events: tx.events_of(index).to_vec(),
            related: tx.related_events(Some(id)),
        })
    }

    /// Customer comments without a sentiment get the [`AiProvider`](crate::ai::AiProvider)'s,
    /// asked after the case is loaded and once per command (`scored` keeps the
    /// answers across the attempts of a conflict); a provider failure leaves it
    /// unknown. A comment `case` already holds (a repeat, which is a no-op) is
    /// not asked about.
    async fn with_sentiment<'c>(
        &self,
        case: &crate::case::Case,
        commands: &'c [CaseCommand],
        scored: &mut Scored,
    ) -> std::borrow::Cow<'c, [CaseCommand]> {
        let needs = |c: &CaseCommand| {
            matches!(c, CaseCommand::Comment(n) if n.author.is_customer()
                && n.sentiment.is_none()
                && !case.comments.iter().any(|stored| stored.id == n.id))
        };
        if !commands.iter().any(needs) {
            return std::borrow::Cow::Borrowed(commands);
        }
        let mut owned = commands.to_vec();
        for command in &mut owned {
            if !needs(command) {
                continue;
            }
            if let CaseCommand::Comment(comment) = command {
                let sentiment = match scored.get(&comment.id) {
                    Some(known) => *known,
                    None => {
                        let asked = self.ai.sentiment(&comment.body).await.ok();
                        let sentiment = asked.map(|a| a.sentiment);
                        scored.insert(comment.id, sentiment);
                        sentiment
                    }
                };
                comment.sentiment = sentiment;
            }
        }
        std::borrow::Cow::Owned(owned)
    }

    /// An edited contact must exist and belong to the case's account.
    async fn check_edits(&self, tx: &Tx, index: usize, commands: &[CaseCommand]) -> Result<()> {
        for command in commands {
            if let CaseCommand::Edit(crate::case::CaseEdit::Contact(Some(contact))) = command {
                let account = tx.case(index)?.case.account;
                let stored = self.repo.get_contact(*contact).await?;
                if stored.value.account != account {
                    return Err(Error::validation(
                        "contact",
                        format!("contact {contact} does not belong to account {account}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A customer reply to a Closed case opens a follow-up case linked to it, in
    /// the same commit (numbered, routed). Its id is derived from the closed
    /// case's id and the reply's comment id, so a repeated reply opens nothing
    /// new: returns `true` when that follow-up already exists.
    async fn open_follow_up(&self, tx: &mut Tx, index: usize) -> Result<bool> {
        let Some(reply) = tx.events_of(index).iter().find_map(|e| match e {
            CaseEvent::FollowUpRequested { reply, .. } => Some(reply.clone()),
            _ => None,
        }) else {
            return Ok(false);
        };
        let original = tx.case(index)?.case.clone();
        let id = follow_up_id(original.id, reply.id);
        match self.repo.get_case(id).await {
            Ok(_) => return Ok(true),
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let now = tx.now;
        let year = now.year();
        let guess = self
            .next_number(tx.lane_slot(), SequenceKind::Case, year)
            .await?;
        let sequence = tx.next_claim(SequenceKind::Case, year, guess)?;
        let new = NewCase::follow_up(
            &original,
            id,
            CaseNumber::new(year, sequence)?,
            reply.body.clone(),
        );
        let hours = tx.case(index)?.hours.clone();
        let rules = self.rules_on(hours.as_ref(), new.sla_policy.as_ref());
        let (case, events) = Case::create(new, now, &rules)?;
        drop(rules);
        let follow = tx.stage_new(case, events, hours);
        tx.claim(SequenceKind::Case, year, sequence);
        self.escalate_staged(tx, follow)?;
        self.route_new_case(tx, follow, &mut None).await?;
        Ok(false)
    }

    /// A case resolved with a linked article raises the article's "cases
    /// resolved" counter in the same commit.
    async fn count_resolution(&self, tx: &mut Tx, index: usize) -> Result<()> {
        let Some(article) = tx.events_of(index).iter().find_map(|e| match e {
            CaseEvent::Resolved { resolution, .. } => resolution.article,
            _ => None,
        }) else {
            return Ok(());
        };
        // The stored copy is counted (another desk may have moved its views,
        // votes or ratings since this desk loaded it); the desk's own copy is
        // the fallback for an article not stored yet.
        let (mut value, expected) = match self.repo.get_article(article).await {
            Ok(stored) => (stored.value, Some(stored.version)),
            Err(Error::NotFound { .. }) => (
                self.with_knowledge(|kb| kb.article(article).cloned())?,
                None,
            ),
            Err(e) => return Err(e),
        };
        value.counters.cases_resolved = value.counters.cases_resolved.saturating_add(1);
        tx.write_article(value, expected);
        Ok(())
    }

    /// Memory-side effects of a committed command: the resolution history and
    /// the knowledge base's copy of a resolved-with article.
    fn after_commit(&self, outcome: &Outcome) {
        for event in &outcome.events {
            if let CaseEvent::Resolved { resolution, .. } = event {
                self.remember_resolution(&outcome.case.value, resolution);
                self.note_resolution();
                if let Some(article) = resolution.article {
                    // The stored copy was written in the commit; the cache follows.
                    let _ = self.with_knowledge_mut(|kb| kb.record_case_resolved(article));
                }
            }
        }
    }

    /// Assigns the case to an agent. With a stored router the agent must be on
    /// its roster; the case's capacity moves from the previous owner (who may
    /// then be handed a waiting case) to the new one, in the same commit. A
    /// manual assignment is a supervisor's decision: it ignores presence and may
    /// take the agent over their capacity limit.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn assign(&self, id: CaseId, agent: AgentId) -> Result<Outcome> {
        self.execute(id, CaseCommand::Assign { agent }).await
    }

    /// Adds a comment (a public agent reply fulfils the first response). The
    /// comment's id makes it idempotent: sending the same comment again stores
    /// nothing and returns the case unchanged. A customer reply to a Closed case
    /// opens a follow-up case linked to it (its `parent`), numbered and routed
    /// in the same commit and reported in [`Outcome::related`]; the same reply
    /// again opens nothing.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`]; [`Error::AlreadyExists`] when the id is used
    /// by a different comment.
    pub async fn add_comment(&self, id: CaseId, comment: NewComment) -> Result<Outcome> {
        self.execute(id, CaseCommand::Comment(comment)).await
    }

    /// Moves the case to In Progress.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn start_work(&self, id: CaseId) -> Result<Outcome> {
        self.execute(id, CaseCommand::StartWork).await
    }

    /// Waits on the customer (pauses the resolution clock by default).
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn wait_on_customer(&self, id: CaseId) -> Result<Outcome> {
        self.execute(id, CaseCommand::WaitOnCustomer).await
    }

    /// Changes the priority (due dates are recomputed from the original start).
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn change_priority(&self, id: CaseId, priority: Priority) -> Result<Outcome> {
        self.execute(id, CaseCommand::ChangePriority(priority))
            .await
    }

    /// Escalates by hand.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn escalate(
        &self,
        id: CaseId,
        to: EscalationTarget,
        level: u8,
        reason: impl Into<String>,
    ) -> Result<Outcome> {
        self.execute(
            id,
            CaseCommand::Escalate {
                to,
                level,
                reason: reason.into(),
            },
        )
        .await
    }

    /// Resolves the case; its owner's capacity is freed and a linked article's
    /// "cases resolved" counter goes up, in the same commit.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`]; [`Error::NotFound`] when the linked article is
    /// not in the knowledge base (checked first, nothing changes).
    pub async fn resolve(&self, id: CaseId, resolution: Resolution) -> Result<Outcome> {
        if let Some(article) = resolution.article {
            self.with_knowledge(|kb| kb.article(article).map(|_| ()))?;
        }
        self.execute(id, CaseCommand::Resolve(resolution)).await
    }

    /// Closes a resolved case.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn close(&self, id: CaseId) -> Result<Outcome> {
        self.execute(id, CaseCommand::Close).await
    }

    /// Reopens a resolved case: it holds its owner's capacity again (or, with no
    /// owner, waits in its queue).
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn reopen(&self, id: CaseId) -> Result<Outcome> {
        self.execute(id, CaseCommand::Reopen).await
    }

    /// Records the customer's satisfaction.
    ///
    /// # Errors
    ///
    /// As [`SupportDesk::execute`].
    pub async fn record_satisfaction(
        &self,
        id: CaseId,
        level: Satisfaction,
        feedback: Option<String>,
    ) -> Result<Outcome> {
        self.execute(id, CaseCommand::RecordSatisfaction { level, feedback })
            .await
    }

    /// The owner declines a routed case: it loses its owner, goes back to its
    /// queue (never offered to that agent again) and may be handed to another
    /// agent at once — all in one commit.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case, when no router is stored, or
    /// when the router holds no assignment for the case; storage errors.
    pub async fn decline(&self, id: CaseId) -> Result<Outcome> {
        with_retries!(self, tx => self.decline_once(&mut tx, id).await)
    }

    async fn decline_once(&self, tx: &mut Tx, id: CaseId) -> Result<Outcome> {
        let index = self.stage_case(tx, id).await?;
        tx.now = self.clock.now();
        let now = tx.now;
        let router = self.router(tx).await?.ok_or_else(no_router)?;
        let events = router.decline(id, now)?;
        self.apply_routing(tx, events).await?;
        let committed = self.commit(tx).await?;
        Ok(Outcome {
            case: self.stored(tx, index, &committed)?,
            events: tx.events_of(index).to_vec(),
            related: tx.related_events(Some(id)),
        })
    }

    /// Changes an agent's presence (Available, Busy, OnBreak, Offline). An agent
    /// who becomes available is handed waiting cases, which are assigned in the
    /// same commit. Returns the events of the cases that changed.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when no router is stored or the agent is unknown;
    /// storage errors.
    pub async fn set_agent_status(
        &self,
        agent: AgentId,
        status: AgentStatus,
    ) -> Result<Vec<(CaseId, CaseEvent)>> {
        self.configure_routing(|router, now| router.set_status(agent, status, now))
            .await
    }

    /// Replaces a queue's definition (members, method, overflow, hours): waiting
    /// cases are offered to the new members and assigned in the same commit.
    ///
    /// # Errors
    ///
    /// As [`Router::update_queue`](crate::routing::Router::update_queue);
    /// [`Error::NotFound`] when no router is stored; storage errors.
    pub async fn update_queue(&self, queue: Queue) -> Result<Vec<(CaseId, CaseEvent)>> {
        self.configure_routing(|router, now| router.update_queue(queue.clone(), now))
            .await
    }

    /// Changes the routing configuration through the desk: `f` runs on the
    /// stored router (an empty one when none is stored yet) at the desk clock's
    /// time; the routing events it returns are applied to the cases they name,
    /// and the router and those cases are stored in one commit. `f` may run more
    /// than once (once per conflict retry), always on freshly loaded state.
    /// Returns the events of the cases that changed.
    ///
    /// # Example
    ///
    /// ```
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::{AgentId, QueueId};
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let (ada, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// desk.configure_routing(|router, _now| {
    ///     router.add_agent(Agent::new(ada, "Ada", Capacity::cases(3)?)?)?;
    ///     router.add_queue(Queue::new(q, "Support", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(ada)))?;
    ///     router.set_default_queue(q)?;
    ///     Ok(Vec::new())
    /// }).await?;
    /// desk.set_agent_status(ada, AgentStatus::Available).await?;
    /// let stored = desk.repository().get_router_state().await?.expect("stored");
    /// assert_eq!(stored.value.agents[0].status, AgentStatus::Available);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `f`'s error (nothing is stored); storage errors; [`Error::Conflict`] after
    /// too many concurrent writers.
    pub async fn configure_routing(
        &self,
        f: impl Fn(
            &mut crate::routing::Router,
            DateTime<Utc>,
        ) -> Result<Vec<crate::routing::RoutingEvent>>
        + Send
        + Sync,
    ) -> Result<Vec<(CaseId, CaseEvent)>> {
        with_retries!(self, tx => self.configure_once(&mut tx, &f).await)
    }

    async fn configure_once(
        &self,
        tx: &mut Tx,
        f: &(
             impl Fn(
            &mut crate::routing::Router,
            DateTime<Utc>,
        ) -> Result<Vec<crate::routing::RoutingEvent>>
             + Send
             + Sync
         ),
    ) -> Result<Vec<(CaseId, CaseEvent)>> {
        let now = tx.now;
        let router = self.router_or_new(tx).await?;
        let events = f(router, now)?;
        self.apply_routing(tx, events).await?;
        self.commit(tx).await?;
        Ok(tx.related_events(None))
    }
}

impl SupportDesk {
    /// The number a commit of this year would claim next (the stored counter + 1).
    pub(super) async fn next_number(
        &self,
        lane: &mut Option<super::unit::Lane>,
        kind: SequenceKind,
        year: i32,
    ) -> Result<u32> {
        if lane.is_none() {
            *lane = Some(super::unit::Lane::new(
                std::sync::Arc::clone(&self.sequence_lane)
                    .lock_owned()
                    .await,
            ));
        }
        if let Some(turn) = lane.as_mut() {
            self.take_lease(turn).await?;
        }
        let cached = self.sequence_cache().get(&(kind, year)).copied();
        let current = match cached {
            Some(last) => last,
            None => {
                let stored = self.repo.current_sequence(kind, year).await?;
                let mut cache = self.sequence_cache();
                let slot = cache.entry((kind, year)).or_insert(stored);
                *slot = (*slot).max(stored);
                *slot
            }
        };
        let next = current.checked_add(1).ok_or_else(|| Error::Overflow {
            what: format!("{kind:?} numbers of {year}"),
        })?;
        Ok(next)
    }

    /// Takes the store's numbering lease into `turn` while other desks are
    /// seen numbering (see `lease_turns`), and sets the desk's counters to
    /// the stored ones it carries.
    pub(super) async fn take_lease(&self, turn: &mut super::unit::Lane) -> Result<()> {
        if turn.shared.is_some() || self.lease_turns.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        let Some(lease) = self.repo.lease_sequences().await? else {
            return Ok(());
        };
        let mut cache = self.sequence_cache();
        let mut moved = false;
        for c in lease.counters() {
            moved |= cache.insert((c.kind, c.year), c.value) != Some(c.value);
        }
        // A counter the store lacks is 0: no cached guess may outlive it.
        cache.retain(|&(kind, year), _| {
            lease
                .counters()
                .iter()
                .any(|c| c.kind == kind && c.year == year)
        });
        drop(cache);
        if moved {
            self.lease_turns.store(LEASE_TURNS, Ordering::Relaxed);
        } else {
            let _ = self
                .lease_turns
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
        turn.shared = Some(lease);
        Ok(())
    }

    /// Notes a numbered commit that failed because another writer moved a
    /// counter (or took the number), or whose numbers the store moved for
    /// that reason: the next turns take the store's lease.
    pub(super) fn saw_numbering_race(&self) {
        self.lease_turns.store(LEASE_TURNS, Ordering::Relaxed);
    }

    /// The desk's view of the sequence counters (see `next_number`).
    pub(super) fn sequence_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(SequenceKind, i32), u32>> {
        self.sequence_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The follow-up case opened by reply `comment` to closed case `original`:
/// a fixed mix of the two ids, so the same reply always names the same case.
pub(super) fn follow_up_id(original: CaseId, comment: crate::ids::CommentId) -> CaseId {
    let mixed = original
        .as_uuid()
        .as_u128()
        .rotate_left(64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
        ^ comment.as_uuid().as_u128();
    CaseId::from_u128(mixed)
}

fn no_router() -> Error {
    Error::NotFound {
        kind: "router state",
        id: "router".into(),
    }
}
