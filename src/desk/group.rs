//! Group commit of concurrent creations.
//!
//! A creation is decided while its caller holds the desk's numbering lane
//! (the number is claimed inside the commit). Creations that arrive while
//! another holds the lane queue up; whoever gets the lane next takes every
//! waiting creation (at most [`MAX_GROUP`]), decides them one after the other
//! on one unit of work — in arrival order, each seeing the cases and router
//! state the earlier ones left — and stores them in one commit. Each caller
//! gets its own outcome (its case, its events, the routing events on other
//! cases its creation caused).
//!
//! The rule that keeps this invisible: a group commits whole, or — when its
//! commit meets a conflict (another desk committed first: a stale number
//! guess or router version) — is decided again whole on fresh reads, as a
//! single creation is; any other failure decides it again **one creation per
//! commit** (the solo path, with its own conflict retries). A request that
//! fails to decide, a commit that fails for another reason (a unique email
//! taken, a storage error), a queue that needs the provider's agent
//! suggestion: the group falls back, so each caller sees exactly the error
//! (or success) it would have seen alone, and a failed creation never stores
//! anything or uses a number.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use super::commands::Prepared;
use super::unit::{Lane, Tx, YieldNow, is_retryable};
use super::{CaseRequest, Outcome, SupportDesk};
use crate::error::{Error, Result};
use crate::ids::CaseId;

/// Most creations one group commit takes; the rest wait for the next.
pub(super) const MAX_GROUP: usize = 64;

/// A creation waiting for the numbering lane.
#[derive(Debug)]
pub(super) struct Pending {
    id: CaseId,
    request: Arc<CaseRequest>,
    prepared: Arc<Prepared>,
    reply: oneshot::Sender<Result<Outcome>>,
}

/// The creations waiting for the numbering lane (shared by clones of a desk).
pub(super) type CreationQueue = Arc<Mutex<Vec<Pending>>>;

/// Whether a request may share a commit: requests that also write portal
/// records or participants of their own (deflection, conversations, intake
/// participants) keep the solo path.
pub(super) fn groupable(request: &CaseRequest) -> bool {
    request.deflection.is_none()
        && request.conversation.is_none()
        && request.participants.is_empty()
}

