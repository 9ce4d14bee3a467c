//! Editing a case's descriptive fields, and accepting or rejecting what the AI
//! suggested. Pure values; `decide` turns them into events.

use serde::{Deserialize, Serialize};

use super::validate::{MAX_SUBJECT, MAX_TEXT, required_text};
use super::{AiCategory, CaseType};
use crate::error::Result;
use crate::ids::{AgentId, ContactId, ProductId};

/// One field of a case and its value: the input of
/// [`CaseCommand::Edit`](super::CaseCommand::Edit) and, before and after, the
/// record of [`CaseEvent::Edited`](super::CaseEvent::Edited).
///
/// **SLA clocks:** none of these edits moves a running clock. The targets of a
/// case depend on its SLA tier and priority only; type, category, subject,
/// description, contact and product describe the case. Change the priority
/// with [`CaseCommand::ChangePriority`](super::CaseCommand::ChangePriority)
/// (due dates recomputed from the original start) and the queue with
/// [`CaseCommand::MoveToQueue`](super::CaseCommand::MoveToQueue) (the desk
/// re-routes the case). A contact must belong to the case's account (the desk
/// checks it against the repository).
///
/// ```
/// use hotcrm_support::case::{CaseEdit, CaseType};
/// let edit = CaseEdit::Type(CaseType::Incident);
/// assert_eq!(edit.field(), "type");
/// assert_eq!(edit.to_string(), "Incident");
/// assert!(CaseEdit::Subject(" ".into()).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value")]
#[non_exhaustive]
pub enum CaseEdit {
    /// The formal case type.
    Type(CaseType),
    /// The business category an agent sets (the AI's suggestion is in
    /// [`AiInsights::category`](super::AiInsights::category)).
    Category(Option<AiCategory>),
    /// The subject: not blank, at most 255 characters.
    Subject(String),
    /// The description: not blank, at most 32,000 characters.
    Description(String),
    /// The reporting contact.
    Contact(Option<ContactId>),
    /// The related product.
    Product(Option<ProductId>),
}

impl CaseEdit {
    /// The field's name.
    ///
    /// ```
    /// assert_eq!(hotcrm_support::case::CaseEdit::Product(None).field(), "product");
    /// ```
    pub const fn field(&self) -> &'static str {
        match self {
            CaseEdit::Type(_) => "type",
            CaseEdit::Category(_) => "category",
            CaseEdit::Subject(_) => "subject",
            CaseEdit::Description(_) => "description",
            CaseEdit::Contact(_) => "contact",
            CaseEdit::Product(_) => "product",
        }
    }

    /// Checks the value: a subject and a description are not blank and within
    /// their limits.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`](crate::Error::Validation) naming `subject` or `description`.
    ///
    /// ```
    /// use hotcrm_support::case::CaseEdit;
    /// CaseEdit::Subject("Export fails for large files".into()).validate()?;
    /// assert!(CaseEdit::Subject("x".repeat(256)).validate().is_err());
    /// # Ok::<(), hotcrm_support::Error>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        match self {
            CaseEdit::Subject(s) => required_text("subject", s, MAX_SUBJECT),
            CaseEdit::Description(d) => required_text("description", d, MAX_TEXT),
            _ => Ok(()),
        }
    }

    /// The same field as it is on `case`.
    pub(crate) fn current(&self, case: &super::Case) -> CaseEdit {
        match self {
            CaseEdit::Type(_) => CaseEdit::Type(case.case_type),
            CaseEdit::Category(_) => CaseEdit::Category(case.category),
            CaseEdit::Subject(_) => CaseEdit::Subject(case.subject.clone()),
            CaseEdit::Description(_) => CaseEdit::Description(case.description.clone()),
            CaseEdit::Contact(_) => CaseEdit::Contact(case.contact),
            CaseEdit::Product(_) => CaseEdit::Product(case.product),
        }
    }

    /// Sets the field on `case`.
    pub(crate) fn set(&self, case: &mut super::Case) {
        match self {
            CaseEdit::Type(t) => case.case_type = *t,
            CaseEdit::Category(c) => case.category = *c,
            CaseEdit::Subject(s) => case.subject.clone_from(s),
            CaseEdit::Description(d) => case.description.clone_from(d),
            CaseEdit::Contact(c) => case.contact = *c,
            CaseEdit::Product(p) => case.product = *p,
        }
    }
}

