//! Who did something to a case: the audit trail of every event.

use serde::{Deserialize, Serialize};

use super::Author;
use crate::ids::{AgentId, ContactId};

/// Who caused an event: a human agent, the customer, the system (the desk's
/// rules, routing, sweeps, bots, integrations) or the AI provider.
///
/// Every [`CaseEvent`](super::CaseEvent) has one ([`CaseEvent::actor`](super::CaseEvent::actor)).
/// Events that answer a command record the command's actor (see
/// [`Case::execute_as`](super::Case::execute_as) and the desk's `execute_as`);
/// events only the crate's rules produce (SLA warnings and violations, escalation
/// rules, auto-close, survey expiry, breach predictions, routing stalls) are the
/// system's. A command given without an actor is recorded as [`Actor::System`].
/// A comment's actor is its author.
///
/// ```
/// use hotcrm_support::case::{Actor, Author};
/// use hotcrm_support::ids::AgentId;
/// let agent = AgentId::from_u128(7);
/// assert_eq!(Actor::from(Author::Agent(agent)), Actor::Agent(agent));
/// assert_eq!(Actor::from(Author::Bot), Actor::System);
/// assert_eq!(Actor::Agent(agent).to_string(), "agent 00000007");
/// assert_eq!(Actor::default(), Actor::System);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id")]
pub enum Actor {
    /// A human support agent (or supervisor).
    Agent(AgentId),
    /// The customer (the contact, when known).
    Customer(Option<ContactId>),
    /// The desk itself: rules, routing, sweeps, bots and integrations.
    #[default]
    System,
    /// The AI provider's findings, applied without a human.
    Ai,
}

impl Actor {
    /// Whether this is [`Actor::System`] (such events store no actor field).
    ///
    /// ```
    /// assert!(hotcrm_support::case::Actor::System.is_system());
    /// ```
    pub const fn is_system(&self) -> bool {
        matches!(self, Actor::System)
    }

    /// The agent, when the actor is one.
    ///
    /// ```
    /// use hotcrm_support::{case::Actor, ids::AgentId};
    /// assert_eq!(Actor::Agent(AgentId::from_u128(1)).agent(), Some(AgentId::from_u128(1)));
    /// assert_eq!(Actor::Ai.agent(), None);
    /// ```
    pub const fn agent(&self) -> Option<AgentId> {
        match self {
            Actor::Agent(a) => Some(*a),
            _ => None,
        }
    }
}

impl From<Author> for Actor {
    fn from(author: Author) -> Self {
        match author {
            Author::Agent(a) => Actor::Agent(a),
            Author::Customer(c) => Actor::Customer(c),
            Author::Bot => Actor::System,
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Agent(a) => write!(f, "agent {}", crate::ids::short(a)),
            Actor::Customer(Some(c)) => write!(f, "customer {}", crate::ids::short(c)),
            Actor::Customer(None) => f.write_str("customer"),
            Actor::System => f.write_str("system"),
            Actor::Ai => f.write_str("AI"),
        }
    }
}
