//! SLA tiers, entitlements, policies, due dates, milestones and the SLA clock sweep.
//!
//! Layer 2 (pure domain rules): depends on `calendar`, `case`, `ids`, `error`;
//! never on `repo`, `ai` or `desk`.
//!
//! The tier comes from the account's active [`Entitlement`] at creation (none →
//! [`SlaTier::Standard`]). [`SlaPolicy`] maps tier and priority to [`Targets`];
//! [`SlaPolicy::due_dates`] turns them into deadlines on the desk's business
//! hours (24x7 tiers ignore the calendar). Each case carries three
//! [`Milestone`]s whose warning and due instants are precomputed whenever they
//! change, so [`evaluate`] is a cheap, idempotent comparison.

pub(crate) mod delta_serde;
mod entitlement;
mod evaluate;
mod milestone;
mod policy;
mod tier;

pub use entitlement::Entitlement;
pub use evaluate::evaluate;
pub use milestone::{Milestone, MilestoneKind, MilestoneState, Milestones};
pub use policy::{Coverage, DueDates, ReopenMode, SlaPolicy, Target, Targets};
pub use tier::SlaTier;