impl std::fmt::Display for CaseEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn or_none(v: Option<impl std::fmt::Display>) -> String {
            v.map_or_else(|| "none".to_string(), |v| v.to_string())
        }
        match self {
            CaseEdit::Type(t) => write!(f, "{t}"),
            CaseEdit::Category(c) => f.write_str(&or_none(*c)),
            CaseEdit::Subject(s) | CaseEdit::Description(s) => {
                let first: String = s.chars().take(60).collect();
                if first.len() < s.len() {
                    write!(f, "\"{first}…\"")
                } else {
                    write!(f, "\"{first}\"")
                }
            }
            CaseEdit::Contact(c) => f.write_str(&or_none(c.map(|c| crate::ids::short(&c)))),
            CaseEdit::Product(p) => f.write_str(&or_none(p.map(|p| crate::ids::short(&p)))),
        }
    }
}

/// Which AI suggestion an agent accepts or rejects
/// ([`CaseCommand::ReviewAi`](super::CaseCommand::ReviewAi)).
///
/// ```
/// use hotcrm_support::case::AiSuggestion;
/// assert_eq!(AiSuggestion::Category.to_string(), "category");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AiSuggestion {
    /// [`AiInsights::category`](super::AiInsights::category): accepting sets the case's category.
    Category,
    /// [`AiInsights::suggested_assignee`](super::AiInsights::suggested_assignee): accepting assigns the case.
    Assignee,
    /// [`AiInsights::suggested_solution`](super::AiInsights::suggested_solution):
    /// accepting sends it to the customer as the agent's public reply.
    Solution,
}

impl std::fmt::Display for AiSuggestion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AiSuggestion::Category => "category",
            AiSuggestion::Assignee => "assignee",
            AiSuggestion::Solution => "solution",
        })
    }
}

/// An AI suggestion with its value, as [`CaseEvent::AiSuggestionReviewed`](super::CaseEvent::AiSuggestionReviewed) records it.
///
/// ```
/// use hotcrm_support::case::{AiCategory, AiSuggested, AiSuggestion};
/// assert_eq!(AiSuggested::Category(AiCategory::Billing).kind(), AiSuggestion::Category);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "suggestion", content = "value")]
pub enum AiSuggested {
    /// A category.
    Category(AiCategory),
    /// An assignee.
    Assignee(AgentId),
    /// A solution text.
    Solution(String),
}

impl AiSuggested {
    /// Which suggestion this is.
    ///
    /// ```
    /// use hotcrm_support::case::{AiSuggested, AiSuggestion};
    /// assert_eq!(AiSuggested::Solution("Restart".into()).kind(), AiSuggestion::Solution);
    /// ```
    pub const fn kind(&self) -> AiSuggestion {
        match self {
            AiSuggested::Category(_) => AiSuggestion::Category,
            AiSuggested::Assignee(_) => AiSuggestion::Assignee,
            AiSuggested::Solution(_) => AiSuggestion::Solution,
        }
    }

    /// The pending suggestion of `kind` on `ai`.
    pub(crate) fn pending(ai: &super::AiInsights, kind: AiSuggestion) -> Option<AiSuggested> {
        match kind {
            AiSuggestion::Category => ai.category.map(AiSuggested::Category),
            AiSuggestion::Assignee => ai.suggested_assignee.map(AiSuggested::Assignee),
            AiSuggestion::Solution => ai.suggested_solution.clone().map(AiSuggested::Solution),
        }
    }

    /// Clears the suggestion from `ai` (it was reviewed).
    pub(crate) fn clear(kind: AiSuggestion, ai: &mut super::AiInsights) {
        match kind {
            AiSuggestion::Category => ai.category = None,
            AiSuggestion::Assignee => ai.suggested_assignee = None,
            AiSuggestion::Solution => ai.suggested_solution = None,
        }
    }
}

impl std::fmt::Display for AiSuggested {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AiSuggested::Category(c) => write!(f, "category {c}"),
            AiSuggested::Assignee(a) => write!(f, "assignee agent {}", crate::ids::short(a)),
            AiSuggested::Solution(s) => {
                let first: String = s.chars().take(40).collect();
                write!(f, "solution \"{first}\"")
            }
        }
    }
}

