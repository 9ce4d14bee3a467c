//! Readable output: [`HumanDuration`] ("4h 30m"), a one-line `Display` for
//! every [`CaseEvent`] with [`CaseEvent::name`], and the case [`Timeline`].
//!
//! Ids are shortened to their last 8 hex digits in these lines (a log line
//! names the case it belongs to; the full id is in the event itself).

use std::fmt;

#[cfg(test)]
use chrono::TimeDelta;
use chrono::{DateTime, Utc};

use super::{Author, CaseEvent, ElapsedMinutes, SurveyEndReason, Visibility};
use crate::period::HumanDuration;
use crate::sla::ReopenMode;

use crate::ids::short;

fn elapsed(e: &ElapsedMinutes) -> String {
    format!(
        "{} business, {} calendar",
        HumanDuration::minutes(e.business),
        HumanDuration::minutes(e.calendar)
    )
}

fn author(a: &Author) -> String {
    match a {
        Author::Agent(id) => format!("agent {}", short(id)),
        Author::Customer(Some(id)) => format!("customer {}", short(id)),
        Author::Customer(None) => "customer".into(),
        Author::Bot => "bot".into(),
    }
}

/// At most `n` characters of `s` on one line, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        one_line
            .chars()
            .take(n.saturating_sub(1))
            .collect::<String>()
            + "…"
    }
}

impl CaseEvent {
    /// The event's name in snake case, as logs and metrics label it.
    ///
    /// ```
    /// use hotcrm_support::case::{CaseEvent, CaseStatus};
    /// let e = CaseEvent::StatusChanged { at: "2026-01-05T09:00:00Z".parse()?, by: Default::default(), from: CaseStatus::New, to: CaseStatus::InProgress };
    /// assert_eq!(e.name(), "status_changed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            CaseEvent::Created { .. } => "created",
            CaseEvent::Assigned { .. } => "assigned",
            CaseEvent::Unassigned { .. } => "unassigned",
            CaseEvent::QueueChanged { .. } => "queue_changed",
            CaseEvent::StatusChanged { .. } => "status_changed",
            CaseEvent::CommentAdded { .. } => "comment_added",
            CaseEvent::FirstResponded { .. } => "first_responded",
            CaseEvent::MilestoneStarted { .. } => "milestone_started",
            CaseEvent::MilestoneWarning { .. } => "milestone_warning",
            CaseEvent::MilestoneViolated { .. } => "milestone_violated",
            CaseEvent::MilestonePaused { .. } => "milestone_paused",
            CaseEvent::MilestoneResumed { .. } => "milestone_resumed",
            CaseEvent::MilestoneRescheduled { .. } => "milestone_rescheduled",
            CaseEvent::MilestoneCompleted { .. } => "milestone_completed",
            CaseEvent::PriorityChanged { .. } => "priority_changed",
            CaseEvent::Escalated { .. } => "escalated",
            CaseEvent::EscalationRuleFired { .. } => "escalation_rule_fired",
            CaseEvent::NotificationRequested { .. } => "notification_requested",
            CaseEvent::AiInsightsUpdated { .. } => "ai_insights_updated",
            CaseEvent::Resolved { .. } => "resolved",
            CaseEvent::Closed { .. } => "closed",
            CaseEvent::Reopened { .. } => "reopened",
            CaseEvent::SurveyRequested { .. } => "survey_requested",
            CaseEvent::SurveyEnded { .. } => "survey_ended",
            CaseEvent::SatisfactionRecorded { .. } => "satisfaction_recorded",
            CaseEvent::FollowUpRequested { .. } => "follow_up_requested",
            CaseEvent::BreachPredicted { .. } => "breach_predicted",
            CaseEvent::RoutingStalled { .. } => "routing_stalled",
            CaseEvent::Edited { .. } => "edited",
            CaseEvent::CommentEdited { .. } => "comment_edited",
            CaseEvent::Merged { .. } => "merged",
            CaseEvent::MergedInto { .. } => "merged_into",
            CaseEvent::CommentSplit { .. } => "comment_split",
            CaseEvent::CommentDeleted { .. } => "comment_deleted",
            CaseEvent::AiSuggestionReviewed { .. } => "ai_suggestion_reviewed",
        }
    }
}

