//! Case commands: what a user, customer, bot or the desk asks a case to do.
//! Pure values; `decide` turns them into events or a typed error.

use serde::{Deserialize, Serialize};

use super::validate::{MAX_TEXT, optional_text, required_text, validated_record};
use super::{AiInsights, EscalationTarget, NewComment, Priority, ResolutionCategory, Satisfaction};
use crate::error::Result;
use crate::ids::{AgentId, ArticleId, QueueId};

validated_record! {
/// The details of [`CaseCommand::Resolve`].
///
/// ```
/// use hotcrm_support::case::{Resolution, ResolutionCategory};
/// use hotcrm_support::ids::ArticleId;
/// let r = Resolution::new("Restarted the auth service")
///     .with_root_cause("Memory leak")
///     .with_category(ResolutionCategory::BugFix)
///     .with_article(ArticleId::from_u128(15));
/// assert_eq!(r.category, Some(ResolutionCategory::BugFix));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ResolutionRecord")]
pub struct Resolution {
    /// What solved it (required, at most 32,000 characters).
    pub text: String,
    /// Root-cause analysis (at most 32,000 characters).
    pub root_cause: Option<String>,
    /// How it was resolved.
    pub category: Option<ResolutionCategory>,
    /// The knowledge article that solved it.
    pub article: Option<ArticleId>,
}
mirror ResolutionRecord;
}

impl Resolution {
    /// Checks what [`CaseCommand::Resolve`] checks: a text that is not blank and
    /// at most 32,000 characters, a root cause of at most 32,000. Serde runs it on
    /// load.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`](crate::Error::Validation) naming `resolution` or `root_cause`.
    ///
    /// ```
    /// use hotcrm_support::case::Resolution;
    /// Resolution::new("fixed").validate()?;
    /// assert!(Resolution::new(" ").validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        required_text("resolution", &self.text, MAX_TEXT)?;
        optional_text("root_cause", self.root_cause.as_deref(), MAX_TEXT)
    }

    /// A resolution with just its text.
    ///
    /// ```
    /// assert!(hotcrm_support::case::Resolution::new("fixed").root_cause.is_none());
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            root_cause: None,
            category: None,
            article: None,
        }
    }

    /// Sets the root cause.
    ///
    /// ```
    /// let r = hotcrm_support::case::Resolution::new("fixed").with_root_cause("typo");
    /// assert_eq!(r.root_cause.as_deref(), Some("typo"));
    /// ```
    pub fn with_root_cause(mut self, root_cause: impl Into<String>) -> Self {
        self.root_cause = Some(root_cause.into());
        self
    }

    /// Sets the category.
    ///
    /// ```
    /// use hotcrm_support::case::{Resolution, ResolutionCategory};
    /// let r = Resolution::new("fixed").with_category(ResolutionCategory::Training);
    /// assert_eq!(r.category, Some(ResolutionCategory::Training));
    /// ```
    pub fn with_category(mut self, category: ResolutionCategory) -> Self {
        self.category = Some(category);
        self
    }

    /// Links the knowledge article that solved the case.
    ///
    /// ```
    /// use hotcrm_support::{case::Resolution, ids::ArticleId};
    /// let r = Resolution::new("see KB").with_article(ArticleId::from_u128(1));
    /// assert!(r.article.is_some());
    /// ```
    pub fn with_article(mut self, article: ArticleId) -> Self {
        self.article = Some(article);
        self
    }
}

