//! Case events: past-tense facts, the crate's output to the host. Pure values;
//! `apply` folds them into a case without any rule.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Actor, AiInsights, Case, CaseStatus, Comment, ElapsedMinutes, EscalationTarget, Priority,
    Resolution, Satisfaction, SurveyEndReason,
};
use crate::ids::{AgentId, QueueId};
use crate::sla::{Milestone, MilestoneKind, ReopenMode};

/// Something that happened to a case. Every event carries the instant it
/// happened (`at`); SLA warnings and violations carry the instant they became
/// due, which may be earlier than the evaluation that found them.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, NewCase};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
///
/// let rules = CaseRules::default();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
/// let events = case.execute(CaseCommand::Assign { agent: AgentId::from_u128(3) }, now, &rules)?;
/// assert!(events.iter().any(|e| matches!(e, CaseEvent::StatusChanged { to: CaseStatus::Open, .. })));
/// let json = serde_json::to_string(&events)?;
/// assert_eq!(serde_json::from_str::<Vec<CaseEvent>>(&json)?, events);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
#[non_exhaustive]
pub enum CaseEvent {
    /// The case was created (the full initial state).
    Created {
        /// The new case.
        case: Box<Case>,
        /// Who created it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
    },
    /// The case got a new owner.
    Assigned {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The new owner.
        owner: AgentId,
        /// The previous owner.
        previous: Option<AgentId>,
    },
    /// The case lost its owner (the owner declined it back to its queue).
    Unassigned {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The owner it had.
        previous: AgentId,
    },
    /// The case moved to another queue.
    QueueChanged {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The new queue.
        queue: QueueId,
    },
    /// The status changed.
    StatusChanged {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// Old status.
        from: CaseStatus,
        /// New status.
        to: CaseStatus,
    },
    /// A comment was added.
    CommentAdded {
        /// The comment (its `at` is the event instant).
        comment: Comment,
    },
    /// The first public reply by a human agent.
    FirstResponded {
        /// When.
        at: DateTime<Utc>,
        /// Who.
        by: AgentId,
        /// Creation to first response.
        time: ElapsedMinutes,
    },
    /// A milestone (re)started: a next response after a customer reply, or a
    /// resolution restarted by a reopen.
    MilestoneStarted {
        /// The fresh milestone.
        milestone: Milestone,
    },
    /// A milestone reached its warning threshold.
    MilestoneWarning {
        /// Which milestone.
        kind: MilestoneKind,
        /// The warning instant.
        at: DateTime<Utc>,
        /// Its due instant at that time.
        due: DateTime<Utc>,
    },
    /// A milestone passed its due instant unmet.
    MilestoneViolated {
        /// Which milestone.
        kind: MilestoneKind,
        /// The due instant.
        at: DateTime<Utc>,
    },
    /// A milestone's clock stopped (pause status).
    MilestonePaused {
        /// Which milestone.
        kind: MilestoneKind,
        /// When.
        at: DateTime<Utc>,
    },
    /// A milestone's clock runs again, its deadlines extended by the pause.
    MilestoneResumed {
        /// Which milestone.
        kind: MilestoneKind,
        /// When.
        at: DateTime<Utc>,
        /// Total business time paused so far.
        #[serde(with = "crate::sla::delta_serde")]
        paused: TimeDelta,
        /// New due instant.
        due: DateTime<Utc>,
        /// New warning instant.
        warn_at: DateTime<Utc>,
    },
    /// A milestone's target changed (priority change) and its deadlines moved.
    MilestoneRescheduled {
        /// Which milestone.
        kind: MilestoneKind,
        /// When.
        at: DateTime<Utc>,
        /// New target.
        #[serde(with = "crate::sla::delta_serde")]
        target: TimeDelta,
        /// New due instant.
        due: DateTime<Utc>,
        /// New warning instant.
        warn_at: DateTime<Utc>,
    },
    /// A milestone was met.
    MilestoneCompleted {
        /// Which milestone.
        kind: MilestoneKind,
        /// When.
        at: DateTime<Utc>,
        /// After its due instant (a `MilestoneViolated` precedes it).
        late: bool,
    },
    /// The priority changed.
    PriorityChanged {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// Old priority.
        from: Priority,
        /// New priority.
        to: Priority,
    },
    /// The case was escalated.
    Escalated {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// Level 1–5.
        level: u8,
        /// To whom.
        to: EscalationTarget,
        /// Why.
        reason: String,
        /// The escalation rule that did it, if automatic.
        rule: Option<String>,
    },
    /// An escalation rule fired (once per case).
    EscalationRuleFired {
        /// When.
        at: DateTime<Utc>,
        /// The rule's name.
        rule: String,
    },
    /// Someone should be told something (the host sends it).
    NotificationRequested {
        /// When.
        at: DateTime<Utc>,
        /// Whom to notify.
        to: EscalationTarget,
        /// The message.
        message: String,
        /// The escalation rule that asked, if any.
        rule: Option<String>,
    },
    /// AI findings were stored.
    AiInsightsUpdated {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The findings.
        insights: AiInsights,
    },
    /// The case was resolved.
    Resolved {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The resolution.
        resolution: Resolution,
        /// Creation to resolution (business minutes exclude paused time).
        time: ElapsedMinutes,
    },
    /// The case was closed.
    Closed {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// Closed automatically after the auto-close delay.
        auto: bool,
    },
    /// A Resolved case was reopened.
    Reopened {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// What happened to the resolution clock.
        mode: ReopenMode,
    },
    /// A satisfaction survey became due (the host sends it).
    SurveyRequested {
        /// When.
        at: DateTime<Utc>,
        /// When it stops accepting answers at the latest.
        expires_at: DateTime<Utc>,
    },
    /// The survey stopped accepting answers.
    SurveyEnded {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: SurveyEndReason,
    },
    /// The customer rated the case.
    SatisfactionRecorded {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The rating.
        level: Satisfaction,
        /// Free text.
        feedback: Option<String>,
    },
    /// The customer replied to a Closed case: the host creates a follow-up case
    /// with [`NewCase::follow_up`](super::NewCase::follow_up).
    FollowUpRequested {
        /// When.
        at: DateTime<Utc>,
        /// The customer's reply (not added to the closed case).
        reply: Comment,
    },
    /// Routing found no eligible agent for the case (all offline, all at
    /// capacity, skills missing...); it waits in its queue.
    RoutingStalled {
        /// When.
        at: DateTime<Utc>,
        /// The queue the case waits in.
        queue: QueueId,
        /// Why no agent could take it (the router's explanation: unavailable,
        /// at capacity, missing skills, declined).
        reason: String,
    },
    /// A descriptive field changed ([`CaseCommand::Edit`](super::CaseCommand::Edit)).
    Edited {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The field as it was.
        from: super::CaseEdit,
        /// The field as it is now.
        to: super::CaseEdit,
    },
    /// Another case of the same account was merged into this one: its
    /// comments were copied here (the desk's timeline shows its events too).
    Merged {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The duplicate case.
        from: crate::ids::CaseId,
        /// The duplicate's number.
        number: crate::ids::CaseNumber,
        /// Its comments, as they were (deleted ones and ids this case already
        /// has are left out).
        comments: Vec<Comment>,
    },
    /// This case was a duplicate, merged into another and closed.
    MergedInto {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The case it lives on in.
        into: crate::ids::CaseId,
        /// That case's number.
        number: crate::ids::CaseNumber,
    },
    /// A comment became a case of its own; it is left out of this case's
    /// readers from now on (kept for the audit trail, like a deletion).
    CommentSplit {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The comment.
        comment: crate::ids::CommentId,
        /// The new case.
        into: crate::ids::CaseId,
    },
    /// A comment's body was replaced (the former one is kept in its revisions).
    CommentEdited {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The comment.
        comment: crate::ids::CommentId,
        /// The new body.
        body: String,
    },
    /// A comment was deleted (kept for the audit trail).
    CommentDeleted {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The comment.
        comment: crate::ids::CommentId,
    },
    /// An AI suggestion was accepted or rejected (and cleared from the case's
    /// AI insights).
    AiSuggestionReviewed {
        /// When.
        at: DateTime<Utc>,
        /// Who did it (absent in JSON when the system did).
        #[serde(default, skip_serializing_if = "Actor::is_system")]
        by: Actor,
        /// The suggestion and its value.
        suggestion: super::AiSuggested,
        /// Accepted (applied) or rejected.
        accepted: bool,
    },
    /// The desk's prediction found the Resolution milestone likely to be
    /// missed (raised once per case by the sweep, when enabled).
    BreachPredicted {
        /// When.
        at: DateTime<Utc>,
        /// The predicted probability of missing, in thousandths.
        permille: u16,
        /// What the prediction recommends.
        recommendation: crate::sla::predict::Recommendation,
    },
}