/// One line without the time: what happened, with short ids and readable
/// durations (the [`Timeline`] adds the time).
///
/// ```
/// use hotcrm_support::case::{CaseEvent, Priority};
/// use hotcrm_support::sla::MilestoneKind;
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let e = CaseEvent::PriorityChanged { at, by: Default::default(), from: Priority::Medium, to: Priority::High };
/// assert_eq!(e.to_string(), "priority Medium → High");
/// let w = CaseEvent::MilestoneWarning { kind: MilestoneKind::Resolution, at, due: "2026-01-05T13:30:00Z".parse()? };
/// assert_eq!(w.to_string(), "resolution warning: due in 4h 30m (2026-01-05 13:30 UTC)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl fmt::Display for CaseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        let kind_name = |k: &dyn fmt::Display| k.to_string().to_lowercase();
        match self {
            CaseEvent::Created { case, .. } => write!(
                f,
                "created {} \"{}\" ({}, {}, {} via {})",
                case.number,
                clip(&case.subject, 60),
                case.priority,
                case.case_type,
                case.sla_tier,
                case.origin
            ),
            CaseEvent::Assigned {
                owner, previous, ..
            } => match previous {
                Some(p) => write!(
                    f,
                    "reassigned from agent {} to agent {}",
                    short(p),
                    short(owner)
                ),
                None => write!(f, "assigned to agent {}", short(owner)),
            },
            CaseEvent::Unassigned { previous, .. } => {
                write!(f, "unassigned from agent {}", short(previous))
            }
            CaseEvent::QueueChanged { queue, .. } => write!(f, "moved to queue {}", short(queue)),
            CaseEvent::StatusChanged { from, to, .. } => write!(f, "status {from} → {to}"),
            CaseEvent::CommentAdded { comment } => write!(
                f,
                "{} comment by {}: \"{}\"",
                match comment.visibility {
                    Visibility::Internal => "internal",
                    _ => "public",
                },
                author(&comment.author),
                clip(&comment.body, 60)
            ),
            CaseEvent::FirstResponded { by, time, .. } => write!(
                f,
                "first response by agent {} after {}",
                short(by),
                elapsed(time)
            ),
            CaseEvent::MilestoneStarted { milestone } => write!(
                f,
                "{} clock started: target {}",
                kind_name(&milestone.kind),
                HumanDuration(milestone.target)
            ),
            CaseEvent::MilestoneWarning { kind, at, due } => write!(
                f,
                "{} warning: due in {} ({})",
                kind_name(kind),
                HumanDuration(*due - *at),
                when(due)
            ),
            CaseEvent::MilestoneViolated { kind, .. } => {
                write!(f, "{} target missed", kind_name(kind))
            }
            CaseEvent::MilestonePaused { kind, .. } => {
                write!(f, "{} clock paused", kind_name(kind))
            }
            CaseEvent::MilestoneResumed {
                kind, paused, due, ..
            } => write!(
                f,
                "{} clock resumed after {} paused; due {}",
                kind_name(kind),
                HumanDuration(*paused),
                when(due)
            ),
            CaseEvent::MilestoneRescheduled {
                kind, target, due, ..
            } => write!(
                f,
                "{} target now {}; due {}",
                kind_name(kind),
                HumanDuration(*target),
                when(due)
            ),
            CaseEvent::MilestoneCompleted { kind, late, .. } => write!(
                f,
                "{} met{}",
                kind_name(kind),
                if *late { " late" } else { " in time" }
            ),
            CaseEvent::PriorityChanged { from, to, .. } => write!(f, "priority {from} → {to}"),
            CaseEvent::Escalated {
                level,
                to,
                reason,
                rule,
                ..
            } => {
                write!(f, "escalated to level {level} ({to}): {}", clip(reason, 80))?;
                if let Some(rule) = rule {
                    write!(f, " [rule {rule}]")?;
                }
                Ok(())
            }
            CaseEvent::EscalationRuleFired { rule, .. } => {
                write!(f, "escalation rule {rule} fired")
            }
            CaseEvent::NotificationRequested { to, message, .. } => {
                write!(f, "notify {to}: {}", clip(message, 80))
            }
            CaseEvent::AiInsightsUpdated { insights, .. } => {
                let mut parts = Vec::new();
                if let Some(c) = insights.category {
                    parts.push(format!("category {c}"));
                }
                if let Some(s) = insights.sentiment {
                    parts.push(format!("sentiment {s}"));
                }
                if !insights.related_articles.is_empty() {
                    parts.push(format!(
                        "{} related articles",
                        insights.related_articles.len()
                    ));
                }
                if insights.suggested_solution.is_some() {
                    parts.push("a suggested solution".into());
                }
                if parts.is_empty() {
                    f.write_str("AI insights cleared")
                } else {
                    write!(f, "AI: {}", parts.join(", "))
                }
            }
            CaseEvent::Resolved {
                resolution, time, ..
            } => write!(
                f,
                "resolved after {}: \"{}\"",
                elapsed(time),
                clip(&resolution.text, 60)
            ),
            CaseEvent::Closed { auto, .. } => f.write_str(if *auto {
                "closed automatically"
            } else {
                "closed"
            }),
            CaseEvent::Reopened { mode, .. } => write!(
                f,
                "reopened ({})",
                match mode {
                    ReopenMode::Continue => "resolution clock continues",
                    ReopenMode::Restart => "resolution clock restarts",
                }
            ),
            CaseEvent::SurveyRequested { expires_at, .. } => {
                write!(
                    f,
                    "satisfaction survey sent, open until {}",
                    when(expires_at)
                )
            }
            CaseEvent::SurveyEnded { reason, .. } => write!(
                f,
                "satisfaction survey ended ({})",
                match reason {
                    SurveyEndReason::Closed => "case closed",
                    SurveyEndReason::Expired => "expired",
                    SurveyEndReason::Reopened => "case reopened",
                }
            ),
            CaseEvent::SatisfactionRecorded {
                level, feedback, ..
            } => {
                write!(f, "satisfaction {level}")?;
                if let Some(text) = feedback {
                    write!(f, ": \"{}\"", clip(text, 60))?;
                }
                Ok(())
            }
            CaseEvent::FollowUpRequested { reply, .. } => write!(
                f,
                "reply to a closed case by {} asks for a follow-up",
                author(&reply.author)
            ),
            CaseEvent::RoutingStalled { queue, reason, .. } => write!(
                f,
                "waiting in queue {}: {}",
                short(queue),
                clip(reason, 120)
            ),
            CaseEvent::Edited { from, to, .. } => {
                write!(f, "{} {from} → {to}", to.field())
            }
            CaseEvent::CommentEdited { comment, body, .. } => {
                write!(
                    f,
                    "comment {} edited: \"{}\"",
                    short(comment),
                    clip(body, 60)
                )
            }
            CaseEvent::Merged {
                number, comments, ..
            } => write!(f, "merged {number} here ({} comments)", comments.len()),
            CaseEvent::MergedInto { number, .. } => {
                write!(f, "merged into {number} and closed")
            }
            CaseEvent::CommentSplit { comment, into, .. } => write!(
                f,
                "comment {} split into case {}",
                short(comment),
                short(into)
            ),
            CaseEvent::CommentDeleted { comment, .. } => {
                write!(f, "comment {} deleted", short(comment))
            }
            CaseEvent::AiSuggestionReviewed {
                suggestion,
                accepted,
                ..
            } => write!(
                f,
                "AI {suggestion} {}",
                if *accepted { "accepted" } else { "rejected" }
            ),
            CaseEvent::BreachPredicted {
                permille,
                recommendation,
                ..
            } => write!(
                f,
                "breach predicted: {}.{}% likely, {recommendation}",
                permille / 10,
                permille % 10
            ),
        }
    }
}

