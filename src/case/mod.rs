//! Cases: the aggregate, its status machine, commands, events, and the pure
//! functions that decide and apply them.
//!
//! Layer 2 (pure domain rules): depends on `calendar`, `sla`, `ids`, `error`;
//! never on `repo`, `ai` or `desk`. No function here reads the clock: `now` is
//! always a parameter, and the SLA context is an explicit [`CaseRules`].
//!
//! The shape follows cqrs-es: [`decide`] holds every rule and returns
//! past-tense [`CaseEvent`]s (or a typed error, changing nothing);
//! [`Case::apply`] folds events into the state without any rule, so
//! [`Case::replay`] of a case's history reproduces it exactly. [`sweep`] emits
//! the time-driven events (SLA warnings/violations, survey expiry, auto-close).
//!
//! # Example: a case from creation to closure
//!
//! ```
//! use chrono::TimeDelta;
//! use hotcrm_support::case::{Case, CaseCommand, CaseRules, CaseStatus, NewComment, NewCase, Resolution, Satisfaction};
//! use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber, CommentId};
//!
//! let rules = CaseRules::default();
//! let t0 = "2026-01-05T09:00:00Z".parse()?;
//! let agent = AgentId::from_u128(7);
//! let (mut case, _) = Case::create(
//!     NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Unable to login", "Error 500"),
//!     t0,
//!     &rules,
//! )?;
//! case.execute(CaseCommand::Assign { agent }, t0, &rules)?;
//! case.execute(CaseCommand::StartWork, t0 + TimeDelta::minutes(5), &rules)?;
//! let reply = NewComment::public(CommentId::from_u128(1), hotcrm_support::case::Author::Agent(agent), "Reset link sent");
//! case.execute(CaseCommand::Comment(reply), t0 + TimeDelta::minutes(20), &rules)?;
//! assert_eq!(case.response_time.map(|t| t.calendar), Some(20));
//! case.execute(CaseCommand::Resolve(Resolution::new("Password reset")), t0 + TimeDelta::hours(1), &rules)?;
//! case.execute(CaseCommand::RecordSatisfaction { level: Satisfaction::VerySatisfied, feedback: None }, t0 + TimeDelta::hours(2), &rules)?;
//! case.execute(CaseCommand::Close, t0 + TimeDelta::hours(3), &rules)?;
//! assert_eq!((case.status, case.satisfaction_score()), (CaseStatus::Closed, Some(5)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
mod command;
mod comment;
mod create;
mod decide;
mod event;
mod model;
mod picklists;
mod rules;
mod status;
mod sweep;
pub(crate) mod validate;
mod values;

pub use command::{CaseCommand, Resolution};
pub use comment::{Author, Comment, NewComment, Visibility};
pub use create::create;
pub use decide::decide;
pub(crate) use decide::{decide_escalation, decide_priority_change};
pub use event::CaseEvent;
pub use model::{Case, NewCase};
pub use picklists::{AiCategory, CaseType, Origin, Priority, Sentiment};
pub use rules::CaseRules;
pub use status::CaseStatus;
pub use sweep::sweep;
pub use values::{
    AiInsights, ElapsedMinutes, EscalationInfo, EscalationTarget, ResolutionCategory, Satisfaction,
    SatisfactionRating, Survey, SurveyEndReason,
};