impl CaseEvent {
    /// Who caused the event (the audit trail): the recorded actor of events
    /// that answer a command, a comment's author, and [`Actor::System`] for the
    /// events only the crate's rules produce (SLA milestones, escalation rules,
    /// notifications, surveys, follow-up requests, routing stalls, breach
    /// predictions).
    ///
    /// ```
    /// use hotcrm_support::case::{Actor, CaseEvent};
    /// use hotcrm_support::ids::AgentId;
    /// let at = "2026-01-05T09:00:00Z".parse()?;
    /// let by = Actor::Agent(AgentId::from_u128(4));
    /// assert_eq!(CaseEvent::Closed { at, by, auto: false }.actor(), by);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn actor(&self) -> Actor {
        match self {
            CaseEvent::CommentAdded { comment } => comment.author.into(),
            CaseEvent::FirstResponded { by, .. } => Actor::Agent(*by),
            CaseEvent::Created { by, .. }
            | CaseEvent::Assigned { by, .. }
            | CaseEvent::Unassigned { by, .. }
            | CaseEvent::QueueChanged { by, .. }
            | CaseEvent::StatusChanged { by, .. }
            | CaseEvent::PriorityChanged { by, .. }
            | CaseEvent::Escalated { by, .. }
            | CaseEvent::AiInsightsUpdated { by, .. }
            | CaseEvent::Resolved { by, .. }
            | CaseEvent::Closed { by, .. }
            | CaseEvent::Reopened { by, .. }
            | CaseEvent::SatisfactionRecorded { by, .. }
            | CaseEvent::Edited { by, .. }
            | CaseEvent::Merged { by, .. }
            | CaseEvent::MergedInto { by, .. }
            | CaseEvent::CommentSplit { by, .. }
            | CaseEvent::CommentEdited { by, .. }
            | CaseEvent::CommentDeleted { by, .. }
            | CaseEvent::AiSuggestionReviewed { by, .. } => *by,
            CaseEvent::MilestoneStarted { .. }
            | CaseEvent::MilestoneWarning { .. }
            | CaseEvent::MilestoneViolated { .. }
            | CaseEvent::MilestonePaused { .. }
            | CaseEvent::MilestoneResumed { .. }
            | CaseEvent::MilestoneRescheduled { .. }
            | CaseEvent::MilestoneCompleted { .. }
            | CaseEvent::EscalationRuleFired { .. }
            | CaseEvent::NotificationRequested { .. }
            | CaseEvent::SurveyRequested { .. }
            | CaseEvent::SurveyEnded { .. }
            | CaseEvent::FollowUpRequested { .. }
            | CaseEvent::RoutingStalled { .. }
            | CaseEvent::BreachPredicted { .. } => Actor::System,
        }
    }

    /// The instant the event happened.
    ///
    /// ```
    /// use hotcrm_support::case::CaseEvent;
    /// let at = "2026-01-05T09:00:00Z".parse()?;
    /// assert_eq!(CaseEvent::Closed { at, by: Default::default(), auto: true }.at(), at);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            CaseEvent::Created { case, .. } => case.created_at,
            CaseEvent::CommentAdded { comment } => comment.at,
            CaseEvent::MilestoneStarted { milestone } => milestone.started_at,
            CaseEvent::Assigned { at, .. }
            | CaseEvent::Unassigned { at, .. }
            | CaseEvent::QueueChanged { at, .. }
            | CaseEvent::StatusChanged { at, .. }
            | CaseEvent::FirstResponded { at, .. }
            | CaseEvent::MilestoneWarning { at, .. }
            | CaseEvent::MilestoneViolated { at, .. }
            | CaseEvent::MilestonePaused { at, .. }
            | CaseEvent::MilestoneResumed { at, .. }
            | CaseEvent::MilestoneRescheduled { at, .. }
            | CaseEvent::MilestoneCompleted { at, .. }
            | CaseEvent::PriorityChanged { at, .. }
            | CaseEvent::Escalated { at, .. }
            | CaseEvent::EscalationRuleFired { at, .. }
            | CaseEvent::NotificationRequested { at, .. }
            | CaseEvent::AiInsightsUpdated { at, .. }
            | CaseEvent::Resolved { at, .. }
            | CaseEvent::Closed { at, .. }
            | CaseEvent::Reopened { at, .. }
            | CaseEvent::SurveyRequested { at, .. }
            | CaseEvent::SurveyEnded { at, .. }
            | CaseEvent::SatisfactionRecorded { at, .. }
            | CaseEvent::FollowUpRequested { at, .. }
            | CaseEvent::BreachPredicted { at, .. }
            | CaseEvent::Edited { at, .. }
            | CaseEvent::Merged { at, .. }
            | CaseEvent::MergedInto { at, .. }
            | CaseEvent::CommentSplit { at, .. }
            | CaseEvent::CommentEdited { at, .. }
            | CaseEvent::CommentDeleted { at, .. }
            | CaseEvent::AiSuggestionReviewed { at, .. }
            | CaseEvent::RoutingStalled { at, .. } => *at,
        }
    }
}