/// A case's events as readable lines, oldest first: `2026-01-05 09:00 UTC
/// status New → In Progress`. `Display` prints one line per event; a line
/// names its actor (`(by agent 00000009)`) unless the system did it or the
/// line already names its author (comments, first responses).
///
/// ```
/// use hotcrm_support::case::{CaseEvent, CaseStatus, Priority, Timeline};
/// use hotcrm_support::{case::Actor, ids::AgentId};
/// let at = "2026-01-05T09:00:00Z".parse()?;
/// let lead = Actor::Agent(AgentId::from_u128(9));
/// let t = Timeline::new(&[
///     CaseEvent::StatusChanged { at, by: Actor::System, from: CaseStatus::New, to: CaseStatus::InProgress },
///     CaseEvent::PriorityChanged { at, by: lead, from: Priority::Medium, to: Priority::High },
/// ]);
/// assert_eq!(t.to_string(), "2026-01-05 09:00 UTC  status New → In Progress\n2026-01-05 09:00 UTC  priority Medium → High (by agent 00000009)\n");
/// assert_eq!(t.lines().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    lines: Vec<(DateTime<Utc>, &'static str, String)>,
}

impl Timeline {
    /// The timeline of `events`, in their order.
    ///
    /// ```
    /// # use hotcrm_support::case::Timeline;
    /// assert!(Timeline::new(&[]).lines().is_empty());
    /// ```
    pub fn new(events: &[CaseEvent]) -> Timeline {
        Timeline {
            lines: events
                .iter()
                .map(|e| {
                    let mut line = e.to_string();
                    let named = matches!(
                        e,
                        CaseEvent::CommentAdded { .. } | CaseEvent::FirstResponded { .. }
                    );
                    if !named && !e.actor().is_system() {
                        line = format!("{line} (by {})", e.actor());
                    }
                    (e.at(), e.name(), line)
                })
                .collect(),
        }
    }

