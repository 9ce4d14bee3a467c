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
//!
//! # Decisions
//!
//! - A milestone is violated when its clock is running strictly after the due
//!   instant: a reply at exactly the due instant is on time.
//! - Warnings and violations are stamped with their threshold and due instants,
//!   not with the evaluation time; a late completion emits `MilestoneViolated`
//!   and then `MilestoneCompleted { late: true }`.
//! - Only the Resolution milestone pauses (in the policy's pause statuses); the
//!   pause's business time extends its due and warning instants when it ends.
//!   Time spent Resolved counts as paused for [`ReopenMode::Continue`];
//!   [`ReopenMode::Restart`] starts a new cycle with a full target.
//! - NextResponse (when the policy has a target) starts at a customer reply once
//!   the first response was given, one at a time, and only a public reply by a
//!   human agent meets it, like the first response.
//! - "1 business day" (Silver resolution, Bronze, Standard) is the length set by
//!   [`SlaPolicy::with_business_day`]; without it, the desk calendar's
//!   [typical open day](crate::calendar::BusinessHours::typical_day) — the most
//!   common non-zero daily total of its weekly schedule, ties to the longer, so
//!   09:00–17:30 on weekdays makes 8.5 hours — applied by
//!   [`CaseRules::new`](crate::case::CaseRules::new) and
//!   [`SlaPolicy::due_dates`] through [`SlaPolicy::for_calendar`]. A calendar
//!   open around the clock (or never) has no typical day and keeps the 8-hour
//!   default, so `CaseRules::default()` behaves as before. Policies stored by
//!   earlier versions always carry their length and keep it.
//! - A priority change recomputes every open milestone from its own start with
//!   the new targets; `breached` and `warned` stay as they were.
//!
//! # Records are validated on load
//!
//! Deserializing runs the checks of the constructors and builder methods:
//! [`SlaPolicy`] and [`Targets`] as [`SlaPolicy::with_targets`] and the other
//! `with_*` methods (targets longer than zero, a business day of 1 minute to 24
//! hours, warnings in 1..=99 %, no New/Resolved/Closed pause status);
//! [`Milestone`] as [`Milestone::validate`] (positive target, warning percent,
//! `started_at <= warn_at <= due`, no negative paused time, late only when
//! breached); [`Milestones`] as [`Milestones::validate`] (each in the slot of its
//! kind, only the resolution one paused); [`Entitlement`] as
//! [`Entitlement::validate`] (`valid_from < valid_until`). Errors name the field.
//!
//! # Prediction
//!
//! [`predict`] learns business minutes to resolution from resolved and open
//! cases (Kaplan–Meier, stratified by priority, type, AI category, queue and
//! tier with fallback to coarser groups below a minimum sample) and predicts
//! P50/P80/P90 resolution instants and the probability of missing the
//! Resolution milestone; [`predict::workload`] turns breach probabilities and
//! agent loads into reassignment, staffing (Erlang C) and skill recommendations.

pub(crate) mod delta_serde;
mod entitlement;
mod evaluate;
mod milestone;
mod policies;
mod policy;
pub mod predict;
mod tier;

pub use entitlement::Entitlement;
pub use evaluate::evaluate;
pub use milestone::{Milestone, MilestoneKind, MilestoneState, Milestones};
pub use policies::{PolicyConditions, PolicyFacts, PolicyRef, PolicyVersion, SlaPolicies};
pub use policy::{Coverage, DueDates, ReopenMode, SlaPolicy, Target, Targets};
pub use tier::SlaTier;
