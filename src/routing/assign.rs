//! Assignment: routing a new case, completing and declining an assigned one,
//! and the capacity an open assignment holds.
//!
//! Depends on `ids`, `error` and the other routing modules.

use chrono::{DateTime, TimeDelta, Utc};

use crate::case::Origin;
use crate::error::{Error, Result};
use crate::ids::{AgentId, CaseId, QueueId};

use super::decide::hold;
use super::decision::{RoutingDecision, RoutingEvent, RoutingOutcome};
use super::queue::OutOfHours;
use super::request::{AiSuggestion, RoutingRequest};
use super::router::{Router, not_found};
use super::state::{OpenAssignment, WaitingCase};
use super::waiting::later;

impl Router {
    /// Routes a new case: classifies it, then assigns it in its queue or leaves it
    /// waiting there (`Queued`). A closed queue holds the case or overflows it, as
    /// its [`OutOfHours`] says.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// router.set_default_queue(q)?;
    /// let first = router.route(RoutingRequest::new(CaseId::from_u128(1), AccountId::new(), now), now, None)?;
    /// assert_eq!(first.decision.agent(), Some(a));
    /// let second = router.route(RoutingRequest::new(CaseId::from_u128(2), AccountId::new(), now), now, None)?;
    /// assert_eq!(second.decision.agent(), None); // Ada is at capacity: the case waits
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid request, [`Error::AlreadyExists`] when
    /// the case is already assigned or waiting, [`Error::NotFound`] for unknown
    /// queues or skills, [`Error::NotAllowed`] when no queue applies,
    /// [`Error::Overflow`] when the chosen agent's open-case count would not fit a
    /// `u32`. Nothing changes on error.
    pub fn route(
        &mut self,
        mut request: RoutingRequest,
        now: DateTime<Utc>,
        ai: Option<AiSuggestion>,
    ) -> Result<RoutingOutcome> {
        request.validate()?;
        if self.state.assignments.contains_key(&request.case)
            || self
                .state
                .waiting
                .iter()
                .any(|w| w.request.case == request.case)
        {
            return Err(Error::AlreadyExists {
                kind: "routed case",
                key: request.case.to_string(),
            });
        }
        let classification = self.classify(&request, now)?;
        request.priority = classification.priority;
        request.required.clone_from(&classification.required);
        let mut qpos = self.queue_pos(classification.queue)?;
        // Validate the skills before anything changes.
        self.requirements(&request, 0)?;

        let mut events = Vec::new();
        let mut visited = Vec::new();
        // Closed queues that overflow out of hours pass the case on at once.
        while let Some((queue, false)) = self
            .state
            .queues
            .get(qpos)
            .map(|q| (q, self.is_open(q, now)))
        {
            if queue.out_of_hours != OutOfHours::Overflow {
                break;
            }
            let Some(next) = self.overflow_target(queue, &visited) else {
                break;
            };
            visited.push(queue.id);
            events.push(RoutingEvent::Overflowed {
                case: request.case,
                from: queue.id,
                to: next.1,
                at: now,
            });
            qpos = next.0;
        }

        let mut decision = self.evaluate(qpos, &request, 0, now, ai.as_ref())?;
        let queue = self
            .state
            .queues
            .get(qpos)
            .ok_or_else(|| not_found("queue", decision.queue))?;
        let held = !self.is_open(queue, now) && queue.out_of_hours != OutOfHours::RouteAnyway;
        if held {
            hold(&mut decision, &queue.name);
        }
        match decision.chosen {
            Some(c) => {
                let charge = self.charge_for(c.agent, request.origin)?;
                events.push(self.assign(qpos, &decision, &charge, request, 0, visited, now));
            }
            None => {
                let queue_id = decision.queue;
                let timeout = queue.relax_timeout;
                let start = if held {
                    queue
                        .hours
                        .as_ref()
                        .or(self.state.business_hours.as_ref())
                        .and_then(|h| h.next_open(now))
                        .unwrap_or(now)
                } else {
                    now
                };
                events.push(RoutingEvent::Queued {
                    case: request.case,
                    queue: queue_id,
                    at: now,
                });
                self.enqueue(WaitingCase {
                    request,
                    queue: queue_id,
                    queued_at: now,
                    next_step_at: later(start, timeout),
                    dropped: 0,
                    visited,
                    stalled: false,
                    ai,
                });
            }
        }
        Ok(RoutingOutcome {
            classification,
            decision,
            events,
        })
    }

    /// The assignee finished `case`: frees their capacity and pulls waiting cases.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// for n in 1..=2 {
    ///     router.route(RoutingRequest::new(CaseId::from_u128(n), AccountId::new(), now).in_queue(q), now, None)?;
    /// }
    /// let events = router.complete(CaseId::from_u128(1), now)?;
    /// assert!(events.iter().any(|e| matches!(e, RoutingEvent::Assigned { case, .. } if *case == CaseId::from_u128(2))));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the case has no open assignment.
    pub fn complete(&mut self, case: CaseId, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        let assignment = self.release(case)?;
        let mut events = vec![RoutingEvent::Released {
            case,
            agent: assignment.agent,
            at: now,
        }];
        events.extend(self.dispatch(Some(assignment.agent), now));
        Ok(events)
    }