    /// Each event's time, name and summary.
    ///
    /// ```
    /// # use hotcrm_support::case::Timeline;
    /// assert_eq!(Timeline::new(&[]).lines(), &[]);
    /// ```
    pub fn lines(&self) -> &[(DateTime<Utc>, &'static str, String)] {
        &self.lines
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, _, line) in &self.lines {
            writeln!(f, "{}  {line}", at.format("%Y-%m-%d %H:%M UTC"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        for (secs, text) in [
            (0, "0m"),
            (59, "59s"),
            (60, "1m"),
            (3600, "1h"),
            (16_200, "4h 30m"),
            (90_000, "25h"),
            (-16_200, "-4h 30m"),
            (61, "1m"),
        ] {
            assert_eq!(
                HumanDuration(TimeDelta::seconds(secs)).to_string(),
                text,
                "{secs}"
            );
        }
        // Out of range saturates instead of panicking.
        assert!(HumanDuration::minutes(i64::MAX).to_string().contains('h'));
    }

    #[test]
    fn event_lines_are_readable() {
        use crate::case::CaseStatus;
        use crate::ids::QueueId;
        use crate::sla::predict::Recommendation;
        let at: DateTime<Utc> = "2026-01-05T09:00:00Z".parse().unwrap_or_default();
        let breach = CaseEvent::BreachPredicted {
            at,
            permille: 825,
            recommendation: Recommendation::EscalateNow,
        };
        assert_eq!(
            breach.to_string(),
            "breach predicted: 82.5% likely, escalate now"
        );
        let stalled = CaseEvent::RoutingStalled {
            at,
            queue: QueueId::from_u128(0xabc),
            reason: "no eligible agent\namong 2 members".into(),
        };
        assert_eq!(
            stalled.to_string(),
            "waiting in queue 00000abc: no eligible agent among 2 members"
        );
        let status = CaseEvent::StatusChanged {
            at,
            by: super::super::Actor::System,
            from: CaseStatus::New,
            to: CaseStatus::Closed,
        };
        assert_eq!(
            Timeline::new(&[status]).to_string(),
            "2026-01-05 09:00 UTC  status New → Closed\n"
        );
    }

    #[test]
    fn clip_is_one_line_and_bounded() {
        assert_eq!(clip("a\n  b", 10), "a b");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
