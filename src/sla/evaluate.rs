//! The SLA clock sweep: which warnings and violations are due at `now`.
//! Pure and idempotent; reads only the case (due and warning instants are
//! precomputed on the milestones, so no calendar work happens here).

use chrono::{DateTime, Utc};

use crate::case::{Case, CaseEvent};

/// The SLA events due on `case` at `now`: a `MilestoneWarning` for each running
/// milestone whose warning instant has been reached, a `MilestoneViolated` for
/// each running milestone strictly past its due instant. Events are stamped
/// with the instant they became due, not with `now`, and ordered by that
/// instant. Paused and completed milestones never fire.
///
/// Idempotent: after applying the returned events, evaluating again at the same
/// or any later `now` never repeats one, however coarse the sweep interval.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::case::{Case, CaseEvent, CaseRules, NewCase};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::sla;
///
/// let rules = CaseRules::default();
/// let created = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Login fails", "Error 500");
/// let (mut case, _) = Case::create(new, created, &rules)?;
///
/// // Standard tier: first response due after 8h (a business day, 24x7 default calendar).
/// let late = created + TimeDelta::hours(9);
/// let events = sla::evaluate(&case, late);
/// assert!(matches!(events[0], CaseEvent::MilestoneWarning { .. }));
/// assert!(matches!(events[1], CaseEvent::MilestoneViolated { at, .. } if at == created + TimeDelta::hours(8)));
/// for e in &events {
///     case.apply(e);
/// }
/// assert!(sla::evaluate(&case, late).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(case: &Case, now: DateTime<Utc>) -> Vec<CaseEvent> {
    let mut events = Vec::new();
    for m in case.milestones.iter() {
        if !m.is_active() {
            continue;
        }
        if !m.warned && !m.breached && now >= m.warn_at {
            events.push(CaseEvent::MilestoneWarning {
                kind: m.kind,
                at: m.warn_at,
                due: m.due,
            });
        }
        if !m.breached && now > m.due {
            events.push(CaseEvent::MilestoneViolated {
                kind: m.kind,
                at: m.due,
            });
        }
    }
    // Stable: a warning and a violation of one milestone keep their order.
    events.sort_by_key(CaseEvent::at);
    events
}
