//! Escalation rules: a trigger (SLA warning/violation, priority, age or
//! inactivity in business time, sentiment, manual) and the actions it causes.
//! Pure values.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessHours;
use crate::case::validate::{self, validated_record};
use crate::case::{Case, EscalationTarget, Priority, Sentiment};
use crate::error::{Error, Result};
use crate::sla::MilestoneKind;

/// What makes an escalation rule fire. Triggers look at the case's current
/// state, so they also match cases that were already in that state before the
/// rule existed.
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::case::{Priority, Sentiment};
/// use hotcrm_support::escalation::Trigger;
/// use hotcrm_support::sla::MilestoneKind;
///
/// let triggers = [
///     Trigger::MilestoneViolated(None),
///     Trigger::MilestoneWarning(Some(MilestoneKind::Resolution)),
///     Trigger::PriorityAtLeast(Priority::Critical),
///     Trigger::AgeAtLeast(TimeDelta::hours(16)),
///     Trigger::NoActivityFor(TimeDelta::hours(4)),
///     Trigger::Sentiment(Sentiment::Angry),
///     Trigger::Manual,
/// ];
/// assert_eq!(triggers.len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "trigger", content = "value", try_from = "TriggerRecord")]
pub enum Trigger {
    /// A milestone (of the kind, or any) has reached its warning threshold.
    MilestoneWarning(Option<MilestoneKind>),
    /// A milestone (of the kind, or any) has been violated.
    MilestoneViolated(Option<MilestoneKind>),
    /// The priority is at least this urgent.
    PriorityAtLeast(Priority),
    /// The case has been open at least this long in business time (desk hours).
    AgeAtLeast(#[serde(with = "crate::sla::delta_serde")] TimeDelta),
    /// No comment, status change or assignment for this long in business time.
    NoActivityFor(#[serde(with = "crate::sla::delta_serde")] TimeDelta),
    /// The customer's sentiment is at least this negative: `Angry` matches
    /// Angry only, `Negative` matches Negative or Angry.
    Sentiment(Sentiment),
    /// Fires only when invoked by hand ([`EscalationPolicy::fire_manual`](super::EscalationPolicy::fire_manual)).
    Manual,
    /// The desk's sweep predicted the Resolution milestone will be missed
    /// ([`CaseEvent::BreachPredicted`](crate::case::CaseEvent::BreachPredicted)).
    BreachPredicted,
}

/// The unvalidated serde form of [`Trigger`] (same shape).
#[derive(Deserialize)]
#[serde(tag = "trigger", content = "value")]
enum TriggerRecord {
    MilestoneWarning(Option<MilestoneKind>),
    MilestoneViolated(Option<MilestoneKind>),
    PriorityAtLeast(Priority),
    AgeAtLeast(#[serde(with = "crate::sla::delta_serde")] TimeDelta),
    NoActivityFor(#[serde(with = "crate::sla::delta_serde")] TimeDelta),
    Sentiment(Sentiment),
    Manual,
    BreachPredicted,
}

impl TryFrom<TriggerRecord> for Trigger {
    type Error = Error;

    fn try_from(raw: TriggerRecord) -> Result<Self> {
        let trigger = match raw {
            TriggerRecord::MilestoneWarning(k) => Trigger::MilestoneWarning(k),
            TriggerRecord::MilestoneViolated(k) => Trigger::MilestoneViolated(k),
            TriggerRecord::PriorityAtLeast(p) => Trigger::PriorityAtLeast(p),
            TriggerRecord::AgeAtLeast(d) => Trigger::AgeAtLeast(d),
            TriggerRecord::NoActivityFor(d) => Trigger::NoActivityFor(d),
            TriggerRecord::Sentiment(s) => Trigger::Sentiment(s),
            TriggerRecord::Manual => Trigger::Manual,
            TriggerRecord::BreachPredicted => Trigger::BreachPredicted,
        };
        trigger.validate()?;
        Ok(trigger)
    }
}

impl Trigger {
    /// Whether the trigger matches `case` at `now`; `hours` measures age and inactivity.
    ///
    /// ```
    /// use hotcrm_support::calendar::BusinessHours;
    /// use hotcrm_support::case::{Case, CaseRules, NewCase, Priority};
    /// use hotcrm_support::escalation::Trigger;
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let new = NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d").with_priority(Priority::Critical);
    /// let (case, _) = Case::create(new, now, &CaseRules::default())?;
    /// assert!(Trigger::PriorityAtLeast(Priority::High).matches(&case, now, &BusinessHours::always_open()));
    /// assert!(!Trigger::Manual.matches(&case, now, &BusinessHours::always_open()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn matches(&self, case: &Case, now: DateTime<Utc>, hours: &BusinessHours) -> bool {
        let of_kind = |kind: &Option<MilestoneKind>, m: &crate::sla::Milestone| {
            kind.is_none_or(|k| k == m.kind)
        };
        match self {
            Trigger::MilestoneWarning(kind) => {
                case.milestones.iter().any(|m| of_kind(kind, m) && m.warned)
            }
            Trigger::MilestoneViolated(kind) => case
                .milestones
                .iter()
                .any(|m| of_kind(kind, m) && m.breached),
            Trigger::PriorityAtLeast(p) => case.priority.at_least(*p),
            Trigger::AgeAtLeast(d) => {
                now > case.created_at && hours.between(case.created_at, now) >= *d
            }
            Trigger::NoActivityFor(d) => {
                now > case.last_activity_at && hours.between(case.last_activity_at, now) >= *d
            }
            Trigger::Sentiment(level) => match (level, case.customer_sentiment()) {
                (Sentiment::Angry, Some(s)) => s == Sentiment::Angry,
                (Sentiment::Negative, Some(s)) => s.is_negative(),
                _ => false,
            },
            Trigger::Manual => false,
            Trigger::BreachPredicted => case.breach_predicted.is_some(),
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            Trigger::AgeAtLeast(d) | Trigger::NoActivityFor(d) if *d <= TimeDelta::zero() => Err(
                Error::validation("trigger", format!("durations must be positive, got {d}")),
            ),
            Trigger::Sentiment(s) if !s.is_negative() => Err(Error::validation(
                "trigger",
                format!("sentiment triggers are Negative or Angry, got {s}"),
            )),
            _ => Ok(()),
        }
    }
}

/// What a fired rule does, in order.
///
/// ```
/// use hotcrm_support::case::{EscalationTarget, Priority};
/// use hotcrm_support::escalation::Action;
/// let actions = [
///     Action::RaisePriority(Priority::High),
///     Action::Escalate { to: EscalationTarget::SuccessManager, level: 1, reason: "Angry customer".into() },
///     Action::Notify { to: EscalationTarget::SuccessManager, message: "Angry customer detected: {case}".into() },
/// ];
/// assert_eq!(actions.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", try_from = "ActionRecord")]
pub enum Action {
    /// Escalate to a target at a level 1–5. Skipped when the case is already
    /// escalated at this level or higher.
    Escalate {
        /// To whom.
        to: EscalationTarget,
        /// Level 1–5.
        level: u8,
        /// Why.
        reason: String,
    },
    /// Raise the priority to at least this (never lowers it); due dates are recomputed.
    RaisePriority(Priority),
    /// Ask the host to notify someone; `{case}` in the message becomes the case number.
    Notify {
        /// Whom.
        to: EscalationTarget,
        /// The message.
        message: String,
    },
}

/// The unvalidated serde form of [`Action`] (same shape).
#[derive(Deserialize)]
#[serde(tag = "action")]
enum ActionRecord {
    Escalate {
        to: EscalationTarget,
        level: u8,
        reason: String,
    },
    RaisePriority(Priority),
    Notify {
        to: EscalationTarget,
        message: String,
    },
}

impl TryFrom<ActionRecord> for Action {
    type Error = Error;

    fn try_from(raw: ActionRecord) -> Result<Self> {
        let action = match raw {
            ActionRecord::Escalate { to, level, reason } => Action::Escalate { to, level, reason },
            ActionRecord::RaisePriority(p) => Action::RaisePriority(p),
            ActionRecord::Notify { to, message } => Action::Notify { to, message },
        };
        action.validate()?;
        Ok(action)
    }
}

impl Action {
    fn validate(&self) -> Result<()> {
        match self {
            Action::Escalate { level, reason, .. } => {
                validate::escalation_level(*level)?;
                validate::required_text("reason", reason, validate::MAX_SHORT_TEXT)
            }
            Action::RaisePriority(_) => Ok(()),
            Action::Notify { message, .. } => {
                validate::required_text("message", message, validate::MAX_SHORT_TEXT)
            }
        }
    }
}

validated_record! {
/// A named trigger → actions rule. Each rule fires at most once per case.
/// Loading one checks what [`EscalationRule::new`] checks.
///
/// # Example
///
/// ```
/// use chrono::TimeDelta;
/// use hotcrm_support::case::EscalationTarget;
/// use hotcrm_support::escalation::{Action, EscalationRule, Trigger};
///
/// let stale = EscalationRule::new(
///     "stale",
///     Trigger::NoActivityFor(TimeDelta::hours(8)),
///     vec![Action::Notify { to: EscalationTarget::OwnerManager, message: "{case} has had no activity for a day".into() }],
/// )?;
/// assert_eq!(stale.name, "stale");
/// # Ok::<(), hotcrm_support::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EscalationRuleRecord")]
pub struct EscalationRule {
    /// Unique name; recorded on the case when the rule fires.
    pub name: String,
    /// When it fires.
    pub trigger: Trigger,
    /// What it does, in order.
    pub actions: Vec<Action>,
}
mirror EscalationRuleRecord;
}

impl EscalationRule {
    /// A validated rule.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] for a blank name (or longer than 255 characters), no
    /// actions, a level outside 1–5, blank reasons or messages, non-positive
    /// durations, or a sentiment trigger that is not Negative or Angry.
    ///
    /// ```
    /// use hotcrm_support::escalation::{EscalationRule, Trigger};
    /// assert!(EscalationRule::new("empty", Trigger::Manual, vec![]).is_err());
    /// ```
    pub fn new(name: impl Into<String>, trigger: Trigger, actions: Vec<Action>) -> Result<Self> {
        let rule = Self {
            name: name.into(),
            trigger,
            actions,
        };
        rule.validate()?;
        Ok(rule)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        validate::required_text("rule name", &self.name, validate::MAX_SUBJECT)?;
        if self.actions.is_empty() {
            return Err(Error::validation(
                "actions",
                format!("rule {:?} has no actions", self.name),
            ));
        }
        self.trigger.validate()?;
        self.actions.iter().try_for_each(Action::validate)
    }
}
