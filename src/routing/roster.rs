//! The router's roster commands: skills, agents, queues, rules, the default
//! queue and business hours, and rebuilding a router from persisted state.
//!
//! Every command validates before it changes anything. Depends on `calendar`,
//! `ids`, `error` and the other routing modules.

use chrono::{DateTime, Utc};

use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::ids::{AgentId, QueueId};

use super::agent::{Agent, AgentStatus};
use super::decision::RoutingEvent;
use super::index::Index;
use super::queue::Queue;
use super::router::{Router, not_found};
use super::rule::RoutingRule;
use super::skill::Skill;
use super::state::RouterState;
use super::waiting::work_order;

impl Router {
    /// Rebuilds a router from persisted state, validating every part. Agents'
    /// `load` and `open_cases` are not trusted: the stored values are ignored and
    /// recomputed from the open assignments (the sum of their costs, their count).
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut state = RouterState::default();
    /// state.default_queue = Some(QueueId::from_u128(1)); // no such queue
    /// assert!(Router::from_state(state).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid value (including an assignment filed
    /// under another case, a case waiting twice, or both waiting and assigned),
    /// [`Error::AlreadyExists`] for a duplicated id, [`Error::NotFound`] for a
    /// reference to an unknown skill, agent or queue, [`Error::Overflow`] when an
    /// agent's assignments add up to more than `u32::MAX`.
    pub fn from_state(state: RouterState) -> Result<Self> {
        state.check_structure()?;
        let mut router = Router::new();
        for skill in state.skills {
            router.add_skill(skill)?;
        }
        for agent in state.agents {
            router.add_agent(agent)?;
        }
        // Queues may overflow into queues listed after them: add all, then check.
        for queue in &state.queues {
            router.check_queue(queue, false)?;
            if router.index.queue_pos.contains_key(&queue.id) {
                return Err(Error::AlreadyExists {
                    kind: "queue",
                    key: queue.id.to_string(),
                });
            }
            router
                .index
                .queue_pos
                .insert(queue.id, router.state.queues.len());
            let cols = router.index.queue_cols(queue);
            router.index.members.push(cols);
            router.state.queues.push(queue.clone());
        }
        router.index.rebuild_memberships();
        for queue in &router.state.queues {
            router.check_overflow(queue)?;
        }
        for rule in state.rules {
            router.add_rule(rule)?;
        }
        if let Some(q) = state.default_queue {
            router.set_default_queue(q)?;
        }
        router.state.business_hours = state.business_hours;
        for w in &state.waiting {
            w.validate()?;
            router.queue_pos(w.queue)?;
            router.requirements(&w.request, 0)?;
        }
        for a in state.assignments.values() {
            a.validate()?;
            if let Some(queue) = a.queue {
                router.queue_pos(queue)?;
            }
            router.agent_pos(a.agent)?;
            router.requirements(&a.request, 0)?;
        }
        router.state.waiting = state.waiting;
        router
            .state
            .waiting
            .sort_by(|a, b| work_order(&a.request, &b.request));
        router.state.assignments = state.assignments;
        router.derive_loads()?;
        Ok(router)
    }

    /// Sets every agent's load and open-case count from the open assignments.
    fn derive_loads(&mut self) -> Result<()> {
        let held = self.state.held();
        let Router { state, index } = self;
        for (pos, agent) in state.agents.iter_mut().enumerate() {
            let id = agent.id;
            let (load, cases) = held.get(&id).copied().unwrap_or((0, 0));
            let too_big = |what: &str, n: u64| Error::Overflow {
                what: format!("{what} {n} held by agent {id} does not fit in u32"),
            };
            agent.load = u32::try_from(load).map_err(|_| too_big("load", load))?;
            agent.open_cases = u32::try_from(cases).map_err(|_| too_big("open cases", cases))?;
            index.refresh(pos, agent);
        }
        Ok(())
    }

