//! Merging duplicate cases and splitting a comment into a new case, each one
//! unit of work.
//!
//! - **Merge** ([`SupportDesk::merge_cases`]): both cases belong to the same
//!   account and neither is Closed. The duplicate's comments are copied to the
//!   surviving case (oldest first with its own; deleted comments stay behind),
//!   the duplicate completes its open SLA milestones and is Closed with a link
//!   ([`Case::merged_into`](crate::case::Case::merged_into),
//!   [`CaseEvent::MergedInto`]) — no satisfaction survey is asked for a
//!   duplicate — and routing frees its owner's capacity, all in one commit.
//!   The surviving case's [`timeline`](SupportDesk::timeline) includes the
//!   duplicate's events. Merging the same pair again is a no-op.
//! - **Split** ([`SupportDesk::split_comment`]): a comment becomes a new case
//!   of the same account (its text the description, its author's contact, the
//!   channel it came through, the original as `parent`), numbered, AI-free and
//!   routed like any new case; the comment is left out of the original's
//!   readers ([`CaseEvent::CommentSplit`]). The new case's id derives from the
//!   original and the comment, so splitting the same comment again returns the
//!   existing case and stores nothing.

use chrono::Datelike;

use super::commands::with_retries;
use super::unit::{RoutingView, Tx, YieldNow, is_retryable};
use super::{Outcome, SupportDesk};
use crate::case::{Actor, Case, CaseEvent, NewCase};
use crate::error::{Error, Result};
use crate::ids::{CaseId, CaseNumber, CommentId};
use crate::repo::SequenceKind;

impl SupportDesk {
    /// Merges `duplicate` into `into` on behalf of `by` (see the module
    /// rules above). Returns the surviving case and its events; the
    /// duplicate's are in [`Outcome::related`].
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case; [`Error::Validation`] for the
    /// same case twice or cases of different accounts; [`Error::NotAllowed`]
    /// when either is Closed; [`Error::Conflict`] after too many concurrent
    /// writers. On any error nothing is stored.
    ///
    /// ```
    /// # use hotcrm_support::case::{Actor, CaseStatus, NewComment};
    /// # use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::{AccountId, AgentId, CommentId};
    /// # use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = std::sync::Arc::new(MemoryRepository::new());
    /// # let acme = Account::new(AccountId::from_u128(1), "Acme");
    /// # repo.put_account(&acme, None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// let first = desk.create_case(CaseRequest::new(acme.id, "VPN down", "Since 9am")).await?.case.value;
    /// let again = desk.create_case(CaseRequest::new(acme.id, "VPN still down", "Any news?")).await?.case.value;
    /// desk.add_comment(again.id, NewComment::customer_reply(CommentId::from_u128(1), "Please hurry")).await?;
    /// let lead = Actor::Agent(AgentId::from_u128(9));
    /// let merged = desk.merge_cases(again.id, first.id, lead).await?;
    /// assert_eq!(merged.case.value.comments.len(), 1);
    /// let dup = desk.case(again.id).await?.value;
    /// assert_eq!((dup.status, dup.merged_into), (CaseStatus::Closed, Some(first.id)));
    /// # Ok(()) }
    /// ```
    pub async fn merge_cases(&self, duplicate: CaseId, into: CaseId, by: Actor) -> Result<Outcome> {
        if duplicate == into {
            return Err(Error::validation(
                "duplicate",
                format!("case {into} cannot be merged into itself"),
            ));
        }
        let outcome = with_retries!(self, tx => {
            tx.by = by;
            self.merge_once(&mut tx, duplicate, into).await
        })?;
        Ok(outcome)
    }

    async fn merge_once(&self, tx: &mut Tx, duplicate: CaseId, into: CaseId) -> Result<Outcome> {
        let keep = self.stage_case(tx, into).await?;
        let dup = self.stage_case(tx, duplicate).await?;
        tx.now = self.clock.now();
        let (target, copy) = (tx.case(keep)?.case.clone(), tx.case(dup)?.case.clone());
        if target.account != copy.account {
            return Err(Error::validation(
                "duplicate",
                format!(
                    "{} and {} belong to different accounts",
                    copy.number, target.number
                ),
            ));
        }
        if copy.merged_into == Some(into) {
            return Ok(Outcome {
                case: self.repo.get_case(into).await?,
                events: Vec::new(),
                related: Vec::new(),
            });
        }
        let (before_keep, before_dup) = (RoutingView::of(&target), RoutingView::of(&copy));
        self.decide_staged_with(tx, keep, |d| d.absorb(&copy))?;
        let number = target.number;
        self.decide_staged_with(tx, dup, |d| d.merge_into(into, number))?;
        self.reconcile(tx, dup, before_dup).await?;
        self.reconcile(tx, keep, before_keep).await?;
        let committed = self.commit(tx).await?;
        Ok(Outcome {
            case: self.stored(tx, keep, &committed)?,
            events: tx.events_of(keep).to_vec(),
            related: tx.related_events(Some(into)),
        })
    }

