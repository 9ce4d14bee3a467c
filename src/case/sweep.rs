//! The time-driven events of a case: SLA warnings and violations, survey
//! expiry, auto-close. Pure and idempotent; depends on `sla`.

use chrono::{DateTime, Utc};

use super::{Actor, Case, CaseEvent, CaseRules, CaseStatus, SurveyEndReason};
use crate::sla;

/// The time-driven events due on a case at `now`: SLA warnings and violations
/// ([`sla::evaluate`]), the end of an expired survey and the auto-close of a
/// case Resolved for longer than [`CaseRules::auto_close_after`]. Each is
/// stamped with the instant it became due. Idempotent like [`sla::evaluate`].
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::case::{self, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, NewCase, Resolution};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let rules = CaseRules::default();
/// let t = "2026-01-05T09:00:00Z".parse()?;
/// let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), t, &rules)?;
/// case.execute(CaseCommand::Resolve(Resolution::new("fixed")), t, &rules)?;
/// let later = t + TimeDelta::days(4);
/// for e in case::sweep(&case, later, &rules) {
///     case.apply(&e);
/// }
/// assert_eq!(case.status, CaseStatus::Closed);
/// assert_eq!(case.closed_at, Some(t + TimeDelta::days(3)));
/// assert!(case::sweep(&case, later, &rules).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sweep(case: &Case, now: DateTime<Utc>, rules: &CaseRules) -> Vec<CaseEvent> {
    let mut events = sla::evaluate(case, now);
    let auto_close_at = match (case.status, case.resolved_at) {
        (CaseStatus::Resolved, Some(resolved)) => {
            resolved.checked_add_signed(rules.auto_close_after())
        }
        _ => None,
    };
    let auto_close_at = auto_close_at.filter(|at| *at <= now);
    if let Some(survey) = case.survey.filter(|s| s.ended.is_none()) {
        let expired =
            survey.expires_at <= now && auto_close_at.is_none_or(|c| survey.expires_at <= c);
        if expired {
            events.push(CaseEvent::SurveyEnded {
                at: survey.expires_at,
                reason: SurveyEndReason::Expired,
            });
        } else if let Some(at) = auto_close_at {
            events.push(CaseEvent::SurveyEnded {
                at,
                reason: SurveyEndReason::Closed,
            });
        }
    }
    if let Some(at) = auto_close_at {
        events.push(CaseEvent::StatusChanged {
            by: Actor::System,
            at,
            from: CaseStatus::Resolved,
            to: CaseStatus::Closed,
        });
        events.push(CaseEvent::Closed {
            at,
            by: Actor::System,
            auto: true,
        });
    }
    events.sort_by_key(CaseEvent::at);
    events
}
