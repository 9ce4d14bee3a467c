//! `EscalationPolicy`: the ordered rules of a desk and their idempotent
//! evaluation against a case. Pure: decisions go through the case rules.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Action, EscalationRule, Trigger};
use crate::case::{self, Case, CaseEvent, CaseRules, EscalationTarget, Priority, Sentiment};
use crate::error::{Error, Result};

/// The ordered escalation rules of a desk.
///
/// `EscalationPolicy::default()` mirrors the original system:
/// 1. `critical-priority`: a Critical case escalates immediately to the senior
///    support manager (level 1) and notifies them.
/// 2. `sla-violation`: any SLA violation escalates to the owner's manager (level 2).
/// 3. `angry-customer`: an Angry customer raises the priority to at least High,
///    escalates to the customer success manager (level 1) and notifies them.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Case, CaseEvent, CaseRules, NewCase, Priority};
/// use hotcrm_support::escalation::EscalationPolicy;
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
///
/// let rules = CaseRules::default();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "Site down", "500s everywhere")
///     .with_priority(Priority::Critical);
/// let (mut case, _) = Case::create(new, now, &rules)?;
/// let policy = EscalationPolicy::default();
/// let events = policy.evaluate(&case, now, &rules)?;
/// assert!(events.iter().any(|e| matches!(e, CaseEvent::Escalated { level: 1, .. })));
/// for e in &events {
///     case.apply(e);
/// }
/// assert!(case.is_escalated());
/// assert!(policy.evaluate(&case, now, &rules)?.is_empty()); // idempotent
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<EscalationRule>", into = "Vec<EscalationRule>")]
pub struct EscalationPolicy {
    rules: Vec<EscalationRule>,
}

impl TryFrom<Vec<EscalationRule>> for EscalationPolicy {
    type Error = Error;

    /// Validates like [`EscalationPolicy::new`] (deserialization goes through here).
    fn try_from(rules: Vec<EscalationRule>) -> Result<Self> {
        Self::new(rules)
    }
}

impl From<EscalationPolicy> for Vec<EscalationRule> {
    fn from(policy: EscalationPolicy) -> Self {
        policy.rules
    }
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        let rule = |name: &str, trigger, actions| EscalationRule {
            name: name.to_string(),
            trigger,
            actions,
        };
        Self {
            rules: vec![
                rule(
                    "critical-priority",
                    Trigger::PriorityAtLeast(Priority::Critical),
                    vec![
                        Action::Escalate {
                            to: EscalationTarget::SupportManager,
                            level: 1,
                            reason: "Critical priority - automatic escalation".into(),
                        },
                        Action::Notify {
                            to: EscalationTarget::SupportManager,
                            message: "Critical case escalated: {case}".into(),
                        },
                    ],
                ),
                rule(
                    "sla-violation",
                    Trigger::MilestoneViolated(None),
                    vec![Action::Escalate {
                        to: EscalationTarget::OwnerManager,
                        level: 2,
                        reason: "SLA violation - auto-escalated to manager".into(),
                    }],
                ),
                rule(
                    "angry-customer",
                    Trigger::Sentiment(Sentiment::Angry),
                    vec![
                        Action::RaisePriority(Priority::High),
                        Action::Escalate {
                            to: EscalationTarget::SuccessManager,
                            level: 1,
                            reason: "Angry customer detected".into(),
                        },
                        Action::Notify {
                            to: EscalationTarget::SuccessManager,
                            message: "Angry customer detected: {case}".into(),
                        },
                    ],
                ),
            ],
        }
    }
}

