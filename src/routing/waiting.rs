//! The waiting lines: work order, relaxation timers (drop an optional skill
//! group, then overflow, else stall), closed queues, and dispatching freed
//! capacity to waiting cases.
//!
//! Depends on `ids` and the other routing modules.

use chrono::{DateTime, TimeDelta, Utc};

use crate::ids::{AgentId, QueueId};

use super::decision::RoutingEvent;
use super::queue::{OutOfHours, Queue};
use super::request::RoutingRequest;
use super::router::Router;
use super::state::WaitingCase;

impl Router {
    /// Advances the relaxation timers to `now`, in work order. For each waiting
    /// case whose timeout elapsed: drop the next optional skill group and retry;
    /// once all are dropped, after one more timeout move to the overflow queue; with
    /// nowhere left, emit `RoutingStalled` once and keep waiting. Event times are the
    /// instants the timeouts elapsed. Finally every open queue is offered its waiting
    /// cases. Calling `tick` twice with the same `now` emits nothing new.
    ///
    /// ```
    /// # use chrono::{TimeDelta, Utc}; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let q = QueueId::from_u128(1);
    /// let mut router = Router::new();
    /// router.add_queue(Queue::new(q, "Lonely", RoutingMethod::RoundRobin)?)?;
    /// router.route(RoutingRequest::new(CaseId::from_u128(1), AccountId::new(), now).in_queue(q), now, None)?;
    /// let events = router.tick(now + TimeDelta::minutes(5));
    /// assert!(matches!(events[..], [RoutingEvent::RoutingStalled { .. }]));
    /// assert!(router.tick(now + TimeDelta::minutes(60)).is_empty());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<RoutingEvent> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.state.waiting.len() {
            if self.advance_waiting(i, now, &mut events) {
                continue; // assigned and removed: the next case moved into slot i
            }
            i += 1;
        }
        events.extend(self.dispatch(None, now));
        events
    }

    /// Runs the due relaxation steps of waiting case `i`; true if it got assigned.
    fn advance_waiting(
        &mut self,
        i: usize,
        now: DateTime<Utc>,
        events: &mut Vec<RoutingEvent>,
    ) -> bool {
        // Bounded: each step drops a group, leaves a queue for good, or stalls.
        let bound = self
            .state
            .waiting
            .get(i)
            .map_or(0, |w| w.request.optional_groups.len())
            + self.state.queues.len()
            + 1;
        for _ in 0..bound {
            let Some(w) = self.state.waiting.get(i) else {
                return false;
            };
            // A queue that sends its work elsewhere while closed does so at once.
            if let Some((from, to, timeout)) = self.closed_overflow(w, now) {
                let case = w.request.case;
                events.push(RoutingEvent::Overflowed {
                    case,
                    from,
                    to,
                    at: now,
                });
                if let Some(w) = self.state.waiting.get_mut(i) {
                    w.visited.push(from);
                    w.queue = to;
                    w.queued_at = now;
                    w.next_step_at = later(now, timeout);
                    w.stalled = false;
                }
                if self.try_assign_waiting(i, now, events) {
                    return true;
                }
                continue;
            }
            if w.stalled || now < w.next_step_at {
                return false;
            }
            let step_at = w.next_step_at;
            let Ok(qpos) = self.queue_pos(w.queue) else {
                return false;
            };
            let Some(queue) = self.state.queues.get(qpos) else {
                return false;
            };
            if !self.is_open(queue, now) && queue.out_of_hours == OutOfHours::Hold {
                // Timers restart when the queue opens.
                let reopen = queue
                    .hours
                    .as_ref()
                    .or(self.state.business_hours.as_ref())
                    .and_then(|h| h.next_open(now));
                let next =
                    reopen.map_or(DateTime::<Utc>::MAX_UTC, |t| later(t, queue.relax_timeout));
                if let Some(w) = self.state.waiting.get_mut(i) {
                    w.next_step_at = next;
                }
                return false;
            }
            let case = w.request.case;
            let from = queue.id;
            let groups = w.request.optional_groups.len();
            let (dropped, visited) = (w.dropped, w.visited.clone());
            let step = if dropped < groups {
                events.push(RoutingEvent::SkillGroupDropped {
                    case,
                    queue: from,
                    group: dropped,
                    at: step_at,
                });
                Step::Dropped(later(step_at, queue.relax_timeout))
            } else if let Some((to_pos, to)) = self.overflow_target(queue, &visited) {
                events.push(RoutingEvent::Overflowed {
                    case,
                    from,
                    to,
                    at: step_at,
                });
                let timeout = self
                    .state
                    .queues
                    .get(to_pos)
                    .map_or(queue.relax_timeout, |q| q.relax_timeout);
                Step::Moved(to, later(step_at, timeout))
            } else {
                events.push(RoutingEvent::RoutingStalled {
                    case,
                    queue: from,
                    at: step_at,
                });
                Step::Stalled
            };
            let Some(w) = self.state.waiting.get_mut(i) else {
                return false;
            };
            match step {
                Step::Dropped(next) => {
                    w.dropped += 1;
                    w.next_step_at = next;
                }
                Step::Moved(to, next) => {
                    w.visited.push(from);
                    w.queue = to;
                    w.queued_at = step_at;
                    w.next_step_at = next;
                }
                Step::Stalled => {
                    w.stalled = true;
                    return false;
                }
            }
            if self.try_assign_waiting(i, now, events) {
                return true;
            }
        }
        false
    }

    /// Where a waiting case goes right now because its queue is closed and
    /// overflows out of hours: `(from, to, the target's relax timeout)`.
    fn closed_overflow(
        &self,
        w: &WaitingCase,
        now: DateTime<Utc>,
    ) -> Option<(QueueId, QueueId, TimeDelta)> {
        let queue = self.queue(w.queue)?;
        if queue.out_of_hours != OutOfHours::Overflow || self.is_open(queue, now) {
            return None;
        }
        let (to_pos, to) = self.overflow_target(queue, &w.visited)?;
        let timeout = self
            .state
            .queues
            .get(to_pos)
            .map_or(queue.relax_timeout, |q| q.relax_timeout);
        Some((queue.id, to, timeout))
    }

    /// Offers waiting case `i` to its queue; assigns and removes it on success.
    fn try_assign_waiting(
        &mut self,
        i: usize,
        now: DateTime<Utc>,
        events: &mut Vec<RoutingEvent>,
    ) -> bool {
        let Some(w) = self.state.waiting.get(i) else {
            return false;
        };
        let Ok(qpos) = self.queue_pos(w.queue) else {
            return false;
        };
        let Some(queue) = self.state.queues.get(qpos) else {
            return false;
        };
        if !self.is_open(queue, now) && queue.out_of_hours != OutOfHours::RouteAnyway {
            return false;
        }
        let Ok(decision) = self.evaluate(qpos, &w.request, w.dropped, now, w.ai.as_ref()) else {
            return false;
        };
        let Some(charge) = decision
            .agent()
            .and_then(|agent| self.charge_for(agent, w.request.origin).ok())
        else {
            return false;
        };
        let w = self.state.waiting.remove(i);
        events.push(self.assign(
            qpos, &decision, &charge, w.request, w.dropped, w.visited, now,
        ));
        true
    }

    /// Offers waiting cases, in work order, to their queues (only queues that
    /// `agent` belongs to, when given).
    pub(super) fn dispatch(
        &mut self,
        agent: Option<AgentId>,
        now: DateTime<Utc>,
    ) -> Vec<RoutingEvent> {
        let mut events = Vec::new();
        let mut i = 0;
        while i < self.state.waiting.len() {
            // Only this agent's capacity changed: once they cannot take more work,
            // nothing else can change either.
            if let Some(a) = agent.and_then(|a| self.agent(a)) {
                if !a.status.accepts_work() || a.spare() == 0 {
                    break;
                }
            }
            let relevant = match (agent, self.state.waiting.get(i)) {
                (Some(a), Some(w)) => self.index.queue_pos.get(&w.queue).is_some_and(|&q| {
                    self.index
                        .agent_pos
                        .get(&a)
                        .and_then(|p| self.index.memberships.get(*p))
                        .is_some_and(|list| list.iter().any(|&(mq, _)| mq == q))
                }),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if relevant && self.try_assign_waiting(i, now, &mut events) {
                continue;
            }
            i += 1;
        }
        events
    }

    pub(super) fn enqueue(&mut self, waiting: WaitingCase) {
        let at = self.state.waiting.partition_point(|w| {
            work_order(&w.request, &waiting.request) != std::cmp::Ordering::Greater
        });
        self.state.waiting.insert(at, waiting);
    }

    pub(super) fn overflow_target(
        &self,
        queue: &Queue,
        visited: &[QueueId],
    ) -> Option<(usize, QueueId)> {
        let to = queue.overflow?;
        if to == queue.id || visited.contains(&to) {
            return None;
        }
        self.index.queue_pos.get(&to).map(|&p| (p, to))
    }
}

enum Step {
    Dropped(DateTime<Utc>),
    Moved(QueueId, DateTime<Utc>),
    Stalled,
}

/// The work order: priority (most urgent first), then age (oldest first), then id.
pub(super) fn work_order(a: &RoutingRequest, b: &RoutingRequest) -> std::cmp::Ordering {
    (a.priority, a.created_at, a.case).cmp(&(b.priority, b.created_at, b.case))
}

pub(super) fn later(now: DateTime<Utc>, by: TimeDelta) -> DateTime<Utc> {
    now.checked_add_signed(by)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
