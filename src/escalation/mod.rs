//! Escalation: ordered rules whose triggers (SLA warning or violation, priority,
//! age or inactivity in business time, sentiment, manual) cause actions
//! (escalate to a user, queue or manager at a level 1–5, raise priority, notify).
//!
//! Layer 2 (pure domain rules): depends on `case`, `sla`, `calendar`, `error`;
//! never on `repo`, `ai` or `desk`. Evaluation is idempotent: each rule fires at
//! most once per case (the case records the names of fired rules), so sweeping
//! twice, or at any interval, fires nothing twice.
//!
//! # Records are validated on load
//!
//! Deserializing an [`EscalationPolicy`], an [`EscalationRule`], a [`Trigger`] or
//! an [`Action`] runs the checks of [`EscalationPolicy::new`] and
//! [`EscalationRule::new`]: unique rule names, a name that is not blank, at least
//! one action, levels 1–5, reasons and messages not blank, positive durations,
//! sentiment triggers Negative or Angry. Errors name the field.

mod policy;
mod rule;

pub use crate::case::EscalationTarget;
pub use policy::EscalationPolicy;
pub use rule::{Action, EscalationRule, Trigger};