impl EscalationPolicy {
    /// A policy with these rules, evaluated in order.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when a rule is invalid (see [`EscalationRule::new`]);
    /// [`Error::AlreadyExists`] when two rules share a name.
    ///
    /// ```
    /// use hotcrm_support::case::EscalationTarget;
    /// use hotcrm_support::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
    /// let notify = vec![Action::Notify { to: EscalationTarget::OwnerManager, message: "{case}".into() }];
    /// let r = EscalationRule::new("a", Trigger::Manual, notify)?;
    /// assert!(EscalationPolicy::new(vec![r.clone(), r]).is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn new(rules: Vec<EscalationRule>) -> Result<Self> {
        for (i, r) in rules.iter().enumerate() {
            r.validate()?;
            if rules.iter().take(i).any(|other| other.name == r.name) {
                return Err(Error::AlreadyExists {
                    kind: "escalation rule",
                    key: r.name.clone(),
                });
            }
        }
        Ok(Self { rules })
    }

    /// The rules, in evaluation order.
    ///
    /// ```
    /// let names: Vec<_> = hotcrm_support::escalation::EscalationPolicy::default().rules().iter().map(|r| r.name.clone()).collect();
    /// assert_eq!(names, ["critical-priority", "sla-violation", "angry-customer"]);
    /// ```
    pub fn rules(&self) -> &[EscalationRule] {
        &self.rules
    }

    /// The escalation events due on `case` at `now`: for each rule in order that
    /// has not fired on this case and whose trigger matches, an
    /// `EscalationRuleFired` event followed by its actions' events. Later rules
    /// see the effects of earlier ones. Resolved and Closed cases never escalate.
    ///
    /// Idempotent: applying the events and evaluating again fires nothing twice.
    /// Triggers read the case as given, so apply [`case::sweep`]'s SLA events
    /// first for violations to be seen in the same pass.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when `now` is before the case's last change;
    /// calendar errors when a raised priority's due dates cannot be computed.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, NewCase};
    /// use hotcrm_support::escalation::EscalationPolicy;
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let rules = CaseRules::default();
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
    /// assert!(EscalationPolicy::default().evaluate(&case, now, &rules)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(
        &self,
        case: &Case,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<Vec<CaseEvent>> {
        crate::case::validate::not_before_last_change(case, now)?;
        let mut events = Vec::new();
        if !case.status.is_open() {
            return Ok(events);
        }
        let mut current = Cow::Borrowed(case);
        for rule in &self.rules {
            if current.fired_rules.contains(&rule.name)
                || !rule.trigger.matches(&current, now, rules.hours())
            {
                continue;
            }
            let fired = fire(rule, &current, now, rules)?;
            let owned = current.to_mut();
            for e in &fired {
                owned.apply(e);
            }
            events.extend(fired);
        }
        Ok(events)
    }

    /// Fires a rule with a [`Trigger::Manual`] trigger on `case` by hand.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for an unknown rule; [`Error::NotAllowed`] when the
    /// rule is not manual, has already fired on this case, or the case is
    /// Resolved or Closed; [`Error::Validation`] when `now` is before the case's
    /// last change.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseRules, EscalationTarget, NewCase};
    /// use hotcrm_support::escalation::{Action, EscalationPolicy, EscalationRule, Trigger};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let rules = CaseRules::default();
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
    /// let tier2 = EscalationRule::new("tier-2", Trigger::Manual, vec![Action::Escalate {
    ///     to: EscalationTarget::SupportManager, level: 2, reason: "needs tier 2".into() }])?;
    /// let policy = EscalationPolicy::new(vec![tier2])?;
    /// assert_eq!(policy.fire_manual("tier-2", &case, now, &rules)?.len(), 3); // fired, status, escalated
    /// assert!(policy.fire_manual("nope", &case, now, &rules).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fire_manual(
        &self,
        name: &str,
        case: &Case,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<Vec<CaseEvent>> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| Error::NotFound {
                kind: "escalation rule",
                id: name.to_string(),
            })?;
        let refuse = |reason: String| Error::NotAllowed {
            command: "fire escalation rule",
            reason,
        };
        if rule.trigger != Trigger::Manual {
            return Err(refuse(format!("rule {name:?} is not manual")));
        }
        if case.fired_rules.contains(name) {
            return Err(refuse(format!(
                "rule {name:?} already fired on {}",
                case.number
            )));
        }
        if !case.status.is_open() {
            return Err(refuse(format!("case {} is {}", case.number, case.status)));
        }
        crate::case::validate::not_before_last_change(case, now)?;
        fire(rule, case, now, rules)
    }
}

/// The events of one rule firing on `case`, each action seeing the previous ones.
fn fire(
    rule: &EscalationRule,
    case: &Case,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<Vec<CaseEvent>> {
    let fired = CaseEvent::EscalationRuleFired {
        at: now,
        rule: rule.name.clone(),
    };
    let mut current = case.clone();
    current.apply(&fired);
    let mut events = vec![fired];
    for action in &rule.actions {
        let more = match action {
            Action::Escalate { to, level, reason } => {
                if current.escalation_level() >= *level {
                    continue;
                }
                case::decide_escalation(
                    &current,
                    *to,
                    *level,
                    reason.clone(),
                    Some(rule.name.clone()),
                    now,
                    rules,
                )?
            }
            Action::RaisePriority(p) => {
                if current.priority.at_least(*p) {
                    continue;
                }
                case::decide_priority_change(&current, *p, now, rules)?
            }
            Action::Notify { to, message } => vec![CaseEvent::NotificationRequested {
                at: now,
                to: *to,
                message: message.replace("{case}", &current.number.to_string()),
                rule: Some(rule.name.clone()),
            }],
        };
        for e in &more {
            current.apply(e);
        }
        events.extend(more);
    }
    Ok(events)
}
