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
//! # Decisions
//!
//! Decisions the crate makes on the lifecycle:
//!
//! - **Close** only from Resolved (resolve first, even for spam). Closed is final:
//!   a customer reply to it yields [`CaseEvent::FollowUpRequested`], and the host
//!   creates the linked case with [`NewCase::follow_up`].
//! - **Customer replies** move WaitingOnCustomer back to InProgress (Open without
//!   an owner) and reopen a Resolved case; agent and bot comments never change
//!   the status. Customers cannot write internal comments.
//! - **Resolving** completes every open milestone, including a first response
//!   never given (the resolution reaches the customer), without setting
//!   `first_response_at`.
//! - **Escalation** moves an open case to Escalated and never lowers the level.
//! - **Time catches up**: every [`decide`] first applies what [`sweep`] would
//!   have emitted by `now`, so results do not depend on how often the host sweeps.
//!   Time-driven events are stamped with the instant they became due; commands
//!   with a `now` before the case's last change are refused.
//! - **CSAT** is accepted from resolution until the case closes or the survey
//!   window passes, whichever is first; ratings may be changed meanwhile.
//! - **Minutes**: calendar minutes are wall-clock; business minutes are measured
//!   on the case's SLA calendar (the desk's hours, or 24x7 for 24x7 tiers), and
//!   the resolution's exclude paused time.
//! - **Comment ids** are unique on a case: applying a `CommentAdded` whose id the
//!   case already has changes nothing.
//!
//! # Records are validated on load
//!
//! Deserializing a [`Case`], [`Comment`], [`NewComment`], [`NewCase`],
//! [`Resolution`], [`EscalationInfo`], [`SatisfactionRating`], [`Survey`],
//! [`AiInsights`] or [`CaseRules`] checks the same rules their commands and
//! constructors keep, by calling the same `validate` function (serde goes
//! through a private mirror of the struct, so the JSON shape is unchanged). A
//! violation is a serde error whose message names the field, for example
//! `invalid closed_at: case CASE-2026-0001 is Closed but has no closed_at`.
//! [`Case::validate`] lists what a case must satisfy: the text limits of the
//! commands, status consistent with its timestamps (Resolved ⇒ `resolved_at` and
//! a resolution, Closed ⇒ `closed_at`), every event-stamped instant within
//! `[created_at, updated_at]`, an escalation level 1–5, unique comment ids,
//! consistent milestones. [`CaseEvent`]s are validated through the records they
//! carry (the created case, comments, milestones, resolutions, AI insights).
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

mod actor;
mod apply;
mod attachment;
mod command;
mod comment;
mod create;
mod decide;
mod display;
mod edit;
mod event;
mod macros;
mod merge;
mod model;
mod picklists;
mod query;
mod rules;
mod status;
mod sweep;
pub(crate) mod validate;
mod values;

pub use crate::period::HumanDuration;
pub use actor::Actor;
pub use attachment::Attachment;
pub use command::{CaseCommand, Resolution};
pub use comment::{
    Author, BodyFormat, Comment, CommentDeletion, CommentRevision, NewComment, Visibility,
    markdown_to_text,
};
pub use create::create;
pub(crate) use decide::{Decider, decide_with};
pub use decide::{decide, decide_as};
pub(crate) use decide::{decide_escalation, decide_priority_change};
pub use display::Timeline;
pub use edit::{AiSuggested, AiSuggestion, CaseEdit};
pub use event::CaseEvent;
pub use macros::{Macro, MacroAction, MacroContext, PLACEHOLDERS};
pub use model::{Case, NewCase};
pub use picklists::{AiCategory, CaseType, Origin, Priority, Sentiment};
pub use query::{CaseOrder, CaseQuery, ListView, Page, PageOf};
pub use rules::CaseRules;
pub use status::CaseStatus;
pub use sweep::sweep;
pub use values::{
    AiInsights, BreachFlag, ElapsedMinutes, EscalationInfo, EscalationTarget, ResolutionCategory,
    Satisfaction, SatisfactionRating, Survey, SurveyEndReason,
};