impl super::decide::Decider<'_> {
    /// [`CaseCommand::Edit`](super::CaseCommand::Edit).
    pub(super) fn edit(&self, edit: CaseEdit) -> Result<Vec<super::CaseEvent>> {
        self.not_closed("edit")?;
        edit.validate()?;
        let from = edit.current(self.case);
        if from == edit {
            return Ok(Vec::new());
        }
        let mut events = Vec::new();
        // A category set over a pending AI suggestion reviews it.
        if let (CaseEdit::Category(chosen), Some(suggested)) = (&edit, self.case.ai.category) {
            events.push(super::CaseEvent::AiSuggestionReviewed {
                at: self.now,
                by: self.by,
                suggestion: AiSuggested::Category(suggested),
                accepted: *chosen == Some(suggested),
            });
        }
        events.insert(
            0,
            super::CaseEvent::Edited {
                at: self.now,
                by: self.by,
                from,
                to: edit,
            },
        );
        Ok(events)
    }

    /// [`CaseCommand::ReviewAi`](super::CaseCommand::ReviewAi).
    pub(super) fn review_ai(
        &self,
        kind: AiSuggestion,
        accept: bool,
    ) -> Result<Vec<super::CaseEvent>> {
        self.not_closed("review ai suggestion")?;
        let Some(suggested) = AiSuggested::pending(&self.case.ai, kind) else {
            return Ok(Vec::new());
        };
        let mut events = Vec::new();
        if accept {
            match &suggested {
                AiSuggested::Category(c) => {
                    if self.case.category != Some(*c) {
                        events.push(super::CaseEvent::Edited {
                            at: self.now,
                            by: self.by,
                            from: CaseEdit::Category(self.case.category),
                            to: CaseEdit::Category(Some(*c)),
                        });
                    }
                }
                AiSuggested::Assignee(agent) => events.extend(self.assign(*agent)?),
                AiSuggested::Solution(text) => {
                    let Some(agent) = self.by.agent() else {
                        return Err(crate::Error::NotAllowed {
                            command: "review ai suggestion",
                            reason: "an agent must send the suggested solution".into(),
                        });
                    };
                    let key = format!("{}/{}", self.case.id, self.case.comments.len());
                    let id = crate::ids::CommentId::from_u128(crate::ids::stable_hash(
                        "ai-solution",
                        &key,
                    ));
                    let reply = super::NewComment::public(id, super::Author::Agent(agent), text);
                    events.extend(self.comment(reply)?);
                }
            }
        }
        events.push(super::CaseEvent::AiSuggestionReviewed {
            at: self.now,
            by: self.by,
            suggestion: suggested,
            accepted: accept,
        });
        Ok(events)
    }
}

impl super::decide::Decider<'_> {
    fn stored_comment(&self, id: crate::ids::CommentId) -> Result<&super::Comment> {
        self.case
            .comments
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| crate::Error::NotFound {
                kind: "comment",
                id: id.to_string(),
            })
    }

    /// [`CaseCommand::EditComment`](super::CaseCommand::EditComment).
    pub(super) fn edit_comment(
        &self,
        id: crate::ids::CommentId,
        body: String,
    ) -> Result<Vec<super::CaseEvent>> {
        self.not_closed("edit comment")?;
        let stored = self.stored_comment(id)?;
        if stored.is_deleted() {
            return Err(self.not_allowed("edit comment", "the comment was deleted"));
        }
        if super::Actor::from(stored.author) != self.by {
            return Err(self.not_allowed("edit comment", "only its author may edit a comment"));
        }
        required_text("body", &body, MAX_TEXT)?;
        if stored.body == body {
            return Ok(Vec::new());
        }
        Ok(vec![super::CaseEvent::CommentEdited {
            at: self.now,
            by: self.by,
            comment: id,
            body,
        }])
    }

    /// [`CaseCommand::DeleteComment`](super::CaseCommand::DeleteComment).
    pub(super) fn delete_comment(
        &self,
        id: crate::ids::CommentId,
    ) -> Result<Vec<super::CaseEvent>> {
        self.not_closed("delete comment")?;
        let stored = self.stored_comment(id)?;
        if stored.is_deleted() {
            return Ok(Vec::new());
        }
        let author = super::Actor::from(stored.author);
        if author != self.by && self.by.agent().is_none() {
            return Err(self.not_allowed(
                "delete comment",
                "only its author or an agent may delete a comment",
            ));
        }
        Ok(vec![super::CaseEvent::CommentDeleted {
            at: self.now,
            by: self.by,
            comment: id,
        }])
    }
}