/// Something asked of a case. [`decide`](super::decide) turns a command into
/// past-tense [`CaseEvent`](super::CaseEvent)s or refuses it with a typed error.
///
/// A customer reply is `Comment(NewComment::customer_reply(..))`: it moves a
/// case waiting on the customer back to work, reopens a Resolved case, and on a
/// Closed case asks for a follow-up case instead.
///
/// # Example
///
/// ```
/// use hotcrm_support::case::{CaseCommand, NewComment, Priority, Resolution};
/// use hotcrm_support::ids::CommentId;
///
/// let commands = [
///     CaseCommand::ChangePriority(Priority::High),
///     CaseCommand::Comment(NewComment::customer_reply(CommentId::from_u128(1), "any news?")),
///     CaseCommand::Resolve(Resolution::new("Password reset link sent")),
/// ];
/// assert_eq!(commands[2].name(), "resolve");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command")]
pub enum CaseCommand {
    /// Give the case to an agent (a New case becomes Open).
    Assign {
        /// The new owner.
        agent: AgentId,
    },
    /// Take the case away from its owner (it goes back to waiting in its queue);
    /// nothing happens when it has none. The desk issues it when the owner
    /// declines a routed case.
    Unassign,
    /// Move the case to another queue.
    MoveToQueue {
        /// The queue.
        queue: QueueId,
    },
    /// The owner starts working: status InProgress. Requires an owner.
    StartWork,
    /// Add a comment by an agent, the customer or a bot.
    Comment(NewComment),
    /// Wait for the customer: status WaitingOnCustomer (pauses resolution by default).
    WaitOnCustomer,
    /// Escalate to a target at a level 1–5 (never lower than the current level).
    Escalate {
        /// Escalated to whom.
        to: EscalationTarget,
        /// Level 1–5.
        level: u8,
        /// Why (required, at most 4,000 characters).
        reason: String,
    },
    /// Change the priority; SLA due dates are recomputed from the original start.
    ChangePriority(Priority),
    /// Resolve with a resolution text (required) and optional details.
    Resolve(Resolution),
    /// Close a Resolved case.
    Close,
    /// Reopen a Resolved case (Closed cases are final).
    Reopen,
    /// Record the customer's answer to the satisfaction survey.
    RecordSatisfaction {
        /// The rating.
        level: Satisfaction,
        /// Free text (at most 4,000 characters).
        feedback: Option<String>,
    },
    /// Store what the AI provider found out.
    UpdateAiInsights(AiInsights),
    /// Change a descriptive field (type, category, subject, description,
    /// contact, product). Setting the value the case already has is a no-op;
    /// closed cases are final. Running SLA clocks never move (see
    /// [`CaseEdit`](super::CaseEdit)). Setting a category that differs from a
    /// pending AI suggestion records the suggestion as overridden (rejected);
    /// setting the suggested one records it as accepted.
    Edit(super::CaseEdit),
    /// Replace a comment's body; the former body is kept in its
    /// [`revisions`](super::Comment::revisions). Only its author may edit it
    /// (a bot's comment is the system's); the same body again is a no-op; a
    /// deleted comment or a closed case cannot be edited. The sentiment stays
    /// that of the first version.
    EditComment {
        /// The comment.
        comment: crate::ids::CommentId,
        /// The new body (same rules as a new comment's).
        body: String,
    },
    /// Delete a comment: its author or any agent may. The body and history
    /// stay for the audit trail; readers leave the comment out. Deleting it
    /// again is a no-op.
    DeleteComment {
        /// The comment.
        comment: crate::ids::CommentId,
    },
    /// Accept or reject a pending AI suggestion (see
    /// [`AiSuggestion`](super::AiSuggestion)): accepting applies it (sets the
    /// category, assigns the suggested agent, or sends the suggested solution
    /// as the acting agent's public reply — an agent must act); either way the
    /// suggestion is recorded with its verdict and cleared. Reviewing a
    /// suggestion that is not pending is a no-op, so a repeat changes nothing.
    ReviewAi {
        /// Which suggestion.
        suggestion: super::AiSuggestion,
        /// Accept (apply it) or reject it.
        accept: bool,
    },
    /// Record that routing found no eligible agent for the case, and why (the
    /// desk issues it; it changes nothing but the record).
    NoteRoutingStalled {
        /// The queue the case waits in.
        queue: QueueId,
        /// Why nobody could take it (at most 4,000 characters).
        reason: String,
    },
}

impl CaseCommand {
    /// A short lowercase name for messages and logs.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::CaseCommand::StartWork.name(), "start work");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            CaseCommand::Assign { .. } => "assign",
            CaseCommand::Unassign => "unassign",
            CaseCommand::MoveToQueue { .. } => "move to queue",
            CaseCommand::StartWork => "start work",
            CaseCommand::Comment(_) => "comment",
            CaseCommand::WaitOnCustomer => "wait on customer",
            CaseCommand::Escalate { .. } => "escalate",
            CaseCommand::ChangePriority(_) => "change priority",
            CaseCommand::Resolve(_) => "resolve",
            CaseCommand::Close => "close",
            CaseCommand::Reopen => "reopen",
            CaseCommand::RecordSatisfaction { .. } => "record satisfaction",
            CaseCommand::UpdateAiInsights(_) => "update ai insights",
            CaseCommand::NoteRoutingStalled { .. } => "note routing stalled",
            CaseCommand::Edit(_) => "edit",
            CaseCommand::EditComment { .. } => "edit comment",
            CaseCommand::DeleteComment { .. } => "delete comment",
            CaseCommand::ReviewAi { .. } => "review ai suggestion",
        }
    }
}
