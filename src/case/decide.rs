//! Deciding commands: all the rules of a live case. `decide` is a pure function
//! of (state, command, now, rules) returning events or a typed error; nothing
//! here mutates the case it is given.

use std::borrow::Cow;

use super::sweep;

use chrono::{DateTime, TimeDelta, Utc};

use super::validate::{MAX_SHORT_TEXT, optional_text, required_text};
use super::{
    Actor, Author, Case, CaseCommand, CaseEvent, CaseRules, CaseStatus, ElapsedMinutes,
    EscalationTarget, NewComment, Priority, Resolution, Satisfaction, SurveyEndReason, Visibility,
};
use crate::calendar::BusinessHours;
use crate::error::{Error, Result};
use crate::sla::{Milestone, MilestoneKind, MilestoneState, ReopenMode};

/// Decides a command against a case at `now`.
///
/// First the time-driven events that became due by `now` ([`sweep()`]) are
/// caught up, then the command's own events follow. So a late resolve emits
/// `MilestoneViolated` stamped at the due instant, then
/// `MilestoneCompleted { late: true }`; and a customer reply to a case Resolved
/// longer than the auto-close delay finds it Closed and asks for a follow-up,
/// whether or not a sweep ran in between. A refused command returns an error
/// and no events; the case is never touched.
///
/// # Errors
///
/// - [`Error::Validation`]: bad input (blank text, level outside 1–5, a
///   customer's internal comment, `now` before the case's last change).
/// - [`Error::InvalidTransition`]: the status machine forbids the move.
/// - [`Error::NotAllowed`]: the command makes no sense in the current state
///   (commenting on a Closed case as an agent, rating without an open survey...).
/// - Calendar errors when due dates must be recomputed on a calendar that never opens.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{self, Case, CaseCommand, CaseRules, NewCase, Resolution};
/// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
/// use hotcrm_support::Error;
///
/// let rules = CaseRules::default();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
/// let err = case::decide(&case, CaseCommand::Close, now, &rules).unwrap_err();
/// assert!(matches!(err, Error::InvalidTransition { .. }));
/// let err = case::decide(&case, CaseCommand::Resolve(Resolution::new("")), now, &rules).unwrap_err();
/// assert!(matches!(err, Error::Validation { field: "resolution", .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide(
    case: &Case,
    command: CaseCommand,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<Vec<CaseEvent>> {
    decide_as(case, command, Actor::System, now, rules)
}

/// [`decide`] on behalf of `by`: the command's events record it as their
/// actor (time-driven events caught up first stay the system's; a comment's
/// events are its author's).
///
/// # Errors
///
/// As [`decide`].
///
/// ```
/// use hotcrm_support::case::{self, Actor, Case, CaseCommand, CaseEvent, CaseRules, NewCase, Priority};
/// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
/// let rules = CaseRules::default();
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let (case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
/// let lead = Actor::Agent(AgentId::from_u128(9));
/// let events = case::decide_as(&case, CaseCommand::ChangePriority(Priority::High), lead, now, &rules)?;
/// assert_eq!(events[0].actor(), lead); // PriorityChanged
/// // The clocks it reschedules are the SLA rules' doing.
/// assert!(events[1..].iter().all(|e| e.actor() == Actor::System));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decide_as(
    case: &Case,
    command: CaseCommand,
    by: Actor,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<Vec<CaseEvent>> {
    super::validate::not_before_last_change(case, now)?;
    // A comment's events (a reopen, a status change) are its author's.
    let by = match (&command, by) {
        (CaseCommand::Comment(c), Actor::System) => c.author.into(),
        _ => by,
    };
    let mut events = sweep(case, now, rules);
    let current = caught_up(case, &events);
    let more = Decider {
        case: &current,
        now,
        rules,
        by,
    }
    .decide(command)?;
    events.extend(more);
    Ok(events)
}

/// Decides a crate-internal operation `f` on `case` on behalf of `by`, with
/// the same catch-up as [`decide`] (time-driven events first).
pub(crate) fn decide_with(
    case: &Case,
    by: Actor,
    now: DateTime<Utc>,
    rules: &CaseRules,
    f: impl FnOnce(&Decider<'_>) -> Result<Vec<CaseEvent>>,
) -> Result<Vec<CaseEvent>> {
    super::validate::not_before_last_change(case, now)?;
    let mut events = sweep(case, now, rules);
    let current = caught_up(case, &events);
    let more = f(&Decider {
        case: &current,
        now,
        rules,
        by,
    })?;
    events.extend(more);
    Ok(events)
}

/// The case with `events` applied, cloned only when there is something to apply.
fn caught_up<'a>(case: &'a Case, events: &[CaseEvent]) -> Cow<'a, Case> {
    if events.is_empty() {
        return Cow::Borrowed(case);
    }
    let mut c = case.clone();
    for e in events {
        c.apply(e);
    }
    Cow::Owned(c)
}

