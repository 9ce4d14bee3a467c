//! Assignment: routing a new case, manual assignment, completing, declining
//! and withdrawing a case, and the capacity an open assignment holds.
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
    /// A case assigned manually outside any queue (see [`Router::assign_to`])
    /// goes to the queue the rules or the default queue pick now (a `Queued`
    /// event follows `Declined`); with none it leaves routing.
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
        let mut request = assignment.request;
        request.declined_by.insert(agent);
        let mut events = vec![RoutingEvent::Declined {
            case,
            agent,
            at: now,
        }];
        let queue = match assignment.queue {
            Some(queue) => Some(queue),
            None => self.classify(&request, now).ok().map(|c| {
                request.priority = c.priority;
                request.required = c.required;
                events.push(RoutingEvent::Queued {
                    case,
                    queue: c.queue,
                    at: now,
                });
                c.queue
            }),
        };
        if let Some(queue) = queue {
            let timeout = self
                .queue(queue)
                .map_or(TimeDelta::minutes(5), |q| q.relax_timeout);
            self.enqueue(WaitingCase {
                request,
                queue,
                queued_at: now,
                next_step_at: later(now, timeout),
                dropped: assignment.dropped,
                visited: assignment.visited,
                stalled: false,
                ai: None,
            });
        }
        events.extend(self.dispatch(None, now));
        Ok(events)
    }

    /// A manual (supervisor) assignment of `request.case` to `agent`.
    ///
    /// - A waiting case leaves its waiting line.
    /// - A case assigned to another agent is taken from them (`Released`), and
    ///   their freed capacity is offered to waiting cases (the `Assigned` events
    ///   of the cases it pulls follow).
    /// - A case already assigned to `agent` is left alone: `Ok(vec![])`.
    ///
    /// It is the supervisor's decision, so the agent's status and capacity
    /// limit are not checked: the load may go over the limit (the agent then
    /// gets no routed work until it is back under). The load arithmetic is
    /// checked: a load that would not fit a `u32` is an error.
    ///
    /// A case the router already knows keeps its routing record (its classified
    /// request, declines, relaxation and overflow history); a new one is
    /// classified like [`Router::route`] does when a rule or the default queue
    /// applies. Either way `agent` leaves its `declined_by`. The case's queue is,
    /// in order: the queue of its waiting or assignment entry, `request.queue`,
    /// the queue the rules or the default queue pick. Routing rules are not
    /// needed: with none of these the assignment has no queue
    /// ([`OpenAssignment::queue`] is `None`).
    ///
    /// No routing method chose the agent, so the event is
    /// [`RoutingEvent::ManuallyAssigned`] (not `Assigned`) and the queue's
    /// round-robin and weighted counters do not move; the agent's last
    /// assignment time does. Events: `Released` for the previous assignee (if
    /// any), `ManuallyAssigned`, then the `Assigned` events of the cases the
    /// freed capacity pulls.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (ada, bob) = (AgentId::from_u128(1), AgentId::from_u128(2));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(ada, "Ada", Capacity::cases(1)?)?)?; // offline
    /// router.add_agent(Agent::new(bob, "Bob", Capacity::cases(1)?)?)?;
    /// let case = CaseId::from_u128(7);
    /// // No queue, no rules: a supervisor can still hand the case to Ada...
    /// let request = RoutingRequest::new(case, AccountId::new(), now);
    /// let events = router.assign_to(request.clone(), ada, now)?;
    /// assert!(matches!(events[..], [RoutingEvent::ManuallyAssigned { queue: None, previous: None, .. }]));
    /// // ...then move it to Bob: Ada is released.
    /// let events = router.assign_to(request.clone(), bob, now)?;
    /// assert!(matches!(events[0], RoutingEvent::Released { agent, .. } if agent == ada));
    /// assert_eq!(router.assignment(case).map(|a| a.agent), Some(bob));
    /// assert!(router.assign_to(request, bob, now)?.is_empty()); // already Bob's
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid request, [`Error::NotFound`] for an
    /// unknown agent (`kind: "agent"`), queue named by the request or skill,
    /// [`Error::Overflow`] when the agent's load or open-case count would not
    /// fit a `u32`. Nothing changes on error.
    pub fn assign_to(
        &mut self,
        request: RoutingRequest,
        agent: AgentId,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutingEvent>> {
        request.validate()?;
        self.agent_pos(agent)?;
        let case = request.case;
        let assigned = self.state.assignments.get(&case);
        if assigned.is_some_and(|a| a.agent == agent) {
            return Ok(Vec::new());
        }
        let waiting = self
            .state
            .waiting
            .iter()
            .position(|w| w.request.case == case);
        let (entry, entry_queue, dropped, visited) = match (assigned, waiting) {
            (Some(a), _) => (Some(&a.request), a.queue, a.dropped, a.visited.clone()),
            (None, Some(i)) => match self.state.waiting.get(i) {
                Some(w) => (
                    Some(&w.request),
                    Some(w.queue),
                    w.dropped,
                    w.visited.clone(),
                ),
                None => (None, None, 0, Vec::new()),
            },
            (None, None) => (None, None, 0, Vec::new()),
        };
        let classification = match entry_queue {
            Some(_) => None,
            None => match self.classify(&request, now) {
                Ok(c) => Some(c),
                Err(Error::NotAllowed { .. }) => None,
                Err(e) => return Err(e),
            },
        };
        let queue = entry_queue.or(classification.as_ref().map(|c| c.queue));
        let previous = assigned.map(|a| a.agent);
        let mut stored = match (entry, classification) {
            (Some(known), _) => known.clone(),
            (None, Some(c)) => {
                let mut fresh = request;
                fresh.priority = c.priority;
                fresh.required = c.required;
                fresh
            }
            (None, None) => request,
        };
        stored.declined_by.remove(&agent);
        self.requirements(&stored, 0)?;
        let charge = self.charge_for(agent, stored.origin)?;

        // Everything is checked: from here on nothing fails.
        if let Some(i) = waiting {
            self.state.waiting.remove(i);
        }
        let mut events = Vec::new();
        if let Some(previous) = previous {
            if self.release(case).is_ok() {
                events.push(RoutingEvent::Released {
                    case,
                    agent: previous,
                    at: now,
                });
            }
        }
        self.apply_charge(&charge, now);
        self.state.assignments.insert(
            case,
            OpenAssignment {
                request: stored,
                agent,
                queue,
                cost: charge.cost,
                dropped,
                visited,
                assigned_at: now,
            },
        );
        events.push(RoutingEvent::ManuallyAssigned {
            case,
            queue,
            agent,
            previous,
            at: now,
        });
        if let Some(previous) = previous {
            events.extend(self.dispatch(Some(previous), now));
        }
        Ok(events)
    }

    /// The case is finished (resolved, closed) or taken out of routing: it
    /// leaves its waiting line (no event) and its open assignment (`Released`
    /// for the assignee), and the freed capacity is offered to waiting cases
    /// (their `Assigned` events follow). An unknown case changes nothing.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// for n in 1..=3 {
    ///     router.route(RoutingRequest::new(CaseId::from_u128(n), AccountId::new(), now).in_queue(q), now, None)?;
    /// }
    /// assert!(router.withdraw(CaseId::from_u128(3), now).is_empty()); // was waiting
    /// let events = router.withdraw(CaseId::from_u128(1), now); // was Ada's
    /// assert!(matches!(events[..], [RoutingEvent::Released { .. }, RoutingEvent::Assigned { case, .. }] if case == CaseId::from_u128(2)));
    /// assert!(router.withdraw(CaseId::from_u128(9), now).is_empty()); // unknown
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn withdraw(&mut self, case: CaseId, now: DateTime<Utc>) -> Vec<RoutingEvent> {
        self.state.waiting.retain(|w| w.request.case != case);
        let Ok(assignment) = self.release(case) else {
            return Vec::new();
        };
        let mut events = vec![RoutingEvent::Released {
            case,
            agent: assignment.agent,
            at: now,
        }];
        events.extend(self.dispatch(Some(assignment.agent), now));
        events
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
                queue: Some(queue_id),
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
        let Some(&pos) = self.index.agent_pos.get(&assignment.agent) else {
            return Ok(assignment);
        };
        let released = self.state.agents.get(pos).map(|agent| {
            agent
                .load
                .checked_sub(assignment.cost)
                .zip(agent.open_cases.checked_sub(1))
                .unwrap_or_else(|| {
                    let (load, cases) = self.state.held_by(assignment.agent);
                    (
                        u32::try_from(load).unwrap_or(u32::MAX),
                        u32::try_from(cases).unwrap_or(u32::MAX),
                    )
                })
        });
        if let (Some((load, open_cases)), Some(agent)) = (released, self.state.agents.get_mut(pos))
        {
            agent.load = load;
            agent.open_cases = open_cases;
            self.index.refresh(pos, agent);
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
