//! # hotcrm-support
//!
//! The logic of a customer-service desk as an embeddable Rust library: cases and
//! their lifecycle, SLA clocks on real business calendars (time zones, holidays,
//! DST), escalation, routing, a knowledge base, intake and a customer portal.
//! Hosts keep their own storage and AI models behind two traits; the crate brings
//! correct, fast, well-tested rules.
//!
//! (The guide grows with each module; see the module docs below.)

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod picklist;

pub mod calendar;
pub mod case;
pub mod clock;
pub mod error;
pub mod ids;
pub mod routing;
pub mod sla;

pub use error::{Error, Result};

/// The types most programs need, in one import.
///
/// ```
/// use hotcrm_support::prelude::*;
/// let p = Priority::High;
/// assert_eq!(p.to_string(), "High");
/// ```
pub mod prelude {
    pub use crate::case::{AiCategory, CaseType, Origin, Priority, Sentiment};
    pub use crate::clock::{Clock, ManualClock, SystemClock};
    pub use crate::error::{Error, Result};
    pub use crate::ids::{
        AccountId, AgentId, ArticleId, CaseId, CaseNumber, ContactId, KnowledgeNumber, QueueId,
    };
    pub use crate::routing::{
        Agent, AgentSkill, AgentStatus, AiSuggestion, Capacity, Queue, QueueMember, Router,
        RoutingDecision, RoutingEvent, RoutingMethod, RoutingRequest, RoutingRule, Skill,
        SkillRequirement,
    };
    pub use crate::sla::SlaTier;
}
