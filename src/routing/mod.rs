//! Routing: queues, agents, skills, rules and the [`Router`] that assigns cases
//! fairly and explainably.
//!
//! # Using it
//!
//! Most hosts never touch the [`Router`] directly: give the desk its roster
//! (`SupportDesk::add_skill`, `add_agent`, `add_queue`, `add_routing_rule`,
//! each stored in one commit) and every new case is routed when it is
//! created; resolving or closing frees the owner's capacity, and a case no one
//! can take records [`CaseEvent::RoutingStalled`](crate::case::CaseEvent::RoutingStalled)
//! with the reason.
//!
//! ```
//! use hotcrm_support::desk::{CaseRequest, SupportDesk};
//! use hotcrm_support::ids::{AccountId, AgentId, QueueId};
//! use hotcrm_support::repo::{Account, MemoryRepository, Repository};
//! use hotcrm_support::routing::{Agent, AgentStatus, Capacity, Queue, QueueMember, RoutingMethod};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let repo = std::sync::Arc::new(MemoryRepository::new());
//! let acme = Account::new(AccountId::from_u128(1), "Acme");
//! repo.put_account(&acme, None).await?;
//! let desk = SupportDesk::builder(repo).build();
//! let ada = AgentId::from_u128(7);
//! desk.add_agent(Agent::new(ada, "Ada", Capacity::cases(5)?)?.with_status(AgentStatus::Available)).await?;
//! desk.add_queue(Queue::new(QueueId::from_u128(1), "General", RoutingMethod::RoundRobin)?
//!     .with_member(QueueMember::new(ada))).await?;
//! let case = desk.create_case(CaseRequest::new(acme.id, "VPN down", "Since 9am")).await?.case.value;
//! assert_eq!(case.owner, Some(ada));
//! # Ok(()) }
//! ```
//!
//! The rest of this page is the router itself, for hosts that route outside
//! the desk or want to know why a decision was made.
//!
//! # Layering
//!
//! Layer 2 (pure domain rules): depends on `calendar`, `case` (picklists only),
//! `sla::SlaTier`, `ids` and `error`; never on `repo`, `ai` or `desk`. No I/O, no
//! clock reads, no randomness: `now` and the AI suggestion are parameters.
//!
//! # Overview
//!
//! - A [`RoutingRequest`] carries what routing needs to know about a case (priority,
//!   type, origin, AI category, tier, account, text, age, skills, who declined it).
//! - [`RoutingRule`]s, first match wins, map it to a [`Queue`], a priority and
//!   required skills.
//! - The queue's [`RoutingMethod`] picks among *eligible* members: available, below
//!   capacity for the case's channel, every required skill (and every optional
//!   skill group not yet dropped) at the required level, and not one who declined
//!   it. Ties always go to the agent who has waited longest since their last
//!   assignment, then to the smallest id.
//! - Every [`RoutingDecision`] explains itself: the winner with score and skill
//!   match (0–100), the runners-up, and a [`LossReason`] for every other member.
//! - Nobody eligible? The case waits. [`Router::tick`] drops one optional skill
//!   group per queue timeout (required skills never), then overflows, else emits
//!   [`RoutingEvent::RoutingStalled`]. When capacity frees, waiting cases are pulled
//!   in work order: priority, then age.
//! - [`Router::workload`] reports utilisation, projected SLA breaches and
//!   recommended reassignments.
//! - A supervisor can assign a case by hand with [`Router::assign_to`]; a case
//!   that is resolved, closed or taken out of routing leaves it with
//!   [`Router::withdraw`]. Both dispatch the capacity they free.
//!
//! # Where each rule lives
//!
//! The [`Router`] is split by job: `router` (the type and its lookups), `state`
//! (the persisted [`RouterState`], [`WaitingCase`], [`OpenAssignment`]),
//! `index` (the derived columns), `roster` (adding and changing skills, agents,
//! queues and rules; [`Router::from_state`]; [`Router::check_invariants`]),
//! `classify` (the rules), `decide` (the decision algorithm; its output types
//! are in `decision`, which imports nothing from it), `assign` (route, manual
//! assignment, complete, decline, withdraw and the capacity arithmetic) and
//! `waiting` (work order, relaxation, overflow, dispatch).
//!
//! # Decisions we made
//!
//! - Skill match = Σ weight × level / Σ weight × 5, required skills weighing 3 and
//!   optional skills 1 (dropped optional skills still count as a preference).
//! - SkillBased ranks by that score, then by the lower load ratio.
//! - MostAvailable ranks by spare capacity, then by spare ratio.
//! - RoundRobin uses a per-queue turn counter, not timestamps, so it stays fair when
//!   many cases are routed in the same instant and survives restarts through the
//!   returned [`QueueCursor`].
//! - Weighted is stride scheduling: over time each member's share of the queue's
//!   assignments is proportional to their weight.
//! - A skill that requires certification counts only while the agent's
//!   certification is valid on the decision date (UTC).
//! - Loads are derived, never trusted: an agent's `load` is the sum of the costs
//!   of their open assignments and `open_cases` their number.
//!   [`Router::from_state`] ignores the stored values and recomputes them (a sum
//!   over `u32::MAX` is an [`Error::Overflow`](crate::Error::Overflow));
//!   [`Router::add_agent`] starts a new agent at 0; [`Router::update_agent`]
//!   keeps the router's. [`Router::check_invariants`] verifies this and the rest
//!   of the state's consistency.
//! - Capacity arithmetic never wraps: eligibility compares `load + cost <= limit`
//!   in `u64`, so a case whose cost does not fit is simply ineligible; charging a
//!   load is a checked addition and releasing one a checked subtraction.
//! - A manual assignment ([`Router::assign_to`]) is a supervisor's decision: the
//!   agent's status and capacity limit are not checked, so the load may exceed
//!   the limit (the agent then gets no routed work until back under it); only a
//!   load that would not fit a `u32` is refused. It emits
//!   [`RoutingEvent::ManuallyAssigned`] rather than `Assigned`, because no
//!   [`RoutingMethod`] chose the agent, and it does not move the queue's
//!   round-robin or weighted counters. It removes the agent from the case's
//!   `declined_by`. Its queue is that of the case's waiting or assignment entry,
//!   else the request's, else the rules'; manual assignment needs no routing
//!   rules, so with none of these [`OpenAssignment::queue`] is `None`. Declining
//!   such a case sends it where the rules now say, else it leaves routing.
//! - [`Router::withdraw`] is how a finished case leaves routing: out of its
//!   waiting line (no event) and its assignment (`Released`), never an error.
//! - Every record is validated when deserialised with the invariants its
//!   constructors keep, so a stored document cannot smuggle in a zero capacity,
//!   a blank name or a zero-cost assignment; the error names the field.
//!
//! # Performance
//!
//! The router keeps a derived, column-oriented index (never serialized): per queue,
//! the members' status, load, limit, per-channel cost, per-channel "cannot take a
//! case" flags (status and capacity, kept current on every change) and a
//! skill-major proficiency matrix (one byte per member and skill). A decision
//! works column by column, each pass a straight loop over contiguous slices:
//!
//! 1. the members' reason flags: a copy of the channel's status/capacity flags,
//!    one comparison pass per skill requirement, then the few who declined;
//! 2. one order-preserving ranking key per member (for SkillBased a 16-bit points
//!    column, weight × level summed skill by skill, plus the load ratio);
//! 3. the best four eligible keys with the tie-break, skipping every 16-member
//!    chunk that cannot beat the fourth.
//!
//! Full [`Candidate`] details are built only for the winner and three runners-up;
//! [`Rejections`] keeps copies of the columns it needs and builds each member's
//! [`LossReason`] on demand. Memory is members × skills bytes per queue. At 1,000
//! agents and 20 skills a decision takes ≈2.1 µs (≈29,000 instructions); see
//! `benches/routing.rs`.

mod agent;
mod assign;
mod classify;
mod decide;
mod decision;
mod index;
mod queue;
mod request;
mod roster;
mod router;
mod rule;
mod skill;
mod state;
mod waiting;
mod workload;

pub use agent::{Agent, AgentStatus, Capacity};
pub use decision::{
    AiVerdict, Candidate, Classification, LossReason, Rejection, Rejections, RejectionsIter,
    RoutingDecision, RoutingEvent, RoutingOutcome,
};
pub use queue::{OutOfHours, Queue, QueueCursor, QueueMember, RoutingMethod, Weight};
pub use request::{
    AiSuggestion, MAX_DESCRIPTION_BYTES, MAX_REQUEST_SKILLS, MAX_SUBJECT_BYTES, RoutingRequest,
};
pub use router::Router;
pub use rule::{RoutingRule, RuleConditions, RuleOutcome};
pub use skill::{AgentSkill, Proficiency, Skill, SkillRequirement};
pub use state::{OpenAssignment, RouterState, WaitingCase};
pub use workload::{AgentUtilisation, QueueBreachProjection, Reassignment, WorkloadReport};