    /// Checks that the router is consistent, for tests and after loading state:
    /// every agent's `load` is the sum of the costs of their open assignments and
    /// `open_cases` their number; every assignment is filed under its own case and
    /// held by a known agent; no case waits twice or both waits and is assigned;
    /// and the derived index matches a fresh rebuild from the state. Takes time
    /// linear in the size of the state.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// # let now = Utc::now();
    /// let (a, q) = (AgentId::from_u128(1), QueueId::from_u128(1));
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(a, "Ada", Capacity::cases(1)?)?.with_status(AgentStatus::Available))?;
    /// router.add_queue(Queue::new(q, "Q", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(a)))?;
    /// router.route(RoutingRequest::new(CaseId::from_u128(1), AccountId::new(), now).in_queue(q), now, None)?;
    /// router.check_invariants()?;
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the first inconsistency found.
    pub fn check_invariants(&self) -> Result<()> {
        self.state.check_structure()?;
        for a in self.state.assignments.values() {
            if self.agent(a.agent).is_none() {
                return Err(Error::validation(
                    "assignments",
                    format!(
                        "case {} is assigned to unknown agent {}",
                        a.request.case, a.agent
                    ),
                ));
            }
        }
        let held = self.state.held();
        for agent in &self.state.agents {
            let (load, cases) = held.get(&agent.id).copied().unwrap_or((0, 0));
            if u64::from(agent.load) != load {
                return Err(Error::validation(
                    "agent load",
                    format!(
                        "agent {} has load {} but their open assignments hold {load}",
                        agent.id, agent.load
                    ),
                ));
            }
            if u64::from(agent.open_cases) != cases {
                return Err(Error::validation(
                    "agent open cases",
                    format!(
                        "agent {} has {} open cases but holds {cases} assignments",
                        agent.id, agent.open_cases
                    ),
                ));
            }
        }
        if self.index != Index::build(&self.state) {
            return Err(Error::validation(
                "router index",
                "the derived index does not match a rebuild from the state",
            ));
        }
        Ok(())
    }

    /// Sets the business hours used by rule conditions and by queues without their own.
    ///
    /// ```
    /// use hotcrm_support::{calendar::BusinessHours, routing::Router};
    /// let mut router = Router::new();
    /// router.set_business_hours(Some(BusinessHours::always_open()));
    /// assert!(router.state().business_hours.is_some());
    /// ```
    pub fn set_business_hours(&mut self, hours: Option<BusinessHours>) {
        self.state.business_hours = hours;
    }

    /// Adds a skill to the catalog.
    ///
    /// ```
    /// # use hotcrm_support::{ids::SkillId, routing::*};
    /// let mut router = Router::new();
    /// router.add_skill(Skill::new(SkillId::from_u128(1), "Java")?)?;
    /// assert!(router.add_skill(Skill::new(SkillId::from_u128(1), "Java again")?).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank name, [`Error::AlreadyExists`] for a known id.
    pub fn add_skill(&mut self, skill: Skill) -> Result<()> {
        skill.validate()?;
        if self.index.skill_pos.contains_key(&skill.id) {
            return Err(Error::AlreadyExists {
                kind: "skill",
                key: skill.id.to_string(),
            });
        }
        self.state.skills.push(skill);
        // The matrix stride changes: rebuild (skills are added rarely, agents often).
        self.index = Index::build(&self.state);
        Ok(())
    }

    /// Adds an agent with their profile and history. Their `load` and
    /// `open_cases` are ignored and start at 0: the router derives both from its
    /// open assignments, and a new agent holds none.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let ada = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?
    ///     .with_skill(AgentSkill::new(SkillId::from_u128(9), 3)?);
    /// assert!(matches!(router.add_agent(ada), Err(hotcrm_support::Error::NotFound { kind: "skill", .. })));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid agent, [`Error::NotFound`] for an unknown
    /// skill, [`Error::AlreadyExists`] for a known id. Nothing changes on error.
    pub fn add_agent(&mut self, mut agent: Agent) -> Result<()> {
        self.check_agent(&agent)?;
        if self.index.agent_pos.contains_key(&agent.id) {
            return Err(Error::AlreadyExists {
                kind: "agent",
                key: agent.id.to_string(),
            });
        }
        agent.load = 0;
        agent.open_cases = 0;
        self.index.push_agent(&agent);
        self.state.agents.push(agent);
        Ok(())
    }

    /// Replaces an agent's profile (name, status, capacity, manager, skills). The
    /// router keeps its own load, open-case count and last assignment time. Waiting
    /// cases are then offered to the agent.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let ada = Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?;
    /// router.add_agent(ada.clone())?;
    /// router.update_agent(ada.with_status(AgentStatus::Available), Utc::now())?;
    /// assert_eq!(router.agent(AgentId::from_u128(1)).map(|a| a.status), Some(AgentStatus::Available));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent or skill, [`Error::Validation`] for
    /// an invalid agent. Nothing changes on error.
    pub fn update_agent(
        &mut self,
        mut agent: Agent,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutingEvent>> {
        self.check_agent(&agent)?;
        let pos = self.agent_pos(agent.id)?;
        let current = self
            .state
            .agents
            .get_mut(pos)
            .ok_or_else(|| not_found("agent", agent.id))?;
        agent.load = current.load;
        agent.open_cases = current.open_cases;
        agent.last_assigned_at = current.last_assigned_at;
        *current = agent;
        let id = current.id;
        self.index.refresh(pos, current);
        Ok(self.dispatch(Some(id), now))
    }

    /// Changes an agent's presence; becoming available pulls waiting cases.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?)?;
    /// router.set_status(AgentId::from_u128(1), AgentStatus::OnBreak, Utc::now())?;
    /// assert!(router.set_status(AgentId::from_u128(2), AgentStatus::OnBreak, Utc::now()).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent.
    pub fn set_status(
        &mut self,
        agent: AgentId,
        status: AgentStatus,
        now: DateTime<Utc>,
    ) -> Result<Vec<RoutingEvent>> {
        let pos = self.agent_pos(agent)?;
        if let Some(a) = self.state.agents.get_mut(pos) {
            a.status = status;
            self.index.refresh(pos, a);
        }
        Ok(if status.accepts_work() {
            self.dispatch(Some(agent), now)
        } else {
            Vec::new()
        })
    }

    /// Removes an agent from the router and from every queue.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// router.add_agent(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(2)?)?)?;
    /// router.remove_agent(AgentId::from_u128(1))?;
    /// assert!(router.agent(AgentId::from_u128(1)).is_none());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown agent, [`Error::NotAllowed`] while the
    /// agent still holds open assignments (complete or decline them first).
    pub fn remove_agent(&mut self, agent: AgentId) -> Result<()> {
        let pos = self.agent_pos(agent)?;
        if let Some(a) = self.state.assignments.values().find(|a| a.agent == agent) {
            return Err(Error::NotAllowed {
                command: "remove agent",
                reason: format!("agent {agent} still holds case {}", a.request.case),
            });
        }
        self.state.agents.remove(pos);
        for q in &mut self.state.queues {
            q.members.retain(|m| m.agent != agent);
        }
        self.index = Index::build(&self.state);
        Ok(())
    }

    /// Adds a queue. Its members must be known agents and its overflow queue (if
    /// any) a known queue, so add overflow targets first.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?.with_overflow(QueueId::from_u128(2));
    /// assert!(router.add_queue(q).is_err()); // overflow queue unknown
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid queue, [`Error::NotFound`] for an unknown
    /// member or overflow queue, [`Error::AlreadyExists`] for a known id.
    pub fn add_queue(&mut self, queue: Queue) -> Result<()> {
        self.check_queue(&queue, true)?;
        if self.index.queue_pos.contains_key(&queue.id) {
            return Err(Error::AlreadyExists {
                kind: "queue",
                key: queue.id.to_string(),
            });
        }
        self.index
            .queue_pos
            .insert(queue.id, self.state.queues.len());
        let cols = self.index.queue_cols(&queue);
        self.index.members.push(cols);
        self.state.queues.push(queue);
        self.index.rebuild_memberships();
        Ok(())
    }

    /// Replaces a queue's definition (members, method, overflow, hours, counters).
    /// Waiting cases stay and are offered to the new members.
    ///
    /// ```
    /// # use chrono::Utc; use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// let q = Queue::new(QueueId::from_u128(1), "Q", RoutingMethod::RoundRobin)?;
    /// router.add_queue(q.clone())?;
    /// let mut renamed = q;
    /// renamed.name = "Tier 1".into();
    /// router.update_queue(renamed, Utc::now())?;
    /// assert_eq!(router.queue(QueueId::from_u128(1)).map(|q| q.name.as_str()), Some("Tier 1"));
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Router::add_queue`], and [`Error::NotFound`] for an unknown queue.
    pub fn update_queue(&mut self, queue: Queue, now: DateTime<Utc>) -> Result<Vec<RoutingEvent>> {
        self.check_queue(&queue, true)?;
        let pos = self.queue_pos(queue.id)?;
        let members = self.index.queue_cols(&queue);
        if let (Some(slot), Some(index_slot)) = (
            self.state.queues.get_mut(pos),
            self.index.members.get_mut(pos),
        ) {
            *slot = queue;
            *index_slot = members;
        }
        self.index.rebuild_memberships();
        Ok(self.dispatch(None, now))
    }

    /// Adds a rule; rules run by ascending `order`, ties in insertion order.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// assert!(router.add_rule(RoutingRule::new("R", 1, QueueId::from_u128(1))?).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for an invalid rule, [`Error::NotFound`] for an unknown
    /// queue or skill.
    pub fn add_rule(&mut self, rule: RoutingRule) -> Result<()> {
        rule.validate()?;
        self.queue_pos(rule.outcome.queue)?;
        for r in &rule.outcome.required {
            self.skill_col(r.skill)?;
        }
        let at = self.state.rules.partition_point(|r| r.order <= rule.order);
        self.state.rules.insert(at, rule);
        Ok(())
    }

    /// Sets the queue for cases no rule matches.
    ///
    /// ```
    /// # use hotcrm_support::{ids::*, routing::*};
    /// let mut router = Router::new();
    /// assert!(router.set_default_queue(QueueId::from_u128(1)).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown queue.
    pub fn set_default_queue(&mut self, queue: QueueId) -> Result<()> {
        self.queue_pos(queue)?;
        self.state.default_queue = Some(queue);
        Ok(())
    }

    fn check_agent(&self, agent: &Agent) -> Result<()> {
        agent.validate()?;
        for s in &agent.skills {
            self.skill_col(s.skill)?;
        }
        Ok(())
    }

    fn check_queue(&self, queue: &Queue, check_overflow: bool) -> Result<()> {
        queue.validate()?;
        for m in &queue.members {
            self.agent_pos(m.agent)?;
        }
        if check_overflow {
            self.check_overflow(queue)?;
        }
        Ok(())
    }

    fn check_overflow(&self, queue: &Queue) -> Result<()> {
        match queue.overflow {
            Some(to) if !self.index.queue_pos.contains_key(&to) => Err(not_found("queue", to)),
            _ => Ok(()),
        }
    }
}
