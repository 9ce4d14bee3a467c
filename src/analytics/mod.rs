//! Support metrics and workload: first-response and resolution times, SLA
//! compliance and CSAT over a [`Period`], overall and per queue, agent, tier
//! and priority; open cases and backlog age per agent and per queue.
//!
//! Part of the outer layer (beside the desk), but this part is pure computation: functions over
//! `impl IntoIterator<Item = &Case>` with the period or "now" as an explicit
//! argument, no I/O, no clock. It may depend on `case`, `sla`, `ids`, `period`
//! and `error`; never on `repo`, `ai` or `desk` (the desk loads the cases and
//! passes them in). The list views live with the queries in
//! [`case::ListView`](crate::case::ListView).
//!
//! # Which cases count
//!
//! A [`Period`] is half-open, `[from, to)`. Each metric counts the cases whose
//! *own* event happened in the period, so a case created in January and
//! resolved in February adds to January's `created` and to February's
//! resolution time. These are decisions:
//!
//! | metric | a case counts when | value |
//! | --- | --- | --- |
//! | `created` | `created_at` is in the period | 1 |
//! | `closed` | `closed_at` is in the period | 1 |
//! | `first_response` | `first_response_at` is in the period | `response_time` (creation to the first public agent reply), calendar and business minutes |
//! | `resolution` | `resolved_at` is in the period | `resolution_time` (creation to resolution, paused time excluded from business minutes) |
//! | `sla` | its SLA outcome was decided in the period (see below) | compliant = never violated |
//! | `csat` | its rating's `at` is in the period | score 1–5; satisfied = 4 or 5 |
//! | `cases` | it counts for any row above | 1 |
//!
//! **SLA outcome.** A case is decided once: at its first violation (the
//! earliest breached milestone's due instant, which is when
//! `MilestoneViolated` is stamped), or, if never violated, at its resolution.
//! Open cases that are not (yet) violated are undecided and do not count, so
//! a backlog of healthy open cases neither raises nor lowers compliance.
//! Compliance % = compliant / decided × 100.
//!
//! **Current state.** Metrics read the cases as they are now: a reopened case
//! has no `resolved_at` until it is resolved again and then counts at its
//! latest resolution; a changed rating counts at its latest `at`; groups use
//! the current owner, queue, tier and priority. A violated case whose breached
//! milestone was later replaced (a new NextResponse clock, or a Restart
//! reopen) is decided at its resolution instead. The violation instant is read
//! from the breached milestone's `due`, which is exact unless a later priority
//! change recomputed that due date (the case does not store violation
//! instants; the `MilestoneViolated` events do).
//!
//! **Subsets.** To measure one account, product or view, filter first:
//! `metrics(cases.iter().filter(|c| query.matches(c)), period)` with a
//! [`CaseQuery`](crate::case::CaseQuery).
//!
//! **Statistics.** [`DurationStats`] holds the count and, in calendar and in
//! business minutes as recorded on each case ([`ElapsedMinutes`](crate::case::ElapsedMinutes)),
//! the mean, the median (mean of the two middle values for an even count), the
//! nearest-rank 90th percentile and the maximum. Every statistic and
//! percentage of an empty set is `None`: never NaN, never a panic.
//!
//! **Grouping.** [`metrics_by`] and [`report`] group by [`Dimension`]; cases
//! without an owner or a queue go to [`GroupKey::Unassigned`]. Each case is in
//! exactly one group per dimension, so every counter of the groups adds up to
//! the overall counter. Only groups with at least one counted case appear.
//! Maps are `BTreeMap`s keyed by [`GroupKey`], which serializes as a string
//! (`queue:<uuid>`, `tier:Gold`, `unassigned`), so reports are JSON objects
//! in a deterministic order.
//!
//! **Workload.** [`workload`] counts the cases whose status is open (neither
//! Resolved nor Closed) per owning agent and per queue, by priority, with the
//! oldest open case and the age statistics (wall-clock minutes to `now`).
//!
//! # Example: a month of metrics per queue
//!
//! ```
//! use chrono::TimeDelta;
//! use hotcrm_support::analytics::{metrics_by, Dimension, GroupKey, Period};
//! use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase, Resolution, Satisfaction};
//! use hotcrm_support::ids::{AccountId, CaseId, CaseNumber, QueueId};
//!
//! let rules = CaseRules::default();
//! let t0 = "2026-01-05T09:00:00Z".parse()?;
//! let billing = QueueId::from_u128(10);
//! let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Invoice wrong", "Twice charged")
//!     .with_queue(billing);
//! let (mut case, _) = Case::create(new, t0, &rules)?;
//! case.execute(CaseCommand::Resolve(Resolution::new("Refunded")), t0 + TimeDelta::hours(2), &rules)?;
//! case.execute(CaseCommand::RecordSatisfaction { level: Satisfaction::Satisfied, feedback: None }, t0 + TimeDelta::hours(3), &rules)?;
//!
//! let january = Period::new("2026-01-01T00:00:00Z".parse()?, "2026-02-01T00:00:00Z".parse()?)?;
//! let per_queue = metrics_by([&case], january, Dimension::Queue);
//! let m = &per_queue[&GroupKey::Queue(billing)];
//! assert_eq!(m.resolution.calendar.median, Some(120.0));
//! assert_eq!(m.sla.percent, Some(100.0));
//! assert_eq!(m.csat.average_score, Some(4.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod group;
mod metrics;
mod stats;
mod workload;

/// Re-exported from [`crate::period`], where it moved so that inner layers
/// (the knowledge-gap report) can take a period too.
pub use crate::period::Period;
pub use group::{Dimension, GroupKey};
pub use metrics::{
    CsatStats, Metrics, MetricsReport, SlaCompliance, metrics, metrics_by, report, sla_decided_at,
};
pub use stats::{DurationStats, MinuteStats};
pub use workload::{Backlog, PriorityCounts, Workload, workload};