    /// Splits `comment` off `case` into a new case with `subject`, on behalf
    /// of `by` (see the module rules above). Returns the new case and its
    /// events; the original's are in [`Outcome::related`].
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown case or comment;
    /// [`Error::Validation`] for a blank subject; [`Error::NotAllowed`] when
    /// the original is Closed or the comment was deleted; storage errors. On
    /// any error nothing is stored.
    ///
    /// ```
    /// # use hotcrm_support::case::{Actor, NewComment};
    /// # use hotcrm_support::desk::{CaseRequest, SupportDesk};
    /// # use hotcrm_support::ids::{AccountId, AgentId, CommentId};
    /// # use hotcrm_support::repo::{Account, MemoryRepository, Repository};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let repo = std::sync::Arc::new(MemoryRepository::new());
    /// # let acme = Account::new(AccountId::from_u128(1), "Acme");
    /// # repo.put_account(&acme, None).await?;
    /// # let desk = SupportDesk::builder(repo).build();
    /// let case = desk.create_case(CaseRequest::new(acme.id, "VPN down", "Since 9am")).await?.case.value;
    /// let other = CommentId::from_u128(1);
    /// desk.add_comment(case.id, NewComment::customer_reply(other, "Also: my invoice is wrong")).await?;
    /// let split = desk.split_comment(case.id, other, "Invoice is wrong", Actor::Agent(AgentId::from_u128(9))).await?;
    /// assert_eq!(split.case.value.parent, Some(case.id));
    /// assert_eq!(split.case.value.description, "Also: my invoice is wrong");
    /// assert!(desk.case(case.id).await?.value.comments[0].is_deleted());
    /// # Ok(()) }
    /// ```
    pub async fn split_comment(
        &self,
        case: CaseId,
        comment: CommentId,
        subject: &str,
        by: Actor,
    ) -> Result<Outcome> {
        let id = split_id(case, comment);
        match self.repo.get_case(id).await {
            Ok(existing) => {
                return Ok(Outcome {
                    case: existing,
                    events: Vec::new(),
                    related: Vec::new(),
                });
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let outcome = with_retries!(self, tx => {
            tx.by = by;
            self.split_once(&mut tx, case, comment, id, subject).await
        });
        match outcome {
            // A concurrent split of the same comment won: return its case.
            Err(Error::AlreadyExists { .. }) => Ok(Outcome {
                case: self.repo.get_case(id).await?,
                events: Vec::new(),
                related: Vec::new(),
            }),
            other => other,
        }
    }

    async fn split_once(
        &self,
        tx: &mut Tx,
        case: CaseId,
        comment: CommentId,
        id: CaseId,
        subject: &str,
    ) -> Result<Outcome> {
        let index = self.stage_case(tx, case).await?;
        tx.now = self.clock.now();
        let original = tx.case(index)?.case.clone();
        let Some(stored) = original.comments.iter().find(|c| c.id == comment).cloned() else {
            return Err(Error::NotFound {
                kind: "comment",
                id: comment.to_string(),
            });
        };
        self.decide_staged_with(tx, index, |d| d.split_off(comment, id))?;
        let now = tx.now.max(original.updated_at);
        let year = now.year();
        let guess = self
            .next_number(tx.lane_slot(), SequenceKind::Case, year)
            .await?;
        let sequence = tx.next_claim(SequenceKind::Case, year, guess)?;
        let mut new = NewCase::new(
            id,
            CaseNumber::new(year, sequence)?,
            original.account,
            subject,
            stored.text(),
        )
        .with_priority(original.priority)
        .with_type(original.case_type)
        .with_origin(stored.channel.unwrap_or(original.origin));
        let contact = match stored.author {
            crate::case::Author::Customer(Some(c)) => Some(c),
            _ => original.contact,
        };
        if let Some(contact) = contact {
            new = new.with_contact(contact);
        }
        if let Some(product) = original.product {
            new = new.with_product(product);
        }
        new.parent = Some(original.id);
        new.sla_policy = original.sla_policy.clone();
        let hours = tx.case(index)?.hours.clone();
        let rules = self.rules_on(hours.as_ref(), new.sla_policy.as_ref());
        let (created, mut events) = Case::create(new, now, &rules)?;
        drop(rules);
        let by = tx.by;
        for event in &mut events {
            if let CaseEvent::Created { by: creator, .. } = event {
                *creator = by;
            }
        }
        let split = tx.stage_new(created, events, hours);
        tx.claim(SequenceKind::Case, year, sequence);
        self.escalate_staged(tx, split)?;
        self.route_new_case(tx, split, &mut None).await?;
        let committed = self.commit(tx).await?;
        Ok(Outcome {
            case: self.stored(tx, split, &committed)?,
            events: tx.events_of(split).to_vec(),
            related: tx.related_events(Some(id)),
        })
    }

    /// The events of `case` and of every case merged into it, in time order
    /// (each case's own order kept for equal instants).
    pub(super) async fn merged_history(&self, case: CaseId) -> Result<Vec<CaseEvent>> {
        let mut events = self.repo.case_events(case).await?;
        let merged: Vec<CaseId> = events
            .iter()
            .filter_map(|e| match e {
                CaseEvent::Merged { from, .. } => Some(*from),
                _ => None,
            })
            .collect();
        for from in merged {
            events.extend(self.repo.case_events(from).await?);
        }
        events.sort_by_key(CaseEvent::at);
        Ok(events)
    }
}

/// The id of the case split off `case` from `comment`.
fn split_id(case: CaseId, comment: CommentId) -> CaseId {
    CaseId::from_u128(crate::ids::stable_hash(
        "split",
        &format!("{case}/{comment}"),
    ))
}
