//! What a portal user sees of a case: a separate type, so fields agents keep to
//! themselves cannot leak by being forgotten in a filter.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Author, Case, CaseStatus, CaseType, Origin, Priority, Visibility};
use crate::ids::{CaseId, CaseNumber, CommentId};

use super::user::PortalUser;

/// Who wrote a comment, as the portal shows it: never an agent's identity.
///
/// ```
/// use hotcrm_support::portal::PortalAuthor;
/// assert_ne!(PortalAuthor::Support, PortalAuthor::You);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PortalAuthor {
    /// The viewing user's own contact.
    You,
    /// Another person of the customer's side (a colleague, an email sender).
    Customer,
    /// The support team (an agent or an automated reply).
    Support,
}

/// A public comment as the portal shows it.
///
/// ```
/// use hotcrm_support::portal::{PortalAuthor, PortalComment};
/// use hotcrm_support::ids::CommentId;
/// let c = PortalComment { id: CommentId::from_u128(1), at: "2026-01-05T09:00:00Z".parse()?, author: PortalAuthor::Support, body: "Fixed.".into() };
/// assert_eq!(c.body, "Fixed.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalComment {
    /// The comment's id.
    pub id: CommentId,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it, as the viewer may know.
    pub author: PortalAuthor,
    /// The text.
    pub body: String,
}

/// A case as a portal user sees it.
///
/// It carries the customer-facing fields only. Left out on purpose: internal
/// comments, the owner and queue, the SLA tier, contract, milestones and
/// violation flag, escalation, root cause, the AI findings (category,
/// sentiment, suggestions), fired rules and comment sentiments.
///
/// ```
/// # use hotcrm_support::ids::*; use hotcrm_support::knowledge::PortalTier;
/// # use hotcrm_support::case::{Case, CaseRules, NewCase, NewComment};
/// use hotcrm_support::portal::{PortalCaseView, PortalUser};
/// let now = "2026-01-05T09:00:00Z".parse()?;
/// let user = PortalUser::new(PortalUserId::from_u128(1), ContactId::from_u128(2), AccountId::from_u128(3), PortalTier::Basic, now).activated();
/// let new = NewCase::new(CaseId::from_u128(4), CaseNumber::new(2026, 1)?, AccountId::from_u128(3), "VPN", "down");
/// let (case, _) = Case::create(new, now, &CaseRules::default())?;
/// let view = PortalCaseView::of(&case, &user);
/// assert_eq!(view.subject, "VPN");
/// assert!(view.comments.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PortalCaseView {
    /// The case's id.
    pub id: CaseId,
    /// Its number.
    pub number: CaseNumber,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: String,
    /// Status.
    pub status: CaseStatus,
    /// Priority.
    pub priority: Priority,
    /// Type.
    pub case_type: CaseType,
    /// Channel it came through.
    pub origin: Origin,
    /// Whether the viewer reported it (else a colleague did).
    pub reported_by_you: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The resolution given to the customer.
    pub resolution: Option<String>,
    /// Public comments, oldest first.
    pub comments: Vec<PortalComment>,
}

impl PortalCaseView {
    /// The view of `case` for `user` (the caller has checked
    /// [`PortalUser::can_view`]).
    pub fn of(case: &Case, user: &PortalUser) -> PortalCaseView {
        let comments = case
            .comments
            .iter()
            .filter(|c| c.visibility == Visibility::Public && !c.is_deleted())
            .map(|c| PortalComment {
                id: c.id,
                at: c.at,
                author: match c.author {
                    Author::Customer(Some(contact)) if contact == user.contact => PortalAuthor::You,
                    Author::Customer(_) => PortalAuthor::Customer,
                    Author::Agent(_) | Author::Bot => PortalAuthor::Support,
                },
                body: c.body.clone(),
            })
            .collect();
        PortalCaseView {
            id: case.id,
            number: case.number,
            subject: case.subject.clone(),
            description: case.description.clone(),
            status: case.status,
            priority: case.priority,
            case_type: case.case_type,
            origin: case.origin,
            reported_by_you: case.contact == Some(user.contact),
            created_at: case.created_at,
            updated_at: case.updated_at,
            resolved_at: case.resolved_at,
            closed_at: case.closed_at,
            resolution: case.resolution.clone(),
            comments,
        }
    }
}