    /// The assignee declined `case`: frees their capacity, excludes them from this
    /// case for good, and puts the case back in its queue with its original age
    /// (so it is pulled before younger cases of the same priority).
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// let case = CaseId::from_u128(1);
    /// router.route(RoutingRequest::new(case, AccountId::new(), now).in_queue(q), now, None)?;
    /// router.decline(case, now)?;
    /// assert!(router.waiting(q)[0].request.declined_by.contains(&a)); // Ada is never offered it again
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the case has no open assignment.
    pub fn decline(&mut self, case: CaseId, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        let assignment = self.release(case)?;
        let agent = assignment.agent;
        let timeout = self
            .queue(assignment.queue)
            .map_or(TimeDelta::minutes(5), |q| q.relax_timeout);
        let mut request = assignment.request;
        request.declined_by.insert(agent);
        self.enqueue(WaitingCase {
            request,
            queue: assignment.queue,
            queued_at: now,
            next_step_at: later(now, timeout),
            dropped: assignment.dropped,
            visited: assignment.visited,
            stalled: false,
            ai: None,
        });
        let mut events = vec![RoutingEvent::Declined {
            case,
            agent,
            at: now,
        }];
        events.extend(self.dispatch(None, now));
        Ok(events)
    }

    /// Checks what taking one more case from `origin` does to `agent`'s load
    /// and open-case count, without changing anything. Ignores status and the
    /// capacity limit (eligibility is the decision's job); only refuses a load
    /// or count that would not fit a `u32`.
    pub(super) fn charge_for(&self, agent: AgentId, origin: Origin) -> Result<Charge> {
        let pos = self.agent_pos(agent)?;
        let a = self
            .state
            .agents
            .get(pos)
            .ok_or_else(|| not_found("agent", agent))?;
        let cost = a.capacity.cost_of(origin);
        let overflow = |what: String| Error::Overflow { what };
        let load = a.load.checked_add(cost).ok_or_else(|| {
            overflow(format!(
                "load {} of agent {agent} plus case cost {cost} does not fit in u32",
                a.load
            ))
        })?;
        let open_cases = a.open_cases.checked_add(1).ok_or_else(|| {
            overflow(format!(
                "open cases {} of agent {agent} plus one does not fit in u32",
                a.open_cases
            ))
        })?;
        Ok(Charge {
            agent,
            pos,
            cost,
            load,
            open_cases,
        })
    }

    /// Applies a checked [`Charge`]: the agent's new load and count, and now as
    /// their last assignment.
    pub(super) fn apply_charge(&mut self, charge: &Charge, now: DateTime<Utc>) {
        if let Some(agent) = self.state.agents.get_mut(charge.pos) {
            agent.load = charge.load;
            agent.open_cases = charge.open_cases;
            agent.last_assigned_at = Some(now);
            self.index.refresh(charge.pos, agent);
        }
    }

    /// Applies a decision with a chosen agent whose [`Charge`] was checked:
    /// load, queue counters and cursor, the open assignment.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assign(
        &mut self,
        qpos: usize,
        decision: &RoutingDecision,
        charge: &Charge,
        request: RoutingRequest,
        dropped: usize,
        visited: Vec<QueueId>,
        now: DateTime<Utc>,
    ) -> RoutingEvent {
        let case = request.case;
        let queue_id = decision.queue;
        let agent_id = charge.agent;
        debug_assert_eq!(decision.agent(), Some(agent_id));
        self.apply_charge(charge, now);
        if let Some(queue) = self.state.queues.get_mut(qpos) {
            queue.turn = queue.turn.saturating_add(1);
            let turn = queue.turn;
            if let Some(m) = queue.members.iter_mut().find(|m| m.agent == agent_id) {
                m.last_turn = turn;
                m.served = m.served.saturating_add(1);
            }
        }
        self.state.assignments.insert(
            case,
            OpenAssignment {
                request,
                agent: agent_id,
                queue: queue_id,
                cost: charge.cost,
                dropped,
                visited,
                assigned_at: now,
            },
        );
        RoutingEvent::Assigned {
            case,
            queue: queue_id,
            agent: agent_id,
            method: decision.method,
            at: now,
        }
    }

    /// Removes an open assignment and gives its capacity back. The load and
    /// count go down by exactly what the assignment held; should they ever be
    /// smaller (they cannot be while loads derive from the assignments), they
    /// are recomputed from the remaining assignments instead of wrapping.
    fn release(&mut self, case: CaseId) -> Result<OpenAssignment> {
        let assignment = self
            .state
            .assignments
            .remove(&case)
            .ok_or_else(|| not_found("assignment", case))?;
        if let Some(&pos) = self.index.agent_pos.get(&assignment.agent) {
            let (held_load, held_cases) = self.state.held_by(assignment.agent);
            if let Some(agent) = self.state.agents.get_mut(pos) {
                match (
                    agent.load.checked_sub(assignment.cost),
                    agent.open_cases.checked_sub(1),
                ) {
                    (Some(load), Some(open_cases)) => {
                        agent.load = load;
                        agent.open_cases = open_cases;
                    }
                    _ => {
                        agent.load = u32::try_from(held_load).unwrap_or(u32::MAX);
                        agent.open_cases = u32::try_from(held_cases).unwrap_or(u32::MAX);
                    }
                }
                self.index.refresh(pos, agent);
            }
        }
        Ok(assignment)
    }
}

/// A capacity charge checked by [`Router::charge_for`]: the agent and position,
/// the case's cost and the agent's load and open-case count after taking it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Charge {
    agent: AgentId,
    pos: usize,
    cost: u32,
    load: u32,
    open_cases: u32,
}