fn whole_minutes(d: TimeDelta) -> i64 {
    d.num_minutes()
}

pub(crate) struct Decider<'a> {
    pub(super) case: &'a Case,
    pub(super) now: DateTime<Utc>,
    pub(super) rules: &'a CaseRules,
    pub(super) by: Actor,
}

impl Decider<'_> {
    fn decide(&self, command: CaseCommand) -> Result<Vec<CaseEvent>> {
        match command {
            CaseCommand::Assign { agent } => self.assign(agent),
            CaseCommand::Unassign => self.unassign(),
            CaseCommand::MoveToQueue { queue } => {
                self.not_closed("move to queue")?;
                if self.case.queue == Some(queue) {
                    return Ok(Vec::new());
                }
                Ok(vec![CaseEvent::QueueChanged {
                    by: self.by,
                    at: self.now,
                    queue,
                }])
            }
            CaseCommand::StartWork => {
                // Going back to work on a resolved case is a reopen, with its
                // clocks and counters; StartWork alone would skip them.
                if self.case.status == CaseStatus::Resolved {
                    return Err(self.not_allowed("start work", "it is resolved (reopen it first)"));
                }
                if self.case.owner.is_none()
                    && self.case.status.can_transition_to(CaseStatus::InProgress)
                {
                    return Err(self.not_allowed("start work", "it has no owner"));
                }
                self.status_change(CaseStatus::InProgress)
            }
            CaseCommand::Comment(comment) => self.comment(comment),
            CaseCommand::WaitOnCustomer => self.status_change(CaseStatus::WaitingOnCustomer),
            CaseCommand::Escalate { to, level, reason } => self.escalate(to, level, reason, None),
            CaseCommand::ChangePriority(priority) => self.change_priority(priority),
            CaseCommand::Resolve(resolution) => self.resolve(resolution),
            CaseCommand::Close => {
                let mut events = self.status_change(CaseStatus::Closed)?;
                self.push_closing(&mut events);
                Ok(events)
            }
            CaseCommand::Reopen => match self.case.status {
                CaseStatus::Resolved => self.reopen(),
                CaseStatus::Closed => Err(self.not_allowed(
                    "reopen",
                    "closed cases are final; a customer reply creates a follow-up case",
                )),
                _ => Err(self.not_allowed("reopen", "it is not resolved")),
            },
            CaseCommand::RecordSatisfaction { level, feedback } => {
                self.record_satisfaction(level, feedback)
            }
            CaseCommand::NoteRoutingStalled { queue, reason } => {
                self.not_closed("note routing stalled")?;
                let reason: String = reason.trim().chars().take(4_000).collect();
                Ok(vec![CaseEvent::RoutingStalled {
                    at: self.now,
                    queue,
                    reason: if reason.is_empty() {
                        "no eligible agent".into()
                    } else {
                        reason
                    },
                }])
            }
            CaseCommand::Edit(edit) => self.edit(edit),
            CaseCommand::EditComment { comment, body } => self.edit_comment(comment, body),
            CaseCommand::DeleteComment { comment } => self.delete_comment(comment),
            CaseCommand::ReviewAi { suggestion, accept } => self.review_ai(suggestion, accept),
            CaseCommand::UpdateAiInsights(insights) => {
                self.not_closed("update ai insights")?;
                insights.validate()?;
                Ok(vec![CaseEvent::AiInsightsUpdated {
                    by: self.by,
                    at: self.now,
                    insights,
                }])
            }
        }
    }

    pub(super) fn not_allowed(&self, command: &'static str, why: &str) -> Error {
        Error::NotAllowed {
            command,
            reason: format!("case {} is {}: {why}", self.case.number, self.case.status),
        }
    }

    pub(super) fn not_closed(&self, command: &'static str) -> Result<()> {
        if self.case.status == CaseStatus::Closed {
            return Err(self.not_allowed(command, "closed cases are final"));
        }
        Ok(())
    }

    fn calendar(&self) -> BusinessHours {
        self.rules
            .sla()
            .calendar(self.case.sla_tier, self.case.priority, self.rules.hours())
    }

    /// A new milestone of `kind` (its `cycle`-th) started now with `target`.
    fn milestone_started(
        &self,
        kind: MilestoneKind,
        cycle: u32,
        target: TimeDelta,
    ) -> Result<CaseEvent> {
        let milestone = Milestone::start(
            kind,
            cycle,
            self.now,
            target,
            self.rules.sla().warning_percent(kind),
            &self.calendar(),
        )?;
        Ok(CaseEvent::MilestoneStarted { milestone })
    }

    /// A status change between open statuses, with the resolution clock paused
    /// or resumed as the policy's pause statuses say.
    /// A command's close, after its status change: `Closed`, and the end of a
    /// survey still running (a closed case asks nothing more).
    pub(crate) fn push_closing(&self, events: &mut Vec<CaseEvent>) {
        events.push(CaseEvent::Closed {
            at: self.now,
            by: self.by,
            auto: false,
        });
        if self.case.survey.is_some_and(|s| s.ended.is_none()) {
            events.push(CaseEvent::SurveyEnded {
                at: self.now,
                reason: SurveyEndReason::Closed,
            });
        }
    }

    fn status_change(&self, to: CaseStatus) -> Result<Vec<CaseEvent>> {
        let from = self.case.status;
        if !from.can_transition_to(to) {
            return Err(Error::InvalidTransition {
                entity: "case",
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        let mut events = vec![CaseEvent::StatusChanged {
            by: self.by,
            at: self.now,
            from,
            to,
        }];
        if !from.is_open() || !to.is_open() {
            return Ok(events);
        }
        let policy = self.rules.sla();
        let resolution = &self.case.milestones.resolution;
        match resolution.state {
            MilestoneState::Active
                if policy.is_pause_status(to) && !policy.is_pause_status(from) =>
            {
                events.push(CaseEvent::MilestonePaused {
                    kind: MilestoneKind::Resolution,
                    at: self.now,
                });
            }
            MilestoneState::Paused { since } if !policy.is_pause_status(to) => {
                events.push(self.resumed(resolution, since)?);
            }
            _ => {}
        }
        Ok(events)
    }

    /// Resumes `m`, counting `[since, now)` as paused business time.
    /// Completes every open milestone now (late when breached).
    pub(super) fn complete_open_milestones(&self) -> Result<Vec<CaseEvent>> {
        let mut events = Vec::new();
        for m in self.case.milestones.iter().filter(|m| !m.is_completed()) {
            if let MilestoneState::Paused { since } = m.state {
                // Fold the running pause into `paused` first, so a milestone
                // completed while paused never counts that pause as elapsed.
                events.push(self.resumed(m, since)?);
            }
            events.push(CaseEvent::MilestoneCompleted {
                kind: m.kind,
                at: self.now,
                late: m.breached,
            });
        }
        Ok(events)
    }

    fn resumed(&self, m: &Milestone, since: DateTime<Utc>) -> Result<CaseEvent> {
        let cal = self.calendar();
        let pause = cal.between(since, self.now).max(TimeDelta::zero());
        let paused = m
            .paused
            .checked_add(&pause)
            .ok_or_else(|| Error::Overflow {
                what: format!("paused time of {} on {}", m.kind, self.case.number),
            })?;
        let (due, warn_at) = m.schedule(m.target, paused, &cal)?;
        Ok(CaseEvent::MilestoneResumed {
            kind: m.kind,
            at: self.now,
            paused,
            due,
            warn_at,
        })
    }

    pub(super) fn assign(&self, agent: crate::ids::AgentId) -> Result<Vec<CaseEvent>> {
        self.not_closed("assign")?;
        if self.case.owner == Some(agent) {
            return Ok(Vec::new());
        }
        let mut events = vec![CaseEvent::Assigned {
            by: self.by,
            at: self.now,
            owner: agent,
            previous: self.case.owner,
        }];
        if self.case.status == CaseStatus::New {
            events.extend(self.status_change(CaseStatus::Open)?);
        }
        Ok(events)
    }

    fn unassign(&self) -> Result<Vec<CaseEvent>> {
        self.not_closed("unassign")?;
        Ok(self
            .case
            .owner
            .map(|previous| CaseEvent::Unassigned {
                by: self.by,
                at: self.now,
                previous,
            })
            .into_iter()
            .collect())
    }

    pub(super) fn comment(&self, new: NewComment) -> Result<Vec<CaseEvent>> {
        new.validate()?;
        // Idempotent by comment id: the same comment again is a no-op; another
        // comment under a used id is refused.
        if let Some(stored) = self.case.comments.iter().find(|c| c.id == new.id) {
            if stored.body == new.body
                && stored.author == new.author
                && stored.visibility == new.visibility
            {
                return Ok(Vec::new());
            }
            return Err(Error::AlreadyExists {
                kind: "comment",
                key: new.id.to_string(),
            });
        }
        if let Some(parent) = new.parent {
            if self.case.comments.iter().all(|c| c.id != parent) {
                return Err(Error::validation(
                    "parent",
                    format!("comment {parent} is not on case {}", self.case.number),
                ));
            }
        }
        let public = new.visibility == Visibility::Public;
        let author = new.author;
        let comment = new.into_comment(self.now);
        if self.case.status == CaseStatus::Closed {
            if author.is_customer() {
                return Ok(vec![CaseEvent::FollowUpRequested {
                    at: self.now,
                    reply: comment,
                }]);
            }
            return Err(self.not_allowed("comment", "closed cases are final"));
        }
        let mut events = vec![CaseEvent::CommentAdded { comment }];
        match author {
            Author::Agent(agent) if public => events.extend(self.responded(agent)),
            Author::Customer(_) => events.extend(self.customer_replied()?),
            _ => {}
        }
        Ok(events)
    }

    /// A public reply by a human agent fulfils the open response milestones.
    fn responded(&self, agent: crate::ids::AgentId) -> Vec<CaseEvent> {
        let mut events = Vec::new();
        if self.case.first_response_at.is_none() {
            let cal = self.calendar();
            events.push(CaseEvent::FirstResponded {
                at: self.now,
                by: agent,
                time: ElapsedMinutes {
                    calendar: whole_minutes(self.now - self.case.created_at),
                    business: whole_minutes(cal.between(self.case.created_at, self.now)),
                },
            });
        }
        for kind in [MilestoneKind::FirstResponse, MilestoneKind::NextResponse] {
            if let Some(m) = self.case.milestones.get(kind).filter(|m| !m.is_completed()) {
                events.push(CaseEvent::MilestoneCompleted {
                    kind,
                    at: self.now,
                    late: m.breached,
                });
            }
        }
        events
    }

    fn customer_replied(&self) -> Result<Vec<CaseEvent>> {
        let mut events = match self.case.status {
            CaseStatus::Resolved => self.reopen()?,
            CaseStatus::WaitingOnCustomer => {
                let to = if self.case.owner.is_some() {
                    CaseStatus::InProgress
                } else {
                    CaseStatus::Open
                };
                self.status_change(to)?
            }
            _ => Vec::new(),
        };
        let policy = self.rules.sla();
        let next = self.case.milestones.next_response.as_ref();
        // A next response is owed only once the first one was given, and only one at a time.
        let waiting = !self.case.milestones.first_response.is_completed()
            || next.is_some_and(|m| !m.is_completed());
        if let (false, Some(target)) = (
            waiting,
            policy.target(
                self.case.sla_tier,
                self.case.priority,
                MilestoneKind::NextResponse,
            ),
        ) {
            let cycle = next.map_or(0, |m| m.cycle.saturating_add(1));
            events.push(self.milestone_started(MilestoneKind::NextResponse, cycle, target)?);
        }
        Ok(events)
    }

    pub(crate) fn escalate(
        &self,
        to: EscalationTarget,
        level: u8,
        reason: String,
        rule: Option<String>,
    ) -> Result<Vec<CaseEvent>> {
        super::validate::escalation_level(level)?;
        required_text("reason", &reason, MAX_SHORT_TEXT)?;
        if !self.case.status.is_open() {
            return Err(self.not_allowed("escalate", "only open cases can be escalated"));
        }
        let current = self.case.escalation_level();
        if level < current {
            return Err(self.not_allowed(
                "escalate",
                &format!("it is already escalated to level {current}"),
            ));
        }
        let mut events = Vec::new();
        if self.case.status != CaseStatus::Escalated {
            events.extend(self.status_change(CaseStatus::Escalated)?);
        }
        events.push(CaseEvent::Escalated {
            by: self.by,
            at: self.now,
            level,
            to,
            reason,
            rule,
        });
        Ok(events)
    }

    pub(crate) fn change_priority(&self, priority: Priority) -> Result<Vec<CaseEvent>> {
        if !self.case.status.is_open() {
            return Err(self.not_allowed("change priority", "only open cases can change priority"));
        }
        if priority == self.case.priority {
            return Ok(Vec::new());
        }
        let mut events = vec![CaseEvent::PriorityChanged {
            by: self.by,
            at: self.now,
            from: self.case.priority,
            to: priority,
        }];
        let policy = self.rules.sla();
        let cal = policy.calendar(self.case.sla_tier, priority, self.rules.hours());
        for m in self.case.milestones.iter().filter(|m| !m.is_completed()) {
            let Some(target) = policy.target(self.case.sla_tier, priority, m.kind) else {
                continue;
            };
            let (due, warn_at) = m.schedule(target, m.paused, &cal)?;
            events.push(CaseEvent::MilestoneRescheduled {
                kind: m.kind,
                at: self.now,
                target,
                due,
                warn_at,
            });
        }
        Ok(events)
    }

    fn resolve(&self, resolution: Resolution) -> Result<Vec<CaseEvent>> {
        resolution.validate()?;
        let mut events = self.status_change(CaseStatus::Resolved)?;
        events.extend(self.complete_open_milestones()?);
        let cal = self.calendar();
        let active = self.case.milestones.resolution.elapsed(self.now, &cal);
        events.push(CaseEvent::Resolved {
            by: self.by,
            at: self.now,
            resolution,
            time: ElapsedMinutes {
                calendar: whole_minutes(self.now - self.case.created_at),
                business: whole_minutes(active),
            },
        });
        let expires_at = self
            .now
            .checked_add_signed(self.rules.survey_window())
            .ok_or_else(|| Error::Overflow {
                what: format!("survey expiry after {}", self.now),
            })?;
        events.push(CaseEvent::SurveyRequested {
            at: self.now,
            expires_at,
        });
        Ok(events)
    }

    fn reopen(&self) -> Result<Vec<CaseEvent>> {
        let to = if self.case.owner.is_some() {
            CaseStatus::InProgress
        } else {
            CaseStatus::Open
        };
        let mut events = self.status_change(to)?;
        let mode = self.rules.sla().reopen_mode();
        events.push(CaseEvent::Reopened {
            at: self.now,
            by: self.by,
            mode,
        });
        if self.case.survey.is_some_and(|s| s.ended.is_none()) {
            events.push(CaseEvent::SurveyEnded {
                at: self.now,
                reason: SurveyEndReason::Reopened,
            });
        }
        let resolution = &self.case.milestones.resolution;
        match (mode, resolution.state) {
            (ReopenMode::Continue, MilestoneState::Completed { at, .. }) => {
                events.push(self.resumed(resolution, at)?)
            }
            (ReopenMode::Restart, _) => {
                let policy = self.rules.sla();
                let kind = MilestoneKind::Resolution;
                let target = policy
                    .target(self.case.sla_tier, self.case.priority, kind)
                    .ok_or_else(|| Error::validation("sla target", "no resolution target"))?;
                let cycle = resolution.cycle.saturating_add(1);
                events.push(self.milestone_started(kind, cycle, target)?);
            }
            _ => {}
        }
        Ok(events)
    }

    fn record_satisfaction(
        &self,
        level: Satisfaction,
        feedback: Option<String>,
    ) -> Result<Vec<CaseEvent>> {
        optional_text("feedback", feedback.as_deref(), MAX_SHORT_TEXT)?;
        if !self.case.survey.is_some_and(|s| s.accepts(self.now)) {
            return Err(self.not_allowed("record satisfaction", "no satisfaction survey is open"));
        }
        Ok(vec![CaseEvent::SatisfactionRecorded {
            by: self.by,
            at: self.now,
            level,
            feedback,
        }])
    }
}

/// Escalation entry points used by the `escalation` module: the same rules as
/// the commands, with the rule name recorded on the `Escalated` event.
pub(crate) fn decide_escalation(
    case: &Case,
    to: EscalationTarget,
    level: u8,
    reason: String,
    rule: Option<String>,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<Vec<CaseEvent>> {
    Decider {
        case,
        now,
        rules,
        by: Actor::System,
    }
    .escalate(to, level, reason, rule)
}

/// A priority change with the same rules as [`CaseCommand::ChangePriority`],
/// without the SLA catch-up (the escalation sweep runs on a caught-up case).
pub(crate) fn decide_priority_change(
    case: &Case,
    priority: Priority,
    now: DateTime<Utc>,
    rules: &CaseRules,
) -> Result<Vec<CaseEvent>> {
    Decider {
        case,
        now,
        rules,
        by: Actor::System,
    }
    .change_priority(priority)
}

impl Case {
    /// Decides `command` and applies the resulting events; returns them. On
    /// error the case is unchanged.
    ///
    /// # Errors
    ///
    /// As [`decide`].
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let rules = CaseRules::default();
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
    /// let before = case.clone();
    /// assert!(case.execute(CaseCommand::StartWork, now, &rules).is_err()); // no owner yet
    /// assert_eq!(case, before);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn execute(
        &mut self,
        command: CaseCommand,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<Vec<CaseEvent>> {
        self.execute_as(command, Actor::System, now, rules)
    }

    /// [`Case::execute`] on behalf of `by` (see [`decide_as`]).
    ///
    /// # Errors
    ///
    /// As [`decide`].
    ///
    /// ```
    /// use hotcrm_support::case::{Actor, Case, CaseCommand, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
    /// let rules = CaseRules::default();
    /// let now = "2026-01-05T09:00:00Z".parse()?;
    /// let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), now, &rules)?;
    /// let lead = Actor::Agent(AgentId::from_u128(9));
    /// let events = case.execute_as(CaseCommand::Assign { agent: AgentId::from_u128(3) }, lead, now, &rules)?;
    /// assert_eq!(events[0].actor(), lead);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn execute_as(
        &mut self,
        command: CaseCommand,
        by: Actor,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<Vec<CaseEvent>> {
        let events = decide_as(self, command, by, now, rules)?;
        for e in &events {
            self.apply(e);
        }
        Ok(events)
    }
}
