//! The desk's routing roster: skills, agents, queues and routing rules kept in
//! the repository's router document, each change one atomic commit
//! ([`SupportDesk::configure_routing`] under the hood). Without a stored roster
//! the desk does not route: cases stay unassigned until an agent takes them.
//!
//! A repeated `add_*` of an id already on the roster is refused with
//! [`Error::AlreadyExists`](crate::Error::AlreadyExists) and changes nothing.

use super::SupportDesk;
use crate::case::CaseEvent;
use crate::error::Result;
use crate::ids::{CaseId, QueueId};
use std::collections::BTreeMap;

use crate::analytics::GroupKey;
use crate::routing::{Agent, Queue, RouterState, RoutingRule, Skill};

impl SupportDesk {
    /// Adds a skill to the roster.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) for a known id,
    /// [`Error::Validation`](crate::Error::Validation) for a blank name;
    /// storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::SkillId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::Skill;
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// desk.add_skill(Skill::new(SkillId::from_u128(1), "Java")?).await?;
    /// assert!(desk.add_skill(Skill::new(SkillId::from_u128(1), "Java")?).await.is_err());
    /// assert_eq!(desk.roster().await?.map(|r| r.skills.len()), Some(1));
    /// # Ok(()) }
    /// ```
    pub async fn add_skill(&self, skill: Skill) -> Result<()> {
        self.configure_routing(move |router, _| {
            router.add_skill(skill.clone())?;
            Ok(Vec::new())
        })
        .await
        .map(|_| ())
    }

    /// Adds an agent (Offline until [`SupportDesk::set_agent_status`]).
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) for a known id,
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown skill,
    /// [`Error::Validation`](crate::Error::Validation); storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::{Agent, Capacity};
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// desk.add_agent(Agent::new(AgentId::from_u128(1), "Ada", Capacity::cases(3)?)?).await?;
    /// assert_eq!(desk.roster().await?.map(|r| r.agents[0].name.clone()).as_deref(), Some("Ada"));
    /// # Ok(()) }
    /// ```
    pub async fn add_agent(&self, agent: Agent) -> Result<()> {
        self.configure_routing(move |router, _| {
            router.add_agent(agent.clone())?;
            Ok(Vec::new())
        })
        .await
        .map(|_| ())
    }

    /// Adds a queue; the first queue added becomes the default queue (cases no
    /// rule matches go there) unless one is set.
    ///
    /// # Errors
    ///
    /// [`Error::AlreadyExists`](crate::Error::AlreadyExists) for a known id,
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown member or
    /// skill; storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::{AgentId, QueueId};
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::{Agent, Capacity, Queue, QueueMember, RoutingMethod};
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let ada = AgentId::from_u128(1);
    /// desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(3)?)?).await?;
    /// let q = QueueId::from_u128(10);
    /// desk.add_queue(Queue::new(q, "Support", RoutingMethod::RoundRobin)?.with_member(QueueMember::new(ada))).await?;
    /// assert_eq!(desk.roster().await?.and_then(|r| r.default_queue), Some(q));
    /// # Ok(()) }
    /// ```
    pub async fn add_queue(&self, queue: Queue) -> Result<()> {
        self.configure_routing(move |router, _| {
            let id = queue.id;
            router.add_queue(queue.clone())?;
            if router.state().default_queue.is_none() {
                router.set_default_queue(id)?;
            }
            Ok(Vec::new())
        })
        .await
        .map(|_| ())
    }

    /// Adds a routing rule (kept in rule order).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown queue or
    /// skill, [`Error::Validation`](crate::Error::Validation); storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::QueueId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::{Queue, RoutingMethod, RoutingRule};
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let q = QueueId::from_u128(10);
    /// desk.add_queue(Queue::new(q, "Billing", RoutingMethod::RoundRobin)?).await?;
    /// desk.add_routing_rule(RoutingRule::new("billing", 1, q)?.when_keyword("invoice")?).await?;
    /// assert_eq!(desk.roster().await?.map(|r| r.rules.len()), Some(1));
    /// # Ok(()) }
    /// ```
    pub async fn add_routing_rule(&self, rule: RoutingRule) -> Result<()> {
        self.configure_routing(move |router, _| {
            router.add_rule(rule.clone())?;
            Ok(Vec::new())
        })
        .await
        .map(|_| ())
    }

    /// Sets the queue for cases no rule matches.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`](crate::Error::NotFound) for an unknown queue;
    /// storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::QueueId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// assert!(desk.set_default_queue(QueueId::from_u128(9)).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn set_default_queue(&self, queue: QueueId) -> Result<Vec<(CaseId, CaseEvent)>> {
        self.configure_routing(move |router, _| {
            router.set_default_queue(queue)?;
            Ok(Vec::new())
        })
        .await
    }

    /// The stored roster and routing state, if any.
    ///
    /// # Errors
    ///
    /// Storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::repo::MemoryRepository;
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// assert!(desk.roster().await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn roster(&self) -> Result<Option<RouterState>> {
        Ok(self.repo.get_router_state().await?.map(|v| v.value))
    }

    /// People's names for the agent and queue keys of metrics and workload
    /// reports ([`GroupKey::Agent`], [`GroupKey::Queue`]), from the stored
    /// roster; keys it does not know keep their `agent:<uuid>` form via
    /// [`GroupKey`]'s `Display`.
    ///
    /// # Errors
    ///
    /// Storage errors.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> hotcrm_support::Result<()> {
    /// use hotcrm_support::analytics::GroupKey;
    /// use hotcrm_support::desk::SupportDesk;
    /// use hotcrm_support::ids::AgentId;
    /// use hotcrm_support::repo::MemoryRepository;
    /// use hotcrm_support::routing::{Agent, Capacity};
    /// let desk = SupportDesk::builder(MemoryRepository::new()).build();
    /// let ada = AgentId::from_u128(1);
    /// desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(3)?)?).await?;
    /// let names = desk.group_names().await?;
    /// assert_eq!(names.get(&GroupKey::Agent(ada)).map(String::as_str), Some("Ada"));
    /// # Ok(()) }
    /// ```
    pub async fn group_names(&self) -> Result<BTreeMap<GroupKey, String>> {
        let mut names = BTreeMap::new();
        if let Some(state) = self.roster().await? {
            for a in &state.agents {
                names.insert(GroupKey::Agent(a.id), a.name.clone());
            }
            for q in &state.queues {
                names.insert(GroupKey::Queue(q.id), q.name.clone());
            }
        }
        Ok(names)
    }
}