impl SupportDesk {
    fn creation_queue(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.creations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// [`SupportDesk::create_case`] through the group commit (see the module).
    pub(super) async fn create_grouped(
        &self,
        id: CaseId,
        request: CaseRequest,
        prepared: Prepared,
    ) -> Result<Outcome> {
        let request = Arc::new(request);
        let prepared = Arc::new(prepared);
        let (reply, mut answer) = oneshot::channel();
        self.creation_queue().push(Pending {
            id,
            request: Arc::clone(&request),
            prepared: Arc::clone(&prepared),
            reply,
        });
        let mut lane = Lane::new(Arc::clone(&self.sequence_lane).lock_owned().await);
        match answer.try_recv() {
            // Decided and committed (or refused) in another caller's group.
            Ok(result) => return result,
            Err(oneshot::error::TryRecvError::Closed) => {
                drop(lane);
                return self.create_orphaned(id, &request, &prepared).await;
            }
            Err(oneshot::error::TryRecvError::Empty) => {}
        }
        // While other desks number, wait for the store's lease before taking
        // the queue: creations that arrive meanwhile join this group. (A
        // lease that cannot be had now is asked for again by the numbering.)
        let _ = self.take_lease(&mut lane).await;
        let group = {
            let mut queue = self.creation_queue();
            let take = queue.len().min(MAX_GROUP);
            queue.drain(..take).collect::<Vec<_>>()
        };
        // The group holds this caller's creation, or another caller took it
        // and answers it once it has decided it alone (after a fallback).
        self.run_group(lane, group).await;
        match answer.await {
            Ok(result) => result,
            Err(_) => self.create_orphaned(id, &request, &prepared).await,
        }
    }

    /// A creation whose group was dropped before answering (its leader's
    /// caller went away): the group may have committed it. Its id is fixed,
    /// so deciding it again cannot store it twice.
    async fn create_orphaned(
        &self,
        id: CaseId,
        request: &CaseRequest,
        prepared: &Prepared,
    ) -> Result<Outcome> {
        match self.create_solo(id, request, prepared, None).await {
            Err(Error::AlreadyExists { kind: "case", .. }) if request.id.is_none() => {
                let case = self.repo.get_case(id).await?;
                Ok(Outcome {
                    case,
                    events: Vec::new(),
                    related: Vec::new(),
                })
            }
            other => other,
        }
    }

    /// Decides `group` on one unit of work and commits it, answering every
    /// member; falls back to one commit per creation when anything fails.
    async fn run_group(&self, lane: Lane, group: Vec<Pending>) {
        // A repeated request (same id) is answered after the group, from the
        // stored case, instead of failing the group.
        let mut ids = std::collections::HashSet::with_capacity(group.len());
        let (unique, repeats): (Vec<_>, Vec<_>) = group
            .into_iter()
            .enumerate()
            .partition(|(_, m)| ids.insert(m.id));
        let mut alone = match <[(usize, Pending); 1]>::try_from(unique) {
            Ok([(_, only)]) => {
                let result = self
                    .create_solo(only.id, &only.request, &only.prepared, Some(lane))
                    .await;
                let _ = only.reply.send(result);
                Vec::new()
            }
            Err(unique) if unique.is_empty() => Vec::new(),
            Err(unique) => self.run_unique_group(lane, unique).await,
        };
        // Whatever the group did not commit, one by one in arrival order (a
        // repeat right after the request it repeats, as without grouping).
        alone.extend(repeats);
        alone.sort_by_key(|(order, _)| *order);
        for (_, member) in alone {
            let result = self
                .create_solo(member.id, &member.request, &member.prepared, None)
                .await;
            let _ = member.reply.send(result);
        }
    }

    /// [`SupportDesk::run_group`] for two or more members with distinct ids.
    /// A conflict (another desk committed first) decides the whole group
    /// again on fresh reads, as a single creation is; any other failure
    /// hands every member back to be decided alone (returned with its place
    /// in arrival order; empty when the group committed).
    async fn run_unique_group(
        &self,
        lane: Lane,
        group: Vec<(usize, Pending)>,
    ) -> Vec<(usize, Pending)> {
        let mut lane = Some(lane);
        let mut attempt = 0u32;
        loop {
            let mut tx = Tx::new(self.clock.now());
            *tx.lane_slot() = lane.take();
            tx.grouped = true;
            let mut decided = Vec::with_capacity(group.len());
            for (_, member) in &group {
                let before = tx.event_marks();
                let mut asked = None;
                match self
                    .stage_creation(
                        &mut tx,
                        member.id,
                        &member.request,
                        &member.prepared,
                        &mut asked,
                    )
                    .await
                {
                    Ok(index) => decided.push((index, before, tx.event_marks())),
                    Err(_) => break,
                }
            }
            if decided.len() != group.len() {
                break;
            }
            match self.commit(&mut tx).await {
                Ok(committed) => {
                    for ((_, member), (index, before, after)) in group.into_iter().zip(decided) {
                        let result = self.stored(&tx, index, &committed).map(|case| {
                            let (events, related) = tx.events_between(&before, &after, member.id);
                            Outcome {
                                case,
                                events,
                                related,
                            }
                        });
                        let _ = member.reply.send(result);
                    }
                    return Vec::new();
                }
                Err(e) if decide_again(&e) && attempt < self.config.max_retries => {
                    attempt += 1;
                    lane = tx.lane_slot().take();
                    drop(tx);
                    YieldNow::new().await;
                }
                Err(_) => break,
            }
        }
        // Decide each alone, as if it had never been grouped.
        group
    }
}

/// Whether a failed creation commit is decided again: a conflict, or a number
/// a racing desk took (a store may report that before the sequence claim).
fn decide_again(error: &Error) -> bool {
    is_retryable(error)
        || matches!(
            error,
            Error::AlreadyExists {
                kind: "case number",
                ..
            }
        )
}
