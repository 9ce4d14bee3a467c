//! Folding events into a case. No rules here: every decision was made by
//! `decide` and is carried by the event, so replaying a case's events always
//! reproduces it.

use super::values::BreachFlag;
use super::{Case, CaseEvent, EscalationInfo, SatisfactionRating, Survey};
use crate::error::{Error, Result};
use crate::sla::{MilestoneKind, MilestoneState};

impl Case {
    /// Applies one event. Never fails and never checks a rule; events for a
    /// milestone the case does not have, and a comment whose id the case already
    /// has, are ignored. `updated_at` becomes the latest event instant seen.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseEvent, CaseRules, NewCase, Priority};
    /// use hotcrm_support::ids::{AccountId, CaseId, CaseNumber};
    /// let at = "2026-01-05T09:00:00Z".parse()?;
    /// let (mut case, _) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), at, &CaseRules::default())?;
    /// case.apply(&CaseEvent::PriorityChanged { at, by: Default::default(), from: Priority::Medium, to: Priority::Low });
    /// assert_eq!(case.priority, Priority::Low);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&mut self, event: &CaseEvent) {
        if let CaseEvent::Created { case, .. } = event {
            *self = (**case).clone();
            return;
        }
        let at = event.at();
        match event {
            CaseEvent::Created { .. } | CaseEvent::RoutingStalled { .. } => {}
            CaseEvent::Assigned { owner, .. } => {
                self.owner = Some(*owner);
                self.last_activity_at = at;
            }
            CaseEvent::Unassigned { .. } => {
                self.owner = None;
                self.last_activity_at = at;
            }
            CaseEvent::QueueChanged { queue, .. } => self.queue = Some(*queue),
            CaseEvent::StatusChanged { to, .. } => {
                self.status = *to;
                self.last_activity_at = at;
            }
            CaseEvent::CommentAdded { comment } => {
                // Comment ids are unique on a case (a stored case with two is
                // refused on load), so a second comment with a known id is ignored.
                if self.comments.iter().all(|c| c.id != comment.id) {
                    self.comments.push(comment.clone());
                    self.last_activity_at = at;
                }
            }
            CaseEvent::FirstResponded { time, .. } => {
                self.first_response_at = Some(at);
                self.response_time = Some(*time);
            }
            CaseEvent::MilestoneStarted { milestone } => match milestone.kind {
                MilestoneKind::FirstResponse => self.milestones.first_response = milestone.clone(),
                MilestoneKind::NextResponse => {
                    self.milestones.next_response = Some(milestone.clone())
                }
                MilestoneKind::Resolution => self.milestones.resolution = milestone.clone(),
            },
            CaseEvent::MilestoneWarning { kind, .. } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.warned = true;
                }
            }
            CaseEvent::MilestoneViolated { kind, .. } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.breached = true;
                    self.is_sla_violated = true;
                }
            }
            CaseEvent::MilestonePaused { kind, .. } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.state = MilestoneState::Paused { since: at };
                }
            }
            CaseEvent::MilestoneResumed {
                kind,
                paused,
                due,
                warn_at,
                ..
            } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.state = MilestoneState::Active;
                    m.paused = *paused;
                    m.due = *due;
                    m.warn_at = *warn_at;
                }
            }
            CaseEvent::MilestoneRescheduled {
                kind,
                target,
                due,
                warn_at,
                ..
            } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.target = *target;
                    m.due = *due;
                    m.warn_at = *warn_at;
                }
            }
            CaseEvent::MilestoneCompleted { kind, late, .. } => {
                if let Some(m) = self.milestones.get_mut(*kind) {
                    m.state = MilestoneState::Completed { at, late: *late };
                }
            }
            CaseEvent::PriorityChanged { to, .. } => self.priority = *to,
            CaseEvent::Escalated {
                level, to, reason, ..
            } => {
                self.escalation = Some(EscalationInfo {
                    level: *level,
                    at,
                    to: *to,
                    reason: reason.clone(),
                });
            }
            CaseEvent::EscalationRuleFired { rule, .. } => {
                self.fired_rules.insert(rule.clone());
            }
            CaseEvent::NotificationRequested { .. } | CaseEvent::FollowUpRequested { .. } => {}
            CaseEvent::BreachPredicted {
                permille,
                recommendation,
                ..
            } => {
                self.breach_predicted = Some(BreachFlag {
                    at,
                    permille: *permille,
                    recommendation: *recommendation,
                });
            }
            CaseEvent::AiInsightsUpdated { insights, .. } => self.ai = insights.clone(),
            CaseEvent::Resolved {
                resolution, time, ..
            } => {
                self.resolved_at = Some(at);
                self.resolution = Some(resolution.text.clone());
                self.root_cause.clone_from(&resolution.root_cause);
                self.resolution_category = resolution.category;
                self.linked_article = resolution.article;
                self.resolution_time = Some(*time);
            }
            CaseEvent::Closed { .. } => self.closed_at = Some(at),
            CaseEvent::Reopened { .. } => {
                self.resolved_at = None;
                self.resolution_time = None;
                self.reopen_count = self.reopen_count.saturating_add(1);
            }
            CaseEvent::SurveyRequested { expires_at, .. } => {
                self.survey = Some(Survey {
                    requested_at: at,
                    expires_at: *expires_at,
                    answered: false,
                    ended: None,
                });
            }
            CaseEvent::SurveyEnded { reason, .. } => {
                if let Some(s) = self.survey.as_mut() {
                    s.ended = Some((at, *reason));
                }
            }
            CaseEvent::SatisfactionRecorded {
                level, feedback, ..
            } => {
                self.satisfaction = Some(SatisfactionRating {
                    level: *level,
                    feedback: feedback.clone(),
                    at,
                });
                if let Some(s) = self.survey.as_mut() {
                    s.answered = true;
                }
            }
            CaseEvent::Edited { to, .. } => {
                to.set(self);
                self.last_activity_at = at;
            }
            CaseEvent::CommentEdited {
                by, comment, body, ..
            } => {
                if let Some(c) = self.comments.iter_mut().find(|c| c.id == *comment) {
                    let old = std::mem::replace(&mut c.body, body.clone());
                    c.revisions.push(super::CommentRevision {
                        at,
                        by: *by,
                        body: old,
                    });
                    if c.format == super::BodyFormat::Markdown {
                        c.plain = Some(super::markdown_to_text(body));
                    }
                    self.last_activity_at = at;
                }
            }
            CaseEvent::Merged { comments, .. } => {
                for c in comments {
                    if self.comments.iter().all(|mine| mine.id != c.id) {
                        self.comments.push(c.clone());
                    }
                }
                // Oldest first, whichever case a comment came from.
                self.comments.sort_by_key(|c| c.at);
                self.last_activity_at = at;
            }
            CaseEvent::MergedInto { into, .. } => self.merged_into = Some(*into),
            CaseEvent::CommentSplit { by, comment, .. }
            | CaseEvent::CommentDeleted { by, comment, .. } => {
                if let Some(c) = self.comments.iter_mut().find(|c| c.id == *comment) {
                    c.deleted = Some(super::CommentDeletion { at, by: *by });
                }
            }
            CaseEvent::AiSuggestionReviewed { suggestion, .. } => {
                super::AiSuggested::clear(suggestion.kind(), &mut self.ai);
            }
        }
        self.updated_at = self.updated_at.max(at);
    }

    /// Rebuilds a case from its events: the first must be `Created`.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] when the history is empty or does not start with `Created`.
    ///
    /// ```
    /// use hotcrm_support::case::{Case, CaseCommand, CaseRules, NewCase};
    /// use hotcrm_support::ids::{AccountId, AgentId, CaseId, CaseNumber};
    /// let rules = CaseRules::default();
    /// let at = "2026-01-05T09:00:00Z".parse()?;
    /// let (mut case, mut history) = Case::create(NewCase::new(CaseId::from_u128(1), CaseNumber::new(2026, 1)?, AccountId::from_u128(2), "s", "d"), at, &rules)?;
    /// history.extend(case.execute(CaseCommand::Assign { agent: AgentId::from_u128(3) }, at, &rules)?);
    /// assert_eq!(Case::replay(&history)?, case);
    /// assert!(Case::replay(&history[1..]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a CaseEvent>) -> Result<Case> {
        let mut events = events.into_iter();
        let mut case = match events.next() {
            Some(CaseEvent::Created { case, .. }) => (**case).clone(),
            _ => {
                return Err(Error::validation(
                    "events",
                    "a case history must start with a Created event",
                ));
            }
        };
        for e in events {
            case.apply(e);
        }
        Ok(case)
    }
}
